/*
 * diff.h - what changes between two policies, from their meaning: per
 * syscall, the calls the second allows that the first denies ("becomes
 * allowed") and the other way round ("becomes denied"), each as exact
 * regions of argument values (boxes). Two policies that differ in text but
 * mean the same (rules reordered, `< 4` for `<= 3`, a rule split into an
 * `or`) have no difference. Internal to policy/ (`warden policy diff`).
 */
#ifndef WARDEN_POLICY_DIFF_H
#define WARDEN_POLICY_DIFF_H

#include "policy.h"

/* Receives one line of the difference, without a newline, such as
 * "close: becomes allowed: 6 <= arg 0 <= 9". */
typedef void (*policy_diff_line)(void *ctx, const char *line);

/* Binds both policies from one list (a binding that one policy does not
 * declare is skipped for that one; every declared parameter must be bound),
 * compares them and calls `line` for each difference, by syscall name.
 * Returns the number of differences (0: the same meaning), or -1 with `err`
 * filled. */
long policy_diff(const struct policy *before, const struct policy *after,
                 const struct policy_binding *bindings, size_t count, policy_diff_line line,
                 void *ctx, struct policy_error *err);

#endif
