/*
 * test_api_people.c - the JSON API's endpoints about who is who: the
 * firm's settings, accounts (with 409 on a duplicate name), contacts
 * (defaults, changes, revocation), staff (roles, assignment) and templates
 * (create, replace, delete).  The fixture is in test_api_util.c.
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

void test_api_firm_get_and_patch(void **state);
void test_api_accounts(void **state);
void test_api_contacts(void **state);
void test_api_contact_away_until(void **state);
void test_api_contact_email_change_revokes_links(void **state);
void test_api_contact_remove_keeps_history_and_stops_mail(void **state);
void test_api_staff(void **state);
void test_api_templates(void **state);

/* ---- firm ---- */

void test_api_firm_get_and_patch(void **state)
{
	struct tfx *t = *state;
	json_t *j;

	j = call(t, "GET", "/api/v1/firm", NULL, 200);
	assert_string_equal(jstr(j, "name"), "Example & Partners");
	assert_true(jbool(j, "allow_client_chats"));
	assert_true(json_is_null(jget(j, "notify_display_name")));
	json_decref(j);
	j = call(t, "PATCH", "/api/v1/firm",
		 "{\"allow_client_chats\": false, \"notify_display_name\": \"Chat desk\"}", 200);
	assert_string_equal(jstr(j, "name"), "Example & Partners");
	assert_false(jbool(j, "allow_client_chats"));
	assert_string_equal(jstr(j, "notify_display_name"), "Chat desk");
	json_decref(j);
	j = call(t, "PATCH", "/api/v1/firm", "{\"name\": \"Example LLP\", "
		 "\"notify_display_name\": null}", 200);
	assert_string_equal(jstr(j, "name"), "Example LLP");
	assert_true(json_is_null(jget(j, "notify_display_name")));
	json_decref(j);
	j = call(t, "GET", "/api/v1/firm", NULL, 200);
	assert_string_equal(jstr(j, "name"), "Example LLP");
	assert_false(jbool(j, "allow_client_chats"));
	json_decref(j);
	call_error(t, "PATCH", "/api/v1/firm", "{\"name\": \"\"}", 422, "invalid_value", "name",
		   NULL);
	call_error(t, "PATCH", "/api/v1/firm", "{\"allow_client_chats\": 1}", 400,
		   "invalid_field", "allow_client_chats", NULL);
}

/* ---- accounts ---- */

void test_api_accounts(void **state)
{
	struct tfx *t = *state;
	char *path;
	json_t *j, *a;

	j = call(t, "GET", "/api/v1/accounts", NULL, 200);
	a = jget(j, "accounts");
	assert_int_equal(json_array_size(a), 2);
	assert_string_equal(jstr(json_array_get(a, 0), "name"), "Acme Bakery Ltd");
	assert_non_null(jstr(json_array_get(a, 0), "created_at"));
	json_decref(j);

	j = call(t, "POST", "/api/v1/accounts", "{\"name\": \"Cedar Ltd\"}", 201);
	assert_string_equal(jstr(j, "name"), "Cedar Ltd");
	assert_string_equal(jstr(j, "created_at"), "2026-11-25T09:00:00Z");
	path = fmt("/api/v1/accounts/%lld", (long long)jint(j, "id"));
	json_decref(j);
	j = call(t, "GET", path, NULL, 200);
	assert_string_equal(jstr(j, "name"), "Cedar Ltd");
	assert_int_equal(json_array_size(jget(j, "assigned_staff")), 0);
	json_decref(j);
	free(path);

	path = fmt("/api/v1/accounts/%lld", (long long)t->acme);
	j = call(t, "GET", path, NULL, 200);
	a = jget(j, "assigned_staff");
	assert_int_equal(json_array_size(a), 1);
	assert_int_equal(jint(json_array_get(a, 0), "id"), t->member);
	json_decref(j);
	free(path);

	/* Accounts a staff member sees. */
	path = fmt("/api/v1/accounts?staff=%lld", (long long)t->member);
	j = call(t, "GET", path, NULL, 200);
	assert_int_equal(json_array_size(jget(j, "accounts")), 1);
	json_decref(j);
	free(path);

	call_error(t, "POST", "/api/v1/accounts", "{\"name\": \"acme bakery ltd\"}", 409,
		   "conflict", "name", "already exists");
	call_error(t, "POST", "/api/v1/accounts", "{\"name\": \"\"}", 422, "invalid_value",
		   "name", NULL);
	call_error(t, "GET", "/api/v1/accounts/999", NULL, 404, "not_found", NULL,
		   "account 999");
	call_error(t, "GET", "/api/v1/accounts?staff=999", NULL, 404, "not_found", "staff",
		   "staff 999");
}

/* ---- contacts ---- */

void test_api_contacts(void **state)
{
	struct tfx *t = *state;
	char *path, *body;
	json_t *j, *c;
	int64_t id;

	j = call(t, "GET", "/api/v1/contacts", NULL, 200);
	assert_int_equal(json_array_size(jget(j, "contacts")), 3);
	json_decref(j);
	path = fmt("/api/v1/contacts?account=%lld", (long long)t->acme);
	j = call(t, "GET", path, NULL, 200);
	c = jget(j, "contacts");
	assert_int_equal(json_array_size(c), 2);
	assert_int_equal(jint(json_array_get(c, 0), "id"), t->anna);
	assert_false(jbool(json_array_get(c, 1), "notify"));
	json_decref(j);
	free(path);

	/* Defaults: notify on, may not create chats (as gatewayctl contact add). */
	body = fmt("{\"account_id\": %lld, \"name\": \"Dora Dough\", "
		   "\"email\": \"dora@acme.example\"}", (long long)t->acme);
	j = call(t, "POST", "/api/v1/contacts", body, 201);
	id = jint(j, "id");
	assert_int_equal(jint(j, "account_id"), t->acme);
	assert_true(jbool(j, "notify"));
	assert_false(jbool(j, "may_create_chats"));
	assert_string_equal(jstr(j, "email_status"), "ok");
	assert_int_equal(jint(j, "generation"), 1);
	json_decref(j);
	call_error(t, "POST", "/api/v1/contacts", body, 409, "conflict", "email", NULL);
	free(body);
	body = fmt("{\"account_id\": %lld, \"name\": \"Eve\", \"email\": \"eve@birch.example\", "
		   "\"notify\": false, \"may_create_chats\": true}", (long long)t->birch);
	j = call(t, "POST", "/api/v1/contacts", body, 201);
	assert_false(jbool(j, "notify"));
	assert_true(jbool(j, "may_create_chats"));
	json_decref(j);
	free(body);
	call_error(t, "POST", "/api/v1/contacts", "{\"account_id\": 999, \"name\": \"N\", "
		   "\"email\": \"n@x.example\"}", 404, "not_found", "account_id", NULL);
	call_error(t, "POST", "/api/v1/contacts", "{\"account_id\": 1, \"name\": \"N\", "
		   "\"email\": \"not an address\"}", 422, "invalid_value", "email", NULL);

	path = fmt("/api/v1/contacts/%lld", (long long)id);
	j = call(t, "GET", path, NULL, 200);
	assert_string_equal(jstr(j, "name"), "Dora Dough");
	json_decref(j);
	j = call(t, "PATCH", path, "{\"notify\": false, \"may_create_chats\": true, "
		 "\"email\": \"dora@dough.example\"}", 200);
	assert_false(jbool(j, "notify"));
	assert_true(jbool(j, "may_create_chats"));
	assert_string_equal(jstr(j, "email"), "dora@dough.example");
	json_decref(j);
	call_error(t, "PATCH", path, "{\"email\": \"anna@acme.example\"}", 409, "conflict",
		   "email", NULL);
	/* language and zone: set, refused, given back to the firm's (null) */
	j = call(t, "GET", path, NULL, 200);
	assert_true(json_is_null(jget(j, "language")));
	assert_true(json_is_null(jget(j, "timezone")));
	json_decref(j);
	j = call(t, "PATCH", path, "{\"language\": \"fr\", \"timezone\": \"Europe/Paris\"}", 200);
	assert_string_equal(jstr(j, "language"), "fr");
	assert_string_equal(jstr(j, "timezone"), "Europe/Paris");
	json_decref(j);
	call_error(t, "PATCH", path, "{\"language\": \"de\"}", 422, "invalid_value", "language",
		   NULL);
	call_error(t, "PATCH", path, "{\"timezone\": \"Mars/Olympus\"}", 422, "invalid_value",
		   "timezone", NULL);
	call_error(t, "PATCH", path, "{\"language\": 3}", 400, "invalid_field", "language", NULL);
	j = call(t, "PATCH", path, "{\"timezone\": null}", 200);
	assert_string_equal(jstr(j, "language"), "fr");
	assert_true(json_is_null(jget(j, "timezone")));
	json_decref(j);
	free(path);

	path = fmt("/api/v1/contacts/%lld/revoke", (long long)id);
	j = call(t, "POST", path, NULL, 200);
	assert_int_equal(jint(j, "generation"), 3);  /* the new address bumped it too */
	json_decref(j);
	free(path);

	/* Bouncing: shown with since and why; staff clear it. */
	{
		char *err = NULL;

		if (store_contact_mark_bouncing(t->s, id, "5.1.1 550 user unknown", &err) != GW_OK)
			fail_msg("mark bouncing: %s", err);
	}
	path = fmt("/api/v1/contacts/%lld", (long long)id);
	j = call(t, "GET", path, NULL, 200);
	assert_string_equal(jstr(j, "email_status"), "bouncing");
	assert_string_equal(jstr(j, "bounce_reason"), "5.1.1 550 user unknown");
	assert_true(json_is_string(jget(j, "bounced_at")));
	json_decref(j);
	free(path);
	path = fmt("/api/v1/contacts/%lld/clear-bounce", (long long)id);
	j = call(t, "POST", path, NULL, 200);
	assert_string_equal(jstr(j, "email_status"), "ok");
	assert_true(json_is_null(jget(j, "bounce_reason")));
	assert_true(json_is_null(jget(j, "bounced_at")));
	json_decref(j);
	call_error(t, "POST", path, "{\"x\": 1}", 400, "unknown_field", "x", NULL);
	free(path);
	call_error(t, "POST", "/api/v1/contacts/999/clear-bounce", NULL, 404, "not_found", NULL,
		   NULL);

	call_error(t, "GET", "/api/v1/contacts/999", NULL, 404, "not_found", NULL,
		   "contact 999");
	call_error(t, "PATCH", "/api/v1/contacts/999", "{\"notify\": true}", 404, "not_found",
		   NULL, NULL);
	call_error(t, "POST", "/api/v1/contacts/999/revoke", NULL, 404, "not_found", NULL,
		   NULL);
	call_error(t, "GET", "/api/v1/contacts?account=999", NULL, 404, "not_found", "account",
		   NULL);
}

/* ---- a contact's address, and removing a contact ---- */

/* A View-chat link for anna in the seeded thread (malloc'd token). */
static char *anna_link(struct tfx *t)
{
	char *p = fmt("/api/v1/threads/%lld/links", (long long)t->thread);
	char *body = fmt("{\"for_contact\": %lld}", (long long)t->anna), *token;
	json_t *j = call(t, "POST", p, body, 200);

	token = xstrdup(jstr(j, "token"));
	json_decref(j);
	free(body);
	free(p);
	return token;
}

static enum link_verdict check_link(struct tfx *t, const char *token)
{
	struct link_claims cl;

	return link_verify(t->keys, token, LINK_VIEW, clock_now(), store_link_generation, t->s,
			   &cl);
}

/* Anna's outbox rows of the seeded thread with this status (0 = any). */
static int anna_rows(struct tfx *t, enum store_out_status status)
{
	struct store_outbox_list list = { 0 };
	char *error = NULL;
	int n = 0;

	if (store_outbox_list(t->s, status, t->thread, 0, &list, &error) != GW_OK)
		fail_msg("outbox: %s", error);
	for (size_t i = 0; i < list.count; i++)
		n += list.items[i].recipient_kind == STORE_CONTACT &&
		     list.items[i].recipient_id == t->anna;
	store_outbox_list_free(&list);
	return n;
}

/* The links sent to the old address stop working; another case of the
 * same address is the same mailbox and leaves them alone. */
void test_api_contact_email_change_revokes_links(void **state)
{
	struct tfx *t = *state;
	char *path = fmt("/api/v1/contacts/%lld", (long long)t->anna), *token = anna_link(t);
	json_int_t gen;
	json_t *j;

	assert_int_equal(check_link(t, token), LINK_OK);
	j = call(t, "GET", path, NULL, 200);
	gen = jint(j, "generation");
	json_decref(j);

	j = call(t, "PATCH", path, "{\"email\": \"ANNA@acme.example\"}", 200);
	assert_int_equal(jint(j, "generation"), gen);
	json_decref(j);
	assert_int_equal(check_link(t, token), LINK_OK);

	j = call(t, "PATCH", path, "{\"email\": \"anna.baker@new.example\"}", 200);
	assert_string_equal(jstr(j, "email"), "anna.baker@new.example");
	assert_int_equal(jint(j, "generation"), gen + 1);
	json_decref(j);
	assert_int_equal(check_link(t, token), LINK_REVOKED);
	free(token);
	/* a link minted now is good */
	token = anna_link(t);
	assert_int_equal(check_link(t, token), LINK_OK);
	free(token);
	free(path);
}

void test_api_contact_remove_keeps_history_and_stops_mail(void **state)
{
	struct tfx *t = *state;
	char *path = fmt("/api/v1/contacts/%lld", (long long)t->anna);
	char *remove = fmt("/api/v1/contacts/%lld/remove", (long long)t->anna);
	char *messages = fmt("/api/v1/threads/%lld/messages", (long long)t->thread);
	char *thread = fmt("/api/v1/threads/%lld", (long long)t->thread);
	char *links = fmt("/api/v1/threads/%lld/links", (long long)t->thread);
	char *body, *token = anna_link(t), *removed_at;
	json_int_t gen;
	json_t *j, *arr;
	size_t i, found = 0;

	j = call(t, "GET", path, NULL, 200);
	assert_true(json_is_null(jget(j, "removed_at")));
	gen = jint(j, "generation");
	json_decref(j);
	/* Anna wrote in the thread, and a staff message is queued to her. */
	body = fmt("{\"from_contact\": %lld, \"body\": \"Here are the invoices.\"}",
		   (long long)t->anna);
	json_decref(call(t, "POST", messages, body, 201));
	free(body);
	body = fmt("{\"from_staff\": %lld, \"body\": \"Thank you.\"}", (long long)t->owner);
	json_decref(call(t, "POST", messages, body, 201));
	assert_true(anna_rows(t, STORE_OUT_QUEUED) >= 1);

	j = call(t, "POST", remove, NULL, 200);
	assert_int_equal(jint(j, "id"), t->anna);
	assert_string_equal(jstr(j, "removed_at"), "2026-11-25T09:00:00Z");
	assert_false(jbool(j, "notify"));
	assert_int_equal(jint(j, "generation"), gen + 1);
	removed_at = xstrdup(jstr(j, "removed_at"));
	json_decref(j);
	/* No more email: what was queued is cancelled, nothing new queued. */
	assert_int_equal(anna_rows(t, STORE_OUT_QUEUED), 0);
	assert_int_equal(anna_rows(t, STORE_OUT_FAILED), anna_rows(t, 0));
	json_decref(call(t, "POST", messages, body, 201));
	free(body);
	assert_int_equal(anna_rows(t, STORE_OUT_QUEUED), 0);
	/* Links dead, and no new one. */
	assert_int_equal(check_link(t, token), LINK_REVOKED);
	body = fmt("{\"for_contact\": %lld}", (long long)t->anna);
	call_error(t, "POST", links, body, 403, "forbidden", "for_contact", "was removed");
	free(body);
	/* History kept: her message is in the thread, the record in lists. */
	j = call(t, "GET", thread, NULL, 200);
	arr = jget(j, "messages");
	for (i = 0; i < json_array_size(arr); i++)
		found += strcmp(jstr(json_array_get(arr, i), "author_kind"), "contact") == 0 &&
			 jint(json_array_get(arr, i), "author_id") == t->anna;
	assert_int_equal(found, 1);
	json_decref(j);
	j = call(t, "GET", path, NULL, 200);
	assert_string_equal(jstr(j, "removed_at"), removed_at);
	json_decref(j);

	/* Twice is fine and changes nothing. */
	j = call(t, "POST", remove, NULL, 200);
	assert_string_equal(jstr(j, "removed_at"), removed_at);
	assert_int_equal(jint(j, "generation"), gen + 1);
	json_decref(j);
	/* A removed contact is not changed back. */
	call_error(t, "PATCH", path, "{\"email\": \"anna@elsewhere.example\"}", 422,
		   "rule_violation", "email", "was removed");
	call_error(t, "PATCH", path, "{\"notify\": true}", 422, "rule_violation", "notify",
		   "was removed");
	j = call(t, "GET", path, NULL, 200);
	assert_string_equal(jstr(j, "email"), "anna@acme.example");
	json_decref(j);

	call_error(t, "POST", remove, "{\"x\": 1}", 400, "unknown_field", "x", NULL);
	call_error(t, "POST", "/api/v1/contacts/999/remove", NULL, 404, "not_found", NULL, NULL);
	free(removed_at);
	free(token);
	free(path);
	free(remove);
	free(messages);
	free(thread);
	free(links);
}

/* ---- staff ---- */

void test_api_staff(void **state)
{
	struct tfx *t = *state;
	char *path;
	json_t *j;
	int64_t id;

	j = call(t, "GET", "/api/v1/staff", NULL, 200);
	assert_int_equal(json_array_size(jget(j, "staff")), 2);
	json_decref(j);
	j = call(t, "POST", "/api/v1/staff", "{\"name\": \"Nina New\", "
		 "\"email\": \"nina@firm.example\"}", 201);
	id = jint(j, "id");
	assert_string_equal(jstr(j, "role"), "member");
	assert_true(jbool(j, "notify"));
	json_decref(j);
	j = call(t, "POST", "/api/v1/staff", "{\"name\": \"Adam Admin\", "
		 "\"email\": \"adam@firm.example\", \"role\": \"admin\", \"notify\": false}", 201);
	assert_string_equal(jstr(j, "role"), "admin");
	assert_false(jbool(j, "notify"));
	json_decref(j);
	call_error(t, "POST", "/api/v1/staff", "{\"name\": \"Dup\", "
		   "\"email\": \"OLIVIA@firm.example\"}", 409, "conflict", "email", NULL);

	path = fmt("/api/v1/staff/%lld", (long long)id);
	j = call(t, "GET", path, NULL, 200);
	assert_string_equal(jstr(j, "email"), "nina@firm.example");
	json_decref(j);
	j = call(t, "PATCH", path, "{\"role\": \"admin\", \"notify\": false}", 200);
	assert_string_equal(jstr(j, "role"), "admin");
	assert_false(jbool(j, "notify"));
	json_decref(j);
	j = call(t, "PATCH", path, "{\"role\": \"member\"}", 200);
	json_decref(j);
	free(path);

	/* Assignment: PUT and DELETE, both idempotent. */
	path = fmt("/api/v1/staff/%lld/accounts", (long long)id);
	j = call(t, "GET", path, NULL, 200);
	assert_int_equal(json_array_size(jget(j, "accounts")), 0);
	json_decref(j);
	free(path);
	path = fmt("/api/v1/staff/%lld/accounts/%lld", (long long)id, (long long)t->birch);
	for (int i = 0; i < 2; i++) {
		j = call(t, "PUT", path, NULL, 200);
		assert_true(jbool(j, "assigned"));
		json_decref(j);
	}
	free(path);
	path = fmt("/api/v1/staff/%lld/accounts", (long long)id);
	j = call(t, "GET", path, NULL, 200);
	assert_int_equal(json_array_size(jget(j, "accounts")), 1);
	assert_int_equal(jint(json_array_get(jget(j, "accounts"), 0), "id"), t->birch);
	json_decref(j);
	free(path);
	path = fmt("/api/v1/staff/%lld/accounts/%lld", (long long)id, (long long)t->birch);
	j = call(t, "DELETE", path, NULL, 200);
	assert_false(jbool(j, "assigned"));
	json_decref(j);
	free(path);
	path = fmt("/api/v1/staff/%lld/accounts/999", (long long)id);
	call_error(t, "PUT", path, NULL, 404, "not_found", NULL, "account 999");
	free(path);

	path = fmt("/api/v1/staff/%lld/revoke", (long long)id);
	j = call(t, "POST", path, NULL, 200);
	assert_int_equal(jint(j, "generation"), 2);
	json_decref(j);
	free(path);

	call_error(t, "GET", "/api/v1/staff/999", NULL, 404, "not_found", NULL, "staff 999");
	call_error(t, "PATCH", "/api/v1/staff/999", "{\"role\": \"admin\"}", 404, "not_found",
		   NULL, NULL);
	call_error(t, "GET", "/api/v1/staff/999/accounts", NULL, 404, "not_found", NULL, NULL);
	call_error(t, "PUT", "/api/v1/staff/999/accounts/1", NULL, 404, "not_found", NULL,
		   "staff 999");
	call_error(t, "POST", "/api/v1/staff/999/revoke", NULL, 404, "not_found", NULL, NULL);
}

/* ---- templates ---- */

void test_api_templates(void **state)
{
	struct tfx *t = *state;
	json_t *j;

	j = call(t, "PUT", "/api/v1/templates/year%20end",
		 "{\"subject\": \"Accounts for [ACCOUNT_NAME]\", "
		 "\"body\": \"Dear [CONTACT_FIRST_NAME]\"}", 201);
	assert_string_equal(jstr(j, "name"), "year end");
	assert_string_equal(jstr(j, "subject"), "Accounts for [ACCOUNT_NAME]");
	json_decref(j);
	j = call(t, "PUT", "/api/v1/templates/year%20end",
		 "{\"subject\": \"Year-end: [ACCOUNT_NAME]\", \"body\": \"Dear [CONTACT_FIRST_NAME]\"}",
		 200);
	assert_string_equal(jstr(j, "subject"), "Year-end: [ACCOUNT_NAME]");
	json_decref(j);
	j = call(t, "GET", "/api/v1/templates/year%20end", NULL, 200);
	assert_string_equal(jstr(j, "body"), "Dear [CONTACT_FIRST_NAME]");
	assert_int_equal(json_array_size(jget(j, "tasks")), 0);
	json_decref(j);
	/* Tasks: given, they are the template's; left out, they are kept. */
	j = call(t, "PUT", "/api/v1/templates/year%20end",
		 "{\"subject\": \"S\", \"body\": \"B\", \"tasks\": [\"Upload\", \"Sign\"]}", 200);
	assert_int_equal(json_array_size(jget(j, "tasks")), 2);
	json_decref(j);
	j = call(t, "PUT", "/api/v1/templates/year%20end",
		 "{\"subject\": \"Year-end: [ACCOUNT_NAME]\", \"body\": \"Dear [CONTACT_FIRST_NAME]\"}",
		 200);
	assert_string_equal(json_string_value(json_array_get(jget(j, "tasks"), 1)), "Sign");
	json_decref(j);
	call_error(t, "PUT", "/api/v1/templates/x", "{\"subject\": \"s\", \"body\": \"b\", "
		   "\"tasks\": \"one\"}", 400, "invalid_field", "tasks", NULL);
	call_error(t, "PUT", "/api/v1/templates/x", "{\"subject\": \"s\", "
		   "\"body\": \"Dear [CONTACT_FRIST_NAME]\"}", 422, "invalid_value", NULL,
		   "[CONTACT_FRIST_NAME]");
	j = call(t, "GET", "/api/v1/templates", NULL, 200);
	assert_int_equal(json_array_size(jget(j, "templates")), 1);
	json_decref(j);
	call_error(t, "PUT", "/api/v1/templates/x", "{\"subject\": \"s\"}", 400, "missing_field",
		   "body", NULL);
	call_error(t, "PUT", "/api/v1/templates/x", "{\"subject\": \"\", \"body\": \"b\"}", 422,
		   "invalid_value", NULL, NULL);
	assert_null(call(t, "DELETE", "/api/v1/templates/year%20end", NULL, 204));
	call_error(t, "GET", "/api/v1/templates/year%20end", NULL, 404, "not_found", NULL,
		   "year end");
	call_error(t, "DELETE", "/api/v1/templates/year%20end", NULL, 404, "not_found", NULL,
		   NULL);
	/* A name that is not UTF-8 is quoted safely in the error. */
	call_error(t, "GET", "/api/v1/templates/%FF", NULL, 404, "not_found", NULL, NULL);
}

/*
 * A contact's out-of-office reply gave a return date: the contact record
 * and a staff reader's thread carry it while reminders to them wait; a
 * contact reading the thread gets no contact list.
 */
void test_api_contact_away_until(void **state)
{
	struct tfx *t = *state;
	struct store_inbound_in in = { 0 };
	struct store_auto_reply a = { 0 };
	int64_t inbound = 0, note = 0;
	char *error = NULL, *path;
	json_t *o, *arr;
	size_t i, seen = 0;

	in.sender = "anna@acme.example";
	in.recipient = "reply+x@reply.example";
	in.verdict = "automatic";
	in.reason = "auto-submitted: auto-replied";
	a.thread_id = t->thread;
	a.contact_id = t->anna;
	a.away_until = "2026-12-03";
	a.resume_at = T0 + 9 * 86400 - 9 * 3600; /* Friday 4 December, 00:00 */
	a.note = "Anna is away until Thu 3 Dec (automatic reply).";
	a.day = "2026-11-25";
	assert_int_equal(store_auto_reply_record(t->s, &in, &a, &inbound, &note, &error), GW_OK);
	assert_true(note > 0);

	path = fmt("/api/v1/contacts/%lld", (long long)t->anna);
	o = call(t, "GET", path, NULL, 200);
	assert_string_equal(jstr(o, "away_until"), "2026-12-03");
	assert_string_equal(jstr(o, "reminders_resume_at"), "2026-12-04T00:00:00Z");
	json_decref(o);
	free(path);
	path = fmt("/api/v1/contacts/%lld", (long long)t->ben);
	o = call(t, "GET", path, NULL, 200);
	assert_true(json_is_null(jget(o, "away_until")));
	json_decref(o);
	free(path);

	path = fmt("/api/v1/threads/%lld", (long long)t->thread);
	o = call(t, "GET", path, NULL, 200);
	arr = jget(o, "contacts");
	for (i = 0; i < json_array_size(arr); i++) {
		json_t *k = json_array_get(arr, i);

		if (jint(k, "id") == t->anna) {
			assert_string_equal(jstr(k, "away_until"), "2026-12-03");
			seen++;
		}
	}
	assert_int_equal(seen, 1);
	json_decref(o);
	free(path);
	path = fmt("/api/v1/threads/%lld?reader=contact:%lld", (long long)t->thread,
		   (long long)t->anna);
	o = call(t, "GET", path, NULL, 200);
	assert_null(json_object_get(o, "contacts"));
	json_decref(o);
	free(path);
}
