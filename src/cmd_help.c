/*
 * teamsprov help [COMMAND]: the usage of one command, or of all.
 */
#include <stdio.h>
#include <stdlib.h>

#include "commands.h"
#include "exitcode.h"

int cmd_help(int argc, char **argv, struct tp_globals *g)
{
	const struct tp_command *c;
	char *q;

	(void)g;
	if (argc > 2)
		return cli_usage_error("help", "help takes one command name");
	if (argc == 1) {
		cli_print_usage(stdout, tp_commands);
		return TP_EXIT_OK;
	}
	c = cli_find(tp_commands, argv[1]);
	if (!c) {
		q = str_quote(argv[1], 64);
		cli_usage_error("help", "no command %s", q);
		free(q);
		return TP_EXIT_USAGE;
	}
	cli_print_command_help(stdout, c);
	return TP_EXIT_OK;
}
