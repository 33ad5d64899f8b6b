/*
 * policy_diff (policy/diff.h): the difference of two policies' meanings.
 *
 * Small policies check the exact lines: a removed rule, a widened range
 * (only the new region is listed), textually different but equivalent
 * policies (nothing), bindings shared between two parameter lists. The
 * corpus checks the rest: each file against itself has no difference;
 * for neighbouring files, every call on which the two compiled verdicts
 * differ (policy_explain, itself checked against the BPF) is listed
 * under its syscall in the right direction, and A→B lists as "becomes
 * allowed" exactly what B→A lists as "becomes denied".
 */
#include "corpus.h"
#include "policy/diff.h"
#include "policy/explain.h"
#include "policy/meaning.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <linux/audit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct lines {
	char text[1 << 16];
	size_t len, count;
};

static void collect(void *ctx, const char *line)
{
	struct lines *l = ctx;
	int n = snprintf(l->text + l->len, sizeof(l->text) - l->len, "%s\n", line);
	cr_assert(n > 0 && (size_t)n < sizeof(l->text) - l->len, "diff output too long");
	l->len += (size_t)n;
	l->count++;
}

static struct policy *parse_text(const char *name, const char *text)
{
	struct policy_error err;
	struct policy *p = policy_parse(name, text, strlen(text), &err);
	cr_assert_not_null(p, "%s:%u:%u: %s", name, err.line, err.column, err.message);
	return p;
}

/* The lines of diff(before, after), or NULL with `err` on an error. */
static long diff_texts(const char *before, const char *after, const struct policy_binding *b,
                       size_t n, struct lines *out, struct policy_error *err)
{
	struct policy *x = parse_text("before", before), *y = parse_text("after", after);
	*out = (struct lines){0};
	long rc = policy_diff(x, y, b, n, collect, out, err);
	policy_free(x);
	policy_free(y);
	return rc;
}

static void expect_diff(const char *before, const char *after, const char *want)
{
	const struct policy_binding b[] = {{"fd", 4}, {"limit", 64}};
	struct lines got;
	struct policy_error err;
	long rc = diff_texts(before, after, b, 2, &got, &err);
	cr_assert_geq(rc, 0, "%s", err.message);
	cr_expect_eq((size_t)rc, got.count);
	cr_expect_str_eq(got.text, want, "before:\n%safter:\n%s", before, after);
}

#define HEAD "uint fd, uint limit\n"

Test(diff, identical_policies_have_no_difference)
{
	const char *p = HEAD "close: (and (>= (arg 0) fd) (< (arg 0) limit))\nexit_group\n";
	expect_diff(p, p, "");
}

Test(diff, a_removed_rule_becomes_denied)
{
	expect_diff(HEAD "exit_group\nsocket: (eq (arg 0) AF_INET)\nwrite: (eq (arg 0) fd)\n",
	            HEAD "exit_group\nwrite: (eq (arg 0) fd)\n",
	            "socket: becomes denied (rule removed): arg 0 = AF_INET\n");
	expect_diff(HEAD "exit_group\nwrite\n", HEAD "exit_group\n",
	            "write: becomes denied (rule removed): every call\n");
}

Test(diff, a_widened_range_lists_only_the_new_region)
{
	expect_diff(HEAD "close: (<= (arg 0) 5)\n", HEAD "close: (<= (arg 0) 9)\n",
	            "close: becomes allowed: 6 <= arg 0 <= 9\n");
	expect_diff(HEAD "close: (<= (arg 0) 9)\n", HEAD "close: (<= (arg 0) 5)\n",
	            "close: becomes denied: 6 <= arg 0 <= 9\n");
	/* Parameters by name where a bound is theirs. */
	expect_diff(HEAD "close: (and (>= (arg 0) fd) (< (arg 0) limit))\n",
	            HEAD "close: (>= (arg 0) fd)\n", "close: becomes allowed: arg 0 >= limit\n");
}

Test(diff, a_narrowed_argument_in_a_conjunction)
{
	expect_diff(HEAD "sendto: (and (eq (arg 0) fd) (eq (arg 3) MSG_NOSIGNAL))\n",
	            HEAD "sendto: (and (or (eq (arg 0) fd) (eq (arg 0) 7)) (eq (arg 3) "
	                 "\"MSG_NOSIGNAL|MSG_DONTWAIT\"))\n",
	            "sendto: becomes allowed: (arg 0 = fd or arg 0 = 7) and arg 3 = "
	            "MSG_DONTWAIT|MSG_NOSIGNAL\n"
	            "sendto: becomes denied: arg 0 = fd and arg 3 = MSG_NOSIGNAL\n");
}

Test(diff, equivalent_texts_have_no_difference)
{
	const char *a = HEAD "close: (<= (arg 0) 3)\n"
	                     "write: (or (eq (arg 0) 2) (eq (arg 0) fd))\n"
	                     "read: (and (>= (arg 0) fd) (< (arg 0) limit))\n"
	                     "exit_group\n";
	/* Reordered, < 4 for <= 3, the or split the other way, De Morgan, a
	 * double negation, the argument on the right, and a redundant term. */
	const char *b = HEAD "exit_group\n"
	                     "read: (not (or (< (arg 0) fd) (>= (arg 0) limit)))\n"
	                     "write: (or (eq fd (arg 0)) (and (eq (arg 0) 2) (< (arg 0) 100)))\n"
	                     "close: (not (not (< (arg 0) 4)))\n";
	expect_diff(a, b, "");
	expect_diff(b, a, "");
}

/* The high 32 bits of an int argument are not part of its meaning. */
Test(diff, a_32_bit_argument_is_compared_on_its_low_half)
{
	expect_diff(HEAD "close: (eq (arg 0) \"(int)-1\")\n",
	            HEAD "close: (eq (arg 0) 0xffffffff)\n", "");
}

Test(diff, bindings_cover_both_parameter_lists)
{
	const char *a = "uint fd\nwrite: (eq (arg 0) fd)\n";
	const char *b = "uint fd, uint other\nwrite: (or (eq (arg 0) fd) (eq (arg 0) other))\n";
	const struct policy_binding both[] = {{"fd", 4}, {"other", 9}};
	struct lines got;
	struct policy_error err;
	cr_assert_eq(diff_texts(a, b, both, 2, &got, &err), 1, "%s", err.message);
	cr_expect_str_eq(got.text, "write: becomes allowed: arg 0 = other\n");
	const struct policy_binding same[] = {{"fd", 4}, {"other", 4}};
	cr_expect_eq(diff_texts(a, b, same, 2, &got, &err), 0, "%s", err.message);
	const struct policy_binding stray[] = {{"fd", 4}, {"other", 9}, {"nope", 1}};
	cr_expect_eq(diff_texts(a, b, stray, 3, &got, &err), -1);
	cr_expect(strstr(err.message, "unknown parameter 'nope'") != NULL, "%s", err.message);
	cr_expect_eq(diff_texts(a, b, both, 1, &got, &err), -1);
	cr_expect(strstr(err.message, "unbound parameter 'other'") != NULL, "%s", err.message);
}

/* ---- The corpus ---------------------------------------------------------- */

static size_t corpus_files(char **names, size_t cap)
{
	const char *dir = corpus_path("corpus/firedancer-policies");
	DIR *d = opendir(dir);
	cr_assert_not_null(d, "%s: %s", dir, strerror(errno));
	size_t n = 0;
	for (struct dirent *e; (e = readdir(d)) != NULL;) {
		if (strstr(e->d_name, ".seccomppolicy") == NULL || n == cap)
			continue;
		char path[4096];
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		names[n++] = strdup(path);
	}
	closedir(d);
	return n;
}

/* Every parameter of either policy bound to 3 + its index in the union
 * of both lists: distinct values, so that a value names one parameter. */
static size_t bind_pair(const struct policy *a, const struct policy *b, struct policy_binding *out)
{
	size_t n = 0;
	const struct policy *both[] = {a, b};
	for (size_t p = 0; p < 2; p++) {
		for (size_t k = 0; k < policy_param_count(both[p]); k++) {
			const char *name = policy_param_name(both[p], k);
			bool seen = false;
			for (size_t i = 0; i < n; i++)
				seen = seen || strcmp(out[i].name, name) == 0;
			if (!seen) {
				out[n] = (struct policy_binding){name, 3 + n};
				n++;
			}
		}
	}
	return n;
}

/* The bindings a policy declares, out of the pair's. */
static size_t own_bindings(const struct policy *p, const struct policy_binding *all, size_t n,
                           struct policy_binding *out)
{
	size_t m = 0;
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < policy_param_count(p); k++)
			if (strcmp(all[i].name, policy_param_name(p, k)) == 0)
				out[m++] = all[i];
	return m;
}

/* A line of diff(B, A) as diff(A, B) says it: the direction turned. */
static void turn(const char *line, size_t len, char *out, size_t size)
{
	static const char *const words[][2] = {
	        {": becomes allowed (new rule): ", ": becomes denied (rule removed): "},
	        {": becomes allowed: ", ": becomes denied: "},
	};
	for (size_t w = 0; w < 2; w++) {
		for (size_t d = 0; d < 2; d++) {
			const char *at = strstr(line, words[w][d]);
			if (at == NULL || at >= line + len)
				continue;
			const char *rest = at + strlen(words[w][d]);
			snprintf(out, size, "%.*s%s%.*s\n", (int)(at - line), line, words[w][1 - d],
			         (int)(line + len - rest), rest);
			return;
		}
	}
	cr_assert_fail("no direction in '%.*s'", (int)len, line);
}

/* diff(B, A) is diff(A, B) turned around, line for line. */
static void expect_turned(const struct lines *forward, const struct lines *backward)
{
	char turned[4200];
	for (const char *at = backward->text; *at != '\0';) {
		const char *end = strchr(at, '\n');
		turn(at, (size_t)(end - at), turned, sizeof(turned));
		cr_expect(strstr(forward->text, turned) != NULL, "'%s' is not in\n%s", turned,
		          forward->text);
		at = end + 1;
	}
}

struct pair {
	struct policy *a, *b;
	struct policy_explainer *xa, *xb;
	struct lines forward;
};

/* Calls on which the two verdicts differ are listed, each in its
 * direction, under its syscall. */
static size_t check_verdicts(const struct pair *p, const struct rule *rule, uint64_t *state)
{
	size_t differing = 0;
	for (unsigned k = 0; k < 400; k++) {
		struct policy_call call = {.nr = rule->number, .arch = AUDIT_ARCH_X86_64};
		for (unsigned a = 0; a < 6; a++) {
			*state = *state * 6364136223846793005ull + 1442695040888963407ull;
			uint64_t v = *state >> 33;
			call.args[a] = k % 2 ? v % 16 : v;
		}
		struct policy_explanation ea, eb;
		enum policy_verdict va = policy_explain(p->xa, &call, &ea);
		enum policy_verdict vb = policy_explain(p->xb, &call, &eb);
		if (va == vb)
			continue;
		differing++;
		char want[128];
		snprintf(want, sizeof(want), "%s: becomes %s", rule->syscall,
		         vb == POLICY_ALLOWED ? "allowed" : "denied");
		cr_assert(strstr(p->forward.text, want) != NULL, "the verdicts differ, but no '%s'",
		          want);
	}
	return differing;
}

static void check_pair(const char *path_a, const char *path_b, size_t *differing)
{
	struct policy_error err;
	struct pair p = {.a = policy_parse_file(path_a, &err)};
	cr_assert_not_null(p.a, "%s", err.message);
	p.b = policy_parse_file(path_b, &err);
	cr_assert_not_null(p.b, "%s", err.message);
	struct policy_binding all[2 * POLICY_MAX_PARAMS], own[POLICY_MAX_PARAMS];
	size_t n = bind_pair(p.a, p.b, all);
	long fwd = policy_diff(p.a, p.b, all, n, collect, &p.forward, &err);
	cr_assert_geq(fwd, 0, "%s → %s: %s", path_a, path_b, err.message);
	struct lines backward = {0};
	cr_assert_eq(policy_diff(p.b, p.a, all, n, collect, &backward, &err), fwd);
	expect_turned(&p.forward, &backward);
	p.xa = policy_explainer_new(p.a, own, own_bindings(p.a, all, n, own), &err);
	cr_assert_not_null(p.xa, "%s", err.message);
	p.xb = policy_explainer_new(p.b, own, own_bindings(p.b, all, n, own), &err);
	cr_assert_not_null(p.xb, "%s", err.message);
	uint64_t state = 42;
	for (size_t i = 0; i < p.a->rule_count; i++)
		*differing += check_verdicts(&p, &p.a->rules[i], &state);
	for (size_t i = 0; i < p.b->rule_count; i++)
		*differing += check_verdicts(&p, &p.b->rules[i], &state);
	policy_explainer_free(p.xa);
	policy_explainer_free(p.xb);
	policy_free(p.a);
	policy_free(p.b);
}

Test(diff, every_corpus_file_against_itself_and_its_neighbour, .timeout = 120)
{
	char *names[512];
	size_t n = corpus_files(names, 512), differing = 0, self = 0;
	cr_assert_geq(n, 50);
	for (size_t i = 0; i < n; i++) {
		struct policy_error err;
		struct policy *p = policy_parse_file(names[i], &err);
		cr_assert_not_null(p, "%s", err.message);
		struct policy_binding b[2 * POLICY_MAX_PARAMS];
		size_t nb = bind_pair(p, p, b);
		struct lines out = {0};
		cr_expect_eq(policy_diff(p, p, b, nb, collect, &out, &err), 0, "%s: %s", names[i],
		             out.text);
		self++;
		policy_free(p);
		check_pair(names[i], names[(i + 1) % n], &differing);
	}
	printf("diff corpus: %zu files against themselves (no difference), %zu pairs, %zu calls "
	       "with differing verdicts all listed\n",
	       self, n, differing);
	cr_expect_gt(differing, 100);
	for (size_t i = 0; i < n; i++)
		free(names[i]);
}
