/*
 * curlfloor: the floor for benchmark 4 of `make bench` (and the
 * same-machine reference of benchmark 3). It sends the requests teamsprov
 * sends for a manifest, with nothing around them: a bearer token from
 * /oauth/token, then every POST /reseller/newEnterprise body, then every
 * POST /enterprise/getActionItemUrl body, over one keep-alive libcurl easy
 * handle per thread. No journal, no parsing, no retries, no rate limit:
 * no client that sends these requests over HTTP/1.1 with libcurl uses
 * less CPU per request.
 *
 *   curlfloor URL CREATES ACTIONS THREADS
 *
 * CREATES and ACTIONS hold one JSON body per line. Prints "N requests,
 * M not 2xx" on stdout; exits 1 when any request failed at the transport
 * level or got no 2xx answer. Built by bench/apply_overhead.sh with
 * cc $(pkg-config --cflags --libs libcurl) -lpthread.
 */
#include <curl/curl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct lines {
	char **v;
	size_t n;
};

struct phase {
	const char *url;
	const struct lines *bodies;
	struct curl_slist *headers;
	atomic_size_t next;
	atomic_size_t bad;
};

static size_t sink(char *p, size_t sz, size_t n, void *arg)
{
	(void)p;
	(void)arg;
	return sz * n;
}

struct text {
	char b[4096];
	size_t n;
};

static size_t keep(char *p, size_t sz, size_t n, void *arg)
{
	struct text *t = arg;
	size_t len = sz * n;

	if (t->n + len >= sizeof(t->b))
		return 0;
	memcpy(t->b + t->n, p, len);
	t->n += len;
	t->b[t->n] = '\0';
	return len;
}

static int read_lines(const char *path, struct lines *l)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0, alloc = 0;
	ssize_t len;

	if (!f)
		return -1;
	l->v = NULL;
	l->n = 0;
	while ((len = getline(&line, &cap, f)) > 0) {
		if (line[len - 1] == '\n')
			line[--len] = '\0';
		if (l->n == alloc) {
			alloc = alloc ? 2 * alloc : 1024;
			l->v = realloc(l->v, alloc * sizeof(*l->v));
			if (!l->v)
				abort();
		}
		l->v[l->n] = strdup(line);
		if (!l->v[l->n++])
			abort();
	}
	free(line);
	fclose(f);
	return 0;
}

static void free_lines(struct lines *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
}

static void *worker(void *arg)
{
	struct phase *ph = arg;
	CURL *h = curl_easy_init();
	size_t i;
	long status;

	curl_easy_setopt(h, CURLOPT_URL, ph->url);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, ph->headers);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, sink);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	while ((i = atomic_fetch_add(&ph->next, 1)) < ph->bodies->n) {
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, ph->bodies->v[i]);
		status = 0;
		if (curl_easy_perform(h) != CURLE_OK ||
		    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status) !=
		        CURLE_OK ||
		    status < 200 || status > 299)
			atomic_fetch_add(&ph->bad, 1);
	}
	curl_easy_cleanup(h);
	return NULL;
}

static size_t run_phase(const char *url, const struct lines *bodies,
                        struct curl_slist *headers, int threads)
{
	struct phase ph;
	pthread_t *t = calloc((size_t)threads, sizeof(*t));
	int i;

	if (!t)
		abort();
	ph.url = url;
	ph.bodies = bodies;
	ph.headers = headers;
	atomic_init(&ph.next, 0);
	atomic_init(&ph.bad, 0);
	for (i = 0; i < threads; i++)
		if (pthread_create(&t[i], NULL, worker, &ph))
			abort();
	for (i = 0; i < threads; i++)
		pthread_join(t[i], NULL);
	free(t);
	return atomic_load(&ph.bad);
}

/* The access_token of an OAuth2 token response (malloc'd), or NULL. */
static char *get_token(const char *base)
{
	struct text t = {{0}, 0};
	char url[1024], *p, *q;
	CURL *h = curl_easy_init();
	CURLcode rc;

	snprintf(url, sizeof(url), "%s/oauth/token", base);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_USERPWD, "sim-client:sim-secret");
	curl_easy_setopt(h, CURLOPT_POSTFIELDS,
	                 "grant_type=password&username=sim-user&"
	                 "password=sim-pass");
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, keep);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &t);
	rc = curl_easy_perform(h);
	curl_easy_cleanup(h);
	if (rc != CURLE_OK || !(p = strstr(t.b, "\"access_token\"")))
		return NULL;
	p = strchr(p + 14, '"');
	if (!p || !(q = strchr(p + 1, '"')))
		return NULL;
	return strndup(p + 1, (size_t)(q - p - 1));
}

int main(int argc, char **argv)
{
	struct lines creates, actions;
	struct curl_slist *hdr = NULL;
	char url[1024], *tok, *auth;
	size_t bad;
	int threads;

	if (argc != 5 || (threads = atoi(argv[4])) < 1) {
		fprintf(stderr, "usage: curlfloor URL CREATES ACTIONS THREADS\n");
		return 2;
	}
	if (read_lines(argv[2], &creates) < 0 ||
	    read_lines(argv[3], &actions) < 0) {
		perror("curlfloor");
		return 2;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	tok = get_token(argv[1]);
	if (!tok) {
		fprintf(stderr, "curlfloor: no token from %s\n", argv[1]);
		free_lines(&creates);
		free_lines(&actions);
		return 1;
	}
	if (asprintf(&auth, "Authorization: Bearer %s", tok) < 0)
		abort();
	hdr = curl_slist_append(hdr, auth);
	hdr = curl_slist_append(hdr, "Content-Type: application/json");
	snprintf(url, sizeof(url), "%s/reseller/newEnterprise", argv[1]);
	bad = run_phase(url, &creates, hdr, threads);
	snprintf(url, sizeof(url), "%s/enterprise/getActionItemUrl", argv[1]);
	bad += run_phase(url, &actions, hdr, threads);
	printf("%zu requests, %zu not 2xx\n", creates.n + actions.n + 1, bad);
	curl_slist_free_all(hdr);
	free_lines(&creates);
	free_lines(&actions);
	free(auth);
	free(tok);
	curl_global_cleanup();
	return bad ? 1 : 0;
}
