/*
 * sanitizer.h - UNDER_ASAN, defined in builds with AddressSanitizer (CI's
 * scripts/test --sanitize), where two things differ: ASan's allocator
 * replaces glibc's, so mallopt does not apply, and its shadow memory needs
 * terabytes of address space, so the child leaves RLIMIT_AS and RLIMIT_DATA
 * unset (and the parent, built alike, expects them so).
 */
#ifndef WARDEN_COMMON_SANITIZER_H
#define WARDEN_COMMON_SANITIZER_H

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif

#endif
