/*
 * bench_ipc - IPC round trip and throughput over the real socketpair, with
 * tracing off and on, side by side in one run.
 *
 *   round trip: the parent sends ping, a forked child answers pong (as the
 *               real child does, with its counters), the parent waits for
 *               it; p50 and p99 over many round trips.
 *   one way:    the parent sends messages as fast as the child reads them;
 *               messages per second, and the CPU time per message of the
 *               sending process (the trace's threads included) and of the
 *               receiving one. Two kinds: a supervisor log record (a
 *               110-byte line, 133 bytes on the wire: the parent's stream
 *               of events) and a status snapshot (760 bytes, the largest
 *               message the parent sends often).
 *
 * "tracing on" records every message in both directions to a pcap file in
 * /tmp as the parent does (trace_writer.h; flushed every 200 ms, the parent's
 * TRACE_FLUSH_MS; a full buffer is written by the trace's thread), rotating
 * at 64 MiB.
 *
 * Three placements, each a block of the output:
 *   any CPU          both processes free, the CPUs allowed to idle (the
 *                    daemon's normal case);
 *   any CPU, awake   the same while /dev/cpu_dma_latency holds 0, the PM QoS
 *                    request cyclictest makes: idle CPUs poll instead of
 *                    halting, so a wake-up does not wait for a halted CPU
 *                    (on a virtual machine a halted vCPU costs tens of us);
 *   one CPU          both pinned to one CPU: a wake-up is a context switch.
 *
 * The rounds interleave off and on so that the machine's drift hits both;
 * medians are printed, and for a cost the median of the rounds' own changes
 * (each round's on against its off) with the middle half of them, which is
 * the spread to read a figure against.
 *
 * Before the placements, "rotation": how long the recording call that
 * rotates takes when it removes a 64 MiB file, against what unlink(2) of
 * such a file costs a caller that does it itself; and "recording alone":
 * the CPU a record costs in a loop of trace_record, in the calling thread
 * and in the trace's threads, with no IPC around it to disturb.
 *
 * The benchmark asserts nothing.
 *
 * usage: bench_ipc [round-trips] [one-way-messages] [rounds]
 */
#include "ipc/ipc.h"
#include "ipc/trace_writer.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum {
	FLUSH_NS = 200 * 1000 * 1000, /* parent/supervisor.c TRACE_FLUSH_MS */
	CLOCK_EVERY = 64,             /* records between looks at the clock */
	ROTATE_AT = 64 << 20,         /* the trace's file size */
	MAX_ROUNDS = 31,
};

static const char TRACE_PATH[] = "/tmp/bench_ipc.pcap";
static const char TRACE_PATH_1[] = "/tmp/bench_ipc.pcap.1"; /* the rotated file */

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t rusage_ns(const struct rusage *ru)
{
	return ((uint64_t)ru->ru_utime.tv_sec + (uint64_t)ru->ru_stime.tv_sec) * 1000000000u +
	       ((uint64_t)ru->ru_utime.tv_usec + (uint64_t)ru->ru_stime.tv_usec) * 1000u;
}

/* CPU time of this process (RUSAGE_SELF: all its threads) or of the calling
 * thread (RUSAGE_THREAD), in ns. */
static uint64_t cpu_ns(int who)
{
	struct rusage ru;
	getrusage(who, &ru);
	return rusage_ns(&ru);
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
	uint64_t traced, last_flush_ns;
};

/* The trace as the benchmark keeps it: rotating at 64 MiB, two files. */
static struct trace *open_trace(void)
{
	char err[256];
	struct trace *tr = trace_open(TRACE_PATH, ROTATE_AT, 2, err, sizeof(err));
	if (tr == NULL) {
		fprintf(stderr, "bench_ipc: %s\n", err);
		exit(1);
	}
	return tr;
}

static void remove_trace_files(void)
{
	unlink(TRACE_PATH);
	unlink(TRACE_PATH_1);
}

/* Closes the trace (NULL is accepted) and removes its files. */
static void close_trace(struct trace *tr)
{
	trace_close(tr);
	remove_trace_files();
}

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
	if (traced)
		s->trace = open_trace();
}

static void record(struct side *s, enum trace_direction dir, const uint8_t *raw, size_t len)
{
	if (s->trace == NULL)
		return;
	trace_record(s->trace, dir, 1, (uint32_t)s->pid, 0, raw, len);
	if (++s->traced % CLOCK_EVERY != 0)
		return;
	uint64_t now = now_ns();
	if (now - s->last_flush_ns >= FLUSH_NS) {
		trace_flush(s->trace);
		s->last_flush_ns = now;
	}
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

/* Ends the responder and returns the CPU time it used, in ns. */
static uint64_t stop(struct side *s)
{
	struct ipc_message bye = {.type = IPC_SHUTDOWN};
	bye.u.shutdown.reason = IPC_SHUTDOWN_TERMINATE;
	send_or_die(s, &bye);
	struct rusage ru = {0};
	if (wait4(s->pid, NULL, 0, &ru) < 0)
		die("wait4");
	close(s->ch.fd);
	close_trace(s->trace);
	return rusage_ns(&ru);
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
	if (samples == NULL)
		die("malloc");
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

enum kind { KIND_LOG, KIND_STATUS, KINDS };

static const char *const kind_names[KINDS] = {"log record", "status"};

static void sample_message(enum kind kind, struct ipc_message *m)
{
	static const char line[] = "child generation 12 ready: pid 4242 (own PID namespace), "
	                           "uid 65534, sandbox 0x7f7, 402 filter instructions";
	memset(m, 0, sizeof(*m));
	if (kind == KIND_LOG) {
		m->type = IPC_LOG;
		m->u.log.level = IPC_LOG_NOTICE;
		m->u.log.text_length = (uint16_t)(sizeof(line) - 1);
		memcpy(m->u.log.text, line, sizeof(line) - 1);
	} else {
		m->type = IPC_STATUS;
		m->u.status.generation = 1;
		m->u.status.state = IPC_STATE_RUNNING;
	}
}

struct one_way_result {
	double rate;        /* messages per second */
	double cpu_us;      /* the sending process's CPU per message */
	double receiver_us; /* the responder's CPU per message */
	size_t wire_bytes;  /* one message */
};

static struct one_way_result one_way(bool traced, enum kind kind, long count)
{
	struct side s;
	struct ipc_message m;
	struct one_way_result r = {0};
	sample_message(kind, &m);
	start(&s, traced);
	uint64_t t0 = now_ns(), c0 = cpu_ns(RUSAGE_SELF);
	for (long i = 0; i < count; i++) {
		if (kind == KIND_LOG)
			m.u.log.time_ns = (uint64_t)i;
		else
			m.u.status.ipc_messages_out = (uint64_t)i;
		send_or_die(&s, &m);
	}
	r.wire_bytes = ipc_encode(&m, s.out, sizeof(s.out));
	/* The shutdown is read after every message: all were received; the
	 * last records are written before the trace is closed. */
	uint64_t receiver = stop(&s), c1 = cpu_ns(RUSAGE_SELF);
	r.rate = (double)count / ((double)(now_ns() - t0) / 1e9);
	r.cpu_us = (double)(c1 - c0) / 1000.0 / (double)count;
	r.receiver_us = (double)receiver / 1000.0 / (double)count;
	return r;
}

static int compare_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(double), compare_double);
	return v[n / 2];
}

/* The medians side by side; for a cost, the median of each round's own
 * change (off and on ran back to back, so the machine's drift between
 * rounds cancels) and the middle half of those changes. */
static void print_row(const char *what, double *off, double *on, int rounds, bool cost)
{
	double change[MAX_ROUNDS];
	for (int r = 0; r < rounds; r++)
		change[r] = 100.0 * (on[r] - off[r]) / off[r];
	double a = median(off, rounds), b = median(on, rounds);
	printf("  %-32s %12.2f %12.2f", what, a, b);
	if (cost) {
		qsort(change, (size_t)rounds, sizeof(double), compare_double);
		printf(" %+9.1f%%  [%+.1f, %+.1f]", change[rounds / 2], change[rounds / 4],
		       change[(3 * rounds) / 4]);
	}
	printf("\n");
}

static void measure(const char *placement, long trips, long messages, int rounds)
{
	double p50[2][MAX_ROUNDS], p99[2][MAX_ROUNDS];
	double rate[KINDS][2][MAX_ROUNDS], cpu[KINDS][2][MAX_ROUNDS];
	double receiver[KINDS][2][MAX_ROUNDS];
	size_t wire[KINDS] = {0};
	for (int r = 0; r < rounds; r++) /* interleaved: drift hits both sides */
		for (int traced = 0; traced < 2; traced++) {
			round_trips(traced, trips, &p50[traced][r], &p99[traced][r]);
			for (int k = 0; k < KINDS; k++) {
				struct one_way_result o = one_way(traced, (enum kind)k, messages);
				rate[k][traced][r] = o.rate;
				cpu[k][traced][r] = o.cpu_us;
				receiver[k][traced][r] = o.receiver_us;
				wire[k] = o.wire_bytes;
			}
		}
	printf("\nplacement: %s\n", placement);
	printf("  %-32s %12s %12s %10s  %s\n", "", "tracing off", "tracing on", "change",
	       "middle half");
	print_row("round trip p50 (us)", p50[0], p50[1], rounds, false);
	print_row("round trip p99 (us)", p99[0], p99[1], rounds, false);
	for (int k = 0; k < KINDS; k++) {
		char what[64];
		snprintf(what, sizeof(what), "%s (%zu B): msg/s", kind_names[k], wire[k]);
		print_row(what, rate[k][0], rate[k][1], rounds, true);
		snprintf(what, sizeof(what), "%s: sender CPU us/msg", kind_names[k]);
		print_row(what, cpu[k][0], cpu[k][1], rounds, true);
		snprintf(what, sizeof(what), "%s: receiver CPU us/msg", kind_names[k]);
		print_row(what, receiver[k][0], receiver[k][1], rounds, true);
	}
}

/* ---- Rotation: how long the recording thread waits ---------------------- */

enum { REMOVALS = 5 };

static double elapsed_us(uint64_t t0)
{
	return (double)(now_ns() - t0) / 1000.0;
}

/* What a rotation cost the caller when it unlinked the oldest file itself:
 * unlink(2) of a file of ROTATE_AT bytes just written (still in the page
 * cache, as a trace's oldest file usually is). */
static double unlink_written_file_us(void)
{
	static uint8_t chunk[1 << 20];
	int fd = open(TRACE_PATH, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		die("open");
	for (int i = 0; i < ROTATE_AT / (int)sizeof(chunk); i++)
		if (write(fd, chunk, sizeof(chunk)) != (ssize_t)sizeof(chunk))
			die("write");
	close(fd);
	uint64_t t0 = now_ns();
	if (unlink(TRACE_PATH) != 0)
		die("unlink");
	return elapsed_us(t0);
}

/* A side with a trace and no responder, `kind`'s sample encoded in s->out;
 * returns its length. */
static size_t start_recording_alone(struct side *s, enum kind kind)
{
	struct ipc_message m;
	*s = (struct side){.pid = 1, .trace = open_trace()};
	sample_message(kind, &m);
	return ipc_encode(&m, s->out, sizeof(s->out));
}

/* The trace_record calls that rotate and remove the oldest file (64 MiB,
 * two files kept), recording status snapshots as fast as it can. */
static void rotating_records_us(double *out, int count)
{
	struct side s;
	size_t len = start_recording_alone(&s, KIND_STATUS);
	struct trace_stats st;
	uint64_t rotations = 0;
	for (int n = 0; n < count;) {
		uint64_t t0 = now_ns();
		record(&s, TRACE_TO_CHILD, s.out, len);
		double us = elapsed_us(t0);
		trace_get_stats(s.trace, &st);
		if (st.rotations == rotations)
			continue;
		rotations = st.rotations;
		if (rotations >= 2) /* the first one finds no FILE.1 to remove */
			out[n++] = us;
	}
	close_trace(s.trace);
}

static void measure_rotation(void)
{
	double before[REMOVALS], after[REMOVALS];
	for (int i = 0; i < REMOVALS; i++)
		before[i] = unlink_written_file_us();
	rotating_records_us(after, REMOVALS);
	printf("\nrotation: the recording call that removes a 64 MiB file, %d times (us)\n",
	       REMOVALS);
	printf("  %-32s %12s %12s\n", "", "median", "longest");
	double a = median(before, REMOVALS), b = median(after, REMOVALS); /* sorts them */
	printf("  %-32s %12.0f %12.0f\n", "unlink(2) in the caller", a, before[REMOVALS - 1]);
	printf("  %-32s %12.0f %12.0f\n", "trace_record (closer thread)", b, after[REMOVALS - 1]);
}

/* ---- Recording alone: a record's cost without the IPC around it ----------- */

struct recording_cost {
	double caller_ns;  /* in the thread that calls trace_record */
	double threads_ns; /* in the trace's own threads (writing, freeing) */
};

static struct recording_cost recording_alone(enum kind kind, long count)
{
	struct side s;
	size_t len = start_recording_alone(&s, kind);
	uint64_t p0 = cpu_ns(RUSAGE_SELF), t0 = cpu_ns(RUSAGE_THREAD);
	for (long i = 0; i < count; i++)
		record(&s, TRACE_TO_CHILD, s.out, len);
	trace_close(s.trace); /* its threads have ended: their time is in p1 */
	uint64_t p1 = cpu_ns(RUSAGE_SELF), t1 = cpu_ns(RUSAGE_THREAD);
	remove_trace_files(); /* not counted: not part of recording */
	return (struct recording_cost){
	        .caller_ns = (double)(t1 - t0) / (double)count,
	        .threads_ns = (double)((p1 - p0) - (t1 - t0)) / (double)count,
	};
}

static void measure_recording(long count, int rounds)
{
	printf("\nrecording alone: trace_record in a loop, %ld records a round (ns per record)\n",
	       count);
	printf("  %-32s %12s %12s %12s\n", "", "caller", "trace threads", "both");
	for (int k = 0; k < KINDS; k++) {
		double caller[MAX_ROUNDS], threads[MAX_ROUNDS], both[MAX_ROUNDS];
		for (int r = 0; r < rounds; r++) {
			struct recording_cost c = recording_alone((enum kind)k, count);
			caller[r] = c.caller_ns;
			threads[r] = c.threads_ns;
			both[r] = c.caller_ns + c.threads_ns;
		}
		printf("  %-32s %12.0f %12.0f %12.0f\n", kind_names[k], median(caller, rounds),
		       median(threads, rounds), median(both, rounds));
	}
}

/* Holds a PM QoS request of 0 us wake-up latency while the returned fd is
 * open (the kernel drops it at close), or explains why it cannot. */
static int hold_cpus_awake(char *why, size_t size)
{
	int fd = open("/dev/cpu_dma_latency", O_WRONLY | O_CLOEXEC);
	int32_t zero = 0;
	if (fd < 0 || write(fd, &zero, sizeof(zero)) != (ssize_t)sizeof(zero)) {
		snprintf(why, size, "/dev/cpu_dma_latency: %s", strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

static void pin_to_one_cpu(void)
{
	cpu_set_t all, one;
	if (sched_getaffinity(0, sizeof(all), &all) < 0)
		die("sched_getaffinity");
	CPU_ZERO(&one);
	for (int cpu = 0; cpu < CPU_SETSIZE; cpu++)
		if (CPU_ISSET(cpu, &all)) {
			CPU_SET(cpu, &one);
			break;
		}
	if (sched_setaffinity(0, sizeof(one), &one) < 0)
		die("sched_setaffinity");
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
	printf("(%ld round trips and %ld one-way messages of each kind per round)\n", trips,
	       messages);
	measure_rotation();
	measure_recording(messages, rounds);
	measure("any CPU", trips, messages, rounds);
	char why[256];
	int awake = hold_cpus_awake(why, sizeof(why));
	if (awake >= 0) {
		measure("any CPU, awake (cpu_dma_latency 0)", trips, messages, rounds);
		close(awake);
	} else {
		printf("\nplacement: any CPU, awake: skipped: %s\n", why);
	}
	pin_to_one_cpu();
	measure("one CPU", trips, messages, rounds);
	return 0;
}
