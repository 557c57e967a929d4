/*
 * tasks.c - staff change the checklist of an existing thread: add, edit,
 * remove and move a task.  Each change is one write transaction with a
 * staff-only system note that names who made it, a task.changed webhook
 * event, the thread's tasks_rev moved (open pages refresh), and the
 * reminders' stop rule ("all tasks done") looked at again.
 *
 * Positions stay dense (1..n in the checklist's order): a removal or a
 * move numbers the thread's tasks again, so that the position gatewayctl
 * shows is the one `task move --position` takes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "i18n.h"
#include "store_int.h"
#include "webhook.h"

static const char SQL_TASK_ROW[] =
	"SELECT thread_id, text FROM tasks WHERE id = ?1";
static const char SQL_STAFF_NAME[] = "SELECT name FROM staff WHERE id = ?1";
static const char SQL_TASK_INSERT[] =
	"INSERT INTO tasks (thread_id, text, position, created_at) VALUES (?1, ?2,"
	" (SELECT coalesce(max(position), 0) + 1 FROM tasks WHERE thread_id = ?1), ?3)";
static const char SQL_TASK_TEXT[] = "UPDATE tasks SET text = ?2 WHERE id = ?1";
static const char SQL_TASK_DELETE[] = "DELETE FROM tasks WHERE id = ?1";
static const char SQL_TASK_IDS[] =
	"SELECT id FROM tasks WHERE thread_id = ?1 ORDER BY position, id";
static const char SQL_TASK_POSITION[] = "UPDATE tasks SET position = ?2 WHERE id = ?1";
static const char SQL_TASKS_REV[] =
	"UPDATE threads SET tasks_rev = tasks_rev + 1 WHERE id = ?1";

/* What one change is about, read inside its transaction. */
struct task_ctx {
	struct thread_core t;
	int64_t thread_id;
	int64_t task_id;
	int64_t staff_id;
	char *text;                /* the task's text before the change */
	char *who;                 /* the staff member's name; NULL: the firm */
};

static void ctx_clear(struct task_ctx *c)
{
	free(c->text);
	free(c->who);
	c->text = NULL;
	c->who = NULL;
}

/* Thread open and visible to the staff member (0: the firm). */
static enum gw_result thread_for_staff(struct store *s, struct task_ctx *c, char **error_r)
{
	enum gw_result r = store_thread_core_get(s, c->thread_id, &c->t, error_r);

	if (r != GW_OK)
		return r;
	if (c->staff_id != 0) {
		if (store_staff_sees_account(s, c->staff_id, c->t.account_id, NULL) != GW_OK)
			return store_fail(error_r, GW_NOTFOUND, "thread %lld: no such thread",
					  (long long)c->thread_id);
		sqlite3_stmt *st = store_db_q(s, SQL_STAFF_NAME, "i", c->staff_id);
		int rc = st != NULL ? store_db_step(s, st) : s->last_rc;

		if (rc != SQLITE_ROW)
			return store_db_fail(s, error_r, "staff %lld", (long long)c->staff_id);
		c->who = store_col_str(st, 0);
		sqlite3_reset(st);
	}
	if (c->t.archived)
		return store_fail(error_r, GW_INVALID, "thread %lld: archived, reopen it first",
				  (long long)c->thread_id);
	return GW_OK;
}

/*
 * The task and its thread.  A task of another thread than the one named
 * (thread_id != 0) is "no such task" there, exactly as a task that does
 * not exist: ids tell nothing.
 */
static enum gw_result task_for_staff(struct store *s, struct task_ctx *c, char **error_r)
{
	sqlite3_stmt *st = store_db_q(s, SQL_TASK_ROW, "i", c->task_id);
	int rc = st != NULL ? store_db_step(s, st) : s->last_rc;
	int64_t thread_id;

	if (rc == SQLITE_DONE)
		goto none;
	if (rc != SQLITE_ROW)
		return store_db_fail(s, error_r, "task %lld", (long long)c->task_id);
	thread_id = store_col_i64(st, 0);
	c->text = store_col_str(st, 1);
	sqlite3_reset(st);
	if (c->thread_id != 0 && c->thread_id != thread_id)
		goto none;
	c->thread_id = thread_id;
	enum gw_result r = thread_for_staff(s, c, error_r);
	if (r == GW_NOTFOUND)
		goto none;
	return r;
none:
	if (c->thread_id != 0)
		return store_fail(error_r, GW_NOTFOUND, "thread %lld: no task %lld",
				  (long long)c->thread_id, (long long)c->task_id);
	return store_fail(error_r, GW_NOTFOUND, "task %lld: no such task",
			  (long long)c->task_id);
}

/* Task text inside a CommonMark note: every ASCII punctuation escaped, so
 * that it reads exactly as it was written. */
static void md_literal(struct buf *b, const char *text)
{
	for (const char *p = text; *p != '\0'; p++) {
		if (strchr("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~", *p) != NULL)
			buf_putc(b, '\\');
		buf_putc(b, *p);
	}
}

enum note_kind { NOTE_ADDED, NOTE_EDITED, NOTE_REMOVED, NOTE_MOVED };

/* One msgid per change and actor: whole sentences for the catalogs. */
static const char *note_format(enum note_kind kind, int firm)
{
	switch (kind) {
	case NOTE_ADDED:
		return firm ? _("A task was added through the firm's tools: %s")
			    : _("%s added a task: %s");
	case NOTE_EDITED:
		return firm ? _("A task was changed through the firm's tools: %s (it was: %s)")
			    : _("%s changed a task: %s (it was: %s)");
	case NOTE_REMOVED:
		return firm ? _("A task was removed through the firm's tools: %s")
			    : _("%s removed a task: %s");
	case NOTE_MOVED:
	default:
		return firm ? _("A task was moved to place %s through the firm's tools: %s")
			    : _("%s moved a task to place %s: %s");
	}
}

/*
 * The staff-only note in the current reader's language: who ("" for the
 * firm's tools), and the task's text (and the old text of an edit, the
 * new place of a move).  Arguments go in msgid order through a small
 * printf of our own: %s only, each filled from args in turn.  The "task"
 * note kind (notes.c) says it again for each reader.
 */
char *store_task_note_text(int change, const char *who, const char *text, const char *extra)
{
	enum note_kind kind = (enum note_kind)change;
	int firm = who == NULL || *who == '\0';
	const char *fmt = note_format(kind, firm);
	const char *args[3];
	size_t n = 0, used = 0;
	struct buf note = BUF_INIT;

	if (!firm)
		args[n++] = who;
	if (kind == NOTE_MOVED)
		args[n++] = extra;
	args[n++] = text;
	if (kind == NOTE_EDITED)
		args[n++] = extra;
	for (const char *p = fmt; *p != '\0'; p++) {
		if (p[0] == '%' && p[1] == 's' && used < n) {
			const char *a = args[used++];

			/* a name and a place are words of ours; task texts are
			 * the staff's, shown literally */
			if (a == who || (kind == NOTE_MOVED && a == extra)) {
				md_literal(&note, a);
			} else {
				buf_puts(&note, "\xe2\x80\x9c");
				md_literal(&note, a);
				buf_puts(&note, "\xe2\x80\x9d");
			}
			p++;
			continue;
		}
		buf_putc(&note, *p);
	}
	return note.data != NULL ? note.data : xstrdup("");
}

/* One note argument: the separator cannot occur inside it. */
static void note_arg(struct buf *b, const char *a, int last)
{
	for (const char *p = a != NULL ? a : ""; *p != '\0'; p++)
		buf_putc(b, *p == STORE_NOTE_SEP[0] ? ' ' : *p);
	if (!last)
		buf_puts(b, STORE_NOTE_SEP);
}

/* "task" note: change (enum note_kind), who ("" for the firm's tools),
 * the task's text, the old text or the new place. */
static enum gw_result write_note(struct store *s, const struct task_ctx *c, enum note_kind kind,
				 const char *text, const char *extra, int64_t now, char **error_r)
{
	struct buf args = BUF_INIT;
	char change[16];
	int64_t id = 0;

	snprintf(change, sizeof(change), "%d", (int)kind);
	note_arg(&args, change, 0);
	note_arg(&args, c->who, 0);
	note_arg(&args, text, 0);
	note_arg(&args, extra, 1);
	enum gw_result r = store_note_insert(s, c->thread_id, 1, now, "task",
					     args.data != NULL ? args.data : "", &id, error_r);
	buf_release(&args);
	return r;
}

static enum gw_result task_event(struct store *s, const struct task_ctx *c, const char *change,
				 int64_t now, char **error_r)
{
	struct webhook_event_new ev = {
		.type = WEBHOOK_TASK_CHANGED, .thread_id = c->thread_id, .object_id = c->task_id,
		.text1 = change, .text2 = c->staff_id != 0 ? store_kind_name(STORE_STAFF) : NULL,
		.number = c->staff_id, .now = now,
	};
	return store_webhook_event(s, &ev, error_r);
}

/* Open pages refresh; reminders look at "all tasks done" again. */
static enum gw_result after_change(struct store *s, const struct task_ctx *c, char **error_r)
{
	if (store_db_exec(s, SQL_TASKS_REV, "i", c->thread_id) != SQLITE_OK)
		return store_db_fail(s, error_r, "thread %lld", (long long)c->thread_id);
	if (c->t.rem_message_id != 0)
		return store_reminders_check_stop(s, c->thread_id, error_r);
	return GW_OK;
}

/* Number the thread's tasks 1..n in their order, with task_id (when not
 * 0) at position (clamped to the list). */
static enum gw_result renumber(struct store *s, int64_t thread_id, int64_t task_id,
			       int position, char **error_r)
{
	int64_t *ids = NULL;
	size_t n = 0, cap = 0;
	enum gw_result r = GW_OK;
	sqlite3_stmt *st = store_db_q(s, SQL_TASK_IDS, "i", thread_id);
	int rc = st != NULL ? SQLITE_ROW : s->last_rc;

	while (st != NULL && (rc = store_db_step(s, st)) == SQLITE_ROW) {
		int64_t id = store_col_i64(st, 0);

		if (id != task_id)
			*(int64_t *)store_vec_push(&ids, &n, &cap, sizeof(*ids)) = id;
	}
	if (st != NULL)
		sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		free(ids);
		return store_db_fail(s, error_r, "thread %lld: tasks", (long long)thread_id);
	}
	if (task_id != 0) {
		size_t at = position < 1 ? 0 : (size_t)position - 1;

		if (at > n)
			at = n;
		store_vec_push(&ids, &n, &cap, sizeof(*ids));
		memmove(ids + at + 1, ids + at, (n - 1 - at) * sizeof(*ids));
		ids[at] = task_id;
	}
	for (size_t i = 0; r == GW_OK && i < n; i++)
		if (store_db_exec(s, SQL_TASK_POSITION, "id", ids[i], (int)(i + 1)) != SQLITE_OK)
			r = store_db_fail(s, error_r, "task %lld", (long long)ids[i]);
	free(ids);
	return r;
}

static enum gw_result count_tasks(struct store *s, int64_t thread_id, int64_t *n_r,
				  char **error_r)
{
	if (store_db_int(s, "SELECT count(*) FROM tasks WHERE thread_id = ?1", n_r, "i",
			 thread_id) != SQLITE_ROW)
		return store_db_fail(s, error_r, "thread %lld: tasks", (long long)thread_id);
	return GW_OK;
}

enum gw_result store_task_create(struct store *s, int64_t thread_id, int64_t staff_id,
				 const char *text, int64_t *task_id_r, char **error_r)
{
	struct task_ctx c = { .thread_id = thread_id, .staff_id = staff_id };
	int64_t now = clock_now(), n = 0;
	enum gw_result r = store_text_check("task", text, TEXT_MAX_TASK, 0, error_r);

	if (r != GW_OK)
		return r;
	if (thread_id <= 0)
		return store_fail(error_r, GW_NOTFOUND, "thread %lld: no such thread",
				  (long long)thread_id);
	if ((r = store_tx_begin(s, 1, error_r)) != GW_OK)
		return r;
	r = thread_for_staff(s, &c, error_r);
	if (r == GW_OK)
		r = count_tasks(s, thread_id, &n, error_r);
	if (r == GW_OK && n >= STORE_TASKS_MAX)
		r = store_fail(error_r, GW_INVALID, "task: thread %lld has %d tasks already",
			       (long long)thread_id, STORE_TASKS_MAX);
	if (r == GW_OK && store_db_exec(s, SQL_TASK_INSERT, "isi", thread_id, text, now) !=
				  SQLITE_OK)
		r = store_db_fail(s, error_r, "thread %lld: add task", (long long)thread_id);
	if (r == GW_OK) {
		c.task_id = store_db_last_id(s);
		r = task_event(s, &c, "added", now, error_r);
	}
	if (r == GW_OK)
		r = write_note(s, &c, NOTE_ADDED, text, NULL, now, error_r);
	if (r == GW_OK)
		r = after_change(s, &c, error_r);
	r = store_tx_end(s, r, error_r);
	if (r == GW_OK && task_id_r != NULL)
		*task_id_r = c.task_id;
	ctx_clear(&c);
	return r;
}

enum gw_result store_task_edit(struct store *s, int64_t thread_id, int64_t task_id,
			       int64_t staff_id, const char *text, int *changed_r,
			       char **error_r)
{
	struct task_ctx c = { .thread_id = thread_id, .task_id = task_id, .staff_id = staff_id };
	int64_t now = clock_now();
	enum gw_result r = store_text_check("task", text, TEXT_MAX_TASK, 0, error_r);

	if (changed_r != NULL)
		*changed_r = 0;
	if (r != GW_OK)
		return r;
	if ((r = store_tx_begin(s, 1, error_r)) != GW_OK)
		return r;
	r = task_for_staff(s, &c, error_r);
	if (r != GW_OK || strcmp(c.text, text) == 0)
		goto out;
	if (store_db_exec(s, SQL_TASK_TEXT, "is", task_id, text) != SQLITE_OK)
		r = store_db_fail(s, error_r, "task %lld", (long long)task_id);
	if (r == GW_OK)
		r = task_event(s, &c, "edited", now, error_r);
	if (r == GW_OK)
		r = write_note(s, &c, NOTE_EDITED, text, c.text, now, error_r);
	if (r == GW_OK)
		r = after_change(s, &c, error_r);
	if (r == GW_OK && changed_r != NULL)
		*changed_r = 1;
out:
	r = store_tx_end(s, r, error_r);
	if (r != GW_OK && changed_r != NULL)
		*changed_r = 0;
	ctx_clear(&c);
	return r;
}

enum gw_result store_task_remove(struct store *s, int64_t thread_id, int64_t task_id,
				 int64_t staff_id, char **error_r)
{
	struct task_ctx c = { .thread_id = thread_id, .task_id = task_id, .staff_id = staff_id };
	int64_t now = clock_now();
	enum gw_result r = store_tx_begin(s, 1, error_r);

	if (r != GW_OK)
		return r;
	r = task_for_staff(s, &c, error_r);
	/* the event reads the row: it goes first */
	if (r == GW_OK)
		r = task_event(s, &c, "removed", now, error_r);
	if (r == GW_OK && store_db_exec(s, SQL_TASK_DELETE, "i", task_id) != SQLITE_OK)
		r = store_db_fail(s, error_r, "task %lld", (long long)task_id);
	if (r == GW_OK)
		r = renumber(s, c.thread_id, 0, 0, error_r);
	if (r == GW_OK)
		r = write_note(s, &c, NOTE_REMOVED, c.text, NULL, now, error_r);
	if (r == GW_OK)
		r = after_change(s, &c, error_r);
	r = store_tx_end(s, r, error_r);
	ctx_clear(&c);
	return r;
}

enum gw_result store_task_move(struct store *s, int64_t thread_id, int64_t task_id,
			       int64_t staff_id, int position, int *changed_r, char **error_r)
{
	struct task_ctx c = { .thread_id = thread_id, .task_id = task_id, .staff_id = staff_id };
	int64_t now = clock_now(), n = 0, was = 0;
	enum gw_result r = store_tx_begin(s, 1, error_r);

	if (changed_r != NULL)
		*changed_r = 0;
	if (r != GW_OK)
		return r;
	r = task_for_staff(s, &c, error_r);
	if (r == GW_OK)
		r = count_tasks(s, c.thread_id, &n, error_r);
	if (r == GW_OK && (position < 1 || position > n))
		r = store_fail(error_r, GW_INVALID, "position %d: not within 1..%lld", position,
			       (long long)n);
	/* its place now, counted as the checklist shows it */
	if (r == GW_OK &&
	    store_db_int(s, "SELECT count(*) FROM tasks k, tasks me WHERE me.id = ?1"
			    " AND k.thread_id = me.thread_id AND (k.position < me.position"
			    " OR (k.position = me.position AND k.id <= me.id))",
			 &was, "i", task_id) != SQLITE_ROW)
		r = store_db_fail(s, error_r, "task %lld", (long long)task_id);
	if (r != GW_OK || was == position)
		goto out;
	r = renumber(s, c.thread_id, task_id, position, error_r);
	if (r == GW_OK) {
		char place[16];

		snprintf(place, sizeof(place), "%d", position);
		r = task_event(s, &c, "moved", now, error_r);
		if (r == GW_OK)
			r = write_note(s, &c, NOTE_MOVED, c.text, place, now, error_r);
	}
	if (r == GW_OK)
		r = after_change(s, &c, error_r);
	if (r == GW_OK && changed_r != NULL)
		*changed_r = 1;
out:
	r = store_tx_end(s, r, error_r);
	if (r != GW_OK && changed_r != NULL)
		*changed_r = 0;
	ctx_clear(&c);
	return r;
}
