/*
 * http_parse.c - see http_parse.h.
 *
 * libhttp-parser 2.9.4 itself rejects (HPE_* errors, answered 400): a bad
 * request line, control characters in the target, a header line without
 * a colon, a bare CR, a duplicate or malformed Content-Length, and
 * Transfer-Encoding together with Content-Length. What it accepts that a
 * request must not contain is checked on the raw bytes by http_conn.c,
 * and here a field name that is not a token: built without
 * HTTP_PARSER_STRICT, as Debian ships it, the parser lets a space through
 * inside a name ("Transfer Encoding: chunked"), which a proxy in front may
 * read otherwise (RFC 9110 5.1).
 */
#include "http_parse.h"

#include <http_parser.h>
#include <string.h>
#include <strings.h>

struct parse_state {
	http_parser parser;
	struct parsed_head *out;
};

/* RFC 9110's tchar. Every byte of every field name of every request and
 * response is checked: letters and digits first, then a switch the
 * compiler turns into a bit test (no strchr per byte). */
bool http_is_tchar(unsigned char c)
{
	unsigned char lower = c | 0x20;
	if ((lower >= 'a' && lower <= 'z') || (c >= '0' && c <= '9'))
		return true;
	switch (c) {
	case '!':
	case '#':
	case '$':
	case '%':
	case '&':
	case '\'':
	case '*':
	case '+':
	case '-':
	case '.':
	case '^':
	case '_':
	case '`':
	case '|':
	case '~':
		return true;
	default:
		return false;
	}
}

bool http_token_is(const char *at, size_t n, const char *name)
{
	return strlen(name) == n && strncasecmp(at, name, n) == 0;
}

static enum head_field classify(const char *at, size_t n)
{
	if (http_token_is(at, n, "host"))
		return HEAD_HOST;
	if (http_token_is(at, n, "authorization"))
		return HEAD_AUTHORIZATION;
	if (http_token_is(at, n, "accept-encoding"))
		return HEAD_ACCEPT_ENCODING;
	if (http_token_is(at, n, "if-none-match"))
		return HEAD_IF_NONE_MATCH;
	if (http_token_is(at, n, "last-event-id"))
		return HEAD_LAST_EVENT_ID;
	return HEAD_OTHER;
}

static struct parsed_head *out_of(http_parser *hp)
{
	return ((struct parse_state *)hp->data)->out;
}

static int on_url(http_parser *hp, const char *at, size_t n)
{
	out_of(hp)->url = (struct head_text){at, n};
	return 0;
}

static bool is_token(const char *at, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!http_is_tchar((unsigned char)at[i]))
			return false;
	return n > 0;
}

/* The head is parsed in one call and has no obs-fold, so each name and
 * each value arrives in one piece. A name that is not a token stops the
 * parser (HPE_CB_header_field); check() says why. */
static int on_field(http_parser *hp, const char *at, size_t n)
{
	struct parsed_head *p = out_of(hp);
	if (!is_token(at, n)) {
		p->bad_field_name = true;
		return -1;
	}
	p->current = classify(at, n);
	p->counts[p->current]++;
	return 0;
}

static int on_value(http_parser *hp, const char *at, size_t n)
{
	struct parsed_head *p = out_of(hp);
	while (n > 0 && (at[n - 1] == ' ' || at[n - 1] == '\t'))
		n--; /* trailing whitespace is not part of a field value */
	p->fields[p->current] = (struct head_text){n ? at : "", n};
	return 0;
}

/* Returning 1 tells the parser that no body follows: the server reads
 * none (a request announcing one is refused below). */
static int on_headers_complete(http_parser *hp)
{
	out_of(hp)->complete = true;
	return 1;
}

static const http_parser_settings settings = {
        .on_url = on_url,
        .on_header_field = on_field,
        .on_header_value = on_value,
        .on_headers_complete = on_headers_complete,
};

/* A method libhttp-parser does not know but that is a well-formed token
 * followed by a space: a method we do not allow (405), not garbage (400). */
static bool method_token(const char *p, size_t n)
{
	size_t i = 0;
	while (i < n && http_is_tchar((unsigned char)p[i]))
		i++;
	return i > 0 && i < n && p[i] == ' ';
}

/* Body framing of a GET or HEAD: the server reads no body, so it refuses
 * one announced (RFC 9112 6.1, 6.3). */
static unsigned check_framing(const http_parser *hp, const char **why)
{
	if (hp->uses_transfer_encoding && (hp->http_minor == 0 || !(hp->flags & F_CHUNKED)))
		return *why = "Transfer-Encoding without chunked last, or in HTTP/1.0", 400;
	if (hp->uses_transfer_encoding)
		return *why = "a chunked body: only a Content-Length of 0 is taken", 411;
	if ((hp->flags & F_CONTENTLENGTH) && hp->content_length > 0)
		return *why = "a body on a GET or HEAD", 413;
	return 0;
}

static unsigned check(const struct parse_state *s, const char *head, size_t n, const char **why)
{
	const http_parser *hp = &s->parser;
	const struct parsed_head *p = s->out;
	enum http_errno err = HTTP_PARSER_ERRNO(hp);
	if (err == HPE_INVALID_METHOD && method_token(head, n))
		return *why = "method not allowed", 405;
	if (p->bad_field_name)
		return *why = "a field name that is not a token", 400;
	if (err != HPE_OK || !p->complete)
		return *why = http_errno_description(err), 400;
	if (hp->http_major != 1 || hp->http_minor > 1)
		return *why = "HTTP version not supported", 505;
	if (hp->method != HTTP_GET && hp->method != HTTP_HEAD)
		return *why = "method not allowed", 405;
	unsigned code = check_framing(hp, why);
	if (code != 0)
		return code;
	if (p->counts[HEAD_HOST] > 1 || (hp->http_minor == 1 && p->counts[HEAD_HOST] == 0))
		return *why = "HTTP/1.1 needs exactly one Host", 400;
	if (p->counts[HEAD_AUTHORIZATION] > 1)
		return *why = "more than one Authorization", 400;
	return 0;
}

unsigned head_parse(struct parsed_head *out, const char *head, size_t n, const char **why)
{
	struct parse_state s;
	memset(out, 0, sizeof(*out));
	http_parser_init(&s.parser, HTTP_REQUEST);
	s.parser.data = &s;
	s.out = out;
	http_parser_execute(&s.parser, &settings, head, n);
	unsigned code = check(&s, head, n, why);
	out->head = s.parser.method == HTTP_HEAD;
	out->minor = s.parser.http_minor;
	out->keep_alive = http_should_keep_alive(&s.parser) != 0;
	return code;
}
