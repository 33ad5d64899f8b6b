/*
 * cli_run.h - run the real `warden` binary with arguments (through the
 * shell) and capture its exit status, stdout and stderr, for CLI tests.
 */
#ifndef WARDEN_TESTS_CLI_RUN_H
#define WARDEN_TESTS_CLI_RUN_H

#include <stddef.h>

struct cli_result {
	int status; /* exit status, -1 when killed by a signal */
	char *out;  /* stdout, NUL-terminated; free() it */
	size_t out_len;
	char err[4096]; /* stderr, truncated */
};

/* Runs `WARDEN_BINARY args` (args are shell words). */
struct cli_result cli_run(const char *args);

/* The same, killed (status 137) if still running after `seconds`: for a
 * run that a regression could hang (open(2) on a FIFO). */
struct cli_result cli_run_within(unsigned seconds, const char *args);

/* Runs it and expects exit status `status` and `out` in its stdout. */
void cli_expect(const char *args, int status, const char *out);

#endif
