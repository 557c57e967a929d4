/*
 * test_web_documents.c - documents in the web view, over real HTTP: a zip
 * in a reply is unpacked into its folders, a bomb, traversal or a link is
 * refused with the text kept and nothing stored, a damaged zip is kept
 * with a note, a folder upload keeps its paths (a bad one is refused),
 * the Documents pages show each reader what they may see, the thread's
 * zip is streamed (chunked) and unzips to the files, and video links get
 * a click-to-load player with a frame-src for exactly its host.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>
#include <cmocka.h>

#include <archive.h>
#include <archive_entry.h>

#include "buf.h"
#include "gw.h"
#include "store.h"
#include "web_fixture.h"
#include "web_int.h"

struct ent {
	const char *path;
	const char *text;          /* NULL: size bytes of 'z' */
	size_t size;
	const char *link;          /* a symlink to this */
};

static la_ssize_t mem_write(struct archive *a, void *ctx, const void *p, size_t n)
{
	GW_UNUSED(a);
	buf_append(ctx, p, n);
	return (la_ssize_t)n;
}

static struct buf make_zip(const struct ent *ents, size_t n, const char *options)
{
	struct archive *a = archive_write_new();
	struct buf b = BUF_INIT;

	archive_write_set_format_zip(a);
	if (options != NULL)
		archive_write_set_options(a, options);
	archive_write_set_bytes_per_block(a, 0);
	archive_write_open(a, &b, NULL, mem_write, NULL);
	for (size_t i = 0; i < n; i++) {
		struct archive_entry *e = archive_entry_new();
		size_t size = ents[i].text != NULL ? strlen(ents[i].text) : ents[i].size;

		archive_entry_set_pathname(e, ents[i].path);
		archive_entry_set_filetype(e, ents[i].link != NULL ? AE_IFLNK : AE_IFREG);
		archive_entry_set_perm(e, 0644);
		if (ents[i].link != NULL) {
			archive_entry_set_symlink(e, ents[i].link);
			size = 0;
		}
		archive_entry_set_size(e, (la_int64_t)size);
		archive_write_header(a, e);
		if (ents[i].text != NULL) {
			archive_write_data(a, ents[i].text, size);
		} else {
			char chunk[4096];

			memset(chunk, 'z', sizeof(chunk));
			for (size_t left = size; left > 0; ) {
				size_t k = left < sizeof(chunk) ? left : sizeof(chunk);

				archive_write_data(a, chunk, k);
				left -= k;
			}
		}
		archive_entry_free(e);
	}
	archive_write_close(a);
	archive_write_free(a);
	return b;
}

struct part {
	const char *name;
	const char *filename;      /* NULL: a plain field */
	const void *data;
	size_t len;
};

/* POST the parts to /t/ID/reply as who (cookie), with the page's token. */
static void post_parts(struct wfx *f, const char *cookie, int64_t thread, const struct part *parts,
		       size_t n, struct wresp *r)
{
	char path[32], action[48], *csrf, *h;
	struct buf body = BUF_INIT;

	snprintf(path, sizeof(path), "/t/%lld", (long long)thread);
	snprintf(action, sizeof(action), "/t/%lld/reply", (long long)thread);
	csrf = wfx_csrf(f, cookie, path);
	h = xasprintf("%sContent-Type: multipart/form-data; boundary=Bnd7q\r\n", cookie);
	buf_printf(&body, "--Bnd7q\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n%s\r\n",
		   csrf);
	for (size_t i = 0; i < n; i++) {
		buf_printf(&body, "--Bnd7q\r\nContent-Disposition: form-data; name=\"%s\"",
			   parts[i].name);
		if (parts[i].filename != NULL)
			buf_printf(&body, "; filename=\"%s\"\r\nContent-Type: "
					  "application/octet-stream", parts[i].filename);
		buf_puts(&body, "\r\n\r\n");
		buf_append(&body, parts[i].data, parts[i].len);
		buf_puts(&body, "\r\n");
	}
	buf_puts(&body, "--Bnd7q--\r\n");
	assert_int_equal(wfx_http(f, "POST", action, h, body.data, body.len, r), 0);
	buf_release(&body);
	free(h);
	free(csrf);
}

static int count_files(struct wfx *f, int64_t thread)
{
	struct store_thread_view v;
	char *err = NULL;
	int n;

	WFX_CHECK(store_thread_show(f->s, thread, 0, 0, 1, &v, &err), err);
	n = (int)v.n_attachments;
	store_thread_view_clear(&v);
	return n;
}

static int count_messages(struct wfx *f, int64_t thread)
{
	struct store_thread_view v;
	char *err = NULL;
	int n;

	WFX_CHECK(store_thread_show(f->s, thread, 0, 0, 1, &v, &err), err);
	n = (int)v.n_messages;
	store_thread_view_clear(&v);
	return n;
}

static void test_web_documents_zip_unpacked(void **state)
{
	struct wfx *f = *state;
	static const struct ent ents[] = {
		{ .path = "summary.txt", .text = "totals" },
		{ .path = "scans/page1.pdf", .text = "%PDF-1.4 one" },
		{ .path = "scans/page2.pdf", .text = "%PDF-1.4 two" },
	};
	struct buf zip = make_zip(ents, 3, "zip:compression=deflate");
	char *cookie = wfx_login(f, LINK_CONTACT, f->anna);
	struct part parts[] = {
		{ "body", NULL, "The year's papers", 17 },
		{ "file", "Papers 2026.zip", zip.data, zip.len },
	};
	struct store_documents d;
	struct wresp r;
	char path[48], *err = NULL;

	int64_t replied = wfx_outbox_count(f, MAIL_STAFF_CLIENT_REPLIED, f->ta);

	post_parts(f, cookie, f->ta, parts, 2, &r);
	assert_int_equal(r.status, 303);
	wresp_clear(&r);
	WFX_CHECK(store_documents_thread(f->s, f->ta, STORE_CONTACT, f->anna, &d, &err), err);
	assert_int_equal(d.count, 3);
	/* The files belong to the post's one message. */
	assert_int_equal(d.docs[0].att.message_id, d.docs[2].att.message_id);
	assert_true(d.docs[0].att.message_id > 0);
	/* No single top folder: they go in one named after the zip. */
	assert_string_equal(d.docs[0].att.folder, "Papers 2026");
	assert_string_equal(d.docs[0].att.file_name, "summary.txt");
	assert_string_equal(d.docs[1].att.folder, "Papers 2026/scans");
	assert_string_equal(d.docs[1].att.file_name, "page1.pdf");
	assert_string_equal(d.docs[1].att.content_type, "application/pdf");
	store_documents_clear(&d);
	/* One email per staff member for the post (the reply's, listing the
	 * files), no upload email per file. */
	assert_int_equal(wfx_outbox_count(f, MAIL_STAFF_UPLOAD, f->ta), 0);
	assert_true(wfx_outbox_count(f, MAIL_STAFF_CLIENT_REPLIED, f->ta) > replied);

	snprintf(path, sizeof(path), "/t/%lld", (long long)f->ta);
	assert_int_equal(wfx_http(f, "GET", path, cookie, NULL, 0, &r), 0);
	assert_non_null(strstr(r.body, "<span>Papers 2026/scans</span>"));
	assert_non_null(strstr(r.body, "Documents (3)"));
	wresp_clear(&r);
	snprintf(path, sizeof(path), "/t/%lld/documents", (long long)f->ta);
	assert_int_equal(wfx_http(f, "GET", path, cookie, NULL, 0, &r), 0);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "Papers 2026/scans"));
	assert_non_null(strstr(r.body, "page2.pdf"));
	assert_non_null(strstr(r.body, "documents.zip"));
	wresp_clear(&r);
	buf_release(&zip);
	free(cookie);
}

/*
 * One post with several files of every kind: a plain file, a zip of 25
 * files, a folder's file.  One message, one transaction, the staff told
 * once; the limit of files per post counts the files uploaded (3), not
 * the zip's entries.
 */
static void test_web_documents_mixed_post(void **state)
{
	struct wfx *f = *state;
	struct ent ents[25];
	char names[25][16];
	struct buf zip;
	char *cookie = wfx_login(f, LINK_CONTACT, f->anna);
	struct store_documents d;
	struct wresp r;
	char *err = NULL;
	int files = count_files(f, f->ta), msgs = count_messages(f, f->ta);
	int64_t upload = wfx_outbox_count(f, MAIL_STAFF_UPLOAD, f->ta);
	int64_t replied = wfx_outbox_count(f, MAIL_STAFF_CLIENT_REPLIED, f->ta);
	int64_t post_msg = 0;
	int in_post = 0;

	memset(ents, 0, sizeof(ents));
	for (size_t i = 0; i < 25; i++) {
		snprintf(names[i], sizeof(names[i]), "Box/%02zu.txt", i);
		ents[i].path = names[i];
		ents[i].text = "entry";
	}
	zip = make_zip(ents, 25, NULL);
	{
		struct part parts[] = {
			{ "body", NULL, "All of it", 9 },
			{ "file", "letter.pdf", "%PDF letter", 11 },
			{ "file", "box.zip", zip.data, zip.len },
			{ "folder", "Tax/2026/receipt.pdf", "%PDF r", 6 },
		};

		post_parts(f, cookie, f->ta, parts, 4, &r);
	}
	if (r.status != 303)
		fail_msg("status %d: %s", r.status, r.body != NULL ? strstr(r.body, "<main") : "");
	wresp_clear(&r);
	assert_int_equal(count_messages(f, f->ta), msgs + 1);
	assert_int_equal(count_files(f, f->ta), files + 27);
	WFX_CHECK(store_documents_thread(f->s, f->ta, STORE_CONTACT, f->anna, &d, &err), err);
	for (size_t i = 0; i < d.count; i++) {
		const struct store_attachment *a = &d.docs[i].att;

		if (strcmp(a->file_name, "receipt.pdf") == 0)
			assert_string_equal(a->folder, "Tax/2026");
		if (strcmp(a->file_name, "07.txt") == 0)
			assert_string_equal(a->folder, "Box");
		if (strcmp(a->file_name, "letter.pdf") == 0)
			assert_string_equal(a->folder, "");
		if (strcmp(a->file_name, "receipt.pdf") == 0)
			post_msg = a->message_id;
	}
	assert_true(post_msg > 0);
	for (size_t i = 0; i < d.count; i++)
		in_post += d.docs[i].att.message_id == post_msg;
	assert_int_equal(in_post, 27);
	store_documents_clear(&d);
	assert_int_equal(wfx_outbox_count(f, MAIL_STAFF_UPLOAD, f->ta), upload);
	assert_true(wfx_outbox_count(f, MAIL_STAFF_CLIENT_REPLIED, f->ta) > replied);
	buf_release(&zip);
	free(cookie);
}

/*
 * The unpacked bytes count toward the post's limit together with the
 * other files (store_post_files_unpack(), the one path of the web view,
 * the API and gatewayctl): over it, the post is refused.
 */
static void test_web_documents_unpack_counts_toward_post(void **state)
{
	struct wfx *f = *state;
	static const struct ent ents[] = { { .path = "big.bin", .size = 3000 } };
	struct buf zip = make_zip(ents, 1, "zip:compression=store");
	char plain[1000], *err = NULL, *path;
	struct store_upload in[2];
	struct store_post_files pf;

	memset(plain, 'p', sizeof(plain));
	memset(in, 0, sizeof(in));
	in[0].file_name = "plain.txt";
	in[0].size = sizeof(plain);
	in[1].file_name = "in.zip";
	in[1].size = (int64_t)zip.len;
	WFX_CHECK(store_attachment_put(f->s, f->att_dir, plain, sizeof(plain), in[0].sha256,
				       &err), err);
	WFX_CHECK(store_attachment_put(f->s, f->att_dir, zip.data, zip.len, in[1].sha256, &err),
		  err);
	for (size_t i = 0; i < 2; i++) {
		path = store_attachment_path(f->att_dir, in[i].sha256);
		in[i].fd = open(path, O_RDONLY | O_CLOEXEC);
		assert_true(in[i].fd >= 0);
		free(path);
	}
	/* 1000 + 3000 unpacked > 3500: refused, with the zip's reason. */
	assert_int_equal(store_post_files_unpack(f->att_dir, in, 2, 3500, &pf, &err), GW_INVALID);
	assert_non_null(strstr(err, "unpacks to more than"));
	assert_int_equal(pf.n, 0);
	free(err);
	err = NULL;
	/* Within the limit: the plain file as it is, the zip's file. */
	WFX_CHECK(store_post_files_unpack(f->att_dir, in, 2, 5000, &pf, &err), err);
	assert_int_equal(pf.n, 2);
	assert_string_equal(pf.files[0].file_name, "plain.txt");
	assert_string_equal(pf.files[1].file_name, "big.bin");
	assert_string_equal(pf.files[1].rel_path, "in");
	assert_int_equal(pf.files[1].size, 3000);
	store_post_files_clear(&pf);
	for (size_t i = 0; i < 2; i++)
		close(in[i].fd);
	buf_release(&zip);
}

static void test_web_documents_zip_refused(void **state)
{
	struct wfx *f = *state;
	static const struct ent bomb[] = { { .path = "zeros.bin", .size = 2 << 20 } };
	static const struct ent up[] = {
		{ .path = "ok.txt", .text = "fine" }, { .path = "../../etc/evil", .text = "x" },
	};
	static const struct ent abs_[] = { { .path = "/etc/cron.d/evil", .text = "x" } };
	static const struct ent link[] = {
		{ .path = "ok.txt", .text = "fine" }, { .path = "passwd", .link = "/etc/passwd" },
	};
	struct {
		struct buf zip;
		const char *why;
	} cases[] = {
		{ make_zip(bomb, 1, "zip:compression=deflate"), "unpacks to more than" },
		{ make_zip(up, 2, NULL), "goes up a folder" },
		{ make_zip(abs_, 1, NULL), "is absolute" },
		{ make_zip(link, 2, NULL), "holds a link" },
	};
	char *cookie = wfx_login(f, LINK_CONTACT, f->anna);
	int files = count_files(f, f->ta), msgs = count_messages(f, f->ta);
	int outbox = wfx_outbox_count(f, 0, f->ta);

	for (size_t i = 0; i < GW_ARRAY_SIZE(cases); i++) {
		struct part parts[] = {
			{ "body", NULL, "Kept text 42", 12 },
			{ "file", "bad.zip", cases[i].zip.data, cases[i].zip.len },
		};
		struct wresp r;

		post_parts(f, cookie, f->ta, parts, 2, &r);
		if (r.status != 400 || strstr(r.body, cases[i].why) == NULL ||
		    strstr(r.body, ">Kept text 42</textarea>") == NULL)
			fail_msg("case %zu: status %d, want 400 saying \"%s\" with the text kept",
				 i, r.status, cases[i].why);
		wresp_clear(&r);
		buf_release(&cases[i].zip);
	}
	assert_int_equal(count_files(f, f->ta), files);
	assert_int_equal(count_messages(f, f->ta), msgs);
	assert_int_equal(wfx_outbox_count(f, 0, f->ta), outbox);
	free(cookie);
}

static void test_web_documents_zip_kept_with_note(void **state)
{
	struct wfx *f = *state;
	static const struct ent ents[] = { { .path = "a.bin", .size = 100000 } };
	struct buf zip = make_zip(ents, 1, "zip:compression=store");
	char *cookie = wfx_login(f, LINK_CONTACT, f->anna);
	struct part parts[] = { { "file", "broken.zip", zip.data, zip.len / 2 } };
	struct store_documents d;
	struct wresp r;
	char path[48], *err = NULL;

	post_parts(f, cookie, f->ta, parts, 1, &r);
	assert_int_equal(r.status, 303);
	wresp_clear(&r);
	WFX_CHECK(store_documents_thread(f->s, f->ta, STORE_CONTACT, f->anna, &d, &err), err);
	assert_int_equal(d.count, 1);
	assert_string_equal(d.docs[0].att.file_name, "broken.zip");
	assert_string_equal(d.docs[0].att.zip_note, "damaged");
	assert_int_equal(d.docs[0].att.size, (int64_t)(zip.len / 2));
	store_documents_clear(&d);
	snprintf(path, sizeof(path), "/t/%lld/documents", (long long)f->ta);
	assert_int_equal(wfx_http(f, "GET", path, cookie, NULL, 0, &r), 0);
	assert_non_null(strstr(r.body, "it is damaged, so it could not be unpacked"));
	wresp_clear(&r);
	buf_release(&zip);
	free(cookie);
}

static void test_web_documents_folder_upload(void **state)
{
	struct wfx *f = *state;
	char *cookie = wfx_login(f, LINK_CONTACT, f->anna);
	struct part good[] = {
		{ "folder", "Tax/2026/receipt.pdf", "%PDF r", 6 },
		{ "folder", "Tax/notes.txt", "notes", 5 },
		{ "file", "", "", 0 },
	};
	struct part bad[] = {
		{ "body", NULL, "Folder text", 11 },
		{ "folder", "Tax/ok.txt", "ok", 2 },
		{ "folder", "Tax/../../escape.txt", "x", 1 },
	};
	struct store_documents d;
	struct wresp r;
	char *err = NULL;
	int files;

	post_parts(f, cookie, f->ta, good, 3, &r);
	assert_int_equal(r.status, 303);
	wresp_clear(&r);
	WFX_CHECK(store_documents_thread(f->s, f->ta, STORE_CONTACT, f->anna, &d, &err), err);
	assert_int_equal(d.count, 2);
	assert_string_equal(d.docs[0].att.folder, "Tax");
	assert_string_equal(d.docs[0].att.file_name, "notes.txt");
	assert_string_equal(d.docs[1].att.folder, "Tax/2026");
	store_documents_clear(&d);
	files = count_files(f, f->ta);
	post_parts(f, cookie, f->ta, bad, 3, &r);
	assert_int_equal(r.status, 400);
	assert_non_null(strstr(r.body, "goes up a folder"));
	assert_non_null(strstr(r.body, ">Folder text</textarea>"));
	wresp_clear(&r);
	assert_int_equal(count_files(f, f->ta), files);
	free(cookie);
}

/* The body of a chunked reply, put together. */
static struct buf dechunk(const struct wresp *r)
{
	struct buf out = BUF_INIT;
	const char *p = r->body, *end = r->body + r->body_len;

	while (p < end) {
		char *eol;
		unsigned long n = strtoul(p, &eol, 16);

		if (eol == p || eol + 2 > end)
			break;
		p = eol + 2;
		if (n == 0 || p + n > end)
			break;
		buf_append(&out, p, n);
		p += n + 2;
	}
	return out;
}

static void test_web_documents_download_and_visibility(void **state)
{
	struct wfx *f = *state;
	struct store_attachment_new note_file = {
		.thread_id = f->ta, .message_id = f->ta_note, .uploader_kind = STORE_STAFF,
		.uploader_id = f->member, .file_name = "internal-memo.txt", .bytes = "memo",
		.len = 4,
	};
	struct store_attachment_new mine = {
		.thread_id = f->ta, .uploader_kind = STORE_CONTACT, .uploader_id = f->anna,
		.file_name = "r\xc3\xa9sum\xc3\xa9.txt", .bytes = "first", .len = 5,
		.folder = "CV",
	};
	char *anna = wfx_login(f, LINK_CONTACT, f->anna);
	char *bob = wfx_login(f, LINK_CONTACT, f->bob);
	char *member = wfx_login(f, LINK_STAFF, f->member);
	char *other = wfx_login(f, LINK_STAFF, f->other);
	char path[64], *err = NULL, *te, *ct;
	struct archive *a;
	struct archive_entry *e;
	struct buf zip;
	struct wresp r;
	size_t k = 0;

	WFX_CHECK(store_attachment_add(f->s, &note_file, NULL, &err), err);
	WFX_CHECK(store_attachment_add(f->s, &mine, NULL, &err), err);
	mine.bytes = "second";
	mine.len = 6;
	WFX_CHECK(store_attachment_add(f->s, &mine, NULL, &err), err);

	/* The client's Documents: never the internal note's file. */
	snprintf(path, sizeof(path), "/t/%lld/documents", (long long)f->ta);
	assert_int_equal(wfx_http(f, "GET", path, anna, NULL, 0, &r), 0);
	assert_int_equal(r.status, 200);
	assert_null(strstr(r.body, "internal-memo"));
	assert_non_null(strstr(r.body, "r\xc3\xa9sum\xc3\xa9.txt"));
	wresp_clear(&r);
	assert_int_equal(wfx_http(f, "GET", "/documents", anna, NULL, 0, &r), 0);
	assert_int_equal(r.status, 200);
	assert_null(strstr(r.body, "internal-memo"));
	assert_null(strstr(r.body, "Birch private matter"));
	wresp_clear(&r);
	/* Staff who see the account: the note's file too. */
	assert_int_equal(wfx_http(f, "GET", path, member, NULL, 0, &r), 0);
	assert_non_null(strstr(r.body, "internal-memo"));
	wresp_clear(&r);
	snprintf(path, sizeof(path), "/accounts/%lld/documents", (long long)f->acc_a);
	assert_int_equal(wfx_http(f, "GET", path, member, NULL, 0, &r), 0);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "internal-memo"));
	wresp_clear(&r);
	/* Not theirs: 404. */
	assert_int_equal(wfx_http(f, "GET", path, other, NULL, 0, &r), 0);
	assert_int_equal(r.status, 404);
	wresp_clear(&r);
	assert_int_equal(wfx_http(f, "GET", path, anna, NULL, 0, &r), 0);
	assert_int_equal(r.status, 404);
	wresp_clear(&r);
	snprintf(path, sizeof(path), "/t/%lld/documents.zip", (long long)f->ta);
	assert_int_equal(wfx_http(f, "GET", path, bob, NULL, 0, &r), 0);
	assert_int_equal(r.status, 404);
	wresp_clear(&r);

	/* The zip, streamed: chunked, no length, and it unzips to the files
	 * the client may see (a taken name gets " (2)"). */
	assert_int_equal(wfx_http(f, "GET", path, anna, NULL, 0, &r), 0);
	assert_int_equal(r.status, 200);
	te = wresp_header(&r, "Transfer-Encoding");
	ct = wresp_header(&r, "Content-Type");
	assert_non_null(te);
	assert_string_equal(te, "chunked");
	assert_string_equal(ct, "application/zip");
	assert_null(wresp_header(&r, "Content-Length"));
	free(te);
	free(ct);
	zip = dechunk(&r);
	wresp_clear(&r);
	a = archive_read_new();
	archive_read_support_format_zip(a);
	assert_int_equal(archive_read_open_memory(a, zip.data, zip.len), ARCHIVE_OK);
	for (int rc; (rc = archive_read_next_header(a, &e)) == ARCHIVE_OK || rc == ARCHIVE_WARN; k++) {
		static const char *const names[] = { "CV/r\xc3\xa9sum\xc3\xa9.txt",
						     "CV/r\xc3\xa9sum\xc3\xa9 (2).txt" };
		static const char *const data[] = { "first", "second" };
		char got[16];
		la_ssize_t n = archive_read_data(a, got, sizeof(got));
		const char *name = archive_entry_pathname_utf8(e);

		assert_true(k < 2);
		if (name != NULL)
			assert_string_equal(name, names[k]);
		assert_int_equal(n, (la_ssize_t)strlen(data[k]));
		assert_memory_equal(got, data[k], (size_t)n);
	}
	assert_int_equal(k, 2);
	archive_read_free(a);
	buf_release(&zip);
	free(anna);
	free(bob);
	free(member);
	free(other);
}

static void test_web_documents_video_player(void **state)
{
	struct wfx *f = *state;
	char *cookie = wfx_login(f, LINK_CONTACT, f->anna);
	char path[32], *csp;
	struct wresp r;

	snprintf(path, sizeof(path), "/t/%lld", (long long)f->ta);
	/* No player: no frames at all. */
	assert_int_equal(wfx_http(f, "GET", path, cookie, NULL, 0, &r), 0);
	csp = wresp_header(&r, "Content-Security-Policy");
	assert_null(strstr(csp, "frame-src"));
	assert_null(strstr(r.body, "vplayer"));
	free(csp);
	wresp_clear(&r);
	{
		char *form, *csrf = wfx_csrf(f, cookie, path), action[48];

		snprintf(action, sizeof(action), "/t/%lld/reply", (long long)f->ta);
		form = xasprintf("csrf=%s&body=Watch+https%%3A%%2F%%2Fwww.youtube.com%%2Fwatch%%3Fv%%3D"
				 "dQw4w9WgXcQ%%26t%%3D5+and+%%3Chttps%%3A%%2F%%2Fexample.com%%2Fx%%3E",
				 csrf);
		assert_int_equal(wfx_post(f, cookie, action, form, &r), 0);
		assert_int_equal(r.status, 303);
		wresp_clear(&r);
		free(form);
		free(csrf);
	}
	assert_int_equal(wfx_http(f, "GET", path, cookie, NULL, 0, &r), 0);
	assert_non_null(strstr(r.body, "<div class=\"vplayer\" data-host=\"youtube\" data-src=\""
				       "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ\""));
	assert_non_null(strstr(r.body, "<html lang=\"en\" data-frames=\"youtube\">"));
	/* Without script, a plain link to the video. */
	assert_non_null(strstr(r.body, "<a class=\"vlink\" href=\"https://www.youtube.com/watch?"
				       "v=dQw4w9WgXcQ\" rel=\"noopener noreferrer\">Watch the video on "
				       "YouTube</a>"));
	/* The example.com link is no player. */
	assert_null(strstr(r.body, "data-host=\"vimeo\""));
	/* No iframe until a click (the script makes it). */
	assert_null(strstr(r.body, "<iframe"));
	csp = wresp_header(&r, "Content-Security-Policy");
	assert_non_null(strstr(csp, "frame-src https://www.youtube-nocookie.com"));
	assert_null(strstr(csp, "vimeo"));
	assert_non_null(strstr(csp, "frame-ancestors 'none'"));
	free(csp);
	wresp_clear(&r);
	/* Other pages stay without frames. */
	assert_int_equal(wfx_http(f, "GET", "/", cookie, NULL, 0, &r), 0);
	csp = wresp_header(&r, "Content-Security-Policy");
	assert_null(strstr(csp, "frame-src"));
	free(csp);
	wresp_clear(&r);
	free(cookie);
}

/* A client that leaves half-way: its zip's thread stops, nothing is left
 * running, and the next download works. */
static void test_web_documents_download_abandoned(void **state)
{
	struct wfx *f = *state;
	size_t big = 16 << 20;
	char *bytes = xmalloc(big), *cookie = wfx_login(f, LINK_CONTACT, f->anna), *req, *got;
	struct store_attachment_new a = {
		.thread_id = f->ta, .uploader_kind = STORE_CONTACT, .uploader_id = f->anna,
		.file_name = "big.bin", .len = big,
	};
	char *err = NULL;
	struct wresp r;
	int fd;

	for (size_t i = 0; i < big; i++)
		bytes[i] = (char)((i * 2654435761u) >> 13);
	a.bytes = bytes;
	WFX_CHECK(store_attachment_add(f->s, &a, NULL, &err), err);
	free(bytes);
	req = xasprintf("GET /t/%lld/documents.zip HTTP/1.1\r\nHost: 127.0.0.1\r\n%s\r\n",
			(long long)f->ta, cookie);
	fd = wfx_connect_send(f, req);
	assert_true(wfx_read_until(f, fd, "application/zip", 5000, &got));
	free(got);
	assert_int_equal(web_zip_streams(), 1);
	close(fd);
	for (int i = 0; i < 100 && web_zip_streams() > 0; i++)
		wfx_pump(f, 50);
	assert_int_equal(web_zip_streams(), 0);
	/* The next one is whole. */
	free(req);
	req = xasprintf("/t/%lld/documents.zip", (long long)f->ta);
	assert_int_equal(wfx_http(f, "GET", req, cookie, NULL, 0, &r), 0);
	assert_int_equal(r.status, 200);
	assert_true(r.body_len > big);
	wresp_clear(&r);
	free(req);
	free(cookie);
}

/* Which addresses become which player (NULL: none). */
static void test_web_documents_video_links_table(void **state)
{
	static const struct {
		const char *text, *src;
	} cases[] = {
		{ "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
		  "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ" },
		{ "see https://youtu.be/dQw4w9WgXcQ?t=3.",
		  "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ" },
		{ "<https://m.youtube.com/shorts/abcdefghijk>",
		  "https://www.youtube-nocookie.com/embed/abcdefghijk" },
		{ "[clip](https://www.youtube.com/watch?feature=x&v=abcdefghijk)",
		  "https://www.youtube-nocookie.com/embed/abcdefghijk" },
		{ "https://vimeo.com/76979871", "https://player.vimeo.com/video/76979871" },
		{ "https://vimeo.com/76979871/abc123def",
		  "https://player.vimeo.com/video/76979871?h=abc123def" },
		{ "https://www.loom.com/share/0123456789abcdef0123456789abcdef",
		  "https://www.loom.com/embed/0123456789abcdef0123456789abcdef" },
		{ "https://drive.google.com/file/d/1AbCdEfGhIjKlMnOp/view?usp=sharing",
		  "https://drive.google.com/file/d/1AbCdEfGhIjKlMnOp/preview" },
		{ "https://www.youtube.com/watch?v=short", NULL },
		{ "https://www.youtube.com/watch?v=dQw4w9WgXc\"onerror=x", NULL },
		{ "https://evil.example/youtube.com/watch?v=dQw4w9WgXcQ", NULL },
		{ "https://youtube.com.evil.example/watch?v=dQw4w9WgXcQ", NULL },
		{ "https://user@www.youtube.com/watch?v=dQw4w9WgXcQ", NULL },
		{ "javascript:alert(1)//youtu.be/dQw4w9WgXcQ", NULL },
		{ "https://vimeo.com/channels/staffpicks", NULL },
		{ "https://drive.google.com/drive/folders/1AbCdEfGhIjKlMnOp", NULL },
	};

	GW_UNUSED(state);
	for (size_t i = 0; i < GW_ARRAY_SIZE(cases); i++) {
		struct buf out = BUF_INIT;
		char *want = cases[i].src != NULL ? xasprintf("data-src=\"%s\"", cases[i].src) : NULL;

		web_render_videos(cases[i].text, &out);
		if (want != NULL ? (out.data == NULL || strstr(out.data, want) == NULL)
				 : out.len != 0)
			fail_msg("case %zu \"%s\": got \"%s\"", i, cases[i].text,
				 out.data != NULL ? out.data : "");
		free(want);
		buf_release(&out);
	}
}

#define T(name) cmocka_unit_test_setup_teardown(name, wfx_setup, wfx_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_web_documents_zip_unpacked),
		T(test_web_documents_zip_refused),
		T(test_web_documents_mixed_post),
		T(test_web_documents_unpack_counts_toward_post),
		T(test_web_documents_zip_kept_with_note),
		T(test_web_documents_folder_upload),
		T(test_web_documents_download_and_visibility),
		T(test_web_documents_video_player),
		T(test_web_documents_download_abandoned),
		cmocka_unit_test(test_web_documents_video_links_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
