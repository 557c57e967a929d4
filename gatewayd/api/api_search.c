/*
 * api_search.c - GET /api/v1/search: the staff's search (store/search.h)
 * for integrators.  Without ?staff= the firm searches everything; with
 * it, the results are what that staff member sees, with their unread
 * counts, and the filters assigned, following and unread apply to them.
 * An account the staff member does not see is a 404 like one that does
 * not exist.  The query is text: FTS5 syntax in it is taken literally.
 */
#include <stdlib.h>
#include <string.h>

#include "api_int.h"
#include "buf.h"
#include "search.h"
#include "search_json.h"

static json_t *api_json_search_hit(const struct store_search_hit *h, int with_unread)
{
	return search_json_hit(h, api_json_thread(&h->thread, with_unread), api_json_time(h->last_at));
}

void api_search(struct api_req *r)
{
	static const char *const params[] = { "q", "staff", "account", "assigned", "following",
					      "unread", "reminders", "archived", "limit",
					      "offset", NULL };
	struct store_search_filter f = { 0 };
	struct store_search_list list = { 0 };
	char *error = NULL;
	enum gw_result res;
	json_t *arr;

	f.query = api_query(r, "q");
	f.limit = 50;
	f.archived = f.query != NULL && *f.query != '\0' ? STORE_ARCHIVED_ANY : STORE_ARCHIVED_NO;
	if (api_query_only(r, params) < 0 || api_query_id(r, "staff", &f.staff_id) < 0 ||
	    api_query_id(r, "account", &f.account_id) < 0 ||
	    api_query_bool(r, "assigned", &f.assigned) < 0 ||
	    api_query_bool(r, "following", &f.following) < 0 ||
	    api_query_bool(r, "unread", &f.unread) < 0 ||
	    api_query_bool(r, "reminders", &f.reminders) < 0 ||
	    api_query_archived(r, &f.archived) < 0 ||
	    api_query_int(r, "limit", 1, STORE_SEARCH_LIMIT_MAX, &f.limit) < 0 ||
	    api_query_int(r, "offset", 0, 1000000000, &f.offset) < 0)
		return;
	if (f.staff_id != 0) {
		struct store_staff s;

		res = store_staff_get(r->store, f.staff_id, &s, &error);
		store_staff_clear(&s);
		if (res != GW_OK) {
			api_fail(r, res, error, "staff");
			return;
		}
	}
	res = store_search(r->store, &f, &list, &error);
	if (res != GW_OK) {
		/* "query: ...", "account 3: ...", "unread: needs a staff member" */
		const char *field = res == GW_NOTFOUND ? "account"
				    : error != NULL && strncmp(error, "query", 5) == 0 ? "q"
				    : error != NULL && strncmp(error, "limit", 5) == 0 ? "limit"
				    : error != NULL && strncmp(error, "assigned", 8) == 0 ? "assigned"
				    : error != NULL && strncmp(error, "following", 9) == 0 ? "following"
				    : error != NULL && strncmp(error, "unread", 6) == 0 ? "unread"
				    : NULL;

		if (res == GW_INVALID) {
			api_error(r, 400, "invalid_parameter", field, "%s", error);
			free(error);
		} else {
			api_fail(r, res, error, field);
		}
		return;
	}
	arr = json_array();
	for (size_t i = 0; i < list.count; i++)
		json_array_append_new(arr, api_json_search_hit(&list.items[i], f.staff_id != 0));
	api_reply(r, 200, json_pack("{s:o, s:o, s:i, s:i}", "query", api_json_str(f.query),
				    "results", arr, "limit", f.limit, "offset", f.offset));
	store_search_list_free(&list);
}
