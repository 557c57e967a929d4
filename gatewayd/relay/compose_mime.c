/*
 * compose_mime.c - header fields and quoted-printable bodies on the wire,
 * for compose.c (see compose_mime.h for the contract).
 *
 * Header fields are written token by token; a token that would carry the
 * line past COMPOSE_MIME_LINE goes onto a continuation line, so folding
 * only ever happens before white space that is already there (or before
 * the space that separates two tokens).  Text that is not plain ASCII is
 * written as UTF-8 "Q" encoded words sized to the room left on the line:
 * a decoder drops the white space between adjacent encoded words, and
 * every space of the text travels inside them.
 */
#include "compose_mime.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

/* An encoded word: "=?utf-8?q?" ... "?=", at most 75 characters (RFC 2047 2). */
#define EW_PREFIX "=?utf-8?q?"
#define EW_OVERHEAD 12
#define EW_MAX_TEXT 63

/* ---- header fields ------------------------------------------------------ */

void compose_mime_header_begin(struct compose_mime_header *h, struct buf *out,
			       const char *name)
{
	h->out = out;
	buf_puts(out, name);
	buf_putc(out, ':');
	h->col = strlen(name) + 1;
	h->start = h->col;
}

void compose_mime_header_end(struct compose_mime_header *h)
{
	buf_puts(h->out, "\r\n");
}

/* Fold first when the line already holds a token and WIDTH more would not fit. */
static void make_room(struct compose_mime_header *h, size_t width)
{
	if (h->col > h->start && h->col + width > COMPOSE_MIME_LINE) {
		buf_puts(h->out, "\r\n");
		h->col = 0;
		h->start = 0;
	}
}

/* Append S (N bytes), after a space when SPACE is set, else S starts with
 * its own white space. */
static void put_token(struct compose_mime_header *h, int space, const char *s, size_t n)
{
	make_room(h, n + (space ? 1 : 0));
	if (space)
		buf_putc(h->out, ' ');
	buf_append(h->out, s, n);
	h->col += n + (space ? 1 : 0);
}

void compose_mime_header_word(struct compose_mime_header *h, const char *word)
{
	put_token(h, 1, word, strlen(word));
}

/* Bytes of the UTF-8 character that starts with C (1 for a stray byte). */
static size_t utf8_len(unsigned char c)
{
	return c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
}

/*
 * What "Q" encoding may leave as it is: the characters RFC 2047 5(3)
 * allows even in a display name, less the two with a meaning ("=", "_").
 */
static int q_plain(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '!' || c == '*' || c == '+' || c == '-' || c == '/';
}

/*
 * S (N bytes of UTF-8) as "Q" encoded words, each filling the room on its
 * line and holding whole characters.  "Q" rather than "B": it reads better
 * for mostly-Latin text, and a decoder that joins adjacent words before
 * decoding them (gmime does, to rejoin split characters) cannot lose
 * anything to base64 padding in the middle of the run.
 */
static void put_encoded(struct compose_mime_header *h, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";

	while (n > 0) {
		char word[EW_OVERHEAD + EW_MAX_TEXT + 1];
		size_t used = h->col + 1 + EW_OVERHEAD, room, len, take = 0;

		room = used < COMPOSE_MIME_LINE ? COMPOSE_MIME_LINE - used : 0;
		if (room > EW_MAX_TEXT)
			room = EW_MAX_TEXT;
		memcpy(word, EW_PREFIX, sizeof(EW_PREFIX) - 1);
		len = sizeof(EW_PREFIX) - 1;
		for (;;) {
			size_t clen = utf8_len((unsigned char)s[take]), cost = 0, i;

			if (clen > n - take)
				clen = n - take;
			for (i = 0; i < clen; i++) {
				unsigned char c = (unsigned char)s[take + i];

				cost += q_plain(c) || c == ' ' ? 1 : 3;
			}
			/* the first character goes in regardless when nothing else
			   is on the line (a new line has room for it) */
			if (len - (sizeof(EW_PREFIX) - 1) + cost > room &&
			    (take > 0 || h->col > h->start))
				break;
			for (i = 0; i < clen; i++) {
				unsigned char c = (unsigned char)s[take + i];

				if (q_plain(c)) {
					word[len++] = (char)c;
				} else if (c == ' ') {
					word[len++] = '_';
				} else {
					word[len++] = '=';
					word[len++] = hex[c >> 4];
					word[len++] = hex[c & 15];
				}
			}
			take += clen;
			if (take == n)
				break;
		}
		if (take == 0) {
			/* not one character fits on this line */
			make_room(h, COMPOSE_MIME_LINE);
			continue;
		}
		word[len++] = '?';
		word[len++] = '=';
		put_token(h, 1, word, len);
		s += take;
		n -= take;
	}
}

static int printable_ascii(const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s < 0x20 || *s > 0x7e)
			return 0;
	}
	return 1;
}

void compose_mime_header_text(struct compose_mime_header *h, const char *text)
{
	const char *p = text;
	int raw = printable_ascii(text);

	/* As it is only when the first word fits after the name and every
	   other (with the spaces before it) on a continuation line. */
	while (raw && *p != '\0') {
		size_t n = strspn(p, " ");

		n += strcspn(p + n, " ");
		raw = p == text ? h->col + 1 + n <= COMPOSE_MIME_LINE : n <= COMPOSE_MIME_LINE;
		p += n;
	}
	if (!raw) {
		put_encoded(h, text, strlen(text));
		return;
	}
	for (p = text; *p != '\0';) {
		size_t n = strspn(p, " ");

		n += strcspn(p + n, " ");
		/* the first word gets the space after the colon; the others bring theirs */
		put_token(h, p == text, p, n);
		p += n;
	}
}

/* RFC 5322 atext. */
static int atext(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

/*
 * Words of atext, one space between them, short enough to go on one line
 * whole: some parsers (gmime's among them) keep a fold inside a display
 * name as part of the name, so a name is never folded.
 */
static int atom_phrase(const char *s)
{
	size_t len = strlen(s);

	if (len == 0 || len >= COMPOSE_MIME_LINE - 1)
		return 0;
	while (*s != '\0') {
		size_t n = 0;

		while (atext(s[n]))
			n++;
		if (n == 0)
			return 0;
		s += n;
		if (*s == ' ' && s[1] != '\0')
			s++;
		else if (*s != '\0')
			return 0;
	}
	return 1;
}

/* NAME (printable ASCII) as a quoted string in OUT, if it fits on one line. */
static size_t quoted(const char *name, char *out, size_t size)
{
	size_t o = 0;

	out[o++] = '"';
	for (; *name != '\0'; name++) {
		if (o + 4 > size)
			return 0;
		if (*name == '"' || *name == '\\')
			out[o++] = '\\';
		out[o++] = *name;
	}
	out[o++] = '"';
	return o;
}

void compose_mime_header_angle(struct compose_mime_header *h, const char *text)
{
	size_t n = strlen(text);

	make_room(h, n + 3);
	buf_puts(h->out, " <");
	buf_append(h->out, text, n);
	buf_putc(h->out, '>');
	h->col += n + 3;
}

void compose_mime_header_mailbox(struct compose_mime_header *h, const char *name,
				 const char *addr)
{
	char q[COMPOSE_MIME_LINE];
	size_t n;

	if (name != NULL && *name != '\0') {
		if (atom_phrase(name)) {
			put_token(h, 1, name, strlen(name));
		} else if (printable_ascii(name) && (n = quoted(name, q, sizeof(q))) > 0) {
			put_token(h, 1, q, n);
		} else {
			put_encoded(h, name, strlen(name));
		}
		compose_mime_header_angle(h, addr);
		return;
	}
	compose_mime_header_word(h, addr);
}

void compose_mime_date(int64_t t, char out[40])
{
	static const char days[7][4] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char months[12][4] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
					    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL) {
		/* beyond what struct tm holds: the epoch rather than garbage */
		tt = 0;
		gmtime_r(&tt, &tm);
	}
	snprintf(out, 40, "%s, %d %s %d %02d:%02d:%02d +0000", days[tm.tm_wday], tm.tm_mday,
		 months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* ---- quoted-printable ----------------------------------------------------- */

/* Printable ASCII that quoted-printable leaves as it is anywhere. */
static int qp_plain(unsigned char c)
{
	return c > 0x20 && c < 0x7f && c != '=';
}

void compose_mime_qp(struct buf *out, const char *text, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p = (const unsigned char *)text, *end = p + len;
	char line[80]; /* one output line: 76 characters and "=\r\n" */

	while (p < end) {
		const unsigned char *eol = memchr(p, '\n', (size_t)(end - p));
		const unsigned char *stop = eol != NULL ? eol : end;
		size_t col = 0;

		/* the CR of a CRLF belongs to the line end */
		if (eol != NULL && stop > p && stop[-1] == '\r')
			stop--;
		while (p < stop) {
			/* a run that goes out as it is: not the line's last
			   character, and room left for a soft break after it */
			const unsigned char *q = p, *lim = stop - 1;
			unsigned char c;
			int last;

			if ((size_t)(lim - p) > 75 - col)
				lim = p + (75 - col);
			while (q < lim && (qp_plain(*q) || *q == ' ' || *q == '\t'))
				q++;
			memcpy(line + col, p, (size_t)(q - p));
			col += (size_t)(q - p);
			p = q;
			if (p == stop)
				break;

			/* one character: the line is full, or it needs =XX, or
			   it is the last of its line (a space there is encoded) */
			c = *p;
			last = p + 1 == stop;
			if (qp_plain(c) || ((c == ' ' || c == '\t') && !last)) {
				/* 76 characters a line, one of them the "=" of a
				   soft break unless this one ends the line */
				if (col + 1 > (last ? 76u : 75u)) {
					buf_append(out, line, col);
					buf_append(out, "=\r\n", 3);
					col = 0;
				}
				line[col++] = (char)c;
			} else {
				if (col + 3 > (last ? 76u : 75u)) {
					buf_append(out, line, col);
					buf_append(out, "=\r\n", 3);
					col = 0;
				}
				line[col++] = '=';
				line[col++] = hex[c >> 4];
				line[col++] = hex[c & 15];
			}
			p++;
		}
		buf_append(out, line, col);
		if (eol != NULL) {
			buf_append(out, "\r\n", 2);
			p = eol + 1;
		}
	}
}
