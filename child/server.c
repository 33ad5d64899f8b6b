/*
 * server.c - see server.h. Sockets, connections, timeouts, limits and the
 * drain; http_conn.c turns a connection's bytes in into bytes out, and
 * implements the event streams, which reach the socket through
 * socket_update and socket_close.
 *
 * System calls, all allowed by policy/child.policy:
 * accept4(listen, NULL, NULL, SOCK_CLOEXEC|SOCK_NONBLOCK), getpeername,
 * read, sendto(fd, ..., MSG_NOSIGNAL, NULL, 0) and close on clients; libuv
 * adds epoll_ctl on the watched descriptors and ioctl(FIONBIO) in
 * uv_poll_init. Never write/writev (reserved for logs), shutdown or
 * setsockopt. Before lockdown, server_start takes the peer table's hash key
 * with getrandom.
 *
 * Every connection is watched for reading while it may take a request, and
 * for writing only while output is stuck: the interest rarely changes,
 * because in libuv 1.44 every uv_poll_start costs an epoll_ctl DEL and ADD.
 * One timer sweeps the connections for expired deadlines instead of a
 * timer per connection, whose re-arming would cost on every request. It
 * fires at the earliest deadline (at most sweep_ms away) and expires at
 * most EXPIRE_BATCH connections per turn of the loop; deadlines are spread
 * by connection over half of sweep_ms, the lateness a sweep had anyway, so
 * that a thousand connections that arrived together (a slowloris wave) do
 * not all expire in one turn and delay every other client behind it.
 */
#include "server.h"
#include "arena.h"
#include "logger/logger.h"
#include "http_conn.h"
#include "peers.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

enum {
	ACCEPT_BATCH = 64,  /* accept4 calls per wake-up, then others get a turn */
	UPDATE_ROUNDS = 16, /* process/send rounds per event on one connection */
	LINGER_MS = 1000,   /* after an error: how long to drop input before closing */
	LINGER_MAX_BYTES = 1 << 18,
	DISCARD_CHUNK = 4096,
	REFUSAL_MAX = 1024,       /* a 503 formatted on the stack */
	WARN_INTERVAL_MS = 10000, /* rate of refusal warnings */
	SWEEP_MIN_MS = 5,
	SWEEP_MAX_MS = 250,
	SWEEP_GRAIN_MS = 2,   /* deadlines closer together share a sweep */
	EXPIRE_BATCH = 16,    /* expiries per turn of the loop; the rest after I/O */
	DRAIN_IDLE_MS = 1000, /* draining: how long an idle keep-alive may still send */
};

/* What a connection waits for; each has its deadline. */
enum wait {
	WAIT_NONE,   /* an event stream with nothing to send */
	WAIT_FIRST,  /* a new connection's first byte: header timeout, then close */
	WAIT_HEAD,   /* the rest of a request head: header timeout, then 408 */
	WAIT_IDLE,   /* the next request on a keep-alive connection: idle timeout */
	WAIT_SEND,   /* the client to take output: send timeout */
	WAIT_LINGER, /* dropping input after an error response */
};

struct conn {
	struct http_conn h;
	uv_poll_t poll;
	struct server *srv;
	struct conn *prev, *next;
	int fd;
	struct peer_address peer; /* counted in the server's peer table */
	int events;               /* UV_READABLE | UV_WRITABLE being watched */
	enum wait wait;
	uint64_t since; /* uv_now when the wait began (or last progressed) */
	uint64_t deadline;
	unsigned heads_seen;
	size_t lingered;
	bool closing;
};

struct server {
	uv_loop_t *loop;
	struct http_core core;
	struct server_config cfg;
	uv_poll_t listen_poll;
	bool open_to_clients; /* server_open was called: the parent said serve */
	bool accepting;
	uv_timer_t sweep;
	uint64_t sweep_ms;
	struct conn *conns;
	struct peer_table *peers;
	uint64_t open, closing, accepted, refused, bytes_in, bytes_out, next_id;
	bool draining, drained_called;
	void (*drained)(void *ctx);
	void *drained_ctx;
	uint64_t last_warning, warnings_suppressed;
};

static void conn_update(struct conn *c);
static void on_listen(uv_poll_t *poll, int status, int events);

/* ---- Warnings -------------------------------------------------------------- */

/* At most one per WARN_INTERVAL_MS, saying how many were held back: a
 * flood of refused clients must not become a flood of fsynced lines. */
static void warn_refusal(struct server *srv, const char *why)
{
	uint64_t now = uv_now(srv->loop);
	if (srv->last_warning != 0 && now - srv->last_warning < WARN_INTERVAL_MS) {
		srv->warnings_suppressed++;
		return;
	}
	if (srv->cfg.logger != NULL)
		logger_logf(
		        srv->cfg.logger, IPC_LOG_WARNING,
		        "http: refusing connections (503): %s; %llu similar warnings held back, "
		        "%llu refused in all",
		        why, (unsigned long long)srv->warnings_suppressed,
		        (unsigned long long)srv->refused);
	srv->last_warning = now ? now : 1;
	srv->warnings_suppressed = 0;
}

static void note_close(struct conn *c, const char *why)
{
	if (c->srv->cfg.logger != NULL && why != NULL)
		logger_logf(c->srv->cfg.logger, IPC_LOG_INFO, "http #%llu closed: %s",
		            (unsigned long long)c->h.id, why);
}

/* ---- Closing ------------------------------------------------------------------ */

static void maybe_drained(struct server *srv)
{
	if (!srv->draining || srv->drained_called || srv->open > 0 || srv->closing > 0)
		return;
	srv->drained_called = true;
	if (srv->drained != NULL)
		srv->drained(srv->drained_ctx);
}

static void resume_accepting(struct server *srv)
{
	if (!srv->open_to_clients || srv->accepting || srv->draining ||
	    srv->open >= srv->cfg.max_connections)
		return;
	if (uv_poll_start(&srv->listen_poll, UV_READABLE, on_listen) == 0)
		srv->accepting = true;
}

static void on_conn_closed(uv_handle_t *handle)
{
	struct conn *c = handle->data;
	struct server *srv = c->srv;
	http_conn_free(&srv->core, &c->h);
	arena_free(srv->cfg.arena, c);
	srv->closing--;
	if (srv->open == 0 && srv->closing == 0)
		uv_timer_stop(&srv->sweep);
	resume_accepting(srv);
	maybe_drained(srv);
}

/* uv_close stops the poll handle, which in libuv 1.44 removes the fd from
 * epoll at once (uv__platform_invalidate_fd): the fd can be closed now,
 * and the handle's memory goes back in the close callback. */
static void conn_close(struct conn *c, const char *why)
{
	if (c->closing)
		return;
	struct server *srv = c->srv;
	c->closing = true;
	note_close(c, why);
	http_conn_end_stream(&c->h);
	if (c->prev)
		c->prev->next = c->next;
	else
		srv->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	srv->open--;
	srv->closing++;
	peer_table_give_back(srv->peers, &c->peer);
	uv_close((uv_handle_t *)&c->poll, on_conn_closed);
	close(c->fd);
}

/* ---- Sending ------------------------------------------------------------------- */

/* Sends what is pending until done or the socket is full. Returns 0, or -1
 * when the connection was closed (the client is gone). */
static int conn_flush(struct conn *c)
{
	struct server *srv = c->srv;
	struct http_conn *h = &c->h;
	while (http_conn_pending(h) > 0) {
		size_t buffered = h->out.length - h->out_sent;
		const char *p = buffered ? h->out.data + h->out_sent : h->tail;
		size_t n = buffered ? buffered : h->tail_length;
		ssize_t sent = sendto(c->fd, p, n, MSG_NOSIGNAL, NULL, 0);
		if (sent < 0 && errno == EINTR)
			continue;
		if (sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		if (sent <= 0) {
			conn_close(c, NULL); /* EPIPE, ECONNRESET: the client left */
			return -1;
		}
		srv->bytes_out += (uint64_t)sent;
		http_conn_sent(&srv->core, h, (size_t)sent);
		c->since = uv_now(srv->loop); /* progress: the send timeout starts again */
	}
	return 0;
}

/* ---- Reading ------------------------------------------------------------------- */

/* After an error response, and on an event stream, input is read and
 * dropped: that keeps the kernel from answering a close with a reset that
 * would destroy the response still on its way, and shows a client gone. */
static void conn_discard(struct conn *c)
{
	char sink[DISCARD_CHUNK];
	ssize_t n = read(c->fd, sink, sizeof(sink));
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		c->h.peer_closed = true;
		return;
	}
	c->srv->bytes_in += (uint64_t)n;
	c->lingered += (size_t)n;
	if (c->h.linger && c->lingered > LINGER_MAX_BYTES)
		conn_close(c, NULL);
}

static void conn_read(struct conn *c)
{
	struct http_buffer *in = &c->h.in;
	if (c->h.linger || c->h.streaming)
		return conn_discard(c);
	if (in->length == in->capacity)
		return;
	ssize_t n = read(c->fd, in->data + in->length, in->capacity - in->length);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n < 0)
		return conn_close(c, NULL);
	if (n == 0) {
		c->h.peer_closed = true;
		return;
	}
	in->length += (size_t)n;
	c->srv->bytes_in += (uint64_t)n;
}

/* ---- Interest and deadlines ----------------------------------------------------- */

static bool wants_input(const struct conn *c)
{
	const struct http_conn *h = &c->h;
	if (h->peer_closed)
		return false;
	if (h->linger || h->streaming)
		return true;
	return !h->close_after && h->in.length < h->in.capacity && h->tail == NULL &&
	       h->out.length - h->out_sent < HTTP_OUT_HIGH;
}

static void on_conn_event(uv_poll_t *poll, int status, int events);

static void set_interest(struct conn *c)
{
	int events = (wants_input(c) ? UV_READABLE : 0) |
	             (http_conn_pending(&c->h) > 0 ? UV_WRITABLE : 0);
	if (events == c->events)
		return;
	c->events = events;
	if (events == 0)
		uv_poll_stop(&c->poll);
	else
		uv_poll_start(&c->poll, events, on_conn_event);
}

static enum wait current_wait(const struct conn *c)
{
	const struct http_conn *h = &c->h;
	if (http_conn_pending(h) > 0)
		return WAIT_SEND;
	if (h->linger)
		return WAIT_LINGER;
	if (h->streaming)
		return WAIT_NONE;
	if (http_conn_has_input(h))
		return WAIT_HEAD;
	return h->heads == 0 ? WAIT_FIRST : WAIT_IDLE;
}

/* A connection that has not shown the token (one being configured) gets
 * the header timeout between requests too: it cannot hold a place for the
 * idle timeout's minute without proving it is wanted. */
static uint64_t idle_limit(const struct conn *c)
{
	const struct server *srv = c->srv;
	const struct server_config *cfg = &srv->cfg;
	uint64_t limit = cfg->header_timeout_ms;
	if (c->h.authenticated || cfg->idle_timeout_ms < cfg->header_timeout_ms)
		limit = cfg->idle_timeout_ms;
	return srv->draining && limit > DRAIN_IDLE_MS ? DRAIN_IDLE_MS : limit;
}

static uint64_t wait_limit(const struct conn *c, enum wait w)
{
	const struct server *srv = c->srv;
	switch (w) {
	case WAIT_FIRST:
	case WAIT_HEAD:
		return srv->cfg.header_timeout_ms;
	case WAIT_IDLE:
		return idle_limit(c);
	case WAIT_SEND:
		return srv->cfg.send_timeout_ms;
	case WAIT_LINGER:
		return LINGER_MS;
	default:
		return 0;
	}
}

/* The connection's share of the spread, by its id (no random numbers:
 * the filter allows no getrandom, and none are needed). */
static uint64_t spread(const struct conn *c)
{
	uint64_t window = c->srv->sweep_ms / 2;
	return window > 0 ? ((c->h.id * UINT64_C(0x9E3779B97F4A7C15)) >> 32) % window : 0;
}

/* A new head (another request of a pipeline) restarts the header clock. */
static void arm(struct conn *c)
{
	uint64_t now = uv_now(c->srv->loop);
	enum wait w = current_wait(c);
	if (w != c->wait || (w == WAIT_HEAD && c->h.heads != c->heads_seen)) {
		c->wait = w;
		c->since = now;
	}
	c->heads_seen = c->h.heads;
	c->deadline = w == WAIT_NONE ? 0 : c->since + wait_limit(c, w) + spread(c);
}

/* ---- One connection's work ------------------------------------------------------ */

/* Answers, sends, and decides whether the connection ends. */
static void conn_update(struct conn *c)
{
	struct server *srv = c->srv;
	for (int round = 0; round < UPDATE_ROUNDS && !c->closing; round++) {
		unsigned heads = c->h.heads;
		size_t pending = http_conn_pending(&c->h);
		if (!c->h.linger && !c->h.streaming)
			http_conn_process(&srv->core, &c->h);
		if (conn_flush(c) < 0)
			return;
		if (c->h.heads == heads && http_conn_pending(&c->h) >= pending)
			break; /* nothing answered, nothing sent: wait for the socket */
	}
	if (c->closing)
		return;
	struct http_conn *h = &c->h;
	bool idle_out = http_conn_pending(h) == 0;
	if (idle_out && h->close_after && !h->linger)
		return conn_close(c, NULL);
	if (h->peer_closed && (idle_out || h->streaming || h->linger))
		return conn_close(c, NULL);
	set_interest(c);
	arm(c);
}

/* ---- What http_conn.c asks of the socket (struct http_socket) ------------------------- */

static struct conn *conn_of(struct http_conn *h)
{
	return (struct conn *)((char *)h - offsetof(struct conn, h));
}

static int socket_update(struct http_conn *h)
{
	struct conn *c = conn_of(h);
	conn_update(c);
	return c->closing ? -1 : 0;
}

static void socket_close(struct http_conn *h, const char *why)
{
	conn_close(conn_of(h), why);
}

static void on_conn_event(uv_poll_t *poll, int status, int events)
{
	struct conn *c = poll->data;
	if (status < 0)
		return conn_close(c, NULL);
	if (events & UV_READABLE)
		conn_read(c);
	if (!c->closing)
		conn_update(c);
}

/* ---- Timeouts --------------------------------------------------------------------- */

static void expire(struct conn *c)
{
	struct server *srv = c->srv;
	srv->core.timeouts++;
	switch (c->wait) {
	case WAIT_HEAD:
		/* Slowloris: the head did not arrive in time. 408, then close. */
		c->h.in.length = 0;
		http_conn_error(&srv->core, &c->h, 408, "request head not complete in time");
		conn_update(c);
		return;
	case WAIT_SEND:
		return conn_close(c, "no progress sending (slow reader)");
	case WAIT_IDLE:
		return conn_close(c, c->h.authenticated ? NULL : "idle without a valid token");
	case WAIT_FIRST:
		return conn_close(c, "no request in time");
	default:
		return conn_close(c, NULL);
	}
}

/* Until the earliest deadline left, within [SWEEP_GRAIN_MS, sweep_ms];
 * 1 ms (after polling for I/O) when the batch left expired ones behind. */
static uint64_t next_sweep_delay(const struct server *srv, uint64_t now, uint64_t earliest)
{
	if (earliest <= now)
		return 1;
	uint64_t delay = earliest - now;
	return delay < SWEEP_GRAIN_MS  ? SWEEP_GRAIN_MS
	       : delay > srv->sweep_ms ? srv->sweep_ms
	                               : delay;
}

static void on_sweep(uv_timer_t *timer)
{
	struct server *srv = timer->data;
	uint64_t now = uv_now(srv->loop);
	uint64_t earliest = UINT64_MAX;
	unsigned expired = 0;
	struct conn *next;
	for (struct conn *c = srv->conns; c != NULL; c = next) {
		next = c->next;
		if (c->deadline == 0)
			continue;
		if (now >= c->deadline && expired < EXPIRE_BATCH) {
			expired++;
			expire(c);
		} else if (c->deadline < earliest) {
			earliest = c->deadline;
		}
	}
	if (srv->open > 0 || srv->closing > 0)
		uv_timer_start(&srv->sweep, on_sweep, next_sweep_delay(srv, now, earliest),
		               srv->sweep_ms);
}

static uint64_t sweep_interval(const struct server_config *cfg)
{
	uint64_t ms = cfg->header_timeout_ms;
	if (cfg->idle_timeout_ms < ms)
		ms = cfg->idle_timeout_ms;
	if (cfg->send_timeout_ms < ms)
		ms = cfg->send_timeout_ms;
	ms /= 4; /* a deadline is noticed within a quarter of the shortest timeout */
	return ms < SWEEP_MIN_MS ? SWEEP_MIN_MS : ms > SWEEP_MAX_MS ? SWEEP_MAX_MS : ms;
}

/* ---- Accepting ------------------------------------------------------------------- */

/* A 503 sent straight from the stack (a fresh socket's buffer takes it
 * whole), then close: costs no memory, so it works when none is left. */
static void refuse(struct server *srv, int fd, const char *why)
{
	char buf[REFUSAL_MAX];
	srv->refused++;
	warn_refusal(srv, why);
	size_t n = http_format_refusal(&srv->core, buf, sizeof(buf), ++srv->next_id, why);
	ssize_t sent = n > 0 ? sendto(fd, buf, n, MSG_NOSIGNAL, NULL, 0) : 0;
	if (sent > 0)
		srv->bytes_out += (uint64_t)sent;
	close(fd);
}

/* The reserve kept for connections already open: new ones are refused
 * below it, so that a flood cannot starve the ones being served. */
static bool memory_low(const struct server *srv)
{
	const struct arena *a = srv->cfg.arena;
	return a->used + http_memory_reserve(&srv->core) > arena_capacity(a);
}

/* A client that came and went before the server asked who it was:
 * getpeername fails with ENOTCONN. */
static bool peer_of(int fd, struct peer_address *addr, char text[PEER_TEXT_MAX])
{
	struct sockaddr_storage sa;
	socklen_t len = sizeof(sa);
	memset(&sa, 0, sizeof(sa));
	return getpeername(fd, (struct sockaddr *)&sa, &len) == 0 && len <= sizeof(sa) &&
	       peer_address_of(&sa, addr, text);
}

static int conn_open(struct server *srv, int fd, const struct peer_address *addr, const char *text)
{
	struct conn *c = arena_malloc(srv->cfg.arena, sizeof(*c));
	if (c == NULL)
		return -1;
	memset(c, 0, sizeof(*c));
	if (http_conn_init(&srv->core, &c->h, ++srv->next_id) < 0)
		goto fail;
	snprintf(c->h.peer, sizeof(c->h.peer), "%s", text);
	c->peer = *addr;
	if (uv_poll_init(srv->loop, &c->poll, fd) < 0) /* ioctl(FIONBIO), epoll check */
		goto fail;
	c->poll.data = c;
	c->srv = srv;
	c->fd = fd;
	c->events = UV_READABLE;
	uv_poll_start(&c->poll, UV_READABLE, on_conn_event);
	peer_table_take(srv->peers, addr, UINT32_MAX); /* the share was checked */
	c->next = srv->conns;
	if (srv->conns)
		srv->conns->prev = c;
	srv->conns = c;
	if (srv->open++ == 0 && srv->closing == 0)
		uv_timer_start(&srv->sweep, on_sweep, srv->sweep_ms, srv->sweep_ms);
	arm(c);
	return 0;
fail:
	http_conn_free(&srv->core, &c->h);
	arena_free(srv->cfg.arena, c);
	return -1;
}

static void pause_accepting(struct server *srv)
{
	if (!srv->accepting)
		return;
	uv_poll_stop(&srv->listen_poll);
	srv->accepting = false;
}

/* accept4 failed for want of descriptors or kernel memory: stop watching
 * the listening socket (it would stay readable and spin the loop) until a
 * connection closes. */
static void accept_failed(struct server *srv, int err)
{
	if (srv->cfg.logger != NULL)
		logger_logf(srv->cfg.logger, IPC_LOG_WARNING, "http: accept4 failed: %s",
		            strerrorname_np(err) ? strerrorname_np(err) : "?");
	if (srv->open > 0)
		pause_accepting(srv);
}

static bool share_used(const struct server *srv, const struct peer_address *addr)
{
	return peer_table_count(srv->peers, addr) >= srv->cfg.max_connections_per_peer;
}

static void take_connection(struct server *srv, int fd)
{
	struct peer_address addr;
	char text[PEER_TEXT_MAX], why[PEER_TEXT_MAX + 64];
	srv->accepted++;
	if (!peer_of(fd, &addr, text)) {
		close(fd); /* gone already: nobody to answer */
		return;
	}
	if (srv->open >= srv->cfg.max_connections) {
		refuse(srv, fd, "connection limit reached");
	} else if (share_used(srv, &addr)) {
		snprintf(why, sizeof(why), "connection limit per address (%u) reached by %s",
		         srv->cfg.max_connections_per_peer, text);
		refuse(srv, fd, why);
	} else if (memory_low(srv)) {
		refuse(srv, fd, "memory reserve reached");
	} else if (conn_open(srv, fd, &addr, text) < 0) {
		refuse(srv, fd, "out of memory");
	}
}

static void on_listen(uv_poll_t *poll, int status, int events)
{
	struct server *srv = poll->data;
	(void)events;
	if (status < 0)
		return;
	for (int i = 0; i < ACCEPT_BATCH && srv->accepting; i++) {
		int fd = accept4(srv->cfg.listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (fd >= 0) {
			take_connection(srv, fd);
			continue;
		}
		if (errno == EINTR || errno == ECONNABORTED)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			accept_failed(srv, errno);
		return;
	}
}

/* ---- Draining -------------------------------------------------------------------------- */

static void drain_conn(struct conn *c)
{
	struct http_conn *h = &c->h;
	if (h->streaming)
		return conn_close(c, "draining");
	if (h->linger)
		return;
	/* Any connection may have a request on its way: closing it now would
	 * race the client's next request and fail it (a reload would fail
	 * requests under keep-alive load). Each is served once more, with
	 * Connection: close; one accepted but silent waits for the header
	 * timeout, an idle keep-alive for DRAIN_IDLE_MS from now at most (or
	 * its idle timeout if shorter), then it is closed. */
	if (c->wait == WAIT_IDLE) {
		c->since = uv_now(c->srv->loop);
		arm(c);
	}
	if (http_conn_pending(h) > 0)
		h->close_after = true; /* after the response in flight */
	/* else: a request is arriving; its response says Connection: close */
}

void server_drain(struct server *srv, void (*drained)(void *ctx), void *ctx)
{
	srv->drained = drained;
	srv->drained_ctx = ctx;
	srv->draining = srv->core.draining = true;
	pause_accepting(srv);
	struct conn *next;
	for (struct conn *c = srv->conns; c != NULL; c = next) {
		next = c->next;
		drain_conn(c);
	}
	maybe_drained(srv);
}

/* ---- Set-up and figures ------------------------------------------------------------------ */

static bool config_valid(const struct server_config *cfg)
{
	return cfg->arena != NULL && cfg->handler != NULL && cfg->listen_fd >= 0 &&
	       cfg->max_connections > 0 && cfg->max_connections <= SERVER_CONNECTIONS_MAX &&
	       cfg->max_connections_per_peer <= cfg->max_connections &&
	       cfg->header_max_bytes >= 256 && cfg->uri_max_bytes > 0 &&
	       cfg->header_timeout_ms > 0 && cfg->idle_timeout_ms > 0 && cfg->send_timeout_ms > 0;
}

/* The peer table's hash key: random, so that nobody outside can pick
 * addresses that collide. Taken before lockdown (the filter has no
 * getrandom); a failure falls back to the clock, which is still unknown
 * to a client. */
static uint64_t hash_key(void)
{
	uint64_t key;
	if (getrandom(&key, sizeof(key), GRND_NONBLOCK) != (ssize_t)sizeof(key))
		key = uv_hrtime();
	return key;
}

int server_start(struct server **out, uv_loop_t *loop, const struct server_config *cfg)
{
	if (!config_valid(cfg))
		return -EINVAL;
	struct server *srv = arena_calloc(cfg->arena, 1, sizeof(*srv));
	if (srv == NULL)
		return -ENOMEM;
	srv->loop = loop;
	srv->cfg = *cfg;
	if (srv->cfg.max_connections_per_peer == 0)
		srv->cfg.max_connections_per_peer = cfg->max_connections;
	srv->sweep_ms = sweep_interval(cfg);
	int rc = -ENOMEM;
	srv->peers = peer_table_create(cfg->arena, cfg->max_connections, hash_key());
	if (srv->peers == NULL)
		goto fail;
	rc = http_core_init(&srv->core, cfg);
	if (rc < 0)
		goto fail;
	srv->core.socket = (struct http_socket){.update = socket_update, .close = socket_close};
	if ((rc = uv_timer_init(loop, &srv->sweep)) < 0 ||
	    (rc = uv_poll_init(loop, &srv->listen_poll, cfg->listen_fd)) < 0)
		goto fail;
	srv->sweep.data = srv;
	srv->listen_poll.data = srv;
	*out = srv;
	return 0;
fail:
	/* Only before lockdown, and the child then fails its boot: the
	 * handles initialised above are left to the process's end. */
	http_core_free(&srv->core);
	peer_table_free(cfg->arena, srv->peers);
	return rc;
}

void server_open(struct server *srv)
{
	srv->open_to_clients = true;
	resume_accepting(srv);
	if (!srv->accepting)
		return;
	/* A standby told to serve after a crash has clients waiting in the
	 * backlog, most with their request sent: take them and answer now,
	 * before anything else this turn of the loop has to do. A standby has
	 * no connections before this, so every one in the list is new. */
	on_listen(&srv->listen_poll, 0, UV_READABLE);
	for (struct conn *c = srv->conns, *next; c != NULL; c = next) {
		next = c->next;
		on_conn_event(&c->poll, 0, UV_READABLE);
	}
}

void server_get_stats(const struct server *srv, struct server_stats *out)
{
	memset(out, 0, sizeof(*out));
	out->connections_open = srv->open;
	out->connections_accepted = srv->accepted;
	out->connections_refused = srv->refused;
	out->requests = srv->core.requests;
	out->bytes_in = srv->bytes_in;
	out->bytes_out = srv->bytes_out;
	out->timeouts = srv->core.timeouts;
	for (unsigned i = 0; i < SERVER_RESPONSE_CLASSES; i++)
		out->responses[i] = srv->core.classes[i];
	for (const struct conn *c = srv->conns; c != NULL; c = c->next)
		out->streams_open += c->h.stream.open;
	out->code_count = SERVER_STATUS_CODES;
	for (unsigned i = 0; i < SERVER_STATUS_CODES; i++) {
		out->code_values[i] = http_counted_codes[i];
		out->codes[i] = srv->core.codes[i];
	}
}

void server_request_rate(const struct server *srv, uint64_t now_s, uint32_t counts[RATE_SECONDS])
{
	rate_window(&srv->core.request_rate, now_s, counts);
}
