/*
 * parse.c - the policy language: tokens, the parameter line, rules and
 * their expressions, with every name and number checked as it is read.
 *
 * A logical line starts at a token in column 1; lines that start with
 * white space continue it. The first logical line declares the parameters.
 */
#include "ast.h"
#include "constants.h"

#include <errno.h>
#include <fcntl.h>
#include <seccomp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum {
	MAX_POLICY_BYTES = 1 << 20,
	MAX_NAME = 64,
	MAX_RULES = 1024,
	MAX_DEPTH = 64,
	MAX_NODES_PER_RULE = 4096,
};

enum token_kind {
	TOK_EOF,
	TOK_LPAREN,
	TOK_RPAREN,
	TOK_COLON,
	TOK_COMMA,
	TOK_IDENT,
	TOK_INT,
	TOK_STRING,
	TOK_LT,
	TOK_LE,
	TOK_GT,
	TOK_GE,
};

struct token {
	enum token_kind kind;
	struct source_pos pos;
	bool starts_logical_line; /* first on its line, in column 1 */
	const char *text;         /* into the source */
	size_t len;
	uint64_t value; /* TOK_INT */
};

struct parser {
	const char *name;
	const char *src;
	size_t len, at;
	unsigned line, column;
	bool at_line_start;
	struct token tok; /* the current, not yet consumed token */
	struct policy *policy;
	struct rule *rule; /* the rule being parsed */
	unsigned depth, nodes;
	struct policy_error *err;
};

void policy_error_set(struct policy_error *err, const char *file, struct source_pos pos,
                      const char *fmt, ...)
{
	if (err == NULL)
		return;
	snprintf(err->file, sizeof(err->file), "%s", file ? file : "<policy>");
	err->line = pos.line;
	err->column = pos.column;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
}

void policy_error_format(const struct policy_error *err, char *buf, size_t size)
{
	if (err->line > 0)
		snprintf(buf, size, "%s:%u:%u: %s", err->file, err->line, err->column,
		         err->message);
	else
		snprintf(buf, size, "%s: %s", err->file, err->message);
}

static int fail(struct parser *p, struct source_pos pos, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static int fail(struct parser *p, struct source_pos pos, const char *fmt, ...)
{
	char message[sizeof(p->err->message)];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	policy_error_set(p->err, p->name, pos, "%s", message);
	return -1;
}

/* ---- Tokens ------------------------------------------------------------ */

/* A printable description of the current token for error messages. */
static const char *describe(const struct token *t, char *buf, size_t size)
{
	switch (t->kind) {
	case TOK_EOF:
		return "the end of the file";
	case TOK_STRING:
		snprintf(buf, size, "string %.*s", (int)(t->len > 40 ? 40 : t->len), t->text);
		return buf;
	default:
		snprintf(buf, size, "'%.*s'", (int)(t->len > 40 ? 40 : t->len), t->text);
		return buf;
	}
}

static void advance_byte(struct parser *p)
{
	if (p->src[p->at] == '\n') {
		p->line++;
		p->column = 1;
		p->at_line_start = true;
	} else {
		p->column++;
	}
	p->at++;
}

static int skip_blank(struct parser *p)
{
	while (p->at < p->len) {
		char c = p->src[p->at];
		if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
			advance_byte(p);
		} else if (c == '#') {
			while (p->at < p->len && p->src[p->at] != '\n')
				advance_byte(p);
		} else {
			return 0;
		}
	}
	return 0;
}

static int lex_number(struct parser *p, struct token *t)
{
	size_t used = 0;
	switch (constant_scan_integer(p->src + p->at, p->len - p->at, &t->value, &used)) {
	case CONSTANT_SCAN_OVERFLOW:
		return fail(p, t->pos, "number does not fit in 64 bits");
	case CONSTANT_SCAN_NO_DIGITS:
		return fail(p, t->pos, "expected hexadecimal digits after '0x'");
	case CONSTANT_SCAN_OK:
		break;
	}
	while (used-- > 0) /* a number holds no newline: this only moves the column */
		advance_byte(p);
	if (p->at < p->len && constant_is_name_char(p->src[p->at]))
		return fail(p, t->pos, "malformed number");
	t->kind = TOK_INT;
	return 0;
}

static int lex_string(struct parser *p, struct token *t)
{
	advance_byte(p); /* opening quote */
	while (p->at < p->len && p->src[p->at] != '"') {
		if (p->src[p->at] == '\n')
			return fail(p, t->pos, "unterminated string: it must close on its line");
		advance_byte(p);
	}
	if (p->at == p->len)
		return fail(p, t->pos, "unterminated string at the end of the file");
	advance_byte(p);
	t->kind = TOK_STRING;
	return 0;
}

/* Reads the next token into p->tok. */
static int next(struct parser *p)
{
	skip_blank(p);
	struct token *t = &p->tok;
	*t = (struct token){.pos = {p->line, p->column}, .text = p->src + p->at};
	t->starts_logical_line = p->at_line_start && p->column == 1;
	p->at_line_start = false;
	if (p->at == p->len) {
		t->kind = TOK_EOF;
		t->starts_logical_line = true;
		return 0;
	}
	char c = p->src[p->at];
	int rc = 0;
	if (c == '(' || c == ')' || c == ':' || c == ',') {
		t->kind = c == '('   ? TOK_LPAREN
		          : c == ')' ? TOK_RPAREN
		          : c == ':' ? TOK_COLON
		                     : TOK_COMMA;
		advance_byte(p);
	} else if (c == '<' || c == '>') {
		advance_byte(p);
		bool eq = p->at < p->len && p->src[p->at] == '=';
		if (eq)
			advance_byte(p);
		t->kind = c == '<' ? (eq ? TOK_LE : TOK_LT) : (eq ? TOK_GE : TOK_GT);
	} else if (c >= '0' && c <= '9') {
		rc = lex_number(p, t);
	} else if (c == '"') {
		rc = lex_string(p, t);
	} else if (constant_is_name_start(c)) {
		while (p->at < p->len && constant_is_name_char(p->src[p->at]))
			advance_byte(p);
		t->kind = TOK_IDENT;
		if ((size_t)(p->src + p->at - t->text) > MAX_NAME)
			return fail(p, t->pos, "name longer than %d characters", MAX_NAME);
	} else if (c == '-' && p->len - p->at > 1 && p->src[p->at + 1] >= '0' &&
	           p->src[p->at + 1] <= '9') {
		return fail(p, t->pos,
		            "negative number: write its width, as in \"(int)-1\" or \"(long)-1\"");
	} else if ((unsigned char)c < 0x20 || (unsigned char)c >= 0x7f) {
		return fail(p, t->pos, "unexpected byte 0x%02x", (unsigned char)c);
	} else {
		return fail(p, t->pos, "unexpected character '%c'", c);
	}
	t->len = (size_t)(p->src + p->at - t->text);
	return rc;
}

static bool is_word(const struct token *t, const char *word)
{
	return t->kind == TOK_IDENT && strlen(word) == t->len && memcmp(t->text, word, t->len) == 0;
}

static bool at_logical_line_end(const struct parser *p)
{
	return p->tok.starts_logical_line;
}

static char *copy_token(const struct token *t)
{
	char *s = malloc(t->len + 1);
	if (s != NULL) {
		memcpy(s, t->text, t->len);
		s[t->len] = '\0';
	}
	return s;
}

static int out_of_memory(struct parser *p)
{
	return fail(p, p->tok.pos, "out of memory");
}

/* ---- Parameter line ---------------------------------------------------- */

static const char *const reserved_words[] = {"and",   "or",   "not",      "eq", "arg",
                                             "noarg", "uint", "unsigned", "int"};

static bool is_reserved(const struct token *t)
{
	for (size_t i = 0; i < sizeof(reserved_words) / sizeof(reserved_words[0]); i++)
		if (is_word(t, reserved_words[i]))
			return true;
	return false;
}

static ssize_t find_param(const struct policy *policy, const char *name, size_t len)
{
	for (size_t i = 0; i < policy->param_count; i++)
		if (strlen(policy->params[i].name) == len &&
		    memcmp(policy->params[i].name, name, len) == 0)
			return (ssize_t)i;
	return -1;
}

static int parse_param_type(struct parser *p)
{
	char buf[64];
	if (is_word(&p->tok, "uint"))
		return next(p);
	if (is_word(&p->tok, "unsigned")) {
		if (next(p) < 0)
			return -1;
		if (!is_word(&p->tok, "int") || at_logical_line_end(p))
			return fail(p, p->tok.pos, "expected 'int' after 'unsigned', found %s",
			            describe(&p->tok, buf, sizeof(buf)));
		return next(p);
	}
	return fail(p, p->tok.pos,
	            "the first line declares the parameters ('uint name, ...') or says "
	            "'noarg'; found %s",
	            describe(&p->tok, buf, sizeof(buf)));
}

static int parse_param(struct parser *p)
{
	char buf[64];
	if (parse_param_type(p) < 0)
		return -1;
	if (p->tok.kind != TOK_IDENT || at_logical_line_end(p))
		return fail(p, p->tok.pos, "expected a parameter name, found %s",
		            describe(&p->tok, buf, sizeof(buf)));
	if (is_reserved(&p->tok))
		return fail(p, p->tok.pos, "'%.*s' is a reserved word, not a parameter name",
		            (int)p->tok.len, p->tok.text);
	ssize_t dup = find_param(p->policy, p->tok.text, p->tok.len);
	if (dup >= 0)
		return fail(p, p->tok.pos, "parameter '%.*s' is declared twice (first at %u:%u)",
		            (int)p->tok.len, p->tok.text, p->policy->params[dup].pos.line,
		            p->policy->params[dup].pos.column);
	if (p->policy->param_count == POLICY_MAX_PARAMS)
		return fail(p, p->tok.pos, "more than %d parameters", POLICY_MAX_PARAMS);
	struct param *param = &p->policy->params[p->policy->param_count];
	param->name = copy_token(&p->tok);
	if (param->name == NULL)
		return out_of_memory(p);
	param->pos = p->tok.pos;
	p->policy->param_count++;
	return next(p);
}

static int parse_params(struct parser *p)
{
	char buf[64];
	if (p->tok.kind == TOK_EOF)
		return fail(p, p->tok.pos,
		            "empty policy: expected the parameter line ('uint name, ...' or "
		            "'noarg')");
	p->policy->params = calloc(POLICY_MAX_PARAMS, sizeof(*p->policy->params));
	if (p->policy->params == NULL)
		return out_of_memory(p);
	if (is_word(&p->tok, "noarg")) {
		if (next(p) < 0)
			return -1;
	} else {
		for (;;) {
			if (parse_param(p) < 0)
				return -1;
			if (at_logical_line_end(p))
				break;
			if (p->tok.kind != TOK_COMMA)
				return fail(
				        p, p->tok.pos,
				        "expected ',' or the end of the parameter line, found %s",
				        describe(&p->tok, buf, sizeof(buf)));
			if (next(p) < 0)
				return -1;
		}
	}
	if (!at_logical_line_end(p))
		return fail(p, p->tok.pos, "unexpected %s after the parameter line",
		            describe(&p->tok, buf, sizeof(buf)));
	return 0;
}

/* ---- Expressions ------------------------------------------------------- */

static struct expr *new_expr(struct parser *p, enum expr_kind kind, struct source_pos pos)
{
	if (++p->nodes > MAX_NODES_PER_RULE) {
		fail(p, pos, "rule has more than %d expressions", MAX_NODES_PER_RULE);
		return NULL;
	}
	struct expr *e = calloc(1, sizeof(*e));
	if (e == NULL) {
		out_of_memory(p);
		return NULL;
	}
	e->kind = kind;
	e->pos = pos;
	return e;
}

void expr_free(struct expr *e);

void expr_free(struct expr *e)
{
	while (e != NULL) {
		struct expr *next_sibling = e->next;
		expr_free(e->first);
		free(e);
		e = next_sibling;
	}
}

/* Checks a token inside an expression: a new rule in column 1 means the
 * expression was not closed. */
static int expect_in_rule(struct parser *p, struct source_pos open)
{
	if (at_logical_line_end(p))
		return fail(p, p->tok.pos,
		            "unclosed '(' opened at %u:%u (a rule's continuation lines must be "
		            "indented)",
		            open.line, open.column);
	return 0;
}

/* An argument reference after its '(' : "arg N )". */
static int parse_arg_ref(struct parser *p, unsigned *arg, struct source_pos open)
{
	char buf[64];
	const struct rule *rule = p->rule;
	if (next(p) < 0 || expect_in_rule(p, open) < 0)
		return -1;
	if (p->tok.kind != TOK_INT)
		return fail(p, p->tok.pos, "expected an argument index after 'arg', found %s",
		            describe(&p->tok, buf, sizeof(buf)));
	if (p->tok.value > 5)
		return fail(p, p->tok.pos,
		            "argument index %llu out of range: syscalls have "
		            "arguments 0 to 5",
		            (unsigned long long)p->tok.value);
	*arg = (unsigned)p->tok.value;
	if (rule->signature == NULL)
		return fail(p, p->tok.pos,
		            "argument %u of %s is untyped: warden's table has no signature "
		            "for %s, so its arguments cannot be checked",
		            *arg, rule->syscall, rule->syscall);
	if (*arg >= rule->signature->nargs)
		return fail(p, p->tok.pos, "argument %u of %s is untyped: %s takes %u argument%s",
		            *arg, rule->syscall, rule->syscall, rule->signature->nargs,
		            rule->signature->nargs == 1 ? "" : "s");
	if (next(p) < 0 || expect_in_rule(p, open) < 0)
		return -1;
	if (p->tok.kind != TOK_RPAREN)
		return fail(p, p->tok.pos, "expected ')' after (arg %u, found %s", *arg,
		            describe(&p->tok, buf, sizeof(buf)));
	return next(p);
}

enum side_kind { SIDE_ARG, SIDE_VALUE };

struct side {
	enum side_kind kind;
	unsigned arg;
	struct operand operand;
	struct source_pos pos;
	bool from_constant; /* a name or a string: says so in range errors */
};

static int parse_value_token(struct parser *p, struct side *side)
{
	char buf[64];
	struct token *t = &p->tok;
	if (t->kind == TOK_INT) {
		side->operand.value = t->value;
	} else if (t->kind == TOK_IDENT) {
		ssize_t param = find_param(p->policy, t->text, t->len);
		if (param >= 0) {
			side->operand.is_param = true;
			side->operand.param = (size_t)param;
		} else if (!constant_lookup(t->text, t->len, &side->operand.value)) {
			return fail(p, t->pos, "unknown parameter or constant '%.*s'", (int)t->len,
			            t->text);
		}
		side->from_constant = true;
	} else if (t->kind == TOK_STRING) {
		struct constant_eval_error ce;
		if (constant_eval(t->text + 1, t->len - 2, &side->operand.value, &ce) < 0) {
			struct source_pos at = {t->pos.line,
			                        t->pos.column + 1 + (unsigned)ce.offset};
			return fail(p, at, "cannot evaluate %.*s: %s", (int)t->len, t->text,
			            ce.message);
		}
		side->from_constant = true;
	} else {
		return fail(p, t->pos,
		            "expected (arg N), a number, a parameter or a quoted constant, "
		            "found %s",
		            describe(t, buf, sizeof(buf)));
	}
	side->kind = SIDE_VALUE;
	return next(p);
}

static int parse_side(struct parser *p, struct side *side, struct source_pos open)
{
	*side = (struct side){.pos = p->tok.pos};
	if (expect_in_rule(p, open) < 0)
		return -1;
	if (p->tok.kind != TOK_LPAREN)
		return parse_value_token(p, side);
	struct source_pos paren = p->tok.pos;
	if (next(p) < 0 || expect_in_rule(p, paren) < 0)
		return -1;
	if (!is_word(&p->tok, "arg"))
		return fail(p, paren,
		            "expected (arg N), a number, a parameter or a quoted constant, "
		            "found an expression");
	side->kind = SIDE_ARG;
	return parse_arg_ref(p, &side->arg, paren);
}

static enum interval_cmp flipped(enum interval_cmp op)
{
	switch (op) {
	case INTERVAL_LT:
		return INTERVAL_GT;
	case INTERVAL_LE:
		return INTERVAL_GE;
	case INTERVAL_GT:
		return INTERVAL_LT;
	case INTERVAL_GE:
		return INTERVAL_LE;
	default:
		return op;
	}
}

/* Fits a literal to the argument it is compared with: the kernel sees only
 * the low 32 bits of an int argument, so a value there must be a 32-bit
 * number, or a negative int sign-extended to 64 (then its low 32 bits). */
static int fit_value(struct parser *p, struct side *value, unsigned arg)
{
	enum syscall_arg_width width = p->rule->signature->width[arg];
	uint64_t v = value->operand.value;
	if (value->operand.is_param || width == SYSCALL_ARG_64)
		return 0;
	if (v <= UINT32_MAX)
		return 0;
	if (v >= 0xffffffff80000000ull) {
		value->operand.value = v & UINT32_MAX;
		return 0;
	}
	return fail(p, value->pos,
	            "value 0x%llx does not fit argument %u of %s, which is 32 bits wide",
	            (unsigned long long)v, arg, p->rule->syscall);
}

static int parse_comparison(struct parser *p, struct expr *e, enum interval_cmp op)
{
	char buf[64];
	struct side left, right;
	if (next(p) < 0 || parse_side(p, &left, e->pos) < 0 || parse_side(p, &right, e->pos) < 0)
		return -1;
	if (left.kind == SIDE_ARG && right.kind == SIDE_ARG)
		return fail(p, e->pos,
		            "comparing two arguments is not supported: one side "
		            "must be a value");
	if (left.kind != SIDE_ARG && right.kind != SIDE_ARG)
		return fail(p, e->pos, "comparison needs (arg N) on one side");
	if (expect_in_rule(p, e->pos) < 0)
		return -1;
	if (p->tok.kind != TOK_RPAREN)
		return fail(p, p->tok.pos, "a comparison takes two operands; found %s",
		            describe(&p->tok, buf, sizeof(buf)));
	const struct side *arg = left.kind == SIDE_ARG ? &left : &right;
	struct side *value = left.kind == SIDE_ARG ? &right : &left;
	if (fit_value(p, value, arg->arg) < 0)
		return -1;
	e->op = left.kind == SIDE_ARG ? op : flipped(op);
	e->arg = arg->arg;
	e->operand = value->operand;
	return next(p);
}

static struct expr *parse_expr(struct parser *p);

static int parse_operands(struct parser *p, struct expr *e, const char *op, bool exactly_one)
{
	char buf[64];
	struct expr **tail = &e->first;
	size_t count = 0;
	if (next(p) < 0)
		return -1;
	for (;;) {
		if (expect_in_rule(p, e->pos) < 0)
			return -1;
		if (p->tok.kind == TOK_RPAREN)
			break;
		if (p->tok.kind != TOK_LPAREN)
			return fail(p, p->tok.pos,
			            "'%s' takes expressions in parentheses; found %s", op,
			            describe(&p->tok, buf, sizeof(buf)));
		if (exactly_one && count == 1)
			return fail(p, p->tok.pos, "'not' takes exactly one expression");
		*tail = parse_expr(p);
		if (*tail == NULL)
			return -1;
		tail = &(*tail)->next;
		count++;
	}
	if (count == 0)
		return fail(p, e->pos, "'%s' needs at least one expression", op);
	return next(p);
}

static const struct {
	const char *word;
	enum token_kind token;
	enum interval_cmp op;
} comparisons[] = {
        {"eq", TOK_IDENT, INTERVAL_EQ}, {"<", TOK_LT, INTERVAL_LT},  {"<=", TOK_LE, INTERVAL_LE},
        {">", TOK_GT, INTERVAL_GT},     {">=", TOK_GE, INTERVAL_GE},
};

static int parse_head(struct parser *p, struct expr *e)
{
	char buf[64];
	const struct token *t = &p->tok;
	if (is_word(t, "and") || is_word(t, "or")) {
		e->kind = is_word(t, "and") ? EXPR_AND : EXPR_OR;
		return parse_operands(p, e, e->kind == EXPR_AND ? "and" : "or", false);
	}
	if (is_word(t, "not")) {
		e->kind = EXPR_NOT;
		return parse_operands(p, e, "not", true);
	}
	for (size_t i = 0; i < sizeof(comparisons) / sizeof(comparisons[0]); i++) {
		if (t->kind == comparisons[i].token &&
		    (t->kind != TOK_IDENT || is_word(t, comparisons[i].word))) {
			e->kind = EXPR_CMP;
			return parse_comparison(p, e, comparisons[i].op);
		}
	}
	return fail(p, t->pos, "unknown operator %s: expected and, or, not, eq, <, <=, > or >=",
	            describe(t, buf, sizeof(buf)));
}

static struct expr *parse_expr(struct parser *p)
{
	char buf[64];
	if (p->tok.kind != TOK_LPAREN) {
		fail(p, p->tok.pos, "expected '(' to start an expression, found %s",
		     describe(&p->tok, buf, sizeof(buf)));
		return NULL;
	}
	if (p->depth == MAX_DEPTH) {
		fail(p, p->tok.pos, "expressions nested more than %d deep", MAX_DEPTH);
		return NULL;
	}
	struct expr *e = new_expr(p, EXPR_AND, p->tok.pos);
	if (e == NULL)
		return NULL;
	p->depth++;
	int rc = next(p);
	if (rc == 0)
		rc = expect_in_rule(p, e->pos);
	if (rc == 0)
		rc = parse_head(p, e);
	p->depth--;
	if (rc < 0) {
		expr_free(e);
		return NULL;
	}
	return e;
}

/* ---- Rules ------------------------------------------------------------- */

static int resolve_syscall(struct parser *p, struct rule *rule)
{
	int nr = seccomp_syscall_resolve_name_arch(SCMP_ARCH_NATIVE, rule->syscall);
	if (nr == __NR_SCMP_ERROR)
		return fail(p, rule->pos, "unknown syscall '%s'", rule->syscall);
	if (nr < 0)
		return fail(p, rule->pos, "syscall '%s' does not exist on this architecture",
		            rule->syscall);
	rule->number = nr;
	rule->signature = syscall_signature_find(rule->syscall);
	for (size_t i = 0; i < p->policy->rule_count; i++) {
		const struct rule *other = &p->policy->rules[i];
		if (strcmp(other->syscall, rule->syscall) == 0)
			return fail(p, rule->pos,
			            "duplicate rule for '%s' (first at %u:%u): combine them with "
			            "(or ...)",
			            rule->syscall, other->pos.line, other->pos.column);
	}
	return 0;
}

static int parse_rule(struct parser *p)
{
	char buf[64];
	if (p->tok.kind != TOK_IDENT)
		return fail(p, p->tok.pos, "expected a syscall name, found %s",
		            describe(&p->tok, buf, sizeof(buf)));
	if (p->policy->rule_count == MAX_RULES)
		return fail(p, p->tok.pos, "more than %d rules", MAX_RULES);
	struct rule rule = {.pos = p->tok.pos, .syscall = copy_token(&p->tok)};
	if (rule.syscall == NULL)
		return out_of_memory(p);
	if (resolve_syscall(p, &rule) < 0 || next(p) < 0)
		goto fail;
	if (!at_logical_line_end(p)) {
		if (p->tok.kind != TOK_COLON) {
			fail(p, p->tok.pos,
			     "expected ':' or the end of the rule after '%s', found %s",
			     rule.syscall, describe(&p->tok, buf, sizeof(buf)));
			goto fail;
		}
		if (next(p) < 0)
			goto fail;
		if (at_logical_line_end(p)) {
			fail(p, p->tok.pos, "expected an expression after '%s:'", rule.syscall);
			goto fail;
		}
		p->rule = &rule;
		p->nodes = 0;
		rule.condition = parse_expr(p);
		p->rule = NULL;
		if (rule.condition == NULL)
			goto fail;
		if (!at_logical_line_end(p)) {
			fail(p, p->tok.pos, "unexpected %s after the end of the rule for '%s'",
			     describe(&p->tok, buf, sizeof(buf)), rule.syscall);
			goto fail;
		}
	}
	p->policy->rules[p->policy->rule_count++] = rule;
	return 0;
fail:
	expr_free(rule.condition);
	free(rule.syscall);
	return -1;
}

/* ---- Entry points ------------------------------------------------------ */

struct policy *policy_parse(const char *name, const char *text, size_t len,
                            struct policy_error *err)
{
	struct parser p = {.name = name,
	                   .src = text,
	                   .len = len,
	                   .line = 1,
	                   .column = 1,
	                   .at_line_start = true,
	                   .err = err};
	if (len > MAX_POLICY_BYTES) {
		fail(&p, (struct source_pos){0, 0}, "policy larger than %d bytes",
		     MAX_POLICY_BYTES);
		return NULL;
	}
	p.policy = calloc(1, sizeof(*p.policy));
	if (p.policy == NULL || (p.policy->name = strdup(name ? name : "<policy>")) == NULL ||
	    (p.policy->rules = calloc(MAX_RULES, sizeof(*p.policy->rules))) == NULL) {
		fail(&p, (struct source_pos){0, 0}, "out of memory");
		goto fail;
	}
	if (next(&p) < 0 || parse_params(&p) < 0)
		goto fail;
	while (p.tok.kind != TOK_EOF)
		if (parse_rule(&p) < 0)
			goto fail;
	return p.policy;
fail:
	policy_free(p.policy);
	return NULL;
}

struct policy *policy_parse_file(const char *path, struct policy_error *err)
{
	struct policy *policy = NULL;
	char *text = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0) {
		policy_error_set(err, path, (struct source_pos){0, 0}, "cannot open: %s",
		                 strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > MAX_POLICY_BYTES) {
		policy_error_set(err, path, (struct source_pos){0, 0},
		                 S_ISREG(st.st_mode) ? "policy larger than %d bytes"
		                                     : "not a regular file (limit %d bytes)",
		                 MAX_POLICY_BYTES);
		goto out;
	}
	size_t size = (size_t)st.st_size, got = 0;
	text = malloc(size + 1);
	if (text == NULL) {
		policy_error_set(err, path, (struct source_pos){0, 0}, "out of memory");
		goto out;
	}
	while (got < size) {
		ssize_t n = read(fd, text + got, size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			policy_error_set(err, path, (struct source_pos){0, 0}, "cannot read: %s",
			                 n < 0 ? strerror(errno) : "file shrank while reading");
			goto out;
		}
		got += (size_t)n;
	}
	policy = policy_parse(path, text, size, err);
out:
	if (fd >= 0)
		close(fd);
	free(text);
	return policy;
}

void policy_free(struct policy *policy)
{
	if (policy == NULL)
		return;
	for (size_t i = 0; policy->params != NULL && i < policy->param_count; i++)
		free(policy->params[i].name);
	for (size_t i = 0; policy->rules != NULL && i < policy->rule_count; i++) {
		free(policy->rules[i].syscall);
		expr_free(policy->rules[i].condition);
	}
	free(policy->params);
	free(policy->rules);
	free(policy->name);
	free(policy);
}

size_t policy_param_count(const struct policy *policy)
{
	return policy->param_count;
}

const char *policy_param_name(const struct policy *policy, size_t index)
{
	return index < policy->param_count ? policy->params[index].name : NULL;
}

size_t policy_rule_count(const struct policy *policy)
{
	return policy->rule_count;
}

const char *policy_rule_syscall(const struct policy *policy, size_t index)
{
	return index < policy->rule_count ? policy->rules[index].syscall : NULL;
}
