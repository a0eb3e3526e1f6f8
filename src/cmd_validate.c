/*
 * teamsprov validate: offline checks of every manifest file and of the
 * configuration (spec §3, §9). There is no network code on this path: it
 * reads files and prints what is wrong, GCC-style.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "commands.h"
#include "config.h"
#include "diag.h"
#include "exitcode.h"
#include "manifest.h"

static void print_ok(const struct manifest *m)
{
	struct mf_counts n;

	manifest_counts(m, &n);
	printf("ok: %zu enterprises, %zu services, %zu SBC gateways, "
	       "%zu PBX types, %zu Fusion subscriptions, %zu ACS "
	       "assignments\n",
	       n.enterprises, n.services, n.sbc_gateways, n.pbx_types,
	       n.fusion, n.acs);
}

int cmd_validate(int argc, char **argv, struct tp_globals *g)
{
	static const struct option opts[] = {{NULL, 0, NULL, 0}};
	struct manifest *m = NULL;
	struct config cfg;
	struct diag d;
	char *path;
	int rc;

	optind = 0;
	opterr = 0;
	if (getopt_long(argc, argv, "+", opts, NULL) != -1 || optind < argc)
		return cli_usage_error("validate", "validate takes no "
						   "arguments (got \"%s\")",
				       argv[optind < argc ? optind : argc - 1]);

	diag_init(&d);
	config_init(&cfg);
	path = config_locate(g->config, g->manifest);
	if (path && config_load_file(&cfg, path, &d) == 0)
		config_check_secrets(&cfg, NULL, &d);
	config_apply_env(&cfg, &d);
	manifest_load(g->manifest, &m, &d);
	if (m)
		manifest_check_secrets(m, &d);
	diag_print(&d, stderr);
	if (d.errors) {
		fprintf(stderr, "teamsprov: %zu error%s; nothing was sent\n",
			d.errors, d.errors == 1 ? "" : "s");
		rc = TP_EXIT_DATAERR;
	} else {
		print_ok(m);
		rc = TP_EXIT_OK;
	}
	manifest_free(m);
	config_release(&cfg);
	free(path);
	diag_release(&d);
	return rc;
}
