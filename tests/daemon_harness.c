/*
 * daemon_harness.c - see daemon_harness.h.
 */
#include "daemon_harness.h"

#include <criterion/criterion.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { LOG_CHUNK = 1 << 20 };

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static int listen_loopback(int *port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in addr = {.sin_family = AF_INET,
	                           .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(addr);
	cr_assert(fd >= 0);
	cr_assert(bind(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0);
	cr_assert(listen(fd, 4096) == 0);
	cr_assert(getsockname(fd, (struct sockaddr *)&addr, &len) == 0);
	*port = ntohs(addr.sin_port);
	return fd;
}

/* The harness's settings, each replaced by a caller's setting of the same
 * key: fast heartbeats and restarts so that tests run quickly. One child at
 * a time (no standby), so that generation N + 1 is the one that follows N:
 * the tests of the standby (tests/test_failover.c) turn it on. */
static const char *const base_settings[] = {
        "log.level=info",
        "sandbox.child_program=" WARDEN_CHILD_TEST_BINARY,
        "supervise.heartbeat_interval_ms=100",
        "supervise.heartbeat_timeout_ms=1000",
        "supervise.ready_timeout_ms=5000",
        "supervise.restart_initial_ms=0",
        "supervise.restart_max_ms=50",
        "supervise.burst_limit=1000",
        "supervise.burst_window_ms=1000",
        "supervise.drain_timeout_ms=3000",
        "supervise.standby=false",
        NULL,
};

static bool same_key(const char *a, const char *b)
{
	size_t n = strcspn(a, "=");
	return n == strcspn(b, "=") && strncmp(a, b, n) == 0;
}

static bool overridden(const char *setting, const char *const *settings)
{
	for (; settings != NULL && *settings != NULL; settings++)
		if (same_key(setting, *settings))
			return true;
	return false;
}

/* Writes one INI section holding every setting of `section`. */
static void write_section(FILE *f, const char *section, const char *const *base,
                          const char *const *settings)
{
	size_t n = strlen(section);
	fprintf(f, "[%s]\n", section);
	for (const char *const *s = base; *s != NULL; s++)
		if (strncmp(*s, section, n) == 0 && (*s)[n] == '.' && !overridden(*s, settings))
			fprintf(f, "%.*s = %s\n", (int)strcspn(*s + n + 1, "="), *s + n + 1,
			        strchr(*s, '=') + 1);
	for (const char *const *s = settings; s != NULL && *s != NULL; s++)
		if (strncmp(*s, section, n) == 0 && (*s)[n] == '.')
			fprintf(f, "%.*s = %s\n", (int)strcspn(*s + n + 1, "="), *s + n + 1,
			        strchr(*s, '=') + 1);
}

void daemon_write_config(struct daemon *d, const char *const *settings)
{
	static const char *const sections[] = {"server", "log", "sandbox", "supervise", "trace"};
	FILE *f = fopen(d->config_path, "w");
	cr_assert(f != NULL);
	for (size_t i = 0; i < sizeof(sections) / sizeof(sections[0]); i++) {
		write_section(f, sections[i], base_settings, settings);
		if (strcmp(sections[i], "log") == 0 && !overridden("log.file=", settings))
			fprintf(f, "file = %s\n", d->log_path);
	}
	fclose(f);
}

struct start_options {
	unsigned long file_size_limit; /* 0: none */
	bool filtered;                 /* under an allow-everything filter */
};

/* One instruction, SECCOMP_RET_ALLOW: a filter that changes nothing but
 * /proc's Seccomp and Seccomp_filters, for warden and its children. */
static int load_allow_all_filter(void)
{
	struct sock_filter allow = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	struct sock_fprog program = {.len = 1, .filter = &allow};
	return (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &program);
}

static void exec_daemon(struct daemon *d, int listen_fd, int err_pipe,
                        const struct start_options *o)
{
	char pid_text[32];
	if (o->file_size_limit > 0) {
		struct rlimit limit = {o->file_size_limit, o->file_size_limit};
		if (setrlimit(RLIMIT_FSIZE, &limit) != 0)
			_exit(126);
	}
	if (o->filtered && load_allow_all_filter() != 0)
		_exit(125);
	/* A failed assertion ends the test without cleanup: the daemon must
	 * not outlive it (and hold ctest's output open). */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (listen_fd != 3) {
		dup2(listen_fd, 3);
		close(listen_fd);
	}
	dup2(err_pipe, 2);
	snprintf(pid_text, sizeof(pid_text), "%d", (int)getpid());
	/* The test build of the child is refused unless a harness means it. */
	setenv("WARDEN_ALLOW_TEST_CHILD", "1", 1);
	setenv("LISTEN_FDS", "1", 1);
	setenv("LISTEN_PID", pid_text, 1);
	execl(WARDEN_BINARY, "warden", "run", "--config", d->config_path, (char *)NULL);
	_exit(127);
}

static void start(struct daemon *d, const char *const *settings, const struct start_options *o)
{
	memset(d, 0, sizeof(*d));
	d->exit_status = -1;
	strcpy(d->dir, "/tmp/warden-daemon-XXXXXX");
	cr_assert(mkdtemp(d->dir) != NULL);
	snprintf(d->config_path, sizeof(d->config_path), "%s/warden.ini", d->dir);
	snprintf(d->log_path, sizeof(d->log_path), "%s/warden.log", d->dir);
	daemon_write_config(d, settings);
	int listen_fd = listen_loopback(&d->port);
	int pipefd[2];
	cr_assert(pipe2(pipefd, O_CLOEXEC) == 0);
	d->pid = fork();
	cr_assert(d->pid >= 0);
	if (d->pid == 0) {
		close(pipefd[0]);
		exec_daemon(d, listen_fd, pipefd[1], o);
	}
	close(pipefd[1]);
	close(listen_fd);
	d->stderr_read = pipefd[0];
	fcntl(d->stderr_read, F_SETFL, O_NONBLOCK);
}

void daemon_start(struct daemon *d, const char *const *settings)
{
	start(d, settings, &(struct start_options){0});
}

void daemon_start_with_file_size_limit(struct daemon *d, const char *const *settings,
                                       unsigned long file_size_limit)
{
	start(d, settings, &(struct start_options){.file_size_limit = file_size_limit});
}

void daemon_start_filtered(struct daemon *d, const char *const *settings)
{
	start(d, settings, &(struct start_options){.filtered = true});
}

/* The whole log, however long: a busy test's access lines can push the
 * line it waits for past any fixed size. */
const char *daemon_log(struct daemon *d)
{
	static char *buf;
	static size_t capacity;
	size_t used = 0;
	int fd = open(d->log_path, O_RDONLY | O_CLOEXEC);
	for (ssize_t n = 1; fd >= 0 && n > 0; used += (size_t)n) {
		if (capacity - used < LOG_CHUNK + 1) {
			capacity = capacity * 2 + LOG_CHUNK + 1;
			buf = realloc(buf, capacity);
			cr_assert_not_null(buf);
		}
		n = read(fd, buf + used, LOG_CHUNK);
		if (n < 0)
			n = 0;
	}
	if (fd >= 0)
		close(fd);
	if (buf == NULL)
		return "";
	buf[used] = '\0';
	return buf;
}

const char *daemon_stderr(struct daemon *d)
{
	size_t room = sizeof(d->stderr_text) - 1 - d->stderr_length;
	ssize_t n;
	while (room > 0 &&
	       (n = read(d->stderr_read, d->stderr_text + d->stderr_length, room)) > 0) {
		d->stderr_length += (size_t)n;
		room -= (size_t)n;
	}
	d->stderr_text[d->stderr_length] = '\0';
	return d->stderr_text;
}

bool daemon_wait_stderr(struct daemon *d, const char *needle, int timeout_ms)
{
	uint64_t end = now_ms() + (uint64_t)timeout_ms;
	do {
		if (strstr(daemon_stderr(d), needle) != NULL)
			return true;
		usleep(5000);
	} while (now_ms() < end);
	return false;
}

int daemon_log_count(struct daemon *d, const char *needle)
{
	int count = 0;
	for (const char *p = daemon_log(d); (p = strstr(p, needle)) != NULL; p++)
		count++;
	return count;
}

bool daemon_wait_log(struct daemon *d, const char *needle, int count, int timeout_ms)
{
	uint64_t end = now_ms() + (uint64_t)timeout_ms;
	do {
		if (daemon_log_count(d, needle) >= count)
			return true;
		usleep(5000);
	} while (now_ms() < end);
	return false;
}

pid_t daemon_child_pid(struct daemon *d, unsigned generation)
{
	char needle[64];
	snprintf(needle, sizeof(needle), "child generation %u ready: pid ", generation);
	const char *p = strstr(daemon_log(d), needle);
	return p == NULL ? -1 : (pid_t)atoi(p + strlen(needle));
}

pid_t daemon_standby_pid(struct daemon *d, unsigned generation)
{
	char needle[64];
	snprintf(needle, sizeof(needle), "child generation %u standing by: pid ", generation);
	const char *p = strstr(daemon_log(d), needle);
	return p == NULL ? -1 : (pid_t)atoi(p + strlen(needle));
}

void daemon_signal(struct daemon *d, int sig)
{
	if (d->pid > 0 && d->exit_status < 0)
		kill(d->pid, sig);
}

int daemon_wait(struct daemon *d, int timeout_ms)
{
	if (d->exit_status >= 0)
		return d->exit_status;
	uint64_t end = now_ms() + (uint64_t)timeout_ms;
	int status;
	do {
		if (waitpid(d->pid, &status, WNOHANG) == d->pid) {
			d->exit_status = status;
			return status;
		}
		usleep(5000);
	} while (now_ms() < end);
	kill(d->pid, SIGKILL);
	waitpid(d->pid, &status, 0);
	d->exit_status = status;
	return -1;
}

void daemon_cleanup(struct daemon *d)
{
	if (d->pid > 0 && d->exit_status < 0) {
		kill(d->pid, SIGTERM);
		daemon_wait(d, 5000);
	}
	if (d->stderr_read >= 0)
		close(d->stderr_read);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", d->dir);
	(void)!system(cmd);
}
