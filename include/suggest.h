/*
 * suggest: "did you mean ...?" for misspelled column names, enumerated
 * values, options and commands.
 */
#ifndef TP_SUGGEST_H
#define TP_SUGGEST_H

#include <stddef.h>

/*
 * Returns the candidate closest to word, or NULL when none is close enough
 * to be a likely typo. Case differences cost nothing extra beyond being a
 * mismatch, so "CallApp" finds "CALLAPP". The result points into cands.
 */
const char *suggest(const char *word, const char *const *cands, size_t n);

#endif
