/*
 * Traces: the writer (format, buffering, rotation, write errors), the
 * reader (every field back, truncated and corrupt files with the right
 * offsets) and `warden trace show|stats|follow` run as the real binary.
 */
#include "ipc/trace_writer.h"
#include "ipc/trace_reader.h"
#include "trace_samples.h"

#include "cli_run.h"
#include "open_fds.h"
#include "seed_files.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { MAX_SAMPLES = 256, RECORD_OVERHEAD = TRACE_RECORD_HEADER_SIZE + TRACE_PSEUDO_HEADER_SIZE };

/* ---- helpers ------------------------------------------------------------ */

static void temp_dir(char dir[64])
{
	strcpy(dir, "/tmp/warden-trace-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
}

static void remove_dir(const char *dir)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	cr_expect_eq(system(cmd), 0);
}

static struct sample *samples(void)
{
	struct sample *s = calloc(MAX_SAMPLES, sizeof(*s));
	cr_assert_not_null(s);
	return s;
}

static uint8_t *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	cr_assert_not_null(f, "%s: %s", path, strerror(errno));
	uint8_t *data = malloc(1 << 20);
	*len = fread(data, 1, 1 << 20, f);
	fclose(f);
	return data;
}

static void write_file(const char *path, const uint8_t *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	cr_assert_not_null(f);
	cr_assert_eq(fwrite(data, 1, len, f), len);
	fclose(f);
}

static off_t file_size(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? st.st_size : -1;
}

static uint32_t le32_at(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Offsets of each sample's record in a trace of `s`. */
static void record_offsets(const struct sample *s, size_t n, uint64_t *offsets)
{
	uint64_t at = TRACE_FILE_HEADER_SIZE;
	for (size_t i = 0; i < n; i++) {
		offsets[i] = at;
		at += RECORD_OVERHEAD + s[i].len;
	}
}

/* The bytes a trace holds for a sample: its own, but for a config's bearer
 * token, which the writer zeroes (trace_writer.h). */
static void recorded_bytes(const struct sample *s, uint8_t out[IPC_MAX_MESSAGE + 1])
{
	memcpy(out, s->raw, s->len);
	if (s->msg.type != IPC_CONFIG)
		return;
	struct ipc_message m = s->msg;
	memset(m.u.config.token, 0, sizeof(m.u.config.token));
	cr_assert_eq(ipc_encode(&m, out, IPC_MAX_MESSAGE), s->len);
}

/* Reads `n` records and checks each against its sample, every field. */
static void expect_samples(struct trace_reader *r, const struct sample *s, size_t n)
{
	uint64_t offset = trace_reader_offset(r);
	for (size_t i = 0; i < n; i++) {
		struct trace_record rec;
		uint8_t want[IPC_MAX_MESSAGE + 1];
		char err[300] = "";
		recorded_bytes(&s[i], want);
		cr_assert_eq(trace_reader_next(r, &rec, err, sizeof(err)), TRACE_READ_RECORD,
		             "record %zu: %s", i, err);
		cr_expect_eq(rec.offset, offset, "record %zu offset", i);
		cr_expect_eq(rec.ph.version, TRACE_VERSION);
		cr_expect_eq(rec.ph.direction, s[i].direction);
		cr_expect_eq(rec.ph.fd_count, s[i].fds);
		cr_expect_eq(rec.ph.generation, s[i].generation);
		cr_expect_eq(rec.ph.pid, s[i].pid);
		cr_expect_eq(rec.ph.reserved, 0);
		cr_expect_eq(rec.ph.time_ns, s[i].time_ns);
		cr_assert_eq(rec.raw_len, s[i].len, "record %zu length", i);
		cr_expect_arr_eq(rec.raw, want, s[i].len);
		if (s[i].valid) {
			cr_assert_eq(rec.status, IPC_OK, "record %zu: %s", i, rec.error.message);
			/* Decoded fields: re-encoding them gives the very bytes. */
			uint8_t again[IPC_MAX_MESSAGE];
			cr_expect_eq(ipc_encode(&rec.msg, again, sizeof(again)), s[i].len);
			cr_expect_arr_eq(again, want, s[i].len);
			cr_expect_eq(rec.msg.type, s[i].msg.type);
			cr_expect_eq(rec.msg.sequence, s[i].msg.sequence);
		} else {
			cr_expect_neq(rec.status, IPC_OK, "record %zu decoded", i);
			cr_expect_gt(strlen(rec.error.message), 0);
		}
		offset += RECORD_OVERHEAD + s[i].len;
	}
	cr_expect_eq(trace_reader_offset(r), offset);
}

static struct trace_reader *open_reader(const char *path)
{
	char err[300] = "";
	struct trace_reader *r = trace_reader_open(path, err, sizeof(err), NULL);
	cr_assert_not_null(r, "%s: %s", path, err);
	return r;
}

static void expect_end(struct trace_reader *r)
{
	struct trace_record rec;
	char err[300] = "";
	cr_expect_eq(trace_reader_next(r, &rec, err, sizeof(err)), TRACE_READ_END, "%s", err);
}

/* ---- the writer and the reader ----------------------------------------- */

Test(trace, every_field_reads_back)
{
	char dir[64], path[128];
	temp_dir(dir);
	snprintf(path, sizeof(path), "%s/t.pcap", dir);
	struct sample *s = samples();
	size_t n = sample_conversation(s, MAX_SAMPLES);
	umask(022);
	sample_write(path, s, n);

	struct stat st;
	cr_assert_eq(stat(path, &st), 0);
	cr_expect_eq(st.st_mode & 0777, 0640);
	struct trace_reader *r = open_reader(path);
	expect_samples(r, s, n);
	expect_end(r);
	trace_reader_close(r);
	free(s);
	remove_dir(dir);
}

Test(trace, file_format_is_pcap_user0_nanoseconds_little_endian_pseudo_header)
{
	char dir[64], path[128];
	temp_dir(dir);
	snprintf(path, sizeof(path), "%s/t.pcap", dir);
	struct sample *s = samples();
	sample_conversation(s, MAX_SAMPLES);
	sample_write(path, s, 1); /* the hello: 2 descriptors */
	size_t len;
	uint8_t *f = read_file(path, &len);
	cr_assert_eq(len, TRACE_FILE_HEADER_SIZE + RECORD_OVERHEAD + s[0].len);
	cr_expect_eq(le32_at(f), 0xa1b23c4d); /* nanosecond pcap */
	cr_expect_eq(le32_at(f + 16), TRACE_SNAPLEN);
	cr_expect_eq(le32_at(f + 20), DLT_USER0);
	const uint8_t *rec = f + TRACE_FILE_HEADER_SIZE;
	cr_expect_eq(le32_at(rec), (uint32_t)(SAMPLE_T0 / 1000000000u));
	cr_expect_eq(le32_at(rec + 4), (uint32_t)(SAMPLE_T0 % 1000000000u));
	cr_expect_eq(le32_at(rec + 8), TRACE_PSEUDO_HEADER_SIZE + s[0].len);
	cr_expect_eq(le32_at(rec + 12), TRACE_PSEUDO_HEADER_SIZE + s[0].len);
	const uint8_t *ph = rec + TRACE_RECORD_HEADER_SIZE;
	const uint8_t want[TRACE_PSEUDO_HEADER_SIZE] = {
	        1,    1,    2,    0,    1,    0,    0,    0,
	        0x92, 0x10, 0,    0,    0,    0,    0,    0,     /* pid 4242 */
	        0x15, 0xa7, 0xbd, 0xb8, 0x8e, 0x35, 0x7c, 0x18}; /* SAMPLE_T0 */
	cr_expect_arr_eq(ph, want, sizeof(want));
	cr_expect_arr_eq(ph + TRACE_PSEUDO_HEADER_SIZE, s[0].raw, s[0].len);
	free(f);
	free(s);
	remove_dir(dir);
}

Test(trace, a_config_is_recorded_without_its_bearer_token)
{
	static const char token[] = "s3cret-token-0123456789abcdef";
	char dir[64], path[128], err[256];
	temp_dir(dir);
	snprintf(path, sizeof(path), "%s/t.pcap", dir);
	struct ipc_message m;
	sample_message(IPC_CONFIG, 1, &m);
	m.u.config.token_length = (uint8_t)strlen(token);
	memcpy(m.u.config.token, token, strlen(token));
	uint8_t raw[IPC_MAX_MESSAGE], want[IPC_MAX_MESSAGE];
	size_t len = ipc_encode(&m, raw, sizeof(raw));
	cr_assert_gt(len, 0);
	struct trace *tr = trace_open(path, 0, 1, err, sizeof(err));
	cr_assert_not_null(tr, "%s", err);
	/* Whoever records it, either way: the writer trusts no caller to scrub. */
	cr_assert_eq(trace_record(tr, TRACE_TO_CHILD, 1, 4242, 0, raw, len), 0);
	cr_assert_eq(trace_record(tr, TRACE_TO_PARENT, 1, 4242, 0, raw, len), 0);
	cr_assert_eq(trace_close(tr), 0);

	size_t file_len;
	uint8_t *bytes = read_file(path, &file_len);
	cr_expect_eq(file_len, TRACE_FILE_HEADER_SIZE + 2 * (RECORD_OVERHEAD + len));
	cr_expect_null(memmem(bytes, file_len, token, strlen(token)),
	               "the bearer token is in the trace");
	free(bytes);
	/* All of the config but the token's bytes, token_length included. */
	memset(m.u.config.token, 0, sizeof(m.u.config.token));
	cr_assert_eq(ipc_encode(&m, want, sizeof(want)), len);
	struct trace_reader *r = open_reader(path);
	for (int i = 0; i < 2; i++) {
		struct trace_record rec;
		cr_assert_eq(trace_reader_next(r, &rec, err, sizeof(err)), TRACE_READ_RECORD, "%s",
		             err);
		cr_assert_eq(rec.raw_len, len);
		cr_expect_arr_eq(rec.raw, want, len);
		cr_expect_eq(rec.msg.u.config.token_length, strlen(token));
	}
	expect_end(r);
	trace_reader_close(r);
	remove_dir(dir);
}

Test(trace, records_are_buffered_until_flush_and_timed_now)
{
	char dir[64], path[128], err[256];
	temp_dir(dir);
	snprintf(path, sizeof(path), "%s/t.pcap", dir);
	struct sample *s = samples();
	sample_conversation(s, MAX_SAMPLES);
	struct trace *tr = trace_open(path, 0, 1, err, sizeof(err));
	cr_assert_not_null(tr, "%s", err);
	struct timespec before, after;
	clock_gettime(CLOCK_REALTIME, &before);
	for (int i = 0; i < 10; i++)
		cr_assert_eq(trace_record(tr, TRACE_TO_CHILD, 1, 4242, 0, s[2].raw, s[2].len), 0);
	clock_gettime(CLOCK_REALTIME, &after);
	/* The global header is written at open; a record costs no write. */
	cr_expect_eq(file_size(path), TRACE_FILE_HEADER_SIZE, "a record cost a write");
	cr_assert_eq(trace_flush(tr), 0);
	cr_expect_eq(file_size(path),
	             (off_t)(TRACE_FILE_HEADER_SIZE + 10 * (RECORD_OVERHEAD + s[2].len)));
	struct trace_stats st;
	trace_get_stats(tr, &st);
	cr_expect_eq(st.records, 10);
	cr_expect_eq(st.bytes, (uint64_t)file_size(path));
	cr_expect_eq(st.errors, 0);
	cr_assert_eq(trace_close(tr), 0);

	uint64_t lo = (uint64_t)before.tv_sec * 1000000000u + (uint64_t)before.tv_nsec;
	uint64_t hi = (uint64_t)after.tv_sec * 1000000000u + (uint64_t)after.tv_nsec;
	struct trace_reader *r = open_reader(path);
	struct trace_record rec;
	char rerr[300];
	uint64_t last = 0;
	for (int i = 0; i < 10; i++) {
		cr_assert_eq(trace_reader_next(r, &rec, rerr, sizeof(rerr)), TRACE_READ_RECORD);
		cr_expect(rec.ph.time_ns >= lo && rec.ph.time_ns <= hi);
		cr_expect_geq(rec.ph.time_ns, last);
		last = rec.ph.time_ns;
	}
	expect_end(r);
	trace_reader_close(r);
	free(s);
	remove_dir(dir);
}

Test(trace, bad_arguments_and_paths_are_refused)
{
	char dir[64], path[128], link[128], err[256] = "";
	temp_dir(dir);
	snprintf(path, sizeof(path), "%s/t.pcap", dir);
	cr_expect_null(trace_open(path, 1000, 0, err, sizeof(err)));
	cr_expect(strstr(err, "files to keep") != NULL, "%s", err);
	cr_expect_null(trace_open(path, 1000, 1001, err, sizeof(err)));
	cr_expect_null(trace_open("", 0, 1, err, sizeof(err)));
	/* Never renames or unlinks what is not a regular file. */
	cr_expect_null(trace_open("/dev/null", 0, 1, err, sizeof(err)));
	cr_expect(strstr(err, "not a regular file") != NULL, "%s", err);
	struct stat st;
	cr_expect_eq(stat("/dev/null", &st), 0);
	cr_expect(S_ISCHR(st.st_mode));
	snprintf(link, sizeof(link), "%s/link", dir);
	cr_assert_eq(symlink(path, link), 0);
	cr_expect_null(trace_open(link, 1000, 3, err, sizeof(err)));
	cr_expect_eq(file_size(path), -1, "followed a symlink");
	snprintf(link, sizeof(link), "%s/missing/t.pcap", dir);
	cr_expect_null(trace_open(link, 0, 1, err, sizeof(err)));
	cr_expect(strstr(err, "No such file") != NULL, "%s", err);

	/* Off costs nothing: the parent holds NULL and these do nothing. */
	uint8_t raw[16] = {0};
	cr_expect_eq(trace_record(NULL, TRACE_TO_CHILD, 1, 1, 0, raw, sizeof(raw)), 0);
	cr_expect_eq(trace_flush(NULL), 0);
	cr_expect_eq(trace_close(NULL), 0);

	struct trace *tr = trace_open(path, 0, 1, err, sizeof(err));
	cr_assert_not_null(tr, "%s", err);
	cr_expect_eq(trace_record(tr, 3, 1, 1, 0, raw, sizeof(raw)), -EINVAL);
	static uint8_t big[TRACE_MAX_MESSAGE + 1];
	cr_expect_eq(trace_record(tr, TRACE_TO_PARENT, 1, 1, 0, big, sizeof(big)), -EMSGSIZE);
	cr_expect_eq(trace_record(tr, TRACE_TO_PARENT, 1, 1, 0, big, TRACE_MAX_MESSAGE), 0);
	struct trace_stats stats;
	trace_get_stats(tr, &stats);
	cr_expect_eq(stats.dropped, 2);
	cr_expect_eq(trace_close(tr), 0);
	cr_expect_eq(file_size(path), TRACE_FILE_HEADER_SIZE + TRACE_RECORD_HEADER_SIZE + 65535);
	remove_dir(dir);
}

/* The trace reader's fuzz seeds (seed_files.h): the standard conversation,
 * three heartbeat pairs, and the conversation cut inside its second record. */
enum { SEED_CUT = 126 };

static void expect_seed(const char *name, const uint8_t *bytes, size_t len)
{
	char why[700];
	cr_expect(seed_file_matches("fuzz_trace_read", name, bytes, len, why, sizeof(why)), "%s",
	          why);
}

Test(trace, fuzz_seeds_are_the_samples)
{
	char dir[64], path[128];
	temp_dir(dir);
	snprintf(path, sizeof(path), "%s/t.pcap", dir);
	struct sample *s = samples();
	size_t len;
	sample_write(path, s, sample_conversation(s, MAX_SAMPLES));
	uint8_t *bytes = read_file(path, &len);
	cr_assert_gt(len, SEED_CUT);
	expect_seed("conversation.trace", bytes, len);
	expect_seed("cut.trace", bytes, SEED_CUT);
	free(bytes);
	sample_write(path, s, sample_heartbeats(s, MAX_SAMPLES, 3));
	bytes = read_file(path, &len);
	expect_seed("heartbeats.trace", bytes, len);
	free(bytes);
	remove_dir(dir);
}

/* ---- rotation ----------------------------------------------------------- */

static void numbered_path(char *out, size_t cap, const char *path, unsigned n)
{
	if (n == 0)
		snprintf(out, cap, "%s", path);
	else
		snprintf(out, cap, "%s.%u", path, n);
}

/* Records `count` pings with sequences 1..count into a rotating trace. */
static void record_pings(const char *path, uint64_t max_bytes, unsigned max_files, uint32_t count)
{
	char err[256];
	struct trace *tr = trace_open(path, max_bytes, max_files, err, sizeof(err));
	cr_assert_not_null(tr, "%s", err);
	for (uint32_t i = 1; i <= count; i++) {
		struct ipc_message m;
		sample_message(IPC_PING, i, &m);
		uint8_t raw[IPC_MAX_MESSAGE];
		size_t len = ipc_encode(&m, raw, sizeof(raw));
		cr_assert_eq(trace_record_at(tr, SAMPLE_T0 + i, TRACE_TO_CHILD, 1, 1, 0, raw, len),
		             0);
		if (i % 7 == 0)
			cr_assert_eq(trace_flush(tr), 0);
	}
	struct trace_stats st;
	trace_get_stats(tr, &st);
	cr_expect_eq(trace_close(tr), 0);
	cr_expect_eq(st.errors, 0, "%s", st.last_error);
	cr_expect_eq(st.dropped, 0);
}

/* Appends the sequences in one file to `seqs`. */
static void collect_sequences(const char *path, uint32_t *seqs, size_t *n, uint64_t max_bytes)
{
	cr_expect_leq(file_size(path), (off_t)max_bytes, "%s too big", path);
	struct trace_reader *r = open_reader(path);
	struct trace_record rec;
	char err[300];
	size_t before = *n;
	enum trace_read_status st;
	while ((st = trace_reader_next(r, &rec, err, sizeof(err))) == TRACE_READ_RECORD) {
		cr_assert_eq(rec.status, IPC_OK);
		seqs[(*n)++] = rec.msg.sequence;
	}
	cr_expect_eq(st, TRACE_READ_END, "%s: %s", path, err);
	cr_expect_gt(*n, before, "%s holds no record", path);
	trace_reader_close(r);
}

/* 24-byte header + 5 records of 72 bytes = 384 <= 400; a sixth would not fit. */
enum { ROTATE_BYTES = 400, PER_FILE = 5 };

Test(trace, rotation_keeps_every_message_in_exactly_one_file)
{
	char dir[64], path[128], name[160];
	temp_dir(dir);
	snprintf(path, sizeof(path), "%s/t.pcap", dir);
	record_pings(path, ROTATE_BYTES, 50, 60);
	unsigned files = 60 / PER_FILE;
	uint32_t seqs[100];
	size_t n = 0;
	for (unsigned k = files; k-- > 0;) {
		numbered_path(name, sizeof(name), path, k);
		collect_sequences(name, seqs, &n, ROTATE_BYTES);
	}
	numbered_path(name, sizeof(name), path, files);
	cr_expect_eq(file_size(name), -1, "%s: one file too many", name);
	cr_assert_eq(n, 60);
	for (uint32_t i = 0; i < 60; i++)
		cr_expect_eq(seqs[i], i + 1, "position %u holds %u", i, seqs[i]);
	remove_dir(dir);
}

Test(trace, rotation_keeps_max_files_newest)
{
	char dir[64], path[128], name[160];
	temp_dir(dir);
	snprintf(path, sizeof(path), "%s/t.pcap", dir);
	record_pings(path, ROTATE_BYTES, 3, 60);
	uint32_t seqs[100];
	size_t n = 0;
	for (unsigned k = 3; k-- > 0;) {
		numbered_path(name, sizeof(name), path, k);
		collect_sequences(name, seqs, &n, ROTATE_BYTES);
	}
	numbered_path(name, sizeof(name), path, 3);
	cr_expect_eq(file_size(name), -1);
	cr_assert_eq(n, 3 * PER_FILE);
	for (size_t i = 0; i < n; i++)
		cr_expect_eq(seqs[i], 60 - n + 1 + i);
	remove_dir(dir);
}

/* A rotation's removed file is freed by a thread of the trace's own through
 * a descriptor kept across the unlink (trace_threads.h): none is left when
 * the trace is closed. */
Test(trace, rotation_leaves_no_descriptor_open)
{
	char dir[64], path[128];
	temp_dir(dir);
	snprintf(path, sizeof(path), "%s/t.pcap", dir);
	int before = open_fds();
	cr_assert_geq(before, 0, "cannot list /proc/self/fd");
	record_pings(path, ROTATE_BYTES, 3, 60); /* 11 rotations, 9 removals */
	cr_expect_eq(open_fds(), before);
	remove_dir(dir);
}

/* The descriptor that frees a removed file must not open it: a FIFO planted
 * at the oldest name would block an open(2) for reading until a writer
 * came. It is removed like a file, and rotation goes on. */
Test(trace, rotation_removes_a_planted_fifo_without_opening_it, .timeout = 20)
{
	char dir[64], path[128], oldest[160];
	temp_dir(dir);
	snprintf(path, sizeof(path), "%s/t.pcap", dir);
	numbered_path(oldest, sizeof(oldest), path, 2);
	cr_assert_eq(mkfifo(oldest, 0600), 0, "mkfifo: %s", strerror(errno));
	record_pings(path, ROTATE_BYTES, 3, 60);
	struct stat st;
	cr_assert_eq(lstat(oldest, &st), 0);
	cr_expect(S_ISREG(st.st_mode), "%s is still the FIFO", oldest);
	remove_dir(dir);
}

Test(trace, reopening_rotates_or_replaces_the_previous_trace)
{
	char dir[64], path[128], name[160];
	temp_dir(dir);
	snprintf(path, sizeof(path), "%s/t.pcap", dir);
	numbered_path(name, sizeof(name), path, 1);
	record_pings(path, 100000, 3, 4);
	record_pings(path, 100000, 3, 2);
	uint32_t seqs[10];
	size_t n = 0;
	collect_sequences(name, seqs, &n, 100000); /* the first run's, kept */
	collect_sequences(path, seqs, &n, 100000);
	cr_assert_eq(n, 6);
	uint32_t want[] = {1, 2, 3, 4, 1, 2};
	cr_expect_arr_eq(seqs, want, sizeof(want));
	cr_assert_eq(unlink(name), 0);
	record_pings(path, 0, 1, 1); /* no rotation: replaced */
	cr_expect_eq(file_size(name), -1);
	n = 0;
	collect_sequences(path, seqs, &n, 100000);
	cr_expect_eq(n, 1);
	remove_dir(dir);
}

/* A full disk: the file size limit makes writes fail part-way (EFBIG).
 * Runs in a child process so that the limit binds nothing else. */
static int fill_up(const char *path)
{
	signal(SIGXFSZ, SIG_IGN);
	struct rlimit lim = {1000, 1000};
	if (setrlimit(RLIMIT_FSIZE, &lim) != 0)
		return 10;
	char err[256];
	struct trace *tr = trace_open(path, 0, 1, err, sizeof(err));
	if (tr == NULL)
		return 11;
	struct ipc_message m;
	uint8_t raw[IPC_MAX_MESSAGE];
	for (uint32_t i = 1; i <= 50; i++) {
		sample_message(IPC_PING, i, &m);
		size_t len = ipc_encode(&m, raw, sizeof(raw));
		trace_record_at(tr, SAMPLE_T0 + i, TRACE_TO_CHILD, 1, 1, 0, raw, len);
		if (i % 3 == 0)
			trace_flush(tr);
	}
	trace_flush(tr);
	struct trace_stats st;
	trace_get_stats(tr, &st);
	trace_close(tr);
	if (st.errors == 0 || st.last_errno != EFBIG || st.dropped == 0)
		return 12;
	if (st.records + st.dropped != 50 || strstr(st.last_error, "write") == NULL)
		return 13;
	return 0;
}

Test(trace, write_errors_are_counted_and_leave_a_readable_file)
{
	char dir[64], path[128];
	temp_dir(dir);
	snprintf(path, sizeof(path), "%s/t.pcap", dir);
	pid_t pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0)
		_exit(fill_up(path));
	int status;
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status %d", status);
	cr_expect_leq(file_size(path), 1000);
	/* Whole records only: (1000 - 24) / 72 = 13 at most, cut at a flush. */
	uint32_t seqs[64];
	size_t n = 0;
	collect_sequences(path, seqs, &n, 1000);
	cr_expect_geq(n, 1);
	for (size_t i = 0; i < n; i++)
		cr_expect_eq(seqs[i], i + 1);
	remove_dir(dir);
}

/* ---- truncated and corrupt files --------------------------------------- */

struct damaged {
	char dir[64], path[128];
	struct sample *s;
	size_t n;
	uint64_t offsets[MAX_SAMPLES];
	uint8_t *bytes;
	size_t len;
};

static void damaged_setup(struct damaged *d)
{
	temp_dir(d->dir);
	snprintf(d->path, sizeof(d->path), "%s/t.pcap", d->dir);
	d->s = samples();
	d->n = sample_conversation(d->s, MAX_SAMPLES);
	sample_write(d->path, d->s, d->n);
	record_offsets(d->s, d->n, d->offsets);
	d->bytes = read_file(d->path, &d->len);
}

static void damaged_teardown(struct damaged *d)
{
	free(d->bytes);
	free(d->s);
	remove_dir(d->dir);
}

/* The first `good` records come back whole, then `want` naming `offset`. */
static void expect_failure_at(struct damaged *d, size_t good, enum trace_read_status want,
                              uint64_t offset)
{
	struct trace_reader *r = open_reader(d->path);
	expect_samples(r, d->s, good);
	struct trace_record rec;
	char err[300] = "", needle[64];
	cr_expect_eq(trace_reader_next(r, &rec, err, sizeof(err)), want, "%s", err);
	snprintf(needle, sizeof(needle), "offset %" PRIu64 ":", offset);
	cr_expect(strstr(err, needle) != NULL, "'%s' does not name %s", err, needle);
	/* Not read past: asking again gives the same answer. */
	cr_expect_eq(trace_reader_next(r, &rec, err, sizeof(err)), want);
	trace_reader_close(r);
}

Test(trace_damage, truncated_inside_the_global_header)
{
	struct damaged d;
	damaged_setup(&d);
	for (size_t cut = 0; cut < TRACE_FILE_HEADER_SIZE; cut += 5) {
		write_file(d.path, d.bytes, cut);
		char err[300] = "";
		bool truncated = false;
		cr_expect_null(trace_reader_open(d.path, err, sizeof(err), &truncated));
		cr_expect(truncated);
		cr_expect(strstr(err, "offset 0:") != NULL, "%s", err);
	}
	damaged_teardown(&d);
}

Test(trace_damage, truncated_inside_a_record_header_and_its_data)
{
	struct damaged d;
	damaged_setup(&d);
	size_t k = 5;
	size_t cuts[] = {d.offsets[k] + 5, d.offsets[k] + TRACE_RECORD_HEADER_SIZE + 10,
	                 d.offsets[k] + RECORD_OVERHEAD + d.s[k].len - 1};
	for (size_t i = 0; i < 3; i++) {
		write_file(d.path, d.bytes, cuts[i]);
		expect_failure_at(&d, k, TRACE_READ_TRUNCATED, d.offsets[k]);
	}
	/* Cut exactly at a record boundary: a clean end. */
	write_file(d.path, d.bytes, d.offsets[k]);
	struct trace_reader *r = open_reader(d.path);
	expect_samples(r, d.s, k);
	expect_end(r);
	trace_reader_close(r);
	damaged_teardown(&d);
}

static void put_le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

Test(trace_damage, corrupt_records_name_their_offset)
{
	struct damaged d;
	damaged_setup(&d);
	size_t k = 7;
	uint8_t *rec = d.bytes + d.offsets[k];
	uint8_t *ph = rec + TRACE_RECORD_HEADER_SIZE;
	uint32_t caplen = le32_at(rec + 8);
	struct {
		size_t at;
		uint8_t *where;
		uint32_t value;
		int width;
	} cases[] = {
	        {0, rec + 8, caplen - 1, 4},  /* caplen != len */
	        {0, rec + 12, caplen + 1, 4}, /* len != caplen */
	        {0, rec + 8, 0x7fffff00, 4},  /* absurd caplen: corrupt, not truncated */
	        {0, ph, 9, 1},                /* pseudo-header version */
	        {0, ph + 1, 3, 1},            /* direction */
	        {0, ph + 12, 1, 1},           /* reserved */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t *copy = malloc(d.len);
		memcpy(copy, d.bytes, d.len);
		uint8_t *where = copy + (cases[i].where - d.bytes);
		if (cases[i].width == 4)
			put_le32(where, cases[i].value);
		else
			*where = (uint8_t)cases[i].value;
		write_file(d.path, copy, d.len);
		free(copy);
		expect_failure_at(&d, k, TRACE_READ_CORRUPT, d.offsets[k]);
	}
	damaged_teardown(&d);
}

Test(trace_damage, a_record_shorter_than_the_pseudo_header_is_corrupt)
{
	struct damaged d;
	damaged_setup(&d);
	size_t k = 3;
	uint8_t *rec = d.bytes + d.offsets[k];
	put_le32(rec + 8, 10);
	put_le32(rec + 12, 10);
	write_file(d.path, d.bytes, d.len);
	expect_failure_at(&d, k, TRACE_READ_CORRUPT, d.offsets[k]);
	damaged_teardown(&d);
}

Test(trace_damage, other_files_are_refused_with_a_reason)
{
	char dir[64], path[128], err[300];
	temp_dir(dir);
	snprintf(path, sizeof(path), "%s/x", dir);
	const uint8_t pcapng[32] = {0x0a, 0x0d, 0x0d, 0x0a, 28, 0, 0, 0, 0x4d, 0x3c, 0x2b, 0x1a};
	write_file(path, pcapng, sizeof(pcapng));
	cr_expect_null(trace_reader_open(path, err, sizeof(err), NULL));
	cr_expect(strstr(err, "pcapng") != NULL, "%s", err);
	write_file(path, (const uint8_t *)"this is not a pcap file at all!", 31);
	cr_expect_null(trace_reader_open(path, err, sizeof(err), NULL));
	cr_expect(strstr(err, "not a pcap file") != NULL, "%s", err);
	/* A real pcap of another link type. */
	pcap_t *p = pcap_open_dead(DLT_EN10MB, 65535);
	pcap_dumper_t *dump = pcap_dump_open(p, path);
	cr_assert_not_null(dump);
	pcap_dump_close(dump);
	pcap_close(p);
	cr_expect_null(trace_reader_open(path, err, sizeof(err), NULL));
	cr_expect(strstr(err, "not USER0") != NULL, "%s", err);
	remove_dir(dir);
}

/* ---- the warden trace command ------------------------------------------- */

static size_t count_lines(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* The line holding `needle`, copied into `out`; "" if none. */
static const char *line_with(const char *text, const char *needle, char *out, size_t cap)
{
	out[0] = '\0';
	const char *hit = strstr(text, needle);
	if (hit == NULL)
		return out;
	const char *start = hit;
	while (start > text && start[-1] != '\n')
		start--;
	const char *end = strchr(hit, '\n');
	size_t len = end != NULL ? (size_t)(end - start) : strlen(start);
	snprintf(out, cap, "%.*s", (int)(len < cap ? len : cap - 1), start);
	return out;
}

struct cli {
	char dir[64], path[128], args[512];
	struct sample *s;
	size_t n;
};

/* The writer zeroes every token, but the printer must hide one all the
 * same in a trace that holds one (made by another program, or by hand):
 * the samples' tokens go back into the file. */
static void put_tokens_back(const char *path, const struct sample *s, size_t n)
{
	uint64_t offsets[MAX_SAMPLES];
	size_t len;
	uint8_t *bytes = read_file(path, &len);
	record_offsets(s, n, offsets);
	for (size_t i = 0; i < n; i++)
		if (s[i].msg.type == IPC_CONFIG)
			memcpy(bytes + offsets[i] + RECORD_OVERHEAD, s[i].raw, s[i].len);
	write_file(path, bytes, len);
	free(bytes);
}

static void cli_setup(struct cli *c)
{
	temp_dir(c->dir);
	snprintf(c->path, sizeof(c->path), "%s/t.pcap", c->dir);
	c->s = samples();
	c->n = sample_conversation(c->s, MAX_SAMPLES);
	sample_write(c->path, c->s, c->n);
	put_tokens_back(c->path, c->s, c->n);
}

static void cli_teardown(struct cli *c)
{
	free(c->s);
	remove_dir(c->dir);
}

static struct cli_result run_on(struct cli *c, const char *fmt)
{
	snprintf(c->args, sizeof(c->args), fmt, c->path);
	return cli_run(c->args);
}

Test(trace_cli, show_prints_one_line_per_message)
{
	struct cli c;
	cli_setup(&c);
	struct cli_result r = run_on(&c, "trace show %s");
	cr_expect_eq(r.status, 0, "stderr: %s", r.err);
	/* and one more: the violation explained with generation 1's ready */
	cr_expect_eq(count_lines(r.out), c.n + 1, "%s", r.out);
	cr_expect(strstr(r.out,
	                 "\n    = sandbox violation (trap: the call did not run, the child "
	                 "reported it and exits): ptrace(16, 17, 18, 19): denied: no rule "
	                 "allows ptrace; the policy's default is deny; shape ptrace(*, 17, *, "
	                 "*), seen 1 time; generation 1, pid 4242, call nr=101 "
	                 "arch=0xc000003e args=0x10,0x11,0x12,0x13,0x14,0x15 "
	                 "ip=0x7f0012345678\n") != NULL,
	          "%s", r.out);
	char line[1024];
	const char *first = "2025-11-28T15:34:01.123456789Z -> gen=1 pid=4242 hello seq=1 len=32 "
	                    "fds=2 generation=1 parent_pid=4000\n";
	cr_expect(strncmp(r.out, first, strlen(first)) == 0, "%s", r.out);
	line_with(r.out, " ping ", line, sizeof(line));
	cr_expect(strstr(line, "2025-11-28T15:34:01.126456789Z -> gen=1 pid=4242 ping seq=3 "
	                       "len=32 fds=0 nonce=1234605616436508552 sent_ns=5000000") == line,
	          "%s", line);
	line_with(r.out, " pong ", line, sizeof(line));
	cr_expect(strstr(line, "<- gen=1 pid=4242 pong seq=2 len=256 fds=0 "
	                       "nonce=1234605616436508552 sent_ns=5000000 connections_open=3 "
	                       "requests=77") != NULL,
	          "%s", line);
	line_with(r.out, " log ", line, sizeof(line));
	cr_expect(strstr(line, "level=warning text=\"child said \\\"hi\\\"\\nna\xc3\xafve \\xff "
	                       "end\"") != NULL,
	          "%s", line);
	line_with(r.out, " violation ", line, sizeof(line));
	cr_expect(strstr(line, "nr=101 name=\"ptrace\" arch=0xc000003e") != NULL, "%s", line);
	line_with(r.out, " config ", line, sizeof(line));
	cr_expect(strstr(line, "user=\"nobody\" group=\"nogroup\"") != NULL, "%s", line);
	cr_expect(strstr(r.out, "MALFORMED(magic)") != NULL, "%s", r.out);
	cr_expect(strstr(r.out, "config seq=5 len=511 fds=0 MALFORMED(direction)") != NULL, "%s",
	          r.out);
	cr_expect(strstr(r.out, "-> gen=2 pid=4243 hello seq=1") != NULL, "%s", r.out);
	cr_expect(strstr(r.out, "s3cr") == NULL, "the token was printed");
	free(r.out);
	cli_teardown(&c);
}

/* A small JSON checker: true when `p` is one valid JSON value. */
static const char *json_value(const char *p);

static const char *json_ws(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	return p;
}

static const char *json_string(const char *p)
{
	if (*p++ != '"')
		return NULL;
	while (*p != '"') {
		if ((unsigned char)*p < 0x20)
			return NULL;
		if (*p == '\\') {
			p++;
			if (*p == 'u') {
				for (int i = 1; i <= 4; i++)
					if (strchr("0123456789abcdefABCDEF", p[i]) == NULL ||
					    p[i] == '\0')
						return NULL;
				p += 4;
			} else if (*p == '\0' || strchr("\"\\/bfnrt", *p) == NULL) {
				return NULL;
			}
		}
		p++;
	}
	return p + 1;
}

static const char *json_members(const char *p, char close, bool keys)
{
	p = json_ws(p + 1);
	if (*p == close)
		return p + 1;
	for (;;) {
		if (keys) {
			p = json_string(json_ws(p));
			if (p == NULL || *(p = json_ws(p)) != ':')
				return NULL;
			p++;
		}
		p = json_value(p);
		if (p == NULL)
			return NULL;
		p = json_ws(p);
		if (*p == close)
			return p + 1;
		if (*p++ != ',')
			return NULL;
	}
}

static const char *json_value(const char *p)
{
	p = json_ws(p);
	if (*p == '{')
		return json_members(p, '}', true);
	if (*p == '[')
		return json_members(p, ']', false);
	if (*p == '"')
		return json_string(p);
	for (const char *lit = "true\0false\0null\0"; *lit; lit += strlen(lit) + 1)
		if (strncmp(p, lit, strlen(lit)) == 0)
			return p + strlen(lit);
	const char *start = p;
	if (*p == '-')
		p++;
	while ((*p >= '0' && *p <= '9') || *p == '.' || *p == 'e' || *p == 'E' || *p == '+')
		p++;
	return p > start ? p : NULL;
}

Test(trace_cli, json_lines_hold_every_field)
{
	struct cli c;
	cli_setup(&c);
	struct cli_result r = run_on(&c, "trace show --json %s");
	cr_expect_eq(r.status, 0, "stderr: %s", r.err);
	cr_expect_eq(count_lines(r.out), c.n);
	char *save = NULL;
	char *copy = strdup(r.out);
	for (char *l = strtok_r(copy, "\n", &save); l != NULL; l = strtok_r(NULL, "\n", &save)) {
		const char *end = json_value(l);
		cr_expect(end != NULL && *json_ws(end) == '\0', "not one JSON object: %s", l);
	}
	free(copy);
	char line[4096];
	line_with(r.out, "\"type\":\"hello\"", line, sizeof(line));
	cr_expect(strcmp(line,
	                 "{\"offset\":24,\"time\":\"2025-11-28T15:34:01.123456789Z\","
	                 "\"time_ns\":1764344041123456789,\"direction\":\"to-child\","
	                 "\"generation\":1,\"pid\":4242,\"fds\":2,\"length\":32,"
	                 "\"type\":\"hello\",\"type_id\":1,\"sequence\":1,"
	                 "\"payload_length\":16,\"payload\":{\"generation\":1,"
	                 "\"parent_pid\":4000,\"parent_start_ns\":1764344036123456789}}") == 0,
	          "%s", line);
	line_with(r.out, "\"type\":\"pong\"", line, sizeof(line));
	cr_expect(strstr(line, "\"counters\":{\"connections_accepted\":40,\"connections_open\":3,"
	                       "\"connections_refused\":1,\"requests\":77,"
	                       "\"responses\":[0,70,0,7,0],\"bytes_in\":12345") != NULL,
	          "%s", line);
	line_with(r.out, "\"type\":\"log\"", line, sizeof(line));
	cr_expect(strstr(line, "\"level\":\"warning\",\"text_length\":28,"
	                       "\"flags\":0,\"flags_flags\":[],\"text\":\"child said "
	                       "\\\"hi\\\"\\nna\xc3\xafve \\ufffd end\","
	                       "\"text_hex\":\"6368696c6420736169642022686922") != NULL,
	          "%s", line);
	line_with(r.out, "\"type\":\"ready\"", line, sizeof(line));
	cr_expect(
	        strstr(line, "\"sandbox\":2047,\"sandbox_flags\":[\"seccomp\",\"no_new_privs\"") !=
	                NULL,
	        "%s", line);
	line_with(r.out, "\"type\":\"status\"", line, sizeof(line));
	cr_expect(strstr(line, "\"state\":\"running\"") != NULL, "%s", line);
	cr_expect(strstr(line, "\"recent\":[{\"time_ns\":1764344039123456789,\"generation\":1,"
	                       "\"reason\":\"signal\",\"code\":9,\"outage_ms\":12,\"detail\":"
	                       "\"killed\"}]") != NULL,
	          "%s", line);
	line_with(r.out, "\"type\":\"violation\"", line, sizeof(line));
	cr_expect(strstr(line, "\"args\":[16,17,18,19,20,21],\"ip\":139638282147448") != NULL, "%s",
	          line);
	line_with(r.out, "GARBAGE", line, sizeof(line));
	line_with(r.out, "\"status\":\"magic\"", line, sizeof(line));
	cr_expect(strstr(line, "\"type\":null") != NULL, "%s", line);
	cr_expect(strstr(line, "\"raw_hex\":\"474152424147452d") != NULL, "%s", line);
	/* The token is the parent's secret; the child's copy (malformed) is
	 * hostile bytes shown raw like any other. */
	line_with(r.out, "\"type\":\"config\"", line, sizeof(line));
	cr_expect(strstr(line, "\"token_length\":4,\"test_mode\":0,\"user\":\"nobody\"") != NULL,
	          "%s", line);
	cr_expect(strstr(line, "s3cr") == NULL && strstr(line, "73336372") == NULL, "%s", line);
	free(r.out);
	cli_teardown(&c);
}

Test(trace_cli, filters_select_messages)
{
	struct cli c;
	cli_setup(&c);
	size_t to_parent = 0;
	for (size_t i = 0; i < c.n; i++)
		to_parent += c.s[i].direction == TRACE_TO_PARENT;
	struct {
		const char *args;
		size_t lines;
	} cases[] = {
	        {"trace show --type ping %s", 1},
	        {"trace show --type ping,pong --type=log %s", 3},
	        {"trace show --type 7 %s", 1},
	        {"trace show --type hello --generation 2 %s", 1},
	        {"trace show --generation=2 %s", 2},
	        /* the violation's explanation is a line of its own */
	        {"trace show --direction to-parent %s", to_parent + 1},
	        {"trace show --direction to-child --type config %s", 1},
	        {"trace show --since 2025-11-28T15:34:01.128456789Z %s", c.n - 5 + 1},
	        {"trace show --until 2025-11-28T15:34:01.125456789Z %s", 3},
	        {"trace show --since 2025-11-28T16:34:01.124Z %s", 0},
	        {"trace show --since 2025-11-28T16:34:01.124456789+01:00 "
	         "--until 2025-11-28T10:34:01.124456789-05:00 %s",
	         1},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cli_result r = run_on(&c, cases[i].args);
		cr_expect_eq(r.status, 0, "%s: %s", c.args, r.err);
		cr_expect_eq(count_lines(r.out), cases[i].lines, "%s:\n%s", c.args, r.out);
		free(r.out);
	}
	cli_teardown(&c);
}

Test(trace_cli, usage_errors_exit_2)
{
	const char *cases[] = {
	        "trace",
	        "trace frob /tmp/x",
	        "trace show",
	        "trace show --type",
	        "trace show --type nope /tmp/x",
	        "trace show --type 70000 /tmp/x",
	        "trace show --direction up /tmp/x",
	        "trace show --generation -1 /tmp/x",
	        "trace show --since yesterday /tmp/x",
	        "trace show --since 2025-02-29T00:00:00Z /tmp/x",
	        "trace show --since 2025-11-28T15:34:01.1234567890Z /tmp/x",
	        "trace show --until 1969-12-31T23:59:59Z /tmp/x",
	        "trace show --frob /tmp/x",
	        "trace show /tmp/x /tmp/y",
	        "trace stats --json /tmp/x",
	        "trace show --from-start /tmp/x",
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cli_result r = cli_run(cases[i]);
		cr_expect_eq(r.status, 2, "'%s' exited %d", cases[i], r.status);
		cr_expect(strstr(r.err, "usage") != NULL, "'%s': %s", cases[i], r.err);
		free(r.out);
	}
	struct cli_result r = cli_run("trace show /nonexistent/trace.pcap");
	cr_expect_eq(r.status, 1);
	cr_expect(strstr(r.err, "No such file") != NULL, "%s", r.err);
	free(r.out);
	r = cli_run("help");
	cr_expect(strstr(r.out, "warden trace show|stats|follow") != NULL, "%s", r.out);
	free(r.out);
}

Test(trace_cli, help_goes_to_stdout_and_exits_0)
{
	const char *cases[] = {"trace --help", "trace -h", "trace show --help",
	                       "trace stats -h /tmp/x", "trace follow --help"};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		cli_expect(cases[i], 0, "usage: warden trace show");
}

Test(trace_cli, a_damaged_file_shows_what_precedes_and_exits_1)
{
	struct cli c;
	cli_setup(&c);
	uint64_t offsets[MAX_SAMPLES];
	record_offsets(c.s, c.n, offsets);
	cr_assert_eq(truncate(c.path, (off_t)offsets[6] + 20), 0);
	const char *verbs[] = {"trace show %s", "trace show --json %s", "trace stats %s"};
	for (size_t i = 0; i < 3; i++) {
		struct cli_result r = run_on(&c, verbs[i]);
		cr_expect_eq(r.status, 1, "%s", c.args);
		char needle[256];
		snprintf(needle, sizeof(needle), "%s: record at offset %" PRIu64 ": ", c.path,
		         offsets[6]);
		cr_expect(strstr(r.err, needle) != NULL, "%s: %s", c.args, r.err);
		if (i < 2)
			cr_expect_eq(count_lines(r.out), 6, "%s: %s", c.args, r.out);
		else
			cr_expect(strstr(r.out, "records: 6,") != NULL, "%s", r.out);
		free(r.out);
	}
	cr_assert_eq(truncate(c.path, 10), 0);
	struct cli_result r = run_on(&c, "trace show %s");
	cr_expect_eq(r.status, 1);
	cr_expect(strstr(r.err, "offset 0: the file ends inside its 24-byte pcap header") != NULL,
	          "%s", r.err);
	free(r.out);
	cli_teardown(&c);
}

Test(trace_cli, stats_count_types_and_heartbeat_round_trips)
{
	struct cli c;
	cli_setup(&c);
	struct sample *beats = samples();
	size_t n = sample_heartbeats(beats, MAX_SAMPLES, 100);
	sample_write(c.path, beats, n);
	struct cli_result r = run_on(&c, "trace stats %s");
	cr_expect_eq(r.status, 0, "%s", r.err);
	char line[512];
	cr_expect(strstr(r.out, "records: 202, message bytes: 29088\n") != NULL, "%s", r.out);
	cr_expect(strstr(r.out, "generations: 1 .. 1\n") != NULL, "%s", r.out);
	line_with(r.out, "ping ", line, sizeof(line));
	cr_expect(strcmp(line, "ping              101         3232          0            0") == 0,
	          "%s", line);
	line_with(r.out, "pong ", line, sizeof(line));
	cr_expect(strcmp(line, "pong                0            0        101        25856") == 0,
	          "%s", line);
	cr_expect(strstr(r.out, "heartbeat round trip: 100 pairs, p50 50.000 ms, p99 99.000 ms, "
	                        "max 100.000 ms; 1 pings unanswered, 1 pongs unmatched\n") != NULL,
	          "%s", r.out);
	free(r.out);

	/* The conversation: malformed messages are counted apart. */
	sample_write(c.path, c.s, c.n);
	r = run_on(&c, "trace stats %s");
	cr_expect_eq(r.status, 0, "%s", r.err);
	line_with(r.out, "malformed ", line, sizeof(line));
	cr_expect(strstr(line, "malformed           0            0          2          534") ==
	                  line,
	          "%s", line);
	cr_expect(strstr(r.out, "1 pairs, p50 1.000 ms") != NULL, "%s", r.out);
	free(r.out);
	free(beats);
	cli_teardown(&c);
}

/* ---- follow ------------------------------------------------------------- */

struct follower {
	pid_t pid;
	int out, err;
	char text[1 << 16];
	size_t len;
};

static void start_follow(struct follower *f, const char *path, const char *option)
{
	int out[2], err[2];
	cr_assert_eq(pipe2(out, O_CLOEXEC), 0);
	cr_assert_eq(pipe2(err, O_CLOEXEC), 0);
	f->pid = fork();
	cr_assert_geq(f->pid, 0);
	if (f->pid == 0) {
		dup2(out[1], 1);
		dup2(err[1], 2);
		if (option != NULL)
			execl(WARDEN_BINARY, "warden", "trace", "follow", option, path,
			      (char *)NULL);
		else
			execl(WARDEN_BINARY, "warden", "trace", "follow", path, (char *)NULL);
		_exit(127);
	}
	close(out[1]);
	close(err[1]);
	f->out = out[0];
	f->err = err[0];
	f->len = 0;
}

/* Reads `fd` into f->text until `needle` shows up; false after 20 s. */
static bool wait_for(struct follower *f, int fd, const char *needle)
{
	struct timespec start, now;
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		f->text[f->len] = '\0';
		if (strstr(f->text, needle) != NULL)
			return true;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - start.tv_sec > 20)
			return false;
		struct pollfd p = {.fd = fd, .events = POLLIN};
		if (poll(&p, 1, 500) <= 0)
			continue;
		ssize_t n = read(fd, f->text + f->len, sizeof(f->text) - 1 - f->len);
		if (n <= 0)
			return false;
		f->len += (size_t)n;
	}
}

static int stop_follow(struct follower *f)
{
	kill(f->pid, SIGINT);
	int status;
	cr_assert_eq(waitpid(f->pid, &status, 0), f->pid);
	close(f->out);
	close(f->err);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void record_ping(struct trace *tr, uint32_t nonce)
{
	struct ipc_message m;
	sample_message(IPC_PING, nonce, &m);
	m.u.ping.nonce = nonce;
	uint8_t raw[IPC_MAX_MESSAGE];
	size_t len = ipc_encode(&m, raw, sizeof(raw));
	cr_assert_eq(trace_record(tr, TRACE_TO_CHILD, 1, 1, 0, raw, len), 0);
}

Test(trace_cli, follow_prints_appended_records_across_rotations)
{
	char dir[64], path[128], err[256], needle[64];
	temp_dir(dir);
	snprintf(path, sizeof(path), "%s/t.pcap", dir);
	/* Rotates every 5 pings (see ROTATE_BYTES). */
	struct trace *tr = trace_open(path, ROTATE_BYTES, 3, err, sizeof(err));
	cr_assert_not_null(tr, "%s", err);
	record_ping(tr, 1);
	cr_assert_eq(trace_flush(tr), 0);
	struct follower f;
	start_follow(&f, path, NULL);
	cr_assert(wait_for(&f, f.err, "following"), "follow did not start: %s", f.text);
	f.len = 0;
	for (uint32_t nonce = 2; nonce <= 13; nonce++) {
		record_ping(tr, nonce);
		cr_assert_eq(trace_flush(tr), 0);
		snprintf(needle, sizeof(needle), " nonce=%u ", nonce);
		cr_assert(wait_for(&f, f.out, needle), "no nonce %u in: %s", nonce, f.text);
	}
	struct trace_stats st;
	trace_get_stats(tr, &st);
	cr_expect_eq(st.rotations, 2);
	cr_expect(strstr(f.text, " nonce=1 ") == NULL, "printed what was there: %s", f.text);
	cr_expect_eq(count_lines(f.text), 12, "%s", f.text);
	cr_expect_eq(stop_follow(&f), 0);
	trace_close(tr);

	/* --from-start prints what is there too. */
	start_follow(&f, path, "--from-start");
	cr_assert(wait_for(&f, f.out, " nonce=13 "), "%s", f.text);
	cr_expect_eq(stop_follow(&f), 0);
	remove_dir(dir);
}

Test(trace_cli, follow_waits_for_a_partial_record_to_complete)
{
	char dir[64], path[128];
	temp_dir(dir);
	snprintf(path, sizeof(path), "%s/t.pcap", dir);
	struct sample *s = samples();
	size_t n = sample_conversation(s, MAX_SAMPLES);
	sample_write(path, s, n);
	size_t len;
	uint8_t *bytes = read_file(path, &len);
	uint64_t offsets[MAX_SAMPLES];
	record_offsets(s, n, offsets);
	/* A writer caught in the middle of the global header, then of a record. */
	write_file(path, bytes, 10);
	struct follower f;
	start_follow(&f, path, "--from-start");
	usleep(300000);
	int fd = open(path, O_WRONLY | O_APPEND);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, bytes + 10, offsets[3] + 7 - 10), (ssize_t)(offsets[3] + 7 - 10));
	cr_assert(wait_for(&f, f.out, " ready "), "%s", f.text);
	usleep(300000);
	cr_assert_eq(write(fd, bytes + offsets[3] + 7, len - offsets[3] - 7),
	             (ssize_t)(len - offsets[3] - 7));
	close(fd);
	cr_assert(wait_for(&f, f.out, "gen=2 pid=4243 ready"), "%s", f.text);
	cr_expect_eq(count_lines(f.text), n + 1, "%s", f.text); /* + the violation explained */
	cr_expect_eq(stop_follow(&f), 0);
	free(bytes);
	free(s);
	remove_dir(dir);
}

Test(trace_cli, follow_stops_at_a_corrupt_record)
{
	struct damaged d;
	damaged_setup(&d);
	d.bytes[d.offsets[4] + TRACE_RECORD_HEADER_SIZE] = 9; /* pseudo-header version */
	write_file(d.path, d.bytes, d.len);
	struct follower f;
	start_follow(&f, d.path, "--from-start");
	char needle[64];
	snprintf(needle, sizeof(needle), "record at offset %" PRIu64 ":", d.offsets[4]);
	cr_assert(wait_for(&f, f.err, needle), "%s", f.text);
	int status;
	cr_assert_eq(waitpid(f.pid, &status, 0), f.pid);
	cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 1, "status %d", status);
	f.len = 0;
	cr_expect(wait_for(&f, f.out, " ping "), "%s", f.text);
	cr_expect_eq(count_lines(f.text), 4, "%s", f.text);
	close(f.out);
	close(f.err);
	damaged_teardown(&d);
}
