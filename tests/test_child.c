/*
 * The real child program: boot to ready under its sandbox, boot failures
 * with clear messages, and the escape suite (test build): every forbidden
 * operation ends the child with a violation report naming the syscall.
 */
#include "child_harness.h"
#include "http_client.h"
#include "tests/child/escape.h"
#include "child/sandbox.h" /* UNDER_ASAN */

#include <criterion/criterion.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* The child's resident memory, as the kernel counts it (a figure, not an
 * assertion: it varies with the build). */
static void print_rss(pid_t pid)
{
	char path[64], line[256];
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, "VmRSS:", 6) == 0)
			printf("child RSS after boot: %s", line + 6);
	fclose(f);
}

Test(boot, reaches_ready_locked_down)
{
	struct child_proc p;
	struct ipc_config config = child_test_config();
	struct ipc_ready ready;
	child_spawn(&p, WARDEN_CHILD_BINARY, NULL, -1);
	child_handover(&p, &config);
	child_expect_ready(&p, &ready);
	cr_expect_eq(ready.pid, (uint32_t)p.pid);
	cr_expect_eq(ready.generation, 1);
	cr_expect(ready.sandbox & IPC_SANDBOX_SECCOMP, "sandbox flags 0x%x", ready.sandbox);
	cr_expect(ready.sandbox & IPC_SANDBOX_NO_NEW_PRIVS);
	cr_expect(ready.sandbox & IPC_SANDBOX_CAPS_DROPPED);
	cr_expect_gt(ready.policy_instructions, 0);
	if (geteuid() == 0) {
		cr_expect_neq(ready.uid, 0, "the child must not run as root");
		cr_expect(ready.sandbox & IPC_SANDBOX_NET_NS, "sandbox flags 0x%x", ready.sandbox);
	}
	printf("child boot (exec to ready inside the child): %llu us, %u BPF instructions\n",
	       (unsigned long long)(ready.boot_ns / 1000), ready.policy_instructions);
	print_rss(p.pid);
	/* A heartbeat round trip under the filter. */
	struct ipc_message ping = {.type = IPC_PING}, pong;
	ping.u.ping.nonce = 42;
	uint8_t raw[IPC_MAX_MESSAGE];
	cr_assert_gt(ipc_send(&p.channel, &ping, raw, sizeof(raw)), 0);
	cr_assert_eq(child_receive(&p, &pong, 5000), 1, "stderr: %s", child_stderr(&p));
	cr_expect_eq(pong.type, IPC_PONG, "got %s; stderr: %s", ipc_type_name(pong.type),
	             child_stderr(&p));
	cr_expect_eq(pong.u.pong.nonce, 42);
	/* The counters are the logger's and the reserve's own: the boot
	 * logged its lines (the ready line among them). */
	const struct ipc_counters *k = &pong.u.pong.counters;
	cr_expect_gt(k->log_lines, 0);
	cr_expect_eq(k->log_write_errors, 0);
	cr_expect_gt(k->memory_used, 0);
	cr_expect_geq(k->memory_reserved, (uint64_t)config.memory_reserve_kib * 1024);
	/* Shutdown ends it cleanly, with no violation. */
	cr_assert(child_shutdown(&p, IPC_SHUTDOWN_TERMINATE, 0));
	int status = child_wait(&p, 5000);
	cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status 0x%x, stderr: %s", status,
	          child_stderr(&p));
	cr_expect(strstr(child_log(&p), "INFO child[1] ready") != NULL, "log: %s", child_log(&p));
	child_cleanup(&p);
}

/* The soft and hard values of one line of /proc/PID/limits ("Max
 * processes  0  0  processes"); false when the line is missing or a value
 * is not a number ("unlimited"). */
static bool read_limit(pid_t pid, const char *name, unsigned long long *soft,
                       unsigned long long *hard)
{
	char path[64], line[256];
	bool found = false;
	size_t n = strlen(name);
	snprintf(path, sizeof(path), "/proc/%d/limits", (int)pid);
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return false;
	while (!found && fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, name, n) == 0 && line[n] == ' ')
			found = sscanf(line + n, "%llu %llu", soft, hard) == 2;
	fclose(f);
	return found;
}

static void expect_limit(pid_t pid, const char *name, unsigned long long want)
{
	unsigned long long soft, hard;
	cr_assert(read_limit(pid, name, &soft, &hard), "no numeric \"%s\" in /proc/%d/limits", name,
	          (int)pid);
	cr_expect_eq(soft, want, "%s: soft limit %llu, want %llu", name, soft, want);
	cr_expect_eq(hard, want, "%s: hard limit %llu, want %llu", name, hard, want);
}

/* The limits the child set, as the kernel holds them, read from outside;
 * the descriptor limit is the one the child reports in /api/policy (first
 * client fd + max_connections + 1). */
Test(boot, resource_limits_seen_from_outside)
{
	struct child_proc p;
	struct ipc_config config = child_test_config();
	struct ipc_ready ready;
	struct http_response r;
	unsigned long long fd_limit = 0;
	child_spawn(&p, WARDEN_CHILD_BINARY, NULL, -1);
	child_handover(&p, &config);
	child_expect_ready(&p, &ready);
	expect_limit(p.pid, "Max processes", 0);
	expect_limit(p.pid, "Max core file size", 0);
	cr_assert_eq(http_request(p.port, "GET", "/api/policy", NULL, CHILD_CLIENT_TIMEOUT_MS, &r),
	             200);
	const char *at = strstr(r.body, "\"fd_limit\":");
	cr_assert(at != NULL && sscanf(at, "\"fd_limit\":%llu", &fd_limit) == 1, "%s", r.body);
	/* A few fixed descriptors and libuv's: a bound that also holds
	 * without the report. */
	cr_expect(fd_limit > config.max_connections + 1 && fd_limit <= config.max_connections + 64,
	          "fd_limit %llu for %u connections", fd_limit, config.max_connections);
	expect_limit(p.pid, "Max open files", fd_limit);
	child_cleanup(&p);
}

/* The value after `key` ("CapBnd:", "Groups:") on its line of
 * /proc/PID/status, without the line end; false when there is none. */
static bool status_field(pid_t pid, const char *key, char *value, size_t size)
{
	char path[64], line[512];
	bool found = false;
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return false;
	while (!found && fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, key, strlen(key)) != 0)
			continue;
		const char *v = line + strlen(key);
		v += strspn(v, " \t");
		snprintf(value, size, "%.*s", (int)strcspn(v, "\n"), v);
		found = true;
	}
	fclose(f);
	return found;
}

/* Whether the child's namespace of this kind is another than ours. */
static bool own_namespace(pid_t pid, const char *kind)
{
	char path[64];
	struct stat mine, its;
	snprintf(path, sizeof(path), "/proc/self/ns/%s", kind);
	cr_assert_eq(stat(path, &mine), 0, "%s", path);
	snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)pid, kind);
	cr_assert_eq(stat(path, &its), 0, "%s", path);
	return mine.st_ino != its.st_ino || mine.st_dev != its.st_dev;
}

/* The mount options of the child's "/" (field 6 of its mountinfo line,
 * whose mount point, field 5, is relative to the child's root). */
static bool root_mount_options(pid_t pid, char *options, size_t size)
{
	char path[64], line[1024];
	bool found = false;
	snprintf(path, sizeof(path), "/proc/%d/mountinfo", (int)pid);
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return false;
	while (fgets(line, sizeof(line), f) != NULL) {
		char point[512], opts[256];
		if (sscanf(line, "%*s %*s %*s %*s %511s %255s", point, opts) == 2 &&
		    strcmp(point, "/") == 0) {
			snprintf(options, size, "%s", opts);
			found = true; /* the last "/" is the one on top */
		}
	}
	fclose(f);
	return found;
}

/* What the child claims in its ready message (namespaces, capabilities
 * dropped), checked from outside: /proc/PID/status and ns/. As root the
 * test first gives itself a supplementary group, which the child inherits
 * and must drop with root. */
Test(boot, lockdown_seen_from_outside)
{
	struct child_proc p;
	struct ipc_config config = child_test_config();
	struct ipc_ready ready;
	char value[256];
	bool root = geteuid() == 0;
	if (root) {
		const gid_t groups[] = {0, 4};
		cr_assert_eq(setgroups(2, groups), 0);
	}
	child_spawn(&p, WARDEN_CHILD_BINARY, NULL, -1);
	child_handover(&p, &config);
	child_expect_ready(&p, &ready);
	static const char *const sets[] = {"CapInh:", "CapPrm:", "CapEff:", "CapBnd:", "CapAmb:"};
	for (size_t i = 0; i < sizeof(sets) / sizeof(sets[0]); i++) {
		cr_assert(status_field(p.pid, sets[i], value, sizeof(value)), "no %s", sets[i]);
		cr_expect_str_eq(value, "0000000000000000", "%s %s", sets[i], value);
	}
	if (root) {
		cr_assert(status_field(p.pid, "Groups:", value, sizeof(value)));
		cr_expect_str_eq(value, "", "supplementary groups left: %s", value);
		unsigned ids[4];
		cr_assert(status_field(p.pid, "Uid:", value, sizeof(value)));
		cr_assert_eq(sscanf(value, "%u %u %u %u", &ids[0], &ids[1], &ids[2], &ids[3]), 4);
		for (int i = 0; i < 4; i++)
			cr_expect_neq(ids[i], 0, "Uid: %s (real, effective, saved, fs)", value);
		cr_expect(ready.sandbox & IPC_SANDBOX_MOUNT_NS, "sandbox 0x%x", ready.sandbox);
	}
	static const struct {
		uint32_t flag;
		const char *kind;
	} kinds[] = {{IPC_SANDBOX_NET_NS, "net"},       {IPC_SANDBOX_IPC_NS, "ipc"},
	             {IPC_SANDBOX_UTS_NS, "uts"},       {IPC_SANDBOX_MOUNT_NS, "mnt"},
	             {IPC_SANDBOX_CGROUP_NS, "cgroup"}, {IPC_SANDBOX_USER_NS, "user"}};
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (ready.sandbox & kinds[i].flag)
			cr_expect(own_namespace(p.pid, kinds[i].kind),
			          "the ready message claims a %s namespace the child does not have",
			          kinds[i].kind);
	if (ready.sandbox & IPC_SANDBOX_MOUNT_NS) {
		cr_assert(root_mount_options(p.pid, value, sizeof(value)), "no / in mountinfo");
		cr_expect(strncmp(value, "ro,", 3) == 0 || strcmp(value, "ro") == 0,
		          "the child's root is mounted %s", value);
	}
	child_cleanup(&p);
}

/* The address space and data segment are bounded by the memory reserve
 * (child/boot.c adds 256 MiB of slack for code, stacks and libc), so that
 * a leak ends in refusals, not in the OOM killer. Not under ASan, whose
 * shadow memory needs terabytes of address space. */
Test(boot, address_space_bounded_by_the_reserve)
{
#ifdef UNDER_ASAN
	cr_skip_test("under ASan the child sets no address space limit");
#endif
	struct child_proc p;
	struct ipc_config config = child_test_config();
	struct ipc_ready ready;
	child_spawn(&p, WARDEN_CHILD_BINARY, NULL, -1);
	child_handover(&p, &config);
	child_expect_ready(&p, &ready);
	unsigned long long want =
	        (unsigned long long)config.memory_reserve_kib * 1024 + (256 << 20);
	expect_limit(p.pid, "Max address space", want);
	expect_limit(p.pid, "Max data size", want);
	child_cleanup(&p);
}

/* Under a file size limit the log's writes fail with EFBIG: the logger
 * counts them and the child serves on, instead of dying by SIGXFSZ. (Under
 * `warden run` the child is usually PID 1 of its own namespace, which the
 * kernel spares SIGXFSZ anyway; here, as in the parent's fork fallback, it
 * is not.) */
Test(boot, log_past_the_file_size_limit_is_not_fatal)
{
	enum { LIMIT = 65536 };
	struct child_proc p;
	struct ipc_config config = child_test_config();
	struct ipc_ready ready;
	struct rlimit old, limit;
	cr_assert_eq(getrlimit(RLIMIT_FSIZE, &old), 0);
	limit = (struct rlimit){LIMIT, old.rlim_max};
	cr_assert_eq(setrlimit(RLIMIT_FSIZE, &limit), 0);
	child_spawn(&p, WARDEN_CHILD_BINARY, NULL, -1); /* inherits the limit */
	cr_assert_eq(setrlimit(RLIMIT_FSIZE, &old), 0);
	static char filler[LIMIT];
	memset(filler, '#', sizeof(filler));
	cr_assert_eq(write(p.log_fd, filler, sizeof(filler)), LIMIT); /* the log is full */
	child_handover(&p, &config);
	child_expect_ready(&p, &ready); /* its ready line could not be written */
	struct ipc_message ping = {.type = IPC_PING}, pong;
	ping.u.ping.nonce = 7;
	uint8_t raw[IPC_MAX_MESSAGE];
	cr_assert_gt(ipc_send(&p.channel, &ping, raw, sizeof(raw)), 0);
	cr_assert_eq(child_receive(&p, &pong, 5000), 1, "the child died; stderr: %s",
	             child_stderr(&p));
	cr_expect_eq(pong.type, IPC_PONG);
	/* The failed writes are counted, and the PONG says so. */
	cr_expect_gt(pong.u.pong.counters.log_write_errors, 0);
	cr_expect_gt(pong.u.pong.counters.log_lines, 0);
	struct stat st;
	cr_assert_eq(fstat(p.log_fd, &st), 0);
	cr_expect_eq(st.st_size, LIMIT);
	child_cleanup(&p);
}

static void expect_boot_failure(struct child_proc *p, const char *needle)
{
	int status = child_wait(p, 5000);
	cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 70, "status 0x%x", status);
	const char *err = child_stderr(p);
	cr_expect(strstr(err, needle) != NULL, "stderr lacks \"%s\": %s", needle, err);
}

Test(boot, stray_inherited_descriptor_fails)
{
	struct child_proc p;
	int stray = open("/dev/null", O_RDONLY);
	child_spawn(&p, WARDEN_CHILD_BINARY, NULL, stray);
	/* No handover: the child fails before it reads one, and may be gone
	 * before a hello could be sent (sending it made the test flaky). */
	expect_boot_failure(&p, "boot failed at inherited descriptors: stray descriptor 7");
	close(stray);
	child_cleanup(&p);
}

Test(boot, wrong_descriptor_kinds_fail)
{
	struct child_proc p;
	int pipefd[2];
	cr_assert_eq(pipe(pipefd), 0);
	child_spawn(&p, WARDEN_CHILD_BINARY, NULL, -1);
	child_handover_fds(&p, pipefd[1], p.listen_fd);
	expect_boot_failure(&p, "boot failed at handover");
	child_cleanup(&p);
	int udp = socket(AF_INET, SOCK_DGRAM, 0);
	child_spawn(&p, WARDEN_CHILD_BINARY, NULL, -1);
	child_handover_fds(&p, p.log_fd, udp);
	expect_boot_failure(&p, "boot failed at handover");
	child_cleanup(&p);
	close(udp);
	close(pipefd[0]);
	close(pipefd[1]);
}

Test(boot, bad_configuration_fails)
{
	struct child_proc p;
	struct ipc_config config = child_test_config();
	if (geteuid() != 0)
		cr_skip_test("the identity check needs root: not running as root");
	strcpy(config.user, "no-such-user-here");
	child_spawn(&p, WARDEN_CHILD_BINARY, NULL, -1);
	child_handover(&p, &config);
	expect_boot_failure(&p, "boot failed at identity: unknown user 'no-such-user-here'");
	child_cleanup(&p);
}

/* The test build boots only for a parent in test mode: told otherwise,
 * it says why and exits before it serves; warden-child ignores the flag. */
Test(boot, test_build_refuses_a_parent_not_in_test_mode)
{
	struct child_proc p;
	struct ipc_config config = child_test_config();
	config.test_mode = 0;
	child_spawn(&p, WARDEN_CHILD_TEST_BINARY, NULL, -1);
	child_handover(&p, &config);
	expect_boot_failure(&p, "boot failed at configuration: this is the test build of the "
	                        "child (warden-child-test)");
	cr_expect(strstr(child_stderr(&p), "serves only a parent in test mode") != NULL, "%s",
	          child_stderr(&p));
	child_cleanup(&p);
	child_spawn(&p, WARDEN_CHILD_BINARY, NULL, -1);
	child_handover(&p, &config);
	child_expect_ready(&p, NULL);
	child_cleanup(&p);
}

/* Root as the user or as the group alone is refused, not only both. */
Test(boot, root_user_or_group_is_refused)
{
	if (geteuid() != 0)
		cr_skip_test("the identity check needs root: not running as root");
	static const char *const pairs[][2] = {{"nobody", "root"}, {"root", "nogroup"}};
	for (size_t i = 0; i < 2; i++) {
		struct child_proc p;
		struct ipc_config config = child_test_config();
		memset(config.user, 0, sizeof(config.user)); /* zero-padded, as IPC wants */
		memset(config.group, 0, sizeof(config.group));
		strcpy(config.user, pairs[i][0]);
		strcpy(config.group, pairs[i][1]);
		child_spawn(&p, WARDEN_CHILD_BINARY, NULL, -1);
		child_handover(&p, &config);
		expect_boot_failure(&p,
		                    "boot failed at identity: refusing to run the child as root");
		child_cleanup(&p);
	}
}

/* Every forbidden operation: ready first, then a violation naming the
 * syscall, then exit with the violation status. */
Test(escape, every_forbidden_operation_is_reported_and_ends_the_child, .timeout = 300)
{
	size_t count;
	const struct escape *table = escape_table(&count);
	cr_expect_geq(count, 40);
	for (size_t i = 0; i < count; i++) {
		struct child_proc p;
		const char *argv[] = {"--escape", table[i].name, NULL};
		struct ipc_config config = child_test_config();
		child_spawn(&p, WARDEN_CHILD_TEST_BINARY, argv, -1);
		child_handover(&p, &config);
		child_expect_ready(&p, NULL);
		struct ipc_message msg;
		int rc = child_receive(&p, &msg, 5000);
		cr_expect(rc == 1 && msg.type == IPC_VIOLATION,
		          "%s: no violation report; stderr: %s", table[i].name, child_stderr(&p));
		if (rc == 1 && msg.type == IPC_VIOLATION)
			cr_expect_str_eq(msg.u.violation.name, table[i].syscall, "%s",
			                 table[i].name);
		int status = child_wait(&p, 5000);
		cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 159, "%s: status 0x%x",
		          table[i].name, status);
		cr_expect(strstr(child_stderr(&p), "sandbox violation: syscall") != NULL, "%s",
		          table[i].name);
		child_cleanup(&p);
	}
	printf("escape suite: %zu forbidden operations, each reported and ended\n", count);
}

Test(escape, kill_mode_dies_by_sigsys)
{
	struct child_proc p;
	const char *argv[] = {"--escape", "openat", NULL};
	struct ipc_config config = child_test_config();
	config.deny_action = IPC_DENY_KILL;
	child_spawn(&p, WARDEN_CHILD_TEST_BINARY, argv, -1);
	child_handover(&p, &config);
	child_expect_ready(&p, NULL);
	int status = child_wait(&p, 5000);
	cr_expect(WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS, "status 0x%x", status);
	child_cleanup(&p);
}
