/*
 * violation.h - what the child does when its filter denies a syscall.
 *
 * In report mode the filter traps (SIGSYS) instead of killing. The handler
 * installed here writes one line to stderr naming the syscall and its
 * arguments, sends an IPC_VIOLATION message to the parent, and exits: the
 * denied call never runs and the handler never returns. It uses only what
 * the child policy allows (write to 2, sendto on the IPC socket,
 * exit_group) and allocates nothing: a second denial inside it kills the
 * process, since SIGSYS is blocked while the handler runs.
 */
#ifndef WARDEN_CHILD_VIOLATION_H
#define WARDEN_CHILD_VIOLATION_H

#include "ipc/ipc.h"

enum { VIOLATION_EXIT_STATUS = 128 + 31 }; /* as if killed by SIGSYS */

/* Resolves every x86_64 syscall's name now, while libseccomp may still
 * allocate, and installs the SIGSYS handler. `channel` is the IPC channel
 * the report goes through; it must outlive the process. Returns 0 or -1. */
int violation_install(struct ipc_channel *channel);

/* The name resolved at install time, or NULL. */
const char *violation_syscall_name(unsigned nr);

#endif
