/*
 * suggest.h - the shape of a denied call, and the narrowest rules that let
 * such calls through, in the policy's own language.
 *
 * A call's shape says each argument of its syscall as a policy would test
 * it, with the bindings of an explainer (explain.h):
 *
 *     fsync(logfile_fd)
 *     close(first_client_fd..fd_limit)       first_client_fd <= arg 0 < fd_limit
 *     accept4(gui_socket_fd, 0, 0, "SOCK_CLOEXEC|SOCK_NONBLOCK")
 *     read(4, *, *)                           * : any value (a pointer, a size)
 *
 * A descriptor is named by the parameter bound to its number, or by the two
 * parameters around it when they are more than two apart (a range of
 * descriptors, such as the clients'); a 32-bit argument is its value, by
 * constant names where the argument's kind is known; a 64-bit argument (a
 * pointer, a size) is 0 when it is 0 and free otherwise. The parent counts
 * violations by shape; `warden policy suggest` turns the shapes seen into
 * rules: one `and` of tests per shape, an `or` of the shapes per syscall.
 */
#ifndef WARDEN_POLICY_SUGGEST_H
#define WARDEN_POLICY_SUGGEST_H

#include "explain.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum policy_shape_kind {
	POLICY_SHAPE_ANY,   /* not tested */
	POLICY_SHAPE_VALUE, /* = value */
	POLICY_SHAPE_PARAM, /* = parameter `param` */
	POLICY_SHAPE_RANGE, /* parameter `param` <= arg < parameter `param_end` */
};

struct policy_arg_shape {
	enum policy_shape_kind kind;
	uint64_t value;
	size_t param, param_end; /* parameter indices */
};

struct policy_call_shape {
	int nr;
	const char *syscall; /* the x86_64 name */
	unsigned nargs;      /* 0 when the signature table does not know the syscall */
	struct policy_arg_shape args[6];
};

/* The shape of `call`; false for a call that has no x86_64 syscall name
 * (another architecture, the x32 ABI, an unknown number). */
bool policy_call_shape(const struct policy_explainer *x, const struct policy_call *call,
                       struct policy_call_shape *out);
bool policy_shape_equal(const struct policy_call_shape *a, const struct policy_call_shape *b);

/* "close(first_client_fd..fd_limit)" into `buf`, always terminated;
 * returns the length needed, as snprintf does. */
size_t policy_shape_format(const struct policy_explainer *x, const struct policy_call_shape *s,
                           char *buf, size_t size);

/* The shape's condition in the policy language: "(eq (arg 0) logfile_fd)",
 * "(and (>= (arg 0) first_client_fd) (< (arg 0) fd_limit))"; "" when it tests
 * no argument. */
size_t policy_shape_condition(const struct policy_explainer *x, const struct policy_call_shape *s,
                              char *buf, size_t size);

/* Finds the next raw call written as the parent writes it, anywhere in
 * `text` (a log line, `warden trace show`'s output, /api/violations):
 *   nr=74 arch=0xc000003e args=0x4,0x0,0x0,0x0,0x0,0x0
 * Sets `*next` past it. False when there is none left. */
bool policy_call_scan(const char *text, const char **next, struct policy_call *out);

/* The suggestion for `calls` as a diff against the policy, one line at a
 * time to `line`: for each syscall with denied calls, its new rule (or,
 * when it has one, the alternative to add to it) with a reason line to
 * fill in. Allowed calls and calls without a name are left out. Returns
 * the number of syscalls given a rule, or -1 when out of memory. */
long policy_suggest(const struct policy_explainer *x, const char *file,
                    const struct policy_call *calls, size_t count,
                    void (*line)(void *ctx, const char *text), void *ctx);

#endif
