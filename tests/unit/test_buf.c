/*
 * test_buf.c - struct buf growth, printf, detach/reset and HTML escaping;
 * gw_result_name.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "buf.h"
#include "gw.h"

static void test_buf_empty_is_empty_string(void **state)
{
	struct buf b = BUF_INIT;

	assert_string_equal(buf_cstr(&b), "");
	assert_int_equal(b.len, 0);
	char *s = buf_detach(&b);
	assert_string_equal(s, "");
	free(s);
	buf_release(&b);
}

static void test_buf_grows_across_many_appends(void **state)
{
	struct buf b = BUF_INIT;
	char expect[10001];

	for (int i = 0; i < 10000; i++) {
		buf_putc(&b, (char)('a' + i % 26));
		expect[i] = (char)('a' + i % 26);
		assert_int_equal(b.len, (size_t)i + 1);
		assert_true(b.cap > b.len);
		assert_int_equal(b.data[b.len], '\0');
	}
	expect[10000] = '\0';
	assert_string_equal(b.data, expect);
	buf_release(&b);
	assert_null(b.data);
	assert_int_equal(b.len, 0);
}

static void test_buf_append_binary_keeps_nul_bytes(void **state)
{
	struct buf b = BUF_INIT;

	buf_append(&b, "a\0b", 3);
	buf_append(&b, "", 0);
	assert_int_equal(b.len, 3);
	assert_memory_equal(b.data, "a\0b\0", 4);
	buf_release(&b);
}

static void test_buf_printf_appends_and_grows(void **state)
{
	struct buf b = BUF_INIT;
	char big[5000];

	buf_puts(&b, "x=");
	buf_printf(&b, "%d,%s", 42, "y");
	assert_string_equal(buf_cstr(&b), "x=42,y");
	memset(big, 'z', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	buf_printf(&b, "[%s]", big);
	assert_int_equal(b.len, 6 + 2 + sizeof(big) - 1);
	assert_int_equal(b.data[6], '[');
	assert_int_equal(b.data[b.len - 1], ']');
	assert_int_equal(strlen(b.data), b.len);
	buf_release(&b);
}

static void test_buf_truncate_reset_detach(void **state)
{
	struct buf b = BUF_INIT;
	char *s;

	buf_puts(&b, "hello world");
	buf_truncate(&b, 5);
	assert_string_equal(buf_cstr(&b), "hello");
	buf_truncate(&b, 50); /* longer than the content: no change */
	assert_string_equal(buf_cstr(&b), "hello");
	buf_reset(&b);
	assert_string_equal(buf_cstr(&b), "");
	assert_non_null(b.data); /* memory kept */
	buf_puts(&b, "again");
	s = buf_detach(&b);
	assert_string_equal(s, "again");
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.cap, 0);
	free(s);
}

static void test_buf_html_escape_table(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "", "" },
		{ "plain", "plain" },
		{ "a & b", "a &amp; b" },
		{ "<script>alert('x')</script>",
		  "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" },
		{ "\"quoted\"", "&quot;quoted&quot;" },
		{ "&amp;", "&amp;amp;" },
		{ "<>&\"'", "&lt;&gt;&amp;&quot;&#39;" },
		{ "Gr\xc3\xbc\xc3\x9f" "e", "Gr\xc3\xbc\xc3\x9f" "e" },
	};

	for (size_t i = 0; i < GW_ARRAY_SIZE(cases); i++) {
		struct buf b = BUF_INIT;

		buf_puts(&b, "#");
		buf_html_escape(&b, cases[i].in);
		if (strcmp(buf_cstr(&b) + 1, cases[i].out) != 0)
			fail_msg("case %zu: \"%s\" escaped to \"%s\", want \"%s\"", i,
				 cases[i].in, buf_cstr(&b) + 1, cases[i].out);
		buf_release(&b);
	}
}

/* buf_html_escape_n: only the n bytes given, escaped like the whole string. */
static void test_buf_html_escape_n_table(void **state)
{
	static const struct {
		const char *in;
		size_t n;
		const char *out;
	} cases[] = {
		{ "", 0, "" },
		{ "abc", 0, "" },
		{ "a<b", 2, "a&lt;" },
		{ "a<b", 3, "a&lt;b" },
		{ "&&&", 1, "&amp;" },
		{ "x'y\"z", 5, "x&#39;y&quot;z" },
		{ "<>tail not read", 2, "&lt;&gt;" },
	};

	for (size_t i = 0; i < GW_ARRAY_SIZE(cases); i++) {
		struct buf b = BUF_INIT;

		buf_puts(&b, "#");
		buf_html_escape_n(&b, cases[i].in, cases[i].n);
		if (strcmp(buf_cstr(&b) + 1, cases[i].out) != 0)
			fail_msg("case %zu: %zu bytes of \"%s\" escaped to \"%s\", want \"%s\"",
				 i, cases[i].n, cases[i].in, buf_cstr(&b) + 1, cases[i].out);
		buf_release(&b);
	}
}

static void test_buf_x_helpers(void **state)
{
	char *s = xstrdup("abc");
	char *t = xstrndup("abcdef", 4);
	char *u = xstrndup("ab", 10);
	char *v = xasprintf("%s-%03d", "n", 7);
	int *z = xcalloc(4, sizeof(int));

	assert_string_equal(s, "abc");
	assert_string_equal(t, "abcd");
	assert_string_equal(u, "ab");
	assert_string_equal(v, "n-007");
	for (int i = 0; i < 4; i++)
		assert_int_equal(z[i], 0);
	z = xrealloc(z, 1000 * sizeof(int));
	z[999] = 1;
	free(s);
	free(t);
	free(u);
	free(v);
	free(z);
}

static void test_buf_result_names(void **state)
{
	assert_string_equal(gw_result_name(GW_OK), "ok");
	assert_string_equal(gw_result_name(GW_TEMPFAIL), "temporary failure");
	assert_string_equal(gw_result_name(GW_PERMFAIL), "permanent failure");
	assert_string_equal(gw_result_name(GW_NOTFOUND), "not found");
	assert_string_equal(gw_result_name(GW_INVALID), "invalid argument");
	assert_string_equal(gw_result_name((enum gw_result)99), "unknown result");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buf_empty_is_empty_string),
		cmocka_unit_test(test_buf_grows_across_many_appends),
		cmocka_unit_test(test_buf_append_binary_keeps_nul_bytes),
		cmocka_unit_test(test_buf_printf_appends_and_grows),
		cmocka_unit_test(test_buf_truncate_reset_detach),
		cmocka_unit_test(test_buf_html_escape_table),
		cmocka_unit_test(test_buf_html_escape_n_table),
		cmocka_unit_test(test_buf_x_helpers),
		cmocka_unit_test(test_buf_result_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
