/*
 * store_lookup.c - find an outbox row by the Message-ID it was sent with.
 *
 * The inbound path (gatewayd-pipe, LMTP) meets our own Message-IDs in the
 * References and In-Reply-To of replies.  Those ids are generated at
 * enqueue with 128 random bits ("gw.HEX@domain", notify.c), so knowing one
 * proves having received that email: it names the thread and the recipient
 * as well as a reply token does, without carrying them in the clear.
 */
#include "store_int.h"

static const char SQL_OUTBOX_BY_MAIL_ID[] =
	"SELECT id FROM outbox WHERE mail_id = ?1";

enum gw_result store_outbox_find_mail_id(struct store *store, const char *mail_id,
					 struct store_outbox *row_r, char **error_r)
{
	int64_t id;
	int rc;

	if (mail_id == NULL || *mail_id == '\0')
		return store_fail(error_r, GW_INVALID, "outbox: empty mail id");
	rc = store_db_int(store, SQL_OUTBOX_BY_MAIL_ID, &id, "s", mail_id);
	if (rc == SQLITE_DONE)
		return store_fail(error_r, GW_NOTFOUND, "outbox: no row with mail id \"%s\"",
				  mail_id);
	if (rc != SQLITE_ROW)
		return store_db_fail(store, error_r, "outbox: find mail id \"%s\"", mail_id);
	return store_outbox_get(store, id, row_r, error_r);
}
