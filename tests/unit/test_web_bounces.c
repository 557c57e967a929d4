/*
 * test_web_bounces.c - contacts whose address bounces, in the web view:
 * staff see "bouncing since DATE because REASON" (the remote server's
 * words, escaped) on the thread page, owners and admins get a notice on
 * their home page and clear the mark with a CSRF-checked POST; members of
 * the account see it but may not clear it, clients and staff of other
 * accounts cannot.
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
#include "clock.h"
#include "web_fixture.h"

#define HOSTILE "5.1.1 <script>alert('b')</script> user unknown"
#define ESCAPED "5.1.1 &lt;script&gt;alert(&#39;b&#39;)&lt;/script&gt; user unknown"

static int bouncing(struct wfx *f, int64_t id)
{
	struct store_contact k;
	char *err = NULL;
	int b;

	WFX_CHECK(store_contact_get(f->s, id, &k, &err), err);
	b = k.email_status == STORE_EMAIL_BOUNCING;
	store_contact_clear(&k);
	return b;
}

static void test_web_bounces_staff_see_and_clear(void **state)
{
	struct wfx *f = *state;
	char *owner = wfx_login(f, LINK_STAFF, f->owner);
	char *member = wfx_login(f, LINK_STAFF, f->member);
	char *other = wfx_login(f, LINK_STAFF, f->other);
	char *anna = wfx_login(f, LINK_CONTACT, f->anna);
	char *ta = xasprintf("/t/%lld", (long long)f->ta);
	char *clear = xasprintf("/c/%lld/clear-bounce", (long long)f->anna);
	char *action = xasprintf("action=\"/c/%lld/clear-bounce\"", (long long)f->anna);
	char *err = NULL, *csrf, form[300];
	struct wresp r;

	WFX_CHECK(store_contact_mark_bouncing(f->s, f->anna, HOSTILE, &err), err);

	/* The thread page: staff see why, escaped; owners and admins get the
	 * button, a member of the account does not. */
	assert_int_equal(wfx_http(f, "GET", ta, member, NULL, 0, &r), 0);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "bouncing since "));
	assert_non_null(strstr(r.body, " because " ESCAPED));
	assert_null(strstr(r.body, "<script>alert('b')"));
	assert_null(strstr(r.body, action));
	assert_non_null(strstr(r.body, "ann2@acme.example"));
	wresp_clear(&r);
	assert_int_equal(wfx_http(f, "GET", ta, owner, NULL, 0, &r), 0);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, " because " ESCAPED));
	assert_non_null(strstr(r.body, action));
	wresp_clear(&r);
	/* the client sees nothing of it */
	assert_int_equal(wfx_http(f, "GET", ta, anna, NULL, 0, &r), 0);
	assert_int_equal(r.status, 200);
	assert_null(strstr(r.body, "bouncing since"));
	assert_null(strstr(r.body, "clear-bounce"));
	wresp_clear(&r);

	/* Home: the owner's notice lists it; a member's home has none. */
	assert_int_equal(wfx_http(f, "GET", "/", owner, NULL, 0, &r), 0);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "1 contact gets no email"));
	assert_non_null(strstr(r.body, ESCAPED));
	assert_non_null(strstr(r.body, action));
	wresp_clear(&r);
	assert_int_equal(wfx_http(f, "GET", "/", member, NULL, 0, &r), 0);
	assert_null(strstr(r.body, "gets no email"));
	wresp_clear(&r);

	/* Refused: a client (403), staff of other accounts (404), no CSRF. */
	csrf = wfx_csrf(f, anna, ta);
	snprintf(form, sizeof(form), "csrf=%s", csrf);
	assert_int_equal(wfx_post(f, anna, clear, form, &r), 0);
	assert_int_equal(r.status, 403);
	wresp_clear(&r);
	free(csrf);
	csrf = wfx_csrf(f, other, "/");
	snprintf(form, sizeof(form), "csrf=%s", csrf);
	assert_int_equal(wfx_post(f, other, clear, form, &r), 0);
	assert_int_equal(r.status, 404);
	wresp_clear(&r);
	free(csrf);
	assert_int_equal(wfx_post(f, member, clear, "thread=1", &r), 0);
	assert_int_equal(r.status, 403);
	wresp_clear(&r);
	assert_true(bouncing(f, f->anna));

	/* The member of the account may not clear it (403, still bouncing);
	 * the owner does, back to the thread. */
	csrf = wfx_csrf(f, member, ta);
	snprintf(form, sizeof(form), "csrf=%s&thread=%lld", csrf, (long long)f->ta);
	assert_int_equal(wfx_post(f, member, clear, form, &r), 0);
	assert_int_equal(r.status, 403);
	wresp_clear(&r);
	free(csrf);
	assert_true(bouncing(f, f->anna));
	csrf = wfx_csrf(f, owner, ta);
	snprintf(form, sizeof(form), "csrf=%s&thread=%lld", csrf, (long long)f->ta);
	assert_int_equal(wfx_post(f, owner, clear, form, &r), 0);
	assert_int_equal(r.status, 303);
	{
		char *loc = wresp_header(&r, "Location");

		assert_non_null(loc);
		assert_string_equal(loc, ta);
		free(loc);
	}
	wresp_clear(&r);
	free(csrf);
	assert_false(bouncing(f, f->anna));
	assert_int_equal(wfx_http(f, "GET", ta, member, NULL, 0, &r), 0);
	assert_null(strstr(r.body, "bouncing since"));
	wresp_clear(&r);
	assert_int_equal(wfx_http(f, "GET", "/", owner, NULL, 0, &r), 0);
	assert_null(strstr(r.body, "gets no email"));
	wresp_clear(&r);

	free(owner);
	free(member);
	free(other);
	free(anna);
	free(ta);
	free(clear);
	free(action);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_web_bounces_staff_see_and_clear, wfx_setup,
						wfx_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
