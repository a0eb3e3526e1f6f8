/*
 * auth: the per-API token cache and its three sources (see auth.h).
 *
 * The mutex guards the cache (token, generation, expiry, the result of the
 * last fetch). A fetch runs without it, flagged by `busy`: only the
 * fetching thread touches the fetcher-only fields (secrets, the refresh
 * token, the http client), so they need no lock.
 */
#include "auth.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <openssl/evp.h>

#include "exitcode.h"
#include "redact.h"

struct auth {
	enum auth_kind kind;
	char *api, *base, *base_dir, *client_id, *username, *ca_file;
	struct secret_ref token_ref, cs_ref, pw_ref;
	struct http_opts http;

	pthread_mutex_t mu;
	pthread_cond_t cv;
	char *token;
	uint64_t gen;
	int64_t refresh_at; /* mono ns; 0: only after a 401 */
	int64_t expires_at; /* mono ns; 0: unknown */
	int busy;
	uint64_t attempts;
	struct auth_error last;
	int sticky;
	unsigned long fetches;

	/* Fetcher-only. */
	struct http_client *client;
	char *password, *client_secret, *basic, *basic64, *refresh_token, *m2m;
	char *old[AUTH_KEEP_OLD];
	size_t n_old;
};

struct fetched {
	char *token;
	int64_t lifetime_ns; /* 0: unknown */
};

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

static void copy_ref(struct secret_ref *dst, const struct secret_ref *src)
{
	secret_ref_init(dst);
	if (src->kind != SECRET_NONE && src->name)
		secret_ref_set(dst, src->kind, src->name);
}

struct auth *auth_new(const struct auth_config *cfg)
{
	struct auth *a = xcalloc(1, sizeof(*a));
	size_t n;

	a->kind = cfg->kind;
	a->api = xstrdup(cfg->api ? cfg->api : "api");
	a->base = xstrdup(cfg->base_url ? cfg->base_url : "");
	n = strlen(a->base);
	while (n && a->base[n - 1] == '/')
		a->base[--n] = '\0';
	a->base_dir = dup_or_null(cfg->base_dir);
	a->client_id = xstrdup(cfg->client_id ? cfg->client_id : "");
	a->username = xstrdup(cfg->username ? cfg->username : "");
	copy_ref(&a->token_ref, &cfg->token);
	copy_ref(&a->cs_ref, &cfg->client_secret);
	copy_ref(&a->pw_ref, &cfg->password);
	a->http = cfg->http;
	a->ca_file = dup_or_null(cfg->http.ca_file);
	a->http.ca_file = a->ca_file;
	pthread_mutex_init(&a->mu, NULL);
	pthread_cond_init(&a->cv, NULL);
	auth_error_init(&a->last);
	return a;
}

/* Unregisters and wipes a secret held by the auth. */
static void forget(char **s)
{
	if (*s) {
		redact_remove(*s);
		secret_free(*s);
		*s = NULL;
	}
}

void auth_free(struct auth *a)
{
	size_t i;

	if (!a)
		return;
	forget(&a->token);
	for (i = 0; i < a->n_old; i++)
		forget(&a->old[i]);
	forget(&a->password);
	forget(&a->client_secret);
	forget(&a->basic);
	forget(&a->basic64);
	forget(&a->refresh_token);
	forget(&a->m2m);
	http_client_free(a->client);
	auth_error_release(&a->last);
	pthread_mutex_destroy(&a->mu);
	pthread_cond_destroy(&a->cv);
	secret_ref_release(&a->token_ref);
	secret_ref_release(&a->cs_ref);
	secret_ref_release(&a->pw_ref);
	free(a->api);
	free(a->base);
	free(a->base_dir);
	free(a->client_id);
	free(a->username);
	free(a->ca_file);
	free(a);
}

void auth_token_init(struct auth_token *t)
{
	t->bearer = NULL;
	t->generation = 0;
}

void auth_token_release(struct auth_token *t)
{
	secret_free(t->bearer);
	auth_token_init(t);
}

void auth_error_init(struct auth_error *e)
{
	e->kind = AUTH_OK;
	e->msg = NULL;
	e->retry_after_ns = -1;
}

void auth_error_release(struct auth_error *e)
{
	free(e->msg);
	auth_error_init(e);
}

int auth_exit_code(enum auth_err kind)
{
	switch (kind) {
	case AUTH_OK:
		return TP_EXIT_OK;
	case AUTH_ERR_UNAVAILABLE:
		return TP_EXIT_UNAVAIL;
	default:
		return TP_EXIT_NOPERM;
	}
}

unsigned long auth_fetches(struct auth *a)
{
	unsigned long n;

	pthread_mutex_lock(&a->mu);
	n = a->fetches;
	pthread_mutex_unlock(&a->mu);
	return n;
}

static void set_err(struct auth_error *e, enum auth_err kind, char *msg)
{
	free(e->msg);
	e->kind = kind;
	e->msg = msg;
}

/* Reads a configured secret once and registers it at once. */
static int need_secret(struct auth *a, const struct secret_ref *ref,
                       char **value, const char *what, struct auth_error *e)
{
	char *err = NULL;

	if (*value)
		return 0;
	if (secret_read(ref, a->base_dir, NULL, value, &err) < 0) {
		set_err(e, AUTH_ERR_SECRET,
		        xasprintf("%s: %s: %s", a->api, what, err));
		free(err);
		return -1;
	}
	redact_add(*value);
	return 0;
}

/* One token request through the auth's own client. */
static int send_req(struct auth *a, const struct http_request *rq,
                    struct http_response *res)
{
	if (!a->client)
		a->client = http_client_new(&a->http);
	pthread_mutex_lock(&a->mu);
	a->fetches++;
	pthread_mutex_unlock(&a->mu);
	return http_perform(a->client, rq, res);
}

/*
 * A failed token request: transport errors, 429 and 5xx may pass; any
 * other answer is a refusal that will not change by asking again.
 */
static void request_failed(struct auth *a, const struct http_request *rq,
                           const struct http_response *res,
                           struct auth_error *e)
{
	char *m = http_status_message(rq, res);

	if (res->err != HTTP_ERR_NONE || res->status == 429 ||
	    res->status >= 500) {
		set_err(e, AUTH_ERR_UNAVAILABLE,
		        xasprintf("%s: token request failed: %s", a->api, m));
		e->retry_after_ns = res->retry_after_ns;
	} else {
		set_err(e, AUTH_ERR_REFUSED,
		        xasprintf("%s: authentication refused: %s", a->api, m));
	}
	free(m);
}

/* access_token (and expires_in) of a 2xx token response. */
static int take_token(struct auth *a, const struct http_request *rq,
                      struct http_response *res, struct fetched *f,
                      struct auth_error *e)
{
	cJSON *j = http_json(res);
	const char *tok = json_get_str(j, "access_token");
	int64_t secs;

	if (!tok || !*tok) {
		char *m = http_status_message(rq, res);
		set_err(e, AUTH_ERR_REFUSED,
		        xasprintf("%s: no access_token in the answer: %s",
		                  a->api, m));
		free(m);
		cJSON_Delete(j);
		return -1;
	}
	redact_add(tok);
	f->token = xstrdup(tok);
	if (json_get_i64(j, "expires_in", &secs) == 0 && secs > 0 &&
	    secs < INT64_C(10) * 365 * 86400)
		f->lifetime_ns = secs * INT64_C(1000000000);
	explicit_bzero(res->body.p, res->body.len);
	cJSON_Delete(j);
	return 0;
}

static char *url_of(struct auth *a, const char *path)
{
	return xasprintf("%s%s", a->base, path);
}

static int c2t_grant(struct auth *a, struct fetched *f, struct auth_error *e)
{
	struct http_request rq = {0};
	struct http_response res;
	const char *hdrs[3];
	char *user, *pw, *url, *body;
	struct buf cred;
	int rc = -1;

	if (need_secret(a, &a->cs_ref, &a->client_secret, "client secret", e) <
	        0 ||
	    need_secret(a, &a->pw_ref, &a->password, "password", e) < 0)
		return -1;
	if (!a->basic) {
		buf_init(&cred);
		buf_addf(&cred, "%s:%s", a->client_id, a->client_secret);
		a->basic64 = xmalloc(4 * ((cred.len + 2) / 3) + 1);
		EVP_EncodeBlock((unsigned char *)a->basic64,
		                (unsigned char *)cred.p, (int)cred.len);
		redact_add(a->basic64);
		a->basic = xasprintf("Authorization: Basic %s", a->basic64);
		explicit_bzero(cred.p, cred.len);
		buf_release(&cred);
	}
	user = curl_easy_escape(NULL, a->username, 0);
	pw = curl_easy_escape(NULL, a->password, 0);
	body = xasprintf("grant_type=password&username=%s&password=%s",
	                 user ? user : "", pw ? pw : "");
	if (pw) {
		explicit_bzero(pw, strlen(pw));
		curl_free(pw);
	}
	curl_free(user);
	url = url_of(a, "/oauth/token");
	hdrs[0] = a->basic;
	hdrs[1] = "Accept: application/json";
	hdrs[2] = NULL;
	rq.method = "POST";
	rq.url = url;
	rq.headers = hdrs;
	rq.body = body;
	rq.body_len = strlen(body);
	rq.content_type = "application/x-www-form-urlencoded";
	http_response_init(&res);
	if (send_req(a, &rq, &res) == 0 && res.status >= 200 &&
	    res.status < 300)
		rc = take_token(a, &rq, &res, f, e);
	else
		request_failed(a, &rq, &res, e);
	secret_free(body);
	free(url);
	http_response_release(&res);
	return rc;
}

static int fusion_login(struct auth *a, struct fetched *f, struct auth_error *e)
{
	struct http_request rq = {0};
	struct http_response res;
	cJSON *req, *j = NULL;
	char *url, *body;
	const char *s;
	int rc = -1;

	if (need_secret(a, &a->pw_ref, &a->password, "password", e) < 0)
		return -1;
	req = cJSON_CreateObject();
	cJSON_AddStringToObject(req, "username", a->username);
	cJSON_AddStringToObject(req, "password", a->password);
	body = cJSON_PrintUnformatted(req);
	explicit_bzero(cJSON_GetObjectItem(req, "password")->valuestring,
	               strlen(a->password));
	cJSON_Delete(req);
	url = url_of(a, "/api/v01/auth/login");
	rq.method = "POST";
	rq.url = url;
	rq.body = body;
	rq.body_len = strlen(body);
	rq.content_type = "application/json";
	http_response_init(&res);
	if (send_req(a, &rq, &res) == 0)
		j = http_json(&res);
	if (j && cJSON_GetObjectItemCaseSensitive(j, "2fa_payload")) {
		set_err(e, AUTH_ERR_TWO_FACTOR,
		        xasprintf("%s: the login of user %s asks for a second "
		                  "factor, which a batch run cannot give; "
		                  "create a machine-to-machine token in "
		                  "Fusion and configure token_env, "
		                  "token_file or token_cmd in [%s]",
		                  a->api, a->username, a->api));
	} else if (res.err == HTTP_ERR_NONE && res.status >= 200 &&
	           res.status < 300) {
		rc = take_token(a, &rq, &res, f, e);
		if (rc == 0 && (s = json_get_str(j, "refresh_token"))) {
			forget(&a->refresh_token);
			redact_add(s);
			a->refresh_token = xstrdup(s);
		}
		if (rc == 0 && (s = json_get_str(j, "token")) && !a->m2m) {
			redact_add(s);
			a->m2m = xstrdup(s);
		}
	} else {
		request_failed(a, &rq, &res, e);
	}
	cJSON_Delete(j);
	explicit_bzero(body, strlen(body));
	cJSON_free(body);
	free(url);
	http_response_release(&res);
	return rc;
}

static int fusion_refresh(struct auth *a, struct fetched *f,
                          struct auth_error *e)
{
	struct http_request rq = {0};
	struct http_response res;
	char *url;
	int rc;

	if (!a->refresh_token)
		return fusion_login(a, f, e);
	url = url_of(a, "/api/v01/auth/access_token");
	rq.method = "GET";
	rq.url = url;
	rq.bearer = a->refresh_token;
	http_response_init(&res);
	rc = send_req(a, &rq, &res);
	if (rc == 0 && res.status >= 200 && res.status < 300) {
		rc = take_token(a, &rq, &res, f, e);
	} else if (rc == 0 && res.status >= 400 && res.status < 500 &&
	           res.status != 429) {
		/* The refresh token expired or was revoked: log in. */
		forget(&a->refresh_token);
		rc = fusion_login(a, f, e);
	} else {
		request_failed(a, &rq, &res, e);
		rc = -1;
	}
	free(url);
	http_response_release(&res);
	return rc;
}

static int read_token(struct auth *a, struct fetched *f, struct auth_error *e)
{
	char *v = NULL, *err = NULL;

	pthread_mutex_lock(&a->mu);
	a->fetches++;
	pthread_mutex_unlock(&a->mu);
	if (secret_read(&a->token_ref, a->base_dir, NULL, &v, &err) < 0) {
		set_err(e, AUTH_ERR_SECRET,
		        xasprintf("%s: token: %s", a->api, err));
		free(err);
		return -1;
	}
	redact_add(v);
	f->token = v;
	return 0;
}

static int fetch(struct auth *a, int renew, struct fetched *f,
                 struct auth_error *e)
{
	switch (a->kind) {
	case AUTH_TOKEN:
		return read_token(a, f, e);
	case AUTH_C2T_PASSWORD:
		return c2t_grant(a, f, e);
	case AUTH_FUSION_LOGIN:
		return renew ? fusion_refresh(a, f, e) : fusion_login(a, f, e);
	}
	return -1;
}

/* Called with a->mu held. */
static void install(struct auth *a, struct fetched *f, int64_t now)
{
	int64_t early;

	if (a->token) {
		if (a->n_old == AUTH_KEEP_OLD) {
			forget(&a->old[0]);
			memmove(a->old, a->old + 1,
			        (AUTH_KEEP_OLD - 1) * sizeof(*a->old));
			a->n_old--;
		}
		a->old[a->n_old++] = a->token;
	}
	a->token = f->token;
	a->gen++;
	if (f->lifetime_ns > 0) {
		early = f->lifetime_ns / 4;
		if (early > AUTH_EARLY_NS)
			early = AUTH_EARLY_NS;
		a->expires_at = now + f->lifetime_ns;
		a->refresh_at = a->expires_at - early;
	} else {
		a->expires_at = a->refresh_at = 0;
	}
}

static void copy_error(struct auth_error *dst, const struct auth_error *src)
{
	set_err(dst, src->kind, dup_or_null(src->msg));
	dst->retry_after_ns = src->retry_after_ns;
}

static void give(struct auth *a, struct auth_token *tok)
{
	secret_free(tok->bearer);
	tok->bearer = xstrdup(a->token);
	tok->generation = a->gen;
}

static int obtain(struct auth *a, int renew, uint64_t seen, int64_t now,
                  struct auth_token *tok, struct auth_error *err)
{
	struct fetched f = {NULL, 0};
	struct auth_error e;
	uint64_t seq;
	int rc, fresh, valid, early;

	pthread_mutex_lock(&a->mu);
	for (;;) {
		if (a->sticky) {
			copy_error(err, &a->last);
			pthread_mutex_unlock(&a->mu);
			return -1;
		}
		if (a->token) {
			fresh = renew
			            ? a->gen != seen
			            : a->refresh_at == 0 || now < a->refresh_at;
			/* Still valid while another thread renews it. */
			valid = !renew &&
			        (a->expires_at == 0 || now < a->expires_at);
			if (fresh || (a->busy && valid)) {
				give(a, tok);
				pthread_mutex_unlock(&a->mu);
				return 0;
			}
		}
		if (!a->busy)
			break;
		seq = a->attempts;
		while (a->busy && a->attempts == seq)
			pthread_cond_wait(&a->cv, &a->mu);
		if (a->attempts != seq && a->last.kind != AUTH_OK) {
			/* Share the failure rather than storm the server. */
			copy_error(err, &a->last);
			pthread_mutex_unlock(&a->mu);
			return -1;
		}
	}
	a->busy = 1;
	early = !renew && a->token;
	pthread_mutex_unlock(&a->mu);

	auth_error_init(&e);
	rc = fetch(a, a->token != NULL, &f, &e);

	pthread_mutex_lock(&a->mu);
	a->busy = 0;
	a->attempts++;
	copy_error(&a->last, &e);
	if (rc == 0) {
		install(a, &f, now);
		give(a, tok);
	} else if (e.kind != AUTH_ERR_UNAVAILABLE) {
		a->sticky = 1;
	} else if (early && now < a->expires_at) {
		/* An early renewal failed, but the token is still good:
		 * use it, and try again halfway to its expiry. */
		a->refresh_at = now + (a->expires_at - now) / 2;
		give(a, tok);
		rc = 0;
	}
	pthread_cond_broadcast(&a->cv);
	pthread_mutex_unlock(&a->mu);
	if (rc < 0) {
		auth_error_release(err);
		*err = e;
		return -1;
	}
	auth_error_release(&e);
	return 0;
}

int auth_get(struct auth *a, int64_t now_ns, struct auth_token *tok,
             struct auth_error *err)
{
	return obtain(a, 0, 0, now_ns, tok, err);
}

int auth_refresh(struct auth *a, uint64_t seen, int64_t now_ns,
                 struct auth_token *tok, struct auth_error *err)
{
	return obtain(a, 1, seen, now_ns, tok, err);
}
