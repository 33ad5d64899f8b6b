/*
 * trace_print.h - one trace record as a line of text or of JSON, for
 * `warden trace show|follow` (see docs/traces.md for both formats).
 */
#ifndef WARDEN_IPC_TRACE_PRINT_H
#define WARDEN_IPC_TRACE_PRINT_H

#include "trace_reader.h"

#include <stdint.h>
#include <stdio.h>

/* "2026-11-28T15:34:01.123456789Z" into `out` (at least 32 bytes). */
void trace_format_time(uint64_t time_ns, char out[32]);

/* One line: time, arrow (-> to the child, <- to the parent), generation,
 * pid, type, sequence, length, descriptors, then the payload's main
 * fields; a message that does not decode shows its decode error. */
void trace_print_text(FILE *out, const struct trace_record *rec);

/* One JSON object on one line with every decoded field. */
void trace_print_json(FILE *out, const struct trace_record *rec);

/* "size", "range", ... for a decode status; "unknown" otherwise. */
const char *trace_status_name(enum ipc_decode_status status);

#endif
