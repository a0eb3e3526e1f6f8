/*
 * teamsprov report [--out DIR] [--fail-on-pending]: writes the reports of
 * spec §7 from the journal and the manifest: pending_consents.csv,
 * enterprises.csv, index.html, enterprises/<slug>.html and .csv,
 * summary.json and failed/. Read-only on the journal (no state lock).
 * Every file is renamed into place only after all were written
 * (report_out.h): a failure leaves the previous report as it was.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "commands.h"
#include "config.h"
#include "exitcode.h"
#include "report.h"
#include "report_failed.h"
#include "report_out.h"
#include "report_slug.h"
#include "runtime.h"

/* Appends s quoted for a POSIX shell when it needs it. */
static void sh_quote(struct buf *b, const char *s)
{
	const char *p;

	if (*s && strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTU"
	                    "VWXYZ0123456789_-./=:@%+,") == strlen(s)) {
		buf_adds(b, s);
		return;
	}
	buf_addc(b, '\'');
	for (p = s; *p; p++) {
		if (*p == '\'')
			buf_adds(b, "'\\''");
		else
			buf_addc(b, *p);
	}
	buf_addc(b, '\'');
}

static int same_dir(const char *a, const char *b)
{
	struct stat sa, sb;

	return stat(a, &sa) == 0 && stat(b, &sb) == 0 &&
	       sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/* Every file of the report into o; 0 or -1 with *err set. */
static int write_all(const struct rp_model *m, struct rp_out *o, char **err)
{
	struct buf b;
	size_t i;
	int rc = 0;

	buf_init(&b);
#define PUT(sub, name)                                                         \
	do {                                                                   \
		rc = rp_out_write(o, sub, name, b.p, b.len, err);              \
		buf_reset(&b);                                                 \
		if (rc < 0)                                                    \
			goto out;                                              \
	} while (0)
	report_pending_csv(m, &b);
	PUT(NULL, "pending_consents.csv");
	report_enterprises_csv(m, &b);
	PUT(NULL, "enterprises.csv");
	report_summary_json(m, &b);
	PUT(NULL, "summary.json");
	report_index_html(m, &b);
	PUT(NULL, "index.html");
	for (i = 0; i < m->n_ent; i++) {
		char name[SLUG_NAME_MAX];

		report_ent_html(m, &m->ent[i], &b);
		snprintf(name, sizeof(name), "%s.html", m->ent[i].slug);
		PUT("enterprises", name);
		report_ent_csv(&m->ent[i], &b);
		snprintf(name, sizeof(name), "%s.csv", m->ent[i].slug);
		PUT("enterprises", name);
	}
#undef PUT
out:
	buf_release(&b);
	return rc;
}

static void print_retry(const char *state, const char *out, long items,
                        size_t missing)
{
	struct buf b;
	char *dir;

	if (items > 0) {
		buf_init(&b);
		dir = xasprintf("%s/failed", out);
		buf_adds(&b, "teamsprov apply -m ");
		sh_quote(&b, dir);
		buf_adds(&b, " --state ");
		sh_quote(&b, state);
		printf("%ld failed item%s; to retry just them:\n  %s\n", items,
		       items == 1 ? "" : "s", b.p);
		free(dir);
		buf_release(&b);
	}
	if (missing)
		printf("%zu failed item%s without a manifest row (not in "
		       "failed/)\n",
		       missing, missing == 1 ? "" : "s");
}

int cmd_report(int argc, char **argv, struct tp_globals *g)
{
	static const struct option opts[] = {
	    {"out", required_argument, NULL, 'o'},
	    {"fail-on-pending", no_argument, NULL, 'f'},
	    {NULL, 0, NULL, 0},
	};
	const char *out = "report";
	int c, rc = 0, fail_on_pending = 0;
	struct runtime rt;
	struct rp_model m;
	struct rp_out *o = NULL;
	char *err = NULL, *conf = NULL, *mpath, *state;
	long items = 0;
	size_t missing = 0;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		if (c == 'o')
			out = optarg;
		else if (c == 'f')
			fail_on_pending = 1;
		else
			return cli_usage_error("report",
			                       "unknown option \"%s\"",
			                       argv[optind - 1]);
	}
	if (optind < argc)
		return cli_usage_error("report", "unexpected argument \"%s\"",
		                       argv[optind]);
	if (!*out)
		return cli_usage_error("report", "--out wants a directory");
	if (same_dir(out, g->manifest))
		return cli_usage_error("report", "--out may not be the "
		                                 "manifest directory");
	rt_init(&rt, g);
	rp_model_init(&m, clock_wall_ns() / TP_NS_PER_MS);
	/* The manifest says what each enterprise needs; without one the
	 * report shows what the journal knows. */
	mpath = xasprintf("%s/enterprises.csv", g->manifest);
	if (access(mpath, F_OK) == 0)
		rc = rt_load_manifest(&rt);
	free(mpath);
	if (rc == 0 && rt.m)
		rp_model_add_manifest(&m, rt.m);
	state = g->state ? xstrdup(g->state)
	                 : xasprintf("%s/teamsprov.db", g->manifest);
	if (rc == 0 && access(state, F_OK) == 0) {
		rc = rt_open_state(&rt, JOURNAL_READ);
		if (rc == 0 && rp_model_load_journal(&m, rt.j) < 0) {
			fprintf(stderr, "teamsprov: %s: %s\n", rt.state_path,
			        journal_errmsg(rt.j));
			rc = TP_EXIT_DATAERR;
		}
	} else if (rc == 0 && rt.m) {
		if (!g->quiet)
			fprintf(stderr,
			        "teamsprov: no state file %s yet: everything "
			        "is reported as pending\n",
			        state);
	} else if (rc == 0) {
		fprintf(stderr,
		        "teamsprov: neither %s nor %s/enterprises.csv "
		        "exists: nothing to report\n",
		        state, g->manifest);
		rc = TP_EXIT_DATAERR;
	}
	if (rc != 0)
		goto done;
	rp_model_finish(&m);
	conf = config_locate(g->config, g->manifest);
	if (rp_out_open(out, &o, &err) < 0 || write_all(&m, o, &err) < 0 ||
	    (items = report_failed(&m, rt.m, conf, o, &missing, &err)) < 0 ||
	    rp_out_commit(o, &err) < 0) {
		fprintf(stderr, "teamsprov: %s\n", err);
		rc = TP_EXIT_CANTCREAT;
		goto done;
	}
	if (!g->quiet)
		printf("report: %s/index.html (%zu enterprises, %zu mandatory "
		       "actions pending in %zu, %zu consents in error)\n",
		       out, m.t.enterprises, m.t.mandatory_pending,
		       m.t.ent_with_mandatory_pending, m.t.error);
	print_retry(state, out, items, missing);
	if (fail_on_pending && m.t.mandatory_pending > 0)
		rc = TP_EXIT_PENDING;
done:
	free(state);
	free(err);
	free(conf);
	rp_out_free(o);
	rp_model_release(&m);
	return rt_release(&rt, rc);
}
