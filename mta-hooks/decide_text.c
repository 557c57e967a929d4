/*
 * decide_text.c - the strings the decision stores and logs: envelope
 * addresses made valid one-line UTF-8, reasons kept on one line and cut at
 * a character boundary, address comparisons.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "decide_private.h"
#include "utf8.h"

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
		size_t k = utf8_decode(p, n, NULL);

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
		size_t k = utf8_decode((const unsigned char *)b->data + n, b->len - n, NULL);

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

