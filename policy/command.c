/*
 * command.c - `warden policy check|show|export|explain|diff`.
 *
 *   check FILE [--bind name=value ...]   parse; with bindings also compile
 *   show FILE --bind name=value ...      pseudo-filter code and the
 *                                        instruction count of each program
 *   export FILE --bind name=value ...    raw BPF programs on stdout, each
 *                                        preceded by its instruction count
 *                                        (4 bytes, little-endian)
 *   explain, diff, suggest               review.c
 */
#include "command.h"
#include "policy.h"
#include "review.h"
#include "common/io.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum {
	MAX_BINDINGS = 2 * 64, /* diff binds two policies' parameters */
	MAX_OPERANDS = 8,      /* explain FILE SYSCALL and six arguments */
};

struct invocation {
	const char *verb;
	const char *file;
	char *operands[MAX_OPERANDS];
	size_t operand_count;
	struct policy_binding bindings[MAX_BINDINGS];
	size_t binding_count;
};

static void usage(FILE *out)
{
	fputs("usage: warden policy check FILE [--bind NAME=VALUE ...]\n"
	      "       warden policy show FILE --bind NAME=VALUE ...\n"
	      "       warden policy export FILE --bind NAME=VALUE ... > FILE.bpf\n"
	      "       warden policy explain FILE --bind NAME=VALUE ... SYSCALL [ARG ...]\n"
	      "       warden policy diff BEFORE AFTER --bind NAME=VALUE ...\n"
	      "       warden policy suggest FILE --bind NAME=VALUE ... [REPORTS ...]\n"
	      "--bind is given once per parameter the policy declares (for diff, once per\n"
	      "parameter either file declares). SYSCALL is a name or a number; an ARG is a\n"
	      "number, a bound parameter or a constant expression (SOCK_NONBLOCK|SOCK_CLOEXEC);\n"
	      "missing ARGs are 0.\n"
	      "exit status: check, show, export: 0 ok, 1 policy error, 2 usage error;\n"
	      "  explain: 0 allowed, 1 denied, 2 usage or policy error;\n"
	      "  diff: 0 the same meaning, 1 differences, 2 usage or policy error;\n"
	      "  suggest: 0 every call seen allowed, 1 rules suggested, 2 usage or policy error\n",
	      out);
}

static int usage_error(const char *fmt, const char *what)
{
	fputs("warden policy: ", stderr);
	fprintf(stderr, fmt, what);
	fputc('\n', stderr);
	usage(stderr);
	return POLICY_EXIT_USAGE;
}

/* A decimal or 0x-hex number of at most 32 bits. No octal: "010" is ten,
 * as the policy language reads it. */
static bool parse_value(const char *text, uint64_t *out)
{
	int base = 10;
	if (text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
		base = 16;
		text += 2;
	}
	if (!(base == 10 ? text[0] >= '0' && text[0] <= '9' : isxdigit((unsigned char)text[0])))
		return false; /* no sign, no space, no empty number */
	char *end;
	errno = 0;
	unsigned long long v = strtoull(text, &end, base);
	if (errno != 0 || *end != '\0' || v > UINT32_MAX)
		return false;
	*out = v;
	return true;
}

/* "name=value"; `text` is cut at the '=' only once it is valid, so that an
 * error can quote it whole. */
static int parse_binding(char *text, struct policy_binding *b)
{
	char *eq = strchr(text, '=');
	uint64_t value;
	if (eq == NULL || eq == text || !parse_value(eq + 1, &value))
		return -1;
	*eq = '\0';
	b->name = text;
	b->value = value;
	return 0;
}

static bool is_help(const char *arg)
{
	return strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0;
}

/* "-1" is an argument value for explain, not an option. */
static bool is_option(const char *arg)
{
	return arg[0] == '-' && arg[1] != '\0' && !(arg[1] >= '0' && arg[1] <= '9');
}

static int parse_arguments(int argc, char **argv, struct invocation *inv)
{
	if (argc < 2)
		return usage_error("%s", "missing command");
	if (is_help(argv[1])) {
		usage(stdout);
		return -1;
	}
	inv->verb = argv[1];
	for (int i = 2; i < argc; i++) {
		char *value = NULL;
		if (strcmp(argv[i], "--bind") == 0) {
			if (i + 1 == argc)
				return usage_error("%s", "--bind needs NAME=VALUE");
			value = argv[++i];
		} else if (strncmp(argv[i], "--bind=", 7) == 0) {
			value = argv[i] + 7;
		} else if (is_help(argv[i])) {
			usage(stdout);
			return -1;
		} else if (is_option(argv[i])) {
			return usage_error("unknown option '%s'", argv[i]);
		} else if (inv->operand_count < MAX_OPERANDS) {
			inv->operands[inv->operand_count++] = argv[i];
			continue;
		} else {
			return usage_error("unexpected argument '%s'", argv[i]);
		}
		if (inv->binding_count == MAX_BINDINGS)
			return usage_error("%s", "too many --bind options");
		if (parse_binding(value, &inv->bindings[inv->binding_count]) < 0)
			return usage_error("--bind takes NAME=VALUE with VALUE a number from 0 to "
			                   "4294967295, not '%s'",
			                   value);
		inv->binding_count++;
	}
	if (inv->operand_count == 0)
		return usage_error("%s", "missing policy FILE");
	inv->file = inv->operands[0];
	return 0;
}

static int report(const struct policy_error *err)
{
	char message[1024];
	policy_error_format(err, message, sizeof(message));
	fprintf(stderr, "%s\n", message);
	return POLICY_EXIT_POLICY_ERROR;
}

static int show(const struct invocation *inv, const struct policy_filter *filter,
                const struct policy_bpf *bpf)
{
	fflush(stdout);
	if (policy_filter_export_pfc(filter, STDOUT_FILENO) < 0) {
		fprintf(stderr, "warden policy: cannot write the pseudo-filter code\n");
		return POLICY_EXIT_POLICY_ERROR;
	}
	for (size_t i = 0; i < bpf->count; i++)
		printf("# %s: BPF program %zu of %zu: %u instructions\n", inv->file, i + 1,
		       bpf->count, bpf->programs[i].len);
	return POLICY_EXIT_OK;
}

static int export(const struct policy_bpf *bpf)
{
	if (isatty(STDOUT_FILENO)) {
		fprintf(stderr, "warden policy: export writes binary; redirect stdout to a file\n");
		return POLICY_EXIT_USAGE;
	}
	for (size_t i = 0; i < bpf->count; i++) {
		uint32_t n = bpf->programs[i].len;
		unsigned char count[4] = {n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, n >> 24};
		int rc = io_write_all(STDOUT_FILENO, count, sizeof(count), NULL);
		if (rc == 0)
			rc = io_write_all(STDOUT_FILENO, bpf->programs[i].filter,
			                  n * sizeof(struct sock_filter), NULL);
		if (rc < 0) {
			fprintf(stderr, "warden policy: cannot write: %s\n", strerror(-rc));
			return POLICY_EXIT_POLICY_ERROR;
		}
	}
	return POLICY_EXIT_OK;
}

static int review(const struct invocation *inv)
{
	int (*verb)(char *const *, size_t, const struct policy_binding *, size_t) =
	        strcmp(inv->verb, "explain") == 0 ? review_explain
	        : strcmp(inv->verb, "diff") == 0  ? review_diff
	                                          : review_suggest;
	int rc = verb(inv->operands, inv->operand_count, inv->bindings, inv->binding_count);
	if (rc < 0) {
		usage(stderr);
		return POLICY_EXIT_USAGE;
	}
	return rc;
}

static int run(const struct invocation *inv)
{
	if (strcmp(inv->verb, "explain") == 0 || strcmp(inv->verb, "diff") == 0 ||
	    strcmp(inv->verb, "suggest") == 0)
		return review(inv);
	if (inv->operand_count > 1)
		return usage_error("unexpected argument '%s'", inv->operands[1]);
	bool is_check = strcmp(inv->verb, "check") == 0;
	bool is_show = strcmp(inv->verb, "show") == 0;
	if (!is_check && !is_show && strcmp(inv->verb, "export") != 0)
		return usage_error("unknown command '%s'", inv->verb);
	struct policy_error err;
	struct policy *policy = policy_parse_file(inv->file, &err);
	if (policy == NULL)
		return report(&err);
	int rc = POLICY_EXIT_OK;
	struct policy_filter *filter = NULL;
	struct policy_bpf bpf = {0};
	if (!is_check || inv->binding_count > 0) {
		filter = policy_compile(policy, inv->bindings, inv->binding_count, POLICY_DENY_KILL,
		                        &err);
		if (filter == NULL || policy_filter_bpf(filter, &bpf, &err) < 0) {
			rc = report(&err);
			goto out;
		}
	}
	if (is_check)
		printf("%s: ok: %zu parameter%s, %zu rule%s%s\n", inv->file,
		       policy_param_count(policy), policy_param_count(policy) == 1 ? "" : "s",
		       policy_rule_count(policy), policy_rule_count(policy) == 1 ? "" : "s",
		       filter ? ", compiled with the given bindings" : "");
	else if (is_show)
		rc = show(inv, filter, &bpf);
	else
		rc = export(&bpf);
out:
	policy_bpf_release(&bpf);
	policy_filter_free(filter);
	policy_free(policy);
	return rc;
}

int policy_command(int argc, char **argv)
{
	struct invocation inv = {0};
	int rc = parse_arguments(argc, argv, &inv);
	if (rc != 0)
		return rc < 0 ? POLICY_EXIT_OK : rc;
	return run(&inv);
}
