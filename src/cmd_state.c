/*
 * teamsprov state list|show NAME|forget NAME: look into the journal, or
 * make it forget an enterprise (so that the next apply treats it as new:
 * it is adopted if it still exists). list and show are read-only and
 * never wait for the state lock; forget takes it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "actions.h"
#include "commands.h"
#include "journal_acs.h"
#include "exitcode.h"
#include "http.h"
#include "journal_fusion.h"
#include "runtime.h"

/* ISO 8601 UTC of a unix-ms time; "-" for 0. */
static void iso_time(int64_t ms, char out[32])
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (ms <= 0 || !gmtime_r(&t, &tm)) {
		strcpy(out, "-");
		return;
	}
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

struct counts {
	size_t issued, granted, error, total;
};

static int count_action(const struct jr_action *a, void *arg)
{
	struct counts *c = arg;

	c->total++;
	c->issued += a->status == JR_ACT_ISSUED;
	c->granted += a->status == JR_ACT_GRANTED ||
		      a->status == JR_ACT_CONFIRMED;
	c->error += a->status == JR_ACT_ERROR;
	return 0;
}

static int list_one(const struct jr_enterprise *e, void *arg)
{
	struct journal *j = arg;
	struct counts c = {0, 0, 0, 0};
	char *q = str_quote(e->name, 256);

	journal_each_action(j, e->name, count_action, &c);
	printf("%-40s %-8s %12lld %-13s urls %zu issued, %zu granted, %zu "
	       "error\n",
	       q, jr_ent_status_name(e->status), (long long)e->id,
	       e->registered ? "registered" : "unregistered", c.issued,
	       c.granted, c.error);
	free(q);
	return 0;
}

static int show_action(const struct jr_action *a, void *arg)
{
	char when[32];

	(void)arg;
	iso_time(a->issued_at, when);
	printf("  %-40s %-9s issued %s\n", a->action,
	       jr_act_status_name(a->status), when);
	if (a->status == JR_ACT_GRANTED && act_find(a->action) &&
	    act_find(a->action)->consent)
		printf("    confirmation with ConnecttoTeams pending an admin "
		       "sign-in\n");
	if (a->url)
		printf("    url: %s\n", a->url);
	if (a->detail) {
		char *q = str_quote(a->detail, 300);
		printf("    detail: %s\n", q);
		free(q);
	}
	return 0;
}

/* The Fusion and ACS rows of one enterprise, collected before they are
 * dropped (a walk must not change the table it reads). */
struct owned_rows {
	struct jr_wizard *wiz;
	size_t n_wiz;
	struct jr_acs *acs;
	size_t n_acs;
};

static int collect_wizard(const struct jr_wizard *w, void *arg)
{
	struct owned_rows *o = arg;

	o->wiz = xrealloc(o->wiz, (o->n_wiz + 1) * sizeof(*o->wiz));
	memset(&o->wiz[o->n_wiz], 0, sizeof(*o->wiz));
	o->wiz[o->n_wiz].tenant = xstrdup(w->tenant);
	o->wiz[o->n_wiz++].subscription = w->subscription;
	return 0;
}

static int collect_acs(const struct jr_acs *a, void *arg)
{
	struct owned_rows *o = arg;

	o->acs = xrealloc(o->acs, (o->n_acs + 1) * sizeof(*o->acs));
	memset(&o->acs[o->n_acs], 0, sizeof(*o->acs));
	o->acs[o->n_acs].tenant_id = xstrdup(a->tenant_id);
	o->acs[o->n_acs++].object_id = xstrdup(a->object_id);
	return 0;
}

/*
 * Drops an enterprise with its actions (one transaction), then its Fusion
 * wizard rows and its ACS assignment rows (another): the next apply treats
 * all of them as new (a wizard found running or done is adopted, an
 * assignment is put and confirmed again), so rows left by a crash between
 * the two are harmless. 0, 1 when the enterprise is unknown, -1.
 */
static int forget_all(struct journal *j, const char *name)
{
	struct owned_rows o = {0};
	size_t i;
	int r;

	r = journal_forget_enterprise(j, name);
	if (r != 0)
		return r;
	if (journal_begin(j) < 0)
		return -1;
	r = journal_each_wizard(j, name, collect_wizard, &o);
	if (r == 0)
		r = journal_each_acs(j, name, collect_acs, &o);
	for (i = 0; r == 0 && i < o.n_wiz; i++)
		r = journal_forget_wizard(j, o.wiz[i].tenant,
					  o.wiz[i].subscription) < 0 ? -1 : 0;
	for (i = 0; r == 0 && i < o.n_acs; i++)
		r = journal_forget_acs(j, o.acs[i].tenant_id,
				       o.acs[i].object_id) < 0 ? -1 : 0;
	for (i = 0; i < o.n_wiz; i++)
		free(o.wiz[i].tenant);
	for (i = 0; i < o.n_acs; i++) {
		free(o.acs[i].tenant_id);
		free(o.acs[i].object_id);
	}
	free(o.wiz);
	free(o.acs);
	if (r != 0) {
		journal_rollback(j);
		return r;
	}
	return journal_commit(j) < 0 ? -1 : 0;
}

static int list_wizard(const struct jr_wizard *w, void *arg)
{
	char *q = w->enterprise ? str_quote(w->enterprise, 256) : NULL;

	(void)arg;
	printf("fusion %s/%lld %-8s", w->tenant, (long long)w->subscription,
	       jr_wiz_status_name(w->status));
	if (w->link_to)
		printf(" link to %lld", (long long)w->link_to);
	else
		printf(" steps %d/%d", w->steps_done, w->steps_total);
	printf("%s%s\n", q ? " enterprise " : "", q ? q : "");
	free(q);
	return 0;
}

static int show_wizard(const struct jr_wizard *w, void *arg)
{
	char when[32];
	char *q = str_quote(w->tenant, 64);

	(void)arg;
	iso_time(w->started_at, when);
	printf("  fusion %s/%lld %-8s", w->tenant, (long long)w->subscription,
	       jr_wiz_status_name(w->status));
	if (w->link_to)
		printf(" link to %lld", (long long)w->link_to);
	else
		printf(" steps %d/%d started %s transaction %s",
		       w->steps_done, w->steps_total, when,
		       w->transaction_id ? w->transaction_id : "-");
	printf("\n");
	if (w->steps_json) {
		cJSON *a = cJSON_Parse(w->steps_json), *s;

		cJSON_ArrayForEach(s, a)
		{
			const char *n = json_get_str(s, "name");
			const char *t = json_get_str(s, "text");
			char *qn = str_quote(n ? n : "?", 40);
			char *qt = str_quote(t ? t : "", 120);

			printf("    %s %s %s\n", qn,
			       cJSON_IsTrue(cJSON_GetObjectItem(s, "executed"))
				       ? "[x]"
				       : "[ ]",
			       qt);
			free(qn);
			free(qt);
		}
		cJSON_Delete(a);
	}
	if (w->message) {
		char *m = str_quote(w->message, 300);
		printf("    message: %s\n", m);
		free(m);
	}
	free(q);
	return 0;
}

static int show_acs(const struct jr_acs *a, void *arg)
{
	char when[32];

	if (!*(int *)arg)
		printf("ACS assignments:\n");
	*(int *)arg = 1;
	iso_time(a->confirmed_at, when);
	printf("  %s/%s %s %-16s confirmed %s\n", a->tenant_id, a->object_id,
	       a->principal_type, jr_acs_status_name(a->status), when);
	if (a->client_ids[0])
		printf("    client ids: %s\n", a->client_ids);
	if (a->last_error)
		printf("    last error: %s\n", a->last_error);
	return 0;
}

static int show(struct journal *j, const char *name)
{
	struct jr_enterprise e;
	char when[32], *q;
	int rc = journal_get_enterprise(j, name, &e);

	if (rc < 0)
		return -1;
	if (rc == 1) {
		q = str_quote(name, 256);
		fprintf(stderr, "teamsprov: no enterprise %s in the journal\n",
			q);
		free(q);
		return 1;
	}
	q = str_quote(e.name, 256);
	iso_time(e.updated_at, when);
	printf("enterprise %s\n  status: %s\n  id: %lld\n  registered: %s\n",
	       q, jr_ent_status_name(e.status), (long long)e.id,
	       e.registered ? "yes" : "no");
	printf("  create requests sent: %d (%d ambiguous)\n", e.sent,
	       e.ambiguous);
	if (e.tenant_id) {
		char *t = str_quote(e.tenant_id, 64);
		char *ad = e.admin_id ? str_quote(e.admin_id, 256) : NULL;
		printf("  tenant: %s\n  admin: %s\n", t, ad ? ad : "-");
		free(t);
		free(ad);
	}
	printf("  tenant admin API: %s\n",
	       e.tenant_admin_api < 0 ? "unknown"
	       : e.tenant_admin_api ? "yes" : "no");
	if (e.last_error)
		printf("  last error: %s\n", e.last_error);
	printf("  updated: %s\nactions:\n", when);
	free(q);
	rc = journal_each_action(j, e.name, show_action, NULL);
	if (rc == 0)
		rc = journal_each_wizard(j, e.name, show_wizard, NULL);
	if (rc == 0)
		rc = journal_each_acs(j, e.name, show_acs, &(int){0});
	jr_enterprise_release(&e);
	return rc < 0 ? -1 : 0;
}

int cmd_state(int argc, char **argv, struct tp_globals *g)
{
	struct runtime rt;
	const char *sub = argc > 1 ? argv[1] : "";
	bool forget = strcmp(sub, "forget") == 0;
	int rc, r;

	if (strcmp(sub, "list") == 0 ? argc != 2
	    : (strcmp(sub, "show") == 0 || forget) ? argc != 3
						    : 1)
		return cli_usage_error("state", "state wants list, show NAME "
						"or forget NAME");
	rt_init(&rt, g);
	rc = rt_open_state(&rt, forget ? JOURNAL_WRITE : JOURNAL_READ);
	if (rc != 0)
		return rt_release(&rt, rc);
	if (strcmp(sub, "list") == 0) {
		r = journal_each_enterprise(rt.j, list_one, rt.j);
		if (r == 0)
			r = journal_each_wizard(rt.j, NULL, list_wizard, NULL);
	} else if (!forget) {
		r = show(rt.j, argv[2]);
	} else {
		char *q = str_quote(argv[2], 256);

		r = forget_all(rt.j, argv[2]);
		if (r == 0)
			printf("forgot %s\n", q);
		else if (r == 1)
			fprintf(stderr,
				"teamsprov: no enterprise %s in the journal\n",
				q);
		free(q);
	}
	if (r < 0) {
		fprintf(stderr, "teamsprov: %s: %s\n", rt.state_path,
			journal_errmsg(rt.j));
		rc = TP_EXIT_DATAERR;
	} else if (r == 1) {
		rc = TP_EXIT_FAILED;
	}
	return rt_release(&rt, rc);
}
