/*
 * teamsprov callback --listen ADDR:PORT: the consent receiver. Serves the
 * redirect URLs of the action URLs (cbrecv.h) and makes the follow-up
 * calls to ConnecttoTeams through the worker pool (cbfollow.h). It runs
 * beside apply and the other commands: it never takes the state lock and
 * writes the journal in short BEGIN IMMEDIATE transactions.
 *
 * Threads: the server's, the pool's dispatcher and workers, and this one,
 * which only waits for SIGINT/SIGTERM (blocked everywhere else). On the
 * signal: stop accepting, finish the requests being served, give queued
 * follow-up calls 10 s, then stop the pool and exit 0.
 */
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cbfollow.h"
#include "cbrecv.h"
#include "clock.h"
#include "commands.h"
#include "exitcode.h"
#include "listenaddr.h"
#include "runtime.h"

#define DEFAULT_LISTEN "127.0.0.1:8080"
#define FOLLOW_GRACE_S 10

struct cb_run {
	struct runtime *rt;
	struct pool *pool;
	atomic_int closing;
	enum pool_run_status st;
};

static void *worker_init(void *arg, int index)
{
	struct cb_run *cr = arg;

	(void)index;
	return http_client_new(&cr->rt->http);
}

static void worker_release(void *worker, void *arg)
{
	(void)arg;
	http_client_free(worker);
}

/* Keeps the pool running while the receiver may add jobs. */
static struct pool_result keeper_run(void *payload, struct pool_ctx *ctx)
{
	struct cb_run *cr = payload;

	(void)ctx;
	if (atomic_load(&cr->closing))
		return pool_done();
	return pool_again(100 * TP_NS_PER_MS);
}

static void *pool_thread(void *arg)
{
	struct cb_run *cr = arg;

	cr->st = pool_run(cr->pool);
	return NULL;
}

/* The path of callback_base ("/teamsprov"), or NULL when it has none. */
static char *base_path(const char *base)
{
	const char *p = base ? strstr(base, "://") : NULL;
	size_t n;

	if (!p || !(p = strchr(p + 3, '/')))
		return NULL;
	n = strcspn(p, "?#");
	while (n > 0 && p[n - 1] == '/')
		n--;
	return n ? xstrndup(p, n) : NULL;
}

static int serve(struct runtime *rt, struct listenaddr *addr)
{
	struct cb_run cr;
	struct pool_config pc;
	struct adaptive *govs[API_COUNT] = {NULL};
	struct pool_job_spec spec;
	struct cbrecv_config rc;
	struct cbrecv *rv = NULL;
	struct cbfollow *f;
	struct cbrecv_counts nr = {0, 0};
	struct cbfollow_counts nf;
	pthread_mutex_t jlock = PTHREAD_MUTEX_INITIALIZER;
	pthread_t th;
	sigset_t set;
	struct timespec until;
	char *prefix = base_path(rt->cfg.c2t.callback_base), *err = NULL;
	const char *prefixes[1];
	int sig, status = 0;

	memset(&cr, 0, sizeof(cr));
	cr.rt = rt;
	govs[API_C2T] = &rt->apis[API_C2T].gov;
	pool_config_default(&pc);
	pc.workers = rt->workers < 4 ? rt->workers : 4;
	pc.apis = govs;
	pc.napis = API_COUNT;
	pc.worker_init = worker_init;
	pc.worker_release = worker_release;
	pc.arg = &cr;
	cr.pool = pool_new(&pc);
	memset(&spec, 0, sizeof(spec));
	spec.name = "receiver";
	spec.api = POOL_NO_API;
	spec.run = keeper_run;
	spec.payload = &cr;
	pool_add(cr.pool, &spec);
	f = cbfollow_new(rt, cr.pool, &jlock);

	/* Every thread started from here on inherits the blocked signals;
	 * this one takes them with sigwait. */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	if (pthread_create(&th, NULL, pool_thread, &cr) != 0) {
		fprintf(stderr, "teamsprov: cannot start the worker pool\n");
		cbfollow_free(f);
		pool_free(cr.pool);
		free(prefix);
		return TP_EXIT_UNAVAIL;
	}
	memset(&rc, 0, sizeof(rc));
	rc.j = rt->j;
	rc.jlock = &jlock;
	prefixes[0] = prefix;
	rc.prefixes = prefixes;
	rc.n_prefixes = prefix ? 1 : 0;
	rc.log = rt->log;
	rc.on_event = cbfollow_on_event;
	rc.arg = f;
	if (cbrecv_start(&rc, addr, &rv, &err) < 0) {
		fprintf(stderr, "teamsprov: %s\n", err);
		free(err);
		status = TP_EXIT_UNAVAIL;
	} else {
		printf("listening on %s\n", addr->text);
		fflush(stdout);
		do {
			sig = 0;
			sigwait(&set, &sig);
		} while (sig != SIGINT && sig != SIGTERM);
		cbrecv_stop(rv, &nr);
		rv = NULL;
	}
	atomic_store(&cr.closing, 1);
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += FOLLOW_GRACE_S;
	if (pthread_timedjoin_np(th, NULL, &until) != 0) {
		pool_stop(cr.pool);
		pthread_join(th, NULL);
	}
	cbfollow_get_counts(f, &nf);
	if (status == 0 && !rt->g->quiet) {
		fprintf(stderr,
			"callback: %lu answers recorded, %lu refused; %lu "
			"consents confirmed, %lu tenant admin API provisioned, "
			"%lu EnterpriseManagement by reseller, %lu login URLs "
			"issued, %lu follow-ups failed\n",
			nr.recorded, nr.refused, nf.confirmed, nf.provisioned,
			nf.em_by_reseller, nf.logins_issued, nf.failed);
	}
	if (cr.st == POOL_RUN_ABANDONED) {
		/* A request still hangs after the drain: what finished is
		 * journaled; leave the rest. */
		fflush(stdout);
		_exit(status);
	}
	cbfollow_free(f);
	pool_free(cr.pool);
	pthread_mutex_destroy(&jlock);
	free(prefix);
	return status;
}

int cmd_callback(int argc, char **argv, struct tp_globals *g)
{
	static const struct option opts[] = {
		{"listen", required_argument, NULL, 'l'},
		{NULL, 0, NULL, 0},
	};
	const char *listen = DEFAULT_LISTEN, *why;
	struct listenaddr addr;
	struct runtime rt;
	struct http_client *c;
	char *err = NULL;
	int ch, rc;

	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		if (ch == 'l')
			listen = optarg;
		else
			return cli_usage_error("callback",
					       "unknown option \"%s\"",
					       argv[optind - 1]);
	}
	if (optind < argc)
		return cli_usage_error("callback",
				       "unexpected argument \"%s\"",
				       argv[optind]);
	if (listenaddr_parse(listen, &addr, &why) < 0)
		return cli_usage_error("callback", "--listen %s: %s", listen,
				       why);
	rt_init(&rt, g);
	rc = rt_load_config(&rt, true);
	if (rc == 0)
		rc = rt_setup_api(&rt, API_C2T);
	if (rc == 0) {
		/* Never the state lock: the receiver runs beside apply. */
		rt.state_path = rt.g->state ? xstrdup(rt.g->state)
					    : xasprintf("%s/teamsprov.db",
							rt.g->manifest);
		rt_recover_idle(rt.state_path);
		if (journal_open(rt.state_path, JOURNAL_WRITE, &rt.j, &err) <
		    0) {
			fprintf(stderr, "teamsprov: %s\n", err);
			free(err);
			rc = TP_EXIT_CANTCREAT;
		}
	}
	if (rc == 0 && !rt.cfg.c2t.callback_base)
		fprintf(stderr, "teamsprov: callback: [c2t] callback_base is "
				"not set: serving /cb/TOKEN only, and no "
				"login URLs can be issued\n");
	if (rc == 0) {
		/* The EnterpriseManagement-by-reseller call needs it; a
		 * receiver that cannot ask now still records answers. */
		c = http_client_new(&rt.http);
		if (rt_reseller_id(&rt, c) != 0)
			fprintf(stderr, "teamsprov: callback: the reseller id "
					"is unknown; EnterpriseManagement "
					"cannot be confirmed by reseller\n");
		http_client_free(c);
		rc = serve(&rt, &addr);
	}
	return rt_release(&rt, rc);
}
