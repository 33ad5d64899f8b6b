/*
 * api.c - see api.h. (Minimal first cut: /healthz, 404 elsewhere.)
 */
#include "api.h"
#include "child.h"

#include <errno.h>
#include <string.h>

struct api {
	struct child *child;
};

int api_create(struct api **out, struct child *c)
{
	struct api *api = arena_calloc(&c->arena, 1, sizeof(*api));
	if (api == NULL)
		return -ENOMEM;
	api->child = c;
	*out = api;
	return 0;
}

static bool path_is(const struct http_request *req, const char *path)
{
	size_t n = strlen(path);
	return req->path.length == n && memcmp(req->path.data, path, n) == 0;
}

void api_handle(void *ctx, const struct http_request *req, struct http_response *res)
{
	(void)ctx;
	if (path_is(req, "/healthz")) {
		http_response_status(res, 200);
		http_response_header(res, "Content-Type", "text/plain; charset=utf-8");
		http_response_body_static(res, "ok\n", 3);
		return;
	}
	http_response_status(res, 404);
	http_response_header(res, "Content-Type", "text/plain; charset=utf-8");
	http_response_body_static(res, "not found\n", 10);
}

void api_status_changed(struct api *api)
{
	(void)api;
}
