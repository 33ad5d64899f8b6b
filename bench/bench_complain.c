/*
 * bench_complain - what complain mode costs one reported call.
 *
 * A forked process loads policy/child.policy as the child does in complain
 * mode (POLICY_DENY_NOTIFY, with a listener) and times a loop of fsync(0),
 * which the policy denies (it allows fsync of the log file only) and which
 * is harmless when it runs (EINVAL on /dev/null). The bench, as the parent
 * does, takes the listener with pidfd_getfd and answers each notification
 * with SECCOMP_USER_NOTIF_FLAG_CONTINUE, after explaining the call and
 * working out its shape as parent/violation_report.c does (the parent also
 * logs and sends a report, which this leaves out). The same loop with no
 * filter, and with the kernel's round trip alone, are printed beside it.
 * Root only (pidfd_getfd on a child that is not dumpable is not needed
 * here, but the parent's path is the one measured).
 *
 * usage: bench_complain [calls]
 */
#include "policy/child_policy.h"
#include "policy/explain.h"
#include "policy/policy.h"
#include "policy/suggest.h"

#include <errno.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { FD_REPORT = 4 }; /* logfile_fd: the one descriptor the policy lets the child write */

static const struct policy_binding bindings[] = {
        {"ipc_fd", 3},   {"logfile_fd", FD_REPORT}, {"gui_socket_fd", 5},
        {"epoll_fd", 6}, {"first_client_fd", 8},    {"fd_limit", 1024},
};
enum { BINDINGS = sizeof(bindings) / sizeof(bindings[0]) };

static void die(const char *what)
{
	fprintf(stderr, "bench_complain: %s: %s\n", what, strerror(errno));
	exit(1);
}

static uint64_t now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

/* The child: loads the filter (or not), reports the listener's number and
 * then the loop's total time through FD_REPORT, and exits. */
static void run_child(const struct policy_bpf *bpf, long calls)
{
	int listener = 0;
	if (bpf != NULL && policy_bpf_load_listener(bpf, &listener) < 0)
		_exit(2);
	if (write(FD_REPORT, &listener, sizeof(listener)) != sizeof(listener))
		_exit(3);
	uint64_t t0 = now_ns();
	for (long i = 0; i < calls; i++)
		syscall(SYS_fsync, 0);
	uint64_t spent = now_ns() - t0;
	(void)!write(FD_REPORT, &spent, sizeof(spent));
	syscall(SYS_exit_group, 0);
}

static int take_listener(pid_t pid, int fd)
{
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	int copy = pidfd < 0 ? -1 : (int)syscall(SYS_pidfd_getfd, pidfd, fd, 0);
	if (copy < 0)
		die("pidfd_getfd (run as root)");
	close(pidfd);
	return copy;
}

/* The parent's side: each notification read, explained (or not), let go. */
static void answer(int listener, long calls, const struct policy_explainer *x)
{
	char line[1024], shape[512];
	for (long done = 0; done < calls;) {
		struct pollfd p = {.fd = listener, .events = POLLIN};
		if (poll(&p, 1, 1000) != 1)
			die("poll");
		struct seccomp_notif req;
		memset(&req, 0, sizeof(req));
		if (ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0)
			die("SECCOMP_IOCTL_NOTIF_RECV");
		if (x != NULL) {
			struct policy_call call = {.nr = req.data.nr,
			                           .arch = req.data.arch,
			                           .ip = req.data.instruction_pointer};
			memcpy(call.args, req.data.args, sizeof(call.args));
			struct policy_explanation e;
			struct policy_call_shape s;
			policy_explain(x, &call, &e);
			policy_explanation_format(x, &e, line, sizeof(line));
			if (policy_call_shape(x, &call, &s))
				policy_shape_format(x, &s, shape, sizeof(shape));
		}
		struct seccomp_notif_resp resp = {.id = req.id,
		                                  .flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE};
		if (ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &resp) < 0)
			die("SECCOMP_IOCTL_NOTIF_SEND");
		done++;
	}
}

/* ns per call of one run: no filter (bpf NULL), or complain mode with the
 * parent explaining (x) or not. */
static double run(const struct policy_bpf *bpf, const struct policy_explainer *x, long calls)
{
	int pipe_fds[2];
	if (pipe(pipe_fds) < 0)
		die("pipe");
	pid_t pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		if (dup2(pipe_fds[1], FD_REPORT) < 0)
			_exit(4);
		run_child(bpf, calls);
	}
	close(pipe_fds[1]);
	int listener_fd;
	uint64_t spent = 0;
	if (read(pipe_fds[0], &listener_fd, sizeof(listener_fd)) != sizeof(listener_fd))
		die("the child's listener");
	if (bpf != NULL) {
		int listener = take_listener(pid, listener_fd);
		answer(listener, calls, x);
		close(listener);
	}
	if (read(pipe_fds[0], &spent, sizeof(spent)) != sizeof(spent))
		die("the child's time");
	close(pipe_fds[0]);
	waitpid(pid, NULL, 0);
	return (double)spent / (double)calls;
}

int main(int argc, char **argv)
{
	long calls = argc > 1 ? atol(argv[1]) : 20000;
	struct policy_error err;
	struct policy *p =
	        policy_parse("child.policy", child_policy_text, child_policy_length, &err);
	struct policy_filter *f =
	        p ? policy_compile(p, bindings, BINDINGS, POLICY_DENY_NOTIFY, &err) : NULL;
	struct policy_bpf bpf = {0};
	struct policy_explainer *x = p ? policy_explainer_new(p, bindings, BINDINGS, &err) : NULL;
	if (f == NULL || x == NULL || policy_filter_bpf(f, &bpf, &err) < 0) {
		char message[600];
		policy_error_format(&err, message, sizeof(message));
		fprintf(stderr, "bench_complain: %s\n", message);
		return 1;
	}
	double none = run(NULL, NULL, calls);
	double kernel = run(&bpf, NULL, calls);
	double full = run(&bpf, x, calls);
	printf("fsync(0), %ld calls each, ns per call:\n", calls);
	printf("  no filter                                   %9.0f\n", none);
	printf("  complain, the kernel's round trip only      %9.0f\n", kernel);
	printf("  complain, explained and shaped as the parent %8.0f\n", full);
	printf("cost of complain mode per reported call: %.1f us (%.1f us of it the kernel's "
	       "round trip to the parent and back)\n",
	       (full - none) / 1000, (kernel - none) / 1000);
	policy_bpf_release(&bpf);
	policy_filter_free(f);
	policy_explainer_free(x);
	policy_free(p);
	return 0;
}
