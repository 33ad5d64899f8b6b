/*
 * policy_explain (policy/explain.h): its verdict is the compiled filter's,
 * and its messages say why in the policy's terms.
 *
 * The child policy, the seed and every corpus policy are compiled and the
 * BPF is run in tests/bpf_interpreter.c on argument vectors built from the
 * rules' own sets: a point inside each alternative with one argument moved
 * to every edge of every interval (lo - 1, lo, hi, hi + 1), random points,
 * garbage in the high 32 bits of int arguments (the kernel and the filter
 * ignore them; explain must too), every syscall number no rule names, the
 * x32 range and foreign architectures. explain's verdict must be the
 * filter's on every one; a denial is further checked to name only
 * arguments that really fail.
 */
#include "bpf_interpreter.h"
#include "corpus.h"
#include "policy/arg_kinds.h"
#include "policy/constants.h"
#include "policy/explain.h"
#include "policy/meaning.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum {
	NARGS = 6,
	MAX_EDGES = 256,       /* values worth trying, per argument of a rule */
	RANDOM_VECTORS = 1000, /* per rule, besides the edges */
	MAX_REPORTS = 10,      /* mismatches printed in full */
	X32_SYSCALL_BIT = 0x40000000,
};

static const uint64_t SEED = 0xe4b1a17e2025ull;

struct rng {
	uint64_t state;
};

static uint64_t rng_next(struct rng *r)
{
	uint64_t z = (r->state += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint64_t rng_below(struct rng *r, uint64_t n)
{
	return rng_next(r) % n;
}

struct subject {
	const char *name;
	struct policy *policy;
	uint64_t values[POLICY_MAX_PARAMS];
	struct policy_explainer *explainer;
	struct policy_bpf bpf;
	uint32_t deny;
};

struct tally {
	size_t policies, vectors, allowed, denied_by_rule, mismatches;
};

static uint32_t filter_verdict(const struct subject *s, const struct policy_call *call)
{
	struct seccomp_data d = {
	        .nr = call->nr, .arch = call->arch, .instruction_pointer = call->ip};
	memcpy(d.args, call->args, sizeof(d.args));
	uint32_t ret;
	struct bpf_error err;
	cr_assert_eq(bpf_run_stack(s->bpf.programs, s->bpf.count, &d, &ret, &err), 0,
	             "%s: the BPF interpreter failed at %zu: %s", s->name, err.pc, err.message);
	return ret;
}

static uint32_t expected_ret(const struct subject *s, const struct policy_explanation *e)
{
	if (e->verdict == POLICY_ALLOWED)
		return SECCOMP_RET_ALLOW;
	if (e->reason == POLICY_REASON_FOREIGN_ARCH || e->reason == POLICY_REASON_X32)
		return SECCOMP_RET_KILL_PROCESS;
	return s->deny;
}

/* A denial by a rule names failing arguments only: moving each named one
 * into what the rule allows is checked by the filter in check_call. */
static void check_message(const struct subject *s, const struct policy_explanation *e)
{
	char line[4096], tiny[8];
	size_t len = policy_explanation_format(s->explainer, e, line, sizeof(line));
	cr_assert_lt(len, sizeof(line), "%s: message of %zu bytes", s->name, len);
	cr_assert_eq(strlen(line), len);
	cr_assert_eq(policy_explanation_format(s->explainer, e, tiny, sizeof(tiny)), len);
	cr_assert_eq(strlen(tiny), sizeof(tiny) - 1, "a short buffer is filled and terminated");
	const char *word = e->verdict == POLICY_ALLOWED ? ": allowed" : ": denied";
	cr_assert_not_null(strstr(line, word), "%s: %s", s->name, line);
	if (e->reason != POLICY_REASON_CONDITION_FAILS)
		return;
	cr_assert(e->failing != 0 && e->misses > 0, "%s: %s", s->name, line);
	for (unsigned a = 0; a < NARGS; a++) {
		char arg_is[16];
		snprintf(arg_is, sizeof(arg_is), "arg %u is ", a);
		bool said = strstr(line, arg_is) != NULL, failing = (e->failing >> a & 1) != 0;
		if (e->misses == 1)
			cr_assert_eq(said, failing, "%s: %s (failing 0x%x)", s->name, line,
			             e->failing);
		else if (said)
			cr_assert(failing, "%s: %s (failing 0x%x)", s->name, line, e->failing);
	}
}

static void check_call(const struct subject *s, const struct policy_call *call, struct tally *t,
                       struct policy_explanation *out)
{
	struct policy_explanation e;
	enum policy_verdict v = policy_explain(s->explainer, call, &e);
	cr_assert_eq(v, e.verdict);
	uint32_t got = filter_verdict(s, call), want = expected_ret(s, &e);
	t->vectors++;
	t->allowed += v == POLICY_ALLOWED;
	t->denied_by_rule += e.reason == POLICY_REASON_CONDITION_FAILS;
	if (got != want && ++t->mismatches <= MAX_REPORTS) {
		char line[1024];
		policy_explanation_format(s->explainer, &e, line, sizeof(line));
		cr_expect(false,
		          "%s: explain says 0x%08x, the filter returns 0x%08x\n  %s\n  nr %d arch "
		          "0x%x args 0x%" PRIx64 " 0x%" PRIx64 " 0x%" PRIx64 " 0x%" PRIx64
		          " 0x%" PRIx64 " 0x%" PRIx64,
		          s->name, want, got, line, call->nr, call->arch, call->args[0],
		          call->args[1], call->args[2], call->args[3], call->args[4],
		          call->args[5]);
	}
	check_message(s, &e);
	if (out != NULL)
		*out = e;
}

/* ---- Vectors from a rule's own sets ------------------------------------ */

struct edges {
	uint64_t v[NARGS][MAX_EDGES];
	size_t n[NARGS];
};

static void add_edge(struct edges *ed, unsigned a, uint64_t v)
{
	for (size_t i = 0; i < ed->n[a]; i++)
		if (ed->v[a][i] == v)
			return;
	if (ed->n[a] < MAX_EDGES)
		ed->v[a][ed->n[a]++] = v;
}

static void collect_edges(const struct box_list *boxes, struct edges *ed)
{
	static const uint64_t fixed[] = {0,          1,           0x7fffffff, 0x80000000,
	                                 0xffffffff, 0x100000000, UINT64_MAX};
	*ed = (struct edges){0};
	for (unsigned a = 0; a < NARGS; a++) {
		for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
			add_edge(ed, a, fixed[i]);
		for (size_t b = 0; b < boxes->count; b++) {
			const struct interval_set *set = &boxes->items[b].args[a];
			for (size_t i = 0; i < set->count; i++) {
				add_edge(ed, a, set->items[i].lo - 1);
				add_edge(ed, a, set->items[i].lo);
				add_edge(ed, a, set->items[i].hi);
				add_edge(ed, a, set->items[i].hi + 1);
			}
		}
	}
}

static uint64_t inside(struct rng *r, const struct interval_set *set)
{
	const struct interval *it = &set->items[rng_below(r, set->count)];
	uint64_t span = it->hi - it->lo;
	switch (rng_below(r, 3)) {
	case 0:
		return it->lo;
	case 1:
		return it->hi;
	default:
		return span == UINT64_MAX ? rng_next(r) : it->lo + rng_below(r, span + 1);
	}
}

/* Garbage in the high half of the 32-bit arguments, sometimes. */
static void garble(struct rng *r, const uint64_t *max, uint64_t *args)
{
	for (unsigned a = 0; a < NARGS; a++)
		if (max[a] == UINT32_MAX && rng_below(r, 3) == 0)
			args[a] = (args[a] & 0xffffffff) | (rng_next(r) | 1) << 32;
}

static void point_in(struct rng *r, const struct box *b, uint64_t *args)
{
	for (unsigned a = 0; a < NARGS; a++)
		args[a] = inside(r, &b->args[a]);
}

/* A call denied on one argument alone is allowed once that argument takes
 * a value the message offers: each box that fails on it alone gives one. */
static void check_repair(const struct subject *s, const struct box_list *boxes, const uint64_t *max,
                         const struct policy_call *call, const struct policy_explanation *e,
                         struct rng *r, struct tally *t)
{
	if (e->reason != POLICY_REASON_CONDITION_FAILS || e->misses != 1)
		return;
	for (size_t b = 0; b < boxes->count; b++) {
		unsigned mask = 0;
		for (unsigned a = 0; a < NARGS; a++)
			if (!interval_set_contains(&boxes->items[b].args[a],
			                           call->args[a] & max[a]))
				mask |= 1u << a;
		if (__builtin_popcount(mask) != 1)
			continue;
		cr_assert(e->failing & mask, "%s: box %zu fails on 0x%x alone, explain says 0x%x",
		          s->name, b, mask, e->failing);
		struct policy_call repaired = *call;
		unsigned a = (unsigned)__builtin_ctz(mask);
		repaired.args[a] = inside(r, &boxes->items[b].args[a]);
		struct policy_explanation fixed;
		check_call(s, &repaired, t, &fixed);
		cr_assert_eq(fixed.verdict, POLICY_ALLOWED, "%s: arg %u repaired, still denied",
		             s->name, a);
	}
}

static void check_rule(const struct subject *s, const struct rule *rule, struct rng *r,
                       struct tally *t)
{
	struct policy_error err;
	struct box_list boxes;
	cr_assert_eq(rule_boxes(s->policy, rule, s->values, &boxes, &err), 0, "%s: %s", s->name,
	             err.message);
	uint64_t max[NARGS];
	rule_domains(rule, max);
	struct edges ed;
	collect_edges(&boxes, &ed);
	struct policy_call call = {.nr = rule->number, .arch = AUDIT_ARCH_X86_64};
	for (size_t b = 0; b < boxes.count; b++) {
		for (unsigned a = 0; a < NARGS; a++) {
			for (size_t i = 0; i < ed.n[a]; i++) {
				struct policy_explanation e;
				point_in(r, &boxes.items[b], call.args);
				call.args[a] = ed.v[a][i];
				check_call(s, &call, t, &e);
				check_repair(s, &boxes, max, &call, &e, r, t);
				garble(r, max, call.args);
				check_call(s, &call, t, NULL);
			}
		}
	}
	for (unsigned k = 0; k < RANDOM_VECTORS; k++) {
		if (k % 2 == 0)
			point_in(r, &boxes.items[rng_below(r, boxes.count)], call.args);
		for (unsigned a = 0; a < NARGS; a++)
			if (k % 2 == 1 || rng_below(r, 4) == 0)
				call.args[a] =
				        ed.v[a][rng_below(r, ed.n[a])] ^
				        (rng_below(r, 2) ? 0 : rng_next(r) >> rng_below(r, 64));
		garble(r, max, call.args);
		check_call(s, &call, t, NULL);
	}
	box_list_release(&boxes);
}

/* Numbers no rule names, the x32 range, and other architectures. */
static void check_outside(const struct subject *s, struct rng *r, struct tally *t)
{
	struct policy_call call = {.arch = AUDIT_ARCH_X86_64};
	for (int nr = 0; nr < 1024; nr++) {
		call.nr = nr;
		for (unsigned a = 0; a < NARGS; a++)
			call.args[a] = rng_below(r, 16);
		check_call(s, &call, t, NULL);
	}
	static const int far[] = {
	        -1, -2, 1024, X32_SYSCALL_BIT, X32_SYSCALL_BIT | 1, 0x7fffffff, (int)0x80000000};
	for (size_t i = 0; i < sizeof(far) / sizeof(far[0]); i++) {
		call.nr = far[i];
		check_call(s, &call, t, NULL);
	}
	static const uint32_t arches[] = {AUDIT_ARCH_I386, AUDIT_ARCH_AARCH64, 0};
	for (size_t i = 0; i < s->policy->rule_count; i++) {
		for (size_t a = 0; a < sizeof(arches) / sizeof(arches[0]); a++) {
			call = (struct policy_call){.nr = s->policy->rules[i].number,
			                            .arch = arches[a]};
			check_call(s, &call, t, NULL);
		}
		call = (struct policy_call){.nr = s->policy->rules[i].number | X32_SYSCALL_BIT,
		                            .arch = AUDIT_ARCH_X86_64};
		check_call(s, &call, t, NULL);
	}
}

/* ---- Subjects ------------------------------------------------------------ */

static void subject_open(struct subject *s, const char *path, const struct policy_binding *b,
                         size_t n, enum policy_deny_action deny)
{
	struct policy_error err = {0};
	char msg[1024];
	*s = (struct subject){.name = path};
	s->policy = policy_parse_file(path, &err);
	policy_error_format(&err, msg, sizeof(msg));
	cr_assert_not_null(s->policy, "%s", msg);
	for (size_t i = 0; i < s->policy->param_count; i++)
		for (size_t k = 0; k < n; k++)
			if (strcmp(s->policy->params[i].name, b[k].name) == 0)
				s->values[i] = b[k].value;
	struct policy_filter *f = policy_compile(s->policy, b, n, deny, &err);
	policy_error_format(&err, msg, sizeof(msg));
	cr_assert_not_null(f, "%s", msg);
	cr_assert_eq(policy_filter_bpf(f, &s->bpf, &err), 0, "%s: %s", path, err.message);
	policy_filter_free(f);
	s->explainer = policy_explainer_new(s->policy, b, n, &err);
	cr_assert_not_null(s->explainer, "%s: %s", path, err.message);
	s->deny = deny == POLICY_DENY_TRAP ? SECCOMP_RET_TRAP : SECCOMP_RET_KILL_PROCESS;
}

static void subject_close(struct subject *s)
{
	policy_explainer_free(s->explainer);
	policy_bpf_release(&s->bpf);
	policy_free(s->policy);
}

static void check_subject(const char *path, const struct policy_binding *b, size_t n,
                          enum policy_deny_action deny, struct rng *r, struct tally *t)
{
	struct subject s;
	subject_open(&s, path, b, n, deny);
	for (size_t i = 0; i < s.policy->rule_count; i++)
		check_rule(&s, &s.policy->rules[i], r, t);
	check_outside(&s, r, t);
	t->policies++;
	subject_close(&s);
}

/* Parameter i bound to 3 + i: distinct small descriptors, as the corpus
 * tests bind them. */
static void check_file(const char *path, struct rng *r, struct tally *t)
{
	struct policy_error err;
	struct policy *p = policy_parse_file(path, &err);
	cr_assert_not_null(p, "%s: %s", path, err.message);
	struct policy_binding b[POLICY_MAX_PARAMS];
	size_t n = policy_param_count(p);
	for (size_t k = 0; k < n; k++)
		b[k] = (struct policy_binding){strdup(policy_param_name(p, k)), 3 + k};
	policy_free(p);
	check_subject(path, b, n, POLICY_DENY_KILL, r, t);
	for (size_t k = 0; k < n; k++)
		free((char *)b[k].name);
}

static const struct policy_binding child_bindings[] = {
        {"ipc_fd", 3},   {"logfile_fd", 4},      {"gui_socket_fd", 5},
        {"epoll_fd", 6}, {"first_client_fd", 7}, {"fd_limit", 1024},
};
#define CHILD_POLICY WARDEN_SOURCE_DIR "/policy/child.policy"
#define N_CHILD      (sizeof(child_bindings) / sizeof(child_bindings[0]))

static void print_tally(const char *what, const struct tally *t)
{
	printf("explain %s: %zu policies, %zu calls (%zu allowed, %zu denied by a rule's "
	       "condition), %zu disagreements with the filter\n",
	       what, t->policies, t->vectors, t->allowed, t->denied_by_rule, t->mismatches);
	fflush(stdout);
}

Test(explain, agrees_with_the_child_filter, .timeout = 120)
{
	struct rng r = {SEED};
	struct tally t = {0};
	check_subject(CHILD_POLICY, child_bindings, N_CHILD, POLICY_DENY_KILL, &r, &t);
	check_subject(CHILD_POLICY, child_bindings, N_CHILD, POLICY_DENY_TRAP, &r, &t);
	check_file(WARDEN_SOURCE_DIR "/tests/data/seed_shape.seccomppolicy", &r, &t);
	print_tally("child and seed", &t);
	cr_expect_gt(t.allowed, 1000);
	cr_expect_gt(t.denied_by_rule, 1000);
	cr_expect_eq(t.mismatches, 0);
}

static int compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

Test(explain, agrees_with_every_corpus_filter, .timeout = 120)
{
	const char *dir = corpus_path("corpus/firedancer-policies");
	struct rng r = {SEED ^ 1};
	struct tally t = {0};
	DIR *d = opendir(dir);
	cr_assert_not_null(d, "%s: %s", dir, strerror(errno));
	char *names[512];
	size_t count = 0;
	for (struct dirent *e; (e = readdir(d)) != NULL;)
		if (strstr(e->d_name, ".seccomppolicy") != NULL && count < 512)
			names[count++] = strdup(e->d_name);
	closedir(d);
	qsort(names, count, sizeof(names[0]), compare_names);
	for (size_t i = 0; i < count; i++) {
		char path[4096];
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		check_file(path, &r, &t);
		free(names[i]);
	}
	print_tally("corpus", &t);
	cr_expect_geq(t.policies, 50);
	cr_expect_eq(t.mismatches, 0);
}

/* ---- Messages ------------------------------------------------------------ */

static unsigned rule_line(const struct policy *p, const char *syscall)
{
	for (size_t i = 0; i < p->rule_count; i++)
		if (strcmp(p->rules[i].syscall, syscall) == 0)
			return p->rules[i].pos.line;
	cr_assert_fail("no rule for %s", syscall);
	return 0;
}

static void expect_message(const struct subject *s, struct policy_call call,
                           enum policy_verdict verdict, const char *fmt, const char *syscall)
{
	char want[1024], got[1024];
	snprintf(want, sizeof(want), fmt, s->name, syscall ? rule_line(s->policy, syscall) : 0);
	if (call.arch == 0)
		call.arch = AUDIT_ARCH_X86_64;
	struct policy_explanation e;
	cr_expect_eq(policy_explain(s->explainer, &call, &e), verdict);
	policy_explanation_format(s->explainer, &e, got, sizeof(got));
	cr_expect_str_eq(got, want);
}

Test(explain, messages_in_the_policys_terms)
{
	struct subject s;
	subject_open(&s, CHILD_POLICY, child_bindings, N_CHILD, POLICY_DENY_KILL);
	expect_message(&s, (struct policy_call){.nr = 3, .args = {4}}, POLICY_DENIED,
	               "close(4): denied: arg 0 is 4 (logfile_fd); the rule at %s:%u allows "
	               "first_client_fd <= arg 0 < fd_limit",
	               "close");
	expect_message(&s, (struct policy_call){.nr = 3, .args = {0x100000004}}, POLICY_DENIED,
	               "close(0x100000004): denied: arg 0 is 0x100000004 (read as 4: logfile_fd); "
	               "the rule at %s:%u allows first_client_fd <= arg 0 < fd_limit",
	               "close");
	expect_message(&s, (struct policy_call){.nr = 3, .args = {0xffffffff00000009}},
	               POLICY_ALLOWED,
	               "close(0xffffffff00000009): allowed by the rule at %s:%u: first_client_fd "
	               "<= arg 0 < fd_limit",
	               "close");
	expect_message(&s, (struct policy_call){.nr = 1, .args = {4, 0x1000, 10}}, POLICY_ALLOWED,
	               "write(4, 4096, 10): allowed by the rule at %s:%u: arg 0 = 2 or arg 0 = "
	               "logfile_fd",
	               "write");
	expect_message(&s, (struct policy_call){.nr = 41, .args = {2, 1}}, POLICY_DENIED,
	               "socket(2, 1, 0): denied: no rule allows socket; the policy's default is "
	               "deny",
	               NULL);
	expect_message(&s, (struct policy_call){.nr = 288, .args = {5, 0, 0, 0x800}}, POLICY_DENIED,
	               "accept4(5, 0, 0, 2048): denied: arg 3 is 2048 (SOCK_NONBLOCK); the rule at "
	               "%s:%u allows arg 3 = SOCK_NONBLOCK|SOCK_CLOEXEC",
	               "accept4");
	expect_message(&s, (struct policy_call){.nr = 44, .args = {4, 0, 0, 0, 0, 0}},
	               POLICY_DENIED,
	               "sendto(4, 0, 0, 0, 0, 0): denied: arg 0 is 4 (logfile_fd) and arg 3 is 0; "
	               "the rule at %s:%u allows (arg 0 = ipc_fd or first_client_fd <= arg 0 < "
	               "fd_limit) and arg 3 = MSG_NOSIGNAL",
	               "sendto");
	expect_message(&s, (struct policy_call){.nr = 231}, POLICY_ALLOWED,
	               "exit_group(0): allowed by the rule at %s:%u, which allows every "
	               "exit_group call",
	               "exit_group");
	expect_message(&s, (struct policy_call){.nr = 3, .arch = AUDIT_ARCH_I386}, POLICY_DENIED,
	               "syscall 3 (arch 0x40000003): denied: not an x86_64 call; the filter kills "
	               "the process for any other architecture",
	               NULL);
	subject_close(&s);
}

/* Two alternatives, each failing on a different argument alone: both are
 * offered, each with what it allows. */
Test(explain, single_argument_alternatives_are_each_offered)
{
	char path[] = "/tmp/warden-explain-XXXXXX";
	int fd = mkstemp(path);
	const char *text = "uint fd\nlseek: (or (and (eq (arg 0) fd) (eq (arg 2) SEEK_SET))\n"
	                   "           (and (eq (arg 0) 9) (< (arg 1) 4096)))\n";
	cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	struct subject s;
	const struct policy_binding b[] = {{"fd", 5}};
	subject_open(&s, path, b, 1, POLICY_DENY_KILL);
	expect_message(&s, (struct policy_call){.nr = 8, .args = {9, 5000, 0}}, POLICY_DENIED,
	               "lseek(9, 5000, 0): denied: arg 0 is 9, arg 1 is 5000; the rule at %s:%u "
	               "allows arg 0 = fd, or arg 1 <= 4095 (each with the other arguments as they "
	               "are)",
	               "lseek");
	expect_message(&s, (struct policy_call){.nr = 8, .args = {5, 5000, 1}}, POLICY_DENIED,
	               "lseek(5, 5000, 1): denied: arg 2 is 1 (SEEK_CUR); the rule at %s:%u allows "
	               "arg 2 = SEEK_SET",
	               "lseek");
	subject_close(&s);
	unlink(path);
}

/* Every name a family uses is a constant the policy language knows, and
 * every named argument exists. */
Test(explain, argument_kinds_name_known_constants)
{
	size_t count;
	const struct syscall_arg_kinds *t = arg_kinds_table(&count);
	for (size_t i = 0; i < count; i++) {
		const struct syscall_signature *sig = syscall_signature_find(t[i].syscall);
		cr_assert_not_null(sig, "%s is not a syscall", t[i].syscall);
		if (i > 0)
			cr_expect_lt(strcmp(t[i - 1].syscall, t[i].syscall), 0,
			             "%s is out of order", t[i].syscall);
		for (unsigned a = 0; a < NARGS; a++) {
			if (t[i].args[a].kind == ARG_NUMBER)
				continue;
			cr_expect_lt(a, sig->nargs, "%s has no argument %u", t[i].syscall, a);
			const struct constant_family *f = t[i].args[a].family;
			if (f == NULL)
				continue;
			const char *const *lists[] = {f->choices, f->flags};
			for (size_t l = 0; l < 2; l++) {
				for (size_t k = 0; lists[l] != NULL && lists[l][k] != NULL; k++) {
					uint64_t v;
					cr_expect(constant_lookup(lists[l][k], strlen(lists[l][k]),
					                          &v),
					          "%s (%s) names unknown constant %s", t[i].syscall,
					          f->name, lists[l][k]);
				}
			}
		}
	}
}
