/*
 * test_away.c - the return date of an out-of-office reply (mta-hooks/away.c)
 * in English, French, German and Spanish, read as of the test clock
 * (common/clock.c pinned with clock_set()); dates in the past, impossible
 * dates, dates too far ahead and year-less dates; business days and the
 * day format of the staff note.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "away.h"
#include "clock.h"
#include "gw.h"

struct acase {
	const char *text;
	enum away_result want;
	const char *day; /* ISO, for AWAY_DATE and AWAY_CAPPED */
};

static int64_t at(const char *iso)
{
	int64_t t = 0;

	assert_int_equal(clock_parse(iso, &t), 0);
	return t;
}

static void run_table(const struct acase *cases, size_t n, const char *now_iso)
{
	clock_set(at(now_iso));
	for (size_t i = 0; i < n; i++) {
		char found[128], iso[AWAY_DAY_MAX];
		int64_t day = -1;
		enum away_result r = away_parse(cases[i].text, clock_now(), &day, found,
						sizeof(found));

		if (r != cases[i].want)
			fail_msg("case %zu \"%s\": %s, want %s (read \"%s\")", i, cases[i].text,
				 away_result_name(r), away_result_name(cases[i].want), found);
		if (cases[i].day != NULL && strcmp(away_format_iso(day, iso), cases[i].day) != 0)
			fail_msg("case %zu \"%s\": day %s, want %s (read \"%s\")", i, cases[i].text,
				 iso, cases[i].day, found);
	}
	clock_set(0);
}

/* Tuesday 1 December 2026, 09:00 UTC, for every language table. */
#define NOW "2026-12-01T09:00:00Z"

static void test_away_english(void **state)
{
	static const struct acase cases[] = {
		{ "I am out of the office until 12 December.", AWAY_DATE, "2026-12-12" },
		{ "Out of office until December 12th, 2026. For urgent matters call us.",
		  AWAY_DATE, "2026-12-12" },
		{ "I'm away till the 12th of December", AWAY_DATE, "2026-12-12" },
		{ "Away until Thu 12 Dec", AWAY_DATE, "2026-12-12" },
		/* back on a day: the day before is the last day away */
		{ "I will be back on Monday 14th.", AWAY_DATE, "2026-12-13" },
		{ "Back in the office on 14 December", AWAY_DATE, "2026-12-13" },
		{ "I'm off, back on Monday.", AWAY_DATE, "2026-12-06" },
		{ "on leave from 1 to 12 December", AWAY_DATE, "2026-12-12" },
		{ "AWAY UNTIL 2026-12-12", AWAY_DATE, "2026-12-12" },
		{ "Returning 2026-12-14", AWAY_DATE, "2026-12-13" },
		/* an hour is no date */
		{ "I am at a workshop until 5 pm today.", AWAY_NONE, NULL },
		{ "I am in meetings until 17:00.", AWAY_NONE, NULL },
		{ "I am on holiday with limited access to email.", AWAY_NONE, NULL },
	};

	(void)state;
	run_table(cases, GW_ARRAY_SIZE(cases), NOW);
}

static void test_away_french(void **state)
{
	static const struct acase cases[] = {
		{ "Je suis absente jusqu'au 12 d\xc3\xa9" "cembre inclus.", AWAY_DATE, "2026-12-12" },
		{ "Absent jusqu\xe2\x80\x99" "au 12/12/2026, merci.", AWAY_DATE, "2026-12-12" },
		{ "Je serai de retour le lundi 14 d\xc3\xa9" "cembre.", AWAY_DATE, "2026-12-13" },
		{ "En cong\xc3\xa9 du 1er au 12 d\xc3\xa9" "cembre 2026.", AWAY_DATE, "2026-12-12" },
		{ "JUSQU'AU 3 JANVIER", AWAY_DATE, "2027-01-03" },
		{ "Je suis en d\xc3\xa9placement, r\xc3\xa9ponse d\xc3\xa8s que possible.",
		  AWAY_NONE, NULL },
	};

	(void)state;
	run_table(cases, GW_ARRAY_SIZE(cases), NOW);
}

static void test_away_german(void **state)
{
	static const struct acase cases[] = {
		{ "Ich bin bis zum 12.12. nicht im B\xc3\xbcro.", AWAY_DATE, "2026-12-12" },
		{ "Abwesend bis einschlie\xc3\x9f" "lich 12. Dezember 2026", AWAY_DATE, "2026-12-12" },
		{ "Ab dem 14.12.2026 bin ich wieder erreichbar.", AWAY_DATE, "2026-12-13" },
		{ "Ich bin wieder am Montag, 14. Dezember im B\xc3\xbcro.", AWAY_DATE, "2026-12-13" },
		{ "Bis 3. J\xc3\xa4nner im Urlaub", AWAY_DATE, "2027-01-03" },
		{ "Ich bin heute bis 17 Uhr in Besprechungen.", AWAY_NONE, NULL },
	};

	(void)state;
	run_table(cases, GW_ARRAY_SIZE(cases), NOW);
}

static void test_away_spanish(void **state)
{
	static const struct acase cases[] = {
		{ "Estar\xc3\xa9 fuera de la oficina hasta el 12 de diciembre.", AWAY_DATE,
		  "2026-12-12" },
		{ "Estoy de vacaciones del 1 al 12 de diciembre de 2026.", AWAY_DATE, "2026-12-12" },
		{ "Estar\xc3\xa9 de vuelta el lunes 14 de diciembre.", AWAY_DATE, "2026-12-13" },
		{ "Regreso el 14/12/2026", AWAY_DATE, "2026-12-13" },
		{ "Gracias por su mensaje, le responder\xc3\xa9 pronto.", AWAY_NONE, NULL },
	};

	(void)state;
	run_table(cases, GW_ARRAY_SIZE(cases), NOW);
}

static void test_away_bad_dates(void **state)
{
	static const struct acase cases[] = {
		{ "until 31 February", AWAY_IMPOSSIBLE, NULL },
		{ "bis zum 31.02.2027", AWAY_IMPOSSIBLE, NULL },
		{ "hasta el 32 de enero", AWAY_IMPOSSIBLE, NULL },
		{ "until 12 December 2025", AWAY_PAST, NULL },
		{ "back on 1 December 2026", AWAY_PAST, NULL },
		/* years ahead: capped at 60 days from today */
		{ "until 12 December 2029", AWAY_CAPPED, "2027-01-30" },
		{ "jusqu'au 12 d\xc3\xa9" "cembre 2027", AWAY_CAPPED, "2027-01-30" },
		/* year-less: the next occurrence, which may be next year */
		{ "until 20 November", AWAY_CAPPED, "2027-01-30" },
		{ "until 29 February", AWAY_CAPPED, "2027-01-30" },
		{ "until 1 December", AWAY_DATE, "2026-12-01" },
		{ "until 30 November 2026", AWAY_PAST, NULL },
		/* the first phrase with a date decides */
		{ "until 31 February, back on 14 December", AWAY_IMPOSSIBLE, NULL },
		{ "", AWAY_NONE, NULL },
		{ "until \xff\xfe 12 December", AWAY_NONE, NULL },
	};

	(void)state;
	run_table(cases, GW_ARRAY_SIZE(cases), NOW);
}

/* The same text read on another day: the test clock decides. */
static void test_away_clock_moved(void **state)
{
	static const struct acase before[] = {
		{ "until 12 December", AWAY_DATE, "2026-12-12" },
		{ "back on Monday", AWAY_DATE, "2026-12-06" },
	};
	static const struct acase after[] = {
		{ "until 12 December", AWAY_CAPPED, "2027-02-18" },
		{ "until 12 December 2026", AWAY_PAST, NULL },
		{ "back on Monday", AWAY_DATE, "2026-12-20" },
		{ "until 12 January", AWAY_DATE, "2027-01-12" },
	};

	(void)state;
	run_table(before, GW_ARRAY_SIZE(before), NOW);
	/* Sunday 20 December 2026 */
	run_table(after, GW_ARRAY_SIZE(after), "2026-12-20T23:59:00Z");
}

static void test_away_days(void **state)
{
	char buf[AWAY_DAY_MAX];
	int64_t fri = away_day_from_civil(2026, 12, 11);
	int y, m, d;

	(void)state;
	assert_int_equal(away_weekday(fri), 5);
	assert_int_equal(away_next_business_day(fri), fri + 3);     /* Mon 14 */
	assert_int_equal(away_next_business_day(fri + 1), fri + 3); /* Sat -> Mon */
	assert_int_equal(away_next_business_day(fri - 1), fri);     /* Thu -> Fri */
	away_civil_from_day(away_day_from_civil(2028, 2, 29), &y, &m, &d);
	assert_true(y == 2028 && m == 2 && d == 29);
	assert_int_equal(away_day_from_civil(1970, 1, 1), 0);
	assert_string_equal(away_format_day(fri + 1, at(NOW), buf), "Sat 12 Dec");
	assert_string_equal(away_format_day(fri + 31, at(NOW), buf), "Mon 11 Jan 2027");
	assert_string_equal(away_format_iso(fri, buf), "2026-12-11");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_away_english),
		cmocka_unit_test(test_away_french),
		cmocka_unit_test(test_away_german),
		cmocka_unit_test(test_away_spanish),
		cmocka_unit_test(test_away_bad_dates),
		cmocka_unit_test(test_away_clock_moved),
		cmocka_unit_test(test_away_days),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
