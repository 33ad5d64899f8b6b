/*
 * ast.h - a parsed policy, shared by the parser and the compiler.
 * Internal to policy/; users see struct policy only through policy.h.
 */
#ifndef WARDEN_POLICY_AST_H
#define WARDEN_POLICY_AST_H

#include "intervals.h"
#include "policy.h"
#include "syscalls.h"

#include <stdbool.h>
#include <stdint.h>

enum { POLICY_MAX_PARAMS = 64 };

struct source_pos {
	unsigned line, column;
};

enum expr_kind {
	EXPR_AND,
	EXPR_OR,
	EXPR_NOT,
	EXPR_CMP,
};

/* The value side of a comparison: a number known at parse time (already
 * fitted to the argument's width), or a parameter bound at compile time. */
struct operand {
	bool is_param;
	size_t param;   /* index into policy->params when is_param */
	uint64_t value; /* when !is_param */
};

struct expr {
	enum expr_kind kind;
	struct source_pos pos;
	struct expr *first; /* operands of and/or/not */
	struct expr *next;  /* sibling in the parent's operand list */
	/* EXPR_CMP: (arg) op (operand), the argument always on the left. */
	enum interval_cmp op;
	unsigned arg;
	struct operand operand;
};

struct param {
	char *name;
	struct source_pos pos;
};

struct rule {
	char *syscall;
	int number; /* libseccomp's syscall number for this architecture */
	const struct syscall_signature *signature; /* NULL if untyped */
	struct source_pos pos;
	struct expr *condition; /* NULL: allowed unconditionally */
};

struct policy {
	char *name;
	struct param *params;
	size_t param_count;
	struct rule *rules;
	size_t rule_count;
};

/* Helpers for errors that point into the file. */
void policy_error_set(struct policy_error *err, const char *file, struct source_pos pos,
                      const char *fmt, ...) __attribute__((format(printf, 4, 5)));

#endif
