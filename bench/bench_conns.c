/*
 * bench_conns - many held connections, and a paced client that measures
 * latency, for bench/run-http.sh (slowloris, idle connections and RSS).
 *
 *   bench_conns hold PORT N MODE [SECONDS]
 *     Opens N connections to 127.0.0.1:PORT and keeps them until SIGTERM,
 *     SIGINT or SECONDS (default: forever). MODE:
 *       connect    connect only, send nothing
 *       request    one GET /healthz each, response read; then idle keep-alive
 *       slowloris  a partial request head, then one more header byte every
 *                  DRIBBLE_MS (2 s, staggered); a connection the server cuts
 *                  (408 or close) is replaced at once, so N stay open
 *     Prints "ready N" on stdout (flushed) once N are open (and answered, for
 *     request), and at the end one line of totals: connections opened,
 *     closed by the server, 408 responses seen, other responses.
 *
 *   bench_conns probe PORT SECONDS MODE
 *     A normal client: GET /healthz, one request per millisecond at most, for
 *     SECONDS; MODE keepalive (one connection) or new (a connection per
 *     request). Prints "probe MODE n=... errors=... p50_us=... p99_us=...
 *     max_us=...".
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum {
	MAX_CONNS = 60000,
	DRIBBLE_MS = 2000,
	PROBE_PACE_US = 1000,
	MAX_SAMPLES = 2000000,
};

static const char HEALTHZ[] = "GET /healthz HTTP/1.1\r\nHost: bench\r\n\r\n";
static const char SLOW_HEAD[] = "GET /healthz HTTP/1.1\r\nHost: bench\r\nX-Slow: ";

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static uint64_t now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void die(const char *what)
{
	fprintf(stderr, "bench_conns: %s: %s\n", what, strerror(errno));
	exit(1);
}

static int connect_to(int port)
{
	struct sockaddr_in addr = {.sin_family = AF_INET,
	                           .sin_port = htons((uint16_t)port),
	                           .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die("socket");
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0)
		die("connect");
	return fd;
}

static void send_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			die("send");
		buf += n;
		len -= (size_t)n;
	}
}

/* Reads one response with a Content-Length body; the status, or -1 on a
 * closed connection or an error. Good enough for /healthz's small replies. */
static int read_response(int fd)
{
	char buf[4096];
	size_t have = 0;
	for (;;) {
		ssize_t n = read(fd, buf + have, sizeof(buf) - 1 - have);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		have += (size_t)n;
		buf[have] = '\0';
		char *end = strstr(buf, "\r\n\r\n");
		if (end == NULL) {
			if (have == sizeof(buf) - 1)
				return -1;
			continue;
		}
		const char *cl = strcasestr(buf, "\r\nContent-Length:");
		size_t body = cl && cl < end ? strtoul(cl + 17, NULL, 10) : 0;
		size_t total = (size_t)(end + 4 - buf) + body;
		if (have >= total || total >= sizeof(buf)) {
			if (have < total)
				return -1;
			return have >= 12 ? atoi(buf + 9) : -1;
		}
	}
}

/* ---- hold ------------------------------------------------------------------ */

struct held {
	int fd;
	uint64_t next_us; /* slowloris: the next byte */
};

static int hold(int port, int n, const char *mode, int seconds)
{
	bool slow = strcmp(mode, "slowloris") == 0;
	bool request = strcmp(mode, "request") == 0;
	if (!slow && !request && strcmp(mode, "connect") != 0) {
		fprintf(stderr, "bench_conns: unknown mode %s\n", mode);
		return 2;
	}
	struct held *conns = calloc((size_t)n, sizeof(*conns));
	struct pollfd *pfds = calloc((size_t)n, sizeof(*pfds));
	if (conns == NULL || pfds == NULL)
		die("calloc");
	uint64_t opened = 0, cut = 0, timeouts = 0, others = 0;
	uint64_t start = now_us();
	for (int i = 0; i < n; i++) {
		conns[i].fd = connect_to(port);
		opened++;
		if (request) {
			send_all(conns[i].fd, HEALTHZ, sizeof(HEALTHZ) - 1);
			if (read_response(conns[i].fd) != 200) {
				fprintf(stderr, "bench_conns: connection %d: no 200\n", i);
				return 1;
			}
		} else if (slow) {
			send_all(conns[i].fd, SLOW_HEAD, sizeof(SLOW_HEAD) - 1);
			conns[i].next_us = now_us() + (uint64_t)(i % 1000) * DRIBBLE_MS;
		}
	}
	printf("ready %d\n", n);
	fflush(stdout);
	uint64_t end = seconds > 0 ? start + (uint64_t)seconds * 1000000u : UINT64_MAX;
	while (!stop && now_us() < end) {
		for (int i = 0; i < n; i++)
			pfds[i] = (struct pollfd){.fd = conns[i].fd, .events = POLLIN};
		int rc = poll(pfds, (nfds_t)n, slow ? 20 : 200);
		if (rc < 0 && errno != EINTR)
			die("poll");
		uint64_t t = now_us();
		for (int i = 0; i < n; i++) {
			if (pfds[i].revents != 0) {
				char buf[1024];
				ssize_t got = read(conns[i].fd, buf, sizeof(buf) - 1);
				if (got > 0) {
					buf[got] = '\0';
					if (strncmp(buf, "HTTP/1.1 408", 12) == 0)
						timeouts++;
					else
						others++;
					continue; /* the close follows */
				}
				cut++;
				close(conns[i].fd);
				conns[i].fd = -1;
				if (!slow)
					continue;
				conns[i].fd = connect_to(port);
				opened++;
				send_all(conns[i].fd, SLOW_HEAD, sizeof(SLOW_HEAD) - 1);
				conns[i].next_us = t + DRIBBLE_MS * 1000u;
			} else if (slow && conns[i].fd >= 0 && t >= conns[i].next_us) {
				if (send(conns[i].fd, "a", 1, MSG_NOSIGNAL) < 0 && errno != EAGAIN)
					conns[i].next_us = UINT64_MAX; /* the read sees the close */
				else
					conns[i].next_us = t + DRIBBLE_MS * 1000u;
			}
		}
		if (!slow) {
			/* Cut connections are not replaced; stop polling them. */
			int open = 0;
			for (int i = 0; i < n; i++)
				open += conns[i].fd >= 0;
			if (open == 0)
				break;
		}
	}
	printf("totals opened=%llu closed_by_server=%llu responses_408=%llu other_responses=%llu\n",
	       (unsigned long long)opened, (unsigned long long)cut, (unsigned long long)timeouts,
	       (unsigned long long)others);
	return 0;
}

/* ---- probe ----------------------------------------------------------------- */

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static int probe(int port, int seconds, const char *mode)
{
	bool keepalive = strcmp(mode, "keepalive") == 0;
	if (!keepalive && strcmp(mode, "new") != 0) {
		fprintf(stderr, "bench_conns: unknown probe mode %s\n", mode);
		return 2;
	}
	uint64_t *samples = malloc(MAX_SAMPLES * sizeof(*samples));
	if (samples == NULL)
		die("malloc");
	size_t count = 0, errors = 0;
	int fd = keepalive ? connect_to(port) : -1;
	uint64_t end = now_us() + (uint64_t)seconds * 1000000u;
	while (!stop && count < MAX_SAMPLES) {
		uint64_t t0 = now_us();
		if (t0 >= end)
			break;
		if (fd < 0)
			fd = connect_to(port);
		send_all(fd, HEALTHZ, sizeof(HEALTHZ) - 1);
		int status = read_response(fd);
		uint64_t t1 = now_us();
		if (status == 200)
			samples[count++] = t1 - t0;
		else
			errors++;
		if (!keepalive || status != 200) {
			close(fd);
			fd = -1;
		}
		if (t1 - t0 < PROBE_PACE_US)
			usleep((useconds_t)(PROBE_PACE_US - (t1 - t0)));
	}
	if (fd >= 0)
		close(fd);
	qsort(samples, count, sizeof(*samples), cmp_u64);
	uint64_t p50 = count ? samples[count / 2] : 0;
	uint64_t p99 = count ? samples[count * 99 / 100] : 0;
	uint64_t max = count ? samples[count - 1] : 0;
	printf("probe %s n=%zu errors=%zu p50_us=%llu p99_us=%llu max_us=%llu\n", mode, count,
	       errors, (unsigned long long)p50, (unsigned long long)p99, (unsigned long long)max);
	free(samples);
	return 0;
}

int main(int argc, char **argv)
{
	struct sigaction sa = {.sa_handler = on_signal};
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (argc >= 5 && strcmp(argv[1], "hold") == 0) {
		int n = atoi(argv[3]);
		if (n < 1 || n > MAX_CONNS) {
			fprintf(stderr, "bench_conns: N must be 1..%d\n", MAX_CONNS);
			return 2;
		}
		return hold(atoi(argv[2]), n, argv[4], argc >= 6 ? atoi(argv[5]) : 0);
	}
	if (argc == 5 && strcmp(argv[1], "probe") == 0)
		return probe(atoi(argv[2]), atoi(argv[3]), argv[4]);
	fprintf(stderr, "usage: bench_conns hold PORT N connect|request|slowloris [SECONDS]\n"
	                "       bench_conns probe PORT SECONDS keepalive|new\n");
	return 2;
}
