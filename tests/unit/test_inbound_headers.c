/*
 * test_inbound_headers.c - the envelope of a message read from a mailbox
 * (inbound_headers.h): which header gives the recipient and the sender,
 * in which order, and what a message without them yields.
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
#include "inbound_headers.h"

#define R "reply.example"

static const struct {
	const char *header;
	const char *sender, *recipient;
} cases[] = {
	/* Delivered-To first, topmost first; Return-Path the sender. */
	{ "Return-Path: <jane@client.example>\r\nDelivered-To: reply+abc@reply.example\r\n"
	  "Delivered-To: replies@firm.example\r\nTo: other@client.example\r\n\r\nbody\r\n",
	  "jane@client.example", "reply+abc@reply.example" },
	/* A Delivered-To outside the reply domain loses to X-Original-To in it. */
	{ "Delivered-To: replies@firm.example\nX-Original-To: reply+x1@Reply.Example\n"
	  "To: reply+x2@reply.example\n\n",
	  "", "reply+x1@Reply.Example" },
	/* To and Cc with display names and several addresses. */
	{ "From: \"Jane, Smith\" <jane@client.example>\nTo: Bob <bob@client.example>,\n"
	  " \"Gateway\" <bounce+t@reply.example>\nCc: reply+c@reply.example\n\n",
	  "jane@client.example", "bounce+t@reply.example" },
	{ "From: jane@client.example\nCc: a@b.example, <reply+c@reply.example>\n\n",
	  "jane@client.example", "reply+c@reply.example" },
	/* Nothing in the reply domain: the first Delivered-To, for the log. */
	{ "From: jane@client.example\nDelivered-To: replies@firm.example\nTo: x@y.example\n\n",
	  "jane@client.example", "replies@firm.example" },
	/* The null sender of a bounce is kept. */
	{ "Return-Path: <>\nFrom: MAILER-DAEMON@mx.example\nTo: bounce+t@reply.example\n\n",
	  "", "bounce+t@reply.example" },
	{ "Return-Path: < >\nTo: bounce+t@reply.example\n\n", "", "bounce+t@reply.example" },
	/* Only the top header block counts. */
	{ "From: jane@client.example\n\nDelivered-To: reply+body@reply.example\n",
	  "jane@client.example", "" },
	/* No header at all, and an mbox From_ line. */
	{ "just words\nand more\n", "", "" },
	{ "", "", "" },
	{ "From jane@client.example Mon Jan  1 00:00:00 2026\nTo: reply+m@reply.example\n\n",
	  "", "reply+m@reply.example" },
	/* Field names are case-insensitive; a folded field is unfolded. */
	{ "DELIVERED-TO:\n reply+fold@reply.example\nreturn-path: <j@c.example>\n\n",
	  "j@c.example", "reply+fold@reply.example" },
};

static void test_inbound_headers_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < GW_ARRAY_SIZE(cases); i++) {
		char *sender = NULL, *rcpt = NULL;

		inbound_headers_envelope(cases[i].header, strlen(cases[i].header), 65536, R,
					 &sender, &rcpt);
		if (strcmp(sender, cases[i].sender) != 0 || strcmp(rcpt, cases[i].recipient) != 0)
			fail_msg("case %zu: sender \"%s\" recipient \"%s\", want \"%s\" \"%s\"", i,
				 sender, rcpt, cases[i].sender, cases[i].recipient);
		free(sender);
		free(rcpt);
	}
}

/* Past max_header nothing is read: a recipient there is not found. */
static void test_inbound_headers_bounded(void **state)
{
	struct buf b = BUF_INIT;
	char *sender = NULL, *rcpt = NULL;

	(void)state;
	for (int i = 0; i < 2000; i++)
		buf_puts(&b, "X-Filler: 0123456789012345678901234567890123456789\n");
	buf_puts(&b, "Delivered-To: reply+late@reply.example\n\n");
	inbound_headers_envelope(buf_cstr(&b), b.len, 4096, R, &sender, &rcpt);
	assert_string_equal(rcpt, "");
	free(sender);
	free(rcpt);
	inbound_headers_envelope(buf_cstr(&b), b.len, b.len, R, &sender, &rcpt);
	assert_string_equal(rcpt, "reply+late@reply.example");
	free(sender);
	free(rcpt);
	buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_inbound_headers_table),
		cmocka_unit_test(test_inbound_headers_bounded),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
