/*
 * report_failed: failed/ of a report (see report_failed.h). Rows are
 * copied as raw records of the original files, chosen by the line each
 * row of the model came from, so quoting, x_ columns and comments in
 * cells survive exactly.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_failed.h"

void csv_each_record(const char *s, size_t n,
                     void (*fn)(const char *rec, size_t len, long line,
                                void *arg),
                     void *arg)
{
	size_t i = 0, start = 0;
	long line = 1, start_line = 1;
	int q = 0;

	for (i = 0; i < n; i++) {
		if (s[i] == '"')
			q = !q;
		else if (s[i] == '\n') {
			if (!q) {
				size_t end = i;

				if (end > start && s[end - 1] == '\r')
					end--;
				fn(s + start, end - start, start_line, arg);
				start = i + 1;
				start_line = line + 1;
			}
			line++;
		}
	}
	if (start < n)
		fn(s + start, n - start, start_line, arg);
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct buf b;
	char chunk[65536];
	size_t r;

	if (!f)
		return NULL;
	buf_init(&b);
	while ((r = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_add(&b, chunk, r);
	if (ferror(f)) {
		fclose(f);
		buf_release(&b);
		return NULL;
	}
	fclose(f);
	*len = b.len;
	return buf_detach(&b);
}

/* The fields of one record, unquoted and trimmed (unquoted cells); the
 * caller frees each and the array. */
static size_t fields(const char *s, size_t n, char ***out)
{
	char **v = NULL;
	size_t nv = 0, i = 0;
	struct buf b;

	buf_init(&b);
	for (;;) {
		int quoted = 0;

		buf_reset(&b);
		while (i < n && (s[i] == ' ' || s[i] == '\t'))
			i++;
		if (i < n && s[i] == '"') {
			quoted = 1;
			for (i++; i < n; i++) {
				if (s[i] == '"' && i + 1 < n && s[i + 1] == '"')
					buf_addc(&b, s[i++]);
				else if (s[i] == '"')
					break;
				else
					buf_addc(&b, s[i]);
			}
			i++;
		}
		while (i < n && s[i] != ',')
			buf_addc(&b, s[i++]);
		v = xrealloc(v, (nv + 1) * sizeof(*v));
		v[nv] = buf_detach(&b);
		if (!quoted)
			str_trim(v[nv]);
		nv++;
		if (i >= n)
			break;
		i++;
	}
	buf_release(&b);
	*out = v;
	return nv;
}

static void free_fields(char **v, size_t n)
{
	while (n--)
		free(v[n]);
	free(v);
}

struct pick {
	const long *lines; /* sorted, the rows to keep (line 1: header) */
	size_t n_lines;
	const struct rp_model *m; /* services.csv: by enterprise column */
	const char *const *names;
	size_t n_names;
	long col; /* services.csv: the enterprise column; -1 unknown */
	struct buf out;
	size_t kept;
};

static int name_wanted(const struct pick *p, const char *name)
{
	size_t i;

	for (i = 0; i < p->n_names; i++)
		if (str_casecmp(p->names[i], name) == 0)
			return 1;
	return 0;
}

static void pick_record(const char *rec, size_t len, long line, void *arg)
{
	struct pick *p = arg;
	int keep = line == 1;
	size_t i;

	if (!keep && p->lines) {
		for (i = 0; i < p->n_lines && !keep; i++)
			keep = p->lines[i] == line;
	} else if (!keep && p->col >= 0) {
		char **v;
		size_t n = fields(rec, len, &v);

		keep = (size_t)p->col < n && name_wanted(p, v[p->col]);
		free_fields(v, n);
	} else if (line == 1 && !p->lines) {
		char **v;
		size_t n = fields(rec, len, &v), k;

		for (k = 0; k < n; k++) {
			const char *f = v[k];

			if (k == 0 && strncmp(f, "\xef\xbb\xbf", 3) == 0)
				f += 3;
			if (strcmp(f, "enterprise") == 0)
				p->col = (long)k;
		}
		free_fields(v, n);
	}
	if (!keep)
		return;
	p->kept += line != 1;
	buf_add(&p->out, rec, len);
	buf_addc(&p->out, '\n');
}

/* Copies the header and the chosen records of file kind into failed/. */
static int copy_rows(const struct manifest *mf, enum mf_file kind,
                     struct pick *p, struct rp_out *o, char **err)
{
	const char *name = mf_file_name(kind);
	size_t len;
	char *data;
	int rc;

	if (!(mf->present & (1u << kind))) {
		rp_out_drop(o, "failed", name);
		return 0;
	}
	data = slurp(mf->path[kind], &len);
	if (!data) {
		*err = xasprintf("%s: %s", mf->path[kind], strerror(errno));
		return -1;
	}
	buf_init(&p->out);
	csv_each_record(data, len, pick_record, p);
	free(data);
	rc = rp_out_write(o, "failed", name, p->out.p, p->out.len, err);
	buf_release(&p->out);
	return rc;
}

static int copy_file(const char *path, const char *name, struct rp_out *o,
                     char **err)
{
	size_t len;
	char *data;
	int rc;

	if (!path) {
		rp_out_drop(o, "failed", name);
		return 0;
	}
	data = slurp(path, &len);
	if (!data) {
		*err = xasprintf("%s: %s", path, strerror(errno));
		return -1;
	}
	rc = rp_out_write(o, "failed", name, data, len, err);
	free(data);
	return rc;
}

static void add_line(long **v, size_t *n, long line)
{
	*v = xrealloc(*v, (*n + 1) * sizeof(**v));
	(*v)[(*n)++] = line;
}

static void add_name(const char ***v, size_t *n, const char *name)
{
	size_t i;

	for (i = 0; i < *n; i++)
		if (str_casecmp((*v)[i], name) == 0)
			return;
	*v = xrealloc(*v, (*n + 1) * sizeof(**v));
	(*v)[(*n)++] = name;
}

static const struct mf_fusion *find_fusion(const struct manifest *mf,
                                           const struct jr_wizard *w)
{
	size_t i;

	for (i = 0; i < mf->n_fusion; i++)
		if (mf->fusion[i].subscription == w->subscription &&
		    mf_guid_eq(mf->fusion[i].tenant, w->tenant))
			return &mf->fusion[i];
	return NULL;
}

static const struct mf_acs *find_acs(const struct manifest *mf,
                                     const struct jr_acs *a)
{
	size_t i;

	for (i = 0; i < mf->n_acs; i++)
		if (mf_guid_eq(mf->acs[i].tenant_id, a->tenant_id) &&
		    mf_guid_eq(mf->acs[i].object_id, a->object_id))
			return &mf->acs[i];
	return NULL;
}

long report_failed(const struct rp_model *m, const struct manifest *mf,
                   const char *config_path, struct rp_out *o, size_t *missing,
                   char **err)
{
	long *el = NULL, *fl = NULL, *al = NULL;
	size_t ne = 0, nf = 0, na = 0, nn = 0, i, k;
	const char **names = NULL;
	long items = 0;
	int rc = 0;

	*missing = 0;
	for (i = 0; i <= m->n_ent; i++) {
		const struct rp_ent *e =
		    i < m->n_ent ? &m->ent[i] : &m->orphans;
		int need = 0;

		if (i < m->n_ent && !e->failed)
			continue;
		if (e->journaled && e->status == JR_ENT_FAILED) {
			need = 1;
			if (e->mf)
				items++;
			else
				++*missing;
		}
		for (k = 0; k < e->n_wiz; k++) {
			const struct mf_fusion *f;

			if (e->wiz[k].status != JR_WIZ_FAILED)
				continue;
			f = mf ? find_fusion(mf, &e->wiz[k]) : NULL;
			if (f) {
				add_line(&fl, &nf, f->line);
				need = 1;
				items++;
			} else {
				++*missing;
			}
		}
		for (k = 0; k < e->n_acs; k++) {
			const struct mf_acs *a;

			if (e->acs[k].status != JR_ACS_FAILED)
				continue;
			a = mf ? find_acs(mf, &e->acs[k]) : NULL;
			if (a) {
				add_line(&al, &na, a->line);
				need = 1;
				items++;
			} else {
				++*missing;
			}
		}
		if (need && e->mf) {
			add_line(&el, &ne, e->mf->line);
			add_name(&names, &nn, e->mf->name);
		}
	}
	if (!mf || !items) {
		static const enum mf_file all[] = {MF_SBC,         MF_PBX,
		                                   MF_ENTERPRISES, MF_SERVICES,
		                                   MF_FUSION,      MF_ACS};

		for (i = 0; i < 6; i++)
			rp_out_drop(o, "failed", mf_file_name(all[i]));
		rp_out_drop(o, "failed", "teamsprov.conf");
		goto out;
	}
	{
		struct pick pe = {el, ne, m, NULL, 0, -1, {0}, 0};
		struct pick ps = {NULL, 0, m, names, nn, -1, {0}, 0};
		struct pick pf = {fl, nf, m, NULL, 0, -1, {0}, 0};
		struct pick pa = {al, na, m, NULL, 0, -1, {0}, 0};

		/* An absent list means "no rows" for the row-picked files. */
		long none = 0;

		if (!fl)
			pf.lines = &none;
		if (!al)
			pa.lines = &none;
		if (!el)
			pe.lines = &none;
		if (copy_rows(mf, MF_ENTERPRISES, &pe, o, err) < 0 ||
		    copy_rows(mf, MF_SERVICES, &ps, o, err) < 0 ||
		    copy_rows(mf, MF_FUSION, &pf, o, err) < 0 ||
		    copy_rows(mf, MF_ACS, &pa, o, err) < 0 ||
		    copy_file((mf->present & (1u << MF_SBC)) ? mf->path[MF_SBC]
		                                             : NULL,
		              "sbc_gateways.csv", o, err) < 0 ||
		    copy_file((mf->present & (1u << MF_PBX)) ? mf->path[MF_PBX]
		                                             : NULL,
		              "pbx_types.csv", o, err) < 0 ||
		    copy_file(config_path, "teamsprov.conf", o, err) < 0)
			rc = -1;
	}
out:
	free(el);
	free(fl);
	free(al);
	free(names);
	return rc < 0 ? -1 : items;
}
