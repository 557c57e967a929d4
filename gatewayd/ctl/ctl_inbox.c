/*
 * ctl_inbox.c - gatewayctl inbox list / read: a staff member's inbox
 * (store/inbox.h), what the web view's /inbox and the API's
 * /staff/ID/inbox show, with the same read state.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "ctl.h"
#include "inbox.h"

static json_t *json_item(const struct store_inbox_item *it)
{
	char *path = store_inbox_item_path(it);
	json_t *o = json_pack("{s:I, s:s, s:s, s:s, s:s, s:b, s:s}", "id", (json_int_t)it->id,
			      "kind", store_inbox_kind_name(it->kind), "subject", it->subject,
			      "account_name", it->account_name, "actor_name", it->actor_name,
			      "read", it->read_at != 0, "path", path);

	json_object_set_new(o, "thread_id", it->thread_id != 0 ? json_integer(it->thread_id)
							       : json_null());
	json_object_set_new(o, "message_id", it->message_id != 0 ? json_integer(it->message_id)
								 : json_null());
	json_object_set_new(o, "contact_id", it->contact_id != 0 ? json_integer(it->contact_id)
								 : json_null());
	json_object_set_new(o, "object_id", it->object_id != 0 ? json_integer(it->object_id)
							       : json_null());
	json_object_set_new(o, "detail", it->detail[0] != '\0' ? json_string(it->detail)
							      : json_null());
	json_object_set_new(o, "created_at", ctl_json_time(it->created_at));
	json_object_set_new(o, "read_at", ctl_json_time(it->read_at));
	free(path);
	return o;
}

static int staff_id(struct ctl *c, const char *s, int64_t *id_r)
{
	struct store_staff st = { 0 };
	char *error = NULL;
	int rc = ctl_parse_id(c, NULL, "a staff id", s, id_r);
	enum gw_result r;

	if (rc != 0)
		return rc;
	r = store_staff_get(c->store, *id_r, &st, &error);
	store_staff_clear(&st);
	return r == GW_OK ? 0 : ctl_store_fail(c, r, error);
}

int ctl_cmd_inbox_list(struct ctl *c, const struct ctl_args *a)
{
	static const char *const head[] = { "ID", "", "WHEN", "WHAT", "WHO", "WHERE", "PATH" };
	struct store_inbox_list list = { 0 };
	const char *lim = ctl_opt(a, "--limit"), *before_s = ctl_opt(a, "--before");
	int64_t id, limit = STORE_INBOX_LIMIT_DEFAULT, before = 0;
	char *error = NULL, tbuf[CTL_TIME_MAX];
	enum gw_result r;
	int rc = staff_id(c, a->pos[0], &id);

	if (rc == 0 && lim != NULL)
		rc = ctl_parse_int(c, "--limit", lim, 1, STORE_INBOX_LIMIT_MAX, &limit);
	if (rc == 0 && before_s != NULL)
		rc = ctl_parse_id(c, "--before", "an inbox item id", before_s, &before);
	if (rc != 0)
		return rc;
	r = store_inbox_list(c->store, id, ctl_flag(a, "--unread"), (int)limit, before, &list,
			     &error);
	if (r != GW_OK)
		return ctl_store_fail(c, r, error);
	if (c->json) {
		json_t *arr = json_array();

		for (size_t i = 0; i < list.count; i++)
			json_array_append_new(arr, json_item(&list.items[i]));
		ctl_json_print(json_pack("{s:o, s:I}", "items", arr, "unread",
					 (json_int_t)list.unread));
	} else {
		struct ctl_table t;

		printf("%lld unread\n", (long long)list.unread);
		ctl_table_init(&t, GW_ARRAY_SIZE(head), head);
		for (size_t i = 0; i < list.count; i++) {
			const struct store_inbox_item *it = &list.items[i];
			char *path = store_inbox_item_path(it);

			ctl_table_cell(&t, "%lld", (long long)it->id);
			ctl_table_cell(&t, "%s", it->read_at == 0 ? "*" : "");
			ctl_table_cell(&t, "%s", ctl_time(it->created_at, tbuf));
			ctl_table_cell(&t, "%s%s%s", store_inbox_kind_name(it->kind),
				       it->detail[0] != '\0' ? " " : "", it->detail);
			ctl_table_cell(&t, "%s", it->actor_name);
			ctl_table_cell(&t, "%s%s%s", it->subject, it->subject[0] != '\0' ? " / " : "",
				       it->account_name);
			ctl_table_cell(&t, "%s", path);
			free(path);
		}
		ctl_table_print(&t, stdout);
	}
	store_inbox_list_free(&list);
	return 0;
}

int ctl_cmd_inbox_read(struct ctl *c, const struct ctl_args *a)
{
	int64_t id, *ids = NULL, marked = 0;
	size_t n = 0;
	char *error = NULL;
	enum gw_result r;
	int all = ctl_flag(a, "--all");
	int rc = staff_id(c, a->pos[0], &id);

	if (rc != 0)
		return rc;
	if (all == (a->npos > 1))
		return ctl_usage(c, "inbox read: give the item ids, or --all");
	if (!all) {
		ids = xcalloc((size_t)a->npos - 1, sizeof(*ids));
		for (int i = 1; i < a->npos && rc == 0; i++)
			rc = ctl_parse_id(c, NULL, "an inbox item id", a->pos[i], &ids[n++]);
		if (rc != 0) {
			free(ids);
			return rc;
		}
	}
	r = store_inbox_mark_read(c->store, id, ids, n, &marked, &error);
	free(ids);
	if (r != GW_OK)
		return ctl_store_fail(c, r, error);
	if (c->json)
		ctl_json_print(json_pack("{s:I}", "marked", (json_int_t)marked));
	else
		printf("%lld item%s marked read\n", (long long)marked, marked == 1 ? "" : "s");
	return 0;
}
