/*
 * test_web_refs.c - a thread's external references in the web view: staff
 * see them escaped under the title and in the staff box, add and remove
 * them with CSRF-protected POSTs; a refused one comes back with the error
 * and the typed text; a client never sees them and cannot change them.
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

#define HOSTILE_LABEL "<script>x</script> & co"
#define HOSTILE_URL "https://pm.firm.example/j?q=\"><script>y</script>&a=1"

static size_t count_refs(struct wfx *f, int64_t thread)
{
	struct store_thread_ref *refs = NULL;
	char *err = NULL;
	size_t n = 0;

	WFX_CHECK(store_thread_refs(f->s, thread, &refs, &n, &err), err);
	store_thread_refs_free(refs, n);
	return n;
}

static int post_status(struct wfx *f, const char *cookie, const char *path, const char *form,
		       char **body_r)
{
	struct wresp r;
	int status;

	assert_int_equal(wfx_post(f, cookie, path, form, &r), 0);
	status = r.status;
	if (body_r != NULL)
		*body_r = xstrdup(r.body != NULL ? r.body : "");
	wresp_clear(&r);
	return status;
}

static void test_web_refs_staff_see_them_escaped_client_never(void **state)
{
	struct wfx *f = *state;
	char *anna = wfx_login(f, LINK_CONTACT, f->anna);
	char *member = wfx_login(f, LINK_STAFF, f->member);
	char *ta = xasprintf("/t/%lld", (long long)f->ta), *err = NULL;
	struct wresp r;

	WFX_CHECK(store_thread_ref_add(f->s, f->ta, 0, HOSTILE_LABEL, HOSTILE_URL, NULL, &err),
		  err);
	assert_int_equal(wfx_http(f, "GET", ta, member, NULL, 0, &r), 0);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "<ul class=\"refs\""));
	assert_non_null(strstr(r.body, "&lt;script&gt;x&lt;/script&gt; &amp; co</a>"));
	assert_non_null(strstr(r.body, "href=\"https://pm.firm.example/j?q=&quot;&gt;"
				       "&lt;script&gt;y&lt;/script&gt;&amp;a=1\""));
	assert_non_null(strstr(r.body, "rel=\"noopener noreferrer\""));
	assert_null(strstr(r.body, "<script>x"));
	assert_null(strstr(r.body, "<script>y"));
	assert_non_null(strstr(r.body, "action=\"/t/"));
	assert_non_null(strstr(r.body, "/link#links\""));
	wresp_clear(&r);

	/* The client's page: no trace, not even the box. */
	assert_int_equal(wfx_http(f, "GET", ta, anna, NULL, 0, &r), 0);
	assert_int_equal(r.status, 200);
	assert_null(strstr(r.body, "pm.firm.example"));
	assert_null(strstr(r.body, "co</a>"));
	assert_null(strstr(r.body, "id=\"links\""));
	assert_null(strstr(r.body, "class=\"refs\""));
	wresp_clear(&r);

	free(ta);
	free(anna);
	free(member);
}

static void test_web_refs_add_refused_and_removed(void **state)
{
	struct wfx *f = *state;
	char *anna = wfx_login(f, LINK_CONTACT, f->anna);
	char *member = wfx_login(f, LINK_STAFF, f->member);
	char *link = xasprintf("/t/%lld/link", (long long)f->ta);
	char *unlink = xasprintf("/t/%lld/unlink", (long long)f->ta);
	char *csrf = wfx_csrf(f, member, "/"), *form, *body = NULL, *err = NULL;
	struct wresp r;

	/* Without the CSRF token: refused, nothing written. */
	assert_int_equal(post_status(f, member, link, "label=Job&url=https%3A%2F%2Fa.example%2F",
				     NULL), 403);
	/* A client cannot add one, even with a good token. */
	char *ccsrf = wfx_csrf(f, anna, "/");
	form = xasprintf("csrf=%s&label=Job&url=https%%3A%%2F%%2Fa.example%%2F", ccsrf);
	assert_int_equal(post_status(f, anna, link, form, NULL), 403);
	free(form);
	assert_int_equal(count_refs(f, f->ta), 0);

	/* A javascript: URL: 400, the page again with the error beside the
	 * form and both fields as typed (escaped). */
	form = xasprintf("csrf=%s&label=%%3Cb%%3EJob%%3C%%2Fb%%3E&url=javascript%%3Aalert(1)", csrf);
	assert_int_equal(post_status(f, member, link, form, &body), 400);
	free(form);
	assert_non_null(strstr(body, "id=\"referror\">Address: must start with http:// or "
				     "https://</p>"));
	assert_non_null(strstr(body, "value=\"&lt;b&gt;Job&lt;/b&gt;\""));
	assert_non_null(strstr(body, "name=\"url\" maxlength=\"2048\" required placeholder="
				     "\"https://\" aria-invalid=\"true\" aria-describedby=\"referror\" "
				     "autofocus value=\"javascript:alert(1)\""));
	assert_null(strstr(body, "href=\"javascript"));
	free(body);
	/* An empty label: the label is the field in the wrong. */
	form = xasprintf("csrf=%s&label=+++&url=https%%3A%%2F%%2Fpm.firm.example%%2Fjobs%%2F1", csrf);
	assert_int_equal(post_status(f, member, link, form, &body), 400);
	free(form);
	assert_non_null(strstr(body, "Label: empty"));
	assert_non_null(strstr(body, "value=\"https://pm.firm.example/jobs/1\""));
	assert_non_null(strstr(body, "name=\"label\" maxlength=\"200\" required placeholder="));
	free(body);
	assert_int_equal(count_refs(f, f->ta), 0);

	/* A good one (blanks around it dropped): 303 back to the box. */
	form = xasprintf("csrf=%s&label=+Job+4711+&url=+https%%3A%%2F%%2Fpm.firm.example%%2Fjobs%%2F4711+",
			 csrf);
	assert_int_equal(wfx_post(f, member, link, form, &r), 0);
	free(form);
	assert_int_equal(r.status, 303);
	char *loc = wresp_header(&r, "Location");
	char *want = xasprintf("/t/%lld#links", (long long)f->ta);
	assert_string_equal(loc, want);
	free(loc);
	free(want);
	wresp_clear(&r);
	struct store_thread_ref *refs = NULL;
	size_t n = 0;
	WFX_CHECK(store_thread_refs(f->s, f->ta, &refs, &n, &err), err);
	assert_int_equal(n, 1);
	assert_string_equal(refs[0].label, "Job 4711");
	assert_string_equal(refs[0].url, "https://pm.firm.example/jobs/4711");
	int64_t ref = refs[0].id;
	store_thread_refs_free(refs, n);

	/* A member on a thread of an account not theirs: 404, like the page. */
	char *tb_link = xasprintf("/t/%lld/link", (long long)f->tb);
	form = xasprintf("csrf=%s&label=Job&url=https%%3A%%2F%%2Fa.example%%2F", csrf);
	assert_int_equal(post_status(f, member, tb_link, form, NULL), 404);
	free(form);
	free(tb_link);
	assert_int_equal(count_refs(f, f->tb), 0);

	/* Remove: not by the client; by staff once, then 404. */
	form = xasprintf("csrf=%s&ref=%lld", ccsrf, (long long)ref);
	assert_int_equal(post_status(f, anna, unlink, form, NULL), 403);
	free(form);
	form = xasprintf("csrf=%s&ref=%lld", csrf, (long long)ref);
	assert_int_equal(post_status(f, member, unlink, form, NULL), 303);
	assert_int_equal(post_status(f, member, unlink, form, NULL), 404);
	free(form);
	form = xasprintf("csrf=%s&ref=abc", csrf);
	assert_int_equal(post_status(f, member, unlink, form, NULL), 400);
	free(form);
	assert_int_equal(count_refs(f, f->ta), 0);

	free(ccsrf);
	free(csrf);
	free(link);
	free(unlink);
	free(anna);
	free(member);
}

/* A staff member's new chat may bring a link; a bad one refuses the chat
 * and shows the form again as it was sent. */
static void test_web_refs_with_a_new_chat(void **state)
{
	struct wfx *f = *state;
	char *member = wfx_login(f, LINK_STAFF, f->member);
	char *csrf = wfx_csrf(f, member, "/"), *form, *body = NULL, *loc, *err = NULL;
	struct store_thread_list all = { 0 };
	struct store_thread_filter any = { .archived = STORE_ARCHIVED_ANY };
	size_t before;
	struct wresp r;

	WFX_CHECK(store_thread_list(f->s, &any, &all, &err), err);
	before = all.count;
	store_thread_list_free(&all);

	form = xasprintf("csrf=%s&account=%lld&subject=Tax+2026&body=Hello&ref_label=Job+4711"
			 "&ref_url=javascript%%3Aalert(1)", csrf, (long long)f->acc_a);
	assert_int_equal(post_status(f, member, "/new", form, &body), 400);
	free(form);
	assert_non_null(strstr(body, "Link address: must start with http:// or https://"));
	assert_non_null(strstr(body, "name=\"ref_label\" maxlength=\"200\" value=\"Job 4711\""));
	assert_non_null(strstr(body, "value=\"javascript:alert(1)\""));
	assert_non_null(strstr(body, "value=\"Tax 2026\""));
	free(body);
	form = xasprintf("csrf=%s&account=%lld&subject=Tax+2026&body=Hello&ref_url="
			 "https%%3A%%2F%%2Fpm.firm.example%%2Fjobs%%2F4711", csrf, (long long)f->acc_a);
	assert_int_equal(post_status(f, member, "/new", form, &body), 400);
	free(form);
	assert_non_null(strstr(body, "Link label: empty"));
	free(body);
	WFX_CHECK(store_thread_list(f->s, &any, &all, &err), err);
	assert_int_equal(all.count, before);
	store_thread_list_free(&all);

	form = xasprintf("csrf=%s&account=%lld&subject=Tax+2026&body=Hello&ref_label=Job+4711"
			 "&ref_url=https%%3A%%2F%%2Fpm.firm.example%%2Fjobs%%2F4711", csrf,
			 (long long)f->acc_a);
	assert_int_equal(wfx_post(f, member, "/new", form, &r), 0);
	free(form);
	assert_int_equal(r.status, 303);
	loc = wresp_header(&r, "Location");
	wresp_clear(&r);
	int64_t thread = strtoll(loc + 3, NULL, 10);
	free(loc);
	struct store_thread_ref *refs = NULL;
	size_t n = 0;
	WFX_CHECK(store_thread_refs(f->s, thread, &refs, &n, &err), err);
	assert_int_equal(n, 1);
	assert_string_equal(refs[0].label, "Job 4711");
	assert_string_equal(refs[0].url, "https://pm.firm.example/jobs/4711");
	store_thread_refs_free(refs, n);
	/* Without a link, a chat has none. */
	form = xasprintf("csrf=%s&account=%lld&subject=Plain&body=Hello&ref_label=&ref_url=", csrf,
			 (long long)f->acc_a);
	assert_int_equal(wfx_post(f, member, "/new", form, &r), 0);
	free(form);
	assert_int_equal(r.status, 303);
	loc = wresp_header(&r, "Location");
	wresp_clear(&r);
	assert_int_equal(count_refs(f, strtoll(loc + 3, NULL, 10)), 0);
	free(loc);
	free(csrf);
	free(member);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_web_refs_staff_see_them_escaped_client_never,
						wfx_setup, wfx_teardown),
		cmocka_unit_test_setup_teardown(test_web_refs_add_refused_and_removed,
						wfx_setup, wfx_teardown),
		cmocka_unit_test_setup_teardown(test_web_refs_with_a_new_chat,
						wfx_setup, wfx_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
