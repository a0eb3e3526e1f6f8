/*
 * sim_server: teamsprov-sim's HTTP side (libmicrohttpd). A pool of epoll
 * threads serves keep-alive connections; each request is routed, passed
 * through the per-API token bucket and the fault draw (in arrival order),
 * its body collected (capped), answered by sim_handle(), and delayed by
 * --latency without holding a thread: the connection is suspended and a
 * timer thread resumes it when its answer is due.
 */
#ifndef TP_SIM_SERVER_H
#define TP_SIM_SERVER_H

#include "sim.h"

/* Largest request body accepted; more is answered with 413. */
#define SIM_MAX_BODY (1u << 20)

struct sim_server;

/*
 * Listens on listen ("ADDR:PORT", "[V6]:PORT"; port 0 picks one) and
 * serves s, which must outlive the server. Sets s's base URL. Returns the
 * server and *bound ("ADDR:PORT" as bound, caller frees), or NULL with
 * *err set (caller frees).
 */
struct sim_server *sim_server_start(struct sim *s, const char *listen,
                                    char **bound, char **err);

/* Answers delayed requests at once, closes every connection, frees. */
void sim_server_stop(struct sim_server *srv);

#endif
