/*
 * test_compose_i18n.c - every kind of email in French and in English, in
 * time zones on both sides of a daylight saving change, parsed back with
 * gmime: the words are the recipient's, the dates are in their zone with
 * the zone named, what staff wrote is untouched and the headers stay
 * RFC 5322 whatever the language.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <gmime/gmime.h>

#include "compose.h"
#include "i18n.h"

/* Sun 29 Mar 2026 00:30 UTC: Paris changes to summer time at 01:00 UTC. */
#define BEFORE INT64_C(1774744200)
/* ... and an hour later, after the change. */
#define AFTER INT64_C(1774747800)

static const struct compose_task tasks[] = {
	{ "Envoyer les relevés", 1 },
	{ "Sign the engagement letter", 0 },
};

static struct compose_mail mail_of(enum mail_kind kind, const char *lang, const char *zone,
				   int64_t expires)
{
	struct compose_mail m;

	memset(&m, 0, sizeof(m));
	m.kind = kind;
	m.lang = lang;
	m.zone = zone;
	m.firm_name = "Martin & Associés";
	m.from_address = "chat@firm.example";
	m.to_address = "anna@client.example";
	m.to_name = "Anna";
	m.reply_to = "reply+tok42@reply.firm.example";
	m.reply_domain = "reply.firm.example";
	m.message_id = "m.42.abc@reply.firm.example";
	m.thread_root_id = "thread.7.xyz@reply.firm.example";
	m.date = BEFORE;
	m.subject = "Bilan annuel 2025";
	m.account_name = "Client SARL";
	m.author_name = "Olivia Martin";
	m.body = "Merci d'envoyer les **relevés**.";
	m.show_content = 1;
	m.view_url = "https://chat.firm.example/v/TOKEN";
	m.view_expires = expires;
	m.unsubscribe_url = kind == MAIL_EXPLANATION ? NULL : "https://chat.firm.example/u/U";
	m.reminder_number = 1;
	m.reminder_count = 2;
	m.tasks = tasks;
	m.task_count = 2;
	m.file_name = "relevé.pdf";
	m.their_message_id = "CAF=x1@mail.client.example";
	m.their_text = "Voici les chiffres.";
	m.webhook = "crm (https://crm.example/hook): 500";
	return m;
}

struct parsed {
	struct buf raw;
	GMimeMessage *msg;
	char *plain, *html;
	const char *subject;
};

/* Decoded text keeps the CRLF of the wire; compare with LF. */
static char *lf_text(char *text)
{
	char *r = text, *w = text;

	for (; *r != '\0'; r++)
		if (!(r[0] == '\r' && r[1] == '\n'))
			*w++ = *r;
	*w = '\0';
	return text;
}

static void parse(const struct compose_mail *m, struct parsed *p, const char *what)
{
	char *error = NULL;
	GMimeStream *stream;
	GMimeParser *parser;
	GMimeMultipart *mp;

	memset(p, 0, sizeof(*p));
	if (compose_render(m, &p->raw, &error) < 0)
		fail_msg("%s: compose_render: %s", what, error);
	stream = g_mime_stream_mem_new_with_buffer(p->raw.data, p->raw.len);
	parser = g_mime_parser_new_with_stream(stream);
	p->msg = g_mime_parser_construct_message(parser, NULL);
	g_object_unref(parser);
	g_object_unref(stream);
	if (p->msg == NULL)
		fail_msg("%s: gmime cannot parse it", what);
	mp = GMIME_MULTIPART(g_mime_message_get_mime_part(p->msg));
	p->plain = lf_text(g_mime_text_part_get_text(GMIME_TEXT_PART(g_mime_multipart_get_part(mp, 0))));
	p->html = lf_text(g_mime_text_part_get_text(GMIME_TEXT_PART(g_mime_multipart_get_part(mp, 1))));
	p->subject = g_mime_message_get_subject(p->msg);
}

static void parsed_free(struct parsed *p)
{
	buf_release(&p->raw);
	g_free(p->plain);
	g_free(p->html);
	g_object_unref(p->msg);
}

static void has(const char *text, const char *want, const char *what)
{
	if (strstr(text, want) == NULL)
		fail_msg("%s: lacks \"%s\" in:\n%s", what, want, text);
}

static void lacks(const char *text, const char *unwanted, const char *what)
{
	if (strstr(text, unwanted) != NULL)
		fail_msg("%s: has \"%s\" in:\n%s", what, unwanted, text);
}

/* The longest run of a template between its placeholders (%a, %s...),
 * cut in place: words the email must hold. */
static const char *longest_words(char *tmpl)
{
	char *best = tmpl, *p = tmpl, *run = tmpl;
	size_t best_len = 0;

	for (;; p++) {
		if (*p == '%' || *p == '\0') {
			if ((size_t)(p - run) > best_len) {
				best = run;
				best_len = (size_t)(p - run);
			}
			if (*p == '\0')
				break;
			p++;
			run = p + 1;
		}
	}
	best[best_len] = '\0';
	return best;
}

static const enum mail_kind kinds[] = {
	MAIL_NEW_MESSAGE, MAIL_REMINDER, MAIL_RESEND, MAIL_STAFF_CLIENT_REPLIED,
	MAIL_STAFF_CLIENT_CREATED, MAIL_STAFF_TASK_DONE, MAIL_STAFF_UPLOAD, MAIL_STAFF_MENTION,
	MAIL_FRESH_LINK, MAIL_EXPLANATION, MAIL_STAFF_CONTACTS_BOUNCING,
	MAIL_STAFF_WEBHOOK_DISABLED, MAIL_SIGNIN_LINK,
};

/* Every kind, in both languages: greeting, first sentence and footer in
 * the recipient's language; the subject staff wrote as it is. */
static void test_compose_i18n_every_kind_in_both_languages(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		const struct mail_kind_row *row = mail_kind_row(kinds[i]);
		for (int fr = 0; fr < 2; fr++) {
			struct compose_mail m = mail_of(kinds[i], fr ? "fr" : "en", "Europe/Paris",
							AFTER);
			struct parsed p;
			char what[64], intro[256];
			struct i18n_saved saved;

			snprintf(what, sizeof(what), "%s/%s", row->name, fr ? "fr" : "en");
			parse(&m, &p, what);
			has(p.plain, fr ? "Bonjour Anna," : "Hello Anna,", what);
			lacks(p.plain, fr ? "Hello" : "Bonjour", what);
			/* the first sentence up to its first placeholder */
			i18n_reader_save(&saved);
			i18n_reader_set(m.lang, NULL);
			snprintf(intro, sizeof(intro), "%s", _(row->intro));
			i18n_reader_restore(&saved);
			has(p.plain, longest_words(intro), what);
			/* the footer: staff are asked to answer in the chat, others
			 * told that replies are not delivered to the firm */
			if (mail_kind_is(kinds[i], MAIL_TO_STAFF))
				has(p.plain, fr ? "Merci de répondre dans la discussion"
						: "Please answer in the chat: a reply to this email "
						  "is not posted there and reaches nobody.", what);
			else
				has(p.plain, fr ? "Les réponses à cet e-mail ne sont pas transmises à "
						  "Martin & Associés."
						: "Replies to this email are not delivered to "
						  "Martin & Associés.", what);
			has(p.html, fr ? "<html lang=\"fr\">" : "<html lang=\"en\">", what);
			/* what staff wrote is never translated */
			has(p.subject, "Bilan annuel 2025", what);
			if (kinds[i] == MAIL_NEW_MESSAGE) /* shown as text: the Markdown rendered */
				has(p.plain, "Merci d'envoyer les relevés.", what);
			parsed_free(&p);
		}
	}
}

/* The example of the French firm, word for word. */
static void test_compose_i18n_french_new_message(void **state)
{
	struct compose_mail m = mail_of(MAIL_NEW_MESSAGE, "fr", "Europe/Paris", AFTER);
	struct parsed p;

	(void)state;
	parse(&m, &p, "new_message/fr");
	has(p.plain, "Bonjour Anna,\n\nOlivia Martin de Martin & Associés vous a écrit un nouveau "
		     "message dans \"Bilan annuel 2025\".", "plain");
	has(p.html, "Olivia Martin</strong> de <strong>Martin &amp; Associés</strong> vous a "
		    "écrit", "html");
	has(p.plain, "Voir la discussion : https://chat.firm.example/v/TOKEN", "plain");
	has(p.plain, "Vos tâches (1 sur 2 à faire) :", "plain");
	has(p.plain, "Pour ne plus recevoir ces e-mails : https://chat.firm.example/u/U", "plain");
	parsed_free(&p);
}

/* The link's expiry in the recipient's zone, the zone named, on both
 * sides of the change to summer time; headers stay RFC 5322. */
static void test_compose_i18n_dates_around_dst(void **state)
{
	static const struct {
		const char *lang, *zone;
		int64_t expires;
		const char *want;
	} t[] = {
		{ "fr", "Europe/Paris", BEFORE, "(Le lien est valable jusqu’au 29 mars 2026, 01:30 UTC+1.)" },
		{ "fr", "Europe/Paris", AFTER, "(Le lien est valable jusqu’au 29 mars 2026, 03:30 UTC+2.)" },
		{ "en", "Europe/Paris", BEFORE, "(The link works until Mar 29, 2026, 1:30\xe2\x80\xaf" "AM GMT+1.)" },
		{ "en", "Europe/Paris", AFTER, "(The link works until Mar 29, 2026, 3:30\xe2\x80\xaf" "AM GMT+2.)" },
		{ "en", "America/New_York", BEFORE, "(The link works until Mar 28, 2026, 8:30\xe2\x80\xaf" "PM EDT.)" },
		{ "fr", "UTC", AFTER, "(Le lien est valable jusqu’au 29 mars 2026, 01:30 UTC.)" },
		/* no zone of their own: the firm's */
		{ "fr", NULL, AFTER, "(Le lien est valable jusqu’au 29 mars 2026, 01:30 UTC.)" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct compose_mail m = mail_of(MAIL_REMINDER, t[i].lang, t[i].zone, t[i].expires);
		struct parsed p;
		char what[32];
		const char *date;

		snprintf(what, sizeof(what), "case %zu", i);
		parse(&m, &p, what);
		has(p.plain, t[i].want, what);
		date = g_mime_object_get_header(GMIME_OBJECT(p.msg), "Date");
		if (date == NULL || strcmp(date, "Sun, 29 Mar 2026 00:30:00 +0000") != 0)
			fail_msg("%s: Date header \"%s\"", what, date != NULL ? date : "(none)");
		has(p.raw.data, "\r\nAuto-Submitted: auto-generated\r\n", what);
		parsed_free(&p);
	}
}

/* Subject prefixes are ours (translated); the thread subject is theirs. */
static void test_compose_i18n_subjects(void **state)
{
	static const struct {
		enum mail_kind kind;
		const char *lang, *want;
	} t[] = {
		{ MAIL_EXPLANATION, "fr", "Non distribué : Bilan annuel 2025" },
		{ MAIL_EXPLANATION, "en", "Not delivered: Bilan annuel 2025" },
		{ MAIL_FRESH_LINK, "fr", "Nouveau lien : Bilan annuel 2025" },
		{ MAIL_NEW_MESSAGE, "fr", "Bilan annuel 2025" },
		{ MAIL_STAFF_CLIENT_REPLIED, "fr", "[Client SARL] Bilan annuel 2025" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct compose_mail m = mail_of(t[i].kind, t[i].lang, "Europe/Paris", AFTER);
		struct parsed p;

		parse(&m, &p, "subject");
		if (strcmp(p.subject, t[i].want) != 0)
			fail_msg("case %zu: \"%s\" != \"%s\"", i, p.subject, t[i].want);
		parsed_free(&p);
	}
	/* the caller's reader is put back */
	assert_string_equal(i18n_lang(), "en");
}

static int setup(void **state)
{
	char *err = NULL;

	(void)state;
	g_mime_init();
	if (i18n_init(&err) < 0)
		fail_msg("i18n_init: %s", err);
	i18n_defaults("en", "UTC");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	g_mime_shutdown();
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_compose_i18n_every_kind_in_both_languages),
		cmocka_unit_test(test_compose_i18n_french_new_message),
		cmocka_unit_test(test_compose_i18n_dates_around_dst),
		cmocka_unit_test(test_compose_i18n_subjects),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
