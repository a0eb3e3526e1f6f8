/*
 * progress: the progress line of apply, wait and urls. On a terminal one
 * self-updating line on stderr (done/total, requests/s, ETA, failures);
 * otherwise a plain line every 10 s, with no control characters, for logs.
 * It runs in its own thread and only reads the pool's counters.
 */
#ifndef TP_PROGRESS_H
#define TP_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>

#include "pool.h"

struct progress;

/* Starts reporting on p; with enabled false it prints nothing. */
struct progress *progress_start(struct pool *p, const char *what,
				bool enabled);
/* Appends extra text to every line: fn writes at most n bytes into buf
 * (", wizards: 3 running, 1 done, 0 failed"); it runs on the progress
 * thread, so it reads only atomics. NULL pr is fine. */
void progress_set_extra(struct progress *pr,
			void (*fn)(void *arg, char *buf, size_t n), void *arg);
/* Stops the thread and clears the line on a terminal. NULL is fine. */
void progress_stop(struct progress *pr);

#endif
