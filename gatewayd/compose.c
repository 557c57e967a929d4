/*
 * compose.c - turn a struct compose_mail into a complete MIME message.
 *
 * Three steps: clean and check every caller-provided field (nothing
 * unchecked reaches gmime), write the words of the mail once into a plain
 * and an HTML buffer side by side, then let gmime build
 * the headers and the multipart/alternative body and serialise it with CRLF
 * line ends.  See compose.h for the header list and the subject rules.
 */
#include "compose.h"

#include <gmime/gmime.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static pthread_once_t gmime_once = PTHREAD_ONCE_INIT;

static void gmime_init_once(void)
{
	g_mime_init();
}

/* ---- cleaning --------------------------------------------------------- */

/*
 * Decode one UTF-8 sequence at s (n bytes available).  Returns its length
 * and sets *cp, or returns 0 for an invalid sequence (overlong, surrogate,
 * beyond U+10FFFF, truncated).
 */
static size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
	uint32_t c;
	size_t len, i;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	} else if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		c = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		c = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		c = s[0] & 0x07;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && c < 0x800) || (len == 4 && c < 0x10000) || c > 0x10ffff ||
	    (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

static int is_control(uint32_t c)
{
	return c < 0x20 || c == 0x7f || (c >= 0x80 && c <= 0x9f) || c == 0x2028 ||
	       c == 0x2029;
}

#define REPLACEMENT "\xef\xbf\xbd" /* U+FFFD */

/*
 * The one cleaning loop.  multiline: keep LF (CRLF and CR become LF) and
 * TAB; otherwise every control becomes a space.  max: cut at a character
 * boundary at or below this many bytes (0 = no limit).
 */
static char *clean(const char *text, int multiline, size_t max)
{
	const unsigned char *s = (const unsigned char *)(text != NULL ? text : "");
	size_t n = strlen((const char *)s);
	struct buf b = BUF_INIT;

	buf_puts(&b, "");
	while (n > 0) {
		uint32_t c;
		size_t len = utf8_decode(s, n, &c);
		size_t before = b.len;

		if (len == 0) {
			buf_puts(&b, REPLACEMENT);
			len = 1;
		} else if (multiline && c == '\r') {
			buf_putc(&b, '\n');
			if (n > 1 && s[1] == '\n')
				len = 2;
		} else if (multiline && (c == '\n' || c == '\t')) {
			buf_putc(&b, (char)c);
		} else if (is_control(c)) {
			buf_putc(&b, ' ');
		} else {
			buf_append(&b, s, len);
		}
		if (max > 0 && b.len > max) {
			buf_truncate(&b, before);
			break;
		}
		s += len;
		n -= len;
	}
	return buf_detach(&b);
}

char *compose_clean_line(const char *text)
{
	char *s = clean(text, 0, COMPOSE_LINE_MAX);
	size_t start = strspn(s, " "), end = strlen(s);

	while (end > start && s[end - 1] == ' ')
		end--;
	memmove(s, s + start, end - start);
	s[end - start] = '\0';
	return s;
}

static char *clean_text(const char *text)
{
	return clean(text, 1, 0);
}

/* ---- checking --------------------------------------------------------- */

static int is_empty(const char *s)
{
	return s == NULL || *s == '\0';
}

/* Printable ASCII that needs no quoting in an addr-spec or msg-id. */
static int atom_char(char c)
{
	return c > 0x20 && c < 0x7f && strchr("()<>[]:;@\\,\"", c) == NULL;
}

/* local@domain, dot-atom both sides, at most 254 characters. */
static int valid_address(const char *s)
{
	const char *at = strchr(s, '@');
	const char *p;

	if (at == NULL || at == s || at[1] == '\0' || strlen(s) > 254)
		return 0;
	for (p = s; *p != '\0'; p++) {
		if (p != at && !atom_char(*p))
			return 0;
	}
	return 1;
}

/* id-left@id-right without brackets (RFC 5322 msg-id, dot-atom form). */
static int valid_msgid(const char *s)
{
	return valid_address(s) && strlen(s) <= 250;
}

static int valid_domain(const char *s)
{
	size_t n = strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			     "0123456789.-");

	return n > 0 && s[n] == '\0' && n <= 253;
}

/* Absolute http(s) URL without anything that could end an attribute or a header. */
static int valid_url(const char *s)
{
	const char *p;

	if (strncmp(s, "https://", 8) != 0 && strncmp(s, "http://", 7) != 0)
		return 0;
	if (strlen(s) > 2000)
		return 0;
	for (p = s; *p != '\0'; p++) {
		if (*p <= 0x20 || *p >= 0x7f || strchr("<>\"'\\`", *p) != NULL)
			return 0;
	}
	return 1;
}

static int fail(char **error_r, const char *what, const char *value)
{
	if (value == NULL) {
		*error_r = xasprintf("compose: %s missing", what);
	} else {
		/* the value is bad by definition: keep it from breaking the log line */
		char *shown = compose_clean_line(value);

		*error_r = xasprintf("compose: invalid %s \"%.80s\"", what, shown);
		free(shown);
	}
	return -1;
}

static int check_mail(const struct compose_mail *m, char **error_r)
{
	if (compose_kind_name(m->kind) == NULL) {
		*error_r = xasprintf("compose: unknown kind %d", (int)m->kind);
		return -1;
	}
	if (is_empty(m->firm_name))
		return fail(error_r, "firm name", NULL);
	if (is_empty(m->from_address))
		return fail(error_r, "from address", NULL);
	if (!valid_address(m->from_address))
		return fail(error_r, "from address", m->from_address);
	if (is_empty(m->to_address))
		return fail(error_r, "recipient address", NULL);
	if (!valid_address(m->to_address))
		return fail(error_r, "recipient address", m->to_address);
	if (!is_empty(m->reply_to) && !valid_address(m->reply_to))
		return fail(error_r, "reply-to address", m->reply_to);
	if (is_empty(m->reply_domain))
		return fail(error_r, "reply domain", NULL);
	if (!valid_domain(m->reply_domain))
		return fail(error_r, "reply domain", m->reply_domain);
	if (is_empty(m->message_id))
		return fail(error_r, "message id", NULL);
	if (!valid_msgid(m->message_id))
		return fail(error_r, "message id", m->message_id);
	if (!is_empty(m->thread_root_id) && !valid_msgid(m->thread_root_id))
		return fail(error_r, "thread root id", m->thread_root_id);
	if (m->kind == COMPOSE_EXPLANATION && !is_empty(m->their_message_id) &&
	    !valid_msgid(m->their_message_id))
		return fail(error_r, "their message id", m->their_message_id);
	if (is_empty(m->view_url) && m->kind != COMPOSE_EXPLANATION)
		return fail(error_r, "view url", NULL);
	if (!is_empty(m->view_url) && !valid_url(m->view_url))
		return fail(error_r, "view url", m->view_url);
	if (!is_empty(m->unsubscribe_url) && !valid_url(m->unsubscribe_url))
		return fail(error_r, "unsubscribe url", m->unsubscribe_url);
	if (m->task_count > 0 && m->tasks == NULL)
		return fail(error_r, "task list", NULL);
	return 0;
}

/* ---- the words -------------------------------------------------------- */

/* Every caller-provided text, cleaned once. */
struct compose_words {
	char *firm, *from_name, *to_name, *subject, *account, *author, *file;
	char *body, *their_text;
};

/*
 * A header phrase: cleaned, and with "=?" broken up.  A receiver decodes
 * any word that looks like an encoded word, and gmime does not encode such
 * a word when it is meant literally, so "=?utf-8?q?=0D=0A?=" would reach
 * the reader as a line break.  "= ?" is the honest visible stand-in.
 */
static char *header_text(const char *text)
{
	char *clean = compose_clean_line(text);
	const char *s = clean, *p;
	struct buf b = BUF_INIT;

	if (strstr(clean, "=?") == NULL)
		return clean;
	while ((p = strstr(s, "=?")) != NULL) {
		buf_append(&b, s, (size_t)(p - s));
		buf_puts(&b, "= ?");
		s = p + 2;
	}
	buf_puts(&b, s);
	free(clean);
	return buf_detach(&b);
}

static void compose_words_init(struct compose_words *w, const struct compose_mail *m)
{
	w->firm = header_text(m->firm_name);
	w->from_name = header_text(is_empty(m->from_name) ? m->firm_name : m->from_name);
	w->to_name = header_text(m->to_name);
	w->subject = header_text(m->subject);
	if (*w->subject == '\0') {
		free(w->subject);
		w->subject = xstrdup("(no subject)");
	}
	w->account = compose_clean_line(m->account_name);
	w->author = compose_clean_line(m->author_name);
	w->file = compose_clean_line(m->file_name);
	w->body = clean_text(m->body);
	w->their_text = clean_text(m->their_text);
}

static void compose_words_release(struct compose_words *w)
{
	free(w->firm);
	free(w->from_name);
	free(w->to_name);
	free(w->subject);
	free(w->account);
	free(w->author);
	free(w->file);
	free(w->body);
	free(w->their_text);
}

/* The plain and the HTML part, written side by side. */
struct doc {
	struct buf *plain;
	struct buf *html;
};

#define HTML_P "<p style=\"margin:0 0 16px 0\">"
#define HTML_SMALL "<p style=\"margin:0 0 12px 0;font-size:13px;color:#666666\">"

/* Literal template text: as is in plain, escaped in HTML. */
static void doc_lit(struct doc *d, const char *s, size_t n)
{
	char *tmp = xstrndup(s, n);

	buf_puts(d->plain, tmp);
	buf_html_escape(d->html, tmp);
	free(tmp);
}

/* A caller-provided value; emphasised in HTML, quoted in plain if asked. */
static void doc_value(struct doc *d, const char *v, int quote)
{
	if (quote)
		buf_printf(d->plain, "\"%s\"", v);
	else
		buf_puts(d->plain, v);
	buf_puts(d->html, "<strong>");
	buf_html_escape(d->html, v);
	buf_puts(d->html, "</strong>");
}

/*
 * Expand a sentence template: %a author, %f firm, %s subject, %c account,
 * %n file name, %r "N of M" (reminders), %% a percent sign.
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
		char *tmp = xstrndup(line, n);

		buf_printf(d->plain, "%s%s\n", quote ? "> " : "", tmp);
		buf_html_escape(d->html, tmp);
		free(tmp);
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
	buf_printf(d->plain, "View chat: %s\n", url);
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

static void doc_tasks(struct doc *d, const struct compose_mail *m, int staff)
{
	size_t i, open = 0;

	for (i = 0; i < m->task_count; i++)
		open += !m->tasks[i].done;
	buf_printf(d->plain, "%s (%zu of %zu open):\n", staff ? "Tasks" : "Your tasks", open,
		   m->task_count);
	buf_printf(d->html, HTML_P "%s (%zu of %zu open):</p>\n"
		   "<ul style=\"margin:0 0 16px 0;padding-left:0;list-style:none\">\n",
		   staff ? "Tasks" : "Your tasks", open, m->task_count);
	for (i = 0; i < m->task_count; i++) {
		char *text = compose_clean_line(m->tasks[i].text);

		buf_printf(d->plain, "  [%c] %s\n", m->tasks[i].done ? 'x' : ' ', text);
		buf_printf(d->html, "<li>%s ", m->tasks[i].done ? "&#9745;" : "&#9744;");
		buf_html_escape(d->html, text);
		buf_puts(d->html, "</li>\n");
		free(text);
	}
	buf_puts(d->plain, "\n");
	buf_puts(d->html, "</ul>\n");
}

static void doc_footer(struct doc *d, const struct compose_mail *m,
		       const struct compose_words *w)
{
	buf_puts(d->plain, "-- \n");
	buf_puts(d->html, "<hr style=\"border:0;border-top:1px solid #dddddd;"
			  "margin:24px 0 12px 0\">\n" HTML_SMALL);
	if (m->kind == COMPOSE_EXPLANATION)
		doc_say(d, "This is an automatic reply. ", w, m);
	doc_say(d, "Replies to this email are not delivered to %f. Please answer in the chat.",
		w, m);
	buf_puts(d->plain, "\n");
	if (!is_empty(m->unsubscribe_url) && m->kind != COMPOSE_EXPLANATION) {
		buf_printf(d->plain, "To stop these emails: %s\n", m->unsubscribe_url);
		buf_puts(d->html, "<br><a href=\"");
		buf_html_escape(d->html, m->unsubscribe_url);
		buf_puts(d->html, "\" style=\"color:#666666\">Stop these emails</a>");
	}
	buf_puts(d->html, "</p>\n");
}

/* First sentence of each kind: what happened. */
static const char *intro(const struct compose_mail *m)
{
	switch (m->kind) {
	case COMPOSE_NEW_MESSAGE:
		return "%a at %f wrote you a new message in %s.";
	case COMPOSE_REMINDER:
		return "This is reminder %r about the message %a at %f sent you in %s. "
		       "It is still waiting for your answer.";
	case COMPOSE_RESEND:
		return "%a at %f would like you to look at %s again.";
	case COMPOSE_STAFF_CLIENT_REPLIED:
		return "%a (%c) replied in %s.";
	case COMPOSE_STAFF_CLIENT_CREATED:
		return "%a (%c) started a new chat: %s.";
	case COMPOSE_STAFF_TASK_DONE:
		return "%a (%c) completed a task in %s.";
	case COMPOSE_STAFF_UPLOAD:
		return "%a (%c) uploaded %n in %s.";
	case COMPOSE_STAFF_MENTION:
		return "%a mentioned you in %s (%c).";
	case COMPOSE_FRESH_LINK:
		return "Here is your new link to the chat %s with %f.";
	case COMPOSE_EXPLANATION:
		return "You answered a notification from %f by email. Your email was not "
		       "delivered to %f and was not posted in the chat %s.";
	}
	return "";
}

static int is_staff_kind(enum compose_kind kind)
{
	return kind >= COMPOSE_STAFF_CLIENT_REPLIED && kind <= COMPOSE_STAFF_MENTION;
}

static void compose_text_render(const struct compose_mail *m, const struct compose_words *w,
				struct buf *plain, struct buf *html)
{
	struct doc d = { plain, html };

	buf_puts(html, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
		       "<meta name=\"viewport\" content=\"width=device-width\"><title>");
	buf_html_escape(html, w->subject);
	buf_puts(html, "</title></head>\n<body style=\"margin:0;padding:0;background:#f4f4f4\">\n"
		       "<div style=\"max-width:600px;margin:0 auto;padding:24px;background:#ffffff;"
		       "font-family:Arial,Helvetica,sans-serif;font-size:15px;line-height:1.5;"
		       "color:#222222\">\n");

	if (*w->to_name != '\0') {
		buf_printf(plain, "Hello %s,\n\n", w->to_name);
		buf_puts(html, HTML_P "Hello ");
		buf_html_escape(html, w->to_name);
		buf_puts(html, ",</p>\n");
	} else {
		buf_puts(plain, "Hello,\n\n");
		buf_puts(html, HTML_P "Hello,</p>\n");
	}
	doc_para(&d, intro(m), w, m);

	if (m->kind == COMPOSE_EXPLANATION) {
		if (!is_empty(m->view_url)) {
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
		if (m->kind == COMPOSE_REMINDER)
			doc_para(&d, "Reminders stop when you answer in the chat or complete "
				     "your tasks.", w, m);
		if (m->task_count > 0)
			doc_tasks(&d, m, is_staff_kind(m->kind));
		doc_link(&d, m->view_url, m->view_expires);
	}
	doc_footer(&d, m, w);
	buf_puts(html, "</div>\n</body></html>\n");
}

/* ---- headers and MIME ------------------------------------------------- */

static void add_mailbox(InternetAddressList *list, const char *name, const char *addr)
{
	InternetAddress *ia = internet_address_mailbox_new(name, addr);

	/* Otherwise gmime may pick iso-8859-1 for a name it can represent. */
	internet_address_set_charset(ia, "utf-8");
	internet_address_list_add(list, ia);
	g_object_unref(ia);
}

static void set_id_header(GMimeObject *obj, const char *name, const char *id1,
			  const char *id2)
{
	char *value;

	if (!is_empty(id1) && !is_empty(id2))
		value = xasprintf("<%s> <%s>", id1, id2);
	else if (!is_empty(id1) || !is_empty(id2))
		value = xasprintf("<%s>", !is_empty(id1) ? id1 : id2);
	else
		return;
	g_mime_object_set_header(obj, name, value, NULL);
	free(value);
}

static GMimeObject *text_part(const char *subtype, const struct buf *text)
{
	GMimeTextPart *part = g_mime_text_part_new_with_subtype(subtype);
	GMimeStream *stream = g_mime_stream_mem_new_with_buffer(buf_cstr(text), text->len);
	GMimeDataWrapper *content =
		g_mime_data_wrapper_new_with_stream(stream, GMIME_CONTENT_ENCODING_DEFAULT);

	g_mime_part_set_content(GMIME_PART(part), content);
	g_object_unref(content);
	g_object_unref(stream);
	/* Explicit: left alone, gmime may label Latin-1-only text iso-8859-1. */
	g_mime_object_set_content_type_parameter(GMIME_OBJECT(part), "charset", "utf-8");
	g_mime_part_set_content_encoding(GMIME_PART(part),
					 GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE);
	return GMIME_OBJECT(part);
}

static char *make_subject(const struct compose_mail *m, const struct compose_words *w)
{
	switch (m->kind) {
	case COMPOSE_STAFF_CLIENT_REPLIED:
	case COMPOSE_STAFF_CLIENT_CREATED:
	case COMPOSE_STAFF_TASK_DONE:
	case COMPOSE_STAFF_UPLOAD:
	case COMPOSE_STAFF_MENTION:
		return is_empty(w->account) ? xstrdup(w->subject)
					    : xasprintf("[%s] %s", w->account, w->subject);
	case COMPOSE_FRESH_LINK:
		return xasprintf("New link: %s", w->subject);
	case COMPOSE_EXPLANATION:
		return xasprintf("Not delivered: %s", w->subject);
	default:
		return xstrdup(w->subject);
	}
}

static void set_headers(GMimeMessage *msg, const struct compose_mail *m,
			const struct compose_words *w)
{
	GMimeObject *obj = GMIME_OBJECT(msg);
	GDateTime *date = g_date_time_new_from_unix_utc(m->date);
	char *subject = make_subject(m, w);
	char *subject_line = header_text(subject);
	int explanation = m->kind == COMPOSE_EXPLANATION;

	add_mailbox(g_mime_message_get_from(msg), w->from_name, m->from_address);
	add_mailbox(g_mime_message_get_to(msg), w->to_name, m->to_address);
	if (!is_empty(m->reply_to))
		add_mailbox(g_mime_message_get_reply_to(msg), NULL, m->reply_to);
	g_mime_message_set_subject(msg, subject_line, "utf-8");
	g_mime_message_set_date(msg, date);
	g_mime_message_set_message_id(msg, m->message_id);
	if (explanation) {
		set_id_header(obj, "In-Reply-To", m->their_message_id, NULL);
		set_id_header(obj, "References", m->thread_root_id, m->their_message_id);
	} else {
		set_id_header(obj, "In-Reply-To", m->thread_root_id, NULL);
		set_id_header(obj, "References", m->thread_root_id, NULL);
	}
	g_mime_object_set_header(obj, "Auto-Submitted",
				 explanation ? "auto-replied" : "auto-generated", NULL);
	g_mime_object_set_header(obj, "X-Auto-Response-Suppress", "All", NULL);
	g_mime_object_set_header(obj, COMPOSE_LOOP_HEADER, m->reply_domain, NULL);
	if (!is_empty(m->unsubscribe_url) && !explanation) {
		char *value = xasprintf("<%s>", m->unsubscribe_url);

		/*
		 * RFC 2369 wants the URL in angle brackets as it is.  gmime would
		 * turn a value longer than a line into encoded words, which no
		 * mail client reads as a URL; the URL was checked (http(s), no
		 * controls), so it goes in raw, on one line.
		 */
		g_mime_object_set_header(obj, "List-Unsubscribe", value, NULL);
		GMimeHeader *h = g_mime_header_list_get_header(
			g_mime_object_get_header_list(obj), "List-Unsubscribe");
		char *raw = g_strdup_printf(" %s\n", value);

		g_mime_header_set_raw_value(h, raw);
		g_free(raw);
		g_mime_object_set_header(obj, "List-Unsubscribe-Post",
					 "List-Unsubscribe=One-Click", NULL);
		free(value);
	}
	g_mime_object_set_header(obj, "MIME-Version", "1.0", NULL);
	g_date_time_unref(date);
	free(subject_line);
	free(subject);
}

static void serialise(GMimeMessage *msg, struct buf *out)
{
	GMimeFormatOptions *opts = g_mime_format_options_new();
	GMimeStream *stream = g_mime_stream_mem_new();
	GByteArray *bytes;

	g_mime_format_options_set_newline_format(opts, GMIME_NEWLINE_FORMAT_DOS);
	g_mime_object_write_to_stream(GMIME_OBJECT(msg), opts, stream);
	bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(stream));
	buf_append(out, bytes->data, bytes->len);
	g_object_unref(stream);
	g_mime_format_options_free(opts);
}

int compose_render(const struct compose_mail *mail, struct buf *out, char **error_r)
{
	struct compose_words words;
	struct buf plain = BUF_INIT, html = BUF_INIT;
	GMimeMessage *msg;
	GMimeMultipart *alternative;
	GMimeObject *part;

	if (check_mail(mail, error_r) < 0)
		return -1;
	pthread_once(&gmime_once, gmime_init_once);

	compose_words_init(&words, mail);
	compose_text_render(mail, &words, &plain, &html);

	msg = g_mime_message_new(TRUE);
	set_headers(msg, mail, &words);
	alternative = g_mime_multipart_new_with_subtype("alternative");
	part = text_part("plain", &plain);
	g_mime_multipart_add(alternative, part);
	g_object_unref(part);
	part = text_part("html", &html);
	g_mime_multipart_add(alternative, part);
	g_object_unref(part);
	g_mime_message_set_mime_part(msg, GMIME_OBJECT(alternative));
	g_object_unref(alternative);

	serialise(msg, out);
	g_object_unref(msg);
	buf_release(&plain);
	buf_release(&html);
	compose_words_release(&words);
	return 0;
}

/* ---- kind names ------------------------------------------------------- */

static const char *const kind_names[] = {
	[COMPOSE_NEW_MESSAGE] = "new_message",
	[COMPOSE_REMINDER] = "reminder",
	[COMPOSE_RESEND] = "resend",
	[COMPOSE_STAFF_CLIENT_REPLIED] = "staff_client_replied",
	[COMPOSE_STAFF_CLIENT_CREATED] = "staff_client_created",
	[COMPOSE_STAFF_TASK_DONE] = "staff_task_done",
	[COMPOSE_STAFF_UPLOAD] = "staff_upload",
	[COMPOSE_STAFF_MENTION] = "staff_mention",
	[COMPOSE_FRESH_LINK] = "fresh_link",
	[COMPOSE_EXPLANATION] = "explanation",
};

const char *compose_kind_name(enum compose_kind kind)
{
	if ((size_t)kind >= GW_ARRAY_SIZE(kind_names))
		return NULL;
	return kind_names[kind];
}

int compose_kind_parse(const char *name, enum compose_kind *kind_r)
{
	size_t i;

	for (i = 0; i < GW_ARRAY_SIZE(kind_names); i++) {
		if (kind_names[i] != NULL && name != NULL && strcmp(kind_names[i], name) == 0) {
			*kind_r = (enum compose_kind)i;
			return 0;
		}
	}
	return -1;
}
