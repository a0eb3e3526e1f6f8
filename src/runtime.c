/*
 * runtime: shared set-up of the networked commands (see runtime.h).
 */
#include "runtime.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "clock.h"
#include "diag.h"
#include "exitcode.h"
#include "redact.h"
#include "c2t.h"
#include "util.h"

void rt_init(struct runtime *rt, struct tp_globals *g)
{
	memset(rt, 0, sizeof(*rt));
	rt->g = g;
	rt->lock_fd = -1;
	config_init(&rt->cfg);
}

int rt_release(struct runtime *rt, int rc)
{
	char *err = NULL;
	int i;

	for (i = 0; i < API_COUNT; i++)
		if (rt->api_ready[i])
			api_release(&rt->apis[i]);
	if (rt->log && logjson_close(rt->log, &err) < 0) {
		fprintf(stderr, "teamsprov: %s\n", err);
		free(err);
		rc = tp_exit_merge(rc, TP_EXIT_CANTCREAT);
	}
	if (rt->http_ready)
		http_global_cleanup();
	journal_close(rt->j);
	journal_unlock(rt->lock_fd);
	manifest_free(rt->m);
	config_release(&rt->cfg);
	free(rt->state_path);
	memset(rt, 0, sizeof(*rt));
	rt->lock_fd = -1;
	return rc;
}

static int print_diag(struct diag *d)
{
	int rc = d->errors ? TP_EXIT_DATAERR : 0;

	diag_print(d, stderr);
	if (d->errors)
		fprintf(stderr, "teamsprov: %zu error%s; nothing was sent\n",
			d->errors, d->errors == 1 ? "" : "s");
	diag_release(d);
	return rc;
}

int rt_load_config(struct runtime *rt, bool required)
{
	struct diag d;
	char *path, workers[16];

	diag_init(&d);
	path = config_locate(rt->g->config, rt->g->manifest);
	if (path) {
		config_load_file(&rt->cfg, path, &d);
		rt->cfg_loaded = true;
	} else if (required) {
		diag_error(&d, rt->g->manifest, 0,
			   "no configuration: give -c FILE, or put "
			   "teamsprov.conf in the manifest directory or in "
			   "$XDG_CONFIG_HOME/teamsprov/");
	}
	free(path);
	config_apply_env(&rt->cfg, &d);
	if (rt->g->workers > 0) {
		snprintf(workers, sizeof(workers), "%d", rt->g->workers);
		config_set(&rt->cfg, "run", "workers", workers, "--workers",
			   &d);
	}
	rt->workers = rt->cfg.run.workers;
	rt->http.connect_timeout_ns = rt->cfg.run.connect_timeout;
	rt->http.timeout_ns = rt->cfg.run.timeout;
	return print_diag(&d);
}

int rt_load_manifest(struct runtime *rt)
{
	struct diag d;
	size_t i;

	diag_init(&d);
	manifest_load(rt->g->manifest, &rt->m, &d);
	/* --only must name enterprises of the manifest: a typo would
	 * otherwise select nothing and look like success. */
	for (i = 0; rt->m && !d.errors && i < rt->g->n_only; i++)
		if (!manifest_find(rt->m, rt->g->only[i])) {
			char *q = str_quote(rt->g->only[i], 80);
			diag_error(&d, rt->m->path[MF_ENTERPRISES], 0,
				   "--only %s names no enterprise", q);
			free(q);
		}
	return print_diag(&d);
}

/*
 * A run killed while it held the state lock leaves outcomes in the redo
 * log that its last commit did not cover (journal.h): replay them before
 * anything reads the state. With the lock held (writers) always; for
 * readers and the receiver, when no run holds the lock now (a live run
 * commits them itself within milliseconds).
 */
static int recover(struct journal *j)
{
	char *err = NULL;

	if (journal_redo_recover(j, NULL, &err) < 0) {
		fprintf(stderr, "teamsprov: %s\n", err);
		free(err);
		return -1;
	}
	return 0;
}

void rt_recover_idle(const char *state_path)
{
	char *redo = xasprintf("%s.redo", state_path), *err = NULL;
	struct journal *j;
	struct stat sb;
	pid_t holder;
	int fd;

	if (stat(redo, &sb) == 0 && sb.st_size > 0 &&
	    journal_lock(state_path, &fd, &holder, &err) == 0) {
		if (journal_open(state_path, JOURNAL_WRITE, &j, &err) == 0) {
			recover(j);
			journal_close(j);
		}
		journal_unlock(fd);
	}
	/* Not ours to replay, or we may not write: read what is there. */
	free(err);
	free(redo);
}

int rt_open_state(struct runtime *rt, enum journal_mode mode)
{
	pid_t holder;
	char *err = NULL;
	int rc;

	rt->state_path = rt->g->state
				 ? xstrdup(rt->g->state)
				 : xasprintf("%s/teamsprov.db", rt->g->manifest);
	if (mode == JOURNAL_WRITE) {
		rc = journal_lock(rt->state_path, &rt->lock_fd, &holder, &err);
		if (rc == 1) {
			fprintf(stderr,
				"teamsprov: %s is in use by another run "
				"(pid %ld); try again when it has finished\n",
				rt->state_path, (long)holder);
			return TP_EXIT_TEMPFAIL;
		}
		if (rc < 0) {
			fprintf(stderr, "teamsprov: %s\n", err);
			free(err);
			return TP_EXIT_CANTCREAT;
		}
	}
	if (mode == JOURNAL_READ)
		rt_recover_idle(rt->state_path);
	if (journal_open(rt->state_path, mode, &rt->j, &err) < 0) {
		fprintf(stderr, "teamsprov: %s\n", err);
		free(err);
		return mode == JOURNAL_WRITE ? TP_EXIT_CANTCREAT
					     : TP_EXIT_DATAERR;
	}
	if (mode == JOURNAL_WRITE && recover(rt->j) < 0)
		return TP_EXIT_CANTCREAT;
	return 0;
}

int rt_open_log(struct runtime *rt)
{
	char *err = NULL;

	if (!rt->g->log_json || rt->log)
		return 0;
	if (logjson_open(rt->g->log_json, &rt->log, &err) < 0) {
		fprintf(stderr, "teamsprov: %s\n", err);
		free(err);
		return TP_EXIT_CANTCREAT;
	}
	return 0;
}

static void retry_from_config(const struct config *c, struct retry_policy *p)
{
	retry_policy_default(p);
	p->retries = c->run.retries;
	p->base_ns = c->run.backoff_base;
	p->cap_ns = c->run.backoff_cap;
}

/*
 * A configured secret that is not there (unset variable, missing file) is
 * a configuration error, found before any request: 65, not a failed login.
 */
static int require_secrets(struct runtime *rt, const struct secret_ref *a,
			   const struct secret_ref *b)
{
	struct diag d;
	int rc = 0;

	diag_init(&d);
	if ((a && config_require_secret(&rt->cfg, a, &d) < 0) ||
	    (b && config_require_secret(&rt->cfg, b, &d) < 0)) {
		diag_print(&d, stderr);
		rc = TP_EXIT_DATAERR;
	}
	diag_release(&d);
	return rc;
}

static int setup_c2t(struct runtime *rt)
{
	const struct config_c2t *c = &rt->cfg.c2t;
	struct auth_config ac;
	struct retry_policy rp;
	int rc;

	memset(&ac, 0, sizeof(ac));
	ac.api = "c2t";
	ac.base_url = c->base_url;
	ac.base_dir = rt->cfg.dir;
	ac.http = rt->http;
	ac.http.timeout_ns = config_api_timeout(&rt->cfg, &c->api);
	if (c->token.kind != SECRET_NONE) {
		ac.kind = AUTH_TOKEN;
		ac.token = c->token;
		if ((rc = require_secrets(rt, &c->token, NULL)) != 0)
			return rc;
	} else if (c->client_id && c->username &&
		   c->client_secret.kind != SECRET_NONE &&
		   c->password.kind != SECRET_NONE) {
		ac.kind = AUTH_C2T_PASSWORD;
		ac.client_id = c->client_id;
		ac.client_secret = c->client_secret;
		ac.username = c->username;
		ac.password = c->password;
		if ((rc = require_secrets(rt, &c->client_secret,
					  &c->password)) != 0)
			return rc;
	} else {
		fprintf(stderr,
			"teamsprov: [c2t] needs credentials: client_id, "
			"username, client_secret_env/_file and "
			"password_env/_file, or token_env/_file/_cmd\n");
		return TP_EXIT_DATAERR;
	}
	retry_from_config(&rt->cfg, &rp);
	api_init(&rt->apis[API_C2T], API_C2T, c->base_url, auth_new(&ac),
		 c->api.rate, c->api.burst, &rp, rt->log);
	return 0;
}

static int setup_fusion(struct runtime *rt)
{
	const struct config_fusion *c = &rt->cfg.fusion;
	struct auth_config ac;
	struct retry_policy rp;
	int rc;

	if (!c->base_url || !c->draas_instance) {
		fprintf(stderr, "teamsprov: [fusion] needs base_url and "
				"draas_instance\n");
		return TP_EXIT_DATAERR;
	}
	memset(&ac, 0, sizeof(ac));
	ac.api = "fusion";
	ac.base_url = c->base_url;
	ac.base_dir = rt->cfg.dir;
	ac.http = rt->http;
	ac.http.timeout_ns = config_api_timeout(&rt->cfg, &c->api);
	if (c->token.kind != SECRET_NONE) {
		ac.kind = AUTH_TOKEN;
		ac.token = c->token;
		if ((rc = require_secrets(rt, &c->token, NULL)) != 0)
			return rc;
	} else if (c->username && c->password.kind != SECRET_NONE) {
		ac.kind = AUTH_FUSION_LOGIN;
		ac.username = c->username;
		ac.password = c->password;
		if ((rc = require_secrets(rt, &c->password, NULL)) != 0)
			return rc;
	} else {
		fprintf(stderr, "teamsprov: [fusion] needs username and "
				"password_env/_file/_cmd, or "
				"token_env/_file/_cmd\n");
		return TP_EXIT_DATAERR;
	}
	retry_from_config(&rt->cfg, &rp);
	api_init(&rt->apis[API_FUSION], API_FUSION, c->base_url,
		 auth_new(&ac), c->api.rate, c->api.burst, &rp, rt->log);
	return 0;
}

/* Registers the base64 text of the access key with redact, so that the
 * key alone is masked too, not only the whole connection string. */
static void redact_key(const struct acs_conn *c)
{
	char *b64 = xmalloc(4 * ((c->key_len + 2) / 3) + 1);

	EVP_EncodeBlock((unsigned char *)b64, c->key, (int)c->key_len);
	redact_add(b64);
	OPENSSL_cleanse(b64, strlen(b64));
	free(b64);
}

/*
 * ACS: an Entra ID bearer token (token_env/token_cmd, with endpoint) when
 * one is configured, else HMAC-SHA256 with the connection string's key.
 * The connection string is read here, once: a bad one is a configuration
 * error (65) before any request.
 */
static int setup_acs(struct runtime *rt)
{
	const struct config_acs *c = &rt->cfg.acs;
	struct acs_conn *conn = NULL;
	struct auth_config ac;
	struct retry_policy rp;
	char *value = NULL, *err = NULL, *base;
	int rc;

	memset(&ac, 0, sizeof(ac));
	if (c->token.kind != SECRET_NONE) {
		if (!c->endpoint) {
			fprintf(stderr, "teamsprov: [acs] token_env/token_cmd "
					"needs endpoint\n");
			return TP_EXIT_DATAERR;
		}
		if ((rc = require_secrets(rt, &c->token, NULL)) != 0)
			return rc;
		ac.kind = AUTH_TOKEN;
		ac.api = "acs";
		ac.base_url = c->endpoint;
		ac.base_dir = rt->cfg.dir;
		ac.token = c->token;
		ac.http = rt->http;
		ac.http.timeout_ns = config_api_timeout(&rt->cfg, &c->api);
		base = xstrdup(c->endpoint);
	} else if (c->connection_string.kind != SECRET_NONE) {
		if ((rc = require_secrets(rt, &c->connection_string, NULL)) != 0)
			return rc;
		if (secret_read(&c->connection_string, rt->cfg.dir, NULL,
				&value, &err) < 0) {
			fprintf(stderr, "teamsprov: [acs] connection string: "
					"%s\n",
				err);
			free(err);
			return TP_EXIT_DATAERR;
		}
		redact_add(value);
		conn = xcalloc(1, sizeof(*conn));
		if (acs_conn_parse(conn, value, &err) < 0) {
			fprintf(stderr, "teamsprov: [acs] %s\n", err);
			free(err);
			free(conn);
			redact_remove(value);
			secret_free(value);
			return TP_EXIT_DATAERR;
		}
		redact_key(conn);
		/* Still registered (redact_add copied it): an error message
		 * quoting it stays masked for the whole run. */
		secret_free(value);
		base = xstrdup(c->endpoint ? c->endpoint : conn->endpoint);
	} else {
		fprintf(stderr, "teamsprov: [acs] needs connection_string_env"
				"/_file, or endpoint and token_env/_cmd\n");
		return TP_EXIT_DATAERR;
	}
	retry_from_config(&rt->cfg, &rp);
	api_init(&rt->apis[API_ACS], API_ACS, base,
		 conn ? NULL : auth_new(&ac), c->api.rate, c->api.burst, &rp,
		 rt->log);
	if (conn)
		api_set_hmac(&rt->apis[API_ACS], conn);
	free(base);
	return 0;
}

int rt_setup_api(struct runtime *rt, enum api_id id)
{
	int rc = 0;

	char *err = NULL;

	if (rt->api_ready[id])
		return 0;
	/* The APIs log through it: open it first. */
	if ((rc = rt_open_log(rt)) != 0)
		return rc;
	if (!rt->http_ready) {
		if (http_global_init(&err) < 0) {
			fprintf(stderr, "teamsprov: %s\n", err);
			free(err);
			return TP_EXIT_UNAVAIL;
		}
		rt->http_ready = true;
	}
	switch (id) {
	case API_C2T: rc = setup_c2t(rt); break;
	case API_FUSION: rc = setup_fusion(rt); break;
	case API_ACS: rc = setup_acs(rt); break;
	default: rc = TP_EXIT_DATAERR; break;
	}
	if (rc == 0)
		rt->api_ready[id] = true;
	return rc;
}

static void sleep_ns(int64_t ns)
{
	struct timespec ts;

	if (ns <= 0)
		return;
	ts.tv_sec = (time_t)(ns / TP_NS_PER_S);
	ts.tv_nsec = (long)(ns % TP_NS_PER_S);
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

int rt_request(struct runtime *rt, enum api_id id, struct http_client *c,
	       struct http_request *req, struct http_response *res)
{
	struct api *a = &rt->apis[id];
	struct api_attempts st;
	struct api_result out;
	struct pool_ctx ctx;
	int64_t wait;
	int rc;

	memset(&st, 0, sizeof(st));
	memset(&ctx, 0, sizeof(ctx));
	for (;;) {
		while ((wait = adaptive_acquire(&a->gov, clock_mono_ns())) > 0)
			sleep_ns(wait);
		ctx.now = ctx.admitted = clock_mono_ns();
		ctx.runs++;
		api_call(a, c, &ctx, &st, NULL, req, res, &out);
		if (out.verdict == API_ANSWER) {
			api_result_release(&out);
			return 0;
		}
		if (out.verdict == API_AGAIN) {
			sleep_ns(out.delay_ns);
			continue;
		}
		fprintf(stderr, "teamsprov: %s\n", out.error);
		rc = out.failure == API_FAIL_REFUSED ? TP_EXIT_NOPERM
		     : out.failure == API_FAIL_UNREACHABLE ? TP_EXIT_UNAVAIL
							   : TP_EXIT_FAILED;
		api_result_release(&out);
		return rc;
	}
}

int rt_reseller_id(struct runtime *rt, struct http_client *c)
{
	struct http_request req;
	struct http_response res;
	char *url, *v = NULL, num[32];
	int rc;

	if (rt->cfg.c2t.reseller_id > 0) {
		rt->reseller_id = rt->cfg.c2t.reseller_id;
		return 0;
	}
	if (rt->j && journal_meta_get(rt->j, "reseller_id", &v) == 0 && v) {
		rt->reseller_id = strtoll(v, NULL, 10);
		free(v);
		if (rt->reseller_id > 0)
			return 0;
	}
	if (!rt->cfg.c2t.username) {
		fprintf(stderr, "teamsprov: [c2t] reseller_id is not set and "
				"there is no username to ask for it\n");
		return TP_EXIT_DATAERR;
	}
	memset(&req, 0, sizeof(req));
	url = api_url(&rt->apis[API_C2T], "/reseller/getAuthenticatedUser");
	req.method = "PUT";
	req.url = url;
	req.body = rt->cfg.c2t.username;
	req.body_len = strlen(rt->cfg.c2t.username);
	req.content_type = "text/plain";
	http_response_init(&res);
	rc = rt_request(rt, API_C2T, c, &req, &res);
	if (rc == 0 && (res.status != 200 ||
			c2t_parse_reseller_id(res.body.p, res.body.len,
					      &rt->reseller_id) < 0)) {
		char *msg = http_status_message(&req, &res);
		fprintf(stderr, "teamsprov: no reseller id: %s\n", msg);
		free(msg);
		rc = TP_EXIT_FAILED;
	}
	if (rc == 0 && rt->j) {
		snprintf(num, sizeof(num), "%lld", (long long)rt->reseller_id);
		journal_meta_set(rt->j, "reseller_id", num);
	}
	http_response_release(&res);
	free(url);
	return rc;
}
