/*
 * api_webhooks.c - webhook endpoints through the JSON API:
 *
 *   GET    /webhooks        every endpoint (config and API ones)
 *   POST   /webhooks        {name, url, secret_file, events?} -> 201
 *   GET    /webhooks/ID
 *   PATCH  /webhooks/ID     {enabled}: enable again after failures (the
 *                           waiting events go out at once, in order) or stop
 *   DELETE /webhooks/ID     an API endpoint and its waiting events -> 204
 *
 * The secret itself never passes through the API: secret_file names a file
 * on the gateway's host that the daemon can read and nobody else can (the
 * same rule as [webhooks] NAME.secret_file).  Endpoints of [webhooks] are
 * listed and may be enabled or disabled, but are changed in the file.
 */
#include <stdlib.h>
#include <string.h>

#include "api_int.h"
#include "buf.h"
#include "store_webhooks.h"
#include "webhook.h"
#include "webhook_json.h"

static json_t *json_endpoint(const struct store_webhook *e)
{
	json_t *o = json_object();

	json_object_set_new(o, "id", json_integer(e->id));
	json_object_set_new(o, "name", json_string(e->name));
	json_object_set_new(o, "url", json_string(e->url));
	json_object_set_new(o, "secret_file", json_string(e->secret_file));
	json_object_set_new(o, "events", webhook_json_events(e->events));
	json_object_set_new(o, "source", json_string(e->from_config ? "config" : "api"));
	json_object_set_new(o, "enabled", json_boolean(e->enabled));
	json_object_set_new(o, "removed", json_boolean(e->removed));
	json_object_set_new(o, "failing_since", api_json_time(e->failing_since));
	json_object_set_new(o, "disabled_at", api_json_time(e->disabled_at));
	json_object_set_new(o, "disabled_reason", api_json_str(e->disabled_reason));
	json_object_set_new(o, "waiting", json_integer(e->queued));
	json_object_set_new(o, "delivered", json_integer(e->delivered));
	json_object_set_new(o, "last_error", api_json_str(e->last_error));
	json_object_set_new(o, "created_at", api_json_time(e->created_at));
	return o;
}

static void reply_endpoint(struct api_req *r, int status, int64_t id)
{
	struct store_webhook e;
	char *error = NULL;
	enum gw_result res = store_webhook_get(r->store, id, &e, &error);

	if (res != GW_OK) {
		api_fail(r, res, error, NULL);
		return;
	}
	if (status == 201)
		api_created(r, json_endpoint(&e));
	else
		api_reply(r, status, json_endpoint(&e));
	store_webhook_clear(&e);
}

void api_webhooks_list(struct api_req *r)
{
	static const char *const params[] = { NULL };
	struct store_webhook_list list = { 0 };
	char *error = NULL;
	enum gw_result res;
	json_t *arr;

	if (api_query_only(r, params) < 0)
		return;
	res = store_webhook_list(r->store, &list, &error);
	if (res != GW_OK) {
		api_fail(r, res, error, NULL);
		return;
	}
	arr = json_array();
	for (size_t i = 0; i < list.count; i++)
		json_array_append_new(arr, json_endpoint(&list.items[i]));
	api_reply(r, 200, json_pack("{s:o}", "webhooks", arr));
	store_webhook_list_free(&list);
}

void api_webhooks_show(struct api_req *r)
{
	static const char *const params[] = { NULL };

	if (api_query_only(r, params) < 0)
		return;
	reply_endpoint(r, 200, r->ids[0]);
}

/* "events": an array of names, or one string "a,b" / "*"; absent = all. */
static int get_events(struct api_req *r, unsigned *mask_r)
{
	json_t *v = json_object_get(r->body, "events");
	struct buf b = BUF_INIT;
	char *bad = NULL;
	size_t i;
	json_t *item;

	*mask_r = WEBHOOK_EVENTS_ALL;
	if (v == NULL || json_is_null(v))
		return 0;
	if (json_is_string(v)) {
		buf_puts(&b, json_string_value(v));
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, item) {
			if (!json_is_string(item)) {
				buf_release(&b);
				api_error(r, 400, "invalid_field", "events",
					  "events: an array of event names");
				return -1;
			}
			buf_printf(&b, "%s,", json_string_value(item));
		}
	} else {
		api_error(r, 400, "invalid_field", "events", "events: an array of event names");
		return -1;
	}
	if (webhook_events_parse(buf_cstr(&b), mask_r, &bad) < 0) {
		api_error(r, 422, "invalid_value", "events", "events: \"%s\" is no event; known: %s",
			  bad, webhook_events_known());
		free(bad);
		buf_release(&b);
		return -1;
	}
	buf_release(&b);
	return 0;
}

void api_webhooks_create(struct api_req *r)
{
	static const char *const fields[] = { "name", "url", "secret_file", "events", NULL };
	struct store_webhook_in in = { 0 };
	char *why = NULL, *secret = NULL, *error = NULL;
	int64_t id = 0;
	enum gw_result res;

	if (api_body_only(r, fields) < 0 || api_get_str(r, r->body, "name", 1, &in.name) < 0 ||
	    api_get_str(r, r->body, "url", 1, &in.url) < 0 ||
	    api_get_str(r, r->body, "secret_file", 1, &in.secret_file) < 0 ||
	    get_events(r, &in.events) < 0)
		return;
	if (webhook_name_check(in.name, &why) < 0) {
		api_error(r, 422, "invalid_value", "name", "name: %s", why);
		free(why);
		return;
	}
	if (webhook_url_check(in.url, &why) < 0) {
		api_error(r, 422, "invalid_value", "url", "url: %s", why);
		free(why);
		return;
	}
	if (in.secret_file[0] != '/') {
		api_error(r, 422, "invalid_value", "secret_file",
			  "secret_file: \"%s\" is not an absolute path", in.secret_file);
		return;
	}
	if (webhook_secret_read(in.secret_file, &secret, &why) < 0) {
		api_error(r, 422, "invalid_value", "secret_file", "secret_file: %s", why);
		free(why);
		return;
	}
	free(secret);
	res = store_webhook_add(r->store, &in, &id, &error);
	if (res != GW_OK) {
		api_fail_dup(r, res, error, "name");
		return;
	}
	reply_endpoint(r, 201, id);
}

void api_webhooks_patch(struct api_req *r)
{
	static const char *const fields[] = { "enabled", NULL };
	char *error = NULL;
	int enabled = 0, present = 0;
	enum gw_result res;

	if (api_body_only(r, fields) < 0 ||
	    api_get_bool(r, r->body, "enabled", 1, &enabled, &present) < 0)
		return;
	res = store_webhook_set_enabled(r->store, r->ids[0], enabled, &error);
	if (res != GW_OK) {
		api_fail(r, res, error, "enabled");
		return;
	}
	reply_endpoint(r, 200, r->ids[0]);
}

void api_webhooks_delete(struct api_req *r)
{
	char *error = NULL;
	enum gw_result res = store_webhook_remove(r->store, r->ids[0], &error);

	if (res != GW_OK) {
		api_fail(r, res, error, NULL);
		return;
	}
	api_reply(r, 204, NULL);
}
