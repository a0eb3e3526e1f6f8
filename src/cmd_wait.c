/*
 * teamsprov wait: polls every wizard the journal shows running (after
 * apply --no-wait, a time-out, or a crash) until each is done or failed,
 * without starting any wizard again. It needs the configuration's
 * [fusion] section and the state file, not the manifest.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "apply.h"
#include "commands.h"
#include "exitcode.h"
#include "units.h"

int cmd_wait(int argc, char **argv, struct tp_globals *g)
{
	static const struct option opts[] = {
		{"timeout", required_argument, NULL, 't'},
		{NULL, 0, NULL, 0},
	};
	struct runtime rt;
	struct apply ap;
	struct fz_opts fo;
	const char *why;
	int64_t timeout = -1;
	int c, rc;

	memset(&fo, 0, sizeof(fo));
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		if (c != 't')
			return cli_usage_error("wait", "unknown option \"%s\"",
					       argv[optind - 1]);
		if (units_parse_duration(optarg, &timeout, &why) < 0)
			return cli_usage_error("wait", "--timeout: %s (got "
						       "\"%s\")",
					       why, optarg);
	}
	if (optind < argc)
		return cli_usage_error("wait", "unexpected argument \"%s\"",
				       argv[optind]);
	memset(&ap, 0, sizeof(ap));
	ap.max_fail = -1;
	ap.fusion_only = true;
	rt_init(&rt, g);
	ap.rt = &rt;
	rc = rt_load_config(&rt, true);
	if (rc == 0) {
		/* The state file lives in the manifest directory unless
		 * --state says otherwise; no manifest is read. */
		char *p = g->state ? xstrdup(g->state)
				   : xasprintf("%s/teamsprov.db", g->manifest);

		if (access(p, F_OK) != 0) {
			fprintf(stderr, "teamsprov: %s: no state file: nothing "
					"to wait for\n",
				p);
			rc = TP_EXIT_DATAERR;
		}
		free(p);
	}
	if (rc == 0)
		rc = rt_open_state(&rt, JOURNAL_WRITE);
	if (rc == 0)
		rc = rt_setup_api(&rt, API_FUSION);
	if (rc == 0) {
		fo.wait_only = true;
		fo.timeout_ns = timeout >= 0 ? timeout
					     : rt.cfg.fusion.wizard_timeout;
		rc = apply_fusion_prepare(&ap, &fo);
	}
	if (rc == 0) {
		rc = apply_c2t(&ap);
		apply_fusion_summary(&ap);
		for (size_t i = 0; i < ap.n_fails; i++) {
			char *q = str_quote(ap.fails[i].item, 120);
			printf("failed: %s: %s\n", q, ap.fails[i].reason);
			free(q);
		}
		fflush(stdout);
		rc = tp_exit_merge(rc, apply_exit_status(&ap));
	}
	if (ap.abandoned) {
		fflush(stdout);
		_exit(rc);
	}
	apply_fusion_release(&ap);
	apply_release(&ap);
	return rt_release(&rt, rc);
}
