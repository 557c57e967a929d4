/*
 * test_web_templates.c - the words of the web view around new chats:
 * contact shortcodes read per reader (each contact their own name, staff a
 * marked placeholder), an unknown shortcode refused with the text kept, the
 * shortcode list under the fields, bulk chats without a subject, templates
 * that fill the new-chat form without JavaScript, and the Templates page
 * (owners and admins; audited as "template").
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "buf.h"
#include "web_fixture.h"

static int64_t db_int(struct wfx *f, const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	int64_t n;

	assert_int_equal(sqlite3_open_v2(f->db_path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return n;
}

static char *get_page(struct wfx *f, const char *cookie, const char *path, int want)
{
	struct wresp r;
	char *body;

	assert_int_equal(wfx_http(f, "GET", path, cookie, NULL, 0, &r), 0);
	if (r.status != want)
		fail_msg("GET %s: %d, want %d", path, r.status, want);
	body = xstrdup(r.body != NULL ? r.body : "");
	wresp_clear(&r);
	return body;
}

static void test_web_templates_names_per_reader(void **state)
{
	struct wfx *f = *state;
	char *anna = wfx_login(f, LINK_CONTACT, f->anna);
	char *ann2 = wfx_login(f, LINK_CONTACT, f->ann2);
	char *owner = wfx_login(f, LINK_STAFF, f->owner);
	char *err = NULL, *page, path[32];
	int64_t tid;
	struct store_chat_new c = {
		.account_ids = &f->acc_a, .n_accounts = 1, .staff_id = f->owner,
		.subject = "Signatures", .body = "Dear [CONTACT_FIRST_NAME], please sign.",
	};

	WFX_CHECK(store_chat_create(f->s, &c, &tid, &err), err);
	snprintf(path, sizeof(path), "/t/%lld", (long long)tid);
	/* Each contact reads their own name, twice (the caches). */
	for (int round = 0; round < 2; round++) {
		page = get_page(f, anna, path, 200);
		assert_non_null(strstr(page, "Dear Anna, please sign."));
		assert_null(strstr(page, "Dear Ann, please"));
		assert_null(strstr(page, "CONTACT_FIRST_NAME"));
		free(page);
		page = get_page(f, ann2, path, 200);
		assert_non_null(strstr(page, "Dear Ann, please sign."));
		assert_null(strstr(page, "Anna"));
		free(page);
		/* Staff see the placeholder, marked. */
		page = get_page(f, owner, path, 200);
		assert_non_null(strstr(page, "Dear <span class=\"chip\" title=\"[CONTACT_FIRST_NAME]\">"
					     "Contact&#39;s first name</span>, please sign."));
		free(page);
	}
	free(anna);
	free(ann2);
	free(owner);
}

static void test_web_templates_new_chat_words(void **state)
{
	struct wfx *f = *state;
	char *owner = wfx_login(f, LINK_STAFF, f->owner);
	char *csrf = wfx_csrf(f, owner, "/"), form[600];
	int64_t before = db_int(f, "SELECT count(*) FROM threads");
	struct wresp r;

	/* The shortcode list is under the fields; contact codes under the
	 * message only. */
	char *page = get_page(f, owner, "/", 200);
	assert_non_null(strstr(page, "Add shortcode"));
	assert_non_null(strstr(page, "data-code=\"[CONTACT_FIRST_NAME]\" data-target=\"body\""));
	assert_null(strstr(page, "data-code=\"[CONTACT_FIRST_NAME]\" data-target=\"subject\""));
	assert_non_null(strstr(page, "data-code=\"[ACCOUNT_NAME]\" data-target=\"subject\""));
	free(page);

	/* An unknown shortcode: refused, nothing sent, the text kept. */
	snprintf(form, sizeof(form), "csrf=%s&account=%lld&subject=S&body=Dear+%%5BCLIENT_NAME%%5D"
				     "+keep+this", csrf, (long long)f->acc_a);
	assert_int_equal(wfx_post(f, owner, "/new", form, &r), 0);
	assert_int_equal(r.status, 400);
	assert_non_null(strstr(r.body, "unknown shortcode [CLIENT_NAME]"));
	assert_non_null(strstr(r.body, "Dear [CLIENT_NAME] keep this</textarea>"));
	wresp_clear(&r);
	assert_int_equal(db_int(f, "SELECT count(*) FROM threads"), before);

	/* Bulk without a subject: the first line, per account. */
	snprintf(form, sizeof(form), "csrf=%s&account=%lld&account=%lld&subject="
				     "&body=%%23+Please+upload+the+**bank+statements**%%0D%%0AThanks",
		 csrf, (long long)f->acc_a, (long long)f->acc_b);
	assert_int_equal(wfx_post(f, owner, "/new", form, &r), 0);
	assert_int_equal(r.status, 303);
	wresp_clear(&r);
	assert_int_equal(db_int(f, "SELECT count(*) FROM threads WHERE subject ="
				   " 'Please upload the bank statements'"), 2);
	free(csrf);
	free(owner);
}

/* Without JavaScript, "Use template" shows the form again, filled. */
static void test_web_templates_use_without_js(void **state)
{
	struct wfx *f = *state;
	char *owner = wfx_login(f, LINK_STAFF, f->owner);
	char *csrf = wfx_csrf(f, owner, "/"), form[600], *err = NULL;
	int64_t before = db_int(f, "SELECT count(*) FROM threads");
	struct wresp r;

	WFX_CHECK(store_template_save(f->s, "yearend", "Year-end for [ACCOUNT_NAME]",
				      "Dear [CONTACT_FIRST_NAME], the <list>.",
				      "Upload statements\nSign the letter", &err), err);
	snprintf(form, sizeof(form), "csrf=%s&account=%lld&template=yearend&use_template=1"
				     "&subject=&body=&tasks=", csrf, (long long)f->acc_a);
	assert_int_equal(wfx_post(f, owner, "/new", form, &r), 0);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "id=\"subject\" maxlength=\"200\" value=\"Year-end for "
				       "[ACCOUNT_NAME]\""));
	assert_non_null(strstr(r.body, ">Dear [CONTACT_FIRST_NAME], the &lt;list&gt;.</textarea>"));
	assert_non_null(strstr(r.body, ">Upload statements\nSign the letter</textarea>"));
	/* the account stays chosen, the details open */
	char want[80];
	snprintf(want, sizeof(want), "value=\"%lld\" checked", (long long)f->acc_a);
	assert_non_null(strstr(r.body, want));
	wresp_clear(&r);
	assert_int_equal(db_int(f, "SELECT count(*) FROM threads"), before);

	/* Sent as edited: the fields, not the template. */
	snprintf(form, sizeof(form), "csrf=%s&account=%lld&template=yearend"
				     "&subject=Edited&body=Dear+%%5BCONTACT_FIRST_NAME%%5D&tasks=Only+one",
		 csrf, (long long)f->acc_a);
	assert_int_equal(wfx_post(f, owner, "/new", form, &r), 0);
	assert_int_equal(r.status, 303);
	wresp_clear(&r);
	assert_int_equal(db_int(f, "SELECT count(*) FROM tasks WHERE thread_id ="
				   " (SELECT max(id) FROM threads WHERE subject = 'Edited')"), 1);
	free(csrf);
	free(owner);
}

static void test_web_templates_page(void **state)
{
	struct wfx *f = *state;
	char *owner = wfx_login(f, LINK_STAFF, f->owner);
	char *member = wfx_login(f, LINK_STAFF, f->member);
	char *anna = wfx_login(f, LINK_CONTACT, f->anna);
	char *csrf, form[600], *page, path[48];
	struct wresp r;

	free(get_page(f, member, "/templates", 403));
	free(get_page(f, anna, "/templates", 404));
	page = get_page(f, owner, "/", 200);
	assert_non_null(strstr(page, "href=\"/templates\""));
	free(page);
	page = get_page(f, owner, "/templates", 200);
	assert_non_null(strstr(page, "No templates yet."));
	free(page);
	csrf = wfx_csrf(f, owner, "/templates");
	/* Without the CSRF token: refused, nothing saved. */
	assert_int_equal(wfx_post(f, owner, "/templates/new", "name=N&subject=S&body=B", &r), 0);
	assert_int_equal(r.status, 403);
	wresp_clear(&r);
	assert_int_equal(db_int(f, "SELECT count(*) FROM templates"), 0);

	/* Added, then refused with what was typed kept. */
	snprintf(form, sizeof(form), "csrf=%s&name=VAT&subject=VAT+for+%%5BACCOUNT_NAME%%5D"
				     "&body=Dear+%%5BCONTACT_NAME%%5D&tasks=Receipts", csrf);
	assert_int_equal(wfx_post(f, owner, "/templates/new", form, &r), 0);
	assert_int_equal(r.status, 303);
	wresp_clear(&r);
	int64_t id = db_int(f, "SELECT id FROM templates WHERE name = 'VAT'");
	assert_true(id > 0);
	snprintf(path, sizeof(path), "/templates/%lld", (long long)id);
	snprintf(form, sizeof(form), "csrf=%s&name=VAT&subject=For+%%5BCONTACT_NAME%%5D"
				     "&body=typed+body&tasks=typed+task", csrf);
	assert_int_equal(wfx_post(f, owner, path, form, &r), 0);
	assert_int_equal(r.status, 400);
	assert_non_null(strstr(r.body, "differs for each contact"));
	assert_non_null(strstr(r.body, ">typed body</textarea>"));
	assert_non_null(strstr(r.body, ">typed task</textarea>"));
	wresp_clear(&r);
	/* Changed. */
	snprintf(form, sizeof(form), "csrf=%s&name=VAT+Q4&subject=VAT&body=B&tasks=One%%0D%%0ATwo",
		 csrf);
	assert_int_equal(wfx_post(f, owner, path, form, &r), 0);
	assert_int_equal(r.status, 303);
	wresp_clear(&r);
	assert_int_equal(db_int(f, "SELECT count(*) FROM templates WHERE name = 'VAT Q4'"), 1);
	/* A member may not change it. */
	char *mcsrf = wfx_csrf(f, member, "/");
	snprintf(form, sizeof(form), "csrf=%s&name=X&subject=S&body=B", mcsrf);
	assert_int_equal(wfx_post(f, member, path, form, &r), 0);
	assert_int_equal(r.status, 403);
	wresp_clear(&r);
	free(mcsrf);
	/* Deleted. */
	snprintf(path, sizeof(path), "/templates/%lld/delete", (long long)id);
	snprintf(form, sizeof(form), "csrf=%s", csrf);
	assert_int_equal(wfx_post(f, owner, path, form, &r), 0);
	assert_int_equal(r.status, 303);
	wresp_clear(&r);
	assert_int_equal(db_int(f, "SELECT count(*) FROM templates"), 0);
	/* Each change is in the audit log. */
	assert_int_equal(db_int(f, "SELECT count(*) FROM audit_log WHERE action = 'template'"), 3);
	free(csrf);
	free(owner);
	free(member);
	free(anna);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, wfx_setup, wfx_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_web_templates_names_per_reader),
		T(test_web_templates_new_chat_words),
		T(test_web_templates_use_without_js),
		T(test_web_templates_page),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
