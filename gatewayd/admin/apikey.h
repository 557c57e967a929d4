/*
 * apikey.h - the JSON API's bearer keys: making a fresh one and the hash
 * that the store keeps in its place (store_apikey_*).
 *
 * A key is "gw_" followed by 43 base64url characters (256 random bits).
 * Only the lowercase hex SHA-256 of the whole key string is stored, so a
 * copy of the database does not give anyone API access; the key is shown
 * once, when `gatewayctl apikey add` makes it.
 */
#ifndef GW_APIKEY_H
#define GW_APIKEY_H

#include <stddef.h>

#define APIKEY_PREFIX "gw_"
/* Length of a key made here, and a buffer for one with its NUL. */
#define APIKEY_LEN 46
#define APIKEY_MAX 48

/* A fresh random key.  Returns 0, or -1 when no randomness is available. */
int apikey_generate(char key[APIKEY_MAX]);

/* Lowercase hex SHA-256 of len bytes of key (any string a client sends). */
void apikey_hash(const char *key, size_t len, char hex[65]);

#endif
