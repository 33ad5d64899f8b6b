/*
 * syscalls.h - the argument types of Linux x86_64 system calls.
 *
 * The kernel reads an `int` argument from the low 32 bits of its register and
 * ignores the high 32, so a filter that checks such an argument must compare
 * exactly the low 32 bits; a `long` or pointer argument is compared on all 64.
 * This table says which is which, from the kernel's SYSCALL_DEFINE
 * signatures. Syscall numbers come from libseccomp, not from here.
 */
#ifndef WARDEN_POLICY_SYSCALLS_H
#define WARDEN_POLICY_SYSCALLS_H

#include <stddef.h>

enum syscall_arg_width {
	SYSCALL_ARG_NONE = 0, /* the syscall has no such argument */
	SYSCALL_ARG_32 = 32,  /* int, unsigned int, pid_t, uid_t, ...: low 32 bits */
	SYSCALL_ARG_64 = 64,  /* long, size_t, off_t, pointers: all 64 bits */
};

struct syscall_signature {
	const char *name;
	unsigned nargs;                  /* 0..6 */
	enum syscall_arg_width width[6]; /* width[i] for i < nargs */
};

/* The signature of the syscall called `name`, or NULL when the table does
 * not know it (a policy may then allow it unconditionally, but cannot test
 * its arguments). */
const struct syscall_signature *syscall_signature_find(const char *name);

/* Every entry, sorted by name, for tests that walk the table. */
const struct syscall_signature *syscall_signature_table(size_t *count);

#endif
