/*
 * manifest: loading and checking the manifest directory (see manifest.h).
 *
 * Files are read in enum mf_file order so that each can refer to what came
 * before: the pinned tables resolve the names in enterprises.csv, which
 * services.csv, fusion.csv and acs.csv refer to. The checks that need
 * every file (service dependencies, which services.csv can break) run in
 * manifest_finish. Cell rules live in manifest_rules.c.
 */
#include "manifest.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "csvread.h"
#include "manifest_int.h"

static const char *const file_names[MF_NFILES] = {
    "sbc_gateways.csv", "pbx_types.csv", "enterprises.csv",
    "services.csv",     "fusion.csv",    "acs.csv",
};

static const char *const svc_names[MF_SVC_COUNT] = {
    "PBX", "Trunk", "CALLAPP", "CallRecording", "SMS", "CHAT",
};

/* The consents, then "none" (index 3), for parsing and suggestions. */
static const char *const consent_names[MF_CONSENT_COUNT + 1] = {
    "Contacts",
    "CDR",
    "EnterpriseManagement",
    "none",
};

/* Columns of each file. */
enum {
	E_NAME,
	E_COUNTRY,
	E_USER_LIMIT,
	E_SERVICES,
	E_SBC,
	E_PBX,
	E_CONSENTS,
	E_REDIRECT_URL,
	E_FEDERATED,
	E_FEDERATION_DOMAIN,
	E_BILLING,
	E_ALLOW_EXT,
	E_CAN_ADD_EXT,
	E_USER_PROV,
	E_SECURE_SMS,
	E_PBX_MOH,
	E_NCOLS
};
static const char *const ent_cols[E_NCOLS] = {
    "name",
    "country",
    "user_limit",
    "services",
    "sbc",
    "pbx",
    "consents",
    "redirect_url",
    "federated",
    "federation_domain",
    "billing_references",
    "allow_external_numbers",
    "can_add_extensions",
    "user_provisioning_enabled",
    "secure_sms_enabled",
    "pbx_moh",
};
enum { S_ENTERPRISE, S_SERVICE, S_NCOLS };
static const char *const svc_cols[S_NCOLS] = {"enterprise", "service"};
static const char *const sbc_cols[P_NCOLS] = {"region", "id"};
static const char *const pbx_cols[P_NCOLS] = {"name", "id"};
static const struct filespec specs[MF_NFILES] = {
    [MF_SBC] = {sbc_cols, P_NCOLS, 1u << P_NAME | 1u << P_ID},
    [MF_PBX] = {pbx_cols, P_NCOLS, 1u << P_NAME | 1u << P_ID},
    [MF_ENTERPRISES] = {ent_cols, E_NCOLS, 1u << E_NAME},
    [MF_SERVICES] = {svc_cols, S_NCOLS, 1u << S_ENTERPRISE | 1u << S_SERVICE},
    [MF_FUSION] = {mf_fusion_cols, F_NCOLS,
                   1u << F_TENANT | 1u << F_SUBSCRIPTION},
    [MF_ACS] = {mf_acs_cols, A_NCOLS,
                1u << A_TENANT_ID | 1u << A_OBJECT_ID | 1u << A_PRINCIPAL_TYPE},
};

const char *mf_file_name(enum mf_file kind)
{
	return kind < MF_NFILES ? file_names[kind] : "?";
}

const char *mf_service_name(int i)
{
	return i >= 0 && i < MF_SVC_COUNT ? svc_names[i] : "?";
}

const char *mf_consent_name(int i)
{
	return i >= 0 && i < MF_CONSENT_COUNT ? consent_names[i] : "?";
}

struct manifest *manifest_new(const char *dir)
{
	struct manifest *m = xcalloc(1, sizeof(*m));
	size_t n;
	int k;

	m->dir = xstrdup(dir && *dir ? dir : ".");
	n = strlen(m->dir);
	while (n > 1 && m->dir[n - 1] == '/')
		m->dir[--n] = '\0';
	for (k = 0; k < MF_NFILES; k++)
		m->path[k] = strcmp(m->dir, "/") == 0
		                 ? xasprintf("/%s", file_names[k])
		                 : xasprintf("%s/%s", m->dir, file_names[k]);
	m->priv = xcalloc(1, sizeof(*m->priv));
	m->priv->ent_by_name = mfmap_new(1);
	for (k = 0; k < 2; k++) {
		m->priv->pinned_name[k] = mfmap_new(1);
		m->priv->pinned_id[k] = mfmap_new(0);
	}
	m->priv->fusion_keys = mfmap_new(1);
	m->priv->acs_keys = mfmap_new(1);
	return m;
}

#define PSTR(m, str) mf_pstrdup(&(m)->priv->pool, (str))

static void free_priv(struct mf_index *x)
{
	int k;

	if (!x)
		return;
	mfmap_free(x->ent_by_name);
	for (k = 0; k < 2; k++) {
		mfmap_free(x->pinned_name[k]);
		mfmap_free(x->pinned_id[k]);
	}
	mfmap_free(x->fusion_keys);
	mfmap_free(x->acs_keys);
	free(x->ent_flags);
	free(x->svc_line);
	mf_list_release(&x->list);
	mf_pool_free(&x->pool);
	free(x);
}

void manifest_free(struct manifest *m)
{
	size_t i;
	int k;

	if (!m)
		return;
	/* strings and small arrays are in the pool */
	free(m->ent);
	free(m->sbc);
	free(m->pbx);
	for (i = 0; i < m->n_fusion; i++)
		secret_ref_release(&m->fusion[i].secret);
	free(m->fusion);
	free(m->acs);
	for (k = 0; k < MF_NFILES; k++)
		free(m->path[k]);
	free(m->dir);
	free_priv(m->priv);
	free(m);
}

/* --- headers and cells --- */

static int read_header(struct manifest *m, enum mf_file kind,
                       const struct csv_record *rec, struct table *t,
                       struct diag *d)
{
	const struct filespec *fs = &specs[kind];
	struct mf_row r = {d, m->path[kind], rec->line, 0};
	struct mfmap *seen = mfmap_new(0);
	const char *sug;
	size_t i, prev;
	int c, missing = 0;
	char *q;

	for (c = 0; c < MAX_COLS; c++)
		t->pos[c] = -1;
	t->nhdr = rec->n;
	for (i = 0; i < rec->n; i++) {
		const char *h = rec->f[i];

		if (!*h) {
			mf_error(&r, "column %zu has no name", i + 1);
			continue;
		}
		q = mf_q(h);
		prev = mfmap_put(seen, h, i);
		if (prev != MF_NONE) {
			mf_error(&r, "repeated column %s (columns %zu and %zu)",
			         q, prev + 1, i + 1);
		} else if (strncmp(h, "x_", 2) != 0) {
			for (c = 0; c < fs->ncols; c++)
				if (strcmp(h, fs->cols[c]) == 0)
					break;
			if (c < fs->ncols) {
				t->pos[c] = (long)i;
			} else if ((sug = mf_suggest(h, fs->cols,
			                             (size_t)fs->ncols))) {
				mf_error(&r,
				         "unknown column %s; did you mean "
				         "\"%s\"?",
				         q, sug);
			} else {
				mf_error(&r,
				         "unknown column %s (columns of "
				         "your own must start with \"x_\")",
				         q);
			}
		}
		free(q);
	}
	for (c = 0; c < fs->ncols; c++)
		if ((fs->required >> c & 1) && t->pos[c] < 0) {
			mf_error(&r, "missing required column \"%s\"",
			         fs->cols[c]);
			missing = 1;
		}
	mfmap_free(seen);
	return missing ? -1 : 0;
}

const char *mf_cell(const struct csv_record *rec, const struct table *t, int c)
{
	long p = t->pos[c];

	return p >= 0 && (size_t)p < rec->n ? rec->f[p] : "";
}

const char *mf_need(struct mf_row *r, const struct csv_record *rec,
                    const struct table *t, const struct filespec *fs, int c)
{
	const char *s = mf_cell(rec, t, c);

	if (!*s)
		mf_error(r, "required column \"%s\" is empty", fs->cols[c]);
	return s;
}

static const char *ent_name_at(size_t i, const void *ctx)
{
	return ((const struct manifest *)ctx)->ent[i].name;
}

size_t mf_ent_ref(struct manifest *m, struct mf_row *r, const char *s)
{
	size_t i = mfmap_get(m->priv->ent_by_name, s);
	const char *sug;
	char *q;

	if (i != MF_NONE)
		return i;
	if (m->priv->partial & (1u << MF_ENTERPRISES)) {
		r->err++; /* enterprises.csv has its own error */
		return MF_NONE;
	}
	q = mf_q(s);
	sug = r->d->errors < DIAG_MAX && strlen(s) <= MF_NAME_MAX
	          ? mf_suggest_from(s, m->n_ent, ent_name_at, m)
	          : NULL;
	if (sug)
		mf_error(r,
		         "unknown enterprise %s (not in enterprises.csv); "
		         "did you mean \"%s\"?",
		         q, sug);
	else
		mf_error(r, "unknown enterprise %s (not in enterprises.csv)",
		         q);
	free(q);
	return MF_NONE;
}

char *mf_opt_text(struct manifest *m, struct mf_row *r, const char *what,
                  const char *s)
{
	if (!*s || mf_check_text(r, what, s) < 0)
		return NULL;
	return PSTR(m, s);
}

/* --- enterprises.csv --- */

/* The sbc or pbx cell: names and ids, resolved where a table is pinned. */
static int parse_refs(struct manifest *m, struct mf_row *r, int k,
                      const char *s, struct mf_ref **out, size_t *n_out)
{
	enum mf_file table = k ? MF_PBX : MF_SBC;
	const char *what = k ? "PBX type" : "SBC gateway";
	const struct mf_pinned *pv = k ? m->pbx : m->sbc;
	size_t npv = k ? m->n_pbx : m->n_sbc;
	int pinned = (m->present >> table) & 1;
	int err0 = r->err;
	char **items = m->priv->list.v, *q;
	const char *sug;
	long n, i;
	size_t j;

	*out = NULL;
	*n_out = 0;
	n = mf_split(r, k ? "pbx" : "sbc", s, 0, &m->priv->list);
	items = m->priv->list.v;
	if (n > 0)
		*out = mf_palloc(&m->priv->pool, (size_t)n * sizeof(**out));
	for (i = 0; i < n; i++) {
		struct mf_ref ref = {items[i], MF_REF_LIVE, -1};

		if (mf_all_digits(items[i])) {
			if (mf_parse_uint(r, what, items[i], INT64_MAX,
			                  &ref.id) < 0)
				continue;
			ref.state = MF_REF_ID;
		} else if (mf_check_text(r, what, items[i]) < 0) {
			continue;
		} else if (pinned) {
			ref.id = mf_pinned_lookup(m, k, items[i]);
			if (ref.id < 0 && (m->priv->partial & (1u << table))) {
				r->err++; /* the table has its own error */
				continue;
			}
			if (ref.id < 0) {
				size_t f = mfmap_get(m->priv->pinned_name[k],
				                     items[i]);

				/* the search is linear: only for shown errors
				 */
				sug = f != MF_NONE ? pv[f].name
				      : r->d->errors < DIAG_MAX
				          ? mf_suggest_from(items[i], npv,
				                            mf_pinned_at, pv)
				          : NULL;
				q = mf_q(items[i]);
				if (sug)
					mf_error(r,
					         "unknown %s %s (not in %s); "
					         "did you mean \"%s\"?",
					         what, q, file_names[table],
					         sug);
				else
					mf_error(r, "unknown %s %s (not in %s)",
					         what, q, file_names[table]);
				free(q);
				continue;
			}
			ref.state = MF_REF_PINNED;
		}
		/* a name and an id for the same gateway count once */
		for (j = 0; j < *n_out; j++)
			if (ref.state != MF_REF_LIVE &&
			    (*out)[j].state != MF_REF_LIVE &&
			    (*out)[j].id == ref.id)
				break;
		if (j < *n_out)
			continue;
		ref.text = PSTR(m, items[i]);
		(*out)[(*n_out)++] = ref;
	}
	if (*n_out == 0)
		*out = NULL;
	return r->err > err0 ? -1 : 0;
}

static unsigned parse_services(struct mf_row *r, const char *s,
                               struct mf_list *l)
{
	unsigned bits = 0;
	long n, i;
	int k;

	n = mf_split(r, "services", s, 0, l);
	for (i = 0; i < n; i++) {
		k = mf_parse_enum(r, "service", l->v[i], svc_names,
		                  MF_SVC_COUNT);
		if (k >= 0)
			bits |= 1u << k;
	}
	return bits;
}

static unsigned parse_consents(struct mf_row *r, const char *s,
                               struct mf_list *l)
{
	unsigned bits = 0;
	long n, i;
	int k, none = 0;

	n = mf_split(r, "consents", s, 0, l);
	if (n == 0)
		bits = MF_CONSENT_ENTERPRISE_MANAGEMENT;
	for (i = 0; i < n; i++) {
		k = mf_parse_enum(r, "consent", l->v[i], consent_names,
		                  MF_CONSENT_COUNT + 1);
		if (k == MF_CONSENT_COUNT)
			none = 1;
		else if (k >= 0)
			bits |= 1u << k;
	}
	if (none && n > 1)
		mf_error(r, "\"none\" must stand alone in consents");
	return none ? 0 : bits;
}

static void add_enterprise(struct manifest *m, struct mf_enterprise *e,
                           unsigned char flags)
{
	struct mf_index *x = m->priv;

	if (m->n_ent == x->cap_ent) {
		x->cap_ent = x->cap_ent ? x->cap_ent * 2 : 64;
		m->ent = xrealloc(m->ent, x->cap_ent * sizeof(*m->ent));
		x->ent_flags = xrealloc(x->ent_flags, x->cap_ent);
	}
	mfmap_put(x->ent_by_name, e->name, m->n_ent);
	x->ent_flags[m->n_ent] = flags;
	m->ent[m->n_ent++] = *e;
}

static void ent_row(struct manifest *m, const struct csv_record *rec,
                    const struct table *t, struct diag *d)
{
	static const int bool_cols[] = {E_FEDERATED,   E_ALLOW_EXT,
	                                E_CAN_ADD_EXT, E_USER_PROV,
	                                E_SECURE_SMS,  E_PBX_MOH};
	struct mf_row r = {d, m->path[MF_ENTERPRISES], rec->line, 0};
	struct mf_enterprise e;
	enum mf_bool *bools[6];
	const char *name = mf_need(&r, rec, t, &specs[MF_ENTERPRISES], E_NAME);
	struct mf_list *l = &m->priv->list;
	const char *s;
	char *q;
	unsigned char flags = 0;
	int name_ok = 0;
	size_t prev;
	long n, i;
	int64_t v;

	memset(&e, 0, sizeof(e));
	if (*name && mf_check_text(&r, "name", name) == 0) {
		prev = mfmap_get(m->priv->ent_by_name, name);
		if (prev != MF_NONE) {
			q = mf_q(name);
			mf_error(&r,
			         "duplicate enterprise %s (first on line "
			         "%ld)",
			         q, m->ent[prev].line);
			free(q);
		} else {
			name_ok = 1;
		}
	}
	e.name = name_ok ? PSTR(m, name) : NULL;
	e.line = rec->line;
	e.country = mf_opt_text(m, &r, "country", mf_cell(rec, t, E_COUNTRY));
	s = mf_cell(rec, t, E_USER_LIMIT);
	if (*s && mf_parse_uint(&r, "user_limit", s, 2147483647, &v) == 0) {
		e.has_user_limit = 1;
		e.user_limit = (int32_t)v;
	}
	e.services = parse_services(&r, mf_cell(rec, t, E_SERVICES), l);
	if (parse_refs(m, &r, 0, mf_cell(rec, t, E_SBC), &e.sbc, &e.n_sbc) < 0)
		flags |= EF_SBC_ERR;
	if (parse_refs(m, &r, 1, mf_cell(rec, t, E_PBX), &e.pbx, &e.n_pbx) < 0)
		flags |= EF_PBX_ERR;
	e.consents = parse_consents(&r, mf_cell(rec, t, E_CONSENTS), l);
	s = mf_cell(rec, t, E_REDIRECT_URL);
	if (*s && mf_check_url(&r, "redirect_url", s) == 0)
		e.redirect_url = PSTR(m, s);
	bools[0] = &e.federated;
	bools[1] = &e.allow_external_numbers;
	bools[2] = &e.can_add_extensions;
	bools[3] = &e.user_provisioning_enabled;
	bools[4] = &e.secure_sms_enabled;
	bools[5] = &e.pbx_moh;
	for (i = 0; i < 6; i++)
		mf_parse_bool(&r, ent_cols[bool_cols[i]],
		              mf_cell(rec, t, bool_cols[i]), bools[i]);
	e.federation_domain = mf_opt_text(m, &r, "federation_domain",
	                                  mf_cell(rec, t, E_FEDERATION_DOMAIN));
	n = mf_split(&r, "billing_references", mf_cell(rec, t, E_BILLING), 0,
	             l);
	if (n > 0)
		e.billing_references =
		    mf_palloc(&m->priv->pool, (size_t)n * sizeof(char *));
	for (i = 0; i < n; i++)
		if (mf_check_text(&r, "billing reference", l->v[i]) == 0)
			e.billing_references[e.n_billing_references++] =
			    PSTR(m, l->v[i]);
	/* a row that is not added leaves its strings in the pool */
	if (name_ok)
		add_enterprise(m, &e, flags);
}

/* --- services.csv --- */

static void svc_row(struct manifest *m, const struct csv_record *rec,
                    const struct table *t, struct diag *d)
{
	struct mf_row r = {d, m->path[MF_SERVICES], rec->line, 0};
	const struct filespec *fs = &specs[MF_SERVICES];
	const char *en = mf_need(&r, rec, t, fs, S_ENTERPRISE);
	const char *sv = mf_need(&r, rec, t, fs, S_SERVICE);
	size_t i = MF_NONE;
	int k = -1;

	if (*en && mf_check_text(&r, "enterprise", en) == 0)
		i = mf_ent_ref(m, &r, en);
	if (*sv)
		k = mf_parse_enum(&r, "service", sv, svc_names, MF_SVC_COUNT);
	if (i == MF_NONE || k < 0)
		return;
	if (m->ent[i].services & (1u << k))
		return;
	m->ent[i].services |= 1u << k;
	if (!m->priv->svc_line)
		m->priv->svc_line = xcalloc(
		    m->n_ent ? m->n_ent * MF_SVC_COUNT : 1, sizeof(long));
	m->priv->svc_line[i * MF_SVC_COUNT + (size_t)k] = rec->line;
}

/* --- files --- */

static void load_reader(struct manifest *m, enum mf_file kind,
                        struct csvread *cr, struct diag *d)
{
	struct csv_record rec;
	struct table t;
	int rc;

	m->present |= 1u << kind;
	/* until the whole file is read, names missing from it are not
	 * reported elsewhere: they may be in the part that was not read */
	m->priv->partial |= 1u << kind;
	rc = csvread_next(cr, &rec);
	if (rc == 0)
		diag_error(d, m->path[kind], 1,
		           "empty file (a header row is required)");
	if (rc != 1 || rec.bad || read_header(m, kind, &rec, &t, d) < 0)
		return;
	while ((rc = csvread_next(cr, &rec)) == 1) {
		if (rec.bad)
			continue;
		if (rec.n > t.nhdr) {
			diag_error(d, m->path[kind], rec.line,
			           "row has %zu fields, but the header has %zu",
			           rec.n, t.nhdr);
			continue;
		}
		switch (kind) {
		case MF_SBC:
		case MF_PBX:
			mf_pinned_row(m, kind, &rec, &t, &specs[kind], d);
			break;
		case MF_ENTERPRISES:
			ent_row(m, &rec, &t, d);
			break;
		case MF_SERVICES:
			svc_row(m, &rec, &t, d);
			break;
		case MF_FUSION:
			mf_fusion_row(m, &rec, &t, &specs[kind], d);
			break;
		case MF_ACS:
			mf_acs_row(m, &rec, &t, &specs[kind], d);
			break;
		case MF_NFILES:
			break;
		}
	}
	if (rc == 0)
		m->priv->partial &= ~(1u << kind);
}

int manifest_add_buffer(struct manifest *m, enum mf_file kind, const char *data,
                        size_t len, struct diag *d)
{
	size_t e0 = d->errors;
	struct csvread *cr;

	if (kind >= MF_NFILES || (int)kind < m->priv->next_kind ||
	    m->priv->finished)
		abort(); /* a programming error: see manifest.h */
	m->priv->next_kind = (int)kind + 1;
	cr = csvread_mem(data, len, m->path[kind], d);
	load_reader(m, kind, cr, d);
	csvread_free(cr);
	return d->errors > e0 ? -1 : 0;
}

int manifest_finish(struct manifest *m, struct diag *d)
{
	static const unsigned need_sbc[] = {MF_SVC_PBX, MF_SVC_TRUNK};
	static const unsigned need_pbx[] = {MF_SVC_PBX, MF_SVC_CALLAPP};
	struct mf_index *x = m->priv;
	size_t e0 = d->errors, i;
	int j, rule;

	x->finished = 1;
	for (i = 0; i < m->n_ent; i++) {
		const struct mf_enterprise *e = &m->ent[i];

		for (rule = 0; rule < 2; rule++) {
			const unsigned *needs = rule ? need_pbx : need_sbc;
			size_t have = rule ? e->n_pbx : e->n_sbc;
			unsigned err = rule ? EF_PBX_ERR : EF_SBC_ERR;
			long from;
			int k;

			if (have || (x->ent_flags[i] & err))
				continue;
			for (j = 0; j < 2; j++)
				if (e->services & needs[j])
					break;
			if (j == 2)
				continue;
			for (k = 0; (1u << k) != needs[j]; k++)
				;
			from = x->svc_line
			           ? x->svc_line[i * MF_SVC_COUNT + (size_t)k]
			           : 0;
			if (from)
				diag_error(d, m->path[MF_ENTERPRISES], e->line,
				           "service \"%s\" (from services.csv "
				           "line %ld) needs at least one %s",
				           svc_names[k], from,
				           rule ? "PBX type (column pbx)"
				                : "SBC gateway (column sbc)");
			else
				diag_error(d, m->path[MF_ENTERPRISES], e->line,
				           "service \"%s\" needs at least one "
				           "%s",
				           svc_names[k],
				           rule ? "PBX type (column pbx)"
				                : "SBC gateway (column sbc)");
		}
	}
	return d->errors > e0 ? -1 : 0;
}

int manifest_load(const char *dir, struct manifest **out, struct diag *d)
{
	struct manifest *m = manifest_new(dir);
	size_t e0 = d->errors;
	struct csvread *cr;
	int kind;

	*out = NULL;
	for (kind = 0; kind < MF_NFILES; kind++) {
		m->priv->next_kind = kind + 1;
		cr = csvread_open(m->path[kind], m->path[kind], d);
		if (!cr) {
			if (errno == ENOENT && kind != MF_ENTERPRISES)
				continue;
			if (errno == ENOENT)
				diag_error(d, m->path[kind], 0,
				           "required file is missing");
			else
				diag_error(d, m->path[kind], 0,
				           "cannot read: %s", strerror(errno));
			if (kind == MF_ENTERPRISES) {
				manifest_free(m);
				return -1;
			}
			continue;
		}
		load_reader(m, (enum mf_file)kind, cr, d);
		csvread_free(cr);
	}
	manifest_finish(m, d);
	*out = m;
	return d->errors > e0 ? -1 : 0;
}

/* --- queries --- */

void manifest_check_secrets(const struct manifest *m, struct diag *d)
{
	size_t i;
	char *err;

	for (i = 0; i < m->n_fusion; i++) {
		const struct mf_fusion *f = &m->fusion[i];

		if (f->secret.kind == SECRET_NONE)
			continue;
		/* err names the variable or path, never the secret; both
		 * passed the control character check when loaded */
		if (secret_check(&f->secret, m->dir, &err) < 0)
			diag_warn(d, m->path[MF_FUSION], f->line, "secret: %s",
			          err);
		free(err);
	}
}

void manifest_counts(const struct manifest *m, struct mf_counts *c)
{
	size_t i;

	memset(c, 0, sizeof(*c));
	c->enterprises = m->n_ent;
	for (i = 0; i < m->n_ent; i++)
		c->services += (size_t)__builtin_popcount(m->ent[i].services);
	c->sbc_gateways = m->n_sbc;
	c->pbx_types = m->n_pbx;
	c->fusion = m->n_fusion;
	c->acs = m->n_acs;
}

void manifest_summary(const struct manifest *m, struct buf *out)
{
	struct mf_counts c;

	manifest_counts(m, &c);
#define S(n) (n), (n) == 1 ? "" : "s"
	buf_addf(out,
	         "%zu enterprise%s, %zu service%s, %zu SBC gateway%s, "
	         "%zu PBX type%s, %zu Fusion subscription%s, "
	         "%zu ACS assignment%s",
	         S(c.enterprises), S(c.services), S(c.sbc_gateways),
	         S(c.pbx_types), S(c.fusion), S(c.acs));
#undef S
}

long manifest_find_index(const struct manifest *m, const char *name)
{
	size_t i = mfmap_get(m->priv->ent_by_name, name);

	return i == MF_NONE ? -1 : (long)i;
}

const struct mf_enterprise *manifest_find(const struct manifest *m,
                                          const char *name)
{
	long i = manifest_find_index(m, name);

	return i < 0 ? NULL : &m->ent[i];
}
