/*
 * clock.c - see clock.h.
 */
#include "clock.h"

#include <time.h>

static uint64_t read_ns(clockid_t id)
{
	struct timespec ts;
	if (clock_gettime(id, &ts) != 0 || ts.tv_sec < 0)
		return 0;
	if ((uint64_t)ts.tv_sec >= UINT64_MAX / CLOCK_NS_PER_SEC)
		return UINT64_MAX;
	return (uint64_t)ts.tv_sec * CLOCK_NS_PER_SEC + (uint64_t)ts.tv_nsec;
}

uint64_t clock_realtime_ns(void)
{
	return read_ns(CLOCK_REALTIME);
}

uint64_t clock_monotonic_ns(void)
{
	return read_ns(CLOCK_MONOTONIC);
}

uint64_t clock_monotonic_ms(void)
{
	return clock_monotonic_ns() / 1000000u;
}

/* Howard Hinnant's civil_from_days, for days since 1970-01-01 (never
 * negative here: times are unsigned). */
struct clock_date clock_date_from_days(uint64_t days)
{
	uint64_t z = days + 719468;      /* days since 0000-03-01 */
	uint64_t era = z / 146097;       /* 400-year eras */
	uint64_t doe = z - era * 146097; /* [0, 146096] */
	uint64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; /* [0, 399] */
	uint64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);               /* [0, 365] */
	uint64_t mp = (5 * doy + 2) / 153; /* [0, 11], March first */
	struct clock_date d;
	d.day = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
	d.month = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
	d.year = (unsigned)(yoe + era * 400 + (d.month <= 2));
	return d;
}
