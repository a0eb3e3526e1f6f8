/*
 * report_out: putting a report on disk so that a reader never sees half of
 * it. Every file is written to a hidden temporary name in its directory and
 * renamed over the final name only at rp_out_commit, after every file was
 * written; a failure before that removes the temporaries (and the
 * directories this run created), leaving no partial files.
 *
 * Everything is written relative to the report directory's descriptor,
 * with O_NOFOLLOW on files and subdirectories, and names are single path
 * components: a symbolic link planted in the report directory cannot send
 * a write outside it.
 */
#ifndef TP_REPORT_OUT_H
#define TP_REPORT_OUT_H

#include <stddef.h>

struct rp_out;

/* Opens dir, creating it (not its parents) when missing. Returns 0 with
 * *out set (rp_out_free it), or -1 with *err set (caller frees). */
int rp_out_open(const char *dir, struct rp_out **out, char **err);
/* Writes len bytes as NAME in subdirectory sub (NULL: dir itself; else
 * one component, created when missing) under a temporary name. 0, or -1
 * with *err set. name and sub must be single components (no '/', not
 * "." or ".."), which is checked. */
int rp_out_write(struct rp_out *o, const char *sub, const char *name,
		 const void *data, size_t len, char **err);
/* Removes NAME from sub at commit, if it is there (stale files). */
void rp_out_drop(struct rp_out *o, const char *sub, const char *name);
/* Renames every temporary over its final name. 0, or -1 with *err set. */
int rp_out_commit(struct rp_out *o, char **err);
/* Without a commit: removes the temporaries and created directories. */
void rp_out_free(struct rp_out *o);

#endif
