/*
 * api.c - see api.h. Creating the API, routing, and the request/response
 * endpoints; /metrics is api_metrics.c's and the event streams are
 * api_events.c's. The JSON documents are built in api_json.c, answered
 * through api_reply.c; query strings are read by api_query.c.
 */
#include "api.h"
#include "api_internal.h"
#include "assets.h"
#include "child.h"

#include <errno.h>

int api_create(struct api **out, struct child *c)
{
	struct api *api = arena_calloc(&c->arena, 1, sizeof(*api));
	if (api == NULL)
		return -ENOMEM;
	api->child = c;
	/* Allocated now, before lockdown, like everything the API needs. */
	api->scratch = arena_malloc(&c->arena, API_SCRATCH_BYTES);
	if (api->scratch == NULL)
		return -ENOMEM;
	int rc = api_events_init(api);
	if (rc < 0)
		return rc;
	*out = api;
	return 0;
}

/* ---- The endpoints --------------------------------------------------------------- */

static void healthz(struct api *api, const struct http_request *req, struct http_response *res)
{
	(void)api;
	(void)req;
	http_response_status(res, 200);
	http_response_header(res, "Content-Type", API_TEXT_TYPE);
	http_response_header(res, "Cache-Control", "no-store");
	http_response_body_static(res, "ok\n", 3);
}

static void status(struct api *api, const struct http_request *req, struct http_response *res)
{
	struct json j;
	api_json_start(api, &j);
	api_status_json(api, &j, req->now_ns);
	api_send_json(res, &j);
}

static void policy(struct api *api, const struct http_request *req, struct http_response *res)
{
	struct json j;
	(void)req;
	api_json_start(api, &j);
	api_policy_json(api, &j);
	api_send_json(res, &j);
}

struct logs_query {
	uint64_t since;
	enum ipc_log_level level;
	uint64_t limit;
};

/* since=ID (lines after it), level=NAME (at least), limit=N; nothing else. */
static const char *parse_logs_query(const struct http_text *query, struct logs_query *out)
{
	struct api_query q = api_query_start(query);
	struct http_text key, value;
	*out = (struct logs_query){.level = IPC_LOG_DEBUG, .limit = API_LOGS_DEFAULT_LIMIT};
	while (api_query_next(&q, &key, &value)) {
		if (api_text_is(&key, "since")) {
			if (!api_parse_u64(&value, &out->since))
				return "since must be a log line id (a decimal number)";
		} else if (api_text_is(&key, "level")) {
			if (!ipc_log_level_parse(value.data, value.length, &out->level))
				return "level must be debug, info, notice, warning, error or crit";
		} else if (api_text_is(&key, "limit")) {
			if (!api_parse_u64(&value, &out->limit) || out->limit == 0 ||
			    out->limit > API_LOGS_MAX_LIMIT)
				return "limit must be from 1 to 5000";
		} else {
			return "unknown parameter (since, level and limit are known)";
		}
	}
	return NULL;
}

/* One record at a time through the scratch buffer: the response grows in
 * the server's buffer, not here. */
static void logs(struct api *api, const struct http_request *req, struct http_response *res)
{
	struct logs_query lq;
	const char *why = parse_logs_query(&req->query, &lq);
	if (why != NULL) {
		api_bad_request(res, why);
		return;
	}
	http_response_status(res, 200);
	http_response_header(res, "Content-Type", API_JSON_TYPE);
	http_response_header(res, "Cache-Control", "no-store");
	http_response_body_append(res, "[", 1);
	struct logger_record r;
	uint64_t after = lq.since;
	for (uint64_t n = 0;
	     n < lq.limit && logger_ring_next(api->child->logger, after, lq.level, &r);
	     n++, after = r.seq) {
		struct json j;
		api_json_start(api, &j);
		if (n > 0)
			json_raw(&j, ",", 1);
		api_log_record_json(&j, &r);
		if (json_ok(&j) && http_response_body_append(res, j.data, j.length) < 0)
			return;
	}
	http_response_body_append(res, "]", 1);
}

static void events(struct api *api, const struct http_request *req, struct http_response *res)
{
	api_events(api, req, res);
}

static void metrics(struct api *api, const struct http_request *req, struct http_response *res)
{
	api_metrics(api, req, res);
}

typedef void (*endpoint_fn)(struct api *api, const struct http_request *req,
                            struct http_response *res);

static const struct route {
	const char *path;
	endpoint_fn fn;
} routes[] = {
        {"/healthz", healthz},   {"/api/status", status}, {"/api/logs", logs},
        {"/api/events", events}, {"/api/policy", policy}, {"/metrics", metrics},
};

static void not_found(struct http_response *res)
{
	http_response_status(res, 404);
	http_response_header(res, "Content-Type", API_TEXT_TYPE);
	http_response_body_static(res, "not found\n", 10);
}

void api_handle(void *ctx, const struct http_request *req, struct http_response *res)
{
	struct api *api = ctx;
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		if (api_text_is(&req->path, routes[i].path)) {
			routes[i].fn(api, req, res);
			return;
		}
	}
	const struct asset *a = assets_find(&req->path);
	if (a != NULL)
		assets_serve(a, req, res);
	else
		not_found(res);
}

void api_status_changed(struct api *api)
{
	api_events_broadcast_status(api);
}
