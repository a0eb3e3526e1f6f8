/*
 * timerheap: the pool's timer queue, a binary min-heap of items keyed by
 * due time (monotonic ns), equal due times in insertion order. Pure data
 * structure: time is a parameter, so its ordering is tested without
 * threads or clocks. Not thread-safe: the pool's lock guards it.
 */
#ifndef TP_TIMERHEAP_H
#define TP_TIMERHEAP_H

#include <stddef.h>
#include <stdint.h>

struct timerheap_entry {
	int64_t due;
	uint64_t seq; /* insertion order, breaks ties */
	void *item;
};

struct timerheap {
	struct timerheap_entry *v;
	size_t n, cap;
	uint64_t seq;
};

void timerheap_init(struct timerheap *h);
/* Frees the array; the items belong to the caller. */
void timerheap_release(struct timerheap *h);
void timerheap_push(struct timerheap *h, int64_t due, void *item);
/* Removes and returns the earliest item due at or before now, or NULL. */
void *timerheap_pop_due(struct timerheap *h, int64_t now);
/* The earliest due time; INT64_MAX when empty. */
int64_t timerheap_next(const struct timerheap *h);

#endif
