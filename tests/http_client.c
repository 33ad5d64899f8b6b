/*
 * http_client.c - see http_client.h.
 */
#include "http_client.h"

#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* One buffer for every response, so that a 1 MiB body never sits on a
 * test's stack; hence a response lasts until the next one is read. */
static char received[HTTP_HEAD_MAX + HTTP_BODY_MAX];

/* ---- Connections -------------------------------------------------------- */

/* Non-blocking, so that a full backlog costs `timeout_ms`, not the
 * kernel's minutes of SYN retries. */
static int connect_within(int fd, int port, int timeout_ms)
{
	struct sockaddr_in addr = {.sin_family = AF_INET,
	                           .sin_port = htons((uint16_t)port),
	                           .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 && errno != EINPROGRESS)
		return -errno;
	struct pollfd p = {.fd = fd, .events = POLLOUT};
	if (poll(&p, 1, timeout_ms) != 1)
		return -ETIMEDOUT;
	int error = 0;
	socklen_t len = sizeof(error);
	getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &len);
	return -error;
}

/* Blocking again, with the timeout in the socket itself: the tests keep
 * plain descriptors (arrays of hundreds), not a client structure. */
static int bound_receives(int fd, int timeout_ms)
{
	struct timeval tv = {timeout_ms / 1000, (timeout_ms % 1000) * 1000};
	int flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0)
		return -errno;
	return 0;
}

static int bind_source(int fd, const char *source)
{
	struct sockaddr_in addr = {.sin_family = AF_INET};
	if (source == NULL)
		return 0;
	if (inet_pton(AF_INET, source, &addr.sin_addr) != 1)
		return -EINVAL;
	return bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 ? -errno : 0;
}

int http_connect(int port, int timeout_ms)
{
	return http_connect_from(port, NULL, timeout_ms);
}

int http_connect_from(int port, const char *source, int timeout_ms)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	int rc = bind_source(fd, source);
	if (rc == 0)
		rc = connect_within(fd, port, timeout_ms);
	if (rc == 0)
		rc = bound_receives(fd, timeout_ms);
	if (rc < 0) {
		close(fd);
		return rc;
	}
	return fd;
}

/* ---- Sending ------------------------------------------------------------ */

int http_send(int fd, const void *bytes, size_t n)
{
	const char *p = bytes;
	size_t done = 0;
	while (done < n) {
		ssize_t w = send(fd, p + done, n - done, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		done += (size_t)w;
	}
	return 0;
}

void http_send_text(int fd, const char *text)
{
	int rc = http_send(fd, text, strlen(text));
	cr_assert_eq(rc, 0, "send: %s", strerror(-rc));
}

/* ---- Receiving ---------------------------------------------------------- */

/* One recv: bytes, 0 at EOF, or -errno, with the socket's receive timeout
 * as -ETIMEDOUT so that callers can tell it from a reset. */
static ssize_t receive(int fd, char *buf, size_t n)
{
	for (;;) {
		ssize_t got = recv(fd, buf, n, 0);
		if (got >= 0)
			return got;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return -ETIMEDOUT;
		if (errno != EINTR)
			return -errno;
	}
}

/* http_read_until, saying why it stopped: 0 for the pattern, EOF or a
 * full buffer; -errno when a receive failed. */
static int receive_until(int fd, char *buf, size_t cap, size_t *have, size_t from,
                         const char *pattern)
{
	for (;;) {
		buf[*have] = '\0';
		if (pattern != NULL && from <= *have && strstr(buf + from, pattern) != NULL)
			return 0;
		if (*have >= cap - 1)
			return 0;
		ssize_t n = receive(fd, buf + *have, cap - 1 - *have);
		if (n <= 0)
			return (int)n;
		*have += (size_t)n;
	}
}

size_t http_read_until(int fd, char *buf, size_t cap, size_t have, size_t from, const char *pattern)
{
	receive_until(fd, buf, cap, &have, from, pattern);
	return have;
}

bool http_closed_by_server(int fd)
{
	char buf[4096];
	ssize_t n;
	while ((n = receive(fd, buf, sizeof(buf))) > 0)
		;
	return n == 0 || n == -ECONNRESET;
}

/* ---- Responses ---------------------------------------------------------- */

/* Until a body is found, `body` shows every byte received, for the test's
 * failure message. */
static void clear(struct http_response *r, size_t have)
{
	r->status = 0;
	r->head[0] = '\0';
	r->body = received;
	r->body_length = have;
}

/* Copies the head at the start of `received` into `r`. Returns its length,
 * or -errno: -EPROTO while it is incomplete, -EMSGSIZE when it cannot fit. */
static int take_head(size_t have, struct http_response *r)
{
	clear(r, have);
	const char *end = strstr(received, "\r\n\r\n");
	if (end == NULL)
		return -EPROTO;
	size_t length = (size_t)(end + 4 - received);
	if (length >= sizeof(r->head))
		return -EMSGSIZE;
	memcpy(r->head, received, length);
	r->head[length] = '\0';
	if (sscanf(r->head, "HTTP/1.1 %u", &r->status) != 1)
		r->status = 0;
	return (int)length;
}

static void take_body(struct http_response *r, size_t head, size_t length)
{
	r->body = received + head;
	r->body_length = length;
	r->body[length] = '\0';
}

static int send_request(int fd, const char *method, const char *path, const char *extra)
{
	char request[4096];
	int n = snprintf(request, sizeof(request),
	                 "%s %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n%s\r\n", method,
	                 path, extra ? extra : "");
	if ((size_t)n >= sizeof(request))
		return -EMSGSIZE;
	return http_send(fd, request, (size_t)n);
}

/* The status of the response in received[0..have), its body everything
 * after the head; or -errno as http_request says. */
static int close_delimited(size_t have, struct http_response *r)
{
	int head = take_head(have, r);
	if (have == 0)
		return -ECONNRESET;
	if (head < 0)
		return head;
	if (r->status == 0)
		return -EPROTO;
	take_body(r, (size_t)head, have - (size_t)head);
	return (int)r->status;
}

int http_request(int port, const char *method, const char *path, const char *extra, int timeout_ms,
                 struct http_response *r)
{
	static struct http_response ignored;
	r = r != NULL ? r : &ignored;
	received[0] = '\0';
	clear(r, 0);
	int fd = http_connect(port, timeout_ms);
	if (fd < 0)
		return fd;
	size_t have = 0;
	int rc = send_request(fd, method, path, extra);
	if (rc == 0)
		rc = receive_until(fd, received, sizeof(received), &have, 0, NULL);
	close(fd);
	return rc < 0 ? rc : close_delimited(have, r);
}

/* Receives until `received` holds `want` bytes; false if the connection
 * ends first or they cannot fit. */
static bool receive_at_least(int fd, size_t *have, size_t want)
{
	if (want >= sizeof(received))
		return false;
	while (*have < want) {
		ssize_t n = receive(fd, received + *have, sizeof(received) - 1 - *have);
		if (n <= 0)
			return false;
		*have += (size_t)n;
	}
	return true;
}

static size_t content_length(const struct http_response *r)
{
	char value[32];
	if (!http_header(r, "Content-Length", value, sizeof(value)))
		return 0;
	return strtoul(value, NULL, 10);
}

bool http_read_response(int fd, struct http_pipeline *next, bool head_request,
                        struct http_response *r)
{
	size_t have = 0;
	if (next != NULL) {
		have = next->length;
		memcpy(received, next->bytes, have);
	}
	receive_until(fd, received, sizeof(received), &have, 0, "\r\n\r\n");
	int head = take_head(have, r);
	if (head < 0)
		return false;
	size_t end = (size_t)head + (head_request ? 0 : content_length(r));
	if (!receive_at_least(fd, &have, end))
		return false;
	if (next != NULL) {
		next->length = have - end;
		memcpy(next->bytes, received + end, next->length);
	}
	take_body(r, (size_t)head, end - (size_t)head);
	return true;
}

/* The value of the first header `name` at or after `from` in a head, past
 * its colon and spaces; NULL when there is none. */
static const char *find_header(const char *from, const char *name)
{
	char pattern[128];
	snprintf(pattern, sizeof(pattern), "\r\n%s:", name);
	const char *h = strcasestr(from, pattern);
	if (h == NULL)
		return NULL;
	h += strlen(pattern);
	while (*h == ' ')
		h++;
	return h;
}

bool http_header(const struct http_response *r, const char *name, char *value, size_t cap)
{
	const char *h = find_header(r->head, name);
	if (h == NULL)
		return false;
	const char *eol = strstr(h, "\r\n");
	size_t n = eol ? (size_t)(eol - h) : strlen(h);
	if (n >= cap)
		n = cap - 1;
	memcpy(value, h, n);
	value[n] = '\0';
	return true;
}

bool http_has_header(const struct http_response *r, const char *name, const char *value)
{
	size_t n = value ? strlen(value) : 0;
	for (const char *h = r->head; (h = find_header(h, name)) != NULL;)
		if (value == NULL ||
		    (strncasecmp(h, value, n) == 0 && strncmp(h + n, "\r\n", 2) == 0))
			return true;
	return false;
}

/* ---- Pacing ------------------------------------------------------------- */

void http_msleep(unsigned ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};
	nanosleep(&ts, NULL);
}
