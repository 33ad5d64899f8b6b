/*
 * lie.h - the lie the test build of the child tells, for the parent's
 * attestation tests (tests/test_supervisor.c): a step of its lockdown left
 * out while its ready claims it all the same (struct child_lie).
 *
 * The parent starts the child with no arguments and an empty environment,
 * so the test chooses the lie by the name it starts the child under: a
 * symbolic link named warden-child-test.lie-WHAT to warden-child-test,
 * given as sandbox.child_program. The child reads the name it was executed
 * by (AT_EXECFN), before any lockdown. WHAT is
 *
 *   a sandbox flag's name   that step left out: seccomp, no_new_privs,
 *                           caps_dropped, rlimits, net_ns, ipc_ns, ...
 *   uid                     as root, no switch to the configured user,
 *                           whose ids are claimed
 *   fd                      a descriptor of the old root kept open
 */
#ifndef WARDEN_TESTS_CHILD_LIE_H
#define WARDEN_TESTS_CHILD_LIE_H

#include "child/child.h"

#include <stdbool.h>

/* The lie the executed name asks for, into `lie`; false when it asks for
 * none (or for one this build does not know: then it tells none). */
bool lie_from_name(struct child_lie *lie);

#endif
