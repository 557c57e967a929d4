/*
 * test_links.c - signed link and address tokens: round trips for every
 * purpose and principal, every way a token must be refused (tampered,
 * truncated, extended, wrong or unknown key, expired, revoked, wrong
 * purpose, malformed), key files (syntax errors, permissions, create,
 * rotate) and reply/bounce addresses.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "buf.h"
#include "links.h"

#define HEX_A "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
#define HEX_B "f0e0d0c0b0a09080706050403020100f1e2d3c4b5a69788796a5b4c3d2e1f001"
#define NOW INT64_C(1795599000) /* 2026-11-25T09:30:00Z */

static const char b64_alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
static const char b32_alphabet[] = "abcdefghijklmnopqrstuvwxyz234567";

static struct link_keys *keys_from(const char *text)
{
	struct link_keys *keys = NULL;
	char *err = NULL;

	if (link_keys_parse(text, &keys, &err) != 0)
		fail_msg("key text refused: %s", err);
	return keys;
}

struct gen_ctx {
	uint32_t gen;
	int exists;
	int calls;
	enum link_principal kind;
	int64_t id;
};

static int gen_cb(void *ctx, enum link_principal kind, int64_t id, uint32_t *gen_r)
{
	struct gen_ctx *g = ctx;

	g->calls++;
	g->kind = kind;
	g->id = id;
	if (!g->exists)
		return -1;
	*gen_r = g->gen;
	return 0;
}

static struct link_claims claims(enum link_purpose p, enum link_principal k)
{
	struct link_claims c = { .purpose = p, .thread_id = 4242, .kind = k,
				 .principal_id = 77, .generation = 3,
				 .expires = NOW + 30 * 86400 };
	return c;
}

typedef int sign_fn(const struct link_keys *, const struct link_claims *, char *);
typedef enum link_verdict verify_fn(const struct link_keys *, const char *,
				    enum link_purpose, int64_t, link_generation_fn *, void *,
				    struct link_claims *);

static int addr_sign(const struct link_keys *k, const struct link_claims *c, char *out)
{
	return link_addr_sign(k, c, out);
}

static int link_sign_(const struct link_keys *k, const struct link_claims *c, char *out)
{
	return link_sign(k, c, out);
}

static const struct form {
	const char *name;
	sign_fn *sign;
	verify_fn *verify;
	const char *alphabet;
} forms[] = {
	{ "link", link_sign_, link_verify, b64_alphabet },
	{ "address", addr_sign, link_addr_verify, b32_alphabet },
};

static void test_links_round_trip_every_purpose_and_principal(void **state)
{
	struct link_keys *keys = keys_from("7 " HEX_A "\n");
	static const enum link_purpose purposes[] = { LINK_VIEW, LINK_UNSUBSCRIBE, LINK_REPLY,
						      LINK_BOUNCE, LINK_FRESH, LINK_SESSION,
						      LINK_CSRF, LINK_SIGNIN, LINK_PICK };
	static const enum link_principal kinds[] = { LINK_CONTACT, LINK_STAFF };

	for (size_t f = 0; f < GW_ARRAY_SIZE(forms); f++)
		for (size_t p = 0; p < GW_ARRAY_SIZE(purposes); p++)
			for (size_t k = 0; k < GW_ARRAY_SIZE(kinds); k++) {
				struct link_claims c = claims(purposes[p], kinds[k]), got;
				struct gen_ctx g = { .gen = 3, .exists = 1 };
				char tok[LINK_TOKEN_MAX];
				enum link_verdict v;

				c.thread_id = (int64_t)(p * 1000 + k);
				if (forms[f].sign(keys, &c, tok) != 0)
					fail_msg("%s %zu/%zu: sign failed", forms[f].name, p, k);
				v = forms[f].verify(keys, tok, purposes[p], NOW, gen_cb, &g, &got);
				if (v != LINK_OK)
					fail_msg("%s %zu/%zu: %s", forms[f].name, p, k,
						 link_verdict_name(v));
				assert_int_equal(got.purpose, c.purpose);
				assert_int_equal(got.kind, c.kind);
				assert_int_equal(got.thread_id, c.thread_id);
				assert_int_equal(got.principal_id, c.principal_id);
				assert_int_equal(got.generation, c.generation);
				assert_int_equal(got.key_id, 7);
				assert_int_equal(g.calls, 1);
				assert_int_equal(g.kind, kinds[k]);
				assert_int_equal(g.id, 77);
				if (f == 0)
					assert_int_equal(got.expires, c.expires);
				else /* day-granular, rounded up */
					assert_int_equal(got.expires,
							 (c.expires + 86399) / 86400 * 86400);
			}
	link_keys_free(&keys);
	assert_null(keys);
	link_keys_free(&keys);
}

static void test_links_token_shapes(void **state)
{
	struct link_keys *keys = keys_from("1 " HEX_A "\n");
	struct link_claims c = claims(LINK_REPLY, LINK_CONTACT);
	char tok[LINK_TOKEN_MAX], atok[LINK_ADDR_TOKEN_MAX + 1];

	/* Biggest claims each form carries. */
	c.thread_id = INT64_MAX;
	c.principal_id = INT64_MAX;
	c.generation = UINT32_MAX;
	c.expires = INT64_MAX;
	assert_int_equal(link_sign(keys, &c, tok), 0);
	assert_true(strlen(tok) < LINK_TOKEN_MAX);
	assert_int_equal(strspn(tok, b64_alphabet), strlen(tok));

	c.thread_id = UINT32_MAX;
	c.principal_id = UINT32_MAX;
	c.expires = INT64_C(65535) * 86400;
	assert_int_equal(link_addr_sign(keys, &c, atok), 0);
	assert_true(strlen(atok) <= LINK_ADDR_TOKEN_MAX);
	assert_true(strlen("bounce+") + strlen(atok) <= 64);
	assert_int_equal(strspn(atok, b32_alphabet), strlen(atok));
	assert_int_equal(link_addr_verify(keys, atok, LINK_REPLY, NOW, NULL, NULL, NULL),
			 LINK_OK);
	link_keys_free(&keys);
}

static void test_links_sign_refuses_claims_that_do_not_fit(void **state)
{
	struct link_keys *keys = keys_from("1 " HEX_A "\n");
	static const struct {
		int64_t thread, principal, expires;
		int purpose, kind;
		int link_ok, addr_ok;
	} cases[] = {
		{ 1, 1, NOW, LINK_VIEW, LINK_CONTACT, 1, 1 },
		{ 0, 1, NOW, LINK_VIEW, LINK_CONTACT, 1, 1 },   /* no thread */
		{ -1, 1, NOW, LINK_VIEW, LINK_CONTACT, 0, 0 },
		{ 1, 0, NOW, LINK_VIEW, LINK_CONTACT, 0, 0 },
		{ 1, -5, NOW, LINK_VIEW, LINK_CONTACT, 0, 0 },
		{ 1, 1, -1, LINK_VIEW, LINK_CONTACT, 0, 0 },
		{ 1, 1, NOW, 0, LINK_CONTACT, 0, 0 },
		{ 1, 1, NOW, LINK_PICK + 1, LINK_CONTACT, 0, 0 },
		{ 1, 1, NOW, LINK_VIEW, 0, 0, 0 },
		{ 1, 1, NOW, LINK_VIEW, 3, 0, 0 },
		{ INT64_C(4294967296), 1, NOW, LINK_REPLY, LINK_CONTACT, 1, 0 },
		{ 1, INT64_C(4294967296), NOW, LINK_REPLY, LINK_CONTACT, 1, 0 },
		{ 1, 1, INT64_C(65536) * 86400, LINK_REPLY, LINK_CONTACT, 1, 0 },
		{ 1, 1, INT64_C(65535) * 86400 + 1, LINK_REPLY, LINK_CONTACT, 1, 0 },
	};

	for (size_t i = 0; i < GW_ARRAY_SIZE(cases); i++) {
		struct link_claims c = { .purpose = (enum link_purpose)cases[i].purpose,
					 .thread_id = cases[i].thread,
					 .kind = (enum link_principal)cases[i].kind,
					 .principal_id = cases[i].principal,
					 .expires = cases[i].expires };
		char tok[LINK_TOKEN_MAX] = "x", atok[LINK_ADDR_TOKEN_MAX + 1] = "x";
		int rl = link_sign(keys, &c, tok), ra = link_addr_sign(keys, &c, atok);

		if (rl != (cases[i].link_ok ? 0 : -1) || ra != (cases[i].addr_ok ? 0 : -1))
			fail_msg("case %zu: link sign %d, address sign %d", i, rl, ra);
		if (rl != 0 && tok[0] != '\0')
			fail_msg("case %zu: refused link token not emptied", i);
		if (ra != 0 && atok[0] != '\0')
			fail_msg("case %zu: refused address token not emptied", i);
	}
	link_keys_free(&keys);
}

/* Every single-character change must be refused, never accepted. */
static void test_links_tampered_refused_at_every_position(void **state)
{
	struct link_keys *keys = keys_from("1 " HEX_A "\n");

	for (size_t f = 0; f < GW_ARRAY_SIZE(forms); f++) {
		struct link_claims c = claims(LINK_REPLY, LINK_CONTACT);
		char tok[LINK_TOKEN_MAX], bad[LINK_TOKEN_MAX];
		size_t len, nalpha = strlen(forms[f].alphabet);

		assert_int_equal(forms[f].sign(keys, &c, tok), 0);
		len = strlen(tok);
		for (size_t i = 0; i < len; i++) {
			/* Try every other symbol at position i. */
			for (size_t a = 0; a < nalpha; a++) {
				enum link_verdict v;
				struct link_claims got;

				if (forms[f].alphabet[a] == tok[i])
					continue;
				memcpy(bad, tok, len + 1);
				bad[i] = forms[f].alphabet[a];
				v = forms[f].verify(keys, bad, LINK_REPLY, NOW, NULL, NULL,
						    &got);
				if (v != LINK_FORGED && v != LINK_MALFORMED)
					fail_msg("%s: position %zu changed to '%c': %s",
						 forms[f].name, i, bad[i], link_verdict_name(v));
				if (got.principal_id != 0)
					fail_msg("%s: position %zu: claims filled for a bad token",
						 forms[f].name, i);
			}
		}
	}
	link_keys_free(&keys);
}

static void test_links_truncated_and_extended_refused(void **state)
{
	struct link_keys *keys = keys_from("1 " HEX_A "\n");

	for (size_t f = 0; f < GW_ARRAY_SIZE(forms); f++) {
		struct link_claims c = claims(LINK_VIEW, LINK_STAFF);
		char tok[LINK_TOKEN_MAX], bad[LINK_TOKEN_MAX + 8];
		size_t len;

		assert_int_equal(forms[f].sign(keys, &c, tok), 0);
		len = strlen(tok);
		for (size_t n = 0; n < len; n++) {
			memcpy(bad, tok, n);
			bad[n] = '\0';
			if (forms[f].verify(keys, bad, LINK_VIEW, NOW, NULL, NULL, NULL) !=
			    LINK_MALFORMED)
				fail_msg("%s: truncated to %zu accepted", forms[f].name, n);
		}
		for (size_t a = 0; a < 4; a++) {
			snprintf(bad, sizeof(bad), "%s%.*s", tok, (int)a + 1, "aaaa");
			if (forms[f].verify(keys, bad, LINK_VIEW, NOW, NULL, NULL, NULL) !=
			    LINK_MALFORMED)
				fail_msg("%s: extended by %zu accepted", forms[f].name, a + 1);
		}
	}
	link_keys_free(&keys);
}

static void test_links_wrong_and_unknown_key_forged(void **state)
{
	struct link_keys *a = keys_from("1 " HEX_A "\n");
	struct link_keys *b_same_id = keys_from("1 " HEX_B "\n");
	struct link_keys *b_other_id = keys_from("2 " HEX_A "\n");

	for (size_t f = 0; f < GW_ARRAY_SIZE(forms); f++) {
		struct link_claims c = claims(LINK_VIEW, LINK_CONTACT), got;
		char tok[LINK_TOKEN_MAX];

		assert_int_equal(forms[f].sign(a, &c, tok), 0);
		assert_int_equal(forms[f].verify(b_same_id, tok, LINK_VIEW, NOW, NULL, NULL,
						 &got),
				 LINK_FORGED);
		assert_int_equal(got.principal_id, 0); /* not filled when forged */
		assert_int_equal(forms[f].verify(b_other_id, tok, LINK_VIEW, NOW, NULL, NULL,
						 &got),
				 LINK_FORGED);
		assert_int_equal(forms[f].verify(a, tok, LINK_VIEW, NOW, NULL, NULL, &got),
				 LINK_OK);
	}
	link_keys_free(&a);
	link_keys_free(&b_same_id);
	link_keys_free(&b_other_id);
}

static void test_links_expiry_boundary(void **state)
{
	struct link_keys *keys = keys_from("1 " HEX_A "\n");

	for (size_t f = 0; f < GW_ARRAY_SIZE(forms); f++) {
		struct link_claims c = claims(LINK_VIEW, LINK_CONTACT), got;
		char tok[LINK_TOKEN_MAX];
		int64_t exp;

		c.expires = 1796083200; /* a UTC midnight: both forms keep it exactly */
		assert_int_equal(forms[f].sign(keys, &c, tok), 0);
		exp = c.expires;
		assert_int_equal(forms[f].verify(keys, tok, LINK_VIEW, exp - 1, NULL, NULL,
						 &got),
				 LINK_OK);
		assert_int_equal(forms[f].verify(keys, tok, LINK_VIEW, exp, NULL, NULL, &got),
				 LINK_EXPIRED);
		/* Claims are filled for a genuine expired token. */
		assert_int_equal(got.thread_id, c.thread_id);
		assert_int_equal(got.expires, exp);
		assert_int_equal(forms[f].verify(keys, tok, LINK_VIEW, exp + 86400 * 400,
						 NULL, NULL, NULL),
				 LINK_EXPIRED);
	}

	/* Address form: an expiry inside a day lasts to the end of that day. */
	struct link_claims c = claims(LINK_REPLY, LINK_CONTACT);
	char atok[LINK_ADDR_TOKEN_MAX + 1];

	c.expires = 1796083200 - 3600;
	assert_int_equal(link_addr_sign(keys, &c, atok), 0);
	assert_int_equal(link_addr_verify(keys, atok, LINK_REPLY, 1796083199, NULL, NULL, NULL),
			 LINK_OK);
	assert_int_equal(link_addr_verify(keys, atok, LINK_REPLY, 1796083200, NULL, NULL, NULL),
			 LINK_EXPIRED);
	link_keys_free(&keys);
}

static void test_links_revoked_by_generation(void **state)
{
	struct link_keys *keys = keys_from("1 " HEX_A "\n");

	for (size_t f = 0; f < GW_ARRAY_SIZE(forms); f++) {
		struct link_claims c = claims(LINK_VIEW, LINK_STAFF), got;
		struct gen_ctx g = { .gen = 3, .exists = 1 };
		char tok[LINK_TOKEN_MAX];

		assert_int_equal(forms[f].sign(keys, &c, tok), 0);
		assert_int_equal(forms[f].verify(keys, tok, LINK_VIEW, NOW, gen_cb, &g, &got),
				 LINK_OK);
		g.gen = 4; /* bumped */
		assert_int_equal(forms[f].verify(keys, tok, LINK_VIEW, NOW, gen_cb, &g, &got),
				 LINK_REVOKED);
		assert_int_equal(got.principal_id, 77);
		g.gen = 2;
		assert_int_equal(forms[f].verify(keys, tok, LINK_VIEW, NOW, gen_cb, &g, NULL),
				 LINK_REVOKED);
		g.gen = 3;
		g.exists = 0; /* principal deleted */
		assert_int_equal(forms[f].verify(keys, tok, LINK_VIEW, NOW, gen_cb, &g, NULL),
				 LINK_REVOKED);
		/* Without a callback the generation is not checked. */
		assert_int_equal(forms[f].verify(keys, tok, LINK_VIEW, NOW, NULL, NULL, NULL),
				 LINK_OK);
		/* Expiry is checked before the generation: no store lookup. */
		g.calls = 0;
		assert_int_equal(forms[f].verify(keys, tok, LINK_VIEW, c.expires + 86400, gen_cb,
						 &g, NULL),
				 LINK_EXPIRED);
		assert_int_equal(g.calls, 0);
	}
	link_keys_free(&keys);
}

static void test_links_wrong_purpose(void **state)
{
	struct link_keys *keys = keys_from("1 " HEX_A "\n");

	for (size_t f = 0; f < GW_ARRAY_SIZE(forms); f++) {
		struct link_claims c = claims(LINK_UNSUBSCRIBE, LINK_CONTACT), got;
		char tok[LINK_TOKEN_MAX];

		assert_int_equal(forms[f].sign(keys, &c, tok), 0);
		assert_int_equal(forms[f].verify(keys, tok, LINK_VIEW, NOW, NULL, NULL, &got),
				 LINK_WRONG_PURPOSE);
		assert_int_equal(got.purpose, LINK_UNSUBSCRIBE);
		/* Purpose is checked before expiry. */
		assert_int_equal(forms[f].verify(keys, tok, LINK_FRESH, c.expires, NULL, NULL,
						 NULL),
				 LINK_WRONG_PURPOSE);
	}
	link_keys_free(&keys);
}

static void test_links_malformed_table(void **state)
{
	struct link_keys *keys = keys_from("1 " HEX_A "\n");
	struct link_claims c = claims(LINK_VIEW, LINK_CONTACT);
	char tok[LINK_TOKEN_MAX], atok[LINK_ADDR_TOKEN_MAX + 1], padded[LINK_TOKEN_MAX + 4];
	const char *cases[] = {
		"", "x", "garbage!", "%%%%", "not base64 at all, with spaces",
		"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", NULL, NULL, NULL,
	};

	assert_int_equal(link_sign(keys, &c, tok), 0);
	assert_int_equal(link_addr_sign(keys, &c, atok), 0);
	snprintf(padded, sizeof(padded), "%s==", tok);
	cases[7] = padded;
	cases[8] = atok; /* an address token is not a link token, and vice versa */
	cases[9] = tok;
	for (size_t i = 0; i < GW_ARRAY_SIZE(cases); i++) {
		if (i != 9 && link_verify(keys, cases[i], LINK_VIEW, NOW, NULL, NULL, NULL) !=
				      LINK_MALFORMED)
			fail_msg("case %zu: link \"%s\" not malformed", i, cases[i]);
		if (i != 8 && link_addr_verify(keys, cases[i], LINK_VIEW, NOW, NULL, NULL,
					       NULL) != LINK_MALFORMED)
			fail_msg("case %zu: address \"%s\" not malformed", i, cases[i]);
	}
	assert_int_equal(link_verify(keys, NULL, LINK_VIEW, NOW, NULL, NULL, NULL),
			 LINK_MALFORMED);
	assert_int_equal(link_addr_verify(keys, NULL, LINK_VIEW, NOW, NULL, NULL, NULL),
			 LINK_MALFORMED);
	link_keys_free(&keys);
}

static void test_links_rotation_old_key_verifies_new_key_signs(void **state)
{
	struct link_keys *old = keys_from("1 " HEX_A "\n");
	struct link_keys *rotated = keys_from("2 " HEX_B "\n1 " HEX_A "\n");

	for (size_t f = 0; f < GW_ARRAY_SIZE(forms); f++) {
		struct link_claims c = claims(LINK_VIEW, LINK_CONTACT), got;
		char t_old[LINK_TOKEN_MAX], t_new[LINK_TOKEN_MAX];

		assert_int_equal(forms[f].sign(old, &c, t_old), 0);
		assert_int_equal(forms[f].sign(rotated, &c, t_new), 0);
		assert_string_not_equal(t_old, t_new);
		assert_int_equal(forms[f].verify(rotated, t_old, LINK_VIEW, NOW, NULL, NULL,
						 &got),
				 LINK_OK);
		assert_int_equal(got.key_id, 1);
		assert_int_equal(forms[f].verify(rotated, t_new, LINK_VIEW, NOW, NULL, NULL,
						 &got),
				 LINK_OK);
		assert_int_equal(got.key_id, 2);
		/* Before the rotation reached it, a process cannot verify new tokens. */
		assert_int_equal(forms[f].verify(old, t_new, LINK_VIEW, NOW, NULL, NULL, NULL),
				 LINK_FORGED);
	}
	link_keys_free(&old);
	link_keys_free(&rotated);
}

/* Leave junk where the next call's locals will be, so that one read
 * before it is set shows up (no sanitizer catches that otherwise). */
static void __attribute__((noinline)) dirty_stack(void)
{
	volatile unsigned char junk[16384];

	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = 0xa5;
}

static void test_links_key_text_errors_table(void **state)
{
	static const struct {
		const char *text, *error;
	} cases[] = {
		{ "", "keys: no keys" },
		{ "# only a comment\n\n", "keys: no keys" },
		{ "0 " HEX_A "\n", "keys:1: key id \"0\" is not in 1..255" },
		{ "256 " HEX_A "\n", "keys:1: key id \"256\" is not in 1..255" },
		{ "99999999999 " HEX_A "\n", "keys:1: key id \"99999999999\" is not in 1..255" },
		{ "x " HEX_A "\n", "keys:1: \"x " HEX_A "\" is not \"ID HEX\"" },
		{ "1\n", "keys:1: \"1\" is not \"ID HEX\"" },
		{ "1:" HEX_A "\n", "keys:1: \"1:" HEX_A "\" is not \"ID HEX\"" },
		{ "# c\n1 abcd\n", "keys:2: key 1: key must be 64 hex digits, not 4" },
		{ "1 " HEX_A "00\n", "keys:1: key 1: key must be 64 hex digits, not 66" },
		{ "1 " HEX_A " extra\n", "keys:1: key 1: unexpected text after the key" },
		{ "1 zz0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n",
		  "keys:1: key 1: key is not hexadecimal" },
		{ "1 " HEX_A "\n\n1 " HEX_B "\n", "keys:3: duplicate key id 1 (first on line 1)" },
		/* A good key, then a bad line: the good one is freed with its
		 * MAC context (found by the links fuzzer: it was stack garbage). */
		{ "1 " HEX_A "\n2 abcd\n", "keys:2: key 2: key must be 64 hex digits, not 4" },
	};

	for (size_t i = 0; i < GW_ARRAY_SIZE(cases); i++) {
		struct link_keys *keys = (struct link_keys *)&keys;
		char *err = NULL;

		dirty_stack();
		if (link_keys_parse(cases[i].text, &keys, &err) != -1)
			fail_msg("case %zu: accepted", i);
		if (keys != NULL)
			fail_msg("case %zu: *keys_r not NULL", i);
		if (err == NULL || strcmp(err, cases[i].error) != 0)
			fail_msg("case %zu: error \"%s\", want \"%s\"", i, err ? err : "(null)",
				 cases[i].error);
		free(err);
	}
}

static void test_links_key_text_limits(void **state)
{
	struct buf b = BUF_INIT;
	struct link_keys *keys = NULL;
	char *err = NULL;

	/* Whitespace, CRLF and comments around 16 keys: accepted. */
	buf_puts(&b, "# keys\r\n");
	for (int i = 1; i <= 16; i++)
		buf_printf(&b, "  %d\t" HEX_A "  \r\n", i);
	assert_int_equal(link_keys_parse(buf_cstr(&b), &keys, &err), 0);
	link_keys_free(&keys);
	buf_printf(&b, "17 " HEX_A "\n");
	assert_int_equal(link_keys_parse(buf_cstr(&b), &keys, &err), -1);
	assert_string_equal(err, "keys:18: more than 16 keys");
	free(err);
	buf_release(&b);
}

static char *make_tmpdir(void)
{
	char tmpl[] = "/tmp/gw-test-links-XXXXXX";

	assert_non_null(mkdtemp(tmpl));
	return xstrdup(tmpl);
}

static void test_links_key_file_permissions_refused(void **state)
{
	static const mode_t modes[] = { 0640, 0604, 0660, 0620, 0602, 0644, 0610 };
	char *dir = make_tmpdir(), *path = xasprintf("%s/keys", dir);
	struct link_keys *keys = NULL;
	char *err = NULL;
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs("1 " HEX_A "\n", f);
	fclose(f);
	for (size_t i = 0; i < GW_ARRAY_SIZE(modes); i++) {
		char *want;

		assert_int_equal(chmod(path, modes[i]), 0);
		if (link_keys_load(path, &keys, &err) != -1)
			fail_msg("case %zu: mode %04o accepted", i, (unsigned)modes[i]);
		want = xasprintf("%s: key file mode is %04o, readable or writable by group or "
				 "others; chmod 600 it",
				 path, (unsigned)modes[i]);
		if (strcmp(err, want) != 0)
			fail_msg("case %zu: \"%s\"", i, err);
		assert_null(keys);
		free(want);
		free(err);
	}
	assert_int_equal(chmod(path, 0600), 0);
	assert_int_equal(link_keys_load(path, &keys, &err), 0);
	link_keys_free(&keys);
	assert_int_equal(chmod(path, 0400), 0);
	assert_int_equal(link_keys_load(path, &keys, &err), 0);
	link_keys_free(&keys);

	/* Errors in a file carry its name and the line. */
	assert_int_equal(chmod(path, 0600), 0);
	f = fopen(path, "w");
	fputs("# c\n1 nothex\n", f);
	fclose(f);
	assert_int_equal(link_keys_load(path, &keys, &err), -1);
	char *want = xasprintf("%s:2: key 1: key must be 64 hex digits, not 6", path);
	assert_string_equal(err, want);
	free(want);
	free(err);

	unlink(path);
	assert_int_equal(link_keys_load(path, &keys, &err), -1);
	want = xasprintf("%s: cannot open key file: No such file or directory", path);
	assert_string_equal(err, want);
	free(want);
	free(err);
	rmdir(dir);
	free(path);
	free(dir);
}

static void test_links_key_file_create_and_rotate(void **state)
{
	char *dir = make_tmpdir(), *path = xasprintf("%s/keys", dir);
	struct link_keys *k1 = NULL, *k2 = NULL, *k3 = NULL;
	struct link_claims c = claims(LINK_VIEW, LINK_CONTACT), got;
	char t1[LINK_TOKEN_MAX], t2[LINK_TOKEN_MAX], *err = NULL;
	struct stat st;

	assert_int_equal(link_keys_create(path, &err), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	/* Never overwrites. */
	assert_int_equal(link_keys_create(path, &err), -1);
	assert_non_null(strstr(err, "cannot create key file: File exists"));
	free(err);

	assert_int_equal(link_keys_load(path, &k1, &err), 0);
	assert_int_equal(link_sign(k1, &c, t1), 0);

	assert_int_equal(link_keys_rotate(path, &err), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(link_keys_load(path, &k2, &err), 0);
	assert_int_equal(link_verify(k2, t1, LINK_VIEW, NOW, NULL, NULL, &got), LINK_OK);
	assert_int_equal(got.key_id, 1);
	assert_int_equal(link_sign(k2, &c, t2), 0);
	assert_int_equal(link_verify(k2, t2, LINK_VIEW, NOW, NULL, NULL, &got), LINK_OK);
	assert_int_equal(got.key_id, 2);
	assert_int_equal(link_verify(k1, t2, LINK_VIEW, NOW, NULL, NULL, NULL), LINK_FORGED);

	/* Comments survive; the new key is the first key line; no temp file left. */
	assert_int_equal(link_keys_rotate(path, &err), 0);
	assert_int_equal(link_keys_load(path, &k3, &err), 0);
	assert_int_equal(link_verify(k3, t1, LINK_VIEW, NOW, NULL, NULL, NULL), LINK_OK);
	assert_int_equal(link_verify(k3, t2, LINK_VIEW, NOW, NULL, NULL, NULL), LINK_OK);
	FILE *f = fopen(path, "r");
	char line[256];
	int key_lines = 0, first_id = 0;

	assert_non_null(f);
	assert_non_null(fgets(line, sizeof(line), f));
	assert_int_equal(line[0], '#');
	while (fgets(line, sizeof(line), f) != NULL) {
		if (line[0] == '#' || line[0] == '\n')
			continue;
		if (key_lines++ == 0)
			first_id = atoi(line);
	}
	fclose(f);
	assert_int_equal(key_lines, 3);
	assert_int_equal(first_id, 3);
	char *cmd = xasprintf("test $(ls -A %s | wc -l) -eq 1", dir);
	assert_int_equal(system(cmd), 0);
	free(cmd);

	/* Rotation refuses a key file others can read, and a full one. */
	assert_int_equal(chmod(path, 0644), 0);
	assert_int_equal(link_keys_rotate(path, &err), -1);
	assert_non_null(strstr(err, "readable or writable by group or others"));
	free(err);
	assert_int_equal(chmod(path, 0600), 0);
	for (int i = 3; i < 16; i++)
		assert_int_equal(link_keys_rotate(path, &err), 0);
	assert_int_equal(link_keys_rotate(path, &err), -1);
	char *want = xasprintf("%s: already holds 16 keys, the most a key file may hold; "
			       "remove the oldest before rotating",
			       path);
	assert_string_equal(err, want);
	free(want);
	free(err);

	link_keys_free(&k1);
	link_keys_free(&k2);
	link_keys_free(&k3);
	unlink(path);
	rmdir(dir);
	free(path);
	free(dir);
}

static void test_links_address_tokens_lowercase_and_case_insensitive(void **state)
{
	struct link_keys *keys = keys_from("1 " HEX_A "\n");

	for (int64_t id = 1; id < 4000000000; id = id * 7 + 3) {
		struct link_claims c = claims(LINK_REPLY, LINK_CONTACT), got;
		char tok[LINK_ADDR_TOKEN_MAX + 1], upper[LINK_ADDR_TOKEN_MAX + 1];
		size_t len;

		c.thread_id = id;
		c.principal_id = id;
		c.generation = (uint32_t)id;
		assert_int_equal(link_addr_sign(keys, &c, tok), 0);
		len = strlen(tok);
		assert_true(len <= LINK_ADDR_TOKEN_MAX);
		for (size_t i = 0; i < len; i++)
			if (strchr(b32_alphabet, tok[i]) == NULL)
				fail_msg("id %lld: '%c' in \"%s\"", (long long)id, tok[i], tok);
		for (size_t i = 0; i <= len; i++)
			upper[i] = (char)(tok[i] >= 'a' && tok[i] <= 'z' ? tok[i] - 32 : tok[i]);
		assert_int_equal(link_addr_verify(keys, upper, LINK_REPLY, NOW, NULL, NULL,
						  &got),
				 LINK_OK);
		assert_int_equal(got.thread_id, id);
	}
	link_keys_free(&keys);
}

static void test_links_address_round_trip(void **state)
{
	struct link_keys *keys = keys_from("1 " HEX_A "\n");
	struct link_claims c = claims(LINK_REPLY, LINK_CONTACT);
	char tok[LINK_ADDR_TOKEN_MAX + 1], *addr, *at;
	struct buf b = BUF_INIT;

	addr = link_address(keys, &c, "Reply.Firm.Example");
	assert_non_null(addr);
	assert_true(strncmp(addr, "reply+", 6) == 0);
	at = strchr(addr, '@');
	assert_non_null(at);
	assert_true(at - addr <= 64);
	assert_string_equal(at, "@Reply.Firm.Example");
	assert_int_equal(link_address_token(addr, "reply.firm.example", tok), LINK_REPLY);
	assert_int_equal(link_addr_verify(keys, tok, LINK_REPLY, NOW, NULL, NULL, NULL),
			 LINK_OK);

	/* Upper-cased by an MTA, in angle brackets: same token. */
	for (char *p = addr; *p != '\0'; p++)
		if (*p >= 'a' && *p <= 'z')
			*p = (char)(*p - 32);
	buf_printf(&b, "<%s>", addr);
	char tok2[LINK_ADDR_TOKEN_MAX + 1];
	assert_int_equal(link_address_token(buf_cstr(&b), "reply.firm.example", tok2),
			 LINK_REPLY);
	assert_string_equal(tok2, tok);
	assert_int_equal(link_address_token(buf_cstr(&b), NULL, tok2), LINK_REPLY);
	buf_release(&b);
	free(addr);

	c.purpose = LINK_BOUNCE;
	addr = link_address(keys, &c, "reply.firm.example");
	assert_non_null(addr);
	assert_true(strncmp(addr, "bounce+", 7) == 0);
	assert_true(strchr(addr, '@') - addr <= 64);
	assert_int_equal(link_address_token(addr, "reply.firm.example", tok), LINK_BOUNCE);
	assert_int_equal(link_addr_verify(keys, tok, LINK_BOUNCE, NOW, NULL, NULL, NULL),
			 LINK_OK);
	assert_int_equal(link_addr_verify(keys, tok, LINK_REPLY, NOW, NULL, NULL, NULL),
			 LINK_WRONG_PURPOSE);
	/* Wrong domain. */
	assert_int_equal(link_address_token(addr, "firm.example", tok), 0);
	assert_string_equal(tok, "");
	assert_int_equal(link_address_token(addr, "reply.firm.example.evil", tok), 0);
	free(addr);

	/* Only reply and bounce have addresses. */
	c.purpose = LINK_VIEW;
	assert_null(link_address(keys, &c, "reply.firm.example"));
	c.purpose = LINK_REPLY;
	assert_null(link_address(keys, &c, ""));
	assert_null(link_address(keys, &c, "a@b"));
	c.thread_id = INT64_C(5000000000);
	assert_null(link_address(keys, &c, "reply.firm.example"));
	link_keys_free(&keys);
}

/* 29 characters */
#define A29 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

static void test_links_address_token_table(void **state)
{
	static const struct {
		const char *addr, *domain;
		int purpose;
		const char *token;
	} cases[] = {
		{ "reply+abc234@r.example", "r.example", LINK_REPLY, "abc234" },
		{ "REPLY+ABC234@R.EXAMPLE", "r.example", LINK_REPLY, "abc234" },
		{ "Bounce+Xyz@r.example", "R.Example", LINK_BOUNCE, "xyz" },
		{ "<reply+abc@r.example>", "r.example", LINK_REPLY, "abc" },
		{ " <reply+abc@r.example> ", "r.example", LINK_REPLY, "abc" },
		{ "reply+abc@other.example", NULL, LINK_REPLY, "abc" },
		{ "reply+abc@other.example", "r.example", 0, "" },
		{ "reply+abc@r.example.other", "r.example", 0, "" },
		{ "reply+abc@sub.r.example", "r.example", 0, "" },
		{ "Someone <reply+abc@r.example>", "r.example", 0, "" },
		{ "<reply+abc@r.example", "r.example", 0, "" },
		{ "reply+abc@r.example>", "r.example", 0, "" },
		{ "reply+@r.example", "r.example", 0, "" },
		{ "reply@r.example", "r.example", 0, "" },
		{ "replyabc@r.example", "r.example", 0, "" },
		{ "reply+abc", "r.example", 0, "" },
		{ "reply+abc@", NULL, 0, "" },
		{ "reply+ab1@r.example", "r.example", 0, "" },   /* 1 is not base32 */
		{ "reply+ab-c@r.example", "r.example", 0, "" },
		{ "reply+abc@r@r.example", NULL, 0, "" },
		{ "chat+abc@r.example", "r.example", 0, "" },
		{ "xreply+abc@r.example", "r.example", 0, "" },
		{ "", NULL, 0, "" },
		{ "reply+" A29 A29 "a@r.example", "r.example", 0, "" }, /* 59 characters */
		{ "reply+" A29 A29 "@r.example", "r.example", LINK_REPLY, A29 A29 },
	};

	for (size_t i = 0; i < GW_ARRAY_SIZE(cases); i++) {
		char tok[LINK_ADDR_TOKEN_MAX + 1] = "junk";
		int p = link_address_token(cases[i].addr, cases[i].domain, tok);

		if (p != cases[i].purpose || strcmp(tok, cases[i].token) != 0)
			fail_msg("case %zu: \"%s\" gave %d \"%s\", want %d \"%s\"", i,
				 cases[i].addr, p, tok, cases[i].purpose, cases[i].token);
	}
	char tok[LINK_ADDR_TOKEN_MAX + 1];
	assert_int_equal(link_address_token(NULL, NULL, tok), 0);
}

static void test_links_verdict_names(void **state)
{
	assert_string_equal(link_verdict_name(LINK_OK), "ok");
	assert_string_equal(link_verdict_name(LINK_MALFORMED), "malformed");
	assert_string_equal(link_verdict_name(LINK_FORGED), "forged");
	assert_string_equal(link_verdict_name(LINK_EXPIRED), "expired");
	assert_string_equal(link_verdict_name(LINK_WRONG_PURPOSE), "wrong purpose");
	assert_string_equal(link_verdict_name(LINK_REVOKED), "revoked");
}

/* link_url: one slash between base, path and token, whatever the base ends in. */
static void test_links_url_table(void **state)
{
	static const struct {
		const char *base, *path, *token, *out;
	} cases[] = {
		{ "https://chat.example", "v", "TOK", "https://chat.example/v/TOK" },
		{ "https://chat.example/", "v", "TOK", "https://chat.example/v/TOK" },
		{ "https://chat.example///", "u", "T2", "https://chat.example/u/T2" },
		{ "http://h:8080/chat", "v", "T", "http://h:8080/chat/v/T" },
		{ "", "v", "T", "/v/T" },
		{ "/", "u", "T", "/u/T" },
		{ NULL, "v", "T", "/v/T" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *u = link_url(cases[i].base, cases[i].path, cases[i].token);

		if (strcmp(u, cases[i].out) != 0)
			fail_msg("case %zu: \"%s\", want \"%s\"", i, u, cases[i].out);
		free(u);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_links_round_trip_every_purpose_and_principal),
		cmocka_unit_test(test_links_token_shapes),
		cmocka_unit_test(test_links_sign_refuses_claims_that_do_not_fit),
		cmocka_unit_test(test_links_tampered_refused_at_every_position),
		cmocka_unit_test(test_links_truncated_and_extended_refused),
		cmocka_unit_test(test_links_wrong_and_unknown_key_forged),
		cmocka_unit_test(test_links_expiry_boundary),
		cmocka_unit_test(test_links_revoked_by_generation),
		cmocka_unit_test(test_links_wrong_purpose),
		cmocka_unit_test(test_links_malformed_table),
		cmocka_unit_test(test_links_rotation_old_key_verifies_new_key_signs),
		cmocka_unit_test(test_links_key_text_errors_table),
		cmocka_unit_test(test_links_key_text_limits),
		cmocka_unit_test(test_links_key_file_permissions_refused),
		cmocka_unit_test(test_links_key_file_create_and_rotate),
		cmocka_unit_test(test_links_address_tokens_lowercase_and_case_insensitive),
		cmocka_unit_test(test_links_address_round_trip),
		cmocka_unit_test(test_links_address_token_table),
		cmocka_unit_test(test_links_verdict_names),
		cmocka_unit_test(test_links_url_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
