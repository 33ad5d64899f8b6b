/*
 * json_check.h - a strict JSON checker (RFC 8259) for tests, to prove that
 * what the GUI and the log write parses, and to read a member back.
 */
#ifndef WARDEN_TESTS_JSON_CHECK_H
#define WARDEN_TESTS_JSON_CHECK_H

#include <stdbool.h>
#include <stddef.h>

/* Whether text[0..n) is exactly one JSON value (whitespace around allowed). */
bool json_valid(const char *text, size_t n);

/* The raw text of the top-level member `key` of the object text[0..n)
 * (a string keeps its quotes and escapes: "\"GET\""; a number is its
 * digits). The key must be spelt without escapes. False when text is not
 * an object or has no such member (or breaks off before it). */
bool json_member(const char *text, size_t n, const char *key, const char **value, size_t *length);

#endif
