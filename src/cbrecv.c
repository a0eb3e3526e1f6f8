/*
 * cbrecv: the consent receiver (see cbrecv.h).
 */
#include "cbrecv.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <microhttpd.h>
#include <openssl/crypto.h>

#include "actions.h"
#include "cbtoken.h"
#include "clock.h"
#include "redact.h"
#include "util.h"

#if MHD_VERSION < 0x00097002
typedef int MHD_RESULT_T;
#else
typedef enum MHD_Result MHD_RESULT_T;
#endif

struct cbrecv {
	struct MHD_Daemon *d;
	struct cbrecv_config c;
	int fd;
	atomic_ulong recorded, refused;
	atomic_int in_flight;
};

enum { M_GET, M_POST };

/* One request. */
struct conn {
	int method;
	char *token; /* as received: a valid-looking token */
	const char *prefix; /* how the path began, for the log */
	char hash[CBTOKEN_HASH_LEN + 1];
	struct buf body;
	int too_big;
	int answered;
	int64_t start_ns;
	char *item; /* enterprise, for the log */
};

void cbrecv_html_escape(struct buf *b, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': buf_adds(b, "&amp;"); break;
		case '<': buf_adds(b, "&lt;"); break;
		case '>': buf_adds(b, "&gt;"); break;
		case '"': buf_adds(b, "&quot;"); break;
		case '\'': buf_adds(b, "&#39;"); break;
		default: buf_addc(b, *s);
		}
	}
}

int64_t cbrecv_expires_ms(const cJSON *ar)
{
	const cJSON *e = cJSON_GetObjectItemCaseSensitive(ar, "expiresOn");
	double v;

	if (!cJSON_IsNumber(e) || e->valuedouble <= 0)
		return 0;
	v = e->valuedouble;
	/* The documents show microseconds (1742985175242681); accept
	 * milliseconds and seconds too, told apart by magnitude. */
	if (v > 1e14)
		return (int64_t)(v / 1000);
	if (v > 1e11)
		return (int64_t)v;
	return (int64_t)(v * 1000);
}

/* --- the page --------------------------------------------------------- */

struct needed {
	struct buf *b;
	size_t n;
};

static int add_needed(const struct jr_action *a, void *arg)
{
	struct needed *nd = arg;

	if (a->status == JR_ACT_GRANTED || a->status == JR_ACT_CONFIRMED ||
	    strcmp(a->action, "LOGIN_ENTERPRISE_ADMIN") == 0)
		return 0;
	buf_adds(nd->b, "<li>");
	cbrecv_html_escape(nd->b, a->action);
	buf_adds(nd->b, a->status == JR_ACT_ERROR ? " (failed: ask your "
						    "provider for a new link)"
						  : "");
	buf_adds(nd->b, "</li>");
	nd->n++;
	return 0;
}

static char *page(const char *title, const char *text, const char *note,
		  const char *needed_html)
{
	struct buf b;

	buf_init(&b);
	buf_adds(&b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta "
		     "charset=\"utf-8\"><meta name=\"viewport\" "
		     "content=\"width=device-width\"><title>");
	cbrecv_html_escape(&b, title);
	buf_adds(&b, "</title><style>body{font-family:sans-serif;max-width:"
		     "40em;margin:2em auto;padding:0 1em;color:#222}h1{font-"
		     "size:1.4em}</style></head>\n<body><h1>");
	cbrecv_html_escape(&b, title);
	buf_adds(&b, "</h1>\n<p>");
	cbrecv_html_escape(&b, text);
	buf_adds(&b, "</p>\n");
	if (note) {
		buf_adds(&b, "<p>");
		cbrecv_html_escape(&b, note);
		buf_adds(&b, "</p>\n");
	}
	if (needed_html)
		buf_adds(&b, needed_html);
	buf_adds(&b, "<p>You may close this window.</p></body></html>\n");
	return buf_detach(&b);
}

static MHD_RESULT_T send_page(struct MHD_Connection *mc, unsigned status,
			      char *html, const char *allow)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(
		strlen(html), html, MHD_RESPMEM_MUST_FREE);
	MHD_RESULT_T ret;

	MHD_add_response_header(r, "Content-Type", "text/html; charset=utf-8");
	MHD_add_response_header(r, "Cache-Control", "no-store");
	MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "Content-Security-Policy",
				"default-src 'none'; style-src "
				"'unsafe-inline'");
	if (allow)
		MHD_add_response_header(r, "Allow", allow);
	ret = MHD_queue_response(mc, status, r);
	MHD_destroy_response(r);
	return ret;
}

static void log_request(struct cbrecv *rv, struct conn *cx,
			const char *method, unsigned status, const char *msg)
{
	struct logjson_event ev;
	char *path;

	if (!rv->c.log)
		return;
	/* The token is a credential: never logged. */
	path = xasprintf("%s/cb/***", cx && cx->prefix ? cx->prefix : "");
	memset(&ev, 0, sizeof(ev));
	ev.level = status < 400 ? "info" : "warn";
	ev.api = "callback";
	ev.method = method;
	ev.path = path;
	ev.status = (long)status;
	ev.ms = cx ? (double)(clock_mono_ns() - cx->start_ns) / 1e6 : -1;
	ev.item = cx ? cx->item : NULL;
	ev.msg = msg;
	logjson_write(rv->c.log, &ev);
	free(path);
}

static MHD_RESULT_T refuse(struct cbrecv *rv, struct MHD_Connection *mc,
			   struct conn *cx, const char *method,
			   unsigned status, const char *why)
{
	static const struct {
		unsigned status;
		const char *title;
	} titles[] = {
		{400, "Bad request"},         {403, "Link not valid"},
		{404, "Not found"},           {405, "Method not allowed"},
		{413, "Request too large"},   {500, "Not recorded"},
	};
	const char *title = "Refused";
	size_t i;

	for (i = 0; i < sizeof(titles) / sizeof(titles[0]); i++)
		if (titles[i].status == status)
			title = titles[i].title;
	atomic_fetch_add(&rv->refused, 1);
	if (cx)
		cx->answered = 1;
	log_request(rv, cx, method, status, why);
	return send_page(mc, status, page(title, why, NULL, NULL),
			 status == 405 ? "GET, POST" : NULL);
}

/* --- paths and tokens ------------------------------------------------- */

/* The token of a path "/cb/TOKEN" or "PREFIX/cb/TOKEN", or NULL. */
static const char *path_token(const struct cbrecv *rv, const char *url,
			      const char **prefix)
{
	size_t i, n;

	*prefix = "";
	if (strncmp(url, "/cb/", 4) == 0)
		return url + 4;
	for (i = 0; i < rv->c.n_prefixes; i++) {
		n = strlen(rv->c.prefixes[i]);
		if (n && strncmp(url, rv->c.prefixes[i], n) == 0 &&
		    strncmp(url + n, "/cb/", 4) == 0) {
			*prefix = rv->c.prefixes[i];
			return url + n + 4;
		}
	}
	return NULL;
}

/*
 * The action of a token hash, under jlock: 0 found (*a filled), 1 not,
 * -1 on a journal error. The lookup is by hash; the hashes are compared
 * again in constant time, so that no timing tells how much of a forged
 * token matched.
 */
static int find_action(struct cbrecv *rv, const char *hash,
		       struct jr_action *a)
{
	int rc = journal_find_action_by_token(rv->c.j, hash, a);

	if (rc == 0 && (!a->token_hash ||
			strlen(a->token_hash) != CBTOKEN_HASH_LEN ||
			CRYPTO_memcmp(a->token_hash, hash,
				      CBTOKEN_HASH_LEN) != 0)) {
		jr_action_release(a);
		memset(a, 0, sizeof(*a));
		rc = 1;
	}
	return rc;
}

static int is_login(const char *action)
{
	return strcmp(action, "REGISTRATION") == 0 ||
	       strcmp(action, "LOGIN_ENTERPRISE_ADMIN") == 0;
}

/* An admin's message made safe to store and show: control characters
 * become spaces, invalid UTF-8 is cut, at most CBRECV_DETAIL_MAX bytes. */
static char *clean_text(const char *s)
{
	size_t n = strlen(s), i;
	char *r;

	if (n > CBRECV_DETAIL_MAX)
		n = CBRECV_DETAIL_MAX;
	n = utf8_valid_prefix(s, n);
	r = xstrndup(s, n);
	for (i = 0; i < n; i++)
		if ((unsigned char)r[i] < 0x20 || r[i] == 0x7f)
			r[i] = ' ';
	str_trim(r);
	return r;
}

/* The still-needed list of an enterprise as HTML; under jlock. */
static char *needed_html(struct cbrecv *rv, const char *enterprise,
			 int registered)
{
	struct buf b;
	struct needed nd;

	buf_init(&b);
	nd.b = &b;
	nd.n = 0;
	buf_adds(&b, "<p>Still needed:</p><ul>");
	if (!registered) {
		buf_adds(&b, "<li>REGISTRATION</li>");
		nd.n++;
	}
	if (journal_each_action(rv->c.j, enterprise, add_needed, &nd) < 0 ||
	    nd.n == 0) {
		buf_release(&b);
		return xstrdup("<p>Nothing else is needed from you.</p>\n");
	}
	buf_adds(&b, "</ul>\n");
	return buf_detach(&b);
}

/* --- recording -------------------------------------------------------- */

struct answer {
	int granted;
	char *detail;    /* GET: the message */
	cJSON *json;     /* POST: the whole body */
	const cJSON *ar; /* POST: the inner authenticationResult */
	const char *tenant, *admin;
	int tam;
};

static void journal_undo(struct cbrecv *rv)
{
	/* A refusal or a failed write leaves the journal as it was. */
	journal_rollback(rv->c.j);
}

/*
 * Records ans for the action of cx's token in one BEGIN IMMEDIATE
 * transaction. Returns the HTTP status: 200 recorded (or already so),
 * 403 unknown token or another tenant, 500 journal error. *ev is filled
 * for the sink on 200; *needed gets the page's list.
 */
static unsigned record(struct cbrecv *rv, struct conn *cx, struct answer *ans,
		       struct jr_action *a, struct cbrecv_event *ev,
		       char **needed, int *changed)
{
	struct jr_enterprise e;
	unsigned status = 200;
	int rc;

	*changed = 0;
	pthread_mutex_lock(rv->c.jlock);
	if (journal_begin(rv->c.j) < 0) {
		pthread_mutex_unlock(rv->c.jlock);
		return 500;
	}
	rc = find_action(rv, cx->hash, a);
	if (rc != 0) {
		journal_undo(rv);
		pthread_mutex_unlock(rv->c.jlock);
		return rc < 0 ? 500 : 403;
	}
	cx->item = xstrdup(a->enterprise);
	rc = journal_get_enterprise(rv->c.j, a->enterprise, &e);
	if (rc != 0) {
		journal_undo(rv);
		pthread_mutex_unlock(rv->c.jlock);
		return rc < 0 ? 500 : 403;
	}
	if (ans->json && e.tenant_id &&
	    str_casecmp(e.tenant_id, ans->tenant) != 0) {
		/* An MSAL result of another tenant posted to this
		 * enterprise's link: a replay, not this admin's answer. */
		status = 403;
	} else if (ans->json) {
		if (strcmp(a->action, "REGISTRATION") == 0 || ans->granted)
			e.registered = 1;
		free(e.tenant_id);
		e.tenant_id = xstrdup(ans->tenant);
		if (ans->admin) {
			free(e.admin_id);
			e.admin_id = clean_text(ans->admin);
		}
		if (ans->tam >= 0)
			e.tenant_admin_api = ans->tam;
		a->status = JR_ACT_GRANTED;
		free(a->detail);
		a->detail = ans->admin ? xasprintf("signed in as %s",
						   e.admin_id)
				       : NULL;
		*changed = journal_put_enterprise(rv->c.j, &e) == 0 &&
			   journal_put_action(rv->c.j, a) == 0;
		if (!*changed)
			status = 500;
	} else if (!ans->granted && (a->status == JR_ACT_GRANTED ||
				     a->status == JR_ACT_CONFIRMED)) {
		/* A failed second attempt does not take back a grant. */
	} else {
		if (!(ans->granted && a->status == JR_ACT_CONFIRMED))
			a->status = ans->granted ? JR_ACT_GRANTED
						 : JR_ACT_ERROR;
		free(a->detail);
		a->detail = xstrdup(ans->detail);
		if (ans->granted && strcmp(a->action, "REGISTRATION") == 0)
			e.registered = 1;
		*changed = journal_put_enterprise(rv->c.j, &e) == 0 &&
			   journal_put_action(rv->c.j, a) == 0;
		if (!*changed)
			status = 500;
	}
	if (status == 200 && journal_commit(rv->c.j) < 0)
		status = 500;
	if (status != 200)
		journal_undo(rv);
	if (status == 200)
		*needed = needed_html(rv, a->enterprise, e.registered);
	pthread_mutex_unlock(rv->c.jlock);
	memset(ev, 0, sizeof(*ev));
	ev->enterprise = a->enterprise;
	ev->action = a->action;
	ev->granted = a->status == JR_ACT_GRANTED ||
		      a->status == JR_ACT_CONFIRMED;
	ev->tenant_admin_api = -1;
	jr_enterprise_release(&e);
	return status;
}

/* Reads the documented registration/login JSON; 0 or -1. */
static int parse_post(struct conn *cx, struct answer *ans)
{
	const cJSON *mr, *ar, *ui, *t, *at, *adm, *tam;

	ans->json = cJSON_ParseWithLength(cx->body.p, cx->body.len);
	mr = cJSON_GetObjectItemCaseSensitive(ans->json,
					      "msalAuthenticationResult");
	ar = cJSON_GetObjectItemCaseSensitive(mr, "authenticationResult");
	ui = cJSON_GetObjectItemCaseSensitive(ar, "userInfo");
	t = cJSON_GetObjectItemCaseSensitive(ui, "tenantId");
	at = cJSON_GetObjectItemCaseSensitive(ar, "accessToken");
	adm = cJSON_GetObjectItemCaseSensitive(ui, "displayableId");
	tam = cJSON_GetObjectItemCaseSensitive(ans->json,
					       "containsTeamsTenantAdminAPI");
	if (!cJSON_IsObject(ar) || !cJSON_IsString(t) || !t->valuestring[0] ||
	    strlen(t->valuestring) > 64 || !cJSON_IsString(at) ||
	    !at->valuestring[0]) {
		cJSON_Delete(ans->json);
		ans->json = NULL;
		return -1;
	}
	ans->ar = ar;
	ans->tenant = t->valuestring;
	ans->admin = cJSON_IsString(adm) ? adm->valuestring : NULL;
	ans->tam = cJSON_IsBool(tam) ? cJSON_IsTrue(tam) : -1;
	ans->granted = 1;
	return 0;
}

static MHD_RESULT_T answer(struct cbrecv *rv, struct MHD_Connection *mc,
			   struct conn *cx, const char *method)
{
	struct answer ans;
	struct jr_action a;
	struct cbrecv_event ev;
	char *needed = NULL, *note = NULL, *text, *msal = NULL;
	const char *okv, *errv;
	unsigned status;
	int changed = 0;
	MHD_RESULT_T ret;

	memset(&ans, 0, sizeof(ans));
	memset(&a, 0, sizeof(a));
	ans.tam = -1;
	if (cx->method == M_GET) {
		okv = MHD_lookup_connection_value(mc, MHD_GET_ARGUMENT_KIND,
						  "success");
		errv = MHD_lookup_connection_value(mc, MHD_GET_ARGUMENT_KIND,
						   "error");
		if (!okv && !errv)
			return refuse(rv, mc, cx, method, 400,
				      "The link carries neither success nor "
				      "error: nothing was recorded.");
		ans.granted = errv == NULL;
		ans.detail = clean_text(errv ? errv : okv);
	} else if (parse_post(cx, &ans) < 0) {
		return refuse(rv, mc, cx, method, 400,
			      "The request is not a registration or login "
			      "result: nothing was recorded.");
	}
	status = record(rv, cx, &ans, &a, &ev, &needed, &changed);
	if (status == 200 && ans.json) {
		msal = cJSON_PrintUnformatted(ans.ar);
		ev.msal = msal;
		ev.tenant_id = ans.tenant;
		ev.tenant_admin_api = ans.tam;
		ev.expires_ms = cbrecv_expires_ms(ans.ar);
	}
	if (status != 200) {
		ret = refuse(rv, mc, cx, method, status,
			     status == 403
				     ? "This link is not valid (unknown, "
				       "replaced by a newer one, or for "
				       "another tenant): nothing was "
				       "recorded."
				     : "The answer could not be recorded; "
				       "please try the link again later.");
	} else {
		if (rv->c.on_event && (changed || ans.json))
			note = rv->c.on_event(rv->c.arg, &ev);
		if (ans.json)
			text = xasprintf("%s of %s is recorded.",
					 strcmp(a.action, "REGISTRATION") == 0
						 ? "The registration"
						 : "Your sign-in",
					 a.enterprise);
		else if (ans.granted)
			text = xasprintf("%s for %s is recorded as granted.",
					 a.action, a.enterprise);
		else if (!changed)
			text = xasprintf("%s for %s was already granted; the "
					 "failed attempt changes nothing.",
					 a.action, a.enterprise);
		else
			text = xasprintf("%s for %s failed: %s", a.action,
					 a.enterprise, ans.detail);
		atomic_fetch_add(&rv->recorded, 1);
		cx->answered = 1;
		log_request(rv, cx, method, 200,
			    ans.granted ? "granted" : "error");
		ret = send_page(mc, 200,
				page(ans.granted ? "Thank you" : "Not granted",
				     text, note, needed),
				NULL);
		free(text);
	}
	if (msal) {
		/* The sink copied what it keeps. */
		size_t n = strlen(msal);
		OPENSSL_cleanse(msal, n);
		cJSON_free(msal);
	}
	free(note);
	free(needed);
	free(ans.detail);
	cJSON_Delete(ans.json);
	jr_action_release(&a);
	return ret;
}

/* --- the MHD callbacks ------------------------------------------------ */

static MHD_RESULT_T on_request(void *cls, struct MHD_Connection *mc,
			       const char *url, const char *method,
			       const char *version, const char *upload,
			       size_t *upload_size, void **con_cls)
{
	struct cbrecv *rv = cls;
	struct conn *cx = *con_cls;
	const char *token, *cl;
	struct jr_action a;
	int rc;

	(void)version;
	if (!cx) {
		cx = xcalloc(1, sizeof(*cx));
		buf_init(&cx->body);
		cx->start_ns = clock_mono_ns();
		*con_cls = cx;
		atomic_fetch_add(&rv->in_flight, 1);
		if (strcmp(method, "GET") == 0)
			cx->method = M_GET;
		else if (strcmp(method, "POST") == 0)
			cx->method = M_POST;
		else
			return refuse(rv, mc, cx, method, 405,
				      "This address takes GET and POST "
				      "only.");
		token = path_token(rv, url, &cx->prefix);
		if (!token)
			return refuse(rv, mc, cx, method, 404,
				      "There is nothing here.");
		if (!cbtoken_valid(token))
			return refuse(rv, mc, cx, method, 403,
				      "This link is not valid: nothing was "
				      "recorded.");
		cl = MHD_lookup_connection_value(mc, MHD_HEADER_KIND,
						 "Content-Length");
		if (cl && strtoull(cl, NULL, 10) > CBRECV_BODY_MAX)
			return refuse(rv, mc, cx, method, 413,
				      "The request is too large: nothing "
				      "was recorded.");
		cx->token = xstrdup(token);
		cbtoken_hash(token, cx->hash);
		/* Refuse an unknown token before reading any body. */
		pthread_mutex_lock(rv->c.jlock);
		rc = find_action(rv, cx->hash, &a);
		pthread_mutex_unlock(rv->c.jlock);
		if (rc != 0)
			return refuse(rv, mc, cx, method, rc < 0 ? 500 : 403,
				      rc < 0 ? "The answer could not be "
					       "recorded; please try again "
					       "later."
					     : "This link is not valid: "
					       "nothing was recorded.");
		rc = cx->method == M_POST && !is_login(a.action);
		jr_action_release(&a);
		if (rc)
			return refuse(rv, mc, cx, method, 405,
				      "This link takes GET only.");
		return MHD_YES;
	}
	if (*upload_size) {
		if (!cx->answered && !cx->too_big &&
		    cx->body.len + *upload_size <= CBRECV_BODY_MAX)
			buf_add(&cx->body, upload, *upload_size);
		else
			cx->too_big = 1;
		*upload_size = 0;
		return MHD_YES;
	}
	if (cx->answered)
		return MHD_YES;
	if (cx->too_big)
		return refuse(rv, mc, cx, method, 413,
			      "The request is too large: nothing was "
			      "recorded.");
	return answer(rv, mc, cx, method);
}

static void on_completed(void *cls, struct MHD_Connection *mc,
			 void **con_cls, enum MHD_RequestTerminationCode toe)
{
	struct cbrecv *rv = cls;
	struct conn *cx = *con_cls;

	(void)mc;
	(void)toe;
	if (!cx)
		return;
	if (cx->body.len)
		OPENSSL_cleanse(cx->body.p, cx->body.len);
	buf_release(&cx->body);
	free(cx->token);
	free(cx->item);
	free(cx);
	*con_cls = NULL;
	atomic_fetch_sub(&rv->in_flight, 1);
}

/* --- start and stop --------------------------------------------------- */

int cbrecv_start(const struct cbrecv_config *c, struct listenaddr *addr,
		 struct cbrecv **out, char **err)
{
	struct cbrecv *rv;
	socklen_t sl = sizeof(addr->ss);
	int fd, one = 1;
	unsigned threads = c->threads ? c->threads : 2;

	*out = NULL;
	fd = socket(addr->family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
		    0);
	if (fd < 0) {
		*err = xasprintf("socket: %s", strerror(errno));
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (addr->family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&addr->ss, addr->len) != 0 ||
	    listen(fd, 128) != 0 ||
	    getsockname(fd, (struct sockaddr *)&addr->ss, &sl) != 0) {
		*err = xasprintf("cannot listen on %s: %s", addr->text,
				 strerror(errno));
		close(fd);
		return -1;
	}
	listenaddr_format(addr);
	rv = xcalloc(1, sizeof(*rv));
	rv->c = *c;
	rv->fd = fd;
	rv->d = MHD_start_daemon(
		MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC |
			(addr->family == AF_INET6 ? MHD_USE_IPv6 : 0),
		0, NULL, NULL, on_request, rv, MHD_OPTION_LISTEN_SOCKET, fd,
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, rv,
		MHD_OPTION_THREAD_POOL_SIZE, threads,
		MHD_OPTION_CONNECTION_TIMEOUT, 60u,
		MHD_OPTION_CONNECTION_LIMIT, 1000u, MHD_OPTION_END);
	if (!rv->d) {
		*err = xasprintf("cannot serve on %s", addr->text);
		close(fd);
		free(rv);
		return -1;
	}
	*out = rv;
	return 0;
}

void cbrecv_stop(struct cbrecv *rv, struct cbrecv_counts *final)
{
	struct timespec ts = {0, 10 * 1000 * 1000};
	MHD_socket lfd;
	int i;

	if (!rv)
		return;
	/* No new connections; the requests being served get their answers
	 * (10 s at most), then everything closes. */
	lfd = MHD_quiesce_daemon(rv->d);
	for (i = 0; i < 1000 && atomic_load(&rv->in_flight) > 0; i++)
		nanosleep(&ts, NULL);
	MHD_stop_daemon(rv->d);
	if (lfd != MHD_INVALID_SOCKET)
		close(lfd);
	if (final)
		cbrecv_get_counts(rv, final);
	free(rv);
}

void cbrecv_get_counts(struct cbrecv *rv, struct cbrecv_counts *out)
{
	out->recorded = atomic_load(&rv->recorded);
	out->refused = atomic_load(&rv->refused);
}
