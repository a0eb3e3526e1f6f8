/*
 * plan_fusion: the Fusion lines of `teamsprov plan` — what apply would do
 * for each selected fusion.csv row, from the manifest and the journal;
 * with live (plan --refresh) also from GET …/msteams/status, to show
 * drift: subscriptions onboarded remotely but unknown to the journal
 * (apply adopts them), failed wizards (apply --restart-failed starts
 * them again), journaled onboardings Fusion no longer has.
 */
#ifndef TP_PLAN_FUSION_H
#define TP_PLAN_FUSION_H

#include <stdbool.h>
#include <stddef.h>

#include "runtime.h"

/* Prints the lines; adds the actions apply would take to *work. Returns 0
 * or an exit status (reason printed). rt->j may be NULL (no state file). */
int plan_fusion(struct runtime *rt, bool live, size_t *work);

#endif
