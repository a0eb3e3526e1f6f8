/*
 * Unit tests: the journal's redo log (journal_redo_*): what a killed run
 * wrote between commits comes back, a torn or corrupt tail ends the
 * replay quietly, a replay never makes a row older.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "clock.h"
#include "journal.h"
#include "journal_acs.h"
#include "journal_fusion.h"
#include "util.h"

static char dir[64];
static char *path, *redo;

static int setup(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/tp-jredo.XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	path = xasprintf("%s/state.db", dir);
	redo = xasprintf("%s.redo", path);
	return 0;
}

static int teardown(void **state)
{
	char *cmd = xasprintf("rm -rf '%s'", dir);
	int rc = system(cmd);

	(void)state;
	free(cmd);
	free(path);
	free(redo);
	return rc;
}

/* Each test starts from no state file at all. */
static int fresh(void **state)
{
	char *cmd = xasprintf("rm -f '%s'/state.db*", dir);
	int rc = system(cmd);

	(void)state;
	free(cmd);
	return rc;
}

/* The size of file p, -1 when there is none. */
static off_t fsize(const char *p)
{
	struct stat sb;

	return stat(p, &sb) == 0 ? sb.st_size : -1;
}

static struct journal *open_as(enum journal_mode mode)
{
	struct journal *j;
	char *err = NULL;

	assert_int_equal(journal_open(path, mode, &j, &err), 0);
	assert_null(err);
	return j;
}

static struct journal *open_w(void)
{
	return open_as(JOURNAL_WRITE);
}

static void redo_on(struct journal *j)
{
	char *err = NULL;

	assert_int_equal(journal_redo_begin(j, &err), 0);
	assert_null(err);
}

static size_t recover(struct journal *j)
{
	size_t applied = 12345;
	char *err = NULL;

	assert_int_equal(journal_redo_recover(j, &applied, &err), 0);
	assert_null(err);
	return applied;
}

static struct jr_enterprise ent(const char *name)
{
	struct jr_enterprise e = {0};

	e.name = (char *)name;
	e.status = JR_ENT_CREATED;
	e.id = INT64_C(5000000123);
	e.idem_key = "idem-1";
	e.sent = 3;
	e.ambiguous = 1;
	e.last_error = NULL;
	e.registered = 1;
	e.tenant_id = "27b418d0-b197-483d-a0b8-da90407a92c4";
	e.admin_id = "";
	e.tenant_admin_api = -1;
	return e;
}

static struct jr_action act(const char *enterprise, const char *action,
			    enum jr_act_status status, const char *url)
{
	struct jr_action a = {0};

	a.enterprise = (char *)enterprise;
	a.action = (char *)action;
	a.status = status;
	a.url = (char *)url;
	a.issued_at = 1234;
	a.token_hash = url ? "abcd" : NULL;
	a.detail = status == JR_ACT_ERROR ? "denied" : NULL;
	return a;
}

static void assert_str_eq(const char *a, const char *b)
{
	if (!a || !b)
		assert_ptr_equal(a, b);
	else
		assert_string_equal(a, b);
}

static void assert_ent_eq(const struct jr_enterprise *a,
			  const struct jr_enterprise *b)
{
	assert_str_eq(a->name, b->name);
	assert_int_equal(a->status, b->status);
	assert_true(a->id == b->id);
	assert_str_eq(a->idem_key, b->idem_key);
	assert_int_equal(a->sent, b->sent);
	assert_int_equal(a->ambiguous, b->ambiguous);
	assert_str_eq(a->last_error, b->last_error);
	assert_int_equal(a->registered, b->registered);
	assert_str_eq(a->tenant_id, b->tenant_id);
	assert_str_eq(a->admin_id, b->admin_id);
	assert_int_equal(a->tenant_admin_api, b->tenant_admin_api);
	assert_true(a->updated_at == b->updated_at);
}

static void assert_act_eq(const struct jr_action *a, const struct jr_action *b)
{
	assert_str_eq(a->enterprise, b->enterprise);
	assert_str_eq(a->action, b->action);
	assert_int_equal(a->status, b->status);
	assert_str_eq(a->url, b->url);
	assert_true(a->issued_at == b->issued_at);
	assert_str_eq(a->token_hash, b->token_hash);
	assert_str_eq(a->detail, b->detail);
	assert_true(a->updated_at == b->updated_at);
}

/* j holds action (of enterprise ent) in status st, with url unless NULL. */
static void assert_action(struct journal *j, const char *ent,
			  const char *action, enum jr_act_status st,
			  const char *url)
{
	struct jr_action got;

	assert_int_equal(journal_get_action(j, ent, action, &got), 0);
	assert_int_equal(got.status, st);
	if (url)
		assert_string_equal(got.url, url);
	jr_action_release(&got);
}

/*
 * Leaves a redo file of n enterprise records "ent-0".."ent-<n-1>" as a run
 * killed before its commit would: the transaction is never committed.
 * ends[i] gets the file size after record i.
 */
static void leave_log(int n, off_t *ends)
{
	struct journal *j = open_w();
	int i;

	redo_on(j);
	assert_int_equal(journal_begin(j), 0);
	for (i = 0; i < n; i++) {
		char name[16];
		struct jr_enterprise e;

		snprintf(name, sizeof(name), "ent-%d", i);
		e = ent(name);
		assert_int_equal(journal_put_enterprise(j, &e), 0);
		assert_int_equal(journal_redo_sync(j), 0);
		ends[i] = fsize(redo);
	}
	/* Closing with the transaction open rolls it back: only the redo
	 * file knows the rows now, and it stays (nothing was committed). */
	journal_close(j);
	assert_true(fsize(redo) == ends[n - 1]);
}

/* Awaits the next millisecond of the wall clock, so that updated_at
 * moves on. */
static void next_ms(void)
{
	int64_t ms = clock_wall_ns() / TP_NS_PER_MS;

	while (clock_wall_ns() / TP_NS_PER_MS == ms)
		usleep(100);
}

static int present(struct journal *j, const char *name)
{
	struct jr_enterprise e;
	int rc = journal_get_enterprise(j, name, &e);

	jr_enterprise_release(&e);
	return rc == 0;
}

/* A child killed with SIGKILL after its sync: its rows come back, field
 * for field, updated_at included. */
static void test_round_trip_kill(void **state)
{
	struct jr_enterprise snap_e, got_e;
	struct jr_action snap_a[2], got_a;
	int fds[2], status;
	struct journal *j;
	pid_t pid;

	(void)state;
	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct jr_enterprise e = ent("Acme Corp"), g;
		struct jr_action a1 = act("Acme Corp", "REGISTRATION",
					  JR_ACT_ISSUED, "https://x.test/1"),
				 a2 = act("acme corp", "GET_CDR_CONSENT",
					  JR_ACT_ERROR, NULL);
		struct jr_action ga;
		int64_t at[3];
		char *err;

		close(fds[0]);
		if (journal_open(path, JOURNAL_WRITE, &j, &err) < 0 ||
		    journal_redo_begin(j, &err) < 0 || journal_begin(j) < 0 ||
		    journal_put_enterprise(j, &e) < 0 ||
		    journal_put_action(j, &a1) < 0 ||
		    journal_put_action(j, &a2) < 0 ||
		    journal_redo_sync(j) < 0)
			_exit(1);
		/* What the rows look like inside the transaction. */
		if (journal_get_enterprise(j, "Acme Corp", &g) != 0)
			_exit(1);
		at[0] = g.updated_at;
		if (journal_get_action(j, "Acme Corp", "REGISTRATION", &ga))
			_exit(1);
		at[1] = ga.updated_at;
		if (journal_get_action(j, "Acme Corp", "GET_CDR_CONSENT", &ga))
			_exit(1);
		at[2] = ga.updated_at;
		if (write(fds[1], at, sizeof(at)) != (ssize_t)sizeof(at))
			_exit(1);
		for (;;)
			pause(); /* until the kill */
	}
	close(fds[1]);
	{
		int64_t at[3];

		assert_int_equal(read(fds[0], at, sizeof(at)), sizeof(at));
		close(fds[0]);
		assert_int_equal(kill(pid, SIGKILL), 0);
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(WIFSIGNALED(status));
		snap_e = ent("Acme Corp");
		snap_e.updated_at = at[0];
		snap_a[0] = act("Acme Corp", "REGISTRATION", JR_ACT_ISSUED,
				"https://x.test/1");
		snap_a[0].updated_at = at[1];
		snap_a[1] = act("acme corp", "GET_CDR_CONSENT", JR_ACT_ERROR,
				NULL);
		snap_a[1].updated_at = at[2];
		assert_true(at[0] > 0 && at[1] >= at[0] && at[2] >= at[1]);
	}
	assert_true(fsize(redo) > 0);

	j = open_w();
	assert_int_equal(journal_get_enterprise(j, "Acme Corp", &got_e), 1);
	assert_int_equal(recover(j), 3);
	assert_true(fsize(redo) == -1);
	assert_int_equal(journal_get_enterprise(j, "ACME CORP", &got_e), 0);
	assert_ent_eq(&got_e, &snap_e);
	jr_enterprise_release(&got_e);
	assert_int_equal(
		journal_get_action(j, "acme corp", "REGISTRATION", &got_a), 0);
	assert_act_eq(&got_a, &snap_a[0]);
	jr_action_release(&got_a);
	assert_int_equal(journal_get_action(j, "acme corp", "GET_CDR_CONSENT",
					    &got_a),
			 0);
	assert_act_eq(&got_a, &snap_a[1]);
	jr_action_release(&got_a);
	/* A second recovery finds nothing. */
	assert_int_equal(recover(j), 0);
	journal_close(j);
}

/* The same in one process, with the connection closed uncommitted; and
 * the replay is committed (it is there after a reopen). */
static void test_round_trip_close(void **state)
{
	struct jr_enterprise e = ent("beta"), snap, got;
	struct jr_action a = act("beta", "REGISTRATION", JR_ACT_GRANTED,
				 "https://x.test/b"),
			 snap_a, got_a;
	struct journal *j = open_w();

	(void)state;
	e.last_error = "timeout";
	e.admin_id = NULL;
	e.tenant_id = NULL;
	e.idem_key = NULL;
	redo_on(j);
	assert_int_equal(journal_begin(j), 0);
	assert_int_equal(journal_put_enterprise(j, &e), 0);
	assert_int_equal(journal_put_action(j, &a), 0);
	assert_int_equal(journal_get_enterprise(j, "beta", &snap), 0);
	assert_int_equal(journal_get_action(j, "beta", "REGISTRATION", &snap_a),
			 0);
	assert_int_equal(journal_redo_sync(j), 0);
	assert_false(journal_redo_uncovered(j));
	journal_close(j);

	j = open_w();
	assert_int_equal(recover(j), 2);
	journal_close(j);
	j = open_w();
	assert_int_equal(journal_get_enterprise(j, "beta", &got), 0);
	assert_ent_eq(&got, &snap);
	assert_int_equal(journal_get_action(j, "beta", "REGISTRATION", &got_a),
			 0);
	assert_act_eq(&got_a, &snap_a);
	jr_enterprise_release(&got);
	jr_enterprise_release(&snap);
	jr_action_release(&got_a);
	jr_action_release(&snap_a);
	journal_close(j);
}

/* A commit empties the file; the next record starts it again at 0; the
 * end of logging removes it once all is committed. */
static void test_commit_truncates(void **state)
{
	struct jr_enterprise e = ent("gamma");
	struct journal *j = open_w();
	off_t one;

	struct stat sb;

	(void)state;
	redo_on(j);
	assert_true(fsize(redo) == 0);
	assert_int_equal(stat(redo, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600); /* it holds URLs */
	assert_int_equal(journal_begin(j), 0);
	assert_int_equal(journal_put_enterprise(j, &e), 0);
	assert_true(fsize(redo) == 0); /* buffered only */
	assert_int_equal(journal_redo_sync(j), 0);
	one = fsize(redo);
	assert_true(one > 0);
	assert_int_equal(journal_redo_sync(j), 0); /* nothing new */
	assert_true(fsize(redo) == one);
	assert_int_equal(journal_put_enterprise(j, &e), 0);
	assert_int_equal(journal_redo_sync(j), 0);
	assert_true(fsize(redo) == 2 * one);
	assert_int_equal(journal_commit(j), 0);
	assert_true(fsize(redo) == 0);

	assert_int_equal(journal_begin(j), 0);
	assert_int_equal(journal_put_enterprise(j, &e), 0);
	assert_int_equal(journal_redo_sync(j), 0);
	assert_true(fsize(redo) == one);
	assert_int_equal(journal_commit(j), 0);
	/* A put outside a transaction commits by itself: no record. */
	assert_int_equal(journal_put_enterprise(j, &e), 0);
	assert_int_equal(journal_redo_sync(j), 0);
	assert_true(fsize(redo) == 0);
	journal_redo_end(j);
	assert_true(fsize(redo) == -1);
	journal_redo_end(j); /* logging is off: nothing to do */
	assert_int_equal(journal_redo_sync(j), 0);
	journal_close(j);
}

/* A rollback drops the records not written yet; the puts whose records
 * were written are put back (the next commit would empty the file). */
static void test_rollback(void **state)
{
	struct jr_enterprise e1 = ent("one"), e2 = ent("two"), e3 = ent("3");
	struct jr_enterprise got;
	struct journal *j = open_w();
	int64_t at;

	(void)state;
	redo_on(j);
	assert_int_equal(journal_begin(j), 0);
	assert_int_equal(journal_put_enterprise(j, &e1), 0);
	assert_int_equal(journal_get_enterprise(j, "one", &got), 0);
	at = got.updated_at;
	jr_enterprise_release(&got);
	assert_int_equal(journal_redo_sync(j), 0);
	assert_true(fsize(redo) > 0);
	assert_int_equal(journal_put_enterprise(j, &e2), 0);
	next_ms();
	assert_int_equal(journal_rollback(j), 0);
	assert_true(fsize(redo) == 0);
	assert_int_equal(journal_get_enterprise(j, "one", &got), 0);
	assert_true(got.updated_at == at);
	jr_enterprise_release(&got);
	assert_false(present(j, "two"));
	/* Nothing pending: the next sync writes nothing. */
	assert_int_equal(journal_redo_sync(j), 0);
	assert_true(fsize(redo) == 0);

	/* A rollback with nothing written leaves the database alone. */
	assert_int_equal(journal_begin(j), 0);
	assert_int_equal(journal_put_enterprise(j, &e3), 0);
	assert_int_equal(journal_rollback(j), 0);
	assert_false(present(j, "3"));
	journal_redo_end(j);
	assert_true(fsize(redo) == -1);
	journal_close(j);
}

static void truncate_to(off_t size)
{
	assert_int_equal(truncate(redo, size), 0);
}

/* A record cut short (the crash came mid-write) ends the replay quietly:
 * the records before it are applied. */
static void test_torn_tail(void **state)
{
	struct journal *j;
	off_t ends[3];

	(void)state;
	leave_log(3, ends);
	truncate_to(ends[2] - 3);
	j = open_w();
	assert_int_equal(recover(j), 2);
	assert_true(present(j, "ent-0"));
	assert_true(present(j, "ent-1"));
	assert_false(present(j, "ent-2"));
	assert_true(fsize(redo) == -1);
	journal_close(j);

	/* Cut inside the header of the next record. */
	fresh(state);
	leave_log(2, ends);
	truncate_to(ends[0] + 5);
	j = open_w();
	assert_int_equal(recover(j), 1);
	assert_true(present(j, "ent-0"));
	assert_false(present(j, "ent-1"));
	journal_close(j);
}

static void append_bytes(const void *data, size_t n)
{
	int fd = open(redo, O_WRONLY | O_APPEND);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, n), (ssize_t)n);
	close(fd);
}

/* Garbage after the last record: every record is applied, no error. */
static void test_garbage_tail(void **state)
{
	static const char junk[] = "\x00\x01garbage after the records, or a "
				   "header claiming a huge record: TPR1";
	unsigned char huge[8] = {'T', 'P', 'R', '1', 0xff, 0xff, 0xff, 0x7f};
	struct journal *j;
	off_t ends[2];

	(void)state;
	leave_log(2, ends);
	append_bytes(junk, sizeof(junk));
	j = open_w();
	assert_int_equal(recover(j), 2);
	assert_true(present(j, "ent-1"));
	journal_close(j);

	fresh(state);
	leave_log(2, ends);
	append_bytes(huge, sizeof(huge));
	append_bytes(junk, sizeof(junk));
	j = open_w();
	assert_int_equal(recover(j), 2);
	journal_close(j);
}

static void flip_byte(off_t at)
{
	unsigned char c;
	int fd = open(redo, O_RDWR);

	assert_true(fd >= 0);
	assert_int_equal(pread(fd, &c, 1, at), 1);
	c ^= 0x20;
	assert_int_equal(pwrite(fd, &c, 1, at), 1);
	close(fd);
}

/* A record whose sum does not match stops the replay there, even with
 * intact records after it; so does a bad magic. */
static void test_corrupt_middle(void **state)
{
	struct journal *j;
	off_t ends[3];

	(void)state;
	leave_log(3, ends);
	flip_byte(ends[0] + 20); /* in the second record's payload */
	j = open_w();
	assert_int_equal(recover(j), 1);
	assert_true(present(j, "ent-0"));
	assert_false(present(j, "ent-1"));
	assert_false(present(j, "ent-2"));
	assert_true(fsize(redo) == -1);
	journal_close(j);

	fresh(state);
	leave_log(3, ends);
	flip_byte(ends[1] - 1); /* the second record's sum */
	j = open_w();
	assert_int_equal(recover(j), 1);
	journal_close(j);

	fresh(state);
	leave_log(3, ends);
	flip_byte(0); /* the first magic */
	j = open_w();
	assert_int_equal(recover(j), 0);
	assert_false(present(j, "ent-0"));
	journal_close(j);
}

/* A replay never makes a row older, nor downgrades an answered action. */
struct found {
	int wizards, acs;
	int steps_done;
	char *json;
};

static int count_wizard(const struct jr_wizard *w, void *arg)
{
	struct found *f = arg;

	f->wizards++;
	f->steps_done = w->steps_done;
	free(f->json);
	f->json = w->steps_json ? xstrdup(w->steps_json) : NULL;
	return 0;
}

static int count_acs(const struct jr_acs *a, void *arg)
{
	struct found *f = arg;

	(void)a;
	f->acs++;
	return 0;
}

/* Wizard and ACS rows written through journal_write come back from the
 * redo log after a kill, values and all (NULLs too); before that, the
 * writer reads them back at once. */
static void test_sql_records(void **state)
{
	struct jr_wizard w = {0};
	struct jr_acs s = {0};
	struct journal *j = open_w();
	struct found f = {0, 0, 0, NULL};

	(void)state;
	w.tenant = "27b418d0-b197-483d-a0b8-da90407a92c4";
	w.subscription = 9;
	w.status = JR_WIZ_RUNNING;
	w.steps_total = 6;
	w.steps_done = 4;
	w.steps_json = "[{\"name\":\"it's \\\"quoted\\\"\"}]";
	s.tenant_id = "27b418d0-b197-483d-a0b8-da90407a92c4";
	s.object_id = "0c5ee63a-3f5e-4a4d-9c8e-3b8f0d9f2a11";
	s.principal_type = "user";
	s.client_ids = "";
	s.present = 1;
	s.status = JR_ACS_CONFIRMED;
	redo_on(j);
	assert_int_equal(journal_begin(j), 0);
	assert_int_equal(journal_put_wizard(j, &w), 0);
	assert_int_equal(journal_put_acs(j, &s), 0);
	assert_int_equal(journal_each_wizard(j, NULL, count_wizard, &f), 0);
	assert_int_equal(f.wizards, 1);
	free(f.json);
	memset(&f, 0, sizeof(f));
	assert_int_equal(journal_redo_sync(j), 0);
	journal_close(j); /* no commit: as if killed */

	j = open_w();
	assert_int_equal(recover(j), 2);
	assert_int_equal(journal_each_wizard(j, NULL, count_wizard, &f), 0);
	assert_int_equal(journal_each_acs(j, NULL, count_acs, &f), 0);
	assert_int_equal(f.wizards, 1);
	assert_int_equal(f.acs, 1);
	assert_int_equal(f.steps_done, 4);
	assert_string_equal(f.json, w.steps_json);
	free(f.json);
	journal_close(j);
}

/* A sign-in link issued again replaces the used one, live and when its
 * record is replayed after a kill. */
/* journal_write refuses more values than a deferred write could bind,
 * and its JR_VAL_NULL and NULL texts come back from a replay as NULL. */
static void test_write_values(void **state)
{
	static const char sql[] = "INSERT OR REPLACE INTO meta(key, value)"
				  " VALUES (?, coalesce(?, 'was null'))";
	struct jr_val v[JR_VALS_MAX + 1];
	struct journal *j = open_w();
	char *got = NULL;
	int i;

	(void)state;
	for (i = 0; i <= JR_VALS_MAX; i++)
		v[i] = jr_int(i);
	assert_int_equal(journal_write(j, sql, v, JR_VALS_MAX + 1), -1);
	assert_non_null(strstr(journal_errmsg(j), "values"));
	redo_on(j);
	assert_int_equal(journal_begin(j), 0);
	v[0] = jr_text("k1");
	v[1].type = JR_VAL_NULL;
	assert_int_equal(journal_write(j, sql, v, 2), 0);
	v[0] = jr_text("k2");
	v[1] = jr_text(NULL);
	assert_int_equal(journal_write(j, sql, v, 2), 0);
	assert_int_equal(journal_redo_sync(j), 0);
	journal_close(j); /* no commit: as if killed */

	j = open_w();
	assert_int_equal(recover(j), 2);
	assert_int_equal(journal_meta_get(j, "k1", &got), 0);
	assert_string_equal(got, "was null");
	free(got);
	assert_int_equal(journal_meta_get(j, "k2", &got), 0);
	assert_string_equal(got, "was null");
	free(got);
	journal_close(j);
}

static void test_put_over(void **state)
{
	static const char login[] = "LOGIN_ENTERPRISE_ADMIN";
	struct jr_action a = act("eps", login, JR_ACT_GRANTED,
				 "https://x.test/used");
	struct journal *j = open_w();

	(void)state;
	assert_int_equal(journal_put_action(j, &a), 0);
	next_ms();
	/* The plain put keeps the answer; the "over" one replaces it. */
	a = act("eps", login, JR_ACT_ISSUED, "https://x.test/new1");
	assert_int_equal(journal_put_action(j, &a), 0);
	assert_action(j, "eps", login, JR_ACT_GRANTED, NULL);
	assert_int_equal(journal_put_action_over(j, &a), 0);
	assert_action(j, "eps", login, JR_ACT_ISSUED, "https://x.test/new1");

	/* Granted again, committed; then a re-issue that only the redo
	 * log holds when the run dies. */
	a = act("eps", login, JR_ACT_GRANTED, "https://x.test/new1");
	assert_int_equal(journal_put_action(j, &a), 0);
	next_ms();
	redo_on(j);
	assert_int_equal(journal_begin(j), 0);
	a = act("eps", login, JR_ACT_ISSUED, "https://x.test/new2");
	assert_int_equal(journal_put_action_over(j, &a), 0);
	assert_int_equal(journal_redo_sync(j), 0);
	journal_close(j); /* no commit: as if killed */

	j = open_w();
	assert_action(j, "eps", login, JR_ACT_GRANTED, NULL);
	assert_int_equal(recover(j), 1);
	assert_action(j, "eps", login, JR_ACT_ISSUED, "https://x.test/new2");
	journal_close(j);
}

/*
 * While logging, puts run only when something else reads or writes, or
 * at the commit (deferred puts): the writer still reads its own puts in
 * order, another connection sees them only once committed, and an
 * answer still outlives a URL issued after it.
 */
static void test_deferred_puts(void **state)
{
	struct jr_enterprise e = ent("lazy"), got_e;
	struct jr_action a, got;
	struct journal *j = open_w(), *r;
	/* Issued, granted, issued again (the answer stands), another. */
	static const struct {
		const char *action;
		enum jr_act_status status;
		const char *url;
	} seq[] = {
		{"REGISTRATION", JR_ACT_ISSUED, "https://x.test/1"},
		{"REGISTRATION", JR_ACT_GRANTED, "https://x.test/1"},
		{"REGISTRATION", JR_ACT_ISSUED, "https://x.test/2"},
		{"CONSENT", JR_ACT_ISSUED, "https://x.test/3"},
	};
	size_t i;

	(void)state;
	redo_on(j);
	assert_int_equal(journal_begin(j), 0);
	assert_int_equal(journal_put_enterprise(j, &e), 0);
	for (i = 0; i < sizeof(seq) / sizeof(seq[0]); i++) {
		a = act("lazy", seq[i].action, seq[i].status, seq[i].url);
		assert_int_equal(journal_put_action(j, &a), 0);
	}
	assert_int_equal(journal_redo_sync(j), 0);

	r = open_as(JOURNAL_READ); /* another connection */
	assert_false(present(r, "lazy"));
	assert_action(j, "lazy", "REGISTRATION", JR_ACT_GRANTED,
		      "https://x.test/1");
	assert_int_equal(journal_get_enterprise(j, "lazy", &got_e), 0);
	assert_true(got_e.id == e.id);
	jr_enterprise_release(&got_e);
	assert_false(present(r, "lazy"));

	/* Queued again after the read; the commit runs them. */
	e.status = JR_ENT_FAILED;
	assert_int_equal(journal_put_enterprise(j, &e), 0);
	assert_int_equal(journal_commit(j), 0);
	assert_int_equal(journal_get_enterprise(r, "lazy", &got_e), 0);
	assert_int_equal(got_e.status, JR_ENT_FAILED);
	jr_enterprise_release(&got_e);
	assert_int_equal(journal_get_action(r, "lazy", "CONSENT", &got), 0);
	assert_string_equal(got.url, "https://x.test/3");
	jr_action_release(&got);
	journal_close(r);
	journal_redo_end(j);
	assert_true(fsize(redo) == -1);
	journal_close(j);
}

static void test_never_older(void **state)
{
	struct jr_enterprise e = ent("delta"), got;
	struct jr_action a = act("delta", "REGISTRATION", JR_ACT_GRANTED,
				 "https://x.test/granted"),
			 got_a;
	struct journal *j = open_w();

	(void)state;
	/* Committed before the logged run: a granted REGISTRATION. */
	assert_int_equal(journal_put_action(j, &a), 0);
	next_ms();
	redo_on(j);
	assert_int_equal(journal_begin(j), 0);
	e.status = JR_ENT_PENDING;
	assert_int_equal(journal_put_enterprise(j, &e), 0);
	/* A re-issued URL, logged but kept out by the rule... */
	a = act("delta", "REGISTRATION", JR_ACT_ISSUED, "https://x.test/new");
	assert_int_equal(journal_put_action(j, &a), 0);
	/* ...and an issued URL that a later answer will supersede. */
	a = act("delta", "GET_CDR_CONSENT", JR_ACT_ISSUED, "https://x.test/c");
	assert_int_equal(journal_put_action(j, &a), 0);
	assert_int_equal(journal_redo_sync(j), 0);
	journal_close(j);

	/* Meanwhile (the receiver, say) newer rows were committed. */
	next_ms();
	j = open_w();
	e.status = JR_ENT_CREATED;
	e.id = 77;
	assert_int_equal(journal_put_enterprise(j, &e), 0);
	a = act("delta", "GET_CDR_CONSENT", JR_ACT_GRANTED, "https://x.test/c");
	assert_int_equal(journal_put_action(j, &a), 0);

	assert_int_equal(recover(j), 3);
	assert_int_equal(journal_get_enterprise(j, "delta", &got), 0);
	assert_int_equal(got.status, JR_ENT_CREATED);
	assert_true(got.id == 77);
	jr_enterprise_release(&got);
	assert_int_equal(journal_get_action(j, "delta", "REGISTRATION", &got_a),
			 0);
	assert_int_equal(got_a.status, JR_ACT_GRANTED);
	assert_string_equal(got_a.url, "https://x.test/granted");
	jr_action_release(&got_a);
	assert_int_equal(
		journal_get_action(j, "delta", "GET_CDR_CONSENT", &got_a), 0);
	assert_int_equal(got_a.status, JR_ACT_GRANTED);
	jr_action_release(&got_a);
	journal_close(j);
}

/* Writes the redo log does not cover set the flag; the logged puts do
 * not; a commit or a rollback clears it. */
static void test_uncovered(void **state)
{
	struct jr_enterprise e = ent("eps");
	struct jr_action a = act("eps", "REGISTRATION", JR_ACT_ISSUED, "u");
	struct jr_wizard w = {0};
	struct jr_acs s = {0};
	struct journal *j = open_w();
	char *v;

	(void)state;
	w.tenant = "27b418d0-b197-483d-a0b8-da90407a92c4";
	w.subscription = 9;
	w.status = JR_WIZ_RUNNING;
	s.tenant_id = "27b418d0-b197-483d-a0b8-da90407a92c4";
	s.object_id = "0c5ee63a-3f5e-4a4d-9c8e-3b8f0d9f2a11";
	s.principal_type = "user";
	s.client_ids = "";
	s.present = 1;

	/* Logging off: a put in a transaction is not covered. */
	assert_int_equal(journal_begin(j), 0);
	assert_false(journal_redo_uncovered(j));
	assert_int_equal(journal_put_enterprise(j, &e), 0);
	assert_true(journal_redo_uncovered(j));
	assert_int_equal(journal_commit(j), 0);
	assert_false(journal_redo_uncovered(j));

	redo_on(j);
	assert_int_equal(journal_begin(j), 0);
	assert_int_equal(journal_put_enterprise(j, &e), 0);
	assert_int_equal(journal_put_action(j, &a), 0);
	assert_int_equal(journal_meta_get(j, "schema", &v), 0); /* a read */
	free(v);
	assert_false(journal_redo_uncovered(j));
	/* Wizard and ACS rows are logged with their values (journal_write). */
	assert_int_equal(journal_put_wizard(j, &w), 0);
	assert_int_equal(journal_put_acs(j, &s), 0);
	assert_false(journal_redo_uncovered(j));
	assert_int_equal(journal_forget_wizard(j, w.tenant, 9), 0);
	assert_true(journal_redo_uncovered(j));
	assert_int_equal(journal_put_enterprise(j, &e), 0);
	assert_true(journal_redo_uncovered(j)); /* a put leaves it set */
	assert_int_equal(journal_commit(j), 0);
	assert_false(journal_redo_uncovered(j));

	assert_int_equal(journal_begin(j), 0);
	assert_int_equal(journal_forget_acs(j, s.tenant_id, s.object_id), 0);
	assert_true(journal_redo_uncovered(j));
	assert_int_equal(journal_rollback(j), 0);
	assert_false(journal_redo_uncovered(j));

	assert_int_equal(journal_begin(j), 0);
	assert_int_equal(journal_meta_set(j, "k", "v"), 0);
	assert_true(journal_redo_uncovered(j));
	assert_int_equal(journal_commit(j), 0);
	assert_false(journal_redo_uncovered(j));

	/* Outside a transaction a write commits by itself. */
	assert_int_equal(journal_meta_set(j, "k", "w"), 0);
	assert_true(journal_forget_wizard(j, w.tenant, 9) >= 0);
	assert_false(journal_redo_uncovered(j));
	journal_redo_end(j);
	journal_close(j);
}

/* A record over the size limit is not logged: the put stands, and only
 * a commit keeps it (uncovered). */
static void test_oversized(void **state)
{
	size_t n = ((size_t)1 << 20) + 16;
	char *big = xmalloc(n + 1);
	struct jr_action a;
	struct jr_action got;
	struct journal *j = open_w();

	(void)state;
	memset(big, 'u', n);
	big[n] = '\0';
	a = act("zeta", "REGISTRATION", JR_ACT_ISSUED, big);
	redo_on(j);
	assert_int_equal(journal_begin(j), 0);
	assert_int_equal(journal_put_action(j, &a), 0);
	assert_true(journal_redo_uncovered(j));
	assert_int_equal(journal_redo_sync(j), 0);
	assert_true(fsize(redo) == 0);
	assert_int_equal(journal_commit(j), 0);
	assert_int_equal(journal_get_action(j, "zeta", "REGISTRATION", &got),
			 0);
	assert_int_equal(strlen(got.url), n);
	jr_action_release(&got);
	journal_close(j);
	assert_true(fsize(redo) == -1);
	free(big);
}

/* No file: nothing to do; an empty one is removed. */
static void test_recover_nothing(void **state)
{
	struct journal *j = open_w();
	char *err = NULL;
	int fd;

	(void)state;
	assert_true(fsize(redo) == -1);
	assert_int_equal(recover(j), 0);
	assert_int_equal(journal_redo_recover(j, NULL, &err), 0);
	fd = open(redo, O_WRONLY | O_CREAT, 0600);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(recover(j), 0);
	assert_true(fsize(redo) == -1);
	journal_close(j);
}

/* Logging cannot start over records not replayed yet (the first commit
 * would empty the file), and a recovery cannot run while logging. */
static void test_begin_refuses_unreplayed(void **state)
{
	struct journal *j;
	char *err = NULL;
	size_t applied = 9;
	off_t ends[1];

	(void)state;
	leave_log(1, ends);
	j = open_w();
	assert_int_equal(journal_redo_begin(j, &err), -1);
	assert_non_null(strstr(err, ".redo"));
	free(err);
	assert_true(fsize(redo) == ends[0]);
	assert_int_equal(recover(j), 1);
	redo_on(j);
	assert_int_equal(journal_redo_recover(j, &applied, &err), -1);
	assert_non_null(err);
	assert_int_equal(applied, 0);
	free(err);
	journal_close(j);
	assert_true(fsize(redo) == -1);
}

/*
 * A write() that stops part-way (here: the file size limit) fails with
 * errno and a message; what it did not write goes out with the next sync,
 * so the file stays a run of whole records. In a child: the limit is per
 * process.
 */
static void test_short_write(void **state)
{
	struct journal *j;
	off_t ends[1];
	int status;
	pid_t pid;

	(void)state;
	leave_log(1, ends); /* to learn the size of one record */
	j = open_w();
	assert_int_equal(recover(j), 1);
	journal_close(j);
	fresh(state);

	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct rlimit rl;
		struct jr_enterprise e1 = ent("ent-0"), e2 = ent("ent-1"),
				     e3 = ent("ent-2");
		char *err;

		signal(SIGXFSZ, SIG_IGN);
		if (journal_open(path, JOURNAL_WRITE, &j, &err) < 0 ||
		    journal_redo_begin(j, &err) < 0 || journal_begin(j) < 0 ||
		    journal_put_enterprise(j, &e1) < 0 ||
		    journal_put_enterprise(j, &e2) < 0)
			_exit(1);
		/* Room for one record and a half. */
		getrlimit(RLIMIT_FSIZE, &rl);
		rl.rlim_cur = (rlim_t)(ends[0] + ends[0] / 2);
		if (setrlimit(RLIMIT_FSIZE, &rl) < 0)
			_exit(2);
		if (journal_redo_sync(j) != -1 || errno != EFBIG ||
		    !strstr(journal_errmsg(j), ".redo"))
			_exit(3);
		if (fsize(redo) != (off_t)rl.rlim_cur)
			_exit(4);
		/* Still full: nothing goes out, nothing is lost. */
		if (journal_put_enterprise(j, &e3) < 0 ||
		    journal_redo_sync(j) != -1 ||
		    fsize(redo) != (off_t)rl.rlim_cur)
			_exit(5);
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_FSIZE, &rl) < 0)
			_exit(6);
		if (journal_redo_sync(j) < 0 || fsize(redo) != 3 * ends[0])
			_exit(7);
		_exit(0); /* no commit, as if killed */
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	j = open_w();
	assert_int_equal(recover(j), 3);
	assert_true(present(j, "ent-0"));
	assert_true(present(j, "ent-1"));
	assert_true(present(j, "ent-2"));
	journal_close(j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_round_trip_kill, fresh),
		cmocka_unit_test_setup(test_round_trip_close, fresh),
		cmocka_unit_test_setup(test_commit_truncates, fresh),
		cmocka_unit_test_setup(test_rollback, fresh),
		cmocka_unit_test_setup(test_deferred_puts, fresh),
		cmocka_unit_test_setup(test_torn_tail, fresh),
		cmocka_unit_test_setup(test_garbage_tail, fresh),
		cmocka_unit_test_setup(test_corrupt_middle, fresh),
		cmocka_unit_test_setup(test_never_older, fresh),
		cmocka_unit_test_setup(test_put_over, fresh),
		cmocka_unit_test_setup(test_sql_records, fresh),
		cmocka_unit_test_setup(test_write_values, fresh),
		cmocka_unit_test_setup(test_uncovered, fresh),
		cmocka_unit_test_setup(test_oversized, fresh),
		cmocka_unit_test_setup(test_recover_nothing, fresh),
		cmocka_unit_test_setup(test_begin_refuses_unreplayed, fresh),
		cmocka_unit_test_setup(test_short_write, fresh),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
