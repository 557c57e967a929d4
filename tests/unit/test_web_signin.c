/*
 * test_web_signin.c - signing in by email (/signin, /s/TOKEN,
 * /signin/pick) and "Your sessions", against the real web view on
 * loopback over a real SQLite file.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "buf.h"
#include "clock.h"
#include "gw.h"
#include "retention.h"
#include "signin.h"
#include "web_fixture.h"

#define ORIGIN_OK "Origin: http://127.0.0.1\r\nSec-Fetch-Site: same-origin\r\n"

/* One integer from SQL on the test's own handle of the database. */
static int64_t sql_int(struct wfx *f, const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	int64_t v = -1;

	assert_int_equal(sqlite3_open(f->db_path, &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(db));
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

/* POST /signin for email from our own page. */
static void ask(struct wfx *f, const char *email, const char *headers, struct wresp *r)
{
	char *form = xasprintf("email=%s", email);
	char *h = xasprintf("%sContent-Type: application/x-www-form-urlencoded\r\n",
			    headers != NULL ? headers : ORIGIN_OK);

	assert_int_equal(wfx_http(f, "POST", "/signin", h, form, strlen(form), r), 0);
	free(form);
	free(h);
	/* post, redirect, get: the answer is the page the redirect leads to,
	 * the same for every address */
	if (r->status == 303) {
		char *loc = wresp_header(r, "Location");

		assert_non_null(loc);
		assert_string_equal(loc, "/signin/sent");
		wresp_clear(r);
		assert_int_equal(wfx_http(f, "GET", loc, NULL, NULL, 0, r), 0);
		free(loc);
	}
}

/* The sign-in link of the newest signin_links row, as the relay signs it. */
static void link_token(struct wfx *f, char out[LINK_TOKEN_MAX])
{
	struct link_claims c;

	memset(&c, 0, sizeof(c));
	c.purpose = LINK_SIGNIN;
	c.kind = LINK_CONTACT;
	c.principal_id = sql_int(f, "SELECT max(id) FROM signin_links");
	c.generation = (uint32_t)sql_int(f, "SELECT salt FROM signin_links"
					    " ORDER BY id DESC LIMIT 1");
	c.expires = sql_int(f, "SELECT expires_at FROM signin_links ORDER BY id DESC LIMIT 1");
	assert_int_equal(link_sign(f->keys, &c, out), 0);
}

static char *path_s(const char *token)
{
	return xasprintf("/s/%s", token);
}

/* "Cookie: gw_session=...\r\n" from a reply's Set-Cookie (malloc'd). */
static char *cookie_of(const struct wresp *r)
{
	char *c = wresp_header(r, "Set-Cookie"), *semi, *line;

	if (c == NULL)
		fail_msg("no Set-Cookie");
	semi = strchr(c, ';');
	if (semi != NULL)
		*semi = '\0';
	line = xasprintf("Cookie: %s\r\n", c);
	free(c);
	return line;
}

static int status_of(struct wfx *f, const char *method, const char *path, const char *headers)
{
	struct wresp r;
	int status;

	assert_int_equal(wfx_http(f, method, path, headers, method[0] == 'P' ? "" : NULL, 0,
				  &r), 0);
	status = r.status;
	wresp_clear(&r);
	return status;
}

static int page_has(struct wfx *f, const char *path, const char *headers, const char *want)
{
	struct wresp r;
	int has;

	assert_int_equal(wfx_http(f, "GET", path, headers, NULL, 0, &r), 0);
	has = r.body != NULL && strstr(r.body, want) != NULL;
	wresp_clear(&r);
	return has;
}

/* ---- the form and its one answer ------------------------------------------- */

static void test_web_signin_form_linked_from_signed_out_pages(void **state)
{
	struct wfx *f = *state;
	char token[LINK_TOKEN_MAX], *path;

	assert_true(page_has(f, "/signin", NULL, "name=\"email\""));
	assert_true(page_has(f, "/", NULL, "href=\"/signin\""));
	/* an expired View link's page */
	wfx_token(f, LINK_VIEW, f->ta, LINK_CONTACT, f->anna, clock_now() - 1, token);
	path = xasprintf("/v/%s", token);
	assert_true(page_has(f, path, NULL, "href=\"/signin\""));
	free(path);
}

static void test_web_signin_answer_identical_for_known_and_unknown(void **state)
{
	struct wfx *f = *state;
	struct wresp known, unknown;

	ask(f, "bob%40birch.example", NULL, &known);
	ask(f, "nobody%40nowhere.example", NULL, &unknown);
	assert_int_equal(known.status, 200);
	assert_int_equal(unknown.status, known.status);
	assert_int_equal(unknown.body_len, known.body_len);
	assert_memory_equal(unknown.body, known.body, known.body_len);
	assert_non_null(strstr(known.body, "a sign-in link is on its way"));
	/* the same store work: a link row and an outbox row each; only the
	 * known address's is to be sent */
	assert_int_equal(sql_int(f, "SELECT count(*) FROM signin_links"), 2);
	assert_int_equal(sql_int(f, "SELECT count(*) FROM outbox WHERE kind = 'signin_link'"
				    " AND status = 'queued' AND recipient_address ="
				    " 'bob@birch.example'"), 1);
	assert_int_equal(sql_int(f, "SELECT count(*) FROM outbox WHERE kind = 'signin_link'"
				    " AND status = 'failed' AND recipient_kind = 'address'"), 1);
	wresp_clear(&known);
	wresp_clear(&unknown);
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

static int64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Known and unknown addresses take the same time, to well within the
 * noise of one machine: the medians of 40 alternating requests each. */
/*
 * A known and an unknown address cost the same work: the same rows are
 * written for each (a rate row per key, a sign-in link row, an outbox row
 * that is queued for a known address and failed already for an unknown
 * one), so the answer's time says nothing.  The time itself is printed,
 * not judged (a timed assertion fails on a busy machine, not on a leak).
 */
static void test_web_signin_answer_same_work_known_and_unknown(void **state)
{
	struct wfx *f = *state;
	enum { N = 20 };
	int64_t known[N], unknown[N];

	for (int i = 0; i < 2 * N; i++) {
		struct wresp r;
		int64_t t0;

		/* a fresh hour each time: no request is over a limit */
		f->now += STORE_SIGNIN_WINDOW + 1;
		clock_set(f->now);
		t0 = now_us();
		ask(f, i % 2 == 0 ? "bob%40birch.example" : "nobody%40nowhere.example", NULL, &r);
		(i % 2 == 0 ? known : unknown)[i / 2] = now_us() - t0;
		assert_int_equal(r.status, 200);
		wresp_clear(&r);
	}
	assert_int_equal(sql_int(f, "SELECT count(*) FROM signin_links WHERE email ="
				    " 'bob@birch.example'"), N);
	assert_int_equal(sql_int(f, "SELECT count(*) FROM signin_links WHERE email ="
				    " 'nobody@nowhere.example'"), N);
	assert_int_equal(sql_int(f, "SELECT count(*) FROM outbox WHERE kind = 'signin_link'"
				    " AND recipient_address = 'bob@birch.example' AND status = 'queued'"),
			 N);
	assert_int_equal(sql_int(f, "SELECT count(*) FROM outbox WHERE kind = 'signin_link'"
				    " AND recipient_address = 'nobody@nowhere.example'"
				    " AND status = 'failed'"), N);
	qsort(known, N, sizeof(known[0]), cmp_i64);
	qsort(unknown, N, sizeof(unknown[0]), cmp_i64);
	print_message("sign-in answer, median of %d: known %lld us, unknown %lld us\n", N,
		      (long long)known[N / 2], (long long)unknown[N / 2]);
}

static void test_web_signin_bad_address_says_so_and_keeps_it(void **state)
{
	static const struct {
		const char *form;
		const char *kept;
	} cases[] = {
		{ "not-an-address", "value=\"not-an-address\"" },
		{ "anna%40", "value=\"anna@\"" },
		{ "%40acme.example", "value=\"@acme.example\"" },
		{ "anna%40acme", "value=\"anna@acme\"" },
		{ "a%20b%40acme.example", "value=\"a b@acme.example\"" },
		{ "", NULL },
	};
	struct wfx *f = *state;

	for (size_t i = 0; i < GW_ARRAY_SIZE(cases); i++) {
		struct wresp r;

		ask(f, cases[i].form, NULL, &r);
		if (r.status != 400 || strstr(r.body, "email: ") == NULL)
			fail_msg("case %zu: status %d", i, r.status);
		if (cases[i].kept != NULL && strstr(r.body, cases[i].kept) == NULL)
			fail_msg("case %zu: what was typed is lost", i);
		wresp_clear(&r);
	}
	assert_int_equal(sql_int(f, "SELECT count(*) FROM signin_links"), 0);
}

static void test_web_signin_cross_site_refused_with_the_same_page(void **state)
{
	struct wfx *f = *state;
	struct wresp ours, theirs, origin;

	ask(f, "bob%40birch.example", NULL, &ours);
	ask(f, "bob%40birch.example", "Sec-Fetch-Site: cross-site\r\n", &theirs);
	ask(f, "bob%40birch.example", "Origin: https://evil.example\r\n", &origin);
	assert_int_equal(theirs.status, ours.status);
	assert_memory_equal(theirs.body, ours.body, ours.body_len);
	assert_int_equal(origin.status, ours.status);
	assert_memory_equal(origin.body, ours.body, ours.body_len);
	/* only our own page's request did anything */
	assert_int_equal(sql_int(f, "SELECT count(*) FROM signin_links"), 1);
	wresp_clear(&ours);
	wresp_clear(&theirs);
	wresp_clear(&origin);
}

static void test_web_signin_rate_limits_per_address_and_client(void **state)
{
	struct wfx *f = *state;
	struct wresp first;
	enum store_signin_outcome out;
	char *err = NULL;

	ask(f, "bob%40birch.example", NULL, &first);
	for (int i = 1; i <= STORE_SIGNIN_PER_ADDRESS; i++) {
		struct wresp r;

		/* typed differently, the same address */
		ask(f, i % 2 ? "BOB%40birch.example" : "bob%40birch.example", NULL, &r);
		assert_int_equal(r.status, 200);
		assert_memory_equal(r.body, first.body, first.body_len);
		wresp_clear(&r);
	}
	wresp_clear(&first);
	assert_int_equal(sql_int(f, "SELECT count(*) FROM signin_links"),
			 STORE_SIGNIN_PER_ADDRESS);
	/* an hour later the address may ask again */
	f->now += STORE_SIGNIN_WINDOW + 1;
	clock_set(f->now);
	WFX_CHECK(store_signin_request(f->s, "bob@birch.example", "192.0.2.1", f->now, &out,
				       &err), err);
	assert_int_equal(out, STORE_SIGNIN_QUEUED);

	/* per client address, whatever the addresses asked for */
	for (int i = 0; i < STORE_SIGNIN_PER_CLIENT + 1; i++) {
		char email[64];

		snprintf(email, sizeof(email), "x%d@nowhere.example", i);
		WFX_CHECK(store_signin_request(f->s, email, "192.0.2.9", f->now, &out, &err), err);
		if (out != (i < STORE_SIGNIN_PER_CLIENT ? STORE_SIGNIN_NOBODY : STORE_SIGNIN_LIMITED))
			fail_msg("request %d: outcome %d", i, (int)out);
	}
	/* another client is not held up by that one */
	WFX_CHECK(store_signin_request(f->s, "y@nowhere.example", "192.0.2.10", f->now, &out,
				       &err), err);
	assert_int_equal(out, STORE_SIGNIN_NOBODY);
}

/* Behind a reverse proxy of [web] proxies the client is the address the
 * proxy appended to X-Forwarded-For, not the proxy, nor what the client
 * put in front of it. */
static void test_web_signin_client_address_behind_proxy(void **state)
{
	struct wfx *f = *state;
	struct wresp r;

	ask(f, "bob%40birch.example", ORIGIN_OK "X-Forwarded-For: 198.51.100.7, 203.0.113.5\r\n",
	    &r);
	wresp_clear(&r);
	/* not a proxy of ours yet: the header counts for nothing */
	assert_int_equal(sql_int(f, "SELECT count(*) FROM signin_rate WHERE key = 'i:127.0.0.1'"), 1);
	f->web_cfg.proxies = "127.0.0.1";
	wfx_restart(f);
	ask(f, "bob%40birch.example", ORIGIN_OK "X-Forwarded-For: 198.51.100.7, 203.0.113.5\r\n",
	    &r);
	wresp_clear(&r);
	assert_int_equal(sql_int(f, "SELECT count(*) FROM signin_rate WHERE key = 'i:203.0.113.5'"),
			 1);
	/* a header that is no address: the proxy's own */
	ask(f, "bob%40birch.example", ORIGIN_OK "X-Forwarded-For: <script>\r\n", &r);
	wresp_clear(&r);
	assert_int_equal(sql_int(f, "SELECT count(*) FROM signin_rate WHERE key = 'i:127.0.0.1'"), 2);
	f->web_cfg.proxies = NULL;
}

/* ---- the link -------------------------------------------------------------------- */

static void test_web_signin_link_get_changes_nothing_post_uses_it_once(void **state)
{
	struct wfx *f = *state;
	char token[LINK_TOKEN_MAX], *path, *cookie;
	struct wresp r;

	ask(f, "bob%40birch.example", NULL, &r);
	wresp_clear(&r);
	link_token(f, token);
	path = path_s(token);
	/* a mail scanner, twice: nothing used */
	assert_true(page_has(f, path, NULL, "Sign in as Bob Birch"));
	assert_true(page_has(f, path, NULL, "Sign in as Bob Birch"));
	assert_int_equal(sql_int(f, "SELECT count(*) FROM signin_links WHERE used_at IS NULL"), 1);
	assert_int_equal(sql_int(f, "SELECT count(*) FROM sessions"), 0);

	assert_int_equal(wfx_http(f, "POST", path, ORIGIN_OK, "", 0, &r), 0);
	assert_int_equal(r.status, 303);
	cookie = cookie_of(&r);
	wresp_clear(&r);
	assert_true(page_has(f, "/", cookie, "Your chats"));
	assert_true(page_has(f, "/", cookie, "Bob Birch"));

	/* used: a clear message, for the same link again */
	assert_int_equal(wfx_http(f, "POST", path, ORIGIN_OK, "", 0, &r), 0);
	assert_int_equal(r.status, 410);
	assert_non_null(strstr(r.body, "used already"));
	wresp_clear(&r);
	assert_true(page_has(f, path, NULL, "used already"));
	free(cookie);
	free(path);
}

static void test_web_signin_link_expires(void **state)
{
	struct wfx *f = *state;
	char token[LINK_TOKEN_MAX], *path;
	struct wresp r;
	struct store_identity_list ids;
	enum store_signin_verdict v;
	char *err = NULL;
	int64_t id;
	uint32_t salt;

	ask(f, "bob%40birch.example", NULL, &r);
	wresp_clear(&r);
	link_token(f, token);
	path = path_s(token);
	id = sql_int(f, "SELECT max(id) FROM signin_links");
	salt = (uint32_t)sql_int(f, "SELECT salt FROM signin_links ORDER BY id DESC LIMIT 1");
	/* one second before: still good (looked at, not used) */
	WFX_CHECK(store_signin_check(f->s, id, salt, f->now + STORE_SIGNIN_TTL - 1, 0, &v, &ids,
				     &err), err);
	assert_int_equal(v, STORE_SIGNIN_OK);
	assert_int_equal(ids.count, 1);
	store_identity_list_free(&ids);
	/* a wrong salt is no link */
	WFX_CHECK(store_signin_check(f->s, id, salt ^ 1, f->now, 0, &v, &ids, &err), err);
	assert_int_equal(v, STORE_SIGNIN_UNKNOWN);

	f->now += STORE_SIGNIN_TTL;
	clock_set(f->now);
	WFX_CHECK(store_signin_check(f->s, id, salt, f->now, 1, &v, &ids, &err), err);
	assert_int_equal(v, STORE_SIGNIN_EXPIRED);
	assert_int_equal(wfx_http(f, "POST", path, ORIGIN_OK, "", 0, &r), 0);
	assert_int_equal(r.status, 410);
	assert_non_null(strstr(r.body, "has expired"));
	assert_non_null(strstr(r.body, "href=\"/signin\""));
	assert_null(wresp_header(&r, "Set-Cookie"));
	wresp_clear(&r);
	free(path);
}

static void test_web_signin_link_forged_or_cross_site_refused(void **state)
{
	struct wfx *f = *state;
	char token[LINK_TOKEN_MAX], *path;
	struct wresp r;

	ask(f, "bob%40birch.example", NULL, &r);
	wresp_clear(&r);
	link_token(f, token);
	path = path_s(token);
	assert_int_equal(wfx_http(f, "POST", path, "Sec-Fetch-Site: cross-site\r\n", "", 0, &r),
			 0);
	assert_int_equal(r.status, 403);
	assert_non_null(strstr(r.body, "does not work"));
	wresp_clear(&r);
	assert_int_equal(sql_int(f, "SELECT count(*) FROM signin_links WHERE used_at IS NULL"), 1);
	/* a View token is not a sign-in token */
	wfx_token(f, LINK_VIEW, 0, LINK_CONTACT, f->bob, clock_now() + 600, token);
	free(path);
	path = path_s(token);
	assert_int_equal(status_of(f, "GET", path, NULL), 403);
	assert_int_equal(status_of(f, "GET", "/s/garbage", NULL), 403);
	free(path);
}

/* ---- several people, one address ------------------------------------------------- */

static void test_web_signin_address_of_several_picks_after_use(void **state)
{
	struct wfx *f = *state;
	char token[LINK_TOKEN_MAX], *path, *cookie, *form, *pick, *end;
	struct wresp r, page;
	int64_t otto_contact = 0;
	char *err = NULL;

	/* Otto is staff and a contact of account B */
	WFX_CHECK(store_contact_add(f->s, f->acc_b, "Otto Other", "otto@firm.example",
				    &otto_contact, &err), err);
	ask(f, "otto%40firm.example", NULL, &r);
	wresp_clear(&r);
	link_token(f, token);
	path = path_s(token);
	assert_true(page_has(f, path, NULL, "you choose who next"));
	assert_int_equal(wfx_http(f, "POST", path, ORIGIN_OK, "", 0, &page), 0);
	assert_int_equal(page.status, 200);
	assert_null(wresp_header(&page, "Set-Cookie"));
	assert_non_null(strstr(page.body, "Staff at"));
	assert_non_null(strstr(page.body, "value=\"s:"));
	pick = strstr(page.body, "name=\"token\" value=\"");
	assert_non_null(pick);
	pick += strlen("name=\"token\" value=\"");
	end = strchr(pick, '"');
	pick = xstrndup(pick, (size_t)(end - pick));

	/* someone else's id is no choice */
	form = xasprintf("token=%s&as=c:%lld", pick, (long long)f->bob);
	assert_int_equal(wfx_post(f, ORIGIN_OK, "/signin/pick", form, &r), 0);
	assert_int_equal(r.status, 403);
	wresp_clear(&r);
	free(form);

	form = xasprintf("token=%s&as=s:%lld", pick, (long long)f->other);
	assert_int_equal(wfx_post(f, ORIGIN_OK, "/signin/pick", form, &r), 0);
	assert_int_equal(r.status, 303);
	cookie = cookie_of(&r);
	wresp_clear(&r);
	assert_true(page_has(f, "/", cookie, "Client chats"));
	/* staff sign-ins are audited */
	assert_int_equal(sql_int(f, "SELECT count(*) FROM audit_log WHERE action = 'signin'"), 1);
	/* a pick is used up too */
	assert_int_equal(wfx_post(f, ORIGIN_OK, "/signin/pick", form, &r), 0);
	assert_int_equal(r.status, 410);
	wresp_clear(&r);
	free(form);
	free(cookie);
	free(pick);
	free(path);
	wresp_clear(&page);
}

static void test_web_signin_link_while_signed_in_as_another_asks(void **state)
{
	struct wfx *f = *state;
	char *anna = wfx_login(f, LINK_CONTACT, f->anna);
	char token[LINK_TOKEN_MAX], *path;
	struct wresp r;

	/* a View link of Bob's in Anna's browser: asked, not switched */
	wfx_token(f, LINK_VIEW, 0, LINK_CONTACT, f->bob, clock_now() + 600, token);
	path = xasprintf("/v/%s", token);
	assert_int_equal(wfx_http(f, "GET", path, anna, NULL, 0, &r), 0);
	assert_int_equal(r.status, 200);
	assert_null(wresp_header(&r, "Set-Cookie"));
	assert_non_null(strstr(r.body, "Continue as Bob Birch"));
	assert_non_null(strstr(r.body, "Stay signed in as"));
	wresp_clear(&r);
	assert_true(page_has(f, "/", anna, "Your chats"));
	/* pressing "Continue as" switches */
	char *h = xasprintf("%s%s", anna, ORIGIN_OK);
	assert_int_equal(wfx_http(f, "POST", path, h, "", 0, &r), 0);
	assert_int_equal(r.status, 303);
	{
		char *set = wresp_header(&r, "Set-Cookie");

		assert_non_null(set);
		free(set);
	}
	wresp_clear(&r);
	/* Anna's session on this browser ended with the switch */
	assert_false(page_has(f, "/", anna, "Your chats"));
	free(path);

	/* a link of the person this browser is signed in as: nothing to do */
	ask(f, "bob%40birch.example", NULL, &r);
	wresp_clear(&r);
	link_token(f, token);
	path = path_s(token);
	{
		char *bob = wfx_login(f, LINK_CONTACT, f->bob);

		assert_true(page_has(f, path, bob, "You are signed in"));
		free(bob);
	}
	assert_int_equal(sql_int(f, "SELECT count(*) FROM signin_links WHERE used_at IS NULL"), 1);
	free(path);

	/* a sign-in link in a signed-in browser says who it is signed in as */
	free(anna);
	anna = wfx_login(f, LINK_CONTACT, f->anna);
	ask(f, "bob%40birch.example", NULL, &r);
	wresp_clear(&r);
	link_token(f, token);
	path = path_s(token);
	assert_true(page_has(f, path, anna, "This device is signed in as"));
	free(path);
	free(h);
	free(anna);
}

/* ---- your sessions ---------------------------------------------------------------- */

static char *login_as_agent(struct wfx *f, int64_t contact, const char *agent)
{
	char token[LINK_TOKEN_MAX], *path, *h, *cookie;
	struct wresp r;

	wfx_token(f, LINK_VIEW, 0, LINK_CONTACT, contact, clock_now() + 600, token);
	path = xasprintf("/v/%s", token);
	h = xasprintf("User-Agent: %s\r\n", agent);
	assert_int_equal(wfx_http(f, "GET", path, h, NULL, 0, &r), 0);
	assert_int_equal(r.status, 303);
	cookie = cookie_of(&r);
	wresp_clear(&r);
	free(path);
	free(h);
	return cookie;
}

static void test_web_sessions_listed_and_ended_everywhere(void **state)
{
	struct wfx *f = *state;
	char *phone = login_as_agent(f, f->anna, "Mozilla/5.0 (Linux; Android 14; Pixel 8) "
					   "AppleWebKit/537.36 Chrome/120.0 Mobile Safari/537.36");
	char *desk = login_as_agent(f, f->anna, "Mozilla/5.0 (Windows NT 10.0; Win64; x64; "
					  "rv:121.0) Gecko/20100101 Firefox/121.0");
	char *bob = wfx_login(f, LINK_CONTACT, f->bob);
	char *csrf, *form;
	struct wresp r;

	assert_int_equal(wfx_http(f, "GET", "/sessions", phone, NULL, 0, &r), 0);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "Chrome on Android"));
	assert_non_null(strstr(r.body, "Firefox on Windows"));
	assert_non_null(strstr(r.body, "This device"));
	csrf = wfx_csrf_from(&r);
	wresp_clear(&r);

	form = xasprintf("csrf=%s&id=all", csrf);
	assert_int_equal(wfx_post(f, phone, "/sessions/end", form, &r), 0);
	assert_int_equal(r.status, 303);
	wresp_clear(&r);
	assert_false(page_has(f, "/", phone, "Your chats"));
	assert_false(page_has(f, "/", desk, "Your chats"));
	/* someone else's session is theirs */
	assert_true(page_has(f, "/", bob, "Your chats"));
	assert_int_equal(status_of(f, "GET", "/sessions", NULL), 303);
	free(form);
	free(csrf);
	free(phone);
	free(desk);
	free(bob);
}

static void test_web_sessions_last_seen_written_once_a_minute_off_the_page(void **state)
{
	struct wfx *f = *state;
	char *anna = wfx_login(f, LINK_CONTACT, f->anna);
	int64_t seen = sql_int(f, "SELECT last_seen_at FROM sessions");

	assert_int_equal(seen, f->now);
	f->now += 30;
	clock_set(f->now);
	assert_true(page_has(f, "/", anna, "Your chats"));
	wfx_pump(f, 100);
	assert_int_equal(sql_int(f, "SELECT last_seen_at FROM sessions"), seen);
	f->now += 60;
	clock_set(f->now);
	assert_true(page_has(f, "/", anna, "Your chats"));
	for (int i = 0; i < 50 && sql_int(f, "SELECT last_seen_at FROM sessions") == seen; i++)
		wfx_pump(f, 20);
	assert_int_equal(sql_int(f, "SELECT last_seen_at FROM sessions"), f->now);
	free(anna);
}

static void test_web_sessions_stateless_cookie_of_before_is_no_session(void **state)
{
	struct wfx *f = *state;
	char token[LINK_TOKEN_MAX], *cookie;

	/* the cookie older versions set: no row behind it */
	wfx_token(f, LINK_SESSION, 0, LINK_CONTACT, f->anna, clock_now() + 600, token);
	cookie = xasprintf("Cookie: gw_session=%s\r\n", token);
	assert_false(page_has(f, "/", cookie, "Your chats"));
	assert_true(page_has(f, "/", cookie, "href=\"/signin\""));
	free(cookie);
}

/* ---- retention and erasure --------------------------------------------------------- */

static void test_web_sessions_retention_and_erasure_delete_them(void **state)
{
	struct wfx *f = *state;
	struct store_retention p = { .sessions = 30 * 86400 };
	struct store_retention_result res;
	struct store_erasure e;
	enum store_signin_outcome out;
	char *anna, *bob, *err = NULL;

	anna = wfx_login(f, LINK_CONTACT, f->anna);
	bob = wfx_login(f, LINK_CONTACT, f->bob);
	WFX_CHECK(store_signin_request(f->s, "bob@birch.example", "192.0.2.1", f->now, &out,
				       &err), err);
	/* a day on: the sign-in link and its counts go, the sessions stay */
	memset(&res, 0, sizeof(res));
	do
		WFX_CHECK(store_retention_step(f->s, &p, f->now + 86401, 100, NULL, &res, &err),
			  err);
	while (res.more);
	assert_int_equal(sql_int(f, "SELECT count(*) FROM signin_links"), 0);
	assert_int_equal(sql_int(f, "SELECT count(*) FROM signin_rate"), 0);
	assert_int_equal(sql_int(f, "SELECT count(*) FROM sessions"), 2);
	/* the period on: sessions started before it go */
	do
		WFX_CHECK(store_retention_step(f->s, &p, f->now + p.sessions + 1, 100, NULL, &res,
					       &err), err);
	while (res.more);
	assert_int_equal(sql_int(f, "SELECT count(*) FROM sessions"), 0);
	assert_int_equal(res.sessions, 2 + 1 + 2);
	free(anna);
	free(bob);

	/* erasing a contact leaves no session, link or count of theirs */
	anna = wfx_login(f, LINK_CONTACT, f->anna);
	WFX_CHECK(store_signin_request(f->s, "anna@acme.example", "192.0.2.1", f->now, &out,
				       &err), err);
	memset(&e, 0, sizeof(e));
	WFX_CHECK(store_person_erase(f->s, f->anna, &e, &err), err);
	store_erasure_clear(&e);
	assert_int_equal(sql_int(f, "SELECT count(*) FROM sessions"), 0);
	assert_int_equal(sql_int(f, "SELECT count(*) FROM signin_links"), 0);
	assert_int_equal(sql_int(f, "SELECT count(*) FROM signin_rate WHERE key LIKE 'a:%'"), 0);
	assert_int_equal(sql_int(f, "SELECT count(*) FROM outbox WHERE kind = 'signin_link'"
				    " AND (extra IS NOT NULL OR recipient_address LIKE 'anna%')"
				    " AND recipient_kind = 'contact' AND recipient_id = (SELECT"
				    " min(id) FROM contacts)"), 0);
	free(anna);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_web_signin_form_linked_from_signed_out_pages,
						wfx_setup, wfx_teardown),
		cmocka_unit_test_setup_teardown(
			test_web_signin_answer_identical_for_known_and_unknown, wfx_setup,
			wfx_teardown),
		cmocka_unit_test_setup_teardown(test_web_signin_answer_same_work_known_and_unknown,
						wfx_setup, wfx_teardown),
		cmocka_unit_test_setup_teardown(test_web_signin_bad_address_says_so_and_keeps_it,
						wfx_setup, wfx_teardown),
		cmocka_unit_test_setup_teardown(
			test_web_signin_cross_site_refused_with_the_same_page, wfx_setup,
			wfx_teardown),
		cmocka_unit_test_setup_teardown(test_web_signin_rate_limits_per_address_and_client,
						wfx_setup, wfx_teardown),
		cmocka_unit_test_setup_teardown(test_web_signin_client_address_behind_proxy,
						wfx_setup, wfx_teardown),
		cmocka_unit_test_setup_teardown(
			test_web_signin_link_get_changes_nothing_post_uses_it_once, wfx_setup,
			wfx_teardown),
		cmocka_unit_test_setup_teardown(test_web_signin_link_expires, wfx_setup,
						wfx_teardown),
		cmocka_unit_test_setup_teardown(test_web_signin_link_forged_or_cross_site_refused,
						wfx_setup, wfx_teardown),
		cmocka_unit_test_setup_teardown(test_web_signin_address_of_several_picks_after_use,
						wfx_setup, wfx_teardown),
		cmocka_unit_test_setup_teardown(
			test_web_signin_link_while_signed_in_as_another_asks, wfx_setup,
			wfx_teardown),
		cmocka_unit_test_setup_teardown(test_web_sessions_listed_and_ended_everywhere,
						wfx_setup, wfx_teardown),
		cmocka_unit_test_setup_teardown(
			test_web_sessions_last_seen_written_once_a_minute_off_the_page, wfx_setup,
			wfx_teardown),
		cmocka_unit_test_setup_teardown(
			test_web_sessions_stateless_cookie_of_before_is_no_session, wfx_setup,
			wfx_teardown),
		cmocka_unit_test_setup_teardown(test_web_sessions_retention_and_erasure_delete_them,
						wfx_setup, wfx_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
