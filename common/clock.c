/*
 * clock.c - "now" for every rule, pinnable for tests and `gatewayctl tick`,
 * and the ISO 8601 / RFC 5322 conversions used in the CLI, logs and mail.
 */
#include "clock.h"

#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* 0 = follow the system clock.  Atomic so that reads from worker threads are
 * well defined even though the value is meant to be set before they start. */
static _Atomic int64_t pinned_now;

int64_t clock_now(void)
{
	int64_t t = atomic_load_explicit(&pinned_now, memory_order_relaxed);

	if (t != 0)
		return t;
	return (int64_t)time(NULL);
}

void clock_set(int64_t t)
{
	atomic_store_explicit(&pinned_now, t, memory_order_relaxed);
}

int64_t clock_monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Read exactly n decimal digits. */
static int digits(const char **sp, int n, int *r)
{
	const char *s = *sp;
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*sp = s + n;
	*r = v;
	return 0;
}

static int expect(const char **sp, char c)
{
	if (**sp != c)
		return -1;
	(*sp)++;
	return 0;
}

static int days_in_month(int year, int month)
{
	static const int days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;

	return month == 2 && leap ? 29 : days[month - 1];
}

static int parse_epoch(const char *s, int64_t *t_r)
{
	int neg = 0;
	int64_t v = 0;

	if (*s == '-') {
		neg = 1;
		s++;
	}
	if (*s == '\0')
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		if (v > (INT64_MAX - (*s - '0')) / 10)
			return -1;
		v = v * 10 + (*s - '0');
	}
	*t_r = neg ? -v : v;
	return 0;
}

int clock_parse(const char *s, int64_t *t_r)
{
	int year, mon, day, hour = 0, min = 0, sec = 0, off = 0;
	struct tm tm;
	time_t t;

	if (s == NULL)
		return -1;
	if (*s == '@')
		return parse_epoch(s + 1, t_r);

	if (digits(&s, 4, &year) < 0 || expect(&s, '-') < 0 ||
	    digits(&s, 2, &mon) < 0 || expect(&s, '-') < 0 ||
	    digits(&s, 2, &day) < 0)
		return -1;
	if (year < 1 || mon < 1 || mon > 12 || day < 1 ||
	    day > days_in_month(year, mon))
		return -1;

	if (*s == 'T') {
		s++;
		if (digits(&s, 2, &hour) < 0 || expect(&s, ':') < 0 ||
		    digits(&s, 2, &min) < 0)
			return -1;
		if (*s == ':') {
			s++;
			if (digits(&s, 2, &sec) < 0)
				return -1;
		}
		if (hour > 23 || min > 59 || sec > 59)
			return -1;
		/* A zone only makes sense after a time of day. */
		if (*s == 'Z') {
			s++;
		} else if (*s == '+' || *s == '-') {
			int sign = *s == '-' ? -1 : 1, oh, om;

			s++;
			if (digits(&s, 2, &oh) < 0 || expect(&s, ':') < 0 ||
			    digits(&s, 2, &om) < 0 || oh > 23 || om > 59)
				return -1;
			off = sign * (oh * 3600 + om * 60);
		}
	}
	if (*s != '\0')
		return -1;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = year - 1900;
	tm.tm_mon = mon - 1;
	tm.tm_mday = day;
	tm.tm_hour = hour;
	tm.tm_min = min;
	tm.tm_sec = sec;
	t = timegm(&tm);
	/* "local time = UTC + offset", so UTC = local - offset. */
	*t_r = (int64_t)t - off;
	return 0;
}

static int to_tm(int64_t t, struct tm *tm)
{
	time_t tt = (time_t)t;

	return gmtime_r(&tt, tm) != NULL && tm->tm_year + 1900 <= 9999 &&
		       tm->tm_year + 1900 >= 0
		       ? 0
		       : -1;
}

const char *clock_format(int64_t t, char buf[CLOCK_ISO_MAX])
{
	struct tm tm;

	if (to_tm(t, &tm) < 0) {
		snprintf(buf, CLOCK_ISO_MAX, "@%lld", (long long)t);
		return buf;
	}
	snprintf(buf, CLOCK_ISO_MAX, "%04d-%02d-%02dT%02d:%02d:%02dZ",
		 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		 tm.tm_min, tm.tm_sec);
	return buf;
}

const char *clock_format_rfc5322(int64_t t, char buf[CLOCK_RFC5322_MAX])
{
	/* Not strftime: %a and %b follow the locale, mail headers must not. */
	static const char wdays[7][4] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char months[12][4] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
					    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	struct tm tm;

	if (to_tm(t, &tm) < 0)
		to_tm(0, &tm);
	snprintf(buf, CLOCK_RFC5322_MAX, "%s, %02d %s %04d %02d:%02d:%02d +0000",
		 wdays[tm.tm_wday], tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900,
		 tm.tm_hour, tm.tm_min, tm.tm_sec);
	return buf;
}
