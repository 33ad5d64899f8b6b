/*
 * meaning.c - a rule's condition as exact sets of argument values.
 *
 * Negation is pushed down to the comparisons (De Morgan), where it is an
 * exact set complement; `and` intersects, `or` unites. The result is a
 * union of boxes, one interval set per argument, in each argument's domain
 * (32 bits for an argument the kernel reads as an int, else 64).
 */
#include "meaning.h"

#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

enum {
	MAX_BOXES = 4096, /* alternatives in one condition */
};

struct builder {
	const struct policy *policy;
	const struct rule *rule;
	const uint64_t *param_values;
	uint64_t max[MEANING_NARGS];
	struct policy_error *err;
};

static int fail(struct builder *b, struct source_pos pos, const char *message)
{
	policy_error_set(b->err, b->policy->name, pos, "%s: %s", b->rule->syscall, message);
	return -1;
}

uint64_t meaning_seen(uint64_t value, uint64_t max)
{
	return max == UINT32_MAX ? (uint32_t)value : value;
}

void rule_domains(const struct rule *rule, uint64_t max[MEANING_NARGS])
{
	const struct syscall_signature *sig = rule->signature;
	for (unsigned a = 0; a < MEANING_NARGS; a++)
		max[a] = sig != NULL && a < sig->nargs && sig->width[a] == SYSCALL_ARG_32
		                 ? UINT32_MAX
		                 : UINT64_MAX;
}

void box_release(struct box *b)
{
	for (unsigned i = 0; i < MEANING_NARGS; i++)
		interval_set_release(&b->args[i]);
}

void box_list_release(struct box_list *l)
{
	for (size_t i = 0; i < l->count; i++)
		box_release(&l->items[i]);
	free(l->items);
	*l = (struct box_list){0};
}

bool box_is_empty(const struct box *b)
{
	for (unsigned i = 0; i < MEANING_NARGS; i++)
		if (interval_set_is_empty(&b->args[i]))
			return true;
	return false;
}

bool box_is_full(const struct box *b, const uint64_t max[MEANING_NARGS])
{
	for (unsigned i = 0; i < MEANING_NARGS; i++)
		if (!interval_set_is_full(&b->args[i], max[i]))
			return false;
	return true;
}

bool box_contains(const struct box *b, const uint64_t seen[MEANING_NARGS])
{
	for (unsigned i = 0; i < MEANING_NARGS; i++)
		if (!interval_set_contains(&b->args[i], seen[i]))
			return false;
	return true;
}

int box_list_push(struct box_list *l, struct box *b)
{
	if (l->count == MAX_BOXES) {
		box_release(b);
		return -2;
	}
	if (l->count == l->capacity) {
		size_t capacity = l->capacity ? l->capacity * 2 : 4;
		struct box *items = realloc(l->items, capacity * sizeof(*items));
		if (items == NULL) {
			box_release(b);
			return -1;
		}
		l->items = items;
		l->capacity = capacity;
	}
	l->items[l->count++] = *b;
	return 0;
}

static int push(struct builder *bld, struct box_list *l, struct box *b)
{
	int rc = box_list_push(l, b);
	if (rc == -2)
		return fail(bld, bld->rule->pos, "condition has too many alternatives to compile");
	if (rc < 0)
		return fail(bld, bld->rule->pos, "out of memory");
	return 0;
}

static int box_full(struct builder *bld, struct box *b)
{
	*b = (struct box){0};
	for (unsigned i = 0; i < MEANING_NARGS; i++) {
		if (interval_set_full(&b->args[i], bld->max[i]) < 0) {
			box_release(b);
			return fail(bld, bld->rule->pos, "out of memory");
		}
	}
	return 0;
}

static int boxes_of(struct builder *bld, const struct expr *e, bool negated, struct box_list *out);

static int comparison_boxes(struct builder *bld, const struct expr *e, bool negated,
                            struct box_list *out)
{
	uint64_t max = bld->max[e->arg];
	uint64_t value =
	        e->operand.is_param ? bld->param_values[e->operand.param] : e->operand.value;
	struct interval_set accepted = {0};
	struct box b;
	if (box_full(bld, &b) < 0)
		return -1;
	int rc = interval_set_compare(&accepted, e->op, value, max);
	interval_set_release(&b.args[e->arg]);
	if (rc == 0 && negated)
		rc = interval_set_complement(&b.args[e->arg], &accepted, max);
	else if (rc == 0)
		b.args[e->arg] = accepted, accepted = (struct interval_set){0};
	interval_set_release(&accepted);
	if (rc < 0) {
		box_release(&b);
		return fail(bld, e->pos, "out of memory");
	}
	if (box_is_empty(&b)) {
		box_release(&b);
		return 0;
	}
	return push(bld, out, &b);
}

/* out = every non-empty a ∩ b for a in x, b in y. */
static int product(struct builder *bld, const struct box_list *x, const struct box_list *y,
                   struct box_list *out)
{
	for (size_t i = 0; i < x->count; i++) {
		for (size_t j = 0; j < y->count; j++) {
			struct box b = {0};
			for (unsigned a = 0; a < MEANING_NARGS; a++) {
				if (interval_set_intersect(&b.args[a], &x->items[i].args[a],
				                           &y->items[j].args[a]) < 0) {
					box_release(&b);
					return fail(bld, bld->rule->pos, "out of memory");
				}
			}
			if (box_is_empty(&b))
				box_release(&b);
			else if (push(bld, out, &b) < 0)
				return -1;
		}
	}
	return 0;
}

/* Moves every box of `from` to the end of `to`; `from` ends empty. */
static int append(struct builder *bld, struct box_list *to, struct box_list *from)
{
	int rc = 0;
	for (size_t i = 0; i < from->count; i++) {
		if (rc == 0)
			rc = push(bld, to, &from->items[i]);
		else
			box_release(&from->items[i]);
	}
	free(from->items);
	*from = (struct box_list){0};
	return rc;
}

/* and (or, negated): the product of the operands' alternatives. */
static int conjunction_boxes(struct builder *bld, const struct expr *e, bool negated,
                             struct box_list *out)
{
	struct box_list acc = {0};
	struct box b;
	if (box_full(bld, &b) < 0 || push(bld, &acc, &b) < 0)
		goto fail;
	for (const struct expr *child = e->first; child != NULL; child = child->next) {
		struct box_list operand = {0}, next = {0};
		int rc = boxes_of(bld, child, negated, &operand);
		if (rc == 0)
			rc = product(bld, &acc, &operand, &next);
		box_list_release(&operand);
		box_list_release(&acc);
		acc = next;
		if (rc < 0)
			goto fail;
		if (acc.count == 0)
			break;
	}
	/* Appended to what `out` already holds (earlier operands of an or). */
	return append(bld, out, &acc);
fail:
	box_list_release(&acc);
	return -1;
}

/* or (and, negated): the operands' alternatives side by side. */
static int disjunction_boxes(struct builder *bld, const struct expr *e, bool negated,
                             struct box_list *out)
{
	for (const struct expr *child = e->first; child != NULL; child = child->next)
		if (boxes_of(bld, child, negated, out) < 0)
			return -1;
	return 0;
}

static int boxes_of(struct builder *bld, const struct expr *e, bool negated, struct box_list *out)
{
	switch (e->kind) {
	case EXPR_CMP:
		return comparison_boxes(bld, e, negated, out);
	case EXPR_NOT:
		return boxes_of(bld, e->first, !negated, out);
	case EXPR_AND:
		return negated ? disjunction_boxes(bld, e, negated, out)
		               : conjunction_boxes(bld, e, negated, out);
	case EXPR_OR:
		return negated ? conjunction_boxes(bld, e, negated, out)
		               : disjunction_boxes(bld, e, negated, out);
	}
	return fail(bld, e->pos, "internal error: unknown expression kind");
}

/* The argument in which two boxes differ, -1 when they are equal, or -2
 * when they differ in more than one. */
static int differing_arg(const struct box *x, const struct box *y)
{
	int differ = -1;
	for (unsigned a = 0; a < MEANING_NARGS; a++) {
		if (interval_set_equal(&x->args[a], &y->args[a]))
			continue;
		if (differ >= 0)
			return -2;
		differ = (int)a;
	}
	return differ;
}

/* Two boxes that differ in at most one argument are one box with that
 * argument's sets joined: fewer, larger boxes mean fewer rules. */
int box_list_merge(struct box_list *l)
{
	bool merged = true;
	while (merged) {
		merged = false;
		for (size_t i = 0; i < l->count && !merged; i++) {
			for (size_t j = i + 1; j < l->count && !merged; j++) {
				int differ = differing_arg(&l->items[i], &l->items[j]);
				if (differ == -2)
					continue;
				if (differ >= 0) {
					struct interval_set joined = {0};
					if (interval_set_union(&joined, &l->items[i].args[differ],
					                       &l->items[j].args[differ]) < 0) {
						interval_set_release(&joined);
						return -1;
					}
					interval_set_release(&l->items[i].args[differ]);
					l->items[i].args[differ] = joined;
				}
				box_release(&l->items[j]);
				l->items[j] = l->items[--l->count];
				merged = true;
			}
		}
	}
	return 0;
}

/* A box with no constraint allows every call: it says it all, alone. */
static void keep_full_box_alone(struct box_list *l, const uint64_t max[MEANING_NARGS])
{
	for (size_t i = 0; i < l->count; i++) {
		if (!box_is_full(&l->items[i], max))
			continue;
		struct box full = l->items[i];
		l->items[i] = (struct box){0};
		for (size_t k = 0; k < l->count; k++)
			box_release(&l->items[k]);
		l->items[0] = full;
		l->count = 1;
		return;
	}
}

int rule_boxes(const struct policy *policy, const struct rule *rule, const uint64_t *param_values,
               struct box_list *out, struct policy_error *err)
{
	struct builder bld = {
	        .policy = policy, .rule = rule, .param_values = param_values, .err = err};
	rule_domains(rule, bld.max);
	*out = (struct box_list){0};
	if (rule->condition == NULL) {
		struct box b;
		return box_full(&bld, &b) < 0 ? -1 : push(&bld, out, &b);
	}
	int rc = boxes_of(&bld, rule->condition, false, out);
	if (rc == 0 && box_list_merge(out) < 0)
		rc = fail(&bld, rule->pos, "out of memory");
	if (rc == 0 && out->count == 0)
		rc = fail(&bld, rule->pos,
		          "the condition is false for every call with these "
		          "bindings, so the rule would allow nothing");
	if (rc < 0) {
		box_list_release(out);
		return -1;
	}
	keep_full_box_alone(out, bld.max);
	return 0;
}

static ssize_t param_index(const struct policy *policy, const char *name)
{
	for (size_t k = 0; k < policy->param_count; k++)
		if (strcmp(policy->params[k].name, name) == 0)
			return (ssize_t)k;
	return -1;
}

static int bind_one(const struct policy *policy, const struct policy_binding *b, size_t k,
                    bool *bound, uint64_t *values, struct policy_error *err)
{
	const struct source_pos nowhere = {0, 0};
	if (bound[k]) {
		policy_error_set(err, policy->name, nowhere, "parameter '%s' bound twice", b->name);
		return -1;
	}
	if (b->value > UINT32_MAX) {
		policy_error_set(err, policy->name, policy->params[k].pos,
		                 "value %llu for parameter '%s' does not fit its type uint",
		                 (unsigned long long)b->value, b->name);
		return -1;
	}
	bound[k] = true;
	values[k] = b->value;
	return 0;
}

int meaning_bind(const struct policy *policy, const struct policy_binding *bindings, size_t count,
                 bool ignore_unknown, uint64_t *values, struct policy_error *err)
{
	bool bound[POLICY_MAX_PARAMS] = {0};
	for (size_t i = 0; i < count; i++) {
		ssize_t k = param_index(policy, bindings[i].name);
		if (k < 0 && ignore_unknown)
			continue;
		if (k < 0) {
			policy_error_set(err, policy->name, (struct source_pos){0, 0},
			                 "unknown parameter '%s': the policy declares no such "
			                 "parameter",
			                 bindings[i].name);
			return -1;
		}
		if (bind_one(policy, &bindings[i], (size_t)k, bound, values, err) < 0)
			return -1;
	}
	for (size_t k = 0; k < policy->param_count; k++) {
		if (!bound[k]) {
			policy_error_set(err, policy->name, policy->params[k].pos,
			                 "unbound parameter '%s': give it a value (--bind %s=N)",
			                 policy->params[k].name, policy->params[k].name);
			return -1;
		}
	}
	return 0;
}
