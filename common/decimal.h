/*
 * decimal.h - an unsigned number in decimal, for the writers that format
 * lines by hand on hot paths and after lockdown (the logger's lines, the
 * access log's JSON, HTTP heads), where snprintf's locale and cost are
 * not wanted. Inline: it is called once per number of every line.
 */
#ifndef WARDEN_COMMON_DECIMAL_H
#define WARDEN_COMMON_DECIMAL_H

#include <stddef.h>
#include <stdint.h>

enum { DECIMAL_U64_MAX = 20 }; /* digits of UINT64_MAX */

/* Writes `value` at `dst` (DECIMAL_U64_MAX bytes of room), no terminator;
 * returns the digits written, 1 to 20. */
static inline size_t decimal_u64(char *dst, uint64_t value)
{
	char digits[DECIMAL_U64_MAX];
	size_t n = 0;
	do
		digits[n++] = (char)('0' + value % 10);
	while ((value /= 10) != 0);
	for (size_t i = 0; i < n; i++)
		dst[i] = digits[n - 1 - i];
	return n;
}

#endif
