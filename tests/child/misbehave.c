/*
 * misbehave.c - see misbehave.h.
 */
#include "misbehave.h"
#include "child/api.h"
#include "child/child.h"
#include "child/fd_layout.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

static bool is(const struct http_request *req, const char *path)
{
	size_t n = strlen(path);
	return req->path.length == n && memcmp(req->path.data, path, n) == 0;
}

static void send_garbage(void)
{
	static const char junk[] = "this is not a warden message";
	sendto(FD_IPC, junk, sizeof(junk), MSG_NOSIGNAL, NULL, 0);
}

void misbehave_handle(void *ctx, const struct http_request *req, struct http_response *res)
{
	if (is(req, "/test/segv")) {
		volatile int *volatile nowhere = NULL;
		*nowhere = 1;
	} else if (is(req, "/test/abort")) {
		abort();
	} else if (is(req, "/test/exit1")) {
		child_exit(1);
	} else if (is(req, "/test/violation")) {
		syscall(SYS_openat, AT_FDCWD, "/etc/passwd", O_RDONLY);
	} else if (is(req, "/test/close-log")) {
		/* A descriptor argument the rule refuses: close is for clients. */
		syscall(SYS_close, FD_LOG);
	} else if (is(req, "/test/fsync-null")) {
		/* Harmless if it runs (complain mode): fsync of /dev/null. */
		long rc = syscall(SYS_fsync, 0);
		http_response_status(res, 200);
		http_response_body_printf(res, "fsync(0) = %ld\n", rc);
		return;
	} else if (is(req, "/test/hang")) {
		for (volatile int spin = 1; spin;)
			;
	} else if (is(req, "/test/garbage")) {
		send_garbage();
		http_response_status(res, 200);
		http_response_body_static(res, "sent\n", 5);
		return;
	}
	api_handle(ctx, req, res);
}
