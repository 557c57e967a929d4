/*
 * test_compose.c - every kind of notification email, parsed back with gmime.
 *
 * Each test renders a struct compose_mail, parses the bytes with gmime's
 * own parser (as a receiving mail client would) and checks headers, parts
 * and links.  Hostile input (CR/LF, NUL, control characters, bad UTF-8,
 * address lists hidden in display names, HTML) must come out harmless.
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

#define VIEW_URL "https://chat.firm.example/v/TOKEN123?a=1&b=2"
#define VIEW_URL_HTML "https://chat.firm.example/v/TOKEN123?a=1&amp;b=2"
#define UNSUB_URL "https://chat.firm.example/u/UNSUB456"
#define DATE 1764063000 /* Tue, 25 Nov 2025 09:30:00 +0000 */
#define FOOTER "Replies to this email are not delivered to Example & Co. Please answer in the chat."
#define STAFF_FOOTER "Please answer in the chat: a reply to this email is not posted there " \
	"and reaches nobody."

static const struct compose_task tasks[] = {
	{ "Send the bank statements", 1 },
	{ "Sign the engagement letter", 0 },
};

static struct compose_mail base_mail(enum mail_kind kind)
{
	struct compose_mail m;

	memset(&m, 0, sizeof(m));
	m.kind = kind;
	m.firm_name = "Example & Co";
	m.from_address = "chat@firm.example";
	m.to_address = "anna@client.example";
	m.to_name = "Anna Client";
	m.reply_to = "reply+tok42@reply.firm.example";
	m.reply_domain = "reply.firm.example";
	m.message_id = "m.42.abc@reply.firm.example";
	m.thread_root_id = "thread.7.xyz@reply.firm.example";
	m.date = DATE;
	m.subject = "Annual accounts 2025";
	m.account_name = "Client Ltd";
	m.author_name = "Paul Staff";
	m.body = "Please send the **bank statements**.\nThanks!";
	m.show_content = 1;
	m.view_url = VIEW_URL;
	m.unsubscribe_url = UNSUB_URL;
	m.reminder_number = 1;
	m.reminder_count = 2;
	m.tasks = tasks;
	m.task_count = GW_ARRAY_SIZE(tasks);
	m.file_name = "statement.pdf";
	m.task_text = "Send the bank statements";
	m.their_message_id = "CAF=x1@mail.client.example";
	m.their_text = "Here are the numbers.\r\n> older quote";
	return m;
}

struct parsed {
	struct buf raw;
	GMimeMessage *msg;
	char *plain;
	char *html;
};

/* Decoded text keeps the CRLF of the wire; compare with LF. */
static char *lf_text(char *text)
{
	char *r = text, *w = text;

	for (; *r != '\0'; r++) {
		if (!(r[0] == '\r' && r[1] == '\n'))
			*w++ = *r;
	}
	*w = '\0';
	return text;
}

static void render_ok(const struct compose_mail *m, struct parsed *p, int idx)
{
	char *error = NULL;
	GMimeStream *stream;
	GMimeParser *parser;
	GMimeObject *body;
	GMimeMultipart *mp;

	memset(p, 0, sizeof(*p));
	if (compose_render(m, &p->raw, &error) < 0)
		fail_msg("case %d: compose_render failed: %s", idx, error);
	stream = g_mime_stream_mem_new_with_buffer(p->raw.data, p->raw.len);
	parser = g_mime_parser_new_with_stream(stream);
	p->msg = g_mime_parser_construct_message(parser, NULL);
	g_object_unref(parser);
	g_object_unref(stream);
	if (p->msg == NULL)
		fail_msg("case %d: gmime cannot parse the message", idx);
	body = g_mime_message_get_mime_part(p->msg);
	if (!GMIME_IS_MULTIPART(body) ||
	    !g_mime_content_type_is_type(g_mime_object_get_content_type(body), "multipart",
					 "alternative"))
		fail_msg("case %d: body is not multipart/alternative", idx);
	mp = GMIME_MULTIPART(body);
	assert_int_equal(g_mime_multipart_get_count(mp), 2);
	for (int i = 0; i < 2; i++) {
		GMimeObject *part = g_mime_multipart_get_part(mp, i);
		const char *sub = i == 0 ? "plain" : "html";

		if (!g_mime_content_type_is_type(g_mime_object_get_content_type(part), "text", sub))
			fail_msg("case %d: part %d is not text/%s", idx, i, sub);
		if (g_ascii_strcasecmp(g_mime_object_get_content_type_parameter(part, "charset"),
				       "utf-8") != 0)
			fail_msg("case %d: part %d charset is not utf-8", idx, i);
		if (i == 0)
			p->plain = lf_text(g_mime_text_part_get_text(GMIME_TEXT_PART(part)));
		else
			p->html = lf_text(g_mime_text_part_get_text(GMIME_TEXT_PART(part)));
	}
}

static void parsed_free(struct parsed *p)
{
	buf_release(&p->raw);
	if (p->msg != NULL)
		g_object_unref(p->msg);
	g_free(p->plain);
	g_free(p->html);
}

static const char *header(struct parsed *p, const char *name)
{
	return g_mime_object_get_header(GMIME_OBJECT(p->msg), name);
}

static void assert_header(struct parsed *p, const char *name, const char *want, int idx)
{
	const char *got = header(p, name);

	if (want == NULL && got != NULL)
		fail_msg("case %d: unexpected %s: \"%s\"", idx, name, got);
	if (want != NULL && (got == NULL || strcmp(got, want) != 0))
		fail_msg("case %d: %s is \"%s\", want \"%s\"", idx, name, got ? got : "(none)",
			 want);
}

static void assert_contains(const char *hay, const char *needle, const char *what, int idx)
{
	if (hay == NULL || strstr(hay, needle) == NULL)
		fail_msg("case %d: %s lacks \"%s\":\n%s", idx, what, needle, hay ? hay : "(null)");
}

static void assert_lacks(const char *hay, const char *needle, const char *what, int idx)
{
	if (hay != NULL && strstr(hay, needle) != NULL)
		fail_msg("case %d: %s contains \"%s\"", idx, what, needle);
}

/* One mailbox in LIST with this name and address, and nothing else. */
static void assert_mailbox(InternetAddressList *list, const char *name, const char *addr,
			   const char *what, int idx)
{
	InternetAddress *ia;
	const char *got_name;

	if (list == NULL || internet_address_list_length(list) != 1)
		fail_msg("case %d: %s does not hold exactly one address (%d)", idx, what,
			 list ? internet_address_list_length(list) : -1);
	ia = internet_address_list_get_address(list, 0);
	if (!INTERNET_ADDRESS_IS_MAILBOX(ia))
		fail_msg("case %d: %s is not a mailbox", idx, what);
	if (strcmp(internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(ia)), addr) != 0)
		fail_msg("case %d: %s address is \"%s\", want \"%s\"", idx, what,
			 internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(ia)), addr);
	got_name = internet_address_get_name(ia);
	if (name == NULL ? got_name != NULL && *got_name != '\0'
			 : got_name == NULL || strcmp(got_name, name) != 0)
		fail_msg("case %d: %s name is \"%s\", want \"%s\"", idx, what,
			 got_name ? got_name : "(none)", name ? name : "(none)");
}

/* 7-bit, CRLF only, no line longer than RFC 5322 allows. */
static void assert_wire_form(const struct buf *raw, int idx)
{
	size_t i, line = 0;

	for (i = 0; i < raw->len; i++) {
		unsigned char c = (unsigned char)raw->data[i];

		if (c >= 0x80 || c == 0)
			fail_msg("case %d: byte 0x%02x at offset %zu is not 7-bit", idx, c, i);
		if (c == '\n' && (i == 0 || raw->data[i - 1] != '\r'))
			fail_msg("case %d: bare LF at offset %zu", idx, i);
		if (c == '\r' && (i + 1 >= raw->len || raw->data[i + 1] != '\n'))
			fail_msg("case %d: bare CR at offset %zu", idx, i);
		if (c == '\n')
			line = 0;
		else if (++line > 998)
			fail_msg("case %d: line longer than 998 at offset %zu", idx, i);
	}
	if (raw->len < 2 || memcmp(raw->data + raw->len - 2, "\r\n", 2) != 0)
		fail_msg("case %d: message does not end with CRLF", idx);
}

/* ---- every kind ------------------------------------------------------- */

struct kind_case {
	enum mail_kind kind;
	const char *subject;
	const char *intro;
	int unsubscribe;
};

static const struct kind_case kind_cases[] = {
	{ MAIL_NEW_MESSAGE, "Annual accounts 2025",
	  "Paul Staff at Example & Co wrote you a new message in \"Annual accounts 2025\".", 1 },
	{ MAIL_REMINDER, "Reminder: Annual accounts 2025",
	  "This is reminder 1 of 2 about the message Paul Staff at Example & Co sent you", 1 },
	{ MAIL_RESEND, "Annual accounts 2025",
	  "Paul Staff at Example & Co would like you to look at \"Annual accounts 2025\" again.", 1 },
	{ MAIL_STAFF_CLIENT_REPLIED, "[Client Ltd] Annual accounts 2025",
	  "Paul Staff (Client Ltd) replied in \"Annual accounts 2025\".", 0 },
	{ MAIL_STAFF_CLIENT_CREATED, "[Client Ltd] Annual accounts 2025",
	  "Paul Staff (Client Ltd) started a new chat: \"Annual accounts 2025\".", 0 },
	{ MAIL_STAFF_TASK_DONE, "[Client Ltd] Annual accounts 2025",
	  "Paul Staff (Client Ltd) ticked off the task \"Send the bank statements\" in "
	  "\"Annual accounts 2025\".", 0 },
	{ MAIL_STAFF_UPLOAD, "[Client Ltd] Annual accounts 2025",
	  "Paul Staff (Client Ltd) uploaded \"statement.pdf\" in \"Annual accounts 2025\".", 0 },
	{ MAIL_STAFF_MENTION, "[Client Ltd] Annual accounts 2025",
	  "Paul Staff mentioned you in \"Annual accounts 2025\" (Client Ltd).", 0 },
	{ MAIL_FRESH_LINK, "New link: Annual accounts 2025",
	  "Here is your new link to the chat \"Annual accounts 2025\" with Example & Co.", 1 },
	{ MAIL_EXPLANATION, "Not delivered: Annual accounts 2025",
	  "Your email was not delivered to Example & Co and was not posted in the chat", 0 },
};

static void test_compose_every_kind_parses_back(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < GW_ARRAY_SIZE(kind_cases); i++) {
		const struct kind_case *c = &kind_cases[i];
		struct compose_mail m = base_mail(c->kind);
		int idx = (int)i, explanation = c->kind == MAIL_EXPLANATION;
		struct parsed p;
		GDateTime *date;

		/* contacts' kinds carry an unsubscribe URL; staff kinds do not */
		if (!c->unsubscribe && !explanation)
			m.unsubscribe_url = NULL;
		render_ok(&m, &p, idx);
		assert_wire_form(&p.raw, idx);

		assert_mailbox(g_mime_message_get_from(p.msg), "Example & Co", "chat@firm.example",
			       "From", idx);
		assert_mailbox(g_mime_message_get_to(p.msg), "Anna Client", "anna@client.example",
			       "To", idx);
		assert_mailbox(g_mime_message_get_reply_to(p.msg), NULL,
			       "reply+tok42@reply.firm.example", "Reply-To", idx);
		if (strcmp(g_mime_message_get_subject(p.msg), c->subject) != 0)
			fail_msg("case %d: Subject \"%s\", want \"%s\"", idx,
				 g_mime_message_get_subject(p.msg), c->subject);
		date = g_mime_message_get_date(p.msg);
		if (date == NULL || g_date_time_to_unix(date) != DATE)
			fail_msg("case %d: Date is wrong", idx);
		assert_header(&p, "Date", "Tue, 25 Nov 2025 09:30:00 +0000", idx);
		assert_string_equal(g_mime_message_get_message_id(p.msg),
				    "m.42.abc@reply.firm.example");
		assert_header(&p, "In-Reply-To",
			      explanation ? "<CAF=x1@mail.client.example>"
					  : "<thread.7.xyz@reply.firm.example>", idx);
		assert_header(&p, "References",
			      explanation ? "<thread.7.xyz@reply.firm.example> "
					    "<CAF=x1@mail.client.example>"
					  : "<thread.7.xyz@reply.firm.example>", idx);
		assert_header(&p, "Auto-Submitted", explanation ? "auto-replied" : "auto-generated",
			      idx);
		assert_header(&p, "X-Auto-Response-Suppress", "All", idx);
		assert_header(&p, GW_LOOP_HEADER, "reply.firm.example", idx);
		assert_header(&p, "List-Unsubscribe", c->unsubscribe ? "<" UNSUB_URL ">" : NULL,
			      idx);
		assert_header(&p, "List-Unsubscribe-Post",
			      c->unsubscribe ? "List-Unsubscribe=One-Click" : NULL, idx);
		assert_header(&p, "MIME-Version", "1.0", idx);

		assert_contains(p.plain, c->intro, "plain part", idx);
		assert_contains(p.plain, "Hello Anna Client,", "plain part", idx);
		assert_contains(p.plain, VIEW_URL, "plain part", idx);
		assert_contains(p.html, "href=\"" VIEW_URL_HTML "\"", "html part", idx);
		assert_contains(p.html, ">View chat</a>", "html part", idx);
		if (mail_kind_is(c->kind, MAIL_TO_STAFF)) {
			/* staff are the firm: no "not delivered to the firm" */
			assert_contains(p.plain, STAFF_FOOTER, "plain part", idx);
			assert_lacks(p.plain, "not delivered to", "plain part", idx);
		} else {
			assert_contains(p.plain, FOOTER, "plain part", idx);
			assert_contains(p.html, "Replies to this email are not delivered to "
						"<strong>Example &amp; Co</strong>. Please answer "
						"in the chat.", "html part", idx);
		}
		if (c->unsubscribe)
			assert_contains(p.plain, "To stop these emails: " UNSUB_URL, "plain part",
					idx);
		else
			assert_lacks(p.plain, UNSUB_URL, "plain part", idx);
		if (explanation) {
			assert_contains(p.plain, "This is an automatic reply.", "plain part", idx);
			assert_lacks(p.plain, "bank statements**", "plain part", idx);
		} else {
			/* the message rendered, and readable as plain text */
			assert_contains(p.plain, "Please send the bank statements.\nThanks!",
					"plain part", idx);
			assert_contains(p.html, "<p>Please send the <strong>bank statements</strong>."
					"\nThanks!</p>", "html part", idx);
			assert_contains(p.plain, "  [x] Send the bank statements\n"
						 "  [ ] Sign the engagement letter\n",
					"plain part", idx);
		}
		parsed_free(&p);
	}
}

/* Occurrences of needle in hay. */
static int count_of(const char *hay, const char *needle)
{
	int n = 0;

	for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += strlen(needle))
		n++;
	return n;
}

/*
 * The HTML part of every kind, as assistive technology reads it: the
 * language named, one h1 (the subject) and no heading level skipped,
 * every picture with a text alternative (the task boxes are pictures of
 * their state), and a text part that stands on its own (the link written
 * out, no markup).
 */
static void test_compose_html_accessible_every_kind(void **state)
{
	(void)state;
	for (int k = MAIL_NEW_MESSAGE; k <= MAIL_SIGNIN_LINK; k++) {
		struct compose_mail m = base_mail((enum mail_kind)k);
		struct parsed p;
		const char *img;

		render_ok(&m, &p, k);
		assert_contains(p.html, "<html lang=\"en\">", "html part", k);
		if (count_of(p.html, "<h1") != 1)
			fail_msg("case %d: %d h1 headings, want 1", k, count_of(p.html, "<h1"));
		assert_contains(p.html, "Annual accounts 2025</h1>", "html part", k);
		if (count_of(p.html, "<h3") > 0 && count_of(p.html, "<h2") == 0)
			fail_msg("case %d: h3 without h2", k);
		for (img = strstr(p.html, "<img"); img != NULL; img = strstr(img + 1, "<img")) {
			const char *end = strchr(img, '>');

			if (end == NULL || strstr(img, " alt=\"") == NULL || strstr(img, " alt=\"") > end)
				fail_msg("case %d: an <img> without alt", k);
		}
		if (count_of(p.html, "&#9745;") + count_of(p.html, "&#9744;") !=
		    count_of(p.html, "<span role=\"img\" aria-label=\""))
			fail_msg("case %d: a task box without its words", k);
		if (strstr(p.html, "&#9745;") != NULL) {
			assert_contains(p.html, "aria-label=\"Done\">&#9745;", "html part", k);
			assert_contains(p.html, "aria-label=\"Open\">&#9744;", "html part", k);
			assert_contains(p.html, "<h2", "html part", k);
		}
		/* the text part alone: the link spelled out, no markup */
		assert_contains(p.plain, "https://chat.firm.example/", "plain part", k);
		assert_lacks(p.plain, "<p", "plain part", k);
		assert_lacks(p.plain, "&amp;", "plain part", k);
		assert_lacks(p.plain, "&#", "plain part", k);
		parsed_free(&p);
	}
}

/*
 * A reminder can be told from a new message: its subject says so, it names
 * the message it is about (author, date) and says what stops reminders and
 * what is left, for every combination of open tasks and unread messages.
 */
static void test_compose_reminder_context(void **state)
{
	static const struct compose_task open2[] = { { "One", 0 }, { "Two", 0 } };
	static const struct compose_task done2[] = { { "One", 1 }, { "Two", 1 } };
	static const struct {
		const struct compose_task *tasks;
		size_t n_tasks;
		int64_t unread;
		const char *rule;
		const char *left; /* NULL: no "Still to do" */
	} cases[] = {
		{ tasks, 2, 0, "Reminders stop when you answer, or when all your tasks are done "
			      "and all messages are read.", "Still to do: 1 task open." },
		{ tasks, 2, 2, "or when all your tasks are done",
		  "Still to do: 1 task open, 2 unread messages." },
		{ open2, 2, 1, "or when all your tasks are done",
		  "Still to do: 2 tasks open, 1 unread message." },
		{ done2, 2, 1, "or when all your tasks are done", "Still to do: 1 unread message." },
		{ done2, 2, 0, "or when all your tasks are done", NULL },
		{ NULL, 0, 3, "Reminders stop when you answer, or when all messages are read.",
		  "Still to do: 3 unread messages." },
	};

	(void)state;
	for (size_t i = 0; i < GW_ARRAY_SIZE(cases); i++) {
		struct compose_mail m = base_mail(MAIL_REMINDER);
		struct parsed p;

		m.reminder_number = 2;
		m.reminder_count = 3;
		m.message_date = DATE - 3 * 86400;
		m.tasks = cases[i].tasks;
		m.task_count = cases[i].n_tasks;
		m.reminder_unread = cases[i].unread;
		render_ok(&m, &p, (int)i);
		assert_string_equal(g_mime_message_get_subject(p.msg),
				    "Reminder: Annual accounts 2025");
		assert_contains(p.plain, "This is reminder 2 of 3 about the message Paul Staff "
					 "at Example & Co sent you on Nov 22, 2025, 9:30\u202fAM UTC in "
					 "\"Annual accounts 2025\".", "plain", (int)i);
		assert_contains(p.plain, "It is still waiting for your answer.", "plain", (int)i);
		assert_contains(p.plain, cases[i].rule, "plain", (int)i);
		assert_contains(p.html, cases[i].rule, "html", (int)i);
		if (cases[i].left != NULL) {
			assert_contains(p.plain, cases[i].left, "plain", (int)i);
			assert_contains(p.html, cases[i].left, "html", (int)i);
		} else {
			assert_lacks(p.plain, "Still to do", "plain", (int)i);
		}
		assert_lacks(p.plain, "complete your tasks", "plain", (int)i);
		parsed_free(&p);
	}
}

static void test_compose_hides_content_unless_shown(void **state)
{
	static const enum mail_kind kinds[] = { MAIL_NEW_MESSAGE, MAIL_REMINDER,
						   MAIL_STAFF_CLIENT_REPLIED,
						   MAIL_STAFF_MENTION };
	size_t i;

	(void)state;
	for (i = 0; i < GW_ARRAY_SIZE(kinds); i++) {
		struct compose_mail m = base_mail(kinds[i]);
		struct parsed p;

		m.show_content = 0;
		render_ok(&m, &p, (int)i);
		assert_lacks(p.plain, "Please send the", "plain part", (int)i);
		assert_lacks(p.html, "Please send the", "html part", (int)i);
		assert_contains(p.plain, VIEW_URL, "plain part", (int)i);
		parsed_free(&p);
	}
}

static void test_compose_explanation_quotes_and_links(void **state)
{
	struct compose_mail m = base_mail(MAIL_EXPLANATION);
	struct parsed p;

	(void)state;
	render_ok(&m, &p, 0);
	assert_contains(p.plain, "> Here are the numbers.\n> > older quote\n", "plain", 0);
	assert_contains(p.plain, "Here is a fresh link:", "plain", 0);
	assert_contains(p.html, "<blockquote", "html", 0);
	assert_contains(p.html, "&gt; older quote", "html", 0);
	assert_header(&p, "List-Unsubscribe", NULL, 0);
	parsed_free(&p);

	/* no fresh link: the reply token had expired, say where to look instead */
	m.view_url = NULL;
	m.thread_root_id = NULL;
	render_ok(&m, &p, 1);
	assert_lacks(p.plain, "View chat", "plain", 1);
	assert_lacks(p.plain, "https://", "plain", 1);
	assert_lacks(p.html, "href=", "html", 1);
	assert_contains(p.plain, "using the link in the latest email from Example & Co.", "plain", 1);
	assert_header(&p, "In-Reply-To", "<CAF=x1@mail.client.example>", 1);
	assert_header(&p, "References", "<CAF=x1@mail.client.example>", 1);
	parsed_free(&p);
}

/* The sign-in email: a button and its address, how long it works, no
 * chat content, no unsubscribe, no reply address, in both parts. */
static void test_compose_signin_link(void **state)
{
	struct compose_mail m = base_mail(MAIL_SIGNIN_LINK);
	struct parsed p;

	(void)state;
	m.view_url = "https://chat.firm.example/s/SIGNIN789";
	m.unsubscribe_url = NULL;
	m.reply_to = NULL;
	m.thread_root_id = NULL;
	m.subject = "Your sign-in link";
	render_ok(&m, &p, 0);
	assert_wire_form(&p.raw, 0);
	assert_string_equal(g_mime_message_get_subject(p.msg), "Your sign-in link");
	assert_header(&p, "Reply-To", NULL, 0);
	assert_header(&p, "List-Unsubscribe", NULL, 0);
	assert_contains(p.plain, "Hello Anna Client,", "plain", 0);
	assert_contains(p.plain, "asked to sign in to the chats of Example & Co", "plain", 0);
	assert_contains(p.plain, "Sign in: https://chat.firm.example/s/SIGNIN789\n"
				 "(The link works once, within 30 minutes.)", "plain", 0);
	assert_contains(p.plain, "If you did not ask for this, you can ignore this email",
			"plain", 0);
	assert_contains(p.plain, "Replies to this email are not delivered to Example & Co.\n",
			"plain", 0);
	assert_contains(p.html, "href=\"https://chat.firm.example/s/SIGNIN789\"", "html", 0);
	assert_contains(p.html, ">Sign in</a>", "html", 0);
	assert_contains(p.html, "The link works once, within 30 minutes.", "html", 0);
	assert_lacks(p.plain, "bank statements", "plain", 0);
	assert_lacks(p.plain, "View chat", "plain", 0);
	assert_lacks(p.plain, "Please answer in the chat", "plain", 0);
	parsed_free(&p);
}

static void test_compose_link_expiry_and_optional_fields(void **state)
{
	struct compose_mail m = base_mail(MAIL_NEW_MESSAGE);
	struct parsed p;

	(void)state;
	m.view_expires = DATE + 14 * 86400;
	m.to_name = NULL;
	m.reply_to = NULL;
	m.thread_root_id = NULL;
	m.task_count = 0;
	m.from_name = "Example Chat";
	render_ok(&m, &p, 0);
	assert_contains(p.plain, "(The link works until Dec 9, 2025, 9:30\xe2\x80\xaf" "AM UTC.)", "plain", 0);
	assert_contains(p.plain, "Hello,\n", "plain", 0);
	assert_lacks(p.plain, "[x]", "plain", 0);
	assert_mailbox(g_mime_message_get_to(p.msg), NULL, "anna@client.example", "To", 0);
	assert_mailbox(g_mime_message_get_from(p.msg), "Example Chat", "chat@firm.example",
		       "From", 0);
	assert_header(&p, "Reply-To", NULL, 0);
	assert_header(&p, "In-Reply-To", NULL, 0);
	assert_header(&p, "References", NULL, 0);
	parsed_free(&p);
}

/* ---- hostile input ---------------------------------------------------- */

struct hostile_case {
	const char *input;
	const char *want; /* after cleaning and a round trip through the headers */
};

static const struct hostile_case hostile_cases[] = {
	{ "Hello\r\nBcc: evil@attacker.example", "Hello  Bcc: evil@attacker.example" },
	{ "\r\n\r\nInjected body", "Injected body" },
	{ "Hello\nX-Gatewayd-Loop: x\r\nSubject: two", "Hello X-Gatewayd-Loop: x  Subject: two" },
	{ "Tab\there", "Tab here" },
	{ "Gr\xc3\xbc\xc3\x9f" "e aus K\xc3\xb6ln \xe2\x80\x93 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80",
	  "Gr\xc3\xbc\xc3\x9f" "e aus K\xc3\xb6ln \xe2\x80\x93 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80" },
	{ "bad \xff\xfe utf8", "bad \xef\xbf\xbd\xef\xbf\xbd utf8" },
	{ "overlong \xc0\xaf slash", "overlong \xef\xbf\xbd\xef\xbf\xbd slash" },
	{ "nel\xc2\x85line", "nel line" },
	{ "del\x7f and \x01\x1b" "ctl", "del  and   ctl" },
	{ "line\xe2\x80\xa8sep", "line sep" },
	{ "Hi\0Bcc: evil@attacker.example", "Hi" },
	{ "\"Boss\" <boss@firm.example>, evil@attacker.example",
	  "\"Boss\" <boss@firm.example>, evil@attacker.example" },
	{ "=?utf-8?q?fake?=", "= ?utf-8?q?fake?=" },
	{ "=?utf-8?q?Hi=0D=0ABcc:_evil@attacker.example?=",
	  "= ?utf-8?q?Hi=0D=0ABcc:_evil@attacker.example?=" },
};

static void test_compose_neutralises_hostile_headers(void **state)
{
	size_t i;
	int baseline_count;
	struct parsed p;
	struct compose_mail m = base_mail(MAIL_NEW_MESSAGE);

	(void)state;
	render_ok(&m, &p, -1);
	baseline_count = g_mime_header_list_get_count(g_mime_object_get_header_list(GMIME_OBJECT(p.msg)));
	parsed_free(&p);

	for (i = 0; i < GW_ARRAY_SIZE(hostile_cases); i++) {
		const struct hostile_case *c = &hostile_cases[i];
		GMimeHeaderList *headers;
		char *want_subject;
		int idx = (int)i;

		m = base_mail(MAIL_NEW_MESSAGE);
		m.subject = c->input;
		m.to_name = c->input;
		m.from_name = c->input;
		render_ok(&m, &p, idx);
		assert_wire_form(&p.raw, idx);
		if (strcmp(g_mime_message_get_subject(p.msg), c->want) != 0)
			fail_msg("case %d: Subject \"%s\", want \"%s\"", idx,
				 g_mime_message_get_subject(p.msg), c->want);
		assert_mailbox(g_mime_message_get_to(p.msg), c->want, "anna@client.example", "To",
			       idx);
		assert_mailbox(g_mime_message_get_from(p.msg), c->want, "chat@firm.example", "From",
			       idx);
		headers = g_mime_object_get_header_list(GMIME_OBJECT(p.msg));
		if (g_mime_header_list_contains(headers, "Bcc"))
			fail_msg("case %d: a Bcc header was injected", idx);
		if (g_mime_header_list_get_count(headers) != baseline_count)
			fail_msg("case %d: %d headers, want %d", idx,
				 g_mime_header_list_get_count(headers), baseline_count);
		assert_header(&p, GW_LOOP_HEADER, "reply.firm.example", idx);
		parsed_free(&p);

		/* the account name goes into staff subjects */
		m = base_mail(MAIL_STAFF_CLIENT_REPLIED);
		m.account_name = c->input;
		render_ok(&m, &p, idx);
		want_subject = xasprintf("[%s] Annual accounts 2025", c->want);
		if (strcmp(g_mime_message_get_subject(p.msg), want_subject) != 0)
			fail_msg("case %d: staff Subject \"%s\", want \"%s\"", idx,
				 g_mime_message_get_subject(p.msg), want_subject);
		free(want_subject);
		parsed_free(&p);
	}
}

static void test_compose_long_subject_folds(void **state)
{
	struct buf subject = BUF_INIT;
	struct compose_mail m = base_mail(MAIL_NEW_MESSAGE);
	struct parsed p;
	const char *s, *got;
	size_t i;

	(void)state;
	for (i = 0; i < 40; i++)
		buf_printf(&subject, "Wort%zu Gr\xc3\xbc\xc3\x9f" "e ", i);
	buf_puts(&subject, "end");
	m.subject = subject.data;
	render_ok(&m, &p, 0);
	assert_wire_form(&p.raw, 0);
	assert_string_equal(g_mime_message_get_subject(p.msg), subject.data);
	/* the header is folded onto continuation lines, each within 78 + slack */
	s = strstr(p.raw.data, "\r\nSubject: ");
	if (s == NULL)
		s = strncmp(p.raw.data, "Subject: ", 9) == 0 ? p.raw.data : NULL;
	assert_non_null(s);
	s += 2;
	for (i = 0; ; i++) {
		const char *eol = strstr(s, "\r\n");

		assert_non_null(eol);
		assert_true(eol - s <= 78);
		if (eol[2] != ' ' && eol[2] != '\t')
			break;
		s = eol + 2;
	}
	assert_true(i >= 5);
	parsed_free(&p);

	/* a subject far beyond a header line is cut, on a character boundary */
	buf_reset(&subject);
	for (i = 0; i < 600; i++)
		buf_puts(&subject, "\xc3\xbc");
	m.subject = subject.data;
	render_ok(&m, &p, 1);
	got = g_mime_message_get_subject(p.msg);
	assert_true(strlen(got) <= COMPOSE_LINE_MAX);
	assert_true(strlen(got) >= COMPOSE_LINE_MAX - 1);
	assert_true(g_utf8_validate(got, -1, NULL));
	assert_memory_equal(got, subject.data, strlen(got));
	parsed_free(&p);
	buf_release(&subject);
}

static int contains_nocase(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	for (; *hay != '\0'; hay++) {
		if (g_ascii_strncasecmp(hay, needle, n) == 0)
			return 1;
	}
	return 0;
}

static void test_compose_escapes_html(void **state)
{
	static const char evil[] = "<script>alert(1)</script>\"'><img src=x onerror=alert(2)>";
	static const struct compose_task evil_tasks[] = { { evil, 0 } };
	static const enum mail_kind kinds[] = { MAIL_NEW_MESSAGE, MAIL_STAFF_UPLOAD,
						   MAIL_EXPLANATION };
	size_t i;

	(void)state;
	for (i = 0; i < GW_ARRAY_SIZE(kinds); i++) {
		struct compose_mail m = base_mail(kinds[i]);
		struct parsed p;
		int idx = (int)i;

		m.subject = evil;
		m.body = evil;
		m.their_text = evil;
		m.firm_name = evil;
		m.to_name = evil;
		m.author_name = evil;
		m.account_name = evil;
		m.file_name = evil;
		m.tasks = evil_tasks;
		m.task_count = 1;
		render_ok(&m, &p, idx);
		if (contains_nocase(p.html, "<script") || contains_nocase(p.html, "<img"))
			fail_msg("case %d: raw HTML from input reached the html part", idx);
		assert_contains(p.html, "&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&gt;",
				"html part", idx);
		/* the plain part shows the text as written */
		assert_contains(p.plain, evil, "plain part", idx);
		parsed_free(&p);
	}
}

/* ---- refusals --------------------------------------------------------- */

enum field {
	F_TO, F_FROM, F_REPLY_TO, F_MSGID, F_ROOT, F_THEIRS, F_VIEW, F_UNSUB, F_DOMAIN, F_FIRM,
	F_KIND
};

struct bad_case {
	enum field field;
	const char *value;
	const char *error; /* part of the message */
};

static const struct bad_case bad_cases[] = {
	{ F_TO, NULL, "recipient address missing" },
	{ F_TO, "anna client@example", "invalid recipient address" },
	{ F_TO, "<anna@client.example>", "invalid recipient address" },
	{ F_TO, "anna@client.example\r\nBcc: x@y", "invalid recipient address" },
	{ F_TO, "anna", "invalid recipient address" },
	{ F_TO, "M\xc3\xbcller@client.example", "invalid recipient address" },
	{ F_FROM, "", "from address missing" },
	{ F_FROM, "chat@", "invalid from address" },
	{ F_REPLY_TO, "reply+x@a b", "invalid reply-to address" },
	{ F_MSGID, NULL, "message id missing" },
	{ F_MSGID, "<m.1@x.example>", "invalid message id" },
	{ F_MSGID, "m 1@x.example", "invalid message id" },
	{ F_MSGID, "no-at-sign", "invalid message id" },
	{ F_ROOT, "thread>@x", "invalid thread root id" },
	{ F_THEIRS, "x\r\n@y", "invalid their message id" },
	{ F_VIEW, NULL, "view url missing" },
	{ F_VIEW, "javascript:alert(1)", "invalid view url" },
	{ F_VIEW, "https://x.example/\"onclick=\"x", "invalid view url" },
	{ F_VIEW, "https://x.example/a b", "invalid view url" },
	{ F_UNSUB, "https://x.example/u>\r\nBcc: x", "invalid unsubscribe url" },
	{ F_DOMAIN, "reply domain", "invalid reply domain" },
	{ F_DOMAIN, NULL, "reply domain missing" },
	{ F_FIRM, "", "firm name missing" },
	{ F_KIND, NULL, "unknown kind" },
};

static void test_compose_rejects_bad_fields(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < GW_ARRAY_SIZE(bad_cases); i++) {
		const struct bad_case *c = &bad_cases[i];
		struct compose_mail m = base_mail(c->field == F_THEIRS ? MAIL_EXPLANATION
								       : MAIL_NEW_MESSAGE);
		struct buf out = BUF_INIT;
		char *error = NULL;

		switch (c->field) {
		case F_TO: m.to_address = c->value; break;
		case F_FROM: m.from_address = c->value; break;
		case F_REPLY_TO: m.reply_to = c->value; break;
		case F_MSGID: m.message_id = c->value; break;
		case F_ROOT: m.thread_root_id = c->value; break;
		case F_THEIRS: m.their_message_id = c->value; break;
		case F_VIEW: m.view_url = c->value; break;
		case F_UNSUB: m.unsubscribe_url = c->value; break;
		case F_DOMAIN: m.reply_domain = c->value; break;
		case F_FIRM: m.firm_name = c->value; break;
		case F_KIND: m.kind = (enum mail_kind)99; break;
		}
		buf_puts(&out, "KEEP");
		if (compose_render(&m, &out, &error) != -1)
			fail_msg("case %zu: accepted", i);
		if (error == NULL || strstr(error, c->error) == NULL)
			fail_msg("case %zu: error \"%s\" lacks \"%s\"", i, error ? error : "(null)",
				 c->error);
		if (out.len != 4 || strcmp(out.data, "KEEP") != 0)
			fail_msg("case %zu: output buffer changed", i);
		free(error);
		buf_release(&out);
	}
}

/* ---- helpers ---------------------------------------------------------- */

static void test_compose_clean_line(void **state)
{
	static const struct hostile_case cases[] = {
		{ NULL, "" },
		{ "", "" },
		{ "  padded  ", "padded" },
		{ "a\r\nb", "a  b" },
		{ "\xe2\x80\xa9", "" },
		{ "ok \xc3\xa9", "ok \xc3\xa9" },
		{ "cut \xe2\x82", "cut \xef\xbf\xbd\xef\xbf\xbd" },
		{ "surrogate \xed\xa0\x80", "surrogate \xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < GW_ARRAY_SIZE(cases); i++) {
		char *got = compose_clean_line(cases[i].input);

		if (strcmp(got, cases[i].want) != 0)
			fail_msg("case %zu: \"%s\", want \"%s\"", i, got, cases[i].want);
		free(got);
	}
}

/* A real unsubscribe URL (base + 64-character token) is longer than gmime
 * folds; it must still reach the wire as a plain <URL> (RFC 2369), never as
 * encoded words that mail clients cannot use. */
static void test_compose_list_unsubscribe_is_a_plain_url(void **state)
{
	const char *url = "https://chat.firm.example/u/"
			  "AQEDAAAAAAAAAAcBAAAAAAAAACoAAAABAAAAAGkVHwDe3q2-7_xyzAbCdEfGhIjKlMnOp";
	struct compose_mail m = base_mail(MAIL_NEW_MESSAGE);
	struct buf out = BUF_INIT;
	char *err = NULL;
	char *want = xasprintf("\r\nList-Unsubscribe: <%s>\r\n", url);

	(void)state;
	m.unsubscribe_url = url;
	assert_int_equal(compose_render(&m, &out, &err), 0);
	if (strstr(buf_cstr(&out), want) == NULL)
		fail_msg("no plain List-Unsubscribe line in:\n%s", buf_cstr(&out));
	assert_null(strstr(buf_cstr(&out), "List-Unsubscribe: =?"));
	free(want);
	buf_release(&out);
}

/* The same record gives the same bytes: a re-sent mail is the same mail. */
/* A message shown in an email: cmark's HTML (raw HTML off), plain text a
 * person reads, and its files listed in both parts. */
static void test_compose_message_markdown_both_parts(void **state)
{
	struct compose_mail m = base_mail(MAIL_NEW_MESSAGE);
	struct parsed p;

	(void)state;
	m.body = "# Year end\n\nSee [the list](https://firm.example/list) and *sign*:\n\n"
		 "- one\n- two\n\n1. first\n2. second\n\n> quoted\n\n"
		 "<script>alert(1)</script>\n\n    code line\n";
	m.files = "statement.pdf\nletter <1>.pdf";
	m.n_files = 2;
	m.file_names = m.files;
	render_ok(&m, &p, 0);
	assert_contains(p.plain, "Year end\n\nSee the list (https://firm.example/list) and sign:",
			"plain part", 0);
	assert_contains(p.plain, "- one\n- two\n", "plain part", 0);
	assert_contains(p.plain, "1. first\n2. second\n", "plain part", 0);
	assert_contains(p.plain, "> quoted\n", "plain part", 0);
	assert_contains(p.plain, "    code line\n", "plain part", 0);
	/* the post's files, once, named as the content is shown */
	assert_contains(p.plain, "2 files: statement.pdf, letter <1>.pdf\n", "plain part", 0);
	assert_lacks(p.plain, "[the list]", "plain part", 0);
	assert_lacks(p.plain, "*sign*", "plain part", 0);
	assert_contains(p.html, "<h1>Year end</h1>", "html part", 0);
	assert_contains(p.html, "<a href=\"https://firm.example/list\">the list</a>", "html part", 0);
	assert_contains(p.html, "<em>sign</em>", "html part", 0);
	assert_contains(p.html, "2 files: statement.pdf, letter &lt;1&gt;.pdf", "html part", 0);
	/* raw HTML is never passed through */
	assert_lacks(p.html, "<script>", "html part", 0);
	parsed_free(&p);
}

/* Long links and words wrap on a phone's screen: the styles are there. */
static void test_compose_wraps_long_links(void **state)
{
	struct compose_mail m = base_mail(MAIL_NEW_MESSAGE);
	struct parsed p;

	(void)state;
	render_ok(&m, &p, 0);
	assert_contains(p.html, "<meta name=\"viewport\" content=\"width=device-width\">",
			"html part", 0);
	assert_contains(p.html, "overflow-wrap:anywhere\">If the button does not work", "html part", 0);
	assert_contains(p.html, ".gw-msg pre{white-space:pre-wrap", "html part", 0);
	parsed_free(&p);
}

/* A client unticking a task: staff read who did it, and that it was undone. */
static void test_compose_task_unticked(void **state)
{
	struct compose_mail m = base_mail(MAIL_STAFF_TASK_DONE);
	struct parsed p;

	(void)state;
	m.author_name = "Anna Client";
	m.undone = 1;
	m.unsubscribe_url = NULL;
	render_ok(&m, &p, 0);
	assert_contains(p.plain, "Anna Client (Client Ltd) unticked the task \"Send the bank "
			"statements\" in \"Annual accounts 2025\".", "plain part", 0);
	parsed_free(&p);
}

/* A batch: one email that lists what happened, with who did it. */
static void test_compose_batch_lists_items(void **state)
{
	static const struct compose_item items[] = {
		{ MAIL_STAFF_CLIENT_REPLIED, 0, 11, "Anna Client", "Here **they** are.", NULL,
		  "a.pdf" },
		{ MAIL_STAFF_UPLOAD, 0, 11, "Anna Client", NULL, "a.pdf", NULL },
		{ MAIL_STAFF_TASK_DONE, 0, 0, "Anna Client", NULL, "Send the bank statements",
		  NULL },
		{ MAIL_STAFF_TASK_DONE, 1, 0, "Bob Client", NULL, "Sign the letter", NULL },
		{ MAIL_STAFF_UPLOAD, 0, 0, "Bob Client", NULL, "b.pdf", NULL },
	};
	struct compose_mail m = base_mail(MAIL_STAFF_CLIENT_REPLIED);
	struct parsed p;

	(void)state;
	m.unsubscribe_url = NULL;
	m.items = items;
	m.item_count = GW_ARRAY_SIZE(items);
	render_ok(&m, &p, 0);
	assert_contains(p.plain, "What happened in \"Annual accounts 2025\" (Client Ltd):",
			"plain part", 0);
	assert_contains(p.plain, "Anna Client replied:\n\n------", "plain part", 0);
	assert_contains(p.plain, "Here they are.\n", "plain part", 0);
	assert_contains(p.plain, "Files:\n  - a.pdf\n", "plain part", 0);
	/* the upload of the message shown is not told twice */
	assert_lacks(p.plain, "uploaded \"a.pdf\"", "plain part", 0);
	assert_contains(p.plain, "Anna Client ticked off the task \"Send the bank statements\".",
			"plain part", 0);
	assert_contains(p.plain, "Bob Client unticked the task \"Sign the letter\".", "plain part", 0);
	assert_contains(p.plain, "Bob Client uploaded \"b.pdf\".", "plain part", 0);
	assert_contains(p.html, "<strong>they</strong>", "html part", 0);
	assert_lacks(p.plain, "Paul Staff", "plain part", 0);
	parsed_free(&p);

	/* without the content: who did what, no text */
	m.show_content = 0;
	render_ok(&m, &p, 1);
	assert_contains(p.plain, "Anna Client replied.", "plain part", 1);
	assert_lacks(p.plain, "Here they are", "plain part", 1);
	assert_contains(p.plain, "Anna Client uploaded \"a.pdf\".", "plain part", 1);
	parsed_free(&p);
}

static void test_compose_is_deterministic(void **state)
{
	struct compose_mail m = base_mail(MAIL_REMINDER);
	struct buf a = BUF_INIT, b = BUF_INIT;
	char *error = NULL;

	(void)state;
	assert_int_equal(compose_render(&m, &a, &error), 0);
	assert_int_equal(compose_render(&m, &b, &error), 0);
	assert_int_equal(a.len, b.len);
	assert_memory_equal(a.data, b.data, a.len);
	buf_release(&a);
	buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_compose_every_kind_parses_back),
		cmocka_unit_test(test_compose_html_accessible_every_kind),
		cmocka_unit_test(test_compose_reminder_context),
		cmocka_unit_test(test_compose_hides_content_unless_shown),
		cmocka_unit_test(test_compose_explanation_quotes_and_links),
		cmocka_unit_test(test_compose_signin_link),
		cmocka_unit_test(test_compose_link_expiry_and_optional_fields),
		cmocka_unit_test(test_compose_neutralises_hostile_headers),
		cmocka_unit_test(test_compose_long_subject_folds),
		cmocka_unit_test(test_compose_escapes_html),
		cmocka_unit_test(test_compose_rejects_bad_fields),
		cmocka_unit_test(test_compose_clean_line),
		cmocka_unit_test(test_compose_list_unsubscribe_is_a_plain_url),
		cmocka_unit_test(test_compose_is_deterministic),
		cmocka_unit_test(test_compose_message_markdown_both_parts),
		cmocka_unit_test(test_compose_wraps_long_links),
		cmocka_unit_test(test_compose_task_unticked),
		cmocka_unit_test(test_compose_batch_lists_items),
	};
	int rc;

	g_mime_init();
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	g_mime_shutdown();
	return rc;
}
