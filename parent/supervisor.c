/*
 * supervisor.c - see supervisor.h.
 *
 * The loop, and what the parent does on each of its events: a child reaped
 * (SIGCHLD), SIGTERM or SIGINT, SIGHUP, the restart timer, the tick, and
 * what the generations report. It calls on six parts, which call no part
 * above them (they answer through generation_events and restart's `due`):
 *
 *     generation.h  the children: spawn, messages, states, deadlines, the log
 *     child_end.h   how one ended
 *     restart.h     whether and when the next one starts
 *     standby.h     the spare generation, and its takeover
 *     status.h      what the GUI and systemd are told
 *     reload.h      the configuration read again on SIGHUP
 */
#include "supervisor.h"
#include "child_end.h"
#include "generation.h"
#include "listener.h"
#include "logfile.h"
#include "common/clock.h"
#include "reload.h"
#include "restart.h"
#include "standby.h"
#include "status.h"
#include "trace_health.h"
#include "ipc/trace_writer.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <uv.h>

enum {
	TICK_MS = 20,         /* deadline checks: ready, heartbeat, drain */
	TRACE_FLUSH_MS = 200, /* trace records reach the file at least this often */
};

struct supervisor {
	const struct supervisor_setup *setup;
	const struct warden_config *cfg;
	uv_loop_t loop;
	uv_timer_t tick;
	uv_signal_t sigchld, sigterm, sigint, sighup;
	struct generations gens;
	struct restart restart;
	struct standby standby;
	struct status status;
	struct settings *next;     /* a reload's, being read and checked */
	struct settings *previous; /* in force before a reload, until its generation takes over */
	bool reload_pending;       /* `previous` holds what comes back if it fails */
	bool stopping;
	int exit_status;
	uint64_t last_flush_ms;
	struct trace_health trace_health;
	uint64_t stop_deadline_ms;
};

/* ---- Stopping ---------------------------------------------------------------- */

static void begin_stop(struct supervisor *sup, int exit_status)
{
	if (sup->stopping)
		return;
	sup->stopping = true;
	sup->exit_status = exit_status;
	sup->stop_deadline_ms = clock_monotonic_ms() + sup->cfg->drain_timeout_ms;
	notify_stopping(&sup->status.notify);
	restart_cancel(&sup->restart);
	generations_stop(&sup->gens, sup->stop_deadline_ms);
	if (sup->gens.list == NULL)
		uv_stop(&sup->loop);
}

/* ---- Reloading -------------------------------------------------------------- */

/* Reopens the log file as `cfg` says. Returns what logfile_reopen does; a
 * failure is logged at ERROR after `context`, and the file in use kept. */
static int reopen_log(struct supervisor *sup, const struct warden_config *cfg, const char *context)
{
	char err[PATH_MAX + 128];
	const struct logfile_style style = logfile_style_of(cfg);
	int rc = logfile_reopen(sup->setup->log, cfg->log_file, &style, err, sizeof(err));
	if (rc < 0)
		generations_log(&sup->gens, IPC_LOG_ERROR, "%s%s; keeping the old log file",
		                context, err);
	return rc;
}

/* The reload's configuration is in force from now. While a generation of
 * the one before runs, that one is kept, to come back if the reload's
 * generation fails to take over. */
static void apply(struct supervisor *sup)
{
	struct settings *in_force = sup->setup->settings;
	if (!sup->reload_pending && sup->gens.current != NULL) {
		*sup->previous = *in_force;
		sup->reload_pending = true;
	}
	*in_force = *sup->next;
	restart_reconfigure(&sup->restart);
}

/* The reload's generation serves: its configuration stays. */
static void settle(struct supervisor *sup)
{
	sup->reload_pending = false;
	explicit_bzero(sup->previous, sizeof(*sup->previous));
}

/* The reload's generation ended before it took over: the configuration
 * the serving generation runs with is in force again, so that its
 * restarts do not start the failed one's. */
static void fall_back(struct supervisor *sup)
{
	struct settings *in_force = sup->setup->settings;
	if (!sup->reload_pending || sup->stopping)
		return;
	*in_force = *sup->previous;
	settle(sup);
	reopen_log(sup, &in_force->config, "back to the configuration before the reload: ");
	restart_reconfigure(&sup->restart);
	generations_log(&sup->gens, IPC_LOG_NOTICE,
	                "the configuration in force before the reload is back");
}

/* ---- The standby -------------------------------------------------------------- */

static void replenish(struct supervisor *sup)
{
	if (sup->stopping)
		return;
	if (standby_replenish(&sup->standby) < 0)
		begin_stop(sup, 1);
	else
		status_publish(&sup->status, sup->stopping);
}

/* ---- Ending a child --------------------------------------------------------- */

/* A child was reaped: classify, log, and decide what comes next. */
static void child_ended(struct supervisor *sup, struct generation *g)
{
	struct ipc_restart r;
	bool was_draining = g->state == GENERATION_DRAINING;
	child_end_classify(g, &r);
	if (r.reason == IPC_END_VIOLATION)
		sup->status.violations++;
	enum generation_role role = generations_end(&sup->gens, g);
	child_end_log(&sup->gens, g, &r, was_draining);
	if (!sup->stopping && restart_after_end(&sup->restart, g, role, &r) < 0)
		begin_stop(sup, 1);
	if (role == GENERATION_INCOMING)
		fall_back(sup);
	replenish(sup);
	status_publish(&sup->status, sup->stopping);
	generation_free_if_closed(g);
}

static void on_sigchld(uv_signal_t *handle, int signum)
{
	struct supervisor *sup = handle->data;
	(void)signum;
	int status;
	pid_t pid;
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		struct generation *g = generations_reaped(&sup->gens, pid, status);
		if (g != NULL)
			child_ended(sup, g);
	}
}

/* ---- What the generations report -------------------------------------------- */

static void on_ready(struct generations *set)
{
	struct supervisor *sup = set->data;
	if (sup->reload_pending && set->incoming == NULL)
		settle(sup);
	status_ready(&sup->status, sup->stopping);
	replenish(sup);
}

static void on_standing_by(struct generations *set)
{
	struct supervisor *sup = set->data;
	status_publish(&sup->status, sup->stopping);
}

static void on_lost(struct generations *set, struct generation *g)
{
	struct supervisor *sup = set->data;
	if (sup->stopping)
		return;
	restart_lost(&sup->restart, g);
	standby_take_over(&sup->standby, g);
}

static void on_serving(struct generations *set, struct generation *g)
{
	struct supervisor *sup = set->data;
	restart_served(&sup->restart);
	status_send(&sup->status, g, sup->stopping);
}

static void on_answered(struct generations *set)
{
	struct supervisor *sup = set->data;
	notify_watchdog(&sup->status.notify, clock_monotonic_ms());
}

static void on_freed(struct generations *set)
{
	struct supervisor *sup = set->data;
	if (sup->stopping && set->list == NULL)
		uv_stop(&sup->loop);
}

static const struct generation_events generation_events = {
        .ready = on_ready,
        .standing_by = on_standing_by,
        .answered = on_answered,
        .lost = on_lost,
        .serving = on_serving,
        .freed = on_freed,
};

/* ---- Starting a child -------------------------------------------------------- */

/* A reload's start that fails leaves the current generation serving. */
static void start_generation(struct supervisor *sup, enum generation_role role)
{
	if (generations_start(&sup->gens, role) != NULL)
		status_publish(&sup->status, sup->stopping);
	else if (role == GENERATION_CURRENT && restart_schedule(&sup->restart, 0) < 0)
		begin_stop(sup, 1);
}

/* With a generation serving (or booting to), the start due is a standby's. */
static void on_restart_due(void *data)
{
	struct supervisor *sup = data;
	if (!sup->stopping && sup->gens.current == NULL)
		start_generation(sup, GENERATION_CURRENT);
	else
		replenish(sup);
}

/* ---- The tick ---------------------------------------------------------------- */

static void on_tick(uv_timer_t *timer)
{
	struct supervisor *sup = timer->data;
	uint64_t now = clock_monotonic_ms();
	generations_check(&sup->gens, now);
	if (sup->stopping && now >= sup->stop_deadline_ms)
		generations_kill_all(&sup->gens, IPC_END_EXIT, "shutdown grace period over");
	if (!sup->stopping && now - sup->status.last_sent_ms >= sup->cfg->status_interval_ms)
		status_publish(&sup->status, sup->stopping);
	if (sup->setup->trace != NULL && now - sup->last_flush_ms >= TRACE_FLUSH_MS) {
		trace_flush(sup->setup->trace);
		sup->last_flush_ms = now;
		trace_health_check(&sup->trace_health, sup->setup->trace, sup->cfg->trace_file,
		                   &sup->gens, now);
	}
}

/* ---- Signals ---------------------------------------------------------------- */

static void on_terminate(uv_signal_t *handle, int signum)
{
	struct supervisor *sup = handle->data;
	if (sup->stopping) {
		generations_log(&sup->gens, IPC_LOG_WARNING, "%s again: killing the children now",
		                sigabbrev_np(signum));
		sup->stop_deadline_ms = 0;
		return;
	}
	generations_log(&sup->gens, IPC_LOG_NOTICE, "SIG%s: draining (at most %u ms), then exiting",
	                sigabbrev_np(signum), sup->cfg->drain_timeout_ms);
	begin_stop(sup, 0);
}

/* A new generation to take over, with what is in force now: it supersedes
 * one still booting from an earlier reload. With none running (a restart
 * is on its way), the restart starts it. */
static void start_reload_generation(struct supervisor *sup)
{
	if (sup->gens.incoming != NULL)
		generation_kill(sup->gens.incoming, IPC_END_RELOAD, "superseded by another SIGHUP");
	if (sup->gens.current != NULL || sup->gens.incoming != NULL)
		start_generation(sup, GENERATION_INCOMING);
}

/* The log keeps its file, and what was to be its new path is the old
 * one again; the rest of the reload applies. */
static void keep_log_file(struct supervisor *sup)
{
	struct warden_config *next = &sup->next->config;
	const struct logfile_style style = logfile_style_of(next);
	memcpy(next->log_file, sup->setup->settings->config.log_file, sizeof(next->log_file));
	logfile_set_style(sup->setup->log, &style);
}

static void on_reload(uv_signal_t *handle, int signum)
{
	struct supervisor *sup = handle->data;
	(void)signum;
	if (sup->stopping)
		return;
	bool accepted = reload_load(sup->setup, &sup->gens, sup->next) == 0;
	const struct settings *use = accepted ? sup->next : sup->setup->settings;
	int log = reopen_log(sup, &use->config, "SIGHUP: ");
	const char *path = sup->setup->log->path;
	if (accepted && log < 0)
		keep_log_file(sup);
	if (accepted) {
		apply(sup);
		generations_log(&sup->gens, IPC_LOG_NOTICE,
		                "SIGHUP: %s%s%sread the configuration again; starting a new "
		                "generation",
		                log >= 0 ? "reopened " : "", log >= 0 ? path : "",
		                log >= 0 ? " and " : "");
		start_reload_generation(sup);
	} else if (log == 1) {
		generations_log(&sup->gens, IPC_LOG_NOTICE,
		                "SIGHUP: reopened %s; starting a new generation with the "
		                "configuration in force",
		                path);
		start_reload_generation(sup);
	} else {
		generations_log(&sup->gens, IPC_LOG_NOTICE,
		                "SIGHUP: nothing changes; the configuration in force stays");
	}
	explicit_bzero(sup->next, sizeof(*sup->next));
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
	sup->tick.data = sup;
	if (restart_init(&sup->restart, &sup->loop, sup->cfg, &sup->gens, on_restart_due, sup) < 0)
		return -1;
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

/* They may hold a token. */
static void free_settings(struct settings *s)
{
	if (s != NULL)
		explicit_bzero(s, sizeof(*s));
	free(s);
}

int supervisor_run(const struct supervisor_setup *setup)
{
	struct supervisor *sup = calloc(1, sizeof(*sup));
	struct settings *next = calloc(1, sizeof(*next)), *previous = calloc(1, sizeof(*previous));
	int status = 1;
	if (sup == NULL || next == NULL || previous == NULL) {
		fprintf(stderr, "warden: out of memory\n");
		free(sup);
		free(next);
		free(previous);
		return 1;
	}
	sup->setup = setup;
	sup->cfg = &setup->settings->config;
	sup->next = next;
	sup->previous = previous;
	standby_init(&sup->standby, sup->cfg, &sup->gens, &sup->restart);
	status_init(&sup->status, &sup->gens, &sup->restart, &sup->standby);
	if (generations_init(&sup->gens, &sup->loop, setup, &generation_events, sup) < 0 ||
	    init_loop(sup) < 0) {
		fprintf(stderr, "warden: cannot set up the event loop\n");
		goto out;
	}
	generations_log(
	        &sup->gens, IPC_LOG_NOTICE, "warden %s: listening on %s%s, log %s, child %s%s",
	        WARDEN_VERSION, setup->listener->address,
	        setup->listener->from_systemd ? " (from systemd)" : "", setup->log->path,
	        setup->settings->child_program,
	        setup->settings->child_config.test_mode ? " (test mode: WARDEN_ALLOW_TEST_CHILD=1)"
	                                                : "");
	start_generation(sup, GENERATION_CURRENT);
	uv_run(&sup->loop, UV_RUN_DEFAULT);
	status = sup->exit_status;
	generations_log(&sup->gens, status == 0 ? IPC_LOG_NOTICE : IPC_LOG_CRIT,
	                "parent exiting with status %d", status);
	close_loop(sup);
out:
	restart_free(&sup->restart);
	generations_close(&sup->gens);
	free_settings(sup->next);
	free_settings(sup->previous);
	free(sup);
	return status;
}
