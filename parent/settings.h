/*
 * settings.h - what a generation is started with: the configuration, the
 * part of it the child is sent (IPC_CONFIG, the bearer token included) and
 * the child program, checked against the parent as it runs. run.c prepares
 * the first at start; a reload (reload.h) prepares the next the same way.
 *
 * Beyond config_validate's checks of the configuration on its own:
 *
 *   - the child program is found, executable, and not the test build
 *     unless the parent runs in test mode (child_program.h);
 *   - the token file, when set, reads and passes config_read_token's rules;
 *   - the listening socket the parent holds, whatever its origin (--listen,
 *     the file, systemd's socket activation), is judged by its real address:
 *     beyond loopback it needs a token or allow_remote_without_token, as the
 *     listen address as written does;
 *   - the child's Host allow-list gets that real address too, so that the
 *     address systemd bound answers as the one warden would have.
 */
#ifndef WARDEN_PARENT_SETTINGS_H
#define WARDEN_PARENT_SETTINGS_H

#include "config.h"
#include "ipc/ipc.h"

#include <limits.h>
#include <stdio.h>

struct listener;

struct settings {
	struct warden_config config;
	struct ipc_config child_config; /* what each child is sent, token included */
	char child_program[PATH_MAX];
};

/* Fills s->child_config and s->child_program from s->config for the socket
 * `listener` (NULL for --check-config: no socket yet, so only the address
 * as written counts, which config_validate judged). Reports every problem
 * to `errors`, one line each, and returns how many there were (0: `s` may
 * start a child). */
int settings_prepare(struct settings *s, const struct listener *listener, FILE *errors);

#endif
