/*
 * journal: the SQLite state file (see journal.h for the guarantees).
 * Names are keyed by their ASCII-lower-cased form, as the manifests
 * compare them.
 */
#include "journal.h"

#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "journal_int.h"
#include "util.h"

#define SCHEMA_VERSION "1"

/*
 * Prepared statements are kept for the life of the connection: apply
 * journals every outcome, and parsing the SQL again each time cost more
 * CPU than the rest of a request (bench/apply_overhead.sh). Keyed by the
 * address of the SQL literal; a statement already in use (a callback of
 * journal_each_* calling back in) gets a fresh, uncached one.
 */
#define STMT_CACHE 40

struct journal {
	sqlite3 *db;
	struct cached_stmt {
		const char *sql;
		sqlite3_stmt *st;
		int busy;
	} cache[STMT_CACHE];
	int ncache;
};

static const char schema[] =
	"CREATE TABLE IF NOT EXISTS meta ("
	" key TEXT PRIMARY KEY, value TEXT NOT NULL);"
	"CREATE TABLE IF NOT EXISTS enterprises ("
	" key TEXT PRIMARY KEY, name TEXT NOT NULL,"
	" status INTEGER NOT NULL, enterprise_id INTEGER NOT NULL DEFAULT 0,"
	" idem_key TEXT, sent INTEGER NOT NULL DEFAULT 0,"
	" ambiguous INTEGER NOT NULL DEFAULT 0, last_error TEXT,"
	" registered INTEGER NOT NULL DEFAULT 0, tenant_id TEXT,"
	" admin_id TEXT, tenant_admin_api INTEGER NOT NULL DEFAULT -1,"
	" updated_at INTEGER NOT NULL);"
	"CREATE TABLE IF NOT EXISTS actions ("
	" key TEXT NOT NULL, enterprise TEXT NOT NULL, action TEXT NOT NULL,"
	" status INTEGER NOT NULL, url TEXT, issued_at INTEGER NOT NULL"
	" DEFAULT 0, token_hash TEXT, detail TEXT,"
	" updated_at INTEGER NOT NULL, PRIMARY KEY (key, action));"
	"CREATE INDEX IF NOT EXISTS actions_token ON actions(token_hash);";

/* The tables of the Fusion, ACS and consent parts live beside their code
 * (journal_fusion.c, journal_acs.c); each adds its CREATE statements. */
extern const char journal_schema_fusion[];
extern const char journal_schema_acs[];

static char *name_key(const char *name)
{
	return str_lower(xstrdup(name));
}

static int64_t now_ms(void)
{
	return clock_wall_ns() / TP_NS_PER_MS;
}

const char *journal_errmsg(struct journal *j)
{
	return sqlite3_errmsg(j->db);
}

static int exec(struct journal *j, const char *sql)
{
	return sqlite3_exec(j->db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0
								       : -1;
}

int journal_open(const char *path, enum journal_mode mode,
		 struct journal **out, char **err)
{
	struct journal *j = xcalloc(1, sizeof(*j));
	int flags = mode == JOURNAL_WRITE
			    ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
			    : SQLITE_OPEN_READONLY;

	*out = NULL;
	*err = NULL;
	if (sqlite3_open_v2(path, &j->db, flags | SQLITE_OPEN_NOMUTEX,
			    NULL) != SQLITE_OK) {
		*err = xasprintf("%s: %s", path,
				 j->db ? sqlite3_errmsg(j->db)
				       : "cannot open the state file");
		journal_close(j);
		return -1;
	}
	sqlite3_busy_timeout(j->db, 5000);
	if (mode == JOURNAL_WRITE) {
		/* The state file holds links to customers' consent pages:
		 * keep it private. */
		chmod(path, 0600);
		if (exec(j, "PRAGMA journal_mode=WAL;"
			    "PRAGMA synchronous=NORMAL;") < 0 ||
		    exec(j, schema) < 0 || exec(j, journal_schema_fusion) < 0 ||
		    exec(j, journal_schema_acs) < 0 ||
		    journal_meta_set(j, "schema", SCHEMA_VERSION) < 0) {
			*err = xasprintf("%s: %s", path,
					 sqlite3_errmsg(j->db));
			journal_close(j);
			return -1;
		}
	} else if (exec(j, "SELECT 1 FROM enterprises LIMIT 1;") < 0) {
		*err = xasprintf("%s: not a teamsprov state file (%s)", path,
				 sqlite3_errmsg(j->db));
		journal_close(j);
		return -1;
	}
	*out = j;
	return 0;
}

void journal_close(struct journal *j)
{
	int i;

	if (!j)
		return;
	for (i = 0; i < j->ncache; i++)
		sqlite3_finalize(j->cache[i].st);
	sqlite3_close(j->db);
	free(j);
}

int journal_lock(const char *state_path, int *fd, pid_t *holder, char **err)
{
	char *path = xasprintf("%s.lock", state_path);
	char pidbuf[32];
	ssize_t n;
	int f;

	*fd = -1;
	*holder = 0;
	*err = NULL;
	f = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (f < 0) {
		*err = xasprintf("%s: %s", path, strerror(errno));
		free(path);
		return -1;
	}
	if (flock(f, LOCK_EX | LOCK_NB) < 0) {
		int e = errno;

		if (e == EWOULDBLOCK) {
			n = pread(f, pidbuf, sizeof(pidbuf) - 1, 0);
			pidbuf[n > 0 ? n : 0] = '\0';
			*holder = (pid_t)atol(pidbuf);
			close(f);
			free(path);
			return 1;
		}
		*err = xasprintf("%s: %s", path, strerror(e));
		close(f);
		free(path);
		return -1;
	}
	n = snprintf(pidbuf, sizeof(pidbuf), "%ld\n", (long)getpid());
	if (ftruncate(f, 0) < 0 || pwrite(f, pidbuf, (size_t)n, 0) != n) {
		*err = xasprintf("%s: %s", path, strerror(errno));
		close(f);
		free(path);
		return -1;
	}
	free(path);
	*fd = f;
	return 0;
}

void journal_unlock(int fd)
{
	if (fd < 0)
		return;
	if (ftruncate(fd, 0) < 0) {
		/* The pid left behind is only a hint for the next holder. */
	}
	close(fd); /* releases the flock */
}

int journal_begin(struct journal *j)
{
	return exec(j, "BEGIN IMMEDIATE;");
}

int journal_rollback(struct journal *j)
{
	return exec(j, "ROLLBACK;");
}

int journal_commit(struct journal *j)
{
	return exec(j, "COMMIT;");
}

/* A statement for sql, cached when possible; give it back with finish. */
static sqlite3_stmt *prepare(struct journal *j, const char *sql)
{
	sqlite3_stmt *st = NULL;
	int i;

	for (i = 0; i < j->ncache; i++) {
		if (j->cache[i].sql != sql)
			continue;
		if (j->cache[i].busy)
			break;
		j->cache[i].busy = 1;
		return j->cache[i].st;
	}
	if (sqlite3_prepare_v3(j->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st,
			       NULL) != SQLITE_OK) {
		sqlite3_finalize(st);
		return NULL;
	}
	if (i == j->ncache && j->ncache < STMT_CACHE) {
		j->cache[i].sql = sql;
		j->cache[i].st = st;
		j->cache[i].busy = 1;
		j->ncache++;
	}
	return st;
}

/* Resets a cached statement for its next use, or finalizes another. */
static void finish(struct journal *j, sqlite3_stmt *st)
{
	int i;

	for (i = 0; i < j->ncache; i++) {
		if (j->cache[i].st == st) {
			sqlite3_reset(st);
			sqlite3_clear_bindings(st);
			j->cache[i].busy = 0;
			return;
		}
	}
	sqlite3_finalize(st);
}

static void bind_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s)
		sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

static char *col_text(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);
	return s ? xstrdup((const char *)s) : NULL;
}

/* Steps a statement that returns no rows and gives it back. */
static int run(struct journal *j, sqlite3_stmt *st)
{
	int rc;

	if (!st)
		return -1;
	rc = sqlite3_step(st);
	finish(j, st);
	return rc == SQLITE_DONE ? 0 : -1;
}

int journal_meta_get(struct journal *j, const char *key, char **value)
{
	sqlite3_stmt *st = prepare(j, "SELECT value FROM meta WHERE key=?");
	int rc;

	*value = NULL;
	if (!st)
		return -1;
	bind_text(st, 1, key);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*value = col_text(st, 0);
	finish(j, st);
	return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? 1 : -1;
}

int journal_meta_set(struct journal *j, const char *key, const char *value)
{
	sqlite3_stmt *st = prepare(j, "INSERT OR REPLACE INTO meta(key, value)"
				      " VALUES (?, ?)");

	if (!st)
		return -1;
	bind_text(st, 1, key);
	bind_text(st, 2, value);
	return run(j, st);
}

/* --- enterprises ----------------------------------------------------- */

const char *jr_ent_status_name(enum jr_ent_status s)
{
	static const char *const names[] = {"pending", "created", "adopted",
					    "failed"};
	return (unsigned)s < 4 ? names[s] : "unknown";
}

void jr_enterprise_release(struct jr_enterprise *e)
{
	free(e->name);
	free(e->idem_key);
	free(e->last_error);
	free(e->tenant_id);
	free(e->admin_id);
	memset(e, 0, sizeof(*e));
}

#define ENT_COLS                                                            \
	"name, status, enterprise_id, idem_key, sent, ambiguous, last_error," \
	" registered, tenant_id, admin_id, tenant_admin_api, updated_at"

static void read_enterprise(sqlite3_stmt *st, struct jr_enterprise *e)
{
	e->name = col_text(st, 0);
	e->status = (enum jr_ent_status)sqlite3_column_int(st, 1);
	e->id = sqlite3_column_int64(st, 2);
	e->idem_key = col_text(st, 3);
	e->sent = sqlite3_column_int(st, 4);
	e->ambiguous = sqlite3_column_int(st, 5);
	e->last_error = col_text(st, 6);
	e->registered = sqlite3_column_int(st, 7);
	e->tenant_id = col_text(st, 8);
	e->admin_id = col_text(st, 9);
	e->tenant_admin_api = sqlite3_column_int(st, 10);
	e->updated_at = sqlite3_column_int64(st, 11);
}

int journal_get_enterprise(struct journal *j, const char *name,
			   struct jr_enterprise *e)
{
	sqlite3_stmt *st =
		prepare(j, "SELECT " ENT_COLS " FROM enterprises WHERE key=?");
	char *key = name_key(name);
	int rc;

	memset(e, 0, sizeof(*e));
	if (!st) {
		free(key);
		return -1;
	}
	bind_text(st, 1, key);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		read_enterprise(st, e);
	finish(j, st);
	free(key);
	return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? 1 : -1;
}

int journal_put_enterprise(struct journal *j, const struct jr_enterprise *e)
{
	sqlite3_stmt *st = prepare(
		j, "INSERT OR REPLACE INTO enterprises(key, " ENT_COLS
		   ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)");
	char *key = name_key(e->name);

	if (!st) {
		free(key);
		return -1;
	}
	bind_text(st, 1, key);
	bind_text(st, 2, e->name);
	sqlite3_bind_int(st, 3, (int)e->status);
	sqlite3_bind_int64(st, 4, e->id);
	bind_text(st, 5, e->idem_key);
	sqlite3_bind_int(st, 6, e->sent);
	sqlite3_bind_int(st, 7, e->ambiguous);
	bind_text(st, 8, e->last_error);
	sqlite3_bind_int(st, 9, e->registered);
	bind_text(st, 10, e->tenant_id);
	bind_text(st, 11, e->admin_id);
	sqlite3_bind_int(st, 12, e->tenant_admin_api);
	sqlite3_bind_int64(st, 13, now_ms());
	free(key);
	return run(j, st);
}

int journal_each_enterprise(struct journal *j,
			    int (*fn)(const struct jr_enterprise *e,
				      void *arg),
			    void *arg)
{
	sqlite3_stmt *st =
		prepare(j, "SELECT " ENT_COLS " FROM enterprises ORDER BY key");
	struct jr_enterprise e;
	int rc, stop = 0;

	if (!st)
		return -1;
	while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		read_enterprise(st, &e);
		stop = fn(&e, arg);
		jr_enterprise_release(&e);
	}
	finish(j, st);
	if (stop)
		return stop;
	return rc == SQLITE_DONE ? 0 : -1;
}

int journal_forget_enterprise(struct journal *j, const char *name)
{
	char *key = name_key(name);
	sqlite3_stmt *st;
	int changed = -1;

	if (journal_begin(j) < 0) {
		free(key);
		return -1;
	}
	st = prepare(j, "DELETE FROM actions WHERE key=?");
	if (st) {
		bind_text(st, 1, key);
		if (run(j, st) == 0 &&
		    (st = prepare(j, "DELETE FROM enterprises WHERE key=?"))) {
			bind_text(st, 1, key);
			if (run(j, st) == 0)
				changed = sqlite3_changes(j->db);
		}
	}
	free(key);
	if (changed < 0) {
		exec(j, "ROLLBACK;");
		return -1;
	}
	if (journal_commit(j) < 0)
		return -1;
	return changed ? 0 : 1;
}

/* --- action URLs ----------------------------------------------------- */

const char *jr_act_status_name(enum jr_act_status s)
{
	static const char *const names[] = {"pending", "issued", "granted",
					    "error", "confirmed"};
	return (unsigned)s < 5 ? names[s] : "unknown";
}

void jr_action_release(struct jr_action *a)
{
	free(a->enterprise);
	free(a->action);
	free(a->url);
	free(a->token_hash);
	free(a->detail);
	memset(a, 0, sizeof(*a));
}

#define ACT_COLS                                                        \
	"enterprise, action, status, url, issued_at, token_hash, detail," \
	" updated_at"

static void read_action(sqlite3_stmt *st, struct jr_action *a)
{
	a->enterprise = col_text(st, 0);
	a->action = col_text(st, 1);
	a->status = (enum jr_act_status)sqlite3_column_int(st, 2);
	a->url = col_text(st, 3);
	a->issued_at = sqlite3_column_int64(st, 4);
	a->token_hash = col_text(st, 5);
	a->detail = col_text(st, 6);
	a->updated_at = sqlite3_column_int64(st, 7);
}

static int get_one_action(struct journal *j, sqlite3_stmt *st,
			  struct jr_action *a)
{
	int rc = sqlite3_step(st);

	if (rc == SQLITE_ROW)
		read_action(st, a);
	finish(j, st);
	return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? 1 : -1;
}

int journal_get_action(struct journal *j, const char *enterprise,
		       const char *action, struct jr_action *a)
{
	sqlite3_stmt *st = prepare(j, "SELECT " ACT_COLS " FROM actions"
				      " WHERE key=? AND action=?");
	char *key = name_key(enterprise);
	int rc = -1;

	memset(a, 0, sizeof(*a));
	if (st) {
		bind_text(st, 1, key);
		bind_text(st, 2, action);
		rc = get_one_action(j, st, a);
	}
	free(key);
	return rc;
}

_Static_assert(JR_ACT_ISSUED == 1 && JR_ACT_GRANTED == 2 &&
		   JR_ACT_CONFIRMED == 4,
	       "journal_put_action names the answered states by number");

int journal_put_action(struct journal *j, const struct jr_action *a)
{
	/* An answer the callback server journaled meanwhile (granted,
	 * confirmed) outlives a URL issued again: it is not downgraded. */
	sqlite3_stmt *st = prepare(
		j, "INSERT INTO actions(key, " ACT_COLS ") VALUES "
		   "(?,?,?,?,?,?,?,?,?) ON CONFLICT(key, action) DO UPDATE SET"
		   " status=excluded.status, url=excluded.url,"
		   " issued_at=excluded.issued_at,"
		   " token_hash=excluded.token_hash, detail=excluded.detail,"
		   " updated_at=excluded.updated_at"
		   " WHERE excluded.status <> 1 OR actions.status NOT IN (2, 4)");
	char *key = name_key(a->enterprise);

	if (!st) {
		free(key);
		return -1;
	}
	bind_text(st, 1, key);
	bind_text(st, 2, a->enterprise);
	bind_text(st, 3, a->action);
	sqlite3_bind_int(st, 4, (int)a->status);
	bind_text(st, 5, a->url);
	sqlite3_bind_int64(st, 6, a->issued_at);
	bind_text(st, 7, a->token_hash);
	bind_text(st, 8, a->detail);
	sqlite3_bind_int64(st, 9, now_ms());
	free(key);
	return run(j, st);
}

int journal_each_action(struct journal *j, const char *enterprise,
			int (*fn)(const struct jr_action *a, void *arg),
			void *arg)
{
	sqlite3_stmt *st;
	struct jr_action a;
	char *key = NULL;
	int rc, stop = 0;

	if (enterprise) {
		st = prepare(j, "SELECT " ACT_COLS " FROM actions WHERE key=?"
				" ORDER BY action");
		key = name_key(enterprise);
		if (st)
			bind_text(st, 1, key);
	} else {
		st = prepare(j, "SELECT " ACT_COLS " FROM actions"
				" ORDER BY key, action");
	}
	free(key);
	if (!st)
		return -1;
	while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		read_action(st, &a);
		stop = fn(&a, arg);
		jr_action_release(&a);
	}
	finish(j, st);
	if (stop)
		return stop;
	return rc == SQLITE_DONE ? 0 : -1;
}

int journal_find_action_by_token(struct journal *j, const char *hash,
				 struct jr_action *a)
{
	sqlite3_stmt *st = prepare(j, "SELECT " ACT_COLS " FROM actions"
				      " WHERE token_hash=?");

	memset(a, 0, sizeof(*a));
	if (!st)
		return -1;
	bind_text(st, 1, hash);
	return get_one_action(j, st, a);
}

/* --- for the provider tables (journal_int.h) ------------------------- */

sqlite3_stmt *journal_stmt(struct journal *j, const char *sql)
{
	return prepare(j, sql);
}

void journal_stmt_done(struct journal *j, sqlite3_stmt *st)
{
	finish(j, st);
}
