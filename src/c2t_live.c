/*
 * c2t_live: fetching the reseller's live SBC gateway and PBX type lists
 * (see c2t.h), shared by lookup, plan --refresh and apply.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "c2t.h"
#include "exitcode.h"
#include "runtime.h"
#include "util.h"

int c2t_fetch_list(struct runtime *rt, struct http_client *c, bool want_pbx,
		   struct c2t_list *out)
{
	struct http_request req;
	struct http_response res;
	char *path, *url, *err = NULL;
	int rc;

	path = want_pbx ? xasprintf("/pbx/getPBXTypesByResellerId?resellerId="
				    "%lld",
				    (long long)rt->reseller_id)
			: xasprintf("/reseller/"
				    "getAvailableSBCGatewayRegionsByResellerId/"
				    "%lld",
				    (long long)rt->reseller_id);
	url = api_url(&rt->apis[API_C2T], path);
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
	if (rc == 0 && (want_pbx ? c2t_parse_pbx_list(res.body.p, res.body.len,
						      out, &err)
				 : c2t_parse_sbc_list(res.body.p, res.body.len,
						      out, &err)) < 0) {
		fprintf(stderr, "teamsprov: GET %s: %s\n", path, err);
		free(err);
		rc = TP_EXIT_FAILED;
	}
	http_response_release(&res);
	free(url);
	free(path);
	return rc;
}

int c2t_fetch_enterprises(struct runtime *rt, struct http_client *c,
			  struct c2t_list *out)
{
	const char *p = rt->cfg.c2t.paths.list_enterprises;
	char *path = xasprintf("%s%sresellerId=%lld", p,
			       strchr(p, '?') ? "&" : "?",
			       (long long)rt->reseller_id);
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
	if (rc == 0 &&
	    c2t_parse_enterprise_list(res.body.p, res.body.len, out, &err) < 0) {
		fprintf(stderr, "teamsprov: GET %s: %s\n", p, err);
		free(err);
		rc = TP_EXIT_FAILED;
	}
	http_response_release(&res);
	free(url);
	free(path);
	return rc;
}
