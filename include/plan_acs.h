/*
 * plan_acs: the acs.csv part of `teamsprov plan` — which assignments
 * apply would grant (PUT) or revoke (DELETE), from the manifest and the
 * journal; with --refresh also from one GET per row, which shows drift
 * (an assignment missing, with other client ids or principal type, or
 * present where the manifest says absent).
 */
#ifndef TP_PLAN_ACS_H
#define TP_PLAN_ACS_H

#include <stdbool.h>
#include <stddef.h>

#include "runtime.h"

/*
 * Prints one line per assignment apply would change (and, live, one per
 * drift found) and adds their number to *changes. live: ask ACS (sets up
 * the API). rt->j may be NULL (no state file yet). Returns 0 or an exit
 * status, with the reason printed.
 */
int plan_acs(struct runtime *rt, bool live, size_t *changes);

#endif
