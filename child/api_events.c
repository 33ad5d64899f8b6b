/*
 * api_events.c - /api/events: Server-Sent Events for the GUI.
 *
 * Each open stream gets
 *
 *     retry: 2000                      once, with the first event
 *     event: status / data: {...}      on connect, every second, and when
 *                                      the parent sends a new snapshot
 *     event: log / id: N / data: {...} every log line, in order
 *     : ping                           every 15 s
 *
 * One timer (API_TICK_MS) polls the logger's ring for new lines and sends
 * each stream what it has not seen, at most API_STREAM_TICK_BYTES per tick
 * so that a backlog never trips the server's slow-reader limit at once. The
 * timer runs only while a stream is open: an idle child does not wake up.
 *
 * Resuming: a reconnecting EventSource sends Last-Event-ID, the id of the
 * last log line it got, and receives the lines after it that the ring still
 * holds. An id above the newest line comes from an earlier generation (a
 * restarted child numbers its lines from 1 again), so it gets every line
 * held. A new client (no Last-Event-ID) gets the last API_STREAM_BACKLOG.
 */
#include "api_internal.h"
#include "child.h"
#include "common/clock.h"

#include <inttypes.h>
#include <stdio.h>

/* The client's reconnection delay, sent once with the first event. */
#define RETRY_FIELD "retry: 2000\n"

struct api_stream {
	struct api_stream *prev, *next;
	struct api *api;
	struct http_stream *stream;
	uint64_t after; /* the id of the last log line sent, or skipped */
	enum ipc_log_level min_level;
};

static void on_tick(uv_timer_t *timer);

int api_events_init(struct api *api)
{
	api->timer.data = api;
	return uv_timer_init(&api->child->loop, &api->timer);
}

/* ---- The list of open streams ---------------------------------------------------- */

static void link_stream(struct api *api, struct api_stream *s)
{
	s->next = api->streams;
	if (api->streams != NULL)
		api->streams->prev = s;
	api->streams = s;
	api->stream_count++;
}

/* The server ended the stream (client gone, too slow, draining, HEAD). */
static void on_closed(struct http_stream *stream, void *owner)
{
	struct api_stream *s = owner;
	struct api *api = s->api;
	(void)stream;
	if (s->prev != NULL)
		s->prev->next = s->next;
	else
		api->streams = s->next;
	if (s->next != NULL)
		s->next->prev = s->prev;
	api->stream_count--;
	arena_free(&api->child->arena, s);
	if (api->stream_count == 0)
		uv_timer_stop(&api->timer);
}

/* ---- Events ------------------------------------------------------------------------ */

/* The status event, built in the scratch buffer. */
static void build_status_event(struct api *api, struct json *j)
{
	api_json_start(api, j);
	json_raw(j, "event: status\ndata: ", 20);
	api_status_json(api, j, clock_realtime_ns());
	json_raw(j, "\n\n", 2);
}

/* Returns false when the stream was closed by the write (and is freed). */
static bool write_event(struct api_stream *s, const struct json *j)
{
	return json_ok(j) && http_stream_write(s->stream, j->data, j->length) == 0;
}

static void build_log_event(struct api *api, struct json *j, const struct logger_record *r)
{
	char head[48];
	int n = snprintf(head, sizeof(head), "event: log\nid: %" PRIu64 "\ndata: ", r->seq);
	api_json_start(api, j);
	json_raw(j, head, (size_t)n);
	api_log_record_json(j, r);
	json_raw(j, "\n\n", 2);
}

/* The lines the stream has not seen, up to the per-tick budget. Returns
 * false when the stream was closed. */
static bool send_logs(struct api_stream *s)
{
	struct api *api = s->api;
	const struct logger *lg = api->child->logger;
	struct logger_record r;
	size_t sent = 0;
	while (sent < API_STREAM_TICK_BYTES && logger_ring_next(lg, s->after, s->min_level, &r)) {
		struct json j;
		build_log_event(api, &j, &r);
		s->after = r.seq;
		if (!json_ok(&j))
			continue; /* cannot happen: a line fits the scratch */
		if (!write_event(s, &j))
			return false;
		sent += j.length;
	}
	/* Lines below the stream's level are not looked at again. */
	uint64_t newest = logger_ring_newest(lg);
	if (sent < API_STREAM_TICK_BYTES && s->after < newest)
		s->after = newest;
	return true;
}

/* The same bytes to every stream. */
static void broadcast(struct api *api, const struct json *j)
{
	struct api_stream *next;
	for (struct api_stream *s = api->streams; s != NULL; s = next) {
		next = s->next; /* s may be freed by the write */
		write_event(s, j);
	}
}

void api_events_broadcast_status(struct api *api)
{
	if (api->stream_count == 0)
		return;
	struct json j;
	build_status_event(api, &j);
	broadcast(api, &j);
}

static void on_tick(uv_timer_t *timer)
{
	struct api *api = timer->data;
	api->ticks++;
	if (api->ticks % API_STATUS_TICKS == 0)
		api_events_broadcast_status(api);
	struct api_stream *next;
	for (struct api_stream *s = api->streams; s != NULL; s = next) {
		next = s->next;
		send_logs(s);
	}
	if (api->ticks % API_PING_TICKS == 0) {
		struct json j;
		api_json_start(api, &j);
		json_raw(&j, ": ping\n\n", 8);
		broadcast(api, &j);
	}
}

/* ---- Opening a stream -------------------------------------------------------------- */

/* Where a new stream starts in the log ring (see the top of the file). */
static uint64_t resume_point(const struct api *api, const struct http_request *req)
{
	uint64_t newest = logger_ring_newest(api->child->logger);
	uint64_t id;
	if (req->last_event_id.length > 0 && api_parse_u64(&req->last_event_id, &id))
		return id <= newest ? id : 0;
	return newest > API_STREAM_BACKLOG ? newest - API_STREAM_BACKLOG : 0;
}

/* level=NAME: only lines at or above it. */
static const char *parse_events_query(const struct http_text *query, enum ipc_log_level *level)
{
	struct api_query q = api_query_start(query);
	struct http_text key, value;
	*level = IPC_LOG_DEBUG;
	while (api_query_next(&q, &key, &value)) {
		if (!api_text_is(&key, "level"))
			return "unknown parameter (level is known)";
		const char *why = api_parse_level(&value, level);
		if (why != NULL)
			return why;
	}
	return NULL;
}

static void refuse(struct http_response *res)
{
	http_response_status(res, 503);
	http_response_header(res, "Content-Type", API_TEXT_TYPE);
	http_response_header(res, "Retry-After", "5");
	http_response_body_static(res, "no memory for another event stream\n", 35);
}

void api_events(struct api *api, const struct http_request *req, struct http_response *res)
{
	enum ipc_log_level level;
	const char *why = parse_events_query(&req->query, &level);
	if (why != NULL) {
		api_bad_request(res, why);
		return;
	}
	struct api_stream *s = arena_calloc(&api->child->arena, 1, sizeof(*s));
	if (s == NULL) {
		refuse(res);
		return;
	}
	*s = (struct api_stream){.api = api, .after = resume_point(api, req), .min_level = level};
	s->stream = http_response_stream(res, on_closed, s);
	if (s->stream == NULL) {
		arena_free(&api->child->arena, s); /* the server answers 503 */
		return;
	}
	link_stream(api, s);
	struct json j;
	build_status_event(api, &j);
	/* The retry field rides on the first event. */
	if (http_stream_write(s->stream, RETRY_FIELD, sizeof(RETRY_FIELD) - 1) < 0 ||
	    !write_event(s, &j))
		return;
	/* The backlog goes out on the next loop turn, then every tick. */
	uv_timer_start(&api->timer, on_tick, 0, API_TICK_MS);
}
