/*
 * api_json.c - the JSON documents of /api/status, /api/logs and /api/policy
 * (the event streams send the same status and log documents). docs/gui.md
 * describes every field.
 */
#include "api_internal.h"
#include "child.h"
#include "policy/child_policy.h"
#include "fd_layout.h"
#include "server.h"
#include "common/clock.h"

#include <stdio.h>
#include <string.h>

/* A name of ipc.h's, or "unknown" for a value the parent's decoder would
 * have refused (the GUI shows a word, never null). */
static const char *name_or_unknown(const char *name)
{
	return name != NULL ? name : "unknown";
}

/* ---- /api/status -------------------------------------------------------------- */

uint32_t api_attested(const struct child *c)
{
	/* The parent's word on this very generation, or nothing seen yet. */
	if (!c->have_status || c->status.generation != c->generation)
		return 0;
	return c->status.attested;
}

static void restart_json(struct json *j, const struct ipc_restart *r)
{
	json_object_begin(j);
	json_field_u64(j, "time_ns", r->time_ns);
	json_field_u64(j, "generation", r->generation);
	json_field_cstring(j, "reason", name_or_unknown(ipc_end_reason_name(r->reason)));
	json_field_i64(j, "code", r->code);
	json_field_u64(j, "outage_ms", r->outage_ms);
	json_field_string(j, "detail", r->detail, strnlen(r->detail, sizeof(r->detail)));
	json_object_end(j);
}

/* Generations ended since the parent started, by reason. */
static void ends_json(struct json *j, const struct ipc_status *s)
{
	json_key(j, "ends_by_reason");
	json_object_begin(j);
	for (unsigned r = IPC_END_EXIT; r <= IPC_END_MAX; r++)
		json_field_u64(j, ipc_end_reason_name(r), s->ends_by_reason[r]);
	json_object_end(j);
}

/* The IPC trace the parent records, or null when it records none. */
static void trace_json(struct json *j, const struct ipc_status *s)
{
	json_key(j, "trace");
	if (s->trace_file[0] == '\0') {
		json_null(j);
		return;
	}
	json_object_begin(j);
	json_field_string(j, "file", s->trace_file, strnlen(s->trace_file, sizeof(s->trace_file)));
	json_field_u64(j, "records", s->trace_records);
	json_field_u64(j, "dropped", s->trace_dropped);
	json_field_u64(j, "errors", s->trace_errors);
	json_field_u64(j, "rotations", s->trace_rotations);
	json_object_end(j);
}

/* The parent's snapshot, or null before the first one arrives. */
static void parent_json(struct json *j, const struct child *c)
{
	const struct ipc_status *s = &c->status;
	json_key(j, "parent");
	if (!c->have_status) {
		json_null(j);
		return;
	}
	json_object_begin(j);
	json_field_u64(j, "generation", s->generation);
	json_field_u64(j, "child_pid", s->child_pid);
	json_field_cstring(j, "state", name_or_unknown(ipc_state_name(s->state)));
	json_field_u64(j, "restarts", s->restarts);
	json_field_u64(j, "violations", s->violations);
	json_field_u64(j, "failovers", s->failovers);
	json_key(j, "standby");
	json_object_begin(j);
	json_field_cstring(j, "state", name_or_unknown(ipc_standby_state_name(s->standby_state)));
	json_field_u64(j, "pid", s->standby_pid);
	json_field_u64(j, "generation", s->standby_generation);
	json_object_end(j);
	json_field_u64(j, "parent_start_ns", s->parent_start_ns);
	json_field_u64(j, "child_start_ns", s->child_start_ns);
	json_key(j, "ipc");
	json_object_begin(j);
	json_field_u64(j, "messages_in", s->ipc_messages_in);
	json_field_u64(j, "messages_out", s->ipc_messages_out);
	json_field_u64(j, "bytes_in", s->ipc_bytes_in);
	json_field_u64(j, "bytes_out", s->ipc_bytes_out);
	json_object_end(j);
	json_key(j, "recent_restarts");
	json_array_begin(j);
	for (uint32_t i = 0; i < s->recent_count && i < IPC_RECENT_RESTARTS; i++)
		restart_json(j, &s->recent[i]);
	json_array_end(j);
	ends_json(j, s);
	trace_json(j, s);
	json_object_end(j);
}

/* The names of the flags that are set in `flags` (or, with `set` false,
 * clear). */
static void sandbox_flags_json(struct json *j, const char *key, uint32_t flags, bool set)
{
	json_key(j, key);
	json_array_begin(j);
	for (unsigned bit = 0; ipc_sandbox_flag_name(bit) != NULL; bit++)
		if (((flags >> bit) & 1u) == set)
			json_cstring(j, ipc_sandbox_flag_name(bit));
	json_array_end(j);
}

/* What the child claims of its sandbox (its own flags, as sent in ready)
 * beside what the parent saw of it from outside, in /proc: only the latter
 * are facts. */
static void sandbox_json(struct json *j, const struct child *c)
{
	uint32_t claimed = c->sandbox, attested = api_attested(c);
	json_key(j, "sandbox");
	json_object_begin(j);
	json_field_u64(j, "claimed_flags", claimed);
	sandbox_flags_json(j, "claimed", claimed, true);
	sandbox_flags_json(j, "not_claimed", claimed, false);
	json_field_u64(j, "attested_flags", attested);
	sandbox_flags_json(j, "attested", attested, true);
	sandbox_flags_json(j, "unattested", claimed & ~attested, true);
	json_object_end(j);
}

/* The HTTP server's figures since the parent started (counters_total). */
static void counters_json(struct json *j, const struct ipc_counters *k)
{
	static const char *const classes[] = {"1xx", "2xx", "3xx", "4xx", "5xx"};
	json_key(j, "counters");
	json_object_begin(j);
	json_field_u64(j, "connections_accepted", k->connections_accepted);
	json_field_u64(j, "connections_open", k->connections_open);
	json_field_u64(j, "connections_refused", k->connections_refused);
	json_field_u64(j, "requests", k->requests);
	json_key(j, "responses");
	json_object_begin(j);
	for (size_t i = 0; i < sizeof(classes) / sizeof(classes[0]); i++)
		json_field_u64(j, classes[i], k->responses[i]);
	json_object_end(j);
	json_field_u64(j, "bytes_in", k->bytes_in);
	json_field_u64(j, "bytes_out", k->bytes_out);
	json_object_end(j);
}

static void memory_json(struct json *j, const struct arena *a, const struct ipc_counters *k)
{
	json_key(j, "memory");
	json_object_begin(j);
	json_field_u64(j, "used", a->used);
	json_field_u64(j, "peak", a->peak);
	json_field_u64(j, "reserved", arena_capacity(a));
	json_field_u64(j, "failures", k->allocation_failures);
	json_object_end(j);
}

/* lines, by_level and write_errors count from the parent's start; the
 * rest is this child's logger. */
static void logger_json(struct json *j, const struct logger *lg, const struct ipc_counters *k)
{
	struct logger_stats st;
	logger_get_stats(lg, &st);
	json_key(j, "log");
	json_object_begin(j);
	json_field_u64(j, "lines", k->log_lines);
	json_key(j, "by_level");
	json_object_begin(j);
	for (int l = IPC_LOG_DEBUG; l <= IPC_LOG_MAX; l++)
		json_field_u64(j, ipc_log_level_name((unsigned)l), k->log_lines_by_level[l]);
	json_object_end(j);
	json_field_u64(j, "written", st.lines_written);
	json_field_u64(j, "bytes", st.bytes);
	json_field_u64(j, "filtered", st.filtered);
	json_field_u64(j, "truncated", st.truncated);
	json_field_u64(j, "write_errors", k->log_write_errors);
	json_field_i64(j, "last_errno", st.last_errno);
	json_field_u64(j, "ring_oldest", logger_ring_oldest(lg));
	json_field_u64(j, "ring_newest", logger_ring_newest(lg));
	json_field_cstring(j, "min_level", ipc_log_level_name(logger_min_level(lg)));
	json_object_end(j);
}

static void server_json(struct json *j, const struct server *srv, const struct ipc_counters *k)
{
	struct server_stats st;
	json_key(j, "server");
	if (srv == NULL) {
		json_null(j);
		return;
	}
	server_get_stats(srv, &st);
	json_object_begin(j);
	json_field_u64(j, "streams_open", st.streams_open);
	json_field_u64(j, "timeouts", k->timeouts);
	json_object_end(j);
}

/* What the child knows of itself. */
static void child_json(struct json *j, struct child *c)
{
	struct ipc_counters k;
	counters_total(c, &k);
	json_key(j, "child");
	json_object_begin(j);
	json_field_u64(j, "generation", c->generation);
	json_field_cstring(j, "version", WARDEN_VERSION);
	json_field_cstring(j, "host", c->host);
	json_field_cstring(j, "listen", c->listen);
	json_field_u64(j, "pid", c->pid); /* in its PID namespace, when it has one */
	json_field_u64(j, "uid", c->uid);
	json_field_u64(j, "gid", c->gid);
	json_field_cstring(j, "user", c->config.user);
	json_field_cstring(j, "group", c->config.group);
	json_field_u64(j, "boot_ns", c->boot_ns);
	json_field_u64(j, "uptime_ns", clock_monotonic_ns() - c->start_ns);
	json_field_u64(j, "policy_instructions", c->policy_instructions);
	json_field_bool(j, "draining", c->draining);
	json_field_bool(j, "auth", c->config.token_length > 0);
	json_field_u64(j, "max_connections", c->config.max_connections);
	sandbox_json(j, c);
	counters_json(j, &k);
	memory_json(j, &c->arena, &k);
	logger_json(j, c->logger, &k);
	server_json(j, c->server, &k);
	json_object_end(j);
}

/* Requests per second over the last two minutes, as the server counted
 * them: counts[i] is second start_s + i, the last one still counting. */
static void request_rate_json(struct json *j, const struct server *srv, uint64_t now_ns)
{
	uint32_t counts[RATE_SECONDS];
	uint64_t now_s = now_ns / CLOCK_NS_PER_SEC;
	json_key(j, "request_rate");
	if (srv == NULL || now_s + 1 < RATE_SECONDS) {
		json_null(j);
		return;
	}
	server_request_rate(srv, now_s, counts);
	json_object_begin(j);
	json_field_u64(j, "start_s", now_s + 1 - RATE_SECONDS);
	json_key(j, "counts");
	json_array_begin(j);
	for (int i = 0; i < RATE_SECONDS; i++)
		json_u64(j, counts[i]);
	json_array_end(j);
	json_object_end(j);
}

void api_status_json(struct api *api, struct json *j, uint64_t now_ns)
{
	json_object_begin(j);
	json_field_u64(j, "now_ns", now_ns);
	request_rate_json(j, api->child->server, now_ns);
	parent_json(j, api->child);
	child_json(j, api->child);
	json_object_end(j);
}

/* ---- /api/logs and log events -------------------------------------------------- */

void api_log_record_json(struct json *j, const struct logger_record *r)
{
	char origin[24];
	const char *space = memchr(r->line, ' ', r->length);
	size_t stamp = space ? (size_t)(space - r->line) : 0;
	if (r->from_parent)
		strcpy(origin, "parent");
	else
		snprintf(origin, sizeof(origin), "child[%u]", r->generation);
	json_object_begin(j);
	json_field_u64(j, "id", r->seq);
	json_field_u64(j, "time_ns", r->time_ns);
	/* The line's own RFC 3339 stamp, so that the page shows what the file
	 * says. */
	json_field_string(j, "time", r->line, stamp);
	json_field_cstring(j, "level", ipc_log_level_name(r->level));
	json_field_cstring(j, "origin", origin);
	json_field_string(j, "text", r->message, r->message_length);
	json_field_bool(j, "truncated", r->truncated);
	json_field_bool(j, "access", r->access); /* an access line, for the GUI's filter */
	json_object_end(j);
}

/* ---- /api/policy --------------------------------------------------------------- */

static void parameters_json(struct json *j, const struct child *c)
{
	json_key(j, "parameters");
	json_object_begin(j);
	json_field_u64(j, "ipc_fd", FD_IPC);
	json_field_u64(j, "logfile_fd", FD_LOG);
	json_field_u64(j, "gui_socket_fd", FD_GUI);
	json_field_i64(j, "epoll_fd", c->epoll_fd);
	json_field_i64(j, "first_client_fd", c->first_client_fd);
	json_field_i64(j, "fd_limit", c->fd_limit);
	json_object_end(j);
}

void api_policy_json(struct api *api, struct json *j)
{
	const struct child *c = api->child;
	json_object_begin(j);
	json_field_cstring(j, "name", "child.policy (built in)");
	json_field_bool(j, "enforced", (c->sandbox & IPC_SANDBOX_SECCOMP) != 0);
	json_field_cstring(j, "deny_action", ipc_deny_action_name(c->config.deny_action));
	json_field_cstring(j, "mode",
	                   c->config.deny_action == IPC_DENY_COMPLAIN ? "complain" : "enforce");
	json_field_u64(j, "instructions", c->policy_instructions);
	parameters_json(j, c);
	json_field_string(j, "text", child_policy_text, child_policy_length);
	json_object_end(j);
}
