/*
 * commands: the entry point of every command, one src/cmd_<name>.c each.
 * Each takes the command's argv (argv[0] is its name) and the parsed
 * global options, and returns an exit status (exitcode.h). Commands print
 * their own results and report their errors once, here at the edge.
 */
#ifndef TP_COMMANDS_H
#define TP_COMMANDS_H

#include "cli.h"

int cmd_acs(int argc, char **argv, struct tp_globals *g);
int cmd_apply(int argc, char **argv, struct tp_globals *g);
int cmd_callback(int argc, char **argv, struct tp_globals *g);
int cmd_fusion(int argc, char **argv, struct tp_globals *g);
int cmd_help(int argc, char **argv, struct tp_globals *g);
int cmd_lookup(int argc, char **argv, struct tp_globals *g);
int cmd_plan(int argc, char **argv, struct tp_globals *g);
int cmd_report(int argc, char **argv, struct tp_globals *g);
int cmd_state(int argc, char **argv, struct tp_globals *g);
int cmd_urls(int argc, char **argv, struct tp_globals *g);
int cmd_validate(int argc, char **argv, struct tp_globals *g);
int cmd_wait(int argc, char **argv, struct tp_globals *g);

#endif
