/*
 * compose.c - turn a struct compose_mail into a complete MIME message.
 *
 * Three steps: clean and check every caller-provided field (nothing
 * unchecked reaches the wire), write the words of the mail once into a
 * plain and an HTML buffer side by side, then write the headers and the
 * multipart/alternative body with CRLF line ends (compose_mime.c encodes
 * and folds).  See compose.h for the header list and the subject rules.
 */
#include "compose.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "compose_int.h"
#include "i18n.h"
#include "compose_mime.h"
#include "utf8.h"

/* ---- cleaning --------------------------------------------------------- */

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
		size_t len, before = b.len, run = 0;

		/* printable ASCII, most of any text, is copied a run at a time */
		while (run < n && s[run] >= 0x20 && s[run] < 0x7f)
			run++;
		if (max > 0 && b.len + run > max)
			run = max - b.len;
		if (run > 0) {
			buf_append(&b, s, run);
			s += run;
			n -= run;
			continue;
		}
		if (max > 0 && b.len >= max)
			break;
		len = utf8_decode(s, n, &c);

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

char *compose_clean_text(const char *text)
{
	return clean_text(text);
}

/* ---- checking --------------------------------------------------------- */

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
	if (mail_kind_row(m->kind) == NULL) {
		*error_r = xasprintf("compose: unknown kind %d", (int)m->kind);
		return -1;
	}
	if (compose_empty(m->firm_name))
		return fail(error_r, "firm name", NULL);
	if (compose_empty(m->from_address))
		return fail(error_r, "from address", NULL);
	if (!valid_address(m->from_address))
		return fail(error_r, "from address", m->from_address);
	if (compose_empty(m->to_address))
		return fail(error_r, "recipient address", NULL);
	if (!valid_address(m->to_address))
		return fail(error_r, "recipient address", m->to_address);
	if (!compose_empty(m->reply_to) && !valid_address(m->reply_to))
		return fail(error_r, "reply-to address", m->reply_to);
	if (compose_empty(m->reply_domain))
		return fail(error_r, "reply domain", NULL);
	if (!valid_domain(m->reply_domain))
		return fail(error_r, "reply domain", m->reply_domain);
	if (compose_empty(m->message_id))
		return fail(error_r, "message id", NULL);
	if (!valid_msgid(m->message_id))
		return fail(error_r, "message id", m->message_id);
	if (!compose_empty(m->thread_root_id) && !valid_msgid(m->thread_root_id))
		return fail(error_r, "thread root id", m->thread_root_id);
	if (mail_kind_is(m->kind, MAIL_TO_SENDER) && !compose_empty(m->their_message_id) &&
	    !valid_msgid(m->their_message_id))
		return fail(error_r, "their message id", m->their_message_id);
	if (compose_empty(m->view_url) && !mail_kind_is(m->kind, MAIL_TO_SENDER))
		return fail(error_r, "view url", NULL);
	if (!compose_empty(m->view_url) && !valid_url(m->view_url))
		return fail(error_r, "view url", m->view_url);
	if (!compose_empty(m->unsubscribe_url) && !valid_url(m->unsubscribe_url))
		return fail(error_r, "unsubscribe url", m->unsubscribe_url);
	if (m->task_count > 0 && m->tasks == NULL)
		return fail(error_r, "task list", NULL);
	return 0;
}

/* ---- the words -------------------------------------------------------- */

/*
 * A header phrase: cleaned, and with "=?" broken up.  A receiver decodes
 * any word that looks like an encoded word, and plain ASCII text goes out
 * as it is, so "=?utf-8?q?=0D=0A?=" would reach the reader as a line
 * break.  "= ?" is the honest visible stand-in.
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
	w->from_name = header_text(compose_empty(m->from_name) ? m->firm_name : m->from_name);
	w->to_name = header_text(m->to_name);
	w->subject = header_text(m->subject);
	if (*w->subject == '\0') {
		free(w->subject);
		w->subject = xstrdup(_("(no subject)"));
	}
	w->account = compose_clean_line(m->account_name);
	w->author = compose_clean_line(m->author_name);
	w->file = compose_clean_line(m->file_name);
	w->task = compose_clean_line(m->task_text);
	w->files = clean_text(m->files);
	w->webhook = compose_clean_line(m->webhook);
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
	free(w->task);
	free(w->files);
	free(w->webhook);
	free(w->body);
	free(w->their_text);
}

/* ---- headers and MIME ------------------------------------------------- */

static void id_header(struct buf *out, const char *name, const char *id1, const char *id2)
{
	struct compose_mime_header h;

	if (compose_empty(id1) && compose_empty(id2))
		return;
	compose_mime_header_begin(&h, out, name);
	if (!compose_empty(id1))
		compose_mime_header_angle(&h, id1);
	if (!compose_empty(id2))
		compose_mime_header_angle(&h, id2);
	compose_mime_header_end(&h);
}

static void mailbox_header(struct buf *out, const char *name, const char *display,
			   const char *addr)
{
	struct compose_mime_header h;

	compose_mime_header_begin(&h, out, name);
	compose_mime_header_mailbox(&h, display, addr);
	compose_mime_header_end(&h);
}

/* A header whose value is one token written as it is. */
static void plain_header(struct buf *out, const char *name, const char *value)
{
	buf_puts(out, name);
	buf_puts(out, ": ");
	buf_puts(out, value);
	buf_puts(out, "\r\n");
}

static char *make_subject(const struct compose_mail *m, const struct compose_words *w)
{
	const struct mail_kind_row *kind = mail_kind_row(m->kind);

	/* "" is no msgid: gettext("") is the catalog's header */
	const char *prefix = *kind->subject_prefix != '\0' ? _(kind->subject_prefix) : "";

	if ((kind->flags & MAIL_TO_STAFF) && !compose_empty(w->account))
		return xasprintf("%s[%s] %s", prefix, w->account, w->subject);
	return xasprintf("%s%s", prefix, w->subject);
}

/*
 * The multipart boundary.  Both parts are quoted-printable, which writes
 * "=" only as "=3D" or as a soft line break at the end of a line, so no
 * line of a part can start with "--=_": such a boundary is safe without
 * being random.  The hash of the Message-ID only makes it differ from one
 * mail to the next.
 */
static void make_boundary(const char *message_id, char out[32])
{
	uint64_t hash = 0xcbf29ce484222325ULL; /* FNV-1a */

	for (const char *p = message_id; *p != '\0'; p++) {
		hash ^= (unsigned char)*p;
		hash *= 0x100000001b3ULL;
	}
	snprintf(out, 32, "=_gw_%016llx", (unsigned long long)hash);
}

static void write_headers(struct buf *out, const struct compose_mail *m,
			  const struct compose_words *w, const char *boundary)
{
	struct compose_mime_header h;
	char *subject = make_subject(m, w);
	char *subject_line = header_text(subject);
	int explanation = mail_kind_is(m->kind, MAIL_TO_SENDER);
	char date[40];

	compose_mime_date(m->date, date);
	plain_header(out, "Date", date);
	mailbox_header(out, "From", w->from_name, m->from_address);
	mailbox_header(out, "To", w->to_name, m->to_address);
	if (!compose_empty(m->reply_to))
		mailbox_header(out, "Reply-To", NULL, m->reply_to);
	compose_mime_header_begin(&h, out, "Subject");
	compose_mime_header_text(&h, subject_line);
	compose_mime_header_end(&h);
	id_header(out, "Message-ID", m->message_id, NULL);
	if (explanation) {
		id_header(out, "In-Reply-To", m->their_message_id, NULL);
		id_header(out, "References", m->thread_root_id, m->their_message_id);
	} else {
		id_header(out, "In-Reply-To", m->thread_root_id, NULL);
		id_header(out, "References", m->thread_root_id, NULL);
	}
	plain_header(out, "Auto-Submitted", explanation ? "auto-replied" : "auto-generated");
	plain_header(out, "X-Auto-Response-Suppress", "All");
	plain_header(out, GW_LOOP_HEADER, m->reply_domain);
	if (!compose_empty(m->unsubscribe_url) && !explanation) {
		/*
		 * RFC 2369 wants the URL in angle brackets as it is, on one
		 * line: a folded or encoded URL is one no mail client can use.
		 * It was checked (http(s), no controls, no spaces).
		 */
		buf_printf(out, "List-Unsubscribe: <%s>\r\n", m->unsubscribe_url);
		plain_header(out, "List-Unsubscribe-Post", "List-Unsubscribe=One-Click");
	}
	plain_header(out, "MIME-Version", "1.0");
	buf_printf(out, "Content-Type: multipart/alternative; boundary=\"%s\"\r\n\r\n",
		   boundary);
	free(subject_line);
	free(subject);
}

static void write_part(struct buf *out, const char *boundary, const char *subtype,
		       const struct buf *text)
{
	buf_printf(out, "--%s\r\nContent-Type: text/%s; charset=utf-8\r\n"
		   "Content-Transfer-Encoding: quoted-printable\r\n\r\n", boundary, subtype);
	compose_mime_qp(out, text->data != NULL ? text->data : "", text->len);
	buf_puts(out, "\r\n");
}

int compose_render(const struct compose_mail *mail, struct buf *out, char **error_r)
{
	struct compose_words words;
	struct buf plain = BUF_INIT, html = BUF_INIT;
	struct i18n_saved reader;
	char boundary[32];

	if (check_mail(mail, error_r) < 0)
		return -1;
	/* the words are the recipient's: their language, dates in their zone */
	i18n_reader_save(&reader);
	i18n_reader_set(mail->lang, mail->zone);
	compose_words_init(&words, mail);
	compose_text_render(mail, &words, &plain, &html);

	make_boundary(mail->message_id, boundary);
	write_headers(out, mail, &words, boundary);
	write_part(out, boundary, "plain", &plain);
	write_part(out, boundary, "html", &html);
	buf_printf(out, "--%s--\r\n", boundary);

	buf_release(&plain);
	buf_release(&html);
	compose_words_release(&words);
	i18n_reader_restore(&reader);
	return 0;
}
