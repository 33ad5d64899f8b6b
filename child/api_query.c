/*
 * api_query.c - reading a request's parameters, for every endpoint that
 * takes some: the query string one parameter at a time, exact comparison,
 * decimal numbers, and the 400 for a parameter that does not parse.
 */
#include "api_internal.h"

#include <string.h>

bool api_text_is(const struct http_text *t, const char *s)
{
	size_t n = strlen(s);
	return t->length == n && memcmp(t->data, s, n) == 0;
}

struct api_query api_query_start(const struct http_text *query)
{
	/* An absent query is a NULL view: no arithmetic on it. */
	if (query->data == NULL)
		return (struct api_query){NULL, NULL};
	return (struct api_query){query->data, query->data + query->length};
}

bool api_query_next(struct api_query *q, struct http_text *key, struct http_text *value)
{
	while (q->p < q->end && *q->p == '&')
		q->p++;
	if (q->p >= q->end)
		return false;
	const char *amp = memchr(q->p, '&', (size_t)(q->end - q->p));
	const char *stop = amp ? amp : q->end;
	const char *eq = memchr(q->p, '=', (size_t)(stop - q->p));
	*key = (struct http_text){q->p, (size_t)((eq ? eq : stop) - q->p)};
	*value = eq ? (struct http_text){eq + 1, (size_t)(stop - eq - 1)}
	            : (struct http_text){stop, 0};
	q->p = stop;
	return true;
}

const char *api_parse_level(const struct http_text *t, enum ipc_log_level *out)
{
	if (ipc_log_level_parse(t->data, t->length, out))
		return NULL;
	return "level must be debug, info, notice, warning, error or crit";
}

bool api_parse_u64(const struct http_text *t, uint64_t *out)
{
	uint64_t v = 0;
	if (t->length == 0 || t->length > 20)
		return false;
	for (size_t i = 0; i < t->length; i++) {
		unsigned d = (unsigned)(t->data[i] - '0');
		if (d > 9 || v > (UINT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*out = v;
	return true;
}

void api_bad_request(struct http_response *res, const char *why)
{
	http_response_status(res, 400);
	http_response_header(res, "Content-Type", API_TEXT_TYPE);
	http_response_body_printf(res, "bad request: %s\n", why);
}
