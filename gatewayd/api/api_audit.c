/*
 * api_audit.c - the audit log and the legal hold in the JSON API:
 *   GET /audit                     entries, newest first, a page at a time
 *   GET /accounts/ID/hold          {"legal_hold": bool, "since": time|null}
 *   PUT /accounts/ID/hold          {"on": bool}
 * and the entry every authenticated request leaves (api_audit_record(),
 * called by api.c): who (the API key's name), what, from where.
 */
#include <stdlib.h>
#include <string.h>

#include "api_int.h"
#include "audit.h"
#include "clock.h"
#include "log.h"
#include "pool.h"
#include "retention.h"

#define AUDIT_LIMIT_DEFAULT 100
#define AUDIT_LIMIT_MAX 1000

int api_audit_record(struct api_req *r, const char *action, const char *method,
		     const char *path, int write)
{
	struct store_audit_in in;
	char target[160], *error = NULL;

	memset(&in, 0, sizeof(in));
	in.actor = STORE_AUDIT_API;
	in.actor_id = r->key.id;
	in.actor_name = r->key.name != NULL ? r->key.name : "api key";
	in.api_key = r->key.name;
	in.action = action;
	if (strncmp(path, "threads/", 8) == 0)
		in.thread_id = r->ids[0];
	else if (strncmp(path, "accounts/", 9) == 0)
		in.account_id = r->ids[0];
	/* The path names ids and template names, never a body or a key. */
	snprintf(target, sizeof(target), "%s /api/v1/%.140s", method, path);
	for (char *p = target; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	in.target = target;
	in.client = r->peer[0] != '\0' ? r->peer : NULL;
	if (!write) {
		in.at = clock_now();   /* when it was read, not when appended */
		store_pool_audit_defer(r->api->pool, &in);
		return 0;
	}
	if (store_audit_append(r->store, &in, NULL, &error) != GW_OK) {
		log_warn("api: api key %lld: cannot write the audit entry: %s",
			 (long long)r->key.id, error != NULL ? error : "");
		free(error);
		return -1;
	}
	return 0;
}

static json_t *json_audit(const struct store_audit *a)
{
	return json_pack("{s:I, s:o, s:s, s:o, s:s, s:s, s:o, s:o, s:o, s:o, s:o}",
			 "id", (json_int_t)a->id, "at", api_json_time(a->at),
			 "actor_kind", store_audit_actor_name(a->actor),
			 "actor_id", api_json_id(a->actor_id), "actor_name", a->actor_name,
			 "action", a->action, "account_id", api_json_id(a->account_id),
			 "thread_id", api_json_id(a->thread_id),
			 "target", api_json_str(a->target), "client", api_json_str(a->client),
			 "api_key", api_json_str(a->api_key));
}

void api_audit_list(struct api_req *r)
{
	static const char *const params[] = { "account", "since", "before", "limit", NULL };
	struct store_audit_filter f = { 0 };
	struct store_audit_list list = { 0 };
	const char *since = api_query(r, "since");
	int limit = AUDIT_LIMIT_DEFAULT;
	char *error = NULL;
	enum gw_result res;
	json_t *arr, *o;

	if (api_query_only(r, params) < 0 || api_query_id(r, "account", &f.account_id) < 0 ||
	    api_query_id(r, "before", &f.before_id) < 0 ||
	    api_query_int(r, "limit", 1, AUDIT_LIMIT_MAX, &limit) < 0)
		return;
	if (since != NULL && clock_parse(since, &f.since) < 0) {
		api_error(r, 400, "invalid_parameter", "since",
			  "since: \"%s\" is not a date (2026-11-25 or 2026-11-25T09:30:00Z)",
			  since);
		return;
	}
	f.limit = limit;
	res = store_audit_list(r->store, &f, &list, &error);
	if (res != GW_OK) {
		api_fail(r, res, error, NULL);
		return;
	}
	arr = json_array();
	for (size_t i = 0; i < list.count; i++)
		json_array_append_new(arr, json_audit(&list.items[i]));
	o = json_pack("{s:o}", "audit", arr);
	json_object_set_new(o, "next_before",
			    list.more ? json_integer(list.items[list.count - 1].id) : json_null());
	api_reply(r, 200, o);
	store_audit_list_free(&list);
}

static void reply_hold(struct api_req *r, int64_t account_id)
{
	int held = 0;
	int64_t since = 0;
	char *error = NULL;
	enum gw_result res = store_account_held(r->store, account_id, &held, &since, &error);

	if (res != GW_OK) {
		api_fail(r, res, error, NULL);
		return;
	}
	api_reply(r, 200, json_pack("{s:I, s:b, s:o}", "account_id", (json_int_t)account_id,
				    "legal_hold", held, "since", api_json_time(since)));
}

void api_hold_get(struct api_req *r)
{
	static const char *const no_params[] = { NULL };

	if (api_query_only(r, no_params) < 0)
		return;
	reply_hold(r, r->ids[0]);
}

void api_hold_put(struct api_req *r)
{
	static const char *const fields[] = { "on", NULL };
	char *error = NULL;
	enum gw_result res;
	int on = 0;

	if (api_body_only(r, fields) < 0 || api_get_bool(r, r->body, "on", 1, &on, NULL) < 0)
		return;
	res = store_account_set_hold(r->store, r->ids[0], on, &error);
	if (res != GW_OK) {
		api_fail(r, res, error, NULL);
		return;
	}
	log_info("api: account %lld: legal hold %s (api key %lld)", (long long)r->ids[0],
		 on ? "on" : "off", (long long)r->key.id);
	reply_hold(r, r->ids[0]);
}
