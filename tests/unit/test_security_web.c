/*
 * test_security_web.c - the web view under attack, over loopback against a
 * real SQLite file (web_fixture.c seeds hostile names everywhere): every
 * user-written field comes out escaped exactly, CommonMark payloads (raw
 * HTML, javascript: and data: URLs, attribute breakers) come out inert,
 * no GET or HEAD of any route writes to the database, every POST route
 * wants this session's CSRF token in the body, every kind of token is
 * refused at every door but its own and after revocation or key removal.
 * File names and response headers are test_security_http.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "clock.h"
#include "web_fixture.h"

static char *path_of(int64_t id, const char *action)
{
	return action != NULL ? xasprintf("/t/%lld/%s", (long long)id, action) :
				xasprintf("/t/%lld", (long long)id);
}

static char *get_page(struct wfx *f, const char *cookie, const char *path)
{
	struct wresp r;
	char *body;

	assert_int_equal(wfx_http(f, "GET", path, cookie, NULL, 0, &r), 0);
	if (r.status != 200)
		fail_msg("GET %s: status %d", path, r.status);
	body = r.body;
	r.body = NULL;
	wresp_clear(&r);
	return body;
}

static void expect_in(const char *page, const char *want, const char *what, size_t i)
{
	if (strstr(page, want) == NULL)
		fail_msg("case %zu (%s): page lacks \"%s\"", i, what, want);
}

static void expect_not_in(const char *page, const char *bad, const char *what, size_t i)
{
	const char *at = strstr(page, bad);

	if (at != NULL)
		fail_msg("case %zu (%s): page holds \"%s\": ...%.80s...", i, what, bad,
			 at - page > 60 ? at - 60 : page);
}

static int64_t data_version(struct wfx *f)
{
	int64_t v = 0;

	assert_int_equal(store_data_version(f->s, &v), 0);
	return v;
}

/* "Cookie: gw_session=VALUE\r\n" -> VALUE (malloc'd). */
static char *cookie_value(const char *line)
{
	const char *v = strchr(line, '=') + 1;

	return xstrndup(v, strcspn(v, "\r"));
}

/* POST a multipart reply holding one file; disposition_params are the
   Content-Disposition parameters after name="file", bytes as sent. */
static int upload(struct wfx *f, const char *cookie, int64_t thread, const char *csrf,
		  const char *disposition_params, const char *content, struct wresp *r)
{
	struct buf body = BUF_INIT;
	char *path = path_of(thread, "reply");
	char *h = xasprintf("%sContent-Type: multipart/form-data; boundary=SecB\r\n", cookie);
	int rc;

	buf_printf(&body, "--SecB\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n%s\r\n"
			  "--SecB\r\nContent-Disposition: form-data; name=\"file\"; %s\r\n"
			  "Content-Type: application/x-evil\r\n\r\n%s\r\n--SecB--\r\n",
		   csrf, disposition_params, content);
	rc = wfx_http(f, "POST", path, h, body.data, body.len, r);
	buf_release(&body);
	free(h);
	free(path);
	return rc;
}

/* ---- XSS: every field, exactly ------------------------------------------ */

static void test_security_web_every_field_escaped_exactly(void **state)
{
	struct wfx *f = *state;
	char *anna = wfx_login(f, LINK_CONTACT, f->anna);
	char *member = wfx_login(f, LINK_STAFF, f->member);
	char *owner = wfx_login(f, LINK_STAFF, f->owner);
	char *ta = path_of(f->ta, NULL);
	char *csrf = wfx_csrf(f, anna, ta);
	char *err = NULL;
	struct wresp r;
	int64_t task = 0;

	/* More hostile data: a task, a template whose name lands in an
	   attribute, and a client upload with markup in its name. */
	WFX_CHECK(store_task_add(f->s, f->ta, "<img src=x onerror=alert(7)>", &task, &err), err);
	WFX_CHECK(store_template_set(f->s, "x\" onfocus=\"alert(8)", "S", "B", &err), err);
	assert_int_equal(upload(f, anna, f->ta, csrf,
				"filename=\"\\\"><svg onload=alert(9)>.pdf\"", "%PDF", &r), 0);
	assert_int_equal(r.status, 303);
	wresp_clear(&r);

	static const struct {
		int page;            /* 0 thread/anna 1 thread/member 2 home/anna 3 home/owner */
		const char *want;    /* exact escaped text */
		const char *raw;     /* the payload that must not appear */
	} t[] = {
		/* firm name: title, brand and footer of every page */
		{ 0, "<title>&lt;script&gt;alert(&#39;s&#39;)&lt;/script&gt; Year end \xc2\xb7 "
		     "Firm &lt;b&gt;&amp;amp;&lt;/b&gt; Co</title>", "<b>&amp;</b>" },
		{ 2, "<span>Firm &lt;b&gt;&amp;amp;&lt;/b&gt; Co</span>", "<b>&amp;</b>" },
		{ 3, "<footer class=\"wrap foot\">Firm &lt;b&gt;&amp;amp;&lt;/b&gt; Co \xc2\xb7 ",
		  "<b>&amp;</b>" },
		/* thread subject: heading and home list */
		{ 0, "<h1>&lt;script&gt;alert(&#39;s&#39;)&lt;/script&gt; Year end</h1>",
		  "<script>alert('s')" },
		{ 2, "<span class=\"subject\">&lt;script&gt;alert(&#39;s&#39;)&lt;/script&gt; "
		     "Year end</span>", "<script>alert('s')" },
		/* staff name: author of the first message, and who is signed in */
		{ 0, "<span class=\"author\">Max &lt;script&gt;alert(&#39;m&#39;)&lt;/script&gt;"
		     "</span>", "<script>alert('m')" },
		{ 1, "<a class=\"who\" href=\"/sessions\" "
		     "title=\"Your sessions\">Max &lt;script&gt;alert(&#39;m&#39;)&lt;/script&gt;"
		     "</a>", "<script>alert('m')" },
		/* contact name */
		{ 0, "<a class=\"who\" href=\"/sessions\" "
		     "title=\"Your sessions\">Anna &lt;script&gt;alert(&#39;a&#39;)&lt;/script&gt;"
		     "</a>", "<script>alert('a')" },
		{ 1, "<span class=\"author\">Anna &lt;script&gt;alert(&#39;a&#39;)&lt;/script&gt;"
		     "</span>", "<script>alert('a')" },
		/* account name: thread meta, staff home, new-chat form */
		{ 1, "<p class=\"meta\">Acme &lt;img src=x onerror=alert(1)&gt; \xc2\xb7 started ",
		  "<img src=x" },
		{ 3, "Acme &lt;img src=x onerror=alert(1)&gt; \xc2\xb7 ", "<img src=x" },
		{ 3, "> Acme &lt;img src=x onerror=alert(1)&gt;</label>", "<img src=x" },
		/* task titles */
		{ 0, "<span class=\"ttext\">Upload &lt;b&gt;statements&lt;/b&gt;</span>",
		  "<b>statements" },
		{ 1, "<span class=\"ttext\">&lt;img src=x onerror=alert(7)&gt;</span>",
		  "<img src=x onerror=alert(7)" },
		/* attachment file name (paths in names: test_security_http.c) */
		{ 0, "<span class=\"fname\">&quot;&gt;&lt;svg onload=alert(9)&gt;.pdf</span>",
		  "<svg onload" },
		{ 1, "<span class=\"fname\">&quot;&gt;&lt;svg onload=alert(9)&gt;.pdf</span>",
		  "\"><svg onload" },
		/* template name inside an attribute and as text; its subject,
		 * body and tasks in data attributes */
		{ 3, "<option value=\"x&quot; onfocus=&quot;alert(8)\" data-subject=\"S\" "
		     "data-body=\"B\" data-tasks=\"\">"
		     "x&quot; onfocus=&quot;alert(8)</option>", "onfocus=\"alert(8)" },
		/* the seeded message body: CommonMark, raw HTML omitted */
		{ 0, "<p>Hello <!-- raw HTML omitted -->alert(1)<!-- raw HTML omitted --> "
		     "<strong>bold</strong> <a href=\"\">x</a> <!-- raw HTML omitted --></p>",
		  "javascript:" },
	};
	const char *cookies[] = { anna, member, anna, owner };
	const char *paths[] = { ta, ta, "/", "/" };
	char *pages[4];

	for (int p = 0; p < 4; p++)
		pages[p] = get_page(f, cookies[p], paths[p]);
	for (size_t i = 0; i < GW_ARRAY_SIZE(t); i++) {
		char what[32];

		snprintf(what, sizeof(what), "page %d", t[i].page);
		expect_in(pages[t[i].page], t[i].want, what, i);
		expect_not_in(pages[t[i].page], t[i].raw, what, i);
	}
	for (int p = 0; p < 4; p++)
		free(pages[p]);
	free(csrf);
	free(ta);
	free(anna);
	free(member);
	free(owner);
}

/* A form refused with the page again echoes what was typed, escaped. */
static void test_security_web_echoed_input_is_escaped(void **state)
{
	struct wfx *f = *state;
	char *anna = wfx_login(f, LINK_CONTACT, f->anna);
	char *ta = path_of(f->ta, NULL), *reply = path_of(f->ta, "reply");
	char *csrf = wfx_csrf(f, anna, "/");
	char form[512];
	struct wresp r;

	/* no subject: the new-chat form comes back filled in */
	snprintf(form, sizeof(form), "csrf=%s&subject=&body=%%3C%%2Ftextarea%%3E%%3Cscript%%3E"
		 "alert(1)%%3C%%2Fscript%%3E", csrf);
	assert_int_equal(wfx_post(f, anna, "/new", form, &r), 0);
	assert_int_equal(r.status, 400);
	expect_in(r.body, "&lt;/textarea&gt;&lt;script&gt;alert(1)&lt;/script&gt;</textarea>",
		  "new chat body", 0);
	expect_not_in(r.body, "<script>alert(1)", "new chat body", 0);
	wresp_clear(&r);
	snprintf(form, sizeof(form), "csrf=%s&subject=%%22%%3E%%3Cimg+src%%3Dx+onerror%%3D"
		 "alert(2)%%3E&body=", csrf);
	assert_int_equal(wfx_post(f, anna, "/new", form, &r), 0);
	assert_int_equal(r.status, 400);
	expect_in(r.body, "value=\"&quot;&gt;&lt;img src=x onerror=alert(2)&gt;\"",
		  "new chat subject", 1);
	expect_not_in(r.body, "\"><img src=x", "new chat subject", 1);
	wresp_clear(&r);

	/* a reply refused for a control character keeps the rest, escaped */
	free(csrf);
	csrf = wfx_csrf(f, anna, ta);
	snprintf(form, sizeof(form), "csrf=%s&body=%%01%%3C%%2Ftextarea%%3E%%3Csvg+onload%%3D"
		 "alert(3)%%3E", csrf);
	assert_int_equal(wfx_post(f, anna, reply, form, &r), 0);
	assert_int_equal(r.status, 400);
	expect_in(r.body, ">&lt;/textarea&gt;&lt;svg onload=alert(3)&gt;</textarea>", "draft", 2);
	expect_not_in(r.body, "<svg onload", "draft", 2);
	wresp_clear(&r);
	free(csrf);
	free(reply);
	free(ta);
	free(anna);
}

/* ---- XSS: CommonMark -------------------------------------------------- */

static const struct {
	const char *md;
	const char *html;         /* cmark's output for it, inside the body div */
} md_cases[] = {
	{ "<script>alert(1)</script>", "<!-- raw HTML omitted -->\n" },
	{ "x <script>alert(1)</script> y",
	  "<p>x <!-- raw HTML omitted -->alert(1)<!-- raw HTML omitted --> y</p>\n" },
	{ "[x](javascript:alert(1))", "<p><a href=\"\">x</a></p>\n" },
	{ "[x](JaVaScRiPt:alert(1))", "<p><a href=\"\">x</a></p>\n" },
	{ "[x](vbscript:msgbox(1))", "<p><a href=\"\">x</a></p>\n" },
	{ "[x](file:///etc/passwd)", "<p><a href=\"\">x</a></p>\n" },
	{ "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
	  "<p><a href=\"\">x</a></p>\n" },
	{ "![x](data:image/svg+xml;base64,PHN2Zz4=)", "<p><img src=\"\" alt=\"x\" /></p>\n" },
	{ "<javascript:alert(1)>", "<p><a href=\"\">javascript:alert(1)</a></p>\n" },
	{ "[a](<javascript:alert(1)>)", "<p><a href=\"\">a</a></p>\n" },
	{ "[a](&#x6A;avascript:alert(1))", "<p><a href=\"\">a</a></p>\n" },
	{ "[a](java&#x09;script:alert(1))", "<p><a href=\"java%09script:alert(1)\">a</a></p>\n" },
	{ "[x]: javascript:alert(1)\n\n[y][x]", "<p><a href=\"\">y</a></p>\n" },
	{ "[x](http://a.example \"t\\\" onmouseover=\\\"alert(1)\")",
	  "<p><a href=\"http://a.example\" title=\"t&quot; onmouseover=&quot;alert(1)\">x</a>"
	  "</p>\n" },
	{ "![a\" onerror=\"alert(1)](x.png)",
	  "<p><img src=\"x.png\" alt=\"a&quot; onerror=&quot;alert(1)\" /></p>\n" },
	{ "<img src=x onerror=alert(2)>", "<!-- raw HTML omitted -->\n" },
	{ "<a href=\"javascript:alert(1)\">x</a>",
	  "<p><!-- raw HTML omitted -->x<!-- raw HTML omitted --></p>\n" },
	{ "<iframe src=//evil.example></iframe>", "<!-- raw HTML omitted -->\n" },
	{ "<svg onload=alert(1)>", "<!-- raw HTML omitted -->\n" },
	{ "<data:text/html,<script>alert(1)</script>>",
	  "<p>&lt;data:text/html,<!-- raw HTML omitted -->alert(1)<!-- raw HTML omitted -->"
	  "&gt;</p>\n" },
	{ "&lt;script&gt;", "<p>&lt;script&gt;</p>\n" },
	{ "`<script>`", "<p><code>&lt;script&gt;</code></p>\n" },
};

static void test_security_web_markdown_payloads_come_out_inert(void **state)
{
	struct wfx *f = *state;
	char *anna = wfx_login(f, LINK_CONTACT, f->anna);
	char *ta = path_of(f->ta, NULL);
	char *err = NULL, *page;
	struct wresp r;

	for (size_t i = 0; i < GW_ARRAY_SIZE(md_cases); i++)
		WFX_CHECK(store_message_post(f->s, f->ta, STORE_STAFF, f->member, md_cases[i].md,
					     NULL, &err), err);
	page = get_page(f, anna, ta);
	for (size_t i = 0; i < GW_ARRAY_SIZE(md_cases); i++) {
		char *want = xasprintf("<div class=\"body\">%s</div>", md_cases[i].html);

		expect_in(page, want, md_cases[i].md, i);
		free(want);
	}
	/* Nothing active anywhere in the page. */
	static const char *const bad[] = {
		"href=\"javascript", "href=\"data:", "src=\"data:", "<iframe", "<svg onload",
		"<script>", "onerror=\"alert", "onmouseover=\"alert", "href=\"vbscript",
	};
	for (size_t i = 0; i < GW_ARRAY_SIZE(bad); i++)
		expect_not_in(page, bad[i], "thread page", i);
	free(page);
	/* Should a data: image ever get through, the policy blocks it. */
	assert_int_equal(wfx_http(f, "GET", ta, anna, NULL, 0, &r), 0);
	char *csp = wresp_header(&r, "Content-Security-Policy");
	assert_non_null(strstr(csp, "img-src 'self';"));
	assert_null(strstr(csp, "data:"));
	assert_null(strstr(csp, "unsafe-inline"));
	free(csp);
	wresp_clear(&r);
	free(ta);
	free(anna);
}

/* ---- GET never changes state ------------------------------------------ */

static void test_security_web_get_and_head_change_nothing(void **state)
{
	struct wfx *f = *state;
	char *anna = wfx_login(f, LINK_CONTACT, f->anna);
	char *member = wfx_login(f, LINK_STAFF, f->member);
	char *csrf_a = wfx_csrf(f, anna, "/"), *csrf_m = wfx_csrf(f, member, "/");
	char view[LINK_TOKEN_MAX], unsub[LINK_TOKEN_MAX], fresh[LINK_TOKEN_MAX];
	char *err = NULL;
	int64_t att = 0;
	struct store_attachment_new an;

	memset(&an, 0, sizeof(an));
	an.thread_id = f->ta;
	an.uploader_kind = STORE_CONTACT;
	an.uploader_id = f->anna;
	an.file_name = "a.pdf";
	an.bytes = "%PDF";
	an.len = 4;
	WFX_CHECK(store_attachment_add(f->s, &an, &att, &err), err);
	wfx_token(f, LINK_VIEW, f->ta, LINK_CONTACT, f->anna, clock_now() + 600, view);
	wfx_token(f, LINK_UNSUBSCRIBE, f->ta, LINK_CONTACT, f->anna, clock_now() + 600, unsub);
	wfx_token(f, LINK_FRESH, f->ta, LINK_CONTACT, f->anna, clock_now() + 600, fresh);

	/* Everything a POST would do, asked for with GET and HEAD, with the
	   form in the query string and the right CSRF token. */
	const char *methods[] = { "GET", "HEAD" };
	const char *cookies[] = { anna, member, NULL };
	int64_t before = data_version(f);
	int outbox = wfx_outbox_count(f, 0, 0);

	for (size_t c = 0; c < GW_ARRAY_SIZE(cookies); c++) {
		const char *csrf = c == 1 ? csrf_m : csrf_a;
		long long t = (long long)f->ta;
		char *paths[] = {
			xstrdup("/"), xstrdup("/?show=archived"), path_of(f->ta, NULL),
			xasprintf("/a/%lld", (long long)att),
			xasprintf("/t/%lld/reply?csrf=%s&body=hello", t, csrf),
			xasprintf("/t/%lld/read?csrf=%s&up_to=999999", t, csrf),
			xasprintf("/t/%lld/task?csrf=%s&task=%lld&done=1", t, csrf,
				  (long long)f->task1),
			xasprintf("/t/%lld/archive?csrf=%s", t, csrf),
			xasprintf("/t/%lld/reopen?csrf=%s", t, csrf),
			xasprintf("/t/%lld/resend?csrf=%s", t, csrf),
			xasprintf("/t/%lld/reminders?csrf=%s&enabled=0", t, csrf),
			xasprintf("/new?csrf=%s&subject=S&body=B", csrf),
			xasprintf("/logout?csrf=%s", csrf),
			/* signed in: the same person's link only redirects, another
			 * person's asks first (without a session, see below) */
			c < 2 ? xasprintf("/v/%s", view) : xstrdup("/"),
			xasprintf("/u/%s?List-Unsubscribe=One-Click", unsub),
			xasprintf("/fresh?token=%s", fresh),
		};

		for (size_t m = 0; m < GW_ARRAY_SIZE(methods); m++) {
			for (size_t i = 0; i < GW_ARRAY_SIZE(paths); i++) {
				struct wresp r;

				assert_int_equal(wfx_http(f, methods[m], paths[i], cookies[c], NULL,
							  0, &r), 0);
				if (data_version(f) != before)
					fail_msg("%s %s (session %zu, status %d) wrote to the database",
						 methods[m], paths[i], c, r.status);
				wresp_clear(&r);
			}
		}
		for (size_t i = 0; i < GW_ARRAY_SIZE(paths); i++)
			free(paths[i]);
	}
	assert_int_equal(wfx_outbox_count(f, 0, 0), outbox);
	struct store_contact ct;
	WFX_CHECK(store_contact_get(f->s, f->anna, &ct, &err), err);
	assert_int_equal(ct.notify, 1);
	assert_int_equal(ct.last_login_at, 0);
	store_contact_clear(&ct);

	/* The probe sees writes: the same reply as a POST is one. */
	char form[256], *reply = path_of(f->ta, "reply");
	struct wresp r;
	snprintf(form, sizeof(form), "csrf=%s&body=hello", csrf_a);
	assert_int_equal(wfx_post(f, anna, reply, form, &r), 0);
	assert_int_equal(r.status, 303);
	wresp_clear(&r);
	assert_true(data_version(f) != before);
	free(reply);
	free(csrf_a);
	free(csrf_m);
	free(anna);
	free(member);
}

/* ---- CSRF on every POST ------------------------------------------------ */

static void test_security_web_csrf_on_every_post_route(void **state)
{
	struct wfx *f = *state;
	char *member = wfx_login(f, LINK_STAFF, f->member);
	char *anna = wfx_login(f, LINK_CONTACT, f->anna);
	char *right = wfx_csrf(f, member, "/");
	char *annas = wfx_csrf(f, anna, "/");
	char *session = cookie_value(member);
	char view[LINK_TOKEN_MAX], other_session[LINK_TOKEN_MAX], *other;
	struct link_claims c;

	wfx_token(f, LINK_VIEW, 0, LINK_STAFF, f->member, clock_now() + 600, view);
	/* a CSRF token of the same person's other session (another expiry) */
	memset(&c, 0, sizeof(c));
	assert_int_equal(link_verify(f->keys, right, LINK_CSRF, clock_now(), NULL, NULL, &c),
			 LINK_OK);
	c.expires += 60;
	assert_int_equal(link_sign(f->keys, &c, other_session), 0);
	other = other_session;

	struct {
		const char *path_tmpl;  /* %lld: thread */
		const char *fields;     /* %lld: a task id or an account id */
		int64_t arg;
	} routes[] = {
		{ "/t/%lld/reply", "body=hello", 0 },
		{ "/t/%lld/read", "js=1", 0 },
		{ "/t/%lld/task", "task=%lld&done=1", f->task1 },
		{ "/t/%lld/reminders", "enabled=1&days=2&count=2", 0 },
		{ "/t/%lld/resend", "", 0 },
		{ "/t/%lld/archive", "", 0 },
		{ "/t/%lld/reopen", "", 0 },
		{ "/new", "subject=S&body=B&account=%lld", f->acc_a },
		{ "/logout", "", 0 },
	};
	const char *bad[] = { NULL, "", "bogus", annas, session, view, other };

	for (size_t i = 0; i < GW_ARRAY_SIZE(routes); i++) {
		char path[64], fields[128], form[512];
		struct wresp r;

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
		snprintf(path, sizeof(path), routes[i].path_tmpl, (long long)f->ta);
		snprintf(fields, sizeof(fields), routes[i].fields, (long long)routes[i].arg);
#pragma GCC diagnostic pop
		for (size_t k = 0; k < GW_ARRAY_SIZE(bad); k++) {
			int64_t before = data_version(f);

			if (bad[k] != NULL)
				snprintf(form, sizeof(form), "%s&csrf=%s", fields, bad[k]);
			else
				snprintf(form, sizeof(form), "%s", fields);
			assert_int_equal(wfx_post(f, member, path, form, &r), 0);
			if (r.status != 403)
				fail_msg("%s token %zu: status %d", path, k, r.status);
			if (data_version(f) != before)
				fail_msg("%s token %zu: the database changed", path, k);
			wresp_clear(&r);
		}
		/* The right token in the URL instead of the body: refused too
		   (URLs end up in logs). */
		{
			char *url = xasprintf("%s?csrf=%s", path, right);

			assert_int_equal(wfx_post(f, member, url, fields, &r), 0);
			if (r.status != 403)
				fail_msg("%s with the token in the URL: status %d", path, r.status);
			wresp_clear(&r);
			free(url);
		}
		/* And the right one in the body passes the gate. */
		snprintf(form, sizeof(form), "%s&csrf=%s", fields, right);
		assert_int_equal(wfx_post(f, member, path, form, &r), 0);
		if (r.status == 403)
			fail_msg("%s with the right token: 403", path);
		wresp_clear(&r);
	}
	free(member);
	free(anna);
	free(right);
	free(annas);
	free(session);
}

/* ---- tokens at the wrong door, replays, revocation ------------------------ */

/* Status of GET /t/ta with this cookie value (NULL: no cookie). */
static int thread_status(struct wfx *f, const char *value)
{
	char *cookie = value != NULL ? xasprintf("Cookie: gw_session=%s\r\n", value) : NULL;
	char *ta = path_of(f->ta, NULL);
	struct wresp r;
	int status;

	assert_int_equal(wfx_http(f, "GET", ta, cookie, NULL, 0, &r), 0);
	status = r.status;
	if (status == 200 && strstr(r.body, "Year end") == NULL)
		fail_msg("200 without the thread");
	wresp_clear(&r);
	free(cookie);
	free(ta);
	return status;
}

static void test_security_web_tokens_only_open_their_own_door(void **state)
{
	struct wfx *f = *state;
	char *line = wfx_login(f, LINK_CONTACT, f->anna);
	char *session = cookie_value(line);
	char *csrf = wfx_csrf(f, line, "/");
	char view[LINK_TOKEN_MAX], unsub[LINK_TOKEN_MAX], fresh[LINK_TOKEN_MAX];
	int64_t exp = clock_now() + 600;

	wfx_token(f, LINK_VIEW, f->ta, LINK_CONTACT, f->anna, exp, view);
	wfx_token(f, LINK_UNSUBSCRIBE, f->ta, LINK_CONTACT, f->anna, exp, unsub);
	wfx_token(f, LINK_FRESH, f->ta, LINK_CONTACT, f->anna, exp, fresh);
	const struct {
		const char *name;
		const char *token;
	} tokens[] = {
		{ "view", view }, { "unsubscribe", unsub }, { "fresh", fresh },
		{ "session", session }, { "csrf", csrf },
	};
	int outbox = wfx_outbox_count(f, MAIL_FRESH_LINK, 0);

	for (size_t i = 0; i < GW_ARRAY_SIZE(tokens); i++) {
		const char *tok = tokens[i].token;
		char path[160], form[160];
		struct wresp r;

		/* the View-link door */
		snprintf(path, sizeof(path), "/v/%s", tok);
		assert_int_equal(wfx_http(f, "GET", path, NULL, NULL, 0, &r), 0);
		if (r.status != (tok == view ? 303 : 403))
			fail_msg("%s token at /v/: %d", tokens[i].name, r.status);
		wresp_clear(&r);
		/* the cookie */
		if (thread_status(f, tok) != (tok == session ? 200 : 403))
			fail_msg("%s token as the cookie: %d", tokens[i].name, thread_status(f, tok));
		/* one-click unsubscribe (POST, no session) */
		snprintf(path, sizeof(path), "/u/%s", tok);
		if (tok != unsub) {
			assert_int_equal(wfx_post(f, NULL, path, "List-Unsubscribe=One-Click", &r), 0);
			if (r.status != 403)
				fail_msg("%s token at /u/: %d", tokens[i].name, r.status);
			wresp_clear(&r);
		}
		/* the fresh-link button */
		if (tok != fresh) {
			snprintf(form, sizeof(form), "token=%s", tok);
			assert_int_equal(wfx_post(f, NULL, "/fresh", form, &r), 0);
			if (r.status != 403)
				fail_msg("%s token at /fresh: %d", tokens[i].name, r.status);
			wresp_clear(&r);
		}
	}
	struct store_contact ct;
	char *err = NULL;
	WFX_CHECK(store_contact_get(f->s, f->anna, &ct, &err), err);
	assert_int_equal(ct.notify, 1);
	store_contact_clear(&ct);
	assert_int_equal(wfx_outbox_count(f, MAIL_FRESH_LINK, 0), outbox);
	free(session);
	free(csrf);
	free(line);
}

static void test_security_web_replayed_links_and_sessions(void **state)
{
	struct wfx *f = *state;
	char view[LINK_TOKEN_MAX], path[128], form[200];
	char *line, *session, *csrf, *read = path_of(f->ta, "read");
	char *err = NULL;
	struct wresp r;

	/* A View link opens again and again until it expires or is revoked:
	   mail scanners open links before people do. */
	wfx_token(f, LINK_VIEW, f->ta, LINK_CONTACT, f->anna, clock_now() + 600, view);
	snprintf(path, sizeof(path), "/v/%s", view);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(wfx_http(f, "GET", path, NULL, NULL, 0, &r), 0);
		if (r.status != 303)
			fail_msg("open %d: %d", i, r.status);
		wresp_clear(&r);
	}
	line = wfx_login(f, LINK_CONTACT, f->anna);
	session = cookie_value(line);
	csrf = wfx_csrf(f, line, "/");
	assert_int_equal(thread_status(f, session), 200);

	/* Revoked (generation bumped): link, cookie and CSRF token all die,
	   and the old CSRF token does not work with a new session either. */
	WFX_CHECK(store_contact_bump_generation(f->s, f->anna, NULL, &err), err);
	assert_int_equal(wfx_http(f, "GET", path, NULL, NULL, 0, &r), 0);
	assert_int_equal(r.status, 403);
	assert_null(strstr(r.head, "Set-Cookie"));
	wresp_clear(&r);
	assert_int_equal(thread_status(f, session), 403);
	char *fresh_line = wfx_login(f, LINK_CONTACT, f->anna);
	snprintf(form, sizeof(form), "csrf=%s&js=1", csrf);
	assert_int_equal(wfx_post(f, fresh_line, read, form, &r), 0);
	assert_int_equal(r.status, 403);
	wresp_clear(&r);

	/* The signing key removed from the key file (rotation finished):
	   every token it signed is refused. */
	char *new_session = cookie_value(fresh_line);
	char view2[LINK_TOKEN_MAX];
	struct link_keys *old = f->keys, *rotated = NULL;
	wfx_token(f, LINK_VIEW, f->ta, LINK_CONTACT, f->anna, clock_now() + 600, view2);
	assert_int_equal(thread_status(f, new_session), 200);
	assert_int_equal(link_keys_parse("2 ffeeddccbbaa99887766554433221100ffeeddccbbaa9988776655"
					 "4433221100\n", &rotated, &err), 0);
	f->keys = rotated;
	wfx_restart(f);
	assert_int_equal(thread_status(f, new_session), 403);
	snprintf(path, sizeof(path), "/v/%s", view2);
	assert_int_equal(wfx_http(f, "GET", path, NULL, NULL, 0, &r), 0);
	assert_int_equal(r.status, 403);
	wresp_clear(&r);
	/* (the fixture frees f->keys) */
	link_keys_free(&old);

	free(new_session);
	free(fresh_line);
	free(csrf);
	free(session);
	free(line);
	free(read);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, wfx_setup, wfx_teardown)
	const struct CMUnitTest tests[] = {
		T(test_security_web_every_field_escaped_exactly),
		T(test_security_web_echoed_input_is_escaped),
		T(test_security_web_markdown_payloads_come_out_inert),
		T(test_security_web_get_and_head_change_nothing),
		T(test_security_web_csrf_on_every_post_route),
		T(test_security_web_tokens_only_open_their_own_door),
		T(test_security_web_replayed_links_and_sessions),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
