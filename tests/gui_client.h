/*
 * gui_client.h - what the GUI tests (test_api, test_gui_browser) share: a
 * real child started through child_harness with a status snapshot and log
 * records from a fake parent, and a plain HTTP/1.1 client over loopback.
 */
#ifndef WARDEN_TESTS_GUI_CLIENT_H
#define WARDEN_TESTS_GUI_CLIENT_H

#include "child_harness.h"

#include <stdbool.h>
#include <stddef.h>

enum { GUI_BODY_MAX = 1 << 20 };

/* Spawns the child, hands it over with the test configuration, waits for
 * READY. */
void gui_start(struct child_proc *p);

/* Sends an IPC_STATUS: generation 1, running, `restarts` restarts, the
 * last two a violation (ptrace) and an exit 3. */
void gui_send_status(struct child_proc *p, unsigned restarts);

/* Sends an IPC_LOG record of `length` bytes. */
void gui_send_log(struct child_proc *p, enum ipc_log_level level, const char *text, size_t length);

/* The child is alive, reported no violation, and drains and exits 0 on
 * IPC_SHUTDOWN. Cleans up. */
void gui_finish(struct child_proc *p);

struct gui_reply {
	unsigned status;
	char head[8192];
	size_t body_length;
	char *body; /* GUI_BODY_MAX bytes, NUL-terminated; static storage */
};

void gui_send_all(int fd, const char *text);

/* One request with Connection: close; reads to EOF. `extra` holds header
 * lines ending in CRLF, or NULL. Returns the status code. */
unsigned gui_request(const struct child_proc *p, const char *method, const char *path,
                     const char *extra, struct gui_reply *r);

/* The value of header `name` (case-insensitive) in `r`, copied to `out`;
 * false when absent. */
bool gui_header(const struct gui_reply *r, const char *name, char *out, size_t cap);

/* Reads from `fd` into buf[have..] until `pattern` appears after `from`, EOF
 * or the receive timeout. Returns the new length (buf is NUL-terminated). */
size_t gui_read_until(int fd, char *buf, size_t cap, size_t have, size_t from, const char *pattern);

void gui_msleep(unsigned ms);

#endif
