/*
 * test_web_i18n.c - the web view in each reader's language and zone: the
 * thread page, its system notes and dates, the cached page of one reader
 * never given in another language, and /me/language.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "i18n.h"
#include "web_fixture.h"

static int setup(void **state)
{
	char *err = NULL;

	if (i18n_init(&err) < 0)
		fail_msg("i18n_init: %s", err);
	i18n_defaults("en", "UTC");
	return wfx_setup(state);
}

static char *thread_path(int64_t id)
{
	char *p = malloc(32);

	snprintf(p, 32, "/t/%lld", (long long)id);
	return p;
}

static void has(const struct wresp *r, const char *want)
{
	if (strstr(r->body, want) == NULL)
		fail_msg("page lacks \"%s\"", want);
}

static void lacks(const struct wresp *r, const char *unwanted)
{
	if (strstr(r->body, unwanted) != NULL)
		fail_msg("page has \"%s\"", unwanted);
}

/* A French client reads the page in French, dates in Paris time (named:
 * not the firm's zone); staff on the same thread read English. */
static void test_web_i18n_thread_page_per_reader(void **state)
{
	struct wfx *f = *state;
	char *ta = thread_path(f->ta), *err = NULL;
	char *anna, *member, *owner;
	struct wresp r;

	WFX_CHECK(store_contact_set_locale(f->s, f->anna, "fr", "Europe/Paris", &err), err);
	anna = wfx_login(f, LINK_CONTACT, f->anna);
	member = wfx_login(f, LINK_STAFF, f->member);
	assert_int_equal(wfx_http(f, "GET", ta, anna, NULL, 0, &r), 0);
	assert_int_equal(r.status, 200);
	has(&r, "<html lang=\"fr\">");
	has(&r, "Vos tâches");
	has(&r, "Toutes les discussions");
	has(&r, "2 rappels restants, tous les 3 jours, prochain le 28 nov. 2026");
	/* the reminder banner's stop rule, in the client's words, in French */
	has(&r, "Les rappels s\xe2\x80\x99" "arrêtent quand vous répondez, ou quand toutes vos "
		"tâches sont faites et que tous les messages sont lus.");
	has(&r, "Reste à faire : 2 tâches à faire");
	lacks(&r, "Reminders stop");
	/* the reminders note is for staff only: the client sees it in no language */
	lacks(&r, "Les rappels sont activés");
	lacks(&r, "Reminders are on");
	/* 09:30 UTC is 10:30 in Paris, and the zone is named */
	has(&r, "25 nov. 2026, 10:30 UTC+1</time>");
	has(&r, "datetime=\"2026-11-25T09:30:00Z\"");
	/* what staff wrote is not translated (the seed's markup, escaped) */
	lacks(&r, "Your tasks");
	wresp_clear(&r);

	assert_int_equal(wfx_http(f, "GET", ta, member, NULL, 0, &r), 0);
	has(&r, "<html lang=\"en\">");
	has(&r, "Reminders are on");
	has(&r, "Nov 25, 2026, 9:30\xe2\x80\xaf" "AM</time>");
	lacks(&r, "Les rappels");
	wresp_clear(&r);

	/* a French staff reader reads the same note in French */
	WFX_CHECK(store_staff_set_locale(f->s, f->owner, "fr", NULL, &err), err);
	owner = wfx_login(f, LINK_STAFF, f->owner);
	assert_int_equal(wfx_http(f, "GET", ta, owner, NULL, 0, &r), 0);
	has(&r, "<html lang=\"fr\">");
	has(&r, "Les rappels sont activés : si le client ne répond pas, jusqu\xe2\x80\x99"
		"à 2 rappels lui seront envoyés par e-mail.");
	lacks(&r, "Reminders are on");
	wresp_clear(&r);
	free(owner);
	free(anna);
	free(member);
	free(ta);
}

/* The cached page of a reader goes stale when they change language: the
 * same reader never gets the page of their old language. */
static void test_web_i18n_cache_follows_language(void **state)
{
	struct wfx *f = *state;
	char *ta = thread_path(f->ta);
	char *anna = wfx_login(f, LINK_CONTACT, f->anna);
	char *body = NULL;
	struct wresp r;

	for (int i = 0; i < 2; i++) {   /* the second from the cache */
		assert_int_equal(wfx_http(f, "GET", ta, anna, NULL, 0, &r), 0);
		has(&r, "Your tasks");
		wresp_clear(&r);
	}
	assert_int_equal(wfx_post_csrf(f, anna, "/me/language", "/me/language",
				       "language=fr&timezone=", "/me/language?saved=1", NULL),
			 303);
	assert_int_equal(wfx_http(f, "GET", "/me/language?saved=1", anna, NULL, 0, &r), 0);
	has(&r, "Enregistré.");
	has(&r, "<option value=\"fr\" selected lang=\"fr\">Français</option>");
	wresp_clear(&r);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(wfx_http(f, "GET", ta, anna, NULL, 0, &r), 0);
		has(&r, "Vos tâches");
		lacks(&r, "Your tasks");
		wresp_clear(&r);
	}
	/* back to the firm's language ("" in the form) */
	assert_int_equal(wfx_post_csrf(f, anna, "/me/language", "/me/language",
				       "language=&timezone=", "/me/language?saved=1", &body),
			 303);
	free(body);
	assert_int_equal(wfx_http(f, "GET", ta, anna, NULL, 0, &r), 0);
	has(&r, "Your tasks");
	wresp_clear(&r);
	free(anna);
	free(ta);
}

/* A zone that is none: refused in the reader's language, nothing saved,
 * the typed text shown again; the store keeps what it had. */
static void test_web_i18n_language_page_refuses(void **state)
{
	struct wfx *f = *state;
	char *anna, *body = NULL, *err = NULL;
	struct store_contact k;

	WFX_CHECK(store_contact_set_locale(f->s, f->anna, "fr", NULL, &err), err);
	anna = wfx_login(f, LINK_CONTACT, f->anna);
	assert_int_equal(wfx_post_csrf(f, anna, "/me/language", "/me/language",
				       "language=fr&timezone=Mars%2FOlympus", NULL, &body),
			 400);
	if (strstr(body, "« Mars/Olympus » n’est pas un fuseau horaire") == NULL ||
	    strstr(body, "value=\"Mars/Olympus\"") == NULL)
		fail_msg("refusal page: %s", body);
	free(body);
	body = NULL;
	assert_int_equal(wfx_post_csrf(f, anna, "/me/language", "/me/language",
				       "language=xx&timezone=UTC", NULL, &body), 400);
	free(body);
	WFX_CHECK(store_contact_get(f->s, f->anna, &k, &err), err);
	assert_string_equal(k.language, "fr");
	assert_null(k.timezone);
	store_contact_clear(&k);
	/* staff change theirs on the same page; it is audited */
	free(anna);
	anna = wfx_login(f, LINK_STAFF, f->owner);
	assert_int_equal(wfx_post_csrf(f, anna, "/me/language", "/me/language",
				       "language=fr&timezone=America%2FMontreal",
				       "/me/language?saved=1", NULL), 303);
	{
		struct store_staff st;

		WFX_CHECK(store_staff_get(f->s, f->owner, &st, &err), err);
		assert_string_equal(st.language, "fr");
		assert_string_equal(st.timezone, "America/Montreal");
		store_staff_clear(&st);
	}
	free(anna);
}

/* A refusal from the store reaches a French member in French, what they
 * typed kept as they typed it. */
static void test_web_i18n_store_refusal_in_reader_language(void **state)
{
	struct wfx *f = *state;
	char *ta = thread_path(f->ta), *member, *body = NULL, *err = NULL;
	char path[48];

	WFX_CHECK(store_staff_set_locale(f->s, f->member, "fr", NULL, &err), err);
	member = wfx_login(f, LINK_STAFF, f->member);
	snprintf(path, sizeof(path), "%s/reply", ta);
	assert_int_equal(wfx_post_csrf(f, member, ta, path, "body=%40Nobody+bonjour", NULL, &body),
			 400);
	if (strstr(body, "@Nobody : aucun collègue ne porte ce nom") == NULL ||
	    strstr(body, "@Nobody bonjour</textarea>") == NULL)
		fail_msg("refusal page: %s", body);
	free(body);
	free(member);
	free(ta);
}

/* The store refuses languages without a catalog and zones that are none. */
static void test_web_i18n_store_checks(void **state)
{
	struct wfx *f = *state;
	char *err = NULL;

	assert_int_equal(store_contact_set_locale(f->s, f->anna, "de", NULL, &err), GW_INVALID);
	assert_non_null(strstr(err, "language \"de\""));
	free(err);
	err = NULL;
	assert_int_equal(store_staff_set_locale(f->s, f->owner, NULL, "Europe/Pariss", &err),
			 GW_INVALID);
	assert_non_null(strstr(err, "timezone \"Europe/Pariss\""));
	free(err);
	err = NULL;
	assert_int_equal(store_contact_set_locale(f->s, 999999, "fr", NULL, &err), GW_NOTFOUND);
	free(err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_web_i18n_thread_page_per_reader, setup,
						wfx_teardown),
		cmocka_unit_test_setup_teardown(test_web_i18n_cache_follows_language, setup,
						wfx_teardown),
		cmocka_unit_test_setup_teardown(test_web_i18n_language_page_refuses, setup,
						wfx_teardown),
		cmocka_unit_test_setup_teardown(test_web_i18n_store_refusal_in_reader_language, setup,
						wfx_teardown),
		cmocka_unit_test_setup_teardown(test_web_i18n_store_checks, setup, wfx_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
