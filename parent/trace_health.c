/*
 * trace_health.c - see trace_health.h.
 */
#include "trace_health.h"

static void log_rotation(const struct trace_stats *s, const char *path, struct generations *set)
{
	generations_log(set, IPC_LOG_NOTICE,
	                "IPC trace %s rotated (file %llu after the first): %llu records, %llu "
	                "bytes written, %llu dropped, %llu write errors so far",
	                path, (unsigned long long)s->rotations, (unsigned long long)s->records,
	                (unsigned long long)s->bytes, (unsigned long long)s->dropped,
	                (unsigned long long)s->errors);
}

static void log_losses(struct trace_health *th, const struct trace_stats *s, const char *path,
                       struct generations *set)
{
	generations_log(set, IPC_LOG_WARNING,
	                "IPC trace %s: %llu records dropped and %llu write errors since the last "
	                "report (%llu and %llu in all, %llu records written); latest error: %s",
	                path, (unsigned long long)(s->dropped - th->warned.dropped),
	                (unsigned long long)(s->errors - th->warned.errors),
	                (unsigned long long)s->dropped, (unsigned long long)s->errors,
	                (unsigned long long)s->records,
	                s->last_error[0] != '\0' ? s->last_error : "none");
}

void trace_health_check(struct trace_health *th, const struct trace *tr, const char *path,
                        struct generations *set, uint64_t now_ms)
{
	struct trace_stats s;
	trace_get_stats(tr, &s);
	if (s.rotations > th->seen.rotations)
		log_rotation(&s, path, set);
	th->seen = s;
	bool lost = s.dropped > th->warned.dropped || s.errors > th->warned.errors;
	if (!lost || (th->warned_ms != 0 && now_ms - th->warned_ms < TRACE_HEALTH_WARN_MS))
		return;
	log_losses(th, &s, path, set);
	th->warned = s;
	th->warned_ms = now_ms;
}
