/*
 * boot.c - see child.h: boot, lock down, serve.
 *
 * The parent execs the child with only fd 3 (the IPC socket) and stderr.
 * The boot sequence below runs in order; every step fails closed: the child
 * writes why to stderr, tells the parent, and exits without serving.
 *
 *   1. receive hello (log fd, GUI socket, checked) and configuration
 *   2. fixed fd layout, verified against /proc/self/fd
 *   3. empty environment, libc set-up that would touch files later
 *   4. resource limits
 *   5. namespaces, root pivoted to an empty directory
 *   6. unprivileged user, no capabilities, no_new_privs, not dumpable
 *   7. reserved memory for everything, libuv's loop included; the GUI's
 *      endpoints and the HTTP server, watching the listening socket
 *   8. the seccomp filter compiled from the built-in policy; ready, which
 *      claims what the steps above did
 *
 * The server accepts no client until the parent, having checked those
 * claims from outside (parent/attest.h), says serve (parent_link.c).
 */
#include "api.h"
#include "child.h"
#include "common/clock.h"
#include "policy/child_policy.h"
#include "fd_layout.h"
#include "logger/logger.h"
#include "policy/policy.h"
#include "sandbox.h"
#include "server.h"
#include "violation.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum {
	EXIT_BOOT_FAILED = 70, /* EX_SOFTWARE: the sandbox could not be set up */
	/* INFO lines (the access log) are written in batches, one write per
	 * loop turn instead of one per request; WARNING and above at once. */
	LOG_BATCH_BYTES = 64 << 10,
};

/* Fails the boot: stderr, then the parent, then exit. */
static void __attribute__((noreturn, format(printf, 3, 4)))
boot_failed(struct child *c, const char *step, const char *fmt, ...)
{
	char why[384];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	char line[512];
	int n = snprintf(line, sizeof(line), "warden-child: boot failed at %s: %s\n", step, why);
	if (n > 0)
		(void)!write(2, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
	parent_link_send_error(c, IPC_E_FDS, 0, line);
	child_exit(EXIT_BOOT_FAILED);
	__builtin_unreachable();
}

/* ---- Step 1 ------------------------------------------------------------- */

static void receive_handover(struct child *c, int fds[IPC_HANDOVER_FDS])
{
	struct ipc_message msg;
	struct ipc_decode_error err;
	char why[256];
	ipc_channel_init(&c->channel, FD_IPC, IPC_TO_CHILD);
	if (fd_layout_verify_proc(FD_IPC, why, sizeof(why)) < 0)
		boot_failed(c, "inherited descriptors", "%s", why);
	err.message[0] = '\0';
	ssize_t got =
	        ipc_receive_hello(&c->channel, &msg, fds, c->ipc_raw, sizeof(c->ipc_raw), &err);
	if (got <= 0)
		boot_failed(c, "handover", "%s",
		            got == 0 ? "the parent closed the channel" : err.message);
	c->generation = msg.u.hello.generation;
	ssize_t n = ipc_receive(&c->channel, &msg, c->ipc_raw, sizeof(c->ipc_raw), &err);
	if (n <= 0)
		boot_failed(c, "configuration", "%s",
		            n == 0 ? "the parent closed the channel" : err.message);
	if (msg.type != IPC_CONFIG)
		boot_failed(c, "configuration", "expected config, got %s", ipc_type_name(msg.type));
	c->config = msg.u.config;
}

/* The test build cannot be deployed by mistake: even a parent that missed
 * it (an older one, or another) gets a refusal, not a child that ends on
 * request. */
static void refuse_test_build(struct child *c, const struct child_hooks *hooks)
{
	if (hooks->test_build && c->config.test_mode != 1)
		boot_failed(c, "configuration",
		            "this is the test build of the child (warden-child-test), which "
		            "misbehaves on request: it serves only a parent in test mode "
		            "(WARDEN_ALLOW_TEST_CHILD=1), never a deployed one; use warden-child");
}

/* ---- Steps 2 to 6 -------------------------------------------------------- */

/* The GUI socket's address as the listen setting spells it. */
static void format_address(const struct sockaddr_storage *ss, char *out, size_t cap)
{
	char ip[INET6_ADDRSTRLEN];
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)ss;
		if (inet_ntop(AF_INET, &in->sin_addr, ip, sizeof(ip)) != NULL)
			snprintf(out, cap, "%s:%u", ip, ntohs(in->sin_port));
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)ss;
		if (inet_ntop(AF_INET6, &in6->sin6_addr, ip, sizeof(ip)) != NULL)
			snprintf(out, cap, "[%s]:%u", ip, ntohs(in6->sin6_port));
	}
}

/* What the GUI's header names, read while uname and getsockname are
 * still allowed and the host's UTS namespace is still ours. Only shown:
 * a failure leaves it empty rather than failing the boot. */
static void note_host_and_address(struct child *c)
{
	struct sockaddr_storage ss;
	socklen_t length = sizeof(ss);
	if (gethostname(c->host, sizeof(c->host)) < 0)
		c->host[0] = '\0';
	if (getsockname(FD_GUI, (struct sockaddr *)&ss, &length) == 0 && length <= sizeof(ss))
		format_address(&ss, c->listen, sizeof(c->listen));
}

static void lock_down_process(struct child *c, const int fds[IPC_HANDOVER_FDS],
                              struct sandbox_identity *id)
{
	char why[256];
	struct sandbox_error err = {{0}};
	if (fd_layout_arrange(fds[0], fds[1], why, sizeof(why)) < 0 ||
	    fd_layout_verify_proc(FD_GUI, why, sizeof(why)) < 0)
		boot_failed(c, "fd layout", "%s", why);
	if (c->lie->stray_fd && open("/", O_PATH | O_DIRECTORY | O_CLOEXEC) < 0)
		boot_failed(c, "fd layout", "cannot keep the stray descriptor");
	note_host_and_address(c);
	/* Names resolve against /etc, which the pivot below takes away. */
	if (sandbox_resolve_identity(c->config.user, c->config.group, id, &err) < 0)
		boot_failed(c, "identity", "%s", err.message);
	if (sandbox_prepare_libc(&err) < 0)
		boot_failed(c, "libc set-up", "%s", err.message);
	if (violation_install(&c->channel) < 0)
		boot_failed(c, "violation handler", "cannot install the SIGSYS handler");
	/* A log file at the file size limit (LimitFSIZE=, ulimit -f) must be
	 * a write error the logger counts (EFBIG), not death by SIGXFSZ. */
	if (signal(SIGXFSZ, SIG_IGN) == SIG_ERR)
		boot_failed(c, "signals", "cannot ignore SIGXFSZ");
	struct sandbox_limits limits = {0};
#ifndef UNDER_ASAN /* ASan reserves terabytes of shadow address space */
	limits.address_space =
	        (size_t)c->config.memory_reserve_kib * 1024 + (size_t)IPC_ADDRESS_SPACE_SLACK;
#endif
	bool limit = !(c->lie->skip & IPC_SANDBOX_RLIMITS);
	if (limit && sandbox_limit_resources(&limits, &err) < 0)
		boot_failed(c, "resource limits", "%s", err.message);
	uint32_t ns = 0;
	int rc = sandbox_enter_namespaces((enum sandbox_namespaces)c->config.namespaces,
	                                  c->lie->skip, &ns, &err);
	if (rc < 0)
		boot_failed(c, "namespaces (required)", "%s", err.message);
	if (rc > 0) {
		char line[320];
		int n = snprintf(line, sizeof(line),
		                 "warden-child: WARNING: running without namespaces: %s\n",
		                 err.message);
		(void)!write(2, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
	}
	c->sandbox |= ns | IPC_SANDBOX_RLIMITS;
	struct sandbox_identity as = *id;
	as.switch_user = as.switch_user && !c->lie->keep_identity;
	if (sandbox_drop_privileges(&as, c->lie->skip, &err) < 0)
		boot_failed(c, "privileges", "%s", err.message);
	c->sandbox |= IPC_SANDBOX_CAPS_DROPPED | IPC_SANDBOX_NO_NEW_PRIVS;
}

/* ---- Step 7 -------------------------------------------------------------- */

static void *logger_alloc(void *ctx, size_t size)
{
	return arena_malloc(ctx, size);
}

static void logger_free(void *ctx, void *ptr)
{
	arena_free(ctx, ptr);
}

static void start_logger(struct child *c, const struct logger_allocator *allocator)
{
	const struct logger_config cfg = {
	        .log_fd = FD_LOG,
	        .stderr_fd = FD_STDERR,
	        .generation = c->generation,
	        .min_level = (enum ipc_log_level)c->config.log_min_level,
	        .stderr_level = (enum ipc_log_level)c->config.log_stderr_level,
	        .format = (enum ipc_log_format)c->config.log_format,
	        .ring_lines = c->config.log_ring_lines,
	        .batch_bytes = LOG_BATCH_BYTES,
	        .allocator = allocator,
	};
	int rc = logger_create(&c->logger, &cfg);
	if (rc < 0)
		boot_failed(c, "logger", "%s", strerror(-rc));
	child_exit_flushes(c->logger);
}

/* Runs before the loop waits: batched log lines never wait with it. */
static void flush_log(uv_prepare_t *prepare)
{
	struct child *c = prepare->data;
	logger_flush(c->logger);
}

static void prepare_loop(struct child *c, struct logger_allocator *allocator)
{
	char why[256];
	struct sandbox_error err = {{0}};
	int rc = arena_reserve(&c->arena, (size_t)c->config.memory_reserve_kib * 1024);
	allocator->ctx = &c->arena;
	if (rc < 0)
		boot_failed(c, "memory", "cannot reserve %u KiB: %s", c->config.memory_reserve_kib,
		            strerror(-rc));
	if (arena_install_for_libuv(&c->arena) < 0)
		boot_failed(c, "memory", "libuv refused the allocator");
	start_logger(c, allocator);
	if ((rc = uv_loop_init(&c->loop)) < 0)
		boot_failed(c, "event loop", "%s", uv_strerror(rc));
	c->log_flush.data = c;
	if (uv_prepare_init(&c->loop, &c->log_flush) < 0 ||
	    uv_prepare_start(&c->log_flush, flush_log) < 0)
		boot_failed(c, "event loop", "cannot start the log flush");
	if (parent_link_start(c) < 0)
		boot_failed(c, "event loop", "cannot watch the IPC socket");
	/* libuv registers watched descriptors with epoll_ctl lazily, on the
	 * loop's next turn; its own (the signal pipe) must be registered now,
	 * since the policy lets epoll_ctl name only the IPC socket, the GUI
	 * socket and clients. */
	uv_run(&c->loop, UV_RUN_NOWAIT);
	/* Every descriptor the child will hold from now on exists: libuv's
	 * sit right after the fixed ones, and clients come above them. */
	int highest = fd_layout_probe(4096, why, sizeof(why));
	if (highest < 0)
		boot_failed(c, "fd layout", "%s", why);
	c->epoll_fd = uv_backend_fd(&c->loop);
	/* With a listener, loading the filter creates one descriptor more, the
	 * lowest free: it gets the number above libuv's, below the clients. */
	bool listener = c->config.deny_action == IPC_DENY_NOTIFY ||
	                c->config.deny_action == IPC_DENY_COMPLAIN;
	c->first_client_fd = highest + 1 + (listener ? 1 : 0);
	/* One descriptor more than the connection limit: the server accepts
	 * the connection over the limit to answer it 503 and close it, rather
	 * than leave it in the backlog with accept4 failing on EMFILE. */
	c->fd_limit = c->first_client_fd + (int)c->config.max_connections + 1;
	if (!(c->lie->skip & IPC_SANDBOX_RLIMITS) &&
	    sandbox_limit_files((unsigned)c->fd_limit, &err) < 0)
		boot_failed(c, "resource limits", "%s", err.message);
}

static void start_server(struct child *c, const struct child_hooks *hooks)
{
	int rc = api_create(&c->api, c);
	if (rc < 0)
		boot_failed(c, "GUI endpoints", "%s", strerror(-rc));
	const struct server_config cfg = {
	        .listen_fd = FD_GUI,
	        .max_connections = c->config.max_connections,
	        .max_connections_per_peer = c->config.max_connections_per_peer,
	        .header_max_bytes = c->config.header_max_bytes,
	        .uri_max_bytes = c->config.uri_max_bytes,
	        .header_timeout_ms = c->config.header_timeout_ms,
	        .idle_timeout_ms = c->config.idle_timeout_ms,
	        .send_timeout_ms = c->config.send_timeout_ms,
	        .token = c->config.token_length > 0 ? c->config.token : NULL,
	        .token_length = c->config.token_length,
	        .hosts = c->config.hosts,
	        .handler = hooks->handler != NULL ? hooks->handler : api_handle,
	        .is_public = api_is_public,
	        .handler_ctx = c->api,
	        .arena = &c->arena,
	        .logger = c->logger,
	};
	if ((rc = server_start(&c->server, &c->loop, &cfg)) < 0)
		boot_failed(c, "HTTP server", "%s", strerror(-rc));
}

/* ---- Step 8 -------------------------------------------------------------- */

static void compile_policy(struct child *c, struct policy_bpf *bpf)
{
	struct policy_error err;
	char message[600];
	const struct policy_binding bindings[] = {
	        {"ipc_fd", FD_IPC},
	        {"logfile_fd", FD_LOG},
	        {"gui_socket_fd", FD_GUI},
	        {"epoll_fd", (uint64_t)c->epoll_fd},
	        {"first_client_fd", (uint64_t)c->first_client_fd},
	        {"fd_limit", (uint64_t)c->fd_limit},
	};
	struct policy *p = policy_parse("child.policy (built in)", child_policy_text,
	                                child_policy_length, &err);
	static const enum policy_deny_action deny_of[] = {
	        [IPC_DENY_KILL] = POLICY_DENY_KILL,
	        [IPC_DENY_TRAP] = POLICY_DENY_TRAP,
	        [IPC_DENY_NOTIFY] = POLICY_DENY_NOTIFY,
	        [IPC_DENY_COMPLAIN] = POLICY_DENY_NOTIFY,
	};
	enum policy_deny_action deny = deny_of[c->config.deny_action]; /* checked: 0 .. MAX */
	struct policy_filter *f =
	        p ? policy_compile(p, bindings, sizeof(bindings) / sizeof(bindings[0]), deny, &err)
	          : NULL;
	int rc = f ? policy_filter_bpf(f, bpf, &err) : -1;
	policy_filter_free(f);
	policy_free(p);
	if (rc < 0) {
		policy_error_format(&err, message, sizeof(message));
		boot_failed(c, "seccomp policy", "%s", message);
	}
	c->policy_instructions = bpf->count > 0 ? bpf->programs[0].len : 0;
}

static void load_policy(struct child *c, const struct policy_bpf *bpf)
{
#ifdef WARDEN_BENCH_NO_FILTER
	/* warden-child-nofilter (bench/bench.cmake), for bench/run-http.sh's
	 * filter on/off figures only: the same child, the filter compiled but
	 * never loaded. No runtime switch exists; the sandbox bits sent to the
	 * parent lack IPC_SANDBOX_SECCOMP, and this is said in the log. */
	(void)bpf;
	c->policy_instructions = 0;
	logger_logf(c->logger, IPC_LOG_WARNING,
	            "BENCHMARK BUILD (WARDEN_BENCH_NO_FILTER): NO SECCOMP FILTER LOADED");
	return;
#endif
	/* The test build's lie: no filter (or none, as the kernel would load
	 * none without no_new_privs), claimed all the same. */
	if (c->lie->skip & (IPC_SANDBOX_SECCOMP | IPC_SANDBOX_NO_NEW_PRIVS)) {
		c->sandbox |= IPC_SANDBOX_SECCOMP;
		return;
	}
	int rc, listener = -1;
	bool notify = c->config.deny_action == IPC_DENY_NOTIFY ||
	              c->config.deny_action == IPC_DENY_COMPLAIN;
	/* With a listener, a denied call waits for the parent, which takes the
	 * listener when READY names it (parent/seccomp_notify.c): READY is
	 * sent next, with sendto, which the policy allows. */
	rc = notify ? policy_bpf_load_listener(bpf, &listener) : policy_bpf_load(bpf);
	if (rc < 0)
		boot_failed(c, "seccomp policy", "the kernel refused the filter: %s",
		            strerror(-rc));
	if (notify && listener != c->first_client_fd - 1)
		boot_failed(c, "seccomp policy", "the listener is fd %d, not %d", listener,
		            c->first_client_fd - 1);
	c->listener_fd = notify ? listener : 0;
	c->sandbox |= IPC_SANDBOX_SECCOMP;
}

void child_main(const struct child_hooks *hooks)
{
	static const struct child_hooks none;
	static const struct child_lie truth;
	struct child child;
	struct child *c = &child;
	memset(c, 0, sizeof(*c));
	c->start_ns = clock_monotonic_ns();
	if (hooks == NULL)
		hooks = &none;
	c->lie = hooks->lie != NULL ? hooks->lie : &truth;
	int fds[IPC_HANDOVER_FDS];
	struct sandbox_identity id;
	struct policy_bpf bpf;
	struct logger_allocator allocator = {logger_alloc, logger_free, NULL};
	receive_handover(c, fds);
	refuse_test_build(c, hooks);
	lock_down_process(c, fds, &id);
	prepare_loop(c, &allocator);
	start_server(c, hooks);
	compile_policy(c, &bpf);
	c->pid = (uint32_t)getpid();
	/* The parent starts the child in a new PID namespace when it can;
	 * there, and only there, it is process 1. */
	if (c->pid == 1)
		c->sandbox |= IPC_SANDBOX_PID_NS;
	c->uid = (uint32_t)(c->lie->keep_identity && id.switch_user ? id.uid : geteuid());
	c->gid = (uint32_t)(c->lie->keep_identity && id.switch_user ? id.gid : getegid());
	load_policy(c, &bpf);
	c->sandbox |= c->lie->skip; /* claimed all the same */
	/* Locked down: from here only what policy/child.policy allows. */
	c->boot_ns = clock_monotonic_ns() - c->start_ns;
	if (parent_link_send_ready(c) < 0)
		child_exit(EXIT_BOOT_FAILED);
	logger_logf(c->logger, IPC_LOG_INFO,
	            "ready: generation %u, sandbox 0x%x, %u filter instructions, boot %llu us",
	            c->generation, c->sandbox, c->policy_instructions,
	            (unsigned long long)(c->boot_ns / 1000));
	if (hooks->after_ready != NULL)
		hooks->after_ready(c, hooks->ctx);
	uv_run(&c->loop, UV_RUN_DEFAULT);
	child_exit(0);
}
