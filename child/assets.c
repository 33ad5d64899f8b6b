/*
 * assets.c - see assets.h.
 */
#include "assets.h"

#include <stdbool.h>
#include <string.h>

const struct asset *assets_find(const struct http_text *path)
{
	for (size_t i = 0; i < assets_count; i++) {
		const struct asset *a = &assets_table[i];
		size_t n = strlen(a->path);
		if (path->length == n && memcmp(path->data, a->path, n) == 0)
			return a;
	}
	return NULL;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t';
}

/* One entity tag from the list, without a W/ prefix: both strong and weak
 * tags match by their opaque part for If-None-Match. */
static bool tag_equals(const char *tag, size_t n, const char *etag)
{
	if (n >= 2 && tag[0] == 'W' && tag[1] == '/')
		tag += 2, n -= 2;
	return n == strlen(etag) && memcmp(tag, etag, n) == 0;
}

bool assets_etag_matches(const struct http_text *if_none_match, const char *etag,
                         const char *etag_gzip)
{
	const char *p = if_none_match->data, *end = p ? p + if_none_match->length : NULL;
	while (p != NULL && p < end) {
		while (p < end && (is_space(*p) || *p == ','))
			p++;
		const char *tag = p;
		while (p < end && *p != ',' && !is_space(*p))
			p++;
		size_t n = (size_t)(p - tag);
		if ((n == 1 && *tag == '*') ||
		    (n > 0 && (tag_equals(tag, n, etag) || tag_equals(tag, n, etag_gzip))))
			return true;
	}
	return false;
}

void assets_serve(const struct asset *a, const struct http_request *req, struct http_response *res)
{
	bool gzip = req->accepts_gzip && a->gzip != NULL;
	bool fresh = req->if_none_match.length > 0 &&
	             assets_etag_matches(&req->if_none_match, a->etag, a->etag_gzip);
	http_response_status(res, fresh ? 304 : 200);
	/* A 304 carries the headers a 200 would have, body aside (RFC 9110
	 * 15.4.5), so that caches update what they hold. */
	http_response_header(res, "ETag", gzip ? a->etag_gzip : a->etag);
	http_response_header(res, "Cache-Control", "no-cache");
	if (a->gzip != NULL)
		http_response_header(res, "Vary", "Accept-Encoding");
	if (fresh)
		return;
	http_response_header(res, "Content-Type", a->content_type);
	if (gzip) {
		http_response_header(res, "Content-Encoding", "gzip");
		http_response_body_static(res, a->gzip, a->gzip_length);
	} else {
		http_response_body_static(res, a->raw, a->raw_length);
	}
}
