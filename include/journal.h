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

/* Grouping several writes into one commit (apply batches completions). */
int journal_begin(struct journal *j);
int journal_commit(struct journal *j);
/* Abandons the open transaction (the callback receiver's refusals). */
int journal_rollback(struct journal *j);

/* The last SQLite error message of j (owned by j). */
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
/* Inserts or replaces the record for e->name. 0 or -1. */
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
 * action the admin has answered (granted or confirmed): the answer stands. */
int journal_put_action(struct journal *j, const struct jr_action *a);
/* Every action of one enterprise (NULL: of all), enterprise then action
 * order. */
int journal_each_action(struct journal *j, const char *enterprise,
			int (*fn)(const struct jr_action *a, void *arg),
			void *arg);
/* The action whose token hash is hash; 0, 1 when none, -1 on error. */
int journal_find_action_by_token(struct journal *j, const char *hash,
				 struct jr_action *a);

/* --- for the journal's other parts (journal_fusion.c, ...) ----------- */

struct sqlite3_stmt;
/* A prepared statement for sql, cached by the address of the literal;
 * NULL on error. Give it back with journal_stmt_done (which resets it). */
struct sqlite3_stmt *journal_stmt(struct journal *j, const char *sql);
void journal_stmt_done(struct journal *j, struct sqlite3_stmt *st);

#endif
