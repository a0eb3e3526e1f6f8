/*
 * libFuzzer target: the report's safety layer on arbitrary names and URLs.
 * Each input is split at NUL and LF bytes into names; for each: the slug is
 * safe (report_slug.h) and unique among the input's names, html_esc leaves no
 * markup character, csv_cell neutralises a formula, and a URL that
 * url_is_safe accepts starts with https: or http:// and a loopback host.
 * Seeds: the CSV files of samples/ (their names and URLs).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "report_csv.h"
#include "report_html.h"
#include "report_slug.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_one(struct slug_set *set, char **seen, size_t n_seen,
                      const char *s)
{
	char *slug = slug_unique(set, s);
	struct buf b;
	size_t i;

	if (!*slug || strlen(slug) > SLUG_MAX ||
	    strspn(slug, "abcdefghijklmnopqrstuvwxyz0123456789-") !=
	        strlen(slug) ||
	    slug[0] == '-')
		abort();
	for (i = 0; i < n_seen; i++)
		if (strcmp(seen[i], slug) == 0)
			abort();
	seen[n_seen] = slug;
	buf_init(&b);
	html_esc(&b, s);
	if (strpbrk(b.p, "<>\"'"))
		abort();
	buf_reset(&b);
	csv_cell(&b, s, '\n');
	if (*s && strchr("=+-@\t\r", *s) && b.p[0] != '\'' &&
	    !(b.p[0] == '"' && b.p[1] == '\''))
		abort();
	if (url_is_safe(s) && str_ncasecmp(s, "https://", 8) != 0 &&
	    str_ncasecmp(s, "http://127.", 11) != 0 &&
	    str_ncasecmp(s, "http://localhost", 16) != 0 &&
	    strncmp(s, "http://[::1]", 12) != 0)
		abort();
	buf_release(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = xmalloc(size + 1), **seen, *p;
	struct slug_set *set = slug_set_new();
	size_t n = 0, i;

	memcpy(text, data, size);
	text[size] = '\0';
	for (i = 0; i < size; i++)
		if (text[i] == '\n')
			text[i] = '\0';
	seen = xcalloc(size + 2, sizeof(*seen));
	for (p = text; p <= text + size; p += strlen(p) + 1)
		check_one(set, seen, n++, p);
	for (i = 0; i < n; i++)
		free(seen[i]);
	free(seen);
	slug_set_free(set);
	free(text);
	return 0;
}
