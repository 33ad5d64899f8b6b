/*
 * arg_kinds.h - what some syscall arguments mean, so that a value can be
 * shown in the policy's own terms: a descriptor (named by the parameters
 * bound to it), a directory descriptor (also AT_FDCWD), or a value from a
 * family of named constants (SOCK_NONBLOCK|SOCK_CLOEXEC, AF_INET). Only
 * what the table lists is named; any other argument is a plain number.
 * Internal to policy/.
 */
#ifndef WARDEN_POLICY_ARG_KINDS_H
#define WARDEN_POLICY_ARG_KINDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum arg_kind {
	ARG_NUMBER, /* nothing known: a number */
	ARG_FD,     /* a file descriptor */
	ARG_DIRFD,  /* a directory descriptor, or AT_FDCWD */
	ARG_NAMED,  /* a value of a family of constants */
};

/* A family of constants, by name (values from constants.c, that is from the
 * system headers). A value is one of `choices` in the bits of
 * `choice_mask` (all bits for a plain enumeration), plus any of `flags`. */
struct constant_family {
	const char *name; /* for tests and messages: "socket type" */
	uint64_t choice_mask;
	const char *const *choices; /* NULL-terminated, or NULL */
	const char *const *flags;   /* NULL-terminated, or NULL */
};

struct arg_kind_of {
	enum arg_kind kind;
	const struct constant_family *family; /* ARG_NAMED */
};

struct syscall_arg_kinds {
	const char *syscall;
	struct arg_kind_of args[6];
};

/* What argument `arg` of `syscall` is; ARG_NUMBER when the table does not
 * say. */
struct arg_kind_of arg_kind_find(const char *syscall, unsigned arg);

/* Writes `value` (an argument in the domain [0, max]) with the family's
 * names, such as "SOCK_STREAM|SOCK_CLOEXEC" or "MSG_NOSIGNAL|0x1000".
 * Returns false, writing nothing, when no name of the family takes part. */
bool constant_family_render(const struct constant_family *f, uint64_t value, uint64_t max,
                            char *buf, size_t size);

/* Every entry, for tests that check each name resolves. */
const struct syscall_arg_kinds *arg_kinds_table(size_t *count);

#endif
