/*
 * reconcile: what an enterprise still needs, from the manifest (what
 * should be) and the journal (what was done): whether to create it and
 * which action URLs to issue. plan prints this; apply and urls do it.
 */
#ifndef TP_RECONCILE_H
#define TP_RECONCILE_H

#include <stdbool.h>
#include <stdint.h>

#include "actions.h"
#include "journal.h"
#include "manifest.h"

enum rc_url_reason {
	RC_URL_NONE,    /* nothing to do for this action */
	RC_URL_NEW,     /* never issued */
	RC_URL_EXPIRED, /* issued longer ago than url_max_age */
	RC_URL_REFRESH, /* urls --refresh (also re-issues failed ones) */
};

struct rc_enterprise {
	bool create;   /* not created (or adopted) yet */
	bool failed;   /* the journal says the create failed */
	size_t n_need; /* actions the matrix requires */
	struct act_need need[ACT_MAX];
	enum rc_url_reason url[ACT_MAX]; /* per need[i] */
	size_t n_urls; /* actions whose url[] is not RC_URL_NONE */
};

struct rc_options {
	int64_t now_ms;      /* wall clock, unix ms */
	int64_t max_age_ms;  /* url_max_age */
	bool refresh;        /* urls --refresh */
	const char *only_action; /* urls --action TYPE; NULL: the matrix */
};

/*
 * Works out what e needs given its journal (NULL: nothing journaled).
 * Returns 0, or -1 on a journal error.
 */
int rc_enterprise(struct journal *j, const struct mf_enterprise *e,
		  const struct rc_options *o, struct rc_enterprise *out);

/* Whether the --only list (n names, may be 0: everything) selects name. */
bool rc_selected(const char *const *only, size_t n, const char *name);

#endif
