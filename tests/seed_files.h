/*
 * seed_files.h - the fuzz targets' seed files (tests/seeds/TARGET/NAME) are
 * the test samples, encoded by the current code: a test compares them, so a
 * protocol change that leaves stale seeds fails, and with WARDEN_UPDATE_SEEDS=1
 * in the environment the same test rewrites them instead. Plain C.
 */
#ifndef WARDEN_TESTS_SEED_FILES_H
#define WARDEN_TESTS_SEED_FILES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Whether tests/seeds/`target`/`name` holds exactly `len` bytes at `bytes`
 * (or was just written with them, in update mode). When not, `why` says
 * how it differs. */
bool seed_file_matches(const char *target, const char *name, const uint8_t *bytes, size_t len,
                       char *why, size_t why_size);

#endif
