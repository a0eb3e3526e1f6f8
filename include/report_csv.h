/*
 * report_csv: CSV cells for the report files (RFC 4180, LF line ends).
 * A cell is quoted when it holds a comma, quote, CR or LF or starts or
 * ends with a blank; csv_cell also neutralises formulas (spec §7): a
 * cell that starts with '=', '+', '-', '@', tab or CR gets a leading "'".
 */
#ifndef TP_REPORT_CSV_H
#define TP_REPORT_CSV_H

#include "util.h"

/* Appends one neutralised cell (NULL: empty), then sep (',' or '\n'). */
void csv_cell(struct buf *out, const char *s, char sep);
/* The same without neutralisation, for files that must read back as
 * manifests (failed/). */
void csv_cell_raw(struct buf *out, const char *s, char sep);

#endif
