/*
 * test_store_reminders.c - every reminder rule of DESIGN.md, stepped
 * through days with a pinned clock: defaults, N reminders D days apart,
 * each way a cycle stops, reopen, restart on a new staff message, resend,
 * and the system note that announces the schedule.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "clock.h"
#include "test_store_util.h"

/* Run the scheduler at `at` (also pinning the clock there). */
static int run_at(struct fx *f, int64_t at)
{
	char *err = NULL;
	int n = -1;
	clock_set(at);
	CHECK_OK(store_reminders_run(f->s, at, &n, &err), err);
	return n;
}

static struct store_reminders rem_of(struct fx *f, int64_t tid)
{
	struct store_thread t;
	char *err = NULL;
	CHECK_OK(store_thread_get(f->s, tid, 0, 0, &t, &err), err);
	struct store_reminders r = t.reminders;
	store_thread_clear(&t);
	return r;
}

static int64_t reminders_sent(struct fx *f, int64_t tid)
{
	return OUTBOX(f, "kind = 'reminder' AND thread_id = %lld", (long long)tid);
}

static void test_store_reminders_default_three_days_one(void **state)
{
	struct fx *f = *state;
	char *err = NULL;
	store_set_reminder_defaults(f->s, 3, 1);
	int64_t tid = fx_chat(f, f->acc1, "Defaults", "hello", 1, 0, 0), due;

	struct store_reminders r = rem_of(f, tid);
	assert_int_equal(r.enabled, 1);
	assert_int_equal(r.days, 3);
	assert_int_equal(r.count, 1);
	assert_int_equal(r.anchor_at, T0);
	assert_int_equal(r.next_due, T0 + 3 * DAY);
	assert_int_equal(r.remaining, 1);
	/* The chat notes the schedule for staff (clients see the banner, not
	 * a note); its author has read it. */
	struct store_thread_view v;
	CHECK_OK(store_thread_show(f->s, tid, STORE_STAFF, f->owner, 1, &v, &err), err);
	assert_int_equal(v.n_messages, 2);
	assert_int_equal(v.messages[1].author_kind, STORE_SYSTEM);
	assert_int_equal(v.messages[1].staff_only, 1);
	assert_non_null(strstr(v.messages[1].body, "1 reminder will be emailed. Each goes out "
					     "3 days after the latest message"));
	assert_non_null(strstr(v.messages[1].body, "Reminders stop when the client answers, or "
					     "when all messages are read."));
	assert_int_equal(v.thread.unread_count, 0);
	store_thread_view_clear(&v);
	CHECK_OK(store_thread_show(f->s, tid, STORE_CONTACT, f->c1, 0, &v, &err), err);
	assert_int_equal(v.n_messages, 1);
	store_thread_view_clear(&v);
	CHECK_OK(store_reminders_next_due(f->s, &due, &err), err);
	assert_int_equal(due, T0 + 3 * DAY);

	assert_int_equal(run_at(f, T0 + 3 * DAY - 1), 0);
	assert_int_equal(run_at(f, T0 + 3 * DAY), 2); /* c1 and c2 */
	assert_int_equal(OUTBOX(f, "kind = 'reminder' AND extra = '1' AND dedup_key LIKE"
				" 'reminder:%lld:%%:1:contact:%%'", (long long)tid), 2);
	r = rem_of(f, tid);
	assert_int_equal(r.sent, 1);
	assert_int_equal(r.next_due, 0);
	assert_int_equal(r.remaining, 0);
	assert_int_equal(run_at(f, T0 + 30 * DAY), 0);
	assert_int_equal(reminders_sent(f, tid), 2);
	CHECK_R(store_reminders_next_due(f->s, &due, &err), GW_NOTFOUND, err);
	/* The reminder moved the thread up the client's to-do list. */
	assert_int_equal(fx_int(f, "SELECT last_notified_at FROM threads WHERE id = %lld",
				(long long)tid), T0 + 3 * DAY);
}

static void test_store_reminders_n_every_d_days(void **state)
{
	struct fx *f = *state;
	int64_t tid = fx_chat(f, f->acc2, "Three", "hello", 1, 2, 3); /* one contact */
	static const struct {
		int64_t at;
		int want_new;
		int want_sent;
	} steps[] = {
		{ T0 + 1 * DAY, 0, 0 }, { T0 + 2 * DAY, 1, 1 }, { T0 + 3 * DAY, 0, 1 },
		{ T0 + 4 * DAY, 1, 2 }, { T0 + 5 * DAY, 0, 2 }, { T0 + 6 * DAY, 1, 3 },
		{ T0 + 8 * DAY, 0, 3 }, { T0 + 20 * DAY, 0, 3 },
	};
	for (size_t i = 0; i < GW_ARRAY_SIZE(steps); i++) {
		int n = run_at(f, steps[i].at);
		if (n != steps[i].want_new)
			fail_msg("case %zu: %d new reminders, want %d", i, n, steps[i].want_new);
		struct store_reminders r = rem_of(f, tid);
		if (r.sent != steps[i].want_sent)
			fail_msg("case %zu: sent %d, want %d", i, r.sent, steps[i].want_sent);
		if (r.remaining != (r.next_due != 0 ? 3 - r.sent : 0))
			fail_msg("case %zu: remaining %d", i, r.remaining);
	}
	for (int k = 1; k <= 3; k++)
		assert_int_equal(OUTBOX(f, "kind = 'reminder' AND extra = '%d'", k), 1);
}

static void test_store_reminders_late_scheduler_does_not_burst(void **state)
{
	struct fx *f = *state;
	int64_t tid = fx_chat(f, f->acc2, "Late", "hello", 1, 2, 3);
	/* Down for ten days: one reminder now, the next `days` after it. */
	assert_int_equal(run_at(f, T0 + 10 * DAY), 1);
	assert_int_equal(rem_of(f, tid).next_due, T0 + 12 * DAY);
	assert_int_equal(run_at(f, T0 + 11 * DAY), 0);
	assert_int_equal(run_at(f, T0 + 12 * DAY), 1);
}

static void test_store_reminders_client_reply_stops(void **state)
{
	struct fx *f = *state;
	char *err = NULL;
	int64_t tid = fx_chat(f, f->acc1, "Reply", "hello", 1, 1, 3);
	assert_int_equal(run_at(f, T0 + DAY), 2);
	CHECK_OK(store_message_post(f->s, tid, STORE_CONTACT, f->c2, "Here you go", NULL, &err),
		 err);
	assert_int_equal(rem_of(f, tid).next_due, 0);
	assert_int_equal(run_at(f, T0 + 10 * DAY), 0);
	assert_int_equal(reminders_sent(f, tid), 2);
}

static void test_store_reminders_tasks_done_and_read_stop(void **state)
{
	struct fx *f = *state;
	char *err = NULL;
	const char *tasks[] = { "One", "Two" };
	int64_t acc = f->acc2, tid;
	struct store_chat_new c = {
		.account_ids = &acc, .n_accounts = 1, .staff_id = f->owner, .subject = "Tasks",
		.body = "do them", .tasks = tasks, .n_tasks = 2, .reminders = 1,
		.reminder_days = 1, .reminder_count = 5,
	};
	CHECK_OK(store_chat_create(f->s, &c, &tid, &err), err);
	int64_t t1 = fx_int(f, "SELECT id FROM tasks WHERE thread_id = %lld AND position = 1",
			    (long long)tid);

	/* Read everything, tasks still open: reminders go on. */
	CHECK_OK(store_read_mark(f->s, tid, STORE_CONTACT, f->c3, 0, &err), err);
	assert_int_equal(run_at(f, T0 + DAY), 1);
	/* All tasks done, but a message unread (the new reminder does not add
	 * messages; a staff note does): first tick task 1 only. */
	CHECK_OK(store_task_set_done(f->s, t1, STORE_CONTACT, f->c3, 1, &err), err);
	assert_int_equal(run_at(f, T0 + 2 * DAY), 1);
	CHECK_OK(store_note_add(f->s, tid, "A note for the client", 0, NULL, &err), err);
	int64_t t2 = t1 + 1;
	CHECK_OK(store_task_set_done(f->s, t2, STORE_CONTACT, f->c3, 1, &err), err);
	assert_true(rem_of(f, tid).next_due != 0); /* the note is unread */
	assert_int_equal(run_at(f, T0 + 3 * DAY), 1);
	/* Now read: both conditions hold, the cycle stops at once. */
	CHECK_OK(store_read_mark(f->s, tid, STORE_CONTACT, f->c3, 0, &err), err);
	assert_int_equal(rem_of(f, tid).next_due, 0);
	assert_int_equal(run_at(f, T0 + 10 * DAY), 0);
	assert_int_equal(reminders_sent(f, tid), 3);
	/* A staff-only note does not count as unread for the client. */
	CHECK_OK(store_message_post(f->s, tid, STORE_STAFF, f->owner, "one more", NULL, &err),
		 err);
	CHECK_OK(store_note_add(f->s, tid, "private", 1, NULL, &err), err);
	assert_true(rem_of(f, tid).next_due != 0);
	CHECK_OK(store_read_mark(f->s, tid, STORE_CONTACT, f->c3, 0, &err), err);
	assert_int_equal(rem_of(f, tid).next_due, 0);
	assert_int_equal(run_at(f, T0 + 20 * DAY), 0);
}

static void test_store_reminders_archive_stops_reopen_rearms(void **state)
{
	struct fx *f = *state;
	char *err = NULL;
	int64_t tid = fx_chat(f, f->acc2, "Archive", "hello", 1, 3, 2);

	clock_set(T0 + DAY);
	CHECK_OK(store_thread_archive(f->s, tid, f->owner, &err), err);
	CHECK_OK(store_thread_archive(f->s, tid, f->owner, &err), err);
	assert_int_equal(rem_of(f, tid).next_due, 0);
	assert_int_equal(run_at(f, T0 + 9 * DAY), 0);
	struct store_thread_list tl;
	struct store_thread_filter flt = { .archived = STORE_ARCHIVED_ONLY };
	CHECK_OK(store_thread_list(f->s, &flt, &tl, &err), err);
	assert_int_equal(tl.count, 1);
	store_thread_list_free(&tl);

	/* Reopened on day 10: as if the last staff message were new. */
	clock_set(T0 + 10 * DAY);
	CHECK_OK(store_thread_reopen(f->s, tid, f->owner, &err), err);
	struct store_reminders r = rem_of(f, tid);
	assert_int_equal(r.anchor_at, T0 + 10 * DAY);
	assert_int_equal(r.sent, 0);
	assert_int_equal(r.next_due, T0 + 13 * DAY);
	assert_int_equal(run_at(f, T0 + 12 * DAY), 0);
	assert_int_equal(run_at(f, T0 + 13 * DAY), 1);
	assert_int_equal(run_at(f, T0 + 16 * DAY), 1);
	assert_int_equal(run_at(f, T0 + 19 * DAY), 0);
	CHECK_R(store_thread_reopen(f->s, tid, f->member, &err), GW_NOTFOUND, err);
}

static void test_store_reminders_off_and_note(void **state)
{
	struct fx *f = *state;
	char *err = NULL;
	int64_t tid = fx_chat(f, f->acc2, "Switch", "hello", 0, 0, 0);
	assert_int_equal(rem_of(f, tid).next_due, 0);
	int64_t notes = fx_int(f, "SELECT count(*) FROM messages WHERE author_kind = 'system'");

	clock_set(T0 + DAY);
	CHECK_OK(store_thread_set_reminders(f->s, tid, f->owner, 1, 2, 3, &err), err);
	char *note = fx_text(f, "SELECT body FROM messages WHERE author_kind = 'system'"
			     " AND staff_only = 1 ORDER BY id DESC LIMIT 1");
	assert_string_equal(note, "Reminders are on: if the client does not answer, up to 3 "
			    "reminders will be emailed. Each goes out 2 days after the latest "
			    "message or the previous reminder. Reminders stop when the client "
			    "answers, or when all messages are read.");
	free(note);
	/* Switched on later: the cycle starts from now. */
	struct store_reminders r = rem_of(f, tid);
	assert_int_equal(r.next_due, T0 + 3 * DAY);
	assert_int_equal(r.remaining, 3);
	/* The same settings again change nothing and write no note. */
	CHECK_OK(store_thread_set_reminders(f->s, tid, f->owner, 1, 2, 3, &err), err);
	assert_int_equal(fx_int(f, "SELECT count(*) FROM messages WHERE author_kind = 'system'"),
			 notes + 1);
	assert_int_equal(run_at(f, T0 + 3 * DAY), 1);

	clock_set(T0 + 4 * DAY);
	CHECK_OK(store_thread_set_reminders(f->s, tid, f->owner, 0, 0, 0, &err), err);
	assert_int_equal(rem_of(f, tid).next_due, 0);
	assert_int_equal(rem_of(f, tid).enabled, 0);
	assert_int_equal(run_at(f, T0 + 30 * DAY), 0);
	note = fx_text(f, "SELECT body FROM messages ORDER BY id DESC LIMIT 1");
	assert_string_equal(note, "Reminders are off for this chat.");
	free(note);

	CHECK_R(store_thread_set_reminders(f->s, tid, f->owner, 1, 0, 51, &err), GW_INVALID, err);
	CHECK_R(store_thread_set_reminders(f->s, tid, f->owner, 1, 366, 1, &err), GW_INVALID, err);
	CHECK_R(store_thread_set_reminders(f->s, 999, f->owner, 1, 1, 1, &err), GW_NOTFOUND, err);
}

static void test_store_reminders_count_reached_and_restart(void **state)
{
	struct fx *f = *state;
	char *err = NULL;
	int64_t tid = fx_chat(f, f->acc2, "Restart", "hello", 1, 2, 2), m2;

	assert_int_equal(run_at(f, T0 + 2 * DAY), 1);
	/* A new staff message on day 3 restarts the cycle on it. */
	clock_set(T0 + 3 * DAY);
	CHECK_OK(store_message_post(f->s, tid, STORE_STAFF, f->owner, "still waiting", &m2, &err),
		 err);
	struct store_reminders r = rem_of(f, tid);
	assert_int_equal(r.message_id, m2);
	assert_int_equal(r.sent, 0);
	assert_int_equal(r.next_due, T0 + 5 * DAY);
	assert_int_equal(run_at(f, T0 + 4 * DAY), 0);
	assert_int_equal(run_at(f, T0 + 5 * DAY), 1);
	assert_int_equal(run_at(f, T0 + 7 * DAY), 1);
	/* Count reached. */
	assert_int_equal(rem_of(f, tid).next_due, 0);
	assert_int_equal(run_at(f, T0 + 30 * DAY), 0);
	assert_int_equal(OUTBOX(f, "kind = 'reminder' AND message_id = %lld", (long long)m2), 2);
	assert_int_equal(reminders_sent(f, tid), 3);
}

static void test_store_reminders_resend_keeps_schedule(void **state)
{
	struct fx *f = *state;
	char *err = NULL;
	int64_t tid = fx_chat(f, f->acc1, "Resend", "hello", 1, 3, 1);
	int64_t other = fx_chat(f, f->acc1, "Newer", "hello", 0, 0, 0);
	int n = -1;

	clock_set(T0 + DAY);
	CHECK_OK(store_thread_resend(f->s, tid, f->owner, &n, &err), err);
	assert_int_equal(n, 2);
	assert_int_equal(OUTBOX(f, "kind = 'resend' AND thread_id = %lld", (long long)tid), 2);
	assert_int_equal(rem_of(f, tid).next_due, T0 + 3 * DAY);
	assert_int_equal(rem_of(f, tid).sent, 0);

	/* The resent thread tops the client's to-do list. */
	struct store_thread_list tl;
	struct store_thread_filter flt = { .contact_id = f->c1, .order = STORE_ORDER_TODO };
	CHECK_OK(store_thread_list(f->s, &flt, &tl, &err), err);
	assert_int_equal(tl.count, 2);
	assert_int_equal(tl.items[0].id, tid);
	assert_int_equal(tl.items[1].id, other);
	store_thread_list_free(&tl);

	assert_int_equal(run_at(f, T0 + 3 * DAY), 2);
	CHECK_OK(store_thread_archive(f->s, tid, 0, &err), err);
	CHECK_R(store_thread_resend(f->s, tid, f->owner, &n, &err), GW_INVALID, err);
}

/* Even a scheduler acting on stale state cannot enqueue a reminder twice:
 * the dedup key of reminder N for that message is already there. */
static void test_store_reminders_dedup_key_blocks_doubles(void **state)
{
	struct fx *f = *state;
	int64_t tid = fx_chat(f, f->acc1, "Dedup", "hello", 1, 1, 2);
	assert_int_equal(run_at(f, T0 + DAY), 2);
	fx_exec(f, "UPDATE threads SET rem_sent = 0, rem_next_due = %lld WHERE id = %lld",
		(long long)(T0 + DAY), (long long)tid);
	assert_int_equal(run_at(f, T0 + DAY), 0);
	assert_int_equal(reminders_sent(f, tid), 2);
	/* ... and the state moved on, so reminder 2 still goes out once. */
	assert_int_equal(rem_of(f, tid).sent, 1);
	assert_int_equal(run_at(f, T0 + 2 * DAY), 2);
	assert_int_equal(OUTBOX(f, "kind = 'reminder' AND extra = '2'"), 2);
}


/* Reminders about a chat with two tasks for account 2 (contact c3). */
static int64_t task_chat(struct fx *f, int days, int count)
{
	const char *tasks[] = { "One", "Two" };
	int64_t acc = f->acc2, tid = 0;
	char *err = NULL;
	struct store_chat_new c = {
		.account_ids = &acc, .n_accounts = 1, .staff_id = f->owner, .subject = "Tasks",
		.body = "do them", .tasks = tasks, .n_tasks = 2, .reminders = 1,
		.reminder_days = days, .reminder_count = count,
	};
	CHECK_OK(store_chat_create(f->s, &c, &tid, &err), err);
	return tid;
}

static int64_t client_unread(struct fx *f, int64_t tid)
{
	struct store_thread t;
	char *err = NULL;
	CHECK_OK(store_thread_get(f->s, tid, STORE_CONTACT, f->c3, &t, &err), err);
	int64_t n = t.client_unread;
	store_thread_clear(&t);
	return n;
}

/*
 * What the client is told is the rule: once they ticked every task and read
 * every message, no reminder follows, whatever staff do to the settings
 * afterwards (the note a change writes is for staff, not a new unread
 * message for the client).
 */
static void test_store_reminders_ticked_and_read_get_no_more(void **state)
{
	struct fx *f = *state;
	char *err = NULL;
	int64_t tid = task_chat(f, 2, 5);
	int64_t t1 = fx_int(f, "SELECT id FROM tasks WHERE thread_id = %lld AND position = 1",
			    (long long)tid);

	assert_int_equal(client_unread(f, tid), 1);
	assert_int_equal(run_at(f, T0 + 2 * DAY), 1);
	clock_set(T0 + 3 * DAY);
	CHECK_OK(store_read_mark(f->s, tid, STORE_CONTACT, f->c3, 0, &err), err);
	assert_int_equal(client_unread(f, tid), 0);
	CHECK_OK(store_task_set_done(f->s, t1, STORE_CONTACT, f->c3, 1, &err), err);
	assert_true(rem_of(f, tid).next_due != 0); /* task 2 still open */
	CHECK_OK(store_task_set_done(f->s, t1 + 1, STORE_CONTACT, f->c3, 1, &err), err);
	assert_int_equal(rem_of(f, tid).next_due, 0);
	/* Staff change the schedule: the cycle restarts and stops at once. */
	clock_set(T0 + 4 * DAY);
	CHECK_OK(store_thread_set_reminders(f->s, tid, f->owner, 1, 1, 3, &err), err);
	assert_int_equal(rem_of(f, tid).next_due, 0);
	for (int d = 4; d <= 30; d++)
		assert_int_equal(run_at(f, T0 + d * DAY), 0);
	assert_int_equal(reminders_sent(f, tid), 1);
	/* A new staff message is something new to read: reminders again. */
	CHECK_OK(store_message_post(f->s, tid, STORE_STAFF, f->owner, "one more thing", NULL,
				    &err), err);
	assert_true(rem_of(f, tid).next_due != 0);
	assert_int_equal(client_unread(f, tid), 1);
}

/* Saving the settings unchanged changes nothing: no schedule, no note. */
static void test_store_reminders_noop_save(void **state)
{
	struct fx *f = *state;
	char *err = NULL;
	int64_t tid = fx_chat(f, f->acc1, "Same", "hello", 1, 2, 3);
	int64_t msgs = fx_int(f, "SELECT count(*) FROM messages WHERE thread_id = %lld",
			      (long long)tid);
	struct store_reminders before = rem_of(f, tid);

	clock_set(T0 + DAY);
	CHECK_OK(store_thread_set_reminders(f->s, tid, f->owner, 1, 2, 3, &err), err);
	struct store_reminders after = rem_of(f, tid);
	assert_int_equal(after.next_due, before.next_due);
	assert_int_equal(after.anchor_at, before.anchor_at);
	assert_int_equal(fx_int(f, "SELECT count(*) FROM messages WHERE thread_id = %lld",
				(long long)tid), msgs);
	/* Off, and off again with other numbers: one note, for staff only. */
	CHECK_OK(store_thread_set_reminders(f->s, tid, f->owner, 0, 2, 3, &err), err);
	CHECK_OK(store_thread_set_reminders(f->s, tid, f->owner, 0, 7, 9, &err), err);
	assert_int_equal(fx_int(f, "SELECT count(*) FROM messages WHERE thread_id = %lld",
				(long long)tid), msgs + 1);
	assert_int_equal(fx_int(f, "SELECT count(*) FROM messages WHERE thread_id = %lld"
				" AND author_kind = 'system' AND staff_only = 0", (long long)tid), 0);
	/* A real change: one note. */
	CHECK_OK(store_thread_set_reminders(f->s, tid, f->owner, 1, 4, 3, &err), err);
	assert_int_equal(fx_int(f, "SELECT count(*) FROM messages WHERE thread_id = %lld",
				(long long)tid), msgs + 2);
	assert_int_equal(rem_of(f, tid).next_due, T0 + 5 * DAY);
}

/*
 * Reopening turns reminders on as if the message were new, even when they
 * had been switched off, with the thread's last days and count.
 */
static void test_store_reminders_reopen_turns_on(void **state)
{
	struct fx *f = *state;
	char *err = NULL;
	int64_t tid = fx_chat(f, f->acc2, "Off", "hello", 1, 4, 2);

	clock_set(T0 + DAY);
	CHECK_OK(store_thread_set_reminders(f->s, tid, f->owner, 0, 0, 0, &err), err);
	CHECK_OK(store_thread_archive(f->s, tid, f->owner, &err), err);
	assert_int_equal(run_at(f, T0 + 10 * DAY), 0);
	int64_t notes = fx_int(f, "SELECT count(*) FROM messages WHERE thread_id = %lld"
			       " AND author_kind = 'system'", (long long)tid);

	clock_set(T0 + 20 * DAY);
	CHECK_OK(store_thread_reopen(f->s, tid, f->owner, &err), err);
	struct store_reminders r = rem_of(f, tid);
	assert_int_equal(r.enabled, 1);
	assert_int_equal(r.days, 4);
	assert_int_equal(r.count, 2);
	assert_int_equal(r.anchor_at, T0 + 20 * DAY);
	assert_int_equal(r.next_due, T0 + 24 * DAY);
	assert_int_equal(fx_int(f, "SELECT count(*) FROM messages WHERE thread_id = %lld"
				" AND author_kind = 'system' AND staff_only = 1", (long long)tid),
			 notes + 1);
	assert_int_equal(run_at(f, T0 + 24 * DAY), 1);
	assert_int_equal(run_at(f, T0 + 28 * DAY), 1);
	assert_int_equal(run_at(f, T0 + 40 * DAY), 0);

	/* A chat that never had reminders gets the defaults. */
	store_set_reminder_defaults(f->s, 5, 1);
	int64_t quiet = fx_chat(f, f->acc2, "Never", "hello", 0, 0, 0);
	clock_set(T0 + 41 * DAY);
	CHECK_OK(store_thread_archive(f->s, quiet, f->owner, &err), err);
	CHECK_OK(store_thread_reopen(f->s, quiet, f->owner, &err), err);
	r = rem_of(f, quiet);
	assert_int_equal(r.enabled, 1);
	assert_int_equal(r.days, 5);
	assert_int_equal(r.next_due, T0 + 46 * DAY);
	assert_int_equal(r.count, 1);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, fx_setup, fx_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_store_reminders_default_three_days_one),
		T(test_store_reminders_n_every_d_days),
		T(test_store_reminders_late_scheduler_does_not_burst),
		T(test_store_reminders_client_reply_stops),
		T(test_store_reminders_tasks_done_and_read_stop),
		T(test_store_reminders_ticked_and_read_get_no_more),
		T(test_store_reminders_noop_save),
		T(test_store_reminders_reopen_turns_on),
		T(test_store_reminders_archive_stops_reopen_rearms),
		T(test_store_reminders_off_and_note),
		T(test_store_reminders_count_reached_and_restart),
		T(test_store_reminders_resend_keeps_schedule),
		T(test_store_reminders_dedup_key_blocks_doubles),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
