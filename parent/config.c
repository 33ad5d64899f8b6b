/*
 * config.c - the daemon's configuration: one table of keys drives the INI
 * file (libinih), `--set section.key=value`, --print-config and
 * config_equal, so a key cannot be parsed one way and printed another.
 * docs/configuration.md documents every key; keep it in step with keys[].
 */
#include "config.h"

#include <arpa/inet.h>
#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <ini.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- The key table ------------------------------------------------------ */

enum key_type {
	KEY_STRING, /* a path or name; `size` is the buffer */
	KEY_LISTEN, /* a string that config_parse_listen accepts */
	KEY_U32,    /* decimal, min..max */
	KEY_SIZE,   /* decimal with an optional K/M/G/T suffix (powers of 1024) */
	KEY_BOOL,
	KEY_ENUM,   /* one of names[]; the index is the value; `size` is the field's width */
	KEY_FACTOR, /* decimal fraction, FACTOR_MIN..FACTOR_MAX */
};

enum key_flags {
	KEY_NONEMPTY = 1u << 0, /* a string that must not be "" */
	KEY_NAME = 1u << 1,     /* a user or group name: no '/' or ':' either */
	KEY_HOSTS = 1u << 2,    /* host names or IP literals, space-separated, no ports */
};

struct key {
	const char *section, *name;
	enum key_type type;
	size_t offset, size;
	uint64_t min, max;
	const char *const *names; /* KEY_ENUM, NULL-terminated */
	unsigned flags;
	const char *flag; /* the `warden run` flag that sets it, if any */
};

#define FACTOR_MIN     1.0
#define FACTOR_MAX     10.0
#define SIZE_MAX_BYTES (1ull << 40) /* 1T: a trace file beyond that is a mistake */
#define DAY_MS         86400000u

/* Levels and namespace modes are spelt as ipc.h names them. */
static const char *const burst_names[] = {"exit", "throttle", NULL};
static const char *const sandbox_mode_names[] = {"enforce", "complain", NULL};
static_assert(CONFIG_MODE_ENFORCE == 0 && CONFIG_MODE_COMPLAIN == 1, "sandbox_mode_names");

/* The enum value is the index of its name: keep them in step. */
static_assert(CONFIG_BURST_EXIT == 0 && CONFIG_BURST_THROTTLE == 1, "burst_names");
static_assert(sizeof(enum config_burst_action) == sizeof(int), "burst_action width");

#define FIELD(f) offsetof(struct warden_config, f), sizeof(((struct warden_config *)0)->f)
/* Each expands to the members of one struct key, in order. */
#define STR(s, n, f, fl)     s, n, KEY_STRING, FIELD(f), 0, 0, NULL, fl, NULL
#define U32(s, n, f, lo, hi) s, n, KEY_U32, FIELD(f), lo, hi, NULL, 0, NULL
#define BOOL(s, n, f)        s, n, KEY_BOOL, FIELD(f), 0, 1, NULL, 0, NULL
#define ENUM(s, n, f, names) s, n, KEY_ENUM, FIELD(f), 0, 0, names, 0, NULL

/* In --print-config order. Ranges that reach the child are ipc.h's. */
static const struct key keys[] = {
        {"server", "listen", KEY_LISTEN, FIELD(listen), 0, 0, NULL, KEY_NONEMPTY, "--listen"},
        {BOOL("server", "allow_remote_without_token", allow_remote_without_token)},
        {STR("server", "token_file", token_file, 0)},
        {U32("server", "max_connections", max_connections, 1, 65536)},
        {U32("server", "header_max_bytes", header_max_bytes, 256, 65536)},
        {U32("server", "uri_max_bytes", uri_max_bytes, 16, 65536)},
        {U32("server", "header_timeout_ms", header_timeout_ms, 1, 600000)},
        {U32("server", "idle_timeout_ms", idle_timeout_ms, 1, 3600000)},
        {U32("server", "send_timeout_ms", send_timeout_ms, 1, 600000)},
        {U32("server", "max_connections_per_peer", max_connections_per_peer, 1, 65536)},
        {STR("server", "hosts", hosts, KEY_HOSTS)},
        {"log", "file", KEY_STRING, FIELD(log_file), 0, 0, NULL, KEY_NONEMPTY, "--log"},
        {ENUM("log", "level", log_level, ipc_log_level_names)},
        {ENUM("log", "format", log_format, ipc_log_format_names)},
        {ENUM("log", "stderr_level", log_stderr_level, ipc_log_level_names)},
        {U32("log", "ring_lines", log_ring_lines, 16, 65536)},
        {ENUM("sandbox", "namespaces", namespaces, ipc_namespaces_names)},
        {STR("sandbox", "user", user, KEY_NONEMPTY | KEY_NAME)},
        {STR("sandbox", "group", group, KEY_NONEMPTY | KEY_NAME)},
        {U32("sandbox", "memory_reserve_kib", memory_reserve_kib, 1024, 4194304)},
        {ENUM("sandbox", "mode", sandbox_mode, sandbox_mode_names)},
        {BOOL("sandbox", "report_violations", report_violations)},
        {BOOL("sandbox", "complain_on_remote", complain_on_remote)},
        {STR("sandbox", "child_program", child_program, 0)},
        {U32("supervise", "heartbeat_interval_ms", heartbeat_interval_ms, 1, 600000)},
        {U32("supervise", "heartbeat_timeout_ms", heartbeat_timeout_ms, 2, 3600000)},
        {U32("supervise", "ready_timeout_ms", ready_timeout_ms, 1, 600000)},
        {U32("supervise", "restart_initial_ms", restart_initial_ms, 0, 3600000)},
        {"supervise", "restart_factor", KEY_FACTOR, FIELD(restart_factor), 0, 0, NULL, 0, NULL},
        {U32("supervise", "restart_max_ms", restart_max_ms, 0, 3600000)},
        {U32("supervise", "restart_stable_ms", restart_stable_ms, 0, DAY_MS)},
        {U32("supervise", "burst_limit", burst_limit, 1, 100000)},
        {U32("supervise", "burst_window_ms", burst_window_ms, 1, DAY_MS)},
        {ENUM("supervise", "burst_action", burst_action, burst_names)},
        {U32("supervise", "drain_timeout_ms", drain_timeout_ms, 0, 600000)},
        {U32("supervise", "status_interval_ms", status_interval_ms, 10, 600000)},
        {BOOL("supervise", "standby", standby)},
        {"trace", "file", KEY_STRING, FIELD(trace_file), 0, 0, NULL, 0, "--trace"},
        {"trace", "max_bytes", KEY_SIZE, FIELD(trace_max_bytes), 4096, SIZE_MAX_BYTES, NULL, 0,
         NULL},
        {U32("trace", "max_files", trace_max_files, 1, 1000)},
};

static_assert(sizeof(keys) / sizeof(keys[0]) == CONFIG_KEY_COUNT, "CONFIG_KEY_COUNT");

static const char *const sections[] = {"server", "log", "sandbox", "supervise", "trace", NULL};

static bool section_known(const char *section)
{
	for (size_t i = 0; sections[i] != NULL; i++)
		if (strcmp(sections[i], section) == 0)
			return true;
	return false;
}

static int key_find(const char *section, const char *name)
{
	for (int i = 0; i < CONFIG_KEY_COUNT; i++)
		if (strcmp(keys[i].section, section) == 0 && strcmp(keys[i].name, name) == 0)
			return i;
	return -1;
}

/* The keys that cross-key checks name, looked up by name so that reordering
 * keys[] cannot make them point at the wrong key. */
#define K_LISTEN             key_find("server", "listen")
#define K_ALLOW_REMOTE       key_find("server", "allow_remote_without_token")
#define K_MAX_CONNECTIONS    key_find("server", "max_connections")
#define K_PER_PEER           key_find("server", "max_connections_per_peer")
#define K_TOKEN_FILE         key_find("server", "token_file")
#define K_HEADER_MAX         key_find("server", "header_max_bytes")
#define K_URI_MAX            key_find("server", "uri_max_bytes")
#define K_HEARTBEAT_INTERVAL key_find("supervise", "heartbeat_interval_ms")
#define K_HEARTBEAT_TIMEOUT  key_find("supervise", "heartbeat_timeout_ms")
#define K_RESTART_INITIAL    key_find("supervise", "restart_initial_ms")
#define K_RESTART_MAX        key_find("supervise", "restart_max_ms")
#define K_SANDBOX_MODE       key_find("sandbox", "mode")
#define K_COMPLAIN_REMOTE    key_find("sandbox", "complain_on_remote")

static void *field(struct warden_config *cfg, const struct key *k)
{
	return (char *)cfg + k->offset;
}

static const void *cfield(const struct warden_config *cfg, const struct key *k)
{
	return (const char *)cfg + k->offset;
}

/* ---- Defaults ----------------------------------------------------------- */

void config_defaults(struct warden_config *cfg)
{
	/* Zero first so that strings are zero-padded and copies compare equal. */
	memset(cfg, 0, sizeof(*cfg));
	strcpy(cfg->listen, "127.0.0.1:8080");
	cfg->max_connections = 512;
	cfg->header_max_bytes = 8192;
	cfg->uri_max_bytes = 2048;
	cfg->header_timeout_ms = 10000;
	cfg->idle_timeout_ms = 60000;
	cfg->send_timeout_ms = 10000;
	cfg->max_connections_per_peer = 32;
	strcpy(cfg->log_file, "warden.log");
	cfg->log_level = IPC_LOG_INFO;
	cfg->log_format = IPC_LOG_FORMAT_TEXT;
	cfg->log_stderr_level = IPC_LOG_NOTICE;
	cfg->log_ring_lines = 1000;
	cfg->namespaces = IPC_NAMESPACES_AUTO;
	strcpy(cfg->user, "nobody");
	strcpy(cfg->group, "nogroup");
	cfg->memory_reserve_kib = 65536;
	cfg->report_violations = true;
	cfg->heartbeat_interval_ms = 1000;
	cfg->heartbeat_timeout_ms = 3000;
	cfg->ready_timeout_ms = 5000;
	cfg->restart_initial_ms = 100;
	cfg->restart_factor = 2.0;
	cfg->restart_max_ms = 30000;
	cfg->restart_stable_ms = 10000;
	cfg->burst_limit = 10;
	cfg->burst_window_ms = 60000;
	cfg->burst_action = CONFIG_BURST_EXIT;
	cfg->drain_timeout_ms = 10000;
	cfg->status_interval_ms = 1000;
	cfg->standby = true;
	cfg->trace_max_bytes = 64ull << 20;
	cfg->trace_max_files = 4;
}

/* ---- Values ------------------------------------------------------------- */

/* Digits only: strtoull alone would accept leading spaces, '+' and '-'
 * (and wrap "-1" to 2^64-1). Returns 0, -1 for no digits, -2 on overflow. */
static int parse_u64(const char *text, uint64_t *out, const char **end)
{
	if (!isdigit((unsigned char)text[0]))
		return -1;
	errno = 0;
	char *stop;
	unsigned long long v = strtoull(text, &stop, 10);
	if (errno == ERANGE)
		return -2;
	*out = v;
	*end = stop;
	return 0;
}

static int set_u32(uint32_t *out, const struct key *k, const char *value, char *why, size_t n)
{
	uint64_t v = UINT64_MAX;
	const char *end = "";
	int rc = parse_u64(value, &v, &end);
	if (rc == -1 || *end != '\0') {
		snprintf(why, n, "'%s' is not a non-negative decimal integer", value);
		return -1;
	}
	if (rc == -2 || v < k->min || v > k->max) {
		snprintf(why, n, "%s is out of range %llu..%llu", value, (unsigned long long)k->min,
		         (unsigned long long)k->max);
		return -1;
	}
	*out = (uint32_t)v;
	return 0;
}

static const char size_suffixes[] = "KMGT";

static int size_scale(const char *suffix, unsigned *shift)
{
	if (suffix[0] == '\0') {
		*shift = 0;
		return 0;
	}
	const char *p = strchr(size_suffixes, toupper((unsigned char)suffix[0]));
	if (p == NULL || suffix[1] != '\0')
		return -1;
	*shift = 10u * (unsigned)(p - size_suffixes + 1);
	return 0;
}

/* "0" (never rotate) or min..max bytes, with an optional K/M/G/T suffix. */
static int set_size(uint64_t *out, const struct key *k, const char *value, char *why, size_t n)
{
	uint64_t v = 0;
	const char *end = "";
	unsigned shift = 0;
	int rc = parse_u64(value, &v, &end);
	if (rc == -1 || (rc == 0 && size_scale(end, &shift) < 0)) {
		snprintf(why, n, "'%s' is not a size (bytes, or a number with K, M, G or T)",
		         value);
		return -1;
	}
	if (rc == -2 || (v != 0 && (v > (k->max >> shift) || (v << shift) < k->min))) {
		snprintf(why, n, "%s is out of range: 0 (never) or %llu..%llu bytes", value,
		         (unsigned long long)k->min, (unsigned long long)k->max);
		return -1;
	}
	*out = v << shift;
	return 0;
}

static int set_bool(bool *out, const char *value, char *why, size_t n)
{
	static const char *const yes[] = {"true", "yes", "on", "1"};
	static const char *const no[] = {"false", "no", "off", "0"};
	for (size_t i = 0; i < 4; i++) {
		if (strcasecmp(value, yes[i]) == 0 || strcasecmp(value, no[i]) == 0) {
			*out = strcasecmp(value, yes[i]) == 0;
			return 0;
		}
	}
	snprintf(why, n, "'%s' is not a boolean (true/false, yes/no, on/off, 1/0)", value);
	return -1;
}

static int set_enum(void *out, const struct key *k, const char *value, char *why, size_t n)
{
	for (int i = 0; k->names[i] != NULL; i++) {
		if (strcmp(value, k->names[i]) != 0)
			continue;
		if (k->size == 1)
			*(uint8_t *)out = (uint8_t)i;
		else
			*(int *)out = i;
		return 0;
	}
	int used = snprintf(why, n, "'%s' is not one of", value);
	for (int i = 0; k->names[i] != NULL && used > 0 && (size_t)used < n; i++)
		used += snprintf(why + used, n - (size_t)used, "%s %s", i ? "," : "", k->names[i]);
	return -1;
}

/* A plain decimal fraction: strtod alone would take "inf", "nan", hex
 * floats and signs. */
static int set_factor(double *out, const char *value, char *why, size_t n)
{
	size_t digits = strspn(value, "0123456789");
	bool ok = digits > 0 &&
	          (value[digits] == '\0' ||
	           (value[digits] == '.' && isdigit((unsigned char)value[digits + 1]) &&
	            value[digits + 1 + strspn(value + digits + 1, "0123456789")] == '\0'));
	double v = ok ? strtod(value, NULL) : 0;
	if (!ok || v < FACTOR_MIN || v > FACTOR_MAX) {
		snprintf(why, n, "'%s' is not a number in %.1f..%.1f", value, FACTOR_MIN,
		         FACTOR_MAX);
		return -1;
	}
	*out = v;
	return 0;
}

/* Strings are stored as written. They must fit (an error, never a silent
 * truncation), and must read back the same from --print-config: no control
 * characters, no surrounding spaces (inih strips them), no " ;" (inih
 * starts an inline comment there). */
static int check_string(const struct key *k, const char *value, char *why, size_t n)
{
	size_t len = strlen(value);
	if (len >= k->size) {
		snprintf(why, n, "too long (%zu bytes; at most %zu)", len, k->size - 1);
		return -1;
	}
	if ((k->flags & KEY_NONEMPTY) && len == 0) {
		snprintf(why, n, "must not be empty");
		return -1;
	}
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)value[i];
		if (c < 0x20 || c == 0x7f) {
			snprintf(why, n, "contains a control character");
			return -1;
		}
		if ((k->flags & KEY_NAME) && (c == ' ' || c == '/' || c == ':')) {
			snprintf(why, n, "'%s' is not a user or group name", value);
			return -1;
		}
		if (c == ';' && i > 0 && isspace((unsigned char)value[i - 1])) {
			snprintf(why, n, "contains ' ;', which starts a comment in the file");
			return -1;
		}
	}
	if (len > 0 &&
	    (isspace((unsigned char)value[0]) || isspace((unsigned char)value[len - 1]))) {
		snprintf(why, n, "has leading or trailing spaces");
		return -1;
	}
	return 0;
}

/* One name of server.hosts: a DNS name or IPv4 literal (letters, digits,
 * '.', '-'), or an IPv6 literal in brackets. A port would never match:
 * the server compares the Host header's name, its port aside. */
static bool host_name_ok(const char *name, size_t len)
{
	bool bracketed = len >= 2 && name[0] == '[' && name[len - 1] == ']';
	if (len == 0 || len > 253)
		return false;
	for (size_t i = bracketed ? 1 : 0; i < (bracketed ? len - 1 : len); i++) {
		unsigned char c = (unsigned char)name[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		          (c >= '0' && c <= '9') || c == '.' || (bracketed ? c == ':' : c == '-');
		if (!ok)
			return false;
	}
	return true;
}

static int check_hosts(const char *value, char *why, size_t n)
{
	for (const char *p = value; *p != '\0';) {
		size_t len = strcspn(p, " ");
		if (!host_name_ok(p, len)) {
			snprintf(why, n,
			         "'%.*s' is not a host name or IP literal (no port; IPv6 in [])",
			         (int)len, p);
			return -1;
		}
		p += len;
		p += strspn(p, " ");
	}
	return 0;
}

static int set_string(char *out, const struct key *k, const char *value, char *why, size_t n)
{
	if (check_string(k, value, why, n) < 0)
		return -1;
	if ((k->flags & KEY_HOSTS) && check_hosts(value, why, n) < 0)
		return -1;
	if (k->type == KEY_LISTEN) {
		struct sockaddr_storage addr;
		socklen_t len;
		struct config_error err;
		if (config_parse_listen(value, &addr, &len, &err) < 0) {
			snprintf(why, n, "%s", err.message);
			return -1;
		}
	}
	memset(out, 0, k->size);
	memcpy(out, value, strlen(value));
	return 0;
}

/* Parses `value` into key `k`; on error fills `why` and leaves cfg as it was. */
static int set_key(struct warden_config *cfg, const struct key *k, const char *value, char *why,
                   size_t n)
{
	void *out = field(cfg, k);
	switch (k->type) {
	case KEY_STRING:
	case KEY_LISTEN:
		return set_string(out, k, value, why, n);
	case KEY_U32:
		return set_u32(out, k, value, why, n);
	case KEY_SIZE:
		return set_size(out, k, value, why, n);
	case KEY_BOOL:
		return set_bool(out, value, why, n);
	case KEY_ENUM:
		return set_enum(out, k, value, why, n);
	case KEY_FACTOR:
		return set_factor(out, value, why, n);
	}
	return -1;
}

int config_set(struct warden_config *cfg, const char *section_key, const char *value,
               struct config_error *err)
{
	const char *dot = strchr(section_key, '.');
	char section[64];
	if (dot == NULL || (size_t)(dot - section_key) >= sizeof(section)) {
		snprintf(err->message, sizeof(err->message), "'%s' is not SECTION.KEY",
		         section_key);
		return -1;
	}
	memcpy(section, section_key, (size_t)(dot - section_key));
	section[dot - section_key] = '\0';
	if (!section_known(section)) {
		snprintf(err->message, sizeof(err->message), "unknown section [%s]", section);
		return -1;
	}
	int i = key_find(section, dot + 1);
	if (i < 0) {
		snprintf(err->message, sizeof(err->message), "unknown key '%s' in [%s]", dot + 1,
		         section);
		return -1;
	}
	if (set_key(cfg, &keys[i], value, err->message, sizeof(err->message)) < 0)
		return -1;
	cfg->source_line[i] = CONFIG_FROM_FLAG;
	return 0;
}

/* ---- Printing ----------------------------------------------------------- */

/* The shortest plain decimal that reads back as exactly `v` (%g could
 * write an exponent, which the file syntax does not take). */
static void format_factor(double v, char *buf, size_t n)
{
	for (int decimals = 0; decimals <= 17; decimals++) {
		snprintf(buf, n, "%.*f", decimals, v);
		if (strtod(buf, NULL) == v)
			break;
	}
}

static void format_size(uint64_t v, char *buf, size_t n)
{
	unsigned shift = 0;
	while (v != 0 && shift < 40 && (v & ((1ull << (shift + 10)) - 1)) == 0)
		shift += 10;
	if (shift == 0)
		snprintf(buf, n, "%llu", (unsigned long long)v);
	else
		snprintf(buf, n, "%llu%c", (unsigned long long)(v >> shift),
		         size_suffixes[shift / 10 - 1]);
}

static void format_enum(const struct key *k, int v, char *buf, size_t n)
{
	int count = 0;
	while (k->names[count] != NULL)
		count++;
	/* Only a caller that wrote the field directly can put it out of range. */
	snprintf(buf, n, "%s", v >= 0 && v < count ? k->names[v] : "(invalid)");
}

/* The value of key `k` as the file syntax writes it. */
static void format_key(const struct warden_config *cfg, const struct key *k, char *buf, size_t n)
{
	const void *in = cfield(cfg, k);
	switch (k->type) {
	case KEY_STRING:
	case KEY_LISTEN:
		snprintf(buf, n, "%s", (const char *)in);
		break;
	case KEY_U32:
		snprintf(buf, n, "%u", *(const uint32_t *)in);
		break;
	case KEY_SIZE:
		format_size(*(const uint64_t *)in, buf, n);
		break;
	case KEY_BOOL:
		snprintf(buf, n, "%s", *(const bool *)in ? "true" : "false");
		break;
	case KEY_ENUM:
		format_enum(k, k->size == 1 ? *(const uint8_t *)in : *(const int *)in, buf, n);
		break;
	case KEY_FACTOR:
		format_factor(*(const double *)in, buf, n);
		break;
	}
}

void config_print(const struct warden_config *cfg, FILE *out)
{
	char value[PATH_MAX + 64];
	fputs("# warden: the effective configuration (warden run --print-config)\n", out);
	for (int i = 0; i < CONFIG_KEY_COUNT; i++) {
		if (i == 0 || strcmp(keys[i].section, keys[i - 1].section) != 0)
			fprintf(out, "\n[%s]\n", keys[i].section);
		format_key(cfg, &keys[i], value, sizeof(value));
		/* No trailing space after an empty value. */
		fprintf(out, "%s =%s%s\n", keys[i].name, value[0] ? " " : "", value);
	}
}

bool config_equal(const struct warden_config *a, const struct warden_config *b)
{
	/* The printed text is exact for every type (factors print the shortest
	 * text that reads back the same), so comparing it compares values. */
	char va[PATH_MAX + 64], vb[PATH_MAX + 64];
	for (int i = 0; i < CONFIG_KEY_COUNT; i++) {
		format_key(a, &keys[i], va, sizeof(va));
		format_key(b, &keys[i], vb, sizeof(vb));
		if (strcmp(va, vb) != 0)
			return false;
	}
	return true;
}

/* ---- The file ----------------------------------------------------------- */

/* Long enough for a PATH_MAX path after its key; inih gets it through
 * ini_max_line and puts the line buffer on its stack (a VLA) at that size. */
enum { LINE_MAX_BYTES = PATH_MAX + 128 };

struct load {
	struct warden_config *cfg;
	const char *path;
	FILE *file, *errors;
	char *line;
	size_t capacity;
	int lineno;
	int count;                        /* errors so far */
	int first_line[CONFIG_KEY_COUNT]; /* where each key was set, 0 = not yet */
};

static void load_error(struct load *ld, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void load_error(struct load *ld, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(ld->errors, "%s:%d: ", ld->path, ld->lineno);
	vfprintf(ld->errors, fmt, ap);
	fputc('\n', ld->errors);
	va_end(ap);
	ld->count++;
}

/* Checks a line's shape before inih sees it, so that every malformed line
 * is reported (inih returns only the first) and unknown sections are
 * reported at their header even when empty. Returns false to hide the line
 * from inih. `text` has no leading space and no newline. */
static bool line_ok(struct load *ld, const char *text)
{
	if (text[0] == '\0' || text[0] == ';' || text[0] == '#')
		return true;
	if (text[0] == '[') {
		const char *close = strchr(text, ']');
		if (close == NULL) {
			load_error(ld, "section header without ']'");
			return false;
		}
		int len = (int)(close - text - 1);
		char name[64];
		snprintf(name, sizeof(name), "%.*s", len, text + 1);
		if (len >= (int)sizeof(name) || !section_known(name))
			load_error(ld,
			           "[%.*s]: unknown section (known: server, log, sandbox, "
			           "supervise, trace)",
			           len, text + 1);
		return true;
	}
	if (strpbrk(text, "=:") == NULL) {
		load_error(ld, "expected 'key = value', '[section]' or a comment");
		return false;
	}
	return true;
}

/* No value or name takes control characters, and refusing them here keeps
 * them out of error messages (and so off the operator's terminal). */
static bool has_control(const char *text)
{
	for (const unsigned char *p = (const unsigned char *)text; *p != '\0'; p++)
		if ((*p < 0x20 && *p != '\t') || *p == 0x7f)
			return true;
	return false;
}

/* Reads one whole line, whatever its length, for line_ok; then gives inih
 * the part it should parse. Counting lines here is how errors get their
 * line numbers: Debian's inih is built without INI_HANDLER_LINENO. */
static bool next_line(struct load *ld, char *str, int num)
{
	ssize_t len = getline(&ld->line, &ld->capacity, ld->file);
	if (len < 0)
		return false;
	ld->lineno++;
	str[0] = '\0';
	if (strlen(ld->line) != (size_t)len) {
		load_error(ld, "contains a NUL byte");
		return true;
	}
	char *text = ld->line;
	if (ld->lineno == 1 && strncmp(text, "\xef\xbb\xbf", 3) == 0)
		text += 3; /* a UTF-8 byte order mark */
	/* Leading space would make inih join the line to the previous value
	 * (multi-line values); warden has none, so every line stands alone. */
	text += strspn(text, " \t");
	size_t n = strcspn(text, "\n");
	if (n > 0 && text[n - 1] == '\r')
		n--; /* CRLF line ends */
	text[n] = '\0';
	if (n + 3 > (size_t)num)
		load_error(ld, "line too long (at most %d bytes)", num - 3);
	else if (has_control(text))
		load_error(ld, "contains a control character");
	else if (line_ok(ld, text))
		memcpy(str, text, n + 1);
	return true;
}

static char *reader(char *str, int num, void *stream)
{
	struct load *ld = stream;
	if (!next_line(ld, str, num))
		return NULL;
	strcat(str, "\n");
	return str;
}

static int on_key(void *user, const char *section, const char *name, const char *value)
{
	struct load *ld = user;
	if (section[0] == '\0') {
		load_error(ld, "%s: key outside any section", name);
		return 1;
	}
	if (!section_known(section))
		return 1; /* reported once at its header */
	int i = key_find(section, name);
	char why[sizeof(((struct config_error *)0)->message)];
	if (i < 0) {
		load_error(ld, "[%s] %s: unknown key", section, name);
	} else if (ld->first_line[i] != 0) {
		load_error(ld, "[%s] %s: duplicate key (first set on line %d)", section, name,
		           ld->first_line[i]);
	} else {
		ld->first_line[i] = ld->lineno;
		if (set_key(ld->cfg, &keys[i], value, why, sizeof(why)) < 0)
			load_error(ld, "[%s] %s: %s", section, name, why);
		else
			ld->cfg->source_line[i] = ld->lineno;
	}
	return 1; /* keep going: every error is reported */
}

static int load_stream(struct load *ld)
{
	int saved = ini_max_line;
	ini_max_line = LINE_MAX_BYTES;
	int rc = ini_parse_stream(reader, ld, on_key, ld);
	ini_max_line = saved;
	if (ferror(ld->file)) {
		fprintf(ld->errors, "%s: cannot read: %s\n", ld->path, strerror(errno));
		ld->count++;
	} else if (rc > 0 && ld->count == 0) {
		/* line_ok should have caught whatever inih refused */
		fprintf(ld->errors, "%s:%d: malformed line\n", ld->path, rc);
		ld->count++;
	}
	return ld->count;
}

int config_load_file(struct warden_config *cfg, const char *path, FILE *errors)
{
	struct load ld = {.cfg = cfg, .path = path, .errors = errors};
	if (strlen(path) >= sizeof(cfg->source_file)) {
		fprintf(errors, "%s: path too long\n", path);
		return 1;
	}
	ld.file = fopen(path, "re");
	if (ld.file == NULL) {
		fprintf(errors, "%s: cannot open: %s\n", path, strerror(errno));
		return 1;
	}
	snprintf(cfg->source_file, sizeof(cfg->source_file), "%s", path);
	int count = load_stream(&ld);
	free(ld.line);
	fclose(ld.file);
	return count;
}

/* ---- Cross-key checks --------------------------------------------------- */

/* Of two keys that disagree, the one set last is the one to blame: a flag
 * over a file line, a later line over an earlier one, anything over a
 * default. */
static int blame(const struct warden_config *cfg, int a, int b)
{
	int32_t la = cfg->source_line[a], lb = cfg->source_line[b];
	if (la == CONFIG_FROM_FLAG || lb == CONFIG_FROM_DEFAULT)
		return a;
	if (lb == CONFIG_FROM_FLAG || la == CONFIG_FROM_DEFAULT)
		return b;
	return la >= lb ? a : b;
}

static void validate_error(const struct warden_config *cfg, int i, FILE *errors, int *count,
                           const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* "FILE:LINE: [section] key: ..." or "--flag: [section] key: ...". */
static void validate_error(const struct warden_config *cfg, int i, FILE *errors, int *count,
                           const char *fmt, ...)
{
	const struct key *k = &keys[i];
	if (cfg->source_line[i] > 0)
		fprintf(errors, "%s:%d: ", cfg->source_file, (int)cfg->source_line[i]);
	else if (cfg->source_line[i] == CONFIG_FROM_FLAG && k->flag != NULL)
		fprintf(errors, "%s: ", k->flag);
	else if (cfg->source_line[i] == CONFIG_FROM_FLAG)
		fprintf(errors, "--set %s.%s: ", k->section, k->name);
	fprintf(errors, "[%s] %s: ", k->section, k->name);
	va_list ap;
	va_start(ap, fmt);
	vfprintf(errors, fmt, ap);
	va_end(ap);
	fputc('\n', errors);
	(*count)++;
}

static void validate_listen(const struct warden_config *cfg, FILE *errors, int *count)
{
	struct sockaddr_storage addr;
	socklen_t len;
	struct config_error err;
	if (config_parse_listen(cfg->listen, &addr, &len, &err) < 0) {
		validate_error(cfg, K_LISTEN, errors, count, "%s", err.message);
		return;
	}
	if (config_listen_is_loopback(&addr) || cfg->token_file[0] != '\0' ||
	    cfg->allow_remote_without_token)
		return;
	validate_error(cfg, blame(cfg, K_LISTEN, blame(cfg, K_TOKEN_FILE, K_ALLOW_REMOTE)), errors,
	               count,
	               "%s is not a loopback address: set [server] token_file, or "
	               "allow_remote_without_token = true to serve anyone who can connect",
	               cfg->listen);
}

/* Complain mode lets through what the policy denies: only where nobody
 * but this machine can reach the child, unless the operator insists. */
static void validate_complain(const struct warden_config *cfg, FILE *errors, int *count)
{
	struct sockaddr_storage addr;
	socklen_t len;
	struct config_error err;
	if (cfg->sandbox_mode == CONFIG_MODE_COMPLAIN && geteuid() != 0)
		validate_error(
		        cfg, K_SANDBOX_MODE, errors, count,
		        "complain mode needs the parent to run as root: it takes the child's "
		        "seccomp listener with pidfd_getfd, which needs CAP_SYS_PTRACE over a "
		        "child that is not dumpable");
	if (cfg->sandbox_mode != CONFIG_MODE_COMPLAIN || cfg->complain_on_remote ||
	    config_parse_listen(cfg->listen, &addr, &len, &err) < 0 ||
	    config_listen_is_loopback(&addr))
		return;
	validate_error(cfg, blame(cfg, K_SANDBOX_MODE, blame(cfg, K_LISTEN, K_COMPLAIN_REMOTE)),
	               errors, count,
	               "complain mode lets the child make calls its policy denies, and %s is not "
	               "a loopback address: listen on loopback, or set [sandbox] "
	               "complain_on_remote = true",
	               cfg->listen);
}

int config_validate(const struct warden_config *cfg, FILE *errors)
{
	int count = 0;
	validate_listen(cfg, errors, &count);
	validate_complain(cfg, errors, &count);
	if (cfg->uri_max_bytes > cfg->header_max_bytes)
		validate_error(cfg, blame(cfg, K_URI_MAX, K_HEADER_MAX), errors, &count,
		               "uri_max_bytes (%u) exceeds header_max_bytes (%u)",
		               cfg->uri_max_bytes, cfg->header_max_bytes);
	if (cfg->heartbeat_timeout_ms <= cfg->heartbeat_interval_ms)
		validate_error(cfg, blame(cfg, K_HEARTBEAT_TIMEOUT, K_HEARTBEAT_INTERVAL), errors,
		               &count,
		               "heartbeat_timeout_ms (%u) must exceed heartbeat_interval_ms (%u)",
		               cfg->heartbeat_timeout_ms, cfg->heartbeat_interval_ms);
	/* The default share shrinks with a small max_connections; a share
	 * someone wrote down must fit. */
	if (cfg->max_connections_per_peer > cfg->max_connections &&
	    cfg->source_line[K_PER_PEER] != CONFIG_FROM_DEFAULT)
		validate_error(cfg, blame(cfg, K_PER_PEER, K_MAX_CONNECTIONS), errors, &count,
		               "max_connections_per_peer (%u) exceeds max_connections (%u)",
		               cfg->max_connections_per_peer, cfg->max_connections);
	if (cfg->restart_max_ms < cfg->restart_initial_ms)
		validate_error(cfg, blame(cfg, K_RESTART_MAX, K_RESTART_INITIAL), errors, &count,
		               "restart_max_ms (%u) is below restart_initial_ms (%u)",
		               cfg->restart_max_ms, cfg->restart_initial_ms);
	return count;
}

/* ---- The listen address ------------------------------------------------- */

static int listen_error(struct config_error *err, const char *text, const char *why)
{
	snprintf(err->message, sizeof(err->message), "'%s': %s", text, why);
	return -1;
}

static int parse_port(const char *text, in_port_t *port)
{
	uint64_t v;
	const char *end;
	if (strlen(text) > 5 || parse_u64(text, &v, &end) < 0 || *end != '\0' || v > 65535)
		return -1;
	*port = htons((in_port_t)v);
	return 0;
}

/* Splits "HOST:PORT" or "[HOST]:PORT" into host (copied to `host`) and port. */
static int split_listen(const char *text, char *host, size_t n, const char **port, bool *v6)
{
	const char *sep;
	*v6 = text[0] == '[';
	if (*v6) {
		const char *close = strchr(text, ']');
		if (close == NULL || close[1] != ':')
			return -1;
		sep = close + 1;
		text++;
		if ((size_t)(close - text) >= n)
			return -1;
		snprintf(host, n, "%.*s", (int)(close - text), text);
	} else {
		sep = strchr(text, ':');
		if (sep == NULL || (size_t)(sep - text) >= n)
			return -1;
		snprintf(host, n, "%.*s", (int)(sep - text), text);
	}
	*port = sep + 1;
	return 0;
}

int config_parse_listen(const char *text, struct sockaddr_storage *addr, socklen_t *len,
                        struct config_error *err)
{
	char host[INET6_ADDRSTRLEN];
	const char *port;
	bool v6;
	memset(addr, 0, sizeof(*addr));
	if (split_listen(text, host, sizeof(host), &port, &v6) < 0)
		return listen_error(err, text, "expected IPV4:PORT or [IPV6]:PORT");
	if (v6) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)addr;
		sin6->sin6_family = AF_INET6;
		if (inet_pton(AF_INET6, host, &sin6->sin6_addr) != 1)
			return listen_error(err, text, "not a numeric IPv6 address in brackets");
		if (parse_port(port, &sin6->sin6_port) < 0)
			return listen_error(err, text, "port is not a number in 0..65535");
		*len = sizeof(*sin6);
		return 0;
	}
	struct sockaddr_in *sin = (struct sockaddr_in *)addr;
	sin->sin_family = AF_INET;
	if (inet_pton(AF_INET, host, &sin->sin_addr) != 1)
		return listen_error(err, text,
		                    "not a numeric IPv4 address (host names are not resolved; "
		                    "IPv6 goes in brackets)");
	if (parse_port(port, &sin->sin_port) < 0)
		return listen_error(err, text, "port is not a number in 0..65535");
	*len = sizeof(*sin);
	return 0;
}

bool config_listen_is_loopback(const struct sockaddr_storage *addr)
{
	if (addr->ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)addr;
		return (ntohl(sin->sin_addr.s_addr) >> 24) == 127;
	}
	if (addr->ss_family == AF_INET6) {
		const struct in6_addr *a = &((const struct sockaddr_in6 *)addr)->sin6_addr;
		return IN6_IS_ADDR_LOOPBACK(a) ||
		       (IN6_IS_ADDR_V4MAPPED(a) && a->s6_addr[12] == 127);
	}
	return false;
}

/* ---- The token ---------------------------------------------------------- */

enum { TOKEN_MIN = 16 };

static int token_error(struct config_error *err, const char *path, const char *why)
{
	/* The path is cut short rather than the reason. */
	snprintf(err->message, sizeof(err->message), "[server] token_file: %.256s: %s", path, why);
	return -1;
}

/* A bearer token is as secret as a private key: refuse what ssh refuses. */
static int token_file_ok(int fd, const char *path, struct config_error *err)
{
	struct stat st;
	char why[128];
	if (fstat(fd, &st) < 0)
		return token_error(err, path, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return token_error(err, path, "not a regular file");
	if ((st.st_mode & 077) != 0) {
		snprintf(why, sizeof(why), "mode %04o gives group or others access; chmod 600 it",
		         (unsigned)(st.st_mode & 07777));
		return token_error(err, path, why);
	}
	if (st.st_uid != geteuid() && st.st_uid != 0) {
		snprintf(why, sizeof(why), "owned by uid %u, neither this user nor root",
		         (unsigned)st.st_uid);
		return token_error(err, path, why);
	}
	return 0;
}

/* Reads at most `n` bytes; returns how many, or -1. */
static ssize_t read_all(int fd, uint8_t *buf, size_t n)
{
	size_t got = 0;
	while (got < n) {
		ssize_t r = read(fd, buf + got, n - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return (ssize_t)got;
}

static int token_check(const uint8_t *buf, size_t len, const char *path, struct config_error *err)
{
	char why[128];
	if (len < TOKEN_MIN || len > IPC_TOKEN_MAX) {
		snprintf(why, sizeof(why), "the token must be %d..%d bytes", TOKEN_MIN,
		         IPC_TOKEN_MAX);
		return token_error(err, path, why);
	}
	for (size_t i = 0; i < len; i++)
		if (buf[i] < 0x21 || buf[i] > 0x7e)
			return token_error(err, path,
			                   "the token must be printable ASCII without spaces");
	return 0;
}

int config_read_token(const struct warden_config *cfg, uint8_t token[IPC_TOKEN_MAX], size_t *length,
                      struct config_error *err)
{
	const char *path = cfg->token_file;
	uint8_t buf[IPC_TOKEN_MAX + 2]; /* room to notice a token that is too long */
	*length = 0;
	memset(token, 0, IPC_TOKEN_MAX);
	if (path[0] == '\0')
		return 0;
	/* O_NONBLOCK: a FIFO must not hang the parent; it is refused below. */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return token_error(err, path, strerror(errno));
	ssize_t got = token_file_ok(fd, path, err) < 0 ? -2 : read_all(fd, buf, sizeof(buf));
	int saved = errno;
	close(fd);
	if (got == -2)
		return -1;
	if (got < 0)
		return token_error(err, path, strerror(saved));
	size_t len = (size_t)got;
	if (len > 0 && buf[len - 1] == '\n')
		len--;
	if (token_check(buf, len, path, err) < 0)
		return -1;
	memcpy(token, buf, len);
	*length = len;
	return 0;
}

/* ---- The child's part --------------------------------------------------- */

/* Appends `name` (len bytes) to the space-separated list unless it is
 * there already. */
static void hosts_add(char *list, size_t size, const char *name, size_t len)
{
	for (const char *p = list; *p != '\0'; p += strspn(p, " ")) {
		size_t n = strcspn(p, " ");
		if (n == len && strncasecmp(p, name, len) == 0)
			return;
		p += n;
	}
	size_t used = strlen(list);
	if (used + (used > 0) + len + 1 > size)
		return; /* cannot happen: CONFIG_HOSTS_MAX keeps room for the rest */
	snprintf(list + used, size - used, "%s%.*s", used > 0 ? " " : "", (int)len, name);
}

static void hosts_to_ipc(const struct warden_config *cfg, char *out, size_t size)
{
	static const char *const builtin[] = {"localhost", "127.0.0.1", "[::1]"};
	for (size_t i = 0; i < sizeof(builtin) / sizeof(builtin[0]); i++)
		hosts_add(out, size, builtin[i], strlen(builtin[i]));
	/* The listen address as written: "[::1]:8080" gives "[::1]". */
	const char *colon = strrchr(cfg->listen, ':');
	if (colon != NULL)
		hosts_add(out, size, cfg->listen, (size_t)(colon - cfg->listen));
	for (const char *p = cfg->hosts; *p != '\0'; p += strspn(p, " ")) {
		size_t n = strcspn(p, " ");
		hosts_add(out, size, p, n);
		p += n;
	}
}

void config_hosts_add(struct ipc_config *out, const char *host)
{
	hosts_add(out->hosts, sizeof(out->hosts), host, strlen(host));
}

enum ipc_deny_action config_deny_action(const struct warden_config *cfg, bool can_take_listener)
{
	if (cfg->sandbox_mode == CONFIG_MODE_COMPLAIN)
		return IPC_DENY_COMPLAIN;
	if (cfg->report_violations)
		return IPC_DENY_TRAP;
	return can_take_listener ? IPC_DENY_NOTIFY : IPC_DENY_KILL;
}

void config_to_ipc(const struct warden_config *cfg, struct ipc_config *out)
{
	memset(out, 0, sizeof(*out));
	out->max_connections = cfg->max_connections;
	out->header_max_bytes = cfg->header_max_bytes;
	out->uri_max_bytes = cfg->uri_max_bytes;
	out->header_timeout_ms = cfg->header_timeout_ms;
	out->idle_timeout_ms = cfg->idle_timeout_ms;
	out->send_timeout_ms = cfg->send_timeout_ms;
	out->heartbeat_interval_ms = cfg->heartbeat_interval_ms;
	out->memory_reserve_kib = cfg->memory_reserve_kib;
	out->log_ring_lines = cfg->log_ring_lines;
	out->log_min_level = cfg->log_level;
	out->log_format = cfg->log_format;
	out->log_stderr_level = cfg->log_stderr_level;
	out->namespaces = cfg->namespaces;
	out->deny_action = (uint8_t)config_deny_action(cfg, geteuid() == 0);
	out->max_connections_per_peer = cfg->max_connections_per_peer < cfg->max_connections
	                                        ? cfg->max_connections_per_peer
	                                        : cfg->max_connections;
	hosts_to_ipc(cfg, out->hosts, sizeof(out->hosts));
	if (geteuid() == 0) {
		snprintf(out->user, sizeof(out->user), "%s", cfg->user);
		snprintf(out->group, sizeof(out->group), "%s", cfg->group);
	}
}
