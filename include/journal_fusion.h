/* include/journal_fusion.h */
#ifndef TP_JOURNAL_FUSION_H
#define TP_JOURNAL_FUSION_H
#include <stdint.h>
#include "journal.h"
enum jr_wiz_status {
	JR_WIZ_NONE,     /* nothing done yet for this row */
	JR_WIZ_STARTING, /* application registered/linked, wizard not started */
	JR_WIZ_RUNNING,  /* wizard started, polling */
	JR_WIZ_DONE,
	JR_WIZ_FAILED,
};
struct jr_wizard {
	char *tenant;          /* Fusion tenant UUID */
	int64_t subscription;
	int64_t link_to;       /* link_subscription, 0 for an onboarding row */
	char *enterprise;      /* enterprises.csv name; NULL if none */
	enum jr_wiz_status status;
	char *transaction_id;  /* NULL until the wizard is started */
	int steps_total;       /* steps the wizard reported (0 until polled) */
	int steps_done;        /* steps executed */
	char *steps_json;      /* last polled step list: JSON array of
	                          {"name":str,"executed":bool,"text":str|null};
	                          NULL until polled */
	char *message;         /* failure message; NULL if none */
	int64_t started_at;    /* unix ms; 0 until started */
	int64_t updated_at;    /* unix ms */
};
const char *jr_wiz_status_name(enum jr_wiz_status s); /* "none","starting","running","done","failed" */
void jr_wizard_release(struct jr_wizard *w);
/* Every wizard row of one enterprise (NULL: all), by tenant then
 * subscription; fn's non-zero return stops the walk and is returned;
 * -1 on a database error. */
int journal_each_wizard(struct journal *j, const char *enterprise,
			int (*fn)(const struct jr_wizard *w, void *arg), void *arg);
#endif
