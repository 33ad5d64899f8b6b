/*
 * bench_restart - how long a crash interrupts service, and what clients see.
 *
 * Runs the real daemon (`warden run`, real child) without a standby
 * (bench_failover compares it with one), with zero backoff, a
 * listening socket handed over by socket activation, and wrk loading
 * /healthz throughout. Then, CRASHES times: SIGKILL the serving child and
 * time a new connection's GET /healthz from the kill to its 200, which only
 * the successor can send (the connection waits in the backlog meanwhile).
 *
 * Prints p50/p99/max of crash -> first success; wrk's totals (requests,
 * socket errors by kind: a refused connection would be a "connect" error);
 * and the parent's descriptors and RSS before and after, which must not
 * grow with restarts.
 *
 * usage: bench_restart [crashes] [wrk-connections]
 */
#include "bench_daemon.h"
#include "common/clock.h"

#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { MAX_CRASHES = 5000 };

static pid_t start_daemon(const char *dir, int listen_fd)
{
	char config[256], log[256];
	snprintf(config, sizeof(config), "%s/warden.ini", dir);
	snprintf(log, sizeof(log), "%s/warden.log", dir);
	FILE *f = fopen(config, "w");
	if (f == NULL)
		bench_die("config");
	fprintf(f,
	        "[log]\nfile = %s\n"
	        "[supervise]\nstandby = false\nrestart_initial_ms = 0\nrestart_max_ms = 0\n"
	        "burst_limit = 100000\nburst_window_ms = 1\n",
	        log);
	fclose(f);
	pid_t pid = fork();
	if (pid < 0)
		bench_die("fork");
	if (pid == 0)
		bench_exec_daemon(config, listen_fd);
	return pid;
}

/* The parent's one child, from /proc (the log is busy with access lines). */
static pid_t child_of(pid_t parent)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)parent, (int)parent);
	FILE *f = fopen(path, "r");
	int pid = -1;
	if (f != NULL) {
		if (fscanf(f, "%d", &pid) != 1)
			pid = -1;
		fclose(f);
	}
	return pid;
}

static bool wait_serving(int port, int timeout_ms)
{
	for (int i = 0; i < timeout_ms / 10; i++) {
		if (bench_get_healthz(port))
			return true;
		usleep(10000);
	}
	return false;
}

static int count_fds(pid_t pid)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	DIR *d = opendir(path);
	int n = 0;
	if (d == NULL)
		return -1;
	while (readdir(d) != NULL)
		n++;
	closedir(d);
	return n - 2;
}

static long rss_kib(pid_t pid)
{
	char path[64], line[256];
	long kib = -1;
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	FILE *f = fopen(path, "r");
	while (f != NULL && fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "VmRSS: %ld", &kib) == 1)
			break;
	if (f != NULL)
		fclose(f);
	return kib;
}

/* Kills the serving child and times the first 200 after it. */
static uint64_t crash_once(pid_t daemon, int port, int *retries)
{
	pid_t victim = child_of(daemon);
	if (victim <= 0)
		return 0;
	uint64_t t0 = clock_monotonic_ns();
	kill(victim, SIGKILL);
	while (!bench_get_healthz(port))
		(*retries)++;
	uint64_t t1 = clock_monotonic_ns();
	/* Reap-and-replace is done once the successor served; let wrk's
	 * connections reconnect before the next crash. */
	usleep(5000);
	return t1 - t0;
}

static void print_wrk(int fd)
{
	char buf[8192];
	lseek(fd, 0, SEEK_SET);
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = '\0';
	printf("wrk during the crashes:\n%s", buf);
	if (strstr(buf, "Socket errors") == NULL)
		printf("  (no socket errors reported: no refused, failed or timed-out request)\n");
}

int main(int argc, char **argv)
{
	int crashes = argc > 1 ? atoi(argv[1]) : 200;
	int connections = argc > 2 ? atoi(argv[2]) : 10;
	if (crashes < 1 || crashes > MAX_CRASHES)
		crashes = 200;
	char dir[] = "/tmp/bench-restart-XXXXXX";
	if (mkdtemp(dir) == NULL)
		bench_die("mkdtemp");
	int port;
	int listen_fd = bench_listen_loopback(&port);
	pid_t daemon = start_daemon(dir, listen_fd);
	close(listen_fd);
	if (!wait_serving(port, 10000)) {
		fprintf(stderr, "bench_restart: the daemon does not serve\n");
		kill(daemon, SIGKILL);
		return 1;
	}
	int fds_before = count_fds(daemon);
	long rss_before = rss_kib(daemon);
	char wrk_out[] = "/tmp/bench-restart-wrk-XXXXXX";
	int wrk_fd = mkstemp(wrk_out);
	pid_t wrk = bench_start_wrk(port, connections, wrk_fd);
	usleep(300000);
	static uint64_t times[MAX_CRASHES];
	int retries = 0, done = 0;
	for (int i = 0; i < crashes; i++) {
		uint64_t t = crash_once(daemon, port, &retries);
		if (t > 0)
			times[done++] = t;
	}
	kill(wrk, SIGINT);
	waitpid(wrk, NULL, 0);
	usleep(100000);
	int fds_after = count_fds(daemon);
	long rss_after = rss_kib(daemon);
	qsort(times, (size_t)done, sizeof(times[0]), bench_compare_u64);
	printf("crash -> first successful request by the successor, %d crashes, backoff 0:\n",
	       done);
	if (done > 0)
		printf("  p50 %.2f ms   p99 %.2f ms   max %.2f ms   (failed probes: %d)\n",
		       times[done / 2] / 1e6, times[(size_t)(done * 0.99)] / 1e6,
		       times[done - 1] / 1e6, retries);
	print_wrk(wrk_fd);
	printf("parent across %d restarts: descriptors %d -> %d, RSS %ld -> %ld KiB\n", done,
	       fds_before, fds_after, rss_before, rss_after);
	kill(daemon, SIGTERM);
	waitpid(daemon, NULL, 0);
	close(wrk_fd);
	unlink(wrk_out);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	(void)!system(cmd);
	return 0;
}
