/*
 * child_harness.h - a minimal test parent for the real child program.
 *
 * Spawns the child binary the way the parent does (fd 3 the IPC socket,
 * 0 and 1 /dev/null, stderr captured, empty environment), hands it a log
 * file and a loopback listening socket, sends a configuration, and lets the
 * test read what the child says and how it ended.
 */
#ifndef WARDEN_TESTS_CHILD_HARNESS_H
#define WARDEN_TESTS_CHILD_HARNESS_H

#include "ipc/ipc.h"

#include <stdbool.h>
#include <sys/types.h>

struct child_proc {
	pid_t pid;
	struct ipc_channel channel; /* the parent's end */
	int stderr_read;
	int log_fd; /* the parent's copy of the log file */
	char log_path[64];
	int listen_fd; /* the parent's copy of the GUI socket */
	int port;
	uint8_t raw[IPC_MAX_MESSAGE + 1];
};

/* A configuration good for tests: small limits, report mode, namespaces
 * when available, user nobody/nogroup when root. */
struct ipc_config child_test_config(void);

/* Forks and execs `binary` with `argv_extra` (NULL-terminated, may be NULL).
 * `leak_fd` >= 0 is left open across exec (to test the inherited-fd
 * check). */
void child_spawn(struct child_proc *p, const char *binary, const char *const *argv_extra,
                 int leak_fd);

/* Sends hello with the harness's log file and socket, then `config`. */
void child_handover(struct child_proc *p, const struct ipc_config *config);

/* Sends hello with the given descriptors instead (to test wrong kinds). */
void child_handover_fds(struct child_proc *p, int log_fd, int gui_fd);

/* Waits up to `timeout_ms` for one message: 1 received, 0 the child closed
 * the channel, -1 timeout or malformed (the test fails with a message). */
int child_receive(struct child_proc *p, struct ipc_message *msg, int timeout_ms);

/* Waits for READY (fails the test otherwise), then says serve, as the
 * parent does once it has checked the ready (the harness checks nothing:
 * attested 0). A child that ends at once (the escape suite) may be gone
 * before serve reaches it; its end is the test's to judge. */
void child_expect_ready(struct child_proc *p, struct ipc_ready *ready);

/* Says serve: the child starts accepting. False when it could not be sent
 * (the child has gone). */
bool child_serve(struct child_proc *p);

/* Says shut down (IPC_SHUTDOWN_*), then pings, as the parent does: the
 * draining child answers that ping once drained, with its last counts,
 * and exits. False when it could not be sent (the child has gone). */
bool child_shutdown(struct child_proc *p, uint32_t reason, uint32_t grace_ms);

/* The nonce of child_shutdown's ping. */
enum { CHILD_SHUTDOWN_NONCE = 0x5d };

/* Waits up to `timeout_ms` for the child to end; returns its wait status,
 * or -1 (after SIGKILL) on timeout. */
int child_wait(struct child_proc *p, int timeout_ms);

/* Everything the child wrote to stderr so far (static buffer). */
const char *child_stderr(struct child_proc *p);

/* Everything in the log file (static buffer). */
const char *child_log(struct child_proc *p);

void child_cleanup(struct child_proc *p);

/* How long a client of the child waits to connect, and then for each
 * receive: far beyond any answer, short enough to fail rather than hang. */
enum { CHILD_CLIENT_TIMEOUT_MS = 5000 };

/* A client connection to the child's GUI socket (http_connect), blocking,
 * with CHILD_CLIENT_TIMEOUT_MS (the test fails if it cannot connect). */
int child_connect(const struct child_proc *p);

#endif
