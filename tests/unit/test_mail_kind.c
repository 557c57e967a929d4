/*
 * test_mail_kind.c - the table of mail kinds: every kind has one row whose
 * name round-trips, whose flags say what the kind is for, and whose words
 * are there; values that are no kind are refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "gw.h"
#include "mail_kind.h"

static const struct {
	enum mail_kind kind;
	const char *name;
	unsigned flags;
	enum mail_extra extra;
	const char *subject_prefix;
	int outro;
} cases[] = {
	{ MAIL_NEW_MESSAGE, "new_message", MAIL_NOTIFY | MAIL_BATCH, MAIL_EXTRA_NONE, "", 0 },
	/* a reminder says so in its subject; its closing words (the stop rule
	 * and what is left) come from reminder_words.h */
	{ MAIL_REMINDER, "reminder", MAIL_NOTIFY, MAIL_EXTRA_REMINDER_NUMBER, "Reminder: ", 0 },
	{ MAIL_RESEND, "resend", MAIL_NOTIFY, MAIL_EXTRA_NONE, "", 0 },
	{ MAIL_STAFF_CLIENT_REPLIED, "staff_client_replied", MAIL_TO_STAFF | MAIL_BATCH,
	  MAIL_EXTRA_NONE, "", 0 },
	{ MAIL_STAFF_CLIENT_CREATED, "staff_client_created", MAIL_TO_STAFF | MAIL_BATCH,
	  MAIL_EXTRA_NONE, "", 0 },
	{ MAIL_STAFF_TASK_DONE, "staff_task_done", MAIL_TO_STAFF | MAIL_BATCH, MAIL_EXTRA_TASK_ID, "", 0 },
	{ MAIL_STAFF_UPLOAD, "staff_upload", MAIL_TO_STAFF | MAIL_BATCH, MAIL_EXTRA_ATTACHMENT_ID, "", 0 },
	{ MAIL_STAFF_MENTION, "staff_mention", MAIL_TO_STAFF | MAIL_BATCH, MAIL_EXTRA_NONE, "", 0 },
	{ MAIL_FRESH_LINK, "fresh_link", 0, MAIL_EXTRA_NONE, "New link: ", 0 },
	{ MAIL_EXPLANATION, "explanation", MAIL_TO_SENDER, MAIL_EXTRA_REPLY, "Not delivered: ", 0 },
	{ MAIL_STAFF_CONTACTS_BOUNCING, "staff_contacts_bouncing", MAIL_TO_STAFF, MAIL_EXTRA_NONE,
	  "Contacts bouncing: ", 0 },
	{ MAIL_STAFF_WEBHOOK_DISABLED, "staff_webhook_disabled", MAIL_TO_STAFF, MAIL_EXTRA_WEBHOOK,
	  "Webhook disabled: ", 0 },
	{ MAIL_SIGNIN_LINK, "signin_link", MAIL_SIGNIN, MAIL_EXTRA_SIGNIN, "", 1 },
};

static void test_mail_kind_rows_table(void **state)
{
	for (size_t i = 0; i < GW_ARRAY_SIZE(cases); i++) {
		const struct mail_kind_row *row = mail_kind_row(cases[i].kind);
		enum mail_kind back = 0;

		if (row == NULL || row->kind != cases[i].kind)
			fail_msg("case %zu: no row", i);
		if (strcmp(mail_kind_name(cases[i].kind), cases[i].name) != 0)
			fail_msg("case %zu: name \"%s\", want \"%s\"", i,
				 mail_kind_name(cases[i].kind), cases[i].name);
		if (mail_kind_parse(cases[i].name, &back) != 0 || back != cases[i].kind)
			fail_msg("case %zu: \"%s\" does not parse back", i, cases[i].name);
		if (row->flags != cases[i].flags || row->extra != cases[i].extra)
			fail_msg("case %zu: flags %u extra %d, want %u %d", i, row->flags,
				 (int)row->extra, cases[i].flags, (int)cases[i].extra);
		if (strcmp(row->subject_prefix, cases[i].subject_prefix) != 0)
			fail_msg("case %zu: subject prefix \"%s\"", i, row->subject_prefix);
		/* a sign-in link is about no chat */
		if (row->intro == NULL ||
		    ((row->flags & MAIL_SIGNIN) == 0 && strstr(row->intro, "%s") == NULL))
			fail_msg("case %zu: the first sentence does not name the chat", i);
		if ((row->outro != NULL) != cases[i].outro)
			fail_msg("case %zu: outro %s", i, row->outro != NULL ? "present" : "missing");
		for (unsigned f = 1; f <= MAIL_SIGNIN; f <<= 1)
			if (mail_kind_is(cases[i].kind, f) != ((cases[i].flags & f) != 0))
				fail_msg("case %zu: mail_kind_is(%u) wrong", i, f);
	}
}

static void test_mail_kind_every_value_has_a_row(void **state)
{
	/* The enum and the table agree: every value from the first to the
	 * last has its row, so a new value without one fails here. */
	for (int k = MAIL_NEW_MESSAGE; k <= MAIL_SIGNIN_LINK; k++)
		if (mail_kind_row((enum mail_kind)k) == NULL)
			fail_msg("kind %d: no row", k);
	assert_int_equal(GW_ARRAY_SIZE(cases), MAIL_SIGNIN_LINK);
}

static void test_mail_kind_no_kind_refused(void **state)
{
	static const int values[] = { 0, -1, MAIL_SIGNIN_LINK + 1, 42 };
	static const char *const names[] = { NULL, "", "nonsense", "NEW_MESSAGE",
					     "new_message ", "explanation\n" };
	enum mail_kind k = MAIL_RESEND;

	for (size_t i = 0; i < GW_ARRAY_SIZE(values); i++) {
		if (mail_kind_row((enum mail_kind)values[i]) != NULL)
			fail_msg("value %d: a row", values[i]);
		if (strcmp(mail_kind_name((enum mail_kind)values[i]), "unknown") != 0)
			fail_msg("value %d: named", values[i]);
		if (mail_kind_is((enum mail_kind)values[i], 0))
			fail_msg("value %d: is a kind", values[i]);
	}
	for (size_t i = 0; i < GW_ARRAY_SIZE(names); i++)
		if (mail_kind_parse(names[i], &k) != -1)
			fail_msg("name %zu parsed", i);
	assert_int_equal(k, MAIL_RESEND);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mail_kind_rows_table),
		cmocka_unit_test(test_mail_kind_every_value_has_a_row),
		cmocka_unit_test(test_mail_kind_no_kind_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
