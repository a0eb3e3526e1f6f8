/*
 * journal_fusion: the journal's Fusion table (see journal_fusion.h).
 */
#include "journal_fusion.h"

#include <openssl/crypto.h>
#include <openssl/sha.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "util.h"

/* CREATE TABLE IF NOT EXISTS statements, run by journal_open. */
const char journal_schema_fusion[] =
	"CREATE TABLE IF NOT EXISTS fusion_wizards ("
	" tenant_key TEXT NOT NULL, subscription INTEGER NOT NULL,"
	" tenant TEXT NOT NULL, link_to INTEGER NOT NULL DEFAULT 0,"
	" enterprise TEXT, status INTEGER NOT NULL, transaction_id TEXT,"
	" steps_total INTEGER NOT NULL DEFAULT 0,"
	" steps_done INTEGER NOT NULL DEFAULT 0, steps_json TEXT,"
	" message TEXT, started_at INTEGER NOT NULL DEFAULT 0,"
	" updated_at INTEGER NOT NULL, draas_instance TEXT,"
	" application_id TEXT, secret_fp TEXT,"
	" PRIMARY KEY (tenant_key, subscription));";

const char *jr_wiz_status_name(enum jr_wiz_status s)
{
	static const char *const names[] = {"none", "starting", "running",
					    "done", "failed"};
	return (unsigned)s < 5 ? names[s] : "unknown";
}

void jr_wizard_release(struct jr_wizard *w)
{
	free(w->tenant);
	free(w->enterprise);
	free(w->transaction_id);
	free(w->steps_json);
	free(w->message);
	free(w->draas_instance);
	free(w->application_id);
	free(w->secret_fp);
	memset(w, 0, sizeof(*w));
}

void jr_secret_fingerprint(const char *secret, char out[JR_FP_SIZE])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[SHA256_DIGEST_LENGTH];
	int i;

	SHA256((const unsigned char *)secret, strlen(secret), md);
	for (i = 0; i < SHA256_DIGEST_LENGTH; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[64] = '\0';
	OPENSSL_cleanse(md, sizeof(md));
}

#define WIZ_COLS                                                           \
	"tenant, subscription, link_to, enterprise, status, transaction_id," \
	" steps_total, steps_done, steps_json, message, started_at,"         \
	" updated_at, draas_instance, application_id, secret_fp"

static char *col_text(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);
	return s ? xstrdup((const char *)s) : NULL;
}

static void bind_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s)
		sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

static void read_wizard(sqlite3_stmt *st, struct jr_wizard *w)
{
	w->tenant = col_text(st, 0);
	w->subscription = sqlite3_column_int64(st, 1);
	w->link_to = sqlite3_column_int64(st, 2);
	w->enterprise = col_text(st, 3);
	w->status = (enum jr_wiz_status)sqlite3_column_int(st, 4);
	w->transaction_id = col_text(st, 5);
	w->steps_total = sqlite3_column_int(st, 6);
	w->steps_done = sqlite3_column_int(st, 7);
	w->steps_json = col_text(st, 8);
	w->message = col_text(st, 9);
	w->started_at = sqlite3_column_int64(st, 10);
	w->updated_at = sqlite3_column_int64(st, 11);
	w->draas_instance = col_text(st, 12);
	w->application_id = col_text(st, 13);
	w->secret_fp = col_text(st, 14);
}

int journal_get_wizard(struct journal *j, const char *tenant,
		       int64_t subscription, struct jr_wizard *w)
{
	sqlite3_stmt *st = journal_stmt(
		j, "SELECT " WIZ_COLS " FROM fusion_wizards"
		   " WHERE tenant_key=lower(?) AND subscription=?");
	int rc;

	memset(w, 0, sizeof(*w));
	if (!st)
		return -1;
	bind_text(st, 1, tenant);
	sqlite3_bind_int64(st, 2, subscription);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		read_wizard(st, w);
	journal_stmt_done(j, st);
	return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? 1 : -1;
}

int journal_put_wizard(struct journal *j, const struct jr_wizard *w)
{
	static const char sql[] =
		"INSERT OR REPLACE INTO fusion_wizards(tenant_key, " WIZ_COLS
		") VALUES (lower(?),?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";
	struct jr_val v[16];

	v[0] = jr_text(w->tenant);
	v[1] = jr_text(w->tenant);
	v[2] = jr_int(w->subscription);
	v[3] = jr_int(w->link_to);
	v[4] = jr_text(w->enterprise);
	v[5] = jr_int((int)w->status);
	v[6] = jr_text(w->transaction_id);
	v[7] = jr_int(w->steps_total);
	v[8] = jr_int(w->steps_done);
	v[9] = jr_text(w->steps_json);
	v[10] = jr_text(w->message);
	v[11] = jr_int(w->started_at);
	v[12] = jr_int(clock_wall_ns() / TP_NS_PER_MS);
	v[13] = jr_text(w->draas_instance);
	v[14] = jr_text(w->application_id);
	v[15] = jr_text(w->secret_fp);
	return journal_write(j, sql, v, 16);
}

int journal_forget_wizard(struct journal *j, const char *tenant,
			  int64_t subscription)
{
	sqlite3_stmt *st = journal_stmt(
		j, "DELETE FROM fusion_wizards"
		   " WHERE tenant_key=lower(?) AND subscription=?");
	int rc, changed;

	if (!st)
		return -1;
	bind_text(st, 1, tenant);
	sqlite3_bind_int64(st, 2, subscription);
	rc = sqlite3_step(st);
	/* Asked before st goes back: it may be finalized then. */
	changed = sqlite3_changes(sqlite3_db_handle(st));
	journal_stmt_done(j, st);
	if (rc != SQLITE_DONE)
		return -1;
	return changed > 0 ? 0 : 1;
}

int journal_each_wizard(struct journal *j, const char *enterprise,
			int (*fn)(const struct jr_wizard *w, void *arg),
			void *arg)
{
	static const char all[] = "SELECT " WIZ_COLS " FROM fusion_wizards"
				  " ORDER BY tenant_key, subscription";
	static const char one[] = "SELECT " WIZ_COLS " FROM fusion_wizards"
				  " WHERE lower(enterprise)=lower(?)"
				  " ORDER BY tenant_key, subscription";
	sqlite3_stmt *st = journal_stmt(j, enterprise ? one : all);
	struct jr_wizard w;
	int rc, stop = 0;

	if (!st)
		return -1;
	if (enterprise)
		bind_text(st, 1, enterprise);
	while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		read_wizard(st, &w);
		stop = fn(&w, arg);
		jr_wizard_release(&w);
	}
	journal_stmt_done(j, st);
	if (stop)
		return stop;
	return rc == SQLITE_DONE ? 0 : -1;
}
