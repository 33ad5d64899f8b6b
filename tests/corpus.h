/*
 * corpus.h - files from other projects that the tests use when they are
 * there: the policy corpus (shared/corpus/) and the seed's original policy
 * (shared/seed/), in the shared/ directory beside the checkout
 * (WARDEN_SHARED_DIR). A user's clone does not have them: a test that
 * needs one is skipped, saying why. With WARDEN_REQUIRE_CORPUS=1 (set by
 * .ci/run) their absence fails the test instead.
 */
#ifndef WARDEN_TESTS_CORPUS_H
#define WARDEN_TESTS_CORPUS_H

/* WARDEN_SHARED_DIR/`relative` when it exists. Otherwise skips the
 * calling test (or fails it, under WARDEN_REQUIRE_CORPUS=1): it does not
 * return. Static storage. */
const char *corpus_path(const char *relative);

#endif
