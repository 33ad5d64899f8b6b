/*
 * The standby child (supervise.standby = true, the default), with the real
 * parent and the test build of the child: however the serving child ends
 * (SIGKILL, SIGSEGV, a sandbox violation, a hang, malformed IPC) under
 * keep-alive load, which loses at most one request per connection, the
 * standby serves in its place (the new serving pid is the old standby's)
 * and a new standby starts; a standby killed or hung alone is replaced
 * with no effect on service; both killed again and again back off and end
 * in the burst action; a reload's generation takes over, never the standby
 * of the configuration before it, and wrk's keep-alive connections meet no
 * socket error across reloads; and many failovers leave the parent's
 * descriptors and memory where they were.
 */
#include "daemon_harness.h"
#include "child/sandbox.h"
#include "http_client.h"
#include "open_fds.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { BOOT_MS = 10000 };

static const char *const standby_on[] = {"supervise.standby=true", NULL};

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Waits for generation `number`'s standing-by line; returns its pid. */
static pid_t wait_standby(struct daemon *d, unsigned number)
{
	char needle[64];
	snprintf(needle, sizeof(needle), "child generation %u standing by: pid ", number);
	cr_assert(daemon_wait_log(d, needle, 1, BOOT_MS), "no '%s'; log:\n%s", needle,
	          daemon_log(d));
	return daemon_standby_pid(d, number);
}

/* Generation 1 serves and generation 2 stands by. */
static void start_with_standby(struct daemon *d, const char *const *settings)
{
	daemon_start(d, settings != NULL ? settings : standby_on);
	cr_assert(daemon_wait_log(d, "child generation 1 ready", 1, BOOT_MS), "log:\n%s",
	          daemon_log(d));
	wait_standby(d, 2);
	cr_assert_eq(http_request(d->port, "GET", "/healthz", NULL, 5000, NULL), 200);
}

/* The pid /api/status says the parent sees serving ("child_pid"), once the
 * parent's snapshot names `want` (or after 5 s, whatever it names). */
static pid_t serving_pid(struct daemon *d, pid_t want)
{
	struct http_response r;
	pid_t pid = -1;
	for (int i = 0; i < 100 && pid != want; i++) {
		if (http_request(d->port, "GET", "/api/status", NULL, 3000, &r) == 200) {
			const char *p = strstr(r.body, "\"child_pid\":");
			pid = p != NULL ? (pid_t)atoi(p + 12) : -1;
		}
		if (pid != want)
			usleep(50 * 1000);
	}
	return pid;
}

/* Has generation `number` (pid `pid`) taken over from generation `from`? */
static bool took_over(struct daemon *d, unsigned number, pid_t pid, unsigned from)
{
	char needle[128];
	snprintf(needle, sizeof(needle),
	         "child generation %u (pid %d) took over from generation %u", number, (int)pid,
	         from);
	return daemon_wait_log(d, needle, 1, BOOT_MS);
}

/* ---- Load while the serving child ends ---------------------------------------------- */

enum { KEEP_ALIVE_CONNECTIONS = 8 };

/* One request on the kept-alive connection `*fd` (a new one when it is
 * -1). Returns false when it failed: the connection ended before a whole
 * response. A response with Connection: close ends the connection, as the
 * client then must. */
static bool keep_alive_request(int port, int *fd)
{
	static const char req[] = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
	struct http_response r;
	if (*fd < 0)
		*fd = http_connect(port, 5000);
	if (*fd < 0)
		return false;
	bool ok = http_send(*fd, req, sizeof(req) - 1) == 0 &&
	          http_read_response(*fd, NULL, false, &r) && r.status == 200;
	if (!ok || http_has_header(&r, "Connection", "close")) {
		close(*fd);
		*fd = -1;
	}
	return ok;
}

/* Requests on KEEP_ALIVE_CONNECTIONS connections in turn until `stop` is
 * readable; exits with the number of failed requests (at most 100). */
static void keep_alive_client(int port, int stop)
{
	int fds[KEEP_ALIVE_CONNECTIONS], failed = 0, done = 0;
	struct pollfd p = {.fd = stop, .events = POLLIN};
	for (int i = 0; i < KEEP_ALIVE_CONNECTIONS; i++)
		fds[i] = -1;
	while (poll(&p, 1, 0) == 0) {
		for (int i = 0; i < KEEP_ALIVE_CONNECTIONS; i++, done++)
			failed += !keep_alive_request(port, &fds[i]);
	}
	fprintf(stderr, "keep-alive client: %d requests, %d failed\n", done, failed);
	_exit(failed > 100 ? 100 : failed);
}

/* The keep-alive client in a process of its own; *stop is the pipe end
 * that stops it. */
static pid_t start_keep_alive_client(int port, int *stop)
{
	int p[2];
	cr_assert(pipe(p) == 0);
	pid_t client = fork();
	cr_assert(client >= 0);
	if (client == 0) {
		close(p[1]);
		keep_alive_client(port, p[0]);
	}
	close(p[0]);
	*stop = p[1];
	return client;
}

/* Stops the client; the number of its requests that failed. */
static int stop_keep_alive_client(pid_t client, int stop)
{
	int status;
	close(stop);
	waitpid(client, &status, 0);
	cr_assert(WIFEXITED(status), "the keep-alive client died: 0x%x", status);
	return WEXITSTATUS(status);
}

/* The serving generation 1 is ended by `end` (a path of the test child's
 * misbehaviour, or NULL for a SIGKILL from outside) under the load of eight
 * keep-alive connections: generation 2, the standby, serves, the log
 * explains the end of 1, and generation 3 stands by. The load loses at
 * most the request in flight on each of its connections to the ended
 * child, and no connection is refused (a refused one would fail request
 * after request). */
static void expect_failover_after(const char *end, const char *explanation)
{
	struct daemon d;
	int stop;
	start_with_standby(&d, NULL);
	pid_t first = daemon_child_pid(&d, 1), standby = daemon_standby_pid(&d, 2);
	cr_assert(first > 0 && standby > 0 && first != standby);
	pid_t client = start_keep_alive_client(d.port, &stop);
	usleep(200 * 1000);
	if (end == NULL)
		cr_assert_eq(kill(first, SIGKILL), 0);
	else
		http_request(d.port, "GET", end, NULL, 3000, NULL);
	cr_assert(took_over(&d, 2, standby, 1), "no takeover after %s; log:\n%s",
	          end ? end : "SIGKILL", daemon_log(&d));
	cr_assert_eq(http_request(d.port, "GET", "/healthz", NULL, 5000, NULL), 200);
	cr_expect_eq(serving_pid(&d, standby), standby, "the old standby does not serve");
	cr_assert(daemon_wait_log(&d, explanation, 1, BOOT_MS), "no \"%s\":\n%s", explanation,
	          daemon_log(&d));
	pid_t next = wait_standby(&d, 3);
	cr_expect(next > 0 && next != standby && next != first);
	cr_expect(strstr(daemon_log(&d), "child generation 2 ready") == NULL,
	          "the standby booted again instead of serving: %s", daemon_log(&d));
	int failed = stop_keep_alive_client(client, stop);
	cr_expect_leq(failed, KEEP_ALIVE_CONNECTIONS,
	              "%d requests of the load failed: more than one per connection", failed);
	daemon_cleanup(&d);
}

Test(failover, after_sigkill)
{
	expect_failover_after(NULL, "ended (signal): SIGKILL");
}

Test(failover, after_sigsegv)
{
#ifdef UNDER_ASAN
	expect_failover_after("/test/segv", "ended (violation): ");
#else
	expect_failover_after("/test/segv", "ended (signal): SIGSEGV");
#endif
}

Test(failover, after_violation)
{
	expect_failover_after("/test/violation", "ended (violation): openat (syscall 257");
}

Test(failover, after_hang)
{
	expect_failover_after("/test/hang", "ended (heartbeat): no answer within 1000 ms");
}

Test(failover, after_malformed_ipc)
{
	expect_failover_after("/test/garbage", "ended (malformed)");
}

/* The standby killed, or stopped so that it misses its heartbeats: each
 * time it is replaced, and generation 1 serves throughout. */
Test(failover, standby_killed_or_hung_is_replaced)
{
	struct daemon d;
	start_with_standby(&d, NULL);
	pid_t first = daemon_child_pid(&d, 1);
	cr_assert_eq(kill(daemon_standby_pid(&d, 2), SIGKILL), 0);
	cr_assert_eq(http_request(d.port, "GET", "/healthz", NULL, 5000, NULL), 200);
	pid_t third = wait_standby(&d, 3);
	cr_assert(daemon_wait_log(&d, "child generation 2 (pid", 1, BOOT_MS));
	cr_assert_eq(kill(third, SIGSTOP), 0);
	for (int i = 0; i < 15; i++) { /* 1.5 s: past the heartbeat timeout */
		cr_assert_eq(http_request(d.port, "GET", "/healthz", NULL, 5000, NULL), 200);
		usleep(100 * 1000);
	}
	cr_assert(daemon_wait_log(&d, "ended (heartbeat): no answer within 1000 ms", 1, BOOT_MS),
	          "%s", daemon_log(&d));
	wait_standby(&d, 4);
	cr_expect_eq(serving_pid(&d, first), first);
	cr_expect_eq(kill(first, 0), 0, "generation 1 is gone");
	cr_expect(strstr(daemon_log(&d), "took over") == NULL, "%s", daemon_log(&d));
	daemon_cleanup(&d);
}

/* SIGKILLs a child program of `parent` (one whose /proc/PID/stat names
 * it), if it has one. Only warden-child*: under ASan the exiting parent's
 * leak check runs in a helper process of its own, and killing that would
 * hang the parent's exit. */
static void kill_a_child(pid_t parent)
{
	DIR *dir = opendir("/proc");
	struct dirent *e;
	cr_assert_not_null(dir);
	while ((e = readdir(dir)) != NULL) {
		char path[300];
		char comm[32];
		int pid, ppid;
		snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
		FILE *f = fopen(path, "r");
		if (f == NULL)
			continue;
		bool found = fscanf(f, "%d (%31[^)]) %*c %d", &pid, comm, &ppid) == 3 &&
		             ppid == parent && strncmp(comm, "warden-child", 12) == 0;
		fclose(f);
		if (found) {
			kill(pid, SIGKILL);
			break;
		}
	}
	closedir(dir);
}

/* Kills the parent's children, the serving one or the standby, one every
 * 30 ms: the starts back off and the burst limit ends the parent. */
Test(failover, both_killed_repeatedly_back_off_then_hit_the_burst_limit)
{
	struct daemon d;
	const char *const settings[] = {"supervise.standby=true",
	                                "supervise.restart_initial_ms=10",
	                                "supervise.restart_max_ms=80",
	                                "supervise.restart_factor=2",
	                                "supervise.burst_limit=5",
	                                "supervise.burst_window_ms=60000",
	                                NULL};
	start_with_standby(&d, settings);
	int status = -1;
	for (int round = 0; round < 300 && status == -1; round++) {
		kill_a_child(d.pid);
		usleep(30 * 1000);
		if (waitpid(d.pid, &status, WNOHANG) != d.pid)
			status = -1;
	}
	if (status != -1)
		d.exit_status = status;
	cr_assert(status != -1, "the parent did not give up; log:\n%s", daemon_log(&d));
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 1, "status 0x%x", status);
	const char *log = daemon_log(&d);
	/* 10, 20, 40, 80 ms: the delay reaches its maximum. */
	cr_expect(strstr(log, "restarting in 80 ms") || strstr(log, "standby starts in 80 ms"),
	          "no backoff:\n%s", log);
	cr_expect(strstr(log, "more than 5 restarts within 60000 ms") != NULL, "%s", log);
	daemon_cleanup(&d);
}

/* A reload's generation takes over, not the standby of the configuration
 * before it, which goes; the next standby runs the new configuration, as
 * it shows once it serves. */
Test(failover, reload_is_taken_over_by_a_new_generation_not_the_old_standby)
{
	struct daemon d;
	struct http_response r;
	const char *const before[] = {"supervise.standby=true", "server.max_connections=61", NULL};
	const char *const after[] = {"supervise.standby=true", "server.max_connections=62", NULL};
	start_with_standby(&d, before);
	pid_t old_standby = daemon_standby_pid(&d, 2);
	daemon_write_config(&d, after);
	daemon_signal(&d, SIGHUP);
	cr_assert(daemon_wait_log(&d, "child generation 3 ready", 1, BOOT_MS), "%s",
	          daemon_log(&d));
	cr_assert(daemon_wait_log(&d, "child generation 2 (pid", 1, BOOT_MS), "%s", daemon_log(&d));
	cr_expect(strstr(daemon_log(&d),
	                 "ended (reload): standby for the configuration before the reload") != NULL,
	          "%s", daemon_log(&d));
	cr_expect(strstr(daemon_log(&d), "took over") == NULL, "%s", daemon_log(&d));
	cr_expect_neq(kill(old_standby, 0), 0, "the old standby (pid %d) runs on",
	              (int)old_standby);
	pid_t next = wait_standby(&d, 4);
	cr_assert_eq(http_request(d.port, "GET", "/api/status", NULL, 3000, &r), 200);
	cr_expect(strstr(r.body, "\"max_connections\":62") != NULL, "%s", r.body);
	cr_assert_eq(kill(daemon_child_pid(&d, 3), SIGKILL), 0);
	cr_assert(took_over(&d, 4, next, 3), "%s", daemon_log(&d));
	cr_expect_eq(serving_pid(&d, next), next);
	cr_assert_eq(http_request(d.port, "GET", "/api/status", NULL, 3000, &r), 200);
	cr_expect(strstr(r.body, "\"max_connections\":62") != NULL, "%s", r.body);
	daemon_cleanup(&d);
}

/* ---- Many failovers ------------------------------------------------------------------ */

static long rss_kib(pid_t pid)
{
	char path[64], line[256];
	long kib = -1;
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "VmRSS: %ld kB", &kib) == 1)
			break;
	fclose(f);
	return kib;
}

/* Kills the serving generation `rounds` times, from generation `first` on:
 * each time a client connects right after the kill and must get a 200 from
 * the standby. Returns the requests that failed. */
static int fail_over(struct daemon *d, unsigned first, unsigned rounds, double *worst_ms)
{
	int failed = 0;
	for (unsigned i = 0; i < rounds; i++) {
		unsigned serving = first + i;
		pid_t standby = wait_standby(d, serving + 1);
		pid_t pid = serving == 1 ? daemon_child_pid(d, 1) : daemon_standby_pid(d, serving);
		cr_assert(pid > 0 && standby > 0, "generation %u: %s", serving, daemon_log(d));
		double t0 = now_ms();
		cr_assert_eq(kill(pid, SIGKILL), 0);
		failed += http_request(d->port, "GET", "/healthz", NULL, 5000, NULL) != 200;
		double took = now_ms() - t0;
		if (took > *worst_ms)
			*worst_ms = took;
	}
	return failed;
}

#ifdef UNDER_ASAN
enum { FAILOVERS = 200 };
#else
enum { FAILOVERS = 1000 };
#endif

Test(failover, many_failovers_serve_every_request_and_leak_nothing)
{
	struct daemon d;
	/* The lines of so many generations would fill the stderr pipe that
	 * nobody reads here: only ERROR and above go there. */
	const char *const settings[] = {
	        "supervise.standby=true",       "supervise.restart_max_ms=0",
	        "supervise.burst_limit=100000", "log.level=notice",
	        "log.stderr_level=error",       NULL};
	double worst = 0;
	start_with_standby(&d, settings);
	int failed = fail_over(&d, 1, 20, &worst); /* the parent's allocations settle */
	wait_standby(&d, 22);
	usleep(200 * 1000);
	int fds = open_fds_of(d.pid);
	long rss = rss_kib(d.pid);
	failed += fail_over(&d, 21, FAILOVERS, &worst);
	wait_standby(&d, 22 + FAILOVERS);
	usleep(200 * 1000);
	printf("%d failovers: parent %d -> %d descriptors, VmRSS %ld -> %ld KiB; slowest "
	       "kill-to-response %.2f ms\n",
	       FAILOVERS, fds, open_fds_of(d.pid), rss, rss_kib(d.pid), worst);
	cr_expect_eq(failed, 0, "%d requests failed", failed);
	cr_expect_eq(open_fds_of(d.pid), fds, "the parent's descriptors grew");
#ifndef UNDER_ASAN /* ASan's quarantine holds freed memory back: RSS grows regardless */
	cr_expect_leq(rss_kib(d.pid), rss + 256, "the parent's memory grew: %ld -> %ld KiB", rss,
	              rss_kib(d.pid));
#endif
	cr_expect_eq(daemon_log_count(&d, "took over from generation"), 20 + FAILOVERS);
	daemon_cleanup(&d);
}

/* ---- Reloads under keep-alive load ------------------------------------------------------ */

/* Reloads while eight keep-alive connections request without pause: the
 * draining generation answers each connection's next request with
 * Connection: close rather than closing it under the client; no request
 * fails. */
Test(failover, reloads_under_keep_alive_load_fail_no_request)
{
	struct daemon d;
	int stop;
	start_with_standby(&d, NULL);
	pid_t client = start_keep_alive_client(d.port, &stop);
	bool all_ready = true;
	for (int i = 1; i <= 6 && all_ready; i++) {
		usleep(300 * 1000);
		daemon_signal(&d, SIGHUP);
		all_ready = daemon_wait_log(&d, " ready: pid ", i + 1, BOOT_MS);
	}
	usleep(300 * 1000);
	int failed = stop_keep_alive_client(client, stop);
	cr_assert(all_ready, "a reload's generation was not ready: %s", daemon_log(&d));
	cr_assert_eq(failed, 0, "%d requests failed during six reloads", failed);
	daemon_cleanup(&d);
}

/* wrk -t1 -c8 keep-alive GET /healthz for `seconds` against `port`, its
 * report in `out` (a file the caller unlinks). Returns wrk's pid. */
static pid_t start_wrk(int port, int seconds, const char *out)
{
	char url[64], duration[16];
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/healthz", port);
	snprintf(duration, sizeof(duration), "%ds", seconds);
	pid_t pid = fork();
	cr_assert(pid >= 0);
	if (pid == 0) {
		FILE *f = freopen(out, "w", stdout);
		if (f == NULL)
			_exit(126);
		execlp("wrk", "wrk", "-t1", "-c8", "-d", duration, url, (char *)NULL);
		_exit(127);
	}
	return pid;
}

/* The same reloads under wrk, which counts what its connections met: each
 * reload's new generation takes over and the draining one closes every
 * connection with a Connection: close answer, so wrk reports no socket
 * error (connect, read, write or timeout) and no answer but 200. */
Test(failover, reloads_under_wrk_load_cost_no_socket_error, .timeout = 60)
{
	struct daemon d;
	char out[] = "/tmp/warden-wrk-XXXXXX", report[4096];
	int fd = mkstemp(out);
	/* A million access lines would only fill the disk: notice keeps the
	 * reload's own lines. */
	static const char *const settings[] = {"supervise.standby=true", "log.level=notice", NULL};
	cr_assert(fd >= 0);
	start_with_standby(&d, settings);
	pid_t wrk = start_wrk(d.port, 6, out);
	bool all_ready = true;
	for (int i = 1; i <= 4 && all_ready; i++) {
		usleep(900 * 1000);
		daemon_signal(&d, SIGHUP);
		all_ready = daemon_wait_log(&d, " ready: pid ", i + 1, BOOT_MS);
	}
	int status;
	waitpid(wrk, &status, 0);
	ssize_t n = read(fd, report, sizeof(report) - 1);
	report[n > 0 ? n : 0] = '\0';
	close(fd);
	unlink(out);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) != 127,
	          "wrk could not run (scripts/setup --test installs it)");
	cr_assert(all_ready, "a reload's generation was not ready: %s", daemon_log(&d));
	cr_assert(strstr(report, "Requests/sec:") != NULL, "no wrk report:\n%s", report);
	fprintf(stderr, "wrk across four reloads:\n%s", report);
	cr_expect(strstr(report, "Socket errors:") == NULL, "wrk met socket errors:\n%s", report);
	cr_expect(strstr(report, "Non-2xx") == NULL, "wrk had answers other than 2xx:\n%s", report);
	daemon_cleanup(&d);
}

/* ---- Continuity for the operator ------------------------------------------------------ */

/* The counters of /metrics an operator rates: they must never go down. */
static const char *const monotonic[] = {
        "warden_http_requests_total ",
        "warden_http_responses_total{code=\"2xx\"} ",
        "warden_http_connections_accepted_total ",
        "warden_http_received_bytes_total ",
        "warden_http_sent_bytes_total ",
        "warden_log_lines_total{level=\"notice\"} ",
        "warden_log_lines_total{level=\"warning\"} ",
};
enum { MONOTONIC = sizeof(monotonic) / sizeof(monotonic[0]) };

static uint64_t sample_of(const char *body, const char *name)
{
	char needle[128];
	snprintf(needle, sizeof(needle), "\n%s", name);
	const char *p = strstr(body, needle);
	cr_assert_not_null(p, "no %s in:\n%s", name, body);
	return strtoull(p + strlen(needle), NULL, 10);
}

/* /metrics from generation `generation`, once it serves; its counters. */
static void metrics_of(struct daemon *d, unsigned generation, uint64_t out[MONOTONIC])
{
	char want[64];
	struct http_response r;
	snprintf(want, sizeof(want), "\nwarden_child_generation %u\n", generation);
	bool found = false;
	for (int i = 0; i < 100 && !found; i++) {
		found = http_request(d->port, "GET", "/metrics", NULL, 3000, &r) == 200 &&
		        strstr(r.body, want) != NULL &&
		        strstr(r.body, "warden_parent_start_time_seconds") != NULL;
		if (!found)
			usleep(50 * 1000);
	}
	cr_assert(found, "generation %u never served /metrics; log:\n%s", generation,
	          daemon_log(d));
	for (size_t i = 0; i < MONOTONIC; i++)
		out[i] = sample_of(r.body, monotonic[i]);
}

/* Every counter of `after` at least its value in `before`, and requests
 * counting on. */
static void expect_no_decrease(const uint64_t before[MONOTONIC], const uint64_t after[MONOTONIC],
                               const char *what)
{
	for (size_t i = 0; i < MONOTONIC; i++)
		cr_expect_geq(after[i], before[i], "%s: %s went down from %llu to %llu", what,
		              monotonic[i], (unsigned long long)before[i],
		              (unsigned long long)after[i]);
	cr_expect_gt(after[0], before[0], "%s: requests stopped counting", what);
}

/* A few requests, then a pause for the parent to hear the counts in a pong
 * (heartbeats every 100 ms here): what a child counted after its last
 * pong is lost with it when it is killed (docs/operations.md). */
static void traffic(struct daemon *d, uint64_t seen[MONOTONIC], unsigned generation)
{
	for (int i = 0; i < 10; i++)
		cr_assert_eq(http_request(d->port, "GET", "/healthz", NULL, 3000, NULL), 200);
	metrics_of(d, generation, seen);
	usleep(400 * 1000);
}

/* The counters of /metrics count from the parent's start: a SIGKILL
 * failover and a reload (SIGHUP) take none back; and the new serving
 * child's log shows the end of the one it replaced. */
Test(failover, counters_never_go_down_across_a_failover_and_a_reload)
{
	struct daemon d;
	uint64_t before[MONOTONIC], after[MONOTONIC];
	struct http_response r;
	start_with_standby(&d, NULL);
	traffic(&d, before, 1);
	pid_t first = daemon_child_pid(&d, 1), standby = daemon_standby_pid(&d, 2);
	cr_assert_eq(kill(first, SIGKILL), 0);
	cr_assert(took_over(&d, 2, standby, 1), "%s", daemon_log(&d));
	metrics_of(&d, 2, after);
	expect_no_decrease(before, after, "after the failover");
	char ended[96];
	snprintf(ended, sizeof(ended), "child generation 1 (pid %d) ended (signal)", (int)first);
	cr_assert(daemon_wait_log(&d, ended, 1, BOOT_MS), "%s", daemon_log(&d));
	cr_assert_eq(http_request(d.port, "GET", "/api/logs?level=warning", NULL, 3000, &r), 200);
	cr_expect(strstr(r.body, ended) != NULL, "no '%s' in:\n%s", ended, r.body);
	wait_standby(&d, 3);
	traffic(&d, before, 2);
	daemon_signal(&d, SIGHUP);
	cr_assert(daemon_wait_log(&d, "child generation 4 ready", 1, BOOT_MS), "%s",
	          daemon_log(&d));
	metrics_of(&d, 4, after);
	expect_no_decrease(before, after, "after the reload");
	/* And once the one the reload replaced has ended. */
	cr_assert(daemon_wait_log(&d, "child generation 2 (pid", 1, BOOT_MS), "%s", daemon_log(&d));
	memcpy(before, after, sizeof(before));
	metrics_of(&d, 4, after);
	expect_no_decrease(before, after, "after the reload's drain");
	daemon_cleanup(&d);
}

/* With heartbeats a minute apart, the parent has heard no count from
 * generation 1 when a reload drains it: the drained child's answer to the
 * last ping, sent with the shutdown, carries the requests it served, and
 * the reload's generation counts on from them. */
Test(failover, a_reload_keeps_what_the_drained_generation_counted_since_its_last_pong)
{
	enum { REQUESTS = 200 };
	static const char *const settings[] = {"supervise.standby=true",
	                                       "supervise.heartbeat_interval_ms=60000",
	                                       "supervise.heartbeat_timeout_ms=120000", NULL};
	struct daemon d;
	uint64_t after[MONOTONIC];
	start_with_standby(&d, settings);
	for (int i = 0; i < REQUESTS; i++)
		cr_assert_eq(http_request(d.port, "GET", "/healthz", NULL, 3000, NULL), 200);
	daemon_signal(&d, SIGHUP);
	cr_assert(daemon_wait_log(&d, "child generation 3 ready", 1, BOOT_MS), "%s",
	          daemon_log(&d));
	cr_assert(daemon_wait_log(&d, "drained: exiting", 1, BOOT_MS), "%s", daemon_log(&d));
	cr_assert(daemon_wait_log(&d, "child generation 1 (pid", 1, BOOT_MS), "%s", daemon_log(&d));
	/* The parent's next status carries the sum (status_interval_ms, 1 s);
	 * the 20 requests of the wait do not make up for a loss. */
	for (int i = 0; i < 20; i++, usleep(100 * 1000)) {
		metrics_of(&d, 3, after);
		if (after[0] > REQUESTS)
			break;
	}
	cr_expect_gt(after[0], REQUESTS,
	             "generation 1's %d requests (and start's one) are lost: "
	             "%llu counted",
	             REQUESTS, (unsigned long long)after[0]);
	daemon_cleanup(&d);
}

/* Without a standby, the end of the serving child is logged while none
 * serves: the parent replays its recent WARNING+ records to the next, whose
 * /api/logs shows them; the log file has each once. */
Test(failover, the_next_child_shows_why_the_last_one_ended)
{
	const char *const standby_off[] = {"supervise.standby=false", NULL};
	struct daemon d;
	struct http_response r;
	uint64_t before[MONOTONIC], after[MONOTONIC];
	daemon_start(&d, standby_off);
	cr_assert(daemon_wait_log(&d, "child generation 1 ready", 1, BOOT_MS), "%s",
	          daemon_log(&d));
	traffic(&d, before, 1);
	pid_t first = daemon_child_pid(&d, 1);
	cr_assert_eq(kill(first, SIGKILL), 0);
	cr_assert(daemon_wait_log(&d, "child generation 2 ready", 1, BOOT_MS), "%s",
	          daemon_log(&d));
	metrics_of(&d, 2, after);
	expect_no_decrease(before, after, "after a restart");
	char ended[96];
	snprintf(ended, sizeof(ended), "child generation 1 (pid %d) ended (signal)", (int)first);
	cr_assert_eq(http_request(d.port, "GET", "/api/logs?level=warning", NULL, 3000, &r), 200);
	cr_expect(strstr(r.body, ended) != NULL, "no '%s' in:\n%s", ended, r.body);
	cr_expect_eq(daemon_log_count(&d, ended), 1, "%s", daemon_log(&d));
	/* The timeline: the end, its reason and how long none served. */
	cr_assert_eq(http_request(d.port, "GET", "/api/status", NULL, 3000, &r), 200);
	const char *end = strstr(r.body, "\"reason\":\"signal\",\"code\":9,\"outage_ms\":");
	cr_assert_not_null(end, "%s", r.body);
	unsigned long outage =
	        strtoul(end + strlen("\"reason\":\"signal\",\"code\":9,\"outage_ms\":"), NULL, 10);
	cr_expect_gt(outage, 0, "%s", r.body);
	cr_expect_lt(outage, BOOT_MS, "%s", r.body);
	daemon_cleanup(&d);
}
