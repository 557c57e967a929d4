/*
 * api_refs.c - a thread's external references in the API: a label and an
 * http(s) URL into the firm's own systems, added with the chat or later,
 * removed, and shown on the thread records the firm reads.  A record read
 * as a contact (?reader=contact:ID) carries none: the firm's internal
 * links are not the client's business.
 *
 * Bad input is 422 with the field named: "url", "label", or
 * "refs[N].url" inside a new chat.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_int.h"
#include "buf.h"

json_t *api_json_ref(const struct store_thread_ref *f)
{
	return json_pack("{s:I, s:I, s:o, s:o, s:o}", "id", (json_int_t)f->id, "thread_id",
			 (json_int_t)f->thread_id, "label", api_json_str(f->label), "url",
			 api_json_str(f->url), "created_at", api_json_time(f->created_at));
}

json_t *api_json_refs(const struct store_thread_ref *refs, size_t n)
{
	json_t *arr = json_array();

	for (size_t i = 0; i < n; i++)
		json_array_append_new(arr, api_json_ref(&refs[i]));
	return arr;
}

int api_set_refs(struct api_req *r, json_t *thread, int64_t thread_id)
{
	struct store_thread_ref *refs = NULL;
	char *error = NULL;
	size_t n = 0;
	enum gw_result res = store_thread_refs(r->store, thread_id, &refs, &n, &error);

	if (res != GW_OK) {
		api_fail(r, res, error, NULL);
		return -1;
	}
	json_object_set_new(thread, "refs", api_json_refs(refs, n));
	store_thread_refs_free(refs, n);
	return 0;
}

/* 422 naming field (with r->prefix) for a store error "FIELD: why". */
static void ref_invalid(struct api_req *r, enum gw_result res, char *error, const char *field)
{
	char *name = api_field_name(r, field);

	if (r->prefix != NULL)
		api_error(r, 422, res == GW_PERMFAIL ? "rule_violation" : "invalid_value", name,
			  "%s.%s", r->prefix, error);
	else if (res == GW_PERMFAIL)
		api_fail_dup(r, res, xstrdup(error), name);
	else
		api_fail(r, res, xstrdup(error), name);
	free(error);
	free(name);
}

/* One {"label", "url"} object: both required strings, checked; only
 * those two members when only_these. */
static int get_ref(struct api_req *r, json_t *o, int only_these,
		   struct store_thread_ref_new *ref)
{
	static const char *const fields[] = { "label", "url", NULL };
	const char *field;
	char *error = NULL;
	enum gw_result res;

	if ((only_these && api_object_only(r, o, fields) < 0) || api_get_str(r, o, "label", 1, &ref->label) < 0 ||
	    api_get_str(r, o, "url", 1, &ref->url) < 0)
		return -1;
	res = store_thread_ref_check(ref->label, ref->url, &field, &error);
	if (res != GW_OK) {
		ref_invalid(r, res, error, field);
		return -1;
	}
	return 0;
}

int api_get_refs(struct api_req *r, struct store_thread_ref_new **refs_r, size_t *n_r)
{
	json_t *arr = json_object_get(r->body, "refs"), *v;
	char prefix[32];
	size_t i;
	int rc = 0;

	*refs_r = NULL;
	*n_r = 0;
	if (arr == NULL || json_is_null(arr))
		return 0;
	if (!json_is_array(arr) || json_array_size(arr) > STORE_REF_MAX) {
		api_error(r, 400, "invalid_field", "refs",
			  "refs: expected an array of at most %d {\"label\", \"url\"} objects",
			  STORE_REF_MAX);
		return -1;
	}
	*refs_r = xcalloc(json_array_size(arr) + 1, sizeof(**refs_r));
	json_array_foreach(arr, i, v) {
		snprintf(prefix, sizeof(prefix), "refs[%zu]", i);
		r->prefix = prefix;
		if (!json_is_object(v)) {
			api_error(r, 400, "invalid_field", prefix,
				  "%s: expected an object {\"label\", \"url\"}", prefix);
			rc = -1;
		} else {
			rc = get_ref(r, v, 1, &(*refs_r)[i]);
		}
		r->prefix = NULL;
		if (rc < 0) {
			free(*refs_r);
			*refs_r = NULL;
			return -1;
		}
	}
	*n_r = json_array_size(arr);
	return 0;
}

void api_refs_add(struct api_req *r)
{
	static const char *const fields[] = { "label", "url", "by_staff", NULL };
	struct store_thread_ref_new ref = { 0 };
	struct store_thread_ref *refs = NULL;
	int64_t staff = 0, id = 0;
	char *error = NULL;
	size_t n = 0;
	enum gw_result res;

	if (api_body_only(r, fields) < 0 || api_get_id(r, r->body, "by_staff", 0, &staff) < 0 ||
	    api_check_actor(r, r->ids[0], staff != 0 ? STORE_STAFF : 0, staff, "by_staff") < 0 ||
	    get_ref(r, r->body, 0, &ref) < 0)
		return;
	res = store_thread_ref_add(r->store, r->ids[0], staff, ref.label, ref.url, &id, &error);
	if (res == GW_INVALID || res == GW_PERMFAIL) {
		ref_invalid(r, res, error, strncmp(error, "url:", 4) == 0 ? "url" : "refs");
		return;
	}
	if (res == GW_OK)
		res = store_thread_refs(r->store, r->ids[0], &refs, &n, &error);
	if (res != GW_OK) {
		api_fail(r, res, error, NULL);
		return;
	}
	size_t i = 0;
	while (i < n && refs[i].id != id)
		i++;
	if (i < n)
		api_created(r, api_json_ref(&refs[i]));
	else
		api_error(r, 404, "not_found", NULL, "thread %lld: no ref %lld",
			  (long long)r->ids[0], (long long)id);
	store_thread_refs_free(refs, n);
}

void api_refs_remove(struct api_req *r)
{
	static const char *const none[] = { NULL };
	char *error = NULL;
	enum gw_result res;

	if (api_query_only(r, none) < 0 || api_check_actor(r, r->ids[0], 0, 0, NULL) < 0)
		return;
	res = store_thread_ref_remove(r->store, r->ids[0], r->ids[1], 0, &error);
	if (res != GW_OK) {
		api_fail(r, res, error, NULL);
		return;
	}
	api_reply(r, 204, NULL);
}
