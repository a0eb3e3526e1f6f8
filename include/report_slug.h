/*
 * report_slug: file name stems for the per-enterprise pages. A slug is
 * lower-case ASCII letters, digits and single '-' (never empty, never
 * starting with '.' or '-', at most SLUG_MAX bytes), so it cannot leave
 * its directory, hide, or clash on a case-insensitive file system.
 */
#ifndef TP_REPORT_SLUG_H
#define TP_REPORT_SLUG_H

#include <stddef.h>

#define SLUG_MAX 80
/* Room for a slug and a file name extension. */
#define SLUG_NAME_MAX (SLUG_MAX + 16)

/* The base slug of name (not yet unique); the caller frees it. Letters
 * and digits are kept (lower-cased), every other run of bytes becomes one
 * '-'; a name with none gives "enterprise"; names of Windows devices
 * (con, nul, com1...) get "-x". */
char *slug_base(const char *name);

struct slug_set;
struct slug_set *slug_set_new(void);
void slug_set_free(struct slug_set *s);
/*
 * A slug for name that no earlier call on s returned: the base slug, else
 * the base with a short hash of the exact name ("case-corp-1f3a9c"), else
 * with a counter. Deterministic for the same names in the same order. The
 * caller frees the result.
 */
char *slug_unique(struct slug_set *s, const char *name);

#endif
