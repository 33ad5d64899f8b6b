/*
 * generation.c - see generation.h.
 */
#include "generation.h"
#include "listener.h"
#include "logfile.h"
#include "spawn.h"
#include "common/clock.h"
#include "ipc/trace_writer.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { COMPLAIN_WARN_MS = 60000 };

/* ---- The parent's log ------------------------------------------------------ */

struct generation *generations_serving(const struct generations *set)
{
	struct generation *g = set->current;
	/* One being killed serves no more: what is sent to it is lost. */
	if (g == NULL || g->state != GENERATION_READY || g->ep_closed || g->kill_reason != 0)
		return NULL;
	return g;
}

void generations_log(struct generations *set, enum ipc_log_level level, const char *fmt, ...)
{
	struct ipc_message msg = {.type = IPC_LOG};
	struct ipc_log *rec = &msg.u.log;
	va_list ap;
	if ((unsigned)level < set->cfg->log_level)
		return; /* below [log] level: no message, no IPC */
	va_start(ap, fmt);
	int n = vsnprintf(rec->text, sizeof(rec->text), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	rec->text_length =
	        (uint16_t)((size_t)n < sizeof(rec->text) ? (size_t)n : sizeof(rec->text) - 1);
	rec->level = (uint8_t)level;
	rec->time_ns = clock_realtime_ns();
	if (set->replay != NULL)
		log_replay_keep(set->replay, rec);
	struct generation *g = generations_serving(set);
	if (g != NULL && ipc_endpoint_send(&g->ep, &msg) > 0)
		return;
	logfile_write(set->setup->log, rec);
}

/* ---- IPC totals ---------------------------------------------------------------- */

static void add_channel(struct generation_traffic *t, const struct ipc_channel *ch)
{
	t->messages_in += ch->messages_in;
	t->messages_out += ch->messages_out;
	t->bytes_in += ch->bytes_in;
	t->bytes_out += ch->bytes_out;
}

struct generation_traffic generations_traffic(const struct generations *set)
{
	struct generation_traffic t = set->closed;
	for (const struct generation *g = set->list; g != NULL; g = g->next)
		if (!g->ep_closed)
			add_channel(&t, &g->ep.channel);
	return t;
}

/* ---- Counters carried over ------------------------------------------------------ */

/* The counters that only grow; the gauges are the serving child's own. */
static void add_counters(struct ipc_counters *t, const struct ipc_counters *c)
{
	t->connections_accepted += c->connections_accepted;
	t->connections_refused += c->connections_refused;
	t->requests += c->requests;
	for (size_t i = 0; i < sizeof(t->responses) / sizeof(t->responses[0]); i++)
		t->responses[i] += c->responses[i];
	t->bytes_in += c->bytes_in;
	t->bytes_out += c->bytes_out;
	t->log_lines += c->log_lines;
	t->log_write_errors += c->log_write_errors;
	t->timeouts += c->timeouts;
	t->allocation_failures += c->allocation_failures;
	for (size_t i = 0; i < IPC_LOG_LEVELS; i++)
		t->log_lines_by_level[i] += c->log_lines_by_level[i];
	for (size_t i = 0; i < IPC_LOG_ERROR_CLASSES; i++)
		t->log_write_errors_by_class[i] += c->log_write_errors_by_class[i];
}

void generations_carried(const struct generations *set, const struct generation *except,
                         struct ipc_counters *out)
{
	*out = set->ended;
	for (const struct generation *g = set->list; g != NULL; g = g->next)
		if (g != except)
			add_counters(out, &g->counters);
}

/* ---- Ending a child ------------------------------------------------------------ */

static void on_endpoint_closed(struct ipc_endpoint *ep);

/* The current generation is gone or going: the owner hears of it once. */
static void report_lost(struct generation *g)
{
	struct generations *set = g->set;
	if (g != set->current || g->lost)
		return;
	g->lost = true;
	set->events->lost(set, g);
}

void generation_kill(struct generation *g, uint32_t reason, const char *fmt, ...)
{
	if (g->state == GENERATION_ENDED)
		return;
	if (g->kill_reason == 0) {
		g->kill_reason = reason;
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(g->detail, sizeof(g->detail), fmt, ap);
		va_end(ap);
	}
	/* Not reaped yet, so the pid is still ours (a zombie at worst). */
	kill(g->pid, SIGKILL);
	report_lost(g);
	if (!g->ep_closed)
		ipc_endpoint_close(&g->ep, on_endpoint_closed);
}

struct generation *generations_reaped(struct generations *set, pid_t pid, int wait_status)
{
	for (struct generation *g = set->list; g != NULL; g = g->next) {
		if (g->pid == pid && g->state != GENERATION_ENDED) {
			g->wait_status = wait_status;
			report_lost(g);
			return g;
		}
	}
	return NULL;
}

enum generation_role generations_end(struct generations *set, struct generation *g)
{
	enum generation_role role = GENERATION_REPLACED;
	if (set->current == g) {
		set->current = NULL;
		role = GENERATION_CURRENT;
	} else if (set->incoming == g) {
		set->incoming = NULL;
		role = GENERATION_INCOMING;
	} else if (set->standby == g) {
		set->standby = NULL;
		role = GENERATION_STANDBY;
	} else if (g->failed_over) {
		role = GENERATION_CURRENT;
	}
	g->state = GENERATION_ENDED;
	seccomp_notify_close(g->notify);
	g->notify = NULL;
	if (!g->ep_closed)
		ipc_endpoint_close(&g->ep, on_endpoint_closed);
	return role;
}

static void unlink_generation(struct generations *set, struct generation *g)
{
	for (struct generation **p = &set->list; *p != NULL; p = &(*p)->next) {
		if (*p == g) {
			*p = g->next;
			return;
		}
	}
}

void generation_free_if_closed(struct generation *g)
{
	if (g->state != GENERATION_ENDED || !g->ep_closed)
		return;
	struct generations *set = g->set;
	add_channel(&set->closed, &g->ep.channel);
	add_counters(&set->ended, &g->counters);
	unlink_generation(set, g);
	policy_explainer_free(g->explainer);
	free(g);
	set->events->freed(set);
}

/* ---- Messages from a child -------------------------------------------------- */

static struct generation *generation_of(struct ipc_endpoint *ep)
{
	return ep->data;
}

static void trace_message(struct generation *g, enum trace_direction dir, const uint8_t *raw,
                          size_t len, unsigned fds)
{
	struct trace *tr = g->set->setup->trace;
	if (tr != NULL && len > 0)
		trace_record(tr, dir, g->number, (uint32_t)g->pid, (uint16_t)fds, raw, len);
}

/* The trace zeroes the bearer token of the config (trace_writer.h). */
static void on_sent(struct ipc_endpoint *ep, enum ipc_direction direction, const uint8_t *raw,
                    size_t len, unsigned fds)
{
	(void)direction;
	trace_message(generation_of(ep), TRACE_TO_CHILD, raw, len, fds);
}

static void send_ping(struct generation *g, uint64_t now);

/* A draining child answers one more ping only once drained, then exits:
 * the counts it made since its last heartbeat reach the totals. With a
 * ping still unanswered, it goes when that pong comes (got_pong). */
static void send_final_ping(struct generation *g)
{
	if (g->state != GENERATION_DRAINING || g->final_ping_sent || g->ping_outstanding)
		return;
	g->final_ping_sent = true;
	send_ping(g, clock_monotonic_ms());
}

/* Tells a ready generation to stop accepting and finish within the drain
 * timeout; it is killed at `deadline_ms`. */
static void drain(struct generation *g, enum ipc_shutdown_reason reason, uint64_t deadline_ms)
{
	struct ipc_message msg = {.type = IPC_SHUTDOWN};
	msg.u.shutdown.grace_ms = g->set->cfg->drain_timeout_ms;
	msg.u.shutdown.reason = reason;
	g->state = GENERATION_DRAINING;
	g->deadline_ms = deadline_ms;
	ipc_endpoint_send(&g->ep, &msg);
	send_final_ping(g);
}

/* A standby started before the reload's generation runs the configuration
 * before the reload: it must never serve, so it goes with the one it
 * stood by for (the owner starts a new one). */
static void retire_older_standby(struct generations *set, const struct generation *g)
{
	struct generation *old = set->standby;
	if (old == NULL || old->number > g->number)
		return;
	set->standby = NULL;
	old->reload = true;
	generation_kill(old, IPC_END_RELOAD, "standby for the configuration before the reload");
}

/* A reload's generation is ready: it serves, and the one it replaces
 * drains (or, not ready itself, is killed). */
static void take_over(struct generations *set, struct generation *g)
{
	struct generation *old = set->current;
	set->incoming = NULL;
	set->current = g;
	retire_older_standby(set, g);
	if (old != NULL && old->state == GENERATION_READY) {
		old->reload = true;
		drain(old, IPC_SHUTDOWN_RELOAD, clock_monotonic_ms() + set->cfg->drain_timeout_ms);
	} else if (old != NULL) {
		old->reload = true;
		generation_kill(old, IPC_END_RELOAD, "replaced before it was ready");
	}
}

/* Logs what could not be seen, once per generation: not attested, but no
 * mismatch either. */
static void log_unseen(struct generations *set, const struct generation *g,
                       const struct attest_result *a)
{
	char names[160] = "";
	size_t used = 0;
	for (unsigned bit = 0; ipc_sandbox_flag_name(bit) != NULL; bit++)
		if ((a->unseen >> bit) & 1u)
			used += (size_t)snprintf(names + used, sizeof(names) - used, "%s%s",
			                         used ? ", " : "", ipc_sandbox_flag_name(bit));
	if (a->fds_unseen && used < sizeof(names))
		snprintf(names + used, sizeof(names) - used, "%sfd_layout", used ? ", " : "");
	generations_log(set, IPC_LOG_WARNING,
	                "child generation %u: not attested from outside: %s (/proc/%d/ns and fd "
	                "need CAP_SYS_PTRACE: the child is not dumpable)",
	                g->number, names, (int)g->pid);
}

/* Checks the ready's claims against what /proc shows of the child. Each
 * mismatch is a CRIT line and the child is killed: false. */
static bool attest(struct generations *set, struct generation *g, const struct ipc_ready *r)
{
	struct attest_view view, self;
	struct attest_result result;
	char why[160];
	if (attest_read(g->pid, &view, why, sizeof(why)) < 0 ||
	    attest_read(0, &self, why, sizeof(why)) < 0) {
		generations_log(set, IPC_LOG_CRIT,
		                "child generation %u (pid %d) failed attestation: %s", g->number,
		                (int)g->pid, why);
		generation_kill(g, IPC_END_ATTESTATION, "%s", why);
		return false;
	}
	attest_compare(&view, &self, &g->expect, r, &result);
	for (size_t i = 0; i < result.count; i++)
		generations_log(set, IPC_LOG_CRIT,
		                "child generation %u (pid %d) failed attestation: %s", g->number,
		                (int)g->pid, result.mismatch[i]);
	if (result.count > 0) {
		generation_kill(g, IPC_END_ATTESTATION, "%s", result.mismatch[0]);
		return false;
	}
	if (result.unseen != 0 || result.fds_unseen)
		log_unseen(set, g, &result);
	g->attested = result.attested;
	return true;
}

/* ---- Violations ------------------------------------------------------------- */

/* What the filter of `g` does with a denied call: as its config said. */
static enum ipc_deny_action deny_action(const struct generation *g)
{
	return (enum ipc_deny_action)g->deny_action;
}

static void send_report(struct generation *g, const struct ipc_report *r)
{
	struct ipc_message msg = {.type = IPC_REPORT};
	if (r->shape == 0 || g == NULL || g->state == GENERATION_ENDED || g->ep_closed)
		return;
	msg.u.report = *r;
	ipc_endpoint_send(&g->ep, &msg);
}

/* Explains, counts and logs one denied call of `g`; the serving child's
 * GUI hears of it (and, in complain mode, `g`'s own). */
static void record_violation(struct generations *set, struct generation *g,
                             enum ipc_deny_action action, const struct policy_call *call)
{
	char line[VIOLATION_LINE_MAX];
	struct ipc_report report;
	/* Every call that ends a child is logged; complain mode's repeats
	 * are counted, and logged once a minute per shape. */
	if (violation_book_record(set->book, g->explainer, g->number, (int)g->pid, action, call,
	                          line, sizeof(line), &report) ||
	    action != IPC_DENY_COMPLAIN)
		generations_log(set, IPC_LOG_WARNING, "%s", line);
	struct generation *serving = generations_serving(set);
	send_report(serving, &report);
	if (serving != g && action == IPC_DENY_COMPLAIN)
		send_report(g, &report);
}

static void keep_violation(struct generation *g, const struct policy_call *call)
{
	g->have_violation = true;
	memset(&g->violation, 0, sizeof(g->violation));
	g->violation.nr = (uint32_t)call->nr;
	g->violation.arch = call->arch;
	memcpy(g->violation.args, call->args, sizeof(g->violation.args));
	g->violation.ip = call->ip;
	struct policy_explanation e;
	if (g->explainer != NULL && policy_explain(g->explainer, call, &e) >= 0 &&
	    e.syscall != NULL && strlen(e.syscall) < sizeof(g->violation.name))
		memcpy(g->violation.name, e.syscall, strlen(e.syscall));
}

/* The kernel holds a call of `g`'s that its policy denies. */
static void on_notified(void *data, uint64_t id, pid_t pid, const struct policy_call *call)
{
	struct generation *g = data;
	struct generations *set = g->set;
	enum ipc_deny_action action = deny_action(g);
	(void)pid;
	if (action == IPC_DENY_COMPLAIN && seccomp_notify_continue(g->notify, id) == 0) {
		record_violation(set, g, action, call);
		return;
	}
	/* Killed while the call waits: it never runs. */
	keep_violation(g, call);
	generation_kill(g, IPC_END_VIOLATION, "%s",
	                g->violation.name[0] ? g->violation.name : "unnamed syscall");
	record_violation(set, g, action, call);
}

/* The child's own report (trap mode): its numbers, the parent's words. */
static void reported_violation(struct generations *set, struct generation *g,
                               const struct ipc_violation *v)
{
	struct policy_call call = {.nr = (int)v->nr, .arch = v->arch, .ip = v->ip};
	memcpy(call.args, v->args, sizeof(call.args));
	g->have_violation = true;
	g->violation = *v;
	generation_kill(g, IPC_END_VIOLATION, "%s", v->name);
	record_violation(set, g, IPC_DENY_TRAP, &call);
}

/* The explainer from READY's bindings, and in notify and complain mode the
 * parent's copy of the listener READY names: without them the child is not
 * what the parent started. False: killed. */
static bool take_filter(struct generations *set, struct generation *g, const struct ipc_ready *r)
{
	char why[256];
	bool notify = deny_action(g) == IPC_DENY_NOTIFY || deny_action(g) == IPC_DENY_COMPLAIN;
	g->explainer = violation_explainer_new(set->book, r, why, sizeof(why));
	if (g->explainer == NULL)
		goto fail;
	if (notify != (r->listener_fd != 0)) {
		snprintf(why, sizeof(why), "deny action %s, but ready names %s listener",
		         ipc_deny_action_name(deny_action(g)), notify ? "no" : "a");
		goto fail;
	}
	if (notify && (g->notify = seccomp_notify_take(set->loop, g->pid, (int)r->listener_fd,
	                                               on_notified, g, why, sizeof(why))) == NULL)
		goto fail;
	return true;
fail:
	generations_log(set, IPC_LOG_CRIT, "child generation %u (pid %d) failed attestation: %s",
	                g->number, (int)g->pid, why);
	generation_kill(g, IPC_END_ATTESTATION, "%s", why);
	return false;
}

/* A new generation's GUI gets every shape seen so far. */
static void send_reports(struct generations *set, struct generation *g)
{
	for (size_t i = 0; i < violation_book_count(set->book); i++)
		send_report(g, violation_book_at(set->book, i));
}

/* The parent's recent WARNING+ records, for the ring of one that serves
 * now. They are in the log file already: should its queue be full, the
 * rest are left out rather than wait. */
static void replay_log(struct generations *set, struct generation *g)
{
	struct ipc_message msg = {.type = IPC_LOG};
	for (size_t i = 0; i < log_replay_count(set->replay); i++) {
		msg.u.log = *log_replay_at(set->replay, i);
		msg.u.log.flags = IPC_LOG_REPLAYED;
		if (ipc_endpoint_send(&g->ep, &msg) < 0)
			return;
	}
}

/* The word that lets an attested generation accept: after the status, so
 * that its counters count from the parent's start from its first client
 * on; then the records it is to show. */
static void serve(struct generation *g)
{
	struct generations *set = g->set;
	set->events->serving(set, g);
	struct ipc_message msg = {.type = IPC_SERVE};
	msg.u.serve.attested = g->attested;
	ipc_endpoint_send(&g->ep, &msg);
	replay_log(set, g);
}

/* "ready" (and serving) or "standing by" */
static void log_ready(struct generations *set, const struct generation *g,
                      const struct ipc_ready *r, const char *as)
{
	generations_log(set, IPC_LOG_NOTICE,
	                "child generation %u %s: pid %d%s, uid %u, sandbox claimed 0x%x, "
	                "attested 0x%x, %u filter instructions (deny action %s; bindings "
	                "epoll_fd=%u first_client_fd=%u fd_limit=%u), exec to ready %.2f ms "
	                "(child's own boot %.2f ms)",
	                g->number, as, (int)g->pid, g->pid_namespace ? " (own PID namespace)" : "",
	                r->uid, r->sandbox, g->attested, r->policy_instructions,
	                ipc_deny_action_name(deny_action(g)), r->epoll_fd, r->first_client_fd,
	                r->fd_limit, (double)(g->ready_ms - g->spawned_ms),
	                (double)r->boot_ns / 1e6);
}

static void became_ready(struct generations *set, struct generation *g, const struct ipc_ready *r)
{
	g->state = GENERATION_READY;
	g->ready_ms = clock_monotonic_ms();
	g->last_ping_ms = g->ready_ms;
	g->started_ns = clock_realtime_ns();
	if (set->standby == g) {
		log_ready(set, g, r, "standing by");
		set->events->standing_by(set);
		return;
	}
	if (set->incoming == g)
		take_over(set, g);
	serve(g);
	send_reports(set, g);
	log_ready(set, g, r, "ready");
	set->events->ready(set);
}

struct generation *generations_promote_standby(struct generations *set, struct generation *lost)
{
	struct generation *g = set->standby;
	if (g == NULL || lost != set->current)
		return NULL;
	set->standby = NULL;
	set->current = g;
	lost->failed_over = true;
	if (g->state == GENERATION_READY) {
		serve(g); /* first: the service waits for nothing else */
		send_reports(set, g);
	}
	return g;
}

static void got_pong(struct generations *set, struct generation *g, const struct ipc_pong *p)
{
	if (!g->ping_outstanding || p->nonce != g->ping_nonce) {
		generation_kill(g, IPC_END_MALFORMED, "pong for a ping never sent");
		return;
	}
	g->ping_outstanding = false;
	g->counters = p->counters;
	if (g == set->current)
		set->events->answered(set);
	send_final_ping(g);
}

static void on_message(struct ipc_endpoint *ep, const struct ipc_message *msg, const uint8_t *raw,
                       size_t len)
{
	struct generation *g = generation_of(ep);
	struct generations *set = g->set;
	trace_message(g, TRACE_TO_PARENT, raw, len, 0);
	switch (msg->type) {
	case IPC_READY:
		if (g->state != GENERATION_BOOTING || msg->u.ready.generation != g->number ||
		    g->kill_reason != 0)
			generation_kill(g, IPC_END_MALFORMED, "unexpected ready");
		else if (attest(set, g, &msg->u.ready) && take_filter(set, g, &msg->u.ready))
			became_ready(set, g, &msg->u.ready);
		break;
	case IPC_PONG:
		if (g->state != GENERATION_READY && g->state != GENERATION_DRAINING)
			generation_kill(g, IPC_END_MALFORMED, "pong before ready");
		else
			got_pong(set, g, &msg->u.pong);
		break;
	case IPC_VIOLATION:
		reported_violation(set, g, &msg->u.violation);
		break;
	case IPC_ERROR:
		/* A boot failure says why, then exits 70; anything else that
		 * complains is ended the same way. */
		generation_kill(g, IPC_END_MALFORMED, "%s", msg->u.error.message);
		break;
	default:
		generation_kill(g, IPC_END_MALFORMED, "unexpected %s", ipc_type_name(msg->type));
	}
}

static void on_error(struct ipc_endpoint *ep, const struct ipc_decode_error *err,
                     const uint8_t *raw, size_t len)
{
	struct generation *g = generation_of(ep);
	trace_message(g, TRACE_TO_PARENT, raw, len, 0);
	generation_kill(g, IPC_END_MALFORMED, "%s", err->message);
}

static void on_hangup(struct ipc_endpoint *ep)
{
	struct generation *g = generation_of(ep);
	/* It exits, or the parent makes it: no child runs without its link. */
	if (g->state != GENERATION_ENDED)
		kill(g->pid, SIGKILL);
	report_lost(g);
	ipc_endpoint_close(ep, on_endpoint_closed);
}

static void on_endpoint_closed(struct ipc_endpoint *ep)
{
	struct generation *g = generation_of(ep);
	g->ep_closed = true;
	generation_free_if_closed(g);
}

static const struct ipc_endpoint_callbacks endpoint_callbacks = {
        .on_message = on_message,
        .on_error = on_error,
        .on_close = on_hangup,
        .on_sent = on_sent,
};

/* ---- Starting a child -------------------------------------------------------- */

static int hand_over(struct generations *set, struct generation *g)
{
	struct ipc_message hello = {.type = IPC_HELLO};
	hello.u.hello.generation = g->number;
	hello.u.hello.parent_pid = (uint32_t)getpid();
	hello.u.hello.parent_start_ns = set->parent_start_ns;
	const int fds[IPC_HANDOVER_FDS] = {set->setup->log->fd, set->setup->listener->fd};
	/* The child's fds 2 (inherited), 4 and 5 must be these very files; its
	 * fd 3 was noted at the spawn. */
	g->expect.handed[0] = attest_file_of(2);
	g->expect.handed[2] = attest_file_of(fds[0]);
	g->expect.handed[3] = attest_file_of(fds[1]);
	const struct ipc_config *sent = &set->setup->settings->child_config;
	g->expect.max_connections = sent->max_connections;
	g->expect.address_space = attest_address_space(sent->memory_reserve_kib);
	g->deny_action = sent->deny_action;
	g->expect.parent_is_root = geteuid() == 0;
	if (ipc_endpoint_send_hello(&g->ep, &hello, fds) < 0)
		return -1;
	struct ipc_message config = {.type = IPC_CONFIG};
	config.u.config = *sent;
	return ipc_endpoint_send(&g->ep, &config) < 0 ? -1 : 0;
}

static struct generation *spawn(struct generations *set, int *error)
{
	int pair[2];
	struct generation *g = calloc(1, sizeof(*g));
	if (g == NULL || ipc_socketpair(pair) < 0) {
		*error = errno;
		free(g);
		return NULL;
	}
	g->set = set;
	g->number = ++set->last_number;
	g->spawned_ms = clock_monotonic_ms();
	g->deadline_ms = g->spawned_ms + set->cfg->ready_timeout_ms;
	struct spawn_result r = spawn_child(set->setup->settings->child_program, pair[1],
	                                    set->devnull_fd, &set->pid_namespace_failed);
	g->expect.handed[1] = attest_file_of(pair[1]); /* the child's fd 3 */
	close(pair[1]);
	if (r.error != 0 || ipc_endpoint_start(set->loop, &g->ep, pair[0], IPC_TO_PARENT,
	                                       &endpoint_callbacks, g) < 0) {
		*error = r.error ? r.error : EIO;
		close(pair[0]);
		if (r.pid > 0) /* reaped by the SIGCHLD handler: no generation matches */
			kill(r.pid, SIGKILL);
		free(g);
		return NULL;
	}
	g->pid = r.pid;
	g->pid_namespace = r.pid_namespace;
	g->next = set->list;
	set->list = g;
	return g;
}

static const char *role_words(enum generation_role role)
{
	switch (role) {
	case GENERATION_INCOMING:
		return ", to take over after a reload";
	case GENERATION_STANDBY:
		return ", to stand by";
	default:
		return "";
	}
}

struct generation *generations_start(struct generations *set, enum generation_role role)
{
	int error = 0;
	struct generation *g = spawn(set, &error);
	if (g == NULL) {
		generations_log(set, IPC_LOG_ERROR, "cannot start the child %s: %s",
		                set->setup->settings->child_program, strerror(error));
		return NULL;
	}
	if (role == GENERATION_INCOMING)
		set->incoming = g;
	else if (role == GENERATION_STANDBY)
		set->standby = g;
	else
		set->current = g;
	generations_log(set, IPC_LOG_DEBUG, "child generation %u spawned: pid %d, program %s%s",
	                g->number, (int)g->pid, set->setup->settings->child_program,
	                role_words(role));
	if (hand_over(set, g) < 0)
		generation_kill(g, IPC_END_MALFORMED,
		                "handover failed: the child closed its socket");
	return g;
}

/* ---- Deadlines --------------------------------------------------------------- */

static void send_ping(struct generation *g, uint64_t now)
{
	struct ipc_message msg = {.type = IPC_PING};
	g->ping_nonce = ((uint64_t)g->number << 32) | (uint32_t)(g->ping_nonce + 1);
	msg.u.ping.nonce = g->ping_nonce;
	msg.u.ping.sent_ns = clock_monotonic_ns();
	g->ping_outstanding = true;
	g->ping_sent_ms = now;
	g->last_ping_ms = now;
	/* A full socket means the child is not reading: the timeout ends it. */
	ipc_endpoint_send(&g->ep, &msg);
}

static void check(const struct warden_config *cfg, struct generation *g, uint64_t now)
{
	switch (g->state) {
	case GENERATION_BOOTING:
		if (now >= g->deadline_ms)
			generation_kill(g, IPC_END_READY_TIMEOUT, "not ready within %u ms",
			                cfg->ready_timeout_ms);
		break;
	case GENERATION_READY:
		if (g->ping_outstanding && now - g->ping_sent_ms >= cfg->heartbeat_timeout_ms)
			generation_kill(g, IPC_END_HEARTBEAT, "no answer within %u ms",
			                cfg->heartbeat_timeout_ms);
		else if (!g->ping_outstanding &&
		         now - g->last_ping_ms >= cfg->heartbeat_interval_ms)
			send_ping(g, now);
		break;
	case GENERATION_DRAINING:
		if (now >= g->deadline_ms)
			generation_kill(g, g->reload ? IPC_END_RELOAD : IPC_END_EXIT,
			                "still draining after %u ms", cfg->drain_timeout_ms);
		break;
	case GENERATION_ENDED:
		break;
	}
}

/* Complain mode is loud: a WARNING once a child serves and every minute
 * after, through the serving child's log like every parent record. */
static void warn_complain(struct generations *set, uint64_t now_ms)
{
	if (set->setup->settings->child_config.deny_action != IPC_DENY_COMPLAIN ||
	    generations_serving(set) == NULL ||
	    (set->complain_warned_ms != 0 && now_ms - set->complain_warned_ms < COMPLAIN_WARN_MS))
		return;
	set->complain_warned_ms = now_ms;
	generations_log(set, IPC_LOG_WARNING,
	                "sandbox in COMPLAIN MODE: the child's calls outside its policy RUN, "
	                "reported only (%llu let through so far); never use it in production",
	                (unsigned long long)violation_book_let_through(set->book));
}

void generations_check(struct generations *set, uint64_t now_ms)
{
	warn_complain(set, now_ms);
	for (struct generation *g = set->list, *next; g != NULL; g = next) {
		next = g->next;
		check(set->cfg, g, now_ms);
	}
}

/* ---- Stopping ---------------------------------------------------------------- */

void generations_stop(struct generations *set, uint64_t deadline_ms)
{
	for (struct generation *g = set->list; g != NULL; g = g->next) {
		if (g->state == GENERATION_READY)
			drain(g, IPC_SHUTDOWN_TERMINATE, deadline_ms);
		else if (g->state == GENERATION_BOOTING)
			generation_kill(g, IPC_END_EXIT, "shutdown before it was ready");
	}
}

void generations_kill_all(struct generations *set, uint32_t reason, const char *detail)
{
	for (struct generation *g = set->list; g != NULL; g = g->next)
		generation_kill(g, reason, "%s", detail);
}

/* ---- The set ------------------------------------------------------------------ */

int generations_init(struct generations *set, uv_loop_t *loop, const struct supervisor_setup *setup,
                     const struct generation_events *events, void *data)
{
	memset(set, 0, sizeof(*set));
	set->loop = loop;
	set->setup = setup;
	set->cfg = &setup->settings->config;
	set->events = events;
	set->data = data;
	set->parent_start_ns = clock_realtime_ns();
	set->devnull_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	set->book = violation_book_new();
	set->replay = calloc(1, sizeof(*set->replay));
	return set->devnull_fd < 0 || set->book == NULL || set->replay == NULL ? -1 : 0;
}

void generations_close(struct generations *set)
{
	if (set->devnull_fd >= 0)
		close(set->devnull_fd);
	set->devnull_fd = -1;
	violation_book_free(set->book);
	set->book = NULL;
	free(set->replay);
	set->replay = NULL;
}
