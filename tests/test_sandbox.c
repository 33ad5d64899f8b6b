/*
 * The child's privilege drop on its own, before any seccomp filter: the
 * filter's loader (policy_bpf_load) sets no_new_privs again, so a test
 * after it could not see sandbox_drop_privileges skip it. Each test forks:
 * the drop cannot be undone in the test process.
 */
#include "child/sandbox.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

/* What the forked process saw from the inside. */
struct drop_result {
	int rc;
	int no_new_privs;
	int dumpable;
	char message[256];
};

/* The "NoNewPrivs:" figure of /proc/PID/status, or -1. */
static int status_no_new_privs(pid_t pid)
{
	char path[64], line[256];
	int value = -1;
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "NoNewPrivs: %d", &value) == 1)
			break;
	fclose(f);
	return value;
}

/* Forks a process that drops its privileges with `id`, reports what it
 * then sees through `out`, and waits (blocked on a pipe) so that the
 * parent can read its /proc status; returns the status's NoNewPrivs. */
static int drop_in_fork(const struct sandbox_identity *id, struct drop_result *out)
{
	int report[2], release[2];
	cr_assert_eq(pipe(report), 0);
	cr_assert_eq(pipe(release), 0);
	pid_t pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		struct drop_result r = {0};
		struct sandbox_error err = {{0}};
		char byte;
		close(report[0]);
		close(release[1]); /* or its read below would never see EOF */
		r.rc = sandbox_drop_privileges(id, 0, &err);
		r.no_new_privs = prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0);
		r.dumpable = prctl(PR_GET_DUMPABLE, 0, 0, 0, 0);
		memcpy(r.message, err.message, sizeof(r.message));
		if (write(report[1], &r, sizeof(r)) != (ssize_t)sizeof(r))
			_exit(1);
		(void)read(release[0], &byte, 1); /* EOF: the parent has looked */
		_exit(0);
	}
	close(report[1]);
	close(release[0]);
	cr_assert_eq(read(report[0], out, sizeof(*out)), (ssize_t)sizeof(*out));
	int outside = status_no_new_privs(pid);
	close(release[1]);
	close(report[0]);
	int status;
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status 0x%x", status);
	return outside;
}

/* As root with switch_user false the identity stays the same: a change of
 * user would clear the dumpable flag by itself and hide a skipped
 * PR_SET_DUMPABLE. Capabilities are dropped, which leaves the flag alone. */
Test(drop_privileges, sets_no_new_privs_and_clears_dumpable)
{
	if (geteuid() != 0)
		cr_skip_test("dropping the bounding set needs CAP_SETPCAP: not running as root");
	/* Otherwise the test could not tell a skipped step from a done one. */
	cr_assert_eq(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0), 0,
	             "the test process has no_new_privs to begin with");
	cr_assert_eq(prctl(PR_GET_DUMPABLE, 0, 0, 0, 0), 1,
	             "the test process is not dumpable to begin with");
	const struct sandbox_identity same = {.switch_user = false};
	struct drop_result r;
	int outside = drop_in_fork(&same, &r);
	cr_assert_eq(r.rc, 0, "sandbox_drop_privileges: %s", r.message);
	cr_expect_eq(r.no_new_privs, 1, "PR_GET_NO_NEW_PRIVS inside: %d", r.no_new_privs);
	cr_expect_eq(r.dumpable, 0, "PR_GET_DUMPABLE inside: %d", r.dumpable);
	cr_expect_eq(outside, 1, "NoNewPrivs in /proc/PID/status: %d", outside);
}

/* Enters the namespaces with `mode` in a forked process whose unshare(2)
 * fails with EPERM (a seccomp filter of its own, as a container's runtime
 * may have): exits 0 for a refusal (-1), 1 for going on without (1), 2
 * when it entered them all the same, 3 when the filter could not be set. */
static int enter_without_unshare(enum sandbox_namespaces mode)
{
	pid_t pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
		if (ctx == NULL ||
		    seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(unshare), 0) < 0 ||
		    seccomp_load(ctx) < 0)
			_exit(3);
		uint32_t flags;
		struct sandbox_error err = {{0}};
		int rc = sandbox_enter_namespaces(mode, 0, &flags, &err);
		_exit(rc < 0 ? 0 : rc > 0 ? 1 : 2);
	}
	int status;
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status), "status 0x%x", status);
	return WEXITSTATUS(status);
}

/* namespaces = required fails the boot when the kernel refuses them;
 * auto goes on without (and says so). */
Test(namespaces, required_fails_when_unshare_is_refused)
{
	cr_expect_eq(enter_without_unshare(SANDBOX_NAMESPACES_REQUIRED), 0,
	             "required: 0 is a refusal, 1 going on without, 2 entered, 3 no filter");
	cr_expect_eq(enter_without_unshare(SANDBOX_NAMESPACES_AUTO), 1,
	             "auto: 0 is a refusal, 1 going on without, 2 entered, 3 no filter");
}
