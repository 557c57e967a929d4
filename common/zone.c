/*
 * zone.c - time zones through GLib's GTimeZone (see zone.h for why not
 * setenv("TZ")).
 */
#include "zone.h"

#include <glib.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

struct gw_zone {
	GTimeZone *tz;
	char *name;
};

int zone_open(const char *name, struct gw_zone **zone_r, char **error_r)
{
	GTimeZone *tz;

	*zone_r = NULL;
	if (name == NULL || *name == '\0')
		name = "UTC";
	/* g_time_zone_new_identifier() reads the tz database; NULL for a
	 * name it does not hold (g_time_zone_new() would fall back to UTC). */
	tz = g_time_zone_new_identifier(name);
	if (tz == NULL) {
		*error_r = xasprintf("\"%s\" is not a time zone of the tz database "
				     "(e.g. Europe/Paris, UTC)", name);
		return -1;
	}
	*zone_r = xcalloc(1, sizeof(**zone_r));
	(*zone_r)->tz = tz;
	(*zone_r)->name = xstrdup(name);
	return 0;
}

void zone_close(struct gw_zone **zonep)
{
	if (zonep == NULL || *zonep == NULL)
		return;
	g_time_zone_unref((*zonep)->tz);
	free((*zonep)->name);
	free(*zonep);
	*zonep = NULL;
}

const char *zone_name(const struct gw_zone *zone)
{
	return zone->name;
}

void zone_local(const struct gw_zone *zone, int64_t t, struct zone_tm *tm)
{
	gint32 interval = g_time_zone_find_interval(zone->tz, G_TIME_TYPE_UNIVERSAL, t);
	int32_t off = g_time_zone_get_offset(zone->tz, interval >= 0 ? interval : 0);
	int64_t local = t + off;
	int64_t days = local >= 0 ? local / 86400 : -((-local + 86399) / 86400);
	int64_t secs = local - days * 86400;

	memset(tm, 0, sizeof(*tm));
	zone_civil_from_days(days, &tm->year, &tm->month, &tm->day);
	tm->hour = (int)(secs / 3600);
	tm->minute = (int)(secs / 60 % 60);
	tm->second = (int)(secs % 60);
	/* 1970-01-01 was a Thursday (3 in ISO order from Monday = 0) */
	tm->wday = (int)(((days % 7) + 7 + 3) % 7);
	tm->utc_offset = off;
}

int64_t zone_time(const struct gw_zone *zone, int year, int month, int day, int hour,
		  int minute)
{
	gint64 wall = (gint64)zone_days_from_civil(year, month, day) * 86400 +
		      (gint64)hour * 3600 + (gint64)minute * 60;
	gint64 adjusted = wall;
	/* Adjusts a time in a gap forward to the end of the gap, and takes
	 * the first of two for a repeated time (GLib's documented rules). */
	gint32 interval = g_time_zone_adjust_time(zone->tz, G_TIME_TYPE_DAYLIGHT, &adjusted);
	int32_t off = g_time_zone_get_offset(zone->tz, interval >= 0 ? interval : 0);

	if (adjusted != wall)
		return adjusted - off;
	/* not in a gap: of the two readings of a repeated hour, the first */
	gint32 std = g_time_zone_find_interval(zone->tz, G_TIME_TYPE_STANDARD, wall);
	gint32 dst = g_time_zone_find_interval(zone->tz, G_TIME_TYPE_DAYLIGHT, wall);
	int64_t best = wall - off;

	if (std >= 0) {
		int64_t t = wall - g_time_zone_get_offset(zone->tz, std);
		best = t < best ? t : best;
	}
	if (dst >= 0) {
		int64_t t = wall - g_time_zone_get_offset(zone->tz, dst);
		best = t < best ? t : best;
	}
	return best;
}

/* Howard Hinnant's days_from_civil and civil_from_days. */
int64_t zone_days_from_civil(int year, int month, int day)
{
	int64_t y = (int64_t)year - (month <= 2);
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + doe - 719468;
}

void zone_civil_from_days(int64_t days, int *year, int *month, int *day)
{
	int64_t z = days + 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t y = yoe + era * 400;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	int64_t d = doy - (153 * mp + 2) / 5 + 1;
	int64_t m = mp + (mp < 10 ? 3 : -9);

	*year = (int)(y + (m <= 2));
	*month = (int)m;
	*day = (int)d;
}
