/*
 * gui_client.c - see gui_client.h.
 */
#include "gui_client.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

static uint64_t realtime_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void gui_start_with(struct child_proc *p, const struct ipc_config *config)
{
	child_spawn(p, WARDEN_CHILD_BINARY, NULL, -1);
	child_handover(p, config);
	child_expect_ready(p, NULL);
}

void gui_start(struct child_proc *p)
{
	struct ipc_config config = child_test_config();
	gui_start_with(p, &config);
}

static void send_message(struct child_proc *p, struct ipc_message *msg)
{
	uint8_t raw[IPC_MAX_MESSAGE];
	cr_assert_gt(ipc_send(&p->channel, msg, raw, sizeof(raw)), 0, "cannot send %s",
	             ipc_type_name(msg->type));
}

void gui_send_status(struct child_proc *p, unsigned restarts)
{
	struct ipc_message msg = {.type = IPC_STATUS};
	struct ipc_status *s = &msg.u.status;
	uint64_t now = realtime_ns();
	s->generation = 1;
	s->child_pid = (uint32_t)p->pid;
	s->state = IPC_STATE_RUNNING;
	s->restarts = restarts;
	s->violations = 3; /* more than the recent list shows: a running total */
	/* Seen from outside: two of what the child claims (the rest claimed
	 * but not seen, as an unprivileged parent would report). */
	s->attested = IPC_SANDBOX_SECCOMP | IPC_SANDBOX_NO_NEW_PRIVS;
	s->parent_start_ns = now - 3600 * 1000000000ull;
	s->child_start_ns = now - 5 * 1000000000ull;
	s->ipc_messages_in = 42;
	s->ipc_messages_out = 43;
	s->ipc_bytes_in = 4200;
	s->ipc_bytes_out = 4300;
	s->recent_count = 2;
	s->recent[0] = (struct ipc_restart){.time_ns = now - 6 * 1000000000ull,
	                                    .generation = 1,
	                                    .reason = IPC_END_VIOLATION,
	                                    .code = 101};
	strcpy(s->recent[0].detail, "ptrace");
	s->recent[1] = (struct ipc_restart){.time_ns = now - 60 * 1000000000ull,
	                                    .generation = 1,
	                                    .reason = IPC_END_EXIT,
	                                    .code = 3};
	strcpy(s->recent[1].detail, "exit \"3\"");
	s->recent[0].outage_ms = 1500;
	/* The restarts by reason: the two above, and the rest as signals. */
	s->ends_by_reason[IPC_END_VIOLATION] = 1;
	s->ends_by_reason[IPC_END_EXIT] = 1;
	s->ends_by_reason[IPC_END_SIGNAL] = restarts > 2 ? restarts - 2 : 0;
	s->ends_by_reason[IPC_END_RELOAD] = 4;
	/* What earlier generations counted: the child adds its own. */
	s->carried.requests = 1000;
	s->carried.responses[1] = 990;
	s->carried.log_lines = 500;
	s->carried.log_lines_by_level[IPC_LOG_INFO] = 500;
	s->trace_records = 77;
	s->trace_dropped = 1;
	s->trace_rotations = 2;
	strcpy(s->trace_file, "/var/log/warden/ipc.trace");
	send_message(p, &msg);
}

void gui_send_log(struct child_proc *p, enum ipc_log_level level, const char *text, size_t length)
{
	struct ipc_message msg = {.type = IPC_LOG};
	msg.u.log.time_ns = realtime_ns();
	msg.u.log.level = (uint8_t)level;
	msg.u.log.text_length = (uint16_t)length;
	memcpy(msg.u.log.text, text, length);
	send_message(p, &msg);
}

void gui_send_report(struct child_proc *p, uint32_t shape, uint32_t count,
                     enum ipc_deny_action action)
{
	struct ipc_message msg = {.type = IPC_REPORT};
	struct ipc_report *r = &msg.u.report;
	r->time_ns = realtime_ns();
	r->shape = shape;
	r->count = count;
	r->generation = 1;
	r->action = (uint32_t)action;
	r->nr = 74;
	r->arch = 0xc000003e;
	r->ip = 0x7f0000001234;
	strcpy(r->syscall, "fsync");
	snprintf(r->text, sizeof(r->text),
	         "fsync(0): denied: arg 0 is 0; the rule at child.policy (built in):40 allows "
	         "arg 0 = logfile_fd \"quoted\"");
	send_message(p, &msg);
}

void gui_finish(struct child_proc *p)
{
	struct ipc_message msg;
	int rc;
	while ((rc = child_receive(p, &msg, 100)) == 1)
		cr_expect_neq(msg.type, IPC_VIOLATION, "violation: %s", msg.u.violation.name);
	cr_expect_eq(rc, -1, "the child closed its channel; stderr: %s", child_stderr(p));
	cr_expect(strstr(child_stderr(p), "violation") == NULL, "stderr: %s", child_stderr(p));
	cr_assert(child_shutdown(p, IPC_SHUTDOWN_TERMINATE, 5000));
	int status = child_wait(p, 8000);
	cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status 0x%x, stderr: %s", status,
	          child_stderr(p));
	child_cleanup(p);
}

unsigned gui_request(const struct child_proc *p, const char *method, const char *path,
                     const char *extra, struct http_response *r)
{
	int status = http_request(p->port, method, path, extra, CHILD_CLIENT_TIMEOUT_MS, r);
	cr_assert_gt(status, 0, "no response to %s %s: %s; received: %.200s", method, path,
	             strerror(-status), r->body);
	return (unsigned)status;
}
