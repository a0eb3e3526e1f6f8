/* include/journal_acs.h */
#ifndef TP_JOURNAL_ACS_H
#define TP_JOURNAL_ACS_H
#include <stdint.h>
#include "journal.h"
enum jr_acs_status {
	JR_ACS_PENDING,          /* not confirmed yet */
	JR_ACS_CONFIRMED,        /* present: PUT and confirmed by GET */
	JR_ACS_ABSENT_CONFIRMED, /* absent: DELETE and confirmed by GET 404 */
	JR_ACS_FAILED,
};
struct jr_acs {
	char *tenant_id;
	char *object_id;
	char *principal_type;  /* as written in acs.csv */
	char *client_ids;      /* ';' list, sorted; "" if none */
	int present;           /* manifest state: 1 present, 0 absent */
	char *enterprise;      /* NULL if none */
	enum jr_acs_status status;
	char *last_error;      /* NULL if none */
	int64_t confirmed_at;  /* unix ms; 0 if never */
	int64_t updated_at;
};
const char *jr_acs_status_name(enum jr_acs_status s); /* "pending","confirmed","absent_confirmed","failed" */
void jr_acs_release(struct jr_acs *a);
int journal_each_acs(struct journal *j, const char *enterprise,
		     int (*fn)(const struct jr_acs *a, void *arg), void *arg);
#endif
