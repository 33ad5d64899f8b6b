/*
 * child.h - the state of one child process, shared by its parts: the boot
 * sequence (boot.c), the link to the parent (parent_link.c) and, later, the
 * HTTP server; and the way out (exit.c). There is one per process; it lives
 * in child_main's frame.
 */
#ifndef WARDEN_CHILD_CHILD_H
#define WARDEN_CHILD_CHILD_H

#include "arena.h"
#include "http.h"
#include "ipc/ipc.h"

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

struct api;
struct logger;
struct server;

struct child {
	uint32_t generation;
	struct ipc_config config;
	struct ipc_channel channel;
	uint8_t ipc_raw[IPC_MAX_MESSAGE + 1]; /* receive buffer */
	uint8_t ipc_send_raw[IPC_MAX_MESSAGE];
	struct arena arena;
	uv_loop_t loop;
	uv_poll_t ipc_poll;
	struct logger *logger;
	uv_prepare_t log_flush; /* writes the batched log lines before the loop waits */
	struct api *api;        /* the GUI's endpoints (api.c) */
	struct server *server;  /* the HTTP server (server.c) */
	uv_timer_t drain_deadline;
	struct ipc_status status; /* the parent's latest snapshot, for the GUI */
	bool have_status;
	struct ipc_counters shown;   /* the highest totals shown (counters.c) */
	uint32_t sandbox;            /* IPC_SANDBOX_* the boot set up: claimed in ready */
	const struct child_lie *lie; /* the test build's; nothing to tell otherwise */
	int epoll_fd, first_client_fd, fd_limit;
	int listener_fd; /* the filter's seccomp listener (deny action notify/complain); 0: none */
	uint32_t pid, uid, gid; /* read before lockdown: getpid is not allowed after */
	/* For the GUI's header, read at boot too (uname and getsockname are
	 * not allowed after): the host's name, before the child's own UTS
	 * namespace, and the GUI socket's address ("127.0.0.1:8080",
	 * "[::1]:8080"). Empty if they could not be read. */
	char host[65];
	char listen[64];
	uint32_t policy_instructions;
	uint64_t start_ns; /* CLOCK_MONOTONIC at child_main() */
	uint64_t boot_ns;  /* child_main() to lockdown complete, reported in READY */
	bool draining;
	/* Draining, the parent's last ping waits for the drain to end, so that
	 * its pong carries the final counts; then the child exits. */
	bool drained, final_ping_held;
	struct ipc_ping final_ping;
};

/* ---- The boot sequence (boot.c) ------------------------------------------ */

/* The test build's lies (tests/child/lie.c), for the parent's attestation
 * tests: steps of the lockdown left out while ready claims them all the
 * same. The real child tells none. */
struct child_lie {
	/* IPC_SANDBOX_* steps not taken: seccomp (the filter not loaded),
	 * no_new_privs (nor the filter, which the kernel then refuses),
	 * caps_dropped, rlimits, a namespace (mount_ns: nor the pivot). */
	uint32_t skip;
	bool keep_identity; /* as root: stay root, claim the configured ids */
	bool stray_fd;      /* keep the old root open (O_PATH) past the layout */
};

/* What a build of the child adds to the boot sequence. The real child
 * (main.c) adds nothing; the test build (tests/child/main.c) misbehaves on
 * request, attempts forbidden operations after ready, and lies. */
struct child_hooks {
	/* The server's handler instead of api_handle (ctx: the struct api);
	 * it passes on to api_handle what it does not answer itself. */
	http_handler_fn handler;
	/* Runs once, locked down, after READY and before the loop. */
	void (*after_ready)(struct child *c, void *ctx);
	void *ctx;
	const struct child_lie *lie; /* NULL: none */
	/* This build misbehaves on request: it boots only for a parent in
	 * explicit test mode (config.test_mode), never for a deployed one. */
	bool test_build;
};

/* Boots (each step failing closed: stderr, IPC_ERROR, exit status 70),
 * then serves until the parent asks it to stop or goes away. Does not
 * return: the child ends through child_exit. `hooks` may be NULL. */
void child_main(const struct child_hooks *hooks);

/* ---- The link to the parent (parent_link.c) ------------------------------ */

/* Starts watching the IPC socket on the child's loop. Before lockdown. */
int parent_link_start(struct child *c);

/* Sends READY, the sandbox the child claims; the first message after
 * lockdown. The server starts accepting on the parent's serve. */
int parent_link_send_ready(struct child *c);

/* Sends an IPC_ERROR naming what the child rejected, best effort. */
void parent_link_send_error(struct child *c, enum ipc_decode_status code, uint32_t sequence,
                            const char *message);

/* ---- Counters (counters.c) ------------------------------------------------ */

/* What this child counted: the HTTP server's, the logger's and the
 * reserve's figures, for the pong. */
void counters_own(const struct child *c, struct ipc_counters *out);

/* What the GUI and /metrics show: the child's own counts plus those the
 * parent carried over from the other generations (ipc_status.carried),
 * so that they count from the parent's start; each never below what was
 * shown before, should the parent's sum lag. Gauges are the child's own. */
void counters_total(struct child *c, struct ipc_counters *out);

/* ---- The way out (exit.c) ----------------------------------------------- */

/* Ends the child: the only way out after lockdown (exit_group, no atexit
 * handlers, which might make syscalls the filter denies). Not declared
 * noreturn on purpose: ASan runs sigaltstack before every call to a
 * noreturn function, which the filter would deny. */
void child_exit(int status);

/* The logger whose batched lines child_exit writes before it ends the
 * process; none until the boot creates it. */
void child_exit_flushes(struct logger *logger);

#endif
