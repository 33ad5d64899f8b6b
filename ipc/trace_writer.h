/*
 * trace_writer.h - the parent's record of every IPC message, in a pcap file.
 *
 * Written with libpcap as LINKTYPE_USER0 (DLT_USER0) with nanosecond
 * timestamps, so tshark and Wireshark open it (docs/warden-ipc.lua decodes
 * it). Every record is a 24-byte little-endian pseudo-header followed by the
 * message's bytes as sent or received (IPC header and payload; a config's
 * bearer token zeroed, below):
 *
 *     offset 0   u8   version     TRACE_VERSION
 *            1   u8   direction   enum trace_direction
 *            2   u16  fd_count    descriptors that travelled with it
 *            4   u32  generation  the child generation
 *            8   u32  pid         the child's pid
 *           12   u32  reserved    0
 *           16   u64  time_ns     CLOCK_REALTIME when recorded
 *
 * A trace holds no bearer token, whoever records into it: every config
 * message that decodes is recorded with its token's bytes zeroed and its
 * token_length kept (so a reader sees that auth is on). A config that does
 * not decode is not one the parent sent, and is recorded as received.
 *
 * The global header is written when a file begins. Records are buffered in
 * memory and reach the file on trace_flush (the parent calls it from a
 * timer), when the buffer fills, on rotation and on trace_close: a message
 * costs a copy and no syscall. A full buffer is written by a thread of the
 * trace's own while the next one fills, so neither the caller nor its
 * event loop waits for the disk unless the disk falls a whole buffer
 * behind; trace_flush and trace_close wait for their write to finish.
 *
 * When the file would grow past max_bytes it is rotated: FILE.(n-1) ->
 * FILE.n ... FILE -> FILE.1, keeping at most max_files files in all, and a
 * fresh FILE begins; the removed file's pages are freed by another thread.
 * Write errors (ENOSPC, EIO) are counted, never fatal: the failed records
 * are dropped and the file is cut back to its last complete record, so it
 * stays readable.
 *
 * Tracing off costs nothing: the parent holds a NULL `struct trace *` and
 * calls none of this.
 */
#ifndef WARDEN_IPC_TRACE_WRITER_H
#define WARDEN_IPC_TRACE_WRITER_H

#include <stddef.h>
#include <stdint.h>

enum trace_direction {
	TRACE_TO_CHILD = 1,  /* parent -> child */
	TRACE_TO_PARENT = 2, /* child -> parent */
};

enum {
	TRACE_VERSION = 1,
	TRACE_PSEUDO_HEADER_SIZE = 24,
	TRACE_SNAPLEN = 65535,
	/* The longest message a record can hold. */
	TRACE_MAX_MESSAGE = TRACE_SNAPLEN - TRACE_PSEUDO_HEADER_SIZE,
	/* pcap's global header and per-record header. */
	TRACE_FILE_HEADER_SIZE = 24,
	TRACE_RECORD_HEADER_SIZE = 16,
};

/* The pseudo-header, decoded. */
struct trace_pseudo_header {
	uint8_t version;
	uint8_t direction;
	uint16_t fd_count;
	uint32_t generation;
	uint32_t pid;
	uint32_t reserved;
	uint64_t time_ns;
};

void trace_pseudo_header_encode(const struct trace_pseudo_header *ph,
                                uint8_t out[TRACE_PSEUDO_HEADER_SIZE]);
void trace_pseudo_header_decode(const uint8_t in[TRACE_PSEUDO_HEADER_SIZE],
                                struct trace_pseudo_header *ph);

/* What the writer has done, for the parent's log and the GUI. */
struct trace_stats {
	uint64_t records;     /* written to a file (or buffered for it) */
	uint64_t bytes;       /* file bytes those records took, headers included */
	uint64_t dropped;     /* records lost to errors or refused as too long */
	uint64_t errors;      /* failed writes, renames, opens */
	uint64_t rotations;   /* files started after the first */
	int last_errno;       /* of the latest error, 0 if none */
	char last_error[256]; /* the latest error, "" if none */
};

struct trace;

/* Starts the trace file `path` afresh, mode 0640, close-on-exec, never
 * through a symbolic link (O_CREAT | O_EXCL | O_NOFOLLOW). max_bytes
 * 0: never rotate; otherwise max_files (1 .. 1000) is the number of files
 * kept, the current one included. A file already at `path` (from an earlier
 * run) is rotated to FILE.1 like a full one when max_files > 1, otherwise
 * replaced; `path` must be a regular file or nothing (never a symlink or a
 * device, which are refused). Returns NULL with `err` set when the file
 * cannot be created or the arguments are wrong. */
struct trace *trace_open(const char *path, uint64_t max_bytes, unsigned max_files, char *err,
                         size_t err_size);

/* For a configuration check: whether trace_open could create its files at
 * `path` (nothing but a regular file is there, and the directory exists and
 * is writable), touching nothing there.
 * Returns 0, or -1 with `err` saying why not. */
int trace_check(const char *path, char *err, size_t err_size);

/* Records one message of `len` bytes (a config's token zeroed, above),
 * timestamped now. Returns 0, or -errno
 * when the record was dropped (counted in the stats): -EMSGSIZE when longer
 * than TRACE_MAX_MESSAGE, -EINVAL for a bad direction, or a write error. */
int trace_record(struct trace *tr, enum trace_direction direction, uint32_t generation,
                 uint32_t pid, uint16_t fd_count, const uint8_t *raw, size_t len);

/* The same with an explicit CLOCK_REALTIME timestamp (tests, replays). */
int trace_record_at(struct trace *tr, uint64_t time_ns, enum trace_direction direction,
                    uint32_t generation, uint32_t pid, uint16_t fd_count, const uint8_t *raw,
                    size_t len);

/* Writes the buffered records to the file. Returns 0 or -errno (counted). */
int trace_flush(struct trace *tr);

/* The counts as of the last write that finished: exact after trace_flush. */
void trace_get_stats(const struct trace *tr, struct trace_stats *out);

/* Flushes and closes; NULL is accepted. Returns 0 or the last flush's -errno. */
int trace_close(struct trace *tr);

#endif
