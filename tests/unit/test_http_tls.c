/*
 * Unit tests: http over TLS. An HTTPS libmicrohttpd server on 127.0.0.1
 * with a certificate made here (OpenSSL) that no system store trusts:
 * without its CA file the client refuses it before sending anything; with
 * it, requests go through and the connection is reused.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <microhttpd.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "http.h"
#include "redact.h"

static struct MHD_Daemon *daemon_;
static char base[64], ca_path[64];
static char *key_pem, *cert_pem;
static int hits;

static char *bio_text(BIO *b)
{
	char *p;
	long n = BIO_get_mem_data(b, &p);
	char *s = xstrndup(p, (size_t)n);

	BIO_free(b);
	return s;
}

/* A self-signed certificate for 127.0.0.1, as PEM strings. */
static int make_cert(void)
{
	EVP_PKEY *key = EVP_EC_gen("P-256");
	X509 *x = X509_new();
	X509_NAME *name;
	X509_EXTENSION *ext;
	X509V3_CTX ctx;
	BIO *b;

	if (!key || !x)
		return -1;
	X509_set_version(x, 2); /* v3, for the extensions */
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), -3600);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400);
	X509_set_pubkey(x, key);
	name = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
	                           (const unsigned char *)"127.0.0.1", -1, -1,
	                           0);
	X509_set_issuer_name(x, name);
	X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &ctx, NID_subject_alt_name,
	                          "IP:127.0.0.1");
	X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	ext = X509V3_EXT_conf_nid(NULL, &ctx, NID_basic_constraints,
	                          "critical,CA:TRUE");
	X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	if (!X509_sign(x, key, EVP_sha256()))
		return -1;
	b = BIO_new(BIO_s_mem());
	PEM_write_bio_PrivateKey(b, key, NULL, NULL, 0, NULL, NULL);
	key_pem = bio_text(b);
	b = BIO_new(BIO_s_mem());
	PEM_write_bio_X509(b, x);
	cert_pem = bio_text(b);
	X509_free(x);
	EVP_PKEY_free(key);
	return 0;
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *conn,
                               const char *url, const char *method,
                               const char *version, const char *data,
                               size_t *size, void **con_cls)
{
	static int first;
	struct MHD_Response *r;
	enum MHD_Result rc;

	(void)cls;
	(void)url;
	(void)method;
	(void)version;
	(void)data;
	(void)size;
	if (!*con_cls) {
		*con_cls = &first;
		return MHD_YES;
	}
	__atomic_add_fetch(&hits, 1, __ATOMIC_SEQ_CST);
	r = MHD_create_response_from_buffer(2, (void *)"ok",
	                                    MHD_RESPMEM_PERSISTENT);
	rc = MHD_queue_response(conn, 200, r);
	MHD_destroy_response(r);
	return rc;
}

static int setup(void **state)
{
	struct sockaddr_in sa;
	char *err;
	FILE *f;
	int fd;

	(void)state;
	signal(SIGPIPE, SIG_IGN);
	if (http_global_init(&err) < 0 || make_cert() < 0) {
		fprintf(stderr, "# cannot make a certificate\n");
		return -1;
	}
	strcpy(ca_path, "/tmp/tp-ca.XXXXXX");
	fd = mkstemp(ca_path);
	f = fdopen(fd, "w");
	fputs(cert_pem, f);
	fclose(f);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	daemon_ = MHD_start_daemon(
	    MHD_USE_TLS | MHD_USE_INTERNAL_POLLING_THREAD |
	        MHD_USE_THREAD_PER_CONNECTION,
	    0, NULL, NULL, handler, NULL, MHD_OPTION_SOCK_ADDR, &sa,
	    MHD_OPTION_HTTPS_MEM_KEY, key_pem, MHD_OPTION_HTTPS_MEM_CERT,
	    cert_pem, MHD_OPTION_END);
	if (!daemon_) {
		fprintf(stderr, "# cannot start the HTTPS server\n");
		return -1;
	}
	snprintf(base, sizeof(base), "https://127.0.0.1:%u/x",
	         MHD_get_daemon_info(daemon_, MHD_DAEMON_INFO_BIND_PORT)->port);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	MHD_stop_daemon(daemon_);
	unlink(ca_path);
	free(key_pem);
	free(cert_pem);
	http_global_cleanup();
	redact_clear();
	return 0;
}

static void test_untrusted_refused(void **state)
{
	struct http_opts o = {0};
	struct http_client *c = http_client_new(&o);
	struct http_request rq = {0};
	struct http_response res;

	(void)state;
	http_response_init(&res);
	rq.method = "POST";
	rq.url = base;
	rq.body = "{}";
	rq.body_len = 2;
	assert_int_equal(http_perform(c, &rq, &res), -1);
	assert_int_equal(res.err, HTTP_ERR_OTHER);
	assert_false(res.sent);
	assert_false(http_ambiguous(&res));
	assert_non_null(strstr(res.error, "certificate"));
	assert_int_equal(__atomic_load_n(&hits, __ATOMIC_SEQ_CST), 0);
	http_response_release(&res);
	http_client_free(c);
}

static void test_trusted_reused(void **state)
{
	struct http_opts o = {0};
	struct http_client *c;
	struct http_request rq = {0};
	struct http_response res;
	int i;

	(void)state;
	o.ca_file = ca_path;
	c = http_client_new(&o);
	http_response_init(&res);
	rq.url = base;
	for (i = 0; i < 20; i++) {
		assert_int_equal(http_perform(c, &rq, &res), 0);
		assert_int_equal(res.status, 200);
		assert_string_equal(res.body.p, "ok");
	}
	assert_int_equal(http_client_connects(c), 1);
	assert_int_equal(__atomic_load_n(&hits, __ATOMIC_SEQ_CST), 20);
	http_response_release(&res);
	http_client_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_untrusted_refused),
	    cmocka_unit_test(test_trusted_reused),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
