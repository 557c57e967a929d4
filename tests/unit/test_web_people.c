/*
 * test_web_people.c - who gets this, in the web view: the warning above
 * the reply form when no contact will be emailed (staff only, the
 * store's words, escaped), the people list of the staff box with each
 * contact's state and the staff told, the notification switch (POST
 * /c/ID/notify), follow and unfollow (POST /t/ID/follow|unfollow), a
 * resend that reached nobody, and a client turning their emails back on
 * from their home page (POST /me/emails).  Each change is audited; bad
 * input, clients and staff of other accounts are refused and nothing
 * changes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "buf.h"
#include "web_fixture.h"

#define ANNA_ESCAPED "Anna &lt;script&gt;alert(&#39;a&#39;)&lt;/script&gt;"

static int64_t db_int(struct wfx *f, const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	int64_t n;

	assert_int_equal(sqlite3_open_v2(f->db_path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return n;
}

static char *page(struct wfx *f, const char *cookie, const char *path)
{
	struct wresp r;
	char *body;

	assert_int_equal(wfx_http(f, "GET", path, cookie, NULL, 0, &r), 0);
	assert_int_equal(r.status, 200);
	body = xstrdup(r.body);
	wresp_clear(&r);
	return body;
}

static int notify_of(struct wfx *f, int64_t id)
{
	struct store_contact k;
	char *err = NULL;
	int on;

	WFX_CHECK(store_contact_get(f->s, id, &k, &err), err);
	on = k.notify;
	store_contact_clear(&k);
	return on;
}

static void test_web_people_warning_and_list(void **state)
{
	struct wfx *f = *state;
	char *member = wfx_login(f, LINK_STAFF, f->member);
	char *anna = wfx_login(f, LINK_CONTACT, f->anna);
	char *ta = xasprintf("/t/%lld", (long long)f->ta);
	char *err = NULL, *body;
	const char *warn, *form;

	body = page(f, member, ta);
	assert_null(strstr(body, "Nobody will be emailed"));
	assert_non_null(strstr(body, "Who gets this"));
	assert_non_null(strstr(body, "<span class=\"tag ok\">emailed</span>"));
	/* the member started the chat: assigned and following */
	assert_non_null(strstr(body, "(you)</span> <span class=\"why\">assigned, following"));
	assert_non_null(strstr(body, ">Unfollow</button>"));
	free(body);

	WFX_CHECK(store_contact_set_notify_by(f->s, f->anna, 0, STORE_NOTIFY_BY_UNSUBSCRIBE, NULL,
					      &err), err);
	WFX_CHECK(store_contact_set_notify(f->s, f->ann2, 0, &err), err);
	body = page(f, member, ta);
	warn = strstr(body, "Nobody will be emailed: " ANNA_ESCAPED " unsubscribed, Ann Two has "
			    "notifications off.");
	form = strstr(body, "id=\"replyform\"");
	assert_non_null(warn);
	assert_non_null(form);
	assert_true(warn < form);  /* above the reply form */
	assert_null(strstr(body, "<script>alert('a')"));
	assert_non_null(strstr(body, "unsubscribed since "));
	assert_non_null(strstr(body, "notifications off since "));
	assert_non_null(strstr(body, ">Turn notifications on</button>"));
	free(body);

	/* the client sees neither the warning nor the list */
	body = page(f, anna, ta);
	assert_null(strstr(body, "Nobody will be emailed"));
	assert_null(strstr(body, "Who gets this"));
	free(body);

	free(member);
	free(anna);
	free(ta);
}

static void test_web_people_notify_switch(void **state)
{
	struct wfx *f = *state;
	char *member = wfx_login(f, LINK_STAFF, f->member);
	char *other = wfx_login(f, LINK_STAFF, f->other);
	char *anna = wfx_login(f, LINK_CONTACT, f->anna);
	char *ta = xasprintf("/t/%lld", (long long)f->ta);
	char *sw = xasprintf("/c/%lld/notify", (long long)f->ann2);
	char *sw_bob = xasprintf("/c/%lld/notify", (long long)f->bob);
	char *back = xasprintf("thread=%lld&on=0", (long long)f->ta);
	char where[200];

	/* refused: nothing changes */
	assert_int_equal(wfx_post_csrf(f, anna, ta, sw, "on=0", NULL, NULL), 403);
	assert_int_equal(wfx_post_csrf(f, other, "/", sw, "on=0", NULL, NULL), 404);
	assert_int_equal(wfx_post_csrf(f, member, ta, sw_bob, "on=0", NULL, NULL), 404);
	assert_int_equal(wfx_post_csrf(f, member, ta, "/c/999/notify", "on=0", NULL, NULL), 404);
	assert_int_equal(wfx_post_csrf(f, member, ta, sw, "on=maybe", NULL, NULL), 400);
	assert_int_equal(wfx_post_csrf(f, member, ta, sw, "thread=1", NULL, NULL), 400);
	assert_int_equal(notify_of(f, f->ann2), 1);
	assert_int_equal(notify_of(f, f->bob), 1);

	/* off and on again, back to the thread, each audited */
	assert_int_equal(wfx_post_csrf(f, member, ta, sw, back, ta, NULL), 303);
	assert_int_equal(notify_of(f, f->ann2), 0);
	snprintf(where, sizeof(where), "SELECT count(*) FROM audit_log WHERE action = 'contact'"
		 " AND actor_id = %lld AND target = 'contact %lld notifications off'",
		 (long long)f->member, (long long)f->ann2);
	assert_int_equal(db_int(f, where), 1);
	assert_int_equal(wfx_post_csrf(f, member, ta, sw, "on=1", "/", NULL), 303);
	assert_int_equal(notify_of(f, f->ann2), 1);

	free(member);
	free(other);
	free(anna);
	free(ta);
	free(sw);
	free(sw_bob);
	free(back);
}

static void test_web_people_follow_and_unfollow(void **state)
{
	struct wfx *f = *state;
	char *owner = wfx_login(f, LINK_STAFF, f->owner);
	char *other = wfx_login(f, LINK_STAFF, f->other);
	char *anna = wfx_login(f, LINK_CONTACT, f->anna);
	char *ta = xasprintf("/t/%lld", (long long)f->ta);
	char *follow = xasprintf("/t/%lld/follow", (long long)f->ta);
	char *unfollow = xasprintf("/t/%lld/unfollow", (long long)f->ta);
	char *people = xasprintf("/t/%lld#people", (long long)f->ta);
	char where[200], *body;

	snprintf(where, sizeof(where), "SELECT count(*) FROM thread_followers WHERE thread_id = %lld"
		 " AND staff_id = %lld", (long long)f->ta, (long long)f->owner);
	assert_int_equal(db_int(f, where), 0);
	body = page(f, owner, ta);
	assert_non_null(strstr(body, ">Follow</button>"));
	free(body);

	assert_int_equal(wfx_post_csrf(f, owner, ta, follow, "", people, NULL), 303);
	assert_int_equal(db_int(f, where), 1);
	body = page(f, owner, ta);
	assert_non_null(strstr(body, "(you)</span> <span class=\"why\">following"));
	assert_non_null(strstr(body, ">Unfollow</button>"));
	free(body);
	assert_int_equal(wfx_post_csrf(f, owner, ta, unfollow, "", people, NULL), 303);
	assert_int_equal(db_int(f, where), 0);
	snprintf(where, sizeof(where), "SELECT count(*) FROM audit_log WHERE action = 'follow'"
		 " AND thread_id = %lld AND actor_id = %lld", (long long)f->ta, (long long)f->owner);
	assert_int_equal(db_int(f, where), 2);

	/* a client: 403; staff who do not see the thread: 404, as for the page */
	assert_int_equal(wfx_post_csrf(f, anna, ta, follow, "", NULL, NULL), 403);
	assert_int_equal(wfx_post_csrf(f, other, "/", follow, "", NULL, NULL), 404);
	assert_int_equal(wfx_post_csrf(f, owner, "/", "/t/999/follow", "", NULL, NULL), 404);
	assert_int_equal(db_int(f, "SELECT count(*) FROM thread_followers WHERE staff_id IN"
				   " (SELECT id FROM staff WHERE name = 'Otto Other')"), 0);

	free(owner);
	free(other);
	free(anna);
	free(ta);
	free(follow);
	free(unfollow);
	free(people);
}

static void test_web_people_resend_to_nobody(void **state)
{
	struct wfx *f = *state;
	char *member = wfx_login(f, LINK_STAFF, f->member);
	char *ta = xasprintf("/t/%lld", (long long)f->ta);
	char *resend = xasprintf("/t/%lld/resend", (long long)f->ta);
	char *err = NULL, *body = NULL;

	WFX_CHECK(store_contact_mark_bouncing(f->s, f->anna, "550 gone", &err), err);
	WFX_CHECK(store_contact_remove(f->s, f->ann2, NULL, &err), err);
	assert_int_equal(wfx_post_csrf(f, member, ta, resend, "", NULL, &body), 200);
	assert_non_null(strstr(body, "Nothing was resent. Nobody will be emailed: " ANNA_ESCAPED
				     "&#39;s address bounces, Ann Two was removed."));
	free(body);
	assert_int_equal(wfx_outbox_count(f, MAIL_RESEND, f->ta), 0);

	free(member);
	free(ta);
	free(resend);
}

static void test_web_people_client_turns_emails_on(void **state)
{
	struct wfx *f = *state;
	char *anna = wfx_login(f, LINK_CONTACT, f->anna);
	char *member = wfx_login(f, LINK_STAFF, f->member);
	char *err = NULL, *body;

	body = page(f, anna, "/");
	assert_null(strstr(body, "action=\"/me/emails\""));
	free(body);
	WFX_CHECK(store_contact_set_notify_by(f->s, f->anna, 0, STORE_NOTIFY_BY_UNSUBSCRIBE, NULL,
					      &err), err);
	body = page(f, anna, "/");
	assert_non_null(strstr(body, "You unsubscribed from our emails"));
	assert_non_null(strstr(body, "action=\"/me/emails\""));
	free(body);

	assert_int_equal(wfx_post_csrf(f, member, "/", "/me/emails", "on=1", NULL, NULL), 403);
	assert_int_equal(wfx_post_csrf(f, anna, "/", "/me/emails", "on=yes", NULL, NULL), 400);
	assert_int_equal(notify_of(f, f->anna), 0);
	assert_int_equal(wfx_post_csrf(f, anna, "/", "/me/emails", "on=1", "/", NULL), 303);
	assert_int_equal(notify_of(f, f->anna), 1);
	body = page(f, anna, "/");
	assert_null(strstr(body, "action=\"/me/emails\""));
	free(body);

	free(anna);
	free(member);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, wfx_setup, wfx_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_web_people_warning_and_list),
		T(test_web_people_notify_switch),
		T(test_web_people_follow_and_unfollow),
		T(test_web_people_resend_to_nobody),
		T(test_web_people_client_turns_emails_on),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
