/*
 * The files the root parent opens by path, the log and the trace: never
 * through a symbolic link, never a FIFO (which would hang open(2)), a
 * directory or a device, and for the log never a file another user owns,
 * others may write or that has a second name. Each is a clear error at
 * start and in --check-config; at a reload (SIGHUP) the log that cannot be
 * opened is an ERROR line and the old file is kept.
 */
#include "cli_run.h"
#include "daemon_harness.h"
#include "http_client.h"

#include <criterion/criterion.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

enum { BOOT_MS = 10000, NOBODY = 65534 };

/* A scratch directory with a file `target` that nothing may write. */
struct scratch {
	char dir[64];
	char target[80]; /* a regular file, empty */
	char path[80];   /* where the test plants something */
	char setting[128];
};

static void scratch_init(struct scratch *s, const char *key)
{
	strcpy(s->dir, "/tmp/warden-files-XXXXXX");
	cr_assert_not_null(mkdtemp(s->dir));
	snprintf(s->target, sizeof(s->target), "%s/target", s->dir);
	snprintf(s->path, sizeof(s->path), "%s/planted", s->dir);
	snprintf(s->setting, sizeof(s->setting), "%s=%s", key, s->path);
	int fd = open(s->target, O_WRONLY | O_CREAT | O_EXCL, 0600);
	cr_assert_geq(fd, 0);
	close(fd);
}

static void scratch_cleanup(struct scratch *s)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", s->dir);
	(void)!system(cmd);
}

static off_t size_of(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? st.st_size : -1;
}

enum plant { SYMLINK, FIFO, FIFO_WITH_READER, DIRECTORY, GROUP_WRITABLE, NOT_OURS, HARD_LINK };

/* Puts `what` at `path`; returns a descriptor to close afterwards (the
 * FIFO's reader), or -1. */
static int plant(const char *path, const char *target, enum plant what)
{
	int fd = -1;
	switch (what) {
	case SYMLINK:
		cr_assert_eq(symlink(target, path), 0);
		break;
	case FIFO_WITH_READER:
	case FIFO:
		cr_assert_eq(mkfifo(path, 0600), 0);
		if (what == FIFO_WITH_READER)
			fd = open(path, O_RDONLY | O_NONBLOCK);
		break;
	case DIRECTORY:
		cr_assert_eq(mkdir(path, 0700), 0);
		break;
	case GROUP_WRITABLE:
	case NOT_OURS:
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
		cr_assert_geq(fd, 0);
		cr_assert_eq(what == NOT_OURS ? fchown(fd, NOBODY, NOBODY) : fchmod(fd, 0664), 0);
		close(fd);
		fd = -1;
		break;
	case HARD_LINK:
		cr_assert_eq(link(target, path), 0);
		break;
	}
	return fd;
}

/* What the parent says about each. */
static const char *const refusal[] = {
        [SYMLINK] = "it is a symbolic link",
        [FIFO] = "it is a FIFO or a socket",
        [FIFO_WITH_READER] = "not a regular file",
        [DIRECTORY] = "it is a directory",
        [GROUP_WRITABLE] = "mode 0664 lets group or others write it",
        [NOT_OURS] = "owned by uid 65534, neither this user nor root",
        [HARD_LINK] = "it has 2 hard links",
};

static bool skip_unless_root(enum plant what)
{
	if (what != NOT_OURS || geteuid() == 0)
		return false;
	printf("skipped: a file owned by another user needs root to make\n");
	return true;
}

/* ---- At start ------------------------------------------------------------------ */

/* The daemon stops with exit status 1 and the reason on stderr, at once
 * (a FIFO does not hang it), and writes nothing through what was planted. */
static void expect_start_refused(enum plant what)
{
	struct scratch s;
	struct daemon d;
	if (skip_unless_root(what))
		return;
	scratch_init(&s, "log.file");
	int reader = plant(s.path, s.target, what);
	const char *const settings[] = {s.setting, NULL};
	daemon_start(&d, settings);
	int status = daemon_wait(&d, 5000);
	cr_assert(status != -1, "the parent hangs on %s", refusal[what]);
	cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 1, "status 0x%x", status);
	cr_expect(strstr(daemon_stderr(&d), refusal[what]) != NULL, "stderr: %s",
	          daemon_stderr(&d));
	cr_expect(strstr(daemon_stderr(&d), s.path) != NULL, "the path is not named: %s",
	          daemon_stderr(&d));
	cr_expect_eq(size_of(s.target), 0, "something was written through the link");
	if (reader >= 0)
		close(reader);
	daemon_cleanup(&d);
	scratch_cleanup(&s);
}

Test(log_at_start, symlink_is_refused)
{
	expect_start_refused(SYMLINK);
}

Test(log_at_start, fifo_is_refused_without_hanging)
{
	expect_start_refused(FIFO);
	expect_start_refused(FIFO_WITH_READER);
}

Test(log_at_start, directory_is_refused)
{
	expect_start_refused(DIRECTORY);
}

Test(log_at_start, group_writable_file_is_refused)
{
	expect_start_refused(GROUP_WRITABLE);
}

Test(log_at_start, file_of_another_user_is_refused)
{
	expect_start_refused(NOT_OURS);
}

Test(log_at_start, hard_link_is_refused)
{
	expect_start_refused(HARD_LINK);
}

/* A log file the parent created itself is fine, and so is one it finds
 * that it owns with mode 0600: the rule refuses only what is suspect. */
Test(log_at_start, own_file_is_taken)
{
	struct scratch s;
	struct daemon d;
	scratch_init(&s, "log.file");
	const char *const settings[] = {s.setting, NULL};
	int fd = open(s.path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	cr_assert_geq(fd, 0);
	close(fd);
	daemon_start(&d, settings);
	struct daemon in_path = d;
	snprintf(in_path.log_path, sizeof(in_path.log_path), "%s", s.path);
	cr_assert(daemon_wait_log(&in_path, "child generation 1 ready", 1, BOOT_MS), "stderr: %s",
	          daemon_stderr(&d));
	daemon_cleanup(&d);
	scratch_cleanup(&s);
}

/* ---- --check-config ------------------------------------------------------------ */

static void expect_check_refused(const char *key, enum plant what, const char *why)
{
	struct scratch s;
	char args[512];
	if (skip_unless_root(what))
		return;
	scratch_init(&s, key);
	int reader = plant(s.path, s.target, what);
	snprintf(args, sizeof(args), "run --check-config /dev/null --listen 127.0.0.1:0 --set %s",
	         s.setting);
	struct cli_result r = cli_run_within(10, args);
	cr_expect_eq(r.status, 2, "%s: exit %d (137: it hung); stderr: %s", key, r.status, r.err);
	cr_expect(strstr(r.err, why) != NULL && strstr(r.err, s.path) != NULL, "%s: stderr: %s",
	          key, r.err);
	cr_expect_eq(size_of(s.target), 0);
	free(r.out);
	if (reader >= 0)
		close(reader);
	scratch_cleanup(&s);
}

Test(check_config, log_path_refusals)
{
	for (enum plant p = SYMLINK; p <= HARD_LINK; p++)
		expect_check_refused("log.file", p, refusal[p]);
}

Test(check_config, trace_path_refusals)
{
	expect_check_refused("trace.file", SYMLINK, "is a symbolic link, not a regular file");
	expect_check_refused("trace.file", FIFO, "is a FIFO, not a regular file");
	expect_check_refused("trace.file", DIRECTORY, "is a directory, not a regular file");
}

/* ---- The trace at start --------------------------------------------------------- */

static void expect_trace_refused(enum plant what, const char *why)
{
	struct scratch s;
	struct daemon d;
	scratch_init(&s, "trace.file");
	int reader = plant(s.path, s.target, what);
	const char *const settings[] = {s.setting, NULL};
	daemon_start(&d, settings);
	int status = daemon_wait(&d, 5000);
	cr_assert(status != -1, "the parent hangs on a trace that is %s", why);
	cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 1, "status 0x%x", status);
	cr_expect(strstr(daemon_stderr(&d), why) != NULL, "stderr: %s", daemon_stderr(&d));
	cr_expect_eq(size_of(s.target), 0, "the trace was written through the link");
	if (reader >= 0)
		close(reader);
	daemon_cleanup(&d);
	scratch_cleanup(&s);
}

Test(trace_at_start, symlink_fifo_and_directory_are_refused)
{
	expect_trace_refused(SYMLINK, "is a symbolic link, not a regular file");
	expect_trace_refused(FIFO_WITH_READER, "is a FIFO, not a regular file");
	expect_trace_refused(DIRECTORY, "is a directory, not a regular file");
}

/* ---- At a reload ---------------------------------------------------------------- */

/* logrotate's rename, then something planted at the log's path, then
 * SIGHUP: an ERROR line in the old file, which the parent keeps; the
 * service goes on, and the parent still answers SIGTERM (a FIFO did not
 * hang it). */
static void expect_reload_keeps_the_old_log(enum plant what)
{
	struct scratch s;
	struct daemon d, rotated;
	if (skip_unless_root(what))
		return;
	scratch_init(&s, "log.file");
	const char *const settings[] = {s.setting, NULL};
	daemon_start(&d, settings);
	snprintf(d.log_path, sizeof(d.log_path), "%s", s.path);
	cr_assert(daemon_wait_log(&d, "child generation 1 ready", 1, BOOT_MS), "stderr: %s",
	          daemon_stderr(&d));
	rotated = d;
	snprintf(rotated.log_path, sizeof(rotated.log_path), "%s.1", s.path);
	cr_assert_eq(rename(s.path, rotated.log_path), 0);
	int reader = plant(s.path, s.target, what);
	daemon_signal(&d, SIGHUP);
	/* Expectations only, up to the SIGTERM: a parent hung in open(2) must
	 * still be killed (daemon_wait) rather than outlive the test. */
	cr_expect(daemon_wait_log(&rotated, " ERROR parent SIGHUP: ", 1, 5000),
	          "no ERROR line for %s:\n%s", refusal[what], daemon_log(&rotated));
	const char *log = daemon_log(&rotated);
	cr_expect(strstr(log, refusal[what]) != NULL && strstr(log, "keeping the old log file"),
	          "%s", log);
	cr_expect_eq(http_request(d.port, "GET", "/healthz", NULL, 5000, NULL), 200);
	cr_expect(daemon_wait_log(&rotated, "GET /healthz", 1, 5000),
	          "the access line is not in the old file:\n%s", daemon_log(&rotated));
	cr_expect_eq(size_of(s.target), 0, "something was written through the link");
	daemon_signal(&d, SIGTERM);
	int status = daemon_wait(&d, 10000);
	cr_expect(status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0,
	          "the parent did not stop cleanly: 0x%x", status);
	if (reader >= 0)
		close(reader);
	daemon_cleanup(&d);
	scratch_cleanup(&s);
}

Test(log_at_reload, symlink_keeps_the_old_file)
{
	expect_reload_keeps_the_old_log(SYMLINK);
}

Test(log_at_reload, fifo_keeps_the_old_file_without_hanging)
{
	expect_reload_keeps_the_old_log(FIFO);
	expect_reload_keeps_the_old_log(FIFO_WITH_READER);
}

Test(log_at_reload, directory_keeps_the_old_file)
{
	expect_reload_keeps_the_old_log(DIRECTORY);
}

Test(log_at_reload, unsafe_files_keep_the_old_file)
{
	expect_reload_keeps_the_old_log(GROUP_WRITABLE);
	expect_reload_keeps_the_old_log(NOT_OURS);
	expect_reload_keeps_the_old_log(HARD_LINK);
}
