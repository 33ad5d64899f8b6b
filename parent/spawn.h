/*
 * spawn.h - starting a child process.
 *
 * The child program is exec'd with an empty environment and exactly these
 * descriptors: 0 and 1 on /dev/null, 2 the parent's stderr, 3 its end of
 * the IPC socketpair. Everything else the parent holds is close-on-exec and
 * is closed again before exec for good measure. When the kernel allows it,
 * the child starts in a new PID namespace, where it cannot see or signal
 * any other process.
 */
#ifndef WARDEN_PARENT_SPAWN_H
#define WARDEN_PARENT_SPAWN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

enum { SPAWN_IPC_FD = 3 };

struct spawn_result {
	pid_t pid;
	bool pid_namespace; /* the child is pid 1 of a new PID namespace */
	int error;          /* errno of a failed start, 0 on success */
};

/* Starts `program` with `ipc_fd` as its fd 3 and `devnull_fd` on 0 and 1.
 * Tries a new PID namespace first unless `*pid_namespace_failed` is set,
 * and sets it when the kernel refuses one (so later starts go straight to
 * fork). */
struct spawn_result spawn_child(const char *program, int ipc_fd, int devnull_fd,
                                bool *pid_namespace_failed);

#endif
