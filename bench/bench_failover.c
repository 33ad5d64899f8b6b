/*
 * bench_failover - what a crash costs with the standby child and without,
 * what the standby costs, and what a reload costs.
 *
 * Runs the real daemon (`warden run`, real child) four times: standby on
 * and off, idle and under wrk load (wrk -t1 -c10, keep-alive GET /healthz).
 * Each run SIGKILLs the serving child CRASHES times, each time once a
 * standby stands by (standby on) or the child serves (off), and times a
 * new connection's GET /healthz from the kill to its 200, which only the
 * successor can send (the connection waits in the listening socket's
 * backlog). Each run is made twice:
 *  - with the default first restart delay, 100 ms (restart_initial_ms =
 *    restart_max_ms = 100, so that a crash every few hundred ms is not
 *    taken for a crash loop and slowed down): what a crash after stable
 *    service costs with the default configuration. With the standby the
 *    delay only decides when the next standby starts, after the takeover;
 *    without one each crash waits it;
 *  - with the delay 0, a stress: the next standby (or the restart) boots at
 *    once, beside the takeover, on the same two cores.
 * The burst limit is out of reach in both.
 *
 * Then, standby on: the standby's VmRSS and its CPU time (utime + stime)
 * and context switches over IDLE_SECONDS idle; and RELOADS SIGHUPs while a
 * prober opens a new connection for GET /healthz without pause, which
 * shows how long no child accepts during a reload (the slowest probe) and
 * whether any probe failed.
 *
 * usage: bench_failover [crashes] [idle-seconds]
 */
#include "bench_daemon.h"
#include "common/clock.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { MAX_CRASHES = 5000, RELOADS = 20, WRK_CONNECTIONS = 10, DEFAULT_DELAY_MS = 100 };

struct daemon {
	pid_t pid;
	int port;
	bool standby;
	int restart_delay_ms;
	char dir[64], log[96];
};

struct figures {
	double p50, p99, max; /* ms */
	int samples, failed_probes, wrk_errors;
	char wrk_errors_text[160];
};

/* ---- The daemon ---------------------------------------------------------------- */

static void write_config(const struct daemon *d, const char *path)
{
	FILE *f = fopen(path, "w");
	if (f == NULL)
		bench_die("config");
	fprintf(f,
	        "[log]\nfile = %s\nlevel = notice\nstderr_level = crit\n"
	        "[supervise]\nstandby = %s\nrestart_initial_ms = %d\nrestart_max_ms = %d\n"
	        "burst_limit = 100000\nburst_window_ms = 1\n",
	        d->log, d->standby ? "true" : "false", d->restart_delay_ms, d->restart_delay_ms);
	fclose(f);
}

static void start_daemon(struct daemon *d, bool standby, int restart_delay_ms)
{
	char config[128];
	d->standby = standby;
	d->restart_delay_ms = restart_delay_ms;
	strcpy(d->dir, "/tmp/bench-failover-XXXXXX");
	if (mkdtemp(d->dir) == NULL)
		bench_die("mkdtemp");
	snprintf(config, sizeof(config), "%s/warden.ini", d->dir);
	snprintf(d->log, sizeof(d->log), "%s/warden.log", d->dir);
	write_config(d, config);
	int listen_fd = bench_listen_loopback(&d->port);
	d->pid = fork();
	if (d->pid < 0)
		bench_die("fork");
	if (d->pid == 0)
		bench_exec_daemon(config, listen_fd);
	close(listen_fd);
}

static void stop_daemon(struct daemon *d)
{
	char cmd[128];
	kill(d->pid, SIGTERM);
	waitpid(d->pid, NULL, 0);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", d->dir);
	(void)!system(cmd);
}

/* How many times `needle` is in the log, and the number after the last
 * one's "pid " (in *pid, when not NULL). */
static int log_count(const struct daemon *d, const char *needle, pid_t *pid)
{
	static char buf[1 << 22];
	int fd = open(d->log, O_RDONLY | O_CLOEXEC), count = 0;
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : 0;
	if (fd >= 0)
		close(fd);
	buf[n > 0 ? n : 0] = '\0';
	for (const char *p = buf; (p = strstr(p, needle)) != NULL; p++) {
		count++;
		const char *at = strstr(p, "pid ");
		if (pid != NULL && at != NULL)
			*pid = (pid_t)atoi(at + 4);
	}
	return count;
}

/* ---- Requests ------------------------------------------------------------------ */

/* wrk's "Socket errors: connect 0, read 3, write 0, timeout 0" line, and
 * its sum. */
static int wrk_errors(int fd, char *text, size_t size)
{
	char buf[8192];
	int c = 0, r = 0, w = 0, t = 0;
	lseek(fd, 0, SEEK_SET);
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = '\0';
	const char *line = strstr(buf, "Socket errors:");
	snprintf(text, size, "none");
	if (line == NULL)
		return 0;
	sscanf(line, "Socket errors: connect %d, read %d, write %d, timeout %d", &c, &r, &w, &t);
	snprintf(text, size, "connect %d, read %d, write %d, timeout %d", c, r, w, t);
	return c + r + w + t;
}

/* ---- Crashes ------------------------------------------------------------------- */

/* The parent's children, from /proc: up to two. */
static int children_of(pid_t parent, pid_t out[2])
{
	char path[64];
	int n = 0;
	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)parent, (int)parent);
	FILE *f = fopen(path, "r");
	while (f != NULL && n < 2 && fscanf(f, "%d", &out[n]) == 1)
		n++;
	if (f != NULL)
		fclose(f);
	return n;
}

/* The serving child, once the run is ready for a crash: with the standby,
 * crash number `done` waits for standby number `done` + 1 to stand by. */
static pid_t serving_child(const struct daemon *d, int done)
{
	pid_t kids[2], standby = -1;
	for (int i = 0; i < 10000; i++, usleep(1000)) {
		int n = children_of(d->pid, kids);
		if (!d->standby && n == 1 && bench_get_healthz(d->port))
			return kids[0];
		if (d->standby && n == 2 &&
		    log_count(d, "standing by: pid ", &standby) == done + 1 && standby > 0)
			return kids[0] == standby ? kids[1] : kids[0];
	}
	fprintf(stderr, "bench_failover: no child ready for crash %d\n", done + 1);
	exit(1);
}

static void percentiles(uint64_t *times, int n, struct figures *f)
{
	qsort(times, (size_t)n, sizeof(times[0]), bench_compare_u64);
	f->samples = n;
	f->p50 = n ? (double)times[n / 2] / 1e6 : 0;
	f->p99 = n ? (double)times[(size_t)(n * 0.99)] / 1e6 : 0;
	f->max = n ? (double)times[n - 1] / 1e6 : 0;
}

struct run {
	const char *name;
	bool standby, load;
	int restart_delay_ms;
};

static void crash_run(const struct run *run, int crashes, struct figures *f)
{
	static uint64_t times[MAX_CRASHES];
	struct daemon d;
	char wrk_out[] = "/tmp/bench-failover-wrk-XXXXXX";
	int wrk_fd = mkstemp(wrk_out);
	pid_t wrk = -1;
	memset(f, 0, sizeof(*f));
	start_daemon(&d, run->standby, run->restart_delay_ms);
	serving_child(&d, 0);
	if (run->load)
		wrk = bench_start_wrk(d.port, WRK_CONNECTIONS, wrk_fd);
	usleep(300000);
	for (int i = 0; i < crashes; i++) {
		pid_t victim = serving_child(&d, i);
		uint64_t t0 = clock_monotonic_ns();
		kill(victim, SIGKILL);
		while (!bench_get_healthz(d.port))
			f->failed_probes++;
		times[i] = clock_monotonic_ns() - t0;
		usleep(2000); /* wrk's connections come back */
	}
	if (wrk > 0) {
		kill(wrk, SIGINT);
		waitpid(wrk, NULL, 0);
		f->wrk_errors = wrk_errors(wrk_fd, f->wrk_errors_text, sizeof(f->wrk_errors_text));
	}
	percentiles(times, crashes, f);
	stop_daemon(&d);
	close(wrk_fd);
	unlink(wrk_out);
}

/* ---- The standby's cost ---------------------------------------------------------- */

struct usage {
	long rss_kib;
	unsigned long long ticks, switches;
};

static struct usage usage_of(pid_t pid)
{
	struct usage u = {-1, 0, 0};
	char path[64], line[256];
	unsigned long long ut = 0, st = 0, vol = 0, invol = 0;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	FILE *f = fopen(path, "r");
	if (f != NULL &&
	    fscanf(f, "%*d (%*[^)]) %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut,
	           &st) == 2)
		u.ticks = ut + st;
	if (f != NULL)
		fclose(f);
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "r");
	while (f != NULL && fgets(line, sizeof(line), f) != NULL) {
		sscanf(line, "VmRSS: %ld", &u.rss_kib);
		sscanf(line, "voluntary_ctxt_switches: %llu", &vol);
		sscanf(line, "nonvoluntary_ctxt_switches: %llu", &invol);
	}
	if (f != NULL)
		fclose(f);
	u.switches = vol + invol;
	return u;
}

static void standby_cost(int idle_seconds)
{
	struct daemon d;
	pid_t standby = -1;
	start_daemon(&d, true, DEFAULT_DELAY_MS);
	serving_child(&d, 0);
	log_count(&d, "standing by: pid ", &standby);
	struct usage before = usage_of(standby);
	sleep((unsigned)idle_seconds);
	struct usage after = usage_of(standby);
	long hz = sysconf(_SC_CLK_TCK);
	printf("standby (pid %d): VmRSS %ld KiB; over %d s idle: CPU %.3f s (utime+stime), "
	       "%llu context switches (heartbeats every 1000 ms: %d)\n",
	       (int)standby, after.rss_kib, idle_seconds,
	       (double)(after.ticks - before.ticks) / (double)hz, after.switches - before.switches,
	       idle_seconds);
	stop_daemon(&d);
}

/* ---- Reloads --------------------------------------------------------------------- */

/* New connections without pause until the pipe `stop` is readable; writes
 * the slowest probe (ns) and the failures to `out`. */
static void probe(int port, int stop, int out)
{
	uint64_t slowest = 0, failed = 0, done = 0;
	char c;
	while (read(stop, &c, 1) < 0 && errno == EAGAIN) {
		uint64_t t0 = clock_monotonic_ns();
		failed += !bench_get_healthz(port);
		uint64_t t = clock_monotonic_ns() - t0;
		slowest = t > slowest ? t : slowest;
		done++;
	}
	uint64_t result[3] = {slowest, failed, done};
	(void)!write(out, result, sizeof(result));
	_exit(0);
}

static void reload_gap(void)
{
	struct daemon d;
	int stop[2], out[2];
	uint64_t result[3] = {0, 0, 0};
	start_daemon(&d, true, DEFAULT_DELAY_MS);
	serving_child(&d, 0);
	if (pipe2(stop, O_NONBLOCK) < 0 || pipe(out) < 0)
		bench_die("pipe");
	pid_t prober = fork();
	if (prober == 0)
		probe(d.port, stop[0], out[1]);
	for (int i = 0; i < RELOADS; i++) {
		kill(d.pid, SIGHUP);
		while (log_count(&d, " ready: pid ", NULL) < i + 2)
			usleep(1000);
		usleep(100000);
	}
	(void)!write(stop[1], "x", 1);
	(void)!read(out[0], result, sizeof(result));
	waitpid(prober, NULL, 0);
	printf("%d reloads under a prober's new connections: %llu probes, %llu failed, slowest "
	       "%.2f ms\n",
	       RELOADS, (unsigned long long)result[2], (unsigned long long)result[1],
	       (double)result[0] / 1e6);
	stop_daemon(&d);
}

int main(int argc, char **argv)
{
	int crashes = argc > 1 ? atoi(argv[1]) : 200;
	int idle_seconds = argc > 2 ? atoi(argv[2]) : 10;
	if (crashes < 1 || crashes > MAX_CRASHES)
		crashes = 200;
	static const struct run runs[] = {
	        {"standby on, idle", true, false, DEFAULT_DELAY_MS},
	        {"standby on, wrk load", true, true, DEFAULT_DELAY_MS},
	        {"standby off, idle", false, false, DEFAULT_DELAY_MS},
	        {"standby off, wrk load", false, true, DEFAULT_DELAY_MS},
	        {"standby on, idle", true, false, 0},
	        {"standby on, wrk load", true, true, 0},
	        {"standby off, idle", false, false, 0},
	        {"standby off, wrk load", false, true, 0},
	};
	enum { RUNS = sizeof(runs) / sizeof(runs[0]) };
	struct figures f[RUNS];
	for (int i = 0; i < RUNS; i++)
		crash_run(&runs[i], crashes, &f[i]);
	printf("SIGKILL of the serving child -> first 200 on a new connection, %d crashes each:\n",
	       crashes);
	printf("  %-22s %6s %9s %9s %9s %7s  %s\n", "", "delay", "p50 ms", "p99 ms", "max ms",
	       "retries", "wrk socket errors");
	for (int i = 0; i < RUNS; i++)
		printf("  %-22s %6d %9.3f %9.3f %9.3f %7d  %s\n", runs[i].name,
		       runs[i].restart_delay_ms, f[i].p50, f[i].p99, f[i].max, f[i].failed_probes,
		       runs[i].load ? f[i].wrk_errors_text : "-");
	standby_cost(idle_seconds);
	reload_gap();
	return 0;
}
