/*
 * rate.c - see rate.h.
 */
#include "rate.h"

#include <string.h>

void rate_add(struct rate_ring *r, uint64_t second)
{
	if (second > r->newest) {
		/* The slots of the seconds in between held counts from a lap ago. */
		uint64_t gap = second - r->newest;
		if (r->newest == 0 || gap >= RATE_SECONDS)
			memset(r->counts, 0, sizeof(r->counts));
		else
			for (uint64_t s = r->newest + 1; s <= second; s++)
				r->counts[s % RATE_SECONDS] = 0;
		r->newest = second;
	} else if (r->newest - second >= RATE_SECONDS) {
		/* Set back past the window: what the ring holds lies ahead. */
		memset(r->counts, 0, sizeof(r->counts));
		r->newest = second;
	}
	uint32_t *count = &r->counts[second % RATE_SECONDS];
	if (*count < UINT32_MAX)
		(*count)++;
}

void rate_window(const struct rate_ring *r, uint64_t now, uint32_t out[RATE_SECONDS])
{
	for (uint64_t i = 0; i < RATE_SECONDS; i++) {
		out[i] = 0;
		if (now + 1 + i < RATE_SECONDS)
			continue; /* before the epoch: a clock that could not be read */
		uint64_t s = now + 1 + i - RATE_SECONDS;
		if (r->newest != 0 && s <= r->newest && r->newest - s < RATE_SECONDS)
			out[i] = r->counts[s % RATE_SECONDS];
	}
}
