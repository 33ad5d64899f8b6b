/*
 * standby.h - the spare generation (supervise.standby): when one starts,
 * and how it takes over when the serving one is lost.
 *
 * With supervise.standby = true the parent runs one generation more than
 * serves: started once the serving one is ready, it boots, locks down,
 * reports ready and is attested like any (generation.h), and is pinged
 * like any, but it is not told to serve. When the serving generation is
 * lost, at the first sign (its link hangs up, the parent kills it for a
 * missed heartbeat, a violation or a malformed message, or it is reaped),
 * the standby is told to serve before anything else is done, and accepts
 * from the same listening socket, where connections waited meanwhile.
 *
 * The standby runs the configuration in force when it started. A reload's
 * generation takes over as before; the standby, which runs the
 * configuration before the reload, never takes over a reload: it goes
 * when the reload's generation serves, and a new one starts.
 *
 * A new standby starts under the restart policy (restart.h): after the
 * backoff delay once a serving generation failed over or a standby ended,
 * each counted towards the burst limit, so that a crash loop of either
 * slows down and ends in burst_action. None starts while the serving
 * generation boots or a reload's generation boots. The log says when the
 * serving one was lost with no standby ready, and why.
 */
#ifndef WARDEN_PARENT_STANDBY_H
#define WARDEN_PARENT_STANDBY_H

#include "config.h"
#include "generation.h"
#include "restart.h"

#include <stdbool.h>
#include <stdint.h>

struct standby {
	/* Read by the other parts of the supervisor. */
	uint32_t failovers; /* takeovers since the parent started */
	/* Private. */
	const struct warden_config *cfg;
	struct generations *set;
	struct restart *restart;
};

void standby_init(struct standby *sb, const struct warden_config *cfg, struct generations *set,
                  struct restart *restart);

/* The current generation `lost` is gone or going (generation_events.lost)
 * while the parent runs: the standby serves in its place, at once when it
 * is ready. Returns true when there was one to take over. */
bool standby_take_over(struct standby *sb, struct generation *lost);

/* Starts a standby when one is wanted and may start now. Returns 0, or -1
 * when none could be spawned and the burst limit says give up: the caller
 * stops. */
int standby_replenish(struct standby *sb);

/* The standby as the GUI is told (enum ipc_standby_state). */
uint32_t standby_state(const struct standby *sb);

#endif
