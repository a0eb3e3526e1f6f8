/*
 * teamsprov: entry point. Process hygiene, then the command table.
 */
#include <stdio.h>
#include <string.h>

#include "exitcode.h"

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--version") == 0) {
		puts("teamsprov 0.1");
		return TP_EXIT_OK;
	}
	fputs("usage: teamsprov COMMAND [ARGS]\n", stderr);
	return TP_EXIT_USAGE;
}
