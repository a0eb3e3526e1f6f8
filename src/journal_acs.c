/*
 * journal_acs: the journal's ACS assignment table (see journal_acs.h).
 * Rows are keyed by the lower-cased GUIDs, as the manifests and ACS
 * compare them; the GUIDs are kept as written for display.
 */
#include "journal_acs.h"

#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "journal_int.h"
#include "util.h"

/* CREATE TABLE IF NOT EXISTS statements, run by journal_open. */
const char journal_schema_acs[] =
	"CREATE TABLE IF NOT EXISTS acs_assignments ("
	" tenant_key TEXT NOT NULL, object_key TEXT NOT NULL,"
	" tenant_id TEXT NOT NULL, object_id TEXT NOT NULL,"
	" principal_type TEXT NOT NULL, client_ids TEXT NOT NULL,"
	" present INTEGER NOT NULL, enterprise TEXT,"
	" status INTEGER NOT NULL, last_error TEXT,"
	" confirmed_at INTEGER NOT NULL DEFAULT 0,"
	" updated_at INTEGER NOT NULL,"
	" PRIMARY KEY (tenant_key, object_key));"
	"CREATE INDEX IF NOT EXISTS acs_enterprise ON"
	" acs_assignments(enterprise);";

#define COLS                                                                 \
	"tenant_id, object_id, principal_type, client_ids, present,"         \
	" enterprise, status, last_error, confirmed_at, updated_at"

const char *jr_acs_status_name(enum jr_acs_status s)
{
	static const char *const names[] = {"pending", "confirmed",
					    "absent_confirmed", "failed"};

	return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s]
								: "unknown";
}

void jr_acs_release(struct jr_acs *a)
{
	free(a->tenant_id);
	free(a->object_id);
	free(a->principal_type);
	free(a->client_ids);
	free(a->enterprise);
	free(a->last_error);
	memset(a, 0, sizeof(*a));
}

/* A state file written before this table existed, opened read-only (plan,
 * state show) has no assignments yet; JOURNAL_WRITE creates the table. */
static int no_table(struct journal *j)
{
	return strstr(journal_errmsg(j), "no such table: acs_assignments") !=
	       NULL;
}

static char *col(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);

	return s ? xstrdup((const char *)s) : NULL;
}

static void bind(sqlite3_stmt *st, int i, const char *s)
{
	if (s)
		sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

static void read_row(sqlite3_stmt *st, struct jr_acs *a)
{
	int s = sqlite3_column_int(st, 6);

	a->tenant_id = col(st, 0);
	a->object_id = col(st, 1);
	a->principal_type = col(st, 2);
	a->client_ids = col(st, 3);
	a->present = sqlite3_column_int(st, 4);
	a->enterprise = col(st, 5);
	a->status = s >= JR_ACS_PENDING && s <= JR_ACS_FAILED
			    ? (enum jr_acs_status)s
			    : JR_ACS_PENDING;
	a->last_error = col(st, 7);
	a->confirmed_at = sqlite3_column_int64(st, 8);
	a->updated_at = sqlite3_column_int64(st, 9);
}

int journal_get_acs(struct journal *j, const char *tenant_id,
		    const char *object_id, struct jr_acs *a)
{
	static const char sql[] = "SELECT " COLS " FROM acs_assignments"
				  " WHERE tenant_key=? AND object_key=?";
	sqlite3_stmt *st = journal_stmt(j, sql);
	char *tk = str_lower(xstrdup(tenant_id));
	char *ok = str_lower(xstrdup(object_id));
	int rc;

	memset(a, 0, sizeof(*a));
	if (!st) {
		free(tk);
		free(ok);
		return no_table(j) ? 1 : -1;
	}
	bind(st, 1, tk);
	bind(st, 2, ok);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		read_row(st, a);
	journal_stmt_done(j, st);
	free(tk);
	free(ok);
	return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? 1 : -1;
}

int journal_put_acs(struct journal *j, const struct jr_acs *a)
{
	static const char sql[] =
		"INSERT OR REPLACE INTO acs_assignments(tenant_key,"
		" object_key, " COLS ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?)";
	struct jr_val v[12];
	char *tk, *ok;
	int rc;

	if (!a->tenant_id || !a->object_id || !a->principal_type)
		return -1;
	tk = str_lower(xstrdup(a->tenant_id));
	ok = str_lower(xstrdup(a->object_id));
	v[0] = jr_text(tk);
	v[1] = jr_text(ok);
	v[2] = jr_text(a->tenant_id);
	v[3] = jr_text(a->object_id);
	v[4] = jr_text(a->principal_type);
	v[5] = jr_text(a->client_ids ? a->client_ids : "");
	v[6] = jr_int(a->present ? 1 : 0);
	v[7] = jr_text(a->enterprise);
	v[8] = jr_int((int)a->status);
	v[9] = jr_text(a->last_error);
	v[10] = jr_int(a->confirmed_at);
	v[11] = jr_int(a->updated_at ? a->updated_at
				     : clock_wall_ns() / TP_NS_PER_MS);
	rc = journal_write(j, sql, v, 12);
	free(tk);
	free(ok);
	return rc;
}

int journal_forget_acs(struct journal *j, const char *tenant_id,
		       const char *object_id)
{
	static const char sql[] = "DELETE FROM acs_assignments"
				  " WHERE tenant_key=? AND object_key=?";
	sqlite3_stmt *st = journal_stmt(j, sql);
	char *tk, *ok;
	int rc, changed;

	if (!st)
		return -1;
	tk = str_lower(xstrdup(tenant_id));
	ok = str_lower(xstrdup(object_id));
	bind(st, 1, tk);
	bind(st, 2, ok);
	rc = sqlite3_step(st);
	/* Asked before st goes back: it may be finalized then. */
	changed = sqlite3_changes(sqlite3_db_handle(st));
	journal_stmt_done(j, st);
	free(tk);
	free(ok);
	if (rc != SQLITE_DONE)
		return -1;
	return changed ? 0 : 1;
}

int journal_each_acs(struct journal *j, const char *enterprise,
		     int (*fn)(const struct jr_acs *a, void *arg), void *arg)
{
	static const char all[] = "SELECT " COLS " FROM acs_assignments"
				  " ORDER BY tenant_key, object_key";
	static const char one[] = "SELECT " COLS " FROM acs_assignments"
				  " WHERE lower(enterprise)=lower(?)"
				  " ORDER BY tenant_key, object_key";
	sqlite3_stmt *st = journal_stmt(j, enterprise ? one : all);
	struct jr_acs a;
	int rc, stop = 0;

	if (!st)
		return no_table(j) ? 0 : -1;
	if (enterprise)
		bind(st, 1, enterprise);
	while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		read_row(st, &a);
		stop = fn(&a, arg);
		jr_acs_release(&a);
	}
	journal_stmt_done(j, st);
	if (stop)
		return stop;
	return rc == SQLITE_DONE ? 0 : -1;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

char *jr_acs_client_list(char *const *ids, size_t n)
{
	char **v = n ? xcalloc(n, sizeof(*v)) : NULL;
	struct buf b;
	size_t i;

	buf_init(&b);
	for (i = 0; i < n; i++)
		v[i] = str_lower(xstrdup(ids[i]));
	if (n)
		qsort(v, n, sizeof(*v), cmp_str);
	for (i = 0; i < n; i++) {
		if (i > 0 && strcmp(v[i], v[i - 1]) == 0)
			continue;
		if (b.len)
			buf_addc(&b, ';');
		buf_adds(&b, v[i]);
	}
	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
	return buf_detach(&b);
}
