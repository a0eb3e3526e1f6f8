/*
 * Unit tests: cbrecv, the consent receiver, on a loopback port with a
 * journal in a temporary directory, driven by libcurl.
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
#include <cjson/cJSON.h>
#include <curl/curl.h>

#include "cbrecv.h"
#include "cbtoken.h"
#include "util.h"

struct fx {
	char dir[64];
	char path[96];
	struct journal *j;
	pthread_mutex_t lock;
	struct cbrecv *rv;
	struct listenaddr addr;
	char tok_reg[CBTOKEN_LEN + 1], tok_sync[CBTOKEN_LEN + 1];
	int events;
	char last_msal[2048];
};

static char *sink(void *arg, const struct cbrecv_event *ev)
{
	struct fx *f = arg;

	f->events++;
	if (ev->msal)
		snprintf(f->last_msal, sizeof(f->last_msal), "%s", ev->msal);
	return xstrdup("note <for> the admin");
}

static void add_action(struct fx *f, const char *action, char *tok)
{
	char hash[CBTOKEN_HASH_LEN + 1];
	struct jr_action a;

	assert_int_equal(cbtoken_new(tok, hash), 0);
	memset(&a, 0, sizeof(a));
	a.enterprise = "Acme <Corp>";
	a.action = (char *)action;
	a.status = JR_ACT_ISSUED;
	a.url = "https://c2t.example/x";
	a.issued_at = 1;
	a.token_hash = hash;
	assert_int_equal(journal_put_action(f->j, &a), 0);
}

static int setup(void **state)
{
	struct fx *f = xcalloc(1, sizeof(*f));
	static const char *const prefixes[] = {"/teamsprov"};
	struct cbrecv_config c;
	struct jr_enterprise e;
	const char *perr;
	char *err = NULL;

	strcpy(f->dir, "/tmp/tp-cbrecv.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/state.db", f->dir);
	assert_int_equal(journal_open(f->path, JOURNAL_WRITE, &f->j, &err), 0);
	memset(&e, 0, sizeof(e));
	e.name = "Acme <Corp>";
	e.status = JR_ENT_CREATED;
	e.id = 42;
	e.tenant_admin_api = -1;
	assert_int_equal(journal_put_enterprise(f->j, &e), 0);
	add_action(f, "REGISTRATION", f->tok_reg);
	add_action(f, "GET_USER_SYNC_CONSENT", f->tok_sync);
	pthread_mutex_init(&f->lock, NULL);
	memset(&c, 0, sizeof(c));
	c.j = f->j;
	c.jlock = &f->lock;
	c.prefixes = prefixes;
	c.n_prefixes = 1;
	c.on_event = sink;
	c.arg = f;
	assert_int_equal(listenaddr_parse("127.0.0.1:1", &f->addr, &perr), 0);
	((struct sockaddr_in *)&f->addr.ss)->sin_port = 0;
	assert_int_equal(cbrecv_start(&c, &f->addr, &f->rv, &err), 0);
	assert_true(f->addr.port > 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	char cmd[128];

	cbrecv_stop(f->rv, NULL);
	journal_close(f->j);
	pthread_mutex_destroy(&f->lock);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	if (system(cmd) != 0)
		return -1;
	free(f);
	return 0;
}

static size_t collect(char *p, size_t size, size_t n, void *u)
{
	buf_add(u, p, size * n);
	return size * n;
}

static int chunked; /* the next hit sends its body chunked */

/* One request; returns the status, the body in *body (caller releases). */
static long hit(struct fx *f, const char *method, const char *path,
		const char *data, size_t len, struct buf *body)
{
	CURL *h = curl_easy_init();
	char *url = xasprintf("http://%s%s", f->addr.text, path);
	struct curl_slist *hdr =
		curl_slist_append(NULL, "Content-Type: application/json");
	long code = 0;

	if (chunked)
		hdr = curl_slist_append(hdr, "Transfer-Encoding: chunked");

	buf_init(body);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, body);
	if (data) {
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, data);
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)len);
	}
	if (curl_easy_perform(h) == CURLE_OK)
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
	curl_slist_free_all(hdr);
	curl_easy_cleanup(h);
	free(url);
	return code;
}

static enum jr_act_status status_of(struct fx *f, const char *action,
				    char **detail)
{
	struct jr_action a;
	enum jr_act_status s;

	assert_int_equal(journal_get_action(f->j, "Acme <Corp>", action, &a),
			 0);
	s = a.status;
	if (detail)
		*detail = a.detail ? xstrdup(a.detail) : NULL;
	jr_action_release(&a);
	return s;
}

static void test_consent(void **state)
{
	struct fx *f = *state;
	struct buf b;
	char *path, *detail;

	path = xasprintf("/cb/%s?error=Not%%20a%%20%%3Cb%%3EGlobal%%3C/b%%3E"
			 "%%0aAdmin",
			 f->tok_sync);
	assert_int_equal(hit(f, "GET", path, NULL, 0, &b), 200);
	free(path);
	assert_int_equal(status_of(f, "GET_USER_SYNC_CONSENT", &detail),
			 JR_ACT_ERROR);
	assert_string_equal(detail, "Not a <b>Global</b> Admin");
	free(detail);
	/* the page escapes the admin's message, the names and the note */
	assert_non_null(strstr(b.p, "&lt;b&gt;Global"));
	assert_null(strstr(b.p, "<b>"));
	assert_non_null(strstr(b.p, "Acme &lt;Corp&gt;"));
	assert_non_null(strstr(b.p, "note &lt;for&gt;"));
	buf_release(&b);

	/* the prefix of callback_base is served too */
	path = xasprintf("/teamsprov/cb/%s?success=User+Sync+OK",
			 f->tok_sync);
	assert_int_equal(hit(f, "GET", path, NULL, 0, &b), 200);
	free(path);
	buf_release(&b);
	assert_int_equal(status_of(f, "GET_USER_SYNC_CONSENT", &detail),
			 JR_ACT_GRANTED);
	assert_non_null(strstr(detail, "User"));
	free(detail);

	/* a later failed attempt does not take the grant back */
	path = xasprintf("/cb/%s?error=late", f->tok_sync);
	assert_int_equal(hit(f, "GET", path, NULL, 0, &b), 200);
	free(path);
	buf_release(&b);
	assert_int_equal(status_of(f, "GET_USER_SYNC_CONSENT", NULL),
			 JR_ACT_GRANTED);
	assert_int_equal(f->events, 2);
}

static void test_refusals(void **state)
{
	struct fx *f = *state;
	struct buf b;
	char *path, big_ok[] = "{}";
	char forged[CBTOKEN_LEN + 1], hash[CBTOKEN_HASH_LEN + 1];
	char *big;
	struct cbrecv_counts n;

	assert_int_equal(cbtoken_new(forged, hash), 0);
	path = xasprintf("/cb/%s?success=x", forged);
	assert_int_equal(hit(f, "GET", path, NULL, 0, &b), 403);
	free(path);
	buf_release(&b);
	assert_int_equal(hit(f, "GET", "/cb/short?success=x", NULL, 0, &b),
			 403);
	buf_release(&b);
	assert_int_equal(hit(f, "GET", "/other/cb/x", NULL, 0, &b), 404);
	buf_release(&b);
	path = xasprintf("/cb/%s?success=x", f->tok_sync);
	assert_int_equal(hit(f, "DELETE", path, NULL, 0, &b), 405);
	buf_release(&b);
	/* a consent's link takes no registration post */
	assert_int_equal(hit(f, "POST", path, big_ok, 2, &b), 405);
	buf_release(&b);
	free(path);
	path = xasprintf("/cb/%s", f->tok_sync);
	assert_int_equal(hit(f, "GET", path, NULL, 0, &b), 400);
	buf_release(&b);
	free(path);
	path = xasprintf("/cb/%s", f->tok_reg);
	big = xmalloc(CBRECV_BODY_MAX + 2);
	memset(big, ' ', CBRECV_BODY_MAX + 1);
	big[CBRECV_BODY_MAX + 1] = '\0';
	assert_int_equal(hit(f, "POST", path, big, CBRECV_BODY_MAX + 1, &b),
			 413);
	buf_release(&b);
	/* without a Content-Length: counted as it arrives */
	chunked = 1;
	assert_int_equal(hit(f, "POST", path, big, CBRECV_BODY_MAX + 1, &b),
			 413);
	chunked = 0;
	buf_release(&b);
	free(big);
	assert_int_equal(hit(f, "POST", path, "{\"x\":1}", 7, &b), 400);
	buf_release(&b);
	free(path);
	assert_int_equal(status_of(f, "GET_USER_SYNC_CONSENT", NULL),
			 JR_ACT_ISSUED);
	assert_int_equal(status_of(f, "REGISTRATION", NULL), JR_ACT_ISSUED);
	assert_int_equal(f->events, 0);
	cbrecv_get_counts(f->rv, &n);
	assert_int_equal(n.refused, 9);
	assert_int_equal(n.recorded, 0);
}

static const char reg_json[] =
	"{\"msalAuthenticationResult\":{\"authenticationResult\":{"
	"\"accessToken\":\"tok-abc\",\"expiresOn\":1742985175242681,"
	"\"idToken\":\"id-xyz\",\"userInfo\":{\"displayableId\":"
	"\"admin@example.com\",\"tenantId\":\"%s\"}},\"resellerId\":null},"
	"\"containsTeamsTenantAdminAPI\":false}";

static void test_registration(void **state)
{
	struct fx *f = *state;
	struct jr_enterprise e;
	struct buf b;
	char *path = xasprintf("/teamsprov/cb/%s", f->tok_reg);
	char *body = xasprintf(reg_json, "tenant-1");
	cJSON *m;

	assert_int_equal(hit(f, "POST", path, body, strlen(body), &b), 200);
	buf_release(&b);
	free(body);
	assert_int_equal(journal_get_enterprise(f->j, "Acme <Corp>", &e), 0);
	assert_int_equal(e.registered, 1);
	assert_string_equal(e.tenant_id, "tenant-1");
	assert_string_equal(e.admin_id, "admin@example.com");
	assert_int_equal(e.tenant_admin_api, 0);
	jr_enterprise_release(&e);
	assert_int_equal(status_of(f, "REGISTRATION", NULL), JR_ACT_GRANTED);
	m = cJSON_Parse(f->last_msal);
	assert_non_null(m);
	assert_string_equal(
		cJSON_GetObjectItemCaseSensitive(m, "accessToken")->valuestring,
		"tok-abc");
	assert_int_equal(cbrecv_expires_ms(m), 1742985175242);
	cJSON_Delete(m);
	/* another tenant's result posted to this link: refused */
	body = xasprintf(reg_json, "tenant-2");
	assert_int_equal(hit(f, "POST", path, body, strlen(body), &b), 403);
	buf_release(&b);
	free(body);
	assert_int_equal(journal_get_enterprise(f->j, "Acme <Corp>", &e), 0);
	assert_string_equal(e.tenant_id, "tenant-1");
	jr_enterprise_release(&e);
	free(path);
	assert_int_equal(f->events, 1);
}

static void test_helpers(void **state)
{
	struct buf b;
	cJSON *j;

	(void)state;
	buf_init(&b);
	cbrecv_html_escape(&b, "<a href=\"x\">'&'</a>");
	assert_string_equal(b.p, "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;"
				 "&lt;/a&gt;");
	buf_release(&b);
	j = cJSON_Parse("{\"expiresOn\":1742985175}");
	assert_int_equal(cbrecv_expires_ms(j), 1742985175000);
	cJSON_Delete(j);
	j = cJSON_Parse("{\"expiresOn\":1742985175123}");
	assert_int_equal(cbrecv_expires_ms(j), 1742985175123);
	cJSON_Delete(j);
	j = cJSON_Parse("{\"expiresOn\":null}");
	assert_int_equal(cbrecv_expires_ms(j), 0);
	cJSON_Delete(j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_consent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refusals, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_registration, setup,
						teardown),
		cmocka_unit_test(test_helpers),
	};
	int rc;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	curl_global_cleanup();
	return rc;
}
