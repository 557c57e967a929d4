/*
 * test_web_search.c - finding things in the web view: the staff's search
 * with its snippets escaped and only <mark> added, FTS5 syntax taken as
 * text, what a member may see (an account not seen is a 404 like one
 * that does not exist), the filters, the rows' last message, no search
 * for clients, the accounts page, and the new-chat account picker's
 * filter and "select all shown" without JavaScript.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "web_fixture.h"

static struct wresp get(struct wfx *f, const char *cookie, const char *path)
{
	struct wresp r;

	memset(&r, 0, sizeof(r));
	assert_int_equal(wfx_http(f, "GET", path, cookie, NULL, 0, &r), 0);
	return r;
}

static int shows_thread(const struct wresp *r, int64_t id)
{
	char href[48];

	snprintf(href, sizeof(href), "href=\"/t/%lld\"", (long long)id);
	return r->body != NULL && strstr(r->body, href) != NULL;
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += strlen(needle))
		n++;
	return n;
}

static void test_web_search_snippets_escaped(void **state)
{
	struct wfx *f = *state;
	char *owner = wfx_login(f, LINK_STAFF, f->owner);
	struct wresp r = get(f, owner, "/?q=alert");

	assert_int_equal(r.status, 200);
	assert_true(shows_thread(&r, f->ta));
	assert_false(shows_thread(&r, f->tb));
	/* what people wrote is escaped; the only markup added is <mark> */
	assert_null(strstr(r.body, "<script>alert"));
	assert_null(strstr(r.body, "<img src=x"));
	assert_non_null(strstr(r.body, "&lt;script&gt;<mark>alert</mark>"));
	assert_true(count(r.body, "<mark>") > 0);
	assert_int_equal(count(r.body, "<mark>"), count(r.body, "</mark>"));
	assert_null(strchr(r.body, '\x01'));
	assert_null(strchr(r.body, '\x02'));
	/* the query is given back escaped in the form */
	wresp_clear(&r);
	r = get(f, owner, "/?q=%22%3E%3Cscript%3Ex%3C%2Fscript%3E");
	assert_int_equal(r.status, 200);
	assert_null(strstr(r.body, "\"><script>x"));
	assert_non_null(strstr(r.body, "&quot;&gt;&lt;script&gt;x"));
	wresp_clear(&r);
	free(owner);
}

static void test_web_search_literal_syntax(void **state)
{
	static const char *const queries[] = {
		"%22", "*", "-", "NEAR", "NEAR(year%20end)", "a%20AND", "OR", "NOT%20x",
		"(", ")", "%3A", "subject%3Ayear", "year*", "%22year%20end%22", "-year",
		"%5E", "%7B%7D", "%27", "%5C",
	};
	struct wfx *f = *state;
	char *owner = wfx_login(f, LINK_STAFF, f->owner);

	for (size_t i = 0; i < sizeof(queries) / sizeof(queries[0]); i++) {
		char path[96];
		struct wresp r;

		snprintf(path, sizeof(path), "/?q=%s", queries[i]);
		r = get(f, owner, path);
		if (r.status != 200)
			fail_msg("case %zu: %s: status %d", i, queries[i], r.status);
		wresp_clear(&r);
	}
	/* quotes and the colon are part of the word, not syntax */
	struct wresp r = get(f, owner, "/?q=%22year%22");
	assert_true(shows_thread(&r, f->ta));
	wresp_clear(&r);
	free(owner);
}

static void test_web_search_member_sees_only_assigned(void **state)
{
	struct wfx *f = *state;
	char *member = wfx_login(f, LINK_STAFF, f->member);
	char *owner = wfx_login(f, LINK_STAFF, f->owner);
	char path[64];
	struct wresp r = get(f, member, "/?q=birch");
	struct wresp hidden, missing;

	assert_int_equal(r.status, 200);
	assert_false(shows_thread(&r, f->tb));
	assert_null(strstr(r.body, "Birch private matter"));
	assert_null(strstr(r.body, "Only for Birch"));
	wresp_clear(&r);
	r = get(f, owner, "/?q=birch");
	assert_true(shows_thread(&r, f->tb));
	wresp_clear(&r);
	/* an account the member does not see: the answer of one that does
	 * not exist */
	snprintf(path, sizeof(path), "/?account=%lld", (long long)f->acc_b);
	hidden = get(f, member, path);
	missing = get(f, member, "/?account=987654");
	assert_int_equal(hidden.status, 404);
	assert_int_equal(missing.status, 404);
	assert_string_equal(hidden.body, missing.body);
	wresp_clear(&hidden);
	wresp_clear(&missing);
	/* the client filter offers only what the member sees */
	r = get(f, member, "/");
	assert_null(strstr(r.body, "Birch &amp; Sons"));
	assert_non_null(strstr(r.body, "Acme &lt;img"));
	wresp_clear(&r);
	free(member);
	free(owner);
}

static void test_web_search_filters(void **state)
{
	struct wfx *f = *state;
	char *owner = wfx_login(f, LINK_STAFF, f->owner);
	char path[64];
	struct wresp r = get(f, owner, "/?reminders=1");

	assert_int_equal(r.status, 200);
	assert_true(shows_thread(&r, f->ta));
	assert_false(shows_thread(&r, f->tb));
	wresp_clear(&r);
	snprintf(path, sizeof(path), "/?account=%lld", (long long)f->acc_b);
	r = get(f, owner, path);
	assert_false(shows_thread(&r, f->ta));
	assert_true(shows_thread(&r, f->tb));
	assert_non_null(strstr(r.body, " selected>Birch &amp; Sons"));
	wresp_clear(&r);
	r = get(f, owner, "/?show=archived");
	assert_false(shows_thread(&r, f->ta) || shows_thread(&r, f->tb));
	wresp_clear(&r);
	/* unread: the owner wrote tb, so only ta is news */
	r = get(f, owner, "/?unread=1");
	assert_true(shows_thread(&r, f->ta));
	assert_false(shows_thread(&r, f->tb));
	wresp_clear(&r);
	/* following: the owner posted in tb */
	r = get(f, owner, "/?following=1");
	assert_true(shows_thread(&r, f->tb));
	assert_false(shows_thread(&r, f->ta));
	wresp_clear(&r);
	r = get(f, owner, "/?mine=1");
	assert_false(shows_thread(&r, f->ta) || shows_thread(&r, f->tb));
	wresp_clear(&r);
	/* a value the form does not offer: said, with the field named */
	r = get(f, owner, "/?show=sideways");
	assert_int_equal(r.status, 400);
	assert_non_null(strstr(r.body, "&quot;show&quot;"));
	wresp_clear(&r);
	/* a query too long: said on the page, nothing searched */
	{
		char longq[300] = "/?q=";

		memset(longq + 4, 'a', 250);
		longq[254] = '\0';
		r = get(f, owner, longq);
		assert_int_equal(r.status, 400);
		assert_non_null(strstr(r.body, "role=\"alert\">Nothing was searched: query:"));
		assert_non_null(strstr(r.body, "role=\"search\""));
		wresp_clear(&r);
	}
	free(owner);
}

/* A search looks in archived chats too, unless a tab was chosen. */
static void test_web_search_archived_found(void **state)
{
	struct wfx *f = *state;
	char *owner = wfx_login(f, LINK_STAFF, f->owner);
	char *err = NULL;
	struct wresp r;

	WFX_CHECK(store_thread_archive(f->s, f->tb, 0, &err), err);
	r = get(f, owner, "/?q=birch");
	assert_true(shows_thread(&r, f->tb));
	assert_non_null(strstr(r.body, "Archived \xc2\xb7"));
	/* the "All" tab is the one shown */
	assert_non_null(strstr(r.body, "show=all\" aria-current=\"page\""));
	wresp_clear(&r);
	r = get(f, owner, "/?q=birch&show=open");
	assert_false(shows_thread(&r, f->tb));
	assert_non_null(strstr(r.body, "name=\"show\" value=\"open\""));
	wresp_clear(&r);
	r = get(f, owner, "/");
	assert_false(shows_thread(&r, f->tb));
	wresp_clear(&r);
	free(owner);
}

static void test_web_search_rows_show_last_message(void **state)
{
	struct wfx *f = *state;
	char *owner = wfx_login(f, LINK_STAFF, f->owner);
	struct wresp r = get(f, owner, "/");

	assert_int_equal(r.status, 200);
	/* tb: the owner's own message, author and first line */
	assert_non_null(strstr(r.body, "Olivia Owner:</span> Only for Birch"));
	/* ta: the staff note is its last message, marked as internal */
	assert_non_null(strstr(r.body, "Internal note"));
	assert_non_null(strstr(r.body, "secret staff note"));
	/* ta has reminders running: the bell; and an unread count */
	assert_non_null(strstr(r.body, "class=\"badge\""));
	wresp_clear(&r);
	free(owner);
}

static void test_web_search_not_for_clients(void **state)
{
	struct wfx *f = *state;
	char *anna = wfx_login(f, LINK_CONTACT, f->anna);
	struct wresp r = get(f, anna, "/?q=secret");

	assert_int_equal(r.status, 200);
	assert_null(strstr(r.body, "role=\"search\""));
	assert_null(strstr(r.body, "secret staff note"));
	wresp_clear(&r);
	r = get(f, anna, "/accounts");
	assert_int_equal(r.status, 404);
	wresp_clear(&r);
	free(anna);
}

static void test_web_search_accounts_page(void **state)
{
	struct wfx *f = *state;
	char *owner = wfx_login(f, LINK_STAFF, f->owner);
	char *member = wfx_login(f, LINK_STAFF, f->member);
	char href[48];
	struct wresp r = get(f, owner, "/accounts");

	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "Birch &amp; Sons"));
	assert_non_null(strstr(r.body, "Acme &lt;img"));
	assert_null(strstr(r.body, "<img src=x"));
	assert_non_null(strstr(r.body, "1 open chat"));
	snprintf(href, sizeof(href), "href=\"/?account=%lld\"", (long long)f->acc_b);
	assert_non_null(strstr(r.body, href));
	wresp_clear(&r);
	r = get(f, member, "/accounts");
	assert_null(strstr(r.body, "Birch"));
	assert_non_null(strstr(r.body, "assigned to you"));
	wresp_clear(&r);
	/* the server-side filter hides what does not match */
	r = get(f, owner, "/accounts?q=birch");
	assert_non_null(strstr(r.body, "<li hidden><a class=\"tcard"));
	assert_int_equal(count(r.body, "<li hidden>"), 1);
	wresp_clear(&r);
	free(owner);
	free(member);
}

static int64_t thread_count(struct wfx *f)
{
	struct store_thread_filter tf = { .archived = STORE_ARCHIVED_ANY };
	struct store_thread_list l;
	char *err = NULL;
	int64_t n;

	WFX_CHECK(store_thread_list(f->s, &tf, &l, &err), err);
	n = (int64_t)l.count;
	store_thread_list_free(&l);
	return n;
}

/* The checkbox of account id in body: its label's attributes and the
 * input's state. */
static void picker_state(const char *body, int64_t id, int *hidden_r, int *checked_r)
{
	char needle[64];
	const char *p, *label;

	snprintf(needle, sizeof(needle), "name=\"account\" value=\"%lld\"", (long long)id);
	p = strstr(body, needle);
	assert_non_null(p);
	for (label = p; label > body && strncmp(label, "<label", 6) != 0; label--)
		;
	*hidden_r = strncmp(label, "<label class=\"check\" hidden>", 28) == 0;
	*checked_r = strncmp(p + strlen(needle), " checked", 8) == 0;
}

static void test_web_search_picker_without_js(void **state)
{
	struct wfx *f = *state;
	char *owner = wfx_login(f, LINK_STAFF, f->owner);
	char form[256];
	char *body = NULL;
	int hidden, checked;
	int64_t before = thread_count(f);

	/* filter: Acme ticked stays ticked (hidden), Birch shown, text kept */
	snprintf(form, sizeof(form), "account=%lld&pick=birch&pick_go=1&subject=Typed+subject"
		 "&body=Typed+%%3Cb%%3Etext%%3C%%2Fb%%3E", (long long)f->acc_a);
	assert_int_equal(wfx_post_csrf(f, owner, "/", "/new/pick", form, NULL, &body), 200);
	picker_state(body, f->acc_a, &hidden, &checked);
	assert_true(hidden && checked);
	picker_state(body, f->acc_b, &hidden, &checked);
	assert_true(!hidden && !checked);
	assert_non_null(strstr(body, "value=\"Typed subject\""));
	assert_non_null(strstr(body, "Typed &lt;b&gt;text&lt;/b&gt;</textarea>"));
	assert_non_null(strstr(body, "value=\"birch\""));
	assert_non_null(strstr(body, "1 of 2 clients shown, 1 selected."));
	assert_int_equal(thread_count(f), before);
	free(body);
	/* select all shown: Birch ticked too */
	snprintf(form, sizeof(form), "account=%lld&pick=birch&pick_all=1&subject=S&body=B",
		 (long long)f->acc_a);
	assert_int_equal(wfx_post_csrf(f, owner, "/", "/new/pick", form, NULL, &body), 200);
	picker_state(body, f->acc_b, &hidden, &checked);
	assert_true(!hidden && checked);
	assert_non_null(strstr(body, "1 of 2 clients shown, 2 selected."));
	free(body);
	assert_int_equal(thread_count(f), before);
	/* and the form as it came back creates both chats */
	snprintf(form, sizeof(form), "account=%lld&account=%lld&pick=birch&subject=S&body=B",
		 (long long)f->acc_a, (long long)f->acc_b);
	assert_int_equal(wfx_post_csrf(f, owner, "/", "/new", form, "/", NULL), 303);
	assert_int_equal(thread_count(f), before + 2);
	free(owner);
}

static void test_web_search_picker_needs_csrf_and_staff(void **state)
{
	struct wfx *f = *state;
	char *owner = wfx_login(f, LINK_STAFF, f->owner);
	char *anna = wfx_login(f, LINK_CONTACT, f->anna);
	struct wresp r;

	memset(&r, 0, sizeof(r));
	assert_int_equal(wfx_post(f, owner, "/new/pick", "pick=x", &r), 0);
	assert_int_equal(r.status, 403);
	wresp_clear(&r);
	assert_int_equal(wfx_post_csrf(f, anna, "/", "/new/pick", "pick=x", NULL, NULL), 404);
	free(owner);
	free(anna);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_web_search_snippets_escaped, wfx_setup,
						wfx_teardown),
		cmocka_unit_test_setup_teardown(test_web_search_literal_syntax, wfx_setup,
						wfx_teardown),
		cmocka_unit_test_setup_teardown(test_web_search_member_sees_only_assigned,
						wfx_setup, wfx_teardown),
		cmocka_unit_test_setup_teardown(test_web_search_filters, wfx_setup, wfx_teardown),
		cmocka_unit_test_setup_teardown(test_web_search_archived_found, wfx_setup,
						wfx_teardown),
		cmocka_unit_test_setup_teardown(test_web_search_rows_show_last_message, wfx_setup,
						wfx_teardown),
		cmocka_unit_test_setup_teardown(test_web_search_not_for_clients, wfx_setup,
						wfx_teardown),
		cmocka_unit_test_setup_teardown(test_web_search_accounts_page, wfx_setup,
						wfx_teardown),
		cmocka_unit_test_setup_teardown(test_web_search_picker_without_js, wfx_setup,
						wfx_teardown),
		cmocka_unit_test_setup_teardown(test_web_search_picker_needs_csrf_and_staff,
						wfx_setup, wfx_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
