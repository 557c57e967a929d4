/*
 * test_path.c - path_dir: the directory part of a file name.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "gw.h"
#include "path.h"

static void test_path_dir_table(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "gatewayd.db", "." },
		{ "", "." },
		{ "/gatewayd.db", "/" },
		{ "/", "/" },
		{ "/var/lib/gatewayd/gatewayd.db", "/var/lib/gatewayd" },
		{ "data/gatewayd.db", "data" },
		{ "./gatewayd.db", "." },
		{ "a/b/", "a/b" },
		{ "a//b", "a/" },
	};

	for (size_t i = 0; i < GW_ARRAY_SIZE(cases); i++) {
		char *d = path_dir(cases[i].in);

		if (strcmp(d, cases[i].out) != 0)
			fail_msg("case %zu: \"%s\" -> \"%s\", want \"%s\"", i, cases[i].in, d,
				 cases[i].out);
		free(d);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_path_dir_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
