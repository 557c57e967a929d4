/*
 * test_api_refs.c - a thread's external references in the JSON API: added
 * with a new chat and later, removed, found with ?ref_url=, shown on the
 * firm's records and never on one read as a contact, and bad input
 * refused with status, code and field and nothing written.  The fixture is
 * in test_api_util.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "test_api_util.h"

void test_api_refs_add_find_show_remove(void **state);
void test_api_refs_bad_input_names_the_field(void **state);
void test_api_refs_with_a_new_chat(void **state);

#define JOB_URL "https://pm.firm.example/jobs/4711"
#define JOB_URL_Q "https%3A%2F%2Fpm.firm.example%2Fjobs%2F4711"
#define JOB_LABEL "Tax return 2026 \xe2\x80\x93 job 4711"

static int64_t count_refs(struct tfx *t)
{
	struct store_thread_ref *refs = NULL;
	char *error = NULL;
	size_t n = 0;

	assert_int_equal(store_thread_refs(t->s, t->thread, &refs, &n, &error), GW_OK);
	store_thread_refs_free(refs, n);
	return (int64_t)n;
}

void test_api_refs_add_find_show_remove(void **state)
{
	struct tfx *t = *state;
	char *path = fmt("/api/v1/threads/%lld/refs", (long long)t->thread), *p, *body;
	json_t *j, *refs, *arr;

	body = fmt("{\"label\": \"%s\", \"url\": \"%s\", \"by_staff\": %lld}", JOB_LABEL, JOB_URL,
		   (long long)t->member);
	j = call(t, "POST", path, body, 201);
	free(body);
	int64_t ref = jint(j, "id");
	assert_int_equal(jint(j, "thread_id"), t->thread);
	assert_string_equal(jstr(j, "label"), JOB_LABEL);
	assert_string_equal(jstr(j, "url"), JOB_URL);
	assert_string_equal(jstr(j, "created_at"), "2026-11-25T09:00:00Z");
	json_decref(j);
	/* Plain text with markup in it stays text: the API hands it back as is. */
	j = call(t, "POST", path,
		 "{\"label\": \"<b>Folder</b> & co\", \"url\": \"http://dms.firm.example/f?a=1&b=2\"}",
		 201);
	assert_string_equal(jstr(j, "label"), "<b>Folder</b> & co");
	json_decref(j);

	/* The firm's record carries them, oldest first... */
	p = fmt("/api/v1/threads/%lld", (long long)t->thread);
	j = call(t, "GET", p, NULL, 200);
	refs = jget(j, "refs");
	assert_int_equal(json_array_size(refs), 2);
	assert_int_equal(jint(json_array_get(refs, 0), "id"), ref);
	assert_string_equal(jstr(json_array_get(refs, 1), "url"), "http://dms.firm.example/f?a=1&b=2");
	json_decref(j);
	free(p);
	p = fmt("/api/v1/threads/%lld?reader=staff:%lld", (long long)t->thread,
		(long long)t->owner);
	j = call(t, "GET", p, NULL, 200);
	assert_int_equal(json_array_size(jget(j, "refs")), 2);
	json_decref(j);
	free(p);
	/* ...and a contact's never does, not even the key. */
	p = fmt("/api/v1/threads/%lld?reader=contact:%lld", (long long)t->thread,
		(long long)t->anna);
	j = call(t, "GET", p, NULL, 200);
	assert_null(json_object_get(j, "refs"));
	char *text = json_dumps(j, 0);
	assert_null(strstr(text, "pm.firm.example"));
	free(text);
	json_decref(j);
	free(p);

	/* Finding the chats of a job: exactly that URL. */
	j = call(t, "GET", "/api/v1/threads?ref_url=" JOB_URL_Q, NULL, 200);
	arr = jget(j, "threads");
	assert_int_equal(json_array_size(arr), 1);
	assert_int_equal(jint(json_array_get(arr, 0), "id"), t->thread);
	assert_int_equal(json_array_size(jget(json_array_get(arr, 0), "refs")), 2);
	json_decref(j);
	j = call(t, "GET", "/api/v1/threads?ref_url=" JOB_URL_Q "%2F", NULL, 200);
	assert_int_equal(json_array_size(jget(j, "threads")), 0);
	json_decref(j);
	/* Every thread of an unfiltered list carries its refs (possibly none). */
	j = call(t, "GET", "/api/v1/threads", NULL, 200);
	arr = jget(j, "threads");
	for (size_t i = 0; i < json_array_size(arr); i++)
		assert_true(json_is_array(jget(json_array_get(arr, i), "refs")));
	json_decref(j);
	p = fmt("/api/v1/threads?reader=contact:%lld&ref_url=%s", (long long)t->anna, JOB_URL_Q);
	j = call(t, "GET", p, NULL, 200);
	arr = jget(j, "threads");
	assert_int_equal(json_array_size(arr), 1);
	assert_null(json_object_get(json_array_get(arr, 0), "refs"));
	json_decref(j);
	free(p);

	/* Remove: 204, then 404; the other thread's id space is not ours. */
	p = fmt("%s/%lld", path, (long long)ref);
	j = call(t, "DELETE", p, NULL, 204);
	json_decref(j);
	call_error(t, "DELETE", p, NULL, 404, "not_found", NULL, "no such link");
	free(p);
	assert_int_equal(count_refs(t), 1);
	j = call(t, "GET", "/api/v1/threads?ref_url=" JOB_URL_Q, NULL, 200);
	assert_int_equal(json_array_size(jget(j, "threads")), 0);
	json_decref(j);
	call_error(t, "DELETE", "/api/v1/threads/999/refs/1", NULL, 404, "not_found", NULL, NULL);
	free(path);
}

void test_api_refs_bad_input_names_the_field(void **state)
{
	struct tfx *t = *state;
	static const struct {
		const char *body;
		int status;
		const char *code, *field, *msg;
	} cases[] = {
		{ "{\"label\": \"Job\", \"url\": \"javascript:alert(1)\"}", 422, "invalid_value",
		  "url", "url: must start with http:// or https://" },
		{ "{\"label\": \"Job\", \"url\": \"ftp://files.firm.example/x\"}", 422,
		  "invalid_value", "url", "url: must start with http:// or https://" },
		{ "{\"label\": \"Job\", \"url\": \"https://pm.firm.example/\\u0007x\"}", 422,
		  "invalid_value", "url", "url: contains a blank or a control character" },
		{ "{\"label\": \"Job\", \"url\": \"https://pm.firm.example/\\nx\"}", 422,
		  "invalid_value", "url", "url: contains a blank or a control character" },
		{ "{\"label\": \"Job\", \"url\": \"\"}", 422, "invalid_value", "url", "url: empty" },
		{ "{\"label\": \"\", \"url\": \"https://pm.firm.example/\"}", 422, "invalid_value",
		  "label", "label: empty" },
		{ "{\"label\": \"a\\nb\", \"url\": \"https://pm.firm.example/\"}", 422,
		  "invalid_value", "label", "label: contains a line break" },
		{ "{\"url\": \"https://pm.firm.example/\"}", 400, "missing_field", "label", NULL },
		{ "{\"label\": \"Job\"}", 400, "missing_field", "url", NULL },
		{ "{\"label\": 7, \"url\": \"https://pm.firm.example/\"}", 400, "invalid_field",
		  "label", NULL },
		{ "{\"label\": \"Job\", \"url\": \"https://pm.firm.example/\", \"colour\": 1}", 400,
		  "unknown_field", "colour", NULL },
	};
	char *path = fmt("/api/v1/threads/%lld/refs", (long long)t->thread), *body, *label, *url;
	struct buf b = BUF_INIT;

	for (size_t i = 0; i < GW_ARRAY_SIZE(cases); i++) {
		struct resp r = req(t, "POST", path, cases[i].body, NULL);
		char *what = fmt("case %zu", i);

		expect_error(what, &r, cases[i].status, cases[i].code, cases[i].field,
			     cases[i].msg);
		resp_free(&r);
		free(what);
	}
	/* Overlong label and URL. */
	for (int i = 0; i <= STORE_REF_LABEL_MAX; i++)
		buf_putc(&b, 'x');
	label = buf_detach(&b);
	body = fmt("{\"label\": \"%s\", \"url\": \"https://pm.firm.example/\"}", label);
	call_error(t, "POST", path, body, 422, "invalid_value", "label",
		   "label: longer than 200 bytes");
	free(body);
	buf_puts(&b, "https://pm.firm.example/");
	while (b.len <= STORE_REF_URL_MAX)
		buf_putc(&b, 'a');
	url = buf_detach(&b);
	body = fmt("{\"label\": \"Job\", \"url\": \"%s\"}", url);
	call_error(t, "POST", path, body, 422, "invalid_value", "url",
		   "url: longer than 2048 bytes");
	free(body);
	free(label);
	free(url);
	assert_int_equal(count_refs(t), 0);

	/* The same URL twice on one thread: 409. */
	json_decref(call(t, "POST", path, "{\"label\": \"Job\", \"url\": \"" JOB_URL "\"}", 201));
	call_error(t, "POST", path, "{\"label\": \"Again\", \"url\": \"" JOB_URL "\"}", 409,
		   "conflict", "url", "links to it already");
	/* Someone who may not see the thread: 403; nobody at all: 404. */
	char *other = NULL, *error = NULL;
	int64_t birch_thread = 0;
	{
		int64_t acc = t->birch;
		struct store_chat_new c = { .account_ids = &acc, .n_accounts = 1,
					    .staff_id = t->owner, .subject = "s", .body = "b" };
		assert_int_equal(store_chat_create(t->s, &c, &birch_thread, &error), GW_OK);
	}
	other = fmt("/api/v1/threads/%lld/refs", (long long)birch_thread);
	body = fmt("{\"label\": \"Job\", \"url\": \"%s\", \"by_staff\": %lld}", JOB_URL,
		   (long long)t->member);
	call_error(t, "POST", other, body, 403, "forbidden", "by_staff", NULL);
	free(body);
	call_error(t, "POST", other,
		   "{\"label\": \"Job\", \"url\": \"" JOB_URL "\", \"by_staff\": 999}", 404,
		   "not_found", "by_staff", NULL);
	call_error(t, "POST", "/api/v1/threads/999/refs",
		   "{\"label\": \"Job\", \"url\": \"" JOB_URL "\"}", 404, "not_found", NULL, NULL);
	assert_int_equal(count_refs(t), 1);
	free(other);
	free(path);
}

void test_api_refs_with_a_new_chat(void **state)
{
	struct tfx *t = *state;
	struct store_thread_list all = { 0 };
	struct store_thread_filter any = { .archived = STORE_ARCHIVED_ANY };
	char *body, *error = NULL;
	json_t *j, *arr, *refs;
	size_t before;

	body = fmt("{\"account_ids\": [%lld, %lld], \"from_staff\": %lld, \"subject\": \"Tax\", "
		   "\"body\": \"Hello\", \"refs\": [{\"label\": \"%s\", \"url\": \"%s\"}]}",
		   (long long)t->acme, (long long)t->birch, (long long)t->owner, JOB_LABEL,
		   JOB_URL);
	j = call(t, "POST", "/api/v1/threads", body, 201);
	free(body);
	arr = jget(j, "threads");
	assert_int_equal(json_array_size(arr), 2);
	for (size_t i = 0; i < 2; i++) {
		refs = jget(json_array_get(arr, i), "refs");
		assert_int_equal(json_array_size(refs), 1);
		assert_string_equal(jstr(json_array_get(refs, 0), "label"), JOB_LABEL);
	}
	json_decref(j);
	j = call(t, "GET", "/api/v1/threads?ref_url=" JOB_URL_Q, NULL, 200);
	assert_int_equal(json_array_size(jget(j, "threads")), 2);
	json_decref(j);

	assert_int_equal(store_thread_list(t->s, &any, &all, &error), GW_OK);
	before = all.count;
	store_thread_list_free(&all);
	/* A bad reference refuses the whole chat, naming which one. */
	body = fmt("{\"account_id\": %lld, \"from_staff\": %lld, \"subject\": \"Tax\", "
		   "\"body\": \"Hello\", \"refs\": [{\"label\": \"Job\", \"url\": \"%s\"}, "
		   "{\"label\": \"Evil\", \"url\": \"javascript:alert(1)\"}]}",
		   (long long)t->acme, (long long)t->owner, JOB_URL);
	call_error(t, "POST", "/api/v1/threads", body, 422, "invalid_value", "refs[1].url",
		   "refs[1].url: must start with http:// or https://");
	free(body);
	body = fmt("{\"account_id\": %lld, \"from_staff\": %lld, \"subject\": \"Tax\", "
		   "\"body\": \"Hello\", \"refs\": [{\"label\": \"\", \"url\": \"%s\"}]}",
		   (long long)t->acme, (long long)t->owner, JOB_URL);
	call_error(t, "POST", "/api/v1/threads", body, 422, "invalid_value", "refs[0].label",
		   "refs[0].label: empty");
	free(body);
	body = fmt("{\"account_id\": %lld, \"from_staff\": %lld, \"subject\": \"Tax\", "
		   "\"body\": \"Hello\", \"refs\": [{\"url\": \"%s\"}]}",
		   (long long)t->acme, (long long)t->owner, JOB_URL);
	call_error(t, "POST", "/api/v1/threads", body, 400, "missing_field", "refs[0].label",
		   NULL);
	free(body);
	body = fmt("{\"account_id\": %lld, \"from_staff\": %lld, \"subject\": \"Tax\", "
		   "\"body\": \"Hello\", \"refs\": {\"label\": \"Job\"}}",
		   (long long)t->acme, (long long)t->owner);
	call_error(t, "POST", "/api/v1/threads", body, 400, "invalid_field", "refs", NULL);
	free(body);
	assert_int_equal(store_thread_list(t->s, &any, &all, &error), GW_OK);
	assert_int_equal(all.count, before);
	store_thread_list_free(&all);
}
