/*
 * c2t: the ConnecttoTeams API as data — request bodies and the shapes of
 * its answers (reference documents and API-NOTES.md) — with no I/O, so
 * that every accepted shape is unit-tested. The jobs of apply send what
 * this builds and read what this parses.
 */
#ifndef TP_C2T_H
#define TP_C2T_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "manifest.h"

/* One entry of a live list: SBC gateway (region, id), PBX type (pbxName,
 * id, isDisabled) or enterprise (enterpriseName, enterpriseId). */
struct c2t_entry {
	char *name;
	int64_t id;
	int disabled;
};

struct c2t_list {
	struct c2t_entry *v;
	size_t n;
};

void c2t_list_release(struct c2t_list *l);
/* The entry named name (ASCII case-insensitive), or NULL. */
const struct c2t_entry *c2t_list_find(const struct c2t_list *l,
				      const char *name);
/* The entry with this id, or NULL. */
const struct c2t_entry *c2t_list_find_id(const struct c2t_list *l,
					 int64_t id);

/*
 * Parse the answers of getAvailableSBCGatewayRegionsByResellerId
 * ([{sbcGatewayId, sbcGatewayRegion}]), getPBXTypesByResellerId
 * ([{id, pbxName, isDisabled, ...}]) and the enterprise list (an array of
 * {enterpriseName, enterpriseId}, or an object whose "_embedded" holds
 * such an array). Return 0, or -1 with *err set (caller frees).
 */
int c2t_parse_sbc_list(const char *body, size_t len, struct c2t_list *out,
		       char **err);
int c2t_parse_pbx_list(const char *body, size_t len, struct c2t_list *out,
		       char **err);
int c2t_parse_enterprise_list(const char *body, size_t len,
			      struct c2t_list *out, char **err);

/* The resellerId of a getAuthenticatedUser answer. 0 or -1. */
int c2t_parse_reseller_id(const char *body, size_t len, int64_t *id);

/*
 * The body of POST /reseller/newEnterprise for e, with its SBC gateways
 * and PBX types resolved to ids. Always carries enterpriseName, services,
 * sbcGateways and pbxId (arrays, empty where none) and
 * restrictAdminAccess true; optional fields only when the row sets them.
 * The caller frees the result.
 */
char *c2t_new_enterprise_body(const struct mf_enterprise *e,
			      const int64_t *sbc, size_t n_sbc,
			      const int64_t *pbx, size_t n_pbx,
			      int64_t reseller_id);

/* The new id in a newEnterprise answer: a bare JSON number (or a JSON
 * object with an id field). 0 or -1. */
int c2t_parse_new_enterprise(const char *body, size_t len, int64_t *id);

/* A refusal that means "an enterprise of that name exists": 409, or any
 * 4xx whose body says "already exist" in any case. */
int c2t_already_exists(long status, const char *body, size_t len);

/* The body of POST /enterprise/getActionItemUrl. Caller frees. */
char *c2t_action_body(const char *action_type, const char *enterprise,
		      const char *redirect_url);

/*
 * The URL in a getActionItemUrl answer: text/plain, a JSON string, or a
 * JSON object with a "url" field. Only http(s) URLs are accepted. Returns
 * 0 with *url set (caller frees), or -1.
 */
int c2t_parse_action_url(const char *body, size_t len, char **url);

struct runtime;
struct http_client;
/*
 * Fetches the live SBC gateway list (want_pbx false) or PBX type list of
 * the reseller (rt->reseller_id must be known) into *out (release with
 * c2t_list_release). Returns 0 or an exit status, the reason printed.
 */
int c2t_fetch_list(struct runtime *rt, struct http_client *c, bool want_pbx,
		   struct c2t_list *out);
/* The reseller's enterprises ([c2t.paths] list_enterprises), the same
 * way. */
int c2t_fetch_enterprises(struct runtime *rt, struct http_client *c,
			  struct c2t_list *out);

#endif
