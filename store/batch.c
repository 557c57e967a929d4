/*
 * batch.c - notifications batched per recipient and thread.
 *
 * News of a thread (mail kinds with MAIL_BATCH) is not an email at once:
 * the first event for a recipient and thread queues an outbox row whose
 * first attempt is when the window ([mail] batch_window) closes, with an
 * outbox_batches row saying whose window it is; every event of the same
 * recipient and thread until then is one more outbox_items row of that
 * outbox row.  The relay claims the row when it is due, like any other,
 * and compose lists its items: one email.
 *
 * What the recipient reads, or sees on a page with a live stream, before
 * the row is claimed is cancelled: its items are deleted, and a row left
 * without items is deleted with its window.  The outbox row keeps the
 * kind, message and extra of its first remaining item, so an email of one
 * item reads as it always did.
 *
 * Everything is rows written in the caller's transaction: a crash loses
 * no window and sends nothing twice (the relay's lease does the rest).
 * With a window of 0 every event is a row of its own, due at once, still
 * with its item (who acted, a task unticked), and nothing is cancelled.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

/* A queued batch of the recipient and thread whose window is open. */
static const char SQL_BATCH_OPEN[] =
	"SELECT b.outbox_id FROM outbox_batches b JOIN outbox o ON o.id = b.outbox_id"
	" WHERE b.thread_id = ?1 AND b.recipient_kind = ?2 AND b.recipient_id = ?3"
	" AND b.closes_at > ?4 AND o.status = 'queued' ORDER BY b.closes_at LIMIT 1";
static const char SQL_BATCH_ADD[] =
	"INSERT INTO outbox_batches (outbox_id, thread_id, recipient_kind, recipient_id,"
	" closes_at) VALUES (?1, ?2, ?3, ?4, ?5)";
static const char SQL_ITEM_DUP[] =
	"SELECT EXISTS (SELECT 1 FROM outbox_items WHERE dedup_key = ?1)";
static const char SQL_ITEM_ADD[] =
	"INSERT INTO outbox_items (outbox_id, kind, message_id, extra, undone, actor_kind,"
	" actor_id, created_at, dedup_key) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";

static enum gw_result item_add(struct store *s, int64_t outbox_id, const struct outbox_new *o,
			       char **error_r)
{
	if (store_db_exec(s, SQL_ITEM_ADD, "isIsdsIis", outbox_id, mail_kind_name(o->kind),
			  o->message_id, o->extra, o->undone ? 1 : 0,
			  o->actor_kind != 0 ? store_kind_name(o->actor_kind) : NULL, o->actor_id,
			  o->now, o->dedup_key) != SQLITE_OK)
		return store_db_fail(s, error_r, "outbox %lld: add %s", (long long)outbox_id,
				     mail_kind_name(o->kind));
	return GW_OK;
}

int store_batch_applies(const struct outbox_new *o)
{
	return mail_kind_is(o->kind, MAIL_BATCH) && o->thread_id != 0 &&
	       (o->rkind == STORE_CONTACT || o->rkind == STORE_STAFF) && o->rid != 0;
}

enum gw_result store_batch_add(struct store *s, const struct outbox_new *o, int ignore_dup,
			       int64_t *id_r, int *inserted_r, char **error_r)
{
	int64_t dup = 0, open = 0;
	int rc;

	*inserted_r = 0;
	*id_r = 0;
	/* a duplicate is a constraint failure unless ignore_dup */
	if (o->dedup_key != NULL && ignore_dup) {
		if (store_db_int(s, SQL_ITEM_DUP, &dup, "s", o->dedup_key) != SQLITE_ROW)
			return store_db_fail(s, error_r, "outbox: batch");
		if (dup)
			return GW_OK;
	}
	if (s->batch_window > 0) {
		rc = store_db_int(s, SQL_BATCH_OPEN, &open, "isii", o->thread_id,
				  store_kind_name(o->rkind), o->rid, o->now);
		if (rc != SQLITE_ROW && rc != SQLITE_DONE)
			return store_db_fail(s, error_r, "outbox: open batch");
		if (rc == SQLITE_DONE)
			open = 0;
	}
	if (open != 0) {
		enum gw_result r = item_add(s, open, o, error_r);

		if (r == GW_OK) {
			*inserted_r = 1;
			*id_r = open;
		}
		return r;
	}
	struct outbox_new row = *o;
	int inserted = 0;
	int64_t id = 0;

	row.due = o->now + s->batch_window;
	enum gw_result r = store_outbox_row_add(s, &row, ignore_dup, &id, &inserted, error_r);
	if (r != GW_OK || !inserted)
		return r;
	if (s->batch_window > 0 &&
	    store_db_exec(s, SQL_BATCH_ADD, "iisii", id, o->thread_id, store_kind_name(o->rkind),
			  o->rid, row.due) != SQLITE_OK)
		return store_db_fail(s, error_r, "outbox %lld: batch", (long long)id);
	r = item_add(s, id, o, error_r);
	if (r == GW_OK) {
		*inserted_r = 1;
		*id_r = id;
	}
	return r;
}

/* ---- what a reader has seen ---- */

/* Batches of the reader and thread not yet claimed (a window closed a day
 * ago and still queued is being retried: it is not cancelled). */
static const char SQL_BATCHES_QUEUED[] =
	"SELECT b.outbox_id FROM outbox_batches b JOIN outbox o ON o.id = b.outbox_id"
	" WHERE b.thread_id = ?1 AND b.recipient_kind = ?2 AND b.recipient_id = ?3"
	" AND b.closes_at > ?4 - 86400 AND o.status = 'queued'";
static const char SQL_ITEMS_SEEN[] =
	"DELETE FROM outbox_items WHERE outbox_id = ?1 AND created_at <= ?3"
	" AND (message_id IS NULL OR message_id <= ?2)";
static const char SQL_ITEM_FIRST[] =
	"SELECT kind, message_id, extra FROM outbox_items WHERE outbox_id = ?1"
	" ORDER BY id LIMIT 1";
static const char SQL_ROW_FIRST[] =
	"UPDATE outbox SET kind = ?2, message_id = ?3, extra = ?4"
	" WHERE id = ?1 AND status = 'queued'";
static const char SQL_ROW_CANCEL[] = "DELETE FROM outbox WHERE id = ?1 AND status = 'queued'";
static const char SQL_BATCH_DEL[] = "DELETE FROM outbox_batches WHERE outbox_id = ?1";

/* After items went: the row takes its first item, or goes. */
static enum gw_result batch_settle(struct store *s, int64_t id, int *cancelled_r,
				   char **error_r)
{
	sqlite3_stmt *st = store_db_q(s, SQL_ITEM_FIRST, "i", id);
	int rc = st != NULL ? store_db_step(s, st) : s->last_rc;

	if (rc == SQLITE_ROW) {
		char *kind = store_col_str(st, 0);
		int64_t msg = store_col_i64(st, 1);
		char *extra = store_col_str_null(st, 2);

		sqlite3_reset(st);
		rc = store_db_exec(s, SQL_ROW_FIRST, "isIs", id, kind, msg, extra);
		free(kind);
		free(extra);
		return rc == SQLITE_OK ? GW_OK
				       : store_db_fail(s, error_r, "outbox %lld", (long long)id);
	}
	if (rc != SQLITE_DONE)
		return store_db_fail(s, error_r, "outbox %lld: items", (long long)id);
	if (store_db_exec(s, SQL_ROW_CANCEL, "i", id) != SQLITE_OK ||
	    store_db_exec(s, SQL_BATCH_DEL, "i", id) != SQLITE_OK)
		return store_db_fail(s, error_r, "outbox %lld: cancel", (long long)id);
	(*cancelled_r)++;
	return GW_OK;
}

enum gw_result store_batch_seen(struct store *s, int64_t thread_id, enum store_kind kind,
				int64_t reader_id, int64_t up_to, int64_t now, int *cancelled_r,
				char **error_r)
{
	int64_t *ids = NULL;
	size_t n = 0, cap = 0;
	int cancelled = 0;
	enum gw_result r = GW_OK;
	sqlite3_stmt *st = store_db_q(s, SQL_BATCHES_QUEUED, "isii", thread_id,
				      store_kind_name(kind), reader_id, now);
	int rc = st != NULL ? SQLITE_ROW : s->last_rc;

	if (cancelled_r != NULL)
		*cancelled_r = 0;
	while (st != NULL && (rc = store_db_step(s, st)) == SQLITE_ROW)
		*(int64_t *)store_vec_push(&ids, &n, &cap, sizeof(*ids)) = store_col_i64(st, 0);
	if (st != NULL)
		sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		r = store_db_fail(s, error_r, "thread %lld: batches", (long long)thread_id);
	for (size_t i = 0; r == GW_OK && i < n; i++) {
		if (store_db_exec(s, SQL_ITEMS_SEEN, "iii", ids[i], up_to > 0 ? up_to : INT64_MAX,
				  now) != SQLITE_OK)
			r = store_db_fail(s, error_r, "outbox %lld: seen", (long long)ids[i]);
		else if (store_db_changes(s) > 0)
			r = batch_settle(s, ids[i], &cancelled, error_r);
	}
	free(ids);
	if (r == GW_OK && cancelled_r != NULL)
		*cancelled_r = cancelled;
	return r;
}

enum gw_result store_batch_seen_live(struct store *s, const struct store_seen *seen, size_t n,
				     int64_t now, char **error_r)
{
	enum gw_result r = store_tx_begin(s, 1, error_r);

	if (r != GW_OK)
		return r;
	for (size_t i = 0; r == GW_OK && i < n; i++)
		r = store_batch_seen(s, seen[i].thread_id, seen[i].kind, seen[i].reader_id, 0,
				     now, NULL, error_r);
	return store_tx_end(s, r, error_r);
}

/* ---- what compose lists ---- */

static const char SQL_ITEMS[] =
	"SELECT i.kind, coalesce(i.message_id, 0), i.extra, i.undone, i.created_at,"
	" CASE i.actor_kind WHEN 'staff' THEN (SELECT name FROM staff WHERE id = i.actor_id)"
	"  WHEN 'contact' THEN (SELECT name FROM contacts WHERE id = i.actor_id)"
	"  ELSE NULL END"
	" FROM outbox_items i WHERE i.outbox_id = ?1 ORDER BY i.id";

enum gw_result store_batch_items(struct store *s, int64_t outbox_id,
				 struct store_compose_item **items_r, size_t *n_r, char **error_r)
{
	struct store_compose_item *items = NULL;
	size_t n = 0, cap = 0;
	sqlite3_stmt *st = store_db_q(s, SQL_ITEMS, "i", outbox_id);
	int rc = st != NULL ? SQLITE_ROW : s->last_rc;

	*items_r = NULL;
	*n_r = 0;
	while (st != NULL && (rc = store_db_step(s, st)) == SQLITE_ROW) {
		struct store_compose_item *it = store_vec_push(&items, &n, &cap, sizeof(*items));
		const char *k = (const char *)sqlite3_column_text(st, 0);

		memset(it, 0, sizeof(*it));
		if (k == NULL || mail_kind_parse(k, &it->kind) < 0)
			it->kind = 0;
		it->message_id = store_col_i64(st, 1);
		it->extra = store_col_str_null(st, 2);
		it->undone = (int)store_col_i64(st, 3);
		it->created_at = store_col_i64(st, 4);
		it->actor_name = store_col_str_null(st, 5);
	}
	if (st != NULL)
		sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		store_compose_items_free(items, n);
		return store_db_fail(s, error_r, "outbox %lld: items", (long long)outbox_id);
	}
	*items_r = items;
	*n_r = n;
	return GW_OK;
}

void store_compose_items_free(struct store_compose_item *items, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(items[i].extra);
		free(items[i].actor_name);
		free(items[i].body);
		free(items[i].text);
		free(items[i].files);
	}
	free(items);
}
