/*
 * bench_syscall - what the child's seccomp filter costs an allowed syscall.
 *
 * Runs the same loop of read(fd, buf, 0) calls in forked processes, one
 * with no filter and one with policy/child.policy loaded (and one with the
 * seed policy for comparison), interleaved over several rounds, and prints
 * the median ns per call of each side by side. The read is on the IPC
 * descriptor and on a client descriptor, the two paths the filter allows.
 *
 * usage: bench_syscall [calls-per-round] [rounds]
 */
#include "policy/child_policy.h"
#include "policy/policy.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { FD_IPC = 3, FD_LOG = 4, FD_CLIENT = 7, FD_LIMIT = 1024, MAX_ROUNDS = 101 };

struct setup {
	const char *name;
	struct policy_bpf bpf; /* count == 0: no filter */
};

static void die(const char *what)
{
	fprintf(stderr, "bench_syscall: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void compile(const char *name, const char *text, size_t len, const struct policy_binding *b,
                    size_t n, struct policy_bpf *out)
{
	struct policy_error err;
	char msg[1024];
	struct policy *p = policy_parse(name, text, len, &err);
	struct policy_filter *f = p ? policy_compile(p, b, n, POLICY_DENY_KILL, &err) : NULL;
	if (f == NULL || policy_filter_bpf(f, out, &err) < 0) {
		policy_error_format(&err, msg, sizeof(msg));
		fprintf(stderr, "bench_syscall: %s\n", msg);
		exit(1);
	}
	policy_filter_free(f);
	policy_free(p);
}

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return NULL;
	char *text = malloc(1 << 16);
	*len = fread(text, 1, (1 << 16) - 1, f);
	fclose(f);
	return text;
}

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts); /* vDSO: no syscall, so allowed */
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* In a forked process: load the filter, time `calls` reads on `fd`, report
 * the ns per call through the log descriptor, which every policy allows. */
static double measure(const struct setup *s, int fd, long calls)
{
	int pipefd[2], pair[2];
	if (pipe(pipefd) < 0 || socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, pair) < 0)
		die("setup");
	pid_t pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		if (dup2(pipefd[1], FD_LOG) < 0 || dup2(pair[0], FD_IPC) < 0 ||
		    dup2(pair[0], FD_CLIENT) < 0)
			_exit(3);
		if (s->bpf.count > 0 && policy_bpf_load(&s->bpf) != 0)
			_exit(4);
		char buf[1];
		uint64_t start = now_ns();
		for (long i = 0; i < calls; i++)
			syscall(SYS_read, fd, buf, 0);
		double ns = (double)(now_ns() - start) / (double)calls;
		syscall(SYS_write, FD_LOG, &ns, sizeof(ns));
		syscall(SYS_exit_group, 0);
	}
	close(pipefd[1]);
	close(pair[0]);
	close(pair[1]);
	double ns = -1;
	if (read(pipefd[0], &ns, sizeof(ns)) != sizeof(ns))
		ns = -1;
	close(pipefd[0]);
	int status;
	waitpid(pid, &status, 0);
	if (ns < 0) {
		fprintf(stderr, "bench_syscall: %s: the measuring process failed (status 0x%x)\n",
		        s->name, status);
		exit(1);
	}
	return ns;
}

static int compare_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	long calls = argc > 1 ? atol(argv[1]) : 1000000;
	int rounds = argc > 2 ? atoi(argv[2]) : 7;
	if (calls <= 0 || rounds <= 0 || rounds > MAX_ROUNDS) {
		fprintf(stderr, "usage: bench_syscall [calls-per-round] [rounds <= %d]\n",
		        MAX_ROUNDS);
		return 2;
	}
	struct setup setups[3] = {
	        {.name = "no filter"}, {.name = "child policy"}, {.name = "seed policy"}};
	const struct policy_binding child[] = {
	        {"ipc_fd", FD_IPC}, {"logfile_fd", FD_LOG},         {"gui_socket_fd", 5},
	        {"epoll_fd", 6},    {"first_client_fd", FD_CLIENT}, {"fd_limit", FD_LIMIT},
	};
	compile("child.policy", child_policy_text, child_policy_length, child, 6, &setups[1].bpf);
	size_t seed_len;
	char *seed = read_file(WARDEN_SOURCE_DIR "/tests/data/seed_shape.seccomppolicy", &seed_len);
	size_t nsetups = 2;
	if (seed != NULL) {
		const struct policy_binding b[] = {{"logfile_fd", FD_LOG}, {"gui_socket_fd", 5}};
		compile("seed", seed, seed_len, b, 2, &setups[2].bpf);
		nsetups = 3;
		free(seed);
	}
	const int fds[] = {FD_IPC, FD_CLIENT};
	printf("read(fd, buf, 0): median ns per call over %d rounds of %ld calls\n", rounds, calls);
	printf("%-14s %5s %12s %12s\n", "filter", "fd", "ns/call", "+ns vs none");
	for (size_t f = 0; f < sizeof(fds) / sizeof(fds[0]); f++) {
		double samples[3][MAX_ROUNDS];
		for (int r = 0; r < rounds; r++) /* interleaved, so drift hits all */
			for (size_t s = 0; s < nsetups; s++)
				samples[s][r] = measure(&setups[s], fds[f], calls);
		double base = 0;
		for (size_t s = 0; s < nsetups; s++) {
			qsort(samples[s], (size_t)rounds, sizeof(double), compare_double);
			double median = samples[s][rounds / 2];
			if (s == 0)
				base = median;
			char instructions[32] = "";
			if (setups[s].bpf.count > 0)
				snprintf(instructions, sizeof(instructions), "(%u insns)",
				         setups[s].bpf.programs[0].len);
			printf("%-14s %5d %12.1f %12.1f %s\n", setups[s].name, fds[f], median,
			       median - base, instructions);
		}
	}
	for (size_t s = 0; s < nsetups; s++)
		policy_bpf_release(&setups[s].bpf);
	return 0;
}
