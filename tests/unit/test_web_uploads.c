/*
 * test_web_uploads.c - several files per post in the web view, over
 * loopback against a real SQLite file and content store (web_fixture.c):
 * text and files are one message and one email per recipient, a post of
 * only files tells the client like any message, a new chat to one client
 * carries files and a bulk one refuses them, and each refusal (a file or
 * the post too large, an empty file, a bad name, a garbled body) comes
 * back as the page with the typed text, nothing posted and nothing kept.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "buf.h"
#include "web_fixture.h"
#include "web_int.h"

#define B "UpB0und"

static int n_blobs;
static int count_blob(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)p;
	(void)sb;
	n_blobs += flag == FTW_F && strlen(p + ftw->base) == 64;
	return 0;
}
static int blobs(struct wfx *f)
{
	n_blobs = 0;
	nftw(f->att_dir, count_blob, 16, FTW_PHYS);
	return n_blobs;
}

static void text_part(struct buf *b, const char *name, const char *value)
{
	buf_printf(b, "--" B "\r\nContent-Disposition: form-data; name=\"%s\"\r\n\r\n%s\r\n",
		   name, value);
}

static void file_part(struct buf *b, const char *name, const char *bytes, size_t n)
{
	buf_printf(b, "--" B "\r\nContent-Disposition: form-data; name=\"file\"; "
		      "filename=\"%s\"\r\nContent-Type: application/pdf\r\n\r\n", name);
	buf_append(b, bytes, n);
	buf_puts(b, "\r\n");
}

/* POST body (closed here) to path?csrf=..., as the page's forms do. */
static void post(struct wfx *f, const char *cookie, const char *csrf, const char *path,
		 struct buf *body, struct wresp *r)
{
	char *url = xasprintf("%s?csrf=%s", path, csrf);
	char *h = xasprintf("%sContent-Type: multipart/form-data; boundary=" B "\r\n", cookie);

	buf_puts(body, "--" B "--\r\n");
	assert_int_equal(wfx_http(f, "POST", url, h, body->data, body->len, r), 0);
	free(url);
	free(h);
}

static void test_web_uploads_one_post_one_email(void **state)
{
	struct wfx *f = *state;
	char *owner = wfx_login(f, LINK_STAFF, f->owner);
	char *anna = wfx_login(f, LINK_CONTACT, f->anna);
	char path[32], reply[48], *csrf;
	struct buf body = BUF_INIT;
	struct store_thread_view v;
	char *err = NULL;
	struct wresp r;
	int before, per_post, staff_before;
	int64_t msg;

	snprintf(path, sizeof(path), "/t/%lld", (long long)f->ta);
	snprintf(reply, sizeof(reply), "/t/%lld/reply", (long long)f->ta);
	/* A text post: what one post costs in emails to the client. */
	before = wfx_outbox_count(f, MAIL_NEW_MESSAGE, f->ta);
	csrf = wfx_csrf(f, owner, path);
	text_part(&body, "csrf", csrf);
	text_part(&body, "body", "Please send the statements");
	post(f, owner, csrf, reply, &body, &r);
	assert_int_equal(r.status, 303);
	wresp_clear(&r);
	per_post = wfx_outbox_count(f, MAIL_NEW_MESSAGE, f->ta) - before;
	assert_true(per_post > 0);

	/* Staff: two files and no text are one post, emailed like any. */
	before += per_post;
	buf_reset(&body);
	free(csrf);
	csrf = wfx_csrf(f, owner, path);
	text_part(&body, "csrf", csrf);
	text_part(&body, "body", "");
	file_part(&body, "engagement.pdf", "%PDF engagement", 15);
	file_part(&body, "checklist.pdf", "%PDF checklist", 14);
	post(f, owner, csrf, reply, &body, &r);
	assert_int_equal(r.status, 303);
	wresp_clear(&r);
	assert_int_equal(wfx_outbox_count(f, MAIL_NEW_MESSAGE, f->ta) - before, per_post);
	WFX_CHECK(store_thread_show(f->s, f->ta, 0, 0, 1, &v, &err), err);
	msg = v.messages[v.n_messages - 1].id;
	assert_string_equal(v.messages[v.n_messages - 1].body, "");
	assert_true(v.n_attachments >= 2);
	assert_int_equal(v.attachments[v.n_attachments - 2].message_id, msg);
	assert_int_equal(v.attachments[v.n_attachments - 1].message_id, msg);
	assert_string_equal(v.attachments[v.n_attachments - 1].file_name, "checklist.pdf");
	store_thread_view_clear(&v);

	/* A client's reply with files: the staff hear of it once. */
	staff_before = wfx_outbox_count(f, MAIL_STAFF_CLIENT_REPLIED, f->ta);
	before = wfx_outbox_count(f, MAIL_STAFF_UPLOAD, f->ta);
	buf_reset(&body);
	free(csrf);
	csrf = wfx_csrf(f, anna, path);
	text_part(&body, "csrf", csrf);
	text_part(&body, "body", "Here they are");
	file_part(&body, "bank-statements.pdf", "%PDF bank", 9);
	file_part(&body, "stock.xlsx", "PK stock", 8);
	post(f, anna, csrf, reply, &body, &r);
	assert_int_equal(r.status, 303);
	wresp_clear(&r);
	assert_int_equal(wfx_outbox_count(f, MAIL_STAFF_UPLOAD, f->ta), before);
	assert_true(wfx_outbox_count(f, MAIL_STAFF_CLIENT_REPLIED, f->ta) > staff_before);
	/* The page shows both files with the message. */
	assert_int_equal(wfx_http(f, "GET", path, anna, NULL, 0, &r), 0);
	assert_non_null(strstr(r.body, "bank-statements.pdf"));
	assert_non_null(strstr(r.body, "stock.xlsx"));
	assert_non_null(strstr(r.body, "multiple"));
	assert_non_null(strstr(r.body, "data-max-upload="));
	wresp_clear(&r);
	buf_release(&body);
	free(csrf);
	free(owner);
	free(anna);
}

/* Each refusal: the page again with the text, no message, no file. */
static void test_web_uploads_refusals_keep_the_text(void **state)
{
	struct wfx *f = *state;
	char *anna, path[32], reply[48], *csrf, name300[301];
	char *big;
	static const struct {
		const char *what;
		int status;
		const char *says;
	} cases[] = {
		{ "file over max_upload", 413, "big.pdf" },
		{ "empty file", 400, "is empty" },
		{ "control character", 400, "cannot be used" },
		{ "300-byte name", 400, "cannot be used" },
		{ "21 files", 400, "at most 20 files" },
		{ "garbled body", 400, "incomplete or garbled" },
	};

	f->web_cfg.max_upload = 100 * 1024;
	f->web_cfg.max_body = 1024 * 1024;
	wfx_restart(f);
	anna = wfx_login(f, LINK_CONTACT, f->anna);
	snprintf(path, sizeof(path), "/t/%lld", (long long)f->ta);
	snprintf(reply, sizeof(reply), "/t/%lld/reply", (long long)f->ta);
	memset(name300, 'n', 300);
	name300[300] = '\0';
	big = malloc(100 * 1024 + 1);
	memset(big, 'b', 100 * 1024 + 1);
	for (size_t i = 0; i < GW_ARRAY_SIZE(cases); i++) {
		struct buf body = BUF_INIT;
		struct store_thread_view v;
		char *err = NULL;
		struct wresp r;
		int files = blobs(f);
		size_t msgs;

		WFX_CHECK(store_thread_show(f->s, f->ta, 0, 0, 1, &v, &err), err);
		msgs = v.n_messages;
		store_thread_view_clear(&v);
		csrf = wfx_csrf(f, anna, path);
		text_part(&body, "csrf", csrf);
		text_part(&body, "body", "My typed words");
		switch (i) {
		case 0: file_part(&body, "big.pdf", big, 100 * 1024 + 1); break;
		case 1: file_part(&body, "nothing.pdf", "", 0); break;
		case 2: file_part(&body, "a\x02" "b.pdf", "x", 1); break;
		case 3: file_part(&body, name300, "x", 1); break;
		case 4:
			for (int k = 0; k < 21; k++)
				file_part(&body, "k.pdf", "k", 1);
			break;
		case 5: buf_puts(&body, "--" B "\r\nContent-Disposition: form-data; name=\"file\"; "
				 "filename=\"x.pdf\"\r\n\r\ncut short"); break;
		}
		if (i == 5) {
			char *url = xasprintf("%s?csrf=%s", reply, csrf);
			char *h = xasprintf("%sContent-Type: multipart/form-data; boundary=" B "\r\n",
					    anna);

			assert_int_equal(wfx_http(f, "POST", url, h, body.data, body.len, &r), 0);
			free(url);
			free(h);
		} else {
			post(f, anna, csrf, reply, &body, &r);
		}
		if (r.status != cases[i].status || strstr(r.body, cases[i].says) == NULL)
			fail_msg("case %zu (%s): %d %.400s", i, cases[i].what, r.status,
				 strstr(r.body, "<main") != NULL ? strstr(r.body, "<main") : r.body);
		if (strstr(r.body, ">My typed words</textarea>") == NULL)
			fail_msg("case %zu (%s): the typed text is not on the page", i,
				 cases[i].what);
		wresp_clear(&r);
		WFX_CHECK(store_thread_show(f->s, f->ta, 0, 0, 1, &v, &err), err);
		assert_int_equal(v.n_messages, msgs);
		store_thread_view_clear(&v);
		if (blobs(f) != files)
			fail_msg("case %zu (%s): %d content files, was %d", i, cases[i].what,
				 n_blobs, files);
		buf_release(&body);
		free(csrf);
	}
	free(big);
	free(anna);
}

/* Over max_post, streamed: a page that explains and leads back. */
static void test_web_uploads_post_over_limit_page(void **state)
{
	struct wfx *f = *state;
	char *anna, path[32], reply[48], *csrf, back[48];
	struct buf body = BUF_INIT;
	char *big = malloc(400 * 1024);
	struct wresp r;

	f->web_cfg.max_upload = 256 * 1024;
	f->web_cfg.max_body = 256 * 1024;
	wfx_restart(f);
	anna = wfx_login(f, LINK_CONTACT, f->anna);
	snprintf(path, sizeof(path), "/t/%lld", (long long)f->ta);
	snprintf(reply, sizeof(reply), "/t/%lld/reply", (long long)f->ta);
	snprintf(back, sizeof(back), "href=\"/t/%lld#reply\"", (long long)f->ta);
	memset(big, 'z', 400 * 1024);
	csrf = wfx_csrf(f, anna, path);
	text_part(&body, "csrf", csrf);
	text_part(&body, "body", "words");
	file_part(&body, "scan.pdf", big, 400 * 1024);
	post(f, anna, csrf, reply, &body, &r);
	assert_int_equal(r.status, 413);
	assert_non_null(strstr(r.body, "The files are too large"));
	assert_non_null(strstr(r.body, "256 KB"));
	assert_non_null(strstr(r.body, back));
	assert_non_null(strstr(r.body, "app.css"));     /* the styled page */
	wresp_clear(&r);

	/* Streamed within the limit: stored, from the body's file. */
	buf_reset(&body);
	free(csrf);
	csrf = wfx_csrf(f, anna, path);
	text_part(&body, "csrf", csrf);
	text_part(&body, "body", "streamed");
	file_part(&body, "scan.pdf", big, 200 * 1024);
	post(f, anna, csrf, reply, &body, &r);
	assert_int_equal(r.status, 303);
	wresp_clear(&r);
	assert_true(atomic_load(&f->web->streamed_bodies) >= 1);
	buf_release(&body);
	free(big);
	free(csrf);
	free(anna);
}

static void test_web_uploads_new_chat(void **state)
{
	struct wfx *f = *state;
	char *owner = wfx_login(f, LINK_STAFF, f->owner);
	char *csrf, acc[32], acc2[32];
	struct buf body = BUF_INIT;
	struct wresp r;
	int64_t tid;

	snprintf(acc, sizeof(acc), "%lld", (long long)f->acc_a);
	snprintf(acc2, sizeof(acc2), "%lld", (long long)f->acc_b);
	/* The form says it before anyone tries. */
	assert_int_equal(wfx_http(f, "GET", "/", owner, NULL, 0, &r), 0);
	assert_non_null(strstr(r.body, "Files go only with a chat to one client"));
	assert_non_null(strstr(r.body, "enctype=\"multipart/form-data\""));
	wresp_clear(&r);

	/* Bulk with a file: refused, the text kept, nothing created. */
	csrf = wfx_csrf(f, owner, "/");
	text_part(&body, "csrf", csrf);
	text_part(&body, "account", acc);
	text_part(&body, "account", acc2);
	text_part(&body, "subject", "Year end");
	text_part(&body, "body", "Bulk words");
	file_part(&body, "letter.pdf", "%PDF letter", 11);
	post(f, owner, csrf, "/new", &body, &r);
	assert_int_equal(r.status, 400);
	assert_non_null(strstr(r.body, "Files go only with a chat to one client"));
	assert_non_null(strstr(r.body, "Bulk words"));
	wresp_clear(&r);

	/* One client: the chat is created with its files. */
	buf_reset(&body);
	free(csrf);
	csrf = wfx_csrf(f, owner, "/");
	text_part(&body, "csrf", csrf);
	text_part(&body, "account", acc);
	text_part(&body, "subject", "Documents for the year end");
	text_part(&body, "body", "");
	file_part(&body, "letter.pdf", "%PDF letter", 11);
	file_part(&body, "form.pdf", "%PDF form", 9);
	post(f, owner, csrf, "/new", &body, &r);
	assert_int_equal(r.status, 303);
	{
		char *loc = wresp_header(&r, "Location");
		struct store_thread_view v;
		char *err = NULL;

		assert_non_null(loc);
		tid = strtoll(loc + 3, NULL, 10);
		free(loc);
		WFX_CHECK(store_thread_show(f->s, tid, 0, 0, 1, &v, &err), err);
		assert_int_equal(v.n_attachments, 2);
		assert_int_equal(v.attachments[0].message_id, v.messages[0].id);
		store_thread_view_clear(&v);
		assert_true(wfx_outbox_count(f, MAIL_NEW_MESSAGE, tid) > 0);
	}
	wresp_clear(&r);
	buf_release(&body);
	free(csrf);
	free(owner);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_web_uploads_one_post_one_email, wfx_setup,
						wfx_teardown),
		cmocka_unit_test_setup_teardown(test_web_uploads_refusals_keep_the_text, wfx_setup,
						wfx_teardown),
		cmocka_unit_test_setup_teardown(test_web_uploads_post_over_limit_page, wfx_setup,
						wfx_teardown),
		cmocka_unit_test_setup_teardown(test_web_uploads_new_chat, wfx_setup, wfx_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
