/*
 * report_summary: summary.json, the report's totals for machines (cron,
 * monitoring). The keys are stable and documented in teamsprov(1); new
 * keys may be added, none is renamed or removed.
 */
#include <stdlib.h>

#include <cjson/cJSON.h>

#include "report.h"

static cJSON *obj(cJSON *parent, const char *name)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddItemToObject(parent, name, o);
	return o;
}

#define NUM(o, k, v) cJSON_AddNumberToObject(o, k, (double)(v))

void report_summary_json(const struct rp_model *m, struct buf *out)
{
	const struct rp_totals *t = &m->t;
	cJSON *root = cJSON_CreateObject(), *o;
	char when[32], *s;

	rp_iso_time(m->generated_at, when);
	cJSON_AddStringToObject(root, "generated_at", when);
	o = obj(root, "enterprises");
	NUM(o, "total", t->enterprises);
	NUM(o, "created", t->created);
	NUM(o, "failed", t->failed);
	NUM(o, "registered", t->registered);
	NUM(o, "with_mandatory_pending", t->ent_with_mandatory_pending);
	o = obj(root, "consents");
	NUM(o, "mandatory_pending", t->mandatory_pending);
	NUM(o, "recommended_pending", t->recommended_pending);
	NUM(o, "optional_pending", t->optional_pending);
	NUM(o, "granted", t->granted);
	NUM(o, "error", t->error);
	o = obj(root, "wizards");
	NUM(o, "none", t->wiz_none);
	NUM(o, "running", t->wiz_running);
	NUM(o, "done", t->wiz_done);
	NUM(o, "failed", t->wiz_failed);
	o = obj(root, "acs");
	NUM(o, "present", t->acs_present);
	NUM(o, "confirmed", t->acs_confirmed);
	NUM(o, "absent_confirmed", t->acs_absent_confirmed);
	NUM(o, "failed", t->acs_failed);
	s = cJSON_Print(root);
	if (!s)
		abort(); /* cJSON fails only when memory runs out */
	buf_adds(out, s);
	buf_addc(out, '\n');
	cJSON_free(s);
	cJSON_Delete(root);
}
