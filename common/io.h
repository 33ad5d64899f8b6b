/*
 * io.h - writing a whole buffer to a descriptor, for the writers that must
 * not lose a byte to a short write or EINTR: the logger's lines, the
 * trace's buffers, `warden policy export`.
 */
#ifndef WARDEN_COMMON_IO_H
#define WARDEN_COMMON_IO_H

#include <stddef.h>

/* Writes buf[0 .. len) with write(2), going on after short writes and
 * EINTR. Returns 0, or -errno of the write that failed (-EIO for a write
 * that made no progress and gave no error: it is not retried, so a dead
 * descriptor cannot make it spin). `*written`, if not NULL, says how many
 * bytes went, also on failure. */
int io_write_all(int fd, const void *buf, size_t len, size_t *written);

#endif
