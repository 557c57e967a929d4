/*
 * test_web_notes.c - internal notes and @mentions in the web view: staff
 * post a note only staff see (no contact email, not in a contact's page,
 * audited as "note"); a contact cannot; a mention of nobody or of a
 * colleague who cannot see the account is refused with the text kept and,
 * for an owner, the offer to assign and post; mentions are marked for
 * staff and plain names for clients.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "web_fixture.h"

static int64_t raw_int(struct wfx *f, const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	int64_t v = -1;

	assert_int_equal(sqlite3_open_v2(f->db_path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

/* POST form (csrf appended) to /t/ID/reply as cookie; the response. */
static void reply(struct wfx *f, const char *cookie, int64_t thread, const char *form,
		  struct wresp *r)
{
	char path[32], action[48], *csrf, *body;

	snprintf(path, sizeof(path), "/t/%lld", (long long)thread);
	snprintf(action, sizeof(action), "/t/%lld/reply", (long long)thread);
	csrf = wfx_csrf(f, cookie, path);
	assert_non_null(csrf);
	body = malloc(strlen(form) + strlen(csrf) + 8);
	sprintf(body, "%s&csrf=%s", form, csrf);
	assert_int_equal(wfx_post(f, cookie, action, body, r), 0);
	free(body);
	free(csrf);
}

static char *page(struct wfx *f, const char *cookie, int64_t thread)
{
	char path[32], hdr[512];
	struct wresp r;
	char *body;

	snprintf(path, sizeof(path), "/t/%lld", (long long)thread);
	snprintf(hdr, sizeof(hdr), "%s", cookie);
	assert_int_equal(wfx_http(f, "GET", path, hdr, NULL, 0, &r), 0);
	assert_int_equal(r.status, 200);
	body = r.body;
	r.body = NULL;
	wresp_clear(&r);
	return body;
}

static void test_web_notes_internal_stays_with_staff(void **state)
{
	struct wfx *f = *state;
	char *owner = wfx_login(f, LINK_STAFF, f->owner), *anna = wfx_login(f, LINK_CONTACT, f->anna);
	int mails = wfx_outbox_count(f, 0, f->ta);
	int64_t msgs = raw_int(f, "SELECT count(*) FROM messages");
	struct wresp r;
	char *p;

	reply(f, owner, f->ta, "body=Anna+prefers+a+call&internal=1", &r);
	assert_int_equal(r.status, 303);
	wresp_clear(&r);
	assert_int_equal(raw_int(f, "SELECT count(*) FROM messages"), msgs + 1);
	assert_int_equal(raw_int(f, "SELECT staff_only FROM messages ORDER BY id DESC LIMIT 1"), 1);
	assert_int_equal(wfx_outbox_count(f, 0, f->ta), mails);
	assert_int_equal(raw_int(f, "SELECT count(*) FROM audit_log WHERE action = 'note'"), 1);

	p = page(f, owner, f->ta);
	assert_non_null(strstr(p, "Anna prefers a call"));
	assert_non_null(strstr(p, " internal\" id=\"m"));
	assert_non_null(strstr(p, "Internal note</span> only staff see this"));
	assert_non_null(strstr(p, "name=\"internal\""));
	free(p);
	p = page(f, anna, f->ta);
	assert_null(strstr(p, "Anna prefers a call"));
	assert_null(strstr(p, "Internal note"));
	assert_null(strstr(p, "name=\"internal\""));
	assert_null(strstr(p, "mentionlist"));
	free(p);

	/* a note with only a file would show the file to the client */
	reply(f, owner, f->ta, "body=&internal=1", &r);
	assert_int_equal(r.status, 400);
	assert_non_null(strstr(r.body, "Write the internal note."));
	wresp_clear(&r);
	free(owner);
	free(anna);
}

static void test_web_notes_contact_refused(void **state)
{
	struct wfx *f = *state;
	char *anna = wfx_login(f, LINK_CONTACT, f->anna), *bob = wfx_login(f, LINK_CONTACT, f->bob);
	int64_t msgs = raw_int(f, "SELECT count(*) FROM messages");
	char action[48];
	struct wresp r;

	reply(f, anna, f->ta, "body=keep+this+text&internal=1", &r);
	assert_int_equal(r.status, 400);
	assert_non_null(strstr(r.body, "Only the firm&#39;s staff write internal notes"));
	assert_non_null(strstr(r.body, ">keep this text</textarea>"));
	wresp_clear(&r);
	/* whoever may not see the thread gets the same 404 as for the page */
	snprintf(action, sizeof(action), "/t/%lld/reply", (long long)f->ta);
	char *csrf = wfx_csrf(f, bob, "/");
	char form[128];
	snprintf(form, sizeof(form), "body=x&internal=1&csrf=%s", csrf != NULL ? csrf : "");
	assert_int_equal(wfx_post(f, bob, action, form, &r), 0);
	assert_int_equal(r.status, 404);
	wresp_clear(&r);
	assert_int_equal(raw_int(f, "SELECT count(*) FROM messages"), msgs);
	free(csrf);
	free(anna);
	free(bob);
}

static void test_web_notes_mention_refused_keeps_text(void **state)
{
	struct wfx *f = *state;
	char *member = wfx_login(f, LINK_STAFF, f->member), *owner = wfx_login(f, LINK_STAFF, f->owner);
	int64_t msgs = raw_int(f, "SELECT count(*) FROM messages");
	struct wresp r;

	reply(f, member, f->ta, "body=%40Nobody+can+you+check%3F&internal=1", &r);
	assert_int_equal(r.status, 400);
	assert_non_null(strstr(r.body, "@Nobody: no colleague has that name"));
	assert_non_null(strstr(r.body, ">@Nobody can you check?</textarea>"));
	assert_non_null(strstr(r.body, "name=\"internal\" value=\"1\" checked"));
	wresp_clear(&r);

	reply(f, member, f->ta, "body=%40Otto+Other+please+look", &r);
	assert_int_equal(r.status, 400);
	assert_non_null(strstr(r.body, "Otto Other cannot see the account"));
	assert_non_null(strstr(r.body, ">@Otto Other please look</textarea>"));
	assert_null(strstr(r.body, "name=\"assign_mentioned\""));
	wresp_clear(&r);
	assert_int_equal(raw_int(f, "SELECT count(*) FROM messages"), msgs);

	/* an owner is offered the assignment, and takes it */
	reply(f, owner, f->ta, "body=%40Otto+Other+please+look", &r);
	assert_int_equal(r.status, 400);
	assert_non_null(strstr(r.body, "name=\"assign_mentioned\""));
	wresp_clear(&r);
	reply(f, owner, f->ta, "body=%40Otto+Other+please+look&assign_mentioned=1", &r);
	assert_int_equal(r.status, 303);
	wresp_clear(&r);
	assert_int_equal(wfx_outbox_count(f, MAIL_STAFF_MENTION, f->ta), 1);
	assert_int_equal(raw_int(f, "SELECT count(*) FROM staff_accounts WHERE account_id ="
				    " (SELECT account_id FROM threads ORDER BY id LIMIT 1)"
				    " AND staff_id = (SELECT id FROM staff WHERE name = 'Otto Other')"),
			 1);
	free(member);
	free(owner);
}

static void test_web_notes_mention_shown(void **state)
{
	struct wfx *f = *state;
	char *owner = wfx_login(f, LINK_STAFF, f->owner), *anna = wfx_login(f, LINK_CONTACT, f->anna);
	char *err = NULL, *p;
	struct wresp r;

	WFX_CHECK(store_staff_assign(f->s, f->other, f->acc_a, 1, &err), err);
	reply(f, owner, f->ta, "body=Hi%2C+%40Otto+will+call+you.+Mail+a%40b.example+%60%40Otto%60",
	      &r);
	assert_int_equal(r.status, 303);
	wresp_clear(&r);
	p = page(f, owner, f->ta);
	assert_non_null(strstr(p, "Hi, <span class=\"mention\">@Otto</span> will call you."));
	assert_non_null(strstr(p, "<code>@Otto</code>"));
	assert_non_null(strstr(p, "<datalist id=\"mentionlist\" data-not-here=\"not on this account\">"));
	assert_non_null(strstr(p, "<option value=\"Otto Other\" data-sees=\"1\">"));
	free(p);
	p = page(f, anna, f->ta);
	assert_non_null(strstr(p, "Hi, Otto will call you."));
	assert_non_null(strstr(p, "a@b.example"));
	assert_null(strstr(p, "class=\"mention\""));
	assert_null(strstr(p, "Hi, @Otto"));
	assert_non_null(strstr(p, "<code>@Otto</code>"));
	free(p);
	free(owner);
	free(anna);
}

#define T(name) cmocka_unit_test_setup_teardown(name, wfx_setup, wfx_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_web_notes_internal_stays_with_staff),
		T(test_web_notes_contact_refused),
		T(test_web_notes_mention_refused_keeps_text),
		T(test_web_notes_mention_shown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
