/*
 * report_out: write-then-rename of a whole report (see report_out.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <dirent.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "report_out.h"
#include "util.h"

struct rp_dir {
	char *name;  /* NULL: the top directory */
	char *stage; /* the hidden directory it is written into */
	int fd;      /* of stage */
	int swapped; /* stage now holds the previous directory */
};

struct rp_file {
	size_t dir;
	char *tmp, *name;
	int drop; /* unlink name at commit instead of renaming tmp */
};

struct rp_out {
	char *path;
	int created;
	struct rp_dir *dirs;
	size_t n_dirs;
	struct rp_file *files;
	size_t n_files, cap_files;
	int committed;
	long pid; /* in temporary names */
};

static int one_component(const char *s)
{
	return *s && !strchr(s, '/') && strcmp(s, ".") != 0 &&
	       strcmp(s, "..") != 0;
}

int rp_out_open(const char *dir, struct rp_out **out, char **err)
{
	struct rp_out *o;
	int fd, created = 0;

	*out = NULL;
	if (mkdir(dir, 0777) == 0)
		created = 1;
	else if (errno != EEXIST) {
		*err = xasprintf("%s: cannot create the report directory: %s",
		                 dir, strerror(errno));
		return -1;
	}
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || faccessat(fd, ".", W_OK | X_OK, AT_EACCESS) != 0) {
		*err = xasprintf("%s: cannot write the report there: %s", dir,
		                 strerror(errno));
		if (fd >= 0)
			close(fd);
		if (created)
			rmdir(dir);
		return -1;
	}
	o = xcalloc(1, sizeof(*o));
	o->path = xstrdup(dir);
	o->pid = (long)getpid();
	o->created = created;
	o->dirs = xcalloc(1, sizeof(*o->dirs));
	o->dirs[0].fd = fd;
	o->n_dirs = 1;
	*out = o;
	return 0;
}

/* Removes name under dirfd: a file, a link (not followed) or a whole
 * directory tree. Best effort: it only cleans up. */
static void rm_tree(int at, const char *name)
{
	struct dirent *de;
	DIR *d;
	int fd;

	if (unlinkat(at, name, 0) == 0 || errno == ENOENT)
		return;
	fd = openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0)
			rm_tree(dirfd(d), de->d_name);
	closedir(d);
	unlinkat(at, name, AT_REMOVEDIR);
}

/*
 * The index of subdirectory sub in o->dirs. A subdirectory is written
 * whole into a fresh hidden directory, which rp_out_commit exchanges with
 * the old one in one step (renameat2 RENAME_EXCHANGE) before removing
 * the old: no file of it needs a rename of its own (20,000 pages), pages
 * of enterprises no longer reported disappear, and whatever stood at its
 * name before (a link, even) is replaced, never followed.
 */
static long subdir(struct rp_out *o, const char *sub, char **err)
{
	struct rp_dir *d;
	size_t i;
	int fd;

	if (!sub)
		return 0;
	for (i = 1; i < o->n_dirs; i++)
		if (strcmp(o->dirs[i].name, sub) == 0)
			return (long)i;
	if (!one_component(sub)) {
		*err = xasprintf("%s: refusing to write outside it", o->path);
		return -1;
	}
	o->dirs = xrealloc(o->dirs, (o->n_dirs + 1) * sizeof(*o->dirs));
	d = &o->dirs[o->n_dirs];
	memset(d, 0, sizeof(*d));
	d->name = xstrdup(sub);
	d->stage = xasprintf(".%s.tmp%ld", sub, o->pid);
	d->fd = -1;
	rm_tree(o->dirs[0].fd, d->stage); /* a leftover of a killed run */
	if (mkdirat(o->dirs[0].fd, d->stage, 0777) != 0)
		goto fail;
	fd = openat(o->dirs[0].fd, d->stage,
	            O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		rm_tree(o->dirs[0].fd, d->stage);
		goto fail;
	}
	d->fd = fd;
	return (long)o->n_dirs++;
fail:
	*err = xasprintf("%s/%s: %s", o->path, sub, strerror(errno));
	free(d->name);
	free(d->stage);
	return -1;
}

static struct rp_file *add_file(struct rp_out *o)
{
	if (o->n_files == o->cap_files) {
		o->cap_files = o->cap_files ? 2 * o->cap_files : 64;
		o->files = xrealloc(o->files, o->cap_files * sizeof(*o->files));
	}
	memset(&o->files[o->n_files], 0, sizeof(*o->files));
	return &o->files[o->n_files++];
}

static char *show(const struct rp_out *o, size_t d, const char *name)
{
	return d ? xasprintf("%s/%s/%s", o->path, o->dirs[d].name, name)
	         : xasprintf("%s/%s", o->path, name);
}

int rp_out_write(struct rp_out *o, const char *sub, const char *name,
                 const void *data, size_t len, char **err)
{
	long d = subdir(o, sub, err);
	const char *p = data;
	struct rp_file *f = NULL;
	int fd;

	if (d < 0)
		return -1;
	if (!one_component(name)) {
		*err = xasprintf("%s: refusing to write outside it", o->path);
		return -1;
	}
	if (d == 0) {
		f = add_file(o);
		f->dir = 0;
		f->name = xstrdup(name);
		f->tmp = xasprintf(".%s.tmp%ld", name, o->pid);
	}
	fd = openat(o->dirs[d].fd, d ? name : f->tmp,
	            O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
	if (fd < 0)
		goto fail;
	while (len) {
		ssize_t w = write(fd, p, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			int e = w < 0 ? errno : ENOSPC;

			close(fd);
			errno = e;
			goto fail;
		}
		p += w;
		len -= (size_t)w;
	}
	if (close(fd) != 0)
		goto fail;
	return 0;
fail : {
	char *s = show(o, (size_t)d, name);

	*err = xasprintf("%s: %s", s, strerror(errno));
	free(s);
	return -1;
}
}

void rp_out_drop(struct rp_out *o, const char *sub, const char *name)
{
	char *err = NULL;
	long d = subdir(o, sub, &err);
	struct rp_file *f;

	free(err);
	if (d != 0 || !one_component(name))
		return; /* a subdirectory is fresh: nothing stale in it */
	f = add_file(o);
	f->dir = 0;
	f->name = xstrdup(name);
	f->drop = 1;
}

int rp_out_commit(struct rp_out *o, char **err)
{
	int top = o->dirs[0].fd;
	struct stat st;
	size_t i;

	/* A directory where a file goes would stop the renames half-way:
	 * refuse before anything is replaced. */
	for (i = 0; i < o->n_files; i++)
		if (!o->files[i].drop &&
		    fstatat(top, o->files[i].name, &st, AT_SYMLINK_NOFOLLOW) ==
		        0 &&
		    S_ISDIR(st.st_mode)) {
			*err = xasprintf("%s/%s: is a directory", o->path,
			                 o->files[i].name);
			return -1;
		}
	/* Subdirectories first: the new index.html links to new pages. */
	for (i = 1; i < o->n_dirs; i++) {
		struct rp_dir *d = &o->dirs[i];

		if (renameat2(top, d->stage, top, d->name, RENAME_EXCHANGE) ==
		    0)
			d->swapped = 1;
		else if (errno != ENOENT ||
		         renameat(top, d->stage, top, d->name) != 0) {
			*err = xasprintf("%s/%s: %s", o->path, d->name,
			                 strerror(errno));
			return -1;
		}
		if (d->swapped) /* the old one now has the stage's name */
			rm_tree(top, d->stage);
		free(d->stage);
		d->stage = NULL;
	}
	for (i = 0; i < o->n_files; i++) {
		struct rp_file *f = &o->files[i];
		int fd = o->dirs[f->dir].fd;

		if (f->drop) {
			unlinkat(fd, f->name, 0);
			continue;
		}
		if (renameat(fd, f->tmp, fd, f->name) != 0) {
			char *s = show(o, f->dir, f->name);

			*err = xasprintf("%s: %s", s, strerror(errno));
			free(s);
			return -1;
		}
		free(f->tmp);
		f->tmp = NULL;
	}
	o->committed = 1;
	return 0;
}

void rp_out_free(struct rp_out *o)
{
	size_t i;

	if (!o)
		return;
	for (i = 0; i < o->n_files; i++) {
		if (o->files[i].tmp && !o->files[i].drop)
			unlinkat(o->dirs[o->files[i].dir].fd, o->files[i].tmp,
			         0);
		free(o->files[i].tmp);
		free(o->files[i].name);
	}
	for (i = o->n_dirs; i-- > 1;) {
		close(o->dirs[i].fd);
		if (o->dirs[i].stage) /* never committed */
			rm_tree(o->dirs[0].fd, o->dirs[i].stage);
		free(o->dirs[i].stage);
		free(o->dirs[i].name);
	}
	close(o->dirs[0].fd);
	if (!o->committed && o->created)
		rmdir(o->path);
	free(o->dirs);
	free(o->files);
	free(o->path);
	free(o);
}
