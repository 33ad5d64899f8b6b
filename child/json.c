/*
 * json.c - see json.h.
 */
#include "json.h"
#include "common/utf8.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

void json_init(struct json *j, char *buf, size_t capacity)
{
	*j = (struct json){.data = buf, .capacity = capacity};
}

bool json_ok(const struct json *j)
{
	return !j->overflow;
}

void json_raw(struct json *j, const char *text, size_t length)
{
	if (j->overflow || length > j->capacity - j->length) {
		j->overflow = true;
		return;
	}
	memcpy(j->data + j->length, text, length);
	j->length += length;
}

static void put_char(struct json *j, char c)
{
	json_raw(j, &c, 1);
}

/* Before a value or a key: a comma if something precedes it. */
static void separate(struct json *j)
{
	if (j->need_comma)
		put_char(j, ',');
	j->need_comma = true;
}

void json_object_begin(struct json *j)
{
	separate(j);
	put_char(j, '{');
	j->need_comma = false;
}

void json_object_end(struct json *j)
{
	put_char(j, '}');
	j->need_comma = true;
}

void json_array_begin(struct json *j)
{
	separate(j);
	put_char(j, '[');
	j->need_comma = false;
}

void json_array_end(struct json *j)
{
	put_char(j, ']');
	j->need_comma = true;
}

void json_key(struct json *j, const char *key)
{
	json_cstring(j, key);
	put_char(j, ':');
	j->need_comma = false;
}

static void put_number(struct json *j, const char *text, int n)
{
	separate(j);
	if (n > 0)
		json_raw(j, text, (size_t)n);
}

void json_u64(struct json *j, uint64_t v)
{
	char text[24];
	put_number(j, text, snprintf(text, sizeof(text), "%" PRIu64, v));
}

void json_i64(struct json *j, int64_t v)
{
	char text[24];
	put_number(j, text, snprintf(text, sizeof(text), "%" PRId64, v));
}

void json_bool(struct json *j, bool v)
{
	separate(j);
	json_raw(j, v ? "true" : "false", v ? 4 : 5);
}

void json_null(struct json *j)
{
	separate(j);
	json_raw(j, "null", 4);
}

/* One ASCII byte that JSON does not allow raw in a string. */
static void put_escape(struct json *j, unsigned char c)
{
	char text[8];
	switch (c) {
	case '"':
		json_raw(j, "\\\"", 2);
		return;
	case '\\':
		json_raw(j, "\\\\", 2);
		return;
	case '\n':
		json_raw(j, "\\n", 2);
		return;
	case '\r':
		json_raw(j, "\\r", 2);
		return;
	case '\t':
		json_raw(j, "\\t", 2);
		return;
	default:
		snprintf(text, sizeof(text), "\\u%04x", c);
		json_raw(j, text, 6);
	}
}

static bool needs_escape(unsigned char c)
{
	return c < 0x20 || c == '"' || c == '\\' || c == 0x7f;
}

void json_string(struct json *j, const char *s, size_t length)
{
	const unsigned char *p = (const unsigned char *)s;
	separate(j);
	put_char(j, '"');
	size_t i = 0;
	while (i < length && !j->overflow) {
		/* Runs of plain bytes are copied at once. */
		size_t run = i;
		while (run < length && p[run] < 0x80 && !needs_escape(p[run]))
			run++;
		json_raw(j, s + i, run - i);
		if ((i = run) == length)
			break;
		if (p[i] < 0x80) {
			put_escape(j, p[i++]);
			continue;
		}
		size_t seq = utf8_sequence(p + i, length - i);
		if (seq == 0) {
			json_raw(j, "\\ufffd", 6);
			i++;
		} else {
			json_raw(j, s + i, seq);
			i += seq;
		}
	}
	put_char(j, '"');
}

void json_cstring(struct json *j, const char *s)
{
	json_string(j, s, strlen(s));
}

void json_field_u64(struct json *j, const char *key, uint64_t v)
{
	json_key(j, key);
	json_u64(j, v);
}

void json_field_i64(struct json *j, const char *key, int64_t v)
{
	json_key(j, key);
	json_i64(j, v);
}

void json_field_bool(struct json *j, const char *key, bool v)
{
	json_key(j, key);
	json_bool(j, v);
}

void json_field_cstring(struct json *j, const char *key, const char *s)
{
	json_key(j, key);
	json_cstring(j, s);
}

void json_field_string(struct json *j, const char *key, const char *s, size_t length)
{
	json_key(j, key);
	json_string(j, s, length);
}
