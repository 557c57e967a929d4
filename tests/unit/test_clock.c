/*
 * test_clock.c - clock_parse accepts exactly the documented forms, the
 * formatters, and clock_set pinning "now".
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "clock.h"
#include "gw.h"

static void test_clock_parse_valid_table(void **state)
{
	static const struct {
		const char *in;
		int64_t want;
	} cases[] = {
		{ "1970-01-01", 0 },
		{ "1970-01-02", 86400 },
		{ "2026-11-25", 1795564800 },
		{ "2026-11-25T09:30", 1795564800 + 9 * 3600 + 30 * 60 },
		{ "2026-11-25T09:30:00", 1795564800 + 9 * 3600 + 30 * 60 },
		{ "2026-11-25T09:30:59", 1795564800 + 9 * 3600 + 30 * 60 + 59 },
		{ "2026-11-25T09:30:00Z", 1795564800 + 9 * 3600 + 30 * 60 },
		{ "2026-11-25T09:30Z", 1795564800 + 9 * 3600 + 30 * 60 },
		{ "2026-11-25T09:30:00+01:00", 1795564800 + 8 * 3600 + 30 * 60 },
		{ "2026-11-25T09:30-05:30", 1795564800 + 15 * 3600 },
		{ "2026-11-25T00:00:00+14:00", 1795564800 - 14 * 3600 },
		{ "2024-02-29", 1709164800 },
		{ "2000-02-29T23:59:59Z", 951868799 },
		{ "2026-12-31T23:59:59", 1798761599 },
		{ "@0", 0 },
		{ "@1795564800", 1795564800 },
		{ "@-86400", -86400 },
	};

	for (size_t i = 0; i < GW_ARRAY_SIZE(cases); i++) {
		int64_t t = -12345;

		if (clock_parse(cases[i].in, &t) != 0)
			fail_msg("case %zu: \"%s\" refused", i, cases[i].in);
		if (t != cases[i].want)
			fail_msg("case %zu: \"%s\" gave %lld, want %lld", i, cases[i].in,
				 (long long)t, (long long)cases[i].want);
	}
}

static void test_clock_parse_invalid_table(void **state)
{
	static const char *const cases[] = {
		"",
		"2026",
		"2026-11",
		"2026-11-25 ",
		" 2026-11-25",
		"2026-11-25x",
		"2026-13-01",
		"2026-00-10",
		"2026-11-00",
		"2026-11-31",
		"2026-02-29",
		"1900-02-29",
		"2026-1-25",
		"26-11-25",
		"2026/11/25",
		"2026-11-25T",
		"2026-11-25T9:30",
		"2026-11-25T09",
		"2026-11-25T09:3",
		"2026-11-25T24:00",
		"2026-11-25T09:60",
		"2026-11-25T09:30:60",
		"2026-11-25T09:30:00.5",
		"2026-11-25T09:30:00ZZ",
		"2026-11-25T09:30:00+01",
		"2026-11-25T09:30:00+0100",
		"2026-11-25T09:30:00+24:00",
		"2026-11-25T09:30:00+01:60",
		"2026-11-25Z",
		"2026-11-25 09:30",
		"2026-11-25t09:30",
		"@",
		"@-",
		"@12x",
		"@99999999999999999999",
		"@ 12",
		"tomorrow",
	};

	for (size_t i = 0; i < GW_ARRAY_SIZE(cases); i++) {
		int64_t t = -12345;

		if (clock_parse(cases[i], &t) == 0)
			fail_msg("case %zu: \"%s\" accepted as %lld", i, cases[i],
				 (long long)t);
		if (t != -12345)
			fail_msg("case %zu: \"%s\" wrote the result on failure", i,
				 cases[i]);
	}
	assert_int_equal(clock_parse(NULL, &(int64_t){ 0 }), -1);
}

static void test_clock_format_round_trip(void **state)
{
	static const int64_t times[] = { 0, 1, 59, 86399, 951868799, 1709164800,
					 1795599000, 1798761599, 4102444800 };
	char iso[CLOCK_ISO_MAX];

	for (size_t i = 0; i < GW_ARRAY_SIZE(times); i++) {
		int64_t back = -1;

		clock_format(times[i], iso);
		if (clock_parse(iso, &back) != 0 || back != times[i])
			fail_msg("case %zu: %lld -> \"%s\" -> %lld", i, (long long)times[i],
				 iso, (long long)back);
	}
	assert_string_equal(clock_format(1795599000, iso), "2026-11-25T09:30:00Z");
	assert_string_equal(clock_format(0, iso), "1970-01-01T00:00:00Z");
}

static void test_clock_format_rfc5322(void **state)
{
	char b[CLOCK_RFC5322_MAX];

	assert_string_equal(clock_format_rfc5322(1795599000, b),
			    "Wed, 25 Nov 2026 09:30:00 +0000");
	assert_string_equal(clock_format_rfc5322(0, b),
			    "Thu, 01 Jan 1970 00:00:00 +0000");
	assert_string_equal(clock_format_rfc5322(1709164800 + 3661, b),
			    "Thu, 29 Feb 2024 01:01:01 +0000");
}

static void test_clock_set_pins_now(void **state)
{
	int64_t before = clock_now();

	assert_true(before > 1700000000); /* the system clock, not 0 */
	clock_set(1795599000);
	assert_int_equal(clock_now(), 1795599000);
	assert_int_equal(clock_now(), 1795599000);
	clock_set(1795599000 + CLOCK_DAY);
	assert_int_equal(clock_now(), 1795599000 + CLOCK_DAY);
	clock_set(0);
	assert_true(clock_now() >= before);
}

static void test_clock_monotonic_does_not_go_back(void **state)
{
	int64_t a = clock_monotonic_ms(), b = clock_monotonic_ms();

	assert_true(a >= 0);
	assert_true(b >= a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clock_parse_valid_table),
		cmocka_unit_test(test_clock_parse_invalid_table),
		cmocka_unit_test(test_clock_format_round_trip),
		cmocka_unit_test(test_clock_format_rfc5322),
		cmocka_unit_test(test_clock_set_pins_now),
		cmocka_unit_test(test_clock_monotonic_does_not_go_back),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
