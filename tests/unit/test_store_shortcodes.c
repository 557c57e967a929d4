/*
 * test_store_shortcodes.c - shortcodes per reader (two contacts of one
 * account each read their own name, in the page and in the email; staff
 * read the placeholder), unknown shortcodes refused with the text kept,
 * the subject taken from the first line when there is none, and a
 * template's tasks.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "buf.h"
#include "clock.h"
#include "test_store_util.h"

static int64_t chat(struct fx *f, int64_t account, const char *subject, const char *body)
{
	int64_t id = 0;
	char *err = NULL;
	struct store_chat_new c = {
		.account_ids = &account, .n_accounts = 1, .staff_id = f->owner,
		.subject = subject, .body = body, .show_content = 1,
	};
	CHECK_OK(store_chat_create(f->s, &c, &id, &err), err);
	return id;
}

static void text_is(struct fx *f, const char *want, const char *sql, int64_t id)
	;
static void text_is(struct fx *f, const char *want, const char *sql, int64_t id)
{
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	char *got = fx_text(f, sql, (long long)id);
#pragma GCC diagnostic pop
	if (strcmp(got, want) != 0)
		fail_msg("\"%s\", want \"%s\"", got, want);
	free(got);
}

static char *body_for(struct fx *f, int64_t tid, enum store_kind kind, int64_t who)
{
	struct store_thread_view v;
	char *err = NULL;
	CHECK_OK(store_thread_show(f->s, tid, kind, who, 1, &v, &err), err);
	assert_true(v.n_messages >= 1);
	char *body = xstrdup(v.messages[0].body);
	store_thread_view_clear(&v);
	return body;
}

/* The body an email to address would carry. */
static char *email_body(struct fx *f, int64_t tid, const char *address)
{
	int64_t id = fx_int(f, "SELECT id FROM outbox WHERE thread_id = %lld AND kind ="
			    " 'new_message' AND recipient_address = '%s'", (long long)tid, address);
	struct store_compose c;
	char *err = NULL;
	CHECK_OK(store_compose_get(f->s, id, &c, &err), err);
	char *body = xstrdup(c.body);
	store_compose_clear(&c);
	return body;
}

static void test_store_shortcodes_per_reader(void **state)
{
	struct fx *f = *state;
	int64_t tid = chat(f, f->acc1, "Documents for [ACCOUNT_NAME]",
			   "Dear [CONTACT_FIRST_NAME] ([CONTACT_NAME], [CONTACT_EMAIL]),\n\n"
			   "[FIRM_NAME] needs *your* papers.");
	char *b;

	b = body_for(f, tid, STORE_CONTACT, f->c1);
	assert_string_equal(b, "Dear Carla (Carla Client, carla@acme.example),\n\n"
			       "Example & Partners needs *your* papers.");
	free(b);
	b = body_for(f, tid, STORE_CONTACT, f->c2);
	assert_string_equal(b, "Dear Chris (Chris Client, chris@acme.example),\n\n"
			       "Example & Partners needs *your* papers.");
	free(b);
	b = body_for(f, tid, STORE_STAFF, f->owner);
	assert_string_equal(b, "Dear [CONTACT_FIRST_NAME] ([CONTACT_NAME], [CONTACT_EMAIL]),\n\n"
			       "Example & Partners needs *your* papers.");
	free(b);
	/* The emails: each their own. */
	b = email_body(f, tid, "carla@acme.example");
	assert_non_null(strstr(b, "Dear Carla (Carla Client"));
	assert_null(strstr(b, "Chris"));
	free(b);
	b = email_body(f, tid, "chris@acme.example");
	assert_non_null(strstr(b, "Dear Chris (Chris Client"));
	assert_null(strstr(b, "Carla"));
	free(b);
	text_is(f, "Documents for Acme Ltd", "SELECT subject FROM threads WHERE id = %lld", tid);
	/* A contact's export gives them their own text. */
	struct store_person p;
	struct store_thread_view v;
	char *err = NULL;
	CHECK_OK(store_person_get(f->s, STORE_CONTACT, f->c2, &p, &err), err);
	assert_true(p.n_threads >= 1);
	CHECK_OK(store_person_thread(f->s, &p, p.n_threads - 1, &v, &err), err);
	assert_int_equal(v.thread.id, tid);
	assert_non_null(strstr(v.messages[0].body, "Dear Chris (Chris Client"));
	store_thread_view_clear(&v);
	store_person_clear(&p);
}

/* A name is text in CommonMark, never markup. */
static void test_store_shortcodes_names_are_text(void **state)
{
	struct fx *f = *state;
	char *err = NULL;
	int64_t c = 0;
	CHECK_OK(store_contact_add(f->s, f->acc3, "*Bo* <b>", "bo@gamma.example", &c, &err), err);
	int64_t tid = chat(f, f->acc3, "Hi", "Dear [CONTACT_NAME]");
	char *b = body_for(f, tid, STORE_CONTACT, c);
	assert_string_equal(b, "Dear \\*Bo\\* \\<b\\>");
	free(b);
}

static void test_store_shortcodes_unknown_refused(void **state)
{
	struct fx *f = *state;
	char *err = NULL;
	int64_t acc = f->acc1;
	int64_t before = fx_int(f, "SELECT count(*) FROM threads");
	static const struct {
		const char *subject, *body, *why;
	} bad[] = {
		{ "S", "Dear [CLIENT_NAME]", "body: unknown shortcode [CLIENT_NAME]" },
		{ "[ACOUNT_NAME]", "b", "subject: unknown shortcode [ACOUNT_NAME]" },
		{ "For [CONTACT_FIRST_NAME]", "b", "subject: [CONTACT_FIRST_NAME] differs" },
	};
	for (size_t i = 0; i < GW_ARRAY_SIZE(bad); i++) {
		struct store_chat_new c = {
			.account_ids = &acc, .n_accounts = 1, .staff_id = f->owner,
			.subject = bad[i].subject, .body = bad[i].body,
		};
		if (store_chat_create(f->s, &c, NULL, &err) != GW_INVALID)
			fail_msg("case %zu: not refused", i);
		if (err == NULL || strstr(err, bad[i].why) == NULL)
			fail_msg("case %zu: error \"%s\"", i, err != NULL ? err : "(none)");
		free(err);
		err = NULL;
	}
	assert_int_equal(fx_int(f, "SELECT count(*) FROM threads"), before);
	/* Other brackets are text. */
	int64_t tid = chat(f, f->acc1, "[URGENT] Papers", "See [the list](https://x.example) [1]");
	char *b = body_for(f, tid, STORE_STAFF, f->owner);
	assert_string_equal(b, "See [the list](https://x.example) [1]");
	free(b);
	/* Templates are checked when they are saved. */
	if (store_template_save(f->s, "t", "S", "Dear [CONTACT_FRIST_NAME]", NULL, &err) !=
	    GW_INVALID || strstr(err, "[CONTACT_FRIST_NAME]") == NULL)
		fail_msg("template: %s", err != NULL ? err : "(none)");
	free(err);
}

static void test_store_shortcodes_subject_from_first_line(void **state)
{
	static const struct {
		const char *body, *want;
	} cases[] = {
		{ "Please send the statements.\nThanks", "Please send the statements." },
		{ "\n\n  # Year-end **2026** accounts\n", "Year-end 2026 accounts" },
		{ "> quoted _text_ and `code`", "quoted text and code" },
		{ "- [the list](https://x.example) of snake_case things", "the list of snake_case things" },
		{ "Dear [CONTACT_FIRST_NAME], please sign", "Dear, please sign" },
		{ "1. First step", "First step" },
		{ "\\*not emphasis\\*", "*not emphasis*" },
		{ "", "" },
		/* 100 ASCII characters: 77 and "..." */
		{ "aaaaaaaaaabbbbbbbbbbccccccccccddddddddddeeeeeeeeeeffffffffffgggggggggghhhhhhhhhh"
		  "iiiiiiiiiijjjjjjjjjj",
		  "aaaaaaaaaabbbbbbbbbbccccccccccddddddddddeeeeeeeeeeffffffffffgggggggggghhhhhhh..." },
		/* exactly 80 characters: kept whole */
		{ "aaaaaaaaaabbbbbbbbbbccccccccccddddddddddeeeeeeeeeeffffffffffgggggggggghhhhhhhhhh",
		  "aaaaaaaaaabbbbbbbbbbccccccccccddddddddddeeeeeeeeeeffffffffffgggggggggghhhhhhhhhh" },
	};
	(void)state;
	for (size_t i = 0; i < GW_ARRAY_SIZE(cases); i++) {
		char *got = store_text_subject_from(cases[i].body);
		if (strcmp(got, cases[i].want) != 0)
			fail_msg("case %zu: \"%s\", want \"%s\"", i, got, cases[i].want);
		free(got);
	}
	/* 90 two-byte characters: cut between characters, never inside one. */
	struct buf b = BUF_INIT;
	for (int i = 0; i < 90; i++)
		buf_puts(&b, "\xc3\xa9");
	char *got = store_text_subject_from(b.data);
	assert_int_equal(strlen(got), 77 * 2 + 3);
	assert_string_equal(got + 77 * 2, "...");
	free(got);
	buf_release(&b);
}

/* Bulk without a subject: each chat is named after the first line. */
static void test_store_shortcodes_bulk_without_subject(void **state)
{
	struct fx *f = *state;
	char *err = NULL;
	int64_t accs[] = { f->acc1, f->acc2 }, ids[2];
	struct store_chat_new c = {
		.account_ids = accs, .n_accounts = 2, .staff_id = f->owner, .subject = "",
		.body = "**[ACCOUNT_NAME]**: please upload the bank statements\nThank you",
	};
	CHECK_OK(store_chat_create(f->s, &c, ids, &err), err);
	text_is(f, "Acme Ltd: please upload the bank statements", "SELECT subject FROM threads WHERE id = %lld", ids[0]);
	text_is(f, "Beta GmbH: please upload the bank statements", "SELECT subject FROM threads WHERE id = %lld", ids[1]);
}

static void test_store_shortcodes_template_tasks(void **state)
{
	struct fx *f = *state;
	char *err = NULL;
	int64_t acc = f->acc2, tid = 0;
	struct store_template t;

	CHECK_OK(store_template_save(f->s, "yearend", "Year-end [ACCOUNT_NAME]", "Dear [CONTACT_NAME]",
				     "Upload statements\n\n  Sign the letter  \n", &err), err);
	CHECK_OK(store_template_get(f->s, "yearend", &t, &err), err);
	assert_string_equal(t.tasks, "Upload statements\n\n  Sign the letter  \n");
	store_template_clear(&t);
	/* The plain setter keeps the tasks. */
	CHECK_OK(store_template_set(f->s, "yearend", "Year-end [ACCOUNT_NAME]", "Dear [CONTACT_NAME]",
				    &err), err);
	struct store_chat_new c = {
		.account_ids = &acc, .n_accounts = 1, .staff_id = f->owner, .template_name = "yearend",
	};
	CHECK_OK(store_chat_create(f->s, &c, &tid, &err), err);
	assert_int_equal(fx_int(f, "SELECT count(*) FROM tasks WHERE thread_id = %lld",
				(long long)tid), 2);
	text_is(f, "Sign the letter", "SELECT text FROM tasks WHERE thread_id = %lld AND"
				    " position = 2", tid);
	/* Tasks of the chat win over the template's. */
	const char *own[] = { "Only this" };
	c.tasks = own;
	c.n_tasks = 1;
	CHECK_OK(store_chat_create(f->s, &c, &tid, &err), err);
	assert_int_equal(fx_int(f, "SELECT count(*) FROM tasks WHERE thread_id = %lld",
				(long long)tid), 1);
	/* Update by id, renaming it; a taken name is refused. */
	CHECK_OK(store_template_save(f->s, "other", "S", "B", "", &err), err);
	CHECK_OK(store_template_get(f->s, "yearend", &t, &err), err);
	CHECK_R(store_template_update(f->s, t.id, "other", "S", "B", "", &err), GW_PERMFAIL, err);
	CHECK_OK(store_template_update(f->s, t.id, "year end", "S2", "B2", "One", &err), err);
	store_template_clear(&t);
	CHECK_OK(store_template_get(f->s, "year end", &t, &err), err);
	assert_string_equal(t.tasks, "One");
	store_template_clear(&t);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, fx_setup, fx_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_store_shortcodes_per_reader),
		T(test_store_shortcodes_names_are_text),
		T(test_store_shortcodes_unknown_refused),
		T(test_store_shortcodes_subject_from_first_line),
		T(test_store_shortcodes_bulk_without_subject),
		T(test_store_shortcodes_template_tasks),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
