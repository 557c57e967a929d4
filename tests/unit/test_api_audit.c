/*
 * test_api_audit.c - the audit log and the legal hold through the JSON
 * API and gatewayctl: every request made with an API key leaves one entry
 * (a view or a use of the key, appended by the store pool within about a
 * second; a change, in its own transaction); gatewayctl's chat, key and
 * hold commands leave theirs; GET /api/v1/audit and gatewayctl audit read
 * them back; and no row holds a message text, an API key or a link
 * (asserted on the raw rows).
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
#include "retention.h"
#include "test_api_util.h"

static sqlite3 *raw_open(struct tfx *t)
{
	sqlite3 *db = NULL;

	assert_int_equal(sqlite3_open_v2(t->cfg->store.path, &db, SQLITE_OPEN_READONLY, NULL),
			 SQLITE_OK);
	return db;
}

static int64_t count_where(struct tfx *t, const char *where)
{
	sqlite3 *db = raw_open(t);
	sqlite3_stmt *st = NULL;
	char *sql = fmt("SELECT count(*) FROM audit_log WHERE %s", where);
	int64_t n;

	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	free(sql);
	return n;
}

static int64_t wait_count(struct tfx *t, const char *where, int64_t want)
{
	int64_t n = 0;

	for (int i = 0; i < 60 && (n = count_where(t, where)) < want; i++)
		usleep(50 * 1000);
	return n;
}

static char *raw_rows(struct tfx *t)
{
	sqlite3 *db = raw_open(t);
	sqlite3_stmt *st = NULL;
	struct buf b = BUF_INIT;

	assert_int_equal(sqlite3_prepare_v2(db, "SELECT * FROM audit_log", -1, &st, NULL),
			 SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		for (int i = 0; i < sqlite3_column_count(st); i++) {
			const unsigned char *v = sqlite3_column_text(st, i);

			buf_printf(&b, "%s|", v != NULL ? (const char *)v : "");
		}
		buf_putc(&b, '\n');
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	return buf_detach(&b);
}

static void test_api_audit_every_request_leaves_an_entry(void **state)
{
	struct tfx *t = *state;
	char *path, *body, where[160];
	json_t *j;

	j = call(t, "GET", "/api/v1/threads", NULL, 200);
	json_decref(j);
	path = fmt("/api/v1/threads/%lld", (long long)t->thread);
	j = call(t, "GET", path, NULL, 200);
	json_decref(j);
	free(path);
	/* reads: appended by the pool's writer within about a second */
	snprintf(where, sizeof(where), "action = 'api_key' AND actor_kind = 'api' AND "
		 "api_key = 'portal' AND actor_id = %lld AND target = 'GET /api/v1/threads' "
		 "AND client = '127.0.0.1'", (long long)t->key_id);
	assert_int_equal(wait_count(t, where, 1), 1);
	snprintf(where, sizeof(where), "action = 'view' AND thread_id = %lld AND account_id = %lld",
		 (long long)t->thread, (long long)t->acme);
	assert_int_equal(wait_count(t, where, 1), 1);

	/* changes: in their own transaction, there when the answer is */
	path = fmt("/api/v1/threads/%lld/messages", (long long)t->thread);
	body = fmt("{\"from_staff\": %lld, \"body\": \"Your confidential tax figures\"}",
		   (long long)t->member);
	j = call(t, "POST", path, body, 201);
	json_decref(j);
	free(path);
	free(body);
	snprintf(where, sizeof(where), "action = 'post' AND thread_id = %lld",
		 (long long)t->thread);
	assert_int_equal(count_where(t, where), 1);
	path = fmt("/api/v1/threads/%lld/archive", (long long)t->thread);
	j = call(t, "POST", path, "{}", 200);
	json_decref(j);
	free(path);
	assert_int_equal(count_where(t, "action = 'archive'"), 1);
	/* a refused request changes nothing and leaves no entry */
	call_error(t, "POST", "/api/v1/threads/999/archive", "{}", 404, "not_found", NULL, NULL);
	assert_int_equal(count_where(t, "action = 'archive'"), 1);

	char *rows = raw_rows(t);
	assert_null(strstr(rows, "confidential"));
	assert_null(strstr(rows, t->key));
	assert_null(strstr(rows, "Bearer"));
	free(rows);
}

/* Each kind of change through the API, with the action it is recorded as. */
static void test_api_audit_each_action(void **state)
{
	struct tfx *t = *state;
	char *task = fmt("/api/v1/threads/%lld/tasks/%lld", (long long)t->thread,
			 (long long)t->task1);
	char *tasks = fmt("/api/v1/threads/%lld/tasks", (long long)t->thread);
	char *resend = fmt("/api/v1/threads/%lld/resend", (long long)t->thread);
	char *rem = fmt("/api/v1/threads/%lld/reminders", (long long)t->thread);
	char *contact = fmt("/api/v1/contacts/%lld", (long long)t->anna);
	char *tick = fmt("{\"done\": true, \"by_staff\": %lld}", (long long)t->owner);
	char *refs = fmt("/api/v1/threads/%lld/refs", (long long)t->thread);
	char *msgs = fmt("/api/v1/threads/%lld/messages", (long long)t->thread);
	char *note = fmt("{\"from_staff\": %lld, \"body\": \"Call first\", \"internal\": true}",
			 (long long)t->owner);
	const struct {
		const char *method, *path, *body, *action;
		int status;
	} cases[] = {
		{ "PATCH", task, tick, "task", 200 },
		{ "POST", tasks, "{\"text\": \"Sign the engagement letter\"}", "task", 201 },
		{ "POST", resend, "{}", "resend", 200 },
		{ "PUT", rem, "{\"enabled\": true, \"days\": 2, \"count\": 2}", "reminders", 200 },
		{ "PATCH", contact, "{\"notify\": false}", "contact", 200 },
		{ "POST", "/api/v1/accounts", "{\"name\": \"Cedar LLP\"}", "account", 201 },
		{ "POST", refs, "{\"label\": \"Job 4711\", \"url\": \"https://pm.example/jobs/4711\"}",
		  "link", 201 },
		{ "POST", msgs, note, "note", 201 },
	};

	for (size_t i = 0; i < GW_ARRAY_SIZE(cases); i++) {
		char *where = fmt("action = '%s' AND actor_kind = 'api' AND target = '%s %s'",
				  cases[i].action, cases[i].method, cases[i].path);
		json_t *j = call(t, cases[i].method, cases[i].path, cases[i].body,
				 cases[i].status);

		json_decref(j);
		if (count_where(t, where) != 1)
			fail_msg("case %zu: %s %s: no \"%s\" entry", i, cases[i].method,
				 cases[i].path, cases[i].action);
		free(where);
	}
	char *rows = raw_rows(t);
	assert_null(strstr(rows, "engagement letter"));
	free(rows);
	free(task);
	free(tasks);
	free(resend);
	free(rem);
	free(contact);
	free(tick);
	free(refs);
	free(msgs);
	free(note);
}

static void test_api_audit_hold(void **state)
{
	struct tfx *t = *state;
	char *path = fmt("/api/v1/accounts/%lld/hold", (long long)t->acme), *error = NULL;
	int held = 0;
	json_t *j;

	j = call(t, "GET", path, NULL, 200);
	assert_false(jbool(j, "legal_hold"));
	assert_true(json_is_null(jget(j, "since")));
	json_decref(j);
	j = call(t, "PUT", path, "{\"on\": true}", 200);
	assert_true(jbool(j, "legal_hold"));
	assert_string_equal(jstr(j, "since"), "2026-11-25T09:00:00Z");
	json_decref(j);
	assert_int_equal(store_account_held(t->s, t->acme, &held, NULL, &error), GW_OK);
	assert_int_equal(held, 1);
	assert_int_equal(count_where(t, "action = 'hold' AND account_id IS NOT NULL"), 1);
	call_error(t, "PUT", path, "{\"on\": \"yes\"}", 400, "invalid_field", "on", NULL);
	call_error(t, "PUT", path, "{}", 400, "missing_field", "on", NULL);
	call_error(t, "PUT", path, "{\"on\": true, \"until\": 1}", 400, "unknown_field",
		   "until", NULL);
	call_error(t, "PUT", "/api/v1/accounts/999/hold", "{\"on\": true}", 404, "not_found",
		   NULL, NULL);
	j = call(t, "PUT", path, "{\"on\": false}", 200);
	assert_false(jbool(j, "legal_hold"));
	json_decref(j);
	free(path);
}

static void test_api_audit_list(void **state)
{
	struct tfx *t = *state;
	char *path;
	json_t *j, *arr;

	/* three changes, then read them back a page of two at a time */
	for (int i = 0; i < 3; i++) {
		path = fmt("/api/v1/threads/%lld/%s", (long long)t->thread,
			   i % 2 == 0 ? "archive" : "reopen");
		j = call(t, "POST", path, "{}", 200);
		json_decref(j);
		free(path);
	}
	path = fmt("/api/v1/audit?account=%lld&limit=2", (long long)t->acme);
	j = call(t, "GET", path, NULL, 200);
	free(path);
	arr = jget(j, "audit");
	assert_int_equal(json_array_size(arr), 2);
	assert_string_equal(jstr(json_array_get(arr, 0), "action"), "archive");
	assert_string_equal(jstr(json_array_get(arr, 0), "actor_kind"), "api");
	assert_string_equal(jstr(json_array_get(arr, 0), "api_key"), "portal");
	assert_string_equal(jstr(json_array_get(arr, 1), "action"), "reopen");
	assert_true(json_is_integer(jget(j, "next_before")));
	path = fmt("/api/v1/audit?account=%lld&limit=2&before=%lld", (long long)t->acme,
		   (long long)jint(j, "next_before"));
	json_decref(j);
	j = call(t, "GET", path, NULL, 200);
	free(path);
	assert_int_equal(json_array_size(jget(j, "audit")), 1);
	assert_true(json_is_null(jget(j, "next_before")));
	json_decref(j);
	call_error(t, "GET", "/api/v1/audit?since=yesterday", NULL, 400, "invalid_parameter",
		   "since", NULL);
	call_error(t, "GET", "/api/v1/audit?limit=0", NULL, 400, "invalid_parameter", "limit",
		   NULL);
	j = call(t, "GET", "/api/v1/audit?since=2030-01-01", NULL, 200);
	assert_int_equal(json_array_size(jget(j, "audit")), 0);
	json_decref(j);
}

static void test_api_audit_gatewayctl(void **state)
{
	struct tfx *t = *state;
	char *out = NULL, *acme = fmt("%lld", (long long)t->acme);
	char *thread = fmt("%lld", (long long)t->thread), *key = NULL;
	const char *hold_on[] = { "account", "hold", acme, "on", NULL };
	const char *hold_show[] = { "--json", "account", "hold", acme, NULL };
	const char *archive[] = { "thread", "archive", thread, NULL };
	const char *reopen[] = { "thread", "reopen", thread, NULL };
	const char *show[] = { "thread", "show", thread, NULL };
	const char *post[] = { "message", "post", thread, "--from", "staff:1", "--body",
			       "Secret figures enclosed", NULL };
	const char *apikey[] = { "apikey", "add", "bookkeeping", NULL };
	const char *rotate[] = { "keys", "rotate", NULL };
	const char *audit[] = { "--json", "audit", "--account", acme, NULL };
	const char *bad[] = { "audit", "--since", "soon", NULL };
	const char *bad_hold[] = { "account", "hold", acme, "maybe", NULL };
	json_t *j;

	assert_int_equal(run_ctl(t, &out, hold_on), 0);
	assert_non_null(strstr(out, "on legal hold since"));
	free(out);
	assert_int_equal(run_ctl(t, &out, hold_show), 0);
	j = json_loads(out, 0, NULL);
	assert_true(jbool(j, "legal_hold"));
	json_decref(j);
	free(out);
	assert_int_equal(run_ctl(t, NULL, bad_hold), 64);
	assert_int_equal(run_ctl(t, NULL, archive), 0);
	assert_int_equal(run_ctl(t, NULL, reopen), 0);
	assert_int_equal(run_ctl(t, NULL, show), 0);
	assert_int_equal(run_ctl(t, NULL, post), 0);
	assert_int_equal(run_ctl(t, &key, apikey), 0);
	assert_int_equal(run_ctl(t, &out, rotate), 0);
	free(out);
	assert_int_equal(run_ctl(t, NULL, bad), 64);

	assert_int_equal(count_where(t, "actor_kind = 'cli' AND client = 'local'"), 8);
	assert_int_equal(count_where(t, "action = 'hold' AND actor_kind = 'cli'"), 2);
	assert_int_equal(count_where(t, "action = 'view' AND actor_kind = 'cli'"), 1);
	assert_int_equal(count_where(t, "action = 'post' AND actor_kind = 'cli'"), 1);
	assert_int_equal(count_where(t, "action = 'api_key' AND actor_kind = 'cli'"), 1);
	assert_int_equal(count_where(t, "action = 'key_rotation'"), 1);
	/* a refused command leaves nothing: "maybe" is not on or off */
	assert_int_equal(count_where(t, "target LIKE '%maybe%'"), 0);

	assert_int_equal(run_ctl(t, &out, audit), 0);
	j = json_loads(out, 0, NULL);
	assert_non_null(j);
	/* archive, reopen, show, post, hold (on and its show): newest first */
	assert_int_equal(json_array_size(jget(j, "audit")), 6);
	assert_string_equal(jstr(json_array_get(jget(j, "audit"), 0), "action"), "post");
	assert_string_equal(jstr(json_array_get(jget(j, "audit"), 0), "actor_kind"), "cli");
	json_decref(j);
	free(out);

	char *rows = raw_rows(t);
	assert_null(strstr(rows, "Secret figures"));
	key[strcspn(key, "\n")] = '\0';
	assert_true(strlen(key) > 10);
	assert_null(strstr(rows, key));
	free(rows);
	free(key);
	free(acme);
	free(thread);
}

/* gatewayctl retention run --now: the defaults (outbox and inbound log 90
 * days) at a chosen time, exactly what is older. */
static void test_api_audit_retention_run_cli(void **state)
{
	struct tfx *t = *state;
	struct store_inbound_in in = { 0 };
	const char *run[] = { "--json", "retention", "run", "--now", "2026-11-25T09:00:00Z",
			      NULL };
	const char *bad[] = { "retention", "run", "--now", "someday", NULL };
	char *out = NULL, *error = NULL;
	json_t *j;

	in.sender = "x@example.org";
	in.recipient = "r@reply.example";
	in.verdict = "dropped";
	in.received_at = T0 - 90 * 86400 - 1;
	assert_int_equal(store_inbound_log(t->s, &in, NULL, &error), GW_OK);
	in.received_at = T0 - 90 * 86400;
	assert_int_equal(store_inbound_log(t->s, &in, NULL, &error), GW_OK);
	assert_int_equal(run_ctl(t, &out, run), 0);
	j = json_loads(out, 0, NULL);
	assert_non_null(j);
	assert_int_equal(jint(j, "inbound_log"), 1);
	assert_int_equal(jint(j, "threads"), 0);
	json_decref(j);
	free(out);
	assert_int_equal(run_ctl(t, NULL, bad), 64);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, tfx_setup, tfx_teardown)
	const struct CMUnitTest tests[] = {
		T(test_api_audit_every_request_leaves_an_entry),
		T(test_api_audit_each_action),
		T(test_api_audit_hold),
		T(test_api_audit_list),
		T(test_api_audit_gatewayctl),
		T(test_api_audit_retention_run_cli),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
