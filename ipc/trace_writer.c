/*
 * trace_writer.c - the trace writer (see trace_writer.h).
 *
 * libpcap writes the file format (global header, record headers, the
 * nanosecond timestamps) into stdio streams whose buffers are our own: each
 * of two buffers is the full buffer of a fopencookie(3) stream, so
 * pcap_dump's fwrites are copies into it and nothing else. That keeps
 * libpcap in charge of the format while we decide when bytes reach the disk
 * (one write(2) per full buffer or flush, never per message) and what
 * happens when they cannot: the buffer is dropped whole and the file is cut
 * back to its last complete record, so a full disk never leaves a half
 * record in the middle of a trace. Room is made before every record, so
 * stdio never writes a buffer out by itself: the cookie's write function
 * only catches that bug.
 *
 * Records go into the front buffer while the other one is written by the
 * writer thread (trace_threads.h): copying a record is all that the caller
 * pays, and the kernel's copy into the page cache, which costs more than
 * the rest together, happens beside it. The writer's result is collected
 * before its next job and a failure is handled here, in the caller's
 * thread, which alone touches the file otherwise (rotation, truncation).
 */
#include "trace_writer.h"
#include "ipc.h"
#include "trace_threads.h"
#include "common/clock.h"

#include <errno.h>
#include <fcntl.h>
#include <pcap/pcap.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <libgen.h>
#include <limits.h>
#include <unistd.h>

enum {
	/* Each of the two buffers: room for 64 KiB of records plus the
	 * longest single record. */
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
	pcap_t *pcap; /* a dead handle: DLT_USER0, nanoseconds */
	int fd;       /* the current file, -1 when it could not be opened */
	/* buffers[front] takes records; the other may be in flight. */
	struct trace_buffer {
		uint8_t *bytes;        /* BUFFER_CAP, the stream's own buffer */
		FILE *stream;          /* fully buffered over `bytes`; __fpending: used */
		pcap_dumper_t *dumper; /* libpcap's handle on `stream` */
	} buffers[2];
	int front;
	bool stray;                /* stdio tried to write out a buffer itself: a bug */
	uint64_t buffered;         /* records in the front buffer */
	uint64_t inflight_records; /* handed to the writer, result not collected */
	uint64_t inflight_bytes;
	uint64_t file_size;    /* bytes of the current file known to be on disk */
	uint64_t file_records; /* records in the current file, buffered ones included */
	bool damaged;          /* the file may end in a partial record: rotate */
	uint8_t *packet;       /* pseudo-header + message, for pcap_dump */
	struct trace_writer writer;
	struct trace_closer closer; /* frees the files rotation removes */
	int removed_fd;             /* the file just removed, for the closer, or -1 */
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

/* Counts an error and keeps its text: what failed, then strerror(error)
 * unless `cause` is false (the text says it all). */
static void note(struct trace *tr, int error, bool cause, const char *fmt, va_list ap)
{
	tr->stats.errors++;
	tr->stats.last_errno = error;
	char what[200];
	vsnprintf(what, sizeof(what), fmt, ap);
	snprintf(tr->stats.last_error, sizeof(tr->stats.last_error), "%s%s%s", what,
	         cause ? ": " : "", cause ? strerror(error) : "");
}

static void note_error(struct trace *tr, int error, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static void note_error(struct trace *tr, int error, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	note(tr, error, true, fmt, ap);
	va_end(ap);
}

static void note_refusal(struct trace *tr, int error, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static void note_refusal(struct trace *tr, int error, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	note(tr, error, false, fmt, ap);
	va_end(ap);
}

static struct trace_buffer *front(struct trace *tr)
{
	return &tr->buffers[tr->front];
}

/* Bytes waiting in the front buffer. */
static size_t front_used(struct trace *tr)
{
	return __fpending(front(tr)->stream);
}

/* Empties the front buffer: its bytes have been written, or are dropped. */
static void front_reset(struct trace *tr)
{
	__fpurge(front(tr)->stream);
	clearerr(front(tr)->stream);
	tr->buffered = 0;
}

/* stdio writes a buffer out only when a record does not fit, which
 * make_room prevents: refuse, and let the record be dropped. */
static ssize_t cookie_write(void *cookie, const char *data, size_t size)
{
	struct trace *tr = cookie;
	(void)data;
	(void)size;
	tr->stray = true;
	errno = ENOBUFS;
	return -1;
}

static int cookie_close(void *cookie)
{
	(void)cookie;
	return 0;
}

static int open_buffer(struct trace *tr, struct trace_buffer *b)
{
	cookie_io_functions_t io = {.write = cookie_write, .close = cookie_close};
	b->bytes = malloc(BUFFER_CAP);
	b->stream = fopencookie(tr, "w", io);
	if (b->bytes == NULL || b->stream == NULL)
		return -1;
	if (setvbuf(b->stream, (char *)b->bytes, _IOFBF, BUFFER_CAP) != 0)
		return -1;
	/* Only the caller's thread touches the stream (the writer thread gets
	 * bytes, never the FILE): stdio's lock per fwrite, real since the
	 * process has a second thread, would guard nothing. */
	__fsetlocking(b->stream, FSETLOCKING_BYCALLER);
	/* pcap_dump_fopen writes a global header, which start_file sends
	 * when a file begins: this one goes. */
	b->dumper = pcap_dump_fopen(tr->pcap, b->stream);
	__fpurge(b->stream);
	return b->dumper != NULL ? 0 : -1;
}

static void close_buffer(struct trace_buffer *b)
{
	if (b->stream != NULL) {
		__fpurge(b->stream); /* nothing left for the cookie at fclose */
		if (b->dumper != NULL)
			pcap_dump_close(b->dumper); /* fclose()s the stream */
		else
			fclose(b->stream);
	}
	free(b->bytes);
}

static void close_file(struct trace *tr)
{
	if (tr->fd >= 0)
		close(tr->fd);
	tr->fd = -1;
}

static int write_header(struct trace *tr);

/* The file just created must be what O_EXCL promises: a regular file of
 * this user's (a file system that does not honour O_EXCL could hand over
 * something else). */
static int check_created(int fd)
{
	struct stat st;
	if (fstat(fd, &st) != 0)
		return -errno;
	if (!S_ISREG(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 022) != 0)
		return -EPERM;
	return 0;
}

/* O_NOFOLLOW and O_NONBLOCK as for the log: nothing planted at the path is
 * followed, nor waited for; the descriptor is made blocking again for the
 * writer thread's writes. */
static int open_fresh(const char *path)
{
	int fd = open(path,
	              O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK,
	              0640);
	if (fd < 0)
		return -errno;
	int rc = check_created(fd);
	int fl = rc == 0 ? fcntl(fd, F_GETFL) : -1;
	if (rc == 0 && (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0))
		rc = -errno;
	if (rc == 0)
		return fd;
	close(fd);
	return rc;
}

/* Creates a fresh `path` (O_EXCL: the old one has been moved or removed,
 * and nothing planted there is followed) and writes libpcap's global
 * header to it. */
static int start_file(struct trace *tr)
{
	front_reset(tr);
	tr->file_size = 0;
	tr->file_records = 0;
	tr->damaged = false;
	tr->fd = open_fresh(tr->path);
	if (tr->fd < 0) {
		int e = -tr->fd;
		tr->fd = -1;
		note_error(tr, e, "open %s", tr->path);
		return -e;
	}
	if (pcap_dump_fopen(tr->pcap, front(tr)->stream) == NULL || tr->stray) {
		tr->stray = false;
		front_reset(tr);
		note_error(tr, ENOBUFS, "start %s", tr->path);
		close_file(tr);
		return -ENOBUFS;
	}
	return write_header(tr);
}

static int check_path(const char *path, const char **kind);

/* After a failed open: whatever a failed attempt left at the path goes. */
static int reopen(struct trace *tr)
{
	const char *kind;
	int rc = check_path(tr->path, &kind);
	if (rc == 0 && unlink(tr->path) != 0 && errno != ENOENT)
		rc = -errno;
	if (rc != 0) {
		note_error(tr, -rc, "reopen %s", tr->path);
		return rc;
	}
	return start_file(tr);
}

/* Waits for the writer and settles its last job. A failed write loses the
 * job's records and the file is cut back to its last complete record.
 * Returns 0 or the write's -errno. */
static int collect(struct trace *tr)
{
	struct trace_write_result r = trace_writer_wait(&tr->writer);
	if (!r.done)
		return 0;
	uint64_t records = tr->inflight_records, bytes = tr->inflight_bytes;
	tr->inflight_records = 0;
	tr->inflight_bytes = 0;
	if (r.error == 0) {
		tr->file_size += bytes;
		tr->stats.records += records;
		tr->stats.bytes += bytes;
		return 0;
	}
	note_error(tr, -r.error, "write %s", tr->path);
	tr->stats.dropped += records;
	tr->file_records -= records;
	if (r.written > 0 && ftruncate(tr->fd, (off_t)tr->file_size) != 0) {
		note_error(tr, errno, "truncate %s", tr->path);
		tr->damaged = true;
	}
	return r.error;
}

/* Hands the front buffer to the writer (once its previous job is
 * settled) and starts filling the other one. Returns what collect did. */
static int hand_off(struct trace *tr)
{
	int rc = collect(tr);
	size_t used = front_used(tr);
	if (used == 0)
		return rc;
	trace_writer_submit(&tr->writer, tr->fd, front(tr)->bytes, used);
	tr->inflight_records = tr->buffered;
	tr->inflight_bytes = used;
	tr->front ^= 1;
	front_reset(tr); /* its job, if it had one, was collected above */
	return rc;
}

/* The global header reaches the file before any record, so that a file
 * that exists is a pcap file; a failure here is a failure to open. */
static int write_header(struct trace *tr)
{
	hand_off(tr); /* the writer is idle: nothing to collect first */
	int rc = collect(tr);
	if (rc != 0)
		close_file(tr);
	return rc;
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
	int handed = hand_off(tr);
	int written = collect(tr);
	return written != 0 ? written : handed;
}

/* Unlinks `path`, keeping the file itself for free_removed: an O_PATH
 * descriptor opens nothing (a FIFO or a device planted at a rotated name
 * is not touched) but holds the inode until it is closed. Returns 0 or -1
 * with errno set. */
static int remove_file(struct trace *tr, const char *path)
{
	int fd = open(path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (unlink(path) != 0) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		errno = e;
		return -1;
	}
	if (tr->removed_fd >= 0) /* one removal per rotation: never, but no leak */
		close(tr->removed_fd);
	tr->removed_fd = fd;
	return 0;
}

/* The removed file's pages are freed by the closer's thread (see
 * trace_threads.h), once the fresh file is started: freeing them holds up
 * ext4's creation of a new file (5 ms measured) as much as it would this
 * thread. */
static void free_removed(struct trace *tr)
{
	if (tr->removed_fd >= 0)
		trace_closer_close(&tr->closer, tr->removed_fd);
	tr->removed_fd = -1;
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
	if (remove_file(tr, tr->to) != 0 && errno != ENOENT)
		note_error(tr, errno, "remove %s", tr->to);
	for (unsigned n = tr->max_files - 1; n >= 1; n--) {
		numbered(tr, n - 1, tr->from);
		numbered(tr, n, tr->to);
		if (rename(tr->from, tr->to) != 0 && errno != ENOENT)
			note_error(tr, errno, "rename %s to %s", tr->from, tr->to);
	}
}

static const char *kind_of(mode_t mode)
{
	if (S_ISLNK(mode))
		return "a symbolic link";
	if (S_ISDIR(mode))
		return "a directory";
	if (S_ISFIFO(mode))
		return "a FIFO";
	if (S_ISSOCK(mode))
		return "a socket";
	return "a device";
}

/* Only a regular file (or nothing) at `path` is ours to move or remove: a
 * trace pointed at /dev/null or through a symlink must not rename or unlink
 * it. Returns 0, or -errno with `*kind` saying what is there instead
 * (-EEXIST). */
static int check_path(const char *path, const char **kind)
{
	struct stat st;
	*kind = "";
	if (lstat(path, &st) != 0)
		return errno == ENOENT ? 0 : -errno;
	if (S_ISREG(st.st_mode))
		return 0;
	*kind = kind_of(st.st_mode);
	return -EEXIST;
}

/* Makes way for a fresh file: the current one becomes FILE.1 when files
 * are kept, or is removed (a reader following it keeps its descriptor and
 * sees a new inode at the path). */
static int clear_path(struct trace *tr)
{
	const char *kind;
	int rc = check_path(tr->path, &kind);
	if (rc == -EEXIST) {
		note_refusal(tr, -rc, "%s is %s, not a regular file", tr->path, kind);
		return rc;
	}
	if (rc != 0) {
		note_error(tr, -rc, "%s", tr->path);
		return rc;
	}
	if (tr->max_files > 1)
		shift_files(tr);
	else if (remove_file(tr, tr->path) != 0 && errno != ENOENT)
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
	free_removed(tr);
	return started != 0 ? started : rc;
}

/* Rotation and buffer room for a record of `size` file bytes. */
static int make_room(struct trace *tr, size_t size)
{
	size_t used = front_used(tr);
	bool full = tr->max_bytes > 0 && tr->file_records > 0 &&
	            tr->file_size + tr->inflight_bytes + used + size > tr->max_bytes;
	if (full || tr->damaged)
		rotate(tr);
	else if (used + size > BUFFER_CAP)
		hand_off(tr);
	if (tr->fd < 0)
		return -EIO;
	if (front_used(tr) + size > BUFFER_CAP)
		return -ENOBUFS; /* unreachable: a hand-off empties the front buffer */
	return 0;
}

static int drop(struct trace *tr, int rc)
{
	tr->stats.dropped++;
	return rc;
}

/* Whether `raw` says it is a config message: its header's type, read
 * without decoding, which every other message would pay for. */
static bool is_config(const uint8_t *raw, size_t len)
{
	struct ipc_header h;
	return ipc_peek_header(raw, len, &h) && h.type == IPC_CONFIG;
}

/* Copies the message into `out`. Operators read traces, and need not
 * learn the bearer token from them: a config message that decodes is
 * re-encoded with the token's bytes zeroed (its length stays, so a reader
 * sees that auth is on), whoever records it. One that does not decode is
 * not the parent's and is recorded as received. */
static void copy_scrubbed(uint8_t *out, const uint8_t *raw, size_t len)
{
	struct ipc_message msg;
	if (len > 0)
		memcpy(out, raw, len);
	if (!is_config(raw, len) || ipc_decode(raw, len, &msg, NULL) != IPC_OK)
		return;
	memset(msg.u.config.token, 0, sizeof(msg.u.config.token));
	/* A message that decodes has exactly one encoding, of its length. */
	if (ipc_encode(&msg, out, len) != len)
		memset(out, 0, len);
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
	copy_scrubbed(tr->packet + TRACE_PSEUDO_HEADER_SIZE, raw, len);
	struct pcap_pkthdr hdr = {
	        .caplen = (bpf_u_int32)caplen,
	        .len = (bpf_u_int32)caplen,
	};
	/* With nanosecond precision libpcap stores tv_usec as nanoseconds. */
	hdr.ts.tv_sec = (time_t)(time_ns / 1000000000u);
	hdr.ts.tv_usec = (suseconds_t)(time_ns % 1000000000u);
	pcap_dump((u_char *)front(tr)->dumper, &hdr, tr->packet);
	if (tr->stray) {
		/* Part of the record may be in the buffer: all of it goes. */
		tr->stray = false;
		tr->stats.dropped += tr->buffered;
		tr->file_records -= tr->buffered;
		front_reset(tr);
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
	return trace_record_at(tr, clock_realtime_ns(), direction, generation, pid, fd_count, raw,
	                       len);
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
	if (tr->removed_fd >= 0)
		close(tr->removed_fd);
	trace_writer_stop(&tr->writer);
	trace_closer_wait(&tr->closer);
	if (tr->pcap != NULL)
		pcap_close(tr->pcap);
	free(tr->packet);
	close_buffer(&tr->buffers[0]);
	close_buffer(&tr->buffers[1]);
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

int trace_check(const char *path, char *err, size_t err_size)
{
	const char *kind;
	if (check_arguments(path, 0, 1, err, err_size) != 0)
		return -1;
	if (check_path(path, &kind) == -EEXIST) {
		snprintf(err, err_size, "trace: %s is %s, not a regular file", path, kind);
		return -1;
	}
	char dir[PATH_MAX];
	snprintf(dir, sizeof(dir), "%s", path);
	const char *parent = dirname(dir);
	if (access(parent, W_OK | X_OK) == 0)
		return 0;
	snprintf(err, err_size, "trace: cannot create files in %s: %s", parent, strerror(errno));
	return -1;
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
	tr->removed_fd = -1;
	tr->max_bytes = max_bytes;
	tr->max_files = max_bytes > 0 ? max_files : 1;
	size_t len = strlen(path);
	tr->path = strdup(path);
	tr->from = malloc(len + SUFFIX_MAX);
	tr->to = malloc(len + SUFFIX_MAX);
	tr->packet = malloc(TRACE_SNAPLEN);
	tr->pcap = pcap_open_dead_with_tstamp_precision(DLT_USER0, TRACE_SNAPLEN,
	                                                PCAP_TSTAMP_PRECISION_NANO);
	if (tr->path == NULL || tr->from == NULL || tr->to == NULL || tr->packet == NULL ||
	    tr->pcap == NULL || open_buffer(tr, &tr->buffers[0]) != 0 ||
	    open_buffer(tr, &tr->buffers[1]) != 0)
		goto nomem;
	int rc = trace_writer_start(&tr->writer);
	if (rc != 0) {
		snprintf(err, err_size, "trace: cannot start the writer thread: %s", strerror(-rc));
		free_trace(tr);
		return NULL;
	}
	rc = clear_path(tr);
	if (rc == 0)
		rc = start_file(tr);
	free_removed(tr);
	if (rc != 0) {
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
