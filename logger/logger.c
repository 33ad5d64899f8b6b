/*
 * logger.c - see logger.h.
 *
 * One record goes through four steps, each below in its own section:
 * format the line into the logger's line buffer (timestamp, level, origin,
 * escaped message), copy it into the ring, write it to the descriptors
 * (in JSON, json_line.c's form of it), then report log file failures or
 * recovery with records of their own.
 *
 * Everything the logging path touches was allocated by logger_create; the
 * only system calls it makes are write(2) and fsync(2) (clock_gettime is
 * served by the vDSO), because after lockdown the child's seccomp filter
 * kills it for anything else.
 */
#include "logger.h"
#include "json_line.h"
#include "common/clock.h"
#include "common/io.h"
#include "common/utf8.h"
#include "common/decimal.h"

#include <errno.h>
#include <stdalign.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum {
	TIMESTAMP_LEN = 27, /* 2026-11-28T15:46:01.123456Z */
	MARKER_LEN = sizeof(LOGGER_TRUNCATED_MARKER) - 1,
	/* Longest prefix: timestamp, "WARNING", "child[4294967295]", spaces. */
	PREFIX_MAX = TIMESTAMP_LEN + 1 + 7 + 1 + 17 + 1,
	/* Room for the escaped message: the line without its newline. */
	TEXT_MAX = LOGGER_LINE_MAX - 1,
	ESCAPE_UNIT_MAX = 8, /* "\xc2\x9b": one escaped C1 control */
};
/* Even the longest prefix leaves room for the marker and some text. */
_Static_assert(PREFIX_MAX + MARKER_LEN + 64 < TEXT_MAX, "LOGGER_LINE_MAX too small");
_Static_assert(LOGGER_LINE_MAX <= UINT16_MAX, "ring entries store lengths in 16 bits");

#define NS_PER_SEC  1000000000ull
#define NS_PER_DAY  (86400ull * NS_PER_SEC)
#define NOTE_PERIOD ((uint64_t)LOGGER_ERROR_NOTE_SECONDS * NS_PER_SEC)

/* One line in the ring. Its text sits at logical byte position `pos` of an
 * endless stream that the byte buffer holds the last `size` bytes of. */
struct ring_entry {
	uint64_t seq;
	uint64_t pos;
	uint64_t time_ns;
	uint32_t generation;
	uint16_t length;         /* without the newline */
	uint16_t message_offset; /* where the message starts in the line */
	uint8_t level;
	bool from_parent;
	bool access;
	bool truncated;
};

struct ring {
	struct ring_entry *entries; /* `lines` of them, seq % lines */
	size_t lines;
	char *bytes; /* `size` bytes */
	size_t size;
	uint64_t first_seq; /* oldest line held; == next_seq when empty */
	uint64_t next_seq;  /* given to the next record; starts at 1 */
	uint64_t end;       /* logical position after the newest line */
};

/* One output descriptor. */
struct sink {
	int fd;
	/* A failed write left part of a line without its newline: the next
	 * write starts with one, so that a line is never glued to a fragment. */
	bool broken;
};

struct logger {
	struct logger_allocator allocator;
	struct sink log, err;
	uint32_t generation;
	enum ipc_log_level min_level, stderr_level;
	enum ipc_log_format format;
	struct ring ring;
	struct logger_stats stats;
	/* Failure reporting (section "Reporting failures"). */
	bool reporting;                /* a note is being logged: no notes about it */
	bool log_ok;                   /* the latest log file write was whole */
	bool noted;                    /* a failure note was logged at least once */
	uint64_t last_note_ns;         /* CLOCK_MONOTONIC of that note */
	uint64_t failed_unnoted;       /* failures since the last note */
	uint64_t lost_unnoted;         /* lines not written since the last note */
	uint64_t lost_in_file;         /* lines the file lacks, not yet said in it */
	int unnoted_errno;             /* the latest of those failures */
	char message[LOGGER_LINE_MAX]; /* vsnprintf's output, or the access line's */
	/* Batched lines (logger_config.batch_bytes), from batch[1]; batch[0]
	 * is '\n', the repair byte, as for `line`. */
	char *batch;
	size_t batch_cap, batch_length, batch_lines;
	/* The line being written, from line[1]; line[0] is always '\n', for a
	 * sink that must first close a broken line. */
	char line[1 + LOGGER_LINE_MAX];
	/* The JSON form of the line (format IPC_LOG_FORMAT_JSON), the same way
	 * from json[1]: the ring keeps `line`, the descriptors get this. */
	char json[1 + LOGGER_LINE_MAX];
};

/* A record on its way to the line buffer. */
struct record {
	enum ipc_log_level level;
	uint64_t time_ns;
	bool from_parent;
	uint32_t generation;
	const uint8_t *text;
	size_t len;
	bool cut;                           /* the text was already cut before the logger saw it */
	bool skip_log_file;                 /* a note about the failing log file */
	bool ring_only;                     /* replayed: already written and counted */
	const struct logger_access *access; /* an access line's fields, or NULL */
};

/* ---- Levels ------------------------------------------------------------ */

static enum ipc_log_level level_clamp(enum ipc_log_level level)
{
	/* Compared as unsigned: the enum's type may be signed. */
	return (unsigned)level > IPC_LOG_MAX ? IPC_LOG_CRIT : level;
}

/* The line spells a level in capitals ("WARNING"), as syslog and most log
 * readers do; the name itself is the IPC one (ipc_log_level_name). */
static size_t put_level(char *dst, enum ipc_log_level level)
{
	const char *name = ipc_log_level_name(level_clamp(level));
	size_t n = 0;
	for (; name[n] != '\0'; n++)
		dst[n] = (char)(name[n] - 'a' + 'A');
	return n;
}

/* ---- Time -------------------------------------------------------------- */

/* Writes `value` as exactly `width` decimal digits, zero-padded. */
static void put_digits(char *dst, uint64_t value, unsigned width)
{
	for (unsigned i = width; i > 0; i--) {
		dst[i - 1] = (char)('0' + value % 10);
		value /= 10;
	}
}

/* "YYYY-MM-DDTHH:MM:SS.uuuuuuZ": TIMESTAMP_LEN bytes. uint64_t
 * nanoseconds end in 2554, so the year always has four digits. */
static size_t format_timestamp(char *dst, uint64_t time_ns)
{
	uint64_t sec_of_day = (time_ns % NS_PER_DAY) / NS_PER_SEC;
	struct clock_date date = clock_date_from_days(time_ns / NS_PER_DAY);
	memcpy(dst, "0000-00-00T00:00:00.000000Z", TIMESTAMP_LEN);
	put_digits(dst, date.year, 4);
	put_digits(dst + 5, date.month, 2);
	put_digits(dst + 8, date.day, 2);
	put_digits(dst + 11, sec_of_day / 3600, 2);
	put_digits(dst + 14, sec_of_day / 60 % 60, 2);
	put_digits(dst + 17, sec_of_day % 60, 2);
	put_digits(dst + 20, time_ns % NS_PER_SEC / 1000, 6);
	return TIMESTAMP_LEN;
}

/* ---- Escaping ---------------------------------------------------------- */

static size_t put_hex_escape(char *dst, uint8_t b)
{
	static const char hex[] = "0123456789abcdef";
	dst[0] = '\\';
	dst[1] = 'x';
	dst[2] = hex[b >> 4];
	dst[3] = hex[b & 15];
	return 4;
}

/* Escapes one ASCII byte that needs it into `dst`; returns the length. */
static size_t escape_ascii(char *dst, uint8_t b)
{
	char named = b == '\\' ? '\\' : b == '\n' ? 'n' : b == '\r' ? 'r' : b == '\t' ? 't' : 0;
	if (named == 0)
		return put_hex_escape(dst, b);
	dst[0] = '\\';
	dst[1] = named;
	return 2;
}

static bool ascii_passes(uint8_t b)
{
	return b >= 0x20 && b < 0x7f && b != '\\';
}

/* One unit of input (a byte, or a whole UTF-8 sequence) at `s`, n > 0
 * bytes available: writes its output form to `dst` (ESCAPE_UNIT_MAX bytes)
 * and returns the bytes of input it stands for; `*out` gets its length. */
static size_t escape_unit(const uint8_t *s, size_t n, char *dst, size_t *out)
{
	if (s[0] < 0x80 && ascii_passes(s[0])) {
		dst[0] = (char)s[0];
		*out = 1;
		return 1;
	}
	if (s[0] < 0x80) {
		*out = escape_ascii(dst, s[0]);
		return 1;
	}
	size_t len = utf8_sequence(s, n);
	if (len == 0) {
		*out = put_hex_escape(dst, s[0]); /* resynchronise at the next byte */
		return 1;
	}
	if (len == 2 && s[0] == 0xc2 && s[1] < 0xa0) {
		/* U+0080..U+009F: C1 controls (0x9b is a CSI to some terminals) */
		*out = put_hex_escape(dst, s[0]) + put_hex_escape(dst + 4, s[1]);
		return 2;
	}
	memcpy(dst, s, len);
	*out = len;
	return len;
}

/* Escapes as much of s[0..n) as fits whole in `cap` bytes of `dst`, never
 * splitting an escape or a character. Returns the bytes written; `*used`
 * gets the input bytes they stand for. */
static size_t escape_into(char *dst, size_t cap, const uint8_t *s, size_t n, size_t *used)
{
	size_t in = 0, out = 0;
	char unit[ESCAPE_UNIT_MAX];
	while (in < n) {
		if (ascii_passes(s[in])) { /* the common case, without the copy */
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

/* ---- Formatting a line --------------------------------------------------- */

static size_t put_str(char *dst, const char *s)
{
	size_t len = strlen(s);
	memcpy(dst, s, len);
	return len;
}

/* "timestamp LEVEL origin ", at most PREFIX_MAX bytes. */
static size_t format_prefix(char *dst, const struct record *r)
{
	size_t len = format_timestamp(dst, r->time_ns);
	dst[len++] = ' ';
	len += put_level(dst + len, r->level);
	dst[len++] = ' ';
	if (r->from_parent) {
		len += put_str(dst + len, "parent");
	} else {
		len += put_str(dst + len, "child[");
		len += decimal_u64(dst + len, r->generation);
		dst[len++] = ']';
	}
	dst[len++] = ' ';
	return len;
}

/* The escaped message after `prefix` bytes of `dst`; a message that does
 * not fit whole is cut where the marker still fits after it. Returns the
 * line's length without the newline. */
static size_t format_message(char *dst, size_t prefix, const struct record *r, bool *truncated)
{
	size_t room = TEXT_MAX - prefix, used;
	size_t len = escape_into(dst + prefix, room, r->text, r->len, &used);
	*truncated = used < r->len || r->cut;
	if (!*truncated)
		return prefix + len;
	len = escape_into(dst + prefix, room - MARKER_LEN, r->text, r->len, &used);
	memcpy(dst + prefix + len, LOGGER_TRUNCATED_MARKER, MARKER_LEN);
	return prefix + len + MARKER_LEN;
}

/* ---- The ring ------------------------------------------------------------ */

static struct ring_entry *ring_entry(const struct ring *ring, uint64_t seq)
{
	return &ring->entries[seq % ring->lines];
}

/* Drops the oldest lines until one more fits the line count and the bytes
 * from `end` back cover every line still held. */
static void ring_evict(struct ring *ring, uint64_t end)
{
	while (ring->first_seq < ring->next_seq) {
		const struct ring_entry *oldest = ring_entry(ring, ring->first_seq);
		bool full = ring->next_seq - ring->first_seq >= ring->lines;
		bool overwritten = end > ring->size && oldest->pos < end - ring->size;
		if (!full && !overwritten)
			return;
		ring->first_seq++;
	}
}

/* Copies the line (length <= ring->size) in. A line never wraps around the
 * buffer's end: it moves to the start, and the tail bytes go unused. */
static void ring_push(struct ring *ring, const struct ring_entry *e, const char *line)
{
	uint64_t pos = ring->end;
	size_t offset = (size_t)(pos % ring->size);
	if (e->length > ring->size - offset) {
		pos += ring->size - offset;
		offset = 0;
	}
	ring_evict(ring, pos + e->length);
	struct ring_entry *slot = ring_entry(ring, e->seq);
	*slot = *e;
	slot->pos = pos;
	memcpy(ring->bytes + offset, line, e->length);
	ring->end = pos + e->length;
}

/* Gives the record its sequence number and keeps its line if there is a
 * ring (the sequence goes on without one: it numbers records). */
static void ring_add(struct ring *ring, const struct record *r, const char *line, size_t length,
                     size_t message_offset, bool truncated)
{
	const struct ring_entry e = {
	        .seq = ring->next_seq,
	        .time_ns = r->time_ns,
	        .generation = r->generation,
	        .length = (uint16_t)length,
	        .message_offset = (uint16_t)message_offset,
	        .level = (uint8_t)r->level,
	        .from_parent = r->from_parent,
	        .access = r->access != NULL,
	        .truncated = truncated,
	};
	if (ring->lines > 0)
		ring_push(ring, &e, line);
	ring->next_seq++;
	if (ring->lines == 0)
		ring->first_seq = ring->next_seq;
}

static void record_from_entry(const struct ring *ring, const struct ring_entry *e,
                              struct logger_record *out)
{
	const char *line = ring->bytes + e->pos % ring->size;
	*out = (struct logger_record){
	        .seq = e->seq,
	        .time_ns = e->time_ns,
	        .level = (enum ipc_log_level)e->level,
	        .from_parent = e->from_parent,
	        .access = e->access,
	        .generation = e->generation,
	        .truncated = e->truncated,
	        .line = line,
	        .length = e->length,
	        .message = line + e->message_offset,
	        .message_length = (size_t)e->length - e->message_offset,
	};
}

bool logger_ring_next(const struct logger *lg, uint64_t after, enum ipc_log_level min_level,
                      struct logger_record *out)
{
	const struct ring *ring = &lg->ring;
	if (after >= ring->next_seq - 1)
		return false; /* also stops a client id from the future, and 2^64-1 */
	uint64_t seq = after + 1 < ring->first_seq ? ring->first_seq : after + 1;
	for (; seq < ring->next_seq; seq++) {
		const struct ring_entry *e = ring_entry(ring, seq);
		if ((unsigned)e->level >= (unsigned)min_level) {
			record_from_entry(ring, e, out);
			return true;
		}
	}
	return false;
}

uint64_t logger_ring_oldest(const struct logger *lg)
{
	return lg->ring.first_seq < lg->ring.next_seq ? lg->ring.first_seq : 0;
}

uint64_t logger_ring_newest(const struct logger *lg)
{
	return lg->ring.first_seq < lg->ring.next_seq ? lg->ring.next_seq - 1 : 0;
}

/* ---- Writing ------------------------------------------------------------- */

/* Writes the line (`len` bytes from buf[1], newline included) to `s`.
 * Returns 0 or an errno; `*bytes` grows by what was written. */
static int sink_write(struct sink *s, const char *buf, size_t len, uint64_t *bytes)
{
	size_t start = s->broken ? 0 : 1, done;
	int err = -io_write_all(s->fd, buf + start, len + 1 - start, &done);
	*bytes += done;
	if (done > 0) /* the only newlines are the repair byte and the end */
		s->broken = buf[start + done - 1] != '\n';
	return err;
}

static enum logger_error_class error_class(int err)
{
	switch (err) {
	case ENOSPC:
	case EDQUOT:
	case EFBIG:
		return LOGGER_ERR_NOSPC;
	case EIO:
		return LOGGER_ERR_IO;
	case EBADF:
	case EINVAL:
		return LOGGER_ERR_BADF;
	case EAGAIN:
		return LOGGER_ERR_AGAIN;
	default:
		return LOGGER_ERR_OTHER;
	}
}

/* Counts a log file failure; `lost` is 1 when a line did not get there. */
static void log_file_failed(struct logger *lg, int err, unsigned lost)
{
	lg->stats.write_errors++;
	lg->stats.write_errors_by_class[error_class(err)]++;
	lg->stats.last_errno = err;
	lg->failed_unnoted++;
	lg->lost_unnoted += lost;
	lg->lost_in_file += lost;
	lg->unnoted_errno = err;
}

/* fsync after a WARNING-or-above line, so that the line survives a crash
 * of the machine. A descriptor that cannot be synced (EINVAL, EROFS: a
 * pipe, a terminal, /dev/full) is not an error: its lines went wherever
 * they go; the logger stops asking, which saves a syscall per line. */
static void sync_log_file(struct logger *lg)
{
	int rc;
	if (lg->stats.fsync_unsupported)
		return;
	do
		rc = fsync(lg->log.fd);
	while (rc < 0 && errno == EINTR);
	if (rc == 0)
		return;
	if (errno == EINVAL || errno == EROFS) {
		lg->stats.fsync_unsupported = true;
		return;
	}
	lg->stats.fsync_errors++;
	log_file_failed(lg, errno, 0); /* the line was written; it may not last */
}

/* Newlines in p[0..n): the lines a partial write got out whole. */
static size_t count_lines(const char *p, size_t n)
{
	size_t lines = 0;
	for (const char *q = p; (q = memchr(q, '\n', (size_t)(p + n - q))) != NULL; q++)
		lines++;
	return lines;
}

/* Writes the batch; failures are counted per line lost, as unbatched. */
static void flush_batch(struct logger *lg)
{
	if (lg->batch_length == 0)
		return;
	size_t start = lg->log.broken ? 0 : 1;
	uint64_t before = lg->stats.bytes;
	int err = sink_write(&lg->log, lg->batch, lg->batch_length, &lg->stats.bytes);
	lg->log_ok = err == 0;
	if (err == 0) {
		lg->stats.lines_written += lg->batch_lines;
	} else {
		size_t whole = count_lines(lg->batch + 1,
		                           (size_t)(lg->stats.bytes - before) -
		                                   (start == 0 && lg->stats.bytes > before));
		whole = whole < lg->batch_lines ? whole : lg->batch_lines;
		lg->stats.lines_written += whole;
		for (size_t i = whole; i < lg->batch_lines; i++)
			log_file_failed(lg, err, 1);
	}
	lg->batch_length = lg->batch_lines = 0;
}

/* The line in `out` (`len` bytes from out[1], newline included). */
static void batch_line(struct logger *lg, const char *out, size_t len)
{
	if (lg->batch_length + len > lg->batch_cap)
		flush_batch(lg);
	memcpy(lg->batch + 1 + lg->batch_length, out + 1, len);
	lg->batch_length += len;
	lg->batch_lines++;
}

static void to_log_file(struct logger *lg, const char *out, size_t len, enum ipc_log_level level)
{
	if (lg->batch != NULL && level < IPC_LOG_WARNING) {
		batch_line(lg, out, len);
		return;
	}
	flush_batch(lg); /* the lines before this one go first */
	int err = sink_write(&lg->log, out, len, &lg->stats.bytes);
	lg->log_ok = err == 0;
	if (err != 0) {
		log_file_failed(lg, err, 1);
		return;
	}
	lg->stats.lines_written++;
	if (level >= IPC_LOG_WARNING)
		sync_log_file(lg);
}

/* A failing stderr is only counted: there is nowhere left to report it. */
static void to_stderr(struct logger *lg, const char *out, size_t len)
{
	if (sink_write(&lg->err, out, len, &lg->stats.stderr_bytes) != 0)
		lg->stats.stderr_errors++;
	else
		lg->stats.stderr_lines++;
}

/* ---- Logging ------------------------------------------------------------- */

static void report(struct logger *lg);

/* The JSON form of the record whose text line is in lg->line, into
 * lg->json; returns its length without the newline. */
static size_t format_json(struct logger *lg, const struct record *r, bool *truncated)
{
	const struct json_line j = {
	        .timestamp = lg->line + 1,
	        .timestamp_length = TIMESTAMP_LEN,
	        .level = r->level,
	        .from_parent = r->from_parent,
	        .generation = r->generation,
	        .text = r->text,
	        .length = r->len,
	        .cut = r->cut,
	        .access = r->access,
	};
	return json_line_format(lg->json + 1, TEXT_MAX, &j, truncated);
}

/* Formats, keeps, counts and writes one record (already past the filter).
 * `truncated` counts the written form's cut: the text's or the JSON's. */
static void emit(struct logger *lg, const struct record *r)
{
	char *out = lg->line;
	bool truncated;
	size_t prefix = format_prefix(out + 1, r);
	size_t len = format_message(out + 1, prefix, r, &truncated);
	ring_add(&lg->ring, r, out + 1, len, prefix, truncated);
	if (r->ring_only)
		return;
	if (lg->format == IPC_LOG_FORMAT_JSON) {
		out = lg->json;
		len = format_json(lg, r, &truncated);
	}
	out[1 + len++] = '\n';
	lg->stats.lines++;
	lg->stats.lines_by_level[r->level]++;
	lg->stats.truncated += truncated;
	if (lg->log.fd >= 0 && !r->skip_log_file)
		to_log_file(lg, out, len, r->level);
	if (lg->err.fd >= 0 && lg->err.fd != lg->log.fd && r->level >= lg->stderr_level)
		to_stderr(lg, out, len);
	if (!lg->reporting)
		report(lg);
}

/* Applies the minimum level; counts what it drops. */
static bool wanted(struct logger *lg, enum ipc_log_level level)
{
	if ((unsigned)level >= (unsigned)lg->min_level)
		return true;
	lg->stats.filtered++;
	return false;
}

/* `time_ns` 0: now. */
static struct record own_record(const struct logger *lg, enum ipc_log_level level, uint64_t time_ns)
{
	return (struct record){
	        .level = level,
	        .time_ns = time_ns != 0 ? time_ns : clock_realtime_ns(),
	        .generation = lg->generation,
	};
}

void logger_log(struct logger *lg, enum ipc_log_level level, const char *text, size_t len)
{
	level = level_clamp(level);
	if (!wanted(lg, level))
		return;
	struct record r = own_record(lg, level, 0);
	r.text = (const uint8_t *)text;
	r.len = text != NULL ? len : 0;
	emit(lg, &r);
}

/* Formats into lg->message and emits. A format that vsnprintf rejects
 * (EOVERFLOW, an unencodable wide string) is logged as the format itself:
 * it still says where the record came from. */
static void __attribute__((format(printf, 3, 0)))
emit_formatted(struct logger *lg, struct record *r, const char *fmt, va_list ap)
{
	int n = vsnprintf(lg->message, sizeof(lg->message), fmt, ap);
	if (n < 0) {
		r->text = (const uint8_t *)fmt;
		r->len = strlen(fmt);
		r->cut = true;
	} else {
		r->text = (const uint8_t *)lg->message;
		r->cut = (size_t)n >= sizeof(lg->message);
		r->len = r->cut ? sizeof(lg->message) - 1 : (size_t)n;
	}
	emit(lg, r);
}

void logger_vlogf(struct logger *lg, enum ipc_log_level level, const char *fmt, va_list ap)
{
	level = level_clamp(level);
	if (!wanted(lg, level)) /* before formatting: DEBUG costs nothing when off */
		return;
	struct record r = own_record(lg, level, 0);
	emit_formatted(lg, &r, fmt, ap);
}

void logger_logf(struct logger *lg, enum ipc_log_level level, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	logger_vlogf(lg, level, fmt, ap);
	va_end(ap);
}

/* The access line's text, written by hand into lg->message: it is
 * formatted once per request, where vsnprintf was the largest part of the
 * child's own CPU time (docs/benchmarks.md). What does not fit is cut and
 * the record marked so, as logger_logf's. */
struct message_text {
	char *dst;
	size_t length, room; /* room: without the terminator vsnprintf kept */
	bool cut;
};

static void append(struct message_text *t, const char *s, size_t n)
{
	if (n > t->room - t->length) {
		n = t->room - t->length;
		t->cut = true;
	}
	memcpy(t->dst + t->length, s, n);
	t->length += n;
}

#define APPEND_LITERAL(t, s) append((t), (s), sizeof(s) - 1)

static void append_u64(struct message_text *t, uint64_t value)
{
	char digits[DECIMAL_U64_MAX];
	append(t, digits, decimal_u64(digits, value));
}

/* "http #ID \"REQUEST LINE\" STATUS BYTES bytes MS.xx ms[: WHY]" */
static void format_access(struct message_text *t, const struct logger_access *a)
{
	APPEND_LITERAL(t, "http #");
	append_u64(t, a->connection);
	APPEND_LITERAL(t, " \"");
	if (a->request_line != NULL)
		append(t, a->request_line, strnlen(a->request_line, a->request_line_length));
	else
		APPEND_LITERAL(t, "-");
	if (a->request_line_cut)
		APPEND_LITERAL(t, "...");
	APPEND_LITERAL(t, "\" ");
	append_u64(t, a->status);
	APPEND_LITERAL(t, " ");
	append_u64(t, a->bytes);
	APPEND_LITERAL(t, " bytes ");
	append_u64(t, a->duration_us / 1000);
	const char hundredths[3] = {'.', (char)('0' + a->duration_us % 1000 / 100),
	                            (char)('0' + a->duration_us % 100 / 10)};
	append(t, hundredths, sizeof(hundredths));
	APPEND_LITERAL(t, " ms");
	if (a->why != NULL) {
		APPEND_LITERAL(t, ": ");
		append(t, a->why, strlen(a->why));
	}
}

void logger_log_access(struct logger *lg, const struct logger_access *a)
{
	if (a == NULL || !wanted(lg, IPC_LOG_INFO))
		return;
	struct record r = own_record(lg, IPC_LOG_INFO, a->time_ns);
	r.access = a;
	struct message_text t = {.dst = lg->message, .room = sizeof(lg->message) - 1};
	format_access(&t, a);
	r.text = (const uint8_t *)lg->message;
	r.len = t.length;
	r.cut = t.cut;
	emit(lg, &r);
}

_Static_assert((int)LOGGER_ERR_CLASSES == (int)IPC_LOG_ERROR_CLASSES,
               "ipc/names.c names the classes");

void logger_log_parent(struct logger *lg, const struct ipc_log *rec)
{
	if (rec == NULL)
		return;
	enum ipc_log_level level = level_clamp((enum ipc_log_level)rec->level);
	if (!wanted(lg, level))
		return;
	/* The decoder bounds text_length; the struct bounds what may be read. */
	size_t len = rec->text_length;
	struct record r = {
	        .level = level,
	        .time_ns = rec->time_ns,
	        .from_parent = true,
	        .text = (const uint8_t *)rec->text,
	        .len = len > IPC_TEXT_MAX ? IPC_TEXT_MAX : len,
	        .cut = len > IPC_TEXT_MAX,
	        .ring_only = (rec->flags & IPC_LOG_REPLAYED) != 0,
	};
	emit(lg, &r);
}

void logger_flush(struct logger *lg)
{
	if (lg == NULL || lg->batch_length == 0)
		return;
	flush_batch(lg);
	if (!lg->reporting)
		report(lg);
}

void logger_set_min_level(struct logger *lg, enum ipc_log_level level)
{
	lg->min_level = level_clamp(level);
}

enum ipc_log_level logger_min_level(const struct logger *lg)
{
	return lg->min_level;
}

/* ---- Reporting failures -------------------------------------------------- */

static void __attribute__((format(printf, 4, 5)))
note(struct logger *lg, enum ipc_log_level level, bool skip_log_file, const char *fmt, ...)
{
	if (!wanted(lg, level))
		return;
	struct record r = own_record(lg, level, 0);
	r.skip_log_file = skip_log_file;
	va_list ap;
	va_start(ap, fmt);
	emit_formatted(lg, &r, fmt, ap);
	va_end(ap);
}

/* strerrorname_np and strerrordesc_np read glibc's tables: no locale, no
 * file, unlike strerror. */
static const char *errno_name(int err)
{
	const char *name = strerrorname_np(err);
	return name != NULL ? name : "unknown errno";
}

static const char *errno_text(int err)
{
	const char *text = strerrordesc_np(err);
	return text != NULL ? text : "unknown error";
}

/* The first failure at once, then at most one note per NOTE_PERIOD, each
 * saying how much went wrong since the one before. To stderr and the ring:
 * the log file is what fails. */
static void note_failures(struct logger *lg)
{
	uint64_t now = clock_monotonic_ns();
	if (lg->noted && now - lg->last_note_ns < NOTE_PERIOD)
		return;
	lg->noted = true;
	lg->last_note_ns = now;
	int err = lg->unnoted_errno;
	unsigned long long failed = lg->failed_unnoted, lost = lg->lost_unnoted;
	lg->failed_unnoted = lg->lost_unnoted = 0;
	note(lg, IPC_LOG_ERROR, true,
	     "log file write failed: %s (%s); %llu failures and %llu lines not written since the "
	     "last note, %llu failures in all",
	     errno_name(err), errno_text(err), failed, lost,
	     (unsigned long long)lg->stats.write_errors);
}

/* Once the log file takes whole lines again, it says what it lacks, so
 * that a reader of the file alone knows there is a gap. */
static void note_recovery(struct logger *lg)
{
	unsigned long long lost = lg->lost_in_file;
	lg->lost_in_file = 0;
	note(lg, IPC_LOG_WARNING, false,
	     "%llu earlier lines could not be written to this log file (last error: %s)", lost,
	     errno_name(lg->stats.last_errno));
}

static void report(struct logger *lg)
{
	lg->reporting = true;
	if (lg->failed_unnoted > 0)
		note_failures(lg);
	if (lg->lost_in_file > 0 && lg->log_ok)
		note_recovery(lg);
	lg->reporting = false;
}

/* ---- Counters ------------------------------------------------------------ */

const char *logger_error_class_name(enum logger_error_class c)
{
	const char *name = ipc_log_error_class_name((unsigned)c);
	return name != NULL ? name : "other";
}

void logger_get_stats(const struct logger *lg, struct logger_stats *out)
{
	*out = lg->stats;
}

/* ---- Creating and destroying --------------------------------------------- */

static void *default_alloc(void *ctx, size_t size)
{
	(void)ctx;
	return malloc(size);
}

static void default_free(void *ctx, void *ptr)
{
	(void)ctx;
	free(ptr);
}

static const struct logger_allocator default_allocator = {default_alloc, default_free, NULL};

/* Where each part sits in the one allocation. */
struct layout {
	size_t lines, ring_bytes, batch_bytes;
	size_t entries_offset, bytes_offset, batch_offset, total;
};

static size_t ring_bytes_for(const struct logger_config *cfg)
{
	if (cfg->ring_lines == 0)
		return 0;
	if (cfg->ring_bytes != 0)
		return cfg->ring_bytes;
	size_t bytes = cfg->ring_lines * LOGGER_RING_DEFAULT_LINE_BYTES; /* lines <= 2^20 */
	if (bytes > LOGGER_RING_DEFAULT_MAX_BYTES)
		return LOGGER_RING_DEFAULT_MAX_BYTES;
	return bytes < LOGGER_LINE_MAX ? LOGGER_LINE_MAX : bytes;
}

static bool config_valid(const struct logger_config *cfg)
{
	const struct logger_allocator *a = cfg->allocator;
	if ((unsigned)cfg->min_level > IPC_LOG_MAX || cfg->ring_lines > LOGGER_RING_MAX_LINES)
		return false;
	if ((unsigned)cfg->stderr_level > IPC_LOG_MAX || (unsigned)cfg->format > IPC_LOG_FORMAT_MAX)
		return false;
	if (a != NULL && (a->alloc == NULL || a->free == NULL))
		return false;
	if (cfg->batch_bytes != 0 &&
	    (cfg->batch_bytes < LOGGER_LINE_MAX || cfg->batch_bytes > LOGGER_BATCH_MAX))
		return false;
	size_t bytes = ring_bytes_for(cfg);
	return cfg->ring_lines == 0 || (bytes >= LOGGER_LINE_MAX && bytes <= LOGGER_RING_MAX_BYTES);
}

/* The sizes are bounded by config_valid (2^20 entries of 40 bytes, 2^30
 * bytes), far from overflowing a size_t. */
static bool layout_for(const struct logger_config *cfg, struct layout *l)
{
	if (cfg == NULL || !config_valid(cfg))
		return false;
	l->lines = cfg->ring_lines;
	l->ring_bytes = ring_bytes_for(cfg);
	size_t align = alignof(struct ring_entry);
	l->entries_offset = (sizeof(struct logger) + align - 1) / align * align;
	l->bytes_offset = l->entries_offset + l->lines * sizeof(struct ring_entry);
	l->batch_bytes = cfg->batch_bytes;
	l->batch_offset = l->bytes_offset + l->ring_bytes;
	l->total = l->batch_offset + (l->batch_bytes ? l->batch_bytes + 1 : 0);
	return true;
}

size_t logger_memory_size(const struct logger_config *cfg)
{
	struct layout l;
	return layout_for(cfg, &l) ? l.total : 0;
}

static void logger_init(struct logger *lg, const struct logger_config *cfg,
                        const struct logger_allocator *a, const struct layout *l)
{
	char *base = (char *)lg;
	memset(lg, 0, sizeof(*lg));
	lg->allocator = *a;
	lg->log = (struct sink){.fd = cfg->log_fd};
	lg->err = (struct sink){.fd = cfg->stderr_fd};
	lg->generation = cfg->generation;
	lg->min_level = cfg->min_level;
	lg->stderr_level = cfg->stderr_level;
	lg->format = cfg->format;
	lg->log_ok = true;
	lg->line[0] = '\n';
	lg->json[0] = '\n';
	if (l->batch_bytes > 0) {
		lg->batch = base + l->batch_offset;
		lg->batch[0] = '\n';
		lg->batch_cap = l->batch_bytes;
	}
	lg->ring = (struct ring){
	        .entries = l->lines > 0 ? (struct ring_entry *)(base + l->entries_offset) : NULL,
	        .lines = l->lines,
	        .bytes = l->lines > 0 ? base + l->bytes_offset : NULL,
	        .size = l->ring_bytes,
	        .first_seq = 1,
	        .next_seq = 1,
	};
}

int logger_create(struct logger **out, const struct logger_config *cfg)
{
	struct layout l;
	if (out == NULL || !layout_for(cfg, &l))
		return -EINVAL;
	const struct logger_allocator *a = cfg->allocator ? cfg->allocator : &default_allocator;
	struct logger *lg = a->alloc(a->ctx, l.total);
	if (lg == NULL)
		return -ENOMEM;
	logger_init(lg, cfg, a, &l);
	*out = lg;
	return 0;
}

void logger_destroy(struct logger *lg)
{
	if (lg == NULL)
		return;
	logger_flush(lg);
	struct logger_allocator a = lg->allocator;
	a.free(a.ctx, lg);
}
