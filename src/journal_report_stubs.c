/*
 * journal_report_stubs: TEMPORARY stand-ins for the Fusion and ACS journal
 * interfaces (journal_fusion.h, journal_acs.h) that the Fusion and ACS
 * branches implement, so that the report builds and runs before they are
 * merged: the walks visit no rows. DELETE THIS FILE when the Fusion and ACS
 * branches merge (their journal_fusion.c and journal_acs.c define these
 * symbols, and the link fails with duplicates until it is gone).
 */
#include <stdlib.h>

#include "journal_acs.h"
#include "journal_fusion.h"

const char *jr_wiz_status_name(enum jr_wiz_status s)
{
	static const char *const names[] = {"none", "starting", "running",
	                                    "done", "failed"};

	return (unsigned)s < 5 ? names[s] : "unknown";
}

void jr_wizard_release(struct jr_wizard *w)
{
	free(w->tenant);
	free(w->enterprise);
	free(w->transaction_id);
	free(w->steps_json);
	free(w->message);
}

int journal_each_wizard(struct journal *j, const char *enterprise,
                        int (*fn)(const struct jr_wizard *w, void *arg),
                        void *arg)
{
	(void)j, (void)enterprise, (void)fn, (void)arg;
	return 0;
}

const char *jr_acs_status_name(enum jr_acs_status s)
{
	static const char *const names[] = {"pending", "confirmed",
	                                    "absent_confirmed", "failed"};

	return (unsigned)s < 4 ? names[s] : "unknown";
}

void jr_acs_release(struct jr_acs *a)
{
	free(a->tenant_id);
	free(a->object_id);
	free(a->principal_type);
	free(a->client_ids);
	free(a->enterprise);
	free(a->last_error);
}

int journal_each_acs(struct journal *j, const char *enterprise,
                     int (*fn)(const struct jr_acs *a, void *arg), void *arg)
{
	(void)j, (void)enterprise, (void)fn, (void)arg;
	return 0;
}
