/*
 * logfile.h - the log file as the parent holds it: opened once (append,
 * created 0640, close-on-exec), reopened by path on SIGHUP after logrotate
 * renamed it, and written by the parent itself while no child runs (the
 * same line format as the child's logger, origin "parent", and the same
 * [log] settings: level, format, stderr_level).
 *
 * The parent runs as root and opens a path that others may be able to
 * change, so every open is O_NOFOLLOW and O_NONBLOCK (a symbolic link is
 * refused, a FIFO cannot hang it), and what it opened must be a regular
 * file owned by this user or root, not writable by group or others, with
 * one link (docs/configuration.md, "Log file"); else it is closed again
 * and the open fails.
 */
#ifndef WARDEN_PARENT_LOGFILE_H
#define WARDEN_PARENT_LOGFILE_H

#include "config.h"
#include "ipc/ipc.h"

#include <limits.h>
#include <stddef.h>

struct logger;

/* How the parent's own lines are written: as the child's (ipc_config). */
struct logfile_style {
	enum ipc_log_level min_level;
	enum ipc_log_level stderr_level;
	enum ipc_log_format format;
};

/* The style the [log] keys of `cfg` say. */
struct logfile_style logfile_style_of(const struct warden_config *cfg);

struct logfile {
	char path[PATH_MAX];
	int fd;
	struct logfile_style style;
	struct logger *logger; /* the parent's own writer on fd */
};

/* Returns 0, or -1 with `err` saying what is wrong with `path` (missing
 * directory, permission denied, a symbolic link, a FIFO, a directory,
 * another user's file, ...). */
int logfile_open(struct logfile *lf, const char *path, const struct logfile_style *style, char *err,
                 size_t err_size);

/* For --check-config: whether logfile_open would succeed, without creating
 * the file (an existing file must be writable; else its directory must be
 * writable). Returns 0, or -1 with `err` as logfile_open says it. */
int logfile_check(const char *path, char *err, size_t err_size);

/* Opens `path` (the same as before, after logrotate renamed it, or
 * another one a reload names) and, on success, swaps the new descriptor
 * and `style` in and closes the old one; on failure keeps the old one and
 * its style. Returns 1 when the file opened is another file than before
 * (logrotate moved it, or the path changed), 0 when it is the same file,
 * or -1 with `err` filled. */
int logfile_reopen(struct logfile *lf, const char *path, const struct logfile_style *style,
                   char *err, size_t err_size);

/* Writes the parent's own lines in `style` from now on (a reload that kept
 * the file). Returns 0, or -1 (out of memory) with the old style kept. */
int logfile_set_style(struct logfile *lf, const struct logfile_style *style);

/* Writes one of the parent's records itself: to the file, and those at
 * the style's stderr_level and above to stderr too. */
void logfile_write(struct logfile *lf, const struct ipc_log *rec);

void logfile_close(struct logfile *lf);

#endif
