/*
 * child_program.c - see child_program.h.
 */
#include "child_program.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Where an installed warden's child lies, relative to warden's directory
 * (install.cmake computes it for the prefix it was configured with). */
#ifndef WARDEN_CHILD_FROM_BINDIR
#define WARDEN_CHILD_FROM_BINDIR "../libexec/warden/warden-child"
#endif

enum { SCAN_CHUNK = 64 << 10 };

/* `name` in the directory of the running executable (/proc/self/exe), or
 * "" if that cannot be read. */
static void beside_self(const char *name, char *out, size_t size)
{
	char self[PATH_MAX];
	out[0] = '\0';
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0)
		return;
	self[n] = '\0';
	char *slash = strrchr(self, '/');
	if (slash == NULL)
		return;
	slash[1] = '\0';
	if ((size_t)snprintf(out, size, "%s%s", self, name) >= size)
		out[0] = '\0';
}

static void locate(const struct warden_config *cfg, char *out, size_t size)
{
	if (cfg->child_program[0] != '\0') {
		snprintf(out, size, "%s", cfg->child_program);
		return;
	}
	beside_self("warden-child", out, size);
	if (out[0] == '\0' || access(out, X_OK) == 0)
		return;
	beside_self(WARDEN_CHILD_FROM_BINDIR, out, size);
	char resolved[PATH_MAX]; /* without "bin/../", for the log */
	if (realpath(out, resolved) != NULL)
		snprintf(out, size, "%s", resolved);
}

/* Whether the file holds CHILD_PROGRAM_TEST_MARK: read in chunks that
 * overlap by the mark's length, so that no chunk boundary can split it. */
static bool is_test_build(int fd)
{
	static const char mark[] = CHILD_PROGRAM_TEST_MARK;
	const size_t m = sizeof(mark) - 1;
	static char buf[SCAN_CHUNK + sizeof(mark)];
	size_t kept = 0;
	ssize_t n;
	while ((n = read(fd, buf + kept, SCAN_CHUNK)) > 0) {
		size_t have = kept + (size_t)n;
		if (memmem(buf, have, mark, m) != NULL)
			return true;
		kept = have < m ? have : m - 1;
		memmove(buf, buf + have - kept, kept);
	}
	return false;
}

bool child_program_test_mode(void)
{
	const char *v = getenv("WARDEN_ALLOW_TEST_CHILD");
	return v != NULL && strcmp(v, "1") == 0;
}

int child_program_find(const struct warden_config *cfg, char *out, size_t size, char *err,
                       size_t err_size)
{
	locate(cfg, out, size);
	if (out[0] == '\0') {
		snprintf(err, err_size,
		         "cannot find the child program (warden-child beside warden, "
		         "or in ../libexec/warden/)");
		return -1;
	}
	int fd = open(out, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0 || access(out, X_OK) < 0) {
		snprintf(err, err_size, "cannot run the child program %s: %s", out,
		         strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	bool test_build = is_test_build(fd);
	close(fd);
	if (test_build && !child_program_test_mode()) {
		snprintf(err, err_size,
		         "the child program %s is the test build (warden-child-test), which "
		         "misbehaves on request and is never deployed: set [sandbox] "
		         "child_program to warden-child, or leave it empty",
		         out);
		return -1;
	}
	return 0;
}
