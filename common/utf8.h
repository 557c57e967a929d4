/*
 * utf8.h - strict UTF-8 decoding, the one copy every layer uses.
 *
 * Strict means what RFC 3629 allows and nothing else: no overlong forms,
 * no surrogates (U+D800..U+DFFF), nothing above U+10FFFF, no truncated
 * sequences.  NUL is a valid character here; callers that forbid it (or
 * other controls) check the decoded code point themselves.
 */
#ifndef GW_UTF8_H
#define GW_UTF8_H

#include <stddef.h>
#include <stdint.h>

/*
 * Decode the sequence at s, of which n >= 1 bytes are readable.  Returns
 * its length (1..4) and sets *cp_r (may be NULL), or returns 0 when the
 * bytes at s do not start a valid sequence.
 */
size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *cp_r);

/* 1 when the len bytes at s are all valid UTF-8, else 0. */
int utf8_valid(const char *s, size_t len);

#endif
