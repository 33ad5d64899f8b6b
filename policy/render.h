/*
 * render.h - argument values and sets of them in the policy's own terms:
 * parameters by name where a value is a parameter's, constants by name
 * where the argument's kind is known (arg_kinds.h), numbers otherwise.
 * Everything writes into a caller's buffer; nothing allocates. Internal to
 * policy/ (explain.c and diff.c).
 */
#ifndef WARDEN_POLICY_RENDER_H
#define WARDEN_POLICY_RENDER_H

#include "arg_kinds.h"
#include "ast.h"

#include <stdarg.h>

/* A bounded text: like snprintf, `len` counts what was meant to be written,
 * and the buffer is always terminated. */
struct text {
	char *buf;
	size_t size, len;
};

struct text text_in(char *buf, size_t size);
void text_add(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

struct value_name {
	const char *name;
	uint64_t value;
};

enum { RENDER_MAX_NAMES = 2 * POLICY_MAX_PARAMS };

/* How the values of one argument of one syscall are named. */
struct arg_names {
	unsigned arg;
	uint64_t max; /* its domain: UINT32_MAX or UINT64_MAX */
	struct arg_kind_of kind;
	struct value_name params[RENDER_MAX_NAMES]; /* first match wins */
	size_t param_count;
};

/* Starts `n` for argument `arg` of `rule`'s syscall with no names. */
void arg_names_init(struct arg_names *n, const struct rule *rule, unsigned arg);

/* Adds the parameters the rule compares this argument with, then, for a
 * descriptor, every other parameter: a descriptor's number is named by the
 * parameter bound to it. `values` are the bound values by index. */
void arg_names_add_policy(struct arg_names *n, const struct policy *policy, const uint64_t *values,
                          const struct rule *rule);

/* A value the call passed: "4 (logfile_fd)", "524288 (SOCK_CLOEXEC)", and for
 * a 32-bit argument with high bits set "0x100000004 (read as 4: logfile_fd)". */
void render_arg_value(struct text *t, const struct arg_names *n, uint64_t raw);

/* Sets of one argument, by index: NULL for an index not to include. */
typedef const struct interval_set *(*set_source)(const void *ctx, size_t index);

/* The union of the sets `source` gives for indices 0 to count-1, without
 * building it: "arg 0 = 2 or first_client_fd <= arg 0 < fd_limit". */
void render_arg_union(struct text *t, const struct arg_names *n, set_source source, const void *ctx,
                      size_t count);

/* One set: render_arg_union of it alone. */
void render_arg_set(struct text *t, const struct arg_names *n, const struct interval_set *set);

#endif
