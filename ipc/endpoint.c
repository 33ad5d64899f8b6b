/*
 * endpoint.c - see endpoint.h.
 */
#include "endpoint.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

enum {
	/* Messages received per wakeup at most. uv_poll is level-triggered,
	 * so the rest are read on the next loop iteration: a child that
	 * floods its socket cannot starve the parent's timers and signals. */
	RECEIVE_BATCH = 64,
};

static void stop_receiving(struct ipc_endpoint *ep)
{
	if (!ep->receiving)
		return;
	ep->receiving = false;
	uv_poll_stop(&ep->poll);
}

/* Receives one message and reports it. Returns whether to go on. */
static bool receive_one(struct ipc_endpoint *ep)
{
	struct ipc_message msg;
	struct ipc_decode_error err;
	ssize_t n = ipc_receive(&ep->channel, &msg, ep->in, sizeof(ep->in), &err);
	if (n == -EAGAIN)
		return false;
	if (n > 0) {
		ep->cb.on_message(ep, &msg, ep->in, (size_t)n);
		return true;
	}
	stop_receiving(ep);
	if (n == 0)
		ep->cb.on_close(ep);
	else
		ep->cb.on_error(ep, &err, ep->in, n == -EPROTO ? err.length : 0);
	return false;
}

/* The socket's pending error, which reading it clears. */
static int socket_error(int fd)
{
	int error = 0;
	socklen_t len = sizeof(error);
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &len) != 0)
		return errno;
	return error;
}

static void on_poll(uv_poll_t *handle, int status, int events)
{
	struct ipc_endpoint *ep = handle->data;
	(void)events;
	if (status < 0) {
		/* libuv reports POLLERR as UV_EBADF and stops watching. On the
		 * socketpair that is ECONNRESET: the child ended with messages
		 * of ours unread. What it sent before is still queued, then the
		 * hangup: with the error cleared, watch on and read them. */
		int error = socket_error(ep->channel.fd);
		if (error == ECONNRESET && uv_poll_start(&ep->poll, UV_READABLE, on_poll) == 0)
			return;
		struct ipc_decode_error err = {.status = IPC_E_IO};
		snprintf(err.message, sizeof(err.message), "poll: %s",
		         error != 0 ? strerror(error) : uv_strerror(status));
		stop_receiving(ep);
		ep->cb.on_error(ep, &err, ep->in, 0);
		return;
	}
	for (int i = 0; i < RECEIVE_BATCH && ep->receiving; i++)
		if (!receive_one(ep))
			break;
}

int ipc_endpoint_start(uv_loop_t *loop, struct ipc_endpoint *ep, int fd,
                       enum ipc_direction receives, const struct ipc_endpoint_callbacks *cb,
                       void *data)
{
	memset(ep, 0, sizeof(*ep));
	ipc_channel_init(&ep->channel, fd, receives);
	ep->cb = *cb;
	ep->data = data;
	/* uv_poll_init also makes the socket non-blocking. */
	int rc = uv_poll_init(loop, &ep->poll, fd);
	if (rc < 0)
		return rc;
	ep->poll.data = ep;
	rc = uv_poll_start(&ep->poll, UV_READABLE, on_poll);
	if (rc < 0) {
		/* The handle is registered with the loop and must be closed;
		 * the fd stays the caller's, so it is not closed here. */
		ep->closing = true;
		ep->channel.fd = -1;
		uv_close((uv_handle_t *)&ep->poll, NULL);
		return rc;
	}
	ep->receiving = true;
	return 0;
}

static ssize_t sent(struct ipc_endpoint *ep, ssize_t n, unsigned fds)
{
	/* The bytes went to the peer, which receives what this end does not. */
	enum ipc_direction way =
	        ep->channel.receives == IPC_TO_PARENT ? IPC_TO_CHILD : IPC_TO_PARENT;
	if (n > 0 && ep->cb.on_sent != NULL)
		ep->cb.on_sent(ep, way, ep->out, (size_t)n, fds);
	return n;
}

ssize_t ipc_endpoint_send(struct ipc_endpoint *ep, struct ipc_message *msg)
{
	if (ep->closing)
		return -EBADF;
	return sent(ep, ipc_send(&ep->channel, msg, ep->out, sizeof(ep->out)), 0);
}

ssize_t ipc_endpoint_send_hello(struct ipc_endpoint *ep, struct ipc_message *hello,
                                const int fds[IPC_HANDOVER_FDS])
{
	if (ep->closing)
		return -EBADF;
	ssize_t n = ipc_send_hello(&ep->channel, hello, fds, ep->out, sizeof(ep->out));
	return sent(ep, n, IPC_HANDOVER_FDS);
}

static void on_handle_closed(uv_handle_t *handle)
{
	struct ipc_endpoint *ep = handle->data;
	close(ep->channel.fd);
	ep->channel.fd = -1;
	if (ep->on_closed != NULL)
		ep->on_closed(ep);
}

void ipc_endpoint_close(struct ipc_endpoint *ep, void (*on_closed)(struct ipc_endpoint *ep))
{
	if (ep->closing)
		return;
	stop_receiving(ep);
	ep->closing = true;
	ep->on_closed = on_closed;
	uv_close((uv_handle_t *)&ep->poll, on_handle_closed);
}
