/*
 * test_store_search.c - the staff's search and lists (store/search.h):
 * queries taken literally whatever FTS5 syntax they hold, the four
 * sources (message, subject, account name, contact name), what a member
 * may see, internal notes, the marks around matched words, every filter,
 * the last-message preview, the accounts overview, and no word left in
 * the indexes after a person erase or a retention run.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "clock.h"
#include "retention.h"
#include "search.h"
#include "test_store_util.h"

/* ---- the query as FTS5 sees it ---- */

static void test_store_search_expr_quotes_every_word(void **state)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
		{ "invoice", "\"invoice\"*" },
		{ "  tax   return ", "\"tax\"* \"return\"*" },
		{ "\"quoted\"", "\"\"\"quoted\"\"\"*" },
		{ "a NEAR b", "\"a\"* \"NEAR\"* \"b\"*" },
		{ "x AND y OR NOT z", "\"x\"* \"AND\"* \"y\"* \"OR\"* \"NOT\"* \"z\"*" },
		{ "(q3) subject:tax -x a*", "\"(q3)\"* \"subject:tax\"* \"-x\"* \"a*\"*" },
		{ "- * ( ) : \"", NULL },
		{ "", NULL },
		{ "   ", NULL },
		{ "\xc3\xa9t\xc3\xa9", "\"\xc3\xa9t\xc3\xa9\"*" },
	};

	(void)state;
	for (size_t i = 0; i < GW_ARRAY_SIZE(cases); i++) {
		char *got = store_search_expr(cases[i].in);

		if ((got == NULL) != (cases[i].want == NULL) ||
		    (got != NULL && strcmp(got, cases[i].want) != 0))
			fail_msg("case %zu: '%s' gave '%s', want '%s'", i, cases[i].in,
				 got != NULL ? got : "(null)",
				 cases[i].want != NULL ? cases[i].want : "(null)");
		free(got);
	}
}

/* ---- searching from the tests ---- */

static struct store_search_list search(struct fx *f, int64_t staff, const char *q)
{
	struct store_search_filter sf = { .staff_id = staff, .query = q,
					  .archived = STORE_ARCHIVED_ANY };
	struct store_search_list l;
	char *err = NULL;

	CHECK_OK(store_search(f->s, &sf, &l, &err), err);
	return l;
}

static int has_thread(const struct store_search_list *l, int64_t id)
{
	for (size_t i = 0; i < l->count; i++)
		if (l->items[i].thread.id == id)
			return 1;
	return 0;
}

static size_t count_of(struct fx *f, int64_t staff, const char *q)
{
	struct store_search_list l = search(f, staff, q);
	size_t n = l.count;

	store_search_list_free(&l);
	return n;
}

static int64_t post(struct fx *f, int64_t thread, enum store_kind kind, int64_t who,
		    const char *body, int internal)
{
	struct store_post p = { .thread_id = thread, .author_kind = kind, .author_id = who,
				.body = body, .internal = internal };
	int64_t id = 0;
	char *err = NULL;

	CHECK_OK(store_message_send(f->s, &p, &id, NULL, &err), err);
	return id;
}

/* ---- finding ---- */

static void test_store_search_literal_queries_never_fail(void **state)
{
	struct fx *f = *state;
	static const char *const queries[] = {
		"\"", "\"\"", "*", "-", "a*", "NEAR", "NEAR(a b)", "a AND", "OR", "NOT x",
		"(", ")", "((a)", ":", "body:", "subject:tax", "^a", "+", "a - b", "{a b}:x",
		"'", "\\", "%", "_", "a\"b", "\"tax return\"", "x\"*", "\xc3\xa9\xc3\xa9",
	};
	int64_t t = fx_chat(f, f->acc1, "Quarter (q3)", "Please send NEAR-final \"draft\" "
			    "subject:tax a*b", 0, 0, 0);

	for (size_t i = 0; i < GW_ARRAY_SIZE(queries); i++) {
		struct store_search_filter sf = { .staff_id = f->owner, .query = queries[i] };
		struct store_search_list l;
		char *err = NULL;
		enum gw_result r = store_search(f->s, &sf, &l, &err);

		if (r != GW_OK)
			fail_msg("case %zu: '%s': %s", i, queries[i], err);
		store_search_list_free(&l);
	}
	/* the characters are text: a quoted word is found as the word */
	struct store_search_list l = search(f, f->owner, "\"draft\"");
	assert_true(has_thread(&l, t));
	store_search_list_free(&l);
	l = search(f, f->owner, "subject:tax");
	assert_true(has_thread(&l, t));
	store_search_list_free(&l);
	l = search(f, f->owner, "(q3)");
	assert_true(has_thread(&l, t));
	store_search_list_free(&l);
	/* NEAR is a word here, not an operator */
	assert_int_equal(count_of(f, f->owner, "NEAR"), 1);
	assert_int_equal(count_of(f, f->owner, "NEAR nothinglikethis"), 0);
	/* punctuation alone finds nothing rather than everything */
	assert_int_equal(count_of(f, f->owner, "- * :"), 0);
}

static void test_store_search_finds_each_source(void **state)
{
	struct fx *f = *state;
	int64_t t1 = fx_chat(f, f->acc1, "Annual accounts", "Hello", 0, 0, 0);
	int64_t t2 = fx_chat(f, f->acc2, "Payroll", "The \xc3\xa9t\xc3\xa9 invoices are due", 0, 0, 0);
	struct store_search_list l;

	l = search(f, f->owner, "annual");          /* subject */
	assert_int_equal(l.count, 1);
	assert_int_equal(l.items[0].thread.id, t1);
	assert_string_equal(l.items[0].matched, "subject");
	assert_non_null(strstr(l.items[0].subject_marked, STORE_MARK_ON "Annual" STORE_MARK_OFF));
	store_search_list_free(&l);

	l = search(f, f->owner, "INVOICE ete");    /* message: prefix, case, accents */
	assert_int_equal(l.count, 1);
	assert_int_equal(l.items[0].thread.id, t2);
	assert_string_equal(l.items[0].matched, "message");
	assert_null(l.items[0].subject_marked);
	assert_non_null(strstr(l.items[0].snippet, STORE_MARK_ON "invoices" STORE_MARK_OFF));
	assert_non_null(strstr(l.items[0].snippet, STORE_MARK_ON "\xc3\xa9t\xc3\xa9" STORE_MARK_OFF));
	store_search_list_free(&l);

	l = search(f, f->owner, "beta gmbh");       /* account name */
	assert_int_equal(l.count, 1);
	assert_int_equal(l.items[0].thread.id, t2);
	assert_string_equal(l.items[0].matched, "account");
	store_search_list_free(&l);

	l = search(f, f->owner, "carla");           /* contact name */
	assert_int_equal(l.count, 1);
	assert_int_equal(l.items[0].thread.id, t1);
	assert_string_equal(l.items[0].matched, "contact");
	store_search_list_free(&l);

	/* every word must be in one place */
	assert_int_equal(count_of(f, f->owner, "annual payroll"), 0);
	/* a new message is found at once */
	post(f, t1, STORE_CONTACT, f->c1, "Attached the zanzibar receipts", 0);
	l = search(f, f->owner, "zanzibar");
	assert_int_equal(l.count, 1);
	assert_string_equal(l.items[0].matched, "message");
	assert_non_null(strstr(l.items[0].snippet, "receipts"));
	store_search_list_free(&l);
}

static void test_store_search_member_sees_only_assigned(void **state)
{
	struct fx *f = *state;
	int64_t mine = fx_chat(f, f->acc1, "Shared word kiwi", "kiwi", 0, 0, 0);
	int64_t other = fx_chat(f, f->acc2, "Other kiwi", "kiwi", 0, 0, 0);
	struct store_search_list l = search(f, f->member, "kiwi");
	struct store_search_filter sf = { .staff_id = f->member, .account_id = f->acc2 };
	char *err = NULL, *err2 = NULL;
	enum gw_result r;

	assert_true(has_thread(&l, mine));
	assert_false(has_thread(&l, other));
	store_search_list_free(&l);
	/* the owner and the firm see both */
	l = search(f, f->owner, "kiwi");
	assert_true(has_thread(&l, other) && has_thread(&l, mine));
	store_search_list_free(&l);
	l = search(f, 0, "kiwi");
	assert_int_equal(l.count, 2);
	store_search_list_free(&l);
	/* names in an account the member does not see tell nothing */
	assert_int_equal(count_of(f, f->member, "bea"), 0);
	assert_int_equal(count_of(f, f->member, "beta"), 0);
	assert_int_equal(count_of(f, f->owner, "bea"), 1);
	/* an account not seen reads like one that does not exist */
	r = store_search(f->s, &sf, &l, &err);
	assert_int_equal(r, GW_NOTFOUND);
	sf.account_id = 999999;
	assert_int_equal(store_search(f->s, &sf, &l, &err2), GW_NOTFOUND);
	{
		char *a = strchr(err, ':'), *b = strchr(err2, ':');

		assert_non_null(a);
		assert_non_null(b);
		assert_string_equal(a, b);
	}
	free(err);
	free(err2);
	err = NULL;
	/* the plain list follows the same rule */
	sf.account_id = 0;
	CHECK_OK(store_search(f->s, &sf, &l, &err), err);
	assert_true(has_thread(&l, mine));
	assert_false(has_thread(&l, other));
	store_search_list_free(&l);
}

static void test_store_search_internal_notes_for_staff(void **state)
{
	struct fx *f = *state;
	int64_t t = fx_chat(f, f->acc1, "Notes", "Hello", 0, 0, 0);
	struct store_search_list l;

	post(f, t, STORE_STAFF, f->owner, "Client seems late with the walrus forms", 1);
	l = search(f, f->member, "walrus");
	assert_int_equal(l.count, 1);
	assert_int_equal(l.items[0].snippet_staff_only, 1);
	assert_int_equal(l.items[0].last_staff_only, 1);
	store_search_list_free(&l);
}

static void test_store_search_snippet_marks_only_words(void **state)
{
	struct fx *f = *state;
	int64_t t = fx_chat(f, f->acc1, "Markup <b>bold</b>", "Text with <script>alert(1)</script> "
			    "and the word lantern in it", 0, 0, 0);
	struct store_search_list l = search(f, f->owner, "lantern");

	assert_int_equal(l.count, 1);
	assert_int_equal(l.items[0].thread.id, t);
	/* the store gives the text as written, with its two marks only:
	 * escaping is the renderer's (test_web_search) */
	assert_non_null(strstr(l.items[0].snippet, "<script>"));
	assert_non_null(strstr(l.items[0].snippet, STORE_MARK_ON "lantern" STORE_MARK_OFF));
	assert_null(strchr(strstr(l.items[0].snippet, STORE_MARK_OFF) + 1, '\x01'));
	store_search_list_free(&l);
}

/* ---- filters and rows ---- */

static size_t filtered(struct fx *f, struct store_search_filter sf, int64_t want_first)
{
	struct store_search_list l;
	char *err = NULL;
	size_t n;

	CHECK_OK(store_search(f->s, &sf, &l, &err), err);
	n = l.count;
	if (want_first != 0 && (n == 0 || l.items[0].thread.id != want_first))
		fail_msg("first thread %lld, want %lld", n > 0 ? (long long)l.items[0].thread.id : 0,
			 (long long)want_first);
	store_search_list_free(&l);
	return n;
}

static void test_store_search_filters(void **state)
{
	struct fx *f = *state;
	char *err = NULL;
	int64_t a = fx_chat(f, f->acc1, "Alpha", "one", 0, 0, 0);
	clock_set(T0 + 10);
	int64_t b = fx_chat(f, f->acc2, "Beta", "two", 1, 3, 2);  /* reminders on */
	clock_set(T0 + 20);
	int64_t c = fx_chat(f, f->acc1, "Gamma", "three", 0, 0, 0);
	struct store_search_filter sf = { .staff_id = f->admin };

	CHECK_OK(store_thread_archive(f->s, c, 0, &err), err);
	/* open by default, newest first */
	assert_int_equal(filtered(f, sf, b), 2);
	sf.archived = STORE_ARCHIVED_ONLY;
	assert_int_equal(filtered(f, sf, c), 1);
	sf.archived = STORE_ARCHIVED_ANY;
	assert_int_equal(filtered(f, sf, c), 3);
	sf.archived = STORE_ARCHIVED_NO;
	/* account */
	sf.account_id = f->acc1;
	assert_int_equal(filtered(f, sf, a), 1);
	sf.account_id = 0;
	/* reminders running */
	sf.reminders = 1;
	assert_int_equal(filtered(f, sf, b), 1);
	sf.reminders = 0;
	/* assigned to me: the admin has no account assigned */
	sf.assigned = 1;
	assert_int_equal(filtered(f, sf, 0), 0);
	CHECK_OK(store_staff_assign(f->s, f->admin, f->acc2, 1, &err), err);
	assert_int_equal(filtered(f, sf, b), 1);
	sf.assigned = 0;
	/* following: the admin follows nothing until asked */
	sf.following = 1;
	assert_int_equal(filtered(f, sf, 0), 0);
	CHECK_OK(store_thread_follow(f->s, a, f->admin, 1, NULL, &err), err);
	assert_int_equal(filtered(f, sf, a), 1);
	sf.following = 0;
	/* unread: everything the owner wrote is news to the admin */
	sf.unread = 1;
	assert_int_equal(filtered(f, sf, b), 2);
	CHECK_OK(store_read_mark(f->s, b, STORE_STAFF, f->admin, 0, &err), err);
	assert_int_equal(filtered(f, sf, a), 1);
	post(f, b, STORE_CONTACT, f->c3, "A reply", 0);
	assert_int_equal(filtered(f, sf, b), 2);
	/* filters combine with a query */
	sf.query = "reply";
	assert_int_equal(filtered(f, sf, b), 1);
	sf.unread = 0;
	sf.query = NULL;
	/* the firm has no "me" */
	sf.staff_id = 0;
	sf.following = 1;
	assert_int_equal(store_search(f->s, &sf, &(struct store_search_list){ 0 }, &err),
			 GW_INVALID);
	assert_non_null(strstr(err, "following"));
	free(err);
}

static void test_store_search_bad_input(void **state)
{
	struct fx *f = *state;
	char long_q[STORE_SEARCH_QUERY_MAX + 2];
	struct store_search_filter sf = { .staff_id = f->owner, .query = long_q };
	struct store_search_list l;
	char *err = NULL;

	memset(long_q, 'a', sizeof(long_q) - 1);
	long_q[sizeof(long_q) - 1] = '\0';
	assert_int_equal(store_search(f->s, &sf, &l, &err), GW_INVALID);
	assert_non_null(strstr(err, "query"));
	free(err);
	err = NULL;
	sf.query = "bad \xff byte";
	assert_int_equal(store_search(f->s, &sf, &l, &err), GW_INVALID);
	assert_non_null(strstr(err, "query"));
	free(err);
	err = NULL;
	sf.query = NULL;
	sf.limit = STORE_SEARCH_LIMIT_MAX + 1;
	assert_int_equal(store_search(f->s, &sf, &l, &err), GW_INVALID);
	assert_non_null(strstr(err, "limit"));
	free(err);
}

static void test_store_search_last_message_preview(void **state)
{
	struct fx *f = *state;
	int64_t t = fx_chat(f, f->acc1, "Preview", "First", 0, 0, 0);
	struct store_search_filter sf = { .staff_id = f->owner };
	struct store_search_list l;
	char *err = NULL;

	clock_set(T0 + 60);
	post(f, t, STORE_CONTACT, f->c1, "\n\nHere is the first line\nand a second one", 0);
	CHECK_OK(store_search(f->s, &sf, &l, &err), err);
	assert_int_equal(l.count, 1);
	assert_int_equal(l.items[0].last_author_kind, STORE_CONTACT);
	assert_string_equal(l.items[0].last_author, "Carla Client");
	assert_string_equal(l.items[0].last_line, "Here is the first line\xe2\x80\xa6");
	assert_int_equal(l.items[0].last_at, T0 + 60);
	assert_int_equal(l.items[0].thread.unread_count, 1);
	assert_null(l.items[0].matched);
	store_search_list_free(&l);
}

static void test_store_search_account_summaries(void **state)
{
	struct fx *f = *state;
	struct store_account_summary_list l;
	char *err = NULL;
	int64_t t = fx_chat(f, f->acc1, "One", "x", 0, 0, 0);
	int64_t u = fx_chat(f, f->acc1, "Two", "x", 0, 0, 0);

	(void)fx_chat(f, f->acc2, "Three", "x", 0, 0, 0);
	post(f, t, STORE_CONTACT, f->c1, "reply", 0);
	CHECK_OK(store_thread_archive(f->s, u, 0, &err), err);
	CHECK_OK(store_account_summaries(f->s, f->member, &l, &err), err);
	assert_int_equal(l.count, 1);  /* the member sees Acme only */
	assert_string_equal(l.items[0].name, "Acme Ltd");
	assert_int_equal(l.items[0].open_threads, 1);
	assert_int_equal(l.items[0].unread, 2);  /* the owner's first message and the reply */
	assert_int_equal(l.items[0].contacts, 2);
	assert_int_equal(l.items[0].assigned, 1);
	store_account_summary_list_free(&l);
	CHECK_OK(store_account_summaries(f->s, f->owner, &l, &err), err);
	assert_int_equal(l.count, 3);
	assert_int_equal(l.items[0].unread, 1);  /* the owner wrote the rest */
	store_account_summary_list_free(&l);
}

/* ---- nothing left behind ---- */

/* Rows of the index's own pages that hold word, and the word's entries
 * as FTS5 reads them. */
static int64_t index_rows(struct fx *f, const char *table, const char *word)
{
	return fx_int(f, "SELECT count(*) FROM %s_data WHERE instr(block, '%s') > 0", table, word);
}

static int64_t vocab(struct fx *f, const char *table, const char *word)
{
	fx_exec(f, "CREATE VIRTUAL TABLE IF NOT EXISTS v_%s USING fts5vocab(%s, 'row')", table,
		table);
	return fx_int(f, "SELECT count(*) FROM v_%s WHERE term = '%s'", table, word);
}

static void test_store_search_erase_leaves_no_index_rows(void **state)
{
	struct fx *f = *state;
	struct store_erasure e;
	char *err = NULL;
	int64_t t;

	struct store_firm_in firm = { .name = "Firm", .allow_client_chats = 1 };

	CHECK_OK(store_firm_set(f->s, &firm, &err), err);
	CHECK_OK(store_chat_create_by_contact(f->s, f->c1, "Xylophone subject", "hi", &t, NULL,
					      &err), err);
	post(f, t, STORE_CONTACT, f->c1, "my quokka secret", 0);
	post(f, t, STORE_STAFF, f->owner, "noted", 0);
	CHECK_OK(store_contact_add(f->s, f->acc1, "Yannick Zephyr", "yz@acme.example", NULL,
				   &err), err);
	assert_int_equal(count_of(f, f->owner, "quokka"), 1);
	assert_int_equal(count_of(f, f->owner, "xylophone"), 1);
	assert_true(index_rows(f, "messages_fts", "quokka") > 0);  /* the check sees words */
	assert_int_equal(vocab(f, "messages_fts", "quokka"), 1);
	assert_int_equal(vocab(f, "contacts_fts", "carla"), 1);

	CHECK_OK(store_person_erase(f->s, f->c1, &e, &err), err);
	store_erasure_clear(&e);
	assert_int_equal(count_of(f, f->owner, "quokka"), 0);
	assert_int_equal(count_of(f, f->owner, "xylophone"), 0);
	assert_int_equal(count_of(f, f->owner, "carla"), 0);
	assert_int_equal(vocab(f, "messages_fts", "quokka"), 0);
	assert_int_equal(vocab(f, "threads_fts", "xylophone"), 0);
	assert_int_equal(vocab(f, "contacts_fts", "carla"), 0);
	assert_int_equal(index_rows(f, "messages_fts", "quokka"), 0);
	assert_int_equal(index_rows(f, "threads_fts", "xylophone"), 0);
	assert_int_equal(index_rows(f, "contacts_fts", "carla"), 0);
	/* what others wrote stays findable */
	assert_int_equal(count_of(f, f->owner, "noted"), 1);
	assert_int_equal(count_of(f, f->owner, "zephyr"), 1);
	assert_int_equal(fx_int(f, "SELECT count(*) FROM search_purge"), 0);
}

static void test_store_search_retention_leaves_no_index_rows(void **state)
{
	struct fx *f = *state;
	struct store_retention p = { .archived_threads = DAY };
	struct store_retention_result res;
	char *err = NULL;
	int steps = 0;
	int64_t old = fx_chat(f, f->acc1, "Ocelot files", "the yakety words", 0, 0, 0);

	(void)fx_chat(f, f->acc1, "Kept", "the kept words", 0, 0, 0);
	CHECK_OK(store_thread_archive(f->s, old, 0, &err), err);
	assert_true(index_rows(f, "messages_fts", "yakety") > 0);
	clock_set(T0 + 3 * DAY);
	memset(&res, 0, sizeof(res));
	do {
		CHECK_OK(store_retention_step(f->s, &p, clock_now(), 100, NULL, &res, &err), err);
		assert_true(++steps < 100);
	} while (res.more);
	assert_int_equal(res.threads, 1);
	assert_int_equal(count_of(f, f->owner, "yakety"), 0);
	assert_int_equal(count_of(f, f->owner, "ocelot"), 0);
	assert_int_equal(vocab(f, "messages_fts", "yakety"), 0);
	assert_int_equal(index_rows(f, "messages_fts", "yakety"), 0);
	assert_int_equal(index_rows(f, "threads_fts", "ocelot"), 0);
	assert_int_equal(count_of(f, f->owner, "kept"), 1);
	assert_int_equal(fx_int(f, "SELECT count(*) FROM search_purge"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_store_search_expr_quotes_every_word),
		cmocka_unit_test_setup_teardown(test_store_search_literal_queries_never_fail,
						fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_store_search_finds_each_source, fx_setup,
						fx_teardown),
		cmocka_unit_test_setup_teardown(test_store_search_member_sees_only_assigned,
						fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_store_search_internal_notes_for_staff,
						fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_store_search_snippet_marks_only_words,
						fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_store_search_filters, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_store_search_bad_input, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_store_search_last_message_preview, fx_setup,
						fx_teardown),
		cmocka_unit_test_setup_teardown(test_store_search_account_summaries, fx_setup,
						fx_teardown),
		cmocka_unit_test_setup_teardown(test_store_search_erase_leaves_no_index_rows,
						fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_store_search_retention_leaves_no_index_rows,
						fx_setup, fx_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
