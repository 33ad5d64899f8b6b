/*
 * compile.c - from a parsed policy to seccomp filter programs.
 *
 * The encoding (docs/policy.md): each rule's condition becomes a union of
 * "boxes", one set of accepted values per argument, computed exactly with
 * interval sets; each set is cut into aligned power-of-two blocks and every
 * combination of blocks becomes one libseccomp rule of masked-equality
 * tests, one test per argument. This sidesteps the three libseccomp 2.5.4
 * pitfalls: a rule never tests an argument twice; every rule has the same
 * action (ALLOW over a default deny), so no rule can swallow another; and a
 * 32-bit argument is tested with mask 0xffffffff-or-narrower, which compares
 * exactly the low 32 bits the kernel uses, whatever the high 32 hold.
 */
#include "ast.h"

#include <errno.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

enum {
	MAX_BOXES = 4096,             /* alternatives in one condition */
	MAX_RULES_PER_SYSCALL = 4096, /* libseccomp rules one condition becomes */
	NARGS = 6,
};

struct policy_filter {
	size_t count;
	scmp_filter_ctx programs[POLICY_MAX_PROGRAMS];
};

/* The values of all six arguments that one conjunction accepts. */
struct box {
	struct interval_set args[NARGS];
};

struct box_list {
	struct box *items;
	size_t count, capacity;
};

struct compiler {
	const struct policy *policy;
	const struct rule *rule;
	const uint64_t *param_values;
	uint64_t max[NARGS]; /* the domain of each argument of this syscall */
	struct policy_error *err;
};

static int fail(struct compiler *c, struct source_pos pos, const char *message)
{
	policy_error_set(c->err, c->policy->name, pos, "%s: %s", c->rule->syscall, message);
	return -1;
}

static void box_release(struct box *b)
{
	for (unsigned i = 0; i < NARGS; i++)
		interval_set_release(&b->args[i]);
}

static void box_list_release(struct box_list *l)
{
	for (size_t i = 0; i < l->count; i++)
		box_release(&l->items[i]);
	free(l->items);
	*l = (struct box_list){0};
}

/* Takes ownership of *b (released on failure too). */
static int box_list_push(struct compiler *c, struct box_list *l, struct box *b)
{
	if (l->count == MAX_BOXES) {
		box_release(b);
		return fail(c, c->rule->pos, "condition has too many alternatives to compile");
	}
	if (l->count == l->capacity) {
		size_t capacity = l->capacity ? l->capacity * 2 : 4;
		struct box *items = realloc(l->items, capacity * sizeof(*items));
		if (items == NULL) {
			box_release(b);
			return fail(c, c->rule->pos, "out of memory");
		}
		l->items = items;
		l->capacity = capacity;
	}
	l->items[l->count++] = *b;
	return 0;
}

static int box_full(struct compiler *c, struct box *b)
{
	*b = (struct box){0};
	for (unsigned i = 0; i < NARGS; i++)
		if (interval_set_full(&b->args[i], c->max[i]) < 0)
			return fail(c, c->rule->pos, "out of memory");
	return 0;
}

static bool box_is_empty(const struct box *b)
{
	for (unsigned i = 0; i < NARGS; i++)
		if (interval_set_is_empty(&b->args[i]))
			return true;
	return false;
}

static int boxes_of(struct compiler *c, const struct expr *e, bool negated, struct box_list *out);

static int comparison_boxes(struct compiler *c, const struct expr *e, bool negated,
                            struct box_list *out)
{
	uint64_t max = c->max[e->arg];
	uint64_t value = e->operand.is_param ? c->param_values[e->operand.param] : e->operand.value;
	struct interval_set accepted = {0};
	struct box b;
	if (box_full(c, &b) < 0)
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
		return fail(c, e->pos, "out of memory");
	}
	if (box_is_empty(&b)) {
		box_release(&b);
		return 0;
	}
	return box_list_push(c, out, &b);
}

/* out = every non-empty a ∩ b for a in x, b in y. */
static int product(struct compiler *c, const struct box_list *x, const struct box_list *y,
                   struct box_list *out)
{
	for (size_t i = 0; i < x->count; i++) {
		for (size_t j = 0; j < y->count; j++) {
			struct box b = {0};
			for (unsigned a = 0; a < NARGS; a++) {
				if (interval_set_intersect(&b.args[a], &x->items[i].args[a],
				                           &y->items[j].args[a]) < 0) {
					box_release(&b);
					return fail(c, c->rule->pos, "out of memory");
				}
			}
			if (box_is_empty(&b))
				box_release(&b);
			else if (box_list_push(c, out, &b) < 0)
				return -1;
		}
	}
	return 0;
}

/* and (or, negated): the product of the operands' alternatives. */
static int conjunction_boxes(struct compiler *c, const struct expr *e, bool negated,
                             struct box_list *out)
{
	struct box_list acc = {0};
	struct box b;
	if (box_full(c, &b) < 0 || box_list_push(c, &acc, &b) < 0)
		goto fail;
	for (const struct expr *child = e->first; child != NULL; child = child->next) {
		struct box_list operand = {0}, next = {0};
		int rc = boxes_of(c, child, negated, &operand);
		if (rc == 0)
			rc = product(c, &acc, &operand, &next);
		box_list_release(&operand);
		box_list_release(&acc);
		acc = next;
		if (rc < 0)
			goto fail;
		if (acc.count == 0)
			break;
	}
	/* Append to what `out` already holds (earlier operands of an or). */
	for (size_t i = 0; i < acc.count; i++) {
		if (box_list_push(c, out, &acc.items[i]) < 0) {
			acc.items[i] = (struct box){0};
			goto fail;
		}
		acc.items[i] = (struct box){0};
	}
	free(acc.items);
	return 0;
fail:
	box_list_release(&acc);
	return -1;
}

/* or (and, negated): the operands' alternatives side by side. */
static int disjunction_boxes(struct compiler *c, const struct expr *e, bool negated,
                             struct box_list *out)
{
	for (const struct expr *child = e->first; child != NULL; child = child->next)
		if (boxes_of(c, child, negated, out) < 0)
			return -1;
	return 0;
}

/* The alternatives of an expression, with negation pushed down to the
 * comparisons (De Morgan), where it is an exact set complement. */
static int boxes_of(struct compiler *c, const struct expr *e, bool negated, struct box_list *out)
{
	switch (e->kind) {
	case EXPR_CMP:
		return comparison_boxes(c, e, negated, out);
	case EXPR_NOT:
		return boxes_of(c, e->first, !negated, out);
	case EXPR_AND:
		return negated ? disjunction_boxes(c, e, negated, out)
		               : conjunction_boxes(c, e, negated, out);
	case EXPR_OR:
		return negated ? conjunction_boxes(c, e, negated, out)
		               : disjunction_boxes(c, e, negated, out);
	}
	return fail(c, e->pos, "internal error: unknown expression kind");
}

/* Two boxes that differ in at most one argument are one box with that
 * argument's sets joined: fewer, larger boxes mean fewer rules. */
static int merge_boxes(struct compiler *c, struct box_list *l)
{
	bool merged = true;
	while (merged) {
		merged = false;
		for (size_t i = 0; i < l->count && !merged; i++) {
			for (size_t j = i + 1; j < l->count && !merged; j++) {
				int differ = -1, differences = 0;
				for (unsigned a = 0; a < NARGS; a++) {
					if (!interval_set_equal(&l->items[i].args[a],
					                        &l->items[j].args[a])) {
						differ = (int)a;
						differences++;
					}
				}
				if (differences > 1)
					continue;
				if (differ >= 0) {
					struct interval_set joined = {0};
					if (interval_set_union(&joined, &l->items[i].args[differ],
					                       &l->items[j].args[differ]) < 0) {
						interval_set_release(&joined);
						return fail(c, c->rule->pos, "out of memory");
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

static int add_rule(struct compiler *c, scmp_filter_ctx ctx, const struct scmp_arg_cmp *cmps,
                    unsigned n)
{
	int rc = seccomp_rule_add_exact_array(ctx, SCMP_ACT_ALLOW, c->rule->number, n, cmps);
	if (rc < 0) {
		char message[128];
		snprintf(message, sizeof(message), "libseccomp rejected a rule: %s", strerror(-rc));
		return fail(c, c->rule->pos, message);
	}
	return 0;
}

/* One libseccomp rule per combination of blocks, one block per
 * constrained argument. */
static int emit_box(struct compiler *c, scmp_filter_ctx ctx, const struct box *b, size_t *emitted)
{
	struct interval_block *blocks[NARGS] = {0};
	size_t counts[NARGS] = {0}, pick[NARGS] = {0};
	unsigned args[NARGS], n = 0;
	int rc = -1;
	for (unsigned a = 0; a < NARGS; a++) {
		if (interval_set_is_full(&b->args[a], c->max[a]))
			continue;
		if (interval_set_blocks(&b->args[a], c->max[a], &blocks[n], &counts[n]) < 0) {
			fail(c, c->rule->pos, "out of memory");
			goto out;
		}
		args[n++] = a;
	}
	for (;;) {
		struct scmp_arg_cmp cmps[NARGS];
		for (unsigned k = 0; k < n; k++) {
			const struct interval_block *blk = &blocks[k][pick[k]];
			cmps[k] = SCMP_CMP(args[k], SCMP_CMP_MASKED_EQ, blk->mask, blk->base);
		}
		if (++*emitted > MAX_RULES_PER_SYSCALL) {
			fail(c, c->rule->pos, "condition compiles to too many comparisons");
			goto out;
		}
		if (add_rule(c, ctx, cmps, n) < 0)
			goto out;
		unsigned k = 0; /* odometer over the block choices */
		while (k < n && ++pick[k] == counts[k])
			pick[k++] = 0;
		if (k == n)
			break;
	}
	rc = 0;
out:
	for (unsigned k = 0; k < n; k++)
		free(blocks[k]);
	return rc;
}

static int compile_rule(struct compiler *c, scmp_filter_ctx ctx)
{
	const struct rule *rule = c->rule;
	for (unsigned a = 0; a < NARGS; a++)
		c->max[a] = rule->signature != NULL && a < rule->signature->nargs &&
		                            rule->signature->width[a] == SYSCALL_ARG_32
		                    ? UINT32_MAX
		                    : UINT64_MAX;
	if (rule->condition == NULL)
		return add_rule(c, ctx, NULL, 0);
	struct box_list boxes = {0};
	int rc = boxes_of(c, rule->condition, false, &boxes);
	if (rc == 0)
		rc = merge_boxes(c, &boxes);
	if (rc == 0 && boxes.count == 0)
		rc = fail(c, rule->pos,
		          "the condition is false for every call with these "
		          "bindings, so the rule would allow nothing");
	/* A box with no constraint allows every call: that one rule says it
	 * all, and is the only rule for the syscall. */
	for (size_t i = 0; rc == 0 && i < boxes.count; i++) {
		bool all = true;
		for (unsigned a = 0; a < NARGS && all; a++)
			all = interval_set_is_full(&boxes.items[i].args[a], c->max[a]);
		if (all) {
			box_list_release(&boxes);
			return add_rule(c, ctx, NULL, 0);
		}
	}
	size_t emitted = 0;
	for (size_t i = 0; rc == 0 && i < boxes.count; i++)
		rc = emit_box(c, ctx, &boxes.items[i], &emitted);
	box_list_release(&boxes);
	return rc;
}

static int bind_params(const struct policy *policy, const struct policy_binding *bindings,
                       size_t count, uint64_t *values, struct policy_error *err)
{
	const struct source_pos nowhere = {0, 0};
	bool bound[POLICY_MAX_PARAMS] = {0};
	for (size_t i = 0; i < count; i++) {
		size_t k = 0;
		while (k < policy->param_count &&
		       strcmp(policy->params[k].name, bindings[i].name) != 0)
			k++;
		if (k == policy->param_count) {
			policy_error_set(err, policy->name, nowhere,
			                 "unknown parameter '%s': the policy declares no such "
			                 "parameter",
			                 bindings[i].name);
			return -1;
		}
		if (bound[k]) {
			policy_error_set(err, policy->name, nowhere, "parameter '%s' bound twice",
			                 bindings[i].name);
			return -1;
		}
		if (bindings[i].value > UINT32_MAX) {
			policy_error_set(err, policy->name, policy->params[k].pos,
			                 "value %llu for parameter '%s' does not fit its type uint",
			                 (unsigned long long)bindings[i].value, bindings[i].name);
			return -1;
		}
		bound[k] = true;
		values[k] = bindings[i].value;
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

struct policy_filter *policy_compile(const struct policy *policy,
                                     const struct policy_binding *bindings, size_t count,
                                     enum policy_deny_action deny, struct policy_error *err)
{
	uint64_t values[POLICY_MAX_PARAMS] = {0};
	if (bind_params(policy, bindings, count, values, err) < 0)
		return NULL;
	uint32_t deny_action = deny == POLICY_DENY_TRAP ? SCMP_ACT_TRAP : SCMP_ACT_KILL_PROCESS;
	struct policy_filter *filter = calloc(1, sizeof(*filter));
	scmp_filter_ctx ctx = seccomp_init(deny_action);
	if (filter == NULL || ctx == NULL ||
	    seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS) < 0) {
		policy_error_set(err, policy->name, (struct source_pos){0, 0},
		                 "cannot create a libseccomp filter");
		goto fail;
	}
	filter->programs[filter->count++] = ctx;
	ctx = NULL;
	struct compiler c = {.policy = policy, .param_values = values, .err = err};
	for (size_t i = 0; i < policy->rule_count; i++) {
		c.rule = &policy->rules[i];
		if (compile_rule(&c, filter->programs[0]) < 0)
			goto fail;
	}
	return filter;
fail:
	if (ctx != NULL)
		seccomp_release(ctx);
	policy_filter_free(filter);
	return NULL;
}

void policy_filter_free(struct policy_filter *filter)
{
	if (filter == NULL)
		return;
	for (size_t i = 0; i < filter->count; i++)
		seccomp_release(filter->programs[i]);
	free(filter);
}

int policy_filter_export_pfc(const struct policy_filter *filter, int fd)
{
	for (size_t i = 0; i < filter->count; i++) {
		int rc = seccomp_export_pfc(filter->programs[i], fd);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* libseccomp 2.5 exports BPF only to a file descriptor: go through a
 * memfd and read the program back. */
static int export_program(scmp_filter_ctx ctx, struct sock_fprog *prog, struct policy_error *err,
                          const char *name)
{
	const struct source_pos nowhere = {0, 0};
	int rc = -1;
	struct stat st;
	int fd = memfd_create("warden-bpf", MFD_CLOEXEC);
	if (fd < 0 || seccomp_export_bpf(ctx, fd) < 0 || fstat(fd, &st) < 0) {
		policy_error_set(err, name, nowhere, "cannot export the BPF program");
		goto out;
	}
	size_t size = (size_t)st.st_size, count = size / sizeof(struct sock_filter);
	if (size % sizeof(struct sock_filter) != 0 || count == 0 || count > BPF_MAXINSNS) {
		policy_error_set(err, name, nowhere,
		                 "the filter has %zu instructions; the kernel takes 1 to %d", count,
		                 BPF_MAXINSNS);
		goto out;
	}
	prog->filter = malloc(size);
	if (prog->filter == NULL || pread(fd, prog->filter, size, 0) != (ssize_t)size) {
		free(prog->filter);
		prog->filter = NULL;
		policy_error_set(err, name, nowhere, "cannot read back the BPF program");
		goto out;
	}
	prog->len = (unsigned short)count;
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	return rc;
}

int policy_filter_bpf(const struct policy_filter *filter, struct policy_bpf *out,
                      struct policy_error *err)
{
	*out = (struct policy_bpf){0};
	for (size_t i = 0; i < filter->count; i++) {
		if (export_program(filter->programs[i], &out->programs[i], err, "filter") < 0) {
			policy_bpf_release(out);
			return -1;
		}
		out->count++;
	}
	return 0;
}

void policy_bpf_release(struct policy_bpf *bpf)
{
	for (size_t i = 0; i < bpf->count; i++)
		free(bpf->programs[i].filter);
	*bpf = (struct policy_bpf){0};
}

int policy_bpf_load(const struct policy_bpf *bpf)
{
	if (bpf->count == 0)
		return -EINVAL;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -errno;
	for (size_t i = 0; i < bpf->count; i++) {
		/* TSYNC: every thread of the process gets the filter, or none. */
		long rc = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC,
		                  &bpf->programs[i]);
		if (rc < 0)
			return -errno;
		if (rc > 0)
			return -EBUSY; /* a thread could not be synchronised */
	}
	return 0;
}
