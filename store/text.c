/*
 * text.c - checks on text before it reaches the database, and the small
 * text helpers of the chat rules (first names, dates, random ids).
 *
 * Everything user-written is stored as given once it is valid UTF-8 of a
 * sane length; escaping is the renderer's job.  Single-line fields (names,
 * subjects, addresses) must not hold control characters, because they end
 * up in mail headers.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>

#include "store_int.h"
#include "utf8.h"

enum gw_result store_text_check(const char *what, const char *s, size_t max,
				int multiline, char **error_r)
{
	if (s == NULL)
		return store_fail(error_r, GW_INVALID, "%s: missing", what);
	size_t len = strlen(s);
	int blank = 1;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c != ' ' && c != '\t' && c != '\r' && c != '\n')
			blank = 0;
		if (c == 0x7f || (c < 0x20 && c != '\t' &&
				  !(multiline && (c == '\n' || c == '\r'))))
			return store_fail(error_r, GW_INVALID, "%s: contains a %s", what,
					  c == '\n' || c == '\r' ? "line break"
							      : "control character");
	}
	if (blank)
		return store_fail(error_r, GW_INVALID, "%s: empty", what);
	if (len > max)
		return store_fail(error_r, GW_INVALID, "%s: longer than %zu bytes", what, max);
	if (!utf8_valid(s, len))
		return store_fail(error_r, GW_INVALID, "%s: not valid UTF-8", what);
	return GW_OK;
}

enum gw_result store_text_check_email(const char *what, const char *s, char **error_r)
{
	enum gw_result r = store_text_check(what, s, TEXT_MAX_EMAIL, 0, error_r);
	if (r != GW_OK)
		return r;
	const char *at = strrchr(s, '@');
	if (at == NULL || at == s || at[1] == '\0')
		return store_fail(error_r, GW_INVALID, "%s: \"%s\" is not an email address",
				  what, s);
	if (strpbrk(s, " \t<>()[],;:\"\\") != NULL)
		return store_fail(error_r, GW_INVALID,
				  "%s: \"%s\" is not a plain address (no name, brackets or spaces)",
				  what, s);
	if (at - s > 64)
		return store_fail(error_r, GW_INVALID, "%s: local part of \"%s\" is longer than 64",
				  what, s);
	return GW_OK;
}

char *store_text_first_word(const char *name)
{
	while (*name == ' ' || *name == '\t')
		name++;
	size_t n = strcspn(name, " \t");
	return xstrndup(name, n);
}

char *store_text_lower(const char *s)
{
	char *r = xstrdup(s);
	for (char *p = r; *p != '\0'; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	return r;
}

int store_text_random_hex(char out[33])
{
	unsigned char r[16];
	size_t got = 0;
	while (got < sizeof(r)) {
		ssize_t n = getrandom(r + got, sizeof(r) - got, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		got += (size_t)n;
	}
	static const char hex[] = "0123456789abcdef";
	for (size_t i = 0; i < sizeof(r); i++) {
		out[2 * i] = hex[r[i] >> 4];
		out[2 * i + 1] = hex[r[i] & 15];
	}
	out[32] = '\0';
	return 0;
}

static int mention_word_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-' || c >= 0x80;
}

/* Does one of names (one a line; full name, else its first word) follow
 * at p, ending at a word boundary? */
static int names_at(const char *p, const char *names)
{
	for (int first = 0; first < 2; first++) {
		for (const char *n = names; *n != '\0';) {
			size_t line = strcspn(n, "\n");
			size_t use = first ? strcspn(n, " \t\n") : line;
			if (use > 0 && (!first || use < line) && strncasecmp(p, n, use) == 0 &&
			    !mention_word_char((unsigned char)p[use]))
				return 1;
			n += line + (n[line] == '\n');
		}
	}
	return 0;
}

char *store_text_unmention(const char *body, const char *names)
{
	struct buf b = BUF_INIT;
	int in_code = 0;
	for (const char *p = body; *p != '\0'; p++) {
		if (*p == '`')
			in_code = p[1] == '`' ? in_code : !in_code;
		if (!in_code && *p == '@' && (p == body || (!mention_word_char((unsigned char)p[-1]) &&
						p[-1] != '\\')) &&
		    names_at(p + 1, names))
			continue;
		buf_putc(&b, *p);
	}
	return b.data != NULL ? buf_detach(&b) : xstrdup("");
}

/* ---- a subject from the text ---- */

/* Skip the block marks at the start of a CommonMark line: heading, quote,
 * list item. */
static const char *skip_block_marks(const char *p)
{
	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '#' || *p == '>') {
			while (*p == '#' || *p == '>')
				p++;
			continue;
		}
		if ((*p == '-' || *p == '*' || *p == '+') && (p[1] == ' ' || p[1] == '\t')) {
			p += 2;
			continue;
		}
		const char *q = p;
		while (*q >= '0' && *q <= '9')
			q++;
		if (q > p && q - p < 10 && (*q == '.' || *q == ')') && (q[1] == ' ' || q[1] == '\t')) {
			p = q + 2;
			continue;
		}
		return p;
	}
}

static int is_word_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (unsigned char)c >= 0x80;
}

/* One line without its inline marks: emphasis, code, links (their text
 * stays), images (their alt text), escapes, contact-level shortcodes. */
static void strip_inline(struct buf *b, const char *p, size_t n)
{
	const char *end = p + n;

	while (p < end) {
		size_t code = store_shortcode_token(p);
		const struct store_shortcode *sc = code > 0 ? store_shortcode_find(p, code) : NULL;
		if (sc != NULL && sc->per_contact) {
			p += code;
			/* "Dear [CONTACT_FIRST_NAME], ..." reads "Dear, ..." */
			while (b->len > 0 && b->data[b->len - 1] == ' ' && p < end &&
			       (*p == ',' || *p == '.' || *p == '!' || *p == ' '))
				b->len--;
			continue;
		}
		if (*p == '\\' && p + 1 < end && p[1] != '\0' && strchr("\\`*_[]()#+-.!<>~", p[1])) {
			buf_putc(b, p[1]);
			p += 2;
			continue;
		}
		if (*p == '*' || *p == '`' || *p == '~' ||
		    (*p == '_' && !(b->len > 0 && is_word_char(b->data[b->len - 1]) && p + 1 < end &&
				    is_word_char(p[1])))) {
			p++;
			continue;
		}
		if (*p == '!' && p + 1 < end && p[1] == '[') {
			p++;
			continue;
		}
		if (*p == ']' && p + 1 < end && p[1] == '(') {
			const char *close = memchr(p, ')', (size_t)(end - p));
			p = close != NULL ? close + 1 : end;
			continue;
		}
		if (*p == '[' && code == 0) {
			const char *close = memchr(p, ']', (size_t)(end - p));
			if (close != NULL && close + 1 < end && close[1] == '(') {
				p++; /* a link: its text stays */
				continue;
			}
		}
		buf_putc(b, *p++);
	}
}

char *store_text_subject_from(const char *body)
{
	struct buf b = BUF_INIT;
	const char *p = body != NULL ? body : "";

	while (*p != '\0') {
		size_t n = strcspn(p, "\n");
		const char *line = skip_block_marks(p);
		if (line < p + n)
			strip_inline(&b, line, (size_t)(p + n - line));
		while (b.len > 0 && (b.data[b.len - 1] == ' ' || b.data[b.len - 1] == '\t' ||
				     b.data[b.len - 1] == '\r'))
			b.len--;
		if (b.len > 0)
			break;
		p += n;
		if (*p == '\n')
			p++;
	}
	buf_putc(&b, '\0');
	b.len--;
	/* At most SUBJECT_FROM_MAX characters, never half of one. */
	size_t chars = 0, i = 0, cut = 0;
	for (; i < b.len; i++) {
		if (((unsigned char)b.data[i] & 0xc0) == 0x80)
			continue;
		if (chars == SUBJECT_FROM_MAX - 3)
			cut = i;
		if (++chars > SUBJECT_FROM_MAX)
			break;
	}
	if (chars > SUBJECT_FROM_MAX) {
		b.len = cut;
		while (b.len > 0 && b.data[b.len - 1] == ' ')
			b.len--;
		buf_puts(&b, "...");
	}
	return buf_detach(&b);
}

char **store_text_lines(const char *text, size_t *n_r)
{
	char **lines = NULL;
	size_t n = 0, cap = 0;
	const char *p = text != NULL ? text : "";

	while (*p != '\0') {
		size_t len = strcspn(p, "\n");
		const char *s = p, *e = p + len;
		while (s < e && (*s == ' ' || *s == '\t'))
			s++;
		while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
			e--;
		if (e > s)
			*(char **)store_vec_push(&lines, &n, &cap, sizeof(*lines)) =
				xstrndup(s, (size_t)(e - s));
		p += len;
		if (*p == '\n')
			p++;
	}
	*n_r = n;
	return lines;
}
