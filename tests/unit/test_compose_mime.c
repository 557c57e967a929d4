/*
 * test_compose_mime.c - the wire form compose_mime.c writes, read back by
 * gmime as a receiving client would: header fields (atoms, quoted strings,
 * RFC 2047 encoded words, folding at 78 characters) and quoted-printable
 * bodies.  What goes into a whole notification is test_compose.c's part.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <gmime/gmime.h>

#include "compose_mime.h"

/* Names and subjects that take each path of the header writer. */
static const char *const header_cases[] = {
	"Anna Client",
	"O'Brien & Sons",                               /* atoms */
	"Smith, John",                                  /* a quoted string */
	"back\\slash \"quoted\" (paren) <angle> a@b",
	"spaced   out  name",
	"J\xc3\xbcrgen M\xc3\xbcller",                  /* encoded words */
	"\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe3\x81\xae\xe4\xbb\xb6\xe5\x90\x8d "
	"\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe3\x81\xae\xe4\xbb\xb6\xe5\x90\x8d "
	"\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe3\x81\xae\xe4\xbb\xb6\xe5\x90\x8d",
	"\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80"
	"\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80"
	"\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80",
	"a_b=c?d !*+-/ under_score = equals ? question",
	/* longer than a line: folded atoms, or encoded words */
	"Alpha Beta Gamma Delta Epsilon Zeta Eta Theta Iota Kappa Lambda Mu Nu Xi "
	"Omicron Pi Rho Sigma Tau Upsilon Phi Chi Psi Omega",
	"Alpha, Beta, Gamma, Delta, Epsilon, Zeta, Eta, Theta, Iota, Kappa, Lambda, Mu",
	"Averyveryveryveryveryveryveryveryveryveryveryveryveryveryveryveryverylongword "
	"and more",
};

/*
 * A message of three header fields: NAME as the display name of From and
 * To, and as the Subject, after header names of different lengths.
 */
static void write_headers(struct buf *out, const char *name)
{
	struct compose_mime_header h;

	compose_mime_header_begin(&h, out, "From");
	compose_mime_header_mailbox(&h, name, "chat@firm.example");
	compose_mime_header_end(&h);
	compose_mime_header_begin(&h, out, "To");
	compose_mime_header_mailbox(&h, name, "anna@client.example");
	compose_mime_header_end(&h);
	compose_mime_header_begin(&h, out, "Subject");
	compose_mime_header_text(&h, name);
	compose_mime_header_end(&h);
	compose_mime_header_begin(&h, out, "References");
	compose_mime_header_angle(&h, "thread.7.abcdefghijklmnopqrstuvwxyz@reply.firm.example");
	compose_mime_header_angle(&h, "CAF=x1.abcdefghijklmnopqrstuvwxyz@mail.client.example");
	compose_mime_header_end(&h);
	buf_puts(out, "\r\nbody\r\n");
}

/* 7-bit, CRLF only, every header line within 78 characters. */
static void assert_header_lines(const struct buf *raw, int idx)
{
	const char *end = strstr(raw->data, "\r\n\r\n"), *line = raw->data;

	assert_non_null(end);
	for (size_t i = 0; i < raw->len; i++) {
		unsigned char c = (unsigned char)raw->data[i];

		if (c >= 0x80 || (c == '\n' && (i == 0 || raw->data[i - 1] != '\r')))
			fail_msg("case %d: byte 0x%02x at %zu", idx, c, i);
	}
	while (line < end) {
		const char *eol = strstr(line, "\r\n");

		if (eol - line > COMPOSE_MIME_LINE)
			fail_msg("case %d: header line of %d characters: %.*s", idx,
				 (int)(eol - line), (int)(eol - line), line);
		line = eol + 2;
	}
}

/* One mailbox in LIST with this name and address, and nothing else. */
static void assert_mailbox(InternetAddressList *list, const char *name, const char *addr,
			   const char *what, int idx)
{
	InternetAddress *ia;

	if (list == NULL || internet_address_list_length(list) != 1)
		fail_msg("case %d: %s does not hold exactly one address", idx, what);
	ia = internet_address_list_get_address(list, 0);
	if (!INTERNET_ADDRESS_IS_MAILBOX(ia) ||
	    strcmp(internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(ia)), addr) != 0)
		fail_msg("case %d: %s is not the mailbox %s", idx, what, addr);
	if (internet_address_get_name(ia) == NULL ||
	    strcmp(internet_address_get_name(ia), name) != 0)
		fail_msg("case %d: %s name is \"%s\", want \"%s\"", idx, what,
			 internet_address_get_name(ia) ? internet_address_get_name(ia) : "(none)",
			 name);
}

static void test_compose_mime_headers_round_trip(void **state)
{
	(void)state;
	for (size_t i = 0; i < GW_ARRAY_SIZE(header_cases); i++) {
		const char *c = header_cases[i];
		struct buf raw = BUF_INIT;
		GMimeStream *stream;
		GMimeParser *parser;
		GMimeMessage *msg;
		int idx = (int)i;

		write_headers(&raw, c);
		assert_header_lines(&raw, idx);
		stream = g_mime_stream_mem_new_with_buffer(raw.data, raw.len);
		parser = g_mime_parser_new_with_stream(stream);
		msg = g_mime_parser_construct_message(parser, NULL);
		g_object_unref(parser);
		g_object_unref(stream);
		if (msg == NULL)
			fail_msg("case %d: gmime cannot parse:\n%s", idx, raw.data);
		if (strcmp(g_mime_message_get_subject(msg), c) != 0)
			fail_msg("case %d: Subject \"%s\", want \"%s\"", idx,
				 g_mime_message_get_subject(msg), c);
		assert_mailbox(g_mime_message_get_from(msg), c, "chat@firm.example", "From", idx);
		assert_mailbox(g_mime_message_get_to(msg), c, "anna@client.example", "To", idx);
		if (strcmp(g_mime_object_get_header(GMIME_OBJECT(msg), "References"),
			   "<thread.7.abcdefghijklmnopqrstuvwxyz@reply.firm.example> "
			   "<CAF=x1.abcdefghijklmnopqrstuvwxyz@mail.client.example>") != 0)
			fail_msg("case %d: References \"%s\"", idx,
				 g_mime_object_get_header(GMIME_OBJECT(msg), "References"));
		g_object_unref(msg);
		buf_release(&raw);
	}
}

/* A mailbox without a display name is the bare address. */
static void test_compose_mime_bare_address(void **state)
{
	struct compose_mime_header h;
	struct buf out = BUF_INIT;

	(void)state;
	compose_mime_header_begin(&h, &out, "Reply-To");
	compose_mime_header_mailbox(&h, NULL, "reply+tok@reply.firm.example");
	compose_mime_header_end(&h);
	compose_mime_header_begin(&h, &out, "To");
	compose_mime_header_mailbox(&h, "", "anna@client.example");
	compose_mime_header_end(&h);
	assert_string_equal(out.data, "Reply-To: reply+tok@reply.firm.example\r\n"
				      "To: anna@client.example\r\n");
	buf_release(&out);
}

/* RFC 5322 dates in UTC, the day of the week included. */
static void test_compose_mime_date(void **state)
{
	static const struct {
		int64_t t;
		const char *want;
	} cases[] = {
		{ 1764063000, "Tue, 25 Nov 2025 09:30:00 +0000" },
		{ 0, "Thu, 1 Jan 1970 00:00:00 +0000" },
		{ 951868799, "Tue, 29 Feb 2000 23:59:59 +0000" },
	};

	(void)state;
	for (size_t i = 0; i < GW_ARRAY_SIZE(cases); i++) {
		char out[40];

		compose_mime_date(cases[i].t, out);
		if (strcmp(out, cases[i].want) != 0)
			fail_msg("case %zu: \"%s\", want \"%s\"", i, out, cases[i].want);
	}
}

/* Decode quoted-printable with gmime's decoder. */
static char *qp_decode(const struct buf *in)
{
	GMimeEncoding enc;
	char *out = xmalloc(in->len + 16);
	size_t n;

	g_mime_encoding_init_decode(&enc, GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE);
	n = g_mime_encoding_flush(&enc, in->data, in->len, out);
	out[n] = '\0';
	return out;
}

struct qp_case {
	const char *text;
	const char *want; /* NULL: the text with LF as CRLF */
};

static const struct qp_case qp_cases[] = {
	{ "", "" },
	{ "plain line\n", NULL },
	{ "no final line end", NULL },
	{ "trailing space \ntrailing tab\t\n", "trailing space=20\r\ntrailing tab=09\r\n" },
	{ "last space ", "last space=20" },
	{ "x = y\n", "x =3D y\r\n" },
	{ "Gr\xc3\xbc\xc3\x9f" "e\n", "Gr=C3=BC=C3=9Fe\r\n" },
	{ "crlf\r\nkept\r\n", "crlf\r\nkept\r\n" },
	/* exactly 76 characters: no soft break; 77: one */
	{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n",
	  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n" },
	{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n",
	  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	  "aaaaaaaa=\r\naa\r\n" },
	{ "==================================================\n", NULL },
	{ "\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc"
	  "\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc \n", NULL },
	{ "spaces at a soft break                                                              x\n",
	  NULL },
	{ "\n\n\n", NULL },
	{ "bare\rcr", "bare=0Dcr" },
};

static void test_compose_mime_quoted_printable(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < GW_ARRAY_SIZE(qp_cases); i++) {
		const struct qp_case *c = &qp_cases[i];
		struct buf out = BUF_INIT, want = BUF_INIT;
		const char *line;
		char *decoded;

		compose_mime_qp(&out, c->text, strlen(c->text));
		buf_puts(&out, "");
		if (c->want != NULL) {
			if (strcmp(out.data, c->want) != 0)
				fail_msg("case %zu: \"%s\", want \"%s\"", i, out.data, c->want);
		}
		/* 7-bit, lines of at most 76, no white space before a line end */
		for (line = out.data; *line != '\0';) {
			const char *eol = strstr(line, "\r\n");
			size_t n = eol != NULL ? (size_t)(eol - line) : strlen(line);

			if (n > 76 || (n > 0 && (line[n - 1] == ' ' || line[n - 1] == '\t')))
				fail_msg("case %zu: bad line \"%.*s\"", i, (int)n, line);
			for (size_t k = 0; k < n; k++) {
				if ((unsigned char)line[k] >= 0x80 || line[k] == '\r' ||
				    line[k] == '\n')
					fail_msg("case %zu: raw byte in \"%.*s\"", i, (int)n, line);
			}
			line += n + (eol != NULL ? 2 : 0);
		}
		/* decodes to the text, with CRLF line ends */
		for (const char *t = c->text; *t != '\0'; t++) {
			if (*t == '\n' && (t == c->text || t[-1] != '\r'))
				buf_putc(&want, '\r');
			buf_putc(&want, *t);
		}
		buf_puts(&want, "");
		decoded = qp_decode(&out);
		if (strcmp(decoded, want.data) != 0)
			fail_msg("case %zu: decodes to \"%s\", want \"%s\"", i, decoded, want.data);
		free(decoded);
		buf_release(&want);
		buf_release(&out);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_compose_mime_headers_round_trip),
		cmocka_unit_test(test_compose_mime_bare_address),
		cmocka_unit_test(test_compose_mime_date),
		cmocka_unit_test(test_compose_mime_quoted_printable),
	};
	int rc;

	g_mime_init();
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	g_mime_shutdown();
	return rc;
}
