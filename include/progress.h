/*
 * progress: the progress line of apply, wait and urls. On a terminal one
 * self-updating line on stderr (done/total, requests/s, ETA, failures);
 * otherwise a plain line every 10 s, with no control characters, for logs.
 * It runs in its own thread and only reads the pool's counters.
 */
#ifndef TP_PROGRESS_H
#define TP_PROGRESS_H

#include <stdbool.h>

#include "pool.h"

struct progress;

/* Starts reporting on p; with enabled false it prints nothing. */
struct progress *progress_start(struct pool *p, const char *what,
				bool enabled);
/* Stops the thread and clears the line on a terminal. NULL is fine. */
void progress_stop(struct progress *pr);

#endif
