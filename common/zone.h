/*
 * zone.h - wall-clock time in a named time zone of the tz database
 * ("Europe/Paris"), safe to use from any thread.
 *
 * setenv("TZ") and localtime_r() would make the zone one per process and
 * changing it is not thread-safe; so a zone is an object of its own:
 * GLib's GTimeZone, which reads the zone's TZif file (transitions, and
 * the POSIX rule that gives the years after the table), never changes
 * once loaded and may be shared between threads.  Open a zone once (at
 * start-up, or per reader) and pass it around.
 *
 * Times are Unix seconds; local dates and times are the zone's wall clock.
 */
#ifndef GW_ZONE_H
#define GW_ZONE_H

#include <stdint.h>

struct gw_zone;

/* A local moment, broken down. */
struct zone_tm {
	int year, month, day;      /* month 1-12, day 1-31 */
	int hour, minute, second;
	int wday;                  /* 0 Monday .. 6 Sunday (ISO 8601 order) */
	int utc_offset;            /* seconds east of UTC at that moment */
};

/*
 * Open the zone named name ("Europe/Paris", "UTC").  Returns 0, or -1
 * with *error_r (malloc'd) naming it when the tz database has no such
 * zone.  zone_close() accepts NULL and clears the caller's pointer.
 */
int zone_open(const char *name, struct gw_zone **zone_r, char **error_r);
void zone_close(struct gw_zone **zonep);
/* The name it was opened with. */
const char *zone_name(const struct gw_zone *zone);

/* The zone's wall clock at t. */
void zone_local(const struct gw_zone *zone, int64_t t, struct zone_tm *tm);

/*
 * The Unix time of a wall-clock time on a date.  A time that the clocks
 * skip (a spring-forward gap) is the moment they jump to; a time that
 * happens twice (autumn) is its first occurrence.
 */
int64_t zone_time(const struct gw_zone *zone, int year, int month, int day, int hour,
		  int minute);

/* Days since 1970-01-01 of a civil date, and back (proleptic Gregorian). */
int64_t zone_days_from_civil(int year, int month, int day);
void zone_civil_from_days(int64_t days, int *year, int *month, int *day);

#endif
