/*
 * inbound_dsn.c - what a bounce says: the RFC 3464 delivery status fields
 * (Action, Status, Final-Recipient, Diagnostic-Code) or, for the many
 * plain-text non-delivery reports, the enhanced status code and the failed
 * address found in their text.  Also the test for "this text looks like a
 * non-delivery report", used to tell a bounce from an auto-reply.
 *
 * permanent is set for a 5.x.x status or Action: failed.  Nothing here
 * identifies the contact: the VERP token of the recipient does that; the
 * fields are for the log and for staff.
 */
#include <string.h>

#include "inbound_private.h"

#define DSN_MAX (64 * 1024)

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* "d.d{1,3}.d{1,3}" at p, with no digit or dot-digit around it; its length. */
static size_t status_at(const char *start, const char *p)
{
	const char *q = p;
	int n;

	if (p > start && (is_digit(p[-1]) || p[-1] == '.' || g_ascii_isalpha(p[-1])))
		return 0;
	if (!is_digit(*q) || q[1] != '.')
		return 0;
	q += 2;
	for (n = 0; is_digit(*q) && n < 4; q++, n++)
		;
	if (n == 0 || n > 3 || *q != '.')
		return 0;
	q++;
	for (n = 0; is_digit(*q) && n < 4; q++, n++)
		;
	if (n == 0 || n > 3 || is_digit(*q) || (*q == '.' && is_digit(q[1])))
		return 0;
	return (size_t)(q - p);
}

const char *inb_find_status(const char *text, char out[16])
{
	const char *p;

	for (p = text; *p; p++) {
		size_t n;

		if (*p != '4' && *p != '5')
			continue;
		n = status_at(text, p);
		if (n > 0 && n < 16) {
			memcpy(out, p, n);
			out[n] = '\0';
			return p;
		}
	}
	return NULL;
}

/* Subjects of non-delivery reports, lowercase, found anywhere in the subject. */
static const char *const ndr_subjects[] = {
	"undeliver", "undelivered", "delivery status notification", "delivery failure",
	"delivery failed", "mail delivery failed", "returned mail", "failure notice",
	"delivery has failed", "delivery problem", "delivery notification", "non remis",
	"unzustellbar", "nicht zustellbar", "non recapitabile", "onbestelbaar",
	"no se puede entregar", "não entregue", "mail system error", "nondeliverable",
	"non-deliverable", "not delivered", "could not send message", "could not be delivered",
	"returned to sender", "mail failure", "delivery delayed", "delayed mail",
	"message delayed", "notificación de estado de entrega", "notification d'état de remise",
	"übermittlungsstatus", "error sending message", "delivery final failure",
	"rejected", "bounce", "retour", "zustellung fehlgeschlagen",
};

/* Phrases of non-delivery reports, lowercase ASCII. */
static const char *const ndr_phrases[] = {
	"could not be delivered", "couldn't be delivered", "was not delivered",
	"not be delivered", "undeliverable", "undelivered", "delivery has failed",
	"delivery failed", "delivery failure", "delivery to the following recipient",
	"permanent error", "permanent fatal error", "user unknown", "unknown user",
	"no such user", "mailbox unavailable", "mailbox not found", "mailbox is full",
	"quota exceeded", "recipient address rejected", "address rejected",
	"does not exist", "returned to sender", "delivery status notification",
	"failure notice", "this is the mail system at host",
	"i'm afraid i wasn't able to deliver", "i'm sorry to have to inform you",
	"created automatically by mail delivery software", "had permanent fatal errors",
	"transcript of session follows", "unable to deliver", "could not deliver",
	"host unknown", "relay access denied", "non-delivery", "nondelivery",
	"this is the qmail-send program", "message delivery has failed",
	"has been delayed", "will continue to try", "could not be sent",
	"delivery attempts will continue", "mail delivery subsystem",
	"recipient not found", "invalid recipient", "no mailbox here",
};

static int in_text(const char *lower, const char *const *list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strstr(lower, list[i]))
			return 1;
	return 0;
}

int inb_ndr_subject(struct inb_ctx *c)
{
	char *lower;
	int yes;

	if (!c->r->subject)
		return 0;
	lower = g_utf8_strdown(c->r->subject, -1);
	yes = lower && in_text(lower, ndr_subjects, GW_ARRAY_SIZE(ndr_subjects));
	g_free(lower);
	return yes;
}

int inb_ndr_body(struct inb_ctx *c)
{
	char status[16];

	if (in_text(inb_body_lower(c), ndr_phrases, GW_ARRAY_SIZE(ndr_phrases)))
		return 1;
	return inb_find_status(inb_body(c), status) != NULL && status[0] == '5';
}

int inb_ndr_evidence(struct inb_ctx *c)
{
	return inb_ndr_subject(c) || inb_header((GMimeObject *)c->msg, "X-Failed-Recipients") ||
	       inb_ndr_body(c);
}

/* --- RFC 3464 fields --- */

struct dsn_block {
	char *action, *status, *final_rcpt, *orig_rcpt, *diagnostic;
};

static void block_clear(struct dsn_block *b)
{
	free(b->action);
	free(b->status);
	free(b->final_rcpt);
	free(b->orig_rcpt);
	free(b->diagnostic);
	memset(b, 0, sizeof(*b));
}

static void set_field(char **dst, const char *v, size_t n)
{
	struct buf b = BUF_INIT;

	if (*dst)
		return; /* the first occurrence counts */
	buf_append(&b, v, n);
	*dst = inb_clean_line(buf_cstr(&b), INB_LINE_MAX);
	buf_release(&b);
}

/* "rfc822; user@example.com" -> "user@example.com" */
static char *after_type(const char *v)
{
	const char *semi = v ? strchr(v, ';') : NULL;
	char *bare;

	if (!v)
		return NULL;
	bare = inb_bare_address(semi ? semi + 1 : v);
	if (!*bare) {
		free(bare);
		return NULL;
	}
	return bare;
}

/* "smtp; 550 5.1.1 ..." -> "550 5.1.1 ..." */
static const char *after_semicolon(const char *v)
{
	const char *semi = strchr(v, ';');

	if (!semi)
		return v;
	for (semi++; *semi == ' ' || *semi == '\t'; semi++)
		;
	return semi;
}

/* "failed (reason)" -> "failed" */
static char *first_word_lower(const char *v)
{
	size_t n = 0;
	char *w;

	while (*v == ' ')
		v++;
	while (v[n] && v[n] != ' ' && v[n] != ';' && v[n] != '(' && n < INB_VALUE_MAX)
		n++;
	/* v is UTF-8: a cut at the limit must not split a sequence. */
	while (n > 0 && ((unsigned char)v[n] & 0xc0) == 0x80)
		n--;
	w = xstrndup(v, n);
	for (n = 0; w[n]; n++)
		w[n] = g_ascii_tolower(w[n]);
	return w;
}

static int block_useful(const struct dsn_block *b)
{
	return b->action || b->status || b->final_rcpt;
}

/*
 * Parse one field at p (its lines unfolded) into the block; returns the
 * start of the next field.
 */
static const char *parse_field(const char *p, struct dsn_block *b)
{
	struct buf v = BUF_INIT;
	const char *colon, *eol, *name = p;
	size_t nlen;

	eol = strchr(p, '\n');
	colon = memchr(p, ':', eol ? (size_t)(eol - p) : strlen(p));
	if (!colon)
		return eol ? eol + 1 : p + strlen(p);
	nlen = (size_t)(colon - name);
	while (nlen > 0 && (name[nlen - 1] == ' ' || name[nlen - 1] == '\t'))
		nlen--;
	p = colon + 1;
	for (;;) {
		eol = strchr(p, '\n');
		buf_append(&v, p, eol ? (size_t)(eol - p) : strlen(p));
		if (!eol) {
			p += strlen(p);
			break;
		}
		p = eol + 1;
		if (*p != ' ' && *p != '\t')
			break;
		buf_putc(&v, ' ');
	}
#define FIELD(n, dst) \
	if (nlen == strlen(n) && !g_ascii_strncasecmp(name, n, nlen)) \
		set_field(&b->dst, buf_cstr(&v), v.len)
	FIELD("Action", action);
	FIELD("Status", status);
	FIELD("Final-Recipient", final_rcpt);
	FIELD("Original-Recipient", orig_rcpt);
	FIELD("Diagnostic-Code", diagnostic);
#undef FIELD
	buf_release(&v);
	return p;
}

/*
 * Walk the blocks of a delivery-status body; keep the first block with
 * Action: failed, else the first useful one.
 */
static void parse_dsn_fields(const char *text, struct dsn_block *best)
{
	struct dsn_block cur;
	const char *p = text;
	int best_failed = 0;

	memset(&cur, 0, sizeof(cur));
	memset(best, 0, sizeof(*best));
	while (*p) {
		int blank = *p == '\n' || (*p == '\r' && p[1] == '\n');

		if (!blank)
			p = parse_field(p, &cur);
		if (blank || !*p) {
			if (block_useful(&cur)) {
				int failed = cur.action && !g_ascii_strncasecmp(cur.action, "failed", 6);

				if (!block_useful(best) || (failed && !best_failed)) {
					block_clear(best);
					*best = cur;
					memset(&cur, 0, sizeof(cur));
					best_failed = failed;
				}
			}
			block_clear(&cur);
			if (blank)
				p += *p == '\r' ? 2 : 1;
		}
	}
	block_clear(&cur);
}

static char *crlf_to_lf(char *s)
{
	char *r = s, *w = s;

	for (; *r; r++)
		if (!(*r == '\r' && r[1] == '\n'))
			*w++ = *r;
	*w = '\0';
	return s;
}

/* To: of the returned message, when it names one mailbox. */
static char *returned_recipient(struct inb_ctx *c)
{
	InternetAddressList *to;
	InternetAddress *a;

	if (!c->t.returned)
		return NULL;
	to = g_mime_message_get_to(c->t.returned);
	if (!to || internet_address_list_length(to) != 1)
		return NULL;
	a = internet_address_list_get_address(to, 0);
	if (!INTERNET_ADDRESS_IS_MAILBOX(a))
		return NULL;
	return inb_clean_line(internet_address_mailbox_get_addr((InternetAddressMailbox *)a),
			      INB_LINE_MAX);
}

/* Message-ID of the returned message or of the returned header block. */
static char *returned_message_id(struct inb_ctx *c)
{
	char *text, *id = NULL;
	const char *p;

	if (c->t.returned)
		return inb_clean_line(g_mime_message_get_message_id(c->t.returned), INB_LINE_MAX);
	if (!c->t.returned_headers)
		return NULL;
	text = crlf_to_lf(inb_part_bytes(c->t.returned_headers, DSN_MAX));
	for (p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		if (!g_ascii_strncasecmp(p, "Message-ID:", 11)) {
			const char *e = strchr(p, '\n');
			char *v = xstrndup(p + 11, e ? (size_t)(e - p - 11) : strlen(p + 11));
			char *dec = g_mime_utils_decode_message_id(v);

			if (dec && *dec)
				id = inb_clean_line(dec, INB_LINE_MAX);
			g_free(dec);
			free(v);
			break;
		}
	}
	free(text);
	return id;
}

/* A qmail/Postfix style "<user@example.com>:" line in the report text. */
static char *address_line(const char *text)
{
	const char *p;

	for (p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		const char *q = p, *gt;

		while (*q == ' ' || *q == '\t')
			q++;
		if (*q != '<' || !(gt = strchr(q, '>')) || gt[1] != ':')
			continue;
		if (memchr(q, '@', (size_t)(gt - q)) && !memchr(q, '\n', (size_t)(gt - q))) {
			char *a = xstrndup(q + 1, (size_t)(gt - q - 1));
			char *clean = inb_clean_line(a, INB_LINE_MAX);

			free(a);
			return clean;
		}
	}
	return NULL;
}

/* The line of TEXT holding AT, as a clean single line. */
static char *line_of(const char *text, const char *at)
{
	const char *s = at, *e = strchr(at, '\n');
	char *raw, *clean;

	while (s > text && s[-1] != '\n')
		s--;
	raw = xstrndup(s, e ? (size_t)(e - s) : strlen(s));
	clean = inb_clean_line(raw, INB_LINE_MAX);
	free(raw);
	return clean;
}

static void plain_text_report(struct inb_ctx *c)
{
	struct inbound_bounce *b = &c->r->bounce;
	const char *body = inb_body(c), *lower = inb_body_lower(c), *at;
	const char *failed = inb_header((GMimeObject *)c->msg, "X-Failed-Recipients");

	if (!b->status[0] && (at = inb_find_status(body, b->status)) != NULL && !b->diagnostic)
		b->diagnostic = line_of(body, at);
	if (!b->status[0]) {
		/* no code: the words that say it */
		if (strstr(lower, "permanent error") || strstr(lower, "permanent fatal") ||
		    strstr(lower, "user unknown") || strstr(lower, "no such user") ||
		    strstr(lower, "does not exist"))
			snprintf(b->status, sizeof(b->status), "5.0.0");
		else if (strstr(lower, "will continue to try") || strstr(lower, "has been delayed") ||
			 strstr(lower, "delivery attempts will continue"))
			snprintf(b->status, sizeof(b->status), "4.0.0");
	}
	if (!b->final_recipient && failed) {
		char *first = xstrdup(failed), *comma = strchr(first, ','), *bare;

		if (comma)
			*comma = '\0';
		/* a raw header value: folding, control bytes, any charset */
		bare = inb_bare_address(first);
		b->final_recipient = inb_clean_line(bare, INB_LINE_MAX);
		free(bare);
		free(first);
	}
	if (!b->final_recipient)
		b->final_recipient = returned_recipient(c);
	if (!b->final_recipient)
		b->final_recipient = address_line(body);
}

void inb_dsn(struct inb_ctx *c)
{
	struct inbound_bounce *b = &c->r->bounce;

	if (c->t.delivery_status) {
		struct dsn_block f;
		char *text = crlf_to_lf(inb_part_bytes(c->t.delivery_status, DSN_MAX));

		parse_dsn_fields(text, &f);
		free(text);
		if (f.status) {
			const char *s = f.status;

			while (*s == ' ')
				s++;
			if (status_at(s, s) > 0)
				snprintf(b->status, sizeof(b->status), "%.*s",
					 (int)status_at(s, s), s);
		}
		if (!b->status[0] && f.diagnostic)
			inb_find_status(f.diagnostic, b->status);
		b->action = f.action ? first_word_lower(f.action) : NULL;
		b->final_recipient = after_type(f.final_rcpt ? f.final_rcpt : f.orig_rcpt);
		if (f.diagnostic && *after_semicolon(f.diagnostic))
			b->diagnostic = inb_clean_line(after_semicolon(f.diagnostic), INB_LINE_MAX);
		block_clear(&f);
	}
	plain_text_report(c);
	b->original_message_id = returned_message_id(c);
	b->permanent = b->status[0] == '5' || (b->action && !strcmp(b->action, "failed"));
}
