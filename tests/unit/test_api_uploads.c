/*
 * test_api_uploads.c - files through the JSON API: a multipart/form-data
 * post (a part "json" with the usual object, parts "file") on
 * POST /threads/ID/messages and POST /threads, the files one message with
 * the text, and the refusals (bulk chat with files, an empty file, a bad
 * name, a garbled body, stray parts) each a JSON error naming the field.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <archive.h>
#include <archive_entry.h>

#include "buf.h"
#include "test_api_util.h"

#define B "ApiB0und"

static const char *const MP[] = {
	"Content-Type: multipart/form-data; boundary=" B, NULL,
};

static void json_part(struct buf *b, const char *json)
{
	buf_printf(b, "--" B "\r\nContent-Disposition: form-data; name=\"json\"\r\n"
		      "Content-Type: application/json\r\n\r\n%s\r\n", json);
}

static void file_part(struct buf *b, const char *field, const char *name, const char *bytes)
{
	buf_printf(b, "--" B "\r\nContent-Disposition: form-data; name=\"%s\"; filename=\"%s\"\r\n"
		      "Content-Type: application/pdf\r\n\r\n%s\r\n", field, name, bytes);
}

static struct resp send_mp(struct tfx *t, const char *path, struct buf *b)
{
	buf_puts(b, "--" B "--\r\n");
	return req(t, "POST", path, b->data, MP);
}

static void test_api_uploads_message_with_files(void **state)
{
	struct tfx *t = *state;
	char path[64], json[128];
	struct buf b = BUF_INIT;
	struct resp r;
	json_t *show, *att;
	int64_t msg;

	snprintf(path, sizeof(path), "/api/v1/threads/%lld/messages", (long long)t->thread);
	snprintf(json, sizeof(json), "{\"from_staff\": %lld}", (long long)t->member);
	json_part(&b, json);
	file_part(&b, "file", "bank-statements.pdf", "%PDF bank");
	file_part(&b, "file", "stock.xlsx", "PK stock");
	r = send_mp(t, path, &b);
	assert_int_equal(r.status, 201);
	msg = json_integer_value(json_object_get(r.json, "id"));
	assert_true(msg > 0);
	/* The reply names the files it stored. */
	assert_int_equal(json_array_size(json_object_get(r.json, "attachments")), 2);
	resp_free(&r);
	snprintf(path, sizeof(path), "/api/v1/threads/%lld", (long long)t->thread);
	show = call(t, "GET", path, NULL, 200);
	att = json_object_get(show, "attachments");
	assert_int_equal(json_array_size(att), 2);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(att, 1), "message_id")),
			 msg);
	assert_string_equal(json_string_value(json_object_get(json_array_get(att, 1),
							      "file_name")), "stock.xlsx");
	json_decref(show);
	buf_release(&b);
}

static void test_api_uploads_new_chat_and_refusals(void **state)
{
	struct tfx *t = *state;
	char json[256], path[64];
	struct buf b = BUF_INIT;
	struct resp r;

	/* One account: created with the file. */
	snprintf(json, sizeof(json), "{\"from_staff\": %lld, \"account_id\": %lld, "
		 "\"subject\": \"Year end\"}", (long long)t->owner, (long long)t->acme);
	json_part(&b, json);
	file_part(&b, "file", "letter.pdf", "%PDF letter");
	r = send_mp(t, "/api/v1/threads", &b);
	assert_int_equal(r.status, 201);
	resp_free(&r);

	/* Bulk with a file: refused, naming the field. */
	buf_reset(&b);
	snprintf(json, sizeof(json), "{\"from_staff\": %lld, \"account_ids\": [%lld, %lld], "
		 "\"subject\": \"S\", \"body\": \"B\"}", (long long)t->owner, (long long)t->acme,
		 (long long)t->birch);
	json_part(&b, json);
	file_part(&b, "file", "letter.pdf", "%PDF letter");
	r = send_mp(t, "/api/v1/threads", &b);
	expect_error("bulk", &r, 422, "invalid_value", "file", "one account");
	resp_free(&r);

	snprintf(path, sizeof(path), "/api/v1/threads/%lld/messages", (long long)t->thread);
	snprintf(json, sizeof(json), "{\"from_staff\": %lld, \"body\": \"b\"}",
		 (long long)t->member);
	/* An empty file; a name with a slash; a part of another name. */
	buf_reset(&b);
	json_part(&b, json);
	file_part(&b, "file", "empty.pdf", "");
	r = send_mp(t, path, &b);
	expect_error("empty", &r, 422, "invalid_value", "file", "is empty");
	resp_free(&r);
	buf_reset(&b);
	json_part(&b, json);
	file_part(&b, "file", "../x.pdf", "x");
	r = send_mp(t, path, &b);
	expect_error("slash", &r, 422, "invalid_value", "file", "cannot be used");
	resp_free(&r);
	buf_reset(&b);
	json_part(&b, json);
	file_part(&b, "attachment", "x.pdf", "x");
	r = send_mp(t, path, &b);
	expect_error("field", &r, 400, "invalid_field", "attachment", NULL);
	resp_free(&r);
	/* Garbled: no closing delimiter. */
	buf_reset(&b);
	json_part(&b, json);
	r = req(t, "POST", path, b.data, MP);
	expect_error("garbled", &r, 400, "bad_multipart", "file", NULL);
	resp_free(&r);
	/* A bad JSON part. */
	buf_reset(&b);
	json_part(&b, "{not json");
	file_part(&b, "file", "x.pdf", "x");
	r = send_mp(t, path, &b);
	expect_error("json", &r, 400, "bad_json", "json", NULL);
	resp_free(&r);
	buf_release(&b);
}

static la_ssize_t zip_to_buf(struct archive *a, void *b, const void *bytes, size_t n)
{
	(void)a;
	buf_append(b, bytes, n);
	return (la_ssize_t)n;
}

/* A zip through the API unpacks as in the web view: its files with their
 * folders, one message; a zip bomb refuses the post (422, nothing kept). */
static void test_api_uploads_zip(void **state)
{
	struct tfx *t = *state;
	static const char *const ents[] = { "Scans/p1.pdf", "%PDF one", "Scans/p2.pdf", "%PDF two" };
	struct archive *a = archive_write_new();
	struct buf zip = BUF_INIT, b = BUF_INIT;
	char path[64], json[128];
	json_t *show, *att;
	struct resp r;

	archive_write_set_format_zip(a);
	archive_write_set_bytes_per_block(a, 0);
	archive_write_open(a, &zip, NULL, zip_to_buf, NULL);
	for (size_t i = 0; i < 2; i++) {
		struct archive_entry *en = archive_entry_new();

		archive_entry_set_pathname(en, ents[2 * i]);
		archive_entry_set_filetype(en, AE_IFREG);
		archive_entry_set_perm(en, 0644);
		archive_entry_set_size(en, (la_int64_t)strlen(ents[2 * i + 1]));
		archive_write_header(a, en);
		archive_write_data(a, ents[2 * i + 1], strlen(ents[2 * i + 1]));
		archive_entry_free(en);
	}
	archive_write_close(a);
	archive_write_free(a);

	snprintf(path, sizeof(path), "/api/v1/threads/%lld/messages", (long long)t->thread);
	snprintf(json, sizeof(json), "{\"from_staff\": %lld}", (long long)t->member);
	json_part(&b, json);
	buf_puts(&b, "--" B "\r\nContent-Disposition: form-data; name=\"file\"; "
		     "filename=\"scans.zip\"\r\nContent-Type: application/zip\r\n\r\n");
	buf_append(&b, zip.data, zip.len);
	buf_puts(&b, "\r\n--" B "--\r\n");
	{
		static const char *const h[] = {
			"Content-Type: multipart/form-data; boundary=" B, NULL,
		};
		r = req_len(t, "POST", path, b.data, b.len, h);
	}
	assert_int_equal(r.status, 201);
	assert_int_equal(json_array_size(json_object_get(r.json, "attachments")), 2);
	resp_free(&r);
	snprintf(path, sizeof(path), "/api/v1/threads/%lld", (long long)t->thread);
	show = call(t, "GET", path, NULL, 200);
	att = json_object_get(show, "attachments");
	assert_int_equal(json_array_size(att), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(att, 0), "folder")),
			    "Scans");
	assert_string_equal(json_string_value(json_object_get(json_array_get(att, 1),
							      "file_name")), "p2.pdf");
	json_decref(show);
	buf_release(&zip);
	buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_api_uploads_message_with_files, tfx_setup,
						tfx_teardown),
		cmocka_unit_test_setup_teardown(test_api_uploads_new_chat_and_refusals, tfx_setup,
						tfx_teardown),
		cmocka_unit_test_setup_teardown(test_api_uploads_zip, tfx_setup, tfx_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
