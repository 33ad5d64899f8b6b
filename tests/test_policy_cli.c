/*
 * `warden policy check|show|export`: exit codes, messages and the export
 * format, by running the real binary.
 */
#include "cli_run.h"
#include "corpus.h"
#include "policy/policy.h"

#include <criterion/criterion.h>
#include <dirent.h>
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

/* ---- explain ------------------------------------------------------------- */

/* The line of the rule for `syscall` in the child policy. */
static unsigned child_rule_line(const char *syscall)
{
	FILE *f = fopen(CHILD_POLICY, "r");
	cr_assert_not_null(f);
	char line[512], prefix[64];
	snprintf(prefix, sizeof(prefix), "%s:", syscall);
	unsigned n = 0, found = 0;
	while (found == 0 && fgets(line, sizeof(line), f) != NULL) {
		n++;
		if (strncmp(line, prefix, strlen(prefix)) == 0)
			found = n;
	}
	fclose(f);
	cr_assert_neq(found, 0, "no rule for %s", syscall);
	return found;
}

static void expect_explained(const char *call, int status, const char *fmt, const char *rule)
{
	char args[512], want[1024];
	snprintf(args, sizeof(args), "policy explain " CHILD_POLICY CHILD_BINDS " %s", call);
	snprintf(want, sizeof(want), fmt, rule ? child_rule_line(rule) : 0);
	cli_expect(args, status, want);
}

Test(cli, explain_an_allowed_write_exits_0)
{
	expect_explained("write logfile_fd 0x1000 10", 0,
	                 "write(4, 4096, 10): allowed by the rule at " CHILD_POLICY
	                 ":%u: arg 0 = 2 or arg 0 = logfile_fd\n",
	                 "write");
	expect_explained("accept4 5 0 0 'SOCK_NONBLOCK|SOCK_CLOEXEC'", 0,
	                 ": allowed by the rule at", NULL);
	/* The kernel reads an int argument's low 32 bits, and so does explain. */
	expect_explained("3 0x100000007", 0, "close(0x100000007): allowed", NULL);
}

Test(cli, explain_a_denied_close_says_why_and_exits_1)
{
	expect_explained("close 4", 1,
	                 "close(4): denied: arg 0 is 4 (logfile_fd); the rule at " CHILD_POLICY
	                 ":%u allows first_client_fd <= arg 0 < fd_limit\n",
	                 "close");
	expect_explained("close -1", 1,
	                 "close(0xffffffffffffffff): denied: arg 0 is 0xffffffffffffffff (read as "
	                 "0xffffffff); the rule at " CHILD_POLICY
	                 ":%u allows first_client_fd <= arg 0 < fd_limit\n",
	                 "close");
	expect_explained("sendto 7 0 0 MSG_DONTWAIT", 1,
	                 "sendto(7, 0, 0, 64, 0, 0): denied: arg 3 is 64 (MSG_DONTWAIT); the rule "
	                 "at " CHILD_POLICY ":%u allows arg 3 = MSG_NOSIGNAL\n",
	                 "sendto");
}

Test(cli, explain_a_syscall_without_a_rule)
{
	expect_explained("socket AF_INET SOCK_STREAM", 1,
	                 "socket(2, 1, 0): denied: no rule allows socket; the policy's default is "
	                 "deny\n",
	                 NULL);
}

Test(cli, explain_usage_and_policy_errors_exit_2)
{
	const char *usage[] = {
	        "policy explain " CHILD_POLICY CHILD_BINDS,
	        "policy explain " CHILD_POLICY CHILD_BINDS " nosuchcall",
	        "policy explain " CHILD_POLICY CHILD_BINDS " close NOPE",
	        "policy explain " CHILD_POLICY CHILD_BINDS " close 1 2 3 4 5 6 7",
	        "policy explain " CHILD_POLICY CHILD_BINDS " 12abc",
	};
	for (size_t i = 0; i < sizeof(usage) / sizeof(usage[0]); i++) {
		struct cli_result r = cli_run(usage[i]);
		cr_expect_eq(r.status, 2, "'%s' exited %d", usage[i], r.status);
		cr_expect(strstr(r.err, "usage") != NULL, "'%s': %s", usage[i], r.err);
		free(r.out);
	}
	struct cli_result r = cli_run("policy explain " CHILD_POLICY " --bind ipc_fd=3 close 4");
	cr_expect_eq(r.status, 2, "a policy error is not a verdict");
	cr_expect(strstr(r.err, "unbound parameter 'logfile_fd'") != NULL, "%s", r.err);
	free(r.out);
}

/* ---- diff ---------------------------------------------------------------- */

static void write_policy(char *path, const char *text)
{
	int fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

struct diff_files {
	char base[32], removed[32], widened[32], equivalent[32];
};

static void diff_files_create(struct diff_files *f)
{
	strcpy(f->base, "/tmp/warden-diff-XXXXXX");
	strcpy(f->removed, f->base);
	strcpy(f->widened, f->base);
	strcpy(f->equivalent, f->base);
	write_policy(f->base, "uint fd\nclose: (<= (arg 0) 5)\nwrite: (eq (arg 0) fd)\n"
	                      "socket: (eq (arg 0) AF_UNIX)\nexit_group\n");
	write_policy(f->removed, "uint fd\nclose: (<= (arg 0) 5)\nwrite: (eq (arg 0) fd)\n"
	                         "exit_group\n");
	write_policy(f->widened, "uint fd\nclose: (<= (arg 0) 9)\nwrite: (eq (arg 0) fd)\n"
	                         "socket: (eq (arg 0) AF_UNIX)\nexit_group\n");
	write_policy(f->equivalent, "uint fd, uint unused\nexit_group\n"
	                            "socket: (eq (arg 0) \"AF_UNIX\")\n"
	                            "write: (not (or (< (arg 0) fd) (> (arg 0) fd)))\n"
	                            "close: (< (arg 0) 6)\n");
}

static void diff_files_remove(struct diff_files *f)
{
	unlink(f->base);
	unlink(f->removed);
	unlink(f->widened);
	unlink(f->equivalent);
}

static void expect_diff(const char *a, const char *b, const char *binds, int status,
                        const char *want)
{
	char args[512];
	snprintf(args, sizeof(args), "policy diff %s %s %s", a, b, binds);
	struct cli_result r = cli_run(args);
	cr_expect_eq(r.status, status, "'%s' exited %d: %s", args, r.status, r.err);
	cr_expect_str_eq(r.out, want, "'%s'", args);
	free(r.out);
}

Test(cli, diff_lists_what_becomes_allowed_or_denied)
{
	struct diff_files f;
	char same[256];
	diff_files_create(&f);
	snprintf(same, sizeof(same), "%s and %s allow the same calls with these bindings\n", f.base,
	         f.base);
	expect_diff(f.base, f.base, "--bind fd=4", 0, same);
	expect_diff(f.base, f.removed, "--bind fd=4", 1,
	            "socket: becomes denied (rule removed): arg 0 = AF_UNIX\n");
	expect_diff(f.base, f.widened, "--bind fd=4", 1,
	            "close: becomes allowed: 6 <= arg 0 <= 9\n");
	snprintf(same, sizeof(same), "%s and %s allow the same calls with these bindings\n", f.base,
	         f.equivalent);
	expect_diff(f.base, f.equivalent, "--bind fd=4 --bind unused=9", 0, same);
	diff_files_remove(&f);
}

Test(cli, diff_usage_and_policy_errors_exit_2)
{
	struct diff_files f;
	diff_files_create(&f);
	char args[512];
	const char *cases[][2] = {
	        {"%s", "usage"},
	        {"%s %s %s --bind fd=4", "usage"},
	        {"%s %s --bind fd=4 --bind nope=1", "unknown parameter 'nope'"},
	        {"%s %s", "unbound parameter 'fd'"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char operands[256];
		snprintf(operands, sizeof(operands), cases[i][0], f.base, f.widened, f.base);
		snprintf(args, sizeof(args), "policy diff %s", operands);
		struct cli_result r = cli_run(args);
		cr_expect_eq(r.status, 2, "'%s' exited %d", args, r.status);
		cr_expect(strstr(r.err, cases[i][1]) != NULL, "'%s': %s", args, r.err);
		free(r.out);
	}
	diff_files_remove(&f);
}

/* Each corpus file against itself: the same meaning, exit 0. */
Test(cli, diff_of_each_corpus_file_with_itself_is_empty, .timeout = 60)
{
	const char *dir = corpus_path("corpus/firedancer-policies");
	DIR *d = opendir(dir);
	cr_assert_not_null(d);
	size_t count = 0;
	for (struct dirent *e; (e = readdir(d)) != NULL;) {
		if (strstr(e->d_name, ".seccomppolicy") == NULL)
			continue;
		char path[1024], args[1024 * 2 + 2048 + 32], binds[2048] = "";
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		struct policy_error err;
		struct policy *p = policy_parse_file(path, &err);
		cr_assert_not_null(p, "%s", err.message);
		for (size_t k = 0; k < policy_param_count(p); k++)
			snprintf(binds + strlen(binds), sizeof(binds) - strlen(binds),
			         " --bind %s=%zu", policy_param_name(p, k), 3 + k);
		policy_free(p);
		snprintf(args, sizeof(args), "policy diff '%s' '%s'%s", path, path, binds);
		cli_expect(args, 0, "allow the same calls");
		count++;
	}
	closedir(d);
	cr_expect_geq(count, 50);
}
