/*
 * test_i18n.c - the reader's language per thread, plural forms, dates in a
 * language and zone, and time zones around daylight saving changes.
 *
 * The catalogs are the build's own (build/locale, compiled from po/).
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "i18n.h"
#include "tz.h"

/* 2026-12-06 08:11:00 UTC */
#define DEC6 INT64_C(1796544660)

static int setup(void **state)
{
	char *err = NULL;

	(void)state;
	if (i18n_init(&err) < 0)
		fail_msg("i18n_init: %s", err);
	i18n_defaults("en", "UTC");
	i18n_reader_reset();
	return 0;
}

static void test_i18n_languages_of_the_build(void **state)
{
	(void)state;
	assert_true(i18n_lang_valid("en"));
	assert_true(i18n_lang_valid("fr"));
	assert_false(i18n_lang_valid("xx"));
	assert_false(i18n_lang_valid(""));
	assert_false(i18n_lang_valid(NULL));
	assert_string_equal(i18n_lang_canonical("FR_fr.UTF-8"), "fr");
	assert_null(i18n_lang_canonical("de"));
	assert_string_equal(i18n_lang_name("fr"), "Français");
	assert_string_equal(i18n_lang_name("en"), "English");
}

static void test_i18n_reader_language(void **state)
{
	(void)state;
	assert_string_equal(_("View chat"), "View chat");
	i18n_reader_set("fr", NULL);
	assert_string_equal(_("View chat"), "Voir la discussion");
	assert_string_equal(i18n_zone(), "UTC");
	/* an unknown language or zone falls back to the firm's */
	i18n_reader_set("xx", "Mars/Olympus");
	assert_string_equal(i18n_lang(), "en");
	assert_string_equal(i18n_zone(), "UTC");
	/* the firm's language is the default for readers without one */
	i18n_defaults("fr", "Europe/Paris");
	i18n_reader_reset();
	assert_string_equal(_("View chat"), "Voir la discussion");
	assert_string_equal(i18n_zone(), "Europe/Paris");
	i18n_defaults("en", "UTC");
}

static void test_i18n_plural_forms(void **state)
{
	static const struct {
		const char *lang;
		unsigned long n;
		const char *want;
	} t[] = {
		{ "en", 0, "%d reminders left" },
		{ "en", 1, "%d reminder left" },
		{ "en", 2, "%d reminders left" },
		/* French: 0 and 1 are singular */
		{ "fr", 0, "%d rappel restant" },
		{ "fr", 1, "%d rappel restant" },
		{ "fr", 2, "%d rappels restants" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		i18n_reader_set(t[i].lang, NULL);
		const char *got = ngettext("%d reminder left", "%d reminders left", t[i].n);
		if (strcmp(got, t[i].want) != 0)
			fail_msg("case %zu: \"%s\" != \"%s\"", i, got, t[i].want);
	}
	i18n_reader_reset();
}

/* Two threads reading in two languages at once never see the other's. */
struct reader_arg {
	const char *lang;
	const char *want;
	int wrong;
};

static void *reader_thread(void *p)
{
	struct reader_arg *a = p;

	i18n_reader_set(a->lang, NULL);
	for (int i = 0; i < 20000; i++)
		if (strcmp(_("View chat"), a->want) != 0)
			a->wrong++;
	return NULL;
}

static void test_i18n_threads_read_in_their_own_language(void **state)
{
	struct reader_arg args[4] = {
		{ "fr", "Voir la discussion", 0 }, { "en", "View chat", 0 },
		{ "fr", "Voir la discussion", 0 }, { "en", "View chat", 0 },
	};
	pthread_t th[4];

	(void)state;
	for (int i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&th[i], NULL, reader_thread, &args[i]), 0);
	for (int i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		if (args[i].wrong != 0)
			fail_msg("thread %d (%s): %d lookups in the wrong language", i, args[i].lang,
				 args[i].wrong);
	}
	/* this thread was never set: the firm's */
	assert_string_equal(_("View chat"), "View chat");
}

static void test_i18n_dates_in_language_and_zone(void **state)
{
	static const struct {
		const char *lang, *zone;
		int style;
		const char *want;
	} t[] = {
		{ "fr", "Europe/Paris", I18N_DATETIME, "6 déc. 2026, 09:11" },
		{ "fr", "UTC", I18N_DATETIME, "6 déc. 2026, 08:11" },
		{ "en", "UTC", I18N_DATETIME, "Dec 6, 2026, 8:11\xe2\x80\xaf" "AM" },
		{ "en", "America/New_York", I18N_DATETIME | I18N_ZONE,
		  "Dec 6, 2026, 3:11\xe2\x80\xaf" "AM EST" },
		{ "fr", "Europe/Paris", I18N_DATETIME | I18N_ZONE, "6 déc. 2026, 09:11 UTC+1" },
		/* the zone is named only when it is not the firm's (UTC here) */
		{ "fr", "UTC", I18N_DATETIME | I18N_ZONE_IF_OTHER, "6 déc. 2026, 08:11" },
		{ "fr", "Europe/Paris", I18N_DATETIME | I18N_ZONE_IF_OTHER,
		  "6 déc. 2026, 09:11 UTC+1" },
		{ "fr", "Europe/Paris", I18N_DATE, "6 déc. 2026" },
		{ "fr", "Europe/Paris", I18N_DATE_LONG, "6 décembre 2026" },
		{ "en", "Europe/Paris", I18N_DATE_LONG, "December 6, 2026" },
		/* a calendar day stays that day whatever the zone */
		{ "en", "Pacific/Kiritimati", I18N_DATE | I18N_UTC, "Dec 6, 2026" },
	};
	char out[96];

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		i18n_reader_set(t[i].lang, t[i].zone);
		i18n_format_date(DEC6, t[i].style, out, sizeof(out));
		if (strcmp(out, t[i].want) != 0)
			fail_msg("case %zu: \"%s\" != \"%s\"", i, out, t[i].want);
	}
	i18n_reader_reset();
	/* too small a buffer never overflows */
	i18n_format_date(DEC6, I18N_DATETIME, out, 4);
	assert_true(strlen(out) < 4);
}

/* Around the changes of 2026: Europe 29 March and 25 October at 01:00
 * UTC, New York 8 March at 07:00 UTC and 1 November at 06:00 UTC. */
static void test_tz_local_around_dst(void **state)
{
	static const struct {
		const char *zone;
		int64_t utc;
		int y, mo, d, h, mi;
		int32_t offset;
		int dst;
	} t[] = {
		{ "Europe/Paris", INT64_C(1774745999), 2026, 3, 29, 1, 59, 3600, 0 },
		{ "Europe/Paris", INT64_C(1774746000), 2026, 3, 29, 3, 0, 7200, 1 },
		/* 02:30 comes twice in October: first in summer time ... */
		{ "Europe/Paris", INT64_C(1792888200), 2026, 10, 25, 2, 30, 7200, 1 },
		/* ... then, an hour later, in winter time */
		{ "Europe/Paris", INT64_C(1792891800), 2026, 10, 25, 2, 30, 3600, 0 },
		{ "America/New_York", INT64_C(1772953199), 2026, 3, 8, 1, 59, -18000, 0 },
		{ "America/New_York", INT64_C(1772953200), 2026, 3, 8, 3, 0, -14400, 1 },
		{ "America/New_York", INT64_C(1793512800), 2026, 11, 1, 1, 0, -18000, 0 },
		{ "UTC", DEC6, 2026, 12, 6, 8, 11, 0, 0 },
		{ "Australia/Sydney", DEC6, 2026, 12, 6, 19, 11, 39600, 1 },
	};
	struct tz_local l;
	char *err = NULL;

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		if (tz_local(t[i].zone, t[i].utc, &l, &err) < 0)
			fail_msg("case %zu: %s", i, err);
		if (l.year != t[i].y || l.month != t[i].mo || l.day != t[i].d ||
		    l.hour != t[i].h || l.minute != t[i].mi || l.utc_offset != t[i].offset ||
		    l.is_dst != t[i].dst)
			fail_msg("case %zu (%s): %04d-%02d-%02d %02d:%02d %+d dst %d", i, t[i].zone,
				 l.year, l.month, l.day, l.hour, l.minute, l.utc_offset, l.is_dst);
	}
	assert_int_equal(tz_local("Europe/Paris", INT64_C(1774746000), &l, &err), 0);
	assert_string_equal(l.abbrev, "GMT+2");
	assert_int_equal(tz_local("America/New_York", INT64_C(1772953200), &l, &err), 0);
	assert_string_equal(l.abbrev, "EDT");
}

static void test_tz_valid_names(void **state)
{
	static const struct {
		const char *zone;
		int ok;
	} t[] = {
		{ "UTC", 1 }, { "Europe/Paris", 1 }, { "America/Montreal", 1 },
		{ "Indian/Reunion", 1 }, { "Mars/Olympus", 0 }, { "", 0 }, { NULL, 0 },
		{ "../../etc/passwd", 0 }, { "Europe/Paris\n", 0 }, { "europe paris", 0 },
	};
	struct tz_local l;
	char *err = NULL;

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (tz_valid(t[i].zone) != t[i].ok)
			fail_msg("case %zu: \"%s\" valid %d", i, t[i].zone ? t[i].zone : "(null)",
				 !t[i].ok);
	assert_int_equal(tz_local("Mars/Olympus", DEC6, &l, &err), -1);
	assert_non_null(strstr(err, "Mars/Olympus"));
	free(err);
}

/* Dates in other zones while another thread formats in its own. */
struct date_arg {
	const char *lang, *zone, *want;
	int wrong;
};

static void *date_thread(void *p)
{
	struct date_arg *a = p;
	char out[96];

	i18n_reader_set(a->lang, a->zone);
	for (int i = 0; i < 2000; i++) {
		i18n_format_date(DEC6, I18N_DATETIME, out, sizeof(out));
		if (strcmp(out, a->want) != 0)
			a->wrong++;
	}
	return NULL;
}

static void test_i18n_dates_per_thread(void **state)
{
	struct date_arg args[3] = {
		{ "fr", "Europe/Paris", "6 déc. 2026, 09:11", 0 },
		{ "en", "America/New_York", "Dec 6, 2026, 3:11\xe2\x80\xaf" "AM", 0 },
		{ "fr", "Asia/Tokyo", "6 déc. 2026, 17:11", 0 },
	};
	pthread_t th[3];

	(void)state;
	for (int i = 0; i < 3; i++)
		assert_int_equal(pthread_create(&th[i], NULL, date_thread, &args[i]), 0);
	for (int i = 0; i < 3; i++) {
		pthread_join(th[i], NULL);
		if (args[i].wrong != 0)
			fail_msg("thread %d: %d wrong dates", i, args[i].wrong);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_i18n_languages_of_the_build, setup),
		cmocka_unit_test_setup(test_i18n_reader_language, setup),
		cmocka_unit_test_setup(test_i18n_plural_forms, setup),
		cmocka_unit_test_setup(test_i18n_threads_read_in_their_own_language, setup),
		cmocka_unit_test_setup(test_i18n_dates_in_language_and_zone, setup),
		cmocka_unit_test_setup(test_tz_local_around_dst, setup),
		cmocka_unit_test_setup(test_tz_valid_names, setup),
		cmocka_unit_test_setup(test_i18n_dates_per_thread, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
