/*
 * names.c - the one spelling of every IPC enumeration's values (ipc.h,
 * "Names"). The configuration file, `warden trace`, the GUI's JSON,
 * /metrics and the log all print and parse these tables, so a value is
 * spelt the same wherever an operator meets it.
 */
#include "ipc.h"

#include <stdint.h>
#include <strings.h>

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

const char *const ipc_log_level_names[IPC_LOG_MAX + 2] = {
        [IPC_LOG_DEBUG] = "debug",     [IPC_LOG_INFO] = "info",   [IPC_LOG_NOTICE] = "notice",
        [IPC_LOG_WARNING] = "warning", [IPC_LOG_ERROR] = "error", [IPC_LOG_CRIT] = "crit",
};

const char *const ipc_log_format_names[IPC_LOG_FORMAT_MAX + 2] = {
        [IPC_LOG_FORMAT_TEXT] = "text",
        [IPC_LOG_FORMAT_JSON] = "json",
};

const char *const ipc_namespaces_names[IPC_NAMESPACES_REQUIRED + 2] = {
        [IPC_NAMESPACES_OFF] = "off",
        [IPC_NAMESPACES_AUTO] = "auto",
        [IPC_NAMESPACES_REQUIRED] = "required",
};

static const char *const state_names[IPC_STATE_MAX + 1] = {
        [IPC_STATE_STARTING] = "starting",
        [IPC_STATE_RUNNING] = "running",
        [IPC_STATE_RESTARTING] = "restarting",
        [IPC_STATE_DRAINING] = "draining",
};

static const char *const standby_state_names[IPC_STANDBY_MAX + 1] = {
        [IPC_STANDBY_OFF] = "off",     [IPC_STANDBY_BOOTING] = "booting",
        [IPC_STANDBY_READY] = "ready", [IPC_STANDBY_WAITING] = "waiting",
        [IPC_STANDBY_HELD] = "held",
};

const char *const ipc_end_reason_names[IPC_END_MAX + 2] = {
        [IPC_END_NONE] = "none",
        [IPC_END_EXIT] = "exit",
        [IPC_END_SIGNAL] = "signal",
        [IPC_END_VIOLATION] = "violation",
        [IPC_END_HEARTBEAT] = "heartbeat",
        [IPC_END_MALFORMED] = "malformed",
        [IPC_END_READY_TIMEOUT] = "ready_timeout",
        [IPC_END_RELOAD] = "reload",
        [IPC_END_ATTESTATION] = "attestation",
};

static const char *const shutdown_reason_names[] = {
        [IPC_SHUTDOWN_TERMINATE] = "terminate",
        [IPC_SHUTDOWN_RELOAD] = "reload",
};

static const char *const deny_action_names[] = {
        [IPC_DENY_KILL] = "kill",
        [IPC_DENY_TRAP] = "trap",
        [IPC_DENY_NOTIFY] = "notify",
        [IPC_DENY_COMPLAIN] = "complain",
};

static const char *const decode_status_names[] = {
        [IPC_OK] = "ok",
        [IPC_E_SHORT] = "short",
        [IPC_E_MAGIC] = "magic",
        [IPC_E_VERSION] = "version",
        [IPC_E_TYPE] = "type",
        [IPC_E_LENGTH] = "length",
        [IPC_E_SIZE] = "size",
        [IPC_E_OVERSIZE] = "oversize",
        [IPC_E_STRING] = "string",
        [IPC_E_RANGE] = "range",
        [IPC_E_SEQUENCE] = "sequence",
        [IPC_E_DIRECTION] = "direction",
        [IPC_E_FDS] = "fds",
        [IPC_E_IO] = "io",
};

/* Indexed by the flag's bit number. */
static const char *const sandbox_flag_names[] = {
        "seccomp", "no_new_privs", "caps_dropped", "user_ns", "mount_ns", "net_ns",
        "ipc_ns",  "uts_ns",       "cgroup_ns",    "pid_ns",  "rlimits",
};
_Static_assert(IPC_SANDBOX_ALL == (1u << COUNT(sandbox_flag_names)) - 1,
               "a name for every sandbox flag");

/* logger.h's enum logger_error_class, in its order. */
const char *const ipc_log_error_class_names[IPC_LOG_ERROR_CLASSES + 1] = {
        "nospc", "io", "badf", "again", "other", NULL,
};

/* Indexed by the flag's bit number. */
static const char *const log_flag_names[] = {"replayed"};
_Static_assert(IPC_LOG_FLAGS_ALL == (1u << COUNT(log_flag_names)) - 1, "a name for every log flag");

static const char *pick(const char *const *names, size_t count, unsigned value)
{
	return value < count ? names[value] : NULL;
}

const char *ipc_log_level_name(unsigned level)
{
	return pick(ipc_log_level_names, IPC_LOG_MAX + 1, level);
}

bool ipc_log_level_parse(const char *text, size_t length, enum ipc_log_level *out)
{
	for (unsigned level = 0; level <= IPC_LOG_MAX; level++) {
		const char *name = ipc_log_level_names[level];
		if (strncasecmp(text, name, length) == 0 && name[length] == '\0') {
			*out = (enum ipc_log_level)level;
			return true;
		}
	}
	return false;
}

const char *ipc_log_format_name(unsigned format)
{
	return pick(ipc_log_format_names, IPC_LOG_FORMAT_MAX + 1, format);
}

const char *ipc_namespaces_name(unsigned mode)
{
	return pick(ipc_namespaces_names, IPC_NAMESPACES_REQUIRED + 1, mode);
}

const char *ipc_state_name(unsigned state)
{
	return pick(state_names, COUNT(state_names), state);
}

const char *ipc_standby_state_name(unsigned state)
{
	return pick(standby_state_names, COUNT(standby_state_names), state);
}

const char *ipc_end_reason_name(unsigned reason)
{
	return pick(ipc_end_reason_names, IPC_END_MAX + 1, reason);
}

const char *ipc_shutdown_reason_name(unsigned reason)
{
	return pick(shutdown_reason_names, COUNT(shutdown_reason_names), reason);
}

const char *ipc_decode_status_name(unsigned status)
{
	return pick(decode_status_names, COUNT(decode_status_names), status);
}

const char *ipc_deny_action_name(unsigned action)
{
	return pick(deny_action_names, COUNT(deny_action_names), action);
}

const char *ipc_sandbox_flag_name(unsigned bit)
{
	return pick(sandbox_flag_names, COUNT(sandbox_flag_names), bit);
}

const char *ipc_log_error_class_name(unsigned c)
{
	return pick(ipc_log_error_class_names, IPC_LOG_ERROR_CLASSES, c);
}

const char *ipc_log_flag_name(unsigned bit)
{
	return pick(log_flag_names, COUNT(log_flag_names), bit);
}
