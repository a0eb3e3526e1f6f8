/*
 * sim_data: the SBC gateway and PBX type lists the simulator serves, read
 * with libcsv from files in the sbc_gateways.csv (region,id) and
 * pbx_types.csv (name,id[,disabled]) formats — a header row first, columns
 * in any order — or built-in defaults.
 */
#include "sim_data.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <csv.h>

#define MAX_FILE (1 << 20)
#define MAX_FIELD 256

struct rows {
	char ***row; /* rows of NULL-terminated field arrays */
	int *line;   /* physical line where each row starts */
	size_t n, cap;
	char **cur;
	size_t ncur;
	int cur_line, lineno, at_start, too_long;
};

static void on_field(void *f, size_t len, void *data)
{
	struct rows *r = data;

	if (len > MAX_FIELD)
		r->too_long = r->cur_line;
	r->cur = xrealloc(r->cur, (r->ncur + 2) * sizeof(*r->cur));
	r->cur[r->ncur] =
	    xstrndup(f ? f : "", len > MAX_FIELD ? MAX_FIELD : len);
	str_trim(r->cur[r->ncur]);
	r->cur[++r->ncur] = NULL;
}

static void on_record(int c, void *data)
{
	struct rows *r = data;

	(void)c;
	if (r->n == r->cap) {
		r->cap = r->cap ? 2 * r->cap : 16;
		r->row = xrealloc(r->row, r->cap * sizeof(*r->row));
		r->line = xrealloc(r->line, r->cap * sizeof(*r->line));
	}
	if (!r->cur) {
		r->cur = xcalloc(1, sizeof(*r->cur));
	}
	r->row[r->n] = r->cur;
	r->line[r->n++] = r->cur_line;
	r->cur = NULL;
	r->ncur = 0;
	r->at_start = 1;
}

static void rows_free(struct rows *r)
{
	size_t i;
	char **f;

	for (i = 0; i < r->n; i++) {
		for (f = r->row[i]; *f; f++)
			free(*f);
		free(r->row[i]);
	}
	if (r->cur) {
		for (f = r->cur; *f; f++)
			free(*f);
		free(r->cur);
	}
	free(r->row);
	free(r->line);
}

/* Reads path into rows; returns 0 or -1 with *err. */
static int read_rows(const char *path, struct rows *r, char **err)
{
	struct csv_parser p;
	FILE *fp = fopen(path, "rb");
	unsigned char c;
	int ch;
	size_t total = 0;

	memset(r, 0, sizeof(*r));
	r->at_start = 1;
	if (!fp) {
		*err = xasprintf("%s: error: cannot open: %s", path,
		                 strerror(errno));
		return -1;
	}
	csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL);
	r->cur_line = 1;
	r->lineno = 1;
	while ((ch = getc(fp)) != EOF) {
		c = (unsigned char)ch;
		if (++total > MAX_FILE) {
			*err = xasprintf("%s: error: larger than 1 MiB", path);
			goto fail;
		}
		if (r->at_start && c != '\n' && c != '\r') {
			r->cur_line = r->lineno;
			r->at_start = 0;
		}
		if (csv_parse(&p, &c, 1, on_field, on_record, r) != 1) {
			*err = xasprintf("%s:%d: error: %s", path, r->cur_line,
			                 csv_strerror(csv_error(&p)));
			goto fail;
		}
		if (c == '\n')
			r->lineno++;
	}
	if (csv_fini(&p, on_field, on_record, r) != 0) {
		*err = xasprintf("%s:%d: error: %s", path, r->cur_line,
		                 csv_strerror(csv_error(&p)));
		goto fail;
	}
	csv_free(&p);
	fclose(fp);
	if (r->too_long) {
		*err = xasprintf("%s:%d: error: a field is longer than %d "
		                 "bytes",
		                 path, r->too_long, MAX_FIELD);
		return -1;
	}
	if (r->n == 0) {
		*err = xasprintf("%s:1: error: empty file (a header row is "
		                 "required)",
		                 path);
		return -1;
	}
	return 0;
fail:
	csv_free(&p);
	fclose(fp);
	return -1;
}

/* Index of the column named name in the header, or -1. */
static int column(char **hdr, const char *name)
{
	int i;

	for (i = 0; hdr[i]; i++)
		if (strcmp(hdr[i], name) == 0)
			return i;
	return -1;
}

static const char *field(char **row, int i)
{
	int n;

	for (n = 0; row[n]; n++)
		;
	return i >= 0 && i < n ? row[i] : "";
}

static int parse_id(const char *s, int64_t *v)
{
	int64_t x = 0;

	if (!*s || strlen(s) > 15)
		return 0;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return 0;
		x = x * 10 + (*s - '0');
	}
	*v = x;
	return 1;
}

static int parse_bool(const char *s, int *v)
{
	static const char *const t[] = {"true", "yes", "1"};
	static const char *const f[] = {"false", "no", "0", ""};
	size_t i;

	for (i = 0; i < 3; i++)
		if (str_casecmp(s, t[i]) == 0)
			return *v = 1;
	for (i = 0; i < 4; i++)
		if (str_casecmp(s, f[i]) == 0) {
			*v = 0;
			return 1;
		}
	return 0;
}

int sim_load_sbc(struct sim_config *c, const char *path, char **err)
{
	struct rows r;
	int ci, cr;
	size_t i;
	int64_t id;

	if (read_rows(path, &r, err) < 0) {
		rows_free(&r);
		return -1;
	}
	ci = column(r.row[0], "id");
	cr = column(r.row[0], "region");
	if (ci < 0 || cr < 0) {
		*err = xasprintf("%s:1: error: the header must name the "
		                 "columns region and id",
		                 path);
		rows_free(&r);
		return -1;
	}
	for (i = 1; i < r.n; i++) {
		const char *region = field(r.row[i], cr);
		if (!parse_id(field(r.row[i], ci), &id) || !*region) {
			*err = xasprintf("%s:%d: error: a row needs a region "
			                 "and a numeric id",
			                 path, r.line[i]);
			rows_free(&r);
			return -1;
		}
		c->sbc = xrealloc(c->sbc, (c->nsbc + 1) * sizeof(*c->sbc));
		c->sbc[c->nsbc].id = id;
		c->sbc[c->nsbc++].region = xstrdup(region);
	}
	rows_free(&r);
	return 0;
}

int sim_load_pbx(struct sim_config *c, const char *path, char **err)
{
	struct rows r;
	int ci, cn, cd, dis;
	size_t i;
	int64_t id;

	if (read_rows(path, &r, err) < 0) {
		rows_free(&r);
		return -1;
	}
	ci = column(r.row[0], "id");
	cn = column(r.row[0], "name");
	cd = column(r.row[0], "disabled");
	if (ci < 0 || cn < 0) {
		*err = xasprintf("%s:1: error: the header must name the "
		                 "columns name and id",
		                 path);
		rows_free(&r);
		return -1;
	}
	for (i = 1; i < r.n; i++) {
		const char *name = field(r.row[i], cn);
		if (!parse_id(field(r.row[i], ci), &id) || !*name ||
		    !parse_bool(field(r.row[i], cd), &dis)) {
			*err = xasprintf("%s:%d: error: a row needs a name, a "
			                 "numeric id and an optional boolean "
			                 "disabled",
			                 path, r.line[i]);
			rows_free(&r);
			return -1;
		}
		c->pbx = xrealloc(c->pbx, (c->npbx + 1) * sizeof(*c->pbx));
		c->pbx[c->npbx].id = id;
		c->pbx[c->npbx].disabled = dis;
		c->pbx[c->npbx++].name = xstrdup(name);
	}
	rows_free(&r);
	return 0;
}

void sim_default_lists(struct sim_config *c)
{
	static const struct {
		int64_t id;
		const char *name;
		int disabled;
	} sbc[] = {{5678, "US-East", 0},
	           {5679, "US-West", 0},
	           {5680, "EU-West", 0},
	           {5681, "APAC", 0}},
	  pbx[] = {{1234, "Example PBX", 0},
	           {1235, "BroadWorks", 0},
	           {1236, "Asterisk", 0},
	           {1237, "Legacy PBX", 1}};
	size_t i;

	if (!c->nsbc) {
		c->sbc = xcalloc(4, sizeof(*c->sbc));
		for (i = 0; i < 4; i++) {
			c->sbc[i].id = sbc[i].id;
			c->sbc[i].region = xstrdup(sbc[i].name);
		}
		c->nsbc = 4;
	}
	if (!c->npbx) {
		c->pbx = xcalloc(4, sizeof(*c->pbx));
		for (i = 0; i < 4; i++) {
			c->pbx[i].id = pbx[i].id;
			c->pbx[i].name = xstrdup(pbx[i].name);
			c->pbx[i].disabled = pbx[i].disabled;
		}
		c->npbx = 4;
	}
}
