/*
 * test_store_idempotency.c - the JSON API's idempotency records in the
 * store: migration 2 applied to a version-1 database, a stored response
 * read back per API key, a live key refused twice, expiry by the caller's
 * window, and bad records refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <sqlite3.h>

#include "clock.h"
#include "test_store_util.h"

#define HASH_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define HASH_B "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static int64_t add_key(struct fx *f, const char *name, const char *hash)
{
	char *err = NULL;
	int64_t id = 0;

	CHECK_OK(store_apikey_add(f->s, name, hash, &id, &err), err);
	return id;
}

static void test_store_idempotency_migrates_version_1(void **state)
{
	struct fx *f = *state;

	/* A thread where the owner wrote and the client mentioned the admin
	 * (who sees every account): migration 11 makes both followers. */
	int64_t tid = fx_chat(f, f->acc1, "Before followers", "Hello", 0, 0, 0);
	char *err = NULL;

	CHECK_OK(store_message_post(f->s, tid, STORE_CONTACT, f->c1, "@Adam Admin see this",
				    NULL, &err), err);
	/* A database as the first release left it: no table, version 1. */
	store_close(&f->s);
	/* migration 13: the search indexes and the triggers that feed them */
	for (size_t i = 0; i < 4; i++) {
		static const char *const t[] = { "messages", "threads", "accounts", "contacts" };

		fx_exec(f, "DROP TRIGGER %s_fts_ai", t[i]);
		fx_exec(f, "DROP TRIGGER %s_fts_ad", t[i]);
		fx_exec(f, "DROP TRIGGER %s_fts_au", t[i]);
		fx_exec(f, "DROP TABLE %s_fts", t[i]);
	}
	fx_exec(f, "DROP TABLE search_purge");
	fx_exec(f, "DROP INDEX threads_activity");
	fx_exec(f, "DROP INDEX attachments_sha256");  /* migration 18 */
	fx_exec(f, "DROP TABLE idempotency_keys");
	fx_exec(f, "ALTER TABLE contacts DROP COLUMN removed_at");  /* migration 4 */
	/* migration 5: retention, legal hold, audit log */
	fx_exec(f, "DROP TABLE audit_log");
	fx_exec(f, "DROP TABLE blob_trash");
	fx_exec(f, "DROP INDEX threads_archived");
	fx_exec(f, "DROP INDEX attachments_created");
	fx_exec(f, "DROP INDEX outbox_created");
	fx_exec(f, "ALTER TABLE accounts DROP COLUMN legal_hold_at");
	fx_exec(f, "DROP TABLE erasures");  /* migration 6 */
	fx_exec(f, "DROP TABLE thread_refs");  /* migration 7 */
	fx_exec(f, "DROP TABLE webhook_deliveries");                 /* migration 8 */
	fx_exec(f, "DROP TABLE webhook_events");
	fx_exec(f, "DROP TABLE webhook_endpoints");
	/* migration 9: the contact's away state and the automatic-reply notes */
	fx_exec(f, "DROP TABLE auto_reply_notes");
	fx_exec(f, "ALTER TABLE contacts DROP COLUMN away_until");
	fx_exec(f, "ALTER TABLE contacts DROP COLUMN away_resume_at");
	fx_exec(f, "DROP TABLE imap_state");  /* migration 10: the IMAP reader's place in its mailbox */
	/* migration 11: followers and who turned a contact's emails off */
	fx_exec(f, "DROP TABLE thread_followers");
	fx_exec(f, "ALTER TABLE contacts DROP COLUMN notify_off_by");
	fx_exec(f, "ALTER TABLE contacts DROP COLUMN notify_changed_at");
	/* migration 12: sign-in links, their rate, sessions as rows */
	fx_exec(f, "DROP TABLE signin_links");
	fx_exec(f, "DROP TABLE signin_rate");
	fx_exec(f, "DROP TABLE sessions");
	/* languages and time zones, notes as kinds */
	fx_exec(f, "ALTER TABLE contacts DROP COLUMN language");
	fx_exec(f, "ALTER TABLE contacts DROP COLUMN timezone");
	fx_exec(f, "ALTER TABLE staff DROP COLUMN language");
	fx_exec(f, "ALTER TABLE staff DROP COLUMN timezone");
	fx_exec(f, "ALTER TABLE messages DROP COLUMN note_kind");
	fx_exec(f, "ALTER TABLE messages DROP COLUMN note_args");
	/* batched notifications */
	fx_exec(f, "DROP TABLE outbox_items");
	fx_exec(f, "DROP TABLE outbox_batches");
	/* the migration of the checklist's change counter */
	fx_exec(f, "ALTER TABLE threads DROP COLUMN tasks_rev");
	/* shortcodes per reader, tasks in templates */
	fx_exec(f, "ALTER TABLE messages DROP COLUMN per_reader");
	fx_exec(f, "ALTER TABLE templates DROP COLUMN tasks");
	/* the staff inbox and the "view all accounts" right */
	fx_exec(f, "DROP TABLE inbox_items");
	fx_exec(f, "ALTER TABLE staff DROP COLUMN view_all");
	/* the documents migration: folder paths and zip notes of files */
	fx_exec(f, "DROP INDEX attachments_folder");
	fx_exec(f, "ALTER TABLE attachments DROP COLUMN folder");
	fx_exec(f, "ALTER TABLE attachments DROP COLUMN zip_note");
	fx_exec(f, "PRAGMA user_version = 1");
	f->s = fx_open(f, 1000);
	assert_int_equal(store_schema_version(f->s), STORE_SCHEMA_VERSION);
	assert_int_equal(fx_int(f, "SELECT count(*) FROM sqlite_schema WHERE"
				" name IN ('idempotency_keys', 'idempotency_created')"), 2);
	/* The data of version 1 is still there. */
	assert_int_equal(fx_int(f, "SELECT count(*) FROM accounts"), 3);
	/* The search indexes are built from what was there. */
	assert_int_equal(fx_int(f, "SELECT count(*) FROM messages_fts"
				" WHERE messages_fts MATCH 'hello'"), 1);
	assert_int_equal(fx_int(f, "SELECT count(*) FROM threads_fts"
				" WHERE threads_fts MATCH 'followers'"), 1);
	assert_int_equal(fx_int(f, "SELECT count(*) FROM thread_followers WHERE thread_id = %lld"
				" AND staff_id IN (%lld, %lld)", (long long)tid, (long long)f->owner,
				(long long)f->admin), 2);
	assert_int_equal(fx_int(f, "SELECT count(*) FROM contacts WHERE notify_off_by IS NOT NULL"),
			 0);
}

static void test_store_idempotency_stored_response_read_back(void **state)
{
	struct fx *f = *state;
	struct store_idempotency_in rec = { 0 };
	struct store_idempotency got;
	int64_t k1 = add_key(f, "portal", HASH_A), k2 = add_key(f, "other", HASH_B);
	char *err = NULL;

	rec.api_key_id = k1;
	rec.key = "order-42";
	memcpy(rec.request_sha256, HASH_B, 65);
	rec.status = 201;
	rec.body = "{\"id\":7}";
	CHECK_OK(store_idempotency_put(f->s, &rec, T0 - DAY, &err), err);

	CHECK_OK(store_idempotency_get(f->s, k1, "order-42", T0 - DAY, &got, &err), err);
	assert_int_equal(got.api_key_id, k1);
	assert_string_equal(got.key, "order-42");
	assert_string_equal(got.request_sha256, HASH_B);
	assert_int_equal(got.status, 201);
	assert_string_equal(got.body, "{\"id\":7}");
	assert_int_equal(got.created_at, T0);
	store_idempotency_clear(&got);
	store_idempotency_clear(&got); /* twice is fine */

	/* Keys belong to one API key; other keys are not seen. */
	CHECK_R(store_idempotency_get(f->s, k2, "order-42", 0, &got, &err), GW_NOTFOUND, err);
	CHECK_R(store_idempotency_get(f->s, k1, "order-43", 0, &got, &err), GW_NOTFOUND, err);
	rec.api_key_id = k2;
	CHECK_OK(store_idempotency_put(f->s, &rec, T0 - DAY, &err), err);

	/* A live key is refused a second time, and the first record stays. */
	rec.api_key_id = k1;
	rec.status = 200;
	CHECK_R(store_idempotency_put(f->s, &rec, T0 - DAY, &err), GW_PERMFAIL, err);
	CHECK_OK(store_idempotency_get(f->s, k1, "order-42", 0, &got, &err), err);
	assert_int_equal(got.status, 201);
	store_idempotency_clear(&got);
}

static void test_store_idempotency_expires_by_window(void **state)
{
	struct fx *f = *state;
	struct store_idempotency_in rec = { 0 };
	struct store_idempotency got;
	int64_t k = add_key(f, "portal", HASH_A);
	char *err = NULL;

	rec.api_key_id = k;
	rec.key = "k";
	memcpy(rec.request_sha256, HASH_A, 65);
	rec.status = 200;
	rec.body = "";
	CHECK_OK(store_idempotency_put(f->s, &rec, T0 - DAY, &err), err);

	/* A day later, a window of a day no longer sees it... */
	clock_set(T0 + DAY + 1);
	CHECK_R(store_idempotency_get(f->s, k, "k", clock_now() - DAY, &got, &err),
		GW_NOTFOUND, err);
	/* ...and the next put deletes it and takes its place. */
	rec.status = 202;
	CHECK_OK(store_idempotency_put(f->s, &rec, clock_now() - DAY, &err), err);
	assert_int_equal(fx_int(f, "SELECT count(*) FROM idempotency_keys"), 1);
	CHECK_OK(store_idempotency_get(f->s, k, "k", clock_now() - DAY, &got, &err), err);
	assert_int_equal(got.status, 202);
	assert_string_equal(got.body, "");
	store_idempotency_clear(&got);
	clock_set(T0);
}

static void test_store_idempotency_bad_records_refused(void **state)
{
	struct fx *f = *state;
	int64_t k = add_key(f, "portal", HASH_A);
	char long_key[STORE_IDEMPOTENCY_KEY_MAX + 2];
	static const struct {
		const char *key;
		const char *hash;
		int status;
		int64_t api_key;   /* 0 = the valid one */
		enum gw_result want;
	} cases[] = {
		{ "", HASH_A, 200, 0, GW_INVALID },
		{ NULL, HASH_A, 200, 0, GW_INVALID },  /* too long, filled in below */
		{ "k", "ABCDEF", 200, 0, GW_INVALID },
		{ "k", "g" HASH_A, 200, 0, GW_INVALID }, /* 65 chars, cut to 64: has a g */
		{ "k", HASH_A, 99, 0, GW_INVALID },
		{ "k", HASH_A, 600, 0, GW_INVALID },
		{ "k", HASH_A, 200, 999, GW_NOTFOUND },
	};

	memset(long_key, 'x', sizeof(long_key) - 1);
	long_key[sizeof(long_key) - 1] = '\0';
	for (size_t i = 0; i < GW_ARRAY_SIZE(cases); i++) {
		struct store_idempotency_in rec = { 0 };
		char *err = NULL;
		enum gw_result r;

		rec.api_key_id = cases[i].api_key != 0 ? cases[i].api_key : k;
		rec.key = cases[i].key != NULL ? cases[i].key : long_key;
		snprintf(rec.request_sha256, sizeof(rec.request_sha256), "%s", cases[i].hash);
		rec.status = cases[i].status;
		rec.body = "{}";
		r = store_idempotency_put(f->s, &rec, 0, &err);
		if (r != cases[i].want)
			fail_msg("case %zu: got %s (%s), want %s", i, gw_result_name(r),
				 err != NULL ? err : "", gw_result_name(cases[i].want));
		if (err == NULL)
			fail_msg("case %zu: no error message", i);
		free(err);
	}
	assert_int_equal(fx_int(f, "SELECT count(*) FROM idempotency_keys"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_store_idempotency_migrates_version_1,
						fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_store_idempotency_stored_response_read_back,
						fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_store_idempotency_expires_by_window,
						fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_store_idempotency_bad_records_refused,
						fx_setup, fx_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
