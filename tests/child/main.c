/*
 * main.c - the test build of the child (warden-child-test): the real boot
 * sequence (child/boot.c) with hooks. Every request goes through
 * misbehave_handle first, which misbehaves on /test/... (for the parent's
 * supervision tests); with `--escape NAME`, the child attempts that
 * forbidden operation once it is ready (tests/test_child.c); started under
 * a name warden-child-test.lie-WHAT, it leaves a lockdown step out and
 * claims it all the same (lie.h, for the parent's attestation tests).
 */
#include "child/child.h"
#include "escape.h"
#include "lie.h"
#include "misbehave.h"
#include "parent/child_program.h"

#include <string.h>

/* How the parent tells this build from warden-child, and refuses it unless
 * WARDEN_ALLOW_TEST_CHILD=1 says a test means it (child_program.h); and
 * the build refuses to boot unless the parent says it runs in that test
 * mode (config.test_mode, hooks.test_build). */
__attribute__((used)) static const char test_build_mark[] = CHILD_PROGRAM_TEST_MARK;

static void attempt_escape(struct child *c, void *ctx)
{
	const struct escape *e = ctx;
	e->attempt(c);
}

int main(int argc, char **argv)
{
	struct child_hooks hooks = {.handler = misbehave_handle,
	                            .after_ready = misbehave_after_ready,
	                            .test_build = true};
	struct child_lie lie;
	const struct escape *e = NULL;
	if (lie_from_name(&lie))
		hooks.lie = &lie;
	if (argc == 3 && strcmp(argv[1], "--escape") == 0)
		e = escape_find(argv[2]);
	if (e != NULL) {
		hooks.after_ready = attempt_escape;
		hooks.ctx = (void *)e;
	}
	child_main(&hooks);
	return 0;
}
