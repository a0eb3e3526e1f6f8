/*
 * listenaddr: parsing of --listen ADDR:PORT (see listenaddr.h).
 */
#include "listenaddr.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

/* Decimal 1-65535, nothing else (no sign, no blanks). */
static int parse_port(const char *s, unsigned *port)
{
	unsigned long v = 0;
	size_t i;

	if (!*s || strlen(s) > 5)
		return -1;
	for (i = 0; s[i]; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v < 1 || v > 65535)
		return -1;
	*port = (unsigned)v;
	return 0;
}

void listenaddr_format(struct listenaddr *a)
{
	char host[INET6_ADDRSTRLEN];

	if (a->family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&a->ss;
		inet_ntop(AF_INET6, &s6->sin6_addr, host, sizeof(host));
		a->port = ntohs(s6->sin6_port);
		snprintf(a->text, sizeof(a->text), "[%s]:%u", host, a->port);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&a->ss;
		inet_ntop(AF_INET, &s4->sin_addr, host, sizeof(host));
		a->port = ntohs(s4->sin_port);
		snprintf(a->text, sizeof(a->text), "%s:%u", host, a->port);
	}
}

int listenaddr_parse(const char *spec, struct listenaddr *out,
		     const char **err)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *colon, *h;
	size_t hl;
	unsigned port;

	memset(out, 0, sizeof(*out));
	*err = NULL;
	if (spec[0] == '[') {
		const char *end = strchr(spec, ']');
		if (!end || end[1] != ':') {
			*err = "expected [ADDR]:PORT";
			return -1;
		}
		h = spec + 1;
		hl = (size_t)(end - h);
		colon = end + 1;
	} else {
		colon = strrchr(spec, ':');
		if (!colon || colon == spec) {
			*err = "expected ADDR:PORT";
			return -1;
		}
		h = spec;
		hl = (size_t)(colon - spec);
		if (memchr(h, ':', hl)) {
			*err = "an IPv6 address goes in brackets: [ADDR]:PORT";
			return -1;
		}
	}
	if (parse_port(colon + 1, &port) < 0) {
		*err = "port must be a number from 1 to 65535";
		return -1;
	}
	if (hl == 0 || hl >= sizeof(host)) {
		*err = "bad address";
		return -1;
	}
	memcpy(host, h, hl);
	host[hl] = '\0';
	if (strcmp(host, "localhost") == 0)
		strcpy(host, "127.0.0.1");
	if (spec[0] == '[') {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&out->ss;
		if (inet_pton(AF_INET6, host, &s6->sin6_addr) != 1) {
			*err = "not an IPv6 address";
			return -1;
		}
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		out->family = AF_INET6;
		out->len = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&out->ss;
		if (inet_pton(AF_INET, host, &s4->sin_addr) != 1) {
			*err = "not an IPv4 address (IPv6 goes in brackets)";
			return -1;
		}
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		out->family = AF_INET;
		out->len = sizeof(*s4);
	}
	listenaddr_format(out);
	return 0;
}
