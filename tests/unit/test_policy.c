/*
 * test_policy.c - the Postfix policy server (mta-hooks/policy.c) over a
 * real socket on 127.0.0.1, with real keys and reply addresses minted by
 * the decide fixture.
 */
#include "decide_fixture.h"

#include <ctype.h>
#include <unistd.h>

#include "mta_listen_util.h"
#include "policy.h"

struct pt {
	struct fx f;
	struct ml_loop loop;
	struct policy *policy;
	int port;
};

static int setup(void **state)
{
	struct pt *t = xcalloc(1, sizeof(*t));
	struct policy_settings set;
	char *err = NULL;

	fx_setup(&t->f, 1);
	ml_loop_init(&t->loop);
	memset(&set, 0, sizeof(set));
	set.listen = "127.0.0.1:0";
	set.keys = t->f.keys;
	set.reply_domain = FX_REPLY_DOMAIN;
	if (policy_open(t->loop.base, &set, &t->policy, &err) != 0)
		fail_msg("policy_open: %s", err);
	t->port = policy_bound_port(t->policy);
	assert_true(t->port > 0);
	ml_loop_start(&t->loop);
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	struct pt *t = *state;

	ml_loop_stop(&t->loop);
	policy_close(&t->policy);
	assert_null(t->policy);
	ml_loop_free(&t->loop);
	fx_teardown(&t->f);
	free(t);
	return 0;
}

/* One request as Postfix sends it; the action line of the answer. */
static char *ask(int fd, const char *state, const char *rcpt)
{
	char *req = xasprintf("request=smtpd_access_policy\nprotocol_state=%s\n"
			      "protocol_name=ESMTP\nclient_address=192.0.2.1\n"
			      "sender=jane@client.example\nrecipient=%s\n"
			      "recipient_count=0\ninstance=12.34.5\n\n", state, rcpt);
	char *action, *blank;

	ml_send(fd, req);
	free(req);
	action = ml_line(fd);
	assert_non_null(action);
	blank = ml_line(fd);
	assert_non_null(blank);
	assert_string_equal(blank, "");
	free(blank);
	return action;
}

/* The address with one token character changed. */
static char *forge(const char *addr)
{
	char *a = xstrdup(addr);
	char *c = strchr(a, '+') + 3;

	*c = *c == 'a' ? 'b' : 'a';
	return a;
}

static void test_policy_actions(void **state)
{
	struct pt *t = *state;
	struct fx *f = &t->f;
	char *valid = fx_address(f, LINK_REPLY, f->thread, f->jane, f->now + CLOCK_DAY);
	char *expired = fx_address(f, LINK_REPLY, f->thread, f->jane, f->now - CLOCK_DAY);
	char *bounce = fx_address(f, LINK_BOUNCE, f->thread, f->jane, f->now + CLOCK_DAY);
	char *forged = forge(valid);
	char *forged_reject = xasprintf("action=REJECT 5.1.1 <%s>: unknown reply address",
					forged);
	char *upper = xstrdup(valid);
	const struct {
		const char *state, *rcpt, *action;
	} cases[] = {
		{ "RCPT", valid, "action=DUNNO" },
		{ "RCPT", upper, "action=DUNNO" },
		{ "RCPT", bounce, "action=DUNNO" },
		{ "RCPT", expired, "action=DUNNO" },
		{ "RCPT", forged, forged_reject },
		{ "RCPT", "reply+zzzz@reply.example",
		  "action=REJECT 5.1.1 <reply+zzzz@reply.example>: unknown reply address" },
		{ "RCPT", "someone@Reply.Example",
		  "action=REJECT 5.1.1 <someone@Reply.Example>: unknown reply address" },
		{ "RCPT", "postmaster@reply.example", "action=DUNNO" },
		{ "RCPT", "jane@client.example", "action=DUNNO" },
		{ "RCPT", "reply+zzzz@other.example", "action=DUNNO" },
		{ "DATA", forged, "action=DUNNO" },
	};
	uint64_t requests, rejected;

	for (char *p = upper; *p != '\0'; p++)
		*p = (char)toupper((unsigned char)*p);
	for (size_t i = 0; i < GW_ARRAY_SIZE(cases); i++) {
		int fd = ml_connect(t->port);
		char *action = ask(fd, cases[i].state, cases[i].rcpt);

		if (strcmp(action, cases[i].action) != 0)
			fail_msg("case %zu (%s): got \"%s\", want \"%s\"", i, cases[i].rcpt, action,
				 cases[i].action);
		free(action);
		close(fd);
	}
	ml_loop_stop(&t->loop);
	policy_stats(t->policy, &requests, &rejected);
	ml_loop_start(&t->loop);
	assert_int_equal(requests, GW_ARRAY_SIZE(cases));
	assert_int_equal(rejected, 3);
	free(valid);
	free(expired);
	free(bounce);
	free(forged);
	free(forged_reject);
	free(upper);
}

/* Postfix keeps the connection for the next request. */
static void test_policy_connection_reused(void **state)
{
	struct pt *t = *state;
	struct fx *f = &t->f;
	char *valid = fx_address(f, LINK_REPLY, f->thread, f->jane, f->now + CLOCK_DAY);
	int fd = ml_connect(t->port);
	char *a1, *a2, *a3;

	a1 = ask(fd, "RCPT", "nobody@reply.example");
	a2 = ask(fd, "RCPT", valid);
	/* A request's attributes do not leak into the next one. */
	ml_send(fd, "request=smtpd_access_policy\nprotocol_state=RCPT\n\n");
	a3 = ml_line(fd);
	assert_string_equal(a1, "action=REJECT 5.1.1 <nobody@reply.example>: unknown reply address");
	assert_string_equal(a2, "action=DUNNO");
	assert_string_equal(a3, "action=DUNNO");
	free(a1);
	free(a2);
	free(a3);
	free(valid);
	close(fd);
}

/* Not the policy protocol: the connection is dropped, nothing answered. */
static void test_policy_garbage_closes(void **state)
{
	struct pt *t = *state;
	int fd = ml_connect(t->port);

	ml_send(fd, "HELO there\r\n");
	assert_true(ml_eof(fd));
	close(fd);
}

static void test_policy_open_errors(void **state)
{
	struct pt *t = *state;
	struct policy_settings set;
	struct policy *p = NULL;
	char *err = NULL;
	const char *bad[] = { "no-port", "127.0.0.1:99999", "unix:relative/path", "" };

	memset(&set, 0, sizeof(set));
	set.keys = t->f.keys;
	set.reply_domain = FX_REPLY_DOMAIN;
	for (size_t i = 0; i < GW_ARRAY_SIZE(bad); i++) {
		set.listen = bad[i];
		if (policy_open(t->loop.base, &set, &p, &err) == 0)
			fail_msg("case %zu (%s): opened", i, bad[i]);
		assert_null(p);
		assert_non_null(err);
		free(err);
		err = NULL;
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_policy_actions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_policy_connection_reused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_policy_garbage_closes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_policy_open_errors, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
