/*
 * test_web_pages.c - the web view's pages and actions: access between two
 * accounts and between client and staff, escaping of hostile subjects,
 * bodies, names and file names, replies, task ticks, uploads and
 * downloads, read marks (POST only), the homes and new chats, the
 * event stream that announces a new message, and the page cache.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "clock.h"
#include "web_fixture.h"

static char *thread_path(int64_t id, const char *action)
{
	return action != NULL ? xasprintf("/t/%lld/%s", (long long)id, action) :
				xasprintf("/t/%lld", (long long)id);
}

static int get_status(struct wfx *f, const char *cookie, const char *path)
{
	struct wresp r;
	int status;

	assert_int_equal(wfx_http(f, "GET", path, cookie, NULL, 0, &r), 0);
	status = r.status;
	wresp_clear(&r);
	return status;
}

static void test_web_other_accounts_thread_is_404(void **state)
{
	struct wfx *f = *state;
	char *anna = wfx_login(f, LINK_CONTACT, f->anna);
	char *other = wfx_login(f, LINK_STAFF, f->other);
	char *ta = thread_path(f->ta, NULL), *tb = thread_path(f->tb, NULL);
	char *csrf = wfx_csrf(f, anna, ta);
	struct wresp r, missing;

	/* Same page for a thread of another account as for none at all. */
	assert_int_equal(wfx_http(f, "GET", tb, anna, NULL, 0, &r), 0);
	assert_int_equal(r.status, 404);
	assert_null(strstr(r.body, "Birch private"));
	assert_int_equal(wfx_http(f, "GET", "/t/987654", anna, NULL, 0, &missing), 0);
	assert_int_equal(missing.status, 404);
	assert_string_equal(r.body, missing.body);
	wresp_clear(&r);
	wresp_clear(&missing);

	/* Actions and the event stream too. */
	const char *actions[] = { "reply", "read", "task", "archive" };
	for (size_t i = 0; i < GW_ARRAY_SIZE(actions); i++) {
		char *p = thread_path(f->tb, actions[i]);
		char form[200];

		snprintf(form, sizeof(form), "csrf=%s&body=hi&task=1&done=1", csrf);
		assert_int_equal(wfx_post(f, anna, p, form, &r), 0);
		if (r.status != 404)
			fail_msg("case %zu: %s: %d", i, actions[i], r.status);
		wresp_clear(&r);
		free(p);
	}
	char *ev = thread_path(f->tb, "events");
	assert_int_equal(get_status(f, anna, ev), 404);
	free(ev);
	/* Nothing was posted into the other account's thread. */
	struct store_thread_view v;
	char *err = NULL;
	WFX_CHECK(store_thread_show(f->s, f->tb, 0, 0, 1, &v, &err), err);
	assert_int_equal(v.n_messages, 1);
	store_thread_view_clear(&v);

	/* A member sees only assigned accounts; the owner sees all. */
	assert_int_equal(get_status(f, other, ta), 404);
	char *owner = wfx_login(f, LINK_STAFF, f->owner);
	assert_int_equal(get_status(f, owner, tb), 200);
	char *member = wfx_login(f, LINK_STAFF, f->member);
	assert_int_equal(get_status(f, member, ta), 200);
	assert_int_equal(get_status(f, member, tb), 404);

	/* A task id of another thread is not found through this one. */
	char *task = thread_path(f->ta, "task");
	char form[200];
	int64_t btask = 0;
	WFX_CHECK(store_task_add(f->s, f->tb, "Birch task", &btask, &err), err);
	snprintf(form, sizeof(form), "csrf=%s&task=%lld&done=1", csrf, (long long)btask);
	assert_int_equal(wfx_post(f, anna, task, form, &r), 0);
	assert_int_equal(r.status, 404);
	wresp_clear(&r);

	free(task);
	free(owner);
	free(member);
	free(csrf);
	free(ta);
	free(tb);
	free(anna);
	free(other);
}

static void test_web_staff_only_notes_and_actions(void **state)
{
	struct wfx *f = *state;
	char *anna = wfx_login(f, LINK_CONTACT, f->anna);
	char *member = wfx_login(f, LINK_STAFF, f->member);
	char *ta = thread_path(f->ta, NULL);
	struct wresp r;
	char *err = NULL;

	assert_int_equal(wfx_http(f, "GET", ta, anna, NULL, 0, &r), 0);
	assert_int_equal(r.status, 200);
	assert_null(strstr(r.body, "secret staff note"));
	assert_null(strstr(r.body, "Thread settings"));
	assert_null(strstr(r.body, "/archive"));
	/* The reminder bell and schedule are shown to the client. */
	assert_non_null(strstr(r.body, "class=\"bell\""));
	assert_non_null(strstr(r.body, "2 reminders left, every 3 days, next on Nov 28, 2026"));
	/* ...with the stop rule as the scheduler applies it, and what is left. */
	assert_non_null(strstr(r.body, "Reminders stop when you answer, or when all your tasks "
				       "are done and all messages are read."));
	assert_non_null(strstr(r.body, "Still to do: 2 tasks open, 1 unread message."));
	assert_null(strstr(r.body, "finishing your tasks"));
	wresp_clear(&r);
	assert_int_equal(wfx_http(f, "GET", ta, member, NULL, 0, &r), 0);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "Reminders stop when the client answers, or when all their "
				       "tasks are done and all messages are read."));
	assert_non_null(strstr(r.body, "Still to do: 2 tasks open, 1 unread message."));
	assert_non_null(strstr(r.body, "secret staff note"));
	assert_non_null(strstr(r.body, "Only staff see this"));
	assert_non_null(strstr(r.body, "Thread settings"));
	wresp_clear(&r);

	/* Staff actions are refused for the client... */
	char *csrf = wfx_csrf(f, anna, ta);
	const char *staff_actions[] = { "archive", "reopen", "resend", "reminders" };
	for (size_t i = 0; i < GW_ARRAY_SIZE(staff_actions); i++) {
		char *p = thread_path(f->ta, staff_actions[i]);
		char form[200];

		snprintf(form, sizeof(form), "csrf=%s&enabled=1&days=2&count=2", csrf);
		assert_int_equal(wfx_post(f, anna, p, form, &r), 0);
		if (r.status != 403)
			fail_msg("case %zu: %s: %d", i, staff_actions[i], r.status);
		wresp_clear(&r);
		free(p);
	}
	struct store_thread t;
	WFX_CHECK(store_thread_get(f->s, f->ta, 0, 0, &t, &err), err);
	assert_int_equal(t.archived, 0);
	store_thread_clear(&t);
	free(csrf);

	/* ...and work for staff. */
	csrf = wfx_csrf(f, member, ta);
	char form[200];
	int resend_before = wfx_outbox_count(f, MAIL_RESEND, f->ta);
	char *p = thread_path(f->ta, "resend");
	snprintf(form, sizeof(form), "csrf=%s", csrf);
	assert_int_equal(wfx_post(f, member, p, form, &r), 0);
	assert_int_equal(r.status, 303);
	wresp_clear(&r);
	free(p);
	assert_int_equal(wfx_outbox_count(f, MAIL_RESEND, f->ta), resend_before + 2);

	p = thread_path(f->ta, "reminders");
	/* Saving the settings as they are changes nothing: no note, no new
	 * schedule. */
	WFX_CHECK(store_thread_get(f->s, f->ta, 0, 0, &t, &err), err);
	int64_t due_before = t.reminders.next_due, msgs_before = t.message_count;
	store_thread_clear(&t);
	snprintf(form, sizeof(form), "csrf=%s&enabled=1&days=3&count=2", csrf);
	assert_int_equal(wfx_post(f, member, p, form, &r), 0);
	assert_int_equal(r.status, 303);
	wresp_clear(&r);
	WFX_CHECK(store_thread_get(f->s, f->ta, 0, 0, &t, &err), err);
	assert_int_equal(t.reminders.next_due, due_before);
	assert_int_equal(t.message_count, msgs_before);
	store_thread_clear(&t);
	snprintf(form, sizeof(form), "csrf=%s&enabled=1&days=5&count=4", csrf);
	assert_int_equal(wfx_post(f, member, p, form, &r), 0);
	assert_int_equal(r.status, 303);
	wresp_clear(&r);
	snprintf(form, sizeof(form), "csrf=%s&enabled=1&days=999&count=4", csrf);
	assert_int_equal(wfx_post(f, member, p, form, &r), 0);
	assert_int_equal(r.status, 400);
	wresp_clear(&r);
	free(p);
	WFX_CHECK(store_thread_get(f->s, f->ta, 0, 0, &t, &err), err);
	assert_int_equal(t.reminders.days, 5);
	assert_int_equal(t.reminders.count, 4);
	store_thread_clear(&t);

	p = thread_path(f->ta, "archive");
	snprintf(form, sizeof(form), "csrf=%s", csrf);
	assert_int_equal(wfx_post(f, member, p, form, &r), 0);
	assert_int_equal(r.status, 303);
	wresp_clear(&r);
	free(p);
	WFX_CHECK(store_thread_get(f->s, f->ta, 0, 0, &t, &err), err);
	assert_int_equal(t.archived, 1);
	store_thread_clear(&t);
	/* Archived: the reply form is gone, staff can reopen. */
	assert_int_equal(wfx_http(f, "GET", ta, member, NULL, 0, &r), 0);
	assert_null(strstr(r.body, "id=\"replyform\""));
	assert_non_null(strstr(r.body, "/reopen\""));
	wresp_clear(&r);

	free(csrf);
	free(ta);
	free(anna);
	free(member);
}

/* No markup from the seed's hostile strings survives in a page. */
static void check_inert(const char *html, const char *what)
{
	const char *bad[] = { "<script>", "<img src=x", "href=\"javascript:",
			      "<b>statements", "<b>&amp;</b>" };
	for (size_t i = 0; i < GW_ARRAY_SIZE(bad); i++)
		if (strstr(html, bad[i]) != NULL)
			fail_msg("%s: found %s", what, bad[i]);
	/* The only script element is our own, external one. */
	const char *p = html;
	int scripts = 0;
	while ((p = strstr(p, "<script")) != NULL) {
		if (strncmp(p, "<script src=\"/static/app.js", 27) != 0)
			fail_msg("%s: inline script at %.40s", what, p);
		scripts++;
		p++;
	}
	if (scripts != 1)
		fail_msg("%s: %d script elements", what, scripts);
}

static void test_web_hostile_text_comes_out_inert(void **state)
{
	struct wfx *f = *state;
	char *anna = wfx_login(f, LINK_CONTACT, f->anna);
	char *member = wfx_login(f, LINK_STAFF, f->member);
	char *ta = thread_path(f->ta, NULL);
	char *reply = thread_path(f->ta, "reply");
	struct wresp r;
	char *err = NULL;

	/* A client reply with markup, and a file with a hostile name. */
	char *csrf = wfx_csrf(f, anna, ta);
	struct buf body = BUF_INIT;
	buf_printf(&body, "--XyZ\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n%s\r\n"
			  "--XyZ\r\nContent-Disposition: form-data; name=\"body\"\r\n\r\n"
			  "<script>alert('r')</script> <img src=x onerror=alert(3)>\r\n"
			  "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; "
			  "filename=\"<img src=x onerror=alert(4)>.html\"\r\n"
			  "Content-Type: text/html\r\n\r\n<script>alert(5)</script>\r\n--XyZ--\r\n",
		   csrf);
	char *h = xasprintf("%sContent-Type: multipart/form-data; boundary=XyZ\r\n", anna);
	assert_int_equal(wfx_http(f, "POST", reply, h, body.data, body.len, &r), 0);
	assert_int_equal(r.status, 303);
	wresp_clear(&r);
	free(h);
	buf_release(&body);
	/* A template and a new chat with markup in the subject, too. */
	WFX_CHECK(store_template_set(f->s, "<script>t</script>", "S", "B", &err), err);

	const char *cookies[] = { anna, member };
	for (size_t i = 0; i < 2; i++) {
		char what[32];

		assert_int_equal(wfx_http(f, "GET", ta, cookies[i], NULL, 0, &r), 0);
		assert_int_equal(r.status, 200);
		snprintf(what, sizeof(what), "thread page %zu", i);
		check_inert(r.body, what);
		/* Escaped text is there, so the test looked at the right page. */
		assert_non_null(strstr(r.body, "&lt;script&gt;alert(&#39;s&#39;)&lt;/script&gt; Year end"));
		assert_non_null(strstr(r.body, "Anna &lt;script&gt;"));
		assert_non_null(strstr(r.body, "&lt;img src=x onerror=alert(4)&gt;.html"));
		assert_non_null(strstr(r.body, "<strong>bold</strong>"));
		wresp_clear(&r);
		assert_int_equal(wfx_http(f, "GET", "/", cookies[i], NULL, 0, &r), 0);
		assert_int_equal(r.status, 200);
		snprintf(what, sizeof(what), "home %zu", i);
		check_inert(r.body, what);
		assert_non_null(strstr(r.body, "Year end"));
		wresp_clear(&r);
	}
	free(csrf);
	free(reply);
	free(ta);
	free(anna);
	free(member);
}

/* A file on a staff-only note is staff's: not on a contact's page, not
 * downloadable by a contact even with its id; staff download it. */
static void test_web_staff_only_file_stays_with_staff(void **state)
{
	struct wfx *f = *state;
	struct store_attachment_new a = { 0 };
	char *anna = wfx_login(f, LINK_CONTACT, f->anna);
	char *owner = wfx_login(f, LINK_STAFF, f->owner);
	char *ta = thread_path(f->ta, NULL), *err = NULL, path[32];
	int64_t id = 0;
	struct wresp r;

	a.thread_id = f->ta;
	a.message_id = f->ta_note;
	a.uploader_kind = STORE_STAFF;
	a.uploader_id = f->owner;
	a.file_name = "internal-plan.pdf";
	a.bytes = "internal";
	a.len = 8;
	a.dir = f->att_dir;
	WFX_CHECK(store_attachment_add(f->s, &a, &id, &err), err);
	snprintf(path, sizeof(path), "/a/%lld", (long long)id);

	assert_int_equal(wfx_http(f, "GET", ta, anna, NULL, 0, &r), 0);
	assert_int_equal(r.status, 200);
	assert_null(strstr(r.body, "internal-plan.pdf"));
	wresp_clear(&r);
	assert_int_equal(get_status(f, anna, path), 404);

	assert_int_equal(get_status(f, owner, path), 200);
	free(anna);
	free(owner);
	free(ta);
}

static void test_web_upload_and_download(void **state)
{
	struct wfx *f = *state;
	char *anna = wfx_login(f, LINK_CONTACT, f->anna);
	char *bob = wfx_login(f, LINK_CONTACT, f->bob);
	char *ta = thread_path(f->ta, NULL);
	char *reply = thread_path(f->ta, "reply");
	char *csrf = wfx_csrf(f, anna, ta);
	static const char content[] = "%PDF-1.4\n\x00\x01\x02 binary \xff bytes\n";
	struct buf body = BUF_INIT;
	struct wresp r;
	char *err = NULL;
	int uploads = wfx_outbox_count(f, MAIL_STAFF_UPLOAD, f->ta);
	int replied = wfx_outbox_count(f, MAIL_STAFF_CLIENT_REPLIED, f->ta);
	int queued = f->queued_calls;

	buf_printf(&body, "--b0undary\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n"
			  "%s\r\n--b0undary\r\nContent-Disposition: form-data; name=\"body\"\r\n\r\n"
			  "\r\n--b0undary\r\nContent-Disposition: form-data; name=\"file\"; "
			  "filename=\"Bank \\\"Dec\\\" \xc3\xbc.pdf\"\r\n"
			  "Content-Type: application/pdf\r\n\r\n", csrf);
	buf_append(&body, content, sizeof(content) - 1);
	buf_puts(&body, "\r\n--b0undary--\r\n");
	char *h = xasprintf("%sContent-Type: multipart/form-data; boundary=b0undary\r\n", anna);
	assert_int_equal(wfx_http(f, "POST", reply, h, body.data, body.len, &r), 0);
	assert_int_equal(r.status, 303);
	wresp_clear(&r);
	free(h);
	buf_release(&body);
	/* A file on its own is a post: the staff hear of it once, as of a
	 * reply (that email lists the file), not as an upload besides. */
	assert_int_equal(wfx_outbox_count(f, MAIL_STAFF_UPLOAD, f->ta), uploads);
	assert_int_equal(wfx_outbox_count(f, MAIL_STAFF_CLIENT_REPLIED, f->ta), replied + 1);
	assert_true(f->queued_calls > queued);

	struct store_thread_view v;
	WFX_CHECK(store_thread_show(f->s, f->ta, 0, 0, 1, &v, &err), err);
	assert_int_equal(v.n_attachments, 1);
	int64_t att = v.attachments[0].id;
	assert_string_equal(v.attachments[0].file_name, "Bank \"Dec\" \xc3\xbc.pdf");
	assert_int_equal(v.attachments[0].size, (int64_t)sizeof(content) - 1);
	store_thread_view_clear(&v);

	char path[32];
	snprintf(path, sizeof(path), "/a/%lld", (long long)att);
	assert_int_equal(wfx_http(f, "GET", path, anna, NULL, 0, &r), 0);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.body_len, sizeof(content) - 1);
	assert_memory_equal(r.body, content, sizeof(content) - 1);
	char *cd = wresp_header(&r, "Content-Disposition");
	assert_string_equal(cd, "attachment; filename=\"Bank _Dec_ __.pdf\"; "
				"filename*=UTF-8''Bank%20%22Dec%22%20%C3%BC.pdf");
	free(cd);
	char *ct = wresp_header(&r, "Content-Type");
	assert_string_equal(ct, "application/pdf");
	free(ct);
	char *nosniff = wresp_header(&r, "X-Content-Type-Options");
	assert_string_equal(nosniff, "nosniff");
	free(nosniff);
	wresp_clear(&r);
	/* Not for another account, nor without a session. */
	assert_int_equal(get_status(f, bob, path), 404);
	assert_int_equal(get_status(f, NULL, path), 403);

	/* An HTML upload is never served as HTML. */
	csrf = (free(csrf), wfx_csrf(f, anna, ta));
	buf_printf(&body, "--b\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n%s\r\n"
			  "--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x.html\"\r\n"
			  "Content-Type: text/html\r\n\r\n<h1>hi</h1>\r\n--b--\r\n", csrf);
	h = xasprintf("%sContent-Type: multipart/form-data; boundary=b\r\n", anna);
	assert_int_equal(wfx_http(f, "POST", reply, h, body.data, body.len, &r), 0);
	assert_int_equal(r.status, 303);
	wresp_clear(&r);
	snprintf(path, sizeof(path), "/a/%lld", (long long)att + 1);
	assert_int_equal(wfx_http(f, "GET", path, anna, NULL, 0, &r), 0);
	assert_int_equal(r.status, 200);
	ct = wresp_header(&r, "Content-Type");
	assert_string_equal(ct, "application/octet-stream");
	free(ct);
	wresp_clear(&r);

	/* An empty reply without a file is refused with the page again. */
	buf_reset(&body);
	buf_printf(&body, "--b\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n%s\r\n"
			  "--b\r\nContent-Disposition: form-data; name=\"body\"\r\n\r\n   \r\n"
			  "--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\"\r\n"
			  "Content-Type: application/octet-stream\r\n\r\n\r\n--b--\r\n", csrf);
	assert_int_equal(wfx_http(f, "POST", reply, h, body.data, body.len, &r), 0);
	assert_int_equal(r.status, 400);
	assert_non_null(strstr(r.body, "Write a message or choose a file"));
	wresp_clear(&r);
	/* A malformed multipart body is a 400, not a crash. */
	assert_int_equal(wfx_http(f, "POST", reply, h, "--b\r\nbroken", 11, &r), 0);
	assert_int_equal(r.status, 400);
	wresp_clear(&r);
	free(h);
	buf_release(&body);
	free(csrf);
	free(reply);
	free(ta);
	free(anna);
	free(bob);
}

static void test_web_read_mark_only_by_post(void **state)
{
	struct wfx *f = *state;
	char *anna = wfx_login(f, LINK_CONTACT, f->anna);
	char *ta = thread_path(f->ta, NULL);
	char *read = thread_path(f->ta, "read");
	struct store_thread t;
	struct wresp r;
	char *err = NULL, form[200];

	WFX_CHECK(store_thread_get(f->s, f->ta, STORE_CONTACT, f->anna, &t, &err), err);
	int64_t unread = t.unread_count;
	store_thread_clear(&t);
	assert_true(unread > 0);
	/* Viewing (twice, as a scanner would) leaves it unread. */
	assert_int_equal(wfx_http(f, "GET", ta, anna, NULL, 0, &r), 0);
	assert_non_null(strstr(r.body, "id=\"markread\""));
	char *csrf = wfx_csrf_from(&r);
	/* The form marks up to the last message shown. */
	char up_to[24], *p = strstr(r.body, "name=\"up_to\" value=\"");
	assert_non_null(p);
	p += strlen("name=\"up_to\" value=\"");
	snprintf(up_to, sizeof(up_to), "%.*s", (int)strcspn(p, "\""), p);
	assert_true(strtoll(up_to, NULL, 10) >= f->ta_msg);
	wresp_clear(&r);
	assert_int_equal(get_status(f, anna, ta), 200);
	WFX_CHECK(store_thread_get(f->s, f->ta, STORE_CONTACT, f->anna, &t, &err), err);
	assert_int_equal(t.unread_count, unread);
	store_thread_clear(&t);
	struct store_contact c;
	WFX_CHECK(store_contact_get(f->s, f->anna, &c, &err), err);
	assert_int_equal(c.last_login_at, 0);
	store_contact_clear(&c);

	/* The button (no JavaScript): 303 back to the thread. */
	snprintf(form, sizeof(form), "csrf=%s&up_to=%s", csrf, up_to);
	assert_int_equal(wfx_post(f, anna, read, form, &r), 0);
	assert_int_equal(r.status, 303);
	wresp_clear(&r);
	WFX_CHECK(store_thread_get(f->s, f->ta, STORE_CONTACT, f->anna, &t, &err), err);
	assert_int_equal(t.unread_count, 0);
	store_thread_clear(&t);
	/* The read POST records that the contact really looked. */
	WFX_CHECK(store_contact_get(f->s, f->anna, &c, &err), err);
	assert_int_equal(c.last_login_at, clock_now());
	store_contact_clear(&c);

	/* The beacon: 204. */
	snprintf(form, sizeof(form), "csrf=%s&js=1", csrf);
	assert_int_equal(wfx_post(f, anna, read, form, &r), 0);
	assert_int_equal(r.status, 204);
	wresp_clear(&r);
	snprintf(form, sizeof(form), "csrf=%s&up_to=abc", csrf);
	assert_int_equal(wfx_post(f, anna, read, form, &r), 0);
	assert_int_equal(r.status, 400);
	wresp_clear(&r);
	free(csrf);
	free(read);
	free(ta);
	free(anna);
}

static void test_web_client_ticks_task(void **state)
{
	struct wfx *f = *state;
	char *anna = wfx_login(f, LINK_CONTACT, f->anna);
	char *ta = thread_path(f->ta, NULL);
	char *task = thread_path(f->ta, "task");
	char *csrf = wfx_csrf(f, anna, ta);
	struct store_thread_view v;
	struct wresp r;
	char *err = NULL, form[200];
	int before = wfx_outbox_count(f, MAIL_STAFF_TASK_DONE, f->ta);

	snprintf(form, sizeof(form), "csrf=%s&task=%lld&done=1", csrf, (long long)f->task1);
	assert_int_equal(wfx_post(f, anna, task, form, &r), 0);
	assert_int_equal(r.status, 303);
	wresp_clear(&r);
	WFX_CHECK(store_thread_show(f->s, f->ta, 0, 0, 1, &v, &err), err);
	assert_true(v.tasks[0].done_at != 0);
	assert_int_equal(v.tasks[1].done_at, 0);
	store_thread_view_clear(&v);
	assert_int_equal(wfx_outbox_count(f, MAIL_STAFF_TASK_DONE, f->ta), before + 1);
	/* The page shows it done, with the button to undo. */
	assert_int_equal(wfx_http(f, "GET", ta, anna, NULL, 0, &r), 0);
	assert_non_null(strstr(r.body, "1 of 2 done"));
	assert_non_null(strstr(r.body, "class=\"tick done\""));
	wresp_clear(&r);

	const char *bad[] = { "task=&done=1", "task=abc&done=1", "done=1", "task=1&done=2" };
	for (size_t i = 0; i < GW_ARRAY_SIZE(bad); i++) {
		snprintf(form, sizeof(form), "csrf=%s&%s", csrf, bad[i]);
		assert_int_equal(wfx_post(f, anna, task, form, &r), 0);
		if (r.status != 400)
			fail_msg("case %zu: %d", i, r.status);
		wresp_clear(&r);
	}
	free(csrf);
	free(task);
	free(ta);
	free(anna);
}

static void test_web_failed_reply_keeps_the_text(void **state)
{
	struct wfx *f = *state;
	char *anna = wfx_login(f, LINK_CONTACT, f->anna);
	char *ta = thread_path(f->ta, NULL);
	char *reply = thread_path(f->ta, "reply");
	char *csrf = wfx_csrf(f, anna, ta);
	struct wresp r;
	char *err = NULL, form[300];

	WFX_CHECK(store_thread_archive(f->s, f->ta, 0, &err), err);
	snprintf(form, sizeof(form), "csrf=%s&body=my+%%3Cprecious%%3E+words", csrf);
	assert_int_equal(wfx_post(f, anna, reply, form, &r), 0);
	assert_int_equal(r.status, 400);
	assert_non_null(strstr(r.body, "class=\"error\""));
	wresp_clear(&r);
	/* Archived: no form to put it back into; open again and retry. */
	WFX_CHECK(store_thread_reopen(f->s, f->ta, 0, &err), err);
	/* Control characters are refused, the text is shown again. */
	snprintf(form, sizeof(form), "csrf=%s&body=bad%%01char", csrf);
	assert_int_equal(wfx_post(f, anna, reply, form, &r), 0);
	assert_int_equal(r.status, 400);
	assert_non_null(strstr(r.body, "cannot be sent"));
	assert_non_null(strstr(r.body, ">badchar</textarea>"));
	wresp_clear(&r);
	/* CRLF from a textarea becomes LF. */
	snprintf(form, sizeof(form), "csrf=%s&body=line+1%%0D%%0Aline+2", csrf);
	assert_int_equal(wfx_post(f, anna, reply, form, &r), 0);
	assert_int_equal(r.status, 303);
	wresp_clear(&r);
	struct store_thread_view v;
	WFX_CHECK(store_thread_show(f->s, f->ta, 0, 0, 1, &v, &err), err);
	assert_string_equal(v.messages[v.n_messages - 1].body, "line 1\nline 2");
	store_thread_view_clear(&v);
	free(csrf);
	free(reply);
	free(ta);
	free(anna);
}


/* Threads in the store, archived ones included. */
static int64_t thread_count(struct wfx *f)
{
	struct store_thread_list list;
	struct store_thread_filter filter;
	char *err = NULL;
	int64_t n;

	memset(&filter, 0, sizeof(filter));
	filter.order = STORE_ORDER_ID;
	WFX_CHECK(store_thread_list(f->s, &filter, &list, &err), err);
	n = (int64_t)list.count;
	store_thread_list_free(&list);
	return n;
}

static void test_web_homes_and_new_chats(void **state)
{
	struct wfx *f = *state;
	char *anna = wfx_login(f, LINK_CONTACT, f->anna);
	char *owner = wfx_login(f, LINK_STAFF, f->owner);
	struct wresp r;
	char *err = NULL, form[400];

	/* Client home: own threads only, unread badge, new chat form. */
	assert_int_equal(wfx_http(f, "GET", "/", anna, NULL, 0, &r), 0);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "Year end"));
	assert_null(strstr(r.body, "Birch private"));
	assert_non_null(strstr(r.body, "class=\"badge\""));
	assert_non_null(strstr(r.body, "Start a new chat"));
	char *csrf = wfx_csrf_from(&r);
	wresp_clear(&r);

	snprintf(form, sizeof(form), "csrf=%s&subject=Question&body=Can+we+talk%%3F", csrf);
	int created = wfx_outbox_count(f, MAIL_STAFF_CLIENT_CREATED, 0);
	assert_int_equal(wfx_post(f, anna, "/new", form, &r), 0);
	assert_int_equal(r.status, 303);
	char *loc = wresp_header(&r, "Location");
	assert_true(strncmp(loc, "/t/", 3) == 0);
	assert_int_equal(get_status(f, anna, loc), 200);
	free(loc);
	wresp_clear(&r);
	assert_true(wfx_outbox_count(f, MAIL_STAFF_CLIENT_CREATED, 0) > created);
	/* Missing subject: the form comes back filled in. */
	snprintf(form, sizeof(form), "csrf=%s&subject=&body=keep+%%3Cme%%3E", csrf);
	assert_int_equal(wfx_post(f, anna, "/new", form, &r), 0);
	assert_int_equal(r.status, 400);
	assert_non_null(strstr(r.body, "keep &lt;me&gt;"));
	wresp_clear(&r);

	/* The firm forbids client chats: no form, and a POST is refused. */
	struct store_firm_in firm = { "Firm", 0, NULL };
	WFX_CHECK(store_firm_set(f->s, &firm, &err), err);
	assert_int_equal(wfx_http(f, "GET", "/", anna, NULL, 0, &r), 0);
	assert_null(strstr(r.body, "Start a new chat"));
	wresp_clear(&r);
	snprintf(form, sizeof(form), "csrf=%s&subject=Again&body=x", csrf);
	assert_int_equal(wfx_post(f, anna, "/new", form, &r), 0);
	assert_int_equal(r.status, 403);
	wresp_clear(&r);
	free(csrf);

	/* Staff home: every account's thread for the owner, archive filter. */
	assert_int_equal(wfx_http(f, "GET", "/", owner, NULL, 0, &r), 0);
	assert_non_null(strstr(r.body, "Year end"));
	assert_non_null(strstr(r.body, "Birch private"));
	assert_non_null(strstr(r.body, "New chat"));
	csrf = wfx_csrf_from(&r);
	wresp_clear(&r);
	WFX_CHECK(store_thread_archive(f->s, f->tb, 0, &err), err);
	assert_int_equal(wfx_http(f, "GET", "/", owner, NULL, 0, &r), 0);
	assert_null(strstr(r.body, "Birch private"));
	wresp_clear(&r);
	assert_int_equal(wfx_http(f, "GET", "/?show=archived", owner, NULL, 0, &r), 0);
	assert_non_null(strstr(r.body, "Birch private"));
	assert_null(strstr(r.body, "Year end"));
	wresp_clear(&r);

	/* Bulk: one thread per account, tasks from lines, a template. */
	WFX_CHECK(store_template_set(f->s, "yearend", "Documents for [ACCOUNT_NAME]",
				     "Dear [CONTACT_FIRST_NAME], please upload.", &err), err);
	snprintf(form, sizeof(form), "csrf=%s&account=%lld&account=%lld&template=yearend"
				     "&subject=&body=&tasks=Bank%%0D%%0A%%0D%%0A-+Payroll&reminders=1"
				     "&days=2&count=3", csrf, (long long)f->acc_a, (long long)f->acc_b);
	assert_int_equal(wfx_post(f, owner, "/new", form, &r), 0);
	assert_int_equal(r.status, 303);
	loc = wresp_header(&r, "Location");
	assert_string_equal(loc, "/");
	free(loc);
	wresp_clear(&r);
	struct store_thread_list list;
	struct store_thread_filter filter;
	memset(&filter, 0, sizeof(filter));
	filter.order = STORE_ORDER_ID;
	WFX_CHECK(store_thread_list(f->s, &filter, &list, &err), err);
	int found = 0;
	for (size_t i = 0; i < list.count; i++) {
		if (strncmp(list.items[i].subject, "Documents for ", 14) != 0)
			continue;
		found++;
		assert_int_equal(list.items[i].tasks_total, 2);
		assert_int_equal(list.items[i].reminders.days, 2);
		assert_int_equal(list.items[i].reminders.count, 3);
	}
	store_thread_list_free(&list);
	assert_int_equal(found, 2);
	/* Reminder settings out of range are refused before anything is
	   created, also where narrowing to an int would have wrapped them
	   into range (2^32 + 1 -> 1, 2^31 -> negative). */
	static const char *const bad_rem[] = { "days=0&count=3", "days=366&count=3",
					       "days=4294967297&count=3", "days=2147483648&count=3",
					       "days=2&count=51", "days=2&count=4294967298",
					       "days=x&count=3" };
	for (size_t i = 0; i < GW_ARRAY_SIZE(bad_rem); i++) {
		int64_t before = thread_count(f);
		snprintf(form, sizeof(form), "csrf=%s&account=%lld&subject=S&body=B&reminders=1&%s",
			 csrf, (long long)f->acc_a, bad_rem[i]);
		assert_int_equal(wfx_post(f, owner, "/new", form, &r), 0);
		if (r.status != 400 || strstr(r.body, "days must be 1 to 365") == NULL)
			fail_msg("case %zu (%s): status %d", i, bad_rem[i], r.status);
		wresp_clear(&r);
		assert_int_equal(thread_count(f), before);
	}
	/* No account chosen: refused, nothing created. */
	snprintf(form, sizeof(form), "csrf=%s&subject=S&body=B", csrf);
	assert_int_equal(wfx_post(f, owner, "/new", form, &r), 0);
	assert_int_equal(r.status, 400);
	assert_non_null(strstr(r.body, "Choose at least one client"));
	wresp_clear(&r);
	free(csrf);
	free(anna);
	free(owner);
}

/* Staff switch a thread's emails to show the messages and back; a client
 * cannot; the switch is audited. */
static void test_web_thread_show_content_switch(void **state)
{
	struct wfx *f = *state;
	char *member = wfx_login(f, LINK_STAFF, f->member);
	char *anna = wfx_login(f, LINK_CONTACT, f->anna);
	char *ta = xasprintf("/t/%lld", (long long)f->ta);
	char *content = xasprintf("/t/%lld/content", (long long)f->ta);
	char *err = NULL, *body = NULL;
	struct store_thread t;
	struct wresp r;

	assert_int_equal(wfx_http(f, "GET", ta, member, NULL, 0, &r), 0);
	assert_non_null(strstr(r.body, "action=\"/t/"));
	assert_non_null(strstr(r.body, ">Show messages in emails</button>"));
	wresp_clear(&r);
	assert_int_equal(wfx_post_csrf(f, member, ta, content, "show=1", ta, NULL), 303);
	memset(&t, 0, sizeof(t));
	WFX_CHECK(store_thread_get(f->s, f->ta, STORE_STAFF, f->member, &t, &err), err);
	assert_int_equal(t.show_content, 1);
	store_thread_clear(&t);
	assert_int_equal(wfx_http(f, "GET", ta, member, NULL, 0, &r), 0);
	assert_non_null(strstr(r.body, ">Stop showing messages in emails</button>"));
	wresp_clear(&r);
	assert_int_equal(wfx_post_csrf(f, member, ta, content, "show=0", ta, NULL), 303);
	WFX_CHECK(store_thread_get(f->s, f->ta, STORE_STAFF, f->member, &t, &err), err);
	assert_int_equal(t.show_content, 0);
	store_thread_clear(&t);
	/* a client has no such switch */
	assert_int_equal(wfx_post_csrf(f, anna, ta, content, "show=1", NULL, &body), 403);
	free(body);
	free(member);
	free(anna);
	free(ta);
	free(content);
}

/* The new-chat form offers the same choice, the firm's default first. */
static void test_web_new_chat_show_content(void **state)
{
	struct wfx *f = *state;
	char *member = wfx_login(f, LINK_STAFF, f->member);
	const char *want[] = { "1", "0", "" };
	char *err = NULL;
	struct wresp r;

	assert_int_equal(wfx_http(f, "GET", "/", member, NULL, 0, &r), 0);
	assert_non_null(strstr(r.body, "<select name=\"show_content\">"));
	assert_non_null(strstr(r.body, "The firm's default: only say something happened"));
	wresp_clear(&r);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		char *form = xasprintf("account=%lld&subject=Content+%zu&body=Hello&show_content=%s",
				       (long long)f->acc_a, i, want[i]);
		char subject[32];
		struct store_thread_list list;
		struct store_thread_filter filter;
		int found = 0;

		assert_int_equal(wfx_post_csrf(f, member, "/", "/new", form, NULL, NULL), 303);
		snprintf(subject, sizeof(subject), "Content %zu", i);
		memset(&filter, 0, sizeof(filter));
		filter.order = STORE_ORDER_ID;
		WFX_CHECK(store_thread_list(f->s, &filter, &list, &err), err);
		for (size_t k = 0; k < list.count; k++) {
			if (strcmp(list.items[k].subject, subject) != 0)
				continue;
			found = 1;
			/* "" is the firm's default, off in this fixture */
			assert_int_equal(list.items[k].show_content, want[i][0] == '1');
		}
		store_thread_list_free(&list);
		assert_true(found);
		free(form);
	}
	free(member);
}

/* Queued notifications of kind to a contact in thread tid. */
static size_t queued_to(struct store *s, int64_t tid, int64_t contact)
{
	struct store_outbox_list l;
	char *err = NULL;
	size_t n = 0;

	WFX_CHECK(store_outbox_list(s, STORE_OUT_QUEUED, tid, 0, &l, &err), err);
	for (size_t i = 0; i < l.count; i++)
		n += l.items[i].recipient_kind == STORE_CONTACT && l.items[i].recipient_id == contact;
	store_outbox_list_free(&l);
	return n;
}

/* A reader whose open stream was told of a message is not emailed about
 * it; the other contact, who was not looking, still is. */
static void test_web_event_stream_seen_live_cancels_email(void **state)
{
	struct wfx *f = *state;
	char *anna = wfx_login(f, LINK_CONTACT, f->anna);
	char *req = xasprintf("GET /t/%lld/events HTTP/1.1\r\nHost: x\r\n%s\r\n",
			      (long long)f->ta, anna);
	char *got = NULL, *err = NULL;
	struct cfg_store cfg = f->store_cfg;
	struct store *batching = NULL;
	int fd = wfx_connect_send(f, req);

	cfg.batch_window = 120;
	if (store_open(&cfg, &batching, &err) != 0)
		fail_msg("store_open: %s", err);
	assert_true(fd >= 0);
	assert_true(wfx_read_until(f, fd, "retry: 3000", 5000, &got));
	free(got);
	/* what the seed queued (no window) stays as it is */
	size_t anna0 = queued_to(batching, f->ta, f->anna);
	size_t ann20 = queued_to(batching, f->ta, f->ann2);

	WFX_CHECK(store_message_post(batching, f->ta, STORE_STAFF, f->member, "live news", NULL,
				     &err), err);
	assert_int_equal(queued_to(batching, f->ta, f->anna), anna0 + 1);
	assert_int_equal(queued_to(batching, f->ta, f->ann2), ann20 + 1);
	assert_true(wfx_read_until(f, fd, "event: change", 5000, &got));
	free(got);
	for (int i = 0; i < 50 && queued_to(batching, f->ta, f->anna) != anna0; i++)
		wfx_pump(f, 100);
	assert_int_equal(queued_to(batching, f->ta, f->anna), anna0);
	assert_int_equal(queued_to(batching, f->ta, f->ann2), ann20 + 1);
	close(fd);
	store_close(&batching);
	free(req);
	free(anna);
}

static void test_web_event_stream_announces_new_message(void **state)
{
	struct wfx *f = *state;
	char *anna = wfx_login(f, LINK_CONTACT, f->anna);
	char *req = xasprintf("GET /t/%lld/events HTTP/1.1\r\nHost: x\r\n%s\r\n",
			      (long long)f->ta, anna);
	char *got = NULL, *err = NULL;
	int fd = wfx_connect_send(f, req);

	assert_true(fd >= 0);
	assert_true(wfx_read_until(f, fd, "retry: 3000", 5000, &got));
	assert_non_null(strstr(got, "text/event-stream"));
	assert_non_null(strstr(got, "Content-Security-Policy"));
	assert_null(strstr(got, "event: change"));
	free(got);
	/* Staff post from another connection (as gatewayctl would). */
	WFX_CHECK(store_message_post(f->s, f->ta, STORE_STAFF, f->member, "news!", NULL, &err),
		  err);
	assert_true(wfx_read_until(f, fd, "event: change", 5000, &got));
	free(got);
	/* The browser goes away; the stream is ended at the next writes. */
	close(fd);
	WFX_CHECK(store_message_post(f->s, f->ta, STORE_STAFF, f->member, "more", NULL, &err),
		  err);
	wfx_pump(f, 1200);
	WFX_CHECK(store_message_post(f->s, f->ta, STORE_STAFF, f->member, "again", NULL, &err),
		  err);
	wfx_pump(f, 1200);

	/* Without a session: no stream. */
	struct wresp r;
	char path[48];
	snprintf(path, sizeof(path), "/t/%lld/events", (long long)f->ta);
	assert_int_equal(wfx_http(f, "GET", path, NULL, NULL, 0, &r), 0);
	assert_int_equal(r.status, 403);
	wresp_clear(&r);

	/* A stream still open at close is ended cleanly (no leak under ASan). */
	fd = wfx_connect_send(f, req);
	assert_true(wfx_read_until(f, fd, "retry: 3000", 5000, NULL));
	web_close(&f->web);
	close(fd);
	free(req);
	free(anna);
}

static void test_web_cached_page_follows_changes_and_sessions(void **state)
{
	struct wfx *f = *state;
	char *s1 = wfx_login(f, LINK_CONTACT, f->anna);
	char *ta = thread_path(f->ta, NULL);
	struct wresp a, b;
	char *err = NULL;

	assert_int_equal(wfx_http(f, "GET", ta, s1, NULL, 0, &a), 0);
	assert_int_equal(wfx_http(f, "GET", ta, s1, NULL, 0, &b), 0);
	assert_string_equal(a.body, b.body);
	assert_null(strstr(a.body, "\x01"));
	wresp_clear(&b);

	/* Another connection commits: the next view shows it. */
	WFX_CHECK(store_message_post(f->s, f->ta, STORE_STAFF, f->member, "fresh from the CLI",
				     NULL, &err), err);
	assert_int_equal(wfx_http(f, "GET", ta, s1, NULL, 0, &b), 0);
	assert_non_null(strstr(b.body, "fresh from the CLI"));
	wresp_clear(&b);
	WFX_CHECK(store_task_set_done(f->s, f->task2, STORE_STAFF, f->member, 1, &err), err);
	assert_int_equal(wfx_http(f, "GET", ta, s1, NULL, 0, &b), 0);
	assert_non_null(strstr(b.body, "1 of 2 done"));
	wresp_clear(&b);

	/* A second session of the same person gets its own CSRF token in the
	 * same (cached) page, and each token works only with its cookie. */
	clock_set(clock_now() + 10);
	char *s2 = wfx_login(f, LINK_CONTACT, f->anna);
	assert_int_equal(wfx_http(f, "GET", ta, s2, NULL, 0, &b), 0);
	char *c1 = wfx_csrf_from(&a), *c2 = wfx_csrf_from(&b);
	assert_string_not_equal(c1, c2);
	char *read = thread_path(f->ta, "read"), form[200];
	struct wresp r;
	snprintf(form, sizeof(form), "csrf=%s&js=1", c1);
	assert_int_equal(wfx_post(f, s2, read, form, &r), 0);
	assert_int_equal(r.status, 403);
	wresp_clear(&r);
	snprintf(form, sizeof(form), "csrf=%s&js=1", c2);
	assert_int_equal(wfx_post(f, s2, read, form, &r), 0);
	assert_int_equal(r.status, 204);
	wresp_clear(&r);
	/* The web view's own write (the read mark) shows at once. */
	wresp_clear(&b);
	assert_int_equal(wfx_http(f, "GET", ta, s2, NULL, 0, &b), 0);
	assert_null(strstr(b.body, "id=\"markread\""));
	wresp_clear(&b);
	wresp_clear(&a);
	free(read);
	free(c1);
	free(c2);
	free(s1);
	free(s2);
	free(ta);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_web_other_accounts_thread_is_404,
						wfx_setup, wfx_teardown),
		cmocka_unit_test_setup_teardown(test_web_staff_only_notes_and_actions,
						wfx_setup, wfx_teardown),
		cmocka_unit_test_setup_teardown(test_web_hostile_text_comes_out_inert,
						wfx_setup, wfx_teardown),
		cmocka_unit_test_setup_teardown(test_web_staff_only_file_stays_with_staff,
						wfx_setup, wfx_teardown),
		cmocka_unit_test_setup_teardown(test_web_upload_and_download,
						wfx_setup, wfx_teardown),
		cmocka_unit_test_setup_teardown(test_web_read_mark_only_by_post,
						wfx_setup, wfx_teardown),
		cmocka_unit_test_setup_teardown(test_web_client_ticks_task,
						wfx_setup, wfx_teardown),
		cmocka_unit_test_setup_teardown(test_web_failed_reply_keeps_the_text,
						wfx_setup, wfx_teardown),
		cmocka_unit_test_setup_teardown(test_web_homes_and_new_chats,
						wfx_setup, wfx_teardown),
		cmocka_unit_test_setup_teardown(test_web_new_chat_show_content, wfx_setup,
						wfx_teardown),
		cmocka_unit_test_setup_teardown(test_web_thread_show_content_switch,
						wfx_setup, wfx_teardown),
		cmocka_unit_test_setup_teardown(test_web_event_stream_seen_live_cancels_email,
						wfx_setup, wfx_teardown),
		cmocka_unit_test_setup_teardown(test_web_event_stream_announces_new_message,
						wfx_setup, wfx_teardown),
		cmocka_unit_test_setup_teardown(test_web_cached_page_follows_changes_and_sessions,
						wfx_setup, wfx_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
