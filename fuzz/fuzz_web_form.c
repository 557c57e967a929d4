/*
 * fuzz_web_form.c - libFuzzer target for the web view's body parsers
 * (web-lite/form.c), called directly: much faster than a whole HTTP
 * exchange, so that mutations of form bodies go deep.
 *
 * Input: the first line is a Content-Type value (its boundary parameter
 * drives the multipart parser), the rest is the body.  The body is parsed
 * as application/x-www-form-urlencoded and as multipart/form-data; every
 * field value then goes through the text checks the handlers use
 * (web_clean_text, web_parse_id).  Properties checked besides memory
 * safety: values are NUL-terminated at their length, urlencoded names hold
 * no NUL, no form exceeds WEB_FORM_MAX_FIELDS, utf8_valid() agrees
 * with GLib's UTF-8 validator, and web_clean_text() returns valid UTF-8
 * without CR, without control characters other than tab and newline and
 * without trailing blanks.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "utf8.h"
#include "web_int.h"

static void fail(const char *what)
{
	fprintf(stderr, "fuzz_web_form: %s\n", what);
	abort();
}

static void check_text(const char *s, size_t len)
{
	char *clean;
	size_t n;

	/* GLib refuses NUL bytes; utf8_valid() lets them through (the
	 * text checks refuse them afterwards). */
	if (memchr(s, '\0', len) == NULL &&
	    !utf8_valid(s, len) != !g_utf8_validate(s, (gssize)len, NULL))
		fail("utf8_valid disagrees with g_utf8_validate");
	clean = web_clean_text(s, len);
	if (clean == NULL)
		return;
	n = strlen(clean);
	if (!g_utf8_validate(clean, (gssize)n, NULL))
		fail("web_clean_text returned invalid UTF-8");
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)clean[i];

		if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f)
			fail("web_clean_text left a control character");
	}
	if (n > 0 && (clean[n - 1] == ' ' || clean[n - 1] == '\n' || clean[n - 1] == '\t'))
		fail("web_clean_text left a trailing blank");
	free(clean);
}

static void check_form(const struct web_form *form, int urlencoded)
{
	if (form->count > WEB_FORM_MAX_FIELDS)
		fail("too many fields");
	for (size_t i = 0; i < form->count; i++) {
		const struct web_field *f = &form->fields[i];

		if (f->name == NULL || f->value == NULL || f->value[f->len] != '\0')
			fail("field not NUL-terminated at its length");
		if (urlencoded && (f->filename != NULL || f->content_type != NULL))
			fail("urlencoded field with part headers");
		if (web_form_field(form, f->name) == NULL)
			fail("field not found by its name");
		check_text(f->value, f->len);
		(void)web_parse_id(f->value);
		if (f->filename != NULL)
			check_text(f->filename, strlen(f->filename));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *nl = memchr(data, '\n', size);
	size_t ctlen = nl != NULL ? (size_t)(nl - (const char *)data) : size;
	char *ct = xstrndup((const char *)data, ctlen);
	/* A copy of exactly the body, so that ASan sees reads past its end. */
	size_t blen = nl != NULL ? size - ctlen - 1 : 0;
	char *body = xmalloc(blen > 0 ? blen : 1);
	struct web_form form = { NULL, 0 };

	if (blen > 0)
		memcpy(body, nl + 1, blen);
	/* Fields parsed before a refusal are checked too. */
	(void)web_form_parse_urlencoded(body, blen, &form);
	check_form(&form, 1);
	web_form_clear(&form);
	(void)web_form_parse_multipart(ct, body, blen, &form);
	check_form(&form, 0);
	web_form_clear(&form);
	(void)web_parse_id(ct);
	free(ct);
	free(body);
	return 0;
}
