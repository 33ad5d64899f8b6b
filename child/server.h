/*
 * server.h - the child's HTTP server on its libuv loop.
 *
 * Runs under policy/child.policy: the listening socket (fd 5) and every
 * client are watched with uv_poll_t, and the server itself calls only
 * accept4(fd 5, NULL, NULL, SOCK_CLOEXEC|SOCK_NONBLOCK), getpeername, read,
 * sendto(..., MSG_NOSIGNAL, NULL, 0) and close on clients. All memory comes
 * from the allocator it is given (the child's reserve); when that runs low,
 * new connections and large responses get a 503, and a WARNING is logged.
 */
#ifndef WARDEN_CHILD_SERVER_H
#define WARDEN_CHILD_SERVER_H

#include "http.h"
#include "rate.h"

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

struct arena;
struct logger;
struct server;

/* ---- Set-up ----------------------------------------------------------------- */

enum {
	SERVER_CONNECTIONS_MAX = 65536, /* as ipc_config.max_connections */
};

struct server_config {
	int listen_fd;              /* the GUI socket, listening, non-blocking or not */
	uint32_t max_connections;   /* open at once; more get 503 and close */
	uint32_t header_max_bytes;  /* request line + headers; more: 431 */
	uint32_t uri_max_bytes;     /* request target; more: 414 */
	uint32_t header_timeout_ms; /* first byte to end of head; else 408 */
	uint32_t idle_timeout_ms;   /* keep-alive wait between requests; then close */
	uint32_t send_timeout_ms;   /* a write making no progress this long: close */
	const uint8_t *token;       /* bearer token; NULL or length 0: no auth */
	size_t token_length;
	/* Open at once from one client address; more get 503 and close. 0:
	 * max_connections, no share of its own. */
	uint32_t max_connections_per_peer;
	/* The names a request's Host may give, its port aside, one space
	 * between them ("localhost 127.0.0.1 [::1]"); others get 421. NULL:
	 * none (only /healthz answers). */
	const char *hosts;
	http_handler_fn handler;  /* answers valid requests */
	http_public_fn is_public; /* paths served without the token; NULL: none */
	void *handler_ctx;        /* for both */
	struct arena *arena;      /* every allocation */
	struct logger *logger;    /* access log (INFO) and warnings; may be NULL */
};

/* Creates the server, not accepting yet. Returns 0 or -errno. */
int server_start(struct server **out, uv_loop_t *loop, const struct server_config *cfg);

/* Starts accepting: once the parent has checked the child's sandbox from
 * outside and said serve. Until then connections wait in the listening
 * socket's backlog (or are taken by the generation still serving). */
void server_open(struct server *srv);

/* Stops accepting (the listening socket stays open: it is the parent's);
 * in-flight requests finish, each connection's next response says
 * Connection: close, a keep-alive connection idle for 1 s (or its idle
 * timeout if shorter) is closed, streams end. `drained` runs once no
 * connection is left. */
void server_drain(struct server *srv, void (*drained)(void *ctx), void *ctx);

/* ---- Figures (for the PONG, /metrics and /api/status) ----------------------- */

enum {
	SERVER_STATUS_CODES = 16,
	SERVER_RESPONSE_CLASSES = 5, /* 1xx .. 5xx */
};

struct server_stats {
	uint64_t connections_open, connections_accepted, connections_refused;
	uint64_t requests;
	uint64_t bytes_in, bytes_out;
	uint64_t timeouts;     /* 408 plus idle and send timeouts */
	uint64_t streams_open; /* event streams */
	/* responses by class: responses[0] counts 1xx .. responses[4] 5xx */
	uint64_t responses[SERVER_RESPONSE_CLASSES];
	/* responses by status code; codes[i] counts code_values[i] */
	unsigned code_count;
	uint16_t code_values[SERVER_STATUS_CODES];
	uint64_t codes[SERVER_STATUS_CODES];
};

void server_get_stats(const struct server *srv, struct server_stats *out);

/* Requests received per second (as server_stats.requests counts them):
 * counts[i] is second now_s - RATE_SECONDS + 1 + i, a CLOCK_REALTIME
 * second since the epoch; the last is `now_s`, still counting. */
void server_request_rate(const struct server *srv, uint64_t now_s, uint32_t counts[RATE_SECONDS]);

#endif
