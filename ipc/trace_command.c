/*
 * trace_command.c - `warden trace show|stats|follow` (see docs/traces.md).
 *
 *   show [FILTERS] [--json] FILE     one line per message
 *   stats [FILTERS] FILE             counts, bytes, heartbeat round trips
 *   follow [FILTERS] [--json] [--from-start] FILE
 *                                    like tail -f; survives rotation
 *
 * FILTERS: --type T[,T...] --direction to-child|to-parent --generation N
 *          --since TIME --until TIME (RFC 3339, as show prints it)
 *
 * Whatever could be read is printed before a file error is reported, and
 * the error names the offset of the record at fault.
 */
#include "trace_command.h"
#include "trace_print.h"
#include "trace_reader.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

enum {
	MAX_TYPES = 16,
	TRACE_NOTE_MAX = 1536,
	FOLLOW_PAUSE_MS = 200,
};

struct invocation {
	const char *verb;
	const char *file;
	bool json;
	bool from_start;
	uint16_t types[MAX_TYPES];
	size_t type_count;
	unsigned direction; /* 0: both */
	bool has_generation;
	uint32_t generation;
	bool has_since, has_until;
	uint64_t since, until;
	const struct trace_notes *notes; /* NULL: none */
};

static void usage(FILE *out)
{
	fputs("usage: warden trace show [FILTERS] [--json] FILE\n"
	      "       warden trace stats [FILTERS] FILE\n"
	      "       warden trace follow [FILTERS] [--json] [--from-start] FILE\n"
	      "FILTERS: --type T[,T...]  (hello, config, ready, ping, pong, status, log,\n"
	      "                          violation, shutdown, error, serve, or a number)\n"
	      "         --direction to-child|to-parent   --generation N\n"
	      "         --since TIME  --until TIME       (RFC 3339: 2026-11-28T15:34:01.5Z)\n"
	      "exit status: 0 ok, 1 file error (after printing what was readable), 2 usage\n",
	      out);
}

static int usage_error(const char *what, const char *arg)
{
	fprintf(stderr, "warden trace: %s%s%s\n", what, arg != NULL ? ": " : "",
	        arg != NULL ? arg : "");
	usage(stderr);
	return TRACE_EXIT_USAGE;
}

/* ---- arguments ---------------------------------------------------------- */

static bool parse_u32(const char *s, uint32_t *out)
{
	if (s[0] < '0' || s[0] > '9')
		return false;
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v > UINT32_MAX)
		return false;
	*out = (uint32_t)v;
	return true;
}

/* Exactly `n` decimal digits. */
static bool digits(const char **p, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		char c = (*p)[i];
		if (c < '0' || c > '9')
			return false;
		v = v * 10 + (c - '0');
	}
	*p += n;
	*out = v;
	return true;
}

static bool expect(const char **p, const char *set)
{
	if (**p == '\0' || strchr(set, **p) == NULL)
		return false;
	(*p)++;
	return true;
}

/* ".123456789": up to 9 digits, as nanoseconds. */
static bool fraction(const char **p, uint64_t *ns)
{
	*ns = 0;
	if (**p != '.')
		return true;
	(*p)++;
	int n = 0;
	uint64_t scale = 100000000;
	for (; **p >= '0' && **p <= '9'; (*p)++, n++) {
		if (n == 9)
			return false;
		*ns += (uint64_t)(**p - '0') * scale;
		scale /= 10;
	}
	return n > 0;
}

/* "Z" or "+hh:mm" / "-hh:mm": seconds east of UTC. */
static bool zone(const char **p, long *offset)
{
	*offset = 0;
	if (expect(p, "Zz"))
		return true;
	char sign = **p;
	int hh, mm;
	if (!expect(p, "+-") || !digits(p, 2, &hh) || !expect(p, ":") || !digits(p, 2, &mm) ||
	    hh > 23 || mm > 59)
		return false;
	*offset = (sign == '-' ? -1 : 1) * (hh * 3600L + mm * 60L);
	return true;
}

static int days_in_month(int year, int month)
{
	static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
	return month == 2 && leap ? 29 : days[month - 1];
}

/* RFC 3339: 2026-11-28T15:34:01[.frac](Z|+hh:mm), at or after 1970. */
static bool parse_time(const char *s, uint64_t *out)
{
	struct tm tm = {0};
	const char *p = s;
	uint64_t ns;
	long offset;
	if (!digits(&p, 4, &tm.tm_year) || !expect(&p, "-") || !digits(&p, 2, &tm.tm_mon) ||
	    !expect(&p, "-") || !digits(&p, 2, &tm.tm_mday) || !expect(&p, "Tt ") ||
	    !digits(&p, 2, &tm.tm_hour) || !expect(&p, ":") || !digits(&p, 2, &tm.tm_min) ||
	    !expect(&p, ":") || !digits(&p, 2, &tm.tm_sec) || !fraction(&p, &ns) ||
	    !zone(&p, &offset) || *p != '\0')
		return false;
	if (tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 ||
	    tm.tm_mday > days_in_month(tm.tm_year, tm.tm_mon) || tm.tm_hour > 23 ||
	    tm.tm_min > 59 || tm.tm_sec > 60) /* 60: a leap second */
		return false;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	time_t t = timegm(&tm) - offset;
	if (t < 0)
		return false;
	*out = (uint64_t)t * 1000000000u + ns;
	return true;
}

static bool parse_type(const char *word, uint16_t *out)
{
	for (unsigned t = IPC_TYPE_MIN; t <= IPC_TYPE_MAX; t++) {
		if (strcmp(word, ipc_type_name(t)) == 0) {
			*out = (uint16_t)t;
			return true;
		}
	}
	uint32_t v;
	if (!parse_u32(word, &v) || v > UINT16_MAX)
		return false;
	*out = (uint16_t)v;
	return true;
}

static int add_types(struct invocation *inv, const char *list)
{
	char copy[256];
	if (strlen(list) >= sizeof(copy))
		return usage_error("--type list too long", NULL);
	strcpy(copy, list);
	char *save = NULL;
	for (char *w = strtok_r(copy, ",", &save); w != NULL; w = strtok_r(NULL, ",", &save)) {
		if (inv->type_count == MAX_TYPES)
			return usage_error("too many types", list);
		if (!parse_type(w, &inv->types[inv->type_count++]))
			return usage_error("unknown message type", w);
	}
	return inv->type_count > 0 ? 0 : usage_error("--type needs a type", NULL);
}

static int set_direction(struct invocation *inv, const char *v)
{
	if (strcmp(v, "to-child") == 0)
		inv->direction = TRACE_TO_CHILD;
	else if (strcmp(v, "to-parent") == 0)
		inv->direction = TRACE_TO_PARENT;
	else
		return usage_error("--direction is to-child or to-parent, not", v);
	return 0;
}

static int set_time(const char *option, const char *v, bool *has, uint64_t *out)
{
	if (!parse_time(v, out)) {
		fprintf(stderr, "warden trace: %s: not an RFC 3339 time: %s\n", option, v);
		usage(stderr);
		return TRACE_EXIT_USAGE;
	}
	*has = true;
	return 0;
}

/* Options that take a value: "--name VALUE" or "--name=VALUE". */
static int option_value(const char *option, int argc, char **argv, int *i, const char **value)
{
	size_t n = strlen(option);
	if (strncmp(argv[*i], option, n) == 0 && argv[*i][n] == '=') {
		*value = argv[*i] + n + 1;
		return 1;
	}
	if (strcmp(argv[*i], option) != 0)
		return 0;
	if (*i + 1 == argc)
		return -1;
	*value = argv[++*i];
	return 1;
}

static int value_option(struct invocation *inv, const char *option, const char *v)
{
	if (strcmp(option, "--type") == 0)
		return add_types(inv, v);
	if (strcmp(option, "--direction") == 0)
		return set_direction(inv, v);
	if (strcmp(option, "--generation") == 0) {
		inv->has_generation = true;
		return parse_u32(v, &inv->generation) ? 0 : usage_error("bad generation", v);
	}
	if (strcmp(option, "--since") == 0)
		return set_time(option, v, &inv->has_since, &inv->since);
	return set_time(option, v, &inv->has_until, &inv->until);
}

static bool is_help(const char *arg)
{
	return strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0;
}

/* Returns 0, -1 after printing the help (the command then exits 0), or
 * TRACE_EXIT_USAGE. */
static int flag_option(struct invocation *inv, const char *arg)
{
	if (is_help(arg)) {
		usage(stdout);
		return -1;
	}
	if (strcmp(arg, "--json") == 0 && strcmp(inv->verb, "stats") != 0)
		inv->json = true;
	else if (strcmp(arg, "--from-start") == 0 && strcmp(inv->verb, "follow") == 0)
		inv->from_start = true;
	else if (arg[0] == '-' && arg[1] != '\0')
		return usage_error("unknown option", arg);
	else if (inv->file != NULL)
		return usage_error("more than one file", arg);
	else
		inv->file = arg;
	return 0;
}

static int parse_option(struct invocation *inv, int argc, char **argv, int *i)
{
	static const char *const with_value[] = {"--type", "--direction", "--generation", "--since",
	                                         "--until"};
	for (size_t k = 0; k < sizeof(with_value) / sizeof(with_value[0]); k++) {
		const char *v;
		int found = option_value(with_value[k], argc, argv, i, &v);
		if (found < 0)
			return usage_error("missing value for", with_value[k]);
		if (found > 0)
			return value_option(inv, with_value[k], v);
	}
	return flag_option(inv, argv[*i]);
}

static int parse_arguments(int argc, char **argv, struct invocation *inv)
{
	if (argc < 2)
		return usage_error("missing command", NULL);
	if (is_help(argv[1]))
		return flag_option(inv, argv[1]);
	inv->verb = argv[1];
	if (strcmp(inv->verb, "show") != 0 && strcmp(inv->verb, "stats") != 0 &&
	    strcmp(inv->verb, "follow") != 0)
		return usage_error("unknown command", inv->verb);
	for (int i = 2; i < argc; i++) {
		int rc = parse_option(inv, argc, argv, &i);
		if (rc != 0)
			return rc;
	}
	if (inv->file == NULL)
		return usage_error("missing FILE", NULL);
	return 0;
}

/* ---- filtering ---------------------------------------------------------- */

static bool wanted(const struct invocation *inv, const struct trace_record *rec)
{
	if (inv->direction != 0 && rec->ph.direction != inv->direction)
		return false;
	if (inv->has_generation && rec->ph.generation != inv->generation)
		return false;
	if (inv->has_since && rec->ph.time_ns < inv->since)
		return false;
	if (inv->has_until && rec->ph.time_ns > inv->until)
		return false;
	if (inv->type_count == 0)
		return true;
	if (!rec->has_header && rec->status != IPC_OK)
		return false;
	uint16_t type = rec->status == IPC_OK ? rec->msg.type : rec->raw_type;
	for (size_t i = 0; i < inv->type_count; i++)
		if (inv->types[i] == type)
			return true;
	return false;
}

/* Every decoded record goes past the notes, shown or not: a violation's
 * meaning depends on its generation's ready, which a filter may hide. */
static void take_note(const struct invocation *inv, const struct trace_record *rec, char *line,
                      size_t size)
{
	line[0] = '\0';
	if (inv->notes != NULL && rec->status == IPC_OK)
		inv->notes->note(inv->notes->ctx, rec->ph.generation, rec->ph.pid, &rec->msg, line,
		                 size);
}

static void print_record(const struct invocation *inv, const struct trace_record *rec,
                         const char *note)
{
	if (inv->json) {
		trace_print_json(stdout, rec);
		return;
	}
	trace_print_text(stdout, rec);
	if (note[0] != '\0')
		printf("    = %s\n", note);
}

/* Opens a trace, saying why not; `follow` waits quietly for a file too
 * short for its header (*short_file), which a writer has just created. */
static struct trace_reader *open_trace(const char *path, bool *short_file)
{
	char err[300];
	bool truncated = false;
	struct trace_reader *r = trace_reader_open(path, err, sizeof(err), &truncated);
	if (short_file != NULL)
		*short_file = truncated;
	if (r == NULL && (short_file == NULL || !truncated))
		fprintf(stderr, "warden trace: %s: %s\n", path, err);
	return r;
}

static int file_error(const struct invocation *inv, const char *err)
{
	fflush(stdout);
	fprintf(stderr, "warden trace: %s: %s\n", inv->file, err);
	return TRACE_EXIT_FILE_ERROR;
}

/* ---- show --------------------------------------------------------------- */

static int show(const struct invocation *inv)
{
	struct trace_reader *r = open_trace(inv->file, NULL);
	if (r == NULL)
		return TRACE_EXIT_FILE_ERROR;
	struct trace_record rec;
	char err[300], note[TRACE_NOTE_MAX];
	enum trace_read_status st;
	while ((st = trace_reader_next(r, &rec, err, sizeof(err))) == TRACE_READ_RECORD) {
		take_note(inv, &rec, note, sizeof(note));
		if (wanted(inv, &rec))
			print_record(inv, &rec, note);
	}
	trace_reader_close(r);
	if (st != TRACE_READ_END)
		return file_error(inv, err);
	return fflush(stdout) == 0 ? TRACE_EXIT_OK : TRACE_EXIT_FILE_ERROR;
}

/* ---- stats -------------------------------------------------------------- */

struct tally {
	uint64_t count, bytes;
};

struct beat {
	uint32_t generation;
	uint64_t nonce;
	uint64_t time_ns;
};

struct beats {
	struct beat *v;
	size_t n, cap;
};

struct stats {
	struct tally by_type[IPC_TYPE_MAX + 1][3]; /* [type][direction] */
	struct tally malformed[3];
	struct tally total;
	uint64_t first_ns, last_ns;
	uint32_t min_generation, max_generation;
	struct beats pings, pongs;
	bool out_of_memory;
};

static void add_beat(struct stats *s, struct beats *b, uint32_t generation, uint64_t nonce,
                     uint64_t time_ns)
{
	if (b->n == b->cap) {
		size_t cap = b->cap > 0 ? b->cap * 2 : 256;
		struct beat *v = reallocarray(b->v, cap, sizeof(*v));
		if (v == NULL) {
			s->out_of_memory = true;
			return;
		}
		b->v = v;
		b->cap = cap;
	}
	b->v[b->n++] = (struct beat){generation, nonce, time_ns};
}

static void count_record(struct stats *s, const struct trace_record *rec)
{
	unsigned d = rec->ph.direction;
	struct tally *t = rec->status == IPC_OK ? &s->by_type[rec->msg.type][d] : &s->malformed[d];
	t->count++;
	t->bytes += rec->raw_len;
	if (s->total.count == 0 || rec->ph.time_ns < s->first_ns)
		s->first_ns = rec->ph.time_ns;
	if (s->total.count == 0 || rec->ph.time_ns > s->last_ns)
		s->last_ns = rec->ph.time_ns;
	if (s->total.count == 0 || rec->ph.generation < s->min_generation)
		s->min_generation = rec->ph.generation;
	if (s->total.count == 0 || rec->ph.generation > s->max_generation)
		s->max_generation = rec->ph.generation;
	s->total.count++;
	s->total.bytes += rec->raw_len;
	if (rec->status != IPC_OK)
		return;
	if (rec->msg.type == IPC_PING)
		add_beat(s, &s->pings, rec->ph.generation, rec->msg.u.ping.nonce, rec->ph.time_ns);
	else if (rec->msg.type == IPC_PONG)
		add_beat(s, &s->pongs, rec->ph.generation, rec->msg.u.pong.nonce, rec->ph.time_ns);
}

static int beat_order(const void *a, const void *b)
{
	const struct beat *x = a, *y = b;
	if (x->generation != y->generation)
		return x->generation < y->generation ? -1 : 1;
	if (x->nonce != y->nonce)
		return x->nonce < y->nonce ? -1 : 1;
	if (x->time_ns != y->time_ns)
		return x->time_ns < y->time_ns ? -1 : 1;
	return 0;
}

static int u64_order(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

struct round_trips {
	uint64_t *rtt;
	size_t matched, unanswered, unmatched;
};

/* Pairs each pong with the ping of the same generation and nonce: both
 * sorted by (generation, nonce, time), then merged. A pong recorded before
 * its ping (a clock step) is not a round trip. */
static int match_beats(struct stats *s, struct round_trips *rt)
{
	struct beats *pi = &s->pings, *po = &s->pongs;
	if (pi->n > 0)
		qsort(pi->v, pi->n, sizeof(*pi->v), beat_order);
	if (po->n > 0)
		qsort(po->v, po->n, sizeof(*po->v), beat_order);
	rt->rtt = malloc((po->n > 0 ? po->n : 1) * sizeof(*rt->rtt));
	if (rt->rtt == NULL)
		return -1;
	size_t i = 0, j = 0;
	while (i < pi->n && j < po->n) {
		const struct beat *a = &pi->v[i], *b = &po->v[j];
		bool same = a->generation == b->generation && a->nonce == b->nonce;
		if (same && b->time_ns >= a->time_ns) {
			rt->rtt[rt->matched++] = b->time_ns - a->time_ns;
			i++, j++;
		} else if (same || beat_order(a, b) > 0) {
			rt->unmatched++, j++;
		} else {
			rt->unanswered++, i++;
		}
	}
	rt->unanswered += pi->n - i;
	rt->unmatched += po->n - j;
	qsort(rt->rtt, rt->matched, sizeof(*rt->rtt), u64_order);
	return 0;
}

/* Nearest-rank percentile of sorted values. */
static uint64_t percentile(const uint64_t *sorted, size_t n, unsigned p)
{
	size_t rank = (p * n + 99) / 100;
	return sorted[rank > 0 ? rank - 1 : 0];
}

static void print_tallies(const struct stats *s)
{
	printf("%-10s %10s %12s %10s %12s\n", "type", "to-child", "bytes", "to-parent", "bytes");
	for (unsigned t = IPC_TYPE_MIN; t <= IPC_TYPE_MAX; t++) {
		const struct tally *c = s->by_type[t];
		printf("%-10s %10" PRIu64 " %12" PRIu64 " %10" PRIu64 " %12" PRIu64 "\n",
		       ipc_type_name(t), c[TRACE_TO_CHILD].count, c[TRACE_TO_CHILD].bytes,
		       c[TRACE_TO_PARENT].count, c[TRACE_TO_PARENT].bytes);
	}
	const struct tally *m = s->malformed;
	printf("%-10s %10" PRIu64 " %12" PRIu64 " %10" PRIu64 " %12" PRIu64 "\n", "malformed",
	       m[TRACE_TO_CHILD].count, m[TRACE_TO_CHILD].bytes, m[TRACE_TO_PARENT].count,
	       m[TRACE_TO_PARENT].bytes);
}

static void print_summary(const struct stats *s)
{
	printf("records: %" PRIu64 ", message bytes: %" PRIu64 "\n", s->total.count,
	       s->total.bytes);
	if (s->total.count == 0)
		return;
	char first[32], last[32];
	trace_format_time(s->first_ns, first);
	trace_format_time(s->last_ns, last);
	printf("time: %s .. %s (%.3f s)\n", first, last, (double)(s->last_ns - s->first_ns) / 1e9);
	printf("generations: %" PRIu32 " .. %" PRIu32 "\n", s->min_generation, s->max_generation);
}

static int print_round_trips(struct stats *s)
{
	struct round_trips rt = {0};
	if (s->out_of_memory || match_beats(s, &rt) != 0) {
		free(rt.rtt);
		fputs("heartbeat round trip: out of memory\n", stdout);
		return -1;
	}
	if (rt.matched == 0)
		fputs("heartbeat round trip: no ping/pong pairs", stdout);
	else
		printf("heartbeat round trip: %zu pairs, p50 %.3f ms, p99 %.3f ms, max %.3f ms",
		       rt.matched, (double)percentile(rt.rtt, rt.matched, 50) / 1e6,
		       (double)percentile(rt.rtt, rt.matched, 99) / 1e6,
		       (double)rt.rtt[rt.matched - 1] / 1e6);
	printf("; %zu pings unanswered, %zu pongs unmatched\n", rt.unanswered, rt.unmatched);
	free(rt.rtt);
	return 0;
}

static int stats(const struct invocation *inv)
{
	struct trace_reader *r = open_trace(inv->file, NULL);
	if (r == NULL)
		return TRACE_EXIT_FILE_ERROR;
	struct stats *s = calloc(1, sizeof(*s));
	if (s == NULL) {
		trace_reader_close(r);
		return file_error(inv, "out of memory");
	}
	struct trace_record rec;
	char err[300];
	enum trace_read_status st;
	while ((st = trace_reader_next(r, &rec, err, sizeof(err))) == TRACE_READ_RECORD)
		if (wanted(inv, &rec))
			count_record(s, &rec);
	trace_reader_close(r);
	print_summary(s);
	print_tallies(s);
	int rc = print_round_trips(s);
	free(s->pings.v);
	free(s->pongs.v);
	free(s);
	if (st != TRACE_READ_END)
		return file_error(inv, err);
	return rc == 0 ? TRACE_EXIT_OK : TRACE_EXIT_FILE_ERROR;
}

/* ---- follow ------------------------------------------------------------- */

/* The only mutable global: SIGINT/SIGTERM ask follow to stop. */
static volatile sig_atomic_t stop_requested;

static void on_stop_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static void install_stop_handlers(void)
{
	struct sigaction sa = {.sa_handler = on_stop_signal};
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: the pause returns at once. */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

static void pause_briefly(void)
{
	struct timespec ts = {0, FOLLOW_PAUSE_MS * 1000000L};
	nanosleep(&ts, NULL);
}

struct follower {
	const struct invocation *inv;
	struct trace_reader *r;
	dev_t dev;
	ino_t ino;
	bool printing; /* false while skipping what was there at the start */
};

/* Opens the path, waiting while it is too short for its header (a writer
 * has just created it). Returns 0, 1 when asked to stop, or -1. */
static int follow_open(struct follower *fo)
{
	for (;;) {
		bool truncated = false;
		fo->r = open_trace(fo->inv->file, &truncated);
		if (fo->r != NULL)
			break;
		if (!truncated)
			return -1;
		pause_briefly();
		if (stop_requested)
			return 1;
	}
	struct stat st;
	if (fstat(fileno(trace_reader_file(fo->r)), &st) == 0) {
		fo->dev = st.st_dev;
		fo->ino = st.st_ino;
	}
	return 0;
}

/* Reads records until the end of what is there. */
static enum trace_read_status follow_drain(struct follower *fo, char *err, size_t err_size)
{
	struct trace_record rec;
	char note[TRACE_NOTE_MAX];
	enum trace_read_status st;
	while ((st = trace_reader_next(fo->r, &rec, err, err_size)) == TRACE_READ_RECORD) {
		take_note(fo->inv, &rec, note, sizeof(note));
		if (fo->printing && wanted(fo->inv, &rec))
			print_record(fo->inv, &rec, note);
	}
	fflush(stdout);
	return st;
}

enum file_change { SAME, REPLACED, SHRUNK };

static enum file_change file_change(const struct follower *fo)
{
	struct stat now, ours;
	if (stat(fo->inv->file, &now) != 0)
		return SAME; /* between the writer's rename and its new file */
	if (now.st_dev != fo->dev || now.st_ino != fo->ino)
		return REPLACED;
	if (fstat(fileno(trace_reader_file(fo->r)), &ours) == 0 &&
	    (uint64_t)ours.st_size < trace_reader_offset(fo->r))
		return SHRUNK;
	return SAME;
}

/* After a pause: go on in the same file, or finish the old one (the writer
 * completed it before renaming) and start on the new one. */
static int follow_step(struct follower *fo, char *err, size_t err_size)
{
	enum file_change change = file_change(fo);
	trace_reader_rewind_to(fo->r, trace_reader_offset(fo->r));
	if (change == SAME)
		return 0;
	if (change == REPLACED) {
		enum trace_read_status st = follow_drain(fo, err, err_size);
		if (st == TRACE_READ_CORRUPT || st == TRACE_READ_IO)
			return -1;
	}
	trace_reader_close(fo->r);
	fo->r = NULL;
	fo->printing = true;
	return follow_open(fo); /* its errors are printed */
}

static int follow(const struct invocation *inv)
{
	install_stop_handlers();
	struct follower fo = {.inv = inv, .printing = inv->from_start};
	int rc = follow_open(&fo);
	if (rc != 0)
		return rc > 0 ? TRACE_EXIT_OK : TRACE_EXIT_FILE_ERROR;
	char err[300] = "";
	int result = TRACE_EXIT_OK;
	bool started = false;
	while (!stop_requested) {
		enum trace_read_status st = follow_drain(&fo, err, sizeof(err));
		if (st == TRACE_READ_CORRUPT || st == TRACE_READ_IO) {
			result = file_error(inv, err);
			break;
		}
		if (!started) /* after what was there: from here on, all is new */
			fprintf(stderr, "warden trace: following %s (Ctrl-C stops)\n", inv->file);
		started = fo.printing = true;
		pause_briefly();
		if (stop_requested)
			break;
		rc = follow_step(&fo, err, sizeof(err));
		if (rc < 0)
			result = fo.r != NULL ? file_error(inv, err) : TRACE_EXIT_FILE_ERROR;
		if (rc != 0)
			break;
	}
	trace_reader_close(fo.r);
	return result;
}

int trace_command(int argc, char **argv, const struct trace_notes *notes)
{
	struct invocation inv = {.notes = notes};
	int rc = parse_arguments(argc, argv, &inv);
	if (rc != 0)
		return rc < 0 ? TRACE_EXIT_OK : rc;
	if (strcmp(inv.verb, "show") == 0)
		return show(&inv);
	if (strcmp(inv.verb, "stats") == 0)
		return stats(&inv);
	return follow(&inv);
}
