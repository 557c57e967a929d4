/*
 * test_store_tasks.c - staff changing the checklist of an existing thread:
 * add, edit, remove, move; the staff-only note naming who did it; bad
 * input refused with nothing written; the counts and the reminders' stop
 * rule after a removal.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "clock.h"
#include "store_webhooks.h"
#include "webhook.h"
#include "test_store_util.h"

static int64_t chat_with_tasks(struct fx *f, int64_t account, int reminders)
{
	const char *tasks[] = { "Sign the form", "Send the invoice", "Call back" };
	int64_t tid = 0;
	char *err = NULL;
	struct store_chat_new c = {
		.account_ids = &account, .n_accounts = 1, .staff_id = f->owner,
		.subject = "Papers", .body = "please", .tasks = tasks, .n_tasks = 3,
		.reminders = reminders, .reminder_days = 1, .reminder_count = 5,
	};
	CHECK_OK(store_chat_create(f->s, &c, &tid, &err), err);
	return tid;
}

static int64_t task_at(struct fx *f, int64_t tid, int position)
{
	return fx_int(f, "SELECT id FROM tasks WHERE thread_id = %lld AND position = %d",
		      (long long)tid, position);
}

static char *order(struct fx *f, int64_t tid)
{
	return fx_text(f, "SELECT group_concat(text, '|') FROM (SELECT text FROM tasks"
			  " WHERE thread_id = %lld ORDER BY position)", (long long)tid);
}

static char *last_note(struct fx *f, int64_t tid)
{
	return fx_text(f, "SELECT body FROM messages WHERE thread_id = %lld"
			  " AND author_kind = 'system' AND staff_only = 1 ORDER BY id DESC LIMIT 1",
		       (long long)tid);
}

static void assert_order(struct fx *f, int64_t tid, const char *want)
{
	char *got = order(f, tid);

	assert_string_equal(got, want);
	free(got);
}

static void test_store_tasks_add_edit_remove_move(void **state)
{
	struct fx *f = *state;
	char *err = NULL, *note;
	int64_t tid = chat_with_tasks(f, f->acc1, 0), id = 0;
	int64_t rev0 = fx_int(f, "SELECT tasks_rev FROM threads WHERE id = %lld", (long long)tid);
	int changed = -1;

	CHECK_OK(store_task_create(f->s, tid, f->member, "Upload the *bank* statement", &id, &err),
		 err);
	assert_true(id > 0);
	assert_order(f, tid, "Sign the form|Send the invoice|Call back|Upload the *bank* statement");
	note = last_note(f, tid);
	/* names who did it; the task's text literal, not CommonMark */
	assert_non_null(strstr(note, "Mia Member"));
	assert_non_null(strstr(note, "Upload the \\*bank\\* statement"));
	free(note);

	CHECK_OK(store_task_edit(f->s, tid, id, f->owner, "Upload the statement", &changed, &err),
		 err);
	assert_int_equal(changed, 1);
	note = last_note(f, tid);
	assert_non_null(strstr(note, "changed a task"));
	assert_non_null(strstr(note, "Upload the statement"));
	assert_non_null(strstr(note, "bank"));
	free(note);
	/* the same text again changes nothing and notes nothing */
	int64_t notes = fx_int(f, "SELECT count(*) FROM messages WHERE thread_id = %lld",
			       (long long)tid);
	CHECK_OK(store_task_edit(f->s, tid, id, f->owner, "Upload the statement", &changed, &err),
		 err);
	assert_int_equal(changed, 0);
	assert_int_equal(fx_int(f, "SELECT count(*) FROM messages WHERE thread_id = %lld",
				(long long)tid), notes);

	CHECK_OK(store_task_move(f->s, tid, id, f->owner, 1, &changed, &err), err);
	assert_int_equal(changed, 1);
	assert_order(f, tid, "Upload the statement|Sign the form|Send the invoice|Call back");
	CHECK_OK(store_task_move(f->s, 0, id, 0, 3, &changed, &err), err);
	assert_order(f, tid, "Sign the form|Send the invoice|Upload the statement|Call back");
	note = last_note(f, tid);
	assert_non_null(strstr(note, "firm's tools"));
	free(note);
	CHECK_OK(store_task_move(f->s, tid, id, f->owner, 3, &changed, &err), err);
	assert_int_equal(changed, 0);

	CHECK_OK(store_task_remove(f->s, tid, task_at(f, tid, 2), f->admin, &err), err);
	assert_order(f, tid, "Sign the form|Upload the statement|Call back");
	/* positions dense again */
	assert_int_equal(fx_int(f, "SELECT group_concat(position, '') FROM (SELECT position"
				   " FROM tasks WHERE thread_id = %lld ORDER BY position)",
				(long long)tid), 123);
	note = last_note(f, tid);
	assert_non_null(strstr(note, "removed a task"));
	assert_non_null(strstr(note, "Send the invoice"));
	free(note);
	/* every note is for staff only: the client sees none of them */
	assert_int_equal(fx_int(f, "SELECT count(*) FROM messages WHERE thread_id = %lld"
				   " AND author_kind = 'system' AND staff_only = 0",
				(long long)tid), 0);
	assert_true(fx_int(f, "SELECT tasks_rev FROM threads WHERE id = %lld", (long long)tid) >=
		    rev0 + 5);
}

static void test_store_tasks_bad_input(void **state)
{
	struct fx *f = *state;
	char *err = NULL;
	int64_t tid = chat_with_tasks(f, f->acc1, 0), other = chat_with_tasks(f, f->acc2, 0);
	int64_t k = task_at(f, tid, 1), foreign = task_at(f, other, 1);
	int64_t msgs = fx_int(f, "SELECT count(*) FROM messages");
	char long_text[1100];
	static const struct {
		const char *text;
		const char *error;
	} bad[] = {
		{ "", "task: empty" },
		{ "   \t ", "task: empty" },
		{ "two\nlines", "task: contains a line break" },
	};

	memset(long_text, 'x', sizeof(long_text) - 1);
	long_text[sizeof(long_text) - 1] = '\0';
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		enum gw_result r = store_task_create(f->s, tid, f->owner, bad[i].text, NULL, &err);

		if (r != GW_INVALID || err == NULL || strcmp(err, bad[i].error) != 0)
			fail_msg("case %zu: %s (%s)", i, gw_result_name(r), err ? err : "");
		free(err);
		err = NULL;
		r = store_task_edit(f->s, tid, k, f->owner, bad[i].text, NULL, &err);
		if (r != GW_INVALID || err == NULL || strcmp(err, bad[i].error) != 0)
			fail_msg("edit case %zu: %s (%s)", i, gw_result_name(r), err ? err : "");
		free(err);
		err = NULL;
	}
	assert_int_equal(store_task_create(f->s, tid, f->owner, long_text, NULL, &err), GW_INVALID);
	assert_non_null(strstr(err, "longer than 1000"));
	free(err);
	err = NULL;

	/* a task of another thread is not edited through this one */
	assert_int_equal(store_task_edit(f->s, tid, foreign, f->owner, "x", NULL, &err),
			 GW_NOTFOUND);
	free(err);
	/* nothing of it was written */
	assert_int_equal(fx_int(f, "SELECT count(*) FROM messages"), msgs);
	assert_order(f, tid, "Sign the form|Send the invoice|Call back");
	assert_order(f, other, "Sign the form|Send the invoice|Call back");
}

/* The error texts of "not there" are one text whatever the reason. */
static void test_store_tasks_not_found_is_one_answer(void **state)
{
	struct fx *f = *state;
	char *err = NULL, *a, *b, *c;
	int64_t tid = chat_with_tasks(f, f->acc1, 0), other = chat_with_tasks(f, f->acc2, 0);
	int64_t foreign = task_at(f, other, 1);
	int64_t msgs = fx_int(f, "SELECT count(*) FROM messages");

	/* another thread's task */
	assert_int_equal(store_task_remove(f->s, tid, foreign, f->owner, &err), GW_NOTFOUND);
	a = err;
	err = NULL;
	/* no such task */
	assert_int_equal(store_task_remove(f->s, tid, 999999, f->owner, &err), GW_NOTFOUND);
	b = err;
	err = NULL;
	/* a task of an account the member does not see (member sees acc1 only) */
	int64_t in_tid = task_at(f, tid, 1);
	fx_exec(f, "DELETE FROM staff_accounts WHERE staff_id = %lld", (long long)f->member);
	assert_int_equal(store_task_remove(f->s, tid, in_tid, f->member, &err), GW_NOTFOUND);
	c = err;
	err = NULL;
	char want[64];
	snprintf(want, sizeof(want), "thread %lld: no task %lld", (long long)tid,
		 (long long)foreign);
	assert_string_equal(a, want);
	snprintf(want, sizeof(want), "thread %lld: no task 999999", (long long)tid);
	assert_string_equal(b, want);
	snprintf(want, sizeof(want), "thread %lld: no task %lld", (long long)tid,
		 (long long)in_tid);
	assert_string_equal(c, want);
	free(a);
	free(b);
	free(c);
	/* nothing was written by any of them */
	assert_int_equal(fx_int(f, "SELECT count(*) FROM messages"), msgs);
	assert_int_equal(fx_int(f, "SELECT count(*) FROM tasks WHERE thread_id = %lld",
				(long long)other), 3);
	/* a bad position names it */
	assert_int_equal(store_task_move(f->s, tid, in_tid, f->owner, 4, NULL, &err), GW_INVALID);
	assert_string_equal(err, "position 4: not within 1..3");
	free(err);
}

static void test_store_tasks_archived_and_limit(void **state)
{
	struct fx *f = *state;
	char *err = NULL;
	int64_t tid = chat_with_tasks(f, f->acc1, 0);

	for (int i = 3; i < STORE_TASKS_MAX; i++)
		CHECK_OK(store_task_create(f->s, tid, f->owner, "more", NULL, &err), err);
	assert_int_equal(store_task_create(f->s, tid, f->owner, "one too many", NULL, &err),
			 GW_INVALID);
	assert_non_null(strstr(err, "100 tasks"));
	free(err);
	err = NULL;
	CHECK_OK(store_thread_archive(f->s, tid, f->owner, &err), err);
	assert_int_equal(store_task_remove(f->s, tid, task_at(f, tid, 1), f->owner, &err),
			 GW_INVALID);
	assert_non_null(strstr(err, "archived"));
	free(err);
}

/* Removing the last open task: "all tasks done" holds, and with every
 * message read the reminders stop at once; the counts follow. */
static void test_store_tasks_remove_recomputes_progress_and_reminders(void **state)
{
	struct fx *f = *state;
	char *err = NULL;
	struct store_thread t;
	int64_t tid = chat_with_tasks(f, f->acc2, 1);
	int64_t k1 = task_at(f, tid, 1), k2 = task_at(f, tid, 2), k3 = task_at(f, tid, 3);

	CHECK_OK(store_task_set_done(f->s, k1, STORE_CONTACT, f->c3, 1, &err), err);
	CHECK_OK(store_task_set_done(f->s, k2, STORE_CONTACT, f->c3, 1, &err), err);
	CHECK_OK(store_read_mark(f->s, tid, STORE_CONTACT, f->c3, 0, &err), err);
	assert_true(fx_int(f, "SELECT coalesce(rem_next_due, 0) FROM threads WHERE id = %lld",
			   (long long)tid) != 0);
	/* a done task with a history goes: the counts follow */
	CHECK_OK(store_task_remove(f->s, tid, k1, f->owner, &err), err);
	memset(&t, 0, sizeof(t));
	CHECK_OK(store_thread_get(f->s, tid, STORE_CONTACT, f->c3, &t, &err), err);
	assert_int_equal(t.tasks_total, 2);
	assert_int_equal(t.tasks_done, 1);
	store_thread_clear(&t);
	/* still one open task: reminders go on */
	assert_true(fx_int(f, "SELECT coalesce(rem_next_due, 0) FROM threads WHERE id = %lld",
			   (long long)tid) != 0);
	/* the last open one goes: all done, all read, the cycle stops */
	CHECK_OK(store_task_remove(f->s, tid, k3, f->owner, &err), err);
	assert_int_equal(fx_int(f, "SELECT coalesce(rem_next_due, 0) FROM threads WHERE id = %lld",
				(long long)tid), 0);
}

/* A staff email about a ticked task that is removed before it goes out
 * still composes (without the text); the webhook event of the removal
 * reads the task before it is gone. */
static void test_store_tasks_removed_task_queued_mail_and_event(void **state)
{
	struct fx *f = *state;
	char *err = NULL;
	struct store_compose k;
	int64_t tid = chat_with_tasks(f, f->acc2, 0), k1 = task_at(f, tid, 1), row;

	struct store_webhook_in in = { "crm", "https://hooks.example/in", "/etc/gatewayd/hook",
				       WEBHOOK_TASK_CHANGED };
	CHECK_OK(store_webhook_add(f->s, &in, NULL, &err), err);
	CHECK_OK(store_task_set_done(f->s, k1, STORE_CONTACT, f->c3, 1, &err), err);
	row = fx_int(f, "SELECT min(id) FROM outbox WHERE kind = 'staff_task_done'");
	assert_true(row > 0);
	CHECK_OK(store_task_remove(f->s, tid, k1, f->owner, &err), err);
	memset(&k, 0, sizeof(k));
	CHECK_OK(store_compose_get(f->s, row, &k, &err), err);
	assert_true(k.task_text == NULL || k.task_text[0] == '\0');
	assert_int_equal(k.n_tasks, 2);
	store_compose_clear(&k);
	assert_int_equal(fx_int(f, "SELECT count(*) FROM webhook_events WHERE type = 'task.changed'"
				   " AND json_extract(body, '$.data.change') = 'removed'"
				   " AND json_extract(body, '$.data.text') = 'Sign the form'"), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_store_tasks_add_edit_remove_move, fx_setup,
						fx_teardown),
		cmocka_unit_test_setup_teardown(test_store_tasks_bad_input, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_store_tasks_not_found_is_one_answer, fx_setup,
						fx_teardown),
		cmocka_unit_test_setup_teardown(test_store_tasks_archived_and_limit, fx_setup,
						fx_teardown),
		cmocka_unit_test_setup_teardown(
			test_store_tasks_remove_recomputes_progress_and_reminders, fx_setup,
			fx_teardown),
		cmocka_unit_test_setup_teardown(test_store_tasks_removed_task_queued_mail_and_event,
						fx_setup, fx_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
