/*
 * supervisor.c - see supervisor.h.
 *
 * Nothing a child sends is trusted: the endpoint (ipc/endpoint.c) has already
 * checked each message's shape, direction and sequence; here each message
 * must also make sense in the child's state (READY once, while booting,
 * with its own generation; PONG only for the ping outstanding). Any breach
 * ends that child. The parent's own state never depends on a child's data
 * beyond counters it displays.
 */
#include "supervisor.h"
#include "backoff.h"
#include "listener.h"
#include "logfile.h"
#include "ipc/endpoint.h"
#include "notify.h"
#include "spawn.h"
#include "ipc/trace_writer.h"
#include "common/clock.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

enum {
	TICK_MS = 20,         /* deadline checks: ready, heartbeat, drain */
	TRACE_FLUSH_MS = 200, /* trace records reach the file at least this often */
	VIOLATION_EXIT = 159, /* the child's exit status after reporting one */
};

enum slot_state {
	SLOT_BOOTING,  /* spawned, waiting for READY */
	SLOT_READY,    /* serving, answering heartbeats */
	SLOT_DRAINING, /* told to shut down; killed at its deadline */
	SLOT_ENDED,    /* reaped, waiting for its endpoint to close */
};

struct supervisor;

/* One child generation. */
struct slot {
	struct supervisor *sup;
	struct slot *next;
	struct ipc_endpoint ep;
	bool ep_closed;
	enum slot_state state;
	pid_t pid;
	bool pid_namespace;
	uint32_t generation;
	uint64_t spawned_ms, ready_ms; /* monotonic */
	uint64_t started_ns;           /* realtime, for the GUI */
	uint64_t deadline_ms;          /* ready or drain deadline */
	uint64_t ping_nonce, ping_sent_ms, last_ping_ms;
	bool ping_outstanding;
	bool reload;          /* a new generation replaced it */
	uint32_t kill_reason; /* IPC_END_* when the parent killed it; 0 otherwise */
	char detail[IPC_DETAIL_MAX];
	bool have_violation;
	struct ipc_violation violation;
	int wait_status;
};

struct supervisor {
	const struct supervisor_setup *setup;
	const struct warden_config *cfg;
	uv_loop_t loop;
	uv_timer_t tick, restart_timer;
	uv_signal_t sigchld, sigterm, sigint, sighup;
	int devnull_fd;
	bool pid_namespace_failed;
	struct slot *slots;    /* every child not yet reaped and closed */
	struct slot *current;  /* the serving generation, or the one booting to serve */
	struct slot *incoming; /* a reload's new generation, booting */
	uint32_t generation;
	uint32_t restarts;
	uint32_t violations; /* children the sandbox ended, draining ones included */
	uint32_t recent_count;
	struct ipc_restart recent[IPC_RECENT_RESTARTS];
	struct backoff backoff;
	struct notify notify;
	bool announced_ready;
	bool restart_pending;
	bool stopping;
	int exit_status;
	uint64_t parent_start_ns;
	uint64_t last_status_ms, last_flush_ms;
	uint64_t stop_deadline_ms;
	/* IPC totals of closed channels; live ones are added when reported. */
	uint64_t messages_in, messages_out, bytes_in, bytes_out;
};

static uint64_t now_ms(void)
{
	return clock_monotonic_ns() / 1000000u;
}

/* ---- The parent's log ------------------------------------------------------ */

/* The serving child writes the parent's records into the shared log (and
 * its ring, for the GUI); while none serves, the parent writes them. */
static void __attribute__((format(printf, 3, 4)))
sup_log(struct supervisor *sup, enum ipc_log_level level, const char *fmt, ...)
{
	struct ipc_message msg = {.type = IPC_LOG};
	struct ipc_log *rec = &msg.u.log;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(rec->text, sizeof(rec->text), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	rec->text_length =
	        (uint16_t)((size_t)n < sizeof(rec->text) ? (size_t)n : sizeof(rec->text) - 1);
	rec->level = (uint8_t)level;
	rec->time_ns = clock_realtime_ns();
	struct slot *s = sup->current;
	if (s != NULL && s->state == SLOT_READY && !s->ep_closed &&
	    ipc_endpoint_send(&s->ep, &msg) > 0)
		return;
	logfile_write(sup->setup->log, rec);
}

/* ---- Status: to the child for the GUI, to systemd -------------------------- */

static uint32_t service_state(const struct supervisor *sup)
{
	if (sup->stopping)
		return IPC_STATE_DRAINING;
	if (sup->current == NULL || sup->restart_pending)
		return IPC_STATE_RESTARTING;
	return sup->current->state == SLOT_READY ? IPC_STATE_RUNNING : IPC_STATE_STARTING;
}

static void fill_status(const struct supervisor *sup, struct ipc_status *st)
{
	memset(st, 0, sizeof(*st));
	const struct slot *s = sup->current;
	st->generation = s != NULL ? s->generation : (sup->generation ? sup->generation : 1);
	st->child_pid = s != NULL ? (uint32_t)s->pid : 0;
	st->state = service_state(sup);
	st->restarts = sup->restarts;
	st->violations = sup->violations;
	st->parent_start_ns = sup->parent_start_ns;
	st->child_start_ns = s != NULL ? s->started_ns : 0;
	st->ipc_messages_in = sup->messages_in;
	st->ipc_messages_out = sup->messages_out;
	st->ipc_bytes_in = sup->bytes_in;
	st->ipc_bytes_out = sup->bytes_out;
	for (const struct slot *t = sup->slots; t != NULL; t = t->next) {
		if (t->ep_closed)
			continue;
		st->ipc_messages_in += t->ep.channel.messages_in;
		st->ipc_messages_out += t->ep.channel.messages_out;
		st->ipc_bytes_in += t->ep.channel.bytes_in;
		st->ipc_bytes_out += t->ep.channel.bytes_out;
	}
	st->recent_count = sup->recent_count;
	memcpy(st->recent, sup->recent, sizeof(st->recent));
}

static void summary_line(const struct supervisor *sup, char *out, size_t size)
{
	const struct slot *s = sup->current;
	snprintf(out, size, "%s: generation %u, pid %d, %u restart%s",
	         ipc_state_name(service_state(sup)), s ? s->generation : sup->generation,
	         s ? (int)s->pid : 0, sup->restarts, sup->restarts == 1 ? "" : "s");
}

static void publish_status(struct supervisor *sup)
{
	char line[160];
	summary_line(sup, line, sizeof(line));
	notify_status(&sup->notify, line);
	struct slot *s = sup->current;
	if (s == NULL || s->state != SLOT_READY || s->ep_closed)
		return;
	struct ipc_message msg = {.type = IPC_STATUS};
	fill_status(sup, &msg.u.status);
	ipc_endpoint_send(&s->ep, &msg);
	sup->last_status_ms = now_ms();
}

/* ---- Ending a child --------------------------------------------------------- */

static void on_endpoint_closed(struct ipc_endpoint *ep);
static void on_restart_timer(uv_timer_t *timer);
static void kill_child(struct slot *s, uint32_t reason, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static void kill_child(struct slot *s, uint32_t reason, const char *fmt, ...)
{
	if (s->state == SLOT_ENDED)
		return;
	if (s->kill_reason == 0) {
		s->kill_reason = reason;
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(s->detail, sizeof(s->detail), fmt, ap);
		va_end(ap);
	}
	/* Not reaped yet, so the pid is still ours (a zombie at worst). */
	kill(s->pid, SIGKILL);
	if (!s->ep_closed)
		ipc_endpoint_close(&s->ep, on_endpoint_closed);
}

/* Why a reaped child ended, in the terms of the GUI's restart timeline. */
static void classify_end(const struct slot *s, struct ipc_restart *r)
{
	int st = s->wait_status;
	memset(r, 0, sizeof(*r));
	r->time_ns = clock_realtime_ns();
	r->generation = s->generation;
	if (s->have_violation) {
		r->reason = IPC_END_VIOLATION;
		r->code = (int32_t)s->violation.nr;
		snprintf(r->detail, sizeof(r->detail), "%s",
		         s->violation.name[0] ? s->violation.name : "unnamed syscall");
	} else if (WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS) {
		r->reason = IPC_END_VIOLATION;
		r->code = -1;
		snprintf(r->detail, sizeof(r->detail), "killed by the seccomp filter (SIGSYS)");
	} else if (s->reload && !s->kill_reason) {
		r->reason = IPC_END_RELOAD;
		r->code = WIFEXITED(st) ? WEXITSTATUS(st) : -WTERMSIG(st);
		snprintf(r->detail, sizeof(r->detail), "replaced by a new generation");
	} else if (s->kill_reason && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL) {
		r->reason = s->kill_reason;
		r->code = SIGKILL;
		memcpy(r->detail, s->detail, sizeof(r->detail));
	} else if (WIFEXITED(st)) {
		r->reason = IPC_END_EXIT;
		r->code = WEXITSTATUS(st);
		memcpy(r->detail, s->detail, sizeof(r->detail));
	} else {
		r->reason = IPC_END_SIGNAL;
		r->code = WIFSIGNALED(st) ? WTERMSIG(st) : 0;
		const char *name = sigabbrev_np(r->code);
		snprintf(r->detail, sizeof(r->detail), "SIG%s", name ? name : "?");
	}
	r->detail[sizeof(r->detail) - 1] = '\0';
}

static void remember_restart(struct supervisor *sup, const struct ipc_restart *r)
{
	memmove(&sup->recent[1], &sup->recent[0], sizeof(sup->recent) - sizeof(sup->recent[0]));
	sup->recent[0] = *r;
	if (sup->recent_count < IPC_RECENT_RESTARTS)
		sup->recent_count++;
}

static void start_generation(struct supervisor *sup, bool reload);
static void begin_stop(struct supervisor *sup, int exit_status);

static void schedule_restart(struct supervisor *sup, const struct slot *s)
{
	uint64_t now = now_ms();
	uint64_t uptime = s->ready_ms ? now - s->ready_ms : 0;
	struct backoff_decision d = backoff_next(&sup->backoff, now, uptime);
	if (d.burst && sup->cfg->burst_action == CONFIG_BURST_EXIT) {
		sup_log(sup, IPC_LOG_CRIT,
		        "more than %u restarts within %u ms: giving up so that an outer "
		        "supervisor can take over",
		        sup->cfg->burst_limit, sup->cfg->burst_window_ms);
		begin_stop(sup, 1);
		return;
	}
	if (d.burst)
		sup_log(sup, IPC_LOG_ERROR, "restart burst: throttled to one start per %llu ms",
		        (unsigned long long)d.delay_ms);
	sup->restart_pending = true;
	if (d.delay_ms > 0)
		sup_log(sup, IPC_LOG_NOTICE, "restarting in %llu ms",
		        (unsigned long long)d.delay_ms);
	uv_timer_start(&sup->restart_timer, on_restart_timer, d.delay_ms, 0);
}

static void log_end(struct supervisor *sup, const struct slot *s, const struct ipc_restart *r,
                    bool was_draining)
{
	char how[96];
	spawn_describe_status(s->wait_status, how, sizeof(how));
	/* A drained child that exited 0 did what it was told. */
	enum ipc_log_level level = r->reason == IPC_END_RELOAD ? IPC_LOG_NOTICE : IPC_LOG_WARNING;
	if (r->reason == IPC_END_EXIT && r->code == 0 && was_draining)
		level = IPC_LOG_NOTICE;
	if (r->reason == IPC_END_VIOLATION && s->have_violation)
		sup_log(sup, level,
		        "child generation %u (pid %d) ended (violation): %s (syscall %u, "
		        "args 0x%llx 0x%llx 0x%llx); %s",
		        s->generation, (int)s->pid, r->detail, s->violation.nr,
		        (unsigned long long)s->violation.args[0],
		        (unsigned long long)s->violation.args[1],
		        (unsigned long long)s->violation.args[2], how);
	else
		sup_log(sup, level, "child generation %u (pid %d) ended (%s)%s%s; %s",
		        s->generation, (int)s->pid, ipc_end_reason_name(r->reason),
		        r->detail[0] ? ": " : "", r->detail, how);
}

static void free_slot_if_done(struct slot *s);

/* A child was reaped: classify, log, and decide what comes next. */
static void child_ended(struct supervisor *sup, struct slot *s)
{
	struct ipc_restart r;
	bool was_draining = s->state == SLOT_DRAINING;
	bool was_current = sup->current == s;
	bool was_incoming = sup->incoming == s;
	classify_end(s, &r);
	if (r.reason == IPC_END_VIOLATION)
		sup->violations++;
	s->state = SLOT_ENDED;
	if (was_current)
		sup->current = NULL;
	if (was_incoming)
		sup->incoming = NULL;
	log_end(sup, s, &r, was_draining);
	if (!sup->stopping && (was_current || was_incoming) && r.reason != IPC_END_RELOAD) {
		sup->restarts++;
		remember_restart(sup, &r);
		if (was_incoming)
			sup_log(sup, IPC_LOG_ERROR,
			        "reload failed: generation %u did not take over; generation %u "
			        "keeps serving",
			        s->generation, sup->current ? sup->current->generation : 0);
		if (was_current && sup->incoming == NULL)
			schedule_restart(sup, s);
	}
	if (!s->ep_closed)
		ipc_endpoint_close(&s->ep, on_endpoint_closed);
	publish_status(sup);
	free_slot_if_done(s);
}

static void unlink_slot(struct supervisor *sup, struct slot *s)
{
	for (struct slot **p = &sup->slots; *p != NULL; p = &(*p)->next) {
		if (*p == s) {
			*p = s->next;
			return;
		}
	}
}

static void free_slot_if_done(struct slot *s)
{
	if (s->state != SLOT_ENDED || !s->ep_closed)
		return;
	struct supervisor *sup = s->sup;
	sup->messages_in += s->ep.channel.messages_in;
	sup->messages_out += s->ep.channel.messages_out;
	sup->bytes_in += s->ep.channel.bytes_in;
	sup->bytes_out += s->ep.channel.bytes_out;
	unlink_slot(sup, s);
	free(s);
	if (sup->stopping && sup->slots == NULL)
		uv_stop(&sup->loop);
}

static void on_sigchld(uv_signal_t *handle, int signum)
{
	struct supervisor *sup = handle->data;
	(void)signum;
	int status;
	pid_t pid;
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (struct slot *s = sup->slots; s != NULL; s = s->next) {
			if (s->pid == pid && s->state != SLOT_ENDED) {
				s->wait_status = status;
				child_ended(sup, s);
				break;
			}
		}
	}
}

/* ---- Messages from a child -------------------------------------------------- */

static struct slot *slot_of(struct ipc_endpoint *ep)
{
	return ep->data;
}

static void trace_message(struct slot *s, enum trace_direction dir, const uint8_t *raw, size_t len,
                          unsigned fds)
{
	struct trace *tr = s->sup->setup->trace;
	if (tr != NULL && len > 0)
		trace_record(tr, dir, s->generation, (uint32_t)s->pid, (uint16_t)fds, raw, len);
}

/* The trace zeroes the bearer token of the config (trace_writer.h). */
static void on_sent(struct ipc_endpoint *ep, enum ipc_direction direction, const uint8_t *raw,
                    size_t len, unsigned fds)
{
	(void)direction;
	trace_message(slot_of(ep), TRACE_TO_CHILD, raw, len, fds);
}

static void child_became_ready(struct supervisor *sup, struct slot *s, const struct ipc_ready *r)
{
	s->state = SLOT_READY;
	s->ready_ms = now_ms();
	s->last_ping_ms = s->ready_ms;
	s->started_ns = clock_realtime_ns();
	if (sup->incoming == s) {
		struct slot *old = sup->current;
		sup->incoming = NULL;
		sup->current = s;
		if (old != NULL && old->state == SLOT_READY) {
			struct ipc_message msg = {.type = IPC_SHUTDOWN};
			msg.u.shutdown.grace_ms = sup->cfg->drain_timeout_ms;
			msg.u.shutdown.reason = IPC_SHUTDOWN_RELOAD;
			old->reload = true;
			old->state = SLOT_DRAINING;
			old->deadline_ms = now_ms() + sup->cfg->drain_timeout_ms;
			ipc_endpoint_send(&old->ep, &msg);
		} else if (old != NULL) {
			old->reload = true;
			kill_child(old, IPC_END_RELOAD, "replaced before it was ready");
		}
	}
	sup_log(sup, IPC_LOG_NOTICE,
	        "child generation %u ready: pid %d%s, uid %u, sandbox 0x%x, %u filter "
	        "instructions, exec to ready %.2f ms (child's own boot %.2f ms)",
	        s->generation, (int)s->pid, s->pid_namespace ? " (own PID namespace)" : "", r->uid,
	        r->sandbox, r->policy_instructions, (double)(s->ready_ms - s->spawned_ms),
	        (double)r->boot_ns / 1e6);
	if (!sup->announced_ready) {
		char line[160];
		summary_line(sup, line, sizeof(line));
		notify_ready(&sup->notify, line);
		sup->announced_ready = true;
	}
	publish_status(sup);
}

static void got_pong(struct supervisor *sup, struct slot *s, const struct ipc_pong *p)
{
	if (!s->ping_outstanding || p->nonce != s->ping_nonce) {
		kill_child(s, IPC_END_MALFORMED, "pong for a ping never sent");
		return;
	}
	s->ping_outstanding = false;
	if (s == sup->current)
		notify_watchdog(&sup->notify, now_ms());
}

static void on_message(struct ipc_endpoint *ep, const struct ipc_message *msg, const uint8_t *raw,
                       size_t len)
{
	struct slot *s = slot_of(ep);
	struct supervisor *sup = s->sup;
	trace_message(s, TRACE_TO_PARENT, raw, len, 0);
	switch (msg->type) {
	case IPC_READY:
		if (s->state != SLOT_BOOTING || msg->u.ready.generation != s->generation)
			kill_child(s, IPC_END_MALFORMED, "unexpected ready");
		else
			child_became_ready(sup, s, &msg->u.ready);
		break;
	case IPC_PONG:
		if (s->state != SLOT_READY && s->state != SLOT_DRAINING)
			kill_child(s, IPC_END_MALFORMED, "pong before ready");
		else
			got_pong(sup, s, &msg->u.pong);
		break;
	case IPC_VIOLATION:
		s->have_violation = true;
		s->violation = msg->u.violation;
		kill_child(s, IPC_END_VIOLATION, "%s", msg->u.violation.name);
		break;
	case IPC_ERROR:
		/* A boot failure says why, then exits 70; anything else that
		 * complains is ended the same way. */
		kill_child(s, IPC_END_MALFORMED, "%s", msg->u.error.message);
		break;
	default:
		kill_child(s, IPC_END_MALFORMED, "unexpected %s", ipc_type_name(msg->type));
	}
}

static void on_error(struct ipc_endpoint *ep, const struct ipc_decode_error *err,
                     const uint8_t *raw, size_t len)
{
	struct slot *s = slot_of(ep);
	trace_message(s, TRACE_TO_PARENT, raw, len, 0);
	kill_child(s, IPC_END_MALFORMED, "%s", err->message);
}

static void on_hangup(struct ipc_endpoint *ep)
{
	struct slot *s = slot_of(ep);
	/* It exits, or the parent makes it: no child runs without its link. */
	if (s->state != SLOT_ENDED)
		kill(s->pid, SIGKILL);
	ipc_endpoint_close(ep, on_endpoint_closed);
}

static void on_endpoint_closed(struct ipc_endpoint *ep)
{
	struct slot *s = slot_of(ep);
	s->ep_closed = true;
	free_slot_if_done(s);
}

static const struct ipc_endpoint_callbacks endpoint_callbacks = {
        .on_message = on_message,
        .on_error = on_error,
        .on_close = on_hangup,
        .on_sent = on_sent,
};

/* ---- Starting a child -------------------------------------------------------- */

static int hand_over(struct supervisor *sup, struct slot *s)
{
	struct ipc_message hello = {.type = IPC_HELLO};
	hello.u.hello.generation = s->generation;
	hello.u.hello.parent_pid = (uint32_t)getpid();
	hello.u.hello.parent_start_ns = sup->parent_start_ns;
	const int fds[IPC_HANDOVER_FDS] = {sup->setup->log->fd, sup->setup->listener->fd};
	if (ipc_endpoint_send_hello(&s->ep, &hello, fds) < 0)
		return -1;
	struct ipc_message config = {.type = IPC_CONFIG};
	config.u.config = *sup->setup->child_config;
	return ipc_endpoint_send(&s->ep, &config) < 0 ? -1 : 0;
}

static struct slot *spawn_slot(struct supervisor *sup, int *error)
{
	int pair[2];
	struct slot *s = calloc(1, sizeof(*s));
	if (s == NULL || ipc_socketpair(pair) < 0) {
		*error = errno;
		free(s);
		return NULL;
	}
	s->sup = sup;
	s->generation = ++sup->generation;
	s->spawned_ms = now_ms();
	s->deadline_ms = s->spawned_ms + sup->cfg->ready_timeout_ms;
	struct spawn_result r = spawn_child(sup->setup->child_program, pair[1], sup->devnull_fd,
	                                    &sup->pid_namespace_failed);
	close(pair[1]);
	if (r.error != 0 || ipc_endpoint_start(&sup->loop, &s->ep, pair[0], IPC_TO_PARENT,
	                                       &endpoint_callbacks, s) < 0) {
		*error = r.error ? r.error : EIO;
		close(pair[0]);
		if (r.pid > 0) /* reaped by the SIGCHLD handler: no slot matches */
			kill(r.pid, SIGKILL);
		free(s);
		return NULL;
	}
	s->pid = r.pid;
	s->pid_namespace = r.pid_namespace;
	s->next = sup->slots;
	sup->slots = s;
	return s;
}

static void start_generation(struct supervisor *sup, bool reload)
{
	int error = 0;
	sup->restart_pending = false;
	struct slot *s = spawn_slot(sup, &error);
	if (s == NULL) {
		sup_log(sup, IPC_LOG_ERROR, "cannot start the child %s: %s",
		        sup->setup->child_program, strerror(error));
		if (!reload) {
			struct slot failed = {.generation = sup->generation};
			schedule_restart(sup, &failed);
		}
		return;
	}
	if (reload)
		sup->incoming = s;
	else
		sup->current = s;
	if (hand_over(sup, s) < 0)
		kill_child(s, IPC_END_MALFORMED, "handover failed: the child closed its socket");
	publish_status(sup);
}

static void on_restart_timer(uv_timer_t *timer)
{
	struct supervisor *sup = timer->data;
	if (!sup->stopping && sup->current == NULL)
		start_generation(sup, false);
}

/* ---- Deadlines --------------------------------------------------------------- */

static void send_ping(struct slot *s, uint64_t now)
{
	struct ipc_message msg = {.type = IPC_PING};
	s->ping_nonce = ((uint64_t)s->generation << 32) | (uint32_t)(s->ping_nonce + 1);
	msg.u.ping.nonce = s->ping_nonce;
	msg.u.ping.sent_ns = clock_monotonic_ns();
	s->ping_outstanding = true;
	s->ping_sent_ms = now;
	s->last_ping_ms = now;
	/* A full socket means the child is not reading: the timeout ends it. */
	ipc_endpoint_send(&s->ep, &msg);
}

static void check_slot(struct supervisor *sup, struct slot *s, uint64_t now)
{
	const struct warden_config *cfg = sup->cfg;
	switch (s->state) {
	case SLOT_BOOTING:
		if (now >= s->deadline_ms)
			kill_child(s, IPC_END_READY_TIMEOUT, "not ready within %u ms",
			           cfg->ready_timeout_ms);
		break;
	case SLOT_READY:
		if (s->ping_outstanding && now - s->ping_sent_ms >= cfg->heartbeat_timeout_ms)
			kill_child(s, IPC_END_HEARTBEAT, "no answer within %u ms",
			           cfg->heartbeat_timeout_ms);
		else if (!s->ping_outstanding &&
		         now - s->last_ping_ms >= cfg->heartbeat_interval_ms)
			send_ping(s, now);
		break;
	case SLOT_DRAINING:
		if (now >= s->deadline_ms)
			kill_child(s, s->reload ? IPC_END_RELOAD : IPC_END_EXIT,
			           "still draining after %u ms", cfg->drain_timeout_ms);
		break;
	case SLOT_ENDED:
		break;
	}
}

static void on_tick(uv_timer_t *timer)
{
	struct supervisor *sup = timer->data;
	uint64_t now = now_ms();
	for (struct slot *s = sup->slots, *next; s != NULL; s = next) {
		next = s->next;
		check_slot(sup, s, now);
	}
	if (sup->stopping && now >= sup->stop_deadline_ms)
		for (struct slot *s = sup->slots; s != NULL; s = s->next)
			kill_child(s, IPC_END_EXIT, "shutdown grace period over");
	if (!sup->stopping && now - sup->last_status_ms >= sup->cfg->status_interval_ms)
		publish_status(sup);
	if (sup->setup->trace != NULL && now - sup->last_flush_ms >= TRACE_FLUSH_MS) {
		trace_flush(sup->setup->trace);
		sup->last_flush_ms = now;
	}
}

/* ---- Signals ---------------------------------------------------------------- */

static void begin_stop(struct supervisor *sup, int exit_status)
{
	if (sup->stopping)
		return;
	sup->stopping = true;
	sup->exit_status = exit_status;
	sup->stop_deadline_ms = now_ms() + sup->cfg->drain_timeout_ms;
	notify_stopping(&sup->notify);
	uv_timer_stop(&sup->restart_timer);
	for (struct slot *s = sup->slots; s != NULL; s = s->next) {
		if (s->state == SLOT_READY) {
			struct ipc_message msg = {.type = IPC_SHUTDOWN};
			msg.u.shutdown.grace_ms = sup->cfg->drain_timeout_ms;
			msg.u.shutdown.reason = IPC_SHUTDOWN_TERMINATE;
			s->state = SLOT_DRAINING;
			s->deadline_ms = sup->stop_deadline_ms;
			ipc_endpoint_send(&s->ep, &msg);
		} else if (s->state == SLOT_BOOTING) {
			kill_child(s, IPC_END_EXIT, "shutdown before it was ready");
		}
	}
	if (sup->slots == NULL)
		uv_stop(&sup->loop);
}

static void on_terminate(uv_signal_t *handle, int signum)
{
	struct supervisor *sup = handle->data;
	if (sup->stopping) {
		sup_log(sup, IPC_LOG_WARNING, "%s again: killing the children now",
		        sigabbrev_np(signum));
		sup->stop_deadline_ms = 0;
		return;
	}
	sup_log(sup, IPC_LOG_NOTICE, "SIG%s: draining (at most %u ms), then exiting",
	        sigabbrev_np(signum), sup->cfg->drain_timeout_ms);
	begin_stop(sup, 0);
}

static void on_reload(uv_signal_t *handle, int signum)
{
	struct supervisor *sup = handle->data;
	char err[PATH_MAX + 128];
	(void)signum;
	if (sup->stopping)
		return;
	if (logfile_reopen(sup->setup->log, err, sizeof(err)) < 0)
		sup_log(sup, IPC_LOG_ERROR, "SIGHUP: %s; keeping the old log file", err);
	else
		sup_log(sup, IPC_LOG_NOTICE, "SIGHUP: reopened %s; starting a new generation",
		        sup->setup->log->path);
	if (sup->incoming != NULL)
		kill_child(sup->incoming, IPC_END_RELOAD, "superseded by another SIGHUP");
	if (sup->current != NULL && sup->current->state == SLOT_READY)
		start_generation(sup, true);
	/* Else the next start uses the new file anyway. */
}

/* ---- Set-up and the loop ---------------------------------------------------------- */

static int start_signal(struct supervisor *sup, uv_signal_t *h, int signum, uv_signal_cb cb)
{
	h->data = sup;
	if (uv_signal_init(&sup->loop, h) < 0)
		return -1;
	return uv_signal_start(h, cb, signum) < 0 ? -1 : 0;
}

static int init_loop(struct supervisor *sup)
{
	if (uv_loop_init(&sup->loop) < 0)
		return -1;
	uv_timer_init(&sup->loop, &sup->tick);
	uv_timer_init(&sup->loop, &sup->restart_timer);
	sup->tick.data = sup;
	sup->restart_timer.data = sup;
	if (start_signal(sup, &sup->sigchld, SIGCHLD, on_sigchld) < 0 ||
	    start_signal(sup, &sup->sigterm, SIGTERM, on_terminate) < 0 ||
	    start_signal(sup, &sup->sigint, SIGINT, on_terminate) < 0 ||
	    start_signal(sup, &sup->sighup, SIGHUP, on_reload) < 0)
		return -1;
	return uv_timer_start(&sup->tick, on_tick, TICK_MS, TICK_MS) < 0 ? -1 : 0;
}

static void close_handle(uv_handle_t *h, void *arg)
{
	(void)arg;
	if (!uv_is_closing(h))
		uv_close(h, NULL);
}

static void close_loop(struct supervisor *sup)
{
	uv_walk(&sup->loop, close_handle, NULL);
	uv_run(&sup->loop, UV_RUN_DEFAULT);
	uv_loop_close(&sup->loop);
}

static struct backoff_config backoff_config_of(const struct warden_config *cfg)
{
	return (struct backoff_config){
	        .initial_ms = cfg->restart_initial_ms,
	        .max_ms = cfg->restart_max_ms,
	        .stable_ms = cfg->restart_stable_ms,
	        .factor = cfg->restart_factor,
	        .burst_limit = cfg->burst_limit,
	        .burst_window_ms = cfg->burst_window_ms,
	};
}

int supervisor_run(const struct supervisor_setup *setup)
{
	struct supervisor *sup = calloc(1, sizeof(*sup));
	int status = 1;
	if (sup == NULL)
		return 1;
	sup->setup = setup;
	sup->cfg = setup->config;
	sup->parent_start_ns = clock_realtime_ns();
	sup->devnull_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	notify_init(&sup->notify);
	struct backoff_config bc = backoff_config_of(sup->cfg);
	if (sup->devnull_fd < 0 || backoff_init(&sup->backoff, &bc) < 0 || init_loop(sup) < 0) {
		fprintf(stderr, "warden: cannot set up the event loop\n");
		goto out;
	}
	sup_log(sup, IPC_LOG_NOTICE, "warden %s: listening on %s%s, log %s, child %s",
	        WARDEN_VERSION, setup->listener->address,
	        setup->listener->from_systemd ? " (from systemd)" : "", setup->log->path,
	        setup->child_program);
	start_generation(sup, false);
	uv_run(&sup->loop, UV_RUN_DEFAULT);
	status = sup->exit_status;
	sup_log(sup, status == 0 ? IPC_LOG_NOTICE : IPC_LOG_CRIT, "parent exiting with status %d",
	        status);
	close_loop(sup);
out:
	backoff_free(&sup->backoff);
	if (sup->devnull_fd >= 0)
		close(sup->devnull_fd);
	free(sup);
	return status;
}
