/*
 * review.h - `warden policy explain` and `warden policy diff`, the
 * reviewer's commands (command.c parses the command line). Internal to
 * policy/.
 *
 * Both answer a question, so both exit like diff(1) and grep(1):
 *   explain: 0 allowed, 1 denied, 2 usage or policy error;
 *   diff:    0 the same meaning, 1 differences, 2 usage or policy error.
 */
#ifndef WARDEN_POLICY_REVIEW_H
#define WARDEN_POLICY_REVIEW_H

#include "policy.h"

enum {
	REVIEW_EXIT_YES = 0,   /* allowed; the same meaning */
	REVIEW_EXIT_NO = 1,    /* denied; differences */
	REVIEW_EXIT_ERROR = 2, /* usage or policy error: no answer */
};

/* `operands` are FILE SYSCALL [ARG...]; SYSCALL a name or number, each ARG
 * a number, a parameter of the policy or a constant expression. */
int review_explain(char *const *operands, size_t count, const struct policy_binding *bindings,
                   size_t binding_count);

/* `operands` are FILE [INPUT...]: the calls in each INPUT (stdin when
 * none, or "-"), as the parent writes them, turned into the narrowest
 * rules. Exit 0 when the policy allows every call seen, 1 with rules
 * suggested. */
int review_suggest(char *const *operands, size_t count, const struct policy_binding *bindings,
                   size_t binding_count);

/* `operands` are BEFORE AFTER. */
int review_diff(char *const *operands, size_t count, const struct policy_binding *bindings,
                size_t binding_count);

#endif
