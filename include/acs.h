/*
 * acs: the Azure Communication Services Teams Phone extensibility
 * assignment API (api-version 2025-06-30, API-NOTES.md) as data: request
 * paths and bodies, the assignment a GET answers, how it compares with
 * what acs.csv asks for, and the messages for ACS error answers. No I/O:
 * requests go through api.h (which signs them), so apply, plan --refresh
 * and the acs command share this.
 *
 *   PUT/GET/DELETE {endpoint}/access/teamsExtension/tenants/{tenantId}/
 *       assignments/{objectId}?api-version=2025-06-30
 *   PUT body {"principalType": ..., "clientIds": [...]}: 201 or 200
 *   GET: 200 with {"objectId","tenantId","principalType","clientIds"},
 *       or 404 when there is no assignment; DELETE: 204
 *   errors: {"error": {"code", "message"}}
 */
#ifndef TP_ACS_H
#define TP_ACS_H

#include <stddef.h>

#include "http.h"

/* The request path and query for one assignment; the caller frees it. */
char *acs_assignment_path(const char *api_version, const char *tenant_id,
			  const char *object_id);

/* The PUT body; the principal type is sent as given. Caller frees. */
char *acs_put_body(const char *principal_type, char *const *client_ids,
		   size_t n_client_ids);

/* An assignment as a GET (or PUT) answered it. Strings owned. */
struct acs_assignment {
	char *tenant_id;      /* NULL when the answer had none */
	char *object_id;      /* NULL when the answer had none */
	char *principal_type; /* never NULL after a successful parse */
	char **client_ids;
	size_t n_client_ids;
};

/* Parses an assignment body; 0, or -1 when it is not one (no
 * principalType, clientIds not an array of strings). */
int acs_assignment_parse(const char *body, size_t len,
			 struct acs_assignment *out);
void acs_assignment_release(struct acs_assignment *a);

/* How a live assignment differs from the wanted one. */
enum acs_diff {
	ACS_SAME = 0,
	ACS_DIFF_PRINCIPAL = 1 << 0, /* another principal type */
	ACS_DIFF_CLIENTS = 1 << 1,   /* another set of client ids */
};

/*
 * Compares: principal types are equal when the same, and
 * teamsResourceAccount and resourceAccount are the same type (two
 * spellings of the published documents); client ids as a set of GUIDs,
 * case-insensitively, repeats ignored. Returns ACS_SAME or ACS_DIFF_* bits.
 */
int acs_compare(const char *principal_type, char *const *client_ids,
		size_t n_client_ids, const struct acs_assignment *live);

/*
 * A readable account of a difference found by acs_compare, e.g.
 * "clientIds differ (live: a;b, manifest: c)". The caller frees it.
 */
char *acs_diff_text(int diff, const char *principal_type,
		    char *const *client_ids, size_t n_client_ids,
		    const struct acs_assignment *live);

/*
 * Judges a GET answer (status, body) against the wanted state: absent
 * wants 404; present wants 200 with principal_type and client ids as
 * acs_compare has them. Returns 1 when it matches; 0 when it does not,
 * with *why saying how ("assignment missing", "present where the
 * manifest says absent", or acs_diff_text; caller frees); -1 when the
 * answer is neither (another status, a body that is not an assignment).
 */
int acs_judge(int absent, const char *principal_type,
	      char *const *client_ids, size_t n_client_ids, long status,
	      const char *body, size_t len, char **why);

/*
 * "HTTP 403 from PUT /access/...: AuthorizationFailed: message" from an
 * ACS error body (code and message redacted and quoted), or
 * http_status_message's text when the body is not an ACS error. The
 * caller frees it.
 */
char *acs_error_message(const struct http_request *req,
			const struct http_response *res);

/* What a 401/403 from ACS most likely means, for the one message a run
 * prints about it (static string). */
const char *acs_refusal_hint(int hmac);

#endif
