/*
 * trace_command.h - `warden trace show|stats|follow`, the operator's view
 * of an IPC trace. See docs/traces.md.
 */
#ifndef WARDEN_IPC_TRACE_COMMAND_H
#define WARDEN_IPC_TRACE_COMMAND_H

/* Exit codes of every trace command. */
enum {
	TRACE_EXIT_OK = 0,
	TRACE_EXIT_FILE_ERROR = 1, /* unreadable, truncated or corrupt: after what was readable */
	TRACE_EXIT_USAGE = 2,      /* the command line is wrong */
};

#include "ipc.h"

#include <stddef.h>
#include <stdint.h>

/* What a trace alone cannot say: what a violation means in the child's
 * policy. `warden` (parent/trace_explain.c) hands in the policy's view;
 * `note` sees every decoded message in file order (so that it can keep
 * each generation's ready, its bindings) and fills `line` with what to
 * print under the record in text form ("" for nothing). */
struct trace_notes {
	void *ctx;
	void (*note)(void *ctx, uint32_t generation, uint32_t pid, const struct ipc_message *msg,
	             char *line, size_t size);
};

/* argv[0] is "trace"; returns the process exit code. `notes` may be NULL. */
int trace_command(int argc, char **argv, const struct trace_notes *notes);

#endif
