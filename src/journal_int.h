/*
 * journal_int: what the provider parts of the journal (journal_fusion.c,
 * journal_acs.c) share with journal.c: its cached prepared statements.
 * Not for other modules.
 */
#ifndef TP_JOURNAL_INT_H
#define TP_JOURNAL_INT_H

#include <sqlite3.h>

#include "journal.h"

/* A prepared statement for sql (a string literal: it is cached by its
 * address), or NULL on error; give it back with journal_stmt_done. */
sqlite3_stmt *journal_stmt(struct journal *j, const char *sql);
void journal_stmt_done(struct journal *j, sqlite3_stmt *st);

#endif
