/*
 * http_conn.c - see http_conn.h. Request heads in, responses out.
 *
 * A request goes through these steps, each in its own section below:
 * find the end of its head in the connection's buffer; check the raw
 * bytes for what libhttp-parser lets through (NUL, bare CR, obs-fold,
 * whitespace before a colon) and for the target and head limits; parse
 * it with libhttp-parser; decide whether the server answers it itself
 * (400, 401, 405, 411, 413, 421, 505); otherwise call the handler; format the
 * response into the connection's output buffer; write the access log.
 * docs/http.md gives the rules and the reasons for each status code.
 *
 * Nothing here makes a system call but clock_gettime (vDSO) and, through
 * the logger, write: the caller owns the socket.
 */
#include "http_conn.h"
#include "arena.h"
#include "logger/logger.h"
#include "http_host.h"
#include "http_parse.h"
#include "common/clock.h"
#include "common/decimal.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define SECURITY_HEADERS                                                                           \
	"Content-Security-Policy: default-src 'self'; base-uri 'none'; form-action 'none'; "       \
	"frame-ancestors 'none'\r\n"                                                               \
	"X-Content-Type-Options: nosniff\r\n"                                                      \
	"X-Frame-Options: DENY\r\n"                                                                \
	"Referrer-Policy: no-referrer\r\n"
#define TEXT_PLAIN   "Content-Type: text/plain; charset=utf-8\r\n"
#define EVENT_STREAM "Content-Type: text/event-stream\r\nCache-Control: no-store\r\n"

enum {
	STATUS_LINE_MAX = 64,    /* "HTTP/1.1 431 Request Header Fields Too Large\r\n" */
	FIXED_HEADERS_MAX = 128, /* Content-Length and Connection lines, the blank line */
	LOG_LINE_MAX = 320,      /* the request line as the access log keeps it */
	LOG_HOST_MAX = 128,      /* bytes of a refused Host the log keeps */
};
#define NOTICE_INTERVAL_NS 10000000000ull /* one misdirected-request notice per 10 s */

const uint16_t http_counted_codes[SERVER_STATUS_CODES] = {
        200, 204, 304, 400, 401, 403, 404, 405, 408, 411, 413, 414, 431, 500, 503, 0,
};

/* ---- Buffers -------------------------------------------------------------- */

static struct arena *arena_of(struct http_core *core)
{
	return core->cfg.arena;
}

size_t http_memory_reserve(const struct http_core *core)
{
	size_t capacity = arena_capacity(core->cfg.arena);
	return capacity / 16 + 2 * (size_t)core->cfg.header_max_bytes;
}

/* A buffer may grow past HTTP_COPY_MAX (a large response, its copy, an
 * event stream's backlog) only if twice the reserve stays free after it:
 * each connection can hold such a buffer while its client reads slowly,
 * and a few of them must not take the memory that new connections and
 * small answers (/healthz) need. The block is counted while the old one
 * still exists, as arena_realloc holds both for a moment. */
static bool reserve_allows(struct http_core *core, size_t capacity)
{
	const struct arena *a = arena_of(core);
	size_t block = arena_block_size(capacity);
	size_t keep = 2 * http_memory_reserve(core);
	if (capacity <= HTTP_COPY_MAX || a->used + block + keep <= arena_capacity(a))
		return true;
	core->reserve_hit = true;
	return false;
}

/* Room for `more` bytes after the buffer's length. The capacity is the
 * whole of the arena's block (its classes double, so growth does too). */
static int buffer_reserve(struct http_core *core, struct http_buffer *b, size_t more)
{
	if (more > HTTP_BODY_MAX * 2 || b->length + more > HTTP_BODY_MAX * 2)
		return -1;
	size_t need = b->length + more;
	if (need <= b->capacity)
		return 0;
	size_t cap = arena_usable_size(need < 1024 ? 1024 : need);
	if (cap == 0 || !reserve_allows(core, cap))
		return -1;
	char *grown = arena_realloc(arena_of(core), b->data, cap);
	if (grown == NULL)
		return -1;
	b->data = grown;
	b->capacity = cap;
	return 0;
}

static int buffer_append(struct http_core *core, struct http_buffer *b, const void *data,
                         size_t length)
{
	if (buffer_reserve(core, b, length) < 0)
		return -1;
	if (length > 0)
		memcpy(b->data + b->length, data, length);
	b->length += length;
	return 0;
}

static void buffer_free(struct http_core *core, struct http_buffer *b)
{
	arena_free(arena_of(core), b->data);
	*b = (struct http_buffer){0};
}

/* ---- Time ------------------------------------------------------------------ */

/* "Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n" (RFC 9110, IMF-fixdate),
 * formatted again only when the second changes. */
static void refresh_date(struct http_core *core, uint64_t now_ns)
{
	static const char *const wdays[] = {"Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"};
	static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	                                     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	int64_t sec = (int64_t)(now_ns / 1000000000u);
	if (sec == core->date_second)
		return;
	unsigned s = (unsigned)(sec % 86400);
	struct clock_date d = clock_date_from_days((uint64_t)sec / 86400);
	int n = snprintf(core->date, sizeof(core->date),
	                 "Date: %s, %02u %s %04u %02u:%02u:%02u GMT\r\n", wdays[(sec / 86400) % 7],
	                 d.day, months[d.month - 1], d.year, s / 3600, s / 60 % 60, s % 60);
	core->date_length = n > 0 && (size_t)n < sizeof(core->date) ? (size_t)n : 0;
	core->date_second = sec;
}

/* Every request head taken, answered by the handler or not: the total
 * and the second it came in. */
static void count_request(struct http_core *core, uint64_t now_ns)
{
	core->requests++;
	rate_add(&core->request_rate, now_ns / CLOCK_NS_PER_SEC);
	refresh_date(core, now_ns);
}

/* ---- Status codes ------------------------------------------------------------ */

static const char *reason_phrase(unsigned code)
{
	switch (code) {
	case 200:
		return "OK";
	case 204:
		return "No Content";
	case 206:
		return "Partial Content";
	case 301:
		return "Moved Permanently";
	case 302:
		return "Found";
	case 304:
		return "Not Modified";
	case 400:
		return "Bad Request";
	case 401:
		return "Unauthorized";
	case 403:
		return "Forbidden";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 408:
		return "Request Timeout";
	case 411:
		return "Length Required";
	case 413:
		return "Content Too Large";
	case 414:
		return "URI Too Long";
	case 416:
		return "Range Not Satisfiable";
	case 421:
		return "Misdirected Request";
	case 429:
		return "Too Many Requests";
	case 431:
		return "Request Header Fields Too Large";
	case 500:
		return "Internal Server Error";
	case 501:
		return "Not Implemented";
	case 503:
		return "Service Unavailable";
	case 505:
		return "HTTP Version Not Supported";
	default:
		return "Unknown";
	}
}

static void count_response(struct http_core *core, unsigned code)
{
	unsigned i = 0;
	while (i < SERVER_STATUS_CODES - 1 && http_counted_codes[i] != code)
		i++;
	core->codes[i]++;
	if (code >= 100 && code < 600)
		core->classes[code / 100 - 1]++;
}

/* ---- Formatting a response ----------------------------------------------------- */

/* What goes out: the server's headers are added around these. */
struct reply {
	unsigned status;
	const char *headers; /* extra lines, each ending in CRLF */
	size_t headers_length;
	const char *body;
	size_t body_length;
	bool body_static; /* outlives the response: may be sent from where it is */
	bool send_body;   /* false for HEAD */
	bool keep_alive;
	bool http10;
	bool stream; /* no Content-Length: the body ends when the connection does */
};

static size_t put(char *dst, const char *s, size_t n)
{
	memcpy(dst, s, n);
	return n;
}

#define PUT_LITERAL(dst, s) put((dst), (s), sizeof(s) - 1)

static size_t connection_line(char *dst, const struct reply *r)
{
	if (!r->keep_alive)
		return PUT_LITERAL(dst, "Connection: close\r\n");
	if (r->http10)
		return PUT_LITERAL(dst, "Connection: keep-alive\r\n");
	return 0;
}

/* Status line and headers; `dst` has room for head_size(). */
static size_t write_head(const struct http_core *core, const struct reply *r, char *dst)
{
	size_t n = PUT_LITERAL(dst, "HTTP/1.1 ");
	n += decimal_u64(dst + n, r->status);
	dst[n++] = ' ';
	const char *reason = reason_phrase(r->status);
	n += put(dst + n, reason, strlen(reason));
	n += PUT_LITERAL(dst + n, "\r\n");
	n += put(dst + n, core->date, core->date_length);
	n += PUT_LITERAL(dst + n, SECURITY_HEADERS);
	if (r->headers_length > 0)
		n += put(dst + n, r->headers, r->headers_length);
	/* RFC 9110 8.6: a 304 may carry Content-Length only as the 200's
	 * length, and a 204 none: neither gets one. */
	if (!r->stream && r->status != 304 && r->status != 204) {
		n += PUT_LITERAL(dst + n, "Content-Length: ");
		n += decimal_u64(dst + n, r->body_length);
		n += PUT_LITERAL(dst + n, "\r\n");
	}
	n += connection_line(dst + n, r);
	n += PUT_LITERAL(dst + n, "\r\n");
	return n;
}

static size_t head_size(const struct http_core *core, const struct reply *r)
{
	return STATUS_LINE_MAX + core->date_length + sizeof(SECURITY_HEADERS) + r->headers_length +
	       FIXED_HEADERS_MAX;
}

static bool body_by_reference(const struct reply *r)
{
	return r->send_body && r->body_static && r->body_length > HTTP_COPY_MAX;
}

/* Appends the response to the connection's output. Returns the bytes it
 * puts on the wire, or 0 when memory ran out (the connection must close). */
static size_t emit_reply(struct http_core *core, struct http_conn *conn, const struct reply *r)
{
	bool by_ref = body_by_reference(r);
	size_t body = r->send_body && !by_ref ? r->body_length : 0;
	if (buffer_reserve(core, &conn->out, head_size(core, r) + body) < 0)
		return 0;
	size_t n = write_head(core, r, conn->out.data + conn->out.length);
	if (body > 0)
		memcpy(conn->out.data + conn->out.length + n, r->body, body);
	conn->out.length += n + body;
	if (by_ref) {
		conn->tail = r->body;
		conn->tail_length = r->body_length;
	}
	count_response(core, r->status);
	return n + (r->send_body ? r->body_length : 0);
}

/* ---- The access log -------------------------------------------------------------- */

/* What the access log says about one response. */
struct log_entry {
	const char *line; /* the request line as sent, or NULL */
	size_t line_length;
	unsigned status;
	size_t bytes;
	uint64_t started_ns; /* CLOCK_MONOTONIC */
	uint64_t time_ns;    /* CLOCK_REALTIME the request came in; 0: the logger's now */
	const char *why;     /* the reason for an error the server answered */
};

static void access_log(struct http_core *core, const struct http_conn *conn,
                       const struct log_entry *e)
{
	if (core->cfg.logger == NULL)
		return;
	const struct logger_access a = {
	        .connection = conn->id,
	        .request_line = e->line,
	        .request_line_length =
	                e->line_length < LOG_LINE_MAX ? e->line_length : LOG_LINE_MAX,
	        .request_line_cut = e->line != NULL && e->line_length > LOG_LINE_MAX,
	        .status = e->status,
	        .bytes = e->bytes,
	        .duration_us = (clock_monotonic_ns() - e->started_ns) / 1000,
	        .time_ns = e->time_ns,
	        .why = e->why,
	};
	logger_log_access(core->cfg.logger, &a);
}

/* ---- Errors the server answers itself ---------------------------------------------- */

static const char *error_extra_headers(unsigned code)
{
	switch (code) {
	case 401:
		return TEXT_PLAIN "WWW-Authenticate: Bearer\r\n";
	case 405:
		return TEXT_PLAIN "Allow: GET, HEAD\r\n";
	case 503:
		return TEXT_PLAIN "Retry-After: 1\r\n";
	default:
		return TEXT_PLAIN;
	}
}

/* "404 Not Found\n" and the like: short, plain, no echo of the request. */
static size_t error_body(unsigned code, char *dst, size_t cap)
{
	int n = snprintf(dst, cap, "%u %s\n", code, reason_phrase(code));
	return n > 0 && (size_t)n < cap ? (size_t)n : 0;
}

static struct reply error_reply(unsigned code, char *body, size_t body_cap, bool keep_alive)
{
	const char *extra = error_extra_headers(code);
	return (struct reply){
	        .status = code,
	        .headers = extra,
	        .headers_length = strlen(extra),
	        .body = body,
	        .body_length = error_body(code, body, body_cap),
	        .send_body = true,
	        .keep_alive = keep_alive,
	};
}

/* An error that ends the connection: answered, then the connection
 * lingers (drops what the client still sends) and closes. */
static void reject(struct http_core *core, struct http_conn *conn, unsigned code,
                   struct log_entry *e)
{
	char body[64];
	struct reply r = error_reply(code, body, sizeof(body), false);
	e->status = code;
	e->bytes = emit_reply(core, conn, &r);
	conn->close_after = true;
	conn->linger = true;
	access_log(core, conn, e);
}

void http_conn_error(struct http_core *core, struct http_conn *conn, unsigned code, const char *why)
{
	refresh_date(core, clock_realtime_ns());
	struct log_entry e = {.started_ns = clock_monotonic_ns(), .why = why};
	reject(core, conn, code, &e);
	conn->linger = false; /* a timeout: nothing more is waited for */
}

size_t http_format_refusal(struct http_core *core, char *buf, size_t cap, uint64_t id,
                           const char *why)
{
	char body[64];
	refresh_date(core, clock_realtime_ns());
	struct reply r = error_reply(503, body, sizeof(body), false);
	if (head_size(core, &r) + r.body_length > cap)
		return 0;
	size_t n = write_head(core, &r, buf);
	memcpy(buf + n, r.body, r.body_length);
	count_response(core, 503);
	struct http_conn conn = {.id = id};
	struct log_entry e = {.status = 503,
	                      .bytes = n + r.body_length,
	                      .started_ns = clock_monotonic_ns(),
	                      .why = why};
	access_log(core, &conn, &e);
	return n + r.body_length;
}

/* ---- Finding and checking a head ------------------------------------------------------ */

/* Length of the head at p[0..n) (through the empty line that ends it), or
 * 0 while it is incomplete. Lines end in LF, CRLF accepted (RFC 9112 2.2);
 * a CR elsewhere is caught by raw_head_problem. */
static size_t head_length(const char *p, size_t n)
{
	const char *end = p + n, *lf = p;
	while ((lf = memchr(lf, '\n', (size_t)(end - lf))) != NULL) {
		lf++;
		if (lf < end && *lf == '\n')
			return (size_t)(lf + 1 - p);
		if (end - lf >= 2 && lf[0] == '\r' && lf[1] == '\n')
			return (size_t)(lf + 2 - p);
		if (end - lf < 2)
			return 0;
	}
	return 0;
}

/* The request target of the first line in p[0..n): after the method and
 * its space, up to the next space or line end (or the end of the data). */
static size_t target_length(const char *p, size_t n, const char **target)
{
	const char *sp = memchr(p, ' ', n);
	if (sp == NULL)
		return 0;
	const char *t = sp + 1, *end = p + n, *q = t;
	while (q < end && *q != ' ' && *q != '\r' && *q != '\n')
		q++;
	*target = t;
	return (size_t)(q - t);
}

/* What libhttp-parser 2.9.4 accepts but a request must not contain
 * (request smuggling and response splitting shapes): NUL, a CR not
 * followed by LF, a line folded with leading whitespace (obs-fold, RFC 9112
 * 5.2), whitespace between a field name and its colon (RFC 9112 5.1). */
static const char *raw_head_problem(const char *p, size_t n)
{
	bool first_line = true, colon_seen = false;
	for (size_t i = 0; i < n; i++) {
		char c = p[i];
		if (c == '\0')
			return "NUL in the head";
		if (c == '\r' && (i + 1 == n || p[i + 1] != '\n'))
			return "bare CR in the head";
		if (c == '\n') {
			if (i + 1 < n && (p[i + 1] == ' ' || p[i + 1] == '\t'))
				return "obs-fold (a line starting with whitespace)";
			first_line = false;
			colon_seen = false;
		} else if (!first_line && !colon_seen && c == ':') {
			colon_seen = true;
			if (i > 0 && (p[i - 1] == ' ' || p[i - 1] == '\t'))
				return "whitespace before a colon";
		}
	}
	return NULL;
}

/* The first line without its line end, for the access log. */
static size_t request_line_length(const char *p, size_t n)
{
	const char *lf = memchr(p, '\n', n);
	size_t len = lf ? (size_t)(lf - p) : n;
	if (len > 0 && p[len - 1] == '\r')
		len--;
	return len;
}

/* ---- Deciding ------------------------------------------------------------------------ */

static struct http_text text_of(struct head_text t)
{
	return (struct http_text){t.data, t.length};
}

/* The path and query of an origin-form or absolute-form target (RFC 9112
 * 3.2); false for anything else (authority-form, asterisk-form, a
 * fragment). */
static bool split_target(struct head_text url, struct http_text *path, struct http_text *query)
{
	const char *p = url.data, *end = url.data + url.length;
	if (url.length >= 7 &&
	    (strncasecmp(p, "http://", 7) == 0 || strncasecmp(p, "https://", 8) == 0)) {
		p += p[4] == ':' ? 7 : 8;
		while (p < end && *p != '/' && *p != '?')
			p++;
		if (p == end || *p != '/')
			return false;
	}
	if (p == end || *p != '/' || memchr(p, '#', (size_t)(end - p)) != NULL)
		return false;
	const char *q = memchr(p, '?', (size_t)(end - p));
	*path = (struct http_text){p, (size_t)((q ? q : end) - p)};
	*query = q ? (struct http_text){q + 1, (size_t)(end - q - 1)} : (struct http_text){0};
	return true;
}

/* Compares the whole configured token whatever the offered one is, so the
 * time taken depends on the configured length only (and a length
 * mismatch is folded into the same result, not returned early). */
static bool token_matches(const struct server_config *cfg, const char *given, size_t n)
{
	volatile unsigned char diff = (unsigned char)(n != cfg->token_length);
	for (size_t i = 0; i < cfg->token_length; i++) {
		unsigned char g = i < n ? (unsigned char)given[i] : 0;
		diff |= (unsigned char)(g ^ cfg->token[i]);
	}
	return diff == 0;
}

static bool path_is(struct http_text path, const char *s)
{
	return path.length == strlen(s) && memcmp(path.data, s, path.length) == 0;
}

/* Authorization: Bearer <token> (RFC 6750 2.1), a token being configured. */
static bool bearer_valid(const struct server_config *cfg, const struct parsed_head *p)
{
	struct head_text a = p->fields[HEAD_AUTHORIZATION];
	if (cfg->token == NULL || cfg->token_length == 0)
		return false;
	if (a.length < 7 || strncasecmp(a.data, "Bearer ", 7) != 0)
		return false;
	size_t i = 7;
	while (i < a.length && a.data[i] == ' ')
		i++;
	return token_matches(cfg, a.data + i, a.length - i);
}

/* The handler names the public paths (the page, its assets, liveness:
 * nothing that holds data), so that a browser can load the login form
 * before it has a token. */
static bool authorised(const struct server_config *cfg, const struct parsed_head *p,
                       struct http_text path)
{
	if (cfg->token == NULL || cfg->token_length == 0 ||
	    (cfg->is_public != NULL && cfg->is_public(cfg->handler_ctx, &path)))
		return true;
	return bearer_valid(cfg, p);
}

/* The authority of an absolute-form target ("http://host:port/path"). */
static bool target_authority(struct head_text url, struct head_text *out)
{
	size_t scheme = 0;
	if (url.length >= 7 && strncasecmp(url.data, "http://", 7) == 0)
		scheme = 7;
	else if (url.length >= 8 && strncasecmp(url.data, "https://", 8) == 0)
		scheme = 8;
	if (scheme == 0)
		return false;
	const char *p = url.data + scheme, *end = url.data + url.length, *q = p;
	while (q < end && *q != '/' && *q != '?')
		q++;
	*out = (struct head_text){p, (size_t)(q - p)};
	return true;
}

/* A NOTICE naming the Host refused and the client, at most one per
 * NOTICE_INTERVAL_NS (the access log has every one): a rebinding page can
 * send many requests, and each must not become a line on the journal. */
static void note_misdirected(struct http_core *core, const struct http_conn *conn,
                             struct head_text host, bool absent)
{
	uint64_t now = clock_monotonic_ns();
	if (core->cfg.logger == NULL)
		return;
	if (core->host_notice_ns != 0 && now - core->host_notice_ns < NOTICE_INTERVAL_NS) {
		core->host_notices_held++;
		return;
	}
	int n = host.length < LOG_HOST_MAX ? (int)host.length : LOG_HOST_MAX;
	logger_logf(core->cfg.logger, IPC_LOG_NOTICE,
	            "http #%llu from %s: 421 for Host \"%.*s\"%s, not one of this server's "
	            "names (server.hosts; DNS rebinding?); %llu similar notices held back",
	            (unsigned long long)conn->id, conn->peer, n, absent ? "" : host.data,
	            absent                    ? " (none given)"
	            : (size_t)n < host.length ? " (cut)"
	                                      : "",
	            (unsigned long long)core->host_notices_held);
	core->host_notice_ns = now;
	core->host_notices_held = 0;
}

/* The request names this server (DNS rebinding, RFC 9110 7.2): its Host,
 * and the authority of an absolute-form target, which RFC 9112 3.2.2 puts
 * before Host. /healthz answers whatever the Host: load balancers and
 * probes send their own, and "ok" tells nothing. An HTTP/1.0 request
 * without Host names nothing, so it is refused too. Returns 0, 400 or
 * 421. */
static unsigned check_host(struct http_core *core, const struct http_conn *conn,
                           const struct parsed_head *p, struct http_text path, const char **why)
{
	const char *hosts = core->cfg.hosts;
	struct head_text host = p->fields[HEAD_HOST], authority;
	bool absent = p->counts[HEAD_HOST] == 0;
	enum http_host_verdict v =
	        absent ? HTTP_HOST_OTHER : http_host_check(hosts, host.data, host.length);
	if (v == HTTP_HOST_OURS && target_authority(p->url, &authority)) {
		v = http_host_check(hosts, authority.data, authority.length);
		host = authority;
	}
	if (v == HTTP_HOST_INVALID)
		return *why = "invalid Host (not host[:port])", 400;
	if (v == HTTP_HOST_OURS || path_is(path, "/healthz"))
		return 0;
	note_misdirected(core, conn, host, absent);
	return *why = "Host is not one of this server's names", 421;
}

/* Accept-Encoding lists gzip (or x-gzip, or *) with q > 0. */
static bool accepts_gzip(struct head_text ae)
{
	if (ae.data == NULL) /* absent: identity only */
		return false;
	const char *p = ae.data, *end = ae.data + ae.length;
	while (p != NULL && p < end) {
		while (p < end && (*p == ' ' || *p == '\t' || *p == ','))
			p++;
		const char *name = p;
		while (p < end && *p != ',' && *p != ';' && *p != ' ' && *p != '\t')
			p++;
		size_t len = (size_t)(p - name);
		const char *next = memchr(p, ',', (size_t)(end - p));
		const char *elem_end = next ? next : end;
		bool zero = false;
		const char *q = p;
		while (q + 2 <= elem_end && !(q[0] == 'q' && q[1] == '='))
			q++;
		if (q + 2 <= elem_end) {
			q += 2;
			zero = q < elem_end && *q == '0';
			for (q++; zero && q < elem_end && *q != ' ' && *q != ';'; q++)
				zero = *q == '.' || *q == '0';
		}
		if (!zero && (http_token_is(name, len, "gzip") ||
		              http_token_is(name, len, "x-gzip") || http_token_is(name, len, "*")))
			return true;
		p = next;
	}
	return false;
}

/* ---- The response a handler builds ---------------------------------------------------- */

struct http_response {
	struct http_core *core;
	struct http_conn *conn;
	unsigned status;
	bool head;
	bool broken;    /* the handler misused the API: 500 */
	bool no_memory; /* 503 */
	bool stream;
	const char *static_body;
	size_t static_length;
};

void http_response_status(struct http_response *res, unsigned code)
{
	if (code < 100 || code > 599)
		res->broken = true;
	else
		res->status = code;
}

static bool header_name_ok(const char *name, size_t n)
{
	/* With their lengths: most names a handler adds differ from all of
	 * them in length, and need no comparison at all. */
	static const struct {
		const char *name;
		size_t length;
	} reserved[] = {
#define RESERVED(s) {s, sizeof(s) - 1}
	        RESERVED("content-length"),
	        RESERVED("date"),
	        RESERVED("connection"),
	        RESERVED("transfer-encoding"),
	        RESERVED("content-security-policy"),
	        RESERVED("x-content-type-options"),
	        RESERVED("x-frame-options"),
	        RESERVED("referrer-policy"),
	        RESERVED("keep-alive"),
	        RESERVED("upgrade"),
	        RESERVED("trailer"),
#undef RESERVED
	};
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!http_is_tchar((unsigned char)name[i]))
			return false;
	for (size_t i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++)
		if (reserved[i].length == n && strncasecmp(name, reserved[i].name, n) == 0)
			return false;
	return true;
}

/* Visible characters, space, tab and obs-text: no CR, LF, NUL or other
 * controls that could split or smuggle a header. */
static bool header_value_ok(const char *value)
{
	for (const unsigned char *p = (const unsigned char *)value; *p; p++)
		if ((*p < 0x20 && *p != '\t') || *p == 0x7f)
			return false;
	return true;
}

int http_response_header(struct http_response *res, const char *name, const char *value)
{
	size_t name_length = name != NULL ? strlen(name) : 0;
	if (name == NULL || value == NULL || !header_name_ok(name, name_length) ||
	    !header_value_ok(value)) {
		res->broken = true;
		return 0;
	}
	struct http_buffer *h = &res->core->headers;
	if (buffer_append(res->core, h, name, name_length) < 0 ||
	    buffer_append(res->core, h, ": ", 2) < 0 ||
	    buffer_append(res->core, h, value, strlen(value)) < 0 ||
	    buffer_append(res->core, h, "\r\n", 2) < 0) {
		res->no_memory = true;
		return -1;
	}
	return 0;
}

void http_response_body_static(struct http_response *res, const void *data, size_t length)
{
	res->core->body.length = 0;
	res->static_body = data;
	res->static_length = data ? length : 0;
}

/* A static body followed by appended bytes becomes a built one. */
static int unstatic(struct http_response *res)
{
	if (res->static_body == NULL)
		return 0;
	const char *data = res->static_body;
	res->static_body = NULL;
	return buffer_append(res->core, &res->core->body, data, res->static_length);
}

int http_response_body_append(struct http_response *res, const void *data, size_t length)
{
	if (unstatic(res) < 0 || res->core->body.length + length > HTTP_BODY_MAX ||
	    buffer_append(res->core, &res->core->body, data, length) < 0) {
		res->no_memory = true;
		return -1;
	}
	return 0;
}

int http_response_body_printf(struct http_response *res, const char *fmt, ...)
{
	struct http_buffer *b = &res->core->body;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || unstatic(res) < 0 || b->length + (size_t)n + 1 > HTTP_BODY_MAX ||
	    buffer_reserve(res->core, b, (size_t)n + 1) < 0) {
		res->no_memory = true;
		return -1;
	}
	va_start(ap, fmt);
	vsnprintf(b->data + b->length, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->length += (size_t)n;
	return 0;
}

/* ---- Answering one request -------------------------------------------------------------- */

/* The reply for what the handler built, or a 500/503 for what went wrong. */
static struct reply handler_reply(struct http_response *res, char *err_body, size_t cap,
                                  bool keep_alive)
{
	struct http_core *core = res->core;
	if (res->no_memory)
		return error_reply(503, err_body, cap, false);
	if (res->broken || res->status == 0)
		return error_reply(500, err_body, cap, keep_alive);
	struct reply r = {
	        .status = res->status,
	        .headers = core->headers.data,
	        .headers_length = core->headers.length,
	        .send_body = !res->head,
	        .keep_alive = keep_alive && !res->stream,
	        .stream = res->stream,
	};
	if (res->static_body != NULL) {
		r.body = res->static_body;
		r.body_length = res->static_length;
		r.body_static = true;
	} else {
		r.body = core->body.data;
		r.body_length = core->body.length;
	}
	return r;
}

/* Event streams get their own headers; a HEAD stream ends at once. */
static int add_stream_headers(struct http_response *res)
{
	struct http_core *core = res->core;
	return buffer_append(core, &core->headers, EVENT_STREAM, sizeof(EVENT_STREAM) - 1);
}

static void respond(struct http_core *core, struct http_conn *conn, struct http_response *res,
                    bool keep_alive, bool http10, struct log_entry *e)
{
	char err_body[64];
	if (res->stream && add_stream_headers(res) < 0)
		res->no_memory = true;
	struct reply r = handler_reply(res, err_body, sizeof(err_body), keep_alive);
	r.http10 = http10;
	e->status = r.status;
	e->bytes = emit_reply(core, conn, &r);
	if (e->bytes == 0 && r.status != 503) { /* its copy did not fit: a 503 may */
		r = error_reply(503, err_body, sizeof(err_body), false);
		r.http10 = http10;
		r.send_body = !res->head;
		e->status = 503;
		e->bytes = emit_reply(core, conn, &r);
	}
	if (r.status == 503 || e->bytes == 0)
		e->why = core->reserve_hit ? "memory reserve kept for the other connections"
		                           : "out of memory";
	if (res->stream && (res->head || r.status != res->status || e->bytes == 0))
		http_conn_end_stream(conn);
	if (res->stream && conn->stream.open)
		conn->streaming = true; /* its body ends when the connection does */
	else if (e->bytes == 0 || !r.keep_alive)
		conn->close_after = true; /* also a stream ended by its owner, or above */
	access_log(core, conn, e);
}

static void call_handler(struct http_core *core, struct http_conn *conn,
                         const struct parsed_head *p, struct http_text path, struct http_text query,
                         struct log_entry *e)
{
	struct http_request req = {
	        .method = p->head ? HTTP_METHOD_HEAD : HTTP_METHOD_GET,
	        .path = path,
	        .query = query,
	        .http_minor = p->minor,
	        .accepts_gzip = accepts_gzip(p->fields[HEAD_ACCEPT_ENCODING]),
	        .if_none_match = text_of(p->fields[HEAD_IF_NONE_MATCH]),
	        .last_event_id = text_of(p->fields[HEAD_LAST_EVENT_ID]),
	        .now_ns = e->time_ns, /* the Date header's second is set already */
	};
	struct http_response res = {.core = core, .conn = conn, .head = p->head};
	core->headers.length = 0;
	core->body.length = 0;
	core->reserve_hit = false;
	conn->in_handler = true;
	core->cfg.handler(core->cfg.handler_ctx, &req, &res);
	conn->in_handler = false;
	bool keep_alive = p->keep_alive && !core->draining && !conn->peer_closed;
	respond(core, conn, &res, keep_alive, p->minor == 0, e);
}

static void answer_unauthorised(struct http_core *core, struct http_conn *conn,
                                const struct parsed_head *p, struct log_entry *e)
{
	char body[64];
	/* Closed after it: a client without the token gets one answer per
	 * connection, not a keep-alive connection to guess on. */
	struct reply r = error_reply(401, body, sizeof(body), false);
	r.http10 = p->minor == 0;
	r.send_body = !p->head;
	e->status = 401;
	e->why = "no valid bearer token";
	e->bytes = emit_reply(core, conn, &r);
	conn->close_after = true;
	conn->linger = true;
	access_log(core, conn, e);
}

/* One complete head at conn->in.data + start, `n` bytes. */
static void handle_request(struct http_core *core, struct http_conn *conn, const char *head,
                           size_t n)
{
	/* One clock read of each kind per request: the realtime for the Date
	 * header, the rate, the handler and the log line; the monotonic for
	 * the duration. */
	struct log_entry e = {.line = head,
	                      .line_length = request_line_length(head, n),
	                      .started_ns = clock_monotonic_ns(),
	                      .time_ns = clock_realtime_ns()};
	const char *target;
	struct parsed_head p;
	struct http_text path, query;
	count_request(core, e.time_ns);
	conn->heads++;
	if (target_length(head, e.line_length, &target) > core->cfg.uri_max_bytes)
		return e.why = "request target too long", reject(core, conn, 414, &e);
	if ((e.why = raw_head_problem(head, n)) != NULL)
		return reject(core, conn, 400, &e);
	unsigned code = head_parse(&p, head, n, &e.why);
	if (code == 0 && !split_target(p.url, &path, &query))
		code = 400, e.why = "request target is not a path";
	if (code == 0)
		code = check_host(core, conn, &p, path, &e.why);
	if (code != 0)
		return reject(core, conn, code, &e);
	conn->requests++;
	if (!conn->authenticated && bearer_valid(&core->cfg, &p))
		conn->authenticated = true; /* it may wait as long as idle_timeout_ms */
	if (!authorised(&core->cfg, &p, path))
		return answer_unauthorised(core, conn, &p, &e);
	call_handler(core, conn, &p, path, query, &e);
}

/* An incomplete head that can no longer become a valid one. */
static bool reject_partial(struct http_core *core, struct http_conn *conn, const char *p, size_t n)
{
	const char *target;
	struct log_entry e = {.line = p,
	                      .line_length = request_line_length(p, n),
	                      .started_ns = clock_monotonic_ns(),
	                      .time_ns = clock_realtime_ns()};
	unsigned code = 0;
	if (target_length(p, e.line_length, &target) > core->cfg.uri_max_bytes)
		code = 414, e.why = "request target too long";
	else if (n >= core->cfg.header_max_bytes)
		code = 431, e.why = "request head too large";
	if (code == 0)
		return false;
	count_request(core, e.time_ns);
	reject(core, conn, code, &e);
	return true;
}

/* ---- The connection's input ---------------------------------------------------------- */

static bool can_answer(const struct http_conn *conn)
{
	return !conn->close_after && !conn->streaming && conn->tail == NULL &&
	       conn->out.length - conn->out_sent < HTTP_OUT_HIGH;
}

/* Empty lines before a request line are ignored (RFC 9112 2.2). */
static size_t skip_empty_lines(const char *p, size_t n)
{
	size_t i = 0;
	while (i < n && (p[i] == '\n' || (p[i] == '\r' && i + 1 < n && p[i + 1] == '\n')))
		i += p[i] == '\r' ? 2 : 1;
	return i;
}

void http_conn_process(struct http_core *core, struct http_conn *conn)
{
	size_t start = 0, length = conn->in.length;
	const char *in = conn->in.data;
	while (start < length && can_answer(conn)) {
		start += skip_empty_lines(in + start, length - start);
		size_t n = head_length(in + start, length - start);
		if (n == 0) {
			if (start < length &&
			    reject_partial(core, conn, in + start, length - start))
				start = length;
			break;
		}
		handle_request(core, conn, in + start, n);
		start += n;
	}
	if (conn->close_after)
		start = length; /* nothing after an error or a close is answered */
	if (start > 0) {
		memmove(conn->in.data, conn->in.data + start, length - start);
		conn->in.length = length - start;
	}
}

bool http_conn_has_input(const struct http_conn *conn)
{
	return conn->in.length > 0;
}

/* ---- The connection's output ---------------------------------------------------------- */

size_t http_conn_pending(const struct http_conn *conn)
{
	return conn->out.length - conn->out_sent + conn->tail_length;
}

void http_conn_sent(struct http_core *core, struct http_conn *conn, size_t n)
{
	size_t buffered = conn->out.length - conn->out_sent;
	size_t from_buffer = n < buffered ? n : buffered;
	conn->out_sent += from_buffer;
	n -= from_buffer;
	if (n > 0) { /* no tail is NULL: no arithmetic on it */
		conn->tail += n;
		conn->tail_length -= n;
	}
	if (conn->tail_length == 0)
		conn->tail = NULL;
	if (conn->out_sent < conn->out.length)
		return;
	conn->out.length = conn->out_sent = 0;
	if (conn->out.capacity > HTTP_OUT_HIGH)
		buffer_free(core, &conn->out); /* a big response's buffer is not kept */
}

/* ---- Event streams ------------------------------------------------------------------------ */

struct http_stream *http_response_stream(struct http_response *res, http_stream_closed_fn closed,
                                         void *owner)
{
	if (res->core->draining || res->conn->stream.open || closed == NULL) {
		res->no_memory = true; /* no new streams while draining: 503 */
		return NULL;
	}
	res->conn->stream = (struct http_stream){
	        .closed = closed, .owner = owner, .core = res->core, .open = true};
	res->stream = true;
	if (res->status == 0)
		res->status = 200;
	return &res->conn->stream;
}

void http_conn_end_stream(struct http_conn *conn)
{
	if (!conn->stream.open)
		return;
	conn->stream.open = false;
	conn->stream.closed(&conn->stream, conn->stream.owner);
}

/* Queues bytes of an event stream: behind the response head, or, while
 * the handler still runs, as the start of the response's body. Returns 0,
 * or -1 when memory or HTTP_STREAM_OUT_MAX would be exceeded. */
static int queue_stream_bytes(struct http_core *core, struct http_conn *conn, const void *data,
                              size_t length)
{
	if (http_conn_pending(conn) + length > HTTP_STREAM_OUT_MAX)
		return -1;
	if (conn->in_handler)
		return buffer_append(core, &core->body, data, length);
	return buffer_append(core, &conn->out, data, length);
}

static struct http_conn *stream_conn(struct http_stream *stream)
{
	return (struct http_conn *)((char *)stream - offsetof(struct http_conn, stream));
}

int http_stream_write(struct http_stream *stream, const void *data, size_t length)
{
	struct http_conn *conn = stream_conn(stream);
	struct http_core *core = stream->core;
	if (!stream->open)
		return -1; /* also on a connection closing: closing ends the stream first */
	if (queue_stream_bytes(core, conn, data, length) < 0) {
		core->socket.close(conn, "event stream reader too slow (output limit)");
		return -1;
	}
	if (conn->in_handler)
		return 0; /* sent with the response head */
	return core->socket.update(conn);
}

void http_stream_close(struct http_stream *stream)
{
	struct http_conn *conn = stream_conn(stream);
	if (!stream->open)
		return;
	http_conn_end_stream(conn);
	if (conn->in_handler)
		return; /* the response being built ends with its body */
	conn->streaming = false;
	conn->close_after = true; /* the body ends when the connection does */
	stream->core->socket.update(conn);
}

/* ---- Set-up ------------------------------------------------------------------------------ */

int http_core_init(struct http_core *core, const struct server_config *cfg)
{
	memset(core, 0, sizeof(*core));
	core->cfg = *cfg;
	core->date_second = -1;
	if (buffer_reserve(core, &core->headers, 1024) < 0 ||
	    buffer_reserve(core, &core->body, 4096) < 0) {
		http_core_free(core);
		return -ENOMEM;
	}
	refresh_date(core, clock_realtime_ns());
	return 0;
}

void http_core_free(struct http_core *core)
{
	buffer_free(core, &core->headers);
	buffer_free(core, &core->body);
}

int http_conn_init(struct http_core *core, struct http_conn *conn, uint64_t id)
{
	memset(conn, 0, sizeof(*conn));
	conn->id = id;
	conn->authenticated = core->cfg.token == NULL || core->cfg.token_length == 0;
	conn->in.data = arena_malloc(arena_of(core), core->cfg.header_max_bytes);
	if (conn->in.data == NULL)
		return -ENOMEM;
	conn->in.capacity = core->cfg.header_max_bytes;
	return 0;
}

void http_conn_free(struct http_core *core, struct http_conn *conn)
{
	buffer_free(core, &conn->in);
	buffer_free(core, &conn->out);
	conn->tail = NULL;
	conn->tail_length = 0;
}
