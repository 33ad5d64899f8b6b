/*
 * The real parent and child programs under supervision: every way a child
 * can end is noticed, classified, logged and followed by a new generation;
 * crash loops back off and hit the burst limit; SIGTERM drains; SIGHUP
 * moves the log to a new file; clients never see a refused connection
 * while children are killed; restarts leak nothing; log.format=json makes
 * every line of the log file a JSON object, and the journal (stderr) sees
 * a healthy start.
 */
#include "daemon_harness.h"
#include "child/sandbox.h"
#include "common/clock.h"
#include "ipc/ipc.h"
#include "http_client.h"
#include "open_fds.h"
#include "json_check.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

enum { BOOT_MS = 10000 };

static void start_serving(struct daemon *d, const char *const *settings)
{
	daemon_start(d, settings);
	cr_assert(daemon_wait_log(d, "child generation 1 ready", 1, BOOT_MS),
	          "no child became ready; log:\n%s", daemon_log(d));
	int status = http_request(d->port, "GET", "/healthz", NULL, 5000, NULL);
	cr_assert_eq(status, 200, "GET /healthz: %d", status);
}

/* Asks the test child to misbehave, then waits for generation 2 to serve
 * and checks how the parent explained the end of generation 1. */
static void expect_restart_after(const char *action, const char *explanation)
{
	struct daemon d;
	char path[64];
	start_serving(&d, NULL);
	snprintf(path, sizeof(path), "/test/%s", action);
	http_request(d.port, "GET", path, NULL, 3000, NULL);
	cr_assert(daemon_wait_log(&d, "child generation 2 ready", 1, BOOT_MS),
	          "no restart after %s; log:\n%s", action, daemon_log(&d));
	cr_assert(strstr(daemon_log(&d), explanation) != NULL,
	          "after %s the log does not say \"%s\":\n%s", action, explanation, daemon_log(&d));
	cr_assert(strstr(daemon_log(&d), " WARNING ") != NULL, "no WARNING line:\n%s",
	          daemon_log(&d));
	cr_assert_eq(http_request(d.port, "GET", "/healthz", NULL, 5000, NULL), 200);
	daemon_cleanup(&d);
}

/* Under ASan (UNDER_ASAN, from sandbox.h) the runtime's own fault and
 * abort handlers run first and make syscalls the filter denies (readlink,
 * sigaltstack): the sandbox ends the child there, which is the violation
 * the parent reports. */

Test(restart, after_sigsegv)
{
#ifdef UNDER_ASAN
	expect_restart_after("segv", "ended (violation): ");
#else
	expect_restart_after("segv", "ended (signal): SIGSEGV");
#endif
}

Test(restart, after_abort)
{
	/* abort() raises SIGABRT with rt_sigprocmask and tgkill, which the
	 * filter denies: the sandbox reports the attempt instead. */
#ifdef UNDER_ASAN
	expect_restart_after("abort", "ended (violation): ");
#else
	expect_restart_after("abort", "ended (violation): rt_sigprocmask");
#endif
}

Test(restart, after_exit_1)
{
	expect_restart_after("exit1", "ended (exit); exit status 1");
}

Test(restart, after_violation_naming_the_syscall)
{
	expect_restart_after("violation", "ended (violation): openat (syscall 257");
}

/* Polls /metrics until `want` is in it (the parent's snapshot reaches a new
 * child shortly after it is ready); `r` holds the last response. */
static bool metrics_show(int port, const char *want, struct http_response *r)
{
	for (int i = 0; i < 100; i++) {
		if (http_request(port, "GET", "/metrics", NULL, 3000, r) == 200 &&
		    strstr(r->body, want) != NULL)
			return true;
		usleep(50 * 1000);
	}
	return false;
}

/* The parent counts every child the sandbox ended, and the child serving
 * now exports the running total: a violation and an exit are two restarts
 * (one of each reason) and one violation. */
Test(restart, metrics_count_violations_since_the_parent_started)
{
	struct daemon d;
	struct http_response r;
	start_serving(&d, NULL);
	http_request(d.port, "GET", "/test/violation", NULL, 3000, NULL);
	cr_assert(daemon_wait_log(&d, "child generation 2 ready", 1, BOOT_MS), "log:\n%s",
	          daemon_log(&d));
	http_request(d.port, "GET", "/test/exit1", NULL, 3000, NULL);
	cr_assert(daemon_wait_log(&d, "child generation 3 ready", 1, BOOT_MS), "log:\n%s",
	          daemon_log(&d));
	cr_assert(metrics_show(d.port, "\nwarden_restarts_total{reason=\"exit\"} 1\n", &r),
	          "no snapshot with 2 restarts:\n%s", r.body);
	cr_expect(strstr(r.body, "\nwarden_restarts_total{reason=\"violation\"} 1\n") != NULL, "%s",
	          r.body);
	cr_expect(strstr(r.body, "\nwarden_violations_total 1\n") != NULL, "%s", r.body);
	cr_expect(strstr(r.body, "# TYPE warden_violations_total counter\n") != NULL, "%s", r.body);
	daemon_cleanup(&d);
}

Test(restart, hung_child_is_detected)
{
	expect_restart_after("hang", "ended (heartbeat): no answer within 1000 ms");
}

/* The hang is noticed within the heartbeat timeout (1000 ms, pings every
 * 100 ms: tests/daemon_harness.c), not merely at some point: the bound
 * leaves 3 s for a loaded machine, a tenth of the time a tenfold timeout
 * would take. */
Test(restart, hung_child_is_ended_within_the_heartbeat_timeout)
{
	struct daemon d;
	start_serving(&d, NULL);
	uint64_t asked = clock_monotonic_ms();
	http_request(d.port, "GET", "/test/hang", NULL, 200, NULL);
	cr_assert(daemon_wait_log(&d, "ended (heartbeat)", 1, 15000), "no heartbeat end; log:\n%s",
	          daemon_log(&d));
	uint64_t took = clock_monotonic_ms() - asked;
	cr_expect_lt(took, 4000, "the hang was noticed after %llu ms", (unsigned long long)took);
	daemon_cleanup(&d);
}

/* A well-formed message the protocol does not allow there: the decoder
 * takes it, the parent's own check of the child's messages refuses it. */
Test(restart, hostile_child_sending_a_second_ready)
{
	expect_restart_after("ready-again", "ended (malformed): unexpected ready");
}

Test(restart, hostile_child_answering_a_ping_with_another_nonce)
{
	expect_restart_after("wrong-pong", "ended (malformed): pong for a ping never sent");
}

Test(restart, hostile_child_sending_garbage)
{
	expect_restart_after("garbage", "ended (malformed)");
}

Test(restart, crash_loop_backs_off_then_hits_the_burst_limit)
{
	struct daemon d;
	/* Every start fails at once: /bin/false is no child program. */
	const char *const settings[] = {"sandbox.child_program=/bin/false",
	                                "supervise.restart_initial_ms=10",
	                                "supervise.restart_max_ms=80",
	                                "supervise.restart_factor=2",
	                                "supervise.burst_limit=5",
	                                "supervise.burst_window_ms=60000",
	                                NULL};
	daemon_start(&d, settings);
	int status = daemon_wait(&d, 15000);
	cr_assert(status != -1, "the parent did not give up; log:\n%s", daemon_log(&d));
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) != 0, "status 0x%x", status);
	const char *log = daemon_log(&d);
	/* 10, 20, 40, 80, 80: the delay doubles up to the maximum. */
	cr_assert(strstr(log, "restarting in 10 ms") && strstr(log, "restarting in 20 ms") &&
	                  strstr(log, "restarting in 40 ms") && strstr(log, "restarting in 80 ms"),
	          "no backoff:\n%s", log);
	cr_assert(strstr(log, "more than 5 restarts within 60000 ms") != NULL, "%s", log);
	cr_assert(strstr(log, "ended (exit)") && strstr(log, "exit status 1"), "%s", log);
	daemon_cleanup(&d);
}

Test(signals, sigterm_drains_and_exits_zero)
{
	struct daemon d;
	start_serving(&d, NULL);
	daemon_signal(&d, SIGTERM);
	int status = daemon_wait(&d, 10000);
	cr_assert(status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0,
	          "status 0x%x; log:\n%s", status, daemon_log(&d));
	const char *log = daemon_log(&d);
	cr_assert(strstr(log, "SIGTERM: draining") != NULL, "%s", log);
	cr_assert(strstr(log, "child generation 1") && strstr(log, "exit status 0"), "%s", log);
	cr_assert(strstr(log, "parent exiting with status 0") != NULL, "%s", log);
	daemon_cleanup(&d);
}

Test(signals, sighup_after_rename_moves_the_log)
{
	struct daemon d;
	char rotated[128];
	start_serving(&d, NULL);
	snprintf(rotated, sizeof(rotated), "%s.1", d.log_path);
	cr_assert(rename(d.log_path, rotated) == 0);
	daemon_signal(&d, SIGHUP);
	cr_assert(daemon_wait_log(&d, "child generation 2 ready", 1, BOOT_MS),
	          "no new generation in the new file: '%s'", daemon_log(&d));
	cr_assert_eq(http_request(d.port, "GET", "/healthz", NULL, 5000, NULL), 200);
	/* The old generation drained; the request lines now go to the new file. */
	cr_assert(daemon_wait_log(&d, "GET /healthz", 1, 5000), "%s", daemon_log(&d));
	cr_assert(strstr(daemon_log(&d), "child generation 1 ready") == NULL);
	/* The old generation wrote the parent's "reopened" line: it still
	 * held the old file, which is where a reader of the rotated log
	 * expects the hand-over to be noted. */
	struct daemon old = d;
	cr_assert(strlen(rotated) < sizeof(old.log_path));
	memcpy(old.log_path, rotated, strlen(rotated) + 1);
	cr_assert(strstr(daemon_log(&old), "SIGHUP: reopened") != NULL, "%s", daemon_log(&old));
	daemon_cleanup(&d);
}

/* Zombie children of `parent` (state Z in /proc/PID/stat). */
static int count_zombies(pid_t parent)
{
	DIR *dir = opendir("/proc");
	struct dirent *e;
	int zombies = 0;
	while ((e = readdir(dir)) != NULL) {
		char path[300], state;
		int ppid;
		snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
		FILE *f = fopen(path, "r");
		if (f == NULL)
			continue;
		if (fscanf(f, "%*d (%*[^)]) %c %d", &state, &ppid) == 2 && ppid == parent &&
		    state == 'Z')
			zombies++;
		fclose(f);
	}
	closedir(dir);
	return zombies;
}

/* Kills the serving child `rounds` times; right after each kill a client
 * connects while no child runs, and must be served by the next generation
 * (its connection waits in the listening socket's backlog). Between kills
 * the client's requests must succeed too. Returns the failed requests. */
static int kill_children_between_requests(struct daemon *d, int rounds)
{
	int failed = 0;
	for (int i = 1; i <= rounds; i++) {
		pid_t pid = daemon_child_pid(d, (unsigned)i);
		cr_assert(pid > 0, "no pid for generation %d:\n%s", i, daemon_log(d));
		cr_assert_eq(kill(pid, SIGKILL), 0);
		int status = http_request(d->port, "GET", "/healthz", NULL, 10000, NULL);
		if (status != 200) {
			fprintf(stderr, "after kill %d: GET /healthz -> %d (%s)\n", i, status,
			        status < 0 ? strerror(-status) : "HTTP status");
			failed++;
		}
		char ready[64];
		snprintf(ready, sizeof(ready), "child generation %d ready", i + 1);
		cr_assert(daemon_wait_log(d, ready, 1, BOOT_MS), "round %d: %s", i, daemon_log(d));
		for (int r = 0; r < 3; r++)
			failed +=
			        http_request(d->port, "GET", "/healthz", NULL, 10000, NULL) != 200;
	}
	return failed;
}

Test(restart, no_refused_connection_during_50_kills)
{
	struct daemon d;
	start_serving(&d, NULL);
	int failed = kill_children_between_requests(&d, 50);
	cr_assert_eq(failed, 0, "%d failed requests during 50 kills", failed);
	cr_assert_eq(daemon_log_count(&d, "ended (signal): SIGKILL"), 50, "%s", daemon_log(&d));
	daemon_cleanup(&d);
}

Test(restart, restarts_leak_nothing)
{
	struct daemon d;
	start_serving(&d, NULL);
	int before = open_fds_of(d.pid);
	for (int i = 1; i <= 100; i++) {
		char ready[64];
		snprintf(ready, sizeof(ready), "child generation %d ready", i + 1);
		kill(daemon_child_pid(&d, (unsigned)i), SIGKILL);
		cr_assert(daemon_wait_log(&d, ready, 1, BOOT_MS), "round %d", i);
	}
	usleep(100000);
	cr_assert_eq(open_fds_of(d.pid), before, "the parent's descriptors grew across restarts");
	cr_assert_eq(count_zombies(d.pid), 0, "zombies left behind");
	daemon_cleanup(&d);
}

Test(setup, clear_errors)
{
	struct daemon d;
	const char *const missing_dir[] = {"log.file=/nonexistent-dir/warden.log", NULL};
	daemon_start(&d, missing_dir);
	int status = daemon_wait(&d, 5000);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 1, "status 0x%x", status);
	char err[512] = "";
	ssize_t n = read(d.stderr_read, err, sizeof(err) - 1);
	err[n > 0 ? n : 0] = '\0';
	cr_assert(strstr(err, "directory /nonexistent-dir does not exist") != NULL, "stderr: %s",
	          err);
	daemon_cleanup(&d);
}

/* ---- The log's forms and stderr ------------------------------------------------------ */

/* What the daemon wrote to stderr so far, appended to `buf` (`*len` bytes
 * in it), until it holds `needle` or `timeout_ms` passed. */
static bool stderr_wait(struct daemon *d, char *buf, size_t cap, size_t *len, const char *needle,
                        int timeout_ms)
{
	for (int waited = 0; waited <= timeout_ms; waited += 10) {
		ssize_t n = read(d->stderr_read, buf + *len, cap - 1 - *len);
		if (n > 0)
			*len += (size_t)n;
		buf[*len] = '\0';
		if (strstr(buf, needle) != NULL)
			return true;
		usleep(10000);
	}
	return false;
}

Test(log, stderr_shows_a_healthy_start_at_notice)
{
	struct daemon d;
	static char err[1 << 16];
	size_t len = 0;
	start_serving(&d, NULL);
	cr_expect(stderr_wait(&d, err, sizeof(err), &len, "child generation 1 ready", 5000),
	          "stderr: %s", err);
	cr_expect(strstr(err, " NOTICE parent warden ") != NULL, "no start line: %s", err);
	cr_expect(strstr(err, " INFO ") == NULL, "INFO is for the log file only: %s", err);
	daemon_cleanup(&d);
}

/* Every line of `text` is a JSON object; returns how many have
 * "path":"`path`" with a method and a status, as an access line does. */
static int json_lines_with_path(const char *text, const char *path)
{
	char want[64];
	snprintf(want, sizeof(want), "\"%s\"", path);
	int found = 0, lines = 0;
	for (const char *p = text; *p != '\0'; lines++) {
		const char *nl = strchr(p, '\n'), *v;
		cr_assert_not_null(nl, "a line without its newline: %s", p);
		size_t n = (size_t)(nl - p), vlen;
		cr_expect(json_valid(p, n) && *p == '{', "line %d is not a JSON object: %.*s",
		          lines, (int)n, p);
		if (json_member(p, n, "path", &v, &vlen) && vlen == strlen(want) &&
		    memcmp(v, want, vlen) == 0 && json_member(p, n, "method", &v, &vlen) &&
		    json_member(p, n, "status", &v, &vlen))
			found++;
		p = nl + 1;
	}
	cr_expect_gt(lines, 3);
	return found;
}

Test(log, json_format_every_line_parses)
{
	struct daemon d;
	const char *const json[] = {"log.format=json", NULL};
	static char err[1 << 16];
	size_t len = 0;
	start_serving(&d, json);
	cr_expect_eq(http_request(d.port, "GET", "/healthz", NULL, 5000, NULL), 200);
	cr_expect_eq(http_request(d.port, "GET", "/no/such/page", NULL, 5000, NULL), 404);
	cr_assert(daemon_wait_log(&d, "\"path\":\"/no/such/page\"", 1, 5000), "log:\n%s",
	          daemon_log(&d));
	cr_expect(stderr_wait(&d, err, sizeof(err), &len, "child generation 1 ready", 5000),
	          "stderr: %s", err);
	daemon_signal(&d, SIGTERM);
	cr_assert_neq(daemon_wait(&d, 10000), -1);
	const char *log = daemon_log(&d);
	cr_expect(strstr(log, "parent exiting with status 0") != NULL, "%s", log);
	cr_expect_eq(json_lines_with_path(log, "/no/such/page"), 1, "%s", log);
	cr_expect_geq(json_lines_with_path(log, "/healthz"), 2, "%s", log);
	cr_expect(strstr(log, "\"status\":404") != NULL, "%s", log);
	stderr_wait(&d, err, sizeof(err), &len, "parent exiting", 1000);
	/* stderr: the log's NOTICE lines in JSON, among the command's own words
	 * ("warden: the GUI is at ..."); no access line. */
	const char *ready = strstr(err, "child generation 1 ready");
	cr_assert_not_null(ready);
	const char *start = ready;
	while (start > err && start[-1] != '\n')
		start--;
	cr_expect(json_valid(start, (size_t)(strchr(ready, '\n') - start)), "stderr: %s", err);
	cr_expect(strstr(err, "/healthz") == NULL, "stderr: %s", err);
	daemon_cleanup(&d);
}

/* Reads a whole file into a static buffer ("" if missing). */
/* `warden trace stats PATH`: its wait status, and what it printed (both
 * streams) in `out`. */
static int trace_stats(const char *path, char *out, size_t size)
{
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "%s trace stats %s 2>&1", WARDEN_BINARY, path);
	FILE *p = popen(cmd, "r");
	cr_assert(p != NULL);
	size_t n = fread(out, 1, size - 1, p);
	out[n] = '\0';
	return pclose(p);
}

static const char *slurp(const char *path, size_t *length)
{
	static char buf[1 << 20];
	FILE *f = fopen(path, "rb");
	*length = 0;
	buf[0] = '\0';
	if (f == NULL)
		return buf;
	*length = fread(buf, 1, sizeof(buf) - 1, f);
	buf[*length] = '\0';
	fclose(f);
	return buf;
}

Test(trace, records_both_directions_without_the_token)
{
	struct daemon d;
	char token_path[128], trace_path[128], token_setting[160], trace_setting[160];
	static const char token[] = "s3cret-token-0123456789abcdef";
	snprintf(token_path, sizeof(token_path), "/tmp/warden-token-%d", (int)getpid());
	snprintf(trace_path, sizeof(trace_path), "/tmp/warden-trace-%d.pcap", (int)getpid());
	FILE *f = fopen(token_path, "w");
	cr_assert(f != NULL);
	fprintf(f, "%s\n", token);
	fclose(f);
	chmod(token_path, 0600);
	snprintf(token_setting, sizeof(token_setting), "server.token_file=%s", token_path);
	snprintf(trace_setting, sizeof(trace_setting), "trace.file=%s", trace_path);
	const char *const settings[] = {token_setting, trace_setting, NULL};
	daemon_start(&d, settings);
	cr_assert(daemon_wait_log(&d, "child generation 1 ready", 1, BOOT_MS), "%s",
	          daemon_log(&d));
	usleep(400000); /* a few heartbeats, and the 200 ms flush */
	daemon_signal(&d, SIGTERM);
	cr_assert(daemon_wait(&d, 10000) == 0);
	size_t length;
	const char *bytes = slurp(trace_path, &length);
	cr_assert(length > 24, "no trace written");
	cr_assert(memmem(bytes, length, token, strlen(token)) == NULL,
	          "the bearer token is in the trace");
	char out[4096];
	cr_assert_eq(trace_stats(trace_path, out, sizeof(out)), 0, "%s", out);
	cr_assert(strstr(out, "hello") && strstr(out, "ready") && strstr(out, "pong") &&
	                  strstr(out, "shutdown"),
	          "trace stats:\n%s", out);
	unlink(token_path);
	unlink(trace_path);
	daemon_cleanup(&d);
}

static off_t size_of(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? st.st_size : -1;
}

/* Under LimitFSIZE= the log and the trace reach the limit: their writes
 * fail with EFBIG and are counted, the child keeps serving (no SIGXFSZ
 * death and restart) and the parent still exits cleanly. */
Test(limits, file_size_limit_is_a_write_error_not_death)
{
	enum { LIMIT = 16384, REQUESTS = 400 };
	struct daemon d;
	char trace_path[128], trace_setting[160];
	snprintf(trace_path, sizeof(trace_path), "/tmp/warden-fsize-trace-%d.pcap", (int)getpid());
	snprintf(trace_setting, sizeof(trace_setting), "trace.file=%s", trace_path);
	const char *const settings[] = {trace_setting, NULL};
	daemon_start_with_file_size_limit(&d, settings, LIMIT);
	cr_assert(daemon_wait_log(&d, "child generation 1 ready", 1, BOOT_MS), "%s",
	          daemon_log(&d));
	pid_t first = daemon_child_pid(&d, 1);
	cr_assert_gt(first, 0);
	for (int i = 0; i < REQUESTS; i++) { /* each is an access-log line */
		int status = http_request(d.port, "GET", "/healthz", NULL, 5000, NULL);
		cr_assert_eq(status, 200, "request %d: %d", i, status);
	}
	usleep(300000); /* the trace's 200 ms flush */
	cr_expect_eq(kill(first, 0), 0, "child generation 1 (pid %d) is gone", (int)first);
	off_t log_size = size_of(d.log_path), trace_size = size_of(trace_path);
	cr_expect(log_size > LIMIT / 2 && log_size <= LIMIT, "log: %lld bytes",
	          (long long)log_size);
	cr_expect(trace_size > 24 && trace_size <= LIMIT, "trace: %lld bytes",
	          (long long)trace_size);
	daemon_signal(&d, SIGTERM);
	int status = daemon_wait(&d, 10000);
	cr_expect(status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0,
	          "parent wait status 0x%x", status);
	char out[4096];
	cr_expect_eq(trace_stats(trace_path, out, sizeof(out)), 0,
	             "the trace cut at the limit is not readable: %s", out);
	unlink(trace_path);
	daemon_cleanup(&d);
}

/* A trace that loses records says so at WARNING, where an operator reads:
 * under a file size limit smaller than the trace's first seconds (and a
 * log at warning, which stays under it), the trace's writes fail; the
 * parent's health check logs the drops and errors once, the line reaches
 * the log file and /api/logs, and /api/status counts them. */
Test(limits, dropped_trace_records_are_a_warning, .timeout = 60)
{
	enum { LIMIT = 4096 };
	struct daemon d;
	struct http_response r;
	char trace_path[128], trace_setting[160];
	snprintf(trace_path, sizeof(trace_path), "/tmp/warden-drop-trace-%d.pcap", (int)getpid());
	snprintf(trace_setting, sizeof(trace_setting), "trace.file=%s", trace_path);
	const char *const settings[] = {trace_setting, "log.level=warning", NULL};
	daemon_start_with_file_size_limit(&d, settings, LIMIT);
	bool warned = false;
	for (int i = 0; i < 150 && !warned; i++, usleep(100 * 1000))
		warned = http_request(d.port, "GET", "/api/logs?level=warning", NULL, 3000, &r) ==
		                 200 &&
		         strstr(r.body, "records dropped and") != NULL;
	cr_assert(warned, "no warning of dropped trace records in /api/logs; log:\n%s",
	          daemon_log(&d));
	cr_expect(daemon_wait_log(&d, "records dropped and", 1, 5000),
	          "the warning is not in the log file:\n%s", daemon_log(&d));
	cr_expect(strstr(daemon_log(&d), "File too large") != NULL ||
	                  strstr(daemon_log(&d), "EFBIG") != NULL,
	          "the warning does not name the error:\n%s", daemon_log(&d));
	/* The status the GUI reads follows within status_interval_ms. */
	long long dropped = 0;
	for (int i = 0; i < 50 && dropped == 0; i++, usleep(100 * 1000)) {
		cr_assert_eq(http_request(d.port, "GET", "/api/status", NULL, 3000, &r), 200);
		const char *trace = strstr(r.body, "\"trace\":{");
		const char *at = trace != NULL ? strstr(trace, "\"dropped\":") : NULL;
		cr_assert(at != NULL, "no trace figures in /api/status: %s", r.body);
		dropped = atoll(at + 10);
	}
	cr_expect_gt(dropped, 0, "/api/status counts no dropped record: %s", r.body);
	unlink(trace_path);
	daemon_cleanup(&d);
}

/* systemd's side of sd_notify: a datagram socket named by NOTIFY_SOCKET. */
static int notify_socket(char *path, size_t size)
{
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	snprintf(path, size, "/tmp/warden-notify-%d", (int)getpid());
	unlink(path);
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path);
	cr_assert(fd >= 0 && bind(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0);
	return fd;
}

/* Everything systemd would have received within `ms`, appended. */
static void drain_notifications(int fd, char *out, size_t size, int ms)
{
	size_t used = strlen(out);
	struct pollfd p = {.fd = fd, .events = POLLIN};
	for (int waited = 0; waited < ms && used < size - 2; waited += 10) {
		if (poll(&p, 1, 10) <= 0)
			continue;
		ssize_t n = recv(fd, out + used, size - 2 - used, 0);
		if (n <= 0)
			break;
		used += (size_t)n;
		out[used++] = '\n';
		out[used] = '\0';
	}
}

Test(systemd, ready_status_watchdog_and_stopping)
{
	char path[108];
	static char said[1 << 16];
	said[0] = '\0';
	int fd = notify_socket(path, sizeof(path));
	setenv("NOTIFY_SOCKET", path, 1);
	setenv("WATCHDOG_USEC", "400000", 1);
	struct daemon d;
	start_serving(&d, NULL);
	unsetenv("NOTIFY_SOCKET");
	unsetenv("WATCHDOG_USEC");
	drain_notifications(fd, said, sizeof(said), 600);
	cr_assert(strstr(said, "READY=1\nSTATUS=running: generation 1") != NULL, "%s", said);
	cr_assert(strstr(said, "WATCHDOG=1") != NULL, "no watchdog while the child answers: %s",
	          said);
	daemon_signal(&d, SIGTERM);
	cr_assert(daemon_wait(&d, 10000) == 0);
	drain_notifications(fd, said, sizeof(said), 100);
	cr_assert(strstr(said, "STOPPING=1") != NULL, "%s", said);
	close(fd);
	unlink(path);
	daemon_cleanup(&d);
}

/* A client requesting without pause while the daemon reloads three
 * times: the old generations drain what they accepted, the new ones take
 * the rest; no request fails. */
Test(signals, sighup_under_load_fails_no_request)
{
	struct daemon d;
	start_serving(&d, NULL);
	int pipefd[2];
	cr_assert(pipe(pipefd) == 0);
	pid_t client = fork();
	cr_assert(client >= 0);
	if (client == 0) {
		close(pipefd[1]);
		struct pollfd stop = {.fd = pipefd[0], .events = POLLIN};
		int failed = 0, done = 0;
		while (poll(&stop, 1, 0) == 0) {
			int status = http_request(d.port, "GET", "/healthz", NULL, 10000, NULL);
			if (status != 200)
				fprintf(stderr, "reload client: %d\n", status);
			failed += status != 200;
			done++;
		}
		fprintf(stderr, "reload client: %d requests, %d failed\n", done, failed);
		_exit(failed > 100 ? 100 : failed);
	}
	close(pipefd[0]);
	/* The client is stopped before any assertion: a failing one must not
	 * leave it requesting. */
	char ready[64] = "";
	bool all_ready = true;
	for (unsigned g = 2; g <= 4 && all_ready; g++) {
		daemon_signal(&d, SIGHUP);
		snprintf(ready, sizeof(ready), "child generation %u ready", g);
		all_ready = daemon_wait_log(&d, ready, 1, BOOT_MS);
		usleep(200000);
	}
	close(pipefd[1]);
	int status;
	waitpid(client, &status, 0);
	cr_assert(all_ready, "no '%s' in the log: %s", ready, daemon_log(&d));
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	          "%d requests failed during three reloads", WEXITSTATUS(status));
	daemon_cleanup(&d);
}

/* ---- Attestation: the sandbox as the parent sees it ------------------------------------ */

/* The test child under the name that makes it tell `lie` (tests/child/lie.h):
 * a link in /tmp, its path in `link`, the setting that runs it in `setting`. */
static void lying_child(const char *lie, char *link, size_t size, char *setting, size_t ssize)
{
	snprintf(link, size, "/tmp/warden-child-test-%d.lie-%s", (int)getpid(), lie);
	unlink(link);
	cr_assert_eq(symlink(WARDEN_CHILD_TEST_BINARY, link), 0, "symlink %s: %s", link,
	             strerror(errno));
	snprintf(setting, ssize, "sandbox.child_program=%s", link);
}

/* A child that leaves out `lie` and claims it all the same: the parent logs
 * `crit` at CRIT, kills the child, restarts, and no generation ever
 * serves. */
static void expect_caught_as(const char *lie, const char *crit, bool filtered_parent)
{
	struct daemon d;
	char link[128], setting[192], want[256];
	lying_child(lie, link, sizeof(link), setting, sizeof(setting));
	const char *const settings[] = {setting, NULL};
	if (filtered_parent)
		daemon_start_filtered(&d, settings);
	else
		daemon_start(&d, settings);
	snprintf(want, sizeof(want), "CRIT parent child generation 2 (pid ");
	cr_assert(daemon_wait_log(&d, want, 1, BOOT_MS), "not caught twice; log:\n%s",
	          daemon_log(&d));
	int status = http_request(d.port, "GET", "/healthz", NULL, 500, NULL);
	cr_expect_neq(status, 200, "a lying child served");
	const char *log = daemon_log(&d);
	char needle[256];
	snprintf(needle, sizeof(needle), "failed attestation: %s", crit);
	const char *found = strstr(log, needle), *line = found;
	cr_assert_not_null(found, "no '%s':\n%s", needle, log);
	while (line > log && line[-1] != '\n')
		line--;
	cr_expect(memmem(line, (size_t)(found - line), " CRIT parent child generation ", 30) !=
	                  NULL,
	          "not a CRIT line: %.*s", (int)strcspn(line, "\n"), line);
	cr_expect(strstr(log, "ended (attestation): ") != NULL, "%s", log);
	cr_expect(strstr(log, "killed by signal 9 (SIGKILL)") != NULL, "%s", log);
	cr_expect(strstr(log, "parent child generation 1 ready") == NULL, "counted ready:\n%s",
	          log);
	cr_expect(strstr(log, "serving: the parent attested") == NULL, "told to serve:\n%s", log);
	/* What generation 1's attestation said, for the record. */
	for (const char *p = strstr(log, "generation 1 (pid "); p != NULL;
	     p = strstr(p + 1, "generation 1 (pid "))
		if (strncmp(p + strcspn(p, ")") + 1, " failed", 7) == 0)
			printf("lie %s: %.*s\n", lie, (int)strcspn(p, "\n"), p);
	daemon_cleanup(&d);
	unlink(link);
}

static void expect_caught(const char *lie, const char *crit)
{
	expect_caught_as(lie, crit, false);
}

/* Namespaces and descriptors are seen through /proc/PID/ns and fd, which
 * take CAP_SYS_PTRACE: the child is not dumpable. */
static void need_root(const char *what)
{
	if (geteuid() != 0)
		cr_skip_test("%s: the parent must run as root to read the child's /proc/PID/ns "
		             "and fd (the child is not dumpable)",
		             what);
}

Test(attestation, skipped_seccomp_filter_is_caught)
{
	expect_caught("seccomp", "seccomp: claimed, but /proc/");
}

/* Under a parent that is itself filtered (systemd's SystemCallFilter=),
 * a child that loads nothing still shows Seccomp 2 with the parent's
 * filter: only a count above the parent's own is the child's. */
Test(attestation, a_filter_inherited_from_the_parent_is_not_the_childs)
{
	if (geteuid() != 0)
		cr_skip_test("skipped: loading a filter without no_new_privs needs root");
	expect_caught_as("seccomp", "seccomp: claimed, but /proc/", true);
}

Test(attestation, skipped_no_new_privs_is_caught)
{
	expect_caught("no_new_privs", "no_new_privs: claimed, but /proc/");
}

Test(attestation, skipped_capability_drop_is_caught)
{
	expect_caught("caps_dropped", "caps_dropped: claimed, but /proc/");
}

Test(attestation, skipped_rlimits_are_caught)
{
	expect_caught("rlimits", "rlimits: claimed, but /proc/");
}

Test(attestation, skipped_network_namespace_is_caught)
{
	need_root("net_ns");
	expect_caught("net_ns", "net_ns: claimed, but /proc/");
}

Test(attestation, skipped_uid_switch_is_caught)
{
	if (geteuid() != 0)
		cr_skip_test("the child switches its uid only when started as root");
	expect_caught("uid", "uid: claimed 65534, but /proc/");
}

Test(attestation, stray_descriptor_is_caught)
{
	need_root("fd_layout");
	expect_caught("fd", "fd_layout: /proc/");
}

/* The two hex words of the ready line: "sandbox claimed 0xC, attested 0xA". */
static void ready_flags(const char *log, unsigned *claimed, unsigned *attested)
{
	const char *p = strstr(log, "sandbox claimed 0x");
	cr_assert_not_null(p, "%s", log);
	cr_assert_eq(sscanf(p, "sandbox claimed 0x%x, attested 0x%x", claimed, attested), 2, "%s",
	             p);
}

Test(attestation, honest_child_attests_fully)
{
	struct daemon d;
	unsigned claimed, attested;
	start_serving(&d, NULL);
	ready_flags(daemon_log(&d), &claimed, &attested);
	cr_expect(claimed & IPC_SANDBOX_SECCOMP, "claimed 0x%x", claimed);
	cr_expect((attested & claimed) == claimed, "claimed 0x%x, attested 0x%x", claimed,
	          attested);
	if (geteuid() == 0)
		cr_expect_eq(attested, claimed, "as root, every claim is seen");
	cr_expect(strstr(daemon_log(&d), "failed attestation") == NULL, "%s", daemon_log(&d));
	/* /api/status shows both, once the parent's snapshot has arrived. */
	struct http_response r;
	unsigned shown_claimed = 0, shown_attested = 0;
	for (int i = 0; i < 100 && shown_attested == 0; i++, usleep(50 * 1000)) {
		cr_assert_eq(http_request(d.port, "GET", "/api/status", NULL, 3000, &r), 200);
		const char *c = strstr(r.body, "\"claimed_flags\":");
		const char *a = strstr(r.body, "\"attested_flags\":");
		cr_assert(c != NULL && a != NULL, "%s", r.body);
		sscanf(c, "\"claimed_flags\":%u", &shown_claimed);
		sscanf(a, "\"attested_flags\":%u", &shown_attested);
	}
	cr_expect_eq(shown_claimed, claimed, "%s", r.body);
	cr_expect_eq(shown_attested, attested, "%s", r.body);
	daemon_cleanup(&d);
}

/* A child that fails attestation every time is a crash loop: the restart
 * delay backs off and the burst limit stops the parent. */
Test(attestation, every_start_failing_backs_off_then_hits_the_burst_limit)
{
	struct daemon d;
	char link[128], setting[192];
	lying_child("seccomp", link, sizeof(link), setting, sizeof(setting));
	const char *const settings[] = {setting,
	                                "supervise.restart_initial_ms=10",
	                                "supervise.restart_max_ms=80",
	                                "supervise.restart_factor=2",
	                                "supervise.burst_limit=5",
	                                "supervise.burst_window_ms=60000",
	                                NULL};
	daemon_start(&d, settings);
	int status = daemon_wait(&d, 15000);
	unlink(link);
	cr_assert(status != -1, "the parent did not give up; log:\n%s", daemon_log(&d));
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) != 0, "status 0x%x", status);
	const char *log = daemon_log(&d);
	cr_assert(strstr(log, "restarting in 10 ms") && strstr(log, "restarting in 20 ms") &&
	                  strstr(log, "restarting in 40 ms") && strstr(log, "restarting in 80 ms"),
	          "no backoff:\n%s", log);
	cr_assert(strstr(log, "more than 5 restarts within 60000 ms") != NULL, "%s", log);
	cr_expect_eq(daemon_log_count(&d, "ended (attestation)"), 6, "%s", log);
	daemon_cleanup(&d);
}

/* ---- The IPC trace's health -------------------------------------------------- */

/* A small trace rotates within a second or two of heartbeats: the log says
 * so, and /metrics and /api/status show the trace's counts. */
Test(trace, rotations_are_logged_and_shown)
{
	char dir[] = "/tmp/warden-trace-XXXXXX", file[64], setting[96];
	cr_assert_not_null(mkdtemp(dir));
	snprintf(file, sizeof(file), "%s/ipc.pcap", dir);
	snprintf(setting, sizeof(setting), "trace.file=%s", file);
	const char *const settings[] = {setting, "trace.max_bytes=4096", "trace.max_files=2", NULL};
	struct daemon d;
	struct http_response r;
	start_serving(&d, settings);
	char rotated[160];
	snprintf(rotated, sizeof(rotated), "IPC trace %s rotated (file 1 after the first)", file);
	cr_assert(daemon_wait_log(&d, rotated, 1, 10000), "no '%s'; log:\n%s", rotated,
	          daemon_log(&d));
	cr_assert(metrics_show(d.port, "\nwarden_trace_enabled 1\n", &r), "%s", r.body);
	/* The status (every second) catches up with the rotation the log told. */
	bool rotated_shown = false;
	for (int i = 0; i < 60 && !rotated_shown; i++) {
		rotated_shown = metrics_show(d.port, "\nwarden_trace_rotations_total ", &r) &&
		                strstr(r.body, "\nwarden_trace_rotations_total 0\n") == NULL;
		if (!rotated_shown)
			usleep(100 * 1000);
	}
	cr_assert(rotated_shown, "%s", r.body);
	cr_expect(strstr(r.body, "\nwarden_trace_records_total 0\n") == NULL, "%s", r.body);
	cr_assert_eq(http_request(d.port, "GET", "/api/status", NULL, 3000, &r), 200);
	char want[160];
	snprintf(want, sizeof(want), "\"trace\":{\"file\":\"%s\",\"records\":", file);
	cr_expect(strstr(r.body, want) != NULL, "no %s in %s", want, r.body);
	daemon_cleanup(&d);
	char old[96];
	snprintf(old, sizeof(old), "%s.1", file);
	unlink(old);
	unlink(file);
	rmdir(dir);
}
