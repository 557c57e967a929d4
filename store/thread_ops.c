/*
 * thread_ops.c - what staff and clients do to a thread besides posting:
 * tasks, archive and reopen, show-content, reminder settings and resend.
 * Each is one write transaction with its outbox rows and reminder state.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_int.h"
#include "webhook.h"

/* Staff action on a thread: staff_id 0 is the firm itself (CLI). */
static enum gw_result staff_action(struct store *s, int64_t thread_id, int64_t staff_id,
				   struct thread_core *t, char **error_r)
{
	enum gw_result r = store_thread_core_get(s, thread_id, t, error_r);
	if (r != GW_OK || staff_id == 0)
		return r;
	if (store_staff_sees_account(s, staff_id, t->account_id, NULL) != GW_OK)
		return store_fail(error_r, GW_NOTFOUND, "thread %lld: not visible to staff %lld",
				  (long long)thread_id, (long long)staff_id);
	return GW_OK;
}

/* ---- tasks ---- */

static const char SQL_TASK_APPEND[] =
	"INSERT INTO tasks (thread_id, text, position, created_at) VALUES (?1, ?2,"
	" (SELECT coalesce(max(position), 0) + 1 FROM tasks WHERE thread_id = ?1), ?3)";
static const char SQL_TASK_STATE[] =
	"SELECT thread_id, done_at IS NOT NULL FROM tasks WHERE id = ?1";
static const char SQL_TASK_DONE[] =
	"UPDATE tasks SET done_at = ?2, done_by_kind = ?3, done_by_id = ?4 WHERE id = ?1";
static const char SQL_TASK_UNDONE[] =
	"UPDATE tasks SET done_at = NULL, done_by_kind = NULL, done_by_id = NULL WHERE id = ?1";
static const char SQL_CONTACT_OF[] = "SELECT account_id FROM contacts WHERE id = ?1";

/* The task.changed webhook event; KIND 0 = no actor (a task added by staff
 * through the API names none). */
static enum gw_result task_event(struct store *s, int64_t thread_id, int64_t task_id,
				 const char *change, enum store_kind kind, int64_t by_id,
				 int64_t now, char **error_r)
{
	struct webhook_event_new ev = {
		.type = WEBHOOK_TASK_CHANGED, .thread_id = thread_id, .object_id = task_id,
		.text1 = change, .text2 = kind != 0 ? store_kind_name(kind) : NULL,
		.number = by_id, .now = now,
	};
	return store_webhook_event(s, &ev, error_r);
}

enum gw_result store_task_add(struct store *s, int64_t thread_id, const char *text,
			      int64_t *task_id_r, char **error_r)
{
	enum gw_result r = store_text_check("task", text, TEXT_MAX_TASK, 0, error_r);
	if (r != GW_OK)
		return r;
	if ((r = store_tx_begin(s, 1, error_r)) != GW_OK)
		return r;
	struct thread_core t;
	int64_t id = 0;
	r = store_thread_core_get(s, thread_id, &t, error_r);
	if (r == GW_OK && t.archived)
		r = store_fail(error_r, GW_INVALID, "thread %lld: archived, reopen it first",
			       (long long)thread_id);
	if (r == GW_OK && store_db_exec(s, SQL_TASK_APPEND, "isi", thread_id, text, clock_now()) !=
				  SQLITE_OK)
		r = store_db_fail(s, error_r, "thread %lld: add task", (long long)thread_id);
	if (r == GW_OK) {
		id = store_db_last_id(s);
		r = task_event(s, thread_id, id, "added", 0, 0, clock_now(), error_r);
	}
	r = store_tx_end(s, r, error_r);
	if (r == GW_OK && task_id_r != NULL)
		*task_id_r = id;
	return r;
}

static enum gw_result task_actor(struct store *s, int64_t task_id, const struct thread_core *t,
				 enum store_kind kind, int64_t id, char **error_r)
{
	if (kind == STORE_STAFF)
		return store_staff_sees_account(s, id, t->account_id, NULL) == GW_OK
			       ? GW_OK
			       : store_fail(error_r, GW_NOTFOUND, "task %lld: not visible to staff %lld",
					    (long long)task_id, (long long)id);
	if (kind != STORE_CONTACT)
		return store_fail(error_r, GW_INVALID, "task %lld: a %s cannot tick tasks",
				  (long long)task_id, store_kind_name(kind));
	int64_t acc = 0;
	int rc = store_db_int(s, SQL_CONTACT_OF, &acc, "i", id);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_db_fail(s, error_r, "contact %lld", (long long)id);
	if (rc == SQLITE_DONE || acc != t->account_id)
		return store_fail(error_r, GW_NOTFOUND, "task %lld: not visible to contact %lld",
				  (long long)task_id, (long long)id);
	return GW_OK;
}

enum gw_result store_task_set_done(struct store *s, int64_t task_id, enum store_kind kind,
				   int64_t by_id, int done, char **error_r)
{
	enum gw_result r = store_tx_begin(s, 1, error_r);
	if (r != GW_OK)
		return r;
	struct thread_core t = { 0 };
	int64_t thread_id = 0, was_done = 0, now = clock_now();
	sqlite3_stmt *st = store_db_q(s, SQL_TASK_STATE, "i", task_id);
	int rc = st != NULL ? store_db_step(s, st) : s->last_rc;
	if (rc == SQLITE_ROW) {
		thread_id = store_col_i64(st, 0);
		was_done = store_col_i64(st, 1);
		sqlite3_reset(st);
	} else if (rc == SQLITE_DONE) {
		r = store_fail(error_r, GW_NOTFOUND, "task %lld: no such task", (long long)task_id);
	} else {
		r = store_db_fail(s, error_r, "task %lld", (long long)task_id);
	}
	if (r == GW_OK)
		r = store_thread_core_get(s, thread_id, &t, error_r);
	if (r == GW_OK)
		r = task_actor(s, task_id, &t, kind, by_id, error_r);
	if (r == GW_OK && t.archived)
		r = store_fail(error_r, GW_INVALID, "thread %lld: archived, reopen it first",
			       (long long)thread_id);
	if (r != GW_OK || (done != 0) == (was_done != 0))
		return store_tx_end(s, r, error_r);

	rc = done ? store_db_exec(s, SQL_TASK_DONE, "iisi", task_id, now, store_kind_name(kind), by_id)
		  : store_db_exec(s, SQL_TASK_UNDONE, "i", task_id);
	if (rc != SQLITE_OK)
		r = store_db_fail(s, error_r, "task %lld", (long long)task_id);
	if (r == GW_OK)
		r = task_event(s, thread_id, task_id, done ? "done" : "undone", kind, by_id, now,
			       error_r);
	if (r == GW_OK && kind == STORE_CONTACT) {
		struct inbox_event ev = {
			.kind = STORE_INBOX_TASK, .thread_id = thread_id,
			.account_id = t.account_id, .contact_id = by_id,
			.actor_kind = STORE_CONTACT, .actor_id = by_id, .object_id = task_id,
			.detail = done ? "done" : "undone", .now = now,
		};
		r = store_inbox_add_told(s, &ev, NULL, 0, error_r);
	}
	/* Staff hear of a client's tick, and of an untick, by name. */
	if (r == GW_OK && kind == STORE_CONTACT) {
		char extra[32];
		snprintf(extra, sizeof(extra), "%lld", (long long)task_id);
		struct outbox_new ev = {
			.kind = MAIL_STAFF_TASK_DONE, .thread_id = thread_id, .extra = extra,
			.now = now, .actor_kind = kind, .actor_id = by_id, .undone = !done,
		};
		r = store_notify_staff_event(s, &ev, t.account_id, NULL, NULL, 0, error_r);
		if (r == GW_OK && done && t.rem_message_id != 0)
			r = store_reminders_check_stop(s, thread_id, error_r);
	}
	return store_tx_end(s, r, error_r);
}

/* ---- archive, reopen, show content ---- */

static const char SQL_ARCHIVE[] =
	"UPDATE threads SET archived_at = ?2, rem_next_due = NULL"
	" WHERE id = ?1 AND archived_at IS NULL";
static const char SQL_REOPEN[] =
	"UPDATE threads SET archived_at = NULL WHERE id = ?1 AND archived_at IS NOT NULL";
static const char SQL_SHOW_CONTENT[] = "UPDATE threads SET show_content = ?2 WHERE id = ?1";

enum gw_result store_thread_archive(struct store *s, int64_t thread_id, int64_t staff_id,
				    char **error_r)
{
	enum gw_result r = store_tx_begin(s, 1, error_r);
	if (r != GW_OK)
		return r;
	struct thread_core t;
	r = staff_action(s, thread_id, staff_id, &t, error_r);
	if (r == GW_OK && store_db_exec(s, SQL_ARCHIVE, "ii", thread_id, clock_now()) != SQLITE_OK)
		r = store_db_fail(s, error_r, "thread %lld: archive", (long long)thread_id);
	/* reminders waiting for an away contact go with the cycle */
	if (r == GW_OK)
		r = store_reminders_stop(s, thread_id, error_r);
	return store_tx_end(s, r, error_r);
}

static const char SQL_REMINDERS_ON[] = "UPDATE threads SET rem_enabled = 1 WHERE id = ?1";
static const char SQL_HAS_TASKS[] = "SELECT EXISTS (SELECT 1 FROM tasks WHERE thread_id = ?1)";

/* The staff note that records a change of the reminder settings. */
static enum gw_result reminder_note(struct store *s, int64_t thread_id, int enabled, int days,
				    int count, int64_t now, char **error_r)
{
	int64_t has_tasks = 0, note = 0;
	if (store_db_int(s, SQL_HAS_TASKS, &has_tasks, "i", thread_id) != SQLITE_ROW)
		return store_db_fail(s, error_r, "thread %lld: tasks", (long long)thread_id);
	char *args = store_reminder_note_args(enabled, days, count, has_tasks != 0);
	enum gw_result r = store_note_insert(s, thread_id, 1, now, "reminders", args, &note,
					     error_r);
	free(args);
	return r;
}

/*
 * Reopening turns reminders on as if the last staff message were new, even
 * when they had been switched off, with the thread's last days and count
 * (the defaults when they were never set).  Turning them on is a change of
 * the settings, so it leaves the staff note such a change leaves.
 */
enum gw_result store_thread_reopen(struct store *s, int64_t thread_id, int64_t staff_id,
				   char **error_r)
{
	enum gw_result r = store_tx_begin(s, 1, error_r);
	if (r != GW_OK)
		return r;
	struct thread_core t;
	int64_t now = clock_now();
	r = staff_action(s, thread_id, staff_id, &t, error_r);
	if (r == GW_OK && !t.archived)
		return store_tx_end(s, r, error_r);
	if (r == GW_OK && store_db_exec(s, SQL_REOPEN, "i", thread_id) != SQLITE_OK)
		r = store_db_fail(s, error_r, "thread %lld: reopen", (long long)thread_id);
	if (r == GW_OK && !t.rem_enabled) {
		if (store_db_exec(s, SQL_REMINDERS_ON, "i", thread_id) != SQLITE_OK)
			r = store_db_fail(s, error_r, "thread %lld: reminders", (long long)thread_id);
		if (r == GW_OK)
			r = reminder_note(s, thread_id, 1, t.rem_days, t.rem_count, now, error_r);
	}
	int64_t msg = 0;
	if (r == GW_OK)
		r = store_last_staff_message(s, thread_id, &msg, error_r);
	/* As if the last staff message were new: a fresh cycle from now. */
	if (r == GW_OK && msg != 0)
		r = store_reminders_restart(s, thread_id, msg, now, error_r);
	return store_tx_end(s, r, error_r);
}

enum gw_result store_thread_set_show_content(struct store *s, int64_t thread_id, int on,
					     char **error_r)
{
	if (store_db_exec(s, SQL_SHOW_CONTENT, "id", thread_id, on ? 1 : 0) != SQLITE_OK)
		return store_db_fail(s, error_r, "thread %lld", (long long)thread_id);
	if (store_db_changes(s) == 0)
		return store_fail(error_r, GW_NOTFOUND, "thread %lld: no such thread",
				  (long long)thread_id);
	return GW_OK;
}

/* ---- reminder settings ---- */

static const char SQL_SET_REMINDERS[] =
	"UPDATE threads SET rem_enabled = ?2, rem_days = ?3, rem_count = ?4 WHERE id = ?1";

enum gw_result store_thread_set_reminders(struct store *s, int64_t thread_id, int64_t staff_id,
					  int enabled, int days, int count, char **error_r)
{
	if (days == 0)
		days = s->rem_days;
	if (count == 0)
		count = s->rem_count;
	if (days < 1 || days > GW_REMINDER_DAYS_MAX)
		return store_fail(error_r, GW_INVALID, "reminder days %d: not within 1..%d", days,
				  GW_REMINDER_DAYS_MAX);
	if (count < 1 || count > GW_REMINDER_COUNT_MAX)
		return store_fail(error_r, GW_INVALID, "reminder count %d: not within 1..%d", count,
				  GW_REMINDER_COUNT_MAX);
	enabled = enabled ? 1 : 0;
	enum gw_result r = store_tx_begin(s, 1, error_r);
	if (r != GW_OK)
		return r;
	struct thread_core t;
	r = staff_action(s, thread_id, staff_id, &t, error_r);
	if (r != GW_OK)
		return store_tx_end(s, r, error_r);
	int changed = t.rem_enabled != enabled ||
		      (enabled && (t.rem_days != days || t.rem_count != count));
	if (!changed)
		return store_tx_end(s, r, error_r);
	/* Turning reminders off keeps the last numbers for the next time. */
	if (!enabled) {
		days = t.rem_days;
		count = t.rem_count;
	}
	int64_t now = clock_now(), msg = 0;
	if (store_db_exec(s, SQL_SET_REMINDERS, "iddd", thread_id, enabled, days, count) != SQLITE_OK)
		r = store_db_fail(s, error_r, "thread %lld: reminders", (long long)thread_id);
	if (r == GW_OK)
		r = reminder_note(s, thread_id, enabled, days, count, now, error_r);
	if (r == GW_OK && !enabled)
		r = store_reminders_stop(s, thread_id, error_r);
	if (r == GW_OK && enabled)
		r = store_last_staff_message(s, thread_id, &msg, error_r);
	if (r == GW_OK && enabled && msg != 0 && !t.archived)
		r = store_reminders_restart(s, thread_id, msg, now, error_r);
	return store_tx_end(s, r, error_r);
}

/* ---- resend ---- */

static const char SQL_TOUCH_NOTIFIED[] =
	"UPDATE threads SET last_notified_at = ?2 WHERE id = ?1";

enum gw_result store_thread_resend(struct store *s, int64_t thread_id, int64_t staff_id,
				   int *n_queued_r, char **error_r)
{
	enum gw_result r = store_tx_begin(s, 1, error_r);
	if (r != GW_OK)
		return r;
	struct thread_core t;
	int64_t msg = 0, now = clock_now();
	int n = 0;
	r = staff_action(s, thread_id, staff_id, &t, error_r);
	if (r == GW_OK && t.archived)
		r = store_fail(error_r, GW_INVALID, "thread %lld: archived, reopen it first",
			       (long long)thread_id);
	if (r == GW_OK)
		r = store_last_staff_message(s, thread_id, &msg, error_r);
	if (r == GW_OK)
		r = store_notify_contacts(s, thread_id, t.account_id, MAIL_RESEND, msg, NULL, NULL,
					  0, now, &n, error_r);
	if (r == GW_OK && store_db_exec(s, SQL_TOUCH_NOTIFIED, "ii", thread_id, now) != SQLITE_OK)
		r = store_db_fail(s, error_r, "thread %lld", (long long)thread_id);
	r = store_tx_end(s, r, error_r);
	if (n_queued_r != NULL)
		*n_queued_r = r == GW_OK ? n : 0;
	return r;
}
