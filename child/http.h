/*
 * http.h - what a request handler sees of the HTTP server.
 *
 * The server (server.c: sockets and connections; http_conn.c: parsing,
 * responses and event streams, everything declared here) does everything
 * protocol-shaped: it parses and validates the request, answers errors
 * (400, 405, 408, 411, 413, 414, 431, 503, 505) and auth (401, for every
 * path the handler does not call public) itself, adds
 * Date, Content-Length, Connection and the security headers, drops the body
 * of a HEAD response, keeps pipelined responses in order and writes the
 * access log. A handler (api.c, assets.c) only says what a GET for a path
 * returns.
 *
 * Everything here lives in the child's reserved memory; nothing blocks.
 */
#ifndef WARDEN_CHILD_HTTP_H
#define WARDEN_CHILD_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- The request ---------------------------------------------------------- */

enum http_method {
	HTTP_METHOD_GET = 1,
	HTTP_METHOD_HEAD = 2, /* the handler answers as for GET; the server drops the body */
};

/* Views into the connection's buffer, valid during the handler call only.
 * Strings are not NUL-terminated: the lengths say. */
struct http_text {
	const char *data;
	size_t length; /* 0 with data NULL: absent */
};

struct http_request {
	enum http_method method;
	struct http_text path;  /* as sent, starts with '/', no query, not decoded */
	struct http_text query; /* after '?', without it; may be absent */
	unsigned http_minor;    /* HTTP/1.0 or HTTP/1.1 */
	bool accepts_gzip;      /* Accept-Encoding lists gzip with q > 0 */
	struct http_text if_none_match;
	struct http_text last_event_id;
	uint64_t now_ns; /* CLOCK_REALTIME when the request completed */
};

/* ---- The response ------------------------------------------------------- */

/* Owned by the server. A handler sets the status first, then any headers,
 * then the body; or turns the response into an event stream. A handler that
 * sets nothing produced a 500. */
struct http_response;

void http_response_status(struct http_response *res, unsigned code);

/* Adds one header line. Name and value must not contain CR or LF (the
 * handler builds them from constants or escaped data); the server refuses
 * (500) otherwise. Content-Length, Date, Connection and the security headers
 * are the server's. Returns 0, or -1 when the connection's memory is
 * exhausted (the server then answers 503). */
int http_response_header(struct http_response *res, const char *name, const char *value);

/* A body that outlives the response (embedded assets): not copied. */
void http_response_body_static(struct http_response *res, const void *data, size_t length);

/* A body built by the handler: appended to a buffer in the child's reserved
 * memory. Returns 0, or -1 when memory is exhausted (503). */
int http_response_body_append(struct http_response *res, const void *data, size_t length);
int http_response_body_printf(struct http_response *res, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

/* ---- Event streams (Server-Sent Events) ----------------------------------- */

/* A response that stays open: the server sends the status line and headers
 * (Content-Type: text/event-stream, Cache-Control: no-store), then whatever
 * the owner writes, until either side closes. Not for HEAD (the server
 * answers HEAD with the headers only and closes the stream). */
struct http_stream;

typedef void (*http_stream_closed_fn)(struct http_stream *stream, void *owner);

/* Turns `res` into a stream. `closed` is called once when the stream ends
 * (client gone, too slow, server draining), after which the stream must not
 * be used. Returns the stream, or NULL when memory is exhausted (503). */
struct http_stream *http_response_stream(struct http_response *res, http_stream_closed_fn closed,
                                         void *owner);

/* Queues bytes on the stream. A stream whose unsent bytes exceed the
 * server's per-connection limit, or that makes no progress within the send
 * timeout, is closed (the slow-reader rule). Returns 0, or -1 when the
 * stream was closed by this call (and `closed` has run). */
int http_stream_write(struct http_stream *stream, const void *data, size_t length);

/* Ends a stream from the owner's side (`closed` runs). */
void http_stream_close(struct http_stream *stream);

/* ---- The handler ---------------------------------------------------------- */

/* Called once per valid, authorised GET or HEAD request. */
typedef void (*http_handler_fn)(void *ctx, const struct http_request *req,
                                struct http_response *res);

/* Whether a path is served without the bearer token when one is configured
 * (ctx: the handler's). Only for what holds no data: the page, its assets,
 * liveness. */
typedef bool (*http_public_fn)(void *ctx, const struct http_text *path);

#endif
