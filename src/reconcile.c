/*
 * reconcile: manifest against journal, per enterprise (see reconcile.h).
 */
#include "reconcile.h"

#include <string.h>

#include "util.h"

bool rc_selected(const char *const *only, size_t n, const char *name)
{
	size_t i;

	if (n == 0)
		return true;
	for (i = 0; i < n; i++)
		if (str_casecmp(only[i], name) == 0)
			return true;
	return false;
}

static enum rc_url_reason url_reason(const struct jr_action *a, bool found,
				     bool registered, bool is_registration,
				     const struct rc_options *o)
{
	if (is_registration && registered)
		return RC_URL_NONE;
	if (!found || a->status == JR_ACT_PENDING || !a->url)
		return RC_URL_NEW;
	/* A sign-in link the admin has used is spent: asking for one
	 * (urls --action LOGIN_ENTERPRISE_ADMIN) gets a new one. */
	if (a->status == JR_ACT_GRANTED &&
	    strcmp(a->action, "LOGIN_ENTERPRISE_ADMIN") == 0)
		return RC_URL_NEW;
	switch (a->status) {
	case JR_ACT_GRANTED:
	case JR_ACT_CONFIRMED:
		return RC_URL_NONE;
	case JR_ACT_ERROR:
		return o->refresh ? RC_URL_REFRESH : RC_URL_NONE;
	default:
		break;
	}
	if (o->refresh)
		return RC_URL_REFRESH;
	if (o->max_age_ms > 0 && o->now_ms - a->issued_at > o->max_age_ms)
		return RC_URL_EXPIRED;
	return RC_URL_NONE;
}

int rc_enterprise(struct journal *j, const struct mf_enterprise *e,
		  const struct rc_options *o, struct rc_enterprise *out)
{
	struct jr_enterprise je;
	size_t i, n;
	int rc = 1;

	memset(out, 0, sizeof(*out));
	memset(&je, 0, sizeof(je));
	if (j && (rc = journal_get_enterprise(j, e->name, &je)) < 0)
		return -1;
	out->create = rc != 0 || (je.status != JR_ENT_CREATED &&
				  je.status != JR_ENT_ADOPTED);
	out->failed = rc == 0 && je.status == JR_ENT_FAILED;
	n = act_needed(e->services, e->consents, out->need);
	if (o->only_action) {
		/* One action, at the matrix's level when it is in it. */
		const struct act_def *d = act_find(o->only_action);
		enum act_requirement req = ACT_ON_DEMAND;

		for (i = 0; i < n; i++)
			if (out->need[i].def == d)
				req = out->need[i].req;
		out->need[0].def = d;
		out->need[0].req = req;
		n = d ? 1 : 0;
	}
	out->n_need = n;
	for (i = 0; i < n; i++) {
		struct jr_action a;
		int found = 0;

		if (j && !out->create) {
			found = journal_get_action(j, e->name,
						   out->need[i].def->type, &a);
			if (found < 0) {
				jr_enterprise_release(&je);
				return -1;
			}
			found = found == 0;
		}
		out->url[i] = url_reason(
			found ? &a : NULL, found, je.registered,
			strcmp(out->need[i].def->type, "REGISTRATION") == 0, o);
		if (out->url[i] != RC_URL_NONE)
			out->n_urls++;
		if (found)
			jr_action_release(&a);
	}
	jr_enterprise_release(&je);
	return 0;
}
