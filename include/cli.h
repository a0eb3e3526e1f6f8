/*
 * cli: the command line frame. Global options may stand before or after
 * the command name; cli_parse() takes them out and leaves the command name
 * and its own arguments, which the command parses itself (getopt_long).
 * The command table lives in main.c; help, suggestions and usage errors
 * are printed from here so every command words them the same way.
 */
#ifndef TP_CLI_H
#define TP_CLI_H

#include <stddef.h>
#include <stdio.h>

#include "util.h"

#define TP_VERSION "0.1.0"

/* Global options (spec §5). Strings point into argv: not owned. */
struct tp_globals {
	const char *config;   /* -c, --config FILE */
	const char *manifest; /* -m, --manifest DIR; default "." */
	const char *state;    /* --state FILE */
	int workers;          /* -j, --workers N; 0: from the configuration */
	int quiet;            /* -q */
	int verbose;          /* -v, may repeat */
	const char *log_json; /* --log-json FILE */
	int no_progress;      /* --no-progress */
	int help;             /* -h, --help */
	int version;          /* --version */
	const char **only;    /* --only NAME, repeatable; array owned */
	size_t n_only;
};

struct tp_command {
	const char *name;
	/* argv[0] is the command name; returns an exit status (exitcode.h). */
	int (*run)(int argc, char **argv, struct tp_globals *g);
	const char *args;    /* synopsis after "teamsprov NAME", may be "" */
	const char *summary; /* one line for the command list */
	const char *help;    /* option lines for COMMAND --help, may be NULL */
};

/*
 * Splits argv into global options (into g) and the command's argv (into
 * *cargc and *cargv: cargv[0] is the command name; NULL when none given).
 * "--" ends option processing: the rest goes to the command untouched.
 * *cargv is allocated (caller frees the array, not the strings).
 * Returns 0, or -1 with *err set (caller frees) on a usage error.
 */
int cli_parse(int argc, char **argv, struct tp_globals *g, int *cargc,
	      char ***cargv, char **err);
void cli_globals_release(struct tp_globals *g);

/* The command named name, or NULL. */
const struct tp_command *cli_find(const struct tp_command *table,
				  const char *name);

/* The general usage: synopsis, global options, the command list. */
void cli_print_usage(FILE *out, const struct tp_command *table);
/* One command's usage: "usage: teamsprov NAME ARGS", summary, options. */
void cli_print_command_help(FILE *out, const struct tp_command *c);

/*
 * Prints "teamsprov: MESSAGE" and a one-line hint to stderr and returns
 * TP_EXIT_USAGE, for `return cli_usage_error(...)` in commands.
 */
int cli_usage_error(const char *cmd, const char *fmt, ...) TP_PRINTF(2, 3);

/* The table, defined in main.c. Terminated by an entry with name NULL. */
extern const struct tp_command tp_commands[];

#endif
