/*
 * constants.h - the named constants a policy may compare arguments with.
 *
 * Policies write constants by name (`MSG_NOSIGNAL`), or as a quoted C
 * constant expression (`"SOCK_CLOEXEC|SOCK_NONBLOCK"`, `"(int)-1"`,
 * `"sizeof(struct sockaddr_in)"`). Values come from the system headers the
 * compiler was built with, never from a hand-copied number.
 */
#ifndef WARDEN_POLICY_CONSTANTS_H
#define WARDEN_POLICY_CONSTANTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A value as C would compute it, widened to 64 bits: `(int)-1` is
 * 0xffffffffffffffff (sign-extended), `(unsigned int)-1` is 0xffffffff. */
bool constant_lookup(const char *name, size_t len, uint64_t *value);

/* The lexical pieces shared by policy text and constant expressions. */
bool constant_is_name_start(char c); /* [A-Za-z_] */
bool constant_is_name_char(char c);  /* [A-Za-z0-9_] */

enum constant_scan_status {
	CONSTANT_SCAN_OK,
	CONSTANT_SCAN_OVERFLOW,  /* more than 64 bits */
	CONSTANT_SCAN_NO_DIGITS, /* "0x" with no hexadecimal digit after it */
};

/* Reads a decimal or 0x-hexadecimal integer at the start of `text` (which
 * starts with a digit) into `*value`, and the bytes it took into `*used`.
 * What follows the digits is the caller's to judge. */
enum constant_scan_status constant_scan_integer(const char *text, size_t len, uint64_t *value,
                                                size_t *used);

struct constant_eval_error {
	size_t offset; /* byte offset into the expression */
	char message[128];
};

/* Evaluates a constant expression: integers (decimal, 0x hex), names,
 * `sizeof(struct NAME)`, the casts (int), (unsigned int), (uint), (long),
 * (unsigned long), (ulong), unary - and ~, and binary | & + - << >> with C
 * precedence, parentheses. Returns 0, or -1 with `err` filled. */
int constant_eval(const char *expr, size_t len, uint64_t *value, struct constant_eval_error *err);

#endif
