/*
 * cbfollow: what `teamsprov callback` does after an admin's answer is
 * recorded (cbrecv.h): the follow-up calls to ConnecttoTeams, run as jobs
 * of the worker pool so they get the engine's rate limit, retries and
 * logs (c2t-create-and-register-enterprise.txt Parts II-III,
 * c2t-enterprise-admin-url-workflow.txt step 4, API-NOTES.md):
 *
 *   - containsTeamsTenantAdminAPI false: POST provisionTenantAdminAPI
 *     with {"authenticationResult": MSAL} (single nesting);
 *   - EnterpriseManagement granted: POST the EnterpriseManagement-by-
 *     reseller call with {"authenticationResult": MSAL, "resellerId",
 *     "tenantId"}; on the documented "Roles Teams/Skype Administrator
 *     could not be found" error, provision the tenant admin API and
 *     retry once;
 *   - every granted consent: POST updateAppConsent/{type} with
 *     {"authenticationResult": {"authenticationResult": MSAL}} (double
 *     nesting), with the reseller token once EnterpriseManagement is
 *     granted by reseller, else the enterprise-level token that
 *     enterprise_token_cmd prints; the action becomes "confirmed".
 *
 * The calls need a fresh MSAL result of the enterprise's admin
 * (registration or login post). They are kept here, in memory only, until
 * they expire, and masked in every log (redact.h). A consent granted
 * while none is held stays "granted" (confirmation pending the admin's
 * sign-in) and a LOGIN_ENTERPRISE_ADMIN URL is issued for the enterprise,
 * unless a fresh one is outstanding.
 *
 * One round of calls at a time per enterprise; an answer arriving during
 * a round asks for another round after it.
 */
#ifndef TP_CBFOLLOW_H
#define TP_CBFOLLOW_H

#include <pthread.h>

#include "cbrecv.h"
#include "pool.h"
#include "runtime.h"

struct cbfollow;

/*
 * rt: configuration, journal (used under jlock), the C2T API (set up);
 * pool: where the jobs go (running, or about to run). Neither is owned.
 */
struct cbfollow *cbfollow_new(struct runtime *rt, struct pool *pool,
			      pthread_mutex_t *jlock);
/* Wipes every MSAL result held and frees f (NULL is fine). Call after
 * the pool has ended. */
void cbfollow_free(struct cbfollow *f);

/* The receiver's sink (cbrecv_config.on_event, arg f): keeps the MSAL
 * result, queues the calls; returns the note for the admin's page. */
char *cbfollow_on_event(void *f, const struct cbrecv_event *ev);

/* Counters for the summary. */
struct cbfollow_counts {
	unsigned long confirmed, provisioned, em_by_reseller, logins_issued,
		failed;
};
void cbfollow_get_counts(struct cbfollow *f, struct cbfollow_counts *out);

/* The documented refusal of the EnterpriseManagement-by-reseller call
 * that asks for provisionTenantAdminAPI first. */
int cbfollow_roles_error(long status, const char *body, size_t len);

/* The request bodies, by nesting (msal is the inner object's JSON text).
 * The caller frees them; NULL when msal is not a JSON object. */
char *cbfollow_body_app_consent(const char *msal);
char *cbfollow_body_tenant_admin(const char *msal);
char *cbfollow_body_em_by_reseller(const char *msal, long long reseller_id,
				   const char *tenant_id);

#endif
