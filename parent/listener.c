/*
 * listener.c - see listener.h.
 */
#include "listener.h"
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

enum { LISTEN_BACKLOG = 4096 }; /* the kernel caps it at somaxconn */

/* "127.0.0.1" and "127.0.0.1:8080"; "[::1]" and "[::1]:8080". */
static void describe_address(const struct sockaddr_storage *ss, struct listener *l)
{
	char text[INET6_ADDRSTRLEN] = "?";
	unsigned port = 0;
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)ss;
		inet_ntop(AF_INET, &in->sin_addr, text, sizeof(text));
		port = ntohs(in->sin_port);
		snprintf(l->host, sizeof(l->host), "%s", text);
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)ss;
		inet_ntop(AF_INET6, &in6->sin6_addr, text, sizeof(text));
		port = ntohs(in6->sin6_port);
		snprintf(l->host, sizeof(l->host), "[%s]", text);
	} else {
		snprintf(l->address, sizeof(l->address), "(address family %d)", ss->ss_family);
		return;
	}
	snprintf(l->address, sizeof(l->address), "%s:%u", l->host, port);
}

/* The bound address, as the kernel has it (port 0 becomes the real port;
 * systemd's socket is whatever systemd bound). Anything unreadable or not
 * IP counts as beyond loopback: the stricter rule applies. */
static void describe_bound(struct listener *l)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	snprintf(l->address, sizeof(l->address), "(unknown address)");
	if (getsockname(l->fd, (struct sockaddr *)&ss, &len) != 0)
		return;
	describe_address(&ss, l);
	l->loopback = config_listen_is_loopback(&ss);
}

static int from_systemd(struct listener *l, int count, char *err, size_t err_size)
{
	if (count != 1) {
		snprintf(err, err_size,
		         "systemd passed %d sockets (LISTEN_FDS); warden takes exactly one", count);
		return -1;
	}
	int fd = SD_LISTEN_FDS_START;
	if (sd_is_socket(fd, AF_UNSPEC, SOCK_STREAM, 1) <= 0) {
		snprintf(err, err_size,
		         "the socket systemd passed is not a listening stream socket");
		return -1;
	}
	int flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0 ||
	    fcntl(fd, F_SETFD, FD_CLOEXEC) < 0) {
		snprintf(err, err_size, "cannot set up the socket systemd passed: %s",
		         strerror(errno));
		return -1;
	}
	l->fd = fd;
	l->from_systemd = true;
	describe_bound(l);
	return 0;
}

static const char *bind_hint(int e)
{
	switch (e) {
	case EADDRINUSE:
		return " (another process listens there: is warden already running?)";
	case EACCES:
		return " (ports below 1024 need root or CAP_NET_BIND_SERVICE)";
	case EADDRNOTAVAIL:
		return " (no local interface has that address)";
	default:
		return "";
	}
}

/* Returns 0, or -errno with `err` filled (-EINVAL: not an address). */
static int bind_address(struct listener *l, const char *spec, char *err, size_t err_size)
{
	struct sockaddr_storage ss;
	socklen_t len;
	struct config_error cerr;
	if (config_parse_listen(spec, &ss, &len, &cerr) < 0) {
		snprintf(err, err_size, "%s", cerr.message);
		return -EINVAL;
	}
	int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		int e = errno;
		snprintf(err, err_size, "cannot create a socket for %s: %s", spec, strerror(e));
		return -e;
	}
	int one = 1;
	/* A restarted daemon must not wait out TIME_WAIT; v6 sockets take
	 * only v6 so that "[::]:P" and "0.0.0.0:P" mean what they say. */
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ss.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len) < 0 || listen(fd, LISTEN_BACKLOG) < 0) {
		int e = errno;
		snprintf(err, err_size, "cannot listen on %s: %s%s", spec, strerror(e),
		         bind_hint(e));
		close(fd);
		return -e;
	}
	l->fd = fd;
	describe_bound(l);
	return 0;
}

int listener_open(struct listener *l, const char *spec, char *err, size_t err_size)
{
	memset(l, 0, sizeof(*l));
	l->fd = -1;
	int n = sd_listen_fds(1); /* unsets LISTEN_FDS: the child must not see it */
	if (n < 0) {
		snprintf(err, err_size, "socket activation: %s", strerror(-n));
		return -1;
	}
	if (n > 0)
		return from_systemd(l, n, err, err_size);
	return bind_address(l, spec, err, err_size) < 0 ? -1 : 0;
}

int listener_check(const char *spec, char *err, size_t err_size)
{
	if (sd_listen_fds(0) > 0)
		return 0; /* systemd binds it: nothing to try here */
	struct listener l = {.fd = -1};
	int rc = bind_address(&l, spec, err, err_size);
	listener_close(&l);
	return rc == -EADDRINUSE ? 1 : rc < 0 ? -1 : 0;
}

void listener_close(struct listener *l)
{
	if (l->fd >= 0)
		close(l->fd);
	l->fd = -1;
}
