/*
 * c2t: ConnecttoTeams request bodies and answer shapes (see c2t.h).
 */
#include "c2t.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "util.h"

void c2t_list_release(struct c2t_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i].name);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

const struct c2t_entry *c2t_list_find(const struct c2t_list *l,
				      const char *name)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (str_casecmp(l->v[i].name, name) == 0)
			return &l->v[i];
	return NULL;
}

const struct c2t_entry *c2t_list_find_id(const struct c2t_list *l,
					 int64_t id)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (l->v[i].id == id)
			return &l->v[i];
	return NULL;
}

/* Reads an array of objects into out, taking name_key and id_key. */
static int parse_array(const cJSON *arr, const char *name_key,
		       const char *id_key, const char *disabled_key,
		       struct c2t_list *out, char **err)
{
	const cJSON *it;
	size_t n = 0;

	out->v = NULL;
	out->n = 0;
	if (!cJSON_IsArray(arr)) {
		*err = xstrdup("the answer is not a JSON array");
		return -1;
	}
	out->v = xcalloc((size_t)cJSON_GetArraySize(arr) + 1,
			 sizeof(*out->v));
	cJSON_ArrayForEach(it, arr)
	{
		const char *name = json_get_str(it, name_key);
		int64_t id;
		const cJSON *dis;

		if (!name || json_get_i64(it, id_key, &id) < 0) {
			out->n = n;
			c2t_list_release(out);
			*err = xasprintf("an entry lacks \"%s\" or \"%s\"",
					 name_key, id_key);
			return -1;
		}
		out->v[n].name = xstrdup(name);
		out->v[n].id = id;
		dis = disabled_key ? cJSON_GetObjectItemCaseSensitive(
					     it, disabled_key)
				   : NULL;
		out->v[n].disabled = cJSON_IsTrue(dis);
		n++;
	}
	out->n = n;
	return 0;
}

static int parse_list(const char *body, size_t len, const char *name_key,
		      const char *id_key, const char *disabled_key,
		      struct c2t_list *out, char **err)
{
	cJSON *root = cJSON_ParseWithLength(body, len);
	const cJSON *arr = root;
	int rc;

	*err = NULL;
	if (!root) {
		out->v = NULL;
		out->n = 0;
		*err = xstrdup("the answer is not JSON");
		return -1;
	}
	/* A HAL-style answer keeps its array under "_embedded", in a field
	 * whose name varies: take the first array there. */
	if (cJSON_IsObject(root)) {
		const cJSON *emb =
			cJSON_GetObjectItemCaseSensitive(root, "_embedded");
		const cJSON *it;

		arr = NULL;
		if (cJSON_IsArray(emb))
			arr = emb;
		else if (cJSON_IsObject(emb)) {
			cJSON_ArrayForEach(it, emb)
			{
				if (cJSON_IsArray(it)) {
					arr = it;
					break;
				}
			}
		}
	}
	rc = parse_array(arr, name_key, id_key, disabled_key, out, err);
	cJSON_Delete(root);
	return rc;
}

int c2t_parse_sbc_list(const char *body, size_t len, struct c2t_list *out,
		       char **err)
{
	return parse_list(body, len, "sbcGatewayRegion", "sbcGatewayId", NULL,
			  out, err);
}

int c2t_parse_pbx_list(const char *body, size_t len, struct c2t_list *out,
		       char **err)
{
	return parse_list(body, len, "pbxName", "id", "isDisabled", out, err);
}

int c2t_parse_enterprise_list(const char *body, size_t len,
			      struct c2t_list *out, char **err)
{
	return parse_list(body, len, "enterpriseName", "enterpriseId", NULL,
			  out, err);
}

int c2t_parse_reseller_id(const char *body, size_t len, int64_t *id)
{
	cJSON *root = cJSON_ParseWithLength(body, len);
	int rc = root ? json_get_i64(root, "resellerId", id) : -1;

	cJSON_Delete(root);
	return rc == 0 && *id > 0 ? 0 : -1;
}

static void add_ids(cJSON *obj, const char *key, const int64_t *ids,
		    size_t n)
{
	cJSON *arr = cJSON_AddArrayToObject(obj, key);
	size_t i;

	for (i = 0; i < n; i++)
		cJSON_AddItemToArray(arr, cJSON_CreateNumber((double)ids[i]));
}

static void add_bool(cJSON *obj, const char *key, enum mf_bool b)
{
	if (b != MF_UNSET)
		cJSON_AddBoolToObject(obj, key, b == MF_TRUE);
}

char *c2t_new_enterprise_body(const struct mf_enterprise *e,
			      const int64_t *sbc, size_t n_sbc,
			      const int64_t *pbx, size_t n_pbx,
			      int64_t reseller_id)
{
	cJSON *o = cJSON_CreateObject(), *arr;
	char *s, *out;
	size_t i;
	int k;

	cJSON_AddStringToObject(o, "enterpriseName", e->name);
	arr = cJSON_AddArrayToObject(o, "services");
	for (k = 0; k < MF_SVC_COUNT; k++)
		if (e->services & (1u << k))
			cJSON_AddItemToArray(
				arr, cJSON_CreateString(mf_service_name(k)));
	add_ids(o, "sbcGateways", sbc, n_sbc);
	add_ids(o, "pbxId", pbx, n_pbx);
	cJSON_AddBoolToObject(o, "restrictAdminAccess", 1);
	if (reseller_id > 0)
		cJSON_AddNumberToObject(o, "resellerId", (double)reseller_id);
	if (e->country)
		cJSON_AddStringToObject(o, "countryName", e->country);
	if (e->has_user_limit)
		cJSON_AddNumberToObject(o, "userLimit", e->user_limit);
	add_bool(o, "federated", e->federated);
	if (e->federation_domain)
		cJSON_AddStringToObject(o, "federationDomain",
					e->federation_domain);
	if (e->n_billing_references) {
		arr = cJSON_AddArrayToObject(o, "billingReferences");
		for (i = 0; i < e->n_billing_references; i++)
			cJSON_AddItemToArray(arr,
					     cJSON_CreateString(
						     e->billing_references[i]));
	}
	add_bool(o, "allowExternalNumbers", e->allow_external_numbers);
	add_bool(o, "canAddExtensions", e->can_add_extensions);
	add_bool(o, "userProvisioningEnabled", e->user_provisioning_enabled);
	add_bool(o, "secureSMSEnabled", e->secure_sms_enabled);
	add_bool(o, "pbxMOH", e->pbx_moh);
	s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (!s)
		abort(); /* cJSON fails only when out of memory */
	out = xstrdup(s);
	cJSON_free(s);
	return out;
}

int c2t_parse_new_enterprise(const char *body, size_t len, int64_t *id)
{
	cJSON *root;
	int rc;

	if (json_bare_i64(body, len, id) == 0)
		return *id > 0 ? 0 : -1;
	root = cJSON_ParseWithLength(body, len);
	rc = -1;
	if (cJSON_IsObject(root))
		rc = json_get_i64(root, "enterpriseId", id) == 0 ||
				     json_get_i64(root, "id", id) == 0
			     ? 0
			     : -1;
	cJSON_Delete(root);
	return rc == 0 && *id > 0 ? 0 : -1;
}

int c2t_already_exists(long status, const char *body, size_t len)
{
	static const char needle[] = "already exist";
	size_t i, n = sizeof(needle) - 1;

	if (status == 409)
		return 1;
	if (status < 400 || status > 499)
		return 0;
	for (i = 0; i + n <= len; i++)
		if (str_ncasecmp(body + i, needle, n) == 0)
			return 1;
	return 0;
}

char *c2t_action_body(const char *action_type, const char *enterprise,
		      const char *redirect_url)
{
	cJSON *o = cJSON_CreateObject();
	char *s, *out;

	cJSON_AddStringToObject(o, "actionType", action_type);
	cJSON_AddStringToObject(o, "enterpriseName", enterprise);
	cJSON_AddStringToObject(o, "redirectUrl", redirect_url);
	s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (!s)
		abort();
	out = xstrdup(s);
	cJSON_free(s);
	return out;
}

static int url_ok(const char *s, size_t n)
{
	size_t i;

	if (!(n > 8 && strncmp(s, "https://", 8) == 0) &&
	    !(n > 7 && strncmp(s, "http://", 7) == 0))
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] <= ' ' && s[i] != ' ')
			return 0;
	return 1;
}

int c2t_parse_action_url(const char *body, size_t len, char **url)
{
	cJSON *root;
	const char *s = NULL;
	size_t b = 0, e = len;

	*url = NULL;
	while (b < e && (body[b] == ' ' || body[b] == '\n' ||
			 body[b] == '\r' || body[b] == '\t'))
		b++;
	while (e > b && (body[e - 1] == ' ' || body[e - 1] == '\n' ||
			 body[e - 1] == '\r' || body[e - 1] == '\t'))
		e--;
	if (b < e && body[b] != '"' && body[b] != '{') {
		if (!url_ok(body + b, e - b))
			return -1;
		*url = xstrndup(body + b, e - b);
		return 0;
	}
	root = cJSON_ParseWithLength(body + b, e - b);
	if (cJSON_IsString(root))
		s = root->valuestring;
	else if (cJSON_IsObject(root))
		s = json_get_str(root, "url");
	if (s && url_ok(s, strlen(s)))
		*url = xstrdup(s);
	cJSON_Delete(root);
	return *url ? 0 : -1;
}
