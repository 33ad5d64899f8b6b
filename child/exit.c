/*
 * exit.c - see child.h: the child's one way out, and the logger whose
 * batched lines go out before it.
 */
#include "child.h"
#include "logger/logger.h"

#include <sys/syscall.h>
#include <unistd.h>

/* One per process, for child_exit, which has no struct child. */
static struct logger *exit_logger;

void child_exit_flushes(struct logger *logger)
{
	exit_logger = logger;
}

void child_exit(int status)
{
	/* Batched log lines go out first: the only write left to do. */
	if (exit_logger != NULL)
		logger_flush(exit_logger);
	syscall(SYS_exit_group, status);
	for (;;) /* exit_group does not return */
		;
}
