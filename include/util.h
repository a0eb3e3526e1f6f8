/*
 * util: allocation wrappers, a growable byte buffer and small string helpers
 * shared by every module of teamsprov and teamsprov-sim.
 *
 * Allocation failure is the one fatal error in the project: the x*()
 * wrappers print a message and abort instead of returning NULL, so callers
 * never check their results.
 */
#ifndef TP_UTIL_H
#define TP_UTIL_H

#include <stdarg.h>
#include <stddef.h>

#if defined(__GNUC__)
#define TP_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define TP_PRINTF(f, a)
#endif

void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
/* Copies; the caller owns the result. xstrdup(NULL) returns NULL. */
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) TP_PRINTF(1, 2);
char *xvasprintf(const char *fmt, va_list ap) TP_PRINTF(1, 0);

/*
 * struct buf: a growable byte buffer, always NUL-terminated after buf_init
 * (p is never NULL). The buffer owns p until buf_detach() hands it over.
 */
struct buf {
	char *p;
	size_t len;
	size_t cap;
};

void buf_init(struct buf *b);
void buf_release(struct buf *b);
void buf_reset(struct buf *b);
void buf_add(struct buf *b, const void *data, size_t n);
void buf_adds(struct buf *b, const char *s);
void buf_addc(struct buf *b, char c);
void buf_addf(struct buf *b, const char *fmt, ...) TP_PRINTF(2, 3);
/*
 * Returns the contents (caller frees) and leaves b empty and usable, owning
 * no memory: it may be added to again, released, or simply dropped.
 */
char *buf_detach(struct buf *b);

/*
 * Appends s (n bytes) as a double-quoted, printable string: control
 * characters, quotes, backslashes and bytes that are not valid UTF-8 are
 * escaped (\n, \", \x1b...), and more than max bytes are cut with "...".
 * This is how user data reaches every message, so a hostile cell cannot
 * move the cursor or forge a line.
 */
void buf_add_quoted(struct buf *b, const char *s, size_t n, size_t max);
/* The same as a new string; the caller frees it. */
char *str_quote(const char *s, size_t max);

/* ASCII-only case folding comparisons, independent of the locale. */
int str_casecmp(const char *a, const char *b);
int str_ncasecmp(const char *a, const char *b, size_t n);
/* Lower-cases ASCII letters in place; returns s. */
char *str_lower(char *s);

/*
 * Length of the valid UTF-8 prefix of s[0..n): equals n when all of s is
 * valid UTF-8 (no overlongs, no surrogates, nothing above U+10FFFF).
 */
size_t utf8_valid_prefix(const char *s, size_t n);

/* Trims ASCII blanks (space, tab) at both ends in place; returns s. */
char *str_trim(char *s);

#endif
