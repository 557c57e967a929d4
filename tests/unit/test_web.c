/*
 * test_web.c - the web view's doors: the View-link exchange and its
 * cookie, every way a link is refused, expired links and the fresh-link
 * button with its rate limit, sessions ending with a generation bump,
 * CSRF, one-click unsubscribe, status codes for bad requests, the
 * security headers on every kind of response, the unix socket
 * listener, and the store pool: pages answer while another connection
 * holds the write lock, POSTs wait for it and succeed, and closing with a
 * request in flight loses nothing.  Driven over loopback against a real
 * SQLite file.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#include <event2/event.h>
#include <sqlite3.h>

#include "buf.h"
#include "clock.h"
#include "store_hold.h"
#include "web_fixture.h"

static void test_web_view_link_sets_session_and_redirects(void **state)
{
	struct wfx *f = *state;
	char token[LINK_TOKEN_MAX], path[128];
	struct wresp r;
	char *loc, *cookie;

	wfx_token(f, LINK_VIEW, f->ta, LINK_CONTACT, f->anna, clock_now() + 600, token);
	snprintf(path, sizeof(path), "/v/%s", token);
	assert_int_equal(wfx_http(f, "GET", path, NULL, NULL, 0, &r), 0);
	assert_int_equal(r.status, 303);
	loc = wresp_header(&r, "Location");
	cookie = wresp_header(&r, "Set-Cookie");
	char want[32];
	snprintf(want, sizeof(want), "/t/%lld", (long long)f->ta);
	assert_string_equal(loc, want);
	assert_null(strstr(loc, token));
	assert_non_null(cookie);
	assert_true(strncmp(cookie, "gw_session=", 11) == 0);
	assert_non_null(strstr(cookie, "; HttpOnly"));
	assert_non_null(strstr(cookie, "; SameSite=Lax"));
	assert_non_null(strstr(cookie, "; Path=/"));
	assert_null(strstr(cookie, "Secure"));       /* base_url is http */
	assert_null(strstr(cookie, token));          /* not the link itself */
	free(loc);
	free(cookie);
	wresp_clear(&r);

	/* A GET of the link changes nothing in the chat: no login, no read. */
	struct store_contact c;
	char *err = NULL;
	WFX_CHECK(store_contact_get(f->s, f->anna, &c, &err), err);
	assert_int_equal(c.last_login_at, 0);
	store_contact_clear(&c);

	/* https base_url: the cookie is Secure. */
	f->web_cfg.base_url = "https://chat.firm.example";
	wfx_restart(f);
	assert_int_equal(wfx_http(f, "GET", path, NULL, NULL, 0, &r), 0);
	assert_int_equal(r.status, 303);
	cookie = wresp_header(&r, "Set-Cookie");
	assert_non_null(strstr(cookie, "; Secure"));
	free(cookie);
	wresp_clear(&r);

	/* A home link (thread 0) goes to "/". */
	wfx_token(f, LINK_VIEW, 0, LINK_STAFF, f->owner, clock_now() + 600, token);
	snprintf(path, sizeof(path), "/v/%s", token);
	assert_int_equal(wfx_http(f, "GET", path, NULL, NULL, 0, &r), 0);
	loc = wresp_header(&r, "Location");
	assert_string_equal(loc, "/");
	free(loc);
	wresp_clear(&r);
}

static void test_web_link_refusals_are_plain_403(void **state)
{
	struct wfx *f = *state;
	char good[LINK_TOKEN_MAX], forged[LINK_TOKEN_MAX], trunc[LINK_TOKEN_MAX];
	char wrong[LINK_TOKEN_MAX], revoked[LINK_TOKEN_MAX], gone[LINK_TOKEN_MAX];
	char *err = NULL;

	wfx_token(f, LINK_VIEW, f->ta, LINK_CONTACT, f->anna, clock_now() + 600, good);
	strcpy(forged, good);
	forged[10] = forged[10] == 'A' ? 'B' : 'A';
	strcpy(trunc, good);
	trunc[strlen(trunc) - 3] = '\0';
	wfx_token(f, LINK_UNSUBSCRIBE, f->ta, LINK_CONTACT, f->anna, clock_now() + 600, wrong);
	wfx_token(f, LINK_VIEW, f->ta, LINK_CONTACT, f->ann2, clock_now() + 600, revoked);
	WFX_CHECK(store_contact_bump_generation(f->s, f->ann2, NULL, &err), err);
	wfx_token(f, LINK_VIEW, f->ta, LINK_CONTACT, 9999, clock_now() + 600, gone);

	const char *cases[] = { forged, trunc, wrong, revoked, gone, "x", "%00",
				"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" };
	for (size_t i = 0; i < GW_ARRAY_SIZE(cases); i++) {
		char path[160];
		struct wresp r;

		snprintf(path, sizeof(path), "/v/%s", cases[i]);
		assert_int_equal(wfx_http(f, "GET", path, NULL, NULL, 0, &r), 0);
		if (r.status != 403)
			fail_msg("case %zu: status %d", i, r.status);
		char *cookie = wresp_header(&r, "Set-Cookie");
		if (cookie != NULL)
			fail_msg("case %zu: a cookie was set", i);
		/* Nothing about the thread or the person leaks. */
		if (strstr(r.body, "Year end") != NULL || strstr(r.body, "Anna") != NULL ||
		    strstr(r.body, "expired") != NULL)
			fail_msg("case %zu: page leaks: %s", i, r.body);
		wresp_clear(&r);
	}
}

static void test_web_expired_link_offers_fresh_link_rate_limited(void **state)
{
	struct wfx *f = *state;
	char token[LINK_TOKEN_MAX], path[128];
	struct wresp r;
	int before = wfx_outbox_count(f, MAIL_FRESH_LINK, 0);

	wfx_token(f, LINK_VIEW, f->ta, LINK_CONTACT, f->anna, clock_now() + 600, token);
	snprintf(path, sizeof(path), "/v/%s", token);
	clock_set(T0_PLUS(7200));
	assert_int_equal(wfx_http(f, "GET", path, NULL, NULL, 0, &r), 0);
	assert_int_equal(r.status, 410);
	assert_null(wresp_header(&r, "Set-Cookie"));
	assert_non_null(strstr(r.body, "expired"));
	assert_non_null(strstr(r.body, "action=\"/fresh\""));
	/* The button carries a fresh-link token, not the expired link. */
	char *tok = strstr(r.body, "name=\"token\" value=\"");
	assert_non_null(tok);
	tok += strlen("name=\"token\" value=\"");
	char fresh[LINK_TOKEN_MAX];
	size_t n = strcspn(tok, "\"");
	assert_true(n < sizeof(fresh));
	memcpy(fresh, tok, n);
	fresh[n] = '\0';
	assert_string_not_equal(fresh, token);
	wresp_clear(&r);

	/* GET changed nothing; each POST queues one fresh-link email. */
	assert_int_equal(wfx_outbox_count(f, MAIL_FRESH_LINK, 0), before);
	char form[160];
	snprintf(form, sizeof(form), "token=%s", fresh);
	for (int i = 0; i < 4; i++) {
		int queued = f->queued_calls;

		assert_int_equal(wfx_post(f, NULL, "/fresh", form, &r), 0);
		if (i < 3) {
			if (r.status != 200)
				fail_msg("request %d: status %d", i, r.status);
			assert_int_equal(f->queued_calls, queued + 1);
		} else {
			assert_int_equal(r.status, 429); /* 3 an hour */
			assert_int_equal(f->queued_calls, queued);
		}
		wresp_clear(&r);
	}
	assert_int_equal(wfx_outbox_count(f, MAIL_FRESH_LINK, 0), before + 3);

	/* An hour later it works again. */
	clock_set(T0_PLUS(7200 + 3601));
	wfx_token(f, LINK_FRESH, f->ta, LINK_CONTACT, f->anna, clock_now() + 600, fresh);
	snprintf(form, sizeof(form), "token=%s", fresh);
	assert_int_equal(wfx_post(f, NULL, "/fresh", form, &r), 0);
	assert_int_equal(r.status, 200);
	wresp_clear(&r);

	/* A forged token or a view token at /fresh is refused. */
	snprintf(form, sizeof(form), "token=%s", token);
	assert_int_equal(wfx_post(f, NULL, "/fresh", form, &r), 0);
	assert_int_equal(r.status, 403);
	wresp_clear(&r);

	/* An expired link of a revoked contact is a plain 403 page. */
	char *err = NULL;
	WFX_CHECK(store_contact_bump_generation(f->s, f->anna, NULL, &err), err);
	assert_int_equal(wfx_http(f, "GET", path, NULL, NULL, 0, &r), 0);
	assert_int_equal(r.status, 403);
	assert_null(strstr(r.body, "/fresh"));
	wresp_clear(&r);
}

static void test_web_session_ends_with_generation_bump(void **state)
{
	struct wfx *f = *state;
	char *cookie = wfx_login(f, LINK_CONTACT, f->anna);
	char path[32], *err = NULL;
	struct wresp r;

	snprintf(path, sizeof(path), "/t/%lld", (long long)f->ta);
	assert_int_equal(wfx_http(f, "GET", path, cookie, NULL, 0, &r), 0);
	assert_int_equal(r.status, 200);
	wresp_clear(&r);
	WFX_CHECK(store_contact_bump_generation(f->s, f->anna, NULL, &err), err);
	assert_int_equal(wfx_http(f, "GET", path, cookie, NULL, 0, &r), 0);
	assert_int_equal(r.status, 403);
	assert_null(strstr(r.body, "Year end"));
	wresp_clear(&r);

	/* A session past session_ttl is gone as well. */
	free(cookie);
	cookie = wfx_login(f, LINK_CONTACT, f->bob);
	clock_set(clock_now() + 3601);
	snprintf(path, sizeof(path), "/t/%lld", (long long)f->tb);
	assert_int_equal(wfx_http(f, "GET", path, cookie, NULL, 0, &r), 0);
	assert_int_equal(r.status, 403);
	wresp_clear(&r);
	free(cookie);
}

/* ---- the store pool ---- */

static void test_web_pages_answer_while_the_write_lock_is_held(void **state)
{
	struct wfx *f = *state;
	char *cookie = wfx_login(f, LINK_CONTACT, f->anna);
	struct store_hold h = { .path = f->db_path };
	char path[32];
	struct wresp r;

	snprintf(path, sizeof(path), "/t/%lld", (long long)f->ta);
	store_hold_take(&h);
	/* Rendered, then from the cache, then the home page: all read. */
	for (int i = 0; i < 3; i++) {
		assert_int_equal(wfx_http(f, "GET", i < 2 ? path : "/", cookie, NULL, 0, &r), 0);
		if (r.status != 200)
			fail_msg("request %d: status %d while the lock is held", i, r.status);
		wresp_clear(&r);
	}
	assert_int_equal(wfx_http(f, "GET", "/static/app.css", NULL, NULL, 0, &r), 0);
	assert_int_equal(r.status, 200);
	wresp_clear(&r);
	/* The lock was never released: nothing above waited for it. */
	assert_int_equal(atomic_load(&h.released_ms), 0);
	store_hold_release(&h);
	free(cookie);
}

static void test_web_post_waits_for_the_lock_and_succeeds(void **state)
{
	struct wfx *f = *state;
	char *cookie = wfx_login(f, LINK_CONTACT, f->anna);
	struct store_hold h = { .path = f->db_path, .hold_ms = 700 };
	char path[32], action[48], form[256], *csrf, *err = NULL;
	struct store_thread_view v;
	struct wresp r;
	pthread_t th;
	long long answered;

	snprintf(path, sizeof(path), "/t/%lld", (long long)f->ta);
	snprintf(action, sizeof(action), "/t/%lld/reply", (long long)f->ta);
	csrf = wfx_csrf(f, cookie, path);
	snprintf(form, sizeof(form), "body=posted+under+the+lock&csrf=%s", csrf);
	store_hold_take(&h);
	assert_int_equal(pthread_create(&th, NULL, store_hold_thread, &h), 0);
	assert_int_equal(wfx_post(f, cookie, action, form, &r), 0);
	answered = store_hold_ms();
	pthread_join(th, NULL);
	assert_int_equal(r.status, 303);
	wresp_clear(&r);
	/* It was answered once the lock was gone, and it is there. */
	assert_true(answered >= atomic_load(&h.released_ms));
	WFX_CHECK(store_thread_show(f->s, f->ta, STORE_CONTACT, f->anna, 0, &v, &err), err);
	assert_string_equal(v.messages[v.n_messages - 1].body, "posted under the lock");
	store_thread_view_clear(&v);
	free(csrf);
	free(cookie);
}

/* A request whose job is still in the pool when the web view closes. */
static void test_web_close_with_a_request_in_flight(void **state)
{
	struct wfx *f = *state;
	char *cookie = wfx_login(f, LINK_CONTACT, f->anna);
	struct store_hold h = { .path = f->db_path, .hold_ms = 300 };
	char action[48], form[256], path[32], *csrf, *req;
	pthread_t th;
	int fd;
	struct sockaddr_in sa;

	snprintf(path, sizeof(path), "/t/%lld", (long long)f->ta);
	snprintf(action, sizeof(action), "/t/%lld/reply", (long long)f->ta);
	csrf = wfx_csrf(f, cookie, path);
	snprintf(form, sizeof(form), "body=in+flight&csrf=%s", csrf);
	req = xasprintf("POST %s HTTP/1.1\r\nHost: x\r\n%sContent-Type: "
			"application/x-www-form-urlencoded\r\nContent-Length: %zu\r\n\r\n%s",
			action, cookie, strlen(form), form);
	store_hold_take(&h);
	assert_int_equal(pthread_create(&th, NULL, store_hold_thread, &h), 0);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)f->port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(send(fd, req, strlen(req), 0), (ssize_t)strlen(req));
	/* Let the loop take the request and hand it to the writer lane,
	 * where it waits for the lock. */
	wfx_pump(f, 100);
	web_close(&f->web);
	assert_null(f->web);
	pthread_join(th, NULL);
	/* The job ran to its end: the message is kept. */
	{
		struct store_thread_view v;
		char *err = NULL;

		WFX_CHECK(store_thread_show(f->s, f->ta, STORE_CONTACT, f->anna, 0, &v, &err),
			  err);
		assert_string_equal(v.messages[v.n_messages - 1].body, "in flight");
		store_thread_view_clear(&v);
	}
	close(fd);
	wfx_restart(f);
	free(req);
	free(csrf);
	free(cookie);
}

/* A post is one transaction: a message whose file cannot be stored (the
 * attachments directory is a file here) is not sent either, the page says
 * so and keeps the text, and nobody is emailed. */
static void test_web_post_whose_file_fails_keeps_nothing(void **state)
{
	struct wfx *f = *state;
	char *cookie = wfx_login(f, LINK_CONTACT, f->anna);
	char path[32], action[48], *csrf, *h, *err = NULL;
	struct buf body = BUF_INIT;
	struct store_thread_view v;
	struct wresp r;
	int outbox = wfx_outbox_count(f, 0, f->ta);

	snprintf(path, sizeof(path), "/t/%lld", (long long)f->ta);
	snprintf(action, sizeof(action), "/t/%lld/reply", (long long)f->ta);
	csrf = wfx_csrf(f, cookie, path);
	h = xasprintf("%sContent-Type: multipart/form-data; boundary=TxB\r\n", cookie);
	buf_printf(&body, "--TxB\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n%s\r\n"
			  "--TxB\r\nContent-Disposition: form-data; name=\"body\"\r\n\r\n"
			  "Here are the statements\r\n"
			  "--TxB\r\nContent-Disposition: form-data; name=\"file\"; "
			  "filename=\"statements.pdf\"\r\nContent-Type: application/pdf\r\n\r\n"
			  "%%PDF-1.4 statements\r\n--TxB--\r\n", csrf);
	{
		char *moved = xasprintf("%s.moved", f->att_dir);
		FILE *fp;

		(void)rename(f->att_dir, moved);
		assert_non_null(fp = fopen(f->att_dir, "w"));
		fclose(fp);
		assert_int_equal(wfx_http(f, "POST", action, h, body.data, body.len, &r), 0);
		assert_int_equal(unlink(f->att_dir), 0);
		(void)rename(moved, f->att_dir);
		free(moved);
	}
	assert_int_equal(r.status, 503);
	assert_non_null(strstr(r.body, "could not be stored"));
	/* The text is back in the form, and not in the timeline. */
	assert_non_null(strstr(r.body, ">Here are the statements</textarea>"));
	wresp_clear(&r);
	WFX_CHECK(store_thread_show(f->s, f->ta, STORE_CONTACT, f->anna, 0, &v, &err), err);
	for (size_t i = 0; i < v.n_messages; i++)
		assert_null(strstr(v.messages[i].body, "Here are the statements"));
	store_thread_view_clear(&v);
	assert_int_equal(wfx_outbox_count(f, 0, f->ta), outbox);
	buf_release(&body);
	free(h);
	free(csrf);
	free(cookie);
}

static void test_web_csrf_is_required_on_posts(void **state)
{
	struct wfx *f = *state;
	char *anna = wfx_login(f, LINK_CONTACT, f->anna);
	char *ann2 = wfx_login(f, LINK_CONTACT, f->ann2);
	char path[32], action[48], form[256];
	char *csrf_anna, *csrf_ann2;
	struct wresp r;

	snprintf(path, sizeof(path), "/t/%lld", (long long)f->ta);
	snprintf(action, sizeof(action), "/t/%lld/reply", (long long)f->ta);
	csrf_anna = wfx_csrf(f, anna, path);
	csrf_ann2 = wfx_csrf(f, ann2, path);
	assert_string_not_equal(csrf_anna, csrf_ann2);
	int before = wfx_outbox_count(f, 0, f->ta);

	struct {
		const char *csrf;
		int status;
	} cases[] = {
		{ NULL, 403 },             /* missing */
		{ "", 403 },               /* empty */
		{ "bogus", 403 },          /* malformed */
		{ csrf_ann2, 403 },        /* another session's token */
		{ csrf_anna, 303 },        /* right */
	};
	for (size_t i = 0; i < GW_ARRAY_SIZE(cases); i++) {
		if (cases[i].csrf != NULL)
			snprintf(form, sizeof(form), "body=hello+%zu&csrf=%s", i, cases[i].csrf);
		else
			snprintf(form, sizeof(form), "body=hello+%zu", i);
		assert_int_equal(wfx_post(f, anna, action, form, &r), 0);
		if (r.status != cases[i].status)
			fail_msg("case %zu: status %d, want %d", i, r.status, cases[i].status);
		wresp_clear(&r);
	}
	/* Only the last one was posted (and notified staff). */
	struct store_thread_view v;
	char *err = NULL;
	WFX_CHECK(store_thread_show(f->s, f->ta, STORE_CONTACT, f->anna, 0, &v, &err), err);
	assert_string_equal(v.messages[v.n_messages - 1].body, "hello 4");
	for (size_t i = 0; i < v.n_messages; i++)
		assert_null(strstr(v.messages[i].body, "hello 3"));
	store_thread_view_clear(&v);
	assert_true(wfx_outbox_count(f, MAIL_STAFF_CLIENT_REPLIED, f->ta) > 0);
	assert_true(wfx_outbox_count(f, 0, f->ta) > before);

	/* The token also works as a header (the page script). */
	char *h = xasprintf("%sX-CSRF-Token: %s\r\nContent-Type: "
			    "application/x-www-form-urlencoded\r\n", anna, csrf_anna);
	snprintf(action, sizeof(action), "/t/%lld/read", (long long)f->ta);
	assert_int_equal(wfx_http(f, "POST", action, h, "js=1", 4, &r), 0);
	assert_int_equal(r.status, 204);
	wresp_clear(&r);

	/* A session-less POST is refused before anything else. */
	assert_int_equal(wfx_post(f, NULL, action, "js=1", &r), 0);
	assert_int_equal(r.status, 403);
	wresp_clear(&r);
	free(h);
	free(csrf_anna);
	free(csrf_ann2);
	free(anna);
	free(ann2);
}

static void test_web_unsubscribe_post_only(void **state)
{
	struct wfx *f = *state;
	char token[LINK_TOKEN_MAX], path[128], *err = NULL;
	struct store_contact c;
	struct wresp r;

	wfx_token(f, LINK_UNSUBSCRIBE, f->ta, LINK_CONTACT, f->anna, clock_now() + 86400, token);
	snprintf(path, sizeof(path), "/u/%s", token);
	assert_int_equal(wfx_http(f, "GET", path, NULL, NULL, 0, &r), 0);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "method=\"post\""));
	wresp_clear(&r);
	WFX_CHECK(store_contact_get(f->s, f->anna, &c, &err), err);
	assert_int_equal(c.notify, 1);
	store_contact_clear(&c);

	/* RFC 8058: the mail client POSTs List-Unsubscribe=One-Click, no
	 * cookie, no CSRF token. */
	assert_int_equal(wfx_post(f, NULL, path, "List-Unsubscribe=One-Click", &r), 0);
	assert_int_equal(r.status, 200);
	wresp_clear(&r);
	WFX_CHECK(store_contact_get(f->s, f->anna, &c, &err), err);
	assert_int_equal(c.notify, 0);
	store_contact_clear(&c);

	/* A view token or a forged one does not unsubscribe. */
	wfx_token(f, LINK_VIEW, f->tb, LINK_CONTACT, f->bob, clock_now() + 86400, token);
	snprintf(path, sizeof(path), "/u/%s", token);
	assert_int_equal(wfx_post(f, NULL, path, "List-Unsubscribe=One-Click", &r), 0);
	assert_int_equal(r.status, 403);
	wresp_clear(&r);
	WFX_CHECK(store_contact_get(f->s, f->bob, &c, &err), err);
	assert_int_equal(c.notify, 1);
	store_contact_clear(&c);
}

static void test_web_bad_requests_get_their_status(void **state)
{
	struct wfx *f = *state;
	char *cookie = wfx_login(f, LINK_CONTACT, f->anna);
	char path[48];
	struct wresp r;

	struct {
		const char *method;
		const char *path;
		int status;
		const char *allow;
	} cases[] = {
		{ "GET", "/nope", 404, NULL },
		{ "GET", "/t/abc", 404, NULL },
		{ "GET", "/t/0", 404, NULL },
		{ "GET", "/t/99999", 404, NULL },
		{ "GET", "/t/1/whatever", 404, NULL },
		{ "GET", "/a/99999", 404, NULL },
		{ "GET", "/static/nope.css", 404, NULL },
		{ "POST", "/", 405, "GET, HEAD" },
		{ "DELETE", "/", 405, "GET, HEAD" },
		{ "GET", "/t/1/reply", 405, "POST" },
		{ "GET", "/new", 405, "POST" },
		{ "PUT", "/v/abc", 405, "GET, HEAD, POST" },
		{ "GET", "/fresh", 405, "POST" },
		{ "POST", "/t/1", 405, "GET, HEAD" },
	};
	for (size_t i = 0; i < GW_ARRAY_SIZE(cases); i++) {
		assert_int_equal(wfx_http(f, cases[i].method, cases[i].path, cookie,
					  cases[i].method[0] == 'P' ? "" : NULL, 0, &r), 0);
		if (r.status != cases[i].status)
			fail_msg("case %zu: %s %s: %d", i, cases[i].method, cases[i].path,
				 r.status);
		char *allow = wresp_header(&r, "Allow");
		if (cases[i].allow != NULL &&
		    (allow == NULL || strcmp(allow, cases[i].allow) != 0))
			fail_msg("case %zu: Allow %s", i, allow != NULL ? allow : "(none)");
		free(allow);
		wresp_clear(&r);
	}

	/* A body over max_body: 413, our page with our headers. */
	size_t big = 80 * 1024;
	char *body = malloc(big);
	memset(body, 'a', big);
	memcpy(body, "body=", 5);
	snprintf(path, sizeof(path), "/t/%lld/reply", (long long)f->ta);
	char *h = xasprintf("%sContent-Type: application/x-www-form-urlencoded\r\n", cookie);
	assert_int_equal(wfx_http(f, "POST", path, h, body, big, &r), 0);
	assert_int_equal(r.status, 413);
	char *csp = wresp_header(&r, "Content-Security-Policy");
	assert_non_null(csp);
	free(csp);
	wresp_clear(&r);
	free(body);

	/* Far over it: evhttp refuses before reading (413 as well). */
	big = 4 * 1024 * 1024;
	body = malloc(big);
	memset(body, 'a', big);
	assert_int_equal(wfx_http(f, "POST", path, h, body, big, &r), 0);
	assert_int_equal(r.status, 413);
	wresp_clear(&r);
	free(body);

	/* Unknown body types are refused, not guessed. */
	free(h);
	h = xasprintf("%sContent-Type: application/json\r\n", cookie);
	assert_int_equal(wfx_http(f, "POST", path, h, "{}", 2, &r), 0);
	assert_int_equal(r.status, 415);
	wresp_clear(&r);
	free(h);
	free(cookie);
}

static void check_security_headers(const struct wresp *r, const char *what)
{
	static const struct {
		const char *name;
		const char *contains;
	} want[] = {
		{ "Content-Security-Policy", "frame-ancestors 'none'" },
		{ "Content-Security-Policy", "default-src 'self'" },
		{ "X-Content-Type-Options", "nosniff" },
		{ "Referrer-Policy", "no-referrer" },
		{ "X-Frame-Options", "DENY" },
	};
	for (size_t i = 0; i < GW_ARRAY_SIZE(want); i++) {
		char *v = wresp_header(r, want[i].name);

		if (v == NULL || strstr(v, want[i].contains) == NULL)
			fail_msg("%s (status %d): %s: %s", what, r->status, want[i].name,
				 v != NULL ? v : "(missing)");
		free(v);
	}
	/* The page policy allows no inline script. */
	char *csp = wresp_header(r, "Content-Security-Policy");
	if (strstr(csp, "unsafe-inline") != NULL)
		fail_msg("%s: unsafe-inline in CSP", what);
	free(csp);
}

static void test_web_security_headers_on_every_response(void **state)
{
	struct wfx *f = *state;
	char *cookie = wfx_login(f, LINK_CONTACT, f->anna);
	char token[LINK_TOKEN_MAX], path[128];
	struct wresp r;
	const char *plain[] = { "/", "/static/app.css", "/static/app.js", "/nope", "/v/bad",
				"/t/1/reply", "/a/12345" };

	for (size_t i = 0; i < GW_ARRAY_SIZE(plain); i++) {
		assert_int_equal(wfx_http(f, "GET", plain[i], NULL, NULL, 0, &r), 0);
		check_security_headers(&r, plain[i]);
		wresp_clear(&r);
		assert_int_equal(wfx_http(f, "GET", plain[i], cookie, NULL, 0, &r), 0);
		check_security_headers(&r, plain[i]);
		wresp_clear(&r);
	}
	snprintf(path, sizeof(path), "/t/%lld", (long long)f->ta);
	assert_int_equal(wfx_http(f, "GET", path, cookie, NULL, 0, &r), 0);
	assert_int_equal(r.status, 200);
	check_security_headers(&r, "thread page");
	char *cc = wresp_header(&r, "Cache-Control");
	assert_string_equal(cc, "no-store");
	free(cc);
	wresp_clear(&r);

	wfx_token(f, LINK_VIEW, f->ta, LINK_CONTACT, f->anna, clock_now() + 60, token);
	snprintf(path, sizeof(path), "/v/%s", token);
	assert_int_equal(wfx_http(f, "GET", path, NULL, NULL, 0, &r), 0);
	check_security_headers(&r, "303 redirect");
	wresp_clear(&r);
	clock_set(clock_now() + 120);
	assert_int_equal(wfx_http(f, "GET", path, NULL, NULL, 0, &r), 0);
	assert_int_equal(r.status, 410);
	check_security_headers(&r, "expired page");
	wresp_clear(&r);

	assert_int_equal(wfx_post(f, NULL, "/", "", &r), 0);
	check_security_headers(&r, "405");
	wresp_clear(&r);

	/* Static assets: long cache, right type. */
	assert_int_equal(wfx_http(f, "GET", "/static/app.js?v=1", NULL, NULL, 0, &r), 0);
	assert_int_equal(r.status, 200);
	cc = wresp_header(&r, "Cache-Control");
	assert_non_null(strstr(cc, "max-age=31536000"));
	free(cc);
	cc = wresp_header(&r, "Content-Type");
	assert_non_null(strstr(cc, "javascript"));
	free(cc);
	assert_non_null(strstr(r.body, "beforeunload"));
	wresp_clear(&r);
	free(cookie);
}

static void test_web_listens_on_unix_socket(void **state)
{
	struct wfx *f = *state;
	char *sock = xasprintf("%s/web.sock", f->dir);
	char *listen = xasprintf("unix:%s", sock);
	struct sockaddr_un sa;
	int fd;

	f->web_cfg.listen = listen;
	wfx_restart(f);
	assert_int_equal(web_bound_port(f->web), 0);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	strcpy(sa.sun_path, sock);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	const char *req = "GET /static/app.css HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
	assert_int_equal(send(fd, req, strlen(req), 0), (ssize_t)strlen(req));
	char *got = NULL;
	assert_true(wfx_read_until(f, fd, "max-width", 5000, &got));
	assert_true(strncmp(got, "HTTP/1.1 200", 12) == 0);
	free(got);
	close(fd);
	web_close(&f->web);
	assert_int_not_equal(access(sock, F_OK), 0); /* removed at close */
	f->web_cfg.listen = "127.0.0.1:0";
	wfx_restart(f);
	free(listen);
	free(sock);

	/* A listener that cannot be had is an error naming it. */
	struct web *w2 = NULL;
	struct web_settings ws;
	char *err = NULL;
	memset(&ws, 0, sizeof(ws));
	struct cfg_web bad = f->web_cfg;
	bad.listen = "127.0.0.1:notaport";
	ws.web = &bad;
	ws.store = &f->store_cfg;
	ws.keys = f->keys;
	ws.systemd_fd = -1;
	assert_int_equal(web_open(f->base, &ws, &w2, &err), -1);
	assert_null(w2);
	assert_non_null(strstr(err, "notaport"));
	free(err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_web_view_link_sets_session_and_redirects,
						wfx_setup, wfx_teardown),
		cmocka_unit_test_setup_teardown(test_web_link_refusals_are_plain_403,
						wfx_setup, wfx_teardown),
		cmocka_unit_test_setup_teardown(test_web_expired_link_offers_fresh_link_rate_limited,
						wfx_setup, wfx_teardown),
		cmocka_unit_test_setup_teardown(test_web_session_ends_with_generation_bump,
						wfx_setup, wfx_teardown),
		cmocka_unit_test_setup_teardown(test_web_csrf_is_required_on_posts,
						wfx_setup, wfx_teardown),
		cmocka_unit_test_setup_teardown(test_web_unsubscribe_post_only,
						wfx_setup, wfx_teardown),
		cmocka_unit_test_setup_teardown(test_web_bad_requests_get_their_status,
						wfx_setup, wfx_teardown),
		cmocka_unit_test_setup_teardown(test_web_security_headers_on_every_response,
						wfx_setup, wfx_teardown),
		cmocka_unit_test_setup_teardown(test_web_pages_answer_while_the_write_lock_is_held,
						wfx_setup, wfx_teardown),
		cmocka_unit_test_setup_teardown(test_web_post_waits_for_the_lock_and_succeeds,
						wfx_setup, wfx_teardown),
		cmocka_unit_test_setup_teardown(test_web_close_with_a_request_in_flight,
						wfx_setup, wfx_teardown),
		cmocka_unit_test_setup_teardown(test_web_post_whose_file_fails_keeps_nothing,
						wfx_setup, wfx_teardown),
		cmocka_unit_test_setup_teardown(test_web_listens_on_unix_socket,
						wfx_setup, wfx_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
