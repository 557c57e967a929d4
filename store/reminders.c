/*
 * reminders.c - the reminder rules (see store.h for the rules in words).
 *
 * State lives on the thread row: rem_message_id (the staff message the
 * cycle concerns), rem_anchor_at (cycle start), rem_sent, and rem_next_due,
 * which is NULL whenever the cycle is stopped.  The partial index on
 * rem_next_due makes both the scheduler's "what is due" query and the
 * daemon's "when is the next one" query index searches.
 *
 * Events that can stop a cycle clear rem_next_due at once (so the next due
 * time is always right), and the scheduler re-checks every stop rule when a
 * reminder falls due, inside its write transaction.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "i18n.h"
#include "reminder_words.h"
#include "store_int.h"
#include "webhook.h"

#define REMINDERS_BATCH 100

static const char SQL_LAST_STAFF_MESSAGE[] =
	"SELECT coalesce(max(id), 0) FROM messages WHERE thread_id = ?1 AND author_kind = 'staff'"
	" AND staff_only = 0";

enum gw_result store_last_staff_message(struct store *s, int64_t thread_id, int64_t *id_r,
					char **error_r)
{
	*id_r = 0;
	if (store_db_int(s, SQL_LAST_STAFF_MESSAGE, id_r, "i", thread_id) != SQLITE_ROW)
		return store_db_fail(s, error_r, "thread %lld: last staff message", (long long)thread_id);
	return GW_OK;
}

static const char SQL_RESTART[] =
	"UPDATE threads SET rem_message_id = ?2, rem_anchor_at = ?3, rem_sent = 0,"
	" rem_next_due = CASE WHEN rem_enabled = 1 AND archived_at IS NULL"
	"                THEN ?3 + rem_days * 86400 END"
	" WHERE id = ?1";
static const char SQL_STOP[] = "UPDATE threads SET rem_next_due = NULL WHERE id = ?1";
/* Reminders waiting for an away contact's return concern the cycle that
   ends: they go too (status failed, with the reason). */
static const char SQL_CANCEL_WAITING[] =
	"UPDATE outbox SET status = 'failed', last_error = 'reminder no longer due'"
	" WHERE thread_id = ?1 AND kind = 'reminder' AND status = 'queued' AND attempts = 0"
	" AND next_attempt_at > ?2";

static enum gw_result cancel_waiting(struct store *s, int64_t thread_id, int64_t now,
				     char **error_r)
{
	if (store_db_exec(s, SQL_CANCEL_WAITING, "ii", thread_id, now) != SQLITE_OK)
		return store_db_fail(s, error_r, "thread %lld: waiting reminders",
				     (long long)thread_id);
	return GW_OK;
}

enum gw_result store_reminders_restart(struct store *s, int64_t thread_id, int64_t message_id,
				       int64_t now, char **error_r)
{
	if (store_db_exec(s, SQL_RESTART, "iii", thread_id, message_id, now) != SQLITE_OK)
		return store_db_fail(s, error_r, "thread %lld: reminders", (long long)thread_id);
	enum gw_result r = cancel_waiting(s, thread_id, now, error_r);
	return r == GW_OK ? store_reminders_check_stop(s, thread_id, error_r) : r;
}

enum gw_result store_reminders_stop(struct store *s, int64_t thread_id, char **error_r)
{
	if (store_db_exec(s, SQL_STOP, "i", thread_id) != SQLITE_OK)
		return store_db_fail(s, error_r, "thread %lld: reminders", (long long)thread_id);
	return cancel_waiting(s, thread_id, clock_now(), error_r);
}

/* A contact posted after the staff message the cycle concerns. */
static const char SQL_CLIENT_REPLIED[] =
	"SELECT EXISTS (SELECT 1 FROM messages WHERE thread_id = ?1 AND author_kind = 'contact'"
	" AND id > ?2)";
/* Every task done and some contact has read every client-visible message. */
static const char SQL_DONE_AND_READ[] =
	"SELECT NOT EXISTS (SELECT 1 FROM tasks WHERE thread_id = ?1 AND done_at IS NULL)"
	" AND EXISTS (SELECT 1 FROM read_marks WHERE thread_id = ?1 AND reader_kind = 'contact'"
	"  AND last_read_message_id >= (SELECT coalesce(max(id), 0) FROM messages"
	"                               WHERE thread_id = ?1 AND staff_only = 0))";

/* Does a stop rule other than "off/archived/count" apply?  *why_r names it. */
static enum gw_result stop_rule(struct store *s, const struct thread_core *t,
				const char **why_r, char **error_r)
{
	*why_r = NULL;
	int64_t v = 0;
	if (store_db_int(s, SQL_CLIENT_REPLIED, &v, "ii", t->id, t->rem_message_id) != SQLITE_ROW)
		return store_db_fail(s, error_r, "thread %lld: reminders", (long long)t->id);
	if (v) {
		*why_r = "client replied";
		return GW_OK;
	}
	if (store_db_int(s, SQL_DONE_AND_READ, &v, "i", t->id) != SQLITE_ROW)
		return store_db_fail(s, error_r, "thread %lld: reminders", (long long)t->id);
	if (v)
		*why_r = "tasks done and messages read";
	return GW_OK;
}

enum gw_result store_reminders_check_stop(struct store *s, int64_t thread_id, char **error_r)
{
	struct thread_core t;
	enum gw_result r = store_thread_core_get(s, thread_id, &t, error_r);
	/* a finished cycle may still have reminders waiting for an away
	   contact: the stop rules end those too */
	if (r != GW_OK || t.rem_message_id == 0)
		return r;
	const char *why;
	r = stop_rule(s, &t, &why, error_r);
	if (r == GW_OK && why != NULL)
		r = store_reminders_stop(s, thread_id, error_r);
	return r;
}

/*
 * The staff note written when reminders are switched on, off or changed:
 * the schedule and the stop rule in the words the banner uses.  Clients
 * see the current state in the banner, not a trail of notes.
 */
char *store_reminder_note_text(int enabled, int days, int count, int has_tasks)
{
	if (!enabled)
		return xstrdup(_("Reminders are off for this chat."));
	struct buf b = BUF_INIT;
	buf_printf(&b, ngettext("Reminders are on: if the client does not answer, "
				"%d reminder will be emailed.",
				"Reminders are on: if the client does not answer, "
				"up to %d reminders will be emailed.", (unsigned long)count),
		   count);
	buf_putc(&b, ' ');
	buf_printf(&b, ngettext("Each goes out %d day after the latest message or the "
				"previous reminder.",
				"Each goes out %d days after the latest message or the "
				"previous reminder.", (unsigned long)days),
		   days);
	buf_putc(&b, ' ');
	buf_puts(&b, reminder_words_rule(REMINDER_TO_STAFF, has_tasks));
	return buf_detach(&b);
}

char *store_reminder_note_args(int enabled, int days, int count, int has_tasks)
{
	return xasprintf("%d" STORE_NOTE_SEP "%d" STORE_NOTE_SEP "%d" STORE_NOTE_SEP "%d",
			 enabled ? 1 : 0, days, count, has_tasks ? 1 : 0);
}

/* ---- the scheduler ---- */

const char store_sql_reminders_due[] =
	"SELECT id FROM threads WHERE rem_next_due IS NOT NULL AND rem_next_due <= ?1"
	" ORDER BY rem_next_due LIMIT ?2";
const char store_sql_reminders_next[] =
	"SELECT min(rem_next_due) FROM threads WHERE rem_next_due IS NOT NULL";
static const char SQL_REMINDER_SENT[] =
	"UPDATE threads SET rem_sent = ?2, last_notified_at = ?3,"
	" rem_next_due = CASE WHEN ?2 < rem_count THEN ?3 + rem_days * 86400 END"
	" WHERE id = ?1";

/*
 * Every contact the reminder would go to is away: *back_r is when the
 * first of them may be reminded again (0 = someone is here, or nobody
 * gets reminders at all).
 */
static const char SQL_ALL_AWAY[] =
	"SELECT count(*), coalesce(sum(coalesce(away_resume_at, 0) > ?2), 0),"
	" coalesce(min(CASE WHEN coalesce(away_resume_at, 0) > ?2 THEN away_resume_at END), 0)"
	" FROM contacts"
	" WHERE account_id = ?1 AND notify = 1 AND email_status = 'ok' AND removed_at IS NULL";

static enum gw_result all_away(struct store *s, int64_t account_id, int64_t now,
			       int64_t *back_r, char **error_r)
{
	sqlite3_stmt *st = store_db_q(s, SQL_ALL_AWAY, "ii", account_id, now);
	int rc = st != NULL ? store_db_step(s, st) : s->last_rc;

	*back_r = 0;
	if (rc != SQLITE_ROW)
		return store_db_fail(s, error_r, "account %lld: away contacts", (long long)account_id);
	if (store_col_i64(st, 0) > 0 && store_col_i64(st, 1) == store_col_i64(st, 0))
		*back_r = store_col_i64(st, 2);
	sqlite3_reset(st);
	return GW_OK;
}

static const char SQL_POSTPONE[] = "UPDATE threads SET rem_next_due = ?2 WHERE id = ?1";

/* One due thread: stop it, or enqueue its next reminder and advance. */
static enum gw_result reminder_fire(struct store *s, int64_t thread_id, int64_t now,
				    int *n_r, char **error_r)
{
	struct thread_core t;
	enum gw_result r = store_thread_core_get(s, thread_id, &t, error_r);
	if (r != GW_OK)
		return r;
	if (t.rem_next_due == 0 || t.rem_next_due > now)
		return GW_OK; /* another scheduler got here first */
	if (!t.rem_enabled || t.archived || t.rem_message_id == 0 || t.rem_sent >= t.rem_count)
		return store_reminders_stop(s, thread_id, error_r);
	const char *why;
	if ((r = stop_rule(s, &t, &why, error_r)) != GW_OK)
		return r;
	if (why != NULL)
		return store_reminders_stop(s, thread_id, error_r);

	/*
	 * Everyone it would reach is away: the reminder waits for the first
	 * return, and the stop rules are checked again then.  When only some
	 * are away, the others get it now and theirs waits (notify.c).
	 */
	int64_t back = 0;
	if ((r = all_away(s, t.account_id, now, &back, error_r)) != GW_OK)
		return r;
	if (back > now) {
		if (store_db_exec(s, SQL_POSTPONE, "ii", thread_id, back) != SQLITE_OK)
			return store_db_fail(s, error_r, "thread %lld: reminders", (long long)thread_id);
		return GW_OK;
	}

	int n = t.rem_sent + 1, inserted = 0;
	char key[96], extra[16];
	snprintf(key, sizeof(key), "reminder:%lld:%lld:%d", (long long)thread_id,
		 (long long)t.rem_message_id, n);
	snprintf(extra, sizeof(extra), "%d", n);
	r = store_notify_contacts(s, thread_id, t.account_id, MAIL_REMINDER, t.rem_message_id,
				  extra, key, 1, now, &inserted, error_r);
	if (r == GW_OK && store_db_exec(s, SQL_REMINDER_SENT, "idi", thread_id, n, now) != SQLITE_OK)
		r = store_db_fail(s, error_r, "thread %lld: reminders", (long long)thread_id);
	if (r == GW_OK && inserted > 0) {
		struct webhook_event_new ev = {
			.type = WEBHOOK_REMINDER_SENT, .thread_id = thread_id, .object_id = thread_id,
			.number = n, .now = now,
		};
		r = store_webhook_event(s, &ev, error_r);
	}
	*n_r += inserted;
	return r;
}

enum gw_result store_reminders_run(struct store *s, int64_t now, int *n_enqueued_r,
				   char **error_r)
{
	int total = 0;
	enum gw_result r = GW_OK;
	for (;;) {
		if ((r = store_tx_begin(s, 1, error_r)) != GW_OK)
			break;
		int64_t ids[REMINDERS_BATCH];
		size_t n = 0;
		sqlite3_stmt *st = store_db_q(s, store_sql_reminders_due, "id", now, REMINDERS_BATCH);
		int rc = st != NULL ? SQLITE_ROW : s->last_rc;
		while (st != NULL && n < REMINDERS_BATCH && (rc = store_db_step(s, st)) == SQLITE_ROW)
			ids[n++] = store_col_i64(st, 0);
		if (st != NULL)
			sqlite3_reset(st);
		if (rc != SQLITE_DONE && rc != SQLITE_ROW)
			r = store_db_fail(s, error_r, "reminders: due threads");
		int batch = 0;
		for (size_t i = 0; r == GW_OK && i < n; i++)
			r = reminder_fire(s, ids[i], now, &batch, error_r);
		r = store_tx_end(s, r, error_r);
		if (r != GW_OK)
			break;
		total += batch;
		if (n < REMINDERS_BATCH)
			break;
	}
	if (n_enqueued_r != NULL)
		*n_enqueued_r = total;
	return r;
}

enum gw_result store_reminders_next_due(struct store *s, int64_t *due_r, char **error_r)
{
	*due_r = 0;
	sqlite3_stmt *st = store_db_q(s, store_sql_reminders_next, "");
	int rc = st != NULL ? store_db_step(s, st) : s->last_rc;
	if (rc != SQLITE_ROW)
		return store_db_fail(s, error_r, "reminders: next due");
	int null = sqlite3_column_type(st, 0) == SQLITE_NULL;
	*due_r = store_col_i64(st, 0);
	sqlite3_reset(st);
	if (null)
		return store_fail(error_r, GW_NOTFOUND, "reminders: nothing scheduled");
	return GW_OK;
}
