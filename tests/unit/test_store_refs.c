/*
 * test_store_refs.c - external references of a thread (a label and an
 * http(s) URL into the firm's systems): added at creation and later,
 * removed, found by URL, shown to staff and never to contacts, and bad
 * input refused with the field named and nothing written.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "buf.h"
#include "test_store_util.h"

#define JOB_URL "https://pm.firm.example/jobs/4711"
#define JOB_LABEL "Tax return 2026 \xe2\x80\x93 job 4711"

static size_t list_by_url(struct fx *f, const char *url, int64_t *first_r)
{
	struct store_thread_filter flt = { .ref_url = url, .archived = STORE_ARCHIVED_ANY };
	struct store_thread_list tl;
	char *err = NULL;
	size_t n;

	CHECK_OK(store_thread_list(f->s, &flt, &tl, &err), err);
	n = tl.count;
	if (first_r != NULL)
		*first_r = n > 0 ? tl.items[0].id : 0;
	store_thread_list_free(&tl);
	return n;
}

static void test_store_refs_add_show_filter_remove(void **state)
{
	struct fx *f = *state;
	char *err = NULL;
	int64_t t1 = fx_chat(f, f->acc1, "Tax return", "Hello", 0, 0, 0);
	int64_t t2 = fx_chat(f, f->acc2, "Payroll", "Hello", 0, 0, 0);
	int64_t r1 = 0, r2 = 0, r3 = 0, found = 0;
	struct store_thread_view v;

	CHECK_OK(store_thread_ref_add(f->s, t1, f->owner, JOB_LABEL, JOB_URL, &r1, &err), err);
	CHECK_OK(store_thread_ref_add(f->s, t1, 0, "Invoice", "http://erp.firm.example/i?n=9&x=<b>",
				      &r2, &err), err);
	assert_true(r1 > 0 && r2 > r1);
	/* The same URL on another thread is fine; twice on one thread is not. */
	CHECK_OK(store_thread_ref_add(f->s, t2, f->admin, "Job 4711 payroll", JOB_URL, &r3, &err),
		 err);
	CHECK_R(store_thread_ref_add(f->s, t1, 0, "Again", JOB_URL, NULL, &err), GW_PERMFAIL, err);
	/* A member sees only assigned accounts: acc2 is not theirs. */
	CHECK_R(store_thread_ref_add(f->s, t2, f->member, "x", "https://a.example/", NULL, &err),
		GW_NOTFOUND, err);
	CHECK_R(store_thread_ref_add(f->s, 999, 0, "x", "https://a.example/", NULL, &err),
		GW_NOTFOUND, err);

	/* Staff readers (and the firm, kind 0) see them, oldest first. */
	CHECK_OK(store_thread_show(f->s, t1, STORE_STAFF, f->owner, 0, &v, &err), err);
	assert_int_equal(v.n_refs, 2);
	assert_int_equal(v.refs[0].id, r1);
	assert_string_equal(v.refs[0].label, JOB_LABEL);
	assert_string_equal(v.refs[0].url, JOB_URL);
	assert_int_equal(v.refs[0].thread_id, t1);
	assert_int_equal(v.refs[0].created_at, T0);
	assert_string_equal(v.refs[1].url, "http://erp.firm.example/i?n=9&x=<b>");
	store_thread_view_clear(&v);
	CHECK_OK(store_thread_show(f->s, t1, 0, 0, 1, &v, &err), err);
	assert_int_equal(v.n_refs, 2);
	store_thread_view_clear(&v);
	/* A contact's view carries none. */
	CHECK_OK(store_thread_show(f->s, t1, STORE_CONTACT, f->c1, 0, &v, &err), err);
	assert_int_equal(v.n_refs, 0);
	assert_null(v.refs);
	store_thread_view_clear(&v);

	/* The firm's system finds the chats of a job by URL, exactly. */
	assert_int_equal(list_by_url(f, JOB_URL, NULL), 2);
	assert_int_equal(list_by_url(f, "http://erp.firm.example/i?n=9&x=<b>", &found), 1);
	assert_int_equal(found, t1);
	assert_int_equal(list_by_url(f, JOB_URL "/", NULL), 0);
	assert_int_equal(list_by_url(f, "https://pm.firm.example/jobs/471", NULL), 0);
	/* Combined with the other filters. */
	struct store_thread_filter flt = { .ref_url = JOB_URL, .account_id = f->acc2 };
	struct store_thread_list tl;
	CHECK_OK(store_thread_list(f->s, &flt, &tl, &err), err);
	assert_int_equal(tl.count, 1);
	assert_int_equal(tl.items[0].id, t2);
	store_thread_list_free(&tl);

	/* Remove: only from its own thread, and only once. */
	CHECK_R(store_thread_ref_remove(f->s, t2, r1, 0, &err), GW_NOTFOUND, err);
	CHECK_R(store_thread_ref_remove(f->s, t2, r3, f->member, &err), GW_NOTFOUND, err);
	CHECK_OK(store_thread_ref_remove(f->s, t1, r1, f->owner, &err), err);
	CHECK_R(store_thread_ref_remove(f->s, t1, r1, f->owner, &err), GW_NOTFOUND, err);
	assert_int_equal(list_by_url(f, JOB_URL, &found), 1);
	assert_int_equal(found, t2);

	struct store_thread_ref *refs = NULL;
	size_t n = 0;
	CHECK_OK(store_thread_refs(f->s, t1, &refs, &n, &err), err);
	assert_int_equal(n, 1);
	assert_int_equal(refs[0].id, r2);
	store_thread_refs_free(refs, n);
	CHECK_R(store_thread_refs(f->s, 999, &refs, &n, &err), GW_NOTFOUND, err);
	assert_null(refs);

	/* Archived threads keep and take references. */
	CHECK_OK(store_thread_archive(f->s, t2, 0, &err), err);
	CHECK_OK(store_thread_ref_add(f->s, t2, 0, "Archive box", "https://dms.firm.example/b/1",
				      NULL, &err), err);
	assert_int_equal(list_by_url(f, "https://dms.firm.example/b/1", NULL), 1);
}

/* Bad input: GW_INVALID, the error starts with the field, nothing written. */
static const struct {
	const char *label;
	const char *url;
	const char *field;
	const char *error;
} bad_refs[] = {
	{ "Job", "javascript:alert(1)", "url", "url: must start with http:// or https://" },
	{ "Job", "JavaScript://pm.firm.example/%0aalert(1)", "url",
	  "url: must start with http:// or https://" },
	{ "Job", "data:text/html,<script>x</script>", "url",
	  "url: must start with http:// or https://" },
	{ "Job", "ftp://files.firm.example/job", "url", "url: must start with http:// or https://" },
	{ "Job", "//pm.firm.example/jobs/1", "url", "url: must start with http:// or https://" },
	{ "Job", "pm.firm.example/jobs/1", "url", "url: must start with http:// or https://" },
	{ "Job", "https://", "url", "url: no host after the scheme" },
	{ "Job", "https:///jobs/1", "url", "url: no host after the scheme" },
	{ "Job", "", "url", "url: empty" },
	{ "Job", NULL, "url", "url: empty" },
	{ "Job", "https://pm.firm.example/jobs/1\nSet-Cookie: x", "url",
	  "url: contains a blank or a control character (percent-encode it)" },
	{ "Job", "https://pm.firm.example/a b", "url",
	  "url: contains a blank or a control character (percent-encode it)" },
	{ "Job", "https://pm.firm.example/\x7f", "url",
	  "url: contains a blank or a control character (percent-encode it)" },
	{ "Job", "https://pm.firm.example/\xc2\x85", "url",
	  "url: contains a blank or a control character (percent-encode it)" },
	{ "Job", "https://pm.firm.example/\xff", "url", "url: not valid UTF-8" },
	{ "", "https://pm.firm.example/", "label", "label: empty" },
	{ "   ", "https://pm.firm.example/", "label", "label: empty" },
	{ NULL, "https://pm.firm.example/", "label", "label: missing" },
	{ "Job\n4711", "https://pm.firm.example/", "label", "label: contains a line break" },
	{ "Job\x1b[31m", "https://pm.firm.example/", "label", "label: contains a control character" },
};

static void test_store_refs_bad_input_named_and_nothing_written(void **state)
{
	struct fx *f = *state;
	int64_t t1 = fx_chat(f, f->acc1, "Tax return", "Hello", 0, 0, 0);
	char long_label[STORE_REF_LABEL_MAX + 2], *long_url;

	for (size_t i = 0; i < GW_ARRAY_SIZE(bad_refs); i++) {
		const char *field = "unset";
		char *err = NULL;
		enum gw_result r = store_thread_ref_check(bad_refs[i].label, bad_refs[i].url, &field,
							  &err);

		if (r != GW_INVALID || err == NULL || strcmp(err, bad_refs[i].error) != 0 ||
		    field == NULL || strcmp(field, bad_refs[i].field) != 0)
			fail_msg("case %zu: %s \"%s\" field %s, want \"%s\"", i, gw_result_name(r),
				 err ? err : "", field ? field : "(null)", bad_refs[i].error);
		free(err);
		err = NULL;
		r = store_thread_ref_add(f->s, t1, f->owner, bad_refs[i].label, bad_refs[i].url,
					 NULL, &err);
		if (r != GW_INVALID || strcmp(err, bad_refs[i].error) != 0)
			fail_msg("case %zu: add gave %s \"%s\"", i, gw_result_name(r), err ? err : "");
		free(err);
	}
	/* At the limits: 200-byte label and 2048-byte URL pass, one more does not. */
	memset(long_label, 'x', sizeof(long_label));
	long_label[STORE_REF_LABEL_MAX] = '\0';
	long_url = xmalloc(STORE_REF_URL_MAX + 2);
	memcpy(long_url, "https://h.example/", 18);
	memset(long_url + 18, 'a', STORE_REF_URL_MAX - 18);
	long_url[STORE_REF_URL_MAX] = '\0';
	char *err = NULL;
	const char *field;
	CHECK_OK(store_thread_ref_check(long_label, long_url, &field, &err), err);
	assert_null(field);
	long_label[STORE_REF_LABEL_MAX] = 'x';
	long_label[STORE_REF_LABEL_MAX + 1] = '\0';
	CHECK_R(store_thread_ref_check(long_label, long_url, &field, &err), GW_INVALID, err);
	assert_string_equal(field, "label");
	long_url[STORE_REF_URL_MAX] = 'a';
	long_url[STORE_REF_URL_MAX + 1] = '\0';
	assert_int_equal(store_thread_ref_check("Job", long_url, &field, &err), GW_INVALID);
	assert_string_equal(err, "url: longer than 2048 bytes");
	assert_string_equal(field, "url");
	free(err);
	err = NULL;
	free(long_url);
	assert_int_equal(fx_int(f, "SELECT count(*) FROM thread_refs"), 0);
	/* Upper case schemes are schemes too. */
	CHECK_OK(store_thread_ref_add(f->s, t1, 0, "Job", "HTTPS://PM.firm.example/J", NULL, &err),
		 err);
	/* At most STORE_REF_MAX per thread. */
	for (int i = 1; i < STORE_REF_MAX; i++) {
		char url[64];
		snprintf(url, sizeof(url), "https://pm.firm.example/jobs/%d", i);
		CHECK_OK(store_thread_ref_add(f->s, t1, 0, "Job", url, NULL, &err), err);
	}
	assert_int_equal(store_thread_ref_add(f->s, t1, 0, "Job", "https://x.example/", NULL, &err),
			 GW_INVALID);
	assert_non_null(strstr(err, "refs: "));
	free(err);
}

/* At creation: every thread of a bulk chat gets them; a bad one refuses all. */
static void test_store_refs_at_creation(void **state)
{
	struct fx *f = *state;
	char *err = NULL;
	int64_t accs[] = { f->acc1, f->acc2 }, ids[2] = { 0 };
	struct store_thread_ref_new refs[] = { { JOB_LABEL, JOB_URL },
					       { "Folder", "http://dms.firm.example/f/7" } };
	struct store_chat_new c = {
		.account_ids = accs, .n_accounts = 2, .staff_id = f->owner,
		.subject = "Year-end", .body = "Hello", .refs = refs, .n_refs = 2,
	};
	struct store_thread_view v;

	CHECK_OK(store_chat_create(f->s, &c, ids, &err), err);
	for (int i = 0; i < 2; i++) {
		CHECK_OK(store_thread_show(f->s, ids[i], STORE_STAFF, f->owner, 0, &v, &err), err);
		assert_int_equal(v.n_refs, 2);
		assert_string_equal(v.refs[0].url, JOB_URL);
		assert_string_equal(v.refs[1].label, "Folder");
		store_thread_view_clear(&v);
	}
	assert_int_equal(list_by_url(f, JOB_URL, NULL), 2);

	int64_t threads = fx_int(f, "SELECT count(*) FROM threads");
	struct store_thread_ref_new bad[] = { { "Job", JOB_URL }, { "Evil", "javascript:x" } };
	c.refs = bad;
	CHECK_R(store_chat_create(f->s, &c, ids, &err), GW_INVALID, err);
	assert_int_equal(fx_int(f, "SELECT count(*) FROM threads"), threads);
	assert_int_equal(fx_int(f, "SELECT count(*) FROM thread_refs"), 4);
	/* The same URL twice in one request is refused as a whole too. */
	struct store_thread_ref_new twice[] = { { "Job", JOB_URL }, { "Again", JOB_URL } };
	c.refs = twice;
	CHECK_R(store_chat_create(f->s, &c, ids, &err), GW_PERMFAIL, err);
	assert_int_equal(fx_int(f, "SELECT count(*) FROM threads"), threads);
	assert_int_equal(fx_int(f, "SELECT count(*) FROM outbox WHERE thread_id > %lld",
				(long long)ids[1]), 0);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, fx_setup, fx_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_store_refs_add_show_filter_remove),
		T(test_store_refs_bad_input_named_and_nothing_written),
		T(test_store_refs_at_creation),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
