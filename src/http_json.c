/*
 * http_json: the JSON helpers declared in http.h, over cJSON. 64-bit ids
 * never go through valueint (it saturates at INT_MAX): a bare number is
 * read from its text, a field from valuedouble within its exact range.
 */
#include "http.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

cJSON *http_json(const struct http_response *res)
{
	return cJSON_ParseWithLength(res->body.p, res->body.len);
}

int json_bare_i64(const char *s, size_t n, int64_t *out)
{
	char tmp[32], *end;
	long long v;
	size_t i = 0;

	while (n && strchr(" \t\r\n", s[n - 1]))
		n--;
	while (i < n && strchr(" \t\r\n", s[i]))
		i++;
	s += i;
	n -= i;
	if (n == 0 || n >= sizeof(tmp))
		return -1;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	/* JSON integers: optional '-', no '+', no leading zeros. */
	i = tmp[0] == '-';
	if (!(tmp[i] >= '0' && tmp[i] <= '9') ||
	    (tmp[i] == '0' && tmp[i + 1] != '\0'))
		return -1;
	errno = 0;
	v = strtoll(tmp, &end, 10);
	if (errno == ERANGE || *end)
		return -1;
	*out = (int64_t)v;
	return 0;
}

int json_i64(const cJSON *item, int64_t *out)
{
	const double lim = 9007199254740992.0; /* 2^53 */
	double d;

	if (cJSON_IsString(item))
		return json_bare_i64(item->valuestring,
		                     strlen(item->valuestring), out);
	if (!cJSON_IsNumber(item))
		return -1;
	d = item->valuedouble;
	/* 2^53 itself may be a rounded larger value: refused. */
	if (!(d > -lim && d < lim) || d != (double)(int64_t)d)
		return -1;
	*out = (int64_t)d;
	return 0;
}

int json_get_i64(const cJSON *obj, const char *name, int64_t *out)
{
	return json_i64(cJSON_GetObjectItemCaseSensitive(obj, name), out);
}

const char *json_get_str(const cJSON *obj, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}
