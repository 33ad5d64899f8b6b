/*
 * config.c - defaults, the INI file and single keys (minimal first cut).
 */
#include "config.h"

#include <string.h>

void config_defaults(struct warden_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	strcpy(cfg->listen, "127.0.0.1:8080");
	strcpy(cfg->log_file, "warden.log");
	cfg->log_level = IPC_LOG_INFO;
	cfg->log_ring_lines = 1000;
	cfg->namespaces = IPC_NAMESPACES_AUTO;
	strcpy(cfg->user, "nobody");
	strcpy(cfg->group, "nogroup");
	cfg->memory_reserve_kib = 65536;
	cfg->report_violations = true;
	cfg->max_connections = 512;
	cfg->header_max_bytes = 8192;
	cfg->uri_max_bytes = 2048;
	cfg->header_timeout_ms = 10000;
	cfg->idle_timeout_ms = 60000;
	cfg->send_timeout_ms = 10000;
	cfg->heartbeat_interval_ms = 1000;
	cfg->heartbeat_timeout_ms = 3000;
	cfg->ready_timeout_ms = 5000;
	cfg->restart_initial_ms = 100;
	cfg->restart_factor = 2.0;
	cfg->restart_max_ms = 30000;
	cfg->restart_stable_ms = 10000;
	cfg->burst_limit = 10;
	cfg->burst_window_ms = 60000;
	cfg->burst_action = CONFIG_BURST_EXIT;
	cfg->drain_timeout_ms = 10000;
	cfg->status_interval_ms = 1000;
	cfg->trace_max_bytes = 64ull << 20;
	cfg->trace_max_files = 4;
}

int config_load_file(struct warden_config *cfg, const char *path, FILE *errors)
{
	(void)cfg;
	fprintf(errors, "%s: configuration files are not supported yet\n", path);
	return 1;
}

int config_set(struct warden_config *cfg, const char *section_key, const char *value,
               struct config_error *err)
{
	if (strcmp(section_key, "server.listen") == 0 && strlen(value) < sizeof(cfg->listen)) {
		strcpy(cfg->listen, value);
		return 0;
	}
	snprintf(err->message, sizeof(err->message), "cannot set '%s' yet", section_key);
	return -1;
}

int config_validate(const struct warden_config *cfg, FILE *errors)
{
	(void)cfg;
	(void)errors;
	return 0;
}

void config_print(const struct warden_config *cfg, FILE *out)
{
	fprintf(out, "[server]\nlisten = %s\n\n[log]\nfile = %s\n", cfg->listen, cfg->log_file);
}

void config_to_ipc(const struct warden_config *cfg, struct ipc_config *out)
{
	memset(out, 0, sizeof(*out));
	out->max_connections = cfg->max_connections;
	out->header_max_bytes = cfg->header_max_bytes;
	out->uri_max_bytes = cfg->uri_max_bytes;
	out->header_timeout_ms = cfg->header_timeout_ms;
	out->idle_timeout_ms = cfg->idle_timeout_ms;
	out->send_timeout_ms = cfg->send_timeout_ms;
	out->heartbeat_interval_ms = cfg->heartbeat_interval_ms;
	out->memory_reserve_kib = cfg->memory_reserve_kib;
	out->log_ring_lines = cfg->log_ring_lines;
	out->log_min_level = cfg->log_level;
	out->namespaces = cfg->namespaces;
	out->report_violations = cfg->report_violations;
	strcpy(out->user, cfg->user);
	strcpy(out->group, cfg->group);
}
