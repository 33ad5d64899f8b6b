/*
 * http_parse.h - a request head parsed with libhttp-parser, and the token
 * grammar that the head and the response's header names share.
 *
 * Its own translation unit because http_parser.h and http.h both define
 * `enum http_method`: http_conn.c sees only this neutral summary.
 */
#ifndef WARDEN_CHILD_HTTP_PARSE_H
#define WARDEN_CHILD_HTTP_PARSE_H

#include <stdbool.h>
#include <stddef.h>

/* A view into the head (not NUL-terminated). */
struct head_text {
	const char *data;
	size_t length;
};

enum head_field {
	HEAD_OTHER,
	HEAD_HOST,
	HEAD_AUTHORIZATION,
	HEAD_ACCEPT_ENCODING,
	HEAD_IF_NONE_MATCH,
	HEAD_LAST_EVENT_ID,
	HEAD_FIELDS,
};

struct parsed_head {
	struct head_text url;
	struct head_text fields[HEAD_FIELDS]; /* the last of each, trimmed */
	unsigned counts[HEAD_FIELDS];
	bool head;           /* HEAD, else GET (when status is 0) */
	unsigned minor;      /* HTTP/1.minor */
	bool keep_alive;     /* by version and Connection */
	bool complete;       /* the parser reached the end of the head */
	bool bad_field_name; /* a field name that is not a token (RFC 9110 5.1) */
	enum head_field current;
};

/* Parses one complete head (`n` bytes, through its empty line; checked by
 * the caller for NUL, bare CR, obs-fold and whitespace before a colon).
 * Returns 0 when it is a GET or HEAD the server may answer, else the
 * status code to refuse it with (400, 405, 411, 413, 505), `*why` saying
 * why. docs/http.md gives the order of the checks. */
unsigned head_parse(struct parsed_head *out, const char *head, size_t n, const char **why);

/* ---- Tokens (RFC 9110 5.6.2): methods, field names, codings ---------------- */

/* A tchar: what a token is made of. */
bool http_is_tchar(unsigned char c);

/* The token at[0..n) is `name`, ignoring case. */
bool http_token_is(const char *at, size_t n, const char *name);

#endif
