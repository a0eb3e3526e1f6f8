/*
 * apply_fusion_int: what the two halves of the Fusion part of apply share
 * (apply_fusion.c: the jobs; apply_fusion_setup.c: the rows, summary and
 * metrics). Private to them; see apply_fusion.c for how rows run.
 */
#ifndef TP_APPLY_FUSION_INT_H
#define TP_APPLY_FUSION_INT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "apply.h"
#include "fusion.h"
#include "journal_fusion.h"

struct fz_row {
	struct fz_run *fr;
	const struct mf_fusion *mf; /* NULL in wait */
	struct jr_wizard jw;        /* the journaled state, kept current */
	char *instance;             /* draas instance, owned */
	char *item;                 /* "TENANT/SUB" for messages, owned */
	char *wizard_url;           /* built once: polled many times */
	/* what is left to do */
	bool need_app, want_start, want_poll, is_link;
	bool reset;                 /* the application job resets the secret */
	char *secret;               /* application secret; wiped when sent */
	char fp[JR_FP_SIZE];
	/* the job running now */
	struct api_attempts st;
	int phase;                  /* link: 0 sources, 1 link */
	bool probe;                 /* start: GET the wizard before POST */
	int64_t probe_since;        /* mono ns of the lost POST; 0: resumed */
	int64_t interval;           /* poll: the last delay */
	int64_t delay;              /* poll: delay of the next poll job */
	bool progressed, final, timed_out, adopted;
	char *txid, *steps_json;    /* from the job, for its done callback */
	struct fusion_wizard ws;
	char *error;
	enum api_failure failure;
	/* link rows waiting for this row's wizard */
	struct fz_row *target;
	struct fz_row **waiters;
	size_t n_waiters;
	bool waiting; /* a link row registered with its target */
};

struct fz_run {
	struct apply *ap;
	struct fz_opts o;
	struct fz_row *rows;
	size_t n_rows;
	int64_t deadline; /* mono ns; 0: none */
	atomic_size_t running, done, failed; /* for the progress line */
	size_t selected, apps, resets, links, started, adopted, timed_out,
		not_waited, link_waiting, failed_before, starting_left,
		cancelled;
	size_t n_ok, n_fail, n_unreach, n_refused; /* items, for the exit */
};

/* Queues the next job of r, or wakes the links waiting for it when it
 * needs nothing more (dispatcher thread, or before pool_run). */
void fz_row_next(struct fz_row *r);
/* The URL of TAIL ("msteams/wizard") for r's subscription. Caller frees. */
char *fz_row_url(struct fz_row *r, const char *tail);

#endif
