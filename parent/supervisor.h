/*
 * supervisor.h - the parent's event loop: starts children, watches them,
 * restarts them, and stops.
 *
 * Each child is one "generation" (generation.h): spawned, handed the log
 * file and the listening socket with its configuration over a fresh
 * socketpair (ipc/endpoint.h), then expected to report READY within the
 * ready timeout and to answer every heartbeat within the heartbeat timeout. Anything else it
 * does wrong (a malformed or out-of-order message, a violation report, a
 * missed deadline) gets it SIGKILLed. Every end is classified and logged at
 * WARNING (child_end.h) and the next generation starts after the backoff
 * delay; a burst of restarts ends the parent (or throttles it, as
 * configured; restart.h). The GUI and systemd are told how the service is
 * (status.h).
 *
 * SIGTERM/SIGINT: the children drain within the drain timeout, then the
 * parent exits 0. SIGHUP: the configuration is read again (reload.h), the
 * log file is reopened by path, and a new generation started with them
 * takes over; the old one drains. A refused configuration changes nothing
 * (but a log file that logrotate moved still moves, through a new
 * generation with the configuration in force). A reload's generation that
 * fails to take over takes its configuration with it: the one in force
 * before comes back, and the serving generation goes on with it.
 */
#ifndef WARDEN_PARENT_SUPERVISOR_H
#define WARDEN_PARENT_SUPERVISOR_H

#include "config.h"
#include "settings.h"
#include "ipc/ipc.h"

#include <stdio.h>

struct listener;
struct logfile;
struct trace;

struct supervisor_setup {
	struct settings *settings; /* in force: what each generation is started with */
	struct listener *listener;
	struct logfile *log;
	struct trace *trace; /* NULL: no trace */
	/* Loads the configuration again as at start: the same file, the same
	 * flags. Writes every error to `errors`, one line each, and returns how
	 * many there were. */
	int (*load)(void *ctx, struct warden_config *cfg, FILE *errors);
	void *load_ctx;
};

/* Runs until stopped by a signal (returns 0) or by the burst limit, or a
 * failure to start at all (returns non-zero). */
int supervisor_run(const struct supervisor_setup *setup);

#endif
