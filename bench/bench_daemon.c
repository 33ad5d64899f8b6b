/*
 * bench_daemon.c - see bench_daemon.h.
 */
#include "bench_daemon.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

void bench_die(const char *what)
{
	fprintf(stderr, "%s: %s: %s\n", program_invocation_short_name, what, strerror(errno));
	exit(1);
}

void bench_exec_daemon(const char *config, int listen_fd)
{
	char pid_text[32];
	dup2(listen_fd, 3);
	snprintf(pid_text, sizeof(pid_text), "%d", (int)getpid());
	setenv("LISTEN_FDS", "1", 1);
	setenv("LISTEN_PID", pid_text, 1);
	int null = open("/dev/null", O_WRONLY);
	dup2(null, 2);
	execl(WARDEN_BINARY, "warden", "run", "--config", config, (char *)NULL);
	_exit(127);
}

int bench_listen_loopback(int *port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in addr = {.sin_family = AF_INET,
	                           .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(addr);
	if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
	    listen(fd, 4096) < 0 || getsockname(fd, (struct sockaddr *)&addr, &len) < 0)
		bench_die("listening socket");
	*port = ntohs(addr.sin_port);
	return fd;
}

bool bench_get_healthz(int port)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in addr = {.sin_family = AF_INET,
	                           .sin_port = htons((uint16_t)port),
	                           .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	static const char req[] = "GET /healthz HTTP/1.1\r\nHost: b\r\nConnection: close\r\n\r\n";
	char buf[512];
	bool ok = false;
	if (fd < 0)
		return false;
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0 &&
	    send(fd, req, sizeof(req) - 1, MSG_NOSIGNAL) == (ssize_t)sizeof(req) - 1) {
		ssize_t n = read(fd, buf, sizeof(buf) - 1);
		ok = n > 12 && memcmp(buf, "HTTP/1.1 200", 12) == 0;
	}
	close(fd);
	return ok;
}

pid_t bench_start_wrk(int port, int connections, int out_fd)
{
	char url[64], conns[16];
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/healthz", port);
	snprintf(conns, sizeof(conns), "%d", connections);
	pid_t pid = fork();
	if (pid == 0) {
		dup2(out_fd, 1);
		execlp("wrk", "wrk", "-t1", "-c", conns, "-d", "3600s", url, (char *)NULL);
		_exit(127);
	}
	return pid;
}

int bench_compare_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}
