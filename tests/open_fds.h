/*
 * open_fds.h - counting open descriptors, to show that code under test
 * leaks none.
 */
#ifndef WARDEN_TESTS_OPEN_FDS_H
#define WARDEN_TESTS_OPEN_FDS_H

#include <sys/types.h>

/* Open descriptors of this process, not counting the one that lists them;
 * -1 when /proc/self/fd cannot be read. */
int open_fds(void);

/* Open descriptors of process `pid` (a daemon under test); -1 when its
 * /proc/PID/fd cannot be read. */
int open_fds_of(pid_t pid);

#endif
