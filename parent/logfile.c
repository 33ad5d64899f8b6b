/*
 * logfile.c - see logfile.h.
 */
#include "logfile.h"
#include "logger/logger.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

enum { LOG_MODE = 0640 };

static void explain_open_error(const char *path, int e, char *err, size_t err_size)
{
	char dir[PATH_MAX];
	snprintf(dir, sizeof(dir), "%s", path);
	const char *parent = dirname(dir);
	switch (e) {
	case ENOENT:
		snprintf(err, err_size, "cannot open log file %s: directory %s does not exist",
		         path, parent);
		break;
	case EACCES:
		snprintf(err, err_size,
		         "cannot open log file %s: permission denied (the file or directory %s "
		         "is not writable by this user)",
		         path, parent);
		break;
	default:
		snprintf(err, err_size, "cannot open log file %s: %s", path, strerror(e));
	}
}

static int open_path(const char *path, char *err, size_t err_size)
{
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, LOG_MODE);
	if (fd < 0)
		explain_open_error(path, errno, err, err_size);
	return fd;
}

static struct logger *create_writer(int fd, const struct logfile_style *style)
{
	const struct logger_config cfg = {
	        .log_fd = fd,
	        .stderr_fd = 2,
	        .generation = 0,
	        .min_level = style->min_level,
	        .stderr_level = style->stderr_level,
	        .format = style->format,
	        .ring_lines = 0,
	        .allocator = NULL,
	};
	struct logger *lg = NULL;
	return logger_create(&lg, &cfg) < 0 ? NULL : lg;
}

int logfile_check(const char *path, char *err, size_t err_size)
{
	/* O_NONBLOCK: a FIFO planted at the path must not hang a check. */
	int fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd >= 0) {
		close(fd);
		return 0;
	}
	if (errno != ENOENT) {
		explain_open_error(path, errno, err, err_size);
		return -1;
	}
	char dir[PATH_MAX];
	snprintf(dir, sizeof(dir), "%s", path);
	if (access(dirname(dir), W_OK | X_OK) == 0)
		return 0; /* run creates the file there */
	explain_open_error(path, errno, err, err_size);
	return -1;
}

int logfile_open(struct logfile *lf, const char *path, const struct logfile_style *style, char *err,
                 size_t err_size)
{
	memset(lf, 0, sizeof(*lf));
	lf->fd = -1;
	lf->style = *style;
	if (snprintf(lf->path, sizeof(lf->path), "%s", path) >= (int)sizeof(lf->path)) {
		snprintf(err, err_size, "log file path too long");
		return -1;
	}
	lf->fd = open_path(path, err, err_size);
	if (lf->fd < 0)
		return -1;
	lf->logger = create_writer(lf->fd, &lf->style);
	if (lf->logger == NULL) {
		snprintf(err, err_size, "cannot set up the log writer: out of memory");
		logfile_close(lf);
		return -1;
	}
	return 0;
}

int logfile_reopen(struct logfile *lf, char *err, size_t err_size)
{
	int fd = open_path(lf->path, err, err_size);
	if (fd < 0)
		return -1;
	struct logger *lg = create_writer(fd, &lf->style);
	if (lg == NULL) {
		snprintf(err, err_size, "cannot set up the log writer: out of memory");
		close(fd);
		return -1;
	}
	logger_destroy(lf->logger);
	close(lf->fd);
	lf->fd = fd;
	lf->logger = lg;
	return 0;
}

void logfile_write(struct logfile *lf, const struct ipc_log *rec)
{
	if (lf->logger != NULL)
		logger_log_parent(lf->logger, rec);
}

void logfile_close(struct logfile *lf)
{
	logger_destroy(lf->logger);
	lf->logger = NULL;
	if (lf->fd >= 0)
		close(lf->fd);
	lf->fd = -1;
}
