/*
 * fd_layout.c - see fd_layout.h.
 */
#include "fd_layout.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static int fail(char *why, size_t size, const char *what, int fd)
{
	snprintf(why, size, "%s (fd %d): %s", what, fd, strerror(errno));
	return -1;
}

/* Moves `fd` to `target`, close-on-exec. The source may be the target. */
static int move_fd(int fd, int target)
{
	if (fd == target)
		return fcntl(fd, F_SETFD, FD_CLOEXEC);
	if (dup3(fd, target, O_CLOEXEC) < 0)
		return -1;
	return close(fd);
}

int fd_layout_arrange(int log_fd, int gui_fd, char *why, size_t why_size)
{
	/* First lift both above the layout, so that moving one cannot
	 * overwrite the other wherever the kernel put them. */
	int high_log = fcntl(log_fd, F_DUPFD_CLOEXEC, 64);
	if (high_log < 0)
		return fail(why, why_size, "cannot move the log file", log_fd);
	int high_gui = fcntl(gui_fd, F_DUPFD_CLOEXEC, 64);
	if (high_gui < 0)
		return fail(why, why_size, "cannot move the GUI socket", gui_fd);
	if (close(log_fd) < 0 || close(gui_fd) < 0)
		return fail(why, why_size, "cannot close a received descriptor", log_fd);
	if (move_fd(high_log, FD_LOG) < 0 || move_fd(high_gui, FD_GUI) < 0)
		return fail(why, why_size, "cannot place the log file and GUI socket", FD_LOG);
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null < 0)
		return fail(why, why_size, "cannot open /dev/null", -1);
	if ((null != 0 && dup3(null, 0, O_CLOEXEC) < 0) ||
	    (null != 1 && dup3(null, 1, O_CLOEXEC) < 0))
		return fail(why, why_size, "cannot put /dev/null on 0 and 1", null);
	if (null > 1)
		close(null);
	if (syscall(SYS_close_range, FD_FIRST_LOOP, ~0U, 0) < 0)
		return fail(why, why_size, "cannot close inherited descriptors", FD_FIRST_LOOP);
	if (fcntl(FD_STDERR, F_GETFD) < 0 || fcntl(FD_IPC, F_GETFD) < 0)
		return fail(why, why_size, "stderr or the IPC socket is not open", FD_IPC);
	return 0;
}

int fd_layout_verify_proc(int highest, char *why, size_t why_size)
{
	DIR *dir = opendir("/proc/self/fd");
	if (dir == NULL)
		return fail(why, why_size, "cannot read /proc/self/fd", -1);
	int own = dirfd(dir), seen = 0, rc = 0;
	struct dirent *e;
	while ((e = readdir(dir)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		char *end;
		long fd = strtol(e->d_name, &end, 10);
		if (*end != '\0' || fd == own)
			continue;
		if (fd < 0 || fd > highest) {
			snprintf(why, why_size, "stray descriptor %ld is open", fd);
			rc = -1;
			break;
		}
		seen |= 1 << fd;
	}
	closedir(dir);
	int want = (1 << (highest + 1)) - 1;
	if (rc == 0 && seen != want) {
		snprintf(why, why_size,
		         "descriptor table is incomplete (open mask 0x%x, want 0x%x)", seen, want);
		rc = -1;
	}
	return rc;
}

int fd_layout_probe(int limit, char *why, size_t why_size)
{
	int highest = -1, first_closed = -1;
	for (int fd = 0; fd < limit; fd++) {
		if (fcntl(fd, F_GETFD) < 0) {
			if (first_closed < 0)
				first_closed = fd;
			continue;
		}
		if (first_closed >= 0) {
			snprintf(
			        why, why_size,
			        "descriptor %d is open but %d below it is closed: stray descriptor",
			        fd, first_closed);
			return -1;
		}
		highest = fd;
	}
	return highest;
}
