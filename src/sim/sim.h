/*
 * sim: teamsprov-sim's model of the three provider APIs, apart from HTTP.
 *
 * The server (sim_server.c) turns each HTTP request into a struct sim_req,
 * asks sim_route() which route it is, applies limits and faults, and calls
 * sim_handle(), which answers in a struct sim_resp. Everything below the
 * server is plain functions of (state, request, time), so unit tests drive
 * the whole model without sockets. All state lives in struct sim behind
 * one mutex (sim_state.h); handlers take it for short sections.
 */
#ifndef TP_SIM_H
#define TP_SIM_H

#include <stddef.h>
#include <stdint.h>

#include "util.h"

enum sim_api {
	SIM_API_C2T,
	SIM_API_FUSION,
	SIM_API_ACS,
	SIM_API_SIM,
	SIM_API_N
};

/* Every route the simulator knows; SIM_R_* names appear in the stats. */
enum sim_route_id {
	SIM_R_NOT_FOUND,  /* unknown path (api from the prefix) */
	SIM_R_BAD_METHOD, /* known path, wrong method: 405 */
	/* C2T */
	SIM_R_C2T_TOKEN,
	SIM_R_C2T_AUTH_USER,
	SIM_R_C2T_SBC,
	SIM_R_C2T_PBX,
	SIM_R_C2T_NEW_ENTERPRISE,
	SIM_R_C2T_LIST_ENTERPRISES,
	SIM_R_C2T_ACTION_URL,
	SIM_R_C2T_APP_CONSENT,
	SIM_R_C2T_O365_USER_INFO,
	SIM_R_C2T_TENANT_ADMIN_API,
	SIM_R_C2T_EM_CONSENT,
	/* Fusion */
	SIM_R_F_LOGIN,
	SIM_R_F_REFRESH,
	SIM_R_F_APPLICATIONS,
	SIM_R_F_WIZARD_POST,
	SIM_R_F_WIZARD_GET,
	SIM_R_F_UPDATE_VRP,
	SIM_R_F_CREATE_APP,
	SIM_R_F_RESET_SECRET,
	SIM_R_F_UNLINK,
	SIM_R_F_SOURCES,
	SIM_R_F_LINK,
	SIM_R_F_STATUS,
	/* ACS */
	SIM_R_ACS_PUT,
	SIM_R_ACS_GET,
	SIM_R_ACS_DELETE,
	/* the simulator's own */
	SIM_R_SIM_STATS,
	SIM_R_SIM_RESET,
	SIM_R_SIM_ENTERPRISES,
	SIM_R_SIM_CLICK,
	SIM_R_SIM_ACS_PUT,
	SIM_R_SIM_ACS_DELETE,
	SIM_R_SIM_EXPIRE_TOKENS,
	SIM_R_N
};

#define SIM_MAX_PARAMS 4

/* What sim_route() found: the route and its path parameters. */
struct sim_match {
	enum sim_route_id route;
	enum sim_api api;
	/* path segments captured by the pattern, in order, not decoded */
	char *param[SIM_MAX_PARAMS];
	int nparam;
};

/*
 * Routes method + path (no query string). Fills m (release with
 * sim_match_release). Never fails: unknown paths give SIM_R_NOT_FOUND.
 */
void sim_route(const char *method, const char *path, struct sim_match *m);
void sim_match_release(struct sim_match *m);
/* The stable name of a route ("c2t.newEnterprise"); static string. */
const char *sim_route_name(enum sim_route_id r);
const char *sim_api_name(enum sim_api a);
/* Token endpoints and /_sim/ routes: never faulted, limited or delayed. */
int sim_route_exempt(enum sim_route_id r);

/* One request as the server saw it. Strings are borrowed. */
struct sim_req {
	const char *method;
	const char *uri;   /* request target as sent: path and query */
	const char *path;  /* uri up to '?' (owned by the caller) */
	const char *query; /* after '?', "" when none */
	const char *authorization, *content_type, *host;
	const char *x_ms_date, *x_ms_content_sha256, *idempotency_key;
	const char *body;
	size_t body_len;
	int64_t now;  /* monotonic ns */
	int64_t wall; /* wall clock, s */
};

/* The answer. drop: close the connection without answering. */
struct sim_resp {
	int status;
	struct buf body;
	const char *content_type; /* static */
	char *location;           /* Location header, owned, or NULL */
	char *www_authenticate;   /* owned, or NULL */
	int retry_after;          /* seconds, 0: no header */
};

void sim_resp_init(struct sim_resp *rs);
void sim_resp_release(struct sim_resp *rs);
/* Sets status and a JSON body from a format (content type JSON). */
void sim_resp_json(struct sim_resp *rs, int status, const char *fmt, ...)
    TP_PRINTF(3, 4);
/* JSON {"error": "msg"} with msg escaped. */
void sim_resp_error(struct sim_resp *rs, int status, const char *msg);
/* Takes ownership of a cJSON-printed string as a JSON body. */
void sim_resp_take(struct sim_resp *rs, int status, char *json);

/* Decoded value of query (or form) parameter name; caller frees; NULL. */
char *sim_query_get(const char *query, const char *name);

struct sim;

/* Answers a routed request (all APIs and /_sim). */
void sim_handle(struct sim *s, const struct sim_match *m,
                const struct sim_req *rq, struct sim_resp *rs);

#endif
