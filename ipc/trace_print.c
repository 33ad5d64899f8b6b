/*
 * trace_print.c - records as text lines or JSON lines (see trace_print.h).
 *
 * Each message type lists its payload fields once, through a small emitter
 * that writes either " name=value" (text: only the fields marked main, at
 * the top level) or JSON members (every field, nested where the payload
 * nests). Strings come from a possibly hostile child, so they are escaped:
 * in text C-style (\n, \\, \xNN for control bytes and invalid UTF-8); in
 * JSON per RFC 8259, with invalid UTF-8 replaced by U+FFFD and the exact
 * bytes added as a "<name>_hex" member so nothing is hidden.
 */
#include "trace_print.h"

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

/* Length of the valid UTF-8 sequence at p (1..4), or 0 when invalid:
 * overlong forms, surrogates and code points above U+10FFFF included. */
static size_t utf8_length(const uint8_t *p, size_t n)
{
	uint8_t c = p[0];
	size_t len;
	uint32_t min, cp;
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2, min = 0x80, cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3, min = 0x800, cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4, min = 0x10000, cp = c & 0x07;
	else
		return 0;
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

static void text_escape(FILE *f, const uint8_t *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		uint8_t c = s[i];
		size_t len = utf8_length(s + i, n - i);
		if (c == '\\' || c == '"')
			fprintf(f, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c == '\t')
			fputs("\\t", f);
		else if (c == '\r')
			fputs("\\r", f);
		else if (len == 0 || c < 0x20 || c == 0x7f)
			fprintf(f, "\\x%02x", c);
		else
			fwrite(s + i, 1, len, f);
		i += len > 0 ? len : 1;
	}
}

/* Returns whether some bytes were not valid UTF-8 (and became U+FFFD). */
static bool json_escape(FILE *f, const uint8_t *s, size_t n)
{
	bool replaced = false;
	for (size_t i = 0; i < n;) {
		uint8_t c = s[i];
		size_t len = utf8_length(s + i, n - i);
		if (c == '\\' || c == '"')
			fprintf(f, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c == '\t')
			fputs("\\t", f);
		else if (c == '\r')
			fputs("\\r", f);
		else if (c < 0x20 || c == 0x7f)
			fprintf(f, "\\u%04x", c);
		else if (len > 0)
			fwrite(s + i, 1, len, f);
		else
			fputs("\\ufffd", f);
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
		if (e->depth > 0 || imp != MAIN)
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
		text_escape(e->f, data, n);
		fputc('"', e->f);
		return;
	}
	bool replaced = json_escape(e->f, data, n);
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

static void fields_hello(struct emit *e, const struct ipc_hello *m)
{
	emit_u64(e, "generation", m->generation, MAIN);
	emit_u64(e, "parent_pid", m->parent_pid, MAIN);
	emit_u64(e, "parent_start_ns", m->parent_start_ns, DETAIL);
}

/* The bearer token is a secret: its length is shown, never its bytes. */
static void fields_config(struct emit *e, const struct ipc_config *m)
{
	emit_u64(e, "max_connections", m->max_connections, MAIN);
	emit_u64(e, "header_max_bytes", m->header_max_bytes, DETAIL);
	emit_u64(e, "uri_max_bytes", m->uri_max_bytes, DETAIL);
	emit_u64(e, "header_timeout_ms", m->header_timeout_ms, DETAIL);
	emit_u64(e, "idle_timeout_ms", m->idle_timeout_ms, DETAIL);
	emit_u64(e, "send_timeout_ms", m->send_timeout_ms, DETAIL);
	emit_u64(e, "heartbeat_interval_ms", m->heartbeat_interval_ms, MAIN);
	emit_u64(e, "memory_reserve_kib", m->memory_reserve_kib, DETAIL);
	emit_u64(e, "log_ring_lines", m->log_ring_lines, DETAIL);
	emit_word(e, "log_min_level", bounded(ipc_log_level_name, m->log_min_level),
	          m->log_min_level, MAIN);
	emit_word(e, "namespaces", bounded(ipc_namespaces_name, m->namespaces), m->namespaces,
	          MAIN);
	emit_u64(e, "report_violations", m->report_violations, MAIN);
	emit_u64(e, "token_length", m->token_length, MAIN);
	emit_string(e, "user", m->user, sizeof(m->user), MAIN);
	emit_string(e, "group", m->group, sizeof(m->group), MAIN);
}

static void fields_ready(struct emit *e, const struct ipc_ready *m)
{
	emit_u64(e, "pid", m->pid, MAIN);
	emit_u64(e, "generation", m->generation, MAIN);
	emit_hex(e, "sandbox", m->sandbox, MAIN);
	open_nested(e, "sandbox_flags", '[');
	for (unsigned bit = 0; ipc_sandbox_flag_name(bit) != NULL; bit++)
		if (m->sandbox & (1u << bit))
			emit_word(e, NULL, ipc_sandbox_flag_name(bit), 0, DETAIL);
	close_nested(e, ']');
	emit_u64(e, "uid", m->uid, MAIN);
	emit_u64(e, "gid", m->gid, MAIN);
	emit_u64(e, "policy_instructions", m->policy_instructions, MAIN);
	emit_u64(e, "boot_ns", m->boot_ns, MAIN);
}

static void fields_ping(struct emit *e, const struct ipc_ping *m)
{
	emit_u64(e, "nonce", m->nonce, MAIN);
	emit_u64(e, "sent_ns", m->sent_ns, MAIN);
}

static void fields_counters(struct emit *e, const struct ipc_counters *c)
{
	emit_u64(e, "connections_accepted", c->connections_accepted, DETAIL);
	emit_u64(e, "connections_open", c->connections_open, DETAIL);
	emit_u64(e, "connections_refused", c->connections_refused, DETAIL);
	emit_u64(e, "requests", c->requests, DETAIL);
	open_nested(e, "responses", '[');
	for (size_t i = 0; i < sizeof(c->responses) / sizeof(c->responses[0]); i++)
		emit_u64(e, NULL, c->responses[i], DETAIL);
	close_nested(e, ']');
	emit_u64(e, "bytes_in", c->bytes_in, DETAIL);
	emit_u64(e, "bytes_out", c->bytes_out, DETAIL);
	emit_u64(e, "log_lines", c->log_lines, DETAIL);
	emit_u64(e, "log_write_errors", c->log_write_errors, DETAIL);
	emit_u64(e, "memory_used", c->memory_used, DETAIL);
	emit_u64(e, "memory_reserved", c->memory_reserved, DETAIL);
}

static void fields_pong(struct emit *e, const struct ipc_pong *m)
{
	emit_u64(e, "nonce", m->nonce, MAIN);
	emit_u64(e, "sent_ns", m->sent_ns, MAIN);
	if (!e->json) {
		/* The text line shows the figures an operator watches. */
		emit_u64(e, "connections_open", m->counters.connections_open, MAIN);
		emit_u64(e, "requests", m->counters.requests, MAIN);
	}
	open_nested(e, "counters", '{');
	fields_counters(e, &m->counters);
	close_nested(e, '}');
}

static void fields_restart(struct emit *e, const struct ipc_restart *r)
{
	emit_u64(e, "time_ns", r->time_ns, DETAIL);
	emit_u64(e, "generation", r->generation, DETAIL);
	emit_word(e, "reason", bounded(ipc_end_reason_name, r->reason), r->reason, DETAIL);
	emit_i64(e, "code", r->code, DETAIL);
	emit_string(e, "detail", r->detail, sizeof(r->detail), DETAIL);
}

static void fields_status(struct emit *e, const struct ipc_status *m)
{
	emit_u64(e, "generation", m->generation, MAIN);
	emit_u64(e, "child_pid", m->child_pid, MAIN);
	emit_word(e, "state", bounded(ipc_state_name, m->state), m->state, MAIN);
	emit_u64(e, "restarts", m->restarts, MAIN);
	emit_u64(e, "violations", m->violations, MAIN);
	emit_u64(e, "parent_start_ns", m->parent_start_ns, DETAIL);
	emit_u64(e, "child_start_ns", m->child_start_ns, DETAIL);
	emit_u64(e, "ipc_messages_in", m->ipc_messages_in, DETAIL);
	emit_u64(e, "ipc_messages_out", m->ipc_messages_out, DETAIL);
	emit_u64(e, "ipc_bytes_in", m->ipc_bytes_in, DETAIL);
	emit_u64(e, "ipc_bytes_out", m->ipc_bytes_out, DETAIL);
	emit_u64(e, "recent_count", m->recent_count, MAIN);
	open_nested(e, "recent", '[');
	for (uint32_t i = 0; i < m->recent_count && i < IPC_RECENT_RESTARTS; i++) {
		open_nested(e, NULL, '{');
		fields_restart(e, &m->recent[i]);
		close_nested(e, '}');
	}
	close_nested(e, ']');
}

static void fields_log(struct emit *e, const struct ipc_log *m)
{
	size_t n = m->text_length <= IPC_TEXT_MAX ? m->text_length : IPC_TEXT_MAX;
	emit_u64(e, "time_ns", m->time_ns, DETAIL);
	emit_word(e, "level", bounded(ipc_log_level_name, m->level), m->level, MAIN);
	emit_u64(e, "text_length", m->text_length, DETAIL);
	emit_bytes(e, "text", m->text, n, MAIN);
}

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

static void fields_shutdown(struct emit *e, const struct ipc_shutdown *m)
{
	emit_u64(e, "grace_ms", m->grace_ms, MAIN);
	emit_word(e, "reason", bounded(ipc_shutdown_reason_name, m->reason), m->reason, MAIN);
}

static void fields_error(struct emit *e, const struct ipc_error *m)
{
	emit_u64(e, "error_version", m->error_version, DETAIL);
	emit_word(e, "code", trace_status_name(m->code), m->code, MAIN);
	emit_u64(e, "sequence", m->sequence, MAIN);
	emit_string(e, "message", m->message, sizeof(m->message), MAIN);
}

static void fields(struct emit *e, const struct ipc_message *m)
{
	switch (m->type) {
	case IPC_HELLO:
		fields_hello(e, &m->u.hello);
		break;
	case IPC_CONFIG:
		fields_config(e, &m->u.config);
		break;
	case IPC_READY:
		fields_ready(e, &m->u.ready);
		break;
	case IPC_PING:
		fields_ping(e, &m->u.ping);
		break;
	case IPC_PONG:
		fields_pong(e, &m->u.pong);
		break;
	case IPC_STATUS:
		fields_status(e, &m->u.status);
		break;
	case IPC_LOG:
		fields_log(e, &m->u.log);
		break;
	case IPC_VIOLATION:
		fields_violation(e, &m->u.violation);
		break;
	case IPC_SHUTDOWN:
		fields_shutdown(e, &m->u.shutdown);
		break;
	case IPC_ERROR:
		fields_error(e, &m->u.error);
		break;
	default:
		break;
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
		text_escape(out, (const uint8_t *)rec->error.message,
		            strnlen(rec->error.message, sizeof(rec->error.message)));
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
		json_escape(out, (const uint8_t *)rec->error.message,
		            strnlen(rec->error.message, sizeof(rec->error.message)));
		fputs("\"},\"raw_hex\":\"", out);
		hex(out, rec->raw, rec->raw_len);
		fputc('"', out);
	}
	fputs("}\n", out);
}
