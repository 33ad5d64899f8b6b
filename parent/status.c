/*
 * status.c - see status.h.
 */
#include "status.h"
#include "common/clock.h"

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

static void fill(const struct status *st, bool stopping, struct ipc_status *out)
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
	if (g == NULL)
		return;
	struct ipc_message msg = {.type = IPC_STATUS};
	fill(st, stopping, &msg.u.status);
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
