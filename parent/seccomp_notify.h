/*
 * seccomp_notify.h - the parent's end of a child's seccomp listener.
 *
 * In notify and complain mode the child's filter answers a call its policy
 * denies with SECCOMP_RET_USER_NOTIF: the call waits in the kernel until
 * the listener's holder answers. The child creates the listener when it
 * loads the filter and names its number in READY; the parent takes its own
 * copy with pidfd_getfd(2) (which needs CAP_SYS_PTRACE over a child that
 * is not dumpable) before it tells the child to serve, and checks that it
 * is a seccomp listener. From then on each notification gives the parent
 * the call as the kernel saw it (number, architecture, arguments,
 * instruction pointer): nothing the child could have written.
 *
 * A call made before the parent holds the listener waits for it: READY is
 * the first thing the child sends after loading the filter, with sendto,
 * which the policy allows, so the parent always comes. A listener whose
 * every copy is closed (the parent gone) makes denied calls fail with
 * ENOSYS: they still never run.
 */
#ifndef WARDEN_PARENT_SECCOMP_NOTIFY_H
#define WARDEN_PARENT_SECCOMP_NOTIFY_H

#include "policy/explain.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <uv.h>

struct seccomp_notify;

/* A call the kernel holds: `id` answers it (seccomp_notify_continue), or
 * the caller kills the process. `pid` is the calling thread's, as the
 * parent sees it. */
typedef void (*seccomp_notify_fn)(void *data, uint64_t id, pid_t pid,
                                  const struct policy_call *call);

/* Takes descriptor `child_fd` of process `pid` (which must be the parent's
 * own child, not yet reaped), checks that it is a seccomp listener, and
 * watches it on `loop`. Returns NULL with `why` filled on failure. */
struct seccomp_notify *seccomp_notify_take(uv_loop_t *loop, pid_t pid, int child_fd,
                                           seccomp_notify_fn fn, void *data, char *why,
                                           size_t why_size);

/* Lets the call run (SECCOMP_USER_NOTIF_FLAG_CONTINUE). Returns 0, or
 * -errno (-ENOENT: the call is gone, its thread killed). */
int seccomp_notify_continue(struct seccomp_notify *n, uint64_t id);

/* Stops watching and closes the parent's copy; the memory goes once libuv
 * has closed the handle. No callback after this. */
void seccomp_notify_close(struct seccomp_notify *n);

#endif
