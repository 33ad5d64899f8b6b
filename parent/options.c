/*
 * options.c - the command line of `warden run` (minimal first cut).
 */
#include "options.h"

#include <string.h>

int options_parse(int argc, char **argv, struct warden_config *cfg, enum run_action *action,
                  FILE *errors)
{
	config_defaults(cfg);
	*action = RUN_SERVE;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0) {
			*action = RUN_HELP;
		} else if (strcmp(argv[i], "--print-config") == 0) {
			*action = RUN_PRINT_CONFIG;
		} else {
			fprintf(errors, "warden run: unknown option '%s'\n", argv[i]);
			return 1;
		}
	}
	return 0;
}

void options_usage(FILE *out)
{
	fputs("usage: warden run [--print-config] [--help]\n", out);
}
