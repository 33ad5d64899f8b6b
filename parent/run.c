/*
 * run.c - `warden run`: read the configuration, open what the child will
 * be handed (log file, listening socket), then supervise.
 *
 * Everything that can be wrong with the configuration or the machine is
 * found here, before any child starts, and reported with what to fix.
 */
#include "run.h"
#include "listener.h"
#include "logfile.h"
#include "options.h"
#include "settings.h"
#include "supervisor.h"
#include "ipc/trace_writer.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

enum {
	EXIT_USAGE = 2,
	EXIT_SETUP = 1,
};

static int report_options(int errors, enum run_action action)
{
	if (action == RUN_CHECK_CONFIG)
		fprintf(stderr, "warden: %d error%s in the configuration\n", errors,
		        errors == 1 ? "" : "s");
	return EXIT_USAGE;
}

/* Each line of `text` on stderr as "warden: LINE". */
static void print_errors(const char *text)
{
	for (const char *p = text; *p != '\0';) {
		size_t n = strcspn(p, "\n");
		fprintf(stderr, "warden: %.*s\n", (int)n, p);
		p += n + (p[n] == '\n');
	}
}

/* settings_prepare, its errors on stderr. Returns how many there were. */
static int prepare(struct settings *s, const struct listener *listener)
{
	char *text = NULL;
	size_t size = 0;
	FILE *errors = open_memstream(&text, &size);
	if (errors == NULL) {
		fprintf(stderr, "warden: out of memory\n");
		return 1;
	}
	int count = settings_prepare(s, listener, errors);
	fclose(errors);
	print_errors(text);
	free(text);
	return count;
}

static struct trace *open_trace(const struct warden_config *cfg, int *failed)
{
	char err[512];
	*failed = 0;
	if (cfg->trace_file[0] == '\0')
		return NULL;
	struct trace *tr = trace_open(cfg->trace_file, cfg->trace_max_bytes, cfg->trace_max_files,
	                              err, sizeof(err));
	if (tr == NULL) {
		fprintf(stderr, "warden: cannot record the IPC trace: %s\n", err);
		*failed = 1;
	}
	return tr;
}

/* The command line `warden run` was started with, read again on SIGHUP. */
struct command_line {
	int argc;
	char **argv;
};

static int load_again(void *ctx, struct warden_config *cfg, FILE *errors)
{
	const struct command_line *cl = ctx;
	enum run_action action;
	return options_parse(cl->argc, cl->argv, cfg, &action, errors);
}

static int serve(struct settings *s, struct command_line *cl)
{
	char err[PATH_MAX + 256];
	const struct warden_config *cfg = &s->config;
	struct logfile log;
	struct listener listener;
	int status = EXIT_SETUP, trace_failed = 0;
	/* A write to a closed client or child, or past the file size limit
	 * (systemd's LimitFSIZE=, ulimit -f) with the log or the trace, must be
	 * an error the writer counts, not death; the child gets default
	 * dispositions back before exec. */
	signal(SIGPIPE, SIG_IGN);
	signal(SIGXFSZ, SIG_IGN);
	const struct logfile_style style = logfile_style_of(cfg);
	if (logfile_open(&log, cfg->log_file, &style, err, sizeof(err)) < 0) {
		fprintf(stderr, "warden: %s\n", err);
		return EXIT_SETUP;
	}
	if (listener_open(&listener, cfg->listen, err, sizeof(err)) < 0) {
		fprintf(stderr, "warden: %s\n", err);
		goto close_log;
	}
	if (prepare(s, &listener) > 0)
		goto close_listener;
	/* The first thing an operator wants from a foreground start; under
	 * systemd it is the journal's first line. */
	fprintf(stderr, "warden: the GUI is at http://%s/ (log %s)\n", listener.address,
	        cfg->log_file);
	struct trace *trace = open_trace(cfg, &trace_failed);
	if (trace_failed)
		goto close_listener;
	const struct supervisor_setup setup = {
	        .settings = s,
	        .listener = &listener,
	        .log = &log,
	        .trace = trace,
	        .load = load_again,
	        .load_ctx = cl,
	};
	status = supervisor_run(&setup);
	trace_close(trace);
close_listener:
	listener_close(&listener);
close_log:
	logfile_close(&log);
	return status;
}

/* What serve() would open, tried without side effects: the child program,
 * the token, the log file's place, the listen address, the trace's place.
 * Every problem is reported, not only the first. */
static int check_config(struct settings *s)
{
	char err[PATH_MAX + 256];
	const struct warden_config *cfg = &s->config;
	int errors = prepare(s, NULL);
	if (logfile_check(cfg->log_file, err, sizeof(err)) < 0) {
		fprintf(stderr, "warden: %s\n", err);
		errors++;
	}
	int listen = listener_check(cfg->listen, err, sizeof(err));
	if (listen != 0)
		fprintf(listen > 0 ? stdout : stderr, "warden: %s%s\n", listen > 0 ? "note: " : "",
		        err);
	errors += listen < 0;
	if (cfg->trace_file[0] != '\0' && trace_check(cfg->trace_file, err, sizeof(err)) < 0) {
		fprintf(stderr, "warden: cannot record the IPC trace: %s\n", err);
		errors++;
	}
	if (errors > 0)
		return report_options(errors, RUN_CHECK_CONFIG);
	printf("configuration ok\n");
	return 0;
}

/* The settings are large (paths of PATH_MAX bytes): not on the stack. */
static int act(enum run_action action, struct settings *s, struct command_line *cl)
{
	switch (action) {
	case RUN_HELP:
		options_usage(stdout);
		return 0;
	case RUN_CHECK_CONFIG:
		return check_config(s);
	case RUN_PRINT_CONFIG:
		config_print(&s->config, stdout);
		return 0;
	case RUN_SERVE:
		break;
	}
	return serve(s, cl);
}

int run_command(int argc, char **argv)
{
	enum run_action action = RUN_SERVE;
	struct command_line cl = {argc, argv};
	struct settings *s = calloc(1, sizeof(*s));
	if (s == NULL) {
		fprintf(stderr, "warden: out of memory\n");
		return EXIT_SETUP;
	}
	int errors = options_parse(argc, argv, &s->config, &action, stderr);
	int status = errors > 0 ? report_options(errors, action) : act(action, s, &cl);
	/* The token is a secret: gone before the memory is. */
	explicit_bzero(s, sizeof(*s));
	free(s);
	return status;
}
