/*
 * bench_logger - what the child's logger costs per line, next to the
 * physical limit.
 *
 * In one run, interleaved over several rounds, it measures INFO lines per
 * second written to a regular file in /tmp:
 *
 *   write(2)       one write(2) per pre-formatted line of the same length:
 *                  the most any logger could do with one syscall per line
 *   logger_logf    printf-style records through the logger (timestamp,
 *                  formatting, escaping, ring copy, write)
 *   logger_log     the same message as raw bytes (no vsnprintf)
 *
 * and, with fewer lines, WARNING lines (write + fsync each) against a
 * plain write + fsync loop. Prints the median of each and the ratio to the
 * plain loop. Files are opened O_APPEND, as the parent opens the log file,
 * and truncated before each measurement.
 *
 * usage: bench_logger [lines-per-round] [rounds] [fsync-lines-per-round]
 */
#include "logger/logger.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum { MAX_ROUNDS = 101, RING_LINES = 1024 };

enum method { PLAIN, LOGF, RAW, PLAIN_FSYNC, WARNING_FSYNC, METHODS };

static const char *const method_names[METHODS] = {
        [PLAIN] = "write(2), pre-formatted",
        [LOGF] = "logger_logf INFO",
        [RAW] = "logger_log INFO (raw bytes)",
        [PLAIN_FSYNC] = "write(2) + fsync, pre-formatted",
        [WARNING_FSYNC] = "logger_logf WARNING (+ fsync)",
};

struct bench {
	int fd;
	char path[64];
	struct logger *lg;
	char line[LOGGER_LINE_MAX]; /* a logger line, newline included */
	size_t line_len;
	char raw[256]; /* the message of that line, for logger_log */
	size_t raw_len;
};

static void die(const char *what)
{
	fprintf(stderr, "bench_logger: %s: %s\n", what, strerror(errno));
	exit(1);
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void bench_open(struct bench *b)
{
	snprintf(b->path, sizeof(b->path), "/tmp/bench_logger-XXXXXX");
	int fd = mkstemp(b->path);
	if (fd < 0)
		die("mkstemp in /tmp");
	close(fd);
	b->fd = open(b->path, O_WRONLY | O_APPEND | O_CLOEXEC);
	if (b->fd < 0)
		die(b->path);
	struct logger_config cfg = {.log_fd = b->fd,
	                            .stderr_fd = -1,
	                            .generation = 1,
	                            .min_level = IPC_LOG_INFO,
	                            .ring_lines = RING_LINES};
	if (logger_create(&b->lg, &cfg) < 0)
		die("logger_create");
}

/* The message every method writes; a typical access-log-sized record. */
static void log_one(struct logger *lg, enum ipc_log_level level, unsigned i)
{
	logger_logf(lg, level, "GET /api/status 200 %u bytes in %u us from 127.0.0.1:%u",
	            1000 + i % 9000, 10 + i % 90, 40000 + i % 20000);
}

/* Takes one real logger line as the plain loop's line, so both write the
 * same number of bytes per line. */
static void capture_line(struct bench *b)
{
	struct logger_record r;
	log_one(b->lg, IPC_LOG_INFO, 1234);
	if (!logger_ring_next(b->lg, logger_ring_newest(b->lg) - 1, IPC_LOG_DEBUG, &r))
		die("ring");
	memcpy(b->line, r.line, r.length);
	b->line[r.length] = '\n';
	b->line_len = r.length + 1;
	b->raw_len = r.message_length < sizeof(b->raw) ? r.message_length : sizeof(b->raw);
	memcpy(b->raw, r.message, b->raw_len);
}

static void write_line(int fd, const char *line, size_t len)
{
	if (write(fd, line, len) != (ssize_t)len)
		die("write");
}

static void run_method(struct bench *b, enum method m, unsigned lines)
{
	for (unsigned i = 0; i < lines; i++) {
		switch (m) {
		case PLAIN:
			write_line(b->fd, b->line, b->line_len);
			break;
		case PLAIN_FSYNC:
			write_line(b->fd, b->line, b->line_len);
			if (fsync(b->fd) != 0)
				die("fsync");
			break;
		case LOGF:
			log_one(b->lg, IPC_LOG_INFO, i);
			break;
		case RAW:
			logger_log(b->lg, IPC_LOG_INFO, b->raw, b->raw_len);
			break;
		case WARNING_FSYNC:
			log_one(b->lg, IPC_LOG_WARNING, i);
			break;
		default:
			break;
		}
	}
}

/* Lines per second of one method, from an empty file. */
static double measure(struct bench *b, enum method m, unsigned lines)
{
	if (ftruncate(b->fd, 0) != 0)
		die("ftruncate");
	double start = now_s();
	run_method(b, m, lines);
	double elapsed = now_s() - start;
	return elapsed > 0 ? lines / elapsed : 0;
}

static int compare_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double median(double *v, unsigned n)
{
	qsort(v, n, sizeof(*v), compare_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static unsigned arg(int argc, char **argv, int i, unsigned fallback, unsigned max)
{
	if (argc <= i)
		return fallback;
	char *end;
	unsigned long v = strtoul(argv[i], &end, 10);
	if (*end != '\0' || v == 0 || v > max) {
		fprintf(stderr,
		        "usage: bench_logger [lines-per-round] [rounds (1..%d)] "
		        "[fsync-lines-per-round]\n",
		        MAX_ROUNDS);
		exit(2);
	}
	return (unsigned)v;
}

static void print_header(void)
{
	printf("  %-34s %18s %17s %7s\n", "method", "lines/s", "ns/line", "ratio");
}

static void print_row(enum method m, double rate, double base)
{
	printf("  %-34s %18.0f %17.0f %7.2f\n", method_names[m], rate, 1e9 / rate, rate / base);
}

int main(int argc, char **argv)
{
	unsigned lines = arg(argc, argv, 1, 200000, 100000000);
	unsigned rounds = arg(argc, argv, 2, 5, MAX_ROUNDS);
	unsigned sync_lines = arg(argc, argv, 3, 200, 1000000);
	static struct bench b;
	static double rates[METHODS][MAX_ROUNDS];
	bench_open(&b);
	capture_line(&b);
	for (unsigned r = 0; r < rounds; r++)
		for (enum method m = PLAIN; m < METHODS; m++)
			rates[m][r] = measure(&b, m, m >= PLAIN_FSYNC ? sync_lines : lines);
	struct logger_stats s;
	logger_get_stats(b.lg, &s);
	printf("bench_logger: lines of %zu bytes (newline included) to a regular file on %s\n",
	       b.line_len, "/tmp");
	printf("median of %u rounds, methods interleaved; ratio = lines/s over the plain loop\n",
	       rounds);
	printf("\n%u lines per round:\n", lines);
	print_header();
	for (enum method m = PLAIN; m <= RAW; m++)
		print_row(m, median(rates[m], rounds), median(rates[PLAIN], rounds));
	printf("\n%u lines per round, each fsynced:\n", sync_lines);
	print_header();
	for (enum method m = PLAIN_FSYNC; m <= WARNING_FSYNC; m++)
		print_row(m, median(rates[m], rounds), median(rates[PLAIN_FSYNC], rounds));
	printf("\nlogger: %llu lines, %llu write errors, %llu truncated\n",
	       (unsigned long long)s.lines, (unsigned long long)s.write_errors,
	       (unsigned long long)s.truncated);
	logger_destroy(b.lg);
	close(b.fd);
	unlink(b.path);
	return s.write_errors == 0 ? 0 : 1;
}
