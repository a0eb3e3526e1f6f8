/*
 * teamsprov apply: provisions what the manifests describe and journals
 * every outcome, so that it can be run again at any time (after a fault,
 * a kill, or every night from cron) and does only what is missing.
 * This file is the command: options, the preflight that resolves names
 * against the live lists before anything is created, the summary, the
 * metrics and the exit status. The jobs live in apply_c2t.c.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "apply.h"
#include "c2t.h"
#include "clock.h"
#include "commands.h"
#include "diag.h"
#include "exitcode.h"
#include "resolve.h"
#include "units.h"

struct apply_opts {
	const char *metrics;
	struct fz_opts fz;
};

/* "--max-failures N" or "P%". */
static int parse_max_failures(const char *s, struct apply *ap)
{
	char *end;
	long v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || v < 0 || v > 1000000000L)
		return -1;
	if (*end == '%' && end[1] == '\0' && v <= 100) {
		ap->max_fail_pct = true;
	} else if (*end != '\0') {
		return -1;
	}
	ap->max_fail = v;
	return 0;
}

static int parse_opts(int argc, char **argv, struct apply *ap,
		      struct apply_opts *o)
{
	static const struct option opts[] = {
		{"max-failures", required_argument, NULL, 'f'},
		{"metrics", required_argument, NULL, 'M'},
		{"no-wait", no_argument, NULL, 'N'},
		{"wizard-timeout", required_argument, NULL, 'W'},
		{"restart-failed", no_argument, NULL, 'R'},
		{NULL, 0, NULL, 0},
	};
	const char *why;
	int c;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (parse_max_failures(optarg, ap) < 0)
				return cli_usage_error(
					"apply", "--max-failures wants N or "
						 "P%% (got \"%s\")",
					optarg);
			break;
		case 'M':
			o->metrics = optarg;
			break;
		case 'N':
			o->fz.no_wait = true;
			break;
		case 'R':
			o->fz.restart_failed = true;
			break;
		case 'W':
			if (units_parse_duration(optarg, &o->fz.timeout_ns,
						 &why) < 0)
				return cli_usage_error(
					"apply", "--wizard-timeout: %s (got "
						 "\"%s\")",
					why, optarg);
			o->fz.timeout_ns = o->fz.timeout_ns ? o->fz.timeout_ns
							    : -1;
			break;
		default:
			return cli_usage_error("apply", "unknown option \"%s\"",
					       argv[optind - 1]);
		}
	}
	if (optind < argc)
		return cli_usage_error("apply", "unexpected argument \"%s\"",
				       argv[optind]);
	return 0;
}

int apply_check_callback_base(struct apply *ap)
{
	const struct manifest *m = ap->rt->m;
	char *err = NULL;
	size_t i;

	if (ap->rt->cfg.c2t.callback_base) {
		if (http_url_check(ap->rt->cfg.c2t.callback_base, &err) < 0) {
			fprintf(stderr, "teamsprov: [c2t] callback_base: %s\n",
				err);
			free(err);
			return TP_EXIT_DATAERR;
		}
		return 0;
	}
	for (i = 0; i < m->n_ent; i++)
		if (!m->ent[i].redirect_url &&
		    rc_selected(ap->rt->g->only, ap->rt->g->n_only,
				m->ent[i].name)) {
			fprintf(stderr,
				"teamsprov: [c2t] callback_base is not set: "
				"action URLs need a redirect target (or a "
				"redirect_url for every enterprise)\n");
			return TP_EXIT_DATAERR;
		}
	return 0;
}

/* --- the end: summary, metrics, exit status ------------------------- */

void apply_print_summary(const struct apply *ap)
{
	size_t i;

	printf("enterprises: %zu selected, %zu created, %zu adopted, %zu "
	       "already present, %zu failed\n",
	       ap->ent_total, ap->ent_created, ap->ent_adopted,
	       ap->ent_present, ap->ent_failed);
	printf("action URLs: %zu issued, %zu failed\n", ap->urls_issued,
	       ap->urls_failed);
	if (ap->ent_missing)
		printf("not created yet: %zu enterprise%s (run apply)\n",
		       ap->ent_missing, ap->ent_missing == 1 ? "" : "s");
	if (ap->acs_total)
		printf("ACS assignments: %zu selected, %zu granted, %zu "
		       "revoked, %zu unchanged, %zu failed\n",
		       ap->acs_total, ap->acs_granted, ap->acs_revoked,
		       ap->acs_unchanged, ap->acs_failed);
	if (ap->cancelled)
		printf("not finished: %zu (run apply again to resume)\n",
		       ap->cancelled);
	for (i = 0; i < ap->n_fails; i++) {
		char *q = str_quote(ap->fails[i].item, 120);
		printf("failed: %s: %s\n", q, ap->fails[i].reason);
		free(q);
	}
	if (ap->halted)
		printf("halted: more failures than --max-failures allows\n");
	fflush(stdout);
}

static int write_metrics(const struct apply *ap, const char *path,
			 double seconds)
{
	static const char *const cls[6] = {"none", "1xx", "2xx",
					   "3xx",  "4xx", "5xx"};
	char *tmp = xasprintf("%s.tmp", path);
	FILE *f = fopen(tmp, "w");
	int i, k, rc = 0;

	if (!f) {
		fprintf(stderr, "teamsprov: %s: %s\n", tmp, strerror(errno));
		free(tmp);
		return TP_EXIT_CANTCREAT;
	}
	fprintf(f, "# HELP teamsprov_items Items of the last apply by kind "
		   "and outcome.\n# TYPE teamsprov_items gauge\n");
	fprintf(f, "teamsprov_items{kind=\"enterprise\",status=\"created\"} "
		   "%zu\n",
		ap->ent_created);
	fprintf(f, "teamsprov_items{kind=\"enterprise\",status=\"adopted\"} "
		   "%zu\n",
		ap->ent_adopted);
	fprintf(f, "teamsprov_items{kind=\"enterprise\",status=\"present\"} "
		   "%zu\n",
		ap->ent_present);
	fprintf(f, "teamsprov_items{kind=\"enterprise\",status=\"failed\"} "
		   "%zu\n",
		ap->ent_failed);
	fprintf(f, "teamsprov_items{kind=\"action_url\",status=\"issued\"} "
		   "%zu\n",
		ap->urls_issued);
	fprintf(f, "teamsprov_items{kind=\"action_url\",status=\"failed\"} "
		   "%zu\n",
		ap->urls_failed);
	apply_fusion_metrics(ap, f);
	fprintf(f, "teamsprov_items{kind=\"acs_assignment\",status="
		   "\"granted\"} %zu\n"
		   "teamsprov_items{kind=\"acs_assignment\",status="
		   "\"revoked\"} %zu\n"
		   "teamsprov_items{kind=\"acs_assignment\",status="
		   "\"unchanged\"} %zu\n"
		   "teamsprov_items{kind=\"acs_assignment\",status="
		   "\"failed\"} %zu\n",
		ap->acs_granted, ap->acs_revoked, ap->acs_unchanged,
		ap->acs_failed);
	fprintf(f, "# HELP teamsprov_requests_total HTTP requests by API and "
		   "status class.\n# TYPE teamsprov_requests_total counter\n");
	for (i = 0; i < API_COUNT; i++) {
		const struct api *a = &ap->rt->apis[i];

		if (!ap->rt->api_ready[i])
			continue;
		for (k = 0; k < 6; k++)
			fprintf(f,
				"teamsprov_requests_total{api=\"%s\","
				"code=\"%s\"} %lu\n",
				a->name, cls[k],
				(unsigned long)atomic_load(&a->by_class[k]));
	}
	fprintf(f, "# HELP teamsprov_retries_total Attempts after the first."
		   "\n# TYPE teamsprov_retries_total counter\n");
	for (i = 0; i < API_COUNT; i++)
		if (ap->rt->api_ready[i])
			fprintf(f, "teamsprov_retries_total{api=\"%s\"} %lu\n",
				ap->rt->apis[i].name,
				(unsigned long)atomic_load(
					&ap->rt->apis[i].retries));
	fprintf(f, "# HELP teamsprov_rate_limited_total 429 answers.\n"
		   "# TYPE teamsprov_rate_limited_total counter\n");
	for (i = 0; i < API_COUNT; i++)
		if (ap->rt->api_ready[i])
			fprintf(f,
				"teamsprov_rate_limited_total{api=\"%s\"} "
				"%lu\n",
				ap->rt->apis[i].name,
				(unsigned long)atomic_load(
					&ap->rt->apis[i].status_429));
	fprintf(f, "# HELP teamsprov_run_duration_seconds Wall time of the "
		   "last apply.\n# TYPE teamsprov_run_duration_seconds gauge\n"
		   "teamsprov_run_duration_seconds %.3f\n",
		seconds);
	fprintf(f, "# HELP teamsprov_last_run_timestamp_seconds When the "
		   "last apply ended.\n"
		   "# TYPE teamsprov_last_run_timestamp_seconds gauge\n"
		   "teamsprov_last_run_timestamp_seconds %lld\n",
		(long long)(clock_wall_ns() / TP_NS_PER_S));
	if (fflush(f) != 0 || ferror(f))
		rc = TP_EXIT_CANTCREAT;
	if (fclose(f) != 0)
		rc = TP_EXIT_CANTCREAT;
	if (rc == 0 && rename(tmp, path) < 0)
		rc = TP_EXIT_CANTCREAT;
	if (rc) {
		fprintf(stderr, "teamsprov: cannot write %s: %s\n", path,
			strerror(errno));
		unlink(tmp);
	}
	free(tmp);
	return rc;
}

int apply_exit_status(const struct apply *ap)
{
	const struct api *c2t = &ap->rt->apis[API_C2T];
	size_t ok = ap->ent_created + ap->ent_adopted + ap->urls_issued +
		    ap->other_ok;
	size_t acs_ok = ap->acs_granted + ap->acs_revoked + ap->acs_unchanged;
	size_t unreach = 0, refused = 0, i;
	int rc = 0;

	for (i = 0; i < ap->n_fails; i++) {
		unreach += ap->fails[i].kind == API_FAIL_UNREACHABLE;
		refused += ap->fails[i].kind == API_FAIL_REFUSED;
	}
	if (atomic_load(&c2t->auth_refused) ||
	    atomic_load(&ap->rt->apis[API_FUSION].auth_refused))
		rc = tp_exit_merge(rc, TP_EXIT_NOPERM);
	/* Every ACS request refused (a wrong key, a skewed clock): 77. */
	if (ap->acs_refused && acs_ok == 0)
		rc = tp_exit_merge(rc, TP_EXIT_NOPERM);
	/* ACS unreachable for every row it had: 69, whatever C2T did. */
	if (ap->acs_unreachable && acs_ok == 0 &&
	    ap->acs_unreachable == ap->acs_failed)
		rc = tp_exit_merge(rc, TP_EXIT_UNAVAIL);
	ok += acs_ok;
	if (ap->n_fails && ok == 0 && refused == ap->n_fails)
		rc = tp_exit_merge(rc, TP_EXIT_NOPERM);
	if (ap->n_fails && ok == 0 && unreach == ap->n_fails)
		rc = tp_exit_merge(rc, TP_EXIT_UNAVAIL);
	rc = tp_exit_merge(rc, apply_fusion_exit(ap));
	if (ap->journal_error)
		rc = tp_exit_merge(rc, TP_EXIT_CANTCREAT);
	if (ap->interrupted || ap->abandoned)
		rc = tp_exit_merge(rc, TP_EXIT_TEMPFAIL);
	if (ap->wizards_left)
		rc = tp_exit_merge(rc, TP_EXIT_TEMPFAIL);
	if (ap->n_fails || ap->halted)
		rc = tp_exit_merge(rc, TP_EXIT_FAILED);
	return rc;
}

/* The Fusion rows the run will handle (none: no [fusion] needed). */
static int setup_fusion(struct apply *ap, const struct apply_opts *o)
{
	struct runtime *rt = ap->rt;
	struct fz_opts fo = o->fz;
	size_t i, n = 0;
	int rc;

	for (i = 0; i < rt->m->n_fusion; i++)
		n += !rt->g->n_only ||
		     (rt->m->fusion[i].enterprise &&
		      rc_selected(rt->g->only, rt->g->n_only,
				  rt->m->fusion[i].enterprise));
	if (n == 0)
		return 0;
	if ((rc = rt_setup_api(rt, API_FUSION)) != 0)
		return rc;
	if (fo.timeout_ns == 0)
		fo.timeout_ns = rt->cfg.fusion.wizard_timeout;
	else if (fo.timeout_ns < 0)
		fo.timeout_ns = 0; /* --wizard-timeout 0: wait forever */
	return apply_fusion_prepare(ap, &fo);
}

void apply_release(struct apply *ap)
{
	size_t i;

	for (i = 0; ap->ids && ap->rt->m && i < ap->rt->m->n_ent; i++) {
		free(ap->ids[i].sbc);
		free(ap->ids[i].pbx);
	}
	free(ap->ids);
	for (i = 0; i < ap->n_fails; i++) {
		free(ap->fails[i].item);
		free(ap->fails[i].reason);
	}
	free(ap->fails);
}

int cmd_apply(int argc, char **argv, struct tp_globals *g)
{
	struct runtime rt;
	struct apply ap;
	struct apply_opts o;
	struct http_client *client = NULL;
	int64_t t0 = clock_mono_ns();
	int rc;

	memset(&ap, 0, sizeof(ap));
	memset(&o, 0, sizeof(o));
	ap.max_fail = -1;
	if ((rc = parse_opts(argc, argv, &ap, &o)) != 0)
		return rc;
	rt_init(&rt, g);
	ap.rt = &rt;
	rc = rt_load_config(&rt, true);
	if (rc == 0)
		rc = rt_load_manifest(&rt);
	if (rc == 0)
		rc = apply_check_callback_base(&ap);
	if (rc == 0)
		rc = rt_setup_api(&rt, API_C2T);
	if (rc == 0 && apply_acs_selected(&ap))
		rc = rt_setup_api(&rt, API_ACS);
	if (rc == 0)
		rc = rt_open_state(&rt, JOURNAL_WRITE);
	if (rc == 0)
		rc = rt_open_log(&rt);
	if (rc == 0)
		rc = setup_fusion(&ap, &o);
	if (rc == 0) {
		client = http_client_new(&rt.http);
		rc = resolve_live(&rt, client, &ap.ids);
		http_client_free(client);
	}
	if (rc == 0) {
		ap.rco.now_ms = clock_wall_ns() / TP_NS_PER_MS;
		ap.rco.max_age_ms = rt.cfg.run.url_max_age / TP_NS_PER_MS;
		rc = apply_c2t(&ap);
		apply_print_summary(&ap);
		apply_fusion_summary(&ap);
		rc = tp_exit_merge(rc, apply_exit_status(&ap));
		if (o.metrics)
			rc = tp_exit_merge(
				rc, write_metrics(&ap, o.metrics,
						  (double)(clock_mono_ns() - t0) /
							  1e9));
	}
	if (ap.abandoned) {
		/* Workers are still inside requests past the drain limit:
		 * everything finished is journaled, so leave at once. */
		fflush(stdout);
		_exit(rc);
	}
	apply_fusion_release(&ap);
	apply_release(&ap);
	return rt_release(&rt, rc);
}
