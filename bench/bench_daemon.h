/*
 * bench_daemon.h - what the daemon benchmarks (bench_restart, bench_failover)
 * share: a loopback listening socket to hand warden, starting warden on it,
 * a /healthz probe, wrk under load, and sorting figures.
 */
#ifndef WARDEN_BENCH_DAEMON_H
#define WARDEN_BENCH_DAEMON_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* "PROGRAM: what: strerror(errno)" on stderr, then exit 1. */
_Noreturn void bench_die(const char *what);

/* A listening socket on 127.0.0.1 at a port the kernel picks (*port). */
int bench_listen_loopback(int *port);

/* GET /healthz on a new connection: whether it answered 200. */
/* In a forked process: `warden run --config CONFIG` on the listening socket
 * `listen_fd`, handed over as systemd does (descriptor 3, LISTEN_FDS and
 * LISTEN_PID), its stderr to /dev/null (the crashes' WARNING lines). */
_Noreturn void bench_exec_daemon(const char *config, int listen_fd);

bool bench_get_healthz(int port);

/* wrk -t1 -c CONNECTIONS on /healthz for an hour (the caller kills it),
 * its output to `out_fd`. */
pid_t bench_start_wrk(int port, int connections, int out_fd);

/* For qsort over uint64_t. */
int bench_compare_u64(const void *a, const void *b);

#endif
