/*
 * endpoint.h - the parent's end of the IPC channel on a libuv loop.
 *
 * An endpoint watches its socket with a uv_poll_t. When the socket is
 * readable it receives the waiting messages and hands each to the user's
 * callbacks, with the bytes exactly as received so that a tracer can record
 * them. The first malformed message or socket error, or the peer's hangup,
 * stops receiving for good: the parent kills that child and starts a new
 * one with a new channel. Sending never blocks (the socket is non-blocking
 * once watched) and hands the bytes sent to an optional observer.
 *
 *     static const struct ipc_endpoint_callbacks cb = {
 *             .on_message = got, .on_error = malformed, .on_close = hung_up,
 *             .on_sent = trace_sent};
 *     ipc_endpoint_start(loop, &ep, fd, IPC_TO_PARENT, &cb, supervisor);
 *     ipc_endpoint_send_hello(&ep, &hello, fds);
 *     ipc_endpoint_send(&ep, &ping);
 *     ...
 *     ipc_endpoint_close(&ep, freed);       (the fd is closed, then `freed`)
 *
 * The endpoint owns `fd` from a successful start until it is closed. It
 * keeps no global state; every callback gets the endpoint, whose `data` is
 * the user's. A callback may call ipc_endpoint_close, but the endpoint's
 * memory must stay valid until the close callback has run.
 */
#ifndef WARDEN_IPC_ENDPOINT_H
#define WARDEN_IPC_ENDPOINT_H

#include "ipc.h"

#include <uv.h>

struct ipc_endpoint;

struct ipc_endpoint_callbacks {
	/* A valid message, in order; `raw` holds its `len` bytes. Required. */
	void (*on_message)(struct ipc_endpoint *ep, const struct ipc_message *msg,
	                   const uint8_t *raw, size_t len);
	/* A malformed message (err->status says which check failed; `raw`
	 * holds the `len` bytes received, at most IPC_MAX_MESSAGE + 1) or a
	 * socket error (IPC_E_IO, len 0). Receiving has stopped. Required. */
	void (*on_error)(struct ipc_endpoint *ep, const struct ipc_decode_error *err,
	                 const uint8_t *raw, size_t len);
	/* The peer hung up (or sent an empty packet, which read(2) cannot
	 * tell apart). Receiving has stopped. Required. */
	void (*on_close)(struct ipc_endpoint *ep);
	/* Optional: every message sent, the way it went (the peer's
	 * direction), its bytes and the number of descriptors it carried. */
	void (*on_sent)(struct ipc_endpoint *ep, enum ipc_direction direction, const uint8_t *raw,
	                size_t len, unsigned fds);
};

struct ipc_endpoint {
	struct ipc_channel channel; /* sequence numbers and counters */
	void *data;                 /* the user's */
	/* Private. */
	uv_poll_t poll;
	struct ipc_endpoint_callbacks cb;
	void (*on_closed)(struct ipc_endpoint *ep);
	bool receiving, closing;
	uint8_t in[IPC_MAX_MESSAGE + 1]; /* + 1: an oversize packet is seen as such */
	uint8_t out[IPC_MAX_MESSAGE];
};

/* Starts watching `fd` (one end of ipc_socketpair) for messages of the
 * `receives` direction. Returns 0, or a negative libuv error, in which case
 * the caller still owns `fd`. (Should uv_poll_start fail after uv_poll_init
 * succeeded, which libuv 1.44 never does, the handle is closed and `ep`
 * must stay valid until the loop has run once.) */
int ipc_endpoint_start(uv_loop_t *loop, struct ipc_endpoint *ep, int fd,
                       enum ipc_direction receives, const struct ipc_endpoint_callbacks *cb,
                       void *data);

/* Sends one message (ipc_send: sets its sequence). Returns the bytes sent,
 * or -errno: -EAGAIN when the peer's queue is full (it is not reading),
 * -EPIPE when it is gone, -EMSGSIZE or -EINVAL for a message that may not
 * be sent, -EBADF after close. */
ssize_t ipc_endpoint_send(struct ipc_endpoint *ep, struct ipc_message *msg);

/* Sends the hello with the log fd and the GUI socket (ipc_send_hello). */
ssize_t ipc_endpoint_send_hello(struct ipc_endpoint *ep, struct ipc_message *hello,
                                const int fds[IPC_HANDOVER_FDS]);

/* Stops receiving and closes the socket once libuv has let go of it; then
 * calls `on_closed` (may be NULL) from the loop, after which the endpoint's
 * memory may be freed. Closing twice does nothing. */
void ipc_endpoint_close(struct ipc_endpoint *ep, void (*on_closed)(struct ipc_endpoint *ep));

#endif
