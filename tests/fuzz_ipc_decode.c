/*
 * fuzz_ipc_decode.c - libFuzzer target for the IPC decoder.
 *
 * Any input: the decoder returns without crashing, and a rejection comes
 * with a status and a message. What decodes must be the one encoding of
 * its value: encoding it again gives the same bytes, and decoding those
 * gives the same message, field by field. Seeds: tests/seeds/fuzz_ipc_decode
 * (one valid message of every type, two variants each).
 */
#include "ipc/ipc.h"
#include "ipc_samples.h"

#include <stdlib.h>
#include <string.h>

static void check_rejection(const struct ipc_decode_error *err, enum ipc_decode_status status)
{
	if (status == IPC_OK || err->status != status || err->message[0] == '\0' ||
	    strnlen(err->message, sizeof(err->message)) == sizeof(err->message))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ipc_message msg, again;
	struct ipc_decode_error err;
	enum ipc_decode_status status = ipc_decode(data, size, &msg, &err);
	if (status != IPC_OK) {
		check_rejection(&err, status);
		return 0;
	}
	uint8_t buf[IPC_MAX_MESSAGE];
	size_t n = ipc_encode(&msg, buf, sizeof(buf));
	if (n != size || memcmp(buf, data, size) != 0)
		abort(); /* not canonical, or the encoder refuses what decoded */
	if (ipc_decode(buf, n, &again, &err) != IPC_OK)
		abort();
	if (!ipc_messages_equal(&msg, &again, NULL))
		abort();
	return 0;
}
