/*
 * secret: reading secrets from the environment, files and commands (see
 * secret.h).
 */
#include "secret.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util.h"

void secret_ref_init(struct secret_ref *r)
{
	r->kind = SECRET_NONE;
	r->name = NULL;
}

void secret_ref_release(struct secret_ref *r)
{
	free(r->name);
	secret_ref_init(r);
}

void secret_ref_set(struct secret_ref *r, enum secret_kind kind,
		    const char *name)
{
	char *copy = xstrdup(name);

	secret_ref_release(r);
	r->kind = kind;
	r->name = copy;
}

static int valid_env_name(const char *s)
{
	if (!*s || (*s >= '0' && *s <= '9'))
		return 0;
	for (; *s; s++)
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
		      (*s >= '0' && *s <= '9') || *s == '_'))
			return 0;
	return 1;
}

int secret_ref_parse(const char *spec, struct secret_ref *r, char **err)
{
	if (strncmp(spec, "env:", 4) == 0) {
		if (!valid_env_name(spec + 4)) {
			*err = xstrdup("\"env:\" must be followed by an "
				       "environment variable name");
			return -1;
		}
		secret_ref_set(r, SECRET_ENV, spec + 4);
		return 0;
	}
	if (strncmp(spec, "file:", 5) == 0) {
		if (!spec[5]) {
			*err = xstrdup("\"file:\" must be followed by a path");
			return -1;
		}
		secret_ref_set(r, SECRET_FILE, spec + 5);
		return 0;
	}
	*err = xstrdup("a secret must be given as env:NAME or file:PATH, "
		       "never literally");
	return -1;
}

static char *full_path(const char *path, const char *base_dir)
{
	if (path[0] == '/' || !base_dir || !*base_dir)
		return xstrdup(path);
	return xasprintf("%s/%s", base_dir, path);
}

static int check_mode(const char *path, const struct stat *st, char **err)
{
	if (!S_ISREG(st->st_mode)) {
		*err = xasprintf("%s: not a regular file", path);
		return -1;
	}
	if (st->st_mode & (S_IRWXG | S_IRWXO)) {
		*err = xasprintf("%s: readable by group or others (mode %04o); "
				 "chmod 600 it",
				 path, (unsigned)(st->st_mode & 07777));
		return -1;
	}
	return 0;
}

/* Drops one trailing newline (LF or CRLF). */
static void chomp(char *s, size_t *n)
{
	if (*n && s[*n - 1] == '\n')
		s[--*n] = '\0';
	if (*n && s[*n - 1] == '\r')
		s[--*n] = '\0';
}

/* Reads all of fd, at most SECRET_MAX bytes. */
static int read_all(int fd, struct buf *b, const char *what, char **err)
{
	char tmp[4096];
	ssize_t k;

	for (;;) {
		k = read(fd, tmp, sizeof(tmp));
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			*err = xasprintf("%s: %s", what, strerror(errno));
			return -1;
		}
		if (k == 0)
			return 0;
		if (b->len + (size_t)k > SECRET_MAX) {
			*err = xasprintf("%s: longer than %d bytes", what,
					 SECRET_MAX);
			return -1;
		}
		buf_add(b, tmp, (size_t)k);
		explicit_bzero(tmp, sizeof(tmp));
	}
}

static int read_file(const char *path, struct buf *b, char **err)
{
	struct stat st;
	int fd, rc;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		*err = xasprintf("%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0 || check_mode(path, &st, err) < 0) {
		if (!*err)
			*err = xasprintf("%s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	rc = read_all(fd, b, path, err);
	close(fd);
	return rc;
}

static int run_cmd(const char *cmd, const char *const *argv_extra,
		   struct buf *b, char **err)
{
	const char *argv[16];
	size_t n = 0, i;
	int pfd[2], status, rc;
	pid_t pid;

	/* sh -c 'CMD "$@"' teamsprov ARG...: CMD is the user's own
	 * configuration; the arguments are data and are never re-parsed. */
	char *script = xasprintf("%s \"$@\"", cmd);
	argv[n++] = "/bin/sh";
	argv[n++] = "-c";
	argv[n++] = script;
	argv[n++] = "teamsprov";
	for (i = 0; argv_extra && argv_extra[i] && n < 15; i++)
		argv[n++] = argv_extra[i];
	argv[n] = NULL;

	if (pipe2(pfd, O_CLOEXEC) < 0) {
		free(script);
		*err = xasprintf("cannot run command: %s", strerror(errno));
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		free(script);
		close(pfd[0]);
		close(pfd[1]);
		*err = xasprintf("cannot run command: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		dup2(pfd[1], 1);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	free(script);
	close(pfd[1]);
	rc = read_all(pfd[0], b, "command output", err);
	close(pfd[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (rc == 0 && (!WIFEXITED(status) || WEXITSTATUS(status) != 0)) {
		*err = xasprintf("secret command failed (status %d)",
				 WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		rc = -1;
	}
	return rc;
}

int secret_read(const struct secret_ref *r, const char *base_dir,
		const char *const *argv_extra, char **value, char **err)
{
	struct buf b;
	char *path;
	int rc = -1;

	*value = NULL;
	*err = NULL;
	buf_init(&b);
	switch (r->kind) {
	case SECRET_ENV: {
		const char *v = getenv(r->name);
		if (!v) {
			*err = xasprintf("environment variable %s is not set",
					 r->name);
			break;
		}
		buf_adds(&b, v);
		rc = 0;
		break;
	}
	case SECRET_FILE:
		path = full_path(r->name, base_dir);
		rc = read_file(path, &b, err);
		free(path);
		break;
	case SECRET_CMD:
		rc = run_cmd(r->name, argv_extra, &b, err);
		break;
	case SECRET_NONE:
		*err = xstrdup("no secret configured");
		break;
	}
	if (rc == 0) {
		chomp(b.p, &b.len);
		if (b.len == 0 || memchr(b.p, '\0', b.len) ||
		    memchr(b.p, '\n', b.len)) {
			*err = xstrdup(b.len ? "secret holds a NUL byte or a "
					       "line break"
					     : "secret is empty");
			rc = -1;
		}
	}
	if (rc == 0) {
		*value = b.p;
		return 0;
	}
	explicit_bzero(b.p, b.cap);
	buf_release(&b);
	return -1;
}

int secret_check(const struct secret_ref *r, const char *base_dir,
		 char **err)
{
	struct stat st;
	char *path;
	int rc;

	*err = NULL;
	switch (r->kind) {
	case SECRET_ENV:
		if (getenv(r->name))
			return 0;
		*err = xasprintf("environment variable %s is not set",
				 r->name);
		return -1;
	case SECRET_FILE:
		path = full_path(r->name, base_dir);
		if (stat(path, &st) < 0) {
			*err = xasprintf("%s: %s", path, strerror(errno));
			rc = -1;
		} else {
			rc = check_mode(path, &st, err);
		}
		free(path);
		return rc;
	case SECRET_CMD:
		return 0;
	case SECRET_NONE:
		break;
	}
	*err = xstrdup("no secret configured");
	return -1;
}

void secret_free(char *value)
{
	if (!value)
		return;
	explicit_bzero(value, strlen(value));
	free(value);
}
