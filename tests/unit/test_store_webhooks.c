/*
 * test_store_webhooks.c - webhook events and deliveries in the store, on
 * real SQLite files: every kind of event is written in the transaction of
 * its change (and rolled back with it), only for endpoints that want it;
 * claims keep a thread's order per endpoint; failures back off, disable
 * the endpoint after disable_after and tell the owners; enabling brings
 * the waiting events back; config sync and API endpoints coexist.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "clock.h"
#include "store_webhooks.h"
#include "test_store_util.h"
#include "webhook.h"

static int64_t add_endpoint(struct fx *f, const char *name, unsigned events)
{
	struct store_webhook_in in = { name, "https://hooks.example/in", "/etc/gatewayd/hook",
				       events };
	char *err = NULL;
	int64_t id = 0;

	CHECK_OK(store_webhook_add(f->s, &in, &id, &err), err);
	return id;
}

#define EVENTS(f, ...) fx_int((f), "SELECT count(*) FROM webhook_events WHERE " __VA_ARGS__)
#define DELIVERIES(f, ...) \
	fx_int((f), "SELECT count(*) FROM webhook_deliveries WHERE " __VA_ARGS__)

static void test_store_webhooks_no_endpoint_no_event(void **state)
{
	struct fx *f = *state;
	int64_t tid = fx_chat(f, f->acc1, "Quiet", "hello", 0, 0, 0);
	char *err = NULL;

	CHECK_OK(store_message_post(f->s, tid, STORE_CONTACT, f->c1, "hi", NULL, &err), err);
	assert_int_equal(EVENTS(f, "1"), 0);
	assert_int_equal(DELIVERIES(f, "1"), 0);
}

static void test_store_webhooks_event_rolls_back_with_change(void **state)
{
	struct fx *f = *state;
	char *err = NULL;
	int64_t msg = 0;

	add_endpoint(f, "crm", WEBHOOK_EVENTS_ALL);
	int64_t tid = fx_chat(f, f->acc1, "Atomic", "hello", 0, 0, 0);
	assert_int_equal(EVENTS(f, "type = 'chat.created' AND thread_id = %lld", (long long)tid), 1);

	/* A request that answers with an error rolls back: message and event. */
	CHECK_OK(store_request_begin(f->s, 1, &err), err);
	CHECK_OK(store_message_post(f->s, tid, STORE_STAFF, f->owner, "undone", &msg, &err), err);
	CHECK_OK(store_request_end(f->s, 0, &err), err);
	assert_int_equal(fx_int(f, "SELECT count(*) FROM messages WHERE id = %lld", (long long)msg),
			 0);
	assert_int_equal(EVENTS(f, "type = 'message.posted'"), 0);
	assert_int_equal(DELIVERIES(f, "1"), 1);

	/* A change refused by the rules writes no event either. */
	CHECK_OK(store_thread_archive(f->s, tid, f->owner, &err), err);
	CHECK_R(store_message_post(f->s, tid, STORE_STAFF, f->owner, "late", NULL, &err),
		GW_INVALID, err);
	assert_int_equal(EVENTS(f, "type = 'message.posted'"), 0);

	/* And a committed one writes its event, body fixed then. */
	CHECK_OK(store_thread_reopen(f->s, tid, f->owner, &err), err);
	CHECK_OK(store_message_post(f->s, tid, STORE_CONTACT, f->c1, "kept \"quoted\"", &msg, &err),
		 err);
	assert_int_equal(EVENTS(f, "type = 'message.posted' AND json_valid(body)"
				   " AND json_extract(body, '$.data.message_id') = %lld"
				   " AND json_extract(body, '$.data.body') = 'kept \"quoted\"'"
				   " AND json_extract(body, '$.data.author.kind') = 'contact'"
				   " AND json_extract(body, '$.id') = event_id",
				   (long long)msg), 1);
}

static void test_store_webhooks_every_kind(void **state)
{
	struct fx *f = *state;
	static const char bytes[] = "%PDF-1.4 test";
	char *err = NULL;
	int64_t task = 0, att = 0, n_posted;

	add_endpoint(f, "all", WEBHOOK_EVENTS_ALL);
	add_endpoint(f, "posts", WEBHOOK_MESSAGE_POSTED);
	int64_t tid = fx_chat(f, f->acc1, "Kinds", "hello", 1, 1, 2);

	CHECK_OK(store_message_post(f->s, tid, STORE_STAFF, f->owner, "one", NULL, &err), err);
	CHECK_OK(store_task_add(f->s, tid, "Send the form", &task, &err), err);
	CHECK_OK(store_task_set_done(f->s, task, STORE_CONTACT, f->c1, 1, &err), err);
	struct store_attachment_new a = {
		.thread_id = tid, .uploader_kind = STORE_CONTACT, .uploader_id = f->c1,
		.file_name = "form.pdf", .content_type = "application/pdf",
		.bytes = bytes, .len = sizeof(bytes) - 1,
	};
	CHECK_OK(store_attachment_add(f->s, &a, &att, &err), err);
	struct store_explanation ex = {
		.sender = "contact@client.example", .thread_id = tid, .contact_id = f->c1,
		.in_reply_to = "abc@client.example", .quoted_text = "my answer",
	};
	struct store_explain_result res;
	CHECK_OK(store_explanation_queue(f->s, NULL, &ex, &res, &err), err);
	CHECK_OK(store_contact_mark_bouncing(f->s, f->c2, "5.1.1 no such user", &err), err);
	int n = 0;
	clock_set(T0 + 2 * DAY);
	CHECK_OK(store_reminders_run(f->s, T0 + 2 * DAY, &n, &err), err);
	assert_true(n > 0);

	assert_int_equal(EVENTS(f, "type = 'chat.created'"), 1);
	assert_int_equal(EVENTS(f, "type = 'message.posted'"), 1);
	assert_int_equal(EVENTS(f, "type = 'task.changed' AND json_extract(body, '$.data.change')"
				   " = 'added' AND json_extract(body, '$.data.by') IS NULL"), 1);
	assert_int_equal(EVENTS(f, "type = 'task.changed' AND json_extract(body, '$.data.change')"
				   " = 'done' AND json_extract(body, '$.data.done') = 1"
				   " AND json_extract(body, '$.data.by.id') = %lld", (long long)f->c1), 1);
	assert_int_equal(EVENTS(f, "type = 'file.uploaded' AND json_extract(body,"
				   " '$.data.attachment_id') = %lld AND json_extract(body,"
				   " '$.data.file_name') = 'form.pdf'", (long long)att), 1);
	assert_int_equal(EVENTS(f, "type = 'email.reply' AND json_extract(body, '$.data.from')"
				   " = 'contact@client.example' AND json_extract(body,"
				   " '$.data.message_id') = 'abc@client.example'"), 1);
	assert_int_equal(EVENTS(f, "type = 'contact.bouncing' AND thread_id IS NULL AND"
				   " json_extract(body, '$.data.contact_id') = %lld",
				   (long long)f->c2), 1);
	assert_int_equal(EVENTS(f, "type = 'reminder.sent' AND json_extract(body,"
				   " '$.data.number') = 1"), 1);
	assert_int_equal(EVENTS(f, "NOT json_valid(body)"), 0);
	/* "all" has one delivery per event; "posts" only the message. */
	n_posted = EVENTS(f, "1");
	assert_int_equal(n_posted, 8);
	assert_int_equal(DELIVERIES(f, "endpoint_id = (SELECT id FROM webhook_endpoints"
				       " WHERE name = 'all')"), 8);
	assert_int_equal(DELIVERIES(f, "endpoint_id = (SELECT id FROM webhook_endpoints"
				       " WHERE name = 'posts')"), 1);
}

static void claim(struct fx *f, int64_t now, int max, struct store_webhook_delivery_list *l)
{
	char *err = NULL;

	CHECK_OK(store_webhook_claim(f->s, now, 30, max, l, &err), err);
}

static void test_store_webhooks_order_per_thread(void **state)
{
	struct fx *f = *state;
	struct store_webhook_delivery_list l;
	char *err = NULL;
	int disabled = 1;

	add_endpoint(f, "crm", WEBHOOK_EVENTS_ALL);
	int64_t ta = fx_chat(f, f->acc1, "A", "a0", 0, 0, 0);
	int64_t tb = fx_chat(f, f->acc2, "B", "b0", 0, 0, 0);
	for (int i = 0; i < 3; i++) {
		CHECK_OK(store_message_post(f->s, ta, STORE_STAFF, f->owner, "a", NULL, &err), err);
		CHECK_OK(store_message_post(f->s, tb, STORE_STAFF, f->owner, "b", NULL, &err), err);
	}
	/* One per thread: the chat.created of each. */
	claim(f, T0, 10, &l);
	assert_int_equal(l.count, 2);
	assert_int_equal(l.items[0].thread_key, ta);
	assert_string_equal(l.items[0].type, "chat.created");
	assert_int_equal(l.items[1].thread_key, tb);
	assert_int_equal(l.items[0].attempts, 1);
	int64_t a0 = l.items[0].id, b0 = l.items[1].id;
	store_webhook_delivery_list_free(&l);

	/* A's first fails: A waits behind it, B goes on. */
	CHECK_OK(store_webhook_failed(f->s, a0, T0, T0 + 60, "answered 500", DAY, &disabled, &err),
		 err);
	assert_int_equal(disabled, 0);
	CHECK_OK(store_webhook_delivered(f->s, b0, T0, &err), err);
	claim(f, T0 + 1, 10, &l);
	assert_int_equal(l.count, 1);
	assert_int_equal(l.items[0].thread_key, tb);
	assert_string_equal(l.items[0].type, "message.posted");
	CHECK_OK(store_webhook_delivered(f->s, l.items[0].id, T0 + 1, &err), err);
	store_webhook_delivery_list_free(&l);

	/* At its retry time A's first comes back, the same event, attempt 2. */
	claim(f, T0 + 60, 10, &l);
	assert_int_equal(l.count, 2);
	assert_int_equal(l.items[0].id, a0);
	assert_int_equal(l.items[0].attempts, 2);
	store_webhook_delivery_list_free(&l);

	/* A claim left unmarked (a killed daemon) is claimed again after its lease. */
	claim(f, T0 + 70, 10, &l);
	assert_int_equal(l.count, 0);
	store_webhook_delivery_list_free(&l);
	claim(f, T0 + 91, 10, &l);
	assert_int_equal(l.count, 2);
	assert_int_equal(l.items[0].id, a0);
	assert_int_equal(l.items[0].attempts, 3);
	store_webhook_delivery_list_free(&l);
}

static void test_store_webhooks_disable_and_enable(void **state)
{
	struct fx *f = *state;
	struct store_webhook_delivery_list l;
	struct store_webhook e;
	char *err = NULL;
	int disabled = 0;
	int64_t ep = add_endpoint(f, "crm", WEBHOOK_EVENTS_ALL), due = 0;

	fx_chat(f, f->acc1, "A", "a0", 0, 0, 0);
	claim(f, T0, 10, &l);
	assert_int_equal(l.count, 1);
	int64_t d = l.items[0].id;
	store_webhook_delivery_list_free(&l);
	CHECK_OK(store_webhook_failed(f->s, d, T0, T0 + 10, "answered 500", DAY, &disabled, &err),
		 err);
	assert_int_equal(disabled, 0);
	CHECK_OK(store_webhook_get(f->s, ep, &e, &err), err);
	assert_int_equal(e.failing_since, T0);
	assert_true(e.enabled);
	assert_string_equal(e.last_error, "answered 500");
	store_webhook_clear(&e);

	/* Still failing a day later: disabled, the owner (not the admin) told. */
	claim(f, T0 + DAY, 10, &l);
	assert_int_equal(l.count, 1);
	store_webhook_delivery_list_free(&l);
	CHECK_OK(store_webhook_failed(f->s, d, T0 + DAY, T0 + DAY + 10, "answered 503", DAY,
				      &disabled, &err), err);
	assert_int_equal(disabled, 1);
	CHECK_OK(store_webhook_get(f->s, ep, &e, &err), err);
	assert_false(e.enabled);
	assert_int_equal(e.disabled_at, T0 + DAY);
	assert_string_equal(e.disabled_reason, "answered 503");
	assert_int_equal(e.queued, 1);
	store_webhook_clear(&e);
	assert_int_equal(OUTBOX(f, "kind = 'staff_webhook_disabled' AND recipient_id = %lld"
				   " AND extra = 'crm (https://hooks.example/in): answered 503'",
				   (long long)f->owner), 1);
	assert_int_equal(OUTBOX(f, "kind = 'staff_webhook_disabled'"), 1);

	/* Disabled: nothing claimable, nothing due, the event kept. */
	claim(f, T0 + 2 * DAY, 10, &l);
	assert_int_equal(l.count, 0);
	store_webhook_delivery_list_free(&l);
	CHECK_R(store_webhook_next_due(f->s, &due, &err), GW_NOTFOUND, err);

	/* Enabled again: due at once (not at its backoff), failing cleared. */
	clock_set(T0 + DAY + 5);
	CHECK_OK(store_webhook_set_enabled(f->s, ep, 1, &err), err);
	claim(f, T0 + DAY + 5, 10, &l);
	assert_int_equal(l.count, 1);
	assert_int_equal(l.items[0].id, d);
	CHECK_OK(store_webhook_delivered(f->s, d, T0 + DAY + 5, &err), err);
	store_webhook_delivery_list_free(&l);
	CHECK_OK(store_webhook_get(f->s, ep, &e, &err), err);
	assert_true(e.enabled);
	assert_int_equal(e.failing_since, 0);
	assert_int_equal(e.delivered, 1);
	assert_int_equal(e.queued, 0);
	store_webhook_clear(&e);
}

static void test_store_webhooks_config_and_api(void **state)
{
	struct fx *f = *state;
	struct store_webhook_in cfg[] = {
		{ "crm", "https://crm.example/h", "/etc/gatewayd/crm", WEBHOOK_EVENTS_ALL },
		{ "erp", "https://erp.example/h", "/etc/gatewayd/erp", WEBHOOK_CHAT_CREATED },
	};
	struct store_webhook_list list;
	struct store_webhook e;
	char *err = NULL;

	CHECK_OK(store_webhook_sync(f->s, cfg, 2, &err), err);
	int64_t api = add_endpoint(f, "portal", WEBHOOK_EVENTS_ALL);
	/* Names are unique across both. */
	struct store_webhook_in dup = { "crm", "https://x.example/", "/x", 1 };
	CHECK_R(store_webhook_add(f->s, &dup, NULL, &err), GW_PERMFAIL, err);
	struct store_webhook_in clash[] = { { "portal", "https://x.example/", "/x", 1 } };
	CHECK_R(store_webhook_sync(f->s, clash, 1, &err), GW_INVALID, err);
	/* A config endpoint is removed in the file, not by the API. */
	CHECK_OK(store_webhook_find(f->s, "crm", &e, &err), err);
	CHECK_R(store_webhook_remove(f->s, e.id, &err), GW_PERMFAIL, err);
	int64_t crm = e.id;
	store_webhook_clear(&e);

	fx_chat(f, f->acc1, "A", "a0", 0, 0, 0);
	assert_int_equal(DELIVERIES(f, "1"), 3);

	/* erp left out of the file: removed, its delivery waits, no new ones. */
	CHECK_OK(store_webhook_sync(f->s, cfg, 1, &err), err);
	CHECK_OK(store_webhook_list(f->s, &list, &err), err);
	assert_int_equal(list.count, 3);
	assert_string_equal(list.items[1].name, "erp");
	assert_true(list.items[1].removed);
	assert_int_equal(list.items[1].queued, 1);
	assert_false(list.items[0].removed);
	store_webhook_list_free(&list);
	fx_chat(f, f->acc1, "B", "b0", 0, 0, 0);
	assert_int_equal(DELIVERIES(f, "1"), 5);
	struct store_webhook_delivery_list l;
	claim(f, T0, 10, &l);
	for (size_t i = 0; i < l.count; i++)
		assert_string_not_equal(l.items[i].endpoint_name, "erp");
	store_webhook_delivery_list_free(&l);

	/* A restart keeps a disabled config endpoint disabled. */
	CHECK_OK(store_webhook_set_enabled(f->s, crm, 0, &err), err);
	CHECK_OK(store_webhook_sync(f->s, cfg, 2, &err), err);
	CHECK_OK(store_webhook_get(f->s, crm, &e, &err), err);
	assert_false(e.enabled);
	store_webhook_clear(&e);

	/* Removing the API endpoint takes its deliveries with it. */
	CHECK_OK(store_webhook_remove(f->s, api, &err), err);
	assert_int_equal(DELIVERIES(f, "endpoint_id = %lld", (long long)api), 0);
	CHECK_R(store_webhook_get(f->s, api, &e, &err), GW_NOTFOUND, err);
}

static void test_store_webhooks_prune(void **state)
{
	struct fx *f = *state;
	struct store_webhook_delivery_list l;
	char *err = NULL;
	int64_t n = -1;

	add_endpoint(f, "crm", WEBHOOK_EVENTS_ALL);
	int64_t ep2 = add_endpoint(f, "slow", WEBHOOK_CHAT_CREATED);
	fx_chat(f, f->acc1, "A", "a0", 0, 0, 0); /* both endpoints */
	int64_t tb = fx_chat(f, f->acc2, "B", "b0", 0, 0, 0);
	CHECK_OK(store_message_post(f->s, tb, STORE_STAFF, f->owner, "b", NULL, &err), err);
	CHECK_OK(store_webhook_set_enabled(f->s, ep2, 0, &err), err);
	for (int round = 0; round < 2; round++) {
		claim(f, T0, 10, &l);
		for (size_t i = 0; i < l.count; i++)
			CHECK_OK(store_webhook_delivered(f->s, l.items[i].id, T0, &err), err);
		store_webhook_delivery_list_free(&l);
	}
	assert_int_equal(DELIVERIES(f, "status = 'delivered'"), 3);
	/* Nothing older than the cut yet. */
	CHECK_OK(store_webhook_prune(f->s, T0, &n, &err), err);
	assert_int_equal(n, 0);
	/* Later: crm's three deliveries go, and the message's event with them;
	 * the two chat.created events that "slow" still waits for are kept. */
	CHECK_OK(store_webhook_prune(f->s, T0 + 1, &n, &err), err);
	assert_int_equal(n, 1);
	assert_int_equal(EVENTS(f, "1"), 2);
	assert_int_equal(DELIVERIES(f, "1"), 2);
	assert_int_equal(DELIVERIES(f, "status = 'queued' AND endpoint_id = %lld", (long long)ep2),
			 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_store_webhooks_no_endpoint_no_event,
						fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_store_webhooks_event_rolls_back_with_change,
						fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_store_webhooks_every_kind, fx_setup,
						fx_teardown),
		cmocka_unit_test_setup_teardown(test_store_webhooks_order_per_thread, fx_setup,
						fx_teardown),
		cmocka_unit_test_setup_teardown(test_store_webhooks_disable_and_enable, fx_setup,
						fx_teardown),
		cmocka_unit_test_setup_teardown(test_store_webhooks_config_and_api, fx_setup,
						fx_teardown),
		cmocka_unit_test_setup_teardown(test_store_webhooks_prune, fx_setup, fx_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
