/*
 * fuzz_trace_read - arbitrary bytes as a trace file, through the reader and
 * both printers: nothing may crash, overrun or leak, whatever the file says.
 */
#include "ipc/trace_print.h"
#include "ipc/trace_reader.h"

#include <stdint.h>
#include <stdio.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0; /* fmemopen refuses it; the tests cover an empty file */
	FILE *f = fmemopen((void *)data, size, "rb");
	if (f == NULL)
		return 0;
	FILE *sink = fopen("/dev/null", "w");
	char err[300];
	struct trace_reader *r = trace_reader_fopen(f, err, sizeof(err), NULL);
	if (r == NULL)
		goto out;
	struct trace_record rec;
	/* A bounded number of records: a corrupt file is not read past. */
	for (int i = 0; i < 4096; i++) {
		if (trace_reader_next(r, &rec, err, sizeof(err)) != TRACE_READ_RECORD)
			break;
		if (sink != NULL) {
			trace_print_text(sink, &rec);
			trace_print_json(sink, &rec);
		}
	}
	trace_reader_close(r);
out:
	if (sink != NULL)
		fclose(sink);
	return 0;
}
