/*
 * link_keys_int.h - the key set behind struct link_keys (internal to
 * common/: links.c signs with it, link_keys.c reads and writes key files).
 */
#ifndef GW_LINK_KEYS_INT_H
#define GW_LINK_KEYS_INT_H

#include <stdint.h>

#include <openssl/evp.h>

#define LINK_KEY_BYTES 32
#define LINK_KEYS_MAX 16

struct link_key {
	uint8_t id;
	uint8_t secret[LINK_KEY_BYTES];
	/* HMAC-SHA256 keyed with secret, never updated: each MAC starts from
	 * a copy.  HMAC() would fetch the algorithm on every call (a lock,
	 * and error-queue state on every thread that signs). */
	EVP_MAC_CTX *mac;
};

struct link_keys {
	int count;                     /* >= 1; keys[0] signs */
	struct link_key keys[LINK_KEYS_MAX];
};

const struct link_key *link_keys_find(const struct link_keys *keys, uint8_t id);

#endif
