/*
 * log_replay.h - the parent's recent WARNING and worse records, for the
 * next serving child.
 *
 * The GUI's log is the serving child's ring: a child that dies takes the
 * records that explain its end with it, and the parent's own line about
 * that end may have gone straight to the file while no child served.
 * The parent keeps its newest LOG_REPLAY_RECORDS records of level WARNING
 * and above, as it logged them, and sends them to each generation it
 * tells to serve, right after serve, marked IPC_LOG_REPLAYED: the child
 * puts them in its ring only, since the log file has them already.
 */
#ifndef WARDEN_PARENT_LOG_REPLAY_H
#define WARDEN_PARENT_LOG_REPLAY_H

#include "ipc/ipc.h"

#include <stddef.h>

enum { LOG_REPLAY_RECORDS = 64, LOG_REPLAY_MIN_LEVEL = IPC_LOG_WARNING };

struct log_replay {
	struct ipc_log records[LOG_REPLAY_RECORDS]; /* a ring: the oldest at `first` */
	size_t first, count;
};

/* Keeps `rec` if it is WARNING or worse, dropping the oldest when full. */
void log_replay_keep(struct log_replay *lr, const struct ipc_log *rec);

/* How many are kept, and the i-th oldest (0 .. count - 1). */
size_t log_replay_count(const struct log_replay *lr);
const struct ipc_log *log_replay_at(const struct log_replay *lr, size_t i);

#endif
