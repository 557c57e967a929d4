/*
 * compose_text.c - the words of a notification, for compose.c: what
 * happened, the message or quote, tasks, the View-chat link and the footer,
 * written once into a text/plain and a text/html buffer side by side.
 * Template text is ours; every caller-provided string arrives cleaned
 * (struct compose_words) and is escaped in the HTML.
 */
#include "compose_int.h"
#include "i18n.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "i18n.h"
#include "reminder_words.h"

static void format_day(int64_t t, char out[40]);

/* The plain and the HTML part, written side by side. */
struct doc {
	struct buf *plain;
	struct buf *html;
};

#define HTML_P "<p style=\"margin:0 0 16px 0\">"
#define HTML_H2 "<h2 style=\"margin:0 0 8px 0;font-size:15px;font-weight:bold\">"
#define HTML_SMALL "<p style=\"margin:0 0 12px 0;font-size:13px;color:#666666\">"

/* Literal template text: as is in plain, escaped in HTML. */
static void doc_lit(struct doc *d, const char *s, size_t n)
{
	buf_append(d->plain, s, n);
	buf_html_escape_n(d->html, s, n);
}

/* A caller-provided value; emphasised in HTML, quoted in plain if asked. */
static void doc_value(struct doc *d, const char *v, int quote)
{
	if (quote)
		buf_putc(d->plain, '"');
	buf_puts(d->plain, v);
	if (quote)
		buf_putc(d->plain, '"');
	buf_puts(d->html, "<strong>");
	buf_html_escape(d->html, v);
	buf_puts(d->html, "</strong>");
}

/*
 * Expand a sentence template: %a author, %f firm, %s subject, %c account,
 * %n file name, %r "N of M" (reminders), %t the date of the message,
 * %w webhook endpoint, %% a percent sign.
 */
static void doc_say(struct doc *d, const char *tmpl, const struct compose_words *w,
		    const struct compose_mail *m)
{
	const char *p = tmpl, *run = tmpl;
	char num[48];

	for (; *p != '\0'; p++) {
		if (*p != '%' || p[1] == '\0')
			continue;
		doc_lit(d, run, (size_t)(p - run));
		p++;
		switch (*p) {
		case 'a':
			doc_value(d, *w->author != '\0' ? w->author : "Someone", 0);
			break;
		case 'f':
			doc_value(d, w->firm, 0);
			break;
		case 's':
			doc_value(d, w->subject, 1);
			break;
		case 'c':
			doc_value(d, *w->account != '\0' ? w->account : "unknown account", 0);
			break;
		case 'n':
			doc_value(d, *w->file != '\0' ? w->file : "a file", 1);
			break;
		case 'w':
			doc_value(d, *w->webhook != '\0' ? w->webhook : "(unknown)", 1);
			break;
		case 't':
			format_day(m->message_date, num);
			doc_lit(d, num, strlen(num));
			break;
		case 'r':
			if (m->reminder_count > 0)
				snprintf(num, sizeof(num), "%d of %d", m->reminder_number,
					 m->reminder_count);
			else
				snprintf(num, sizeof(num), "%d", m->reminder_number);
			doc_lit(d, num, strlen(num));
			break;
		default:
			doc_lit(d, p, 1);
			break;
		}
		run = p + 1;
	}
	doc_lit(d, run, (size_t)(p - run));
}

static void doc_para(struct doc *d, const char *tmpl, const struct compose_words *w,
		     const struct compose_mail *m)
{
	buf_puts(d->html, HTML_P);
	doc_say(d, tmpl, w, m);
	buf_puts(d->html, "</p>\n");
	buf_puts(d->plain, "\n\n");
}

/* Multi-line text (a message, a quote): line breaks kept, all escaped. */
static void doc_block(struct doc *d, const char *text, int quote)
{
	const char *line = text;
	size_t len = strlen(text);

	while (len > 0 && text[len - 1] == '\n')
		len--;
	buf_puts(d->html, quote ? "<blockquote style=\"margin:0 0 16px 0;padding:8px 12px;"
				  "border-left:3px solid #cccccc;color:#444444\">"
				: "<div style=\"margin:0 0 16px 0;padding:12px;"
				  "background:#f6f6f6;border-radius:4px\">");
	if (!quote)
		buf_puts(d->plain, "----------------------------------------\n");
	while (line < text + len) {
		const char *nl = memchr(line, '\n', (size_t)(text + len - line));
		size_t n = nl != NULL ? (size_t)(nl - line) : (size_t)(text + len - line);

		if (quote)
			buf_puts(d->plain, "> ");
		buf_append(d->plain, line, n);
		buf_putc(d->plain, '\n');
		buf_html_escape_n(d->html, line, n);
		line += n + 1;
		if (line < text + len)
			buf_puts(d->html, "<br>\n");
	}
	if (!quote)
		buf_puts(d->plain, "----------------------------------------\n");
	buf_puts(d->plain, "\n");
	buf_puts(d->html, quote ? "</blockquote>\n" : "</div>\n");
}

static void format_day(int64_t t, char out[40])
{
	static const char months[12][4] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
					    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL) {
		snprintf(out, 40, "@%lld", (long long)t);
		return;
	}
	snprintf(out, 40, "%d %s %d %02d:%02d UTC", tm.tm_mday, months[tm.tm_mon],
		 tm.tm_year + 1900, tm.tm_hour, tm.tm_min);
}

/* The View-chat link: a button in HTML, the bare URL in plain text. */
static void doc_link(struct doc *d, const char *url, int64_t expires)
{
	buf_puts(d->plain, "View chat: ");
	buf_puts(d->plain, url);
	buf_putc(d->plain, '\n');
	buf_puts(d->html, "<p style=\"margin:24px 0\"><a href=\"");
	buf_html_escape(d->html, url);
	buf_puts(d->html, "\" style=\"display:inline-block;padding:12px 24px;"
			  "background:#1a5fb4;color:#ffffff;text-decoration:none;"
			  "font-weight:bold;border-radius:4px\">View chat</a></p>\n");
	buf_puts(d->html, HTML_SMALL "If the button does not work, copy this address "
			  "into your browser: ");
	buf_html_escape(d->html, url);
	if (expires > 0) {
		char day[40];

		format_day(expires, day);
		buf_printf(d->plain, "(The link works until %s.)\n", day);
		buf_printf(d->html, "<br>The link works until %s.", day);
	}
	buf_puts(d->html, "</p>\n");
	buf_puts(d->plain, "\n");
}

/* The sign-in button: it works once, for half an hour, so the words say
 * that rather than a date. */
static void doc_signin(struct doc *d, const char *url)
{
	buf_puts(d->plain, "Sign in: ");
	buf_puts(d->plain, url);
	buf_puts(d->plain, "\n(The link works once, within 30 minutes.)\n\n");
	buf_puts(d->html, "<p style=\"margin:24px 0\"><a href=\"");
	buf_html_escape(d->html, url);
	buf_puts(d->html, "\" style=\"display:inline-block;padding:12px 24px;"
			  "background:#1a5fb4;color:#ffffff;text-decoration:none;"
			  "font-weight:bold;border-radius:4px\">Sign in</a></p>\n");
	buf_puts(d->html, HTML_SMALL "The link works once, within 30 minutes. If the button "
			  "does not work, copy this address into your browser: ");
	buf_html_escape(d->html, url);
	buf_puts(d->html, "</p>\n");
}

static void doc_tasks(struct doc *d, const struct compose_mail *m, int staff)
{
	size_t i, open = 0;

	for (i = 0; i < m->task_count; i++)
		open += !m->tasks[i].done;
	buf_printf(d->plain, "%s (%zu of %zu open):\n", staff ? "Tasks" : "Your tasks", open,
		   m->task_count);
	buf_printf(d->html, HTML_H2 "%s (%zu of %zu open):</h2>\n"
		   "<ul style=\"margin:0 0 16px 0;padding-left:0;list-style:none\">\n",
		   staff ? "Tasks" : "Your tasks", open, m->task_count);
	for (i = 0; i < m->task_count; i++) {
		char *text = compose_clean_line(m->tasks[i].text);

		buf_printf(d->plain, "  [%c] %s\n", m->tasks[i].done ? 'x' : ' ', text);
		/* the box is a picture: its words are its alternative */
		buf_printf(d->html, "<li><span role=\"img\" aria-label=\"%s\">%s</span> ",
			   m->tasks[i].done ? _("Done") : _("Open"),
			   m->tasks[i].done ? "&#9745;" : "&#9744;");
		buf_html_escape(d->html, text);
		buf_puts(d->html, "</li>\n");
		free(text);
	}
	buf_puts(d->plain, "\n");
	buf_puts(d->html, "</ul>\n");
}

/* What stops the reminders, and what is left before they stop. */
static void doc_reminder_rule(struct doc *d, const struct compose_mail *m)
{
	size_t open = 0;
	char *left;

	for (size_t i = 0; i < m->task_count; i++)
		open += !m->tasks[i].done;
	left = reminder_words_left((int64_t)open, m->reminder_unread);
	buf_puts(d->html, HTML_P);
	doc_lit(d, reminder_words_rule(REMINDER_TO_CLIENT, m->task_count > 0),
		strlen(reminder_words_rule(REMINDER_TO_CLIENT, m->task_count > 0)));
	if (left != NULL) {
		doc_lit(d, " ", 1);
		doc_lit(d, left, strlen(left));
	}
	buf_puts(d->html, "</p>\n");
	buf_puts(d->plain, "\n\n");
	free(left);
}

/*
 * The files of the post, once, in the email about it: "2 files:
 * a.pdf, b.xlsx", or only how many where the message's content is not
 * shown in emails.  Names are cleaned to one line each.
 */
#define COMPOSE_FILES_NAMED 20

static void doc_files(struct doc *d, const struct compose_mail *m)
{
	struct buf names = BUF_INIT;
	char *line;
	const char *p = m->file_names != NULL ? m->file_names : "";
	unsigned long n = (unsigned long)m->n_files;
	size_t shown = 0;

	if (m->n_files <= 0)
		return;
	/* A post of unpacked zips may hold hundreds: the first ones name it. */
	while (m->show_content && *p != '\0' && shown < COMPOSE_FILES_NAMED) {
		size_t l = strcspn(p, "\n");
		char *one = xstrndup(p, l);
		char *clean = compose_clean_line(one);

		buf_printf(&names, "%s%s", names.len > 0 ? ", " : "", clean);
		free(clean);
		free(one);
		p += l + (p[l] == '\n');
		shown++;
	}
	if (names.len > 0 && *p != '\0')
		line = xasprintf(ngettext("%lu file, among them: %s", "%lu files, among them: %s",
					  n), n, names.data);
	else if (names.len > 0)
		line = xasprintf(ngettext("%lu file: %s", "%lu files: %s", n), n, names.data);
	else
		line = xasprintf(ngettext("%lu file", "%lu files", n), n);
	buf_puts(d->plain, line);
	buf_puts(d->plain, "\n\n");
	buf_puts(d->html, HTML_P);
	buf_html_escape(d->html, line);
	buf_puts(d->html, "</p>\n");
	free(line);
	buf_release(&names);
}

static void doc_footer(struct doc *d, const struct compose_mail *m,
		       const struct compose_words *w)
{
	buf_puts(d->plain, "-- \n");
	buf_puts(d->html, "<hr style=\"border:0;border-top:1px solid #dddddd;"
			  "margin:24px 0 12px 0\">\n" HTML_SMALL);
	if (mail_kind_is(m->kind, MAIL_TO_SENDER))
		doc_say(d, "This is an automatic reply. ", w, m);
	if (mail_kind_is(m->kind, MAIL_SIGNIN))
		doc_say(d, "Replies to this email are not delivered to %f.", w, m);
	else
		doc_say(d, "Replies to this email are not delivered to %f. Please answer in "
			   "the chat.", w, m);
	buf_puts(d->plain, "\n");
	if (!compose_empty(m->unsubscribe_url) && !mail_kind_is(m->kind, MAIL_TO_SENDER)) {
		buf_printf(d->plain, "To stop these emails: %s\n", m->unsubscribe_url);
		buf_puts(d->html, "<br><a href=\"");
		buf_html_escape(d->html, m->unsubscribe_url);
		buf_puts(d->html, "\" style=\"color:#666666\">Stop these emails</a>");
	}
	buf_puts(d->html, "</p>\n");
}

void compose_text_render(const struct compose_mail *m, const struct compose_words *w,
				struct buf *plain, struct buf *html)
{
	struct doc d = { plain, html };
	const struct mail_kind_row *kind = mail_kind_row(m->kind);

	/* lang: the reader's language (English for now), so that a screen
	 * reader speaks it in the right voice */
	buf_puts(html, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
		       "<meta name=\"viewport\" content=\"width=device-width\"><title>");
	buf_html_escape(html, w->subject);
	buf_puts(html, "</title></head>\n<body style=\"margin:0;padding:0;background:#f4f4f4\">\n"
		       "<div style=\"max-width:600px;margin:0 auto;padding:24px;background:#ffffff;"
		       "font-family:Arial,Helvetica,sans-serif;font-size:15px;line-height:1.5;"
		       "color:#222222\">\n");
	/* a real heading: the subject, so the email can be navigated by it */
	buf_puts(html, "<h1 style=\"margin:0 0 16px 0;font-size:20px;line-height:1.3;"
		       "color:#222222\">");
	buf_html_escape(html, w->subject);
	buf_puts(html, "</h1>\n");

	if (*w->to_name != '\0') {
		buf_printf(plain, "Hello %s,\n\n", w->to_name);
		buf_puts(html, HTML_P "Hello ");
		buf_html_escape(html, w->to_name);
		buf_puts(html, ",</p>\n");
	} else {
		buf_puts(plain, "Hello,\n\n");
		buf_puts(html, HTML_P "Hello,</p>\n");
	}
	doc_para(&d, kind->intro, w, m);

	if (kind->flags & MAIL_SIGNIN) {
		doc_signin(&d, m->view_url);
		doc_para(&d, kind->outro, w, m);
	} else if (kind->flags & MAIL_TO_SENDER) {
		if (!compose_empty(m->view_url)) {
			doc_para(&d, "Please answer in the chat instead. Here is a fresh link:",
				 w, m);
			doc_link(&d, m->view_url, m->view_expires);
		} else {
			doc_para(&d, "Please answer in the chat instead, using the link in "
				     "the latest email from %f.", w, m);
		}
		if (*w->their_text != '\0') {
			doc_para(&d, "This is what you wrote, so that you can paste it into "
				     "the chat:", w, m);
			doc_block(&d, w->their_text, 1);
		}
	} else {
		if (m->show_content && *w->body != '\0')
			doc_block(&d, w->body, 0);
		doc_files(&d, m);
		if (kind->outro != NULL)
			doc_para(&d, kind->outro, w, m);
		if (m->kind == MAIL_REMINDER)
			doc_reminder_rule(&d, m);
		if (m->task_count > 0)
			doc_tasks(&d, m, (kind->flags & MAIL_TO_STAFF) != 0);
		doc_link(&d, m->view_url, m->view_expires);
	}
	doc_footer(&d, m, w);
	buf_puts(html, "</div>\n</body></html>\n");
}
