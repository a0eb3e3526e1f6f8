/*
 * pool: job scheduler and worker pool (see pool.h for the design and how
 * apply uses it). One mutex (mu) guards every queue; it is never held
 * while a run or done callback executes. A second one (done_mu) makes
 * done callbacks, batch edges, settle and tick run one at a time, whichever
 * thread calls them; it is always taken before mu, never after.
 */
#include "pool.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "timerheap.h"
#include "util.h"

/* How often the dispatcher looks at the stop flag while idle. */
#define STOP_POLL_NS (50 * TP_NS_PER_MS)

/*
 * How late a delayed job may start: the dispatcher wakes for the first
 * due timer this long after it, and starts every job due by then. Ten
 * thousand wizard polls spread over a minute then cost one wake-up per
 * few polls instead of one each; a delay (a poll interval, a backoff, a
 * Retry-After) is never cut short, only lengthened by at most this.
 */
#define TIMER_SLACK_NS (10 * TP_NS_PER_MS)

/* The longest a batch of journaled outcomes stays open (pool.h). */
#define BATCH_NS (2 * TP_NS_PER_MS)
/*
 * With a settle hook, outcomes are durable before their batch ends, which
 * then only bounds how stale readers of the state file may be: larger
 * batches cost less per outcome (fewer commits, and pages written once
 * for many rows).
 */
#define SETTLED_BATCH 4096
#define SETTLED_BATCH_NS (50 * TP_NS_PER_MS)

enum job_state {
	ST_BLOCKED, /* dependencies pending */
	ST_QUEUED,  /* in its API's FIFO */
	ST_TIMER,   /* in the heap */
	ST_READY,   /* token taken, waiting for the idle worker */
	ST_RUNNING,
	ST_RAN,      /* in the completed queue with a result */
	ST_ENDING,   /* in the completed queue, skipped or cancelled */
	ST_FINISHED, /* done callback returned */
};

struct pool_job {
	char *name;
	int queue; /* FIFO index: the API, or napis for "no API" */
	struct pool_result (*run)(void *payload, struct pool_ctx *ctx);
	void (*done)(void *payload, const struct pool_end *end);
	void *payload;
	int64_t delay_ns;
	bool replay_safe; /* not counted in unsettled() */
	enum job_state state;
	enum pool_outcome outcome; /* ST_ENDING and ST_FINISHED */
	char *reason;
	struct pool_result result; /* ST_RAN */
	unsigned runs;
	int64_t admitted;
	size_t npending;
	struct pool_job **dependents;
	size_t ndependents, capdependents;
	struct pool_job *next; /* FIFO link */
	struct pool_job *all;  /* every job, for pool_free */
};

struct fifo {
	struct pool_job *head, *tail;
};

struct worker {
	struct pool *pool;
	pthread_t thread;
	int index;
};

struct pool {
	struct pool_config cfg;
	pthread_mutex_t mu;
	pthread_mutex_t done_mu;
	pthread_cond_t work_cv; /* workers wait for ready jobs */
	pthread_cond_t disp_cv; /* the dispatcher waits for anything */
	atomic_int stop_req;
	int stopping, quit, started, joined;
	int abandoned; /* pool_run gave up on running jobs: no more done
	                  callbacks */
	/* When the dispatcher sleeps, until when (0: awake; it looks at
	 * every queue before it sleeps again). */
	int64_t disp_next;
	struct worker *workers;
	/* napis + 1: one per API, then "no API". Jobs coming back from a
	 * delay (retries, polls) go before new ones, so that started items
	 * finish first and polls keep their schedule. */
	struct apiq {
		struct fifo again, fresh;
	} * queues;
	int64_t *wake; /* per API: no token before this time */
	int rr;        /* round-robin start among the queues */
	struct fifo ready, completed;
	struct timerheap heap;
	struct pool_job *all;
	size_t nidle, nready, nblocked, nqueued, nrunning, nfinishing;
	size_t nadded, nfinished;
	/* Failed results the dispatcher has not yet reported: a done
	 * callback may halt the run on them (--max-failures). */
	size_t nfail_pending;
	/* The open batch of done callbacks (batch_begin called, batch_end
	 * not yet), and the jobs it released, held until batch_end. */
	int in_batch;
	/* Settle mode (cfg.settle): a done callback runs, its outcome not yet
	 * settled; the jobs it adds or releases are held until it is. */
	int in_done;
	size_t batch_n;
	/* Requests that must not be sent twice: jobs admitted (ready,
	 * running, ended) that are not replay-safe, and those of the open
	 * batch; see unsettled(). */
	size_t nunsafe, batch_unsafe;
	int64_t batch_at;
	struct fifo held;
	size_t nok, nfailed, nskipped, ncancelled;
	uint64_t nruns;
};

static size_t batch_max(const struct pool *p)
{
	return p->cfg.settle ? SETTLED_BATCH : POOL_BATCH;
}

static int64_t batch_ns(const struct pool *p)
{
	return p->cfg.settle ? SETTLED_BATCH_NS : BATCH_NS;
}

/* ---- queues (all under p->mu) ---- */

static void fifo_push(struct fifo *f, struct pool_job *j)
{
	j->next = NULL;
	if (f->tail)
		f->tail->next = j;
	else
		f->head = j;
	f->tail = j;
}

static struct pool_job *fifo_pop(struct fifo *f)
{
	struct pool_job *j = f->head;

	if (j) {
		f->head = j->next;
		if (!f->head)
			f->tail = NULL;
		j->next = NULL;
	}
	return j;
}

/* The job may run after delay_ns: into the heap or its API's FIFO. */
static void make_runnable(struct pool *p, struct pool_job *j, int64_t delay)
{
	bool wake;

	if (delay > 0) {
		int64_t due = clock_mono_ns() + delay;

		j->state = ST_TIMER;
		timerheap_push(&p->heap, due, j);
		wake = due + TIMER_SLACK_NS < p->disp_next;
	} else {
		j->state = ST_QUEUED;
		p->nqueued++;
		fifo_push(j->runs ? &p->queues[j->queue].again
		                  : &p->queues[j->queue].fresh,
		          j);
		/* A busy worker takes it when it finishes; only an idle one
		 * needs the dispatcher. */
		wake = p->nidle > p->nready;
	}
	/* An awake dispatcher (disp_next 0) looks at every queue before it
	 * sleeps: waking it would cost a futex call per job. */
	if (wake && p->disp_next)
		pthread_cond_signal(&p->disp_cv);
}

/* Ends a job without running it again (skipped or cancelled). */
static void end_job(struct pool *p, struct pool_job *j,
                    enum pool_outcome outcome, char *reason)
{
	j->state = ST_ENDING;
	j->outcome = outcome;
	free(j->reason);
	j->reason = reason;
	p->nfinishing++;
	fifo_push(&p->completed, j);
	pthread_cond_signal(&p->disp_cv);
}

static char *dep_reason(const struct pool_job *dep)
{
	struct buf b;
	char *r;

	buf_init(&b);
	buf_adds(&b, "dependency ");
	buf_add_quoted(&b, dep->name, strlen(dep->name), 200);
	switch (dep->outcome) {
	case POOL_FAIL:
		buf_adds(&b, " failed");
		break;
	case POOL_SKIPPED:
		buf_adds(&b, " was skipped");
		break;
	default:
		buf_adds(&b, " was cancelled");
		break;
	}
	r = buf_detach(&b);
	buf_release(&b); /* detach leaves b initialised */
	return r;
}

static char *cancel_reason(const struct pool_job *j)
{
	return xstrdup(j->runs ? "interrupted: the run was stopped before "
	                         "its next attempt"
	                       : "not started: the run was stopped");
}

/*
 * Whether jobs made runnable now must wait: their cause (an outcome whose
 * callback released or added them) is not yet durable. Without a settle
 * hook until the open batch is committed; with one, until the running
 * done callback is settled.
 */
static bool holding(const struct pool *p)
{
	return p->cfg.settle ? p->in_done : p->in_batch;
}

/*
 * Whether a held job is not replay-safe. The next poll of a wizard, which
 * its last poll's callback queued, needs no settled cause: sent again
 * after a kill, it reads the same state again.
 */
static bool holds_unsafe(const struct pool *p)
{
	const struct pool_job *d;

	for (d = p->held.head; d; d = d->next)
		if (!d->replay_safe)
			return true;
	return false;
}

/* Lets the held jobs go (their cause is durable). */
/* A blocked job whose dependencies all succeeded goes (or is cancelled,
 * when the pool stops). */
static void unblock(struct pool *p, struct pool_job *d)
{
	p->nblocked--;
	if (p->stopping)
		end_job(p, d, POOL_CANCELLED, cancel_reason(d));
	else
		make_runnable(p, d, d->delay_ns);
}

static void release_held(struct pool *p)
{
	struct pool_job *d;

	while ((d = fifo_pop(&p->held)))
		unblock(p, d);
}

/* Takes done_mu, called with mu held (lock order: done_mu, then mu). */
static void done_lock(struct pool *p)
{
	pthread_mutex_unlock(&p->mu);
	pthread_mutex_lock(&p->done_mu);
	pthread_mutex_lock(&p->mu);
}

/* ---- public ---- */

void pool_config_default(struct pool_config *c)
{
	memset(c, 0, sizeof(*c));
	c->workers = 8;
	c->drain_ns = 10 * TP_NS_PER_S;
}

struct pool *pool_new(const struct pool_config *c)
{
	struct pool *p = xcalloc(1, sizeof(*p));
	pthread_condattr_t ca;
	pthread_mutexattr_t ma;

	p->cfg = *c;
	if (p->cfg.workers < 1)
		p->cfg.workers = 1;
	if (p->cfg.napis < 0 || !p->cfg.apis)
		p->cfg.napis = 0;
	/* Both are held for a few microseconds at a time, by more threads
	 * than there are cores: spinning a little before sleeping spares the
	 * futex calls of most collisions (benchmark 4: -4% CPU). */
	pthread_mutexattr_init(&ma);
	pthread_mutexattr_settype(&ma, PTHREAD_MUTEX_ADAPTIVE_NP);
	pthread_mutex_init(&p->mu, &ma);
	pthread_mutex_init(&p->done_mu, &ma);
	pthread_mutexattr_destroy(&ma);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&p->disp_cv, &ca);
	pthread_condattr_destroy(&ca);
	pthread_cond_init(&p->work_cv, NULL);
	atomic_init(&p->stop_req, 0);
	p->queues = xcalloc((size_t)p->cfg.napis + 1, sizeof(*p->queues));
	p->wake = xcalloc((size_t)p->cfg.napis + 1, sizeof(*p->wake));
	timerheap_init(&p->heap);
	return p;
}

static void join_workers(struct pool *p)
{
	int i;

	if (!p->started || p->joined)
		return;
	pthread_mutex_lock(&p->mu);
	p->quit = 1;
	pthread_cond_broadcast(&p->work_cv);
	pthread_mutex_unlock(&p->mu);
	for (i = 0; i < p->cfg.workers; i++)
		pthread_join(p->workers[i].thread, NULL);
	p->joined = 1;
}

void pool_free(struct pool *p)
{
	struct pool_job *j, *next;

	if (!p)
		return;
	join_workers(p);
	for (j = p->all; j; j = next) {
		next = j->all;
		free(j->name);
		free(j->reason);
		free(j->dependents);
		free(j);
	}
	timerheap_release(&p->heap);
	free(p->queues);
	free(p->wake);
	free(p->workers);
	pthread_cond_destroy(&p->work_cv);
	pthread_cond_destroy(&p->disp_cv);
	pthread_mutex_destroy(&p->mu);
	pthread_mutex_destroy(&p->done_mu);
	free(p);
}

const char *pool_job_name(const struct pool_job *j)
{
	return j->name;
}

struct pool_job *pool_add(struct pool *p, const struct pool_job_spec *spec)
{
	struct pool_job *j = xcalloc(1, sizeof(*j));
	size_t i;

	j->name = xstrdup(spec->name ? spec->name : "");
	j->queue = spec->api >= 0 && spec->api < p->cfg.napis ? spec->api
	                                                      : p->cfg.napis;
	j->run = spec->run;
	j->done = spec->done;
	j->payload = spec->payload;
	j->delay_ns = spec->delay_ns;
	j->replay_safe = spec->replay_safe;

	pthread_mutex_lock(&p->mu);
	j->all = p->all;
	p->all = j;
	p->nadded++;
	if (p->stopping || atomic_load(&p->stop_req)) {
		end_job(p, j, POOL_CANCELLED, cancel_reason(j));
		goto out;
	}
	for (i = 0; i < spec->ndeps; i++) {
		struct pool_job *d = spec->deps[i];

		if (d->state == ST_FINISHED) {
			if (d->outcome == POOL_OK)
				continue;
			/* Registrations made so far are ignored later:
			 * finish_job only releases blocked jobs. */
			end_job(p, j, POOL_SKIPPED, dep_reason(d));
			j->npending = 0;
			goto out;
		}
		if (d->ndependents == d->capdependents) {
			d->capdependents =
			    d->capdependents ? 2 * d->capdependents : 4;
			d->dependents =
			    xrealloc(d->dependents,
			             d->capdependents * sizeof(*d->dependents));
		}
		d->dependents[d->ndependents++] = j;
		j->npending++;
	}
	if (j->npending || holding(p)) {
		/* A job added by a done callback waits for its outcome to be
		 * committed, like a dependent. */
		j->state = ST_BLOCKED;
		p->nblocked++;
		if (!j->npending)
			fifo_push(&p->held, j);
	} else {
		make_runnable(p, j, j->delay_ns);
	}
out:
	pthread_mutex_unlock(&p->mu);
	return j;
}

/* After j's done callback: record the end, release or skip dependents. */
static void finish_job(struct pool *p, struct pool_job *j)
{
	size_t i;

	j->state = ST_FINISHED;
	p->nfinishing--;
	p->nfinished++;
	switch (j->outcome) {
	case POOL_OK:
		p->nok++;
		break;
	case POOL_FAIL:
		p->nfailed++;
		break;
	case POOL_SKIPPED:
		p->nskipped++;
		break;
	case POOL_CANCELLED:
		p->ncancelled++;
		break;
	}
	for (i = 0; i < j->ndependents; i++) {
		struct pool_job *d = j->dependents[i];

		if (d->state != ST_BLOCKED)
			continue; /* already skipped through another dep */
		if (j->outcome != POOL_OK) {
			p->nblocked--;
			end_job(p, d, POOL_SKIPPED, dep_reason(j));
		} else if (--d->npending == 0) {
			if (holding(p))
				fifo_push(&p->held, d);
			else
				unblock(p, d);
		}
	}
}

/* pool_stop seen: everything not running ends as cancelled. */
static void cancel_waiting(struct pool *p)
{
	struct pool_job *j;
	int q;

	for (q = 0; q <= p->cfg.napis; q++)
		memset(&p->queues[q], 0, sizeof(p->queues[q]));
	p->ready.head = p->ready.tail = NULL;
	p->held.head = p->held.tail = NULL; /* blocked: cancelled below */
	p->heap.n = 0;
	p->nqueued = p->nready = 0;
	for (j = p->all; j; j = j->all) {
		switch (j->state) {
		case ST_BLOCKED:
			p->nblocked--;
			/* fall through */
		case ST_READY: /* admitted, never sent */
			if (!j->replay_safe)
				p->nunsafe--;
			/* fall through */
		case ST_QUEUED:
		case ST_TIMER:
			end_job(p, j, POOL_CANCELLED, cancel_reason(j));
			break;
		default:
			break;
		}
	}
}

/*
 * Jobs admitted (handed to a worker or running) or ended whose outcome is
 * not yet committed, replay-safe ones (polls) aside: at most one per
 * worker, so a kill -9 at any moment makes the next run send again at most
 * that many requests that matter.
 */
static size_t unsettled(const struct pool *p)
{
	return p->nunsafe + p->batch_unsafe;
}

/* The next runnable job that may go now, its rate token taken (retries
 * and polls before new jobs, APIs round-robin), or NULL; an API without a
 * token gets p->wake set. */
static struct pool_job *take_job(struct pool *p, int64_t now)
{
	int nq = p->cfg.napis + 1, k;

	for (k = 0; k < nq; k++) {
		int q = (p->rr + k) % nq;
		struct adaptive *a = q < p->cfg.napis ? p->cfg.apis[q] : NULL;
		struct pool_job *j;

		if (!p->queues[q].again.head && !p->queues[q].fresh.head)
			continue;
		if (a) {
			int64_t w;

			if (p->wake[q] > now)
				continue;
			w = adaptive_acquire(a, now);
			if (w > 0) {
				p->wake[q] = now + w;
				continue;
			}
		}
		j = fifo_pop(&p->queues[q].again);
		if (!j)
			j = fifo_pop(&p->queues[q].fresh);
		p->rr = (q + 1) % nq;
		p->nqueued--;
		j->admitted = now;
		if (!j->replay_safe)
			p->nunsafe++;
		return j;
	}
	return NULL;
}

/* Hands jobs to idle workers, taking rate tokens; returns the next time a
 * token may be had for a waiting queue (INT64_MAX: none). */
static int64_t admit(struct pool *p, int64_t now)
{
	int k;

	while (p->nidle > p->nready &&
	       unsettled(p) < (size_t)p->cfg.workers) {
		struct pool_job *j = take_job(p, now);

		if (!j)
			break;
		j->state = ST_READY;
		p->nready++;
		fifo_push(&p->ready, j);
		pthread_cond_signal(&p->work_cv);
	}
	if (p->nidle <= p->nready)
		return INT64_MAX; /* a worker going idle wakes us */
	{
		int64_t next = INT64_MAX;

		for (k = 0; k < p->cfg.napis; k++)
			if ((p->queues[k].again.head ||
			     p->queues[k].fresh.head) &&
			    p->wake[k] < next)
				next = p->wake[k];
		return next;
	}
}

static void take_result(struct pool_job *j);
static void run_done(struct pool *p, struct pool_job *j, bool sent);

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct pool *p = w->pool;
	struct pool_ctx ctx;
	void *wctx = NULL;
	bool ending;

	if (p->cfg.worker_init)
		wctx = p->cfg.worker_init(p->cfg.arg, w->index);
	pthread_mutex_lock(&p->mu);
	for (;;) {
		struct pool_job *j = NULL;
		struct pool_result r;

		/*
		 * A worker that just finished takes its next job itself when
		 * one may go now, instead of sleeping until the dispatcher
		 * hands it one: two thread switches less per request. Jobs
		 * the dispatcher has readied for idle workers go first. Not
		 * while the requests sent whose outcomes are not yet committed
		 * number one per worker (unsettled()): that bounds what a
		 * kill -9 makes the next run send again. Nor while a failure awaits its done
		 * callback, which may halt the run (--max-failures): the
		 * dispatcher decides, as it would without self-admission.
		 */
		if (!p->ready.head && !p->quit && !p->stopping &&
		    !atomic_load(&p->stop_req) && p->started &&
		    p->nfail_pending == 0 &&
		    unsettled(p) < (size_t)p->cfg.workers)
			j = take_job(p, clock_mono_ns());
		if (!j) {
			while (!p->ready.head && !p->quit) {
				p->nidle++;
				pthread_cond_signal(&p->disp_cv);
				pthread_cond_wait(&p->work_cv, &p->mu);
				p->nidle--;
			}
			j = fifo_pop(&p->ready);
			if (!j)
				break;
			p->nready--;
		}
		p->nrunning++;
		p->nruns++;
		j->state = ST_RUNNING;
		j->runs++;
		ctx.pool = p;
		ctx.job = j;
		ctx.worker = wctx;
		ctx.worker_index = w->index;
		ctx.runs = j->runs;
		ctx.admitted = j->admitted;
		pthread_mutex_unlock(&p->mu);

		ctx.now = clock_mono_ns();
		r = j->run(j->payload, &ctx);

		/* Settle mode: the job is likely to end here; done_mu first
		 * (lock order), so that mu is taken once. */
		ending = p->cfg.settle && r.status != POOL_AGAIN;
		if (ending)
			pthread_mutex_lock(&p->done_mu);
		pthread_mutex_lock(&p->mu);
		p->nrunning--;
		if (r.status == POOL_AGAIN && !p->stopping &&
		    !atomic_load(&p->stop_req)) {
			/* No done callback: back to its queue or the heap at
			 * once, so that it goes before new jobs. */
			if (!j->replay_safe)
				p->nunsafe--;
			make_runnable(p, j, r.delay_ns);
			continue;
		}
		p->nfinishing++;
		if (r.status == POOL_FAILED)
			p->nfail_pending++;
		j->result = r;
		j->state = ST_RAN;
		if (!p->cfg.settle) {
			fifo_push(&p->completed, j);
			pthread_cond_signal(&p->disp_cv);
			continue;
		}
		/* Settle mode: its done callback runs here, now. */
		if (!ending)
			done_lock(p); /* POOL_AGAIN, stopping: cancelled */
		if (p->abandoned) {
			pthread_mutex_unlock(&p->done_mu);
			break;
		}
		take_result(j);
		run_done(p, j, !j->replay_safe);
		/* Until its callback had its say (--max-failures may halt the
		 * run), no worker took a job itself. */
		if (r.status == POOL_FAILED)
			p->nfail_pending--;
		pthread_mutex_unlock(&p->done_mu);
		/* The dispatcher returns when all have ended, halts on a
		 * stop, and hands work to idle workers (a failure awaiting
		 * its callback kept them from taking it themselves). */
		if (p->nfinished == p->nadded || atomic_load(&p->stop_req) ||
		    p->nidle > p->nready)
			pthread_cond_signal(&p->disp_cv);
	}
	pthread_mutex_unlock(&p->mu);
	if (p->cfg.worker_release)
		p->cfg.worker_release(wctx, p->cfg.arg);
	return NULL;
}

static void batch_edge(struct pool *p, void (*fn)(void *arg))
{
	if (!fn)
		return;
	pthread_mutex_unlock(&p->mu);
	fn(p->cfg.arg);
	pthread_mutex_lock(&p->mu);
}

/* done_mu and mu held (so below). */
static void batch_open(struct pool *p)
{
	if (p->in_batch)
		return;
	p->in_batch = 1;
	p->batch_n = 0;
	p->batch_at = clock_mono_ns();
	batch_edge(p, p->cfg.batch_begin);
}

/* Commits the open batch, then lets the jobs it released go. */
static void batch_close(struct pool *p)
{
	if (!p->in_batch)
		return;
	batch_edge(p, p->cfg.batch_end);
	p->in_batch = 0;
	p->batch_n = 0;
	p->batch_unsafe = 0;
	release_held(p);
}

/* A job that ran has ended: its outcome from its result. */
static void take_result(struct pool_job *j)
{
	if (j->result.status == POOL_AGAIN) {
		j->outcome = POOL_CANCELLED;
		j->reason = cancel_reason(j);
	} else {
		j->outcome =
		    j->result.status == POOL_DONE ? POOL_OK : POOL_FAIL;
	}
}

/*
 * Runs j's done callback inside the open batch and ends j. sent: its
 * request must not be sent twice, so it counts as unsettled until its
 * outcome is committed (no settle hook: the batch's) or settled.
 */
static void run_done(struct pool *p, struct pool_job *j, bool sent)
{
	struct pool_end end;

	end.outcome = j->outcome;
	end.reason = j->reason;
	end.runs = j->runs;
	if (j->done) {
		batch_open(p);
		if (p->cfg.settle) {
			p->in_done = 1;
		} else if (sent) {
			p->nunsafe--;
			p->batch_unsafe++;
			sent = false;
		}
		pthread_mutex_unlock(&p->mu);
		j->done(j->payload, &end);
		/* Settled before its request stops counting and before the
		 * work it released starts; other outcomes (a wizard poll's)
		 * wait for the batch's commit. */
		if (p->cfg.settle && sent)
			p->cfg.settle(p->cfg.arg);
		pthread_mutex_lock(&p->mu);
		p->batch_n++;
	}
	if (p->cfg.settle && p->in_done) {
		if (!sent && holds_unsafe(p))
			batch_edge(p, p->cfg.settle);
		p->in_done = 0;
		release_held(p);
	}
	if (sent)
		p->nunsafe--;
	finish_job(p, j);
	/* With settle, workers end batches too: the dispatcher (which would
	 * need waking for it) does so only when they stay idle. */
	if (p->batch_n >= batch_max(p) ||
	    (p->cfg.settle && clock_mono_ns() - p->batch_at >= batch_ns(p)))
		batch_close(p);
}

/* Runs done callbacks for everything completed (done_mu and mu held). */
static void drain_completed(struct pool *p)
{
	struct pool_job *j;

	while ((j = fifo_pop(&p->completed))) {
		bool sent = j->state == ST_RAN && !j->replay_safe;

		if (j->state == ST_RAN) {
			if (j->result.status == POOL_AGAIN && !p->stopping) {
				p->nfinishing--;
				if (!j->replay_safe)
					p->nunsafe--;
				make_runnable(p, j, j->result.delay_ns);
				continue;
			}
			if (j->result.status == POOL_FAILED)
				p->nfail_pending--;
			take_result(j);
		}
		run_done(p, j, sent);
	}
}

/*
 * Whether to commit the open batch now. Without a settle hook: it
 * released jobs (they wait for it), holds an outcome per worker, an idle
 * worker waits for it, it is batch_ns old, the run is stopping, or nothing
 * else is coming. With one, outcomes are already durable: only when it is
 * old, the run stops, or nothing else is coming.
 */
static bool batch_due(struct pool *p, int64_t now)
{
	if (!p->in_batch)
		return false;
	if (now - p->batch_at >= batch_ns(p) || p->stopping)
		return true;
	if (p->cfg.settle) /* workers ending jobs count as finishing */
		return p->nrunning == 0 && p->nfinishing == 0;
	return (p->nrunning == 0 && !p->completed.head) || p->held.head ||
	       p->batch_n >= (size_t)p->cfg.workers ||
	       (p->nidle > p->nready &&
	        unsettled(p) >= (size_t)p->cfg.workers);
}

static void counts_locked(struct pool *p, struct pool_counts *c)
{
	c->blocked = p->nblocked;
	c->queued = p->nqueued + p->nready;
	c->waiting = p->heap.n;
	c->running = p->nrunning;
	c->finishing = p->nfinishing;
	c->ok = p->nok;
	c->failed = p->nfailed;
	c->skipped = p->nskipped;
	c->cancelled = p->ncancelled;
	c->runs = p->nruns;
}

static void wait_until(struct pool *p, int64_t deadline)
{
	struct timespec ts;

	ts.tv_sec = (time_t)(deadline / TP_NS_PER_S);
	ts.tv_nsec = (long)(deadline % TP_NS_PER_S);
	pthread_cond_timedwait(&p->disp_cv, &p->mu, &ts);
}

enum pool_run_status pool_run(struct pool *p)
{
	enum pool_run_status st = POOL_RUN_FINISHED;
	int64_t stop_at = 0, next_tick = 0;
	int i;

	if (p->cfg.tick && p->cfg.tick_ns <= 0)
		p->cfg.tick_ns = TP_NS_PER_S;
	p->workers = xcalloc((size_t)p->cfg.workers, sizeof(*p->workers));
	pthread_mutex_lock(&p->mu);
	for (i = 0; i < p->cfg.workers; i++) {
		p->workers[i].pool = p;
		p->workers[i].index = i;
		if (pthread_create(&p->workers[i].thread, NULL, worker_main,
		                   &p->workers[i])) {
			/* Out of threads is like out of memory, unless some
			 * workers exist: then run with those. */
			if (i == 0) {
				fprintf(stderr, "teamsprov: cannot start a "
				                "worker thread\n");
				abort();
			}
			p->cfg.workers = i;
			break;
		}
	}
	p->started = 1;
	for (;;) {
		int64_t now, next, t;
		struct pool_job *j;

		/* Outcomes first: they release dependents and retries, which
		 * then compete for the idle workers with everything else. */
		if (p->completed.head) {
			done_lock(p);
			drain_completed(p);
			pthread_mutex_unlock(&p->done_mu);
		}
		now = clock_mono_ns();
		if (!p->stopping && atomic_load(&p->stop_req)) {
			p->stopping = 1;
			stop_at = now;
			cancel_waiting(p);
			continue; /* report the cancelled jobs */
		}
		if (batch_due(p, now)) {
			done_lock(p);
			batch_close(p);
			pthread_mutex_unlock(&p->done_mu);
		}
		if (p->cfg.tick && now >= next_tick) {
			struct pool_counts c;

			done_lock(p);
			counts_locked(p, &c);
			pthread_mutex_unlock(&p->mu);
			p->cfg.tick(p->cfg.arg, &c);
			pthread_mutex_unlock(&p->done_mu);
			pthread_mutex_lock(&p->mu);
			next_tick = now + p->cfg.tick_ns;
			continue;
		}
		while ((j = timerheap_pop_due(&p->heap, now)))
			make_runnable(p, j, 0);
		next = p->stopping ? INT64_MAX : admit(p, now);
		if (p->completed.head)
			continue;
		if (p->nfinished == p->nadded) {
			done_lock(p);
			batch_close(p);
			pthread_mutex_unlock(&p->done_mu);
			st = p->stopping ? POOL_RUN_STOPPED : POOL_RUN_FINISHED;
			break;
		}
		if (p->stopping && now - stop_at >= p->cfg.drain_ns) {
			done_lock(p);
			batch_close(p);
			/* Workers still running must not end their jobs now. */
			p->abandoned = 1;
			pthread_mutex_unlock(&p->done_mu);
			st = POOL_RUN_ABANDONED;
			break;
		}
		t = timerheap_next(&p->heap);
		if (t < INT64_MAX - TIMER_SLACK_NS && t + TIMER_SLACK_NS < next)
			next = t + TIMER_SLACK_NS;
		t = now + STOP_POLL_NS;
		if (t < next)
			next = t;
		if (p->in_batch && p->batch_at + batch_ns(p) < next)
			next = p->batch_at + batch_ns(p);
		if (p->cfg.tick && next_tick < next)
			next = next_tick;
		if (p->stopping && stop_at + p->cfg.drain_ns < next)
			next = stop_at + p->cfg.drain_ns;
		p->disp_next = next;
		wait_until(p, next);
		p->disp_next = 0;
	}
	pthread_mutex_unlock(&p->mu);
	if (st != POOL_RUN_ABANDONED)
		join_workers(p);
	else {
		pthread_mutex_lock(&p->mu);
		p->quit = 1;
		pthread_cond_broadcast(&p->work_cv);
		pthread_mutex_unlock(&p->mu);
	}
	return st;
}

void pool_stop(struct pool *p)
{
	atomic_store(&p->stop_req, 1);
}

bool pool_stopping(struct pool *p)
{
	return atomic_load(&p->stop_req) != 0;
}

void pool_get_counts(struct pool *p, struct pool_counts *c)
{
	pthread_mutex_lock(&p->mu);
	counts_locked(p, c);
	pthread_mutex_unlock(&p->mu);
}
