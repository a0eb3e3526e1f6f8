/*
 * timerheap: binary min-heap of items keyed by due time (see timerheap.h).
 */
#include "timerheap.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

void timerheap_init(struct timerheap *h)
{
	memset(h, 0, sizeof(*h));
}

void timerheap_release(struct timerheap *h)
{
	free(h->v);
	memset(h, 0, sizeof(*h));
}

static int timer_before(const struct timerheap_entry *a,
                        const struct timerheap_entry *b)
{
	return a->due < b->due || (a->due == b->due && a->seq < b->seq);
}

void timerheap_push(struct timerheap *h, int64_t due, void *item)
{
	size_t i;

	if (h->n == h->cap) {
		h->cap = h->cap ? 2 * h->cap : 64;
		h->v = xrealloc(h->v, h->cap * sizeof(*h->v));
	}
	i = h->n++;
	h->v[i].due = due;
	h->v[i].seq = h->seq++;
	h->v[i].item = item;
	while (i > 0 && timer_before(&h->v[i], &h->v[(i - 1) / 2])) {
		struct timerheap_entry t = h->v[i];

		h->v[i] = h->v[(i - 1) / 2];
		h->v[(i - 1) / 2] = t;
		i = (i - 1) / 2;
	}
}

void *timerheap_pop_due(struct timerheap *h, int64_t now)
{
	void *item;
	size_t i = 0;

	if (!h->n || h->v[0].due > now)
		return NULL;
	item = h->v[0].item;
	h->v[0] = h->v[--h->n];
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		struct timerheap_entry t;

		if (l < h->n && timer_before(&h->v[l], &h->v[m]))
			m = l;
		if (r < h->n && timer_before(&h->v[r], &h->v[m]))
			m = r;
		if (m == i)
			break;
		t = h->v[i];
		h->v[i] = h->v[m];
		h->v[m] = t;
		i = m;
	}
	return item;
}

int64_t timerheap_next(const struct timerheap *h)
{
	return h->n ? h->v[0].due : INT64_MAX;
}
