/*
 * test_api_recipients.c - who gets a thread's emails, through the JSON API
 * and gatewayctl: GET /threads/ID/recipients and `thread people`, the
 * nobody_emailed sentence on a staff message and a resend (null when a
 * contact is emailed; the same words as the web view), follow and
 * unfollow (API and `thread follow|unfollow --by staff:ID`), each audited
 * as "follow", and bad input refused with the field named and nothing
 * changed.
 *
 * The seed: Acme with Anna (emails on) and Ben (emails off), Max Member
 * assigned to Acme and author of the thread; Birch with Clara.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "buf.h"
#include "test_api_util.h"

#define NOBODY "Nobody will be emailed: Anna Baker unsubscribed, Ben Baker has notifications off"

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

static char *ctl_stderr(struct tfx *t)
{
	char *path = fmt("%s/ctl.err", t->dir);
	struct buf b = BUF_INIT;
	char chunk[1024];
	size_t k;
	FILE *f = fopen(path, "r");

	while (f != NULL && (k = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_append(&b, chunk, k);
	if (f != NULL)
		fclose(f);
	free(path);
	buf_putc(&b, '\0');
	return buf_detach(&b);
}

static void unsubscribe_anna(struct tfx *t)
{
	char *e = NULL;

	if (store_contact_set_notify_by(t->s, t->anna, 0, STORE_NOTIFY_BY_UNSUBSCRIBE, NULL, &e) !=
	    GW_OK)
		fail_msg("unsubscribe: %s", e);
}

static void test_api_recipients_list_and_sentence(void **state)
{
	struct tfx *t = *state;
	char *p = fmt("/api/v1/threads/%lld/recipients", (long long)t->thread);
	json_t *j, *c, *s;

	j = call(t, "GET", p, NULL, 200);
	assert_true(json_is_null(jget(j, "nobody_emailed")));
	assert_int_equal(jint(j, "contacts_emailed"), 1);
	c = jget(j, "contacts");
	assert_int_equal(json_array_size(c), 2);
	assert_string_equal(jstr(json_array_get(c, 0), "state"), "emailed");
	assert_string_equal(jstr(json_array_get(c, 1), "state"), "notifications_off");
	s = jget(j, "staff");
	assert_int_equal(json_array_size(s), 1);
	assert_int_equal(jint(json_array_get(s, 0), "id"), t->member);
	assert_true(jbool(json_array_get(s, 0), "assigned"));
	assert_true(jbool(json_array_get(s, 0), "following"));
	json_decref(j);

	unsubscribe_anna(t);
	j = call(t, "GET", p, NULL, 200);
	assert_string_equal(jstr(j, "nobody_emailed"), NOBODY);
	assert_string_equal(jstr(json_array_get(jget(j, "contacts"), 0), "state"), "unsubscribed");
	json_decref(j);

	/* the contact record says it too */
	free(p);
	p = fmt("/api/v1/contacts/%lld", (long long)t->anna);
	j = call(t, "GET", p, NULL, 200);
	assert_true(jbool(j, "unsubscribed"));
	assert_string_equal(jstr(j, "email_state"), "unsubscribed");
	json_decref(j);

	call_error(t, "GET", "/api/v1/threads/999/recipients", NULL, 404, "not_found", NULL, NULL);
	free(p);
}

static void test_api_recipients_on_post_and_resend(void **state)
{
	struct tfx *t = *state;
	char *msgs = fmt("/api/v1/threads/%lld/messages", (long long)t->thread);
	char *resend = fmt("/api/v1/threads/%lld/resend", (long long)t->thread);
	char *body = fmt("{\"from_staff\": %lld, \"body\": \"Any news?\"}", (long long)t->member);
	char *cbody = fmt("{\"from_contact\": %lld, \"body\": \"Here\"}", (long long)t->ben);
	json_t *j;

	j = call(t, "POST", msgs, body, 201);
	assert_true(json_is_null(jget(j, "nobody_emailed")));
	json_decref(j);
	j = call(t, "POST", resend, "{}", 200);
	assert_int_equal(jint(j, "queued"), 1);
	assert_true(json_is_null(jget(j, "nobody_emailed")));
	json_decref(j);

	unsubscribe_anna(t);
	j = call(t, "POST", msgs, body, 201);
	assert_string_equal(jstr(j, "nobody_emailed"), NOBODY);
	json_decref(j);
	j = call(t, "POST", resend, "{}", 200);
	assert_int_equal(jint(j, "queued"), 0);
	assert_string_equal(jstr(j, "nobody_emailed"), NOBODY);
	json_decref(j);
	/* a contact's message goes to staff: no such field */
	j = call(t, "POST", msgs, cbody, 201);
	assert_null(json_object_get(j, "nobody_emailed"));
	json_decref(j);

	free(msgs);
	free(resend);
	free(body);
	free(cbody);
}

static void test_api_recipients_follow(void **state)
{
	struct tfx *t = *state;
	char *follow = fmt("/api/v1/threads/%lld/follow", (long long)t->thread);
	char *unfollow = fmt("/api/v1/threads/%lld/unfollow", (long long)t->thread);
	char *by_owner = fmt("{\"by_staff\": %lld}", (long long)t->owner);
	char *by_contact = fmt("{\"by_contact\": %lld}", (long long)t->anna);
	char *where = fmt("SELECT count(*) FROM thread_followers WHERE thread_id = %lld"
			  " AND staff_id = %lld", (long long)t->thread, (long long)t->owner);
	char *lone_body;
	int64_t lone = 0;
	char *e = NULL;
	json_t *j;

	j = call(t, "POST", follow, by_owner, 200);
	assert_true(jbool(j, "following"));
	assert_true(jbool(j, "changed"));
	json_decref(j);
	j = call(t, "POST", follow, by_owner, 200);
	assert_false(jbool(j, "changed"));
	json_decref(j);
	assert_int_equal(db_int(t, where), 1);
	j = call(t, "POST", unfollow, by_owner, 200);
	assert_false(jbool(j, "following"));
	assert_true(jbool(j, "changed"));
	json_decref(j);
	assert_int_equal(db_int(t, where), 0);
	assert_int_equal(db_int(t, "SELECT count(*) FROM audit_log WHERE action = 'follow'"
				   " AND actor_kind = 'api'"), 3);

	/* bad input: the field named, nothing changed */
	call_error(t, "POST", follow, "{}", 400, "missing_field", "by_staff", NULL);
	call_error(t, "POST", follow, by_contact, 400, "unknown_field", "by_contact", NULL);
	call_error(t, "POST", follow, "{\"by_staff\": 999}", 404, "not_found", "by_staff", NULL);
	call_error(t, "POST", "/api/v1/threads/999/follow", by_owner, 404, "not_found", NULL,
		   NULL);
	assert_int_equal(store_staff_add(t->s, "Lone Member", "lone@firm.example",
					 STORE_ROLE_MEMBER, &lone, &e), GW_OK);
	lone_body = fmt("{\"by_staff\": %lld}", (long long)lone);
	call_error(t, "POST", follow, lone_body, 403, "forbidden", "by_staff", NULL);
	assert_int_equal(db_int(t, "SELECT count(*) FROM thread_followers"), 1);

	free(follow);
	free(unfollow);
	free(by_owner);
	free(by_contact);
	free(where);
	free(lone_body);
}

static void test_api_recipients_gatewayctl(void **state)
{
	struct tfx *t = *state;
	char *thread = fmt("%lld", (long long)t->thread);
	char *owner = fmt("staff:%lld", (long long)t->owner);
	char *member = fmt("staff:%lld", (long long)t->member);
	char *contact = fmt("contact:%lld", (long long)t->anna);
	char *ben = fmt("%lld", (long long)t->ben);
	const char *people[] = { "thread", "people", thread, NULL };
	const char *people_json[] = { "--json", "thread", "people", thread, NULL };
	const char *follow[] = { "thread", "follow", thread, "--by", owner, NULL };
	const char *unfollow[] = { "thread", "unfollow", thread, "--by", owner, NULL };
	const char *by_contact[] = { "thread", "follow", thread, "--by", contact, NULL };
	const char *no_by[] = { "thread", "follow", thread, NULL };
	const char *unknown[] = { "thread", "follow", "999", "--by", owner, NULL };
	const char *post[] = { "message", "post", thread, "--from", member, "--body", "Hi", NULL };
	const char *post_json[] = { "--json", "message", "post", thread, "--from", member,
				    "--body", "Hi", NULL };
	const char *resend[] = { "thread", "resend", thread, NULL };
	const char *ben_on[] = { "contact", "notify", ben, "on", NULL };
	char *out = NULL, *err;
	json_t *j;

	assert_int_equal(run_ctl(t, &out, follow), 0);
	assert_non_null(strstr(out, "follows it"));
	free(out);
	assert_int_equal(run_ctl(t, &out, people), 0);
	assert_null(strstr(out, "Nobody will be emailed"));
	assert_non_null(strstr(out, "notifications_off"));
	assert_non_null(strstr(out, "assigned, following"));
	free(out);
	assert_int_equal(run_ctl(t, &out, unfollow), 0);
	free(out);
	assert_int_equal(db_int(t, "SELECT count(*) FROM audit_log WHERE action = 'follow'"
				   " AND actor_kind = 'cli'"), 2);

	/* refused: a contact, no --by, an unknown thread; nothing written */
	assert_int_equal(run_ctl(t, NULL, by_contact), 64);
	err = ctl_stderr(t);
	assert_non_null(strstr(err, "is not staff:ID"));
	free(err);
	assert_int_equal(run_ctl(t, NULL, no_by), 64);
	assert_int_equal(run_ctl(t, NULL, unknown), 65);
	assert_int_equal(db_int(t, "SELECT count(*) FROM thread_followers"), 1);

	/* nobody emailed: the same sentence, beside the id and after the count */
	unsubscribe_anna(t);
	assert_int_equal(run_ctl(t, &out, post), 0);
	assert_non_null(out);
	assert_null(strstr(out, "Nobody"));
	free(out);
	err = ctl_stderr(t);
	assert_non_null(strstr(err, NOBODY));
	free(err);
	assert_int_equal(run_ctl(t, &out, post_json), 0);
	j = json_loads(out, 0, NULL);
	assert_non_null(j);
	assert_string_equal(jstr(j, "nobody_emailed"), NOBODY);
	json_decref(j);
	free(out);
	assert_int_equal(run_ctl(t, &out, resend), 0);
	assert_non_null(strstr(out, "0 emails queued\n" NOBODY "\n"));
	free(out);
	assert_int_equal(run_ctl(t, &out, people), 0);
	assert_non_null(strstr(out, NOBODY));
	free(out);

	/* contact show says who turned them off */
	{
		char *anna = fmt("%lld", (long long)t->anna);
		const char *show[] = { "contact", "show", anna, NULL };

		assert_int_equal(run_ctl(t, &out, show), 0);
		assert_non_null(strstr(out, "notify:       off (unsubscribed) since "));
		free(out);
		free(anna);
	}

	/* the switch, audited with on/off */
	assert_int_equal(run_ctl(t, &out, ben_on), 0);
	free(out);
	assert_int_equal(db_int(t, "SELECT count(*) FROM audit_log WHERE action = 'contact'"
				   " AND actor_kind = 'cli' AND target LIKE '%notify%on'"), 1);
	assert_int_equal(run_ctl(t, &out, people_json), 0);
	j = json_loads(out, 0, NULL);
	assert_non_null(j);
	assert_true(json_is_null(jget(j, "nobody_emailed")));
	assert_string_equal(jstr(json_array_get(jget(j, "contacts"), 1), "state"), "emailed");
	json_decref(j);
	free(out);

	free(thread);
	free(owner);
	free(member);
	free(contact);
	free(ben);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, tfx_setup, tfx_teardown)
	const struct CMUnitTest tests[] = {
		T(test_api_recipients_list_and_sentence),
		T(test_api_recipients_on_post_and_resend),
		T(test_api_recipients_follow),
		T(test_api_recipients_gatewayctl),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
