/*
 * test_store_outbox.c - the relay's side of the store: claiming under a
 * lease, crash recovery with the same Message-ID, defer/fail/release,
 * index use of the due queries, the compose record, the inbound log and
 * explanations, attachments on disk, fresh links.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>
#include <sqlite3.h>

#include "clock.h"
#include "test_store_util.h"

static struct store_outbox claim_one(struct fx *f, int64_t now, int64_t lease)
{
	struct store_outbox_list l;
	char *err = NULL;
	CHECK_OK(store_outbox_claim(f->s, now, lease, 1, &l, &err), err);
	assert_int_equal(l.count, 1);
	struct store_outbox o = l.items[0];
	free(l.items);
	return o;
}

static size_t claim_count(struct fx *f, int64_t now)
{
	struct store_outbox_list l;
	char *err = NULL;
	CHECK_OK(store_outbox_claim(f->s, now, 60, 100, &l, &err), err);
	size_t n = l.count;
	store_outbox_list_free(&l);
	return n;
}

static void test_store_outbox_claim_lease_and_crash_recovery(void **state)
{
	struct fx *f = *state;
	char *err = NULL;
	int64_t due;
	fx_chat(f, f->acc1, "Relay", "hello", 0, 0, 0); /* two rows: c1, c2 */

	assert_int_equal(claim_count(f, T0 - 1), 0);
	CHECK_OK(store_outbox_next_due(f->s, &due, &err), err);
	assert_int_equal(due, T0);

	struct store_outbox a = claim_one(f, T0, 60);
	assert_int_equal(a.status, STORE_OUT_SENDING);
	assert_int_equal(a.attempts, 1);
	assert_int_equal(a.lease_until, T0 + 60);
	assert_int_equal(a.kind, MAIL_NEW_MESSAGE);
	assert_int_equal(a.recipient_kind, STORE_CONTACT);
	struct store_outbox b = claim_one(f, T0, 60);
	assert_true(a.id != b.id);
	assert_int_equal(claim_count(f, T0 + 30), 0);
	CHECK_OK(store_outbox_next_due(f->s, &due, &err), err);
	assert_int_equal(due, T0 + 61);

	CHECK_OK(store_outbox_sent(f->s, a.id, T0 + 5, &err), err);
	CHECK_OK(store_outbox_sent(f->s, a.id, T0 + 6, &err), err); /* idempotent */

	/* b's worker died: after the lease it is claimed again, same id. */
	struct store_outbox b2 = claim_one(f, T0 + 61, 60);
	assert_int_equal(b2.id, b.id);
	assert_string_equal(b2.mail_id, b.mail_id);
	assert_int_equal(b2.attempts, 2);

	CHECK_OK(store_outbox_defer(f->s, b.id, T0 + 500, "421 4.3.0 try later", &err), err);
	assert_int_equal(claim_count(f, T0 + 499), 0);
	CHECK_OK(store_outbox_next_due(f->s, &due, &err), err);
	assert_int_equal(due, T0 + 500);
	struct store_outbox b3 = claim_one(f, T0 + 500, 60);
	assert_int_equal(b3.attempts, 3);
	assert_string_equal(b3.last_error, "421 4.3.0 try later");
	CHECK_OK(store_outbox_release(f->s, b.id, &err), err);
	struct store_outbox b4 = claim_one(f, T0 + 500, 60);
	assert_int_equal(b4.attempts, 3);
	assert_string_equal(b4.mail_id, b.mail_id);
	CHECK_OK(store_outbox_fail(f->s, b.id, "550 5.1.1 no such user", &err), err);

	struct store_outbox_counts c;
	CHECK_OK(store_outbox_counts(f->s, &c, &err), err);
	assert_int_equal(c.queued, 0);
	assert_int_equal(c.sending, 0);
	assert_int_equal(c.sent, 1);
	assert_int_equal(c.failed, 1);
	CHECK_R(store_outbox_next_due(f->s, &due, &err), GW_NOTFOUND, err);
	CHECK_R(store_outbox_defer(f->s, a.id, T0, "x", &err), GW_INVALID, err);
	CHECK_R(store_outbox_release(f->s, a.id, &err), GW_INVALID, err);
	CHECK_R(store_outbox_sent(f->s, 9999, T0, &err), GW_NOTFOUND, err);

	struct store_outbox_list l;
	CHECK_OK(store_outbox_list(f->s, STORE_OUT_FAILED, 0, 0, &l, &err), err);
	assert_int_equal(l.count, 1);
	assert_string_equal(l.items[0].last_error, "550 5.1.1 no such user");
	store_outbox_list_free(&l);
	CHECK_OK(store_outbox_list(f->s, 0, 0, 1, &l, &err), err);
	assert_int_equal(l.count, 1);
	store_outbox_list_free(&l);
	struct store_outbox g;
	CHECK_OK(store_outbox_get(f->s, a.id, &g, &err), err);
	assert_int_equal(g.sent_at, T0 + 5);
	assert_int_equal(g.status, STORE_OUT_SENT);
	store_outbox_clear(&g);
	CHECK_OK(store_outbox_find_mail_id(f->s, b.mail_id, &g, &err), err);
	assert_int_equal(g.id, b.id);
	store_outbox_clear(&g);
	CHECK_R(store_outbox_find_mail_id(f->s, "gw.nope@reply.firm.example", &g, &err),
		GW_NOTFOUND, err);

	store_outbox_clear(&a);
	store_outbox_clear(&b);
	store_outbox_clear(&b2);
	store_outbox_clear(&b3);
	store_outbox_clear(&b4);
}


static void check_plans(struct fx *f, const char *when)
{
	static const char *const names[] = {
		"outbox_due", "outbox_next_due", "reminders_due", "reminders_next_due",
		"explanations_recent",
	};
	char *err = NULL;
	for (size_t i = 0; i < GW_ARRAY_SIZE(names); i++) {
		char *plan = NULL;
		CHECK_OK(store_query_plan(f->s, names[i], &plan, &err), err);
		if (strstr(plan, "USING INDEX") == NULL && strstr(plan, "USING COVERING INDEX") == NULL)
			fail_msg("%s, case %zu (%s): no index in plan:\n%s", when, i, names[i], plan);
		if (strstr(plan, "SCAN") != NULL || strstr(plan, "TEMP B-TREE") != NULL)
			fail_msg("%s, case %zu (%s): plan scans or sorts:\n%s", when, i, names[i],
				 plan);
		free(plan);
	}
}

static void test_store_due_queries_use_indexes(void **state)
{
	struct fx *f = *state;
	char *err = NULL;

	check_plans(f, "empty database");
	/* A history of sent mail, few rows due, and statistics. */
	for (int i = 0; i < 50; i++)
		fx_chat(f, i % 2 ? f->acc1 : f->acc2, "Plan", "x", 1, 1, 2);
	fx_exec(f, "UPDATE outbox SET status = 'sent', sent_at = 1 WHERE id %% 10 <> 0");
	fx_exec(f, "ANALYZE");
	store_close(&f->s);
	f->s = fx_open(f, 1000);
	check_plans(f, "after ANALYZE");

	char *plan = NULL;
	CHECK_R(store_query_plan(f->s, "nope", &plan, &err), GW_INVALID, err);
	assert_null(plan);
}

static void test_store_compose_records(void **state)
{
	struct fx *f = *state;
	char *err = NULL;
	const char *tasks[] = { "Upload statements", "Sign letter" };
	int64_t acc = f->acc1, tid;
	struct store_chat_new c = {
		.account_ids = &acc, .n_accounts = 1, .staff_id = f->member,
		.subject = "Year end", .body = "**Please** upload.", .tasks = tasks, .n_tasks = 2,
		.show_content = 1, .reminders = 1, .reminder_days = 2, .reminder_count = 2,
	};
	CHECK_OK(store_chat_create(f->s, &c, &tid, &err), err);
	int64_t row = fx_int(f, "SELECT id FROM outbox WHERE kind = 'new_message'"
			     " AND recipient_id = %lld", (long long)f->c1);
	struct store_compose k;
	CHECK_OK(store_compose_get(f->s, row, &k, &err), err);
	assert_string_equal(k.firm_name, "Example & Partners");
	assert_null(k.notify_display_name);
	assert_string_equal(k.thread_subject, "Year end");
	assert_string_equal(k.account_name, "Acme Ltd");
	assert_int_equal(k.account_id, f->acc1);
	assert_int_equal(k.thread_id, tid);
	assert_int_equal(k.recipient_kind, STORE_CONTACT);
	assert_int_equal(k.recipient_id, f->c1);
	assert_string_equal(k.recipient_name, "Carla Client");
	assert_string_equal(k.recipient_address, "carla@acme.example");
	assert_int_equal(k.recipient_generation, 1);
	assert_int_equal(k.author_kind, STORE_STAFF);
	assert_string_equal(k.author_name, "Mia Member");
	assert_string_equal(k.body, "**Please** upload.");
	assert_int_equal(k.show_content, 1);
	assert_int_equal(k.n_tasks, 2);
	assert_string_equal(k.tasks[0].text, "Upload statements");
	assert_non_null(strstr(k.mail_root_id, "@reply.firm.example"));
	int64_t staff_msg = k.message_id;
	store_compose_clear(&k);

	int n;
	CHECK_OK(store_reminders_run(f->s, T0 + 2 * DAY, &n, &err), err);
	assert_int_equal(n, 2);
	row = fx_int(f, "SELECT id FROM outbox WHERE kind = 'reminder' AND recipient_id = %lld",
		     (long long)f->c2);
	CHECK_OK(store_compose_get(f->s, row, &k, &err), err);
	assert_int_equal(k.reminder_number, 1);
	assert_int_equal(k.reminders_remaining, 1);
	assert_int_equal(k.message_id, staff_msg);
	assert_string_equal(k.recipient_name, "Chris Client");
	store_compose_clear(&k);

	int64_t task = fx_int(f, "SELECT id FROM tasks WHERE thread_id = %lld AND position = 2",
			      (long long)tid);
	CHECK_OK(store_task_set_done(f->s, task, STORE_CONTACT, f->c1, 1, &err), err);
	row = fx_int(f, "SELECT id FROM outbox WHERE kind = 'staff_task_done'");
	CHECK_OK(store_compose_get(f->s, row, &k, &err), err);
	assert_string_equal(k.task_text, "Sign letter");
	assert_int_equal(k.recipient_kind, STORE_STAFF);
	assert_string_equal(k.recipient_name, "Mia Member");
	assert_int_equal(k.tasks[1].done_by_kind, STORE_CONTACT);
	store_compose_clear(&k);
	CHECK_R(store_compose_get(f->s, 99999, &k, &err), GW_NOTFOUND, err);
}

static void test_store_inbound_log_and_explanations(void **state)
{
	struct fx *f = *state;
	char *err = NULL;
	int64_t tid = fx_chat(f, f->acc1, "Docs", "hello", 0, 0, 0);
	int64_t other = fx_chat(f, f->acc1, "Other", "hello", 0, 0, 0), id;

	struct store_inbound_in in = {
		.sender = "carla@acme.example", .recipient = "reply+abc@reply.firm.example",
		.message_id = "m1@client.example", .size = 1234, .verdict = "auto",
		.reason = "Auto-Submitted: auto-replied",
	};
	CHECK_OK(store_inbound_log(f->s, &in, &id, &err), err);
	struct store_inbound got;
	CHECK_OK(store_inbound_find(f->s, "m1@client.example", "reply+abc@reply.firm.example",
				    &got, &err), err);
	assert_int_equal(got.id, id);
	assert_int_equal(got.received_at, T0);
	assert_string_equal(got.verdict, "auto");
	assert_int_equal(got.thread_id, 0);
	store_inbound_clear(&got);
	CHECK_R(store_inbound_find(f->s, "m1@client.example", "other@x", &got, &err), GW_NOTFOUND,
		err);

	struct store_inbound_in in2 = {
		.sender = "Carla@Acme.example", .recipient = "reply+abc@reply.firm.example",
		.message_id = "m2@client.example", .size = 99, .verdict = "explained",
		.thread_id = tid,
	};
	struct store_explanation ex = {
		.sender = "Carla@Acme.example", .thread_id = tid, .contact_id = f->c1,
		.in_reply_to = "gw.1@reply.firm.example", .quoted_text = "Thanks!\nSee attached.",
	};
	struct store_explain_result res;
	int64_t row;
	CHECK_OK(store_explanation_queue(f->s, &in2, &ex, &res, &err), err);
	assert_int_equal(res.refused, STORE_EXPLAIN_QUEUED);
	row = res.outbox_id;
	assert_int_equal(OUTBOX(f, "id = %lld AND kind = 'explanation' AND recipient_kind ="
				" 'contact' AND recipient_address = 'carla@acme.example'",
				(long long)row), 1);
	char *note = fx_text(f, "SELECT body FROM messages WHERE thread_id = %lld AND"
			     " staff_only = 1", (long long)tid);
	assert_non_null(strstr(note, "> Thanks!\n> See attached."));
	free(note);
	assert_int_equal(fx_int(f, "SELECT count(*) FROM inbound_log WHERE verdict = 'explained'"
				" AND thread_id = %lld", (long long)tid), 1);
	struct store_compose k;
	CHECK_OK(store_compose_get(f->s, row, &k, &err), err);
	assert_string_equal(k.in_reply_to, "gw.1@reply.firm.example");
	assert_string_equal(k.quoted_text, "Thanks!\nSee attached.");
	store_compose_clear(&k);

	/* The checks run in the transaction: a redelivery of m2 is refused
	   and nothing is written. */
	int64_t logs0 = fx_int(f, "SELECT count(*) FROM inbound_log");
	int64_t rows0 = OUTBOX(f, "kind = 'explanation'");
	CHECK_OK(store_explanation_queue(f->s, &in2, &ex, &res, &err), err);
	assert_int_equal(res.refused, STORE_EXPLAIN_SEEN);
	assert_int_equal(res.seen_id, fx_int(f, "SELECT id FROM inbound_log WHERE message_id ="
					     " 'm2@client.example'"));
	assert_int_equal(fx_int(f, "SELECT count(*) FROM inbound_log"), logs0);
	assert_int_equal(OUTBOX(f, "kind = 'explanation'"), rows0);

	/* Rate limits count explanations since ex.since, the sender's case
	   ignored: told about this thread already; another thread is fine
	   until the cap is reached; before `since` nothing counts. */
	struct store_inbound_in in3 = in2;
	in3.message_id = "m3@client.example";
	ex.sender = "CARLA@acme.example";
	ex.since = T0 - DAY;
	ex.max_per_sender = 2;
	CHECK_OK(store_explanation_queue(f->s, &in3, &ex, &res, &err), err);
	assert_int_equal(res.refused, STORE_EXPLAIN_TOLD);
	ex.thread_id = other;
	CHECK_OK(store_explanation_queue(f->s, &in3, &ex, &res, &err), err);
	assert_int_equal(res.refused, STORE_EXPLAIN_QUEUED);
	in3.message_id = "m4@client.example";
	ex.thread_id = fx_chat(f, f->acc1, "Third", "hello", 0, 0, 0);
	CHECK_OK(store_explanation_queue(f->s, &in3, &ex, &res, &err), err);
	assert_int_equal(res.refused, STORE_EXPLAIN_CAPPED);
	assert_int_equal(fx_int(f, "SELECT count(*) FROM inbound_log"), logs0 + 1);
	assert_int_equal(OUTBOX(f, "kind = 'explanation'"), rows0 + 1);
	ex.since = T0 + 1;
	CHECK_OK(store_explanation_queue(f->s, &in3, &ex, &res, &err), err);
	assert_int_equal(res.refused, STORE_EXPLAIN_QUEUED);

	/* Answers about one thread to plain addresses (no contact): capped
	   per thread, whoever the sender; answers to contacts do not count. */
	int64_t t4 = fx_chat(f, f->acc1, "Fourth", "hello", 0, 0, 0);
	ex.thread_id = t4;
	ex.since = T0 - DAY;
	ex.max_per_sender = 0;
	ex.max_per_thread_address = 2;
	ex.sender = "carla@acme.example";
	CHECK_OK(store_explanation_queue(f->s, NULL, &ex, &res, &err), err); /* contact */
	assert_int_equal(res.refused, STORE_EXPLAIN_QUEUED);
	ex.contact_id = 0;
	static const char *const strangers[] = { "s0@elsewhere.example", "s1@elsewhere.example",
						 "s2@elsewhere.example" };
	for (int i = 0; i < 3; i++) {
		ex.sender = strangers[i];
		CHECK_OK(store_explanation_queue(f->s, NULL, &ex, &res, &err), err);
		if (res.refused != (i < 2 ? STORE_EXPLAIN_QUEUED : STORE_EXPLAIN_THREAD_CAPPED))
			fail_msg("stranger %d: refusal %d", i, (int)res.refused);
	}
	ex.contact_id = f->c1;
	ex.max_per_thread_address = 0;
	ex.sender = "Carla@Acme.example";
	ex.thread_id = tid;
	ex.since = 0;
	ex.max_per_sender = 0;

	/* A long quotation is cut without splitting a UTF-8 sequence. */
	char *longq = malloc(3001);
	memset(longq, 'a', 3000);
	longq[3000] = '\0';
	memcpy(longq + 1998, "\xc3\xa9", 2); /* é across the 2000-byte cut */
	ex.quoted_text = longq;
	CHECK_OK(store_explanation_queue(f->s, NULL, &ex, &res, &err), err);
	CHECK_OK(store_compose_get(f->s, res.outbox_id, &k, &err), err);
	assert_int_equal(strlen(k.quoted_text), 2000);
	store_compose_clear(&k);
	longq[1999] = 'a';
	memcpy(longq + 1999, "\xc3\xa9", 2);
	CHECK_OK(store_explanation_queue(f->s, NULL, &ex, &res, &err), err);
	CHECK_OK(store_compose_get(f->s, res.outbox_id, &k, &err), err);
	assert_int_equal(strlen(k.quoted_text), 1999);
	store_compose_clear(&k);
	free(longq);
	ex.quoted_text = "Thanks!";

	struct store_inbound_list il;
	CHECK_OK(store_inbound_list(f->s, 0, &il, &err), err);
	assert_int_equal(il.count, 4);
	assert_string_equal(il.items[0].verdict, "explained");
	store_inbound_list_free(&il);

	/* Someone else replied with the token: an address, not a contact. */
	ex.sender = "boss@acme.example";
	ex.contact_id = 0;
	CHECK_OK(store_explanation_queue(f->s, NULL, &ex, &res, &err), err);
	assert_int_equal(OUTBOX(f, "id = %lld AND recipient_kind = 'address'",
			       (long long)res.outbox_id), 1);

	/* Failures write nothing, not even the inbound row. */
	int64_t logs = fx_int(f, "SELECT count(*) FROM inbound_log");
	int64_t rows = OUTBOX(f, "1");
	ex.sender = "not an address";
	CHECK_R(store_explanation_queue(f->s, &in2, &ex, NULL, &err), GW_INVALID, err);
	ex.sender = "x@y.example";
	ex.thread_id = 4242;
	CHECK_R(store_explanation_queue(f->s, &in2, &ex, NULL, &err), GW_NOTFOUND, err);
	assert_int_equal(fx_int(f, "SELECT count(*) FROM inbound_log"), logs);
	assert_int_equal(OUTBOX(f, "1"), rows);
}

static void test_store_attachments_on_disk(void **state)
{
	struct fx *f = *state;
	char *err = NULL;
	int64_t tid = fx_chat(f, f->acc1, "Files", "send them", 0, 0, 0), a1, a2;
	const char *hash = "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824";

	struct store_attachment_new n = {
		.thread_id = tid, .uploader_kind = STORE_CONTACT, .uploader_id = f->c1,
		.file_name = "statement.pdf", .content_type = "application/pdf",
		.bytes = "hello", .len = 5,
	};
	CHECK_OK(store_attachment_add(f->s, &n, &a1, &err), err);
	char *path = store_attachment_path(f->att, hash);
	FILE *fp = fopen(path, "rb");
	assert_non_null(fp);
	char buf[16] = { 0 };
	assert_int_equal(fread(buf, 1, sizeof(buf), fp), 5);
	fclose(fp);
	assert_string_equal(buf, "hello");
	assert_int_equal(OUTBOX(f, "kind = 'staff_upload' AND recipient_id = %lld AND"
				" extra = '%lld'", (long long)f->member, (long long)a1), 1);

	/* Same content from staff: one file, two rows, no staff email. */
	n.uploader_kind = STORE_STAFF;
	n.uploader_id = f->owner;
	n.file_name = "copy.pdf";
	CHECK_OK(store_attachment_add(f->s, &n, &a2, &err), err);
	/* the client's upload told the member and the owner, who follows the
	 * chat they started; the owner's own upload told nobody */
	assert_int_equal(OUTBOX(f, "kind = 'staff_upload'"), 2);
	struct store_attachment a;
	CHECK_OK(store_attachment_get(f->s, a2, &a, &err), err);
	assert_string_equal(a.sha256, hash);
	assert_int_equal(a.size, 5);
	assert_string_equal(a.file_name, "copy.pdf");
	store_attachment_clear(&a);
	struct store_thread_view v;
	CHECK_OK(store_thread_show(f->s, tid, STORE_CONTACT, f->c1, 0, &v, &err), err);
	assert_int_equal(v.n_attachments, 2);
	store_thread_view_clear(&v);

	/* Bad input is refused before anything reaches the disk. */
	n.bytes = "other";
	static const char *const bad_types[] = { "pdf", "text/", "/x", "a/b/c", "text/plain; x=1" };
	for (size_t i = 0; i < GW_ARRAY_SIZE(bad_types); i++) {
		n.content_type = bad_types[i];
		enum gw_result r = store_attachment_add(f->s, &n, NULL, &err);
		if (r != GW_INVALID)
			fail_msg("case %zu: %s gave %s", i, bad_types[i], gw_result_name(r));
		free(err);
		err = NULL;
	}
	n.content_type = NULL;
	n.message_id = 99999;
	CHECK_R(store_attachment_add(f->s, &n, NULL, &err), GW_NOTFOUND, err);
	n.message_id = 0;
	n.uploader_kind = STORE_CONTACT;
	n.uploader_id = f->c3;
	CHECK_R(store_attachment_add(f->s, &n, NULL, &err), GW_NOTFOUND, err);

	/* An unusable directory is a temporary failure and leaves no row. */
	char blocker[400];
	snprintf(blocker, sizeof(blocker), "%s/blocker", f->dir);
	fp = fopen(blocker, "w");
	fclose(fp);
	n.uploader_id = f->c1;
	n.dir = blocker;
	int64_t rows = fx_int(f, "SELECT count(*) FROM attachments");
	CHECK_R(store_attachment_add(f->s, &n, NULL, &err), GW_TEMPFAIL, err);
	assert_int_equal(fx_int(f, "SELECT count(*) FROM attachments"), rows);
	free(path);
}

static void test_store_fresh_link(void **state)
{
	struct fx *f = *state;
	char *err = NULL;
	int64_t tid = fx_chat(f, f->acc1, "Link", "hello", 0, 0, 0);
	int64_t t2 = fx_chat(f, f->acc2, "Link", "hello", 0, 0, 0), row;

	CHECK_OK(store_contact_set_notify(f->s, f->c1, 0, &err), err);
	CHECK_OK(store_fresh_link_queue(f->s, f->c1, tid, &row, &err), err);
	assert_int_equal(OUTBOX(f, "id = %lld AND kind = 'fresh_link' AND recipient_id = %lld",
				(long long)row, (long long)f->c1), 1);
	CHECK_OK(store_fresh_link_queue(f->s, f->c1, 0, &row, &err), err);
	CHECK_R(store_fresh_link_queue(f->s, f->c1, t2, &row, &err), GW_NOTFOUND, err);
	CHECK_R(store_fresh_link_queue(f->s, 999, tid, &row, &err), GW_NOTFOUND, err);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, fx_setup, fx_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_store_outbox_claim_lease_and_crash_recovery),
		T(test_store_due_queries_use_indexes),
		T(test_store_compose_records),
		T(test_store_inbound_log_and_explanations),
		T(test_store_attachments_on_disk),
		T(test_store_fresh_link),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
