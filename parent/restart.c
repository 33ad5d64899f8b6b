/*
 * restart.c - see restart.h.
 */
#include "restart.h"
#include "common/clock.h"

#include <string.h>

static void on_timer(uv_timer_t *timer)
{
	struct restart *r = timer->data;
	r->pending = false;
	r->due(r->data);
}

static void remember(struct restart *r, const struct ipc_restart *end)
{
	memmove(&r->recent[1], &r->recent[0], sizeof(r->recent) - sizeof(r->recent[0]));
	r->recent[0] = *end;
	r->recent[0].outage_ms = 0;
	/* A failover's outage ended before the lost one was reaped. */
	if (end->generation == r->outage_generation && r->outage_since_ms == 0)
		r->recent[0].outage_ms = r->outage_ms;
	if (r->recent_count < IPC_RECENT_RESTARTS)
		r->recent_count++;
}

void restart_lost(struct restart *r, const struct generation *g)
{
	if (g->state != GENERATION_READY || r->outage_since_ms != 0)
		return; /* it did not serve, or the service was already out */
	r->outage_generation = g->number;
	r->outage_since_ms = clock_monotonic_ms();
}

void restart_served(struct restart *r)
{
	if (r->outage_since_ms == 0)
		return;
	uint64_t ms = clock_monotonic_ms() - r->outage_since_ms;
	r->outage_ms = ms > UINT32_MAX ? UINT32_MAX : (uint32_t)ms;
	r->outage_since_ms = 0;
	for (uint32_t i = 0; i < r->recent_count; i++)
		if (r->recent[i].generation == r->outage_generation)
			r->recent[i].outage_ms = r->outage_ms;
}

int restart_schedule(struct restart *r, uint64_t ready_ms)
{
	uint64_t now = clock_monotonic_ms();
	uint64_t uptime = ready_ms ? now - ready_ms : 0;
	struct backoff_decision d = backoff_next(&r->backoff, now, uptime);
	if (d.burst && r->cfg->burst_action == CONFIG_BURST_EXIT) {
		generations_log(r->set, IPC_LOG_CRIT,
		                "more than %u restarts within %u ms: giving up so that an outer "
		                "supervisor can take over",
		                r->cfg->burst_limit, r->cfg->burst_window_ms);
		return -1;
	}
	if (d.burst)
		generations_log(r->set, IPC_LOG_ERROR,
		                "restart burst: throttled to one start per %llu ms",
		                (unsigned long long)d.delay_ms);
	r->pending = true;
	/* With a generation serving (or booting to), the next start is a standby. */
	if (d.delay_ms > 0)
		generations_log(r->set, IPC_LOG_NOTICE, "%s in %llu ms",
		                r->set->current != NULL ? "the next standby starts" : "restarting",
		                (unsigned long long)d.delay_ms);
	uv_timer_start(&r->timer, on_timer, d.delay_ms, 0);
	return 0;
}

int restart_after_end(struct restart *r, const struct generation *g, enum generation_role role,
                      const struct ipc_restart *end)
{
	remember(r, end);
	if (role == GENERATION_REPLACED) {
		r->ends_by_reason[IPC_END_RELOAD]++;
		return 0;
	}
	r->count++;
	r->ends_by_reason[end->reason <= IPC_END_MAX ? end->reason : IPC_END_NONE]++;
	const struct generation *current = r->set->current;
	if (role == GENERATION_INCOMING && current != NULL)
		generations_log(r->set, IPC_LOG_ERROR,
		                "reload failed: generation %u did not take over; generation %u "
		                "keeps serving",
		                g->number, current->number);
	else if (role == GENERATION_INCOMING)
		generations_log(r->set, IPC_LOG_ERROR,
		                "reload failed: generation %u did not take over, and the one it "
		                "was to replace has ended too",
		                g->number);
	/* The last one gone (a serving one that ended while a reload's booted,
	 * then that one too): the next starts after the delay. */
	if (r->set->current == NULL && r->set->incoming == NULL)
		return restart_schedule(r, g->ready_ms);
	/* The standby took over from the serving one, or ended itself: the
	 * next standby starts after the delay. */
	if (role != GENERATION_INCOMING && r->cfg->standby && r->set->standby == NULL &&
	    r->set->incoming == NULL)
		return restart_schedule(r, g->ready_ms);
	return 0;
}

void restart_cancel(struct restart *r)
{
	uv_timer_stop(&r->timer);
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

int restart_init(struct restart *r, uv_loop_t *loop, const struct warden_config *cfg,
                 struct generations *set, void (*due)(void *data), void *data)
{
	memset(r, 0, sizeof(*r));
	r->cfg = cfg;
	r->set = set;
	r->due = due;
	r->data = data;
	uv_timer_init(loop, &r->timer);
	r->timer.data = r;
	struct backoff_config bc = backoff_config_of(cfg);
	return backoff_init(&r->backoff, &bc);
}

static bool same_backoff(const struct backoff_config *a, const struct backoff_config *b)
{
	return a->initial_ms == b->initial_ms && a->max_ms == b->max_ms &&
	       a->stable_ms == b->stable_ms && a->factor == b->factor &&
	       a->burst_limit == b->burst_limit && a->burst_window_ms == b->burst_window_ms;
}

void restart_reconfigure(struct restart *r)
{
	struct backoff_config bc = backoff_config_of(r->cfg);
	if (same_backoff(&bc, &r->backoff.cfg))
		return;
	struct backoff next;
	if (backoff_init(&next, &bc) < 0) {
		generations_log(r->set, IPC_LOG_ERROR,
		                "out of memory for the new burst limit: the old restart delays "
		                "and burst limit stay in force");
		return;
	}
	backoff_free(&r->backoff);
	r->backoff = next;
}

void restart_free(struct restart *r)
{
	backoff_free(&r->backoff);
}
