/*
 * counters.c - the child's counters: its own for the pong, and the totals
 * since the parent started for the GUI and /metrics (child.h).
 */
#include "child.h"
#include "server.h"
#include "logger/logger.h"

_Static_assert(SERVER_RESPONSE_CLASSES ==
                       sizeof(((struct ipc_counters *)0)->responses) / sizeof(uint64_t),
               "a counter for every response class");
_Static_assert((int)LOGGER_ERR_CLASSES == (int)IPC_LOG_ERROR_CLASSES,
               "a counter for every class of log write error");

static void http_counters(const struct server *srv, struct ipc_counters *k)
{
	struct server_stats http = {0};
	if (srv != NULL)
		server_get_stats(srv, &http);
	k->connections_accepted = http.connections_accepted;
	k->connections_open = http.connections_open;
	k->connections_refused = http.connections_refused;
	k->requests = http.requests;
	for (size_t i = 0; i < SERVER_RESPONSE_CLASSES; i++)
		k->responses[i] = http.responses[i];
	k->bytes_in = http.bytes_in;
	k->bytes_out = http.bytes_out;
	k->timeouts = http.timeouts;
}

static void log_counters(const struct logger *lg, struct ipc_counters *k)
{
	struct logger_stats log = {0};
	if (lg != NULL)
		logger_get_stats(lg, &log);
	k->log_lines = log.lines;
	k->log_write_errors = log.write_errors;
	for (size_t i = 0; i < IPC_LOG_LEVELS; i++)
		k->log_lines_by_level[i] = log.lines_by_level[i];
	for (size_t i = 0; i < IPC_LOG_ERROR_CLASSES; i++)
		k->log_write_errors_by_class[i] = log.write_errors_by_class[i];
}

void counters_own(const struct child *c, struct ipc_counters *out)
{
	*out = (struct ipc_counters){0};
	http_counters(c->server, out);
	log_counters(c->logger, out);
	out->memory_reserved = arena_capacity(&c->arena);
	out->memory_used =
	        c->arena.used < out->memory_reserved ? c->arena.used : out->memory_reserved;
	out->allocation_failures = c->arena.failures;
}

/* carried + own, never below `shown`, which follows. */
static void total(uint64_t *shown, uint64_t carried, uint64_t *own)
{
	uint64_t sum = carried + *own;
	if (sum < *shown)
		sum = *shown;
	*shown = sum;
	*own = sum;
}

void counters_total(struct child *c, struct ipc_counters *out)
{
	const struct ipc_counters *k = &c->status.carried; /* zero before the first status */
	struct ipc_counters *s = &c->shown;
	counters_own(c, out);
	total(&s->connections_accepted, k->connections_accepted, &out->connections_accepted);
	total(&s->connections_refused, k->connections_refused, &out->connections_refused);
	total(&s->requests, k->requests, &out->requests);
	for (size_t i = 0; i < SERVER_RESPONSE_CLASSES; i++)
		total(&s->responses[i], k->responses[i], &out->responses[i]);
	total(&s->bytes_in, k->bytes_in, &out->bytes_in);
	total(&s->bytes_out, k->bytes_out, &out->bytes_out);
	total(&s->log_lines, k->log_lines, &out->log_lines);
	total(&s->log_write_errors, k->log_write_errors, &out->log_write_errors);
	total(&s->timeouts, k->timeouts, &out->timeouts);
	total(&s->allocation_failures, k->allocation_failures, &out->allocation_failures);
	for (size_t i = 0; i < IPC_LOG_LEVELS; i++)
		total(&s->log_lines_by_level[i], k->log_lines_by_level[i],
		      &out->log_lines_by_level[i]);
	for (size_t i = 0; i < IPC_LOG_ERROR_CLASSES; i++)
		total(&s->log_write_errors_by_class[i], k->log_write_errors_by_class[i],
		      &out->log_write_errors_by_class[i]);
}
