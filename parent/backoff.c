/*
 * backoff.c - see backoff.h.
 */
#include "backoff.h"

#include <stdlib.h>
#include <string.h>

int backoff_init(struct backoff *b, const struct backoff_config *cfg)
{
	memset(b, 0, sizeof(*b));
	b->cfg = *cfg;
	if (b->cfg.burst_limit == 0)
		b->cfg.burst_limit = 1;
	b->restarts = calloc(b->cfg.burst_limit, sizeof(*b->restarts));
	b->next_ms = cfg->initial_ms;
	return b->restarts == NULL ? -1 : 0;
}

void backoff_free(struct backoff *b)
{
	free(b->restarts);
	b->restarts = NULL;
}

/* Restarts recorded within the window ending at now_ms. */
static uint32_t restarts_within(const struct backoff *b, uint64_t now_ms)
{
	uint32_t n = 0;
	for (uint32_t i = 0; i < b->count; i++) {
		uint64_t t = b->restarts[i];
		if (now_ms - t < b->cfg.burst_window_ms)
			n++;
	}
	return n;
}

static void record_restart(struct backoff *b, uint64_t now_ms)
{
	b->restarts[b->head] = now_ms;
	b->head = (b->head + 1) % b->cfg.burst_limit;
	if (b->count < b->cfg.burst_limit)
		b->count++;
}

static uint64_t grow(const struct backoff *b, uint64_t delay_ms)
{
	double next = (double)delay_ms * b->cfg.factor;
	if (next > (double)b->cfg.max_ms)
		return b->cfg.max_ms;
	return (uint64_t)next;
}

struct backoff_decision backoff_next(struct backoff *b, uint64_t now_ms, uint64_t uptime_ms)
{
	struct backoff_decision d = {0};
	if (uptime_ms >= b->cfg.stable_ms)
		b->next_ms = b->cfg.initial_ms;
	/* The ring holds burst_limit times: full of times inside the window
	 * means this restart would be one more than allowed. */
	d.burst = restarts_within(b, now_ms) >= b->cfg.burst_limit;
	d.delay_ms = d.burst ? b->cfg.max_ms : b->next_ms;
	record_restart(b, now_ms);
	/* A zero initial delay stays zero only while factor cannot grow it;
	 * from 0 the next step is 1 ms so that a crash loop still backs off
	 * (unless max_ms is 0 too: the benchmark's "no backoff"). */
	uint64_t base = b->next_ms == 0 ? 1 : b->next_ms;
	b->next_ms = b->cfg.max_ms == 0 ? 0 : grow(b, base);
	return d;
}
