/*
 * test_store_i18n.c - system notes said in each reader's language, old
 * notes kept readable, and what the store keeps of a reader's language.
 */
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
#include "test_store_util.h"

static int setup(void **state)
{
	char *err = NULL;

	if (i18n_init(&err) < 0)
		fail_msg("i18n_init: %s", err);
	i18n_defaults("en", "UTC");
	i18n_reader_reset();
	return fx_setup(state);
}

static int teardown(void **state)
{
	i18n_reader_reset();
	return fx_teardown(state);
}

/* The body of the thread's note number N (0-based), read as the current
 * reader; malloc'd. */
static char *note_body(struct fx *f, int64_t thread, int n)
{
	struct store_thread_view v;
	char *err = NULL, *body = NULL;
	int seen = 0;

	CHECK_OK(store_thread_show(f->s, thread, STORE_STAFF, f->owner, 1, &v, &err), err);
	for (size_t i = 0; i < v.n_messages; i++)
		if (v.messages[i].author_kind == STORE_SYSTEM && seen++ == n) {
			body = xstrdup(v.messages[i].body);
			break;
		}
	store_thread_view_clear(&v);
	if (body == NULL)
		fail_msg("thread %lld has no note %d", (long long)thread, n);
	return body;
}

/* The reminders note (staff only, in the words of reminder_words.c):
 * English in the row, French for a French reader. */
static void test_store_i18n_note_in_reader_language(void **state)
{
	struct fx *f = *state;
	int64_t t = fx_chat(f, f->acc1, "Bilan", "Bonjour", 1, 3, 2);
	char *body, *stored;

	stored = fx_text(f, "SELECT body FROM messages WHERE thread_id = %lld AND"
			    " author_kind = 'system'", (long long)t);
	assert_string_equal(stored, "Reminders are on: if the client does not answer, up to 2 "
				    "reminders will be emailed. Each goes out 3 days after the "
				    "latest message or the previous reminder. Reminders stop when "
				    "the client answers, or when all messages are read.");
	free(stored);
	stored = fx_text(f, "SELECT staff_only FROM messages WHERE thread_id = %lld AND"
			    " author_kind = 'system'", (long long)t);
	assert_string_equal(stored, "1");
	free(stored);
	body = note_body(f, t, 0);
	stored = fx_text(f, "SELECT body FROM messages WHERE thread_id = %lld"
			    " AND author_kind = 'system'", (long long)t);
	assert_string_equal(body, stored);
	free(stored);
	free(body);
	i18n_reader_set("fr", NULL);
	body = note_body(f, t, 0);
	if (strcmp(body, "Les rappels sont activés : si le client ne répond pas, jusqu’à 2 "
			 "rappels lui seront envoyés par e-mail. Chacun part 3 jours après le "
			 "dernier message ou le rappel précédent. Les rappels s’arrêtent quand "
			 "le client répond, ou quand tous les messages sont lus.") != 0)
		fail_msg("French note: %s", body);
	free(body);
}

/* A task note is said again in each reader's language; the row keeps
 * the English text. */
static void test_store_i18n_task_note(void **state)
{
	struct fx *f = *state;
	int64_t t = fx_chat(f, f->acc1, "Bilan", "Bonjour", 0, 0, 0), task = 0;
	char *body, *stored, *err = NULL;

	CHECK_OK(store_task_create(f->s, t, 0, "Send the invoices", &task, &err), err);
	stored = fx_text(f, "SELECT body || '|' || note_kind FROM messages WHERE thread_id = %lld"
			    " AND author_kind = 'system' ORDER BY id DESC LIMIT 1", (long long)t);
	assert_string_equal(stored, "A task was added through the firm's tools: "
				    "\xe2\x80\x9cSend the invoices\xe2\x80\x9d|task");
	free(stored);
	i18n_reader_set("fr", NULL);
	body = note_body(f, t, 0);
	assert_string_equal(body, "Une tâche a été ajoutée par les outils du cabinet : "
				  "\xe2\x80\x9cSend the invoices\xe2\x80\x9d");
	free(body);
}

/* A note written before notes had kinds, or of a kind this build does
 * not know, keeps its stored text in every language. */
static void test_store_i18n_old_notes_stay_readable(void **state)
{
	struct fx *f = *state;
	int64_t t = fx_chat(f, f->acc1, "Old", "Hello", 0, 0, 0);
	char *body;

	fx_exec(f, "INSERT INTO messages (thread_id, author_kind, body, staff_only, created_at)"
		   " VALUES (%lld, 'system', 'Reminders are off for this chat.', 0, %lld)",
		(long long)t, (long long)T0);
	fx_exec(f, "INSERT INTO messages (thread_id, author_kind, body, staff_only, created_at,"
		   " note_kind, note_args) VALUES (%lld, 'system', 'A later kind.', 0, %lld,"
		   " 'from_the_future', 'x')", (long long)t, (long long)T0);
	i18n_reader_set("fr", "Europe/Paris");
	body = note_body(f, t, 0);
	assert_string_equal(body, "Reminders are off for this chat.");
	free(body);
	body = note_body(f, t, 1);
	assert_string_equal(body, "A later kind.");
	free(body);
}

/* An email reply turned away: the staff note names the time in the
 * reader's zone and language. */
static void test_store_i18n_email_reply_note(void **state)
{
	struct fx *f = *state;
	int64_t t = fx_chat(f, f->acc1, "Bilan", "Bonjour", 0, 0, 0);
	struct store_explanation ex;
	char *err = NULL, *body;
	char args[200];

	/* 2026-03-29 01:30 UTC: after Paris went to summer time */
	snprintf(args, sizeof(args), "anna@acme.example" STORE_NOTE_SEP "Anna Baker"
		 STORE_NOTE_SEP "1" STORE_NOTE_SEP "1774747800");
	memset(&ex, 0, sizeof(ex));
	ex.sender = "anna@acme.example";
	ex.thread_id = t;
	ex.note_kind = "email_reply";
	ex.note_args = args;
	CHECK_OK(store_explanation_queue(f->s, NULL, &ex, NULL, &err), err);
	body = note_body(f, t, 0);
	assert_string_equal(body, "Anna Baker replied by email at Mar 29, 2026, 1:30\xe2\x80\xaf"
				  "AM UTC; the reply was not posted and they were told to use the "
				  "chat.");
	free(body);
	i18n_reader_set("fr", "Europe/Paris");
	body = note_body(f, t, 0);
	assert_string_equal(body, "Anna Baker a répondu par e-mail le 29 mars 2026, 03:30 UTC+2 ; "
				  "la réponse n’a pas été publiée et on lui a demandé d’utiliser "
				  "la discussion.");
	free(body);
}

/* What the store keeps: a canonical language, NULL for the firm's; and
 * the compose record of an email carries the recipient's. */
static void test_store_i18n_locale_kept(void **state)
{
	struct fx *f = *state;
	struct store_contact c;
	char *err = NULL;

	CHECK_OK(store_contact_set_locale(f->s, f->c1, "fr_FR", "Europe/Paris", &err), err);
	CHECK_OK(store_contact_get(f->s, f->c1, &c, &err), err);
	assert_string_equal(c.language, "fr");
	assert_string_equal(c.timezone, "Europe/Paris");
	store_contact_clear(&c);
	/* "" keeps, "-" gives back to the firm's */
	CHECK_OK(store_contact_set_locale(f->s, f->c1, "", "-", &err), err);
	CHECK_OK(store_contact_get(f->s, f->c1, &c, &err), err);
	assert_string_equal(c.language, "fr");
	assert_null(c.timezone);
	store_contact_clear(&c);

	fx_chat(f, f->acc1, "Bilan", "Bonjour", 0, 0, 0);
	{
		int64_t id = fx_int(f, "SELECT max(id) FROM outbox WHERE recipient_kind = 'contact'"
				       " AND recipient_id = %lld", (long long)f->c1);
		struct store_compose rec;

		CHECK_OK(store_compose_get(f->s, id, &rec, &err), err);
		assert_string_equal(rec.recipient_language, "fr");
		assert_null(rec.recipient_timezone);
		store_compose_clear(&rec);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_store_i18n_note_in_reader_language, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_store_i18n_old_notes_stay_readable, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_store_i18n_email_reply_note, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store_i18n_task_note, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store_i18n_locale_kept, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
