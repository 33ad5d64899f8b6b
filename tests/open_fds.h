/*
 * open_fds.h - counting a test process's open descriptors, to show that
 * code under test leaks none.
 */
#ifndef WARDEN_TESTS_OPEN_FDS_H
#define WARDEN_TESTS_OPEN_FDS_H

/* Open descriptors of this process, not counting the one that lists them;
 * -1 when /proc/self/fd cannot be read. */
int open_fds(void);

#endif
