/*
 * assets.h - the GUI's files, embedded at build time (child/embed_assets.cmake
 * writes the table from child/gui/), and how they are served.
 *
 * Each asset has its bytes, a gzip copy (when smaller) and a strong ETag per
 * representation. The page and its assets revalidate on every load
 * (Cache-Control: no-cache) so that a new child build is picked up at once;
 * the revalidation is a 304 with no body.
 */
#ifndef WARDEN_CHILD_ASSETS_H
#define WARDEN_CHILD_ASSETS_H

#include "http.h"

#include <stddef.h>

struct asset {
	const char *path;         /* as requested: "/", "/assets/app.js" */
	const char *content_type; /* the Content-Type header's value */
	const unsigned char *raw;
	size_t raw_length;
	const unsigned char *gzip; /* NULL when compression does not pay */
	size_t gzip_length;
	const char *etag; /* quoted, strong */
	const char *etag_gzip;
};

extern const struct asset assets_table[];
extern const size_t assets_count;

/* The asset for a request path, or NULL. */
const struct asset *assets_find(const struct http_text *path);

/* Answers the request with the asset: 200 with the gzip copy when the
 * client takes it, or 304 when If-None-Match names the asset. */
void assets_serve(const struct asset *a, const struct http_request *req, struct http_response *res);

/* True when an If-None-Match value (a list of entity tags, or "*") names
 * `etag` or `etag_gzip`, by the weak comparison RFC 9110 13.1.2 asks for. */
bool assets_etag_matches(const struct http_text *if_none_match, const char *etag,
                         const char *etag_gzip);

#endif
