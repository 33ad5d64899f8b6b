/*
 * http_client.h - the tests' one HTTP/1.1 client, over loopback TCP.
 *
 * It is deliberately naive: the server under test is the thing being
 * checked, so the client frames responses only as far as warden's server
 * speaks (Content-Length, or a close-delimited body), never more, and
 * every byte the server sends stays visible to the test.
 *
 * Nothing here judges the server: results come back as values for the
 * test's own assertions (as -errno where a test counts failures, as the
 * supervision tests under load do). Only http_send_text fails the test
 * itself, since no test can go on after a request it could not send.
 */
#ifndef WARDEN_TESTS_HTTP_CLIENT_H
#define WARDEN_TESTS_HTTP_CLIENT_H

#include <stdbool.h>
#include <stddef.h>

enum {
	HTTP_HEAD_MAX = 8192,    /* a response head, its blank line included */
	HTTP_BODY_MAX = 1 << 20, /* far above any endpoint's answer */
};

/* ---- Connections -------------------------------------------------------- */

/* A blocking socket connected to 127.0.0.1:`port` within `timeout_ms`.
 * Every later receive on it gives up after `timeout_ms` too, so a server
 * that goes silent fails the test instead of hanging it. Returns the
 * socket, or -errno (-ECONNREFUSED, -ETIMEDOUT). */
int http_connect(int port, int timeout_ms);

/* The same from the source address `source` (an IPv4 literal, such as
 * "127.0.0.2": loopback has the whole of 127/8), for tests of what the
 * server does per client address. NULL: the kernel's choice, 127.0.0.1. */
int http_connect_from(int port, const char *source, int timeout_ms);

/* ---- Sending ------------------------------------------------------------ */

/* Sends all `n` bytes (no SIGPIPE). Returns 0, or -errno. */
int http_send(int fd, const void *bytes, size_t n);

/* Sends a C string; the test fails if it cannot. */
void http_send_text(int fd, const char *text);

/* ---- Receiving ---------------------------------------------------------- */

/* Reads into buf[have..] until `pattern` appears at or after buf[from],
 * or EOF, an error, the receive timeout or a full buffer (`pattern` NULL:
 * until one of those). Returns the new length; buf is NUL-terminated. */
size_t http_read_until(int fd, char *buf, size_t cap, size_t have, size_t from,
                       const char *pattern);

/* Whether the server closed the connection (EOF or a reset) within the
 * receive timeout, after any bytes still in flight. */
bool http_closed_by_server(int fd);

/* ---- Responses ---------------------------------------------------------- */

struct http_response {
	unsigned status;          /* 0 unless the head starts "HTTP/1.1 NNN" */
	char head[HTTP_HEAD_MAX]; /* up to the blank line, NUL-terminated */
	size_t body_length;
	/* NUL-terminated, in static storage: valid until the next response is
	 * read. Without a whole head, every byte received, for the message. */
	char *body;
};

/* The bytes a connection received past the response last read: the start
 * of the next pipelined one. Zero-initialise before the first read. */
struct http_pipeline {
	size_t length;
	char bytes[HTTP_HEAD_MAX + HTTP_BODY_MAX];
};

/* One request with Connection: close on a new connection, and its
 * response read to EOF: the body is every byte after the head, so a body
 * where none belongs (HEAD, 304) shows. `extra` holds header lines ending
 * in CRLF, or NULL; `r` may be NULL. Returns the status code, or -errno
 * (as http_connect and recv; -ETIMEDOUT when a receive times out,
 * -ECONNRESET when nothing came back, -EPROTO for a response that is not
 * HTTP/1.1, -EMSGSIZE for a request or response head too long). */
int http_request(int port, const char *method, const char *path, const char *extra, int timeout_ms,
                 struct http_response *r);

/* One response on a kept-alive connection: the head, then Content-Length
 * bytes of body (none after a HEAD request, or without the header). What
 * follows is kept in `next` for the next call, or dropped when `next` is
 * NULL. False when the connection ended before a whole response, or its
 * head is over HTTP_HEAD_MAX. */
bool http_read_response(int fd, struct http_pipeline *next, bool head_request,
                        struct http_response *r);

/* Copies the value of the first header `name` (matched without case),
 * without its leading spaces, to `value`. False when there is none. */
bool http_header(const struct http_response *r, const char *name, char *value, size_t cap);

/* Whether some header line is `name: value`, both matched without case;
 * with `value` NULL, whether there is a header `name` at all. */
bool http_has_header(const struct http_response *r, const char *name, const char *value);

/* ---- Pacing ------------------------------------------------------------- */

/* Sleeps `ms` milliseconds: between the pieces of a request, or polls. */
void http_msleep(unsigned ms);

#endif
