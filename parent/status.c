/*
 * status.c - see status.h.
 */
#include "status.h"
#include "common/clock.h"
#include "ipc/trace_writer.h"

#include <stdio.h>
#include <string.h>

void status_init(struct status *st, const struct generations *set, const struct restart *restart,
                 const struct standby *standby)
{
	memset(st, 0, sizeof(*st));
	notify_init(&st->notify);
	st->set = set;
	st->restart = restart;
	st->standby = standby;
}

static uint32_t service_state(const struct status *st, bool stopping)
{
	const struct generation *g = st->set->current;
	if (stopping)
		return IPC_STATE_DRAINING;
	if (g == NULL)
		return IPC_STATE_RESTARTING;
	if (g->state == GENERATION_READY)
		return IPC_STATE_RUNNING; /* a restart pending is the next standby's */
	return st->restart->pending ? IPC_STATE_RESTARTING : IPC_STATE_STARTING;
}

/* The path's tail when it is too long: the file's name is what tells. */
static void trace_file_name(const char *path, char *out, size_t size)
{
	size_t n = strlen(path);
	if (n < size) {
		memcpy(out, path, n + 1);
		return;
	}
	memcpy(out, "...", 3);
	memcpy(out + 3, path + n - (size - 4), size - 4);
	out[size - 1] = '\0';
}

static void fill_trace(const struct status *st, struct ipc_status *out)
{
	const struct trace *tr = st->set->setup->trace;
	if (tr == NULL)
		return;
	struct trace_stats ts;
	trace_get_stats(tr, &ts);
	out->trace_records = ts.records;
	out->trace_dropped = ts.dropped;
	out->trace_errors = ts.errors;
	out->trace_rotations = ts.rotations;
	trace_file_name(st->set->cfg->trace_file, out->trace_file, sizeof(out->trace_file));
}

static void fill(const struct status *st, bool stopping, const struct generation *to,
                 struct ipc_status *out)
{
	const struct generations *set = st->set;
	const struct generation *g = set->current;
	memset(out, 0, sizeof(*out));
	out->generation = g != NULL ? g->number : (set->last_number ? set->last_number : 1);
	out->child_pid = g != NULL ? (uint32_t)g->pid : 0;
	out->state = service_state(st, stopping);
	out->restarts = st->restart->count;
	out->violations = st->violations;
	out->attested = g != NULL && g->state == GENERATION_READY ? g->attested : 0;
	out->standby_state = standby_state(st->standby);
	out->standby_pid = set->standby != NULL ? (uint32_t)set->standby->pid : 0;
	out->standby_generation = set->standby != NULL ? set->standby->number : 0;
	out->failovers = st->standby->failovers;
	out->parent_start_ns = set->parent_start_ns;
	out->child_start_ns = g != NULL ? g->started_ns : 0;
	struct generation_traffic t = generations_traffic(set);
	out->ipc_messages_in = t.messages_in;
	out->ipc_messages_out = t.messages_out;
	out->ipc_bytes_in = t.bytes_in;
	out->ipc_bytes_out = t.bytes_out;
	out->recent_count = st->restart->recent_count;
	memcpy(out->recent, st->restart->recent, sizeof(out->recent));
	memcpy(out->ends_by_reason, st->restart->ends_by_reason, sizeof(out->ends_by_reason));
	generations_carried(set, to, &out->carried);
	fill_trace(st, out);
}

static void summary_line(const struct status *st, bool stopping, char *out, size_t size)
{
	const struct generation *g = st->set->current;
	uint32_t restarts = st->restart->count;
	snprintf(out, size, "%s: generation %u, pid %d, %u restart%s, standby %s",
	         ipc_state_name(service_state(st, stopping)), g ? g->number : st->set->last_number,
	         g ? (int)g->pid : 0, restarts, restarts == 1 ? "" : "s",
	         ipc_standby_state_name(standby_state(st->standby)));
}

void status_publish(struct status *st, bool stopping)
{
	char line[160];
	summary_line(st, stopping, line, sizeof(line));
	notify_status(&st->notify, line);
	struct generation *g = generations_serving(st->set);
	if (g != NULL)
		status_send(st, g, stopping);
}

void status_send(struct status *st, struct generation *g, bool stopping)
{
	struct ipc_message msg = {.type = IPC_STATUS};
	fill(st, stopping, g, &msg.u.status);
	ipc_endpoint_send(&g->ep, &msg);
	st->last_sent_ms = clock_monotonic_ms();
}

void status_ready(struct status *st, bool stopping)
{
	if (!st->announced_ready) {
		char line[160];
		summary_line(st, stopping, line, sizeof(line));
		notify_ready(&st->notify, line);
		st->announced_ready = true;
	}
	status_publish(st, stopping);
}
