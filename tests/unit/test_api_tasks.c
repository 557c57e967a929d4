/*
 * test_api_tasks.c - staff change the checklist of an existing thread
 * through the JSON API (POST /threads/ID/tasks, PATCH .../tasks/ID with
 * text or position, DELETE .../tasks/ID) and gatewayctl (`task add`,
 * `task edit`, `task remove`, `task move`): each change made, noted for
 * staff, audited as "task"; bad input refused naming the field, with
 * nothing changed; a task of another thread is the same 404 as none.
 *
 * The seed: Acme with Anna and Ben, the thread with two tasks (task1,
 * task2) by Max Member; Birch with Clara.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_api_util.h"

static int64_t db_int(struct tfx *t, const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	int64_t n;

	assert_int_equal(sqlite3_open_v2(t->cfg->store.path, &db, SQLITE_OPEN_READONLY, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return n;
}

static char *db_text(struct tfx *t, const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	char *s;

	assert_int_equal(sqlite3_open_v2(t->cfg->store.path, &db, SQLITE_OPEN_READONLY, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	s = strdup(sqlite3_column_text(st, 0) != NULL ? (const char *)sqlite3_column_text(st, 0)
						      : "");
	sqlite3_finalize(st);
	sqlite3_close(db);
	return s;
}

static char *tasks_of(struct tfx *t, int64_t thread)
{
	char *sql = fmt("SELECT coalesce(group_concat(text, '|'), '') FROM (SELECT text FROM tasks"
			" WHERE thread_id = %lld ORDER BY position)", (long long)thread);
	char *s = db_text(t, sql);

	free(sql);
	return s;
}

static void expect_tasks(struct tfx *t, int64_t thread, const char *want)
{
	char *got = tasks_of(t, thread);

	assert_string_equal(got, want);
	free(got);
}

static char *last_note(struct tfx *t)
{
	char *sql = fmt("SELECT body FROM messages WHERE thread_id = %lld AND author_kind ="
			" 'system' AND staff_only = 1 ORDER BY id DESC LIMIT 1",
			(long long)t->thread);
	char *s = db_text(t, sql);

	free(sql);
	return s;
}

static void test_api_tasks_edit_move_remove(void **state)
{
	struct tfx *t = *state;
	char *base = fmt("/api/v1/threads/%lld/tasks", (long long)t->thread);
	char *p1 = fmt("%s/%lld", base, (long long)t->task1), *body, *note, *was;
	json_t *j;
	int64_t audits = db_int(t, "SELECT count(*) FROM audit_log WHERE action = 'task'");

	was = tasks_of(t, t->thread);
	/* add as a staff member: the note names them */
	body = fmt("{\"text\": \"Upload the receipts\", \"by_staff\": %lld}", (long long)t->member);
	j = call(t, "POST", base, body, 201);
	free(body);
	int64_t added = jint(j, "id");
	json_decref(j);
	note = last_note(t);
	assert_non_null(strstr(note, "Max Member added a task"));
	free(note);

	/* edit */
	j = call(t, "PATCH", p1, "{\"text\": \"Sign and date the letter\"}", 200);
	assert_string_equal(jstr(j, "text"), "Sign and date the letter");
	json_decref(j);
	note = last_note(t);
	assert_non_null(strstr(note, "firm's tools"));
	free(note);

	/* move the new one first */
	char *pa = fmt("%s/%lld", base, (long long)added);
	j = call(t, "PATCH", pa, "{\"position\": 1}", 200);
	assert_int_equal(jint(j, "position"), 1);
	json_decref(j);
	char *order = tasks_of(t, t->thread);
	static const char first[] = "Upload the receipts|Sign and date the letter|";
	assert_int_equal(strncmp(order, first, strlen(first)), 0);
	free(order);

	/* remove */
	j = call(t, "DELETE", pa, NULL, 204);
	json_decref(j);
	call_error(t, "DELETE", pa, NULL, 404, "not_found", NULL, NULL);
	free(pa);
	assert_true(db_int(t, "SELECT count(*) FROM audit_log WHERE action = 'task'") >=
		    audits + 4);

	/* bad input: named, nothing changed */
	char *before = tasks_of(t, t->thread);
	int64_t msgs = db_int(t, "SELECT count(*) FROM messages");
	call_error(t, "PATCH", p1, "{\"text\": \"   \"}", 422, "invalid_value", "text", "empty");
	call_error(t, "PATCH", p1, "{\"position\": 9}", 422, "invalid_value", "position",
		   "position 9");
	call_error(t, "PATCH", p1, "{\"text\": \"a\", \"position\": 1}", 400, "invalid_value",
		   "done", "exactly one");
	body = fmt("{\"text\": \"x\", \"by_contact\": %lld}", (long long)t->anna);
	call_error(t, "PATCH", p1, body, 422, "invalid_value", "by_contact", NULL);
	free(body);
	{
		char big[1200];

		memset(big, 'a', sizeof(big));
		memcpy(big, "{\"text\": \"", 10);
		memcpy(big + sizeof(big) - 3, "\"}", 3);
		call_error(t, "POST", base, big, 422, "invalid_value", "text", "longer than 1000");
	}
	/* a task of another thread: the same 404 as a task that is not there */
	{
		struct store_chat_new chat = { 0 };
		static const char *const one[] = { "Other task" };
		struct store_thread_view v = { 0 };
		int64_t other = 0;
		char *error = NULL;

		chat.account_ids = &t->acme;
		chat.n_accounts = 1;
		chat.staff_id = t->owner;
		chat.subject = "Other";
		chat.body = "Other.";
		chat.tasks = one;
		chat.n_tasks = 1;
		assert_int_equal(store_chat_create(t->s, &chat, &other, &error), GW_OK);
		assert_int_equal(store_thread_show(t->s, other, 0, 0, 1, &v, &error), GW_OK);
		char *tp = fmt("%s/%lld", base, (long long)v.tasks[0].id);
		char *none = fmt("%s/999999", base);
		store_thread_view_clear(&v);
		call_error(t, "PATCH", tp, "{\"text\": \"stolen\"}", 404, "not_found", NULL,
			   "no task");
		call_error(t, "DELETE", tp, NULL, 404, "not_found", NULL, "no task");
		call_error(t, "DELETE", none, NULL, 404, "not_found", NULL, "no task");
		expect_tasks(t, other, "Other task");
		free(tp);
		free(none);
	}
	expect_tasks(t, t->thread, before);
	assert_int_equal(db_int(t, "SELECT count(*) FROM messages"), msgs + 1); /* other chat */
	free(before);
	free(was);
	free(p1);
	free(base);
}

static void test_api_tasks_gatewayctl(void **state)
{
	struct tfx *t = *state;
	char thread[32], task1[32], by[40], *out = NULL;

	snprintf(thread, sizeof(thread), "%lld", (long long)t->thread);
	snprintf(task1, sizeof(task1), "%lld", (long long)t->task1);
	snprintf(by, sizeof(by), "staff:%lld", (long long)t->member);

	assert_int_equal(run_ctl(t, &out, (const char *const[]){ "task", "add", thread, "--text",
								 "Bring the keys", "--by", by,
								 NULL }), 0);
	assert_non_null(strstr(out, "added to thread"));
	free(out);
	out = NULL;
	char *note = last_note(t);
	assert_non_null(strstr(note, "Max Member added a task"));
	free(note);
	assert_int_equal(run_ctl(t, NULL, (const char *const[]){ "task", "edit", task1, "--text",
								 "Sign it", NULL }), 0);
	assert_int_equal(run_ctl(t, NULL, (const char *const[]){ "task", "move", task1,
								 "--position", "3", NULL }), 0);
	char *order = tasks_of(t, t->thread);
	assert_non_null(strstr(order, "|Sign it"));
	assert_int_equal(strcmp(order + strlen(order) - 8, "|Sign it"), 0);
	free(order);
	assert_int_equal(run_ctl(t, &out, (const char *const[]){ "--json", "task", "remove", task1,
								 NULL }), 0);
	assert_non_null(strstr(out, "\"removed\""));
	free(out);
	/* refused: named, exit code of bad data, nothing changed */
	char *before = tasks_of(t, t->thread);
	assert_int_equal(run_ctl(t, NULL, (const char *const[]){ "task", "add", thread, "--text",
								 "  ", NULL }), 64);
	assert_int_equal(run_ctl(t, NULL, (const char *const[]){ "task", "remove", task1, NULL }),
			 65);
	assert_int_equal(run_ctl(t, NULL, (const char *const[]){ "task", "move", thread,
								 "--position", "0", NULL }), 64);
	expect_tasks(t, t->thread, before);
	free(before);
	assert_true(db_int(t, "SELECT count(*) FROM audit_log WHERE action = 'task'"
			      " AND target LIKE 'gatewayctl task %'") >= 4);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, tfx_setup, tfx_teardown)
	const struct CMUnitTest tests[] = {
		T(test_api_tasks_edit_move_remove),
		T(test_api_tasks_gatewayctl),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
