/*
 * test_inbound_machines.c - mail written by machines is never taken for a
 * person: subject prefixes followed by any Unicode punctuation (for every
 * row of the prefix table), subjects that say they were generated, bulk
 * and transactional senders, calendar traffic, system senders; and the
 * replies people write in common clients and languages stay human.  The
 * samples are written here.  Also the out-of-office flag and its text.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <glib.h>

#include "inbound_private.h"
#include "test_inbound_util.h"

#define RCPT "reply+k2v7qmxd4a@reply.example"
#define CLIENT "client@client.example"

#define NBSP "\xc2\xa0"
#define FW_COLON "\xef\xbc\x9a"
#define EM_DASH "\xe2\x80\x94"

/* A message with header lines H (each ending in \n), subject S, body B. */
static char *msg_with(const char *from, const char *h, const char *subject, const char *body)
{
	return xasprintf("From: %s\nTo: Example & Co <" RCPT ">\nSubject: %s\n"
			 "Date: Tue, 1 Dec 2026 10:00:00 +0000\nMessage-ID: <m1@client.example>\n"
			 "%s\n%s",
			 from, subject, h, body);
}

/* The subject as an RFC 2047 encoded word, as clients send non-ASCII. */
static char *encoded(const char *subject)
{
	gchar *b64 = g_base64_encode((const guchar *)subject, strlen(subject));
	char *out = xasprintf("=?UTF-8?B?%s?=", b64);

	g_free(b64);
	return out;
}

static struct inbound_result *parse(const char *msg, const char *sender)
{
	struct inbound_result *r = tu_parse(msg, strlen(msg), sender, RCPT, NULL);

	assert_non_null(r);
	return r;
}

/* Parse SUBJECT from a person's address; the reason, or "human". */
static char *subject_verdict(const char *subject, int *ooo_r)
{
	char *enc = encoded(subject);
	char *msg = msg_with("Client <" CLIENT ">", "", enc, "x\n");
	struct inbound_result *r = parse(msg, CLIENT);
	char *reason = xstrdup(r->verdict == INBOUND_HUMAN ? "human" : r->reason);

	if (ooo_r)
		*ooo_r = r->out_of_office;
	inbound_result_free(&r);
	free(msg);
	free(enc);
	return reason;
}

/* The prefix written as a client would: first letter upper case. */
static char *capitalised(const char *prefix)
{
	gunichar c = g_utf8_get_char(prefix);
	char first[8];
	int n = g_unichar_to_utf8(g_unichar_toupper(c), first);

	first[n] = '\0';
	return xasprintf("%s%s", first, g_utf8_next_char(prefix));
}

static int ends_in_spaced_letter(const char *prefix)
{
	const char *last = g_utf8_find_prev_char(prefix, prefix + strlen(prefix));
	gunichar c = g_utf8_get_char(last);
	GUnicodeScript sc = g_unichar_get_script(c);

	return g_unichar_isalnum(c) && sc != G_UNICODE_SCRIPT_HAN &&
	       sc != G_UNICODE_SCRIPT_HIRAGANA && sc != G_UNICODE_SCRIPT_KATAKANA &&
	       sc != G_UNICODE_SCRIPT_HANGUL;
}

/*
 * Every prefix of the table, followed by a no-break space and a colon
 * (French typography), a full-width colon, an em dash: still the prefix.
 * Followed by a letter of another script's alphabet: not that prefix.
 */
static void test_inbound_machines_subject_unicode_boundary(void **state)
{
	static const char *const after[] = { NBSP ": Year-end documents",
					     FW_COLON " Year-end documents",
					     EM_DASH " Year-end documents", NBSP EM_DASH " x" };
	size_t i, k;

	(void)state;
	assert_true(inb_n_subject_prefixes > 80);
	for (i = 0; i < inb_n_subject_prefixes; i++) {
		const char *prefix = inb_subject_prefixes[i].prefix;
		char *cap = capitalised(prefix);
		char *want = xasprintf("subject: %s", prefix);

		for (k = 0; k < GW_ARRAY_SIZE(after); k++) {
			char *subject = xasprintf("%s%s", cap, after[k]);
			int ooo = -1;
			char *got = subject_verdict(subject, &ooo);

			if (strcmp(got, want) != 0)
				fail_msg("prefix %zu \"%s\" + suffix %zu: got \"%s\", want \"%s\"", i,
					 subject, k, got, want);
			if (ooo != inb_subject_prefixes[i].out_of_office)
				fail_msg("prefix %zu \"%s\": out_of_office %d", i, subject, ooo);
			free(got);
			free(subject);
		}
		if (ends_in_spaced_letter(prefix)) {
			/* "Absenté", "Awayß": the word goes on */
			static const char *const letters[] = { "\xc3\xa9", "\xc3\x9f", "\xd0\xb4",
							       "e\xcc\x81x" };

			for (k = 0; k < GW_ARRAY_SIZE(letters); k++) {
				char *subject = xasprintf("%s%s docs", cap, letters[k]);
				char *got = subject_verdict(subject, NULL);

				if (!strcmp(got, want))
					fail_msg("prefix %zu \"%s\": matched inside a word", i,
						 subject);
				free(got);
				free(subject);
			}
		}
		free(want);
		free(cap);
	}
}

/* What the French, German and Japanese clients really write. */
static void test_inbound_machines_subject_client_samples(void **state)
{
	static const struct {
		const char *subject, *reason;
	} t[] = {
		{ "R\xc3\xa9ponse automatique" NBSP ": Documents de fin d'ann\xc3\xa9" "e",
		  "subject: r\xc3\xa9ponse automatique" },
		{ "Absent" NBSP ": Year-end", "subject: absent" },
		{ "Abwesenheitsnotiz" EM_DASH "Jahresabschluss", "subject: abwesenheitsnotiz" },
		{ "\xe8\x87\xaa\xe5\x8b\x95\xe5\xbf\x9c\xe7\xad\x94" FW_COLON "Year-end",
		  "subject: \xe8\x87\xaa\xe5\x8b\x95\xe5\xbf\x9c\xe7\xad\x94" },
		{ "OOO" FW_COLON " back Monday", "subject: ooo:" },
		{ "Respuesta autom\xc3\xa1tica" NBSP "\xe2\x80\x93 Year-end",
		  "subject: respuesta autom\xc3\xa1tica" },
		/* people */
		{ "RE" NBSP ": R\xc3\xa9ponse automatique", "human" },
		{ "Awaiting your documents", "human" },
		{ "Absent\xc3\xa9isme", "human" },
	};

	(void)state;
	for (size_t i = 0; i < GW_ARRAY_SIZE(t); i++) {
		char *got = subject_verdict(t[i].subject, NULL);

		if (strcmp(got, t[i].reason))
			fail_msg("case %zu \"%s\": got \"%s\", want \"%s\"", i, t[i].subject, got,
				 t[i].reason);
		free(got);
	}
}

/* Subjects that say they were generated. */
static void test_inbound_machines_generated_subjects(void **state)
{
	static const struct {
		const char *subject, *reason;
	} t[] = {
		{ "[AUTO GENERATED] Invoice 42", "subject: auto generated" },
		{ "[Auto-Generated] Password changed", "subject: auto-generated" },
		{ "Automatic notification: your document was signed", "subject: automatic notification" },
		{ "Automated message - do not reply", "subject: automated message" },
		{ "System notification: storage almost full", "subject: system notification" },
		{ "Automatische Benachrichtigung: Ihr Konto", "subject: automatische benachrichtigung" },
		{ "Notification automatique" NBSP ": facture", "subject: notification automatique" },
		{ "Mensaje autom\xc3\xa1tico: factura", "subject: mensaje autom\xc3\xa1tico" },
		{ "(Automatically generated) report", "subject: automatically generated" },
		/* people */
		{ "Automatic payments question", "human" },
		{ "Re: Automatic notification settings", "human" },
		{ "Systems notes for the audit", "human" },
	};

	(void)state;
	for (size_t i = 0; i < GW_ARRAY_SIZE(t); i++) {
		int ooo = -1;
		char *got = subject_verdict(t[i].subject, &ooo);

		if (strcmp(got, t[i].reason))
			fail_msg("case %zu \"%s\": got \"%s\", want \"%s\"", i, t[i].subject, got,
				 t[i].reason);
		/* generated mail is no one's out-of-office reply */
		assert_int_equal(ooo, 0);
		free(got);
	}
}

struct hcase {
	const char *from;    /* NULL: a client */
	const char *sender;  /* envelope; NULL: CLIENT */
	const char *headers; /* lines ending in \n */
	const char *reason;  /* "human" for a person */
};

static void run_header_table(const struct hcase *t, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char *msg = msg_with(t[i].from ? t[i].from : "Client <" CLIENT ">", t[i].headers,
				     "Re: Year-end documents", "Thanks, done.\n");
		struct inbound_result *r = parse(msg, t[i].sender ? t[i].sender : CLIENT);
		const char *got = r->verdict == INBOUND_HUMAN ? "human" : r->reason;

		if (strcmp(got, t[i].reason) != 0)
			fail_msg("case %zu (%s / %s): got %s \"%s\", want \"%s\"", i,
				 t[i].from ? t[i].from : CLIENT, t[i].sender ? t[i].sender : CLIENT,
				 inbound_verdict_name(r->verdict), r->reason, t[i].reason);
		if (r->verdict != INBOUND_HUMAN && r->out_of_office)
			fail_msg("case %zu: bulk or system mail flagged out of office", i);
		inbound_result_free(&r);
		free(msg);
	}
}

/* Bulk and transactional senders: their headers and envelope senders. */
static void test_inbound_machines_bulk_senders(void **state)
{
	static const struct hcase t[] = {
		{ NULL, NULL, "List-Unsubscribe: <https://shop.example/u/1>\n", "list-unsubscribe" },
		{ NULL, NULL, "Feedback-ID: 123:campaign:shop:esp\n", "feedback-id" },
		{ NULL, NULL, "X-SES-Outgoing: 2026.12.01-54.240.1.1\n", "bulk sender: amazon ses" },
		{ NULL, NULL, "X-Mailgun-Sid: WyI3NjM4In0=\n", "bulk sender: mailgun" },
		{ NULL, NULL, "X-SG-EID: abcdefghijklmnop\n", "bulk sender: sendgrid" },
		{ NULL, NULL, "X-PM-Message-Id: 5e1a2b3c-0000\n", "bulk sender: postmark" },
		{ NULL, NULL, "X-Mandrill-User: md_123456\n", "bulk sender: mandrill" },
		{ NULL, NULL, "X-MC-User: 8f3a9b2c1d\n", "bulk sender: mailchimp" },
		{ NULL, NULL, "X-MSFBL: eyJyIjoiY2xpZW50In0=\n", "bulk sender: sparkpost" },
		{ "Shop <hello@shop.example>", "0100018c2f3a4b5c-1234abcd-5678-000000@amazonses.com", "",
		  "bulk sender: amazon ses" },
		{ "Shop <hello@shop.example>", "msprvs1=19827abc=bounces-1@bounces.sparkpostmail.com",
		  "", "bulk sender: sparkpost" },
		{ "Shop <hello@shop.example>", "bounce-mc.us5_1234.5678-reply=reply.example@mail42.rsgsv.net",
		  "", "bulk sender: mailchimp" },
		{ "Shop <hello@shop.example>", "pm_bounces@pm.mtasv.net", "", "bulk sender: postmark" },
		/* VERP at another domain than From: an address or a long id encoded */
		{ "Shop <hello@shop.example>", "m-reply=reply.example@esp-mail.example", "",
		  "verp sender: esp-mail.example" },
		{ "Shop <hello@shop.example>", "r.4f9a2c81b7d3e6f0@mta7.esp.example", "",
		  "verp sender: mta7.esp.example" },
		/* people: forwarded (SRS), their own tagged address, another mailbox */
		{ NULL, "SRS0=abcd=TT=client.example=client@forwarder.example", "", "human" },
		{ NULL, "prvs=1234abcd5=client@client.example", "", "human" },
		{ NULL, "client+tax2026@client.example", "", "human" },
		{ "Client <client@client.example>", "client.private@gmail.example", "", "human" },
		{ NULL, "bounce-1234567890ab@mail.client.example", "", "no-reply sender: bounce-1234567890ab" },
		{ NULL, "c.20261201a7b3@mail.client.example", "", "human" },
	};

	(void)state;
	run_header_table(t, GW_ARRAY_SIZE(t));
}

/* System senders and senders without a dot in their domain. */
static void test_inbound_machines_system_senders(void **state)
{
	static const struct hcase t[] = {
		{ "List <owner-tax@lists.example>", "owner-tax@lists.example", "",
		  "system sender: owner-tax" },
		{ "tax-request@lists.example", "tax-request@lists.example", "",
		  "system sender: tax-request" },
		{ "Client <" CLIENT ">", "tax-bounces@lists.example", "", "system sender: tax-bounces" },
		{ "root@localhost", "root@localhost", "", "sender domain without a dot: localhost" },
		{ "Client <client@intranet>", CLIENT, "", "sender domain without a dot: intranet" },
		{ "Client <" CLIENT ">", "root", "", "sender domain without a dot: (none)" },
		/* mailer-daemon and postmaster stay bounces */
		{ "MAILER-DAEMON@mx.client.example", "", "", "bounce: mailer-daemon sender" },
		{ "postmaster@client.example", "postmaster@client.example", "",
		  "bounce: postmaster sender" },
		/* a postmaster's declared auto-reply is automatic, still unanswered */
		{ "postmaster@client.example", "postmaster@client.example",
		  "X-Autoreply: yes\n", "x-autoreply" },
		/* people whose names only look like it */
		{ "Owner <owner@client.example>", "owner@client.example", "", "human" },
		{ "requests@client.example", "requests@client.example", "", "human" },
	};

	(void)state;
	run_header_table(t, GW_ARRAY_SIZE(t));
}

/* A calendar part (iMIP) in the body or attached. */
static char *calendar_msg(const char *subject, const char *ct_method, const char *ics_method,
			  const char *disposition)
{
	return xasprintf("From: Client <" CLIENT ">\nTo: " RCPT "\nSubject: %s\n"
			 "Message-ID: <cal@client.example>\nMIME-Version: 1.0\n"
			 "Content-Type: multipart/alternative; boundary=\"b1\"\n\n"
			 "--b1\nContent-Type: text/plain; charset=utf-8\n\nClient has accepted.\n"
			 "--b1\nContent-Type: text/calendar; charset=utf-8%s%s\n%s\n"
			 "BEGIN:VCALENDAR\r\nPRODID:-//Client//EN\r\nVERSION:2.0\r\n%s%s%s"
			 "BEGIN:VEVENT\r\nUID:42@reply.example\r\nDTSTART:20261210T100000Z\r\n"
			 "ATTENDEE;PARTSTAT=ACCEPTED:mailto:" CLIENT "\r\nEND:VEVENT\r\n"
			 "END:VCALENDAR\r\n--b1--\n",
			 subject, ct_method ? "; method=" : "", ct_method ? ct_method : "",
			 disposition ? disposition : "", ics_method ? "METHOD:" : "",
			 ics_method ? ics_method : "", ics_method ? "\r\n" : "");
}

static void test_inbound_machines_calendar(void **state)
{
	static const struct {
		const char *subject, *ct_method, *ics_method, *disposition, *reason;
	} t[] = {
		{ "Invitation: Year-end review", "REQUEST", "REQUEST", NULL, "calendar: request" },
		{ "Accepted: Year-end review", "REPLY", "REPLY", NULL, "calendar: reply" },
		{ "Declined: Year-end review", NULL, "REPLY", NULL, "calendar: reply" },
		{ "Abgesagt: Jahresabschluss", "CANCEL", NULL, NULL, "calendar: cancel" },
		{ "New time proposed: Year-end review", "COUNTER", "COUNTER", NULL,
		  "calendar: counter" },
		{ "Accept\xc3\xa9 : R\xc3\xa9union", NULL, "REPLY",
		  "Content-Disposition: attachment; filename=invite.ics\n", "calendar: reply" },
		{ "Re: Year-end review", NULL, NULL, NULL, "calendar: no method" },
	};

	(void)state;
	for (size_t i = 0; i < GW_ARRAY_SIZE(t); i++) {
		char *msg = calendar_msg(t[i].subject, t[i].ct_method, t[i].ics_method,
					 t[i].disposition);
		struct inbound_result *r = parse(msg, CLIENT);

		if (r->verdict != INBOUND_AUTOMATIC || strcmp(r->reason, t[i].reason))
			fail_msg("case %zu \"%s\": got %s \"%s\", want \"%s\"", i, t[i].subject,
				 inbound_verdict_name(r->verdict), r->reason, t[i].reason);
		assert_int_equal(r->out_of_office, 0);
		inbound_result_free(&r);
		free(msg);
	}
}

/* People's replies from common clients, in several languages. */
static void test_inbound_machines_people_still_human(void **state)
{
	static const struct {
		const char *headers, *subject, *body;
	} t[] = {
		/* Gmail */
		{ "X-Gm-Message-State: AOJu0Yx\nDKIM-Signature: v=1; a=rsa-sha256; d=gmail.example\n"
		  "In-Reply-To: <n1@reply.example>\nReferences: <n1@reply.example>\n",
		  "Re: Year-end documents",
		  "Thanks, uploading now.\n\nOn Tue, Dec 1, 2026 at 9:00 AM Example <" RCPT "> wrote:\n> old\n" },
		/* Outlook with X-Auto-Response-Suppress alone, German */
		{ "X-Auto-Response-Suppress: All\nThread-Index: AQHZabc\nX-MS-Has-Attach:\n"
		  "X-MS-TNEF-Correlator:\nContent-Language: de-DE\n",
		  "AW: Jahresabschluss", "Hallo, anbei die Unterlagen.\n\nVon: Example\nGesendet: Dienstag\n" },
		/* Outlook, French, with the no-break space before the colon */
		{ "X-Auto-Response-Suppress: All\nThread-Topic: Documents\n", "RE" NBSP ": Documents",
		  "Bonjour, c'est fait.\n\nDe : Example\nEnvoy\xc3\xa9 : mardi\n" },
		/* Apple Mail */
		{ "X-Mailer: Apple Mail (2.3774)\nContent-Type: text/plain; charset=us-ascii\n",
		  "Re: Year-end documents", "Done.\n\n> On 1 Dec 2026, at 09:00, Example wrote:\n" },
		/* Thunderbird, Spanish */
		{ "User-Agent: Mozilla/5.0 Thunderbird/128.0\nContent-Language: es-ES\n",
		  "Re: Documentos", "Hola, ya est\xc3\xa1n subidos.\n\nEl 1/12/26 a las 9:00, Example escribi\xc3\xb3:\n" },
		/* iPhone, Android, Outlook mobile */
		{ "X-Mailer: iPhone Mail (21A329)\n", "Re: Year-end documents",
		  "Will do tomorrow\n\nSent from my iPhone\n" },
		{ "User-Agent: K-9 Mail for Android\n", "Re: Year-end documents",
		  "Ok\n\nSent from my Android device with K-9 Mail.\n" },
		{ "X-Mailer: Outlook for iOS\n", "RE: Year-end documents", "Yes\n\nGet Outlook for iOS\n" },
		/* a person writing about being away is still a person */
		{ "", "Re: Year-end documents", "I will be away until 12 December, then I send it.\n" },
		{ "", "Re: Invitation to the year-end review", "I accept, see you there.\n" },
	};

	(void)state;
	for (size_t i = 0; i < GW_ARRAY_SIZE(t); i++) {
		char *msg = msg_with("Client <" CLIENT ">", t[i].headers, t[i].subject, t[i].body);
		struct inbound_result *r = parse(msg, CLIENT);

		if (r->verdict != INBOUND_HUMAN)
			fail_msg("case %zu \"%s\": got %s \"%s\", want human", i, t[i].subject,
				 inbound_verdict_name(r->verdict), r->reason);
		assert_non_null(r->quote);
		assert_null(r->auto_text);
		inbound_result_free(&r);
		free(msg);
	}
}

/* The out-of-office flag: personal auto-replies, not lists or bulk. */
static void test_inbound_machines_out_of_office_flag(void **state)
{
	static const struct {
		const char *headers, *subject;
		int ooo;
	} t[] = {
		{ "Auto-Submitted: auto-replied\n", "Re: Year-end documents", 1 },
		{ "Auto-Submitted: auto-generated\nX-MS-Exchange-Inbox-Rules-Loop: client@client.example\n",
		  "Automatic reply: Year-end documents", 1 },
		{ "X-Autoreply: yes\n", "Year-end documents", 1 },
		{ "", "Out of Office: Year-end documents", 1 },
		{ "X-Apple-Action: vacation\n", "Re: Year-end documents", 1 },
		{ "Auto-Submitted: auto-replied\nList-Id: <tax.lists.example>\n", "Out of office", 0 },
		{ "Auto-Submitted: auto-generated\n", "Your invoice", 0 },
		/* vacation programs add Precedence: bulk; lists say list */
		{ "Precedence: bulk\n", "Out of office", 1 },
		{ "Precedence: list\n", "Out of office", 0 },
		{ "Auto-Submitted: auto-replied\nFeedback-ID: 1:2:3\n", "Out of office", 0 },
	};
	static const char body[] =
		"I am out of the office until 12 December.\n\n"
		"-----Original Message-----\nFrom: Example\nReminder: answer by 3 January\n";

	(void)state;
	for (size_t i = 0; i < GW_ARRAY_SIZE(t); i++) {
		char *msg = msg_with("Client <" CLIENT ">", t[i].headers, t[i].subject, body);
		struct inbound_result *r = parse(msg, CLIENT);

		assert_int_equal(r->verdict, INBOUND_AUTOMATIC);
		if (r->out_of_office != t[i].ooo)
			fail_msg("case %zu (%s): out_of_office %d, want %d (%s)", i, t[i].subject,
				 r->out_of_office, t[i].ooo, r->reason);
		if (t[i].ooo) {
			assert_non_null(r->auto_text);
			assert_non_null(strstr(r->auto_text, "until 12 December"));
			/* our own quoted mail is not read for a date */
			assert_null(strstr(r->auto_text, "3 January"));
			assert_true(strlen(r->auto_text) <= INBOUND_AUTO_TEXT_MAX);
		} else {
			assert_null(r->auto_text);
		}
		inbound_result_free(&r);
		free(msg);
	}
}

#ifdef GW_DOCS_DIR
/* docs/inbound.md documents every rule the classifier can name. */
static void test_inbound_machines_docs_table_in_sync(void **state)
{
	static const char *const reasons[] = {
		"loop: x-gatewayd-loop", "bounce: delivery-status report", "bounce: null sender",
		"bounce: mailer-daemon sender", "bounce: postmaster sender",
		"bounce: x-failed-recipients", "bounce: mail to the bounce address",
		"auto-submitted: VALUE", "x-autoreply", "x-autogenerated: VALUE", "precedence: bulk",
		"list-unsubscribe", "list-id", "feedback-id", "bulk sender: SERVICE",
		"exchange: inbox rule", "x-apple-action: vacation", "read receipt", "feedback report",
		"calendar: METHOD", "calendar: no method", "subject: PREFIX",
		"no-reply sender: LOCALPART", "system sender: LOCALPART",
		"sender domain without a dot: DOMAIN", "verp sender: DOMAIN",
		/* every service of the bulk table */
		"Amazon SES", "Mailgun", "SendGrid", "Postmark", "Mandrill", "Mailchimp", "SparkPost",
		"X-SES-Outgoing", "X-Mailgun-Sid", "X-SG-EID", "X-PM-Message-Id", "X-Mandrill-User",
		"X-MC-User", "X-MSFBL", "owner-*", "*-request", "*-bounces",
	};
	size_t len = 0;
	char *doc = tu_slurp(GW_DOCS_DIR "/inbound.md", &len);

	(void)state;
	assert_non_null(doc);
	for (size_t i = 0; i < GW_ARRAY_SIZE(reasons); i++)
		if (!strstr(doc, reasons[i]))
			fail_msg("docs/inbound.md does not name \"%s\"", reasons[i]);
	free(doc);
}
#endif

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_inbound_machines_subject_unicode_boundary),
		cmocka_unit_test(test_inbound_machines_subject_client_samples),
		cmocka_unit_test(test_inbound_machines_generated_subjects),
		cmocka_unit_test(test_inbound_machines_bulk_senders),
		cmocka_unit_test(test_inbound_machines_system_senders),
		cmocka_unit_test(test_inbound_machines_calendar),
		cmocka_unit_test(test_inbound_machines_people_still_human),
		cmocka_unit_test(test_inbound_machines_out_of_office_flag),
#ifdef GW_DOCS_DIR
		cmocka_unit_test(test_inbound_machines_docs_table_in_sync),
#endif
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
