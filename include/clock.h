/*
 * clock: the one place that reads clocks. Scheduling code takes `now` as a
 * parameter; only the edges call these.
 */
#ifndef TP_CLOCK_H
#define TP_CLOCK_H

#include <stdint.h>

#define TP_NS_PER_MS INT64_C(1000000)
#define TP_NS_PER_S INT64_C(1000000000)

/* Monotonic time in nanoseconds (CLOCK_MONOTONIC). */
int64_t clock_mono_ns(void);
/* Wall-clock time in nanoseconds since the epoch (CLOCK_REALTIME). */
int64_t clock_wall_ns(void);

#endif
