/*
 * violation_report.c - see violation_report.h.
 */
#include "violation_report.h"
#include "common/clock.h"
#include "policy/child_policy.h"
#include "policy/suggest.h"

#include <inttypes.h>
#include <linux/audit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The descriptors the child's layout fixes (child/fd_layout.h): the parent
 * binds them itself; only the loop's and the clients' come from READY. */
enum {
	LAYOUT_IPC_FD = 3,
	LAYOUT_LOG_FD = 4,
	LAYOUT_GUI_FD = 5,
};

enum { RELOG_MS = 60000 }; /* a shape already logged is logged again after this */

struct shape_entry {
	char shape[IPC_REPORT_TEXT_MAX / 2]; /* its text: the key */
	struct ipc_report report;
	uint64_t logged_ms; /* monotonic, when last logged */
};

struct violation_book {
	struct policy *policy;
	struct shape_entry shapes[VIOLATION_SHAPES_MAX];
	size_t count;
	uint64_t calls, let_through;
};

struct violation_book *violation_book_new(void)
{
	struct policy_error err;
	struct violation_book *book = calloc(1, sizeof(*book));
	if (book == NULL)
		return NULL;
	book->policy = policy_parse("child.policy (built in)", child_policy_text,
	                            child_policy_length, &err);
	if (book->policy == NULL) {
		free(book);
		return NULL;
	}
	return book;
}

void violation_book_free(struct violation_book *book)
{
	if (book == NULL)
		return;
	policy_free(book->policy);
	free(book);
}

struct policy_explainer *violation_explainer_new(const struct violation_book *book,
                                                 const struct ipc_ready *r, char *why,
                                                 size_t why_size)
{
	const struct policy_binding bindings[] = {
	        {"ipc_fd", LAYOUT_IPC_FD},
	        {"logfile_fd", LAYOUT_LOG_FD},
	        {"gui_socket_fd", LAYOUT_GUI_FD},
	        {"epoll_fd", r->epoll_fd},
	        {"first_client_fd", r->first_client_fd},
	        {"fd_limit", r->fd_limit},
	};
	struct policy_error err;
	if (r->epoll_fd <= LAYOUT_GUI_FD || r->first_client_fd <= r->epoll_fd) {
		snprintf(why, why_size, "epoll_fd %u and first_client_fd %u are not above fd %d",
		         r->epoll_fd, r->first_client_fd, LAYOUT_GUI_FD);
		return NULL;
	}
	struct policy_explainer *x = policy_explainer_new(
	        book->policy, bindings, sizeof(bindings) / sizeof(bindings[0]), &err);
	if (x == NULL)
		policy_error_format(&err, why, why_size);
	return x;
}

static const char *action_words(enum ipc_deny_action action)
{
	switch (action) {
	case IPC_DENY_TRAP:
		return "trap: the call did not run, the child reported it and exits";
	case IPC_DENY_NOTIFY:
		return "notify: the call did not run, the child is killed";
	case IPC_DENY_COMPLAIN:
		return "complain: the call was let through";
	default:
		return "kill";
	}
}

/* "nr=3 arch=0xc000003e args=0x4,0x0,0x0,0x0,0x0,0x0 ip=0x7f..": the raw
 * call as `warden policy suggest` reads it. */
static void raw_call(const struct policy_call *c, char *buf, size_t size)
{
	snprintf(buf, size,
	         "nr=%d arch=0x%" PRIx32 " args=0x%" PRIx64 ",0x%" PRIx64 ",0x%" PRIx64
	         ",0x%" PRIx64 ",0x%" PRIx64 ",0x%" PRIx64 " ip=0x%" PRIx64,
	         c->nr, c->arch, c->args[0], c->args[1], c->args[2], c->args[3], c->args[4],
	         c->args[5], c->ip);
}

/* The shape's text, or the raw number when there is no shape. */
static void shape_of(const struct policy_explainer *x, const struct policy_call *call, char *buf,
                     size_t size, const char **name)
{
	struct policy_call_shape s;
	*name = NULL;
	if (x != NULL && policy_call_shape(x, call, &s)) {
		policy_shape_format(x, &s, buf, size);
		*name = s.syscall;
		return;
	}
	snprintf(buf, size, "syscall %d (arch 0x%" PRIx32 ")", call->nr, call->arch);
}

static struct shape_entry *entry_for(struct violation_book *book, const char *shape)
{
	for (size_t i = 0; i < book->count; i++)
		if (strcmp(book->shapes[i].shape, shape) == 0)
			return &book->shapes[i];
	if (book->count == VIOLATION_SHAPES_MAX)
		return NULL;
	struct shape_entry *e = &book->shapes[book->count++];
	memset(e, 0, sizeof(*e));
	snprintf(e->shape, sizeof(e->shape), "%s", shape);
	e->report.shape = (uint32_t)book->count;
	return e;
}

static void fill_report(struct ipc_report *r, uint32_t generation, enum ipc_deny_action action,
                        const struct policy_call *call, const char *name, const char *text)
{
	r->time_ns = clock_realtime_ns();
	r->count = r->count < UINT32_MAX ? r->count + 1 : UINT32_MAX;
	r->generation = generation;
	r->action = (uint32_t)action;
	r->nr = (uint32_t)call->nr;
	r->arch = call->arch;
	memcpy(r->args, call->args, sizeof(r->args));
	r->ip = call->ip;
	memset(r->syscall, 0, sizeof(r->syscall));
	if (name != NULL && strlen(name) < sizeof(r->syscall))
		memcpy(r->syscall, name, strlen(name));
	memset(r->text, 0, sizeof(r->text));
	snprintf(r->text, sizeof(r->text), "%s", text);
}

/* Whether the line is worth the log: a new shape, or one last logged a
 * while ago. Without this a complain-mode child would feed itself: a
 * WARNING line makes the child fsync its log, which may be the very
 * call reported. */
static bool worth_logging(struct shape_entry *entry)
{
	uint64_t now = clock_monotonic_ms();
	if (entry != NULL && entry->logged_ms != 0 && now - entry->logged_ms < RELOG_MS)
		return false;
	if (entry != NULL)
		entry->logged_ms = now;
	return true;
}

bool violation_book_record(struct violation_book *book, const struct policy_explainer *x,
                           uint32_t generation, int pid, enum ipc_deny_action action,
                           const struct policy_call *call, char *line, size_t line_size,
                           struct ipc_report *report)
{
	char why[IPC_REPORT_TEXT_MAX], shape[IPC_REPORT_TEXT_MAX / 2], raw[224];
	const char *name, *mismatch = "";
	struct policy_explanation e;
	book->calls++;
	if (action == IPC_DENY_COMPLAIN)
		book->let_through++;
	if (x != NULL) {
		/* The kernel stopped it: a verdict of allowed means the child's
		 * filter is not the policy the parent was built with. */
		if (policy_explain(x, call, &e) == POLICY_ALLOWED)
			mismatch = "POLICY MISMATCH: the child's filter denied a call the parent's "
			           "built-in policy allows: ";
		policy_explanation_format(x, &e, why, sizeof(why));
	} else {
		snprintf(why, sizeof(why), "not explained: the generation's bindings are unknown");
	}
	shape_of(x, call, shape, sizeof(shape), &name);
	raw_call(call, raw, sizeof(raw));
	struct shape_entry *entry = entry_for(book, shape);
	memset(report, 0, sizeof(*report));
	if (entry != NULL) {
		fill_report(&entry->report, generation, action, call, name, why);
		*report = entry->report;
	}
	char seen[48] = "not kept: the table of shapes is full";
	if (entry != NULL)
		snprintf(seen, sizeof(seen), "seen %" PRIu32 " time%s", entry->report.count,
		         entry->report.count == 1 ? "" : "s");
	snprintf(line, line_size,
	         "sandbox violation (%s): %s%s; shape %s, %s; generation %" PRIu32
	         ", pid %d, call %s",
	         action_words(action), mismatch, why, shape, seen, generation, pid, raw);
	return worth_logging(entry);
}

size_t violation_book_count(const struct violation_book *book)
{
	return book->count;
}

const struct ipc_report *violation_book_at(const struct violation_book *book, size_t i)
{
	return i < book->count ? &book->shapes[i].report : NULL;
}

uint64_t violation_book_calls(const struct violation_book *book)
{
	return book->calls;
}

uint64_t violation_book_let_through(const struct violation_book *book)
{
	return book->let_through;
}
