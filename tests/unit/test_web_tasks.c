/*
 * test_web_tasks.c - staff change a thread's checklist in the web view
 * (POST /t/ID/task/add|edit|remove|move from the staff box), the
 * confirmation after each action (a one-time flash after the redirect),
 * refused forms shown again with what was typed, the same 404 for what
 * the person may not see, and the client's open page told of an edit
 * through its event stream.
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
#include "web_fixture.h"

static char *tpath(int64_t thread, const char *rest)
{
	return xasprintf("/t/%lld%s", (long long)thread, rest != NULL ? rest : "");
}

static char *task_text(struct wfx *f, int64_t thread, int position)
{
	struct store_thread_view v;
	char *err = NULL, *text = NULL;

	memset(&v, 0, sizeof(v));
	WFX_CHECK(store_thread_show(f->s, thread, 0, 0, 1, &v, &err), err);
	for (size_t i = 0; i < v.n_tasks; i++)
		if (v.tasks[i].position == position)
			text = xstrdup(v.tasks[i].text);
	store_thread_view_clear(&v);
	return text != NULL ? text : xstrdup("");
}

static size_t n_tasks(struct wfx *f, int64_t thread)
{
	struct store_thread_view v;
	char *err = NULL;
	size_t n;

	memset(&v, 0, sizeof(v));
	WFX_CHECK(store_thread_show(f->s, thread, 0, 0, 1, &v, &err), err);
	n = v.n_tasks;
	store_thread_view_clear(&v);
	return n;
}

/* POST with the page's csrf; the answer kept. */
static void post(struct wfx *f, const char *cookie, const char *page, const char *path,
		 const char *form, struct wresp *r)
{
	char *csrf = wfx_csrf(f, cookie, page);
	char *body = xasprintf("csrf=%s&%s", csrf, form);

	assert_int_equal(wfx_post(f, cookie, path, body, r), 0);
	free(body);
	free(csrf);
}

/* The cookie line with the flash cookie a redirect set added to it. */
static char *with_flash(const char *cookie, const struct wresp *r)
{
	char *set = wresp_header(r, "Set-Cookie"), *semi, *line;
	size_t len = strlen(cookie);

	assert_non_null(set);
	assert_int_equal(strncmp(set, "gw_flash=", 9), 0);
	assert_non_null(strstr(set, "Max-Age=60"));
	assert_non_null(strstr(set, "HttpOnly"));
	semi = strchr(set, ';');
	*semi = '\0';
	line = xasprintf("%.*s; %s\r\n", (int)(len - 2), cookie, set);
	free(set);
	return line;
}

static void test_web_tasks_staff_add_edit_move_remove_with_confirmation(void **state)
{
	struct wfx *f = *state;
	char *member = wfx_login(f, LINK_STAFF, f->member);
	char *page = tpath(f->ta, NULL), *add = tpath(f->ta, "/task/add"), *cookie, *form;
	struct wresp r, g;

	/* the editor is in the staff's page, labelled, without script */
	assert_int_equal(wfx_http(f, "GET", page, member, NULL, 0, &g), 0);
	assert_non_null(strstr(g.body, "id=\"taskedit\""));
	assert_non_null(strstr(g.body, "<label for=\"tasknew\">New task</label>"));
	assert_non_null(strstr(g.body, "action=\"/t/"));
	wresp_clear(&g);

	post(f, member, page, add, "text=++Upload+the+bank+statements++", &r);
	assert_int_equal(r.status, 303);
	char *loc = wresp_header(&r, "Location");
	char *want = tpath(f->ta, "#taskedit");
	assert_string_equal(loc, want);
	free(loc);
	free(want);
	assert_int_equal(n_tasks(f, f->ta), 3);
	char *t3 = task_text(f, f->ta, 3);
	assert_string_equal(t3, "Upload the bank statements");
	free(t3);

	/* the page after the redirect confirms, once, as a status */
	cookie = with_flash(member, &r);
	wresp_clear(&r);
	assert_int_equal(wfx_http(f, "GET", page, cookie, NULL, 0, &g), 0);
	assert_int_equal(g.status, 200);
	assert_non_null(strstr(g.body, "<p class=\"flash\" role=\"status\">The task was added."));
	char *clear = wresp_header(&g, "Set-Cookie");
	assert_non_null(clear);
	assert_non_null(strstr(clear, "gw_flash=;"));
	assert_non_null(strstr(clear, "Max-Age=0"));
	free(clear);
	wresp_clear(&g);
	/* a reload (the browser dropped the cookie) shows no confirmation */
	assert_int_equal(wfx_http(f, "GET", page, member, NULL, 0, &g), 0);
	assert_null(strstr(g.body, "<p class=\"flash\" role=\"status\">"));
	wresp_clear(&g);
	free(cookie);

	/* edit, move, remove: each confirmed */
	form = xasprintf("task=%lld&text=Sign+and+date+the+letter", (long long)f->task1);
	char *edit = tpath(f->ta, "/task/edit");
	post(f, member, page, edit, form, &r);
	free(form);
	assert_int_equal(r.status, 303);
	cookie = with_flash(member, &r);
	assert_non_null(strstr(cookie, "gw_flash=task-edited"));
	free(cookie);
	wresp_clear(&r);
	char *t1 = task_text(f, f->ta, 1);
	assert_string_equal(t1, "Sign and date the letter");
	free(t1);

	form = xasprintf("task=%lld&position=3", (long long)f->task1);
	char *move = tpath(f->ta, "/task/move");
	post(f, member, page, move, form, &r);
	free(form);
	assert_int_equal(r.status, 303);
	wresp_clear(&r);
	t3 = task_text(f, f->ta, 3);
	assert_string_equal(t3, "Sign and date the letter");
	free(t3);

	form = xasprintf("task=%lld", (long long)f->task1);
	char *rm = tpath(f->ta, "/task/remove");
	post(f, member, page, rm, form, &r);
	free(form);
	assert_int_equal(r.status, 303);
	cookie = with_flash(member, &r);
	assert_non_null(strstr(cookie, "gw_flash=task-removed"));
	free(cookie);
	wresp_clear(&r);
	assert_int_equal(n_tasks(f, f->ta), 2);

	/* the staff see who did each, the client sees none of the notes */
	char *anna = wfx_login(f, LINK_CONTACT, f->anna);
	assert_int_equal(wfx_http(f, "GET", page, member, NULL, 0, &g), 0);
	assert_non_null(strstr(g.body, "removed a task"));
	wresp_clear(&g);
	assert_int_equal(wfx_http(f, "GET", page, anna, NULL, 0, &g), 0);
	assert_null(strstr(g.body, "removed a task"));
	assert_null(strstr(g.body, "id=\"taskedit\""));
	assert_non_null(strstr(g.body, "Upload the bank statements"));
	wresp_clear(&g);
	free(anna);
	free(edit);
	free(move);
	free(rm);
	free(add);
	free(page);
	free(member);
}

static void test_web_tasks_refused_form_keeps_text(void **state)
{
	struct wfx *f = *state;
	char *member = wfx_login(f, LINK_STAFF, f->member);
	char *page = tpath(f->ta, NULL), *add = tpath(f->ta, "/task/add");
	char *edit = tpath(f->ta, "/task/edit"), *form;
	struct wresp r;
	struct buf big = BUF_INIT;

	/* only blanks */
	post(f, member, page, add, "text=+++", &r);
	assert_int_equal(r.status, 400);
	assert_non_null(strstr(r.body, "Write the task: it cannot be empty."));
	assert_non_null(strstr(r.body, "id=\"tasknew\""));
	assert_non_null(strstr(r.body, "aria-invalid=\"true\" aria-describedby=\"taskerror\""));
	wresp_clear(&r);
	/* over-long: the text comes back as typed, escaped */
	buf_puts(&big, "text=%3Cb%3E");
	for (int i = 0; i < 1001; i++)
		buf_putc(&big, 'x');
	post(f, member, page, add, big.data, &r);
	assert_int_equal(r.status, 400);
	assert_non_null(strstr(r.body, "The task is too long"));
	assert_non_null(strstr(r.body, "value=\"&lt;b&gt;xxxxxxxx"));
	wresp_clear(&r);
	/* an edit refused: the error beside that task, with what was typed */
	form = xasprintf("task=%lld&text=+", (long long)f->task2);
	post(f, member, page, edit, form, &r);
	free(form);
	assert_int_equal(r.status, 400);
	char *id = xasprintf("id=\"task-%lld\"", (long long)f->task2);
	char *at = strstr(r.body, id);
	assert_non_null(at);
	assert_non_null(strstr(r.body, "id=\"taskerror\""));
	assert_true(strstr(r.body, "id=\"taskerror\"") < at);
	free(id);
	wresp_clear(&r);
	/* a page opened before the chat was archived */
	char *err = NULL;
	WFX_CHECK(store_thread_archive(f->s, f->ta, 0, &err), err);
	post(f, member, page, add, "text=Late+task", &r);
	assert_int_equal(r.status, 400);
	assert_non_null(strstr(r.body, "This chat is archived: reopen it to change its tasks."));
	assert_non_null(strstr(r.body, "id=\"taskerror\""));
	wresp_clear(&r);
	/* nothing changed by any of them */
	assert_int_equal(n_tasks(f, f->ta), 2);
	buf_release(&big);
	free(edit);
	free(add);
	free(page);
	free(member);
}

static void test_web_tasks_what_the_reader_may_not_see_is_404(void **state)
{
	struct wfx *f = *state;
	char *member = wfx_login(f, LINK_STAFF, f->member);
	char *owner = wfx_login(f, LINK_STAFF, f->owner);
	char *anna = wfx_login(f, LINK_CONTACT, f->anna);
	char *page = tpath(f->ta, NULL), *edit = tpath(f->ta, "/task/edit");
	char *tb_add = tpath(f->tb, "/task/add"), *err = NULL, *form;
	int64_t btask = 0;
	struct wresp r;

	WFX_CHECK(store_task_add(f->s, f->tb, "Birch task", &btask, &err), err);
	/* a task of another thread, through this thread's form */
	form = xasprintf("task=%lld&text=Mine+now", (long long)btask);
	post(f, owner, page, edit, form, &r);
	assert_int_equal(r.status, 404);
	wresp_clear(&r);
	free(form);
	/* a thread of an account the member does not see */
	post(f, member, page, tb_add, "text=Sneaky", &r);
	assert_int_equal(r.status, 404);
	wresp_clear(&r);
	/* a task id that does not exist: the same 404 */
	post(f, owner, page, edit, "task=987654&text=x", &r);
	assert_int_equal(r.status, 404);
	wresp_clear(&r);
	/* clients tick, they do not edit */
	form = xasprintf("task=%lld&text=Client+edit", (long long)f->task1);
	post(f, anna, page, edit, form, &r);
	assert_int_equal(r.status, 403);
	wresp_clear(&r);
	free(form);
	char *t = task_text(f, f->tb, 1);
	assert_string_equal(t, "Birch task");
	free(t);
	free(tb_add);
	free(edit);
	free(page);
	free(anna);
	free(owner);
	free(member);
}

/* An edit keeps the number of tasks: the client's stream hears of it. */
static void test_web_tasks_edit_reaches_the_client_live(void **state)
{
	struct wfx *f = *state;
	char *anna = wfx_login(f, LINK_CONTACT, f->anna);
	char *req = xasprintf("GET /t/%lld/events HTTP/1.1\r\nHost: x\r\n%s\r\n",
			      (long long)f->ta, anna);
	char *got = NULL, *err = NULL;
	int fd = wfx_connect_send(f, req);

	assert_true(fd >= 0);
	assert_true(wfx_read_until(f, fd, "retry: 3000", 5000, &got));
	free(got);
	WFX_CHECK(store_task_edit(f->s, f->ta, f->task1, f->member, "A new text", NULL, &err), err);
	assert_true(wfx_read_until(f, fd, "event: change", 5000, &got));
	free(got);
	WFX_CHECK(store_task_move(f->s, f->ta, f->task1, 0, 2, NULL, &err), err);
	assert_true(wfx_read_until(f, fd, "event: change", 5000, NULL));
	close(fd);
	free(req);
	free(anna);
}

/* Every action answers with its confirmation after the redirect. */
static void test_web_flash_after_each_action(void **state)
{
	struct wfx *f = *state;
	char *member = wfx_login(f, LINK_STAFF, f->member);
	char *anna = wfx_login(f, LINK_CONTACT, f->anna);
	char *page = tpath(f->ta, NULL);
	static const struct {
		int staff;
		const char *rest;
		const char *form;
		const char *code;
	} cases[] = {
		{ 0, "/reply", "body=Hello", "sent" },
		{ 1, "/reply", "body=Quiet&internal=1", "note" },
		{ 1, "/reminders", "enabled=1&days=2&count=1", "reminders" },
		{ 1, "/resend", "", "resent" },
		{ 1, "/unfollow", "", "unfollowed" },
		{ 1, "/follow", "", "followed" },
		{ 1, "/link", "label=Job&url=https%3A%2F%2Fpm.example%2Fj", "link-added" },
		{ 1, "/archive", "", "archived" },
		{ 1, "/reopen", "", "reopened" },
		{ 1, "/content", "show=1", "content-shown" },
		{ 1, "/content", "show=0", "content-hidden" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *who = cases[i].staff ? member : anna;
		char *path = tpath(f->ta, cases[i].rest), *cookie, *want;
		struct wresp r, g;

		post(f, who, page, path, cases[i].form, &r);
		if (r.status != 303)
			fail_msg("case %zu: status %d", i, r.status);
		cookie = with_flash(who, &r);
		want = xasprintf("gw_flash=%s", cases[i].code);
		if (strstr(cookie, want) == NULL)
			fail_msg("case %zu: %s", i, cookie);
		assert_int_equal(wfx_http(f, "GET", page, cookie, NULL, 0, &g), 0);
		if (strstr(g.body, "<p class=\"flash\" role=\"status\">") == NULL)
			fail_msg("case %zu: no confirmation shown", i);
		wresp_clear(&g);
		wresp_clear(&r);
		free(want);
		free(cookie);
		free(path);
	}
	/* actions outside a thread's own routes: new chat, a contact's emails,
	 * the legal hold, the link removed, the client's own emails */
	{
		char *owner = wfx_login(f, LINK_STAFF, f->owner);
		char *notify = xasprintf("/c/%lld/notify", (long long)f->ann2);
		char *hold = xasprintf("/accounts/%lld/hold", (long long)f->acc_a);
		char *back = xasprintf("on=0&thread=%lld", (long long)f->ta);
		char *hold_form = xasprintf("on=1&thread=%lld", (long long)f->ta);
		char *chat = xasprintf("account=%lld&subject=VAT&body=Please+send+it",
				       (long long)f->acc_a);
		char *unlink = tpath(f->ta, "/unlink");
		const struct {
			const char *who;
			const char *path;
			const char *form;
			const char *code;
		} more[] = {
			{ member, "/new", chat, "chat" },
			{ member, notify, back, "contact-notify" },
			{ owner, hold, hold_form, "hold" },
			{ member, unlink, "ref=1", "link-removed" },
			{ anna, "/me/emails", "on=0", "my-emails" },
			{ member, "/inbox/read", "", "inbox-read" },
			{ owner, "/templates/new", "name=vat&subject=VAT&body=Please+send+it",
			  "template-saved" },
		};

		for (size_t i = 0; i < sizeof(more) / sizeof(more[0]); i++) {
			struct wresp r, g;
			char *cookie, *want = xasprintf("gw_flash=%s", more[i].code), *loc;

			post(f, more[i].who, page, more[i].path, more[i].form, &r);
			if (r.status != 303)
				fail_msg("more %zu: status %d", i, r.status);
			cookie = with_flash(more[i].who, &r);
			if (strstr(cookie, want) == NULL)
				fail_msg("more %zu: %s", i, cookie);
			loc = wresp_header(&r, "Location");
			assert_int_equal(wfx_http(f, "GET", loc, cookie, NULL, 0, &g), 0);
			if (strstr(g.body, "<p class=\"flash\" role=\"status\">") == NULL)
				fail_msg("more %zu: no confirmation at %s", i, loc);
			wresp_clear(&g);
			wresp_clear(&r);
			free(loc);
			free(want);
			free(cookie);
		}
		free(unlink);
		free(chat);
		free(hold_form);
		free(back);
		free(hold);
		free(notify);
		free(owner);
	}
	/* a planted cookie shows only a sentence of ours, or nothing */
	{
		char *line = xasprintf("%.*s; gw_flash=%%3Cscript%%3E\r\n",
				       (int)strlen(member) - 2, member);
		struct wresp g;

		assert_int_equal(wfx_http(f, "GET", page, line, NULL, 0, &g), 0);
		assert_null(strstr(g.body, "class=\"flash\""));
		assert_null(strstr(g.body, "%3Cscript"));
		assert_null(strstr(g.body, "<script>"));
		wresp_clear(&g);
		free(line);
	}
	free(page);
	free(anna);
	free(member);
}

/* Forms drawn deep in the staff box come back as typed when refused. */
static void test_web_refused_forms_keep_what_was_typed(void **state)
{
	struct wfx *f = *state;
	char *member = wfx_login(f, LINK_STAFF, f->member);
	char *page = tpath(f->ta, NULL), *form, *path;
	struct wresp r;

	/* a contact's address */
	path = xasprintf("/c/%lld/email", (long long)f->anna);
	form = xasprintf("thread=%lld&email=anna+at+nowhere", (long long)f->ta);
	post(f, member, page, path, form, &r);
	assert_int_equal(r.status, 400);
	assert_non_null(strstr(r.body, "<details class=\"contact-edit\" open>"));
	assert_non_null(strstr(r.body, "value=\"anna at nowhere\""));
	assert_non_null(strstr(r.body, "role=\"alert\" id=\"ceerr"));
	assert_non_null(strstr(r.body, "aria-invalid=\"true\" aria-describedby=\"ceerr"));
	wresp_clear(&r);
	free(form);
	free(path);
	/* removing without the confirmation */
	path = xasprintf("/c/%lld/remove", (long long)f->anna);
	form = xasprintf("thread=%lld", (long long)f->ta);
	post(f, member, page, path, form, &r);
	assert_int_equal(r.status, 400);
	assert_non_null(strstr(r.body, "Nothing was removed"));
	assert_non_null(strstr(r.body, "<details class=\"contact-edit\" open>"));
	wresp_clear(&r);
	free(form);
	free(path);
	/* reminder numbers out of range */
	path = tpath(f->ta, "/reminders");
	post(f, member, page, path, "enabled=1&days=999&count=2", &r);
	assert_int_equal(r.status, 400);
	assert_non_null(strstr(r.body, "id=\"remerr\""));
	assert_non_null(strstr(r.body, "name=\"days\" min=\"1\" max=\"365\" "
				       "aria-invalid=\"true\" aria-describedby=\"remerr\" autofocus "
				       "value=\"999\""));
	assert_non_null(strstr(r.body, "name=\"count\" min=\"1\" max=\"50\" value=\"2\""));
	wresp_clear(&r);
	free(path);
	/* the audit log's filter (a GET form) */
	char *owner = wfx_login(f, LINK_STAFF, f->owner);
	assert_int_equal(wfx_http(f, "GET", "/audit?account=&since=yesterday", owner, NULL, 0, &r),
			 0);
	assert_int_equal(r.status, 400);
	assert_non_null(strstr(r.body, "id=\"auditerror\""));
	assert_non_null(strstr(r.body, "name=\"since\" aria-invalid=\"true\" "
				       "aria-describedby=\"auditerror\" autofocus value=\"yesterday\""));
	wresp_clear(&r);
	free(owner);
	free(page);
	free(member);
}

/* Sign-in is post, redirect, get too: a reload asks for no new link. */
static void test_web_signin_request_redirects(void **state)
{
	struct wfx *f = *state;
	const char *form = "email=bob%40birch.example";
	const char *h = "Origin: http://127.0.0.1\r\nSec-Fetch-Site: same-origin\r\n"
			"Content-Type: application/x-www-form-urlencoded\r\n";
	struct wresp r;
	char *loc;

	assert_int_equal(wfx_http(f, "POST", "/signin", h, form, strlen(form), &r), 0);
	assert_int_equal(r.status, 303);
	loc = wresp_header(&r, "Location");
	assert_string_equal(loc, "/signin/sent");
	wresp_clear(&r);
	int64_t links = 0;
	struct store_outbox_list list;
	char *err = NULL;
	WFX_CHECK(store_outbox_list(f->s, 0, 0, 0, &list, &err), err);
	links = (int64_t)list.count;
	store_outbox_list_free(&list);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(wfx_http(f, "GET", loc, NULL, NULL, 0, &r), 0);
		assert_int_equal(r.status, 200);
		assert_non_null(strstr(r.body, "Check your email"));
		wresp_clear(&r);
	}
	WFX_CHECK(store_outbox_list(f->s, 0, 0, 0, &list, &err), err);
	assert_int_equal((int64_t)list.count, links);
	store_outbox_list_free(&list);
	free(loc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			test_web_tasks_staff_add_edit_move_remove_with_confirmation, wfx_setup,
			wfx_teardown),
		cmocka_unit_test_setup_teardown(test_web_tasks_refused_form_keeps_text, wfx_setup,
						wfx_teardown),
		cmocka_unit_test_setup_teardown(test_web_tasks_what_the_reader_may_not_see_is_404,
						wfx_setup, wfx_teardown),
		cmocka_unit_test_setup_teardown(test_web_tasks_edit_reaches_the_client_live,
						wfx_setup, wfx_teardown),
		cmocka_unit_test_setup_teardown(test_web_flash_after_each_action, wfx_setup,
						wfx_teardown),
		cmocka_unit_test_setup_teardown(test_web_refused_forms_keep_what_was_typed,
						wfx_setup, wfx_teardown),
		cmocka_unit_test_setup_teardown(test_web_signin_request_redirects, wfx_setup,
						wfx_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
