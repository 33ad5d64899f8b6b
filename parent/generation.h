/*
 * generation.h - the children the parent runs, one "generation" each.
 *
 * A generation is spawned (spawn.h) with one end of a fresh socketpair and
 * handed the log file and the listening socket with its configuration
 * (ipc/endpoint.h). Then it goes through these states:
 *
 *     BOOTING   until it reports READY, within ready_timeout_ms, and /proc
 *               confirms what READY claims; then the parent says serve
 *     READY     serving; pinged every heartbeat_interval_ms, it must answer
 *               within heartbeat_timeout_ms
 *     DRAINING  told to shut down; killed at its deadline
 *     ENDED     reaped (the caller says so), until its endpoint has closed,
 *               when it is freed
 *
 * Nothing a child sends is trusted: the endpoint has already checked each
 * message's shape, direction and sequence; here each message must also make
 * sense in the child's state (READY once, while booting, with its own
 * generation; PONG only for the ping outstanding). READY's sandbox, uid and
 * gid are claims: they are checked against /proc (attest.h) before the
 * child is told to serve and counts as READY; a claim /proc contradicts is
 * a CRIT line per mismatch and the child's end (IPC_END_ATTESTATION), never
 * served and treated as a crash by the restart policy. Any breach, or a missed
 * deadline, gets the child SIGKILLed, and the reason is kept for
 * child_end.h. The parent's own state never depends on a child's data
 * beyond counters it displays.
 *
 * The set knows which generation serves (current), which boots to take
 * over after a reload (incoming), and which stands by (standby: booted,
 * ready and attested like the others, pinged like them, but not told to
 * serve); when the incoming one is ready, it serves and the one it replaced
 * drains. When the serving one is lost, the standby takes its place
 * (generations_promote_standby, standby.h says when). The set's owner hears
 * of that, of the heartbeats the serving one answers, of the loss of the
 * serving one and of each generation freed through struct
 * generation_events.
 */
#ifndef WARDEN_PARENT_GENERATION_H
#define WARDEN_PARENT_GENERATION_H

#include "attest.h"
#include "log_replay.h"
#include "seccomp_notify.h"
#include "violation_report.h"
#include "supervisor.h"
#include "ipc/endpoint.h"
#include "ipc/ipc.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <uv.h>

enum generation_state {
	GENERATION_BOOTING,
	GENERATION_READY,
	GENERATION_DRAINING,
	GENERATION_ENDED,
};

struct generations;

enum generation_role {
	GENERATION_CURRENT,
	GENERATION_INCOMING,
	GENERATION_STANDBY,
	GENERATION_REPLACED, /* none: a new generation took over from it */
};

/* One child. Read by the other parts of the supervisor; written here. */
struct generation {
	struct generations *set;
	struct generation *next;
	struct ipc_endpoint ep;
	bool ep_closed;
	enum generation_state state;
	pid_t pid;
	bool pid_namespace;            /* pid 1 of a PID namespace of its own */
	uint32_t number;               /* 1 for the first child, +1 for each start */
	uint64_t spawned_ms, ready_ms; /* monotonic; ready_ms 0 until READY */
	uint64_t started_ns;           /* realtime, for the GUI */
	uint64_t deadline_ms;          /* ready or drain deadline */
	uint64_t ping_nonce, ping_sent_ms, last_ping_ms;
	bool ping_outstanding;
	/* Draining: the one ping it answers when drained, with its last counts. */
	bool final_ping_sent;
	struct attest_expect expect; /* what /proc must show of it, from the handover */
	uint32_t attested;           /* IPC_SANDBOX_* /proc showed after its READY */
	uint8_t deny_action;         /* enum ipc_deny_action its config was sent with */
	/* Its violations' explainer, with the bindings of its READY; and the
	 * parent's copy of its filter's listener (notify and complain mode). */
	struct policy_explainer *explainer;
	struct seccomp_notify *notify;
	/* How it ended, for child_end.h. */
	bool reload;          /* a new generation replaced it */
	bool lost;            /* it was current when it was gone or going (events.lost) */
	bool failed_over;     /* it served, was lost, and the standby took its place */
	uint32_t kill_reason; /* IPC_END_* when the parent killed it; 0 otherwise */
	char detail[IPC_DETAIL_MAX];
	bool have_violation;
	struct ipc_violation violation;
	int wait_status;
	struct ipc_counters counters; /* of its latest pong: what it counted, a heartbeat late */
};

struct generation_events {
	/* A generation reported READY and serves now (after a reload, the
	 * one it replaced drains). */
	void (*ready)(struct generations *set);
	/* The standby is ready and attested (not told to serve). */
	void (*standing_by)(struct generations *set);
	/* `g` is about to be told to serve (serve follows what the owner
	 * sends it now): the owner sends it the status first, so that it never
	 * shows counters without the other generations' (ipc_status.carried). */
	void (*serving)(struct generations *set, struct generation *g);
	/* The serving generation answered a heartbeat. */
	void (*answered)(struct generations *set);
	/* The current generation `g` is gone or going, at the first sign: its
	 * link hung up, the parent killed it, or it was reaped. Once per
	 * generation. */
	void (*lost)(struct generations *set, struct generation *g);
	/* An ended generation's endpoint has closed: it is gone from the list. */
	void (*freed)(struct generations *set);
};

/* IPC counters, summed over channels. */
struct generation_traffic {
	uint64_t messages_in, messages_out, bytes_in, bytes_out;
};

struct generations {
	/* Read by the other parts of the supervisor. */
	struct generation *list;     /* every child not yet reaped and closed */
	struct generation *current;  /* the serving generation, or the one booting to serve */
	struct generation *incoming; /* a reload's new generation, booting */
	struct generation *standby;  /* the spare, booting or ready; never told to serve */
	uint32_t last_number;        /* the latest generation's number; 0 before the first */
	uint64_t parent_start_ns;    /* CLOCK_REALTIME of the parent's start, told to each child */
	/* Private. */
	uv_loop_t *loop;
	const struct supervisor_setup *setup;
	const struct warden_config *cfg;
	const struct generation_events *events;
	void *data; /* the owner's */
	int devnull_fd;
	bool pid_namespace_failed;
	struct generation_traffic closed; /* of the channels closed so far */
	struct ipc_counters ended;        /* the freed generations' last pongs, summed */
	struct log_replay *replay;        /* the parent's recent WARNING+ records */
	struct violation_book *book;      /* every child's violations, explained */
	uint64_t complain_warned_ms;      /* complain mode's last WARNING */
};

/* ---- The set -------------------------------------------------------------- */

/* Children run on `loop` (which need not be initialised yet) with what
 * `setup` says; `events` and `data` are the owner's. Returns 0, or -1 when
 * /dev/null cannot be opened for the children's stdin and stdout. */
int generations_init(struct generations *set, uv_loop_t *loop, const struct supervisor_setup *setup,
                     const struct generation_events *events, void *data);
void generations_close(struct generations *set);

/* Spawns a generation and hands it over, in `role` (not REPLACED): the
 * current one, a reload's incoming one, or the standby. Returns NULL, with
 * the reason logged, when it cannot be spawned. */
struct generation *generations_start(struct generations *set, enum generation_role role);

/* The current generation `lost` is gone or going: the standby becomes the
 * current one in its place, told to serve at once when it is ready (else
 * when it is), and `lost` ends as the serving one (GENERATION_CURRENT).
 * Returns the new current one, or NULL when there is no standby. */
struct generation *generations_promote_standby(struct generations *set, struct generation *lost);

/* Pings the ready, and kills those past their ready, heartbeat or drain
 * deadline. */
void generations_check(struct generations *set, uint64_t now_ms);

/* The parent stops: the ready drain until `deadline_ms`, the booting are
 * killed. */
void generations_stop(struct generations *set, uint64_t deadline_ms);
void generations_kill_all(struct generations *set, uint32_t reason, const char *detail);

/* The current generation if it is ready and its endpoint open, else NULL. */
struct generation *generations_serving(const struct generations *set);

/* IPC totals of every channel, closed and open. */
struct generation_traffic generations_traffic(const struct generations *set);

/* What the generations other than `except` counted since the parent
 * started: the freed ones' last pongs and the others' latest (a
 * heartbeat late: what a child counted after its last pong is lost with
 * it). Gauges stay zero. */
void generations_carried(const struct generations *set, const struct generation *except,
                         struct ipc_counters *out);

/* The parent's log: the serving generation writes the parent's records
 * into the shared log (and its ring, for the GUI); while none serves, the
 * parent writes them itself. WARNING and worse records are also kept
 * (log_replay.h) and sent again, marked replayed, to each generation told
 * to serve, right after serve. */
void generations_log(struct generations *set, enum ipc_log_level level, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

/* Kills `g` with SIGKILL; the first reason given is the one kept. */
void generation_kill(struct generation *g, uint32_t reason, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

/* ---- The end of one ------------------------------------------------------------ */

/* The generation reaped as `pid`, with its wait status kept; NULL when no
 * live generation has that pid. */
struct generation *generations_reaped(struct generations *set, pid_t pid, int wait_status);

/* After its end is reported: `g` is ENDED, out of its role (which is
 * returned) and its endpoint closing; it is freed once that has closed. */
enum generation_role generations_end(struct generations *set, struct generation *g);

/* Frees an ended generation whose endpoint had closed already. */
void generation_free_if_closed(struct generation *g);

#endif
