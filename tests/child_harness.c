/*
 * child_harness.c - see child_harness.h.
 */
#include "child_harness.h"
#include "http_client.h"

#include <criterion/criterion.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct ipc_config child_test_config(void)
{
	struct ipc_config c = {
	        .max_connections = 64,
	        .header_max_bytes = 8192,
	        .uri_max_bytes = 2048,
	        .header_timeout_ms = 5000,
	        .idle_timeout_ms = 10000,
	        .send_timeout_ms = 5000,
	        .heartbeat_interval_ms = 1000,
	        .memory_reserve_kib = 16384,
	        .log_ring_lines = 256,
	        .log_min_level = IPC_LOG_DEBUG,
	        .log_stderr_level = IPC_LOG_WARNING,
	        .namespaces = IPC_NAMESPACES_AUTO,
	        .deny_action = IPC_DENY_TRAP,
	        .max_connections_per_peer = 64,
	        .hosts = "localhost 127.0.0.1 [::1]",
	        .test_mode = 1, /* the test build boots for nothing else */
	};
	if (geteuid() == 0) {
		strcpy(c.user, "nobody");
		strcpy(c.group, "nogroup");
	}
	return c;
}

static void open_log(struct child_proc *p)
{
	strcpy(p->log_path, "/tmp/warden-child-log-XXXXXX");
	int fd = mkstemp(p->log_path);
	cr_assert_geq(fd, 0);
	close(fd);
	p->log_fd = open(p->log_path, O_WRONLY | O_APPEND | O_CLOEXEC);
	cr_assert_geq(p->log_fd, 0);
}

static void open_listener(struct child_proc *p)
{
	p->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in addr = {.sin_family = AF_INET,
	                           .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(addr);
	cr_assert_eq(bind(p->listen_fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
	cr_assert_eq(listen(p->listen_fd, 64), 0);
	cr_assert_eq(getsockname(p->listen_fd, (struct sockaddr *)&addr, &len), 0);
	p->port = ntohs(addr.sin_port);
}

static void __attribute__((noreturn))
exec_child(const char *binary, const char *const *argv_extra, int ipc, int err_write, int leak_fd)
{
	const char *argv[16] = {binary};
	size_t n = 1;
	for (; argv_extra != NULL && argv_extra[n - 1] != NULL && n < 15; n++)
		argv[n] = argv_extra[n - 1];
	argv[n] = NULL;
	int null = open("/dev/null", O_RDWR);
	if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(err_write, 2) < 0 ||
	    dup2(ipc, 3) < 0)
		_exit(126);
	if (leak_fd >= 0) {
		if (dup2(leak_fd, 7) < 0)
			_exit(126);
		syscall(SYS_close_range, 4, 6, 0);
		syscall(SYS_close_range, 8, ~0U, 0);
	} else {
		syscall(SYS_close_range, 4, ~0U, 0);
	}
	char *const envp[] = {NULL};
	execve(binary, (char *const *)argv, envp);
	_exit(127);
}

void child_spawn(struct child_proc *p, const char *binary, const char *const *argv_extra,
                 int leak_fd)
{
	int pair[2], err[2];
	memset(p, 0, sizeof(*p));
	open_log(p);
	open_listener(p);
	cr_assert_eq(ipc_socketpair(pair), 0);
	cr_assert_eq(pipe2(err, O_CLOEXEC), 0);
	p->pid = fork();
	cr_assert_geq(p->pid, 0);
	if (p->pid == 0)
		exec_child(binary, argv_extra, pair[1], err[1], leak_fd);
	close(pair[1]);
	close(err[1]);
	p->stderr_read = err[0];
	fcntl(p->stderr_read, F_SETFL, O_NONBLOCK);
	ipc_channel_init(&p->channel, pair[0], IPC_TO_PARENT);
}

void child_handover_fds(struct child_proc *p, int log_fd, int gui_fd)
{
	struct ipc_message hello = {.type = IPC_HELLO};
	hello.u.hello.generation = 1;
	hello.u.hello.parent_pid = (uint32_t)getpid();
	const int fds[IPC_HANDOVER_FDS] = {log_fd, gui_fd};
	uint8_t raw[IPC_MAX_MESSAGE];
	cr_assert_gt(ipc_send_hello(&p->channel, &hello, fds, raw, sizeof(raw)), 0);
}

void child_handover(struct child_proc *p, const struct ipc_config *config)
{
	child_handover_fds(p, p->log_fd, p->listen_fd);
	struct ipc_message msg = {.type = IPC_CONFIG};
	msg.u.config = *config;
	uint8_t raw[IPC_MAX_MESSAGE];
	cr_assert_gt(ipc_send(&p->channel, &msg, raw, sizeof(raw)), 0, "config not sent");
}

int child_receive(struct child_proc *p, struct ipc_message *msg, int timeout_ms)
{
	struct pollfd pfd = {.fd = p->channel.fd, .events = POLLIN};
	int rc = poll(&pfd, 1, timeout_ms);
	if (rc <= 0)
		return -1;
	struct ipc_decode_error err;
	ssize_t n = ipc_receive(&p->channel, msg, p->raw, sizeof(p->raw), &err);
	if (n < 0)
		cr_log_error("malformed message from the child: %s", err.message);
	return n > 0 ? 1 : n == 0 ? 0 : -1;
}

void child_expect_ready(struct child_proc *p, struct ipc_ready *ready)
{
	struct ipc_message msg;
	int rc = child_receive(p, &msg, 10000);
	cr_assert_eq(rc, 1, "no ready from the child; stderr: %s", child_stderr(p));
	cr_assert_eq(msg.type, IPC_READY, "expected ready, got %s; stderr: %s",
	             ipc_type_name(msg.type), child_stderr(p));
	if (ready != NULL)
		*ready = msg.u.ready;
	child_serve(p);
}

bool child_serve(struct child_proc *p)
{
	struct ipc_message msg = {.type = IPC_SERVE};
	uint8_t raw[IPC_MAX_MESSAGE];
	return ipc_send(&p->channel, &msg, raw, sizeof(raw)) > 0;
}

bool child_shutdown(struct child_proc *p, uint32_t reason, uint32_t grace_ms)
{
	struct ipc_message bye = {.type = IPC_SHUTDOWN}, ping = {.type = IPC_PING};
	uint8_t raw[IPC_MAX_MESSAGE];
	bye.u.shutdown.reason = reason;
	bye.u.shutdown.grace_ms = grace_ms;
	ping.u.ping.nonce = CHILD_SHUTDOWN_NONCE;
	return ipc_send(&p->channel, &bye, raw, sizeof(raw)) > 0 &&
	       ipc_send(&p->channel, &ping, raw, sizeof(raw)) > 0;
}

int child_wait(struct child_proc *p, int timeout_ms)
{
	int status;
	for (int waited = 0; waited < timeout_ms; waited += 5) {
		pid_t r = waitpid(p->pid, &status, WNOHANG);
		if (r == p->pid) {
			p->pid = 0;
			return status;
		}
		struct timespec ts = {0, 5000000};
		nanosleep(&ts, NULL);
	}
	kill(p->pid, SIGKILL);
	waitpid(p->pid, &status, 0);
	p->pid = 0;
	return -1;
}

static const char *slurp(int fd, bool from_start)
{
	static char text[1 << 16];
	size_t len = 0;
	if (from_start)
		lseek(fd, 0, SEEK_SET);
	for (;;) {
		ssize_t n = read(fd, text + len, sizeof(text) - 1 - len);
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	text[len] = '\0';
	return text;
}

const char *child_stderr(struct child_proc *p)
{
	static char all[1 << 16];
	static size_t len;
	static struct child_proc *owner;
	if (owner != p) {
		owner = p;
		len = 0;
	}
	const char *more = slurp(p->stderr_read, false);
	size_t n = strlen(more);
	if (n > sizeof(all) - 1 - len)
		n = sizeof(all) - 1 - len;
	memcpy(all + len, more, n);
	len += n;
	all[len] = '\0';
	return all;
}

const char *child_log(struct child_proc *p)
{
	int fd = open(p->log_path, O_RDONLY | O_CLOEXEC);
	cr_assert_geq(fd, 0);
	const char *text = slurp(fd, true);
	close(fd);
	return text;
}

void child_cleanup(struct child_proc *p)
{
	if (p->pid > 0) {
		kill(p->pid, SIGKILL);
		waitpid(p->pid, NULL, 0);
	}
	close(p->channel.fd);
	close(p->stderr_read);
	close(p->log_fd);
	close(p->listen_fd);
	unlink(p->log_path);
}

int child_connect(const struct child_proc *p)
{
	int fd = http_connect(p->port, CHILD_CLIENT_TIMEOUT_MS);
	cr_assert_geq(fd, 0, "connect: %s", strerror(-fd));
	return fd;
}
