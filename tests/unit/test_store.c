/*
 * test_store.c - the store's schema and chat rules: migrations, people,
 * templates and shortcodes, creating chats (single and bulk), posting with
 * mentions, who gets notified, read marks and unread counts, tasks,
 * client-created chats, and that a failed operation writes nothing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <sqlite3.h>

#include <grp.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "clock.h"
#include "test_store_util.h"

static void test_store_migrates_empty_file_and_reopens(void **state)
{
	struct fx *f = *state;
	char *err = NULL;

	assert_int_equal(store_schema_version(f->s), STORE_SCHEMA_VERSION);
	char *mode = fx_text(f, "PRAGMA journal_mode");
	assert_string_equal(mode, "wal");
	free(mode);
	/* The fixture's data survives closing and reopening. */
	store_close(&f->s);
	assert_null(f->s);
	store_close(&f->s); /* NULL is fine */
	f->s = fx_open(f, 1000);
	assert_int_equal(store_schema_version(f->s), STORE_SCHEMA_VERSION);
	struct store_account a;
	CHECK_OK(store_account_find_name(f->s, "acme ltd", &a, &err), err);
	assert_int_equal(a.id, f->acc1);
	store_account_clear(&a);

	/* A database from a newer program is refused, not downgraded. */
	fx_exec(f, "PRAGMA user_version = 99");
	struct store *s2 = NULL;
	assert_int_equal(store_open(&f->cfg, &s2, &err), -1);
	assert_null(s2);
	assert_non_null(strstr(err, "newer"));
	free(err);
	fx_exec(f, "PRAGMA user_version = %d", STORE_SCHEMA_VERSION);
}

static void test_store_open_errors(void **state)
{
	struct fx *f = *state;
	char *err = NULL;
	struct store *s = NULL;
	char path[400];
	snprintf(path, sizeof(path), "%s/no/such/dir/x.db", f->dir);
	struct cfg_store cfg = { .path = path, .busy_timeout_ms = 100, .synchronous_full = 1 };
	assert_int_equal(store_open(&cfg, &s, &err), -1);
	assert_non_null(strstr(err, path));
	free(err);
	err = NULL;
	cfg.path = NULL;
	assert_int_equal(store_open(&cfg, &s, &err), -1);
	assert_non_null(err);
	free(err);
}

static void test_store_people_rules(void **state)
{
	struct fx *f = *state;
	char *err = NULL;
	int64_t id;

	CHECK_R(store_staff_add(f->s, "Other", "OLIVIA@firm.example", STORE_ROLE_MEMBER, &id,
				&err), GW_PERMFAIL, err);
	CHECK_R(store_account_add(f->s, "ACME LTD", &id, &err), GW_PERMFAIL, err);
	CHECK_R(store_contact_add(f->s, f->acc1, "Dup", "Carla@Acme.example", &id, &err),
		GW_PERMFAIL, err);
	/* The same person may be a contact of two accounts. */
	CHECK_OK(store_contact_add(f->s, f->acc2, "Carla Client", "carla@acme.example", &id,
				   &err), err);
	CHECK_R(store_contact_add(f->s, 999, "X", "x@y.example", &id, &err), GW_NOTFOUND, err);

	static const char *const bad_emails[] = {
		"", "plain", "@x.example", "x@", "a b@x.example", "<a@x.example>",
		"a@x.example\r\nBcc: z@z", "Name <a@x.example>",
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@x.example",
	};
	for (size_t i = 0; i < GW_ARRAY_SIZE(bad_emails); i++) {
		enum gw_result r = store_staff_add(f->s, "N", bad_emails[i], STORE_ROLE_MEMBER,
						   &id, &err);
		if (r != GW_INVALID)
			fail_msg("case %zu: \"%s\" gave %s", i, bad_emails[i], gw_result_name(r));
		free(err);
		err = NULL;
	}
	static const char *const bad_names[] = {
		"", "   ", "a\nb", "bad \xff utf8", "\x01", "over\xc0\xaflong",
		"surrogate \xed\xa0\x80", "cut \xe2\x82", "too big \xf4\x90\x80\x80", "del\x7f",
	};
	for (size_t i = 0; i < GW_ARRAY_SIZE(bad_names); i++) {
		enum gw_result r = store_account_add(f->s, bad_names[i], &id, &err);
		if (r != GW_INVALID)
			fail_msg("case %zu gave %s", i, gw_result_name(r));
		free(err);
		err = NULL;
	}
	static const char *const good_names[] = { "Zoë & Søn", "日本 KK", "emoji \xf0\x9f\x98\x80" };
	for (size_t i = 0; i < GW_ARRAY_SIZE(good_names); i++) {
		enum gw_result r = store_account_add(f->s, good_names[i], &id, &err);
		if (r != GW_OK)
			fail_msg("case %zu gave %s: %s", i, gw_result_name(r), err);
	}

	struct store_contact c;
	CHECK_OK(store_contact_get(f->s, f->c1, &c, &err), err);
	assert_string_equal(c.first_name, "Carla");
	assert_int_equal(c.notify, 1);
	assert_int_equal(c.email_status, STORE_EMAIL_OK);
	assert_int_equal(c.last_login_at, 0);
	uint32_t gen0 = c.generation, gen;
	store_contact_clear(&c);

	CHECK_OK(store_contact_bump_generation(f->s, f->c1, &gen, &err), err);
	assert_int_equal(gen, gen0 + 1);
	uint32_t g2 = 0;
	assert_int_equal(store_link_generation(f->s, LINK_CONTACT, f->c1, &g2), 0);
	assert_int_equal(g2, gen);
	assert_int_equal(store_link_generation(f->s, LINK_CONTACT, 4242, &g2), -1);
	CHECK_OK(store_staff_bump_generation(f->s, f->member, &gen, &err), err);
	assert_int_equal(store_link_generation(f->s, LINK_STAFF, f->member, &g2), 0);
	assert_int_equal(g2, gen);
	CHECK_R(store_contact_bump_generation(f->s, 4242, NULL, &err), GW_NOTFOUND, err);

	clock_set(T0 + 60);
	CHECK_OK(store_contact_touch_login(f->s, f->c1, &err), err);
	CHECK_OK(store_contact_mark_bouncing(f->s, f->c2, "550 5.1.1 user unknown", &err), err);
	CHECK_OK(store_contact_get(f->s, f->c2, &c, &err), err);
	assert_int_equal(c.email_status, STORE_EMAIL_BOUNCING);
	assert_string_equal(c.bounce_reason, "550 5.1.1 user unknown");
	assert_int_equal(c.bounced_at, T0 + 60);
	store_contact_clear(&c);
	CHECK_OK(store_contact_set_email(f->s, f->c2, "chris2@acme.example", &err), err);
	CHECK_OK(store_contact_get(f->s, f->c2, &c, &err), err);
	assert_int_equal(c.email_status, STORE_EMAIL_OK);
	store_contact_clear(&c);
	CHECK_OK(store_contact_get(f->s, f->c1, &c, &err), err);
	assert_int_equal(c.last_login_at, T0 + 60);
	store_contact_clear(&c);

	struct store_contact_list cl;
	CHECK_OK(store_contact_find_email(f->s, "CARLA@acme.example", &cl, &err), err);
	assert_int_equal(cl.count, 2);
	store_contact_list_free(&cl);
	CHECK_OK(store_contact_list(f->s, f->acc1, &cl, &err), err);
	assert_int_equal(cl.count, 2);
	store_contact_list_free(&cl);
	CHECK_R(store_contact_set_notify(f->s, 4242, 0, &err), GW_NOTFOUND, err);
}

static void test_store_staff_visibility(void **state)
{
	struct fx *f = *state;
	char *err = NULL;
	struct store_account_list al;

	CHECK_OK(store_account_list(f->s, f->member, &al, &err), err);
	assert_int_equal(al.count, 1);
	assert_int_equal(al.items[0].id, f->acc1);
	store_account_list_free(&al);
	CHECK_OK(store_account_list(f->s, f->admin, &al, &err), err);
	assert_int_equal(al.count, 3);
	store_account_list_free(&al);

	int64_t t1 = fx_chat(f, f->acc1, "One", "Hello", 0, 0, 0);
	int64_t t2 = fx_chat(f, f->acc2, "Two", "Hello", 0, 0, 0);
	CHECK_OK(store_thread_access(f->s, t1, STORE_STAFF, f->member, &err), err);
	CHECK_R(store_thread_access(f->s, t2, STORE_STAFF, f->member, &err), GW_NOTFOUND, err);
	CHECK_OK(store_thread_access(f->s, t2, STORE_STAFF, f->admin, &err), err);
	CHECK_OK(store_thread_access(f->s, t1, STORE_CONTACT, f->c1, &err), err);
	CHECK_R(store_thread_access(f->s, t2, STORE_CONTACT, f->c1, &err), GW_NOTFOUND, err);
	CHECK_R(store_thread_access(f->s, 999, STORE_CONTACT, f->c1, &err), GW_NOTFOUND, err);

	struct store_thread_list tl;
	struct store_thread_filter flt = { .staff_id = f->member };
	CHECK_OK(store_thread_list(f->s, &flt, &tl, &err), err);
	assert_int_equal(tl.count, 1);
	assert_int_equal(tl.items[0].id, t1);
	store_thread_list_free(&tl);
	struct store_thread_filter all = { 0 };
	CHECK_OK(store_thread_list(f->s, &all, &tl, &err), err);
	assert_int_equal(tl.count, 2);
	store_thread_list_free(&tl);

	/* A member cannot post into or create chats in other accounts. */
	CHECK_R(store_message_post(f->s, t2, STORE_STAFF, f->member, "hi", NULL, &err),
		GW_NOTFOUND, err);
	CHECK_R(store_message_post(f->s, t2, STORE_CONTACT, f->c1, "hi", NULL, &err),
		GW_NOTFOUND, err);

	struct store_staff_list sl;
	CHECK_OK(store_staff_assigned(f->s, f->acc1, &sl, &err), err);
	assert_int_equal(sl.count, 1);
	assert_int_equal(sl.items[0].id, f->member);
	store_staff_list_free(&sl);
	CHECK_OK(store_staff_assign(f->s, f->member, f->acc1, 0, &err), err);
	CHECK_OK(store_staff_assigned(f->s, f->acc1, &sl, &err), err);
	assert_int_equal(sl.count, 0);
	store_staff_list_free(&sl);
	CHECK_R(store_staff_assign(f->s, f->member, 999, 1, &err), GW_NOTFOUND, err);
}

static void test_store_chat_create_notifies_contacts(void **state)
{
	struct fx *f = *state;
	char *err = NULL;
	const char *tasks[] = { "Upload bank statements", "Sign the engagement letter" };
	int64_t acc = f->acc1, tid = 0;

	CHECK_OK(store_contact_set_notify(f->s, f->c2, 0, &err), err);
	struct store_chat_new c = {
		.account_ids = &acc, .n_accounts = 1, .staff_id = f->member,
		.subject = "Year-end 2026", .body = "Please see the list.",
		.tasks = tasks, .n_tasks = 2, .show_content = 1,
	};
	CHECK_OK(store_chat_create(f->s, &c, &tid, &err), err);

	struct store_thread_view v;
	CHECK_OK(store_thread_show(f->s, tid, STORE_CONTACT, f->c1, 1, &v, &err), err);
	assert_string_equal(v.thread.subject, "Year-end 2026");
	assert_string_equal(v.thread.account_name, "Acme Ltd");
	assert_int_equal(v.thread.show_content, 1);
	assert_int_equal(v.thread.created_by_kind, STORE_STAFF);
	assert_int_equal(v.n_messages, 1);
	assert_string_equal(v.messages[0].author_name, "Mia Member");
	assert_int_equal(v.n_tasks, 2);
	assert_string_equal(v.tasks[1].text, "Sign the engagement letter");
	assert_int_equal(v.tasks[1].position, 2);
	assert_int_equal(v.thread.unread_count, 1);
	assert_int_equal(v.thread.reminders.enabled, 0);
	assert_int_equal(v.thread.reminders.next_due, 0);
	assert_non_null(strstr(v.thread.mail_root_id, "@reply.firm.example"));
	store_thread_view_clear(&v);

	/* c1 gets the email, c2 (notify off) and other accounts do not. */
	assert_int_equal(OUTBOX(f, "kind = 'new_message'"), 1);
	assert_int_equal(OUTBOX(f, "kind = 'new_message' AND recipient_id = %lld"
				" AND recipient_address = 'carla@acme.example'"
				" AND thread_id = %lld AND status = 'queued'"
				" AND next_attempt_at = %lld",
				(long long)f->c1, (long long)tid, (long long)T0), 1);
	char *mid = fx_text(f, "SELECT mail_id FROM outbox LIMIT 1");
	assert_int_equal(strlen(mid), strlen("gw.") + 32 + strlen("@reply.firm.example"));
	assert_memory_equal(mid, "gw.", 3);
	free(mid);

	/* Errors: no text, unknown template, duplicate account, bad task,
	 * unknown shortcode, a contact's shortcode in the shared subject. */
	const char *body = c.body;
	c.subject = NULL;
	c.body = NULL;
	CHECK_R(store_chat_create(f->s, &c, NULL, &err), GW_INVALID, err);
	c.body = "Dear [CLIENT_NAME]";
	c.subject = "S";
	CHECK_R(store_chat_create(f->s, &c, NULL, &err), GW_INVALID, err);
	c.body = body;
	c.subject = "For [CONTACT_NAME]";
	CHECK_R(store_chat_create(f->s, &c, NULL, &err), GW_INVALID, err);
	c.subject = "S";
	c.template_name = "nope";
	CHECK_R(store_chat_create(f->s, &c, NULL, &err), GW_NOTFOUND, err);
	c.template_name = NULL;
	int64_t twice[] = { f->acc1, f->acc1 };
	c.account_ids = twice;
	c.n_accounts = 2;
	CHECK_R(store_chat_create(f->s, &c, NULL, &err), GW_INVALID, err);
	c.account_ids = &acc;
	c.n_accounts = 1;
	const char *bad[] = { "ok", "" };
	c.tasks = bad;
	CHECK_R(store_chat_create(f->s, &c, NULL, &err), GW_INVALID, err);
	assert_int_equal(fx_int(f, "SELECT count(*) FROM threads"), 1);
}

static void test_store_bulk_template_shortcodes(void **state)
{
	struct fx *f = *state;
	char *err = NULL;

	CHECK_OK(store_template_set(f->s, "yearend", "[ACCOUNT_NAME]: documents for [FIRM_NAME]",
				    "Dear [CONTACT_FIRST_NAME],\n\nas of [CURRENT_DATE] we need "
				    "[UNKNOWN] and [ACCOUNT_NAME",
				    &err), err);
	struct store_template_list tl;
	CHECK_OK(store_template_list(f->s, &tl, &err), err);
	assert_int_equal(tl.count, 1);
	store_template_list_free(&tl);

	int64_t accs[] = { f->acc1, f->acc2, f->acc3 }, ids[3];
	struct store_chat_new c = {
		.account_ids = accs, .n_accounts = 3, .staff_id = f->owner,
		.template_name = "yearend",
	};
	CHECK_OK(store_chat_create(f->s, &c, ids, &err), err);
	/* The contact's name is not the account's: every contact reads their
	 * own, staff read the placeholder. */
	static const struct {
		const char *subject;
		int64_t contact; /* fx field offset below; 0 = staff */
		const char *greeting;
	} want[] = {
		{ "Acme Ltd: documents for Example & Partners", 1, "Dear Carla," },
		{ "Acme Ltd: documents for Example & Partners", 2, "Dear Chris," },
		{ "Beta GmbH: documents for Example & Partners", 3, "Dear Bea," },
		{ "Gamma SA: documents for Example & Partners", 0, "Dear [CONTACT_FIRST_NAME]," },
		{ "Acme Ltd: documents for Example & Partners", 0, "Dear [CONTACT_FIRST_NAME]," },
	};
	const int64_t thread_of[] = { ids[0], ids[0], ids[1], ids[2], ids[0] };
	const int64_t who[] = { 0, f->c1, f->c2, f->c3 };
	for (size_t i = 0; i < GW_ARRAY_SIZE(want); i++) {
		struct store_thread_view v;
		int64_t c_id = who[want[i].contact];
		CHECK_OK(store_thread_show(f->s, thread_of[i], c_id != 0 ? STORE_CONTACT : 0, c_id, 1,
					   &v, &err), err);
		if (strcmp(v.thread.subject, want[i].subject) != 0)
			fail_msg("case %zu: subject \"%s\"", i, v.thread.subject);
		if (strncmp(v.messages[0].body, want[i].greeting, strlen(want[i].greeting)) != 0)
			fail_msg("case %zu: body \"%s\"", i, v.messages[0].body);
		if (!v.messages[0].per_reader)
			fail_msg("case %zu: not marked per reader", i);
		if (strstr(v.messages[0].body,
			   "as of November 25, 2026 we need [UNKNOWN] and [ACCOUNT_NAME") == NULL)
			fail_msg("case %zu: body \"%s\"", i, v.messages[0].body);
		store_thread_view_clear(&v);
	}
	/* acc1: c1 and c2; acc2: c3; acc3: nobody. */
	assert_int_equal(OUTBOX(f, "kind = 'new_message'"), 3);

	/* Explicit subject wins over the template's. */
	c.n_accounts = 1;
	c.subject = "Own subject";
	CHECK_OK(store_chat_create(f->s, &c, ids, &err), err);
	struct store_thread t;
	CHECK_OK(store_thread_get(f->s, ids[0], 0, 0, &t, &err), err);
	assert_string_equal(t.subject, "Own subject");
	store_thread_clear(&t);

	/* Bulk is all or nothing: one account the member may not see. */
	int64_t before = fx_int(f, "SELECT count(*) FROM threads");
	int64_t mixed[] = { f->acc1, f->acc2 };
	c.account_ids = mixed;
	c.n_accounts = 2;
	c.staff_id = f->member;
	CHECK_R(store_chat_create(f->s, &c, NULL, &err), GW_NOTFOUND, err);
	assert_int_equal(fx_int(f, "SELECT count(*) FROM threads"), before);
	assert_int_equal(OUTBOX(f, "1"), 5);

	CHECK_OK(store_template_delete(f->s, "yearend", &err), err);
	CHECK_R(store_template_delete(f->s, "yearend", &err), GW_NOTFOUND, err);
}

static void test_store_post_mentions_and_client_events(void **state)
{
	struct fx *f = *state;
	char *err = NULL;
	int64_t tid = fx_chat(f, f->acc1, "Question", "Hello", 0, 0, 0), m;

	/* Staff message: contacts get new_message; @Adam Admin gets a mention
	 * email; an address is not a mention; the author is not emailed. */
	clock_set(T0 + 10);
	CHECK_OK(store_message_post(f->s, tid, STORE_STAFF, f->owner,
				    "@adam admin please check, cc x@Mia and @Olivia Owner", &m,
				    &err), err);
	assert_int_equal(OUTBOX(f, "kind = 'new_message' AND message_id = %lld", (long long)m), 2);
	assert_int_equal(OUTBOX(f, "kind = 'staff_mention'"), 1);
	assert_int_equal(OUTBOX(f, "kind = 'staff_mention' AND recipient_id = %lld",
				(long long)f->admin), 1);
	assert_int_equal(fx_int(f, "SELECT count(*) FROM mentions WHERE message_id = %lld",
				(long long)m), 2);

	/* Contact reply: assigned staff (member) and mentioned staff (admin,
	 * owner) hear of it; a unique first name is enough for a mention. */
	clock_set(T0 + 20);
	CHECK_OK(store_message_post(f->s, tid, STORE_CONTACT, f->c1, "Thanks @Mia!", &m, &err),
		 err);
	assert_int_equal(OUTBOX(f, "kind = 'staff_mention' AND message_id = %lld"
				" AND recipient_id = %lld", (long long)m, (long long)f->member), 1);
	assert_int_equal(OUTBOX(f, "kind = 'staff_client_replied' AND message_id = %lld",
				(long long)m), 2);
	assert_int_equal(OUTBOX(f, "kind = 'staff_client_replied' AND recipient_id = %lld",
				(long long)f->member), 0);

	/* Staff with notify off get nothing; an account nobody is assigned to
	 * goes to owners and admins. */
	CHECK_OK(store_staff_set_notify(f->s, f->admin, 0, &err), err);
	int64_t t2 = fx_chat(f, f->acc2, "Beta", "Hi", 0, 0, 0);
	CHECK_OK(store_message_post(f->s, t2, STORE_CONTACT, f->c3, "Answer", &m, &err), err);
	assert_int_equal(OUTBOX(f, "kind = 'staff_client_replied' AND message_id = %lld",
				(long long)m), 1);
	assert_int_equal(OUTBOX(f, "kind = 'staff_client_replied' AND message_id = %lld"
				" AND recipient_id = %lld", (long long)m, (long long)f->owner), 1);

	/* Bad posts. */
	CHECK_R(store_message_post(f->s, tid, STORE_CONTACT, f->c1, " \n ", NULL, &err),
		GW_INVALID, err);
	CHECK_R(store_message_post(f->s, tid, STORE_SYSTEM, 0, "x", NULL, &err), GW_INVALID, err);
	CHECK_R(store_message_post(f->s, 777, STORE_STAFF, f->owner, "x", NULL, &err),
		GW_NOTFOUND, err);
	CHECK_OK(store_thread_archive(f->s, tid, f->owner, &err), err);
	CHECK_R(store_message_post(f->s, tid, STORE_CONTACT, f->c1, "late", NULL, &err),
		GW_INVALID, err);
}

static void test_store_unread_counts_and_notes(void **state)
{
	struct fx *f = *state;
	char *err = NULL;
	int64_t tid = fx_chat(f, f->acc1, "Counts", "one", 0, 0, 0), m2, note;

	CHECK_OK(store_message_post(f->s, tid, STORE_STAFF, f->owner, "two", &m2, &err), err);
	CHECK_OK(store_note_add(f->s, tid, "internal only", 1, &note, &err), err);

	struct store_thread t;
	CHECK_OK(store_thread_get(f->s, tid, STORE_CONTACT, f->c1, &t, &err), err);
	assert_int_equal(t.message_count, 2);
	assert_int_equal(t.unread_count, 2);
	store_thread_clear(&t);
	CHECK_OK(store_thread_get(f->s, tid, STORE_STAFF, f->admin, &t, &err), err);
	assert_int_equal(t.message_count, 3);
	assert_int_equal(t.unread_count, 3);
	store_thread_clear(&t);
	/* The author has read their own messages. */
	CHECK_OK(store_thread_get(f->s, tid, STORE_STAFF, f->owner, &t, &err), err);
	assert_int_equal(t.unread_count, 1);
	store_thread_clear(&t);

	struct store_thread_view v;
	CHECK_OK(store_thread_show(f->s, tid, STORE_CONTACT, f->c1, 1, &v, &err), err);
	assert_int_equal(v.n_messages, 2); /* never the staff-only note */
	store_thread_view_clear(&v);
	CHECK_OK(store_thread_show(f->s, tid, STORE_STAFF, f->owner, 1, &v, &err), err);
	assert_int_equal(v.n_messages, 3);
	assert_int_equal(v.messages[2].staff_only, 1);
	assert_int_equal(v.messages[2].author_kind, STORE_SYSTEM);
	store_thread_view_clear(&v);

	CHECK_OK(store_read_mark(f->s, tid, STORE_CONTACT, f->c1, m2 - 1, &err), err);
	CHECK_OK(store_thread_get(f->s, tid, STORE_CONTACT, f->c1, &t, &err), err);
	assert_int_equal(t.unread_count, 1);
	store_thread_clear(&t);
	CHECK_OK(store_read_mark(f->s, tid, STORE_CONTACT, f->c1, 0, &err), err);
	/* Marks never move backwards. */
	CHECK_OK(store_read_mark(f->s, tid, STORE_CONTACT, f->c1, m2 - 1, &err), err);
	CHECK_OK(store_thread_show(f->s, tid, STORE_CONTACT, f->c1, 0, &v, &err), err);
	assert_int_equal(v.thread.unread_count, 0);
	assert_int_equal(v.reader_last_read, m2);
	store_thread_view_clear(&v);
	CHECK_R(store_read_mark(f->s, tid, STORE_CONTACT, f->c1, 99999, &err), GW_NOTFOUND, err);
	CHECK_R(store_read_mark(f->s, tid, STORE_CONTACT, f->c3, 0, &err), GW_NOTFOUND, err);

	/* The client's list: unread counts per thread, no staff-only notes. */
	struct store_thread_list tl;
	struct store_thread_filter flt = { .contact_id = f->c1, .reader_kind = STORE_CONTACT,
					   .reader_id = f->c1, .order = STORE_ORDER_TODO };
	CHECK_OK(store_thread_list(f->s, &flt, &tl, &err), err);
	assert_int_equal(tl.count, 1);
	assert_int_equal(tl.items[0].message_count, 2);
	store_thread_list_free(&tl);
}

static void test_store_tasks_notify_staff(void **state)
{
	struct fx *f = *state;
	char *err = NULL;
	int64_t tid = fx_chat(f, f->acc1, "Tasks", "Please", 0, 0, 0), task;

	CHECK_OK(store_task_add(f->s, tid, "Send the invoice", &task, &err), err);
	CHECK_OK(store_task_set_done(f->s, task, STORE_CONTACT, f->c1, 1, &err), err);
	assert_int_equal(OUTBOX(f, "kind = 'staff_task_done' AND recipient_id = %lld"
				" AND extra = '%lld'", (long long)f->member, (long long)task), 1);
	/* Ticking again is a no-op; the client's untick is told too, with
	 * their name; a staff tick sends nothing. */
	CHECK_OK(store_task_set_done(f->s, task, STORE_CONTACT, f->c1, 1, &err), err);
	CHECK_OK(store_task_set_done(f->s, task, STORE_CONTACT, f->c1, 0, &err), err);
	CHECK_OK(store_task_set_done(f->s, task, STORE_STAFF, f->owner, 1, &err), err);
	/* the member assigned and the owner, who started the chat and follows it */
	assert_int_equal(OUTBOX(f, "kind = 'staff_task_done'"), 4);
	assert_int_equal(OUTBOX(f, "kind = 'staff_task_done' AND recipient_id = %lld",
				(long long)f->owner), 2);
	assert_int_equal(fx_int(f, "SELECT count(*) FROM outbox_items WHERE undone = 1"
				" AND actor_kind = 'contact' AND actor_id = %lld", (long long)f->c1), 2);
	struct store_thread_view v;
	CHECK_OK(store_thread_show(f->s, tid, STORE_STAFF, f->owner, 0, &v, &err), err);
	assert_int_equal(v.tasks[0].done_by_kind, STORE_STAFF);
	assert_int_equal(v.thread.tasks_done, 1);
	assert_int_equal(v.thread.tasks_total, 1);
	store_thread_view_clear(&v);

	CHECK_R(store_task_set_done(f->s, task, STORE_CONTACT, f->c3, 1, &err), GW_NOTFOUND, err);
	CHECK_R(store_task_set_done(f->s, 5555, STORE_CONTACT, f->c1, 1, &err), GW_NOTFOUND, err);
	CHECK_R(store_task_add(f->s, tid, "", NULL, &err), GW_INVALID, err);
}

static void test_store_client_created_chat(void **state)
{
	struct fx *f = *state;
	char *err = NULL;
	int64_t tid, m;

	CHECK_R(store_chat_create_by_contact(f->s, f->c1, "Help", "Question", &tid, &m, &err),
		GW_PERMFAIL, err);
	struct store_firm_in firm = { .name = "Example & Partners", .allow_client_chats = 1,
				      .notify_display_name = "Example Chat" };
	CHECK_OK(store_firm_set(f->s, &firm, &err), err);
	CHECK_OK(store_contact_set_may_create(f->s, f->c1, 0, &err), err);
	CHECK_R(store_chat_create_by_contact(f->s, f->c1, "Help", "Question", &tid, &m, &err),
		GW_PERMFAIL, err);
	CHECK_OK(store_chat_create_by_contact(f->s, f->c2, "Help", "Question", &tid, &m, &err),
		 err);
	assert_int_equal(OUTBOX(f, "kind = 'staff_client_created' AND thread_id = %lld"
				" AND message_id = %lld", (long long)tid, (long long)m), 1);
	assert_int_equal(OUTBOX(f, "recipient_kind = 'contact'"), 0);
	struct store_thread t;
	CHECK_OK(store_thread_get(f->s, tid, 0, 0, &t, &err), err);
	assert_int_equal(t.created_by_kind, STORE_CONTACT);
	assert_int_equal(t.created_by_id, f->c2);
	assert_int_equal(t.reminders.enabled, 0);
	store_thread_clear(&t);
	struct store_firm got;
	CHECK_OK(store_firm_get(f->s, &got, &err), err);
	assert_string_equal(got.notify_display_name, "Example Chat");
	store_firm_clear(&got);
}

/* A unique violation in the middle of a post: nothing at all is written. */
static void test_store_post_is_atomic_on_constraint(void **state)
{
	struct fx *f = *state;
	char *err = NULL;
	int64_t tid = fx_chat(f, f->acc1, "Atomic", "first", 1, 3, 2);
	int64_t next = fx_int(f, "SELECT max(id) + 1 FROM messages");
	int64_t due = fx_int(f, "SELECT rem_next_due FROM threads WHERE id = %lld",
			     (long long)tid);

	/* The second contact's notification row will collide. */
	fx_exec(f, "INSERT INTO outbox (kind, recipient_kind, recipient_address, status,"
		   " next_attempt_at, created_at, mail_id, dedup_key) VALUES ('resend', 'address',"
		   " 'x@y', 'sent', 0, 0, 'blocker@x', 'new_message:%lld:contact:%lld')",
		   (long long)next, (long long)f->c2);
	int64_t msgs = fx_int(f, "SELECT count(*) FROM messages");
	int64_t rows = OUTBOX(f, "1");
	clock_set(T0 + DAY);
	CHECK_R(store_message_post(f->s, tid, STORE_STAFF, f->owner, "second @Adam", NULL, &err),
		GW_PERMFAIL, err);
	assert_int_equal(fx_int(f, "SELECT count(*) FROM messages"), msgs);
	assert_int_equal(OUTBOX(f, "1"), rows);
	assert_int_equal(fx_int(f, "SELECT count(*) FROM mentions"), 0);
	assert_int_equal(fx_int(f, "SELECT rem_next_due FROM threads WHERE id = %lld",
				(long long)tid), due);
	assert_int_equal(fx_int(f, "SELECT last_message_at FROM threads WHERE id = %lld",
				(long long)tid), T0);
	/* The connection is usable afterwards. */
	fx_exec(f, "DELETE FROM outbox WHERE mail_id = 'blocker@x'");
	CHECK_OK(store_message_post(f->s, tid, STORE_STAFF, f->owner, "second", NULL, &err), err);
}

/* Another writer holds the lock longer than our busy timeout: TEMPFAIL,
 * nothing written, and the next try succeeds. */
static void test_store_busy_is_tempfail(void **state)
{
	struct fx *f = *state;
	char *err = NULL;
	int64_t tid = fx_chat(f, f->acc1, "Busy", "first", 0, 0, 0);
	struct store *s = fx_open(f, 50);
	sqlite3 *db = NULL;

	assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
	int64_t msgs = fx_int(f, "SELECT count(*) FROM messages");
	CHECK_R(store_message_post(s, tid, STORE_CONTACT, f->c1, "blocked", NULL, &err),
		GW_TEMPFAIL, err);
	assert_int_equal(sqlite3_exec(db, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(fx_int(f, "SELECT count(*) FROM messages"), msgs);
	CHECK_OK(store_message_post(s, tid, STORE_CONTACT, f->c1, "now", NULL, &err), err);
	store_close(&s);
}

static void test_store_notify_off_and_bouncing_get_nothing(void **state)
{
	struct fx *f = *state;
	char *err = NULL;
	int n = -1;

	CHECK_OK(store_contact_set_notify(f->s, f->c1, 0, &err), err);
	CHECK_OK(store_contact_mark_bouncing(f->s, f->c2, "mailbox full", &err), err);
	int64_t tid = fx_chat(f, f->acc1, "Quiet", "hello", 1, 1, 1);
	CHECK_OK(store_message_post(f->s, tid, STORE_STAFF, f->owner, "again", NULL, &err), err);
	CHECK_OK(store_thread_resend(f->s, tid, f->owner, &n, &err), err);
	assert_int_equal(n, 0);
	CHECK_OK(store_reminders_run(f->s, T0 + 2 * DAY, &n, &err), err);
	assert_int_equal(n, 0);
	assert_int_equal(OUTBOX(f, "recipient_kind = 'contact'"), 0);
	/* Back on: the next message reaches them. */
	CHECK_OK(store_contact_set_notify(f->s, f->c1, 1, &err), err);
	CHECK_OK(store_contact_set_email_ok(f->s, f->c2, &err), err);
	CHECK_OK(store_message_post(f->s, tid, STORE_STAFF, f->owner, "third", NULL, &err), err);
	assert_int_equal(OUTBOX(f, "recipient_kind = 'contact'"), 2);
}

static void test_store_apikeys(void **state)
{
	struct fx *f = *state;
	char *err = NULL;
	const char *h = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
	int64_t id;

	CHECK_OK(store_apikey_add(f->s, "portal", h, &id, &err), err);
	CHECK_R(store_apikey_add(f->s, "portal2", h, NULL, &err), GW_PERMFAIL, err);
	CHECK_R(store_apikey_add(f->s, "bad", "ABC", NULL, &err), GW_INVALID, err);
	struct store_apikey k;
	CHECK_OK(store_apikey_find(f->s, h, &k, &err), err);
	assert_int_equal(k.id, id);
	store_apikey_clear(&k);
	CHECK_OK(store_apikey_revoke(f->s, id, &err), err);
	CHECK_OK(store_apikey_revoke(f->s, id, &err), err);
	CHECK_R(store_apikey_find(f->s, h, &k, &err), GW_NOTFOUND, err);
	CHECK_R(store_apikey_revoke(f->s, 999, &err), GW_NOTFOUND, err);
	struct store_apikey_list l;
	CHECK_OK(store_apikey_list(f->s, &l, &err), err);
	assert_int_equal(l.count, 1);
	assert_int_equal(l.items[0].revoked_at, T0);
	store_apikey_list_free(&l);
}

static void test_store_names_roundtrip(void **state)
{
	(void)state;
	for (int k = MAIL_NEW_MESSAGE; k <= MAIL_EXPLANATION; k++) {
		enum mail_kind back;
		if (mail_kind_parse(mail_kind_name(k), &back) != 0 || (int)back != k)
			fail_msg("case %d: %s", k, mail_kind_name(k));
	}
	for (int k = STORE_OUT_QUEUED; k <= STORE_OUT_FAILED; k++) {
		enum store_out_status back;
		if (store_out_status_parse(store_out_status_name(k), &back) != 0 || (int)back != k)
			fail_msg("case %d", k);
	}
	enum store_role role;
	assert_int_equal(store_role_parse("admin", &role), 0);
	assert_int_equal(role, STORE_ROLE_ADMIN);
	assert_int_equal(store_role_parse("boss", &role), -1);
	assert_int_equal((int)STORE_CONTACT, (int)LINK_CONTACT);
	assert_int_equal((int)STORE_STAFF, (int)LINK_STAFF);
	assert_string_equal(store_kind_name(99), "unknown");
}

static void test_store_lookups_and_settings(void **state)
{
	struct fx *f = *state;
	char *err = NULL;
	int64_t tid = fx_chat(f, f->acc1, "Lookups", "hello", 0, 0, 0), m;

	struct store_staff p;
	CHECK_OK(store_staff_find_email(f->s, "MIA@firm.example", &p, &err), err);
	assert_int_equal(p.id, f->member);
	assert_int_equal(p.role, STORE_ROLE_MEMBER);
	store_staff_clear(&p);
	CHECK_R(store_staff_find_email(f->s, "nobody@firm.example", &p, &err), GW_NOTFOUND, err);
	CHECK_OK(store_staff_set_role(f->s, f->member, STORE_ROLE_ADMIN, &err), err);
	CHECK_OK(store_staff_get(f->s, f->member, &p, &err), err);
	assert_int_equal(p.role, STORE_ROLE_ADMIN);
	store_staff_clear(&p);
	CHECK_R(store_staff_set_role(f->s, f->member, 0, &err), GW_INVALID, err);
	CHECK_R(store_staff_get(f->s, 999, &p, &err), GW_NOTFOUND, err);
	struct store_staff_list sl;
	CHECK_OK(store_staff_list(f->s, &sl, &err), err);
	assert_int_equal(sl.count, 4);
	store_staff_list_free(&sl);

	struct store_account a;
	CHECK_OK(store_account_get(f->s, f->acc2, &a, &err), err);
	assert_string_equal(a.name, "Beta GmbH");
	store_account_clear(&a);
	CHECK_R(store_account_get(f->s, 999, &a, &err), GW_NOTFOUND, err);

	CHECK_OK(store_thread_set_show_content(f->s, tid, 1, &err), err);
	CHECK_R(store_thread_set_show_content(f->s, 999, 1, &err), GW_NOTFOUND, err);
	struct store_thread t;
	CHECK_OK(store_thread_get(f->s, tid, 0, 0, &t, &err), err);
	assert_int_equal(t.show_content, 1);
	store_thread_clear(&t);

	CHECK_OK(store_message_post(f->s, tid, STORE_CONTACT, f->c2, "answer", &m, &err), err);
	struct store_message msg;
	CHECK_OK(store_message_get(f->s, m, &msg, &err), err);
	assert_string_equal(msg.author_name, "Chris Client");
	assert_int_equal(msg.author_kind, STORE_CONTACT);
	assert_int_equal(msg.thread_id, tid);
	store_message_clear(&msg);
	CHECK_R(store_message_get(f->s, 999, &msg, &err), GW_NOTFOUND, err);

	char *text = NULL;
	CHECK_OK(store_expand_shortcodes(f->s, f->acc2, "[CONTACT_FIRST_NAME] at [ACCOUNT_NAME]",
					 &text, &err), err);
	assert_string_equal(text, "[CONTACT_FIRST_NAME] at Beta GmbH");
	free(text);
	CHECK_R(store_expand_shortcodes(f->s, 999, "x", &text, &err), GW_NOTFOUND, err);
}

/* A removed contact is out of every choice the store makes for the firm:
 * the bouncing list, link checks. */
static void test_store_removed_contact_is_never_picked(void **state)
{
	struct fx *f = *state;
	struct store_contact_list bl = { 0 };
	char *err = NULL;
	uint32_t gen = 0;

	CHECK_OK(store_contact_mark_bouncing(f->s, f->c1, "550 gone", &err), err);
	assert_int_equal(store_link_generation(f->s, LINK_CONTACT, f->c1, &gen), 0);

	CHECK_OK(store_contact_remove(f->s, f->c1, NULL, &err), err);
	CHECK_OK(store_contact_remove(f->s, f->c2, NULL, &err), err);

	CHECK_OK(store_contacts_bouncing(f->s, 0, &bl, &err), err);
	assert_int_equal(bl.count, 0);
	store_contact_list_free(&bl);
	/* no generation: no link verifies, whatever it carries */
	assert_int_equal(store_link_generation(f->s, LINK_CONTACT, f->c1, &gen), -1);
	assert_int_equal(store_link_generation(f->s, LINK_CONTACT, f->c3, &gen), 0);
}

/* A request's transaction: everything or nothing, savepoints inside. */
static void test_store_request_commits_or_rolls_back_as_one(void **state)
{
	struct fx *f = *state;
	char *err = NULL;
	int64_t a = 0, b = 0;

	/* Rolled back: neither account exists. */
	CHECK_OK(store_request_begin(f->s, 1, &err), err);
	CHECK_OK(store_account_add(f->s, "Request one", &a, &err), err);
	CHECK_OK(store_account_add(f->s, "Request two", &b, &err), err);
	CHECK_OK(store_request_end(f->s, 0, &err), err);
	assert_int_equal(fx_int(f, "SELECT count(*) FROM accounts WHERE name LIKE 'Request %%'"),
			 0);

	/* Committed: both, and an operation that failed inside left nothing. */
	CHECK_OK(store_request_begin(f->s, 1, &err), err);
	CHECK_OK(store_account_add(f->s, "Request one", &a, &err), err);
	CHECK_R(store_account_add(f->s, "Request one", &b, &err), GW_PERMFAIL, err);
	CHECK_OK(store_account_add(f->s, "Request two", &b, &err), err);
	/* Not visible to another connection before the end. */
	assert_int_equal(fx_int(f, "SELECT count(*) FROM accounts WHERE name LIKE 'Request %%'"),
			 0);
	CHECK_OK(store_request_end(f->s, 1, &err), err);
	assert_int_equal(fx_int(f, "SELECT count(*) FROM accounts WHERE name LIKE 'Request %%'"),
			 2);

	/* One at a time. */
	CHECK_OK(store_request_begin(f->s, 0, &err), err);
	CHECK_R(store_request_begin(f->s, 0, &err), GW_PERMFAIL, err);
	CHECK_OK(store_request_end(f->s, 1, &err), err);
}

static void test_store_request_read_only_refuses_changes(void **state)
{
	struct fx *f = *state;
	struct store_account acc;
	char *err = NULL;
	int64_t id = 0;

	memset(&acc, 0, sizeof(acc));
	CHECK_OK(store_request_begin(f->s, 0, &err), err);
	CHECK_OK(store_account_get(f->s, f->acc1, &acc, &err), err);
	store_account_clear(&acc);
	assert_int_equal(store_account_add(f->s, "Read only", &id, &err), GW_PERMFAIL);
	assert_non_null(strstr(err, "read-only request"));
	free(err);
	err = NULL;
	CHECK_OK(store_request_end(f->s, 1, &err), err);
	assert_int_equal(fx_int(f, "SELECT count(*) FROM accounts WHERE name = 'Read only'"), 0);
	/* Outside a request the same operation works as ever. */
	CHECK_OK(store_account_add(f->s, "Read only", &id, &err), err);
}

/* Mode and group of PATH as "0600 GID"; "missing" if it does not exist. */
static char *mode_of(const char *path)
{
	struct stat st;

	if (stat(path, &st) != 0)
		return xstrdup("missing");
	return xasprintf("%04o %u", (unsigned)(st.st_mode & 07777), (unsigned)st.st_gid);
}

/*
 * Whatever the umask (0 here, the worst), a new database and the -wal and
 * -shm files SQLite makes beside it are 0600; with [store] group, 0640
 * and that group.  -wal and -shm left 0666 by someone else's process are
 * put right when we own them.  An existing database keeps its mode.
 */
static void test_store_files_are_0600_whatever_the_umask(void **state)
{
	struct fx *f = *state;
	struct group *gr = getgrgid(getegid());
	char *group = xstrdup(gr != NULL ? gr->gr_name : "root");
	const struct {
		const char *group;
		unsigned mode;
	} cases[] = { { NULL, 0600 }, { group, 0640 } };
	mode_t old = umask(0);

	for (size_t i = 0; i < GW_ARRAY_SIZE(cases); i++) {
		char *path = xasprintf("%s/modes%zu.db", f->dir, i);
		struct cfg_store cfg = { .path = path, .busy_timeout_ms = 1000,
					 .group = (char *)cases[i].group };
		char *want = xasprintf("%04o %u", cases[i].mode, (unsigned)getegid());
		struct store *s = NULL, *s2 = NULL;
		char *err = NULL;

		if (store_open(&cfg, &s, &err) != 0)
			fail_msg("case %zu: %s", i, err);
		CHECK_OK(store_account_add(s, "Modes Ltd", &(int64_t){ 0 }, &err), err);
		for (size_t k = 0; k < 3; k++) {
			static const char *const sfx[] = { "", "-wal", "-shm" };
			char *file = xasprintf("%s%s", path, sfx[k]), *got = mode_of(file);

			if (strcmp(got, want) != 0)
				fail_msg("case %zu: %s is %s, want %s", i, file, got, want);
			free(got);
			free(file);
		}
		/* Companions someone left open to all: tightened at the next open. */
		{
			char *wal = xasprintf("%s-wal", path), *got;

			assert_int_equal(chmod(wal, 0666), 0);
			if (store_open(&cfg, &s2, &err) != 0)
				fail_msg("case %zu: reopen: %s", i, err);
			got = mode_of(wal);
			if (strcmp(got, want) != 0)
				fail_msg("case %zu: reopened, %s is %s, want %s", i, wal, got, want);
			free(got);
			free(wal);
			store_close(&s2);
		}
		store_close(&s);
		free(want);
		free(path);
	}
	/* An existing database is not changed behind the owner's back. */
	{
		char *path = xasprintf("%s/old.db", f->dir), *got;
		struct cfg_store cfg = { .path = path, .busy_timeout_ms = 1000 };
		struct store *s = NULL;
		char *err = NULL;
		FILE *fp = fopen(path, "w");

		assert_non_null(fp);
		fclose(fp);
		assert_int_equal(chmod(path, 0644), 0);
		if (store_open(&cfg, &s, &err) != 0)
			fail_msg("old: %s", err);
		got = mode_of(path);
		assert_memory_equal(got, "0644", 4);
		free(got);
		store_close(&s);
		free(path);
	}
	umask(old);
	free(group);
}

/* The IMAP reader's place in a mailbox: absent, set, replaced, per key. */
static void test_store_imap_state(void **state)
{
	struct fx *f = *state;
	uint32_t v = 9, last = 9;
	char *err = NULL;

	assert_int_equal(store_imap_state_get(f->s, "imaps://h u INBOX", &v, &last, &err),
			 GW_NOTFOUND);
	free(err);
	err = NULL;
	assert_int_equal(v, 0);
	assert_int_equal(last, 0);
	CHECK_OK(store_imap_state_set(f->s, "imaps://h u INBOX", 4000000000u, 7, &err), err);
	CHECK_OK(store_imap_state_set(f->s, "imaps://h u Other", 1, 2, &err), err);
	CHECK_OK(store_imap_state_get(f->s, "imaps://h u INBOX", &v, &last, &err), err);
	assert_int_equal(v, 4000000000u);
	assert_int_equal(last, 7);
	CHECK_OK(store_imap_state_set(f->s, "imaps://h u INBOX", 5, 0, &err), err);
	CHECK_OK(store_imap_state_get(f->s, "imaps://h u INBOX", &v, &last, &err), err);
	assert_int_equal(v, 5);
	assert_int_equal(last, 0);
	CHECK_OK(store_imap_state_get(f->s, "imaps://h u Other", &v, &last, &err), err);
	assert_int_equal(last, 2);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, fx_setup, fx_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_store_migrates_empty_file_and_reopens),
		T(test_store_open_errors),
		T(test_store_files_are_0600_whatever_the_umask),
		T(test_store_request_commits_or_rolls_back_as_one),
		T(test_store_request_read_only_refuses_changes),
		T(test_store_people_rules),
		T(test_store_staff_visibility),
		T(test_store_chat_create_notifies_contacts),
		T(test_store_bulk_template_shortcodes),
		T(test_store_post_mentions_and_client_events),
		T(test_store_unread_counts_and_notes),
		T(test_store_tasks_notify_staff),
		T(test_store_client_created_chat),
		T(test_store_post_is_atomic_on_constraint),
		T(test_store_busy_is_tempfail),
		T(test_store_notify_off_and_bouncing_get_nothing),
		T(test_store_apikeys),
		T(test_store_lookups_and_settings),
		T(test_store_removed_contact_is_never_picked),
		T(test_store_imap_state),
		cmocka_unit_test(test_store_names_roundtrip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
