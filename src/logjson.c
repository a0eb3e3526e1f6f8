/*
 * logjson: JSON Lines events for --log-json (see logjson.h).
 */
#include "logjson.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "clock.h"
#include "http.h"
#include "redact.h"
#include "util.h"

struct logjson {
	int fd;
	char *path;
	pthread_mutex_t mu;
	int failed_errno; /* first write failure, 0: none */
};

int logjson_open(const char *path, struct logjson **out, char **err)
{
	struct logjson *lj;
	int fd;

	*out = NULL;
	*err = NULL;
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0) {
		*err = xasprintf("%s: %s", path, strerror(errno));
		return -1;
	}
	lj = xcalloc(1, sizeof(*lj));
	lj->fd = fd;
	lj->path = xstrdup(path);
	pthread_mutex_init(&lj->mu, NULL);
	*out = lj;
	return 0;
}

/* Redacted, with invalid UTF-8 replaced by U+FFFD: cJSON copies bytes. */
static char *clean(const char *s)
{
	size_t n, len, ok;
	char *r = redact_raw(s, strlen(s), &n);
	const char *p = r;
	struct buf b;

	if (utf8_valid_prefix(r, n) == n)
		return r;
	buf_init(&b);
	len = n;
	while (len) {
		ok = utf8_valid_prefix(p, len);
		buf_add(&b, p, ok);
		if (ok == len)
			break;
		buf_adds(&b, "\xef\xbf\xbd");
		p += ok + 1;
		len -= ok + 1;
	}
	free(r);
	return buf_detach(&b);
}

static void add_str(cJSON *o, const char *key, const char *v)
{
	char *c;

	if (!v) {
		cJSON_AddNullToObject(o, key);
		return;
	}
	c = clean(v);
	cJSON_AddStringToObject(o, key, c);
	free(c);
}

static void add_path(cJSON *o, const char *path)
{
	char *p;

	if (!path) {
		cJSON_AddNullToObject(o, "path");
		return;
	}
	/* http_url_path redacts; clean() again only fixes bad UTF-8. */
	p = http_url_path(path, 1);
	add_str(o, "path", p);
	free(p);
}

static void format_ts(int64_t wall_ns, char out[32])
{
	time_t s = (time_t)(wall_ns / TP_NS_PER_S);
	int ms = (int)(wall_ns % TP_NS_PER_S / TP_NS_PER_MS);
	struct tm tm;
	char tmp[24];

	gmtime_r(&s, &tm);
	strftime(tmp, sizeof(tmp), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out, 32, "%s.%03dZ", tmp, ms);
}

char *logjson_format(const struct logjson_event *ev)
{
	cJSON *o = cJSON_CreateObject();
	char ts[32], *s, *line;

	format_ts(ev->wall_ns ? ev->wall_ns : clock_wall_ns(), ts);
	cJSON_AddStringToObject(o, "ts", ts);
	add_str(o, "level", ev->level ? ev->level : "info");
	add_str(o, "api", ev->api);
	add_str(o, "method", ev->method);
	add_path(o, ev->path);
	if (ev->status)
		cJSON_AddNumberToObject(o, "status", (double)ev->status);
	else
		cJSON_AddNullToObject(o, "status");
	if (ev->ms >= 0)
		/* Microsecond precision is plenty and keeps lines short. */
		cJSON_AddNumberToObject(
		    o, "ms", (double)(long long)(ev->ms * 1000) / 1000);
	else
		cJSON_AddNullToObject(o, "ms");
	if (ev->attempt)
		cJSON_AddNumberToObject(o, "attempt", ev->attempt);
	else
		cJSON_AddNullToObject(o, "attempt");
	add_str(o, "item", ev->item);
	if (ev->msg)
		add_str(o, "msg", ev->msg);
	if (ev->error)
		add_str(o, "error", ev->error);
	s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (!s) {
		fputs("teamsprov: out of memory (log line)\n", stderr);
		abort();
	}
	line = xstrdup(s);
	cJSON_free(s);
	return line;
}

static int write_all(int fd, const char *p, size_t n)
{
	ssize_t k;

	while (n) {
		k = write(fd, p, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return errno;
		if (k == 0)
			return EIO;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

int logjson_write(struct logjson *lj, const struct logjson_event *ev)
{
	char *line = logjson_format(ev);
	size_t n = strlen(line);
	int e = 0;

	line = xrealloc(line, n + 2);
	line[n] = '\n';
	line[n + 1] = '\0';
	pthread_mutex_lock(&lj->mu);
	if (!lj->failed_errno)
		lj->failed_errno = write_all(lj->fd, line, n + 1);
	e = lj->failed_errno;
	pthread_mutex_unlock(&lj->mu);
	free(line);
	return e ? -1 : 0;
}

int logjson_close(struct logjson *lj, char **err)
{
	int e;

	*err = NULL;
	if (!lj)
		return 0;
	e = lj->failed_errno;
	if (close(lj->fd) < 0 && !e)
		e = errno;
	if (e)
		*err = xasprintf("%s: %s", lj->path, strerror(e));
	pthread_mutex_destroy(&lj->mu);
	free(lj->path);
	free(lj);
	return e ? -1 : 0;
}
