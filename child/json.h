/*
 * json.h - JSON written into a fixed buffer, for the GUI's endpoints.
 *
 * The child may not allocate after lockdown except from its arena, so JSON
 * is built into a buffer the caller owns (the API's scratch) and then
 * appended to a response or written to an event stream in one piece. A
 * value that does not fit sets `overflow` and the rest is dropped: the
 * caller checks json_ok() once at the end instead of after every call.
 *
 * Commas are placed automatically: every value or key written after
 * another in the same object or array is preceded by one.
 *
 *     struct json j;
 *     json_init(&j, buf, sizeof(buf));
 *     json_object_begin(&j);
 *     json_field_u64(&j, "id", 7);
 *     json_field_string(&j, "text", text, length);
 *     json_object_end(&j);
 *     if (!json_ok(&j)) ...
 */
#ifndef WARDEN_CHILD_JSON_H
#define WARDEN_CHILD_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct json {
	char *data;
	size_t length, capacity;
	bool overflow;
	bool need_comma; /* a value was written at this nesting level */
};

void json_init(struct json *j, char *buf, size_t capacity);
bool json_ok(const struct json *j);

/* Bytes copied as they are (SSE framing around a JSON document). Does not
 * touch the comma state. */
void json_raw(struct json *j, const char *text, size_t length);

void json_object_begin(struct json *j);
void json_object_end(struct json *j);
void json_array_begin(struct json *j);
void json_array_end(struct json *j);
void json_key(struct json *j, const char *key);

void json_u64(struct json *j, uint64_t v);
void json_i64(struct json *j, int64_t v);
void json_bool(struct json *j, bool v);
void json_null(struct json *j);
/* `length` bytes of `s`, quoted and escaped: '"', '\\' and control
 * characters are escaped, valid UTF-8 passes through, and each byte that
 * is not part of well-formed UTF-8 becomes U+FFFD, so that the output is
 * always valid JSON whatever the input (log text may contain anything). */
void json_string(struct json *j, const char *s, size_t length);
void json_cstring(struct json *j, const char *s);

void json_field_u64(struct json *j, const char *key, uint64_t v);
void json_field_i64(struct json *j, const char *key, int64_t v);
void json_field_bool(struct json *j, const char *key, bool v);
void json_field_cstring(struct json *j, const char *key, const char *s);
void json_field_string(struct json *j, const char *key, const char *s, size_t length);

#endif
