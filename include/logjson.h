/*
 * logjson: the --log-json FILE writer, JSON Lines with one object per
 * event (spec §6):
 *
 *   {"ts":"2026-11-22T04:35:07.123Z","level":"info","api":"c2t",
 *    "method":"POST","path":"/reseller/newEnterprise","status":200,
 *    "ms":12.5,"attempt":1,"item":"Acme"}
 *
 * The nine keys are always present (null when unknown); "msg" and "error"
 * are added when given. Lines are built with cJSON, every string passes
 * through redact first and is made valid UTF-8, and each line is written
 * with one write(2) on an O_APPEND descriptor under a mutex, so lines
 * from many workers never interleave and a killed run leaves whole lines.
 * The file is appended to, never truncated: nightly runs accumulate.
 */
#ifndef TP_LOGJSON_H
#define TP_LOGJSON_H

#include <stdint.h>

struct logjson_event {
	int64_t wall_ns;    /* CLOCK_REALTIME ns; 0: now */
	const char *level;  /* "debug", "info", "warn", "error"; NULL: info */
	const char *api;    /* "c2t", "fusion", "acs", or NULL */
	const char *method; /* or NULL */
	const char *path;   /* a path or a full URL; shown as its path and
	                       query, redacted */
	long status;        /* HTTP status; 0: null */
	double ms;          /* duration; negative: null */
	int attempt;        /* 1 for the first; 0: null */
	const char *item;   /* the manifest item, or NULL */
	const char *msg;    /* optional free text */
	const char *error;  /* optional error kind (http_err_name) */
};

struct logjson;

/*
 * Opens (creates, appends to) path. Returns 0 with *out set, or -1 with
 * *err set (caller frees).
 */
int logjson_open(const char *path, struct logjson **out, char **err);

/*
 * Writes one line; thread-safe. Returns 0, or -1 when the write failed
 * (the first failure is kept for logjson_close; later lines are dropped).
 */
int logjson_write(struct logjson *lj, const struct logjson_event *ev);

/* The line logjson_write() would write, without its newline; the caller
 * frees it. For tests and for callers that log elsewhere. */
char *logjson_format(const struct logjson_event *ev);

/*
 * Closes and frees lj (NULL is fine). Returns 0, or -1 with *err set
 * (caller frees) when any write or the close failed: the run should then
 * exit 73.
 */
int logjson_close(struct logjson *lj, char **err);

#endif
