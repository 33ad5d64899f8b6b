/*
 * trace_reader.h - reading a trace file (see trace_writer.h) back, record by record.
 *
 * libpcap reads the file; this checks every record (link type USER0,
 * captured length equal to the original length, a whole pseudo-header of a
 * known version, a valid direction) and decodes the message with ipc_decode.
 * A record whose pseudo-header is wrong makes the file corrupt at that
 * record's offset; a record whose *message* does not decode is returned with
 * its decode error, since it is what a hostile child sent and worth seeing.
 */
#ifndef WARDEN_IPC_TRACE_READER_H
#define WARDEN_IPC_TRACE_READER_H

#include "ipc.h"
#include "trace_writer.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* One record. `raw` points into the reader and is valid until the next call. */
struct trace_record {
	uint64_t offset; /* of the record's pcap header in the file */
	struct trace_pseudo_header ph;
	const uint8_t *raw; /* the message bytes */
	size_t raw_len;
	/* The IPC header's fields as recorded, when there is a header with the
	 * right magic (shown even when the message does not decode). */
	bool has_header;
	uint16_t raw_type;
	uint32_t raw_sequence;
	uint32_t raw_length;
	/* IPC_OK with `msg` filled, or why the message does not decode. A
	 * message that decodes but travelled the wrong way is IPC_E_DIRECTION. */
	enum ipc_decode_status status;
	struct ipc_decode_error error;
	struct ipc_message msg;
};

enum trace_read_status {
	TRACE_READ_RECORD = 1,     /* `rec` filled */
	TRACE_READ_END = 0,        /* clean end of file */
	TRACE_READ_TRUNCATED = -1, /* the file ends inside a record (being written?) */
	TRACE_READ_CORRUPT = -2,   /* a record is invalid; the file cannot be read past it */
	TRACE_READ_IO = -3,        /* reading failed */
};

struct trace_reader;

/* Opens `path`. NULL with `err` set when it cannot be opened or is not a
 * trace; *truncated (may be NULL) tells a file too short for its global
 * header, as when a writer has just created it. */
struct trace_reader *trace_reader_open(const char *path, char *err, size_t err_size,
                                       bool *truncated);

/* The same over an open, seekable stream, which the reader then owns (it
 * is closed by trace_reader_close, or here on failure). */
struct trace_reader *trace_reader_fopen(FILE *f, char *err, size_t err_size, bool *truncated);

/* Reads the next record. On TRUNCATED, CORRUPT and IO, `err` names the
 * record's offset and what is wrong. */
enum trace_read_status trace_reader_next(struct trace_reader *r, struct trace_record *rec,
                                         char *err, size_t err_size);

/* The offset the next record is read from: after a TRUNCATED result, the
 * start of the incomplete record. */
uint64_t trace_reader_offset(const struct trace_reader *r);

/* Goes back to `offset` (a record boundary from trace_reader_offset) and
 * forgets the end of file, so that records appended since can be read. */
int trace_reader_rewind_to(struct trace_reader *r, uint64_t offset);

/* The stream underneath (for fstat). */
FILE *trace_reader_file(const struct trace_reader *r);

void trace_reader_close(struct trace_reader *r);

/* "to-child" / "to-parent" / NULL. */
const char *trace_direction_name(unsigned direction);

#endif
