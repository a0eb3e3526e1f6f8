/*
 * units: the value syntaxes of teamsprov.conf and of command-line options
 * that take durations, rates or bounded integers. Every parser is strict:
 * the whole string must match, with no blanks, signs or exponents, and on
 * failure it says why with a static phrase (never repeating the input, so
 * callers decide whether a value may be echoed).
 *
 *   duration  "0", or one or more NUMBER UNIT terms with units from largest
 *             to smallest, each at most once: 500ms, 30s, 5m, 2h, 7d, 1h30m.
 *             Units: ms, s, m (minutes), h, d. A bare number other than 0
 *             is refused: "30" could mean seconds or milliseconds.
 *   rate      "0" (no limit), or NUMBER/UNIT with UNIT s, m or min, h:
 *             10/s, 600/min, 0.5/s. At most UNITS_RATE_MAX per second.
 *   integer   decimal digits only, at most a given maximum.
 *   number    digits with an optional fraction: 1.5, 2, 0.25.
 */
#ifndef TP_UNITS_H
#define TP_UNITS_H

#include <stddef.h>
#include <stdint.h>

#define UNITS_NS_PER_MS INT64_C(1000000)
#define UNITS_NS_PER_S INT64_C(1000000000)

/* The largest rate accepted, in requests per second. */
#define UNITS_RATE_MAX 1000000.0

/*
 * Each parser stores the value and returns 0, or returns -1 with *why set
 * to a static phrase ("unknown unit; use ms, s, m, h or d") and leaves the
 * output untouched.
 */

/* Duration into nanoseconds; anything that would overflow int64 fails. */
int units_parse_duration(const char *s, int64_t *ns, const char **why);

/* Rate into requests per second; 0 means no limit. */
int units_parse_rate(const char *s, double *per_second, const char **why);

/* Non-negative decimal integer no larger than max. */
int units_parse_uint(const char *s, uint64_t max, uint64_t *out,
                     const char **why);

/* Non-negative decimal number, at most 15 integer and 9 fraction digits. */
int units_parse_number(const char *s, double *out, const char **why);

/*
 * Writes ns (>= 0) in the duration syntax, largest units first and exact
 * ("1h30m", "1s500ms", "0"; below a millisecond is dropped), into buf of
 * size n (40 bytes always suffice).
 */
void units_format_duration(int64_t ns, char *buf, size_t n);

#endif
