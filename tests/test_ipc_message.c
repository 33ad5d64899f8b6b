/*
 * test_ipc_message.c - the wire format: round trips, exact byte layout,
 * every decoder error with its message, and the encoder's refusals.
 */
#include "ipc/ipc.h"
#include "ipc_samples.h"
#include "seed_files.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

enum { VARIANTS = 4 };

/* Payload sizes from docs/ipc.md; log is 12 + text_length. */
static const size_t payload_sizes[IPC_TYPE_MAX + 1] = {
        [IPC_HELLO] = 16,   [IPC_CONFIG] = 495,  [IPC_READY] = 48, [IPC_PING] = 16,
        [IPC_PONG] = 240,   [IPC_STATUS] = 1216, [IPC_LOG] = 12,   [IPC_VIOLATION] = 96,
        [IPC_SHUTDOWN] = 8, [IPC_ERROR] = 140,   [IPC_SERVE] = 4,  [IPC_REPORT] = 888,
};

static size_t encode_sample(unsigned type, unsigned variant, uint32_t sequence, uint8_t *buf)
{
	struct ipc_message m;
	ipc_sample(type, sequence, variant, &m);
	size_t n = ipc_encode(&m, buf, IPC_MAX_MESSAGE);
	cr_assert_gt(n, 0, "the %s sample (variant %u) does not encode", ipc_type_name(type),
	             variant);
	return n;
}

/* Writes `value` little-endian over `size` bytes at `offset` in the payload. */
static void patch(uint8_t *buf, size_t offset, size_t size, uint64_t value)
{
	for (size_t i = 0; i < size; i++)
		buf[IPC_HEADER_SIZE + offset + i] = (uint8_t)(value >> (8 * i));
}

static uint64_t peek(const uint8_t *buf, size_t offset, size_t size)
{
	uint64_t v = 0;
	for (size_t i = 0; i < size; i++)
		v |= (uint64_t)buf[offset + i] << (8 * i);
	return v;
}

static void expect_error(const uint8_t *buf, size_t len, enum ipc_decode_status status,
                         const char *message)
{
	struct ipc_message m;
	struct ipc_decode_error err;
	enum ipc_decode_status got = ipc_decode(buf, len, &m, &err);
	cr_expect_eq(got, status, "expected status %d for \"%s\", got %d (\"%s\")", status, message,
	             got, err.message);
	cr_expect_eq(err.status, got);
	cr_expect_str_eq(err.message, message);
	cr_expect_eq(err.length, buf != NULL ? len : 0);
}

/* ---- Names and directions -------------------------------------------------- */

Test(ipc_message, names_and_directions)
{
	static const char *const names[] = {NULL,    "hello",  "config", "ready",     "ping",
	                                    "pong",  "status", "log",    "violation", "shutdown",
	                                    "error", "serve",  "report"};
	for (unsigned t = IPC_TYPE_MIN; t <= IPC_TYPE_MAX; t++)
		cr_expect_str_eq(ipc_type_name(t), names[t]);
	cr_expect_null(ipc_type_name(0));
	cr_expect_null(ipc_type_name(IPC_TYPE_MAX + 1));
	cr_expect_null(ipc_type_name(0xffffffffu));
	cr_expect_eq(ipc_type_direction(IPC_HELLO), IPC_TO_CHILD);
	cr_expect_eq(ipc_type_direction(IPC_CONFIG), IPC_TO_CHILD);
	cr_expect_eq(ipc_type_direction(IPC_READY), IPC_TO_PARENT);
	cr_expect_eq(ipc_type_direction(IPC_PING), IPC_TO_CHILD);
	cr_expect_eq(ipc_type_direction(IPC_PONG), IPC_TO_PARENT);
	cr_expect_eq(ipc_type_direction(IPC_STATUS), IPC_TO_CHILD);
	cr_expect_eq(ipc_type_direction(IPC_LOG), IPC_TO_CHILD);
	cr_expect_eq(ipc_type_direction(IPC_VIOLATION), IPC_TO_PARENT);
	cr_expect_eq(ipc_type_direction(IPC_SHUTDOWN), IPC_TO_CHILD);
	cr_expect_eq(ipc_type_direction(IPC_ERROR), IPC_EITHER);
	cr_expect_eq(ipc_type_direction(IPC_SERVE), IPC_TO_CHILD);
	cr_expect_eq(ipc_type_direction(IPC_REPORT), IPC_TO_CHILD);
	cr_expect_eq(ipc_type_direction(0), 0);
	cr_expect_eq(ipc_type_direction(13), 0);
}

/* ---- The field tables (fields.c) ------------------------------------------ */

/* The struct each table describes, in memory. */
static const size_t struct_sizes[IPC_TYPE_MAX + 1] = {
        [IPC_HELLO] = sizeof(struct ipc_hello),
        [IPC_CONFIG] = sizeof(struct ipc_config),
        [IPC_READY] = sizeof(struct ipc_ready),
        [IPC_PING] = sizeof(struct ipc_ping),
        [IPC_PONG] = sizeof(struct ipc_pong),
        [IPC_STATUS] = sizeof(struct ipc_status),
        [IPC_LOG] = offsetof(struct ipc_log, text), /* the text is not a row */
        [IPC_VIOLATION] = sizeof(struct ipc_violation),
        [IPC_SHUTDOWN] = sizeof(struct ipc_shutdown),
        [IPC_ERROR] = sizeof(struct ipc_error),
        [IPC_SERVE] = sizeof(struct ipc_serve),
        [IPC_REPORT] = sizeof(struct ipc_report),
};

static size_t align_up(size_t n, size_t alignment)
{
	return (n + alignment - 1) / alignment * alignment;
}

static size_t check_rows(const char *what, const struct ipc_fields *fields, size_t *alignment);

/* A member's alignment in memory. */
static size_t row_alignment(const char *what, const struct ipc_field *f)
{
	size_t alignment;
	switch (f->kind) {
	case IPC_FIELD_RECORD:
		cr_assert_not_null(f->record, "%s.%s", what, f->name);
		size_t end = check_rows(f->name, f->record, &alignment);
		cr_expect_eq(align_up(end, alignment), f->size,
		             "%s.%s: its rows do not cover its struct", what, f->name);
		return alignment;
	case IPC_FIELD_STRING:
	case IPC_FIELD_SECRET:
		return 1;
	case IPC_FIELD_SIGNED:
		cr_expect_eq(f->size, 4, "%s.%s: i32 is the only signed width", what, f->name);
		return f->size;
	default:
		cr_expect(f->size == 1 || f->size == 2 || f->size == 4 || f->size == 8,
		          "%s.%s: %zu bytes", what, f->name, f->size);
		return f->size;
	}
}

/* The rows cover their struct member after member, leaving out nothing
 * but padding: a member without a row would not travel. Returns the
 * end of the last row, and the struct's alignment. */
static size_t check_rows(const char *what, const struct ipc_fields *fields, size_t *alignment)
{
	size_t end = 0;
	*alignment = 1;
	for (size_t i = 0; i < fields->count; i++) {
		const struct ipc_field *f = &fields->field[i];
		size_t a = row_alignment(what, f);
		*alignment = a > *alignment ? a : *alignment;
		cr_expect_eq(f->offset, align_up(end, a),
		             "%s.%s at %zu: a member before it has no row", what, f->name,
		             f->offset);
		cr_expect(f->count >= 1 && (f->element_names == NULL || f->count > 1), "%s.%s",
		          what, f->name);
		if (f->counted_by != NULL) {
			struct ipc_field probe = *f;
			probe.count = 0;
			cr_expect(f->count > 1, "%s.%s", what, f->name);
			cr_expect_eq(ipc_field_used(fields, &probe, &(struct ipc_message){0}.u), 0,
			             "%s.%s: counted_by names no field", what, f->name);
		}
		end = f->offset + f->size * f->count;
	}
	return end;
}

Test(ipc_message, field_tables_cover_every_member)
{
	for (unsigned t = IPC_TYPE_MIN; t <= IPC_TYPE_MAX; t++) {
		const struct ipc_fields *fields = ipc_payload_fields(t);
		cr_assert_not_null(fields, "%s", ipc_type_name(t));
		size_t alignment;
		size_t end = check_rows(ipc_type_name(t), fields, &alignment);
		size_t whole = t == IPC_LOG ? end : align_up(end, alignment);
		cr_expect_eq(whole, struct_sizes[t], "%s: rows end at %zu, the struct at %zu",
		             ipc_type_name(t), end, struct_sizes[t]);
		cr_expect_eq(ipc_fields_size(fields), payload_sizes[t], "%s", ipc_type_name(t));
		size_t most = payload_sizes[t] + (t == IPC_LOG ? IPC_TEXT_MAX : 0);
		cr_expect_leq(most, IPC_MAX_PAYLOAD, "%s", ipc_type_name(t));
	}
	cr_expect_null(ipc_payload_fields(0));
	cr_expect_null(ipc_payload_fields(IPC_TYPE_MAX + 1));
}

/* A signed field reads back sign-extended; every width keeps its own bytes. */
Test(ipc_message, field_get_and_set)
{
	struct ipc_status s = {0};
	const struct ipc_fields *status = ipc_payload_fields(IPC_STATUS);
	const struct ipc_field *recent = &status->field[17];
	cr_assert_str_eq(recent->name, "recent");
	const struct ipc_field *code = &recent->record->field[3];
	cr_assert_str_eq(code->name, "code");
	ipc_field_set(code, &s.recent[2], 0, (uint64_t)-5);
	cr_expect_eq(s.recent[2].code, -5);
	cr_expect_eq((int64_t)ipc_field_get(code, &s.recent[2], 0), -5);
	s.recent_count = 3;
	cr_expect_eq(ipc_field_used(status, recent, &s), 3);
	s.recent_count = 99;
	cr_expect_eq(ipc_field_used(status, recent, &s), IPC_RECENT_RESTARTS);
	struct ipc_log l = {0};
	const struct ipc_fields *log = ipc_payload_fields(IPC_LOG);
	ipc_field_set(&log->field[2], &l, 0, 0x12345678);
	cr_expect_eq(l.text_length, 0x5678);
	cr_expect_eq(l.level, 0);
}

/* ---- Round trips ------------------------------------------------------------- */

Test(ipc_message, round_trip_every_type)
{
	for (unsigned t = IPC_TYPE_MIN; t <= IPC_TYPE_MAX; t++) {
		for (unsigned v = 0; v < VARIANTS; v++) {
			struct ipc_message in, out, again;
			uint8_t buf[IPC_MAX_MESSAGE], buf2[IPC_MAX_MESSAGE];
			ipc_sample(t, 1000 + v, v, &in);
			size_t n = ipc_encode(&in, buf, sizeof(buf));
			size_t want = IPC_HEADER_SIZE + payload_sizes[t] +
			              (t == IPC_LOG ? in.u.log.text_length : 0);
			cr_assert_eq(n, want, "%s v%u: %zu bytes, want %zu", ipc_type_name(t), v, n,
			             want);
			struct ipc_decode_error err;
			cr_assert_eq(ipc_decode(buf, n, &out, &err), IPC_OK, "%s v%u: %s",
			             ipc_type_name(t), v, err.message);
			cr_expect_eq(err.length, n);
			const char *why = NULL;
			cr_expect(ipc_messages_equal(&in, &out, &why), "%s v%u: %s differs",
			          ipc_type_name(t), v, why);
			/* The encoding is canonical: the decoded value encodes
			 * to the same bytes. */
			cr_assert_eq(ipc_encode(&out, buf2, sizeof(buf2)), n);
			cr_expect_eq(memcmp(buf, buf2, n), 0, "%s v%u re-encodes differently",
			             ipc_type_name(t), v);
			cr_assert_eq(ipc_decode(buf2, n, &again, NULL), IPC_OK);
			cr_expect(ipc_messages_equal(&out, &again, &why));
		}
	}
}

Test(ipc_message, extreme_values_round_trip)
{
	struct ipc_message in, out;
	uint8_t buf[IPC_MAX_MESSAGE];
	/* Lower bounds of every config range, empty strings, no token. */
	ipc_sample(IPC_CONFIG, UINT32_MAX, 1, &in);
	struct ipc_config *c = &in.u.config;
	*c = (struct ipc_config){1, 256, 16, 1, 1, 1, 1,  1024, 16,  1, 0,
	                         0, 0,   0,  0, 0, 0, "", "",   {0}, ""};
	size_t n = ipc_encode(&in, buf, sizeof(buf));
	cr_assert_gt(n, 0);
	cr_assert_eq(ipc_decode(buf, n, &out, NULL), IPC_OK);
	cr_expect(ipc_messages_equal(&in, &out, NULL));
	/* Upper bounds. */
	*c = (struct ipc_config){65536,       65536,
	                         65536,       600000,
	                         3600000,     600000,
	                         600000,      4194304,
	                         65536,       65536,
	                         IPC_LOG_MAX, IPC_LOG_FORMAT_MAX,
	                         IPC_LOG_MAX, IPC_NAMESPACES_REQUIRED,
	                         1,           IPC_TOKEN_MAX,
	                         1,           "",
	                         "",          {0},
	                         ""};
	memset(c->token, 0xff, sizeof(c->token));
	n = ipc_encode(&in, buf, sizeof(buf));
	cr_assert_gt(n, 0);
	cr_assert_eq(ipc_decode(buf, n, &out, NULL), IPC_OK);
	cr_expect(ipc_messages_equal(&in, &out, NULL));
	/* An empty log line and a status without restarts. */
	ipc_sample(IPC_LOG, 1, 1, &in);
	in.u.log.text_length = 0;
	cr_assert_eq(ipc_encode(&in, buf, sizeof(buf)), IPC_HEADER_SIZE + 12);
	cr_assert_eq(ipc_decode(buf, IPC_HEADER_SIZE + 12, &out, NULL), IPC_OK);
	cr_expect(ipc_messages_equal(&in, &out, NULL));
	ipc_sample(IPC_STATUS, 1, 0, &in);
	in.u.status.recent_count = 0;
	memset(in.u.status.recent, 0, sizeof(in.u.status.recent));
	n = ipc_encode(&in, buf, sizeof(buf));
	cr_assert_eq(ipc_decode(buf, n, &out, NULL), IPC_OK);
	cr_expect(ipc_messages_equal(&in, &out, NULL));
}

/* ---- Exact layout ------------------------------------------------------------- */

Test(ipc_message, golden_ping_bytes)
{
	struct ipc_message m = {.type = IPC_PING, .sequence = 0x01020304};
	m.u.ping.nonce = 0x1122334455667788ull;
	m.u.ping.sent_ns = 0x99aabbccddeeff00ull;
	static const uint8_t want[] = {
	        'W',  'R',  'D',  'N',  0x06, 0x00, 0x04, 0x00, 0x10, 0x00, 0x00,
	        0x00, 0x04, 0x03, 0x02, 0x01, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33,
	        0x22, 0x11, 0x00, 0xff, 0xee, 0xdd, 0xcc, 0xbb, 0xaa, 0x99,
	};
	uint8_t buf[IPC_MAX_MESSAGE];
	cr_assert_eq(ipc_encode(&m, buf, sizeof(buf)), sizeof(want));
	cr_expect_eq(memcmp(buf, want, sizeof(want)), 0);
}

Test(ipc_message, golden_log_bytes)
{
	struct ipc_message m = {.type = IPC_LOG, .sequence = 9};
	m.u.log.time_ns = 0x0807060504030201ull;
	m.u.log.level = IPC_LOG_WARNING;
	m.u.log.text_length = 3;
	m.u.log.flags = IPC_LOG_REPLAYED;
	memcpy(m.u.log.text, "h\xffi", 3);
	static const uint8_t want[] = {
	        'W',  'R',  'D',  'N',  0x06, 0x00, 0x07, 0x00, 0x0f, 0x00, 0x00,
	        0x00, 0x09, 0x00, 0x00, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06,
	        0x07, 0x08, 0x03, 0x03, 0x00, 0x01, 'h',  0xff, 'i',
	};
	uint8_t buf[IPC_MAX_MESSAGE];
	cr_assert_eq(ipc_encode(&m, buf, sizeof(buf)), sizeof(want));
	cr_expect_eq(memcmp(buf, want, sizeof(want)), 0);
}

/* Fields at the offsets docs/ipc.md gives (payload offsets). */
Test(ipc_message, field_offsets)
{
	uint8_t buf[IPC_MAX_MESSAGE];
	struct ipc_message m;
	const uint8_t *p = buf + IPC_HEADER_SIZE;

	ipc_sample(IPC_CONFIG, 1, 1, &m);
	encode_sample(IPC_CONFIG, 1, 1, buf);
	cr_expect_eq(peek(p, 8, 4), m.u.config.uri_max_bytes);
	cr_expect_eq(peek(p, 32, 4), m.u.config.log_ring_lines);
	cr_expect_eq(peek(p, 36, 4), m.u.config.max_connections_per_peer);
	cr_expect_eq(p[40], m.u.config.log_min_level);
	cr_expect_eq(p[41], m.u.config.log_format);
	cr_expect_eq(p[42], m.u.config.log_stderr_level);
	cr_expect_eq(p[45], m.u.config.token_length);
	cr_expect_eq(p[46], m.u.config.test_mode);
	cr_expect_eq(memcmp(p + 47, m.u.config.user, 32), 0);
	cr_expect_eq(memcmp(p + 79, m.u.config.group, 32), 0);
	cr_expect_eq(memcmp(p + 111, m.u.config.token, 128), 0);
	cr_expect_eq(memcmp(p + 239, m.u.config.hosts, 256), 0);

	ipc_sample(IPC_READY, 1, 0, &m);
	encode_sample(IPC_READY, 0, 1, buf);
	cr_expect_eq(peek(p, 8, 4), m.u.ready.sandbox);
	cr_expect_eq(peek(p, 24, 8), m.u.ready.boot_ns);

	ipc_sample(IPC_PONG, 1, 0, &m);
	encode_sample(IPC_PONG, 0, 1, buf);
	cr_expect_eq(peek(p, 24, 8), m.u.pong.counters.connections_open);
	cr_expect_eq(peek(p, 48 + 4 * 8, 8), m.u.pong.counters.responses[4]);
	cr_expect_eq(peek(p, 128, 8), m.u.pong.counters.memory_reserved);

	ipc_sample(IPC_STATUS, 1, 0, &m);
	encode_sample(IPC_STATUS, 0, 1, buf);
	cr_expect_eq(peek(p, 12, 4), m.u.status.restarts);
	cr_expect_eq(peek(p, 16, 4), m.u.status.violations);
	cr_expect_eq(peek(p, 20, 4), m.u.status.attested);
	cr_expect_eq(peek(p, 24, 4), m.u.status.standby_state);
	cr_expect_eq(peek(p, 28, 4), m.u.status.standby_pid);
	cr_expect_eq(peek(p, 32, 4), m.u.status.standby_generation);
	cr_expect_eq(peek(p, 36, 4), m.u.status.failovers);
	cr_expect_eq(peek(p, 40, 8), m.u.status.parent_start_ns);
	cr_expect_eq(peek(p, 80, 8), m.u.status.ipc_bytes_out);
	cr_expect_eq(peek(p, 88, 4), m.u.status.recent_count);
	cr_expect_eq(peek(p, 92 + 88 + 8, 4), m.u.status.recent[1].generation);
	cr_expect_eq((int32_t)peek(p, 92 + 88 + 16, 4), m.u.status.recent[1].code);
	cr_expect_eq(memcmp(p + 92 + 7 * 88 + 24, m.u.status.recent[7].detail, 64), 0);

	ipc_sample(IPC_VIOLATION, 1, 0, &m);
	encode_sample(IPC_VIOLATION, 0, 1, buf);
	cr_expect_eq(peek(p, 8 + 5 * 8, 8), m.u.violation.args[5]);
	cr_expect_eq(peek(p, 56, 8), m.u.violation.ip);
	cr_expect_eq(memcmp(p + 64, m.u.violation.name, 32), 0);

	ipc_sample(IPC_ERROR, 1, 2, &m);
	encode_sample(IPC_ERROR, 2, 1, buf);
	cr_expect_eq(peek(p, 4, 4), m.u.error.code);
	cr_expect_eq(memcmp(p + 12, m.u.error.message, 128), 0);
}

/* ---- Frame errors -------------------------------------------------------------- */

Test(ipc_message, short_messages)
{
	uint8_t buf[IPC_MAX_MESSAGE];
	encode_sample(IPC_PING, 0, 1, buf);
	expect_error(buf, 0, IPC_E_SHORT, "message: 0 bytes, shorter than the 16-byte header");
	expect_error(buf, 15, IPC_E_SHORT, "message: 15 bytes, shorter than the 16-byte header");
	expect_error(NULL, 5, IPC_E_SHORT, "message: 0 bytes, shorter than the 16-byte header");
}

Test(ipc_message, bad_magic_version_type)
{
	uint8_t buf[IPC_MAX_MESSAGE];
	size_t n = encode_sample(IPC_PING, 0, 1, buf);
	buf[3] = 'X';
	expect_error(buf, n, IPC_E_MAGIC, "header: magic 0x58445257, not 0x4e445257");
	buf[3] = 'N';
	buf[4] = 7;
	expect_error(buf, n, IPC_E_VERSION, "header: version 7, only 6 is supported");
	buf[4] = 5; /* before status carried the counters of ended generations and the trace */
	expect_error(buf, n, IPC_E_VERSION, "header: version 5, only 6 is supported");
	buf[4] = 4; /* before ready carried the filter's bindings, report, and status the standby */
	expect_error(buf, n, IPC_E_VERSION, "header: version 4, only 6 is supported");
	buf[4] = 3; /* before the config message carried the Host names */
	expect_error(buf, n, IPC_E_VERSION, "header: version 3, only 6 is supported");
	buf[4] = 2; /* before the config message said the log's form */
	expect_error(buf, n, IPC_E_VERSION, "header: version 2, only 6 is supported");
	buf[4] = 1; /* before the status message carried violations */
	expect_error(buf, n, IPC_E_VERSION, "header: version 1, only 6 is supported");
	buf[4] = 0;
	expect_error(buf, n, IPC_E_VERSION, "header: version 0, only 6 is supported");
	buf[4] = IPC_VERSION;
	buf[6] = 0;
	expect_error(buf, n, IPC_E_TYPE, "header: unknown type 0");
	buf[6] = 13;
	expect_error(buf, n, IPC_E_TYPE, "header: unknown type 13");
	buf[6] = 0xff;
	buf[7] = 0xff;
	expect_error(buf, n, IPC_E_TYPE, "header: unknown type 65535");
	buf[6] = IPC_PING;
	buf[7] = 0;
	cr_expect_eq(ipc_decode(buf, n, &(struct ipc_message){0}, NULL), IPC_OK);
}

Test(ipc_message, header_length_disagrees)
{
	uint8_t buf[IPC_MAX_MESSAGE];
	size_t n = encode_sample(IPC_PING, 0, 1, buf);
	expect_error(buf, n - 1, IPC_E_LENGTH,
	             "ping: header length 16, but 15 payload bytes follow");
	expect_error(buf, n + 1, IPC_E_LENGTH,
	             "ping: header length 16, but 17 payload bytes follow");
	buf[8] = 0xff;
	buf[9] = 0xff;
	buf[10] = 0xff;
	buf[11] = 0xff;
	expect_error(buf, n, IPC_E_LENGTH,
	             "ping: header length 4294967295, but 16 payload bytes follow");
}

Test(ipc_message, payload_size_wrong_for_type)
{
	uint8_t buf[IPC_MAX_MESSAGE] = {0};
	size_t n = encode_sample(IPC_PING, 0, 1, buf);
	buf[8] = 17; /* header length 17, and 17 bytes follow */
	expect_error(buf, n + 1, IPC_E_SIZE, "ping: payload of 17 bytes, not 16");
	n = encode_sample(IPC_CONFIG, 0, 1, buf);
	buf[8] = (uint8_t)(494 & 0xff);
	buf[9] = (uint8_t)(494 >> 8);
	expect_error(buf, n - 1, IPC_E_SIZE, "config: payload of 494 bytes, not 495");
	n = encode_sample(IPC_SHUTDOWN, 0, 1, buf);
	buf[8] = 0;
	expect_error(buf, IPC_HEADER_SIZE, IPC_E_SIZE, "shutdown: payload of 0 bytes, not 8");
}

Test(ipc_message, log_sizes)
{
	uint8_t buf[IPC_MAX_MESSAGE] = {0};
	struct ipc_message m;
	ipc_sample(IPC_LOG, 1, 1, &m);
	m.u.log.text_length = 5;
	memcpy(m.u.log.text, "hello", 5);
	size_t n = ipc_encode(&m, buf, sizeof(buf));
	cr_assert_eq(n, IPC_HEADER_SIZE + 17);
	/* Fewer bytes than the fixed part. */
	buf[8] = 11;
	expect_error(buf, IPC_HEADER_SIZE + 11, IPC_E_SIZE,
	             "log: payload of 11 bytes, shorter than the 12 fixed bytes");
	/* text_length disagrees with the payload. */
	buf[8] = 17;
	patch(buf, 9, 2, 6);
	expect_error(buf, n, IPC_E_SIZE, "log: payload of 17 bytes, but text_length 6 needs 18");
	patch(buf, 9, 2, 4);
	expect_error(buf, n, IPC_E_SIZE, "log: payload of 17 bytes, but text_length 4 needs 16");
	/* text_length beyond its maximum. */
	patch(buf, 9, 2, IPC_TEXT_MAX + 1);
	expect_error(buf, n, IPC_E_RANGE, "log: text_length 1025 not in 0..1024");
	patch(buf, 9, 2, 0xffff);
	expect_error(buf, n, IPC_E_RANGE, "log: text_length 65535 not in 0..1024");
}

Test(ipc_message, oversize)
{
	uint8_t buf[IPC_MAX_MESSAGE + 100] = {0};
	encode_sample(IPC_PING, 0, 1, buf);
	expect_error(buf, IPC_MAX_MESSAGE + 1, IPC_E_OVERSIZE,
	             "ping: 2049 bytes, more than the maximum 2048");
	buf[0] = 0;
	expect_error(buf, IPC_MAX_MESSAGE + 100, IPC_E_OVERSIZE,
	             "message: 2148 bytes, more than the maximum 2048");
	/* Exactly the maximum is not oversize: it fails on its length. */
	encode_sample(IPC_PING, 0, 1, buf);
	expect_error(buf, IPC_MAX_MESSAGE, IPC_E_LENGTH,
	             "ping: header length 16, but 2032 payload bytes follow");
}

/* ---- Strings -------------------------------------------------------------------- */

struct string_case {
	unsigned type, variant;
	size_t offset, size; /* of the array in the payload */
	const char *unterminated, *trailing;
};

static const struct string_case string_cases[] = {
        {IPC_CONFIG, 1, 47, 32, "config: user not terminated within its 32 bytes",
         "config: user has non-zero bytes after its terminator"},
        {IPC_CONFIG, 1, 79, 32, "config: group not terminated within its 32 bytes",
         "config: group has non-zero bytes after its terminator"},
        {IPC_CONFIG, 1, 239, 256, "config: hosts not terminated within its 256 bytes",
         "config: hosts has non-zero bytes after its terminator"},
        {IPC_STATUS, 0, 92 + 2 * 88 + 24, 64,
         "status: recent[2].detail not terminated within its 64 bytes",
         "status: recent[2].detail has non-zero bytes after its terminator"},
        {IPC_VIOLATION, 1, 64, 32, "violation: name not terminated within its 32 bytes",
         "violation: name has non-zero bytes after its terminator"},
        {IPC_ERROR, 1, 12, 128, "error: message not terminated within its 128 bytes",
         "error: message has non-zero bytes after its terminator"},
};

Test(ipc_message, strings_terminated_and_zero_padded)
{
	for (size_t i = 0; i < sizeof(string_cases) / sizeof(string_cases[0]); i++) {
		const struct string_case *c = &string_cases[i];
		uint8_t buf[IPC_MAX_MESSAGE];
		size_t n = encode_sample(c->type, c->variant, 1, buf);
		uint8_t *s = buf + IPC_HEADER_SIZE + c->offset;
		/* Full-length strings are fine; one byte more is not. */
		memset(s, 'x', c->size - 1);
		s[c->size - 1] = 0;
		cr_expect_eq(ipc_decode(buf, n, &(struct ipc_message){0}, NULL), IPC_OK, "%s",
		             c->unterminated);
		s[c->size - 1] = 'x';
		expect_error(buf, n, IPC_E_STRING, c->unterminated);
		/* A short string with garbage after its NUL. */
		memset(s, 0, c->size);
		s[0] = 'a';
		s[c->size - 1] = 'z';
		expect_error(buf, n, IPC_E_STRING, c->trailing);
		/* The empty string. */
		s[c->size - 1] = 0;
		s[0] = 0;
		cr_expect_eq(ipc_decode(buf, n, &(struct ipc_message){0}, NULL), IPC_OK);
	}
}

Test(ipc_message, log_text_without_nul)
{
	uint8_t buf[IPC_MAX_MESSAGE];
	size_t n = encode_sample(IPC_LOG, 0, 1, buf);
	buf[IPC_HEADER_SIZE + 12 + 700] = 0;
	expect_error(buf, n, IPC_E_STRING, "log: text has a NUL at byte 700");
	buf[IPC_HEADER_SIZE + 12 + 700] = '\n';
	cr_expect_eq(ipc_decode(buf, n, &(struct ipc_message){0}, NULL), IPC_OK);
}

/* ---- Ranges --------------------------------------------------------------------- */

struct range_case {
	unsigned type, variant;
	size_t offset, size;
	uint64_t value;
	const char *message; /* NULL: the value is valid */
};

static const struct range_case range_cases[] = {
        /* hello */
        {IPC_HELLO, 0, 0, 4, 0, "hello: generation 0 not in 1..4294967295"},
        {IPC_HELLO, 0, 0, 4, 1, NULL},
        /* config limits: each bound, just inside and just outside */
        {IPC_CONFIG, 1, 0, 4, 0, "config: max_connections 0 not in 1..65536"},
        {IPC_CONFIG, 1, 0, 4, 65537, "config: max_connections 65537 not in 1..65536"},
        {IPC_CONFIG, 1, 4, 4, 255, "config: header_max_bytes 255 not in 256..65536"},
        {IPC_CONFIG, 1, 4, 4, 65537, "config: header_max_bytes 65537 not in 256..65536"},
        {IPC_CONFIG, 1, 8, 4, 15, "config: uri_max_bytes 15 not in 16..8193"},
        {IPC_CONFIG, 1, 8, 4, 8193, NULL},
        {IPC_CONFIG, 1, 8, 4, 8194, "config: uri_max_bytes 8194 not in 16..8193"},
        {IPC_CONFIG, 1, 12, 4, 0, "config: header_timeout_ms 0 not in 1..600000"},
        {IPC_CONFIG, 1, 12, 4, 600001, "config: header_timeout_ms 600001 not in 1..600000"},
        {IPC_CONFIG, 1, 16, 4, 0, "config: idle_timeout_ms 0 not in 1..3600000"},
        {IPC_CONFIG, 1, 16, 4, 3600001, "config: idle_timeout_ms 3600001 not in 1..3600000"},
        {IPC_CONFIG, 1, 20, 4, 0, "config: send_timeout_ms 0 not in 1..600000"},
        {IPC_CONFIG, 1, 20, 4, 600001, "config: send_timeout_ms 600001 not in 1..600000"},
        {IPC_CONFIG, 1, 24, 4, 0, "config: heartbeat_interval_ms 0 not in 1..600000"},
        {IPC_CONFIG, 1, 24, 4, 600001, "config: heartbeat_interval_ms 600001 not in 1..600000"},
        {IPC_CONFIG, 1, 28, 4, 1023, "config: memory_reserve_kib 1023 not in 1024..4194304"},
        {IPC_CONFIG, 1, 28, 4, 4194305, "config: memory_reserve_kib 4194305 not in 1024..4194304"},
        {IPC_CONFIG, 1, 32, 4, 15, "config: log_ring_lines 15 not in 16..65536"},
        {IPC_CONFIG, 1, 32, 4, 65537, "config: log_ring_lines 65537 not in 16..65536"},
        {IPC_CONFIG, 1, 36, 4, 0, "config: max_connections_per_peer 0 not in 1..65535"},
        {IPC_CONFIG, 1, 36, 4, 65535, NULL},
        {IPC_CONFIG, 1, 36, 4, 65536, "config: max_connections_per_peer 65536 not in 1..65535"},
        {IPC_CONFIG, 1, 40, 1, 6, "config: log_min_level 6 not in 0..5"},
        {IPC_CONFIG, 1, 41, 1, 2, "config: log_format 2 not in 0..1"},
        {IPC_CONFIG, 1, 42, 1, 6, "config: log_stderr_level 6 not in 0..5"},
        {IPC_CONFIG, 1, 43, 1, 3, "config: namespaces 3 not in 0..2"},
        {IPC_CONFIG, 1, 44, 1, 3, NULL},
        {IPC_CONFIG, 1, 44, 1, 4, "config: deny_action 4 not in 0..3"},
        {IPC_CONFIG, 1, 45, 1, 129, "config: token_length 129 not in 0..128"},
        {IPC_CONFIG, 1, 45, 1, 255, "config: token_length 255 not in 0..128"},
        {IPC_CONFIG, 1, 46, 1, 2, "config: test_mode 2 not in 0..1"},
        {IPC_CONFIG, 1, 111 + 127, 1, 1, "config: token has non-zero bytes beyond token_length 8"},
        {IPC_CONFIG, 1, 111 + 8, 1, 1, "config: token has non-zero bytes beyond token_length 8"},
        {IPC_CONFIG, 1, 111 + 7, 1, 0, NULL}, /* a token byte may be anything */
        /* hosts: "localhost [::1] host1.example" */
        {IPC_CONFIG, 1, 239 + 9, 1, '/', "config: hosts has a byte 0x2f at 9"},
        {IPC_CONFIG, 1, 239 + 0, 1, ' ', "config: hosts has a byte 0x20 at 0"},
        {IPC_CONFIG, 1, 239 + 10, 1, ' ', "config: hosts has a byte 0x20 at 10"},
        {IPC_CONFIG, 1, 239 + 9, 1, '.', NULL},
        /* ready */
        {IPC_READY, 0, 4, 4, 0, "ready: generation 0 not in 1..4294967295"},
        {IPC_READY, 0, 8, 4, IPC_SANDBOX_ALL + 1, "ready: sandbox 0x800 has unknown flags 0x800"},
        {IPC_READY, 0, 8, 4, 0x80000001u, "ready: sandbox 0x80000001 has unknown flags 0x80000000"},
        {IPC_READY, 0, 8, 4, 0, NULL},
        /* pong counters */
        {IPC_PONG, 1, 16, 8, 999, "pong: connections_open 1001 not in 0..999"},
        {IPC_PONG, 1, 128, 8, 12345678, "pong: memory_used 12345679 not in 0..12345678"},
        {IPC_PONG, 1, 128, 8, 12345679, NULL},
        /* status */
        {IPC_STATUS, 1, 0, 4, 0, "status: generation 0 not in 1..4294967295"},
        {IPC_STATUS, 1, 8, 4, 0, "status: state 0 not in 1..4"},
        {IPC_STATUS, 1, 8, 4, 5, "status: state 5 not in 1..4"},
        {IPC_STATUS, 1, 20, 4, IPC_SANDBOX_ALL + 1,
         "status: attested 0x800 has unknown flags 0x800"},
        {IPC_STATUS, 1, 20, 4, IPC_SANDBOX_ALL, NULL},
        {IPC_STATUS, 1, 24, 4, 5, "status: standby_state 5 not in 0..4"},
        {IPC_STATUS, 1, 24, 4, IPC_STANDBY_HELD, NULL},
        {IPC_STATUS, 0, 88, 4, 9, "status: recent_count 9 not in 0..8"},
        {IPC_STATUS, 1, 796 + 8, 8, 1, "status: carried.connections_open 1 not in 0..0"},
        {IPC_STATUS, 1, 796 + 13 * 8, 8, 1, "status: carried.memory_used 1 not in 0..0"},
        {IPC_STATUS, 1, 796 + 14 * 8, 8, 1, "status: carried.memory_reserved 1 not in 0..0"},
        {IPC_STATUS, 0, 88, 4, 0xffffffffu, "status: recent_count 4294967295 not in 0..8"},
        {IPC_STATUS, 0, 88, 4, 2, "status: recent[2] is beyond recent_count 2 but not zero"},
        {IPC_STATUS, 0, 92 + 3 * 88 + 8, 4, 0,
         "status: recent[3].generation 0 not in 1..4294967295"},
        {IPC_STATUS, 0, 92 + 5 * 88 + 12, 4, 9, "status: recent[5].reason 9 not in 0..8"},
        {IPC_STATUS, 1, 92 + 7 * 88 + 16, 4, 1,
         "status: recent[7] is beyond recent_count 1 but not zero"},
        {IPC_STATUS, 1, 92 + 7 * 88 + 87, 1, 1,
         "status: recent[7] is beyond recent_count 1 but not zero"},
        /* log */
        {IPC_LOG, 1, 8, 1, 6, "log: level 6 not in 0..5"},
        {IPC_LOG, 1, 8, 1, 0xff, "log: level 255 not in 0..5"},
        {IPC_LOG, 1, 11, 1, 2, "log: flags 2 not in 0..1"},
        /* shutdown */
        {IPC_SHUTDOWN, 0, 0, 4, 3600001, "shutdown: grace_ms 3600001 not in 0..3600000"},
        {IPC_SHUTDOWN, 0, 0, 4, 0, NULL},
        {IPC_SHUTDOWN, 0, 4, 4, 0, "shutdown: reason 0 not in 1..2"},
        {IPC_SHUTDOWN, 0, 4, 4, 3, "shutdown: reason 3 not in 1..2"},
        /* error */
        {IPC_ERROR, 0, 0, 4, 2, "error: error_version 2 not in 1..1"},
        {IPC_ERROR, 0, 0, 4, 0, "error: error_version 0 not in 1..1"},
        {IPC_ERROR, 0, 4, 4, 0, "error: code 0 not in 1..13"},
        {IPC_ERROR, 0, 4, 4, 14, "error: code 14 not in 1..13"},
        {IPC_ERROR, 0, 8, 4, 0, NULL}, /* sequence 0: unknown */
        /* serve */
        {IPC_SERVE, 0, 0, 4, 0x800, "serve: attested 0x800 has unknown flags 0x800"},
        {IPC_SERVE, 0, 0, 4, 0x7ff, NULL},
        {IPC_SERVE, 0, 0, 4, 0, NULL},
};

Test(ipc_message, values_out_of_range)
{
	for (size_t i = 0; i < sizeof(range_cases) / sizeof(range_cases[0]); i++) {
		const struct range_case *c = &range_cases[i];
		uint8_t buf[IPC_MAX_MESSAGE];
		size_t n = encode_sample(c->type, c->variant, 1, buf);
		patch(buf, c->offset, c->size, c->value);
		if (c->message == NULL)
			cr_expect_eq(ipc_decode(buf, n, &(struct ipc_message){0}, NULL), IPC_OK,
			             "case %zu: %s at %zu = %llu should be valid", i,
			             ipc_type_name(c->type), c->offset,
			             (unsigned long long)c->value);
		else
			expect_error(buf, n, IPC_E_RANGE, c->message);
	}
}

/* Checks run in a fixed order: the first problem is the one reported. */
Test(ipc_message, first_problem_reported)
{
	uint8_t buf[IPC_MAX_MESSAGE];
	size_t n = encode_sample(IPC_CONFIG, 1, 1, buf);
	patch(buf, 0, 4, 0);         /* max_connections out of range */
	patch(buf, 47 + 31, 1, 'x'); /* and user unterminated */
	buf[IPC_HEADER_SIZE + 47] = 'x';
	memset(buf + IPC_HEADER_SIZE + 47, 'x', 32);
	expect_error(buf, n, IPC_E_STRING, "config: user not terminated within its 32 bytes");
	buf[0] = 0; /* and a bad magic: the frame comes first */
	expect_error(buf, n, IPC_E_MAGIC, "header: magic 0x4e445200, not 0x4e445257");
}

/* ---- The encoder refuses what the decoder rejects ------------------------------------- */

Test(ipc_message, encoder_refusals)
{
	uint8_t buf[IPC_MAX_MESSAGE + 1];
	struct ipc_message m;

	ipc_sample(IPC_CONFIG, 1, 1, &m);
	m.u.config.uri_max_bytes = m.u.config.header_max_bytes + 1;
	cr_expect_eq(ipc_encode(&m, buf, sizeof(buf)), 0);
	ipc_sample(IPC_CONFIG, 1, 1, &m);
	memset(m.u.config.user, 'u', sizeof(m.u.config.user));
	cr_expect_eq(ipc_encode(&m, buf, sizeof(buf)), 0, "unterminated user");
	ipc_sample(IPC_CONFIG, 1, 1, &m);
	m.u.config.group[30] = 'g'; /* stale bytes after the NUL */
	cr_expect_eq(ipc_encode(&m, buf, sizeof(buf)), 0, "garbage after the NUL");
	ipc_sample(IPC_CONFIG, 1, 1, &m);
	m.u.config.token[m.u.config.token_length] = 1;
	cr_expect_eq(ipc_encode(&m, buf, sizeof(buf)), 0, "token beyond its length");

	ipc_sample(IPC_LOG, 1, 1, &m);
	m.u.log.text_length = IPC_TEXT_MAX + 1;
	cr_expect_eq(ipc_encode(&m, buf, sizeof(buf)), 0, "text_length too long");
	ipc_sample(IPC_LOG, 1, 1, &m);
	m.u.log.text[0] = '\0';
	cr_expect_eq(ipc_encode(&m, buf, sizeof(buf)), 0, "NUL in the log text");
	ipc_sample(IPC_LOG, 1, 1, &m);
	m.u.log.text[m.u.log.text_length] = '\0'; /* beyond the length: not sent, fine */
	cr_expect_gt(ipc_encode(&m, buf, sizeof(buf)), 0);

	ipc_sample(IPC_STATUS, 1, 1, &m);
	m.u.status.recent[IPC_RECENT_RESTARTS - 1].code = 1; /* beyond recent_count */
	cr_expect_eq(ipc_encode(&m, buf, sizeof(buf)), 0, "stale restart entry");
	ipc_sample(IPC_READY, 1, 1, &m);
	m.u.ready.generation = 0;
	cr_expect_eq(ipc_encode(&m, buf, sizeof(buf)), 0, "generation 0");
	ipc_sample(IPC_ERROR, 1, 1, &m);
	m.u.error.code = IPC_OK;
	cr_expect_eq(ipc_encode(&m, buf, sizeof(buf)), 0, "error code 0");
	ipc_sample(IPC_SHUTDOWN, 1, 1, &m);
	m.u.shutdown.reason = 0;
	cr_expect_eq(ipc_encode(&m, buf, sizeof(buf)), 0, "shutdown reason 0");

	memset(&m, 0, sizeof(m));
	m.type = 0;
	cr_expect_eq(ipc_encode(&m, buf, sizeof(buf)), 0, "type 0");
	m.type = IPC_TYPE_MAX + 1;
	cr_expect_eq(ipc_encode(&m, buf, sizeof(buf)), 0, "type 12");
	m.type = IPC_PING; /* zeros are a valid ping */
	cr_expect_eq(ipc_encode(&m, buf, sizeof(buf)), 32);
	cr_expect_eq(ipc_encode(NULL, buf, sizeof(buf)), 0);
	cr_expect_eq(ipc_encode(&m, NULL, sizeof(buf)), 0);
}

Test(ipc_message, encoder_needs_room)
{
	uint8_t buf[IPC_MAX_MESSAGE];
	struct ipc_message m;
	ipc_sample(IPC_STATUS, 1, 0, &m);
	cr_expect_eq(ipc_encode(&m, buf, IPC_HEADER_SIZE + 1216 - 1), 0);
	cr_expect_eq(ipc_encode(&m, buf, IPC_HEADER_SIZE + 1216), IPC_HEADER_SIZE + 1216);
	cr_expect_eq(ipc_encode(&m, buf, 0), 0);
	/* Nothing is written past the capacity it was given. */
	memset(buf, 0xaa, sizeof(buf));
	ipc_sample(IPC_LOG, 1, 0, &m);
	cr_expect_eq(ipc_encode(&m, buf, 100), 0);
	for (size_t i = 100; i < sizeof(buf); i++)
		cr_assert_eq(buf[i], 0xaa, "byte %zu written", i);
}

/* ---- Hostile input --------------------------------------------------------------------- */

/* What decodes re-encodes to the very same bytes; what does not says why. */
static void judge(const uint8_t *buf, size_t n, unsigned counts[IPC_E_IO + 1])
{
	struct ipc_message m;
	struct ipc_decode_error err;
	enum ipc_decode_status s = ipc_decode(buf, n, &m, &err);
	cr_assert(s >= IPC_OK && s <= IPC_E_RANGE, "status %d", s);
	counts[s]++;
	if (s != IPC_OK) {
		cr_assert_gt(strlen(err.message), 0, "status %d without a message", s);
		return;
	}
	uint8_t again[IPC_MAX_MESSAGE];
	cr_assert_eq(ipc_encode(&m, again, sizeof(again)), n);
	cr_assert_eq(memcmp(again, buf, n), 0);
}

Test(ipc_message, random_bytes)
{
	struct sample_rng r = {0x9e3779b97f4a7c15ull};
	unsigned counts[IPC_E_IO + 1] = {0};
	uint8_t buf[IPC_MAX_MESSAGE + 64] = {0};
	for (int i = 0; i < 20000; i++) {
		size_t n = sample_rng_next(&r) % sizeof(buf);
		for (size_t j = 0; j < n; j++)
			buf[j] = (uint8_t)sample_rng_next(&r);
		if (i % 2) { /* a plausible header, so the payload checks run too */
			unsigned type = 1 + sample_rng_next(&r) % IPC_TYPE_MAX;
			n = IPC_HEADER_SIZE +
			    (sample_rng_next(&r) % 2 ? payload_sizes[type] : n % 200);
			memcpy(buf, "WRDN", 4);
			buf[4] = IPC_VERSION;
			buf[5] = 0;
			buf[6] = (uint8_t)type;
			buf[7] = 0;
			uint32_t len = (uint32_t)(n - IPC_HEADER_SIZE);
			for (int k = 0; k < 4; k++)
				buf[8 + k] = (uint8_t)(len >> (8 * k));
		}
		judge(buf, n, counts);
	}
	cr_expect_gt(counts[IPC_E_MAGIC], 0);
	cr_expect_gt(counts[IPC_E_SIZE], 0);
}

/* Every single-byte change of every sample type: decodes canonically or is
 * rejected with a reason. */
Test(ipc_message, every_byte_mutated)
{
	unsigned counts[IPC_E_IO + 1] = {0};
	for (unsigned t = IPC_TYPE_MIN; t <= IPC_TYPE_MAX; t++) {
		uint8_t buf[IPC_MAX_MESSAGE];
		size_t n = encode_sample(t, 1, 1, buf);
		for (size_t i = 0; i < n; i++) {
			static const uint8_t values[] = {0x00, 0x01, 0x7f, 0x80, 0xff};
			uint8_t saved = buf[i];
			for (size_t k = 0; k < sizeof(values); k++) {
				buf[i] = values[k];
				judge(buf, n, counts);
			}
			buf[i] = saved;
		}
	}
	cr_expect_gt(counts[IPC_OK], 0);
	for (int s = IPC_E_MAGIC; s <= IPC_E_RANGE; s++)
		if (s != IPC_E_OVERSIZE && s != IPC_E_SHORT)
			cr_expect_gt(counts[s], 0, "no mutation gave status %d", s);
}

/* The decoder's fuzz seeds are these samples as the current code encodes
 * them, two of every type (seed_files.h). */
Test(ipc_message, fuzz_seeds_are_the_samples)
{
	for (unsigned type = IPC_TYPE_MIN; type <= IPC_TYPE_MAX; type++)
		for (unsigned v = 0; v < 2; v++) {
			uint8_t buf[IPC_MAX_MESSAGE];
			size_t n = encode_sample(type, v, v + 1, buf);
			char name[64], why[700];
			snprintf(name, sizeof(name), "%s-%u.bin", ipc_type_name(type), v);
			cr_expect(seed_file_matches("fuzz_ipc_decode", name, buf, n, why,
			                            sizeof(why)),
			          "%s", why);
		}
}
