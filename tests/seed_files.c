/*
 * seed_files.c - see seed_files.h.
 */
#include "seed_files.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { SEED_MAX = 1 << 20 };

static bool update_mode(void)
{
	const char *v = getenv("WARDEN_UPDATE_SEEDS");
	return v != NULL && strcmp(v, "1") == 0;
}

static bool write_seed(const char *path, const uint8_t *bytes, size_t len, char *why,
                       size_t why_size)
{
	FILE *f = fopen(path, "wb");
	bool ok = f != NULL && fwrite(bytes, 1, len, f) == len;
	if (f != NULL && fclose(f) != 0)
		ok = false;
	if (!ok)
		snprintf(why, why_size, "cannot write %s: %s", path, strerror(errno));
	return ok;
}

bool seed_file_matches(const char *target, const char *name, const uint8_t *bytes, size_t len,
                       char *why, size_t why_size)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/tests/seeds/%s/%s", WARDEN_SOURCE_DIR, target, name);
	if (update_mode())
		return write_seed(path, bytes, len, why, why_size);
	static uint8_t seed[SEED_MAX];
	FILE *f = fopen(path, "rb");
	if (f == NULL) {
		snprintf(why, why_size, "%s: %s (WARDEN_UPDATE_SEEDS=1 writes it)", path,
		         strerror(errno));
		return false;
	}
	size_t n = fread(seed, 1, sizeof(seed), f);
	fclose(f);
	if (n != len || memcmp(seed, bytes, len) != 0) {
		size_t at = 0;
		while (at < n && at < len && seed[at] == bytes[at])
			at++;
		snprintf(why, why_size,
		         "%s: %zu bytes, the samples encode %zu; first difference at byte %zu "
		         "(WARDEN_UPDATE_SEEDS=1 rewrites it)",
		         path, n, len, at);
		return false;
	}
	return true;
}
