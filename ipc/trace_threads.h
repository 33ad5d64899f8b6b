/*
 * trace_threads.h - the trace's background work, so that recording a message
 * never waits for the file system (internal to ipc/trace_writer.c): one buffer at
 * a time is written to a file descriptor by a thread of its own, and the
 * file a rotation removes is freed by another.
 *
 * The rule that keeps it simple: between trace_writer_submit and the
 * trace_writer_wait that follows, the thread owns the descriptor and the
 * submitted bytes; the caller touches neither. The thread does nothing but
 * write(2): what a failure means (dropping records, cutting the file back)
 * is decided by the caller once the result is back.
 */
#ifndef WARDEN_IPC_TRACE_THREADS_H
#define WARDEN_IPC_TRACE_THREADS_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct trace_write_result {
	bool done;      /* false: nothing had been submitted since the last wait */
	int error;      /* 0, or the -errno of the write that failed */
	size_t written; /* bytes that reached the file (all of them when error is 0) */
};

struct trace_writer {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake; /* a job was submitted, or the thread must quit */
	pthread_cond_t idle; /* the job is finished */
	bool started, busy, quit;
	int fd;
	const uint8_t *data;
	size_t len;
	struct trace_write_result result;
};

/* Starts the thread, with every signal blocked in it. Returns 0 or -errno. */
int trace_writer_start(struct trace_writer *w);

/* Hands `len` bytes at `data` to the thread for fd. The writer must be
 * idle (trace_writer_wait since the last submit). */
void trace_writer_submit(struct trace_writer *w, int fd, const uint8_t *data, size_t len);

/* Waits until the thread is idle and returns what became of the last
 * submitted job (result.done false when there was none). */
struct trace_write_result trace_writer_wait(struct trace_writer *w);

/* Finishes the job in hand and ends the thread; a writer that never
 * started is accepted. */
void trace_writer_stop(struct trace_writer *w);

/* ---- Freeing removed files ------------------------------------------------ */

/* Unlinking a file frees its page cache and blocks until it is gone: 1 to 13
 * ms for a 64 MiB trace here, a stall of the parent's event loop at every
 * rotation. When the caller holds a descriptor of the file across the
 * unlink, the freeing waits for that descriptor's close, which this does in
 * a short-lived thread. */
struct trace_closer {
	pthread_t thread;
	bool running;
};

/* Closes fd in a new thread (every signal blocked) once the previous close
 * has finished, or here when no thread can be started. */
void trace_closer_close(struct trace_closer *c, int fd);

/* Waits for the close in progress, if any. */
void trace_closer_wait(struct trace_closer *c);

#endif
