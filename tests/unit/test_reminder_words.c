/*
 * test_reminder_words.c - the stop rule of reminders in words: the
 * sentence for clients and for staff, with and without tasks, and what is
 * left for every combination of open tasks and unread messages, singular
 * and plural.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "gw.h"
#include "reminder_words.h"

static void test_reminder_words_rule(void **state)
{
	(void)state;
	assert_string_equal(reminder_words_rule(REMINDER_TO_CLIENT, 1),
			    "Reminders stop when you answer, or when all your tasks are done "
			    "and all messages are read.");
	assert_string_equal(reminder_words_rule(REMINDER_TO_CLIENT, 0),
			    "Reminders stop when you answer, or when all messages are read.");
	assert_string_equal(reminder_words_rule(REMINDER_TO_STAFF, 1),
			    "Reminders stop when the client answers, or when all their tasks "
			    "are done and all messages are read.");
	assert_string_equal(reminder_words_rule(REMINDER_TO_STAFF, 0),
			    "Reminders stop when the client answers, or when all messages are "
			    "read.");
}

static void test_reminder_words_left_every_combination(void **state)
{
	static const struct {
		int64_t tasks, unread;
		const char *want; /* NULL: nothing left */
	} cases[] = {
		{ 0, 0, NULL },
		{ 1, 0, "Still to do: 1 task open." },
		{ 2, 0, "Still to do: 2 tasks open." },
		{ 0, 1, "Still to do: 1 unread message." },
		{ 0, 3, "Still to do: 3 unread messages." },
		{ 1, 1, "Still to do: 1 task open, 1 unread message." },
		{ 1, 2, "Still to do: 1 task open, 2 unread messages." },
		{ 4, 1, "Still to do: 4 tasks open, 1 unread message." },
		{ 5, 6, "Still to do: 5 tasks open, 6 unread messages." },
		{ -1, 0, NULL },
	};

	(void)state;
	for (size_t i = 0; i < GW_ARRAY_SIZE(cases); i++) {
		char *got = reminder_words_left(cases[i].tasks, cases[i].unread);

		if (cases[i].want == NULL && got != NULL)
			fail_msg("case %zu: want nothing, got \"%s\"", i, got);
		if (cases[i].want != NULL && (got == NULL || strcmp(got, cases[i].want) != 0))
			fail_msg("case %zu: want \"%s\", got \"%s\"", i, cases[i].want,
				 got != NULL ? got : "(null)");
		free(got);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reminder_words_rule),
		cmocka_unit_test(test_reminder_words_left_every_combination),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
