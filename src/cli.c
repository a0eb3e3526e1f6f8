/*
 * cli: global option parsing, help and usage errors (see cli.h). Global
 * options are data: one table drives parsing and the help text.
 */
#include "cli.h"

#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "exitcode.h"
#include "suggest.h"

enum gopt {
	G_CONFIG,
	G_MANIFEST,
	G_STATE,
	G_WORKERS,
	G_QUIET,
	G_VERBOSE,
	G_LOG_JSON,
	G_NO_PROGRESS,
	G_ONLY,
	G_HELP,
	G_VERSION,
};

static const struct gopt_def {
	enum gopt id;
	char shortopt;
	const char *longopt;
	const char *arg; /* NULL: a flag */
	const char *help;
} gopts[] = {
	{G_CONFIG, 'c', "config", "FILE", "configuration file"},
	{G_MANIFEST, 'm', "manifest", "DIR", "manifest directory (default .)"},
	{G_STATE, 0, "state", "FILE",
	 "state journal (default DIR/teamsprov.db)"},
	{G_WORKERS, 'j', "workers", "N", "worker threads (default 8)"},
	{G_QUIET, 'q', "quiet", NULL, "print only errors and the summary"},
	{G_VERBOSE, 'v', "verbose", NULL, "say more; repeat for more"},
	{G_LOG_JSON, 0, "log-json", "FILE", "write JSON Lines logs to FILE"},
	{G_NO_PROGRESS, 0, "no-progress", NULL, "no progress line"},
	{G_ONLY, 0, "only", "NAME",
	 "only this enterprise (and its rows); repeatable"},
	{G_HELP, 'h', "help", NULL, "show help and exit"},
	{G_VERSION, 0, "version", NULL, "show the version and exit"},
};
#define N_GOPTS (sizeof(gopts) / sizeof(gopts[0]))

/* Matches arg against the table: returns the option and sets *inline_val
 * for "--opt=value" or "-jN". NULL when arg is no global option. */
static const struct gopt_def *match(const char *arg, const char **inline_val)
{
	size_t i;

	*inline_val = NULL;
	if (arg[0] != '-' || arg[1] == '\0')
		return NULL;
	if (arg[1] == '-') {
		const char *name = arg + 2, *eq = strchr(name, '=');
		size_t len = eq ? (size_t)(eq - name) : strlen(name);

		for (i = 0; i < N_GOPTS; i++) {
			if (strlen(gopts[i].longopt) == len &&
			    strncmp(gopts[i].longopt, name, len) == 0) {
				if (eq)
					*inline_val = eq + 1;
				return &gopts[i];
			}
		}
		return NULL;
	}
	for (i = 0; i < N_GOPTS; i++) {
		if (gopts[i].shortopt && arg[1] == gopts[i].shortopt) {
			if (arg[2] && !gopts[i].arg)
				return NULL; /* e.g. "-qv": not a global */
			if (arg[2])
				*inline_val = arg + 2;
			return &gopts[i];
		}
	}
	return NULL;
}

static int parse_workers(const char *s, int *out)
{
	char *end;
	long v;

	if (!*s || *s < '0' || *s > '9')
		return -1;
	v = strtol(s, &end, 10);
	if (*end || v < 1 || v > 1024)
		return -1;
	*out = (int)v;
	return 0;
}

int cli_parse(int argc, char **argv, struct tp_globals *g, int *cargc,
	      char ***cargv, char **err)
{
	char **out = xcalloc((size_t)argc + 1, sizeof(*out));
	int n = 0, i, dashdash = 0;

	memset(g, 0, sizeof(*g));
	g->manifest = ".";
	*err = NULL;
	for (i = 1; i < argc; i++) {
		const char *arg = argv[i], *val;
		const struct gopt_def *o;

		if (dashdash) {
			out[n++] = argv[i];
			continue;
		}
		if (strcmp(arg, "--") == 0) {
			dashdash = 1;
			out[n++] = argv[i];
			continue;
		}
		o = match(arg, &val);
		if (!o) {
			out[n++] = argv[i];
			continue;
		}
		if (o->arg && !val) {
			if (i + 1 >= argc) {
				*err = xasprintf("option --%s needs %s",
						 o->longopt, o->arg);
				goto fail;
			}
			val = argv[++i];
		} else if (!o->arg && val) {
			*err = xasprintf("option --%s takes no value",
					 o->longopt);
			goto fail;
		}
		switch (o->id) {
		case G_CONFIG: g->config = val; break;
		case G_MANIFEST: g->manifest = val; break;
		case G_STATE: g->state = val; break;
		case G_WORKERS:
			if (parse_workers(val, &g->workers) < 0) {
				*err = xasprintf("--workers wants a number "
						 "from 1 to 1024");
				goto fail;
			}
			break;
		case G_QUIET: g->quiet = 1; break;
		case G_VERBOSE: g->verbose++; break;
		case G_LOG_JSON: g->log_json = val; break;
		case G_NO_PROGRESS: g->no_progress = 1; break;
		case G_ONLY:
			g->only = xrealloc(g->only,
					   (g->n_only + 1) * sizeof(*g->only));
			g->only[g->n_only++] = val;
			break;
		case G_HELP: g->help = 1; break;
		case G_VERSION: g->version = 1; break;
		}
		if ((o->id == G_MANIFEST || o->id == G_CONFIG ||
		     o->id == G_STATE || o->id == G_LOG_JSON) &&
		    !*val) {
			*err = xasprintf("option --%s wants a non-empty %s",
					 o->longopt, o->arg);
			goto fail;
		}
	}
	if (g->quiet && g->verbose) {
		*err = xstrdup("--quiet and --verbose exclude each other");
		goto fail;
	}
	out[n] = NULL;
	*cargc = n;
	*cargv = out;
	return 0;
fail:
	free(out);
	cli_globals_release(g);
	*cargc = 0;
	*cargv = NULL;
	return -1;
}

void cli_globals_release(struct tp_globals *g)
{
	free(g->only);
	g->only = NULL;
	g->n_only = 0;
}

const struct tp_command *cli_find(const struct tp_command *table,
				  const char *name)
{
	for (; table->name; table++)
		if (strcmp(table->name, name) == 0)
			return table;
	return NULL;
}

void cli_print_usage(FILE *out, const struct tp_command *table)
{
	const struct tp_command *c;
	size_t i;

	fputs("usage: teamsprov [global options] command [arguments]\n\n"
	      "Provisions Microsoft Teams calling customers in bulk from CSV "
	      "manifests.\n\nCommands:\n",
	      out);
	for (c = table; c->name; c++)
		fprintf(out, "  %-12s %s\n", c->name, c->summary);
	fputs("\nGlobal options (before or after the command):\n", out);
	for (i = 0; i < N_GOPTS; i++) {
		char left[48];

		if (gopts[i].shortopt)
			snprintf(left, sizeof(left), "-%c, --%s%s%s",
				 gopts[i].shortopt, gopts[i].longopt,
				 gopts[i].arg ? " " : "",
				 gopts[i].arg ? gopts[i].arg : "");
		else
			snprintf(left, sizeof(left), "    --%s%s%s",
				 gopts[i].longopt, gopts[i].arg ? " " : "",
				 gopts[i].arg ? gopts[i].arg : "");
		fprintf(out, "  %-22s %s\n", left, gopts[i].help);
	}
	fputs("\n'teamsprov help COMMAND' shows a command's usage; "
	      "man teamsprov for more.\n",
	      out);
}

void cli_print_command_help(FILE *out, const struct tp_command *c)
{
	fprintf(out, "usage: teamsprov %s%s%s\n\n%s\n", c->name,
		*c->args ? " " : "", c->args, c->summary);
	if (c->help)
		fprintf(out, "\n%s", c->help);
	fputs("\nGlobal options are listed by 'teamsprov --help'.\n", out);
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fputs("teamsprov: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (cmd)
		fprintf(stderr, "\nTry 'teamsprov %s --help'.\n", cmd);
	else
		fputs("\nTry 'teamsprov --help'.\n", stderr);
	return TP_EXIT_USAGE;
}
