/*
 * restart.h - what follows a generation's end: the restart policy over
 * backoff.h's arithmetic, its timer, and the restarts the GUI shows.
 *
 * A generation that served (or booted to serve) and ended, other than by
 * a reload's replacement, is a restart: counted, and kept for the GUI's
 * timeline (the newest IPC_RECENT_RESTARTS). When it was the serving one
 * and none is booting to take over, the next one starts after the backoff
 * delay. More than burst_limit restarts within burst_window_ms is a burst:
 * the parent gives up so that an outer supervisor can take over, or goes
 * on at one start per restart_max_ms, as burst_action says. An incoming
 * generation that ended is a failed reload: the current one keeps serving
 * and nothing starts. With supervise.standby, a serving generation the
 * standby took over from, and a standby that ended, are restarts too: the
 * next standby starts after the delay (standby.h). A generation a reload
 * replaced is no restart, but the timeline shows its end too. Each entry
 * of the serving generations' ends carries the outage: how long from the
 * loss of the serving generation to the word serve to the next.
 */
#ifndef WARDEN_PARENT_RESTART_H
#define WARDEN_PARENT_RESTART_H

#include "backoff.h"
#include "config.h"
#include "generation.h"
#include "ipc/ipc.h"

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

struct restart {
	/* Read by the other parts of the supervisor. */
	bool pending;   /* the next start waits for the timer */
	uint32_t count; /* restarts since the parent started */
	uint32_t recent_count;
	struct ipc_restart recent[IPC_RECENT_RESTARTS]; /* newest first, reloads too */
	uint32_t ends_by_reason[IPC_END_MAX + 1];       /* restarts, and reloads' ends */
	/* Private. */
	uint32_t outage_generation; /* the serving one lost last */
	uint64_t outage_since_ms;   /* monotonic; 0: a generation serves */
	uint32_t outage_ms;         /* how long the last outage lasted */
	const struct warden_config *cfg;
	struct generations *set;
	struct backoff backoff;
	uv_timer_t timer;
	void (*due)(void *data);
	void *data;
};

/* `due` is called with `data`, from `loop`, when the next generation is to
 * start. Returns 0, or -1 when memory for the burst limit cannot be had. */
int restart_init(struct restart *r, uv_loop_t *loop, const struct warden_config *cfg,
                 struct generations *set, void (*due)(void *data), void *data);
void restart_free(struct restart *r);

/* The generation `g` ended as `end` says, out of `role`, while the parent
 * runs. Returns 0, or -1 when the burst limit says give up: the caller
 * stops. */
int restart_after_end(struct restart *r, const struct generation *g, enum generation_role role,
                      const struct ipc_restart *end);

/* Schedules the next start after a generation that was ready at `ready_ms`
 * (0: never ready, or none could be started). Returns 0, or -1 when the
 * burst limit says give up: the caller stops. */
int restart_schedule(struct restart *r, uint64_t ready_ms);

/* The configuration changed (a reload): the restart delays and the burst
 * limit follow it, starting afresh, when they changed. */
void restart_reconfigure(struct restart *r);

/* The serving generation `g` is gone or going: the outage starts. */
void restart_lost(struct restart *r, const struct generation *g);

/* A generation is about to be told to serve: the outage, if any, ends. */
void restart_served(struct restart *r);

/* The parent stops: nothing more starts. */
void restart_cancel(struct restart *r);

#endif
