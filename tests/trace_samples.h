/*
 * trace_samples.h - real IPC messages (encoded with ipc_encode) recorded
 * into traces, shared by the trace tests.
 */
#ifndef WARDEN_TESTS_TRACE_SAMPLES_H
#define WARDEN_TESTS_TRACE_SAMPLES_H

#include "ipc/ipc.h"
#include "ipc/trace_writer.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* 2025-11-28T15:34:01.123456789Z: sample times count up from here. */
#define SAMPLE_T0 1764344041123456789ull

/* The log sample's text: a newline, a UTF-8 letter, an invalid byte. */
#define SAMPLE_LOG_TEXT "child said \"hi\"\nna\xc3\xafve \xff end"

struct sample {
	enum trace_direction direction;
	uint32_t generation, pid;
	uint16_t fds;
	uint64_t time_ns;
	uint8_t raw[IPC_MAX_MESSAGE + 1];
	size_t len;
	struct ipc_message msg;
	bool valid; /* decodes (and travels the right way) */
};

/* A valid message of `type` with recognisable field values. */
void sample_message(unsigned type, uint32_t sequence, struct ipc_message *m);

/* The standard conversation: every type, both directions, two
 * generations, one message that does not decode (bad magic) and one that
 * travels the wrong way (config to the parent). Returns the count. */
size_t sample_conversation(struct sample *out, size_t cap);

/* `count` ping/pong pairs in generation 1, the i-th (from 1) answered after
 * i ms, plus one ping never answered and one pong that answers nothing. */
size_t sample_heartbeats(struct sample *out, size_t cap, size_t count);

/* Records samples with trace_record_at into `tr`. */
void sample_record(struct trace *tr, const struct sample *s, size_t n);

/* Records samples into a new trace at `path` (no rotation) and closes it. */
void sample_write(const char *path, const struct sample *s, size_t n);

#endif
