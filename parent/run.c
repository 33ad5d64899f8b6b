/*
 * run.c - `warden run`: the daemon's entry point.
 */
#include "run.h"
#include "options.h"

#include <stdio.h>

int run_command(int argc, char **argv)
{
	struct warden_config cfg;
	enum run_action action = RUN_SERVE;
	int errors = options_parse(argc, argv, &cfg, &action, stderr);
	if (errors > 0) {
		if (action == RUN_CHECK_CONFIG)
			fprintf(stderr, "warden: %d error%s in the configuration\n", errors,
			        errors == 1 ? "" : "s");
		return 2;
	}
	switch (action) {
	case RUN_HELP:
		options_usage(stdout);
		return 0;
	case RUN_CHECK_CONFIG:
		printf("configuration ok\n");
		return 0;
	case RUN_PRINT_CONFIG:
		config_print(&cfg, stdout);
		return 0;
	case RUN_SERVE:
		break;
	}
	fprintf(stderr, "warden: serving is not built yet\n");
	return 1;
}
