/*
 * fd_layout.h - the child's fixed descriptor table.
 *
 * The child policy's parameters are descriptor numbers, so the child puts
 * every descriptor it needs at a known number and proves that nothing else
 * is open before it locks itself down (docs/architecture.md):
 *
 *   0, 1  /dev/null        3  IPC socket      5  GUI listening socket
 *   2     stderr           4  log file        6+ libuv, then clients
 */
#ifndef WARDEN_CHILD_FD_LAYOUT_H
#define WARDEN_CHILD_FD_LAYOUT_H

#include <stdbool.h>
#include <stddef.h>

enum {
	FD_STDERR = 2,
	FD_IPC = 3,
	FD_LOG = 4,
	FD_GUI = 5,
	FD_FIRST_LOOP = 6, /* libuv's descriptors start here */
};

/* Moves the received log fd and GUI socket to 4 and 5 (close-on-exec),
 * puts /dev/null on 0 and 1, and closes every other descriptor from 6 up.
 * Returns 0, or -1 with `why` saying what failed. */
int fd_layout_arrange(int log_fd, int gui_fd, char *why, size_t why_size);

/* Reads /proc/self/fd and checks that exactly the descriptors 0 .. `highest`
 * are open: at start (highest 3: the parent must pass only stdin, stdout,
 * stderr and the IPC socket; a stray one means it leaked a descriptor) and
 * once the layout is arranged (highest 5). Returns 0, or -1 with `why`
 * naming a stray or missing descriptor. */
int fd_layout_verify_proc(int highest, char *why, size_t why_size);

/* Probes every descriptor below `limit` once with fcntl (works without
 * /proc, after the root is pivoted): the open ones must be exactly 0 ..
 * highest, with no gap. Returns the highest open descriptor, or -1 with
 * `why` naming the first descriptor out of place. */
int fd_layout_probe(int limit, char *why, size_t why_size);

#endif
