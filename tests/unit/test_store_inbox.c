/*
 * test_store_inbox.c - the staff inbox (store/inbox.h) and the "view all
 * accounts" right on a real SQLite file: one item per event kind for the
 * staff told of it (whatever their emails, never the one who acted),
 * read state (open, mark some, mark all, someone else's item refused with
 * nothing marked), visibility with and without view_all in every listing
 * that uses the one rule, and items gone with retention and person erase.
 *
 * The fixture: owner, admin, member (assigned to acc1), member2 (nothing
 * assigned); fx_chat posts as the owner, who then follows the thread.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "clock.h"
#include "inbox.h"
#include "retention.h"
#include "test_store_util.h"

#define ITEMS(f, ...) fx_int((f), "SELECT count(*) FROM inbox_items WHERE " __VA_ARGS__)

static int64_t reply(struct fx *f, int64_t tid, enum store_kind kind, int64_t who,
		     const char *body, int internal)
{
	struct store_post p = {
		.thread_id = tid, .author_kind = kind, .author_id = who, .body = body,
		.internal = internal,
	};
	int64_t id = 0;
	char *err = NULL;

	CHECK_OK(store_message_send(f->s, &p, &id, NULL, &err), err);
	return id;
}

static int64_t unread(struct fx *f, int64_t staff)
{
	int64_t n = -1, last = 0;
	char *err = NULL;

	CHECK_OK(store_inbox_unread(f->s, staff, &n, &last, &err), err);
	return n;
}

/* A contact's reply: the assigned member and the following owner get a
 * "reply" item, whatever their email setting; nobody else does. */
static void test_store_inbox_reply_goes_to_the_told_staff(void **state)
{
	struct fx *f = *state;
	char *err = NULL;
	int64_t tid = fx_chat(f, f->acc1, "Papers", "Please send them", 0, 0, 0);

	CHECK_OK(store_staff_set_notify(f->s, f->member, 0, &err), err);
	int64_t msg = reply(f, tid, STORE_CONTACT, f->c1, "Here they are", 0);

	assert_int_equal(ITEMS(f, "kind = 'reply' AND message_id = %lld AND account_id = %lld",
			       (long long)msg, (long long)f->acc1), 2);
	assert_int_equal(ITEMS(f, "staff_id = %lld AND kind = 'reply' AND thread_id = %lld"
			       " AND actor_kind = 'contact' AND actor_id = %lld AND read_at IS NULL",
			       (long long)f->member, (long long)tid, (long long)f->c1), 1);
	assert_int_equal(ITEMS(f, "staff_id = %lld", (long long)f->owner), 1);
	assert_int_equal(ITEMS(f, "staff_id IN (%lld, %lld)", (long long)f->admin,
			       (long long)f->member2), 0);
	/* the member with emails off got no email, but the item */
	assert_int_equal(OUTBOX(f, "kind = 'staff_client_replied' AND recipient_id = %lld",
				(long long)f->member), 0);
	assert_int_equal(unread(f, f->member), 1);

	/* staff replying tells no colleague through the inbox */
	reply(f, tid, STORE_STAFF, f->member, "Thanks", 0);
	assert_int_equal(ITEMS(f, "1"), 2);
}

static void test_store_inbox_chat_task_upload_items(void **state)
{
	struct fx *f = *state;
	char *err = NULL;
	int64_t tid = 0, msg = 0, task = 0, att = 0;

	fx_exec(f, "UPDATE firm SET allow_client_chats = 1");
	CHECK_OK(store_chat_create_by_contact(f->s, f->c1, "Question", "Can you call me?", &tid,
					      &msg, &err), err);
	/* nobody follows yet: the assigned member alone */
	assert_int_equal(ITEMS(f, "kind = 'chat' AND thread_id = %lld AND message_id = %lld",
			       (long long)tid, (long long)msg), 1);
	assert_int_equal(ITEMS(f, "kind = 'chat' AND staff_id = %lld", (long long)f->member), 1);

	CHECK_OK(store_task_add(f->s, tid, "Sign the form", &task, &err), err);
	CHECK_OK(store_task_set_done(f->s, task, STORE_CONTACT, f->c2, 1, &err), err);
	CHECK_OK(store_task_set_done(f->s, task, STORE_CONTACT, f->c2, 0, &err), err);
	assert_int_equal(ITEMS(f, "kind = 'task' AND object_id = %lld AND detail = 'done'"
			       " AND actor_id = %lld", (long long)task, (long long)f->c2), 1);
	assert_int_equal(ITEMS(f, "kind = 'task' AND detail = 'undone'"), 1);
	/* a staff tick is no client event */
	CHECK_OK(store_task_set_done(f->s, task, STORE_STAFF, f->member, 1, &err), err);
	assert_int_equal(ITEMS(f, "kind = 'task'"), 2);

	struct store_attachment_new a = {
		.thread_id = tid, .uploader_kind = STORE_CONTACT, .uploader_id = f->c1,
		.file_name = "scan.pdf", .bytes = "%PDF-1.4", .len = 8,
	};
	CHECK_OK(store_attachment_add(f->s, &a, &att, &err), err);
	assert_int_equal(ITEMS(f, "kind = 'upload' AND object_id = %lld AND staff_id = %lld",
			       (long long)att, (long long)f->member), 1);
	a.uploader_kind = STORE_STAFF;
	a.uploader_id = f->member;
	CHECK_OK(store_attachment_add(f->s, &a, &att, &err), err);
	assert_int_equal(ITEMS(f, "kind = 'upload'"), 1);
}

/* @Name in an internal note and in a client's message: the mentioned
 * colleague gets a mention (not also a reply item); the author nothing. */
static void test_store_inbox_mentions(void **state)
{
	struct fx *f = *state;
	int64_t tid = fx_chat(f, f->acc1, "Audit", "Starting", 0, 0, 0);
	int64_t note = reply(f, tid, STORE_STAFF, f->owner, "@Mia Member please check", 1);

	assert_int_equal(ITEMS(f, "kind = 'mention' AND staff_id = %lld AND message_id = %lld"
			       " AND actor_kind = 'staff' AND actor_id = %lld",
			       (long long)f->member, (long long)note, (long long)f->owner), 1);
	assert_int_equal(ITEMS(f, "staff_id = %lld", (long long)f->owner), 0);
	/* mentioning oneself is no news */
	reply(f, tid, STORE_STAFF, f->owner, "note to @Olivia Owner", 1);
	assert_int_equal(ITEMS(f, "staff_id = %lld", (long long)f->owner), 0);

	int64_t msg = reply(f, tid, STORE_CONTACT, f->c1, "Thanks @Mia Member", 0);
	assert_int_equal(ITEMS(f, "message_id = %lld AND staff_id = %lld", (long long)msg,
			       (long long)f->member), 1);
	assert_int_equal(ITEMS(f, "message_id = %lld AND staff_id = %lld AND kind = 'mention'",
			       (long long)msg, (long long)f->member), 1);
	assert_int_equal(ITEMS(f, "message_id = %lld AND staff_id = %lld AND kind = 'reply'",
			       (long long)msg, (long long)f->owner), 1);
}

static void test_store_inbox_email_reply_and_bouncing(void **state)
{
	struct fx *f = *state;
	char *err = NULL;
	int64_t tid = fx_chat(f, f->acc1, "Invoice", "Attached", 0, 0, 0);
	struct store_explanation ex = {
		.thread_id = tid, .contact_id = f->c1, .sender = "carla@acme.example",
		.quoted_text = "ok",
	};

	CHECK_OK(store_explanation_queue(f->s, NULL, &ex, NULL, &err), err);
	assert_int_equal(ITEMS(f, "kind = 'email_reply' AND thread_id = %lld AND contact_id = %lld",
			       (long long)tid, (long long)f->c1), 2);
	assert_int_equal(ITEMS(f, "kind = 'email_reply' AND staff_id IN (%lld, %lld)",
			       (long long)f->member, (long long)f->owner), 2);

	CHECK_OK(store_contact_mark_bouncing(f->s, f->c3, "550 no such user", &err), err);
	assert_int_equal(ITEMS(f, "kind = 'bouncing' AND contact_id = %lld AND thread_id IS NULL"
			       " AND account_id = %lld", (long long)f->c3, (long long)f->acc2), 2);
	assert_int_equal(ITEMS(f, "kind = 'bouncing' AND staff_id IN (%lld, %lld)",
			       (long long)f->owner, (long long)f->admin), 2);
	/* a second report changes nothing */
	CHECK_OK(store_contact_mark_bouncing(f->s, f->c3, "550 again", &err), err);
	assert_int_equal(ITEMS(f, "kind = 'bouncing'"), 2);

	struct store_inbox_list l;
	CHECK_OK(store_inbox_list(f->s, f->admin, 0, 0, 0, &l, &err), err);
	assert_int_equal(l.count, 1);
	assert_int_equal(l.items[0].kind, STORE_INBOX_BOUNCING);
	assert_string_equal(l.items[0].actor_name, "Bea Beta");
	char *path = store_inbox_item_path(&l.items[0]);
	assert_string_equal(path, "/#bounces");
	free(path);
	store_inbox_list_free(&l);
}

static void test_store_inbox_read_state(void **state)
{
	struct fx *f = *state;
	char *err = NULL;
	int64_t tid = fx_chat(f, f->acc1, "Read", "Hello", 0, 0, 0);
	int64_t m1 = reply(f, tid, STORE_CONTACT, f->c1, "one", 0);

	reply(f, tid, STORE_CONTACT, f->c1, "two", 0);
	reply(f, tid, STORE_CONTACT, f->c2, "three", 0);
	assert_int_equal(unread(f, f->member), 3);

	struct store_inbox_list l;
	CHECK_OK(store_inbox_list(f->s, f->member, 0, 2, 0, &l, &err), err);
	assert_int_equal(l.count, 2);
	assert_int_equal(l.unread, 3);
	assert_true(l.items[0].id > l.items[1].id);
	assert_string_equal(l.items[0].subject, "Read");
	assert_string_equal(l.items[0].actor_name, "Chris Client");
	int64_t newest = l.items[0].id, older = l.items[1].id;
	store_inbox_list_free(&l);
	/* the next page */
	CHECK_OK(store_inbox_list(f->s, f->member, 0, 2, older, &l, &err), err);
	assert_int_equal(l.count, 1);
	assert_int_equal(l.items[0].message_id, m1);
	int64_t first = l.items[0].id;
	store_inbox_list_free(&l);

	/* opening marks read and gives the place in the thread */
	struct store_inbox_item it;
	CHECK_OK(store_inbox_open(f->s, f->member, first, &it, &err), err);
	assert_true(it.read_at != 0);
	char *path = store_inbox_item_path(&it), *want = NULL;
	assert_true(asprintf(&want, "/t/%lld#m%lld", (long long)tid, (long long)m1) > 0);
	assert_string_equal(path, want);
	free(path);
	free(want);
	store_inbox_item_clear(&it);
	assert_int_equal(unread(f, f->member), 2);

	/* someone else's item: the same answer as none, and nothing marked */
	CHECK_R(store_inbox_open(f->s, f->admin, newest, &it, &err), GW_NOTFOUND, err);
	int64_t ids[] = { newest, 999999 }, marked = -1;
	CHECK_R(store_inbox_mark_read(f->s, f->member, ids, 2, &marked, &err), GW_NOTFOUND, err);
	assert_int_equal(unread(f, f->member), 2);
	CHECK_OK(store_inbox_mark_read(f->s, f->member, ids, 1, &marked, &err), err);
	assert_int_equal(marked, 1);
	CHECK_OK(store_inbox_list(f->s, f->member, 1, 0, 0, &l, &err), err);
	assert_int_equal(l.count, 1);
	store_inbox_list_free(&l);
	CHECK_OK(store_inbox_mark_read(f->s, f->member, NULL, 0, &marked, &err), err);
	assert_int_equal(marked, 1);
	assert_int_equal(unread(f, f->member), 0);
	/* the owner's items are theirs; reading the thread reads them */
	assert_int_equal(unread(f, f->owner), 3);
	CHECK_OK(store_read_mark(f->s, tid, STORE_STAFF, f->owner, m1, &err), err);
	assert_int_equal(unread(f, f->owner), 2);
	CHECK_OK(store_read_mark(f->s, tid, STORE_STAFF, f->owner, 0, &err), err);
	assert_int_equal(unread(f, f->owner), 0);

	CHECK_R(store_inbox_list(f->s, f->member, 0, STORE_INBOX_LIMIT_MAX + 1, 0, &l, &err),
		GW_INVALID, err);
}

static size_t threads_seen(struct fx *f, int64_t staff)
{
	struct store_thread_filter flt = { .staff_id = staff, .archived = STORE_ARCHIVED_ANY };
	struct store_thread_list l;
	char *err = NULL;

	CHECK_OK(store_thread_list(f->s, &flt, &l, &err), err);
	size_t n = l.count;
	store_thread_list_free(&l);
	return n;
}

static size_t accounts_seen(struct fx *f, int64_t staff)
{
	struct store_account_list l;
	char *err = NULL;

	CHECK_OK(store_account_list(f->s, staff, &l, &err), err);
	size_t n = l.count;
	store_account_list_free(&l);
	return n;
}

static size_t bouncing_seen(struct fx *f, int64_t staff)
{
	struct store_contact_list l = { NULL, 0 };
	char *err = NULL;

	CHECK_OK(store_contacts_bouncing(f->s, staff, &l, &err), err);
	size_t n = l.count;
	store_contact_list_free(&l);
	return n;
}

/* The one rule, with and without the right, in every listing using it. */
static void test_store_inbox_view_all_right(void **state)
{
	struct fx *f = *state;
	char *err = NULL;
	int64_t t1 = fx_chat(f, f->acc1, "One", "a", 0, 0, 0);
	int64_t t2 = fx_chat(f, f->acc2, "Two", "b", 0, 0, 0);
	struct store_thread_view v;
	struct store_staff st;

	memset(&v, 0, sizeof(v));
	CHECK_OK(store_contact_mark_bouncing(f->s, f->c3, "550", &err), err);
	assert_int_equal(threads_seen(f, f->member2), 0);
	assert_int_equal(accounts_seen(f, f->member2), 0);
	assert_int_equal(bouncing_seen(f, f->member2), 0);
	CHECK_R(store_thread_access(f->s, t2, STORE_STAFF, f->member2, &err), GW_NOTFOUND, err);
	assert_int_equal(threads_seen(f, f->member), 1);

	CHECK_OK(store_staff_set_view_all(f->s, f->member2, 1, &err), err);
	CHECK_OK(store_staff_get(f->s, f->member2, &st, &err), err);
	assert_int_equal(st.view_all, 1);
	assert_int_equal(st.role, STORE_ROLE_MEMBER);
	store_staff_clear(&st);
	assert_int_equal(threads_seen(f, f->member2), 2);
	assert_int_equal(accounts_seen(f, f->member2), 3);
	assert_int_equal(bouncing_seen(f, f->member2), 1);
	CHECK_OK(store_thread_access(f->s, t1, STORE_STAFF, f->member2, &err), err);
	CHECK_OK(store_thread_access(f->s, t2, STORE_STAFF, f->member2, &err), err);
	/* seen, so mentioned without being assigned, and not an admin: no bounce clearing */
	int64_t note = reply(f, t2, STORE_STAFF, f->owner, "@Max Member look", 1);
	assert_int_equal(ITEMS(f, "kind = 'mention' AND staff_id = %lld AND message_id = %lld",
			       (long long)f->member2, (long long)note), 1);
	assert_int_equal(fx_int(f, "SELECT count(*) FROM staff_accounts WHERE staff_id = %lld",
				(long long)f->member2), 0);
	CHECK_R(store_contact_clear_bounce(f->s, f->c3, f->member2, &err), GW_PERMFAIL, err);
	assert_int_equal(unread(f, f->member2), 1);

	CHECK_OK(store_staff_set_view_all(f->s, f->member2, 0, &err), err);
	assert_int_equal(threads_seen(f, f->member2), 0);
	assert_int_equal(accounts_seen(f, f->member2), 0);
	CHECK_R(store_thread_access(f->s, t1, STORE_STAFF, f->member2, &err), GW_NOTFOUND, err);
	/* their item of an account they no longer see is hidden, and 404s */
	assert_int_equal(unread(f, f->member2), 0);
	struct store_inbox_item it;
	int64_t id = fx_int(f, "SELECT id FROM inbox_items WHERE staff_id = %lld",
			    (long long)f->member2);
	CHECK_R(store_inbox_open(f->s, f->member2, id, &it, &err), GW_NOTFOUND, err);
	CHECK_R(store_staff_set_view_all(f->s, 999999, 1, &err), GW_NOTFOUND, err);
}

static void test_store_inbox_gone_with_thread_and_person(void **state)
{
	struct fx *f = *state;
	char *err = NULL;
	int64_t t1 = fx_chat(f, f->acc1, "Old", "a", 0, 0, 0);
	int64_t t2 = fx_chat(f, f->acc1, "Kept", "b", 0, 0, 0);
	struct store_erasure e;

	reply(f, t1, STORE_CONTACT, f->c2, "from Chris", 0);
	reply(f, t2, STORE_CONTACT, f->c1, "from Carla", 0);
	reply(f, t2, STORE_CONTACT, f->c2, "Chris again", 0);
	assert_int_equal(ITEMS(f, "1"), 6);

	CHECK_OK(store_thread_archive(f->s, t1, 0, &err), err);
	struct store_retention p = { .archived_threads = 1 };
	struct store_retention_result res;
	memset(&res, 0, sizeof(res));
	CHECK_OK(store_retention_step(f->s, &p, clock_now() + 10 * DAY, 100, NULL, &res, &err),
		 err);
	assert_int_equal(res.threads, 1);
	assert_int_equal(ITEMS(f, "thread_id = %lld", (long long)t1), 0);
	assert_int_equal(ITEMS(f, "1"), 4);

	memset(&e, 0, sizeof(e));
	CHECK_OK(store_person_erase(f->s, f->c2, &e, &err), err);
	store_erasure_clear(&e);
	assert_int_equal(ITEMS(f, "contact_id = %lld OR actor_id = %lld", (long long)f->c2,
			       (long long)f->c2), 0);
	assert_int_equal(ITEMS(f, "1"), 2);
}

/* The count on every staff page and the listing: searches, never a scan
 * of the items, never a sort, with many items and statistics. */
static void test_store_inbox_queries_use_indexes(void **state)
{
	struct fx *f = *state;
	static const char *const names[] = { "inbox_unread", "inbox_list" };
	char *err = NULL;
	for (int i = 0; i < 40; i++) {
		int64_t tid = fx_chat(f, i % 2 ? f->acc1 : f->acc2, "Busy", "a", 0, 0, 0);

		reply(f, tid, STORE_CONTACT, i % 2 ? f->c1 : f->c3, "more", 0);
		reply(f, tid, STORE_CONTACT, i % 2 ? f->c2 : f->c3, "again", 0);
	}
	fx_exec(f, "UPDATE inbox_items SET read_at = 1 WHERE id %% 4 <> 0");
	fx_exec(f, "ANALYZE");
	store_close(&f->s);
	f->s = fx_open(f, 1000);
	for (size_t i = 0; i < GW_ARRAY_SIZE(names); i++) {
		char *plan = NULL;

		CHECK_OK(store_query_plan(f->s, names[i], &plan, &err), err);
		/* the count on every page never reads the items' rows */
		if (i == 0 && strstr(plan, "USING COVERING INDEX inbox_items_unread") == NULL)
			fail_msg("inbox_unread: not from the index alone:\n%s", plan);
		if (strstr(plan, "SEARCH i USING INDEX inbox_items_") == NULL &&
		    strstr(plan, "SEARCH i USING COVERING INDEX inbox_items_") == NULL)
			fail_msg("case %zu (%s): items not searched by index:\n%s", i, names[i], plan);
		if (strstr(plan, "SCAN") != NULL || strstr(plan, "TEMP B-TREE") != NULL)
			fail_msg("case %zu (%s): plan scans or sorts:\n%s", i, names[i], plan);
		free(plan);
	}
}

#define T(name) cmocka_unit_test_setup_teardown(name, fx_setup, fx_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_store_inbox_reply_goes_to_the_told_staff),
		T(test_store_inbox_chat_task_upload_items),
		T(test_store_inbox_mentions),
		T(test_store_inbox_email_reply_and_bouncing),
		T(test_store_inbox_read_state),
		T(test_store_inbox_view_all_right),
		T(test_store_inbox_gone_with_thread_and_person),
		T(test_store_inbox_queries_use_indexes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
