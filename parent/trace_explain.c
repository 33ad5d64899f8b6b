/*
 * trace_explain.c - see trace_explain.h.
 */
#include "trace_explain.h"
#include "violation_report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct known_generation {
	uint32_t number;
	struct policy_explainer *x;
};

struct trace_explain {
	struct violation_book *book;
	struct known_generation *list;
	size_t count, capacity;
};

static struct known_generation *find(struct trace_explain *t, uint32_t generation)
{
	for (size_t i = t->count; i > 0; i--)
		if (t->list[i - 1].number == generation)
			return &t->list[i - 1];
	return NULL;
}

/* A ready: that generation's bindings, replacing any earlier ones (a
 * trace may span parents, whose generations restart at 1). */
static void keep_ready(struct trace_explain *t, uint32_t generation, const struct ipc_ready *r)
{
	char why[256];
	struct known_generation *k = find(t, generation);
	if (k == NULL && t->count == t->capacity) {
		size_t capacity = t->capacity ? 2 * t->capacity : 16;
		struct known_generation *list = realloc(t->list, capacity * sizeof(*list));
		if (list == NULL)
			return;
		t->list = list;
		t->capacity = capacity;
	}
	if (k == NULL) {
		k = &t->list[t->count++];
		k->number = generation;
		k->x = NULL;
	}
	policy_explainer_free(k->x);
	k->x = violation_explainer_new(t->book, r, why, sizeof(why));
}

static void explain(struct trace_explain *t, uint32_t generation, uint32_t pid,
                    enum ipc_deny_action action, const struct policy_call *call, char *line,
                    size_t size)
{
	struct ipc_report report;
	const struct known_generation *k = find(t, generation);
	violation_book_record(t->book, k != NULL ? k->x : NULL, generation, (int)pid, action, call,
	                      line, size, &report);
}

static void note(void *ctx, uint32_t generation, uint32_t pid, const struct ipc_message *msg,
                 char *line, size_t size)
{
	struct trace_explain *t = ctx;
	struct policy_call call = {0};
	if (msg->type == IPC_READY) {
		keep_ready(t, generation, &msg->u.ready);
	} else if (msg->type == IPC_VIOLATION) {
		const struct ipc_violation *v = &msg->u.violation;
		call = (struct policy_call){.nr = (int)v->nr, .arch = v->arch, .ip = v->ip};
		memcpy(call.args, v->args, sizeof(call.args));
		explain(t, generation, pid, IPC_DENY_TRAP, &call, line, size);
	} else if (msg->type == IPC_REPORT) {
		/* The generation that made the call, not the one told of it. */
		const struct ipc_report *r = &msg->u.report;
		call = (struct policy_call){.nr = (int)r->nr, .arch = r->arch, .ip = r->ip};
		memcpy(call.args, r->args, sizeof(call.args));
		explain(t, r->generation, 0, (enum ipc_deny_action)r->action, &call, line, size);
	}
}

int trace_explain_start(struct trace_notes *notes)
{
	struct trace_explain *t = calloc(1, sizeof(*t));
	if (t == NULL || (t->book = violation_book_new()) == NULL) {
		free(t);
		return -1;
	}
	notes->ctx = t;
	notes->note = note;
	return 0;
}

void trace_explain_stop(struct trace_notes *notes)
{
	struct trace_explain *t = notes->ctx;
	if (t == NULL)
		return;
	for (size_t i = 0; i < t->count; i++)
		policy_explainer_free(t->list[i].x);
	free(t->list);
	violation_book_free(t->book);
	free(t);
	notes->ctx = NULL;
}
