/*
 * violation_report.h - the parent's account of the calls the child's
 * policy denied: each explained with the built-in policy and the bindings
 * of the generation that made it (policy/explain.h), counted by shape of
 * call (policy/suggest.h), logged, and kept for the GUI.
 *
 * The numbers explained are the kernel's (a seccomp notification) or, in
 * trap mode, those the dying child reported; the explanation is always the
 * parent's own, never text from a child. A log line reads:
 *
 *   sandbox violation (notify: the call did not run, the child is killed):
 *   close(4): denied: arg 0 is 4 (logfile_fd); the rule at child.policy
 *   (built in):96 allows first_client_fd <= arg 0 < fd_limit; shape
 *   close(logfile_fd), seen 1 time; generation 2, pid 4242, call nr=3
 *   arch=0xc000003e args=0x4,0x0,0x0,0x0,0x0,0x0 ip=0x7f1c2a4b5c6d
 *
 * The last part is the raw call, which `warden policy suggest` reads.
 */
#ifndef WARDEN_PARENT_VIOLATION_REPORT_H
#define WARDEN_PARENT_VIOLATION_REPORT_H

#include "ipc/ipc.h"
#include "policy/explain.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
	VIOLATION_SHAPES_MAX = 32, /* shapes kept for the GUI; the log has every call */
	VIOLATION_LINE_MAX = IPC_TEXT_MAX,
};

struct violation_book;

/* Parses the built-in child policy. NULL when out of memory or when the
 * built-in text does not parse (the build checks that it does). */
struct violation_book *violation_book_new(void);
void violation_book_free(struct violation_book *book);

/* An explainer for a generation whose READY bound the parameters so
 * (the fixed descriptors are the layout's own); NULL with `why` filled
 * when the bindings cannot be those of a real child. */
struct policy_explainer *violation_explainer_new(const struct violation_book *book,
                                                 const struct ipc_ready *ready, char *why,
                                                 size_t why_size);

/* One denied call of generation `generation` (pid `pid`), which met
 * `action`: counted, and described in `line` (for the log) and `report`
 * (for the GUI: its shape's entry, count included; shape 0 when the table
 * is full). `x` may be NULL (no bindings known: the call is shown raw).
 * Returns whether to log the line: the first call of a shape, and then
 * one a minute (the count goes on in the report). */
bool violation_book_record(struct violation_book *book, const struct policy_explainer *x,
                           uint32_t generation, int pid, enum ipc_deny_action action,
                           const struct policy_call *call, char *line, size_t line_size,
                           struct ipc_report *report);

/* The shapes kept, for a new generation's GUI. */
size_t violation_book_count(const struct violation_book *book);
const struct ipc_report *violation_book_at(const struct violation_book *book, size_t i);

/* Calls recorded in all, and those let through (complain mode). */
uint64_t violation_book_calls(const struct violation_book *book);
uint64_t violation_book_let_through(const struct violation_book *book);

#endif
