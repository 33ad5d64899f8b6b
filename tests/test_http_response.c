/*
 * The response API of child/http_conn.c without sockets: a handler's header
 * name must be a token and its value free of control characters, or the
 * response is a 500 (a CR or LF there would split the response, a ':' in a
 * name forge another field). No request can reach these checks, since
 * every handler of the child sets fixed names and values: only a handler
 * written here can.
 */
#include "child/arena.h"
#include "child/http_conn.h"
#include "logger/logger.h"

#include <criterion/criterion.h>
#include <string.h>

/* The header each path sets. */
static const struct {
	const char *path, *name, *value;
	unsigned status;
} cases[] = {
        {"/name-colon", "X:Y", "v", 500},
        {"/name-space", "X Y", "v", 500},
        {"/name-crlf", "X\r\nY", "v", 500},
        {"/name-empty", "", "v", 500},
        {"/name-reserved", "Content-Length", "5", 500},
        {"/name-tokens", "X!#$%&'*+-.^_`|~0123456789az", "v", 200},
        {"/value-lf", "X-A", "a\nb", 500},
        {"/value-cr", "X-A", "a\rb", 500},
        {"/value-del", "X-A",
         "a\x7f"
         "b",
         500},
        {"/value-escape", "X-A",
         "a\x1b"
         "b",
         500},
        {"/value-tab", "X-A", "a\tb", 200},
        {"/value-utf8", "X-A", "caf\xc3\xa9", 200},
};

static void handler(void *ctx, const struct http_request *req, struct http_response *res)
{
	(void)ctx;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (req->path.length == strlen(cases[i].path) &&
		    memcmp(req->path.data, cases[i].path, req->path.length) == 0) {
			http_response_status(res, 200);
			http_response_header(res, cases[i].name, cases[i].value);
			http_response_body_static(res, "ok\n", 3);
			return;
		}
	}
	http_response_status(res, 404);
}

static struct arena arena;
static struct logger *logger;
static struct http_core core;

static void init(void)
{
	cr_assert_eq(arena_reserve(&arena, 16 << 20), 0);
	struct logger_config lc = {.log_fd = -1, .stderr_fd = -1, .ring_lines = 64};
	cr_assert_eq(logger_create(&logger, &lc), 0);
	struct server_config cfg = {
	        .listen_fd = -1,
	        .max_connections = 4,
	        .header_max_bytes = 1024,
	        .uri_max_bytes = 200,
	        .header_timeout_ms = 1000,
	        .idle_timeout_ms = 1000,
	        .send_timeout_ms = 1000,
	        .hosts = "localhost",
	        .handler = handler,
	        .arena = &arena,
	        .logger = logger,
	};
	cr_assert_eq(http_core_init(&core, &cfg), 0);
}

TestSuite(response_header, .init = init);

/* The status line of the response to GET `path`. */
static unsigned status_of(const char *path, char *head, size_t cap)
{
	struct http_conn conn;
	char request[256];
	int n = snprintf(request, sizeof(request), "GET %s HTTP/1.1\r\nHost: localhost\r\n\r\n",
	                 path);
	cr_assert_eq(http_conn_init(&core, &conn, 1), 0);
	cr_assert_leq((size_t)n, conn.in.capacity);
	memcpy(conn.in.data, request, (size_t)n);
	conn.in.length = (size_t)n;
	http_conn_process(&core, &conn);
	unsigned status = 0;
	cr_assert_gt(conn.out.length, 12, "no response to %s", path);
	cr_assert_eq(sscanf(conn.out.data, "HTTP/1.1 %u ", &status), 1, "%.*s",
	             (int)conn.out.length, conn.out.data);
	snprintf(head, cap, "%.*s", (int)conn.out.length, conn.out.data);
	http_conn_sent(&core, &conn, http_conn_pending(&conn));
	http_conn_free(&core, &conn);
	return status;
}

Test(response_header, names_must_be_tokens_and_values_free_of_controls)
{
	char head[2048];
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		unsigned status = status_of(cases[i].path, head, sizeof(head));
		cr_expect_eq(status, cases[i].status, "%s: %u\n%s", cases[i].path, status, head);
		if (cases[i].status == 200) {
			char line[256];
			snprintf(line, sizeof(line), "\r\n%s: %s\r\n", cases[i].name,
			         cases[i].value);
			cr_expect(strstr(head, line) != NULL, "%s: no %s in\n%s", cases[i].path,
			          cases[i].name, head);
		}
	}
}
