/*
 * misbehave.c - see misbehave.h.
 */
#include "misbehave.h"
#include "child/api.h"
#include "child/child.h"
#include "child/fd_layout.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

static bool is(const struct http_request *req, const char *path)
{
	size_t n = strlen(path);
	return req->path.length == n && memcmp(req->path.data, path, n) == 0;
}

static struct child *running; /* set after READY */

void misbehave_after_ready(struct child *c, void *ctx)
{
	(void)ctx;
	running = c;
}

/* Takes the parent's next PING off the channel itself (pings come every
 * heartbeat_interval_ms; waiting here is a hang no longer than that) and
 * answers it with another nonce: while that ping is outstanding, so only
 * the nonce tells the answer wrong. */
static void answer_with_a_wrong_nonce(struct child *c)
{
	struct ipc_message msg;
	struct ipc_decode_error err;
	ssize_t n;
	do
		n = ipc_receive(&c->channel, &msg, c->ipc_raw, sizeof(c->ipc_raw), &err);
	while (n == -EAGAIN || (n > 0 && msg.type != IPC_PING));
	if (n <= 0)
		return;
	struct ipc_message pong = {.type = IPC_PONG};
	pong.u.pong.nonce = msg.u.ping.nonce + 1;
	ipc_send(&c->channel, &pong, c->ipc_send_raw, sizeof(c->ipc_send_raw));
}

static void send_garbage(void)
{
	static const char junk[] = "this is not a warden message";
	sendto(FD_IPC, junk, sizeof(junk), MSG_NOSIGNAL, NULL, 0);
}

void misbehave_handle(void *ctx, const struct http_request *req, struct http_response *res)
{
	if (is(req, "/test/segv")) {
		volatile int *volatile nowhere = NULL;
		*nowhere = 1;
	} else if (is(req, "/test/abort")) {
		abort();
	} else if (is(req, "/test/exit1")) {
		child_exit(1);
	} else if (is(req, "/test/violation")) {
		syscall(SYS_openat, AT_FDCWD, "/etc/passwd", O_RDONLY);
	} else if (is(req, "/test/close-log")) {
		/* A descriptor argument the rule refuses: close is for clients. */
		syscall(SYS_close, FD_LOG);
	} else if (is(req, "/test/fsync-null")) {
		/* Harmless if it runs (complain mode): fsync of /dev/null. */
		long rc = syscall(SYS_fsync, 0);
		http_response_status(res, 200);
		http_response_body_printf(res, "fsync(0) = %ld\n", rc);
		return;
	} else if (is(req, "/test/hang")) {
		for (volatile int spin = 1; spin;)
			;
	} else if (is(req, "/test/ready-again") && running != NULL) {
		parent_link_send_ready(running);
		http_response_status(res, 200);
		http_response_body_static(res, "sent\n", 5);
		return;
	} else if (is(req, "/test/wrong-pong") && running != NULL) {
		answer_with_a_wrong_nonce(running);
		http_response_status(res, 200);
		http_response_body_static(res, "sent\n", 5);
		return;
	} else if (is(req, "/test/garbage")) {
		send_garbage();
		http_response_status(res, 200);
		http_response_body_static(res, "sent\n", 5);
		return;
	}
	api_handle(ctx, req, res);
}
