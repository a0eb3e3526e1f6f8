/*
 * manifest_rows: the rows of the pinned tables, fusion.csv and acs.csv
 * (see manifest.h for the model and teamsprov-manifest(5) for the rules).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "manifest_int.h"

const char *const mf_fusion_cols[F_NCOLS] = {
    "tenant", "subscription",      "ms_tenant_id", "application_id",
    "secret", "link_subscription", "enterprise",   "draas_instance",
};

const char *const mf_acs_cols[A_NCOLS] = {
    "tenant_id",  "object_id", "principal_type",
    "client_ids", "state",     "enterprise",
};

static const char *const principal_names[] = {
    "teamsResourceAccount",
    "resourceAccount",
    "user",
};

static const char *const state_names[] = {"present", "absent"};

/* --- pinned tables --- */

const char *mf_pinned_at(size_t i, const void *ctx)
{
	return ((const struct mf_pinned *)ctx)[i].name;
}

void mf_pinned_row(struct manifest *m, enum mf_file kind,
                   const struct csv_record *rec, const struct table *t,
                   const struct filespec *fs, struct diag *d)
{
	struct mf_index *x = m->priv;
	int k = kind == MF_PBX;
	struct mf_pinned **v = k ? &m->pbx : &m->sbc;
	size_t *n = k ? &m->n_pbx : &m->n_sbc;
	const char *what = k ? "PBX type" : "region";
	struct mf_row r = {d, m->path[kind], rec->line, 0};
	const char *name = mf_need(&r, rec, t, fs, P_NAME);
	const char *ids = mf_need(&r, rec, t, fs, P_ID);
	char key[32], *q;
	int64_t id = 0;
	size_t prev;

	if (*name)
		mf_check_text(&r, what, name);
	if (*ids)
		mf_parse_uint(&r, "id", ids, INT64_MAX, &id);
	if (r.err)
		return;
	prev = mfmap_get(x->pinned_name[k], name);
	if (prev != MF_NONE) {
		q = mf_q(name);
		mf_error(&r, "duplicate %s %s (first on line %ld)", what, q,
		         (*v)[prev].line);
		free(q);
		return;
	}
	snprintf(key, sizeof(key), "%lld", (long long)id);
	prev = mfmap_get(x->pinned_id[k], key);
	if (prev != MF_NONE) {
		q = mf_q((*v)[prev].name);
		mf_error(&r, "id %s already belongs to %s (line %ld)", key, q,
		         (*v)[prev].line);
		free(q);
		return;
	}
	name = mf_pstrdup(&x->pool, name);
	mfmap_put(x->pinned_name[k], name, *n);
	mfmap_put(x->pinned_id[k], mf_pstrdup(&x->pool, key), *n);
	if (*n == x->cap_pinned[k]) {
		x->cap_pinned[k] = x->cap_pinned[k] ? x->cap_pinned[k] * 2 : 8;
		*v = xrealloc(*v, x->cap_pinned[k] * sizeof(**v));
	}
	(*v)[*n].name = (char *)name;
	(*v)[*n].id = id;
	(*v)[*n].line = rec->line;
	(*n)++;
}

int64_t mf_pinned_lookup(const struct manifest *m, int k, const char *name)
{
	const struct mf_pinned *v = k ? m->pbx : m->sbc;
	size_t i = mfmap_get(m->priv->pinned_name[k], name);

	if (i == MF_NONE || strcmp(v[i].name, name) != 0)
		return -1;
	return v[i].id;
}

int64_t manifest_pinned_sbc(const struct manifest *m, const char *region)
{
	return mf_pinned_lookup(m, 0, region);
}

int64_t manifest_pinned_pbx(const struct manifest *m, const char *name)
{
	return mf_pinned_lookup(m, 1, name);
}

/* The canonical enterprises.csv name an enterprise cell refers to. */
static char *enterprise_cell(struct manifest *m, struct mf_row *r,
                             const char *s)
{
	size_t i;

	if (!*s || mf_check_text(r, "enterprise", s) < 0)
		return NULL;
	i = mf_ent_ref(m, r, s);
	/* the enterprises.csv spelling, owned by the pool already */
	return i == MF_NONE ? NULL : m->ent[i].name;
}

/* A GUID cell required unless a link row; NULL when empty or bad. */
static char *guid_cell(struct manifest *m, struct mf_row *r, const char *what,
                       const char *s, int required)
{
	if (!*s) {
		if (required)
			mf_error(r,
			         "%s is required unless link_subscription "
			         "is set",
			         what);
		return NULL;
	}
	return mf_check_guid(r, what, s) == 0 ? mf_pstrdup(&m->priv->pool, s)
	                                      : NULL;
}

/*
 * Registers the row's key in keys; reports a repeat at this row, naming
 * the first line.
 */
static void unique_key(struct manifest *m, struct mfmap *keys, struct mf_row *r,
                       const char *key, const char *what)
{
	size_t prev = mfmap_get(keys, key);

	if (prev == MF_NONE)
		mfmap_put(keys, mf_pstrdup(&m->priv->pool, key),
		          (size_t)r->line);

	if (prev != MF_NONE)
		mf_error(r, "duplicate %s (first on line %zu)", what, prev);
}

void mf_fusion_row(struct manifest *m, const struct csv_record *rec,
                   const struct table *t, const struct filespec *fs,
                   struct diag *d)
{
	struct mf_row r = {d, m->path[MF_FUSION], rec->line, 0};
	struct mf_index *x = m->priv;
	struct mf_fusion f;
	const char *tenant = mf_need(&r, rec, t, fs, F_TENANT);
	const char *sub = mf_need(&r, rec, t, fs, F_SUBSCRIPTION);
	const char *s;
	char *err, *key, *q, *what;
	int key_ok = 1;

	memset(&f, 0, sizeof(f));
	secret_ref_init(&f.secret);
	if (!*tenant || mf_check_guid(&r, "tenant", tenant) < 0)
		key_ok = 0;
	if (!*sub || mf_parse_uint(&r, "subscription", sub, INT64_MAX,
	                           &f.subscription) < 0)
		key_ok = 0;
	s = mf_cell(rec, t, F_LINK);
	if (*s && mf_parse_uint(&r, "link_subscription", s, INT64_MAX,
	                        &f.link_subscription) == 0) {
		f.has_link = 1;
		if (key_ok && f.link_subscription == f.subscription)
			mf_error(&r, "link_subscription is the row's own "
			             "subscription");
	}
	/* a link row that fails to parse is still not an onboarding row */
	f.ms_tenant_id = guid_cell(m, &r, "ms_tenant_id",
	                           mf_cell(rec, t, F_MS_TENANT_ID), !*s);
	f.application_id = guid_cell(m, &r, "application_id",
	                             mf_cell(rec, t, F_APPLICATION_ID), !*s);
	s = mf_cell(rec, t, F_SECRET);
	if (!*s && !*mf_cell(rec, t, F_LINK)) {
		mf_error(&r, "secret is required unless link_subscription is "
		             "set");
	} else if (*s && secret_ref_parse(s, &f.secret, &err) < 0) {
		/* the message never repeats the cell: it may be a secret */
		mf_error(&r, "secret: %s", err);
		free(err);
	} else if (f.secret.kind == SECRET_FILE &&
	           mf_check_text(&r, "secret file", f.secret.name) < 0) {
		secret_ref_release(&f.secret);
	}
	f.enterprise = enterprise_cell(m, &r, mf_cell(rec, t, F_ENTERPRISE));
	f.draas_instance =
	    mf_opt_text(m, &r, "draas_instance", mf_cell(rec, t, F_DRAAS));
	if (key_ok) {
		q = mf_q(tenant);
		key = xasprintf("%s/%lld", tenant, (long long)f.subscription);
		what = xasprintf("Fusion subscription (tenant %s, subscription "
		                 "%lld)",
		                 q, (long long)f.subscription);
		unique_key(m, x->fusion_keys, &r, key, what);
		free(what);
		free(key);
		free(q);
	}
	if (r.err) {
		secret_ref_release(&f.secret);
		return;
	}
	f.line = rec->line;
	f.tenant = mf_pstrdup(&x->pool, tenant);
	if (m->n_fusion == x->cap_fusion) {
		x->cap_fusion = x->cap_fusion ? x->cap_fusion * 2 : 16;
		m->fusion =
		    xrealloc(m->fusion, x->cap_fusion * sizeof(*m->fusion));
	}
	m->fusion[m->n_fusion++] = f;
}

void mf_acs_row(struct manifest *m, const struct csv_record *rec,
                const struct table *t, const struct filespec *fs,
                struct diag *d)
{
	struct mf_row r = {d, m->path[MF_ACS], rec->line, 0};
	struct mf_index *x = m->priv;
	struct mf_acs a;
	const char *tenant = mf_need(&r, rec, t, fs, A_TENANT_ID);
	const char *object = mf_need(&r, rec, t, fs, A_OBJECT_ID);
	const char *ptype = mf_need(&r, rec, t, fs, A_PRINCIPAL_TYPE);
	struct mf_list *l = &x->list;
	const char *s;
	char *key, *q1, *q2, *what;
	int key_ok = 1, k;
	long n, i;

	memset(&a, 0, sizeof(a));
	if (!*tenant || mf_check_guid(&r, "tenant_id", tenant) < 0)
		key_ok = 0;
	if (!*object || mf_check_guid(&r, "object_id", object) < 0)
		key_ok = 0;
	k = *ptype
	        ? mf_parse_enum(&r, "principal_type", ptype, principal_names, 3)
	        : -1;
	a.principal = k < 0 ? MF_PRINCIPAL_USER : (enum mf_principal)k;
	s = mf_cell(rec, t, A_STATE);
	if (*s && mf_parse_enum(&r, "state", s, state_names, 2) == 1)
		a.absent = 1;
	n = mf_split(&r, "client_ids", mf_cell(rec, t, A_CLIENT_IDS), 1, l);
	if (n > 0)
		a.client_ids = mf_palloc(&x->pool, (size_t)n * sizeof(char *));
	for (i = 0; i < n; i++)
		if (mf_check_guid(&r, "client id", l->v[i]) == 0)
			a.client_ids[a.n_client_ids++] =
			    mf_pstrdup(&x->pool, l->v[i]);
	if (k == MF_PRINCIPAL_USER && !a.absent && n == 0)
		mf_error(&r, "client_ids is required for principal_type "
		             "\"user\"");
	a.enterprise = enterprise_cell(m, &r, mf_cell(rec, t, A_ENTERPRISE));
	if (key_ok) {
		q1 = mf_q(tenant);
		q2 = mf_q(object);
		key = xasprintf("%s/%s", tenant, object);
		what = xasprintf("ACS assignment (tenant_id %s, object_id %s)",
		                 q1, q2);
		unique_key(m, x->acs_keys, &r, key, what);
		free(what);
		free(key);
		free(q1);
		free(q2);
	}
	if (r.err)
		return; /* its strings stay in the pool until manifest_free */
	a.line = rec->line;
	a.tenant_id = mf_pstrdup(&x->pool, tenant);
	a.object_id = mf_pstrdup(&x->pool, object);
	a.principal_type = mf_pstrdup(&x->pool, ptype);
	if (m->n_acs == x->cap_acs) {
		x->cap_acs = x->cap_acs ? x->cap_acs * 2 : 16;
		m->acs = xrealloc(m->acs, x->cap_acs * sizeof(*m->acs));
	}
	m->acs[m->n_acs++] = a;
}
