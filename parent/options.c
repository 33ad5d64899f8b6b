/*
 * options.c - the command line of `warden run`.
 *
 * Two passes: the first reads every argument (so usage errors are all
 * reported and --help wins wherever it is), the second applies them in the
 * documented order whatever their order on the command line: defaults, the
 * file, then the key-setting flags left to right.
 */
#include "options.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

enum flag_id {
	F_CONFIG,
	F_CHECK_CONFIG,
	F_PRINT_CONFIG,
	F_HELP,
	F_SET,
	F_LISTEN,
	F_LOG,
	F_TRACE,
};

struct flag {
	const char *name;
	enum flag_id id;
	bool takes_value;
	const char *key; /* the "section.key" that a shorthand flag sets */
};

static const struct flag flags[] = {
        {"--config", F_CONFIG, true, NULL},
        {"--check-config", F_CHECK_CONFIG, true, NULL},
        {"--print-config", F_PRINT_CONFIG, false, NULL},
        {"--help", F_HELP, false, NULL},
        {"-h", F_HELP, false, NULL},
        {"--set", F_SET, true, NULL},
        {"--listen", F_LISTEN, true, "server.listen"},
        {"--log", F_LOG, true, "log.file"},
        {"--trace", F_TRACE, true, "trace.file"},
};

/* One flag as given, value included. */
struct given {
	const struct flag *flag;
	const char *value;
};

struct args {
	struct given *sets; /* --set and shorthands, in command-line order */
	int set_count;
	const char *file; /* --config or --check-config */
	enum run_action action;
	bool help;
	int errors;
	FILE *out;
};

static const struct flag *flag_find(const char *name, size_t len)
{
	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
		if (strlen(flags[i].name) == len && strncmp(flags[i].name, name, len) == 0)
			return &flags[i];
	return NULL;
}

static void usage_error(struct args *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void usage_error(struct args *a, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(a->out, "warden run: ");
	vfprintf(a->out, fmt, ap);
	fprintf(a->out, " (see warden run --help)\n");
	va_end(ap);
	a->errors++;
}

static void set_action(struct args *a, enum run_action action, const char *name)
{
	if (a->action != RUN_SERVE && a->action != action)
		usage_error(a, "%s: only one of --check-config and --print-config", name);
	a->action = action;
}

static void set_file(struct args *a, const struct given *g)
{
	if (a->file != NULL)
		usage_error(a, "%s: one configuration file only (--config or --check-config, once)",
		            g->flag->name);
	a->file = g->value;
}

static void record(struct args *a, const struct given *g)
{
	switch (g->flag->id) {
	case F_CONFIG:
		set_file(a, g);
		break;
	case F_CHECK_CONFIG:
		if (g->value != NULL)
			set_file(a, g);
		set_action(a, RUN_CHECK_CONFIG, g->flag->name);
		break;
	case F_PRINT_CONFIG:
		set_action(a, RUN_PRINT_CONFIG, g->flag->name);
		break;
	case F_HELP:
		a->help = true;
		break;
	case F_SET:
	case F_LISTEN:
	case F_LOG:
	case F_TRACE:
		a->sets[a->set_count++] = *g;
		break;
	}
}

/* Whether argv[i + 1] is the value of flag `f` at argv[i]. --check-config's
 * FILE may be left out, so that an operator can add --check-config to the
 * daemon's very command line (--config FILE and all). */
static bool value_follows(const struct flag *f, int argc, char **argv, int i)
{
	if (i + 1 >= argc)
		return false;
	return f->id != F_CHECK_CONFIG || argv[i + 1][0] != '-';
}

/* Reads argv[*i] (and its value, "--flag value" or "--flag=value"). */
static void read_arg(struct args *a, int argc, char **argv, int *i)
{
	const char *arg = argv[*i];
	if (arg[0] != '-') {
		usage_error(a, "unexpected argument '%s'", arg);
		return;
	}
	const char *eq = strchr(arg, '=');
	size_t len = eq != NULL ? (size_t)(eq - arg) : strlen(arg);
	struct given g = {flag_find(arg, len), eq != NULL ? eq + 1 : NULL};
	if (g.flag == NULL) {
		usage_error(a, "unknown option '%s'", arg);
	} else if (!g.flag->takes_value && eq != NULL) {
		usage_error(a, "%s takes no value", g.flag->name);
	} else if (g.flag->takes_value && eq == NULL && !value_follows(g.flag, argc, argv, *i) &&
	           g.flag->id != F_CHECK_CONFIG) {
		usage_error(a, "%s needs a value", g.flag->name);
	} else {
		if (g.flag->takes_value && eq == NULL && value_follows(g.flag, argc, argv, *i))
			g.value = argv[++*i];
		record(a, &g);
	}
}

/* Applies one key-setting flag: "--listen: why" or "--set server.x=1: why". */
static int apply(struct warden_config *cfg, const struct given *g, FILE *errors)
{
	struct config_error err;
	if (g->flag->key != NULL) {
		if (config_set(cfg, g->flag->key, g->value, &err) == 0)
			return 0;
		fprintf(errors, "%s: %s\n", g->flag->name, err.message);
		return 1;
	}
	const char *eq = strchr(g->value, '=');
	char key[128];
	if (eq == NULL || (size_t)(eq - g->value) >= sizeof(key)) {
		fprintf(errors, "--set %s: expected SECTION.KEY=VALUE\n", g->value);
		return 1;
	}
	snprintf(key, sizeof(key), "%.*s", (int)(eq - g->value), g->value);
	if (config_set(cfg, key, eq + 1, &err) == 0)
		return 0;
	fprintf(errors, "--set %s: %s\n", g->value, err.message);
	return 1;
}

int options_parse(int argc, char **argv, struct warden_config *cfg, enum run_action *action,
                  FILE *errors)
{
	struct args a = {.action = RUN_SERVE, .out = errors};
	config_defaults(cfg);
	a.sets = calloc((size_t)(argc > 0 ? argc : 1), sizeof(*a.sets));
	if (a.sets == NULL) {
		fprintf(errors, "warden run: out of memory\n");
		return 1;
	}
	for (int i = 1; i < argc; i++)
		read_arg(&a, argc, argv, &i);
	*action = a.help ? RUN_HELP : a.action;
	if (a.help || a.errors > 0) {
		free(a.sets);
		return a.help ? 0 : a.errors;
	}
	if (a.file != NULL)
		a.errors += config_load_file(cfg, a.file, errors);
	for (int i = 0; i < a.set_count; i++)
		a.errors += apply(cfg, &a.sets[i], errors);
	free(a.sets);
	/* Cross-key checks too, even after other errors: one run shows them
	 * all. (A value that failed to parse kept its default.) */
	return a.errors + config_validate(cfg, errors);
}

void options_usage(FILE *out)
{
	fputs("usage: warden run [--config FILE] [--listen ADDR:PORT] [--log FILE] [--trace FILE]\n"
	      "                  [--set SECTION.KEY=VALUE ...]\n"
	      "       warden run --check-config [FILE] [flags]\n"
	      "       warden run --print-config [--config FILE] [flags]\n"
	      "       warden run --help\n"
	      "\n"
	      "Runs the warden daemon: the parent binds the GUI socket, opens the log file and\n"
	      "supervises a sandboxed child that serves the GUI.\n"
	      "\n"
	      "Configuration comes from built-in defaults, then the INI file given with\n"
	      "--config (none by default: the defaults run as they are), then the flags below,\n"
	      "which win over the file whatever their position. Every key is described in\n"
	      "docs/configuration.md; docs/warden.ini lists them all with their defaults.\n"
	      "\n"
	      "options:\n"
	      "  --config FILE          read the INI file FILE\n"
	      "  --listen ADDR:PORT     GUI address, IPV4:PORT or [IPV6]:PORT (server.listen;\n"
	      "                         default 127.0.0.1:8080; port 0 lets the kernel pick)\n"
	      "  --log FILE             the log file (log.file; default warden.log)\n"
	      "  --trace FILE           record every IPC message into the pcap file FILE\n"
	      "                         (trace.file; default: no trace)\n"
	      "  --set SECTION.KEY=VALUE\n"
	      "                         set any key, e.g. --set supervise.burst_limit=5;\n"
	      "                         repeatable, applied left to right\n"
	      "  --check-config [FILE]  load FILE (or --config's) and the flags, report every\n"
	      "                         error with FILE:LINE and the key, try what serving\n"
	      "                         opens (child, token, log, address, trace), and exit:\n"
	      "                         0 valid, 2 invalid. Add it to the daemon's own command\n"
	      "                         line to check exactly what will run\n"
	      "  --print-config         print the effective configuration as an INI file that\n"
	      "                         loads back to the same values, and exit\n"
	      "  -h, --help             print this help and exit\n"
	      "\n"
	      "Flags take their value as '--flag VALUE' or '--flag=VALUE'. Unknown flags,\n"
	      "unknown keys and out-of-range values are errors, never ignored.\n"
	      "\n"
	      "exit status: 0 ok, 1 a failure to start or a restart burst, 2 a usage or\n"
	      "configuration error\n",
	      out);
}
