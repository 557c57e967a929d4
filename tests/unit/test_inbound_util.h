/*
 * test_inbound_util.h - small helpers shared by the inbound test programs:
 * reading a file, running inbound_parse() with an envelope, describing the
 * token list, checking that a string is valid UTF-8.  Header-only, each
 * test program includes it once.
 */
#ifndef TEST_INBOUND_UTIL_H
#define TEST_INBOUND_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "inbound.h"

#define REPLY_DOMAIN "reply.example"

/* Whole file, malloc'd and NUL-terminated; NULL if unreadable. */
static inline char *tu_slurp(const char *path, size_t *len_r)
{
	FILE *f = fopen(path, "rb");
	struct buf b = BUF_INIT;
	char chunk[65536];
	size_t n;

	if (!f)
		return NULL;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_append(&b, chunk, n);
	fclose(f);
	*len_r = b.len;
	return buf_detach(&b);
}

/* Parse with the given envelope and the default limits; fails the test on -1. */
static inline struct inbound_result *tu_parse(const char *data, size_t len, const char *sender,
				       const char *recipient,
				       const struct inbound_limits *limits)
{
	struct inbound_envelope env = { sender, recipient, REPLY_DOMAIN, 0 };
	struct inbound_result *r = NULL;
	char *err = NULL;

	if (inbound_parse(data, len, &env, limits, &r, &err) != 0) {
		fprintf(stderr, "inbound_parse refused the call: %s\n", err ? err : "?");
		free(err);
		return NULL;
	}
	return r;
}

/* "recipient=a@b references=c@d ..." */
static inline char *tu_tokens(const struct inbound_result *r)
{
	struct buf b = BUF_INIT;
	size_t i;

	for (i = 0; i < r->n_tokens; i++)
		buf_printf(&b, "%s%s=%s", i ? " " : "",
			   inbound_token_source_name(r->tokens[i].source), r->tokens[i].value);
	return buf_detach(&b);
}

/* Valid UTF-8, and no control characters unless newlines are allowed. */
static inline int tu_clean_utf8(const char *s, int newlines_ok)
{
	const unsigned char *p = (const unsigned char *)s;

	if (!s)
		return 1;
	while (*p) {
		size_t n, i;

		if (*p < 0x80) {
			if ((*p < 0x20 && !(newlines_ok && *p == '\n')) || *p == 0x7f)
				return 0;
			p++;
			continue;
		}
		if ((*p & 0xe0) == 0xc0 && *p >= 0xc2)
			n = 2;
		else if ((*p & 0xf0) == 0xe0)
			n = 3;
		else if ((*p & 0xf8) == 0xf0 && *p <= 0xf4)
			n = 4;
		else
			return 0;
		for (i = 1; i < n; i++)
			if ((p[i] & 0xc0) != 0x80)
				return 0;
		p += n;
	}
	return 1;
}

/* Every string of a result is valid UTF-8 and one-line where it must be. */
static inline int tu_result_clean(const struct inbound_result *r)
{
	size_t i;

	if (!r->reason || !tu_clean_utf8(r->reason, 0) || !tu_clean_utf8(r->message_id, 0) ||
	    !tu_clean_utf8(r->from, 0) || !tu_clean_utf8(r->from_name, 0) ||
	    !tu_clean_utf8(r->subject, 0) || !tu_clean_utf8(r->bounce.action, 0) ||
	    !tu_clean_utf8(r->bounce.final_recipient, 0) ||
	    !tu_clean_utf8(r->bounce.diagnostic, 0) ||
	    !tu_clean_utf8(r->bounce.original_message_id, 0) || !tu_clean_utf8(r->quote, 1))
		return 0;
	for (i = 0; i < r->n_tokens; i++)
		if (!r->tokens[i].value || !tu_clean_utf8(r->tokens[i].value, 0))
			return 0;
	return strlen(r->digest) == 64;
}

#endif
