/*
 * json_line.c - see json_line.h.
 *
 * The fixed members go first and the access fields are written into a
 * buffer of their own, so that the message, the one unbounded member, gets
 * exactly the room that is left and the object always closes.
 */
#include "json_line.h"
#include "common/utf8.h"
#include "common/decimal.h"

#include <string.h>

enum {
	MARKER_LEN = sizeof(LOGGER_TRUNCATED_MARKER) - 1,
	UNIT_MAX = 6, /* "\u00XX" */
	/* Room for the escaped method and path of an access line; a longer
	 * one is cut and marked like a message. */
	METHOD_ROOM = 48,
	PATH_ROOM = 768,
	/* The access members: names, quotes, the two strings and three
	 * numbers of at most 20 digits, and the closing brace. */
	TAIL_MAX = 80 + METHOD_ROOM + PATH_ROOM,
	/* The members before the message: time, level, origin, generation. */
	HEAD_MAX = 128,
};
_Static_assert(HEAD_MAX + TAIL_MAX + MARKER_LEN + 256 < LOGGER_LINE_MAX - 1,
               "LOGGER_LINE_MAX too small for a JSON line");

/* ---- Escaping ------------------------------------------------------------ */

static bool ascii_passes(uint8_t b)
{
	return b >= 0x20 && b < 0x7f && b != '"' && b != '\\';
}

static size_t put_u_escape(char *dst, unsigned code)
{
	static const char hex[] = "0123456789abcdef";
	memcpy(dst, "\\u00", 4);
	dst[4] = hex[code >> 4 & 15];
	dst[5] = hex[code & 15];
	return 6;
}

static size_t escape_ascii(char *dst, uint8_t b)
{
	char named = b == '"'    ? '"'
	             : b == '\\' ? '\\'
	             : b == '\n' ? 'n'
	             : b == '\r' ? 'r'
	             : b == '\t' ? 't'
	                         : 0;
	if (named == 0)
		return put_u_escape(dst, b);
	dst[0] = '\\';
	dst[1] = named;
	return 2;
}

/* One unit of input at `s` (n > 0 bytes) that does not pass as it is:
 * writes its JSON form (UNIT_MAX bytes at most) to `dst`, sets `*out` to
 * its length and returns the input bytes it stands for. */
static size_t escape_unit(const uint8_t *s, size_t n, char *dst, size_t *out)
{
	if (s[0] < 0x80) {
		*out = escape_ascii(dst, s[0]);
		return 1;
	}
	size_t len = utf8_sequence(s, n);
	if (len == 0) {
		memcpy(dst, "\\ufffd", 6); /* resynchronise at the next byte */
		*out = 6;
		return 1;
	}
	if (len == 2 && s[0] == 0xc2 && s[1] < 0xa0) { /* C1 controls */
		*out = put_u_escape(dst, s[1]);
		return 2;
	}
	memcpy(dst, s, len);
	*out = len;
	return len;
}

/* Escapes as much of s[0..n) as fits whole in `cap` bytes of `dst`.
 * Returns the bytes written; `*used` gets the input bytes they stand for. */
static size_t escape_into(char *dst, size_t cap, const uint8_t *s, size_t n, size_t *used)
{
	size_t in = 0, out = 0;
	char unit[UNIT_MAX];
	while (in < n) {
		if (ascii_passes(s[in])) {
			if (out == cap)
				break;
			dst[out++] = (char)s[in++];
			continue;
		}
		size_t len;
		size_t took = escape_unit(s + in, n - in, unit, &len);
		if (len > cap - out)
			break;
		memcpy(dst + out, unit, len);
		out += len;
		in += took;
	}
	*used = in;
	return out;
}

/* A string's contents (no quotes) in at most `cap` bytes: whole, or cut
 * where the marker still fits after it. `*cut` says which. */
static size_t put_contents(char *dst, size_t cap, const uint8_t *s, size_t n, bool *cut)
{
	size_t used, len = escape_into(dst, cap, s, n, &used);
	if (used == n && !*cut)
		return len;
	*cut = true;
	len = escape_into(dst, cap - MARKER_LEN, s, n, &used);
	memcpy(dst + len, LOGGER_TRUNCATED_MARKER, MARKER_LEN);
	return len + MARKER_LEN;
}

/* ---- Members ------------------------------------------------------------- */

static size_t put_raw(char *dst, const char *s)
{
	size_t len = strlen(s);
	memcpy(dst, s, len);
	return len;
}

/* `,"key":"contents"` with the contents in at most `room` bytes. */
static size_t put_string_member(char *dst, const char *key, const char *s, size_t n, size_t room)
{
	bool cut = false;
	size_t len = put_raw(dst, ",\"");
	len += put_raw(dst + len, key);
	len += put_raw(dst + len, "\":\"");
	len += put_contents(dst + len, room, (const uint8_t *)s, n, &cut);
	dst[len++] = '"';
	return len;
}

static size_t put_number_member(char *dst, const char *key, uint64_t value)
{
	size_t len = put_raw(dst, ",\"");
	len += put_raw(dst + len, key);
	len += put_raw(dst + len, "\":");
	return len + decimal_u64(dst + len, value);
}

/* `"time":...,"message":"`: everything before the message's contents. */
static size_t format_head(char *dst, const struct json_line *r)
{
	size_t len = put_raw(dst, "{\"time\":\"");
	memcpy(dst + len, r->timestamp, r->timestamp_length);
	len += r->timestamp_length;
	len += put_raw(dst + len, "\",\"level\":\"");
	len += put_raw(dst + len, ipc_log_level_name(r->level));
	len += put_raw(dst + len, "\",\"origin\":\"");
	len += put_raw(dst + len, r->from_parent ? "parent\"" : "child\"");
	if (!r->from_parent)
		len += put_number_member(dst + len, "generation", r->generation);
	return len + put_raw(dst + len, ",\"message\":\"");
}

/* The request line's first word is the method, its second the path. */
static const char *next_word(const char *p, const char *end, size_t *length)
{
	while (p < end && *p == ' ')
		p++;
	const char *space = memchr(p, ' ', (size_t)(end - p));
	*length = (size_t)((space != NULL ? space : end) - p);
	return p;
}

/* `","method":...}`: what follows the message's contents. */
static size_t format_tail(char *dst, const struct logger_access *a)
{
	size_t len = put_raw(dst, "\"");
	if (a != NULL) {
		const char *line = a->request_line != NULL ? a->request_line : "";
		const char *end = line + (a->request_line != NULL ? a->request_line_length : 0);
		size_t method_length, path_length;
		const char *method = next_word(line, end, &method_length);
		const char *path = next_word(method + method_length, end, &path_length);
		len += put_string_member(dst + len, "method", method, method_length, METHOD_ROOM);
		len += put_string_member(dst + len, "path", path, path_length, PATH_ROOM);
		len += put_number_member(dst + len, "status", a->status);
		len += put_number_member(dst + len, "bytes", a->bytes);
		len += put_number_member(dst + len, "duration_us", a->duration_us);
	}
	return len + put_raw(dst + len, "}");
}

size_t json_line_format(char *dst, size_t cap, const struct json_line *r, bool *truncated)
{
	char tail[TAIL_MAX];
	size_t tail_length = format_tail(tail, r->access);
	size_t len = format_head(dst, r);
	*truncated = r->cut;
	len += put_contents(dst + len, cap - len - tail_length, r->text, r->length, truncated);
	memcpy(dst + len, tail, tail_length);
	return len + tail_length;
}
