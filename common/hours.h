/*
 * hours.h - business hours: the times at which reminders may go out
 * ([reminders] hours, days, timezone, holidays).
 *
 * Open on the listed weekdays that are not holidays, from the opening to
 * the closing time of the zone's wall clock; a day the clocks change is
 * an ordinary day (09:00 is 09:00 local, whatever the offset).  No hours
 * configured: always open.  Thread-safe once loaded (read-only).
 */
#ifndef GW_HOURS_H
#define GW_HOURS_H

#include <stdint.h>

struct gw_hours;

/* What [reminders] holds; hours NULL or "" = business hours are off. */
struct hours_settings {
	const char *hours;       /* "09:00-17:00" */
	const char *days;        /* "mon-fri", "mon,wed,fri", "mon-thu,sat" */
	const char *timezone;    /* "Europe/Paris"; NULL = UTC */
	const char *holidays;    /* file: one YYYY-MM-DD a line, # comments; NULL = none */
};

/*
 * Load the settings (and read the holiday file).  *hours_r is NULL when
 * business hours are off.  Returns 0, or -1 with *error_r (malloc'd)
 * naming the key, or the file and line, that is wrong.
 */
int hours_load(const struct hours_settings *set, struct gw_hours **hours_r, char **error_r);
void hours_free(struct gw_hours **hoursp);

/* The first moment at or after t when the business is open (t itself
 * when it is open at t, and always t when hours is NULL). */
int64_t hours_next_open(const struct gw_hours *hours, int64_t t);

/* Syntax checks of the config values, for the config loader: 0, or -1
 * with *why_r (malloc'd). */
int hours_parse_range(const char *text, int *open_min, int *close_min, char **why_r);
int hours_parse_days(const char *text, unsigned *mask, char **why_r);

#endif
