/*
 * The GUI's endpoints in the real child, under its real seccomp filter,
 * over real loopback sockets: every endpoint's status, type and fields,
 * JSON that parses whatever the log text holds, the assets' gzip copies,
 * ETags and 304s, the metrics format, and the event stream (status on
 * connect, a log line sent by the parent arriving as an event, resuming
 * with Last-Event-ID). Every test ends by checking the child reported no
 * violation and drains on shutdown. The JSON writer's escaping is also
 * checked on its own.
 */
#include "gui_client.h"
#include "json_check.h"
#include "child/json.h"
#include "child/rate.h"

#include <criterion/criterion.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* ---- Helpers ------------------------------------------------------------------ */

static void expect_json(const struct http_response *r)
{
	char type[128] = "";
	cr_expect(http_header(r, "Content-Type", type, sizeof(type)));
	cr_expect_str_eq(type, "application/json; charset=utf-8");
	cr_expect(json_valid(r->body, r->body_length), "not valid JSON: %.*s", (int)r->body_length,
	          r->body);
}

static void expect_body_has(const struct http_response *r, const char *needle)
{
	cr_expect(strstr(r->body, needle) != NULL, "%s missing from: %.3000s", needle, r->body);
}

/* Waits until the child has applied the status snapshot. */
static void start_with_status(struct child_proc *p)
{
	struct http_response r;
	gui_start(p);
	gui_send_status(p, 2);
	for (int i = 0; i < 100; i++) {
		gui_request(p, "GET", "/api/status", NULL, &r);
		if (strstr(r.body, "\"parent\":{") != NULL)
			return;
		http_msleep(20);
	}
	cr_assert_fail("the status snapshot never showed: %s", r.body);
}

/* Waits until /api/logs shows `needle`. */
static void wait_for_log(struct child_proc *p, const char *needle)
{
	struct http_response r;
	for (int i = 0; i < 100; i++) {
		gui_request(p, "GET", "/api/logs", NULL, &r);
		if (strstr(r.body, needle) != NULL)
			return;
		http_msleep(20);
	}
	cr_assert_fail("%s never reached the log ring: %.2000s", needle, r.body);
}

/* ---- The JSON writer ------------------------------------------------------------ */

Test(json, escapes_everything_into_valid_json)
{
	char buf[256];
	struct json j;
	static const char nasty[] = "a\"b\\c\n\x01\x7f\xff\xc3\xa9\xed\xa0\x80\xf0\x9f\x98\x80z";
	json_init(&j, buf, sizeof(buf));
	json_object_begin(&j);
	json_field_string(&j, "t", nasty, sizeof(nasty) - 1);
	json_field_u64(&j, "n", 18446744073709551615ull);
	json_key(&j, "a");
	json_array_begin(&j);
	json_i64(&j, -5);
	json_bool(&j, true);
	json_null(&j);
	json_array_end(&j);
	json_object_end(&j);
	cr_assert(json_ok(&j));
	cr_expect(json_valid(j.data, j.length), "%.*s", (int)j.length, j.data);
	buf[j.length] = '\0';
	cr_expect_str_eq(buf, "{\"t\":\"a\\\"b\\\\c\\n\\u0001\\u007f\\ufffd\xc3\xa9\\ufffd\\ufffd"
	                      "\\ufffd\xf0\x9f\x98\x80z\",\"n\":18446744073709551615,"
	                      "\"a\":[-5,true,null]}");
}

Test(json, overflow_is_reported_not_written_past)
{
	char buf[8];
	struct json j;
	json_init(&j, buf, sizeof(buf));
	json_cstring(&j, "longer than eight");
	cr_expect(!json_ok(&j));
	cr_expect_leq(j.length, sizeof(buf));
}

/* ---- The endpoints ------------------------------------------------------------------ */

Test(api, status_has_the_parent_snapshot_and_the_child_figures)
{
	struct child_proc p;
	struct http_response r;
	start_with_status(&p);
	cr_expect_eq(gui_request(&p, "GET", "/api/status", NULL, &r), 200);
	expect_json(&r);
	expect_body_has(&r, "\"state\":\"running\"");
	expect_body_has(&r, "\"restarts\":2");
	expect_body_has(
	        &r,
	        "\"reason\":\"violation\",\"code\":101,\"outage_ms\":1500,\"detail\":\"ptrace\"");
	expect_body_has(&r, "\"ends_by_reason\":{\"exit\":1,\"signal\":0,\"violation\":1,");
	expect_body_has(
	        &r,
	        "\"trace\":{\"file\":\"/var/log/warden/ipc.trace\",\"records\":77,\"dropped\":1,");
	expect_body_has(&r, "\"detail\":\"exit \\\"3\\\"\"");
	expect_body_has(&r, "\"messages_in\":42");
	expect_body_has(&r, "\"claimed\":[\"seccomp\",\"no_new_privs\",\"caps_dropped\"");
	expect_body_has(&r, "\"attested_flags\":3,\"attested\":[\"seccomp\",\"no_new_privs\"],"
	                    "\"unattested\":[\"caps_dropped\"");
	expect_body_has(&r, "\"generation\":1");
	expect_body_has(&r, "\"memory\":{\"used\":");
	expect_body_has(&r, "\"connections_open\":1");
	cr_expect(strstr(r.body, "\"policy_instructions\":0") == NULL, "%s", r.body);
	/* The header's facts: read at boot, before the child's own UTS
	 * namespace and its filter. */
	char host[80], facts[256];
	cr_assert_eq(gethostname(host, sizeof(host)), 0);
	snprintf(facts, sizeof(facts),
	         "\"version\":\"%s\",\"host\":\"%s\",\"listen\":\"127.0.0.1:%d\"", WARDEN_VERSION,
	         host, p.port);
	expect_body_has(&r, facts);
	char cache[64];
	cr_expect(http_header(&r, "Cache-Control", cache, sizeof(cache)));
	cr_expect_str_eq(cache, "no-store");
	gui_finish(&p);
}

/* The status's request_rate: counts[i] is second start_s + i. */
struct request_rate {
	unsigned long long start_s;
	unsigned long long counts[RATE_SECONDS];
	unsigned long long requests; /* child.counters.requests, from the same document */
};

static void parse_request_rate(const char *body, struct request_rate *out)
{
	const char *p = strstr(body, "\"request_rate\":{\"start_s\":");
	cr_assert_not_null(p, "no request_rate in %.1000s", body);
	char *end;
	out->start_s = strtoull(p + 26, &end, 10);
	cr_assert(strncmp(end, ",\"counts\":[", 11) == 0, "%.200s", p);
	p = end + 11;
	for (int i = 0; i < RATE_SECONDS; i++) {
		out->counts[i] = strtoull(p, &end, 10);
		cr_assert(end > p && *end == (i + 1 < RATE_SECONDS ? ',' : ']'), "count %d: %.40s",
		          i, p);
		p = end + 1;
	}
	p = strstr(body, "\"requests\":");
	cr_assert_not_null(p);
	out->requests = strtoull(p + 11, NULL, 10);
}

/* CLOCK_REALTIME, as the child reads it (time() may lag it by a tick). */
static unsigned long long realtime_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (unsigned long long)ts.tv_sec;
}

/* Waits for the start of the next second (and 50 ms more); returns it. */
static unsigned long long next_second(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	http_msleep((unsigned)(1000 - ts.tv_nsec / 1000000) + 50);
	return realtime_s();
}

Test(api, request_rate_counts_each_second)
{
	struct child_proc p;
	struct http_response r;
	struct request_rate rate;
	unsigned long long second = 0;
	gui_start(&p);
	/* Seven requests within one second (retried if the second ran out). */
	for (int attempt = 0; attempt < 5 && second == 0; attempt++) {
		unsigned long long s = next_second();
		for (int i = 0; i < 7; i++)
			cr_expect_eq(gui_request(&p, "GET", "/healthz", NULL, &r), 200);
		if (realtime_s() == s)
			second = s;
	}
	cr_assert_neq(second, 0, "no second was long enough for seven requests");
	next_second();
	cr_expect_eq(gui_request(&p, "GET", "/api/status", NULL, &r), 200);
	expect_json(&r);
	parse_request_rate(r.body, &rate);
	unsigned long long now = realtime_s();
	/* The window ends at the status's own second. */
	cr_expect(rate.start_s + RATE_SECONDS - 1 >= now - 1 &&
	                  rate.start_s + RATE_SECONDS - 1 <= now,
	          "start_s %llu, now %llu", rate.start_s, now);
	cr_assert(second >= rate.start_s && second < rate.start_s + RATE_SECONDS);
	cr_expect_eq(rate.counts[second - rate.start_s], 7, "second %llu counted %llu", second,
	             rate.counts[second - rate.start_s]);
	/* The status request itself is in the current second: the last. */
	cr_expect_geq(rate.counts[RATE_SECONDS - 1], 1);
	/* The child is younger than the window: every request it got is in
	 * it, as the total counts them. */
	unsigned long long sum = 0;
	for (int i = 0; i < RATE_SECONDS; i++)
		sum += rate.counts[i];
	cr_expect_eq(sum, rate.requests, "window %llu, requests %llu", sum, rate.requests);
	gui_finish(&p);
}

Test(api, status_before_any_snapshot_says_null)
{
	struct child_proc p;
	struct http_response r;
	gui_start(&p);
	cr_expect_eq(gui_request(&p, "GET", "/api/status", NULL, &r), 200);
	expect_json(&r);
	expect_body_has(&r, "\"parent\":null");
	gui_finish(&p);
}

Test(api, logs_are_escaped_filtered_and_validated)
{
	struct child_proc p;
	struct http_response r;
	static const char text[] = "nasty \"quoted\" back\\slash\nnew line \x01 \xff end";
	gui_start(&p);
	gui_send_log(&p, IPC_LOG_WARNING, text, sizeof(text) - 1);
	wait_for_log(&p, "nasty");
	cr_expect_eq(gui_request(&p, "GET", "/api/logs", NULL, &r), 200);
	expect_json(&r);
	cr_expect_eq(r.body[0], '[');
	/* The logger escaped the line; JSON escapes the logger's escapes. */
	expect_body_has(&r, "\"level\":\"warning\",\"origin\":\"parent\",\"text\":\"nasty "
	                    "\\\"quoted\\\" back\\\\\\\\slash\\\\nnew line \\\\x01 \\\\xff end\"");
	expect_body_has(&r, "\"origin\":\"child[1]\"");
	/* Access lines are marked for the page's filter; the parent's line is
	 * not one. */
	expect_body_has(&r, "end\",\"truncated\":false,\"access\":false}");
	expect_body_has(&r, "\"origin\":\"child[1]\",\"text\":\"http #");
	expect_body_has(&r, "\"access\":true}");
	cr_expect_eq(gui_request(&p, "GET", "/api/logs?level=warning", NULL, &r), 200);
	expect_json(&r);
	cr_expect(strstr(r.body, "\"level\":\"INFO\"") == NULL, "%s", r.body);
	expect_body_has(&r, "nasty");
	cr_expect_eq(gui_request(&p, "GET", "/api/logs?since=100000", NULL, &r), 200);
	cr_expect_str_eq(r.body, "[]");
	cr_expect_eq(gui_request(&p, "GET", "/api/logs?since=1&limit=1&level=DEBUG", NULL, &r),
	             200);
	expect_json(&r);
	expect_body_has(&r, "[{\"id\":2,");
	static const char *const bad[] = {
	        "/api/logs?since=abc",   "/api/logs?since=-1",
	        "/api/logs?level=loud",  "/api/logs?limit=0",
	        "/api/logs?limit=99999", "/api/logs?x=1",
	        "/api/logs?since=",      "/api/logs?since=99999999999999999999999",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_expect_eq(gui_request(&p, "GET", bad[i], NULL, &r), 400, "%s", bad[i]);
		expect_body_has(&r, "bad request: ");
	}
	gui_finish(&p);
}

Test(api, policy_names_its_text_and_parameters)
{
	struct child_proc p;
	struct http_response r;
	gui_start(&p);
	cr_expect_eq(gui_request(&p, "GET", "/api/policy", NULL, &r), 200);
	expect_json(&r);
	expect_body_has(&r, "\"ipc_fd\":3,\"logfile_fd\":4,\"gui_socket_fd\":5,\"epoll_fd\":");
	expect_body_has(&r, "\"first_client_fd\":");
	expect_body_has(&r, "\"fd_limit\":");
	expect_body_has(&r, "\"enforced\":true");
	expect_body_has(&r, "\"deny_action\":\"trap\"");
	expect_body_has(&r, "accept4: (and (eq (arg 0) gui_socket_fd)\\n");
	cr_expect(strstr(r.body, "\"instructions\":0,") == NULL, "%s", r.body);
	gui_finish(&p);
}

/* The parent's reports, one per shape, replaced by the later count of the
 * same shape; summed by syscall and action on /metrics. */
Test(api, violations_are_the_parents_reports)
{
	struct child_proc p;
	struct http_response r;
	gui_start(&p);
	cr_expect_eq(gui_request(&p, "GET", "/api/violations", NULL, &r), 200);
	expect_json(&r);
	expect_body_has(&r, "{\"mode\":\"enforce\",\"deny_action\":\"trap\",\"violations\":[]}");
	gui_send_report(&p, 1, 1, IPC_DENY_COMPLAIN);
	gui_send_report(&p, 2, 4, IPC_DENY_COMPLAIN);
	gui_send_report(&p, 1, 2, IPC_DENY_COMPLAIN);
	for (int i = 0; i < 100 && !strstr(r.body, "\"count\":2"); i++) {
		usleep(20 * 1000);
		gui_request(&p, "GET", "/api/violations", NULL, &r);
	}
	expect_json(&r);
	expect_body_has(&r, "\"shape\":1,\"syscall\":\"fsync\",\"nr\":74,\"count\":2,");
	expect_body_has(&r, "\"shape\":2,");
	expect_body_has(&r,
	                "\"explanation\":\"fsync(0): denied: arg 0 is 0; the rule at child.policy "
	                "(built in):40 allows arg 0 = logfile_fd \\\"quoted\\\"\"");
	expect_body_has(&r, "\"call\":\"nr=74 arch=0xc000003e args=0x0,0x0,0x0,0x0,0x0,0x0 "
	                    "ip=0x7f0000001234\"");
	cr_expect_eq(gui_request(&p, "GET", "/metrics", NULL, &r), 200);
	expect_body_has(
	        &r, "\nwarden_violation_calls_total{syscall=\"fsync\",action=\"complain\"} 6\n");
	expect_body_has(&r, "\nwarden_sandbox_complain 0\n");
	gui_finish(&p);
}

Test(api, healthz_and_not_found)
{
	struct child_proc p;
	struct http_response r;
	gui_start(&p);
	cr_expect_eq(gui_request(&p, "GET", "/healthz", NULL, &r), 200);
	cr_expect_str_eq(r.body, "ok\n");
	cr_expect_eq(gui_request(&p, "GET", "/assets/nothing.js", NULL, &r), 404);
	cr_expect_eq(gui_request(&p, "GET", "/api", NULL, &r), 404);
	gui_finish(&p);
}

static void expect_asset(const struct child_proc *p, const char *path, const char *type)
{
	struct http_response r;
	char value[256], etag[128], etag_gz[128], extra[256];
	cr_assert_eq(gui_request(p, "GET", path, NULL, &r), 200, "%s", path);
	cr_expect(http_header(&r, "Content-Type", value, sizeof(value)));
	cr_expect_str_eq(value, type);
	cr_expect(http_header(&r, "Cache-Control", value, sizeof(value)));
	cr_expect_str_eq(value, "no-cache");
	cr_expect(!http_header(&r, "Content-Encoding", value, sizeof(value)));
	cr_assert(http_header(&r, "ETag", etag, sizeof(etag)), "%s: no ETag", path);
	cr_expect(etag[0] == '"' && etag[strlen(etag) - 1] == '"', "not a strong tag: %s", etag);
	size_t plain = r.body_length;
	/* The gzip copy: its own tag, smaller, and a gzip stream. */
	cr_assert_eq(gui_request(p, "GET", path, "Accept-Encoding: gzip, deflate, br\r\n", &r),
	             200);
	cr_expect(http_header(&r, "Content-Encoding", value, sizeof(value)), "%s not gzipped",
	          path);
	cr_expect_str_eq(value, "gzip");
	cr_expect(http_header(&r, "Vary", value, sizeof(value)));
	cr_expect_str_eq(value, "Accept-Encoding");
	cr_expect(http_header(&r, "ETag", etag_gz, sizeof(etag_gz)));
	cr_expect_str_neq(etag_gz, etag);
	cr_expect_lt(r.body_length, plain);
	cr_expect(r.body_length > 2 && (unsigned char)r.body[0] == 0x1f &&
	          (unsigned char)r.body[1] == 0x8b);
	/* Revalidation: 304, no body, same tag. */
	snprintf(extra, sizeof(extra), "If-None-Match: W/\"nope\", %s\r\n", etag);
	cr_expect_eq(gui_request(p, "GET", path, extra, &r), 304, "%s with %s", path, etag);
	cr_expect_eq(r.body_length, 0);
	cr_expect(!http_header(&r, "Content-Length", value, sizeof(value)),
	          "a 304 carries no Content-Length (RFC 9110 8.6)");
	cr_expect(http_header(&r, "ETag", value, sizeof(value)));
	cr_expect_str_eq(value, etag);
	snprintf(extra, sizeof(extra), "If-None-Match: %s\r\nAccept-Encoding: gzip\r\n", etag_gz);
	cr_expect_eq(gui_request(p, "GET", path, extra, &r), 304);
	cr_expect_eq(gui_request(p, "GET", path, "If-None-Match: \"other\"\r\n", &r), 200);
	/* HEAD: the headers of the GET, no body. */
	cr_expect_eq(gui_request(p, "HEAD", path, NULL, &r), 200);
	cr_expect_eq(r.body_length, 0);
	cr_expect(http_header(&r, "Content-Length", value, sizeof(value)));
	cr_expect_eq(strtoul(value, NULL, 10), plain);
}

Test(api, assets_gzip_etag_and_304)
{
	struct child_proc p;
	gui_start(&p);
	expect_asset(&p, "/", "text/html; charset=utf-8");
	expect_asset(&p, "/assets/app.js", "text/javascript; charset=utf-8");
	expect_asset(&p, "/assets/style.css", "text/css; charset=utf-8");
	struct http_response r;
	cr_expect_eq(gui_request(&p, "GET", "/", NULL, &r), 200);
	expect_body_has(&r, "<script src=\"/assets/app.js\"");
	cr_expect(strstr(r.body, "<script>") == NULL, "inline script: CSP forbids it");
	cr_expect(strstr(r.body, "style=") == NULL, "inline style: CSP forbids it");
	gui_finish(&p);
}

/* Every line is a comment (HELP, TYPE) or a sample; every sample's family
 * was introduced by HELP and TYPE lines. */
Test(api, metrics_are_prometheus_text)
{
	struct child_proc p;
	struct http_response r;
	regex_t sample_re, help_re, type_re;
	cr_assert_eq(
	        regcomp(&sample_re,
	                "^([a-z_]+)(\\{[a-z_]+=\"[a-z0-9_.]+\"(,[a-z_]+=\"[a-z0-9_.]+\")*\\})? "
	                "[0-9]+(\\.[0-9]+)?$",
	                REG_EXTENDED),
	        0);
	cr_assert_eq(regcomp(&help_re, "^# HELP [a-z_]+ [^\n]+$", REG_EXTENDED), 0);
	cr_assert_eq(regcomp(&type_re, "^# TYPE ([a-z_]+) (counter|gauge)$", REG_EXTENDED), 0);
	start_with_status(&p);
	cr_expect_eq(gui_request(&p, "GET", "/metrics", NULL, &r), 200);
	char type[128];
	cr_expect(http_header(&r, "Content-Type", type, sizeof(type)));
	cr_expect_str_eq(type, "text/plain; version=0.0.4; charset=utf-8");
	char family[128] = "";
	unsigned samples = 0;
	for (char *save, *line = strtok_r(r.body, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		regmatch_t m[3];
		if (regexec(&type_re, line, 3, m, 0) == 0) {
			snprintf(family, sizeof(family), "%.*s", (int)(m[1].rm_eo - m[1].rm_so),
			         line + m[1].rm_so);
			continue;
		}
		if (regexec(&help_re, line, 0, NULL, 0) == 0)
			continue;
		cr_assert_eq(regexec(&sample_re, line, 3, m, 0), 0, "not a sample: %s", line);
		cr_expect(strncmp(line, family, strlen(family)) == 0 &&
		                  (line[strlen(family)] == ' ' || line[strlen(family)] == '{'),
		          "%s outside its family %s", line, family);
		samples++;
	}
	cr_expect_gt(samples, 30);
	cr_expect_eq(gui_request(&p, "GET", "/metrics", NULL, &r), 200);
	expect_body_has(&r, "\nwarden_restarts_total{reason=\"violation\"} 1\n");
	expect_body_has(&r, "\nwarden_restarts_total{reason=\"reload\"} 4\n");
	expect_body_has(&r, "\nwarden_build_info{version=\"" WARDEN_VERSION "\"} 1\n");
	expect_body_has(&r, "\nwarden_parent_start_time_seconds ");
	expect_body_has(&r, "\nwarden_child_start_time_seconds ");
	cr_expect(strstr(r.body, "uptime") == NULL, "an uptime gauge: timestamps instead");
	/* The counters carried over from earlier generations, and the trace. */
	expect_body_has(&r, "\nwarden_trace_records_total 77\n");
	expect_body_has(&r, "\nwarden_trace_dropped_total 1\n");
	expect_body_has(&r, "\nwarden_trace_rotations_total 2\n");
	expect_body_has(&r, "\nwarden_violations_total 3\n");
	expect_body_has(&r, "\nwarden_http_connections_open 1\n");
	expect_body_has(&r, "\nwarden_ipc_messages_total{direction=\"in\"} 42\n");
	expect_body_has(&r, "\nwarden_http_responses_total{code=\"2xx\"} 99");
	expect_body_has(&r, "\nwarden_http_requests_total 100");
	expect_body_has(&r, "\nwarden_log_write_errors_total{class=\"nospc\"} 0\n");
	expect_body_has(&r, "\nwarden_memory_reserved_bytes ");
	/* Claimed inside; the fake parent saw seccomp and no_new_privs only. */
	expect_body_has(&r, "\nwarden_sandbox_protection{name=\"seccomp\",seen=\"inside\"} 1\n");
	expect_body_has(&r, "\nwarden_sandbox_protection{name=\"seccomp\",seen=\"outside\"} 1\n");
	expect_body_has(&r,
	                "\nwarden_sandbox_protection{name=\"caps_dropped\",seen=\"inside\"} 1\n");
	expect_body_has(&r,
	                "\nwarden_sandbox_protection{name=\"caps_dropped\",seen=\"outside\"} 0\n");
	regfree(&sample_re);
	regfree(&help_re);
	regfree(&type_re);
	gui_finish(&p);
}

/* promtool, Prometheus's own checker, finds nothing to say of /metrics
 * (names, types, HELP, units, label values). It must be installed
 * (scripts/setup --test): a missing promtool fails the test. */
Test(api, metrics_pass_promtool_check)
{
	struct child_proc p;
	struct http_response r;
	start_with_status(&p);
	cr_assert_eq(gui_request(&p, "GET", "/metrics", NULL, &r), 200);
	char path[] = "/tmp/warden-metrics-XXXXXX";
	int fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, r.body, strlen(r.body)), (ssize_t)strlen(r.body));
	close(fd);
	char command[128], out[4096] = "";
	snprintf(command, sizeof(command), "promtool check metrics < %s 2>&1", path);
	FILE *pipe = popen(command, "r");
	cr_assert_not_null(pipe);
	size_t n = fread(out, 1, sizeof(out) - 1, pipe);
	out[n] = '\0';
	int status = pclose(pipe);
	unlink(path);
	cr_expect_eq(status, 0, "promtool (scripts/setup --test installs it) said:\n%s\n%s", out,
	             r.body);
	cr_expect_eq(n, 0, "promtool said:\n%s", out);
	gui_finish(&p);
}

/* ---- Event streams -------------------------------------------------------------- */

static char stream_buf[1 << 18];
static struct child_proc *stream_child; /* for failure messages */

/* Opens /api/events; returns the socket with the head and the first
 * status event read into stream_buf (length in *have). */
static int open_events(const struct child_proc *p, const char *extra, size_t *have)
{
	char request[512];
	snprintf(request, sizeof(request),
	         "GET /api/events HTTP/1.1\r\nHost: localhost\r\nAccept: "
	         "text/event-stream\r\n%s\r\n",
	         extra ? extra : "");
	int fd = child_connect(p);
	stream_child = (struct child_proc *)p;
	http_send_text(fd, request);
	*have = http_read_until(fd, stream_buf, sizeof(stream_buf), 0, 0, "}\n\n");
	cr_assert(strncmp(stream_buf, "HTTP/1.1 200 ", 13) == 0, "%s", stream_buf);
	cr_expect(strcasestr(stream_buf, "\r\nContent-Type: text/event-stream\r\n") != NULL);
	char *body = strstr(stream_buf, "\r\n\r\n");
	cr_assert_not_null(body);
	cr_expect(strncmp(body + 4, "retry: 2000\nevent: status\ndata: {", 33) == 0, "%s",
	          body + 4);
	return fd;
}

/* The id of the log event that carries `needle`, read after `from`. */
static unsigned long read_log_event(int fd, size_t *have, size_t from, const char *needle)
{
	*have = http_read_until(fd, stream_buf, sizeof(stream_buf), *have, from, needle);
	char *hit = strstr(stream_buf + from, needle);
	cr_assert_not_null(hit, "%s never arrived; stream: %s\nchild log: %s\nstderr: %s", needle,
	                   stream_buf + from, child_log(stream_child), child_stderr(stream_child));
	/* Back to the event's start: "event: log\nid: N\ndata: {...needle...}" */
	char *event = hit;
	while (event > stream_buf && strncmp(event, "event: log\nid: ", 15) != 0)
		event--;
	cr_assert(event > stream_buf, "no event around %s", needle);
	char *data = strstr(event, "\ndata: ");
	char *end = strstr(hit, "\n\n");
	cr_assert(data != NULL && end != NULL);
	cr_expect(json_valid(data + 7, (size_t)(end - data - 7)), "%.*s", (int)(end - data - 7),
	          data + 7);
	return strtoul(event + 15, NULL, 10);
}

Test(api, events_stream_status_and_new_log_lines_and_resume)
{
	struct child_proc p;
	size_t have;
	start_with_status(&p);
	int fd = open_events(&p, NULL, &have);
	cr_expect(strstr(stream_buf, "\"restarts\":2") != NULL, "%s", stream_buf);
	/* A line the parent logs now reaches the open stream. */
	gui_send_log(&p, IPC_LOG_NOTICE, "sse-marker-one", 14);
	unsigned long first = read_log_event(fd, &have, 0, "sse-marker-one");
	cr_expect_gt(first, 0);
	/* A new snapshot is pushed at once, not only on the next second. */
	size_t mark = have;
	gui_send_status(&p, 7);
	have = http_read_until(fd, stream_buf, sizeof(stream_buf), have, mark, "\"restarts\":7");
	cr_expect(strstr(stream_buf + mark, "event: status\ndata: {") != NULL);
	cr_expect(strstr(stream_buf + mark, "\"restarts\":7") != NULL);
	close(fd);
	/* Resuming after `first`: only newer lines. */
	gui_send_log(&p, IPC_LOG_NOTICE, "sse-marker-two", 14);
	char extra[64];
	snprintf(extra, sizeof(extra), "Last-Event-ID: %lu\r\n", first);
	fd = open_events(&p, extra, &have);
	unsigned long second = read_log_event(fd, &have, 0, "sse-marker-two");
	cr_expect_gt(second, first);
	cr_expect(strstr(stream_buf, "sse-marker-one") == NULL, "resent an old line: %s",
	          stream_buf);
	char id_line[40];
	snprintf(id_line, sizeof(id_line), "\nid: %lu\n", first);
	cr_expect(strstr(stream_buf, id_line) == NULL);
	close(fd);
	/* A new client gets the recent backlog, the first marker included. */
	fd = open_events(&p, NULL, &have);
	read_log_event(fd, &have, 0, "sse-marker-one");
	close(fd);
	gui_finish(&p);
}

Test(api, events_from_an_earlier_generation_resume_from_the_oldest_line)
{
	struct child_proc p;
	size_t have;
	gui_start(&p);
	gui_send_log(&p, IPC_LOG_INFO, "generation-marker", 17);
	int fd = open_events(&p, "Last-Event-ID: 999999\r\n", &have);
	read_log_event(fd, &have, 0, "generation-marker");
	close(fd);
	fd = open_events(&p, "Last-Event-ID: not-a-number\r\n", &have);
	read_log_event(fd, &have, 0, "generation-marker");
	close(fd);
	struct http_response r;
	cr_expect_eq(gui_request(&p, "GET", "/api/events?level=loud", NULL, &r), 400);
	cr_expect_eq(gui_request(&p, "HEAD", "/api/events", NULL, &r), 200);
	cr_expect_eq(r.body_length, 0);
	gui_finish(&p);
}

Test(api, events_level_filter)
{
	struct child_proc p;
	size_t have;
	gui_start(&p);
	char request[] = "GET /api/events?level=error HTTP/1.1\r\nHost: localhost\r\n\r\n";
	int fd = child_connect(&p);
	stream_child = &p;
	http_send_text(fd, request);
	have = http_read_until(fd, stream_buf, sizeof(stream_buf), 0, 0, "}\n\n");
	gui_send_log(&p, IPC_LOG_INFO, "filtered-out-line", 17);
	gui_send_log(&p, IPC_LOG_ERROR, "error-line", 10);
	read_log_event(fd, &have, 0, "error-line");
	cr_expect(strstr(stream_buf, "filtered-out-line") == NULL);
	close(fd);
	gui_finish(&p);
}
