/*
 * report_slug: safe, unique file name stems for enterprise pages (see
 * report_slug.h). Uniqueness is checked in an open-addressing set of the
 * slugs handed out so far.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_slug.h"
#include "util.h"

/* Room for the base (cut at SLUG_MAX - 16) and a "-xxxxxx-nnnn" suffix. */
#define BASE_MAX (SLUG_MAX - 16)

static uint64_t fnv1a(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static int is_device(const char *s)
{
	static const char *const dev[] = {"con", "prn", "aux", "nul"};
	size_t i;

	for (i = 0; i < 4; i++)
		if (strcmp(s, dev[i]) == 0)
			return 1;
	return (strncmp(s, "com", 3) == 0 || strncmp(s, "lpt", 3) == 0) &&
	       s[3] >= '0' && s[3] <= '9' && !s[4];
}

char *slug_base(const char *name)
{
	char *out = xmalloc(BASE_MAX + 3);
	size_t n = 0;
	int dash = 0;

	for (; *name && n < BASE_MAX; name++) {
		unsigned char c = (unsigned char)*name;

		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
			if (dash && n)
				out[n++] = '-';
			dash = 0;
			if (n < BASE_MAX)
				out[n++] = (char)c;
		} else if (c >= 'A' && c <= 'Z') {
			if (dash && n)
				out[n++] = '-';
			dash = 0;
			if (n < BASE_MAX)
				out[n++] = (char)(c - 'A' + 'a');
		} else {
			dash = 1;
		}
	}
	while (n && out[n - 1] == '-')
		n--;
	out[n] = '\0';
	if (!n)
		strcpy(out, "enterprise");
	else if (is_device(out))
		strcat(out, "-x");
	return out;
}

struct slug_set {
	char **slot;
	size_t cap, n;
};

struct slug_set *slug_set_new(void)
{
	struct slug_set *s = xcalloc(1, sizeof(*s));

	s->cap = 64;
	s->slot = xcalloc(s->cap, sizeof(*s->slot));
	return s;
}

void slug_set_free(struct slug_set *s)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < s->cap; i++)
		free(s->slot[i]);
	free(s->slot);
	free(s);
}

/* The slot of slug: where it is, or the empty one where it belongs. */
static char **find(struct slug_set *s, const char *slug)
{
	size_t i = (size_t)fnv1a(slug) & (s->cap - 1);

	while (s->slot[i] && strcmp(s->slot[i], slug) != 0)
		i = (i + 1) & (s->cap - 1);
	return &s->slot[i];
}

static void add(struct slug_set *s, const char *slug)
{
	if (2 * (s->n + 1) > s->cap) {
		char **old = s->slot;
		size_t i, cap = s->cap;

		s->cap *= 2;
		s->slot = xcalloc(s->cap, sizeof(*s->slot));
		for (i = 0; i < cap; i++)
			if (old[i])
				*find(s, old[i]) = old[i];
		free(old);
	}
	*find(s, slug) = xstrdup(slug);
	s->n++;
}

char *slug_unique(struct slug_set *s, const char *name)
{
	char *base = slug_base(name), *slug;
	unsigned k;

	if (!*find(s, base)) {
		add(s, base);
		return base;
	}
	slug = xasprintf("%s-%06llx", base,
	                 (unsigned long long)(fnv1a(name) & 0xffffff));
	for (k = 2; *find(s, slug); k++) {
		free(slug);
		slug =
		    xasprintf("%s-%06llx-%u", base,
		              (unsigned long long)(fnv1a(name) & 0xffffff), k);
	}
	free(base);
	add(s, slug);
	return slug;
}
