/*
 * plan_acs: what apply would do with acs.csv (see plan_acs.h).
 */
#include "plan_acs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acs.h"
#include "exitcode.h"
#include "journal_acs.h"
#include "reconcile.h"

static bool selected(const struct runtime *rt, const struct mf_acs *r)
{
	if (rt->g->n_only == 0)
		return true;
	return r->enterprise &&
	       rc_selected(rt->g->only, rt->g->n_only, r->enterprise);
}

/* 1 when the journal shows this very state confirmed, 0 if not, 2 when
 * the last attempt failed, -1 on a journal error. */
static int journaled(struct runtime *rt, const struct mf_acs *r)
{
	struct jr_acs a;
	char *list;
	int rc, same;

	if (!rt->j)
		return 0;
	rc = journal_get_acs(rt->j, r->tenant_id, r->object_id, &a);
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	list = jr_acs_client_list(r->client_ids, r->n_client_ids);
	same = a.present == !r->absent &&
	       strcmp(a.principal_type, r->principal_type) == 0 &&
	       strcmp(a.client_ids, list) == 0;
	rc = same && a.status == (r->absent ? JR_ACS_ABSENT_CONFIRMED
					    : JR_ACS_CONFIRMED)
		     ? 1
	     : a.status == JR_ACS_FAILED ? 2
					 : 0;
	free(list);
	jr_acs_release(&a);
	return rc;
}

/* One GET: 0 with *diff NULL when the tenant matches the row, or *diff
 * set to what differs (caller frees); else an exit status. */
static int live_diff(struct runtime *rt, struct http_client *c,
		     const struct mf_acs *r, char **diff)
{
	struct http_request req;
	struct http_response res;
	char *path = acs_assignment_path(rt->cfg.acs.api_version, r->tenant_id,
					 r->object_id);
	char *url = api_url(&rt->apis[API_ACS], path), *msg;
	int rc;

	*diff = NULL;
	memset(&req, 0, sizeof(req));
	req.method = "GET";
	req.url = url;
	http_response_init(&res);
	rc = rt_request(rt, API_ACS, c, &req, &res);
	if (rc == TP_EXIT_NOPERM)
		fprintf(stderr, "teamsprov: acs: likely cause: %s\n",
			acs_refusal_hint(rt->apis[API_ACS].hmac != NULL));
	if (rc == 0 &&
	    acs_judge(r->absent, r->principal_type, r->client_ids,
		      r->n_client_ids, res.status, res.body.p, res.body.len,
		      diff) < 0) {
		msg = acs_error_message(&req, &res);
		fprintf(stderr, "teamsprov: acs: %s\n", msg);
		free(msg);
		rc = TP_EXIT_FAILED;
	}
	http_response_release(&res);
	free(url);
	free(path);
	return rc;
}

static void print_change(const struct mf_acs *r, const char *why)
{
	if (r->absent)
		printf("revoke ACS assignment %s/%s%s%s\n", r->tenant_id,
		       r->object_id, why ? " " : "", why ? why : "");
	else
		printf("grant ACS assignment %s/%s (%s, %zu client id%s)%s%s\n",
		       r->tenant_id, r->object_id, r->principal_type,
		       r->n_client_ids, r->n_client_ids == 1 ? "" : "s",
		       why ? " " : "", why ? why : "");
}

int plan_acs(struct runtime *rt, bool live, size_t *changes)
{
	const struct manifest *m = rt->m;
	struct http_client *c = NULL;
	char *diff, *why;
	size_t i;
	int rc = 0, jr;

	for (i = 0; rc == 0 && i < m->n_acs; i++) {
		const struct mf_acs *r = &m->acs[i];

		if (!selected(rt, r))
			continue;
		jr = journaled(rt, r);
		if (jr < 0) {
			fprintf(stderr, "teamsprov: %s: %s\n", rt->state_path,
				journal_errmsg(rt->j));
			return TP_EXIT_DATAERR;
		}
		if (!live) {
			if (jr != 1) {
				print_change(r, jr == 2 ? "(failed last time)"
							: NULL);
				(*changes)++;
			}
			continue;
		}
		if (!c) {
			if ((rc = rt_setup_api(rt, API_ACS)) != 0)
				break;
			c = http_client_new(&rt->http);
		}
		rc = live_diff(rt, c, r, &diff);
		if (rc != 0)
			break;
		if (diff) {
			why = xasprintf("(drift: %s)", diff);
			print_change(r, why);
			free(why);
			free(diff);
			(*changes)++;
		} else if (jr != 1) {
			/* As the manifest says, but unknown to the journal:
			 * apply sends the PUT/DELETE again and confirms. */
			print_change(r, "(already so in the tenant; apply "
					"will confirm it)");
			(*changes)++;
		}
	}
	http_client_free(c);
	return rc;
}
