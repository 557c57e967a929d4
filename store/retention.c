/*
 * retention.c - retention steps and the legal hold (retention.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "retention.h"
#include "signin.h"
#include "store_int.h"

/* ---- legal hold ---- */

static const char SQL_HOLD_SET[] =
	"UPDATE accounts SET legal_hold_at = coalesce(legal_hold_at, ?2) WHERE id = ?1";
static const char SQL_HOLD_CLEAR[] = "UPDATE accounts SET legal_hold_at = NULL WHERE id = ?1";
static const char SQL_HOLD_GET[] =
	"SELECT coalesce(legal_hold_at, 0) FROM accounts WHERE id = ?1";

enum gw_result store_account_set_hold(struct store *s, int64_t account_id, int on,
				      char **error_r)
{
	enum gw_result r = store_tx_begin(s, 1, error_r);
	int rc;

	if (r != GW_OK)
		return r;
	if (on)
		rc = store_db_exec(s, SQL_HOLD_SET, "ii", account_id, clock_now());
	else
		rc = store_db_exec(s, SQL_HOLD_CLEAR, "i", account_id);
	if (rc != SQLITE_OK)
		r = store_db_fail(s, error_r, "account %lld", (long long)account_id);
	else if (store_db_changes(s) == 0)
		r = store_fail(error_r, GW_NOTFOUND, "account %lld: no such account",
			       (long long)account_id);
	return store_tx_end(s, r, error_r);
}

enum gw_result store_account_held(struct store *s, int64_t account_id, int *held_r,
				  int64_t *since_r, char **error_r)
{
	int64_t at = 0;
	int rc = store_db_int(s, SQL_HOLD_GET, &at, "i", account_id);

	*held_r = 0;
	if (since_r != NULL)
		*since_r = 0;
	if (rc == SQLITE_DONE)
		return store_fail(error_r, GW_NOTFOUND, "account %lld: no such account",
				  (long long)account_id);
	if (rc != SQLITE_ROW)
		return store_db_fail(s, error_r, "account %lld", (long long)account_id);
	*held_r = at != 0;
	if (since_r != NULL)
		*since_r = at;
	return GW_OK;
}

/* ---- archived threads ---- */

static const char SQL_OLD_THREADS[] =
	"SELECT t.id FROM threads t JOIN accounts a ON a.id = t.account_id"
	" WHERE t.archived_at IS NOT NULL AND t.archived_at < ?1"
	" AND a.legal_hold_at IS NULL ORDER BY t.archived_at LIMIT ?2";
static const char SQL_DEL_MENTIONS[] =
	"DELETE FROM mentions WHERE message_id IN (SELECT id FROM messages WHERE thread_id = ?1)";
static const char SQL_DEL_INBOX[] =
	"DELETE FROM inbox_items WHERE thread_id = ?1"
	" OR message_id IN (SELECT id FROM messages WHERE thread_id = ?1)";
static const char SQL_DEL_THREAD_OUTBOX[] =
	"DELETE FROM outbox WHERE thread_id = ?1"
	" OR message_id IN (SELECT id FROM messages WHERE thread_id = ?1)";
/* A batch's items and window go with the thread's outbox rows. */
static const char SQL_DEL_THREAD_ITEMS[] =
	"DELETE FROM outbox_items WHERE outbox_id IN (SELECT id FROM outbox WHERE thread_id = ?1)"
	" OR message_id IN (SELECT id FROM messages WHERE thread_id = ?1)";
static const char SQL_DEL_THREAD_BATCHES[] = "DELETE FROM outbox_batches WHERE thread_id = ?1";
static const char SQL_TRASH_THREAD_FILES[] =
	"INSERT OR IGNORE INTO blob_trash (sha256, since)"
	" SELECT sha256, ?2 FROM attachments WHERE thread_id = ?1";
static const char SQL_DEL_THREAD_FILES[] = "DELETE FROM attachments WHERE thread_id = ?1";
static const char SQL_DEL_TASKS[] = "DELETE FROM tasks WHERE thread_id = ?1";
static const char SQL_DEL_REFS[] = "DELETE FROM thread_refs WHERE thread_id = ?1";
static const char SQL_DEL_AWAY_NOTES[] = "DELETE FROM auto_reply_notes WHERE thread_id = ?1";
static const char SQL_DEL_FOLLOWERS[] = "DELETE FROM thread_followers WHERE thread_id = ?1";
static const char SQL_DEL_MARKS[] = "DELETE FROM read_marks WHERE thread_id = ?1";
static const char SQL_DEL_MESSAGES[] = "DELETE FROM messages WHERE thread_id = ?1";
static const char SQL_DEL_THREAD[] = "DELETE FROM threads WHERE id = ?1";

/* The SELECT of ids into a malloc'd array. */
static enum gw_result select_ids(struct store *s, const char *sql, int64_t cutoff,
				 int64_t limit, int64_t **ids_r, size_t *n_r, char **error_r)
{
	size_t cap = 0;
	int rc;
	sqlite3_stmt *st = store_db_q(s, sql, "ii", cutoff, limit);

	*ids_r = NULL;
	*n_r = 0;
	if (st == NULL)
		return store_db_fail(s, error_r, "retention");
	while ((rc = store_db_step(s, st)) == SQLITE_ROW)
		*(int64_t *)store_vec_push(ids_r, n_r, &cap, sizeof(**ids_r)) =
			store_col_i64(st, 0);
	if (rc != SQLITE_DONE) {
		free(*ids_r);
		*ids_r = NULL;
		*n_r = 0;
		return store_db_fail(s, error_r, "retention");
	}
	sqlite3_reset(st);
	return GW_OK;
}

static enum gw_result thread_delete(struct store *s, int64_t id, int64_t now,
				    struct store_retention_result *res, char **error_r)
{
	static const char *const before[] = { SQL_DEL_MENTIONS, SQL_DEL_INBOX, SQL_DEL_THREAD_ITEMS,
					      SQL_DEL_THREAD_BATCHES, SQL_DEL_THREAD_OUTBOX };
	static const char *const after[] = { SQL_DEL_TASKS, SQL_DEL_REFS, SQL_DEL_AWAY_NOTES,
					     SQL_DEL_FOLLOWERS, SQL_DEL_MARKS, SQL_DEL_MESSAGES, SQL_DEL_THREAD };

	for (size_t i = 0; i < GW_ARRAY_SIZE(before); i++) {
		if (store_db_exec(s, before[i], "i", id) != SQLITE_OK)
			return store_db_fail(s, error_r, "retention: thread %lld", (long long)id);
		if (before[i] == SQL_DEL_THREAD_OUTBOX)
			res->outbox += store_db_changes(s);
	}
	if (store_db_exec(s, SQL_TRASH_THREAD_FILES, "ii", id, now) != SQLITE_OK ||
	    store_db_exec(s, SQL_DEL_THREAD_FILES, "i", id) != SQLITE_OK)
		return store_db_fail(s, error_r, "retention: thread %lld", (long long)id);
	res->attachments += store_db_changes(s);
	for (size_t i = 0; i < GW_ARRAY_SIZE(after); i++)
		if (store_db_exec(s, after[i], "i", id) != SQLITE_OK)
			return store_db_fail(s, error_r, "retention: thread %lld", (long long)id);
	res->threads++;
	return GW_OK;
}

static enum gw_result threads_step(struct store *s, int64_t cutoff, int64_t now, int batch,
				   struct store_retention_result *res, int *did_r,
				   char **error_r)
{
	int64_t limit = batch / 20 + 1, *ids;
	size_t n;
	enum gw_result r = select_ids(s, SQL_OLD_THREADS, cutoff, limit, &ids, &n, error_r);

	for (size_t i = 0; r == GW_OK && i < n; i++)
		r = thread_delete(s, ids[i], now, res, error_r);
	free(ids);
	*did_r = n > 0;
	if (r == GW_OK && (int64_t)n == limit)
		res->more = 1;
	return r;
}

/* ---- rows of one table ---- */

/* Rows of an account on hold are kept: through the thread they belong to. */
#define NOT_HELD(col)                                                         \
	" AND NOT EXISTS (SELECT 1 FROM threads t JOIN accounts a"           \
	" ON a.id = t.account_id WHERE t.id = " col                          \
	" AND a.legal_hold_at IS NOT NULL)"

static const char SQL_TRASH_OLD_FILES[] =
	"INSERT OR IGNORE INTO blob_trash (sha256, since)"
	" SELECT sha256, ?3 FROM attachments WHERE id IN"
	" (SELECT id FROM attachments WHERE created_at < ?1" NOT_HELD("attachments.thread_id")
	" ORDER BY created_at LIMIT ?2)";
static const char SQL_DEL_OLD_FILES[] =
	"DELETE FROM attachments WHERE id IN"
	" (SELECT id FROM attachments WHERE created_at < ?1" NOT_HELD("attachments.thread_id")
	" ORDER BY created_at LIMIT ?2)";
static const char SQL_DEL_OLD_OUTBOX[] =
	"DELETE FROM outbox WHERE id IN"
	" (SELECT id FROM outbox WHERE created_at < ?1 AND status IN ('sent', 'failed')"
	NOT_HELD("outbox.thread_id") " ORDER BY created_at LIMIT ?2)";
/* The items and windows of the rows SQL_DEL_OLD_OUTBOX deletes next (the
 * same selection, in the same transaction). */
#define OLD_OUTBOX_IDS                                                        \
	" (SELECT id FROM outbox WHERE created_at < ?1 AND status IN ('sent', 'failed')" \
	NOT_HELD("outbox.thread_id") " ORDER BY created_at LIMIT ?2)"
static const char SQL_DEL_OLD_OUTBOX_ITEMS[] =
	"DELETE FROM outbox_items WHERE outbox_id IN" OLD_OUTBOX_IDS;
static const char SQL_DEL_OLD_OUTBOX_BATCHES[] =
	"DELETE FROM outbox_batches WHERE outbox_id IN" OLD_OUTBOX_IDS;
static const char SQL_DEL_OLD_INBOUND[] =
	"DELETE FROM inbound_log WHERE id IN"
	" (SELECT id FROM inbound_log WHERE received_at < ?1"
	NOT_HELD("inbound_log.thread_id") " ORDER BY received_at LIMIT ?2)";

static const char SQL_DEL_OLD_SESSIONS[] =
	"DELETE FROM sessions WHERE id IN"
	" (SELECT id FROM sessions WHERE created_at < ?1 ORDER BY created_at LIMIT ?2)";
static const char SQL_DEL_OLD_SIGNIN[] =
	"DELETE FROM signin_links WHERE id IN"
	" (SELECT id FROM signin_links WHERE created_at < ?1 ORDER BY created_at LIMIT ?2)";
static const char SQL_DEL_OLD_SIGNIN_RATE[] =
	"DELETE FROM signin_rate WHERE rowid IN"
	" (SELECT rowid FROM signin_rate WHERE at < ?1 ORDER BY at LIMIT ?2)";
/* A sign-in link is of no use a day on: its address goes then. */
#define SIGNIN_KEEP 86400

static enum gw_result rows_step(struct store *s, const char *sql, const char *trash_sql,
				int64_t cutoff, int64_t now, int batch, int64_t *count,
				struct store_retention_result *res, int *did_r, char **error_r)
{
	int64_t n;

	if (trash_sql != NULL &&
	    store_db_exec(s, trash_sql, "iii", cutoff, (int64_t)batch, now) != SQLITE_OK)
		return store_db_fail(s, error_r, "retention");
	if (store_db_exec(s, sql, "ii", cutoff, (int64_t)batch) != SQLITE_OK)
		return store_db_fail(s, error_r, "retention");
	n = store_db_changes(s);
	*count += n;
	*did_r = n > 0;
	if (n == batch)
		res->more = 1;
	return GW_OK;
}

static enum gw_result outbox_items_step(struct store *s, int64_t cutoff, int batch,
					char **error_r)
{
	if (store_db_exec(s, SQL_DEL_OLD_OUTBOX_ITEMS, "ii", cutoff, (int64_t)batch) != SQLITE_OK ||
	    store_db_exec(s, SQL_DEL_OLD_OUTBOX_BATCHES, "ii", cutoff, (int64_t)batch) != SQLITE_OK)
		return store_db_fail(s, error_r, "retention");
	return GW_OK;
}

/* ---- files ---- */

static const char SQL_TRASH_LIST[] =
	"SELECT sha256 FROM blob_trash ORDER BY since LIMIT ?1";
static const char SQL_TRASH_USED[] = "SELECT count(*) FROM attachments WHERE sha256 = ?1";
static const char SQL_TRASH_DEL[] = "DELETE FROM blob_trash WHERE sha256 = ?1";

/*
 * One file: under the write lock, so that no row referring to it can
 * commit in between; a file touched within the grace may belong to an
 * upload whose row is about to commit, and stays for a later step.
 */
static enum gw_result file_remove(struct store *s, const char *dir, const char *hex,
				  int64_t now, struct store_retention_result *res, int *kept_r,
				  char **error_r)
{
	int64_t used = 0;
	struct stat sb;
	char *path = store_attachment_path(dir, hex);
	enum gw_result r = store_tx_begin(s, 1, error_r);

	*kept_r = 0;
	if (r == GW_OK && store_db_int(s, SQL_TRASH_USED, &used, "s", hex) != SQLITE_ROW)
		r = store_db_fail(s, error_r, "retention: file %s", hex);
	if (r == GW_OK && used == 0 && stat(path, &sb) == 0 &&
	    now - (int64_t)sb.st_mtime < STORE_BLOB_GRACE) {
		*kept_r = 1;
		free(path);
		(void)store_tx_end(s, GW_PERMFAIL, NULL);
		return GW_OK;
	}
	if (r == GW_OK && used == 0) {
		if (unlink(path) == 0)
			res->files++;
		else if (errno != ENOENT)
			r = store_fail(error_r, GW_TEMPFAIL, "retention: unlink %s: %s", path,
				       strerror(errno));
	}
	if (r == GW_OK && store_db_exec(s, SQL_TRASH_DEL, "s", hex) != SQLITE_OK)
		r = store_db_fail(s, error_r, "retention: file %s", hex);
	free(path);
	return store_tx_end(s, r, error_r);
}

static enum gw_result files_step(struct store *s, const char *dir, int64_t now, int batch,
				 struct store_retention_result *res, char **error_r)
{
	char **hexes = NULL;
	size_t n = 0, cap = 0;
	int rc, kept_all = 1;
	enum gw_result r = GW_OK;
	sqlite3_stmt *st = store_db_q(s, SQL_TRASH_LIST, "i", (int64_t)batch);

	if (st == NULL)
		return store_db_fail(s, error_r, "retention: files");
	while ((rc = store_db_step(s, st)) == SQLITE_ROW)
		*(char **)store_vec_push(&hexes, &n, &cap, sizeof(*hexes)) = store_col_str(st, 0);
	if (rc != SQLITE_DONE)
		r = store_db_fail(s, error_r, "retention: files");
	else
		sqlite3_reset(st);
	for (size_t i = 0; i < n; i++) {
		int kept = 0;

		if (r == GW_OK && dir != NULL)
			r = file_remove(s, dir, hexes[i], now, res, &kept, error_r);
		kept_all &= kept;
		free(hexes[i]);
	}
	free(hexes);
	/* Files kept for their grace wait for the next run, not this one. */
	if (r == GW_OK && (int64_t)n == batch && !kept_all)
		res->more = 1;
	return r;
}

/* ---- one step ---- */

enum gw_result store_retention_step(struct store *s, const struct store_retention *p,
				    int64_t now, int batch, const char *files_dir,
				    struct store_retention_result *res, char **error_r)
{
	enum gw_result r;
	int did = 0;

	if (batch <= 0)
		batch = 500;
	res->more = 0;
	if ((r = store_tx_begin(s, 1, error_r)) != GW_OK)
		return r;
	if (p->archived_threads > 0)
		r = threads_step(s, now - p->archived_threads, now, batch, res, &did, error_r);
	if (r == GW_OK && !did && p->attachments > 0)
		r = rows_step(s, SQL_DEL_OLD_FILES, SQL_TRASH_OLD_FILES, now - p->attachments,
			      now, batch, &res->attachments, res, &did, error_r);
	if (r == GW_OK && !did && p->outbox > 0)
		r = outbox_items_step(s, now - p->outbox, batch, error_r);
	if (r == GW_OK && !did && p->outbox > 0)
		r = rows_step(s, SQL_DEL_OLD_OUTBOX, NULL, now - p->outbox, now, batch,
			      &res->outbox, res, &did, error_r);
	if (r == GW_OK && !did && p->inbound_log > 0)
		r = rows_step(s, SQL_DEL_OLD_INBOUND, NULL, now - p->inbound_log, now, batch,
			      &res->inbound, res, &did, error_r);
	if (r == GW_OK && !did && p->sessions > 0)
		r = rows_step(s, SQL_DEL_OLD_SESSIONS, NULL, now - p->sessions, now, batch,
			      &res->sessions, res, &did, error_r);
	if (r == GW_OK && !did)
		r = rows_step(s, SQL_DEL_OLD_SIGNIN, NULL, now - SIGNIN_KEEP, now, batch,
			      &res->sessions, res, &did, error_r);
	if (r == GW_OK && !did)
		r = rows_step(s, SQL_DEL_OLD_SIGNIN_RATE, NULL, now - STORE_SIGNIN_WINDOW, now,
			      batch, &res->sessions, res, &did, error_r);
	/* Deleted rows' words leave the search indexes once the rows are
	 * gone (store/search.h). */
	if (r == GW_OK && !did)
		r = store_search_purge_step(s, &did, error_r);
	if ((r = store_tx_end(s, r, error_r)) != GW_OK)
		return r;
	if (did) {
		/* The kinds after this one, and the files, come next. */
		res->more = 1;
		return GW_OK;
	}
	/* Files only after the rows' commit: see retention.h. */
	return files_step(s, files_dir != NULL ? files_dir : s->attachments_dir, now, batch,
			  res, error_r);
}
