/*
 * notify.c - see notify.h.
 */
#include "notify.h"

#include <stdlib.h>
#include <systemd/sd-daemon.h>

void notify_init(struct notify *n)
{
	n->enabled = getenv("NOTIFY_SOCKET") != NULL;
	n->last_watchdog_ms = 0;
	uint64_t usec = 0;
	/* unset = 0: keep the variables for our own later calls; the child's
	 * environment is empty anyway. */
	n->watchdog_us = sd_watchdog_enabled(0, &usec) > 0 ? usec : 0;
}

void notify_ready(struct notify *n, const char *status)
{
	if (n->enabled)
		sd_notifyf(0, "READY=1\nSTATUS=%s", status);
}

void notify_status(struct notify *n, const char *status)
{
	if (n->enabled)
		sd_notifyf(0, "STATUS=%s", status);
}

void notify_stopping(struct notify *n)
{
	if (n->enabled)
		sd_notify(0, "STOPPING=1");
}

void notify_watchdog(struct notify *n, uint64_t now_ms)
{
	if (n->watchdog_us == 0)
		return;
	uint64_t half_ms = n->watchdog_us / 2000;
	if (n->last_watchdog_ms != 0 && now_ms - n->last_watchdog_ms < half_ms)
		return;
	n->last_watchdog_ms = now_ms;
	sd_notify(0, "WATCHDOG=1");
}
