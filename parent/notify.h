/*
 * notify.h - telling systemd how the service is (sd_notify). Every call is
 * a no-op when the parent was not started by systemd (no NOTIFY_SOCKET).
 */
#ifndef WARDEN_PARENT_NOTIFY_H
#define WARDEN_PARENT_NOTIFY_H

#include <stdbool.h>
#include <stdint.h>

struct notify {
	bool enabled;         /* NOTIFY_SOCKET is set */
	uint64_t watchdog_us; /* WATCHDOG_USEC for this process; 0: no watchdog */
	uint64_t last_watchdog_ms;
};

void notify_init(struct notify *n);

void notify_ready(struct notify *n, const char *status);
void notify_status(struct notify *n, const char *status);
void notify_stopping(struct notify *n);

/* Pets the watchdog, at most twice per watchdog period; `now_ms` is
 * monotonic. The caller does this only while the child answers. */
void notify_watchdog(struct notify *n, uint64_t now_ms);

#endif
