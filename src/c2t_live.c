/*
 * c2t_live: fetching the reseller's live lists — SBC gateways, PBX types,
 * enterprises — outside the worker pool (see c2t.h), for lookup, plan
 * --refresh and apply's preflight.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "c2t.h"
#include "exitcode.h"
#include "runtime.h"
#include "util.h"

typedef int (*list_parser)(const char *body, size_t len, struct c2t_list *out,
			   char **err);

/* GETs path (taken over) and parses the answer into *out. */
static int fetch(struct runtime *rt, struct http_client *c, char *path,
		 list_parser parse, struct c2t_list *out)
{
	char *url = api_url(&rt->apis[API_C2T], path), *err = NULL;
	struct http_request req;
	struct http_response res;
	int rc;

	memset(&req, 0, sizeof(req));
	req.method = "GET";
	req.url = url;
	http_response_init(&res);
	rc = rt_request(rt, API_C2T, c, &req, &res);
	if (rc == 0 && res.status != 200) {
		char *msg = http_status_message(&req, &res);
		fprintf(stderr, "teamsprov: %s\n", msg);
		free(msg);
		rc = TP_EXIT_FAILED;
	}
	if (rc == 0 && parse(res.body.p, res.body.len, out, &err) < 0) {
		fprintf(stderr, "teamsprov: GET %s: %s\n", path, err);
		free(err);
		rc = TP_EXIT_FAILED;
	}
	http_response_release(&res);
	free(url);
	free(path);
	return rc;
}

int c2t_fetch_list(struct runtime *rt, struct http_client *c, bool want_pbx,
		   struct c2t_list *out)
{
	long long id = (long long)rt->reseller_id;

	if (want_pbx)
		return fetch(rt, c,
			     xasprintf("/pbx/getPBXTypesByResellerId?"
				       "resellerId=%lld",
				       id),
			     c2t_parse_pbx_list, out);
	return fetch(rt, c,
		     xasprintf("/reseller/"
			       "getAvailableSBCGatewayRegionsByResellerId/%lld",
			       id),
		     c2t_parse_sbc_list, out);
}

int c2t_fetch_enterprises(struct runtime *rt, struct http_client *c,
			  struct c2t_list *out)
{
	const char *p = rt->cfg.c2t.paths.list_enterprises;

	return fetch(rt, c,
		     xasprintf("%s%sresellerId=%lld", p,
			       strchr(p, '?') ? "&" : "?",
			       (long long)rt->reseller_id),
		     c2t_parse_enterprise_list, out);
}
