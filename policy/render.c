/*
 * render.c - argument values and interval sets as a reviewer reads them.
 */
#include "render.h"
#include "constants.h"

#include <stdio.h>
#include <string.h>

struct text text_in(char *buf, size_t size)
{
	if (size > 0)
		buf[0] = '\0';
	return (struct text){.buf = buf, .size = size};
}

void text_add(struct text *t, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(t->buf + (t->len < t->size ? t->len : t->size),
	                  t->len < t->size ? t->size - t->len : 0, fmt, ap);
	va_end(ap);
	if (n > 0)
		t->len += (size_t)n;
}

void arg_names_init(struct arg_names *n, const struct rule *rule, unsigned arg)
{
	const struct syscall_signature *sig = rule->signature;
	n->arg = arg;
	n->max = sig != NULL && arg < sig->nargs && sig->width[arg] == SYSCALL_ARG_32 ? UINT32_MAX
	                                                                              : UINT64_MAX;
	n->kind = arg_kind_find(rule->syscall, arg);
	n->param_count = 0;
}

static void add_name(struct arg_names *n, const char *name, uint64_t value)
{
	for (size_t i = 0; i < n->param_count; i++)
		if (strcmp(n->params[i].name, name) == 0)
			return;
	if (n->param_count < RENDER_MAX_NAMES)
		n->params[n->param_count++] = (struct value_name){name, value};
}

static void add_compared(struct arg_names *n, const struct policy *policy, const uint64_t *values,
                         const struct expr *e)
{
	for (; e != NULL; e = e->next) {
		if (e->kind != EXPR_CMP)
			add_compared(n, policy, values, e->first);
		else if (e->arg == n->arg && e->operand.is_param)
			add_name(n, policy->params[e->operand.param].name,
			         values[e->operand.param]);
	}
}

void arg_names_add_policy(struct arg_names *n, const struct policy *policy, const uint64_t *values,
                          const struct rule *rule)
{
	if (rule != NULL)
		add_compared(n, policy, values, rule->condition);
	if (n->kind.kind != ARG_FD && n->kind.kind != ARG_DIRFD)
		return;
	for (size_t k = 0; k < policy->param_count; k++)
		add_name(n, policy->params[k].name, values[k]);
}

static const char *param_name(const struct arg_names *n, uint64_t value)
{
	for (size_t i = 0; i < n->param_count; i++)
		if ((n->params[i].value & n->max) == value)
			return n->params[i].name;
	return NULL;
}

static void render_number(struct text *t, uint64_t value)
{
	if (value < 0x10000)
		text_add(t, "%llu", (unsigned long long)value);
	else
		text_add(t, "0x%llx", (unsigned long long)value);
}

enum naming {
	NAME_VALUE, /* a value passed: names with any leftover bits in hex */
	NAME_POINT, /* a set's single value: names that cover it exactly */
	NAME_BOUND, /* a range's bound: only a plain enumeration's names */
};

/* A constant's name for the value when the argument's kind has one. */
static bool constant_name(const struct arg_names *n, uint64_t value, enum naming naming, char *buf,
                          size_t size)
{
	uint64_t at_fdcwd;
	const struct constant_family *f = n->kind.family;
	if (n->kind.kind == ARG_NAMED) {
		if (naming == NAME_BOUND && (f->choice_mask != UINT64_MAX || f->flags != NULL))
			return false;
		if (!constant_family_render(f, value, n->max, buf, size))
			return false;
		return naming == NAME_VALUE || strstr(buf, "0x") == NULL;
	}
	if (n->kind.kind == ARG_DIRFD && constant_lookup("AT_FDCWD", 8, &at_fdcwd) &&
	    (at_fdcwd & n->max) == value) {
		snprintf(buf, size, "AT_FDCWD");
		return true;
	}
	return false;
}

/* A bound of a set: a parameter, a constant or a number. */
static void render_bound(struct text *t, const struct arg_names *n, uint64_t value,
                         enum naming naming)
{
	char names[256];
	const char *param = param_name(n, value);
	if (param != NULL)
		text_add(t, "%s", param);
	else if (constant_name(n, value, naming, names, sizeof(names)))
		text_add(t, "%s", names);
	else
		render_number(t, value);
}

void render_arg_value(struct text *t, const struct arg_names *n, uint64_t raw)
{
	uint64_t seen = raw & n->max;
	char names[256];
	const char *param = param_name(n, seen);
	bool named = param != NULL || constant_name(n, seen, NAME_VALUE, names, sizeof(names));
	render_number(t, raw);
	if (seen != raw) {
		text_add(t, " (read as ");
		render_number(t, seen);
		text_add(t, "%s%s)", named ? ": " : "", param ? param : named ? names : "");
	} else if (named) {
		text_add(t, " (%s)", param ? param : names);
	}
}

/* "first_client_fd <=" or "7 <=" before "arg N", for a lower bound lo. */
static void render_lower(struct text *t, const struct arg_names *n, uint64_t lo)
{
	if (param_name(n, lo) == NULL && param_name(n, lo - 1) != NULL)
		text_add(t, "%s < ", param_name(n, lo - 1));
	else {
		render_bound(t, n, lo, NAME_BOUND);
		text_add(t, " <= ");
	}
}

static void render_upper(struct text *t, const struct arg_names *n, uint64_t hi)
{
	if (param_name(n, hi) == NULL && hi < n->max && param_name(n, hi + 1) != NULL) {
		text_add(t, " < %s", param_name(n, hi + 1));
	} else {
		text_add(t, " <= ");
		render_bound(t, n, hi, NAME_BOUND);
	}
}

static void render_interval(struct text *t, const struct arg_names *n, struct interval iv)
{
	if (iv.lo == 0 && iv.hi == n->max) {
		text_add(t, "arg %u is anything", n->arg);
	} else if (iv.lo == iv.hi) {
		text_add(t, "arg %u = ", n->arg);
		render_bound(t, n, iv.lo, NAME_POINT);
	} else if (iv.hi == n->max) {
		if (param_name(n, iv.lo) == NULL && param_name(n, iv.lo - 1) != NULL) {
			text_add(t, "arg %u > %s", n->arg, param_name(n, iv.lo - 1));
		} else {
			text_add(t, "arg %u >= ", n->arg);
			render_bound(t, n, iv.lo, NAME_BOUND);
		}
	} else {
		if (iv.lo != 0)
			render_lower(t, n, iv.lo);
		text_add(t, "arg %u", n->arg);
		render_upper(t, n, iv.hi);
	}
}

/* The first interval of the union of `sets` at or above `from`, without
 * building the union. False when there is none. */
static bool union_next(set_source source, const void *ctx, size_t count, uint64_t from,
                       struct interval *out)
{
	bool found = false;
	for (size_t s = 0; s < count; s++) {
		const struct interval_set *set = source(ctx, s);
		for (size_t i = 0; set != NULL && i < set->count; i++) {
			struct interval it = set->items[i];
			uint64_t start = it.lo > from ? it.lo : from;
			if (it.hi >= from && (!found || start < out->lo)) {
				*out = (struct interval){start, it.hi};
				found = true;
			}
		}
	}
	for (bool grown = found; grown;) {
		grown = false;
		for (size_t s = 0; s < count; s++) {
			const struct interval_set *set = source(ctx, s);
			for (size_t i = 0; set != NULL && i < set->count; i++) {
				struct interval it = set->items[i];
				bool touches = it.lo <= out->hi || it.lo - 1 == out->hi;
				if (touches && it.hi > out->hi) {
					out->hi = it.hi;
					grown = true;
				}
			}
		}
	}
	return found;
}

void render_arg_union(struct text *t, const struct arg_names *n, set_source source, const void *ctx,
                      size_t count)
{
	struct interval iv = {0, 0};
	uint64_t from = 0;
	bool first = true;
	while (union_next(source, ctx, count, from, &iv)) {
		text_add(t, "%s", first ? "" : " or ");
		render_interval(t, n, iv);
		first = false;
		if (iv.hi >= n->max)
			break;
		from = iv.hi + 1;
	}
	if (first)
		text_add(t, "no value of arg %u", n->arg);
}

static const struct interval_set *the_set(const void *ctx, size_t index)
{
	(void)index;
	return ctx;
}

void render_arg_set(struct text *t, const struct arg_names *n, const struct interval_set *set)
{
	render_arg_union(t, n, the_set, set, 1);
}
