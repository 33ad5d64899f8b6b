/*
 * The HTTP server in the real child, under its real seccomp filter, over
 * real loopback sockets: status codes, keep-alive and pipelining, the
 * request-smuggling shapes, timeouts, limits, auth and the access log.
 * Every test ends by checking that the child is alive with no violation
 * and drains on shutdown.
 */
#include "child_harness.h"
#include "http_client.h"

#include <criterion/criterion.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ---- The child ------------------------------------------------------------ */

static void start(struct child_proc *p, const struct ipc_config *config)
{
	child_spawn(p, WARDEN_CHILD_BINARY, NULL, -1);
	child_handover(p, config);
	child_expect_ready(p, NULL);
}

static void start_default(struct child_proc *p)
{
	struct ipc_config config = child_test_config();
	start(p, &config);
}

/* The test configuration with the bearer token "s3cret-token". */
static struct ipc_config token_config(void)
{
	struct ipc_config config = child_test_config();
	memcpy(config.token, "s3cret-token", 12);
	config.token_length = 12;
	return config;
}

/* The child is still serving, reported no violation, and drains and exits
 * 0 when the parent asks. */
static void finish(struct child_proc *p)
{
	struct ipc_message msg;
	int rc;
	while ((rc = child_receive(p, &msg, 100)) == 1)
		cr_expect_neq(msg.type, IPC_VIOLATION, "violation: %s", msg.u.violation.name);
	cr_expect_eq(rc, -1, "the child closed its channel; stderr: %s", child_stderr(p));
	cr_expect(strstr(child_stderr(p), "violation") == NULL, "stderr: %s", child_stderr(p));
	cr_assert(child_shutdown(p, IPC_SHUTDOWN_TERMINATE, 5000));
	int status = child_wait(p, 8000);
	cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status 0x%x, stderr: %s", status,
	          child_stderr(p));
	child_cleanup(p);
}

/* ---- Requests --------------------------------------------------------------- */

/* One request on a new connection; the response; the connection closed. */
static unsigned exchange(const struct child_proc *p, const char *request, struct http_response *r)
{
	int fd = child_connect(p);
	http_send_text(fd, request);
	cr_assert(http_read_response(fd, NULL, false, r), "no response to: %s", request);
	close(fd);
	return r->status;
}

/* The whole log file (the harness's child_log keeps 64 KiB). */
static bool log_contains(const struct child_proc *p, const char *needle)
{
	FILE *f = fopen(p->log_path, "r");
	char line[4096];
	bool found = false;
	while (f != NULL && !found && fgets(line, sizeof(line), f) != NULL)
		found = strstr(line, needle) != NULL;
	if (f != NULL)
		fclose(f);
	return found;
}

/* ---- Tests ------------------------------------------------------------------- */

Test(http, healthz_and_security_headers)
{
	struct child_proc p;
	struct http_response r;
	start_default(&p);
	cr_expect_eq(exchange(&p, "GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n", &r), 200);
	cr_expect_str_eq(r.body, "ok\n");
	cr_expect(http_has_header(&r, "Content-Length", "3"), "%s", r.head);
	cr_expect(http_has_header(&r, "Date", NULL), "%s", r.head);
	cr_expect(http_has_header(&r, "Content-Security-Policy",
	                          "default-src 'self'; base-uri 'none'; form-action 'none'; "
	                          "frame-ancestors 'none'"),
	          "%s", r.head);
	cr_expect(http_has_header(&r, "X-Content-Type-Options", "nosniff"));
	cr_expect(http_has_header(&r, "X-Frame-Options", "DENY"));
	cr_expect(http_has_header(&r, "Referrer-Policy", "no-referrer"));
	cr_expect_eq(exchange(&p, "GET /nowhere HTTP/1.1\r\nHost: localhost\r\n\r\n", &r), 404);
	finish(&p);
}

/* Ready is only a claim: until the parent has checked it from outside and
 * said serve, a client's connection waits in the backlog unanswered (fails
 * when server_start accepts at once). */
Test(http, nothing_is_served_before_the_parent_says_serve)
{
	struct child_proc p;
	struct ipc_config config = child_test_config();
	struct ipc_message msg;
	child_spawn(&p, WARDEN_CHILD_BINARY, NULL, -1);
	child_handover(&p, &config);
	cr_assert_eq(child_receive(&p, &msg, 10000), 1, "stderr: %s", child_stderr(&p));
	cr_assert_eq(msg.type, IPC_READY, "got %s", ipc_type_name(msg.type));
	int fd = http_connect(p.port, 500);
	cr_assert_geq(fd, 0, "connect: %s", strerror(-fd));
	http_send_text(fd, "GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n");
	struct pollfd wait = {.fd = fd, .events = POLLIN};
	cr_expect_eq(poll(&wait, 1, 500), 0, "answered before serve");
	cr_assert(child_serve(&p), "serve not sent");
	struct http_response r;
	cr_assert(http_read_response(fd, NULL, false, &r), "no response after serve");
	cr_expect_eq(r.status, 200);
	close(fd);
	finish(&p);
}

Test(http, head_has_the_length_and_no_body)
{
	struct child_proc p;
	struct http_response r;
	start_default(&p);
	int fd = child_connect(&p);
	http_send_text(
	        fd,
	        "HEAD /healthz HTTP/1.1\r\nHost: localhost\r\n\r\nGET /healthz HTTP/1.1\r\nHost: "
	        "localhost\r\n\r\n");
	static struct http_pipeline next;
	cr_assert(http_read_response(fd, &next, true, &r));
	cr_expect_eq(r.status, 200);
	cr_expect(http_has_header(&r, "Content-Length", "3"), "%s", r.head);
	/* The next bytes are the GET's response: no body came after the HEAD's. */
	cr_assert(http_read_response(fd, &next, false, &r));
	cr_expect_eq(r.status, 200);
	cr_expect_str_eq(r.body, "ok\n");
	close(fd);
	finish(&p);
}

Test(http, keep_alive_and_pipelining_in_order)
{
	struct child_proc p;
	struct http_response r;
	start_default(&p);
	int fd = child_connect(&p);
	http_send_text(fd, "GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n"
	                   "GET /missing HTTP/1.1\r\nHost: localhost\r\n\r\n"
	                   "HEAD /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n"
	                   "GET /healthz?x=1 HTTP/1.1\r\nHost: localhost\r\n\r\n");
	static struct http_pipeline next;
	const unsigned want[] = {200, 404, 200, 200};
	for (int i = 0; i < 4; i++) {
		cr_assert(http_read_response(fd, &next, i == 2, &r), "response %d", i);
		cr_expect_eq(r.status, want[i], "response %d: %u", i, r.status);
		cr_expect(!http_has_header(&r, "Connection", "close"), "%s", r.head);
	}
	cr_expect_eq(next.length, 0);
	/* Still open: one more, sent in pieces. */
	http_send_text(fd, "GET /heal");
	http_msleep(20);
	http_send_text(fd, "thz HTTP/1.1\r\nHo");
	http_msleep(20);
	http_send_text(fd, "st: x\r\n\r\n");
	cr_assert(http_read_response(fd, NULL, false, &r));
	cr_expect_eq(r.status, 200);
	close(fd);
	finish(&p);
}

Test(http, http10_closes_unless_keep_alive_is_asked)
{
	struct child_proc p;
	struct http_response r;
	start_default(&p);
	int fd = child_connect(&p);
	http_send_text(fd, "GET /healthz HTTP/1.0\r\n\r\n");
	cr_assert(http_read_response(fd, NULL, false, &r));
	cr_expect_eq(r.status, 200);
	cr_expect(http_has_header(&r, "Connection", "close"), "%s", r.head);
	cr_expect(http_closed_by_server(fd));
	close(fd);
	fd = child_connect(&p);
	http_send_text(fd, "GET /healthz HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
	cr_assert(http_read_response(fd, NULL, false, &r));
	cr_expect(http_has_header(&r, "Connection", "keep-alive"), "%s", r.head);
	http_send_text(fd, "GET /healthz HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
	cr_assert(http_read_response(fd, NULL, false, &r));
	cr_expect_eq(r.status, 200);
	close(fd);
	finish(&p);
}

Test(http, connection_close_is_honoured)
{
	struct child_proc p;
	struct http_response r;
	start_default(&p);
	int fd = child_connect(&p);
	http_send_text(fd, "GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
	                   "GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n");
	cr_assert(http_read_response(fd, NULL, false, &r));
	cr_expect_eq(r.status, 200);
	cr_expect(http_has_header(&r, "Connection", "close"), "%s", r.head);
	cr_expect(http_closed_by_server(fd), "the request after close was answered");
	close(fd);
	finish(&p);
}

struct rejected {
	const char *name;
	const char *request;
	unsigned status;
	const char *allow; /* the Allow header the response must have, or NULL */
};

static void expect_rejected(const struct child_proc *p, const struct rejected *t)
{
	struct http_response r;
	int fd = child_connect(p);
	http_send_text(fd, t->request);
	cr_assert(http_read_response(fd, NULL, false, &r), "%s: no response", t->name);
	cr_expect_eq(r.status, t->status, "%s: %u", t->name, r.status);
	if (t->allow != NULL)
		cr_expect(http_has_header(&r, "Allow", t->allow), "%s: %s", t->name, r.head);
	cr_expect(http_has_header(&r, "Connection", "close"), "%s: %s", t->name, r.head);
	cr_expect(http_has_header(&r, "X-Frame-Options", "DENY"), "%s", t->name);
	cr_expect(http_closed_by_server(fd), "%s: not closed", t->name);
	close(fd);
}

Test(http, errors_have_their_codes_and_close)
{
	const struct rejected table[] = {
	        {"garbage", "GARBAGE\r\n\r\n", 400, NULL},
	        {"no host", "GET / HTTP/1.1\r\n\r\n", 400, NULL},
	        {"two hosts", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400, NULL},
	        {"not a path", "GET nopath HTTP/1.1\r\nHost: localhost\r\n\r\n", 400, NULL},
	        {"post", "POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\n\r\nhello",
	         405, "GET, HEAD"},
	        {"unknown method", "BREW /pot HTTP/1.1\r\nHost: localhost\r\n\r\n", 405,
	         "GET, HEAD"},
	        {"get with body",
	         "GET / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\n\r\nhello", 413, NULL},
	        {"chunked get",
	         "GET / HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
	         411, NULL},
	        {"gzip te", "GET / HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: gzip\r\n\r\n",
	         400, NULL},
	        {"http/2.0", "GET / HTTP/2.0\r\n\r\n", 505, NULL},
	        {"http/1.2", "GET / HTTP/1.2\r\nHost: localhost\r\n\r\n", 505, NULL},
	        {"http/0.9", "GET /\r\n\r\n", 505, NULL},
	};
	struct child_proc p;
	start_default(&p);
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		expect_rejected(&p, &table[i]);
	finish(&p);
}

Test(http, smuggling_shapes_are_rejected_and_closed)
{
	const struct rejected table[] = {
	        {"te and cl",
	         "GET / HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: "
	         "chunked\r\nContent-Length: "
	         "4\r\n\r\n",
	         400, NULL},
	        {"cl and te",
	         "GET / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 4\r\nTransfer-Encoding: "
	         "chunked\r\n\r\n",
	         400, NULL},
	        {"two cl",
	         "GET / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\nContent-Length: "
	         "0\r\n\r\n",
	         400, NULL},
	        {"bad cl", "GET / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1x\r\n\r\n", 400,
	         NULL},
	        {"cl list", "GET / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0, 0\r\n\r\n",
	         400, NULL},
	        {"obs-fold", "GET / HTTP/1.1\r\nHost: localhost\r\nX-A: a\r\n b\r\n\r\n", 400,
	         NULL},
	        {"tab fold", "GET / HTTP/1.1\r\nHost: localhost\r\nX-A: a\r\n\tb\r\n\r\n", 400,
	         NULL},
	        {"space before colon",
	         "GET / HTTP/1.1\r\nHost: localhost\r\nContent-Length : 0\r\n\r\n", 400, NULL},
	        {"bare cr", "GET / HTTP/1.1\r\nHost: localhost\r\nX-A: a\rb\r\n\r\n", 400, NULL},
	        {"bare cr at end", "GET / HTTP/1.1\r\nHost: localhost\r\nX-A: a\r\r\n\r\n", 400,
	         NULL},
	};
	struct child_proc p;
	start_default(&p);
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		expect_rejected(&p, &table[i]);
	/* NUL: not expressible in a C string literal's strlen. */
	struct http_response r;
	int fd = child_connect(&p);
	static const char nul[] = "GET / HTTP/1.1\r\nHost: localhost\r\nX-A: a\0b\r\n\r\n";
	cr_assert_eq(http_send(fd, nul, sizeof(nul) - 1), 0);
	cr_assert(http_read_response(fd, NULL, false, &r));
	cr_expect_eq(r.status, 400);
	cr_expect(http_closed_by_server(fd));
	close(fd);
	finish(&p);
}

Test(http, limits_414_and_431)
{
	struct child_proc p;
	struct ipc_config config = child_test_config();
	config.header_max_bytes = 1024;
	config.uri_max_bytes = 100;
	start(&p, &config);
	char request[4096];
	char path[200];
	memset(path, 'a', sizeof(path) - 1);
	path[sizeof(path) - 1] = '\0';
	snprintf(request, sizeof(request), "GET /%s HTTP/1.1\r\nHost: localhost\r\n\r\n", path);
	struct rejected uri = {"long uri", request, 414, NULL};
	expect_rejected(&p, &uri);
	/* A target too long is refused before its line even ends. */
	snprintf(request, sizeof(request), "GET /%s", path);
	expect_rejected(&p, &uri);
	char filler[2000];
	memset(filler, 'b', sizeof(filler) - 1);
	filler[sizeof(filler) - 1] = '\0';
	snprintf(request, sizeof(request), "GET / HTTP/1.1\r\nHost: localhost\r\nX-Big: %s\r\n\r\n",
	         filler);
	struct rejected big = {"big head", request, 431, NULL};
	expect_rejected(&p, &big);
	finish(&p);
}

/* With a token, the data needs it; the page, its assets and liveness (no
 * data in them) do not, so a browser can load the login form. The token
 * never reaches the access log. */
Test(http, bearer_token)
{
	struct child_proc p;
	struct http_response r;
	struct ipc_config config = token_config();
	start(&p, &config);
	static const char *const private_paths[] = {"/api/status", "/api/logs", "/api/events",
	                                            "/api/policy", "/metrics",  "/x",
	                                            "/index.html", "/assets/",  "/healthz/"};
	for (size_t i = 0; i < sizeof(private_paths) / sizeof(private_paths[0]); i++) {
		char request[128];
		snprintf(request, sizeof(request), "GET %s HTTP/1.1\r\nHost: localhost\r\n\r\n",
		         private_paths[i]);
		cr_expect_eq(exchange(&p, request, &r), 401, "%s", private_paths[i]);
		cr_expect(http_has_header(&r, "WWW-Authenticate", "Bearer"), "%s", r.head);
	}
	static const char *const wrong[] = {"Bearer s3cret-tokeN", "Bearer s3cret",
	                                    "Bearer s3cret-token2", "Basic czNjcmV0",
	                                    "s3cret-token"};
	for (size_t i = 0; i < sizeof(wrong) / sizeof(wrong[0]); i++) {
		char request[160];
		snprintf(request, sizeof(request),
		         "GET /api/status HTTP/1.1\r\nHost: localhost\r\nAuthorization: %s\r\n\r\n",
		         wrong[i]);
		cr_expect_eq(exchange(&p, request, &r), 401, "%s", wrong[i]);
	}
	cr_expect_eq(exchange(&p,
	                      "GET /api/status HTTP/1.1\r\nHost: localhost\r\n"
	                      "Authorization: Bearer s3cret-token\r\n\r\n",
	                      &r),
	             200);
	cr_expect_eq(exchange(&p,
	                      "GET /metrics HTTP/1.1\r\nHost: localhost\r\n"
	                      "authorization: bearer s3cret-token\r\n\r\n",
	                      &r),
	             200);
	cr_expect_eq(exchange(&p,
	                      "GET /x HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer "
	                      "s3cret-token\r\n\r\n",
	                      &r),
	             404);
	/* Public: the page and its assets, and liveness. */
	static const char *const public_paths[] = {"GET /", "GET /assets/app.js",
	                                           "GET /assets/style.css", "GET /assets/icon.svg",
	                                           "GET /healthz"};
	for (size_t i = 0; i < sizeof(public_paths) / sizeof(public_paths[0]); i++) {
		char request[128];
		snprintf(request, sizeof(request), "%s HTTP/1.1\r\nHost: localhost\r\n\r\n",
		         public_paths[i]);
		cr_expect_eq(exchange(&p, request, &r), 200, "%s", public_paths[i]);
	}
	/* A ping makes one more loop turn: the access lines are out. */
	struct ipc_message ping = {.type = IPC_PING}, pong;
	uint8_t raw[IPC_MAX_MESSAGE];
	cr_assert_gt(ipc_send(&p.channel, &ping, raw, sizeof(raw)), 0);
	cr_assert_eq(child_receive(&p, &pong, 5000), 1);
	cr_expect(log_contains(&p, "\"GET /api/status HTTP/1.1\" 200 "));
	cr_expect(log_contains(&p, "\"GET /api/status HTTP/1.1\" 401 "));
	cr_expect(!log_contains(&p, "s3cret"), "the token is in the log: %s", child_log(&p));
	cr_expect(!log_contains(&p, "czNjcmV0"), "a credential is in the log");
	finish(&p);
}

/* With two Authorization fields the server keeps the last value, so a
 * request pairing a wrong one with the right one would pass the token
 * check if the parser let the duplicate through; it must be refused. */
Test(http, two_authorizations_are_400_even_if_one_is_right)
{
	struct child_proc p;
	struct ipc_config config = token_config();
	start(&p, &config);
	const struct rejected two = {
	        "two authorizations",
	        "GET / HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer wrong\r\n"
	        "Authorization: Bearer s3cret-token\r\n\r\n",
	        400, NULL};
	expect_rejected(&p, &two);
	finish(&p);
}

/* HTTP/1.0 has no chunked coding (RFC 9112 6.1): such a request is
 * malformed (400), not a body the server merely declines to read (411). */
Test(http, chunked_in_http10_is_400_not_411)
{
	const struct rejected chunked10 = {
	        "chunked http/1.0", "GET / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
	        400, NULL};
	struct child_proc p;
	start_default(&p);
	expect_rejected(&p, &chunked10);
	finish(&p);
}

Test(http, slowloris_gets_408_and_idle_connections_close)
{
	struct child_proc p;
	struct http_response r;
	struct ipc_config config = child_test_config();
	config.header_timeout_ms = 300;
	config.idle_timeout_ms = 300;
	start(&p, &config);
	int fd = child_connect(&p);
	http_send_text(fd, "GET /healthz HTTP/1.1\r\n");
	/* One header line every 100 ms: every byte arrives, the head never
	 * completes in time. */
	bool cut = false;
	for (int i = 0; i < 20 && !cut; i++) {
		http_msleep(100);
		cut = send(fd, "X-A: b\r\n", 8, MSG_NOSIGNAL) < 0;
		struct pollfd pfd = {fd, POLLIN, 0};
		cut = cut || poll(&pfd, 1, 0) == 1;
	}
	cr_assert(http_read_response(fd, NULL, false, &r));
	cr_expect_eq(r.status, 408);
	cr_expect(http_closed_by_server(fd));
	close(fd);
	/* Idle keep-alive: answered, then closed after the idle timeout. */
	fd = child_connect(&p);
	http_send_text(fd, "GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n");
	cr_assert(http_read_response(fd, NULL, false, &r));
	cr_expect_eq(r.status, 200);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	cr_expect(http_closed_by_server(fd));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	long ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	cr_expect(ms >= 200 && ms < 2000, "closed after %ld ms", ms);
	close(fd);
	cr_expect(strstr(child_log(&p), "\" 408 ") != NULL, "log: %s", child_log(&p));
	finish(&p);
}

/* A connection that has sent part of a request head and waits. */
static int open_unfinished_head(const struct child_proc *p)
{
	int fd = child_connect(p);
	http_send_text(fd, "GET /healthz HTTP/1.1\r\nHost: localhost\r\n");
	return fd;
}

/* A crowd of slow heads timing out in the same sweep: every one gets its
 * 408 and its close, and a client served meanwhile is not refused. */
Test(http, a_slowloris_crowd_all_get_408)
{
	enum { CROWD = 300 };
	static int fds[CROWD];
	struct child_proc p;
	struct http_response r;
	struct ipc_config config = child_test_config();
	config.header_timeout_ms = 300;
	config.max_connections = 1000;
	config.max_connections_per_peer = 1000; /* one client address opens them all */
	start(&p, &config);
	for (int i = 0; i < CROWD; i++)
		fds[i] = open_unfinished_head(&p);
	http_msleep(200);
	cr_expect_eq(exchange(&p, "GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n", &r), 200);
	int got_408 = 0, closed = 0;
	for (int i = 0; i < CROWD; i++) {
		if (http_read_response(fds[i], NULL, false, &r) && r.status == 408)
			got_408++;
		if (http_closed_by_server(fds[i]))
			closed++;
		close(fds[i]);
	}
	cr_expect_eq(got_408, CROWD);
	cr_expect_eq(closed, CROWD);
	finish(&p);
}

Test(http, connection_limit_gets_503)
{
	struct child_proc p;
	struct http_response r;
	struct ipc_config config = child_test_config();
	config.max_connections = 2;
	config.max_connections_per_peer = 2;
	start(&p, &config);
	int a = child_connect(&p), b = child_connect(&p);
	/* Both served, so both are open in the child. */
	http_send_text(a, "GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n");
	cr_assert(http_read_response(a, NULL, false, &r));
	http_send_text(b, "GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n");
	cr_assert(http_read_response(b, NULL, false, &r));
	int c = child_connect(&p);
	http_send_text(c, "GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n");
	cr_assert(http_read_response(c, NULL, false, &r));
	cr_expect_eq(r.status, 503);
	cr_expect(http_has_header(&r, "Connection", "close"), "%s", r.head);
	cr_expect(http_closed_by_server(c));
	close(c);
	close(a);
	http_msleep(100);
	cr_expect_eq(exchange(&p, "GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n", &r), 200);
	close(b);
	cr_expect(strstr(child_log(&p), "WARNING child[1] http: refusing connections (503)") !=
	                  NULL,
	          "log: %s", child_log(&p));
	finish(&p);
}

/* With the smallest reserve, connections that keep their buffers fill it:
 * the child refuses new ones with 503 (never asking the kernel for more
 * memory, which its filter would punish), logs a WARNING, and serves again
 * once memory is back. */
Test(http, memory_reserve_reached_gets_503)
{
	enum { MAX_OPEN = 900 };
	static int fds[MAX_OPEN];
	struct child_proc p;
	struct http_response r;
	struct ipc_config config = child_test_config();
	config.memory_reserve_kib = 1024;
	config.max_connections = 1000;
	config.max_connections_per_peer = 1000;
	start(&p, &config);
	int open_count = 0, refused_at = -1;
	while (open_count < MAX_OPEN && refused_at < 0) {
		fds[open_count++] = open_unfinished_head(&p); /* it holds its buffer */
		if (open_count % 8 == 0) {
			int probe = child_connect(&p);
			http_send_text(probe, "GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n");
			cr_assert(http_read_response(probe, NULL, false, &r),
			          "no answer at %d open", open_count);
			if (r.status == 503)
				refused_at = open_count;
			close(probe);
		}
	}
	cr_assert(refused_at > 0, "no 503 with %d connections in a 1 MiB reserve", open_count);
	cr_expect(log_contains(&p, "memory reserve reached"), "log: %s", child_log(&p));
	for (int i = 0; i < open_count; i++)
		close(fds[i]);
	http_msleep(200);
	cr_expect_eq(exchange(&p, "GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n", &r), 200);
	printf("memory reserve 1 MiB: first 503 with %d connections open\n", refused_at);
	finish(&p);
}

Test(http, slow_reader_is_cut)
{
	struct child_proc p;
	struct ipc_config config = child_test_config();
	config.send_timeout_ms = 300;
	start(&p, &config);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	int small = 4096;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
	struct sockaddr_in addr = {.sin_family = AF_INET,
	                           .sin_port = htons((uint16_t)p.port),
	                           .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	connect(fd, (struct sockaddr *)&addr, sizeof(addr));
	struct pollfd pfd = {fd, POLLOUT, 0};
	poll(&pfd, 1, 1000);
	/* Pipelined requests, never read: the responses pile up. */
	static const char req[] = "GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n";
	size_t queued = 0;
	for (int i = 0; i < 200000; i++) {
		if (send(fd, req, sizeof(req) - 1, MSG_NOSIGNAL) < 0)
			break;
		queued++;
	}
	cr_expect_gt(queued, 100);
	http_msleep(1500);
	cr_expect(log_contains(&p, "no progress sending (slow reader)"));
	close(fd);
	finish(&p);
}

Test(http, access_log_and_counters)
{
	struct child_proc p;
	struct http_response r;
	start_default(&p);
	exchange(&p, "GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n", &r);
	exchange(&p, "GET /a%1b[31m HTTP/1.1\r\nHost: localhost\r\n\r\n", &r);
	exchange(&p, "GET / HTTP/1.1\r\nHost: localhost\r\nX-A: a\r\n b\r\n\r\n", &r);
	/* The ping makes one more loop turn: the log lines are out. */
	struct ipc_message ping = {.type = IPC_PING}, pong;
	uint8_t raw[IPC_MAX_MESSAGE];
	cr_assert_gt(ipc_send(&p.channel, &ping, raw, sizeof(raw)), 0);
	cr_assert_eq(child_receive(&p, &pong, 5000), 1);
	cr_assert_eq(pong.type, IPC_PONG);
	const struct ipc_counters *k = &pong.u.pong.counters;
	cr_expect_eq(k->connections_accepted, 3);
	cr_expect_eq(k->requests, 3);
	cr_expect_eq(k->responses[1], 1);
	cr_expect_eq(k->responses[3], 2);
	cr_expect_gt(k->bytes_in, 80);
	cr_expect_gt(k->bytes_out, 300);
	const char *log = child_log(&p);
	cr_expect(strstr(log, "INFO child[1] http #1 \"GET /healthz HTTP/1.1\" 200 ") != NULL, "%s",
	          log);
	cr_expect(strstr(log, "\"GET /a%1b[31m HTTP/1.1\" 404 ") != NULL, "%s", log);
	cr_expect(strstr(log, "\" 400 ") != NULL && strstr(log, "obs-fold") != NULL, "%s", log);
	finish(&p);
}

/* A keep-alive connection idle when the drain begins may have its next
 * request on the way: it is answered, with Connection: close, and only
 * then closed. */
Test(http, drain_answers_an_idle_keep_alive_once_more_with_close)
{
	struct child_proc p;
	struct http_response r;
	start_default(&p);
	int fd = child_connect(&p);
	http_send_text(fd, "GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n");
	cr_assert(http_read_response(fd, NULL, false, &r));
	cr_expect(!http_has_header(&r, "Connection", "close"));
	cr_assert(child_shutdown(&p, IPC_SHUTDOWN_RELOAD, 5000));
	http_msleep(100); /* the child has taken the shutdown */
	http_send_text(fd, "GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n");
	cr_assert(http_read_response(fd, NULL, false, &r), "the request after the drain failed");
	cr_expect_eq(r.status, 200);
	cr_expect(http_has_header(&r, "Connection", "close"), "%s", r.head);
	cr_expect(http_closed_by_server(fd));
	int status = child_wait(&p, 5000);
	cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status 0x%x; %s", status,
	          child_stderr(&p));
	close(fd);
	child_cleanup(&p);
}

Test(http, drain_closes_idle_connections_and_exits)
{
	struct child_proc p;
	struct http_response r;
	start_default(&p);
	int fd = child_connect(&p);
	http_send_text(fd, "GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n");
	cr_assert(http_read_response(fd, NULL, false, &r));
	cr_assert(child_shutdown(&p, IPC_SHUTDOWN_TERMINATE, 5000));
	cr_expect(http_closed_by_server(fd));
	int status = child_wait(&p, 5000);
	cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status 0x%x; %s", status,
	          child_stderr(&p));
	cr_expect(strstr(child_log(&p), "drained: exiting") != NULL, "%s", child_log(&p));
	/* The last ping was answered once drained, with the request counted. */
	struct ipc_message msg;
	bool answered = false;
	while (!answered && child_receive(&p, &msg, 1000) == 1)
		answered = msg.type == IPC_PONG && msg.u.pong.nonce == CHILD_SHUTDOWN_NONCE;
	cr_expect(answered, "the drained child did not answer the last ping");
	cr_expect(!answered || msg.u.pong.counters.requests == 1, "its pong counts %llu requests",
	          answered ? (unsigned long long)msg.u.pong.counters.requests : 0ULL);
	close(fd);
	child_cleanup(&p);
}

/* An event stream (/api/events) stays open after its head, HEAD gets the
 * head only, and a drain ends the stream and the child. */
Test(http, event_stream_lives_until_the_drain)
{
	struct child_proc p;
	struct http_response r;
	start_default(&p);
	int head = child_connect(&p);
	http_send_text(head, "HEAD /api/events HTTP/1.1\r\nHost: localhost\r\n\r\n");
	cr_assert(http_read_response(head, NULL, true, &r));
	cr_expect_eq(r.status, 200);
	cr_expect(http_has_header(&r, "Content-Type", "text/event-stream"), "%s", r.head);
	cr_expect(http_closed_by_server(head));
	close(head);
	int fd = child_connect(&p);
	http_send_text(fd, "GET /api/events HTTP/1.1\r\nHost: localhost\r\n\r\n");
	static char buf[1 << 16];
	size_t have = http_read_until(fd, buf, sizeof(buf), 0, 0, "}\n\n");
	cr_assert(strstr(buf, "event: status") != NULL, "%s", buf);
	cr_expect(strstr(buf, "Content-Length") == NULL, "%s", buf);
	http_msleep(300);
	struct pollfd pfd = {fd, POLLIN, 0};
	if (poll(&pfd, 1, 0) == 1) { /* more events, not an end */
		ssize_t n = recv(fd, buf + have, sizeof(buf) - 1 - have, MSG_DONTWAIT);
		cr_expect_gt(n, 0, "the stream ended early");
	}
	cr_assert(child_shutdown(&p, IPC_SHUTDOWN_TERMINATE, 5000));
	cr_expect(http_closed_by_server(fd));
	int status = child_wait(&p, 5000);
	cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status 0x%x; %s", status,
	          child_stderr(&p));
	cr_expect(strstr(child_stderr(&p), "violation") == NULL, "%s", child_stderr(&p));
	close(fd);
	child_cleanup(&p);
}

/* ---- Host names (DNS rebinding) ------------------------------------------- */

static unsigned get_with_host(const struct child_proc *p, const char *path, const char *host,
                              const char *extra)
{
	char request[512];
	struct http_response r;
	snprintf(request, sizeof(request), "GET %s HTTP/1.1\r\nHost: %s\r\n%s\r\n", path, host,
	         extra ? extra : "");
	return exchange(p, request, &r);
}

/* A page elsewhere whose name was made to resolve to this server still
 * has its browser send its own name: every path but /healthz gets 421,
 * with or without a token, and the connection closes. */
Test(http, a_host_not_ours_gets_421)
{
	static const char *const paths[] = {"/",           "/api/status", "/metrics",
	                                    "/api/events", "/api/logs",   "/nowhere"};
	struct child_proc p;
	struct http_response r;
	struct ipc_config config = child_test_config();
	strcpy(config.hosts, "localhost 127.0.0.1 [::1] warden.example");
	start(&p, &config);
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		const struct rejected t = {paths[i], NULL, 421, NULL};
		char request[256];
		snprintf(request, sizeof(request),
		         "GET %s HTTP/1.1\r\nHost: attacker.example\r\n\r\n", paths[i]);
		struct rejected row = t;
		row.request = request;
		expect_rejected(&p, &row);
	}
	/* Near misses are not ours either. */
	cr_expect_eq(get_with_host(&p, "/api/status", "localhost.attacker.example", NULL), 421);
	cr_expect_eq(get_with_host(&p, "/api/status", "127.0.0.1.nip.io:8080", NULL), 421);
	cr_expect_eq(get_with_host(&p, "/api/status", "warden.example.com", NULL), 421);
	cr_expect_eq(get_with_host(&p, "/api/status", "127.0.0.2", NULL), 421);
	cr_expect_eq(get_with_host(&p, "/api/status", "", NULL), 421);
	cr_expect_eq(get_with_host(&p, "/api/status", ":8080", NULL), 421);
	/* An absolute-form target's authority counts before Host (RFC 9112 3.2.2). */
	cr_expect_eq(exchange(&p,
	                      "GET http://attacker.example/api/status HTTP/1.1\r\nHost: "
	                      "localhost\r\n\r\n",
	                      &r),
	             421);
	cr_expect_eq(exchange(&p,
	                      "GET http://localhost:8080/api/status HTTP/1.1\r\nHost: "
	                      "localhost\r\n\r\n",
	                      &r),
	             200);
	/* Probes send their own Host: /healthz answers, telling nothing. */
	cr_expect_eq(exchange(&p, "GET /healthz HTTP/1.1\r\nHost: attacker.example\r\n\r\n", &r),
	             200);
	cr_expect_str_eq(r.body, "ok\n");
	const char *log = child_log(&p);
	cr_expect(strstr(log, "NOTICE child[1] http #1 from 127.0.0.1:") != NULL, "%s", log);
	cr_expect(
	        strstr(log, "421 for Host \"attacker.example\", not one of this server's names") !=
	                NULL,
	        "%s", log);
	cr_expect(strstr(log, "\"GET /api/status HTTP/1.1\" 421 ") != NULL, "%s", log);
	finish(&p);
}

Test(http, our_host_names_are_served_whatever_their_case_and_port)
{
	static const char *const ours[] = {
	        "localhost",        "LOCALHOST",      "LocalHost:8080",
	        "localhost.",       "localhost.:80",  "127.0.0.1",
	        "127.0.0.1:8080",   "127.0.0.1:",     "[::1]",
	        "[::1]:8080",       "warden.example", "WARDEN.Example:443",
	        "warden.example.:1"};
	struct child_proc p;
	struct ipc_config config = child_test_config();
	strcpy(config.hosts, "localhost 127.0.0.1 [::1] warden.example");
	start(&p, &config);
	for (size_t i = 0; i < sizeof(ours) / sizeof(ours[0]); i++)
		cr_expect_eq(get_with_host(&p, "/api/status", ours[i], NULL), 200, "Host: %s",
		             ours[i]);
	/* Not host[:port]: 400 (RFC 9112 3.2), on /healthz too. */
	static const char *const invalid[] = {"localhost:80x", "localhost:123456", "[::1",
	                                      "[::1]x",        "[::1]:8080:1",     "a:b:c"};
	for (size_t i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++) {
		cr_expect_eq(get_with_host(&p, "/api/status", invalid[i], NULL), 400, "Host: %s",
		             invalid[i]);
		cr_expect_eq(get_with_host(&p, "/healthz", invalid[i], NULL), 400, "Host: %s",
		             invalid[i]);
	}
	finish(&p);
}

/* A valid token does not make another site's name ours. */
Test(http, a_host_not_ours_gets_421_with_a_token_too)
{
	struct child_proc p;
	struct ipc_config config = token_config();
	start(&p, &config);
	const char *auth = "Authorization: Bearer s3cret-token\r\n";
	cr_expect_eq(get_with_host(&p, "/api/status", "attacker.example", auth), 421);
	cr_expect_eq(get_with_host(&p, "/api/status", "attacker.example", NULL), 421);
	cr_expect_eq(get_with_host(&p, "/api/status", "localhost:1", auth), 200);
	cr_expect_eq(get_with_host(&p, "/api/status", "localhost:1", NULL), 401);
	finish(&p);
}

/* HTTP/1.0 may leave Host out (RFC 9112 3.2 asks it of 1.1 only); such a
 * request names no name of ours, so only /healthz answers it. HTTP/1.1
 * without Host stays a 400 (errors_have_their_codes_and_close). */
Test(http, http10_without_host_is_421_but_for_healthz)
{
	struct child_proc p;
	struct http_response r;
	start_default(&p);
	cr_expect_eq(exchange(&p, "GET /api/status HTTP/1.0\r\n\r\n", &r), 421);
	cr_expect_eq(exchange(&p, "GET /healthz HTTP/1.0\r\n\r\n", &r), 200);
	cr_expect_eq(exchange(&p, "GET /api/status HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n", &r), 200);
	cr_expect(strstr(child_log(&p), "421 for Host \"\" (none given)") != NULL, "%s",
	          child_log(&p));
	finish(&p);
}

/* ---- A fair share ------------------------------------------------------------ */

/* The counters the child reports to its parent (a PONG). */
static struct ipc_counters child_counters(struct child_proc *p)
{
	struct ipc_message ping = {.type = IPC_PING}, pong;
	uint8_t raw[IPC_MAX_MESSAGE];
	cr_assert_gt(ipc_send(&p->channel, &ping, raw, sizeof(raw)), 0);
	cr_assert_eq(child_receive(p, &pong, 5000), 1);
	cr_assert_eq(pong.type, IPC_PONG);
	return pong.u.pong.counters;
}

static const char HEALTHZ[] = "GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n";

/* One address holding every connection it can, busy on each, does not
 * shut out another: beyond its share it is refused at accept (503 and
 * close, counted as refused), while 127.0.0.2 is served throughout. */
Test(http, one_address_gets_its_share_and_another_is_served)
{
	enum { SHARE = 8, CROWD = 24, ROUNDS = 6 };
	static int fds[CROWD];
	struct child_proc p;
	struct http_response r;
	struct ipc_config config = child_test_config();
	config.max_connections = 64;
	config.max_connections_per_peer = SHARE;
	start(&p, &config);
	int served = 0, refused = 0;
	for (int i = 0; i < CROWD; i++) {
		fds[i] = child_connect(&p);
		http_send_text(fds[i], HEALTHZ);
		cr_assert(http_read_response(fds[i], NULL, false, &r), "connection %d", i);
		if (r.status == 200) {
			served++;
			continue;
		}
		cr_expect_eq(r.status, 503, "connection %d", i);
		cr_expect(http_has_header(&r, "Connection", "close"), "%s", r.head);
		cr_expect(http_closed_by_server(fds[i]));
		refused++;
		close(fds[i]);
		fds[i] = -1;
	}
	cr_expect_eq(served, SHARE);
	cr_expect_eq(refused, CROWD - SHARE);
	for (int round = 0; round < ROUNDS; round++) {
		for (int i = 0; i < CROWD; i++) {
			if (fds[i] < 0)
				continue;
			http_send_text(fds[i], HEALTHZ); /* busy, not idle */
			cr_assert(http_read_response(fds[i], NULL, false, &r));
			cr_expect_eq(r.status, 200);
		}
		int other = http_connect_from(p.port, "127.0.0.2", CHILD_CLIENT_TIMEOUT_MS);
		cr_assert_geq(other, 0, "connect from 127.0.0.2: %s", strerror(-other));
		http_send_text(other, "GET /api/status HTTP/1.1\r\nHost: localhost\r\n\r\n");
		cr_assert(http_read_response(other, NULL, false, &r));
		cr_expect_eq(r.status, 200, "round %d: 127.0.0.2 got %u", round, r.status);
		close(other);
		http_msleep(100);
	}
	struct ipc_counters k = child_counters(&p);
	cr_expect_eq(k.connections_refused, CROWD - SHARE);
	cr_expect(log_contains(&p, "connection limit per address (8) reached by 127.0.0.1:"),
	          "log: %s", child_log(&p));
	/* A connection given back is a place for the same address again. */
	int i = 0;
	while (fds[i] < 0)
		i++;
	close(fds[i]);
	fds[i] = -1;
	http_msleep(100);
	cr_expect_eq(exchange(&p, HEALTHZ, &r), 200);
	for (i = 0; i < CROWD; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	finish(&p);
}

/* Milliseconds until the server closes fd (EOF or reset). */
static long ms_until_closed(int fd)
{
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	bool closed = http_closed_by_server(fd);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	cr_expect(closed, "not closed by the server");
	return (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
}

static void start_with_token(struct child_proc *p, uint32_t header_ms, uint32_t idle_ms)
{
	struct ipc_config config = token_config();
	config.header_timeout_ms = header_ms;
	config.idle_timeout_ms = idle_ms;
	start(p, &config);
}

/* A client without the token gets one answer per connection: a 401 says
 * Connection: close, and what it pipelined after is not answered. */
Test(http, a_401_closes_the_connection)
{
	struct child_proc p;
	struct http_response r;
	start_with_token(&p, 5000, 10000);
	int fd = child_connect(&p);
	http_send_text(fd, "GET /api/status HTTP/1.1\r\nHost: localhost\r\n\r\n"
	                   "GET /api/status HTTP/1.1\r\nHost: localhost\r\n"
	                   "Authorization: Bearer s3cret-token\r\n\r\n");
	cr_assert(http_read_response(fd, NULL, false, &r));
	cr_expect_eq(r.status, 401);
	cr_expect(http_has_header(&r, "WWW-Authenticate", "Bearer"), "%s", r.head);
	cr_expect(http_has_header(&r, "Connection", "close"), "%s", r.head);
	cr_expect_eq(r.body_length, strlen("401 Unauthorized\n"), "%s", r.body);
	cr_expect(http_closed_by_server(fd), "the request after the 401 was answered");
	close(fd);
	finish(&p);
}

/* With a token configured, a connection that has not shown it waits for
 * its next request only as long as a head may take (header_timeout_ms),
 * not the idle timeout; one that has shown it keeps the idle timeout. */
Test(http, only_authenticated_connections_idle_long)
{
	struct child_proc p;
	struct http_response r;
	start_with_token(&p, 300, 5000);
	int anonymous = child_connect(&p), known = child_connect(&p);
	http_send_text(anonymous, HEALTHZ); /* exempt: answered, but not authenticated */
	cr_assert(http_read_response(anonymous, NULL, false, &r));
	cr_expect_eq(r.status, 200);
	http_send_text(known, "GET /api/status HTTP/1.1\r\nHost: localhost\r\n"
	                      "Authorization: Bearer s3cret-token\r\n\r\n");
	cr_assert(http_read_response(known, NULL, false, &r));
	cr_expect_eq(r.status, 200);
	long ms = ms_until_closed(anonymous);
	cr_expect(ms >= 200 && ms < 1500, "the unauthenticated connection closed after %ld ms", ms);
	close(anonymous);
	/* Well past the header timeout, the authenticated one still serves. */
	http_msleep(900);
	http_send_text(known, HEALTHZ);
	cr_assert(http_read_response(known, NULL, false, &r), "closed while authenticated");
	cr_expect_eq(r.status, 200);
	close(known);
	cr_expect(log_contains(&p, "closed: idle without a valid token"), "%s", child_log(&p));
	finish(&p);
}

/* ---- Field names are tokens (RFC 9110 5.1) ------------------------------------ */

/* Each a 400 and a close: a proxy in front may read such a name otherwise
 * (a space inside a name, as Transfer Encoding, is one libhttp-parser
 * built without HTTP_PARSER_STRICT lets through; the server checks every
 * byte of every name). */
Test(http, field_names_that_are_not_tokens_are_400)
{
	static const struct {
		const char *name;
		const char *field; /* the line after Host; NUL-free */
	} table[] = {
	        {"space inside", "Transfer Encoding: chunked\r\n"},
	        {"space inside, harmless name", "X Custom: 1\r\n"},
	        {"control char", "X-\001A: b\r\n"},
	        {"escape char", "X-\033A: b\r\n"},
	        {"DEL", "X-A\x7f: b\r\n"},
	        {"tab inside", "X\tA: b\r\n"},
	        {"empty name", ": bar\r\n"},
	        {"space before colon", "Foo : bar\r\n"},
	        {"tab before colon", "Foo\t: bar\r\n"},
	        {"separator (", "X(A): b\r\n"},
	        {"separator @", "X@A: b\r\n"},
	        {"separator /", "X/A: b\r\n"},
	        {"separator =", "X=A: b\r\n"},
	        {"quote", "X\"A: b\r\n"},
	        {"obs-text", "X-\xc3\xa9: b\r\n"},
	};
	struct child_proc p;
	start_default(&p);
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		char request[256];
		snprintf(request, sizeof(request),
		         "GET /healthz HTTP/1.1\r\nHost: localhost\r\n%s\r\n", table[i].field);
		const struct rejected t = {table[i].name, request, 400, NULL};
		expect_rejected(&p, &t);
	}
	/* Every tchar is allowed in a name. */
	struct http_response r;
	cr_expect_eq(exchange(&p,
	                      "GET /healthz HTTP/1.1\r\nHost: localhost\r\n"
	                      "!#$%&'*+-.^_`|~09azAZ: ok\r\n\r\n",
	                      &r),
	             200);
	finish(&p);
}

/* ---- The memory reserve during responses -------------------------------------- */

/* The memory figures of /api/status. */
struct memory_figures {
	unsigned long long used, peak, reserved, failures;
};

static struct memory_figures memory_of(const struct child_proc *p)
{
	static char buf[1 << 16];
	struct memory_figures m = {0};
	int fd = child_connect(p);
	http_send_text(fd,
	               "GET /api/status HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
	http_read_until(fd, buf, sizeof(buf), 0, 0, NULL);
	close(fd);
	const char *at = strstr(buf, "\"memory\":{");
	cr_assert(at != NULL, "%s", buf);
	cr_assert_eq(sscanf(at,
	                    "\"memory\":{\"used\":%llu,\"peak\":%llu,\"reserved\":%llu,"
	                    "\"failures\":%llu",
	                    &m.used, &m.peak, &m.reserved, &m.failures),
	             4, "%s", at);
	return m;
}

/* A socket that takes 4 KiB and is never read: what it asks for stays in
 * the child until it is. */
static int slow_reader(const struct child_proc *p, const char *request)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int small = 4096;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
	struct sockaddr_in addr = {.sin_family = AF_INET,
	                           .sin_port = htons((uint16_t)p->port),
	                           .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	cr_assert_eq(connect(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
	struct timeval tv = {5, 0};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	http_send_text(fd, request);
	return fd;
}

/* The status of the response on fd, its body read and dropped; 0 when
 * the server closed without one. */
static unsigned status_then_drain(int fd)
{
	static char buf[1 << 16];
	size_t have = http_read_until(fd, buf, sizeof(buf), 0, 0, "\r\n\r\n");
	unsigned status = 0;
	if (have == 0 || sscanf(buf, "HTTP/1.1 %u", &status) != 1)
		return 0;
	while (recv(fd, buf, sizeof(buf), 0) > 0)
		;
	return status;
}

/* Many clients each ask for the largest answer there is and read none of
 * it. Each copy is refused before the arena would give up memory the
 * other connections need: they get 503 (or are closed), no allocation
 * ever fails, the reserve for new connections is never touched, and
 * /healthz is answered throughout. */
Test(http, large_responses_keep_the_memory_reserve, .timeout = 120)
{
	enum { READERS = 24, LINES = 6000 };
	static int fds[READERS];
	struct child_proc p;
	struct http_response r;
	struct ipc_config config = child_test_config();
	config.memory_reserve_kib = 16384;
	config.log_ring_lines = 8192;
	config.send_timeout_ms = 60000; /* the slow readers stay */
	child_spawn(&p, WARDEN_CHILD_BINARY, NULL, -1);
	/* Accepted sockets inherit a small send buffer with no autotuning:
	 * what a client does not read stays in the child, not the kernel. */
	int small = 4096;
	cr_assert_eq(setsockopt(p.listen_fd, SOL_SOCKET, SO_SNDBUF, &small, sizeof(small)), 0);
	child_handover(&p, &config);
	child_expect_ready(&p, NULL);
	/* The ring fills with access lines: /api/logs?limit=5000 is ~1 MB. */
	int fd = child_connect(&p);
	static struct http_pipeline next;
	for (int i = 0; i < LINES; i += 100) {
		for (int j = 0; j < 100; j++)
			http_send_text(fd, HEALTHZ);
		for (int j = 0; j < 100; j++)
			cr_assert(http_read_response(fd, &next, false, &r));
	}
	close(fd);
	struct memory_figures before = memory_of(&p);
	static const char logs[] =
	        "GET /api/logs?limit=5000 HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
	for (int i = 0; i < READERS; i++)
		fds[i] = slow_reader(&p, logs);
	http_msleep(500);
	cr_expect_eq(exchange(&p, HEALTHZ, &r), 200, "/healthz while the readers hold memory");
	struct memory_figures during = memory_of(&p);
	int ok = 0, refused = 0, closed = 0;
	for (int i = 0; i < READERS; i++) {
		unsigned status = status_then_drain(fds[i]);
		ok += status == 200;
		refused += status == 503;
		closed += status == 0;
		close(fds[i]);
	}
	cr_expect_eq(ok + refused + closed, READERS);
	cr_expect_gt(ok, 0, "none of the large answers was served");
	cr_expect_gt(refused, 0, "%d readers, each holding a copy, and no 503", READERS);
	struct memory_figures after = memory_of(&p);
	size_t accept_reserve = after.reserved / 16 + 2 * config.header_max_bytes;
	cr_expect_eq(after.failures, 0, "an allocation failed: the reserve did not hold");
	cr_expect_leq(after.peak + accept_reserve, after.reserved,
	              "peak %llu of %llu: the reserve for new connections was used", after.peak,
	              after.reserved);
	cr_expect_leq(during.used, during.reserved);
	cr_expect_eq(exchange(&p, HEALTHZ, &r), 200);
	cr_expect(log_contains(&p, "memory reserve kept for the other connections"), "%s",
	          child_log(&p));
	printf("large responses: %d readers of /api/logs?limit=5000: %d served, %d refused (503), "
	       "%d closed; memory used %llu before, %llu while held, peak %llu of %llu\n",
	       READERS, ok, refused, closed, before.used, during.used, after.peak, after.reserved);
	finish(&p);
}

/* A fragment is never sent (RFC 9110 4.2.5): a target with one is no
 * path, whatever follows the '#'. */
Test(http, a_fragment_in_the_target_is_400)
{
	const struct rejected table[] = {
	        {"fragment", "GET /healthz#x HTTP/1.1\r\nHost: localhost\r\n\r\n", 400, NULL},
	        {"fragment after a query", "GET /healthz?a#x HTTP/1.1\r\nHost: localhost\r\n\r\n",
	         400, NULL},
	};
	struct child_proc p;
	start_default(&p);
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		expect_rejected(&p, &table[i]);
	finish(&p);
}

/* The token is compared whole: a longer value that begins with it is
 * wrong; and only /healthz itself is exempt, not a path that begins with
 * it. */
Test(http, bearer_token_edges)
{
	struct child_proc p;
	struct http_response r;
	struct ipc_config config = token_config();
	start(&p, &config);
	cr_expect_eq(exchange(&p,
	                      "GET /x HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer "
	                      "s3cret-token1\r\n\r\n",
	                      &r),
	             401, "the token with a byte more");
	cr_expect_eq(exchange(&p,
	                      "GET /x HTTP/1.1\r\nHost: localhost\r\nAuthorization: Beaver "
	                      "s3cret-token\r\n\r\n",
	                      &r),
	             401, "the token under another scheme");
	cr_expect_eq(exchange(&p, "GET /healthzx HTTP/1.1\r\nHost: localhost\r\n\r\n", &r), 401);
	cr_expect_eq(
	        exchange(&p, "GET /healthz/../api/status HTTP/1.1\r\nHost: localhost\r\n\r\n", &r),
	        401);
	cr_expect_eq(exchange(&p, "GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n", &r), 200);
	finish(&p);
}

/* The limits at their edges: a target of exactly uri_max_bytes is served,
 * one byte more is 414, also before its line ends; an incomplete head of
 * header_max_bytes is 431 at once (it could only grow), one byte less is
 * still waited for. The header timeout is long, so that waiting where the
 * server should answer shows as no answer, not as a 408. */
Test(http, limits_at_their_edges)
{
	enum { URI_MAX = 100, HEAD_MAX = 1024 };
	struct child_proc p;
	struct http_response r;
	struct ipc_config config = child_test_config();
	config.header_max_bytes = HEAD_MAX;
	config.uri_max_bytes = URI_MAX;
	config.header_timeout_ms = 60000;
	start(&p, &config);
	char path[URI_MAX + 2], request[HEAD_MAX + 64];
	memset(path, 'a', sizeof(path) - 1);
	path[0] = '/';
	path[URI_MAX] = '\0'; /* a target of exactly URI_MAX bytes */
	snprintf(request, sizeof(request), "GET %s HTTP/1.1\r\nHost: localhost\r\n\r\n", path);
	cr_expect_eq(exchange(&p, request, &r), 404, "a target of uri_max_bytes");
	path[URI_MAX] = 'a';
	path[URI_MAX + 1] = '\0'; /* one byte more */
	snprintf(request, sizeof(request), "GET %s HTTP/1.1\r\nHost: localhost\r\n\r\n", path);
	struct rejected uri = {"target of uri_max_bytes + 1", request, 414, NULL};
	expect_rejected(&p, &uri);
	snprintf(request, sizeof(request), "GET %s", path);
	struct rejected partial = {"unfinished target of uri_max_bytes + 1", request, 414, NULL};
	expect_rejected(&p, &partial);
	/* An unfinished head of HEAD_MAX bytes (its line of 'b's has no end). */
	int n = snprintf(request, sizeof(request), "GET / HTTP/1.1\r\nHost: localhost\r\nX-B: ");
	memset(request + n, 'b', (size_t)(HEAD_MAX - n));
	request[HEAD_MAX] = '\0';
	struct rejected big = {"unfinished head of header_max_bytes", request, 431, NULL};
	expect_rejected(&p, &big);
	/* One byte less: no answer yet, and the connection stays open. */
	request[HEAD_MAX - 1] = '\0';
	int fd = child_connect(&p);
	http_send_text(fd, request);
	struct pollfd pfd = {.fd = fd, .events = POLLIN};
	cr_expect_eq(poll(&pfd, 1, 300), 0, "an unfinished head below the limit was answered");
	close(fd);
	finish(&p);
}

/* A method libhttp-parser does not know is 405 when it is a token (any
 * tchar: letters, every digit, the specials), 400 when it holds a byte
 * that is not one (RFC 9110 5.6.2). */
Test(http, unknown_methods_are_405_if_tokens_else_400)
{
	const struct rejected table[] = {
	        {"digits", "X0123456789 / HTTP/1.1\r\nHost: localhost\r\n\r\n", 405, "GET, HEAD"},
	        {"specials", "X!#$%&'*+-.^_`|~ / HTTP/1.1\r\nHost: localhost\r\n\r\n", 405,
	         "GET, HEAD"},
	        {"colon", "X:Y / HTTP/1.1\r\nHost: localhost\r\n\r\n", 400, NULL},
	        {"slash", "X/Y / HTTP/1.1\r\nHost: localhost\r\n\r\n", 400, NULL},
	        {"at", "X@Y / HTTP/1.1\r\nHost: localhost\r\n\r\n", 400, NULL},
	};
	struct child_proc p;
	start_default(&p);
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		expect_rejected(&p, &table[i]);
	finish(&p);
}
