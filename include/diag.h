/*
 * diag: collects problems found in user input (manifests, configuration)
 * and prints them GCC-style, "FILE:LINE: error: message", so that an editor
 * can jump to each one. Loaders add to a struct diag and return; only the
 * command at the edge prints it.
 */
#ifndef TP_DIAG_H
#define TP_DIAG_H

#include <stdio.h>

#include "util.h"

/* At most this many errors are kept; later ones are only counted. */
#define DIAG_MAX 100

enum diag_level { DIAG_ERROR, DIAG_WARNING };

struct diag_entry {
	char *file; /* as the user named it, e.g. "samples/enterprises.csv" */
	long line;  /* physical line where the record starts; 0: none */
	enum diag_level level;
	char *msg;
};

struct diag {
	struct diag_entry *v;
	size_t n, cap;
	size_t errors;   /* all errors, kept or not */
	size_t warnings; /* all warnings, kept or not */
};

void diag_init(struct diag *d);
void diag_release(struct diag *d);

/*
 * Records an error (or warning) about FILE at LINE (0: the file as a
 * whole). The message is formatted with printf rules; user data in it must
 * already be quoted with str_quote()/buf_add_quoted().
 */
void diag_error(struct diag *d, const char *file, long line, const char *fmt,
		...) TP_PRINTF(4, 5);
void diag_warn(struct diag *d, const char *file, long line, const char *fmt,
	       ...) TP_PRINTF(4, 5);

/*
 * Prints every kept entry, in the order added, as "FILE:LINE: error: msg"
 * ("FILE: error: msg" without a line), then a line saying how many errors
 * were not shown when more than DIAG_MAX were found.
 */
void diag_print(const struct diag *d, FILE *out);

#endif
