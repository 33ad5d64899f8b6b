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

/* argv[0] is "trace"; returns the process exit code. */
int trace_command(int argc, char **argv);

#endif
