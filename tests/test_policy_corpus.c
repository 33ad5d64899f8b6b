/*
 * Every policy in shared/corpus/firedancer-policies and shared/seed parses,
 * compiles with its parameters bound to distinct small descriptor numbers,
 * and the kernel accepts the resulting filters; so do the project's own
 * policies. The files from other projects are optional (corpus.h).
 */
#include "corpus.h"
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

/* Parses and compiles `path`, parameter i bound to 3 + i. */
static void compile_file(const char *path, struct policy_bpf *bpf)
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
	cr_assert_eq(policy_filter_bpf(f, bpf, &err), 0, "%s: %s", path, err.message);
	cr_expect_gt(bpf->count, 0);
	policy_filter_free(f);
	free(b);
	policy_free(p);
}

static void check_policy(const char *path)
{
	struct policy_bpf bpf;
	compile_file(path, &bpf);
	expect_kernel_accepts(path, &bpf);
	policy_bpf_release(&bpf);
}

static size_t check_directory(const char *dir)
{
	DIR *d = opendir(dir);
	cr_assert_not_null(d, "cannot open %s: %s", dir, strerror(errno));
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
	size_t count = check_directory(corpus_path("corpus/firedancer-policies"));
	cr_expect_geq(count, 50, "expected the whole corpus, found %zu files", count);
	printf("corpus: %zu policies parsed, compiled and loaded\n", count);
}

Test(corpus, the_seed_policy_compiles_and_loads)
{
	size_t count = check_directory(corpus_path("seed"));
	cr_expect_eq(count, 1);
}

#define SEED_SHAPE WARDEN_SOURCE_DIR "/tests/data/seed_shape.seccomppolicy"

Test(corpus, the_seed_shaped_policy_compiles_and_loads)
{
	check_policy(SEED_SHAPE);
}

/* The project's rewrite of the seed (the kernel tests' subject) means what
 * the original means: the same programs, instruction for instruction. */
Test(corpus, the_seed_shaped_policy_is_the_seed_policy)
{
	struct policy_bpf ours, original;
	compile_file(SEED_SHAPE, &ours);
	compile_file(corpus_path("seed/fd_gui_tile.seccomppolicy"), &original);
	cr_assert_eq(ours.count, original.count);
	for (size_t i = 0; i < ours.count; i++) {
		cr_assert_eq(ours.programs[i].len, original.programs[i].len, "program %zu", i);
		cr_expect_eq(memcmp(ours.programs[i].filter, original.programs[i].filter,
		                    ours.programs[i].len * sizeof(ours.programs[i].filter[0])),
		             0, "program %zu differs", i);
	}
	policy_bpf_release(&ours);
	policy_bpf_release(&original);
}

Test(corpus, the_child_policy_file_compiles_and_loads)
{
	check_policy(WARDEN_SOURCE_DIR "/policy/child.policy");
}
