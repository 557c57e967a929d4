/*
 * idempotency.c - responses of the JSON API remembered under the client's
 * Idempotency-Key (one row per API key and key), so that a POST retried
 * after a lost answer is answered again instead of applied twice.
 *
 * Expiry is the caller's: reads ignore rows older than its window and each
 * insert first deletes them, so the table holds about one window of
 * requests (the created_at index makes that delete a search).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_int.h"
#include "utf8.h"

static const char SQL_IDEM_GET[] =
	"SELECT api_key_id, key, request_sha256, status, body, created_at"
	" FROM idempotency_keys WHERE api_key_id = ?1 AND key = ?2 AND created_at >= ?3";
static const char SQL_IDEM_EXPIRE[] = "DELETE FROM idempotency_keys WHERE created_at < ?1";
static const char SQL_IDEM_PUT[] =
	"INSERT INTO idempotency_keys (api_key_id, key, request_sha256, status, body,"
	" created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)";

static int is_hex64(const char *h)
{
	if (strlen(h) != 64)
		return 0;
	for (; *h != '\0'; h++)
		if (!((*h >= '0' && *h <= '9') || (*h >= 'a' && *h <= 'f')))
			return 0;
	return 1;
}

enum gw_result store_idempotency_get(struct store *s, int64_t api_key_id, const char *key,
				     int64_t since, struct store_idempotency *rec,
				     char **error_r)
{
	memset(rec, 0, sizeof(*rec));
	if (key == NULL)
		key = "";
	sqlite3_stmt *st = store_db_q(s, SQL_IDEM_GET, "isi", api_key_id, key, since);
	int rc = st != NULL ? store_db_step(s, st) : s->last_rc;
	if (rc == SQLITE_DONE)
		return store_fail(error_r, GW_NOTFOUND, "idempotency key \"%s\": not seen", key);
	if (rc != SQLITE_ROW)
		return store_db_fail(s, error_r, "idempotency key \"%s\"", key);
	rec->api_key_id = store_col_i64(st, 0);
	rec->key = store_col_str(st, 1);
	const unsigned char *h = sqlite3_column_text(st, 2);
	snprintf(rec->request_sha256, sizeof(rec->request_sha256), "%s",
		 h != NULL ? (const char *)h : "");
	rec->status = (int)store_col_i64(st, 3);
	rec->body = store_col_str(st, 4);
	rec->created_at = store_col_i64(st, 5);
	sqlite3_reset(st);
	return GW_OK;
}

enum gw_result store_idempotency_put(struct store *s, const struct store_idempotency_in *rec,
				     int64_t expire_before, char **error_r)
{
	const char *key = rec->key != NULL ? rec->key : "";
	size_t n = strlen(key);

	if (n == 0 || n > STORE_IDEMPOTENCY_KEY_MAX || !utf8_valid(key, n))
		return store_fail(error_r, GW_INVALID,
				  "idempotency key: must be 1..%d bytes of UTF-8",
				  STORE_IDEMPOTENCY_KEY_MAX);
	if (!is_hex64(rec->request_sha256))
		return store_fail(error_r, GW_INVALID,
				  "idempotency key \"%s\": request hash is not 64 lowercase hex digits",
				  key);
	if (rec->status < 100 || rec->status > 599)
		return store_fail(error_r, GW_INVALID, "idempotency key \"%s\": status %d", key,
				  rec->status);

	enum gw_result r = store_tx_begin(s, 1, error_r);
	if (r != GW_OK)
		return r;
	if (store_db_exec(s, SQL_IDEM_EXPIRE, "i", expire_before) != SQLITE_OK) {
		r = store_db_fail(s, error_r, "idempotency keys: expire");
	} else {
		int rc = store_db_exec(s, SQL_IDEM_PUT, "issdsi", rec->api_key_id, key,
				       rec->request_sha256, rec->status,
				       rec->body != NULL ? rec->body : "", clock_now());
		if (rc == SQLITE_CONSTRAINT_FOREIGNKEY)
			r = store_fail(error_r, GW_NOTFOUND, "api key %lld: no such id",
				       (long long)rec->api_key_id);
		else if ((rc & 0xff) == SQLITE_CONSTRAINT)
			r = store_fail(error_r, GW_PERMFAIL,
				       "idempotency key \"%s\": already used by api key %lld", key,
				       (long long)rec->api_key_id);
		else if (rc != SQLITE_OK)
			r = store_db_fail(s, error_r, "idempotency key \"%s\"", key);
	}
	return store_tx_end(s, r, error_r);
}

void store_idempotency_clear(struct store_idempotency *rec)
{
	if (rec == NULL)
		return;
	free(rec->key);
	free(rec->body);
	memset(rec, 0, sizeof(*rec));
}
