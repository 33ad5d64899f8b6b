/*
 * reload.c - see reload.h.
 */
#include "reload.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FIELD(name) offsetof(struct warden_config, name), sizeof(((struct warden_config *)0)->name)

/* A key the running parent cannot change: its place in the configuration,
 * and whether it is text (compared up to its NUL). */
struct restart_key {
	const char *name;
	size_t offset, size;
	bool text;
};

static const struct restart_key restart_keys[] = {
        {"[server] listen", FIELD(listen), true},
        {"[trace] file", FIELD(trace_file), true},
        {"[trace] max_bytes", FIELD(trace_max_bytes), false},
        {"[trace] max_files", FIELD(trace_max_files), false},
};

static bool same_value(const struct restart_key *k, const void *a, const void *b)
{
	return k->text ? strcmp(a, b) == 0 : memcmp(a, b, k->size) == 0;
}

/* Keeps the values in force of the keys that need a restart, naming each
 * that the file or the flags changed. */
static void keep_restart_keys(struct generations *set, const struct warden_config *in_force,
                              struct warden_config *next)
{
	for (size_t i = 0; i < sizeof(restart_keys) / sizeof(restart_keys[0]); i++) {
		const struct restart_key *k = &restart_keys[i];
		const char *old = (const char *)in_force + k->offset;
		char *new = (char *)next + k->offset;
		if (same_value(k, old, new))
			continue;
		generations_log(set, IPC_LOG_WARNING,
		                "SIGHUP: %s changed; it takes effect at restart (the running "
		                "parent keeps its value)",
		                k->name);
		memcpy(new, old, k->size);
	}
}

/* Each line of `text` at ERROR. */
static void log_errors(struct generations *set, const char *text)
{
	for (const char *p = text; *p != '\0';) {
		size_t n = strcspn(p, "\n");
		generations_log(set, IPC_LOG_ERROR, "SIGHUP: %.*s", (int)n, p);
		p += n + (p[n] == '\n');
	}
}

int reload_load(const struct supervisor_setup *setup, struct generations *set,
                struct settings *next)
{
	char *text = NULL;
	size_t size = 0;
	FILE *errors = open_memstream(&text, &size);
	if (errors == NULL) {
		generations_log(set, IPC_LOG_ERROR,
		                "SIGHUP: out of memory to read the configuration");
		return -1;
	}
	int count = setup->load(setup->load_ctx, &next->config, errors);
	if (count == 0) {
		keep_restart_keys(set, &setup->settings->config, &next->config);
		count = settings_prepare(next, setup->listener, errors);
	}
	fclose(errors);
	if (count > 0) {
		log_errors(set, text);
		generations_log(set, IPC_LOG_ERROR,
		                "SIGHUP: the configuration has %d error%s: refused, the one in "
		                "force stays",
		                count, count == 1 ? "" : "s");
	}
	free(text);
	return count > 0 ? -1 : 0;
}
