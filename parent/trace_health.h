/*
 * trace_health.h - what the IPC trace writer has done, told in the log.
 *
 * The trace (ipc/trace_writer.h) cannot log: the parent reads its counts
 * after each flush and logs a NOTICE when a new file was started (a
 * rotation) and a WARNING when records were dropped or writes failed
 * since the last such WARNING, at most one per TRACE_HEALTH_WARN_MS, so
 * that a full disk does not flood the log. The same counts reach the GUI
 * and /metrics in the status (status.h).
 */
#ifndef WARDEN_PARENT_TRACE_HEALTH_H
#define WARDEN_PARENT_TRACE_HEALTH_H

#include "generation.h"
#include "ipc/trace_writer.h"

#include <stdint.h>

enum { TRACE_HEALTH_WARN_MS = 60000 };

struct trace_health {
	struct trace_stats seen;   /* at the last check: for rotations */
	struct trace_stats warned; /* at the last WARNING: for drops and errors */
	uint64_t warned_ms;        /* monotonic; 0 before the first WARNING */
};

/* Logs what changed in `tr` (recording to `path`) since the last check. */
void trace_health_check(struct trace_health *th, const struct trace *tr, const char *path,
                        struct generations *set, uint64_t now_ms);

#endif
