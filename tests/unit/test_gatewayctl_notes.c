/*
 * test_gatewayctl_notes.c - gatewayctl message post --internal and
 * @mentions: the note stays with staff (thread show --json says its
 * visibility, no email is queued), a contact cannot write one, a mention
 * of nobody or of a colleague who cannot see the account exits 64 naming
 * them, --assign-mentioned assigns and posts, and the audit log records
 * the note as "note".
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "test_gatewayctl_util.h"

static size_t outbox_rows(struct env *e, const char *thread)
{
	json_t *j = JSON(e, "outbox", "list", "--thread", thread, "--limit", "1000");
	size_t n = json_array_size(j);

	json_decref(j);
	return n;
}

static size_t audit_rows(struct env *e, const char *action)
{
	json_t *j = JSON(e, "audit", "--limit", "1000"), *x;
	size_t n = 0, i;

	json_array_foreach(json_object_get(j, "audit"), i, x)
		n += strcmp(json_string_value(json_object_get(x, "action")), action) == 0;
	json_decref(j);
	return n;
}

static json_t *last_message(struct env *e, const char *thread)
{
	json_t *j = JSON(e, "thread", "show", thread);
	json_t *msgs = json_object_get(j, "messages");
	json_t *m = json_incref(json_array_get(msgs, json_array_size(msgs) - 1));

	json_decref(j);
	return m;
}

static void test_gatewayctl_notes_internal_post(void **state)
{
	struct env *e = *state;
	char *th = fmt_id(e->thread);
	char *as_member = xasprintf("staff:%lld", e->member);
	char *as_anna = xasprintf("contact:%lld", e->anna);
	size_t mails = outbox_rows(e, th), notes = audit_rows(e, "note");
	json_t *m;
	struct res r;

	long long id = ID(e, "message", "post", th, "--from", as_member, "--internal",
			  "--body", "Anna prefers a call");
	assert_true(id > 0);
	assert_int_equal(outbox_rows(e, th), mails);
	m = last_message(e, th);
	assert_int_equal(json_integer_value(json_object_get(m, "id")), id);
	assert_string_equal(json_string_value(json_object_get(m, "visibility")), "staff");
	json_decref(m);
	assert_int_equal(audit_rows(e, "note"), notes + 1);

	/* a client-visible message says so, and mails the contacts */
	id = ID(e, "message", "post", th, "--from", as_member, "--body", "Thanks!");
	m = last_message(e, th);
	assert_string_equal(json_string_value(json_object_get(m, "visibility")), "client");
	json_decref(m);
	assert_true(outbox_rows(e, th) > mails);
	assert_int_equal(audit_rows(e, "note"), notes + 1);

	/* a contact cannot write one: usage error, nothing posted */
	r = CTL(e, "message", "post", th, "--from", as_anna, "--internal", "--body", "psst");
	assert_int_equal(r.code, 64);
	expect_in("contact note", r.err, "internal: only staff write internal notes");
	res_free(&r);
	m = last_message(e, th);
	assert_int_equal(json_integer_value(json_object_get(m, "id")), id);
	json_decref(m);
	free(th);
	free(as_member);
	free(as_anna);
}

static void test_gatewayctl_notes_mentions(void **state)
{
	struct env *e = *state;
	char *th = fmt_id(e->thread);
	char *as_member = xasprintf("staff:%lld", e->member);
	char *as_owner = xasprintf("staff:%lld", e->owner);
	long long zoe = ID(e, "staff", "add", "Zoe Member", "zoe@firm.example", "--role",
			   "member");
	json_t *m = last_message(e, th);
	long long last = json_integer_value(json_object_get(m, "id"));
	struct res r;

	json_decref(m);
	r = CTL(e, "message", "post", th, "--from", as_member, "--internal", "--body",
		"@Nobody Here can you check");
	assert_int_equal(r.code, 64);
	expect_in("unknown mention", r.err, "@Nobody: no colleague has that name");
	res_free(&r);
	r = CTL(e, "message", "post", th, "--from", as_member, "--body", "@Zoe Member look");
	assert_int_equal(r.code, 64);
	expect_in("unseen mention", r.err, "Zoe Member cannot see the account Acme Bakery Ltd");
	res_free(&r);
	m = last_message(e, th);
	assert_int_equal(json_integer_value(json_object_get(m, "id")), last);
	json_decref(m);

	long long id = ID(e, "message", "post", th, "--from", as_owner, "--internal",
			  "--assign-mentioned", "--body", "@Zoe Member look");
	json_t *j = JSON(e, "outbox", "list", "--thread", th, "--limit", "1000"), *x;
	size_t i, mention = 0;

	json_array_foreach(j, i, x)
		mention += strcmp(json_string_value(json_object_get(x, "kind")),
				  "staff_mention") == 0 &&
			   strcmp(json_string_value(json_object_get(x, "recipient_address")),
				  "zoe@firm.example") == 0;
	json_decref(j);
	assert_int_equal(mention, 1);
	assert_true(id > last);
	assert_true(zoe > 0);
	free(th);
	free(as_member);
	free(as_owner);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_gatewayctl_notes_internal_post,
						setup_seeded, teardown_env),
		cmocka_unit_test_setup_teardown(test_gatewayctl_notes_mentions, setup_seeded,
						teardown_env),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
