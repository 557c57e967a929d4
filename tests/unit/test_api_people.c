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
#include "test_api_util.h"

void test_api_firm_get_and_patch(void **state);
void test_api_accounts(void **state);
void test_api_contacts(void **state);
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
	json_decref(j);
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
