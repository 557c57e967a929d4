/*
 * test_api_inbox.c - the staff inbox and the "view all accounts" right
 * through the JSON API and gatewayctl: list (kinds, unread, paging),
 * mark read by ids or all (a wrong id named and nothing marked), staff
 * created and updated with view_all (bad values name the field),
 * `gatewayctl inbox list|read`, `staff add --view-all`, `staff set
 * --view-all on|off` (audited), and `thread show --as contact:ID` that
 * shows no note, changes no read mark and is audited as view_as.
 *
 * The seed: Acme with Anna and Ben, Max Member assigned to Acme and
 * author of the thread; Birch with Clara; Olivia Owner.
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

#include "buf.h"
#include "test_api_util.h"

static int64_t db_int(struct tfx *t, const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	int64_t n;

	assert_int_equal(sqlite3_open_v2(t->cfg->store.path, &db, SQLITE_OPEN_READONLY, NULL),
			 SQLITE_OK);
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(db));
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return n;
}

static void client_says(struct tfx *t, int64_t contact, const char *text)
{
	char *e = NULL;

	if (store_message_post(t->s, t->thread, STORE_CONTACT, contact, text, NULL, &e) != GW_OK)
		fail_msg("post: %s", e);
}

static void test_api_inbox_list_and_mark_read(void **state)
{
	struct tfx *t = *state;
	char *path = fmt("/api/v1/staff/%lld/inbox", (long long)t->member);
	char *read = fmt("/api/v1/staff/%lld/inbox/read", (long long)t->member);
	char *body;
	json_t *o, *items;

	client_says(t, t->anna, "first");
	client_says(t, t->ben, "second");
	client_says(t, t->anna, "third");

	o = call(t, "GET", path, NULL, 200);
	items = jget(o, "items");
	assert_int_equal(json_array_size(items), 3);
	assert_int_equal(jint(o, "unread"), 3);
	json_t *newest = json_array_get(items, 0);
	assert_string_equal(jstr(newest, "kind"), "reply");
	assert_int_equal(jint(newest, "thread_id"), t->thread);
	assert_string_equal(jstr(jget(newest, "actor"), "name"), "Anna Baker");
	assert_string_equal(jstr(jget(newest, "actor"), "kind"), "contact");
	assert_false(jbool(newest, "read"));
	int64_t id3 = jint(newest, "id"), id1 = jint(json_array_get(items, 2), "id");
	char *want = fmt("/t/%lld#m%lld", (long long)t->thread,
			 (long long)jint(newest, "message_id"));
	assert_string_equal(jstr(newest, "path"), want);
	free(want);
	json_decref(o);

	/* paging */
	char *page = fmt("%s?limit=2", path);
	o = call(t, "GET", page, NULL, 200);
	assert_int_equal(json_array_size(jget(o, "items")), 2);
	int64_t next = jint(o, "next_before");
	json_decref(o);
	free(page);
	page = fmt("%s?limit=2&before=%lld", path, (long long)next);
	o = call(t, "GET", page, NULL, 200);
	assert_int_equal(json_array_size(jget(o, "items")), 1);
	assert_true(json_is_null(jget(o, "next_before")));
	json_decref(o);
	free(page);

	/* a wrong id: named, nothing marked */
	body = fmt("{\"ids\": [%lld, 999999]}", (long long)id3);
	call_error(t, "POST", read, body, 404, "not_found", "ids", "999999");
	free(body);
	assert_int_equal(db_int(t, "SELECT count(*) FROM inbox_items WHERE read_at IS NOT NULL"), 0);
	call_error(t, "POST", read, "{\"ids\": []}", 400, "invalid_field", "ids", NULL);
	call_error(t, "POST", read, "{\"ids\": [\"x\"]}", 400, "invalid_field", "ids", "ids[0]");
	call_error(t, "POST", read, "{}", 400, "missing_field", "ids", NULL);
	call_error(t, "POST", read, "{\"ids\": [1], \"all\": true}", 400, "missing_field", "ids",
		   NULL);
	call_error(t, "GET", "/api/v1/staff/999/inbox", NULL, 404, "not_found", NULL, NULL);
	char *bad = fmt("%s?limit=0", path);
	call_error(t, "GET", bad, NULL, 400, "invalid_parameter", "limit", NULL);
	free(bad);

	body = fmt("{\"ids\": [%lld]}", (long long)id3);
	o = call(t, "POST", read, body, 200);
	assert_int_equal(jint(o, "marked"), 1);
	assert_int_equal(jint(o, "unread"), 2);
	json_decref(o);
	free(body);
	page = fmt("%s?unread=true", path);
	o = call(t, "GET", page, NULL, 200);
	assert_int_equal(json_array_size(jget(o, "items")), 2);
	assert_int_equal(jint(json_array_get(jget(o, "items"), 1), "id"), id1);
	json_decref(o);
	free(page);
	o = call(t, "POST", read, "{\"all\": true}", 200);
	assert_int_equal(jint(o, "marked"), 2);
	assert_int_equal(jint(o, "unread"), 0);
	json_decref(o);

	/* gatewayctl sees the same items and read state */
	char *out = NULL, *sid = fmt("%lld", (long long)t->member);
	const char *const list[] = { "--json", "inbox", "list", sid, NULL };
	assert_int_equal(run_ctl(t, &out, list), 0);
	o = json_loads(out, 0, NULL);
	assert_non_null(o);
	assert_int_equal(json_array_size(jget(o, "items")), 3);
	assert_int_equal(jint(o, "unread"), 0);
	json_decref(o);
	free(out);
	client_says(t, t->ben, "fourth");
	const char *const all[] = { "inbox", "read", sid, "--all", NULL };
	assert_int_equal(run_ctl(t, &out, all), 0);
	assert_non_null(strstr(out, "1 item marked read"));
	free(out);
	const char *const wrong[] = { "inbox", "read", sid, "999999", NULL };
	assert_int_equal(run_ctl(t, &out, wrong), 65);
	free(out);
	const char *const neither[] = { "inbox", "read", sid, NULL };
	assert_int_equal(run_ctl(t, &out, neither), 64);
	free(out);
	free(sid);
	free(path);
	free(read);
}

static void test_api_inbox_view_all_right(void **state)
{
	struct tfx *t = *state;
	json_t *o;
	char *out = NULL;

	o = call(t, "POST", "/api/v1/staff",
		 "{\"name\": \"Vera Viewer\", \"email\": \"vera@firm.example\", \"view_all\": true}",
		 201);
	int64_t vera = jint(o, "id");
	assert_true(jbool(o, "view_all"));
	assert_true(jbool(o, "sees_all_accounts"));
	assert_string_equal(jstr(o, "role"), "member");
	json_decref(o);
	char *accounts = fmt("/api/v1/staff/%lld/accounts", (long long)vera);
	o = call(t, "GET", accounts, NULL, 200);
	assert_int_equal(json_array_size(jget(o, "accounts")), 2);
	json_decref(o);

	char *one = fmt("/api/v1/staff/%lld", (long long)vera);
	call_error(t, "PATCH", one, "{\"view_all\": \"yes\"}", 400, "invalid_field", "view_all",
		   NULL);
	o = call(t, "PATCH", one, "{\"view_all\": false}", 200);
	assert_false(jbool(o, "view_all"));
	assert_false(jbool(o, "sees_all_accounts"));
	json_decref(o);
	o = call(t, "GET", accounts, NULL, 200);
	assert_int_equal(json_array_size(jget(o, "accounts")), 0);
	json_decref(o);
	call_error(t, "POST", "/api/v1/staff",
		   "{\"name\": \"W\", \"email\": \"w@firm.example\", \"view_all\": 1}", 400,
		   "invalid_field", "view_all", NULL);
	assert_int_equal(db_int(t, "SELECT count(*) FROM staff WHERE email = 'w@firm.example'"), 0);

	/* gatewayctl: added with the right, set off and on, each audited */
	const char *const add[] = { "staff", "add", "Walt Watcher", "walt@firm.example",
				    "--role", "member", "--view-all", NULL };
	assert_int_equal(run_ctl(t, &out, add), 0);
	int64_t walt = strtoll(out, NULL, 10);
	free(out);
	char *sql = fmt("SELECT view_all FROM staff WHERE id = %lld", (long long)walt);
	assert_int_equal(db_int(t, sql), 1);
	char *sid = fmt("%lld", (long long)walt);
	const char *const off[] = { "staff", "set", sid, "--view-all", "off", NULL };
	assert_int_equal(run_ctl(t, &out, off), 0);
	assert_non_null(strstr(out, "sees the accounts assigned to them"));
	free(out);
	assert_int_equal(db_int(t, sql), 0);
	const char *const bad[] = { "staff", "set", sid, "--view-all", "maybe", NULL };
	assert_int_equal(run_ctl(t, &out, bad), 64);
	free(out);
	const char *const none[] = { "staff", "set", "999999", "--view-all", "on", NULL };
	assert_int_equal(run_ctl(t, &out, none), 65);
	free(out);
	assert_int_equal(db_int(t, "SELECT count(*) FROM audit_log WHERE action = 'account'"
				" AND target LIKE 'gatewayctl staff %view-all%'"), 2);
	free(sql);
	free(sid);
	free(one);
	free(accounts);
}

static void test_api_inbox_ctl_thread_as_contact(void **state)
{
	struct tfx *t = *state;
	char *out = NULL, *tid = fmt("%lld", (long long)t->thread);
	char *as = fmt("contact:%lld", (long long)t->anna);
	char *e = NULL;

	if (store_message_post(t->s, t->thread, STORE_STAFF, t->member, "secret staff note",
			       NULL, &e) != GW_OK)
		fail_msg("%s", e);
	struct store_post p = {
		.thread_id = t->thread, .author_kind = STORE_STAFF, .author_id = t->member,
		.body = "internal only words", .internal = 1,
	};
	if (store_message_send(t->s, &p, NULL, NULL, &e) != GW_OK)
		fail_msg("%s", e);
	int64_t marks = db_int(t, "SELECT count(*) FROM read_marks");
	const char *const show[] = { "thread", "show", tid, "--as", as, NULL };
	assert_int_equal(run_ctl(t, &out, show), 0);
	assert_non_null(strstr(out, "as contact"));
	assert_non_null(strstr(out, "secret staff note"));
	assert_null(strstr(out, "internal only words"));
	free(out);
	assert_int_equal(db_int(t, "SELECT count(*) FROM read_marks"), marks);
	assert_int_equal(db_int(t, "SELECT count(*) FROM audit_log WHERE action = 'view_as'"), 1);
	assert_int_equal(db_int(t, "SELECT count(*) FROM sessions"), 0);

	/* the API's reading as the contact is the same view_as */
	char *api_path = fmt("/api/v1/threads/%lld?reader=contact:%lld", (long long)t->thread,
			     (long long)t->anna);
	json_t *o = call(t, "GET", api_path, NULL, 200);
	char *dump = json_dumps(o, 0);
	assert_null(strstr(dump, "internal only words"));
	free(dump);
	json_decref(o);
	free(api_path);
	/* a view is appended by the store pool within about a second */
	int64_t n = 0;
	for (int i = 0; i < 60 && n < 1; i++) {
		n = db_int(t, "SELECT count(*) FROM audit_log WHERE action = 'view_as'"
			   " AND actor_kind = 'api'");
		if (n < 1)
			usleep(50 * 1000);
	}
	assert_int_equal(n, 1);
	assert_int_equal(db_int(t, "SELECT count(*) FROM read_marks"), marks);

	/* a contact of another account: refused as for no such thread */
	char *clara = fmt("contact:%lld", (long long)t->clara);
	const char *const other[] = { "thread", "show", tid, "--as", clara, NULL };
	assert_int_not_equal(run_ctl(t, &out, other), 0);
	free(out);
	const char *const staff[] = { "thread", "show", tid, "--as", "staff:1", NULL };
	assert_int_equal(run_ctl(t, &out, staff), 64);
	free(out);
	free(clara);
	free(as);
	free(tid);
}

#define T(name) cmocka_unit_test_setup_teardown(name, tfx_setup, tfx_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_api_inbox_list_and_mark_read),
		T(test_api_inbox_view_all_right),
		T(test_api_inbox_ctl_thread_as_contact),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
