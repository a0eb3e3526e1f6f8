/*
 * progress: the progress line (see progress.h).
 */
#include "progress.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "util.h"

struct progress {
	struct pool *pool;
	const char *what;
	bool tty;
	bool stop;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int64_t start;
	bool printed;
	void (*extra)(void *arg, char *buf, size_t n);
	void *extra_arg;
};

static void print_line(struct progress *pr)
{
	struct pool_counts c;
	size_t done, total;
	double secs, rps;
	char eta[32] = "-", extra[160] = "";

	pool_get_counts(pr->pool, &c);
	done = c.ok + c.failed + c.skipped + c.cancelled;
	total = done + c.blocked + c.queued + c.waiting + c.running +
		c.finishing;
	secs = (double)(clock_mono_ns() - pr->start) / 1e9;
	rps = secs > 0 ? (double)c.runs / secs : 0;
	if (done > 0 && total > done && secs > 0) {
		long left = (long)(secs / (double)done * (double)(total - done));
		snprintf(eta, sizeof(eta), "%ld:%02ld", left / 60, left % 60);
	}
	if (pr->extra)
		pr->extra(pr->extra_arg, extra, sizeof(extra));
	fprintf(stderr,
		"%s%s: %zu/%zu done, %.1f req/s, ETA %s, %zu failed%s%s",
		pr->tty ? "\r" : "", pr->what, done, total, rps, eta,
		c.failed + c.skipped, extra, pr->tty ? "\033[K" : "\n");
	fflush(stderr);
	pr->printed = true;
}

static void *run(void *arg)
{
	struct progress *pr = arg;
	int64_t period = pr->tty ? 250 * TP_NS_PER_MS : 10 * TP_NS_PER_S;
	struct timespec ts;

	pthread_mutex_lock(&pr->mu);
	while (!pr->stop) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_sec += (time_t)(period / TP_NS_PER_S);
		ts.tv_nsec += (long)(period % TP_NS_PER_S);
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		if (pthread_cond_timedwait(&pr->cv, &pr->mu, &ts) != 0 &&
		    !pr->stop)
			print_line(pr);
	}
	pthread_mutex_unlock(&pr->mu);
	return NULL;
}

struct progress *progress_start(struct pool *p, const char *what,
				bool enabled)
{
	struct progress *pr;
	pthread_condattr_t ca;

	if (!enabled)
		return NULL;
	pr = xcalloc(1, sizeof(*pr));
	pr->pool = p;
	pr->what = what;
	pr->tty = isatty(2);
	pr->start = clock_mono_ns();
	pthread_mutex_init(&pr->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&pr->cv, &ca);
	pthread_condattr_destroy(&ca);
	if (pthread_create(&pr->thread, NULL, run, pr) != 0) {
		pthread_cond_destroy(&pr->cv);
		pthread_mutex_destroy(&pr->mu);
		free(pr);
		return NULL;
	}
	return pr;
}

void progress_set_extra(struct progress *pr,
			void (*fn)(void *arg, char *buf, size_t n), void *arg)
{
	if (!pr)
		return;
	pthread_mutex_lock(&pr->mu);
	pr->extra = fn;
	pr->extra_arg = arg;
	pthread_mutex_unlock(&pr->mu);
}

void progress_stop(struct progress *pr)
{
	if (!pr)
		return;
	pthread_mutex_lock(&pr->mu);
	pr->stop = true;
	pthread_cond_signal(&pr->cv);
	pthread_mutex_unlock(&pr->mu);
	pthread_join(pr->thread, NULL);
	if (pr->tty && pr->printed)
		fputs("\r\033[K", stderr);
	pthread_cond_destroy(&pr->cv);
	pthread_mutex_destroy(&pr->mu);
	free(pr);
}
