/*
 * child_end.h - how a child ended, in the terms of the GUI's restart
 * timeline (struct ipc_restart) and of the parent's log.
 *
 * Three things say it, in this order: a violation the child reported (or
 * the seccomp filter's SIGSYS), the parent's own doing (a reload that
 * replaced it; a kill, with the reason generation_kill kept), and then the
 * wait status (an exit, or a signal from elsewhere).
 */
#ifndef WARDEN_PARENT_CHILD_END_H
#define WARDEN_PARENT_CHILD_END_H

#include "generation.h"
#include "ipc/ipc.h"

#include <stdbool.h>

/* The end of the reaped generation `g`, timestamped now. */
void child_end_classify(const struct generation *g, struct ipc_restart *end);

/* Logs the end: at WARNING, or NOTICE for a generation a reload replaced
 * or one that drained and exited 0 as it was told (`was_draining`); the
 * wait status in words ("exit status 1", "killed by signal 11 (SIGSEGV),
 * core dumped") and a violation's syscall and arguments. */
void child_end_log(struct generations *set, const struct generation *g,
                   const struct ipc_restart *end, bool was_draining);

#endif
