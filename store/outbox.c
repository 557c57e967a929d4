/*
 * outbox.c - the relay's side of the transactional outbox: claiming due
 * rows under a lease, and recording what became of them.
 *
 * Row life: queued -> sending (claimed, lease running) -> sent | failed,
 * or back to queued (defer: retry later; release: shutdown).  A row whose
 * lease ran out while sending (the worker died) is due again and is
 * claimed with its original Message-ID, so a crash re-sends at most.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

#define OUTBOX_COLS STORE_OUTBOX_COLS

const char store_sql_outbox_due_queued[] =
	"SELECT id FROM outbox WHERE status = 'queued' AND next_attempt_at <= ?1"
	" ORDER BY next_attempt_at LIMIT ?2";
const char store_sql_outbox_due_leased[] =
	"SELECT id FROM outbox WHERE status = 'sending' AND lease_until < ?1"
	" ORDER BY lease_until LIMIT ?2";
const char store_sql_outbox_next_queued[] =
	"SELECT min(next_attempt_at) FROM outbox WHERE status = 'queued'";
const char store_sql_outbox_next_leased[] =
	"SELECT min(lease_until) FROM outbox WHERE status = 'sending'";
/* No RETURNING: SQLite builds a temporary table for it on every run, which
 * cost nearly as much as the UPDATE itself; SQL_OUTBOX_GET reads the row. */
static const char SQL_OUTBOX_CLAIM[] =
	"UPDATE outbox SET status = 'sending', lease_until = ?2, attempts = attempts + 1"
	" WHERE id = ?1";
static const char SQL_OUTBOX_GET[] = "SELECT " OUTBOX_COLS " FROM outbox WHERE id = ?1";
static const char SQL_OUTBOX_STATUS[] = "SELECT status FROM outbox WHERE id = ?1";
static const char SQL_OUTBOX_SENT[] =
	"UPDATE outbox SET status = 'sent', sent_at = ?2, lease_until = NULL"
	" WHERE id = ?1 AND status = 'sending'";
static const char SQL_OUTBOX_DEFER[] =
	"UPDATE outbox SET status = 'queued', next_attempt_at = ?2, last_error = ?3,"
	" lease_until = NULL WHERE id = ?1 AND status = 'sending'";
static const char SQL_OUTBOX_FAIL[] =
	"UPDATE outbox SET status = 'failed', last_error = ?2, lease_until = NULL"
	" WHERE id = ?1 AND status IN ('sending', 'queued')";
static const char SQL_OUTBOX_RELEASE[] =
	"UPDATE outbox SET status = 'queued', lease_until = NULL,"
	" attempts = max(attempts - 1, 0) WHERE id = ?1 AND status = 'sending'";
static const char SQL_OUTBOX_COUNTS[] =
	"SELECT status, count(*) FROM outbox GROUP BY status";
static const char SQL_OUTBOX_LIST[] =
	"SELECT " OUTBOX_COLS " FROM outbox WHERE (?1 IS NULL OR status = ?1)"
	" AND (?2 = 0 OR thread_id = ?2) ORDER BY id DESC LIMIT ?3";

void store_outbox_from_row(sqlite3_stmt *st, struct store_outbox *o)
{
	o->id = store_col_i64(st, 0);
	const char *k = (const char *)sqlite3_column_text(st, 1);
	if (k == NULL || mail_kind_parse(k, &o->kind) < 0)
		o->kind = 0;
	o->recipient_kind = store_kind_from_col(st, 2);
	o->recipient_id = store_col_i64(st, 3);
	o->recipient_address = store_col_str(st, 4);
	o->thread_id = store_col_i64(st, 5);
	o->message_id = store_col_i64(st, 6);
	o->extra = store_col_str_null(st, 7);
	const char *status = (const char *)sqlite3_column_text(st, 8);
	if (status == NULL || store_out_status_parse(status, &o->status) < 0)
		o->status = 0;
	o->attempts = (int)store_col_i64(st, 9);
	o->next_attempt_at = store_col_i64(st, 10);
	o->lease_until = store_col_i64(st, 11);
	o->last_error = store_col_str_null(st, 12);
	o->created_at = store_col_i64(st, 13);
	o->sent_at = store_col_i64(st, 14);
	o->mail_id = store_col_str(st, 15);
	o->dedup_key = store_col_str_null(st, 16);
}

static enum gw_result due_ids(struct store *s, const char *sql, int64_t now, int max,
			      int64_t *ids, size_t *n, char **error_r)
{
	sqlite3_stmt *st = store_db_q(s, sql, "id", now, max - (int)*n);
	int rc = st != NULL ? SQLITE_ROW : s->last_rc;
	while (st != NULL && *n < (size_t)max && (rc = store_db_step(s, st)) == SQLITE_ROW)
		ids[(*n)++] = store_col_i64(st, 0);
	if (st != NULL)
		sqlite3_reset(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return store_db_fail(s, error_r, "outbox: due rows");
	return GW_OK;
}

enum gw_result store_outbox_claim(struct store *s, int64_t now, int64_t lease_seconds, int max,
				  struct store_outbox_list *list, char **error_r)
{
	memset(list, 0, sizeof(*list));
	if (max <= 0)
		return GW_OK;
	if (max > 1000)
		max = 1000;
	if (lease_seconds < 1)
		lease_seconds = 1;
	enum gw_result r = store_tx_begin(s, 1, error_r);
	if (r != GW_OK)
		return r;
	int64_t *ids = xcalloc((size_t)max, sizeof(*ids));
	size_t n = 0, cap = 0;
	/* Rows of crashed workers first: they have waited longest. */
	r = due_ids(s, store_sql_outbox_due_leased, now, max, ids, &n, error_r);
	if (r == GW_OK)
		r = due_ids(s, store_sql_outbox_due_queued, now, max, ids, &n, error_r);
	for (size_t i = 0; r == GW_OK && i < n; i++) {
		if (store_db_exec(s, SQL_OUTBOX_CLAIM, "ii", ids[i], now + lease_seconds) != SQLITE_OK) {
			r = store_db_fail(s, error_r, "outbox %lld: claim", (long long)ids[i]);
			break;
		}
		sqlite3_stmt *st = store_db_q(s, SQL_OUTBOX_GET, "i", ids[i]);
		int rc = st != NULL ? store_db_step(s, st) : s->last_rc;
		if (rc == SQLITE_ROW) {
			store_outbox_from_row(st, store_vec_push(&list->items, &list->count, &cap,
							   sizeof(*list->items)));
			sqlite3_reset(st);
		} else {
			r = store_db_fail(s, error_r, "outbox %lld: claim", (long long)ids[i]);
		}
	}
	free(ids);
	r = store_tx_end(s, r, error_r);
	if (r != GW_OK)
		store_outbox_list_free(list);
	return r;
}

/* After an UPDATE that matched nothing: say why. */
static enum gw_result not_changed(struct store *s, int64_t id, const char *want,
				  const char *ok_status, char **error_r)
{
	sqlite3_stmt *st = store_db_q(s, SQL_OUTBOX_STATUS, "i", id);
	int rc = st != NULL ? store_db_step(s, st) : s->last_rc;
	if (rc == SQLITE_DONE)
		return store_fail(error_r, GW_NOTFOUND, "outbox %lld: no such row", (long long)id);
	if (rc != SQLITE_ROW)
		return store_db_fail(s, error_r, "outbox %lld", (long long)id);
	char *status = store_col_str(st, 0);
	sqlite3_reset(st);
	enum gw_result r = GW_OK;
	if (ok_status == NULL || strcmp(status, ok_status) != 0)
		r = store_fail(error_r, GW_INVALID, "outbox %lld: is %s, cannot %s", (long long)id,
			       status, want);
	free(status);
	return r;
}

enum gw_result store_outbox_sent(struct store *s, int64_t id, int64_t now, char **error_r)
{
	if (store_db_exec(s, SQL_OUTBOX_SENT, "ii", id, now) != SQLITE_OK)
		return store_db_fail(s, error_r, "outbox %lld: mark sent", (long long)id);
	return store_db_changes(s) > 0 ? GW_OK : not_changed(s, id, "mark it sent", "sent", error_r);
}

enum gw_result store_outbox_defer(struct store *s, int64_t id, int64_t next_attempt_at,
				  const char *last_error, char **error_r)
{
	char *e = xstrndup(last_error != NULL ? last_error : "", 1000);
	int rc = store_db_exec(s, SQL_OUTBOX_DEFER, "iis", id, next_attempt_at, e);
	free(e);
	if (rc != SQLITE_OK)
		return store_db_fail(s, error_r, "outbox %lld: defer", (long long)id);
	return store_db_changes(s) > 0 ? GW_OK : not_changed(s, id, "defer it", NULL, error_r);
}

enum gw_result store_outbox_fail(struct store *s, int64_t id, const char *last_error,
				 char **error_r)
{
	char *e = xstrndup(last_error != NULL ? last_error : "", 1000);
	int rc = store_db_exec(s, SQL_OUTBOX_FAIL, "is", id, e);
	free(e);
	if (rc != SQLITE_OK)
		return store_db_fail(s, error_r, "outbox %lld: fail", (long long)id);
	return store_db_changes(s) > 0 ? GW_OK : not_changed(s, id, "fail it", "failed", error_r);
}

enum gw_result store_outbox_release(struct store *s, int64_t id, char **error_r)
{
	if (store_db_exec(s, SQL_OUTBOX_RELEASE, "i", id) != SQLITE_OK)
		return store_db_fail(s, error_r, "outbox %lld: release", (long long)id);
	return store_db_changes(s) > 0 ? GW_OK : not_changed(s, id, "release it", NULL, error_r);
}

static enum gw_result min_of(struct store *s, const char *sql, int64_t *v_r, int *found_r,
			     char **error_r)
{
	sqlite3_stmt *st = store_db_q(s, sql, "");
	int rc = st != NULL ? store_db_step(s, st) : s->last_rc;
	if (rc != SQLITE_ROW)
		return store_db_fail(s, error_r, "outbox: next due");
	*found_r = sqlite3_column_type(st, 0) != SQLITE_NULL;
	*v_r = store_col_i64(st, 0);
	sqlite3_reset(st);
	return GW_OK;
}

enum gw_result store_outbox_next_due(struct store *s, int64_t *due_r, char **error_r)
{
	*due_r = 0;
	int64_t q = 0, l = 0;
	int fq = 0, fl = 0;
	enum gw_result r = min_of(s, store_sql_outbox_next_queued, &q, &fq, error_r);
	if (r == GW_OK)
		r = min_of(s, store_sql_outbox_next_leased, &l, &fl, error_r);
	if (r != GW_OK)
		return r;
	if (!fq && !fl)
		return store_fail(error_r, GW_NOTFOUND, "outbox: nothing queued");
	/* A leased row becomes claimable just after its lease ends. */
	if (fl)
		l += 1;
	*due_r = !fq ? l : !fl ? q : (q < l ? q : l);
	return GW_OK;
}

enum gw_result store_outbox_counts(struct store *s, struct store_outbox_counts *c,
				   char **error_r)
{
	memset(c, 0, sizeof(*c));
	sqlite3_stmt *st = store_db_q(s, SQL_OUTBOX_COUNTS, "");
	int rc = st != NULL ? SQLITE_ROW : s->last_rc;
	while (st != NULL && (rc = store_db_step(s, st)) == SQLITE_ROW) {
		enum store_out_status status;
		const char *name = (const char *)sqlite3_column_text(st, 0);
		if (name == NULL || store_out_status_parse(name, &status) < 0)
			continue;
		int64_t n = store_col_i64(st, 1);
		switch (status) {
		case STORE_OUT_QUEUED: c->queued = n; break;
		case STORE_OUT_SENDING: c->sending = n; break;
		case STORE_OUT_SENT: c->sent = n; break;
		case STORE_OUT_FAILED: c->failed = n; break;
		}
	}
	if (st != NULL)
		sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return store_db_fail(s, error_r, "outbox: counts");
	return GW_OK;
}

enum gw_result store_outbox_get(struct store *s, int64_t id, struct store_outbox *o,
				char **error_r)
{
	memset(o, 0, sizeof(*o));
	sqlite3_stmt *st = store_db_q(s, SQL_OUTBOX_GET, "i", id);
	int rc = st != NULL ? store_db_step(s, st) : s->last_rc;
	if (rc == SQLITE_DONE)
		return store_fail(error_r, GW_NOTFOUND, "outbox %lld: no such row", (long long)id);
	if (rc != SQLITE_ROW)
		return store_db_fail(s, error_r, "outbox %lld", (long long)id);
	store_outbox_from_row(st, o);
	sqlite3_reset(st);
	return GW_OK;
}

enum gw_result store_outbox_list(struct store *s, enum store_out_status status,
				 int64_t thread_id, int limit, struct store_outbox_list *list,
				 char **error_r)
{
	memset(list, 0, sizeof(*list));
	size_t cap = 0;
	const char *sn = status != 0 ? store_out_status_name(status) : NULL;
	sqlite3_stmt *st = store_db_q(s, SQL_OUTBOX_LIST, "sid", sn, thread_id, limit > 0 ? limit : -1);
	int rc = st != NULL ? SQLITE_ROW : s->last_rc;
	while (st != NULL && (rc = store_db_step(s, st)) == SQLITE_ROW)
		store_outbox_from_row(st, store_vec_push(&list->items, &list->count, &cap,
						   sizeof(*list->items)));
	if (st != NULL)
		sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		store_outbox_list_free(list);
		return store_db_fail(s, error_r, "outbox list");
	}
	return GW_OK;
}
