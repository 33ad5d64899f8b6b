/*
 * cdp_pipe.h - a minimal Chrome DevTools Protocol client for the browser
 * test: headless Chromium started with --remote-debugging-pipe, which
 * speaks CDP as NUL-terminated JSON messages on fds 3 (to the browser) and
 * 4 (from it), so no websocket client is needed.
 *
 * Replies are looked at with plain string searches: the test only needs a
 * few known fields, and a JSON library would be one more dependency.
 */
#ifndef WARDEN_TESTS_CDP_PIPE_H
#define WARDEN_TESTS_CDP_PIPE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct cdp {
	pid_t pid;
	int to_browser, from_browser;
	char *in; /* received bytes not yet taken */
	size_t in_length, in_capacity;
	unsigned next_id;
	char session[128];  /* the page's session, once attached */
	char profile[64];   /* the temporary --user-data-dir */
	char problem[1024]; /* the first console error or CSP report seen */
	/* An event containing this text is no problem (e.g. the console line
	 * for an expected 401); NULL: none. */
	const char *expected;
};

/* Starts `binary` headless, with its stderr going to `log_path`. Returns
 * false with `why` set when it cannot. */
bool cdp_launch(struct cdp *b, const char *binary, const char *log_path, char *why, size_t cap);

/* Sends a command (params: a JSON object, or NULL) to the page's session
 * when attached, else to the browser; waits up to `timeout_ms` for its
 * reply. Returns the reply (malloc'd; the caller frees) or NULL on timeout
 * or a closed pipe. Events received meanwhile are scanned for console
 * errors and CSP violations (see `problem`). */
char *cdp_call(struct cdp *b, const char *method, const char *params, int timeout_ms);

/* Opens a new page and attaches to it. */
bool cdp_open_page(struct cdp *b);

/* Evaluates a JavaScript expression in the page; its value as a string
 * (malloc'd), or NULL when it threw or timed out. */
char *cdp_eval(struct cdp *b, const char *expression);

/* The string value of the first "key":"..." in `json`, unescaped
 * (malloc'd), or NULL. */
char *cdp_string_field(const char *json, const char *key);

/* Takes a PNG screenshot of the whole page and writes it to `path`. */
bool cdp_screenshot(struct cdp *b, const char *path);

/* Closes the browser and removes its profile. */
void cdp_close(struct cdp *b);

#endif
