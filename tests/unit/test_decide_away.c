/*
 * test_decide_away.c - a person's automatic reply to one of our emails:
 * never answered; a staff-only note in the thread, at most one per
 * contact, thread and day (and one without a date per thread and day);
 * the contact "away until" the date it gives; bad dates logged and
 * ignored; the contact's reminders postponed while they are away (test
 * clock moved); and the whole path through the built gatewayd-pipe
 * program with an auto-reply this test writes.  Also: machines and our
 * own addresses are never answered, end to end through decide.
 */
#include "decide_fixture.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "away.h"

#ifndef GW_PIPE_BIN
#error "GW_PIPE_BIN must name the gatewayd-pipe binary"
#endif

static int64_t n_msg;

/*
 * An out-of-office reply as Exchange writes it, from FROM with BODY, to
 * CONTACT's reply address of the thread; the outcome's verdict.
 */
static const char *auto_reply(struct fx *f, int64_t contact, const char *from, const char *body)
{
	struct decide_outcome out;
	char *rcpt = fx_address(f, LINK_REPLY, f->thread, contact, clock_now() + 30 * CLOCK_DAY);
	char *msg = xasprintf("From: <%s>\nTo: <%s>\n"
			      "Subject: Automatic reply: Documents for 2026\n"
			      "Message-ID: <ooo-%lld@client.example>\n"
			      "Auto-Submitted: auto-replied\n"
			      "X-MS-Exchange-Inbox-Rules-Loop: %s\n"
			      "Content-Type: text/plain; charset=utf-8\n\n"
			      "%s\n\n-----Original Message-----\nFrom: Example & Co\n"
			      "Subject: Documents for 2026 (answer by 1 December)\n",
			      from, rcpt, (long long)++n_msg, from, body);
	const char *verdict;

	if (fx_decide(f, from, rcpt, msg, &out) != GW_OK)
		fail_msg("decide failed for \"%s\"", body);
	verdict = out.verdict;
	decide_outcome_clear(&out);
	free(msg);
	free(rcpt);
	return verdict;
}

static int64_t away_notes(struct fx *f)
{
	return fx_int(f, "SELECT count(*) FROM messages WHERE staff_only = 1 AND author_kind = 'system'"
		      " AND (body LIKE '%%is away until%%' OR body LIKE 'Automatic reply received%%')");
}

static const char *away_until(struct fx *f, int64_t contact)
{
	return fx_str_keep(f, "SELECT coalesce(away_until, '-') FROM contacts WHERE id = %lld",
			   (long long)contact);
}

static const char *last_reason(struct fx *f)
{
	return fx_str_keep(f, "SELECT coalesce(reason, '') FROM inbound_log ORDER BY id DESC LIMIT 1");
}

/* FX_NOW is Wednesday 25 November 2026, 09:30 UTC. */
static void test_decide_away_note_and_state(void **state)
{
	struct fx f;

	(void)state;
	fx_setup(&f, 1);
	assert_string_equal(auto_reply(&f, f.jane, "jane@client.example",
				       "I am out of the office until 3 December."),
			    "automatic");
	assert_int_equal(fx_explanations(&f), 0);
	assert_int_equal(fx_int(&f, "SELECT count(*) FROM outbox WHERE recipient_address ="
				" 'jane@client.example' AND kind <> 'new_message'"), 0);
	assert_string_equal(fx_str_keep(&f, "SELECT body FROM messages WHERE author_kind = 'system'"
					" AND staff_only = 1 ORDER BY id DESC LIMIT 1"),
			    "Jane Smith is away until December 3, 2026 (automatic reply).");
	assert_string_equal(away_until(&f, f.jane), "2026-12-03");
	/* reminders to her wait for Friday 4 December */
	assert_int_equal(fx_int(&f, "SELECT away_resume_at FROM contacts WHERE id = %lld",
				(long long)f.jane),
			 away_day_from_civil(2026, 12, 4) * CLOCK_DAY);
	assert_string_equal(away_until(&f, f.bob), "-");
	assert_non_null(strstr(last_reason(&f), "away until 2026-12-03"));
	assert_non_null(strstr(last_reason(&f), "staff note"));
	assert_int_equal(fx_int(&f, "SELECT thread_id FROM inbound_log"), f.thread);
	fx_teardown(&f);
}

/* Never more than one note per contact and thread a day; the state follows the newest. */
static void test_decide_away_once_per_day(void **state)
{
	struct fx f;

	(void)state;
	fx_setup(&f, 1);
	auto_reply(&f, f.jane, "jane@client.example", "Away until 3 December.");
	auto_reply(&f, f.jane, "jane@client.example", "Away until 4 December.");
	auto_reply(&f, f.jane, "jane@client.example", "I am on holiday.");
	assert_int_equal(away_notes(&f), 1);
	assert_string_equal(away_until(&f, f.jane), "2026-12-04");
	assert_non_null(strstr(last_reason(&f), "noted already today"));
	assert_int_equal(fx_int(&f, "SELECT count(*) FROM inbound_log WHERE verdict = 'automatic'"), 3);

	/* undated replies: one note per thread and day, whoever sends them */
	auto_reply(&f, f.bob, "bob@client.example", "I am on holiday.");
	assert_int_equal(away_notes(&f), 2);
	auto_reply(&f, f.bob, "bob@client.example", "Still on holiday.");
	assert_int_equal(away_notes(&f), 2);

	/* the next day: a note again */
	clock_set(FX_NOW + CLOCK_DAY);
	auto_reply(&f, f.jane, "jane@client.example", "Away until 4 December.");
	assert_int_equal(away_notes(&f), 3);
	assert_int_equal(fx_explanations(&f), 0);
	fx_teardown(&f);
}

/* Bad dates: handled, logged once, nothing answered, nothing lost. */
static void test_decide_away_bad_dates(void **state)
{
	static const struct {
		const char *body, *until, *reason_has, *note;
	} t[] = {
		{ "Away until 20 November 2026.", "-", "ignored: in the past",
		  "Automatic reply received from Jane Smith." },
		{ "Away until 31 February 2027.", "-", "ignored: no such day",
		  "Automatic reply received from Jane Smith." },
		{ "Away until 3 December 2029.", "2027-01-24", "capped at 60 days",
		  "Jane Smith is away until January 24, 2027 (automatic reply; it said \"until 3 "
		  "december 2029\", more than 60 days ahead)." },
		/* year-less: the next one, 20 November 2027, capped */
		{ "Away until 20 November.", "2027-01-24", "capped", NULL },
		{ "Away until 2 December.", "2026-12-02", "away until 2026-12-02",
		  "Jane Smith is away until December 2, 2026 (automatic reply)." },
	};

	(void)state;
	for (size_t i = 0; i < GW_ARRAY_SIZE(t); i++) {
		struct fx f;

		fx_setup(&f, 1);
		if (strcmp(auto_reply(&f, f.jane, "jane@client.example", t[i].body), "automatic"))
			fail_msg("case %zu: not automatic", i);
		if (strcmp(away_until(&f, f.jane), t[i].until))
			fail_msg("case %zu: away until %s, want %s", i, away_until(&f, f.jane),
				 t[i].until);
		if (!strstr(last_reason(&f), t[i].reason_has))
			fail_msg("case %zu: reason \"%s\" lacks \"%s\"", i, last_reason(&f),
				 t[i].reason_has);
		if (t[i].note &&
		    strcmp(fx_str_keep(&f, "SELECT body FROM messages WHERE author_kind = 'system'"
				       " AND staff_only = 1 ORDER BY id DESC LIMIT 1"), t[i].note))
			fail_msg("case %zu: note \"%s\"", i,
				 fx_str_keep(&f, "SELECT body FROM messages WHERE author_kind ="
					     " 'system' ORDER BY id DESC LIMIT 1"));
		assert_int_equal(fx_int(&f, "SELECT count(*) FROM inbound_log"), 1);
		assert_int_equal(fx_explanations(&f), 0);
		fx_teardown(&f);
	}
}

/* A Sieve vacation reply goes to the envelope sender: our bounce address. */
static void test_decide_away_to_the_bounce_address(void **state)
{
	struct fx f;
	struct decide_outcome out;
	char *verp, *msg;

	(void)state;
	fx_setup(&f, 1);
	verp = fx_address(&f, LINK_BOUNCE, f.thread, f.jane, FX_NOW + 30 * CLOCK_DAY);
	msg = xasprintf("From: Jane Smith <jane@client.example>\nTo: <%s>\n"
			"Subject: Auto: Documents for 2026\nMessage-ID: <sieve-1@client.example>\n"
			"Auto-Submitted: auto-replied (vacation)\nPrecedence: bulk\n\n"
			"Ich bin bis zum 3.12. im Urlaub.\n", verp);
	/* Precedence: bulk is what Sieve's vacation adds: still not a list */
	assert_int_equal(fx_decide(&f, "", verp, msg, &out), GW_OK);
	assert_string_equal(out.verdict, "automatic");
	assert_string_equal(away_until(&f, f.jane), "2026-12-03");
	assert_int_equal(away_notes(&f), 1);
	assert_int_equal(fx_explanations(&f), 0);
	assert_int_equal(fx_bouncing(&f, f.jane), 0);
	decide_outcome_clear(&out);
	free(msg);
	free(verp);
	fx_teardown(&f);
}

/* The contact writes in person: they are back, whatever their auto-reply said. */
static void test_decide_away_ends_when_they_write(void **state)
{
	struct fx f;
	struct decide_outcome out;
	char *rcpt, *msg, *err = NULL;
	int64_t id = 0;

	(void)state;
	fx_setup(&f, 1);
	auto_reply(&f, f.jane, "jane@client.example", "Away until 3 December.");
	auto_reply(&f, f.bob, "bob@client.example", "Away until 3 December.");
	assert_string_equal(away_until(&f, f.jane), "2026-12-03");
	/* Jane answers by email: explained, and no longer away */
	rcpt = fx_address(&f, LINK_REPLY, f.thread, f.jane, FX_NOW + 30 * CLOCK_DAY);
	msg = xasprintf("From: Jane Smith <jane@client.example>\nTo: <%s>\nSubject: Re: Documents\n"
			"Message-ID: <back-1@client.example>\n\nBack early, sending them now.\n", rcpt);
	assert_int_equal(fx_decide(&f, "jane@client.example", rcpt, msg, &out), GW_OK);
	assert_string_equal(out.verdict, "explained");
	assert_string_equal(away_until(&f, f.jane), "-");
	decide_outcome_clear(&out);
	/* Bob posts in the chat */
	assert_string_equal(away_until(&f, f.bob), "2026-12-03");
	if (store_message_post(f.store, f.thread, STORE_CONTACT, f.bob, "Back too.", &id, &err) !=
	    GW_OK)
		fail_msg("post: %s", err);
	assert_string_equal(away_until(&f, f.bob), "-");
	free(msg);
	free(rcpt);
	fx_teardown(&f);
}

/* Someone else's automatic reply (an assistant) changes no one's state. */
static void test_decide_away_other_sender(void **state)
{
	struct fx f;

	(void)state;
	fx_setup(&f, 1);
	auto_reply(&f, f.jane, "assistant@client.example", "Jane is away until 3 December.");
	assert_string_equal(away_until(&f, f.jane), "-");
	assert_string_equal(fx_str_keep(&f, "SELECT body FROM messages WHERE author_kind = 'system'"
					" ORDER BY id DESC LIMIT 1"),
			    "assistant@client.example is away until December 3, 2026 (automatic reply).");
	assert_non_null(strstr(last_reason(&f), "no state changed"));
	fx_teardown(&f);
}

static int run_reminders(struct fx *f, int64_t now)
{
	int n = 0;
	char *err = NULL;

	clock_set(now);
	if (store_reminders_run(f->store, now, &n, &err) != GW_OK)
		fail_msg("reminders: %s", err);
	return n;
}

static int64_t reminders_to(struct fx *f, int64_t contact, int64_t due_before)
{
	return fx_int(f, "SELECT count(*) FROM outbox WHERE kind = 'reminder' AND status = 'queued'"
		      " AND recipient_id = %lld AND next_attempt_at <= %lld", (long long)contact,
		      (long long)due_before);
}

/*
 * Everyone away: the thread's reminder waits for the first return (the
 * next business day after the date), then goes with the stop rules
 * checked again.  The clock is moved, not waited for.
 */
static void test_decide_away_reminders_wait_for_everyone(void **state)
{
	struct fx f;
	int64_t due, back = away_day_from_civil(2026, 12, 7) * CLOCK_DAY; /* Monday */

	(void)state;
	fx_setup(&f, 1);
	due = fx_int(&f, "SELECT rem_next_due FROM threads WHERE id = %lld", (long long)f.thread);
	assert_int_equal(due, FX_NOW + 3 * CLOCK_DAY);
	/* Jane back after Friday 4 December (on Monday 7th), Bob after Saturday 5th */
	auto_reply(&f, f.jane, "jane@client.example", "I'm out until Friday 4 December.");
	auto_reply(&f, f.bob, "bob@client.example", "Back on Sunday 6 December.");
	assert_int_equal(run_reminders(&f, due), 0);
	assert_int_equal(fx_int(&f, "SELECT count(*) FROM outbox WHERE kind = 'reminder'"), 0);
	/* postponed, not dropped */
	assert_int_equal(fx_int(&f, "SELECT rem_next_due FROM threads WHERE id = %lld",
				(long long)f.thread), back);
	assert_int_equal(run_reminders(&f, back - 1), 0);
	assert_int_equal(run_reminders(&f, back), 2);
	assert_int_equal(reminders_to(&f, f.jane, back), 1);
	assert_int_equal(reminders_to(&f, f.bob, back), 1);
	fx_teardown(&f);
}

/*
 * Only some away: the others are reminded on time, the away contact's
 * reminder waits for their return (one, not one per cycle), and goes
 * when the cycle ends first (a client's answer).
 */
static void test_decide_away_reminders_wait_for_that_contact(void **state)
{
	struct fx f;
	int64_t due, back = away_day_from_civil(2026, 12, 4) * CLOCK_DAY, msg = 0;
	char *err = NULL;

	(void)state;
	fx_setup(&f, 1);
	due = FX_NOW + 3 * CLOCK_DAY;
	auto_reply(&f, f.jane, "jane@client.example", "Abwesend bis zum 3.12.");
	/* two rows: Bob's due now, Jane's waiting */
	assert_int_equal(run_reminders(&f, due), 2);
	assert_int_equal(reminders_to(&f, f.bob, due), 1);
	assert_int_equal(reminders_to(&f, f.jane, due), 0);
	assert_int_equal(reminders_to(&f, f.jane, back), 1);
	/* the second reminder of the cycle: Bob again, Jane's first still waits */
	assert_int_equal(run_reminders(&f, due + 3 * CLOCK_DAY), 1);
	assert_int_equal(fx_int(&f, "SELECT count(*) FROM outbox WHERE kind = 'reminder'"
				" AND recipient_id = %lld", (long long)f.jane), 1);
	/* Bob answers: the cycle ends, and Jane's waiting reminder with it */
	if (store_message_post(f.store, f.thread, STORE_CONTACT, f.bob, "Done.", &msg, &err) !=
	    GW_OK)
		fail_msg("post: %s", err);
	assert_int_equal(reminders_to(&f, f.jane, back), 0);
	assert_string_equal(fx_str_keep(&f, "SELECT last_error FROM outbox WHERE kind = 'reminder'"
					" AND recipient_id = %lld", (long long)f.jane),
			    "reminder no longer due");
	fx_teardown(&f);
}

/* Archiving the thread withdraws a reminder waiting for an away contact. */
static void test_decide_away_reminders_withdrawn_on_archive(void **state)
{
	struct fx f;
	int64_t due = FX_NOW + 3 * CLOCK_DAY, back = away_day_from_civil(2026, 12, 4) * CLOCK_DAY;
	char *err = NULL;

	(void)state;
	fx_setup(&f, 1);
	auto_reply(&f, f.jane, "jane@client.example", "Hasta el 3 de diciembre.");
	assert_int_equal(run_reminders(&f, due), 2);
	assert_int_equal(reminders_to(&f, f.jane, back), 1);
	if (store_thread_archive(f.store, f.thread, f.staff, &err) != GW_OK)
		fail_msg("archive: %s", err);
	assert_int_equal(reminders_to(&f, f.jane, back), 0);
	/* Bob's, due already, is not withdrawn */
	assert_int_equal(reminders_to(&f, f.bob, due), 1);
	fx_teardown(&f);
}

/* Machines and our own addresses, through decide: logged, never answered. */
static void test_decide_away_machines_never_answered(void **state)
{
	static const struct {
		const char *sender, *from, *headers, *subject, *verdict;
	} t[] = {
		{ "jane@client.example", "jane@client.example", "", "R\xc3\xa9ponse automatique\xc2\xa0: x",
		  "automatic" },
		{ "jane@client.example", "jane@client.example", "Feedback-ID: 1:2:3\n", "Re: x", "automatic" },
		{ "jane@client.example", "jane@client.example",
		  "Content-Type: text/calendar; method=REPLY\n", "Accepted: x", "automatic" },
		{ "bounces+42-abcdef=reply.example@esp.example", "news@shop.example", "", "Re: x",
		  "automatic" },
		{ "tax-request@lists.example", "tax-request@lists.example", "", "Re: x", "automatic" },
		{ "root@localhost", "root@localhost", "", "Re: x", "automatic" },
		{ "chat@firm.example", "jane@client.example", "", "Re: x", "dropped" },
		{ "jane@client.example", "someone@firm.example", "", "Re: x", "dropped" },
		{ "jane@client.example", "x@reply.example", "", "Re: x", "dropped" },
		/* a person is still explained */
		{ "jane@client.example", "jane@client.example", "X-Auto-Response-Suppress: All\n",
		  "RE: x", "explained" },
	};

	(void)state;
	for (size_t i = 0; i < GW_ARRAY_SIZE(t); i++) {
		struct fx f;
		struct decide_outcome out;
		char *rcpt, *msg;

		fx_setup(&f, 1);
		f.set.from_address = "chat@firm.example";
		rcpt = fx_address(&f, LINK_REPLY, f.thread, f.jane, FX_NOW + 30 * CLOCK_DAY);
		msg = xasprintf("From: <%s>\nTo: <%s>\nSubject: %s\nMessage-ID: <m%zu@client.example>\n"
				"%s\nThanks.\n",
				t[i].from, rcpt, t[i].subject, i, t[i].headers);
		if (fx_decide(&f, t[i].sender, rcpt, msg, &out) != GW_OK)
			fail_msg("case %zu: decide failed", i);
		if (strcmp(out.verdict, t[i].verdict))
			fail_msg("case %zu: %s (%s), want %s", i, out.verdict, out.reason, t[i].verdict);
		if (fx_explanations(&f) != !strcmp(t[i].verdict, "explained"))
			fail_msg("case %zu: %lld explanations", i, (long long)fx_explanations(&f));
		decide_outcome_clear(&out);
		free(msg);
		free(rcpt);
		fx_teardown(&f);
	}
}

/* The built gatewayd-pipe, as pipe(8) runs it, with a German Exchange auto-reply. */
static void test_decide_away_pipe_end_to_end(void **state)
{
	struct fx f;
	char *rcpt, *msg, *in_path, iso[AWAY_DAY_MAX], out[1024];
	int64_t last;
	int y, m, d, fd, p[2], ws;
	size_t got = 0;
	ssize_t n;
	pid_t pid;

	(void)state;
	fx_setup(&f, 0);  /* the binary reads the real clock */
	fx_write_config(&f, NULL);
	last = clock_now() / CLOCK_DAY + 10;
	away_civil_from_day(last, &y, &m, &d);
	rcpt = fx_address(&f, LINK_REPLY, f.thread, f.jane, clock_now() + 30 * CLOCK_DAY);
	msg = xasprintf("Received: from mx.client.example\n"
			"From: Jane Smith <jane@client.example>\n"
			"To: <%s>\n"
			"Subject: =?utf-8?Q?Automatische_Antwort:_Documents_for_2026?=\n"
			"Date: Wed, 25 Nov 2026 09:31:00 +0000\n"
			"Message-ID: <AM0PR01MB1234@eurprd01.prod.outlook.example>\n"
			"In-Reply-To: <%s>\n"
			"Auto-Submitted: auto-generated\n"
			"X-MS-Exchange-Inbox-Rules-Loop: jane@client.example\n"
			"X-MS-Exchange-Generated-Message-Source: Mailbox Rules Agent\n"
			"Content-Language: de-DE\n"
			"MIME-Version: 1.0\n"
			"Content-Type: text/plain; charset=\"iso-8859-1\"\n"
			"Content-Transfer-Encoding: quoted-printable\n"
			"\n"
			"Vielen Dank f=FCr Ihre Nachricht. Ich bin bis zum %d.%d. nicht im B=FCro\n"
			"und habe keinen Zugriff auf meine E-Mails.\n",
			rcpt, f.jane_mail_id, d, m);
	in_path = xasprintf("%s/ooo.eml", f.dir);
	fd = open(in_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0 && write(fd, msg, strlen(msg)) == (ssize_t)strlen(msg) && close(fd) == 0);
	assert_int_equal(pipe(p), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int in = open(in_path, O_RDONLY);

		if (in < 0 || dup2(in, 0) < 0 || dup2(p[1], 1) < 0 || dup2(p[1], 2) < 0)
			_exit(121);
		close(p[0]);
		execl(GW_PIPE_BIN, GW_PIPE_BIN, "-c", f.conf_path, "jane@client.example", rcpt,
		      (char *)NULL);
		_exit(123);
	}
	close(p[1]);
	while ((n = read(p[0], out + got, sizeof(out) - 1 - got)) > 0)
		got += (size_t)n;
	out[got] = '\0';
	close(p[0]);
	assert_int_equal(waitpid(pid, &ws, 0), pid);
	if (!WIFEXITED(ws) || WEXITSTATUS(ws) != 0)
		fail_msg("gatewayd-pipe: status %d, output \"%s\"", ws, out);
	/* nothing answered, the note and the state are there */
	assert_int_equal(fx_explanations(&f), 0);
	assert_string_equal(fx_str_keep(&f, "SELECT verdict FROM inbound_log"), "automatic");
	assert_string_equal(away_until(&f, f.jane), away_format_iso(last, iso));
	assert_int_equal(away_notes(&f), 1);
	assert_non_null(strstr(fx_str_keep(&f, "SELECT body FROM messages WHERE author_kind ="
					   " 'system' ORDER BY id DESC LIMIT 1"),
			       "Jane Smith is away until "));
	free(in_path);
	free(msg);
	free(rcpt);
	fx_teardown(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decide_away_note_and_state),
		cmocka_unit_test(test_decide_away_once_per_day),
		cmocka_unit_test(test_decide_away_bad_dates),
		cmocka_unit_test(test_decide_away_to_the_bounce_address),
		cmocka_unit_test(test_decide_away_ends_when_they_write),
		cmocka_unit_test(test_decide_away_other_sender),
		cmocka_unit_test(test_decide_away_reminders_wait_for_everyone),
		cmocka_unit_test(test_decide_away_reminders_wait_for_that_contact),
		cmocka_unit_test(test_decide_away_reminders_withdrawn_on_archive),
		cmocka_unit_test(test_decide_away_machines_never_answered),
		cmocka_unit_test(test_decide_away_pipe_end_to_end),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
