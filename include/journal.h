/*
 * journal: the state file, an SQLite database in WAL mode. Every step's
 * outcome is committed here before work that depends on it starts, so a
 * run killed at any moment (even kill -9) is resumed by the next one
 * without repeating a journaled step.
 *
 * Durability: journal_mode=WAL with synchronous=NORMAL. A commit survives
 * the process being killed as soon as the write returns; a power loss may
 * lose the last commits, which the next run then redoes (a create it
 * repeats is answered "already exists" and adopted, so nothing doubles).
 * The redo log (below) gives the two hot writes the same durability
 * between commits, for the price of one write() instead of a commit.
 *
 * One writer: commands that change state hold the state lock (a
 * STATE.lock file, flock), and a second writer fails at once with the
 * holder's pid. The consent receiver writes without the lock, in short
 * BEGIN IMMEDIATE transactions with a busy timeout.
 *
 * A struct journal is used by one thread at a time. Strings in records
 * returned by journal_get_*() are owned by the record: release it with
 * the matching *_release().
 */
#ifndef TP_JOURNAL_H
#define TP_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct journal;

enum journal_mode { JOURNAL_READ, JOURNAL_WRITE };

/*
 * Opens (JOURNAL_WRITE: creates and migrates) the state file. Returns 0,
 * or -1 with *err set (caller frees). JOURNAL_READ on a missing file is
 * an error the caller can tell by journal_missing().
 */
int journal_open(const char *path, enum journal_mode mode,
		 struct journal **out, char **err);
void journal_close(struct journal *j);

/* The state lock. Returns 0 with *fd set (pass to journal_unlock), 1 when
 * another process holds it (*holder set to its pid, 0 if unknown), or -1
 * with *err set. */
int journal_lock(const char *state_path, int *fd, pid_t *holder, char **err);
void journal_unlock(int fd);

/* Grouping several writes into one commit (apply batches completions).
 * With the redo log on, a commit also empties it (see below). 0 or -1. */
int journal_begin(struct journal *j);
int journal_commit(struct journal *j);
/* Abandons the open transaction (the callback receiver's refusals). With
 * the redo log on, drops the records not written yet; the puts whose
 * records were written (their outcomes did happen) are put back at once,
 * in a transaction of their own, since the next commit empties the file;
 * should that fail, the file is no longer emptied by commits and the next
 * run's recovery applies it. 0 or -1. */
int journal_rollback(struct journal *j);

/* The last error message of j (owned by j): SQLite's, or the redo
 * log's after a failed journal_redo_sync. */
const char *journal_errmsg(struct journal *j);

/* meta: small key/value facts (the reseller id, the schema version). */
int journal_meta_get(struct journal *j, const char *key, char **value);
int journal_meta_set(struct journal *j, const char *key, const char *value);

/* --- enterprises ----------------------------------------------------- */

enum jr_ent_status {
	JR_ENT_PENDING, /* nothing sent yet, or sent without an answer */
	JR_ENT_CREATED, /* created by us */
	JR_ENT_ADOPTED, /* existed already: its id was adopted */
	JR_ENT_FAILED,
};

struct jr_enterprise {
	char *name;
	enum jr_ent_status status;
	int64_t id;        /* 0 until known */
	char *idem_key;    /* Idempotency-Key, journaled before the first send */
	int sent;          /* create requests sent */
	int ambiguous;     /* failures after which the create may have happened */
	char *last_error;  /* redacted; NULL if none */
	int registered;    /* the admin completed REGISTRATION */
	char *tenant_id;   /* from the registration post; NULL if unknown */
	char *admin_id;    /* displayable id of the admin; NULL if unknown */
	int tenant_admin_api; /* -1 unknown, 0 no, 1 yes */
	int64_t updated_at; /* unix ms */
};

const char *jr_ent_status_name(enum jr_ent_status s);
void jr_enterprise_release(struct jr_enterprise *e);

/* Looks an enterprise up by name (ASCII case-insensitive). Returns 0 and
 * fills *e, 1 when absent (*e zeroed), -1 on error. */
int journal_get_enterprise(struct journal *j, const char *name,
			   struct jr_enterprise *e);
/* Inserts or replaces the record for e->name (e->updated_at is ignored:
 * the row gets now). Logged to the redo log when it is on. 0 or -1. */
int journal_put_enterprise(struct journal *j, const struct jr_enterprise *e);

/* Calls fn for every enterprise, in name order; a non-zero return from
 * fn stops the walk and is returned. -1 on a database error. */
int journal_each_enterprise(struct journal *j,
			    int (*fn)(const struct jr_enterprise *e,
				      void *arg),
			    void *arg);

/* Removes an enterprise and everything journaled for it. Returns 0, 1
 * when it was not there, -1 on error. */
int journal_forget_enterprise(struct journal *j, const char *name);

/* --- action URLs ----------------------------------------------------- */

enum jr_act_status {
	JR_ACT_PENDING, /* no URL yet */
	JR_ACT_ISSUED,  /* URL issued, no answer from the admin yet */
	JR_ACT_GRANTED, /* the admin granted it (or registered / logged in) */
	JR_ACT_ERROR,   /* the admin's attempt failed (detail says why) */
	JR_ACT_CONFIRMED, /* granted and confirmed with C2T */
};

struct jr_action {
	char *enterprise; /* enterprise name */
	char *action;     /* e.g. "GET_USER_SYNC_CONSENT" */
	enum jr_act_status status;
	char *url;        /* NULL until issued */
	int64_t issued_at; /* unix ms; 0 until issued */
	char *token_hash; /* hex SHA-256 of the callback token; NULL if none */
	char *detail;     /* the admin's message; NULL if none */
	int64_t updated_at;
};

const char *jr_act_status_name(enum jr_act_status s);
void jr_action_release(struct jr_action *a);

int journal_get_action(struct journal *j, const char *enterprise,
		       const char *action, struct jr_action *a);
/* Inserts or replaces an action; but an issued URL never replaces an
 * action the admin has answered (granted or confirmed): the answer stands.
 * updated_at becomes now. Logged to the redo log when it is on. 0 or -1. */
int journal_put_action(struct journal *j, const struct jr_action *a);
/* The same, but replaces an answered action too: a sign-in link issued
 * again after the admin used the last one. 0 or -1. */
int journal_put_action_over(struct journal *j, const struct jr_action *a);
/* Every action of one enterprise (NULL: of all), enterprise then action
 * order. */
int journal_each_action(struct journal *j, const char *enterprise,
			int (*fn)(const struct jr_action *a, void *arg),
			void *arg);
/* The action whose token hash is hash; 0, 1 when none, -1 on error. */
int journal_find_action_by_token(struct journal *j, const char *hash,
				 struct jr_action *a);

/* --- redo log ------------------------------------------------------- */

/*
 * A commit costs tens of microseconds of CPU; apply commits its outcomes
 * in batches instead, and between commits keeps them in the redo log
 * <state path>.redo: journal_put_enterprise and journal_put_action, inside
 * a transaction, append a record of the row they wrote to a buffer, and
 * journal_redo_sync writes the buffer with one write(). Once written, a
 * record survives kill -9 (it is in the OS page cache: the durability of
 * synchronous=NORMAL); a commit empties the file. The next holder of the
 * state lock replays what a killed run left (journal_redo_recover).
 *
 * While logging inside a transaction, a logged put is also deferred: it
 * runs, in order, just before the next other statement of this
 * connection (so every read sees it) or the commit, and goes with a
 * rollback; should it fail then, that statement or the commit fails.
 * A put outside a transaction commits by itself and is not logged.
 * Records are binary, checksummed, in the host's byte order; only this
 * code reads them. A replay never makes a row older than it is.
 */

/* Starts logging: opens (creating, mode 0600, O_APPEND|O_CLOEXEC) the file
 * <state path>.redo. From now on journal_put_action and
 * journal_put_enterprise also append a record of the row they wrote to an
 * in-memory buffer. Only the holder of the state lock (journal_lock) calls
 * it, after journal_redo_recover: a file that still holds records is an
 * error (the first commit would empty it). No-op when logging is on.
 * 0, or -1 with *err (caller frees) naming the file. */
int journal_redo_begin(struct journal *j, char **err);
/* Writes the buffered records to the redo file with one write() (looping on
 * a short write or EINTR), so that they survive a kill -9. 0 or -1 (errno
 * set; journal_errmsg then describes it); what was not written stays
 * buffered for the next call. No-op when nothing is buffered or logging
 * is off. */
int journal_redo_sync(struct journal *j);
/* Whether, since the last commit, a write went to the database that the
 * redo log does not cover (any non-read-only statement other than the
 * logged puts and journal_write: meta, forget...; those too while
 * logging is off): then only a commit makes it durable. Writes outside a
 * transaction commit by themselves and do not count; a commit or a
 * rollback clears it. */
bool journal_redo_uncovered(struct journal *j);
/* Stops logging: closes the file, and removes it when everything in it is
 * in the database (a commit came after the last record). Records not
 * written yet (no journal_redo_sync) are dropped. journal_close does this
 * too. */
void journal_redo_end(struct journal *j);
/* For the holder of the state lock, before anything else reads the state
 * and before journal_redo_begin (j opened JOURNAL_WRITE, no transaction
 * open): if <state path>.redo holds records (a run was killed), applies
 * every intact record in order in one transaction, commits, and removes
 * the file. A record is not applied over a row updated after it (an
 * action record also keeps an admin's answer, as journal_put_action
 * does). A torn or corrupt record (a crash mid-write, power loss) ends the
 * replay there without error; what follows it is dropped. No file, or an
 * empty one (removed), is 0 with nothing applied. *applied (may be NULL)
 * gets the number of intact records replayed (including those a newer
 * row made moot). 0, or -1 with *err (caller frees); then nothing was
 * applied and the file stays. */
int journal_redo_recover(struct journal *j, size_t *applied, char **err);

/* --- for the journal's other parts (journal_fusion.c, ...) ----------- */

struct sqlite3_stmt;
/* A prepared statement for sql, cached by the address of the literal;
 * NULL on error. Give it back with journal_stmt_done (which resets it). */
struct sqlite3_stmt *journal_stmt(struct journal *j, const char *sql);
void journal_stmt_done(struct journal *j, struct sqlite3_stmt *st);

/* A value for journal_write. */
enum { JR_VAL_NULL, JR_VAL_INT, JR_VAL_TEXT };
struct jr_val {
	int type;      /* JR_VAL_*; a JR_VAL_TEXT with s NULL binds NULL */
	int64_t i;     /* JR_VAL_INT */
	const char *s; /* JR_VAL_TEXT; copied */
};
#define JR_VALS_MAX 32

static inline struct jr_val jr_int(int64_t i)
{
	struct jr_val v = {JR_VAL_INT, i, NULL};
	return v;
}

static inline struct jr_val jr_text(const char *s)
{
	struct jr_val v = {JR_VAL_TEXT, 0, s};
	return v;
}

/*
 * Runs sql, a write that returns no rows, with v[0..n) (n <=
 * JR_VALS_MAX) bound to its parameters in order: 0, or -1 (journal_errmsg
 * says why). sql must be a string literal (or live as long as j): the
 * statement is cached by its address. While the redo log is on inside a
 * transaction, the write is logged with its values (it survives a kill
 * -9 once synced; a replay runs it again as it is) and deferred, as the
 * puts are.
 */
int journal_write(struct journal *j, const char *sql, const struct jr_val *v,
		  int n);

#endif
