/*
 * api_people.c - the API's handlers about who is who: the firm, client
 * accounts, their contacts, staff (and which accounts they are assigned
 * to) and chat templates.  Creating a duplicate (account name, staff
 * email, a contact's address within an account) is 409 conflict.
 */
#include <stdlib.h>
#include <string.h>

#include "api_int.h"
#include "buf.h"

static const char *const no_params[] = { NULL };

/*
 * Which field a refused person's record was refused for: the store's
 * GW_INVALID messages start with what they checked ("contact name: ..."),
 * and a duplicate (GW_PERMFAIL) is always the address.
 */
static const char *name_or_email(enum gw_result res, const char *error,
				 const char *name_prefix)
{
	if (res == GW_INVALID && error != NULL &&
	    strncmp(error, name_prefix, strlen(name_prefix)) == 0)
		return "name";
	return res == GW_INVALID || res == GW_PERMFAIL ? "email" : NULL;
}

/* ---- firm ---- */

void api_firm_get(struct api_req *r)
{
	struct store_firm f = { 0 };
	struct store_firm_in shown;
	char *error = NULL;
	enum gw_result res;

	if (api_query_only(r, no_params) < 0)
		return;
	res = store_firm_get(r->store, &f, &error);
	if (res != GW_OK) {
		api_fail(r, res, error, NULL);
		return;
	}
	shown = store_firm_in_of(&f);
	api_reply(r, 200, api_json_firm(&shown));
	store_firm_clear(&f);
}

void api_firm_patch(struct api_req *r)
{
	static const char *const fields[] = { "name", "allow_client_chats",
					      "notify_display_name", NULL };
	struct store_firm f = { 0 };
	struct store_firm_in next;
	const char *name = NULL, *display = NULL;
	int allow = 0, has_allow = 0, clear_display;
	char *error = NULL;
	enum gw_result res;

	if (api_body_only(r, fields) < 0 || api_get_str(r, r->body, "name", 0, &name) < 0 ||
	    api_get_bool(r, r->body, "allow_client_chats", 0, &allow, &has_allow) < 0 ||
	    api_get_str(r, r->body, "notify_display_name", 0, &display) < 0)
		return;
	/* null clears the display name (back to [mail] from_name). */
	clear_display = json_is_null(json_object_get(r->body, "notify_display_name"));
	res = store_firm_get(r->store, &f, &error);
	if (res != GW_OK) {
		api_fail(r, res, error, NULL);
		return;
	}
	next = store_firm_in_of(&f);
	if (name != NULL)
		next.name = name;
	if (has_allow)
		next.allow_client_chats = allow;
	if (display != NULL)
		next.notify_display_name = display;
	else if (clear_display)
		next.notify_display_name = NULL;
	res = store_firm_set(r->store, &next, &error);
	if (res != GW_OK)
		api_fail(r, res, error, name != NULL ? "name" : NULL);
	else
		api_reply(r, 200, api_json_firm(&next));
	store_firm_clear(&f);
}

/* ---- accounts ---- */

void api_accounts_list(struct api_req *r)
{
	static const char *const params[] = { "staff", NULL };
	struct store_account_list list = { 0 };
	int64_t staff = 0;
	char *error = NULL;
	enum gw_result res;
	json_t *arr;

	if (api_query_only(r, params) < 0 || api_query_id(r, "staff", &staff) < 0)
		return;
	if (staff != 0) {
		struct store_staff s;

		res = store_staff_get(r->store, staff, &s, &error);
		if (res != GW_OK) {
			api_fail(r, res, error, "staff");
			return;
		}
		store_staff_clear(&s);
	}
	res = store_account_list(r->store, staff, &list, &error);
	if (res != GW_OK) {
		api_fail(r, res, error, NULL);
		return;
	}
	arr = json_array();
	for (size_t i = 0; i < list.count; i++)
		json_array_append_new(arr, api_json_account(&list.items[i]));
	api_reply(r, 200, json_pack("{s:o}", "accounts", arr));
	store_account_list_free(&list);
}

void api_accounts_create(struct api_req *r)
{
	static const char *const fields[] = { "name", NULL };
	struct store_account a = { 0 };
	const char *name = NULL;
	char *error = NULL;
	int64_t id = 0;
	enum gw_result res;

	if (api_body_only(r, fields) < 0 || api_get_str(r, r->body, "name", 1, &name) < 0)
		return;
	res = store_account_add(r->store, name, &id, &error);
	if (res == GW_OK)
		res = store_account_get(r->store, id, &a, &error);
	if (res != GW_OK) {
		api_fail_dup(r, res, error, "name");
		return;
	}
	api_created(r, api_json_account(&a));
	store_account_clear(&a);
}

void api_accounts_show(struct api_req *r)
{
	struct store_account a = { 0 };
	struct store_staff_list staff = { 0 };
	char *error = NULL;
	enum gw_result res;
	json_t *o, *arr;

	if (api_query_only(r, no_params) < 0)
		return;
	res = store_account_get(r->store, r->ids[0], &a, &error);
	if (res == GW_OK)
		res = store_staff_assigned(r->store, a.id, &staff, &error);
	if (res != GW_OK) {
		store_account_clear(&a);
		api_fail(r, res, error, NULL);
		return;
	}
	o = api_json_account(&a);
	arr = json_array();
	for (size_t i = 0; i < staff.count; i++)
		json_array_append_new(arr, api_json_staff(&staff.items[i]));
	json_object_set_new(o, "assigned_staff", arr);
	api_reply(r, 200, o);
	store_account_clear(&a);
	store_staff_list_free(&staff);
}

/* ---- contacts ---- */

void api_contacts_list(struct api_req *r)
{
	static const char *const params[] = { "account", NULL };
	struct store_contact_list list = { 0 };
	int64_t account = 0;
	char *error = NULL;
	enum gw_result res;
	json_t *arr;

	if (api_query_only(r, params) < 0 || api_query_id(r, "account", &account) < 0)
		return;
	if (account != 0) {
		struct store_account a;

		res = store_account_get(r->store, account, &a, &error);
		if (res != GW_OK) {
			api_fail(r, res, error, "account");
			return;
		}
		store_account_clear(&a);
	}
	res = store_contact_list(r->store, account, &list, &error);
	if (res != GW_OK) {
		api_fail(r, res, error, NULL);
		return;
	}
	arr = json_array();
	for (size_t i = 0; i < list.count; i++)
		json_array_append_new(arr, api_json_contact(&list.items[i]));
	api_reply(r, 200, json_pack("{s:o}", "contacts", arr));
	store_contact_list_free(&list);
}

/* Reply with the contact as it is now (200 or 201). */
static void reply_contact(struct api_req *r, int status, int64_t id)
{
	struct store_contact k = { 0 };
	char *error = NULL;
	enum gw_result res = store_contact_get(r->store, id, &k, &error);

	if (res != GW_OK) {
		api_fail(r, res, error, NULL);
		return;
	}
	api_reply(r, status, api_json_contact(&k));
	store_contact_clear(&k);
}

void api_contacts_create(struct api_req *r)
{
	static const char *const fields[] = { "account_id", "name", "email", "notify",
					      "may_create_chats", NULL };
	const char *name = NULL, *email = NULL;
	int64_t account = 0, id = 0;
	int notify = 1, may_create = 0;
	char *error = NULL;
	enum gw_result res;

	if (api_body_only(r, fields) < 0 || api_get_id(r, r->body, "account_id", 1, &account) < 0 ||
	    api_get_str(r, r->body, "name", 1, &name) < 0 ||
	    api_get_str(r, r->body, "email", 1, &email) < 0 ||
	    api_get_bool(r, r->body, "notify", 0, &notify, NULL) < 0 ||
	    api_get_bool(r, r->body, "may_create_chats", 0, &may_create, NULL) < 0)
		return;
	res = store_contact_add(r->store, account, name, email, &id, &error);
	if (res != GW_OK) {
		api_fail_dup(r, res, error, res == GW_NOTFOUND ? "account_id"
					    : name_or_email(res, error, "contact name"));
		return;
	}
	/* Separate writes: the contact exists from here on, and a failure
	 * below says so rather than pretending nothing happened. */
	if (!notify)
		res = store_contact_set_notify(r->store, id, 0, &error);
	if (res == GW_OK)
		res = store_contact_set_may_create(r->store, id, may_create, &error);
	if (res != GW_OK) {
		api_fail(r, res, xasprintf("contact %lld was created, but: %s", (long long)id,
					   error), NULL);
		free(error);
		return;
	}
	reply_contact(r, 201, id);
}

void api_contacts_show(struct api_req *r)
{
	if (api_query_only(r, no_params) < 0)
		return;
	reply_contact(r, 200, r->ids[0]);
}

/*
 * "language" and "timezone" of a PATCH: a string, or null for the firm's
 * ("-" to the store).  0, or -1 with the 400 sent.
 */
static int get_locale(struct api_req *r, const char **lang_r, const char **zone_r)
{
	const char *keys[2] = { "language", "timezone" };
	const char **out[2] = { lang_r, zone_r };

	for (int i = 0; i < 2; i++) {
		json_t *v = json_object_get(r->body, keys[i]);

		*out[i] = NULL;
		if (v == NULL)
			continue;
		if (json_is_null(v))
			*out[i] = "-";
		else if (api_get_str(r, r->body, keys[i], 0, out[i]) < 0)
			return -1;
		else if (**out[i] == '\0')
			*out[i] = "-";
	}
	return 0;
}

void api_contacts_patch(struct api_req *r)
{
	static const char *const fields[] = { "notify", "may_create_chats", "email", "language",
					      "timezone", NULL };
	struct store_contact k = { 0 };
	const char *email = NULL, *lang = NULL, *zone = NULL;
	int notify = 0, may_create = 0, has_notify = 0, has_may = 0, removed;
	char *error = NULL;
	enum gw_result res;

	if (api_body_only(r, fields) < 0 ||
	    api_get_bool(r, r->body, "notify", 0, &notify, &has_notify) < 0 ||
	    api_get_bool(r, r->body, "may_create_chats", 0, &may_create, &has_may) < 0 ||
	    api_get_str(r, r->body, "email", 0, &email) < 0 || get_locale(r, &lang, &zone) < 0)
		return;
	/* Unknown contact: 404 before anything is written. */
	res = store_contact_get(r->store, r->ids[0], &k, &error);
	removed = k.removed_at != 0;
	store_contact_clear(&k);
	if (res != GW_OK) {
		api_fail(r, res, error, NULL);
		return;
	}
	/* A removed contact is kept for the history only: turning its emails
	 * back on or giving it an address would bring it back halfway. */
	if (removed && (email != NULL || has_notify || has_may)) {
		const char *field = email != NULL ? "email" : has_notify ? "notify"
							 : "may_create_chats";

		api_error(r, 422, "rule_violation", field,
			  "contact %lld was removed: %s cannot change", (long long)r->ids[0], field);
		return;
	}
	if (email != NULL) {
		res = store_contact_set_email(r->store, r->ids[0], email, &error);
		if (res != GW_OK) {
			api_fail_dup(r, res, error, "email");
			return;
		}
	}
	if (has_notify) {
		res = store_contact_set_notify(r->store, r->ids[0], notify, &error);
		if (res != GW_OK) {
			api_fail(r, res, error, "notify");
			return;
		}
	}
	if (has_may) {
		res = store_contact_set_may_create(r->store, r->ids[0], may_create, &error);
		if (res != GW_OK) {
			api_fail(r, res, error, "may_create_chats");
			return;
		}
	}
	if (lang != NULL || zone != NULL) {
		res = store_contact_set_locale(r->store, r->ids[0], lang, zone, &error);
		if (res != GW_OK) {
			api_fail(r, res, error, error != NULL && strncmp(error, "timezone", 8) == 0 ?
						"timezone" : "language");
			return;
		}
	}
	reply_contact(r, 200, r->ids[0]);
}

void api_contacts_revoke(struct api_req *r)
{
	static const char *const fields[] = { NULL };
	char *error = NULL;
	uint32_t gen = 0;
	enum gw_result res;

	if (api_body_only(r, fields) < 0)
		return;
	res = store_contact_bump_generation(r->store, r->ids[0], &gen, &error);
	if (res != GW_OK) {
		api_fail(r, res, error, NULL);
		return;
	}
	reply_contact(r, 200, r->ids[0]);
}

/* Emails go out to a bouncing contact again (their address works now). */
void api_contacts_clear_bounce(struct api_req *r)
{
	static const char *const fields[] = { NULL };
	char *error = NULL;
	enum gw_result res;

	if (api_body_only(r, fields) < 0)
		return;
	res = store_contact_clear_bounce(r->store, r->ids[0], 0, &error);
	if (res != GW_OK) {
		api_fail(r, res, error, NULL);
		return;
	}
	reply_contact(r, 200, r->ids[0]);
}

/*
 * The contact leaves the account for good: no more emails, links and
 * sessions dead, queued mail cancelled; their messages stay in the
 * threads and the record stays, with removed_at set.  Removing again
 * returns the contact as it is.
 */
void api_contacts_remove(struct api_req *r)
{
	static const char *const fields[] = { NULL };
	char *error = NULL;
	enum gw_result res;

	if (api_body_only(r, fields) < 0)
		return;
	res = store_contact_remove(r->store, r->ids[0], NULL, &error);
	if (res != GW_OK) {
		api_fail(r, res, error, NULL);
		return;
	}
	reply_contact(r, 200, r->ids[0]);
}

/* ---- staff ---- */

void api_staff_list(struct api_req *r)
{
	struct store_staff_list list = { 0 };
	char *error = NULL;
	enum gw_result res;
	json_t *arr;

	if (api_query_only(r, no_params) < 0)
		return;
	res = store_staff_list(r->store, &list, &error);
	if (res != GW_OK) {
		api_fail(r, res, error, NULL);
		return;
	}
	arr = json_array();
	for (size_t i = 0; i < list.count; i++)
		json_array_append_new(arr, api_json_staff(&list.items[i]));
	api_reply(r, 200, json_pack("{s:o}", "staff", arr));
	store_staff_list_free(&list);
}

static void reply_staff(struct api_req *r, int status, int64_t id)
{
	struct store_staff s = { 0 };
	char *error = NULL;
	enum gw_result res = store_staff_get(r->store, id, &s, &error);

	if (res != GW_OK) {
		api_fail(r, res, error, NULL);
		return;
	}
	api_reply(r, status, api_json_staff(&s));
	store_staff_clear(&s);
}

static int get_role(struct api_req *r, int required, enum store_role *role_r)
{
	const char *s = NULL;

	if (api_get_str(r, r->body, "role", required, &s) < 0)
		return -1;
	if (s != NULL && store_role_parse(s, role_r) < 0) {
		api_error(r, 400, "invalid_field", "role",
			  "role: '%s' is not owner, admin or member", s);
		return -1;
	}
	return 0;
}

void api_staff_create(struct api_req *r)
{
	static const char *const fields[] = { "name", "email", "role", "notify", "view_all",
					      NULL };
	enum store_role role = STORE_ROLE_MEMBER;
	const char *name = NULL, *email = NULL;
	int notify = 1, view_all = 0;
	int64_t id = 0;
	char *error = NULL;
	enum gw_result res;

	if (api_body_only(r, fields) < 0 || api_get_str(r, r->body, "name", 1, &name) < 0 ||
	    api_get_str(r, r->body, "email", 1, &email) < 0 || get_role(r, 0, &role) < 0 ||
	    api_get_bool(r, r->body, "notify", 0, &notify, NULL) < 0 ||
	    api_get_bool(r, r->body, "view_all", 0, &view_all, NULL) < 0)
		return;
	res = store_staff_add(r->store, name, email, role, &id, &error);
	if (res != GW_OK) {
		api_fail_dup(r, res, error, name_or_email(res, error, "staff name"));
		return;
	}
	if (!notify) {
		res = store_staff_set_notify(r->store, id, 0, &error);
		if (res != GW_OK) {
			api_fail(r, res, xasprintf("staff %lld was created, but: %s",
						   (long long)id, error), NULL);
			free(error);
			return;
		}
	}
	/* in the request's transaction: created with the right, or not at all */
	if (view_all && (res = store_staff_set_view_all(r->store, id, 1, &error)) != GW_OK) {
		api_fail(r, res, error, "view_all");
		return;
	}
	reply_staff(r, 201, id);
}

void api_staff_show(struct api_req *r)
{
	if (api_query_only(r, no_params) < 0)
		return;
	reply_staff(r, 200, r->ids[0]);
}

void api_staff_patch(struct api_req *r)
{
	static const char *const fields[] = { "role", "notify", "view_all", "language", "timezone",
					      NULL };
	struct store_staff s = { 0 };
	enum store_role role = 0;
	const char *lang = NULL, *zone = NULL;
	int notify = 0, has_notify = 0, view_all = 0, has_view_all = 0;
	char *error = NULL;
	enum gw_result res;

	if (api_body_only(r, fields) < 0 || get_role(r, 0, &role) < 0 ||
	    api_get_bool(r, r->body, "notify", 0, &notify, &has_notify) < 0 ||
	    api_get_bool(r, r->body, "view_all", 0, &view_all, &has_view_all) < 0 ||
	    get_locale(r, &lang, &zone) < 0)
		return;
	res = store_staff_get(r->store, r->ids[0], &s, &error);
	store_staff_clear(&s);
	if (res != GW_OK) {
		api_fail(r, res, error, NULL);
		return;
	}
	if (role != 0) {
		res = store_staff_set_role(r->store, r->ids[0], role, &error);
		if (res != GW_OK) {
			api_fail(r, res, error, "role");
			return;
		}
	}
	if (has_notify) {
		res = store_staff_set_notify(r->store, r->ids[0], notify, &error);
		if (res != GW_OK) {
			api_fail(r, res, error, "notify");
			return;
		}
	}
	if (has_view_all) {
		res = store_staff_set_view_all(r->store, r->ids[0], view_all, &error);
		if (res != GW_OK) {
			api_fail(r, res, error, "view_all");
			return;
		}
	}
	if (lang != NULL || zone != NULL) {
		res = store_staff_set_locale(r->store, r->ids[0], lang, zone, &error);
		if (res != GW_OK) {
			api_fail(r, res, error, error != NULL && strncmp(error, "timezone", 8) == 0 ?
						"timezone" : "language");
			return;
		}
	}
	reply_staff(r, 200, r->ids[0]);
}

void api_staff_revoke(struct api_req *r)
{
	static const char *const fields[] = { NULL };
	char *error = NULL;
	enum gw_result res;

	if (api_body_only(r, fields) < 0)
		return;
	res = store_staff_bump_generation(r->store, r->ids[0], NULL, &error);
	if (res != GW_OK) {
		api_fail(r, res, error, NULL);
		return;
	}
	reply_staff(r, 200, r->ids[0]);
}

void api_staff_accounts(struct api_req *r)
{
	struct store_account_list list = { 0 };
	struct store_staff s = { 0 };
	char *error = NULL;
	enum gw_result res;
	json_t *arr;

	if (api_query_only(r, no_params) < 0)
		return;
	res = store_staff_get(r->store, r->ids[0], &s, &error);
	store_staff_clear(&s);
	if (res == GW_OK)
		res = store_account_list(r->store, r->ids[0], &list, &error);
	if (res != GW_OK) {
		api_fail(r, res, error, NULL);
		return;
	}
	arr = json_array();
	for (size_t i = 0; i < list.count; i++)
		json_array_append_new(arr, api_json_account(&list.items[i]));
	api_reply(r, 200, json_pack("{s:o}", "accounts", arr));
	store_account_list_free(&list);
}

static void assign(struct api_req *r, int on)
{
	char *error = NULL;
	enum gw_result res;

	if (r->body != NULL) {
		static const char *const fields[] = { NULL };

		if (api_body_only(r, fields) < 0)
			return;
	}
	res = store_staff_assign(r->store, r->ids[0], r->ids[1], on, &error);
	if (res != GW_OK) {
		api_fail(r, res, error, NULL);
		return;
	}
	api_reply(r, 200, json_pack("{s:I, s:I, s:b}", "staff_id", (json_int_t)r->ids[0],
				    "account_id", (json_int_t)r->ids[1], "assigned", on));
}

void api_staff_assign(struct api_req *r)
{
	assign(r, 1);
}

void api_staff_unassign(struct api_req *r)
{
	assign(r, 0);
}

/* ---- templates ---- */

void api_templates_list(struct api_req *r)
{
	struct store_template_list list = { 0 };
	char *error = NULL;
	enum gw_result res;
	json_t *arr;

	if (api_query_only(r, no_params) < 0)
		return;
	res = store_template_list(r->store, &list, &error);
	if (res != GW_OK) {
		api_fail(r, res, error, NULL);
		return;
	}
	arr = json_array();
	for (size_t i = 0; i < list.count; i++)
		json_array_append_new(arr, api_json_template(&list.items[i]));
	api_reply(r, 200, json_pack("{s:o}", "templates", arr));
	store_template_list_free(&list);
}

static void reply_template(struct api_req *r, int status)
{
	struct store_template t = { 0 };
	char *error = NULL;
	enum gw_result res = store_template_get(r->store, r->name, &t, &error);

	if (res != GW_OK) {
		api_fail(r, res, error, NULL);
		return;
	}
	api_reply(r, status, api_json_template(&t));
	store_template_clear(&t);
}

void api_templates_show(struct api_req *r)
{
	if (api_query_only(r, no_params) < 0)
		return;
	reply_template(r, 200);
}

void api_templates_put(struct api_req *r)
{
	static const char *const fields[] = { "subject", "body", "tasks", NULL };
	struct store_template old = { 0 };
	const char *subject = NULL, *body = NULL;
	char *error = NULL, *tasks = NULL;
	enum gw_result res;
	int existed;

	if (api_body_only(r, fields) < 0 || api_get_str(r, r->body, "subject", 1, &subject) < 0 ||
	    api_get_str(r, r->body, "body", 1, &body) < 0)
		return;
	/* "tasks": an array of strings, one line each (left out: kept) */
	json_t *arr = json_object_get(r->body, "tasks"), *v;
	size_t i;
	if (arr != NULL && !json_is_null(arr)) {
		struct buf b = BUF_INIT;

		if (!json_is_array(arr)) {
			api_error(r, 400, "invalid_field", "tasks", "tasks: expected an array of strings");
			return;
		}
		json_array_foreach(arr, i, v) {
			if (!json_is_string(v) || strchr(json_string_value(v), '\n') != NULL) {
				api_error(r, 400, "invalid_field", "tasks",
					  "tasks[%zu]: expected a string of one line", i);
				buf_release(&b);
				return;
			}
			buf_printf(&b, "%s\n", json_string_value(v));
		}
		buf_putc(&b, '\0');
		tasks = buf_detach(&b);
	}
	res = store_template_get(r->store, r->name, &old, &error);
	existed = res == GW_OK;
	store_template_clear(&old);
	if (res != GW_OK && res != GW_NOTFOUND) {
		api_fail(r, res, error, NULL);
		return;
	}
	free(error);
	error = NULL;
	res = store_template_save(r->store, r->name, subject, body, tasks, &error);
	free(tasks);
	if (res != GW_OK) {
		api_fail(r, res, error, NULL);
		return;
	}
	reply_template(r, existed ? 200 : 201);
}

void api_templates_delete(struct api_req *r)
{
	char *error = NULL;
	enum gw_result res;

	if (api_query_only(r, no_params) < 0)
		return;
	res = store_template_delete(r->store, r->name, &error);
	if (res != GW_OK) {
		api_fail(r, res, error, NULL);
		return;
	}
	api_reply(r, 204, NULL);
}
