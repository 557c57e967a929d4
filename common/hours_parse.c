/*
 * hours_parse.c - the syntax of [reminders] hours and days (hours.h), in
 * gw_common so that the config loader checks them without the time zone
 * code (GLib), which only the programs that send reminders link.
 */
#include "hours.h"

#include <string.h>
#include <strings.h>

#include "buf.h"

static const char *const day_names[7] = { "mon", "tue", "wed", "thu", "fri", "sat", "sun" };

static int parse_hhmm(const char *s, size_t n, int *min_r)
{
	int h, m;

	if (n != 5 || s[2] != ':' || s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9' ||
	    s[3] < '0' || s[3] > '9' || s[4] < '0' || s[4] > '9')
		return -1;
	h = (s[0] - '0') * 10 + (s[1] - '0');
	m = (s[3] - '0') * 10 + (s[4] - '0');
	if (m > 59 || h > 24 || (h == 24 && m != 0))
		return -1;
	*min_r = h * 60 + m;
	return 0;
}

int hours_parse_range(const char *text, int *open_min, int *close_min, char **why_r)
{
	const char *dash = strchr(text, '-');

	if (dash == NULL || parse_hhmm(text, (size_t)(dash - text), open_min) < 0 ||
	    parse_hhmm(dash + 1, strlen(dash + 1), close_min) < 0) {
		*why_r = xasprintf("\"%s\" is not a range of times like 09:00-17:00", text);
		return -1;
	}
	if (*close_min <= *open_min) {
		*why_r = xasprintf("\"%s\": the closing time must come after the opening time", text);
		return -1;
	}
	return 0;
}

static int day_index(const char *s, size_t n)
{
	for (int i = 0; i < 7; i++)
		if (n == 3 && strncasecmp(s, day_names[i], 3) == 0)
			return i;
	return -1;
}

int hours_parse_days(const char *text, unsigned *mask, char **why_r)
{
	const char *p = text;

	*mask = 0;
	while (*p != '\0') {
		const char *end = strchr(p, ',');
		size_t n = end != NULL ? (size_t)(end - p) : strlen(p);
		const char *dash;
		int a, b;

		while (n > 0 && *p == ' ')
			p++, n--;
		while (n > 0 && p[n - 1] == ' ')
			n--;
		dash = memchr(p, '-', n);
		a = day_index(p, dash != NULL ? (size_t)(dash - p) : n);
		b = dash != NULL ? day_index(dash + 1, (size_t)(p + n - dash - 1)) : a;
		if (a < 0 || b < 0) {
			*why_r = xasprintf("\"%s\" is not a list of days like mon-fri or "
					   "mon,wed,fri (mon tue wed thu fri sat sun)", text);
			return -1;
		}
		/* "fri-mon" wraps over the weekend */
		for (int i = a;; i = (i + 1) % 7) {
			*mask |= 1u << i;
			if (i == b)
				break;
		}
		p += (end != NULL ? (size_t)(end - p) + 1 : strlen(p));
	}
	if (*mask == 0) {
		*why_r = xasprintf("\"%s\" names no day", text);
		return -1;
	}
	return 0;
}

