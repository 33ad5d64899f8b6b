/*
 * fields.c - every payload's fields, once (ipc.h, "Payload fields").
 *
 * One table per payload struct, a row per member in the order of the
 * struct, which is the order on the wire (docs/ipc.md has the offsets).
 * A row takes its name, offset and size from the member itself, so the
 * names that `warden trace`, the dissector and the docs use are the
 * struct's; the rest of a row says what the value means to a reader.
 */
#include "ipc.h"

#include <string.h>

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Member `m` of struct T, one value. */
#define ONE(T, m) .name = #m, .offset = offsetof(T, m), .size = sizeof(((T *)0)->m), .count = 1
/* Member `m` of struct T, an array: the size of one element, and how many. */
#define MANY(T, m)                                                                                 \
	.name = #m, .offset = offsetof(T, m), .size = sizeof(((T *)0)->m[0]),                      \
	.count = COUNT(((T *)0)->m)

enum {
	SUMMARY = IPC_FIELD_SUMMARY,
	HEX = IPC_FIELD_HEX,
	BITS = IPC_FIELD_BITS,
};

static const struct ipc_field hello_rows[] = {
        {ONE(struct ipc_hello, generation), .flags = SUMMARY},
        {ONE(struct ipc_hello, parent_pid), .flags = SUMMARY},
        {ONE(struct ipc_hello, parent_start_ns)},
};

static const struct ipc_field config_rows[] = {
        {ONE(struct ipc_config, max_connections), .flags = SUMMARY},
        {ONE(struct ipc_config, header_max_bytes)},
        {ONE(struct ipc_config, uri_max_bytes)},
        {ONE(struct ipc_config, header_timeout_ms)},
        {ONE(struct ipc_config, idle_timeout_ms)},
        {ONE(struct ipc_config, send_timeout_ms)},
        {ONE(struct ipc_config, heartbeat_interval_ms), .flags = SUMMARY},
        {ONE(struct ipc_config, memory_reserve_kib)},
        {ONE(struct ipc_config, log_ring_lines)},
        {ONE(struct ipc_config, max_connections_per_peer)},
        {ONE(struct ipc_config, log_min_level), .flags = SUMMARY, .value_name = ipc_log_level_name},
        {ONE(struct ipc_config, log_format), .flags = SUMMARY, .value_name = ipc_log_format_name},
        {ONE(struct ipc_config, log_stderr_level), .value_name = ipc_log_level_name},
        {ONE(struct ipc_config, namespaces), .flags = SUMMARY, .value_name = ipc_namespaces_name},
        {ONE(struct ipc_config, deny_action), .flags = SUMMARY, .value_name = ipc_deny_action_name},
        {ONE(struct ipc_config, token_length), .flags = SUMMARY},
        {ONE(struct ipc_config, test_mode)},
        {ONE(struct ipc_config, user), .kind = IPC_FIELD_STRING, .flags = SUMMARY},
        {ONE(struct ipc_config, group), .kind = IPC_FIELD_STRING, .flags = SUMMARY},
        {ONE(struct ipc_config, token), .kind = IPC_FIELD_SECRET},
        {ONE(struct ipc_config, hosts), .kind = IPC_FIELD_STRING},
};

static const struct ipc_field ready_rows[] = {
        {ONE(struct ipc_ready, pid), .flags = SUMMARY},
        {ONE(struct ipc_ready, generation), .flags = SUMMARY},
        {ONE(struct ipc_ready, sandbox), .flags = SUMMARY | BITS,
         .value_name = ipc_sandbox_flag_name},
        {ONE(struct ipc_ready, uid), .flags = SUMMARY},
        {ONE(struct ipc_ready, gid), .flags = SUMMARY},
        {ONE(struct ipc_ready, policy_instructions), .flags = SUMMARY},
        {ONE(struct ipc_ready, boot_ns), .flags = SUMMARY},
        {ONE(struct ipc_ready, epoll_fd)},
        {ONE(struct ipc_ready, first_client_fd)},
        {ONE(struct ipc_ready, fd_limit)},
        {ONE(struct ipc_ready, listener_fd), .flags = SUMMARY},
};

static const struct ipc_field ping_rows[] = {
        {ONE(struct ipc_ping, nonce), .flags = SUMMARY},
        {ONE(struct ipc_ping, sent_ns), .flags = SUMMARY},
};

static const char *const response_classes[] = {"1xx", "2xx", "3xx", "4xx", "5xx"};

_Static_assert(IPC_LOG_LEVELS == IPC_LOG_MAX + 1, "a count for every log level");

/* The text line shows the figures an operator watches. */
static const struct ipc_field counters_rows[] = {
        {ONE(struct ipc_counters, connections_accepted)},
        {ONE(struct ipc_counters, connections_open), .flags = SUMMARY},
        {ONE(struct ipc_counters, connections_refused)},
        {ONE(struct ipc_counters, requests), .flags = SUMMARY},
        {MANY(struct ipc_counters, responses), .element_names = response_classes},
        {ONE(struct ipc_counters, bytes_in)},
        {ONE(struct ipc_counters, bytes_out)},
        {ONE(struct ipc_counters, log_lines)},
        {ONE(struct ipc_counters, log_write_errors)},
        {ONE(struct ipc_counters, memory_used)},
        {ONE(struct ipc_counters, memory_reserved)},
        {ONE(struct ipc_counters, timeouts)},
        {ONE(struct ipc_counters, allocation_failures)},
        {MANY(struct ipc_counters, log_lines_by_level), .element_names = ipc_log_level_names},
        {MANY(struct ipc_counters, log_write_errors_by_class),
         .element_names = ipc_log_error_class_names},
};
_Static_assert(COUNT(response_classes) == COUNT(((struct ipc_counters *)0)->responses),
               "a name for every response class");

static const struct ipc_fields counters_table = {counters_rows, COUNT(counters_rows)};

static const struct ipc_field pong_rows[] = {
        {ONE(struct ipc_pong, nonce), .flags = SUMMARY},
        {ONE(struct ipc_pong, sent_ns), .flags = SUMMARY},
        {ONE(struct ipc_pong, counters), .kind = IPC_FIELD_RECORD, .record = &counters_table},
};

static const struct ipc_field restart_rows[] = {
        {ONE(struct ipc_restart, time_ns)},
        {ONE(struct ipc_restart, generation)},
        {ONE(struct ipc_restart, reason), .value_name = ipc_end_reason_name},
        {ONE(struct ipc_restart, code), .kind = IPC_FIELD_SIGNED},
        {ONE(struct ipc_restart, outage_ms)},
        {ONE(struct ipc_restart, detail), .kind = IPC_FIELD_STRING},
};

static const struct ipc_fields restart_table = {restart_rows, COUNT(restart_rows)};

static const struct ipc_field status_rows[] = {
        {ONE(struct ipc_status, generation), .flags = SUMMARY},
        {ONE(struct ipc_status, child_pid), .flags = SUMMARY},
        {ONE(struct ipc_status, state), .flags = SUMMARY, .value_name = ipc_state_name},
        {ONE(struct ipc_status, restarts), .flags = SUMMARY},
        {ONE(struct ipc_status, violations), .flags = SUMMARY},
        {ONE(struct ipc_status, attested), .flags = BITS, .value_name = ipc_sandbox_flag_name},
        {ONE(struct ipc_status, standby_state), .flags = SUMMARY,
         .value_name = ipc_standby_state_name},
        {ONE(struct ipc_status, standby_pid)},
        {ONE(struct ipc_status, standby_generation)},
        {ONE(struct ipc_status, failovers), .flags = SUMMARY},
        {ONE(struct ipc_status, parent_start_ns)},
        {ONE(struct ipc_status, child_start_ns)},
        {ONE(struct ipc_status, ipc_messages_in)},
        {ONE(struct ipc_status, ipc_messages_out)},
        {ONE(struct ipc_status, ipc_bytes_in)},
        {ONE(struct ipc_status, ipc_bytes_out)},
        {ONE(struct ipc_status, recent_count), .flags = SUMMARY},
        {MANY(struct ipc_status, recent), .kind = IPC_FIELD_RECORD, .record = &restart_table,
         .counted_by = "recent_count"},
        {ONE(struct ipc_status, carried), .kind = IPC_FIELD_RECORD, .record = &counters_table},
        {MANY(struct ipc_status, ends_by_reason), .element_names = ipc_end_reason_names},
        {ONE(struct ipc_status, trace_records)},
        {ONE(struct ipc_status, trace_dropped)},
        {ONE(struct ipc_status, trace_errors)},
        {ONE(struct ipc_status, trace_rotations)},
        {ONE(struct ipc_status, trace_file), .kind = IPC_FIELD_STRING},
};

/* The text that follows is not a row: its length is text_length. */
static const struct ipc_field log_fixed_rows[] = {
        {ONE(struct ipc_log, time_ns)},
        {ONE(struct ipc_log, level), .flags = SUMMARY, .value_name = ipc_log_level_name},
        {ONE(struct ipc_log, text_length)},
        {ONE(struct ipc_log, flags), .flags = BITS, .value_name = ipc_log_flag_name},
};

static const struct ipc_field violation_rows[] = {
        {ONE(struct ipc_violation, nr), .flags = SUMMARY},
        {ONE(struct ipc_violation, arch), .flags = SUMMARY | HEX},
        {MANY(struct ipc_violation, args), .flags = HEX},
        {ONE(struct ipc_violation, ip), .flags = HEX},
        {ONE(struct ipc_violation, name), .kind = IPC_FIELD_STRING, .flags = SUMMARY},
};

static const struct ipc_field shutdown_rows[] = {
        {ONE(struct ipc_shutdown, grace_ms), .flags = SUMMARY},
        {ONE(struct ipc_shutdown, reason), .flags = SUMMARY,
         .value_name = ipc_shutdown_reason_name},
};

static const struct ipc_field error_rows[] = {
        {ONE(struct ipc_error, error_version)},
        {ONE(struct ipc_error, code), .flags = SUMMARY, .value_name = ipc_decode_status_name},
        {ONE(struct ipc_error, sequence), .flags = SUMMARY},
        {ONE(struct ipc_error, message), .kind = IPC_FIELD_STRING, .flags = SUMMARY},
};

static const struct ipc_field serve_rows[] = {
        {ONE(struct ipc_serve, attested), .flags = SUMMARY | BITS,
         .value_name = ipc_sandbox_flag_name},
};

static const struct ipc_field report_rows[] = {
        {ONE(struct ipc_report, time_ns)},
        {ONE(struct ipc_report, shape), .flags = SUMMARY},
        {ONE(struct ipc_report, count), .flags = SUMMARY},
        {ONE(struct ipc_report, generation)},
        {ONE(struct ipc_report, action), .flags = SUMMARY, .value_name = ipc_deny_action_name},
        {ONE(struct ipc_report, nr)},
        {ONE(struct ipc_report, arch), .flags = HEX},
        {MANY(struct ipc_report, args), .flags = HEX},
        {ONE(struct ipc_report, ip), .flags = HEX},
        {ONE(struct ipc_report, syscall), .kind = IPC_FIELD_STRING, .flags = SUMMARY},
        {ONE(struct ipc_report, text), .kind = IPC_FIELD_STRING, .flags = SUMMARY},
};

static const struct ipc_fields payloads[IPC_TYPE_MAX + 1] = {
        [IPC_HELLO] = {hello_rows, COUNT(hello_rows)},
        [IPC_CONFIG] = {config_rows, COUNT(config_rows)},
        [IPC_READY] = {ready_rows, COUNT(ready_rows)},
        [IPC_PING] = {ping_rows, COUNT(ping_rows)},
        [IPC_PONG] = {pong_rows, COUNT(pong_rows)},
        [IPC_STATUS] = {status_rows, COUNT(status_rows)},
        [IPC_LOG] = {log_fixed_rows, COUNT(log_fixed_rows)},
        [IPC_VIOLATION] = {violation_rows, COUNT(violation_rows)},
        [IPC_SHUTDOWN] = {shutdown_rows, COUNT(shutdown_rows)},
        [IPC_ERROR] = {error_rows, COUNT(error_rows)},
        [IPC_SERVE] = {serve_rows, COUNT(serve_rows)},
        [IPC_REPORT] = {report_rows, COUNT(report_rows)},
};

const struct ipc_fields *ipc_payload_fields(unsigned type)
{
	return type >= IPC_TYPE_MIN && type <= IPC_TYPE_MAX ? &payloads[type] : NULL;
}

size_t ipc_fields_size(const struct ipc_fields *fields)
{
	size_t size = 0;
	for (size_t i = 0; i < fields->count; i++) {
		const struct ipc_field *f = &fields->field[i];
		size_t one = f->kind == IPC_FIELD_RECORD ? ipc_fields_size(f->record) : f->size;
		size += one * f->count;
	}
	return size;
}

/* Through memcpy: the member's type is the one its size names. */
uint64_t ipc_field_get(const struct ipc_field *f, const void *base, size_t i)
{
	const char *p = (const char *)base + f->offset + i * f->size;
	uint8_t v8;
	uint16_t v16;
	uint32_t v32;
	uint64_t v64;
	switch (f->size) {
	case 1:
		memcpy(&v8, p, 1);
		return v8;
	case 2:
		memcpy(&v16, p, 2);
		return v16;
	case 4:
		memcpy(&v32, p, 4);
		/* i32 is the only signed kind; the conversion is modulo 2^32 in
		 * GCC and clang, not UB. */
		return f->kind == IPC_FIELD_SIGNED ? (uint64_t)(int64_t)(int32_t)v32 : v32;
	default:
		memcpy(&v64, p, 8);
		return v64;
	}
}

void ipc_field_set(const struct ipc_field *f, void *base, size_t i, uint64_t value)
{
	char *p = (char *)base + f->offset + i * f->size;
	uint8_t v8 = (uint8_t)value;
	uint16_t v16 = (uint16_t)value;
	uint32_t v32 = (uint32_t)value;
	switch (f->size) {
	case 1:
		memcpy(p, &v8, 1);
		break;
	case 2:
		memcpy(p, &v16, 2);
		break;
	case 4:
		memcpy(p, &v32, 4);
		break;
	default:
		memcpy(p, &value, 8);
		break;
	}
}

size_t ipc_field_used(const struct ipc_fields *fields, const struct ipc_field *f, const void *base)
{
	if (f->counted_by == NULL)
		return f->count;
	for (size_t i = 0; i < fields->count; i++) {
		const struct ipc_field *n = &fields->field[i];
		if (strcmp(n->name, f->counted_by) == 0) {
			uint64_t used = ipc_field_get(n, base, 0);
			return used < f->count ? (size_t)used : f->count;
		}
	}
	return f->count;
}
