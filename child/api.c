/*
 * api.c - see api.h. Creating the API, routing, and the endpoints that
 * answer one document as it is; /api/logs is api_logs.c's, /metrics
 * api_metrics.c's and the event streams api_events.c's. The JSON documents
 * are built in api_json.c and answered through api_reply.c.
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
	if (api_violations_init(api) < 0)
		return -ENOMEM;
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

typedef void (*endpoint_fn)(struct api *api, const struct http_request *req,
                            struct http_response *res);

static const struct route {
	const char *path;
	endpoint_fn fn;
} routes[] = {
        {"/healthz", healthz},
        {"/api/status", status},
        {"/api/logs", api_logs},
        {"/api/events", api_events},
        {"/api/policy", policy},
        {"/metrics", api_metrics},
        {"/api/violations", api_violations},
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

bool api_is_public(void *ctx, const struct http_text *path)
{
	(void)ctx;
	return api_text_is(path, "/healthz") || assets_find(path) != NULL;
}

void api_status_changed(struct api *api)
{
	api_events_broadcast_status(api);
}
