/*
 * cdp_pipe.c - see cdp_pipe.h.
 */
#include "cdp_pipe.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void __attribute__((noreturn))
exec_browser(const char *binary, const char *profile, int in, int out, int log)
{
	char user_data[128];
	snprintf(user_data, sizeof(user_data), "--user-data-dir=%s", profile);
	/* fds 3 and 4 are the protocol pipe; nothing else stays open. */
	if (dup2(in, 3) < 0 || dup2(out, 4) < 0 || dup2(log, 1) < 0 || dup2(log, 2) < 0)
		_exit(126);
	for (int fd = 5; fd < 1024; fd++)
		close(fd);
	/* Root needs --no-sandbox: Chromium's own sandbox refuses to run as root.
	 * Scrollbars are shown, as a desktop browser shows them: they take room
	 * from the page, which the layout must allow for. */
	execl(binary, binary, "--headless=new", "--no-sandbox", "--remote-debugging-pipe",
	      user_data, "--no-first-run", "--no-default-browser-check", "--disable-gpu",
	      "--disable-extensions", "--disable-background-networking", "--disable-sync",
	      "--mute-audio", "--force-color-profile=srgb", "about:blank", (char *)NULL);
	_exit(127);
}

bool cdp_launch(struct cdp *b, const char *binary, const char *log_path, char *why, size_t cap)
{
	int to[2], from[2];
	memset(b, 0, sizeof(*b));
	b->pid = -1;
	if (access(binary, X_OK) != 0) {
		snprintf(why, cap, "%s: %s", binary, strerror(errno));
		return false;
	}
	strcpy(b->profile, "/tmp/warden-chromium-XXXXXX");
	int log = open(log_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (mkdtemp(b->profile) == NULL || log < 0 || pipe(to) < 0 || pipe(from) < 0) {
		snprintf(why, cap, "set-up: %s", strerror(errno));
		return false;
	}
	b->pid = fork();
	if (b->pid == 0)
		exec_browser(binary, b->profile, to[0], from[1], log);
	close(to[0]);
	close(from[1]);
	close(log);
	b->to_browser = to[1];
	b->from_browser = from[0];
	fcntl(b->to_browser, F_SETFD, FD_CLOEXEC);
	fcntl(b->from_browser, F_SETFD, FD_CLOEXEC);
	if (b->pid < 0) {
		snprintf(why, cap, "fork: %s", strerror(errno));
		return false;
	}
	char *version = cdp_call(b, "Browser.getVersion", NULL, 20000);
	if (version == NULL) {
		snprintf(why, cap, "no answer on the DevTools pipe (see %s)", log_path);
		return false;
	}
	free(version);
	return true;
}

static bool send_message(struct cdp *b, const char *text, size_t n)
{
	while (n > 0) {
		ssize_t w = write(b->to_browser, text, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return false;
		text += w;
		n -= (size_t)w;
	}
	return true;
}

/* One NUL-terminated message, or NULL at the deadline or EOF. */
static char *next_message(struct cdp *b, long long deadline)
{
	for (;;) {
		char *nul = b->in_length ? memchr(b->in, '\0', b->in_length) : NULL;
		if (nul != NULL) {
			size_t n = (size_t)(nul - b->in) + 1;
			char *msg = malloc(n);
			memcpy(msg, b->in, n);
			memmove(b->in, b->in + n, b->in_length - n);
			b->in_length -= n;
			return msg;
		}
		long long left = deadline - now_ms();
		struct pollfd pfd = {.fd = b->from_browser, .events = POLLIN};
		if (left <= 0 || poll(&pfd, 1, (int)left) <= 0)
			return NULL;
		if (b->in_capacity - b->in_length < 65536) {
			b->in_capacity = b->in_capacity * 2 + 65536;
			b->in = realloc(b->in, b->in_capacity);
		}
		ssize_t r =
		        read(b->from_browser, b->in + b->in_length, b->in_capacity - b->in_length);
		if (r <= 0)
			return NULL;
		b->in_length += (size_t)r;
	}
}

/* Console errors, uncaught exceptions and CSP reports, kept for the test. */
static void scan_event(struct cdp *b, const char *msg)
{
	static const char *const signs[] = {"\"level\":\"error\"", "Runtime.exceptionThrown",
	                                    "Content Security Policy", "\"type\":\"error\""};
	if (b->problem[0] != '\0' || (b->expected != NULL && strstr(msg, b->expected) != NULL))
		return;
	for (size_t i = 0; i < sizeof(signs) / sizeof(signs[0]); i++)
		if (strstr(msg, signs[i]) != NULL)
			snprintf(b->problem, sizeof(b->problem), "%s", msg);
}

char *cdp_call(struct cdp *b, const char *method, const char *params, int timeout_ms)
{
	unsigned id = ++b->next_id;
	size_t cap = strlen(method) + (params ? strlen(params) : 2) + sizeof(b->session) + 96;
	char *text = malloc(cap);
	int n;
	if (b->session[0] != '\0')
		n = snprintf(text, cap,
		             "{\"id\":%u,\"sessionId\":\"%s\",\"method\":\"%s\",\"params\":%s}", id,
		             b->session, method, params ? params : "{}");
	else
		n = snprintf(text, cap, "{\"id\":%u,\"method\":\"%s\",\"params\":%s}", id, method,
		             params ? params : "{}");
	bool sent = send_message(b, text, (size_t)n + 1); /* the NUL ends the message */
	free(text);
	if (!sent)
		return NULL;
	char want[32];
	snprintf(want, sizeof(want), "{\"id\":%u,", id);
	long long deadline = now_ms() + timeout_ms;
	for (;;) {
		char *msg = next_message(b, deadline);
		if (msg == NULL || strncmp(msg, want, strlen(want)) == 0)
			return msg;
		scan_event(b, msg);
		free(msg);
	}
}

char *cdp_string_field(const char *json, const char *key)
{
	char pattern[128];
	snprintf(pattern, sizeof(pattern), "\"%s\":\"", key);
	const char *p = strstr(json, pattern);
	if (p == NULL)
		return NULL;
	p += strlen(pattern);
	char *out = malloc(strlen(p) + 1), *o = out;
	for (; *p && *p != '"'; p++) {
		if (*p != '\\') {
			*o++ = *p;
			continue;
		}
		p++;
		switch (*p) {
		case 'n':
			*o++ = '\n';
			break;
		case 't':
			*o++ = '\t';
			break;
		case 'u': { /* enough for the test: ASCII, '?' for the rest */
			char hex[5] = {p[1], p[2], p[3], p[4], 0};
			unsigned long cp = strtoul(hex, NULL, 16);
			*o++ = cp < 0x80 ? (char)cp : '?';
			p += 4;
			break;
		}
		default:
			*o++ = *p;
		}
	}
	*o = '\0';
	return out;
}

bool cdp_open_page(struct cdp *b)
{
	char *reply = cdp_call(b, "Target.createTarget", "{\"url\":\"about:blank\"}", 10000);
	char *target = reply ? cdp_string_field(reply, "targetId") : NULL;
	free(reply);
	if (target == NULL)
		return false;
	char params[256];
	snprintf(params, sizeof(params), "{\"targetId\":\"%s\",\"flatten\":true}", target);
	free(target);
	reply = cdp_call(b, "Target.attachToTarget", params, 10000);
	char *session = reply ? cdp_string_field(reply, "sessionId") : NULL;
	free(reply);
	if (session == NULL || strlen(session) >= sizeof(b->session)) {
		free(session);
		return false;
	}
	strcpy(b->session, session);
	free(session);
	return true;
}

/* A JSON string literal for `s` (malloc'd). */
static char *quote(const char *s)
{
	char *out = malloc(strlen(s) * 6 + 3), *o = out;
	*o++ = '"';
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			*o++ = '\\', *o++ = *s;
		else if ((unsigned char)*s < 0x20)
			o += sprintf(o, "\\u%04x", (unsigned char)*s);
		else
			*o++ = *s;
	}
	*o++ = '"';
	*o = '\0';
	return out;
}

char *cdp_eval(struct cdp *b, const char *expression)
{
	char *wrapped = malloc(strlen(expression) + 64);
	sprintf(wrapped, "String((() => { return %s; })())", expression);
	char *q = quote(wrapped);
	free(wrapped);
	char *params = malloc(strlen(q) + 64);
	sprintf(params, "{\"expression\":%s,\"returnByValue\":true}", q);
	free(q);
	char *reply = cdp_call(b, "Runtime.evaluate", params, 10000);
	free(params);
	if (reply == NULL || strstr(reply, "\"exceptionDetails\"") != NULL) {
		free(reply);
		return NULL;
	}
	char *value = cdp_string_field(reply, "value");
	free(reply);
	return value;
}

static int base64_value(char c)
{
	const char *digits = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const char *p = c ? strchr(digits, c) : NULL;
	return p ? (int)(p - digits) : -1;
}

static bool write_base64(const char *data, const char *path)
{
	FILE *f = fopen(path, "wb");
	if (f == NULL)
		return false;
	unsigned acc = 0;
	int bits = 0;
	for (const char *p = data; *p && *p != '"'; p++) {
		int v = base64_value(*p);
		if (v < 0)
			continue; /* padding */
		acc = acc << 6 | (unsigned)v;
		if ((bits += 6) >= 8) {
			bits -= 8;
			fputc((int)(acc >> bits) & 0xff, f);
		}
	}
	return fclose(f) == 0;
}

bool cdp_screenshot(struct cdp *b, const char *path)
{
	char *reply = cdp_call(b, "Page.captureScreenshot",
	                       "{\"format\":\"png\",\"captureBeyondViewport\":true}", 20000);
	const char *data = reply ? strstr(reply, "\"data\":\"") : NULL;
	bool ok = data != NULL && write_base64(data + 8, path);
	free(reply);
	return ok;
}

void cdp_close(struct cdp *b)
{
	if (b->pid > 0) {
		b->session[0] = '\0';
		free(cdp_call(b, "Browser.close", NULL, 3000));
		for (int i = 0; i < 300 && waitpid(b->pid, NULL, WNOHANG) == 0; i++)
			usleep(10000);
		if (kill(b->pid, 0) == 0) {
			kill(b->pid, SIGKILL);
			waitpid(b->pid, NULL, 0);
		}
		b->pid = -1;
	}
	if (b->to_browser > 0)
		close(b->to_browser);
	if (b->from_browser > 0)
		close(b->from_browser);
	free(b->in);
	b->in = NULL;
	if (b->profile[0] != '\0') {
		char command[128];
		snprintf(command, sizeof(command), "rm -rf '%s'", b->profile);
		if (system(command) != 0)
			fprintf(stderr, "cdp: could not remove %s\n", b->profile);
	}
}
