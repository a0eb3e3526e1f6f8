/*
 * pool: the job scheduler and worker pool behind apply, wait and urls.
 * (Named pool, not sched: an include/sched.h would shadow the system
 * <sched.h> that <pthread.h> includes, since -Iinclude is searched first.)
 *
 * A job is an opaque payload with a run callback. run executes on one of N
 * worker threads and answers done, failed, or "run me again in D ns"
 * (backoff, Retry-After, wizard polls; Redis ae timers return "ms until
 * the next run" the same way). A job that waits sits in a binary min-heap
 * (timerheap.h) keyed by its due time on the monotonic clock, never in a
 * sleeping worker, so thousands of waiting jobs cost no thread. A delay
 * is never cut short; it may run up to 10 ms long, so that jobs coming
 * due close together start on one wake-up of the dispatcher. Each job
 * names the API it calls; before a worker gets it, the pool asks that
 * API's rate governor (adaptive.h) for a token, and a job that must wait
 * for one stays in its API's FIFO, again without a thread. Jobs go to
 * workers only when a worker is idle, so a token is taken just before its
 * request is sent and never hoarded in a queue: a worker that has just
 * finished a job takes the next one that may go itself (and puts a job
 * that asked to run again back in its queue or the heap), and sleeps
 * until the dispatcher hands it one only when none may; that saves two
 * thread switches per request. Jobs coming back from a delay go before
 * new ones of the same API.
 *
 * Threads: the workers, and the thread that calls pool_run, which is the
 * dispatcher: it moves due timers, hands out tokens and work, and runs
 * done callbacks and the progress tick; nothing else. With a settle hook
 * (pool_config), the done callback of a job that ran runs instead on its
 * worker, right after the run: no thread switch per outcome. Either way
 * done callbacks, batch edges, settle and tick run one at a time (under
 * the pool's done lock: the journal has a single writer), and a job's
 * dependents start only after its done callback has returned and its
 * outcome is durable (committed, or settled: spec section 6). The pool's
 * lock is held only to move jobs between queues, as in fzy's worker pool.
 *
 * How apply uses it (one job = one request, so that every request passes
 * the rate governor; a job that needs another request returns
 * pool_again(0) and is admitted again):
 *   - C2T, per enterprise: a "create" job (POST, Idempotency-Key; an
 *     ambiguous failure followed by "already exists" adopts the id). Its
 *     done callback journals the id and adds one "action URL" job per
 *     required action (spec section 4), each depending on the create, so
 *     a failed create skips its URLs with the reason "dependency failed".
 *   - Fusion, per row: an "application" job (register the application);
 *     a "wizard start" job depending on it (after an ambiguous POST its
 *     next run GETs the wizard before posting again); its done callback
 *     adds a "poll" job with delay poll_first, which returns
 *     pool_again(interval) while the wizard runs (x1.5 up to poll_max;
 *     404 during init_grace) and done or failed at the end. Ten thousand
 *     polling wizards are ten thousand heap entries.
 *   - ACS, per row: one "assignment" job (PUT).
 *   - Retries: a run that fails retryably (retry.h) returns
 *     pool_again(retry_next_delay(...)); after a 429 it also calls
 *     adaptive_on_429(api, now, ctx->admitted, retry_after) so the whole
 *     API pauses and slows down, after a 503 with Retry-After
 *     adaptive_pause(api, now + retry_after); every other answer calls
 *     adaptive_on_success. The attempt count and the sticky "ambiguous"
 *     flag live in the payload (ctx->runs counts every run, polls too).
 *   - SIGINT / --max-failures call pool_stop: nothing new starts, running
 *     jobs finish (at most drain_ns), and every job that never finished
 *     gets its done callback with POOL_CANCELLED, for the summary.
 */
#ifndef TP_POOL_H
#define TP_POOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "adaptive.h"

struct pool;
struct pool_job;

/* ---- what a run callback returns ---- */

enum pool_status {
	POOL_DONE,   /* finished successfully */
	POOL_FAILED, /* finished, failed (the reason is in the payload) */
	POOL_AGAIN,  /* not finished: run again after delay_ns */
};

struct pool_result {
	enum pool_status status;
	int64_t delay_ns; /* POOL_AGAIN only; <= 0 means as soon as possible */
};

static inline struct pool_result pool_done(void)
{
	struct pool_result r = {POOL_DONE, 0};
	return r;
}

static inline struct pool_result pool_failed(void)
{
	struct pool_result r = {POOL_FAILED, 0};
	return r;
}

static inline struct pool_result pool_again(int64_t delay_ns)
{
	struct pool_result r = {POOL_AGAIN, delay_ns};
	return r;
}

/* What a run callback is told (valid during the call only). */
struct pool_ctx {
	struct pool *pool;
	struct pool_job *job;
	void *worker;     /* this worker's context from worker_init */
	int worker_index; /* 0 .. workers-1 */
	unsigned runs;    /* 1 on the first run, 2 on the second... */
	int64_t admitted; /* mono ns when the rate token was taken: pass it
	                     as sent_at to adaptive_on_429 */
	int64_t now;      /* mono ns when this run began */
};

/* ---- how a job ended, for its done callback ---- */

enum pool_outcome {
	POOL_OK,        /* run returned POOL_DONE */
	POOL_FAIL,      /* run returned POOL_FAILED */
	POOL_SKIPPED,   /* a dependency did not succeed; never ran */
	POOL_CANCELLED, /* pool_stop came first; ran if runs > 0 */
};

struct pool_end {
	enum pool_outcome outcome;
	/* POOL_SKIPPED / POOL_CANCELLED: why, safe to print (user data in it
	 * is quoted); NULL otherwise. Valid during the callback only. */
	const char *reason;
	unsigned runs; /* how many times run was called */
};

struct pool_job_spec {
	const char *name; /* for reasons ("enterprise Acme"); copied */
	int api;          /* index into config apis, or POOL_NO_API */
	struct pool_result (*run)(void *payload, struct pool_ctx *ctx);
	/*
	 * Called exactly once per job, when the job has ended in any way
	 * (may be NULL): on the pool_run thread, or with a settle hook on the
	 * worker that ran it; never two at once. After it returns, the pool never
	 * touches payload again, so this is where the caller frees it.
	 */
	void (*done)(void *payload, const struct pool_end *end);
	void *payload;
	/* Start only after all of these ended with POOL_OK. */
	struct pool_job *const *deps;
	size_t ndeps;
	int64_t delay_ns; /* first run not before this long after it is
	                     runnable (a first wizard poll after 5 s) */
	/*
	 * Its requests only read (a wizard poll): sending one again after a
	 * kill -9 changes nothing, so it is not held to the bound of one
	 * uncommitted request per worker (see batch_end), and outcomes of
	 * such jobs group into larger commits.
	 */
	bool replay_safe;
};

#define POOL_NO_API (-1)

/* A snapshot for the progress line. */
struct pool_counts {
	size_t blocked;   /* waiting for dependencies */
	size_t queued;    /* runnable: waiting for a rate token or a worker */
	size_t waiting;   /* in the timer heap (backoff, Retry-After, polls) */
	size_t running;   /* on a worker now */
	size_t finishing; /* ended, done callback not yet called */
	size_t ok, failed, skipped, cancelled; /* ended */
	uint64_t runs; /* run calls so far (requests, roughly) */
};

struct pool_config {
	int workers; /* default 8 */
	/* Rate governors by API index (not owned; NULL entries: no limit). */
	struct adaptive **apis;
	int napis;
	/*
	 * Per-worker context, created in the worker thread when it starts and
	 * released there when pool_run ends (the HTTP layer keeps one libcurl
	 * easy handle per worker for the whole run). Both may be NULL.
	 */
	void *(*worker_init)(void *arg, int index);
	void (*worker_release)(void *worker, void *arg);
	void *arg;
	int64_t drain_ns; /* after pool_stop, wait this long for running
	                     jobs; default 10 s */
	/*
	 * Called on the pool_run thread about every tick_ns (default 1 s when
	 * tick is set), between done callbacks: the progress line, printed
	 * without a thread of its own. May be NULL.
	 */
	void (*tick)(void *arg, const struct pool_counts *counts);
	int64_t tick_ns;
	/*
	 * Called on the pool_run thread around each batch of done callbacks:
	 * apply wraps a batch in one journal transaction, so that outcomes
	 * arriving close together cost one commit. A batch ends (batch_end)
	 * as soon as it has released jobs (dependents, or jobs added by its
	 * callbacks: they are held until batch_end has returned, so outcomes
	 * are committed before dependent work starts), or holds one outcome
	 * per worker, or POOL_BATCH, or is 2 ms old, or nothing else runs,
	 * or the pool stops, or an idle worker waits for it. Jobs admitted
	 * whose outcomes are not yet committed (replay-safe ones aside) never
	 * exceed one per worker, so a kill -9 makes the next run send again
	 * at most that many requests. Both may be NULL.
	 */
	void (*batch_begin)(void *arg);
	void (*batch_end)(void *arg);
	/*
	 * Makes the outcomes of the done callbacks run so far survive a
	 * kill -9 without committing the batch (apply: one write() of their
	 * redo records, journal_redo_sync). When set, done callbacks of jobs
	 * that ran run on the worker that ran them, one at a time (the pool's
	 * done lock), each followed by settle when the job was not
	 * replay-safe or its callback released work that is not: the worker
	 * then takes its next job at once, and no outcome waits for a commit
	 * or another thread. Batches then end only at 4096 outcomes, at 50 ms (they
	 * bound how stale other readers of the journal may be), when nothing
	 * else runs, or when the pool stops. May be NULL (done callbacks on
	 * the pool_run thread, settled by batch_end, as above).
	 */
	void (*settle)(void *arg);
};

#define POOL_BATCH 64

void pool_config_default(struct pool_config *c);

/* Creates the pool (no threads yet). Free with pool_free. */
struct pool *pool_new(const struct pool_config *c);

/*
 * Frees the pool and every job (not the payloads: done callbacks own
 * those; jobs that never ended, because pool_run was not called or was
 * abandoned, get no done callback). If pool_run returned
 * POOL_RUN_ABANDONED, this first waits for the workers still running; a
 * caller about to exit need not call it.
 */
void pool_free(struct pool *p);

/*
 * Adds a job; thread-safe: before pool_run, from run callbacks and from
 * done callbacks. The returned handle belongs to the pool and stays valid
 * until pool_free; it may be given as a dependency to later jobs, even
 * after it has ended (ended badly: the new job is skipped at once). A job
 * added after pool_stop is cancelled without running. Adding after
 * pool_run has returned is an error (the job would never end).
 */
struct pool_job *pool_add(struct pool *p, const struct pool_job_spec *spec);

/* The copy of spec->name (never NULL: "" when none was given). */
const char *pool_job_name(const struct pool_job *j);

enum pool_run_status {
	POOL_RUN_FINISHED,  /* every job ended */
	POOL_RUN_STOPPED,   /* pool_stop: running jobs drained, the rest
	                       cancelled; every done callback was called */
	POOL_RUN_ABANDONED, /* pool_stop, and jobs were still running after
	                       drain_ns: their done callbacks were not
	                       called; exit the process */
};

/*
 * Starts the workers and dispatches until every job has ended (including
 * jobs added meanwhile) or pool_stop was called and the running jobs
 * drained. Blocks; the calling thread runs the done callbacks. Call once.
 */
enum pool_run_status pool_run(struct pool *p);

/*
 * Stops starting jobs: running ones finish, waiting ones are cancelled.
 * Async-signal-safe (an atomic store, noticed within 50 ms), so a SIGINT
 * handler may call it; also callable from any callback.
 */
void pool_stop(struct pool *p);
bool pool_stopping(struct pool *p);

/* The same snapshot, from any thread. */
void pool_get_counts(struct pool *p, struct pool_counts *c);

#endif
