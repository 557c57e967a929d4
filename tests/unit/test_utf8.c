/*
 * test_utf8.c - strict UTF-8: utf8_decode one sequence at a time and
 * utf8_valid over a whole string, on the boundaries RFC 3629 draws
 * (overlong forms, surrogates, U+10FFFF, truncation).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "gw.h"
#include "utf8.h"

static const struct {
	const char *in;
	size_t n;           /* bytes available */
	size_t len;         /* utf8_decode's answer: 0 = invalid */
	uint32_t cp;
} decode_cases[] = {
	{ "A", 1, 1, 0x41 },
	{ "\0", 1, 1, 0 },
	{ "\x7f", 1, 1, 0x7f },
	{ "\xc2\x80", 2, 2, 0x80 },
	{ "\xc3\xbc", 2, 2, 0xfc },
	{ "\xdf\xbf", 2, 2, 0x7ff },
	{ "\xe0\xa0\x80", 3, 3, 0x800 },
	{ "\xe2\x82\xac", 3, 3, 0x20ac },
	{ "\xed\x9f\xbf", 3, 3, 0xd7ff },
	{ "\xee\x80\x80", 3, 3, 0xe000 },
	{ "\xef\xbf\xbf", 3, 3, 0xffff },
	{ "\xf0\x90\x80\x80", 4, 4, 0x10000 },
	{ "\xf4\x8f\xbf\xbf", 4, 4, 0x10ffff },
	{ "\xc3\xbcX", 3, 2, 0xfc },            /* reads one sequence only */
	/* invalid */
	{ "\x80", 1, 0, 0 },                    /* lone continuation */
	{ "\xbf", 1, 0, 0 },
	{ "\xc0\x80", 2, 0, 0 },                /* overlong NUL */
	{ "\xc1\xbf", 2, 0, 0 },                /* overlong */
	{ "\xe0\x9f\xbf", 3, 0, 0 },            /* overlong */
	{ "\xf0\x8f\xbf\xbf", 4, 0, 0 },        /* overlong */
	{ "\xed\xa0\x80", 3, 0, 0 },            /* U+D800 */
	{ "\xed\xbf\xbf", 3, 0, 0 },            /* U+DFFF */
	{ "\xf4\x90\x80\x80", 4, 0, 0 },        /* U+110000 */
	{ "\xf5\x80\x80\x80", 4, 0, 0 },
	{ "\xff", 1, 0, 0 },
	{ "\xc3", 1, 0, 0 },                    /* truncated by n */
	{ "\xe2\x82\xac", 2, 0, 0 },
	{ "\xf0\x90\x80\x80", 3, 0, 0 },
	{ "\xc3X", 2, 0, 0 },                   /* not a continuation */
	{ "\xe2\x82X", 3, 0, 0 },
};

static void test_utf8_decode_table(void **state)
{
	for (size_t i = 0; i < GW_ARRAY_SIZE(decode_cases); i++) {
		uint32_t cp = 0xdeadbeef;
		size_t len = utf8_decode((const unsigned char *)decode_cases[i].in,
					 decode_cases[i].n, &cp);

		if (len != decode_cases[i].len)
			fail_msg("case %zu: length %zu, want %zu", i, len, decode_cases[i].len);
		if (len > 0 && cp != decode_cases[i].cp)
			fail_msg("case %zu: U+%04X, want U+%04X", i, (unsigned)cp,
				 (unsigned)decode_cases[i].cp);
		/* the code point is optional */
		if (utf8_decode((const unsigned char *)decode_cases[i].in, decode_cases[i].n,
				NULL) != len)
			fail_msg("case %zu: a different length without cp_r", i);
	}
}

static void test_utf8_valid_table(void **state)
{
	static const struct {
		const char *in;
		size_t n;
		int valid;
	} cases[] = {
		{ "", 0, 1 },
		{ "plain ASCII", 11, 1 },
		{ "Gr\xc3\xbc\xc3\x9f" "e \xe2\x82\xac \xf0\x9f\x98\x80", 16, 1 },
		{ "a\0b", 3, 1 },                   /* NUL is a character */
		{ "ok \xc3", 4, 0 },                /* truncated at the end */
		{ "ok \xc3\xbc", 4, 0 },            /* len cuts the sequence */
		{ "\xed\xa0\x80", 3, 0 },
		{ "x\xc0\x80y", 4, 0 },
		{ "\xf4\x90\x80\x80", 4, 0 },
		{ "abc\x80", 4, 0 },
		{ "abc\x80", 3, 1 },                /* only len bytes are read */
	};

	for (size_t i = 0; i < GW_ARRAY_SIZE(cases); i++)
		if (utf8_valid(cases[i].in, cases[i].n) != cases[i].valid)
			fail_msg("case %zu: valid %d, want %d", i, !cases[i].valid,
				 cases[i].valid);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_utf8_decode_table),
		cmocka_unit_test(test_utf8_valid_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
