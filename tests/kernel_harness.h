/*
 * kernel_harness.h - run one syscall under a loaded filter in a forked
 * process, and report what the real kernel did with it.
 *
 * The forked process arranges a fixed fd layout (as the child has), loads
 * the filter, makes exactly one raw syscall, then writes its result to the
 * "log" descriptor (fd 4, which every policy under test allows writing to)
 * and exits. The parent learns "survived, with this return value" from that
 * write, or "killed by SIGSYS" from waitpid.
 */
#ifndef WARDEN_TESTS_KERNEL_HARNESS_H
#define WARDEN_TESTS_KERNEL_HARNESS_H

#include "policy/policy.h"

#include <stdbool.h>

/* The fd layout set up in the forked process (as the child's): */
enum {
	FD_IPC = 3,         /* a SOCK_SEQPACKET socketpair end */
	FD_LOG = 4,         /* a pipe; the harness reads the verdict from it */
	FD_GUI = 5,         /* a non-blocking TCP listening socket on loopback */
	FD_EPOLL = 6,       /* an epoll instance */
	FD_CLIENT = 7,      /* a connected stream socket (first client fd) */
	FD_CLIENT2 = 8,     /* another one */
	FD_OTHER_EPOLL = 9, /* an epoll instance that is not the loop's */
	FD_LIMIT = 64,      /* bound as fd_limit */
};

struct verdict {
	bool survived;      /* the call returned and the process went on */
	bool killed_sigsys; /* the process died by SIGSYS */
	long ret;           /* the raw return value when it survived */
	int status;         /* waitpid status */
};

/* Compiles policy text or file with bindings (aborts the test on error). */
void harness_compile_text(const char *text, const struct policy_binding *b, size_t n,
                          struct policy_bpf *out);
void harness_compile_file(const char *path, const struct policy_binding *b, size_t n,
                          struct policy_bpf *out);

/* The child policy and the seed policy, bound to the layout above. */
void harness_child_policy(struct policy_bpf *out);
void harness_seed_policy(struct policy_bpf *out);

struct verdict harness_run(const struct policy_bpf *bpf, long nr, long a0, long a1, long a2,
                           long a3, long a4, long a5);

/* Asserting wrappers that say which call was wrong. */
#define EXPECT_ALLOWED(bpf, nr, ...)                                                               \
	harness_expect(bpf, true, #nr "(" #__VA_ARGS__ ")", nr, __VA_ARGS__)
#define EXPECT_KILLED(bpf, nr, ...)                                                                \
	harness_expect(bpf, false, #nr "(" #__VA_ARGS__ ")", nr, __VA_ARGS__)
#define harness_expect(bpf, allowed, what, nr, ...)                                                \
	harness_expect_call(bpf, allowed, what, nr, __VA_ARGS__, 0, 0, 0, 0, 0, 0)
#define harness_expect_call(bpf, allowed, what, nr, a0, a1, a2, a3, a4, a5, ...)                   \
	harness_check(bpf, allowed, what, nr, (long)(a0), (long)(a1), (long)(a2), (long)(a3),      \
	              (long)(a4), (long)(a5))

struct verdict harness_check(const struct policy_bpf *bpf, bool allowed, const char *what, long nr,
                             long a0, long a1, long a2, long a3, long a4, long a5);

#endif
