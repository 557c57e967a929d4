/*
 * test_store_batch.c - notifications batched per recipient and thread
 * (store/batch.c): several events in the window are one outbox row, a read
 * mark or a live view cancels what it covers, a crash loses and doubles
 * nothing, the window of 0 is the old one-email-per-event, and reminders
 * and resends are never held back.  The clock is moved by hand.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "clock.h"
#include "retention.h"
#include "test_store_util.h"

#define WINDOW 120

/* The fixture's store, reopened with a batch window. */
static void reopen(struct fx *f, int64_t window)
{
	char *err = NULL;

	store_close(&f->s);
	f->cfg.batch_window = window;
	if (store_open(&f->cfg, &f->s, &err) != 0)
		fail_msg("store_open: %s", err);
	store_set_mail_domain(f->s, "reply.firm.example");
}

static int setup(void **state)
{
	fx_setup(state);
	reopen(*state, WINDOW);
	return 0;
}

static size_t claim(struct fx *f, int64_t now, struct store_outbox_list *l)
{
	char *err = NULL;

	CHECK_OK(store_outbox_claim(f->s, now, 600, 100, l, &err), err);
	return l->count;
}

static size_t claim_count(struct fx *f, int64_t now)
{
	struct store_outbox_list l;
	size_t n = claim(f, now, &l);

	store_outbox_list_free(&l);
	return n;
}

static int64_t post(struct fx *f, int64_t tid, enum store_kind kind, int64_t who,
		    const char *body)
{
	int64_t id = 0;
	char *err = NULL;

	CHECK_OK(store_message_post(f->s, tid, kind, who, body, &id, &err), err);
	return id;
}

#define ROW_OF(f, kind, id)                                                        \
	fx_int((f), "SELECT coalesce(max(id), 0) FROM outbox WHERE recipient_kind = '%s'" \
		    " AND recipient_id = %lld AND status = 'queued'", (kind), (long long)(id))
#define ITEMS(f, row) fx_int((f), "SELECT count(*) FROM outbox_items WHERE outbox_id = %lld", \
			     (long long)(row))

/* Messages in the window: one row per contact, due when it closes, listing both. */
static void test_store_batch_window_gathers(void **state)
{
	struct fx *f = *state;
	char *err = NULL;
	int64_t tid = fx_chat(f, f->acc1, "Year end", "First", 0, 0, 0);

	assert_int_equal(OUTBOX(f, "kind = 'new_message'"), 2);
	assert_int_equal(OUTBOX(f, "next_attempt_at = %lld", (long long)(T0 + WINDOW)), 2);
	clock_set(T0 + 30);
	int64_t m2 = post(f, tid, STORE_STAFF, f->owner, "Second");
	clock_set(T0 + 60);
	post(f, tid, STORE_STAFF, f->owner, "Third");
	assert_int_equal(OUTBOX(f, "kind = 'new_message'"), 2);
	int64_t row = ROW_OF(f, "contact", f->c1);
	assert_int_equal(ITEMS(f, row), 3);

	assert_int_equal(claim_count(f, T0 + WINDOW - 1), 0);
	struct store_outbox_list l;
	assert_int_equal(claim(f, T0 + WINDOW, &l), 2);
	struct store_compose c;
	CHECK_OK(store_compose_get(f->s, row, &c, &err), err);
	assert_int_equal(c.n_items, 3);
	assert_string_equal(c.items[0].body, "First");
	assert_string_equal(c.items[1].body, "Second");
	assert_int_equal(c.items[1].message_id, m2);
	assert_string_equal(c.items[2].actor_name, "Olivia Owner");
	store_compose_clear(&c);
	store_outbox_list_free(&l);

	/* after the window: a new batch, not more of the sent one */
	clock_set(T0 + 200);
	post(f, tid, STORE_STAFF, f->owner, "Fourth");
	assert_int_equal(OUTBOX(f, "kind = 'new_message'"), 4);
	assert_int_equal(OUTBOX(f, "status = 'queued' AND next_attempt_at = %lld",
				(long long)(T0 + 200 + WINDOW)), 2);
}

/* A read mark inside the window cancels what it covers, for that reader only. */
static void test_store_batch_read_cancels(void **state)
{
	struct fx *f = *state;
	char *err = NULL;
	int64_t tid = fx_chat(f, f->acc1, "Read it", "First", 0, 0, 0);
	int64_t first = fx_int(f, "SELECT min(id) FROM messages WHERE thread_id = %lld",
			       (long long)tid);

	clock_set(T0 + 5);
	int64_t m2 = post(f, tid, STORE_STAFF, f->owner, "Second");
	/* c1 read only the first message: the second still goes to them */
	clock_set(T0 + 10);
	CHECK_OK(store_read_mark(f->s, tid, STORE_CONTACT, f->c1, first, &err), err);
	int64_t row = ROW_OF(f, "contact", f->c1);
	assert_true(row != 0);
	assert_int_equal(ITEMS(f, row), 1);
	assert_int_equal(fx_int(f, "SELECT message_id FROM outbox WHERE id = %lld", (long long)row),
			 m2);
	/* now all of it: no email for c1; c2 still gets theirs */
	CHECK_OK(store_read_mark(f->s, tid, STORE_CONTACT, f->c1, 0, &err), err);
	assert_int_equal(ROW_OF(f, "contact", f->c1), 0);
	assert_int_equal(fx_int(f, "SELECT count(*) FROM outbox_batches WHERE outbox_id = %lld",
				(long long)row), 0);
	assert_int_equal(OUTBOX(f, "recipient_kind = 'contact' AND recipient_id = %lld",
				(long long)f->c2), 1);
	/* what comes after the read is news again */
	clock_set(T0 + 20);
	post(f, tid, STORE_STAFF, f->owner, "Third");
	assert_int_equal(OUTBOX(f, "recipient_kind = 'contact' AND recipient_id = %lld"
				" AND next_attempt_at = %lld", (long long)f->c1,
				(long long)(T0 + 20 + WINDOW)), 1);
	assert_int_equal(claim_count(f, T0 + 20 + WINDOW), 2);
}

/* A reader with the thread open live is not emailed about what was pushed. */
static void test_store_batch_live_seen(void **state)
{
	struct fx *f = *state;
	char *err = NULL;
	int64_t tid = fx_chat(f, f->acc1, "Live", "Hello", 0, 0, 0);
	struct store_seen seen[] = { { tid, STORE_CONTACT, f->c2 } };

	clock_set(T0 + 3);
	CHECK_OK(store_batch_seen_live(f->s, seen, 1, T0 + 3, &err), err);
	assert_int_equal(ROW_OF(f, "contact", f->c2), 0);
	assert_true(ROW_OF(f, "contact", f->c1) != 0);
	/* seen live before it happened covers nothing */
	clock_set(T0 + 10);
	post(f, tid, STORE_STAFF, f->owner, "Later");
	CHECK_OK(store_batch_seen_live(f->s, seen, 1, T0 + 9, &err), err);
	assert_true(ROW_OF(f, "contact", f->c2) != 0);
}

/* The window is rows: a crash (another connection, a new process) sends
 * the batch once after the window, and a claimed batch is not cancelled. */
static void test_store_batch_crash_sends_once(void **state)
{
	struct fx *f = *state;
	char *err = NULL;
	int64_t tid = fx_chat(f, f->acc1, "Crash", "Hello", 0, 0, 0);

	clock_set(T0 + 10);
	post(f, tid, STORE_STAFF, f->owner, "More");
	store_close(&f->s);  /* the process is gone; its window is not */
	clock_set(T0 + 3600);
	reopen(f, WINDOW);
	struct store_outbox_list l;
	assert_int_equal(claim(f, T0 + 3600, &l), 2);
	/* a read while sending cancels nothing that is on its way */
	CHECK_OK(store_read_mark(f->s, tid, STORE_CONTACT, f->c1, 0, &err), err);
	for (size_t i = 0; i < l.count; i++)
		CHECK_OK(store_outbox_sent(f->s, l.items[i].id, T0 + 3601, &err), err);
	store_outbox_list_free(&l);
	assert_int_equal(OUTBOX(f, "status = 'sent'"), 2);
	assert_int_equal(claim_count(f, T0 + 7200), 0);

	/* retention takes a sent batch's items and window with its row */
	struct store_retention keep = { .outbox = DAY };
	struct store_retention_result res;

	memset(&res, 0, sizeof(res));
	CHECK_OK(store_retention_step(f->s, &keep, T0 + 3 * DAY, 100, NULL, &res, &err), err);
	assert_int_equal(res.outbox, 2);
	assert_int_equal(fx_int(f, "SELECT count(*) FROM outbox_items"), 0);
	assert_int_equal(fx_int(f, "SELECT count(*) FROM outbox_batches"), 0);
}

/* A client's reply, tick and untick: one email to each staff member, naming them. */
static void test_store_batch_client_events_to_staff(void **state)
{
	struct fx *f = *state;
	char *err = NULL;
	int64_t tid = fx_chat(f, f->acc1, "Tasks", "Please", 0, 0, 0), task;

	CHECK_OK(store_task_add(f->s, tid, "Send the invoice", &task, &err), err);
	clock_set(T0 + 10);
	post(f, tid, STORE_CONTACT, f->c1, "Done soon");
	clock_set(T0 + 20);
	CHECK_OK(store_task_set_done(f->s, task, STORE_CONTACT, f->c1, 1, &err), err);
	clock_set(T0 + 30);
	CHECK_OK(store_task_set_done(f->s, task, STORE_CONTACT, f->c2, 0, &err), err);
	/* the member assigned, the owner who follows: one row each */
	assert_int_equal(OUTBOX(f, "recipient_kind = 'staff'"), 2);
	int64_t row = ROW_OF(f, "staff", f->member);
	struct store_compose c;
	CHECK_OK(store_compose_get(f->s, row, &c, &err), err);
	assert_int_equal(c.n_items, 3);
	assert_int_equal(c.items[0].kind, MAIL_STAFF_CLIENT_REPLIED);
	assert_string_equal(c.items[0].actor_name, "Carla Client");
	assert_string_equal(c.items[0].body, "Done soon");
	assert_int_equal(c.items[1].kind, MAIL_STAFF_TASK_DONE);
	assert_int_equal(c.items[1].undone, 0);
	assert_string_equal(c.items[1].text, "Send the invoice");
	assert_string_equal(c.items[1].actor_name, "Carla Client");
	assert_int_equal(c.items[2].undone, 1);
	assert_string_equal(c.items[2].actor_name, "Chris Client");
	store_compose_clear(&c);
	/* the member reads the thread: nothing left for them */
	clock_set(T0 + 40);
	CHECK_OK(store_read_mark(f->s, tid, STORE_STAFF, f->member, 0, &err), err);
	assert_int_equal(ROW_OF(f, "staff", f->member), 0);
	assert_true(ROW_OF(f, "staff", f->owner) != 0);
}

/* A window of 0: every event its own row at once, and a read cancels nothing. */
static void test_store_batch_window_zero(void **state)
{
	struct fx *f = *state;
	char *err = NULL;

	reopen(f, 0);
	int64_t tid = fx_chat(f, f->acc1, "Now", "One", 0, 0, 0);
	post(f, tid, STORE_STAFF, f->owner, "Two");
	assert_int_equal(OUTBOX(f, "kind = 'new_message' AND next_attempt_at = %lld",
				(long long)T0), 4);
	assert_int_equal(fx_int(f, "SELECT count(*) FROM outbox_batches"), 0);
	CHECK_OK(store_read_mark(f->s, tid, STORE_CONTACT, f->c1, 0, &err), err);
	assert_int_equal(OUTBOX(f, "kind = 'new_message'"), 4);
	assert_int_equal(claim_count(f, T0), 4);
}

/* Resends and reminders are not held back by a window. */
static void test_store_batch_not_for_resend_or_reminders(void **state)
{
	struct fx *f = *state;
	char *err = NULL;
	int n = 0;
	int64_t tid = fx_chat(f, f->acc1, "Remind", "Answer me", 1, 1, 1);

	clock_set(T0 + 10);
	CHECK_OK(store_thread_resend(f->s, tid, f->owner, &n, &err), err);
	assert_int_equal(n, 2);
	assert_int_equal(OUTBOX(f, "kind = 'resend' AND next_attempt_at = %lld",
				(long long)(T0 + 10)), 2);
	clock_set(T0 + 2 * DAY);
	CHECK_OK(store_reminders_run(f->s, T0 + 2 * DAY, &n, &err), err);
	assert_true(n > 0);
	assert_int_equal(OUTBOX(f, "kind = 'reminder' AND next_attempt_at <= %lld",
				(long long)(T0 + 2 * DAY)), n);
	assert_int_equal(fx_int(f, "SELECT count(*) FROM outbox_items WHERE kind IN"
				" ('reminder', 'resend')"), 0);
}

/* The firm's default ([mail] show_content) for chats that do not say. */
static void test_store_show_content_default(void **state)
{
	struct fx *f = *state;
	char *err = NULL;
	int64_t acc = f->acc1, ids[1];
	struct store_chat_new c = {
		.account_ids = &acc, .n_accounts = 1, .staff_id = f->owner,
		.subject = "S", .body = "B", .show_content = STORE_SHOW_CONTENT_DEFAULT,
	};

	CHECK_OK(store_chat_create(f->s, &c, ids, &err), err);
	assert_int_equal(fx_int(f, "SELECT show_content FROM threads WHERE id = %lld",
				(long long)ids[0]), 0);
	f->cfg.show_content = 1;
	reopen(f, WINDOW);
	assert_int_equal(store_show_content_default(f->s), 1);
	CHECK_OK(store_chat_create(f->s, &c, ids, &err), err);
	assert_int_equal(fx_int(f, "SELECT show_content FROM threads WHERE id = %lld",
				(long long)ids[0]), 1);
	c.show_content = 0;  /* said: kept */
	CHECK_OK(store_chat_create(f->s, &c, ids, &err), err);
	assert_int_equal(fx_int(f, "SELECT show_content FROM threads WHERE id = %lld",
				(long long)ids[0]), 0);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, fx_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_store_batch_window_gathers),
		T(test_store_batch_read_cancels),
		T(test_store_batch_live_seen),
		T(test_store_batch_crash_sends_once),
		T(test_store_batch_client_events_to_staff),
		T(test_store_batch_window_zero),
		T(test_store_batch_not_for_resend_or_reminders),
		T(test_store_show_content_default),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
