/*
 * report_failed: DIR/failed/ of a report — the manifest rows of every item
 * that failed (enterprises whose creation failed, failed Fusion wizards
 * and failed ACS assignments, with the enterprises.csv rows they name),
 * copied byte for byte in the manifest formats, with the pinned tables and
 * the configuration, so that `teamsprov apply -m DIR/failed --state STATE`
 * retries just them. The copies are not neutralised: they must read back
 * as manifests (no literal secret is ever in a manifest).
 */
#ifndef TP_REPORT_FAILED_H
#define TP_REPORT_FAILED_H

#include "manifest.h"
#include "report.h"
#include "report_out.h"

/*
 * Adds the files of failed/ to o (and drops stale ones). mf may be NULL
 * (no manifest: nothing can be copied); config_path may be NULL. Returns
 * how many failed items have rows in failed/, or -1 with *err set
 * (caller frees) when a manifest file could not be read or written.
 * *missing counts failed items the manifest has no row for.
 */
long report_failed(const struct rp_model *m, const struct manifest *mf,
                   const char *config_path, struct rp_out *o, size_t *missing,
                   char **err);

/* Splits the CSV text s[0..n) into records; calls fn with each record's
 * bytes (without its line end) and the physical line it starts on.
 * A byte order mark is part of the first record. */
void csv_each_record(const char *s, size_t n,
                     void (*fn)(const char *rec, size_t len, long line,
                                void *arg),
                     void *arg);

#endif
