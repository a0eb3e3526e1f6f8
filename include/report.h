/*
 * report: the model behind `teamsprov report` (spec §7), built from the
 * manifest (what each enterprise needs, spec §4) and the journal (what has
 * happened: enterprises, action URLs, Fusion wizards, ACS assignments), and
 * the writers of every report file. The writers only append to a struct
 * buf; report_out.h puts the bytes on disk.
 *
 * Ownership: struct rp_model owns every string and record reachable from
 * it (wizard and ACS records are deep copies); rp_model_release frees all.
 * Pointers into the manifest (rp_ent.mf) are borrowed: the manifest must
 * outlive the model.
 */
#ifndef TP_REPORT_H
#define TP_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "actions.h"
#include "journal.h"
#include "journal_acs.h"
#include "journal_fusion.h"
#include "manifest.h"
#include "util.h"

/* How an action stands, for the report. */
enum rp_state { RP_PENDING, RP_ISSUED, RP_GRANTED, RP_CONFIRMED, RP_ERROR };

struct rp_action {
	char *type;          /* e.g. "GET_AGENT_CONSENT" */
	const char *consent; /* "Agent"; "" when none (static) */
	enum act_requirement req;
	int order; /* index in act_defs (sorting) */
	enum rp_state state;
	char *url;         /* NULL until issued */
	int64_t issued_at; /* unix ms; 0 until issued */
	char *detail;      /* NULL if none */
};

struct rp_ent {
	char *name;
	char *slug; /* unique file name stem (report_slug.h) */
	const struct mf_enterprise *mf; /* NULL when not in the manifest */
	int journaled;                  /* the journal knows it */
	enum jr_ent_status status;
	int64_t id;
	int registered;
	char *last_error; /* NULL if none */
	struct rp_action *act;
	size_t n_act, cap_act;
	struct jr_wizard *wiz; /* deep copies */
	size_t n_wiz, cap_wiz;
	struct jr_acs *acs; /* deep copies */
	size_t n_acs, cap_acs;
	/* derived by rp_model_finish */
	int mandatory_pending; /* REGISTRATION and mandatory consents */
	int recommended_pending, optional_pending;
	int mandatory_total, granted, errors, actions_total;
	int acs_present, acs_confirmed;
	int failed; /* some item of it failed */
};

struct rp_totals {
	size_t enterprises, created, failed, registered;
	size_t mandatory_pending, recommended_pending, optional_pending;
	size_t granted, error;
	size_t req_total[3], req_granted[3]; /* per act_requirement < 3 */
	size_t wiz_none, wiz_running, wiz_done, wiz_failed;
	size_t acs_present, acs_confirmed, acs_absent_confirmed, acs_failed;
	size_t ent_with_mandatory_pending;
};

struct rp_index;

struct rp_model {
	struct rp_ent *ent; /* sorted by name after rp_model_finish */
	size_t n_ent, cap_ent;
	struct rp_totals t;
	int64_t generated_at; /* unix ms */
	struct rp_index *idx; /* name lookup */
	/* Wizard and ACS rows that name no enterprise of the report (its
	 * name is NULL; it is in no list and no total of enterprises). */
	struct rp_ent orphans;
};

void rp_model_init(struct rp_model *m, int64_t now_ms);
void rp_model_release(struct rp_model *m);

/* The enterprise called name (ASCII case-insensitive), added when absent
 * when create is set; else NULL when absent. */
struct rp_ent *rp_ent_get(struct rp_model *m, const char *name, int create);

/* Adds every enterprise of the manifest with the actions it needs
 * (pending until the journal says otherwise). */
void rp_model_add_manifest(struct rp_model *m, const struct manifest *mf);
/* Records from the journal (or from tests): each is copied. */
void rp_model_put_enterprise(struct rp_model *m, const struct jr_enterprise *e);
void rp_model_put_action(struct rp_model *m, const struct jr_action *a);
void rp_model_put_wizard(struct rp_model *m, const struct jr_wizard *w);
void rp_model_put_acs(struct rp_model *m, const struct jr_acs *a);
/* Walks the journal into the model; 0, or -1 on a database error. */
int rp_model_load_journal(struct rp_model *m, struct journal *j);
/* Sorts, assigns slugs, derives the counts and totals. Call once, last. */
void rp_model_finish(struct rp_model *m);

/* "pending", "issued", "granted", "confirmed", "error". */
const char *rp_state_name(enum rp_state s);
/* The consent report's status: "pending" (pending or issued), "error",
 * "granted" (granted or confirmed). */
const char *rp_state_simple(enum rp_state s);
/* The enterprises.csv fusion_wizard cell of e: "none", "starting",
 * "running k/6", "done", "failed"; with several rows the least advanced
 * and "(D of N done)". Appended to out. */
void rp_wizard_summary(const struct rp_ent *e, struct buf *out);
/* ISO 8601 UTC ("2026-12-06T15:04:05Z") of a unix-ms time; "" for 0. */
void rp_iso_time(int64_t ms, char out[32]);

/* --- writers (append to out) ---------------------------------------- */

/* report_csv.c: the CSV reports, every cell neutralised (spec §7). */
void report_pending_csv(const struct rp_model *m, struct buf *out);
void report_enterprises_csv(const struct rp_model *m, struct buf *out);
void report_ent_csv(const struct rp_ent *e, struct buf *out);

/* report_page.c: the HTML pages (report_html.h has the escaping). */
void report_index_html(const struct rp_model *m, struct buf *out);
void report_ent_html(const struct rp_model *m, const struct rp_ent *e,
                     struct buf *out);
/* The wizard step list of w as an HTML table (or a note when it was never
 * polled); the ACS assignment table of e. Parts of report_ent_html. */
void report_wizard_html(const struct jr_wizard *w, struct buf *out);
void report_acs_html(const struct rp_ent *e, struct buf *out);

/* report_summary.c: summary.json with the stable keys of teamsprov(1). */
void report_summary_json(const struct rp_model *m, struct buf *out);

#endif
