/*
 * trace_reader.c - reading a trace back (see trace_reader.h).
 *
 * libpcap parses the file; we track where each record starts with ftell on
 * libpcap's own stream (it reads with plain fread, so the stream position
 * is exact), which lets every error name the offset of the record at fault
 * and lets `warden trace follow` go back to the last complete record.
 */
#include "trace_reader.h"

#include <byteswap.h>
#include <errno.h>
#include <inttypes.h>
#include <pcap/pcap.h>
#include <stdlib.h>
#include <string.h>

struct trace_reader {
	pcap_t *pcap;
	FILE *file;                    /* pcap_file(pcap), or ours until pcap owns it */
	uint64_t offset;               /* of the next record */
	enum trace_read_status failed; /* sticky: a corrupt file is not read past */
	char failure[256];
};

static const uint8_t MAGIC_USEC[4] = {0xd4, 0xc3, 0xb2, 0xa1};
static const uint8_t MAGIC_NSEC[4] = {0x4d, 0x3c, 0xb2, 0xa1};

const char *trace_direction_name(unsigned direction)
{
	switch (direction) {
	case TRACE_TO_CHILD:
		return "to-child";
	case TRACE_TO_PARENT:
		return "to-parent";
	default:
		return NULL;
	}
}

/* Size of a seekable stream, keeping its position; -1 if not seekable. */
static int64_t stream_size(FILE *f)
{
	off_t here = ftello(f);
	if (here < 0 || fseeko(f, 0, SEEK_END) != 0)
		return -1;
	off_t size = ftello(f);
	if (fseeko(f, here, SEEK_SET) != 0)
		return -1;
	return size;
}

static bool is_magic(const uint8_t m[4], const uint8_t want[4])
{
	uint8_t swapped[4] = {want[3], want[2], want[1], want[0]};
	return memcmp(m, want, 4) == 0 || memcmp(m, swapped, 4) == 0;
}

/* Checks the global header's presence and magic ourselves, so that a
 * truncated header and a pcapng file get a precise message. Leaves the
 * stream at offset 0. */
static int check_file_header(FILE *f, char *err, size_t err_size, bool *truncated)
{
	int64_t size = stream_size(f);
	if (size >= 0 && size < TRACE_FILE_HEADER_SIZE) {
		*truncated = true;
		snprintf(err, err_size,
		         "offset 0: the file ends inside its %d-byte pcap header (%" PRId64
		         " bytes)",
		         TRACE_FILE_HEADER_SIZE, size);
		return -1;
	}
	if (size < 0)
		return 0; /* not seekable: libpcap will say what is wrong */
	uint8_t magic[4];
	bool got = fread(magic, 1, 4, f) == 4;
	if (fseeko(f, 0, SEEK_SET) != 0 || !got) {
		snprintf(err, err_size, "offset 0: cannot read the pcap header: %s",
		         strerror(errno));
		return -1;
	}
	if (is_magic(magic, MAGIC_USEC) || is_magic(magic, MAGIC_NSEC))
		return 0;
	if (memcmp(magic, "\x0a\x0d\x0d\x0a", 4) == 0)
		snprintf(err, err_size,
		         "offset 0: a pcapng file; warden traces are pcap "
		         "(convert with: editcap -F pcap IN OUT)");
	else
		snprintf(err, err_size, "offset 0: not a pcap file (magic %02x%02x%02x%02x)",
		         magic[0], magic[1], magic[2], magic[3]);
	return -1;
}

static struct trace_reader *open_pcap(FILE *f, char *err, size_t err_size)
{
	char errbuf[PCAP_ERRBUF_SIZE] = "";
	pcap_t *p = pcap_fopen_offline_with_tstamp_precision(f, PCAP_TSTAMP_PRECISION_NANO, errbuf);
	if (p == NULL) {
		snprintf(err, err_size, "offset 0: not a readable pcap file: %s", errbuf);
		fclose(f); /* libpcap leaves the stream to us when it fails */
		return NULL;
	}
	if (pcap_datalink(p) != DLT_USER0) {
		const char *name = pcap_datalink_val_to_name(pcap_datalink(p));
		snprintf(err, err_size,
		         "offset 0: link type %d (%s), not USER0: not a warden trace",
		         pcap_datalink(p), name != NULL ? name : "unknown");
		pcap_close(p); /* closes f */
		return NULL;
	}
	struct trace_reader *r = calloc(1, sizeof(*r));
	if (r == NULL) {
		snprintf(err, err_size, "out of memory");
		pcap_close(p);
		return NULL;
	}
	r->pcap = p;
	r->file = pcap_file(p);
	off_t here = ftello(r->file);
	r->offset = here >= 0 ? (uint64_t)here : TRACE_FILE_HEADER_SIZE;
	return r;
}

struct trace_reader *trace_reader_fopen(FILE *f, char *err, size_t err_size, bool *truncated)
{
	bool ignored;
	if (truncated == NULL)
		truncated = &ignored;
	*truncated = false;
	if (check_file_header(f, err, err_size, truncated) != 0) {
		fclose(f);
		return NULL;
	}
	return open_pcap(f, err, err_size);
}

struct trace_reader *trace_reader_open(const char *path, char *err, size_t err_size,
                                       bool *truncated)
{
	if (truncated != NULL)
		*truncated = false;
	FILE *f = fopen(path, "rbe");
	if (f == NULL) {
		snprintf(err, err_size, "%s", strerror(errno));
		return NULL;
	}
	return trace_reader_fopen(f, err, err_size, truncated);
}

static enum trace_read_status fail(struct trace_reader *r, enum trace_read_status status, char *err,
                                   size_t err_size)
{
	r->failed = status;
	snprintf(err, err_size, "%s", r->failure);
	return status;
}

/* libpcap could not read the record at r->offset: find out whether the file
 * merely ends inside it (a writer may still be appending) or it is invalid,
 * by looking at its 16-byte pcap record header ourselves. */
static enum trace_read_status classify_failure(struct trace_reader *r, const char *pcap_error,
                                               char *err, size_t err_size)
{
	FILE *f = r->file;
	if (ferror(f)) {
		snprintf(r->failure, sizeof(r->failure), "record at offset %" PRIu64 ": read: %s",
		         r->offset, strerror(errno));
		return fail(r, TRACE_READ_IO, err, err_size);
	}
	int64_t size = stream_size(f);
	uint8_t hdr[TRACE_RECORD_HEADER_SIZE];
	uint64_t avail = size > 0 && (uint64_t)size > r->offset ? (uint64_t)size - r->offset : 0;
	uint32_t caplen = 0;
	bool header = avail >= sizeof(hdr) && fseeko(f, (off_t)r->offset, SEEK_SET) == 0 &&
	              fread(hdr, 1, sizeof(hdr), f) == sizeof(hdr);
	if (header) {
		memcpy(&caplen, hdr + 8, 4);
		if (pcap_is_swapped(r->pcap))
			caplen = bswap_32(caplen);
	}
	if (size >= 0 && (!header || (caplen <= TRACE_SNAPLEN && avail < sizeof(hdr) + caplen))) {
		snprintf(r->failure, sizeof(r->failure),
		         "record at offset %" PRIu64 ": the file ends inside the record (%" PRIu64
		         " of %zu bytes present)",
		         r->offset, avail, header ? sizeof(hdr) + caplen : sizeof(hdr));
		return fail(r, TRACE_READ_TRUNCATED, err, err_size);
	}
	snprintf(r->failure, sizeof(r->failure), "record at offset %" PRIu64 ": invalid: %s",
	         r->offset, pcap_error);
	return fail(r, TRACE_READ_CORRUPT, err, err_size);
}

static enum trace_read_status corrupt(struct trace_reader *r, uint64_t offset, char *err,
                                      size_t err_size, const char *what)
{
	snprintf(r->failure, sizeof(r->failure), "record at offset %" PRIu64 ": %s", offset, what);
	return fail(r, TRACE_READ_CORRUPT, err, err_size);
}

/* The pcap record header and the pseudo-header: anything wrong here means
 * the file is not a trace we can trust past this point. */
static enum trace_read_status check_record(struct trace_reader *r, const struct pcap_pkthdr *hdr,
                                           struct trace_record *rec, char *err, size_t err_size)
{
	char what[160];
	if (hdr->caplen != hdr->len) {
		snprintf(what, sizeof(what),
		         "captured length %u differs from original length %u "
		         "(a trace records whole messages)",
		         hdr->caplen, hdr->len);
		return corrupt(r, rec->offset, err, err_size, what);
	}
	if (hdr->caplen < TRACE_PSEUDO_HEADER_SIZE) {
		snprintf(what, sizeof(what), "%u bytes, shorter than the %d-byte pseudo-header",
		         hdr->caplen, TRACE_PSEUDO_HEADER_SIZE);
		return corrupt(r, rec->offset, err, err_size, what);
	}
	if (rec->ph.version != TRACE_VERSION) {
		snprintf(what, sizeof(what),
		         "pseudo-header version %u unknown (this reader knows %d)", rec->ph.version,
		         TRACE_VERSION);
		return corrupt(r, rec->offset, err, err_size, what);
	}
	if (trace_direction_name(rec->ph.direction) == NULL) {
		snprintf(what, sizeof(what), "pseudo-header direction %u is neither 1 nor 2",
		         rec->ph.direction);
		return corrupt(r, rec->offset, err, err_size, what);
	}
	if (rec->ph.reserved != 0) {
		snprintf(what, sizeof(what), "pseudo-header reserved field is %u, not 0",
		         rec->ph.reserved);
		return corrupt(r, rec->offset, err, err_size, what);
	}
	return TRACE_READ_RECORD;
}

/* The message: a failure to decode is the message's property, not the
 * file's, so it is reported with the record. */
static void decode_message(struct trace_record *rec)
{
	/* Without the magic, the "header" is noise: not shown as type/sequence. */
	struct ipc_header h;
	rec->has_header = ipc_peek_header(rec->raw, rec->raw_len, &h) && h.magic == IPC_MAGIC;
	if (rec->has_header) {
		rec->raw_type = h.type;
		rec->raw_length = h.length;
		rec->raw_sequence = h.sequence;
	}
	rec->status = ipc_decode(rec->raw, rec->raw_len, &rec->msg, &rec->error);
	if (rec->status != IPC_OK)
		return;
	enum ipc_direction allowed = ipc_type_direction(rec->msg.type);
	if (allowed != IPC_EITHER && (unsigned)allowed != rec->ph.direction) {
		rec->status = IPC_E_DIRECTION;
		rec->error.status = IPC_E_DIRECTION;
		snprintf(rec->error.message, sizeof(rec->error.message), "%s sent by the %s",
		         ipc_type_name(rec->msg.type),
		         rec->ph.direction == TRACE_TO_PARENT ? "child" : "parent");
	}
}

static void advance(struct trace_reader *r, const struct pcap_pkthdr *hdr)
{
	off_t here = ftello(r->file);
	r->offset = here >= 0 ? (uint64_t)here : r->offset + TRACE_RECORD_HEADER_SIZE + hdr->caplen;
}

enum trace_read_status trace_reader_next(struct trace_reader *r, struct trace_record *rec,
                                         char *err, size_t err_size)
{
	if (r->failed != TRACE_READ_RECORD && r->failed != TRACE_READ_END)
		return fail(r, r->failed, err, err_size);
	struct pcap_pkthdr *hdr;
	const u_char *data;
	int rc = pcap_next_ex(r->pcap, &hdr, &data);
	if (rc == PCAP_ERROR_BREAK)
		return TRACE_READ_END;
	if (rc != 1)
		return classify_failure(r, pcap_geterr(r->pcap), err, err_size);
	memset(rec, 0, sizeof(*rec));
	rec->offset = r->offset;
	advance(r, hdr);
	if (hdr->caplen >= TRACE_PSEUDO_HEADER_SIZE)
		trace_pseudo_header_decode(data, &rec->ph);
	enum trace_read_status status = check_record(r, hdr, rec, err, err_size);
	if (status != TRACE_READ_RECORD)
		return status;
	rec->raw = data + TRACE_PSEUDO_HEADER_SIZE;
	rec->raw_len = hdr->caplen - TRACE_PSEUDO_HEADER_SIZE;
	decode_message(rec);
	return TRACE_READ_RECORD;
}

uint64_t trace_reader_offset(const struct trace_reader *r)
{
	return r->offset;
}

int trace_reader_rewind_to(struct trace_reader *r, uint64_t offset)
{
	clearerr(r->file);
	if (fseeko(r->file, (off_t)offset, SEEK_SET) != 0)
		return -errno;
	r->offset = offset;
	r->failed = TRACE_READ_RECORD;
	r->failure[0] = '\0';
	return 0;
}

FILE *trace_reader_file(const struct trace_reader *r)
{
	return r->file;
}

void trace_reader_close(struct trace_reader *r)
{
	if (r == NULL)
		return;
	pcap_close(r->pcap); /* closes the stream */
	free(r);
}
