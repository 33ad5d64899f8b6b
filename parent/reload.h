/*
 * reload.h - SIGHUP's configuration: read again from the same file with the
 * same command-line flags (which still win), the token file too, and
 * checked as at start (config_validate, settings_prepare: the child
 * program, the token, the socket's real address).
 *
 * A configuration that fails any check is refused whole: every error is
 * logged at ERROR and the configuration in force stays. A key that cannot
 * change while the parent runs is named at WARNING ("[server] listen
 * changed; it takes effect at restart") and keeps the value in force; the
 * rest of the new configuration applies:
 *
 *   [server] listen             the parent binds it once, at start
 *   [trace] file, max_bytes,    the trace writer is opened once, at start
 *   max_files
 *
 * Everything else applies to the next generation (the child's settings,
 * the token, user and group, namespaces, the child program) or to the
 * parent at once (the log file, its level and forms, the supervision's
 * timing, restart delays and burst limit).
 */
#ifndef WARDEN_PARENT_RELOAD_H
#define WARDEN_PARENT_RELOAD_H

#include "generation.h"
#include "settings.h"
#include "supervisor.h"

/* Loads the configuration for a reload into `next`, with the keys that
 * need a restart kept from setup->settings. Errors and kept keys are
 * logged through `set`. Returns 0 when `next` may be applied, or -1. */
int reload_load(const struct supervisor_setup *setup, struct generations *set,
                struct settings *next);

#endif
