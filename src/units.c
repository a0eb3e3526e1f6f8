/*
 * units: strict parsers for durations, rates and bounded numbers (see
 * units.h). Hand-written on purpose: strtol/strtod accept signs, blanks,
 * hexadecimal, exponents and the locale's decimal point, none of which
 * belong in a configuration value.
 */
#include "units.h"

#include <stdio.h>
#include <string.h>

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Reads digits at *p into *v; returns the count, or -1 on overflow. */
static int read_digits(const char **p, uint64_t max, uint64_t *v)
{
	const char *s = *p;
	uint64_t x = 0;
	int n = 0;

	while (is_digit(*s)) {
		unsigned d = (unsigned)(*s - '0');

		if (x > (max - d) / 10)
			return -1;
		x = x * 10 + d;
		s++;
		n++;
	}
	*p = s;
	*v = x;
	return n;
}

static const struct {
	const char *name;
	int64_t ns;
} dur_units[] = {
    /* Order matters: "ms" must be tried before "m". */
    {"d", 86400 * UNITS_NS_PER_S}, {"h", 3600 * UNITS_NS_PER_S},
    {"ms", UNITS_NS_PER_MS},       {"m", 60 * UNITS_NS_PER_S},
    {"s", UNITS_NS_PER_S},
};

#define DUR_SYNTAX "expected a number and a unit: ms, s, m, h or d (30s, 5m)"

int units_parse_duration(const char *s, int64_t *ns, const char **why)
{
	int64_t total = 0, last_unit = INT64_MAX;
	const char *p = s;

	if (!*s) {
		*why = "empty; " DUR_SYNTAX;
		return -1;
	}
	if (*s == '-') {
		*why = "a duration cannot be negative";
		return -1;
	}
	if (strcmp(s, "0") == 0) {
		*ns = 0;
		return 0;
	}
	while (*p) {
		uint64_t v;
		int64_t unit = 0;
		size_t i;
		int nd = read_digits(&p, INT64_MAX, &v);

		if (nd < 0) {
			*why = "too large";
			return -1;
		}
		if (nd == 0) {
			*why = DUR_SYNTAX;
			return -1;
		}
		if (!*p) {
			*why = "a unit is needed after the number: ms, s, m, "
			       "h or d (only 0 may stand alone)";
			return -1;
		}
		for (i = 0; i < sizeof(dur_units) / sizeof(dur_units[0]); i++) {
			size_t l = strlen(dur_units[i].name);

			if (strncmp(p, dur_units[i].name, l) == 0 &&
			    !(p[l] >= 'a' && p[l] <= 'z')) {
				unit = dur_units[i].ns;
				p += l;
				break;
			}
		}
		if (!unit) {
			*why = "unknown unit; use ms, s, m, h or d";
			return -1;
		}
		if (unit >= last_unit) {
			*why = "units must go from largest to smallest, each "
			       "once (1h30m)";
			return -1;
		}
		last_unit = unit;
		if ((int64_t)v > (INT64_MAX - total) / unit) {
			*why = "too large";
			return -1;
		}
		total += (int64_t)v * unit;
	}
	*ns = total;
	return 0;
}

int units_parse_uint(const char *s, uint64_t max, uint64_t *out,
                     const char **why)
{
	const char *p;
	uint64_t v;

	if (*s == '-') {
		*why = "cannot be negative";
		return -1;
	}
	for (p = s; is_digit(*p); p++)
		;
	if (p == s || *p) {
		*why = "expected a whole number (digits only)";
		return -1;
	}
	p = s;
	if (read_digits(&p, max, &v) < 0) {
		*why = "too large";
		return -1;
	}
	*out = v;
	return 0;
}

/* NUMBER at *p: digits, optionally "." and digits; advances *p. */
static int read_number(const char **p, double *out, const char **why)
{
	const char *s = *p;
	uint64_t ip, fp = 0;
	double scale = 1;
	int nd, nf = 0;

	if (*s == '-') {
		*why = "cannot be negative";
		return -1;
	}
	nd = read_digits(&s, UINT64_C(999999999999999), &ip);
	if (nd < 0) {
		*why = "too large";
		return -1;
	}
	if (nd == 0) {
		*why = "expected a number such as 2 or 1.5";
		return -1;
	}
	if (*s == '.') {
		s++;
		while (is_digit(*s)) {
			if (++nf > 9) {
				*why = "at most 9 digits after the point";
				return -1;
			}
			fp = fp * 10 + (uint64_t)(*s - '0');
			scale *= 10;
			s++;
		}
		if (nf == 0) {
			*why = "expected digits after the point";
			return -1;
		}
	}
	*out = (double)ip + (double)fp / scale;
	*p = s;
	return 0;
}

int units_parse_number(const char *s, double *out, const char **why)
{
	const char *p = s;
	double v;

	if (read_number(&p, &v, why) < 0)
		return -1;
	if (*p) {
		*why = "expected a number such as 2 or 1.5";
		return -1;
	}
	*out = v;
	return 0;
}

#define RATE_SYNTAX "expected NUMBER/s, NUMBER/min or NUMBER/h (10/s, 600/min)"

int units_parse_rate(const char *s, double *per_second, const char **why)
{
	const char *p = s;
	double v, unit;

	if (strcmp(s, "0") == 0) {
		*per_second = 0;
		return 0;
	}
	if (*s == '-') {
		*why = "a rate cannot be negative";
		return -1;
	}
	if (read_number(&p, &v, why) < 0) {
		*why = RATE_SYNTAX " or 0 for no limit";
		return -1;
	}
	if (!*p) {
		*why = "a rate needs a unit: 10/s or 600/min (0: no limit)";
		return -1;
	}
	if (*p != '/') {
		*why = RATE_SYNTAX;
		return -1;
	}
	p++;
	if (strcmp(p, "s") == 0)
		unit = 1;
	else if (strcmp(p, "m") == 0 || strcmp(p, "min") == 0)
		unit = 60;
	else if (strcmp(p, "h") == 0)
		unit = 3600;
	else {
		*why = "unknown unit after \"/\"; use s, min or h";
		return -1;
	}
	if (v == 0) {
		*why = "a zero rate would send nothing; write 0 alone for no "
		       "limit";
		return -1;
	}
	if (v / unit > UNITS_RATE_MAX) {
		*why = "too large (at most 1000000/s)";
		return -1;
	}
	*per_second = v / unit;
	return 0;
}

void units_format_duration(int64_t ns, char *buf, size_t n)
{
	static const struct {
		const char *name;
		int64_t ns;
	} u[] = {
	    {"d", 86400 * UNITS_NS_PER_S}, {"h", 3600 * UNITS_NS_PER_S},
	    {"m", 60 * UNITS_NS_PER_S},    {"s", UNITS_NS_PER_S},
	    {"ms", UNITS_NS_PER_MS},
	};
	size_t i, len = 0;

	if (n == 0)
		return;
	buf[0] = '\0';
	if (ns < UNITS_NS_PER_MS) {
		snprintf(buf, n, "0");
		return;
	}
	for (i = 0; i < sizeof(u) / sizeof(u[0]) && ns > 0; i++) {
		int k;

		if (ns < u[i].ns)
			continue;
		k = snprintf(buf + len, n - len, "%lld%s",
		             (long long)(ns / u[i].ns), u[i].name);
		if (k < 0 || (size_t)k >= n - len)
			return;
		len += (size_t)k;
		ns %= u[i].ns;
	}
}
