/*
 * diff.c - the difference of two policies' meanings, exactly.
 *
 * Each rule is a union of boxes (meaning.h). X \ Y for unions of boxes is
 * computed box by box: x \ y is empty, x itself when they are disjoint, or
 * at most six disjoint boxes, the k-th agreeing with y on arguments before
 * k and lying outside y on argument k. What remains of X after every y is
 * X \ Y; merged, it is shown argument by argument.
 */
#include "diff.h"
#include "meaning.h"
#include "render.h"

#include <stdlib.h>
#include <string.h>

struct side {
	const struct policy *policy;
	uint64_t values[POLICY_MAX_PARAMS];
};

struct differ {
	struct side before, after;
	policy_diff_line line;
	void *ctx;
	long changes;
	struct policy_error *err;
};

static int out_of_memory(struct differ *d)
{
	policy_error_set(d->err, d->after.policy->name, (struct source_pos){0, 0}, "out of memory");
	return -1;
}

/* Pushes x \ y (pieces of x outside y) onto `out`. */
static int box_minus(const struct box *x, const struct box *y, const uint64_t *max,
                     struct box_list *out)
{
	struct box inside = {0}; /* x ∩ y on the arguments before k */
	int rc = 0;
	for (unsigned k = 0; k < MEANING_NARGS && rc == 0; k++) {
		struct box piece = {0};
		struct interval_set outside = {0};
		for (unsigned a = 0; a < k && rc == 0; a++)
			rc = interval_set_copy(&piece.args[a], &inside.args[a]);
		if (rc == 0)
			rc = interval_set_complement(&outside, &y->args[k], max[k]);
		if (rc == 0)
			rc = interval_set_intersect(&piece.args[k], &x->args[k], &outside);
		for (unsigned a = k + 1; a < MEANING_NARGS && rc == 0; a++)
			rc = interval_set_copy(&piece.args[a], &x->args[a]);
		interval_set_release(&outside);
		if (rc == 0 && !box_is_empty(&piece))
			rc = box_list_push(out, &piece);
		else
			box_release(&piece);
		if (rc == 0)
			rc = interval_set_intersect(&inside.args[k], &x->args[k], &y->args[k]);
	}
	box_release(&inside);
	return rc < 0 ? -1 : 0;
}

/* *rest = *rest \ y. */
static int subtract_box(struct box_list *rest, const struct box *y, const uint64_t *max)
{
	struct box_list next = {0};
	for (size_t i = 0; i < rest->count; i++) {
		if (box_minus(&rest->items[i], y, max, &next) < 0) {
			box_list_release(&next);
			return -1;
		}
	}
	box_list_release(rest);
	*rest = next;
	return 0;
}

/* *out = x \ y, merged. */
static int subtract(const struct box_list *x, const struct box_list *y, const uint64_t *max,
                    struct box_list *out)
{
	*out = (struct box_list){0};
	for (size_t i = 0; i < x->count; i++) {
		struct box copy = {0};
		int rc = 0;
		for (unsigned a = 0; a < MEANING_NARGS && rc == 0; a++)
			rc = interval_set_copy(&copy.args[a], &x->items[i].args[a]);
		if (rc < 0 || box_list_push(out, &copy) < 0)
			goto fail;
	}
	for (size_t j = 0; j < y->count && out->count > 0; j++)
		if (subtract_box(out, &y->items[j], max) < 0)
			goto fail;
	if (box_list_merge(out) < 0)
		goto fail;
	return 0;
fail:
	box_list_release(out);
	return -1;
}

static const struct rule *find_rule(const struct policy *p, const char *syscall)
{
	for (size_t i = 0; i < p->rule_count; i++)
		if (strcmp(p->rules[i].syscall, syscall) == 0)
			return &p->rules[i];
	return NULL;
}

/* "close: becomes allowed: 6 <= arg 0 <= 9". */
static void emit(struct differ *d, const struct rule *any, const struct rule *rb,
                 const struct rule *ra, const struct box *b, const uint64_t *max, bool allowed)
{
	char buf[4096];
	struct text t = text_in(buf, sizeof(buf));
	unsigned mask = 0;
	for (unsigned a = 0; a < MEANING_NARGS; a++)
		if (!interval_set_is_full(&b->args[a], max[a]))
			mask |= 1u << a;
	text_add(&t, "%s: becomes %s%s: ", any->syscall, allowed ? "allowed" : "denied",
	         rb == NULL   ? " (new rule)"
	         : ra == NULL ? " (rule removed)"
	                      : "");
	if (mask == 0)
		text_add(&t, "every call");
	for (unsigned a = 0, first = 1; a < MEANING_NARGS; a++) {
		if (!(mask & (1u << a)))
			continue;
		struct arg_names n;
		bool parens = __builtin_popcount(mask) > 1 && b->args[a].count > 1;
		arg_names_init(&n, any, a);
		if (rb != NULL)
			arg_names_add_policy(&n, d->before.policy, d->before.values, rb);
		if (ra != NULL)
			arg_names_add_policy(&n, d->after.policy, d->after.values, ra);
		text_add(&t, "%s%s", first ? "" : " and ", parens ? "(" : "");
		render_arg_set(&t, &n, &b->args[a]);
		text_add(&t, "%s", parens ? ")" : "");
		first = 0;
	}
	d->line(d->ctx, buf);
	d->changes++;
}

static int rule_boxes_or_none(struct differ *d, const struct side *s, const struct rule *rule,
                              struct box_list *out)
{
	*out = (struct box_list){0};
	return rule == NULL ? 0 : rule_boxes(s->policy, rule, s->values, out, d->err);
}

static int compare_syscall(struct differ *d, const char *syscall)
{
	const struct rule *rb = find_rule(d->before.policy, syscall);
	const struct rule *ra = find_rule(d->after.policy, syscall);
	const struct rule *any = rb != NULL ? rb : ra;
	uint64_t max[MEANING_NARGS];
	struct box_list before, after, lost = {0}, gained = {0};
	rule_domains(any, max);
	if (rule_boxes_or_none(d, &d->before, rb, &before) < 0)
		return -1;
	if (rule_boxes_or_none(d, &d->after, ra, &after) < 0) {
		box_list_release(&before);
		return -1;
	}
	int rc = subtract(&before, &after, max, &lost);
	if (rc == 0)
		rc = subtract(&after, &before, max, &gained);
	for (size_t i = 0; rc == 0 && i < gained.count; i++)
		emit(d, any, rb, ra, &gained.items[i], max, true);
	for (size_t i = 0; rc == 0 && i < lost.count; i++)
		emit(d, any, rb, ra, &lost.items[i], max, false);
	box_list_release(&before);
	box_list_release(&after);
	box_list_release(&lost);
	box_list_release(&gained);
	return rc < 0 ? out_of_memory(d) : 0;
}

static int compare_names(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Every syscall either policy names, sorted, once each. */
static const char **syscall_names(const struct policy *a, const struct policy *b, size_t *count)
{
	const char **names = calloc(a->rule_count + b->rule_count + 1, sizeof(*names));
	size_t n = 0;
	if (names == NULL)
		return NULL;
	for (size_t i = 0; i < a->rule_count; i++)
		names[n++] = a->rules[i].syscall;
	for (size_t i = 0; i < b->rule_count; i++)
		if (find_rule(a, b->rules[i].syscall) == NULL)
			names[n++] = b->rules[i].syscall;
	qsort(names, n, sizeof(*names), compare_names);
	*count = n;
	return names;
}

static bool declared(const struct policy *p, const char *name)
{
	for (size_t k = 0; k < p->param_count; k++)
		if (strcmp(p->params[k].name, name) == 0)
			return true;
	return false;
}

static int bind_both(struct differ *d, const struct policy_binding *bindings, size_t count)
{
	for (size_t i = 0; i < count; i++) {
		if (!declared(d->before.policy, bindings[i].name) &&
		    !declared(d->after.policy, bindings[i].name)) {
			policy_error_set(d->err, d->before.policy->name, (struct source_pos){0, 0},
			                 "unknown parameter '%s': neither %s nor %s declares it",
			                 bindings[i].name, d->before.policy->name,
			                 d->after.policy->name);
			return -1;
		}
	}
	if (meaning_bind(d->before.policy, bindings, count, true, d->before.values, d->err) < 0)
		return -1;
	return meaning_bind(d->after.policy, bindings, count, true, d->after.values, d->err);
}

long policy_diff(const struct policy *before, const struct policy *after,
                 const struct policy_binding *bindings, size_t count, policy_diff_line line,
                 void *ctx, struct policy_error *err)
{
	struct differ d = {.before = {.policy = before},
	                   .after = {.policy = after},
	                   .line = line,
	                   .ctx = ctx,
	                   .err = err};
	if (bind_both(&d, bindings, count) < 0)
		return -1;
	size_t n;
	const char **names = syscall_names(before, after, &n);
	if (names == NULL)
		return out_of_memory(&d);
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = compare_syscall(&d, names[i]);
	free(names);
	return rc < 0 ? -1 : d.changes;
}
