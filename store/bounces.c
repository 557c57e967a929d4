/*
 * bounces.c - contacts whose address bounces: marking one (and telling the
 * owners and admins, at most once a day each), listing those that bounce,
 * and clearing the mark.  Which reports may mark whom is decided by the
 * caller (mta-hooks/decide_bounce.c); the store only records it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_int.h"
#include "webhook.h"

static const char SQL_BOUNCE_STATUS[] =
	"SELECT email_status = 'bouncing' FROM contacts WHERE id = ?1";
static const char SQL_BOUNCE_MARK[] =
	"UPDATE contacts SET email_status = 'bouncing', bounce_reason = ?2, bounced_at = ?3"
	" WHERE id = ?1";
static const char SQL_BOUNCE_TELL[] =
	"SELECT id, email FROM staff WHERE notify = 1 AND role IN ('owner', 'admin') ORDER BY id";
static const char SQL_BOUNCE_CLEAR[] =
	"UPDATE contacts SET email_status = 'ok', bounce_reason = NULL, bounced_at = NULL"
	" WHERE id = ?1";
static const char SQL_BOUNCE_ACCOUNT[] = "SELECT account_id FROM contacts WHERE id = ?1";
static const char SQL_BOUNCE_LIST[] =
	"SELECT " CONTACT_COLS " FROM contacts WHERE email_status = 'bouncing'"
	" AND removed_at IS NULL AND (?1 = 0"
	" OR " STORE_SQL_STAFF_SEES("?1", "account_id") ")"
	" ORDER BY bounced_at DESC, id";

/* The staff_contacts_bouncing email to every owner and admin with notify
 * on; the dedup key holds it to one per person and UTC day. */
static enum gw_result tell_owners(struct store *s, int64_t now, char **error_r)
{
	sqlite3_stmt *st = store_db_q(s, SQL_BOUNCE_TELL, "");
	int64_t *ids = NULL;
	char **addrs = NULL;
	size_t n = 0, cap = 0, cap2 = 0, n2 = 0;
	int rc = st != NULL ? SQLITE_ROW : s->last_rc;
	enum gw_result r = GW_OK;

	while (st != NULL && (rc = store_db_step(s, st)) == SQLITE_ROW) {
		*(int64_t *)store_vec_push(&ids, &n, &cap, sizeof(*ids)) = store_col_i64(st, 0);
		*(char **)store_vec_push(&addrs, &n2, &cap2, sizeof(*addrs)) = store_col_str(st, 1);
	}
	if (st != NULL)
		sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		r = store_db_fail(s, error_r, "owners and admins");
	for (size_t i = 0; i < n && r == GW_OK; i++) {
		char *key = xasprintf("contacts_bouncing:%lld:%lld", (long long)ids[i],
				      (long long)(now / CLOCK_DAY));
		struct outbox_new o = {
			.kind = MAIL_STAFF_CONTACTS_BOUNCING, .rkind = STORE_STAFF, .rid = ids[i],
			.address = addrs[i], .dedup_key = key, .now = now,
		};
		r = store_outbox_add(s, &o, 1, NULL, NULL, error_r);
		free(key);
	}
	for (size_t i = 0; i < n2; i++)
		free(addrs[i]);
	free(addrs);
	free(ids);
	return r;
}

enum gw_result store_contact_mark_bouncing(struct store *s, int64_t id, const char *reason,
					   char **error_r)
{
	int64_t now = clock_now(), bouncing = 0;
	enum gw_result r = store_tx_begin(s, 1, error_r);

	if (r != GW_OK)
		return r;
	int rc = store_db_int(s, SQL_BOUNCE_STATUS, &bouncing, "i", id);
	if (rc == SQLITE_DONE)
		r = store_fail(error_r, GW_NOTFOUND, "contact %lld: no such id", (long long)id);
	else if (rc != SQLITE_ROW)
		r = store_db_fail(s, error_r, "contact %lld", (long long)id);
	else if (!bouncing) {
		/* "Bouncing since" is the first report: a later one changes nothing. */
		char *cut = xstrndup(reason != NULL ? reason : "", 1000);

		if (store_db_exec(s, SQL_BOUNCE_MARK, "isi", id, cut, now) != SQLITE_OK)
			r = store_db_fail(s, error_r, "contact %lld", (long long)id);
		else
			r = tell_owners(s, now, error_r);
		if (r == GW_OK) {
			struct inbox_event ev = {
				.kind = STORE_INBOX_BOUNCING, .contact_id = id,
				.actor_kind = STORE_CONTACT, .actor_id = id, .now = now,
			};
			r = store_inbox_add_admins(s, &ev, error_r);
		}
		if (r == GW_OK) {
			struct webhook_event_new ev = {
				.type = WEBHOOK_CONTACT_BOUNCING, .object_id = id, .now = now,
			};
			r = store_webhook_event(s, &ev, error_r);
		}
		free(cut);
	}
	return store_tx_end(s, r, error_r);
}

static const char SQL_OWNER_OR_ADMIN[] =
	"SELECT role IN ('owner', 'admin') FROM staff WHERE id = ?1";

/* Clearing a mark means the firm trusts the address again: owners and
 * admins decide it, as they are the ones told of bounces. */
static enum gw_result owner_or_admin(struct store *s, int64_t staff_id, char **error_r)
{
	int64_t ok = 0;
	int rc = store_db_int(s, SQL_OWNER_OR_ADMIN, &ok, "i", staff_id);

	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_db_fail(s, error_r, "staff %lld", (long long)staff_id);
	if (!ok)
		return store_fail(error_r, GW_PERMFAIL,
				  "staff %lld: only owners and admins clear a bouncing mark",
				  (long long)staff_id);
	return GW_OK;
}

enum gw_result store_contact_clear_bounce(struct store *s, int64_t id, int64_t staff_id,
					  char **error_r)
{
	int64_t account_id = 0;
	enum gw_result r = store_tx_begin(s, 1, error_r);

	if (r != GW_OK)
		return r;
	int rc = store_db_int(s, SQL_BOUNCE_ACCOUNT, &account_id, "i", id);
	if (rc == SQLITE_DONE)
		r = store_fail(error_r, GW_NOTFOUND, "contact %lld: no such id", (long long)id);
	else if (rc != SQLITE_ROW)
		r = store_db_fail(s, error_r, "contact %lld", (long long)id);
	else if (staff_id != 0 &&
		 (r = store_staff_sees_account(s, staff_id, account_id, NULL)) != GW_OK)
		/* not theirs: the same answer as for no such contact */
		r = r == GW_NOTFOUND ? store_fail(error_r, GW_NOTFOUND, "contact %lld: no such id",
						  (long long)id)
				     : store_db_fail(s, error_r, "contact %lld", (long long)id);
	else if (staff_id != 0 && (r = owner_or_admin(s, staff_id, error_r)) != GW_OK)
		; /* said */
	else if (store_db_exec(s, SQL_BOUNCE_CLEAR, "i", id) != SQLITE_OK)
		r = store_db_fail(s, error_r, "contact %lld", (long long)id);
	return store_tx_end(s, r, error_r);
}

enum gw_result store_contacts_bouncing(struct store *s, int64_t staff_id,
				       struct store_contact_list *list, char **error_r)
{
	return store_contact_list_query(s, store_db_q(s, SQL_BOUNCE_LIST, "i", staff_id), list,
					error_r);
}
