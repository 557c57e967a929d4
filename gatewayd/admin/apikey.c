/*
 * apikey.c - fresh API keys from OpenSSL's random generator and their
 * SHA-256, the only form in which the store keeps them (see apikey.h).
 */
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <string.h>

#include "apikey.h"
#include "buf.h"

static const char B64URL[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int apikey_generate(char key[APIKEY_MAX])
{
	unsigned char raw[32];
	size_t o = strlen(APIKEY_PREFIX);
	unsigned bits = 0, acc = 0;

	memset(key, 0, APIKEY_MAX);
	if (RAND_bytes(raw, sizeof(raw)) != 1)
		return -1;
	memcpy(key, APIKEY_PREFIX, o);
	/* base64url without padding: 256 bits give 43 characters. */
	for (size_t i = 0; i < sizeof(raw); i++) {
		acc = (acc << 8) | raw[i];
		bits += 8;
		while (bits >= 6) {
			bits -= 6;
			key[o++] = B64URL[(acc >> bits) & 0x3f];
		}
		acc &= (1u << bits) - 1;
	}
	if (bits > 0)
		key[o++] = B64URL[(acc << (6 - bits)) & 0x3f];
	key[o] = '\0';
	return 0;
}

void apikey_hash(const char *key, size_t len, char hex[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	/* SHA-256 over memory cannot fail short of a broken library, and a
	 * hash of all zeros matches no stored key. */
	if (EVP_Digest(key, len, md, &mdlen, EVP_sha256(), NULL) != 1 || mdlen != 32)
		memset(md, 0, sizeof(md));
	for (size_t i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	hex[64] = '\0';
}
