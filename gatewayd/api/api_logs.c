/*
 * api_logs.c - the firm's mail log, read-only: the outbox (every email
 * gatewayd sends or tried to: queued, sending, sent, failed, with the
 * last error and attempts) and the inbound log (every email the MTA handed
 * over and what was decided: explained, dropped as automatic, bounce,
 * loop, with the reason).  Newest first.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api_int.h"

#define LOG_LIMIT_DEFAULT 100
#define LOG_LIMIT_MAX 10000

void api_outbox_list(struct api_req *r)
{
	static const char *const params[] = { "status", "thread", "limit", NULL };
	struct store_outbox_list list = { 0 };
	enum store_out_status status = 0;
	const char *status_s;
	int64_t thread = 0;
	int limit = LOG_LIMIT_DEFAULT;
	char *error = NULL;
	enum gw_result res;
	json_t *arr;

	if (api_query_only(r, params) < 0 || api_query_id(r, "thread", &thread) < 0 ||
	    api_query_int(r, "limit", 1, LOG_LIMIT_MAX, &limit) < 0)
		return;
	status_s = api_query(r, "status");
	if (status_s != NULL && store_out_status_parse(status_s, &status) < 0) {
		api_error(r, 400, "invalid_parameter", "status",
			  "status: '%s' is not queued, sending, sent or failed", status_s);
		return;
	}
	if (thread != 0) {
		struct store_thread t = { 0 };

		res = store_thread_get(r->store, thread, 0, 0, &t, &error);
		store_thread_clear(&t);
		if (res != GW_OK) {
			api_fail(r, res, error, "thread");
			return;
		}
	}
	res = store_outbox_list(r->store, status, thread, limit, &list, &error);
	if (res != GW_OK) {
		api_fail(r, res, error, NULL);
		return;
	}
	arr = json_array();
	for (size_t i = 0; i < list.count; i++)
		json_array_append_new(arr, api_json_outbox(&list.items[i]));
	api_reply(r, 200, json_pack("{s:o}", "outbox", arr));
	store_outbox_list_free(&list);
}

void api_outbox_show(struct api_req *r)
{
	static const char *const params[] = { NULL };
	struct store_outbox row = { 0 };
	char *error = NULL;
	enum gw_result res;

	if (api_query_only(r, params) < 0)
		return;
	res = store_outbox_get(r->store, r->ids[0], &row, &error);
	if (res != GW_OK) {
		api_fail(r, res, error, NULL);
		return;
	}
	api_reply(r, 200, api_json_outbox(&row));
	store_outbox_clear(&row);
}

/*
 * The store lists the inbound log newest first with a limit; the filters
 * are applied here, over the whole log when one is given (the log of one
 * firm's replies to notifications, not a mailbox).
 */
void api_inbound_list(struct api_req *r)
{
	static const char *const params[] = { "verdict", "thread", "sender", "limit", NULL };
	struct store_inbound_list list = { 0 };
	const char *verdict = api_query(r, "verdict"), *sender = api_query(r, "sender");
	int64_t thread = 0;
	int limit = LOG_LIMIT_DEFAULT, filtered;
	char *error = NULL;
	enum gw_result res;
	json_t *arr;

	if (api_query_only(r, params) < 0 || api_query_id(r, "thread", &thread) < 0 ||
	    api_query_int(r, "limit", 1, LOG_LIMIT_MAX, &limit) < 0)
		return;
	filtered = verdict != NULL || sender != NULL || thread != 0;
	res = store_inbound_list(r->store, filtered ? 0 : limit, &list, &error);
	if (res != GW_OK) {
		api_fail(r, res, error, NULL);
		return;
	}
	arr = json_array();
	for (size_t i = 0; i < list.count && json_array_size(arr) < (size_t)limit; i++) {
		const struct store_inbound *in = &list.items[i];

		if (verdict != NULL && strcmp(in->verdict, verdict) != 0)
			continue;
		if (sender != NULL && strcasecmp(in->sender, sender) != 0)
			continue;
		if (thread != 0 && in->thread_id != thread)
			continue;
		json_array_append_new(arr, api_json_inbound(in));
	}
	api_reply(r, 200, json_pack("{s:o}", "inbound", arr));
	store_inbound_list_free(&list);
}
