/*
 * Parser tests: what parses, and every kind of error with its place.
 */
#include "policy/policy.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct policy *parse(const char *text, struct policy_error *err)
{
	return policy_parse("t.policy", text, strlen(text), err);
}

/* The text must fail to parse at line:column with a message containing
 * `needle`. */
static void expect_error(const char *text, unsigned line, unsigned column, const char *needle)
{
	struct policy_error err = {0};
	struct policy *p = parse(text, &err);
	cr_assert_null(p, "parsed, but expected an error containing \"%s\"\n%s", needle, text);
	cr_expect_str_eq(err.file, "t.policy");
	cr_expect_eq(err.line, line, "line %u, expected %u: %s", err.line, line, err.message);
	cr_expect_eq(err.column, column, "column %u, expected %u: %s", err.column, column,
	             err.message);
	cr_expect(strstr(err.message, needle) != NULL, "message \"%s\" lacks \"%s\"", err.message,
	          needle);
}

/* The text must parse but fail to compile with these bindings. */
static void expect_compile_error(const char *text, const struct policy_binding *b, size_t n,
                                 const char *needle)
{
	struct policy_error err = {0};
	struct policy *p = parse(text, &err);
	cr_assert_not_null(p, "%s", err.message);
	struct policy_filter *f = policy_compile(p, b, n, POLICY_DENY_KILL, &err);
	cr_expect_null(f, "compiled, but expected an error containing \"%s\"", needle);
	cr_expect(strstr(err.message, needle) != NULL, "message \"%s\" lacks \"%s\"", err.message,
	          needle);
	policy_filter_free(f);
	policy_free(p);
}

Test(parse, parameters_and_rules)
{
	struct policy_error err;
	const char *text = "# a comment\n"
	                   "uint logfile_fd, unsigned int gui_socket_fd   # trailing comment\n"
	                   "\n"
	                   "write: (or (eq (arg 0) 2)\n"
	                   "           (eq (arg 0) logfile_fd))  # why\n"
	                   "accept4: (and (eq (arg 0) gui_socket_fd)\n"
	                   "              (eq (arg 3) \"SOCK_CLOEXEC|SOCK_NONBLOCK\"))\n"
	                   "exit_group\n";
	struct policy *p = parse(text, &err);
	cr_assert_not_null(p, "%s:%u:%u: %s", err.file, err.line, err.column, err.message);
	cr_expect_eq(policy_param_count(p), 2);
	cr_expect_str_eq(policy_param_name(p, 0), "logfile_fd");
	cr_expect_str_eq(policy_param_name(p, 1), "gui_socket_fd");
	cr_expect_null(policy_param_name(p, 2));
	cr_expect_eq(policy_rule_count(p), 3);
	cr_expect_str_eq(policy_rule_syscall(p, 0), "write");
	cr_expect_str_eq(policy_rule_syscall(p, 2), "exit_group");
	policy_free(p);
}

Test(parse, noarg_and_all_operators)
{
	struct policy_error err;
	const char *text = "noarg\n"
	                   "read: (and (< (arg 0) 10) (<= (arg 1) 0x20) (> (arg 2) 3)\n"
	                   "           (>= 5 (arg 0)) (not (eq (arg 0) MSG_NOSIGNAL)))\n"
	                   "close: (or (eq (arg 0) \"(int)-1\") (eq (arg 0) \"sizeof(struct "
	                   "sockaddr_in)\"))\n";
	struct policy *p = parse(text, &err);
	cr_assert_not_null(p, "%u:%u: %s", err.line, err.column, err.message);
	cr_expect_eq(policy_param_count(p), 0);
	struct policy_filter *f = policy_compile(p, NULL, 0, POLICY_DENY_KILL, &err);
	cr_expect_not_null(f, "%s", err.message);
	policy_filter_free(f);
	policy_free(p);
}

Test(errors, empty_policy)
{
	expect_error("", 1, 1, "empty policy");
	expect_error("# only a comment\n\n", 3, 1, "empty policy");
}

Test(errors, bad_parameter_line)
{
	expect_error("write\n", 1, 1, "declares the parameters");
	expect_error("uint\n", 2, 1, "expected a parameter name");
	expect_error("uint a b\n", 1, 8, "expected ','");
	expect_error("unsigned long a\n", 1, 10, "expected 'int' after 'unsigned'");
	expect_error("uint a, uint a\n", 1, 14, "declared twice (first at 1:6)");
	expect_error("uint arg\n", 1, 6, "reserved word");
	expect_error("noarg x\n", 1, 7, "after the parameter line");
}

Test(errors, unknown_syscall)
{
	expect_error("noarg\nwrite\nnot_a_syscall\n", 3, 1, "unknown syscall 'not_a_syscall'");
}

Test(errors, unknown_constant)
{
	expect_error("noarg\nsendto: (eq (arg 3) \"MSG_NOSIGNAL|MSG_BOGUS\")\n", 2, 35,
	             "unknown constant 'MSG_BOGUS'");
	expect_error("noarg\nsendto: (eq (arg 3) MSG_BOGUS)\n", 2, 21,
	             "unknown parameter or constant 'MSG_BOGUS'");
	expect_error("noarg\nsendto: (eq (arg 3) \"sizeof(struct nope)\")\n", 2, 36,
	             "unknown struct 'nope'");
}

Test(errors, unevaluable_string)
{
	/* Strings that are not constants at all, as some corpus comments hold. */
	expect_error("noarg\nclose: (eq (arg 0) \".snapshot-x<i>.partial\")\n", 2, 21,
	             "cannot evaluate");
	expect_error("noarg\nclose: (eq (arg 0) \"1 +\")\n", 2, 24, "cannot evaluate");
	expect_error("noarg\nclose: (eq (arg 0) \"\")\n", 2, 21, "cannot evaluate");
	expect_error("noarg\nclose: (eq (arg 0) \"(1\")\n", 2, 23, "expected ')'");
}

Test(errors, argument_index_out_of_range)
{
	expect_error("noarg\nread: (eq (arg 6) 1)\n", 2, 16, "argument index 6 out of range");
}

Test(errors, argument_untyped_for_syscall)
{
	expect_error("noarg\nclose: (eq (arg 1) 1)\n", 2, 17, "argument 1 of close is untyped");
	expect_error("noarg\ngetpid: (eq (arg 0) 1)\n", 2, 18, "argument 0 of getpid is untyped");
}

Test(errors, value_wider_than_argument)
{
	expect_error("noarg\nclose: (eq (arg 0) 0x100000002)\n", 2, 20, "32 bits wide");
	/* A negative int is sign-extended, then fits. */
	struct policy_error err;
	const char *ok = "noarg\nclose: (eq (arg 0) \"(int)-1\")\n";
	struct policy *p = parse(ok, &err);
	cr_expect_not_null(p, "%s", err.message);
	policy_free(p);
}

Test(errors, duplicate_rule)
{
	expect_error("noarg\nwrite\nread\nwrite: (eq (arg 0) 1)\n", 4, 1,
	             "duplicate rule for 'write' (first at 2:1)");
}

Test(errors, unknown_parameter)
{
	expect_error("uint a\nclose: (eq (arg 0) b)\n", 2, 20, "unknown parameter or constant 'b'");
	const char *text = "uint a\nclose: (eq (arg 0) a)\n";
	struct policy_binding wrong[] = {{"a", 3}, {"b", 4}};
	expect_compile_error(text, wrong, 2, "unknown parameter 'b'");
}

Test(errors, unbound_parameter)
{
	const char *text = "uint a, uint b\nclose: (or (eq (arg 0) a) (eq (arg 0) b))\n";
	struct policy_binding one[] = {{"a", 3}};
	expect_compile_error(text, one, 1, "unbound parameter 'b'");
	struct policy_binding twice[] = {{"a", 3}, {"a", 4}, {"b", 5}};
	expect_compile_error(text, twice, 3, "bound twice");
	struct policy_binding wide[] = {{"a", 0x100000000ull}, {"b", 5}};
	expect_compile_error(text, wide, 2, "does not fit");
}

Test(errors, malformed_expression)
{
	expect_error("noarg\nclose: (eq (arg 0)\n", 3, 1, "unclosed '(' opened at 2:8");
	expect_error("noarg\nclose: (xor (arg 0) 1)\n", 2, 9, "unknown operator 'xor'");
	expect_error("noarg\nclose: (eq (arg 0) 1 2)\n", 2, 22, "takes two operands");
	expect_error("noarg\nclose: (eq 1 2)\n", 2, 8, "needs (arg N) on one side");
	expect_error("noarg\nclose: (eq (arg 0) (arg 0))\n", 2, 8, "two arguments");
	expect_error("noarg\nclose: (not (eq (arg 0) 1) (eq (arg 0) 2))\n", 2, 28,
	             "exactly one expression");
	expect_error("noarg\nclose: (and)\n", 2, 8, "at least one expression");
	expect_error("noarg\nclose: (and 1)\n", 2, 13, "in parentheses");
	expect_error("noarg\nclose: eq\n", 2, 8, "expected '('");
	expect_error("noarg\nclose:\n", 3, 1, "expected an expression");
	expect_error("noarg\nclose (eq (arg 0) 1)\n", 2, 7, "expected ':'");
	expect_error("noarg\nclose: (eq (arg x) 1)\n", 2, 17, "argument index");
	expect_error("noarg\nclose: (eq (arg 0 1) 1)\n", 2, 19, "expected ')'");
	expect_error("noarg\nclose: (eq (eq (arg 0) 1) 1)\n", 2, 12, "found an expression");
	expect_error("noarg\nclose: (eq (arg 0) -1)\n", 2, 20, "negative number");
	expect_error("noarg\nclose: (eq (arg 0) 12ab)\n", 2, 20, "malformed number");
	expect_error("noarg\nclose: (eq (arg 0) 99999999999999999999)\n", 2, 20,
	             "does not fit in 64 bits");
	expect_error("noarg\nclose: (eq (arg 0) \"1)\n", 2, 20, "unterminated string");
	expect_error("noarg\nclose: (eq (arg 0) 1) $\n", 2, 23, "unexpected character '$'");
	expect_error("noarg\nclose: (eq (arg 0) 1)\x01\n", 2, 22, "unexpected byte 0x01");
}

Test(errors, trailing_tokens)
{
	expect_error("noarg\nclose: (eq (arg 0) 1) (eq (arg 0) 2)\n", 2, 23,
	             "after the end of the rule for 'close'");
	expect_error("noarg\nclose: (eq (arg 0) 1)\n    read\n", 3, 5, "after the end of the rule");
}

Test(errors, nesting_is_bounded)
{
	size_t depth = 100000;
	char *text = malloc(depth * 5 + 64);
	cr_assert_not_null(text);
	strcpy(text, "noarg\nclose: ");
	char *at = text + strlen(text);
	for (size_t i = 0; i < depth; i++)
		at += sprintf(at, "(not ");
	strcpy(at, "(eq (arg 0) 1)");
	struct policy_error err;
	cr_expect_null(parse(text, &err));
	cr_expect(strstr(err.message, "nested more than") != NULL, "%s", err.message);
	free(text);
}

Test(errors, format_has_file_line_column)
{
	struct policy_error err;
	cr_assert_null(parse("noarg\nbogus\n", &err));
	char buf[600];
	policy_error_format(&err, buf, sizeof(buf));
	cr_expect_str_eq(buf, "t.policy:2:1: unknown syscall 'bogus'");
}

Test(errors, always_false_condition)
{
	expect_compile_error("noarg\nclose: (and (eq (arg 0) 1) (eq (arg 0) 2))\n", NULL, 0,
	                     "allow nothing");
}

Test(errors, missing_file)
{
	struct policy_error err;
	cr_expect_null(policy_parse_file("/nonexistent/x.policy", &err));
	cr_expect(strstr(err.message, "cannot open") != NULL, "%s", err.message);
	cr_expect_null(policy_parse_file("/", &err));
	cr_expect(strstr(err.message, "not a regular file") != NULL, "%s", err.message);
}

Test(parse, never_crashes_on_prefixes)
{
	/* Every prefix of a valid policy either parses or fails cleanly. */
	const char *text = "uint logfile_fd, uint gui_socket_fd\n"
	                   "accept4: (and (eq (arg 0) gui_socket_fd)\n"
	                   "              (eq (arg 3) \"SOCK_CLOEXEC|SOCK_NONBLOCK\"))\n"
	                   "read: (not (or (eq (arg 0) 2) (eq (arg 0) logfile_fd)))\n";
	for (size_t n = 0; n <= strlen(text); n++) {
		struct policy_error err = {0};
		struct policy *p = policy_parse("t", text, n, &err);
		if (p == NULL)
			cr_expect(err.message[0] != '\0', "prefix %zu failed silently", n);
		policy_free(p);
	}
}
