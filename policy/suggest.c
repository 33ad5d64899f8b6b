/*
 * suggest.c - see suggest.h: shapes of calls, and rules from them.
 */
#include "suggest.h"
#include "arg_kinds.h"
#include "explainer.h"
#include "render.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
	/* Parameters further apart than this bound a range of descriptors
	 * (the clients'); closer ones each name one descriptor. */
	RANGE_MIN_GAP = 3,
	SUGGEST_LINE_MAX = 4096,
};

/* ---- Shapes -------------------------------------------------------------- */

/* The parameter with the greatest value <= v, and the one with the least
 * value > v; SIZE_MAX when there is none. */
static void params_around(const struct policy_explainer *x, uint64_t v, size_t *below,
                          size_t *above)
{
	*below = *above = SIZE_MAX;
	for (size_t i = 0; i < x->policy->param_count; i++) {
		uint64_t p = x->values[i];
		if (p <= v && (*below == SIZE_MAX || p > x->values[*below]))
			*below = i;
		if (p > v && (*above == SIZE_MAX || p < x->values[*above]))
			*above = i;
	}
}

static struct policy_arg_shape fd_shape(const struct policy_explainer *x, uint64_t v)
{
	size_t below, above;
	params_around(x, v, &below, &above);
	if (below != SIZE_MAX && above != SIZE_MAX &&
	    x->values[above] - x->values[below] >= RANGE_MIN_GAP)
		return (struct policy_arg_shape){POLICY_SHAPE_RANGE, v, below, above};
	if (below != SIZE_MAX && x->values[below] == v)
		return (struct policy_arg_shape){POLICY_SHAPE_PARAM, v, below, 0};
	return (struct policy_arg_shape){POLICY_SHAPE_VALUE, v, 0, 0};
}

static struct policy_arg_shape arg_shape(const struct policy_explainer *x, const char *syscall,
                                         enum syscall_arg_width width, unsigned a, uint64_t raw)
{
	if (width == SYSCALL_ARG_64)
		return raw == 0 ? (struct policy_arg_shape){POLICY_SHAPE_VALUE, 0, 0, 0}
		                : (struct policy_arg_shape){POLICY_SHAPE_ANY, 0, 0, 0};
	uint64_t v = raw & UINT32_MAX; /* as the kernel reads an int */
	enum arg_kind kind = arg_kind_find(syscall, a).kind;
	if (kind == ARG_FD || kind == ARG_DIRFD)
		return fd_shape(x, v);
	return (struct policy_arg_shape){POLICY_SHAPE_VALUE, v, 0, 0};
}

bool policy_call_shape(const struct policy_explainer *x, const struct policy_call *call,
                       struct policy_call_shape *out)
{
	struct policy_explanation e;
	memset(out, 0, sizeof(*out));
	policy_explain(x, call, &e);
	if (e.syscall == NULL || e.reason == POLICY_REASON_FOREIGN_ARCH ||
	    e.reason == POLICY_REASON_X32 || call->nr < 0 || call->nr >= MAX_NR)
		return false;
	const struct syscall_signature *sig = x->signature_of[call->nr];
	out->nr = call->nr;
	out->syscall = e.syscall;
	out->nargs = sig != NULL ? sig->nargs : 0;
	for (unsigned a = 0; a < out->nargs; a++)
		out->args[a] = arg_shape(x, e.syscall, sig->width[a], a, call->args[a]);
	return true;
}

bool policy_shape_equal(const struct policy_call_shape *a, const struct policy_call_shape *b)
{
	if (a->nr != b->nr || a->nargs != b->nargs)
		return false;
	for (unsigned i = 0; i < a->nargs; i++) {
		const struct policy_arg_shape *p = &a->args[i], *q = &b->args[i];
		if (p->kind != q->kind || (p->kind == POLICY_SHAPE_VALUE && p->value != q->value) ||
		    (p->kind == POLICY_SHAPE_PARAM && p->param != q->param) ||
		    (p->kind == POLICY_SHAPE_RANGE &&
		     (p->param != q->param || p->param_end != q->param_end)))
			return false;
	}
	return true;
}

static const char *param_name(const struct policy_explainer *x, size_t i)
{
	return x->policy->params[i].name;
}

/* A value as a policy writes it: by constant names where the argument's
 * kind has them (quoted when they are an expression), else a number. */
static void render_value(struct text *t, const char *syscall, unsigned a, uint64_t v)
{
	char names[256];
	struct arg_kind_of kind = arg_kind_find(syscall, a);
	if (kind.kind == ARG_NAMED &&
	    constant_family_render(kind.family, v, UINT32_MAX, names, sizeof(names))) {
		bool expression = strpbrk(names, "|") != NULL;
		text_add(t, expression ? "\"%s\"" : "%s", names);
		return;
	}
	text_add(t, v < 0x10000 ? "%" PRIu64 : "0x%" PRIx64, v);
}

size_t policy_shape_format(const struct policy_explainer *x, const struct policy_call_shape *s,
                           char *buf, size_t size)
{
	struct text t = text_in(buf, size);
	text_add(&t, "%s(", s->syscall);
	for (unsigned a = 0; a < s->nargs; a++) {
		const struct policy_arg_shape *p = &s->args[a];
		text_add(&t, "%s", a ? ", " : "");
		if (p->kind == POLICY_SHAPE_ANY)
			text_add(&t, "*");
		else if (p->kind == POLICY_SHAPE_PARAM)
			text_add(&t, "%s", param_name(x, p->param));
		else if (p->kind == POLICY_SHAPE_RANGE)
			text_add(&t, "%s..%s", param_name(x, p->param),
			         param_name(x, p->param_end));
		else
			render_value(&t, s->syscall, a, p->value);
	}
	text_add(&t, ")");
	return t.len;
}

static unsigned tested_args(const struct policy_call_shape *s)
{
	unsigned n = 0;
	for (unsigned a = 0; a < s->nargs; a++)
		n += s->args[a].kind != POLICY_SHAPE_ANY;
	return n;
}

static void render_test(struct text *t, const struct policy_explainer *x,
                        const struct policy_call_shape *s, unsigned a)
{
	const struct policy_arg_shape *p = &s->args[a];
	if (p->kind == POLICY_SHAPE_PARAM) {
		text_add(t, "(eq (arg %u) %s)", a, param_name(x, p->param));
	} else if (p->kind == POLICY_SHAPE_RANGE) {
		text_add(t, "(>= (arg %u) %s) (< (arg %u) %s)", a, param_name(x, p->param), a,
		         param_name(x, p->param_end));
	} else {
		text_add(t, "(eq (arg %u) ", a);
		render_value(t, s->syscall, a, p->value);
		text_add(t, ")");
	}
}

size_t policy_shape_condition(const struct policy_explainer *x, const struct policy_call_shape *s,
                              char *buf, size_t size)
{
	struct text t = text_in(buf, size);
	unsigned tests = tested_args(s), done = 0;
	bool several = tests > 1;
	for (unsigned a = 0; a < s->nargs; a++)
		several = several || s->args[a].kind == POLICY_SHAPE_RANGE;
	if (tests == 0)
		return 0;
	text_add(&t, several ? "(and " : "");
	for (unsigned a = 0; a < s->nargs; a++) {
		if (s->args[a].kind == POLICY_SHAPE_ANY)
			continue;
		text_add(&t, "%s", done++ ? " " : "");
		render_test(&t, x, s, a);
	}
	text_add(&t, several ? ")" : "");
	return t.len;
}

/* ---- Reading calls -------------------------------------------------------- */

static bool read_number(const char **p, int base, uint64_t *out)
{
	char *end;
	if (base == 16 ? !isxdigit((unsigned char)**p) : !isdigit((unsigned char)**p))
		return false;
	*out = strtoull(*p, &end, base);
	*p = end;
	return true;
}

static bool expect(const char **p, const char *word)
{
	size_t n = strlen(word);
	if (strncmp(*p, word, n) != 0)
		return false;
	*p += n;
	return true;
}

static bool parse_call_at(const char *p, const char **next, struct policy_call *out)
{
	uint64_t nr, arch;
	memset(out, 0, sizeof(*out));
	if (!expect(&p, "nr=") || !read_number(&p, 10, &nr) || nr > INT32_MAX ||
	    !expect(&p, " arch=0x") || !read_number(&p, 16, &arch) || arch > UINT32_MAX ||
	    !expect(&p, " args="))
		return false;
	for (int i = 0; i < 6; i++)
		if ((i > 0 && !expect(&p, ",")) || !expect(&p, "0x") ||
		    !read_number(&p, 16, &out->args[i]))
			return false;
	out->nr = (int)nr;
	out->arch = (uint32_t)arch;
	*next = p;
	return true;
}

bool policy_call_scan(const char *text, const char **next, struct policy_call *out)
{
	for (const char *p = strstr(text, "nr="); p != NULL; p = strstr(p + 1, "nr=")) {
		bool word_start = p == text || p[-1] == ' ' || p[-1] == '"' || p[-1] == '(';
		if (word_start && parse_call_at(p, next, out))
			return true;
	}
	return false;
}

/* ---- Suggesting ------------------------------------------------------------ */

struct seen {
	struct policy_call_shape shape;
	size_t calls;
};

struct shapes {
	struct seen *items;
	size_t count;
};

static int add_shape(struct shapes *s, const struct policy_call_shape *shape)
{
	for (size_t i = 0; i < s->count; i++) {
		if (policy_shape_equal(&s->items[i].shape, shape)) {
			s->items[i].calls++;
			return 0;
		}
	}
	s->items[s->count++] = (struct seen){*shape, 1};
	return 0;
}

static void emit(void (*line)(void *, const char *), void *ctx, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static void emit(void (*line)(void *, const char *), void *ctx, const char *fmt, ...)
{
	char buf[SUGGEST_LINE_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	line(ctx, buf);
}

/* The shapes of syscall `nr`, or of all when unconditional: one `or`
 * operand each. */
static void rule_text(const struct policy_explainer *x, const struct shapes *s, int nr,
                      struct text *t)
{
	size_t alternatives = 0;
	bool unconditional = false;
	for (size_t i = 0; i < s->count; i++) {
		if (s->items[i].shape.nr != nr)
			continue;
		alternatives++;
		unconditional = unconditional || tested_args(&s->items[i].shape) == 0;
	}
	if (unconditional)
		return;
	text_add(t, ": %s", alternatives > 1 ? "(or " : "");
	size_t done = 0;
	for (size_t i = 0; i < s->count; i++) {
		char cond[SUGGEST_LINE_MAX / 4];
		if (s->items[i].shape.nr != nr)
			continue;
		policy_shape_condition(x, &s->items[i].shape, cond, sizeof(cond));
		text_add(t, "%s%s", done++ ? "\n+    " : "", cond);
	}
	text_add(t, "%s", alternatives > 1 ? ")" : "");
}

static void suggest_syscall(const struct policy_explainer *x, const char *file,
                            const struct shapes *s, size_t first,
                            void (*line)(void *, const char *), void *ctx)
{
	const struct policy_call_shape *head = &s->items[first].shape;
	size_t calls = 0, shapes = 0;
	char shown[SUGGEST_LINE_MAX / 2], rule[SUGGEST_LINE_MAX];
	for (size_t i = first; i < s->count; i++)
		if (s->items[i].shape.nr == head->nr) {
			calls += s->items[i].calls;
			shapes++;
		}
	size_t index = x->rule_of[head->nr];
	if (index == 0)
		emit(line, ctx, "@@ %s: no rule; %zu call%s seen, %zu shape%s @@", head->syscall,
		     calls, calls == 1 ? "" : "s", shapes, shapes == 1 ? "" : "s");
	else
		emit(line, ctx,
		     "@@ %s: the rule at %s:%u denies %zu call%s seen, %zu shape%s; widen it "
		     "with the alternative%s below @@",
		     head->syscall, file, x->policy->rules[index - 1].pos.line, calls,
		     calls == 1 ? "" : "s", shapes, shapes == 1 ? "" : "s", shapes == 1 ? "" : "s");
	for (size_t i = first; i < s->count; i++)
		if (s->items[i].shape.nr == head->nr) {
			policy_shape_format(x, &s->items[i].shape, shown, sizeof(shown));
			emit(line, ctx, "+# seen %zu time%s: %s", s->items[i].calls,
			     s->items[i].calls == 1 ? "" : "s", shown);
		}
	emit(line, ctx, "+# %s: REASON: which part of the child makes this call, and why",
	     head->syscall);
	emit(line, ctx, "+# each argument tested: what it is");
	if (index != 0) {
		emit(line, ctx, "+# add to that rule's condition, as (or CONDITION ...):");
		for (size_t i = first; i < s->count; i++) {
			if (s->items[i].shape.nr != head->nr)
				continue;
			policy_shape_condition(x, &s->items[i].shape, rule, sizeof(rule));
			emit(line, ctx, "+    %s", rule[0] ? rule : "(>= (arg 0) 0)");
		}
		return;
	}
	struct text t = text_in(rule, sizeof(rule));
	text_add(&t, "%s", head->syscall);
	rule_text(x, s, head->nr, &t);
	emit(line, ctx, "+%s", rule);
}

static bool seen_before(const struct shapes *s, size_t i)
{
	for (size_t k = 0; k < i; k++)
		if (s->items[k].shape.nr == s->items[i].shape.nr)
			return true;
	return false;
}

long policy_suggest(const struct policy_explainer *x, const char *file,
                    const struct policy_call *calls, size_t count,
                    void (*line)(void *ctx, const char *text), void *ctx)
{
	struct shapes s = {calloc(count ? count : 1, sizeof(struct seen)), 0};
	long rules = 0;
	if (s.items == NULL)
		return -1;
	for (size_t i = 0; i < count; i++) {
		struct policy_explanation e;
		struct policy_call_shape shape;
		if (policy_explain(x, &calls[i], &e) == POLICY_DENIED &&
		    policy_call_shape(x, &calls[i], &shape))
			add_shape(&s, &shape);
	}
	emit(line, ctx, "--- %s", file);
	emit(line, ctx, "+++ %s (suggested: fill in each REASON before use)", file);
	for (size_t i = 0; i < s.count; i++) {
		if (seen_before(&s, i))
			continue;
		suggest_syscall(x, file, &s, i, line, ctx);
		rules++;
	}
	free(s.items);
	return rules;
}
