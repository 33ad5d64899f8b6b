/*
 * options.h - the command line of `warden run`.
 *
 *   warden run [--config FILE] [--listen ADDR:PORT] [--log FILE] [--trace FILE]
 *              [--set SECTION.KEY=VALUE ...]
 *   warden run --check-config FILE
 *   warden run --print-config [--config FILE] [flags]
 *   warden run --help
 *
 * Order of precedence: built-in defaults, then the file, then flags.
 */
#ifndef WARDEN_PARENT_OPTIONS_H
#define WARDEN_PARENT_OPTIONS_H

#include "config.h"

#include <stdio.h>

enum run_action {
	RUN_SERVE = 0,
	RUN_HELP,
	RUN_CHECK_CONFIG,
	RUN_PRINT_CONFIG,
};

/* Parses the arguments after "run" (argv[0] is "run"), loading defaults,
 * the file and the flags into `cfg`, and validates the result. Every error
 * goes to `errors`, one line each. Returns the number of errors (0 = ok). */
int options_parse(int argc, char **argv, struct warden_config *cfg, enum run_action *action,
                  FILE *errors);

void options_usage(FILE *out);

#endif
