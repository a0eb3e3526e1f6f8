/*
 * manifest_rules: the cell-level rules of teamsprov-manifest(5) (names,
 * integers, booleans, enumerations, GUIDs, URLs, ;-lists) and the hash
 * table the loader uses for names and keys. See manifest_int.h.
 */
#include "manifest_int.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "suggest.h"

/* --- hash table --- */

struct mfslot {
	const char *key;
	size_t val;
	uint32_t h;
};

struct mfmap {
	struct mfslot *v;
	size_t cap, n; /* cap is a power of two */
	int fold;
};

static unsigned char fold_c(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
}

static uint32_t hash(const char *s, int fold)
{
	const unsigned char *u = (const unsigned char *)s;
	uint32_t h = 2166136261u;

	if (fold)
		for (; *u; u++)
			h = (h ^ fold_c(*u)) * 16777619u;
	else
		for (; *u; u++)
			h = (h ^ *u) * 16777619u;
	return h;
}

static int key_eq(const char *a, const char *b, int fold)
{
	const unsigned char *x = (const unsigned char *)a;
	const unsigned char *y = (const unsigned char *)b;

	if (!fold)
		return strcmp(a, b) == 0;
	for (; *x; x++, y++)
		if (*x != *y && fold_c(*x) != fold_c(*y))
			return 0;
	return *y == '\0';
}

struct mfmap *mfmap_new(int fold)
{
	struct mfmap *m = xcalloc(1, sizeof(*m));

	m->cap = 64;
	m->v = xcalloc(m->cap, sizeof(*m->v));
	m->fold = fold;
	return m;
}

void mfmap_free(struct mfmap *m)
{
	if (!m)
		return;
	free(m->v);
	free(m);
}

static struct mfslot *find(const struct mfmap *m, const char *key, uint32_t h)
{
	size_t i = h & (m->cap - 1);

	while (m->v[i].key) {
		if (m->v[i].h == h && key_eq(m->v[i].key, key, m->fold))
			return &m->v[i];
		i = (i + 1) & (m->cap - 1);
	}
	return &m->v[i];
}

static void grow(struct mfmap *m)
{
	struct mfslot *old = m->v;
	size_t oldcap = m->cap, i;

	m->cap *= 2;
	m->v = xcalloc(m->cap, sizeof(*m->v));
	for (i = 0; i < oldcap; i++)
		if (old[i].key)
			*find(m, old[i].key, old[i].h) = old[i];
	free(old);
}

size_t mfmap_put(struct mfmap *m, const char *key, size_t val)
{
	uint32_t h = hash(key, m->fold);
	struct mfslot *s = find(m, key, h);

	if (s->key)
		return s->val;
	s->key = key;
	s->val = val;
	s->h = h;
	if (++m->n * 2 > m->cap)
		grow(m);
	return MF_NONE;
}

size_t mfmap_get(const struct mfmap *m, const char *key)
{
	const struct mfslot *s = find(m, key, hash(key, m->fold));

	return s->key ? s->val : MF_NONE;
}

/* --- messages --- */

void mf_error(struct mf_row *r, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	diag_error(r->d, r->file, r->line, "%s", msg);
	free(msg);
	r->err++;
}

char *mf_q(const char *s)
{
	return str_quote(s, 64);
}

const char *mf_suggest_from(const char *word, size_t n,
                            const char *(*get)(size_t, const void *),
                            const void *ctx)
{
	const char *cands[64];
	const char *best = NULL, *s;
	size_t i, k = 0;

	/* suggest() takes an array: feed it in slices and keep the best
	 * slice winner by asking again among the winners. */
	if (n > MF_SUGGEST_MAX)
		return NULL;
	const char *winners[MF_SUGGEST_MAX / 64 + 2];
	size_t nw = 0;
	for (i = 0; i < n; i++) {
		cands[k++] = get(i, ctx);
		if (k == 64 || i + 1 == n) {
			s = mf_suggest(word, cands, k);
			if (s)
				winners[nw++] = s;
			k = 0;
		}
	}
	if (nw)
		best = mf_suggest(word, winners, nw);
	return best;
}

const char *mf_suggest(const char *word, const char *const *cands, size_t n)
{
	const char *s;

	if (strlen(word) > MF_NAME_MAX)
		return NULL;
	s = suggest(word, cands, n);
	/* two edits in a three-letter word is another word, not a typo */
	if (s && strlen(word) < 4 && str_casecmp(s, word) != 0)
		return NULL;
	return s;
}

/* --- cells --- */

int mf_check_text(struct mf_row *r, const char *what, const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t n, i;
	char *q;

	/* C0 and DEL are single bytes; C1 is 0xc2 0x80..0x9f in UTF-8 */
	for (i = 0; u[i]; i++)
		if (u[i] < 0x20 || u[i] == 0x7f ||
		    (u[i] == 0xc2 && u[i + 1] >= 0x80 && u[i + 1] <= 0x9f))
			break;
	n = i + strlen(s + i);
	if (i < n) {
		q = mf_q(s);
		mf_error(r, "%s %s contains a control character", what, q);
		free(q);
		return -1;
	}
	if (n > MF_NAME_MAX) {
		q = mf_q(s);
		mf_error(r, "%s %s is longer than %d bytes", what, q,
		         MF_NAME_MAX);
		free(q);
		return -1;
	}
	return 0;
}

int mf_all_digits(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return 0;
	return 1;
}

int mf_parse_uint(struct mf_row *r, const char *what, const char *s,
                  uint64_t max, int64_t *out)
{
	uint64_t v = 0;
	const char *p;
	char *q;

	if (!mf_all_digits(s)) {
		q = mf_q(s);
		mf_error(r,
		         "%s %s is not a non-negative integer (plain "
		         "decimal digits)",
		         what, q);
		free(q);
		return -1;
	}
	for (p = s; *p; p++) {
		if (v > (max - (uint64_t)(*p - '0')) / 10) {
			q = mf_q(s);
			mf_error(r, "%s %s is larger than %llu", what, q,
			         (unsigned long long)max);
			free(q);
			return -1;
		}
		v = v * 10 + (uint64_t)(*p - '0');
	}
	*out = (int64_t)v;
	return 0;
}

int mf_parse_bool(struct mf_row *r, const char *what, const char *s,
                  enum mf_bool *out)
{
	static const char *const t[] = {"true", "yes", "1"};
	static const char *const f[] = {"false", "no", "0"};
	size_t i;
	char *q;

	*out = MF_UNSET;
	if (!*s)
		return 0;
	for (i = 0; i < 3; i++) {
		if (str_casecmp(s, t[i]) == 0) {
			*out = MF_TRUE;
			return 0;
		}
		if (str_casecmp(s, f[i]) == 0) {
			*out = MF_FALSE;
			return 0;
		}
	}
	q = mf_q(s);
	mf_error(r, "%s %s is not a boolean (true/false/yes/no/1/0)", what, q);
	free(q);
	return -1;
}

int mf_parse_enum(struct mf_row *r, const char *what, const char *s,
                  const char *const *names, size_t n)
{
	struct buf b;
	const char *sug;
	char *q;
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(s, names[i]) == 0)
			return (int)i;
	q = mf_q(s);
	sug = mf_suggest(s, names, n);
	if (sug) {
		mf_error(r, "unknown %s %s; did you mean \"%s\"?", what, q,
		         sug);
	} else {
		buf_init(&b);
		for (i = 0; i < n; i++)
			buf_addf(&b, "%s%s", i ? ", " : "", names[i]);
		mf_error(r, "unknown %s %s (expected one of: %s)", what, q,
		         b.p);
		buf_release(&b);
	}
	free(q);
	return -1;
}

int mf_guid_valid(const char *s)
{
	static const int group[] = {8, 4, 4, 4, 12};
	int g, i;

	for (g = 0; g < 5; g++) {
		for (i = 0; i < group[g]; i++, s++)
			if (!((*s >= '0' && *s <= '9') ||
			      (*s >= 'a' && *s <= 'f') ||
			      (*s >= 'A' && *s <= 'F')))
				return 0;
		if (g < 4 && *s++ != '-')
			return 0;
	}
	return *s == '\0';
}

int mf_guid_eq(const char *a, const char *b)
{
	return str_casecmp(a, b) == 0;
}

int mf_check_guid(struct mf_row *r, const char *what, const char *s)
{
	char *q;

	if (mf_guid_valid(s))
		return 0;
	q = mf_q(s);
	mf_error(r, "%s %s is not a GUID (8-4-4-4-12 hexadecimal digits)", what,
	         q);
	free(q);
	return -1;
}

static int loopback_host(const char *h)
{
	struct in_addr a4;

	if (str_casecmp(h, "localhost") == 0 || strcmp(h, "[::1]") == 0)
		return 1;
	if (inet_pton(AF_INET, h, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	return 0;
}

int mf_check_url(struct mf_row *r, const char *what, const char *s)
{
	CURLU *u;
	char *scheme = NULL, *host = NULL, *q;
	const char *why = NULL;
	const unsigned char *p;

	for (p = (const unsigned char *)s; *p; p++)
		if (*p <= 0x20 || *p == 0x7f)
			why = "contains a blank or control character";
	if (!why && strlen(s) > MF_URL_MAX)
		why = "is too long";
	u = curl_url();
	if (!why &&
	    (!u || curl_url_set(u, CURLUPART_URL, s, 0) != CURLUE_OK ||
	     curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	     curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK))
		why = "is not an absolute URL";
	if (!why && strcmp(scheme, "https") != 0 &&
	    !(strcmp(scheme, "http") == 0 && loopback_host(host)))
		why = "must use https (http only with a loopback host)";
	curl_free(scheme);
	curl_free(host);
	curl_url_cleanup(u);
	if (!why)
		return 0;
	q = mf_q(s);
	mf_error(r, "%s %s %s", what, q, why);
	free(q);
	return -1;
}

void mf_list_release(struct mf_list *l)
{
	free(l->copy);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

long mf_split(struct mf_row *r, const char *what, const char *s, int fold,
              struct mf_list *l)
{
	size_t len = strlen(s), n = 0, i;
	char *p, *next;

	if (len == 0)
		return 0;
	if (len + 1 > l->copy_cap) {
		l->copy_cap = len + 1 > 256 ? len + 1 : 256;
		l->copy = xrealloc(l->copy, l->copy_cap);
	}
	memcpy(l->copy, s, len + 1);
	for (p = l->copy; p; p = next) {
		next = strchr(p, ';');
		if (next)
			*next++ = '\0';
		str_trim(p);
		if (!*p)
			continue;
		for (i = 0; i < n; i++)
			if (key_eq(l->v[i], p, fold))
				break;
		if (i < n)
			continue;
		if (n == MF_LIST_MAX) {
			mf_error(r, "%s has more than %d items", what,
			         MF_LIST_MAX);
			return -1;
		}
		if (n == l->cap) {
			l->cap = l->cap ? l->cap * 2 : 8;
			l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
		}
		l->v[n++] = p;
	}
	return (long)n;
}

/* --- the pool --- */

#define POOL_BLOCK 65536

struct mf_block {
	struct mf_block *next;
	size_t used, size;
	max_align_t data[];
};

void *mf_palloc(struct mf_pool *p, size_t n)
{
	struct mf_block *b = p->head;
	size_t a = sizeof(max_align_t), sz;
	void *q;

	n = (n + a - 1) / a * a;
	if (!b || b->size - b->used < n) {
		sz = n > POOL_BLOCK / 4 ? n : POOL_BLOCK;
		b = xmalloc(sizeof(*b) + sz);
		b->used = 0;
		b->size = sz;
		/* a big allocation gets its own block behind the head, so
		 * the head's free space is not lost */
		if (sz == n && p->head) {
			b->next = p->head->next;
			p->head->next = b;
		} else {
			b->next = p->head;
			p->head = b;
		}
	}
	q = (char *)b->data + b->used;
	b->used += n;
	memset(q, 0, n);
	return q;
}

char *mf_pstrdup(struct mf_pool *p, const char *s)
{
	size_t n = strlen(s) + 1;

	return memcpy(mf_palloc(p, n), s, n);
}

void mf_pool_free(struct mf_pool *p)
{
	struct mf_block *b, *next;

	for (b = p->head; b; b = next) {
		next = b->next;
		free(b);
	}
	p->head = NULL;
}
