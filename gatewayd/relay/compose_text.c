/*
 * compose_text.c - the words of a notification, for compose.c: what
 * happened, the message or quote, tasks, the View-chat link and the footer,
 * written once into a text/plain and a text/html buffer side by side.
 * Template text is ours; every caller-provided string arrives cleaned
 * (struct compose_words) and is escaped in the HTML.
 */
#include "compose_int.h"
#include "i18n.h"

#include "i18n.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "i18n.h"
#include "reminder_words.h"

static void format_day(int64_t t, char out[96]);

/* The plain and the HTML part, written side by side. */
struct doc {
	struct buf *plain;
	struct buf *html;
};

#define HTML_P "<p style=\"margin:0 0 16px 0\">"
#define HTML_H2 "<h2 style=\"margin:0 0 8px 0;font-size:15px;font-weight:bold\">"
#define HTML_SMALL "<p style=\"margin:0 0 12px 0;font-size:13px;color:#666666\">"
/* A paragraph holding a long address: a word too long for the line (the
 * address) breaks anywhere rather than widening the email beyond a
 * phone's screen; the other words wrap as usual. */
#define HTML_SMALL_URL "<p style=\"margin:0 0 12px 0;font-size:13px;color:#666666;" \
	"overflow-wrap:anywhere\">"

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
 * %n file name, %t task text, %D the date of the message, %r "N of M"
 * (reminders), %w webhook endpoint, %p the recipient's name, %% a percent
 * sign.  Templates are msgids of the catalogs: the caller passes them
 * translated.
 */
static void doc_say(struct doc *d, const char *tmpl, const struct compose_words *w,
		    const struct compose_mail *m)
{
	const char *p = tmpl, *run = tmpl;
	char num[96];

	for (; *p != '\0'; p++) {
		if (*p != '%' || p[1] == '\0')
			continue;
		doc_lit(d, run, (size_t)(p - run));
		p++;
		switch (*p) {
		case 'a':
			doc_value(d, *w->author != '\0' ? w->author : _("Someone"), 0);
			break;
		case 'f':
			doc_value(d, w->firm, 0);
			break;
		case 's':
			doc_value(d, w->subject, 1);
			break;
		case 'c':
			doc_value(d, *w->account != '\0' ? w->account : _("unknown account"), 0);
			break;
		case 'n':
			doc_value(d, *w->file != '\0' ? w->file : _("a file"), 1);
			break;
		case 't':
			doc_value(d, *w->task != '\0' ? w->task : _("a task"), 1);
			break;
		case 'w':
			doc_value(d, *w->webhook != '\0' ? w->webhook : _("(unknown)"), 1);
			break;
		case 'p':
			doc_value(d, w->to_name, 0);
			break;
		case 'D':
			format_day(m->message_date, num);
			doc_lit(d, num, strlen(num));
			break;
		case 'r':
			if (m->reminder_count > 0)
				/* TRANSLATORS: reminder 2 of 3 */
				snprintf(num, sizeof(num), _("%d of %d"), m->reminder_number,
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

/* The files of a message, one a line in files. */
static void doc_files(struct doc *d, const char *files)
{
	const char *p = files;

	if (files == NULL || *files == '\0')
		return;
	buf_printf(d->plain, "%s\n", _("Files:"));
	buf_printf(d->html, HTML_P "%s</p>\n<ul style=\"margin:0 0 16px 0;"
		   "overflow-wrap:anywhere;word-break:break-word\">\n", _("Files:"));
	while (*p != '\0') {
		const char *nl = strchr(p, '\n');
		size_t n = nl != NULL ? (size_t)(nl - p) : strlen(p);

		if (n > 0) {
			buf_puts(d->plain, "  - ");
			buf_append(d->plain, p, n);
			buf_putc(d->plain, '\n');
			buf_puts(d->html, "<li>");
			buf_html_escape_n(d->html, p, n);
			buf_puts(d->html, "</li>\n");
		}
		p += n + (nl != NULL);
	}
	buf_putc(d->plain, '\n');
	buf_puts(d->html, "</ul>\n");
}

/*
 * A message as its author wrote it: CommonMark rendered by cmark (raw
 * HTML off) in the HTML part, readable plain text in the text part, and
 * its files listed.  Long words and addresses wrap.
 */
static void doc_message(struct doc *d, const char *body, const char *files)
{
	if (*body != '\0') {
		buf_puts(d->html, "<div class=\"gw-msg\" style=\"margin:0 0 16px 0;"
				  "padding:4px 12px;background:#f6f6f6;border-radius:4px;"
				  "overflow-wrap:anywhere;word-break:break-word\">\n");
		compose_md_html(d->html, body);
		buf_puts(d->html, "</div>\n");
		buf_puts(d->plain, "----------------------------------------\n");
		compose_md_plain(d->plain, body);
		buf_puts(d->plain, "----------------------------------------\n\n");
	}
	doc_files(d, files);
}

/* A date and time in the recipient's language and zone, the zone named:
 * an email is read away from the page that would say it. */
static void format_day(int64_t t, char out[96])
{
	i18n_format_date(t, I18N_DATETIME | I18N_ZONE, out, 96);
}

/* The View-chat link: a button in HTML, the bare URL in plain text. */
static void doc_link(struct doc *d, const char *url, int64_t expires)
{
	buf_printf(d->plain, _("View chat: %s"), url);
	buf_putc(d->plain, '\n');
	buf_puts(d->html, "<p style=\"margin:24px 0\"><a href=\"");
	buf_html_escape(d->html, url);
	buf_puts(d->html, "\" style=\"display:inline-block;padding:12px 24px;"
			  "background:#1a5fb4;color:#ffffff;text-decoration:none;"
			  "font-weight:bold;border-radius:4px\">");
	buf_html_escape(d->html, _("View chat"));
	buf_puts(d->html, "</a></p>\n" HTML_SMALL_URL);
	buf_html_escape(d->html, _("If the button does not work, copy this address "
				   "into your browser:"));
	buf_putc(d->html, ' ');
	buf_html_escape(d->html, url);
	if (expires > 0) {
		char day[96];

		format_day(expires, day);
		buf_printf(d->plain, _("(The link works until %s.)"), day);
		buf_putc(d->plain, '\n');
		buf_puts(d->html, "<br>");
		buf_printf(d->html, _("The link works until %s."), day);
	}
	buf_puts(d->html, "</p>\n");
	buf_puts(d->plain, "\n");
}

/* The sign-in button: it works once, for half an hour, so the words say
 * that rather than a date. */
static void doc_signin(struct doc *d, const char *url)
{
	buf_printf(d->plain, _("Sign in: %s"), url);
	buf_puts(d->plain, "\n");
	buf_puts(d->plain, _("(The link works once, within 30 minutes.)"));
	buf_puts(d->plain, "\n\n");
	buf_puts(d->html, "<p style=\"margin:24px 0\"><a href=\"");
	buf_html_escape(d->html, url);
	buf_puts(d->html, "\" style=\"display:inline-block;padding:12px 24px;"
			  "background:#1a5fb4;color:#ffffff;text-decoration:none;"
			  "font-weight:bold;border-radius:4px\">");
	buf_html_escape(d->html, _("Sign in"));
	buf_puts(d->html, "</a></p>\n" HTML_SMALL_URL);
	buf_html_escape(d->html, _("The link works once, within 30 minutes. If the button "
				   "does not work, copy this address into your browser:"));
	buf_putc(d->html, ' ');
	buf_html_escape(d->html, url);
	buf_puts(d->html, "</p>\n");
}

static void doc_tasks(struct doc *d, const struct compose_mail *m, int staff)
{
	size_t i, open = 0;

	for (i = 0; i < m->task_count; i++)
		open += !m->tasks[i].done;
	char head[256];

	if (staff)
		snprintf(head, sizeof(head), ngettext("Tasks (%zu of %zu open):",
						      "Tasks (%zu of %zu open):", m->task_count),
			 open, m->task_count);
	else
		snprintf(head, sizeof(head), ngettext("Your tasks (%zu of %zu open):",
						      "Your tasks (%zu of %zu open):", m->task_count),
			 open, m->task_count);
	buf_puts(d->plain, head);
	buf_putc(d->plain, '\n');
	buf_puts(d->html, HTML_H2);
	buf_html_escape(d->html, head);
	buf_puts(d->html, "</h2>\n"
		   "<ul style=\"margin:0 0 16px 0;padding-left:0;list-style:none\">\n");
	for (i = 0; i < m->task_count; i++) {
		char *text = compose_clean_line(m->tasks[i].text);

		buf_printf(d->plain, "  [%c] %s\n", m->tasks[i].done ? 'x' : ' ', text);
		/* the box is a picture: its words are its alternative */
		buf_printf(d->html, "<li><span role=\"img\" aria-label=\"%s\">%s</span> ",
			   m->tasks[i].done ? pgettext("task state", "Done") :
					      pgettext("task state", "Open"),
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

static void doc_post_files(struct doc *d, const struct compose_mail *m)
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
			  "margin:24px 0 12px 0\">\n" HTML_SMALL_URL);
	if (mail_kind_is(m->kind, MAIL_TO_SENDER))
		doc_say(d, _("This is an automatic reply. "), w, m);
	if (mail_kind_is(m->kind, MAIL_SIGNIN))
		/* xgettext:no-c-format */
		doc_say(d, _("Replies to this email are not delivered to %f."), w, m);
	else if (mail_kind_is(m->kind, MAIL_TO_STAFF))
		/* staff are the firm: they answer in the chat, and a reply by
		 * email reaches nobody */
		doc_say(d, _("Please answer in the chat: a reply to this email is not posted "
			     "there and reaches nobody."), w, m);
	else
		/* xgettext:no-c-format */
		doc_say(d, _("Replies to this email are not delivered to %f. Please answer in "
			     "the chat."), w, m);
	buf_puts(d->plain, "\n");
	if (!compose_empty(m->unsubscribe_url) && !mail_kind_is(m->kind, MAIL_TO_SENDER)) {
		buf_printf(d->plain, _("To stop these emails: %s"), m->unsubscribe_url);
		buf_putc(d->plain, '\n');
		buf_puts(d->html, "<br><a href=\"");
		buf_html_escape(d->html, m->unsubscribe_url);
		buf_puts(d->html, "\" style=\"color:#666666\">");
		buf_html_escape(d->html, _("Stop these emails"));
		buf_puts(d->html, "</a>");
	}
	buf_puts(d->html, "</p>\n");
}

/* What one item says, in the template language of doc_say(). */
static const char *item_sentence(const struct compose_item *it, int staff, int shown)
{
	switch (it->kind) {
	case MAIL_NEW_MESSAGE:
		return shown ? _("%a wrote:") : _("%a wrote a new message.");
	case MAIL_STAFF_CLIENT_REPLIED:
		return shown ? _("%a replied:") : _("%a replied.");
	case MAIL_STAFF_CLIENT_CREATED:
		return shown ? _("%a started the chat:") : _("%a started the chat.");
	case MAIL_STAFF_TASK_DONE:
		return it->undone ? _("%a unticked the task %t.") : _("%a ticked off the task %t.");
	case MAIL_STAFF_UPLOAD:
		return _("%a uploaded %n.");
	case MAIL_STAFF_MENTION:
		return shown ? _("%a mentioned you:") : _("%a mentioned you.");
	default:
		return staff ? _("%a changed something.") : _("%a wrote.");
	}
}

/* Is the upload's message one of the items, with its files listed? */
static int upload_listed(const struct compose_mail *m, const struct compose_item *up)
{
	if (up->message_id == 0 || !m->show_content)
		return 0;
	for (size_t i = 0; i < m->item_count; i++)
		if (m->items[i].kind != MAIL_STAFF_UPLOAD && m->items[i].message_id == up->message_id)
			return 1;
	return 0;
}

/* Several things at once: one line (and message) each, oldest first. */
static void doc_items(struct doc *d, const struct compose_mail *m, const struct compose_words *w,
		      int staff)
{
	doc_para(d, staff ? _("What happened in %s (%c):") : _("News from %f in %s:"), w, m);
	for (size_t i = 0; i < m->item_count; i++) {
		const struct compose_item *it = &m->items[i];
		struct compose_words iw = *w;
		char *actor, *text, *body = NULL;
		int message = it->kind != MAIL_STAFF_UPLOAD && it->kind != MAIL_STAFF_TASK_DONE;
		int shown = message && m->show_content && it->body != NULL && *it->body != '\0';

		if (it->kind == MAIL_STAFF_UPLOAD && upload_listed(m, it))
			continue;
		actor = compose_clean_line(it->actor);
		text = compose_clean_line(it->text);
		iw.author = actor;
		iw.file = text;
		iw.task = text;
		doc_para(d, item_sentence(it, staff, shown), &iw, m);
		if (shown) {
			body = compose_clean_text(it->body);
			char *files = compose_clean_text(it->files);

			doc_message(d, body, files);
			free(files);
		}
		free(body);
		free(actor);
		free(text);
	}
}

void compose_text_render(const struct compose_mail *m, const struct compose_words *w,
				struct buf *plain, struct buf *html)
{
	struct doc d = { plain, html };
	const struct mail_kind_row *kind = mail_kind_row(m->kind);

	/* lang: the reader's language, so that a screen reader speaks it in
	 * the right voice */
	buf_printf(html, "<!DOCTYPE html>\n<html lang=\"%s\"><head><meta charset=\"utf-8\">", i18n_lang());
	buf_puts(html, ""
		       "<meta name=\"viewport\" content=\"width=device-width\"><title>");
	buf_html_escape(html, w->subject);
	/* What a message's own HTML (cmark's) needs to fit a phone's screen. */
	buf_puts(html, "</title>\n<style>.gw-msg pre{white-space:pre-wrap;"
		       "overflow-wrap:anywhere}.gw-msg img{max-width:100%;height:auto}"
		       ".gw-msg a{overflow-wrap:anywhere;word-break:break-all}</style>");
	buf_puts(html, "</head>\n<body style=\"margin:0;padding:0;background:#f4f4f4\">\n"
		       "<div style=\"max-width:600px;margin:0 auto;padding:24px;background:#ffffff;"
		       "font-family:Arial,Helvetica,sans-serif;font-size:15px;line-height:1.5;"
		       "color:#222222\">\n");
	/* a real heading: the subject, so the email can be navigated by it */
	buf_puts(html, "<h1 style=\"margin:0 0 16px 0;font-size:20px;line-height:1.3;"
		       "color:#222222\">");
	buf_html_escape(html, w->subject);
	buf_puts(html, "</h1>\n");

	if (*w->to_name != '\0')
		/* TRANSLATORS: %p is the recipient's name */
		/* xgettext:no-c-format */
		doc_para(&d, _("Hello %p,"), w, m);
	else
		doc_para(&d, _("Hello,"), w, m);
	if (m->item_count > 1)
		doc_items(&d, m, w, (kind->flags & MAIL_TO_STAFF) != 0);
	else if (m->kind == MAIL_STAFF_TASK_DONE && m->undone)
		/* xgettext:no-c-format */
		doc_para(&d, _("%a (%c) unticked the task %t in %s."), w, m);
	else
		doc_para(&d, _(kind->intro), w, m);

	if (kind->flags & MAIL_SIGNIN) {
		doc_signin(&d, m->view_url);
		doc_para(&d, _(kind->outro), w, m);
	} else if (kind->flags & MAIL_TO_SENDER) {
		if (!compose_empty(m->view_url)) {
			doc_para(&d, _("Please answer in the chat instead. Here is a fresh link:"),
				 w, m);
			doc_link(&d, m->view_url, m->view_expires);
		} else {
			/* xgettext:no-c-format */
			doc_para(&d, _("Please answer in the chat instead, using the link in "
				       "the latest email from %f."), w, m);
		}
		if (*w->their_text != '\0') {
			doc_para(&d, _("This is what you wrote, so that you can paste it into "
				       "the chat:"), w, m);
			doc_block(&d, w->their_text, 1);
		}
	} else {
		/* the message as written, when shown; its files once, named
		 * only when the content is shown */
		if (m->item_count <= 1 && m->show_content && *w->body != '\0')
			doc_message(&d, w->body, NULL);
		if (m->item_count <= 1)
			doc_post_files(&d, m);
		if (kind->outro != NULL)
			doc_para(&d, _(kind->outro), w, m);
		if (m->kind == MAIL_REMINDER)
			doc_reminder_rule(&d, m);
		if (m->task_count > 0)
			doc_tasks(&d, m, (kind->flags & MAIL_TO_STAFF) != 0);
		doc_link(&d, m->view_url, m->view_expires);
	}
	doc_footer(&d, m, w);
	buf_puts(html, "</div>\n</body></html>\n");
}
