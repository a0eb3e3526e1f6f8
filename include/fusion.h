/*
 * fusion: the Netaxis Fusion MS Teams onboarding API as data — request
 * paths and bodies, and the parsing of its answers (wizard state, error
 * bodies, link sources, voice routing status, the create_app script) —
 * plus the wizard poll schedule. No I/O here: apply_fusion.c, cmd_wait.c
 * and cmd_fusion.c send the requests (API-NOTES.md, Fusion).
 */
#ifndef TP_FUSION_H
#define TP_FUSION_H

#include <stddef.h>
#include <stdint.h>

#include "util.h"

/* "/api/v01/draas/INST/tenants/TENANT/subscriptions/SUB/TAIL" (TAIL
 * without a leading slash, e.g. "msteams/wizard"). Caller frees. */
char *fusion_path(const char *instance, const char *tenant, int64_t sub,
		  const char *tail);

/* The body of POST …/msteams/applications (ms_tenant may be NULL) and of
 * POST …/msteams/reset_secret (ms_tenant ignored): it holds the secret,
 * so free it with secret_free(). */
char *fusion_app_body(const char *ms_tenant, const char *app_id,
		      const char *secret);
char *fusion_reset_body(const char *app_id, const char *secret);
/* {"subscriptionId":N}. Caller frees. */
char *fusion_link_body(int64_t target);

/* What one GET …/msteams/wizard (200) says. */
struct fusion_wizard {
	int running;     /* 1 while the wizard runs */
	int steps_total; /* steps listed */
	int steps_done;  /* of them, executed */
};

/*
 * Parses a 200 answer of GET …/msteams/wizard. With steps_json non-NULL
 * also builds the journal's step list (journal_fusion.h: a JSON array of
 * {"name","executed","text"}; caller frees). Returns 0, or -1 when the
 * body is not a wizard state.
 */
int fusion_parse_wizard(const char *body, size_t len,
			struct fusion_wizard *w, char **steps_json);

/* The id of POST …/msteams/wizard's answer {"id":N} as text (caller
 * frees), or NULL. */
char *fusion_parse_wizard_id(const char *body, size_t len);

/* The message of an error body {"error":"…"} or {"error":{"reason":"…"}}
 * (caller frees), or NULL when there is none. */
char *fusion_error_message(const char *body, size_t len);

/* Whether the sources answer lists subscription sub: 1 yes, 0 no, -1 when
 * the body is not a sources list. */
int fusion_sources_has(const char *body, size_t len, int64_t sub);

/*
 * The sources list as lines "SUB\tSUBSCRIPTION NAME\tTENANT NAME" into
 * out (names escaped with str_quote-style quoting). 0 or -1.
 */
int fusion_sources_table(const char *body, size_t len, struct buf *out);

/*
 * The voice routing status table of an update_vrp answer ({"status":
 * {"pstn":{NAME:{"detail","status"}},"vr":…,"vrp":…}}) as lines
 * "KIND\tNAME\tSTATUS\tDETAIL". *bad is set to the number of entries whose
 * status is neither a success nor "already_exists". 0 or -1.
 */
int fusion_vrp_table(const char *body, size_t len, struct buf *out,
		     int *bad);

/* The decoded create_app script: *name (caller frees; a plain file name,
 * "create_app.ps1" when the answer's is unusable) and the bytes in
 * *data, *n (caller frees). 0 or -1. */
int fusion_parse_script(const char *body, size_t len, char **name,
			unsigned char **data, size_t *n);

/* The poll schedule: the delay before the next poll, given the previous
 * one (0 before the first poll): first, then ×factor, at most max. */
int64_t fusion_poll_next(int64_t prev, int64_t first, double factor,
			 int64_t max);

#endif
