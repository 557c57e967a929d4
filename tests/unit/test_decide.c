/*
 * test_decide.c - what happens to an inbound message after it is
 * classified (mta-hooks/decide.c), on a real SQLite file with real keys:
 * which messages are answered, which are only logged, which mark a
 * contact bouncing, redeliveries, the two rate limits; and the built
 * gatewayd-pipe program itself (test_decide_pipe.c): its exit codes for
 * drops and for every kind of temporary trouble, concurrent deliveries,
 * and the bounce corpus fed through it without a single answer.
 */
#include "decide_fixture.h"
#include "test_skip.h"

/* ---- one message, one fresh database: the table ----------------------- */

enum tok {
	TOK_NONE,     /* recipient without a token */
	TOK_REPLY,    /* reply+TOKEN of jane, valid */
	TOK_EXPIRED,  /* reply+TOKEN of jane, expired */
	TOK_FORGED,   /* reply+TOKEN of jane with one character changed */
	TOK_REVOKED,  /* reply+TOKEN of jane, generation bumped after signing */
	TOK_BOUNCE,   /* bounce+TOKEN of jane */
	TOK_BOUNCE_FORGED, /* bounce+TOKEN of jane with one character changed */
	TOK_REFS,     /* no token in the recipient; References has our outbox id */
};

struct one_case {
	const char *name;
	const char *sender;
	enum tok tok;
	int refs_ours;           /* References (or the returned Message-ID) is
				    jane's notification, else an unknown id */
	const char *msg;         /* %s: recipient, %d: case, %s: that id */
	const char *verdict;     /* inbound log */
	int explained;           /* explanation rows queued */
	int fresh_link;          /* that row names jane (a contact row) */
	int bouncing;            /* jane marked bouncing */
	const char *reason_has;  /* substring of the log reason, or NULL */
};

#define HDR_HUMAN \
	"From: Jane Smith <jane@client.example>\n" \
	"To: <%s>\n" \
	"Subject: Re: Documents for 2026\n" \
	"Date: Wed, 25 Nov 2026 10:00:00 +0000\n" \
	"Message-ID: <human-%d@client.example>\n" \
	"References: <%s>\n" \
	"MIME-Version: 1.0\n" \
	"Content-Type: text/plain; charset=utf-8\n"

#define BODY_HUMAN \
	"\nThanks, I will send the bank statements tomorrow.\n\nJane\n\n" \
	"On Wed, 25 Nov 2026 at 09:30, Example & Co wrote:\n> New message in your chat\n"

static const char msg_human[] = HDR_HUMAN BODY_HUMAN;
static const char msg_outlook[] = HDR_HUMAN "X-Auto-Response-Suppress: All\n"
	"Thread-Index: AdnKb5Zr3x\n" BODY_HUMAN;
static const char msg_autoreply[] =
	"From: Jane Smith <jane@client.example>\n"
	"To: <%s>\n"
	"Subject: Out of office: Re: Documents for 2026\n"
	"Message-ID: <auto-%d@client.example>\n"
	"References: <%s>\n"
	"Auto-Submitted: auto-replied\n"
	"Content-Type: text/plain\n"
	"\nI am away until Monday.\n";
static const char msg_loop[] =
	"From: Example & Co <chat@firm.example>\n"
	"To: <%s>\n"
	"Subject: New message in your chat\n"
	"Message-ID: <loop-%d@reply.example>\n"
	"References: <%s>\n"
	"X-Gatewayd-Loop: reply.example\n"
	"Content-Type: text/plain\n"
	"\nA notification that came back.\n";
#define DSN(status, action, diag) \
	"From: Mail Delivery System <MAILER-DAEMON@mx.client.example>\n" \
	"To: <%s>\n" \
	"Subject: Undelivered Mail Returned to Sender\n" \
	"Message-ID: <dsn-%d@mx.client.example>\n" \
	"MIME-Version: 1.0\n" \
	"Content-Type: multipart/report; report-type=delivery-status; boundary=\"BB\"\n" \
	"\n--BB\nContent-Type: text/plain\n\nI could not deliver your message.\n" \
	"\n--BB\nContent-Type: message/delivery-status\n\n" \
	"Reporting-MTA: dns; mx.client.example\n\n" \
	"Final-Recipient: rfc822; jane@client.example\n" \
	"Action: " action "\nStatus: " status "\nDiagnostic-Code: smtp; " diag "\n" \
	"\n--BB\nContent-Type: text/rfc822-headers\n\n" \
	"Message-ID: <%s>\n" \
	"Subject: New message in your chat\n" \
	"\n--BB--\n"
static const char msg_dsn_5[] = DSN("5.1.1", "failed", "550 5.1.1 user unknown");
static const char msg_dsn_4[] = DSN("4.4.1", "delayed", "451 4.4.1 try again later");

static const struct one_case one_cases[] = {
	{ "human, valid token, sender is the contact", "jane@client.example", TOK_REPLY, 1,
	  msg_human, "explained", 1, 1, 0, "reply token in recipient; fresh link" },
	{ "human, sender address in another case", "Jane@Client.EXAMPLE", TOK_REPLY, 0,
	  msg_human, "explained", 1, 1, 0, NULL },
	{ "human from Outlook (X-Auto-Response-Suppress alone)", "jane@client.example",
	  TOK_REPLY, 0, msg_outlook, "explained", 1, 1, 0, NULL },
	{ "human, sender is not the contact", "bob@elsewhere.example", TOK_REPLY, 1, msg_human,
	  "explained", 1, 0, 0, "no link" },
	{ "human, expired token", "jane@client.example", TOK_EXPIRED, 0, msg_human,
	  "explained", 1, 1, 0, "expired reply token" },
	{ "human, revoked token", "jane@client.example", TOK_REVOKED, 0, msg_human,
	  "explained", 1, 0, 0, "revoked" },
	{ "human, forged token", "jane@client.example", TOK_FORGED, 0, msg_human, "dropped", 0,
	  0, 0, "no valid token (1 forged" },
	{ "human, no token anywhere", "jane@client.example", TOK_NONE, 0, msg_human,
	  "dropped", 0, 0, 0, "no valid token" },
	{ "human, token only in References", "jane@client.example", TOK_REFS, 1, msg_human,
	  "explained", 1, 1, 0, "our message-id in references" },
	{ "auto-reply with a valid token", "jane@client.example", TOK_REPLY, 1, msg_autoreply,
	  "automatic", 0, 0, 0, "auto-submitted" },
	{ "our own notification came back", "bounce+x@reply.example", TOK_REPLY, 1, msg_loop,
	  "loop", 0, 0, 0, NULL },
	{ "DSN 5.1.1 to bounce+TOKEN", "", TOK_BOUNCE, 0, msg_dsn_5, "bounce", 0, 0, 1,
	  "5.1.1 failed; final-recipient jane@client.example; contact" },
	{ "DSN 5.1.1 to bounce+TOKEN from a real sender", "mallory@evil.example", TOK_BOUNCE,
	  1, msg_dsn_5, "bounce", 0, 0, 0, "marks nobody: envelope sender not null" },
	{ "DSN 5.1.1 to reply+TOKEN", "", TOK_REPLY, 1, msg_dsn_5, "bounce", 0, 0, 0,
	  "marks nobody: sent to a reply address" },
	{ "DSN 4.4.1 to bounce+TOKEN", "", TOK_BOUNCE, 0, msg_dsn_4, "bounce", 0, 0, 0,
	  "temporary" },
	{ "DSN 5.1.1 to a forged bounce address", "", TOK_BOUNCE_FORGED, 0, msg_dsn_5,
	  "bounce", 0, 0, 0, "marks nobody: forged or damaged bounce address" },
	{ "DSN 5.1.1 returning our message, forged address", "", TOK_BOUNCE_FORGED, 1,
	  msg_dsn_5, "bounce", 0, 0, 0, "marks nobody: forged or damaged bounce address" },
};

static char *recipient_for(struct fx *f, enum tok tok)
{
	switch (tok) {
	case TOK_NONE:
	case TOK_REFS:
		return xstrdup("chat@reply.example");
	case TOK_REPLY:
		return fx_address(f, LINK_REPLY, f->thread, f->jane, f->now + CLOCK_DAY);
	case TOK_EXPIRED:
		return fx_address(f, LINK_REPLY, f->thread, f->jane, f->now - CLOCK_DAY);
	case TOK_REVOKED: {
		char *a = fx_address(f, LINK_REPLY, f->thread, f->jane, f->now + CLOCK_DAY);
		char *err = NULL;

		if (store_contact_bump_generation(f->store, f->jane, NULL, &err) != GW_OK)
			fail_msg("bump generation: %s", err);
		return a;
	}
	case TOK_FORGED: {
		char *a = fx_address(f, LINK_REPLY, f->thread, f->jane, f->now + CLOCK_DAY);
		char *p = strchr(a, '+') + 3;

		*p = *p == 'a' ? 'b' : 'a';
		return a;
	}
	case TOK_BOUNCE:
		return fx_address(f, LINK_BOUNCE, f->thread, f->jane, f->now + CLOCK_DAY);
	case TOK_BOUNCE_FORGED: {
		char *a = fx_address(f, LINK_BOUNCE, f->thread, f->jane, f->now + CLOCK_DAY);
		char *p = strchr(a, '+') + 3;

		*p = *p == 'a' ? 'b' : 'a';
		return a;
	}
	}
	return NULL;
}

static void test_decide_one_message(void **state)
{
	(void)state;
	for (size_t i = 0; i < GW_ARRAY_SIZE(one_cases); i++) {
		const struct one_case *c = &one_cases[i];
		struct fx f;
		struct decide_outcome out;
		char *rcpt, *msg, *verdict, *reason;
		int64_t due_before = 0, due_after = 0;

		fx_setup(&f, 1);
		due_before = fx_int(&f, "SELECT coalesce(rem_next_due, 0) FROM threads WHERE id = %lld",
				    (long long)f.thread);
		rcpt = recipient_for(&f, c->tok);
		msg = fx_msg(c->msg, rcpt, (int)i,
				c->refs_ours ? f.jane_mail_id : "gw.0123456789abcdef@reply.example");
		if (fx_decide(&f, c->sender, rcpt, msg, &out) != GW_OK)
			fail_msg("case %zu (%s): decide failed", i, c->name);

		verdict = fx_str(&f, "SELECT verdict FROM inbound_log ORDER BY id DESC LIMIT 1");
		reason = fx_str(&f, "SELECT coalesce(reason, '') FROM inbound_log ORDER BY id DESC LIMIT 1");
		if (strcmp(verdict, c->verdict) != 0 || strcmp(out.verdict, c->verdict) != 0)
			fail_msg("case %zu (%s): verdict %s (outcome %s), want %s; reason %s", i,
				 c->name, verdict, out.verdict, c->verdict, reason);
		if (fx_int(&f, "SELECT count(*) FROM inbound_log") != 1)
			fail_msg("case %zu (%s): not exactly one log row", i, c->name);
		if (c->reason_has != NULL && strstr(reason, c->reason_has) == NULL)
			fail_msg("case %zu (%s): reason \"%s\" lacks \"%s\"", i, c->name, reason,
				 c->reason_has);
		if (fx_explanations(&f) != c->explained)
			fail_msg("case %zu (%s): %lld explanations, want %d", i, c->name,
				 (long long)fx_explanations(&f), c->explained);
		if (fx_notes(&f) != c->explained)
			fail_msg("case %zu (%s): %lld staff notes, want %d", i, c->name,
				 (long long)fx_notes(&f), c->explained);
		if (c->explained) {
			int64_t rid = fx_int(&f, "SELECT coalesce(recipient_id, 0) FROM outbox"
					     " WHERE kind = 'explanation'");
			char *to = fx_str(&f, "SELECT recipient_address FROM outbox"
					  " WHERE kind = 'explanation'");

			if ((rid == f.jane) != c->fresh_link)
				fail_msg("case %zu (%s): explanation contact %lld, fresh link wanted %d",
					 i, c->name, (long long)rid, c->fresh_link);
			if (strcasecmp(to, c->sender) != 0)
				fail_msg("case %zu (%s): explanation to %s, not the sender %s", i,
					 c->name, to, c->sender);
			if (out.thread_id != f.thread || out.outbox_id <= 0)
				fail_msg("case %zu (%s): outcome thread %lld outbox %lld", i, c->name,
					 (long long)out.thread_id, (long long)out.outbox_id);
			free(to);
		}
		if (fx_bouncing(&f, f.jane) != c->bouncing)
			fail_msg("case %zu (%s): jane bouncing %d, want %d", i, c->name,
				 fx_bouncing(&f, f.jane), c->bouncing);
		/* Nothing here is a client reply: reminders go on as they were. */
		due_after = fx_int(&f, "SELECT coalesce(rem_next_due, 0) FROM threads WHERE id = %lld",
				   (long long)f.thread);
		if (due_before == 0 || due_after != due_before)
			fail_msg("case %zu (%s): reminder due %lld, was %lld", i, c->name,
				 (long long)due_after, (long long)due_before);
		if (fx_int(&f, "SELECT count(*) FROM messages WHERE author_kind = 'contact'") != 0)
			fail_msg("case %zu (%s): the reply was posted", i, c->name);

		free(verdict);
		free(reason);
		free(msg);
		free(rcpt);
		decide_outcome_clear(&out);
		fx_teardown(&f);
	}
}

/* The note says who, when, and that they were told to use the chat. */
static void test_decide_note_text(void **state)
{
	struct fx f;
	struct decide_outcome out;
	char *rcpt, *msg, *note;

	(void)state;
	fx_setup(&f, 1);
	rcpt = recipient_for(&f, TOK_REPLY);
	msg = fx_msg(msg_human, rcpt, 1, f.jane_mail_id);
	assert_int_equal(fx_decide(&f, "jane@client.example", rcpt, msg, &out), GW_OK);
	note = fx_str(&f, "SELECT body FROM messages WHERE staff_only = 1"
		      " AND author_kind = 'system' ORDER BY id DESC LIMIT 1");
	assert_string_equal(note, "Jane Smith replied by email at Nov 25, 2026, 9:30\xe2\x80\xaf" "AM UTC; the "
			    "reply was not posted and they were told to use the chat.");
	free(note);
	/* The explanation answers their message and quotes what they wrote. */
	note = fx_str(&f, "SELECT extra FROM outbox WHERE kind = 'explanation'");
	assert_non_null(strstr(note, "human-1@client.example"));
	assert_non_null(strstr(note, "bank statements tomorrow"));
	assert_null(strstr(note, "New message in your chat"));
	free(note);
	free(msg);
	free(rcpt);
	decide_outcome_clear(&out);
	fx_teardown(&f);
}

/* ---- sequences on one database ---------------------------------------- */

static void test_decide_redelivery_answered_once(void **state)
{
	struct fx f;
	struct decide_outcome out;
	char *rcpt, *msg, *last;

	(void)state;
	fx_setup(&f, 1);
	rcpt = recipient_for(&f, TOK_REPLY);
	msg = fx_msg(msg_human, rcpt, 7, f.jane_mail_id);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(fx_decide(&f, "jane@client.example", rcpt, msg, &out), GW_OK);
		assert_string_equal(out.verdict, i == 0 ? "explained" : "duplicate");
		decide_outcome_clear(&out);
	}
	assert_int_equal(fx_explanations(&f), 1);
	assert_int_equal(fx_notes(&f), 1);
	assert_int_equal(fx_int(&f, "SELECT count(*) FROM inbound_log"), 3);
	last = fx_str(&f, "SELECT reason FROM inbound_log ORDER BY id DESC LIMIT 1");
	/* the third delivery names the first, not the second */
	assert_string_equal(last, "redelivery of inbound 1 (explained)");
	free(last);

	/* A redelivered bounce marks nobody twice; a redelivered drop stays one. */
	free(rcpt);
	free(msg);
	rcpt = recipient_for(&f, TOK_BOUNCE);
	msg = fx_msg(msg_dsn_5, rcpt, 8, "x");
	assert_int_equal(fx_decide(&f, "", rcpt, msg, &out), GW_OK);
	assert_int_equal(out.contacts_bouncing, 1);
	decide_outcome_clear(&out);
	assert_int_equal(fx_decide(&f, "", rcpt, msg, &out), GW_OK);
	assert_string_equal(out.verdict, "duplicate");
	assert_int_equal(out.contacts_bouncing, 0);
	decide_outcome_clear(&out);
	free(rcpt);
	free(msg);
	fx_teardown(&f);
}

static void test_decide_one_explanation_per_thread_a_day(void **state)
{
	struct fx f;
	struct decide_outcome out;
	char *rcpt = NULL, *msg;
	static const struct {
		int64_t at;        /* seconds after the first reply */
		const char *sender;
		const char *verdict;
	} steps[] = {
		{ 0, "jane@client.example", "explained" },
		{ 3600, "jane@client.example", "explained-suppressed" },
		{ 7200, "JANE@client.example", "explained-suppressed" },
		{ 7300, "bob@elsewhere.example", "explained" },
		{ CLOCK_DAY - 60, "jane@client.example", "explained-suppressed" },
		{ CLOCK_DAY + 3600, "jane@client.example", "explained" },
	};

	(void)state;
	fx_setup(&f, 1);
	for (size_t i = 0; i < GW_ARRAY_SIZE(steps); i++) {
		clock_set(f.now + steps[i].at);
		free(rcpt);
		rcpt = recipient_for(&f, TOK_REPLY);
		msg = fx_msg(msg_human, rcpt, 100 + (int)i, f.jane_mail_id);
		if (fx_decide(&f, steps[i].sender, rcpt, msg, &out) != GW_OK)
			fail_msg("step %zu: decide failed", i);
		if (strcmp(out.verdict, steps[i].verdict) != 0)
			fail_msg("step %zu: %s, want %s (%s)", i, out.verdict, steps[i].verdict,
				 out.reason);
		if (strcmp(out.verdict, "explained-suppressed") == 0 &&
		    strstr(out.reason, "24 h") == NULL)
			fail_msg("step %zu: reason \"%s\" does not name the 24 h limit", i,
				 out.reason);
		decide_outcome_clear(&out);
		free(msg);
	}
	assert_int_equal(fx_explanations(&f), 3);
	assert_int_equal(fx_notes(&f), 3);
	free(rcpt);
	fx_teardown(&f);
}

static void test_decide_daily_cap_per_sender(void **state)
{
	struct fx f;
	struct decide_outcome out;
	int64_t threads[4];

	(void)state;
	fx_setup(&f, 1);
	f.set.max_explanations_per_day = 2;
	threads[0] = f.thread;
	for (int i = 1; i < 4; i++)
		threads[i] = fx_thread(&f, "Another question");
	for (int i = 0; i < 4; i++) {
		char *rcpt = fx_address(&f, LINK_REPLY, threads[i], f.jane, f.now + CLOCK_DAY);
		char *msg = fx_msg(msg_human, rcpt, 200 + i, "none@reply.example");
		const char *want = i < 2 ? "explained" : "explained-suppressed";

		clock_set(f.now + i * 60);
		if (fx_decide(&f, "jane@client.example", rcpt, msg, &out) != GW_OK)
			fail_msg("reply %d: decide failed", i);
		if (strcmp(out.verdict, want) != 0)
			fail_msg("reply %d: %s, want %s", i, out.verdict, want);
		if (i >= 2 && strstr(out.reason, "cap of 2") == NULL)
			fail_msg("reply %d: reason \"%s\" does not name the cap", i, out.reason);
		if (out.thread_id != threads[i])
			fail_msg("reply %d: thread %lld, want %lld", i, (long long)out.thread_id,
				 (long long)threads[i]);
		decide_outcome_clear(&out);
		free(msg);
		free(rcpt);
	}
	assert_int_equal(fx_explanations(&f), 2);

	/* 0 turns explanations off altogether. */
	f.set.max_explanations_per_day = 0;
	clock_set(f.now + 3 * CLOCK_DAY);
	{
		char *rcpt = recipient_for(&f, TOK_REPLY);
		char *msg = fx_msg(msg_human, rcpt, 300, f.jane_mail_id);

		assert_int_equal(fx_decide(&f, "jane@client.example", rcpt, msg, &out), GW_OK);
		assert_string_equal(out.verdict, "explained-suppressed");
		decide_outcome_clear(&out);
		free(msg);
		free(rcpt);
	}
	assert_int_equal(fx_explanations(&f), 2);
	fx_teardown(&f);
}

/* Over the size limit: recorded with its real size and dropped. */
static void test_decide_oversize_logged_with_size(void **state)
{
	struct fx f;
	struct decide_outcome out;
	struct buf b = BUF_INIT;
	char *rcpt, *head;
	char *err = NULL;

	(void)state;
	fx_setup(&f, 1);
	f.set.limits.max_size = 4096;
	rcpt = recipient_for(&f, TOK_REPLY);
	head = fx_msg(msg_human, rcpt, 400, f.jane_mail_id);
	buf_puts(&b, head);
	while (b.len < 10000)
		buf_puts(&b, "padding padding padding padding padding padding padding\n");
	/* as the pipe reads it: only max_size bytes kept, all counted */
	assert_int_equal(decide_message(&f.set, "jane@client.example", rcpt, b.data, 4096,
					b.len, &out, &err),
			 GW_OK);
	assert_string_equal(out.verdict, "over-limit");
	assert_int_equal(fx_int(&f, "SELECT size FROM inbound_log"), (int64_t)b.len);
	assert_string_equal(fx_str_keep(&f, "SELECT message_id FROM inbound_log"),
			    "human-400@client.example");
	assert_int_equal(fx_explanations(&f), 0);
	decide_outcome_clear(&out);
	buf_release(&b);
	free(head);
	free(rcpt);
	fx_teardown(&f);
}

/* Envelope strings with control bytes and bad UTF-8 are stored cleaned. */
static void test_decide_envelope_cleaned(void **state)
{
	struct fx f;
	struct decide_outcome out;
	char *line;

	(void)state;
	fx_setup(&f, 1);
	assert_int_equal(fx_decide(&f, "a\x01" "b\xff@x.example", "chat\n@reply.example",
				   "From: a@x.example\nSubject: hi\n\nhello\n", &out),
			 GW_OK);
	assert_string_equal(out.verdict, "dropped");
	assert_string_equal(fx_str_keep(&f, "SELECT sender || '|' || recipient FROM inbound_log"),
			    "a?b?@x.example|chat?@reply.example");
	line = decide_outcome_line(&out);
	assert_null(strchr(line, '\n'));
	assert_non_null(strstr(line, "human, dropped"));
	free(line);
	decide_outcome_clear(&out);
	fx_teardown(&f);
}

/*
 * A reply with a genuine token whose sender (envelope or From) is our own
 * [mail] from address, at its domain or in the reply domain is logged
 * "dropped" with the reason and never answered: the answer would come
 * back to us.  Everyone else is still answered.
 */
static void test_decide_own_from_address_never_answered(void **state)
{
	static const struct {
		const char *sender, *from, *verdict, *reason_has;
	} cases[] = {
		{ "chat@firm.example", "jane@client.example", "dropped",
		  "sender our own [mail] from address" },
		{ "CHAT@Firm.Example", "jane@client.example", "dropped", "our own [mail] from" },
		{ "someone@firm.example.", "jane@client.example", "dropped",
		  "at the domain of our [mail] from address" },
		{ "jane@client.example", "chat@firm.example", "dropped",
		  "From chat@firm.example our own [mail] from address" },
		{ "jane@client.example", "other@FIRM.example", "dropped", "From other@FIRM.example at" },
		{ "jane@client.example", "reply+x@reply.example", "dropped", "in our reply domain" },
		{ "jane@client.example", "chat@firm.example.org", "explained", NULL },
		{ "jane@client.example", "jane@client.example", "explained", NULL },
	};

	(void)state;
	for (size_t i = 0; i < GW_ARRAY_SIZE(cases); i++) {
		struct fx f;
		struct decide_outcome out;
		char *rcpt, *tmpl, *msg;
		const char *reason;

		fx_setup(&f, 1);
		f.set.from_address = "chat@firm.example";
		rcpt = recipient_for(&f, TOK_REPLY);
		tmpl = xasprintf("From: <%s>\n%s", cases[i].from, strchr(msg_human, '\n') + 1);
		msg = fx_msg(tmpl, rcpt, (int)i, f.jane_mail_id);
		if (fx_decide(&f, cases[i].sender, rcpt, msg, &out) != GW_OK)
			fail_msg("case %zu: decide failed", i);
		reason = fx_str_keep(&f, "SELECT coalesce(reason, '') FROM inbound_log");
		if (strcmp(out.verdict, cases[i].verdict) != 0 ||
		    strcmp(fx_str_keep(&f, "SELECT verdict FROM inbound_log"), cases[i].verdict) != 0)
			fail_msg("case %zu: verdict %s, want %s; reason %s", i, out.verdict,
				 cases[i].verdict, reason);
		if (cases[i].reason_has != NULL && strstr(reason, cases[i].reason_has) == NULL)
			fail_msg("case %zu: reason \"%s\" lacks \"%s\"", i, reason, cases[i].reason_has);
		if (fx_explanations(&f) != (strcmp(cases[i].verdict, "explained") == 0))
			fail_msg("case %zu: %lld explanations", i, (long long)fx_explanations(&f));
		decide_outcome_clear(&out);
		free(msg);
		free(tmpl);
		free(rcpt);
		fx_teardown(&f);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decide_one_message),
		cmocka_unit_test(test_decide_note_text),
		cmocka_unit_test(test_decide_redelivery_answered_once),
		cmocka_unit_test(test_decide_one_explanation_per_thread_a_day),
		cmocka_unit_test(test_decide_daily_cap_per_sender),
		cmocka_unit_test(test_decide_oversize_logged_with_size),
		cmocka_unit_test(test_decide_envelope_cleaned),
		cmocka_unit_test(test_decide_own_from_address_never_answered),
		cmocka_unit_test(test_decide_pipe_exit_codes),
		cmocka_unit_test(test_decide_pipe_tempfail),
		cmocka_unit_test(test_decide_pipe_concurrent_replies),
		cmocka_unit_test(test_decide_pipe_corpus_never_answered),
	};

	return test_exit(cmocka_run_group_tests(tests, NULL, NULL));
}
