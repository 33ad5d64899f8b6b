/*
 * Every policy in shared/corpus/firedancer-policies and shared/seed parses,
 * compiles with its parameters bound to distinct small descriptor numbers,
 * and the kernel accepts the resulting filters.
 */
#include "policy/policy.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static bool has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* Loads the programs in a forked process: the kernel either accepts them
 * (the process then exits, or is killed by its own filter for exit_group),
 * or refuses them (exit status 1). */
static void expect_kernel_accepts(const char *path, const struct policy_bpf *bpf)
{
	pid_t pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		if (policy_bpf_load(bpf) != 0)
			_exit(1);
		syscall(SYS_exit_group, 0);
		_exit(2);
	}
	int status;
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	bool accepted = (WIFEXITED(status) && WEXITSTATUS(status) == 0) ||
	                (WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS);
	cr_expect(accepted, "%s: the kernel refused the filter (status 0x%x)", path, status);
}

static void check_policy(const char *path)
{
	struct policy_error err = {0};
	char msg[1024];
	struct policy *p = policy_parse_file(path, &err);
	policy_error_format(&err, msg, sizeof(msg));
	cr_assert_not_null(p, "%s", msg);
	size_t n = policy_param_count(p);
	struct policy_binding *b = calloc(n ? n : 1, sizeof(*b));
	for (size_t i = 0; i < n; i++)
		b[i] = (struct policy_binding){policy_param_name(p, i), 3 + i};
	struct policy_filter *f = policy_compile(p, b, n, POLICY_DENY_KILL, &err);
	policy_error_format(&err, msg, sizeof(msg));
	cr_assert_not_null(f, "%s", msg);
	struct policy_bpf bpf;
	cr_assert_eq(policy_filter_bpf(f, &bpf, &err), 0, "%s: %s", path, err.message);
	cr_expect_gt(bpf.count, 0);
	expect_kernel_accepts(path, &bpf);
	policy_bpf_release(&bpf);
	policy_filter_free(f);
	free(b);
	policy_free(p);
}

static size_t check_directory(const char *dir)
{
	DIR *d = opendir(dir);
	cr_assert_not_null(d,
	                   "cannot open %s: %s (the shared/ directory must sit beside the "
	                   "checkout, or set -DWARDEN_SHARED_DIR)",
	                   dir, strerror(errno));
	size_t count = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (!has_suffix(e->d_name, ".seccomppolicy"))
			continue;
		char path[4096];
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		check_policy(path);
		count++;
	}
	closedir(d);
	return count;
}

Test(corpus, every_firedancer_policy_compiles_and_loads)
{
	size_t count = check_directory(WARDEN_SHARED_DIR "/corpus/firedancer-policies");
	cr_expect_geq(count, 50, "expected the whole corpus, found %zu files", count);
	printf("corpus: %zu policies parsed, compiled and loaded\n", count);
}

Test(corpus, the_seed_policy_compiles_and_loads)
{
	size_t count = check_directory(WARDEN_SHARED_DIR "/seed");
	cr_expect_eq(count, 1);
}

Test(corpus, the_child_policy_file_compiles_and_loads)
{
	check_policy(WARDEN_SOURCE_DIR "/policy/child.policy");
}
