/*
 * spawn.c - see spawn.h.
 */
#include "spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Runs in the new process, between fork and exec: only async-signal-safe
 * calls. Never returns. */
static void __attribute__((noreturn)) exec_child(const char *program, int ipc_fd, int devnull_fd)
{
	sigset_t none;
	sigemptyset(&none);
	/* libuv's handlers are reset by exec, but a blocked mask and ignored
	 * signals would be inherited. */
	sigprocmask(SIG_SETMASK, &none, NULL);
	for (int sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL);
	if (ipc_fd == SPAWN_IPC_FD) {
		if (fcntl(ipc_fd, F_SETFD, 0) < 0)
			goto fail;
	} else if (dup2(ipc_fd, SPAWN_IPC_FD) < 0) {
		goto fail;
	}
	if (dup2(devnull_fd, 0) < 0 || dup2(devnull_fd, 1) < 0)
		goto fail;
	if (close_range(SPAWN_IPC_FD + 1, ~0u, 0) < 0)
		goto fail;
	char *const argv[] = {"warden-child", NULL};
	char *const envp[] = {NULL};
	execve(program, argv, envp);
fail:;
	/* The parent sees exit 127 and logs it; say why here too. */
	const char *why = strerror(errno);
	(void)!write(2, "warden: cannot start the child ", 31);
	(void)!write(2, program, strlen(program));
	(void)!write(2, ": ", 2);
	(void)!write(2, why, strlen(why));
	(void)!write(2, "\n", 1);
	_exit(127);
}

/* fork(), or the raw clone with CLONE_NEWPID (glibc has no fork that takes
 * flags). Returns as fork does. */
static pid_t fork_process(bool new_pid_namespace)
{
	if (!new_pid_namespace)
		return fork();
	return (pid_t)syscall(SYS_clone, CLONE_NEWPID | SIGCHLD, NULL, NULL, NULL, NULL);
}

struct spawn_result spawn_child(const char *program, int ipc_fd, int devnull_fd,
                                bool *pid_namespace_failed)
{
	struct spawn_result r = {0};
	bool try_ns = !*pid_namespace_failed;
	pid_t pid = fork_process(try_ns);
	if (pid < 0 && try_ns && (errno == EPERM || errno == EINVAL || errno == ENOSPC)) {
		*pid_namespace_failed = true;
		try_ns = false;
		pid = fork_process(false);
	}
	if (pid < 0) {
		r.error = errno;
		return r;
	}
	if (pid == 0)
		exec_child(program, ipc_fd, devnull_fd);
	r.pid = pid;
	r.pid_namespace = try_ns;
	return r;
}
