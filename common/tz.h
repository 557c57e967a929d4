/*
 * tz.h - time zones by IANA name ("Europe/Paris"): UTC to local time, and
 * whether a name is a zone.
 *
 * Thread-safe and without setenv("TZ"): every call converts with a
 * calendar of its own (ICU's, whose zone data is built into libicu, so a
 * machine without tzdata still converts).  Daylight saving time follows
 * the zone's rules for that instant: the hour that repeats in autumn is
 * given with the offset that held at that instant.
 */
#ifndef GW_TZ_H
#define GW_TZ_H

#include <stdint.h>

struct tz_local {
	int year;
	int month;          /* 1..12 */
	int day;            /* 1..31 */
	int hour, minute, second;
	int weekday;        /* 0 = Sunday */
	int32_t utc_offset; /* seconds east of UTC, DST included */
	int is_dst;
	char abbrev[16];    /* "CET", "EST", "GMT+1": the short English name */
};

/* 1 when zone is a known zone name ("UTC", "Europe/Paris"), else 0. */
int tz_valid(const char *zone);

/* utc (Unix seconds) in zone: 0, or -1 with *error_r (malloc'd) for an
 * unknown zone. */
int tz_local(const char *zone, int64_t utc, struct tz_local *out, char **error_r);

#endif
