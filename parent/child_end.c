/*
 * child_end.c - see child_end.h.
 */
#include "child_end.h"
#include "common/clock.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

/* "SEGV" for 11, "?" for a number no signal has. */
static const char *signal_name(int sig)
{
	const char *name = sigabbrev_np(sig);
	return name != NULL ? name : "?";
}

void child_end_classify(const struct generation *g, struct ipc_restart *r)
{
	int st = g->wait_status;
	memset(r, 0, sizeof(*r));
	r->time_ns = clock_realtime_ns();
	r->generation = g->number;
	if (g->have_violation) {
		r->reason = IPC_END_VIOLATION;
		r->code = (int32_t)g->violation.nr;
		snprintf(r->detail, sizeof(r->detail), "%s",
		         g->violation.name[0] ? g->violation.name : "unnamed syscall");
	} else if (WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS) {
		r->reason = IPC_END_VIOLATION;
		r->code = -1;
		snprintf(r->detail, sizeof(r->detail), "killed by the seccomp filter (SIGSYS)");
	} else if (g->reload && !g->kill_reason) {
		r->reason = IPC_END_RELOAD;
		r->code = WIFEXITED(st) ? WEXITSTATUS(st) : -WTERMSIG(st);
		snprintf(r->detail, sizeof(r->detail), "replaced by a new generation");
	} else if (g->kill_reason && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL) {
		r->reason = g->kill_reason;
		r->code = SIGKILL;
		memcpy(r->detail, g->detail, sizeof(r->detail));
	} else if (WIFEXITED(st)) {
		r->reason = IPC_END_EXIT;
		r->code = WEXITSTATUS(st);
		memcpy(r->detail, g->detail, sizeof(r->detail));
	} else {
		r->reason = IPC_END_SIGNAL;
		r->code = WIFSIGNALED(st) ? WTERMSIG(st) : 0;
		snprintf(r->detail, sizeof(r->detail), "SIG%s", signal_name(r->code));
	}
	r->detail[sizeof(r->detail) - 1] = '\0';
}

/* "exit status 1", "killed by signal 11 (SIGSEGV), core dumped", ... */
static void describe_status(int wait_status, char *out, size_t size)
{
	if (WIFEXITED(wait_status)) {
		snprintf(out, size, "exit status %d", WEXITSTATUS(wait_status));
	} else if (WIFSIGNALED(wait_status)) {
		int sig = WTERMSIG(wait_status);
		snprintf(out, size, "killed by signal %d (SIG%s)%s", sig, signal_name(sig),
		         WCOREDUMP(wait_status) ? ", core dumped" : "");
	} else {
		snprintf(out, size, "wait status 0x%x", (unsigned)wait_status);
	}
}

void child_end_log(struct generations *set, const struct generation *g, const struct ipc_restart *r,
                   bool was_draining)
{
	char how[96];
	describe_status(g->wait_status, how, sizeof(how));
	/* A drained child that exited 0 did what it was told. */
	enum ipc_log_level level = r->reason == IPC_END_RELOAD ? IPC_LOG_NOTICE : IPC_LOG_WARNING;
	if (r->reason == IPC_END_EXIT && r->code == 0 && was_draining)
		level = IPC_LOG_NOTICE;
	if (r->reason == IPC_END_VIOLATION && g->have_violation)
		generations_log(set, level,
		                "child generation %u (pid %d) ended (violation): %s (syscall %u, "
		                "args 0x%llx 0x%llx 0x%llx); %s",
		                g->number, (int)g->pid, r->detail, g->violation.nr,
		                (unsigned long long)g->violation.args[0],
		                (unsigned long long)g->violation.args[1],
		                (unsigned long long)g->violation.args[2], how);
	else
		generations_log(set, level, "child generation %u (pid %d) ended (%s)%s%s; %s",
		                g->number, (int)g->pid, ipc_end_reason_name(r->reason),
		                r->detail[0] ? ": " : "", r->detail, how);
}
