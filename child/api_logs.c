/*
 * api_logs.c - /api/logs: the log ring as a JSON array, oldest first.
 */
#include "api_internal.h"
#include "child.h"

enum {
	LOGS_DEFAULT_LIMIT = 500, /* lines per response */
	LOGS_MAX_LIMIT = 5000,
};

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
	*out = (struct logs_query){.level = IPC_LOG_DEBUG, .limit = LOGS_DEFAULT_LIMIT};
	while (api_query_next(&q, &key, &value)) {
		if (api_text_is(&key, "since")) {
			if (!api_parse_u64(&value, &out->since))
				return "since must be a log line id (a decimal number)";
		} else if (api_text_is(&key, "level")) {
			const char *why = api_parse_level(&value, &out->level);
			if (why != NULL)
				return why;
		} else if (api_text_is(&key, "limit")) {
			if (!api_parse_u64(&value, &out->limit) || out->limit == 0 ||
			    out->limit > LOGS_MAX_LIMIT)
				return "limit must be from 1 to 5000";
		} else {
			return "unknown parameter (since, level and limit are known)";
		}
	}
	return NULL;
}

/* One record at a time through the scratch buffer: the response grows in
 * the server's buffer, not here. */
void api_logs(struct api *api, const struct http_request *req, struct http_response *res)
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
