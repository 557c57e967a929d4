/*
 * test_web_contacts.c - staff change a contact's address and remove a
 * contact from the thread page's staff box: the forms are there for staff
 * only, everything in them escaped; both POSTs are CSRF-checked, refused
 * to clients (403) and to staff of other accounts (404); removing needs
 * the "yes, remove" box ticked, keeps the history and shows the contact
 * as removed, without forms.
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

#define HOSTILE_NAME "Eve <img src=x onerror=alert(1)> \"Q\""
#define ESCAPED_NAME "Eve &lt;img src=x onerror=alert(1)&gt; &quot;Q&quot;"

static void contact(struct wfx *f, int64_t id, struct store_contact *k)
{
	char *err = NULL;

	WFX_CHECK(store_contact_get(f->s, id, k, &err), err);
}

/* POST form (with a fresh csrf from the thread page) as cookie; returns
 * the status and checks a 303's Location when want_location is given. */
static int post(struct wfx *f, const char *cookie, const char *csrf_page, const char *path,
		const char *form, const char *want_location)
{
	return wfx_post_csrf(f, cookie, csrf_page, path, form, want_location, NULL);
}

static void test_web_contacts_forms_for_staff_only_escaped(void **state)
{
	struct wfx *f = *state;
	char *member = wfx_login(f, LINK_STAFF, f->member);
	char *anna = wfx_login(f, LINK_CONTACT, f->anna);
	char *ta = xasprintf("/t/%lld", (long long)f->ta);
	char *err = NULL, *remove_action;
	int64_t eve = 0;
	struct wresp r;

	WFX_CHECK(store_contact_add(f->s, f->acc_a, HOSTILE_NAME, "eve@acme.example", &eve, &err),
		  err);
	remove_action = xasprintf("action=\"/c/%lld/remove\"", (long long)eve);

	assert_int_equal(wfx_http(f, "GET", ta, member, NULL, 0, &r), 0);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, remove_action));
	assert_non_null(strstr(r.body, "yes, remove " ESCAPED_NAME "</label>"));
	assert_non_null(strstr(r.body, "value=\"eve@acme.example\""));
	assert_null(strstr(r.body, "<img src=x"));
	assert_non_null(strstr(r.body, "name=\"confirm\" value=\"yes\" required"));
	wresp_clear(&r);
	/* the client sees no such form */
	assert_int_equal(wfx_http(f, "GET", ta, anna, NULL, 0, &r), 0);
	assert_int_equal(r.status, 200);
	assert_null(strstr(r.body, "contact-edit"));
	assert_null(strstr(r.body, "/remove\""));
	wresp_clear(&r);

	free(remove_action);
	free(member);
	free(anna);
	free(ta);
}

static void test_web_contacts_refused_to_clients_and_other_staff(void **state)
{
	struct wfx *f = *state;
	char *member = wfx_login(f, LINK_STAFF, f->member);
	char *other = wfx_login(f, LINK_STAFF, f->other);
	char *anna = wfx_login(f, LINK_CONTACT, f->anna);
	char *ta = xasprintf("/t/%lld", (long long)f->ta);
	char *remove = xasprintf("/c/%lld/remove", (long long)f->ann2);
	char *email = xasprintf("/c/%lld/email", (long long)f->ann2);
	struct store_contact k;
	struct wresp r;

	assert_int_equal(post(f, anna, ta, remove, "confirm=yes", NULL), 403);
	assert_int_equal(post(f, anna, ta, email, "email=x%40evil.example", NULL), 403);
	assert_int_equal(post(f, other, "/", remove, "confirm=yes", NULL), 404);
	assert_int_equal(post(f, other, "/", email, "email=x%40evil.example", NULL), 404);
	/* no CSRF token */
	assert_int_equal(wfx_post(f, member, remove, "confirm=yes", &r), 0);
	assert_int_equal(r.status, 403);
	wresp_clear(&r);
	/* the box not ticked: nothing removed */
	assert_int_equal(post(f, member, ta, remove, "thread=1", NULL), 400);
	/* an unknown contact */
	assert_int_equal(post(f, member, ta, "/c/999/remove", "confirm=yes", NULL), 404);

	contact(f, f->ann2, &k);
	assert_int_equal(k.removed_at, 0);
	assert_string_equal(k.email, "ann2@acme.example");
	store_contact_clear(&k);

	free(member);
	free(other);
	free(anna);
	free(ta);
	free(remove);
	free(email);
}

static void test_web_contacts_staff_change_address_and_remove(void **state)
{
	struct wfx *f = *state;
	char *member = wfx_login(f, LINK_STAFF, f->member);
	char *owner = wfx_login(f, LINK_STAFF, f->owner);
	char *ta = xasprintf("/t/%lld", (long long)f->ta);
	char *tb = xasprintf("/t/%lld", (long long)f->tb);
	char *email = xasprintf("/c/%lld/email", (long long)f->anna);
	char *remove = xasprintf("/c/%lld/remove", (long long)f->ann2);
	char *remove_bob = xasprintf("/c/%lld/remove", (long long)f->bob);
	char *form = xasprintf("thread=%lld&email=anna.new%%40acme.example", (long long)f->ta);
	char *confirm = xasprintf("thread=%lld&confirm=yes", (long long)f->ta);
	char *ann2_forms = xasprintf("action=\"/c/%lld/email\"", (long long)f->ann2);
	struct store_contact k;
	uint32_t gen;
	struct wresp r;

	/* A new address: saved, the old links revoked, back to the thread. */
	contact(f, f->anna, &k);
	gen = k.generation;
	store_contact_clear(&k);
	assert_int_equal(post(f, member, ta, email, form, ta), 303);
	contact(f, f->anna, &k);
	assert_string_equal(k.email, "anna.new@acme.example");
	assert_int_equal(k.generation, gen + 1);
	store_contact_clear(&k);
	/* a bad address is refused with the reason */
	assert_int_equal(post(f, member, ta, email, "email=not+an+address", NULL), 400);

	/* Remove: ticked, done, history kept, shown as removed without forms. */
	assert_int_equal(post(f, member, ta, remove, confirm, ta), 303);
	contact(f, f->ann2, &k);
	assert_int_equal(k.removed_at, f->now);
	assert_false(k.notify);
	store_contact_clear(&k);
	assert_int_equal(wfx_http(f, "GET", ta, member, NULL, 0, &r), 0);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "ann2@acme.example"));
	assert_non_null(strstr(r.body, "<span class=\"tag removed\">removed "));
	assert_null(strstr(r.body, ann2_forms));
	wresp_clear(&r);
	/* twice is fine; the address of a removed contact does not change */
	assert_int_equal(post(f, member, ta, remove, confirm, ta), 303);
	free(email);
	email = xasprintf("/c/%lld/email", (long long)f->ann2);
	assert_int_equal(post(f, member, ta, email, "email=ann2.new%40acme.example", NULL), 400);
	contact(f, f->ann2, &k);
	assert_string_equal(k.email, "ann2@acme.example");
	store_contact_clear(&k);

	/* The owner sees every account; without a thread, back home. */
	assert_int_equal(post(f, owner, tb, remove_bob, "confirm=yes", "/"), 303);
	contact(f, f->bob, &k);
	assert_true(k.removed_at != 0);
	store_contact_clear(&k);

	free(member);
	free(owner);
	free(ta);
	free(tb);
	free(email);
	free(remove);
	free(remove_bob);
	free(form);
	free(confirm);
	free(ann2_forms);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, wfx_setup, wfx_teardown)
	const struct CMUnitTest tests[] = {
		T(test_web_contacts_forms_for_staff_only_escaped),
		T(test_web_contacts_refused_to_clients_and_other_staff),
		T(test_web_contacts_staff_change_address_and_remove),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
