/*
 * test_api_documents.c - GET /api/v1/threads/ID/documents and
 * /api/v1/accounts/ID/documents: every file with its folder, zip note and
 * sender, for the firm and as one reader sees them (a contact never gets
 * an internal note's file; someone who cannot see the thread: 403).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "test_api_util.h"

static void add_file(struct tfx *t, int64_t message, enum store_kind kind, int64_t who,
		     const char *name, const char *folder, const char *note)
{
	struct store_attachment_new a = {
		.thread_id = t->thread, .message_id = message, .uploader_kind = kind,
		.uploader_id = who, .file_name = name, .bytes = name, .len = strlen(name),
		.folder = folder, .zip_note = note,
	};
	char *e = NULL;

	if (store_attachment_add(t->s, &a, NULL, &e) != GW_OK)
		fail_msg("add %s: %s", name, e);
}

static void test_api_documents_lists(void **state)
{
	struct tfx *t = *state;
	struct store_post note = {
		.thread_id = t->thread, .author_kind = STORE_STAFF, .author_id = t->member,
		.body = "for staff", .internal = 1,
	};
	int64_t note_id = 0;
	char *e = NULL, *p;
	json_t *j, *docs, *d;

	if (store_message_send(t->s, &note, &note_id, NULL, &e) != GW_OK)
		fail_msg("note: %s", e);
	add_file(t, 0, STORE_CONTACT, t->anna, "b.pdf", "Tax/2026", NULL);
	add_file(t, 0, STORE_CONTACT, t->anna, "old.zip", "", "encrypted");
	add_file(t, note_id, STORE_STAFF, t->member, "memo.txt", "", NULL);

	p = fmt("/api/v1/threads/%lld/documents", (long long)t->thread);
	j = call(t, "GET", p, NULL, 200);
	assert_int_equal(jint(j, "count"), 3);
	docs = jget(j, "documents");
	d = json_array_get(docs, 2);
	assert_string_equal(jstr(d, "file_name"), "b.pdf");
	assert_string_equal(jstr(d, "folder"), "Tax/2026");
	assert_string_equal(jstr(d, "uploader_name"), "Anna Baker");
	assert_true(json_is_null(jget(d, "zip_note")));
	assert_string_equal(jstr(json_array_get(docs, 0), "file_name"), "memo.txt");
	assert_string_equal(jstr(json_array_get(docs, 1), "zip_note"), "encrypted");
	json_decref(j);
	free(p);

	p = fmt("/api/v1/threads/%lld/documents?reader=contact:%lld", (long long)t->thread,
		(long long)t->ben);
	j = call(t, "GET", p, NULL, 200);
	assert_int_equal(jint(j, "count"), 2);
	docs = jget(j, "documents");
	for (size_t i = 0; i < json_array_size(docs); i++)
		assert_string_not_equal(jstr(json_array_get(docs, i), "file_name"), "memo.txt");
	json_decref(j);
	free(p);
	p = fmt("/api/v1/threads/%lld/documents?reader=contact:%lld", (long long)t->thread,
		(long long)t->clara);
	call_error(t, "GET", p, NULL, 403, "forbidden", "reader", NULL);
	free(p);

	p = fmt("/api/v1/accounts/%lld/documents?reader=staff:%lld", (long long)t->acme,
		(long long)t->member);
	j = call(t, "GET", p, NULL, 200);
	assert_int_equal(jint(j, "count"), 3);
	assert_string_equal(jstr(json_array_get(jget(j, "documents"), 0), "thread_subject"),
			    jstr(json_array_get(jget(j, "documents"), 1), "thread_subject"));
	json_decref(j);
	free(p);
	p = fmt("/api/v1/accounts/%lld/documents?reader=contact:%lld", (long long)t->acme,
		(long long)t->clara);
	call_error(t, "GET", p, NULL, 403, "forbidden", "reader", NULL);
	free(p);
	call_error(t, "GET", "/api/v1/accounts/999/documents", NULL, 404, "not_found", NULL, NULL);
	call_error(t, "GET", "/api/v1/threads/999/documents", NULL, 404, "not_found", NULL, NULL);
}

#define T(name) cmocka_unit_test_setup_teardown(name, tfx_setup, tfx_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_api_documents_lists),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
