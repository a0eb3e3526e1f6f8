/*
 * resolve: the manifest's SBC gateways and PBX types against the
 * reseller's live lists, before anything is created (see resolve.h).
 */
#include "resolve.h"

#include <stdio.h>
#include <stdlib.h>

#include "c2t.h"
#include "diag.h"
#include "exitcode.h"
#include "reconcile.h"
#include "suggest.h"
#include "util.h"

static const char *const what_name[2] = {"SBC gateway", "PBX type"};

static void suggest_live(struct buf *b, const struct c2t_list *live,
			 const char *name)
{
	const char **names = xcalloc(live->n + 1, sizeof(*names));
	const char *s;
	size_t i;

	for (i = 0; i < live->n; i++)
		names[i] = live->v[i].name;
	s = suggest(name, names, live->n);
	if (s)
		buf_addf(b, "; did you mean \"%s\"?", s);
	free(names);
}

/* Resolves one enterprise's references of one kind into ids. */
static void resolve_refs(const struct manifest *m,
			 const struct mf_enterprise *e, const struct mf_ref *r,
			 size_t n, bool pbx, const struct c2t_list *live,
			 struct diag *d, int64_t **ids, size_t *n_ids)
{
	const char *file = m->path[MF_ENTERPRISES];
	size_t i, k;

	*ids = xcalloc(n + 1, sizeof(**ids));
	*n_ids = 0;
	for (i = 0; i < n; i++) {
		const struct c2t_entry *hit;
		char *q = str_quote(r[i].text, 80);
		struct buf b;

		if (r[i].state == MF_REF_ID)
			hit = c2t_list_find_id(live, r[i].id);
		else
			hit = c2t_list_find(live, r[i].text);
		if (r[i].state == MF_REF_PINNED && (!hit || hit->id != r[i].id)) {
			/* check_pinned reports it once, at the pinned line. */
		} else if (!hit) {
			buf_init(&b);
			buf_addf(&b, "%s %s is not in the live list",
				 what_name[pbx], q);
			if (r[i].state == MF_REF_LIVE)
				suggest_live(&b, live, r[i].text);
			diag_error(d, file, e->line, "%s", b.p);
			buf_release(&b);
		} else if (hit->disabled) {
			diag_error(d, file, e->line, "%s %s is disabled",
				   what_name[pbx], q);
		} else {
			for (k = 0; k < *n_ids && (*ids)[k] != hit->id; k++)
				;
			if (k == *n_ids)
				(*ids)[(*n_ids)++] = hit->id;
		}
		free(q);
	}
}

/* A pinned pair that contradicts the live list is an error at its line. */
static void check_pinned(const struct manifest *m, enum mf_file kind,
			 const struct mf_pinned *p, size_t n,
			 const struct c2t_list *live, struct diag *d)
{
	bool pbx = kind == MF_PBX;
	size_t i;

	if (!(m->present & (1u << kind)))
		return;
	for (i = 0; i < n; i++) {
		const struct c2t_entry *hit = c2t_list_find(live, p[i].name);
		char *q = str_quote(p[i].name, 80);

		if (!hit)
			diag_error(d, m->path[kind], p[i].line,
				   "pinned %s %s is not in the live list",
				   what_name[pbx], q);
		else if (hit->id != p[i].id)
			diag_error(d, m->path[kind], p[i].line,
				   "pinned %s %s has id %lld here but %lld in "
				   "the live list",
				   what_name[pbx], q, (long long)p[i].id,
				   (long long)hit->id);
		free(q);
	}
}

int resolve_live(struct runtime *rt, struct http_client *client,
		 struct ent_ids **ids_out)
{
	const struct manifest *m = rt->m;
	struct c2t_list sbc = {0}, pbx = {0};
	struct ent_ids *ids = xcalloc(m->n_ent + 1, sizeof(*ids));
	struct diag d;
	size_t i;
	int rc;

	*ids_out = ids;
	rc = rt_reseller_id(rt, client);
	if (rc == 0)
		rc = c2t_fetch_list(rt, client, false, &sbc);
	if (rc == 0)
		rc = c2t_fetch_list(rt, client, true, &pbx);
	if (rc != 0)
		goto out;
	diag_init(&d);
	check_pinned(m, MF_SBC, m->sbc, m->n_sbc, &sbc, &d);
	check_pinned(m, MF_PBX, m->pbx, m->n_pbx, &pbx, &d);
	for (i = 0; i < m->n_ent; i++) {
		const struct mf_enterprise *e = &m->ent[i];

		if (!rc_selected(rt->g->only, rt->g->n_only, e->name))
			continue;
		resolve_refs(m, e, e->sbc, e->n_sbc, false, &sbc, &d,
			     &ids[i].sbc, &ids[i].n_sbc);
		resolve_refs(m, e, e->pbx, e->n_pbx, true, &pbx, &d,
			     &ids[i].pbx, &ids[i].n_pbx);
	}
	diag_print(&d, stderr);
	if (d.errors) {
		fprintf(stderr, "teamsprov: %zu error%s; nothing was created\n",
			d.errors, d.errors == 1 ? "" : "s");
		rc = TP_EXIT_DATAERR;
	}
	diag_release(&d);
out:
	c2t_list_release(&sbc);
	c2t_list_release(&pbx);
	return rc;
}
