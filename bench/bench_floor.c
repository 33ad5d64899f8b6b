/*
 * bench_floor - the floor for warden's /healthz (docs/benchmarks.md): the
 * least a server can do to give the same answer with the same system calls
 * as warden's child, for bench/run-http.sh.
 *
 *   bench_floor PORT RESPONSE_FILE LOG_FILE
 *     Listens on 127.0.0.1:PORT; epoll, level-triggered. Every complete
 *     request head read ("\r\n\r\n") is answered with the bytes of
 *     RESPONSE_FILE (warden's whole /healthz response, head and body), all
 *     answers to one read in one send; a preformatted access line per
 *     answer goes into a buffer that is appended to LOG_FILE with one write
 *     per loop turn. So per request: one read and one send, and per loop
 *     turn one epoll_wait and one write, as warden's child. No parsing, no
 *     formatting, no timeouts, no limits: a floor, not a server.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

enum {
	MAX_EVENTS = 256,
	READ_MAX = 16384,
	RESPONSE_MAX = 4096,
	ANSWERS_MAX = 16, /* pipelined heads answered by one send */
	LOG_BUFFER = 1 << 20,
};

/* About the length of warden's access line for GET /healthz. */
static const char ACCESS_LINE[] =
        "2026-11-30T12:00:00.000000Z INFO http #1234567 127.0.0.1:45678 \"GET /healthz "
        "HTTP/1.1\" 200 3 12us\n";

struct floor {
	int epfd, listen_fd, log_fd;
	char response[RESPONSE_MAX * ANSWERS_MAX];
	size_t response_len;
	char *log;
	size_t log_len;
};

static void die(const char *what)
{
	fprintf(stderr, "bench_floor: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void load_response(struct floor *f, const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		die(path);
	ssize_t n = read(fd, f->response, RESPONSE_MAX);
	if (n <= 0 || n == RESPONSE_MAX)
		die("response file empty or too long");
	close(fd);
	f->response_len = (size_t)n;
	for (int i = 1; i < ANSWERS_MAX; i++) /* copies for pipelined heads */
		memcpy(f->response + (size_t)i * f->response_len, f->response, f->response_len);
}

static int listen_on(int port)
{
	struct sockaddr_in addr = {.sin_family = AF_INET,
	                           .sin_port = htons((uint16_t)port),
	                           .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int one = 1;
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(fd, 4096) < 0)
		die("listen");
	return fd;
}

static void watch(struct floor *f, int fd)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.fd = fd};
	if (epoll_ctl(f->epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
		die("epoll_ctl");
}

static void accept_all(struct floor *f)
{
	int fd;
	while ((fd = accept4(f->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0)
		watch(f, fd);
}

static size_t count_heads(const char *buf, size_t len)
{
	size_t heads = 0;
	for (const char *p = buf; (p = memmem(p, len - (size_t)(p - buf), "\r\n\r\n", 4)) != NULL;
	     p += 4)
		heads++;
	return heads;
}

static void log_answers(struct floor *f, size_t answers)
{
	for (size_t i = 0; i < answers && f->log_len + sizeof(ACCESS_LINE) <= LOG_BUFFER; i++) {
		memcpy(f->log + f->log_len, ACCESS_LINE, sizeof(ACCESS_LINE) - 1);
		f->log_len += sizeof(ACCESS_LINE) - 1;
	}
}

static void serve(struct floor *f, int fd)
{
	char buf[READ_MAX];
	ssize_t n = read(fd, buf, sizeof(buf));
	if (n <= 0) {
		if (n == 0 || errno != EAGAIN)
			close(fd); /* also leaves the epoll set */
		return;
	}
	size_t answers = count_heads(buf, (size_t)n);
	if (answers > ANSWERS_MAX)
		answers = ANSWERS_MAX;
	if (answers == 0)
		return;
	if (send(fd, f->response, answers * f->response_len, MSG_NOSIGNAL) < 0 && errno != EAGAIN)
		close(fd);
	log_answers(f, answers);
}

static void flush_log(struct floor *f)
{
	if (f->log_len > 0 && write(f->log_fd, f->log, f->log_len) < 0)
		die("write log");
	f->log_len = 0;
}

int main(int argc, char **argv)
{
	static struct floor f;
	if (argc != 4) {
		fprintf(stderr, "usage: bench_floor PORT RESPONSE_FILE LOG_FILE\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	load_response(&f, argv[2]);
	f.log = malloc(LOG_BUFFER);
	f.log_fd = open(argv[3], O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	f.epfd = epoll_create1(EPOLL_CLOEXEC);
	if (f.log == NULL || f.log_fd < 0 || f.epfd < 0)
		die("setup");
	f.listen_fd = listen_on(atoi(argv[1]));
	watch(&f, f.listen_fd);
	for (;;) {
		struct epoll_event events[MAX_EVENTS];
		int n = epoll_wait(f.epfd, events, MAX_EVENTS, -1);
		if (n < 0 && errno != EINTR)
			die("epoll_wait");
		for (int i = 0; i < n; i++) {
			if (events[i].data.fd == f.listen_fd)
				accept_all(&f);
			else
				serve(&f, events[i].data.fd);
		}
		flush_log(&f);
	}
}
