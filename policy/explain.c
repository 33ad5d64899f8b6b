/*
 * explain.c - the verdict on one call, and why, from the rules' boxes.
 *
 * A call is allowed when one box of its syscall's rule holds every
 * argument, each read at the width the kernel reads it. A denied call is
 * explained by its closest alternatives: the boxes that fail on the fewest
 * arguments. When each fails on one argument only, what the rule allows
 * for that argument, the others as they are, is the union of those boxes'
 * sets for it; that union is what the message shows.
 */
#include "explain.h"
#include "explainer.h"
#include "meaning.h"
#include "render.h"

#include <linux/audit.h>
#include <seccomp.h>
#include <stdlib.h>
#include <string.h>

enum {
	X32_SYSCALL_BIT = 0x40000000, /* libseccomp's filter kills from here up, but -1 */
};

/* Numbers from libseccomp, names and argument counts from the signature
 * table, so that a call no rule names can be named too. */
static void index_signatures(struct policy_explainer *x)
{
	size_t count;
	const struct syscall_signature *table = syscall_signature_table(&count);
	for (size_t i = 0; i < count; i++) {
		int nr = seccomp_syscall_resolve_name_arch(SCMP_ARCH_NATIVE, table[i].name);
		if (nr >= 0 && nr < MAX_NR)
			x->signature_of[nr] = &table[i];
	}
}

static int index_rules(struct policy_explainer *x, struct policy_error *err)
{
	const struct policy *p = x->policy;
	x->rules = calloc(p->rule_count ? p->rule_count : 1, sizeof(*x->rules));
	if (x->rules == NULL) {
		policy_error_set(err, p->name, (struct source_pos){0, 0}, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < p->rule_count; i++) {
		const struct rule *rule = &p->rules[i];
		if (rule->number < 0 || rule->number >= MAX_NR) {
			policy_error_set(err, p->name, rule->pos,
			                 "%s: syscall number %d out of range", rule->syscall,
			                 rule->number);
			return -1;
		}
		rule_domains(rule, x->rules[i].max);
		if (rule_boxes(p, rule, x->values, &x->rules[i].boxes, err) < 0)
			return -1;
		x->rule_of[rule->number] = i + 1;
	}
	return 0;
}

struct policy_explainer *policy_explainer_new(const struct policy *policy,
                                              const struct policy_binding *bindings, size_t count,
                                              struct policy_error *err)
{
	struct policy_explainer *x = calloc(1, sizeof(*x));
	if (x == NULL) {
		policy_error_set(err, policy->name, (struct source_pos){0, 0}, "out of memory");
		return NULL;
	}
	x->policy = policy;
	if (meaning_bind(policy, bindings, count, false, x->values, err) < 0 ||
	    index_rules(x, err) < 0) {
		policy_explainer_free(x);
		return NULL;
	}
	index_signatures(x);
	return x;
}

void policy_explainer_free(struct policy_explainer *x)
{
	if (x == NULL)
		return;
	for (size_t i = 0; x->rules != NULL && i < x->policy->rule_count; i++)
		box_list_release(&x->rules[i].boxes);
	free(x->rules);
	free(x);
}

/* Bit a set when argument a of the call is outside the box. */
static unsigned failing_args(const struct box *b, const uint64_t *seen)
{
	unsigned mask = 0;
	for (unsigned a = 0; a < MEANING_NARGS; a++)
		if (!interval_set_contains(&b->args[a], seen[a]))
			mask |= 1u << a;
	return mask;
}

static void explain_rule(const struct policy_explainer *x, size_t index,
                         struct policy_explanation *out)
{
	const struct rule_meaning *m = &x->rules[index];
	uint64_t seen[MEANING_NARGS];
	for (unsigned a = 0; a < MEANING_NARGS; a++)
		seen[a] = meaning_seen(out->call.args[a], m->max[a]);
	out->has_rule = true;
	out->rule = index;
	out->line = x->policy->rules[index].pos.line;
	out->reason = POLICY_REASON_CONDITION_FAILS;
	out->misses = MEANING_NARGS + 1;
	for (size_t i = 0; i < m->boxes.count; i++) {
		unsigned mask = failing_args(&m->boxes.items[i], seen);
		unsigned misses = (unsigned)__builtin_popcount(mask);
		if (mask == 0) {
			out->verdict = POLICY_ALLOWED;
			out->reason = x->policy->rules[index].condition == NULL
			                      ? POLICY_REASON_UNCONDITIONAL
			                      : POLICY_REASON_CONDITION_HOLDS;
			out->alternative = i;
			out->misses = out->failing = 0;
			return;
		}
		if (misses < out->misses)
			out->misses = misses, out->failing = 0;
		if (misses == out->misses)
			out->failing |= mask;
	}
}

enum policy_verdict policy_explain(const struct policy_explainer *x, const struct policy_call *call,
                                   struct policy_explanation *out)
{
	*out = (struct policy_explanation){.verdict = POLICY_DENIED, .call = *call};
	if (call->arch != AUDIT_ARCH_X86_64) {
		out->reason = POLICY_REASON_FOREIGN_ARCH;
		return out->verdict;
	}
	if ((uint32_t)call->nr >= X32_SYSCALL_BIT && call->nr != -1) {
		out->reason = POLICY_REASON_X32;
		return out->verdict;
	}
	bool known = call->nr >= 0 && call->nr < MAX_NR;
	if (known && x->signature_of[call->nr] != NULL)
		out->syscall = x->signature_of[call->nr]->name;
	if (!known || x->rule_of[call->nr] == 0) {
		out->reason = POLICY_REASON_NO_RULE;
		return out->verdict;
	}
	size_t index = x->rule_of[call->nr] - 1;
	out->syscall = x->policy->rules[index].syscall;
	explain_rule(x, index, out);
	return out->verdict;
}

/* ---- Formatting ------------------------------------------------------ */

static void render_number(struct text *t, uint64_t v)
{
	text_add(t, v < 0x10000 ? "%llu" : "0x%llx", (unsigned long long)v);
}

/* "close(4)", "syscall 999(0, 0, 0, 0, 0, 0)". */
static void render_head(struct text *t, const struct policy_explainer *x,
                        const struct policy_explanation *e)
{
	const struct policy_call *c = &e->call;
	unsigned nargs = MEANING_NARGS;
	if (e->has_rule && x->policy->rules[e->rule].signature != NULL)
		nargs = x->policy->rules[e->rule].signature->nargs;
	else if (e->syscall != NULL && c->nr >= 0 && c->nr < MAX_NR)
		nargs = x->signature_of[c->nr]->nargs;
	if (e->syscall != NULL)
		text_add(t, "%s(", e->syscall);
	else
		text_add(t, "syscall %d(", c->nr);
	for (unsigned a = 0; a < nargs; a++) {
		text_add(t, "%s", a ? ", " : "");
		render_number(t, c->args[a]);
	}
	text_add(t, ")");
}

static void names_for(const struct policy_explainer *x, size_t rule, unsigned arg,
                      struct arg_names *n)
{
	arg_names_init(n, &x->policy->rules[rule], arg);
	arg_names_add_policy(n, x->policy, x->values, &x->policy->rules[rule]);
}

/* "arg 0 is 4 (logfile_fd), arg 3 is 0" for the arguments in `mask`. */
static void render_call_args(struct text *t, const struct policy_explainer *x,
                             const struct policy_explanation *e, unsigned mask, const char *sep)
{
	struct arg_names n;
	bool first = true;
	for (unsigned a = 0; a < MEANING_NARGS; a++) {
		if (!(mask & (1u << a)))
			continue;
		names_for(x, e->rule, a, &n);
		text_add(t, "%sarg %u is ", first ? "" : sep, a);
		render_arg_value(t, &n, e->call.args[a]);
		first = false;
	}
}

/* The arguments of one box in `mask`, joined by "and"; a set of several
 * intervals in parentheses when there is more than one argument. */
static void render_box(struct text *t, const struct policy_explainer *x, size_t rule,
                       const struct box *b, unsigned mask)
{
	struct arg_names n;
	bool first = true, several = __builtin_popcount(mask) > 1;
	for (unsigned a = 0; a < MEANING_NARGS; a++) {
		if (!(mask & (1u << a)))
			continue;
		bool parens = several && b->args[a].count > 1;
		names_for(x, rule, a, &n);
		text_add(t, "%s%s", first ? "" : " and ", parens ? "(" : "");
		render_arg_set(t, &n, &b->args[a]);
		text_add(t, "%s", parens ? ")" : "");
		first = false;
	}
}

static unsigned constrained_args(const struct rule_meaning *m, const struct box *b)
{
	unsigned mask = 0;
	for (unsigned a = 0; a < MEANING_NARGS; a++)
		if (!interval_set_is_full(&b->args[a], m->max[a]))
			mask |= 1u << a;
	return mask;
}

struct single_miss {
	const struct policy_explainer *x;
	const struct policy_explanation *e;
	unsigned arg;
};

/* Argument `arg`'s set in a box that fails on that argument alone. */
static const struct interval_set *single_miss_set(const void *ctx, size_t index)
{
	const struct single_miss *s = ctx;
	const struct rule_meaning *m = &s->x->rules[s->e->rule];
	const struct box *b = &m->boxes.items[index];
	uint64_t seen[MEANING_NARGS];
	for (unsigned a = 0; a < MEANING_NARGS; a++)
		seen[a] = meaning_seen(s->e->call.args[a], m->max[a]);
	return failing_args(b, seen) == 1u << s->arg ? &b->args[s->arg] : NULL;
}

/* Each failing argument alone would let the call through: what the rule
 * allows for it, the other arguments as they are. */
static void render_single_misses(struct text *t, const struct policy_explainer *x,
                                 const struct policy_explanation *e)
{
	struct arg_names n;
	const struct rule_meaning *m = &x->rules[e->rule];
	bool first = true;
	for (unsigned a = 0; a < MEANING_NARGS; a++) {
		if (!(e->failing & (1u << a)))
			continue;
		struct single_miss s = {x, e, a};
		names_for(x, e->rule, a, &n);
		text_add(t, "%s", first ? "" : ", or ");
		render_arg_union(t, &n, single_miss_set, &s, m->boxes.count);
		first = false;
	}
	if (__builtin_popcount(e->failing) > 1)
		text_add(t, " (each with the other arguments as they are)");
}

static const struct box *closest_box(const struct policy_explainer *x,
                                     const struct policy_explanation *e, size_t *closest)
{
	const struct rule_meaning *m = &x->rules[e->rule];
	const struct box *found = NULL;
	uint64_t seen[MEANING_NARGS];
	for (unsigned a = 0; a < MEANING_NARGS; a++)
		seen[a] = meaning_seen(e->call.args[a], m->max[a]);
	*closest = 0;
	for (size_t i = 0; i < m->boxes.count; i++) {
		unsigned mask = failing_args(&m->boxes.items[i], seen);
		if ((unsigned)__builtin_popcount(mask) != e->misses)
			continue;
		if (found == NULL)
			found = &m->boxes.items[i];
		++*closest;
	}
	return found;
}

static void render_denial(struct text *t, const struct policy_explainer *x,
                          const struct policy_explanation *e)
{
	const char *file = x->policy->name;
	if (e->misses == 1) {
		render_call_args(t, x, e, e->failing, ", ");
		text_add(t, "; the rule at %s:%u allows ", file, e->line);
		render_single_misses(t, x, e);
		return;
	}
	size_t closest;
	const struct box *b = closest_box(x, e, &closest);
	if (b == NULL) { /* not an explanation of this explainer's */
		text_add(t, "the rule at %s:%u does not hold", file, e->line);
		return;
	}
	uint64_t seen[MEANING_NARGS];
	for (unsigned a = 0; a < MEANING_NARGS; a++)
		seen[a] = meaning_seen(e->call.args[a], x->rules[e->rule].max[a]);
	unsigned mask = failing_args(b, seen);
	render_call_args(t, x, e, mask, " and ");
	text_add(t, "; the rule at %s:%u allows ", file, e->line);
	render_box(t, x, e->rule, b, mask);
	if (x->rules[e->rule].boxes.count > 1)
		text_add(t, " (the closest of its %zu alternatives; %zu as close)",
		         x->rules[e->rule].boxes.count, closest);
}

static void render_allowed(struct text *t, const struct policy_explainer *x,
                           const struct policy_explanation *e)
{
	const struct rule_meaning *m = &x->rules[e->rule];
	const struct box *b = &m->boxes.items[e->alternative];
	text_add(t, ": allowed by the rule at %s:%u", x->policy->name, e->line);
	if (e->reason == POLICY_REASON_UNCONDITIONAL || constrained_args(m, b) == 0) {
		text_add(t, ", which allows every %s call", e->syscall);
		return;
	}
	text_add(t, ": ");
	render_box(t, x, e->rule, b, constrained_args(m, b));
	if (m->boxes.count > 1)
		text_add(t, " (alternative %zu of %zu)", e->alternative + 1, m->boxes.count);
}

size_t policy_explanation_format(const struct policy_explainer *x,
                                 const struct policy_explanation *e, char *buf, size_t size)
{
	struct text t = text_in(buf, size);
	const struct policy_call *c = &e->call;
	switch (e->reason) {
	case POLICY_REASON_FOREIGN_ARCH:
		text_add(&t,
		         "syscall %d (arch 0x%08x): denied: not an x86_64 call; the filter kills "
		         "the process for any other architecture",
		         c->nr, c->arch);
		break;
	case POLICY_REASON_X32:
		text_add(&t,
		         "syscall 0x%x: denied: an x32-ABI number (0x40000000 and up); the filter "
		         "kills the process",
		         (unsigned)c->nr);
		break;
	case POLICY_REASON_NO_RULE:
		render_head(&t, x, e);
		if (e->syscall != NULL)
			text_add(&t, ": denied: no rule allows %s", e->syscall);
		else
			text_add(&t,
			         ": denied: no rule allows syscall %d (no x86_64 syscall "
			         "warden knows has this number)",
			         c->nr);
		text_add(&t, "; the policy's default is deny");
		break;
	case POLICY_REASON_CONDITION_FAILS:
		render_head(&t, x, e);
		text_add(&t, ": denied: ");
		render_denial(&t, x, e);
		break;
	case POLICY_REASON_UNCONDITIONAL:
	case POLICY_REASON_CONDITION_HOLDS:
		render_head(&t, x, e);
		render_allowed(&t, x, e);
		break;
	}
	return t.len;
}
