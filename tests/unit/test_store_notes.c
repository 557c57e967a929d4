/*
 * test_store_notes.c - internal notes and @mentions in the store: a note
 * only staff see (no contact email, view, unread count or reminder change),
 * a contact cannot write one, a mention of nobody or of a colleague who
 * cannot see the account is refused with nothing written, an owner may
 * assign and post, and the webhook event says the visibility.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "clock.h"
#include "store_webhooks.h"
#include "test_store_util.h"
#include "webhook.h"

static enum gw_result post(struct fx *f, int64_t tid, enum store_kind kind, int64_t who,
			   const char *body, int internal, int assign, int64_t *id_r,
			   int *unseen_r, char **err)
{
	struct store_post p = {
		.thread_id = tid, .author_kind = kind, .author_id = who, .body = body,
		.internal = internal, .assign_mentioned = assign,
	};
	return store_message_send(f->s, &p, id_r, unseen_r, err);
}

static void test_store_notes_internal_stays_with_staff(void **state)
{
	struct fx *f = *state;
	char *err = NULL;
	int64_t tid = fx_chat(f, f->acc1, "Return", "Please send the papers", 1, 3, 2), note;
	int64_t rem = fx_int(f, "SELECT rem_message_id FROM threads WHERE id = %lld",
			     (long long)tid);
	int64_t due = fx_int(f, "SELECT rem_next_due FROM threads WHERE id = %lld",
			     (long long)tid);
	int64_t notified = fx_int(f, "SELECT last_notified_at FROM threads WHERE id = %lld",
				  (long long)tid);
	int64_t rows = OUTBOX(f, "1");
	struct store_thread t;
	CHECK_OK(store_thread_get(f->s, tid, STORE_CONTACT, f->c1, &t, &err), err);
	int64_t unread = t.unread_count, count = t.message_count;
	store_thread_clear(&t);

	clock_set(T0 + 3600);
	CHECK_OK(post(f, tid, STORE_STAFF, f->member, "Client is slow, call them", 1, 0, &note,
		      NULL, &err), err);
	assert_int_equal(fx_int(f, "SELECT staff_only FROM messages WHERE id = %lld",
				(long long)note), 1);
	/* no email at all, the reminder cycle and the to-do order untouched */
	assert_int_equal(OUTBOX(f, "1"), rows);
	assert_int_equal(fx_int(f, "SELECT rem_message_id FROM threads WHERE id = %lld",
				(long long)tid), rem);
	assert_int_equal(fx_int(f, "SELECT rem_next_due FROM threads WHERE id = %lld",
				(long long)tid), due);
	assert_int_equal(fx_int(f, "SELECT last_notified_at FROM threads WHERE id = %lld",
				(long long)tid), notified);
	assert_int_equal(fx_int(f, "SELECT last_message_at FROM threads WHERE id = %lld",
				(long long)tid), T0);

	/* the contact's view, count and unread count do not know it */
	struct store_thread_view v;
	CHECK_OK(store_thread_show(f->s, tid, STORE_CONTACT, f->c1, 1, &v, &err), err);
	for (size_t i = 0; i < v.n_messages; i++)
		assert_int_not_equal(v.messages[i].id, note);
	store_thread_view_clear(&v);
	CHECK_OK(store_thread_get(f->s, tid, STORE_CONTACT, f->c1, &t, &err), err);
	assert_int_equal(t.unread_count, unread);
	assert_int_equal(t.message_count, count);
	store_thread_clear(&t);
	/* staff see it, marked */
	CHECK_OK(store_thread_show(f->s, tid, STORE_STAFF, f->owner, 1, &v, &err), err);
	assert_int_equal(v.messages[v.n_messages - 1].id, note);
	assert_int_equal(v.messages[v.n_messages - 1].staff_only, 1);
	store_thread_view_clear(&v);

	/* nor does the contact's person export */
	struct store_person pe;
	CHECK_OK(store_person_get(f->s, STORE_CONTACT, f->c1, &pe, &err), err);
	for (size_t i = 0; i < pe.n_threads; i++) {
		CHECK_OK(store_person_thread(f->s, &pe, i, &v, &err), err);
		for (size_t k = 0; k < v.n_messages; k++)
			assert_int_not_equal(v.messages[k].id, note);
		store_thread_view_clear(&v);
	}
	for (size_t i = 0; i < pe.outbox.count; i++)
		assert_int_not_equal(pe.outbox.items[i].message_id, note);
	store_person_clear(&pe);

	/* a later reopen or change of reminders concerns the client message */
	CHECK_OK(store_thread_set_reminders(f->s, tid, f->owner, 1, 5, 2, &err), err);
	assert_int_equal(fx_int(f, "SELECT rem_message_id FROM threads WHERE id = %lld",
				(long long)tid), rem);
}

static void test_store_notes_contact_cannot(void **state)
{
	struct fx *f = *state;
	char *err = NULL;
	int64_t tid = fx_chat(f, f->acc1, "Q", "Hello", 0, 0, 0);
	int64_t msgs = fx_int(f, "SELECT count(*) FROM messages");

	CHECK_R(post(f, tid, STORE_CONTACT, f->c1, "secret?", 1, 0, NULL, NULL, &err),
		GW_INVALID, err);
	/* a contact of another account learns nothing: not found first */
	CHECK_R(post(f, tid, STORE_CONTACT, f->c3, "secret?", 1, 0, NULL, NULL, &err),
		GW_NOTFOUND, err);
	CHECK_R(post(f, tid, STORE_STAFF, f->member2, "note", 1, 0, NULL, NULL, &err),
		GW_NOTFOUND, err);
	assert_int_equal(fx_int(f, "SELECT count(*) FROM messages"), msgs);
}

static void test_store_notes_mention_rules(void **state)
{
	struct fx *f = *state;
	char *err = NULL;
	int unseen = -1;
	int64_t tid = fx_chat(f, f->acc1, "Q", "Hello", 0, 0, 0), m;
	int64_t msgs = fx_int(f, "SELECT count(*) FROM messages");
	int64_t rows = OUTBOX(f, "1");

	/* nobody of that name: refused, quoting the name */
	assert_int_equal(post(f, tid, STORE_STAFF, f->owner, "ask @Zed please", 1, 0, NULL,
			      &unseen, &err), GW_INVALID);
	assert_non_null(strstr(err, "@Zed: no colleague has that name"));
	assert_int_equal(unseen, 0);
	free(err);
	err = NULL;
	/* a colleague who cannot see the account (Max is not assigned) */
	assert_int_equal(post(f, tid, STORE_STAFF, f->member, "@Max Member have a look", 1, 0,
			      NULL, &unseen, &err), GW_INVALID);
	assert_non_null(strstr(err, "Max Member cannot see the account"));
	assert_non_null(strstr(err, "ask an owner or admin"));
	assert_int_equal(unseen, 1);
	free(err);
	err = NULL;
	/* a member cannot assign either */
	CHECK_R(post(f, tid, STORE_STAFF, f->member, "@Max Member have a look", 1, 1, NULL,
		     &unseen, &err), GW_INVALID, err);
	assert_int_equal(fx_int(f, "SELECT count(*) FROM messages"), msgs);
	assert_int_equal(OUTBOX(f, "1"), rows);
	assert_int_equal(fx_int(f, "SELECT count(*) FROM staff_accounts WHERE staff_id = %lld",
				(long long)f->member2), 0);

	/* the owner is offered the assignment, and takes it */
	assert_int_equal(post(f, tid, STORE_STAFF, f->owner, "@Max Member have a look", 1, 0,
			      NULL, &unseen, &err), GW_INVALID);
	assert_non_null(strstr(err, "assign them to the account and post"));
	free(err);
	err = NULL;
	CHECK_OK(post(f, tid, STORE_STAFF, f->owner, "@Max Member have a look", 1, 1, &m,
		      &unseen, &err), err);
	assert_int_equal(fx_int(f, "SELECT count(*) FROM staff_accounts WHERE staff_id = %lld"
				   " AND account_id = %lld", (long long)f->member2,
				(long long)f->acc1), 1);
	assert_int_equal(OUTBOX(f, "kind = 'staff_mention' AND recipient_id = %lld"
				" AND message_id = %lld", (long long)f->member2, (long long)m), 1);
	/* internal: staff_mention only, no contact mail */
	assert_int_equal(OUTBOX(f, "1"), rows + 1);
	struct store_thread_view v;
	CHECK_OK(store_thread_show(f->s, tid, STORE_STAFF, f->owner, 1, &v, &err), err);
	assert_string_equal(v.messages[v.n_messages - 1].mentions, "Max Member");
	store_thread_view_clear(&v);

	/* escaped and address forms are text; a contact's @word is text and
	 * a contact's mention of who cannot see the account writes nothing */
	CHECK_OK(post(f, tid, STORE_STAFF, f->owner, "write to a@b.example, \\@handle at @2pm,"
		      " `@decorator` and ```\n@Adam Admin\n```", 0, 0, &m, NULL, &err), err);
	assert_int_equal(fx_int(f, "SELECT count(*) FROM mentions WHERE message_id = %lld",
				(long long)m), 0);
	int64_t t2 = fx_chat(f, f->acc2, "Beta", "Hi", 0, 0, 0);
	CHECK_OK(post(f, t2, STORE_CONTACT, f->c3, "@Mia Member and @acme_corp", 0, 0, &m, NULL,
		      &err), err);
	assert_int_equal(fx_int(f, "SELECT count(*) FROM mentions WHERE message_id = %lld",
				(long long)m), 0);
	assert_int_equal(OUTBOX(f, "kind = 'staff_mention' AND message_id = %lld",
				(long long)m), 0);
}

static void test_store_notes_webhook_visibility(void **state)
{
	struct fx *f = *state;
	char *err = NULL;
	int64_t tid = fx_chat(f, f->acc1, "Q", "Hello", 0, 0, 0), m1, m2;

	struct store_webhook_in in = { "notes", "https://hooks.example/in", "/etc/gatewayd/hook",
				       WEBHOOK_MESSAGE_POSTED };
	CHECK_OK(store_webhook_add(f->s, &in, &(int64_t){ 0 }, &err), err);
	CHECK_OK(post(f, tid, STORE_STAFF, f->owner, "note", 1, 0, &m1, NULL, &err), err);
	CHECK_OK(post(f, tid, STORE_STAFF, f->owner, "visible", 0, 0, &m2, NULL, &err), err);
	assert_int_equal(fx_int(f, "SELECT count(*) FROM webhook_events WHERE"
				   " json_extract(body, '$.data.message_id') = %lld AND"
				   " json_extract(body, '$.data.visibility') = 'staff'",
				(long long)m1), 1);
	assert_int_equal(fx_int(f, "SELECT count(*) FROM webhook_events WHERE"
				   " json_extract(body, '$.data.message_id') = %lld AND"
				   " json_extract(body, '$.data.visibility') = 'client'",
				(long long)m2), 1);
}

/* Resend and the emails' content: never the note; a client reads a
 * mention as the plain name, staff as written. */
static void test_store_notes_never_in_client_mail(void **state)
{
	struct fx *f = *state;
	char *err = NULL;
	int64_t acc = f->acc1, tid, visible, note;
	struct store_chat_new c = {
		.account_ids = &acc, .n_accounts = 1, .staff_id = f->member,
		.subject = "Year end", .body = "Please upload.", .show_content = 1,
	};
	CHECK_OK(store_chat_create(f->s, &c, &tid, &err), err);
	CHECK_OK(post(f, tid, STORE_STAFF, f->member, "@Adam Admin and @Mia will call you", 0, 0,
		      &visible, NULL, &err), err);
	CHECK_OK(post(f, tid, STORE_STAFF, f->member, "Secret: they owe us", 1, 0, &note, NULL,
		      &err), err);
	int n = 0;
	CHECK_OK(store_thread_resend(f->s, tid, f->member, &n, &err), err);
	assert_int_equal(n, 2);
	assert_int_equal(OUTBOX(f, "kind = 'resend' AND message_id = %lld", (long long)visible), 2);
	assert_int_equal(OUTBOX(f, "recipient_kind = 'contact' AND message_id = %lld",
				(long long)note), 0);

	struct store_compose k;
	int64_t row = fx_int(f, "SELECT id FROM outbox WHERE kind = 'resend'"
			     " AND recipient_id = %lld", (long long)f->c1);
	CHECK_OK(store_compose_get(f->s, row, &k, &err), err);
	assert_string_equal(k.body, "Adam Admin and Mia will call you");
	store_compose_clear(&k);
	row = fx_int(f, "SELECT id FROM outbox WHERE kind = 'staff_mention'"
		     " AND recipient_id = %lld", (long long)f->admin);
	CHECK_OK(store_compose_get(f->s, row, &k, &err), err);
	assert_string_equal(k.body, "@Adam Admin and @Mia will call you");
	store_compose_clear(&k);

	/* a row that pointed a contact at the note would carry no text */
	fx_exec(f, "UPDATE outbox SET message_id = %lld WHERE kind = 'resend'", (long long)note);
	row = fx_int(f, "SELECT id FROM outbox WHERE kind = 'resend'"
		     " AND recipient_id = %lld", (long long)f->c1);
	CHECK_OK(store_compose_get(f->s, row, &k, &err), err);
	assert_string_equal(k.body, "");
	store_compose_clear(&k);
}

#define T(name) cmocka_unit_test_setup_teardown(name, fx_setup, fx_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_store_notes_internal_stays_with_staff),
		T(test_store_notes_contact_cannot),
		T(test_store_notes_mention_rules),
		T(test_store_notes_webhook_visibility),
		T(test_store_notes_never_in_client_mail),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
