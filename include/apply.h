/*
 * apply: the state of one `teamsprov apply` run, shared by the command
 * (src/cmd_apply.c: options, preflight, summary, exit status) and the
 * provider parts (src/apply_c2t.c: the jobs). The counters are touched
 * only on the pool's dispatcher thread, in done callbacks.
 */
#ifndef TP_APPLY_H
#define TP_APPLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdint.h>

#include "pool.h"
#include "reconcile.h"
#include "runtime.h"

/* An enterprise's SBC gateways and PBX types resolved to ids. */
struct ent_ids {
	int64_t *sbc;
	size_t n_sbc;
	int64_t *pbx;
	size_t n_pbx;
};

struct apply_failure {
	char *item;
	char *reason;
	enum api_failure kind;
};

struct apply {
	struct runtime *rt;
	struct pool *pool;
	struct ent_ids *ids; /* one per rt->m->ent, same index */
	struct rc_options rco;
	bool urls_only; /* teamsprov urls: no creates, only action URLs */
	size_t ent_total, ent_created, ent_adopted, ent_present, ent_failed;
	size_t ent_missing; /* urls: enterprises not created yet */
	size_t urls_issued, urls_failed, cancelled;
	size_t items_done, items_failed;
	struct apply_failure *fails;
	size_t n_fails, cap_fails;
	long max_fail; /* -1: no limit */
	bool max_fail_pct;
	bool halted, journal_error, interrupted, abandoned;
	/* Fusion (apply_fusion.c): NULL when no fusion.csv row is selected */
	struct fz_run *fz;
	bool fusion_only;  /* teamsprov wait: no C2T work at all */
	size_t other_ok;   /* items of the other APIs that succeeded */
	bool wizards_left; /* wizards still running at a time-out or stop */
	/* ACS assignments (apply_acs.c) */
	size_t acs_total, acs_granted, acs_revoked, acs_unchanged;
	size_t acs_failed, acs_refused, acs_unreachable;
	size_t acs_refusal_fail; /* index in fails of the one refusal entry */
};

/*
 * One getActionItemUrl run of a pool job (apply's URL jobs, the consent
 * receiver's login URLs): asks C2T for an action URL of type for
 * enterprise, whose redirect target is base + "/cb/" + token, through
 * the engine (rate limit, retries in *st). Returns pool_again on a retry,
 * pool_done with *url set, or pool_failed with *error and *failure set;
 * the caller frees *url and *error.
 */
struct pool_result apply_issue_url(struct api *api, struct pool_ctx *ctx,
				   struct api_attempts *st,
				   const char *enterprise, const char *type,
				   const char *base, const char *token,
				   char **url, char **error,
				   enum api_failure *failure);

/* Runs the C2T jobs to the end (or a stop). 0, or an exit status. */
int apply_c2t(struct apply *ap);

/* For the other APIs' jobs (done callbacks, dispatcher thread only):
 * records a failed item for the summary; counts an ended item against
 * --max-failures; reports a journal write error once and stops. */
void apply_add_failure(struct apply *ap, const char *item, const char *why,
		       enum api_failure kind);
void apply_item_ended(struct apply *ap, bool failed);
void apply_journal_failed(struct apply *ap);

/* --- Fusion (apply_fusion.c) --- */
struct fz_opts {
	bool no_wait;        /* start wizards, do not poll them */
	bool restart_failed; /* start failed wizards again */
	bool wait_only;      /* teamsprov wait: poll journaled wizards only */
	int64_t timeout_ns;  /* give up polling after this; 0: never */
};
/* Builds the Fusion work of the run from the manifest (or, wait_only,
 * from the journal) and reads the application secrets it will send.
 * Returns 0 (ap->fz may stay NULL: nothing to do), or an exit status
 * with the reason printed. */
int apply_fusion_prepare(struct apply *ap, const struct fz_opts *o);
/* Adds the Fusion jobs to ap->pool (called by apply_c2t). 0 or -1. */
int apply_fusion_queue(struct apply *ap);
/* The wizard counts in the progress line. */
struct progress;
void apply_fusion_progress(struct apply *ap, struct progress *pr);
/* The Fusion lines of the summary; nothing without Fusion work. */
void apply_fusion_summary(const struct apply *ap);
/* 69 when every Fusion item that ended failed unreachable, 77 when
 * refused; else 0 (spec §5: per API). */
int apply_fusion_exit(const struct apply *ap);
/* Its teamsprov_items lines of the metrics file (none without Fusion). */
void apply_fusion_metrics(const struct apply *ap, FILE *f);
void apply_fusion_release(struct apply *ap);
/*
 * Queues one job per selected acs.csv row into ap->pool (apply_acs.c);
 * called inside queue_work's journal transaction. A row whose journal
 * says its state was confirmed costs one GET; any other row is PUT (or
 * DELETEd) and then confirmed with a GET. 0, or -1 on a journal error.
 */
int apply_acs_queue(struct apply *ap);
/* The number of selected acs.csv rows (they need the ACS API). */
size_t apply_acs_selected(const struct apply *ap);

/* 0, or 65 with the reason printed, when action URLs would have no
 * redirect target (neither callback_base nor a row's redirect_url). */
int apply_check_callback_base(struct apply *ap);
/* The summary on stdout: counts, then each failed item and its reason. */
void apply_print_summary(const struct apply *ap);
/* The exit status the run's outcomes call for (spec §5 order). */
int apply_exit_status(const struct apply *ap);
/* Frees what struct apply owns (not the runtime). */
void apply_release(struct apply *ap);

#endif
