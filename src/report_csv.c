/*
 * report_csv: the cell writer and the CSV reports of spec §7
 * (pending_consents.csv, enterprises.csv, enterprises/<slug>.csv).
 */
#include <string.h>

#include "report.h"
#include "report_csv.h"

static void cell(struct buf *out, const char *s, char sep, int neutralise)
{
	size_t n = s ? strlen(s) : 0;
	int quote = n && (strpbrk(s, ",\"\r\n") || s[0] == ' ' ||
	                  s[n - 1] == ' ' || s[0] == '\t' || s[n - 1] == '\t');
	int lead = neutralise && n && strchr("=+-@\t\r", s[0]);

	if (quote || lead) {
		/* A quoted cell keeps the "'" inside the quotes, where a
		 * spreadsheet sees it as the first character of the text. */
		buf_addc(out, '"');
		if (lead)
			buf_addc(out, '\'');
		for (; *s; s++) {
			if (*s == '"')
				buf_addc(out, '"');
			buf_addc(out, *s);
		}
		buf_addc(out, '"');
	} else if (n) {
		buf_add(out, s, n);
	}
	buf_addc(out, sep);
}

void csv_cell(struct buf *out, const char *s, char sep)
{
	cell(out, s, sep, 1);
}

void csv_cell_raw(struct buf *out, const char *s, char sep)
{
	cell(out, s, sep, 0);
}

static const char *const req_names[] = {"mandatory", "recommended", "optional",
                                        "on demand"};

static void action_row(struct buf *out, const struct rp_ent *e,
                       const struct rp_action *a, const char *status)
{
	char when[32];

	rp_iso_time(a->issued_at, when);
	csv_cell(out, e->name, ',');
	csv_cell(out, a->type, ',');
	csv_cell(out, a->consent, ',');
	csv_cell(out, req_names[a->req], ',');
	csv_cell(out, status, ',');
	csv_cell(out, a->url, ',');
	csv_cell(out, when, ',');
	csv_cell(out, a->detail, '\n');
}

#define ACTION_HEADER                                                          \
	"enterprise,action_type,consent_type,requirement,status,url,"          \
	"url_issued_at,detail\n"

void report_pending_csv(const struct rp_model *m, struct buf *out)
{
	size_t i, k;

	buf_adds(out, ACTION_HEADER);
	for (i = 0; i < m->n_ent; i++) {
		const struct rp_ent *e = &m->ent[i];

		for (k = 0; k < e->n_act; k++) {
			const struct rp_action *a = &e->act[k];

			if (a->req == ACT_ON_DEMAND || a->state == RP_GRANTED ||
			    a->state == RP_CONFIRMED)
				continue;
			action_row(out, e, a, rp_state_simple(a->state));
		}
	}
}

void report_ent_csv(const struct rp_ent *e, struct buf *out)
{
	size_t k;

	buf_adds(out, ACTION_HEADER);
	for (k = 0; k < e->n_act; k++)
		action_row(out, e, &e->act[k], rp_state_name(e->act[k].state));
}

static const char *c2t_status(const struct rp_ent *e)
{
	return e->journaled ? jr_ent_status_name(e->status) : "pending";
}

void report_enterprises_csv(const struct rp_model *m, struct buf *out)
{
	struct buf b;
	size_t i;

	buf_init(&b);
	buf_adds(out, "enterprise,enterprise_id,c2t_status,registered,"
	              "mandatory_pending,optional_pending,fusion_wizard,acs,"
	              "last_error\n");
	for (i = 0; i < m->n_ent; i++) {
		const struct rp_ent *e = &m->ent[i];
		const char *err = e->last_error;
		size_t k;

		csv_cell(out, e->name, ',');
		if (e->id > 0)
			buf_addf(out, "%lld", (long long)e->id);
		buf_addc(out, ',');
		csv_cell(out, c2t_status(e), ',');
		csv_cell(out, e->registered ? "yes" : "no", ',');
		buf_addf(out, "%d,%d,", e->mandatory_pending,
		         e->recommended_pending + e->optional_pending);
		buf_reset(&b);
		rp_wizard_summary(e, &b);
		csv_cell(out, b.p, ',');
		buf_addf(out, "%d/%d,", e->acs_confirmed, e->acs_present);
		for (k = 0; !err && k < e->n_wiz; k++)
			if (e->wiz[k].status == JR_WIZ_FAILED)
				err = e->wiz[k].message;
		for (k = 0; !err && k < e->n_acs; k++)
			if (e->acs[k].status == JR_ACS_FAILED)
				err = e->acs[k].last_error;
		csv_cell(out, err, '\n');
	}
	buf_release(&b);
}
