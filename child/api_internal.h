/*
 * api_internal.h - what the parts of the GUI's endpoints share. api.c
 * creates the API and routes each request to an endpoint: its own simple
 * ones, api_logs.c (/api/logs), api_metrics.c (/metrics) or api_events.c
 * (the event streams). The endpoints build on api_json.c (the JSON
 * documents), api_reply.c (JSON answers) and api_query.c (query strings);
 * none calls back into api.c.
 */
#ifndef WARDEN_CHILD_API_INTERNAL_H
#define WARDEN_CHILD_API_INTERNAL_H

#include "api.h"
#include "ipc/ipc.h"
#include "json.h"
#include "logger/logger.h"

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

struct api_stream;

#define API_JSON_TYPE "application/json; charset=utf-8"
#define API_TEXT_TYPE "text/plain; charset=utf-8"

enum {
	/* One JSON document or event at a time is built here: the largest is
	 * the policy (its text escaped) or a log line of LOGGER_LINE_MAX bytes
	 * with every byte a backslash. */
	API_SCRATCH_BYTES = 64 << 10,
	API_TICK_MS = 200,                /* new log lines reach streams this fast */
	API_STATUS_TICKS = 5,             /* a status event every second */
	API_PING_TICKS = 75,              /* a heartbeat comment every 15 s */
	API_STREAM_BACKLOG = 200,         /* lines a new stream without Last-Event-ID gets */
	API_STREAM_TICK_BYTES = 32 << 10, /* per stream per tick: below the slow-reader limit */
	API_VIOLATION_SHAPES = 32,        /* shapes of violation kept for /api/violations */
};

struct api {
	struct child *child;
	uv_timer_t timer; /* feeds the event streams; runs while there are any */
	struct api_stream *streams;
	unsigned stream_count;
	uint64_t ticks;
	char *scratch;
	struct violation_reports *reports; /* api_violations.c */
};

/* The documents (api_json.c); each is one complete JSON value. */
void api_status_json(struct api *api, struct json *j, uint64_t now_ns);
void api_log_record_json(struct json *j, const struct logger_record *r);
void api_policy_json(struct api *api, struct json *j);

/* The IPC_SANDBOX_* flags the parent saw of this generation from outside
 * (its status.attested); 0 before its snapshot arrives. What the child
 * claims is its own c->sandbox. */
uint32_t api_attested(const struct child *c);

/* ---- JSON answers (api_reply.c) ------------------------------------------- */

/* A JSON builder over the API's scratch buffer. */
void api_json_start(struct api *api, struct json *j);

/* Answers 200 with the document, or 500 if it outgrew the scratch. */
void api_send_json(struct http_response *res, const struct json *j);

/* ---- A request's parameters (api_query.c) ---------------------------------- */

/* A query string's parameters, one at a time: returns false at the end.
 * `key` and `value` point into `query`. */
struct api_query {
	const char *p, *end;
};
struct api_query api_query_start(const struct http_text *query);
bool api_query_next(struct api_query *q, struct http_text *key, struct http_text *value);
bool api_text_is(const struct http_text *t, const char *s);
/* A decimal number without sign, leading '+' or overflow. */
bool api_parse_u64(const struct http_text *t, uint64_t *out);
/* A level's name (ipc_log_level_parse): NULL, or what to answer with 400. */
const char *api_parse_level(const struct http_text *t, enum ipc_log_level *out);

/* Answers 400 with a short plain-text reason. */
void api_bad_request(struct http_response *res, const char *why);

/* ---- The endpoints beside api.c's own -------------------------------------- */

/* /api/logs (api_logs.c). */
void api_logs(struct api *api, const struct http_request *req, struct http_response *res);

/* /metrics (api_metrics.c). */
void api_metrics(struct api *api, const struct http_request *req, struct http_response *res);

/* /api/violations (api_violations.c): the parent's reports, one per shape
 * of call; /metrics reads them too. */
int api_violations_init(struct api *api);
void api_violations(struct api *api, const struct http_request *req, struct http_response *res);
size_t api_violation_count(const struct api *api);
const struct ipc_report *api_violation_at(const struct api *api, size_t i);
bool api_complain_mode(const struct api *api);

/* /api/events (api_events.c). */
int api_events_init(struct api *api);
void api_events(struct api *api, const struct http_request *req, struct http_response *res);
void api_events_broadcast_status(struct api *api);

#endif
