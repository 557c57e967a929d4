/*
 * test_api_threads.c - the JSON API's threads and what happens in them:
 * create (one account, bulk from a template, a contact's own chat), list
 * with filters and unread counts, show, messages as staff and as a
 * contact, tasks, read marks, archive/reopen/resend, reminders,
 * View-chat links checked with link_verify(), and the outbox and inbound
 * logs.  Each refusal is checked for its status, code and field: 403 for
 * a person who may not see the thread, 404 for one who does not exist,
 * 422 for a rule.  The fixture is in test_api_util.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "clock.h"
#include "test_api_util.h"

void test_api_threads_create_one_bulk_and_contact(void **state);
void test_api_threads_list_filters_and_unread(void **state);
void test_api_threads_show_and_patch(void **state);
void test_api_messages_post_as_staff_and_contact(void **state);
void test_api_messages_internal_note(void **state);
void test_api_tasks_add_and_tick(void **state);
void test_api_read_archive_reopen_resend(void **state);
void test_api_reminders_set(void **state);
void test_api_links_minted_and_verified(void **state);
void test_api_outbox_and_inbound_logs(void **state);

/* Outbox rows of a thread to an address. */
static int64_t rows_to(struct tfx *t, int64_t thread, const char *address)
{
	struct store_outbox_list list = { 0 };
	char *error = NULL;
	int64_t n = 0;

	assert_int_equal(store_outbox_list(t->s, 0, thread, 0, &list, &error), GW_OK);
	for (size_t i = 0; i < list.count; i++)
		n += strcmp(list.items[i].recipient_address, address) == 0;
	store_outbox_list_free(&list);
	return n;
}

static int64_t new_member(struct tfx *t, const char *name, const char *email)
{
	char *error = NULL;
	int64_t id = 0;

	assert_int_equal(store_staff_add(t->s, name, email, STORE_ROLE_MEMBER, &id, &error),
			 GW_OK);
	return id;
}

/* ---- create ---- */

void test_api_threads_create_one_bulk_and_contact(void **state)
{
	struct tfx *t = *state;
	struct store_thread_view v = { 0 };
	char *body, *error = NULL;
	int64_t lone = new_member(t, "Lone Member", "lone@firm.example");
	json_t *j, *arr;
	int wakes = t->wakes;

	/* One account, as the assigned member. */
	body = fmt("{\"account_id\": %lld, \"from_staff\": %lld, \"subject\": \"VAT Q4\", "
		   "\"body\": \"Please send the VAT receipts.\", \"show_content\": true}",
		   (long long)t->acme, (long long)t->member);
	j = call(t, "POST", "/api/v1/threads", body, 201);
	free(body);
	arr = jget(j, "threads");
	assert_int_equal(json_array_size(arr), 1);
	int64_t th = jint(json_array_get(arr, 0), "id");
	assert_int_equal(jint(json_array_get(arr, 0), "account_id"), t->acme);
	assert_string_equal(jstr(json_array_get(arr, 0), "subject"), "VAT Q4");
	assert_true(jbool(json_array_get(arr, 0), "show_content"));
	json_decref(j);
	assert_true(t->wakes > wakes);
	/* Anna is emailed; Ben (notify off) is not. */
	assert_int_equal(rows_to(t, th, "anna@acme.example"), 1);
	assert_int_equal(rows_to(t, th, "ben@acme.example"), 0);

	/* Bulk from a template, with tasks and reminders, by the owner. */
	assert_int_equal(store_template_set(t->s, "yearend", "Accounts for [ACCOUNT_NAME]",
					    "Dear [CONTACT_FIRST_NAME], from [FIRM_NAME].",
					    &error), GW_OK);
	body = fmt("{\"account_ids\": [%lld, %lld], \"from_staff\": %lld, "
		   "\"template\": \"yearend\", \"tasks\": [\"Upload\", \"Sign\"], "
		   "\"reminders\": {\"enabled\": true, \"days\": 5, \"count\": 2}}",
		   (long long)t->acme, (long long)t->birch, (long long)t->owner);
	j = call(t, "POST", "/api/v1/threads", body, 201);
	free(body);
	arr = jget(j, "threads");
	assert_int_equal(json_array_size(arr), 2);
	assert_string_equal(jstr(json_array_get(arr, 1), "subject"), "Accounts for Birch & Sons");
	assert_int_equal(jint(json_array_get(arr, 1), "tasks_total"), 2);
	json_t *rem = jget(json_array_get(arr, 1), "reminders");
	assert_true(jbool(rem, "enabled"));
	assert_int_equal(jint(rem, "days"), 5);
	assert_int_equal(jint(rem, "count"), 2);
	assert_int_equal(jint(rem, "remaining"), 2);
	/* Staff read the placeholder; Clara reads her name. */
	assert_int_equal(store_thread_show(t->s, jint(json_array_get(arr, 1), "id"), 0, 0, 1, &v,
					   &error), GW_OK);
	assert_string_equal(v.messages[0].body,
			    "Dear [CONTACT_FIRST_NAME], from Example & Partners.");
	store_thread_view_clear(&v);
	assert_int_equal(store_thread_show(t->s, jint(json_array_get(arr, 1), "id"), STORE_CONTACT,
					   t->clara, 0, &v, &error), GW_OK);
	assert_string_equal(v.messages[0].body, "Dear Clara, from Example & Partners.");
	store_thread_view_clear(&v);
	json_decref(j);

	/* Reminders on without numbers: the [reminders] defaults (4 days). */
	body = fmt("{\"account_id\": %lld, \"from_staff\": %lld, \"subject\": \"s\", "
		   "\"body\": \"b\", \"reminders\": {\"enabled\": true}}", (long long)t->birch,
		   (long long)t->owner);
	j = call(t, "POST", "/api/v1/threads", body, 201);
	free(body);
	assert_int_equal(jint(jget(json_array_get(jget(j, "threads"), 0), "reminders"), "days"),
			 4);
	json_decref(j);

	/* A contact's own chat (the firm allows them; Anna may). */
	body = fmt("{\"from_contact\": %lld, \"subject\": \"Question\", \"body\": \"Hi!\"}",
		   (long long)t->anna);
	j = call(t, "POST", "/api/v1/threads", body, 201);
	arr = jget(j, "threads");
	assert_string_equal(jstr(json_array_get(arr, 0), "created_by_kind"), "contact");
	assert_int_equal(jint(json_array_get(arr, 0), "created_by_id"), t->anna);
	json_decref(j);
	assert_int_equal(store_contact_set_may_create(t->s, t->anna, 0, &error), GW_OK);
	call_error(t, "POST", "/api/v1/threads", body, 422, "rule_violation", NULL,
		   "may not create");
	free(body);

	/* Refusals, each naming what was wrong. */
	const struct {
		char *body;
		int status;
		const char *code, *field, *msg;
	} cases[] = {
		{ fmt("{\"account_id\": %lld, \"from_staff\": %lld, \"subject\": \"s\", "
		      "\"body\": \"b\"}", (long long)t->birch, (long long)t->member),
		  403, "forbidden", "account_ids", "not assigned to staff" },
		{ fmt("{\"account_ids\": [%lld, %lld], \"from_staff\": %lld, \"subject\": \"s\", "
		      "\"body\": \"b\"}", (long long)t->acme, (long long)t->birch, (long long)lone),
		  403, "forbidden", "account_ids", NULL },
		{ fmt("{\"account_id\": 999, \"from_staff\": %lld, \"subject\": \"s\", "
		      "\"body\": \"b\"}", (long long)t->owner),
		  404, "not_found", "account_ids", "account 999" },
		{ fmt("{\"account_id\": %lld, \"from_staff\": 999, \"subject\": \"s\", "
		      "\"body\": \"b\"}", (long long)t->acme),
		  404, "not_found", "from_staff", "staff 999" },
		{ fmt("{\"account_id\": %lld, \"from_staff\": %lld, \"template\": \"nope\"}",
		      (long long)t->acme, (long long)t->owner),
		  404, "not_found", "template", "nope" },
		{ fmt("{\"account_id\": %lld, \"from_staff\": %lld, \"subject\": \"s\"}",
		      (long long)t->acme, (long long)t->owner),
		  400, "missing_field", "body", NULL },
		{ fmt("{\"account_id\": %lld, \"account_ids\": [1], \"from_staff\": %lld, "
		      "\"subject\": \"s\", \"body\": \"b\"}", (long long)t->acme,
		      (long long)t->owner),
		  400, "invalid_field", "account_ids", "exclude each other" },
		{ fmt("{\"account_ids\": [], \"from_staff\": %lld, \"subject\": \"s\", "
		      "\"body\": \"b\"}", (long long)t->owner),
		  400, "invalid_field", "account_ids", NULL },
		{ fmt("{\"account_ids\": [%lld, \"x\"], \"from_staff\": %lld, \"subject\": \"s\", "
		      "\"body\": \"b\"}", (long long)t->acme, (long long)t->owner),
		  400, "invalid_field", "account_ids", "account_ids[1]" },
		{ fmt("{\"account_ids\": [%lld, %lld], \"from_staff\": %lld, \"subject\": \"s\", "
		      "\"body\": \"b\"}", (long long)t->acme, (long long)t->acme,
		      (long long)t->owner),
		  422, "invalid_value", NULL, NULL },
		{ fmt("{\"account_id\": %lld, \"from_staff\": %lld, \"subject\": \"s\", "
		      "\"body\": \"b\", \"tasks\": [\"ok\", 3]}", (long long)t->acme,
		      (long long)t->owner),
		  400, "invalid_field", "tasks", "tasks[1]" },
		{ fmt("{\"account_id\": %lld, \"from_staff\": %lld, \"subject\": \"s\", "
		      "\"body\": \"b\", \"reminders\": {\"enabled\": true, \"days\": 0}}",
		      (long long)t->acme, (long long)t->owner),
		  422, "invalid_value", "reminders.days", "1..365" },
		{ fmt("{\"account_id\": %lld, \"from_staff\": %lld, \"subject\": \"s\", "
		      "\"body\": \"b\", \"reminders\": {\"enabled\": false, \"count\": 2}}",
		      (long long)t->acme, (long long)t->owner),
		  422, "invalid_value", "reminders.count", NULL },
		{ fmt("{\"account_id\": %lld, \"from_staff\": %lld, \"subject\": \"s\", "
		      "\"body\": \"Dear [CLIENT_NAME]\"}", (long long)t->acme, (long long)t->owner),
		  422, "invalid_value", NULL, "unknown shortcode [CLIENT_NAME]" },
		{ fmt("{\"from_contact\": %lld, \"from_staff\": %lld, \"subject\": \"s\", "
		      "\"body\": \"b\"}", (long long)t->clara, (long long)t->owner),
		  400, "invalid_field", "from_contact", "exclude each other" },
		{ fmt("{\"from_contact\": %lld, \"subject\": \"s\", \"body\": \"b\", "
		      "\"template\": \"yearend\"}", (long long)t->clara),
		  400, "unknown_field", "template", NULL },
		{ fmt("{\"from_contact\": 999, \"subject\": \"s\", \"body\": \"b\"}"),
		  404, "not_found", "from_contact", NULL },
	};
	for (size_t i = 0; i < GW_ARRAY_SIZE(cases); i++) {
		struct resp r = req(t, "POST", "/api/v1/threads", cases[i].body, NULL);
		char *what = fmt("case %zu: %s", i, cases[i].body);

		expect_error(what, &r, cases[i].status, cases[i].code, cases[i].field,
			     cases[i].msg);
		resp_free(&r);
		free(what);
		free(cases[i].body);
	}
}

/* ---- list ---- */

void test_api_threads_list_filters_and_unread(void **state)
{
	struct tfx *t = *state;
	char *error = NULL, *path;
	int64_t other = 0;
	json_t *j, *arr;
	struct store_chat_new chat = { 0 };

	chat.account_ids = &t->birch;
	chat.n_accounts = 1;
	chat.staff_id = t->owner;
	chat.subject = "Birch payroll";
	chat.body = "Payroll question.";
	assert_int_equal(store_chat_create(t->s, &chat, &other, &error), GW_OK);

	j = call(t, "GET", "/api/v1/threads", NULL, 200);
	arr = jget(j, "threads");
	assert_int_equal(json_array_size(arr), 2);
	assert_int_equal(jint(j, "limit"), 100);
	assert_true(json_is_null(jget(json_array_get(arr, 0), "unread_count")));
	json_decref(j);

	path = fmt("/api/v1/threads?account=%lld", (long long)t->birch);
	j = call(t, "GET", path, NULL, 200);
	arr = jget(j, "threads");
	assert_int_equal(json_array_size(arr), 1);
	assert_int_equal(jint(json_array_get(arr, 0), "id"), other);
	json_decref(j);
	free(path);

	/* Anna: only Acme's thread, with one unread message (the reminder
	 * note is for staff); none after reading. */
	path = fmt("/api/v1/threads?reader=contact:%lld", (long long)t->anna);
	j = call(t, "GET", path, NULL, 200);
	arr = jget(j, "threads");
	assert_int_equal(json_array_size(arr), 1);
	assert_int_equal(jint(json_array_get(arr, 0), "id"), t->thread);
	assert_int_equal(jint(json_array_get(arr, 0), "unread_count"), 1);
	json_decref(j);
	assert_int_equal(store_read_mark(t->s, t->thread, STORE_CONTACT, t->anna, 0, &error),
			 GW_OK);
	j = call(t, "GET", path, NULL, 200);
	assert_int_equal(jint(json_array_get(jget(j, "threads"), 0), "unread_count"), 0);
	json_decref(j);
	free(path);

	/* The member sees Acme only; a staff reader's list is what they see. */
	path = fmt("/api/v1/threads?reader=staff:%lld", (long long)t->member);
	j = call(t, "GET", path, NULL, 200);
	assert_int_equal(json_array_size(jget(j, "threads")), 1);
	json_decref(j);
	free(path);
	path = fmt("/api/v1/threads?staff=%lld", (long long)t->member);
	j = call(t, "GET", path, NULL, 200);
	assert_int_equal(json_array_size(jget(j, "threads")), 1);
	json_decref(j);
	free(path);

	/* Archived threads only on request. */
	assert_int_equal(store_thread_archive(t->s, other, 0, &error), GW_OK);
	j = call(t, "GET", "/api/v1/threads", NULL, 200);
	assert_int_equal(json_array_size(jget(j, "threads")), 1);
	json_decref(j);
	j = call(t, "GET", "/api/v1/threads?archived=true", NULL, 200);
	arr = jget(j, "threads");
	assert_int_equal(json_array_size(arr), 1);
	assert_true(jbool(json_array_get(arr, 0), "archived"));
	json_decref(j);
	j = call(t, "GET", "/api/v1/threads?archived=any&order=id&limit=1&offset=1", NULL, 200);
	arr = jget(j, "threads");
	assert_int_equal(json_array_size(arr), 1);
	assert_int_equal(jint(json_array_get(arr, 0), "id"), other);
	assert_int_equal(jint(j, "offset"), 1);
	json_decref(j);
	j = call(t, "GET", "/api/v1/threads?order=todo", NULL, 200);
	json_decref(j);

	call_error(t, "GET", "/api/v1/threads?reader=contact:999", NULL, 404, "not_found",
		   "reader", NULL);
	call_error(t, "GET", "/api/v1/threads?account=999", NULL, 404, "not_found", "account",
		   NULL);
	call_error(t, "GET", "/api/v1/threads?staff=999", NULL, 404, "not_found", "staff", NULL);
	call_error(t, "GET", "/api/v1/threads?order=newest", NULL, 400, "invalid_parameter",
		   "order", NULL);
}

/* ---- show ---- */

void test_api_threads_show_and_patch(void **state)
{
	struct tfx *t = *state;
	struct store_attachment_new att = { 0 };
	char *path = fmt("/api/v1/threads/%lld", (long long)t->thread), *q, *error = NULL;
	json_t *j, *arr;

	assert_int_equal(store_note_add(t->s, t->thread, "Staff only: check the stock.", 1, NULL,
					&error), GW_OK);
	att.thread_id = t->thread;
	att.uploader_kind = STORE_CONTACT;
	att.uploader_id = t->anna;
	att.file_name = "statements.pdf";
	att.content_type = "application/pdf";
	att.bytes = "%PDF-1.4";
	att.len = 8;
	assert_int_equal(store_attachment_add(t->s, &att, NULL, &error), GW_OK);

	j = call(t, "GET", path, NULL, 200);
	assert_int_equal(jint(j, "id"), t->thread);
	assert_string_equal(jstr(j, "account_name"), "Acme Bakery Ltd");
	arr = jget(j, "messages");
	/* first message, reminder note (for staff), staff-only note */
	assert_int_equal(json_array_size(arr), 3);
	assert_string_equal(jstr(json_array_get(arr, 0), "author_kind"), "staff");
	assert_true(jbool(json_array_get(arr, 2), "staff_only"));
	arr = jget(j, "tasks");
	assert_int_equal(json_array_size(arr), 2);
	assert_string_equal(jstr(json_array_get(arr, 0), "text"), "Upload the bank statements");
	assert_false(jbool(json_array_get(arr, 0), "done"));
	arr = jget(j, "attachments");
	assert_int_equal(json_array_size(arr), 1);
	assert_string_equal(jstr(json_array_get(arr, 0), "file_name"), "statements.pdf");
	assert_int_equal(jint(json_array_get(arr, 0), "size"), 8);
	assert_true(json_is_null(jget(j, "unread_count")));
	json_decref(j);

	/* As Anna sees it: no staff-only notes, her unread count. */
	q = fmt("%s?reader=contact:%lld", path, (long long)t->anna);
	j = call(t, "GET", q, NULL, 200);
	assert_int_equal(json_array_size(jget(j, "messages")), 1);
	assert_int_equal(jint(j, "unread_count"), 1);
	assert_true(json_is_null(jget(j, "reader_last_read")));
	json_decref(j);
	free(q);
	q = fmt("%s?staff_only=false", path);
	j = call(t, "GET", q, NULL, 200);
	assert_int_equal(json_array_size(jget(j, "messages")), 1);
	json_decref(j);
	free(q);
	q = fmt("%s?reader=contact:%lld", path, (long long)t->clara);
	call_error(t, "GET", q, NULL, 403, "forbidden", "reader", "belongs to account");
	free(q);
	q = fmt("%s?reader=staff:999", path);
	call_error(t, "GET", q, NULL, 404, "not_found", "reader", "staff 999");
	free(q);
	call_error(t, "GET", "/api/v1/threads/999", NULL, 404, "not_found", NULL,
		   "thread 999: no such thread");

	/* show_content on and off. */
	j = call(t, "PATCH", path, "{\"show_content\": true}", 200);
	assert_true(jbool(j, "show_content"));
	json_decref(j);
	j = call(t, "PATCH", path, "{\"show_content\": false}", 200);
	assert_false(jbool(j, "show_content"));
	json_decref(j);
	call_error(t, "PATCH", path, "{\"subject\": \"x\"}", 400, "unknown_field", "subject",
		   NULL);
	call_error(t, "PATCH", "/api/v1/threads/999", "{\"show_content\": true}", 404,
		   "not_found", NULL, NULL);
	free(path);
}

/* ---- messages ---- */

void test_api_messages_post_as_staff_and_contact(void **state)
{
	struct tfx *t = *state;
	char *path = fmt("/api/v1/threads/%lld/messages", (long long)t->thread), *body;
	char *error = NULL;
	int64_t before = rows_to(t, t->thread, "anna@acme.example");
	int wakes = t->wakes;
	json_t *j;

	body = fmt("{\"from_staff\": %lld, \"body\": \"Any news, Anna?\"}", (long long)t->member);
	j = call(t, "POST", path, body, 201);
	free(body);
	assert_string_equal(jstr(j, "author_kind"), "staff");
	assert_int_equal(jint(j, "author_id"), t->member);
	assert_int_equal(jint(j, "thread_id"), t->thread);
	assert_string_equal(jstr(j, "body"), "Any news, Anna?");
	json_decref(j);
	assert_int_equal(rows_to(t, t->thread, "anna@acme.example"), before + 1);
	assert_true(t->wakes > wakes);

	/* On behalf of a contact: staff are told. */
	body = fmt("{\"from_contact\": %lld, \"body\": \"Sent them by post.\"}",
		   (long long)t->anna);
	j = call(t, "POST", path, body, 201);
	free(body);
	assert_string_equal(jstr(j, "author_kind"), "contact");
	assert_string_equal(jstr(j, "author_name"), "Anna Baker");
	json_decref(j);
	assert_int_equal(rows_to(t, t->thread, "max@firm.example"), 1);

	body = fmt("{\"from_contact\": %lld, \"body\": \"Not mine\"}", (long long)t->clara);
	call_error(t, "POST", path, body, 403, "forbidden", "from_contact", "belongs to account");
	free(body);
	{
		int64_t lone = new_member(t, "Lone Member", "lone@firm.example");

		body = fmt("{\"from_staff\": %lld, \"body\": \"Hi\"}", (long long)lone);
		call_error(t, "POST", path, body, 403, "forbidden", "from_staff",
			   "not assigned to them");
		free(body);
	}
	call_error(t, "POST", path, "{\"from_contact\": 999, \"body\": \"x\"}", 404, "not_found",
		   "from_contact", "contact 999");
	body = fmt("{\"from_staff\": %lld, \"body\": \"\"}", (long long)t->member);
	call_error(t, "POST", path, body, 422, "invalid_value", "body", NULL);
	free(body);
	call_error(t, "POST", path, "{\"body\": \"x\"}", 400, "missing_field", "from_staff",
		   NULL);
	call_error(t, "POST", "/api/v1/threads/999/messages",
		   "{\"from_staff\": 1, \"body\": \"x\"}", 404, "not_found", NULL, "thread 999");
	assert_int_equal(store_thread_archive(t->s, t->thread, 0, &error), GW_OK);
	body = fmt("{\"from_staff\": %lld, \"body\": \"late\"}", (long long)t->member);
	call_error(t, "POST", path, body, 422, "rule_violation", NULL, "archived");
	free(body);
	free(path);
}

/* An internal note: staff see it with visibility "staff"; no contact is
 * mailed or shown it; a contact cannot write one; mentions are checked. */
void test_api_messages_internal_note(void **state)
{
	struct tfx *t = *state;
	char *path = fmt("/api/v1/threads/%lld/messages", (long long)t->thread), *body, *show;
	int64_t before = rows_to(t, t->thread, "anna@acme.example"), note;
	json_t *j, *arr;

	body = fmt("{\"from_staff\": %lld, \"body\": \"Call her first\", \"internal\": true}",
		   (long long)t->member);
	j = call(t, "POST", path, body, 201);
	free(body);
	assert_string_equal(jstr(j, "visibility"), "staff");
	assert_true(jbool(j, "staff_only"));
	note = jint(j, "id");
	json_decref(j);
	assert_int_equal(rows_to(t, t->thread, "anna@acme.example"), before);

	show = fmt("/api/v1/threads/%lld?reader=contact:%lld", (long long)t->thread,
		   (long long)t->anna);
	j = call(t, "GET", show, NULL, 200);
	arr = jget(j, "messages");
	for (size_t i = 0; i < json_array_size(arr); i++) {
		assert_int_not_equal(jint(json_array_get(arr, i), "id"), note);
		assert_string_equal(jstr(json_array_get(arr, i), "visibility"), "client");
	}
	json_decref(j);
	free(show);
	show = fmt("/api/v1/threads/%lld", (long long)t->thread);
	j = call(t, "GET", show, NULL, 200);
	arr = jget(j, "messages");
	json_t *last = json_array_get(arr, json_array_size(arr) - 1);
	assert_int_equal(jint(last, "id"), note);
	assert_string_equal(jstr(last, "visibility"), "staff");
	json_decref(j);
	free(show);

	body = fmt("{\"from_contact\": %lld, \"body\": \"psst\", \"internal\": true}",
		   (long long)t->anna);
	call_error(t, "POST", path, body, 422, "invalid_value", "internal", "only staff");
	free(body);
	body = fmt("{\"from_staff\": %lld, \"body\": \"x\", \"internal\": \"yes\"}",
		   (long long)t->member);
	call_error(t, "POST", path, body, 400, "invalid_field", "internal", NULL);
	free(body);
	body = fmt("{\"from_staff\": %lld, \"body\": \"@Nobody help\", \"internal\": true}",
		   (long long)t->member);
	call_error(t, "POST", path, body, 422, "invalid_value", "body",
		   "@Nobody: no colleague has that name");
	free(body);
	{
		new_member(t, "Lone Member", "lone@firm.example");
		body = fmt("{\"from_staff\": %lld, \"body\": \"@Lone Member see\"}",
			   (long long)t->owner);
		call_error(t, "POST", path, body, 422, "invalid_value", "body",
			   "Lone Member cannot see the account");
		free(body);
		body = fmt("{\"from_staff\": %lld, \"body\": \"@Lone Member see\","
			   " \"assign_mentioned\": true}", (long long)t->owner);
		j = call(t, "POST", path, body, 201);
		json_decref(j);
		free(body);
		assert_int_equal(rows_to(t, t->thread, "lone@firm.example"), 1);
	}
	free(path);
}

/* ---- tasks ---- */

void test_api_tasks_add_and_tick(void **state)
{
	struct tfx *t = *state;
	char *path = fmt("/api/v1/threads/%lld/tasks", (long long)t->thread), *tp, *body;
	char *error = NULL;
	json_t *j;

	j = call(t, "POST", path, "{\"text\": \"Sign the letter\"}", 201);
	assert_string_equal(jstr(j, "text"), "Sign the letter");
	assert_int_equal(jint(j, "position"), 3);
	assert_int_equal(jint(j, "thread_id"), t->thread);
	json_decref(j);
	call_error(t, "POST", path, "{\"text\": \"\"}", 422, "invalid_value", "text", NULL);
	call_error(t, "POST", "/api/v1/threads/999/tasks", "{\"text\": \"x\"}", 404, "not_found",
		   NULL, NULL);

	tp = fmt("%s/%lld", path, (long long)t->task1);
	body = fmt("{\"done\": true, \"by_contact\": %lld}", (long long)t->anna);
	j = call(t, "PATCH", tp, body, 200);
	free(body);
	assert_true(jbool(j, "done"));
	assert_string_equal(jstr(j, "done_by_kind"), "contact");
	assert_int_equal(jint(j, "done_by_id"), t->anna);
	json_decref(j);
	/* A contact's tick tells the staff. */
	assert_int_equal(rows_to(t, t->thread, "max@firm.example"), 1);
	body = fmt("{\"done\": false, \"by_staff\": %lld}", (long long)t->owner);
	j = call(t, "PATCH", tp, body, 200);
	free(body);
	assert_false(jbool(j, "done"));
	json_decref(j);

	body = fmt("{\"done\": true, \"by_contact\": %lld}", (long long)t->clara);
	call_error(t, "PATCH", tp, body, 403, "forbidden", "by_contact", NULL);
	free(body);
	call_error(t, "PATCH", tp, "{\"by_staff\": 1}", 400, "missing_field", "done", NULL);
	free(tp);
	/* A task of another thread is not this thread's. */
	{
		struct store_chat_new chat = { 0 };
		static const char *const one[] = { "Other task" };
		struct store_thread_view v = { 0 };
		int64_t other = 0;

		chat.account_ids = &t->acme;
		chat.n_accounts = 1;
		chat.staff_id = t->owner;
		chat.subject = "Other";
		chat.body = "Other.";
		chat.tasks = one;
		chat.n_tasks = 1;
		assert_int_equal(store_chat_create(t->s, &chat, &other, &error), GW_OK);
		assert_int_equal(store_thread_show(t->s, other, 0, 0, 1, &v, &error), GW_OK);
		tp = fmt("%s/%lld", path, (long long)v.tasks[0].id);
		store_thread_view_clear(&v);
		body = fmt("{\"done\": true, \"by_staff\": %lld}", (long long)t->owner);
		call_error(t, "PATCH", tp, body, 404, "not_found", NULL, "no task");
		free(body);
		free(tp);
	}
	assert_int_equal(store_thread_archive(t->s, t->thread, 0, &error), GW_OK);
	call_error(t, "POST", path, "{\"text\": \"late\"}", 422, "rule_violation", NULL,
		   "archived");
	free(path);
}

/* ---- read, archive, reopen, resend ---- */

void test_api_read_archive_reopen_resend(void **state)
{
	struct tfx *t = *state;
	char *base = fmt("/api/v1/threads/%lld", (long long)t->thread), *p, *body;
	int64_t lone = new_member(t, "Lone Member", "lone@firm.example");
	json_t *j;

	p = fmt("%s/read", base);
	body = fmt("{\"by_contact\": %lld}", (long long)t->anna);
	j = call(t, "POST", p, body, 200);
	free(body);
	assert_int_equal(jint(j, "unread_count"), 0);
	json_decref(j);
	call_error(t, "POST", p, "{\"by_staff\": 1, \"up_to\": 99999}", 404, "not_found", "up_to",
		   NULL);
	body = fmt("{\"by_contact\": %lld}", (long long)t->clara);
	call_error(t, "POST", p, body, 403, "forbidden", "by_contact", NULL);
	free(body);
	free(p);

	p = fmt("%s/archive", base);
	j = call(t, "POST", p, NULL, 200);
	assert_true(jbool(j, "archived"));
	assert_false(json_is_null(jget(j, "archived_at")));
	json_decref(j);
	body = fmt("{\"by_staff\": %lld}", (long long)lone);
	call_error(t, "POST", p, body, 403, "forbidden", "by_staff", NULL);
	free(body);
	call_error(t, "POST", p, "{\"by_contact\": 1}", 400, "unknown_field", "by_contact", NULL);
	free(p);

	p = fmt("%s/reopen", base);
	body = fmt("{\"by_staff\": %lld}", (long long)t->member);
	j = call(t, "POST", p, body, 200);
	free(body);
	assert_false(jbool(j, "archived"));
	json_decref(j);
	free(p);

	p = fmt("%s/resend", base);
	j = call(t, "POST", p, "{}", 200);
	/* Anna only: Ben has notify off. */
	assert_int_equal(jint(j, "queued"), 1);
	assert_int_equal(jint(j, "thread_id"), t->thread);
	json_decref(j);
	free(p);

	call_error(t, "POST", "/api/v1/threads/999/archive", NULL, 404, "not_found", NULL, NULL);
	call_error(t, "POST", "/api/v1/threads/999/reopen", NULL, 404, "not_found", NULL, NULL);
	call_error(t, "POST", "/api/v1/threads/999/resend", NULL, 404, "not_found", NULL, NULL);
	call_error(t, "POST", "/api/v1/threads/999/read", "{\"by_staff\": 1}", 404, "not_found",
		   NULL, NULL);
	free(base);
}

/* ---- reminders ---- */

void test_api_reminders_set(void **state)
{
	struct tfx *t = *state;
	struct store_thread_view v = { 0 };
	char *p = fmt("/api/v1/threads/%lld/reminders", (long long)t->thread), *error = NULL;
	json_t *j;

	j = call(t, "PUT", p, "{\"enabled\": true, \"days\": 5, \"count\": 3}", 200);
	assert_true(jbool(j, "enabled"));
	assert_int_equal(jint(j, "days"), 5);
	assert_int_equal(jint(j, "count"), 3);
	assert_int_equal(jint(j, "remaining"), 3);
	assert_string_equal(jstr(j, "next_due"), "2026-11-30T09:00:00Z");
	json_decref(j);
	/* Staff see a note saying so; the client sees the banner instead. */
	assert_int_equal(store_thread_show(t->s, t->thread, STORE_STAFF, 0, 1, &v, &error),
			 GW_OK);
	assert_non_null(strstr(v.messages[v.n_messages - 1].body, "5 days"));
	assert_int_equal(v.messages[v.n_messages - 1].staff_only, 1);
	store_thread_view_clear(&v);

	j = call(t, "PUT", p, "{\"enabled\": false}", 200);
	assert_false(jbool(j, "enabled"));
	assert_true(json_is_null(jget(j, "next_due")));
	json_decref(j);

	call_error(t, "PUT", p, "{\"days\": 5}", 400, "missing_field", "enabled", NULL);
	call_error(t, "PUT", p, "{\"enabled\": true, \"days\": 400}", 422, "invalid_value", "days",
		   "1..365");
	call_error(t, "PUT", p, "{\"enabled\": true, \"count\": 51}", 422, "invalid_value",
		   "count", "1..50");
	call_error(t, "PUT", p, "{\"enabled\": true, \"by_staff\": 999}", 404, "not_found",
		   "by_staff", NULL);
	call_error(t, "PUT", "/api/v1/threads/999/reminders", "{\"enabled\": true}", 404,
		   "not_found", NULL, NULL);
	free(p);
}

/* ---- links ---- */

static void verify(struct tfx *t, json_t *link, enum link_principal kind, int64_t who,
		   enum link_verdict want)
{
	struct link_claims cl;
	const char *url = jstr(link, "url"), *token = jstr(link, "token");
	char *prefix = fmt("%s/v/", BASE_URL);
	enum link_verdict v;

	assert_memory_equal(url, prefix, strlen(prefix));
	assert_string_equal(url + strlen(prefix), token);
	v = link_verify(t->keys, token, LINK_VIEW, clock_now(), store_link_generation, t->s, &cl);
	if (v != want)
		fail_msg("link %s: %s, want %s", token, link_verdict_name(v),
			 link_verdict_name(want));
	assert_int_equal(cl.thread_id, t->thread);
	assert_int_equal(cl.kind, kind);
	assert_int_equal(cl.principal_id, who);
	/* [links] view_ttl = 7d */
	assert_int_equal(cl.expires, T0 + 7 * 86400);
	free(prefix);
}

void test_api_links_minted_and_verified(void **state)
{
	struct tfx *t = *state;
	char *p = fmt("/api/v1/threads/%lld/links", (long long)t->thread), *body, *token;
	char *revoke = fmt("/api/v1/contacts/%lld/revoke", (long long)t->anna);
	struct link_claims cl;
	json_t *j;

	body = fmt("{\"for_contact\": %lld}", (long long)t->anna);
	j = call(t, "POST", p, body, 200);
	free(body);
	verify(t, j, LINK_CONTACT, t->anna, LINK_OK);
	assert_string_equal(jstr(j, "principal_kind"), "contact");
	assert_string_equal(jstr(j, "expires"), "2026-12-02T09:00:00Z");
	token = xstrdup(jstr(j, "token"));
	json_decref(j);

	body = fmt("{\"for_staff\": %lld}", (long long)t->owner);
	j = call(t, "POST", p, body, 200);
	free(body);
	verify(t, j, LINK_STAFF, t->owner, LINK_OK);
	json_decref(j);

	/* Revoking the contact (through the API) revokes the link. */
	json_decref(call(t, "POST", revoke, NULL, 200));
	assert_int_equal(link_verify(t->keys, token, LINK_VIEW, clock_now(), store_link_generation,
				     t->s, &cl), LINK_REVOKED);
	free(token);

	body = fmt("{\"for_contact\": %lld}", (long long)t->clara);
	call_error(t, "POST", p, body, 403, "forbidden", "for_contact", "belongs to account");
	free(body);
	{
		int64_t lone = new_member(t, "Lone Member", "lone@firm.example");

		body = fmt("{\"for_staff\": %lld}", (long long)lone);
		call_error(t, "POST", p, body, 403, "forbidden", "for_staff", "may not see");
		free(body);
	}
	call_error(t, "POST", p, "{\"for_contact\": 999}", 404, "not_found", "for_contact",
		   "contact 999");
	call_error(t, "POST", p, "{}", 400, "missing_field", "for_staff", NULL);
	call_error(t, "POST", "/api/v1/threads/999/links", "{\"for_staff\": 1}", 404, "not_found",
		   NULL, "thread 999");
	free(p);
	free(revoke);
}

/* ---- outbox and inbound logs ---- */

void test_api_outbox_and_inbound_logs(void **state)
{
	struct tfx *t = *state;
	struct store_inbound_in in = { 0 };
	char *error = NULL, *p;
	json_t *j, *arr;
	int64_t id;

	j = call(t, "GET", "/api/v1/outbox", NULL, 200);
	arr = jget(j, "outbox");
	assert_int_equal(json_array_size(arr), 1);   /* the seed's email to Anna */
	assert_string_equal(jstr(json_array_get(arr, 0), "status"), "queued");
	assert_string_equal(jstr(json_array_get(arr, 0), "kind"), "new_message");
	assert_string_equal(jstr(json_array_get(arr, 0), "recipient_address"),
			    "anna@acme.example");
	id = jint(json_array_get(arr, 0), "id");
	json_decref(j);

	/* A failed delivery shows its reason. */
	assert_int_equal(store_outbox_fail(t->s, id, "550 5.1.1 no such user", &error), GW_OK);
	j = call(t, "GET", "/api/v1/outbox?status=failed", NULL, 200);
	arr = jget(j, "outbox");
	assert_int_equal(json_array_size(arr), 1);
	assert_string_equal(jstr(json_array_get(arr, 0), "last_error"), "550 5.1.1 no such user");
	json_decref(j);
	j = call(t, "GET", "/api/v1/outbox?status=queued", NULL, 200);
	assert_int_equal(json_array_size(jget(j, "outbox")), 0);
	json_decref(j);
	assert_int_equal(store_thread_resend(t->s, t->thread, 0, NULL, &error), GW_OK);
	p = fmt("/api/v1/outbox?thread=%lld&limit=1", (long long)t->thread);
	j = call(t, "GET", p, NULL, 200);
	arr = jget(j, "outbox");
	assert_int_equal(json_array_size(arr), 1);
	assert_string_equal(jstr(json_array_get(arr, 0), "kind"), "resend");
	json_decref(j);
	free(p);
	p = fmt("/api/v1/outbox/%lld", (long long)id);
	j = call(t, "GET", p, NULL, 200);
	assert_int_equal(jint(j, "id"), id);
	assert_string_equal(jstr(j, "status"), "failed");
	json_decref(j);
	free(p);
	call_error(t, "GET", "/api/v1/outbox/99999", NULL, 404, "not_found", NULL, NULL);
	call_error(t, "GET", "/api/v1/outbox?thread=999", NULL, 404, "not_found", "thread", NULL);

	/* The inbound log, as gatewayd-pipe writes it. */
	in.sender = "anna@acme.example";
	in.recipient = "reply+abc@reply.firm.example";
	in.message_id = "m1@acme.example";
	in.size = 1234;
	in.verdict = "explained";
	in.thread_id = t->thread;
	in.reason = "human reply";
	assert_int_equal(store_inbound_log(t->s, &in, NULL, &error), GW_OK);
	in.sender = "noreply@shop.example";
	in.message_id = "m2@shop.example";
	in.verdict = "auto";
	in.thread_id = 0;
	in.reason = "Auto-Submitted: auto-replied";
	assert_int_equal(store_inbound_log(t->s, &in, NULL, &error), GW_OK);
	in.sender = "";
	in.message_id = NULL;
	in.verdict = "bounce";
	in.thread_id = t->thread;
	in.reason = "550 mailbox unavailable";
	assert_int_equal(store_inbound_log(t->s, &in, NULL, &error), GW_OK);

	j = call(t, "GET", "/api/v1/inbound", NULL, 200);
	arr = jget(j, "inbound");
	assert_int_equal(json_array_size(arr), 3);
	assert_string_equal(jstr(json_array_get(arr, 0), "verdict"), "bounce");  /* newest first */
	assert_true(json_is_null(jget(json_array_get(arr, 0), "message_id")));
	json_decref(j);
	j = call(t, "GET", "/api/v1/inbound?verdict=auto", NULL, 200);
	arr = jget(j, "inbound");
	assert_int_equal(json_array_size(arr), 1);
	assert_string_equal(jstr(json_array_get(arr, 0), "reason"), "Auto-Submitted: auto-replied");
	json_decref(j);
	p = fmt("/api/v1/inbound?thread=%lld&limit=1", (long long)t->thread);
	j = call(t, "GET", p, NULL, 200);
	arr = jget(j, "inbound");
	assert_int_equal(json_array_size(arr), 1);
	assert_string_equal(jstr(json_array_get(arr, 0), "verdict"), "bounce");
	json_decref(j);
	free(p);
	j = call(t, "GET", "/api/v1/inbound?sender=ANNA@acme.example", NULL, 200);
	assert_int_equal(json_array_size(jget(j, "inbound")), 1);
	json_decref(j);
	j = call(t, "GET", "/api/v1/inbound?limit=2", NULL, 200);
	assert_int_equal(json_array_size(jget(j, "inbound")), 2);
	json_decref(j);
	call_error(t, "GET", "/api/v1/inbound?limit=0", NULL, 400, "invalid_parameter", "limit",
		   NULL);
	call_error(t, "POST", "/api/v1/inbound", "{}", 405, "method_not_allowed", NULL, NULL);
}
