/*
 * test_inbound.c - classification of inbound mail: a table of messages
 * written for these tests (human replies from several clients, every
 * auto-reply style, DSNs, bounces to the VERP address, read receipts,
 * feedback reports, our own loop) with the verdict and reason each must
 * get; the out-of-office subjects in every language listed; no-reply
 * senders; token candidates and their order; the quote of a human reply.
 *
 * Messages live in the table as strings, the longer ones as files under
 * tests/data/inbound/.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "test_inbound_util.h"

#define RCPT "reply+k2v7qmxd4a@reply.example"
#define VERP "bounce+f5g7h9j1k3@reply.example"
#define CLIENT "client@client.example"

/* A plain human-looking message with extra header lines H and subject S. */
#define MSG(h, s, body)                                                            \
	"From: Client <" CLIENT ">\nTo: Example & Co <" RCPT ">\nSubject: " s "\n" \
	"Date: Tue, 24 Nov 2026 10:00:00 +0000\nMessage-ID: <m1@client.example>\n"    \
	h "\n\n" body

struct tcase {
	const char *file; /* under tests/data/inbound/; NULL: text */
	const char *text;
	const char *sender;    /* NULL: CLIENT */
	const char *recipient; /* NULL: RCPT */
	enum inbound_verdict verdict;
	const char *reason;
	const char *quote;     /* expected quote, NULL: not checked */
	const char *status;    /* bounce status, NULL: not checked */
	int permanent;
	const char *final_rcpt;/* NULL: not checked */
};

#define ROW(f, t, s, r, v, why) { f, t, s, r, v, why, NULL, NULL, 0, NULL }
#define ROWQ(f, t, s, r, v, why, q) { f, t, s, r, v, why, q, NULL, 0, NULL }
#define ROWB(f, t, s, r, v, why, st, perm, fin) { f, t, s, r, v, why, NULL, st, perm, fin }

static const struct tcase cases[] = {
	/* 0-3: human replies from several clients */
	ROWQ("gmail-reply.eml", NULL, "one@gmail.example", NULL, INBOUND_HUMAN, "human",
	  "Thanks, I will upload the bank statements tomorrow morning.\n\nBest,\nOne"),
	/* Outlook: X-Auto-Response-Suppress alone is a person */
	ROWQ("outlook-reply.eml", NULL, "two@client.example", NULL, INBOUND_HUMAN, "human",
	  "Hallo,\n\ndie Unterlagen schicke ich bis Freitag. Sch\xc3\xb6ne Gr\xc3\xbc\xc3\x9f" "e\n\n"
	  "Client Two"),
	ROWQ("apple-mail-reply.eml", NULL, "three@icloud.example", NULL, INBOUND_HUMAN, "human",
	  "Done, the receipts are in the chat now \xe2\x9c\x93"),
	ROWQ("thunderbird-reply.eml", NULL, "four@mailbox.example", NULL, INBOUND_HUMAN, "human",
	  "Which year do you need, 2025 or 2026?"),
	/* 4-7: human edge cases */
	ROWQ(NULL, MSG("Auto-Submitted: no", "Re: Year-end documents", "Fine.\n"), NULL, NULL,
	  INBOUND_HUMAN, "human", "Fine."),
	ROWQ(NULL, MSG("X-Auto-Response-Suppress: All\nThread-Index: AQHZ", "RE: Out of office plans",
		    "We are away in December, the office is closed.\n"),
	  NULL, NULL, INBOUND_HUMAN, "human", NULL),
	ROWQ(NULL, MSG("X-Mailer: Foo", "Absenteeism report", "Attached.\n"), NULL, NULL,
	  INBOUND_HUMAN, "human", "Attached."),
	/* HTML only, the history in a blockquote */
	ROWQ(NULL, MSG("Content-Type: text/html; charset=utf-8", "Re: Year-end documents",
		    "<html><body><p>Yes &amp; thanks!</p><div>On Tue wrote:<blockquote>"
		    "<p>old text</p></blockquote></div></body></html>\n"),
	  NULL, NULL, INBOUND_HUMAN, "human", "Yes & thanks!"),

	/* 8-16: auto-reply headers */
	ROW(NULL, MSG("Auto-Submitted: auto-replied", "Re: Year-end documents", "x\n"), NULL, NULL,
	  INBOUND_AUTOMATIC, "auto-submitted: auto-replied"),
	ROW(NULL, MSG("Auto-Submitted: Auto-Generated (rule)", "Year-end", "x\n"), NULL, NULL,
	  INBOUND_AUTOMATIC, "auto-submitted: auto-generated"),
	ROW(NULL, MSG("X-Autoreply: yes", "Re: Year-end documents", "x\n"), NULL, NULL,
	  INBOUND_AUTOMATIC, "x-autoreply"),
	ROW(NULL, MSG("X-Autorespond: Re: Year-end", "Re: Year-end documents", "x\n"), NULL, NULL,
	  INBOUND_AUTOMATIC, "x-autorespond"),
	ROW(NULL, MSG("Precedence: bulk", "Newsletter", "x\n"), NULL, NULL, INBOUND_AUTOMATIC,
	  "precedence: bulk"),
	ROW(NULL, MSG("Precedence: junk", "Re: x", "x\n"), NULL, NULL, INBOUND_AUTOMATIC,
	  "precedence: junk"),
	ROW(NULL, MSG("Precedence: list", "Re: x", "x\n"), NULL, NULL, INBOUND_AUTOMATIC,
	  "precedence: list"),
	ROW(NULL, MSG("Precedence: auto_reply", "Re: x", "x\n"), NULL, NULL, INBOUND_AUTOMATIC,
	  "precedence: auto_reply"),
	ROW(NULL, MSG("List-Id: Clients <clients.lists.example>", "Re: x", "x\n"), NULL, NULL,
	  INBOUND_AUTOMATIC, "list-id"),
	/* 17-20 */
	ROW(NULL, MSG("List-Unsubscribe: <mailto:leave@lists.example>", "Re: x", "x\n"), NULL, NULL,
	  INBOUND_AUTOMATIC, "list-unsubscribe"),
	ROW(NULL, MSG("X-Auto-Response-Suppress: All\nX-MS-Exchange-Inbox-Rules-Loop: " CLIENT,
		    "Automatische Antwort: Year-end", "x\n"),
	  NULL, NULL, INBOUND_AUTOMATIC, "exchange: inbox rule"),
	ROW(NULL, MSG("X-Apple-Action: VACATION\nX-Apple-Criteria: {kind=VACATION}", "Re: x", "x\n"),
	  NULL, NULL, INBOUND_AUTOMATIC, "x-apple-action: vacation"),
	/* an auto-reply from the null sender, no report in it: automatic */
	ROW(NULL, MSG("Auto-Submitted: auto-replied", "Re: Year-end", "I am out until Monday.\n"), "",
	  NULL, INBOUND_AUTOMATIC, "auto-submitted: auto-replied"),

	/* 21-23: read receipt, feedback report */
	ROW("mdn.eml", NULL, "", NULL, INBOUND_AUTOMATIC, "read receipt"),
	ROW("mdn.eml", NULL, "five@client.example", NULL, INBOUND_AUTOMATIC, "read receipt"),
	ROW("arf.eml", NULL, "fbl@isp.example", VERP, INBOUND_AUTOMATIC, "feedback report"),

	/* 24-25: DSNs */
	ROWB("dsn-permanent.eml", NULL, "", VERP, INBOUND_BOUNCE, "bounce: delivery-status report", "5.1.1", 1, "gone@client.example"),
	ROWB("dsn-delayed.eml", NULL, "", VERP, INBOUND_BOUNCE, "bounce: delivery-status report", "4.4.7", 0, "slow@client.example"),
	/* 26: a plain-text report to our VERP address, from an ordinary sender */
	ROWB(NULL,
	  "From: Mail Admin <admin@relay.example>\nTo: " VERP "\nSubject: Your message\n\n"
	  "Your message could not be delivered to gone@client.example.\n"
	  "Remote server said: 550 5.1.1 mailbox unavailable\n",
	  "admin@relay.example", VERP, INBOUND_BOUNCE,
	  "bounce: non-delivery report to the bounce address", "5.1.1", 1, NULL),
	/* 27: qmail, null sender (pipe(8) passes it as MAILER-DAEMON) */
	ROWB(NULL,
	  "From: MAILER-DAEMON@mx.client.example\nTo: " VERP "\nSubject: failure notice\n\n"
	  "Hi. This is the qmail-send program at mx.client.example.\n"
	  "I'm afraid I wasn't able to deliver your message to the following addresses.\n\n"
	  "<gone@client.example>:\nSorry, no mailbox here by that name. (#5.1.1)\n",
	  "MAILER-DAEMON", VERP, INBOUND_BOUNCE, "bounce: mailer-daemon sender", "5.1.1", 1,
	  "gone@client.example"),
	/* 28: exim */
	ROWB(NULL,
	  "From: Mail Delivery System <Mailer-Daemon@mx.client.example>\nTo: " VERP "\n"
	  "Subject: Mail delivery failed: returning message to sender\n"
	  "X-Failed-Recipients: gone@client.example\nAuto-Submitted: auto-replied\n\n"
	  "This message was created automatically by mail delivery software.\n\n"
	  "A message that you sent could not be delivered to one or more of its\n"
	  "recipients. This is a permanent error. The following address(es) failed:\n\n"
	  "  gone@client.example\n    unknown user\n",
	  "", VERP, INBOUND_BOUNCE, "bounce: x-failed-recipients", "5.0.0", 1,
	  "gone@client.example"),
	/* 29: postmaster, temporary */
	ROWB(NULL,
	  "From: postmaster@client.example\nTo: " VERP "\nSubject: Delivery delayed\n\n"
	  "Delivery to slow@client.example has been delayed: 451 4.3.0 try later\n",
	  "postmaster@client.example", VERP, INBOUND_BOUNCE, "bounce: postmaster sender",
	  "4.3.0", 0, NULL),
	/* 30: null sender, nothing else */
	ROWB(NULL, "From: someone@client.example\nTo: " RCPT "\nSubject: hello\n\nhello\n", "", NULL,
	  INBOUND_BOUNCE, "bounce: null sender", "", 0, NULL),
	/* 31: the bounce address gets nothing but bounces */
	ROWB(NULL, MSG("", "Re: Year-end documents", "Thanks!\n"), NULL, VERP, INBOUND_BOUNCE,
	  "bounce: mail to the bounce address", "", 0, NULL),
	/* 32: an auto-reply to the bounce address stays automatic */
	ROW(NULL, MSG("Auto-Submitted: auto-replied", "Automatic reply: Year-end", "Away.\n"), NULL,
	  VERP, INBOUND_AUTOMATIC, "auto-submitted: auto-replied"),

	/* 33-36: reports sent to the reply address by MTAs that ignore the envelope */
	ROWB(NULL,
	  "From: MMSC NDR Administrator <sysadmin@mms.example>\nTo: " RCPT "\n"
	  "Subject: Undeliverable Message\n\nMessage could not be delivered to mobile.\n",
	  "sysadmin@mms.example", RCPT, INBOUND_BOUNCE, "bounce: non-delivery report", "", 0, NULL),
	ROW(NULL,
	  "From: Client <" CLIENT ">\nTo: " RCPT "\nSubject: Fwd: Undelivered Mail Returned to "
	  "Sender\n\nWhy did this bounce?\n\n> I'm sorry to have to inform you that your message "
	  "could not be delivered\n",
	  NULL, RCPT, INBOUND_HUMAN, "human"),
	ROWB(NULL,
	  "From: MAILER-DAEMON <>\nTo: " RCPT "\nSubject: Mail delivery failed\n\n"
	  "There was an error delivering your mail to <gone@client.example>.\n"
	  "550 5.7.26 Unauthenticated email is not accepted\n",
	  "someone@client.example", RCPT, INBOUND_BOUNCE, "bounce: mailer-daemon sender", "5.7.26", 1,
	  NULL),
	ROW(NULL,
	  "From: post_master@mms.example\nTo: " RCPT "\nSubject: Re: Year-end\n\n"
	  "Error: Invalid user address\n",
	  "post_master@mms.example", RCPT, INBOUND_BOUNCE, "bounce: postmaster sender"),

	/* 37-40: our own loop header */
	ROW(NULL, MSG("X-Gatewayd-Loop: reply.example", "Year-end documents", "x\n"), NULL, NULL,
	  INBOUND_LOOP, "loop: x-gatewayd-loop"),
	/* before everything else, even a null sender and Auto-Submitted */
	ROW(NULL, MSG("X-Gatewayd-Loop: REPLY.example\nAuto-Submitted: auto-generated", "x", "x\n"),
	  "", NULL, INBOUND_LOOP, "loop: x-gatewayd-loop"),
	/* another gateway's loop header is not ours */
	ROWQ(NULL, MSG("X-Gatewayd-Loop: other.example", "Re: Year-end", "Thanks.\n"), NULL, NULL,
	  INBOUND_HUMAN, "human", "Thanks."),
	/* a bounce of our mail carries our header only in the returned part */
	ROW("dsn-delayed.eml", NULL, "", VERP, INBOUND_BOUNCE, "bounce: delivery-status report"),

	/* 41-42: CRLF line ends */
	ROW(NULL,
	  "From: Client <" CLIENT ">\r\nTo: " RCPT "\r\nSubject: Re: x\r\nAuto-Submitted: "
	  "auto-replied\r\n\r\nOut.\r\n",
	  NULL, NULL, INBOUND_AUTOMATIC, "auto-submitted: auto-replied"),
	ROWQ(NULL,
	  "From: Client <" CLIENT ">\r\nTo: " RCPT "\r\nSubject: Re: x\r\n\r\nYes.\r\n\r\n"
	  "> old\r\n",
	  NULL, NULL, INBOUND_HUMAN, "human", "Yes."),
};

static char *case_data(const struct tcase *c, size_t *len)
{
	if (c->file) {
		char path[512];
		char *d;

		snprintf(path, sizeof(path), "%s/inbound/%s", GW_TESTDATA_DIR, c->file);
		d = tu_slurp(path, len);
		if (!d)
			fail_msg("cannot read %s", path);
		return d;
	}
	*len = strlen(c->text);
	return xstrdup(c->text);
}

static void test_inbound_table_verdicts(void **state)
{
	size_t i;

	for (i = 0; i < GW_ARRAY_SIZE(cases); i++) {
		const struct tcase *c = &cases[i];
		size_t len;
		char *data = case_data(c, &len);
		struct inbound_result *r = tu_parse(data, len, c->sender ? c->sender : CLIENT,
						    c->recipient ? c->recipient : RCPT, NULL);

		if (!r)
			fail_msg("case %zu: no result", i);
		if (r->verdict != c->verdict || strcmp(r->reason, c->reason) != 0)
			fail_msg("case %zu (%s): got %s \"%s\", want %s \"%s\"", i,
				 c->file ? c->file : "text", inbound_verdict_name(r->verdict),
				 r->reason, inbound_verdict_name(c->verdict), c->reason);
		if (!tu_result_clean(r))
			fail_msg("case %zu: a string of the result is not clean UTF-8", i);
		if (c->quote && (!r->quote || strcmp(r->quote, c->quote) != 0))
			fail_msg("case %zu: quote \"%s\", want \"%s\"", i,
				 r->quote ? r->quote : "(null)", c->quote);
		if (r->verdict != INBOUND_HUMAN && r->quote)
			fail_msg("case %zu: quote set for a %s verdict", i,
				 inbound_verdict_name(r->verdict));
		if (c->status && (strcmp(r->bounce.status, c->status) != 0 ||
				  r->bounce.permanent != c->permanent))
			fail_msg("case %zu: status \"%s\" permanent %d, want \"%s\" %d", i,
				 r->bounce.status, r->bounce.permanent, c->status, c->permanent);
		if (c->final_rcpt && (!r->bounce.final_recipient ||
				      strcmp(r->bounce.final_recipient, c->final_rcpt) != 0))
			fail_msg("case %zu: final recipient \"%s\", want \"%s\"", i,
				 r->bounce.final_recipient ? r->bounce.final_recipient : "(null)",
				 c->final_rcpt);
		inbound_result_free(&r);
		assert_null(r);
		free(data);
	}
}

/* What a DSN carries besides its status. */
static void test_inbound_dsn_fields(void **state)
{
	char path[512];
	size_t len;
	char *data;
	struct inbound_result *r;

	snprintf(path, sizeof(path), "%s/inbound/dsn-permanent.eml", GW_TESTDATA_DIR);
	data = tu_slurp(path, &len);
	assert_non_null(data);
	r = tu_parse(data, len, "", VERP, NULL);
	assert_non_null(r);
	assert_int_equal(r->verdict, INBOUND_BOUNCE);
	assert_string_equal(r->bounce.action, "failed");
	assert_string_equal(r->bounce.diagnostic,
			    "550 5.1.1 <gone@client.example>: Recipient address rejected: User unknown");
	assert_string_equal(r->bounce.original_message_id, "n.41.9@reply.example");
	assert_string_equal(r->message_id, "20261124093102.7A1B2C3D4E@mx.firm.example");
	assert_string_equal(r->tokens[0].value, VERP);
	inbound_result_free(&r);
	free(data);

	/* the returned message attached whole */
	snprintf(path, sizeof(path), "%s/inbound/dsn-delayed.eml", GW_TESTDATA_DIR);
	data = tu_slurp(path, &len);
	assert_non_null(data);
	r = tu_parse(data, len, "", VERP, NULL);
	assert_non_null(r);
	assert_string_equal(r->bounce.action, "delayed");
	assert_string_equal(r->bounce.original_message_id, "n.41.10@reply.example");
	assert_string_equal(r->bounce.diagnostic, "421 4.4.7 Try again later");
	inbound_result_free(&r);
	free(data);
}

/*
 * A long Action value is cut to its first 40 bytes, never inside a UTF-8
 * sequence (found by fuzz/fuzz_inbound.c: the cut used to split one).
 */
static void test_inbound_dsn_long_action_stays_utf8(void **state)
{
	struct buf b = BUF_INIT;
	struct inbound_result *r;
	int i;

	buf_puts(&b, "From: MAILER-DAEMON@mx.firm.example\nTo: " VERP "\n"
		     "Subject: Undelivered Mail Returned to Sender\nMIME-Version: 1.0\n"
		     "Content-Type: multipart/report; report-type=delivery-status; "
		     "boundary=\"b\"\n\n--b\nContent-Type: text/plain\n\nNot delivered.\n"
		     "--b\nContent-Type: message/delivery-status\n\n"
		     "Reporting-MTA: dns; mx.firm.example\n\n"
		     "Final-Recipient: rfc822; gone@client.example\nAction: x");
	/* 1 + 2 * 25 bytes: the 40th byte is the first half of an e-acute */
	for (i = 0; i < 25; i++)
		buf_puts(&b, "\xc3\xa9");
	buf_puts(&b, "\nStatus: 5.1.1\n\n--b--\n");
	r = tu_parse(b.data, b.len, "", VERP, NULL);
	assert_non_null(r);
	assert_int_equal(r->verdict, INBOUND_BOUNCE);
	assert_non_null(r->bounce.action);
	assert_true(tu_clean_utf8(r->bounce.action, 0));
	assert_int_equal(strlen(r->bounce.action), 39);
	assert_memory_equal(r->bounce.action, "x\xc3\xa9\xc3\xa9", 5);
	assert_true(tu_result_clean(r));
	inbound_result_free(&r);
	buf_release(&b);
}

/*
 * The address of X-Failed-Recipients is a clean line like every field of
 * the result: folding, control bytes and bad UTF-8 do not get through
 * (found by fuzz/fuzz_inbound.c).
 */
static void test_inbound_failed_recipients_header_is_cleaned(void **state)
{
	static const char msg[] =
		"From: MAILER-DAEMON@mx.firm.example\nTo: " VERP "\n"
		"Subject: Mail delivery failed\n"
		"X-Failed-Recipients: gone@client.example\x01\xff\n"
		"\tsecond-line, other@client.example\n\n"
		"This message was created automatically by mail delivery software.\n";
	struct inbound_result *r = tu_parse(msg, strlen(msg), "", VERP, NULL);

	assert_non_null(r);
	assert_int_equal(r->verdict, INBOUND_BOUNCE);
	assert_string_equal(r->reason, "bounce: x-failed-recipients");
	assert_non_null(r->bounce.final_recipient);
	assert_true(tu_clean_utf8(r->bounce.final_recipient, 0));
	assert_true(strncmp(r->bounce.final_recipient, "gone@client.example", 19) == 0);
	assert_true(tu_result_clean(r));
	inbound_result_free(&r);
}

/* Out-of-office subject prefixes, encoded words decoded, any case. */
static const struct {
	const char *subject;
	const char *reason;
} subjects[] = {
	{ "Out of Office: Year-end documents", "subject: out of office" },
	{ "OUT OF OFFICE - back on Monday", "subject: out of office" },
	{ "Automatic reply: Year-end documents", "subject: automatic reply" },
	{ "Auto: Year-end documents", "subject: auto:" },
	{ "Autoreply: Year-end documents", "subject: autoreply" },
	{ "[Auto-Reply] Year-end documents", "subject: auto-reply" },
	{ "Away until 3 December", "subject: away" },
	{ "Abwesend bis 3.12.", "subject: abwesend" },
	{ "Abwesenheitsnotiz: Year-end documents", "subject: abwesenheitsnotiz" },
	{ "Automatische Antwort: Year-end documents", "subject: automatische antwort" },
	{ "Absence du bureau", "subject: absence" },
	{ "=?UTF-8?Q?R=C3=A9ponse_automatique_:_Year-end?=", "subject: r\xc3\xa9ponse automatique" },
	{ "=?ISO-8859-1?Q?R=C9PONSE_AUTOMATIQUE?=", "subject: r\xc3\xa9ponse automatique" },
	{ "Fuera de la oficina: Year-end documents", "subject: fuera de la oficina" },
	{ "=?UTF-8?B?UmVzcHVlc3RhIGF1dG9tw6F0aWNhOiBZZWFyLWVuZA==?=",
	  "subject: respuesta autom\xc3\xa1tica" },
	{ "Afwezig: Year-end documents", "subject: afwezig" },
	{ "Automatisch antwoord: Year-end documents", "subject: automatisch antwoord" },
	{ "Risposta automatica: Year-end documents", "subject: risposta automatica" },
	{ "Fuori sede fino al 3 dicembre", "subject: fuori sede" },
	{ "=?UTF-8?Q?Resposta_autom=C3=A1tica:_Year-end?=", "subject: resposta autom\xc3\xa1tica" },
	{ "Ausente: Year-end documents", "subject: ausente" },
	{ "=?UTF-8?Q?FR=C3=85NVARO:_Year-end?=", "subject: fr\xc3\xa5nvaro" },
	{ "Automatiskt svar: Year-end documents", "subject: automatiskt svar" },
	/* decomposed accents (NFD) compose before matching */
	{ "=?UTF-8?Q?Re=CC=81ponse_automatique?=", "subject: r\xc3\xa9ponse automatique" },
	{ "=?UTF-8?B?6Ieq5Yqo5Zue5aSNOiBZZWFyLWVuZA==?=", "subject: \xe8\x87\xaa\xe5\x8a\xa8\xe5\x9b\x9e\xe5\xa4\x8d" },
};

static void test_inbound_out_of_office_subjects(void **state)
{
	size_t i;

	for (i = 0; i < GW_ARRAY_SIZE(subjects); i++) {
		char *msg = xasprintf("From: Client <" CLIENT ">\nTo: " RCPT "\nSubject: %s\n\nx\n",
				      subjects[i].subject);
		struct inbound_result *r = tu_parse(msg, strlen(msg), CLIENT, RCPT, NULL);

		if (!r || r->verdict != INBOUND_AUTOMATIC || strcmp(r->reason, subjects[i].reason))
			fail_msg("subject %zu \"%s\": got %s \"%s\", want \"%s\"", i,
				 subjects[i].subject, r ? inbound_verdict_name(r->verdict) : "-",
				 r ? r->reason : "-", subjects[i].reason);
		inbound_result_free(&r);
		free(msg);
	}
}

/* Subjects that only look like it: a human reply. */
static void test_inbound_human_subjects(void **state)
{
	static const char *const human[] = {
		"Re: Out of office", "Awaiting your documents", "Autos for sale",
		"Absenteeism report", "AW: Abwesenheit im Dezember", "Auto insurance", "Re: Away",
		"Automation", "Ausentes",
	};
	size_t i;

	for (i = 0; i < GW_ARRAY_SIZE(human); i++) {
		char *msg = xasprintf("From: Client <" CLIENT ">\nTo: " RCPT "\nSubject: %s\n\nx\n",
				      human[i]);
		struct inbound_result *r = tu_parse(msg, strlen(msg), CLIENT, RCPT, NULL);

		if (!r || r->verdict != INBOUND_HUMAN)
			fail_msg("subject %zu \"%s\": got %s \"%s\", want human", i, human[i],
				 r ? inbound_verdict_name(r->verdict) : "-", r ? r->reason : "-");
		inbound_result_free(&r);
		free(msg);
	}
}

static void test_inbound_no_reply_senders(void **state)
{
	static const struct {
		const char *from, *sender, *reason;
	} t[] = {
		{ "noreply@shop.example", "x@shop.example", "no-reply sender: noreply" },
		{ "No-Reply <No-Reply@shop.example>", "x@shop.example", "no-reply sender: no-reply" },
		{ "do-not-reply@shop.example", "x@shop.example", "no-reply sender: do-not-reply" },
		{ "DoNotReply@shop.example", "x@shop.example", "no-reply sender: donotreply" },
		{ "mailer@shop.example", "x@shop.example", "no-reply sender: mailer" },
		{ "bounce-42@shop.example", "x@shop.example", "no-reply sender: bounce-42" },
		/* the envelope sender counts too */
		{ "Shop <hello@shop.example>", "bounces+123-abc@esp.example",
		  "no-reply sender: bounces+123-abc" },
		{ "Shop <hello@shop.example>", "noreply@shop.example", "no-reply sender: noreply" },
		/* a person whose name merely starts like it */
		{ "Bounceback Gym <bounceback@gym.example>", "bounceback@gym.example", NULL },
		{ "Bouncer <bouncer@club.example>", "bouncer@club.example", NULL },
	};
	size_t i;

	for (i = 0; i < GW_ARRAY_SIZE(t); i++) {
		char *msg = xasprintf("From: %s\nTo: " RCPT "\nSubject: Re: Year-end\n\nx\n",
				      t[i].from);
		struct inbound_result *r = tu_parse(msg, strlen(msg), t[i].sender, RCPT, NULL);
		int ok = r && (t[i].reason ? r->verdict == INBOUND_AUTOMATIC &&
						     !strcmp(r->reason, t[i].reason)
					   : r->verdict == INBOUND_HUMAN);

		if (!ok)
			fail_msg("case %zu (%s): got %s \"%s\", want \"%s\"", i, t[i].from,
				 r ? inbound_verdict_name(r->verdict) : "-", r ? r->reason : "-",
				 t[i].reason ? t[i].reason : "human");
		inbound_result_free(&r);
		free(msg);
	}
}

/* Token candidates: recipient first, then headers in the documented order. */
static void test_inbound_token_candidates(void **state)
{
	static const struct {
		const char *headers;
		const char *recipient;
		const char *want;
	} t[] = {
		/* token in the recipient */
		{ "", RCPT, "recipient=" RCPT },
		/* only in References (nearest first), foreign ids dropped, duplicates once */
		{ "References: <root@client.example> <n.40.1@reply.example>\n"
		  "  <n.41.7@REPLY.example>\nIn-Reply-To: <n.41.7@reply.example>\n",
		  "reply@reply.example",
		  "recipient=reply@reply.example references=n.41.7@REPLY.example "
		  "references=n.40.1@reply.example" },
		{ "In-Reply-To: <n.41.7@reply.example> (your message of Tuesday)\n", "x@reply.example",
		  "recipient=x@reply.example in-reply-to=n.41.7@reply.example" },
		/* Delivered-To and X-Original-To, every occurrence, in order */
		{ "Delivered-To: client@client.example\nDelivered-To: reply+aaa@reply.example\n"
		  "X-Original-To: <reply+bbb@reply.example>\nReferences: <n.1@reply.example>\n",
		  "chat@reply.example",
		  "recipient=chat@reply.example references=n.1@reply.example "
		  "delivered-to=reply+aaa@reply.example x-original-to=reply+bbb@reply.example" },
		/* a forged token is just a candidate string here */
		{ "", "<reply+forgedforgedforgedforged@reply.example>",
		  "recipient=reply+forgedforgedforgedforged@reply.example" },
		/* an empty References header is no candidate and no warning */
		{ "References: \nIn-Reply-To:\n", RCPT, "recipient=" RCPT },
	};
	size_t i;

	for (i = 0; i < GW_ARRAY_SIZE(t); i++) {
		char *msg = xasprintf("From: Client <" CLIENT ">\nTo: x@reply.example\n"
				      "Subject: Re: x\n%s\nThanks\n", t[i].headers);
		struct inbound_result *r = tu_parse(msg, strlen(msg), CLIENT, t[i].recipient, NULL);
		char *got;

		assert_non_null(r);
		got = tu_tokens(r);
		if (strcmp(got, t[i].want) != 0)
			fail_msg("case %zu: tokens \"%s\", want \"%s\"", i, got, t[i].want);
		if (i == GW_ARRAY_SIZE(t) - 1 && r->parser_warnings != 0)
			fail_msg("case %zu: %u warnings", i, r->parser_warnings);
		free(got);
		inbound_result_free(&r);
		free(msg);
	}
}

/* Every verdict keeps its token candidates, bounces and limits included. */
static void test_inbound_tokens_for_every_verdict(void **state)
{
	static const char msg[] = "From: MAILER-DAEMON@mx.example\nTo: x\nSubject: failure\n"
				  "References: <n.9@reply.example>\n\nx\n";
	struct inbound_limits lim;
	struct inbound_result *r;
	char *got;

	r = tu_parse(msg, strlen(msg), "", VERP, NULL);
	assert_non_null(r);
	assert_int_equal(r->verdict, INBOUND_BOUNCE);
	got = tu_tokens(r);
	assert_string_equal(got, "recipient=" VERP " references=n.9@reply.example");
	free(got);
	inbound_result_free(&r);

	inbound_limits_init(&lim);
	lim.max_size = 20;
	r = tu_parse(msg, strlen(msg), "", VERP, &lim);
	assert_non_null(r);
	assert_int_equal(r->verdict, INBOUND_OVER_LIMIT);
	got = tu_tokens(r);
	assert_string_equal(got, "recipient=" VERP " references=n.9@reply.example");
	free(got);
	inbound_result_free(&r);
}

/* From, Message-ID and Subject: decoded, brackets off, one clean line. */
static void test_inbound_header_fields(void **state)
{
	static const char msg[] =
		"From: =?UTF-8?Q?B=C3=BCro_K=C3=B6ln?= <koeln@client.example>\n"
		"To: " RCPT "\nMessage-ID: <abc.123@client.example>\n"
		"Subject: =?UTF-8?Q?Re:_Gr=C3=BC=C3=9Fe?=\n =?UTF-8?Q?_and_more?=\n"
		"X-Note: a\x01" "b\n\nHallo\n";
	static const char evil[] = "From: a@b.example\nSubject: one\x1b[31m two\n"
				   "Message-ID: <\xff\xfe@x>\n\nx\n";
	struct inbound_result *r = tu_parse(msg, strlen(msg), CLIENT, RCPT, NULL);

	assert_non_null(r);
	assert_string_equal(r->from, "koeln@client.example");
	assert_string_equal(r->from_name, "B\xc3\xbcro K\xc3\xb6ln");
	assert_string_equal(r->message_id, "abc.123@client.example");
	assert_string_equal(r->subject, "Re: Gr\xc3\xbc\xc3\x9f" "e and more");
	assert_int_equal(r->size, strlen(msg));
	inbound_result_free(&r);

	r = tu_parse(evil, strlen(evil), CLIENT, RCPT, NULL);
	assert_non_null(r);
	assert_true(tu_result_clean(r));
	assert_null(strchr(r->subject, '\x1b'));
	inbound_result_free(&r);
}

/* The quote: history and signatures out, capped, valid UTF-8. */
static void test_inbound_quote(void **state)
{
	static const struct {
		const char *body, *want;
	} t[] = {
		{ "Top.\n\n-----Original Message-----\nFrom: x\n", "Top." },
		{ "Top.\n\n----- Original Message -----\nFrom: x\n", "Top." },
		{ "Top.\n________________________________\nFrom: x\nSent: y\n", "Top." },
		{ "Top.\n\nFrom: Example & Co <a@b>\nSent: Tuesday\nTo: me\n", "Top." },
		{ "Top.\n\nLe mar. 24 nov. 2026 \xc3\xa0 09:30, Example <a@b> a \xc3\xa9" "crit :\n> x\n",
		  "Top." },
		{ "Top.\n\nAm 24.11.2026 um 09:30 schrieb Example & Co <a@b.example>:\n> x\n", "Top." },
		{ "Top.\n\nOn Tue, Nov 24, 2026 at 9:30 AM Example & Co <a@b.example>\nwrote:\n> x\n",
		  "Top." },
		{ "> quoted first\nmy answer\n> more\nsecond answer\n", "my answer\nsecond answer" },
		{ "Hi\n\n\n\nthere\n-- \nsig\n", "Hi\n\nthere" },
		{ "Tab\there\n", "Tab here" },
		{ "Get it.\n\nGet Outlook for iOS\n", "Get it." },
		{ "> everything quoted\n", "" },
	};
	size_t i;

	for (i = 0; i < GW_ARRAY_SIZE(t); i++) {
		char *msg = xasprintf("From: Client <" CLIENT ">\nSubject: Re: x\n"
				      "Content-Type: text/plain; charset=utf-8\n\n%s", t[i].body);
		struct inbound_result *r = tu_parse(msg, strlen(msg), CLIENT, RCPT, NULL);

		assert_non_null(r);
		if (r->verdict != INBOUND_HUMAN || strcmp(r->quote, t[i].want) != 0)
			fail_msg("case %zu: %s quote \"%s\", want \"%s\"", i,
				 inbound_verdict_name(r->verdict), r->quote ? r->quote : "(null)",
				 t[i].want);
		inbound_result_free(&r);
		free(msg);
	}
}

static void test_inbound_quote_is_capped_and_valid(void **state)
{
	struct buf b = BUF_INIT;
	struct inbound_limits lim;
	struct inbound_result *r;
	int i;

	buf_puts(&b, "From: Client <" CLIENT ">\nSubject: Re: x\n"
		     "Content-Type: text/plain; charset=iso-8859-1\n"
		     "Content-Transfer-Encoding: 8bit\n\n");
	for (i = 0; i < 400; i++)
		buf_puts(&b, "Gr\xfc\xdf" "e aus K\xf6ln, ");
	buf_puts(&b, "\n");
	inbound_limits_init(&lim);
	lim.max_quote = 101;
	r = tu_parse(b.data, b.len, CLIENT, RCPT, &lim);
	assert_non_null(r);
	assert_int_equal(r->verdict, INBOUND_HUMAN);
	assert_true(tu_clean_utf8(r->quote, 1));
	assert_true(strlen(r->quote) <= 101 + 4);
	assert_true(strlen(r->quote) > 50);
	assert_memory_equal(r->quote, "Gr\xc3\xbc\xc3\x9f" "e aus K\xc3\xb6ln, ", 16);
	assert_string_equal(r->quote + strlen(r->quote) - 3, "\xe2\x80\xa6");
	inbound_result_free(&r);
	buf_release(&b);

	/* invalid UTF-8 labelled UTF-8 becomes valid text */
	{
		static const char bad[] = "From: a@b.example\nSubject: x\n"
					  "Content-Type: text/plain; charset=utf-8\n\nok \xc3\x28 \xff end\n";

		r = tu_parse(bad, strlen(bad), CLIENT, RCPT, NULL);
		assert_non_null(r);
		assert_true(tu_clean_utf8(r->quote, 1));
		assert_non_null(strstr(r->quote, "ok"));
		assert_non_null(strstr(r->quote, "end"));
		inbound_result_free(&r);
	}
}

static void test_inbound_names(void **state)
{
	assert_string_equal(inbound_verdict_name(INBOUND_LOOP), "loop");
	assert_string_equal(inbound_verdict_name(INBOUND_BOUNCE), "bounce");
	assert_string_equal(inbound_verdict_name(INBOUND_AUTOMATIC), "automatic");
	assert_string_equal(inbound_verdict_name(INBOUND_HUMAN), "human");
	assert_string_equal(inbound_verdict_name(INBOUND_OVER_LIMIT), "over-limit");
	assert_string_equal(inbound_verdict_name(INBOUND_MALFORMED), "malformed");
	assert_string_equal(inbound_token_source_name(INBOUND_TOKEN_X_ORIGINAL_TO),
			    "x-original-to");
	assert_string_equal(GW_LOOP_HEADER, "X-Gatewayd-Loop");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_inbound_table_verdicts),
		cmocka_unit_test(test_inbound_dsn_fields),
		cmocka_unit_test(test_inbound_dsn_long_action_stays_utf8),
		cmocka_unit_test(test_inbound_failed_recipients_header_is_cleaned),
		cmocka_unit_test(test_inbound_out_of_office_subjects),
		cmocka_unit_test(test_inbound_human_subjects),
		cmocka_unit_test(test_inbound_no_reply_senders),
		cmocka_unit_test(test_inbound_token_candidates),
		cmocka_unit_test(test_inbound_tokens_for_every_verdict),
		cmocka_unit_test(test_inbound_header_fields),
		cmocka_unit_test(test_inbound_quote),
		cmocka_unit_test(test_inbound_quote_is_capped_and_valid),
		cmocka_unit_test(test_inbound_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
