/*
 * teamsprov acs get|put|delete TENANT OBJECT: one ACS Teams Phone
 * extensibility assignment, read, granted or revoked, signed like every
 * ACS request of apply. Output is readable lines, or with --json the
 * assignment as ACS answered it. The journal is not touched: the next
 * apply verifies its rows against the tenant anyway.
 *
 * Exit status: 0 done (delete: also when there was nothing to delete);
 * 1 get found no assignment, or ACS refused the request (400...); 64
 * usage; 65 configuration; 69 unreachable; 77 authentication refused.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acs.h"
#include "commands.h"
#include "exitcode.h"
#include "manifest.h"
#include "runtime.h"

struct acs_opts {
	const char *verb;
	const char *tenant, *object;
	const char *ptype;
	char **ids;
	size_t n_ids;
	bool json;
};

static int parse(int argc, char **argv, struct acs_opts *o)
{
	static const struct option opts[] = {
		{"principal-type", required_argument, NULL, 'p'},
		{"client-id", required_argument, NULL, 'i'},
		{"json", no_argument, NULL, 'J'},
		{NULL, 0, NULL, 0},
	};
	static const char *const types[] = {"teamsResourceAccount",
					    "resourceAccount", "user"};
	int c, k, ok;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			o->ptype = optarg;
			break;
		case 'i':
			if (!mf_guid_valid(optarg))
				return cli_usage_error(
					"acs", "--client-id wants a GUID (got "
					       "\"%.80s\")",
					optarg);
			o->ids = xrealloc(o->ids,
					  (o->n_ids + 1) * sizeof(*o->ids));
			o->ids[o->n_ids++] = optarg;
			break;
		case 'J':
			o->json = true;
			break;
		default:
			return cli_usage_error("acs", "unknown option \"%s\"",
					       argv[optind - 1]);
		}
	}
	if (argc - optind != 3)
		return cli_usage_error("acs", "acs wants get, put or delete, "
					      "then TENANT and OBJECT");
	o->verb = argv[optind];
	o->tenant = argv[optind + 1];
	o->object = argv[optind + 2];
	if (strcmp(o->verb, "get") && strcmp(o->verb, "put") &&
	    strcmp(o->verb, "delete"))
		return cli_usage_error("acs", "unknown operation \"%.40s\" "
					      "(get, put or delete)",
				       o->verb);
	if (!mf_guid_valid(o->tenant) || !mf_guid_valid(o->object))
		return cli_usage_error("acs", "TENANT and OBJECT must be "
					      "GUIDs");
	if (strcmp(o->verb, "put") != 0) {
		if (o->ptype || o->n_ids)
			return cli_usage_error(
				"acs", "--principal-type and --client-id go "
				       "with put only");
		return 0;
	}
	if (!o->ptype)
		return cli_usage_error("acs", "put needs --principal-type");
	for (k = 0, ok = 0; k < 3; k++)
		ok |= strcmp(o->ptype, types[k]) == 0;
	if (!ok)
		return cli_usage_error("acs", "--principal-type wants "
					      "teamsResourceAccount, "
					      "resourceAccount or user");
	if (strcmp(o->ptype, "user") == 0 && o->n_ids == 0)
		return cli_usage_error("acs", "principal type user needs at "
					      "least one --client-id");
	return 0;
}

static void print_assignment(const struct acs_opts *o,
			     const struct http_response *res,
			     const char *what)
{
	struct acs_assignment a;
	size_t i;

	if (o->json) {
		fwrite(res->body.p, 1, res->body.len, stdout);
		if (!res->body.len || res->body.p[res->body.len - 1] != '\n')
			putchar('\n');
		return;
	}
	printf("%s/%s: %s\n", o->tenant, o->object, what);
	if (acs_assignment_parse(res->body.p, res->body.len, &a) < 0)
		return;
	printf("  principal type: %s\n  client ids:", a.principal_type);
	for (i = 0; i < a.n_client_ids; i++)
		printf(" %s", a.client_ids[i]);
	printf("%s\n", a.n_client_ids ? "" : " none");
	acs_assignment_release(&a);
}

static void print_json_state(const struct acs_opts *o, const char *state)
{
	printf("{\"tenantId\":\"%s\",\"objectId\":\"%s\",\"state\":\"%s\"}\n",
	       o->tenant, o->object, state);
}

/* Shows the answer; returns the exit status it calls for. */
static int show(const struct acs_opts *o, const struct http_request *req,
		const struct http_response *res)
{
	char *msg;

	if (strcmp(o->verb, "get") == 0 && res->status == 200) {
		print_assignment(o, res, "assigned");
		return 0;
	}
	if (strcmp(o->verb, "put") == 0 &&
	    (res->status == 200 || res->status == 201)) {
		print_assignment(o, res,
				 res->status == 201 ? "created" : "updated");
		return 0;
	}
	if (strcmp(o->verb, "delete") == 0 &&
	    (res->status == 204 || res->status == 200 || res->status == 404)) {
		if (o->json)
			print_json_state(o, res->status == 404 ? "absent"
							       : "deleted");
		else
			printf("%s/%s: %s\n", o->tenant, o->object,
			       res->status == 404
				       ? "no assignment (already absent)"
				       : "deleted");
		return 0;
	}
	if (strcmp(o->verb, "get") == 0 && res->status == 404) {
		if (o->json)
			print_json_state(o, "absent");
		else
			printf("%s/%s: no assignment\n", o->tenant, o->object);
		return TP_EXIT_FAILED;
	}
	msg = acs_error_message(req, res);
	fprintf(stderr, "teamsprov: acs: %s\n", msg);
	free(msg);
	return TP_EXIT_FAILED;
}

int cmd_acs(int argc, char **argv, struct tp_globals *g)
{
	struct acs_opts o;
	struct runtime rt;
	struct http_client *client = NULL;
	struct http_request req;
	struct http_response res;
	char *path = NULL, *url = NULL, *body = NULL;
	int rc;

	memset(&o, 0, sizeof(o));
	if ((rc = parse(argc, argv, &o)) != 0) {
		free(o.ids);
		return rc;
	}
	rt_init(&rt, g);
	http_response_init(&res);
	rc = rt_load_config(&rt, false);
	if (rc == 0)
		rc = rt_setup_api(&rt, API_ACS);
	if (rc == 0) {
		client = http_client_new(&rt.http);
		path = acs_assignment_path(rt.cfg.acs.api_version, o.tenant,
					   o.object);
		url = api_url(&rt.apis[API_ACS], path);
		memset(&req, 0, sizeof(req));
		req.url = url;
		req.method = strcmp(o.verb, "get") == 0   ? "GET"
			     : strcmp(o.verb, "put") == 0 ? "PUT"
							  : "DELETE";
		if (strcmp(o.verb, "put") == 0) {
			body = acs_put_body(o.ptype, o.ids, o.n_ids);
			req.body = body;
			req.body_len = strlen(body);
			req.content_type = "application/json";
		}
		rc = rt_request(&rt, API_ACS, client, &req, &res);
		if (rc == TP_EXIT_NOPERM)
			fprintf(stderr, "teamsprov: acs: likely cause: %s\n",
				acs_refusal_hint(rt.apis[API_ACS].hmac !=
						 NULL));
		else if (rc == 0)
			rc = show(&o, &req, &res);
	}
	http_response_release(&res);
	http_client_free(client);
	free(body);
	free(url);
	free(path);
	free(o.ids);
	return rt_release(&rt, rc);
}
