/*
 * teamsprov plan: what apply would do, from the manifests and the journal,
 * one line per action, then the counts. Read-only: it never takes the
 * state lock and sends nothing, so it can run beside an apply.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "commands.h"
#include "exitcode.h"
#include "c2t.h"
#include "plan_acs.h"
#include "reconcile.h"
#include "resolve.h"
#include "plan_fusion.h"
#include "runtime.h"

static const char *const reason_name[] = {
    "",
    "new",
    "older than url_max_age",
    "refresh",
};

/* Names the SBC gateways and PBX types only the live lists can resolve. */
static void print_live_refs(const struct mf_enterprise *e, const char *q)
{
	size_t i;

	for (i = 0; i < e->n_sbc; i++)
		if (e->sbc[i].state == MF_REF_LIVE)
			printf("  resolve SBC gateway \"%s\" of %s at apply\n",
			       e->sbc[i].text, q);
	for (i = 0; i < e->n_pbx; i++)
		if (e->pbx[i].state == MF_REF_LIVE)
			printf("  resolve PBX type \"%s\" of %s at apply\n",
			       e->pbx[i].text, q);
}

static int plan_enterprises(struct runtime *rt, const struct rc_options *o,
			    const struct c2t_list *remote, size_t *creates,
			    size_t *urls)
{
	const struct manifest *m = rt->m;
	size_t i, k;

	for (i = 0; i < m->n_ent; i++) {
		const struct mf_enterprise *e = &m->ent[i];
		struct rc_enterprise need;
		char *q;

		if (!rc_selected(rt->g->only, rt->g->n_only, e->name))
			continue;
		if (rc_enterprise(rt->j, e, o, &need) < 0) {
			fprintf(stderr, "teamsprov: %s: %s\n", rt->state_path,
				journal_errmsg(rt->j));
			return TP_EXIT_DATAERR;
		}
		q = str_quote(e->name, 256);
		if (need.create && remote && c2t_list_find(remote, e->name)) {
			(*creates)++;
			printf("adopt enterprise %s (exists remotely as id %lld, "
			       "unknown to the journal)\n",
			       q, (long long)c2t_list_find(remote, e->name)->id);
			for (k = 0; k < need.n_need; k++)
				printf("  then issue %s URL (%s)\n",
				       need.need[k].def->type,
				       act_requirement_name(need.need[k].req));
			*urls += need.n_need;
		} else if (need.create) {
			(*creates)++;
			printf("create enterprise %s%s\n", q,
			       need.failed ? " (failed last time)" : "");
			if (!remote)
				print_live_refs(e, q);
			/* Its URLs follow its creation. */
			for (k = 0; k < need.n_need; k++)
				printf("  then issue %s URL (%s)\n",
				       need.need[k].def->type,
				       act_requirement_name(need.need[k].req));
			*urls += need.n_need;
		} else {
			for (k = 0; k < need.n_need; k++) {
				if (need.url[k] == RC_URL_NONE)
					continue;
				printf("issue %s URL for %s (%s)\n",
				       need.need[k].def->type, q,
				       reason_name[need.url[k]]);
			}
			*urls += need.n_urls;
		}
		free(q);
	}
	return 0;
}

/*
 * --refresh: resolve every name against the live lists (errors as apply
 * would report them) and fetch the enterprise list, to tell enterprises
 * apply will adopt from those it will create.
 */
static int refresh(struct runtime *rt, struct c2t_list *remote)
{
	struct http_client *client;
	struct ent_ids *ids = NULL;
	size_t i;
	int rc = rt_setup_api(rt, API_C2T);

	if (rc != 0)
		return rc;
	client = http_client_new(&rt->http);
	rc = resolve_live(rt, client, &ids);
	if (rc == 0)
		rc = c2t_fetch_enterprises(rt, client, remote);
	for (i = 0; ids && i < rt->m->n_ent; i++) {
		free(ids[i].sbc);
		free(ids[i].pbx);
	}
	free(ids);
	http_client_free(client);
	return rc;
}

int cmd_plan(int argc, char **argv, struct tp_globals *g)
{
	static const struct option opts[] = {
		{"refresh", no_argument, NULL, 'r'},
		{NULL, 0, NULL, 0},
	};
	struct runtime rt;
	struct rc_options o;
	struct c2t_list remote = {0};
	size_t creates = 0, urls = 0, fusion = 0;
	size_t acs_changes = 0;
	bool live = false;
	int c, rc;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		if (c != 'r')
			return cli_usage_error("plan", "unknown option \"%s\"",
					       argv[optind - 1]);
		live = true;
	}
	if (optind < argc)
		return cli_usage_error("plan", "unexpected argument \"%s\"",
				       argv[optind]);
	rt_init(&rt, g);
	rc = rt_load_config(&rt, live);
	if (rc == 0)
		rc = rt_load_manifest(&rt);
	if (rc == 0) {
		/* No state file yet: everything is still to do. */
		char *p = g->state ? xstrdup(g->state)
				   : xasprintf("%s/teamsprov.db", g->manifest);
		if (access(p, F_OK) == 0)
			rc = rt_open_state(&rt, JOURNAL_READ);
		else
			rt.state_path = xstrdup(p);
		free(p);
	}
	if (rc == 0) {
		memset(&o, 0, sizeof(o));
		o.now_ms = clock_wall_ns() / TP_NS_PER_MS;
		o.max_age_ms = rt.cfg.run.url_max_age / TP_NS_PER_MS;
		if (live)
			rc = refresh(&rt, &remote);
	}
	if (rc == 0)
		rc = plan_enterprises(&rt, &o, live ? &remote : NULL, &creates,
				      &urls);
	if (rc == 0)
		rc = plan_fusion(&rt, live, &fusion);
	if (rc == 0)
		rc = plan_acs(&rt, live, &acs_changes);
	if (rc == 0) {
		if (creates + urls + fusion + acs_changes == 0) {
			printf("plan: nothing to do\n");
		} else {
			printf("plan: %zu enterprise%s to create, %zu action "
			       "URL%s to issue\n",
			       creates, creates == 1 ? "" : "s", urls,
			       urls == 1 ? "" : "s");
			if (fusion)
				printf("plan: %zu Fusion action%s\n", fusion,
				       fusion == 1 ? "" : "s");
			if (acs_changes)
				printf("plan: %zu ACS assignment%s to grant or "
				       "revoke\n",
				       acs_changes, acs_changes == 1 ? "" : "s");
			rc = TP_EXIT_CHANGES;
		}
	}
	c2t_list_release(&remote);
	return rt_release(&rt, rc);
}
