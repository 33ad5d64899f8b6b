/*
 * api_metrics.c - /metrics in the Prometheus text exposition format 0.0.4:
 * a HELP and a TYPE line per metric family, then its samples. Counters end
 * in _total and count from the parent's start, across restarts, failovers
 * and reloads (counters_total); label values are lower case; times are
 * *_start_time_seconds timestamps, not uptimes.
 */
#include "api_internal.h"
#include "child.h"
#include "server.h"
#include "common/clock.h"

#include <inttypes.h>
#include <stdio.h>

#define METRICS_TYPE "text/plain; version=0.0.4; charset=utf-8"

static void family(struct http_response *res, const char *name, const char *type, const char *help)
{
	http_response_body_printf(res, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void sample(struct http_response *res, const char *name, const char *labels, uint64_t v)
{
	http_response_body_printf(res, "%s%s %" PRIu64 "\n", name, labels, v);
}

/* A family with a single unlabelled sample. */
static void single(struct http_response *res, const char *name, const char *type, const char *help,
                   uint64_t v)
{
	family(res, name, type, help);
	sample(res, name, "", v);
}

static void labelled(struct http_response *res, const char *name, const char *label,
                     const char *value, uint64_t v)
{
	char labels[80];
	snprintf(labels, sizeof(labels), "{%s=\"%s\"}", label, value);
	sample(res, name, labels, v);
}

/* Counters count from the parent's start (counters_total); the gauges
 * are the serving child's. */
static void http_metrics(struct http_response *res, const struct ipc_counters *k,
                         const struct server_stats *st)
{
	static const char *const classes[] = {"1xx", "2xx", "3xx", "4xx", "5xx"};
	family(res, "warden_http_responses_total", "counter",
	       "HTTP responses sent, by status class.");
	for (unsigned i = 0; i < sizeof(classes) / sizeof(classes[0]); i++)
		labelled(res, "warden_http_responses_total", "code", classes[i], k->responses[i]);
	single(res, "warden_http_requests_total", "counter", "HTTP requests received.",
	       k->requests);
	single(res, "warden_http_connections_open", "gauge", "Client connections open now.",
	       st->connections_open);
	single(res, "warden_http_connections_accepted_total", "counter",
	       "Client connections accepted.", k->connections_accepted);
	single(res, "warden_http_connections_refused_total", "counter",
	       "Client connections refused (over the limit or out of memory).",
	       k->connections_refused);
	single(res, "warden_http_received_bytes_total", "counter", "Bytes read from clients.",
	       k->bytes_in);
	single(res, "warden_http_sent_bytes_total", "counter", "Bytes sent to clients.",
	       k->bytes_out);
	single(res, "warden_http_timeouts_total", "counter",
	       "Requests and connections ended by a timeout.", k->timeouts);
	single(res, "warden_http_event_streams_open", "gauge", "GUI event streams open now.",
	       st->streams_open);
}

static void info_metrics(struct http_response *res, const struct child *c)
{
	family(res, "warden_build_info", "gauge", "The version of warden serving; always 1.");
	labelled(res, "warden_build_info", "version", WARDEN_VERSION, 1);
	single(res, "warden_child_generation", "gauge", "Generation of the child serving.",
	       c->generation);
	if (!c->have_status)
		return; /* no snapshot from the parent yet: nothing to say */
	family(res, "warden_parent_start_time_seconds", "gauge",
	       "When the parent started, in seconds since the epoch.");
	http_response_body_printf(res, "warden_parent_start_time_seconds %.3f\n",
	                          (double)c->status.parent_start_ns / 1e9);
	family(res, "warden_child_start_time_seconds", "gauge",
	       "When the serving child became ready, in seconds since the epoch.");
	http_response_body_printf(res, "warden_child_start_time_seconds %.3f\n",
	                          (double)c->status.child_start_ns / 1e9);
}

static void restart_metrics(struct http_response *res, const struct ipc_status *s)
{
	family(res, "warden_restarts_total", "counter",
	       "Children ended since the parent started, by reason (reload: replaced by a "
	       "reload, not a restart).");
	for (unsigned r = IPC_END_EXIT; r <= IPC_END_MAX; r++)
		labelled(res, "warden_restarts_total", "reason", ipc_end_reason_name(r),
		         s->ends_by_reason[r]);
}

static void trace_metrics(struct http_response *res, const struct ipc_status *s)
{
	single(res, "warden_trace_enabled", "gauge", "1 while the parent records an IPC trace.",
	       s->trace_file[0] != '\0');
	single(res, "warden_trace_records_total", "counter", "IPC trace records written.",
	       s->trace_records);
	single(res, "warden_trace_dropped_total", "counter",
	       "IPC trace records lost to errors or refused as too long.", s->trace_dropped);
	single(res, "warden_trace_errors_total", "counter",
	       "IPC trace writes, renames and opens that failed.", s->trace_errors);
	single(res, "warden_trace_rotations_total", "counter",
	       "IPC trace files started after the first.", s->trace_rotations);
}

static void supervisor_metrics(struct http_response *res, const struct child *c)
{
	const struct ipc_status *s = &c->status;
	if (!c->have_status)
		return; /* no snapshot from the parent yet: nothing to say */
	restart_metrics(res, s);
	trace_metrics(res, s);
	single(res, "warden_violations_total", "counter",
	       "Children the seccomp filter ended since the parent started.", s->violations);
	single(res, "warden_failovers_total", "counter",
	       "Takeovers by the standby child since the parent started.", s->failovers);
	single(res, "warden_standby_ready", "gauge",
	       "1 while a standby child is ready to take over at once.",
	       s->standby_state == IPC_STANDBY_READY);
	family(res, "warden_ipc_messages_total", "counter",
	       "IPC messages between parent and child, seen by the parent.");
	sample(res, "warden_ipc_messages_total", "{direction=\"in\"}", s->ipc_messages_in);
	sample(res, "warden_ipc_messages_total", "{direction=\"out\"}", s->ipc_messages_out);
	family(res, "warden_ipc_bytes_total", "counter",
	       "IPC bytes between parent and child, seen by the parent.");
	sample(res, "warden_ipc_bytes_total", "{direction=\"in\"}", s->ipc_bytes_in);
	sample(res, "warden_ipc_bytes_total", "{direction=\"out\"}", s->ipc_bytes_out);
}

/* Each protection twice: seen="inside", what the child claims of itself;
 * seen="outside", what the parent saw in /proc (absent before its
 * snapshot). A 1 inside and a 0 outside is a protection nobody has seen. */
static void sandbox_metrics(struct http_response *res, const struct child *c)
{
	char labels[64];
	family(res, "warden_sandbox_protection", "gauge",
	       "A protection of the child's sandbox: claimed by the child (seen=\"inside\") or "
	       "seen in force by the parent in /proc (seen=\"outside\").");
	for (unsigned bit = 0; ipc_sandbox_flag_name(bit) != NULL; bit++) {
		snprintf(labels, sizeof(labels), "{name=\"%s\",seen=\"inside\"}",
		         ipc_sandbox_flag_name(bit));
		sample(res, "warden_sandbox_protection", labels, (c->sandbox >> bit) & 1u);
		if (!c->have_status)
			continue;
		snprintf(labels, sizeof(labels), "{name=\"%s\",seen=\"outside\"}",
		         ipc_sandbox_flag_name(bit));
		sample(res, "warden_sandbox_protection", labels, (api_attested(c) >> bit) & 1u);
	}
}

/* Whether a report of the same syscall and action comes earlier in the
 * table: that one's sample sums both. */
static bool counted_before(const struct api *api, size_t i)
{
	const struct ipc_report *r = api_violation_at(api, i);
	for (size_t k = 0; k < i; k++) {
		const struct ipc_report *o = api_violation_at(api, k);
		if (o->nr == r->nr && o->arch == r->arch && o->action == r->action)
			return true;
	}
	return false;
}

/* The calls the parent saw denied (or let through, in complain mode), by
 * syscall, summed over their shapes; and whether complain mode is on. */
static void violation_metrics(struct http_response *res, const struct api *api)
{
	char labels[96];
	single(res, "warden_sandbox_complain", "gauge",
	       "1 while the sandbox is in complain mode: calls the policy denies run.",
	       api_complain_mode(api) ? 1 : 0);
	family(res, "warden_violation_calls_total", "counter",
	       "Calls the policy denied, by syscall and what the filter did (kill, trap, notify: "
	       "the call never ran; complain: it ran), as the parent saw them.");
	for (size_t i = 0; i < api_violation_count(api); i++) {
		const struct ipc_report *r = api_violation_at(api, i);
		if (counted_before(api, i))
			continue;
		uint64_t sum = 0;
		for (size_t k = i; k < api_violation_count(api); k++) {
			const struct ipc_report *o = api_violation_at(api, k);
			if (o->nr == r->nr && o->arch == r->arch && o->action == r->action)
				sum += o->count;
		}
		if (r->syscall[0] != '\0')
			snprintf(labels, sizeof(labels), "{syscall=\"%s\",action=\"%s\"}",
			         r->syscall, ipc_deny_action_name(r->action));
		else
			snprintf(labels, sizeof(labels), "{syscall=\"%u\",action=\"%s\"}", r->nr,
			         ipc_deny_action_name(r->action));
		sample(res, "warden_violation_calls_total", labels, sum);
	}
}

static void log_metrics(struct http_response *res, const struct ipc_counters *k)
{
	family(res, "warden_log_lines_total", "counter", "Log records, by level.");
	for (unsigned l = IPC_LOG_DEBUG; l <= IPC_LOG_MAX; l++)
		labelled(res, "warden_log_lines_total", "level", ipc_log_level_name(l),
		         k->log_lines_by_level[l]);
	family(res, "warden_log_write_errors_total", "counter",
	       "Log file writes and fsyncs that failed, by cause.");
	for (unsigned e = 0; e < IPC_LOG_ERROR_CLASSES; e++)
		labelled(res, "warden_log_write_errors_total", "class", ipc_log_error_class_name(e),
		         k->log_write_errors_by_class[e]);
}

static void memory_metrics(struct http_response *res, const struct ipc_counters *k)
{
	single(res, "warden_memory_used_bytes", "gauge", "Bytes of the child's reserve in use.",
	       k->memory_used);
	single(res, "warden_memory_reserved_bytes", "gauge",
	       "Bytes the child reserved at boot (all it may ever use).", k->memory_reserved);
	single(res, "warden_memory_allocation_failures_total", "counter",
	       "Allocations refused because a child's reserve was exhausted.",
	       k->allocation_failures);
}

void api_metrics(struct api *api, const struct http_request *req, struct http_response *res)
{
	struct child *c = api->child;
	struct server_stats st = {0};
	struct ipc_counters k;
	(void)req;
	if (c->server != NULL)
		server_get_stats(c->server, &st);
	counters_total(c, &k);
	http_response_status(res, 200);
	http_response_header(res, "Content-Type", METRICS_TYPE);
	http_response_header(res, "Cache-Control", "no-store");
	info_metrics(res, c);
	http_metrics(res, &k, &st);
	supervisor_metrics(res, c);
	sandbox_metrics(res, c);
	violation_metrics(res, api);
	log_metrics(res, &k);
	memory_metrics(res, &k);
}
