/*
 * utf8.c - strict UTF-8 decoding (see utf8.h).
 */
#include "utf8.h"

size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *cp_r)
{
	uint32_t c;
	size_t len, i;

	if (s[0] < 0x80) {
		if (cp_r != NULL)
			*cp_r = s[0];
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
		return 0;   /* a continuation byte, an overlong 0xc0/0xc1, or > U+10FFFF */
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
	if (cp_r != NULL)
		*cp_r = c;
	return len;
}

int utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;

	while (len > 0) {
		size_t k;

		if (*p < 0x80) {   /* ASCII, most of any text: no call */
			p++;
			len--;
			continue;
		}
		k = utf8_decode(p, len, NULL);
		if (k == 0)
			return 0;
		p += k;
		len -= k;
	}
	return 1;
}
