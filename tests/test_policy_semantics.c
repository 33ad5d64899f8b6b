/*
 * The compiled filter means what the policy says.
 *
 * Every policy we have (the Firedancer corpus, the seed, the child policy)
 * and a few hundred random ones are compiled, and the BPF the kernel would
 * run is interpreted (bpf_interpreter.c) on thousands of argument vectors
 * per rule, chosen around the values the condition compares with. Each
 * verdict is checked against a reference evaluator that reads the parsed
 * condition directly, with the kernel's view of the arguments: an int
 * argument is its low 32 bits, a long one all 64, comparisons unsigned.
 * The encoding (interval sets, aligned blocks, masked equalities) is
 * deliberately absent here, so a bug in it cannot hide behind the same
 * mistake in its check. For the random policies a third opinion comes from
 * the generator, which knows what each comparison it wrote means before
 * the parser has seen it.
 *
 * The seed is fixed and printed; WARDEN_SEMANTICS_SEED=N overrides it to
 * explore, and reproduces a reported failure.
 */
#include "policy/ast.h"
#include "bpf_interpreter.h"
#include "corpus.h"
#include "policy/policy.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

enum {
	NARGS = 6,
	RANDOM_VECTORS = 1200,       /* per conditional rule, besides the systematic ones */
	RANDOM_POLICY_VECTORS = 500, /* the same, in a random policy */
	UNCONDITIONAL_VECTORS = 100, /* per rule that allows everything */
	MAX_EXACT = 128,             /* values one argument is compared with */
	MAX_NEAR = 256,              /* interesting values of the whole condition */
	MAX_REPORTS = 20,            /* mismatches printed in full */
	RANDOM_POLICIES = 160,       /* per random-policy test (there are two) */
	MAX_GEN_RULES = 5,
	MAX_GEN_NODES = 128, /* 1 + 3 + 9 + 27 + 81 for depth 4 with 3 operands */
	MAX_GEN_PARAMS = 3,
	X32_SYSCALL_BIT = 0x40000000,
	COMPILE_SECONDS = 2, /* see compile_forked */
};

static const uint64_t DEFAULT_SEED = 0x5eed2025c0ffee11ull;

static uint64_t base_seed(void)
{
	const char *s = getenv("WARDEN_SEMANTICS_SEED");
	return s != NULL && *s != '\0' ? strtoull(s, NULL, 0) : DEFAULT_SEED;
}

/* ---- Random numbers: splitmix64, so a seed means the same everywhere ----- */

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

static bool rng_percent(struct rng *r, unsigned percent)
{
	return rng_below(r, 100) < percent;
}

/* ---- The reference evaluator --------------------------------------------- */

static bool compare(enum interval_cmp op, uint64_t left, uint64_t right)
{
	switch (op) {
	case INTERVAL_EQ:
		return left == right;
	case INTERVAL_LT:
		return left < right;
	case INTERVAL_LE:
		return left <= right;
	case INTERVAL_GT:
		return left > right;
	case INTERVAL_GE:
		return left >= right;
	}
	cr_assert_fail("unknown comparison %d", (int)op);
	return false;
}

/* The argument as the syscall itself reads it from its register. */
static uint64_t seen_arg(const struct syscall_signature *sig, unsigned arg, const uint64_t *args)
{
	cr_assert(sig != NULL && arg < sig->nargs, "comparison on an untyped argument %u", arg);
	return sig->width[arg] == SYSCALL_ARG_32 ? (uint32_t)args[arg] : args[arg];
}

static uint64_t operand_value(const struct operand *o, const uint64_t *params)
{
	return o->is_param ? params[o->param] : o->value;
}

static bool eval(const struct rule *rule, const struct expr *e, const uint64_t *params,
                 const uint64_t *args)
{
	switch (e->kind) {
	case EXPR_AND:
		for (const struct expr *c = e->first; c != NULL; c = c->next)
			if (!eval(rule, c, params, args))
				return false;
		return true;
	case EXPR_OR:
		for (const struct expr *c = e->first; c != NULL; c = c->next)
			if (eval(rule, c, params, args))
				return true;
		return false;
	case EXPR_NOT:
		return !eval(rule, e->first, params, args);
	case EXPR_CMP:
		return compare(e->op, seen_arg(rule->signature, e->arg, args),
		               operand_value(&e->operand, params));
	}
	cr_assert_fail("unknown expression kind %d", (int)e->kind);
	return false;
}

static bool rule_allows(const struct rule *rule, const uint64_t *params, const uint64_t *args)
{
	return rule->condition == NULL || eval(rule, rule->condition, params, args);
}

/* The condition as the parser understood it, for failure messages. */
static void print_expr(FILE *out, const struct policy *p, const uint64_t *params,
                       const struct expr *e)
{
	static const char *const kinds[] = {"and", "or", "not"};
	static const char *const ops[] = {"eq", "<", "<=", ">", ">="};
	if (e->kind != EXPR_CMP) {
		fprintf(out, "(%s", kinds[e->kind]);
		for (const struct expr *c = e->first; c != NULL; c = c->next) {
			fputc(' ', out);
			print_expr(out, p, params, c);
		}
		fputc(')', out);
	} else if (e->operand.is_param) {
		fprintf(out, "(%s (arg %u) %s=0x%" PRIx64 ")", ops[e->op], e->arg,
		        p->params[e->operand.param].name, params[e->operand.param]);
	} else {
		fprintf(out, "(%s (arg %u) 0x%" PRIx64 ")", ops[e->op], e->arg, e->operand.value);
	}
}

/* ---- What is being checked, and the counts ------------------------------- */

/* A second opinion on a rule, from whoever wrote the policy text. */
typedef bool (*oracle_fn)(const void *ctx, size_t rule, const uint64_t *args);

struct subject {
	const char *name;
	const struct policy *policy;
	const uint64_t *params; /* bound values, by parameter index */
	const struct policy_bpf *bpf;
	uint32_t deny;           /* what the filter returns for a call the policy denies */
	unsigned random_vectors; /* per conditional rule */
	oracle_fn oracle;
	const void *oracle_ctx;
};

struct tally {
	size_t policies, rules, vectors, allowed, never_allowed, mismatches;
};

static void report(struct tally *t, const struct subject *s, const struct rule *rule, int nr,
                   uint32_t arch, const uint64_t *args, const char *what)
{
	t->mismatches++;
	if (t->mismatches > MAX_REPORTS)
		return;
	char *cond = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&cond, &len);
	cr_assert_not_null(out);
	if (rule == NULL)
		fputs("(no rule)", out);
	else if (rule->condition == NULL)
		fprintf(out, "%s (unconditional)", rule->syscall);
	else {
		fprintf(out, "%s: ", rule->syscall);
		print_expr(out, s->policy, s->params, rule->condition);
	}
	fclose(out);
	cr_expect(false,
	          "%s: %s\n  rule: %s\n  nr %d arch 0x%x args 0x%" PRIx64 " 0x%" PRIx64
	          " 0x%" PRIx64 " 0x%" PRIx64 " 0x%" PRIx64 " 0x%" PRIx64,
	          s->name, what, cond, nr, arch, args[0], args[1], args[2], args[3], args[4],
	          args[5]);
	free(cond);
}

static uint32_t run(const struct subject *s, int nr, uint32_t arch, const uint64_t *args,
                    uint64_t ip)
{
	struct seccomp_data d = {.nr = nr, .arch = arch, .instruction_pointer = ip};
	memcpy(d.args, args, sizeof(d.args));
	uint32_t ret;
	struct bpf_error err;
	int rc = bpf_run_stack(s->bpf->programs, s->bpf->count, &d, &ret, &err);
	cr_assert_eq(rc, 0, "%s: the BPF interpreter failed at instruction %zu: %s", s->name,
	             err.pc, err.message);
	return ret;
}

/* ---- Argument vectors ---------------------------------------------------- */

/* Values worth trying for one rule: those each argument is compared with
 * (hitting them exactly is what satisfies an equality), and every boundary
 * of the condition with its neighbours and the edges of both widths. */
struct pools {
	uint64_t exact[NARGS][MAX_EXACT];
	size_t n_exact[NARGS];
	uint64_t near[MAX_NEAR];
	size_t n_near;
};

static void add_near(struct pools *p, uint64_t v)
{
	for (size_t i = 0; i < p->n_near; i++)
		if (p->near[i] == v)
			return;
	if (p->n_near < MAX_NEAR)
		p->near[p->n_near++] = v;
}

static void collect(struct pools *p, const struct expr *e, const uint64_t *params)
{
	if (e->kind != EXPR_CMP) {
		for (const struct expr *c = e->first; c != NULL; c = c->next)
			collect(p, c, params);
		return;
	}
	uint64_t v = operand_value(&e->operand, params);
	if (p->n_exact[e->arg] < MAX_EXACT)
		p->exact[e->arg][p->n_exact[e->arg]++] = v;
	add_near(p, v);
	add_near(p, v - 1);
	add_near(p, v + 1);
}

static void pools_init(struct pools *p, const struct rule *rule, const uint64_t *params)
{
	static const uint64_t edges[] = {
	        0,
	        1,
	        2,
	        0x7fffffff,
	        0x80000000,
	        0xfffffffe,
	        0xffffffff,
	        0x100000000,
	        0x100000001,
	        0x7fffffffffffffff,
	        0x8000000000000000,
	        UINT64_MAX - 1,
	        UINT64_MAX,
	};
	*p = (struct pools){0};
	for (size_t i = 0; i < sizeof(edges) / sizeof(edges[0]); i++)
		add_near(p, edges[i]);
	if (rule->condition != NULL)
		collect(p, rule->condition, params);
}

/* Garbage in the high 32 bits, which an int argument must ignore and a long
 * one must not. */
static uint64_t with_garbage(struct rng *r, uint64_t v)
{
	static const uint64_t highs[] = {1, 0x80000000, 0xffffffff};
	uint64_t high = rng_percent(r, 50) ? (rng_next(r) >> 32) | 1 : highs[rng_below(r, 3)];
	return (v & 0xffffffff) | high << 32;
}

static uint64_t random_value(struct rng *r)
{
	switch (rng_below(r, 4)) {
	case 0:
		return rng_next(r);
	case 1:
		return rng_next(r) >> 32;
	case 2:
		return rng_below(r, 80);
	default: {
		/* Two statements: the order of the draws must not be left to
		 * the compiler, or a seed would mean different vectors. */
		uint64_t v = rng_next(r);
		return v >> rng_below(r, 64);
	}
	}
}

/* A targeted vector mostly hits the compared values exactly, so that
 * conjunctions over several arguments are satisfied often enough to test
 * the allowing side; an untargeted one roams. */
static uint64_t pick_arg(struct rng *r, const struct pools *p, unsigned arg, bool targeted)
{
	uint64_t v;
	unsigned roll = (unsigned)rng_below(r, 100);
	if (p->n_exact[arg] > 0 && roll < (targeted ? 85u : 30u))
		v = p->exact[arg][rng_below(r, p->n_exact[arg])];
	else if (roll < 85)
		v = p->near[rng_below(r, p->n_near)];
	else
		v = random_value(r);
	return rng_percent(r, targeted ? 15 : 35) ? with_garbage(r, v) : v;
}

static void fill_args(struct rng *r, const struct pools *p, bool targeted, uint64_t *args)
{
	for (unsigned a = 0; a < NARGS; a++)
		args[a] = pick_arg(r, p, a, targeted);
}

/* ---- Cross-checking one compiled policy ---------------------------------- */

static void check_vector(const struct subject *s, size_t index, const uint64_t *args, struct rng *r,
                         struct tally *t, size_t *allowed)
{
	const struct rule *rule = &s->policy->rules[index];
	bool want = rule_allows(rule, s->params, args);
	if (s->oracle != NULL && rule->condition != NULL &&
	    s->oracle(s->oracle_ctx, index, args) != want)
		report(t, s, rule, rule->number, AUDIT_ARCH_X86_64, args,
		       want ? "the parsed condition is true, but the policy text means false"
		            : "the parsed condition is false, but the policy text means true");
	uint32_t got = run(s, rule->number, AUDIT_ARCH_X86_64, args, rng_next(r));
	t->vectors++;
	if (want) {
		t->allowed++;
		++*allowed;
	}
	if (got != (want ? SECCOMP_RET_ALLOW : s->deny)) {
		char what[128];
		snprintf(what, sizeof(what), "the policy %s this call, the filter returns 0x%08x",
		         want ? "allows" : "denies", got);
		report(t, s, rule, rule->number, AUDIT_ARCH_X86_64, args, what);
	}
}

static void check_rule(const struct subject *s, size_t index, struct rng *r, struct tally *t)
{
	const struct rule *rule = &s->policy->rules[index];
	struct pools p;
	uint64_t args[NARGS];
	size_t allowed = 0;
	pools_init(&p, rule, s->params);
	t->rules++;
	if (rule->condition == NULL) {
		for (unsigned k = 0; k < UNCONDITIONAL_VECTORS; k++) {
			fill_args(r, &p, false, args);
			check_vector(s, index, args, r, t, &allowed);
		}
		return;
	}
	/* Every interesting value in every argument, the others targeted. */
	for (unsigned a = 0; a < NARGS; a++) {
		for (size_t i = 0; i < p.n_near; i++) {
			for (int garbage = 0; garbage < 2; garbage++) {
				fill_args(r, &p, true, args);
				args[a] = garbage ? with_garbage(r, p.near[i]) : p.near[i];
				check_vector(s, index, args, r, t, &allowed);
			}
		}
	}
	for (unsigned k = 0; k < s->random_vectors; k++) {
		fill_args(r, &p, k % 2 == 0, args);
		check_vector(s, index, args, r, t, &allowed);
	}
	if (allowed == 0)
		t->never_allowed++;
}

static void expect_outside(const struct subject *s, struct tally *t, int nr, uint32_t arch,
                           const uint64_t *args, uint32_t want, struct rng *r, const char *what)
{
	uint32_t got = run(s, nr, arch, args, rng_next(r));
	t->vectors++;
	if (got != want) {
		char message[160];
		snprintf(message, sizeof(message), "%s: expected 0x%08x, the filter returns 0x%08x",
		         what, want, got);
		report(t, s, NULL, nr, arch, args, message);
	}
}

/* Calls no rule covers: other syscall numbers, another architecture's
 * numbering, and the x32 ABI (numbers with bit 30 set), which has its own
 * syscall table: a rule for x86_64's number N says nothing about x32's. */
static void check_outside(const struct subject *s, struct rng *r, struct tally *t)
{
	static const uint32_t other_arches[] = {AUDIT_ARCH_I386, AUDIT_ARCH_AARCH64, 0,
	                                        AUDIT_ARCH_X86_64 ^ 1};
	bool covered[1024] = {0};
	uint64_t args[NARGS];
	for (size_t i = 0; i < s->policy->rule_count; i++) {
		int nr = s->policy->rules[i].number;
		cr_assert(nr >= 0 && nr < 1024, "%s: syscall number %d", s->name, nr);
		covered[nr] = true;
	}
	struct pools p;
	pools_init(&p, &(struct rule){0}, s->params);
	for (int nr = 0; nr < 1024; nr++) {
		if (covered[nr])
			continue;
		fill_args(r, &p, false, args);
		expect_outside(s, t, nr, AUDIT_ARCH_X86_64, args, s->deny, r,
		               "a syscall the policy does not name");
	}
	/* -1 is what the kernel passes when a tracer skipped the call: an
	 * ordinary number that no rule names. */
	static const int far[] = {1024, 0x3fffffff, -1};
	for (size_t i = 0; i < sizeof(far) / sizeof(far[0]); i++) {
		fill_args(r, &p, false, args);
		expect_outside(s, t, far[i], AUDIT_ARCH_X86_64, args, s->deny, r,
		               "a syscall number no rule names");
	}
	/* The x32 range: the bad-architecture action, whatever the deny mode. */
	static const int x32[] = {X32_SYSCALL_BIT, 0x7fffffff, -2, (int)0x80000000};
	for (size_t i = 0; i < sizeof(x32) / sizeof(x32[0]); i++) {
		fill_args(r, &p, false, args);
		expect_outside(s, t, x32[i], AUDIT_ARCH_X86_64, args, SECCOMP_RET_KILL_PROCESS, r,
		               "a syscall number in the x32 range");
	}
	for (size_t i = 0; i < s->policy->rule_count; i++) {
		const struct rule *rule = &s->policy->rules[i];
		pools_init(&p, rule, s->params);
		for (unsigned k = 0; k < 8; k++) {
			fill_args(r, &p, true, args);
			expect_outside(s, t, rule->number | X32_SYSCALL_BIT, AUDIT_ARCH_X86_64,
			               args, SECCOMP_RET_KILL_PROCESS, r, "an x32 syscall");
			for (size_t a = 0; a < sizeof(other_arches) / sizeof(other_arches[0]); a++)
				expect_outside(s, t, rule->number, other_arches[a], args,
				               SECCOMP_RET_KILL_PROCESS, r,
				               "a call from another architecture");
		}
	}
}

static void check_compiled(const struct subject *s, struct rng *r, struct tally *t)
{
	for (size_t i = 0; i < s->bpf->count; i++) {
		struct bpf_error err;
		cr_assert_eq(bpf_validate(&s->bpf->programs[i], &err), 0,
		             "%s: program %zu would not load: instruction %zu: %s", s->name, i,
		             err.pc, err.message);
	}
	t->policies++;
	for (size_t i = 0; i < s->policy->rule_count; i++)
		check_rule(s, i, r, t);
	check_outside(s, r, t);
}

/* The bound value of every parameter, by index; UINT64_MAX if a binding
 * is missing (the compiler must then have refused the policy). */
static void bound_values(const struct policy *p, const struct policy_binding *b, size_t n,
                         uint64_t *values)
{
	for (size_t i = 0; i < p->param_count; i++) {
		values[i] = UINT64_MAX;
		for (size_t k = 0; k < n; k++)
			if (strcmp(p->params[i].name, b[k].name) == 0)
				values[i] = b[k].value;
	}
}

struct compiled {
	struct policy_filter *filter;
	struct policy_bpf bpf;
	uint64_t params[POLICY_MAX_PARAMS];
};

/* Compiles and exports; returns 0, or -1 with `err` filled. */
static int compile(const struct policy *p, const struct policy_binding *b, size_t n,
                   enum policy_deny_action deny, struct compiled *out, struct policy_error *err)
{
	*out = (struct compiled){0};
	bound_values(p, b, n, out->params);
	out->filter = policy_compile(p, b, n, deny, err);
	if (out->filter == NULL)
		return -1;
	if (policy_filter_bpf(out->filter, &out->bpf, err) < 0) {
		policy_filter_free(out->filter);
		out->filter = NULL;
		return -1;
	}
	return 0;
}

static void compiled_release(struct compiled *c)
{
	policy_bpf_release(&c->bpf);
	policy_filter_free(c->filter);
}

static void print_tally(const char *what, uint64_t seed, const struct tally *t)
{
	printf("semantics %s: seed 0x%016" PRIx64 ", %zu policies, %zu rules, %zu vectors checked "
	       "(%zu allowed), %zu conditional rules never allowed, %zu mismatches\n",
	       what, seed, t->policies, t->rules, t->vectors, t->allowed, t->never_allowed,
	       t->mismatches);
	fflush(stdout);
}

/* ---- The policies we ship and the corpus --------------------------------- */

static struct policy *parse_file(const char *path)
{
	struct policy_error err = {0};
	char msg[1024];
	struct policy *p = policy_parse_file(path, &err);
	policy_error_format(&err, msg, sizeof(msg));
	cr_assert_not_null(p, "%s", msg);
	return p;
}

static void check_policy(const char *path, const struct policy *p, const struct policy_binding *b,
                         size_t n, enum policy_deny_action deny, struct rng *r, struct tally *t)
{
	struct policy_error err = {0};
	char msg[1024];
	struct compiled c;
	int rc = compile(p, b, n, deny, &c, &err);
	policy_error_format(&err, msg, sizeof(msg));
	cr_assert_eq(rc, 0, "%s", msg);
	struct subject s = {
	        .name = path,
	        .policy = p,
	        .params = c.params,
	        .bpf = &c.bpf,
	        .deny = deny == POLICY_DENY_TRAP ? SECCOMP_RET_TRAP : SECCOMP_RET_KILL_PROCESS,
	        .random_vectors = RANDOM_VECTORS,
	};
	check_compiled(&s, r, t);
	compiled_release(&c);
}

static bool has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcmp(s + n - m, suffix) == 0;
}

static int compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every .seccomppolicy file of `dir`, parameter i bound to 3 + i, in name
 * order so that the random vectors do not depend on readdir's order. */
static void check_directory(const char *dir, struct rng *r, struct tally *t)
{
	DIR *d = opendir(dir);
	cr_assert_not_null(d, "cannot open %s: %s", dir, strerror(errno));
	char *names[512];
	size_t count = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (!has_suffix(e->d_name, ".seccomppolicy"))
			continue;
		cr_assert_lt(count, sizeof(names) / sizeof(names[0]));
		names[count++] = strdup(e->d_name);
	}
	closedir(d);
	qsort(names, count, sizeof(names[0]), compare_names);
	for (size_t i = 0; i < count; i++) {
		char path[4096];
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		struct policy *p = parse_file(path);
		size_t n = policy_param_count(p);
		struct policy_binding b[POLICY_MAX_PARAMS];
		for (size_t k = 0; k < n; k++)
			b[k] = (struct policy_binding){policy_param_name(p, k), 3 + k};
		check_policy(path, p, b, n, POLICY_DENY_KILL, r, t);
		policy_free(p);
		free(names[i]);
	}
	cr_expect_gt(count, 0, "no .seccomppolicy file in %s", dir);
}

static const struct policy_binding child_bindings[] = {
        {"ipc_fd", 3},   {"logfile_fd", 4},      {"gui_socket_fd", 5},
        {"epoll_fd", 6}, {"first_client_fd", 7}, {"fd_limit", 64},
};

Test(semantics, the_firedancer_corpus, .timeout = 120)
{
	uint64_t seed = base_seed();
	struct rng r = {seed};
	struct tally t = {0};
	check_directory(corpus_path("corpus/firedancer-policies"), &r, &t);
	print_tally("corpus", seed, &t);
	cr_expect_geq(t.policies, 50, "expected the whole corpus, found %zu policies", t.policies);
	cr_expect_eq(t.mismatches, 0);
}

Test(semantics, the_seed_and_the_child_policy, .timeout = 120)
{
	uint64_t seed = base_seed() ^ 1;
	struct rng r = {seed};
	struct tally t = {0};
	size_t n = sizeof(child_bindings) / sizeof(child_bindings[0]);
	const char *path = WARDEN_SOURCE_DIR "/policy/child.policy";
	check_directory(WARDEN_SOURCE_DIR "/tests/data", &r, &t);
	struct policy *p = parse_file(path);
	check_policy(path, p, child_bindings, n, POLICY_DENY_KILL, &r, &t);
	/* Report mode: the same verdicts, with SIGSYS delivered instead. */
	check_policy(path, p, child_bindings, n, POLICY_DENY_TRAP, &r, &t);
	policy_free(p);
	print_tally("seed and child", seed, &t);
	cr_expect_eq(t.never_allowed, 0, "a rule of the child policy was never exercised");
	cr_expect_eq(t.mismatches, 0);
}

Test(semantics, the_original_seed, .timeout = 120)
{
	uint64_t seed = base_seed() ^ 2;
	struct rng r = {seed};
	struct tally t = {0};
	check_directory(corpus_path("seed"), &r, &t);
	print_tally("original seed", seed, &t);
	cr_expect_eq(t.mismatches, 0);
}

/* ---- Random policies ----------------------------------------------------- */

/* A comparison or connective as the generator meant it: the value is what
 * the kernel compares with, worked out here from the text written rather
 * than from what the parser made of it. */
struct gen_node {
	enum expr_kind kind;
	struct gen_node *kids[3];
	unsigned n_kids;
	enum interval_cmp op;
	unsigned arg;
	bool arg_left; /* "(op (arg N) V)" rather than "(op V (arg N))" */
	uint64_t value;
};

struct gen_rule {
	const struct syscall_signature *sig;
	struct gen_node nodes[MAX_GEN_NODES];
	size_t n_nodes;
	struct gen_node *root; /* NULL: unconditional */
	char *text;            /* "name: condition", on one line */
	bool dropped;          /* its condition allows nothing; left out */
	unsigned hot[2];       /* arguments most comparisons pick */
	uint64_t anchors[3];   /* values most comparisons are near */
};

struct gen_policy {
	size_t n_params;
	uint64_t params[MAX_GEN_PARAMS];
	size_t n_rules;
	struct gen_rule rules[MAX_GEN_RULES];
	size_t parsed_to_gen[MAX_GEN_RULES]; /* rule index in the parsed policy */
};

static bool gen_eval(const struct gen_rule *g, const struct gen_node *n, const uint64_t *args)
{
	switch (n->kind) {
	case EXPR_AND:
	case EXPR_OR: {
		bool is_and = n->kind == EXPR_AND;
		for (unsigned i = 0; i < n->n_kids; i++)
			if (gen_eval(g, n->kids[i], args) != is_and)
				return !is_and;
		return is_and;
	}
	case EXPR_NOT:
		return !gen_eval(g, n->kids[0], args);
	case EXPR_CMP: {
		uint64_t a = seen_arg(g->sig, n->arg, args);
		return n->arg_left ? compare(n->op, a, n->value) : compare(n->op, n->value, a);
	}
	}
	return false;
}

static bool gen_oracle(const void *ctx, size_t rule, const uint64_t *args)
{
	const struct gen_policy *g = ctx;
	const struct gen_rule *gr = &g->rules[g->parsed_to_gen[rule]];
	return gr->root == NULL || gen_eval(gr, gr->root, args);
}

/* A literal in one of the forms policies use, with the value it has on an
 * int and on a long argument. */
struct literal {
	const char *text;
	uint64_t v32, v64;
	bool fits32;
};

static const struct literal literals[] = {
        {"0", 0, 0, true},
        {"1", 1, 1, true},
        {"2", 2, 2, true},
        {"0x7fffffff", 0x7fffffff, 0x7fffffff, true},
        {"0x80000000", 0x80000000, 0x80000000, true},
        {"0xfffffffe", 0xfffffffe, 0xfffffffe, true},
        {"4294967295", 0xffffffff, 0xffffffff, true},
        {"\"(int)-1\"", 0xffffffff, UINT64_MAX, true},
        {"\"(int)-2\"", 0xfffffffe, UINT64_MAX - 1, true},
        {"\"(uint)-1\"", 0xffffffff, 0xffffffff, true},
        {"\"(long)-1\"", 0xffffffff, UINT64_MAX, true},
        {"0xffffffffffffffff", 0xffffffff, UINT64_MAX, true},
        {"0xffffffff80000000", 0x80000000, 0xffffffff80000000, true},
        {"0x100000000", 0, 0x100000000, false},
        {"0x100000001", 0, 0x100000001, false},
        {"0x7fffffffffffffff", 0, 0x7fffffffffffffff, false},
        {"0x8000000000000000", 0, 0x8000000000000000, false},
        {"MSG_NOSIGNAL", MSG_NOSIGNAL, MSG_NOSIGNAL, true},
        {"\"SOCK_CLOEXEC|SOCK_NONBLOCK\"", SOCK_CLOEXEC | SOCK_NONBLOCK,
         SOCK_CLOEXEC | SOCK_NONBLOCK, true},
        {"FIONBIO", FIONBIO, FIONBIO, true},
        {"\"sizeof(struct sockaddr_in)\"", sizeof(struct sockaddr_in), sizeof(struct sockaddr_in),
         true},
};

static void gen_leaf(struct rng *r, const struct gen_policy *gp, struct gen_rule *g,
                     struct gen_node *n, FILE *out)
{
	static const char *const ops[] = {"eq", "<", "<=", ">", ">="};
	n->kind = EXPR_CMP;
	n->op = (enum interval_cmp)rng_below(r, 5);
	n->arg = rng_percent(r, 90) ? g->hot[rng_below(r, 2)]
	                            : (unsigned)rng_below(r, g->sig->nargs);
	n->arg_left = rng_percent(r, 75);
	bool is32 = g->sig->width[n->arg] == SYSCALL_ARG_32;
	char value[64];
	unsigned roll = (unsigned)rng_below(r, 100);
	if (gp->n_params > 0 && roll < 25) {
		size_t k = rng_below(r, gp->n_params);
		snprintf(value, sizeof(value), "p%zu", k);
		n->value = gp->params[k];
	} else if (roll < 60) {
		uint64_t v = g->anchors[rng_below(r, 3)];
		v += rng_below(r, 3) - 1;
		n->value = is32 ? (uint32_t)v : v;
		snprintf(value, sizeof(value), rng_percent(r, 50) ? "%" PRIu64 : "0x%" PRIx64,
		         n->value);
	} else if (roll < 85) {
		const struct literal *l;
		do
			l = &literals[rng_below(r, sizeof(literals) / sizeof(literals[0]))];
		while (is32 && !l->fits32);
		snprintf(value, sizeof(value), "%s", l->text);
		n->value = is32 ? l->v32 : l->v64;
	} else {
		/* Only in equalities: a random bound on a long argument is some
		 * 60 aligned blocks, and a few of those in one conjunction make
		 * thousands of libseccomp rules. */
		n->op = INTERVAL_EQ;
		n->value = is32 || rng_percent(r, 50) ? rng_next(r) >> 32 : rng_next(r);
		snprintf(value, sizeof(value), "0x%" PRIx64, n->value);
	}
	if (n->arg_left)
		fprintf(out, "(%s (arg %u) %s)", ops[n->op], n->arg, value);
	else
		fprintf(out, "(%s %s (arg %u))", ops[n->op], value, n->arg);
}

static struct gen_node *gen_expr(struct rng *r, const struct gen_policy *gp, struct gen_rule *g,
                                 unsigned depth, FILE *out)
{
	static const unsigned leaf_percent[] = {15, 35, 55, 75, 100};
	struct gen_node *n = &g->nodes[g->n_nodes++];
	*n = (struct gen_node){0};
	if (rng_percent(r, leaf_percent[depth])) {
		gen_leaf(r, gp, g, n, out);
		return n;
	}
	unsigned roll = (unsigned)rng_below(r, 100);
	n->kind = roll < 40 ? EXPR_AND : roll < 80 ? EXPR_OR : EXPR_NOT;
	n->n_kids = n->kind == EXPR_NOT ? 1 : 1 + (unsigned)rng_below(r, 3);
	fprintf(out, "(%s", n->kind == EXPR_AND ? "and" : n->kind == EXPR_OR ? "or" : "not");
	for (unsigned i = 0; i < n->n_kids; i++) {
		fputc(' ', out);
		n->kids[i] = gen_expr(r, gp, g, depth + 1, out);
	}
	fputc(')', out);
	return n;
}

/* Syscalls whose arguments mix both widths. */
static const char *const gen_syscalls[] = {"sendto",  "lseek", "read",    "mmap",
                                           "accept4", "futex", "pread64", "fcntl"};

static uint64_t gen_param_value(struct rng *r)
{
	static const uint64_t edges[] = {0, 1, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff};
	unsigned roll = (unsigned)rng_below(r, 100);
	if (roll < 40)
		return rng_below(r, 11);
	if (roll < 70)
		return edges[rng_below(r, sizeof(edges) / sizeof(edges[0]))];
	return rng_next(r) >> 32;
}

static uint64_t gen_anchor(struct rng *r, const struct gen_policy *gp)
{
	unsigned roll = (unsigned)rng_below(r, 100);
	if (gp->n_params > 0 && roll < 30)
		return gp->params[rng_below(r, gp->n_params)];
	if (roll < 95)
		return gen_param_value(r);
	return rng_next(r);
}

static void gen_policy(struct rng *r, struct gen_policy *gp)
{
	*gp = (struct gen_policy){0};
	gp->n_params = rng_below(r, MAX_GEN_PARAMS + 1);
	for (size_t i = 0; i < gp->n_params; i++)
		gp->params[i] = gen_param_value(r);
	const size_t n_syscalls = sizeof(gen_syscalls) / sizeof(gen_syscalls[0]);
	size_t order[sizeof(gen_syscalls) / sizeof(gen_syscalls[0])];
	for (size_t i = 0; i < n_syscalls; i++)
		order[i] = i;
	for (size_t i = n_syscalls - 1; i > 0; i--) {
		size_t j = rng_below(r, i + 1), tmp = order[i];
		order[i] = order[j];
		order[j] = tmp;
	}
	gp->n_rules = 1 + rng_below(r, MAX_GEN_RULES - 1);
	for (size_t i = 0; i < gp->n_rules; i++) {
		struct gen_rule *g = &gp->rules[i];
		const char *name = gen_syscalls[order[i]];
		g->sig = syscall_signature_find(name);
		cr_assert_not_null(g->sig, "no signature for %s", name);
		for (unsigned k = 0; k < 2; k++)
			g->hot[k] = (unsigned)rng_below(r, g->sig->nargs);
		for (unsigned k = 0; k < 3; k++)
			g->anchors[k] = gen_anchor(r, gp);
		size_t len = 0;
		FILE *out = open_memstream(&g->text, &len);
		cr_assert_not_null(out);
		fputs(name, out);
		if (rng_percent(r, 90)) {
			fputs(": ", out);
			g->root = gen_expr(r, gp, g, 0, out);
		}
		fclose(out);
	}
}

static void gen_policy_release(struct gen_policy *gp)
{
	for (size_t i = 0; i < gp->n_rules; i++)
		free(gp->rules[i].text);
}

/* The text of the rules not dropped, and the bindings. */
static char *gen_text(struct gen_policy *gp, struct policy_binding *b)
{
	static const char *const names[] = {"p0", "p1", "p2"};
	char *text = NULL;
	size_t len = 0, parsed = 0;
	FILE *out = open_memstream(&text, &len);
	cr_assert_not_null(out);
	if (gp->n_params == 0)
		fputs("noarg\n", out);
	for (size_t i = 0; i < gp->n_params; i++) {
		fprintf(out, "%suint %s", i ? ", " : "", names[i]);
		b[i] = (struct policy_binding){names[i], gp->params[i]};
	}
	if (gp->n_params > 0)
		fputc('\n', out);
	for (size_t i = 0; i < gp->n_rules; i++) {
		if (gp->rules[i].dropped)
			continue;
		fprintf(out, "%s\n", gp->rules[i].text);
		gp->parsed_to_gen[parsed++] = i;
	}
	fclose(out);
	return text;
}

struct random_tally {
	struct tally t;
	size_t generated, allow_nothing_rules, empty_policies, too_big_policies, too_slow_policies;
};

/* The compiler said a rule allows nothing: no vector may satisfy it. */
static void check_allows_nothing(const struct subject *s, size_t index, struct rng *r,
                                 struct tally *t)
{
	const struct rule *rule = &s->policy->rules[index];
	struct pools p;
	uint64_t args[NARGS];
	pools_init(&p, rule, s->params);
	for (unsigned k = 0; k < RANDOM_VECTORS; k++) {
		fill_args(r, &p, k % 2 == 0, args);
		bool want = rule_allows(rule, s->params, args);
		t->vectors++;
		if (want || s->oracle(s->oracle_ctx, index, args))
			report(t, s, rule, rule->number, AUDIT_ARCH_X86_64, args,
			       "the compiler says the condition allows nothing, but it is true "
			       "here");
	}
}

static void write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n <= 0)
			_exit(3);
		p += n;
		len -= (size_t)n;
	}
}

static bool read_all(int fd, void *buf, size_t len)
{
	char *p = buf;
	while (len > 0) {
		ssize_t n = read(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		p += n;
		len -= (size_t)n;
	}
	return true;
}

struct compile_outcome {
	int rc;
	struct policy_error err;
	size_t count;
	unsigned short len[POLICY_MAX_PROGRAMS];
};

/* libseccomp 2.5.4 can take a minute to add a few hundred overlapping
 * masked-equality rules (seccomp_rule_add_exact_array, deep in its rule
 * tree merge), as some random conditions need. So a random policy is
 * compiled in a forked process, which sends the programs back and is
 * stopped after COMPILE_SECONDS. Returns 0, -1 with `err` filled, or -2
 * when too slow. */
static int compile_forked(const struct policy *p, const struct policy_binding *b, size_t n,
                          struct compiled *out, struct policy_error *err)
{
	int fds[2];
	*out = (struct compiled){0};
	bound_values(p, b, n, out->params);
	cr_assert_eq(pipe(fds), 0);
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		close(fds[0]);
		alarm(COMPILE_SECONDS);
		struct compile_outcome o = {0};
		struct compiled c;
		o.rc = compile(p, b, n, POLICY_DENY_KILL, &c, &o.err);
		if (o.rc == 0) {
			o.count = c.bpf.count;
			for (size_t i = 0; i < c.bpf.count; i++)
				o.len[i] = c.bpf.programs[i].len;
		}
		write_all(fds[1], &o, sizeof(o));
		for (size_t i = 0; i < o.count; i++)
			write_all(fds[1], c.bpf.programs[i].filter,
			          c.bpf.programs[i].len * sizeof(struct sock_filter));
		_exit(0);
	}
	close(fds[1]);
	struct compile_outcome o;
	bool complete = read_all(fds[0], &o, sizeof(o));
	for (size_t i = 0; complete && o.rc == 0 && i < o.count; i++) {
		struct sock_fprog *prog = &out->bpf.programs[i];
		prog->len = o.len[i];
		prog->filter = calloc(o.len[i], sizeof(struct sock_filter));
		cr_assert_not_null(prog->filter);
		out->bpf.count++;
		complete = read_all(fds[0], prog->filter, o.len[i] * sizeof(struct sock_filter));
	}
	close(fds[0]);
	int status;
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	if (WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM) {
		policy_bpf_release(&out->bpf);
		return -2;
	}
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0 && complete,
	          "compiling a policy failed (status 0x%x)", status);
	cr_assert(o.rc == 0 || o.count == 0);
	*err = o.err;
	return o.rc == 0 ? 0 : -1;
}

static void check_random_policy(uint64_t seed, size_t number, struct random_tally *rt)
{
	struct rng r = {seed};
	struct gen_policy *gp = calloc(1, sizeof(*gp));
	cr_assert_not_null(gp);
	gen_policy(&r, gp);
	rt->generated++;
	for (;;) {
		struct policy_binding b[MAX_GEN_PARAMS];
		char *text = gen_text(gp, b);
		struct policy_error err = {0};
		char msg[1024];
		struct policy *p = policy_parse("random.policy", text, strlen(text), &err);
		policy_error_format(&err, msg, sizeof(msg));
		cr_assert_not_null(p, "a generated policy does not parse: %s\n%s", msg, text);
		struct compiled c;
		int rc = compile_forked(p, b, gp->n_params, &c, &err);
		policy_error_format(&err, msg, sizeof(msg));
		struct subject s = {
		        .name = "random.policy",
		        .policy = p,
		        .params = c.params,
		        .bpf = &c.bpf,
		        .deny = SECCOMP_RET_KILL_PROCESS,
		        .random_vectors = RANDOM_POLICY_VECTORS,
		        .oracle = gen_oracle,
		        .oracle_ctx = gp,
		};
		size_t before = rt->t.mismatches;
		bool again = false;
		if (rc == 0) {
			check_compiled(&s, &r, &rt->t);
			compiled_release(&c);
		} else if (rc == -2) {
			rt->too_slow_policies++;
		} else if (strstr(err.message, "allow nothing") != NULL) {
			size_t index = p->rule_count;
			for (size_t i = 0; i < p->rule_count; i++)
				if (p->rules[i].pos.line == err.line)
					index = i;
			cr_assert_lt(index, p->rule_count, "no rule at the error: %s", msg);
			check_allows_nothing(&s, index, &r, &rt->t);
			gp->rules[gp->parsed_to_gen[index]].dropped = true;
			rt->allow_nothing_rules++;
			again = p->rule_count > 1;
			if (!again)
				rt->empty_policies++;
		} else if (strstr(err.message, "too many") != NULL ||
		           strstr(err.message, "the kernel takes") != NULL) {
			rt->too_big_policies++;
		} else {
			cr_expect(false, "a generated policy does not compile: %s\n%s", msg, text);
		}
		if (rt->t.mismatches > before)
			printf("random policy %zu (its own seed 0x%016" PRIx64
			       ") with p0..p2 = 0x%" PRIx64 " 0x%" PRIx64 " 0x%" PRIx64 ":\n%s\n",
			       number, seed, gp->params[0], gp->params[1], gp->params[2], text);
		policy_free(p);
		free(text);
		if (!again)
			break;
	}
	gen_policy_release(gp);
	free(gp);
}

static void random_policies(uint64_t seed, const char *what)
{
	struct random_tally rt = {0};
	/* Each policy has its own seed, so that one skipped for slowness
	 * changes nothing else. */
	struct rng seeds = {seed};
	for (unsigned i = 0; i < RANDOM_POLICIES; i++)
		check_random_policy(rng_next(&seeds), i, &rt);
	print_tally(what, seed, &rt.t);
	printf("semantics %s: %zu policies generated; skipped: %zu rules that allow nothing "
	       "(%zu policies left empty), %zu policies too large to compile, %zu too slow to "
	       "compile (over %d s)\n",
	       what, rt.generated, rt.allow_nothing_rules, rt.empty_policies, rt.too_big_policies,
	       rt.too_slow_policies, COMPILE_SECONDS);
	fflush(stdout);
	cr_expect_geq(rt.t.policies, RANDOM_POLICIES * 3 / 4,
	              "only %zu of %u random policies were checked", rt.t.policies,
	              RANDOM_POLICIES);
	cr_expect_eq(rt.t.mismatches, 0);
}

Test(semantics, random_policies_a, .timeout = 120)
{
	random_policies(base_seed() ^ 2, "random (a)");
}

Test(semantics, random_policies_b, .timeout = 120)
{
	random_policies(base_seed() ^ 3, "random (b)");
}

/* ---- The interpreter itself ---------------------------------------------- */

static uint32_t run_ok(const struct sock_filter *insns, size_t n, const struct seccomp_data *d)
{
	struct sock_fprog prog = {(unsigned short)n, (struct sock_filter *)insns};
	struct bpf_error err;
	uint32_t ret = 0;
	cr_assert_eq(bpf_validate(&prog, &err), 0, "validate: %zu: %s", err.pc, err.message);
	cr_assert_eq(bpf_run(&prog, d, &ret, &err), 0, "run: %zu: %s", err.pc, err.message);
	return ret;
}

#define RUN_OK(d, ...)                                                                             \
	run_ok((const struct sock_filter[]){__VA_ARGS__},                                          \
	       sizeof((const struct sock_filter[]){__VA_ARGS__}) / sizeof(struct sock_filter), d)

Test(bpf_interpreter, loads_follow_the_x86_64_layout)
{
	struct seccomp_data d = {
	        .nr = 0x101, .arch = AUDIT_ARCH_X86_64, .instruction_pointer = 0x1122334455667788};
	for (unsigned i = 0; i < NARGS; i++)
		d.args[i] = (uint64_t)(0xa0 + i) << 32 | (0xb0 + i);
	cr_expect_eq(
	        RUN_OK(&d, BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 0), BPF_STMT(BPF_RET | BPF_A, 0)),
	        0x101);
	cr_expect_eq(
	        RUN_OK(&d, BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 4), BPF_STMT(BPF_RET | BPF_A, 0)),
	        AUDIT_ARCH_X86_64);
	cr_expect_eq(
	        RUN_OK(&d, BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 8), BPF_STMT(BPF_RET | BPF_A, 0)),
	        0x55667788);
	cr_expect_eq(
	        RUN_OK(&d, BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 12), BPF_STMT(BPF_RET | BPF_A, 0)),
	        0x11223344);
	for (unsigned i = 0; i < NARGS; i++) {
		uint32_t low = RUN_OK(&d, BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 16 + 8 * i),
		                      BPF_STMT(BPF_RET | BPF_A, 0));
		uint32_t high = RUN_OK(&d, BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 16 + 8 * i + 4),
		                       BPF_STMT(BPF_RET | BPF_A, 0));
		cr_expect_eq(low, 0xb0 + i, "args[%u] low word 0x%x", i, low);
		cr_expect_eq(high, 0xa0 + i, "args[%u] high word 0x%x", i, high);
	}
	cr_expect_eq(
	        RUN_OK(&d, BPF_STMT(BPF_LD | BPF_W | BPF_LEN, 0), BPF_STMT(BPF_RET | BPF_A, 0)),
	        64);
	cr_expect_eq(RUN_OK(&d, BPF_STMT(BPF_LDX | BPF_W | BPF_LEN, 0),
	                    BPF_STMT(BPF_MISC | BPF_TXA, 0), BPF_STMT(BPF_RET | BPF_A, 0)),
	             64);
}

Test(bpf_interpreter, alu_with_k_and_x)
{
	static const struct {
		uint16_t op;
		uint32_t a, operand, result;
	} cases[] = {
	        {BPF_ADD, 0xffffffff, 2, 1},          {BPF_SUB, 1, 2, 0xffffffff},
	        {BPF_MUL, 0x10000, 0x10001, 0x10000}, {BPF_DIV, 100, 7, 14},
	        {BPF_AND, 0xf0f0, 0xff00, 0xf000},    {BPF_OR, 0xf0f0, 0xff00, 0xfff0},
	        {BPF_XOR, 0xf0f0, 0xff00, 0x0ff0},    {BPF_LSH, 0x80000001, 1, 2},
	        {BPF_RSH, 0x80000000, 31, 1},
	};
	struct seccomp_data d = {0};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint32_t k = RUN_OK(&d, BPF_STMT(BPF_LD | BPF_IMM, cases[i].a),
		                    BPF_STMT(BPF_ALU | cases[i].op | BPF_K, cases[i].operand),
		                    BPF_STMT(BPF_RET | BPF_A, 0));
		uint32_t x = RUN_OK(&d, BPF_STMT(BPF_LDX | BPF_IMM, cases[i].operand),
		                    BPF_STMT(BPF_LD | BPF_IMM, cases[i].a),
		                    BPF_STMT(BPF_ALU | cases[i].op | BPF_X, 0),
		                    BPF_STMT(BPF_RET | BPF_A, 0));
		cr_expect_eq(k, cases[i].result, "op 0x%x with K: 0x%x", cases[i].op, k);
		cr_expect_eq(x, cases[i].result, "op 0x%x with X: 0x%x", cases[i].op, x);
	}
	cr_expect_eq(RUN_OK(&d, BPF_STMT(BPF_LD | BPF_IMM, 1), BPF_STMT(BPF_ALU | BPF_NEG, 0),
	                    BPF_STMT(BPF_RET | BPF_A, 0)),
	             0xffffffff);
	/* Scratch memory and the register moves. */
	cr_expect_eq(RUN_OK(&d, BPF_STMT(BPF_LD | BPF_IMM, 7), BPF_STMT(BPF_ST, 15),
	                    BPF_STMT(BPF_LDX | BPF_IMM, 9), BPF_STMT(BPF_STX, 0),
	                    BPF_STMT(BPF_LDX | BPF_MEM, 15), BPF_STMT(BPF_LD | BPF_MEM, 0),
	                    BPF_STMT(BPF_ALU | BPF_SUB | BPF_X, 0), BPF_STMT(BPF_MISC | BPF_TAX, 0),
	                    BPF_STMT(BPF_LD | BPF_IMM, 0), BPF_STMT(BPF_MISC | BPF_TXA, 0),
	                    BPF_STMT(BPF_RET | BPF_A, 0)),
	             2);
}

Test(bpf_interpreter, jumps_with_k_and_x)
{
	static const struct {
		uint16_t op;
		uint32_t a, operand;
		bool taken;
	} cases[] = {
	        {BPF_JEQ, 5, 5, true},  {BPF_JEQ, 5, 6, false},  {BPF_JGT, 0xffffffff, 1, true},
	        {BPF_JGT, 1, 1, false}, {BPF_JGE, 1, 1, true},   {BPF_JGE, 1, 0xffffffff, false},
	        {BPF_JSET, 6, 2, true}, {BPF_JSET, 6, 9, false},
	};
	struct seccomp_data d = {0};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint32_t k = RUN_OK(&d, BPF_STMT(BPF_LD | BPF_IMM, cases[i].a),
		                    BPF_JUMP(BPF_JMP | cases[i].op | BPF_K, cases[i].operand, 1, 0),
		                    BPF_STMT(BPF_RET | BPF_K, 0), BPF_STMT(BPF_RET | BPF_K, 1));
		uint32_t x = RUN_OK(&d, BPF_STMT(BPF_LD | BPF_IMM, cases[i].a),
		                    BPF_STMT(BPF_LDX | BPF_IMM, cases[i].operand),
		                    BPF_JUMP(BPF_JMP | cases[i].op | BPF_X, 0, 1, 0),
		                    BPF_STMT(BPF_RET | BPF_K, 0), BPF_STMT(BPF_RET | BPF_K, 1));
		cr_expect_eq(k, cases[i].taken, "jump 0x%x on K: %u", cases[i].op, k);
		cr_expect_eq(x, cases[i].taken, "jump 0x%x on X: %u", cases[i].op, x);
	}
	cr_expect_eq(RUN_OK(&d, BPF_STMT(BPF_JMP | BPF_JA, 1), BPF_STMT(BPF_RET | BPF_K, 0),
	                    BPF_STMT(BPF_RET | BPF_K, 1)),
	             1);
}

/* Each program must be refused at load time, and also when run. */
static void expect_refused(const struct sock_filter *insns, size_t n, const char *why)
{
	struct sock_fprog prog = {(unsigned short)n, (struct sock_filter *)insns};
	struct bpf_error err;
	struct seccomp_data d = {0};
	uint32_t ret;
	cr_expect_neq(bpf_validate(&prog, &err), 0, "validated: %s", why);
	cr_expect_neq(bpf_run(&prog, &d, &ret, &err), 0, "ran: %s", why);
}

#define EXPECT_REFUSED(why, ...)                                                                   \
	expect_refused((const struct sock_filter[]){__VA_ARGS__},                                  \
	               sizeof((const struct sock_filter[]){__VA_ARGS__}) /                         \
	                       sizeof(struct sock_filter),                                         \
	               why)

Test(bpf_interpreter, refuses_what_the_kernel_refuses)
{
	struct sock_filter ret0 = BPF_STMT(BPF_RET | BPF_K, 0);
	expect_refused(&ret0, 0, "empty program");
	EXPECT_REFUSED("load past seccomp_data", BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 64), ret0);
	EXPECT_REFUSED("load far past", BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 0xfffffffc), ret0);
	EXPECT_REFUSED("unaligned load", BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 2), ret0);
	EXPECT_REFUSED("halfword load", BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 0), ret0);
	EXPECT_REFUSED("byte load", BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 0), ret0);
	EXPECT_REFUSED("indirect load", BPF_STMT(BPF_LD | BPF_W | BPF_IND, 0), ret0);
	EXPECT_REFUSED("msh load", BPF_STMT(BPF_LDX | BPF_B | BPF_MSH, 0), ret0);
	EXPECT_REFUSED("modulo", BPF_STMT(BPF_ALU | BPF_MOD | BPF_K, 3), ret0);
	EXPECT_REFUSED("negate X", BPF_STMT(BPF_ALU | BPF_NEG | BPF_X, 0), ret0);
	EXPECT_REFUSED("return X", BPF_STMT(BPF_RET | BPF_X, 0));
	EXPECT_REFUSED("unknown opcode", BPF_STMT(0xffff, 0), ret0);
	EXPECT_REFUSED("division by constant zero", BPF_STMT(BPF_ALU | BPF_DIV | BPF_K, 0), ret0);
	EXPECT_REFUSED("shift by 32", BPF_STMT(BPF_ALU | BPF_LSH | BPF_K, 32), ret0);
	EXPECT_REFUSED("jump past the end", BPF_STMT(BPF_JMP | BPF_JA, 1), ret0);
	EXPECT_REFUSED("conditional jump past the end",
	               BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 1, 0), ret0);
	EXPECT_REFUSED("no return at the end", BPF_STMT(BPF_LD | BPF_IMM, 0));
	EXPECT_REFUSED("scratch index 16", BPF_STMT(BPF_ST, 16), ret0);
	EXPECT_REFUSED("scratch read before written", BPF_STMT(BPF_LD | BPF_MEM, 0), ret0);
}

Test(bpf_interpreter, refuses_what_it_does_not_model_at_run_time)
{
	struct seccomp_data d = {.nr = 2};
	struct bpf_error err;
	uint32_t ret;
	struct sock_filter div[] = {BPF_STMT(BPF_LDX | BPF_IMM, 0),
	                            BPF_STMT(BPF_ALU | BPF_DIV | BPF_X, 0),
	                            BPF_STMT(BPF_RET | BPF_A, 0)};
	struct sock_fprog prog = {3, div};
	cr_expect_eq(bpf_validate(&prog, &err), 0);
	cr_expect_neq(bpf_run(&prog, &d, &ret, &err), 0, "division by X == 0 ran");
	struct sock_filter shift[] = {BPF_STMT(BPF_LDX | BPF_IMM, 32),
	                              BPF_STMT(BPF_ALU | BPF_RSH | BPF_X, 0),
	                              BPF_STMT(BPF_RET | BPF_A, 0)};
	prog = (struct sock_fprog){3, shift};
	cr_expect_neq(bpf_run(&prog, &d, &ret, &err), 0, "shift by X == 32 ran");
	/* Scratch word 0 is written only when nr == 1. */
	struct sock_filter maybe[] = {
	        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 0), BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 1, 0, 1),
	        BPF_STMT(BPF_ST, 0), BPF_STMT(BPF_LD | BPF_MEM, 0), BPF_STMT(BPF_RET | BPF_A, 0)};
	prog = (struct sock_fprog){5, maybe};
	cr_expect_neq(bpf_validate(&prog, &err), 0, "a read before a write on one path validated");
	cr_expect_neq(bpf_run(&prog, &d, &ret, &err), 0, "a read before a write ran");
	d.nr = 1;
	cr_expect_eq(bpf_run(&prog, &d, &ret, &err), 0, "%s", err.message);
	cr_expect_eq(ret, 1);
}

Test(bpf_interpreter, a_stack_of_filters_takes_the_strictest_verdict)
{
	struct sock_filter allow[] = {BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)};
	struct sock_filter trap[] = {BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRAP | 7)};
	struct sock_filter errno_[] = {BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | 1)};
	struct sock_filter kill[] = {BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS)};
	struct sock_filter trap2[] = {BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRAP | 9)};
	struct sock_fprog stack[] = {{1, allow}, {1, trap}, {1, errno_}, {1, trap2}, {1, kill}};
	struct seccomp_data d = {0};
	struct bpf_error err;
	uint32_t ret;
	cr_assert_eq(bpf_run_stack(stack, 1, &d, &ret, &err), 0);
	cr_expect_eq(ret, SECCOMP_RET_ALLOW);
	cr_assert_eq(bpf_run_stack(stack, 3, &d, &ret, &err), 0);
	cr_expect_eq(ret, SECCOMP_RET_TRAP | 7);
	/* Equal actions: the filter loaded last decides the data. */
	cr_assert_eq(bpf_run_stack(stack, 4, &d, &ret, &err), 0);
	cr_expect_eq(ret, SECCOMP_RET_TRAP | 9);
	cr_assert_eq(bpf_run_stack(stack, 5, &d, &ret, &err), 0);
	cr_expect_eq(ret, SECCOMP_RET_KILL_PROCESS);
}
