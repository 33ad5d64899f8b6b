/*
 * test_syscalls.c - the syscall argument-width table (policy/syscalls.c).
 *
 * Checks the table's shape (sorted, sane widths), that libseccomp knows every
 * name on x86_64, that every syscall libseccomp names up to the newest one in
 * the kernel table the widths were read from is either in the table or on the
 * documented list of left-out calls, and a dozen signatures by hand.
 */
#include <criterion/criterion.h>

#include <seccomp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "policy/syscalls.h"

/* The newest syscall number in the kernel table the widths come from. */
#define NEWEST_TABLE_NR 462

/* Syscalls with an x86_64 number that the table leaves out on purpose: no
 * implementation on x86_64, or too new for libseccomp 2.5.4. */
static const char *const left_out[] = {
        /* no implementation on x86_64 */
        "_sysctl",
        "afs_syscall",
        "create_module",
        "epoll_ctl_old",
        "epoll_wait_old",
        "get_kernel_syms",
        "get_thread_area",
        "getpmsg",
        "lookup_dcookie",
        "nfsservctl",
        "putpmsg",
        "query_module",
        "security",
        "set_thread_area",
        "tuxcall",
        "uselib",
        "vserver",
        /* unknown to libseccomp 2.5.4 */
        "uretprobe",
        "statmount",
        "listmount",
        "lsm_get_self_attr",
        "lsm_set_self_attr",
        "lsm_list_modules",
        "mseal",
};

static bool is_left_out(const char *name)
{
	for (size_t i = 0; i < sizeof(left_out) / sizeof(left_out[0]); i++)
		if (strcmp(left_out[i], name) == 0)
			return true;
	return false;
}

Test(syscalls, table_is_sorted_and_well_formed)
{
	size_t count = 0;
	const struct syscall_signature *table = syscall_signature_table(&count);

	cr_assert_not_null(table);
	cr_assert_gt(count, 340, "only %zu entries", count);
	for (size_t i = 0; i < count; i++) {
		const struct syscall_signature *s = &table[i];

		cr_assert_not_null(s->name, "entry %zu has no name", i);
		if (i > 0)
			cr_assert_lt(strcmp(table[i - 1].name, s->name), 0,
			             "\"%s\" is not strictly before \"%s\"", table[i - 1].name,
			             s->name);
		cr_assert_leq(s->nargs, 6, "%s: nargs %u", s->name, s->nargs);
		for (unsigned a = 0; a < 6; a++) {
			if (a < s->nargs)
				cr_assert(s->width[a] == SYSCALL_ARG_32 ||
				                  s->width[a] == SYSCALL_ARG_64,
				          "%s: arg %u has width %d", s->name, a, (int)s->width[a]);
			else
				cr_assert_eq(s->width[a], SYSCALL_ARG_NONE,
				             "%s: arg %u beyond nargs %u has width %d", s->name, a,
				             s->nargs, (int)s->width[a]);
		}
	}
}

Test(syscalls, find_returns_the_table_entry)
{
	size_t count = 0;
	const struct syscall_signature *table = syscall_signature_table(&count);

	for (size_t i = 0; i < count; i++)
		cr_assert_eq(syscall_signature_find(table[i].name), &table[i], "%s", table[i].name);
	cr_assert_null(syscall_signature_find("no_such_syscall"));
	cr_assert_null(syscall_signature_find(""));
	cr_assert_null(syscall_signature_find("READ"));
	cr_assert_null(syscall_signature_find("uselib"));
	cr_assert_null(syscall_signature_find("mseal"));
	cr_assert_null(syscall_signature_find(NULL));
}

Test(syscalls, every_name_resolves_with_libseccomp)
{
	size_t count = 0;
	const struct syscall_signature *table = syscall_signature_table(&count);

	for (size_t i = 0; i < count; i++)
		cr_assert_geq(seccomp_syscall_resolve_name_arch(SCMP_ARCH_X86_64, table[i].name), 0,
		              "libseccomp does not know \"%s\" on x86_64", table[i].name);
}

Test(syscalls, table_covers_libseccomp_x86_64)
{
	for (int nr = 0; nr <= NEWEST_TABLE_NR; nr++) {
		char *name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_X86_64, nr);

		if (name == NULL)
			continue;
		cr_assert(syscall_signature_find(name) != NULL || is_left_out(name),
		          "x86_64 syscall %d \"%s\" is neither in the table nor left out", nr,
		          name);
		free(name);
	}
	for (size_t i = 0; i < sizeof(left_out) / sizeof(left_out[0]); i++)
		cr_assert_null(syscall_signature_find(left_out[i]), "%s", left_out[i]);
}

/* Expects `name` to take `nargs` arguments of the given widths (32 or 64). */
static void expect(const char *name, unsigned nargs, ...)
{
	const struct syscall_signature *s = syscall_signature_find(name);
	va_list ap;

	cr_assert_not_null(s, "%s is not in the table", name);
	cr_assert_eq(s->nargs, nargs, "%s: nargs %u, expected %u", s->name, s->nargs, nargs);
	va_start(ap, nargs);
	for (unsigned a = 0; a < nargs; a++) {
		int want = va_arg(ap, int);

		cr_assert_eq((int)s->width[a], want, "%s: arg %u is %d, expected %d", name, a,
		             (int)s->width[a], want);
	}
	va_end(ap);
}

Test(syscalls, known_signatures)
{
	expect("read", 3, 32, 64, 64);
	expect("write", 3, 32, 64, 64);
	expect("close", 1, 32);
	expect("fsync", 1, 32);
	expect("kill", 2, 32, 32);
	expect("lseek", 3, 32, 64, 32);
	expect("ioctl", 3, 32, 32, 64);
	expect("fcntl", 3, 32, 32, 64);
	expect("accept4", 4, 32, 64, 64, 32);
	expect("sendto", 6, 32, 64, 64, 32, 64, 32);
	expect("epoll_ctl", 4, 32, 32, 32, 64);
	expect("epoll_wait", 4, 32, 64, 32, 32);
	/* fd, prot and flags are unsigned long but only their low halves count */
	expect("mmap", 6, 64, 64, 32, 32, 32, 64);
	/* flags: the kernel reads lower_32_bits(clone_flags) */
	expect("clone", 5, 32, 64, 64, 64, 64);
	expect("readv", 3, 32, 64, 32);
	expect("openat", 4, 32, 64, 32, 32);
	expect("getpid", 0);
	expect("exit_group", 1, 32);
}
