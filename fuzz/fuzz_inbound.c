/*
 * fuzz_inbound.c - libFuzzer target for inbound mail: inbound_parse()
 * (limits, gmime parse, classification, DSN fields, token candidates and
 * the quote) and then what gatewayd-pipe does with the address
 * candidates: link_address_token() and link_addr_verify().
 *
 * The input is the raw message.  Its length modulo 3 picks the envelope,
 * so that mutations reach every start of the decision:
 *   0  a client's reply: sender client@example.com, recipient a genuine
 *      reply+TOKEN@reply.example, reply domain set, default limits
 *   1  a bounce: null sender, recipient a genuine bounce+TOKEN@, default
 *      limits
 *   2  no reply domain, an address without a token, and small limits
 *      (32 KiB message, 8 KiB header, depth 8, 64 parts, 200-byte quote)
 *      so that the over-limit paths are reachable with short inputs
 * Beyond "no crash, no leak, no sanitizer report", every result must keep
 * the promises of inbound.h: clean one-line UTF-8 strings, a verdict and
 * its reason, a quote exactly for human mail, the recipient first among
 * at most INBOUND_MAX_TOKENS candidates, the size and digest of the input.
 * An out-of-office reply's text (and the raw input itself, up to the
 * size of that text) also goes through away_parse(), whose day must then
 * lie within AWAY_MAX_DAYS of today.
 * With GW_FUZZ_ECHO set, each verdict and reason is printed to stderr.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "away.h"
#include "buf.h"
#include "clock.h"
#include "inbound.h"
#include "links.h"
#include "test_inbound_util.h"

#define KEYS "1 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n"
/* 2026-11-25 09:30 UTC, like the unit tests. */
#define NOW INT64_C(1795599000)

static struct link_keys *keys;
static char *reply_addr, *bounce_addr;

static void cleanup(void)
{
	link_keys_free(&keys);
	free(reply_addr);
	free(bounce_addr);
}

static char *mint(enum link_purpose purpose)
{
	struct link_claims c = { purpose, 7, LINK_CONTACT, 4, 1, NOW + 30 * CLOCK_DAY, 0 };
	char *addr = link_address(keys, &c, REPLY_DOMAIN);

	if (addr == NULL)
		abort();
	return addr;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char *err = NULL;

	(void)argc;
	(void)argv;
	if (link_keys_parse(KEYS, &keys, &err) < 0)
		abort();
	reply_addr = mint(LINK_REPLY);
	bounce_addr = mint(LINK_BOUNCE);
	atexit(cleanup);
	inbound_init();
	return 0;
}

static void fail(const struct inbound_result *r, const char *what)
{
	fprintf(stderr, "fuzz_inbound: %s (verdict %s, reason \"%s\")\n", what,
		inbound_verdict_name(r->verdict), r->reason != NULL ? r->reason : "(null)");
	abort();
}

static void check(const struct inbound_result *r, const struct inbound_envelope *env,
		  size_t len)
{
	if (r->verdict < INBOUND_LOOP || r->verdict > INBOUND_MALFORMED)
		fail(r, "unknown verdict");
	if (!tu_result_clean(r)) {
		const struct {
			const char *name, *value;
			int newlines;
		} f[] = {
			{ "reason", r->reason, 0 }, { "message_id", r->message_id, 0 },
			{ "from", r->from, 0 }, { "from_name", r->from_name, 0 },
			{ "subject", r->subject, 0 }, { "action", r->bounce.action, 0 },
			{ "final_recipient", r->bounce.final_recipient, 0 },
			{ "diagnostic", r->bounce.diagnostic, 0 },
			{ "original_message_id", r->bounce.original_message_id, 0 },
			{ "quote", r->quote, 1 },
		};

		for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++)
			if (!tu_clean_utf8(f[i].value, f[i].newlines))
				fprintf(stderr, "fuzz_inbound: %s is not clean: \"%s\"\n",
					f[i].name, f[i].value);
		fail(r, "a string is not clean UTF-8");
	}
	if ((r->verdict == INBOUND_HUMAN) != (strcmp(r->reason, "human") == 0))
		fail(r, "verdict and reason disagree");
	if ((r->verdict == INBOUND_HUMAN) != (r->quote != NULL))
		fail(r, "quote without a human, or a human without a quote");
	if ((r->verdict == INBOUND_OVER_LIMIT) != (r->limit != INBOUND_LIMIT_NONE))
		fail(r, "limit and verdict disagree");
	if (r->size != len)
		fail(r, "wrong size");
	if (strspn(r->digest, "0123456789abcdef") != 64)
		fail(r, "digest is not lowercase hex");
	if (r->n_tokens > INBOUND_MAX_TOKENS || (r->n_tokens > 0 && r->tokens == NULL))
		fail(r, "too many token candidates");
	if (env->recipient != NULL && *env->recipient != '\0' &&
	    (r->n_tokens == 0 || r->tokens[0].source != INBOUND_TOKEN_RECIPIENT))
		fail(r, "the recipient is not the first candidate");
	if (r->verdict != INBOUND_BOUNCE &&
	    (r->bounce.status[0] != '\0' || r->bounce.action != NULL ||
	     r->bounce.final_recipient != NULL || r->bounce.diagnostic != NULL ||
	     r->bounce.original_message_id != NULL))
		fail(r, "bounce fields on a message that is no bounce");
}

/* What decide.c does with address candidates. */
static void verify_candidates(const struct inbound_result *r, const char *domain)
{
	for (size_t i = 0; i < r->n_tokens; i++) {
		const struct inbound_token *t = &r->tokens[i];
		char tok[LINK_ADDR_TOKEN_MAX + 1];
		struct link_claims c;
		int purpose;

		if (t->source == INBOUND_TOKEN_REFERENCES || t->source == INBOUND_TOKEN_IN_REPLY_TO)
			continue;
		purpose = link_address_token(t->value, domain, tok);
		if (purpose != 0)
			(void)link_addr_verify(keys, tok, (enum link_purpose)purpose, NOW, NULL,
					       NULL, &c);
	}
}

/* The return date: a day within the cap, or none. */
static void check_away(const char *text)
{
	char found[128];
	int64_t day = -1, today = NOW / CLOCK_DAY;
	enum away_result a = away_parse(text, NOW, &day, found, sizeof(found));

	if ((a == AWAY_DATE || a == AWAY_CAPPED) && (day < today || day > today + AWAY_MAX_DAYS))
		abort();
	if (strlen(found) >= sizeof(found))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct inbound_limits small = { 32 * 1024, 8 * 1024, 8, 64, 200 };
	struct inbound_envelope env = { 0 };
	const struct inbound_limits *limits = NULL;
	struct inbound_result *r = NULL;
	char *err = NULL;

	switch (size % 3) {
	case 0:
		env.sender = "client@example.com";
		env.recipient = reply_addr;
		env.reply_domain = REPLY_DOMAIN;
		break;
	case 1:
		env.sender = "";
		env.recipient = bounce_addr;
		env.reply_domain = REPLY_DOMAIN;
		break;
	default:
		env.sender = "someone@example.org";
		env.recipient = "chat@firm.example";
		env.reply_domain = NULL;
		limits = &small;
		break;
	}
	if (inbound_parse((const char *)data, size, &env, limits, &r, &err) != 0) {
		fprintf(stderr, "fuzz_inbound: call refused: %s\n", err != NULL ? err : "?");
		abort();
	}
	check(r, &env, size);
	if (getenv("GW_FUZZ_ECHO") != NULL)
		fprintf(stderr, "fuzz_inbound: %s: %s (%zu tokens)\n",
			inbound_verdict_name(r->verdict), r->reason, r->n_tokens);
	verify_candidates(r, env.reply_domain);
	if (r->auto_text != NULL) {
		if (r->verdict != INBOUND_AUTOMATIC || !r->out_of_office ||
		    strlen(r->auto_text) > INBOUND_AUTO_TEXT_MAX)
			abort();
		check_away(r->auto_text);
	}
	if (size <= INBOUND_AUTO_TEXT_MAX) {
		char *text = xstrndup((const char *)data, size);

		check_away(text);
		free(text);
	}
	inbound_result_free(&r);
	if (r != NULL)
		abort();
	return 0;
}
