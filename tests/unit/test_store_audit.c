/*
 * test_store_audit.c - the audit log (store/audit.h) on a real SQLite
 * file: entries appended and read back newest first, a page at a time;
 * the triggers refuse every UPDATE and DELETE from any connection; a read
 * request cannot append, and the store pool appends what read jobs hand
 * over, in the background, within about a second.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "audit.h"
#include "clock.h"
#include "pool.h"
#include "test_store_util.h"

static struct store_audit_in entry(const char *action, int64_t thread)
{
	struct store_audit_in in = { 0 };

	in.actor = STORE_AUDIT_STAFF;
	in.actor_id = 1;
	in.actor_name = "Olivia Owner";
	in.action = action;
	in.thread_id = thread;
	in.client = "192.0.2.7";
	return in;
}

static void test_store_audit_append_and_list(void **state)
{
	struct fx *f = *state;
	struct store_audit_list list;
	struct store_audit_filter flt = { 0 };
	char *err = NULL;
	int64_t t1 = fx_chat(f, f->acc1, "One", "Body one", 0, 0, 0);
	int64_t t2 = fx_chat(f, f->acc2, "Two", "Body two", 0, 0, 0);
	struct store_audit_in in = entry("view", t1);
	int64_t id = 0;

	CHECK_OK(store_audit_append(f->s, &in, &id, &err), err);
	assert_true(id > 0);
	clock_set(T0 + 10);
	in = entry("post", t2);
	in.target = "message 4";
	CHECK_OK(store_audit_append(f->s, &in, NULL, &err), err);
	in = entry("api_key", 0);
	in.actor = STORE_AUDIT_API;
	in.actor_name = "portal";
	in.api_key = "portal";
	clock_set(T0 + 20);
	CHECK_OK(store_audit_append(f->s, &in, NULL, &err), err);

	CHECK_OK(store_audit_list(f->s, &flt, &list, &err), err);
	assert_int_equal(list.count, 3);
	assert_string_equal(list.items[0].action, "api_key");
	assert_int_equal(list.items[0].actor, STORE_AUDIT_API);
	assert_string_equal(list.items[0].api_key, "portal");
	assert_string_equal(list.items[1].action, "post");
	/* the account comes from the thread */
	assert_int_equal(list.items[1].account_id, f->acc2);
	assert_string_equal(list.items[1].target, "message 4");
	assert_int_equal(list.items[2].account_id, f->acc1);
	assert_string_equal(list.items[2].client, "192.0.2.7");
	assert_int_equal(list.items[2].at, T0);
	assert_int_equal(list.more, 0);
	store_audit_list_free(&list);

	flt.account_id = f->acc1;
	CHECK_OK(store_audit_list(f->s, &flt, &list, &err), err);
	assert_int_equal(list.count, 1);
	assert_int_equal(list.items[0].thread_id, t1);
	store_audit_list_free(&list);

	flt.account_id = 0;
	flt.since = T0 + 10;
	CHECK_OK(store_audit_list(f->s, &flt, &list, &err), err);
	assert_int_equal(list.count, 2);
	store_audit_list_free(&list);

	/* pages of one */
	flt.since = 0;
	flt.limit = 1;
	CHECK_OK(store_audit_list(f->s, &flt, &list, &err), err);
	assert_int_equal(list.count, 1);
	assert_int_equal(list.more, 1);
	flt.before_id = list.items[0].id;
	store_audit_list_free(&list);
	CHECK_OK(store_audit_list(f->s, &flt, &list, &err), err);
	assert_string_equal(list.items[0].action, "post");
	assert_int_equal(list.more, 1);
	store_audit_list_free(&list);
	flt.limit = 1001;
	CHECK_R(store_audit_list(f->s, &flt, &list, &err), GW_INVALID, err);
}

static void test_store_audit_refuses_bad_entries(void **state)
{
	struct fx *f = *state;
	struct store_audit_in in = entry("peek", 0);
	char *err = NULL;

	CHECK_R(store_audit_append(f->s, &in, NULL, &err), GW_INVALID, err);
	in = entry("view", 0);
	in.actor_name = NULL;
	CHECK_R(store_audit_append(f->s, &in, NULL, &err), GW_INVALID, err);
	in = entry("view", 0);
	in.target = "message 1\nforged line";
	CHECK_R(store_audit_append(f->s, &in, NULL, &err), GW_INVALID, err);
	in = entry("view", 0);
	in.actor = 0;
	CHECK_R(store_audit_append(f->s, &in, NULL, &err), GW_INVALID, err);
	assert_int_equal(fx_int(f, "SELECT count(*) FROM audit_log"), 0);
	assert_true(store_audit_action_known("export"));
	assert_true(store_audit_action_known("erase"));
	assert_true(store_audit_action_known("key_rotation"));
}

/* Raw SQL through a connection of its own: what sqlite3(1) would do. */
static int raw_exec(struct fx *f, const char *sql)
{
	sqlite3 *db = NULL;
	int rc;

	assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
	rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
	sqlite3_close(db);
	return rc;
}

static void test_store_audit_is_append_only(void **state)
{
	struct fx *f = *state;
	struct store_audit_in in = entry("archive", 0);
	char *err = NULL;

	CHECK_OK(store_audit_append(f->s, &in, NULL, &err), err);
	assert_int_not_equal(raw_exec(f, "UPDATE audit_log SET actor_name = 'someone else'"),
			     SQLITE_OK);
	assert_int_not_equal(raw_exec(f, "DELETE FROM audit_log"), SQLITE_OK);
	assert_int_equal(fx_int(f, "SELECT count(*) FROM audit_log"), 1);
	char *who = fx_text(f, "SELECT actor_name FROM audit_log");
	assert_string_equal(who, "Olivia Owner");
	free(who);
}

static void test_store_audit_read_request_cannot_append(void **state)
{
	struct fx *f = *state;
	struct store_audit_in in = entry("view", 0);
	char *err = NULL;

	CHECK_OK(store_request_begin(f->s, 0, &err), err);
	CHECK_R(store_audit_append(f->s, &in, NULL, &err), GW_PERMFAIL, err);
	CHECK_OK(store_request_end(f->s, 1, &err), err);
	/* in a write request it is part of the request's transaction */
	CHECK_OK(store_request_begin(f->s, 1, &err), err);
	CHECK_OK(store_audit_append(f->s, &in, NULL, &err), err);
	CHECK_OK(store_request_end(f->s, 0, &err), err);
	assert_int_equal(fx_int(f, "SELECT count(*) FROM audit_log"), 0);
}

static void test_store_audit_pool_defers_views(void **state)
{
	struct fx *f = *state;
	struct store_pool_settings ps = { 0 };
	struct store_pool *pool = NULL;
	char *err = NULL;
	struct store_audit_in in = entry("view", 0);
	int64_t waited = 0;

	ps.store = &f->cfg;
	assert_int_equal(store_pool_open(&ps, &pool, &err), 0);
	for (int i = 0; i < 10; i++)
		store_pool_audit_defer(pool, &in);
	/* appended by the writer within about a second, without any job */
	while (fx_int(f, "SELECT count(*) FROM audit_log") < 10 && waited < 5000) {
		usleep(50 * 1000);
		waited += 50;
	}
	assert_int_equal(fx_int(f, "SELECT count(*) FROM audit_log"), 10);
	assert_true(waited >= 500);
	/* a full batch goes at once */
	for (int i = 0; i < STORE_POOL_AUDIT_BATCH; i++)
		store_pool_audit_defer(pool, &in);
	store_pool_audit_flush(pool);
	assert_int_equal(fx_int(f, "SELECT count(*) FROM audit_log"), 10 + STORE_POOL_AUDIT_BATCH);
	/* closing appends what is still waiting */
	store_pool_audit_defer(pool, &in);
	store_pool_close(&pool);
	assert_int_equal(fx_int(f, "SELECT count(*) FROM audit_log"),
			 11 + STORE_POOL_AUDIT_BATCH);
	assert_int_equal(fx_int(f, "SELECT count(*) FROM audit_log WHERE at <> %lld",
				(long long)T0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_store_audit_append_and_list, fx_setup,
						fx_teardown),
		cmocka_unit_test_setup_teardown(test_store_audit_refuses_bad_entries, fx_setup,
						fx_teardown),
		cmocka_unit_test_setup_teardown(test_store_audit_is_append_only, fx_setup,
						fx_teardown),
		cmocka_unit_test_setup_teardown(test_store_audit_read_request_cannot_append,
						fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_store_audit_pool_defers_views, fx_setup,
						fx_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
