/*
 * resolve: before apply creates anything (and for plan --refresh), every
 * SBC gateway and PBX type an enterprise names is resolved against the
 * reseller's live lists. A pinned pair of sbc_gateways.csv or
 * pbx_types.csv that contradicts the live list, a name or id that is not
 * in it, or a disabled PBX type is an error at its line, and nothing is
 * created.
 */
#ifndef TP_RESOLVE_H
#define TP_RESOLVE_H

#include "apply.h"
#include "http.h"
#include "runtime.h"

/*
 * Asks for the reseller id and both live lists, and resolves the
 * references of every selected enterprise into *ids (one per rt->m->ent,
 * same index; the caller frees each entry's arrays and the array; set
 * even on failure). Returns 0, or an exit status with the problems
 * printed (65 for unresolved names, 69/77/1 when a list could not be had).
 */
int resolve_live(struct runtime *rt, struct http_client *client,
		 struct ent_ids **ids);

#endif
