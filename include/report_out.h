/*
 * report_out: putting a report on disk so that a reader never sees half of
 * it. A top-level file is written to a hidden temporary name and renamed
 * over its final name only at rp_out_commit, after every file was written;
 * a subdirectory (enterprises/, failed/) is written whole into a hidden
 * directory that rp_out_commit exchanges with the old one in one step.
 * A failure before the commit removes the temporaries, leaving no partial
 * files and the previous report as it was.
 *
 * Everything is written relative to the report directory's descriptor,
 * new files with O_EXCL | O_NOFOLLOW, and names are single path
 * components: a symbolic link planted in the report directory cannot send
 * a write outside it (a link standing where a subdirectory goes is
 * replaced, never followed).
 */
#ifndef TP_REPORT_OUT_H
#define TP_REPORT_OUT_H

#include <stddef.h>

struct rp_out;

/* Opens dir, creating it (not its parents) when missing. Returns 0 with
 * *out set (rp_out_free it), or -1 with *err set (caller frees). */
int rp_out_open(const char *dir, struct rp_out **out, char **err);
/* Writes len bytes as NAME in subdirectory sub (NULL: dir itself; else
 * one component, replaced whole at the commit) under a temporary name. 0, or -1
 * with *err set. name and sub must be single components (no '/', not
 * "." or ".."), which is checked. */
int rp_out_write(struct rp_out *o, const char *sub, const char *name,
                 const void *data, size_t len, char **err);
/* Removes NAME from dir at commit, if it is there (stale files); with
 * sub, makes sure the (fresh, empty) subdirectory exists. */
void rp_out_drop(struct rp_out *o, const char *sub, const char *name);
/* Puts the subdirectories, then every top-level file, in place. 0, or
 * -1 with *err set. */
int rp_out_commit(struct rp_out *o, char **err);
/* Without a commit: removes the temporaries (and DIR if it was created
 * by rp_out_open). Frees o; NULL is fine. */
void rp_out_free(struct rp_out *o);

#endif
