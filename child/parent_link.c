/*
 * parent_link.c - the child's side of the IPC channel, on its libuv loop.
 *
 * After lockdown the child reads fd 3 with read(2) and writes it with
 * sendto(..., MSG_NOSIGNAL) only (ipc_receive, ipc_send): the watcher here
 * is a uv_poll_t, never a uv_stream, whose writes would use write(2).
 */
#include "api.h"
#include "child.h"
#include "fd_layout.h"
#include "logger/logger.h"
#include "server.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

static int send_message(struct child *c, struct ipc_message *msg)
{
	ssize_t n = ipc_send(&c->channel, msg, c->ipc_send_raw, sizeof(c->ipc_send_raw));
	return n < 0 ? (int)n : 0;
}

void parent_link_send_error(struct child *c, enum ipc_decode_status code, uint32_t sequence,
                            const char *message)
{
	struct ipc_message msg = {.type = IPC_ERROR};
	msg.u.error.error_version = IPC_ERROR_VERSION;
	msg.u.error.code = (uint32_t)code;
	msg.u.error.sequence = sequence;
	size_t n = strnlen(message, IPC_MESSAGE_MAX - 1);
	memcpy(msg.u.error.message, message, n);
	send_message(c, &msg);
}

int parent_link_send_ready(struct child *c)
{
	struct ipc_message msg = {.type = IPC_READY};
	msg.u.ready.pid = c->pid;
	msg.u.ready.generation = c->generation;
	msg.u.ready.sandbox = c->sandbox;
	msg.u.ready.uid = c->uid;
	msg.u.ready.gid = c->gid;
	msg.u.ready.policy_instructions = c->policy_instructions;
	msg.u.ready.boot_ns = c->boot_ns;
	msg.u.ready.epoll_fd = (uint32_t)c->epoll_fd;
	msg.u.ready.first_client_fd = (uint32_t)c->first_client_fd;
	msg.u.ready.fd_limit = (uint32_t)c->fd_limit;
	msg.u.ready.listener_fd = (uint32_t)c->listener_fd;
	return send_message(c, &msg);
}

static void answer_ping(struct child *c, const struct ipc_ping *ping)
{
	struct ipc_message pong = {.type = IPC_PONG};
	pong.u.pong.nonce = ping->nonce;
	pong.u.pong.sent_ns = ping->sent_ns;
	counters_own(c, &pong.u.pong.counters);
	send_message(c, &pong);
}

/* Drained: the last pong, then exit. The parent sends its last ping with
 * the shutdown (or after the pong it was waiting for), so it is held
 * here already or on its way; the drain deadline bounds the wait. */
static void on_drained(void *ctx)
{
	struct child *c = ctx;
	c->drained = true;
	if (!c->final_ping_held)
		return;
	answer_ping(c, &c->final_ping);
	if (c->logger != NULL)
		logger_logf(c->logger, IPC_LOG_NOTICE, "drained: exiting");
	child_exit(0);
}

/* A ping while draining is answered when the drain ends, with the counts
 * of every request the generation served. */
static void ping_received(struct child *c, const struct ipc_ping *ping)
{
	if (!c->draining) {
		answer_ping(c, ping);
		return;
	}
	c->final_ping = *ping;
	c->final_ping_held = true;
	if (c->drained)
		on_drained(c);
}

/* The grace period ran out with connections left: leave on our own terms
 * before the parent's SIGKILL. */
static void on_drain_deadline(uv_timer_t *timer)
{
	struct child *c = timer->data;
	if (c->final_ping_held)
		answer_ping(c, &c->final_ping); /* the counts so far */
	if (c->logger != NULL)
		logger_logf(c->logger, IPC_LOG_WARNING,
		            c->drained ? "drained, but the parent's last ping did not come within "
		                         "the grace period: exiting"
		                       : "drain not finished within the grace period: exiting");
	child_exit(0);
}

/* Stop accepting, let the server finish what is in flight, then exit.
 * The parent enforces the grace period with SIGKILL; the child exits a
 * little before it. */
static void shut_down(struct child *c, const struct ipc_shutdown *req)
{
	if (c->draining)
		return;
	c->draining = true;
	if (c->logger != NULL)
		logger_logf(c->logger, IPC_LOG_NOTICE,
		            "shutting down on the parent's request: draining connections");
	if (c->server == NULL)
		child_exit(0);
	if (req->grace_ms > 0 && uv_timer_init(&c->loop, &c->drain_deadline) == 0) {
		c->drain_deadline.data = c;
		uv_timer_start(&c->drain_deadline, on_drain_deadline,
		               req->grace_ms - req->grace_ms / 10, 0);
	}
	server_drain(c->server, on_drained, c);
}

/* The parent saw from outside what ready claimed: accept clients. */
static void serve(struct child *c, const struct ipc_serve *req)
{
	if (c->draining || c->server == NULL)
		return;
	if (c->logger != NULL)
		logger_logf(c->logger, IPC_LOG_INFO,
		            "serving: the parent attested sandbox 0x%x from outside",
		            req->attested);
	server_open(c->server);
}

static void handle(struct child *c, const struct ipc_message *msg)
{
	switch (msg->type) {
	case IPC_PING:
		ping_received(c, &msg->u.ping);
		break;
	case IPC_STATUS:
		c->status = msg->u.status;
		c->have_status = true;
		if (c->api != NULL)
			api_status_changed(c->api);
		break;
	case IPC_LOG:
		if (c->logger != NULL)
			logger_log_parent(c->logger, &msg->u.log);
		break;
	case IPC_SHUTDOWN:
		shut_down(c, &msg->u.shutdown);
		break;
	case IPC_SERVE:
		serve(c, &msg->u.serve);
		break;
	case IPC_REPORT:
		if (c->api != NULL)
			api_violation_reported(c->api, &msg->u.report);
		break;
	default:
		parent_link_send_error(c, IPC_E_TYPE, msg->sequence,
		                       "unexpected message after boot");
		child_exit(1);
	}
}

static void on_readable(uv_poll_t *poll, int status, int events)
{
	struct child *c = poll->data;
	(void)events;
	if (status < 0)
		child_exit(1);
	for (int i = 0; i < 64; i++) {
		struct ipc_message msg;
		struct ipc_decode_error err;
		ssize_t n = ipc_receive(&c->channel, &msg, c->ipc_raw, sizeof(c->ipc_raw), &err);
		if (n == -EAGAIN)
			return;
		if (n == 0)
			child_exit(0); /* the parent is gone: nothing to serve for */
		if (n < 0) {
			parent_link_send_error(c, err.status, 0, err.message);
			child_exit(1);
		}
		handle(c, &msg);
	}
}

int parent_link_start(struct child *c)
{
	if (uv_poll_init(&c->loop, &c->ipc_poll, FD_IPC) < 0)
		return -1;
	c->ipc_poll.data = c;
	return uv_poll_start(&c->ipc_poll, UV_READABLE, on_readable) < 0 ? -1 : 0;
}
