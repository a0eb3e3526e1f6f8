/*
 * sim_server: libmicrohttpd glue, limits, faults and latency (see
 * sim_server.h).
 *
 * A request's life: the URI log callback allocates its context (and counts
 * it in flight); the first access-handler call routes it and, for API
 * routes, takes a token from the API's bucket and draws the faults; the
 * body arrives in pieces; the last call answers. A reset fault returns
 * MHD_NO at once (the connection closes unanswered); a lost response runs
 * the handler, commits, then returns MHD_NO. With --latency the answer is
 * kept in the context, the connection suspended and put on a timer heap;
 * the timer thread resumes it when due and the next handler call queues
 * the answer.
 */
#include "sim_server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "clock.h"
#include "sim_state.h"

enum verdict { V_NONE, V_LIMIT, V_FAIL, V_LOST, V_TOO_LARGE };
enum { FAULT_FAIL, FAULT_RESET, FAULT_LOST };

struct req_ctx {
	struct sim_server *srv;
	struct MHD_Connection *conn;
	char *uri, *path;
	struct sim_match m;
	struct buf body;
	struct sim_resp resp;
	enum verdict verdict;
	int started, delayed;
};

struct timer_entry {
	int64_t due;
	struct req_ctx *x;
};

struct sim_server {
	struct sim *s;
	struct MHD_Daemon *d;
	pthread_t timer;
	pthread_mutex_t tlock;
	pthread_cond_t tcond;
	struct timer_entry *heap;
	size_t nheap, capheap;
	int stopping, timer_started;
};

/* --- the timer heap ------------------------------------------------- */

static void heap_push(struct sim_server *v, int64_t due, struct req_ctx *x)
{
	size_t i = v->nheap++, p;

	if (v->nheap > v->capheap) {
		v->capheap = v->capheap ? 2 * v->capheap : 256;
		v->heap = xrealloc(v->heap, v->capheap * sizeof(*v->heap));
	}
	while (i > 0 && v->heap[p = (i - 1) / 2].due > due) {
		v->heap[i] = v->heap[p];
		i = p;
	}
	v->heap[i].due = due;
	v->heap[i].x = x;
}

static struct req_ctx *heap_pop(struct sim_server *v)
{
	struct req_ctx *top = v->heap[0].x;
	struct timer_entry last = v->heap[--v->nheap];
	size_t i = 0, c;

	while ((c = 2 * i + 1) < v->nheap) {
		if (c + 1 < v->nheap && v->heap[c + 1].due < v->heap[c].due)
			c++;
		if (v->heap[c].due >= last.due)
			break;
		v->heap[i] = v->heap[c];
		i = c;
	}
	if (v->nheap)
		v->heap[i] = last;
	return top;
}

static void *timer_main(void *arg)
{
	struct sim_server *v = arg;
	struct timespec ts;
	int64_t now, due;

	pthread_mutex_lock(&v->tlock);
	for (;;) {
		now = clock_mono_ns();
		while (v->nheap && (v->stopping || v->heap[0].due <= now))
			MHD_resume_connection(heap_pop(v)->conn);
		if (v->stopping)
			break;
		if (v->nheap) {
			due = v->heap[0].due;
			ts.tv_sec = (time_t)(due / TP_NS_PER_S);
			ts.tv_nsec = (long)(due % TP_NS_PER_S);
			pthread_cond_timedwait(&v->tcond, &v->tlock, &ts);
		} else {
			pthread_cond_wait(&v->tcond, &v->tlock);
		}
	}
	pthread_mutex_unlock(&v->tlock);
	return NULL;
}

/* Suspends the connection until due; 0 when the server is stopping. */
static int delay(struct sim_server *v, struct req_ctx *x, int64_t due)
{
	int ok;

	pthread_mutex_lock(&v->tlock);
	ok = !v->stopping;
	if (ok) {
		MHD_suspend_connection(x->conn);
		x->delayed = 1;
		pthread_mutex_lock(&v->s->lock);
		v->s->n->delayed++;
		pthread_mutex_unlock(&v->s->lock);
		heap_push(v, due, x);
		if (v->heap[0].x == x)
			pthread_cond_signal(&v->tcond);
	}
	pthread_mutex_unlock(&v->tlock);
	return ok;
}

/* --- requests ------------------------------------------------------- */

static void *on_uri(void *cls, const char *uri, struct MHD_Connection *c)
{
	struct sim_server *v = cls;
	struct req_ctx *x = xcalloc(1, sizeof(*x));
	struct sim *s = v->s;

	x->srv = v;
	x->conn = c;
	x->uri = xstrdup(uri);
	buf_init(&x->body);
	sim_resp_init(&x->resp);
	pthread_mutex_lock(&s->lock);
	if (++s->n->in_flight > s->n->max_in_flight)
		s->n->max_in_flight = s->n->in_flight;
	pthread_mutex_unlock(&s->lock);
	return x;
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
	struct sim_server *v = cls;
	struct req_ctx *x = *con_cls;

	(void)c;
	(void)toe;
	if (!x)
		return;
	pthread_mutex_lock(&v->s->lock);
	if (v->s->n->in_flight)
		v->s->n->in_flight--;
	pthread_mutex_unlock(&v->s->lock);
	sim_match_release(&x->m);
	sim_resp_release(&x->resp);
	buf_release(&x->body);
	free(x->uri);
	free(x->path);
	free(x);
	*con_cls = NULL;
}

/* Takes a token and draws the faults; returns -1 for a reset. */
static int admit(struct sim *s, struct req_ctx *x, int64_t now)
{
	const struct sim_config *c = &s->cfg;
	int kind = -1;

	pthread_mutex_lock(&s->lock);
	if (c->rate_limit > 0 && ratelimit_take(&s->rl[x->m.api], now) > 0)
		x->verdict = V_LIMIT;
	else if (c->fail_rate > 0 && sim_rng_next(s) < c->fail_rate)
		kind = FAULT_FAIL;
	else if (c->reset_rate > 0 && sim_rng_next(s) < c->reset_rate)
		kind = FAULT_RESET;
	else if (c->lost_rate > 0 && sim_rng_next(s) < c->lost_rate)
		kind = FAULT_LOST;
	if (kind >= 0)
		s->n->faults[kind]++;
	pthread_mutex_unlock(&s->lock);
	if (kind == FAULT_FAIL)
		x->verdict = V_FAIL;
	else if (kind == FAULT_LOST)
		x->verdict = V_LOST;
	return kind == FAULT_RESET ? -1 : 0;
}

/* The body of a 429/503/413 in the API's own error format. */
static void api_error(struct sim_resp *rs, enum sim_api api, int status,
                      const char *code, const char *msg)
{
	if (api == SIM_API_ACS)
		sim_resp_json(rs, status,
		              "{\"error\":{\"code\":\"%s\",\"message\":"
		              "\"%s\"}}",
		              code, msg);
	else if (api == SIM_API_C2T)
		sim_resp_json(rs, status,
		              "{\"status\":%d,\"error\":\"%s\",\"message\":"
		              "\"%s\"}",
		              status, code, msg);
	else
		sim_resp_error(rs, status, msg);
}

static void answer(struct req_ctx *x, struct MHD_Connection *c,
                   const char *method)
{
	struct sim *s = x->srv->s;
	struct sim_req rq;
	const char *q = strchr(x->uri, '?');

	switch (x->verdict) {
	case V_LIMIT:
		api_error(&x->resp, x->m.api, 429, "TooManyRequests",
		          "Rate limit exceeded, retry later");
		x->resp.retry_after = 1;
		return;
	case V_FAIL:
		api_error(&x->resp, x->m.api, 503, "ServiceUnavailable",
		          "The service is temporarily unavailable");
		return;
	case V_TOO_LARGE:
		api_error(&x->resp, x->m.api, 413, "PayloadTooLarge",
		          "The request body is larger than 1 MiB");
		pthread_mutex_lock(&s->lock);
		s->n->too_large++;
		pthread_mutex_unlock(&s->lock);
		return;
	default:
		break;
	}
	memset(&rq, 0, sizeof(rq));
	rq.method = method;
	rq.uri = x->uri;
	rq.path = x->path;
	rq.query = q ? q + 1 : "";
#define HDR(n) MHD_lookup_connection_value(c, MHD_HEADER_KIND, n)
	rq.authorization = HDR("Authorization");
	rq.content_type = HDR("Content-Type");
	rq.host = HDR("Host");
	rq.x_ms_date = HDR("x-ms-date");
	rq.x_ms_content_sha256 = HDR("x-ms-content-sha256");
	rq.idempotency_key = HDR("Idempotency-Key");
#undef HDR
	rq.body = x->body.p;
	rq.body_len = x->body.len;
	rq.now = clock_mono_ns();
	rq.wall = clock_wall_ns() / TP_NS_PER_S;
	sim_handle(s, &x->m, &rq, &x->resp);
}

static enum MHD_Result respond(struct req_ctx *x, struct MHD_Connection *c)
{
	struct sim *s = x->srv->s;
	struct sim_resp *rs = &x->resp;
	struct MHD_Response *r;
	enum MHD_Result ret;
	char ra[16];
	size_t n = rs->body.len;

	sim_count_status(s, &x->m, rs->status);
	if (x->verdict == V_LOST)
		return MHD_NO;
	r = MHD_create_response_from_buffer(n, buf_detach(&rs->body),
	                                    MHD_RESPMEM_MUST_FREE);
	if (!r)
		return MHD_NO;
	if (rs->status != 204 && rs->status != 304)
		MHD_add_response_header(r, "Content-Type", rs->content_type);
	if (rs->retry_after) {
		snprintf(ra, sizeof(ra), "%d", rs->retry_after);
		MHD_add_response_header(r, "Retry-After", ra);
	}
	if (rs->location)
		MHD_add_response_header(r, "Location", rs->location);
	if (rs->www_authenticate)
		MHD_add_response_header(r, "WWW-Authenticate",
		                        rs->www_authenticate);
	ret = MHD_queue_response(c, (unsigned)rs->status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c,
                                  const char *url, const char *method,
                                  const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls)
{
	struct sim_server *v = cls;
	struct sim *s = v->s;
	struct req_ctx *x = *con_cls;
	const char *cl;
	int64_t now, due;

	(void)version;
	if (!x)
		x = *con_cls = on_uri(v, url, c);
	if (!x->started) {
		x->started = 1;
		x->conn = c;
		x->path = xstrndup(x->uri, strcspn(x->uri, "?"));
		sim_route(method, x->path, &x->m);
		if (!sim_route_exempt(x->m.route) &&
		    admit(s, x, clock_mono_ns()) < 0)
			return MHD_NO;
		cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
		                                 "Content-Length");
		if (cl && strtoull(cl, NULL, 10) > SIM_MAX_BODY &&
		    x->verdict == V_NONE)
			x->verdict = V_TOO_LARGE;
		return MHD_YES;
	}
	if (*upload_size) {
		if (x->body.len + *upload_size > SIM_MAX_BODY) {
			if (x->verdict == V_NONE || x->verdict == V_LOST)
				x->verdict = V_TOO_LARGE;
		} else if (x->verdict != V_TOO_LARGE) {
			buf_add(&x->body, upload, *upload_size);
		}
		*upload_size = 0;
		return MHD_YES;
	}
	if (x->delayed) {
		pthread_mutex_lock(&s->lock);
		s->n->delayed--;
		pthread_mutex_unlock(&s->lock);
		return respond(x, c);
	}
	answer(x, c, method);
	if (s->cfg.latency_ms > 0 && !sim_route_exempt(x->m.route)) {
		now = clock_mono_ns();
		pthread_mutex_lock(&s->lock);
		due = now + s->cfg.latency_ms * TP_NS_PER_MS +
		      (int64_t)(sim_rng_next(s) * s->cfg.jitter_ms *
		                TP_NS_PER_MS);
		pthread_mutex_unlock(&s->lock);
		if (delay(v, x, due))
			return MHD_YES;
	}
	return respond(x, c);
}

/* --- start and stop ------------------------------------------------- */

static int parse_listen(const char *spec, struct addrinfo **ai, char **err)
{
	struct addrinfo hints;
	char *host, *port;
	const char *colon;
	int rc;

	if (spec[0] == '[') {
		const char *end = strchr(spec, ']');
		if (!end || end[1] != ':') {
			*err = xstrdup("--listen: expected [ADDR]:PORT");
			return -1;
		}
		host = xstrndup(spec + 1, (size_t)(end - spec - 1));
		colon = end + 1;
	} else {
		colon = strrchr(spec, ':');
		if (!colon || colon == spec) {
			*err = xstrdup("--listen: expected ADDR:PORT");
			return -1;
		}
		host = xstrndup(spec, (size_t)(colon - spec));
	}
	port = xstrdup(colon + 1);
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	rc = getaddrinfo(host, port, &hints, ai);
	if (rc != 0)
		*err = xasprintf("--listen %s: %s", spec, gai_strerror(rc));
	free(host);
	free(port);
	return rc == 0 ? 0 : -1;
}

static unsigned raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return 1000;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
		getrlimit(RLIMIT_NOFILE, &rl);
	}
	if (rl.rlim_cur > 16384)
		return 16000;
	return rl.rlim_cur > 128 ? (unsigned)rl.rlim_cur - 64 : 64;
}

/*
 * Binds and listens on the first address of ai; returns the socket and
 * *bound ("ADDR:PORT"), or -1.
 */
static int open_listener(const struct addrinfo *ai, char **bound)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char host[INET6_ADDRSTRLEN];
	unsigned port;
	int fd, one = 1;

	fd = socket(ai->ai_family,
	            ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ai->ai_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, 4096) ||
	    getsockname(fd, (struct sockaddr *)&ss, &sl) != 0) {
		close(fd);
		return -1;
	}
	if (ss.ss_family == AF_INET6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
		inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof(host));
		port = ntohs(a->sin6_port);
		*bound = xasprintf("[%s]:%u", host, port);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;
		inet_ntop(AF_INET, &a->sin_addr, host, sizeof(host));
		port = ntohs(a->sin_port);
		*bound = xasprintf("%s:%u", host, port);
	}
	return fd;
}

struct sim_server *sim_server_start(struct sim *s, const char *listen,
                                    char **bound, char **err)
{
	struct sim_server *v = xcalloc(1, sizeof(*v));
	struct addrinfo *ai = NULL;
	unsigned limit = raise_fd_limit();
	pthread_condattr_t ca;
	int fd, v6;

	*err = NULL;
	*bound = NULL;
	if (parse_listen(listen, &ai, err) < 0) {
		free(v);
		return NULL;
	}
	v6 = ai->ai_family == AF_INET6;
	fd = open_listener(ai, bound);
	freeaddrinfo(ai);
	if (fd < 0) {
		*err = xasprintf("cannot listen on %s: %s", listen,
		                 strerror(errno));
		free(v);
		return NULL;
	}
	/* the action URLs need the address before any request arrives */
	free(s->cfg.base_url);
	s->cfg.base_url = xasprintf("http://%s", *bound);
	v->s = s;
	pthread_mutex_init(&v->tlock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&v->tcond, &ca);
	pthread_condattr_destroy(&ca);
	if (pthread_create(&v->timer, NULL, timer_main, v) != 0) {
		*err = xstrdup("cannot start the timer thread");
		close(fd);
		goto fail;
	}
	v->timer_started = 1;
	v->d = MHD_start_daemon(
	    MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
	        MHD_ALLOW_SUSPEND_RESUME | MHD_USE_TURBO |
	        (v6 ? MHD_USE_IPv6 : 0),
	    0, NULL, NULL, on_request, v, MHD_OPTION_LISTEN_SOCKET, fd,
	    MHD_OPTION_URI_LOG_CALLBACK, on_uri, v, MHD_OPTION_NOTIFY_COMPLETED,
	    on_completed, v, MHD_OPTION_THREAD_POOL_SIZE,
	    (unsigned)s->cfg.threads, MHD_OPTION_CONNECTION_LIMIT, limit,
	    MHD_OPTION_CONNECTION_TIMEOUT, 300u, MHD_OPTION_END);
	if (!v->d) {
		*err = xasprintf("cannot serve on %s", listen);
		close(fd);
		goto fail;
	}
	return v;
fail:
	if (v->timer_started) {
		pthread_mutex_lock(&v->tlock);
		v->stopping = 1;
		pthread_cond_signal(&v->tcond);
		pthread_mutex_unlock(&v->tlock);
		pthread_join(v->timer, NULL);
	}
	pthread_cond_destroy(&v->tcond);
	pthread_mutex_destroy(&v->tlock);
	free(*bound);
	*bound = NULL;
	free(v);
	return NULL;
}

/* Requests started and not yet completed. */
static uint64_t in_flight(struct sim *s)
{
	uint64_t n;

	pthread_mutex_lock(&s->lock);
	n = s->n->in_flight;
	pthread_mutex_unlock(&s->lock);
	return n;
}

void sim_server_stop(struct sim_server *v)
{
	struct timespec ts = {0, 5 * 1000 * 1000};
	MHD_socket lfd;
	int i;

	if (!v)
		return;
	/* no new connections; the delayed answers go out at once */
	lfd = MHD_quiesce_daemon(v->d);
	pthread_mutex_lock(&v->tlock);
	v->stopping = 1;
	pthread_cond_signal(&v->tcond);
	pthread_mutex_unlock(&v->tlock);
	if (v->timer_started)
		pthread_join(v->timer, NULL);
	for (i = 0; i < 400 && in_flight(v->s) > 0; i++)
		nanosleep(&ts, NULL);
	MHD_stop_daemon(v->d);
	if (lfd != MHD_INVALID_SOCKET)
		close(lfd);
	pthread_cond_destroy(&v->tcond);
	pthread_mutex_destroy(&v->tlock);
	free(v->heap);
	free(v);
}
