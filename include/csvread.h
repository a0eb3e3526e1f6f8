/*
 * csvread: RFC 4180 records from a file or a memory buffer, parsed by
 * libcsv, each with the physical line where it starts, and a small CSV
 * writer.
 *
 * libcsv neither counts lines nor bounds memory, so this module feeds it
 * one physical line at a time (and pieces of at most 4 KiB), counting LF
 * bytes: a record's line is right after quoted newlines and with CRLF. It
 * also strips a UTF-8 byte order mark, skips blank lines, trims blanks
 * around unquoted cells (libcsv does that; blanks inside quotes stay), and
 * enforces the limits below.
 *
 * Problems are added to the struct diag given at open, as
 * "DISPLAY:LINE: error: ...":
 * - per record (the record is still returned, with bad set, so that a
 *   loader can skip it and go on): bytes that are not UTF-8, a NUL byte,
 *   more than CSVREAD_MAX_FIELDS fields, a field longer than
 *   CSVREAD_FIELD_MAX bytes, more than CSVREAD_RECORD_MAX bytes in all;
 * - fatal (csvread_next returns -1, later calls return -1 too): a quote
 *   in the wrong place, a quoted field still open at the end of the input
 *   (reported at the line where the quote opened), a field that grows past
 *   the cap while being read, a read error.
 */
#ifndef TP_CSVREAD_H
#define TP_CSVREAD_H

#include <stddef.h>
#include <stdio.h>

#include "diag.h"

/* Largest field, in bytes after unquoting. */
#define CSVREAD_FIELD_MAX 65536
/* Most fields in one record (10,000 columns work). */
#define CSVREAD_MAX_FIELDS 16384
/* Most bytes in all fields of one record. */
#define CSVREAD_RECORD_MAX (4 * 1024 * 1024)

struct csv_record {
	long line;            /* physical line (1-based) where it starts */
	size_t n;             /* number of fields, at least 1 */
	const char *const *f; /* field values, NUL-terminated */
	const size_t *len;    /* their lengths (a field may hold no NUL) */
	int bad;              /* an error was reported for this record */
};

struct csvread;

/*
 * Opens path for reading; display is the name used in messages (copied).
 * Returns NULL with errno set when the file cannot be opened or is a
 * directory; nothing is reported then, so the caller can treat a missing
 * optional file as absent.
 */
struct csvread *csvread_open(const char *path, const char *display,
                             struct diag *d);

/* Reads from data[0..len), which must stay valid until csvread_free. */
struct csvread *csvread_mem(const char *data, size_t len, const char *display,
                            struct diag *d);

/*
 * Reads the next record into *rec, whose pointers stay valid until the
 * next call or csvread_free. Returns 1 for a record, 0 at the end of the
 * input, -1 after a fatal error (already reported).
 */
int csvread_next(struct csvread *r, struct csv_record *rec);

/* The number of physical lines read so far. */
long csvread_line(const struct csvread *r);

/* Closes the file and frees everything. NULL is fine. */
void csvread_free(struct csvread *r);

/* csvwrite_row flags. */
#define CSVWRITE_NEUTRALISE 1 /* prefix ' to =, +, -, @, TAB, CR cells */

/*
 * Writes one row of n fields and a LF. A field is quoted (by libcsv's
 * csv_fwrite) when it holds a comma, quote, CR or LF, or begins or ends
 * with a blank that a reader would trim; len may be NULL for
 * NUL-terminated fields; a NULL field is written empty. With
 * CSVWRITE_NEUTRALISE, a cell that a spreadsheet would run as a formula
 * gets a leading apostrophe (reports only: files that must read back as
 * manifests are written without it). Returns 0, or -1 with errno set.
 */
int csvwrite_row(FILE *fp, const char *const *v, const size_t *len, size_t n,
                 unsigned flags);

#endif
