/*
 * test_security_bounces.c - forged delivery reports (docs/security.md,
 * "Forged delivery reports").  Anyone can send a multipart/report; only a
 * report that proves our mail to a contact failed may mark that contact
 * bouncing: the null sender, our bounce+TOKEN address issued for that
 * contact, and the failed address equal to the contact's (or, naming none,
 * our returned email to that contact at that address).  Each attack of the
 * report is one test named after it: nobody is marked, the inbound log
 * says why, nothing is answered.  The genuine report still marks exactly
 * its contact, and the owners hear of it at most once a day.
 */
#include "decide_fixture.h"

/* A report of a failed delivery.  %s recipient, %d n, then the
 * Final-Recipient line ("" for none) and the returned Message-ID. */
static const char report[] =
	"From: Mail Delivery System <MAILER-DAEMON@mx.client.example>\n"
	"To: <%s>\n"
	"Subject: Undelivered Mail Returned to Sender\n"
	"Message-ID: <report-%d@mx.client.example>\n"
	"MIME-Version: 1.0\n"
	"Content-Type: multipart/report; report-type=delivery-status; boundary=\"BB\"\n"
	"\n--BB\nContent-Type: text/plain\n\nI could not deliver your message.\n"
	"\n--BB\nContent-Type: message/delivery-status\n\n"
	"Reporting-MTA: dns; mx.client.example\n\n"
	"%s"
	"Action: failed\nStatus: 5.1.1\nDiagnostic-Code: smtp; 550 5.1.1 user unknown\n"
	"\n--BB\nContent-Type: text/rfc822-headers\n\n"
	"Message-ID: <%s>\n"
	"Subject: New message in your chat\n"
	"\n--BB--\n";

struct victims {
	int64_t other;   /* bob@client.example again, in another account */
};

static void add_victims(struct fx *f, struct victims *v)
{
	int64_t acc = 0;
	char *err = NULL;

	if (store_account_add(f->store, "Other Ltd", &acc, &err) != GW_OK ||
	    store_contact_add(f->store, acc, "Bob Brown", "bob@client.example", &v->other,
			      &err) != GW_OK)
		fail_msg("victims: %s", err);
}

/* Send the report; returns the log reason (kept until teardown). */
static const char *send_report(struct fx *f, const char *sender, const char *rcpt, int n,
			       const char *failed, const char *returned_id)
{
	struct decide_outcome out;
	char *line = failed != NULL ? xasprintf("Final-Recipient: rfc822; %s\n", failed)
				    : xstrdup("");
	char *msg = xasprintf(report, rcpt, n, line, returned_id);

	if (fx_decide(f, sender, rcpt, msg, &out) != GW_OK)
		fail_msg("report %d to %s: decide failed", n, rcpt);
	if (strcmp(out.verdict, "bounce") != 0)
		fail_msg("report %d to %s: verdict %s (%s)", n, rcpt, out.verdict, out.reason);
	if (out.outbox_id != 0)
		fail_msg("report %d to %s: answered", n, rcpt);
	decide_outcome_clear(&out);
	free(msg);
	free(line);
	return fx_str_keep(f, "SELECT verdict || ': ' || reason FROM inbound_log"
			   " ORDER BY id DESC LIMIT 1");
}

static void assert_nobody_marked(struct fx *f, const char *what)
{
	int64_t n = fx_int(f, "SELECT count(*) FROM contacts WHERE email_status <> 'ok'");

	if (n != 0)
		fail_msg("%s: %lld contacts marked bouncing", what, (long long)n);
	if (fx_int(f, "SELECT count(*) FROM outbox WHERE kind IN"
		   " ('explanation', 'staff_contacts_bouncing')") != 0)
		fail_msg("%s: something was queued", what);
}

static void assert_reason(const char *reason, const char *want, const char *what)
{
	if (strstr(reason, want) == NULL)
		fail_msg("%s: logged \"%s\", which lacks \"%s\"", what, reason, want);
}

/* Attack 1: a report to any genuine reply (or bounce) address, from any
 * sender, naming a victim's address. */
static void test_security_bounces_forged_report_to_reply_address_marks_nobody(void **state)
{
	struct fx f;
	struct victims v;
	static const char *const senders[] = { "", "mallory@evil.example", "MAILER-DAEMON" };

	(void)state;
	fx_setup(&f, 1);
	add_victims(&f, &v);
	char *reply = fx_address(&f, LINK_REPLY, f.thread, f.jane, f.now + CLOCK_DAY);
	char *bounce = fx_address(&f, LINK_BOUNCE, f.thread, f.jane, f.now + CLOCK_DAY);

	for (size_t i = 0; i < GW_ARRAY_SIZE(senders); i++) {
		const char *sender = strcmp(senders[i], "MAILER-DAEMON") == 0 ? "" : senders[i];
		const char *r;

		r = send_report(&f, senders[i], reply, (int)i, "bob@client.example", "x@y.example");
		assert_reason(r, "bounce: ", "to the reply address");
		assert_reason(r, "marks nobody: sent to a reply address", "to the reply address");
		r = send_report(&f, senders[i], reply, 10 + (int)i, "jane@client.example",
				f.jane_mail_id);
		assert_reason(r, "marks nobody: sent to a reply address", "reply, jane's own id");
		if (sender[0] != '\0') {
			/* Even jane's own bounce address, from a real sender. */
			r = send_report(&f, senders[i], bounce, 20 + (int)i, "jane@client.example",
					f.jane_mail_id);
			assert_reason(r, "marks nobody: envelope sender not null", "real sender");
		}
	}
	assert_nobody_marked(&f, "reports to a reply address");
	free(reply);
	free(bounce);
	fx_teardown(&f);
}

/* Attack 2: a report to postmaster@, abuse@ (or any address) of the reply
 * domain, returning one of our notifications. */
static void test_security_bounces_report_to_postmaster_with_our_message_id_marks_nobody(
	void **state)
{
	struct fx f;
	static const char *const rcpts[] = { "postmaster@reply.example", "abuse@reply.example",
					     "Postmaster@REPLY.example", "chat@reply.example" };

	(void)state;
	fx_setup(&f, 1);
	for (size_t i = 0; i < GW_ARRAY_SIZE(rcpts); i++) {
		const char *r;

		/* with the address, and with the Message-ID alone */
		r = send_report(&f, "", rcpts[i], (int)i, "jane@client.example", f.jane_mail_id);
		assert_reason(r, "of the reply domain, not a bounce address", rcpts[i]);
		r = send_report(&f, "", rcpts[i], 10 + (int)i, NULL, f.jane_mail_id);
		assert_reason(r, "marks nobody: sent to ", rcpts[i]);
		/* the log still names the thread the id belongs to */
		if (fx_int(&f, "SELECT thread_id FROM inbound_log ORDER BY id DESC LIMIT 1") !=
		    f.thread)
			fail_msg("%s: thread not logged", rcpts[i]);
	}
	assert_reason(send_report(&f, "", "postmaster@reply.example", 99, NULL, f.jane_mail_id),
		      "marks nobody: sent to postmaster@ of the reply domain", "postmaster");
	assert_nobody_marked(&f, "reports to the reply domain");
	fx_teardown(&f);
}

/* Attack 3: a report to a contact's own bounce address naming another
 * address (or returning another contact's email). */
static void test_security_bounces_report_naming_another_address_marks_nobody(void **state)
{
	struct fx f;
	struct victims v;
	const char *bob_id, *r;

	(void)state;
	fx_setup(&f, 1);
	add_victims(&f, &v);
	bob_id = fx_str_keep(&f, "SELECT mail_id FROM outbox WHERE kind = 'new_message'"
			     " AND recipient_id = %lld", (long long)f.bob);
	char *bounce = fx_address(&f, LINK_BOUNCE, f.thread, f.jane, f.now + CLOCK_DAY);

	r = send_report(&f, "", bounce, 1, "bob@client.example", f.jane_mail_id);
	assert_reason(r, "marks nobody: failed address bob@client.example is not the address of "
		      "contact", "another address");
	r = send_report(&f, "", bounce, 2, "jane@client.example.evil.example", f.jane_mail_id);
	assert_reason(r, "is not the address of contact", "a longer address");
	/* no address named: the returned email must be jane's */
	r = send_report(&f, "", bounce, 3, NULL, bob_id);
	assert_reason(r, "marks nobody: names no failed address", "bob's email returned");
	r = send_report(&f, "", bounce, 4, NULL, "gw.0123456789abcdef@reply.example");
	assert_reason(r, "marks nobody: names no failed address", "unknown id");
	assert_nobody_marked(&f, "reports naming another address");
	free(bounce);
	fx_teardown(&f);
}

/* The genuine report marks its contact, exactly, and tells the owners at
 * most once a day; staff clear the mark. */
static void test_security_bounces_genuine_report_marks_exactly_that_contact(void **state)
{
	struct fx f;
	struct victims v;
	char *err = NULL;
	const char *r;

	(void)state;
	fx_setup(&f, 1);
	add_victims(&f, &v);
	char *jane_b = fx_address(&f, LINK_BOUNCE, f.thread, f.jane, f.now + CLOCK_DAY);
	char *bob_b = fx_address(&f, LINK_BOUNCE, f.thread, f.bob, f.now - CLOCK_DAY);

	r = send_report(&f, "", jane_b, 1, "JANE@Client.Example", "x@y.example");
	assert_reason(r, "contact", "genuine");
	assert_reason(r, "marked bouncing (bounce address and failed address)", "genuine");
	assert_true(fx_bouncing(&f, f.jane));
	assert_false(fx_bouncing(&f, f.bob));
	assert_false(fx_bouncing(&f, v.other));
	assert_string_equal(fx_str_keep(&f, "SELECT bounce_reason FROM contacts WHERE id = %lld",
					(long long)f.jane),
			    "5.1.1 550 5.1.1 user unknown");
	assert_int_equal(fx_int(&f, "SELECT bounced_at FROM contacts WHERE id = %lld",
				(long long)f.jane), f.now);
	/* the owner is told, once */
	assert_int_equal(fx_int(&f, "SELECT count(*) FROM outbox WHERE kind ="
				" 'staff_contacts_bouncing' AND recipient_id = %lld", (long long)f.staff),
			 1);

	/* An expired bounce token still proves it; no address named: the
	   returned email to bob at bob's address does.  Same day: no second
	   email to the owner. */
	clock_set(f.now + 3600);
	r = send_report(&f, "", bob_b, 2, NULL, fx_str_keep(&f, "SELECT mail_id FROM outbox"
				" WHERE kind = 'new_message' AND recipient_id = %lld", (long long)f.bob));
	assert_reason(r, "marked bouncing (bounce address and returned message-id)", "bob");
	assert_true(fx_bouncing(&f, f.bob));
	assert_false(fx_bouncing(&f, v.other));
	assert_int_equal(fx_int(&f, "SELECT count(*) FROM outbox WHERE kind ="
				" 'staff_contacts_bouncing'"), 1);

	/* Cleared by staff, bounced again the next day: a new email. */
	assert_int_equal(store_contact_clear_bounce(f.store, f.jane, f.staff, &err), GW_OK);
	assert_false(fx_bouncing(&f, f.jane));
	assert_int_equal(fx_int(&f, "SELECT bounce_reason IS NULL AND bounced_at IS NULL"
				" FROM contacts WHERE id = %lld", (long long)f.jane), 1);
	clock_set(f.now + CLOCK_DAY + 60);
	r = send_report(&f, "", jane_b, 3, "jane@client.example", "x@y.example");
	assert_reason(r, "marked bouncing", "next day");
	assert_int_equal(fx_int(&f, "SELECT count(*) FROM outbox WHERE kind ="
				" 'staff_contacts_bouncing'"), 2);
	/* A later report keeps the first date and reason. */
	r = send_report(&f, "", jane_b, 4, "jane@client.example", "x@y.example");
	assert_reason(r, "already bouncing", "again");
	free(jane_b);
	free(bob_b);
	fx_teardown(&f);
}

/* Who may clear a mark, and who sees the list. */
static void test_security_bounces_clear_needs_the_account(void **state)
{
	struct fx f;
	struct store_contact_list l;
	int64_t member = 0;
	char *err = NULL;

	(void)state;
	fx_setup(&f, 1);
	assert_int_equal(store_contact_mark_bouncing(f.store, f.jane, "5.1.1 gone", &err), GW_OK);
	assert_int_equal(store_staff_add(f.store, "Mo Member", "mo@firm.example",
					 STORE_ROLE_MEMBER, &member, &err), GW_OK);
	assert_int_equal(store_contacts_bouncing(f.store, member, &l, &err), GW_OK);
	assert_int_equal(l.count, 0);
	store_contact_list_free(&l);
	assert_int_equal(store_contact_clear_bounce(f.store, f.jane, member, &err), GW_NOTFOUND);
	free(err);
	err = NULL;
	assert_true(fx_bouncing(&f, f.jane));
	assert_int_equal(store_staff_assign(f.store, member, f.account, 1, &err), GW_OK);
	assert_int_equal(store_contacts_bouncing(f.store, member, &l, &err), GW_OK);
	assert_int_equal(l.count, 1);
	assert_int_equal(l.items[0].id, f.jane);
	assert_string_equal(l.items[0].bounce_reason, "5.1.1 gone");
	store_contact_list_free(&l);
	/* a member of the account sees the mark, and an owner or admin clears it */
	assert_int_equal(store_contact_clear_bounce(f.store, f.jane, member, &err), GW_PERMFAIL);
	assert_non_null(strstr(err, "only owners and admins"));
	free(err);
	err = NULL;
	assert_true(fx_bouncing(&f, f.jane));
	assert_int_equal(store_staff_set_role(f.store, member, STORE_ROLE_ADMIN, &err), GW_OK);
	assert_int_equal(store_contact_clear_bounce(f.store, f.jane, member, &err), GW_OK);
	assert_false(fx_bouncing(&f, f.jane));
	assert_int_equal(store_staff_set_role(f.store, member, STORE_ROLE_MEMBER, &err), GW_OK);
	/* a member is never mailed about it */
	assert_int_equal(fx_int(&f, "SELECT count(*) FROM outbox WHERE kind ="
				" 'staff_contacts_bouncing' AND recipient_id = %lld", (long long)member),
			 0);
	fx_teardown(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_security_bounces_forged_report_to_reply_address_marks_nobody),
		cmocka_unit_test(
			test_security_bounces_report_to_postmaster_with_our_message_id_marks_nobody),
		cmocka_unit_test(test_security_bounces_report_naming_another_address_marks_nobody),
		cmocka_unit_test(test_security_bounces_genuine_report_marks_exactly_that_contact),
		cmocka_unit_test(test_security_bounces_clear_needs_the_account),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
