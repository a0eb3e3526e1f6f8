/*
 * config: teamsprov.conf (teamsprov.conf(5)), an INI file read with
 * libinih, and its TEAMSPROV_<SECTION>_<KEY> environment overrides.
 *
 * One table of keys (config_keys.c) drives everything: defaults, parsing of
 * file lines and environment variables, and the test that the man page
 * documents every key. Layers are applied in order, each replacing what
 * the one before set: defaults (config_init), the file, the environment,
 * then command-line options (config_set). A secret source is one setting:
 * password_env in the environment replaces password_file from the file.
 *
 * Problems are collected in a struct diag, never printed here: a file line
 * as "PATH:LINE: error: ...", an environment variable as
 * "TEAMSPROV_RUN_WORKERS: error: ...". A value that may be a secret (any
 * secret-source key, an unknown key, a URL holding "@") is never repeated
 * in a message.
 */
#ifndef TP_CONFIG_H
#define TP_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "secret.h"

/* What every API section has. */
struct config_api {
	double rate;     /* requests per second; 0: no limit */
	double burst;    /* token-bucket depth; 0: ratelimit's default */
	int64_t timeout; /* ns per request; 0: [run] timeout */
};

struct config_c2t {
	char *base_url;                     /* no trailing slash */
	int64_t reseller_id;                /* 0: ask getAuthenticatedUser */
	char *client_id;                    /* NULL: not set */
	char *username;                     /* NULL: not set */
	struct secret_ref client_secret;    /* client_secret_env|_file */
	struct secret_ref password;         /* password_env|_file */
	struct secret_ref token;            /* token_env|_file|_cmd */
	struct secret_ref enterprise_token; /* enterprise_token_cmd */
	char *callback_base; /* NULL: not set; no trailing slash */
	struct config_api api;
	struct {
		/* Paths API-NOTES.md marks "assumed"; always set. */
		char *list_enterprises;
		char *get_o365_user_info;
		char *provision_tenant_admin_api;
		char *update_enterprise_management_consent;
	} paths;
};

struct config_fusion {
	char *base_url;             /* NULL: not set; no trailing slash */
	char *draas_instance;       /* NULL: not set */
	char *username;             /* NULL: not set */
	struct secret_ref password; /* password_env|_file|_cmd */
	struct secret_ref token;    /* token_env|_file|_cmd */
	struct config_api api;
	int64_t poll_first;     /* ns */
	double poll_factor;     /* >= 1 */
	int64_t poll_max;       /* ns */
	int64_t init_grace;     /* ns */
	int64_t wizard_timeout; /* ns; 0: wait forever */
};

struct config_acs {
	struct secret_ref connection_string; /* connection_string_env|_file */
	char *endpoint;                      /* NULL: not set */
	struct secret_ref token;             /* token_env|_cmd */
	char *api_version;
	struct config_api api;
};

struct config_run {
	int workers;
	int64_t timeout;         /* ns */
	int64_t connect_timeout; /* ns */
	int retries;             /* after the first attempt */
	int64_t backoff_base;    /* ns */
	int64_t backoff_cap;     /* ns */
	int64_t url_max_age;     /* ns */
};

/* Where a key's current value came from (for messages). */
struct config_origin {
	char *file; /* config path, variable or option; NULL: default */
	long line;  /* 0: none */
};

struct config {
	struct config_c2t c2t;
	struct config_fusion fusion;
	struct config_acs acs;
	struct config_run run;
	char *path; /* the file loaded last, as given; NULL: none */
	/* Its directory: relative *_file secrets start there. NULL: "." */
	char *dir;
	struct config_origin *origin; /* one per key of the table */
};

/* Longest line libinih's Debian build reads whole, without its ending. */
#define CONFIG_LINE_MAX 197
/* Largest configuration file read. */
#define CONFIG_FILE_MAX (1024 * 1024)

/*
 * Sets every default. The config owns all its strings; it is not to be
 * copied by value (origin would be shared).
 */
void config_init(struct config *c);
void config_release(struct config *c);

/*
 * Reads the INI file at path (named so in messages) over c. Returns 0, or
 * -1 after adding one error per problem to d (what could be read is kept,
 * but the caller should not use c after a failure). A file that cannot be
 * read is "PATH: error: cannot read: REASON".
 */
int config_load_file(struct config *c, const char *path, struct diag *d);

/* The same from memory; name is the file name used in messages. */
int config_load_buffer(struct config *c, const char *name, const char *data,
                       size_t len, struct diag *d);

/*
 * Applies every set, non-empty TEAMSPROV_<SECTION>_<KEY> variable (upper
 * case, dots as underscores: TEAMSPROV_C2T_PATHS_LIST_ENTERPRISES). An
 * unknown TEAMSPROV_C2T_..., _FUSION_..., _ACS_... or _RUN_... variable is
 * a warning with a suggestion. Returns 0, or -1 when a value is bad.
 */
int config_apply_env(struct config *c, struct diag *d);

/*
 * Sets section.key from text, as a command-line option does (-j ->
 * "run", "workers"); origin names the option in messages ("--workers").
 * Returns 0, or -1 with an error in d (unknown key: a bug in the caller).
 */
int config_set(struct config *c, const char *section, const char *key,
               const char *value, const char *origin, struct diag *d);

/*
 * The configuration file to read: opt_path (-c) when given, else
 * MANIFEST_DIR/teamsprov.conf if it exists, else
 * $XDG_CONFIG_HOME/teamsprov/teamsprov.conf ($HOME/.config when
 * XDG_CONFIG_HOME is unset, empty or relative) if it exists, else NULL (no
 * file; the defaults hold). The caller frees the result.
 */
char *config_locate(const char *opt_path, const char *manifest_dir);

/*
 * Adds a warning for each configured secret that is not there yet: an
 * unset variable, a missing file, or a file readable by group or others
 * (secret_check). Commands are not run. Relative files start at base_dir
 * (NULL: c->dir). Warnings point at the line that named the secret.
 */
void config_check_secrets(const struct config *c, const char *base_dir,
                          struct diag *d);

/*
 * Checks that r, one of c's secrets, is there (secret_check: variable
 * set, file present and private; commands are not run). Returns 0, or -1
 * with one error in d naming the key and where it was set.
 */
int config_require_secret(const struct config *c, const struct secret_ref *r,
                          struct diag *d);

/* The timeout for an API: its own, else [run] timeout. */
int64_t config_api_timeout(const struct config *c, const struct config_api *a);

/*
 * 1 when url is http:// or https:// with a loopback host: 127.0.0.0/8,
 * ::1 (written [::1]) or localhost; else 0 (also for a malformed URL).
 */
int url_is_loopback(const char *url);

/* The key table, for the man page test and for help output. */
struct config_key_info {
	const char *section; /* "c2t", "c2t.paths", "fusion", "acs", "run" */
	const char *name;
	const char *def; /* default as written in the file; NULL: none */
};
size_t config_key_count(void);
/* i < config_key_count(); returns a pointer into static data. */
struct config_key_info config_key_at(size_t i);

#endif
