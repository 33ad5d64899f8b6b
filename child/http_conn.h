/*
 * http_conn.h - the protocol half of the HTTP server (http_conn.c),
 * shared with the socket half (server.c) and the fuzz target.
 *
 * A connection's bytes in become bytes out here without any socket: the
 * caller appends what it read to conn->in, calls http_conn_process, and
 * sends conn->out (then conn->tail). That is what lets
 * tests/fuzz_http_request.c drive the parser, the validation and the
 * response formatting from a buffer.
 */
#ifndef WARDEN_CHILD_HTTP_CONN_H
#define WARDEN_CHILD_HTTP_CONN_H

#include "http.h"
#include "peers.h"
#include "rate.h"
#include "server.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
	/* Unsent output above which a connection stops answering pipelined
	 * requests (and stops reading) until the client takes some. */
	HTTP_OUT_HIGH = 64 * 1024,
	/* Unsent output an event stream may hold; more: the reader is too
	 * slow, and the stream is closed. */
	HTTP_STREAM_OUT_MAX = 256 * 1024,
	/* Static bodies up to this size are copied behind the headers (one
	 * send per response); larger ones are sent from where they are. */
	HTTP_COPY_MAX = 64 * 1024,
	/* Largest body a handler may build (the arena's largest block). */
	HTTP_BODY_MAX = 8 << 20,
	/* Bytes of the request target the access log keeps. */
	HTTP_LOG_TARGET_MAX = 256,
};

/* A growable buffer in the child's arena. */
struct http_buffer {
	char *data;
	size_t length, capacity;
};

struct http_core;

struct http_stream {
	http_stream_closed_fn closed;
	void *owner;
	struct http_core *core; /* for writes and closes after the request */
	bool open;
};

/* One connection's protocol state. */
struct http_conn {
	uint64_t id;
	char peer[PEER_TEXT_MAX]; /* the client's address and port, for logs */
	struct http_buffer in;    /* capacity: header_max_bytes, fixed */
	struct http_buffer out;
	size_t out_sent;
	const char *tail; /* a large static body, sent after `out` */
	size_t tail_length;
	struct http_stream stream;
	unsigned requests; /* answered by the handler or with 401 */
	unsigned heads;    /* every head taken from the input, rejected ones too */
	bool in_handler;   /* stream writes now become the response's first bytes */
	bool close_after;  /* close once the output is sent */
	bool linger;       /* ...after reading and dropping what the client still sends */
	bool streaming;    /* an event stream owns the connection */
	bool peer_closed;  /* read returned 0: answer what is complete, then close */
	/* No token is configured, or the connection presented the valid one:
	 * until then it waits for a request no longer than a head may take. */
	bool authenticated;
};

/* What an event stream written or closed after its request needs of the
 * socket half (server.c), which sets these after http_core_init. */
struct http_socket {
	/* Does what a socket event would: answers what it can, sends, and
	 * closes the connection if it is done. Returns -1 when it is closed. */
	int (*update)(struct http_conn *conn);
	/* Closes the connection now; `why` goes to the log. */
	void (*close)(struct http_conn *conn, const char *why);
};

/* The server-wide protocol state. */
struct http_core {
	struct server_config cfg;
	struct http_socket socket;
	struct http_buffer headers, body; /* the handler's scratch, reused per request */
	int64_t date_second;
	char date[64]; /* "Date: ...\r\n" */
	size_t date_length;
	uint64_t requests, timeouts;
	uint64_t host_notice_ns, host_notices_held; /* the 421 notice's rate */
	struct rate_ring request_rate;              /* requests per second, for the GUI */
	uint64_t codes[SERVER_STATUS_CODES];
	uint64_t classes[SERVER_RESPONSE_CLASSES]; /* 1xx .. 5xx */
	bool draining;
	bool reserve_hit; /* a buffer was refused for the memory reserve (this request) */
};

/* The memory kept free for the connections being served: below it a new
 * connection is refused (503), and a buffer growing past HTTP_COPY_MAX
 * must leave twice as much (docs/http.md, "Memory"). */
size_t http_memory_reserve(const struct http_core *core);

int http_core_init(struct http_core *core, const struct server_config *cfg);
void http_core_free(struct http_core *core);

/* Allocates the connection's input buffer. Returns 0 or -ENOMEM. */
int http_conn_init(struct http_core *core, struct http_conn *conn, uint64_t id);
void http_conn_free(struct http_core *core, struct http_conn *conn);

/* Answers every complete request in conn->in, in order, appending the
 * responses to conn->out, until the connection must close, streams, or
 * holds HTTP_OUT_HIGH unsent bytes. Consumed input is removed. */
void http_conn_process(struct http_core *core, struct http_conn *conn);

/* True when conn->in holds bytes of a request not yet answered. */
bool http_conn_has_input(const struct http_conn *conn);

/* Bytes of output not yet sent, the tail included. */
size_t http_conn_pending(const struct http_conn *conn);

/* Marks `n` bytes of output sent; drops the buffers once all are. */
void http_conn_sent(struct http_core *core, struct http_conn *conn, size_t n);

/* Appends an error response the server decided on (408, 503), logs it,
 * and marks the connection to close. */
void http_conn_error(struct http_core *core, struct http_conn *conn, unsigned code,
                     const char *why);

/* Ends the connection's event stream if it is open: its owner's `closed`
 * runs, once. */
void http_conn_end_stream(struct http_conn *conn);

/* Formats a complete 503 response into buf (for a connection the server
 * could not afford); returns its length, 0 if it does not fit. Logs it. */
size_t http_format_refusal(struct http_core *core, char *buf, size_t cap, uint64_t id,
                           const char *why);

/* The status codes counted one by one; the last slot counts the rest. */
extern const uint16_t http_counted_codes[SERVER_STATUS_CODES];

#endif
