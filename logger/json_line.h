/*
 * json_line.h - the JSON form of a record, for logger_config.format =
 * IPC_LOG_FORMAT_JSON: one object per line, which log shippers read
 * without a regular expression. Internal to the logger (logger.c).
 *
 *     {"time":"2026-11-28T15:46:01.123456Z","level":"info","origin":"child",
 *      "generation":3,"message":"http #7 \"GET / HTTP/1.1\" 200 ...",
 *      "method":"GET","path":"/","status":200,"bytes":512,"duration_us":310}
 *
 * (one line in the file). A parent's record has origin "parent" and no
 * generation: it belongs to no child. Strings are escaped as JSON wants,
 * and more: every control character (C0, DEL, C1) becomes \u00XX, and a
 * byte that is not part of well-formed UTF-8 becomes \ufffd, so that the
 * line is valid JSON and safe on a terminal. Like the text form, a line
 * never exceeds LOGGER_LINE_MAX: a message too long is cut at a character
 * and ends with LOGGER_TRUNCATED_MARKER inside its string.
 */
#ifndef WARDEN_LOGGER_JSON_LINE_H
#define WARDEN_LOGGER_JSON_LINE_H

#include "logger.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct json_line {
	const char *timestamp; /* the text line's, TIMESTAMP_LEN bytes */
	size_t timestamp_length;
	enum ipc_log_level level;
	bool from_parent;
	uint32_t generation;
	const uint8_t *text; /* the message, any bytes */
	size_t length;
	bool cut;                           /* the text was cut before the logger saw it */
	const struct logger_access *access; /* NULL: not an access line */
};

/* Writes the object into `dst`, at most `cap` (LOGGER_LINE_MAX - 1) bytes
 * and no newline. Returns its length; `*truncated` says the message was
 * cut (here or before). */
size_t json_line_format(char *dst, size_t cap, const struct json_line *r, bool *truncated);

#endif
