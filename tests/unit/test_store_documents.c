/*
 * test_store_documents.c - files with folder paths and zip notes, and the
 * documents of a thread and of an account as each reader may see them:
 * a contact never sees a file of an internal note, a member sees only
 * assigned accounts, a bad folder path is refused with nothing written.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "test_store_util.h"

static int64_t add_file(struct fx *f, int64_t tid, int64_t msg, enum store_kind kind,
			int64_t who, const char *name, const char *folder, const char *note)
{
	struct store_attachment_new a = {
		.thread_id = tid, .message_id = msg, .uploader_kind = kind, .uploader_id = who,
		.file_name = name, .bytes = name, .len = strlen(name), .folder = folder,
		.zip_note = note,
	};
	int64_t id = 0;
	char *err = NULL;

	CHECK_OK(store_attachment_add(f->s, &a, &id, &err), err);
	return id;
}

static void test_store_documents_visibility(void **state)
{
	struct fx *f = *state;
	int64_t t1 = fx_chat(f, f->acc1, "Year end", "Please send", 0, 0, 0);
	int64_t t2 = fx_chat(f, f->acc1, "Payroll", "Files", 0, 0, 0);
	int64_t t3 = fx_chat(f, f->acc2, "Other", "Files", 0, 0, 0);
	struct store_post note = {
		.thread_id = t1, .author_kind = STORE_STAFF, .author_id = f->owner,
		.body = "internal", .internal = 1,
	};
	struct store_documents d;
	int64_t note_id = 0;
	char *err = NULL;

	GW_UNUSED(t3);
	CHECK_OK(store_message_send(f->s, &note, &note_id, NULL, &err), err);
	add_file(f, t1, 0, STORE_CONTACT, f->c1, "b.pdf", "Receipts/2026", NULL);
	add_file(f, t1, 0, STORE_CONTACT, f->c1, "a.pdf", "Receipts/2026", NULL);
	add_file(f, t1, 0, STORE_CONTACT, f->c2, "locked.zip", "", "encrypted");
	add_file(f, t1, note_id, STORE_STAFF, f->owner, "private.txt", "", NULL);
	add_file(f, t2, 0, STORE_STAFF, f->member, "payslip.pdf", "", NULL);
	add_file(f, t3, 0, STORE_CONTACT, f->c3, "theirs.pdf", "", NULL);

	/* The client: three of the thread's four, by folder then name. */
	CHECK_OK(store_documents_thread(f->s, t1, STORE_CONTACT, f->c1, &d, &err), err);
	assert_int_equal(d.count, 3);
	assert_string_equal(d.docs[0].att.file_name, "locked.zip");
	assert_string_equal(d.docs[0].att.zip_note, "encrypted");
	assert_string_equal(d.docs[0].uploader_name, "Chris Client");
	assert_string_equal(d.docs[1].att.file_name, "a.pdf");
	assert_string_equal(d.docs[1].att.folder, "Receipts/2026");
	assert_null(d.docs[1].att.zip_note);
	assert_string_equal(d.docs[2].att.file_name, "b.pdf");
	assert_string_equal(d.docs[2].thread_subject, "Year end");
	store_documents_clear(&d);
	/* Staff see the note's file too. */
	CHECK_OK(store_documents_thread(f->s, t1, STORE_STAFF, f->member, &d, &err), err);
	assert_int_equal(d.count, 4);
	store_documents_clear(&d);
	/* The account: both threads of acc1, never acc2's. */
	CHECK_OK(store_documents_account(f->s, f->acc1, STORE_CONTACT, f->c2, &d, &err), err);
	assert_int_equal(d.count, 4);
	for (size_t i = 0; i < d.count; i++) {
		assert_string_not_equal(d.docs[i].att.file_name, "private.txt");
		assert_string_not_equal(d.docs[i].att.file_name, "theirs.pdf");
	}
	assert_int_equal(d.total_size, (int64_t)(strlen("a.pdf") + strlen("b.pdf") +
						 strlen("locked.zip") + strlen("payslip.pdf")));
	store_documents_clear(&d);
	CHECK_OK(store_documents_account(f->s, f->acc1, STORE_STAFF, f->owner, &d, &err), err);
	assert_int_equal(d.count, 5);
	store_documents_clear(&d);
	/* Not theirs: as if it did not exist. */
	CHECK_R(store_documents_account(f->s, f->acc2, STORE_CONTACT, f->c1, &d, &err),
		GW_NOTFOUND, err);
	CHECK_R(store_documents_account(f->s, f->acc2, STORE_STAFF, f->member, &d, &err),
		GW_NOTFOUND, err);
	CHECK_R(store_documents_thread(f->s, t3, STORE_CONTACT, f->c1, &d, &err), GW_NOTFOUND,
		err);
	CHECK_R(store_documents_thread(f->s, t1, STORE_STAFF, f->member2, &d, &err),
		GW_NOTFOUND, err);
}

static void test_store_documents_bad_folder(void **state)
{
	static const char *const bad[] = { "../up", "/abs", "a//b", "a/", "a\nb", "a/../b" };
	struct fx *f = *state;
	int64_t tid = fx_chat(f, f->acc1, "Upload", "Here", 0, 0, 0);
	int64_t before = fx_int(f, "SELECT count(*) FROM attachments");

	for (size_t i = 0; i < GW_ARRAY_SIZE(bad); i++) {
		struct store_attachment_new a = {
			.thread_id = tid, .uploader_kind = STORE_CONTACT, .uploader_id = f->c1,
			.file_name = "x.txt", .bytes = "x", .len = 1, .folder = bad[i],
		};
		char *err = NULL;
		enum gw_result r = store_attachment_add(f->s, &a, NULL, &err);

		if (r != GW_INVALID || err == NULL || strstr(err, "folder") == NULL)
			fail_msg("case %zu \"%s\": %s (%s)", i, bad[i], gw_result_name(r),
				 err != NULL ? err : "");
		free(err);
	}
	{
		struct store_attachment_new a = {
			.thread_id = tid, .uploader_kind = STORE_CONTACT, .uploader_id = f->c1,
			.file_name = "x.zip", .bytes = "x", .len = 1, .zip_note = "sad",
		};
		char *err = NULL;

		CHECK_R(store_attachment_add(f->s, &a, NULL, &err), GW_INVALID, err);
	}
	assert_int_equal(fx_int(f, "SELECT count(*) FROM attachments"), before);
}

/*
 * Several files of one post, with their folders and a note: one message,
 * its rows in its transaction, and no upload email per file (the
 * message's own email lists them).  A file on its own still tells.
 */
static void test_store_documents_one_post(void **state)
{
	struct fx *f = *state;
	int64_t tid = fx_chat(f, f->acc1, "Upload", "Here", 0, 0, 0);
	int64_t before = OUTBOX(f, "kind = 'staff_upload'"), mid = 0;
	static const char *const names[] = { "1.txt", "2.txt", "3.zip" };
	static const char *const folders[] = { "F", "F/G", "" };
	struct store_upload up[3];
	struct store_post post = {
		.thread_id = tid, .author_kind = STORE_CONTACT, .author_id = f->c1,
		.body = "", .files = up, .n_files = 3,
	};
	char *err = NULL;

	memset(up, 0, sizeof(up));
	for (size_t i = 0; i < 3; i++) {
		up[i].file_name = names[i];
		up[i].size = 1;
		up[i].fd = -1;
		up[i].rel_path = folders[i];
		CHECK_OK(store_attachment_put(f->s, f->att, names[i], 1, up[i].sha256, &err), err);
	}
	up[2].zip_note = "encrypted";
	CHECK_OK(store_message_send(f->s, &post, &mid, NULL, &err), err);
	assert_int_equal(fx_int(f, "SELECT count(*) FROM attachments WHERE message_id = %lld",
				(long long)mid), 3);
	assert_int_equal(fx_int(f, "SELECT count(*) FROM attachments WHERE folder = 'F/G'"
				" AND file_name = '2.txt'"), 1);
	assert_int_equal(fx_int(f, "SELECT count(*) FROM attachments WHERE zip_note ="
				" 'encrypted' AND folder = ''"), 1);
	assert_int_equal(OUTBOX(f, "kind = 'staff_upload'"), before);
	/* A bad folder refuses the whole post: no message, no row. */
	up[0].rel_path = "../x";
	before = fx_int(f, "SELECT count(*) FROM attachments");
	CHECK_R(store_message_send(f->s, &post, &mid, NULL, &err), GW_INVALID, err);
	assert_int_equal(fx_int(f, "SELECT count(*) FROM attachments"), before);
	/* A file on its own (no message): its own upload email. */
	{
		struct store_attachment_new a = {
			.thread_id = tid, .uploader_kind = STORE_CONTACT, .uploader_id = f->c1,
			.file_name = "4.txt", .bytes = "4", .len = 1, .folder = "F",
		};

		before = OUTBOX(f, "kind = 'staff_upload'");
		CHECK_OK(store_attachment_add(f->s, &a, NULL, &err), err);
		assert_true(OUTBOX(f, "kind = 'staff_upload'") > before);
	}
}

#define T(name) cmocka_unit_test_setup_teardown(name, fx_setup, fx_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_store_documents_visibility),
		T(test_store_documents_bad_folder),
		T(test_store_documents_one_post),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
