/*
 * child_program.h - which program the parent starts as its child, and
 * whether it may: the configured `sandbox.child_program`, else warden-child
 * beside warden (a build tree), else the installed one, in ../libexec/warden/
 * relative to warden's own directory. It must be executable, and it must
 * not be the test build (warden-child-test misbehaves on request: a request
 * for /test/abort would end it), unless WARDEN_ALLOW_TEST_CHILD=1 says that
 * a test harness means it. That test mode is also told to each child
 * (config.test_mode), and the test build boots only when it is set: a
 * parent that missed the mark still gets no misbehaving child.
 */
#ifndef WARDEN_PARENT_CHILD_PROGRAM_H
#define WARDEN_PARENT_CHILD_PROGRAM_H

#include "config.h"

#include <stdbool.h>
#include <stddef.h>

/* The string the test build carries (tests/child/main.c) and the parent
 * looks for in the file. */
#define CHILD_PROGRAM_TEST_MARK "WARDEN-CHILD-TEST-BUILD: misbehaves on request, never deploy"

/* Whether the parent runs in explicit test mode (WARDEN_ALLOW_TEST_CHILD=1,
 * set by the test harnesses only): the test build may then be the child,
 * and each child is told so (config.test_mode), which the test build
 * requires. */
bool child_program_test_mode(void);

/* Finds the program into `out` and checks it. Returns 0, or -1 with `err`
 * saying what is wrong (quoting the path). */
int child_program_find(const struct warden_config *cfg, char *out, size_t size, char *err,
                       size_t err_size);

#endif
