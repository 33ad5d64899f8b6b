/*
 * explain.h - why a policy allows or denies one system call.
 *
 * Given a parsed policy and its bindings, says whether a call (x86_64
 * number, six arguments) is allowed, by which rule, and for a denial which
 * argument failed and what the rule allows for it, in the policy's own
 * terms:
 *
 *     close(4): denied: arg 0 is 4 (logfile_fd); the rule at
 *     child.policy:96 allows first_client_fd <= arg 0 < fd_limit
 *
 * The verdict is the compiled filter's, exactly: it is read from the same
 * sets of argument values the compiler encodes (an int argument by its low
 * 32 bits, as the kernel reads it; a foreign architecture or the x32 ABI
 * denied), and tests/test_policy_explain.c checks it against the BPF.
 *
 *     struct policy_explainer *x = policy_explainer_new(policy, b, n, &err);
 *     struct policy_explanation e;
 *     policy_explain(x, &(struct policy_call){.nr = nr, .arch = arch, ...}, &e);
 *     policy_explanation_format(x, &e, buf, sizeof(buf));
 *
 * Preparing (policy_explainer_new) allocates; explaining and formatting do
 * not, print nothing and keep no state, so a prepared explainer can decode
 * any number of violation reports (nr, arch, args, ip).
 */
#ifndef WARDEN_POLICY_EXPLAIN_H
#define WARDEN_POLICY_EXPLAIN_H

#include "policy.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One system call as seccomp sees it (struct seccomp_data). */
struct policy_call {
	int nr;
	uint32_t arch; /* AUDIT_ARCH_X86_64 for a native call */
	uint64_t args[6];
	uint64_t ip;
};

enum policy_verdict {
	POLICY_ALLOWED,
	POLICY_DENIED,
};

enum policy_reason {
	POLICY_REASON_UNCONDITIONAL,   /* allowed: the rule has no condition */
	POLICY_REASON_CONDITION_HOLDS, /* allowed: the rule's condition holds */
	POLICY_REASON_CONDITION_FAILS, /* denied: the syscall's rule does not hold */
	POLICY_REASON_NO_RULE,         /* denied: no rule names the syscall */
	POLICY_REASON_FOREIGN_ARCH,    /* denied (killed): not an x86_64 call */
	POLICY_REASON_X32,             /* denied (killed): an x32-ABI number */
};

struct policy_explanation {
	enum policy_verdict verdict;
	enum policy_reason reason;
	struct policy_call call;
	const char *syscall; /* its name, or NULL when no x86_64 syscall has the number */
	/* The rule, for every reason but NO_RULE, FOREIGN_ARCH and X32. */
	bool has_rule;
	size_t rule; /* index, as policy_rule_syscall() counts */
	unsigned line;
	/* CONDITION_HOLDS: the alternative of the condition that holds. */
	size_t alternative;
	/* CONDITION_FAILS: the closest alternatives fail on `misses` arguments
	 * each; `failing` has bit i set when argument i fails in one of them. */
	unsigned misses;
	unsigned failing;
};

struct policy_explainer;

/* Prepares `policy` (which must outlive the explainer) with its bindings,
 * each declared parameter exactly once, as policy_compile() takes them.
 * Returns NULL with `err` filled where policy_compile() would fail on the
 * bindings or a condition. */
struct policy_explainer *policy_explainer_new(const struct policy *policy,
                                              const struct policy_binding *bindings, size_t count,
                                              struct policy_error *err);
void policy_explainer_free(struct policy_explainer *x);

/* Fills `out` for `call`; returns the verdict. No allocation. */
enum policy_verdict policy_explain(const struct policy_explainer *x, const struct policy_call *call,
                                   struct policy_explanation *out);

/* One line (no newline) such as the one above into `buf`, always
 * terminated; returns the length it needed, as snprintf does. */
size_t policy_explanation_format(const struct policy_explainer *x,
                                 const struct policy_explanation *e, char *buf, size_t size);

#endif
