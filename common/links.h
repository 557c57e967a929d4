/*
 * links.h - signed View-chat tokens and reply/bounce address tokens.
 *
 * A token is HMAC-SHA256 (truncated to 128 bits) over every claim it
 * carries: version, key id, purpose, thread, principal, generation and
 * expiry.  The MAC is compared with CRYPTO_memcmp.  Claims are not secret,
 * only unforgeable.
 *
 * Two encodings:
 *   - link tokens (View-chat URL, unsubscribe URL): base64url, no padding.
 *   - address tokens (reply+TOKEN@domain, bounce+TOKEN@domain): lowercase
 *     base32 so that the local part survives case-folding MTAs; the whole
 *     local part stays within 64 characters (RFC 5321).
 *
 * Keys live in a key file (mode 0600, owner-only): one key per line,
 * "ID HEX" where ID is 1..255 and HEX is 64 hex digits (32 bytes).  The
 * first line signs; the others only verify (rotation).  Blank lines and
 * lines starting with '#' are ignored.
 *
 * Revocation: every principal has a generation in the store; a token whose
 * generation differs from the current one is revoked.  The store is not
 * reachable from here, so link_verify() takes the current generation from
 * a callback.
 */
#ifndef GW_LINKS_H
#define GW_LINKS_H

#include <stddef.h>
#include <stdint.h>

enum link_purpose {
	LINK_VIEW = 1,        /* View-chat link: exchanged for a session */
	LINK_UNSUBSCRIBE = 2, /* one-click unsubscribe (RFC 8058) */
	LINK_REPLY = 3,       /* Reply-To reply+TOKEN@ */
	LINK_BOUNCE = 4,      /* VERP envelope sender bounce+TOKEN@ */
	LINK_FRESH = 5,       /* "email me a fresh link" from an expired page */
	LINK_SESSION = 6,     /* web view session cookie (web-lite) */
	LINK_CSRF = 7,        /* web view CSRF token, same claims as the session */
	LINK_SIGNIN = 8,      /* one-time sign-in link (/s/TOKEN): principal_id and
			       * generation name a signin_links row and its salt */
	LINK_PICK = 9,        /* after a sign-in link of an address of several
			       * people: which one (same row and salt) */
};

enum link_principal {
	LINK_CONTACT = 1,
	LINK_STAFF = 2,
};

struct link_claims {
	enum link_purpose purpose;
	int64_t thread_id;        /* 0 = none (e.g. the client's home) */
	enum link_principal kind;
	int64_t principal_id;
	uint32_t generation;
	int64_t expires;          /* Unix seconds */
	uint8_t key_id;           /* filled in by verify */
};

enum link_verdict {
	LINK_OK = 0,
	LINK_MALFORMED,     /* not decodable, wrong length, unknown version */
	LINK_FORGED,        /* MAC does not match, or unknown key id */
	LINK_EXPIRED,       /* genuine but past its expiry */
	LINK_WRONG_PURPOSE, /* genuine but minted for something else */
	LINK_REVOKED,       /* genuine but the principal's generation moved on */
};

const char *link_verdict_name(enum link_verdict v);

struct link_keys;

/* Load a key file; refuses a file readable or writable by group/others. */
int link_keys_load(const char *path, struct link_keys **keys_r, char **error_r);
/* From memory (tests): same syntax, no permission check. */
int link_keys_parse(const char *text, struct link_keys **keys_r, char **error_r);
/* Create PATH with one fresh random key (mode 0600); fails if it exists. */
int link_keys_create(const char *path, char **error_r);
/*
 * Rotate: prepend a new signing key to PATH, keeping the old ones for
 * verification.  Writes a temp file and renames it.
 */
int link_keys_rotate(const char *path, char **error_r);
void link_keys_free(struct link_keys **keysp);

/* Upper bound of a link token's length, NUL included. */
#define LINK_TOKEN_MAX 96
/* Address tokens: "reply+" + token must fit in 64. */
#define LINK_ADDR_TOKEN_MAX 58

/*
 * Sign claims (key_id ignored: the signing key is used).  Returns 0, or -1
 * (out = "") for an unknown purpose or kind, thread_id < 0,
 * principal_id <= 0 or expires < 0.
 */
int link_sign(const struct link_keys *keys, const struct link_claims *claims,
	      char out[LINK_TOKEN_MAX]);

/*
 * Current generation of a principal; return -1 if the principal does not
 * exist (then the token is LINK_REVOKED).
 */
typedef int link_generation_fn(void *ctx, enum link_principal kind, int64_t id,
			       uint32_t *generation_r);

/*
 * Verify TOKEN for PURPOSE at time NOW.  Checks in this order: decoding,
 * MAC, purpose, expiry, generation (skipped when gen_fn is NULL).  Claims
 * are filled in whenever the MAC is good, so that the caller can tell an
 * expired link of a real thread from a forged one (zeroed otherwise).
 * A token is expired from NOW >= claims.expires on.
 */
enum link_verdict link_verify(const struct link_keys *keys, const char *token,
			      enum link_purpose purpose, int64_t now,
			      link_generation_fn *gen_fn, void *gen_ctx,
			      struct link_claims *claims_r);

/*
 * Address tokens: same claims, base32 lowercase, at most 58 characters
 * (53 today).  To stay short they carry thread and principal ids up to
 * UINT32_MAX and an expiry in whole UTC days, rounded up to the next
 * midnight; link_addr_sign() refuses claims that do not fit (returns -1).
 * Verification ignores case.
 */
int link_addr_sign(const struct link_keys *keys, const struct link_claims *claims,
		   char out[LINK_ADDR_TOKEN_MAX + 1]);
enum link_verdict link_addr_verify(const struct link_keys *keys, const char *token,
				   enum link_purpose purpose, int64_t now,
				   link_generation_fn *gen_fn, void *gen_ctx,
				   struct link_claims *claims_r);

/*
 * Build "reply+TOKEN@domain" / "bounce+TOKEN@domain" (purpose decides the
 * prefix).  Returns a malloc'd string, NULL on error.
 */
char *link_address(const struct link_keys *keys, const struct link_claims *claims,
		   const char *domain);

/*
 * Find the token in an address such as "Reply+TOKEN@Domain" (any case,
 * optional angle brackets, optional display name not allowed).  Copies the
 * lowercase token to out and returns the purpose its prefix names
 * (LINK_REPLY or LINK_BOUNCE), or 0 if the address carries no token.
 * When domain is non-NULL the address must be in that domain.
 */
int link_address_token(const char *address, const char *domain,
		       char out[LINK_ADDR_TOKEN_MAX + 1]);

/*
 * The URL of a link token: BASE_URL (NULL is "", trailing slashes dropped)
 * + "/" + PATH + "/" + TOKEN, e.g. "https://chat.example/v/TOKEN" for
 * PATH "v" (View chat) or "u" (unsubscribe).  malloc'd.
 */
char *link_url(const char *base_url, const char *path, const char *token);

#endif
