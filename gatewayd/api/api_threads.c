/*
 * api_threads.c - the API's thread handlers: create (one account, bulk, a
 * template, tasks, reminders; or a contact's own chat), list with filters
 * and unread counts for a reader, show with messages, tasks and
 * attachments, and the show-content switch.  Also the check every action
 * on a thread shares: the person acting exists (404) and may see the
 * thread (403).
 */
#include <stdlib.h>
#include <string.h>

#include "api_int.h"
#include "buf.h"
#include "viewlink.h"

#define MAX_BULK 1000
#define LIST_LIMIT_DEFAULT 100
#define LIST_LIMIT_MAX 1000

int api_check_actor(struct api_req *r, int64_t thread_id, enum store_kind kind, int64_t id,
		    const char *field)
{
	struct store_thread t = { 0 };
	char *error = NULL;
	uint32_t gen;
	enum gw_result res = store_thread_get(r->store, thread_id, 0, 0, &t, &error);

	store_thread_clear(&t);
	if (res != GW_OK) {
		api_fail(r, res, error, NULL);
		return -1;
	}
	if (kind == 0)
		return 0;
	res = viewlink_check(r->store, thread_id, kind, id, &gen, &error);
	if (res == GW_PERMFAIL) {
		api_error(r, 403, "forbidden", field, "%s", error);
		free(error);
		return -1;
	}
	if (res != GW_OK) {
		api_fail(r, res, error, field);
		return -1;
	}
	return 0;
}

/* A reader given as ?reader=contact:ID|staff:ID must exist: 404 otherwise. */
static int reader_exists(struct api_req *r, enum store_kind kind, int64_t id)
{
	char *error = NULL;
	enum gw_result res;

	if (kind == STORE_CONTACT) {
		struct store_contact k;

		res = store_contact_get(r->store, id, &k, &error);
		store_contact_clear(&k);
	} else {
		struct store_staff s;

		res = store_staff_get(r->store, id, &s, &error);
		store_staff_clear(&s);
	}
	if (res != GW_OK) {
		api_fail(r, res, error, "reader");
		return -1;
	}
	return 0;
}

/* ---- list ---- */

int api_query_archived(struct api_req *r, enum store_archived_filter *v_r)
{
	const char *s = api_query(r, "archived");

	if (s == NULL)
		return 0;
	if (strcmp(s, "false") == 0)
		*v_r = STORE_ARCHIVED_NO;
	else if (strcmp(s, "true") == 0)
		*v_r = STORE_ARCHIVED_ONLY;
	else if (strcmp(s, "any") == 0)
		*v_r = STORE_ARCHIVED_ANY;
	else {
		api_error(r, 400, "invalid_parameter", "archived",
			  "archived: '%s' is not false, true or any", s);
		return -1;
	}
	return 0;
}

static int parse_order(struct api_req *r, enum store_thread_order *v_r)
{
	const char *s = api_query(r, "order");

	if (s == NULL)
		return 0;
	if (strcmp(s, "activity") == 0)
		*v_r = STORE_ORDER_ACTIVITY;
	else if (strcmp(s, "todo") == 0)
		*v_r = STORE_ORDER_TODO;
	else if (strcmp(s, "id") == 0)
		*v_r = STORE_ORDER_ID;
	else {
		api_error(r, 400, "invalid_parameter", "order",
			  "order: '%s' is not activity, todo or id", s);
		return -1;
	}
	return 0;
}

void api_threads_list(struct api_req *r)
{
	static const char *const params[] = { "account", "staff", "reader", "archived",
					      "order", "ref_url", "limit", "offset", NULL };
	struct store_thread_filter f = { 0 };
	struct store_thread_list list = { 0 };
	enum store_kind rkind = 0;
	int64_t rid = 0;
	char *error = NULL;
	enum gw_result res;
	json_t *arr;

	f.limit = LIST_LIMIT_DEFAULT;
	f.ref_url = api_query(r, "ref_url");
	if (api_query_only(r, params) < 0 || api_query_id(r, "account", &f.account_id) < 0 ||
	    api_query_id(r, "staff", &f.staff_id) < 0 ||
	    api_query_principal(r, "reader", &rkind, &rid) < 0 ||
	    api_query_archived(r, &f.archived) < 0 || parse_order(r, &f.order) < 0 ||
	    api_query_int(r, "limit", 1, LIST_LIMIT_MAX, &f.limit) < 0 ||
	    api_query_int(r, "offset", 0, 1000000000, &f.offset) < 0)
		return;
	if (f.account_id != 0) {
		struct store_account a;

		res = store_account_get(r->store, f.account_id, &a, &error);
		store_account_clear(&a);
		if (res != GW_OK) {
			api_fail(r, res, error, "account");
			return;
		}
	}
	if (f.staff_id != 0) {
		struct store_staff s;

		res = store_staff_get(r->store, f.staff_id, &s, &error);
		store_staff_clear(&s);
		if (res != GW_OK) {
			api_fail(r, res, error, "staff");
			return;
		}
	}
	if (rkind != 0) {
		if (reader_exists(r, rkind, rid) < 0)
			return;
		f.reader_kind = rkind;
		f.reader_id = rid;
		/* A reader's list holds what they can see. */
		if (rkind == STORE_CONTACT)
			f.contact_id = rid;
		else if (f.staff_id == 0)
			f.staff_id = rid;
	}
	res = store_thread_list(r->store, &f, &list, &error);
	if (res != GW_OK) {
		api_fail(r, res, error, NULL);
		return;
	}
	arr = json_array();
	for (size_t i = 0; i < list.count; i++) {
		json_t *o = api_json_thread(&list.items[i], rkind != 0);

		json_array_append_new(arr, o);
		/* A contact's list shows none of the firm's references. */
		if (rkind != STORE_CONTACT && api_set_refs(r, o, list.items[i].id) < 0) {
			json_decref(arr);
			store_thread_list_free(&list);
			return;
		}
	}
	api_reply(r, 200, json_pack("{s:o, s:i, s:i}", "threads", arr, "limit", f.limit,
				    "offset", f.offset));
	store_thread_list_free(&list);
}

/* ---- create ---- */

/* The threads just created, as full records: {"threads": [...]}. */
static void reply_created(struct api_req *r, const int64_t *ids, size_t n)
{
	json_t *arr = json_array();

	for (size_t i = 0; i < n; i++) {
		struct store_thread t = { 0 };
		char *error = NULL;
		enum gw_result res = store_thread_get(r->store, ids[i], 0, 0, &t, &error);

		if (res != GW_OK) {
			json_decref(arr);
			api_fail(r, res, error, NULL);
			return;
		}
		json_t *o = api_json_thread(&t, 0);

		json_array_append_new(arr, o);
		store_thread_clear(&t);
		if (api_set_refs(r, o, ids[i]) < 0) {
			json_decref(arr);
			return;
		}
	}
	api_created(r, json_pack("{s:o}", "threads", arr));
}

/* A contact's own chat: subject and body only. */
static void create_by_contact(struct api_req *r, int64_t contact)
{
	static const char *const fields[] = { "from_contact", "subject", "body", NULL };
	const char *subject = NULL, *body = NULL;
	int64_t thread = 0, message = 0;
	char *error = NULL;
	enum gw_result res;

	if (api_body_only(r, fields) < 0 || api_get_str(r, r->body, "subject", 1, &subject) < 0 ||
	    api_get_str(r, r->body, "body", r->n_files == 0, &body) < 0)
		return;
	res = store_chat_create_by_contact_files(r->store, contact, subject,
						 body != NULL ? body : "", r->files, r->n_files,
						 &thread, &message, &error);
	if (res != GW_OK) {
		api_fail(r, res, error, res == GW_NOTFOUND ? "from_contact" : NULL);
		return;
	}
	r->wake = 1;
	reply_created(r, &thread, 1);
}

/* account_id or account_ids: a malloc'd list of at least one id. */
static int get_accounts(struct api_req *r, int64_t **ids_r, size_t *n_r)
{
	json_t *arr = json_object_get(r->body, "account_ids");
	int64_t one = 0;
	size_t i;
	json_t *v;

	if (api_get_id(r, r->body, "account_id", 0, &one) < 0)
		return -1;
	if (arr != NULL && json_is_null(arr))
		arr = NULL;
	if (one != 0 && arr != NULL) {
		api_error(r, 400, "invalid_field", "account_ids",
			  "account_id and account_ids exclude each other");
		return -1;
	}
	if (one != 0) {
		*ids_r = xmalloc(sizeof(int64_t));
		**ids_r = one;
		*n_r = 1;
		return 0;
	}
	if (arr == NULL) {
		api_error(r, 400, "missing_field", "account_ids",
			  "account_ids (or account_id) is required");
		return -1;
	}
	if (!json_is_array(arr) || json_array_size(arr) == 0 ||
	    json_array_size(arr) > MAX_BULK) {
		api_error(r, 400, "invalid_field", "account_ids",
			  "account_ids: expected an array of 1..%d account ids", MAX_BULK);
		return -1;
	}
	*ids_r = xcalloc(json_array_size(arr), sizeof(int64_t));
	json_array_foreach(arr, i, v) {
		if (!json_is_integer(v) || json_integer_value(v) <= 0) {
			api_error(r, 400, "invalid_field", "account_ids",
				  "account_ids[%zu]: expected an id (a positive integer)", i);
			free(*ids_r);
			*ids_r = NULL;
			return -1;
		}
		(*ids_r)[i] = json_integer_value(v);
	}
	*n_r = json_array_size(arr);
	return 0;
}

/* "tasks": an array of strings; *tasks_r points into the body. */
static int get_tasks(struct api_req *r, const char ***tasks_r, size_t *n_r)
{
	json_t *arr = json_object_get(r->body, "tasks");
	size_t i;
	json_t *v;

	*tasks_r = NULL;
	*n_r = 0;
	if (arr == NULL || json_is_null(arr))
		return 0;
	if (!json_is_array(arr)) {
		api_error(r, 400, "invalid_field", "tasks", "tasks: expected an array of strings");
		return -1;
	}
	*tasks_r = xcalloc(json_array_size(arr) + 1, sizeof(char *));
	json_array_foreach(arr, i, v) {
		if (!json_is_string(v)) {
			api_error(r, 400, "invalid_field", "tasks", "tasks[%zu]: expected a string",
				  i);
			free(*tasks_r);
			*tasks_r = NULL;
			return -1;
		}
		(*tasks_r)[i] = json_string_value(v);
	}
	*n_r = json_array_size(arr);
	return 0;
}

/* days 1..GW_REMINDER_DAYS_MAX and count 1..GW_REMINDER_COUNT_MAX, named
 * when out of range (422). */
int api_check_reminder_numbers(struct api_req *r, int days, int has_days, int count,
			       int has_count)
{
	const char *field, *range;
	char *name;
	int v;

	if (has_days && (days < 1 || days > GW_REMINDER_DAYS_MAX)) {
		field = "days";
		range = "1.." GW_STR(GW_REMINDER_DAYS_MAX);
		v = days;
	} else if (has_count && (count < 1 || count > GW_REMINDER_COUNT_MAX)) {
		field = "count";
		range = "1.." GW_STR(GW_REMINDER_COUNT_MAX);
		v = count;
	} else {
		return 0;
	}
	name = api_field_name(r, field);
	api_error(r, 422, "invalid_value", name, "%s: %d is not within %s", name, v, range);
	free(name);
	return -1;
}

/* "reminders": {"enabled", "days", "count"} into chat. */
static int get_reminders(struct api_req *r, struct store_chat_new *chat)
{
	static const char *const fields[] = { "enabled", "days", "count", NULL };
	json_t *o = json_object_get(r->body, "reminders");
	int has_days = 0, has_count = 0, rc;

	if (o == NULL || json_is_null(o))
		return 0;
	if (!json_is_object(o)) {
		api_error(r, 400, "invalid_field", "reminders",
			  "reminders: expected an object {\"enabled\", \"days\", \"count\"}");
		return -1;
	}
	r->prefix = "reminders";
	rc = api_object_only(r, o, fields);
	if (rc == 0)
		rc = api_get_bool(r, o, "enabled", 1, &chat->reminders, NULL);
	if (rc == 0)
		rc = api_get_int(r, o, "days", 0, &chat->reminder_days, &has_days);
	if (rc == 0)
		rc = api_get_int(r, o, "count", 0, &chat->reminder_count, &has_count);
	if (rc == 0)
		rc = api_check_reminder_numbers(r, chat->reminder_days, has_days,
						chat->reminder_count, has_count);
	if (rc == 0 && !chat->reminders && (has_days || has_count)) {
		api_error(r, 422, "invalid_value", has_days ? "reminders.days" : "reminders.count",
			  "reminders.%s: only with \"enabled\": true", has_days ? "days" : "count");
		rc = -1;
	}
	r->prefix = NULL;
	return rc;
}

/* Staff may create chats only in accounts they see: 404 / 403 per account. */
static int check_accounts(struct api_req *r, int64_t staff, const int64_t *ids, size_t n)
{
	struct store_account_list seen = { 0 };
	struct store_staff s = { 0 };
	char *error = NULL;
	enum gw_result res = store_staff_get(r->store, staff, &s, &error);
	int rc = 0;

	store_staff_clear(&s);
	if (res != GW_OK) {
		api_fail(r, res, error, "from_staff");
		return -1;
	}
	res = store_account_list(r->store, staff, &seen, &error);
	if (res != GW_OK) {
		api_fail(r, res, error, NULL);
		return -1;
	}
	for (size_t i = 0; i < n && rc == 0; i++) {
		struct store_account a = { 0 };
		size_t j;

		res = store_account_get(r->store, ids[i], &a, &error);
		store_account_clear(&a);
		if (res != GW_OK) {
			api_fail(r, res, error, "account_ids");
			rc = -1;
			break;
		}
		for (j = 0; j < seen.count; j++)
			if (seen.items[j].id == ids[i])
				break;
		if (j == seen.count) {
			api_error(r, 403, "forbidden", "account_ids",
				  "account %lld: not assigned to staff %lld", (long long)ids[i],
				  (long long)staff);
			rc = -1;
		}
	}
	store_account_list_free(&seen);
	return rc;
}

void api_threads_create(struct api_req *r)
{
	static const char *const fields[] = { "account_id", "account_ids", "from_staff",
					      "from_contact", "subject", "body", "template",
					      "tasks", "reminders", "show_content", "refs", NULL };
	struct store_chat_new chat = { 0 };
	struct store_thread_ref_new *refs = NULL;
	int64_t *accounts = NULL, *threads = NULL, who = 0;
	const char **tasks = NULL;
	enum store_kind kind;
	char *error = NULL;
	enum gw_result res;
	int has_show = 0;

	if (api_get_actor(r, "from", 1, &kind, &who) < 0)
		return;
	if (kind == STORE_CONTACT) {
		create_by_contact(r, who);
		return;
	}
	chat.staff_id = who;
	if (api_body_only(r, fields) < 0 || get_accounts(r, &accounts, &chat.n_accounts) < 0)
		return;
	chat.account_ids = accounts;
	if (api_get_str(r, r->body, "template", 0, &chat.template_name) < 0 ||
	    api_get_str(r, r->body, "subject", 0, &chat.subject) < 0 ||
	    api_get_str(r, r->body, "body", chat.template_name == NULL && r->n_files == 0,
			&chat.body) < 0 ||
	    get_tasks(r, &tasks, &chat.n_tasks) < 0 || get_reminders(r, &chat) < 0 ||
	    api_get_refs(r, &refs, &chat.n_refs) < 0 ||
	    api_get_bool(r, r->body, "show_content", 0, &chat.show_content, &has_show) < 0 ||
	    check_accounts(r, chat.staff_id, accounts, chat.n_accounts) < 0)
		goto out;
	/* left out: the firm's default ([mail] show_content) */
	if (!has_show)
		chat.show_content = STORE_SHOW_CONTENT_DEFAULT;
	chat.tasks = tasks;
	chat.refs = refs;
	if (r->n_files > 0 && chat.n_accounts > 1) {
		api_error(r, 422, "invalid_value", "file",
			  "files go only with a chat to one account; add them to each chat "
			  "of a bulk chat afterwards (POST /threads/ID/messages)");
		goto out;
	}
	chat.files = r->files;
	chat.n_files = r->n_files;
	if (chat.body == NULL && chat.template_name == NULL)
		chat.body = "";
	threads = xcalloc(chat.n_accounts, sizeof(*threads));
	res = store_chat_create(r->store, &chat, threads, &error);
	if (res != GW_OK) {
		/* Accounts and staff were checked: an unknown name is the template's. */
		api_fail(r, res, error,
			 res == GW_NOTFOUND && chat.template_name != NULL ? "template"
			 : res == GW_PERMFAIL && error != NULL && strncmp(error, "url:", 4) == 0
					 ? "refs"
									     : NULL);
		goto out;
	}
	r->wake = 1;
	reply_created(r, threads, chat.n_accounts);
out:
	free(accounts);
	free(threads);
	free(tasks);
	free(refs);
}

/* ---- show and change ---- */

void api_threads_show(struct api_req *r)
{
	static const char *const params[] = { "reader", "staff_only", NULL };
	struct store_thread_view v = { 0 };
	enum store_kind kind = 0;
	int64_t who = 0;
	int staff_only = 1;
	char *error = NULL;
	enum gw_result res;
	json_t *o, *arr;

	if (api_query_only(r, params) < 0 || api_query_principal(r, "reader", &kind, &who) < 0 ||
	    api_query_bool(r, "staff_only", &staff_only) < 0 ||
	    api_check_actor(r, r->ids[0], kind, who, "reader") < 0)
		return;
	res = store_thread_show(r->store, r->ids[0], kind, who, staff_only, &v, &error);
	if (res != GW_OK) {
		api_fail(r, res, error, NULL);
		return;
	}
	/* the firm looking as a contact would: nothing recorded as theirs */
	if (kind == STORE_CONTACT)
		r->audit_action = "view_as";
	o = api_json_thread(&v.thread, kind != 0);
	arr = json_array();
	for (size_t i = 0; i < v.n_messages; i++)
		json_array_append_new(arr, api_json_message(&v.messages[i]));
	json_object_set_new(o, "messages", arr);
	arr = json_array();
	for (size_t i = 0; i < v.n_tasks; i++)
		json_array_append_new(arr, api_json_task(&v.tasks[i]));
	json_object_set_new(o, "tasks", arr);
	arr = json_array();
	for (size_t i = 0; i < v.n_attachments; i++)
		json_array_append_new(arr, api_json_attachment(&v.attachments[i]));
	json_object_set_new(o, "attachments", arr);
	/* The store gives a contact's view none; the key is left out then. */
	if (kind != STORE_CONTACT)
		json_object_set_new(o, "refs", api_json_refs(v.refs, v.n_refs));
	json_object_set_new(o, "reader_last_read",
			    kind != 0 ? api_json_id(v.reader_last_read) : json_null());
	/* the people of the thread with their state (away until...), for staff */
	if (kind != STORE_CONTACT && staff_only) {
		struct store_contact_list cl = { NULL, 0 };

		arr = json_array();
		if (store_contact_list(r->store, v.thread.account_id, &cl, NULL) == GW_OK)
			for (size_t i = 0; i < cl.count; i++)
				if (cl.items[i].removed_at == 0)
					json_array_append_new(arr, api_json_contact(&cl.items[i]));
		store_contact_list_free(&cl);
		json_object_set_new(o, "contacts", arr);
	}
	api_reply(r, 200, o);
	store_thread_view_clear(&v);
}

void api_threads_patch(struct api_req *r)
{
	static const char *const fields[] = { "show_content", NULL };
	struct store_thread t = { 0 };
	int show = 0, has_show = 0;
	char *error = NULL;
	enum gw_result res = GW_OK;

	if (api_body_only(r, fields) < 0 ||
	    api_get_bool(r, r->body, "show_content", 0, &show, &has_show) < 0 ||
	    api_check_actor(r, r->ids[0], 0, 0, NULL) < 0)
		return;
	if (has_show)
		res = store_thread_set_show_content(r->store, r->ids[0], show, &error);
	if (res == GW_OK)
		res = store_thread_get(r->store, r->ids[0], 0, 0, &t, &error);
	if (res != GW_OK) {
		api_fail(r, res, error, "show_content");
		return;
	}
	api_reply(r, 200, api_json_thread(&t, 0));
	store_thread_clear(&t);
}
