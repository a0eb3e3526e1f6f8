/*
 * runtime: what every command that talks to the providers sets up the
 * same way — the configuration (defaults, file, environment, options),
 * the manifest, the state journal and its lock, the JSON log and the
 * three APIs with their token caches and rate governors — so that apply,
 * plan --refresh, urls, wait, lookup, fusion and acs behave alike.
 *
 * Each rt_* step prints its own problems (it runs at the edge, in the
 * command) and returns an exit status: 0 to go on, else the status the
 * command should return.
 */
#ifndef TP_RUNTIME_H
#define TP_RUNTIME_H

#include <stdbool.h>

#include "api.h"
#include "cli.h"
#include "config.h"
#include "journal.h"
#include "manifest.h"

struct runtime {
	struct tp_globals *g;
	struct config cfg;
	bool cfg_loaded;
	struct manifest *m; /* NULL until rt_load_manifest */
	char *state_path;   /* --state, else DIR/teamsprov.db */
	struct journal *j;  /* NULL until rt_open_state */
	int lock_fd;        /* -1 unless locked */
	struct logjson *log; /* NULL without --log-json */
	struct api apis[API_COUNT];
	bool api_ready[API_COUNT];
	struct http_opts http; /* [run] timeouts for clients */
	int workers;
	int64_t reseller_id; /* 0 until known */
	bool http_ready;     /* http_global_init ran (by rt_setup_api) */
};

void rt_init(struct runtime *rt, struct tp_globals *g);
/* Closes everything; returns tp_exit_merge(rc, 73) if the JSON log could
 * not be written, else rc. */
int rt_release(struct runtime *rt, int rc);

/* Configuration: file (optional unless required), environment, -j. */
int rt_load_config(struct runtime *rt, bool required);
/* The manifest; with errors: printed, TP_EXIT_DATAERR. */
int rt_load_manifest(struct runtime *rt);
/* The journal; JOURNAL_WRITE also takes the state lock (75 if held). */
int rt_open_state(struct runtime *rt, enum journal_mode mode);
/* Replays the redo log a killed run left beside state_path, when no run
 * holds the state lock now (rt_open_state does it for readers). Problems
 * are printed; the caller goes on reading what is there. */
void rt_recover_idle(const char *state_path);
/* --log-json, when given (once; rt_setup_api opens it too). */
int rt_open_log(struct runtime *rt);
/* One API from the configuration; 65 when it is not configured. The
 * first call also initialises the HTTP layer (before any thread). */
int rt_setup_api(struct runtime *rt, enum api_id id);

/*
 * Makes a request outside the worker pool (preflight: reseller id, live
 * lists), with the same retry policy and rate governor as the pool,
 * waiting in this thread between attempts. Returns 0 with *res holding a
 * final answer (2xx or another final status), or an exit status (69, 77,
 * 1) with the reason printed.
 */
int rt_request(struct runtime *rt, enum api_id id, struct http_client *c,
	       struct http_request *req, struct http_response *res);

/* The reseller id: configured, journaled, or asked with
 * getAuthenticatedUser (then journaled). 0 or an exit status. */
int rt_reseller_id(struct runtime *rt, struct http_client *c);

#endif
