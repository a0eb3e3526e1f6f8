/*
 * manifest_int: what manifest.c and manifest_rules.c share and nobody else
 * needs: a string-keyed hash table, the per-row error context and the cell
 * parsers that implement the rules of teamsprov-manifest(5).
 */
#ifndef TP_MANIFEST_INT_H
#define TP_MANIFEST_INT_H

#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "manifest.h"
#include "util.h"

/* Names (enterprise, region, PBX type) and other text cells. */
#define MF_NAME_MAX 256
/* redirect_url */
#define MF_URL_MAX 2048
/* Items in one ;-list cell. */
#define MF_LIST_MAX 256
/* "Did you mean" over at most this many candidates (cost is linear). */
#define MF_SUGGEST_MAX 5000

#define MF_NONE ((size_t)-1)

/*
 * String keys to indexes; ASCII case folding when fold is set. Keys are
 * not copied: they must outlive the map (they live in the model's pool).
 */
struct mfmap;
struct mfmap *mfmap_new(int fold);
void mfmap_free(struct mfmap *m);
/* Inserts key -> val unless key is there; returns the old value or
 * MF_NONE when inserted. */
size_t mfmap_put(struct mfmap *m, const char *key, size_t val);
/* The value of key, or MF_NONE. */
size_t mfmap_get(const struct mfmap *m, const char *key);

/* Where problems of the current row go; err counts them. */
struct mf_row {
	struct diag *d;
	const char *file;
	long line;
	int err;
};

void mf_error(struct mf_row *r, const char *fmt, ...) TP_PRINTF(2, 3);

/* Quoted for messages (at most 64 bytes shown); caller frees. */
char *mf_q(const char *s);

/*
 * Checks a one-line name or text cell: at most MF_NAME_MAX bytes, no
 * control characters (U+0000-U+001F, U+007F-U+009F). what names it in
 * messages. Returns 0, or -1 after reporting.
 */
int mf_check_text(struct mf_row *r, const char *what, const char *s);

/* Plain decimal digits, at most max. Returns 0, or -1 after reporting. */
int mf_parse_uint(struct mf_row *r, const char *what, const char *s,
                  uint64_t max, int64_t *out);
/* 1 when s is all digits (and not empty). */
int mf_all_digits(const char *s);

/* true/false/yes/no/1/0, any case; "" leaves MF_UNSET. */
int mf_parse_bool(struct mf_row *r, const char *what, const char *s,
                  enum mf_bool *out);

/*
 * The index of s among names (exact), or -1 after reporting
 * "unknown WHAT "s"; did you mean ...?" (or listing the names).
 */
int mf_parse_enum(struct mf_row *r, const char *what, const char *s,
                  const char *const *names, size_t n);

/* A GUID; returns 0, or -1 after reporting. */
int mf_check_guid(struct mf_row *r, const char *what, const char *s);

/* https://, or http:// to a loopback host. Returns 0 or -1. */
int mf_check_url(struct mf_row *r, const char *what, const char *s);

/*
 * An arena for the model's strings and small arrays: hundreds of
 * thousands of cells cost a few large allocations, freed at once.
 */
struct mf_block;
struct mf_pool {
	struct mf_block *head;
};
/* n bytes, aligned for any object, zeroed; lives until mf_pool_free. */
void *mf_palloc(struct mf_pool *p, size_t n);
char *mf_pstrdup(struct mf_pool *p, const char *s);
void mf_pool_free(struct mf_pool *p);

/* Reusable storage for the items of one ;-list cell. */
struct mf_list {
	char *copy;
	size_t copy_cap;
	char **v;
	size_t cap;
};
void mf_list_release(struct mf_list *l);

/*
 * Splits a ;-list cell into l->v[0..count): blanks trimmed, empty items
 * dropped, repeats (compared exactly, or with ASCII case folding when
 * fold) dropped. The items stay valid until the next split into l.
 * Returns the count, or -1 after reporting more than MF_LIST_MAX items.
 */
long mf_split(struct mf_row *r, const char *what, const char *s, int fold,
              struct mf_list *l);

/* suggest(), but NULL for long words and unlikely short-word matches. */
const char *mf_suggest(const char *word, const char *const *cands, size_t n);

/* "did you mean" among the n strings that get(i, ctx) returns, or NULL. */
const char *mf_suggest_from(const char *word, size_t n,
                            const char *(*get)(size_t, const void *),
                            const void *ctx);

/* --- the loader's shared state (manifest.c, manifest_rows.c) --- */

#include "csvread.h"

#define MAX_COLS 16

struct filespec {
	const char *const *cols;
	int ncols;
	unsigned required; /* bit per column */
};

/* A header: column id -> field index, or -1. */
struct table {
	long pos[MAX_COLS];
	size_t nhdr;
};

/* Per enterprise: its sbc / pbx cell had an error. */
#define EF_SBC_ERR 1
#define EF_PBX_ERR 2

struct mf_index {
	struct mfmap *ent_by_name;
	struct mfmap *pinned_name[2]; /* MF_SBC, MF_PBX: folded name */
	struct mfmap *pinned_id[2];
	struct mfmap *fusion_keys, *acs_keys;
	unsigned char *ent_flags;
	long *svc_line; /* n_ent * MF_SVC_COUNT: services.csv line, or 0 */
	size_t cap_ent, cap_fusion, cap_acs, cap_pinned[2];
	struct mf_pool pool; /* every string of the model */
	struct mf_list list; /* scratch for ;-lists */
	unsigned partial;    /* bit (1 << kind): file not read to its end */
	int next_kind;
	int finished;
};

/* Columns of sbc_gateways.csv and pbx_types.csv. */
enum { P_NAME, P_ID, P_NCOLS };
enum {
	F_TENANT,
	F_SUBSCRIPTION,
	F_MS_TENANT_ID,
	F_APPLICATION_ID,
	F_SECRET,
	F_LINK,
	F_ENTERPRISE,
	F_DRAAS,
	F_NCOLS
};
extern const char *const mf_fusion_cols[F_NCOLS];
enum {
	A_TENANT_ID,
	A_OBJECT_ID,
	A_PRINCIPAL_TYPE,
	A_CLIENT_IDS,
	A_STATE,
	A_ENTERPRISE,
	A_NCOLS
};
extern const char *const mf_acs_cols[A_NCOLS];

/* The cell of column c ("" when the column or field is absent). */
const char *mf_cell(const struct csv_record *rec, const struct table *t, int c);
/* The same for a required cell: reports it when empty. */
const char *mf_need(struct mf_row *r, const struct csv_record *rec,
                    const struct table *t, const struct filespec *fs, int c);
/* The enterprise a row names: its index, or MF_NONE after reporting. */
size_t mf_ent_ref(struct manifest *m, struct mf_row *r, const char *s);
/* A copy (in the pool) of an optional text cell, or NULL when empty or
 * bad. */
char *mf_opt_text(struct manifest *m, struct mf_row *r, const char *what,
                  const char *s);

/* Rows of the pinned tables, fusion.csv and acs.csv (manifest_rows.c). */
void mf_pinned_row(struct manifest *m, enum mf_file kind,
                   const struct csv_record *rec, const struct table *t,
                   const struct filespec *fs, struct diag *d);
/* The id of a pinned name (exact; k: 0 SBC, 1 PBX), or -1. */
int64_t mf_pinned_lookup(const struct manifest *m, int k, const char *name);
/* For mf_suggest_from over a struct mf_pinned array. */
const char *mf_pinned_at(size_t i, const void *ctx);
void mf_fusion_row(struct manifest *m, const struct csv_record *rec,
                   const struct table *t, const struct filespec *fs,
                   struct diag *d);
void mf_acs_row(struct manifest *m, const struct csv_record *rec,
                const struct table *t, const struct filespec *fs,
                struct diag *d);

#endif
