/*
 * teamsprov: entry point. Process hygiene (fds 0-2 open, SIGPIPE ignored,
 * stdout checked at exit) and the command table; everything else lives in
 * the commands (src/cmd_*.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "exitcode.h"
#include "redact.h"
#include "suggest.h"

const struct tp_command tp_commands[] = {
	{"validate", cmd_validate, "",
	 "check the manifests and the configuration offline",
	 "Reads every manifest file in the manifest directory (-m) and the\n"
	 "configuration, reports every problem as FILE:LINE: error: ...,\n"
	 "and sends nothing anywhere. Exit 0 when all is well, 65 if not.\n"},
	{"apply", cmd_apply, "[--max-failures N|P%] [--metrics FILE]",
	 "create what the manifests describe; resumable",
	 "Creates the enterprises of enterprises.csv in ConnecttoTeams and\n"
	 "issues their admins' action URLs, as fast as the configured rate\n"
	 "allows, journaling every outcome in the state file. Run it again\n"
	 "at any time: it does only what is missing.\n\n"
	 "  --max-failures N|P%  stop starting new items once more than N\n"
	 "                       items (or P% once 20 have ended) failed\n"
	 "  --metrics FILE       write Prometheus metrics at the end\n"},
	{"plan", cmd_plan, "[--refresh]",
	 "show what apply would do; exit 2 when there is work",
	 "Compares the manifests with the journal and prints one line per\n"
	 "action apply would take, then the counts. Sends nothing and never\n"
	 "waits for the state lock. Exit 0 when there is nothing to do, 2\n"
	 "when there is.\n\n"
	 "  --refresh  also resolve names against the live lists and find\n"
	 "             enterprises that exist remotely (apply adopts them)\n"},
	{"urls", cmd_urls, "[--action TYPE] [--refresh]",
	 "issue or re-issue action URLs of existing enterprises",
	 "Issues the action URLs that were never issued or are older than\n"
	 "url_max_age, for enterprises apply has created.\n\n"
	 "  --action TYPE  only this action type, e.g. LOGIN_ENTERPRISE_ADMIN\n"
	 "  --refresh      re-issue every URL, failed ones included\n"},
	{"lookup", cmd_lookup, "sbc|pbx",
	 "print the live SBC gateways or PBX types as CSV",
	 "Asks ConnecttoTeams for the reseller's SBC gateway regions (sbc) or\n"
	 "PBX types (pbx) and prints them in the format of sbc_gateways.csv or\n"
	 "pbx_types.csv, ready to pin in a manifest.\n"},
	{"state", cmd_state, "list|show NAME|forget NAME",
	 "inspect the journal, or forget an enterprise",
	 "  list         one line per journaled enterprise\n"
	 "  show NAME    everything journaled for one enterprise\n"
	 "  forget NAME  drop it from the journal (takes the state lock)\n"},
	{"report", cmd_report, "[--out DIR] [--fail-on-pending]",
	 "write the consent and action URL reports",
	 "Writes, from the journal and the manifests, into DIR (default\n"
	 "report/): pending_consents.csv, enterprises.csv, index.html,\n"
	 "enterprises/SLUG.html and .csv, summary.json and failed/ (the\n"
	 "manifest rows of failed items, to retry with apply -m DIR/failed).\n\n"
	 "  --out DIR          the report directory (not the manifest's)\n"
	 "  --fail-on-pending  exit 3 when a mandatory consent is pending\n"},
	{"help", cmd_help, "[COMMAND]", "show the usage of a command", NULL},
	{NULL, NULL, NULL, NULL, NULL},
};

/* Daemons and cron may start us with 0, 1 or 2 closed: keep later opens
 * from landing there and our output in a state file. */
static void sanitize_fds(void)
{
	int fd;

	while ((fd = open("/dev/null", O_RDWR)) >= 0 && fd <= 2)
		;
	if (fd > 2)
		close(fd);
}

/* A full disk or closed pipe on stdout must not look like success. */
static int close_stdout(int rc)
{
	if (fflush(stdout) != 0 || ferror(stdout) || fclose(stdout) != 0) {
		if (errno != EPIPE)
			fprintf(stderr, "teamsprov: write error on stdout: "
					"%s\n",
				strerror(errno));
		return tp_exit_merge(rc, TP_EXIT_CANTCREAT);
	}
	return rc;
}

static int unknown_command(const char *name)
{
	const char *names[32], *s;
	size_t n = 0;
	char *q = str_quote(name, 64);
	const struct tp_command *c;
	int rc;

	for (c = tp_commands; c->name && n < 32; c++)
		names[n++] = c->name;
	s = suggest(name, names, n);
	if (s)
		rc = cli_usage_error(NULL, "unknown command %s; did you mean "
					   "\"%s\"?",
				     q, s);
	else
		rc = cli_usage_error(NULL, "unknown command %s", q);
	free(q);
	return rc;
}

int main(int argc, char **argv)
{
	struct tp_globals g;
	const struct tp_command *c;
	char **cargv, *err;
	int cargc, rc;

	sanitize_fds();
	signal(SIGPIPE, SIG_IGN);

	if (cli_parse(argc, argv, &g, &cargc, &cargv, &err) < 0) {
		rc = cli_usage_error(NULL, "%s", err);
		free(err);
		return rc;
	}
	if (g.version) {
		puts("teamsprov " TP_VERSION);
		rc = TP_EXIT_OK;
	} else if (cargc == 0) {
		cli_print_usage(g.help ? stdout : stderr, tp_commands);
		rc = g.help ? TP_EXIT_OK : TP_EXIT_USAGE;
	} else if (!(c = cli_find(tp_commands, cargv[0]))) {
		rc = unknown_command(cargv[0]);
	} else if (g.help) {
		cli_print_command_help(stdout, c);
		rc = TP_EXIT_OK;
	} else {
		rc = c->run(cargc, cargv, &g);
	}
	free(cargv);
	cli_globals_release(&g);
	redact_clear();
	return close_stdout(rc);
}
