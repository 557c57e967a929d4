/*
 * imap_state.c - where gatewayd's IMAP reader stands in a mailbox: the
 * server's UIDVALIDITY and the last UID decided (store.h).
 */
#include "store_int.h"

static const char SQL_IMAP_GET[] =
	"SELECT uidvalidity, last_uid FROM imap_state WHERE mailbox = ?1";
static const char SQL_IMAP_SET[] =
	"INSERT INTO imap_state (mailbox, uidvalidity, last_uid, updated_at)"
	" VALUES (?1, ?2, ?3, ?4) ON CONFLICT (mailbox) DO UPDATE SET"
	" uidvalidity = excluded.uidvalidity, last_uid = excluded.last_uid,"
	" updated_at = excluded.updated_at";

enum gw_result store_imap_state_get(struct store *s, const char *key, uint32_t *uidvalidity_r,
				    uint32_t *last_uid_r, char **error_r)
{
	sqlite3_stmt *st;
	int rc;

	*uidvalidity_r = 0;
	*last_uid_r = 0;
	st = store_db_q(s, SQL_IMAP_GET, "s", key);
	rc = st != NULL ? store_db_step(s, st) : s->last_rc;
	if (rc == SQLITE_DONE)
		return store_fail(error_r, GW_NOTFOUND, "imap state: %s never read", key);
	if (rc != SQLITE_ROW)
		return store_db_fail(s, error_r, "imap state of %s", key);
	*uidvalidity_r = (uint32_t)store_col_i64(st, 0);
	*last_uid_r = (uint32_t)store_col_i64(st, 1);
	sqlite3_reset(st);
	return GW_OK;
}

enum gw_result store_imap_state_set(struct store *s, const char *key, uint32_t uidvalidity,
				    uint32_t last_uid, char **error_r)
{
	enum gw_result r = store_tx_begin(s, 1, error_r);

	if (r != GW_OK)
		return r;
	if (store_db_exec(s, SQL_IMAP_SET, "siii", key, (int64_t)uidvalidity, (int64_t)last_uid,
			  clock_now()) != SQLITE_OK)
		r = store_db_fail(s, error_r, "imap state of %s", key);
	return store_tx_end(s, r, error_r);
}
