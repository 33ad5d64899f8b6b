/*
 * log_replay.c - see log_replay.h.
 */
#include "log_replay.h"

void log_replay_keep(struct log_replay *lr, const struct ipc_log *rec)
{
	if (rec->level < LOG_REPLAY_MIN_LEVEL)
		return;
	size_t slot = (lr->first + lr->count) % LOG_REPLAY_RECORDS;
	if (lr->count == LOG_REPLAY_RECORDS)
		lr->first = (lr->first + 1) % LOG_REPLAY_RECORDS; /* the oldest goes */
	else
		lr->count++;
	lr->records[slot] = *rec;
}

size_t log_replay_count(const struct log_replay *lr)
{
	return lr->count;
}

const struct ipc_log *log_replay_at(const struct log_replay *lr, size_t i)
{
	return i < lr->count ? &lr->records[(lr->first + i) % LOG_REPLAY_RECORDS] : NULL;
}
