/*
 * review.c - `warden policy explain FILE SYSCALL [ARG...]` and
 * `warden policy diff BEFORE AFTER`, with --bind as the other commands.
 */
#include "review.h"
#include "constants.h"
#include "diff.h"
#include "explain.h"
#include "suggest.h"

#include <limits.h>
#include <linux/audit.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { USAGE = -1 }; /* the message is printed; the caller adds the usage */

static int usage_error(const char *fmt, const char *what)
{
	fputs("warden policy: ", stderr);
	fprintf(stderr, fmt, what);
	fputc('\n', stderr);
	return USAGE;
}

static int report(const struct policy_error *err)
{
	char message[1024];
	policy_error_format(err, message, sizeof(message));
	fprintf(stderr, "%s\n", message);
	return REVIEW_EXIT_ERROR;
}

/* A name (libseccomp's, as in a policy) or a number. */
static int parse_syscall(const char *text, int *nr)
{
	if (text[0] >= '0' && text[0] <= '9') {
		uint64_t v;
		size_t used;
		if (constant_scan_integer(text, strlen(text), &v, &used) != CONSTANT_SCAN_OK ||
		    used != strlen(text) || v > INT_MAX)
			return usage_error("'%s' is not a syscall number", text);
		*nr = (int)v;
		return 0;
	}
	*nr = seccomp_syscall_resolve_name_arch(SCMP_ARCH_NATIVE, text);
	if (*nr < 0)
		return usage_error("unknown syscall '%s'", text);
	return 0;
}

/* A bound parameter's value, or a constant expression: "4", "0x10",
 * "logfile_fd", "SOCK_NONBLOCK|SOCK_CLOEXEC", "(int)-1". */
static int parse_arg(const char *text, const struct policy_binding *bindings, size_t count,
                     uint64_t *value)
{
	for (size_t i = 0; i < count; i++) {
		if (strcmp(bindings[i].name, text) == 0) {
			*value = bindings[i].value;
			return 0;
		}
	}
	struct constant_eval_error ce;
	if (constant_eval(text, strlen(text), value, &ce) < 0) {
		fprintf(stderr, "warden policy: cannot read the argument '%s': %s\n", text,
		        ce.message);
		return USAGE;
	}
	return 0;
}

static int parse_call(char *const *operands, size_t count, const struct policy_binding *bindings,
                      size_t binding_count, struct policy_call *call)
{
	*call = (struct policy_call){.arch = AUDIT_ARCH_X86_64};
	if (parse_syscall(operands[0], &call->nr) < 0)
		return USAGE;
	for (size_t i = 1; i < count; i++)
		if (parse_arg(operands[i], bindings, binding_count, &call->args[i - 1]) < 0)
			return USAGE;
	return 0;
}

int review_explain(char *const *operands, size_t count, const struct policy_binding *bindings,
                   size_t binding_count)
{
	if (count < 2)
		return usage_error("%s", "explain needs FILE and SYSCALL");
	if (count > 8)
		return usage_error("%s", "a syscall takes at most 6 arguments");
	struct policy_call call;
	if (parse_call(operands + 1, count - 1, bindings, binding_count, &call) < 0)
		return USAGE;
	struct policy_error err;
	struct policy *policy = policy_parse_file(operands[0], &err);
	if (policy == NULL)
		return report(&err);
	struct policy_explainer *x = policy_explainer_new(policy, bindings, binding_count, &err);
	if (x == NULL) {
		policy_free(policy);
		return report(&err);
	}
	struct policy_explanation e;
	enum policy_verdict verdict = policy_explain(x, &call, &e);
	char line[4096];
	policy_explanation_format(x, &e, line, sizeof(line));
	printf("%s\n", line);
	policy_explainer_free(x);
	policy_free(policy);
	return verdict == POLICY_ALLOWED ? REVIEW_EXIT_YES : REVIEW_EXIT_NO;
}

static void print_line(void *ctx, const char *line)
{
	(void)ctx;
	printf("%s\n", line);
}

int review_diff(char *const *operands, size_t count, const struct policy_binding *bindings,
                size_t binding_count)
{
	if (count != 2)
		return usage_error("%s", "diff needs two files, BEFORE and AFTER");
	struct policy_error err;
	struct policy *before = policy_parse_file(operands[0], &err);
	if (before == NULL)
		return report(&err);
	struct policy *after = policy_parse_file(operands[1], &err);
	if (after == NULL) {
		policy_free(before);
		return report(&err);
	}
	long changes = policy_diff(before, after, bindings, binding_count, print_line, NULL, &err);
	int rc = changes < 0 ? report(&err) : changes > 0 ? REVIEW_EXIT_NO : REVIEW_EXIT_YES;
	if (changes == 0)
		printf("%s and %s allow the same calls with these bindings\n", operands[0],
		       operands[1]);
	policy_free(after);
	policy_free(before);
	return rc;
}

/* ---- suggest ----------------------------------------------------------------- */

struct call_list {
	struct policy_call *items;
	size_t count, capacity;
};

static int add_call(struct call_list *l, const struct policy_call *call)
{
	if (l->count == l->capacity) {
		size_t capacity = l->capacity ? 2 * l->capacity : 64;
		struct policy_call *items = realloc(l->items, capacity * sizeof(*items));
		if (items == NULL)
			return -1;
		l->items = items;
		l->capacity = capacity;
	}
	l->items[l->count++] = *call;
	return 0;
}

/* Every call written as the parent writes it ("nr=... arch=... args=...")
 * in `in`, line by line. */
static int read_calls(FILE *in, struct call_list *l)
{
	char *text = NULL;
	size_t size = 0;
	int rc = 0;
	while (rc == 0 && getline(&text, &size, in) >= 0) {
		struct policy_call call;
		for (const char *p = text; rc == 0 && policy_call_scan(p, &p, &call);)
			rc = add_call(l, &call);
	}
	free(text);
	return rc;
}

static int read_inputs(char *const *names, size_t count, struct call_list *l)
{
	if (count == 0)
		return read_calls(stdin, l);
	for (size_t i = 0; i < count; i++) {
		bool is_stdin = strcmp(names[i], "-") == 0;
		FILE *in = is_stdin ? stdin : fopen(names[i], "r");
		if (in == NULL) {
			fprintf(stderr, "warden policy: cannot read %s\n", names[i]);
			return -1;
		}
		int rc = read_calls(in, l);
		if (!is_stdin)
			fclose(in);
		if (rc < 0)
			return -1;
	}
	return 0;
}

int review_suggest(char *const *operands, size_t count, const struct policy_binding *bindings,
                   size_t binding_count)
{
	if (count < 1)
		return usage_error("%s", "suggest needs FILE");
	struct policy_error err;
	struct policy *policy = policy_parse_file(operands[0], &err);
	if (policy == NULL)
		return report(&err);
	struct policy_explainer *x = policy_explainer_new(policy, bindings, binding_count, &err);
	struct call_list calls = {0};
	int rc = REVIEW_EXIT_ERROR;
	if (x == NULL) {
		rc = report(&err);
	} else if (read_inputs(operands + 1, count - 1, &calls) == 0) {
		long rules =
		        policy_suggest(x, operands[0], calls.items, calls.count, print_line, NULL);
		rc = rules < 0 ? REVIEW_EXIT_ERROR : rules > 0 ? REVIEW_EXIT_NO : REVIEW_EXIT_YES;
		if (rules == 0)
			printf("%s allows every call seen (%zu) with these bindings\n", operands[0],
			       calls.count);
	}
	free(calls.items);
	policy_explainer_free(x);
	policy_free(policy);
	return rc;
}
