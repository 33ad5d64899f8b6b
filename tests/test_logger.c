/*
 * The logger (logger/logger.h): the line format, escaping,
 * truncation, which descriptor gets what, write failures, the ring, parent
 * records, memory, the JSON form and access lines; and, in forked processes under a seccomp filter
 * that allows only write(2/4), fsync(4) and exit_group, that logging makes no other system call.
 */
#include "json_check.h"
#include "logger/logger.h"
#include "policy/policy.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <regex.h>
#include <signal.h>
#include <stdalign.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define LINE_RE                                                                                    \
	"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{6}Z "                      \
	"(DEBUG|INFO|NOTICE|WARNING|ERROR|CRIT) (parent|child\\[[0-9]+\\]) "

enum { TEXT_CAP = 1 << 20 };

/* ---- Helpers --------------------------------------------------------------- */

/* An anonymous regular file on /tmp, opened for appending like the log. */
static int temp_file(void)
{
	int fd = open("/tmp", O_TMPFILE | O_RDWR | O_APPEND | O_CLOEXEC, 0600);
	cr_assert_geq(fd, 0, "O_TMPFILE on /tmp: %s", strerror(errno));
	return fd;
}

/* A pipe with a non-blocking read end: [0] read, [1] write. */
static void make_pipe(int fds[2])
{
	cr_assert_eq(pipe2(fds, O_CLOEXEC), 0);
	cr_assert_eq(fcntl(fds[0], F_SETFL, O_NONBLOCK), 0);
}

/* The whole file, NUL-terminated, in a buffer the caller frees. */
static char *file_text(int fd, size_t *len)
{
	char *buf = malloc(TEXT_CAP + 1);
	size_t n = 0;
	ssize_t r;
	while (n < TEXT_CAP && (r = pread(fd, buf + n, TEXT_CAP - n, (off_t)n)) > 0)
		n += (size_t)r;
	buf[n] = '\0';
	if (len != NULL)
		*len = n;
	return buf;
}

/* Whatever is waiting in a pipe, NUL-terminated; the caller frees. */
static char *pipe_text(int fd, size_t *len)
{
	char *buf = malloc(TEXT_CAP + 1);
	size_t n = 0;
	ssize_t r;
	while (n < TEXT_CAP && (r = read(fd, buf + n, TEXT_CAP - n)) > 0)
		n += (size_t)r;
	buf[n] = '\0';
	if (len != NULL)
		*len = n;
	return buf;
}

static size_t count_char(const char *s, char c)
{
	size_t n = 0;
	for (; *s != '\0'; s++)
		n += *s == c;
	return n;
}

static size_t count_str(const char *s, const char *needle)
{
	size_t n = 0;
	for (const char *p = s; (p = strstr(p, needle)) != NULL; p += strlen(needle))
		n++;
	return n;
}

static bool matches(const char *pattern, const char *s)
{
	regex_t re;
	cr_assert_eq(regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB), 0);
	bool ok = regexec(&re, s, 0, NULL, 0) == 0;
	regfree(&re);
	return ok;
}

/* Line `index` (0-based) of `text`, without its newline, in `out`. */
static const char *nth_line(const char *text, size_t index, char *out, size_t cap)
{
	const char *p = text;
	for (size_t i = 0; i < index && p != NULL; i++)
		p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL;
	cr_assert_not_null(p, "no line %zu", index);
	const char *end = strchr(p, '\n');
	size_t len = end ? (size_t)(end - p) : strlen(p);
	cr_assert_lt(len, cap);
	memcpy(out, p, len);
	out[len] = '\0';
	return out;
}

static size_t expect_json_lines(const char *text);

static struct logger *make_logger(int log_fd, int stderr_fd, size_t ring_lines)
{
	struct logger_config cfg = {
	        .log_fd = log_fd,
	        .stderr_fd = stderr_fd,
	        .generation = 3,
	        .min_level = IPC_LOG_DEBUG,
	        .stderr_level = IPC_LOG_WARNING,
	        .ring_lines = ring_lines,
	};
	struct logger *lg = NULL;
	cr_assert_eq(logger_create(&lg, &cfg), 0);
	return lg;
}

static struct logger_stats stats_of(const struct logger *lg)
{
	struct logger_stats s;
	logger_get_stats(lg, &s);
	return s;
}

/* The newest record in the ring. */
static struct logger_record newest(const struct logger *lg)
{
	struct logger_record r;
	uint64_t seq = logger_ring_newest(lg);
	cr_assert_gt(seq, 0, "the ring is empty");
	cr_assert(logger_ring_next(lg, seq - 1, IPC_LOG_DEBUG, &r));
	return r;
}

/* Logs `len` raw bytes and returns the escaped message, NUL-terminated,
 * in a static buffer. */
static const char *escaped(struct logger *lg, const void *bytes, size_t len)
{
	static char out[LOGGER_LINE_MAX + 1];
	logger_log(lg, IPC_LOG_INFO, bytes, len);
	struct logger_record r = newest(lg);
	memcpy(out, r.message, r.message_length);
	out[r.message_length] = '\0';
	return out;
}

#define ESCAPES_TO(lg, literal, expected)                                                          \
	cr_expect_str_eq(escaped(lg, literal, sizeof(literal) - 1), expected, "escaping %s",       \
	                 #literal)

/* ---- The line format ---------------------------------------------------------- */

Test(format, one_line_with_timestamp_level_origin_message)
{
	int fd = temp_file();
	struct logger *lg = make_logger(fd, -1, 16);
	logger_logf(lg, IPC_LOG_INFO, "hello %s %d", "world", 42);
	size_t len;
	char *text = file_text(fd, &len);
	cr_expect(matches(LINE_RE "hello world 42\n$", text), "line: %s", text);
	cr_expect(matches("^.{27} INFO child\\[3\\] hello", text), "line: %s", text);
	cr_expect_eq(count_char(text, '\n'), 1);
	struct logger_record r = newest(lg);
	cr_expect_eq(r.length, len - 1, "the ring holds the line without its newline");
	cr_expect_eq(memcmp(r.line, text, r.length), 0);
	cr_expect_eq(r.seq, 1);
	cr_expect_eq(r.level, IPC_LOG_INFO);
	cr_expect(!r.from_parent);
	cr_expect_eq(r.generation, 3);
	free(text);
	logger_destroy(lg);
	close(fd);
}

Test(format, every_level_name)
{
	static const char *const names[] = {"DEBUG", "INFO", "NOTICE", "WARNING", "ERROR", "CRIT"};
	int fd = temp_file();
	struct logger *lg = make_logger(fd, -1, 16);
	for (int level = IPC_LOG_DEBUG; level <= IPC_LOG_MAX; level++)
		logger_logf(lg, (enum ipc_log_level)level, "at %d", level);
	char *text = file_text(fd, NULL), line[LOGGER_LINE_MAX + 1], want[64];
	for (int level = IPC_LOG_DEBUG; level <= IPC_LOG_MAX; level++) {
		nth_line(text, (size_t)level, line, sizeof(line));
		cr_expect(matches(LINE_RE, line), "line: %s", line);
		snprintf(want, sizeof(want), " %s child[3] at %d", names[level], level);
		cr_expect_str_eq(line + 27, want);
	}
	free(text);
	logger_destroy(lg);
	close(fd);
}

Test(format, out_of_range_level_is_crit)
{
	struct logger *lg = make_logger(-1, -1, 16);
	logger_logf(lg, (enum ipc_log_level)42, "bad level");
	struct logger_record r = newest(lg);
	cr_expect_eq(r.level, IPC_LOG_CRIT);
	cr_expect(strstr(r.line, " CRIT child[3] bad level") != NULL);
	logger_destroy(lg);
}

Test(format, origin_generation_extremes)
{
	struct logger_config cfg = {.log_fd = -1, .stderr_fd = -1, .ring_lines = 4};
	struct logger *lg;
	cr_assert_eq(logger_create(&lg, &cfg), 0);
	logger_logf(lg, IPC_LOG_INFO, "x");
	cr_expect(strstr(newest(lg).line, " INFO child[0] x") != NULL);
	logger_destroy(lg);
	cfg.generation = UINT32_MAX;
	cr_assert_eq(logger_create(&lg, &cfg), 0);
	logger_logf(lg, IPC_LOG_INFO, "x");
	cr_expect(strstr(newest(lg).line, " INFO child[4294967295] x") != NULL);
	logger_destroy(lg);
}

static void parent_record(struct logger *lg, uint64_t time_ns, uint8_t level, const char *text)
{
	struct ipc_log rec = {.time_ns = time_ns, .level = level};
	rec.text_length = (uint16_t)strlen(text);
	memcpy(rec.text, text, rec.text_length);
	logger_log_parent(lg, &rec);
}

static const char *timestamp_of(const struct logger *lg)
{
	static char ts[28];
	memcpy(ts, newest(lg).line, 27);
	ts[27] = '\0';
	return ts;
}

Test(format, timestamp_known_values)
{
	static const struct {
		uint64_t ns;
		const char *want;
	} cases[] = {
	        {0, "1970-01-01T00:00:00.000000Z"},
	        {999, "1970-01-01T00:00:00.000000Z"}, /* nanoseconds are cut, not rounded */
	        {1000, "1970-01-01T00:00:00.000001Z"},
	        {86399999999999ull, "1970-01-01T23:59:59.999999Z"},
	        {68255999000000000ull, "1972-02-29T23:59:59.000000Z"},
	        {951782400123456789ull, "2000-02-29T00:00:00.123456Z"},
	        {1795880761123456000ull, "2026-11-28T15:46:01.123456Z"},
	        {4107542399000000000ull, "2100-02-28T23:59:59.000000Z"},
	        {4107542400000000000ull, "2100-03-01T00:00:00.000000Z"}, /* 2100 is no leap year */
	        {13574563200000000000ull, "2400-02-29T00:00:00.000000Z"},
	        {UINT64_MAX, "2554-07-21T23:34:33.709551Z"},
	};
	struct logger *lg = make_logger(-1, -1, 4);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		parent_record(lg, cases[i].ns, IPC_LOG_INFO, "t");
		cr_expect_str_eq(timestamp_of(lg), cases[i].want, "time_ns %llu",
		                 (unsigned long long)cases[i].ns);
	}
	logger_destroy(lg);
}

/* The hand-written calendar against libc's, over the whole uint64_t range. */
Test(format, timestamp_matches_gmtime)
{
	struct logger *lg = make_logger(-1, -1, 4);
	uint64_t x = 0x9e3779b97f4a7c15ull;
	for (int i = 0; i < 20000; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17; /* xorshift64 */
		uint64_t ns =
		        i % 2 ? x : x % (4102444800ull * 1000000000ull); /* also before 2100 */
		parent_record(lg, ns, IPC_LOG_INFO, "t");
		time_t sec = (time_t)(ns / 1000000000u);
		struct tm tm;
		cr_assert_not_null(gmtime_r(&sec, &tm));
		char want[64];
		snprintf(want, sizeof(want), "%04d-%02d-%02dT%02d:%02d:%02d.%06uZ",
		         tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
		         tm.tm_sec, (unsigned)(ns % 1000000000u / 1000));
		cr_assert_str_eq(timestamp_of(lg), want, "time_ns %llu", (unsigned long long)ns);
	}
	logger_destroy(lg);
}

Test(format, own_records_are_stamped_now)
{
	struct logger *lg = make_logger(-1, -1, 4);
	struct timespec before, after;
	clock_gettime(CLOCK_REALTIME, &before);
	logger_logf(lg, IPC_LOG_INFO, "now");
	clock_gettime(CLOCK_REALTIME, &after);
	struct logger_record r = newest(lg);
	uint64_t lo = (uint64_t)before.tv_sec * 1000000000u + (uint64_t)before.tv_nsec;
	uint64_t hi = (uint64_t)after.tv_sec * 1000000000u + (uint64_t)after.tv_nsec;
	cr_expect(r.time_ns >= lo && r.time_ns <= hi);
	struct tm tm;
	time_t sec = (time_t)(r.time_ns / 1000000000u);
	gmtime_r(&sec, &tm);
	char want[32];
	strftime(want, sizeof(want), "%Y-%m-%dT%H:%M:%S", &tm);
	cr_expect_eq(strncmp(r.line, want, strlen(want)), 0, "%s vs %s", r.line, want);
	logger_destroy(lg);
}

/* ---- Escaping --------------------------------------------------------------- */

Test(escape, every_control_character)
{
	struct logger *lg = make_logger(-1, -1, 4);
	for (unsigned b = 0; b < 0x80; b++) {
		if (b >= 0x20 && b < 0x7f)
			continue;
		const char in[3] = {'a', (char)b, 'z'};
		char want[16];
		if (b == '\n' || b == '\r' || b == '\t')
			snprintf(want, sizeof(want), "a\\%cz",
			         b == '\n'   ? 'n'
			         : b == '\r' ? 'r'
			                     : 't');
		else
			snprintf(want, sizeof(want), "a\\x%02xz", b);
		cr_expect_str_eq(escaped(lg, in, 3), want, "byte 0x%02x", b);
	}
	logger_destroy(lg);
}

Test(escape, printable_ascii_passes_and_backslash_doubles)
{
	struct logger *lg = make_logger(-1, -1, 4);
	char in[95 + 1], want[96 + 1];
	size_t n = 0;
	for (unsigned b = 0x20; b < 0x7f; b++) {
		in[b - 0x20] = (char)b;
		want[n++] = (char)b;
		if (b == '\\')
			want[n++] = '\\';
	}
	want[n] = '\0';
	cr_expect_str_eq(escaped(lg, in, 95), want);
	ESCAPES_TO(lg, "C:\\x1b\\n", "C:\\\\x1b\\\\n"); /* a literal "\x1b" cannot pass for ESC */
	logger_destroy(lg);
}

Test(escape, valid_utf8_passes)
{
	struct logger *lg = make_logger(-1, -1, 4);
	ESCAPES_TO(lg, "caf\xc3\xa9", "caf\xc3\xa9");   /* é */
	ESCAPES_TO(lg, "\xc2\xa0", "\xc2\xa0");         /* U+00A0, after C1 */
	ESCAPES_TO(lg, "\xdf\xbf", "\xdf\xbf");         /* U+07FF */
	ESCAPES_TO(lg, "\xe0\xa0\x80", "\xe0\xa0\x80"); /* U+0800 */
	ESCAPES_TO(lg, "\xe2\x82\xac", "\xe2\x82\xac"); /* € */
	ESCAPES_TO(lg, "\xe6\x97\xa5\xe6\x9c\xac", "\xe6\x97\xa5\xe6\x9c\xac"); /* 日本 */
	ESCAPES_TO(lg, "\xed\x9f\xbf", "\xed\x9f\xbf");                         /* U+D7FF */
	ESCAPES_TO(lg, "\xee\x80\x80", "\xee\x80\x80");                         /* U+E000 */
	ESCAPES_TO(lg, "\xef\xbf\xbf", "\xef\xbf\xbf");                         /* U+FFFF */
	ESCAPES_TO(lg, "\xf0\x90\x80\x80", "\xf0\x90\x80\x80");                 /* U+10000 */
	ESCAPES_TO(lg, "\xf0\x9d\x84\x9e", "\xf0\x9d\x84\x9e");                 /* 𝄞 */
	ESCAPES_TO(lg, "\xf4\x8f\xbf\xbf", "\xf4\x8f\xbf\xbf");                 /* U+10FFFF */
	logger_destroy(lg);
}

Test(escape, c1_controls_are_escaped)
{
	struct logger *lg = make_logger(-1, -1, 4);
	ESCAPES_TO(lg, "\xc2\x80", "\\xc2\\x80");
	ESCAPES_TO(lg,
	           "[\xc2\x9b"
	           "31m",
	           "[\\xc2\\x9b31m"); /* CSI */
	ESCAPES_TO(lg, "\xc2\x9f", "\\xc2\\x9f");
	logger_destroy(lg);
}

Test(escape, invalid_utf8_is_escaped_byte_by_byte)
{
	struct logger *lg = make_logger(-1, -1, 4);
	/* overlong forms */
	ESCAPES_TO(lg, "\xc0\x80", "\\xc0\\x80");
	ESCAPES_TO(lg, "\xc1\xbf", "\\xc1\\xbf");
	ESCAPES_TO(lg, "\xe0\x80\x80", "\\xe0\\x80\\x80");
	ESCAPES_TO(lg, "\xe0\x9f\xbf", "\\xe0\\x9f\\xbf");
	ESCAPES_TO(lg, "\xf0\x80\x80\x80", "\\xf0\\x80\\x80\\x80");
	ESCAPES_TO(lg, "\xf0\x8f\xbf\xbf", "\\xf0\\x8f\\xbf\\xbf");
	/* UTF-16 surrogates */
	ESCAPES_TO(lg, "\xed\xa0\x80", "\\xed\\xa0\\x80");
	ESCAPES_TO(lg, "\xed\xbf\xbf", "\\xed\\xbf\\xbf");
	/* above U+10FFFF, and bytes that never occur */
	ESCAPES_TO(lg, "\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80");
	ESCAPES_TO(lg, "\xf5\x80\x80\x80", "\\xf5\\x80\\x80\\x80");
	ESCAPES_TO(lg, "\xff", "\\xff");
	ESCAPES_TO(lg, "\xfe\xff", "\\xfe\\xff");
	/* lone continuation bytes */
	ESCAPES_TO(lg, "\x80", "\\x80");
	ESCAPES_TO(lg,
	           "a\xbf"
	           "b",
	           "a\\xbfb");
	/* truncated sequences: at the end, and followed by ASCII or a valid one */
	ESCAPES_TO(lg, "\xe2\x82", "\\xe2\\x82");
	ESCAPES_TO(lg,
	           "\xe2\x82"
	           "A",
	           "\\xe2\\x82A");
	ESCAPES_TO(lg, "\xf0\x9f\x98", "\\xf0\\x9f\\x98");
	ESCAPES_TO(lg, "\xc3\xc3\xa9", "\\xc3\xc3\xa9");
	ESCAPES_TO(lg, "\xe2\x82\n", "\\xe2\\x82\\n");
	logger_destroy(lg);
}

Test(escape, nul_in_raw_bytes)
{
	struct logger *lg = make_logger(-1, -1, 4);
	ESCAPES_TO(lg, "a\0b", "a\\x00b");
	logger_destroy(lg);
}

/* ---- Bounded lines --------------------------------------------------------- */

static const size_t MARKER_LEN = sizeof(LOGGER_TRUNCATED_MARKER) - 1;

/* Room for the message in a line of origin child[3] at INFO. */
static size_t message_room(void)
{
	return LOGGER_LINE_MAX - 1 - strlen("2026-11-28T15:46:01.123456Z INFO child[3] ");
}

Test(truncate, long_message_ends_with_marker_at_the_bound)
{
	int fd = temp_file();
	struct logger *lg = make_logger(fd, -1, 4);
	static char big[5000];
	memset(big, 'a', sizeof(big));
	logger_log(lg, IPC_LOG_INFO, big, sizeof(big));
	size_t len;
	char *text = file_text(fd, &len);
	cr_expect_eq(len, LOGGER_LINE_MAX, "the line is exactly the bound, newline included");
	cr_expect_eq(count_char(text, '\n'), 1);
	cr_expect(matches(LINE_RE "a+\\.\\.\\.\\[truncated\\]\n$", text));
	struct logger_record r = newest(lg);
	cr_expect(r.truncated);
	cr_expect_eq(stats_of(lg).truncated, 1);
	free(text);
	logger_destroy(lg);
	close(fd);
}

Test(truncate, exact_fit_is_not_truncated)
{
	struct logger *lg = make_logger(-1, -1, 4);
	static char big[LOGGER_LINE_MAX];
	memset(big, 'b', sizeof(big));
	size_t room = message_room();
	logger_log(lg, IPC_LOG_INFO, big, room);
	struct logger_record r = newest(lg);
	cr_expect(!r.truncated);
	cr_expect_eq(r.length, LOGGER_LINE_MAX - 1);
	cr_expect_eq(r.message_length, room);
	logger_log(lg, IPC_LOG_INFO, big, room + 1);
	r = newest(lg);
	cr_expect(r.truncated);
	cr_expect_eq(r.length, LOGGER_LINE_MAX - 1);
	cr_expect_eq(r.message_length, room);
	cr_expect_eq(memcmp(r.message + room - MARKER_LEN, LOGGER_TRUNCATED_MARKER, MARKER_LEN), 0);
	logger_destroy(lg);
}

/* What precedes the marker is whole units: characters and escapes. */
static void expect_cut_at_unit(struct logger *lg, const char *unit, const char *escaped_unit)
{
	static char big[8000];
	size_t ulen = strlen(unit), elen = strlen(escaped_unit), n = 0;
	while (n + ulen <= sizeof(big)) {
		memcpy(big + n, unit, ulen);
		n += ulen;
	}
	logger_log(lg, IPC_LOG_INFO, big, n);
	struct logger_record r = newest(lg);
	cr_assert(r.truncated);
	cr_expect_leq(r.length, LOGGER_LINE_MAX - 1);
	size_t body = r.message_length - MARKER_LEN;
	cr_expect_eq(body % elen, 0, "cut inside a unit: %zu %% %zu", body, elen);
	cr_expect_gt(body + elen + MARKER_LEN, message_room(), "cut earlier than it had to");
	for (size_t i = 0; i + elen <= body; i += elen)
		cr_assert_eq(memcmp(r.message + i, escaped_unit, elen), 0, "at %zu", i);
	cr_expect_eq(memcmp(r.message + body, LOGGER_TRUNCATED_MARKER, MARKER_LEN), 0);
}

Test(truncate, never_splits_a_character_or_an_escape)
{
	struct logger *lg = make_logger(-1, -1, 4);
	expect_cut_at_unit(lg, "\xe2\x82\xac", "\xe2\x82\xac");
	expect_cut_at_unit(lg, "\xf0\x9d\x84\x9e", "\xf0\x9d\x84\x9e");
	expect_cut_at_unit(lg, "\x01", "\\x01");
	expect_cut_at_unit(lg, "\xc2\x9b", "\\xc2\\x9b");
	expect_cut_at_unit(lg, "\n", "\\n");
	expect_cut_at_unit(lg, "\xff", "\\xff");
	logger_destroy(lg);
}

Test(truncate, printf_longer_than_the_buffer)
{
	int fd = temp_file();
	struct logger *lg = make_logger(fd, -1, 4);
	char *big = malloc(100001);
	memset(big, 'c', 100000);
	big[100000] = '\0';
	logger_logf(lg, IPC_LOG_INFO, "start %s end", big);
	size_t len;
	char *text = file_text(fd, &len);
	cr_expect_eq(len, LOGGER_LINE_MAX);
	cr_expect(matches(LINE_RE "start c+\\.\\.\\.\\[truncated\\]\n$", text));
	free(text);
	free(big);
	logger_destroy(lg);
	close(fd);
}

Test(truncate, format_error_logs_the_format)
{
	struct logger *lg = make_logger(-1, -1, 4);
	/* In the C locale a wide character above 0x7f cannot be converted:
	 * vsnprintf fails with EILSEQ. */
	logger_logf(lg, IPC_LOG_INFO, "wide %ls", L"\x263a");
	struct logger_record r = newest(lg);
	cr_expect(strstr(r.message, "wide %ls" LOGGER_TRUNCATED_MARKER) == r.message, "%s",
	          r.message);
	logger_destroy(lg);
}

/* ---- Which descriptor gets what --------------------------------------------- */

Test(sinks, warning_and_above_also_go_to_stderr)
{
	int fd = temp_file(), err[2];
	make_pipe(err);
	struct logger *lg = make_logger(fd, err[1], 16);
	for (int level = IPC_LOG_DEBUG; level <= IPC_LOG_MAX; level++)
		logger_logf(lg, (enum ipc_log_level)level, "level %d", level);
	char *file = file_text(fd, NULL), *errs = pipe_text(err[0], NULL);
	cr_expect_eq(count_char(file, '\n'), 6);
	cr_expect_eq(count_char(errs, '\n'), 3);
	const char *warn = strstr(file, "WARNING");
	cr_assert_not_null(warn);
	cr_expect_str_eq(errs, warn - 28, "stderr has the same lines, from WARNING on");
	struct logger_stats s = stats_of(lg);
	cr_expect_eq(s.stderr_lines, 3);
	cr_expect_eq(s.stderr_bytes, strlen(errs));
	cr_expect_eq(s.bytes, strlen(file));
	free(file);
	free(errs);
	logger_destroy(lg);
	close(fd);
	close(err[0]);
	close(err[1]);
}

Test(sinks, warning_is_synced_to_a_regular_file)
{
	char path[] = "/tmp/warden-logger-XXXXXX";
	int fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	struct logger *lg = make_logger(fd, -1, 4);
	logger_logf(lg, IPC_LOG_WARNING, "disk is %d%% full", 95);
	/* A reader opening the file afresh sees the line. (fsync itself cannot
	 * be observed from here; that it is the only extra call is checked
	 * under seccomp below.) */
	int again = open(path, O_RDONLY);
	char *text = file_text(again, NULL);
	cr_expect(matches(LINE_RE "disk is 95% full\n$", text), "%s", text);
	struct logger_stats s = stats_of(lg);
	cr_expect(!s.fsync_unsupported);
	cr_expect_eq(s.fsync_errors, 0);
	cr_expect_eq(s.write_errors, 0);
	free(text);
	close(again);
	unlink(path);
	logger_destroy(lg);
	close(fd);
}

/* Decision: fsync on a pipe fails with EINVAL, which means "nothing to
 * sync", not a lost line: not a write error; the logger stops asking. */
Test(sinks, fsync_on_a_pipe_is_not_an_error)
{
	int log[2];
	make_pipe(log);
	struct logger *lg = make_logger(log[1], -1, 4);
	logger_logf(lg, IPC_LOG_ERROR, "one");
	logger_logf(lg, IPC_LOG_CRIT, "two");
	char *text = pipe_text(log[0], NULL);
	cr_expect_eq(count_char(text, '\n'), 2);
	struct logger_stats s = stats_of(lg);
	cr_expect(s.fsync_unsupported);
	cr_expect_eq(s.write_errors, 0);
	cr_expect_eq(s.fsync_errors, 0);
	cr_expect_eq(s.lines_written, 2);
	free(text);
	logger_destroy(lg);
	close(log[0]);
	close(log[1]);
}

Test(sinks, minimum_level)
{
	int fd = temp_file();
	struct logger_config cfg = {
	        .log_fd = fd, .stderr_fd = -1, .min_level = IPC_LOG_NOTICE, .ring_lines = 16};
	struct logger *lg;
	cr_assert_eq(logger_create(&lg, &cfg), 0);
	logger_logf(lg, IPC_LOG_DEBUG, "no");
	logger_logf(lg, IPC_LOG_INFO, "no");
	logger_logf(lg, IPC_LOG_NOTICE, "yes");
	struct ipc_log rec = {.level = IPC_LOG_INFO, .text_length = 2, .text = "no"};
	logger_log_parent(lg, &rec);
	cr_expect_eq(logger_min_level(lg), IPC_LOG_NOTICE);
	logger_set_min_level(lg, IPC_LOG_DEBUG);
	logger_logf(lg, IPC_LOG_DEBUG, "yes");
	char *text = file_text(fd, NULL);
	cr_expect_eq(count_char(text, '\n'), 2);
	cr_expect_null(strstr(text, " no"));
	struct logger_stats s = stats_of(lg);
	cr_expect_eq(s.filtered, 3);
	cr_expect_eq(s.lines, 2);
	cr_expect_eq(logger_ring_newest(lg), 2, "dropped records take no sequence number");
	free(text);
	logger_destroy(lg);
	close(fd);
}

Test(sinks, same_descriptor_written_once)
{
	int fd = temp_file();
	struct logger *lg = make_logger(fd, fd, 4);
	logger_logf(lg, IPC_LOG_ERROR, "once");
	char *text = file_text(fd, NULL);
	cr_expect_eq(count_char(text, '\n'), 1);
	free(text);
	logger_destroy(lg);
	close(fd);
}

Test(sinks, without_a_log_file)
{
	int err[2];
	make_pipe(err);
	struct logger *lg = make_logger(-1, err[1], 4);
	logger_logf(lg, IPC_LOG_INFO, "ring only");
	logger_logf(lg, IPC_LOG_WARNING, "ring and stderr");
	char *errs = pipe_text(err[0], NULL);
	cr_expect(matches(LINE_RE "ring and stderr\n$", errs), "%s", errs);
	cr_expect_eq(logger_ring_newest(lg), 2);
	cr_expect_eq(stats_of(lg).write_errors, 0);
	free(errs);
	logger_destroy(lg);
	close(err[0]);
	close(err[1]);
}

/* ---- Write failures ----------------------------------------------------------- */

Test(errors, enospc_is_counted_reported_once_and_logging_goes_on)
{
	int full = open("/dev/full", O_WRONLY | O_CLOEXEC), err[2];
	cr_assert_geq(full, 0);
	make_pipe(err);
	struct logger *lg = make_logger(full, err[1], 256);
	for (int i = 0; i < 100; i++)
		logger_logf(lg, IPC_LOG_INFO, "line %d", i);
	logger_logf(lg, IPC_LOG_WARNING, "still here");
	struct logger_stats s = stats_of(lg);
	cr_expect_eq(s.write_errors, 101);
	cr_expect_eq(s.write_errors_by_class[LOGGER_ERR_NOSPC], 101);
	cr_expect_eq(s.last_errno, ENOSPC);
	cr_expect_eq(s.lines_written, 0);
	cr_expect_eq(s.bytes, 0);
	cr_expect_eq(s.lines, 102, "101 records and one failure note");
	cr_expect_eq(s.lines_by_level[IPC_LOG_ERROR], 1);
	char *errs = pipe_text(err[0], NULL);
	cr_expect_eq(count_str(errs, "log file write failed: ENOSPC (No space left on device)"), 1,
	             "rate-limited to one note: %s", errs);
	cr_expect(strstr(errs, "WARNING child[3] still here\n") != NULL);
	cr_expect(matches(LINE_RE "log file write failed", errs));
	/* The ring has everything, the note included. */
	struct logger_record r;
	cr_expect(logger_ring_next(lg, 0, IPC_LOG_ERROR, &r));
	cr_expect(strstr(r.message, "ENOSPC") != NULL);
	cr_expect_eq(logger_ring_newest(lg), 102);
	cr_expect_str_eq(logger_error_class_name(LOGGER_ERR_NOSPC), "nospc");
	free(errs);
	logger_destroy(lg);
	close(full);
	close(err[0]);
	close(err[1]);
}

Test(errors, ebadf_for_a_read_only_or_closed_descriptor)
{
	int ro = open("/dev/null", O_RDONLY | O_CLOEXEC);
	int closed = dup(ro);
	close(closed);
	struct logger *lg = make_logger(ro, -1, 4);
	logger_logf(lg, IPC_LOG_INFO, "a");
	logger_logf(lg, IPC_LOG_CRIT, "b");
	struct logger_stats s = stats_of(lg);
	cr_expect_eq(s.write_errors, 2);
	cr_expect_eq(s.write_errors_by_class[LOGGER_ERR_BADF], 2);
	cr_expect_eq(s.last_errno, EBADF);
	cr_expect_eq(s.fsync_errors, 0, "no fsync after a failed write");
	logger_destroy(lg);
	lg = make_logger(closed, -1, 4);
	logger_logf(lg, IPC_LOG_NOTICE, "c");
	s = stats_of(lg);
	cr_expect_eq(s.write_errors_by_class[LOGGER_ERR_BADF], 1);
	cr_expect_eq(s.lines, 2, "the record and its note");
	logger_destroy(lg);
	close(ro);
}

Test(errors, eagain_on_a_full_nonblocking_pipe_does_not_block)
{
	int log[2];
	make_pipe(log);
	cr_assert_eq(fcntl(log[1], F_SETFL, O_NONBLOCK), 0);
	struct logger *lg = make_logger(log[1], -1, 4);
	static char kb[1000];
	memset(kb, 'k', sizeof(kb));
	for (int i = 0; i < 200; i++)
		logger_log(lg, IPC_LOG_INFO, kb, sizeof(kb));
	struct logger_stats s = stats_of(lg);
	cr_expect_gt(s.write_errors_by_class[LOGGER_ERR_AGAIN], 0);
	cr_expect_eq(s.lines_written + s.write_errors, 200);
	logger_destroy(lg);
	close(log[0]);
	close(log[1]);
}

Test(errors, stderr_failures_are_counted_apart)
{
	int fd = temp_file(), full = open("/dev/full", O_WRONLY | O_CLOEXEC);
	struct logger *lg = make_logger(fd, full, 4);
	logger_logf(lg, IPC_LOG_ERROR, "x");
	logger_logf(lg, IPC_LOG_ERROR, "y");
	struct logger_stats s = stats_of(lg);
	cr_expect_eq(s.stderr_errors, 2);
	cr_expect_eq(s.write_errors, 0);
	cr_expect_eq(s.lines_written, 2);
	logger_destroy(lg);
	close(fd);
	close(full);
}

/* A write cut short by the file size limit leaves a fragment; the next line
 * must not be glued to it, and once writes work again the file says how
 * many lines it lacks. */
Test(errors, short_write_then_recovery)
{
	cr_assert_neq(signal(SIGXFSZ, SIG_IGN), SIG_ERR);
	struct rlimit old;
	cr_assert_eq(getrlimit(RLIMIT_FSIZE, &old), 0);
	int fd = temp_file(), err[2];
	make_pipe(err);
	struct logger *lg = make_logger(fd, err[1], 16);
	logger_logf(lg, IPC_LOG_INFO, "line A");
	uint64_t line = stats_of(lg).bytes;
	struct rlimit small = {.rlim_cur = line * 2 + line / 2, .rlim_max = old.rlim_max};
	cr_assert_eq(setrlimit(RLIMIT_FSIZE, &small), 0);
	logger_logf(lg, IPC_LOG_INFO, "line B");
	logger_logf(lg, IPC_LOG_INFO, "line C"); /* half of it fits */
	logger_logf(lg, IPC_LOG_INFO, "line D"); /* none of it */
	struct logger_stats s = stats_of(lg);
	cr_expect_eq(s.write_errors, 2);
	cr_expect_eq(s.write_errors_by_class[LOGGER_ERR_NOSPC], 2, "EFBIG counts as no space");
	cr_assert_eq(setrlimit(RLIMIT_FSIZE, &old), 0);
	logger_logf(lg, IPC_LOG_INFO, "line E");
	char *text = file_text(fd, NULL), l[LOGGER_LINE_MAX + 1];
	cr_expect_eq(count_char(text, '\n'), 5, "%s", text);
	cr_expect(matches(LINE_RE "line A$", nth_line(text, 0, l, sizeof(l))));
	cr_expect(matches(LINE_RE "line B$", nth_line(text, 1, l, sizeof(l))));
	cr_expect_eq(strlen(nth_line(text, 2, l, sizeof(l))), line / 2, "the fragment of C");
	cr_expect(matches(LINE_RE "line E$", nth_line(text, 3, l, sizeof(l))), "%s", l);
	cr_expect(matches(LINE_RE "2 earlier lines could not be written to this log file "
	                          "\\(last error: EFBIG\\)$",
	                  nth_line(text, 4, l, sizeof(l))),
	          "%s", l);
	char *errs = pipe_text(err[0], NULL);
	cr_expect(strstr(errs, "ERROR child[3] log file write failed: EFBIG") != NULL, "%s", errs);
	cr_expect(strstr(errs, "WARNING child[3] 2 earlier lines") != NULL, "%s", errs);
	free(text);
	free(errs);
	logger_destroy(lg);
	close(fd);
	close(err[0]);
	close(err[1]);
}

/* ---- The ring --------------------------------------------------------------- */

Test(ring, walks_every_line_in_order)
{
	int fd = temp_file();
	struct logger *lg = make_logger(fd, -1, 16);
	for (int i = 1; i <= 10; i++)
		logger_logf(lg, IPC_LOG_INFO, "number %d", i);
	char *text = file_text(fd, NULL), l[LOGGER_LINE_MAX + 1], want[32];
	struct logger_record r;
	uint64_t after = 0;
	for (int i = 1; i <= 10; i++) {
		cr_assert(logger_ring_next(lg, after, IPC_LOG_DEBUG, &r));
		cr_expect_eq(r.seq, (uint64_t)i);
		nth_line(text, (size_t)i - 1, l, sizeof(l));
		cr_expect_eq(r.length, strlen(l));
		cr_expect_eq(memcmp(r.line, l, r.length), 0);
		snprintf(want, sizeof(want), "number %d", i);
		cr_expect_eq(r.message_length, strlen(want));
		cr_expect_eq(memcmp(r.message, want, r.message_length), 0);
		after = r.seq;
	}
	cr_expect(!logger_ring_next(lg, after, IPC_LOG_DEBUG, &r));
	cr_expect_eq(logger_ring_oldest(lg), 1);
	cr_expect_eq(logger_ring_newest(lg), 10);
	free(text);
	logger_destroy(lg);
	close(fd);
}

Test(ring, wraps_around_by_line_count)
{
	struct logger *lg = make_logger(-1, -1, 16);
	struct logger_record r;
	cr_expect(!logger_ring_next(lg, 0, IPC_LOG_DEBUG, &r), "empty");
	cr_expect_eq(logger_ring_oldest(lg), 0);
	cr_expect_eq(logger_ring_newest(lg), 0);
	for (int i = 1; i <= 100; i++)
		logger_logf(lg, IPC_LOG_INFO, "n%d", i);
	cr_expect_eq(logger_ring_oldest(lg), 85);
	cr_expect_eq(logger_ring_newest(lg), 100);
	cr_assert(logger_ring_next(lg, 0, IPC_LOG_DEBUG, &r));
	cr_expect_eq(r.seq, 85, "a client too far behind resumes at the oldest line");
	cr_assert(logger_ring_next(lg, 90, IPC_LOG_DEBUG, &r));
	cr_expect_eq(r.seq, 91);
	cr_expect_eq(memcmp(r.message, "n91", 3), 0);
	cr_expect(!logger_ring_next(lg, 100, IPC_LOG_DEBUG, &r));
	cr_expect(!logger_ring_next(lg, 5000, IPC_LOG_DEBUG, &r), "an id from the future");
	cr_expect(!logger_ring_next(lg, UINT64_MAX, IPC_LOG_DEBUG, &r));
	logger_destroy(lg);
}

/* Lines of random lengths through a small byte budget: after every record,
 * every line the ring still holds is intact, and the newest always is. */
Test(ring, wraps_around_by_bytes_without_corruption)
{
	struct logger_config cfg = {
	        .log_fd = -1, .stderr_fd = -1, .ring_lines = 1000, .ring_bytes = 6000};
	struct logger *lg;
	cr_assert_eq(logger_create(&lg, &cfg), 0);
	static char body[LOGGER_LINE_MAX];
	uint32_t x = 12345;
	for (int i = 1; i <= 3000; i++) {
		x = x * 1103515245u + 12345u;
		int len = (int)(x >> 8) % 1900;
		memset(body, 'a' + i % 26, sizeof(body));
		logger_logf(lg, IPC_LOG_INFO, "%d %.*s", i, len, body);
		struct logger_record r;
		size_t bytes = 0;
		for (uint64_t after = 0; logger_ring_next(lg, after, IPC_LOG_DEBUG, &r);
		     after = r.seq) {
			int n = atoi(r.message);
			cr_assert_eq((uint64_t)n, r.seq, "line %d holds %.20s", i, r.message);
			bool intact = true;
			for (size_t k = strcspn(r.message, " ") + 1; k < r.message_length; k++)
				intact &= r.message[k] == 'a' + n % 26;
			cr_assert(intact, "line %d corrupted", n);
			bytes += r.length;
		}
		cr_assert_leq(bytes, 6000);
		cr_assert_eq(logger_ring_newest(lg), (uint64_t)i);
	}
	logger_destroy(lg);
}

Test(ring, level_filter)
{
	struct logger *lg = make_logger(-1, -1, 64);
	for (int i = 0; i < 30; i++)
		logger_logf(lg, (enum ipc_log_level)(i % 6), "i%d", i);
	struct logger_record r;
	int seen = 0;
	uint64_t last = 0;
	for (uint64_t after = 0; logger_ring_next(lg, after, IPC_LOG_WARNING, &r); after = r.seq) {
		cr_expect_geq(r.level, IPC_LOG_WARNING);
		cr_expect_gt(r.seq, last);
		cr_expect_eq(r.level, (r.seq - 1) % 6);
		last = r.seq;
		seen++;
	}
	cr_expect_eq(seen, 15);
	cr_assert(logger_ring_next(lg, 0, IPC_LOG_CRIT, &r));
	cr_expect_eq(r.seq, 6);
	logger_destroy(lg);
}

Test(ring, disabled)
{
	struct logger *lg = make_logger(-1, -1, 0);
	logger_logf(lg, IPC_LOG_INFO, "nowhere");
	struct logger_record r;
	cr_expect(!logger_ring_next(lg, 0, IPC_LOG_DEBUG, &r));
	cr_expect_eq(logger_ring_newest(lg), 0);
	cr_expect_eq(stats_of(lg).lines, 1);
	logger_destroy(lg);
}

/* ---- Records from the parent ------------------------------------------------ */

Test(parent, raw_record_with_its_own_time)
{
	int fd = temp_file(), err[2];
	make_pipe(err);
	struct logger *lg = make_logger(fd, err[1], 16);
	struct ipc_log rec = {.time_ns = 1795880761123456789ull, .level = IPC_LOG_ERROR};
	static const char text[] = "child 2 died\n\x1b[2J\xff ok \xe2\x82\xac|ignored";
	memcpy(rec.text, text, sizeof(text));
	rec.text_length = (uint16_t)(strchr(text, '|') - text);
	logger_log_parent(lg, &rec);
	char *file = file_text(fd, NULL), *errs = pipe_text(err[0], NULL);
	cr_expect_str_eq(file, "2026-11-28T15:46:01.123456Z ERROR parent child 2 died\\n\\x1b[2J"
	                       "\\xff ok \xe2\x82\xac\n");
	cr_expect_str_eq(errs, file);
	struct logger_record r = newest(lg);
	cr_expect(r.from_parent);
	cr_expect_eq(r.time_ns, rec.time_ns);
	cr_expect_eq(r.level, IPC_LOG_ERROR);
	free(file);
	free(errs);
	logger_destroy(lg);
	close(fd);
	close(err[0]);
	close(err[1]);
}

Test(parent, bad_length_and_level_are_contained)
{
	struct logger *lg = make_logger(-1, -1, 4);
	struct ipc_log rec = {.time_ns = 0, .level = 200, .text_length = 60000};
	memset(rec.text, 'p', sizeof(rec.text));
	logger_log_parent(lg, &rec);
	struct logger_record r = newest(lg);
	cr_expect_eq(r.level, IPC_LOG_CRIT);
	cr_expect(r.truncated);
	cr_expect_eq(r.message_length, IPC_TEXT_MAX + MARKER_LEN, "read no byte past text[]");
	logger_log_parent(lg, NULL);
	cr_expect_eq(stats_of(lg).lines, 1);
	logger_destroy(lg);
}

/* ---- Creating, memory and counters ------------------------------------------- */

struct counting {
	size_t allocs, frees, size;
	bool fail;
	char *region; /* when set: hand out this caller-provided buffer */
	size_t region_size;
};

static void *counting_alloc(void *ctx, size_t size)
{
	struct counting *c = ctx;
	c->allocs++;
	c->size = size;
	if (c->fail || (c->region != NULL && size > c->region_size))
		return NULL;
	return c->region != NULL ? c->region : malloc(size);
}

static void counting_free(void *ctx, void *ptr)
{
	struct counting *c = ctx;
	c->frees++;
	if (c->region == NULL)
		free(ptr);
}

Test(create, takes_one_block_from_the_allocator)
{
	struct counting c = {0};
	struct logger_allocator a = {counting_alloc, counting_free, &c};
	struct logger_config cfg = {
	        .log_fd = -1, .stderr_fd = -1, .ring_lines = 64, .allocator = &a};
	struct logger *lg;
	cr_assert_eq(logger_create(&lg, &cfg), 0);
	cr_expect_eq(c.allocs, 1);
	cr_expect_eq(c.size, logger_memory_size(&cfg));
	cr_expect_geq(c.size, 64 * LOGGER_RING_DEFAULT_LINE_BYTES);
	for (int i = 0; i < 200; i++)
		logger_logf(lg, IPC_LOG_INFO, "no allocation while logging %d", i);
	cr_expect_eq(c.allocs, 1);
	logger_destroy(lg);
	cr_expect_eq(c.frees, 1);
}

Test(create, in_a_caller_buffer)
{
	static alignas(max_align_t) char region[1 << 20];
	struct counting c = {.region = region, .region_size = sizeof(region)};
	struct logger_allocator a = {counting_alloc, counting_free, &c};
	struct logger_config cfg = {.log_fd = -1,
	                            .stderr_fd = -1,
	                            .ring_lines = 128,
	                            .ring_bytes = 64 * 1024,
	                            .allocator = &a};
	struct logger *lg;
	cr_assert_eq(logger_create(&lg, &cfg), 0);
	cr_expect_eq((void *)lg, (void *)region);
	logger_logf(lg, IPC_LOG_INFO, "in place");
	cr_expect_eq(memcmp(newest(lg).message, "in place", 8), 0);
	logger_destroy(lg);
	c.region_size = 1000; /* too small */
	cr_expect_eq(logger_create(&lg, &cfg), -ENOMEM);
}

enum { IPC_CONFIG_RING_MAX = 65536 }; /* ipc_config.log_ring_lines: 16 .. 65536 */

Test(create, rejects_bad_configurations)
{
	struct counting c = {.fail = true};
	struct logger_allocator failing = {counting_alloc, counting_free, &c};
	struct logger_allocator half = {counting_alloc, NULL, &c};
	const struct logger_config good = {.log_fd = 4, .stderr_fd = 2, .ring_lines = 16};
	struct logger_config cfg;
	struct logger *lg = NULL;
	cr_expect_eq(logger_create(NULL, &good), -EINVAL);
	cr_expect_eq(logger_create(&lg, NULL), -EINVAL);
	cfg = good, cfg.min_level = (enum ipc_log_level)6;
	cr_expect_eq(logger_create(&lg, &cfg), -EINVAL);
	cfg = good, cfg.stderr_level = (enum ipc_log_level)6;
	cr_expect_eq(logger_create(&lg, &cfg), -EINVAL);
	cfg = good, cfg.format = (enum ipc_log_format)2;
	cr_expect_eq(logger_create(&lg, &cfg), -EINVAL);
	cfg = good, cfg.ring_lines = LOGGER_RING_MAX_LINES + 1;
	cr_expect_eq(logger_create(&lg, &cfg), -EINVAL);
	cfg = good, cfg.ring_bytes = LOGGER_LINE_MAX - 1;
	cr_expect_eq(logger_create(&lg, &cfg), -EINVAL);
	cfg = good, cfg.ring_bytes = (size_t)LOGGER_RING_MAX_BYTES + 1;
	cr_expect_eq(logger_create(&lg, &cfg), -EINVAL);
	cr_expect_eq(logger_memory_size(&cfg), 0);
	cfg = good, cfg.allocator = &half;
	cr_expect_eq(logger_create(&lg, &cfg), -EINVAL);
	cfg = good, cfg.allocator = &failing;
	cr_expect_eq(logger_create(&lg, &cfg), -ENOMEM);
	cr_expect_null(lg, "nothing handed out on failure");
	cfg = good, cfg.ring_lines = IPC_CONFIG_RING_MAX;
	cr_expect_lt(logger_memory_size(&cfg), 16u << 20, "one block the child's arena serves");
	cfg = good, cfg.ring_lines = 1; /* the byte budget is raised to one full line */
	cr_expect_eq(logger_create(&lg, &cfg), 0);
	logger_destroy(lg);
	logger_destroy(NULL);
}

Test(stats, counts_lines_levels_and_bytes)
{
	int fd = temp_file();
	struct logger *lg = make_logger(fd, -1, 16);
	for (int level = IPC_LOG_DEBUG; level <= IPC_LOG_MAX; level++)
		for (int i = 0; i <= level; i++)
			logger_logf(lg, (enum ipc_log_level)level, "%d.%d", level, i);
	size_t len;
	char *text = file_text(fd, &len);
	struct logger_stats s = stats_of(lg);
	cr_expect_eq(s.lines, 21);
	cr_expect_eq(s.lines_written, 21);
	for (int level = IPC_LOG_DEBUG; level <= IPC_LOG_MAX; level++)
		cr_expect_eq(s.lines_by_level[level], (uint64_t)level + 1);
	cr_expect_eq(s.bytes, len);
	cr_expect_eq(s.write_errors, 0);
	cr_expect_eq(s.last_errno, 0);
	cr_expect_eq(s.truncated, 0);
	free(text);
	logger_destroy(lg);
	close(fd);
}

/* ---- Under a real seccomp filter ---------------------------------------------- */

/* Only what the child policy grants the logger, and a way out. */
static const char lockdown_policy[] = "uint logfile_fd\n"
                                      "write: (or (eq (arg 0) 2)\n"
                                      "           (eq (arg 0) logfile_fd))\n"
                                      "fsync: (eq (arg 0) logfile_fd)\n"
                                      "exit_group\n";

enum { KERNEL_LOG_FD = 4, KERNEL_RING = 64 };

static void compile_lockdown(struct policy_bpf *out)
{
	struct policy_error err = {0};
	char msg[1024];
	struct policy *p =
	        policy_parse("lockdown.policy", lockdown_policy, sizeof(lockdown_policy) - 1, &err);
	const struct policy_binding b[] = {{"logfile_fd", KERNEL_LOG_FD}};
	struct policy_filter *f = p ? policy_compile(p, b, 1, POLICY_DENY_KILL, &err) : NULL;
	if (f == NULL || policy_filter_bpf(f, out, &err) < 0) {
		policy_error_format(&err, msg, sizeof(msg));
		cr_assert_fail("policy: %s", msg);
	}
	policy_filter_free(f);
	policy_free(p);
}

/* Not declared noreturn on purpose: under ASan a call to a noreturn
 * function first runs __asan_handle_no_return, which calls sigaltstack(2),
 * and the filter kills for it. */
static void exit_group(int status)
{
	syscall(SYS_exit_group, status);
}

/* Fails the locked-down process with the number of the check. */
#define CHECK(n, cond)                                                                             \
	do {                                                                                       \
		if (!(cond))                                                                       \
			exit_group(n);                                                             \
	} while (0)

static char overflow_text[10000];

/* After lockdown: every kind of record, then the ring and the counters. */
static void log_everything(struct logger *lg)
{
	double ratio = 0.75;
	for (int level = IPC_LOG_DEBUG; level <= IPC_LOG_MAX; level++)
		logger_logf(lg, (enum ipc_log_level)level,
		            "level %d %s %u %zu %x %p %ld %.3f %-6s|%5d", level,
		            ipc_log_level_name((unsigned)level), 7u, (size_t)8, 255u, (void *)lg,
		            -1L, ratio, "pad", 42);
	static const char nasty[] =
	        "esc\x1b[31m tab\t nl\n cr\r del\x7f c1\xc2\x9b"
	        " bad\xff\xc0\x80\xed\xa0\x80\xe2\x82 ok\xe2\x82\xac\xf0\x9d\x84\x9e";
	logger_log(lg, IPC_LOG_NOTICE, nasty, sizeof(nasty) - 1);
	logger_log(lg, IPC_LOG_INFO, overflow_text, sizeof(overflow_text));
	logger_logf(lg, IPC_LOG_INFO, "%s", overflow_text + 1);
	struct ipc_log rec = {.time_ns = 1795880761123456000ull, .level = IPC_LOG_WARNING};
	memcpy(rec.text, "from the parent\n", 16);
	rec.text_length = 16;
	logger_log_parent(lg, &rec);
}

static void check_ring(struct logger *lg, uint64_t lines, bool has_warnings)
{
	struct logger_record r;
	uint64_t seen = 0, warnings = 0, last = 0;
	for (uint64_t after = 0; logger_ring_next(lg, after, IPC_LOG_DEBUG, &r); after = r.seq) {
		CHECK(10, r.seq == last + 1 || last == 0);
		CHECK(11, r.length < LOGGER_LINE_MAX && r.message > r.line);
		last = r.seq;
		seen++;
	}
	CHECK(12, seen == (lines < KERNEL_RING ? lines : KERNEL_RING));
	for (uint64_t after = 0; logger_ring_next(lg, after, IPC_LOG_WARNING, &r); after = r.seq)
		warnings++;
	CHECK(13, (warnings > 0) == has_warnings);
	CHECK(14, logger_ring_newest(lg) == lines);
}

static void check_stats(const struct logger *lg, bool log_ok)
{
	struct logger_stats s;
	logger_get_stats(lg, &s);
	CHECK(20, s.lines_by_level[IPC_LOG_CRIT] == 1);
	CHECK(21, s.truncated == 2);
	if (log_ok) {
		CHECK(22, s.write_errors == 0 && s.lines_written == s.lines);
		CHECK(23, !s.fsync_unsupported && s.fsync_errors == 0);
	} else {
		CHECK(24, s.write_errors >= s.lines - 1 && s.lines_written == 0);
		CHECK(25, s.lines_by_level[IPC_LOG_ERROR] >= 2); /* ERROR, and the note */
	}
	CHECK(26, s.stderr_errors == 0 && s.stderr_lines > 0);
}

/* In the forked process: the fixed fds, the logger created before
 * lockdown (as the child does), the filter, then only logging. */
static void __attribute__((noreturn))
locked_down(int log_fd, int err_fd, const struct policy_bpf *bpf, bool log_ok,
            enum ipc_log_format format)
{
	if (dup2(err_fd, 2) != 2 || (log_fd >= 0 && dup2(log_fd, KERNEL_LOG_FD) != KERNEL_LOG_FD))
		_exit(120);
	if (log_fd < 0)
		close(KERNEL_LOG_FD); /* writes get EBADF */
	struct logger_config cfg = {.log_fd = KERNEL_LOG_FD,
	                            .stderr_fd = 2,
	                            .stderr_level = IPC_LOG_WARNING,
	                            .format = format,
	                            .generation = 7,
	                            .ring_lines = KERNEL_RING};
	struct logger *lg;
	if (logger_create(&lg, &cfg) != 0)
		_exit(121);
	logger_logf(lg, IPC_LOG_INFO, "before lockdown");
	if (policy_bpf_load(bpf) != 0)
		_exit(122);
	log_everything(lg);
	check_ring(lg, logger_ring_newest(lg), true);
	if (format == IPC_LOG_FORMAT_JSON) /* the access line's fields, locked down too */
		logger_log_access(lg, &(struct logger_access){.connection = 1,
		                                              .request_line = "GET /x\x1b HTTP/1.1",
		                                              .request_line_length = 16,
		                                              .status = 200,
		                                              .bytes = 2,
		                                              .duration_us = 3});
	for (int i = 0; i < 200; i++) /* around the ring a few times */
		logger_logf(lg, IPC_LOG_DEBUG, "filler %d", i);
	check_ring(lg, logger_ring_newest(lg), false);
	check_stats(lg, log_ok);
	exit_group(0);
	for (;;) /* not reached */
		;
}

struct run {
	int status;
	char *log, *err;
};

static struct run run_locked_down(int log_fd, bool log_ok, enum ipc_log_format format)
{
	struct policy_bpf bpf;
	compile_lockdown(&bpf);
	memset(overflow_text, 'o', sizeof(overflow_text) - 1);
	int err = temp_file();
	fflush(NULL);
	pid_t pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0)
		locked_down(log_fd, err, &bpf, log_ok, format);
	struct run r;
	cr_assert_eq(waitpid(pid, &r.status, 0), pid);
	policy_bpf_release(&bpf);
	cr_assert(!WIFSIGNALED(r.status), "killed by signal %d (%s): a syscall the filter denies",
	          WTERMSIG(r.status), strsignal(WTERMSIG(r.status)));
	cr_assert(WIFEXITED(r.status));
	cr_assert_eq(WEXITSTATUS(r.status), 0, "check %d failed in the locked-down process",
	             WEXITSTATUS(r.status));
	r.log = log_ok ? file_text(log_fd, NULL) : NULL; /* /dev/full reads zeros */
	r.err = file_text(err, NULL);
	close(err);
	return r;
}

/* Every line has the format; and returns how many there are. */
static size_t expect_well_formed(const char *text)
{
	char line[LOGGER_LINE_MAX + 1];
	size_t lines = count_char(text, '\n');
	for (size_t i = 0; i < lines; i++) {
		nth_line(text, i, line, sizeof(line));
		cr_expect(matches(LINE_RE, line), "line %zu: %s", i, line);
		cr_expect_lt(strlen(line), LOGGER_LINE_MAX);
	}
	cr_expect_eq(text[strlen(text) - 1], '\n');
	return lines;
}

Test(kernel, logging_makes_no_other_syscall)
{
	int fd = temp_file();
	struct run r = run_locked_down(fd, true, IPC_LOG_FORMAT_TEXT);
	size_t lines = expect_well_formed(r.log);
	cr_expect_eq(lines, 1 + 6 + 4 + 200);
	cr_expect(strstr(r.log, " INFO child[7] before lockdown\n") != NULL);
	cr_expect(matches(" CRIT child\\[7\\] level 5 crit 7 8 ff 0x[0-9a-f]+ -1 0\\.750 pad   \\| "
	                  "  42\n",
	                  r.log));
	cr_expect(strstr(r.log,
	                 "esc\\x1b[31m tab\\t nl\\n cr\\r del\\x7f c1\\xc2\\x9b bad\\xff"
	                 "\\xc0\\x80\\xed\\xa0\\x80\\xe2\\x82 ok\xe2\x82\xac\xf0\x9d\x84\x9e\n") !=
	          NULL);
	cr_expect_eq(count_str(r.log, LOGGER_TRUNCATED_MARKER "\n"), 2);
	cr_expect(
	        strstr(r.log, "2026-11-28T15:46:01.123456Z WARNING parent from the parent\\n\n") !=
	        NULL);
	cr_expect_eq(expect_well_formed(r.err), 4, "WARNING, ERROR, CRIT, parent's WARNING: %s",
	             r.err);
	free(r.log);
	free(r.err);
	close(fd);
}

Test(kernel, json_logging_makes_no_other_syscall)
{
	int fd = temp_file();
	struct run r = run_locked_down(fd, true, IPC_LOG_FORMAT_JSON);
	cr_expect_eq(expect_json_lines(r.log), 1 + 6 + 4 + 1 + 200);
	cr_expect(strstr(r.log, "\"method\":\"GET\",\"path\":\"/x\\u001b\",\"status\":200,"
	                        "\"bytes\":2,\"duration_us\":3}\n") != NULL,
	          "%s", r.log);
	cr_expect_eq(count_str(r.log, LOGGER_TRUNCATED_MARKER "\""), 2);
	cr_expect_eq(expect_json_lines(r.err), 4, "WARNING, ERROR, CRIT, parent's WARNING: %s",
	             r.err);
	free(r.log);
	free(r.err);
	close(fd);
}

Test(kernel, write_failures_are_survived)
{
	int full = open("/dev/full", O_WRONLY | O_CLOEXEC);
	cr_assert_geq(full, 0);
	struct run r = run_locked_down(full, false, IPC_LOG_FORMAT_TEXT);
	cr_expect_eq(count_str(r.err, "log file write failed: ENOSPC (No space left on device)"), 1,
	             "%s", r.err);
	expect_well_formed(r.err);
	free(r.err);
	close(full);
	r = run_locked_down(-1, false, IPC_LOG_FORMAT_TEXT);
	cr_expect_eq(count_str(r.err, "log file write failed: EBADF"), 1, "%s", r.err);
	free(r.err);
}

/* ---- Batching ------------------------------------------------------------------ */

static struct logger *make_batching_logger(int log_fd, size_t batch_bytes)
{
	struct logger_config cfg = {
	        .log_fd = log_fd,
	        .stderr_fd = -1,
	        .generation = 3,
	        .min_level = IPC_LOG_DEBUG,
	        .ring_lines = 16,
	        .batch_bytes = batch_bytes,
	};
	struct logger *lg = NULL;
	cr_assert_eq(logger_create(&lg, &cfg), 0);
	return lg;
}

/* INFO lines wait for logger_flush; a WARNING takes them out first, in
 * order, and itself at once; a full batch flushes itself; nothing is lost. */
Test(batch, info_waits_for_flush_warning_does_not_and_order_is_kept)
{
	int fd = temp_file();
	struct logger *lg = make_batching_logger(fd, LOGGER_LINE_MAX);
	logger_logf(lg, IPC_LOG_INFO, "first");
	logger_logf(lg, IPC_LOG_DEBUG, "second");
	char *text = file_text(fd, NULL);
	cr_expect_str_eq(text, "", "batched lines are not written yet");
	free(text);
	cr_expect_eq(stats_of(lg).lines_written, 0);
	logger_logf(lg, IPC_LOG_WARNING, "third");
	text = file_text(fd, NULL);
	cr_expect_eq(count_char(text, '\n'), 3);
	cr_expect(strstr(text, "first") < strstr(text, "second") &&
	                  strstr(text, "second") < strstr(text, "third"),
	          "%s", text);
	free(text);
	logger_logf(lg, IPC_LOG_INFO, "fourth");
	logger_flush(lg);
	text = file_text(fd, NULL);
	cr_expect_eq(count_char(text, '\n'), 4);
	free(text);
	/* More than the batch holds: it flushes itself when full. */
	for (int i = 0; i < 100; i++)
		logger_logf(lg, IPC_LOG_INFO, "line %d of a batch that overflows", i);
	text = file_text(fd, NULL);
	cr_expect_gt(count_char(text, '\n'), 4 + 10);
	free(text);
	logger_destroy(lg); /* flushes what is left */
	text = file_text(fd, NULL);
	cr_expect_eq(count_char(text, '\n'), 104);
	cr_expect(strstr(text, "line 99 of") != NULL);
	free(text);
	close(fd);
}

Test(batch, failures_are_counted_per_line)
{
	int fd = open("/dev/full", O_WRONLY | O_CLOEXEC);
	cr_assert_geq(fd, 0);
	struct logger *lg = make_batching_logger(fd, 8192);
	for (int i = 0; i < 5; i++)
		logger_logf(lg, IPC_LOG_INFO, "line %d", i);
	logger_flush(lg);
	struct logger_stats s = stats_of(lg);
	cr_expect_eq(s.write_errors, 5);
	cr_expect_eq(s.write_errors_by_class[LOGGER_ERR_NOSPC], 5);
	cr_expect_eq(s.lines_written, 0);
	logger_destroy(lg);
	close(fd);
}

Test(batch, bad_sizes_are_refused)
{
	struct logger *lg;
	struct logger_config cfg = {.log_fd = -1, .stderr_fd = -1, .batch_bytes = 100};
	cr_expect_eq(logger_create(&lg, &cfg), -EINVAL);
	cfg.batch_bytes = (size_t)LOGGER_BATCH_MAX + 1;
	cr_expect_eq(logger_create(&lg, &cfg), -EINVAL);
}

/* ---- The stderr threshold ------------------------------------------------------ */

static struct logger *make_styled(int log_fd, int stderr_fd, enum ipc_log_level stderr_level,
                                  enum ipc_log_format format)
{
	struct logger_config cfg = {
	        .log_fd = log_fd,
	        .stderr_fd = stderr_fd,
	        .generation = 3,
	        .min_level = IPC_LOG_DEBUG,
	        .stderr_level = stderr_level,
	        .format = format,
	        .ring_lines = 16,
	};
	struct logger *lg = NULL;
	cr_assert_eq(logger_create(&lg, &cfg), 0);
	return lg;
}

Test(sinks, stderr_gets_the_configured_level_and_above)
{
	for (int threshold = IPC_LOG_DEBUG; threshold <= IPC_LOG_MAX; threshold++) {
		int fd = temp_file(), err[2];
		make_pipe(err);
		struct logger *lg =
		        make_styled(fd, err[1], (enum ipc_log_level)threshold, IPC_LOG_FORMAT_TEXT);
		for (int level = IPC_LOG_DEBUG; level <= IPC_LOG_MAX; level++)
			logger_logf(lg, (enum ipc_log_level)level, "level %d", level);
		char *file = file_text(fd, NULL), *errs = pipe_text(err[0], NULL), line[128];
		cr_expect_eq(count_char(file, '\n'), 6);
		cr_expect_eq(count_char(errs, '\n'), (size_t)(IPC_LOG_MAX + 1 - threshold));
		nth_line(file, (size_t)threshold, line, sizeof(line));
		cr_expect(strncmp(errs, line, strlen(line)) == 0, "stderr starts at %d: %s",
		          threshold, errs);
		cr_expect_eq(stats_of(lg).stderr_lines, (uint64_t)(IPC_LOG_MAX + 1 - threshold));
		free(file);
		free(errs);
		logger_destroy(lg);
		close(fd);
		close(err[0]);
		close(err[1]);
	}
}

/* ---- Access lines ----------------------------------------------------------------- */

Test(access, text_line_as_the_server_always_wrote_it)
{
	int fd = temp_file();
	struct logger *lg = make_logger(fd, -1, 16);
	const char req[] = "GET /api/status?x=1 HTTP/1.1";
	logger_log_access(lg, &(struct logger_access){.connection = 7,
	                                              .request_line = req,
	                                              .request_line_length = sizeof(req) - 1,
	                                              .status = 200,
	                                              .bytes = 512,
	                                              .duration_us = 1310});
	logger_log_access(lg, &(struct logger_access){.connection = 8,
	                                              .request_line = "GET /aaaa",
	                                              .request_line_length = 6,
	                                              .request_line_cut = true,
	                                              .status = 414,
	                                              .duration_us = 5,
	                                              .why = "request target too long"});
	logger_log_access(lg, &(struct logger_access){.connection = 9, .status = 408});
	char *text = file_text(fd, NULL), line[LOGGER_LINE_MAX + 1];
	cr_expect_str_eq(nth_line(text, 0, line, sizeof(line)) + 27,
	                 " INFO child[3] http #7 \"GET /api/status?x=1 HTTP/1.1\" 200 512 bytes "
	                 "1.31 ms");
	cr_expect_str_eq(nth_line(text, 1, line, sizeof(line)) + 27,
	                 " INFO child[3] http #8 \"GET /a...\" 414 0 bytes 0.00 ms: request target "
	                 "too long");
	cr_expect_str_eq(nth_line(text, 2, line, sizeof(line)) + 27,
	                 " INFO child[3] http #9 \"-\" 408 0 bytes 0.00 ms");
	free(text);
	logger_destroy(lg);
	close(fd);
}

/* The ring marks access lines (the GUI filters them), and nothing else:
 * not a line of the child's own that reads like one, nor the parent's. */
Test(access, the_ring_marks_access_lines)
{
	struct logger *lg = make_logger(-1, -1, 16);
	struct logger_record r;
	logger_log_access(lg, &(struct logger_access){.connection = 1, .status = 200});
	logger_logf(lg, IPC_LOG_INFO, "http #1 \"GET / HTTP/1.1\" 200 0 bytes 0.00 ms");
	struct ipc_log rec = {.time_ns = 1, .level = IPC_LOG_INFO, .text_length = 2};
	memcpy(rec.text, "hi", 2);
	logger_log_parent(lg, &rec);
	const bool want[] = {true, false, false};
	uint64_t after = 0;
	for (int i = 0; i < 3; i++) {
		cr_assert(logger_ring_next(lg, after, IPC_LOG_DEBUG, &r), "line %d", i);
		cr_expect_eq(r.access, want[i], "line %d: %.*s", i, (int)r.length, r.line);
		after = r.seq;
	}
	logger_destroy(lg);
}

/* ---- The JSON form ------------------------------------------------------------------ */

/* Member `key` of a JSON line, raw (strings keep their quotes), in `out`. */
static const char *member(const char *line, const char *key, char *out, size_t cap)
{
	const char *v;
	size_t n;
	cr_assert(json_member(line, strlen(line), key, &v, &n), "no %s in %s", key, line);
	cr_assert_lt(n, cap);
	memcpy(out, v, n);
	out[n] = '\0';
	return out;
}

static bool has_member(const char *line, const char *key)
{
	const char *v;
	size_t n;
	return json_member(line, strlen(line), key, &v, &n);
}

/* Every line of `text` is one valid JSON object; returns how many. */
static size_t expect_json_lines(const char *text)
{
	size_t lines = 0;
	for (const char *p = text; *p != '\0'; lines++) {
		const char *nl = strchr(p, '\n');
		cr_assert_not_null(nl, "a line without its newline: %s", p);
		cr_expect(p[0] == '{' && json_valid(p, (size_t)(nl - p)), "not JSON: %.*s",
		          (int)(nl - p), p);
		cr_expect_leq((size_t)(nl - p) + 1, (size_t)LOGGER_LINE_MAX);
		p = nl + 1;
	}
	return lines;
}

Test(json, one_object_per_line_with_its_fields)
{
	int fd = temp_file(), err[2];
	make_pipe(err);
	struct logger *lg = make_styled(fd, err[1], IPC_LOG_WARNING, IPC_LOG_FORMAT_JSON);
	logger_logf(lg, IPC_LOG_NOTICE, "started %d", 1);
	struct ipc_log rec = {.time_ns = 1764343561123456789ull, .level = IPC_LOG_WARNING};
	rec.text_length = (uint16_t)snprintf(rec.text, sizeof(rec.text), "child restarted");
	logger_log_parent(lg, &rec);
	char *text = file_text(fd, NULL), *errs = pipe_text(err[0], NULL);
	char line[LOGGER_LINE_MAX + 1], v[LOGGER_LINE_MAX + 1];
	cr_assert_eq(expect_json_lines(text), 2);

	nth_line(text, 0, line, sizeof(line));
	cr_expect(matches("^\"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{6}Z\"$",
	                  member(line, "time", v, sizeof(v))),
	          "%s", line);
	cr_expect_str_eq(member(line, "level", v, sizeof(v)), "\"notice\"");
	cr_expect_str_eq(member(line, "origin", v, sizeof(v)), "\"child\"");
	cr_expect_str_eq(member(line, "generation", v, sizeof(v)), "3");
	cr_expect_str_eq(member(line, "message", v, sizeof(v)), "\"started 1\"");
	cr_expect(!has_member(line, "method"));
	struct logger_record r;
	cr_assert(logger_ring_next(lg, 0, IPC_LOG_DEBUG, &r));
	char ring_line[LOGGER_LINE_MAX + 1];
	snprintf(ring_line, sizeof(ring_line), "%.*s", (int)r.length, r.line);
	cr_expect(matches(LINE_RE "started 1$", ring_line), "the ring keeps text: %s", ring_line);
	cr_expect_eq(memcmp(r.line, member(line, "time", v, sizeof(v)) + 1, 27), 0,
	             "the same timestamp as the text line");

	nth_line(text, 1, line, sizeof(line));
	cr_expect_str_eq(member(line, "time", v, sizeof(v)), "\"2025-11-28T15:26:01.123456Z\"");
	cr_expect_str_eq(member(line, "level", v, sizeof(v)), "\"warning\"");
	cr_expect_str_eq(member(line, "origin", v, sizeof(v)), "\"parent\"");
	cr_expect(!has_member(line, "generation"), "a parent record belongs to no child");
	cr_expect_str_eq(member(line, "message", v, sizeof(v)), "\"child restarted\"");
	char want_err[LOGGER_LINE_MAX + 2];
	snprintf(want_err, sizeof(want_err), "%s\n", line);
	cr_expect_str_eq(errs, want_err, "stderr: the WARNING line, in JSON");
	free(text);
	free(errs);
	logger_destroy(lg);
	close(fd);
	close(err[0]);
	close(err[1]);
}

Test(json, access_line_has_its_fields)
{
	int fd = temp_file();
	struct logger *lg = make_styled(fd, -1, IPC_LOG_WARNING, IPC_LOG_FORMAT_JSON);
	const char req[] = "POST /api/x HTTP/1.1";
	logger_log_access(lg, &(struct logger_access){.connection = 4,
	                                              .request_line = req,
	                                              .request_line_length = sizeof(req) - 1,
	                                              .status = 201,
	                                              .bytes = 17,
	                                              .duration_us = 250});
	logger_log_access(lg, &(struct logger_access){.connection = 5, .status = 408});
	char *text = file_text(fd, NULL), line[LOGGER_LINE_MAX + 1], v[LOGGER_LINE_MAX + 1];
	cr_assert_eq(expect_json_lines(text), 2);
	nth_line(text, 0, line, sizeof(line));
	cr_expect_str_eq(member(line, "level", v, sizeof(v)), "\"info\"");
	cr_expect_str_eq(member(line, "generation", v, sizeof(v)), "3");
	cr_expect_str_eq(member(line, "message", v, sizeof(v)),
	                 "\"http #4 \\\"POST /api/x HTTP/1.1\\\" 201 17 bytes 0.25 ms\"");
	cr_expect_str_eq(member(line, "method", v, sizeof(v)), "\"POST\"");
	cr_expect_str_eq(member(line, "path", v, sizeof(v)), "\"/api/x\"");
	cr_expect_str_eq(member(line, "status", v, sizeof(v)), "201");
	cr_expect_str_eq(member(line, "bytes", v, sizeof(v)), "17");
	cr_expect_str_eq(member(line, "duration_us", v, sizeof(v)), "250");
	nth_line(text, 1, line, sizeof(line)); /* no request line: empty strings */
	cr_expect_str_eq(member(line, "message", v, sizeof(v)),
	                 "\"http #5 \\\"-\\\" 408 0 bytes 0.00 ms\"");
	cr_expect_str_eq(member(line, "method", v, sizeof(v)), "\"\"");
	cr_expect_str_eq(member(line, "path", v, sizeof(v)), "\"\"");
	cr_expect_str_eq(member(line, "status", v, sizeof(v)), "408");
	free(text);
	logger_destroy(lg);
	close(fd);
}

Test(json, stderr_gets_the_json_line_too)
{
	int fd = temp_file(), err[2];
	make_pipe(err);
	struct logger *lg = make_styled(fd, err[1], IPC_LOG_NOTICE, IPC_LOG_FORMAT_JSON);
	logger_logf(lg, IPC_LOG_INFO, "quiet");
	logger_logf(lg, IPC_LOG_NOTICE, "loud");
	char *text = file_text(fd, NULL), *errs = pipe_text(err[0], NULL);
	cr_expect_eq(expect_json_lines(errs), 1);
	cr_expect_str_eq(errs, strchr(text, '\n') + 1);
	free(text);
	free(errs);
	logger_destroy(lg);
	close(fd);
	close(err[0]);
	close(err[1]);
}

/* The message member of the one line `text` holds, raw. */
static const char *json_message(struct logger *lg, int fd, const char *text, size_t len, char *out,
                                size_t cap)
{
	cr_assert_eq(ftruncate(fd, 0), 0);
	logger_log(lg, IPC_LOG_INFO, text, len);
	char *file = file_text(fd, NULL), line[LOGGER_LINE_MAX + 1];
	cr_assert_eq(expect_json_lines(file), 1);
	member(nth_line(file, 0, line, sizeof(line)), "message", out, cap);
	free(file);
	return out;
}

#define JSON_ESCAPES_TO(lg, fd, literal, expected)                                                 \
	do {                                                                                       \
		char got_[LOGGER_LINE_MAX + 1];                                                    \
		cr_expect_str_eq(                                                                  \
		        json_message(lg, fd, literal, sizeof(literal) - 1, got_, sizeof(got_)),    \
		        expected, "escaping %s", #literal);                                        \
	} while (0)

Test(json, escapes_quotes_controls_and_bad_utf8)
{
	int fd = temp_file();
	struct logger *lg = make_styled(fd, -1, IPC_LOG_WARNING, IPC_LOG_FORMAT_JSON);
	JSON_ESCAPES_TO(lg, fd, "say \"hi\"", "\"say \\\"hi\\\"\"");
	JSON_ESCAPES_TO(lg, fd, "back\\slash", "\"back\\\\slash\"");
	JSON_ESCAPES_TO(lg, fd, "a\nb\rc\td", "\"a\\nb\\rc\\td\"");
	JSON_ESCAPES_TO(lg, fd, "nul\0esc\x1b del\x7f", "\"nul\\u0000esc\\u001b del\\u007f\"");
	JSON_ESCAPES_TO(lg, fd, "csi\xc2\x9b", "\"csi\\u009b\"");
	JSON_ESCAPES_TO(lg, fd, "bad\xff\xc3(", "\"bad\\ufffd\\ufffd(\"");
	JSON_ESCAPES_TO(lg, fd, "over\xc0\xaf", "\"over\\ufffd\\ufffd\"");
	JSON_ESCAPES_TO(lg, fd, "surrogate\xed\xa0\x80", "\"surrogate\\ufffd\\ufffd\\ufffd\"");
	JSON_ESCAPES_TO(lg, fd, "na\xc3\xafve \xe2\x82\xac \xf0\x9f\x98\x80",
	                "\"na\xc3\xafve \xe2\x82\xac \xf0\x9f\x98\x80\"");
	logger_destroy(lg);
	close(fd);
}

/* Every C0 control and DEL, one at a time between two letters: escaped,
 * by name where JSON has one; a space, the first byte that is none, as
 * it is. */
Test(json, every_control_character_is_escaped)
{
	int fd = temp_file();
	struct logger *lg = make_styled(fd, -1, IPC_LOG_WARNING, IPC_LOG_FORMAT_JSON);
	char got[LOGGER_LINE_MAX + 1], want[32];
	for (unsigned b = 0; b <= 0x20; b++) {
		const char text[] = {'a', (char)(b == 0x20 ? 0x7f : b), 'z'};
		unsigned c = b == 0x20 ? 0x7f : b;
		if (c == '\n' || c == '\r' || c == '\t')
			snprintf(want, sizeof(want), "\"a\\%cz\"",
			         c == '\n'   ? 'n'
			         : c == '\r' ? 'r'
			                     : 't');
		else
			snprintf(want, sizeof(want), "\"a\\u%04xz\"", c);
		cr_expect_str_eq(json_message(lg, fd, text, sizeof(text), got, sizeof(got)), want,
		                 "byte 0x%02x", c);
	}
	JSON_ESCAPES_TO(lg, fd, "a z", "\"a z\"");
	logger_destroy(lg);
	close(fd);
}

Test(json, a_long_message_is_cut_and_the_line_stays_valid)
{
	int fd = temp_file();
	struct logger *lg = make_styled(fd, -1, IPC_LOG_WARNING, IPC_LOG_FORMAT_JSON);
	static char big[3 * LOGGER_LINE_MAX];
	for (size_t i = 0; i < sizeof(big); i++) /* escapes six times its size, and a euro sign */
		big[i] = i % 7 == 0 ? '\x01' : i % 7 < 4 ? "\xe2\x82\xac"[i % 7 - 1] : 'x';
	logger_log(lg, IPC_LOG_INFO, big, sizeof(big));
	static char huge_path[4000];
	memcpy(huge_path, "GET /", 5);
	memset(huge_path + 5, '"', sizeof(huge_path) - 5);
	logger_log_access(lg, &(struct logger_access){.connection = 1,
	                                              .request_line = huge_path,
	                                              .request_line_length = sizeof(huge_path),
	                                              .status = 414});
	char *text = file_text(fd, NULL), line[LOGGER_LINE_MAX + 1], v[LOGGER_LINE_MAX + 1];
	cr_assert_eq(expect_json_lines(text), 2);
	for (size_t i = 0; i < 2; i++) {
		nth_line(text, i, line, sizeof(line));
		member(line, "message", v, sizeof(v));
		cr_expect(strstr(v, LOGGER_TRUNCATED_MARKER "\"") != NULL, "marked: %s", v);
		cr_expect(matches("\"(time|level|origin|generation)\":", line), "%s", line);
	}
	cr_expect(strstr(member(line, "path", v, sizeof(v)), LOGGER_TRUNCATED_MARKER) != NULL);
	cr_expect_str_eq(member(line, "status", v, sizeof(v)), "414");
	cr_expect_eq(stats_of(lg).truncated, 2);
	free(text);
	logger_destroy(lg);
	close(fd);
}
