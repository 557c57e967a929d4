/*
 * test_web_inbox.c - the staff inbox, "view as client" and the staff page
 * in the web view, over HTTP on loopback:
 *   - the header count on every staff page, the inbox list, opening an
 *     item (marked read, 303 to its place), mark all read, and the 404 a
 *     contact or someone else's item gets;
 *   - GET /inbox/events announces a client's reply made by another
 *     connection;
 *   - view as client renders the contact's page with the banner, no form
 *     in the page, no internal note; it changes no read mark, starts no
 *     session, records no view of the contact but a view_as of the staff
 *     member; the same 404 for a thread or contact they may not see;
 *   - owners and admins switch a member's "view all accounts" right on the
 *     staff page (audited); the member then sees the other account.
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
#include "web_fixture.h"

static int64_t count_sql(struct wfx *f, const char *fmt, ...)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	char sql[512];
	va_list ap;
	int64_t n;

	va_start(ap, fmt);
	vsnprintf(sql, sizeof(sql), fmt, ap);
	va_end(ap);
	assert_int_equal(sqlite3_open_v2(f->db_path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(db));
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return n;
}

static struct wresp get(struct wfx *f, const char *cookie, const char *path, int want)
{
	struct wresp r;

	assert_int_equal(wfx_http(f, "GET", path, cookie, NULL, 0, &r), 0);
	if (r.status != want)
		fail_msg("GET %s: %d, want %d: %s", path, r.status, want, r.body);
	return r;
}

static void contact_says(struct wfx *f, int64_t contact, const char *text)
{
	char *err = NULL;

	WFX_CHECK(store_message_post(f->s, f->ta, STORE_CONTACT, contact, text, NULL, &err), err);
}

static void test_web_inbox_list_open_and_mark_all(void **state)
{
	struct wfx *f = *state;
	char *member = wfx_login(f, LINK_STAFF, f->member);
	char *anna = wfx_login(f, LINK_CONTACT, f->anna), *body = NULL, where[64];
	struct wresp r;

	r = get(f, member, "/", 200);
	assert_non_null(strstr(r.body, "id=\"inboxcount\">0<"));
	wresp_clear(&r);
	contact_says(f, f->anna, "The papers are attached");
	contact_says(f, f->ann2, "And mine");

	r = get(f, member, "/", 200);
	assert_non_null(strstr(r.body, "id=\"inboxcount\">2<"));
	assert_non_null(strstr(r.body, "aria-live=\"polite\""));
	wresp_clear(&r);
	r = get(f, member, "/inbox", 200);
	assert_non_null(strstr(r.body, " replied"));
	assert_non_null(strstr(r.body, "Mark all as read"));
	assert_non_null(strstr(r.body, "class=\"item unread\""));
	wresp_clear(&r);

	int64_t item = count_sql(f, "SELECT min(id) FROM inbox_items WHERE staff_id = %lld",
				 (long long)f->member);
	int64_t msg = count_sql(f, "SELECT message_id FROM inbox_items WHERE id = %lld",
				(long long)item);
	char path[64];
	snprintf(path, sizeof(path), "/inbox/%lld/open", (long long)item);
	snprintf(where, sizeof(where), "/t/%lld#m%lld", (long long)f->ta, (long long)msg);
	assert_int_equal(wfx_post_csrf(f, member, "/inbox", path, "", where, NULL), 303);
	assert_int_equal(count_sql(f, "SELECT count(*) FROM inbox_items WHERE staff_id = %lld"
				   " AND read_at IS NULL", (long long)f->member), 1);

	/* someone else's item, a contact, nobody: the 404 of nothing */
	char *owner = wfx_login(f, LINK_STAFF, f->owner);
	assert_int_equal(wfx_post_csrf(f, owner, "/", path, "", NULL, &body), 404);
	free(body);
	r = get(f, anna, "/inbox", 404);
	wresp_clear(&r);
	r = get(f, NULL, "/inbox", 404);
	wresp_clear(&r);

	r = get(f, member, "/inbox?show=unread", 200);
	assert_non_null(strstr(r.body, "class=\"item unread\""));
	assert_non_null(strstr(r.body, "aria-current=\"page\">Unread<"));
	wresp_clear(&r);
	assert_int_equal(wfx_post_csrf(f, member, "/inbox", "/inbox/read", "", "/inbox", NULL),
			 303);
	r = get(f, member, "/inbox?show=unread", 200);
	assert_non_null(strstr(r.body, "Nothing unread."));
	assert_non_null(strstr(r.body, "id=\"inboxcount\">0<"));
	wresp_clear(&r);
	free(owner);
	free(member);
	free(anna);
}

static void test_web_inbox_stream_announces_a_reply(void **state)
{
	struct wfx *f = *state;
	char *member = wfx_login(f, LINK_STAFF, f->member);
	char *anna = wfx_login(f, LINK_CONTACT, f->anna);
	char *req = xasprintf("GET /inbox/events HTTP/1.1\r\nHost: x\r\n%s\r\n", member);
	char *got = NULL;
	int fd = wfx_connect_send(f, req);

	assert_true(fd >= 0);
	assert_true(wfx_read_until(f, fd, "retry: 3000", 5000, &got));
	assert_non_null(strstr(got, "text/event-stream"));
	free(got);
	contact_says(f, f->anna, "news from the client");
	assert_true(wfx_read_until(f, fd, "unread item in your inbox", 5000, &got));
	assert_non_null(strstr(got, "event: inbox\ndata: 1\ndata: 1 unread item in your inbox"));
	free(got);
	close(fd);
	free(req);
	req = NULL;

	/* a thread page's own stream brings the inbox too: one connection */
	req = xasprintf("GET /t/%lld/events HTTP/1.1\r\nHost: x\r\n%s\r\n", (long long)f->ta,
			member);
	fd = wfx_connect_send(f, req);
	assert_true(fd >= 0);
	assert_true(wfx_read_until(f, fd, "retry: 3000", 5000, NULL));
	contact_says(f, f->ann2, "more from the client");
	assert_true(wfx_read_until(f, fd, "unread items in your inbox", 5000, &got));
	assert_non_null(strstr(got, "event: change"));
	assert_non_null(strstr(got, "event: inbox\ndata: 2\ndata: 2 unread items in your inbox"));
	free(got);
	close(fd);
	free(req);
	/* a contact's thread stream carries no inbox */
	req = xasprintf("GET /t/%lld/events HTTP/1.1\r\nHost: x\r\n%s\r\n", (long long)f->ta,
			anna);
	fd = wfx_connect_send(f, req);
	assert_true(wfx_read_until(f, fd, "retry: 3000", 5000, NULL));
	contact_says(f, f->ann2, "and more");
	assert_true(wfx_read_until(f, fd, "event: change", 5000, &got));
	assert_null(strstr(got, "event: inbox"));
	free(got);
	close(fd);
	free(req);

	/* contacts have no inbox */
	struct wresp r = get(f, anna, "/inbox/events", 404);
	wresp_clear(&r);
	free(member);
	free(anna);
}

static void test_web_inbox_view_as_client(void **state)
{
	struct wfx *f = *state;
	char *member = wfx_login(f, LINK_STAFF, f->member);
	char *other = wfx_login(f, LINK_STAFF, f->other);
	char *anna = wfx_login(f, LINK_CONTACT, f->anna);
	char path[96];
	struct wresp r;

	contact_says(f, f->ann2, "unread by anna");
	int64_t sessions = count_sql(f, "SELECT count(*) FROM sessions");
	int64_t marks = count_sql(f, "SELECT coalesce(sum(last_read_message_id), 0) FROM read_marks");
	int64_t login = count_sql(f, "SELECT coalesce(last_login_at, 0) FROM contacts WHERE id = %lld",
				  (long long)f->anna);

	/* the staff box offers it */
	snprintf(path, sizeof(path), "/t/%lld", (long long)f->ta);
	r = get(f, member, path, 200);
	snprintf(path, sizeof(path), "action=\"/t/%lld/as-client\"", (long long)f->ta);
	assert_non_null(strstr(r.body, path));
	wresp_clear(&r);

	snprintf(path, sizeof(path), "/t/%lld/as-client?contact=%lld", (long long)f->ta,
		 (long long)f->anna);
	r = get(f, member, path, 200);
	assert_non_null(strstr(r.body, "You are viewing this chat as "));
	assert_non_null(strstr(r.body, " sees it."));
	const char *main_at = strstr(r.body, "<main");
	assert_non_null(main_at);
	assert_null(strstr(main_at, "<form"));
	assert_null(strstr(main_at, "<button"));
	assert_null(strstr(main_at, "<textarea"));
	assert_null(strstr(main_at, "data-events"));
	assert_null(strstr(main_at, "Internal note"));
	assert_null(strstr(main_at, "Only staff see this"));
	assert_non_null(strstr(main_at, "Your tasks"));
	assert_non_null(strstr(main_at, "unread by anna"));
	assert_non_null(strstr(main_at, "msg theirs unread"));
	wresp_clear(&r);

	/* nothing of the contact's changed, and the view is the staff member's */
	wfx_pump(f, 1500);
	assert_int_equal(count_sql(f, "SELECT count(*) FROM sessions"), sessions);
	assert_int_equal(count_sql(f, "SELECT coalesce(sum(last_read_message_id), 0) FROM read_marks"),
			 marks);
	assert_int_equal(count_sql(f, "SELECT coalesce(last_login_at, 0) FROM contacts"
				   " WHERE id = %lld", (long long)f->anna), login);
	assert_int_equal(count_sql(f, "SELECT count(*) FROM audit_log WHERE action = 'view_as'"
				   " AND actor_kind = 'staff' AND actor_id = %lld AND thread_id = %lld"
				   " AND target = 'contact %lld'", (long long)f->member,
				   (long long)f->ta, (long long)f->anna), 1);
	assert_int_equal(count_sql(f, "SELECT count(*) FROM audit_log WHERE action <> 'view_as'"
				   " AND (actor_kind <> 'staff' OR target = 'contact %lld')",
				   (long long)f->anna), 0);

	/* the same 404: a colleague who does not see the thread, a contact of
	 * another account, no contact, an unknown one, a contact asking */
	r = get(f, other, path, 404);
	wresp_clear(&r);
	snprintf(path, sizeof(path), "/t/%lld/as-client?contact=%lld", (long long)f->ta,
		 (long long)f->bob);
	r = get(f, member, path, 404);
	wresp_clear(&r);
	snprintf(path, sizeof(path), "/t/%lld/as-client", (long long)f->ta);
	r = get(f, member, path, 404);
	wresp_clear(&r);
	snprintf(path, sizeof(path), "/t/%lld/as-client?contact=99999", (long long)f->ta);
	r = get(f, member, path, 404);
	wresp_clear(&r);
	snprintf(path, sizeof(path), "/t/99999/as-client?contact=%lld", (long long)f->anna);
	r = get(f, member, path, 404);
	wresp_clear(&r);
	snprintf(path, sizeof(path), "/t/%lld/as-client?contact=%lld", (long long)f->ta,
		 (long long)f->anna);
	r = get(f, anna, path, 404);
	wresp_clear(&r);
	free(member);
	free(other);
	free(anna);
}

static void test_web_inbox_staff_view_all(void **state)
{
	struct wfx *f = *state;
	char *owner = wfx_login(f, LINK_STAFF, f->owner);
	char *member = wfx_login(f, LINK_STAFF, f->member);
	char *other = wfx_login(f, LINK_STAFF, f->other), *body = NULL, path[64], tb[32];
	struct wresp r;

	snprintf(tb, sizeof(tb), "/t/%lld", (long long)f->tb);
	r = get(f, other, tb, 404);
	wresp_clear(&r);
	r = get(f, member, "/staff", 404);
	wresp_clear(&r);
	r = get(f, owner, "/staff", 200);
	assert_non_null(strstr(r.body, "Allow view all accounts"));
	wresp_clear(&r);

	snprintf(path, sizeof(path), "/staff/%lld/view-all", (long long)f->other);
	assert_int_equal(wfx_post_csrf(f, owner, "/staff", path, "on=maybe", NULL, &body), 400);
	assert_non_null(strstr(body, "on: must be 1 (allow) or 0 (remove)."));
	free(body);
	assert_int_equal(wfx_post_csrf(f, member, "/", path, "on=1", NULL, NULL), 404);
	assert_int_equal(count_sql(f, "SELECT view_all FROM staff WHERE id = %lld",
				   (long long)f->other), 0);

	assert_int_equal(wfx_post_csrf(f, owner, "/staff", path, "on=1", NULL, &body), 200);
	assert_non_null(strstr(body, "may now view all accounts."));
	assert_non_null(strstr(body, "Remove view all accounts"));
	free(body);
	assert_int_equal(count_sql(f, "SELECT count(*) FROM audit_log WHERE action = 'account'"
				   " AND actor_id = %lld AND target = 'staff %lld'",
				   (long long)f->owner, (long long)f->other), 1);
	r = get(f, other, tb, 200);
	wresp_clear(&r);
	/* still a member: no staff page */
	r = get(f, other, "/staff", 404);
	wresp_clear(&r);

	assert_int_equal(wfx_post_csrf(f, owner, "/staff", path, "on=0", NULL, NULL), 200);
	r = get(f, other, tb, 404);
	wresp_clear(&r);
	snprintf(path, sizeof(path), "/staff/99999/view-all");
	assert_int_equal(wfx_post_csrf(f, owner, "/staff", path, "on=1", NULL, NULL), 404);
	free(owner);
	free(member);
	free(other);
}

#define T(name) cmocka_unit_test_setup_teardown(name, wfx_setup, wfx_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_web_inbox_list_open_and_mark_all),
		T(test_web_inbox_stream_announces_a_reply),
		T(test_web_inbox_view_as_client),
		T(test_web_inbox_staff_view_all),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
