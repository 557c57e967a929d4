/*
 * test_skip.h - tests that did not run do not pass.
 *
 * cmocka's skip() ends a test without failing it, and the program still
 * exits 0: ctest would count it as passed.  Every unit test program is
 * linked with test_skip.c (gw_add_test) and has ctest's SKIP_RETURN_CODE
 * 77.  A test that cannot run here calls test_skip("why"), which records
 * the reason and skips; main() ends with
 *
 *	return test_exit(cmocka_run_group_tests(tests, NULL, NULL));
 *
 * which exits as cmocka did when a test failed, and otherwise with 77
 * after one line "SKIP: why" per distinct reason when any test (or part
 * of one, test_skip_note) did not run.  `make check` lists those lines
 * (scripts/test_skips.sh).
 */
#ifndef GW_TEST_SKIP_H
#define GW_TEST_SKIP_H

/* The exit code ctest reads as "skipped" (SKIP_RETURN_CODE). */
#define TEST_EXIT_SKIPPED 77

/*
 * Record that part of a test did not run, and why (printf format), and
 * go on: the program exits 77 unless a test failed.
 */
void test_skip_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Record why and skip the running test (cmocka's skip(): no return). */
#define test_skip(...)                        \
	do {                                  \
		test_skip_note(__VA_ARGS__);  \
		skip();                       \
	} while (0)

/*
 * The program's exit code from FAILURES (cmocka's count of failed
 * tests): 1 when any failed (never 77 by accident), else 77 and the
 * "SKIP:" lines when anything was skipped, else 0.
 */
int test_exit(int failures);

#endif
