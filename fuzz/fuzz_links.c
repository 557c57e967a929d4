/*
 * fuzz_links.c - libFuzzer target for signed tokens (common/links.c and
 * the key file parser of common/link_keys.c), with fixed test keys.
 *
 * Each input, read as a string, is verified as a link token and as an
 * address token for every purpose (and two that do not exist), searched
 * for a reply+/bounce+ token as a whole address with and without a
 * required domain, and parsed as a key file.  Besides "no crash", every
 * verdict must be consistent with the claims it returns, and a token whose
 * MAC is good must be exactly what link_sign()/link_addr_sign() make of
 * its claims: there is one spelling of every genuine token (case aside,
 * for address tokens), so no mutation of a real token can pass.
 *
 * Keys: id 1 signs, id 2 only verifies (rotation); tokens minted with an
 * id 3 that the verifier does not know must come out forged.
 *
 * With GW_FUZZ_WRITE_SEEDS=DIR in the environment the target writes
 * genuine tokens and addresses (every purpose and kind, valid, expired,
 * revoked, old key, unknown key) into DIR as seeds and exits.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "clock.h"
#include "links.h"

#define HEX1 "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
#define HEX2 "f0e0d0c0b0a090807060504030201000f1e1d1c1b1a191817161514131211101"
#define HEX3 "5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a"
#define DOMAIN "reply.example"
/* 2026-11-25 09:30 UTC, like the unit tests. */
#define NOW INT64_C(1795599000)

static struct link_keys *verify_keys; /* 1 signs, 2 verifies */
static struct link_keys *sign1;       /* signs with id 1 */
static struct link_keys *sign2;       /* signs with id 2 */
static struct link_keys *sign3;       /* signs with id 3, unknown to the verifier */

/* Generation of a principal: ids over a million do not exist. */
static int gen_fn(void *ctx, enum link_principal kind, int64_t id, uint32_t *gen_r)
{
	(void)ctx;
	if (id > 1000000)
		return -1;
	*gen_r = (uint32_t)(id % 3) + (kind == LINK_STAFF ? 10 : 0);
	return 0;
}

static struct link_keys *keys(const char *text)
{
	struct link_keys *k = NULL;
	char *err = NULL;

	if (link_keys_parse(text, &k, &err) < 0) {
		fprintf(stderr, "fuzz_links: keys: %s\n", err);
		abort();
	}
	return k;
}

static void free_keys(void)
{
	link_keys_free(&verify_keys);
	link_keys_free(&sign1);
	link_keys_free(&sign2);
	link_keys_free(&sign3);
}

static void write_seed(const char *dir, int *n, const char *text)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/minted-%03d", dir, (*n)++);
	if ((f = fopen(path, "w")) == NULL || fputs(text, f) < 0 || fclose(f) != 0) {
		perror(path);
		exit(1);
	}
}

static void write_seeds(const char *dir)
{
	static const struct {
		int64_t thread, expires;
		enum link_principal kind;
		int64_t id;
		uint32_t gen;
	} cases[] = {
		{ 7, NOW + 86400, LINK_CONTACT, 4, 1 },    /* valid */
		{ 0, NOW + 3600, LINK_STAFF, 2, 12 },      /* valid, no thread */
		{ 7, NOW - 1, LINK_CONTACT, 4, 1 },        /* expired */
		{ 7, NOW + 86400, LINK_CONTACT, 4, 0 },    /* revoked */
		{ 9, NOW + 86400, LINK_CONTACT, 2000000, 0 }, /* no such contact */
	};
	const struct link_keys *signers[] = { sign1, sign2, sign3 };
	int n = 0;

	for (size_t s = 0; s < 3; s++) {
		for (int p = LINK_VIEW; p <= LINK_CSRF; p++) {
			for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
				struct link_claims c = { (enum link_purpose)p, cases[i].thread,
							 cases[i].kind, cases[i].id,
							 cases[i].gen, cases[i].expires, 0 };
				char tok[LINK_TOKEN_MAX], *addr;

				if (link_sign(signers[s], &c, tok) == 0)
					write_seed(dir, &n, tok);
				if ((addr = link_address(signers[s], &c, DOMAIN)) != NULL) {
					write_seed(dir, &n, addr);
					free(addr);
				}
				if (s == 0 && link_addr_sign(signers[s], &c, tok) == 0)
					write_seed(dir, &n, tok);
			}
		}
	}
	write_seed(dir, &n, "# keys\n1 " HEX1 "\n\n2 " HEX2 "\n");
	write_seed(dir, &n, "<Reply+ABCDEFGHIJ234567@Reply.Example>");
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *seeds = getenv("GW_FUZZ_WRITE_SEEDS");

	(void)argc;
	(void)argv;
	verify_keys = keys("1 " HEX1 "\n2 " HEX2 "\n");
	sign1 = keys("1 " HEX1 "\n");
	sign2 = keys("2 " HEX2 "\n");
	sign3 = keys("3 " HEX3 "\n");
	atexit(free_keys);
	if (seeds != NULL) {
		write_seeds(seeds);
		exit(0);
	}
	return 0;
}

static void fail(const char *what, const char *token, int purpose, enum link_verdict v)
{
	fprintf(stderr, "fuzz_links: %s: token \"%s\" purpose %d verdict %s\n", what, token,
		purpose, link_verdict_name(v));
	abort();
}

/* Whatever the verdict, it must agree with the claims. */
static void check_verdict(const char *token, int purpose, enum link_verdict v,
			  const struct link_claims *c, int addr)
{
	char again[LINK_TOKEN_MAX];
	const struct link_keys *signer;
	struct link_claims canon;
	uint32_t gen;
	int known;

	if (v == LINK_MALFORMED || v == LINK_FORGED) {
		static const struct link_claims zero;

		if (memcmp(c, &zero, sizeof(zero)) != 0)
			fail("claims of a refused token not zeroed", token, purpose, v);
		return;
	}
	if (v != LINK_OK && v != LINK_EXPIRED && v != LINK_WRONG_PURPOSE && v != LINK_REVOKED)
		fail("unknown verdict", token, purpose, v);
	/* The MAC was good: only keys 1 and 2 can have made it. */
	if (c->key_id == 1)
		signer = sign1;
	else if (c->key_id == 2)
		signer = sign2;
	else
		fail("good MAC under an unknown key", token, purpose, v);
	if ((c->purpose != (enum link_purpose)purpose) != (v == LINK_WRONG_PURPOSE))
		fail("purpose and verdict disagree", token, purpose, v);
	if (v == LINK_OK || v == LINK_REVOKED) {
		if (NOW >= c->expires)
			fail("expired token accepted", token, purpose, v);
		known = gen_fn(NULL, c->kind, c->principal_id, &gen) == 0;
		if ((v == LINK_OK) != (known && gen == c->generation))
			fail("generation and verdict disagree", token, purpose, v);
	} else if (v == LINK_EXPIRED && NOW < c->expires) {
		fail("unexpired token called expired", token, purpose, v);
	}
	if (c->thread_id < 0 || c->principal_id <= 0 || c->expires < 0 ||
	    (c->kind != LINK_CONTACT && c->kind != LINK_STAFF))
		fail("invalid claims with a good MAC", token, purpose, v);

	/* One spelling per genuine token. */
	canon = *c;
	if (!addr) {
		if (link_sign(signer, &canon, again) < 0 || strcmp(again, token) != 0)
			fail("genuine token is not canonical", token, purpose, v);
	} else {
		if (canon.expires % CLOCK_DAY != 0)
			fail("address token expiry not a whole day", token, purpose, v);
		if (link_addr_sign(signer, &canon, again) < 0 || strcasecmp(again, token) != 0)
			fail("genuine address token is not canonical", token, purpose, v);
	}
}

static void verify_all(const char *token)
{
	for (int p = 0; p <= LINK_CSRF + 1; p++) {
		struct link_claims c;
		enum link_verdict v;

		v = link_verify(verify_keys, token, (enum link_purpose)p, NOW, gen_fn, NULL, &c);
		check_verdict(token, p, v, &c, 0);
		v = link_addr_verify(verify_keys, token, (enum link_purpose)p, NOW, gen_fn, NULL,
				     &c);
		check_verdict(token, p, v, &c, 1);
	}
}

static void address(const char *s, const char *domain)
{
	char tok[LINK_ADDR_TOKEN_MAX + 1];
	struct link_claims c;
	enum link_verdict v;
	int purpose = link_address_token(s, domain, tok);
	size_t len = strlen(tok);

	if (purpose == 0) {
		if (len != 0)
			fail("no purpose but a token", s, purpose, LINK_MALFORMED);
		return;
	}
	if ((purpose != LINK_REPLY && purpose != LINK_BOUNCE) || len == 0 ||
	    len > LINK_ADDR_TOKEN_MAX || strspn(tok, "abcdefghijklmnopqrstuvwxyz234567") != len)
		fail("bad token from an address", s, purpose, LINK_MALFORMED);
	/* What gatewayd-pipe and the policy service then do with it. */
	v = link_addr_verify(verify_keys, tok, (enum link_purpose)purpose, NOW, gen_fn, NULL, &c);
	check_verdict(tok, purpose, v, &c, 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = xstrndup((const char *)data, size);
	struct link_keys *k = NULL;
	char *err = NULL;

	verify_all(s);
	address(s, NULL);
	address(s, DOMAIN);
	if (link_keys_parse(s, &k, &err) == 0) {
		if (k == NULL || err != NULL)
			abort();
		link_keys_free(&k);
	} else {
		if (k != NULL || err == NULL)
			abort();
		free(err);
	}
	free(s);
	return 0;
}
