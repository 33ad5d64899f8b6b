/*
 * main.c - the `warden` command: dispatches to the daemon and its tools.
 *
 * Every command exits 0 on success, 1 on a runtime failure and 2 on a
 * usage or configuration error (warden(8)). Output that cannot be written
 * (a full disk, a closed pipe) is a runtime failure, checked here once for
 * every command.
 */
#include "policy/command.h"
#include "run.h"
#include "trace_explain.h"
#include "ipc/trace_command.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

enum { EXIT_RUNTIME = 1, EXIT_USAGE = 2 };

static void usage(FILE *out)
{
	fputs("usage: warden run [OPTIONS]            (warden run --help)\n"
	      "       warden policy check|show|export FILE [--bind NAME=VALUE ...]\n"
	      "       warden policy explain FILE --bind NAME=VALUE ... SYSCALL [ARG ...]\n"
	      "       warden policy diff BEFORE AFTER --bind NAME=VALUE ...\n"
	      "       warden policy suggest FILE --bind NAME=VALUE ... [REPORTS ...]\n"
	      "       warden trace show|stats|follow [OPTIONS] FILE\n"
	      "       warden help [COMMAND]\n"
	      "       warden --version\n"
	      "exit status: 0 ok, 1 a runtime failure, 2 a usage or configuration error\n",
	      out);
}

static bool is_help(const char *arg)
{
	return strcmp(arg, "help") == 0 || strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0;
}

/* `warden trace` with violations explained by the built-in policy; without
 * them (out of memory) rather than not at all. */
static int trace(int argc, char **argv)
{
	struct trace_notes notes = {0};
	bool explained = trace_explain_start(&notes) == 0;
	int rc = trace_command(argc, argv, explained ? &notes : NULL);
	if (explained)
		trace_explain_stop(&notes);
	return rc;
}

static int dispatch(int argc, char **argv)
{
	if (strcmp(argv[0], "run") == 0)
		return run_command(argc, argv);
	if (strcmp(argv[0], "policy") == 0)
		return policy_command(argc, argv);
	if (strcmp(argv[0], "trace") == 0)
		return trace(argc, argv);
	fprintf(stderr, "warden: unknown command '%s'\n", argv[0]);
	usage(stderr);
	return EXIT_USAGE;
}

/* `warden help CMD` is `warden CMD --help`. */
static int help(int argc, char **argv)
{
	if (argc < 2) {
		usage(stdout);
		return 0;
	}
	char *args[] = {argv[1], "--help", NULL};
	return dispatch(2, args);
}

/* What the command wrote must have reached stdout. */
static int flushed(int status)
{
	if (fflush(stdout) == 0 && !ferror(stdout))
		return status;
	fprintf(stderr, "warden: cannot write the output: %s\n", strerror(errno));
	return status == 0 ? EXIT_RUNTIME : status;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("warden %s\n", WARDEN_VERSION);
		return flushed(0);
	}
	if (is_help(argv[1]))
		return flushed(help(argc - 1, argv + 1));
	return flushed(dispatch(argc - 1, argv + 1));
}
