/*
 * bench_ipc - IPC round trip and throughput over the real socketpair, with
 * tracing off and on, side by side in one run.
 *
 *   round trip: the parent sends ping, a forked child answers pong (as the
 *               real child does, with its counters), the parent waits for
 *               it; p50 and p99 over many round trips.
 *   one way:    the parent sends status snapshots as fast as the child
 *               reads them; messages per second.
 *
 * "trace on" records every message in both directions to a pcap file in
 * /tmp, exactly as the parent does (buffered, flushed every 100 ms worth of
 * messages is approximated by flushing every 4096 records).
 *
 * Both placements are measured: parent and child free to run on any CPU
 * (the default for the daemon), and both pinned to one CPU, where a wake-up
 * needs no cross-CPU interrupt (on virtual machines that interrupt dominates
 * the round trip).
 *
 * usage: bench_ipc [round-trips] [one-way-messages] [rounds]
 */
#include "ipc.h"
#include "trace.h"

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { FLUSH_EVERY = 4096, MAX_ROUNDS = 15 };

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void die(const char *what)
{
	fprintf(stderr, "bench_ipc: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* The forked child: answers pings, swallows everything else, exits on
 * shutdown or when the parent closes. */
static void __attribute__((noreturn)) responder(int fd)
{
	struct ipc_channel ch;
	struct ipc_message msg, pong = {.type = IPC_PONG};
	struct ipc_decode_error err;
	static uint8_t raw[IPC_MAX_MESSAGE + 1], out[IPC_MAX_MESSAGE];
	ipc_channel_init(&ch, fd, IPC_TO_CHILD);
	for (;;) {
		ssize_t n = ipc_receive(&ch, &msg, raw, sizeof(raw), &err);
		if (n <= 0 || msg.type == IPC_SHUTDOWN)
			_exit(n < 0 ? 1 : 0);
		if (msg.type != IPC_PING)
			continue;
		pong.u.pong.nonce = msg.u.ping.nonce;
		pong.u.pong.sent_ns = msg.u.ping.sent_ns;
		pong.u.pong.counters.requests++;
		if (ipc_send(&ch, &pong, out, sizeof(out)) < 0)
			_exit(1);
	}
}

struct side {
	struct ipc_channel ch;
	pid_t pid;
	struct trace *trace;
	uint8_t raw[IPC_MAX_MESSAGE + 1], out[IPC_MAX_MESSAGE];
	uint64_t traced;
};

static void start(struct side *s, bool traced)
{
	int fds[2];
	memset(s, 0, sizeof(*s));
	if (ipc_socketpair(fds) < 0)
		die("socketpair");
	s->pid = fork();
	if (s->pid < 0)
		die("fork");
	if (s->pid == 0) {
		close(fds[0]);
		responder(fds[1]);
	}
	close(fds[1]);
	ipc_channel_init(&s->ch, fds[0], IPC_TO_PARENT);
	if (traced) {
		char err[256];
		s->trace = trace_open("/tmp/bench_ipc.pcap", 64u << 20, 2, err, sizeof(err));
		if (s->trace == NULL) {
			fprintf(stderr, "bench_ipc: %s\n", err);
			exit(1);
		}
	}
}

static void record(struct side *s, enum trace_direction dir, const uint8_t *raw, size_t len)
{
	if (s->trace == NULL)
		return;
	trace_record(s->trace, dir, 1, (uint32_t)s->pid, 0, raw, len);
	if (++s->traced % FLUSH_EVERY == 0)
		trace_flush(s->trace);
}

static void send_or_die(struct side *s, struct ipc_message *msg)
{
	ssize_t n = ipc_send(&s->ch, msg, s->out, sizeof(s->out));
	if (n < 0) {
		errno = (int)-n;
		die("send");
	}
	record(s, TRACE_TO_CHILD, s->out, (size_t)n);
}

static void stop(struct side *s)
{
	struct ipc_message bye = {.type = IPC_SHUTDOWN};
	bye.u.shutdown.reason = IPC_SHUTDOWN_TERMINATE;
	send_or_die(s, &bye);
	waitpid(s->pid, NULL, 0);
	close(s->ch.fd);
	trace_close(s->trace);
	unlink("/tmp/bench_ipc.pcap");
	unlink("/tmp/bench_ipc.pcap.1");
}

static int compare_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

static void round_trips(bool traced, long count, double *p50, double *p99)
{
	struct side s;
	struct ipc_message ping = {.type = IPC_PING}, pong;
	struct ipc_decode_error err;
	uint64_t *samples = malloc((size_t)count * sizeof(*samples));
	start(&s, traced);
	for (long i = 0; i < count; i++) {
		uint64_t t0 = now_ns();
		ping.u.ping.nonce = (uint64_t)i;
		ping.u.ping.sent_ns = t0;
		send_or_die(&s, &ping);
		ssize_t n = ipc_receive(&s.ch, &pong, s.raw, sizeof(s.raw), &err);
		if (n <= 0 || pong.type != IPC_PONG || pong.u.pong.nonce != (uint64_t)i) {
			fprintf(stderr, "bench_ipc: bad pong: %s\n", n < 0 ? err.message : "eof");
			exit(1);
		}
		record(&s, TRACE_TO_PARENT, s.raw, (size_t)n);
		samples[i] = now_ns() - t0;
	}
	stop(&s);
	qsort(samples, (size_t)count, sizeof(*samples), compare_u64);
	*p50 = (double)samples[count / 2] / 1000.0;
	*p99 = (double)samples[count * 99 / 100] / 1000.0;
	free(samples);
}

static double one_way(bool traced, long count)
{
	struct side s;
	struct ipc_message status = {.type = IPC_STATUS};
	status.u.status.generation = 1;
	status.u.status.state = IPC_STATE_RUNNING;
	start(&s, traced);
	uint64_t t0 = now_ns();
	for (long i = 0; i < count; i++) {
		status.u.status.ipc_messages_out = (uint64_t)i;
		send_or_die(&s, &status);
	}
	stop(&s); /* the shutdown is read after every status: all were received */
	return (double)count / ((double)(now_ns() - t0) / 1e9);
}

static int compare_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static void measure(const char *placement, long trips, long messages, int rounds)
{
	double p50[2][MAX_ROUNDS], p99[2][MAX_ROUNDS], rate[2][MAX_ROUNDS];
	for (int r = 0; r < rounds; r++) /* interleaved: drift hits both sides */
		for (int traced = 0; traced < 2; traced++) {
			round_trips(traced, trips, &p50[traced][r], &p99[traced][r]);
			rate[traced][r] = one_way(traced, messages);
		}
	printf("\nplacement: %s\n", placement);
	printf("%-10s %14s %14s %18s\n", "tracing", "RTT p50 (us)", "RTT p99 (us)",
	       "one-way msg/s");
	double median_rate[2];
	for (int traced = 0; traced < 2; traced++) {
		qsort(p50[traced], (size_t)rounds, sizeof(double), compare_double);
		qsort(p99[traced], (size_t)rounds, sizeof(double), compare_double);
		qsort(rate[traced], (size_t)rounds, sizeof(double), compare_double);
		median_rate[traced] = rate[traced][rounds / 2];
		printf("%-10s %14.2f %14.2f %18.0f\n", traced ? "on" : "off",
		       p50[traced][rounds / 2], p99[traced][rounds / 2], median_rate[traced]);
	}
	printf("tracing costs %.1f%% of one-way throughput\n",
	       100.0 * (1.0 - median_rate[1] / median_rate[0]));
}

int main(int argc, char **argv)
{
	long trips = argc > 1 ? atol(argv[1]) : 20000;
	long messages = argc > 2 ? atol(argv[2]) : 200000;
	int rounds = argc > 3 ? atoi(argv[3]) : 5;
	if (trips < 100 || messages < 1 || rounds < 1 || rounds > MAX_ROUNDS) {
		fprintf(stderr,
		        "usage: bench_ipc [round-trips >= 100] [one-way-messages] "
		        "[rounds <= %d]\n",
		        MAX_ROUNDS);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	printf("IPC over a SOCK_SEQPACKET socketpair, median of %d rounds\n", rounds);
	printf("(%ld round trips and %ld one-way status messages per round)\n", trips, messages);
	cpu_set_t all;
	if (sched_getaffinity(0, sizeof(all), &all) < 0)
		die("sched_getaffinity");
	for (int pinned = 0; pinned < 2; pinned++) {
		if (pinned) {
			cpu_set_t one;
			CPU_ZERO(&one);
			for (int cpu = 0; cpu < CPU_SETSIZE; cpu++)
				if (CPU_ISSET(cpu, &all)) {
					CPU_SET(cpu, &one);
					break;
				}
			if (sched_setaffinity(0, sizeof(one), &one) < 0)
				die("sched_setaffinity");
		}
		measure(pinned ? "one CPU" : "any CPU", trips, messages, rounds);
	}
	return 0;
}
