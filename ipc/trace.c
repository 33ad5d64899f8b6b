/*
 * trace.c - the trace writer (see trace.h).
 *
 * libpcap writes the file format (global header, record headers, the
 * nanosecond timestamps) into a FILE that is a fopencookie(3) stream over
 * our own buffer. That keeps libpcap in charge of the format while we decide
 * when bytes reach the disk (one write(2) per flush, not per message) and
 * what happens when they cannot: the buffer is dropped whole and the file is
 * cut back to its last complete record, so a full disk never leaves a half
 * record in the middle of a trace.
 */
#include "trace.h"

#include <errno.h>
#include <fcntl.h>
#include <pcap/pcap.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

enum {
	/* Room for 64 KiB of records plus the longest single record. */
	BUFFER_CAP = 128 * 1024,
	/* ".4294967295" and the NUL. */
	SUFFIX_MAX = 12,
	/* Rotation renames max_files - 1 files: keep that bounded. */
	MAX_FILES_LIMIT = 1000,
};

struct trace {
	char *path;
	char *from, *to; /* rename scratch: path + SUFFIX_MAX */
	uint64_t max_bytes;
	unsigned max_files;
	pcap_t *pcap;          /* a dead handle: DLT_USER0, nanoseconds */
	int fd;                /* the current file, -1 when it could not be opened */
	FILE *stream;          /* cookie stream over `buf`, owned by `dumper` */
	pcap_dumper_t *dumper; /* NULL when fd is -1 */
	uint8_t *buf;          /* bytes for the current file, not yet written */
	size_t used;
	bool overflow;         /* the cookie refused bytes: a bug, but never UB */
	uint64_t buffered;     /* records in `buf` */
	uint64_t file_size;    /* bytes of the current file on disk */
	uint64_t file_records; /* records in the current file, buffered ones included */
	bool damaged;          /* the file may end in a partial record: rotate */
	uint8_t *packet;       /* pseudo-header + message, for pcap_dump */
	struct trace_stats stats;
};

void trace_pseudo_header_encode(const struct trace_pseudo_header *ph,
                                uint8_t out[TRACE_PSEUDO_HEADER_SIZE])
{
	out[0] = ph->version;
	out[1] = ph->direction;
	out[2] = (uint8_t)ph->fd_count;
	out[3] = (uint8_t)(ph->fd_count >> 8);
	for (int i = 0; i < 4; i++) {
		out[4 + i] = (uint8_t)(ph->generation >> (8 * i));
		out[8 + i] = (uint8_t)(ph->pid >> (8 * i));
		out[12 + i] = (uint8_t)(ph->reserved >> (8 * i));
	}
	for (int i = 0; i < 8; i++)
		out[16 + i] = (uint8_t)(ph->time_ns >> (8 * i));
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

void trace_pseudo_header_decode(const uint8_t in[TRACE_PSEUDO_HEADER_SIZE],
                                struct trace_pseudo_header *ph)
{
	ph->version = in[0];
	ph->direction = in[1];
	ph->fd_count = (uint16_t)(in[2] | in[3] << 8);
	ph->generation = le32(in + 4);
	ph->pid = le32(in + 8);
	ph->reserved = le32(in + 12);
	ph->time_ns = (uint64_t)le32(in + 16) | (uint64_t)le32(in + 20) << 32;
}

static void note_error(struct trace *tr, int error, const char *fmt, ...)
{
	tr->stats.errors++;
	tr->stats.last_errno = error;
	char what[200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	snprintf(tr->stats.last_error, sizeof(tr->stats.last_error), "%s: %s", what,
	         strerror(error));
}

/* The cookie stream's write: libpcap's bytes land in the buffer. The caller
 * makes room before every pcap_dump, so a refusal here is a bug, which shows
 * as a dropped record rather than an overrun. */
static ssize_t cookie_write(void *cookie, const char *data, size_t size)
{
	struct trace *tr = cookie;
	if (size > BUFFER_CAP - tr->used) {
		tr->overflow = true;
		errno = ENOBUFS;
		return -1;
	}
	memcpy(tr->buf + tr->used, data, size);
	tr->used += size;
	return (ssize_t)size;
}

static int cookie_close(void *cookie)
{
	(void)cookie;
	return 0;
}

static void close_file(struct trace *tr)
{
	if (tr->dumper != NULL)
		pcap_dump_close(tr->dumper); /* fclose()s the cookie stream */
	tr->dumper = NULL;
	tr->stream = NULL;
	if (tr->fd >= 0)
		close(tr->fd);
	tr->fd = -1;
}

/* Creates a fresh `path` (O_EXCL: the old one has been moved or removed,
 * and nothing planted there is followed) and puts libpcap's global header
 * in the buffer. */
static int start_file(struct trace *tr)
{
	tr->used = 0;
	tr->buffered = 0;
	tr->file_size = 0;
	tr->file_records = 0;
	tr->damaged = false;
	tr->overflow = false;
	tr->fd = open(tr->path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0640);
	if (tr->fd < 0) {
		int e = errno;
		note_error(tr, e, "open %s", tr->path);
		return -e;
	}
	cookie_io_functions_t io = {.write = cookie_write, .close = cookie_close};
	tr->stream = fopencookie(tr, "w", io);
	if (tr->stream == NULL)
		goto fail;
	/* Unbuffered: every fwrite goes straight to cookie_write. */
	setvbuf(tr->stream, NULL, _IONBF, 0);
	tr->dumper = pcap_dump_fopen(tr->pcap, tr->stream);
	if (tr->dumper == NULL) {
		fclose(tr->stream);
		tr->stream = NULL;
		errno = ENOMEM;
		goto fail;
	}
	return 0;
fail:;
	int e = errno;
	note_error(tr, e, "start %s", tr->path);
	close_file(tr);
	return -e;
}

static int check_path(struct trace *tr);

/* After a failed open: whatever a failed attempt left at the path goes. */
static int reopen(struct trace *tr)
{
	int rc = check_path(tr);
	if (rc == 0 && unlink(tr->path) != 0 && errno != ENOENT)
		rc = -errno;
	if (rc != 0) {
		note_error(tr, -rc, "reopen %s", tr->path);
		return rc;
	}
	return start_file(tr);
}

static int write_all(int fd, const uint8_t *data, size_t len, size_t *written)
{
	*written = 0;
	while (*written < len) {
		ssize_t n = write(fd, data + *written, len - *written);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO;
		*written += (size_t)n;
	}
	return 0;
}

/* A failed write: the buffered records are lost; the file is cut back to
 * its last complete record. A file that never got its global header keeps
 * it in the buffer, so that it is still a pcap file when the disk has room
 * again. */
static void drop_buffer(struct trace *tr, size_t written)
{
	tr->stats.dropped += tr->buffered;
	tr->file_records -= tr->buffered;
	tr->buffered = 0;
	if (written > 0 && ftruncate(tr->fd, (off_t)tr->file_size) != 0) {
		note_error(tr, errno, "truncate %s", tr->path);
		tr->damaged = true;
	}
	tr->used = tr->file_size == 0 ? TRACE_FILE_HEADER_SIZE : 0;
}

int trace_flush(struct trace *tr)
{
	if (tr == NULL)
		return 0;
	if (tr->fd < 0) {
		/* The last open failed: try again, at the timer's pace. */
		int rc = reopen(tr);
		if (rc != 0)
			return rc;
	}
	if (tr->used == 0)
		return 0;
	size_t written;
	int rc = write_all(tr->fd, tr->buf, tr->used, &written);
	if (rc != 0) {
		note_error(tr, -rc, "write %s", tr->path);
		drop_buffer(tr, written);
		return rc;
	}
	tr->file_size += tr->used;
	tr->stats.records += tr->buffered;
	tr->stats.bytes += tr->used;
	tr->buffered = 0;
	tr->used = 0;
	return 0;
}

/* "path.N" into `out` (path length + SUFFIX_MAX bytes); N == 0 is `path`. */
static void numbered(const struct trace *tr, unsigned n, char *out)
{
	size_t len = strlen(tr->path);
	memcpy(out, tr->path, len + 1);
	if (n > 0)
		snprintf(out + len, SUFFIX_MAX, ".%u", n);
}

/* FILE.(n-1) -> FILE.n ... FILE -> FILE.1; the oldest is removed first.
 * Renaming onto an existing file would make ext4 (auto_da_alloc) start
 * writing back the whole renamed file from this thread, which measured
 * twice the cost of every record written (bench_ipc). With one file kept
 * there is nothing to shift: the fresh file replaces it. */
static void shift_files(struct trace *tr)
{
	numbered(tr, tr->max_files - 1, tr->to);
	if (unlink(tr->to) != 0 && errno != ENOENT)
		note_error(tr, errno, "remove %s", tr->to);
	for (unsigned n = tr->max_files - 1; n >= 1; n--) {
		numbered(tr, n - 1, tr->from);
		numbered(tr, n, tr->to);
		if (rename(tr->from, tr->to) != 0 && errno != ENOENT)
			note_error(tr, errno, "rename %s to %s", tr->from, tr->to);
	}
}

/* Only a regular file (or nothing) at `path` is ours to move or remove: a
 * trace pointed at /dev/null or through a symlink must not rename or unlink
 * it. Returns 0 or -errno. */
static int check_path(struct trace *tr)
{
	struct stat st;
	if (lstat(tr->path, &st) != 0)
		return errno == ENOENT ? 0 : -errno;
	return S_ISREG(st.st_mode) ? 0 : -EEXIST;
}

/* Makes way for a fresh file: the current one becomes FILE.1 when files
 * are kept, or is removed (a reader following it keeps its descriptor and
 * sees a new inode at the path). */
static int clear_path(struct trace *tr)
{
	int rc = check_path(tr);
	if (rc != 0) {
		note_error(tr, -rc, "%s is not a regular file", tr->path);
		return rc;
	}
	if (tr->max_files > 1)
		shift_files(tr);
	else if (unlink(tr->path) != 0 && errno != ENOENT)
		note_error(tr, errno, "remove %s", tr->path);
	return 0;
}

static int rotate(struct trace *tr)
{
	int rc = tr->fd >= 0 ? trace_flush(tr) : 0;
	close_file(tr);
	tr->stats.rotations++;
	int started = clear_path(tr);
	if (started == 0)
		started = start_file(tr);
	return started != 0 ? started : rc;
}

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Rotation and buffer room for a record of `size` file bytes. */
static int make_room(struct trace *tr, size_t size)
{
	bool full = tr->max_bytes > 0 && tr->file_records > 0 &&
	            tr->file_size + tr->used + size > tr->max_bytes;
	if (full || tr->damaged)
		rotate(tr);
	else if (tr->used + size > BUFFER_CAP)
		trace_flush(tr);
	if (tr->fd < 0)
		return -EIO;
	if (tr->used + size > BUFFER_CAP)
		return -ENOBUFS; /* the flush failed and kept the header: unreachable */
	return 0;
}

static int drop(struct trace *tr, int rc)
{
	tr->stats.dropped++;
	return rc;
}

int trace_record_at(struct trace *tr, uint64_t time_ns, enum trace_direction direction,
                    uint32_t generation, uint32_t pid, uint16_t fd_count, const uint8_t *raw,
                    size_t len)
{
	if (tr == NULL)
		return 0;
	if (direction != TRACE_TO_CHILD && direction != TRACE_TO_PARENT)
		return drop(tr, -EINVAL);
	if (len > TRACE_MAX_MESSAGE || (len > 0 && raw == NULL))
		return drop(tr, -EMSGSIZE);
	size_t caplen = TRACE_PSEUDO_HEADER_SIZE + len;
	int rc = make_room(tr, TRACE_RECORD_HEADER_SIZE + caplen);
	if (rc != 0)
		return drop(tr, rc);

	struct trace_pseudo_header ph = {
	        .version = TRACE_VERSION,
	        .direction = (uint8_t)direction,
	        .fd_count = fd_count,
	        .generation = generation,
	        .pid = pid,
	        .time_ns = time_ns,
	};
	trace_pseudo_header_encode(&ph, tr->packet);
	if (len > 0)
		memcpy(tr->packet + TRACE_PSEUDO_HEADER_SIZE, raw, len);
	struct pcap_pkthdr hdr = {
	        .caplen = (bpf_u_int32)caplen,
	        .len = (bpf_u_int32)caplen,
	};
	/* With nanosecond precision libpcap stores tv_usec as nanoseconds. */
	hdr.ts.tv_sec = (time_t)(time_ns / 1000000000u);
	hdr.ts.tv_usec = (suseconds_t)(time_ns % 1000000000u);
	size_t before = tr->used;
	pcap_dump((u_char *)tr->dumper, &hdr, tr->packet);
	if (tr->overflow || ferror(tr->stream)) {
		tr->used = before;
		tr->overflow = false;
		clearerr(tr->stream);
		note_error(tr, ENOBUFS, "buffer %s", tr->path);
		return drop(tr, -ENOBUFS);
	}
	tr->buffered++;
	tr->file_records++;
	return 0;
}

int trace_record(struct trace *tr, enum trace_direction direction, uint32_t generation,
                 uint32_t pid, uint16_t fd_count, const uint8_t *raw, size_t len)
{
	if (tr == NULL)
		return 0;
	return trace_record_at(tr, now_ns(), direction, generation, pid, fd_count, raw, len);
}

void trace_get_stats(const struct trace *tr, struct trace_stats *out)
{
	if (tr == NULL) {
		memset(out, 0, sizeof(*out));
		return;
	}
	*out = tr->stats;
}

static void free_trace(struct trace *tr)
{
	close_file(tr);
	if (tr->pcap != NULL)
		pcap_close(tr->pcap);
	free(tr->packet);
	free(tr->buf);
	free(tr->from);
	free(tr->to);
	free(tr->path);
	free(tr);
}

int trace_close(struct trace *tr)
{
	if (tr == NULL)
		return 0;
	int rc = tr->fd >= 0 ? trace_flush(tr) : 0;
	free_trace(tr);
	return rc;
}

static int check_arguments(const char *path, uint64_t max_bytes, unsigned max_files, char *err,
                           size_t err_size)
{
	if (path == NULL || path[0] == '\0') {
		snprintf(err, err_size, "trace: no file name");
		return -1;
	}
	if (max_bytes > 0 && (max_files < 1 || max_files > MAX_FILES_LIMIT)) {
		snprintf(err, err_size, "trace: files to keep must be 1 .. %d, not %u",
		         MAX_FILES_LIMIT, max_files);
		return -1;
	}
	return 0;
}

struct trace *trace_open(const char *path, uint64_t max_bytes, unsigned max_files, char *err,
                         size_t err_size)
{
	if (check_arguments(path, max_bytes, max_files, err, err_size) != 0)
		return NULL;
	struct trace *tr = calloc(1, sizeof(*tr));
	if (tr == NULL)
		goto nomem;
	tr->fd = -1;
	tr->max_bytes = max_bytes;
	tr->max_files = max_bytes > 0 ? max_files : 1;
	size_t len = strlen(path);
	tr->path = strdup(path);
	tr->from = malloc(len + SUFFIX_MAX);
	tr->to = malloc(len + SUFFIX_MAX);
	tr->buf = malloc(BUFFER_CAP);
	tr->packet = malloc(TRACE_SNAPLEN);
	tr->pcap = pcap_open_dead_with_tstamp_precision(DLT_USER0, TRACE_SNAPLEN,
	                                                PCAP_TSTAMP_PRECISION_NANO);
	if (tr->path == NULL || tr->from == NULL || tr->to == NULL || tr->buf == NULL ||
	    tr->packet == NULL || tr->pcap == NULL)
		goto nomem;
	if (clear_path(tr) != 0 || start_file(tr) != 0) {
		snprintf(err, err_size, "trace: %s", tr->stats.last_error);
		free_trace(tr);
		return NULL;
	}
	return tr;
nomem:
	snprintf(err, err_size, "trace: out of memory");
	if (tr != NULL)
		free_trace(tr);
	return NULL;
}
