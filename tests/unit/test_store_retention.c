/*
 * test_store_retention.c - retention (store/retention.h) on a real SQLite
 * file with the clock moved: exactly what is older than its period goes,
 * with everything in it and the files nothing else refers to; what an
 * account on legal hold owns stays; a large backlog goes in small steps.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "clock.h"
#include "retention.h"
#include "test_store_util.h"

#define YEAR (365 * DAY)

static int64_t attach(struct fx *f, int64_t thread, const char *content)
{
	struct store_attachment_new a = { 0 };
	int64_t id = 0;
	char *err = NULL;

	a.thread_id = thread;
	a.uploader_kind = STORE_STAFF;
	a.uploader_id = f->owner;
	a.file_name = "return.pdf";
	a.bytes = content;
	a.len = strlen(content);
	CHECK_OK(store_attachment_add(f->s, &a, &id, &err), err);
	return id;
}

static char *file_of(struct fx *f, int64_t att)
{
	char *hex = fx_text(f, "SELECT sha256 FROM attachments WHERE id = %lld", (long long)att);
	char *path = store_attachment_path(f->att, hex);

	free(hex);
	return path;
}

static int exists(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0;
}

/* Steps until nothing is left; returns the totals. */
static struct store_retention_result run_all(struct fx *f, const struct store_retention *p,
					     int batch)
{
	struct store_retention_result res;
	char *err = NULL;
	int steps = 0;

	memset(&res, 0, sizeof(res));
	do {
		CHECK_OK(store_retention_step(f->s, p, clock_now(), batch, NULL, &res, &err), err);
		assert_true(++steps < 10000);
	} while (res.more);
	return res;
}

static void archive(struct fx *f, int64_t thread)
{
	char *err = NULL;

	CHECK_OK(store_thread_archive(f->s, thread, 0, &err), err);
}

static void test_store_retention_deletes_exactly_what_is_older(void **state)
{
	struct fx *f = *state;
	struct store_retention p = { .archived_threads = 7 * YEAR };
	char *err = NULL;

	/* old: archived at T0, with a message, a task, a mention's thread and files */
	int64_t old = fx_chat(f, f->acc1, "Tax 2019", "Your return, @Adam Admin", 0, 0, 0);
	int64_t task = 0;
	CHECK_OK(store_task_add(f->s, old, "Sign the form", &task, &err), err);
	CHECK_OK(store_message_post(f->s, old, STORE_CONTACT, f->c1, "Thanks", NULL, &err), err);
	int64_t only_old = attach(f, old, "only in the old thread");
	CHECK_OK(store_thread_ref_add(f->s, old, f->owner, "Tax return 2019 - job 17",
				      "https://pm.firm.example/jobs/17", NULL, &err), err);
	int64_t shared_old = attach(f, old, "in both threads");
	archive(f, old);
	/* edge: archived one second later, so exactly 7 years old at the end */
	clock_set(T0 + 1);
	int64_t edge = fx_chat(f, f->acc1, "Tax 2020", "Edge", 0, 0, 0);
	int64_t shared_keep = attach(f, edge, "in both threads");
	archive(f, edge);
	/* open: never archived */
	int64_t open = fx_chat(f, f->acc1, "Open", "Still going", 0, 0, 0);
	char *only_path = file_of(f, only_old), *shared_path = file_of(f, shared_old);

	assert_true(exists(only_path));
	clock_set(T0 + 7 * YEAR + 1);
	struct store_retention_result res = run_all(f, &p, 500);

	assert_int_equal(res.threads, 1);
	assert_int_equal(fx_int(f, "SELECT count(*) FROM threads WHERE id = %lld", (long long)old), 0);
	assert_int_equal(fx_int(f, "SELECT count(*) FROM threads WHERE id IN (%lld, %lld)",
				(long long)edge, (long long)open), 2);
	/* everything in it went with it */
	assert_int_equal(fx_int(f, "SELECT count(*) FROM messages WHERE thread_id = %lld",
				(long long)old), 0);
	assert_int_equal(fx_int(f, "SELECT count(*) FROM tasks WHERE thread_id = %lld",
				(long long)old), 0);
	assert_int_equal(fx_int(f, "SELECT count(*) FROM read_marks WHERE thread_id = %lld",
				(long long)old), 0);
	assert_int_equal(fx_int(f, "SELECT count(*) FROM attachments WHERE thread_id = %lld",
				(long long)old), 0);
	assert_int_equal(fx_int(f, "SELECT count(*) FROM outbox WHERE thread_id = %lld",
				(long long)old), 0);
	assert_int_equal(fx_int(f, "SELECT count(*) FROM mentions"), 0);
	assert_int_equal(fx_int(f, "SELECT count(*) FROM thread_refs WHERE thread_id = %lld",
				(long long)old), 0);
	/* its followers (the owner started it) went too; the others' stay */
	assert_int_equal(fx_int(f, "SELECT count(*) FROM thread_followers WHERE thread_id = %lld",
				(long long)old), 0);
	assert_int_equal(fx_int(f, "SELECT count(*) FROM thread_followers WHERE thread_id = %lld",
				(long long)open), 1);
	assert_int_equal(fx_int(f, "SELECT count(*) FROM pragma_foreign_key_check"), 0);
	/* its own file is gone after the commit; the shared content stays */
	assert_false(exists(only_path));
	assert_true(exists(shared_path));
	assert_int_equal(res.files, 1);
	assert_int_equal(fx_int(f, "SELECT count(*) FROM blob_trash"), 0);
	assert_int_equal(fx_int(f, "SELECT count(*) FROM attachments WHERE id = %lld",
				(long long)shared_keep), 1);

	/* a second later the edge thread is older too */
	clock_set(T0 + 7 * YEAR + 2);
	res = run_all(f, &p, 500);
	assert_int_equal(res.threads, 1);
	assert_false(exists(shared_path));
	assert_int_equal(fx_int(f, "SELECT count(*) FROM threads"), 1);
	free(only_path);
	free(shared_path);
}

static void test_store_retention_respects_legal_hold(void **state)
{
	struct fx *f = *state;
	struct store_retention p = { .archived_threads = YEAR, .attachments = YEAR,
				     .outbox = 90 * DAY, .inbound_log = 90 * DAY };
	struct store_inbound_in in = { 0 };
	char *err = NULL;
	int held = 0;
	int64_t since = 0;

	int64_t t1 = fx_chat(f, f->acc1, "Acme", "Hello", 0, 0, 0);
	int64_t t2 = fx_chat(f, f->acc2, "Beta", "Hello", 0, 0, 0);
	attach(f, t2, "beta file");
	in.sender = "bea@beta.example";
	in.recipient = "reply@reply.example";
	in.verdict = "explained";
	in.thread_id = t2;
	CHECK_OK(store_inbound_log(f->s, &in, NULL, &err), err);
	fx_exec(f, "UPDATE outbox SET status = 'sent'");
	archive(f, t1);
	archive(f, t2);
	CHECK_OK(store_account_set_hold(f->s, f->acc2, 1, &err), err);
	CHECK_OK(store_account_held(f->s, f->acc2, &held, &since, &err), err);
	assert_int_equal(held, 1);
	assert_int_equal(since, T0);
	CHECK_OK(store_account_held(f->s, f->acc1, &held, &since, &err), err);
	assert_int_equal(held, 0);
	assert_int_equal(since, 0);
	CHECK_R(store_account_set_hold(f->s, 9999, 1, &err), GW_NOTFOUND, err);
	CHECK_R(store_account_held(f->s, 9999, &held, NULL, &err), GW_NOTFOUND, err);

	clock_set(T0 + 2 * YEAR);
	/* setting it again keeps the first date */
	CHECK_OK(store_account_set_hold(f->s, f->acc2, 1, &err), err);
	CHECK_OK(store_account_held(f->s, f->acc2, &held, &since, &err), err);
	assert_int_equal(since, T0);

	run_all(f, &p, 500);
	assert_int_equal(fx_int(f, "SELECT count(*) FROM threads WHERE id = %lld", (long long)t1), 0);
	assert_int_equal(fx_int(f, "SELECT count(*) FROM threads WHERE id = %lld", (long long)t2), 1);
	assert_int_equal(fx_int(f, "SELECT count(*) FROM attachments"), 1);
	assert_int_equal(fx_int(f, "SELECT count(*) FROM outbox WHERE thread_id = %lld",
				(long long)t2) > 0, 1);
	assert_int_equal(fx_int(f, "SELECT count(*) FROM inbound_log"), 1);

	/* lifted: the next run deletes it */
	CHECK_OK(store_account_set_hold(f->s, f->acc2, 0, &err), err);
	run_all(f, &p, 500);
	assert_int_equal(fx_int(f, "SELECT count(*) FROM threads"), 0);
	assert_int_equal(fx_int(f, "SELECT count(*) FROM attachments"), 0);
	assert_int_equal(fx_int(f, "SELECT count(*) FROM inbound_log"), 0);
}

static void test_store_retention_logs_and_attachments(void **state)
{
	struct fx *f = *state;
	struct store_retention p = { .attachments = 30 * DAY, .outbox = 90 * DAY,
				     .inbound_log = 90 * DAY };
	struct store_inbound_in in = { 0 };
	char *err = NULL;

	int64_t t = fx_chat(f, f->acc1, "Docs", "Please upload", 0, 0, 0);
	int64_t a_old = attach(f, t, "old scan");
	in.sender = "x@example.org";
	in.recipient = "reply@reply.example";
	in.verdict = "dropped";
	CHECK_OK(store_inbound_log(f->s, &in, NULL, &err), err);
	/* the first chat's mails: one sent, one failed, one still queued */
	fx_exec(f, "UPDATE outbox SET status = 'sent' WHERE id = (SELECT min(id) FROM outbox)");
	fx_exec(f, "UPDATE outbox SET status = 'failed' WHERE id = (SELECT max(id) FROM outbox)");
	int64_t t2 = fx_chat(f, f->acc1, "More", "Queued", 0, 0, 0);
	int64_t still_queued = fx_int(f, "SELECT count(*) FROM outbox WHERE thread_id = %lld",
				      (long long)t2);
	assert_true(still_queued > 0);

	clock_set(T0 + 30 * DAY);
	int64_t a_new = attach(f, t, "new scan");
	CHECK_OK(store_inbound_log(f->s, &in, NULL, &err), err);
	clock_set(T0 + 30 * DAY + 1);
	struct store_retention_result res = run_all(f, &p, 500);
	/* 30 days and one second: the first attachment, not the one exactly 1 s old */
	assert_int_equal(res.attachments, 1);
	assert_int_equal(fx_int(f, "SELECT count(*) FROM attachments WHERE id = %lld",
				(long long)a_old), 0);
	assert_int_equal(fx_int(f, "SELECT count(*) FROM attachments WHERE id = %lld",
				(long long)a_new), 1);
	assert_int_equal(fx_int(f, "SELECT count(*) FROM messages WHERE thread_id = %lld",
				(long long)t), 1);
	assert_int_equal(res.outbox, 0);
	assert_int_equal(fx_int(f, "SELECT count(*) FROM inbound_log"), 2);

	clock_set(T0 + 90 * DAY + 1);
	res = run_all(f, &p, 500);
	/* sent and failed rows older than 90 days go; queued ones never */
	assert_int_equal(fx_int(f, "SELECT count(*) FROM outbox WHERE status IN ('sent', 'failed')"), 0);
	assert_int_equal(fx_int(f, "SELECT count(*) FROM outbox WHERE thread_id = %lld",
				(long long)t2), still_queued);
	assert_int_equal(fx_int(f, "SELECT count(*) FROM inbound_log"), 1);
	assert_true(res.outbox >= 1);
}

static void test_store_retention_small_steps(void **state)
{
	struct fx *f = *state;
	struct store_retention p = { .archived_threads = YEAR, .inbound_log = YEAR };
	struct store_inbound_in in = { 0 };
	struct store_retention_result res;
	char *err = NULL;
	int steps = 0;

	for (int i = 0; i < 45; i++)
		archive(f, fx_chat(f, f->acc3, "Bulk", "Old", 0, 0, 0));
	in.sender = "x@example.org";
	in.recipient = "reply@reply.example";
	in.verdict = "dropped";
	for (int i = 0; i < 50; i++)
		CHECK_OK(store_inbound_log(f->s, &in, NULL, &err), err);
	clock_set(T0 + 2 * YEAR);
	memset(&res, 0, sizeof(res));
	do {
		int64_t before = fx_int(f, "SELECT count(*) FROM threads") +
				 fx_int(f, "SELECT count(*) FROM inbound_log");

		CHECK_OK(store_retention_step(f->s, &p, clock_now(), 20, NULL, &res, &err), err);
		int64_t after = fx_int(f, "SELECT count(*) FROM threads") +
				fx_int(f, "SELECT count(*) FROM inbound_log");
		/* at most 20 rows, or 20/20 + 1 = 2 threads, per step */
		assert_true(before - after <= 20);
		assert_true(++steps < 200);
	} while (res.more);
	assert_int_equal(res.threads, 45);
	assert_int_equal(res.inbound, 50);
	assert_true(steps >= 45 / 2 + 50 / 20);
	assert_int_equal(fx_int(f, "SELECT count(*) FROM threads"), 0);
	assert_int_equal(fx_int(f, "SELECT count(*) FROM inbound_log"), 0);
}

static void test_store_retention_off_keeps_everything(void **state)
{
	struct fx *f = *state;
	struct store_retention p = { 0 };

	archive(f, fx_chat(f, f->acc1, "Old", "Kept", 0, 0, 0));
	clock_set(T0 + 100 * YEAR);
	struct store_retention_result res = run_all(f, &p, 500);
	assert_int_equal(res.threads + res.outbox + res.inbound + res.attachments, 0);
	assert_int_equal(fx_int(f, "SELECT count(*) FROM threads"), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_store_retention_deletes_exactly_what_is_older,
						fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_store_retention_respects_legal_hold,
						fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_store_retention_logs_and_attachments,
						fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_store_retention_small_steps, fx_setup,
						fx_teardown),
		cmocka_unit_test_setup_teardown(test_store_retention_off_keeps_everything,
						fx_setup, fx_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
