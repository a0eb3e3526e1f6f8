/*
 * journal: the SQLite state file (see journal.h for the guarantees).
 * Names are keyed by their ASCII-lower-cased form, as the manifests
 * compare them.
 */
#include "journal.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
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
	char *path; /* the state file, as given to journal_open */
	struct cached_stmt {
		const char *sql;
		sqlite3_stmt *st;
		int busy;
	} cache[STMT_CACHE];
	int ncache;
	/* A write since the last commit that the redo log does not cover
	 * (journal_redo_uncovered). */
	bool uncovered;
	/* The redo log (see "redo log" below); redo_fd is -1 while off. */
	int redo_fd;
	char *redo_path;
	unsigned char *redo_buf; /* records not yet written */
	size_t redo_len, redo_cap;
	/* Bytes at the start of redo_buf that finish a record a failed
	 * write() left half in the file: they must go out before any
	 * other record, or the file would hide every later one. */
	size_t redo_head;
	/* Some record went to the file since the last commit. */
	bool redo_pending;
	/* The file holds records the database may lack (redo_reapply
	 * failed): no commit empties it any more. */
	bool redo_stale;
	/* Logged puts not yet run (see "deferred puts"): records as in
	 * the redo log, each a u32 payload length then the payload. */
	unsigned char *lazy_buf;
	size_t lazy_len, lazy_cap;
	EVP_MD *redo_md;      /* SHA-256, fetched once */
	EVP_MD_CTX *redo_ctx; /* reused: a fresh one per record costs more */
	/* journal_errmsg's answer after a redo failure (own_err): SQLite
	 * knows nothing of it. The next SQLite call clears own_err. */
	bool own_err;
	char errbuf[256];
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
	" updated_at INTEGER NOT NULL, PRIMARY KEY (key, action))"
	";"
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
	return j->own_err ? j->errbuf : sqlite3_errmsg(j->db);
}

/*
 * Notes that st, just stepped, may have written to the database. A write
 * outside a transaction commits on its own, so only writes inside one
 * are uncovered. The logged puts and journal_write do not come here:
 * their record covers them.
 */
static void note_write(struct journal *j, sqlite3_stmt *st)
{
	if (!sqlite3_stmt_readonly(st) && !sqlite3_get_autocommit(j->db))
		j->uncovered = true;
}

static int lazy_flush(struct journal *j);

/* Runs every statement of sql; mark: whether a write counts for
 * journal_redo_uncovered (not for BEGIN/COMMIT/ROLLBACK, which move no
 * data themselves). 0 or -1 (journal_errmsg says why). */
static int exec_sql(struct journal *j, const char *sql, bool mark)
{
	const char *tail = sql;

	j->own_err = false;
	if (mark && lazy_flush(j) < 0)
		return -1;
	while (*tail) {
		sqlite3_stmt *st = NULL;
		int rc;

		if (sqlite3_prepare_v2(j->db, tail, -1, &st, &tail) !=
		    SQLITE_OK)
			return -1;
		if (!st) /* only white space or a comment was left */
			continue;
		while ((rc = sqlite3_step(st)) == SQLITE_ROW)
			;
		if (mark)
			note_write(j, st);
		sqlite3_finalize(st);
		if (rc != SQLITE_DONE)
			return -1;
	}
	return 0;
}

static int exec(struct journal *j, const char *sql)
{
	return exec_sql(j, sql, true);
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
	j->redo_fd = -1;
	j->path = xstrdup(path);
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
	journal_redo_end(j);
	for (i = 0; i < j->ncache; i++)
		sqlite3_finalize(j->cache[i].st);
	sqlite3_close(j->db);
	free(j->lazy_buf);
	free(j->path);
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

static void redo_reapply(struct journal *j);

int journal_begin(struct journal *j)
{
	return exec_sql(j, "BEGIN IMMEDIATE;", false);
}

int journal_rollback(struct journal *j)
{
	j->lazy_len = 0; /* deferred puts go with the transaction */
	if (exec_sql(j, "ROLLBACK;", false) < 0)
		return -1;
	/* What was written is undone, so nothing is uncovered. Records not
	 * yet written go, but for the end of one a failed write left half
	 * in the file. Those written describe outcomes that did happen:
	 * they go back into the database. */
	j->uncovered = false;
	j->redo_len = j->redo_head;
	if (j->redo_fd >= 0 && j->redo_pending && !j->redo_stale)
		redo_reapply(j);
	return 0;
}

int journal_commit(struct journal *j)
{
	if (lazy_flush(j) < 0 || exec_sql(j, "COMMIT;", false) < 0)
		return -1;
	j->uncovered = false;
	if (j->redo_fd < 0)
		return 0;
	if (j->redo_stale) { /* kept for the next run's recovery */
		j->redo_len = j->redo_head;
		return 0;
	}
	/* Everything recorded is in the database now: empty the file
	 * (O_APPEND starts the next write at 0). It must be emptied: the
	 * records still buffered are dropped, so a record left in the file
	 * could be older than what the database holds, and statement
	 * records (journal_write) replay whatever they find. Should the
	 * ftruncate fail, the end of a half-written record must still go
	 * out, or it would hide the records after it. */
	j->redo_pending = false;
	if (ftruncate(j->redo_fd, 0) == 0)
		j->redo_head = 0;
	j->redo_len = j->redo_head;
	return 0;
}

/* A statement for sql, cached when possible; give it back with finish. */
static sqlite3_stmt *prepare(struct journal *j, const char *sql)
{
	sqlite3_stmt *st = NULL;
	int i;

	j->own_err = false;
	if (lazy_flush(j) < 0)
		return NULL;
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
static void release(struct journal *j, sqlite3_stmt *st)
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

/* Gives back a statement that may have written outside the redo log. */
static void finish(struct journal *j, sqlite3_stmt *st)
{
	note_write(j, st);
	release(j, st);
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

/* run() for the logged writes: their record covers the write. */
static int run_logged(struct journal *j, sqlite3_stmt *st)
{
	int rc;

	if (!st)
		return -1;
	rc = sqlite3_step(st);
	release(j, st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* The types of the redo log's records (see "redo log" below). */
#define REDO_ENT 'E'
#define REDO_ACT 'A'
#define REDO_ACT_OVER 'O' /* journal_put_action_over */
#define REDO_SQL 'S'      /* a statement with its values in it: written by
                             earlier versions, still replayed */
#define REDO_VALS 'V'     /* journal_write: the statement, then its values */

/* A logged write, as the redo log records it and the queue of deferred
 * puts holds it: one of the puts, or a journal_write. */
struct logged {
	char type; /* REDO_ENT, REDO_ACT, REDO_ACT_OVER, REDO_VALS */
	const struct jr_enterprise *e;
	const struct jr_action *a;
	int64_t at; /* the row's updated_at (puts) */
	const char *sql; /* journal_write's */
	const struct jr_val *v;
	int n;
};

static void redo_log(struct journal *j, const struct logged *w);
static bool lazy_queue(struct journal *j, const struct logged *w);

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

/* journal_put_enterprise with updated_at set to at, unlogged: for the
 * put and for the replay of its record. */
static int put_enterprise_at(struct journal *j, const struct jr_enterprise *e,
			     int64_t at)
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
	sqlite3_bind_int64(st, 13, at);
	free(key);
	return run_logged(j, st);
}

int journal_put_enterprise(struct journal *j, const struct jr_enterprise *e)
{
	/* One timestamp for the row and its record: a replay must write the
	 * row exactly as it was. */
	struct logged w = {.type = REDO_ENT, .e = e, .at = now_ms()};

	if (!lazy_queue(j, &w) && put_enterprise_at(j, e, w.at) < 0)
		return -1;
	redo_log(j, &w);
	return 0;
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
		journal_rollback(j);
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

/* journal_put_action with updated_at set to at, unlogged: for the put
 * and for the replay of its record. */
/* over: replace the row whatever it holds (journal_put_action_over). */
static int put_action_at(struct journal *j, const struct jr_action *a,
			 int64_t at, bool over)
{
	/* An answer the callback server journaled meanwhile (granted,
	 * confirmed) outlives a URL issued again: it is not downgraded. */
	sqlite3_stmt *st =
		over ? prepare(j, "INSERT OR REPLACE INTO actions(key, "
				  ACT_COLS ") VALUES (?,?,?,?,?,?,?,?,?)")
		     : prepare(j, "INSERT INTO actions(key, " ACT_COLS
				  ") VALUES (?,?,?,?,?,?,?,?,?)"
				  " ON CONFLICT(key, action) DO UPDATE SET"
				  " status=excluded.status, url=excluded.url,"
				  " issued_at=excluded.issued_at,"
				  " token_hash=excluded.token_hash,"
				  " detail=excluded.detail,"
				  " updated_at=excluded.updated_at"
				  " WHERE excluded.status <> 1"
				  " OR actions.status NOT IN (2, 4)");
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
	sqlite3_bind_int64(st, 9, at);
	free(key);
	return run_logged(j, st);
}

int journal_put_action(struct journal *j, const struct jr_action *a)
{
	/* One time for the row and its record alike. */
	struct logged w = {.type = REDO_ACT, .a = a, .at = now_ms()};

	if (!lazy_queue(j, &w) && put_action_at(j, a, w.at, false) < 0)
		return -1;
	redo_log(j, &w);
	return 0;
}

int journal_put_action_over(struct journal *j, const struct jr_action *a)
{
	struct logged w = {.type = REDO_ACT_OVER, .a = a, .at = now_ms()};

	if (!lazy_queue(j, &w) && put_action_at(j, a, w.at, true) < 0)
		return -1;
	redo_log(j, &w);
	return 0;
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

static void bind_vals(sqlite3_stmt *st, const struct jr_val *v, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		if (v[i].type == JR_VAL_INT)
			sqlite3_bind_int64(st, i + 1, v[i].i);
		else
			bind_text(st, i + 1,
				  v[i].type == JR_VAL_TEXT ? v[i].s : NULL);
	}
}

/* journal_write's statement, unlogged: for the write itself and for the
 * deferred one. */
static int write_now(struct journal *j, const char *sql,
		     const struct jr_val *v, int n)
{
	sqlite3_stmt *st = prepare(j, sql);

	if (!st)
		return -1;
	bind_vals(st, v, n);
	return run_logged(j, st);
}

int journal_write(struct journal *j, const char *sql, const struct jr_val *v,
		  int n)
{
	struct logged w = {.type = REDO_VALS, .sql = sql, .v = v, .n = n};

	if (n < 0 || n > JR_VALS_MAX) { /* a deferred one could not run */
		snprintf(j->errbuf, sizeof(j->errbuf),
			 "journal_write: %d values (at most %d)", n,
			 JR_VALS_MAX);
		j->own_err = true;
		return -1;
	}
	if (!lazy_queue(j, &w) && write_now(j, sql, v, n) < 0)
		return -1;
	redo_log(j, &w);
	return 0;
}

/* --- redo log -------------------------------------------------------- */

/*
 * The file <state>.redo is a sequence of records, each
 *
 *   "TPR1"  magic, 4 bytes
 *   n       payload length, u32 (at most REDO_MAX)
 *   payload n bytes: a type byte (REDO_ENT, REDO_ACT, REDO_ACT_OVER,
 *           REDO_SQL, REDO_VALS), then the fields
 *           in the order of enc_enterprise / enc_action / enc_write:
 *           integers as int64, strings as a u32 length (REDO_NULL for
 *           NULL) then that many bytes, the terminating NUL included, so
 *           that the replay binds them in place
 *   sum     the first 8 bytes of the SHA-256 of magic, n and payload
 *
 * Numbers are in the host's byte order: the file is read back on the
 * machine that wrote it, by the next run, or not at all. The sum is
 * there to find where a torn write (a crash in mid-write, a power loss)
 * ends the intact records, not against tampering: whoever can write the
 * file can write the state file as well.
 */
#define REDO_MAGIC "TPR1"
#define REDO_HDR 8
#define REDO_SUM 8
#define REDO_MAX (UINT32_C(1) << 20)
#define REDO_NULL UINT32_MAX

static int digest_new(EVP_MD **md, EVP_MD_CTX **ctx)
{
	*md = EVP_MD_fetch(NULL, "SHA256", NULL);
	*ctx = EVP_MD_CTX_new();
	if (*md && *ctx)
		return 0;
	EVP_MD_free(*md);
	EVP_MD_CTX_free(*ctx);
	*md = NULL;
	*ctx = NULL;
	return -1;
}

/* The record sum of data into out: 0, or -1 when libcrypto fails. */
static int digest8(EVP_MD_CTX *ctx, const EVP_MD *md, const void *data,
		   size_t n, unsigned char out[REDO_SUM])
{
	unsigned char full[EVP_MAX_MD_SIZE];

	if (EVP_DigestInit_ex2(ctx, md, NULL) != 1 ||
	    EVP_DigestUpdate(ctx, data, n) != 1 ||
	    EVP_DigestFinal_ex(ctx, full, NULL) != 1)
		return -1;
	memcpy(out, full, REDO_SUM);
	return 0;
}

/* The wire size of string s; *n gets its byte count (NUL included). */
static size_t wire_str(const char *s, size_t *n)
{
	*n = s ? strlen(s) + 1 : 0;
	return 4 + *n;
}

static unsigned char *put_u32(unsigned char *p, uint32_t v)
{
	memcpy(p, &v, sizeof(v));
	return p + sizeof(v);
}

static unsigned char *put_i64(unsigned char *p, int64_t v)
{
	memcpy(p, &v, sizeof(v));
	return p + sizeof(v);
}

/* n from wire_str, which the caller's size check keeps below REDO_MAX. */
static unsigned char *put_str(unsigned char *p, const char *s, size_t n)
{
	if (!s)
		return put_u32(p, REDO_NULL);
	p = put_u32(p, (uint32_t)n);
	memcpy(p, s, n);
	return p + n;
}

/*
 * Whether a put just done must be recorded: logging is on and a
 * transaction is open. A put outside a transaction committed by itself
 * and needs no record; one inside a transaction while logging is off is
 * a write the log does not cover.
 */
static bool redo_wanted(struct journal *j)
{
	if (sqlite3_get_autocommit(j->db))
		return false;
	if (j->redo_fd < 0) {
		j->uncovered = true;
		return false;
	}
	return true;
}

/* Makes *buf (*cap bytes) hold at least need bytes, doubling. */
static void reserve(unsigned char **buf, size_t *cap, size_t need)
{
	size_t c = *cap ? *cap : 4096;

	if (need <= *cap)
		return;
	while (c < need)
		c *= 2;
	*buf = xrealloc(*buf, c);
	*cap = c;
}

/* Starts a record of payload size n at the end of redo_buf (growing it)
 * and returns where the payload goes; redo_seal keeps it. */
static unsigned char *redo_start(struct journal *j, size_t n)
{
	size_t need = j->redo_len + REDO_HDR + n + REDO_SUM;
	unsigned char *p;

	reserve(&j->redo_buf, &j->redo_cap, need);
	p = j->redo_buf + j->redo_len;
	memcpy(p, REDO_MAGIC, 4);
	put_u32(p + 4, (uint32_t)n);
	return p + REDO_HDR;
}

/* Sums the record redo_start began (payload size n) and keeps it. */
static void redo_seal(struct journal *j, size_t n)
{
	unsigned char *rec = j->redo_buf + j->redo_len;

	if (digest8(j->redo_ctx, j->redo_md, rec, REDO_HDR + n,
		    rec + REDO_HDR + n) < 0) {
		/* Left out, the write is one only a commit makes durable. */
		j->uncovered = true;
		return;
	}
	j->redo_len += REDO_HDR + n + REDO_SUM;
}

/* The payload of e's record (type byte first) at p, or only its size
 * when p is NULL; the size either way. */
static size_t enc_enterprise(unsigned char *p, const struct jr_enterprise *e,
			     int64_t at)
{
	size_t nn, ni, nl, nt, na;
	size_t size = 1 + wire_str(e->name, &nn) + wire_str(e->idem_key, &ni) +
		      wire_str(e->last_error, &nl) +
		      wire_str(e->tenant_id, &nt) +
		      wire_str(e->admin_id, &na) + 7 * sizeof(int64_t);

	if (!p)
		return size;
	*p++ = REDO_ENT;
	p = put_str(p, e->name, nn);
	p = put_i64(p, e->status);
	p = put_i64(p, e->id);
	p = put_str(p, e->idem_key, ni);
	p = put_i64(p, e->sent);
	p = put_i64(p, e->ambiguous);
	p = put_str(p, e->last_error, nl);
	p = put_i64(p, e->registered);
	p = put_str(p, e->tenant_id, nt);
	p = put_str(p, e->admin_id, na);
	p = put_i64(p, e->tenant_admin_api);
	put_i64(p, at);
	return size;
}

/* The same for an action (type REDO_ACT, or REDO_ACT_OVER when over). */
static size_t enc_action(unsigned char *p, const struct jr_action *a,
			 int64_t at, bool over)
{
	size_t ne, na, nu, nt, nd;
	size_t size = 1 + wire_str(a->enterprise, &ne) +
		      wire_str(a->action, &na) + wire_str(a->url, &nu) +
		      wire_str(a->token_hash, &nt) + wire_str(a->detail, &nd) +
		      3 * sizeof(int64_t);

	if (!p)
		return size;
	*p++ = over ? REDO_ACT_OVER : REDO_ACT;
	p = put_str(p, a->enterprise, ne);
	p = put_str(p, a->action, na);
	p = put_i64(p, a->status);
	p = put_str(p, a->url, nu);
	p = put_i64(p, a->issued_at);
	p = put_str(p, a->token_hash, nt);
	p = put_str(p, a->detail, nd);
	put_i64(p, at);
	return size;
}

/*
 * The payload of a journal_write (type REDO_VALS): the statement, the
 * number of values, then each as its type and an integer or a string. For
 * the redo log the statement goes as text; in the queue of deferred puts
 * (ptr) as the address of its literal, which the statement cache knows.
 */
static size_t enc_write(unsigned char *p, const char *sql,
			const struct jr_val *v, int n, bool ptr)
{
	size_t ns, size = 1 + 2 * sizeof(int64_t), k;
	int i;

	size += ptr ? sizeof(int64_t) : wire_str(sql, &ns);
	for (i = 0; i < n; i++)
		size += sizeof(int64_t) +
			(v[i].type == JR_VAL_INT
				 ? sizeof(int64_t)
				 : wire_str(v[i].type == JR_VAL_TEXT ? v[i].s
								     : NULL,
					    &k));
	if (!p)
		return size;
	*p++ = REDO_VALS;
	p = put_i64(p, ptr);
	p = ptr ? put_i64(p, (int64_t)(uintptr_t)sql) : put_str(p, sql, ns);
	p = put_i64(p, n);
	for (i = 0; i < n; i++) {
		p = put_i64(p, v[i].type);
		if (v[i].type == JR_VAL_INT) {
			p = put_i64(p, v[i].i);
		} else {
			const char *t = v[i].type == JR_VAL_TEXT ? v[i].s
								  : NULL;

			wire_str(t, &k);
			p = put_str(p, t, k);
		}
	}
	return size;
}

/* w's payload at p, or only its size when p is NULL; the size either
 * way. ptr: for the queue of deferred puts. */
static size_t enc_logged(unsigned char *p, const struct logged *w, bool ptr)
{
	switch (w->type) {
	case REDO_ENT:
		return enc_enterprise(p, w->e, w->at);
	case REDO_VALS:
		return enc_write(p, w->sql, w->v, w->n, ptr);
	default:
		return enc_action(p, w->a, w->at, w->type == REDO_ACT_OVER);
	}
}

/* Appends w's record to the buffer the next journal_redo_sync writes, if
 * logging and in a transaction. */
static void redo_log(struct journal *j, const struct logged *w)
{
	size_t size;

	if (!redo_wanted(j))
		return;
	size = enc_logged(NULL, w, false);
	if (size > REDO_MAX) { /* not loggable: only a commit keeps it */
		j->uncovered = true;
		return;
	}
	enc_logged(redo_start(j, size), w, false);
	redo_seal(j, size);
}

int journal_redo_begin(struct journal *j, char **err)
{
	struct stat sb;
	char *path;
	int fd;

	*err = NULL;
	if (j->redo_fd >= 0)
		return 0;
	path = xasprintf("%s.redo", j->path);
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd < 0 || fstat(fd, &sb) < 0) {
		*err = xasprintf("%s: %s", path, strerror(errno));
		goto fail;
	}
	/* The first commit would empty the file: its records must have been
	 * replayed before. */
	if (sb.st_size > 0) {
		*err = xasprintf("%s: holds the outcomes of an interrupted run,"
				 " not replayed yet",
				 path);
		goto fail;
	}
	if (digest_new(&j->redo_md, &j->redo_ctx) < 0) {
		*err = xasprintf("%s: SHA-256 is not available", path);
		goto fail;
	}
	j->redo_fd = fd;
	j->redo_path = path;
	j->redo_len = 0;
	j->redo_head = 0;
	j->redo_pending = false;
	j->redo_stale = false;
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	free(path);
	return -1;
}

/* A record's whole size, from its header at p. */
static size_t redo_rec_size(const unsigned char *p)
{
	uint32_t n;

	memcpy(&n, p + 4, sizeof(n));
	return REDO_HDR + (size_t)n + REDO_SUM;
}

/*
 * After a write() that failed with the first done bytes of redo_buf in
 * the file (done < redo_len): keeps the rest for the next try, and notes
 * how much of it ends the record the file now stops in the middle of.
 */
static void redo_keep_unwritten(struct journal *j, size_t done)
{
	size_t b = j->redo_head, sz, head;

	if (done < b) {
		head = b - done;
	} else {
		while (b + (sz = redo_rec_size(j->redo_buf + b)) <= done)
			b += sz;
		head = b == done ? 0 : b + sz - done;
	}
	memmove(j->redo_buf, j->redo_buf + done, j->redo_len - done);
	j->redo_len -= done;
	j->redo_head = head;
}

int journal_redo_sync(struct journal *j)
{
	size_t done = 0;

	if (j->redo_fd < 0 || j->redo_len == 0)
		return 0;
	while (done < j->redo_len) {
		ssize_t n = write(j->redo_fd, j->redo_buf + done,
				  j->redo_len - done);
		int e;

		if (n > 0) {
			done += (size_t)n;
			j->redo_pending = true;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		e = n < 0 ? errno : EIO; /* 0: no progress, do not spin */
		redo_keep_unwritten(j, done);
		snprintf(j->errbuf, sizeof(j->errbuf), "%s: %s", j->redo_path,
			 strerror(e));
		j->own_err = true;
		errno = e;
		return -1;
	}
	j->redo_len = 0;
	j->redo_head = 0;
	return 0;
}

bool journal_redo_uncovered(struct journal *j)
{
	return j->uncovered;
}

void journal_redo_end(struct journal *j)
{
	if (j->redo_fd < 0)
		return;
	close(j->redo_fd);
	/* A failed unlink leaves only records already in the database: the
	 * next recovery replays them to no effect and removes the file. */
	if (!j->redo_pending)
		unlink(j->redo_path);
	free(j->redo_path);
	free(j->redo_buf);
	EVP_MD_CTX_free(j->redo_ctx);
	EVP_MD_free(j->redo_md);
	j->redo_fd = -1;
	j->redo_path = NULL;
	j->redo_buf = NULL;
	j->redo_len = j->redo_cap = j->redo_head = 0;
	j->redo_pending = false;
	j->redo_stale = false;
	j->redo_ctx = NULL;
	j->redo_md = NULL;
}

/* Reads the whole of fd into *data (caller frees), *len bytes. 0 or -1
 * (errno set). */
static int read_all(int fd, char **data, size_t *len)
{
	struct stat sb;
	size_t cap, n = 0;
	char *buf;

	*data = NULL;
	*len = 0;
	if (fstat(fd, &sb) < 0)
		return -1;
	cap = sb.st_size > 0 ? (size_t)sb.st_size + 1 : 4096;
	buf = xmalloc(cap);
	for (;;) {
		ssize_t r;

		if (n == cap)
			buf = xrealloc(buf, cap *= 2);
		r = read(fd, buf + n, cap - n);
		if (r > 0) {
			n += (size_t)r;
		} else if (r == 0) {
			break;
		} else if (errno != EINTR) {
			int e = errno;

			free(buf);
			errno = e;
			return -1;
		}
	}
	*data = buf;
	*len = n;
	return 0;
}

/*
 * Whether an intact record starts at p (avail bytes from there): 1 with
 * *n its payload length, 0 when not (the end, a torn tail, corruption),
 * -1 when libcrypto fails.
 */
static int redo_intact(EVP_MD_CTX *ctx, const EVP_MD *md, const char *p,
		       size_t avail, uint32_t *n)
{
	unsigned char sum[REDO_SUM];

	if (avail < REDO_HDR || memcmp(p, REDO_MAGIC, 4) != 0)
		return 0;
	memcpy(n, p + 4, sizeof(*n));
	if (*n > REDO_MAX || avail - REDO_HDR < (size_t)*n + REDO_SUM)
		return 0;
	if (digest8(ctx, md, p, REDO_HDR + (size_t)*n, sum) < 0)
		return -1;
	return memcmp(sum, p + REDO_HDR + *n, REDO_SUM) == 0;
}

/* Reads a record's fields in place; bad is set at the first that does
 * not fit in the payload. */
struct redo_reader {
	char *p, *end;
	bool bad;
};

static int64_t get_i64(struct redo_reader *r)
{
	int64_t v;

	if (r->end - r->p < (ptrdiff_t)sizeof(v)) {
		r->bad = true;
		return 0;
	}
	memcpy(&v, r->p, sizeof(v));
	r->p += sizeof(v);
	return v;
}

static char *get_str(struct redo_reader *r)
{
	uint32_t n;
	char *s;

	if (r->end - r->p < (ptrdiff_t)sizeof(n)) {
		r->bad = true;
		return NULL;
	}
	memcpy(&n, r->p, sizeof(n));
	r->p += sizeof(n);
	if (n == REDO_NULL)
		return NULL;
	if (n == 0 || (size_t)(r->end - r->p) < n || r->p[n - 1] != '\0') {
		r->bad = true;
		return NULL;
	}
	s = r->p;
	r->p += n;
	return s;
}

/* Whether a row, looked up by st (bound; it selects updated_at), lets a
 * record of time at be replayed: 1 when absent or not newer, 0 when the
 * row is newer, -1 on error. */
static int row_not_newer(struct journal *j, sqlite3_stmt *st, int64_t at)
{
	int rc, ok;

	if (!st)
		return -1;
	rc = sqlite3_step(st);
	ok = rc == SQLITE_DONE  ? 1
	     : rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) <= at
				: -1;
	release(j, st);
	return ok;
}

static int replay_enterprise(struct journal *j, const struct jr_enterprise *e,
			     int64_t at)
{
	sqlite3_stmt *st =
		prepare(j, "SELECT updated_at FROM enterprises WHERE key=?");
	char *key = name_key(e->name);
	int ok;

	if (st)
		bind_text(st, 1, key);
	ok = row_not_newer(j, st, at);
	free(key);
	return ok <= 0 ? ok : put_enterprise_at(j, e, at);
}

static int replay_action(struct journal *j, const struct jr_action *a,
			 int64_t at, bool over)
{
	sqlite3_stmt *st = prepare(j, "SELECT updated_at FROM actions"
				      " WHERE key=? AND action=?");
	char *key = name_key(a->enterprise);
	int ok;

	if (st) {
		bind_text(st, 1, key);
		bind_text(st, 2, a->action);
	}
	ok = row_not_newer(j, st, at);
	free(key);
	return ok <= 0 ? ok : put_action_at(j, a, at, over);
}

/*
 * A REDO_VALS payload after its type byte: the statement with its values,
 * run as journal_write ran it (a replay, like one of REDO_SQL, whatever
 * the row holds now). 0, 1 when it cannot be read, -1 on a database
 * error.
 */
static int apply_write(struct journal *j, struct redo_reader *r, bool replay)
{
	struct jr_val v[JR_VALS_MAX];
	const char *sql = NULL;
	bool ptr = get_i64(r) != 0;
	int64_t n, i;
	sqlite3_stmt *st = NULL;
	int rc;

	/* A pointer is only valid in the process that queued it. */
	if (ptr != !replay)
		return 1;
	if (ptr) {
		uintptr_t a = (uintptr_t)get_i64(r);

		sql = (const char *)a;
	} else {
		sql = get_str(r);
	}
	n = get_i64(r);
	if (r->bad || !sql || n < 0 || n > JR_VALS_MAX)
		return 1;
	for (i = 0; i < n; i++) {
		v[i].type = (int)get_i64(r);
		v[i].i = 0;
		v[i].s = NULL;
		if (v[i].type == JR_VAL_INT)
			v[i].i = get_i64(r);
		else if (v[i].type == JR_VAL_TEXT || v[i].type == JR_VAL_NULL)
			v[i].s = get_str(r);
		else
			return 1;
	}
	if (r->bad || r->p != r->end)
		return 1;
	if (ptr)
		return write_now(j, sql, v, (int)n);
	if (sqlite3_prepare_v2(j->db, sql, -1, &st, NULL) != SQLITE_OK) {
		sqlite3_finalize(st);
		return -1;
	}
	bind_vals(st, v, (int)n);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* Replays the payload p[0..n) of an intact record: 0 (applied, or the
 * row is newer), 1 when it cannot be read (ends the replay as a corrupt
 * record does), -1 on a database error. replay: after a crash, where a
 * row may be newer than the record; else a deferred put, run as is. */
static int redo_apply(struct journal *j, char *p, size_t n, bool replay)
{
	struct redo_reader r = {p + 1, p + n, false};
	int64_t at;

	if (n < 1)
		return 1;
	if (p[0] == REDO_ENT) {
		struct jr_enterprise e;

		e.name = get_str(&r);
		e.status = (enum jr_ent_status)get_i64(&r);
		e.id = get_i64(&r);
		e.idem_key = get_str(&r);
		e.sent = (int)get_i64(&r);
		e.ambiguous = (int)get_i64(&r);
		e.last_error = get_str(&r);
		e.registered = (int)get_i64(&r);
		e.tenant_id = get_str(&r);
		e.admin_id = get_str(&r);
		e.tenant_admin_api = (int)get_i64(&r);
		at = get_i64(&r);
		e.updated_at = at;
		if (r.bad || r.p != r.end || !e.name)
			return 1;
		return replay ? replay_enterprise(j, &e, at)
			      : put_enterprise_at(j, &e, at);
	}
	if (p[0] == REDO_VALS)
		return apply_write(j, &r, replay);
	if (p[0] == REDO_SQL) {
		const char *sql = get_str(&r);

		if (r.bad || r.p != r.end || !sql)
			return 1;
		return exec_sql(j, sql, false);
	}
	if (p[0] == REDO_ACT || p[0] == REDO_ACT_OVER) {
		struct jr_action a;

		a.enterprise = get_str(&r);
		a.action = get_str(&r);
		a.status = (enum jr_act_status)get_i64(&r);
		a.url = get_str(&r);
		a.issued_at = get_i64(&r);
		a.token_hash = get_str(&r);
		a.detail = get_str(&r);
		at = get_i64(&r);
		a.updated_at = at;
		if (r.bad || r.p != r.end || !a.enterprise || !a.action)
			return 1;
		return replay ? replay_action(j, &a, at, p[0] == REDO_ACT_OVER)
			      : put_action_at(j, &a, at,
					      p[0] == REDO_ACT_OVER);
	}
	return 1;
}

/*
 * Deferred puts. A put is one SQLite statement into a b-tree that the
 * worker threads' HTTP traffic keeps pushing out of the CPU caches: run
 * one at a time between requests, each cost about three times what it
 * does in a run of puts (perf; a sixth of apply's CPU). While the redo
 * log is on and a transaction is open, a logged put only queues its
 * record here (its redo record makes it durable as before); the queue
 * runs, in order, before any other statement of this connection (so
 * every read sees every put) and before the commit, and goes with a
 * rollback. A put that fails then fails that statement or the commit.
 */
static unsigned char *lazy_start(struct journal *j, size_t n)
{
	size_t need = j->lazy_len + 4 + n;

	reserve(&j->lazy_buf, &j->lazy_cap, need);
	put_u32(j->lazy_buf + j->lazy_len, (uint32_t)n);
	j->lazy_len = need;
	return j->lazy_buf + need - n;
}

static bool lazy_wanted(struct journal *j, size_t size)
{
	return j->redo_fd >= 0 && size <= REDO_MAX &&
	       !sqlite3_get_autocommit(j->db);
}

/* Queues w instead of running it, when it may wait: true if queued. */
static bool lazy_queue(struct journal *j, const struct logged *w)
{
	size_t size = enc_logged(NULL, w, true);

	if (!lazy_wanted(j, size))
		return false;
	enc_logged(lazy_start(j, size), w, true);
	return true;
}

/* Runs the deferred puts: 0, or -1 (journal_errmsg says why; the rest of
 * the queue is dropped, and the caller's statement or commit fails). */
static int lazy_flush(struct journal *j)
{
	size_t off = 0, len = j->lazy_len;

	/* Emptied first: the puts below prepare statements too. */
	j->lazy_len = 0;
	while (off < len) {
		uint32_t n;

		memcpy(&n, j->lazy_buf + off, sizeof(n));
		off += sizeof(n);
		if (redo_apply(j, (char *)j->lazy_buf + off, n, false) != 0)
			return -1;
		off += n;
	}
	return 0;
}

/*
 * Reads the redo file path into *data (caller frees), *len bytes: 0, 1
 * when there is no such file, -1 with *err (caller frees).
 */
static int redo_read(const char *path, char **data, size_t *len, char **err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	*data = NULL;
	*len = 0;
	if (fd < 0) {
		if (errno == ENOENT)
			return 1;
		*err = xasprintf("%s: %s", path, strerror(errno));
		return -1;
	}
	if (read_all(fd, data, len) < 0) {
		*err = xasprintf("%s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

/*
 * Applies the intact records of data[0..len) (the redo file path) in
 * order, inside the open transaction, up to the first torn or corrupt
 * one. 0 with *count the records replayed, or -1 with *err (caller
 * frees).
 */
static int redo_replay(struct journal *j, const char *path, char *data,
		       size_t len, size_t *count, char **err)
{
	EVP_MD *md;
	EVP_MD_CTX *ctx;
	size_t off = 0;
	int rc = 0;

	*count = 0;
	if (digest_new(&md, &ctx) < 0) {
		*err = xasprintf("%s: SHA-256 is not available", path);
		return -1;
	}
	for (;;) {
		uint32_t n;
		int r = redo_intact(ctx, md, data + off, len - off, &n);

		if (r == 0)
			break; /* the rest was never completely written */
		if (r < 0) {
			*err = xasprintf("%s: SHA-256 failed", path);
			rc = -1;
			break;
		}
		r = redo_apply(j, data + off + REDO_HDR, n, true);
		if (r > 0)
			break;
		if (r < 0) {
			*err = xasprintf("%s: replaying %s: %s", j->path, path,
					 journal_errmsg(j));
			rc = -1;
			break;
		}
		off += REDO_HDR + (size_t)n + REDO_SUM;
		++*count;
	}
	EVP_MD_CTX_free(ctx);
	EVP_MD_free(md);
	return rc;
}

/*
 * After a rollback that undid puts whose records are already in the file:
 * those outcomes did happen, and the next commit would empty the file.
 * So they go back into the database now, in a transaction of their own.
 * Should that fail, the file is kept whole from now on (redo_stale) for
 * the next run's recovery.
 */
static void redo_reapply(struct journal *j)
{
	char *data = NULL, *err = NULL;
	size_t len, count;

	if (redo_read(j->redo_path, &data, &len, &err) == 0 &&
	    exec_sql(j, "BEGIN IMMEDIATE;", false) == 0) {
		if (redo_replay(j, j->redo_path, data, len, &count, &err) ==
			    0 &&
		    journal_commit(j) == 0) {
			free(data);
			return;
		}
		exec_sql(j, "ROLLBACK;", false);
	}
	free(err);
	free(data);
	j->redo_stale = true;
}

int journal_redo_recover(struct journal *j, size_t *applied, char **err)
{
	char *path = xasprintf("%s.redo", j->path), *data = NULL;
	size_t len = 0, count = 0;
	int rc = -1, r;

	*err = NULL;
	if (applied)
		*applied = 0;
	if (j->redo_fd >= 0) {
		*err = xasprintf("%s: cannot replay while logging to it", path);
		goto out;
	}
	r = redo_read(path, &data, &len, err);
	if (r != 0) {
		rc = r > 0 ? 0 : -1; /* none: the last run ended cleanly */
		goto out;
	}
	if (len > 0) {
		if (journal_begin(j) < 0) {
			*err = xasprintf("%s: %s", j->path, journal_errmsg(j));
			goto out;
		}
		if (redo_replay(j, path, data, len, &count, err) < 0) {
			journal_rollback(j);
			goto out;
		}
		if (journal_commit(j) < 0) {
			*err = xasprintf("%s: %s", j->path, journal_errmsg(j));
			journal_rollback(j);
			goto out;
		}
	}
	if (applied)
		*applied = count;
	if (unlink(path) < 0 && errno != ENOENT) {
		*err = xasprintf("%s: %s", path, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	free(data);
	free(path);
	return rc;
}
