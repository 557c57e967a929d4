/*
 * links.c - signing and verifying View-chat tokens and reply/bounce
 * address tokens (see links.h).
 *
 * Both forms are a fixed-length binary record followed by a MAC: the first
 * 16 bytes of HMAC-SHA256 over every byte before it, the version byte
 * included, so a record of one form can never be read as the other.
 *
 * Link token, version 1 (48 bytes, 64 base64url characters):
 *   0 version=1 | 1 key id | 2 purpose | 3 principal kind |
 *   4 thread id (int64 BE) | 12 principal id (int64 BE) |
 *   20 generation (uint32 BE) | 24 expires (int64 BE) | 32 MAC[16]
 *
 * Address token, version 2 (33 bytes, 53 base32 characters):
 *   0 version=2 | 1 key id | 2 purpose << 4 | kind (4 bits each) |
 *   3 thread id (uint32 BE) | 7 principal id (uint32 BE) |
 *   11 generation (uint32 BE) | 15 expiry day (uint16 BE, days since
 *   1970-01-01; the token expires at the start of that day) | 17 MAC[16]
 * Claims that do not fit (ids above UINT32_MAX, expiry after 2149) are
 * refused; the expiry is rounded up to the next UTC midnight.
 *
 * Decoding is canonical: exact length, only alphabet characters, unused
 * trailing bits zero.  Any change to a token therefore changes the bytes
 * under the MAC.
 */
#include "links.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "clock.h"
#include "link_keys_int.h"

#define MAC_BYTES 16

#define LINK_V1 1
#define LINK_V1_BYTES 48
#define ADDR_V2 2
#define ADDR_V2_BYTES 33

#define B64_LEN(n) (((n) * 8 + 5) / 6)
#define B32_LEN(n) (((n) * 8 + 4) / 5)

_Static_assert(B64_LEN(LINK_V1_BYTES) < LINK_TOKEN_MAX, "link token too long");
_Static_assert(B32_LEN(ADDR_V2_BYTES) <= LINK_ADDR_TOKEN_MAX, "address token too long");

const char *link_verdict_name(enum link_verdict v)
{
	switch (v) {
	case LINK_OK: return "ok";
	case LINK_MALFORMED: return "malformed";
	case LINK_FORGED: return "forged";
	case LINK_EXPIRED: return "expired";
	case LINK_WRONG_PURPOSE: return "wrong purpose";
	case LINK_REVOKED: return "revoked";
	}
	return "unknown";
}

/* ---- byte order ------------------------------------------------------- */

static void put_be(uint8_t *p, uint64_t v, int n)
{
	for (int i = n - 1; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

static uint64_t get_be(const uint8_t *p, int n)
{
	uint64_t v = 0;

	for (int i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

/* ---- encodings -------------------------------------------------------- */

static const char b64url[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
static const char b32[] = "abcdefghijklmnopqrstuvwxyz234567";

/* Encode n bytes with an alphabet of 2^bits symbols (bits = 5 or 6). */
static void encode(const uint8_t *in, size_t n, const char *alphabet, int bits,
		   char *out)
{
	uint32_t acc = 0;
	int have = 0;
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		acc = acc << 8 | in[i];
		have += 8;
		while (have >= bits) {
			have -= bits;
			out[o++] = alphabet[(acc >> have) & ((1u << bits) - 1)];
		}
	}
	if (have > 0)
		out[o++] = alphabet[(acc << (bits - have)) & ((1u << bits) - 1)];
	out[o] = '\0';
}

static int symbol(const char *alphabet, int bits, char c)
{
	if (bits == 5 && c >= 'A' && c <= 'Z')
		c = (char)(c - 'A' + 'a'); /* address tokens are case-insensitive */
	if (c == '\0')
		return -1;
	const char *p = strchr(alphabet, c);

	return p != NULL ? (int)(p - alphabet) : -1;
}

/* Canonical decode of exactly n bytes; the input length must match. */
static int decode(const char *in, const char *alphabet, int bits, uint8_t *out,
		  size_t n)
{
	size_t len = strlen(in), o = 0;
	uint32_t acc = 0;
	int have = 0;

	if (len != (n * 8 + (size_t)bits - 1) / (size_t)bits)
		return -1;
	for (size_t i = 0; i < len; i++) {
		int v = symbol(alphabet, bits, in[i]);

		if (v < 0)
			return -1;
		acc = (acc << bits | (uint32_t)v) & 0xffff;
		have += bits;
		if (have >= 8) {
			have -= 8;
			out[o++] = (uint8_t)(acc >> have);
		}
	}
	/* Leftover bits must be zero, or two strings would decode alike. */
	if (o != n || (acc & ((1u << have) - 1)) != 0)
		return -1;
	return 0;
}

/* ---- MAC -------------------------------------------------------------- */

static int mac(const struct link_key *key, const uint8_t *data, size_t n,
	       uint8_t out[MAC_BYTES])
{
	uint8_t full[EVP_MAX_MD_SIZE];
	EVP_MAC_CTX *c = EVP_MAC_CTX_dup(key->mac);
	size_t len = 0;
	int ok;

	ok = c != NULL && EVP_MAC_update(c, data, n) == 1 &&
	     EVP_MAC_final(c, full, &len, sizeof(full)) == 1 && len >= MAC_BYTES;
	EVP_MAC_CTX_free(c);
	if (ok)
		memcpy(out, full, MAC_BYTES);
	OPENSSL_cleanse(full, sizeof(full));
	return ok ? 0 : -1;
}

static int valid_purpose(int p)
{
	return p >= LINK_VIEW && p <= LINK_PICK;
}

static int valid_kind(int k)
{
	return k == LINK_CONTACT || k == LINK_STAFF;
}

static int claims_ok(const struct link_claims *c)
{
	return valid_purpose((int)c->purpose) && valid_kind((int)c->kind) &&
	       c->thread_id >= 0 && c->principal_id > 0 && c->expires >= 0;
}

/* ---- the two record layouts ------------------------------------------ */

static size_t pack_link(const struct link_claims *c, uint8_t key_id, uint8_t *rec)
{
	rec[0] = LINK_V1;
	rec[1] = key_id;
	rec[2] = (uint8_t)c->purpose;
	rec[3] = (uint8_t)c->kind;
	put_be(rec + 4, (uint64_t)c->thread_id, 8);
	put_be(rec + 12, (uint64_t)c->principal_id, 8);
	put_be(rec + 20, c->generation, 4);
	put_be(rec + 24, (uint64_t)c->expires, 8);
	return LINK_V1_BYTES - MAC_BYTES;
}

static int unpack_link(const uint8_t *rec, struct link_claims *c)
{
	if (rec[0] != LINK_V1)
		return -1;
	c->key_id = rec[1];
	c->purpose = (enum link_purpose)rec[2];
	c->kind = (enum link_principal)rec[3];
	c->thread_id = (int64_t)get_be(rec + 4, 8);
	c->principal_id = (int64_t)get_be(rec + 12, 8);
	c->generation = (uint32_t)get_be(rec + 20, 4);
	c->expires = (int64_t)get_be(rec + 24, 8);
	return claims_ok(c) ? 0 : -1;
}

static int pack_addr(const struct link_claims *c, uint8_t key_id, uint8_t *rec)
{
	int64_t day = c->expires / CLOCK_DAY +
		      (c->expires % CLOCK_DAY != 0);

	if (c->thread_id > UINT32_MAX || c->principal_id > UINT32_MAX ||
	    day > UINT16_MAX)
		return -1;
	rec[0] = ADDR_V2;
	rec[1] = key_id;
	rec[2] = (uint8_t)(c->purpose << 4 | c->kind);
	put_be(rec + 3, (uint64_t)c->thread_id, 4);
	put_be(rec + 7, (uint64_t)c->principal_id, 4);
	put_be(rec + 11, c->generation, 4);
	put_be(rec + 15, (uint64_t)day, 2);
	return ADDR_V2_BYTES - MAC_BYTES;
}

static int unpack_addr(const uint8_t *rec, struct link_claims *c)
{
	if (rec[0] != ADDR_V2)
		return -1;
	c->key_id = rec[1];
	c->purpose = (enum link_purpose)(rec[2] >> 4);
	c->kind = (enum link_principal)(rec[2] & 15);
	c->thread_id = (int64_t)get_be(rec + 3, 4);
	c->principal_id = (int64_t)get_be(rec + 7, 4);
	c->generation = (uint32_t)get_be(rec + 11, 4);
	c->expires = (int64_t)get_be(rec + 15, 2) * CLOCK_DAY;
	return claims_ok(c) ? 0 : -1;
}

/* ---- sign / verify ---------------------------------------------------- */

int link_sign(const struct link_keys *keys, const struct link_claims *claims,
	      char out[LINK_TOKEN_MAX])
{
	uint8_t rec[LINK_V1_BYTES];
	size_t n;

	out[0] = '\0';
	if (keys == NULL || keys->count < 1 || !claims_ok(claims))
		return -1;
	n = pack_link(claims, keys->keys[0].id, rec);
	if (mac(&keys->keys[0], rec, n, rec + n) < 0)
		return -1;
	encode(rec, sizeof(rec), b64url, 6, out);
	return 0;
}

int link_addr_sign(const struct link_keys *keys, const struct link_claims *claims,
		   char out[LINK_ADDR_TOKEN_MAX + 1])
{
	uint8_t rec[ADDR_V2_BYTES];
	int n;

	out[0] = '\0';
	if (keys == NULL || keys->count < 1 || !claims_ok(claims))
		return -1;
	n = pack_addr(claims, keys->keys[0].id, rec);
	if (n < 0 || mac(&keys->keys[0], rec, (size_t)n, rec + n) < 0)
		return -1;
	encode(rec, sizeof(rec), b32, 5, out);
	return 0;
}

/* MAC, purpose, expiry, generation: the part both forms share. */
static enum link_verdict check(const struct link_keys *keys, const uint8_t *rec,
			       size_t n, const struct link_claims *c,
			       enum link_purpose purpose, int64_t now,
			       link_generation_fn *gen_fn, void *gen_ctx)
{
	const struct link_key *key = link_keys_find(keys, c->key_id);
	uint8_t want[MAC_BYTES];
	uint32_t gen;

	if (key == NULL)
		return LINK_FORGED;
	if (mac(key, rec, n - MAC_BYTES, want) < 0 ||
	    CRYPTO_memcmp(want, rec + n - MAC_BYTES, MAC_BYTES) != 0)
		return LINK_FORGED;
	if (c->purpose != purpose)
		return LINK_WRONG_PURPOSE;
	if (now >= c->expires)
		return LINK_EXPIRED;
	if (gen_fn != NULL &&
	    (gen_fn(gen_ctx, c->kind, c->principal_id, &gen) < 0 || gen != c->generation))
		return LINK_REVOKED;
	return LINK_OK;
}

enum link_verdict link_verify(const struct link_keys *keys, const char *token,
			      enum link_purpose purpose, int64_t now,
			      link_generation_fn *gen_fn, void *gen_ctx,
			      struct link_claims *claims_r)
{
	uint8_t rec[LINK_V1_BYTES];
	struct link_claims c;
	enum link_verdict v;

	memset(&c, 0, sizeof(c));
	if (claims_r != NULL)
		memset(claims_r, 0, sizeof(*claims_r));
	if (keys == NULL || token == NULL ||
	    decode(token, b64url, 6, rec, sizeof(rec)) < 0 || unpack_link(rec, &c) < 0)
		return LINK_MALFORMED;
	v = check(keys, rec, sizeof(rec), &c, purpose, now, gen_fn, gen_ctx);
	if (v != LINK_FORGED && claims_r != NULL)
		*claims_r = c;
	return v;
}

enum link_verdict link_addr_verify(const struct link_keys *keys, const char *token,
				   enum link_purpose purpose, int64_t now,
				   link_generation_fn *gen_fn, void *gen_ctx,
				   struct link_claims *claims_r)
{
	uint8_t rec[ADDR_V2_BYTES];
	struct link_claims c;
	enum link_verdict v;

	memset(&c, 0, sizeof(c));
	if (claims_r != NULL)
		memset(claims_r, 0, sizeof(*claims_r));
	if (keys == NULL || token == NULL ||
	    decode(token, b32, 5, rec, sizeof(rec)) < 0 || unpack_addr(rec, &c) < 0)
		return LINK_MALFORMED;
	v = check(keys, rec, sizeof(rec), &c, purpose, now, gen_fn, gen_ctx);
	if (v != LINK_FORGED && claims_r != NULL)
		*claims_r = c;
	return v;
}

/* ---- addresses -------------------------------------------------------- */

static const char *address_prefix(enum link_purpose purpose)
{
	switch (purpose) {
	case LINK_REPLY: return "reply+";
	case LINK_BOUNCE: return "bounce+";
	default: return NULL;
	}
}

char *link_address(const struct link_keys *keys, const struct link_claims *claims,
		   const char *domain)
{
	char token[LINK_ADDR_TOKEN_MAX + 1];
	const char *prefix = address_prefix(claims->purpose);

	if (prefix == NULL || domain == NULL || *domain == '\0' ||
	    strpbrk(domain, "@<> \t\r\n") != NULL)
		return NULL;
	if (link_addr_sign(keys, claims, token) < 0)
		return NULL;
	return xasprintf("%s%s@%s", prefix, token, domain);
}

int link_address_token(const char *address, const char *domain,
		       char out[LINK_ADDR_TOKEN_MAX + 1])
{
	static const struct {
		const char *prefix;
		enum link_purpose purpose;
	} prefixes[] = { { "reply+", LINK_REPLY }, { "bounce+", LINK_BOUNCE } };
	const char *s = address, *end, *at, *tok = NULL;
	enum link_purpose purpose = 0;
	size_t len;

	out[0] = '\0';
	if (address == NULL)
		return 0;
	s += strspn(s, " \t");
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r' ||
			   end[-1] == '\n'))
		end--;
	if (s < end && *s == '<') {
		if (end[-1] != '>')
			return 0;
		s++;
		end--;
	}
	for (size_t i = 0; i < GW_ARRAY_SIZE(prefixes); i++) {
		size_t plen = strlen(prefixes[i].prefix);

		if ((size_t)(end - s) > plen &&
		    strncasecmp(s, prefixes[i].prefix, plen) == 0) {
			tok = s + plen;
			purpose = prefixes[i].purpose;
			break;
		}
	}
	if (tok == NULL)
		return 0;
	at = memchr(tok, '@', (size_t)(end - tok));
	if (at == NULL || at + 1 == end ||
	    memchr(at + 1, '@', (size_t)(end - at - 1)) != NULL)
		return 0;
	len = (size_t)(at - tok);
	if (len == 0 || len > LINK_ADDR_TOKEN_MAX)
		return 0;
	if (domain != NULL && ((size_t)(end - at - 1) != strlen(domain) ||
			       strncasecmp(at + 1, domain, strlen(domain)) != 0))
		return 0;
	for (size_t i = 0; i < len; i++)
		if (symbol(b32, 5, tok[i]) < 0)
			return 0;
	for (size_t i = 0; i < len; i++)
		out[i] = (char)(tok[i] >= 'A' && tok[i] <= 'Z' ? tok[i] - 'A' + 'a' : tok[i]);
	out[len] = '\0';
	return (int)purpose;
}

char *link_url(const char *base_url, const char *path, const char *token)
{
	const char *base = base_url != NULL ? base_url : "";
	size_t n = strlen(base);

	while (n > 0 && base[n - 1] == '/')
		n--;
	return xasprintf("%.*s/%s/%s", (int)n, base, path, token);
}
