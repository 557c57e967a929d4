/*
 * inbox.c - the staff inbox (inbox.h): items written in the transaction
 * of the event they tell of, listed newest first, marked read.
 *
 * Who gets an item is one SQL fragment shared with the emails
 * (STORE_SQL_STAFF_TOLD, store_int.h) without the emails' "notify = 1":
 * an item is not an email and a staff member with emails off still wants
 * to know.  What a staff member may see is the other shared fragment
 * (STORE_SQL_STAFF_SEES), applied when reading, so an item of an account
 * they were unassigned from disappears with the account.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "store_int.h"

static const char *const kind_names[] = {
	[STORE_INBOX_REPLY] = "reply",
	[STORE_INBOX_CHAT] = "chat",
	[STORE_INBOX_TASK] = "task",
	[STORE_INBOX_UPLOAD] = "upload",
	[STORE_INBOX_MENTION] = "mention",
	[STORE_INBOX_EMAIL_REPLY] = "email_reply",
	[STORE_INBOX_BOUNCING] = "bouncing",
};

const char *store_inbox_kind_name(enum store_inbox_kind k)
{
	if ((size_t)k >= GW_ARRAY_SIZE(kind_names) || kind_names[k] == NULL)
		return "unknown";
	return kind_names[k];
}

int store_inbox_kind_parse(const char *s, enum store_inbox_kind *k_r)
{
	for (size_t i = 1; s != NULL && i < GW_ARRAY_SIZE(kind_names); i++) {
		if (strcmp(kind_names[i], s) == 0) {
			*k_r = (enum store_inbox_kind)i;
			return 0;
		}
	}
	return -1;
}

/* ---- writing ---- */

#define INBOX_INSERT                                                              \
	"INSERT INTO inbox_items (staff_id, kind, thread_id, message_id, contact_id,"  \
	" actor_kind, actor_id, object_id, detail, created_at, account_id)"
/* The account of the item: its thread's, else its contact's (?3, ?5). */
#define INBOX_ACCOUNT                                                             \
	"coalesce((SELECT account_id FROM threads WHERE id = ?3),"                    \
	" (SELECT account_id FROM contacts WHERE id = ?5))"

static const char SQL_INBOX_ADD[] =
	INBOX_INSERT
	" SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, " INBOX_ACCOUNT
	" WHERE NOT (coalesce(?6, '') = 'staff' AND coalesce(?7, 0) = ?1)"
	" AND EXISTS (SELECT 1 FROM staff WHERE id = ?1)";

static const char SQL_INBOX_ADD_TOLD[] =
	INBOX_INSERT
	" SELECT s.id, ?3, ?1, ?4, ?5, ?6, ?7, ?8, ?9, ?10,"
	" coalesce((SELECT account_id FROM threads WHERE id = ?1),"
	"  (SELECT account_id FROM contacts WHERE id = ?5)) FROM staff s"
	" WHERE " STORE_SQL_STAFF_TOLD("s.id", "?1", "?2")
	" AND NOT (coalesce(?6, '') = 'staff' AND s.id = coalesce(?7, 0))"
	" AND s.id NOT IN (SELECT value FROM json_each(?11))"
	" ORDER BY s.id";

static const char SQL_INBOX_ADD_ADMINS[] =
	INBOX_INSERT
	" SELECT s.id, ?3, ?1, ?4, ?5, ?6, ?7, ?8, ?9, ?10,"
	" coalesce((SELECT account_id FROM threads WHERE id = ?1),"
	"  (SELECT account_id FROM contacts WHERE id = ?5)) FROM staff s"
	" WHERE s.role IN ('owner', 'admin') AND ?2 = ?2 ORDER BY s.id";

static const char *actor_name(const struct inbox_event *e)
{
	return e->actor_kind != 0 ? store_kind_name(e->actor_kind) : NULL;
}

enum gw_result store_inbox_add(struct store *s, const struct inbox_event *e, int64_t staff_id,
			       char **error_r)
{
	int rc = store_db_exec(s, SQL_INBOX_ADD, "isIIIsIIsi", staff_id,
			       store_inbox_kind_name(e->kind), e->thread_id, e->message_id,
			       e->contact_id, actor_name(e), e->actor_id, e->object_id, e->detail,
			       e->now != 0 ? e->now : clock_now());
	if (rc != SQLITE_OK)
		return store_db_fail(s, error_r, "inbox: %s item for staff %lld",
				     store_inbox_kind_name(e->kind), (long long)staff_id);
	return GW_OK;
}

enum gw_result store_inbox_add_told(struct store *s, const struct inbox_event *e,
				    const int64_t *skip, size_t n_skip, char **error_r)
{
	struct buf ids = BUF_INIT;

	buf_putc(&ids, '[');
	for (size_t i = 0; i < n_skip; i++)
		buf_printf(&ids, "%s%lld", i > 0 ? "," : "", (long long)skip[i]);
	buf_putc(&ids, ']');
	int rc = store_db_exec(s, SQL_INBOX_ADD_TOLD, "IisIIsIIsis", e->thread_id, e->account_id,
			       store_inbox_kind_name(e->kind), e->message_id, e->contact_id,
			       actor_name(e), e->actor_id, e->object_id, e->detail,
			       e->now != 0 ? e->now : clock_now(), ids.data);
	buf_release(&ids);
	if (rc != SQLITE_OK)
		return store_db_fail(s, error_r, "inbox: %s items of thread %lld",
				     store_inbox_kind_name(e->kind), (long long)e->thread_id);
	return GW_OK;
}

enum gw_result store_inbox_add_admins(struct store *s, const struct inbox_event *e,
				      char **error_r)
{
	int rc = store_db_exec(s, SQL_INBOX_ADD_ADMINS, "IisIIsIIsi", e->thread_id,
			       e->account_id, store_inbox_kind_name(e->kind), e->message_id,
			       e->contact_id, actor_name(e), e->actor_id, e->object_id, e->detail,
			       e->now != 0 ? e->now : clock_now());
	if (rc != SQLITE_OK)
		return store_db_fail(s, error_r, "inbox: %s items for owners and admins",
				     store_inbox_kind_name(e->kind));
	return GW_OK;
}

/* ---- reading ---- */

#define INBOX_FROM                                                                \
	" FROM inbox_items i LEFT JOIN threads t ON t.id = i.thread_id"               \
	" LEFT JOIN accounts a ON a.id = i.account_id"
#define INBOX_SEEN " AND " STORE_SQL_STAFF_SEES("?1", "i.account_id")

#define INBOX_COLS                                                                \
	"i.id, i.kind, coalesce(i.thread_id, 0), coalesce(t.subject, ''),"            \
	" coalesce(a.id, 0), coalesce(a.name, ''), coalesce(i.message_id, 0),"        \
	" coalesce(i.contact_id, 0), coalesce(i.actor_kind, ''),"                     \
	" coalesce(i.actor_id, 0),"                                                   \
	" coalesce(CASE i.actor_kind"                                                 \
	"  WHEN 'contact' THEN (SELECT name FROM contacts WHERE id = i.actor_id)"     \
	"  WHEN 'staff' THEN (SELECT name FROM staff WHERE id = i.actor_id) END, ''),"\
	" coalesce(i.object_id, 0), coalesce(i.detail, ''), i.created_at,"           \
	" coalesce(i.read_at, 0)"

/* Exported for store_query_plan() (store.c): the hot ones. */
const char store_sql_inbox_list[] =
	"SELECT " INBOX_COLS INBOX_FROM
	" WHERE i.staff_id = ?1 AND (?2 = 0 OR i.read_at IS NULL) AND (?4 = 0 OR i.id < ?4)"
	INBOX_SEEN " ORDER BY i.id DESC LIMIT ?3";
static const char SQL_INBOX_ONE[] =
	"SELECT " INBOX_COLS INBOX_FROM " WHERE i.staff_id = ?1 AND i.id = ?2" INBOX_SEEN;
/* From the partial index alone: (staff_id, account_id) and the rowid. */
const char store_sql_inbox_unread[] =
	"SELECT count(*), coalesce(max(i.id), 0) FROM inbox_items i"
	" WHERE i.staff_id = ?1 AND i.read_at IS NULL" INBOX_SEEN;
static const char SQL_INBOX_READ_ONE[] =
	"UPDATE inbox_items SET read_at = ?3 WHERE staff_id = ?1 AND id = ?2"
	" AND read_at IS NULL";
static const char SQL_INBOX_MINE[] =
	"SELECT 1 FROM inbox_items WHERE staff_id = ?1 AND id = ?2";
static const char SQL_INBOX_READ_ALL[] =
	"UPDATE inbox_items SET read_at = ?2 WHERE staff_id = ?1 AND read_at IS NULL";

static void item_from_row(sqlite3_stmt *st, struct store_inbox_item *it)
{
	const char *kind = (const char *)sqlite3_column_text(st, 1);
	const char *actor = (const char *)sqlite3_column_text(st, 8);
	enum store_kind ak = 0;

	memset(it, 0, sizeof(*it));
	it->id = store_col_i64(st, 0);
	if (store_inbox_kind_parse(kind, &it->kind) < 0)
		it->kind = STORE_INBOX_REPLY;
	it->thread_id = store_col_i64(st, 2);
	it->subject = store_col_str(st, 3);
	it->account_id = store_col_i64(st, 4);
	it->account_name = store_col_str(st, 5);
	it->message_id = store_col_i64(st, 6);
	it->contact_id = store_col_i64(st, 7);
	if (actor != NULL && actor[0] != '\0' && store_kind_parse(actor, &ak) == 0)
		it->actor_kind = ak;
	it->actor_id = store_col_i64(st, 9);
	it->actor_name = store_col_str(st, 10);
	it->object_id = store_col_i64(st, 11);
	it->detail = store_col_str(st, 12);
	it->created_at = store_col_i64(st, 13);
	it->read_at = store_col_i64(st, 14);
}

enum gw_result store_inbox_list(struct store *s, int64_t staff_id, int unread_only, int limit,
				int64_t before, struct store_inbox_list *list, char **error_r)
{
	size_t cap = 0;
	int64_t last = 0;

	memset(list, 0, sizeof(*list));
	if (limit < 0 || limit > STORE_INBOX_LIMIT_MAX)
		return store_fail(error_r, GW_INVALID, "limit %d: must be 1 to %d", limit,
				  STORE_INBOX_LIMIT_MAX);
	if (before < 0)
		return store_fail(error_r, GW_INVALID, "before %lld: must be an item id",
				  (long long)before);
	enum gw_result r = store_inbox_unread(s, staff_id, &list->unread, &last, error_r);
	if (r != GW_OK)
		return r;
	sqlite3_stmt *st = store_db_q(s, store_sql_inbox_list, "idii", staff_id, unread_only ? 1 : 0,
				      (int64_t)(limit > 0 ? limit : STORE_INBOX_LIMIT_DEFAULT),
				      before);
	int rc = st != NULL ? SQLITE_ROW : s->last_rc;
	while (st != NULL && (rc = store_db_step(s, st)) == SQLITE_ROW)
		item_from_row(st, store_vec_push(&list->items, &list->count, &cap,
						 sizeof(*list->items)));
	if (st != NULL)
		sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		store_inbox_list_free(list);
		return store_db_fail(s, error_r, "inbox of staff %lld", (long long)staff_id);
	}
	return GW_OK;
}

enum gw_result store_inbox_unread(struct store *s, int64_t staff_id, int64_t *unread_r,
				  int64_t *last_id_r, char **error_r)
{
	sqlite3_stmt *st = store_db_q(s, store_sql_inbox_unread, "i", staff_id);
	int rc = st != NULL ? store_db_step(s, st) : s->last_rc;

	if (rc != SQLITE_ROW)
		return store_db_fail(s, error_r, "inbox of staff %lld", (long long)staff_id);
	*unread_r = store_col_i64(st, 0);
	if (last_id_r != NULL)
		*last_id_r = store_col_i64(st, 1);
	sqlite3_reset(st);
	return GW_OK;
}

enum gw_result store_inbox_open(struct store *s, int64_t staff_id, int64_t item_id,
				struct store_inbox_item *item_r, char **error_r)
{
	memset(item_r, 0, sizeof(*item_r));
	enum gw_result r = store_tx_begin(s, 1, error_r);
	if (r != GW_OK)
		return r;
	sqlite3_stmt *st = store_db_q(s, SQL_INBOX_ONE, "ii", staff_id, item_id);
	int rc = st != NULL ? store_db_step(s, st) : s->last_rc;
	if (rc == SQLITE_ROW)
		item_from_row(st, item_r);
	if (st != NULL)
		sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		r = store_fail(error_r, GW_NOTFOUND, "inbox item %lld: no such item",
			       (long long)item_id);
	else if (rc != SQLITE_ROW)
		r = store_db_fail(s, error_r, "inbox item %lld", (long long)item_id);
	else if (item_r->read_at == 0) {
		item_r->read_at = clock_now();
		if (store_db_exec(s, SQL_INBOX_READ_ONE, "iii", staff_id, item_id,
				  item_r->read_at) != SQLITE_OK)
			r = store_db_fail(s, error_r, "inbox item %lld", (long long)item_id);
	}
	r = store_tx_end(s, r, error_r);
	if (r != GW_OK)
		store_inbox_item_clear(item_r);
	return r;
}

enum gw_result store_inbox_mark_read(struct store *s, int64_t staff_id, const int64_t *ids,
				     size_t n, int64_t *marked_r, char **error_r)
{
	int64_t now = clock_now(), marked = 0;
	enum gw_result r = store_tx_begin(s, 1, error_r);

	if (marked_r != NULL)
		*marked_r = 0;
	if (r != GW_OK)
		return r;
	if (ids == NULL) {
		if (store_db_exec(s, SQL_INBOX_READ_ALL, "ii", staff_id, now) != SQLITE_OK)
			r = store_db_fail(s, error_r, "inbox of staff %lld", (long long)staff_id);
		else
			marked = store_db_changes(s);
	}
	/* every id first, so that a wrong one marks nothing */
	for (size_t i = 0; ids != NULL && r == GW_OK && i < n; i++) {
		int64_t one = 0;
		int rc = store_db_int(s, SQL_INBOX_MINE, &one, "ii", staff_id, ids[i]);
		if (rc == SQLITE_DONE)
			r = store_fail(error_r, GW_NOTFOUND, "inbox item %lld: no such item",
				       (long long)ids[i]);
		else if (rc != SQLITE_ROW)
			r = store_db_fail(s, error_r, "inbox item %lld", (long long)ids[i]);
	}
	for (size_t i = 0; ids != NULL && r == GW_OK && i < n; i++) {
		if (store_db_exec(s, SQL_INBOX_READ_ONE, "iii", staff_id, ids[i], now) !=
		    SQLITE_OK)
			r = store_db_fail(s, error_r, "inbox item %lld", (long long)ids[i]);
		else
			marked += store_db_changes(s);
	}
	r = store_tx_end(s, r, error_r);
	if (r == GW_OK && marked_r != NULL)
		*marked_r = marked;
	return r;
}

char *store_inbox_item_path(const struct store_inbox_item *it)
{
	if (it->thread_id == 0)
		return xstrdup("/#bounces");
	if (it->kind == STORE_INBOX_TASK)
		return xasprintf("/t/%lld#tasks", (long long)it->thread_id);
	if (it->message_id != 0)
		return xasprintf("/t/%lld#m%lld", (long long)it->thread_id,
				 (long long)it->message_id);
	if (it->kind == STORE_INBOX_UPLOAD && it->object_id != 0)
		return xasprintf("/t/%lld#f%lld", (long long)it->thread_id,
				 (long long)it->object_id);
	return xasprintf("/t/%lld", (long long)it->thread_id);
}

void store_inbox_item_clear(struct store_inbox_item *it)
{
	if (it == NULL)
		return;
	free(it->subject);
	free(it->account_name);
	free(it->actor_name);
	free(it->detail);
	memset(it, 0, sizeof(*it));
}

void store_inbox_list_free(struct store_inbox_list *list)
{
	for (size_t i = 0; i < list->count; i++)
		store_inbox_item_clear(&list->items[i]);
	free(list->items);
	memset(list, 0, sizeof(*list));
}
