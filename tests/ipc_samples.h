/*
 * ipc_samples.h - valid IPC messages of every type with non-trivial values
 * (every byte of a wide field used, negative codes, full arrays), and a
 * field-by-field comparison. Shared by the IPC tests and the fuzz target;
 * plain C, no Criterion.
 */
#ifndef WARDEN_TESTS_IPC_SAMPLES_H
#define WARDEN_TESTS_IPC_SAMPLES_H

#include "ipc/ipc.h"

#include <stdbool.h>

/* Fills `m` with a valid message of `type` (IPC_TYPE_MIN .. IPC_TYPE_MAX).
 * `variant` changes the values (and, for log and status, the variable
 * parts), so that several distinct samples of one type exist. */
void ipc_sample(unsigned type, uint32_t sequence, unsigned variant, struct ipc_message *m);

/* Whether two messages have the same type, sequence and payload fields
 * (log text compared up to text_length; padding ignored). When they
 * differ, `why` (if not NULL) names the first differing field. */
bool ipc_messages_equal(const struct ipc_message *a, const struct ipc_message *b, const char **why);

/* A small deterministic generator (xorshift64) for the hostile-input
 * tests: a fixed seed makes every failure reproducible. */
struct sample_rng {
	uint64_t state; /* never 0 */
};
uint64_t sample_rng_next(struct sample_rng *r);

#endif
