/*
 * plan_fusion: the Fusion part of plan (see plan_fusion.h).
 */
#include "plan_fusion.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exitcode.h"
#include "fusion.h"
#include "journal_fusion.h"
#include "reconcile.h"

/* Fusion's word for the subscription's MS Teams state ("onboarded",
 * "not_initiated", ...), or NULL with the reason printed. */
static char *remote_status(struct runtime *rt, struct http_client *c,
			   const struct mf_fusion *f, int *rc)
{
	char *path = fusion_path(f->draas_instance
					 ? f->draas_instance
					 : rt->cfg.fusion.draas_instance,
				 f->tenant, f->subscription, "msteams/status");
	char *url = api_url(&rt->apis[API_FUSION], path);
	struct http_request req;
	struct http_response res;
	char *out = NULL;
	cJSON *j;

	memset(&req, 0, sizeof(req));
	req.method = "GET";
	req.url = url;
	http_response_init(&res);
	*rc = rt_request(rt, API_FUSION, c, &req, &res);
	if (*rc == 0 && res.status == 200 && (j = http_json(&res))) {
		const char *s = json_get_str(j, "status");

		out = xstrdup(s ? s : "unknown");
		cJSON_Delete(j);
	} else if (*rc == 0) {
		char *m = http_status_message(&req, &res);

		fprintf(stderr, "teamsprov: %s\n", m);
		free(m);
		*rc = res.status == 401 || res.status == 403 ? TP_EXIT_NOPERM
							     : TP_EXIT_FAILED;
	}
	http_response_release(&res);
	free(url);
	free(path);
	return out;
}

static void plan_app(struct runtime *rt, const struct mf_fusion *f,
		     const struct jr_wizard *w, const char *item,
		     size_t *work)
{
	char *secret = NULL, *err = NULL;
	char fp[JR_FP_SIZE];

	if (!w->application_id ||
	    str_casecmp(w->application_id, f->application_id) != 0) {
		printf("register the application of %s\n", item);
		++*work;
		return;
	}
	if (secret_read(&f->secret, rt->m->dir, NULL, &secret, &err) < 0) {
		printf("check the secret of %s (%s)\n", item, err);
		free(err);
		return;
	}
	jr_secret_fingerprint(secret, fp);
	secret_free(secret);
	if (!w->secret_fp || strcmp(w->secret_fp, fp) != 0) {
		printf("reset the application secret of %s (changed)\n",
		       item);
		++*work;
	}
}

static void plan_row(struct runtime *rt, const struct mf_fusion *f,
		     const struct jr_wizard *w, const char *remote,
		     const char *item, size_t *work)
{
	bool onboarded = remote && strcmp(remote, "onboarded") == 0;

	if (f->has_link) {
		if (w->status == JR_WIZ_DONE && (!remote || onboarded))
			return;
		printf("link %s to subscription %" PRId64 "%s\n", item,
		       f->link_subscription,
		       w->status == JR_WIZ_DONE ? " (journaled linked, but "
						  "Fusion says not onboarded)"
						: "");
		++*work;
		return;
	}
	plan_app(rt, f, w, item, work);
	if (onboarded && w->status != JR_WIZ_DONE) {
		printf("adopt %s (onboarded remotely, %s in the journal)\n",
		       item, jr_wiz_status_name(w->status));
		++*work;
		return;
	}
	switch (w->status) {
	case JR_WIZ_DONE:
		if (remote && !onboarded)
			printf("drift: %s is journaled onboarded, Fusion says "
			       "%s (teamsprov fusion unlink, or forget it)\n",
			       item, remote);
		break;
	case JR_WIZ_RUNNING:
		printf("wait for the wizard of %s (running %d/%d%s%s)\n", item,
		       w->steps_done, w->steps_total ? w->steps_total : 6,
		       remote ? ", Fusion says " : "", remote ? remote : "");
		++*work;
		break;
	case JR_WIZ_FAILED:
		printf("restart the wizard of %s with apply "
		       "--restart-failed (failed%s%s)\n",
		       item, w->message ? ": " : "",
		       w->message ? w->message : "");
		break;
	case JR_WIZ_NONE:
	case JR_WIZ_STARTING:
	default:
		printf("start the wizard of %s\n", item);
		++*work;
	}
}

int plan_fusion(struct runtime *rt, bool live, size_t *work)
{
	const struct manifest *m = rt->m;
	struct http_client *c = NULL;
	size_t i, before = *work;
	int rc = 0;

	if (m->n_fusion == 0)
		return 0;
	if (live) {
		if ((rc = rt_setup_api(rt, API_FUSION)) != 0)
			return rc;
		c = http_client_new(&rt->http);
	}
	for (i = 0; rc == 0 && i < m->n_fusion; i++) {
		const struct mf_fusion *f = &m->fusion[i];
		struct jr_wizard w;
		char *item, *remote = NULL;

		if (rt->g->n_only &&
		    (!f->enterprise ||
		     !rc_selected(rt->g->only, rt->g->n_only, f->enterprise)))
			continue;
		memset(&w, 0, sizeof(w));
		if (rt->j && journal_get_wizard(rt->j, f->tenant,
						f->subscription, &w) < 0) {
			fprintf(stderr, "teamsprov: %s: %s\n", rt->state_path,
				journal_errmsg(rt->j));
			rc = TP_EXIT_DATAERR;
			break;
		}
		if (live && !(remote = remote_status(rt, c, f, &rc))) {
			jr_wizard_release(&w);
			break;
		}
		item = xasprintf("fusion %s/%" PRId64, f->tenant,
				 f->subscription);
		plan_row(rt, f, &w, remote, item, work);
		free(item);
		free(remote);
		jr_wizard_release(&w);
	}
	http_client_free(c);
	if (rc == 0 && *work > before)
		printf("fusion: %zu action%s\n", *work - before,
		       *work - before == 1 ? "" : "s");
	return rc;
}
