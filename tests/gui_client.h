/*
 * gui_client.h - what the GUI tests (test_api, test_gui_browser) share: a
 * real child started through child_harness with a status snapshot and log
 * records from a fake parent, and requests to it (tests/http_client.h).
 */
#ifndef WARDEN_TESTS_GUI_CLIENT_H
#define WARDEN_TESTS_GUI_CLIENT_H

#include "child_harness.h"
#include "http_client.h"

#include <stddef.h>

/* Spawns the child, hands it over with the test configuration, waits for
 * READY. */
void gui_start(struct child_proc *p);

/* The same with another configuration (a bearer token, ...). */
void gui_start_with(struct child_proc *p, const struct ipc_config *config);

/* Sends an IPC_STATUS: generation 1, running, `restarts` restarts, the
 * last two a violation (ptrace) and an exit 3. */
void gui_send_status(struct child_proc *p, unsigned restarts);

/* Sends an IPC_LOG record of `length` bytes. */
void gui_send_log(struct child_proc *p, enum ipc_log_level level, const char *text, size_t length);

/* Sends an IPC_REPORT: shape `shape`, `count` calls of fsync(0) that met
 * `action`, with the parent's explanation. */
void gui_send_report(struct child_proc *p, uint32_t shape, uint32_t count,
                     enum ipc_deny_action action);

/* The child is alive, reported no violation, and drains and exits 0 on
 * IPC_SHUTDOWN. Cleans up. */
void gui_finish(struct child_proc *p);

/* One request with Connection: close (http_request); the test fails
 * without a response. `extra` holds header lines ending in CRLF, or NULL.
 * Returns the status code. */
unsigned gui_request(const struct child_proc *p, const char *method, const char *path,
                     const char *extra, struct http_response *r);

#endif
