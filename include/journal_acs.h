/*
 * journal_acs: what the journal remembers of each ACS Teams Phone
 * extensibility assignment of acs.csv (one row per tenant and object, the
 * GUIDs compared case-insensitively): the desired state that was last
 * confirmed against the tenant, so that a later apply of an unchanged
 * manifest only re-verifies it with one GET.
 *
 * Strings in a struct jr_acs returned by the journal are owned by it:
 * release it with jr_acs_release. Same threading rules as journal.h.
 */
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

/*
 * The record of (tenant_id, object_id), GUIDs in any case. Returns 0 and
 * fills *a, 1 when there is none (*a zeroed), -1 on a database error.
 */
int journal_get_acs(struct journal *j, const char *tenant_id,
		    const char *object_id, struct jr_acs *a);

/*
 * Inserts or replaces the record of a->tenant_id/a->object_id. updated_at
 * is set to now when a->updated_at is 0. Returns 0 or -1.
 */
int journal_put_acs(struct journal *j, const struct jr_acs *a);

/* Drops the record; 0, 1 when there was none, -1 on error. */
int journal_forget_acs(struct journal *j, const char *tenant_id,
		       const char *object_id);

/*
 * The canonical client id list of the journal: the ids lower-cased,
 * sorted and joined with ';' ("" for none). The caller frees it.
 */
char *jr_acs_client_list(char *const *ids, size_t n);

#endif
