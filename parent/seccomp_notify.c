/*
 * seccomp_notify.c - see seccomp_notify.h.
 */
#include "seccomp_notify.h"

#include <errno.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

enum { NOTIFY_BATCH = 64 }; /* notifications read per wake-up before the loop goes on */

struct seccomp_notify {
	uv_poll_t poll;
	int fd;
	seccomp_notify_fn fn;
	void *data;
};

static int take_fd(pid_t pid, int child_fd, char *why, size_t why_size)
{
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pidfd < 0) {
		snprintf(why, why_size, "pidfd_open(%d): %s", (int)pid, strerror(errno));
		return -1;
	}
	int fd = (int)syscall(SYS_pidfd_getfd, pidfd, child_fd, 0);
	int saved = errno;
	close(pidfd);
	if (fd < 0)
		snprintf(why, why_size,
		         "pidfd_getfd(%d, fd %d): %s (taking a child's seccomp listener needs "
		         "CAP_SYS_PTRACE over it)",
		         (int)pid, child_fd, strerror(saved));
	return fd;
}

/* The kernel names a listener's file "anon_inode:seccomp notify". */
static bool is_listener(int fd)
{
	char path[64], link[64];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	ssize_t n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		return false;
	link[n] = '\0';
	return strcmp(link, "anon_inode:seccomp notify") == 0;
}

/* Whether a notification waits: SECCOMP_IOCTL_NOTIF_RECV blocks when none
 * does, whatever the descriptor's flags, so each read is asked for first. */
static bool waiting(int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	return poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
}

/* Reads one notification; false when none is waiting (or it vanished,
 * its thread killed between poll and read). */
static bool receive(struct seccomp_notify *n)
{
	struct seccomp_notif req;
	memset(&req, 0, sizeof(req)); /* the kernel insists */
	if (n->fn == NULL || !waiting(n->fd) || ioctl(n->fd, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0)
		return n->fn != NULL && (errno == ENOENT || errno == EINTR);
	struct policy_call call = {.nr = req.data.nr, .arch = req.data.arch};
	memcpy(call.args, req.data.args, sizeof(call.args));
	call.ip = req.data.instruction_pointer;
	n->fn(n->data, req.id, (pid_t)req.pid, &call);
	return true;
}

static void on_readable(uv_poll_t *poll, int status, int events)
{
	struct seccomp_notify *n = poll->data;
	(void)events;
	if (status < 0) {
		uv_poll_stop(poll); /* POLLHUP: the child is gone */
		return;
	}
	/* The poll is level-triggered: what a batch leaves comes next turn. */
	for (int i = 0; i < NOTIFY_BATCH && receive(n); i++)
		;
}

struct seccomp_notify *seccomp_notify_take(uv_loop_t *loop, pid_t pid, int child_fd,
                                           seccomp_notify_fn fn, void *data, char *why,
                                           size_t why_size)
{
	int fd = take_fd(pid, child_fd, why, why_size);
	if (fd < 0)
		return NULL;
	if (!is_listener(fd)) {
		snprintf(why, why_size, "fd %d of pid %d is not a seccomp listener", child_fd,
		         (int)pid);
		close(fd);
		return NULL;
	}
	struct seccomp_notify *n = calloc(1, sizeof(*n));
	if (n == NULL || uv_poll_init(loop, &n->poll, fd) < 0) {
		snprintf(why, why_size, "cannot watch the seccomp listener");
		free(n);
		close(fd);
		return NULL;
	}
	n->fd = fd;
	n->fn = fn;
	n->data = data;
	n->poll.data = n;
	uv_poll_start(&n->poll, UV_READABLE, on_readable);
	return n;
}

int seccomp_notify_continue(struct seccomp_notify *n, uint64_t id)
{
	struct seccomp_notif_resp resp;
	memset(&resp, 0, sizeof(resp));
	resp.id = id;
	resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
	return ioctl(n->fd, SECCOMP_IOCTL_NOTIF_SEND, &resp) < 0 ? -errno : 0;
}

static void on_closed(uv_handle_t *handle)
{
	struct seccomp_notify *n = handle->data;
	close(n->fd);
	free(n);
}

void seccomp_notify_close(struct seccomp_notify *n)
{
	if (n == NULL)
		return;
	n->fn = NULL;
	uv_close((uv_handle_t *)&n->poll, on_closed);
}
