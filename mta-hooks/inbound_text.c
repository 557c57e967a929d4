/*
 * inbound_text.c - text out of a parsed message: decoded parts as UTF-8,
 * a rough plain text of HTML, the short quote of what a person wrote, and
 * single-line fields that are safe to log.
 *
 * Everything here is bounded: parts are decoded from at most a few times
 * the wanted size of their encoded bytes, and every output is cut.
 */
#include <string.h>

#include "inbound_private.h"

/* --- UTF-8 --- */

void inb_append_utf8(struct buf *b, const char *s, size_t len)
{
	const char *p = s, *end = s + len;

	while (p < end) {
		const gchar *valid_end;

		if (g_utf8_validate_len(p, (gsize)(end - p), &valid_end)) {
			buf_append(b, p, (size_t)(end - p));
			return;
		}
		buf_append(b, p, (size_t)(valid_end - p));
		buf_puts(b, "\xef\xbf\xbd"); /* U+FFFD */
		p = valid_end + 1;
	}
}

/* Length of the UTF-8 sequence starting with byte c (1 for a stray byte). */
static size_t seq_len(unsigned char c)
{
	if (c < 0x80)
		return 1;
	if ((c & 0xe0) == 0xc0)
		return 2;
	if ((c & 0xf0) == 0xe0)
		return 3;
	if ((c & 0xf8) == 0xf0)
		return 4;
	return 1;
}

/* The largest n <= max that does not split a character of valid UTF-8 s. */
static size_t utf8_cut(const char *s, size_t len, size_t max)
{
	size_t n = 0;

	if (len <= max)
		return len;
	while (n < len) {
		size_t k = seq_len((unsigned char)s[n]);

		if (n + k > max)
			break;
		n += k;
	}
	return n;
}

/* A control character, C1 control, or U+2028/U+2029 at s? Its length. */
static size_t control_at(const char *s)
{
	unsigned char c = (unsigned char)s[0];

	if (c < 0x20 || c == 0x7f)
		return 1;
	if (c == 0xc2 && (unsigned char)s[1] >= 0x80 && (unsigned char)s[1] <= 0x9f)
		return 2;
	if (c == 0xe2 && (unsigned char)s[1] == 0x80 &&
	    ((unsigned char)s[2] == 0xa8 || (unsigned char)s[2] == 0xa9))
		return 3;
	return 0;
}

char *inb_clean_line(const char *s, size_t max)
{
	struct buf v = BUF_INIT, out = BUF_INIT;
	const char *p;
	int space = 0;

	if (!s)
		return NULL;
	inb_append_utf8(&v, s, strlen(s));
	for (p = buf_cstr(&v); *p;) {
		size_t k = control_at(p);

		if (k || *p == ' ') {
			space = out.len > 0;
			p += k ? k : 1;
			continue;
		}
		if (space)
			buf_putc(&out, ' ');
		space = 0;
		k = seq_len((unsigned char)*p);
		buf_append(&out, p, k);
		p += k;
	}
	buf_release(&v);
	buf_truncate(&out, utf8_cut(buf_cstr(&out), out.len, max));
	return buf_detach(&out);
}

/* --- decoding parts --- */

char *inb_part_bytes(GMimeObject *part, size_t max)
{
	GMimeDataWrapper *w;
	GMimeStream *src, *sub, *filtered, *mem;
	GMimeFilter *filter;
	GMimeContentEncoding enc;
	GByteArray *ba;
	gint64 start, stop, raw_max;
	size_t n, i;
	char *out;

	if (!part || !GMIME_IS_PART(part))
		return xstrdup("");
	w = g_mime_part_get_content((GMimePart *)part);
	if (!w || !(src = g_mime_data_wrapper_get_stream(w)))
		return xstrdup("");
	enc = g_mime_data_wrapper_get_encoding(w);

	/* Encoded text is at most ~3x its decoded size (quoted-printable). */
	raw_max = (gint64)max * 3 + 4096;
	start = src->bound_start;
	stop = src->bound_end;
	if (stop < 0 || stop - start > raw_max)
		stop = start + raw_max;
	sub = g_mime_stream_substream(src, start, stop);
	filtered = g_mime_stream_filter_new(sub);
	if (enc == GMIME_CONTENT_ENCODING_BASE64 ||
	    enc == GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE ||
	    enc == GMIME_CONTENT_ENCODING_UUENCODE) {
		filter = g_mime_filter_basic_new(enc, FALSE);
		g_mime_stream_filter_add((GMimeStreamFilter *)filtered, filter);
		g_object_unref(filter);
	}
	mem = g_mime_stream_mem_new();
	g_mime_stream_write_to_stream(filtered, mem);
	ba = g_mime_stream_mem_get_byte_array((GMimeStreamMem *)mem);
	n = ba->len < max ? ba->len : max;
	out = xmalloc(n + 1);
	for (i = 0; i < n; i++)
		out[i] = ba->data[i] ? (char)ba->data[i] : ' ';
	out[n] = '\0';
	g_object_unref(mem);
	g_object_unref(filtered);
	g_object_unref(sub);
	return out;
}

static int is_utf8_name(const char *cs)
{
	return !g_ascii_strcasecmp(cs, "utf-8") || !g_ascii_strcasecmp(cs, "utf8") ||
	       !g_ascii_strcasecmp(cs, "us-ascii") || !g_ascii_strcasecmp(cs, "ascii");
}

/* BYTES in CHARSET (or unknown) as valid UTF-8 in b. */
static void to_utf8(struct buf *b, const char *bytes, size_t n, const char *charset)
{
	if (charset && *charset && !is_utf8_name(charset)) {
		iconv_t cd = g_mime_iconv_open("UTF-8", charset);

		if (cd != (iconv_t)-1) {
			char *conv = g_mime_iconv_strndup(cd, bytes, n);

			g_mime_iconv_close(cd);
			if (conv) {
				inb_append_utf8(b, conv, strlen(conv));
				g_free(conv);
				return;
			}
		}
	}
	if (g_utf8_validate_len(bytes, n, NULL)) {
		buf_append(b, bytes, n);
		return;
	}
	if (!charset || is_utf8_name(charset) || !*charset) {
		/* unlabelled 8-bit text is most often Latin-1 or Windows-1252 */
		gchar *conv = g_convert(bytes, (gssize)n, "UTF-8", "ISO-8859-1", NULL, NULL, NULL);

		if (conv) {
			inb_append_utf8(b, conv, strlen(conv));
			g_free(conv);
			return;
		}
	}
	inb_append_utf8(b, bytes, n);
}

char *inb_part_text(GMimeObject *part, size_t max)
{
	struct buf b = BUF_INIT;
	const char *charset = NULL;
	char *bytes;

	if (!part || !GMIME_IS_PART(part))
		return xstrdup("");
	bytes = inb_part_bytes(part, max);
	charset = g_mime_object_get_content_type_parameter(part, "charset");
	to_utf8(&b, bytes, strlen(bytes), charset);
	free(bytes);
	buf_truncate(&b, utf8_cut(buf_cstr(&b), b.len, max));
	return buf_detach(&b);
}

/* --- HTML to text --- */

static void put_codepoint(struct buf *b, gunichar c)
{
	char tmp[8];
	int n;

	if (c == 0 || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		c = 0xfffd;
	if (c == 0xa0)
		c = ' ';
	n = g_unichar_to_utf8(c, tmp);
	buf_append(b, tmp, (size_t)n);
}

/* An entity at p ('&'); appends its text, returns the bytes consumed. */
static size_t entity(struct buf *b, const char *p)
{
	static const struct {
		const char *name;
		gunichar c;
	} names[] = {
		{ "amp", '&' }, { "lt", '<' }, { "gt", '>' }, { "quot", '"' },
		{ "apos", '\'' }, { "nbsp", ' ' }, { "copy", 0xa9 }, { "hellip", 0x2026 },
		{ "ndash", 0x2013 }, { "mdash", 0x2014 }, { "rsquo", 0x2019 },
		{ "lsquo", 0x2018 }, { "rdquo", 0x201d }, { "ldquo", 0x201c },
		{ "euro", 0x20ac },
	};
	const char *semi = p + 1;
	size_t i, n;

	while (*semi && *semi != ';' && semi - p < 12)
		semi++;
	if (*semi != ';') {
		buf_putc(b, '&');
		return 1;
	}
	n = (size_t)(semi - p - 1);
	if (p[1] == '#') {
		gunichar c = (p[2] == 'x' || p[2] == 'X') ? (gunichar)strtoul(p + 3, NULL, 16)
							     : (gunichar)strtoul(p + 2, NULL, 10);
		put_codepoint(b, c);
		return n + 2;
	}
	for (i = 0; i < GW_ARRAY_SIZE(names); i++) {
		if (strlen(names[i].name) == n && !strncmp(p + 1, names[i].name, n)) {
			put_codepoint(b, names[i].c);
			return n + 2;
		}
	}
	buf_putc(b, '&');
	return 1;
}

static int tag_is(const char *name, const char *const *list)
{
	for (; *list; list++)
		if (!strcmp(name, *list))
			return 1;
	return 0;
}

char *inb_html_to_text(const char *html)
{
	static const char *const breaks[] = {
		"br", "p", "/p", "div", "/div", "tr", "/tr", "li", "/li", "/table",
		"h1", "h2", "h3", "h4", "h5", "h6", "/h1", "/h2", "/h3", "/h4", "/h5",
		"/h6", "/ul", "/ol", "pre", "/pre", NULL
	};
	static const char *const skipped[] = { "style", "script", "head", "title", NULL };
	struct buf b = BUF_INIT;
	const char *p = html;
	int quote = 0, space = 0;

	while (*p) {
		if (*p == '<') {
			char name[16];
			size_t n = 0;
			const char *q = p + 1, *close;

			if (!strncmp(p, "<!--", 4)) {
				close = strstr(p + 4, "-->");
				if (!close)
					break;
				p = close + 3;
				continue;
			}
			if (*q == '/')
				name[n++] = *q++;
			while (g_ascii_isalnum(*q) && n < sizeof(name) - 1)
				name[n++] = g_ascii_tolower(*q++);
			name[n] = '\0';
			close = strchr(q, '>');
			if (!close)
				break;
			p = close + 1;
			if (tag_is(name, skipped)) {
				char end[24];
				const char *e;

				snprintf(end, sizeof(end), "</%s", name);
				e = inb_strcasestr(p, end);
				if (!e)
					break;
				close = strchr(e, '>');
				if (!close)
					break;
				p = close + 1;
			} else if (!strcmp(name, "blockquote")) {
				quote++;
			} else if (!strcmp(name, "/blockquote")) {
				if (quote > 0)
					quote--;
				buf_putc(&b, '\n');
			} else if (!strcmp(name, "hr") && !quote) {
				buf_puts(&b, "\n__________\n");
			} else if (tag_is(name, breaks) && !quote) {
				buf_putc(&b, '\n');
				space = 0;
			}
			continue;
		}
		if (quote) {
			p++;
			continue;
		}
		if (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n') {
			space = 1;
			p++;
			continue;
		}
		if (space && b.len > 0 && b.data[b.len - 1] != '\n')
			buf_putc(&b, ' ');
		space = 0;
		if (*p == '&')
			p += entity(&b, p);
		else
			buf_putc(&b, *p++);
	}
	return buf_detach(&b);
}

/* --- the quote --- */

#define NBSP "\xc2\xa0"

struct line {
	const char *s; /* leading white space skipped */
	size_t len;    /* trailing white space dropped */
};

static int starts_with_ci(const struct line *l, const char *prefix)
{
	size_t n = strlen(prefix);

	return l->len >= n && !strncasecmp(l->s, prefix, n);
}

static int ends_with_ci(const struct line *l, const char *suffix)
{
	size_t n = strlen(suffix);

	return l->len >= n && !strncasecmp(l->s + l->len - n, suffix, n);
}

static int in_list(const struct line *l, const char *const *list)
{
	for (; *list; list++)
		if (starts_with_ci(l, *list))
			return 1;
	return 0;
}

/* "-----Original Message-----", "---------- Forwarded message ---------" */
static int is_dashed_title(const struct line *l)
{
	size_t i, letters = 0;

	if (l->len < 8 || strncmp(l->s, "--", 2) != 0 || strncmp(l->s + l->len - 2, "--", 2) != 0)
		return 0;
	for (i = 0; i < l->len; i++)
		if (g_ascii_isalpha(l->s[i]) || (unsigned char)l->s[i] >= 0x80)
			letters++;
	return letters >= 3;
}

static int is_underscores(const struct line *l)
{
	size_t i;

	if (l->len < 8)
		return 0;
	for (i = 0; i < l->len; i++)
		if (l->s[i] != '_')
			return 0;
	return 1;
}

static const char *const from_keys[] = {
	"From:", "*From:*", "From :", "Von:", "De:", "De :", "Da:", "Van:",
	"Från:", "Fra:", "Od:", "Lähettäjä:", "От:", "Feladó:", "Kimden:", NULL
};
static const char *const sent_keys[] = {
	"Sent:", "*Sent:*", "Date:", "*Date:*", "Gesendet:", "Datum:", "Envoyé :",
	"Envoyé:", "Date :", "Enviado:", "Enviado el:", "Fecha:", "Inviato:", "Data:",
	"Verzonden:", "Skickat:", "Sendt:", "Wysłano:", "Lähetetty:",
	"Отправлено:", "Дата:", "To:", "Subject:", NULL
};

/* An Outlook-style header block of the quoted message starts at lines[i]. */
static int is_header_block(const struct line *lines, size_t n, size_t i)
{
	size_t j;

	if (!in_list(&lines[i], from_keys))
		return 0;
	for (j = i + 1; j < n && j <= i + 4; j++)
		if (in_list(&lines[j], sent_keys))
			return 1;
	return 0;
}

static int is_signoff(const struct line *l)
{
	static const char *const signoffs[] = {
		"Sent from my ", "Sent from Mail for", "Sent from Outlook", "Sent from Yahoo",
		"Sent with ", "Sent via ", "Get Outlook for ", "Von meinem ",
		"Gesendet von ", "Envoyé de mon ", "Envoyé depuis ", "Enviado desde mi ",
		"Enviado do meu ", "Inviato da ", "Verzonden vanaf ", "Verstuurd vanaf ",
		"Skickat från ", "Sendt fra ", "Begin forwarded message", "Anfang der weitergeleiteten",
		NULL
	};

	return in_list(l, signoffs);
}

static int is_attribution_start(const struct line *l)
{
	static const char *const openers[] = {
		"On ", "Am ", "Le ", "El ", "Op ", "Il ", "Em ", "Den ", "W dniu ", "Dne ", NULL
	};

	return in_list(l, openers) && !ends_with_ci(l, ".");
}

/* A short line with a date and an address in it. */
static int dated_address(const struct line *l)
{
	size_t i, digits = 0;

	if (l->len == 0 || l->len > 300)
		return 0;
	for (i = 0; i < l->len; i++)
		if (l->s[i] >= '0' && l->s[i] <= '9')
			digits++;
	return digits >= 4 && memchr(l->s, '@', l->len);
}

/* The first half of a wrapped attribution: "On <date>, <name>" or a dated line. */
static int is_wrapped_attribution(const struct line *l)
{
	return is_attribution_start(l) || dated_address(l);
}

/* "On <date>, <name> wrote:" in the languages of the subject list. */
static int is_attribution(const struct line *l)
{
	static const char *const verbs[] = {
		"wrote:", "writes:", "schrieb:", "a écrit :", "a écrit:", "escribió:",
		"schreef:", "ha scritto:", "escreveu:", "skrev:", "kirjoitti:",
		"napisał:", "napisał(a):", "написал:", "написал(а):", "napsal:",
		"napsal(a):", "írta:", "yazdı:", NULL
	};
	const char *const *v;

	if (l->len > 400)
		return 0;
	for (v = verbs; *v; v++)
		if (ends_with_ci(l, *v))
			return 1;
	/* "26.06.2014, 14:41, "Name" <a@b.example>:" in any language */
	return ends_with_ci(l, ":") && dated_address(l);
}


static void split_lines(const char *text, struct line **lines_r, size_t *n_r)
{
	size_t n = 0, cap = 64;
	struct line *lines = xmalloc(cap * sizeof(*lines));
	const char *p = text;

	while (*p) {
		const char *nl = strchr(p, '\n');
		const char *e = nl ? nl : p + strlen(p);
		struct line l;

		l.s = p;
		for (;;) {
			if (l.s < e && (*l.s == ' ' || *l.s == '\t'))
				l.s++;
			else if (e - l.s >= 2 && !memcmp(l.s, NBSP, 2))
				l.s += 2;
			else
				break;
		}
		l.len = (size_t)(e - l.s);
		for (;;) {
			if (l.len > 0 && (l.s[l.len - 1] == ' ' || l.s[l.len - 1] == '\t' ||
					  l.s[l.len - 1] == '\r'))
				l.len--;
			else if (l.len >= 2 && !memcmp(l.s + l.len - 2, NBSP, 2))
				l.len -= 2;
			else
				break;
		}
		if (n == cap) {
			cap *= 2;
			lines = xrealloc(lines, cap * sizeof(*lines));
		}
		lines[n++] = l;
		p = nl ? nl + 1 : e;
	}
	*lines_r = lines;
	*n_r = n;
}

/* Tabs become spaces, other control characters go. */
static void put_clean(struct buf *b, const char *s, size_t len)
{
	size_t i = 0, run = 0;

	while (i < len) {
		size_t k = control_at(s + i);

		if (!k) {
			i++;
			continue;
		}
		buf_append(b, s + run, i - run);
		if (s[i] == '\t')
			buf_putc(b, ' ');
		i += k;
		run = i;
	}
	buf_append(b, s + run, len - run);
}

char *inb_quote(const char *text, size_t max)
{
	struct line *lines;
	size_t n, i, *keep, nkeep = 0, cut;
	struct buf b = BUF_INIT;
	int blank = 0;

	split_lines(text, &lines, &n);
	keep = xmalloc((n + 1) * sizeof(*keep));
	for (i = 0; i < n; i++) {
		const struct line *l = &lines[i];

		if ((l->len == 2 && !strncmp(l->s, "--", 2)) || is_dashed_title(l) ||
		    is_underscores(l) || is_signoff(l) || is_header_block(lines, n, i))
			break;
		if (l->len > 0 && l->s[0] == '>')
			continue;
		if (is_attribution(l)) {
			/* a long attribution is wrapped: "On ... <a@b>" / "wrote:" */
			if (!is_attribution_start(l) && nkeep > 0 &&
			    is_wrapped_attribution(&lines[keep[nkeep - 1]]))
				nkeep--;
			continue;
		}
		keep[nkeep++] = i;
	}

	for (i = 0; i < nkeep && b.len <= max; i++) {
		const struct line *l = &lines[keep[i]];

		if (l->len == 0) {
			blank = b.len > 0;
			continue;
		}
		if (blank)
			buf_puts(&b, "\n\n");
		else if (b.len > 0)
			buf_putc(&b, '\n');
		blank = 0;
		put_clean(&b, l->s, l->len);
	}
	free(keep);
	free(lines);

	if (b.len > max) {
		cut = utf8_cut(b.data, b.len, max);
		/* end on a word when one is near */
		for (i = cut; i > cut / 2; i--) {
			if (b.data[i] == ' ' || b.data[i] == '\n') {
				cut = i;
				break;
			}
		}
		buf_truncate(&b, cut);
		while (b.len > 0 && (b.data[b.len - 1] == ' ' || b.data[b.len - 1] == '\n'))
			buf_truncate(&b, b.len - 1);
		buf_puts(&b, " \xe2\x80\xa6"); /* U+2026 */
	}
	return buf_detach(&b);
}
