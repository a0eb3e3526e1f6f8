/*
 * config: loading teamsprov.conf with libinih and applying environment
 * overrides (see config.h).
 *
 * Debian's libinih is built without line numbers for the handler, without
 * a callback for a new section, with a 200-byte line buffer that cuts a
 * longer line and parses the rest as a new line, and with Python-style
 * continuation lines (an indented line extends the previous value). So the
 * reader handed to ini_parse_stream does the line work: it counts physical
 * lines, refuses over-long lines and control bytes at their own line,
 * tracks [section] lines itself (reporting unknown ones there), and strips
 * leading blanks so that an indented "key = value" is a key and never a
 * continuation. A key line that inih rejected is one for which the handler
 * was not called before the next read. libinih still splits "key = value",
 * strips blanks and " ; comments", and skips comment lines.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config_keys.h"
#include "suggest.h"
#include "units.h"
#include "util.h"

extern char **environ;

enum line_kind { LINE_NONE, LINE_BLANK, LINE_SECTION, LINE_KEY };

struct loader {
	struct config *c;
	struct diag *d;
	const char *name;
	const char *p, *end;
	long line;
	enum line_kind kind; /* of the line last handed to inih */
	int handled;         /* the handler ran for that line */
	int sec;             /* index in config_sections; -1 none, -2 bad */
	long *seen;          /* line where each key was set by this layer */
	size_t errors;       /* errors before this load */
};

void config_init(struct config *c)
{
	size_t i;

	memset(c, 0, sizeof(*c));
	secret_ref_init(&c->c2t.client_secret);
	secret_ref_init(&c->c2t.password);
	secret_ref_init(&c->c2t.token);
	secret_ref_init(&c->c2t.enterprise_token);
	secret_ref_init(&c->fusion.password);
	secret_ref_init(&c->fusion.token);
	secret_ref_init(&c->acs.connection_string);
	secret_ref_init(&c->acs.token);
	c->origin = xcalloc(config_key_n, sizeof(*c->origin));
	for (i = 0; i < config_key_n; i++) {
		const struct key_def *k = &config_key_table[i];
		char *msg;

		if (k->def && key_set(c, k, k->def, &msg) < 0)
			abort(); /* a bad default is a bug the tests catch */
	}
}

void config_release(struct config *c)
{
	size_t i;

	for (i = 0; i < config_key_n; i++) {
		key_clear(c, &config_key_table[i]);
		if (c->origin)
			free(c->origin[i].file);
	}
	free(c->origin);
	free(c->path);
	free(c->dir);
	memset(c, 0, sizeof(*c));
}

static void set_origin(struct config *c, size_t ki, const char *file, long line)
{
	free(c->origin[ki].file);
	c->origin[ki].file = xstrdup(file);
	c->origin[ki].line = line;
}

/*
 * Sets key k from value, with the checks every layer shares: a secret
 * source must not conflict with another source of the same secret set by
 * this layer (seen), and a key is set at most once per layer.
 */
static int apply(struct config *c, const struct key_def *k, const char *value,
                 const char *file, long line, long *seen, struct diag *d)
{
	size_t ki = (size_t)(k - config_key_table), i;
	char *msg;

	if (seen[ki]) {
		diag_error(d, file, line,
		           "repeated key \"%s\" in [%s] (first "
		           "set on line %ld)",
		           k->name, k->section, seen[ki]);
		return -1;
	}
	if (k->type == KT_SECRET)
		for (i = 0; i < config_key_n; i++) {
			const struct key_def *o = &config_key_table[i];

			if (i == ki || !seen[i] || o->off != k->off)
				continue;
			if (line > 0)
				diag_error(d, file, line,
				           "%s conflicts with %s "
				           "on line %ld: give one source of "
				           "the %s",
				           k->name, o->name, seen[i], k->group);
			else
				diag_error(d, file, line,
				           "%s conflicts with "
				           "%s: give one source of the %s",
				           k->name, o->name, k->group);
			return -1;
		}
	seen[ki] = line > 0 ? line : -1;
	if (key_set(c, k, value, &msg) < 0) {
		diag_error(d, file, line, "%s", msg);
		free(msg);
		return -1;
	}
	if (k->type == KT_SECRET)
		for (i = 0; i < config_key_n; i++)
			if (config_key_table[i].off == k->off && i != ki) {
				free(c->origin[i].file);
				c->origin[i].file = NULL;
				c->origin[i].line = 0;
			}
	set_origin(c, ki, file, line);
	return 0;
}

/*
 * Pairs of durations where the first may not exceed the second, checked
 * after each layer when it set either one; reported where it did.
 */
static const struct {
	const char *section, *lo, *hi;
} ordered[] = {
    {"fusion", "poll_first", "poll_max"},
    {"run", "backoff_base", "backoff_cap"},
};

static void cross_check(const struct config *c, const long *seen,
                        const char *file, char *const *env_names,
                        struct diag *d)
{
	size_t i;

	for (i = 0; i < sizeof(ordered) / sizeof(ordered[0]); i++) {
		const struct key_def *lo =
		    key_find(ordered[i].section, ordered[i].lo);
		const struct key_def *hi =
		    key_find(ordered[i].section, ordered[i].hi);
		size_t li = (size_t)(lo - config_key_table);
		size_t hi_i = (size_t)(hi - config_key_table);
		size_t at = seen[hi_i] ? hi_i : li;
		int64_t a = *(const int64_t *)((const char *)c + lo->off);
		int64_t b = *(const int64_t *)((const char *)c + hi->off);
		char as[40], bs[40];

		if (a <= b || (!seen[li] && !seen[hi_i]))
			continue;
		if (seen[li] > 0 && seen[hi_i] > 0 && seen[li] > seen[hi_i])
			at = li; /* both on file lines: the later one */
		units_format_duration(a, as, sizeof(as));
		units_format_duration(b, bs, sizeof(bs));
		diag_error(d, env_names ? env_names[at] : file,
		           seen[at] > 0 ? seen[at] : 0,
		           "%s (%s) is shorter than %s (%s) in [%s]", hi->name,
		           bs, lo->name, as, ordered[i].section);
	}
}

static int section_index(const char *name)
{
	size_t i;

	for (i = 0; i < config_section_n; i++)
		if (strcmp(config_sections[i], name) == 0)
			return (int)i;
	return -1;
}

/* A "[name]" line: sets ld->sec, or reports why it cannot. */
static void section_line(struct loader *ld, const char *s, size_t n)
{
	const char *close = memchr(s, ']', n);
	const char *rest;
	char *name, *q;
	const char *sug;

	ld->sec = -2;
	if (!close) {
		diag_error(ld->d, ld->name, ld->line,
		           "section line without a closing \"]\"");
		return;
	}
	for (rest = close + 1; rest < s + n && (*rest == ' ' || *rest == '\t');
	     rest++)
		;
	if (rest < s + n && *rest != ';' && *rest != '#') {
		diag_error(ld->d, ld->name, ld->line,
		           "unexpected text after \"]\"");
		return;
	}
	name = xstrndup(s + 1, (size_t)(close - s - 1));
	str_trim(name);
	ld->sec = section_index(name);
	if (ld->sec < 0) {
		ld->sec = -2;
		q = str_quote(name, 60);
		sug = suggest(name, config_sections, config_section_n);
		if (sug)
			diag_error(ld->d, ld->name, ld->line,
			           "unknown section \"[%.*s]\"; did you mean "
			           "\"[%s]\"?",
			           (int)(strlen(q) - 2), q + 1, sug);
		else
			diag_error(ld->d, ld->name, ld->line,
			           "unknown section \"[%.*s]\"; sections are "
			           "[c2t], [c2t.paths], [fusion], [acs] and "
			           "[run]",
			           (int)(strlen(q) - 2), q + 1);
		free(q);
	}
	free(name);
}

/* After each line: a key line inih did not hand over was malformed. */
static void finish_line(struct loader *ld)
{
	if (ld->kind == LINE_KEY && !ld->handled)
		diag_error(ld->d, ld->name, ld->line,
		           "expected \"key = value\", a [section] or a "
		           "comment");
	ld->kind = LINE_NONE;
}

/* Checks a physical line's bytes; returns a reason, or NULL if fine. */
static const char *line_problem(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		if ((ch < 0x20 && ch != '\t') || ch == 0x7f)
			return "control character (or NUL byte) in line";
	}
	if (utf8_valid_prefix(s, n) != n)
		return "line is not valid UTF-8";
	return NULL;
}

static char *reader(char *out, int num, void *stream)
{
	struct loader *ld = stream;
	const char *s, *nl;
	size_t n;
	int max = num - 3 < CONFIG_LINE_MAX ? num - 3 : CONFIG_LINE_MAX;
	const char *why;

	finish_line(ld);
	if (ld->p >= ld->end)
		return NULL;
	s = ld->p;
	nl = memchr(s, '\n', (size_t)(ld->end - s));
	n = nl ? (size_t)(nl - s) : (size_t)(ld->end - s);
	ld->p = nl ? nl + 1 : ld->end;
	ld->line++;
	ld->handled = 0;
	if (ld->line == 1 && n >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0) {
		s += 3;
		n -= 3;
	}
	if (n && s[n - 1] == '\r')
		n--;
	why = n > (size_t)max ? NULL : line_problem(s, n);
	if (n > (size_t)max || why) {
		if (why)
			diag_error(ld->d, ld->name, ld->line, "%s", why);
		else
			diag_error(ld->d, ld->name, ld->line,
			           "line too long (%zu bytes; the limit is %d)",
			           n, max);
		/* A broken [section] line: its keys belong nowhere known,
		 * so say nothing more about them. */
		while (n && (*s == ' ' || *s == '\t')) {
			s++;
			n--;
		}
		if (n && *s == '[')
			ld->sec = -2;
		n = 0;
	}
	while (n && (*s == ' ' || *s == '\t')) {
		s++;
		n--;
	}
	if (n == 0 || *s == ';' || *s == '#') {
		ld->kind = LINE_BLANK;
	} else if (*s == '[') {
		ld->kind = LINE_SECTION;
		section_line(ld, s, n);
		/* inih need not see it: the section is tracked here. */
		n = 0;
	} else {
		ld->kind = LINE_KEY;
	}
	memcpy(out, s, n);
	out[n] = '\n';
	out[n + 1] = '\0';
	return out;
}

/* The one section other than skip that has this key, or NULL. */
static const char *other_section(const char *name, const char *skip)
{
	const char *found = NULL;
	size_t i;

	for (i = 0; i < config_key_n; i++) {
		const struct key_def *k = &config_key_table[i];

		if (strcmp(k->name, name) != 0 ||
		    (skip && strcmp(k->section, skip) == 0))
			continue;
		if (found && strcmp(found, k->section) != 0)
			return NULL; /* in several: no single hint */
		found = k->section;
	}
	return found;
}

static const char *home_section(const char *name)
{
	return other_section(name, NULL);
}

static void unknown_key(struct loader *ld, const char *name)
{
	const char *sec = config_sections[ld->sec];
	const char *cands[64];
	const char *sug, *other;
	size_t i, n = 0;
	char *q = str_quote(name, 60);

	for (i = 0; i < config_key_n && n < 64; i++)
		if (strcmp(config_key_table[i].section, sec) == 0)
			cands[n++] = config_key_table[i].name;
	other = other_section(name, sec);
	sug = suggest(name, cands, n);
	if (other)
		diag_error(ld->d, ld->name, ld->line,
		           "unknown key %s in [%s]; it belongs in [%s]", q, sec,
		           other);
	else if (sug)
		diag_error(ld->d, ld->name, ld->line,
		           "unknown key %s in [%s]; did you mean \"%s\"?", q,
		           sec, sug);
	else
		diag_error(ld->d, ld->name, ld->line, "unknown key %s in [%s]",
		           q, sec);
	free(q);
}

static int handler(void *user, const char *section, const char *name,
                   const char *value)
{
	struct loader *ld = user;
	const struct key_def *k;
	char *msg, *q;

	(void)section; /* inih's copy is cut at 50 bytes; ld->sec is exact */
	if (ld->handled)
		return 1; /* cannot happen: one call per line */
	ld->handled = 1;
	if (!*name) {
		diag_error(ld->d, ld->name, ld->line,
		           "missing key before \"=\"");
		return 1;
	}
	if (ld->sec == -2)
		return 1; /* its section was reported already */
	if (ld->sec == -1) {
		const char *home = home_section(name);

		q = str_quote(name, 60);
		if (home)
			diag_error(ld->d, ld->name, ld->line,
			           "key %s outside any section; put it under "
			           "[%s]",
			           q, home);
		else
			diag_error(ld->d, ld->name, ld->line,
			           "key %s outside any section; put it under "
			           "[c2t], [fusion], [acs] or [run]",
			           q);
		free(q);
		return 1;
	}
	k = key_find(config_sections[ld->sec], name);
	if (!k) {
		msg = key_inline_secret(config_sections[ld->sec], name);
		if (msg) {
			diag_error(ld->d, ld->name, ld->line, "%s", msg);
			free(msg);
		} else {
			unknown_key(ld, name);
		}
		return 1;
	}
	apply(ld->c, k, value, ld->name, ld->line, ld->seen, ld->d);
	return 1;
}

/* Keeps path and its directory in c for messages and relative secrets. */
static void set_path(struct config *c, const char *path)
{
	const char *slash = strrchr(path, '/');

	free(c->path);
	free(c->dir);
	c->path = xstrdup(path);
	if (!slash)
		c->dir = NULL;
	else if (slash == path)
		c->dir = xstrdup("/");
	else
		c->dir = xstrndup(path, (size_t)(slash - path));
}

int config_load_buffer(struct config *c, const char *name, const char *data,
                       size_t len, struct diag *d)
{
	struct loader ld;

	memset(&ld, 0, sizeof(ld));
	ld.c = c;
	ld.d = d;
	ld.name = name;
	ld.p = data;
	ld.end = data + len;
	ld.sec = -1;
	ld.errors = d->errors;
	ld.seen = xcalloc(config_key_n, sizeof(*ld.seen));
	/* Every line error is in d already; inih's count adds nothing. */
	(void)ini_parse_stream(reader, &ld, handler, &ld);
	finish_line(&ld);
	cross_check(c, ld.seen, name, NULL, d);
	free(ld.seen);
	return d->errors > ld.errors ? -1 : 0;
}

int config_load_file(struct config *c, const char *path, struct diag *d)
{
	struct buf b;
	char tmp[8192];
	ssize_t k;
	int fd, rc;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		diag_error(d, path, 0, "cannot read: %s", strerror(errno));
		return -1;
	}
	buf_init(&b);
	for (;;) {
		k = read(fd, tmp, sizeof(tmp));
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		if (b.len + (size_t)k > CONFIG_FILE_MAX) {
			diag_error(d, path, 0,
			           "larger than %d bytes; not a "
			           "configuration file?",
			           CONFIG_FILE_MAX);
			close(fd);
			buf_release(&b);
			return -1;
		}
		buf_add(&b, tmp, (size_t)k);
	}
	if (k < 0) {
		diag_error(d, path, 0, "cannot read: %s", strerror(errno));
		close(fd);
		buf_release(&b);
		return -1;
	}
	close(fd);
	set_path(c, path);
	rc = config_load_buffer(c, path, b.p, b.len, d);
	buf_release(&b);
	return rc;
}

/* TEAMSPROV_<SECTION>_<KEY> for k; caller frees. */
static char *env_name(const struct key_def *k)
{
	char *s = xasprintf("TEAMSPROV_%s_%s", k->section, k->name), *p;

	for (p = s; *p; p++) {
		if (*p == '.')
			*p = '_';
		else if (*p >= 'a' && *p <= 'z')
			*p = (char)(*p - 32);
	}
	return s;
}

static int only_word_chars(const char *s)
{
	for (; *s; s++)
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
		      (*s >= '0' && *s <= '9') || *s == '_'))
			return 0;
	return 1;
}

static void warn_unknown_env(struct diag *d, char **names)
{
	static const char *const prefixes[] = {
	    "TEAMSPROV_C2T_", "TEAMSPROV_FUSION_", "TEAMSPROV_ACS_",
	    "TEAMSPROV_RUN_"};
	char **e;
	size_t i;

	for (e = environ; e && *e; e++) {
		const char *eq = strchr(*e, '=');
		char *var;
		const char *sug;
		int ours = 0;

		if (!eq)
			continue;
		for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
			if (strncmp(*e, prefixes[i], strlen(prefixes[i])) == 0)
				ours = 1;
		if (!ours)
			continue;
		var = xstrndup(*e, (size_t)(eq - *e));
		for (i = 0; i < config_key_n; i++)
			if (strcmp(var, names[i]) == 0)
				break;
		if (i == config_key_n && only_word_chars(var)) {
			sug = suggest(var, (const char *const *)names,
			              config_key_n);
			if (sug)
				diag_warn(d, var, 0,
				          "unknown configuration "
				          "variable, ignored; did you mean "
				          "%s?",
				          sug);
			else
				diag_warn(d, var, 0,
				          "unknown configuration "
				          "variable, ignored");
		}
		free(var);
	}
}

int config_apply_env(struct config *c, struct diag *d)
{
	char **names = xcalloc(config_key_n, sizeof(*names));
	long *seen = xcalloc(config_key_n, sizeof(*seen));
	size_t i, errors = d->errors;

	for (i = 0; i < config_key_n; i++) {
		const struct key_def *k = &config_key_table[i];
		const char *v;

		names[i] = env_name(k);
		v = getenv(names[i]);
		if (v && *v)
			apply(c, k, v, names[i], 0, seen, d);
	}
	cross_check(c, seen, NULL, names, d);
	warn_unknown_env(d, names);
	for (i = 0; i < config_key_n; i++)
		free(names[i]);
	free(names);
	free(seen);
	return d->errors > errors ? -1 : 0;
}

int config_set(struct config *c, const char *section, const char *key,
               const char *value, const char *origin, struct diag *d)
{
	const struct key_def *k = key_find(section, key);
	long *seen;
	int rc;

	if (!k) {
		diag_error(d, origin, 0, "no configuration key %s.%s", section,
		           key);
		return -1;
	}
	seen = xcalloc(config_key_n, sizeof(*seen));
	rc = apply(c, k, value, origin, 0, seen, d);
	free(seen);
	return rc;
}

static int is_file(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

char *config_locate(const char *opt_path, const char *manifest_dir)
{
	const char *xdg = getenv("XDG_CONFIG_HOME");
	const char *home = getenv("HOME");
	char *p;

	if (opt_path)
		return xstrdup(opt_path);
	if (manifest_dir && *manifest_dir) {
		size_t n = strlen(manifest_dir);

		p = xasprintf("%s%steamsprov.conf", manifest_dir,
		              manifest_dir[n - 1] == '/' ? "" : "/");
		if (is_file(p))
			return p;
		free(p);
	}
	if (xdg && xdg[0] == '/')
		p = xasprintf("%s/teamsprov/teamsprov.conf", xdg);
	else if (home && *home)
		p = xasprintf("%s/.config/teamsprov/teamsprov.conf", home);
	else
		return NULL;
	if (is_file(p))
		return p;
	free(p);
	return NULL;
}

void config_check_secrets(const struct config *c, const char *base_dir,
                          struct diag *d)
{
	size_t i;

	if (!base_dir)
		base_dir = c->dir;
	for (i = 0; i < config_key_n; i++) {
		const struct key_def *k = &config_key_table[i];
		const struct secret_ref *r;
		const struct config_origin *o = &c->origin[i];
		char *err;

		if (k->type != KT_SECRET || !o->file)
			continue;
		r = (const struct secret_ref *)((const char *)c + k->off);
		if (r->kind != k->kind || secret_check(r, base_dir, &err) == 0)
			continue;
		diag_warn(d, o->file, o->line, "%s: %s", k->name, err);
		free(err);
	}
}

int config_require_secret(const struct config *c, const struct secret_ref *r,
                           struct diag *d)
{
	size_t i;
	char *err;

	if (secret_check(r, c->dir, &err) == 0)
		return 0;
	for (i = 0; i < config_key_n; i++) {
		const struct key_def *k = &config_key_table[i];
		const struct config_origin *o = &c->origin[i];

		if (k->type != KT_SECRET || k->kind != r->kind ||
		    (const char *)c + k->off != (const char *)r)
			continue;
		diag_error(d, o->file ? o->file : "configuration", o->line,
		           "[%s] %s: %s", k->section, k->name, err);
		free(err);
		return -1;
	}
	diag_error(d, "configuration", 0, "%s", err);
	free(err);
	return -1;
}

int64_t config_api_timeout(const struct config *c, const struct config_api *a)
{
	return a->timeout > 0 ? a->timeout : c->run.timeout;
}

size_t config_key_count(void)
{
	return config_key_n;
}

struct config_key_info config_key_at(size_t i)
{
	struct config_key_info ki;

	ki.section = config_key_table[i].section;
	ki.name = config_key_table[i].name;
	ki.def = config_key_table[i].def;
	return ki;
}
