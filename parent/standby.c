/*
 * standby.c - see standby.h.
 */
#include "standby.h"

void standby_init(struct standby *sb, const struct warden_config *cfg, struct generations *set,
                  struct restart *restart)
{
	sb->failovers = 0;
	sb->cfg = cfg;
	sb->set = set;
	sb->restart = restart;
}

/* Why the serving generation `lost` had no standby to take over. */
static void log_none(const struct standby *sb, const struct generation *lost)
{
	const char *why = "none was started yet";
	if (sb->set->incoming != NULL)
		why = "a reload's generation boots; it serves once ready";
	else if (sb->restart->pending)
		why = "the next one waits for the restart delay";
	generations_log(sb->set, IPC_LOG_WARNING,
	                "no standby to take over from child generation %u (pid %d): %s",
	                lost->number, (int)lost->pid, why);
}

bool standby_take_over(struct standby *sb, struct generation *lost)
{
	/* First the word to serve: the log and the rest can wait. */
	struct generation *g = generations_promote_standby(sb->set, lost);
	if (g == NULL) {
		if (sb->cfg->standby && lost->state == GENERATION_READY)
			log_none(sb, lost); /* the service is interrupted */
		return false;
	}
	sb->failovers++;
	if (g->state == GENERATION_READY)
		generations_log(sb->set, IPC_LOG_NOTICE,
		                "child generation %u (pid %d) took over from generation %u (pid "
		                "%d): the standby serves",
		                g->number, (int)g->pid, lost->number, (int)lost->pid);
	else
		generations_log(sb->set, IPC_LOG_WARNING,
		                "child generation %u (pid %d) takes over from generation %u (pid "
		                "%d) once it is ready: the standby was still booting",
		                g->number, (int)g->pid, lost->number, (int)lost->pid);
	return true;
}

static bool wanted_now(const struct standby *sb)
{
	const struct generations *set = sb->set;
	const struct generation *current = set->current;
	return sb->cfg->standby && set->standby == NULL && set->incoming == NULL &&
	       current != NULL && current->state == GENERATION_READY && !sb->restart->pending;
}

int standby_replenish(struct standby *sb)
{
	if (!wanted_now(sb) || generations_start(sb->set, GENERATION_STANDBY) != NULL)
		return 0;
	return restart_schedule(sb->restart, 0);
}

uint32_t standby_state(const struct standby *sb)
{
	const struct generation *g = sb->set->standby;
	if (!sb->cfg->standby)
		return IPC_STANDBY_OFF;
	if (g != NULL)
		return g->state == GENERATION_READY ? IPC_STANDBY_READY : IPC_STANDBY_BOOTING;
	return sb->restart->pending ? IPC_STANDBY_WAITING : IPC_STANDBY_HELD;
}
