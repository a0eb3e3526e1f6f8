/*
 * redact: the secret registry and the masking of secrets in text (see
 * redact.h).
 *
 * Masking marks the bytes to hide in a map (one byte per input byte), rule
 * by rule, then copies the text with every marked run replaced by "***".
 * Marking first and replacing once keeps overlapping matches (a registered
 * token inside an Authorization header) from producing garbled output.
 */
#include "redact.h"

#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>

struct secret_entry {
	char *s;
	size_t n;
	unsigned refs;
};

static pthread_rwlock_t reg_lock = PTHREAD_RWLOCK_INITIALIZER;
static struct secret_entry *reg;
static size_t reg_n, reg_cap;

enum { KEEP = 0, MASK = 1, MASK_QUOTED = 2 };

static void add_one(const char *s, size_t n)
{
	size_t i;

	if (n < REDACT_MIN_LEN)
		return;
	for (i = 0; i < reg_n; i++) {
		if (reg[i].n == n && memcmp(reg[i].s, s, n) == 0) {
			reg[i].refs++;
			return;
		}
	}
	if (reg_n == reg_cap) {
		reg_cap = reg_cap ? reg_cap * 2 : 16;
		reg = xrealloc(reg, reg_cap * sizeof(*reg));
	}
	reg[reg_n].s = xstrndup(s, n);
	reg[reg_n].n = n;
	reg[reg_n].refs = 1;
	reg_n++;
}

static void remove_one(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < reg_n; i++) {
		if (reg[i].n != n || memcmp(reg[i].s, s, n) != 0)
			continue;
		if (--reg[i].refs == 0) {
			explicit_bzero(reg[i].s, reg[i].n);
			free(reg[i].s);
			reg[i] = reg[--reg_n];
		}
		return;
	}
}

/*
 * The forms a secret takes on the wire besides itself: URL-encoded (form
 * bodies, query strings) and JSON-escaped (request bodies). Calls fn on
 * each distinct form.
 */
static void each_form(const char *secret, void (*fn)(const char *, size_t))
{
	size_t n = strlen(secret);
	char *esc, *json;
	cJSON *str;

	fn(secret, n);
	esc =
	    n < (size_t)INT_MAX ? curl_easy_escape(NULL, secret, (int)n) : NULL;
	if (esc) {
		if (strcmp(esc, secret) != 0)
			fn(esc, strlen(esc));
		explicit_bzero(esc, strlen(esc));
		curl_free(esc);
	}
	str = cJSON_CreateString(secret);
	json = str ? cJSON_PrintUnformatted(str) : NULL;
	if (json) {
		size_t k = strlen(json);
		if (k >= 2 && (k - 2 != n || memcmp(json + 1, secret, n) != 0))
			fn(json + 1, k - 2);
		explicit_bzero(json, k);
		cJSON_free(json);
	}
	if (str) {
		explicit_bzero(str->valuestring, n);
		cJSON_Delete(str);
	}
}

void redact_add(const char *secret)
{
	if (!secret || strlen(secret) < REDACT_MIN_LEN)
		return;
	pthread_rwlock_wrlock(&reg_lock);
	each_form(secret, add_one);
	pthread_rwlock_unlock(&reg_lock);
}

void redact_remove(const char *secret)
{
	if (!secret || strlen(secret) < REDACT_MIN_LEN)
		return;
	pthread_rwlock_wrlock(&reg_lock);
	each_form(secret, remove_one);
	pthread_rwlock_unlock(&reg_lock);
}

void redact_clear(void)
{
	size_t i;

	pthread_rwlock_wrlock(&reg_lock);
	for (i = 0; i < reg_n; i++) {
		explicit_bzero(reg[i].s, reg[i].n);
		free(reg[i].s);
	}
	free(reg);
	reg = NULL;
	reg_n = reg_cap = 0;
	pthread_rwlock_unlock(&reg_lock);
}

size_t redact_count(void)
{
	size_t n;

	pthread_rwlock_rdlock(&reg_lock);
	n = reg_n;
	pthread_rwlock_unlock(&reg_lock);
	return n;
}

static int lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

static int is_alnum(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9');
}

static int is_blank(int c)
{
	return c == ' ' || c == '\t';
}

int redact_name_is_secret(const char *name, size_t n)
{
	static const char *const suffixes[] = {"token", "secret", "password",
	                                       "passwd"};
	static const char *const names[] = {
	    "accesskey",  "apikey",           "privatekey",
	    "signature",  "authorization",    "clientassertion",
	    "2fapayload", "connectionstring", "sharedkey"};
	char norm[64];
	size_t len = 0, i, k;
	int cut = 0;

	/* Normalised from the end, so a long name keeps its suffix. */
	for (i = n; i-- > 0;) {
		if (name[i] == '_' || name[i] == '-')
			continue;
		if (len == sizeof(norm)) {
			cut = 1;
			break;
		}
		norm[sizeof(norm) - 1 - len++] =
		    (char)lower((unsigned char)name[i]);
	}
	const char *p = norm + sizeof(norm) - len;
	for (i = 0; i < sizeof(suffixes) / sizeof(*suffixes); i++) {
		k = strlen(suffixes[i]);
		if (len >= k && memcmp(p + len - k, suffixes[i], k) == 0)
			return 1;
	}
	for (i = 0; !cut && i < sizeof(names) / sizeof(*names); i++)
		if (strlen(names[i]) == len && memcmp(p, names[i], len) == 0)
			return 1;
	return 0;
}

static void mark(unsigned char *m, size_t from, size_t to, unsigned char how)
{
	for (; from < to; from++)
		if (m[from] < how)
			m[from] = how;
}

static int ci_match(const char *s, size_t n, const char *word)
{
	size_t k = strlen(word), i;

	if (n < k)
		return 0;
	for (i = 0; i < k; i++)
		if (lower((unsigned char)s[i]) != word[i])
			return 0;
	return 1;
}

static void mark_registry(const char *s, size_t n, unsigned char *m)
{
	size_t i;
	const char *p;

	pthread_rwlock_rdlock(&reg_lock);
	for (i = 0; i < reg_n; i++) {
		size_t off = 0;
		while (off < n &&
		       (p = memmem(s + off, n - off, reg[i].s, reg[i].n))) {
			off = (size_t)(p - s);
			mark(m, off, off + reg[i].n, MASK);
			off += reg[i].n;
		}
	}
	pthread_rwlock_unlock(&reg_lock);
}

/* "Authorization: SCHEME CREDENTIAL" keeps SCHEME and hides the rest of
 * the line; "Bearer TOKEN" anywhere hides TOKEN. */
static void mark_auth(const char *s, size_t n, unsigned char *m)
{
	size_t i, j, k;

	for (i = 0; i < n; i++) {
		if (ci_match(s + i, n - i, "authorization") &&
		    (i == 0 || !is_alnum((unsigned char)s[i - 1]))) {
			j = i + 13;
			while (j < n && is_blank(s[j]))
				j++;
			if (j >= n || s[j] != ':')
				continue;
			j++;
			while (j < n && is_blank(s[j]))
				j++;
			k = j;
			while (k < n && !is_blank(s[k]) && s[k] != '\r' &&
			       s[k] != '\n')
				k++;
			if (k < n && is_blank(s[k])) {
				while (k < n && is_blank(s[k]))
					k++;
				j = k;
			}
			while (k < n && s[k] != '\r' && s[k] != '\n')
				k++;
			mark(m, j, k, MASK);
		} else if (ci_match(s + i, n - i, "bearer") &&
		           (i == 0 || !is_alnum((unsigned char)s[i - 1])) &&
		           i + 6 < n && is_blank(s[i + 6])) {
			j = i + 6;
			while (j < n && is_blank(s[j]))
				j++;
			k = j;
			while (k < n && s[k] &&
			       (is_alnum((unsigned char)s[k]) ||
			        strchr("-._~+/=", s[k])))
				k++;
			mark(m, j, k, MASK);
		}
	}
}

/* End of the JSON string whose opening quote is at q: the index of the
 * closing quote, or n when it is unterminated. */
static size_t json_str_end(const char *s, size_t n, size_t q)
{
	size_t i;

	for (i = q + 1; i < n; i++) {
		if (s[i] == '\\')
			i++;
		else if (s[i] == '"')
			return i;
	}
	return n;
}

static size_t skip_ws(const char *s, size_t n, size_t i)
{
	while (i < n &&
	       (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n'))
		i++;
	return i;
}

static void mark_json(const char *s, size_t n, unsigned char *m)
{
	size_t i = 0, e, v, k;

	while (i < n) {
		if (s[i] != '"') {
			i++;
			continue;
		}
		e = json_str_end(s, n, i);
		if (e >= n)
			return;
		v = skip_ws(s, n, e + 1);
		if (v >= n || s[v] != ':' ||
		    !redact_name_is_secret(s + i + 1, e - i - 1)) {
			i = e + 1;
			continue;
		}
		v = skip_ws(s, n, v + 1);
		if (v < n && s[v] == '"') {
			k = json_str_end(s, n, v);
			mark(m, v + 1, k, MASK);
			i = k + 1;
		} else if (v < n &&
		           (s[v] == '-' || (s[v] >= '0' && s[v] <= '9'))) {
			for (k = v; k < n && !strchr(",}] \t\r\n", s[k]); k++)
				;
			mark(m, v, k, MASK_QUOTED);
			i = k;
		} else {
			i = v;
		}
	}
}

/* JSON carried inside a JSON string: \"name\": \"value\". */
static void mark_json_escaped(const char *s, size_t n, unsigned char *m)
{
	const char *p, *q;
	size_t i = 0, e, v;

	while (i + 1 < n && (p = memmem(s + i, n - i, "\\\"", 2))) {
		i = (size_t)(p - s) + 2;
		q = memmem(s + i, n - i, "\\\"", 2);
		if (!q)
			return;
		e = (size_t)(q - s);
		v = skip_ws(s, n, e + 2);
		if (v >= n || s[v] != ':' ||
		    !redact_name_is_secret(s + i, e - i)) {
			i = e + 2;
			continue;
		}
		v = skip_ws(s, n, v + 1);
		if (v + 1 < n && s[v] == '\\' && s[v + 1] == '"') {
			q = memmem(s + v + 2, n - v - 2, "\\\"", 2);
			e = q ? (size_t)(q - s) : n;
			mark(m, v + 2, e, MASK);
			i = e;
		} else {
			i = v;
		}
	}
}

static int is_name_char(int c)
{
	return is_alnum(c) || c == '_' || c == '-' || c == '.';
}

/* name=value in forms, query strings and connection strings. */
static void mark_form(const char *s, size_t n, unsigned char *m)
{
	size_t e, b, k;

	for (e = 1; e < n; e++) {
		if (s[e] != '=')
			continue;
		for (b = e; b > 0 && is_name_char((unsigned char)s[b - 1]); b--)
			;
		if (b == e || (b > 0 && !strchr("&?; \t\r\n\"',", s[b - 1])))
			continue;
		if (!redact_name_is_secret(s + b, e - b))
			continue;
		for (k = e + 1; k < n && !strchr("&; \t\r\n\"'<>", s[k]); k++)
			;
		mark(m, e + 1, k, MASK);
	}
}

char *redact_raw(const char *s, size_t n, size_t *out_len)
{
	unsigned char *m = xcalloc(n ? n : 1, 1);
	struct buf b;
	size_t i = 0, j;

	mark_registry(s, n, m);
	mark_auth(s, n, m);
	mark_json(s, n, m);
	mark_json_escaped(s, n, m);
	mark_form(s, n, m);

	buf_init(&b);
	while (i < n) {
		for (j = i; j < n && m[j] == KEEP; j++)
			;
		buf_add(&b, s + i, j - i);
		if (j == n)
			break;
		for (i = j; i < n && m[i] == m[j]; i++)
			;
		buf_adds(&b, m[j] == MASK_QUOTED ? "\"***\"" : "***");
	}
	free(m);
	if (out_len)
		*out_len = b.len;
	return buf_detach(&b);
}

void buf_add_redacted(struct buf *b, const char *s, size_t n, size_t max)
{
	size_t len;
	char *r = redact_raw(s, n, &len);

	buf_add_quoted(b, r, len, max);
	free(r);
}

char *redact_quote(const char *s, size_t n, size_t max)
{
	struct buf b;

	buf_init(&b);
	buf_add_redacted(&b, s, n, max);
	return buf_detach(&b);
}
