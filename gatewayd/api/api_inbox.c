/*
 * api_inbox.c - a staff member's inbox in the JSON API:
 *   GET  /api/v1/staff/ID/inbox?unread=true&limit=N&before=ITEM
 *   POST /api/v1/staff/ID/inbox/read   {"ids": [..]} or {"all": true}
 * Items of threads the staff member no longer sees are left out, as in
 * the web view; an id that is not theirs is 404 naming it, and then
 * nothing is marked.
 */
#include "api_int.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "inbox.h"

static json_t *json_item(const struct store_inbox_item *it)
{
	json_t *o = json_object();
	char *path = store_inbox_item_path(it);

	json_object_set_new(o, "id", json_integer(it->id));
	json_object_set_new(o, "kind", json_string(store_inbox_kind_name(it->kind)));
	json_object_set_new(o, "thread_id", api_json_id(it->thread_id));
	json_object_set_new(o, "subject", it->thread_id != 0 ? json_string(it->subject)
							      : json_null());
	json_object_set_new(o, "account_id", api_json_id(it->account_id));
	json_object_set_new(o, "account_name", json_string(it->account_name));
	json_object_set_new(o, "message_id", api_json_id(it->message_id));
	json_object_set_new(o, "contact_id", api_json_id(it->contact_id));
	if (it->actor_kind != 0) {
		json_t *a = json_object();

		json_object_set_new(a, "kind", json_string(store_kind_name(it->actor_kind)));
		json_object_set_new(a, "id", json_integer(it->actor_id));
		json_object_set_new(a, "name", json_string(it->actor_name));
		json_object_set_new(o, "actor", a);
	} else {
		json_object_set_new(o, "actor", json_null());
	}
	json_object_set_new(o, "object_id", api_json_id(it->object_id));
	json_object_set_new(o, "detail", it->detail[0] != '\0' ? json_string(it->detail)
							      : json_null());
	json_object_set_new(o, "path", json_string(path));
	json_object_set_new(o, "created_at", api_json_time(it->created_at));
	json_object_set_new(o, "read", json_boolean(it->read_at != 0));
	json_object_set_new(o, "read_at", api_json_time(it->read_at));
	free(path);
	return o;
}

/* The staff member must exist: 404 otherwise. */
static int staff_exists(struct api_req *r)
{
	struct store_staff s = { 0 };
	char *error = NULL;
	enum gw_result res = store_staff_get(r->store, r->ids[0], &s, &error);

	store_staff_clear(&s);
	if (res != GW_OK) {
		api_fail(r, res, error, NULL);
		return -1;
	}
	return 0;
}

void api_staff_inbox(struct api_req *r)
{
	static const char *const params[] = { "unread", "limit", "before", NULL };
	struct store_inbox_list list = { 0 };
	int unread = 0, limit = STORE_INBOX_LIMIT_DEFAULT;
	int64_t before = 0;
	char *error = NULL;
	enum gw_result res;
	json_t *o, *arr;

	if (api_query_only(r, params) < 0 || api_query_bool(r, "unread", &unread) < 0 ||
	    api_query_int(r, "limit", 1, STORE_INBOX_LIMIT_MAX, &limit) < 0 ||
	    api_query_id(r, "before", &before) < 0 || staff_exists(r) < 0)
		return;
	res = store_inbox_list(r->store, r->ids[0], unread, limit, before, &list, &error);
	if (res != GW_OK) {
		api_fail(r, res, error, NULL);
		return;
	}
	o = json_object();
	arr = json_array();
	for (size_t i = 0; i < list.count; i++)
		json_array_append_new(arr, json_item(&list.items[i]));
	json_object_set_new(o, "items", arr);
	json_object_set_new(o, "unread", json_integer(list.unread));
	json_object_set_new(o, "next_before", list.count == (size_t)limit
						      ? json_integer(list.items[list.count - 1].id)
						      : json_null());
	store_inbox_list_free(&list);
	api_reply(r, 200, o);
}

/* "ids": a non-empty array of item ids, at most STORE_INBOX_LIMIT_MAX. */
static int get_ids(struct api_req *r, json_t *arr, int64_t **ids_r, size_t *n_r)
{
	size_t n = json_array_size(arr);

	if (!json_is_array(arr) || n == 0 || n > STORE_INBOX_LIMIT_MAX) {
		api_error(r, 400, "invalid_field", "ids",
			  "ids: must be a list of 1 to %d inbox item ids", STORE_INBOX_LIMIT_MAX);
		return -1;
	}
	*ids_r = xcalloc(n, sizeof(**ids_r));
	for (size_t i = 0; i < n; i++) {
		json_t *v = json_array_get(arr, i);

		if (!json_is_integer(v) || json_integer_value(v) <= 0) {
			api_error(r, 400, "invalid_field", "ids",
				  "ids[%zu]: must be an inbox item id (a positive integer)", i);
			free(*ids_r);
			*ids_r = NULL;
			return -1;
		}
		(*ids_r)[i] = (int64_t)json_integer_value(v);
	}
	*n_r = n;
	return 0;
}

void api_staff_inbox_read(struct api_req *r)
{
	static const char *const fields[] = { "ids", "all", NULL };
	json_t *arr = r->body != NULL ? json_object_get(r->body, "ids") : NULL;
	int all = 0, has_all = 0;
	int64_t *ids = NULL, marked = 0, unread = 0;
	size_t n = 0;
	char *error = NULL;
	enum gw_result res;

	if (api_body_only(r, fields) < 0 ||
	    api_get_bool(r, r->body, "all", 0, &all, &has_all) < 0)
		return;
	if ((arr == NULL || json_is_null(arr)) == !(has_all && all)) {
		api_error(r, 400, "missing_field", "ids",
			  "ids or all: give the items to mark read as \"ids\", or \"all\": true");
		return;
	}
	if (!(has_all && all) && get_ids(r, arr, &ids, &n) < 0)
		return;
	if (staff_exists(r) < 0) {
		free(ids);
		return;
	}
	res = store_inbox_mark_read(r->store, r->ids[0], ids, n, &marked, &error);
	free(ids);
	if (res == GW_OK)
		res = store_inbox_unread(r->store, r->ids[0], &unread, NULL, &error);
	if (res != GW_OK) {
		api_fail(r, res, error, res == GW_NOTFOUND ? "ids" : NULL);
		return;
	}
	api_reply(r, 200, json_pack("{s:I, s:I}", "marked", (json_int_t)marked, "unread",
				    (json_int_t)unread));
}
