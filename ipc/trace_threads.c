/*
 * trace_threads.c - the trace's write thread (see trace_threads.h).
 */
#include "trace_threads.h"
#include "common/io.h"

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <unistd.h>

static void *writer_main(void *arg)
{
	struct trace_writer *w = arg;
	pthread_mutex_lock(&w->lock);
	for (;;) {
		while (!w->busy && !w->quit)
			pthread_cond_wait(&w->wake, &w->lock);
		if (!w->busy)
			break;
		int fd = w->fd;
		const uint8_t *data = w->data;
		size_t len = w->len, written;
		pthread_mutex_unlock(&w->lock);
		int error = io_write_all(fd, data, len, &written);
		pthread_mutex_lock(&w->lock);
		w->result = (struct trace_write_result){
		        .done = true, .error = error, .written = written};
		w->busy = false;
		pthread_cond_signal(&w->idle);
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

/* Signals are the main thread's business (libuv's handlers, SIGXFSZ from
 * a write over the size limit must not end the process from here): the
 * thread inherits a mask that blocks them all. Returns 0 or an errno. */
static int start_thread(pthread_t *thread, void *(*main)(void *), void *arg)
{
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	int rc = pthread_create(thread, NULL, main, arg);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return rc;
}

int trace_writer_start(struct trace_writer *w)
{
	*w = (struct trace_writer){.fd = -1};
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->wake, NULL);
	pthread_cond_init(&w->idle, NULL);
	int rc = start_thread(&w->thread, writer_main, w);
	if (rc != 0) {
		pthread_cond_destroy(&w->idle);
		pthread_cond_destroy(&w->wake);
		pthread_mutex_destroy(&w->lock);
		return -rc;
	}
	w->started = true;
	return 0;
}

void trace_writer_submit(struct trace_writer *w, int fd, const uint8_t *data, size_t len)
{
	pthread_mutex_lock(&w->lock);
	w->fd = fd;
	w->data = data;
	w->len = len;
	w->busy = true;
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->lock);
}

struct trace_write_result trace_writer_wait(struct trace_writer *w)
{
	pthread_mutex_lock(&w->lock);
	while (w->busy)
		pthread_cond_wait(&w->idle, &w->lock);
	struct trace_write_result result = w->result;
	w->result = (struct trace_write_result){0};
	pthread_mutex_unlock(&w->lock);
	return result;
}

void trace_writer_stop(struct trace_writer *w)
{
	if (!w->started)
		return;
	pthread_mutex_lock(&w->lock);
	w->quit = true;
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	pthread_cond_destroy(&w->idle);
	pthread_cond_destroy(&w->wake);
	pthread_mutex_destroy(&w->lock);
	w->started = false;
}

static void *closer_main(void *arg)
{
	close((int)(intptr_t)arg);
	return NULL;
}

void trace_closer_close(struct trace_closer *c, int fd)
{
	trace_closer_wait(c);
	if (start_thread(&c->thread, closer_main, (void *)(intptr_t)fd) == 0)
		c->running = true;
	else
		close(fd);
}

void trace_closer_wait(struct trace_closer *c)
{
	if (!c->running)
		return;
	pthread_join(c->thread, NULL);
	c->running = false;
}
