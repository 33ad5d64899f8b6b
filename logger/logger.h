/*
 * logger.h - the logger of both processes: one bounded, escaped line per record.
 *
 * Every record becomes exactly one line,
 *
 *     2026-11-28T15:46:01.123456Z WARNING child[3] accept4 failed: too many open files
 *
 * an RFC 3339 UTC timestamp with microseconds, the level, the origin
 * ("child[N]" for the child of generation N, "parent" for records the
 * parent sent over IPC) and the message. The line goes to the log file;
 * records at logger_config.stderr_level and above also go to stderr, and
 * the log file is fsynced right after WARNING and above. The recent lines
 * stay in a ring in memory for the GUI.
 *
 * With logger_config.format = IPC_LOG_FORMAT_JSON the log file and stderr
 * get one JSON object per line instead (json_line.h shows one), for log
 * shippers; the ring keeps the text form, which the GUI shows.
 *
 * Built to run after lockdown, where the child may only write(2) to fds 2
 * and 4 and fsync(2) fd 4: all memory is allocated by logger_create (before
 * lockdown), the clock is read through the vDSO, and logging makes no other
 * system call, takes no lock and never allocates. A failing write is counted
 * and reported, never fatal: the service keeps serving with a full disk.
 *
 *     struct logger_config cfg = {
 *             .log_fd = 4, .stderr_fd = 2, .generation = 3,
 *             .min_level = IPC_LOG_INFO, .stderr_level = IPC_LOG_NOTICE,
 *             .ring_lines = 1024,
 *     };
 *     struct logger *lg;
 *     if (logger_create(&lg, &cfg) < 0) ...        (before lockdown)
 *     logger_logf(lg, IPC_LOG_WARNING, "accept4 failed: %s", why);
 *     logger_log_parent(lg, &msg.u.log);           (an IPC_LOG record)
 *
 * Escaping makes a line safe to print on a terminal and unambiguous to
 * parse: a backslash becomes "\\"; \n, \r and \t become "\n", "\r", "\t";
 * every other control character (C0, DEL, and the C1 range U+0080..U+009F
 * that some terminals obey like ESC) and every byte that is not part of
 * well-formed UTF-8 (RFC 3629: no overlong forms, no surrogates, nothing
 * above U+10FFFF, no truncated sequence) becomes "\xHH" (lower-case hex).
 * Valid UTF-8 text passes through unchanged.
 *
 * Not thread-safe and not async-signal-safe: the child is single-threaded,
 * and its SIGSYS handler writes its own report without the logger.
 */
#ifndef WARDEN_LOGGER_LOGGER_H
#define WARDEN_LOGGER_LOGGER_H

#include "ipc/ipc.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct logger;

/* ---- Limits ------------------------------------------------------------ */

enum {
	/* Bytes of one line, the newline included. A longer message is cut at
	 * a character boundary and ends with LOGGER_TRUNCATED_MARKER. */
	LOGGER_LINE_MAX = 2048,
	/* When logger_config.ring_bytes is 0: this many bytes per line, at
	 * most LOGGER_RING_DEFAULT_MAX_BYTES (so that the largest configured
	 * ring, 65536 lines, stays one allocation the child's arena serves). */
	LOGGER_RING_DEFAULT_LINE_BYTES = 256,
	LOGGER_RING_DEFAULT_MAX_BYTES = 8 << 20,
	LOGGER_RING_MAX_LINES = 1 << 20,
	LOGGER_RING_MAX_BYTES = 1 << 30,
	LOGGER_BATCH_MAX = 16 << 20,
};
#define LOGGER_TRUNCATED_MARKER "...[truncated]"

/* ---- Levels ------------------------------------------------------------ */

/* Levels are enum ipc_log_level (ipc/ipc.h), IPC_LOG_DEBUG to IPC_LOG_CRIT,
 * so a record from the parent needs no mapping. A value above IPC_LOG_MAX
 * is logged as IPC_LOG_CRIT: a bad level is a bug, and hiding the record
 * would be worse than showing it loudly. The line spells the level's name
 * (ipc_log_level_name) in capitals: "WARNING". */

/* ---- Creating and destroying ------------------------------------------- */

/* Where logger_create takes its memory: the child passes its arena (see
 * arena.h), tests pass NULL for malloc and free. One allocation, of
 * logger_memory_size() bytes; alloc must return memory aligned for any
 * object (as malloc does). */
struct logger_allocator {
	void *(*alloc)(void *ctx, size_t size);
	void (*free)(void *ctx, void *ptr);
	void *ctx;
};

struct logger_config {
	int log_fd;    /* every line; normally 4. -1: no log file */
	int stderr_fd; /* stderr_level and above; normally 2. -1: none. Ignored if == log_fd */
	uint32_t generation;             /* N in "child[N]" */
	enum ipc_log_level min_level;    /* records below it are dropped (counted) */
	enum ipc_log_level stderr_level; /* records at it and above go to stderr_fd too */
	enum ipc_log_format format;      /* of the lines written (0: text); the ring keeps text */
	size_t ring_lines;               /* lines kept for the GUI; 0: no ring */
	/* Bytes of line text the ring holds: it keeps at most ring_lines lines
	 * and at most this many bytes, dropping the oldest first. 0: the
	 * default above. Else from LOGGER_LINE_MAX to LOGGER_RING_MAX_BYTES. */
	size_t ring_bytes;
	/* 0: every line is written at once. Else lines below WARNING gather in
	 * a buffer of this many bytes (LOGGER_LINE_MAX to LOGGER_BATCH_MAX)
	 * and are written together by logger_flush, when the buffer is full,
	 * or before a WARNING-or-above line (which is still written and
	 * fsynced at once): order is kept and nothing is dropped, with one
	 * write per batch instead of one per line. The caller must call
	 * logger_flush before it waits (the child: from a uv_prepare_t). */
	size_t batch_bytes;
	const struct logger_allocator *allocator; /* NULL: malloc and free */
};

/* The bytes logger_create will allocate for `cfg`, or 0 if `cfg` is
 * invalid. For the child's memory budget. */
size_t logger_memory_size(const struct logger_config *cfg);

/* Checks `cfg` and allocates every buffer the logger will ever use.
 * Returns 0 with `*out` set, -EINVAL for a bad configuration, or -ENOMEM. */
int logger_create(struct logger **out, const struct logger_config *cfg);

/* Writes the batched lines, then frees the logger through its allocator.
 * Closes no descriptor. NULL is allowed. */
void logger_destroy(struct logger *lg);

/* ---- Logging ----------------------------------------------------------- */

/* The child's own record: `len` bytes of `text` (any bytes, NUL included),
 * stamped now. */
void logger_log(struct logger *lg, enum ipc_log_level level, const char *text, size_t len);

/* printf-style. The message is formatted with vsnprintf into a buffer of
 * the logger's, which allocates nothing for ordinary conversions; do not
 * use %ls/%lc (locale conversions that may open files), %m (strerror), or
 * widths and precisions of thousands. A format vsnprintf rejects is
 * logged as the format string itself, marked truncated. */
void logger_logf(struct logger *lg, enum ipc_log_level level, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
void logger_vlogf(struct logger *lg, enum ipc_log_level level, const char *fmt, va_list ap)
        __attribute__((format(printf, 3, 0)));

/* A record the parent sent (IPC_LOG): origin "parent", the record's own
 * time_ns, text_length bytes of text (at most IPC_TEXT_MAX are read). */
void logger_log_parent(struct logger *lg, const struct ipc_log *rec);

/* An access line, one per response the child's HTTP server sent: an INFO
 * record whose message is
 *
 *     http #7 "GET / HTTP/1.1" 200 512 bytes 0.31 ms: why
 *
 * (the request line cut at what is given, "..." if request_line_cut; "-"
 * without one; ": why" only with a why). In JSON the object also has the
 * members method and path (the request line's first two words, "" when
 * absent), status, bytes and duration_us (numbers). */
struct logger_access {
	uint64_t connection;
	const char *request_line; /* without its line end; NULL: none */
	size_t request_line_length;
	bool request_line_cut; /* the request line was longer */
	unsigned status;
	uint64_t bytes;
	uint64_t duration_us;
	uint64_t time_ns; /* CLOCK_REALTIME of the line; 0: now */
	const char *why;  /* the reason for an error the server answered, or NULL */
};

void logger_log_access(struct logger *lg, const struct logger_access *a);

/* Writes the batched lines now (see logger_config.batch_bytes); nothing
 * to do without batching or with an empty batch. */
void logger_flush(struct logger *lg);

void logger_set_min_level(struct logger *lg, enum ipc_log_level level);
enum ipc_log_level logger_min_level(const struct logger *lg);

/* ---- The ring of recent lines, for the GUI ------------------------------ */

/* Sequence numbers start at 1 and grow by one per record logged, so a
 * client that saw N resumes after N (Server-Sent Events' Last-Event-ID);
 * 0 means "from the oldest line held". */
struct logger_record {
	uint64_t seq;
	uint64_t time_ns; /* CLOCK_REALTIME, as in the line */
	enum ipc_log_level level;
	bool from_parent;
	uint32_t generation; /* the child's, when not from_parent */
	bool access;         /* an access line (logger_log_access) */
	bool truncated;
	/* The whole line without its newline, already escaped; `message` is its
	 * tail after the origin. Both point into the ring: valid until the next
	 * record is logged. */
	const char *line;
	size_t length;
	const char *message;
	size_t message_length;
};

/* The oldest line held with a sequence number above `after` and a level
 * of at least `min_level`: returns true and fills `out`, or false when
 * there is none. To walk: start with after = 0 (or the client's last
 * id) and pass each out->seq back. Lines older than the ring's oldest are
 * gone: out->seq > after + 1 then says lines were skipped (or filtered). */
bool logger_ring_next(const struct logger *lg, uint64_t after, enum ipc_log_level min_level,
                      struct logger_record *out);

/* Sequence numbers of the oldest and the newest line held; 0 and 0 when
 * the ring is empty (or disabled). */
uint64_t logger_ring_oldest(const struct logger *lg);
uint64_t logger_ring_newest(const struct logger *lg);

/* ---- Counters ---------------------------------------------------------- */

/* Why writes to the log file failed, by errno. */
enum logger_error_class {
	LOGGER_ERR_NOSPC, /* ENOSPC, EDQUOT, EFBIG: the disk, a quota or a size limit is full */
	LOGGER_ERR_IO,    /* EIO: the device failed */
	LOGGER_ERR_BADF,  /* EBADF, EINVAL: the descriptor is closed or not writable */
	LOGGER_ERR_AGAIN, /* EAGAIN: a non-blocking descriptor is full; the line is lost */
	LOGGER_ERR_OTHER, /* anything else (EPIPE, EPERM, no progress, ...) */
	LOGGER_ERR_CLASSES,
};

/* "nospc", "io", "badf", "again", "other": for metrics labels. */
const char *logger_error_class_name(enum logger_error_class c);

struct logger_stats {
	uint64_t lines; /* records logged: in the ring and sent to the descriptors */
	uint64_t lines_by_level[IPC_LOG_MAX + 1];
	uint64_t lines_written; /* lines written whole to the log file */
	uint64_t bytes;         /* bytes written to the log file */
	uint64_t filtered;      /* records dropped below the minimum level */
	uint64_t truncated;     /* lines cut to LOGGER_LINE_MAX */
	/* Log file failures: a line not written whole (each line once), or an
	 * fsync that failed. This is ipc_counters.log_write_errors. An fsync
	 * refused with EINVAL or EROFS (a pipe, a terminal, /dev/full: nothing
	 * to sync) is not an error: the logger stops asking, see below. */
	uint64_t write_errors;
	uint64_t write_errors_by_class[LOGGER_ERR_CLASSES];
	uint64_t fsync_errors; /* the part of write_errors from fsync */
	int last_errno;        /* of the latest log file failure; 0: none yet */
	bool fsync_unsupported;
	uint64_t stderr_lines, stderr_bytes, stderr_errors;
};

void logger_get_stats(const struct logger *lg, struct logger_stats *out);

/* How failures are reported, besides the counters: the first failure, and
 * then at most one every LOGGER_ERROR_NOTE_SECONDS, logs an ERROR record
 * "log file write failed: ENOSPC (No space left on device); ..." that goes
 * to stderr and the ring (not to the failing file). When the log file
 * takes a whole line again, a WARNING record in it says how many lines it
 * lacks. Both are records like any other (counted, subject to min_level). */
enum { LOGGER_ERROR_NOTE_SECONDS = 10 };

#endif
