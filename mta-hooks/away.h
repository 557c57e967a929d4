/*
 * away.h - the return date of an out-of-office reply, read from its text.
 *
 * away_parse() looks for a date right after a phrase that introduces one,
 * in English, French, German and Spanish:
 *   until / till / through / to, back on / returning / return on ...
 *   bis (zum) / bis einschließlich, wieder am / zurück am / ab (dem) ...
 *   jusqu'au / au, retour le / de retour le / à partir du ...
 *   hasta (el) / al, regreso el / de vuelta el / a partir del ...
 * followed, after weekday names and small words ("the", "le", "el", "am"),
 * by one of: "12 December", "December 12th", "12th of December",
 * "12. Dezember", "1er décembre", "12 de diciembre (de 2026)",
 * "12.12.(2026)", "12/12(/2026)", "2026-12-12", a day alone ("Monday 14th":
 * the next 14th) or a weekday alone ("back on Monday": the next Monday).
 * Text is compared casefolded and without accents.
 *
 * The result is the last day away: "until 12 December" is the 12th, "back
 * on 14 December" the 13th.  Dates are calendar days (UTC), counted as
 * days since 1970-01-01.
 *
 * Year-less dates take their next occurrence on or after today.  A date
 * before today is AWAY_PAST, an impossible one ("31 February") is
 * AWAY_IMPOSSIBLE; a date more than AWAY_MAX_DAYS ahead is cut to today +
 * AWAY_MAX_DAYS and reported AWAY_CAPPED.  The first phrase followed by a
 * date decides.  Pure functions: no clock, no allocation that outlives a
 * call, safe in any thread.
 */
#ifndef GW_AWAY_H
#define GW_AWAY_H

#include <stddef.h>
#include <stdint.h>

#define AWAY_MAX_DAYS 60

enum away_result {
	AWAY_NONE = 0,   /* no return date found */
	AWAY_DATE,       /* *day_r is the last day away */
	AWAY_CAPPED,     /* too far ahead: *day_r is today + AWAY_MAX_DAYS */
	AWAY_PAST,       /* the date is before today: no date */
	AWAY_IMPOSSIBLE, /* no such day ("31 February"): no date */
};

/* "none", "date", "capped", "past", "impossible". */
const char *away_result_name(enum away_result r);

/*
 * Read TEXT (UTF-8) as of NOW (Unix seconds).  *day_r is set for
 * AWAY_DATE and AWAY_CAPPED.  FOUND (size bytes, may be NULL) receives
 * the words that were read as a date, for the log.
 */
enum away_result away_parse(const char *text, int64_t now, int64_t *day_r, char *found,
			    size_t size);

/* Days since 1970-01-01 from a civil date and back (proleptic Gregorian). */
int64_t away_day_from_civil(int year, int month, int day);
void away_civil_from_day(int64_t days, int *year_r, int *month_r, int *day_r);

/* 0 = Sunday ... 6 = Saturday. */
int away_weekday(int64_t days);

/* The first Monday-to-Friday day after DAY. */
int64_t away_next_business_day(int64_t day);

/* "Thu 12 Dec" (and " 2027" when not in the year of NOW); buf of 32. */
#define AWAY_DAY_MAX 32
const char *away_format_day(int64_t day, int64_t now, char buf[AWAY_DAY_MAX]);

/* "2026-12-12"; buf of AWAY_DAY_MAX. */
const char *away_format_iso(int64_t day, char buf[AWAY_DAY_MAX]);

#endif
