/*
 * explainer.h - what a prepared explainer holds: the policy's rules as
 * boxes with the bound values, and a table from syscall numbers to rules
 * and signatures. Internal to policy/ (explain.c builds it, suggest.c
 * reads it).
 */
#ifndef WARDEN_POLICY_EXPLAINER_H
#define WARDEN_POLICY_EXPLAINER_H

#include "explain.h"
#include "meaning.h"
#include "syscalls.h"

enum {
	MAX_NR = 1024, /* x86_64 numbers are far below */
};

struct rule_meaning {
	struct box_list boxes;
	uint64_t max[MEANING_NARGS];
};

struct policy_explainer {
	const struct policy *policy;
	uint64_t values[POLICY_MAX_PARAMS];
	struct rule_meaning *rules; /* one per rule */
	size_t rule_of[MAX_NR];     /* rule index + 1; 0: no rule */
	const struct syscall_signature *signature_of[MAX_NR];
};

#endif
