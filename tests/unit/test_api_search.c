/*
 * test_api_search.c - the staff's search through the JSON API
 * (GET /api/v1/search) and `gatewayctl search`: snippets plain and as
 * escaped HTML with only <mark>, FTS5 syntax taken as text, what a staff
 * member sees (an account not seen is the 404 of one that does not
 * exist), internal notes, and bad input refused with the field named.
 *
 * The seed: Acme Bakery Ltd with Anna and Ben Baker, Max Member assigned
 * to Acme and author of the thread ("... the **bank statements**.");
 * Birch & Sons with Clara Birch.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "test_api_util.h"

static int64_t birch_thread(struct tfx *t, const char *body)
{
	struct store_chat_new chat = { .account_ids = &t->birch, .n_accounts = 1,
				       .staff_id = t->owner, .subject = "Birch <b>payroll</b>",
				       .body = body };
	int64_t id = 0;
	char *e = NULL;

	if (store_chat_create(t->s, &chat, &id, &e) != GW_OK)
		fail_msg("birch thread: %s", e);
	return id;
}

static size_t results(json_t *j)
{
	return json_array_size(jget(j, "results"));
}

static void test_api_search_snippets(void **state)
{
	struct tfx *t = *state;
	json_t *j = call(t, "GET", "/api/v1/search?q=statements", NULL, 200);
	json_t *hit;

	assert_int_equal(results(j), 1);
	hit = json_array_get(jget(j, "results"), 0);
	assert_int_equal(jint(jget(hit, "thread"), "id"), t->thread);
	assert_string_equal(jstr(hit, "matched"), "message");
	assert_non_null(strstr(jstr(hit, "snippet_html"), "<mark>statements</mark>"));
	assert_non_null(strstr(jstr(hit, "snippet"), "bank statements"));
	assert_null(strchr(jstr(hit, "snippet"), '\x01'));
	assert_string_equal(jstr(hit, "snippet_visibility"), "client");
	/* the last message: the note that reminders are on */
	assert_string_equal(jstr(jget(hit, "last_message"), "author_kind"), "system");
	assert_true(json_is_null(jget(hit, "subject_html")));
	json_decref(j);

	/* markup people wrote is escaped in the HTML form */
	(void)birch_thread(t, "Salaries <script>x()</script> due");
	j = call(t, "GET", "/api/v1/search?q=payroll", NULL, 200);
	assert_int_equal(results(j), 1);
	hit = json_array_get(jget(j, "results"), 0);
	assert_string_equal(jstr(hit, "subject_html"),
			    "Birch &lt;b&gt;<mark>payroll</mark>&lt;/b&gt;");
	json_decref(j);
	j = call(t, "GET", "/api/v1/search?q=salaries", NULL, 200);
	hit = json_array_get(jget(j, "results"), 0);
	assert_null(strstr(jstr(hit, "snippet_html"), "<script>"));
	assert_non_null(strstr(jstr(hit, "snippet_html"), "&lt;script&gt;"));
	json_decref(j);
}

static void test_api_search_literal_syntax(void **state)
{
	static const char *const queries[] = {
		"%22", "*", "-", "NEAR", "NEAR(bank%20x)", "a%20AND", "OR", "NOT%20x", "(", ")",
		"%3A", "body%3Abank", "bank*", "%22bank%20statements%22", "-bank", "%5E", "%7B",
	};
	struct tfx *t = *state;

	for (size_t i = 0; i < sizeof(queries) / sizeof(queries[0]); i++) {
		char *path = fmt("/api/v1/search?q=%s", queries[i]);
		struct resp r = req(t, "GET", path, NULL, NULL);

		if (r.status != 200)
			fail_msg("case %zu: %s: status %d: %s", i, queries[i], r.status, r.body);
		resp_free(&r);
		free(path);
	}
	json_t *j = call(t, "GET", "/api/v1/search?q=%22bank%20statements%22", NULL, 200);
	assert_int_equal(results(j), 1);
	json_decref(j);
}

static void test_api_search_visibility(void **state)
{
	struct tfx *t = *state;
	int64_t tb = birch_thread(t, "Only for Birch");
	char *path = fmt("/api/v1/search?q=birch&staff=%lld", (long long)t->member);
	json_t *j = call(t, "GET", path, NULL, 200);

	assert_int_equal(results(j), 0);
	json_decref(j);
	free(path);
	path = fmt("/api/v1/search?q=birch&staff=%lld", (long long)t->owner);
	j = call(t, "GET", path, NULL, 200);
	assert_int_equal(results(j), 1);
	assert_int_equal(jint(jget(json_array_get(jget(j, "results"), 0), "thread"), "id"), tb);
	json_decref(j);
	free(path);
	/* the firm sees everything */
	j = call(t, "GET", "/api/v1/search?q=clara", NULL, 200);
	assert_int_equal(results(j), 1);
	assert_string_equal(jstr(json_array_get(jget(j, "results"), 0), "matched"), "contact");
	json_decref(j);
	/* not seen = does not exist */
	path = fmt("/api/v1/search?staff=%lld&account=%lld", (long long)t->member,
		   (long long)t->birch);
	call_error(t, "GET", path, NULL, 404, "not_found", "account", "no such account");
	free(path);
	path = fmt("/api/v1/search?staff=%lld&account=987654", (long long)t->member);
	call_error(t, "GET", path, NULL, 404, "not_found", "account", "no such account");
	free(path);
	/* filters without a query list threads */
	path = fmt("/api/v1/search?staff=%lld&assigned=true", (long long)t->member);
	j = call(t, "GET", path, NULL, 200);
	assert_int_equal(results(j), 1);
	json_decref(j);
	free(path);
}

static void test_api_search_internal_notes(void **state)
{
	struct tfx *t = *state;
	struct store_post p = { .thread_id = t->thread, .author_kind = STORE_STAFF,
				.author_id = t->owner, .body = "Call the bank about the walrus",
				.internal = 1 };
	char *e = NULL, *path;
	json_t *j;

	if (store_message_send(t->s, &p, NULL, NULL, &e) != GW_OK)
		fail_msg("note: %s", e);
	path = fmt("/api/v1/search?q=walrus&staff=%lld", (long long)t->member);
	j = call(t, "GET", path, NULL, 200);
	assert_int_equal(results(j), 1);
	assert_string_equal(jstr(json_array_get(jget(j, "results"), 0), "snippet_visibility"),
			    "staff");
	json_decref(j);
	free(path);
}

static void test_api_search_bad_input(void **state)
{
	struct tfx *t = *state;
	char q[260];
	char *path;

	call_error(t, "GET", "/api/v1/search?unread=true", NULL, 400, "invalid_parameter",
		   "unread", "needs a staff member");
	call_error(t, "GET", "/api/v1/search?q=x&sort=new", NULL, 400, "unknown_parameter",
		   "sort", NULL);
	call_error(t, "GET", "/api/v1/search?archived=maybe", NULL, 400, "invalid_parameter",
		   "archived", NULL);
	call_error(t, "GET", "/api/v1/search?limit=0", NULL, 400, "invalid_parameter", "limit",
		   NULL);
	call_error(t, "GET", "/api/v1/search?staff=999", NULL, 404, "not_found", "staff", NULL);
	memset(q, 'a', 250);
	q[250] = '\0';
	path = fmt("/api/v1/search?q=%s", q);
	call_error(t, "GET", path, NULL, 400, "invalid_parameter", "q", "longer than");
	free(path);
}

static void test_api_search_gatewayctl(void **state)
{
	struct tfx *t = *state;
	char *member = fmt("%lld", (long long)t->member);
	const char *text[] = { "search", "bank", "statements", NULL };
	const char *json[] = { "--json", "search", "\"bank", "*", "-", ":", "(statements)", NULL };
	const char *hidden[] = { "search", "birch", "--staff", member, NULL };
	const char *unread[] = { "search", "x", "--unread", NULL };
	const char *no_account[] = { "search", "x", "--account", "987654", NULL };
	const char *bad_archived[] = { "search", "x", "--archived", "sideways", NULL };
	char *out = NULL;
	json_t *j;

	(void)birch_thread(t, "Only for Birch");
	assert_int_equal(run_ctl(t, &out, text), 0);
	assert_non_null(strstr(out, "[bank] [statements]"));
	assert_non_null(strstr(out, "Acme Bakery Ltd"));
	free(out);
	assert_int_equal(run_ctl(t, &out, json), 0);
	j = json_loads(out, 0, NULL);
	assert_non_null(j);
	assert_int_equal(json_array_size(j), 1);
	assert_non_null(strstr(jstr(json_array_get(j, 0), "snippet_html"), "<mark>bank</mark>"));
	json_decref(j);
	free(out);
	assert_int_equal(run_ctl(t, &out, hidden), 0);
	assert_null(strstr(out, "Birch"));
	free(out);
	assert_int_equal(run_ctl(t, NULL, unread), 64);
	assert_int_equal(run_ctl(t, NULL, no_account), 65);
	assert_int_equal(run_ctl(t, NULL, bad_archived), 64);
	free(member);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, tfx_setup, tfx_teardown)
	const struct CMUnitTest tests[] = {
		T(test_api_search_snippets),
		T(test_api_search_literal_syntax),
		T(test_api_search_visibility),
		T(test_api_search_internal_notes),
		T(test_api_search_bad_input),
		T(test_api_search_gatewayctl),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
