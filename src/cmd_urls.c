/*
 * teamsprov urls: issues or re-issues the action URLs of enterprises that
 * exist already: those never issued or older than url_max_age, every one
 * with --refresh (failed ones included), or one action type for all with
 * --action (LOGIN_ENTERPRISE_ADMIN is issued only this way). It creates
 * nothing: enterprises not created yet are left to apply.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "actions.h"
#include "apply.h"
#include "clock.h"
#include "commands.h"
#include "exitcode.h"

int cmd_urls(int argc, char **argv, struct tp_globals *g)
{
	static const struct option opts[] = {
		{"action", required_argument, NULL, 'a'},
		{"refresh", no_argument, NULL, 'r'},
		{NULL, 0, NULL, 0},
	};
	struct runtime rt;
	struct apply ap;
	int c, rc;

	memset(&ap, 0, sizeof(ap));
	ap.max_fail = -1;
	ap.urls_only = true;
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		if (c == 'a') {
			if (!act_find(optarg))
				return cli_usage_error(
					"urls", "unknown action type \"%s\"",
					optarg);
			ap.rco.only_action = optarg;
		} else if (c == 'r') {
			ap.rco.refresh = true;
		} else {
			return cli_usage_error("urls", "unknown option \"%s\"",
					       argv[optind - 1]);
		}
	}
	if (optind < argc)
		return cli_usage_error("urls", "unexpected argument \"%s\"",
				       argv[optind]);
	rt_init(&rt, g);
	ap.rt = &rt;
	rc = rt_load_config(&rt, true);
	if (rc == 0)
		rc = rt_load_manifest(&rt);
	if (rc == 0)
		rc = apply_check_callback_base(&ap);
	if (rc == 0)
		rc = rt_setup_api(&rt, API_C2T);
	if (rc == 0)
		rc = rt_open_state(&rt, JOURNAL_WRITE);
	if (rc == 0)
		rc = rt_open_log(&rt);
	if (rc == 0) {
		ap.ids = xcalloc(rt.m->n_ent + 1, sizeof(*ap.ids));
		ap.rco.now_ms = clock_wall_ns() / TP_NS_PER_MS;
		ap.rco.max_age_ms = rt.cfg.run.url_max_age / TP_NS_PER_MS;
		rc = apply_c2t(&ap);
		apply_print_summary(&ap);
		rc = tp_exit_merge(rc, apply_exit_status(&ap));
	}
	if (ap.abandoned) {
		fflush(stdout);
		_exit(rc);
	}
	apply_release(&ap);
	return rt_release(&rt, rc);
}
