/*
 * cli_run.c - see cli_run.h.
 */
#include "cli_run.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static struct cli_result run(const char *prefix, const char *args)
{
	struct cli_result r = {0};
	char errfile[] = "/tmp/warden-cli-err-XXXXXX";
	int errfd = mkstemp(errfile);
	cr_assert_geq(errfd, 0);
	char cmd[8192];
	snprintf(cmd, sizeof(cmd), "%s'%s' %s 2>'%s'", prefix, WARDEN_BINARY, args, errfile);
	FILE *p = popen(cmd, "r");
	cr_assert_not_null(p);
	size_t cap = 1 << 16;
	r.out = malloc(cap);
	cr_assert_not_null(r.out);
	size_t n;
	while ((n = fread(r.out + r.out_len, 1, cap - r.out_len - 1, p)) > 0) {
		r.out_len += n;
		if (cap - r.out_len < 4096) {
			r.out = realloc(r.out, cap *= 2);
			cr_assert_not_null(r.out);
		}
	}
	r.out[r.out_len] = '\0';
	int status = pclose(p);
	r.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	ssize_t e = read(errfd, r.err, sizeof(r.err) - 1);
	r.err[e > 0 ? e : 0] = '\0';
	close(errfd);
	unlink(errfile);
	return r;
}

struct cli_result cli_run(const char *args)
{
	return run("", args);
}

struct cli_result cli_run_within(unsigned seconds, const char *args)
{
	char prefix[64];
	snprintf(prefix, sizeof(prefix), "timeout -s KILL %u ", seconds);
	return run(prefix, args);
}

void cli_expect(const char *args, int status, const char *out)
{
	struct cli_result r = cli_run(args);
	cr_expect_eq(r.status, status, "'%s' exited %d: %s", args, r.status, r.err);
	cr_expect(strstr(r.out, out) != NULL, "'%s' printed: %s", args, r.out);
	free(r.out);
}
