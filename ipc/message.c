/*
 * message.c - the wire format of IPC messages (docs/ipc.md).
 *
 * Every field is serialized explicitly, little-endian, at its natural size,
 * in the order of its struct in ipc.h, with no padding: the in-memory
 * structs (which have padding, and whose layout is the compiler's) are
 * never copied to or from the wire. One walker follows a payload's table
 * of fields (fields.c) in both directions, so that the encoder and the
 * decoder cannot disagree on the layout.
 *
 * The decoder is the parent's defence against a hostile child: it checks
 * the frame, then the payload's size, then its strings and the range of
 * every value, and stops at the first problem with a message that names
 * the type and the field. The encoder validates its own output with the decoder, so
 * it can never emit what the other side would reject.
 */
#include "ipc.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* ---- Types ---------------------------------------------------------------- */

enum {
	LOG_TEXT_LENGTH_OFFSET = 9, /* within the log payload: after time_ns and level */
};

struct type_info {
	const char *name;
	enum ipc_direction direction;
};

static const struct type_info types[IPC_TYPE_MAX + 1] = {
        [IPC_HELLO] = {"hello", IPC_TO_CHILD},       [IPC_CONFIG] = {"config", IPC_TO_CHILD},
        [IPC_READY] = {"ready", IPC_TO_PARENT},      [IPC_PING] = {"ping", IPC_TO_CHILD},
        [IPC_PONG] = {"pong", IPC_TO_PARENT},        [IPC_STATUS] = {"status", IPC_TO_CHILD},
        [IPC_LOG] = {"log", IPC_TO_CHILD},           [IPC_VIOLATION] = {"violation", IPC_TO_PARENT},
        [IPC_SHUTDOWN] = {"shutdown", IPC_TO_CHILD}, [IPC_ERROR] = {"error", IPC_EITHER},
        [IPC_SERVE] = {"serve", IPC_TO_CHILD},       [IPC_REPORT] = {"report", IPC_TO_CHILD},
};

static const struct type_info *type_info(unsigned type)
{
	return type >= IPC_TYPE_MIN && type <= IPC_TYPE_MAX ? &types[type] : NULL;
}

const char *ipc_type_name(unsigned type)
{
	const struct type_info *t = type_info(type);
	return t != NULL ? t->name : NULL;
}

enum ipc_direction ipc_type_direction(unsigned type)
{
	const struct type_info *t = type_info(type);
	return t != NULL ? t->direction : (enum ipc_direction)0;
}

/* ---- Little-endian field codec ---------------------------------------------- */

/* One cursor for both directions: `out` set means encoding (fields are
 * read from the struct and written as bytes), otherwise decoding. */
struct codec {
	uint8_t *out;
	const uint8_t *in;
	size_t off, len;
	bool overrun; /* a field did not fit: never happens once sizes are checked */
};

static bool room(struct codec *c, size_t n)
{
	if (c->overrun || n > c->len - c->off) {
		c->overrun = true;
		return false;
	}
	return true;
}

static uint64_t codec_uint(struct codec *c, uint64_t value, size_t size)
{
	if (!room(c, size))
		return 0;
	uint64_t v = 0;
	for (size_t i = 0; i < size; i++) {
		if (c->out != NULL)
			c->out[c->off + i] = (uint8_t)(value >> (8 * i));
		else
			v |= (uint64_t)c->in[c->off + i] << (8 * i);
	}
	c->off += size;
	return c->out != NULL ? value : v;
}

static void u16(struct codec *c, uint16_t *v)
{
	*v = (uint16_t)codec_uint(c, *v, 2);
}

static void u32(struct codec *c, uint32_t *v)
{
	*v = (uint32_t)codec_uint(c, *v, 4);
}

static void bytes(struct codec *c, void *p, size_t n)
{
	if (n == 0 || !room(c, n))
		return;
	if (c->out != NULL)
		memcpy(c->out + c->off, p, n);
	else
		memcpy(p, c->in + c->off, n);
	c->off += n;
}

/* ---- Payloads: each struct's fields, in the order of its table ------------ */

static void walk_fields(struct codec *c, void *base, const struct ipc_fields *fields);

static void walk_element(struct codec *c, void *base, const struct ipc_field *f, size_t i)
{
	char *p = (char *)base + f->offset + i * f->size;
	switch (f->kind) {
	case IPC_FIELD_UNSIGNED:
	case IPC_FIELD_SIGNED:
		ipc_field_set(f, base, i, codec_uint(c, ipc_field_get(f, base, i), f->size));
		break;
	case IPC_FIELD_RECORD:
		walk_fields(c, p, f->record);
		break;
	default: /* strings and the token: fixed arrays, at full size */
		bytes(c, p, f->size);
		break;
	}
}

/* Arrays at full size, used or not: a payload has one fixed size. */
static void walk_fields(struct codec *c, void *base, const struct ipc_fields *fields)
{
	for (size_t i = 0; i < fields->count; i++)
		for (size_t k = 0; k < fields->field[i].count; k++)
			walk_element(c, base, &fields->field[i], k);
}

static void walk_payload(struct codec *c, struct ipc_message *m)
{
	const struct ipc_fields *fields = ipc_payload_fields(m->type);
	if (fields == NULL) {
		c->overrun = true;
		return;
	}
	walk_fields(c, &m->u, fields);
	/* The length was checked before decoding and is checked before
	 * encoding; bounding it again keeps the copy inside `text` anyway. */
	if (m->type == IPC_LOG)
		bytes(c, m->u.log.text,
		      m->u.log.text_length <= IPC_TEXT_MAX ? m->u.log.text_length : 0);
}

/* ---- Errors ------------------------------------------------------------------ */

static bool __attribute__((format(printf, 3, 4)))
fail(struct ipc_decode_error *err, enum ipc_decode_status status, const char *fmt, ...)
{
	err->status = status;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	return false;
}

/* ---- Frame: header and payload size -------------------------------------------- */

bool ipc_peek_header(const uint8_t *buf, size_t len, struct ipc_header *h)
{
	if (buf == NULL || len < IPC_HEADER_SIZE)
		return false;
	struct codec c = {.in = buf, .len = IPC_HEADER_SIZE};
	u32(&c, &h->magic);
	u16(&c, &h->version);
	u16(&c, &h->type);
	u32(&c, &h->length);
	u32(&c, &h->sequence);
	return true;
}

/* The name to put in front of a frame error: the type's, when the header
 * can be read and names one. */
static const char *frame_name(const uint8_t *buf, size_t len)
{
	struct ipc_header h;
	if (!ipc_peek_header(buf, len, &h))
		return "message";
	const char *name = h.magic == IPC_MAGIC ? ipc_type_name(h.type) : NULL;
	return name != NULL ? name : "message";
}

/* The payload bytes a type takes; for log, the fixed part before the text. */
static uint32_t fixed_size(unsigned type)
{
	return (uint32_t)ipc_fields_size(ipc_payload_fields(type));
}

static bool check_log_size(const uint8_t *payload, uint32_t length, struct ipc_decode_error *err)
{
	uint32_t fixed = fixed_size(IPC_LOG);
	if (length < fixed)
		return fail(err, IPC_E_SIZE,
		            "log: payload of %u bytes, shorter than the %u fixed bytes", length,
		            fixed);
	uint32_t text_length = payload[LOG_TEXT_LENGTH_OFFSET] |
	                       (uint32_t)payload[LOG_TEXT_LENGTH_OFFSET + 1] << 8;
	if (text_length > IPC_TEXT_MAX)
		return fail(err, IPC_E_RANGE, "log: text_length %u not in 0..%d", text_length,
		            IPC_TEXT_MAX);
	if (length != fixed + text_length)
		return fail(err, IPC_E_SIZE,
		            "log: payload of %u bytes, but text_length %u needs %u", length,
		            text_length, fixed + text_length);
	return true;
}

static bool check_size(const struct ipc_header *h, const uint8_t *payload,
                       struct ipc_decode_error *err)
{
	if (h->type == IPC_LOG)
		return check_log_size(payload, h->length, err);
	uint32_t size = fixed_size(h->type);
	if (h->length != size)
		return fail(err, IPC_E_SIZE, "%s: payload of %u bytes, not %u",
		            ipc_type_name(h->type), h->length, size);
	return true;
}

static bool check_frame(const uint8_t *buf, size_t len, struct ipc_header *h,
                        struct ipc_decode_error *err)
{
	if (len > IPC_MAX_MESSAGE)
		return fail(err, IPC_E_OVERSIZE, "%s: %zu bytes, more than the maximum %d",
		            frame_name(buf, len), len, IPC_MAX_MESSAGE);
	if (len < IPC_HEADER_SIZE)
		return fail(err, IPC_E_SHORT, "message: %zu bytes, shorter than the %d-byte header",
		            len, IPC_HEADER_SIZE);
	ipc_peek_header(buf, len, h);
	if (h->magic != IPC_MAGIC)
		return fail(err, IPC_E_MAGIC, "header: magic 0x%08x, not 0x%08x", h->magic,
		            IPC_MAGIC);
	if (h->version != IPC_VERSION)
		return fail(err, IPC_E_VERSION, "header: version %u, only %u is supported",
		            h->version, IPC_VERSION);
	if (type_info(h->type) == NULL)
		return fail(err, IPC_E_TYPE, "header: unknown type %u", h->type);
	if (h->length != len - IPC_HEADER_SIZE)
		return fail(err, IPC_E_LENGTH, "%s: header length %u, but %zu payload bytes follow",
		            ipc_type_name(h->type), h->length, len - IPC_HEADER_SIZE);
	return check_size(h, buf + IPC_HEADER_SIZE, err);
}

/* ---- Payload values -------------------------------------------------------------- */

static bool range(struct ipc_decode_error *err, const char *type, const char *field, uint64_t value,
                  uint64_t lo, uint64_t hi)
{
	if (value < lo || value > hi)
		return fail(err, IPC_E_RANGE, "%s: %s %llu not in %llu..%llu", type, field,
		            (unsigned long long)value, (unsigned long long)lo,
		            (unsigned long long)hi);
	return true;
}

static bool all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;
	for (size_t i = 0; i < n; i++)
		if (b[i] != 0)
			return false;
	return true;
}

/* A string in a fixed array: terminated inside it, and zero after the
 * NUL, so that the wire form of a value is unique and carries no stale
 * memory of the sender. */
static bool string(struct ipc_decode_error *err, const char *type, const char *field, const char *s,
                   size_t size)
{
	const char *nul = memchr(s, '\0', size);
	if (nul == NULL)
		return fail(err, IPC_E_STRING, "%s: %s not terminated within its %zu bytes", type,
		            field, size);
	size_t used = (size_t)(nul - s) + 1;
	if (!all_zero(nul + 1, size - used))
		return fail(err, IPC_E_STRING, "%s: %s has non-zero bytes after its terminator",
		            type, field);
	return true;
}

static bool check_hello(const struct ipc_hello *m, struct ipc_decode_error *err)
{
	return range(err, "hello", "generation", m->generation, 1, UINT32_MAX);
}

static bool check_token(const struct ipc_config *m, struct ipc_decode_error *err)
{
	if (!range(err, "config", "token_length", m->token_length, 0, IPC_TOKEN_MAX))
		return false;
	if (!all_zero(m->token + m->token_length, IPC_TOKEN_MAX - m->token_length))
		return fail(err, IPC_E_RANGE,
		            "config: token has non-zero bytes beyond token_length %u",
		            m->token_length);
	return true;
}

static bool check_config_limits(const struct ipc_config *m, struct ipc_decode_error *err)
{
	return range(err, "config", "max_connections", m->max_connections, 1, 65536) &&
	       range(err, "config", "header_max_bytes", m->header_max_bytes, 256, 65536) &&
	       range(err, "config", "uri_max_bytes", m->uri_max_bytes, 16, m->header_max_bytes) &&
	       range(err, "config", "header_timeout_ms", m->header_timeout_ms, 1, 600000) &&
	       range(err, "config", "idle_timeout_ms", m->idle_timeout_ms, 1, 3600000) &&
	       range(err, "config", "send_timeout_ms", m->send_timeout_ms, 1, 600000) &&
	       range(err, "config", "heartbeat_interval_ms", m->heartbeat_interval_ms, 1, 600000) &&
	       range(err, "config", "memory_reserve_kib", m->memory_reserve_kib, 1024, 4194304) &&
	       range(err, "config", "log_ring_lines", m->log_ring_lines, 16, 65536) &&
	       range(err, "config", "log_min_level", m->log_min_level, 0, IPC_LOG_MAX) &&
	       range(err, "config", "log_format", m->log_format, 0, IPC_LOG_FORMAT_MAX) &&
	       range(err, "config", "log_stderr_level", m->log_stderr_level, 0, IPC_LOG_MAX) &&
	       range(err, "config", "namespaces", m->namespaces, 0, IPC_NAMESPACES_REQUIRED) &&
	       range(err, "config", "deny_action", m->deny_action, 0, IPC_DENY_MAX) &&
	       range(err, "config", "max_connections_per_peer", m->max_connections_per_peer, 1,
	             m->max_connections) &&
	       range(err, "config", "test_mode", m->test_mode, 0, 1);
}

/* Host names as the child compares them: letters, digits, '.', '-', and
 * bracketed IPv6 literals' ':', '[' and ']' (locale-free on purpose). */
static bool host_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '.' || c == '-' || c == ':' || c == '[' || c == ']';
}

/* Names separated by one space, none empty. */
static bool check_hosts(const struct ipc_config *m, struct ipc_decode_error *err)
{
	if (!string(err, "config", "hosts", m->hosts, sizeof(m->hosts)))
		return false;
	for (const char *p = m->hosts; *p; p++) {
		unsigned char c = (unsigned char)*p;
		bool space_ok = c == ' ' && p != m->hosts && p[-1] != ' ' && p[1] != '\0';
		if (!host_char(c) && !space_ok)
			return fail(err, IPC_E_RANGE, "config: hosts has a byte 0x%02x at %td", c,
			            p - m->hosts);
	}
	return true;
}

static bool check_config(const struct ipc_config *m, struct ipc_decode_error *err)
{
	return string(err, "config", "user", m->user, sizeof(m->user)) &&
	       string(err, "config", "group", m->group, sizeof(m->group)) && check_hosts(m, err) &&
	       check_config_limits(m, err) && check_token(m, err);
}

static bool check_ready(const struct ipc_ready *m, struct ipc_decode_error *err)
{
	if (!range(err, "ready", "generation", m->generation, 1, UINT32_MAX))
		return false;
	if ((m->sandbox & ~(uint32_t)IPC_SANDBOX_ALL) != 0)
		return fail(err, IPC_E_RANGE, "ready: sandbox 0x%x has unknown flags 0x%x",
		            m->sandbox, m->sandbox & ~(uint32_t)IPC_SANDBOX_ALL);
	/* The bindings' order is the layout's (child/fd_layout.h): the
	 * parent checks the numbers themselves against /proc. */
	return range(err, "ready", "fd_limit", m->fd_limit, 1, 1u << 20) &&
	       range(err, "ready", "first_client_fd", m->first_client_fd, 0, m->fd_limit - 1) &&
	       range(err, "ready", "epoll_fd", m->epoll_fd, 0, m->first_client_fd) &&
	       range(err, "ready", "listener_fd", m->listener_fd, 0, m->first_client_fd);
}

static bool check_pong(const struct ipc_pong *m, struct ipc_decode_error *err)
{
	const struct ipc_counters *c = &m->counters;
	return range(err, "pong", "connections_open", c->connections_open, 0,
	             c->connections_accepted) &&
	       range(err, "pong", "memory_used", c->memory_used, 0, c->memory_reserved);
}

static bool check_restart(const struct ipc_restart *r, unsigned i, struct ipc_decode_error *err)
{
	char field[32];
	snprintf(field, sizeof(field), "recent[%u].generation", i);
	if (!range(err, "status", field, r->generation, 1, UINT32_MAX))
		return false;
	snprintf(field, sizeof(field), "recent[%u].reason", i);
	if (!range(err, "status", field, r->reason, 0, IPC_END_MAX))
		return false;
	snprintf(field, sizeof(field), "recent[%u].detail", i);
	return string(err, "status", field, r->detail, sizeof(r->detail));
}

static bool restart_is_zero(const struct ipc_restart *r)
{
	return r->time_ns == 0 && r->generation == 0 && r->reason == 0 && r->code == 0 &&
	       r->outage_ms == 0 && all_zero(r->detail, sizeof(r->detail));
}

static bool check_status(const struct ipc_status *m, struct ipc_decode_error *err)
{
	if (!range(err, "status", "generation", m->generation, 1, UINT32_MAX) ||
	    !range(err, "status", "state", m->state, IPC_STATE_STARTING, IPC_STATE_MAX) ||
	    !range(err, "status", "standby_state", m->standby_state, 0, IPC_STANDBY_MAX) ||
	    !range(err, "status", "recent_count", m->recent_count, 0, IPC_RECENT_RESTARTS) ||
	    !range(err, "status", "carried.connections_open", m->carried.connections_open, 0, 0) ||
	    !range(err, "status", "carried.memory_used", m->carried.memory_used, 0, 0) ||
	    !range(err, "status", "carried.memory_reserved", m->carried.memory_reserved, 0, 0) ||
	    !string(err, "status", "trace_file", m->trace_file, sizeof(m->trace_file)))
		return false;
	if ((m->attested & ~(uint32_t)IPC_SANDBOX_ALL) != 0)
		return fail(err, IPC_E_RANGE, "status: attested 0x%x has unknown flags 0x%x",
		            m->attested, m->attested & ~(uint32_t)IPC_SANDBOX_ALL);
	for (unsigned i = 0; i < IPC_RECENT_RESTARTS; i++) {
		if (i < m->recent_count && !check_restart(&m->recent[i], i, err))
			return false;
		if (i >= m->recent_count && !restart_is_zero(&m->recent[i]))
			return fail(err, IPC_E_RANGE,
			            "status: recent[%u] is beyond recent_count %u but not zero", i,
			            m->recent_count);
	}
	return true;
}

static bool check_log(const struct ipc_log *m, struct ipc_decode_error *err)
{
	if (!range(err, "log", "level", m->level, 0, IPC_LOG_MAX) ||
	    !range(err, "log", "flags", m->flags, 0, IPC_LOG_FLAGS_ALL) ||
	    !range(err, "log", "text_length", m->text_length, 0, IPC_TEXT_MAX))
		return false;
	const char *nul = memchr(m->text, '\0', m->text_length);
	if (nul != NULL)
		return fail(err, IPC_E_STRING, "log: text has a NUL at byte %td", nul - m->text);
	return true;
}

static bool check_violation(const struct ipc_violation *m, struct ipc_decode_error *err)
{
	return string(err, "violation", "name", m->name, sizeof(m->name));
}

static bool check_report(const struct ipc_report *m, struct ipc_decode_error *err)
{
	return range(err, "report", "shape", m->shape, 1, UINT32_MAX) &&
	       range(err, "report", "count", m->count, 1, UINT32_MAX) &&
	       range(err, "report", "generation", m->generation, 1, UINT32_MAX) &&
	       range(err, "report", "action", m->action, 0, IPC_DENY_MAX) &&
	       string(err, "report", "syscall", m->syscall, sizeof(m->syscall)) &&
	       string(err, "report", "text", m->text, sizeof(m->text));
}

static bool check_shutdown(const struct ipc_shutdown *m, struct ipc_decode_error *err)
{
	return range(err, "shutdown", "grace_ms", m->grace_ms, 0, 3600000) &&
	       range(err, "shutdown", "reason", m->reason, IPC_SHUTDOWN_TERMINATE,
	             IPC_SHUTDOWN_RELOAD);
}

static bool check_error(const struct ipc_error *m, struct ipc_decode_error *err)
{
	return string(err, "error", "message", m->message, sizeof(m->message)) &&
	       range(err, "error", "error_version", m->error_version, IPC_ERROR_VERSION,
	             IPC_ERROR_VERSION) &&
	       range(err, "error", "code", m->code, IPC_E_SHORT, IPC_E_IO);
}

static bool check_serve(const struct ipc_serve *m, struct ipc_decode_error *err)
{
	if ((m->attested & ~(uint32_t)IPC_SANDBOX_ALL) != 0)
		return fail(err, IPC_E_RANGE, "serve: attested 0x%x has unknown flags 0x%x",
		            m->attested, m->attested & ~(uint32_t)IPC_SANDBOX_ALL);
	return true;
}

static bool check_payload(const struct ipc_message *m, struct ipc_decode_error *err)
{
	switch (m->type) {
	case IPC_HELLO:
		return check_hello(&m->u.hello, err);
	case IPC_CONFIG:
		return check_config(&m->u.config, err);
	case IPC_READY:
		return check_ready(&m->u.ready, err);
	case IPC_PONG:
		return check_pong(&m->u.pong, err);
	case IPC_STATUS:
		return check_status(&m->u.status, err);
	case IPC_LOG:
		return check_log(&m->u.log, err);
	case IPC_VIOLATION:
		return check_violation(&m->u.violation, err);
	case IPC_SHUTDOWN:
		return check_shutdown(&m->u.shutdown, err);
	case IPC_ERROR:
		return check_error(&m->u.error, err);
	case IPC_SERVE:
		return check_serve(&m->u.serve, err);
	case IPC_REPORT:
		return check_report(&m->u.report, err);
	default: /* ping: every value is valid */
		return true;
	}
}

/* ---- Decoding --------------------------------------------------------------------- */

enum ipc_decode_status ipc_decode(const uint8_t *buf, size_t len, struct ipc_message *out,
                                  struct ipc_decode_error *err)
{
	struct ipc_decode_error scratch;
	if (err == NULL)
		err = &scratch;
	if (buf == NULL)
		len = 0;
	err->status = IPC_OK;
	err->message[0] = '\0';
	err->length = len;
	memset(out, 0, sizeof(*out));
	struct ipc_header h = {0}; /* check_frame fills it; zeroed for -O3, which cannot see that */
	if (!check_frame(buf, len, &h, err))
		return err->status;
	out->type = h.type;
	out->sequence = h.sequence;
	struct codec c = {.in = buf + IPC_HEADER_SIZE, .len = h.length};
	walk_payload(&c, out);
	if (c.overrun || c.off != c.len) { /* a size table out of step with a walker */
		fail(err, IPC_E_SIZE, "%s: payload layout mismatch", ipc_type_name(h.type));
		return err->status;
	}
	check_payload(out, err);
	return err->status;
}

/* ---- Encoding ---------------------------------------------------------------------- */

/* The payload size `msg` needs, or 0 when it has no valid size. */
static size_t payload_size(const struct ipc_message *msg)
{
	if (type_info(msg->type) == NULL)
		return 0;
	if (msg->type != IPC_LOG)
		return fixed_size(msg->type);
	if (msg->u.log.text_length > IPC_TEXT_MAX)
		return 0;
	return fixed_size(IPC_LOG) + msg->u.log.text_length;
}

size_t ipc_encode(const struct ipc_message *msg, uint8_t *buf, size_t cap)
{
	if (msg == NULL || buf == NULL)
		return 0;
	size_t payload = payload_size(msg);
	size_t total = IPC_HEADER_SIZE + payload;
	if (payload == 0 || total > cap || total > IPC_MAX_MESSAGE)
		return 0;
	/* The walker takes non-const pointers for both directions; it only
	 * reads when encoding, and it reads this copy. */
	struct ipc_message copy = *msg;
	struct codec c = {.out = buf, .len = total};
	uint32_t magic = IPC_MAGIC, length = (uint32_t)payload, sequence = msg->sequence;
	uint16_t version = IPC_VERSION, type = msg->type;
	u32(&c, &magic);
	u16(&c, &version);
	u16(&c, &type);
	u32(&c, &length);
	u32(&c, &sequence);
	walk_payload(&c, &copy);
	if (c.overrun || c.off != total)
		return 0;
	/* Refuse whatever the decoder would reject, by asking it. */
	struct ipc_message check;
	if (ipc_decode(buf, total, &check, NULL) != IPC_OK)
		return 0;
	return total;
}
