/*
 * test_hours.c - time zones (common/zone.c) and business hours
 * (common/hours.c): the next open moment around the changes of Europe/Paris
 * (last Sunday of March and of October), weekends, holidays, and the
 * errors of each setting.  Needs the tz database (tzdata): skipped without.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "buf.h"
#include "gw.h"
#include "hours.h"
#include "zone.h"

#define PARIS_HOURS { "09:00-17:00", "mon-fri", "Europe/Paris", NULL }

static void test_zone_offsets_around_dst(void **state)
{
	static const struct {
		int64_t t;
		int hour, offset, wday;
	} cases[] = {
		{ 1774598400, 9, 3600, 4 },   /* 2026-03-27 09:00 CET, Friday */
		{ 1774744200, 1, 3600, 6 },   /* 2026-03-29 01:30 CET, Sunday */
		{ 1774746000, 3, 7200, 6 },   /* 2026-03-29 03:00 CEST: the jump */
		{ 1774854000, 9, 7200, 0 },   /* 2026-03-30 09:00 CEST, Monday */
		{ 1792888200, 2, 7200, 6 },   /* 2026-10-25 02:30 CEST, the first */
		{ 1793001600, 9, 3600, 0 },   /* 2026-10-26 09:00 CET */
	};
	struct gw_zone *z = NULL;
	char *err = NULL;

	(void)state;
	if (zone_open("Europe/Paris", &z, &err) < 0)
		fail_msg("zone_open: %s", err);
	assert_string_equal(zone_name(z), "Europe/Paris");
	for (size_t i = 0; i < GW_ARRAY_SIZE(cases); i++) {
		struct zone_tm tm;

		zone_local(z, cases[i].t, &tm);
		if (tm.hour != cases[i].hour || tm.utc_offset != cases[i].offset ||
		    tm.wday != cases[i].wday)
			fail_msg("case %zu: %02d h, offset %d, day %d", i, tm.hour, tm.utc_offset,
				 tm.wday);
	}
	/* wall clock to time: ordinary, skipped (the jump), repeated (the first) */
	assert_int_equal(zone_time(z, 2026, 3, 27, 9, 0), 1774598400);
	assert_int_equal(zone_time(z, 2026, 3, 30, 9, 0), 1774854000);
	assert_int_equal(zone_time(z, 2026, 3, 29, 2, 30), 1774746000);
	assert_int_equal(zone_time(z, 2026, 10, 25, 2, 30), 1792888200);
	assert_int_equal(zone_time(z, 2026, 10, 26, 9, 0), 1793001600);
	zone_close(&z);
	assert_null(z);
	zone_close(&z);
}

static void test_zone_unknown(void **state)
{
	struct gw_zone *z = NULL;
	char *err = NULL;

	(void)state;
	assert_int_equal(zone_open("Mars/Olympus_Mons", &z, &err), -1);
	assert_null(z);
	assert_non_null(strstr(err, "\"Mars/Olympus_Mons\" is not a time zone"));
	free(err);
}

/* The next open moment, with the clock moved across both changes. */
static void test_hours_next_open_around_dst(void **state)
{
	static const struct {
		int64_t t, want;
		const char *what;
	} cases[] = {
		{ 1774598399, 1774598400, "Fri 08:59:59 CET: at 09:00" },
		{ 1774598400, 1774598400, "Fri 09:00 CET: open" },
		{ 1774627200, 1774854000, "Fri 17:00 CET: Monday 09:00 CEST" },
		{ 1774699200, 1774854000, "Sat: Monday 09:00 CEST" },
		{ 1774744200, 1774854000, "Sun before the jump: Monday 09:00 CEST" },
		{ 1774854000, 1774854000, "Mon 09:00 CEST: open" },
		{ 1774882740, 1774882740, "Mon 16:59 CEST: open" },
		{ 1774882800, 1774940400, "Mon 17:00 CEST: Tuesday 09:00" },
		{ 1792767600, 1793001600, "Fri 17:00 CEST: Monday 09:00 CET" },
		{ 1792888200, 1793001600, "Sun 02:30 CEST, the hour repeated: Monday" },
		{ 1792999800, 1793001600, "Mon 08:30 CET: 09:00 CET" },
	};
	struct hours_settings set = PARIS_HOURS;
	struct gw_hours *h = NULL;
	char *err = NULL;

	(void)state;
	if (hours_load(&set, &h, &err) < 0)
		fail_msg("hours_load: %s", err);
	for (size_t i = 0; i < GW_ARRAY_SIZE(cases); i++) {
		int64_t got = hours_next_open(h, cases[i].t);

		if (got != cases[i].want)
			fail_msg("case %zu (%s): %lld, want %lld", i, cases[i].what,
				 (long long)got, (long long)cases[i].want);
	}
	hours_free(&h);
	assert_null(h);
}

static char *write_file(const char *text)
{
	char *path = xstrdup("/tmp/gw-holidays-XXXXXX");
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

static void test_hours_holidays(void **state)
{
	char *file = write_file("# firm holidays\n2026-12-25\n\n  2026-12-28   # Monday\n");
	struct hours_settings set = PARIS_HOURS;
	struct gw_hours *h = NULL;
	char *err = NULL;

	(void)state;
	set.holidays = file;
	if (hours_load(&set, &h, &err) < 0)
		fail_msg("hours_load: %s", err);
	/* Thu 24 Dec 17:30 CET: not Friday 25, not the weekend, not Monday 28 */
	assert_int_equal(hours_next_open(h, 1798129800), 1798531200);
	hours_free(&h);
	unlink(file);
	free(file);
}

/* Bad settings: refused, naming the key, or the file and its line. */
static void test_hours_errors(void **state)
{
	static const struct {
		const char *hours, *days, *tz, *holidays, *want;
	} cases[] = {
		{ "9-17", NULL, NULL, NULL, "[reminders] hours: \"9-17\" is not a range of times" },
		{ "17:00-09:00", NULL, NULL, NULL,
		  "[reminders] hours: \"17:00-09:00\": the closing time must come after" },
		{ "09:00-17:00", "mon-funday", NULL, NULL,
		  "[reminders] days: \"mon-funday\" is not a list of days" },
		{ "09:00-17:00", NULL, "Europe/Atlantis", NULL,
		  "[reminders] timezone: \"Europe/Atlantis\" is not a time zone" },
		{ "09:00-17:00", NULL, NULL, "2026-01-01\n2026-05-01\n2026-02-30\n",
		  ":3: \"2026-02-30\" is not a date (one YYYY-MM-DD a line" },
		{ "09:00-17:00", NULL, NULL, "2026-01-01\n1 May\n", ":2: \"1 May\" is not a date" },
		{ "09:00-17:00", NULL, NULL, "", NULL },
	};

	(void)state;
	for (size_t i = 0; i < GW_ARRAY_SIZE(cases); i++) {
		struct hours_settings set = { cases[i].hours, cases[i].days, cases[i].tz, NULL };
		struct gw_hours *h = NULL;
		char *err = NULL, *file = NULL;
		int rc;

		if (cases[i].holidays != NULL)
			set.holidays = file = write_file(cases[i].holidays);
		rc = hours_load(&set, &h, &err);
		if (cases[i].want == NULL) {
			if (rc != 0)
				fail_msg("case %zu: %s", i, err);
		} else if (rc != -1 || strstr(err, cases[i].want) == NULL) {
			fail_msg("case %zu: got \"%s\", want \"%s\"", i, err != NULL ? err : "ok",
				 cases[i].want);
		}
		/* the file is named in its errors */
		if (file != NULL && err != NULL && strncmp(err, file, strlen(file)) != 0)
			fail_msg("case %zu: \"%s\" does not name %s", i, err, file);
		hours_free(&h);
		free(err);
		if (file != NULL)
			unlink(file);
		free(file);
	}
	/* a holiday file that is not there */
	struct hours_settings set = { "09:00-17:00", NULL, NULL, "/nonexistent/holidays" };
	struct gw_hours *h = NULL;
	char *err = NULL;

	assert_int_equal(hours_load(&set, &h, &err), -1);
	assert_non_null(strstr(err, "[reminders] holidays: /nonexistent/holidays: "));
	free(err);
}

/* Off: always open, whatever the time. */
static void test_hours_off(void **state)
{
	struct hours_settings set = { NULL, "mon-fri", "Europe/Paris", NULL };
	struct gw_hours *h = (struct gw_hours *)1;
	char *err = NULL;

	(void)state;
	assert_int_equal(hours_load(&set, &h, &err), 0);
	assert_null(h);
	assert_int_equal(hours_next_open(NULL, 1774699200), 1774699200);
}

static void test_hours_days_syntax(void **state)
{
	static const struct {
		const char *text;
		unsigned mask;
	} cases[] = {
		{ "mon-fri", 0x1f }, { "Mon,Wed,Fri", 0x15 }, { "sat", 0x20 },
		{ "fri-mon", 0x71 }, { "mon-thu, sat", 0x2f },
	};

	(void)state;
	for (size_t i = 0; i < GW_ARRAY_SIZE(cases); i++) {
		unsigned mask = 0;
		char *why = NULL;

		if (hours_parse_days(cases[i].text, &mask, &why) < 0 || mask != cases[i].mask)
			fail_msg("case %zu (%s): mask %#x %s", i, cases[i].text, mask,
				 why != NULL ? why : "");
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_zone_offsets_around_dst),
		cmocka_unit_test(test_zone_unknown),
		cmocka_unit_test(test_hours_next_open_around_dst),
		cmocka_unit_test(test_hours_holidays),
		cmocka_unit_test(test_hours_errors),
		cmocka_unit_test(test_hours_off),
		cmocka_unit_test(test_hours_days_syntax),
	};

	if (access("/usr/share/zoneinfo/Europe/Paris", R_OK) != 0) {
		printf("skipped: no tz database (/usr/share/zoneinfo/Europe/Paris; install tzdata)\n");
		return 77;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
