/*
 * Violations against the real kernel, with the real parent and the test
 * build of the child: each mode's violation is explained by the parent in
 * the policy's terms (log, /api/violations, /metrics), complain mode lets
 * the call run and reports it, and `warden policy suggest`, fed what
 * complain mode reported about a child whose policy lacks its fsync rule,
 * gives that rule back (the same meaning, by `warden policy diff`).
 */
#include "cli_run.h"
#include "daemon_harness.h"
#include "http_client.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { BOOT_MS = 10000 };

static void start_serving(struct daemon *d, const char *const *settings)
{
	daemon_start(d, settings);
	cr_assert(daemon_wait_log(d, "child generation 1 ready", 1, BOOT_MS),
	          "no child became ready; log:\n%s", daemon_log(d));
	cr_assert_eq(http_request(d->port, "GET", "/healthz", NULL, 5000, NULL), 200);
}

/* Polls `path` until `want` is in its body; `r` holds the last answer. */
static bool body_shows(int port, const char *path, const char *want, struct http_response *r)
{
	for (int i = 0; i < 100; i++) {
		if (http_request(port, "GET", path, NULL, 3000, r) == 200 &&
		    strstr(r->body, want) != NULL)
			return true;
		usleep(50 * 1000);
	}
	return false;
}

static void expect_in_log(struct daemon *d, const char *want)
{
	cr_expect(daemon_wait_log(d, want, 1, BOOT_MS), "the log does not say \"%s\":\n%s", want,
	          daemon_log(d));
}

/* close(4) ends the child; the parent explains it from the numbers, in
 * `mode`'s words, and the next generation's GUI shows it. */
static void expect_close_log_explained(const char *const *settings, const char *mode,
                                       const char *action)
{
	struct daemon d;
	struct http_response r;
	char want[256];
	start_serving(&d, settings);
	http_request(d.port, "GET", "/test/close-log", NULL, 3000, NULL);
	cr_assert(daemon_wait_log(&d, "child generation 2 ready", 1, BOOT_MS), "log:\n%s",
	          daemon_log(&d));
	snprintf(want, sizeof(want),
	         "sandbox violation (%s): close(4): denied: arg 0 is 4 (logfile_fd); the rule at "
	         "child.policy (built in):",
	         mode);
	expect_in_log(&d, want);
	expect_in_log(&d, " allows first_client_fd <= arg 0 < fd_limit; shape close(logfile_fd), "
	                  "seen 1 time; generation 1, pid ");
	expect_in_log(&d, ", call nr=3 arch=0xc000003e args=0x4,"); /* then the other registers */
	expect_in_log(&d, "ended (violation): close (syscall 3");
	cr_assert(body_shows(d.port, "/api/violations", "\"syscall\":\"close\"", &r), "%s", r.body);
	snprintf(want, sizeof(want), "\"action\":\"%s\"", action);
	cr_expect(strstr(r.body, want) != NULL, "%s", r.body);
	cr_expect(strstr(r.body, "\"explanation\":\"close(4): denied: arg 0 is 4 (logfile_fd)") !=
	                  NULL,
	          "%s", r.body);
	cr_expect(strstr(r.body, "\"mode\":\"enforce\"") != NULL, "%s", r.body);
	snprintf(want, sizeof(want),
	         "warden_violation_calls_total{syscall=\"close\",action=\"%s\"} 1", action);
	cr_expect(body_shows(d.port, "/metrics", want, &r), "%s", r.body);
	cr_expect(strstr(r.body, "\nwarden_sandbox_complain 0\n") != NULL, "%s", r.body);
	daemon_cleanup(&d);
}

/* Report mode (the default): the child's SIGSYS handler sends the numbers,
 * the parent says what they mean. */
Test(violations, trap_mode_explained)
{
	expect_close_log_explained(
	        NULL, "trap: the call did not run, the child reported it and exits", "trap");
}

/* Kill mode: the call waits in the kernel, the parent reads it from the
 * listener, explains it and kills the child. */
Test(violations, notify_mode_explained)
{
	if (geteuid() != 0) {
		fprintf(stderr, "skipped: kill mode reads the call from the kernel only as root "
		                "(pidfd_getfd needs CAP_SYS_PTRACE); else the kernel kills\n");
		return;
	}
	static const char *const settings[] = {"sandbox.report_violations=false", NULL};
	expect_close_log_explained(settings, "notify: the call did not run, the child is killed",
	                           "notify");
}

Test(violations, no_rule_at_all_says_so)
{
	struct daemon d;
	static const char *const settings[] = {"sandbox.report_violations=false", NULL};
	start_serving(&d, geteuid() == 0 ? settings : NULL);
	http_request(d.port, "GET", "/test/violation", NULL, 3000, NULL);
	expect_in_log(&d, "sandbox violation (");
	expect_in_log(&d, "): denied: no rule allows openat; the policy's default is deny; shape "
	                  "openat(");
	expect_in_log(&d, "call nr=257 arch=0xc000003e args=0xffffff9c,");
	daemon_cleanup(&d);
}

/* Complain mode: the denied call runs (fsync of /dev/null answers EINVAL),
 * the child lives on, and the call is reported, counted, and logged once. */
Test(violations, complain_mode_lets_the_call_run_and_reports_it)
{
	if (geteuid() != 0) {
		fprintf(stderr, "skipped: complain mode needs root (pidfd_getfd)\n");
		return;
	}
	struct daemon d;
	struct http_response r;
	static const char *const settings[] = {"sandbox.mode=complain", NULL};
	start_serving(&d, settings);
	expect_in_log(&d, "sandbox in COMPLAIN MODE: the child's calls outside its policy RUN");
	for (int i = 0; i < 3; i++) {
		cr_assert_eq(http_request(d.port, "GET", "/test/fsync-null", NULL, 3000, &r), 200);
		cr_expect(strstr(r.body, "fsync(0) = -1") != NULL, "the call did not run: %s",
		          r.body);
	}
	expect_in_log(&d, "sandbox violation (complain: the call was let through): fsync(0): "
	                  "denied: arg 0 is 0; the rule at child.policy (built in):");
	expect_in_log(&d, " allows arg 0 = logfile_fd; shape fsync(0), seen 1 time; generation 1");
	cr_expect_eq(daemon_log_count(&d, "shape fsync(0), seen 2 times"), 0,
	             "a repeat was logged:\n%s", daemon_log(&d));
	cr_assert(body_shows(d.port, "/api/violations", "\"count\":3", &r), "%s", r.body);
	cr_expect(strstr(r.body, "\"mode\":\"complain\"") != NULL, "%s", r.body);
	cr_expect(strstr(r.body, "\"action\":\"complain\"") != NULL, "%s", r.body);
	cr_expect(strstr(r.body, "\"call\":\"nr=74 arch=0xc000003e args=0x0,") != NULL, "%s",
	          r.body);
	cr_assert(
	        body_shows(d.port, "/metrics",
	                   "warden_violation_calls_total{syscall=\"fsync\",action=\"complain\"} 3",
	                   &r),
	        "%s", r.body);
	cr_expect(strstr(r.body, "\nwarden_sandbox_complain 1\n") != NULL, "%s", r.body);
	cr_expect_eq(daemon_log_count(&d, "child generation 2"), 0, "the child ended:\n%s",
	             daemon_log(&d));
	daemon_cleanup(&d);
}

/* The trace holds the child's report (trap mode) and the parent's report
 * message to the next generation; `warden trace show` explains both from
 * their numbers with the bindings of generation 1's ready in the trace. */
Test(violations, trace_show_explains_them)
{
	char dir[] = "/tmp/warden-trace-XXXXXX", setting[96], args[160];
	cr_assert_not_null(mkdtemp(dir));
	snprintf(setting, sizeof(setting), "trace.file=%s/ipc.trace", dir);
	const char *const settings[] = {setting, NULL};
	struct daemon d;
	struct http_response r;
	start_serving(&d, settings);
	http_request(d.port, "GET", "/test/close-log", NULL, 3000, NULL);
	cr_assert(daemon_wait_log(&d, "child generation 2 ready", 1, BOOT_MS), "log:\n%s",
	          daemon_log(&d));
	cr_assert(body_shows(d.port, "/api/violations", "\"syscall\":\"close\"", &r), "%s", r.body);
	daemon_cleanup(&d);
	snprintf(args, sizeof(args), "trace show %s/ipc.trace", dir);
	struct cli_result t = cli_run(args);
	cr_assert_eq(t.status, 0, "%s%s", t.out, t.err);
	const char *want =
	        "    = sandbox violation (trap: the call did not run, the child reported "
	        "it and exits): close(4): denied: arg 0 is 4 (logfile_fd); the rule at "
	        "child.policy (built in):";
	const char *first = strstr(t.out, want);
	cr_expect(first != NULL, "%s", t.out);
	cr_expect(first != NULL && strstr(first + 1, want) != NULL,
	          "the report message is not explained too:\n%s", t.out);
	free(t.out);
	snprintf(args, sizeof(args), "rm -r %s", dir);
	cr_expect_eq(system(args), 0);
}

/* ---- suggest --------------------------------------------------------------------- */

static char *write_file(const char *dir, const char *name, const char *text)
{
	char *path = NULL;
	cr_assert(asprintf(&path, "%s/%s", dir, name) > 0);
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f, "%s", path);
	fputs(text, f);
	fclose(f);
	return path;
}

/* Keeps the lines of the suggestion that start with '+', without it:
 * the new rule with its comments, as a policy file takes it. */
static void append_rule(const char *suggestion, FILE *policy)
{
	for (const char *p = suggestion; *p;) {
		const char *end = strchr(p, '\n');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		if (n > 0 && p[0] == '+' && !(n >= 3 && strncmp(p, "+++", 3) == 0))
			fprintf(policy, "%.*s\n", (int)n - 1, p + 1);
		p += n + (end != NULL);
	}
}

/* The policy without fsync in force, complain mode, the suite's traffic
 * (a WARNING line makes the logger fsync the log file): suggest turns the
 * /api/violations the child served into `fsync: (eq (arg 0) logfile_fd)`,
 * and the reduced policy with it means what the child policy means. */
Test(violations, suggest_gives_the_removed_rule_back)
{
	if (geteuid() != 0) {
		fprintf(stderr, "skipped: complain mode needs root (pidfd_getfd)\n");
		return;
	}
	struct daemon d;
	struct http_response r;
	static const char *const settings[] = {"sandbox.mode=complain",
	                                       "sandbox.child_program=" WARDEN_CHILD_NOFSYNC_BINARY,
	                                       NULL};
	start_serving(&d, settings);
	/* The parent's COMPLAIN MODE warning reached the child's log: fsync. */
	cr_assert(body_shows(d.port, "/api/violations", "\"syscall\":\"fsync\"", &r),
	          "no fsync reported:\n%s\nlog:\n%s", r.body, daemon_log(&d));
	char *reports = write_file(d.dir, "violations.json", r.body);
	cr_assert(body_shows(d.port, "/api/policy", "\"fd_limit\":", &r));
	unsigned epoll, first, limit;
	cr_assert_eq(sscanf(strstr(r.body, "\"epoll_fd\":"), "\"epoll_fd\":%u", &epoll), 1);
	cr_assert_eq(
	        sscanf(strstr(r.body, "\"first_client_fd\":"), "\"first_client_fd\":%u", &first),
	        1);
	cr_assert_eq(sscanf(strstr(r.body, "\"fd_limit\":"), "\"fd_limit\":%u", &limit), 1);
	char binds[256], args[1024];
	snprintf(binds, sizeof(binds),
	         "--bind ipc_fd=3 --bind logfile_fd=4 --bind gui_socket_fd=5 --bind epoll_fd=%u "
	         "--bind first_client_fd=%u --bind fd_limit=%u",
	         epoll, first, limit);
	snprintf(args, sizeof(args), "policy suggest %s %s %s", WARDEN_NOFSYNC_POLICY, binds,
	         reports);
	struct cli_result s = cli_run(args);
	cr_assert_eq(s.status, 1, "suggest: %d\n%s%s", s.status, s.out, s.err);
	cr_expect(strstr(s.out, "@@ fsync: no rule; ") != NULL, "%s", s.out);
	cr_expect(strstr(s.out, "+# seen 1 time: fsync(logfile_fd)\n") != NULL, "%s", s.out);
	cr_expect(strstr(s.out, "+# fsync: REASON: ") != NULL, "%s", s.out);
	cr_assert(strstr(s.out, "\n+fsync: (eq (arg 0) logfile_fd)\n") != NULL, "%s", s.out);
	fprintf(stderr, "suggest said:\n%s", s.out);
	/* The reduced policy plus the suggestion means the child policy. */
	char *restored = NULL;
	cr_assert(asprintf(&restored, "%s/restored.policy", d.dir) > 0);
	FILE *f = fopen(restored, "w");
	FILE *in = fopen(WARDEN_NOFSYNC_POLICY, "r");
	cr_assert(f != NULL && in != NULL);
	char line[512];
	while (fgets(line, sizeof(line), in) != NULL)
		fputs(line, f);
	fclose(in);
	fputc('\n', f);
	append_rule(s.out, f);
	fclose(f);
	snprintf(args, sizeof(args), "policy diff %s/policy/child.policy %s %s", WARDEN_SOURCE_DIR,
	         restored, binds);
	struct cli_result diff = cli_run(args);
	cr_expect_eq(diff.status, 0, "diff: %d\n%s%s", diff.status, diff.out, diff.err);
	snprintf(args, sizeof(args), "policy diff %s/policy/child.policy %s %s", WARDEN_SOURCE_DIR,
	         WARDEN_NOFSYNC_POLICY, binds);
	struct cli_result without = cli_run(args);
	cr_expect_eq(without.status, 1, "the reduced policy means the same?\n%s", without.out);
	free(s.out);
	free(diff.out);
	free(without.out);
	free(restored);
	free(reports);
	daemon_cleanup(&d);
}
