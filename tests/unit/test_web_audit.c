/*
 * test_web_audit.c - the audit log and the legal hold in the web view: a
 * staff member's view is recorded by the store pool's writer within about
 * a second, each change in the request's own transaction; clients' own
 * actions are not recorded; no entry holds a message text, a cookie or a
 * token (asserted on the raw rows); the owners' page pages through the
 * log; owners and admins set the legal hold, which the thread page shows.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "audit.h"
#include "buf.h"
#include "retention.h"
#include "web_fixture.h"

/* Every text of every audit row, joined, through a raw connection. */
static char *raw_rows(struct wfx *f)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	struct buf b = BUF_INIT;

	assert_int_equal(sqlite3_open_v2(f->db_path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT * FROM audit_log", -1, &st, NULL),
			 SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		for (int i = 0; i < sqlite3_column_count(st); i++) {
			const unsigned char *t = sqlite3_column_text(st, i);

			buf_printf(&b, "%s|", t != NULL ? (const char *)t : "");
		}
		buf_putc(&b, '\n');
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	return buf_detach(&b);
}

static int64_t count_where(struct wfx *f, const char *where)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	char *sql = xasprintf("SELECT count(*) FROM audit_log WHERE %s", where);
	int64_t n;

	assert_int_equal(sqlite3_open_v2(f->db_path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	free(sql);
	return n;
}

/* Views land within about a second: pump the loop until they do. */
static int64_t wait_count(struct wfx *f, const char *where, int64_t want)
{
	int64_t n = 0;

	for (int i = 0; i < 60 && (n = count_where(f, where)) < want; i++)
		wfx_pump(f, 50);
	return n;
}

static void post_ok(struct wfx *f, const char *cookie, const char *path, const char *fields,
		    int want)
{
	char *csrf = wfx_csrf(f, cookie, "/"), form[512];
	struct wresp r;

	snprintf(form, sizeof(form), "%s%scsrf=%s", fields, *fields != '\0' ? "&" : "", csrf);
	assert_int_equal(wfx_post(f, cookie, path, form, &r), 0);
	if (r.status != want)
		fail_msg("POST %s: %d, want %d: %s", path, r.status, want, r.body);
	wresp_clear(&r);
	free(csrf);
}

static void test_web_audit_staff_view_recorded_after_reply(void **state)
{
	struct wfx *f = *state;
	char *owner = wfx_login(f, LINK_STAFF, f->owner), path[32], where[128];
	struct wresp r;

	snprintf(path, sizeof(path), "/t/%lld", (long long)f->ta);
	assert_int_equal(wfx_http(f, "GET", path, owner, NULL, 0, &r), 0);
	assert_int_equal(r.status, 200);
	wresp_clear(&r);
	snprintf(where, sizeof(where), "action = 'view' AND actor_kind = 'staff' AND "
		 "actor_id = %lld AND thread_id = %lld AND account_id = %lld AND "
		 "client = '127.0.0.1'", (long long)f->owner, (long long)f->ta,
		 (long long)f->acc_a);
	assert_int_equal(wait_count(f, where, 1), 1);
	/* a second view is a second entry */
	assert_int_equal(wfx_http(f, "GET", path, owner, NULL, 0, &r), 0);
	wresp_clear(&r);
	assert_int_equal(wait_count(f, where, 2), 2);
	free(owner);
}

static void test_web_audit_changes_in_the_same_transaction(void **state)
{
	struct wfx *f = *state;
	char *owner = wfx_login(f, LINK_STAFF, f->owner), path[64], fields[64];
	static const struct {
		const char *action, *fields;
	} steps[] = {
		{ "reply", "body=Your+confidential+tax+figures" },
		{ "reminders", "enabled=1&days=2&count=2" },
		{ "resend", "" },
		{ "archive", "" },
		{ "reopen", "" },
		{ "link", "label=Job+4711&url=https%3A%2F%2Fpm.example%2Fjobs%2F4711" },
	};
	static const char *const audited[] = { "post", "reminders", "resend", "archive",
					       "reopen", "link" };

	for (size_t i = 0; i < GW_ARRAY_SIZE(steps); i++) {
		char where[96];

		snprintf(path, sizeof(path), "/t/%lld/%s", (long long)f->ta, steps[i].action);
		post_ok(f, owner, path, steps[i].fields, 303);
		/* there as soon as the reply is: no waiting */
		snprintf(where, sizeof(where), "action = '%s' AND thread_id = %lld", audited[i],
			 (long long)f->ta);
		if (count_where(f, where) != 1)
			fail_msg("step %zu (%s): no audit entry", i, steps[i].action);
	}
	snprintf(path, sizeof(path), "/t/%lld/task", (long long)f->ta);
	snprintf(fields, sizeof(fields), "task=%lld&done=1", (long long)f->task1);
	post_ok(f, owner, path, fields, 303);
	assert_int_equal(count_where(f, "action = 'task' AND target LIKE 'task % done'"), 1);
	/* a refused change leaves no entry */
	snprintf(path, sizeof(path), "/t/%lld/reminders", (long long)f->ta);
	post_ok(f, owner, path, "enabled=1&days=999", 400);
	assert_int_equal(count_where(f, "action = 'reminders'"), 1);

	/* the raw rows: no message text, no cookie, no token */
	char *rows = raw_rows(f);
	assert_null(strstr(rows, "confidential"));
	assert_null(strstr(rows, "gw_session"));
	assert_null(strstr(rows, "secret staff note"));
	assert_null(strstr(rows, owner + strlen("Cookie: gw_session=")));
	assert_non_null(strstr(rows, "message "));
	free(rows);
	free(owner);
}

static void test_web_audit_attachment_and_contact(void **state)
{
	struct wfx *f = *state;
	char *owner = wfx_login(f, LINK_STAFF, f->owner), path[64], where[160], fields[48];
	struct store_attachment_new att;
	int64_t att_id = 0;
	char *err = NULL;
	struct wresp r;

	memset(&att, 0, sizeof(att));
	att.thread_id = f->ta;
	att.uploader_kind = STORE_STAFF;
	att.uploader_id = f->owner;
	att.file_name = "payslip.pdf";
	att.bytes = "payslip contents 4711";
	att.len = strlen(att.bytes);
	WFX_CHECK(store_attachment_add(f->s, &att, &att_id, &err), err);
	snprintf(path, sizeof(path), "/a/%lld", (long long)att_id);
	assert_int_equal(wfx_http(f, "GET", path, owner, NULL, 0, &r), 0);
	assert_int_equal(r.status, 200);
	wresp_clear(&r);
	snprintf(where, sizeof(where), "action = 'view' AND target = 'attachment %lld' AND "
		 "thread_id = %lld AND account_id = %lld", (long long)att_id, (long long)f->ta,
		 (long long)f->acc_a);
	assert_int_equal(wait_count(f, where, 1), 1);

	snprintf(path, sizeof(path), "/c/%lld/clear-bounce", (long long)f->anna);
	snprintf(fields, sizeof(fields), "thread=%lld", (long long)f->ta);
	post_ok(f, owner, path, fields, 303);
	snprintf(where, sizeof(where), "action = 'contact' AND target = 'contact %lld'",
		 (long long)f->anna);
	assert_int_equal(count_where(f, where), 1);
	char *rows = raw_rows(f);
	assert_null(strstr(rows, "4711"));
	free(rows);
	free(owner);
}

static void test_web_audit_clients_not_recorded(void **state)
{
	struct wfx *f = *state;
	char *anna = wfx_login(f, LINK_CONTACT, f->anna), path[64];
	struct wresp r;

	snprintf(path, sizeof(path), "/t/%lld", (long long)f->ta);
	assert_int_equal(wfx_http(f, "GET", path, anna, NULL, 0, &r), 0);
	assert_int_equal(r.status, 200);
	wresp_clear(&r);
	snprintf(path, sizeof(path), "/t/%lld/reply", (long long)f->ta);
	post_ok(f, anna, path, "body=from+the+client", 303);
	wfx_pump(f, 1500);
	assert_int_equal(count_where(f, "1"), 0);
	free(anna);
}

static void test_web_audit_page_owners_only_and_paged(void **state)
{
	struct wfx *f = *state;
	char *owner = wfx_login(f, LINK_STAFF, f->owner);
	char *member = wfx_login(f, LINK_STAFF, f->member);
	struct store_audit_in in = { 0 };
	char *err = NULL, *next, *end, link[128];
	struct wresp r;

	in.actor = STORE_AUDIT_API;
	in.actor_name = "portal <b>";
	in.api_key = "portal <b>";
	in.action = "api_key";
	in.target = "GET /api/v1/threads";
	for (int i = 0; i < 60; i++)
		WFX_CHECK(store_audit_append(f->s, &in, NULL, &err), err);
	assert_int_equal(wfx_http(f, "GET", "/audit", member, NULL, 0, &r), 0);
	assert_int_equal(r.status, 404);
	wresp_clear(&r);
	assert_int_equal(wfx_http(f, "GET", "/audit", owner, NULL, 0, &r), 0);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "Audit log"));
	assert_non_null(strstr(r.body, "portal &lt;b&gt;"));
	assert_null(strstr(r.body, "portal <b>"));
	next = strstr(r.body, "href=\"/audit?before=");
	assert_non_null(next);
	next += strlen("href=\"");
	end = strchr(next, '"');
	snprintf(link, sizeof(link), "%.*s", (int)(end - next), next);
	wresp_clear(&r);
	/* the second page: the 10 older entries, and no further link */
	assert_int_equal(wfx_http(f, "GET", link, owner, NULL, 0, &r), 0);
	assert_int_equal(r.status, 200);
	assert_null(strstr(r.body, "Older entries"));
	assert_non_null(strstr(r.body, "portal &lt;b&gt;"));
	wresp_clear(&r);
	/* the filter form as a browser sends it, fields left empty */
	assert_int_equal(wfx_http(f, "GET", "/audit?account=&since=", owner, NULL, 0, &r), 0);
	assert_int_equal(r.status, 200);
	wresp_clear(&r);
	assert_int_equal(wfx_http(f, "GET", "/audit?account=&since=2026-11-25", owner, NULL, 0,
				  &r), 0);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "value=\"2026-11-25\""));
	wresp_clear(&r);
	assert_int_equal(wfx_http(f, "GET", "/audit?since=yesterday", owner, NULL, 0, &r), 0);
	assert_int_equal(r.status, 400);
	wresp_clear(&r);
	/* reading the log is in the log too */
	assert_int_equal(wait_count(f, "action = 'audit'", 4), 4);
	/* the owners' home page links to it */
	assert_int_equal(wfx_http(f, "GET", "/", owner, NULL, 0, &r), 0);
	assert_non_null(strstr(r.body, "href=\"/audit\""));
	wresp_clear(&r);
	free(owner);
	free(member);
}

static void test_web_audit_legal_hold(void **state)
{
	struct wfx *f = *state;
	char *owner = wfx_login(f, LINK_STAFF, f->owner);
	char *member = wfx_login(f, LINK_STAFF, f->member);
	char path[64], fields[64], *err = NULL;
	int held = 0;
	struct wresp r;

	snprintf(path, sizeof(path), "/accounts/%lld/hold", (long long)f->acc_a);
	snprintf(fields, sizeof(fields), "on=1&thread=%lld", (long long)f->ta);
	post_ok(f, member, path, fields, 403);
	WFX_CHECK(store_account_held(f->s, f->acc_a, &held, NULL, &err), err);
	assert_int_equal(held, 0);
	post_ok(f, owner, path, fields, 303);
	WFX_CHECK(store_account_held(f->s, f->acc_a, &held, NULL, &err), err);
	assert_int_equal(held, 1);
	assert_int_equal(count_where(f, "action = 'hold' AND target = 'account "
				     "' || account_id || ' hold on'"), 1);
	snprintf(path, sizeof(path), "/t/%lld", (long long)f->ta);
	assert_int_equal(wfx_http(f, "GET", path, owner, NULL, 0, &r), 0);
	assert_non_null(strstr(r.body, "On hold"));
	assert_non_null(strstr(r.body, "Lift the legal hold"));
	wresp_clear(&r);
	/* members see it, without the button */
	assert_int_equal(wfx_http(f, "GET", path, member, NULL, 0, &r), 0);
	assert_non_null(strstr(r.body, "On hold"));
	assert_null(strstr(r.body, "Lift the legal hold"));
	wresp_clear(&r);
	snprintf(path, sizeof(path), "/accounts/%lld/hold", (long long)f->acc_a);
	post_ok(f, owner, path, "on=maybe", 400);
	post_ok(f, owner, path, "on=0", 303);
	WFX_CHECK(store_account_held(f->s, f->acc_a, &held, NULL, &err), err);
	assert_int_equal(held, 0);
	free(owner);
	free(member);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_web_audit_staff_view_recorded_after_reply,
						wfx_setup, wfx_teardown),
		cmocka_unit_test_setup_teardown(test_web_audit_changes_in_the_same_transaction,
						wfx_setup, wfx_teardown),
		cmocka_unit_test_setup_teardown(test_web_audit_attachment_and_contact, wfx_setup,
						wfx_teardown),
		cmocka_unit_test_setup_teardown(test_web_audit_clients_not_recorded, wfx_setup,
						wfx_teardown),
		cmocka_unit_test_setup_teardown(test_web_audit_page_owners_only_and_paged,
						wfx_setup, wfx_teardown),
		cmocka_unit_test_setup_teardown(test_web_audit_legal_hold, wfx_setup,
						wfx_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
