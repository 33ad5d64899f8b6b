/*
 * libFuzzer target: arbitrary bytes through the policy parser and, when
 * they parse, through the compiler with every parameter bound. Any crash,
 * leak, sanitizer report or silent failure is a bug.
 */
#include "policy/policy.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct policy_error err;
	memset(&err, 0, sizeof(err));
	struct policy *p = policy_parse("fuzz", (const char *)data, size, &err);
	if (p == NULL) {
		if (err.message[0] == '\0')
			abort(); /* a failure must say why */
		return 0;
	}
	size_t n = policy_param_count(p);
	struct policy_binding b[64];
	for (size_t i = 0; i < n && i < 64; i++)
		b[i] = (struct policy_binding){policy_param_name(p, i), (uint64_t)(i * 7 + 3)};
	struct policy_filter *f = policy_compile(p, b, n, POLICY_DENY_KILL, &err);
	if (f == NULL && err.message[0] == '\0')
		abort();
	if (f != NULL) {
		struct policy_bpf bpf;
		if (policy_filter_bpf(f, &bpf, &err) == 0)
			policy_bpf_release(&bpf);
	}
	policy_filter_free(f);
	policy_free(p);
	return 0;
}
