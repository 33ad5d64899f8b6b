/*
 * main.c - the `warden` command: dispatches to the daemon and its tools.
 */
#include "policy/command.h"
#include "run.h"
#include "ipc/trace_command.h"

#include <stdio.h>
#include <string.h>

static void usage(FILE *out)
{
	fputs("usage: warden run [OPTIONS]            (warden run --help)\n"
	      "       warden policy check|show|export FILE [--bind NAME=VALUE ...]\n"
	      "       warden trace show|stats|follow [OPTIONS] FILE\n"
	      "       warden help\n",
	      out);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "run") == 0)
		return run_command(argc - 1, argv + 1);
	if (strcmp(argv[1], "policy") == 0)
		return policy_command(argc - 1, argv + 1);
	if (strcmp(argv[1], "trace") == 0)
		return trace_command(argc - 1, argv + 1);
	if (strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0) {
		usage(stdout);
		return 0;
	}
	fprintf(stderr, "warden: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
