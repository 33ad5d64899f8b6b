/*
 * now.h - the supervisor's clock: deadlines, delays and heartbeats are
 * counted in milliseconds of CLOCK_MONOTONIC, which no one can set.
 */
#ifndef WARDEN_PARENT_NOW_H
#define WARDEN_PARENT_NOW_H

#include "common/clock.h"

#include <stdint.h>

static inline uint64_t now_ms(void)
{
	return clock_monotonic_ns() / 1000000u;
}

#endif
