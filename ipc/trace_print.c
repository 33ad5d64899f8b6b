/*
 * trace_print.c - records as text lines or JSON lines (see trace_print.h).
 *
 * A payload is printed by walking its table of fields (ipc.h, fields.c)
 * through a small emitter that writes either " name=value" (text: only the
 * fields marked summary) or JSON members (every field, nested where the
 * payload nests). Strings come from a possibly hostile child, so they are escaped:
 * in text C-style (\n, \\, \xNN for control bytes and invalid UTF-8); in
 * JSON per RFC 8259, with invalid UTF-8 replaced by U+FFFD and the exact
 * bytes added as a "<name>_hex" member so nothing is hidden.
 */
#include "trace_print.h"
#include "common/utf8.h"

#include <inttypes.h>
#include <stdbool.h>
#include <string.h>
#include <time.h>

enum { MAX_DEPTH = 8 };

struct emit {
	FILE *f;
	bool json;
	int depth;
	bool first[MAX_DEPTH]; /* JSON: nothing written yet at this depth */
};

enum importance { DETAIL = 0, MAIN = 1 };

void trace_format_time(uint64_t time_ns, char out[32])
{
	time_t secs = (time_t)(time_ns / 1000000000u);
	unsigned nanos = (unsigned)(time_ns % 1000000000u);
	struct tm tm;
	if (gmtime_r(&secs, &tm) == NULL) {
		snprintf(out, 32, "@%" PRIu64, time_ns);
		return;
	}
	char date[24];
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out, 32, "%.19s.%09uZ", date, nanos);
}

const char *trace_status_name(enum ipc_decode_status status)
{
	const char *name = ipc_decode_status_name(status);
	return name != NULL ? name : "unknown";
}

/* ---- string escaping ---------------------------------------------------- */

/* Escapes s[0..n) for the inside of a quoted string. A control character
 * becomes \xHH in text and \u00HH in JSON; a byte that is not UTF-8
 * becomes \xHH in text and U+FFFD in JSON, which has no byte escapes.
 * Returns whether some bytes were not UTF-8. */
static bool escape(FILE *f, const uint8_t *s, size_t n, bool json)
{
	bool replaced = false;
	for (size_t i = 0; i < n;) {
		uint8_t c = s[i];
		size_t len = utf8_sequence(s + i, n - i);
		if (c == '\\' || c == '"')
			fprintf(f, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c == '\t')
			fputs("\\t", f);
		else if (c == '\r')
			fputs("\\r", f);
		else if (c < 0x20 || c == 0x7f)
			fprintf(f, json ? "\\u%04x" : "\\x%02x", c);
		else if (len > 0)
			fwrite(s + i, 1, len, f);
		else if (json)
			fputs("\\ufffd", f);
		else
			fprintf(f, "\\x%02x", c);
		replaced |= len == 0;
		i += len > 0 ? len : 1;
	}
	return replaced;
}

static void hex(FILE *f, const uint8_t *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%02x", s[i]);
}

/* ---- the emitter -------------------------------------------------------- */

/* Whether a field is written at all, and in JSON its key and comma. */
static bool begin_field(struct emit *e, const char *name, enum importance imp)
{
	if (!e->json) {
		/* Text: the main fields, nested or not, on one line. */
		if (imp != MAIN || name == NULL)
			return false;
		fprintf(e->f, " %s=", name);
		return true;
	}
	if (!e->first[e->depth])
		fputc(',', e->f);
	e->first[e->depth] = false;
	if (name != NULL)
		fprintf(e->f, "\"%s\":", name);
	return true;
}

static void emit_u64(struct emit *e, const char *name, uint64_t v, enum importance imp)
{
	if (begin_field(e, name, imp))
		fprintf(e->f, "%" PRIu64, v);
}

static void emit_i64(struct emit *e, const char *name, int64_t v, enum importance imp)
{
	if (begin_field(e, name, imp))
		fprintf(e->f, "%" PRId64, v);
}

/* Text shows flag words and addresses in hex; JSON keeps numbers. */
static void emit_hex(struct emit *e, const char *name, uint64_t v, enum importance imp)
{
	if (begin_field(e, name, imp))
		fprintf(e->f, e->json ? "%" PRIu64 : "0x%" PRIx64, v);
}

/* An enumeration's name: a word in text, a JSON string. */
static void emit_word(struct emit *e, const char *name, const char *word, uint64_t v,
                      enum importance imp)
{
	if (!begin_field(e, name, imp))
		return;
	if (word != NULL)
		fprintf(e->f, e->json ? "\"%s\"" : "%s", word);
	else
		fprintf(e->f, e->json ? "\"%" PRIu64 "\"" : "%" PRIu64, v);
}

static void emit_bytes(struct emit *e, const char *name, const void *data, size_t n,
                       enum importance imp)
{
	if (!begin_field(e, name, imp))
		return;
	fputc('"', e->f);
	if (!e->json) {
		escape(e->f, data, n, false);
		fputc('"', e->f);
		return;
	}
	bool replaced = escape(e->f, data, n, true);
	fputc('"', e->f);
	if (replaced) {
		fprintf(e->f, ",\"%s_hex\":\"", name);
		hex(e->f, data, n);
		fputc('"', e->f);
	}
}

/* A terminated string in a fixed array (the decoder checked the NUL). */
static void emit_string(struct emit *e, const char *name, const char *s, size_t cap,
                        enum importance imp)
{
	emit_bytes(e, name, s, strnlen(s, cap), imp);
}

static void open_nested(struct emit *e, const char *name, char bracket)
{
	if (e->json && begin_field(e, name, DETAIL))
		fputc(bracket, e->f);
	if (e->depth + 1 < MAX_DEPTH)
		e->depth++;
	e->first[e->depth] = true;
}

static void close_nested(struct emit *e, char bracket)
{
	if (e->depth > 0)
		e->depth--;
	if (e->json)
		fputc(bracket, e->f);
}

/* ---- enumerations ------------------------------------------------------- */

/* The names are ipc.h's (names.c); a value beyond them prints as its
 * number (emit_word with a NULL name). */
static const char *bounded(const char *(*name_of)(unsigned), uint64_t v)
{
	return v <= UINT32_MAX ? name_of((unsigned)v) : NULL;
}

/* ---- payloads ----------------------------------------------------------- */

/* A payload's fields as its table (ipc.h, fields.c) lists them: numbers
 * in decimal, in hex or by name, strings escaped, the token never. */

static void emit_fields(struct emit *e, const struct ipc_fields *fields, const void *base);

/* A flag word: in hex, and in JSON also the names of the bits set, as
 * "<name>_flags". */
static void emit_bits(struct emit *e, const char *name, const struct ipc_field *f, uint64_t v,
                      enum importance imp)
{
	char key[64];
	emit_hex(e, name, v, imp);
	snprintf(key, sizeof(key), "%s_flags", name);
	open_nested(e, key, '[');
	for (unsigned bit = 0; bit < 64 && f->value_name(bit) != NULL; bit++)
		if (v & (1ull << bit))
			emit_word(e, NULL, f->value_name(bit), 0, DETAIL);
	close_nested(e, ']');
}

static void emit_number(struct emit *e, const char *name, const struct ipc_field *f, uint64_t v,
                        enum importance imp)
{
	if (f->flags & IPC_FIELD_BITS)
		emit_bits(e, name, f, v, imp);
	else if (f->value_name != NULL)
		emit_word(e, name, bounded(f->value_name, v), v, imp);
	else if (f->flags & IPC_FIELD_HEX)
		emit_hex(e, name, v, imp);
	else if (f->kind == IPC_FIELD_SIGNED)
		emit_i64(e, name, (int64_t)v, imp);
	else
		emit_u64(e, name, v, imp);
}

static void emit_element(struct emit *e, const char *name, const struct ipc_field *f,
                         const void *base, size_t i, enum importance imp)
{
	const char *p = (const char *)base + f->offset + i * f->size;
	switch (f->kind) {
	case IPC_FIELD_STRING:
		emit_string(e, name, p, f->size, imp);
		break;
	case IPC_FIELD_SECRET:
		break; /* the bearer token: its length is a field, its bytes are never shown */
	case IPC_FIELD_RECORD:
		open_nested(e, name, '{');
		emit_fields(e, f->record, p);
		close_nested(e, '}');
		break;
	default:
		emit_number(e, name, f, ipc_field_get(f, base, i), imp);
		break;
	}
}

/* An array shows the elements in use only (status: recent_count). */
static void emit_field(struct emit *e, const struct ipc_fields *fields, const struct ipc_field *f,
                       const void *base)
{
	enum importance imp = f->flags & IPC_FIELD_SUMMARY ? MAIN : DETAIL;
	if (f->count == 1)
		return emit_element(e, f->name, f, base, 0, imp);
	open_nested(e, f->name, '[');
	size_t used = ipc_field_used(fields, f, base);
	for (size_t i = 0; i < used; i++)
		emit_element(e, NULL, f, base, i, imp);
	close_nested(e, ']');
}

static void emit_fields(struct emit *e, const struct ipc_fields *fields, const void *base)
{
	for (size_t i = 0; i < fields->count; i++)
		emit_field(e, fields, &fields->field[i], base);
}

/* Shown in reading order, not in wire order: the syscall's name beside
 * its number. */
static void fields_violation(struct emit *e, const struct ipc_violation *m)
{
	emit_u64(e, "nr", m->nr, MAIN);
	emit_string(e, "name", m->name, sizeof(m->name), MAIN);
	emit_hex(e, "arch", m->arch, MAIN);
	open_nested(e, "args", '[');
	for (size_t i = 0; i < 6; i++)
		emit_hex(e, NULL, m->args[i], DETAIL);
	close_nested(e, ']');
	emit_hex(e, "ip", m->ip, DETAIL);
}

static void fields(struct emit *e, const struct ipc_message *m)
{
	const struct ipc_fields *table = ipc_payload_fields(m->type);
	if (m->type == IPC_VIOLATION)
		return fields_violation(e, &m->u.violation);
	if (table != NULL)
		emit_fields(e, table, &m->u);
	if (m->type == IPC_LOG) {
		size_t n =
		        m->u.log.text_length <= IPC_TEXT_MAX ? m->u.log.text_length : IPC_TEXT_MAX;
		emit_bytes(e, "text", m->u.log.text, n, MAIN);
	}
}

/* ---- records ------------------------------------------------------------ */

static const char *record_type_name(const struct trace_record *rec)
{
	if (rec->status == IPC_OK || rec->status == IPC_E_DIRECTION)
		return ipc_type_name(rec->msg.type);
	return rec->has_header ? ipc_type_name(rec->raw_type) : NULL;
}

void trace_print_text(FILE *out, const struct trace_record *rec)
{
	char when[32];
	trace_format_time(rec->ph.time_ns, when);
	fprintf(out, "%s %s gen=%" PRIu32 " pid=%" PRIu32 " ", when,
	        rec->ph.direction == TRACE_TO_CHILD ? "->" : "<-", rec->ph.generation, rec->ph.pid);
	const char *type = record_type_name(rec);
	if (type != NULL)
		fputs(type, out);
	else if (rec->has_header)
		fprintf(out, "type#%u", rec->raw_type);
	else
		fputc('?', out);
	if (rec->has_header)
		fprintf(out, " seq=%" PRIu32, rec->raw_sequence);
	else
		fputs(" seq=?", out);
	fprintf(out, " len=%zu fds=%u", rec->raw_len, rec->ph.fd_count);
	if (rec->status == IPC_OK) {
		struct emit e = {.f = out, .json = false};
		fields(&e, &rec->msg);
	} else {
		fprintf(out, " MALFORMED(%s): ", trace_status_name(rec->status));
		escape(out, (const uint8_t *)rec->error.message,
		       strnlen(rec->error.message, sizeof(rec->error.message)), false);
	}
	fputc('\n', out);
}

static void json_header_fields(FILE *out, const struct trace_record *rec)
{
	char when[32];
	trace_format_time(rec->ph.time_ns, when);
	fprintf(out,
	        "{\"offset\":%" PRIu64 ",\"time\":\"%s\",\"time_ns\":%" PRIu64
	        ",\"direction\":\"%s\",\"generation\":%" PRIu32 ",\"pid\":%" PRIu32
	        ",\"fds\":%u,\"length\":%zu",
	        rec->offset, when, rec->ph.time_ns, trace_direction_name(rec->ph.direction),
	        rec->ph.generation, rec->ph.pid, rec->ph.fd_count, rec->raw_len);
	const char *type = record_type_name(rec);
	if (type != NULL)
		fprintf(out, ",\"type\":\"%s\"", type);
	else
		fputs(",\"type\":null", out);
	if (rec->has_header)
		fprintf(out, ",\"type_id\":%u,\"sequence\":%" PRIu32 ",\"payload_length\":%" PRIu32,
		        rec->raw_type, rec->raw_sequence, rec->raw_length);
	else
		fputs(",\"type_id\":null,\"sequence\":null,\"payload_length\":null", out);
}

void trace_print_json(FILE *out, const struct trace_record *rec)
{
	json_header_fields(out, rec);
	if (rec->status == IPC_OK) {
		struct emit e = {.f = out, .json = true};
		open_nested(&e, "payload", '{');
		fields(&e, &rec->msg);
		close_nested(&e, '}');
	} else {
		fprintf(out, ",\"error\":{\"status\":\"%s\",\"message\":\"",
		        trace_status_name(rec->status));
		escape(out, (const uint8_t *)rec->error.message,
		       strnlen(rec->error.message, sizeof(rec->error.message)), true);
		fputs("\"},\"raw_hex\":\"", out);
		hex(out, rec->raw, rec->raw_len);
		fputc('"', out);
	}
	fputs("}\n", out);
}
