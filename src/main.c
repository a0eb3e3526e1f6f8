/*
 * teamsprov: entry point. Process hygiene (fds 0-2 open, SIGPIPE ignored,
 * stdout checked at exit) and the command table; everything else lives in
 * the commands (src/cmd_*.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

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
	{"apply", cmd_apply,
	 "[--max-failures N|P%] [--no-wait] [--wizard-timeout DUR] "
	 "[--restart-failed] [--metrics FILE]",
	 "create what the manifests describe; resumable",
	 "Creates the enterprises of enterprises.csv in ConnecttoTeams and\n"
	 "issues their admins' action URLs, grants or revokes the ACS\n"
	 "assignments of acs.csv (each confirmed by a GET), as fast as the\n"
	 "configured rates allow, journaling every outcome in the state\n"
	 "file. Run it again\n"
	 "at any time: it does only what is missing.\n\n"
	 "  --max-failures N|P%  stop starting new items once more than N\n"
	 "                       items (or P% once 20 have ended) failed\n"
	 "  --no-wait            start Fusion wizards, do not poll them\n"
	 "  --wizard-timeout DUR stop polling after DUR (exit 75)\n"
	 "  --restart-failed     start failed Fusion wizards again\n"
	 "  --metrics FILE       write Prometheus metrics at the end\n"},
	{"wait", cmd_wait, "[--timeout DUR]",
	 "poll the running Fusion wizards to completion",
	 "Polls every Fusion wizard the journal shows running (after apply\n"
	 "--no-wait, a time-out or a crash) until it is done or failed. It\n"
	 "never starts a wizard. Exit 0 when all are done, 1 if any failed,\n"
	 "75 when --timeout ran out with wizards still running.\n\n"
	 "  --timeout DUR  give up after DUR (default [fusion] wizard_timeout)\n"},
	{"plan", cmd_plan, "[--refresh]",
	 "show what apply would do; exit 2 when there is work",
	 "Compares the manifests with the journal and prints one line per\n"
	 "action apply would take, then the counts. Sends nothing and never\n"
	 "waits for the state lock. Exit 0 when there is nothing to do, 2\n"
	 "when there is.\n\n"
	 "  --refresh  also resolve names against the live lists and find\n"
	 "             enterprises that exist remotely (apply adopts them);\n"
	 "             GET each ACS assignment to show drift\n"},
	{"urls", cmd_urls, "[--action TYPE] [--refresh]",
	 "issue or re-issue action URLs of existing enterprises",
	 "Issues the action URLs that were never issued or are older than\n"
	 "url_max_age, for enterprises apply has created.\n\n"
	 "  --action TYPE  only this action type, e.g. LOGIN_ENTERPRISE_ADMIN\n"
	 "  --refresh      re-issue every URL, failed ones included\n"},
	{"fusion", cmd_fusion,
	 "sources|link|unlink|reset-secret|update-vrp|create-app-script "
	 "TENANT SUB [TARGET_SUB] [--draas-instance NAME] [--json] [--yes] "
	 "[--application-id ID --secret env:NAME|file:PATH] [-o FILE] "
	 "[--force]",
	 "single Fusion operations on one subscription",
	 "  sources TENANT SUB          subscriptions it may be linked to\n"
	 "  link TENANT SUB TARGET_SUB  share TARGET_SUB's MS Teams tenant\n"
	 "  unlink TENANT SUB --yes     erase the onboarding (destructive)\n"
	 "  reset-secret TENANT SUB --application-id ID\n"
	 "               --secret env:NAME|file:PATH\n"
	 "                              send a new application secret\n"
	 "  update-vrp TENANT SUB       update voice routing, print its status\n"
	 "  create-app-script TENANT SUB [-o FILE] [--force]\n"
	 "                              save the customised create_app.ps1\n\n"
	 "  --draas-instance NAME  instead of [fusion] draas_instance\n"
	 "  --json                 print the server's answer as JSON\n"},
	{"lookup", cmd_lookup, "sbc|pbx",
	 "print the live SBC gateways or PBX types as CSV",
	 "Asks ConnecttoTeams for the reseller's SBC gateway regions (sbc) or\n"
	 "PBX types (pbx) and prints them in the format of sbc_gateways.csv or\n"
	 "pbx_types.csv, ready to pin in a manifest.\n"},
	{"acs", cmd_acs,
	 "get|put|delete TENANT OBJECT [--principal-type T] "
	 "[--client-id ID]... [--json]",
	 "read, grant or revoke one ACS Teams Phone assignment",
	 "One Azure Communication Services Teams Phone extensibility\n"
	 "assignment, signed as apply signs (connection string key, or an\n"
	 "Entra ID token). get shows it (exit 1 when there is none); put\n"
	 "grants it; delete revokes it (also fine when already absent).\n\n"
	 "  --principal-type T  put: teamsResourceAccount, resourceAccount\n"
	 "                      or user (sent as written)\n"
	 "  --client-id ID      put: an Entra application (client) id;\n"
	 "                      repeat for more (user needs one)\n"
	 "  --json              the assignment as ACS answered it\n"},
	{"state", cmd_state, "list|show NAME|forget NAME",
	 "inspect the journal, or forget an enterprise",
	 "  list         one line per journaled enterprise\n"
	 "  show NAME    everything journaled for one enterprise\n"
	 "  forget NAME  drop it from the journal (takes the state lock)\n"},
	{"callback", cmd_callback, "[--listen ADDR:PORT]",
	 "receive the admins' consent answers and confirm them",
	 "Serves the redirect URLs of the issued action URLs (behind the\n"
	 "provider portal's reverse proxy): records consents granted or\n"
	 "failed and registration/login results in the journal, and makes\n"
	 "the follow-up calls to ConnecttoTeams. Runs beside apply (never\n"
	 "takes the state lock). SIGTERM or SIGINT: finishes the requests\n"
	 "in progress and exits 0.\n\n"
	 "  --listen ADDR:PORT  where to listen [127.0.0.1:8080];\n"
	 "                      IPv6 as [ADDR]:PORT\n"},
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

/*
 * An apply allocates and frees a few kilobytes per request on every
 * worker thread. glibc would give the heaps' tops back to the kernel and
 * fault them in again over and over (perf: a tenth of the client's CPU
 * in malloc, much of it page faults): keep freed memory, which peak RSS
 * already counts. SQLite's allocation statistics take a global mutex per
 * malloc; nothing reads them.
 */
static void tune_allocators(void)
{
	mallopt(M_TRIM_THRESHOLD, 64 << 20);
	mallopt(M_TOP_PAD, 4 << 20);
	mallopt(M_MMAP_THRESHOLD, 4 << 20);
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

int main(int argc, char **argv)
{
	struct tp_globals g;
	const struct tp_command *c;
	char **cargv, *err;
	int cargc, rc;

	sanitize_fds();
	signal(SIGPIPE, SIG_IGN);
	tune_allocators();

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
