/*
 * api_reply.c - JSON answers: a document is built in the API's scratch
 * buffer (allocated before lockdown by api_create), then copied into the
 * response.
 */
#include "api_internal.h"

void api_json_start(struct api *api, struct json *j)
{
	json_init(j, api->scratch, API_SCRATCH_BYTES);
}

void api_send_json(struct http_response *res, const struct json *j)
{
	if (!json_ok(j)) {
		/* Only a bug can make a document outgrow the scratch buffer. */
		http_response_status(res, 500);
		return;
	}
	http_response_status(res, 200);
	http_response_header(res, "Content-Type", API_JSON_TYPE);
	http_response_header(res, "Cache-Control", "no-store");
	http_response_body_append(res, j->data, j->length);
}
