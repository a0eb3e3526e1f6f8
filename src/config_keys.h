/*
 * config_keys: the table of teamsprov.conf keys and the parsers of their
 * values, private to config.c (the public face is config.h).
 */
#ifndef TP_CONFIG_KEYS_H
#define TP_CONFIG_KEYS_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "secret.h"

enum key_type {
	KT_URL,      /* http(s) URL; http:// only for loopback */
	KT_STR,      /* free text, 1..max bytes */
	KT_NAME,     /* letters, digits, ".", "_", "-" */
	KT_PATH,     /* an API path: "/" then URL path characters */
	KT_INT,      /* int, min..max */
	KT_INT64,    /* int64_t, min..max */
	KT_DURATION, /* int64_t ns, min..max */
	KT_RATE,     /* double per second */
	KT_BURST,    /* double, a whole number min..max */
	KT_NUMBER,   /* double, min..max (in hundredths) */
	KT_SECRET,   /* struct secret_ref of the given kind */
};

struct key_def {
	const char *section;
	const char *name;
	enum key_type type;
	size_t off; /* offsetof(struct config, ...) */
	const char *def;
	int64_t min, max;
	enum secret_kind kind; /* KT_SECRET */
	const char *group;     /* KT_SECRET: the secret, "password" */
};

extern const struct key_def config_key_table[];
extern const size_t config_key_n;

/* The sections, in the order of the man page. */
extern const char *const config_sections[];
extern const size_t config_section_n;

/* The key named name in section, or NULL. */
const struct key_def *key_find(const char *section, const char *name);

/*
 * Parses value for k and stores it in c. Returns 0, or -1 with *msg set
 * to the whole error message (caller frees), which repeats the value only
 * when it cannot be a secret.
 */
int key_set(struct config *c, const struct key_def *k, const char *value,
            char **msg);

/* Frees what k's field holds in c and clears it. */
void key_clear(struct config *c, const struct key_def *k);

/*
 * For a key that would hold a secret inline ("password", "token"...):
 * the message saying where to put it instead (caller frees); else NULL.
 */
char *key_inline_secret(const char *section, const char *name);

#endif
