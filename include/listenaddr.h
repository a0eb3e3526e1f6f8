/*
 * listenaddr: the ADDR:PORT of a --listen option ("127.0.0.1:8080",
 * "[::1]:8080", "localhost:8080") as a socket address to bind. Addresses
 * are numeric (no name lookup, so a typo cannot bind somewhere
 * unexpected), except "localhost", which means 127.0.0.1. Ports are
 * 1-65535.
 */
#ifndef TP_LISTENADDR_H
#define TP_LISTENADDR_H

#include <netinet/in.h>
#include <sys/socket.h>

struct listenaddr {
	struct sockaddr_storage ss; /* AF_INET or AF_INET6, port set */
	socklen_t len;
	int family;
	unsigned port;
	char text[INET6_ADDRSTRLEN + 8]; /* "ADDR:PORT" or "[ADDR]:PORT" */
};

/*
 * Parses spec into *out. Returns 0, or -1 with *err set to a message
 * (static storage: do not free) such as "port must be 1-65535".
 */
int listenaddr_parse(const char *spec, struct listenaddr *out,
		     const char **err);

/* Fills text from ss (after binding port 0, for example). */
void listenaddr_format(struct listenaddr *a);

#endif
