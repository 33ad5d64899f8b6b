/*
 * escape.h - forbidden operations for the escape test suite.
 *
 * Compiled only into the test build of the child (warden-child-test):
 * started with `--escape NAME`, it boots and locks down as usual, reports
 * ready, then attempts the named operation (tests/child/main.c), which its
 * filter must deny. tests/test_child.c runs every entry and checks the
 * violation report names `syscall`.
 */
#ifndef WARDEN_TESTS_CHILD_ESCAPE_H
#define WARDEN_TESTS_CHILD_ESCAPE_H

#include <stddef.h>

struct child;

struct escape {
	const char *name;    /* the --escape argument */
	const char *syscall; /* what the violation report must name */
	void (*attempt)(const struct child *c);
};

const struct escape *escape_table(size_t *count);
const struct escape *escape_find(const char *name);

#endif
