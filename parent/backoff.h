/*
 * backoff.h - when to start the next child: exponential backoff and the
 * burst limit. Pure arithmetic over times the caller passes in, so it is
 * tested without clocks or processes.
 *
 * Each end of a child that is followed by a restart goes through
 * backoff_next. The delay starts at `initial_ms` and is multiplied by
 * `factor` after each restart, up to `max_ms`; a child that stayed up for
 * `stable_ms` or more resets it. More than `burst_limit` restarts within
 * `burst_window_ms` is a burst: the caller gives up (or keeps going at the
 * maximum delay, as configured).
 */
#ifndef WARDEN_PARENT_BACKOFF_H
#define WARDEN_PARENT_BACKOFF_H

#include <stdbool.h>
#include <stdint.h>

struct backoff_config {
	uint32_t initial_ms, max_ms, stable_ms;
	double factor;
	uint32_t burst_limit, burst_window_ms;
};

struct backoff {
	struct backoff_config cfg;
	uint64_t next_ms;   /* the delay the next restart waits */
	uint64_t *restarts; /* ring of the last burst_limit restart times, in ms */
	uint32_t count, head;
};

/* Returns 0, or -1 when memory for the burst ring cannot be had. */
int backoff_init(struct backoff *b, const struct backoff_config *cfg);
void backoff_free(struct backoff *b);

struct backoff_decision {
	uint64_t delay_ms;
	bool burst; /* this restart is over the burst limit */
};

/* A child that ran for `uptime_ms` ended at `now_ms`; decides the delay
 * before its successor starts, and records the restart. */
struct backoff_decision backoff_next(struct backoff *b, uint64_t now_ms, uint64_t uptime_ms);

#endif
