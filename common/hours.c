/*
 * hours.c - business hours (see hours.h).
 */
#include "hours.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "zone.h"

/* A year of holidays and weekends cannot hide every open day for longer. */
#define HOURS_SEARCH_DAYS 800

struct gw_hours {
	int open_min, close_min;   /* minutes after local midnight */
	unsigned days;             /* bit 0 Monday .. bit 6 Sunday */
	struct gw_zone *zone;
	int64_t *holidays;         /* days since 1970-01-01, sorted */
	size_t n_holidays;
};

static int cmp_day(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

static int valid_date(int y, int m, int d)
{
	static const int mdays[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return y >= 1970 && y <= 9999 && m >= 1 && m <= 12 && d >= 1 &&
	       d <= mdays[m - 1] + (m == 2 && leap);
}

static int load_holidays(struct gw_hours *h, const char *file, char **error_r)
{
	FILE *f = fopen(file, "r");
	char line[256];
	size_t cap = 0;
	int lineno = 0;

	if (f == NULL) {
		*error_r = xasprintf("[reminders] holidays: %s: %s", file, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		char *s = line, *e;
		int y, m, d, used = 0;

		lineno++;
		if (strchr(line, '\n') == NULL && !feof(f)) {
			*error_r = xasprintf("%s:%d: line too long", file, lineno);
			fclose(f);
			return -1;
		}
		while (*s == ' ' || *s == '\t')
			s++;
		e = s + strcspn(s, "#\r\n");
		while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		*e = '\0';
		if (*s == '\0')
			continue;
		if (strlen(s) != 10 || sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d, &used) != 3 ||
		    used != 10 || s[4] != '-' || s[7] != '-' || !valid_date(y, m, d)) {
			*error_r = xasprintf("%s:%d: \"%s\" is not a date (one YYYY-MM-DD a line, "
					     "# for comments)", file, lineno, s);
			fclose(f);
			return -1;
		}
		if (h->n_holidays == cap) {
			cap = cap != 0 ? cap * 2 : 32;
			h->holidays = xrealloc(h->holidays, cap * sizeof(*h->holidays));
		}
		h->holidays[h->n_holidays++] = zone_days_from_civil(y, m, d);
	}
	fclose(f);
	if (h->n_holidays > 0)
		qsort(h->holidays, h->n_holidays, sizeof(*h->holidays), cmp_day);
	return 0;
}

int hours_load(const struct hours_settings *set, struct gw_hours **hours_r, char **error_r)
{
	struct gw_hours *h;
	char *why = NULL;

	*hours_r = NULL;
	if (set->hours == NULL || *set->hours == '\0')
		return 0;
	h = xcalloc(1, sizeof(*h));
	if (hours_parse_range(set->hours, &h->open_min, &h->close_min, &why) < 0) {
		*error_r = xasprintf("[reminders] hours: %s", why);
		goto fail;
	}
	if (hours_parse_days(set->days != NULL && *set->days != '\0' ? set->days : "mon-fri",
			     &h->days, &why) < 0) {
		*error_r = xasprintf("[reminders] days: %s", why);
		goto fail;
	}
	if (zone_open(set->timezone, &h->zone, &why) < 0) {
		*error_r = xasprintf("[reminders] timezone: %s", why);
		goto fail;
	}
	if (set->holidays != NULL && *set->holidays != '\0' &&
	    load_holidays(h, set->holidays, error_r) < 0)
		goto fail;
	*hours_r = h;
	return 0;
fail:
	free(why);
	hours_free(&h);
	return -1;
}

void hours_free(struct gw_hours **hoursp)
{
	if (hoursp == NULL || *hoursp == NULL)
		return;
	zone_close(&(*hoursp)->zone);
	free((*hoursp)->holidays);
	free(*hoursp);
	*hoursp = NULL;
}

static int is_holiday(const struct gw_hours *h, int64_t day)
{
	return h->n_holidays > 0 &&
	       bsearch(&day, h->holidays, h->n_holidays, sizeof(day), cmp_day) != NULL;
}

int64_t hours_next_open(const struct gw_hours *h, int64_t t)
{
	struct zone_tm tm;

	if (h == NULL)
		return t;
	zone_local(h->zone, t, &tm);
	int64_t day = zone_days_from_civil(tm.year, tm.month, tm.day);

	for (int i = 0; i < HOURS_SEARCH_DAYS; i++, day++) {
		int y, m, d;
		int wday = (int)(((day % 7) + 7 + 3) % 7);

		if (!(h->days & (1u << wday)) || is_holiday(h, day))
			continue;
		zone_civil_from_days(day, &y, &m, &d);
		int64_t open = zone_time(h->zone, y, m, d, h->open_min / 60, h->open_min % 60);
		int64_t close = zone_time(h->zone, y, m, d, h->close_min / 60, h->close_min % 60);

		if (t < open)
			return open;
		if (t < close)
			return t;
	}
	/* no open moment for years: holidays cover every working day */
	return t;
}
