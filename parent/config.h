/*
 * config.h - the daemon's configuration: built-in defaults, an INI file
 * (libinih) and command-line flags, in that order (flags win).
 *
 * Every key is documented in docs/configuration.md. Unknown sections and
 * keys, malformed and out-of-range values are errors naming file:line and
 * the key; nothing is ignored.
 */
#ifndef WARDEN_PARENT_CONFIG_H
#define WARDEN_PARENT_CONFIG_H

#include "ipc/ipc.h"

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>

enum config_burst_action {
	CONFIG_BURST_EXIT = 0,     /* exit non-zero: an outer supervisor takes over */
	CONFIG_BURST_THROTTLE = 1, /* keep restarting at the maximum delay */
};

/* sandbox.mode: what the filter does with a call the policy does not allow. */
enum config_sandbox_mode {
	CONFIG_MODE_ENFORCE = 0,  /* the call never runs and the child ends */
	CONFIG_MODE_COMPLAIN = 1, /* the call runs, and is reported (never the default) */
};

enum {
	CONFIG_KEY_COUNT = 40, /* keys in all sections; config.c checks it */
	CONFIG_FROM_DEFAULT = 0,
	CONFIG_FROM_FLAG = -1,
	/* What server.hosts may add: the rest of IPC_HOSTS_MAX is kept for the
	 * built-in names (25 bytes), the listen address's host as written and
	 * the listening socket's real one (47 bytes each at most, with their
	 * spaces: config_to_ipc, config_hosts_add). */
	CONFIG_HOSTS_MAX = IPC_HOSTS_MAX - 128,
};

struct warden_config {
	/* [server] */
	char listen[128];                /* "127.0.0.1:8080", "[::1]:8080" */
	bool allow_remote_without_token; /* listen beyond loopback with no token */
	char token_file[PATH_MAX];       /* "" = no auth; else the token is read from it */
	uint32_t max_connections, header_max_bytes, uri_max_bytes;
	uint32_t header_timeout_ms, idle_timeout_ms, send_timeout_ms;
	uint32_t max_connections_per_peer; /* one client address's share of max_connections */
	char hosts[CONFIG_HOSTS_MAX];      /* more Host names, space-separated, no ports */

	/* [log] */
	char log_file[PATH_MAX];
	uint8_t log_level;        /* enum ipc_log_level */
	uint8_t log_format;       /* enum ipc_log_format */
	uint8_t log_stderr_level; /* enum ipc_log_level */
	uint32_t log_ring_lines;

	/* [sandbox] */
	uint8_t namespaces; /* enum ipc_namespaces_mode */
	char user[IPC_NAME_MAX], group[IPC_NAME_MAX];
	uint32_t memory_reserve_kib;
	uint8_t sandbox_mode;    /* enum config_sandbox_mode */
	bool report_violations;  /* enforce mode: the child reports (trap) or the parent kills */
	bool complain_on_remote; /* complain mode on a non-loopback listen address */
	char child_program[PATH_MAX]; /* "" = warden-child beside the warden binary */

	/* [supervise] */
	uint32_t heartbeat_interval_ms, heartbeat_timeout_ms, ready_timeout_ms;
	uint32_t restart_initial_ms, restart_max_ms, restart_stable_ms;
	double restart_factor;
	uint32_t burst_limit, burst_window_ms;
	enum config_burst_action burst_action;
	uint32_t drain_timeout_ms, status_interval_ms;
	bool standby; /* keep a spare generation booted, attested, not accepting */

	/* [trace] */
	char trace_file[PATH_MAX]; /* "" = off */
	uint64_t trace_max_bytes;  /* rotate beyond this size; 0 = never */
	uint32_t trace_max_files;

	/* Not configuration: where each key's value came from, so that a
	 * cross-key error (uri_max_bytes > header_max_bytes) can name a
	 * place. CONFIG_FROM_DEFAULT, CONFIG_FROM_FLAG, or a line of
	 * source_file. Indexed like the key table in config.c (the order of
	 * --print-config). */
	char source_file[PATH_MAX];
	int32_t source_line[CONFIG_KEY_COUNT];
};

/* One error with where it comes from: "warden.ini:12: [server] listen: ...". */
struct config_error {
	char message[512];
};

/* The built-in defaults: enough to run with no file at all. */
void config_defaults(struct warden_config *cfg);

/* Reads an INI file over `cfg`. Reports every error to `errors` (one line
 * each) and returns how many there were (0 = success). A missing or
 * unreadable file is one error. */
int config_load_file(struct warden_config *cfg, const char *path, FILE *errors);

/* Sets one key by its "section.key" name, as a flag does (--listen is
 * server.listen). Returns 0, or -1 with `err` filled with why, without a
 * place: the caller prefixes the flag ("--set server.listen=x: ..."). */
int config_set(struct warden_config *cfg, const char *section_key, const char *value,
               struct config_error *err);

/* Cross-key checks once everything is loaded (uri_max_bytes <=
 * header_max_bytes, a non-loopback listen address needs a token or
 * allow_remote_without_token, ...). Returns the number of errors. */
int config_validate(const struct warden_config *cfg, FILE *errors);

/* Writes the effective configuration as an INI file that loads back to the
 * same values. */
void config_print(const struct warden_config *cfg, FILE *out);

/* The part the child needs, as the IPC_CONFIG payload; the token is read
 * from token_file by the caller. user and group are filled only when the
 * process runs as root (ipc.h: "" when not started as root), since only
 * then can the child switch to them. hosts is "localhost 127.0.0.1 [::1]",
 * then the listen address's host as written, then server.hosts. */
/* The filter's deny action for `cfg` (config_to_ipc's): complain mode's,
 * else trap with report_violations, else notify when `can_take_listener`
 * (the parent may pidfd_getfd from the child), else kill. */
enum ipc_deny_action config_deny_action(const struct warden_config *cfg, bool can_take_listener);

void config_to_ipc(const struct warden_config *cfg, struct ipc_config *out);

/* Adds `host` ("192.0.2.1", "[2001:db8::1]": the listening socket's real
 * address) to out->hosts unless it is there already. There is always room
 * for one such host after config_to_ipc (CONFIG_HOSTS_MAX). */
void config_hosts_add(struct ipc_config *out, const char *host);

/* ---- Additions for the parent ------------------------------------------ */

/* Parses a listen address: "IPV4:PORT" or "[IPV6]:PORT", numeric only (no
 * host names, no zone ids), PORT 0..65535 where 0 lets the kernel pick.
 * Returns 0, or -1 with `err` saying why. */
int config_parse_listen(const char *text, struct sockaddr_storage *addr, socklen_t *len,
                        struct config_error *err);

/* 127.0.0.0/8, ::1, or ::ffff:127.0.0.0/104. */
bool config_listen_is_loopback(const struct sockaddr_storage *addr);

/* Reads the bearer token from token_file. No token_file: 0 with *length 0
 * (no auth). The file must be a regular file owned by the effective user
 * or root with no group or other permission bits (chmod 600); its content,
 * less one trailing newline, must be 16..IPC_TOKEN_MAX printable ASCII
 * characters without spaces. Returns 0, or -1 with `err` filled; `token`
 * is zero beyond *length either way. */
int config_read_token(const struct warden_config *cfg, uint8_t token[IPC_TOKEN_MAX], size_t *length,
                      struct config_error *err);

/* Whether two configurations have the same values (where they came from
 * does not count). */
bool config_equal(const struct warden_config *a, const struct warden_config *b);

#endif
