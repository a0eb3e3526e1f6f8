/*
 * redact: the one message path for text that may carry a secret. Error
 * bodies, log lines and journal messages pass through here before they are
 * printed or stored.
 *
 * Two layers protect a secret. A process-wide registry holds every secret
 * value the tool has read or received (tokens, passwords, client and
 * application secrets, MSAL tokens, ACS keys); any occurrence of one, raw,
 * URL-encoded or JSON-escaped, becomes "***". Independently of the
 * registry, the places where secrets usually travel are masked by shape:
 *
 *   Authorization: Bearer abc   ->  Authorization: Bearer ***
 *   "access_token": "abc"       ->  "access_token": "***"
 *   password=abc&x=1            ->  password=***&x=1
 *   ...;accesskey=abc           ->  ...;accesskey=***
 *
 * A field "looks secret" when its name, compared without case, '_' or '-',
 * ends in "token", "secret", "password" or "passwd", or is "accesskey",
 * "apikey", "privatekey", "signature", "authorization", "clientassertion"
 * or "2fapayload" (so "accessToken", "id_token", "client_secret" and
 * "refreshToken" match; "token_type" does not).
 *
 * Every function is thread-safe.
 */
#ifndef TP_REDACT_H
#define TP_REDACT_H

#include <stddef.h>

#include "util.h"

/*
 * Values shorter than this are not registered: masking every "abc" in
 * every message would make messages useless, and the shape rules above
 * still hide them where they normally appear.
 */
#define REDACT_MIN_LEN 4

/*
 * Registers a secret (copied; the copy is wiped when removed). Registering
 * the same value twice counts twice: it stays registered until removed as
 * often. Call as soon as a secret is read or received.
 */
void redact_add(const char *secret);
/* Removes one registration of secret; unknown values are ignored. */
void redact_remove(const char *secret);
/* Wipes and forgets every registered secret (at exit). */
void redact_clear(void);
/* Number of distinct values registered (for tests). */
size_t redact_count(void);

/*
 * A copy of s[0..n) with every secret replaced by "***" and nothing else
 * changed (no escaping): for callers that escape themselves, such as the
 * cJSON-built log lines. The caller frees the result. NUL bytes in s are
 * kept.
 */
char *redact_raw(const char *s, size_t n, size_t *out_len);

/*
 * Appends s[0..n), secrets masked, as buf_add_quoted() does: double-quoted,
 * control characters and invalid UTF-8 escaped, cut after max bytes with
 * "...". Pass the whole text, not a prefix: masking happens before the cut,
 * so a secret straddling the cut is hidden too.
 */
void buf_add_redacted(struct buf *b, const char *s, size_t n, size_t max);
/* The same as a new NUL-terminated string; the caller frees it. */
char *redact_quote(const char *s, size_t n, size_t max);

/* Whether a JSON field or form parameter name looks secret (see above). */
int redact_name_is_secret(const char *name, size_t n);

#endif
