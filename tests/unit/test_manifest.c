/*
 * Unit tests: the manifest loader, every rule of teamsprov-manifest(5),
 * samples/ (clean) and every samples/bad/mf-* case (exact messages).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "diag.h"
#include "manifest.h"
#include "util.h"

static char *diag_text(const struct diag *d)
{
	char *s;
	size_t n;
	FILE *f = open_memstream(&s, &n);

	diag_print(d, f);
	fclose(f);
	return s;
}

/*
 * Loads files given as (kind, text) pairs, ending with -1, into a model
 * for directory "m"; returns the messages (caller frees) and the model.
 */
static char *load(struct manifest **out, ...)
{
	struct manifest *m = manifest_new("m");
	struct diag d;
	va_list ap;
	int kind;
	char *s;

	diag_init(&d);
	va_start(ap, out);
	while ((kind = va_arg(ap, int)) >= 0) {
		const char *text = va_arg(ap, const char *);
		manifest_add_buffer(m, (enum mf_file)kind, text, strlen(text),
		                    &d);
	}
	va_end(ap);
	manifest_finish(m, &d);
	s = diag_text(&d);
	diag_release(&d);
	if (out)
		*out = m;
	else
		manifest_free(m);
	return s;
}

#define expect_msgs(got, want)                                                 \
	do {                                                                   \
		char *g_ = (got);                                              \
		assert_string_equal(g_, want);                                 \
		free(g_);                                                      \
	} while (0)

static const char *const G1 = "6513270e-269e-4d37-b2a7-4de452e6b438";

static void test_samples(void **state)
{
	struct manifest *m;
	struct diag d;
	struct buf b;
	const struct mf_enterprise *e;
	size_t i, links = 0, users = 0, absent = 0;

	(void)state;
	diag_init(&d);
	assert_int_equal(manifest_load("samples/", &m, &d), 0);
	assert_int_equal(d.errors, 0);
	assert_string_equal(m->path[MF_ENTERPRISES], "samples/enterprises.csv");
	buf_init(&b);
	manifest_summary(m, &b);
	assert_string_equal(b.p, "40 enterprises, 61 services, 4 SBC gateways, "
	                         "3 PBX types, 12 Fusion subscriptions, "
	                         "14 ACS assignments");
	buf_release(&b);

	e = manifest_find(m, "ACME CORPORATION");
	assert_non_null(e);
	assert_string_equal(e->name, "Acme Corporation");
	assert_int_equal(e->line, 2);
	/* PBX;CALLAPP;CallRecording plus SMS from services.csv */
	assert_int_equal(e->services, MF_SVC_PBX | MF_SVC_CALLAPP |
	                                  MF_SVC_CALLRECORDING | MF_SVC_SMS);
	assert_int_equal(e->n_sbc, 2);
	assert_int_equal(e->sbc[0].state, MF_REF_PINNED);
	assert_int_equal(e->sbc[0].id, 5678);
	assert_int_equal(e->sbc[1].id, 5679);
	assert_int_equal(e->pbx[0].id, 1234);
	assert_int_equal(e->consents, MF_CONSENT_ENTERPRISE_MANAGEMENT);
	e = manifest_find(m, "contoso ltd");
	assert_int_equal(e->consents, 0); /* none */
	assert_int_equal(e->federated, MF_TRUE);
	assert_string_equal(e->redirect_url,
	                    "https://portal.example-provider.net/teams/"
	                    "callback");
	assert_int_equal(e->services, MF_SVC_PBX | MF_SVC_CHAT);
	e = manifest_find(m, "Fabrikam, Inc.");
	assert_int_equal(e->n_billing_references, 2);
	assert_string_equal(e->billing_references[1], "ACC-78");
	assert_int_equal(e->consents, MF_CONSENT_ENTERPRISE_MANAGEMENT |
	                                  MF_CONSENT_CONTACTS);
	assert_non_null(
	    manifest_find(m, "Boulangerie Dupont \"Le Croissant\""));
	/* a right-to-left mark is allowed in names */
	assert_non_null(manifest_find(m, "\xd8\xb4\xd8\xb1\xd9\x83\xd8\xa9 "
	                                 "\xd8\xa7\xd9\x84\xd9\x86\xd8\xae"
	                                 "\xd9\x8a\xd9\x84\xe2\x80\x8f "
	                                 "Telecom"));
	/* an id written in the sbc cell, no table needed */
	e = &m->ent[m->n_ent - 2];
	assert_int_equal(e->sbc[0].state, MF_REF_ID);
	assert_int_equal(e->sbc[0].id, 5701);
	for (i = 0; i < m->n_fusion; i++)
		if (m->fusion[i].has_link) {
			links++;
			assert_null(m->fusion[i].ms_tenant_id);
			assert_int_equal(m->fusion[i].secret.kind, SECRET_NONE);
		} else {
			assert_int_equal(m->fusion[i].secret.kind, SECRET_ENV);
		}
	assert_int_equal(links, 3);
	for (i = 0; i < m->n_acs; i++) {
		users += m->acs[i].principal == MF_PRINCIPAL_USER;
		absent += m->acs[i].absent;
	}
	assert_int_equal(users, 5);
	assert_int_equal(absent, 3);
	assert_int_equal(manifest_pinned_sbc(m, "EU-West"), 5701);
	assert_int_equal(manifest_pinned_sbc(m, "eu-west"), -1);
	assert_int_equal(manifest_pinned_pbx(m, "Cisco CUCM"), 1240);
	assert_int_equal(manifest_find_index(m, "nobody"), -1);
	manifest_free(m);
	diag_release(&d);
}

static char *slurp(const char *path)
{
	struct buf b;
	char tmp[4096];
	size_t k;
	FILE *f = fopen(path, "r");

	assert_non_null(f);
	buf_init(&b);
	while ((k = fread(tmp, 1, sizeof(tmp), f)) > 0)
		buf_add(&b, tmp, k);
	fclose(f);
	return buf_detach(&b);
}

static void test_bad_samples(void **state)
{
	DIR *dir = opendir("samples/bad");
	struct dirent *de;
	int n = 0;

	(void)state;
	assert_non_null(dir);
	while ((de = readdir(dir))) {
		char path[512], *want, *got;
		struct manifest *m;
		struct diag d;

		if (strncmp(de->d_name, "mf-", 3) != 0)
			continue;
		snprintf(path, sizeof(path), "samples/bad/%s", de->d_name);
		diag_init(&d);
		assert_int_equal(manifest_load(path, &m, &d), -1);
		manifest_free(m);
		got = diag_text(&d);
		snprintf(path, sizeof(path), "samples/bad/%s/expected",
		         de->d_name);
		want = slurp(path);
		if (strcmp(got, want) != 0)
			fail_msg("%s:\ngot:  %swant: %s", de->d_name, got,
			         want);
		free(got);
		free(want);
		diag_release(&d);
		n++;
	}
	closedir(dir);
	assert_true(n >= 16);
}

static void test_header_rules(void **state)
{
	struct manifest *m;

	(void)state;
	/* any order, x_ columns kept aside, missing trailing fields empty */
	expect_msgs(load(&m, MF_ENTERPRISES,
	                 "x_owner,services,name,country\n"
	                 "jane,CHAT,Acme\n"
	                 "bob,SMS,Contoso,UK\n",
	                 -1),
	            "");
	assert_int_equal(m->n_ent, 2);
	assert_null(m->ent[0].country);
	assert_string_equal(m->ent[1].country, "UK");
	assert_int_equal(m->ent[0].services, MF_SVC_CHAT);
	manifest_free(m);
	expect_msgs(load(NULL, MF_ENTERPRISES, "name,colour,X_notes,\nA\n", -1),
	            "m/enterprises.csv:1: error: unknown column \"colour\" "
	            "(columns of your own must start with \"x_\")\n"
	            "m/enterprises.csv:1: error: unknown column \"X_notes\" "
	            "(columns of your own must start with \"x_\")\n"
	            "m/enterprises.csv:1: error: column 4 has no name\n");
	expect_msgs(load(NULL, MF_ENTERPRISES, "name,x_a,x_a\n", -1),
	            "m/enterprises.csv:1: error: repeated column \"x_a\" "
	            "(columns 2 and 3)\n");
	/* header only: no rows, no error */
	expect_msgs(load(&m, MF_ENTERPRISES, "name,country\n", -1), "");
	assert_int_equal(m->n_ent, 0);
	manifest_free(m);
	/* blank lines before the header: it is on its own line */
	expect_msgs(load(NULL, MF_FUSION, "\n\ntenant\n", -1),
	            "m/fusion.csv:3: error: missing required column "
	            "\"subscription\"\n");
	expect_msgs(
	    load(NULL, MF_ACS, "tenant_id,object_id,principle_type\n", -1),
	    "m/acs.csv:1: error: unknown column \"principle_type\"; "
	    "did you mean \"principal_type\"?\n"
	    "m/acs.csv:1: error: missing required column "
	    "\"principal_type\"\n");
}

static void test_many_columns(void **state)
{
	struct buf b;
	struct manifest *m;
	int i;

	(void)state;
	buf_init(&b);
	buf_adds(&b, "name");
	for (i = 0; i < 9999; i++)
		buf_addf(&b, ",x_%d", i);
	buf_adds(&b, "\nAcme");
	for (i = 0; i < 9999; i++)
		buf_addf(&b, ",%d", i);
	buf_adds(&b, "\n");
	expect_msgs(load(&m, MF_ENTERPRISES, b.p, -1), "");
	assert_int_equal(m->n_ent, 1);
	manifest_free(m);
	buf_release(&b);
}

static void test_names(void **state)
{
	char name[300];
	struct buf b;

	(void)state;
	memset(name, 'n', 256);
	name[256] = '\0';
	buf_init(&b);
	buf_addf(&b,
	         "name\n%s\n%sx\nA\xc2\x85"
	         "B\nA\x7f\nOK\xe2\x80\x8f\n",
	         name, name);
	expect_msgs(load(NULL, MF_ENTERPRISES, b.p, -1),
	            "m/enterprises.csv:3: error: name \"nnnnnnnnnnnnnnnnnnnnnnn"
	            "nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn...\" is longer "
	            "than 256 bytes\n"
	            "m/enterprises.csv:4: error: name \"A\\u0085B\" contains a "
	            "control character\n"
	            "m/enterprises.csv:5: error: name \"A\\x7f\" contains a "
	            "control character\n");
	buf_release(&b);
	expect_msgs(load(NULL, MF_ENTERPRISES, "name,country\n,UK\n", -1),
	            "m/enterprises.csv:2: error: required column \"name\" is "
	            "empty\n");
	/* ASCII case folding only: É and é differ */
	expect_msgs(load(NULL, MF_ENTERPRISES,
	                 "name\n\xc3\x89lan\n\xc3\xa9lan\nab\nAB\n", -1),
	            "m/enterprises.csv:5: error: duplicate enterprise \"AB\" "
	            "(first on line 4)\n");
}

static void test_values(void **state)
{
	struct manifest *m;
	const struct mf_enterprise *e;

	(void)state;
	expect_msgs(load(&m, MF_ENTERPRISES,
	                 "name,user_limit,federated,allow_external_numbers,"
	                 "can_add_extensions,user_provisioning_enabled,"
	                 "secure_sms_enabled,pbx_moh,services,consents\n"
	                 "A,2147483647,TRUE,No,1,0,yes,False,"
	                 " SMS ; ;SMS;CHAT ,CDR;Contacts;CDR\n"
	                 "B,0,,,,,,,,;\n"
	                 "C,007,,,,,,,CHAT,EnterpriseManagement\n",
	                 -1),
	            "");
	e = &m->ent[0];
	assert_int_equal(e->user_limit, 2147483647);
	assert_int_equal(e->federated, MF_TRUE);
	assert_int_equal(e->allow_external_numbers, MF_FALSE);
	assert_int_equal(e->can_add_extensions, MF_TRUE);
	assert_int_equal(e->user_provisioning_enabled, MF_FALSE);
	assert_int_equal(e->secure_sms_enabled, MF_TRUE);
	assert_int_equal(e->pbx_moh, MF_FALSE);
	assert_int_equal(e->services, MF_SVC_SMS | MF_SVC_CHAT);
	assert_int_equal(e->consents, MF_CONSENT_CDR | MF_CONSENT_CONTACTS);
	e = &m->ent[1];
	assert_true(e->has_user_limit);
	assert_int_equal(e->user_limit, 0);
	assert_int_equal(e->federated, MF_UNSET);
	assert_int_equal(e->consents, MF_CONSENT_ENTERPRISE_MANAGEMENT);
	assert_int_equal(m->ent[2].user_limit, 7);
	manifest_free(m);
	expect_msgs(load(NULL, MF_ENTERPRISES,
	                 "name,user_limit,services,consents\n"
	                 "A,+5,Sms,none\n"
	                 "B,99999999999999999999999,Fax,None\n",
	                 -1),
	            "m/enterprises.csv:2: error: user_limit \"+5\" is not a "
	            "non-negative integer (plain decimal digits)\n"
	            "m/enterprises.csv:2: error: unknown service \"Sms\"; did "
	            "you mean \"SMS\"?\n"
	            "m/enterprises.csv:3: error: user_limit "
	            "\"99999999999999999999999\" is larger than 2147483647\n"
	            "m/enterprises.csv:3: error: unknown service \"Fax\" "
	            "(expected one of: PBX, Trunk, CALLAPP, CallRecording, "
	            "SMS, CHAT)\n"
	            "m/enterprises.csv:3: error: unknown consent \"None\"; did "
	            "you mean \"none\"?\n");
}

static void test_redirect_url(void **state)
{
	(void)state;
	expect_msgs(
	    load(NULL, MF_ENTERPRISES,
	         "name,redirect_url\n"
	         "A,https://cb.example.com/x?y=1\n"
	         "B,http://localhost:9000/cb\n"
	         "C,http://[::1]/cb\n"
	         "D,http://127.10.0.1/cb\n"
	         "E,ftp://example.com/\n"
	         "F,example.com/cb\n"
	         "G,http://128.0.0.1/cb\n",
	         -1),
	    "m/enterprises.csv:6: error: redirect_url "
	    "\"ftp://example.com/\" must use https (http only with a "
	    "loopback host)\n"
	    "m/enterprises.csv:7: error: redirect_url \"example.com/cb\" "
	    "is not an absolute URL\n"
	    "m/enterprises.csv:8: error: redirect_url "
	    "\"http://128.0.0.1/cb\" must use https (http only with a "
	    "loopback host)\n");
}

static void test_refs(void **state)
{
	struct manifest *m;
	const struct mf_enterprise *e;

	(void)state;
	/* no pinned tables: names wait for apply, ids are accepted */
	expect_msgs(load(&m, MF_ENTERPRISES,
	                 "name,services,sbc,pbx\n"
	                 "A,PBX,US-East;42;US-East,Example PBX;7\n",
	                 -1),
	            "");
	e = &m->ent[0];
	assert_int_equal(e->n_sbc, 2);
	assert_int_equal(e->sbc[0].state, MF_REF_LIVE);
	assert_string_equal(e->sbc[0].text, "US-East");
	assert_int_equal(e->sbc[0].id, -1);
	assert_int_equal(e->sbc[1].state, MF_REF_ID);
	assert_int_equal(e->sbc[1].id, 42);
	assert_int_equal(e->n_pbx, 2);
	manifest_free(m);
	/* pinned: names resolve, a name and its id count once */
	expect_msgs(load(&m, MF_SBC, "id,region\n5678,US-East\n", MF_PBX,
	                 "name,id\nExample PBX,1234\n", MF_ENTERPRISES,
	                 "name,services,sbc,pbx\n"
	                 "A,Trunk,US-East;5678,\n"
	                 "B,PBX,us-east,Example PBX\n"
	                 "C,CALLAPP,,Other PBX\n",
	                 -1),
	            "m/enterprises.csv:3: error: unknown SBC gateway "
	            "\"us-east\" (not in sbc_gateways.csv); did you mean "
	            "\"US-East\"?\n"
	            "m/enterprises.csv:4: error: unknown PBX type \"Other "
	            "PBX\" (not in pbx_types.csv)\n");
	e = &m->ent[0];
	assert_int_equal(e->n_sbc, 1);
	assert_int_equal(e->sbc[0].state, MF_REF_PINNED);
	assert_int_equal(e->sbc[0].id, 5678);
	manifest_free(m);
	/* pinned table conflicts */
	expect_msgs(load(NULL, MF_PBX,
	                 "name,id\nExample PBX,1234\nOther,1234\n"
	                 "example pbx,99\nBad,x\n,5\n",
	                 -1),
	            "m/pbx_types.csv:3: error: id 1234 already belongs to "
	            "\"Example PBX\" (line 2)\n"
	            "m/pbx_types.csv:4: error: duplicate PBX type \"example "
	            "pbx\" (first on line 2)\n"
	            "m/pbx_types.csv:5: error: id \"x\" is not a non-negative "
	            "integer (plain decimal digits)\n"
	            "m/pbx_types.csv:6: error: required column \"name\" is "
	            "empty\n");
}

static void test_dependencies(void **state)
{
	(void)state;
	/* Trunk via services.csv; PBX needs both; an sbc cell with an error
	 * does not also report the dependency */
	expect_msgs(load(NULL, MF_SBC, "region,id\nEU,1\n", MF_ENTERPRISES,
	                 "name,services,sbc,pbx\n"
	                 "A,CHAT,,\n"
	                 "B,PBX,,\n"
	                 "C,Trunk,Nowhere,\n",
	                 MF_SERVICES,
	                 "enterprise,service\na,Trunk\nA,CALLAPP\n"
	                 "Z,SMS\nA,Chat\n",
	                 -1),
	            "m/enterprises.csv:4: error: unknown SBC gateway "
	            "\"Nowhere\" (not in sbc_gateways.csv)\n"
	            "m/services.csv:4: error: unknown enterprise \"Z\" (not "
	            "in enterprises.csv)\n"
	            "m/services.csv:5: error: unknown service \"Chat\"; did "
	            "you mean \"CHAT\"?\n"
	            "m/enterprises.csv:2: error: service \"Trunk\" (from "
	            "services.csv line 2) needs at least one SBC gateway "
	            "(column sbc)\n"
	            "m/enterprises.csv:2: error: service \"CALLAPP\" (from "
	            "services.csv line 3) needs at least one PBX type (column "
	            "pbx)\n"
	            "m/enterprises.csv:3: error: service \"PBX\" needs at "
	            "least one SBC gateway (column sbc)\n"
	            "m/enterprises.csv:3: error: service \"PBX\" needs at "
	            "least one PBX type (column pbx)\n");
}

static void test_partial_files(void **state)
{
	(void)state;
	/* enterprises.csv stops at a broken quote: rows naming enterprises
	 * after it are not reported a second time */
	expect_msgs(load(NULL, MF_SBC, "region\n", MF_ENTERPRISES,
	                 "name,sbc\nA,EU\nB\"x\nC\n", MF_SERVICES,
	                 "enterprise,service\nC,CHAT\n", -1),
	            "m/sbc_gateways.csv:1: error: missing required column "
	            "\"id\"\n"
	            "m/enterprises.csv:3: error: quote inside an unquoted "
	            "field (quote the whole field and write the quote as "
	            "\"\")\n");
}

static void test_fusion(void **state)
{
	struct manifest *m;
	struct buf b;

	(void)state;
	buf_init(&b);
	buf_addf(&b,
	         "tenant,subscription,ms_tenant_id,application_id,secret,"
	         "link_subscription,enterprise,draas_instance\n"
	         "%s,1,%s,%s,env:S1,,acme,draas_v1\n"
	         "%s,2,,,,1,,\n"
	         "%s,3,,,,3,,\n"
	         "%s,4,,%s,env:1BAD,,Nobody,\n"
	         "%s,5,%s,%s,file:secrets/app5,,,\n"
	         "%s,-6,x,%s,,,,\n",
	         G1, G1, G1, G1, G1, G1, G1, G1, G1, G1, G1, G1);
	expect_msgs(
	    load(&m, MF_ENTERPRISES, "name\nAcme\n", MF_FUSION, b.p, -1),
	    "m/fusion.csv:4: error: link_subscription is the row's own "
	    "subscription\n"
	    "m/fusion.csv:5: error: ms_tenant_id is required unless "
	    "link_subscription is set\n"
	    "m/fusion.csv:5: error: secret: \"env:\" must be followed "
	    "by an environment variable name\n"
	    "m/fusion.csv:5: error: unknown enterprise \"Nobody\" (not "
	    "in enterprises.csv)\n"
	    "m/fusion.csv:7: error: subscription \"-6\" is not a "
	    "non-negative integer (plain decimal digits)\n"
	    "m/fusion.csv:7: error: ms_tenant_id \"x\" is not a GUID "
	    "(8-4-4-4-12 hexadecimal digits)\n"
	    "m/fusion.csv:7: error: secret is required unless "
	    "link_subscription is set\n");
	buf_release(&b);
	assert_int_equal(m->n_fusion, 3);
	assert_string_equal(m->fusion[0].enterprise, "Acme");
	assert_string_equal(m->fusion[0].draas_instance, "draas_v1");
	assert_string_equal(m->fusion[0].secret.name, "S1");
	assert_true(m->fusion[1].has_link);
	assert_int_equal(m->fusion[1].link_subscription, 1);
	assert_int_equal(m->fusion[2].secret.kind, SECRET_FILE);
	manifest_free(m);
}

static void test_acs(void **state)
{
	struct manifest *m;
	struct buf b;

	(void)state;
	buf_init(&b);
	buf_addf(&b,
	         "tenant_id,object_id,principal_type,client_ids,state\n"
	         "%s,%s,user,%s; %s ;,\n"
	         "%s,6513270E-269E-4D37-B2A7-4DE452E6B439,user,,absent\n"
	         "%s,6513270e-269e-4d37-b2a7-4de452e6b439,teamsResourceAccount"
	         ",,gone\n",
	         G1, G1, G1, "6513270E-269E-4D37-B2A7-4DE452E6B438", G1, G1);
	expect_msgs(load(&m, MF_ENTERPRISES, "name\nAcme\n", MF_ACS, b.p, -1),
	            "m/acs.csv:4: error: unknown state \"gone\" (expected one "
	            "of: present, absent)\n"
	            "m/acs.csv:4: error: duplicate ACS assignment (tenant_id "
	            "\"6513270e-269e-4d37-b2a7-4de452e6b438\", object_id "
	            "\"6513270e-269e-4d37-b2a7-4de452e6b439\") (first on line "
	            "3)\n");
	buf_release(&b);
	assert_int_equal(m->n_acs, 2);
	/* client ids compared case-insensitively */
	assert_int_equal(m->acs[0].n_client_ids, 1);
	assert_true(m->acs[1].absent);
	assert_string_equal(m->acs[1].principal_type, "user");
	manifest_free(m);
	assert_true(mf_guid_valid("ABCDEF01-2345-6789-abcd-ef0123456789"));
	assert_false(mf_guid_valid("{ABCDEF01-2345-6789-abcd-ef0123456789}"));
	assert_false(mf_guid_valid("ABCDEF01-2345-6789-abcd-ef012345678"));
	assert_false(mf_guid_valid("ABCDEF0112345-6789-abcd-ef0123456789"));
	assert_true(mf_guid_eq(G1, "6513270E-269E-4D37-B2A7-4DE452E6B438"));
}

static void test_error_cap(void **state)
{
	struct manifest *m = manifest_new("m");
	struct diag d;
	struct buf b;
	int i;

	(void)state;
	buf_init(&b);
	buf_adds(&b, "name,user_limit\n");
	for (i = 0; i < 150; i++)
		buf_addf(&b, "E%d,x\n", i);
	diag_init(&d);
	assert_int_equal(manifest_add_buffer(m, MF_ENTERPRISES, b.p, b.len, &d),
	                 -1);
	assert_int_equal(d.errors, 150);
	assert_int_equal(d.n, DIAG_MAX);
	/* rows with errors are still in the model when their name is good */
	assert_int_equal(m->n_ent, 150);
	manifest_free(m);
	diag_release(&d);
	buf_release(&b);
}

static void test_dir_and_secrets(void **state)
{
	char dir[] = "/tmp/tp-manifest.XXXXXX", path[128];
	struct manifest *m;
	struct diag d;
	char *s;
	FILE *f;
	int fd;

	(void)state;
	assert_non_null(mkdtemp(dir));
	diag_init(&d);
	assert_int_equal(manifest_load(dir, &m, &d), -1);
	assert_null(m);
	s = diag_text(&d);
	snprintf(path, sizeof(path),
	         "%s/enterprises.csv: error: required "
	         "file is missing\n",
	         dir);
	assert_string_equal(s, path);
	free(s);
	diag_release(&d);

	snprintf(path, sizeof(path), "%s/enterprises.csv", dir);
	f = fopen(path, "w");
	fputs("name\nAcme\n", f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/fusion.csv", dir);
	f = fopen(path, "w");
	fprintf(f,
	        "tenant,subscription,ms_tenant_id,application_id,secret\n"
	        "%s,1,%s,%s,env:TP_TEST_SECRET_SET\n"
	        "%s,2,%s,%s,env:TP_TEST_SECRET_UNSET\n"
	        "%s,3,%s,%s,file:app.secret\n"
	        "%s,4,%s,%s,file:open.secret\n",
	        G1, G1, G1, G1, G1, G1, G1, G1, G1, G1, G1, G1);
	fclose(f);
	snprintf(path, sizeof(path), "%s/app.secret", dir);
	fd = open(path, O_CREAT | O_WRONLY, 0600);
	assert_int_equal(write(fd, "x\n", 2), 2);
	close(fd);
	snprintf(path, sizeof(path), "%s/open.secret", dir);
	fd = open(path, O_CREAT | O_WRONLY, 0644);
	fchmod(fd, 0644);
	close(fd);
	setenv("TP_TEST_SECRET_SET", "v", 1);
	unsetenv("TP_TEST_SECRET_UNSET");
	/* trailing slashes are not repeated in messages */
	snprintf(path, sizeof(path), "%s//", dir);
	diag_init(&d);
	assert_int_equal(manifest_load(path, &m, &d), 0);
	manifest_check_secrets(m, &d);
	assert_int_equal(d.errors, 0);
	assert_int_equal(d.warnings, 2);
	assert_int_equal(d.v[0].line, 3);
	assert_non_null(strstr(d.v[0].msg, "TP_TEST_SECRET_UNSET is not set"));
	assert_int_equal(d.v[1].line, 5);
	assert_non_null(strstr(d.v[1].msg, "group or others"));
	snprintf(path, sizeof(path), "%s/fusion.csv", dir);
	assert_string_equal(d.v[0].file, path);
	manifest_free(m);
	diag_release(&d);
	unsetenv("TP_TEST_SECRET_SET");
	unlink(path);
	snprintf(path, sizeof(path), "%s/enterprises.csv", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/app.secret", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/open.secret", dir);
	unlink(path);
	assert_int_equal(rmdir(dir), 0);

	m = manifest_new("/");
	assert_string_equal(m->path[MF_ACS], "/acs.csv");
	manifest_free(m);
	m = manifest_new("");
	assert_string_equal(m->path[MF_SERVICES], "./services.csv");
	manifest_free(m);
}

static void test_summary_singular(void **state)
{
	struct manifest *m;
	struct buf b;

	(void)state;
	expect_msgs(load(&m, MF_SBC, "region,id\nX,1\n", MF_PBX,
	                 "name,id\nP,2\n", MF_ENTERPRISES,
	                 "name,services,sbc,pbx\nA,PBX,X,P\n", -1),
	            "");
	buf_init(&b);
	manifest_summary(m, &b);
	assert_string_equal(b.p, "1 enterprise, 1 service, 1 SBC gateway, "
	                         "1 PBX type, 0 Fusion subscriptions, "
	                         "0 ACS assignments");
	buf_release(&b);
	manifest_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_samples),
	    cmocka_unit_test(test_bad_samples),
	    cmocka_unit_test(test_header_rules),
	    cmocka_unit_test(test_many_columns),
	    cmocka_unit_test(test_names),
	    cmocka_unit_test(test_values),
	    cmocka_unit_test(test_redirect_url),
	    cmocka_unit_test(test_refs),
	    cmocka_unit_test(test_dependencies),
	    cmocka_unit_test(test_partial_files),
	    cmocka_unit_test(test_fusion),
	    cmocka_unit_test(test_acs),
	    cmocka_unit_test(test_error_cap),
	    cmocka_unit_test(test_dir_and_secrets),
	    cmocka_unit_test(test_summary_singular),
	};
	const char *root = getenv("TP_ROOT");

	if (root && chdir(root) != 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
