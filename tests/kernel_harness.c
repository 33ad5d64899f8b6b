/*
 * kernel_harness.c - see kernel_harness.h.
 */
#include "kernel_harness.h"
#include "policy/child_policy.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static void compile(struct policy *p, const struct policy_error *perr,
                    const struct policy_binding *b, size_t n, struct policy_bpf *out)
{
	struct policy_error err = *perr;
	char msg[1024];
	if (p == NULL) {
		policy_error_format(&err, msg, sizeof(msg));
		cr_assert_fail("parse: %s", msg);
	}
	struct policy_filter *f = policy_compile(p, b, n, POLICY_DENY_KILL, &err);
	if (f == NULL) {
		policy_error_format(&err, msg, sizeof(msg));
		cr_assert_fail("compile: %s", msg);
	}
	int rc = policy_filter_bpf(f, out, &err);
	policy_filter_free(f);
	policy_free(p);
	cr_assert_eq(rc, 0, "export: %s", err.message);
}

void harness_compile_text(const char *text, const struct policy_binding *b, size_t n,
                          struct policy_bpf *out)
{
	struct policy_error err = {0};
	struct policy *p = policy_parse("test.policy", text, strlen(text), &err);
	compile(p, &err, b, n, out);
}

void harness_compile_file(const char *path, const struct policy_binding *b, size_t n,
                          struct policy_bpf *out)
{
	struct policy_error err = {0};
	struct policy *p = policy_parse_file(path, &err);
	compile(p, &err, b, n, out);
}

void harness_child_policy(struct policy_bpf *out)
{
	const struct policy_binding b[] = {
	        {"ipc_fd", FD_IPC},     {"logfile_fd", FD_LOG},         {"gui_socket_fd", FD_GUI},
	        {"epoll_fd", FD_EPOLL}, {"first_client_fd", FD_CLIENT}, {"fd_limit", FD_LIMIT},
	};
	harness_compile_text(child_policy_text, b, sizeof(b) / sizeof(b[0]), out);
}

void harness_seed_policy(struct policy_bpf *out)
{
	const struct policy_binding b[] = {{"logfile_fd", FD_LOG}, {"gui_socket_fd", FD_GUI}};
	harness_compile_file(WARDEN_SOURCE_DIR "/tests/data/seed_shape.seccomppolicy", b, 2, out);
}

/* Every object is created at a high number, then moved into place in the
 * forked process, so that creating one cannot take another's slot. */
struct layout {
	int fds[FD_OTHER_EPOLL + 1]; /* by target number; -1 when unused */
	int log_read;                /* the harness's end of the log pipe */
	int keep[4];                 /* peers kept open so sockets stay connected */
};

static int high(int fd)
{
	cr_assert_geq(fd, 0, "setup: %s", strerror(errno));
	int moved = fcntl(fd, F_DUPFD_CLOEXEC, 100);
	cr_assert_geq(moved, 0, "setup: %s", strerror(errno));
	close(fd);
	return moved;
}

static void layout_create(struct layout *l)
{
	int pair[2], log[2];
	memset(l->fds, -1, sizeof(l->fds));
	cr_assert_eq(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, pair), 0);
	l->fds[FD_IPC] = high(pair[0]);
	l->keep[0] = high(pair[1]);
	cr_assert_eq(pipe(log), 0);
	l->log_read = high(log[0]);
	l->fds[FD_LOG] = high(log[1]);
	int s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	struct sockaddr_in addr = {.sin_family = AF_INET,
	                           .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	cr_assert_eq(bind(s, (struct sockaddr *)&addr, sizeof(addr)), 0);
	cr_assert_eq(listen(s, 4), 0);
	l->fds[FD_GUI] = high(s);
	l->fds[FD_EPOLL] = high(epoll_create1(0));
	l->fds[FD_OTHER_EPOLL] = high(epoll_create1(0));
	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, pair), 0);
	l->fds[FD_CLIENT] = high(pair[0]);
	l->keep[1] = high(pair[1]);
	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, pair), 0);
	l->fds[FD_CLIENT2] = high(pair[0]);
	l->keep[2] = high(pair[1]);
	l->keep[3] = -1;
}

static void layout_close(struct layout *l)
{
	for (size_t i = 0; i < sizeof(l->fds) / sizeof(l->fds[0]); i++)
		if (l->fds[i] >= 0)
			close(l->fds[i]);
	for (size_t i = 0; i < 4; i++)
		if (l->keep[i] >= 0)
			close(l->keep[i]);
	close(l->log_read);
}

/* In the forked process: only raw syscalls from here on. */
static void __attribute__((noreturn))
run_in_child(const struct layout *l, const struct policy_bpf *bpf, long nr, const long a[6])
{
	for (int target = 0; target <= FD_OTHER_EPOLL; target++)
		if (l->fds[target] >= 0 && dup2(l->fds[target], target) != target)
			_exit(120);
	if (policy_bpf_load(bpf) != 0)
		_exit(121);
	long ret = syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
	if (ret == -1)
		ret = -errno;
	syscall(SYS_write, FD_LOG, &ret, sizeof(ret));
	syscall(SYS_exit_group, 0);
	for (;;)
		;
}

struct verdict harness_run(const struct policy_bpf *bpf, long nr, long a0, long a1, long a2,
                           long a3, long a4, long a5)
{
	const long a[6] = {a0, a1, a2, a3, a4, a5};
	struct layout l;
	struct verdict v = {0};
	layout_create(&l);
	pid_t pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0)
		run_in_child(&l, bpf, nr, a);
	close(l.fds[FD_LOG]);
	l.fds[FD_LOG] = -1;
	cr_assert_eq(waitpid(pid, &v.status, 0), pid);
	cr_assert(!(WIFEXITED(v.status) && WEXITSTATUS(v.status) >= 120),
	          "the forked process could not set up or load the filter (exit %d)",
	          WEXITSTATUS(v.status));
	/* The call under test may itself write to the log pipe: the verdict
	 * is the last 8 bytes. */
	char bytes[256];
	ssize_t n = read(l.log_read, bytes, sizeof(bytes));
	v.survived = n >= (ssize_t)sizeof(long);
	if (v.survived)
		memcpy(&v.ret, bytes + n - (ssize_t)sizeof(long), sizeof(long));
	v.killed_sigsys = WIFSIGNALED(v.status) && WTERMSIG(v.status) == SIGSYS;
	layout_close(&l);
	return v;
}

struct verdict harness_check(const struct policy_bpf *bpf, bool allowed, const char *what, long nr,
                             long a0, long a1, long a2, long a3, long a4, long a5)
{
	struct verdict v = harness_run(bpf, nr, a0, a1, a2, a3, a4, a5);
	if (allowed)
		cr_expect(v.survived, "%s: expected to be allowed, but %s", what,
		          v.killed_sigsys ? "it was killed by SIGSYS"
		                          : "the process did not report");
	else
		cr_expect(v.killed_sigsys && !v.survived,
		          "%s: expected death by SIGSYS, but %s (status 0x%x)", what,
		          v.survived ? "it ran" : "it ended otherwise", v.status);
	return v;
}
