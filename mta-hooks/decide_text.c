/*
 * decide_text.c - the strings the decision stores and logs: envelope
 * addresses made valid one-line UTF-8, reasons kept on one line and cut at
 * a character boundary, address comparisons.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "decide_private.h"

/* Length of a valid UTF-8 sequence at p (at most n bytes), 0 if invalid. */
static size_t utf8_seq(const unsigned char *p, size_t n)
{
	size_t len;
	unsigned int cp;

	if (p[0] < 0x80)
		return 1;
	if ((p[0] & 0xe0) == 0xc0) {
		len = 2;
		cp = p[0] & 0x1f;
	} else if ((p[0] & 0xf0) == 0xe0) {
		len = 3;
		cp = p[0] & 0x0f;
	} else if ((p[0] & 0xf8) == 0xf0) {
		len = 4;
		cp = p[0] & 0x07;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) ||
	    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

/*
 * S as one line of valid UTF-8 of at most max bytes: control bytes and
 * invalid sequences become '?'.  malloc'd; "" for NULL.
 */
char *dc_clean_line(const char *s, size_t max)
{
	struct buf b = BUF_INIT;
	const unsigned char *p = (const unsigned char *)(s != NULL ? s : "");
	size_t n = strlen((const char *)p);

	while (n > 0) {
		size_t k = utf8_seq(p, n);

		if (b.len + (k > 0 ? k : 1) > max)
			break;
		if (k == 0 || (k == 1 && (p[0] < 0x20 || p[0] == 0x7f))) {
			buf_putc(&b, '?');
			k = k == 0 ? 1 : k;
		} else {
			buf_append(&b, p, k);
		}
		p += k;
		n -= k;
	}
	return buf_detach(&b);
}

/* The envelope sender as stored: "" for the null sender in any spelling. */
char *dc_clean_sender(const char *s)
{
	if (s == NULL || *s == '\0' || strcmp(s, "<>") == 0)
		return xstrdup("");
	if (s[0] == '<' && s[strlen(s) - 1] == '>' && strlen(s) >= 2) {
		char *inner = xstrndup(s + 1, strlen(s) - 2);
		char *r = dc_clean_line(inner, DECIDE_ADDR_MAX);

		free(inner);
		return r;
	}
	return dc_clean_line(s, DECIDE_ADDR_MAX);
}

/* Cut the NUL-terminated valid UTF-8 in b to at most max bytes. */
void dc_buf_cut_utf8(struct buf *b, size_t max)
{
	size_t n = 0;

	if (b->len <= max)
		return;
	while (n < b->len) {
		size_t k = utf8_seq((const unsigned char *)b->data + n, b->len - n);

		if (k == 0)
			k = 1;
		if (n + k > max)
			break;
		n += k;
	}
	buf_truncate(b, n);
}

int dc_addr_equal(const char *a, const char *b)
{
	return a != NULL && b != NULL && *a != '\0' && strcasecmp(a, b) == 0;
}

/*
 * Is the address in our reply domain (the part after the last '@')?
 * "reply.example." is the same domain written fully qualified: MTAs strip
 * the trailing dot and deliver it to us.
 */
int dc_in_reply_domain(const char *addr, const char *domain)
{
	const char *at = addr != NULL ? strrchr(addr, '@') : NULL;
	size_t n;

	if (at == NULL || domain == NULL)
		return 0;
	n = strlen(at + 1);
	while (n > 0 && at[n] == '.')
		n--;
	return n == strlen(domain) && strncasecmp(at + 1, domain, n) == 0;
}

/*
 * Reasons quote header values (through the classifier): keep them one
 * line whatever the input was, control bytes as spaces, no trailing space.
 */
void dc_one_line(char *s)
{
	size_t n;

	if (s == NULL)
		return;
	for (char *p = s; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	n = strlen(s);
	while (n > 0 && s[n - 1] == ' ')
		s[--n] = '\0';
}

