/*
 * logfile.c - see logfile.h.
 */
#include "logfile.h"
#include "logger/logger.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum { LOG_MODE = 0640 };

/* What open(2) said, for the path of a log file. */
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
	case ELOOP:
		snprintf(err, err_size,
		         "cannot open log file %s: it is a symbolic link, and the log is never "
		         "opened through one (name the file itself)",
		         path);
		break;
	case ENXIO:
		snprintf(err, err_size,
		         "cannot open log file %s: it is a FIFO or a socket, not a regular file",
		         path);
		break;
	case EISDIR:
		snprintf(err, err_size, "cannot open log file %s: it is a directory", path);
		break;
	default:
		snprintf(err, err_size, "cannot open log file %s: %s", path, strerror(e));
	}
}

/* Whoever else could write the log could forge or erase its lines, and a
 * file planted by another user (or a hard link to someone's file) is not
 * the log: refuse what logrotate would never create. */
static int check_opened(int fd, const char *path, char *err, size_t err_size)
{
	struct stat st;
	if (fstat(fd, &st) < 0) {
		snprintf(err, err_size, "cannot open log file %s: %s", path, strerror(errno));
		return -1;
	}
	const char *why = NULL;
	char text[96];
	if (!S_ISREG(st.st_mode)) {
		why = "not a regular file";
	} else if (st.st_uid != geteuid() && st.st_uid != 0) {
		snprintf(text, sizeof(text), "owned by uid %u, neither this user nor root",
		         (unsigned)st.st_uid);
		why = text;
	} else if ((st.st_mode & 022) != 0) {
		snprintf(text, sizeof(text),
		         "mode %04o lets group or others write it; chmod go-w it",
		         (unsigned)(st.st_mode & 07777));
		why = text;
	} else if (st.st_nlink > 1) {
		snprintf(text, sizeof(text), "it has %u hard links; a log file has one",
		         (unsigned)st.st_nlink);
		why = text;
	}
	if (why == NULL)
		return 0;
	snprintf(err, err_size, "refusing log file %s: %s", path, why);
	return -1;
}

/* Opens `path` with `flags` as a log file must be: never through a
 * symbolic link, never blocking (a FIFO planted at the path would hang
 * the parent in open), then checked (check_opened). The descriptor is
 * left blocking: writes to a regular file never wait anyway, but the
 * logger's must not see EAGAIN. Returns the descriptor, or -1 with `err`
 * filled (errno ENOENT when the file does not exist). */
static int open_checked(const char *path, int flags, char *err, size_t err_size)
{
	int fd = open(path,
	              flags | O_WRONLY | O_APPEND | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW | O_NONBLOCK,
	              LOG_MODE);
	if (fd < 0) {
		int e = errno;
		explain_open_error(path, e, err, err_size);
		errno = e;
		return -1;
	}
	if (check_opened(fd, path, err, err_size) < 0)
		goto refuse;
	int fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0) {
		snprintf(err, err_size, "cannot open log file %s: %s", path, strerror(errno));
		goto refuse;
	}
	return fd;
refuse:
	close(fd);
	errno = EINVAL; /* not ENOENT: logfile_check stops here */
	return -1;
}

static int open_path(const char *path, char *err, size_t err_size)
{
	return open_checked(path, O_CREAT, err, err_size);
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

struct logfile_style logfile_style_of(const struct warden_config *cfg)
{
	return (struct logfile_style){
	        .min_level = (enum ipc_log_level)cfg->log_level,
	        .stderr_level = (enum ipc_log_level)cfg->log_stderr_level,
	        .format = (enum ipc_log_format)cfg->log_format,
	};
}

int logfile_check(const char *path, char *err, size_t err_size)
{
	int fd = open_checked(path, 0, err, err_size);
	if (fd >= 0) {
		close(fd);
		return 0;
	}
	if (errno != ENOENT)
		return -1;
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

static bool same_file(int a, int b)
{
	struct stat sa, sb;
	return fstat(a, &sa) == 0 && fstat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
	       sa.st_ino == sb.st_ino;
}

int logfile_reopen(struct logfile *lf, const char *path, const struct logfile_style *style,
                   char *err, size_t err_size)
{
	char copy[PATH_MAX];
	if (snprintf(copy, sizeof(copy), "%s", path) >= (int)sizeof(copy)) {
		snprintf(err, err_size, "log file path too long");
		return -1;
	}
	int fd = open_path(copy, err, err_size);
	if (fd < 0)
		return -1;
	struct logger *lg = create_writer(fd, style);
	if (lg == NULL) {
		snprintf(err, err_size, "cannot set up the log writer: out of memory");
		close(fd);
		return -1;
	}
	bool moved = !same_file(fd, lf->fd);
	logger_destroy(lf->logger);
	close(lf->fd);
	lf->fd = fd;
	lf->logger = lg;
	lf->style = *style;
	memcpy(lf->path, copy, sizeof(lf->path));
	return moved ? 1 : 0;
}

int logfile_set_style(struct logfile *lf, const struct logfile_style *style)
{
	struct logger *lg = create_writer(lf->fd, style);
	if (lg == NULL)
		return -1;
	logger_destroy(lf->logger);
	lf->logger = lg;
	lf->style = *style;
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
