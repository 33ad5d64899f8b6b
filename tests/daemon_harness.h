/*
 * daemon_harness.h - runs the real `warden run` (parent and child programs)
 * for the supervision tests and benchmarks: a private directory with a
 * config file and the log, a loopback listening socket handed over by
 * socket activation (so the test knows the port before the daemon starts),
 * and helpers to wait for log lines. Requests go through http_client.h.
 */
#ifndef WARDEN_TESTS_DAEMON_HARNESS_H
#define WARDEN_TESTS_DAEMON_HARNESS_H

#include <stdbool.h>
#include <sys/types.h>

struct daemon {
	pid_t pid;
	char dir[64];
	char config_path[96];
	char log_path[96];
	int port;
	int stderr_read; /* the daemon's stderr */
	int exit_status; /* wait status once stopped, -1 before */
	size_t stderr_length;
	char stderr_text[16384]; /* what daemon_stderr has read so far */
};

/* Starts warden with the test child (WARDEN_CHILD_TEST_BINARY), fast
 * heartbeats and restarts, no standby (supervise.standby=false), and
 * `settings` ("section.key=value", NULL-terminated; may be NULL), which
 * replace the harness's own. The listening socket comes through
 * LISTEN_FDS. */
void daemon_start(struct daemon *d, const char *const *settings);

/* The same, with RLIMIT_FSIZE set to `file_size_limit` bytes for the
 * daemon (parent and child), as systemd's LimitFSIZE= would. */
void daemon_start_with_file_size_limit(struct daemon *d, const char *const *settings,
                                       unsigned long file_size_limit);

/* The same, with warden itself already under a seccomp filter that allows
 * everything, as under systemd's SystemCallFilter=: its child inherits it.
 * Needs root (no no_new_privs is set). */
void daemon_start_filtered(struct daemon *d, const char *const *settings);

/* (Re)writes the config file with the harness's settings and `settings`,
 * as daemon_start does: for a reload. */
void daemon_write_config(struct daemon *d, const char *const *settings);

/* What the daemon wrote to stderr so far (read without waiting), NUL-
 * terminated; the start is kept when it outgrows the buffer. */
const char *daemon_stderr(struct daemon *d);

/* Waits until the daemon's stderr holds `needle`. Returns true, or false
 * after `timeout_ms`. */
bool daemon_wait_stderr(struct daemon *d, const char *needle, int timeout_ms);

/* Waits until the log file contains `needle` `count` times or more.
 * Returns true, or false after `timeout_ms`. */
bool daemon_wait_log(struct daemon *d, const char *needle, int count, int timeout_ms);

/* How many times `needle` is in the log file. */
int daemon_log_count(struct daemon *d, const char *needle);

/* The log file's whole content, in a buffer of the harness's that the next
 * call reuses. */
const char *daemon_log(struct daemon *d);

/* The pid of the child generation `generation` from its ready line, or
 * -1. */
pid_t daemon_child_pid(struct daemon *d, unsigned generation);

/* The pid of the child generation `generation` from its standing-by line
 * (a standby's ready), or -1. */
pid_t daemon_standby_pid(struct daemon *d, unsigned generation);

/* Sends a signal to the parent. */
void daemon_signal(struct daemon *d, int sig);

/* Waits up to `timeout_ms` for the parent to exit; returns its wait
 * status, or -1 (and kills it) on timeout. */
int daemon_wait(struct daemon *d, int timeout_ms);

/* SIGTERM, wait, remove the directory. */
void daemon_cleanup(struct daemon *d);

#endif
