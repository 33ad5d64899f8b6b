/*
 * corpus.c - see corpus.h.
 */
#include "corpus.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int corpus_required(void)
{
	const char *v = getenv("WARDEN_REQUIRE_CORPUS");
	return v != NULL && strcmp(v, "1") == 0;
}

const char *corpus_path(const char *relative)
{
	static char path[4096];
	snprintf(path, sizeof(path), "%s/%s", WARDEN_SHARED_DIR, relative);
	if (access(path, R_OK) == 0)
		return path;
	if (corpus_required())
		cr_assert_fail(
		        "%s is missing, and WARDEN_REQUIRE_CORPUS=1 requires it (the shared/ "
		        "directory must sit beside the checkout, or set -DWARDEN_SHARED_DIR)",
		        path);
	printf("skipped: %s is not there (files from other projects, an optional extra beside "
	       "the checkout; WARDEN_REQUIRE_CORPUS=1 makes this a failure)\n",
	       path);
	fflush(stdout);
	cr_skip_test("%s is not there (optional)", path);
}
