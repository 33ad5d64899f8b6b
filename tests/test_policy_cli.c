/*
 * `warden policy check|show|export`: exit codes, messages and the export
 * format, by running the real binary.
 */
#include "cli_run.h"

#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define CHILD_POLICY WARDEN_SOURCE_DIR "/policy/child.policy"
#define CHILD_BINDS                                                                                \
	" --bind ipc_fd=3 --bind logfile_fd=4 --bind gui_socket_fd=5 --bind epoll_fd=6"            \
	" --bind first_client_fd=7 --bind fd_limit=1024"

Test(cli, check_ok)
{
	struct cli_result r = cli_run("policy check " CHILD_POLICY);
	cr_expect_eq(r.status, 0, "stderr: %s", r.err);
	cr_expect(strstr(r.out, "ok: 6 parameters, 12 rules") != NULL, "%s", r.out);
	free(r.out);
}

Test(cli, check_reports_policy_errors_with_place_and_exit_1)
{
	char path[] = "/tmp/warden-bad-XXXXXX";
	int fd = mkstemp(path);
	const char *text = "noarg\nwrite\nclose: (eq (arg 0) \"NOPE\")\n";
	cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	char args[256];
	snprintf(args, sizeof(args), "policy check %s", path);
	struct cli_result r = cli_run(args);
	cr_expect_eq(r.status, 1);
	char expected[256];
	snprintf(expected, sizeof(expected), "%s:3:21: cannot evaluate \"NOPE\": unknown constant",
	         path);
	cr_expect(strstr(r.err, expected) != NULL, "stderr: %s", r.err);
	unlink(path);
	free(r.out);
}

Test(cli, unbound_parameter_is_a_policy_error)
{
	struct cli_result r = cli_run("policy show " CHILD_POLICY " --bind ipc_fd=3");
	cr_expect_eq(r.status, 1);
	cr_expect(strstr(r.err, "unbound parameter 'logfile_fd'") != NULL, "stderr: %s", r.err);
	free(r.out);
	r = cli_run("policy show " CHILD_POLICY CHILD_BINDS " --bind nope=1");
	cr_expect_eq(r.status, 1);
	cr_expect(strstr(r.err, "unknown parameter 'nope'") != NULL, "stderr: %s", r.err);
	free(r.out);
}

Test(cli, usage_errors_exit_2)
{
	const char *cases[] = {
	        "policy",
	        "policy frobnicate " CHILD_POLICY,
	        "policy check",
	        "policy check " CHILD_POLICY " --bind",
	        "policy check " CHILD_POLICY " --bind x",
	        "policy check " CHILD_POLICY " --bind x=",
	        "policy check " CHILD_POLICY " --bind x=-1",
	        "policy check " CHILD_POLICY " --bind x=4294967296",
	        "policy check " CHILD_POLICY " --bind x=12abc",
	        "policy check " CHILD_POLICY " --frob",
	        "policy check a b",
	        "nonsense",
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cli_result r = cli_run(cases[i]);
		cr_expect_eq(r.status, 2, "'%s' exited %d", cases[i], r.status);
		cr_expect(strstr(r.err, "usage") != NULL, "'%s' printed no usage: %s", cases[i],
		          r.err);
		free(r.out);
	}
}

Test(cli, help_goes_to_stdout_and_exits_0)
{
	const char *cases[] = {"policy --help", "policy -h", "policy check --help",
	                       "policy show " CHILD_POLICY " -h"};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		cli_expect(cases[i], 0, "usage: warden policy check");
}

/* A binding is decimal or 0x hex, as the policy language reads numbers:
 * a leading 0 is not octal. A refused one is quoted whole. */
Test(cli, bindings_are_decimal_or_hex)
{
	char path[] = "/tmp/warden-bind-XXXXXX";
	int fd = mkstemp(path);
	const char *text = "uint fd\nclose: (eq (arg 0) fd)\n";
	cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	const struct {
		const char *value, *compared;
	} ok[] = {{"010", "== 10)"}, {"08", "== 8)"}, {"0x1F", "== 31)"}};
	char args[256];
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		snprintf(args, sizeof(args), "policy show %s --bind fd=%s", path, ok[i].value);
		cli_expect(args, 0, ok[i].compared);
	}
	snprintf(args, sizeof(args), "policy check %s --bind fd=0x", path);
	struct cli_result r = cli_run(args);
	cr_expect_eq(r.status, 2);
	cr_expect(strstr(r.err, "not 'fd=0x'") != NULL, "%s", r.err);
	free(r.out);
	unlink(path);
}

Test(cli, show_prints_pseudo_code_and_instruction_counts)
{
	struct cli_result r = cli_run("policy show " CHILD_POLICY CHILD_BINDS);
	cr_expect_eq(r.status, 0, "stderr: %s", r.err);
	cr_expect(strstr(r.out, "pseudo filter code start") != NULL);
	cr_expect(strstr(r.out, "if ($syscall == 288)") != NULL, "accept4 is in the filter");
	cr_expect(strstr(r.out, "BPF program 1 of 1: ") != NULL, "%s", r.out);
	free(r.out);
}

/* export: [u32 LE count][count * 8 bytes] per program; the count agrees
 * with `show`. */
Test(cli, export_format)
{
	struct cli_result shown = cli_run("policy show " CHILD_POLICY CHILD_BINDS);
	const char *at = strstr(shown.out, "BPF program 1 of 1: ");
	cr_assert_not_null(at);
	unsigned expected = (unsigned)strtoul(at + strlen("BPF program 1 of 1: "), NULL, 10);
	struct cli_result r = cli_run("policy export " CHILD_POLICY CHILD_BINDS);
	cr_assert_eq(r.status, 0, "stderr: %s", r.err);
	cr_assert_geq(r.out_len, 4);
	const unsigned char *b = (const unsigned char *)r.out;
	uint32_t count = b[0] | b[1] << 8 | b[2] << 16 | (uint32_t)b[3] << 24;
	cr_expect_eq(count, expected);
	cr_expect_eq(r.out_len, 4 + (size_t)count * 8, "size %zu for %u instructions", r.out_len,
	             count);
	/* The last instruction of a seccomp program is a return (BPF_RET). */
	const unsigned char *last = b + 4 + (size_t)(count - 1) * 8;
	cr_expect_eq(last[0] & 0x07, 0x06, "last instruction is not BPF_RET");
	free(r.out);
	free(shown.out);
}
