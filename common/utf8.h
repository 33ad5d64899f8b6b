/*
 * utf8.h - well-formed UTF-8 (RFC 3629), for every writer that escapes
 * what it cannot pass through: the log's lines, the GUI's JSON, `warden
 * trace`'s text and JSON. One definition, so that the three agree on what
 * is text.
 */
#ifndef WARDEN_COMMON_UTF8_H
#define WARDEN_COMMON_UTF8_H

#include <stddef.h>

/* The length of the well-formed sequence that starts `s` (`n` > 0 bytes
 * available): 1 for ASCII, 2 to 4 for a multi-byte character; 0 when it is
 * not one (a stray continuation byte, an overlong form, a surrogate, a code
 * point above U+10FFFF, a sequence cut short by `n`). */
size_t utf8_sequence(const unsigned char *s, size_t n);

#endif
