/*
 * clock.h - time as both processes read it: nanoseconds in a uint64_t.
 *
 * The clocks are read through the vDSO, which makes no system call, so the
 * child may read them after lockdown. The civil date is computed here
 * rather than with gmtime_r, whose first call reads the time zone files
 * that the sandbox forbids (the log's RFC 3339 stamps, HTTP's Date).
 */
#ifndef WARDEN_COMMON_CLOCK_H
#define WARDEN_COMMON_CLOCK_H

#include <stdint.h>

#define CLOCK_NS_PER_SEC 1000000000ull

/* CLOCK_REALTIME and CLOCK_MONOTONIC. 0 if the clock cannot be read or is
 * before 1970; UINT64_MAX past the year 2554 (saturated, never wrapped). */
uint64_t clock_realtime_ns(void);
uint64_t clock_monotonic_ns(void);

/* CLOCK_MONOTONIC in milliseconds: the parent's deadlines, delays and
 * heartbeats, which no one can move by setting the clock. */
uint64_t clock_monotonic_ms(void);

struct clock_date {
	unsigned year;  /* 1970 .. */
	unsigned month; /* 1 .. 12 */
	unsigned day;   /* 1 .. 31 */
};

/* The date `days` days after 1970-01-01. */
struct clock_date clock_date_from_days(uint64_t days);

#endif
