/*
 * tz.c - time zones with ICU's calendar (see tz.h).
 */
#include "tz.h"

#include <stdio.h>
#include <string.h>

#include <unicode/ucal.h>
#include <unicode/ustring.h>

#include "buf.h"

static int zone_uchars(const char *zone, UChar *out, int32_t size)
{
	size_t n = zone != NULL ? strlen(zone) : 0;

	if (n == 0 || n >= (size_t)size)
		return -1;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)zone[i];
		/* zone names are ASCII: letters, digits, "/_-+" */
		if (c < 0x21 || c > 0x7e)
			return -1;
		out[i] = (UChar)c;
	}
	out[n] = 0;
	return 0;
}

int tz_valid(const char *zone)
{
	UChar z[80], canon[80];
	UBool system = 0;
	UErrorCode st = U_ZERO_ERROR;

	if (zone_uchars(zone, z, 80) < 0)
		return 0;
	ucal_getCanonicalTimeZoneID(z, -1, canon, 80, &system, &st);
	return U_SUCCESS(st) && system;
}

int tz_local(const char *zone, int64_t utc, struct tz_local *out, char **error_r)
{
	UChar z[80], name[32];
	UErrorCode st = U_ZERO_ERROR;
	UCalendar *cal;
	int32_t len;

	memset(out, 0, sizeof(*out));
	if (!tz_valid(zone)) {
		*error_r = xasprintf("\"%s\" is not a time zone", zone != NULL ? zone : "");
		return -1;
	}
	zone_uchars(zone, z, 80);
	/* Gregorian whatever the default locale: "@calendar=gregorian". */
	cal = ucal_open(z, -1, "en_US@calendar=gregorian", UCAL_GREGORIAN, &st);
	if (U_FAILURE(st)) {
		*error_r = xasprintf("time zone \"%s\": %s", zone, u_errorName(st));
		return -1;
	}
	ucal_setMillis(cal, (UDate)utc * 1000.0, &st);
	out->year = ucal_get(cal, UCAL_EXTENDED_YEAR, &st);
	out->month = ucal_get(cal, UCAL_MONTH, &st) + 1;
	out->day = ucal_get(cal, UCAL_DATE, &st);
	out->hour = ucal_get(cal, UCAL_HOUR_OF_DAY, &st);
	out->minute = ucal_get(cal, UCAL_MINUTE, &st);
	out->second = ucal_get(cal, UCAL_SECOND, &st);
	out->weekday = ucal_get(cal, UCAL_DAY_OF_WEEK, &st) - UCAL_SUNDAY;
	out->utc_offset = (ucal_get(cal, UCAL_ZONE_OFFSET, &st) +
			   ucal_get(cal, UCAL_DST_OFFSET, &st)) / 1000;
	out->is_dst = ucal_inDaylightTime(cal, &st) ? 1 : 0;
	len = ucal_getTimeZoneDisplayName(cal, out->is_dst ? UCAL_SHORT_DST : UCAL_SHORT_STANDARD,
					  "en", name, 32, &st);
	if (U_SUCCESS(st) && len > 0)
		u_austrncpy(out->abbrev, name, (int32_t)sizeof(out->abbrev) - 1);
	ucal_close(cal);
	if (U_FAILURE(st)) {
		*error_r = xasprintf("time zone \"%s\": %s", zone, u_errorName(st));
		return -1;
	}
	return 0;
}
