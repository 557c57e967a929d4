/*
 * test_web_form.c - the web view's body parsers and text checks: urlencoded
 * and multipart/form-data, valid and malformed, ids and UTF-8, and the
 * helpers that build mail URLs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "web_int.h"

static void test_web_form_urlencoded_table(void **state)
{
	static const struct {
		const char *in;
		int ok;
		const char *name, *value; /* first field, when ok */
		size_t count;
	} cases[] = {
		{ "a=1&b=2", 1, "a", "1", 2 },
		{ "body=hello+world%21", 1, "body", "hello world!", 1 },
		{ "x=%3Cscript%3E", 1, "x", "<script>", 1 },
		{ "flag&v=1", 1, "flag", "", 2 },
		{ "&&a=&", 1, "a", "", 1 },
		{ "", 1, NULL, NULL, 0 },
		{ "a=%zz", 0, NULL, NULL, 0 },
		{ "a=%4", 0, NULL, NULL, 0 },
		{ "a=%", 0, NULL, NULL, 0 },
		{ "n%00ame=1", 0, NULL, NULL, 0 },   /* NUL in a name */
		{ "a=%E2%9C%93", 1, "a", "\xe2\x9c\x93", 1 },
	};
	for (size_t i = 0; i < GW_ARRAY_SIZE(cases); i++) {
		struct web_form form = { NULL, 0 };
		int ret = web_form_parse_urlencoded(cases[i].in, strlen(cases[i].in), &form);

		if ((ret == 0) != cases[i].ok)
			fail_msg("case %zu: %s: ret %d", i, cases[i].in, ret);
		if (ret == 0) {
			if (form.count != cases[i].count)
				fail_msg("case %zu: %zu fields", i, form.count);
			if (cases[i].name != NULL &&
			    (strcmp(form.fields[0].name, cases[i].name) != 0 ||
			     strcmp(form.fields[0].value, cases[i].value) != 0))
				fail_msg("case %zu: %s=%s", i, form.fields[0].name,
					 form.fields[0].value);
		}
		web_form_clear(&form);
	}
	/* A value may hold a NUL byte; len says so. */
	struct web_form form = { NULL, 0 };
	assert_int_equal(web_form_parse_urlencoded("v=a%00b", 7, &form), 0);
	assert_int_equal(form.fields[0].len, 3);
	web_form_clear(&form);
	/* Too many fields. */
	struct buf b = BUF_INIT;
	for (int i = 0; i <= WEB_FORM_MAX_FIELDS; i++)
		buf_puts(&b, "a=1&");
	assert_int_equal(web_form_parse_urlencoded(b.data, b.len, &form), -1);
	web_form_clear(&form);
	buf_release(&b);
}

static void test_web_form_multipart_table(void **state)
{
	static const struct {
		const char *ct;
		const char *body;
		int ok;
		size_t count;
	} cases[] = {
		{ "multipart/form-data; boundary=XX",
		  "--XX\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nv1\r\n"
		  "--XX\r\nContent-Disposition: form-data; name=\"f\"; filename=\"x.txt\"\r\n"
		  "Content-Type: text/plain\r\n\r\nline1\r\nline2\r\n--XX--\r\n", 1, 2 },
		/* quoted boundary, preamble, empty value */
		{ "multipart/form-data; boundary=\"a b\"",
		  "preamble\r\n--a b\r\nContent-Disposition: form-data; name=\"e\"\r\n\r\n"
		  "\r\n--a b--", 1, 1 },
		/* no boundary parameter */
		{ "multipart/form-data", "--XX\r\n", 0, 0 },
		/* no closing delimiter */
		{ "multipart/form-data; boundary=XX",
		  "--XX\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nv1", 0, 0 },
		/* part without a name */
		{ "multipart/form-data; boundary=XX",
		  "--XX\r\nContent-Disposition: form-data\r\n\r\nv\r\n--XX--", 0, 0 },
		/* not form-data */
		{ "multipart/form-data; boundary=XX",
		  "--XX\r\nContent-Disposition: attachment; name=\"a\"\r\n\r\nv\r\n--XX--", 0, 0 },
		/* headers never end */
		{ "multipart/form-data; boundary=XX",
		  "--XX\r\nContent-Disposition: form-data; name=\"a\"\r\n", 0, 0 },
		/* unterminated quoted name */
		{ "multipart/form-data; boundary=XX",
		  "--XX\r\nContent-Disposition: form-data; name=\"a\r\n\r\nv\r\n--XX--", 0, 0 },
		{ "multipart/form-data; boundary=XX", "", 0, 0 },
	};
	for (size_t i = 0; i < GW_ARRAY_SIZE(cases); i++) {
		struct web_form form = { NULL, 0 };
		int ret = web_form_parse_multipart(cases[i].ct, cases[i].body,
						   strlen(cases[i].body), &form);

		if ((ret == 0) != cases[i].ok)
			fail_msg("case %zu: ret %d", i, ret);
		if (ret == 0 && form.count != cases[i].count)
			fail_msg("case %zu: %zu fields", i, form.count);
		if (i == 0) {
			assert_string_equal(web_form_get(&form, "a"), "v1");
			const struct web_field *ff = web_form_field(&form, "f");
			assert_string_equal(ff->filename, "x.txt");
			assert_string_equal(ff->content_type, "text/plain");
			assert_string_equal(ff->value, "line1\r\nline2");
		}
		web_form_clear(&form);
	}
	/* Binary content with the boundary's prefix inside is kept whole. */
	static const char bin[] = "--XX\r\nContent-Disposition: form-data; name=\"f\"; "
				  "filename=\"b\"\r\n\r\n\x00\r\n--X\x00--XY\r\n--XX--\r\n";
	struct web_form form = { NULL, 0 };
	assert_int_equal(web_form_parse_multipart("multipart/form-data; boundary=XX", bin,
						  sizeof(bin) - 1, &form), 0);
	assert_int_equal(form.fields[0].len, 11);
	assert_memory_equal(form.fields[0].value, "\x00\r\n--X\x00--XY", 11);
	web_form_clear(&form);
}

static void test_web_form_ids_and_text(void **state)
{
	static const struct {
		const char *in;
		int64_t id;
	} ids[] = {
		{ "1", 1 }, { "42", 42 }, { "9223372036854775807", INT64_MAX },
		{ "0", 0 }, { "-1", 0 }, { "01", 0 }, { "1a", 0 }, { "", 0 }, { " 1", 0 },
		{ "9223372036854775808", 0 }, { "99999999999999999999", 0 },
	};
	for (size_t i = 0; i < GW_ARRAY_SIZE(ids); i++)
		if (web_parse_id(ids[i].in) != ids[i].id)
			fail_msg("case %zu: %s", i, ids[i].in);
	assert_int_equal(web_parse_id(NULL), 0);

	static const struct {
		const char *in;
		const char *out; /* NULL = refused */
	} texts[] = {
		{ "a\r\nb\r\n", "a\nb" },
		{ "a\rb", "a\nb" },
		{ "tab\there  \n\n", "tab\there" },
		{ "bell\x07", NULL },
		{ "del\x7f", NULL },
		{ "bad \xc3\x28", NULL },
		{ "overlong \xc0\xaf", NULL },
		{ "surrogate \xed\xa0\x80", NULL },
		{ "ok \xf0\x9f\x98\x80", "ok \xf0\x9f\x98\x80" },
		{ "", "" },
	};
	for (size_t i = 0; i < GW_ARRAY_SIZE(texts); i++) {
		char *out = web_clean_text(texts[i].in, strlen(texts[i].in));

		if ((out == NULL) != (texts[i].out == NULL) ||
		    (out != NULL && strcmp(out, texts[i].out) != 0))
			fail_msg("case %zu: got %s", i, out != NULL ? out : "(refused)");
		free(out);
	}
	/* NUL inside a form value is refused. */
	assert_null(web_clean_text("a\0b", 3));
}

/* The firm's zone (UTC here) in English: the machine-readable datetime is
 * UTC, the words the reader's (test_web_i18n has other languages and zones). */
static void test_web_form_times_render_in_utc(void **state)
{
	static const struct {
		int64_t t;
		const char *want;
	} cases[] = {
		{ 0, "<time datetime=\"1970-01-01T00:00:00Z\">Jan 1, 1970, 12:00\xe2\x80\xaf" "AM</time>" },
		{ -1, "<time datetime=\"1969-12-31T23:59:59Z\">Dec 31, 1969, 11:59\xe2\x80\xaf" "PM</time>" },
		{ 951782400, "<time datetime=\"2000-02-29T00:00:00Z\">Feb 29, 2000, 12:00\xe2\x80\xaf" "AM</time>" },
		{ 1795599000, "<time datetime=\"2026-11-25T09:30:00Z\">Nov 25, 2026, 9:30\xe2\x80\xaf" "AM</time>" },
		{ 4107542399, "<time datetime=\"2100-02-28T23:59:59Z\">Feb 28, 2100, 11:59\xe2\x80\xaf" "PM</time>" },
		{ 4107542400, "<time datetime=\"2100-03-01T00:00:00Z\">Mar 1, 2100, 12:00\xe2\x80\xaf" "AM</time>" },
	};
	for (size_t i = 0; i < GW_ARRAY_SIZE(cases); i++) {
		struct buf b = BUF_INIT;

		web_render_time(&b, cases[i].t);
		if (strcmp(buf_cstr(&b), cases[i].want) != 0)
			fail_msg("case %zu: %s", i, buf_cstr(&b));
		buf_release(&b);
	}
	struct buf b = BUF_INIT;
	web_render_date(&b, 1795599000);
	assert_string_equal(buf_cstr(&b), "Nov 25, 2026");
	buf_release(&b);
}

static void test_web_form_mail_urls(void **state)
{
	char *u = web_view_url("https://chat.example/", "TOK");
	assert_string_equal(u, "https://chat.example/v/TOK");
	free(u);
	u = web_unsubscribe_url("http://h:8080", "T2");
	assert_string_equal(u, "http://h:8080/u/T2");
	free(u);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_web_form_urlencoded_table),
		cmocka_unit_test(test_web_form_multipart_table),
		cmocka_unit_test(test_web_form_ids_and_text),
		cmocka_unit_test(test_web_form_times_render_in_utc),
		cmocka_unit_test(test_web_form_mail_urls),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
