/*
 * trace_explain.h - `warden trace show|follow` with the child's policy:
 * each violation in a trace (the child's report in trap mode, the parent's
 * report message in every mode) is explained again from its numbers, with
 * the built-in policy and the bindings of its generation's ready, found
 * earlier in the same trace; the line is the one the parent logs
 * (violation_report.h). A report's own text is never used.
 */
#ifndef WARDEN_PARENT_TRACE_EXPLAIN_H
#define WARDEN_PARENT_TRACE_EXPLAIN_H

#include "ipc/trace_command.h"

/* Fills `notes` for trace_command; returns -1 when out of memory. */
int trace_explain_start(struct trace_notes *notes);
void trace_explain_stop(struct trace_notes *notes);

#endif
