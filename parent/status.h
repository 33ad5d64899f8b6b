/*
 * status.h - how the service is, told to the GUI and to systemd.
 *
 * The service is starting (a generation boots to serve), running,
 * restarting (none serves, or the next start waits for its delay) or
 * draining (the parent stops); the standby is off, booting, ready, waiting
 * for the restart delay or held (standby.h). The GUI gets that with the
 * counters as IPC_STATUS, sent to the serving generation; systemd gets a
 * summary line as STATUS= ("running: generation 3, pid 4242, 2 restarts,
 * standby ready"), with READY=1 the first time a generation is ready.
 */
#ifndef WARDEN_PARENT_STATUS_H
#define WARDEN_PARENT_STATUS_H

#include "generation.h"
#include "notify.h"
#include "restart.h"
#include "standby.h"

#include <stdbool.h>
#include <stdint.h>

struct status {
	/* Used by supervisor.c too. */
	struct notify notify;  /* also its watchdog and STOPPING=1 */
	uint32_t violations;   /* children the sandbox ended, draining ones included */
	uint64_t last_sent_ms; /* when the serving generation last got a status */
	/* Private. */
	const struct generations *set;
	const struct restart *restart;
	const struct standby *standby;
	bool announced_ready;
};

/* The status reports on `set`, `restart` and `standby`. */
void status_init(struct status *st, const struct generations *set, const struct restart *restart,
                 const struct standby *standby);

/* Tells systemd the summary line and the serving generation (if any) the
 * status; `stopping` while the parent stops. */
void status_publish(struct status *st, bool stopping);

/* Sends `g` the status, as it will be once `g` serves: before its serve,
 * so that it counts from the parent's start (ipc_status.carried) from
 * its first client on. */
void status_send(struct status *st, struct generation *g, bool stopping);

/* A generation is ready: READY=1 the first time, then as status_publish. */
void status_ready(struct status *st, bool stopping);

#endif
