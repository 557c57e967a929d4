/*
 * api_documents.c - GET /api/threads/ID/documents and
 * GET /api/accounts/ID/documents: every file of a thread or of an
 * account's threads with its folder, who sent it and the thread's
 * subject, as the firm sees them or, with ?reader=contact:ID|staff:ID,
 * as that person does (a contact never gets a file of an internal note).
 */
#include <stdlib.h>
#include <string.h>

#include "api_int.h"

static json_t *documents_json(const struct store_documents *d)
{
	json_t *o = json_object(), *arr = json_array();

	for (size_t i = 0; i < d->count; i++) {
		json_t *doc = api_json_attachment(&d->docs[i].att);

		json_object_set_new(doc, "thread_id", json_integer(d->docs[i].att.thread_id));
		json_object_set_new(doc, "uploader_name", api_json_str(d->docs[i].uploader_name));
		json_object_set_new(doc, "thread_subject", api_json_str(d->docs[i].thread_subject));
		json_array_append_new(arr, doc);
	}
	json_object_set_new(o, "count", json_integer((json_int_t)d->count));
	json_object_set_new(o, "total_size", json_integer(d->total_size));
	json_object_set_new(o, "documents", arr);
	return o;
}

static const char *const params[] = { "reader", NULL };

void api_threads_documents(struct api_req *r)
{
	struct store_documents d;
	enum store_kind kind = 0;
	int64_t who = 0;
	char *error = NULL;
	enum gw_result res;

	if (api_query_only(r, params) < 0 || api_query_principal(r, "reader", &kind, &who) < 0 ||
	    api_check_actor(r, r->ids[0], kind, who, "reader") < 0)
		return;
	res = store_documents_thread(r->store, r->ids[0], kind, who, &d, &error);
	if (res != GW_OK) {
		api_fail(r, res, error, NULL);
		return;
	}
	api_reply(r, 200, documents_json(&d));
	store_documents_clear(&d);
}

void api_accounts_documents(struct api_req *r)
{
	struct store_documents d;
	struct store_account a = { 0 };
	enum store_kind kind = 0;
	int64_t who = 0;
	char *error = NULL;
	enum gw_result res;

	if (api_query_only(r, params) < 0 || api_query_principal(r, "reader", &kind, &who) < 0)
		return;
	res = store_account_get(r->store, r->ids[0], &a, &error);
	store_account_clear(&a);
	if (res != GW_OK) {
		api_fail(r, res, error, NULL);
		return;
	}
	res = store_documents_account(r->store, r->ids[0], kind, who, &d, &error);
	if (res == GW_NOTFOUND && kind != 0) {
		/* The account exists: the reader may not see it. */
		api_error(r, 403, "forbidden", "reader", "%s", error != NULL ? error : "");
		free(error);
		return;
	}
	if (res != GW_OK) {
		api_fail(r, res, error, NULL);
		return;
	}
	api_reply(r, 200, documents_json(&d));
	store_documents_clear(&d);
}
