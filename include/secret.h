/*
 * secret: where secrets come from. A secret is never written in a manifest
 * or in the configuration; it is named there as an environment variable
 * ("env:NAME"), a file ("file:PATH", mode 0600 or stricter) or a command
 * whose stdout is the secret. Values read here are wiped before they are
 * freed (secret_free).
 */
#ifndef TP_SECRET_H
#define TP_SECRET_H

#include <stddef.h>

enum secret_kind { SECRET_NONE, SECRET_ENV, SECRET_FILE, SECRET_CMD };

struct secret_ref {
	enum secret_kind kind;
	char *name; /* variable name, path or command line; owned */
};

/* Largest secret accepted from a file or a command. */
#define SECRET_MAX 65536

void secret_ref_init(struct secret_ref *r);
void secret_ref_release(struct secret_ref *r);
/* Sets r to kind/name (copied), releasing what r held. */
void secret_ref_set(struct secret_ref *r, enum secret_kind kind,
		    const char *name);

/*
 * Parses "env:NAME" or "file:PATH" into r. Returns 0, or -1 with *err set
 * to a message (caller frees) that never repeats the text, which may be a
 * literal secret pasted by mistake.
 */
int secret_ref_parse(const char *spec, struct secret_ref *r, char **err);

/*
 * Reads the secret into *value (caller frees with secret_free). A relative
 * file path is taken relative to base_dir (NULL: the current directory).
 * Files readable or writable by group or others are refused, and so is an
 * empty secret. For a command, argv_extra (NULL-terminated, may be NULL)
 * are passed as its arguments, never through a shell's word splitting.
 * Returns 0, or -1 with *err set (caller frees).
 */
int secret_read(const struct secret_ref *r, const char *base_dir,
		const char *const *argv_extra, char **value, char **err);

/*
 * Checks, without reading it, that the secret is there: the variable is
 * set, the file exists with safe permissions. Commands are not run.
 * Returns 0, or -1 with *err set (caller frees).
 */
int secret_check(const struct secret_ref *r, const char *base_dir,
		 char **err);

/* Wipes and frees a value from secret_read. NULL is fine. */
void secret_free(char *value);

#endif
