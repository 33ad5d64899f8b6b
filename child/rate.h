/*
 * rate.h - events counted per second over the last RATE_SECONDS seconds:
 * the HTTP server's requests per second, for the GUI's chart.
 *
 * A fixed ring of counters inside its owner: no allocation, a few
 * instructions per event, bounded memory. A second is a CLOCK_REALTIME
 * second since the epoch (UTC), the one the access log stamps its lines
 * with, so the chart, the log and a client's own clock agree.
 *
 *     struct rate_ring r = {0};
 *     rate_add(&r, now_ns / CLOCK_NS_PER_SEC);           (one event)
 *     uint32_t counts[RATE_SECONDS];
 *     rate_window(&r, now_s, counts);   counts[i]: second now_s - 120 + i
 */
#ifndef WARDEN_CHILD_RATE_H
#define WARDEN_CHILD_RATE_H

#include <stdint.h>

enum {
	/* 120 complete seconds and the current one, still counting. */
	RATE_SECONDS = 121,
};

struct rate_ring {
	uint64_t newest;               /* the latest second counted in; 0: none yet */
	uint32_t counts[RATE_SECONDS]; /* second s in counts[s % RATE_SECONDS] */
};

/* One event in `second`. The slots of the seconds since the latest event
 * are cleared first. A clock set back by less than the window counts into
 * that earlier second; by more, it starts the ring afresh. A count
 * saturates at UINT32_MAX. */
void rate_add(struct rate_ring *r, uint64_t second);

/* The counts of seconds now - RATE_SECONDS + 1 .. now, oldest first: 0 for
 * a second with no event, before the first one, or after `now` (the
 * clock was set back). */
void rate_window(const struct rate_ring *r, uint64_t now, uint32_t out[RATE_SECONDS]);

#endif
