/*
 * fuzz_http_request - arbitrary bytes through a connection's request path:
 * head finding, the raw checks, libhttp-parser, the server's decisions,
 * auth, a handler, response formatting and the access log; no sockets
 * (http_conn.h is built to be driven from a buffer).
 *
 * The first byte chooses the server (with or without a bearer token) and
 * how the rest is cut into reads. Checked after every read: the output is
 * whole responses that start with a status line, nothing is answered after
 * the connection must close, and a connection returns all its memory.
 */
#include "child/arena.h"
#include "logger/logger.h"
#include "child/http_conn.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char big_body[HTTP_COPY_MAX + 100];

static void stream_closed(struct http_stream *stream, void *owner)
{
	(void)stream;
	*(int *)owner += 1;
}

static bool path_is(const struct http_request *req, const char *s)
{
	return req->path.length == strlen(s) && memcmp(req->path.data, s, req->path.length) == 0;
}

/* Exercises every part of the response API, bad uses included. */
static void handler(void *ctx, const struct http_request *req, struct http_response *res)
{
	if (path_is(req, "/healthz")) {
		http_response_status(res, 200);
		http_response_body_static(res, "ok\n", 3);
	} else if (path_is(req, "/big")) {
		http_response_status(res, 200);
		http_response_body_static(res, big_body, sizeof(big_body));
	} else if (path_is(req, "/echo")) {
		/* The query as a header value: CR, LF or controls give a 500. */
		char value[512];
		size_t n = req->query.length < sizeof(value) - 1 ? req->query.length
		                                                 : sizeof(value) - 1;
		memcpy(value, req->query.data ? req->query.data : "", n);
		value[n] = '\0';
		http_response_status(res, 200);
		http_response_header(res, "X-Echo", value);
		http_response_body_printf(res, "%u %d %.*s\n", req->http_minor, req->accepts_gzip,
		                          (int)req->if_none_match.length,
		                          req->if_none_match.data ? req->if_none_match.data : "");
		http_response_body_append(res, req->path.data, req->path.length);
	} else if (path_is(req, "/stream")) {
		http_response_stream(res, stream_closed, ctx);
	} else if (path_is(req, "/nothing")) {
		return; /* a 500 */
	} else if (path_is(req, "/bad-status")) {
		http_response_status(res, 1000);
	} else {
		http_response_status(res, 404);
		http_response_header(res, "Content-Length", "5"); /* reserved: a 500 */
	}
}

static struct arena arena;
static struct http_core cores[2];
static int streams_closed;

static void init(void)
{
	static uint8_t token[] = "fuzz-token";
	if (arena_reserve(&arena, 64 << 20) < 0)
		abort();
	struct logger *lg;
	struct logger_config lc = {.log_fd = -1, .stderr_fd = -1, .ring_lines = 64};
	if (logger_create(&lg, &lc) < 0)
		abort();
	memset(big_body, 'b', sizeof(big_body));
	for (int i = 0; i < 2; i++) {
		struct server_config cfg = {
		        .listen_fd = 5,
		        .max_connections = 4,
		        .header_max_bytes = 1024,
		        .uri_max_bytes = 200,
		        .header_timeout_ms = 1000,
		        .idle_timeout_ms = 1000,
		        .send_timeout_ms = 1000,
		        .token = i ? token : NULL,
		        .token_length = i ? sizeof(token) - 1 : 0,
		        .hosts = "localhost 127.0.0.1 [::1] x h",
		        .handler = handler,
		        .handler_ctx = &streams_closed,
		        .arena = &arena,
		        .logger = lg,
		};
		if (http_core_init(&cores[i], &cfg) < 0)
			abort();
	}
}

/* Output from `from` on is whole responses, each starting with a status. */
static void check_output(const struct http_conn *conn, size_t from)
{
	if (conn->out.length > from && memcmp(conn->out.data + from, "HTTP/1.1 ", 9) != 0 &&
	    !conn->streaming)
		abort();
}

/* Takes all output, as a fast client would. */
static void drain_output(struct http_core *core, struct http_conn *conn)
{
	size_t pending = http_conn_pending(conn);
	if (pending > 0)
		http_conn_sent(core, conn, pending);
	if (http_conn_pending(conn) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (arena.base == NULL)
		init();
	if (size == 0)
		return 0;
	struct http_core *core = &cores[data[0] & 1];
	size_t chunk = (size_t)(data[0] >> 1) * 8 + 1;
	size_t used = arena.used;
	struct http_conn conn;
	if (http_conn_init(core, &conn, 1) < 0)
		abort();
	for (size_t i = 1; i < size && !conn.close_after && !conn.streaming;) {
		size_t n = size - i < chunk ? size - i : chunk;
		size_t room = conn.in.capacity - conn.in.length;
		n = n < room ? n : room;
		memcpy(conn.in.data + conn.in.length, data + i, n);
		conn.in.length += n;
		i += n;
		size_t before = conn.out.length;
		http_conn_process(core, &conn);
		check_output(&conn, before);
		drain_output(core, &conn);
		if (n == 0 && !conn.close_after)
			abort(); /* a full buffer must have been answered or refused */
	}
	if (conn.stream.open) { /* the server closing a stream */
		conn.stream.open = false;
		conn.stream.closed(&conn.stream, conn.stream.owner);
	}
	http_conn_free(core, &conn);
	if (arena.used != used)
		abort(); /* a connection must give back all it took */
	return 0;
}
