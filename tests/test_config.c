/*
 * The parent's configuration: defaults, every key through the INI file,
 * every kind of error with its file:line and key, flags over the file,
 * --print-config round trips, docs/warden.ini, the listen address, the
 * token file, and `warden run` itself.
 */
#include "cli_run.h"
#include "parent/config.h"
#include "parent/options.h"

#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <stdio.h>
#include <sys/socket.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define WARDEN_INI WARDEN_SOURCE_DIR "/docs/warden.ini"

/* ---- helpers ------------------------------------------------------------ */

struct temp {
	char path[64];
};

static struct temp temp_file(const char *text, mode_t mode)
{
	struct temp t;
	snprintf(t.path, sizeof(t.path), "/tmp/warden-config-XXXXXX");
	int fd = mkstemp(t.path);
	cr_assert(fd >= 0);
	cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	cr_assert_eq(fchmod(fd, mode), 0);
	close(fd);
	return t;
}

/* Loads `text` over the defaults and validates, like --check-config. */
struct loaded {
	struct warden_config cfg;
	int count;
	char *errors; /* free() it */
	struct temp file;
};

static struct loaded load_text(const char *text)
{
	struct loaded l;
	size_t size;
	FILE *errors = open_memstream(&l.errors, &size);
	l.file = temp_file(text, 0600);
	config_defaults(&l.cfg);
	l.count = config_load_file(&l.cfg, l.file.path, errors);
	l.count += config_validate(&l.cfg, errors);
	fclose(errors);
	unlink(l.file.path);
	return l;
}

/* Expects exactly one error, "FILE:LINE: <rest...>". */
static void expect_error(const char *text, int line, const char *rest)
{
	struct loaded l = load_text(text);
	char expected[256];
	snprintf(expected, sizeof(expected), "%s:%d: %s", l.file.path, line, rest);
	cr_expect_eq(l.count, 1, "%d errors for:\n%s\ngot:\n%s", l.count, text, l.errors);
	cr_expect(strstr(l.errors, expected) != NULL, "expected '%s', got:\n%s", expected,
	          l.errors);
	free(l.errors);
}

static int parse_args(struct warden_config *cfg, enum run_action *action, char **errors,
                      const char *const *args)
{
	char *argv[32] = {"run"};
	int argc = 1;
	for (; args[argc - 1] != NULL; argc++)
		argv[argc] = (char *)args[argc - 1];
	size_t size;
	FILE *err = open_memstream(errors, &size);
	int count = options_parse(argc, argv, cfg, action, err);
	fclose(err);
	return count;
}

/* ---- defaults and keys -------------------------------------------------- */

Test(config, defaults_are_valid_and_as_documented)
{
	struct warden_config cfg;
	config_defaults(&cfg);
	cr_expect_eq(config_validate(&cfg, stderr), 0);
	cr_expect_str_eq(cfg.listen, "127.0.0.1:8080");
	cr_expect_str_eq(cfg.log_file, "warden.log");
	cr_expect_eq(cfg.log_level, IPC_LOG_INFO);
	cr_expect_eq(cfg.log_format, IPC_LOG_FORMAT_TEXT);
	cr_expect_eq(cfg.log_stderr_level, IPC_LOG_NOTICE);
	cr_expect_eq(cfg.namespaces, IPC_NAMESPACES_AUTO);
	cr_expect_eq(cfg.max_connections, 512);
	cr_expect_eq(cfg.restart_factor, 2.0);
	cr_expect_eq(cfg.burst_action, CONFIG_BURST_EXIT);
	cr_expect_eq(cfg.trace_max_bytes, 64u << 20);
	cr_expect_str_eq(cfg.trace_file, "");
	cr_expect_str_eq(cfg.token_file, "");
}

static const char every_key[] = "[server]\n"
                                "listen = [::1]:0\n"
                                "allow_remote_without_token = yes\n"
                                "token_file = /etc/warden/token\n"
                                "max_connections = 65536\n"
                                "header_max_bytes = 256\n"
                                "uri_max_bytes = 16\n"
                                "header_timeout_ms = 1\n"
                                "idle_timeout_ms = 3600000\n"
                                "send_timeout_ms = 600000\n"
                                "max_connections_per_peer = 65536\n"
                                "hosts = warden.example  10.1.2.3 [fd00::1] localhost\n"
                                "[log]\n"
                                "file = /var/log/w.log\n"
                                "level = crit\n"
                                "format = json\n"
                                "stderr_level = error\n"
                                "ring_lines = 65536\n"
                                "[sandbox]\n"
                                "namespaces = required\n"
                                "user = daemon\n"
                                "group = daemon\n"
                                "memory_reserve_kib = 4194304\n"
                                "report_violations = off\n"
                                "child_program = /usr/lib/warden/child\n"
                                "[supervise]\n"
                                "heartbeat_interval_ms = 250\n"
                                "heartbeat_timeout_ms = 251\n"
                                "ready_timeout_ms = 600000\n"
                                "restart_initial_ms = 0\n"
                                "restart_factor = 1.5\n"
                                "restart_max_ms = 0\n"
                                "restart_stable_ms = 0\n"
                                "burst_limit = 1\n"
                                "burst_window_ms = 86400000\n"
                                "burst_action = throttle\n"
                                "drain_timeout_ms = 0\n"
                                "status_interval_ms = 10\n"
                                "[trace]\n"
                                "file = ipc.pcap\n"
                                "max_bytes = 1g\n"
                                "max_files = 1000\n";

Test(config, every_key_is_parsed)
{
	struct loaded l = load_text(every_key);
	struct warden_config *c = &l.cfg;
	cr_assert_eq(l.count, 0, "%s", l.errors);
	cr_expect_str_eq(c->listen, "[::1]:0");
	cr_expect(c->allow_remote_without_token);
	cr_expect_str_eq(c->token_file, "/etc/warden/token");
	cr_expect_eq(c->max_connections, 65536);
	cr_expect_eq(c->header_max_bytes, 256);
	cr_expect_eq(c->uri_max_bytes, 16);
	cr_expect_eq(c->header_timeout_ms, 1);
	cr_expect_eq(c->idle_timeout_ms, 3600000);
	cr_expect_eq(c->send_timeout_ms, 600000);
	cr_expect_str_eq(c->log_file, "/var/log/w.log");
	cr_expect_eq(c->log_level, IPC_LOG_CRIT);
	cr_expect_eq(c->log_format, IPC_LOG_FORMAT_JSON);
	cr_expect_eq(c->log_stderr_level, IPC_LOG_ERROR);
	cr_expect_eq(c->log_ring_lines, 65536);
	cr_expect_eq(c->namespaces, IPC_NAMESPACES_REQUIRED);
	cr_expect_str_eq(c->user, "daemon");
	cr_expect_str_eq(c->group, "daemon");
	cr_expect_eq(c->memory_reserve_kib, 4194304);
	cr_expect(!c->report_violations);
	cr_expect_str_eq(c->child_program, "/usr/lib/warden/child");
	cr_expect_eq(c->heartbeat_interval_ms, 250);
	cr_expect_eq(c->heartbeat_timeout_ms, 251);
	cr_expect_eq(c->ready_timeout_ms, 600000);
	cr_expect_eq(c->restart_initial_ms, 0);
	cr_expect_eq(c->restart_factor, 1.5);
	cr_expect_eq(c->restart_max_ms, 0);
	cr_expect_eq(c->restart_stable_ms, 0);
	cr_expect_eq(c->burst_limit, 1);
	cr_expect_eq(c->burst_window_ms, 86400000);
	cr_expect_eq(c->burst_action, CONFIG_BURST_THROTTLE);
	cr_expect_eq(c->drain_timeout_ms, 0);
	cr_expect_eq(c->status_interval_ms, 10);
	cr_expect_str_eq(c->trace_file, "ipc.pcap");
	cr_expect_eq(c->trace_max_bytes, 1ull << 30);
	cr_expect_eq(c->trace_max_files, 1000);
	free(l.errors);
}

Test(config, syntax_comments_crlf_bom_and_inline_comments)
{
	struct loaded l = load_text("\xef\xbb\xbf# comment\r\n; another\r\n\r\n  [log]  \r\n"
	                            "  level=debug ; inline\r\n"
	                            "file: with;semicolon.log\n");
	cr_expect_eq(l.count, 0, "%s", l.errors);
	cr_expect_eq(l.cfg.log_level, IPC_LOG_DEBUG);
	cr_expect_str_eq(l.cfg.log_file, "with;semicolon.log");
	free(l.errors);
}

Test(config, booleans_sizes_and_factors)
{
	const char *yes[] = {"true", "yes", "on", "1", "TRUE", "Yes"};
	const char *no[] = {"false", "no", "off", "0", "False", "OFF"};
	struct warden_config cfg;
	struct config_error err;
	config_defaults(&cfg);
	for (size_t i = 0; i < 6; i++) {
		cr_expect_eq(config_set(&cfg, "sandbox.report_violations", no[i], &err), 0);
		cr_expect(!cfg.report_violations, "%s", no[i]);
		cr_expect_eq(config_set(&cfg, "sandbox.report_violations", yes[i], &err), 0);
		cr_expect(cfg.report_violations, "%s", yes[i]);
	}
	struct {
		const char *text;
		uint64_t bytes;
	} sizes[] = {{"0", 0},           {"4096", 4096},     {"4K", 4096},
	             {"3m", 3ull << 20}, {"2G", 2ull << 30}, {"1T", 1ull << 40}};
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		cr_expect_eq(config_set(&cfg, "trace.max_bytes", sizes[i].text, &err), 0, "%s",
		             err.message);
		cr_expect_eq(cfg.trace_max_bytes, sizes[i].bytes, "%s", sizes[i].text);
	}
	const char *bad_sizes[] = {"4095", "2T", "1KB", "K", "-1", "+4K", "1.5M", " 4K", "4 K"};
	for (size_t i = 0; i < sizeof(bad_sizes) / sizeof(bad_sizes[0]); i++)
		cr_expect_eq(config_set(&cfg, "trace.max_bytes", bad_sizes[i], &err), -1, "%s",
		             bad_sizes[i]);
	const char *bad_factors[] = {"0.9", "10.01", "nan", "inf", "1e1",
	                             "-2",  "+2",    "2.",  ".5",  "0x2"};
	for (size_t i = 0; i < sizeof(bad_factors) / sizeof(bad_factors[0]); i++)
		cr_expect_eq(config_set(&cfg, "supervise.restart_factor", bad_factors[i], &err), -1,
		             "%s", bad_factors[i]);
	cr_expect_eq(config_set(&cfg, "supervise.restart_factor", "10.0", &err), 0);
	cr_expect_eq(cfg.restart_factor, 10.0);
}

Test(config, integers_refuse_signs_garbage_and_overflow)
{
	const char *bad[] = {"-1",         "+1",
	                     " 1",         "1 x",
	                     "0x10",       "1e3",
	                     "",           "18446744073709551616",
	                     "4294967297", "99999999999999999999999"};
	struct warden_config cfg;
	struct config_error err;
	config_defaults(&cfg);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_expect_eq(config_set(&cfg, "server.max_connections", bad[i], &err), -1, "'%s'",
		             bad[i]);
		cr_expect_eq(cfg.max_connections, 512, "'%s' changed the value", bad[i]);
	}
	cr_expect_eq(config_set(&cfg, "server.max_connections", "0007", &err), 0);
	cr_expect_eq(cfg.max_connections, 7);
}

/* ---- errors ------------------------------------------------------------- */

/* The ranges at their edges: header_max_bytes from 256, and uri_max_bytes
 * up to header_max_bytes (the target is part of the head). */
Test(config, limits_at_their_edges)
{
	expect_error("[server]\nheader_max_bytes = 255\n", 2,
	             "[server] header_max_bytes: 255 is out of range 256..65536");
	expect_error("[server]\nheader_max_bytes = 1024\nuri_max_bytes = 1025\n", 3,
	             "[server] uri_max_bytes: uri_max_bytes (1025) exceeds header_max_bytes");
	struct loaded l = load_text("[server]\nheader_max_bytes = 256\nuri_max_bytes = 256\n");
	cr_expect_eq(l.count, 0, "%s", l.errors);
	free(l.errors);
}

Test(config_errors, each_kind_names_file_line_and_key)
{
	expect_error("[server]\n[nope]\nx = 1\n", 2, "[nope]: unknown section");
	expect_error("[server]\nfrob = 1\n", 2, "[server] frob: unknown key");
	expect_error("[server]\n\nmax_connections = 12x\n", 3,
	             "[server] max_connections: '12x' is not a non-negative decimal integer");
	expect_error("[server]\nmax_connections = 65537\n", 2,
	             "[server] max_connections: 65537 is out of range 1..65536");
	expect_error("[sandbox]\nmemory_reserve_kib = 1023\n", 2,
	             "[sandbox] memory_reserve_kib: 1023 is out of range");
	expect_error("[sandbox]\nreport_violations = maybe\n", 2,
	             "[sandbox] report_violations: 'maybe' is not a boolean");
	expect_error("[sandbox]\nnamespaces = sometimes\n", 2,
	             "[sandbox] namespaces: 'sometimes' is not one of off, auto, required");
	expect_error("[log]\nformat = yaml\n", 2, "[log] format: 'yaml' is not one of text, json");
	expect_error(
	        "[log]\nstderr_level = loud\n", 2,
	        "[log] stderr_level: 'loud' is not one of debug, info, notice, warning, error, "
	        "crit");
	expect_error("[supervise]\nburst_action = panic\n", 2,
	             "[supervise] burst_action: 'panic' is not one of exit, throttle");
	expect_error("[sandbox]\nuser = abcdefghijklmnopqrstuvwxyz012345\n", 2,
	             "[sandbox] user: too long (32 bytes; at most 31)");
	expect_error("[log]\nlevel = info\nlevel = debug\n", 3,
	             "[log] level: duplicate key (first set on line 2)");
	expect_error("[server]\nlisten = localhost:80\n", 2, "[server] listen: 'localhost:80'");
	expect_error("[server]\nlisten = 0.0.0.0:8080\n", 2,
	             "[server] listen: 0.0.0.0:8080 is not a loopback address");
	expect_error("[sandbox]\nmode = lax\n", 2,
	             "[sandbox] mode: 'lax' is not one of enforce, complain");
	expect_error("[server]\nuri_max_bytes = 9000\n", 2,
	             "[server] uri_max_bytes: uri_max_bytes (9000) exceeds header_max_bytes "
	             "(8192)");
	expect_error("[server]\nuri_max_bytes = 4096\nheader_max_bytes = 1024\n", 3,
	             "[server] header_max_bytes: uri_max_bytes (4096) exceeds");
	expect_error("[supervise]\nheartbeat_timeout_ms = 1000\n", 2,
	             "[supervise] heartbeat_timeout_ms: heartbeat_timeout_ms (1000) must exceed");
	expect_error("[supervise]\nrestart_max_ms = 50\n", 2,
	             "[supervise] restart_max_ms: restart_max_ms (50) is below");
	expect_error("[log]\nfile =\n", 2, "[log] file: must not be empty");
	expect_error("level = info\n", 1, "level: key outside any section");
	expect_error("[log]\njust words\n", 2, "expected 'key = value'");
	expect_error("[log\n", 1, "section header without ']'");
	expect_error("[log]\nlevel = in\x01fo\n", 2, "contains a control character");
	expect_error("[log]\nfile = a\tb\n", 2, "[log] file: contains a control character");
}

Test(config_errors, a_long_path_is_an_error_not_a_truncation)
{
	char text[PATH_MAX + 64];
	int n = snprintf(text, sizeof(text), "[log]\nfile = /");
	memset(text + n, 'a', PATH_MAX);
	strcpy(text + n + PATH_MAX, "\n");
	expect_error(text, 2, "[log] file: too long (4097 bytes; at most 4095)");
	memset(text + n, 'a', PATH_MAX + 40);
	strcpy(text + n + PATH_MAX - 130, "\n");
	struct loaded l = load_text(text);
	cr_expect_eq(l.count, 0, "%s", l.errors);
	cr_expect_eq(strlen(l.cfg.log_file), PATH_MAX - 130 + 1);
	free(l.errors);
}

Test(config_errors, every_error_in_a_file_is_reported)
{
	struct loaded l = load_text("stray = 1\n"
	                            "[server]\n"
	                            "max_connections = -5\n"
	                            "frob = 1\n"
	                            "[bogus]\n"
	                            "x = 1\n"
	                            "[log]\n"
	                            "level = loud\n"
	                            "level = info\n"
	                            "[trace]\n"
	                            "max_files = 0\n"
	                            "[server]\n"
	                            "uri_max_bytes = 10000\n");
	const char *expected[] = {
	        ":1: stray: key outside any section",
	        ":3: [server] max_connections: '-5'",
	        ":4: [server] frob: unknown key",
	        ":5: [bogus]: unknown section",
	        ":8: [log] level: 'loud'",
	        ":9: [log] level: duplicate key (first set on line 8)",
	        ":11: [trace] max_files: 0 is out of range 1..1000",
	        ":13: [server] uri_max_bytes: uri_max_bytes (10000) exceeds",
	};
	size_t count = sizeof(expected) / sizeof(expected[0]);
	cr_expect_eq(l.count, (int)count, "%s", l.errors);
	for (size_t i = 0; i < count; i++)
		cr_expect(strstr(l.errors, expected[i]) != NULL, "no '%s' in:\n%s", expected[i],
		          l.errors);
	free(l.errors);
}

Test(config_errors, missing_file_is_one_error)
{
	struct warden_config cfg;
	char *text;
	size_t size;
	FILE *errors = open_memstream(&text, &size);
	config_defaults(&cfg);
	cr_expect_eq(config_load_file(&cfg, "/nonexistent/warden.ini", errors), 1);
	fclose(errors);
	cr_expect(strstr(text, "/nonexistent/warden.ini: cannot open") != NULL, "%s", text);
	free(text);
}

/* ---- flags -------------------------------------------------------------- */

Test(options, flags_win_over_the_file_wherever_they_are)
{
	struct temp t = temp_file("[server]\nlisten = 127.0.0.1:1\n[log]\nlevel = debug\n"
	                          "file = file.log\n",
	                          0600);
	struct warden_config cfg;
	enum run_action action;
	char *errors;
	const char *args[] = {"--listen",          "[::1]:2", "--set=log.level=error",
	                      "--config",          t.path,    "--log=flag.log",
	                      "--trace",           "t.pcap",  "--set",
	                      "log.level=warning", NULL};
	cr_expect_eq(parse_args(&cfg, &action, &errors, args), 0, "%s", errors);
	cr_expect_eq(action, RUN_SERVE);
	cr_expect_str_eq(cfg.listen, "[::1]:2");
	cr_expect_str_eq(cfg.log_file, "flag.log");
	cr_expect_str_eq(cfg.trace_file, "t.pcap");
	cr_expect_eq(cfg.log_level, IPC_LOG_WARNING, "the last --set wins");
	free(errors);
	unlink(t.path);
}

Test(options, usage_errors)
{
	const char *const cases[][4] = {
	        {"--frob", NULL},
	        {"stray", NULL},
	        {"--listen", NULL},
	        {"--help=yes", NULL},
	        {"--config", "a", "--config", "b"},
	        {"--check-config", "a", "--print-config", NULL},
	        {"--set", "nodot=1", NULL},
	        {"--set", "server.listen", NULL},
	        {"--set", "server.frob=1", NULL},
	        {"--set", "nope.listen=1", NULL},
	        {"--listen", "1.2.3.4", NULL},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *args[5] = {cases[i][0], cases[i][1], cases[i][2], cases[i][3], NULL};
		struct warden_config cfg;
		enum run_action action;
		char *errors;
		cr_expect_gt(parse_args(&cfg, &action, &errors, args), 0, "case %zu", i);
		cr_expect(errors[0] != '\0', "case %zu printed nothing", i);
		free(errors);
	}
}

Test(options, help_wins_and_actions_are_set)
{
	struct warden_config cfg;
	enum run_action action;
	char *errors;
	const char *help[] = {"--frob", "--help", NULL};
	cr_expect_eq(parse_args(&cfg, &action, &errors, help), 0);
	cr_expect_eq(action, RUN_HELP);
	free(errors);
	const char *print[] = {"--print-config", "--listen=127.0.0.1:0", NULL};
	cr_expect_eq(parse_args(&cfg, &action, &errors, print), 0, "%s", errors);
	cr_expect_eq(action, RUN_PRINT_CONFIG);
	free(errors);
	const char *flag_error[] = {"--listen", "0.0.0.0:1", NULL};
	cr_expect_eq(parse_args(&cfg, &action, &errors, flag_error), 1);
	cr_expect(strstr(errors, "--listen: [server] listen: 0.0.0.0:1 is not a loopback") != NULL,
	          "%s", errors);
	free(errors);
}

/* ---- printing ----------------------------------------------------------- */

static void expect_round_trip(const struct warden_config *cfg)
{
	char *text;
	size_t size;
	FILE *out = open_memstream(&text, &size);
	config_print(cfg, out);
	fclose(out);
	struct loaded l = load_text(text);
	cr_expect_eq(l.count, 0, "%s\nin:\n%s", l.errors, text);
	cr_expect(config_equal(cfg, &l.cfg), "did not load back:\n%s", text);
	free(l.errors);
	free(text);
}

Test(print, output_loads_back_to_the_same_values)
{
	struct warden_config cfg;
	config_defaults(&cfg);
	expect_round_trip(&cfg);
	struct loaded l = load_text(every_key);
	cr_assert_eq(l.count, 0, "%s", l.errors);
	expect_round_trip(&l.cfg);
	free(l.errors);
	struct config_error err;
	const char *factors[] = {"1.1", "3.3333333333333335", "9.99", "1"};
	for (size_t i = 0; i < 4; i++) {
		cr_assert_eq(config_set(&cfg, "supervise.restart_factor", factors[i], &err), 0);
		cr_assert_eq(config_set(&cfg, "trace.max_bytes", i % 2 ? "4097" : "5M", &err), 0);
		expect_round_trip(&cfg);
	}
}

Test(print, equal_ignores_origins_but_not_values)
{
	struct warden_config a, b;
	struct config_error err;
	config_defaults(&a);
	config_defaults(&b);
	cr_expect_eq(config_set(&b, "server.listen", "127.0.0.1:8080", &err), 0);
	cr_expect(config_equal(&a, &b));
	cr_expect_eq(config_set(&b, "supervise.restart_factor", "2.0000001", &err), 0);
	cr_expect(!config_equal(&a, &b));
}

Test(print, docs_warden_ini_is_the_defaults)
{
	struct warden_config defaults, cfg;
	config_defaults(&defaults);
	config_defaults(&cfg);
	cr_assert_eq(config_load_file(&cfg, WARDEN_INI, stderr), 0);
	cr_expect_eq(config_validate(&cfg, stderr), 0);
	cr_expect(config_equal(&defaults, &cfg));
	/* ... and it sets every key, so that it documents them all. */
	for (int i = 0; i < CONFIG_KEY_COUNT; i++)
		cr_expect_gt(cfg.source_line[i], 0, "key %d is not in docs/warden.ini", i);
}

/* ---- the listen address ------------------------------------------------- */

Test(listen, addresses)
{
	struct sockaddr_storage ss;
	socklen_t len;
	struct config_error err;
	cr_assert_eq(config_parse_listen("127.0.0.1:8080", &ss, &len, &err), 0);
	const struct sockaddr_in *sin = (const struct sockaddr_in *)&ss;
	cr_expect_eq(len, sizeof(*sin));
	cr_expect_eq(sin->sin_family, AF_INET);
	cr_expect_eq(ntohs(sin->sin_port), 8080);
	cr_expect(config_listen_is_loopback(&ss));
	cr_assert_eq(config_parse_listen("[::1]:0", &ss, &len, &err), 0);
	cr_expect_eq(len, sizeof(struct sockaddr_in6));
	cr_expect_eq(ss.ss_family, AF_INET6);
	cr_expect(config_listen_is_loopback(&ss));
	cr_assert_eq(config_parse_listen("[::ffff:127.0.0.2]:65535", &ss, &len, &err), 0);
	cr_expect(config_listen_is_loopback(&ss));
	cr_assert_eq(config_parse_listen("127.255.0.1:1", &ss, &len, &err), 0);
	cr_expect(config_listen_is_loopback(&ss));
	const char *remote[] = {"0.0.0.0:80", "10.0.0.1:80", "[::]:80", "[::ffff:10.0.0.1]:80",
	                        "128.0.0.1:80"};
	for (size_t i = 0; i < 5; i++) {
		cr_assert_eq(config_parse_listen(remote[i], &ss, &len, &err), 0, "%s", remote[i]);
		cr_expect(!config_listen_is_loopback(&ss), "%s", remote[i]);
	}
	const char *bad[] = {"127.0.0.1",
	                     "127.0.0.1:",
	                     "127.0.0.1:65536",
	                     "127.0.0.1:-1",
	                     "127.0.0.1:+80",
	                     "127.0.0.1:80x",
	                     "::1:80",
	                     "[::1]80",
	                     "[::1]",
	                     "[127.0.0.1]:80",
	                     "[fe80::1%lo]:80",
	                     "localhost:80",
	                     "1.2.3:80",
	                     ":80",
	                     ""};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_expect_eq(config_parse_listen(bad[i], &ss, &len, &err), -1, "'%s'", bad[i]);
}

Test(listen, remote_needs_a_token_or_an_explicit_allowance)
{
	struct loaded l = load_text("[server]\nlisten = 0.0.0.0:8080\ntoken_file = /t\n");
	cr_expect_eq(l.count, 0, "%s", l.errors);
	free(l.errors);
	l = load_text("[server]\nlisten = [::]:8080\nallow_remote_without_token = true\n");
	cr_expect_eq(l.count, 0, "%s", l.errors);
	free(l.errors);
}

/* Without either, a non-loopback address is an error naming the way out. */
Test(listen, remote_without_token_or_allowance_is_an_error)
{
	expect_error("[server]\nlisten = 0.0.0.0:8080\n", 2,
	             "[server] listen: 0.0.0.0:8080 is not a loopback address");
	expect_error("[server]\nlisten = [::]:8080\n", 2,
	             "[server] listen: [::]:8080 is not a loopback address");
	struct loaded l = load_text("[server]\nlisten = 127.0.0.2:8080\n");
	cr_expect_eq(l.count, 0, "%s", l.errors);
	free(l.errors);
}

/* ---- the token ---------------------------------------------------------- */

static int read_token(const char *text, mode_t mode, uint8_t *token, size_t *len,
                      struct config_error *err)
{
	struct temp t = temp_file(text, mode);
	struct warden_config cfg;
	config_defaults(&cfg);
	strcpy(cfg.token_file, t.path);
	int rc = config_read_token(&cfg, token, len, err);
	unlink(t.path);
	return rc;
}

Test(token, read_checked_and_stripped)
{
	uint8_t token[IPC_TOKEN_MAX];
	size_t len = 99;
	struct config_error err;
	struct warden_config cfg;
	config_defaults(&cfg);
	cr_expect_eq(config_read_token(&cfg, token, &len, &err), 0);
	cr_expect_eq(len, 0, "no token_file: no auth");

	cr_expect_eq(read_token("0123456789abcdef\n", 0600, token, &len, &err), 0, "%s",
	             err.message);
	cr_expect_eq(len, 16);
	cr_expect(memcmp(token, "0123456789abcdef", 16) == 0);
	cr_expect_eq(token[16], 0);

	char max[IPC_TOKEN_MAX + 2];
	memset(max, 'x', IPC_TOKEN_MAX);
	max[IPC_TOKEN_MAX] = '\0';
	cr_expect_eq(read_token(max, 0400, token, &len, &err), 0, "%s", err.message);
	cr_expect_eq(len, IPC_TOKEN_MAX);
	strcat(max, "x");
	cr_expect_eq(read_token(max, 0600, token, &len, &err), -1);

	cr_expect_eq(read_token("0123456789abcde\n", 0600, token, &len, &err), -1, "too short");
	cr_expect_eq(read_token("0123456789 abcdef\n", 0600, token, &len, &err), -1, "space");
	cr_expect_eq(read_token("0123456789abcdef\n\n", 0600, token, &len, &err), -1, "2 lines");
	cr_expect_eq(read_token("0123456789abcdef\r\n", 0600, token, &len, &err), -1, "CR");
	cr_expect_eq(len, 0);
	cr_expect_eq(read_token("0123456789abcdef\n", 0640, token, &len, &err), -1);
	cr_expect(strstr(err.message, "chmod 600") != NULL, "%s", err.message);
	cr_expect_eq(read_token("0123456789abcdef\n", 0604, token, &len, &err), -1);
	strcpy(cfg.token_file, "/nonexistent/token");
	cr_expect_eq(config_read_token(&cfg, token, &len, &err), -1);
	cr_expect(strstr(err.message, "[server] token_file: /nonexistent/token") != NULL, "%s",
	          err.message);
}

/* Only a final LF is stripped: a final CR stays, and is refused as a byte
 * of the token. As root, a token file owned by another user is refused
 * (it could have been planted); root's own is taken. */
Test(token, a_final_cr_stays_and_another_owner_is_refused)
{
	uint8_t token[IPC_TOKEN_MAX];
	size_t len;
	struct config_error err;
	cr_expect_eq(read_token("0123456789abcdef\r", 0600, token, &len, &err), -1, "final CR");
	cr_expect_eq(read_token("0123456789abcdef\t", 0600, token, &len, &err), -1, "final tab");
	if (geteuid() != 0)
		cr_skip_test("a file of another owner needs root: not running as root");
	struct temp t = temp_file("0123456789abcdef\n", 0600);
	struct warden_config cfg;
	config_defaults(&cfg);
	strcpy(cfg.token_file, t.path);
	cr_expect_eq(config_read_token(&cfg, token, &len, &err), 0, "root's own: %s", err.message);
	cr_assert_eq(chown(t.path, 1234, 1234), 0);
	cr_expect_eq(config_read_token(&cfg, token, &len, &err), -1, "owned by uid 1234");
	cr_expect(strstr(err.message, "owned by uid 1234") != NULL, "%s", err.message);
	unlink(t.path);
}

/* ---- the child's part --------------------------------------------------- */

Test(config, to_ipc_copies_the_childs_part)
{
	struct loaded l = load_text(every_key);
	cr_assert_eq(l.count, 0, "%s", l.errors);
	struct ipc_config ic;
	memset(&ic, 0xa5, sizeof(ic));
	config_to_ipc(&l.cfg, &ic);
	cr_expect_eq(ic.max_connections, 65536);
	cr_expect_eq(ic.header_max_bytes, 256);
	cr_expect_eq(ic.uri_max_bytes, 16);
	cr_expect_eq(ic.header_timeout_ms, 1);
	cr_expect_eq(ic.idle_timeout_ms, 3600000);
	cr_expect_eq(ic.send_timeout_ms, 600000);
	cr_expect_eq(ic.heartbeat_interval_ms, 250);
	cr_expect_eq(ic.memory_reserve_kib, 4194304);
	cr_expect_eq(ic.log_ring_lines, 65536);
	cr_expect_eq(ic.log_min_level, IPC_LOG_CRIT);
	cr_expect_eq(ic.log_format, IPC_LOG_FORMAT_JSON);
	cr_expect_eq(ic.log_stderr_level, IPC_LOG_ERROR);
	cr_expect_eq(ic.namespaces, IPC_NAMESPACES_REQUIRED);
	cr_expect_eq(ic.deny_action, geteuid() == 0 ? IPC_DENY_NOTIFY : IPC_DENY_KILL);
	cr_expect_eq(ic.token_length, 0);
	for (size_t i = 0; i < IPC_TOKEN_MAX; i++)
		cr_expect_eq(ic.token[i], 0);
	cr_expect_str_eq(ic.user, geteuid() == 0 ? "daemon" : "");
	cr_expect_str_eq(ic.group, geteuid() == 0 ? "daemon" : "");
	cr_expect_eq(ic.max_connections_per_peer, 65536);
	cr_expect_eq(ic.test_mode, 0);
	/* The built-in names, the listen host as written, then server.hosts,
	 * each once. */
	cr_expect_str_eq(ic.hosts, "localhost 127.0.0.1 [::1] warden.example 10.1.2.3 [fd00::1]");
	free(l.errors);
}

Test(config, hosts_are_names_without_ports)
{
	expect_error("[server]\nhosts = example.com:8080\n", 2,
	             "[server] hosts: 'example.com:8080' is not a host name or IP literal");
	expect_error("[server]\nhosts = ok.example [::1\n", 2,
	             "[server] hosts: '[::1' is not a host name or IP literal");
	expect_error("[server]\nhosts = a/b\n", 2, "[server] hosts: 'a/b' is not a host name");
	struct loaded l = load_text("[server]\nlisten = 0.0.0.0:9000\nallow_remote_without_token = "
	                            "true\nhosts = Warden.Example\n");
	cr_assert_eq(l.count, 0, "%s", l.errors);
	struct ipc_config ic;
	config_to_ipc(&l.cfg, &ic);
	cr_expect_str_eq(ic.hosts, "localhost 127.0.0.1 [::1] 0.0.0.0 Warden.Example");
	free(l.errors);
}

/* The longest listen host, the longest server.hosts and the longest real
 * address of a socket fit together: nothing is dropped. */
Test(config, hosts_keep_room_for_the_sockets_address)
{
	static const char v6[] = "[ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255]";
	char text[512], names[CONFIG_HOSTS_MAX], want[IPC_HOSTS_MAX];
	memset(names, 'a', sizeof(names) - 1);
	names[sizeof(names) - 1] = '\0';
	snprintf(text, sizeof(text),
	         "[server]\nlisten = [ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.254]:1\n"
	         "allow_remote_without_token = true\nhosts = %s\n",
	         names);
	struct loaded l = load_text(text);
	cr_assert_eq(l.count, 0, "%s", l.errors);
	struct ipc_config ic;
	config_to_ipc(&l.cfg, &ic);
	config_hosts_add(&ic, v6);
	config_hosts_add(&ic, "127.0.0.1"); /* there already */
	snprintf(want, sizeof(want),
	         "localhost 127.0.0.1 [::1] [ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.254] %s %s",
	         names, v6);
	cr_expect_str_eq(ic.hosts, want);
	free(l.errors);
}

Test(config, per_peer_share_fits_max_connections)
{
	expect_error("[server]\nmax_connections = 8\nmax_connections_per_peer = 9\n", 3,
	             "[server] max_connections_per_peer: max_connections_per_peer (9) exceeds "
	             "max_connections (8)");
	/* The default share (32) shrinks to a smaller max_connections. */
	struct loaded l = load_text("[server]\nmax_connections = 8\n");
	cr_assert_eq(l.count, 0, "%s", l.errors);
	struct ipc_config ic;
	config_to_ipc(&l.cfg, &ic);
	cr_expect_eq(ic.max_connections_per_peer, 8);
	free(l.errors);
	l = load_text("");
	config_to_ipc(&l.cfg, &ic);
	cr_expect_eq(ic.max_connections_per_peer, 32);
	free(l.errors);
}

/* ---- `warden run` ------------------------------------------------------- */

Test(cli, help_exits_0)
{
	struct cli_result r = cli_run("run --help");
	cr_expect_eq(r.status, 0, "stderr: %s", r.err);
	cr_expect(strstr(r.out, "usage: warden run") != NULL, "%s", r.out);
	cr_expect(strstr(r.out, "--check-config [FILE]") != NULL, "%s", r.out);
	free(r.out);
}

Test(cli, check_config_good_and_bad)
{
	struct cli_result r = cli_run("run --check-config " WARDEN_INI);
	cr_expect_eq(r.status, 0, "stderr: %s", r.err);
	cr_expect(strstr(r.out, "configuration ok") != NULL, "%s", r.out);
	free(r.out);

	struct temp t = temp_file("[server]\nmax_connections = 0\n[log]\nlevel = loud\n", 0600);
	char args[128], expected[128];
	snprintf(args, sizeof(args), "run --check-config %s", t.path);
	r = cli_run(args);
	cr_expect_eq(r.status, 2);
	snprintf(expected, sizeof(expected), "%s:2: [server] max_connections: 0 is out of range",
	         t.path);
	cr_expect(strstr(r.err, expected) != NULL, "stderr: %s", r.err);
	snprintf(expected, sizeof(expected), "%s:4: [log] level: 'loud'", t.path);
	cr_expect(strstr(r.err, expected) != NULL, "stderr: %s", r.err);
	cr_expect(strstr(r.err, "2 errors") != NULL, "stderr: %s", r.err);
	free(r.out);
	unlink(t.path);

	r = cli_run("run --frob");
	cr_expect_eq(r.status, 2);
	cr_expect(strstr(r.err, "unknown option '--frob'") != NULL, "stderr: %s", r.err);
	free(r.out);
}

Test(cli, version_help_and_exit_statuses)
{
	const struct {
		const char *args;
		int status;
		const char *out;
	} cases[] = {
	        {"--version", 0, "warden " WARDEN_VERSION "\n"},
	        {"-h", 0, "usage: warden run [OPTIONS]"},
	        {"help", 0, "usage: warden run [OPTIONS]"},
	        {"help run", 0, "usage: warden run [--config FILE]"},
	        {"help policy", 0, "usage: warden policy check"},
	        {"help trace", 0, "usage: warden trace show"},
	        {"help bogus", 2, ""},
	        {"", 2, ""},
	        /* Output that cannot be written is a runtime failure. */
	        {"--help >/dev/full", 1, ""},
	        {"run --print-config >/dev/full", 1, ""},
	        {"policy check " WARDEN_SOURCE_DIR "/policy/child.policy >/dev/full", 1, ""},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		cli_expect(cases[i].args, cases[i].status, cases[i].out);
}

/* --check-config without a FILE checks --config's: an operator adds it to
 * the daemon's very command line. */
Test(cli, check_config_joins_the_daemons_command_line)
{
	struct temp t = temp_file("[log]\nlevel = debug\n", 0600);
	char args[256];
	snprintf(args, sizeof(args), "run --config %s --log /tmp/w.log --check-config", t.path);
	cli_expect(args, 0, "configuration ok");
	snprintf(args, sizeof(args), "run --config %s --check-config --set log.level=loud", t.path);
	struct cli_result r = cli_run(args);
	cr_expect_eq(r.status, 2);
	cr_expect(strstr(r.err, "'loud' is not one of") != NULL, "%s", r.err);
	free(r.out);
	snprintf(args, sizeof(args), "run --config %s --check-config %s", t.path, t.path);
	r = cli_run(args);
	cr_expect_eq(r.status, 2, "two files are one too many, even the same twice");
	free(r.out);
	unlink(t.path);
}

/* --check-config tries what run would open, and reports every problem:
 * the log's directory, the trace's, the child program (never the test
 * build), the listen address (in use is only a note: a running warden
 * keeps it across a reload). */
Test(cli, check_config_checks_what_run_opens)
{
	struct cli_result r = cli_run("run --check-config /dev/null --log /nonexistent/w.log"
	                              " --set trace.file=/nonexistent/t.pcap"
	                              " --set sandbox.child_program=" WARDEN_CHILD_TEST_BINARY);
	cr_expect_eq(r.status, 2, "stderr: %s", r.err);
	cr_expect(strstr(r.err, "/nonexistent/w.log: directory /nonexistent does not exist") !=
	                  NULL,
	          "%s", r.err);
	cr_expect(strstr(r.err, "cannot create files in /nonexistent") != NULL, "%s", r.err);
	cr_expect(strstr(r.err, "is the test build") != NULL, "%s", r.err);
	cr_expect(strstr(r.err, "3 errors") != NULL, "%s", r.err);
	free(r.out);

	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in in = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(in);
	cr_assert(bind(fd, (struct sockaddr *)&in, len) == 0 && listen(fd, 1) == 0);
	cr_assert(getsockname(fd, (struct sockaddr *)&in, &len) == 0);
	char args[160];
	snprintf(args, sizeof(args),
	         "run --check-config /dev/null --log /tmp/w.log --listen 127.0.0.1:%u",
	         ntohs(in.sin_port));
	r = cli_run(args);
	cr_expect_eq(r.status, 0, "stderr: %s", r.err);
	cr_expect(strstr(r.out, "note: cannot listen on") != NULL, "%s", r.out);
	cr_expect(strstr(r.out, "configuration ok") != NULL, "%s", r.out);
	free(r.out);
	close(fd);
}

/* `warden run` itself (not only --check-config) refuses the test build
 * as its child, naming the file and why, before it starts anything. */
Test(cli, run_refuses_the_test_build_as_child)
{
	char dir[] = "/tmp/warden-testmode-XXXXXX", args[512], log[64];
	cr_assert_not_null(mkdtemp(dir));
	snprintf(log, sizeof(log), "%s/w.log", dir);
	snprintf(args, sizeof(args),
	         "run --listen 127.0.0.1:0 --log %s --set sandbox.child_program=%s", log,
	         WARDEN_CHILD_TEST_BINARY);
	unsetenv("WARDEN_ALLOW_TEST_CHILD");
	struct cli_result r = cli_run(args);
	cr_expect_eq(r.status, 1, "stderr: %s", r.err);
	cr_expect(strstr(r.err, "the child program " WARDEN_CHILD_TEST_BINARY
	                        " is the test build (warden-child-test), which misbehaves on "
	                        "request and is never deployed") != NULL,
	          "%s", r.err);
	cr_expect(strstr(r.err, "the GUI is at") == NULL, "it started: %s", r.err);
	free(r.out);
	unlink(log);
	rmdir(dir);
}

Test(cli, print_config_is_the_effective_configuration)
{
	struct temp t = temp_file("[log]\nlevel = debug\n", 0600);
	char args[160];
	snprintf(args, sizeof(args),
	         "run --print-config --config %s --listen=[::1]:9 --set trace.max_bytes=1048576",
	         t.path);
	struct cli_result r = cli_run(args);
	unlink(t.path);
	cr_expect_eq(r.status, 0, "stderr: %s", r.err);
	cr_expect(strstr(r.out, "\n[log]\nfile = warden.log\nlevel = debug\n") != NULL, "%s",
	          r.out);
	cr_expect(strstr(r.out, "listen = [::1]:9\n") != NULL, "%s", r.out);
	cr_expect(strstr(r.out, "max_bytes = 1M\n") != NULL, "%s", r.out);
	struct loaded l = load_text(r.out);
	cr_expect_eq(l.count, 0, "%s", l.errors);
	cr_expect_eq(l.cfg.log_level, IPC_LOG_DEBUG);
	cr_expect_str_eq(l.cfg.listen, "[::1]:9");
	free(l.errors);
	free(r.out);
}

/* Complain mode lets through what the policy denies: never off loopback
 * unless the operator says so, never unprivileged (no listener to take). */
Test(config, complain_mode_needs_loopback_or_consent)
{
	if (geteuid() != 0) {
		fprintf(stderr, "skipped: complain mode's checks here assume root\n");
		return;
	}
	struct loaded l = load_text("[server]\nlisten = 0.0.0.0:8080\nallow_remote_without_token = "
	                            "true\n[sandbox]\nmode = complain\n");
	cr_expect_eq(l.count, 1, "%s", l.errors);
	cr_expect(strstr(l.errors,
	                 "[sandbox] mode: complain mode lets the child make calls its "
	                 "policy denies, and 0.0.0.0:8080 is not a loopback address") != NULL,
	          "%s", l.errors);
	free(l.errors);
	l = load_text("[server]\nlisten = 0.0.0.0:8080\nallow_remote_without_token = true\n"
	              "[sandbox]\nmode = complain\ncomplain_on_remote = true\n");
	cr_expect_eq(l.count, 0, "%s", l.errors);
	free(l.errors);
	l = load_text("[sandbox]\nmode = complain\n");
	cr_expect_eq(l.count, 0, "%s", l.errors);
	free(l.errors);
	struct warden_config cfg;
	config_defaults(&cfg);
	cr_expect_eq(config_deny_action(&cfg, true), IPC_DENY_TRAP);
	cfg.report_violations = false;
	cr_expect_eq(config_deny_action(&cfg, true), IPC_DENY_NOTIFY);
	cr_expect_eq(config_deny_action(&cfg, false), IPC_DENY_KILL);
	cfg.sandbox_mode = CONFIG_MODE_COMPLAIN;
	cr_expect_eq(config_deny_action(&cfg, true), IPC_DENY_COMPLAIN);
}
