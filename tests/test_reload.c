/*
 * SIGHUP reads the configuration again (the same file, the same flags) and
 * the token file, checks them as at start and starts the next generation
 * with them: a rotated token is the only one accepted after the reload, a
 * new log level applies, a key that needs a restart is named and keeps
 * its value, and a configuration with an error is refused whole while the
 * serving generation goes on with the old one. A reload whose generation
 * cannot start brings the old configuration back.
 */
#include "daemon_harness.h"
#include "http_client.h"

#include <criterion/criterion.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum { BOOT_MS = 10000 };

static const char token_a[] = "first-token-0123456789abcdef";
static const char token_b[] = "second-token-0123456789abcdef";

/* The token file beside the daemon's files, with `token` in it. */
static void write_token(const char *path, const char *token)
{
	char tmp[160];
	snprintf(tmp, sizeof(tmp), "%s.new", path);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, token, strlen(token)), (ssize_t)strlen(token));
	close(fd);
	cr_assert_eq(rename(tmp, path), 0);
}

/* Whether process `pid` (a generation drained after a reload) is gone
 * within `timeout_ms`: at level warning no NOTICE line says so. */
static bool gone(pid_t pid, int timeout_ms)
{
	for (int waited = 0; waited < timeout_ms; waited += 10) {
		if (kill(pid, 0) != 0)
			return true;
		usleep(10000);
	}
	return false;
}

static int status_with(int port, const char *token)
{
	char auth[128];
	snprintf(auth, sizeof(auth), "Authorization: Bearer %s\r\n", token);
	return http_request(port, "GET", "/api/status", auth, 5000, NULL);
}

/* Serving with token A from a token file in /tmp (the daemon's directory
 * is made by daemon_start). `settings` ends with the token setting. */
struct with_token {
	struct daemon d;
	char path[96];
	char setting[128];
};

static void start_with_token(struct with_token *t)
{
	snprintf(t->path, sizeof(t->path), "/tmp/warden-reload-token-%d", (int)getpid());
	write_token(t->path, token_a);
	snprintf(t->setting, sizeof(t->setting), "server.token_file=%s", t->path);
	const char *const settings[] = {t->setting, NULL};
	daemon_start(&t->d, settings);
	cr_assert(daemon_wait_log(&t->d, "child generation 1 ready", 1, BOOT_MS), "%s",
	          daemon_log(&t->d));
	cr_assert_eq(status_with(t->d.port, token_a), 200);
	cr_assert_eq(status_with(t->d.port, token_b), 401);
}

Test(reload, rotates_the_token)
{
	struct with_token t;
	start_with_token(&t);
	write_token(t.path, token_b);
	daemon_signal(&t.d, SIGHUP);
	cr_assert(daemon_wait_log(&t.d, "child generation 2 ready", 1, BOOT_MS), "%s",
	          daemon_log(&t.d));
	cr_expect(daemon_wait_log(&t.d, "child generation 1 (pid", 1, 5000),
	          "the old generation did not end: %s", daemon_log(&t.d));
	cr_expect_eq(status_with(t.d.port, token_a), 401, "the old token still opens the GUI");
	cr_expect_eq(status_with(t.d.port, token_b), 200, "the new token does not");
	cr_expect(strstr(daemon_log(&t.d), "read the configuration again") != NULL, "%s",
	          daemon_log(&t.d));
	unlink(t.path);
	daemon_cleanup(&t.d);
}

/* A token that fails its checks refuses the reload like a bad file. */
Test(reload, refuses_a_token_others_can_read)
{
	struct with_token t;
	start_with_token(&t);
	write_token(t.path, token_b);
	cr_assert_eq(chmod(t.path, 0644), 0);
	daemon_signal(&t.d, SIGHUP);
	cr_assert(daemon_wait_log(&t.d, "refused, the one in force stays", 1, 5000), "%s",
	          daemon_log(&t.d));
	cr_expect(strstr(daemon_log(&t.d), " ERROR parent SIGHUP: [server] token_file: ") != NULL &&
	                  strstr(daemon_log(&t.d), "mode 0644 gives group or others access"),
	          "%s", daemon_log(&t.d));
	cr_expect_eq(status_with(t.d.port, token_a), 200);
	cr_expect_eq(status_with(t.d.port, token_b), 401);
	unlink(t.path);
	daemon_cleanup(&t.d);
}

/* `level = bogus`: every error at ERROR with the file, line and key; the
 * serving generation goes on; and what the parent keeps is the old
 * configuration whole (its token, although the token file changed too): a
 * restart after the refusal starts a generation with the old token. */
Test(reload, refuses_a_bad_configuration_and_keeps_the_old_one)
{
	struct with_token t;
	char want[256];
	start_with_token(&t);
	write_token(t.path, token_b);
	const char *const bad[] = {t.setting, "log.level=bogus", "supervise.burst_limit=0", NULL};
	daemon_write_config(&t.d, bad);
	daemon_signal(&t.d, SIGHUP);
	cr_assert(daemon_wait_log(&t.d, "refused, the one in force stays", 1, 5000), "%s",
	          daemon_log(&t.d));
	snprintf(want, sizeof(want), " ERROR parent SIGHUP: %s:", t.d.config_path);
	cr_expect_eq(daemon_log_count(&t.d, want), 2, "two errors with file and line: %s",
	             daemon_log(&t.d));
	cr_expect(strstr(daemon_log(&t.d), ": [log] level: 'bogus' is not one of") != NULL, "%s",
	          daemon_log(&t.d));
	cr_expect(strstr(daemon_log(&t.d), ": [supervise] burst_limit: 0 is out of range") != NULL,
	          "%s", daemon_log(&t.d));
	cr_expect(strstr(daemon_log(&t.d), "configuration has 2 errors") != NULL, "%s",
	          daemon_log(&t.d));
	usleep(300000);
	cr_expect(strstr(daemon_log(&t.d), "child generation 2") == NULL,
	          "a generation started after a refused reload: %s", daemon_log(&t.d));
	cr_expect_eq(status_with(t.d.port, token_a), 200);
	/* A restart now starts what was in force: the old token. */
	cr_assert_eq(kill(daemon_child_pid(&t.d, 1), SIGKILL), 0);
	cr_assert(daemon_wait_log(&t.d, "child generation 2 ready", 1, BOOT_MS), "%s",
	          daemon_log(&t.d));
	cr_expect_eq(status_with(t.d.port, token_a), 200, "the old token was dropped");
	cr_expect_eq(status_with(t.d.port, token_b), 401, "the refused reload's token is in use");
	unlink(t.path);
	daemon_cleanup(&t.d);
}

/* info -> debug: the parent's DEBUG lines (a generation spawned) appear
 * only after the reload; debug -> warning: the access lines (INFO) stop. */
Test(reload, applies_a_new_log_level)
{
	struct daemon d;
	daemon_start(&d, NULL);
	cr_assert(daemon_wait_log(&d, "child generation 1 ready", 1, BOOT_MS), "%s",
	          daemon_log(&d));
	cr_expect(strstr(daemon_log(&d), " DEBUG ") == NULL, "DEBUG at level info: %s",
	          daemon_log(&d));
	const char *const debug[] = {"log.level=debug", NULL};
	daemon_write_config(&d, debug);
	daemon_signal(&d, SIGHUP);
	cr_assert(daemon_wait_log(&d, "child generation 2 ready", 1, BOOT_MS), "%s",
	          daemon_log(&d));
	cr_assert_eq(kill(daemon_child_pid(&d, 2), SIGKILL), 0);
	cr_expect(daemon_wait_log(&d, " DEBUG parent child generation 3 spawned: pid ", 1, BOOT_MS),
	          "no DEBUG line after the reload: %s", daemon_log(&d));
	cr_assert(daemon_wait_log(&d, "child generation 3 ready", 1, BOOT_MS), "%s",
	          daemon_log(&d));

	const char *const warning[] = {"log.level=warning", NULL};
	daemon_write_config(&d, warning);
	daemon_signal(&d, SIGHUP);
	cr_assert(gone(daemon_child_pid(&d, 3), BOOT_MS), "generation 3 did not hand over: %s",
	          daemon_log(&d));
	int before = daemon_log_count(&d, "GET /healthz");
	cr_assert_eq(http_request(d.port, "GET", "/healthz", NULL, 5000, NULL), 200);
	usleep(200000);
	cr_expect_eq(daemon_log_count(&d, "GET /healthz"), before,
	             "an access line at level warning: %s", daemon_log(&d));
	daemon_cleanup(&d);
}

/* The listen address and the trace need a restart: named at WARNING, the
 * running values kept (the socket, no trace file created); the rest of
 * the new configuration applies. */
Test(reload, names_the_keys_that_need_a_restart)
{
	struct daemon d;
	char trace_setting[160], trace_path[128];
	daemon_start(&d, NULL);
	cr_assert(daemon_wait_log(&d, "child generation 1 ready", 1, BOOT_MS), "%s",
	          daemon_log(&d));
	snprintf(trace_path, sizeof(trace_path), "%s/late.pcap", d.dir);
	snprintf(trace_setting, sizeof(trace_setting), "trace.file=%s", trace_path);
	const char *const changed[] = {"server.listen=127.0.0.1:1", trace_setting,
	                               "log.level=warning", NULL};
	daemon_write_config(&d, changed);
	daemon_signal(&d, SIGHUP);
	cr_assert(gone(daemon_child_pid(&d, 1), BOOT_MS), "generation 1 did not hand over: %s",
	          daemon_log(&d));
	const char *log = daemon_log(&d);
	cr_expect(strstr(log, " WARNING parent SIGHUP: [server] listen changed; it takes effect at "
	                      "restart") != NULL,
	          "%s", log);
	cr_expect(strstr(log, " WARNING parent SIGHUP: [trace] file changed; it takes effect at "
	                      "restart") != NULL,
	          "%s", log);
	cr_expect(access(trace_path, F_OK) != 0, "the trace was started at a reload");
	cr_expect_eq(http_request(d.port, "GET", "/healthz", NULL, 5000, NULL), 200);
	int before = daemon_log_count(&d, "GET /healthz");
	usleep(200000);
	cr_expect_eq(daemon_log_count(&d, "GET /healthz"), before,
	             "log.level=warning did not apply: %s", daemon_log(&d));
	daemon_cleanup(&d);
}

/* A configuration that loads but whose child cannot start: the reload's
 * generation fails, the serving one goes on, and the configuration it
 * runs with is in force again (its restart starts the working child). */
Test(reload, a_failed_takeover_brings_the_old_configuration_back)
{
	struct daemon d;
	daemon_start(&d, NULL);
	cr_assert(daemon_wait_log(&d, "child generation 1 ready", 1, BOOT_MS), "%s",
	          daemon_log(&d));
	const char *const broken[] = {"sandbox.child_program=/bin/false", NULL};
	daemon_write_config(&d, broken);
	daemon_signal(&d, SIGHUP);
	cr_assert(daemon_wait_log(&d, "the configuration in force before the reload is back", 1,
	                          BOOT_MS),
	          "%s", daemon_log(&d));
	cr_expect(strstr(daemon_log(&d), "reload failed: generation 2 did not take over; "
	                                 "generation 1 keeps serving") != NULL,
	          "%s", daemon_log(&d));
	cr_expect_eq(http_request(d.port, "GET", "/healthz", NULL, 5000, NULL), 200);
	cr_assert_eq(kill(daemon_child_pid(&d, 1), SIGKILL), 0);
	cr_expect(daemon_wait_log(&d, "child generation 3 ready", 1, BOOT_MS),
	          "the restart did not start the child in force: %s", daemon_log(&d));
	cr_expect_eq(http_request(d.port, "GET", "/healthz", NULL, 5000, NULL), 200);
	daemon_cleanup(&d);
}
