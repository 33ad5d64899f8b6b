/*
 * api_metrics.c - /metrics in the Prometheus text exposition format 0.0.4:
 * a HELP and a TYPE line per metric family, then its samples. Counters end
 * in _total; every figure is read live, nothing is kept here.
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

static void http_metrics(struct http_response *res, const struct server_stats *st)
{
	char labels[32];
	family(res, "warden_http_responses_total", "counter",
	       "HTTP responses sent, by status code.");
	for (unsigned i = 0; i < st->code_count; i++) {
		if (st->code_values[i] != 0)
			snprintf(labels, sizeof(labels), "{code=\"%u\"}", st->code_values[i]);
		else
			snprintf(labels, sizeof(labels), "{code=\"other\"}");
		sample(res, "warden_http_responses_total", labels, st->codes[i]);
	}
	single(res, "warden_http_requests_total", "counter", "HTTP requests received.",
	       st->requests);
	single(res, "warden_http_connections_open", "gauge", "Client connections open now.",
	       st->connections_open);
	single(res, "warden_http_connections_accepted_total", "counter",
	       "Client connections accepted.", st->connections_accepted);
	single(res, "warden_http_connections_refused_total", "counter",
	       "Client connections refused (over the limit or out of memory).",
	       st->connections_refused);
	single(res, "warden_http_received_bytes_total", "counter", "Bytes read from clients.",
	       st->bytes_in);
	single(res, "warden_http_sent_bytes_total", "counter", "Bytes sent to clients.",
	       st->bytes_out);
	single(res, "warden_http_timeouts_total", "counter",
	       "Requests and connections ended by a timeout.", st->timeouts);
	single(res, "warden_http_event_streams_open", "gauge", "GUI event streams open now.",
	       st->streams_open);
}

static void supervisor_metrics(struct http_response *res, const struct child *c)
{
	const struct ipc_status *s = &c->status;
	single(res, "warden_child_generation", "gauge", "Generation of the child serving.",
	       c->generation);
	single(res, "warden_child_uptime_seconds", "gauge", "Seconds since the child started.",
	       (clock_monotonic_ns() - c->start_ns) / 1000000000u);
	if (!c->have_status)
		return; /* no snapshot from the parent yet: nothing to say */
	single(res, "warden_restarts_total", "counter", "Child restarts by the supervisor.",
	       s->restarts);
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

static void log_metrics(struct http_response *res, const struct logger *lg)
{
	struct logger_stats st;
	char labels[40];
	logger_get_stats(lg, &st);
	family(res, "warden_log_lines_total", "counter", "Log records, by level.");
	for (int l = IPC_LOG_DEBUG; l <= IPC_LOG_MAX; l++) {
		snprintf(labels, sizeof(labels), "{level=\"%s\"}", ipc_log_level_name((unsigned)l));
		sample(res, "warden_log_lines_total", labels, st.lines_by_level[l]);
	}
	family(res, "warden_log_write_errors_total", "counter",
	       "Log file writes and fsyncs that failed, by cause.");
	for (int k = 0; k < LOGGER_ERR_CLASSES; k++) {
		snprintf(labels, sizeof(labels), "{class=\"%s\"}",
		         logger_error_class_name((enum logger_error_class)k));
		sample(res, "warden_log_write_errors_total", labels, st.write_errors_by_class[k]);
	}
}

static void memory_metrics(struct http_response *res, const struct arena *a)
{
	single(res, "warden_memory_used_bytes", "gauge", "Bytes of the child's reserve in use.",
	       a->used);
	single(res, "warden_memory_reserved_bytes", "gauge",
	       "Bytes the child reserved at boot (all it may ever use).", arena_capacity(a));
	single(res, "warden_memory_allocation_failures_total", "counter",
	       "Allocations refused because the reserve was exhausted.", a->failures);
}

void api_metrics(struct api *api, const struct http_request *req, struct http_response *res)
{
	const struct child *c = api->child;
	struct server_stats st = {0};
	(void)req;
	if (c->server != NULL)
		server_get_stats(c->server, &st);
	http_response_status(res, 200);
	http_response_header(res, "Content-Type", METRICS_TYPE);
	http_response_header(res, "Cache-Control", "no-store");
	http_metrics(res, &st);
	supervisor_metrics(res, c);
	sandbox_metrics(res, c);
	violation_metrics(res, api);
	log_metrics(res, c->logger);
	memory_metrics(res, &c->arena);
}
