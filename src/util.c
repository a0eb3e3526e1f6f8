/*
 * util: allocation wrappers, struct buf and string helpers (see util.h).
 */
#include "util.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void oom(size_t n)
{
	fprintf(stderr, "teamsprov: out of memory (%zu bytes)\n", n);
	abort();
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		oom(n);
	return p;
}

void *xcalloc(size_t nmemb, size_t size)
{
	void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);
	if (!p)
		oom(nmemb * size);
	return p;
}

void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q)
		oom(n);
	return q;
}

char *xstrdup(const char *s)
{
	return s ? xstrndup(s, strlen(s)) : NULL;
}

char *xstrndup(const char *s, size_t n)
{
	size_t len = strnlen(s, n);
	char *p = xmalloc(len + 1);
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

char *xvasprintf(const char *fmt, va_list ap)
{
	va_list cp;
	char *s;
	int n;

	va_copy(cp, ap);
	n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0)
		oom(0);
	s = xmalloc((size_t)n + 1);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	return s;
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	return s;
}

void buf_init(struct buf *b)
{
	b->cap = 16;
	b->len = 0;
	b->p = xmalloc(b->cap);
	b->p[0] = '\0';
}

void buf_release(struct buf *b)
{
	if (b->cap)
		free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

void buf_reset(struct buf *b)
{
	b->len = 0;
	if (b->cap)
		b->p[0] = '\0';
}

static void buf_grow(struct buf *b, size_t extra)
{
	size_t need;

	if (extra > SIZE_MAX - b->len - 1)
		oom(SIZE_MAX);
	need = b->len + extra + 1;
	if (need <= b->cap)
		return;
	if (b->cap == 0) { /* detached: p is the shared empty string */
		b->cap = need < 16 ? 16 : need;
		b->p = xmalloc(b->cap);
		b->p[0] = '\0';
		return;
	}
	while (b->cap < need)
		b->cap = b->cap > SIZE_MAX / 2 ? need : b->cap * 2;
	b->p = xrealloc(b->p, b->cap);
}

void buf_add(struct buf *b, const void *data, size_t n)
{
	if (n == 0)
		return;
	buf_grow(b, n);
	memcpy(b->p + b->len, data, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void buf_adds(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

void buf_addc(struct buf *b, char c)
{
	buf_add(b, &c, 1);
}

void buf_addf(struct buf *b, const char *fmt, ...)
{
	va_list ap, cp;
	int n;

	va_start(ap, fmt);
	va_copy(cp, ap);
	n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n > 0) {
		buf_grow(b, (size_t)n);
		vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
		b->len += (size_t)n;
	}
	va_end(ap);
}

/* An empty buffer that owns no memory: what buf_detach leaves behind, so
 * that a detached buffer may be reused or simply dropped. */
static char empty[1];

char *buf_detach(struct buf *b)
{
	char *p = b->p;

	if (b->cap == 0)
		p = xstrdup("");
	b->p = empty;
	b->len = b->cap = 0;
	return p;
}

/* Length of the UTF-8 sequence starting at s (at most n bytes), 0 if bad. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
	size_t len, i;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

size_t utf8_valid_prefix(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, k;

	while (i < n) {
		if (u[i] < 0x80) {
			i++;
			continue;
		}
		k = utf8_seq(u + i, n - i);
		if (!k)
			break;
		i += k;
	}
	return i;
}

void buf_add_quoted(struct buf *b, const char *s, size_t n, size_t max)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, k;

	buf_addc(b, '"');
	while (i < n) {
		if (i >= max) {
			buf_adds(b, "...");
			break;
		}
		switch (u[i]) {
		case '\n': buf_adds(b, "\\n"); i++; continue;
		case '\r': buf_adds(b, "\\r"); i++; continue;
		case '\t': buf_adds(b, "\\t"); i++; continue;
		case '"': buf_adds(b, "\\\""); i++; continue;
		case '\\': buf_adds(b, "\\\\"); i++; continue;
		default: break;
		}
		if (u[i] < 0x20 || u[i] == 0x7f) {
			buf_addf(b, "\\x%02x", u[i]);
			i++;
			continue;
		}
		k = utf8_seq(u + i, n - i);
		if (!k) {
			buf_addf(b, "\\x%02x", u[i]);
			i++;
			continue;
		}
		/* C1 controls (U+0080..U+009F) are escaped too. */
		if (k == 2 && u[i] == 0xc2 && u[i + 1] < 0xa0) {
			buf_addf(b, "\\u%04x", u[i + 1]);
			i += 2;
			continue;
		}
		buf_add(b, s + i, k);
		i += k;
	}
	buf_addc(b, '"');
}

char *str_quote(const char *s, size_t max)
{
	struct buf b;

	buf_init(&b);
	buf_add_quoted(&b, s, strlen(s), max);
	return buf_detach(&b);
}

static int lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

int str_casecmp(const char *a, const char *b)
{
	const unsigned char *x = (const unsigned char *)a;
	const unsigned char *y = (const unsigned char *)b;

	while (*x && lower(*x) == lower(*y)) {
		x++;
		y++;
	}
	return lower(*x) - lower(*y);
}

int str_ncasecmp(const char *a, const char *b, size_t n)
{
	const unsigned char *x = (const unsigned char *)a;
	const unsigned char *y = (const unsigned char *)b;

	for (; n; n--, x++, y++) {
		if (lower(*x) != lower(*y))
			return lower(*x) - lower(*y);
		if (!*x)
			break;
	}
	return 0;
}

char *str_lower(char *s)
{
	char *p;

	for (p = s; *p; p++)
		*p = (char)lower((unsigned char)*p);
	return s;
}

char *str_trim(char *s)
{
	size_t n = strlen(s), i = 0;

	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	s[n] = '\0';
	while (s[i] == ' ' || s[i] == '\t')
		i++;
	if (i)
		memmove(s, s + i, n - i + 1);
	return s;
}
