/*
 * ipc.h - the messages between the warden parent and its child.
 *
 * One SOCK_SEQPACKET socketpair carries them, one message per packet. Every
 * message is a 16-byte header followed by a typed payload of bounded size,
 * all little-endian (see docs/ipc.md for each field):
 *
 *     offset 0   u32  magic       IPC_MAGIC ("WRDN")
 *            4   u16  version     IPC_VERSION
 *            6   u16  type        enum ipc_type
 *            8   u32  length      payload bytes that follow the header
 *           12   u32  sequence    per direction, starting at 1, +1 each message
 *                                   (after 0xffffffff comes 1: 0 means "unknown")
 *
 * The parent treats every byte from the child as hostile: ipc_decode checks
 * the magic, version, type, that the length fits the type exactly, that
 * strings are terminated and within bounds, and that values are in range,
 * and says precisely what is wrong. Strings in fixed arrays are terminated
 * and zero after the NUL, and unused bytes (token, unused restart entries)
 * are zero, so every valid message has exactly one encoding. Descriptors
 * travel only with the hello message, before the child locks itself down.
 * After lockdown the child touches its IPC socket with read(2) and
 * sendto(..., MSG_NOSIGNAL) only.
 */
#ifndef WARDEN_IPC_IPC_H
#define WARDEN_IPC_IPC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* ---- Framing ------------------------------------------------------------ */

#define IPC_MAGIC 0x4e445257u /* "WRDN" in little-endian byte order */
#define IPC_VERSION                                                                                \
	6u /* 2: status carries violations; 3: config the log's form; 4: config the                \
	    * Host names, the per-peer cap and test mode, status the attested state, and           \
	    * serve, the parent's word after it has checked the child's ready from outside;        \
	    * 5: config the deny action, ready the filter's bindings and listener, report;         \
	    *    status the standby (its state, pid and generation) and the failovers;             \
	    * 6: counters the timeouts, allocation failures, log lines by level and write errors   \
	    *    by class; status the counters carried over from ended generations and the trace   \
	    *    writer's health; a restart its outage; log a flags byte (replayed) */

enum {
	IPC_HEADER_SIZE = 16,
	IPC_MAX_PAYLOAD = 2032,
	IPC_MAX_MESSAGE = IPC_HEADER_SIZE + IPC_MAX_PAYLOAD, /* 2048 */
};

enum ipc_type {
	IPC_HELLO = 1,     /* parent -> child: handover; carries the log fd and GUI socket */
	IPC_CONFIG = 2,    /* parent -> child: limits, timeouts, auth, sandbox settings */
	IPC_READY = 3,     /* child -> parent: locked down (it claims how); waits for serve */
	IPC_PING = 4,      /* parent -> child: heartbeat */
	IPC_PONG = 5,      /* child -> parent: heartbeat answer with the child's counters */
	IPC_STATUS = 6,    /* parent -> child: supervisor state, for the GUI */
	IPC_LOG = 7,       /* parent -> child: a supervisor log record for the child's log */
	IPC_VIOLATION = 8, /* child -> parent: a denied syscall, just before the child exits */
	IPC_SHUTDOWN = 9,  /* parent -> child: stop accepting, drain, exit */
	IPC_ERROR = 10,    /* either way: the sender rejected something; versioned */
	IPC_SERVE = 11,    /* parent -> child: its ready checked from outside; start accepting */
	IPC_REPORT =
	        12, /* parent -> child: a violation the parent saw and explained, for the GUI */
};
enum { IPC_TYPE_MIN = IPC_HELLO, IPC_TYPE_MAX = IPC_REPORT };

/* "hello", "config", ...; NULL for an unknown type. */
const char *ipc_type_name(unsigned type);

/* Which side may send a type: a child sending IPC_CONFIG is malformed.
 * The direction names the receiving end; 0 for an unknown type. */
enum ipc_direction {
	IPC_TO_CHILD = 1,
	IPC_TO_PARENT = 2,
	IPC_EITHER = 3,
};
enum ipc_direction ipc_type_direction(unsigned type);

/* ---- Payloads ----------------------------------------------------------- */

enum {
	IPC_NAME_MAX = 32,     /* user and group names, syscall names: incl. the NUL */
	IPC_TOKEN_MAX = 128,   /* bearer token bytes */
	IPC_TEXT_MAX = 1024,   /* log text bytes (not terminated: the length says) */
	IPC_DETAIL_MAX = 64,   /* restart reason detail, incl. the NUL */
	IPC_MESSAGE_MAX = 128, /* error message, incl. the NUL */
	IPC_RECENT_RESTARTS = 8,
	IPC_HANDOVER_FDS = 2,      /* hello carries exactly: [0] log file, [1] GUI socket */
	IPC_HOSTS_MAX = 256,       /* the Host names the server answers to, incl. the NUL */
	IPC_REPORT_TEXT_MAX = 768, /* a violation's explanation, incl. the NUL */
	IPC_LOG_LEVELS = 6,        /* IPC_LOG_DEBUG .. IPC_LOG_CRIT */
	IPC_LOG_ERROR_CLASSES = 5, /* the logger's classes of write errors (logger.h) */
	IPC_TRACE_FILE_MAX = 128,  /* the trace file's path (its tail when longer), incl. the NUL */
};

struct ipc_hello {
	uint32_t generation; /* >= 1; the parent counts children */
	uint32_t parent_pid;
	uint64_t parent_start_ns; /* CLOCK_REALTIME of the parent's start */
};

enum ipc_namespaces_mode {
	IPC_NAMESPACES_OFF = 0,
	IPC_NAMESPACES_AUTO = 1,
	IPC_NAMESPACES_REQUIRED = 2,
};

/* What the log file's lines look like (logger.h). */
enum ipc_log_format {
	IPC_LOG_FORMAT_TEXT = 0,
	IPC_LOG_FORMAT_JSON = 1,
	IPC_LOG_FORMAT_MAX = IPC_LOG_FORMAT_JSON,
};

/* What the child's filter does with a call the policy does not allow
 * (docs/policy.md, "Violations"). Never does the call run, but in complain
 * mode, where it runs after the parent has seen it. */
enum ipc_deny_action {
	IPC_DENY_KILL = 0,   /* SECCOMP_RET_KILL_PROCESS: the kernel kills, nobody sees the call */
	IPC_DENY_TRAP = 1,   /* SIGSYS: the child's handler reports the call, then exits */
	IPC_DENY_NOTIFY = 2, /* USER_NOTIF: the parent reads the call, then kills the child */
	IPC_DENY_COMPLAIN = 3, /* USER_NOTIF: the parent reads the call and lets it run */
	IPC_DENY_MAX = IPC_DENY_COMPLAIN,
};

/* The child's RLIMIT_AS and RLIMIT_DATA are memory_reserve_kib KiB plus
 * this, for its code, libraries and stacks (unset in ASan builds); the
 * parent checks them from outside. */
#define IPC_ADDRESS_SPACE_SLACK (256ull << 20)

struct ipc_config {
	uint32_t max_connections;          /* 1 .. 65536 */
	uint32_t header_max_bytes;         /* 256 .. 65536 */
	uint32_t uri_max_bytes;            /* 16 .. header_max_bytes */
	uint32_t header_timeout_ms;        /* 1 .. 600000 */
	uint32_t idle_timeout_ms;          /* 1 .. 3600000 */
	uint32_t send_timeout_ms;          /* 1 .. 600000 */
	uint32_t heartbeat_interval_ms;    /* 1 .. 600000 */
	uint32_t memory_reserve_kib;       /* 1024 .. 4194304 */
	uint32_t log_ring_lines;           /* 16 .. 65536 */
	uint32_t max_connections_per_peer; /* 1 .. max_connections: one address's share */
	uint8_t log_min_level;             /* enum ipc_log_level */
	uint8_t log_format;                /* enum ipc_log_format */
	uint8_t log_stderr_level; /* enum ipc_log_level: this and above also go to stderr */
	uint8_t namespaces;       /* enum ipc_namespaces_mode */
	uint8_t deny_action;      /* enum ipc_deny_action */
	uint8_t token_length;     /* 0: no auth; else 1 .. IPC_TOKEN_MAX */
	uint8_t test_mode;        /* 1: the parent runs in explicit test mode, the only
	                           * one in which a test build of the child may serve */
	char user[IPC_NAME_MAX];  /* terminated; "" when not started as root */
	char group[IPC_NAME_MAX];
	uint8_t token[IPC_TOKEN_MAX]; /* token_length bytes, the rest zero */
	/* Names a request's Host may give (its port aside), separated by one
	 * space, terminated: "localhost 127.0.0.1 [::1] ..." */
	char hosts[IPC_HOSTS_MAX];
};

/* The protections of the child's sandbox. In ready they are what the child
 * claims; in serve and status, what the parent saw of it from outside, in
 * /proc (parent/attest.h): only those are facts. */
enum ipc_sandbox_flags {
	IPC_SANDBOX_SECCOMP = 1u << 0,
	IPC_SANDBOX_NO_NEW_PRIVS = 1u << 1,
	IPC_SANDBOX_CAPS_DROPPED = 1u << 2,
	IPC_SANDBOX_USER_NS = 1u << 3,
	IPC_SANDBOX_MOUNT_NS = 1u << 4,
	IPC_SANDBOX_NET_NS = 1u << 5,
	IPC_SANDBOX_IPC_NS = 1u << 6,
	IPC_SANDBOX_UTS_NS = 1u << 7,
	IPC_SANDBOX_CGROUP_NS = 1u << 8,
	IPC_SANDBOX_PID_NS = 1u << 9,
	IPC_SANDBOX_RLIMITS = 1u << 10,
	IPC_SANDBOX_ALL = (1u << 11) - 1,
};

/* What the child says of itself once locked down. The parent checks the
 * sandbox, uid and gid against /proc before it sends serve. */
struct ipc_ready {
	uint32_t pid;                 /* the child's getpid(): 1 in a PID namespace of its own */
	uint32_t generation;          /* echoes hello (>= 1) */
	uint32_t sandbox;             /* enum ipc_sandbox_flags the child claims, no other bits */
	uint32_t uid, gid;            /* the identity the child claims to run as */
	uint32_t policy_instructions; /* BPF instructions loaded */
	uint64_t boot_ns;             /* exec to ready */
	/* The values the filter's parameters were bound to (policy/child.policy),
	 * checked by the parent against /proc: what it explains violations with. */
	uint32_t epoll_fd, first_client_fd, fd_limit;
	/* The filter's seccomp listener (deny action notify or complain), which
	 * the parent takes with pidfd_getfd; 0 for none. */
	uint32_t listener_fd;
};

struct ipc_ping {
	uint64_t nonce;
	uint64_t sent_ns; /* CLOCK_MONOTONIC at the parent */
};

struct ipc_counters {
	uint64_t connections_accepted;
	uint64_t connections_open;
	uint64_t connections_refused; /* over the limit or out of memory */
	uint64_t requests;
	uint64_t responses[5]; /* by class: 1xx .. 5xx */
	uint64_t bytes_in, bytes_out;
	uint64_t log_lines;
	uint64_t log_write_errors;
	uint64_t memory_used, memory_reserved; /* bytes of the child's reserve */
	uint64_t timeouts;                     /* 408 plus idle and send timeouts */
	uint64_t allocation_failures;          /* of the child's reserve */
	uint64_t log_lines_by_level[IPC_LOG_LEVELS];
	uint64_t log_write_errors_by_class[IPC_LOG_ERROR_CLASSES]; /* logger.h's classes */
	/* Sane: connections_open <= connections_accepted and memory_used <=
	 * memory_reserved, or the message is rejected (IPC_E_RANGE). */
};

struct ipc_pong {
	uint64_t nonce;   /* echoes ping */
	uint64_t sent_ns; /* echoes ping */
	struct ipc_counters counters;
};

enum ipc_end_reason {
	IPC_END_NONE = 0,
	IPC_END_EXIT = 1,      /* code = exit status */
	IPC_END_SIGNAL = 2,    /* code = signal number */
	IPC_END_VIOLATION = 3, /* code = syscall number; detail = its name */
	IPC_END_HEARTBEAT = 4, /* missed heartbeats */
	IPC_END_MALFORMED = 5, /* sent malformed IPC; detail says what */
	IPC_END_READY_TIMEOUT = 6,
	IPC_END_RELOAD = 7,      /* replaced by a new generation (SIGHUP) */
	IPC_END_ATTESTATION = 8, /* /proc contradicted its ready; detail says how */
	IPC_END_MAX = IPC_END_ATTESTATION,
};

struct ipc_restart {
	uint64_t time_ns;    /* CLOCK_REALTIME */
	uint32_t generation; /* >= 1 */
	uint32_t reason;     /* enum ipc_end_reason, 0 .. IPC_END_MAX */
	int32_t code;
	/* How long the service had no serving child: from the loss of the
	 * serving one to the next one's serve (0: a reload, or none lost). */
	uint32_t outage_ms;
	char detail[IPC_DETAIL_MAX]; /* terminated */
};

enum ipc_state {
	IPC_STATE_STARTING = 1,
	IPC_STATE_RUNNING = 2,
	IPC_STATE_RESTARTING = 3,
	IPC_STATE_DRAINING = 4,
	IPC_STATE_MAX = IPC_STATE_DRAINING,
};

/* The parent's spare generation (supervise.standby), as the GUI shows it. */
enum ipc_standby_state {
	IPC_STANDBY_OFF = 0,     /* supervise.standby = false */
	IPC_STANDBY_BOOTING = 1, /* started, not yet ready and attested */
	IPC_STANDBY_READY = 2,   /* ready and attested: takes over at once */
	IPC_STANDBY_WAITING = 3, /* the next starts after the restart delay */
	/* None until the serving generation is ready: it boots, a reload's
	 * generation boots, or the parent stops. */
	IPC_STANDBY_HELD = 4,
	IPC_STANDBY_MAX = IPC_STANDBY_HELD,
};

struct ipc_status {
	uint32_t generation; /* >= 1 */
	uint32_t child_pid;
	uint32_t state; /* enum ipc_state, 1 .. IPC_STATE_MAX */
	uint32_t restarts;
	uint32_t violations; /* children the sandbox ended since the parent started */
	/* enum ipc_sandbox_flags the parent saw from outside, in /proc, after
	 * the serving child's ready (the child's own flags are only claims) */
	uint32_t attested;
	uint32_t standby_state;      /* enum ipc_standby_state, 0 .. IPC_STANDBY_MAX */
	uint32_t standby_pid;        /* 0 when none runs */
	uint32_t standby_generation; /* 0 when none runs */
	uint32_t failovers;          /* takeovers by a standby since the parent started */
	uint64_t parent_start_ns;    /* CLOCK_REALTIME */
	uint64_t child_start_ns;     /* CLOCK_REALTIME */
	uint64_t ipc_messages_in, ipc_messages_out;
	uint64_t ipc_bytes_in, ipc_bytes_out;
	uint32_t recent_count;                          /* 0 .. IPC_RECENT_RESTARTS, newest first */
	struct ipc_restart recent[IPC_RECENT_RESTARTS]; /* all zero beyond recent_count */
	/* The counters of the other generations since the parent started (the
	 * ended ones' last pong, the others' latest): the child adds its own,
	 * so that what it shows counts from the parent's start. Gauges
	 * (connections_open, memory_*) are zero here. */
	struct ipc_counters carried;
	/* Generations ended since the parent started, by enum ipc_end_reason:
	 * the restarts, and [IPC_END_RELOAD] those a reload replaced. */
	uint32_t ends_by_reason[IPC_END_MAX + 1];
	/* The IPC trace writer (trace_file "" when none is recorded). */
	uint64_t trace_records, trace_dropped, trace_errors, trace_rotations;
	char trace_file[IPC_TRACE_FILE_MAX]; /* terminated */
};

enum ipc_log_level {
	IPC_LOG_DEBUG = 0,
	IPC_LOG_INFO = 1,
	IPC_LOG_NOTICE = 2,
	IPC_LOG_WARNING = 3,
	IPC_LOG_ERROR = 4,
	IPC_LOG_CRIT = 5,
	IPC_LOG_MAX = IPC_LOG_CRIT,
};

enum ipc_log_flags {
	/* A record already written to the log file, sent again so that a new
	 * serving child's ring (the GUI's log) has it: ring only. */
	IPC_LOG_REPLAYED = 1u << 0,
	IPC_LOG_FLAGS_ALL = IPC_LOG_REPLAYED,
};

struct ipc_log {
	uint64_t time_ns;        /* CLOCK_REALTIME when the parent logged it */
	uint8_t level;           /* enum ipc_log_level */
	uint16_t text_length;    /* 0 .. IPC_TEXT_MAX */
	uint8_t flags;           /* enum ipc_log_flags */
	char text[IPC_TEXT_MAX]; /* any bytes but NUL; the logger escapes them */
};

struct ipc_violation {
	uint32_t nr;   /* syscall number */
	uint32_t arch; /* AUDIT_ARCH_* */
	uint64_t args[6];
	uint64_t ip;
	char name[IPC_NAME_MAX]; /* terminated; "" when the child has no name for it */
};

/* A violation as the parent saw it (from the kernel's notification, or
 * from the child's own report in trap mode) and explained with the policy
 * and the generation's bindings. One per shape of call (syscall and
 * arguments as the policy names them): sent again, counted up, each time
 * the shape is seen, and every one again to each new generation. */
struct ipc_report {
	uint64_t time_ns;    /* CLOCK_REALTIME of the latest */
	uint32_t shape;      /* >= 1, the parent's number for the shape */
	uint32_t count;      /* >= 1, calls of this shape so far */
	uint32_t generation; /* >= 1, of the latest call */
	uint32_t action;     /* enum ipc_deny_action it met */
	uint32_t nr;         /* the latest call, as struct ipc_violation */
	uint32_t arch;
	uint64_t args[6];
	uint64_t ip;
	char syscall[IPC_NAME_MAX];     /* terminated; "" for an unknown number */
	char text[IPC_REPORT_TEXT_MAX]; /* terminated: the parent's explanation */
};

enum ipc_shutdown_reason {
	IPC_SHUTDOWN_TERMINATE = 1, /* SIGTERM/SIGINT at the parent */
	IPC_SHUTDOWN_RELOAD = 2,    /* a new generation takes over */
};

struct ipc_shutdown {
	uint32_t grace_ms; /* 0 .. 3600000 */
	uint32_t reason;   /* enum ipc_shutdown_reason, 1 .. 2 */
};

struct ipc_error {
	uint32_t error_version; /* IPC_ERROR_VERSION, the only one accepted */
	uint32_t code;          /* enum ipc_decode_status of what was rejected: 1 .. IPC_E_IO */
	uint32_t sequence;      /* of the rejected message, 0 if unknown */
	char message[IPC_MESSAGE_MAX]; /* terminated */
};
#define IPC_ERROR_VERSION 1u

/* The child accepts no connection before this: the parent sends it once,
 * after the ready's claims matched what /proc shows of the child. */
struct ipc_serve {
	uint32_t attested; /* enum ipc_sandbox_flags seen from outside, no other bits */
};

/* A decoded message: the header's fields, then the payload for `type`. */
struct ipc_message {
	uint16_t type;
	uint32_t sequence;
	union {
		struct ipc_hello hello;
		struct ipc_config config;
		struct ipc_ready ready;
		struct ipc_ping ping;
		struct ipc_pong pong;
		struct ipc_status status;
		struct ipc_log log;
		struct ipc_violation violation;
		struct ipc_shutdown shutdown;
		struct ipc_error error;
		struct ipc_serve serve;
		struct ipc_report report;
	} u;
};

/* ---- Names (names.c) ------------------------------------------------------ */

/* One spelling per value, lower case with words joined by '_', used by the
 * configuration file, `warden trace`, the GUI's JSON, /metrics and the log.
 * Each function returns NULL for a value that has no name. */
const char *ipc_log_level_name(unsigned level);        /* "debug" .. "crit" */
const char *ipc_log_format_name(unsigned format);      /* "text", "json" */
const char *ipc_namespaces_name(unsigned mode);        /* "off", "auto", "required" */
const char *ipc_state_name(unsigned state);            /* "starting" .. "draining" */
const char *ipc_standby_state_name(unsigned state);    /* "off" .. "held" */
const char *ipc_end_reason_name(unsigned reason);      /* "none" .. "ready_timeout", "reload" */
const char *ipc_shutdown_reason_name(unsigned reason); /* "terminate", "reload" */
const char *ipc_sandbox_flag_name(unsigned bit);       /* of flag 1u << bit: "seccomp" .. */
const char *ipc_decode_status_name(unsigned status);   /* "ok", "short" .. "io" (error.code) */
const char *ipc_deny_action_name(unsigned action);     /* "kill", "trap", "notify", "complain" */
const char *ipc_log_error_class_name(unsigned c);      /* "nospc", "io", "badf", "again", "other" */
const char *ipc_log_flag_name(unsigned bit);           /* of flag 1u << bit: "replayed" */

/* A level's name in any case, `length` bytes (not terminated); false if
 * it names none. */
bool ipc_log_level_parse(const char *text, size_t length, enum ipc_log_level *out);

/* The same tables indexed by value and ending in NULL, for parsers that
 * walk them (the configuration file). */
extern const char *const ipc_log_level_names[IPC_LOG_MAX + 2];
extern const char *const ipc_log_format_names[IPC_LOG_FORMAT_MAX + 2];
extern const char *const ipc_namespaces_names[IPC_NAMESPACES_REQUIRED + 2];
extern const char *const ipc_log_error_class_names[IPC_LOG_ERROR_CLASSES + 1];
extern const char *const ipc_end_reason_names[IPC_END_MAX + 2];

/* ---- Payload fields (fields.c) -------------------------------------------- */

/* Every payload is described once, field by field in wire order: the codec
 * (message.c) encodes and decodes by these tables, `warden trace` prints
 * by them (trace_print.c), and tests/test_trace_tshark.c holds the
 * dissector (docs/warden-ipc.lua) to them. A field is named after its
 * struct member, and travels at the member's size: the payload structs
 * above use only types of the wire's widths. Adding a field to a payload
 * is adding the member, its row in fields.c, and its line in docs/ipc.md
 * and in the dissector. */

enum ipc_field_kind {
	IPC_FIELD_UNSIGNED, /* u8, u16, u32 or u64 */
	IPC_FIELD_SIGNED,   /* i32 */
	IPC_FIELD_STRING,   /* terminated in its fixed array */
	IPC_FIELD_SECRET,   /* bytes that are never shown: the bearer token */
	IPC_FIELD_RECORD,   /* a struct, with a table of its own */
};

enum ipc_field_flags {
	IPC_FIELD_SUMMARY = 1u << 0, /* on `warden trace`'s one-line text */
	IPC_FIELD_HEX = 1u << 1,     /* an address or an architecture: shown in hex */
	IPC_FIELD_BITS = 1u << 2,    /* a flag word: shown in hex; value_name names its bits */
};

struct ipc_fields;

struct ipc_field {
	const char *name;
	enum ipc_field_kind kind;
	unsigned flags;         /* enum ipc_field_flags */
	size_t offset;          /* in its struct */
	size_t size;            /* of one element in memory; on the wire too, but for a record */
	size_t count;           /* 1, or the length of an array */
	const char *counted_by; /* an array: the field that says how many elements
	                         * are in use (the rest are zero); NULL: all */
	const char *const *element_names;          /* an array: "1xx", ...; NULL: by index */
	const char *(*value_name)(unsigned value); /* an enumeration's names */
	const struct ipc_fields *record;           /* IPC_FIELD_RECORD */
};

struct ipc_fields {
	const struct ipc_field *field;
	size_t count;
};

/* The fields of a type's payload (for log: before its text, whose length
 * is text_length); NULL for an unknown type. */
const struct ipc_fields *ipc_payload_fields(unsigned type);

/* The bytes the fields take on the wire. */
size_t ipc_fields_size(const struct ipc_fields *fields);

/* Element `i` of a number field of the struct at `base`: its value (a
 * signed one sign-extended), or set to the low `size` bytes of `value`. */
uint64_t ipc_field_get(const struct ipc_field *f, const void *base, size_t i);
void ipc_field_set(const struct ipc_field *f, void *base, size_t i, uint64_t value);

/* How many of an array's elements are in use: its count, or the value of
 * its counted_by field in the struct at `base` (at most the count). */
size_t ipc_field_used(const struct ipc_fields *fields, const struct ipc_field *f, const void *base);

/* ---- Encoding and decoding ---------------------------------------------- */

enum ipc_decode_status {
	IPC_OK = 0,
	IPC_E_SHORT = 1,      /* fewer bytes than a header */
	IPC_E_MAGIC = 2,      /* wrong magic */
	IPC_E_VERSION = 3,    /* unsupported protocol version */
	IPC_E_TYPE = 4,       /* unknown type */
	IPC_E_LENGTH = 5,     /* header length disagrees with the bytes received */
	IPC_E_SIZE = 6,       /* length does not fit the type */
	IPC_E_OVERSIZE = 7,   /* more than IPC_MAX_MESSAGE bytes */
	IPC_E_STRING = 8,     /* a string unterminated, overlong, or with bytes after the NUL */
	IPC_E_RANGE = 9,      /* a value out of its range */
	IPC_E_SEQUENCE = 10,  /* not the expected sequence number */
	IPC_E_DIRECTION = 11, /* a type the sender may not send */
	IPC_E_FDS = 12,       /* descriptors missing, unexpected, or of the wrong kind */
	IPC_E_IO = 13,        /* the socket failed or the peer closed */
};

struct ipc_decode_error {
	enum ipc_decode_status status;
	char message[160]; /* says what and where: "config: uri_max_bytes 9 not in 16..8192" */
	/* The bytes judged: what ipc_decode was given, or the packet that
	 * ipc_receive/ipc_receive_hello read (at most IPC_MAX_MESSAGE + 1);
	 * 0 for a socket error. A tracer records raw[0 .. length). */
	size_t length;
};

/* Encodes `msg` (its type and payload; `sequence` as given) into `buf`.
 * Returns the number of bytes, or 0 when `cap` is too small or the payload
 * is not valid (the encoder refuses to send what the decoder would reject:
 * it decodes its own output). `buf` is unspecified after a refusal. */
size_t ipc_encode(const struct ipc_message *msg, uint8_t *buf, size_t cap);

/* The header's fields as the bytes say, nothing checked: for a tracer that
 * sorts or shows what it does not decode. False when `len` is shorter than
 * a header. */
struct ipc_header {
	uint32_t magic;
	uint16_t version, type;
	uint32_t length, sequence;
};
bool ipc_peek_header(const uint8_t *buf, size_t len, struct ipc_header *out);

/* Decodes exactly one message of `len` bytes. Returns IPC_OK, or the
 * status with `err` filled (`err` may be NULL). `out` is only meaningful
 * on IPC_OK. It checks everything but the direction and the sequence,
 * which belong to a channel. */
enum ipc_decode_status ipc_decode(const uint8_t *buf, size_t len, struct ipc_message *out,
                                  struct ipc_decode_error *err);

/* ---- The channel ---------------------------------------------------------- */

/* One end of the socketpair, with its sequence numbers. */
struct ipc_channel {
	int fd;
	uint32_t next_send;          /* sequence of the next message sent; starts at 1 */
	uint32_t next_receive;       /* sequence expected next; starts at 1 */
	enum ipc_direction receives; /* which types this end accepts */
	uint64_t messages_in, messages_out, bytes_in, bytes_out;
};

/* Creates the socketpair (close-on-exec, both ends). */
int ipc_socketpair(int fds[2]);

void ipc_channel_init(struct ipc_channel *ch, int fd, enum ipc_direction receives);

/* Sends one message with sendto(fd, ..., MSG_NOSIGNAL, NULL, 0): the only
 * way the child writes to its IPC socket. Sets msg->sequence. Returns the
 * bytes sent, or -errno (-EMSGSIZE when it cannot be encoded, -EINVAL for a
 * type the peer may not receive, or a hello: see ipc_send_hello). */
ssize_t ipc_send(struct ipc_channel *ch, struct ipc_message *msg, uint8_t *raw, size_t raw_cap);

/* Receives one message with read(2) into `raw` (at least IPC_MAX_MESSAGE + 1
 * bytes, so that oversize packets are detected) and decodes it, checking
 * the direction and the sequence number. Returns the bytes read (> 0), 0
 * when the peer closed (read(2) cannot tell an empty packet from that),
 * -EAGAIN when nothing is waiting, -EPROTO with `err` filled for a
 * malformed message (a hello, which must come with its descriptors,
 * included: IPC_E_FDS), or another -errno (IPC_E_IO; -EINVAL when `raw_cap`
 * is too small). Descriptors sent with a message are never installed:
 * read(2) has no control buffer. After an error the channel has not
 * advanced; the protocol treats any error as the end of the channel. */
ssize_t ipc_receive(struct ipc_channel *ch, struct ipc_message *msg, uint8_t *raw, size_t raw_cap,
                    struct ipc_decode_error *err);

/* ---- Descriptor handover (before lockdown only) ----------------------------- */

/* Parent: sends the hello with the log fd and the GUI socket as SCM_RIGHTS
 * (sendmsg, MSG_NOSIGNAL). Returns as ipc_send. */
ssize_t ipc_send_hello(struct ipc_channel *ch, struct ipc_message *hello,
                       const int fds[IPC_HANDOVER_FDS], uint8_t *raw, size_t raw_cap);

/* Child: receives the hello with recvmsg(2), MSG_CMSG_CLOEXEC. Exactly
 * IPC_HANDOVER_FDS descriptors in one SCM_RIGHTS message, no truncation
 * (MSG_CTRUNC, MSG_TRUNC), no other control message; then checks that fd
 * [0] is a regular file open for appending and fd [1] a listening stream
 * socket. On any error every received descriptor is closed, -EPROTO is
 * returned and `err` says why. Returns the bytes received with `fds` set,
 * 0 when the peer closed, or another -errno (-EAGAIN, IPC_E_IO); `fds` are
 * -1 unless it succeeded. */
ssize_t ipc_receive_hello(struct ipc_channel *ch, struct ipc_message *hello,
                          int fds[IPC_HANDOVER_FDS], uint8_t *raw, size_t raw_cap,
                          struct ipc_decode_error *err);

/* Checks one received descriptor's kind (used by ipc_receive_hello):
 * a regular file open for writing with O_APPEND; a listening SOCK_STREAM
 * socket. Return 0, or -EPROTO with `err` filled (IPC_E_FDS). */
int ipc_check_log_fd(int fd, struct ipc_decode_error *err);
int ipc_check_listen_fd(int fd, struct ipc_decode_error *err);

#endif
