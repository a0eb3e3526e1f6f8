/*
 * journal_fusion: the journal's Fusion tables (see journal.h).
 */

/* CREATE TABLE IF NOT EXISTS statements, run by journal_open. */
const char journal_schema_fusion[] = "";
