/*
 * views.c - reading threads for the CLI and the web view: thread lists with
 * unread counts and the client's to-do order, one thread with its
 * messages, tasks, attachments and reminder schedule.
 *
 * Visibility: contacts never see staff-only notes, neither in the messages
 * nor in the counts, nor the files attached to them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

/*
 * Thread columns.  ?10 = reader kind name (NULL: no reader), ?11 = reader
 * id, ?12 = 1 when the reader sees staff-only notes.
 */
#define THREAD_COLS                                                                     \
	"t.id, t.account_id, a.name, t.subject, t.created_by_kind, t.created_by_id,"    \
	" t.created_at, t.last_message_at, t.last_notified_at, coalesce(t.archived_at, 0)," \
	" t.show_content, t.mail_root_id, t.rem_enabled, t.rem_days, t.rem_count,"      \
	" coalesce(t.rem_message_id, 0), coalesce(t.rem_anchor_at, 0), t.rem_sent,"     \
	" coalesce(t.rem_next_due, 0),"                                                 \
	" (SELECT count(*) FROM messages m WHERE m.thread_id = t.id"                    \
	"   AND (m.staff_only = 0 OR ?12)),"                                            \
	" (SELECT count(*) FROM messages m WHERE m.thread_id = t.id"                    \
	"   AND (m.staff_only = 0 OR ?12)"                                              \
	"   AND m.id > coalesce((SELECT r.last_read_message_id FROM read_marks r"       \
	"     WHERE r.thread_id = t.id AND r.reader_kind = ?10 AND r.reader_id = ?11), 0)" \
	"   AND NOT (m.author_kind = ?10 AND m.author_id = ?11)),"                      \
	" (SELECT count(*) FROM tasks k WHERE k.thread_id = t.id),"                     \
	" (SELECT count(*) FROM tasks k WHERE k.thread_id = t.id AND k.done_at IS NOT NULL)," \
	" CASE WHEN t.rem_next_due IS NULL THEN 0 ELSE"                                 \
	"  (SELECT count(*) FROM messages m WHERE m.thread_id = t.id AND m.staff_only = 0" \
	"   AND m.id > coalesce((SELECT max(r.last_read_message_id) FROM read_marks r"    \
	"     WHERE r.thread_id = t.id AND r.reader_kind = 'contact'), 0)) END,"                                                           \
	" t.tasks_rev"

static const char SQL_THREAD_GET[] =
	"SELECT " THREAD_COLS " FROM threads t JOIN accounts a ON a.id = t.account_id"
	" WHERE t.id = ?1";
static const char SQL_THREAD_LIST[] =
	"SELECT " THREAD_COLS " FROM threads t JOIN accounts a ON a.id = t.account_id"
	" WHERE (?1 = 0 OR t.account_id = ?1)"
	" AND (?2 = 0 OR " STORE_SQL_STAFF_SEES("?2", "t.account_id") ")"
	" AND (?3 = 0 OR t.account_id = (SELECT account_id FROM contacts WHERE id = ?3))"
	" AND (?4 = 2 OR (?4 = 0 AND t.archived_at IS NULL)"
	"  OR (?4 = 1 AND t.archived_at IS NOT NULL))"
	" AND (?8 IS NULL OR t.id IN (SELECT thread_id FROM thread_refs WHERE url = ?8))"
	" ORDER BY CASE ?5 WHEN 1 THEN t.last_notified_at WHEN 2 THEN -t.id"
	"  ELSE t.last_message_at END DESC, t.id DESC"
	" LIMIT ?6 OFFSET ?7";

static void thread_from_row(sqlite3_stmt *st, struct store_thread *t)
{
	t->id = store_col_i64(st, 0);
	t->account_id = store_col_i64(st, 1);
	t->account_name = store_col_str(st, 2);
	t->subject = store_col_str(st, 3);
	t->created_by_kind = store_kind_from_col(st, 4);
	t->created_by_id = store_col_i64(st, 5);
	t->created_at = store_col_i64(st, 6);
	t->last_message_at = store_col_i64(st, 7);
	t->last_notified_at = store_col_i64(st, 8);
	t->archived_at = store_col_i64(st, 9);
	t->archived = t->archived_at != 0;
	t->show_content = (int)store_col_i64(st, 10);
	t->mail_root_id = store_col_str(st, 11);
	struct store_reminders *r = &t->reminders;
	r->enabled = (int)store_col_i64(st, 12);
	r->days = (int)store_col_i64(st, 13);
	r->count = (int)store_col_i64(st, 14);
	r->message_id = store_col_i64(st, 15);
	r->anchor_at = store_col_i64(st, 16);
	r->sent = (int)store_col_i64(st, 17);
	r->next_due = store_col_i64(st, 18);
	r->remaining = r->next_due != 0 && r->count > r->sent ? r->count - r->sent : 0;
	t->message_count = store_col_i64(st, 19);
	t->unread_count = store_col_i64(st, 20);
	t->tasks_total = (int)store_col_i64(st, 21);
	t->tasks_done = (int)store_col_i64(st, 22);
	t->client_unread = store_col_i64(st, 23);
	t->tasks_rev = store_col_i64(st, 24);
}

/* Bind the reader parameters ?10..?12 of THREAD_COLS. */
static int bind_reader(struct store *s, sqlite3_stmt *st, enum store_kind kind, int64_t id,
		       int sees_private)
{
	int rc = kind != 0 ? sqlite3_bind_text(st, 10, store_kind_name(kind), -1, SQLITE_STATIC)
			   : sqlite3_bind_null(st, 10);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(st, 11, id);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int(st, 12, sees_private);
	if (rc != SQLITE_OK)
		store_db_record(s, rc);
	return rc;
}

enum gw_result store_thread_list(struct store *s, const struct store_thread_filter *f,
				 struct store_thread_list *list, char **error_r)
{
	memset(list, 0, sizeof(*list));
	size_t cap = 0;
	sqlite3_stmt *st = store_db_q(s, SQL_THREAD_LIST, "iiiddiis", f->account_id, f->staff_id,
				      f->contact_id, (int)f->archived, (int)f->order,
				      (int64_t)(f->limit > 0 ? f->limit : -1),
				      (int64_t)(f->offset > 0 ? f->offset : 0), f->ref_url);
	int rc = st != NULL ? bind_reader(s, st, f->reader_kind, f->reader_id,
					  f->reader_kind != STORE_CONTACT)
			    : s->last_rc;
	if (rc == SQLITE_OK)
		rc = SQLITE_ROW;
	while (rc == SQLITE_ROW && (rc = store_db_step(s, st)) == SQLITE_ROW)
		thread_from_row(st, store_vec_push(&list->items, &list->count, &cap,
						   sizeof(*list->items)));
	if (st != NULL)
		sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		store_thread_list_free(list);
		return store_db_fail(s, error_r, "thread list");
	}
	return GW_OK;
}

enum gw_result store_thread_get(struct store *s, int64_t thread_id, enum store_kind kind,
				int64_t reader_id, struct store_thread *t, char **error_r)
{
	memset(t, 0, sizeof(*t));
	sqlite3_stmt *st = store_db_q(s, SQL_THREAD_GET, "i", thread_id);
	int rc = st != NULL ? bind_reader(s, st, kind, reader_id, kind != STORE_CONTACT)
			    : s->last_rc;
	if (rc == SQLITE_OK)
		rc = store_db_step(s, st);
	if (rc == SQLITE_DONE)
		return store_fail(error_r, GW_NOTFOUND, "thread %lld: no such thread",
				  (long long)thread_id);
	if (rc != SQLITE_ROW) {
		if (st != NULL)
			sqlite3_reset(st);
		return store_db_fail(s, error_r, "thread %lld", (long long)thread_id);
	}
	thread_from_row(st, t);
	sqlite3_reset(st);
	return GW_OK;
}

#define MESSAGE_COLS                                                              \
	"m.id, m.thread_id, m.author_kind, coalesce(m.author_id, 0),"             \
	" CASE m.author_kind WHEN 'staff' THEN (SELECT name FROM staff WHERE id = m.author_id)" \
	"  WHEN 'contact' THEN (SELECT name FROM contacts WHERE id = m.author_id) ELSE '' END," \
	" m.body, m.staff_only, m.created_at,"                                     \
	" (SELECT group_concat(s.name, char(10)) FROM mentions x"                 \
	"  JOIN staff s ON s.id = x.staff_id WHERE x.message_id = m.id),"             \
	" m.per_reader, m.note_kind, m.note_args"

static const char SQL_MESSAGES[] =
	"SELECT " MESSAGE_COLS " FROM messages m WHERE m.thread_id = ?1"
	" AND (m.staff_only = 0 OR ?2) ORDER BY m.id";
static const char SQL_MESSAGE_GET[] = "SELECT " MESSAGE_COLS " FROM messages m WHERE m.id = ?1";
static const char SQL_TASKS[] =
	"SELECT id, thread_id, text, position, coalesce(done_at, 0), done_by_kind,"
	" coalesce(done_by_id, 0) FROM tasks WHERE thread_id = ?1 ORDER BY position, id";
/* A file attached to a staff-only note is as private as the note. */
static const char SQL_ATTACHMENTS[] =
	"SELECT " ATTACHMENT_COLS " FROM attachments WHERE thread_id = ?1"
	" AND (?2 OR message_id IS NULL"
	"  OR message_id IN (SELECT id FROM messages WHERE staff_only = 0))"
	" ORDER BY id";
static const char SQL_READER_MARK[] =
	"SELECT last_read_message_id FROM read_marks WHERE thread_id = ?1 AND reader_kind = ?2"
	" AND reader_id = ?3";

static void message_from_row(sqlite3_stmt *st, struct store_message *m)
{
	m->id = store_col_i64(st, 0);
	m->thread_id = store_col_i64(st, 1);
	m->author_kind = store_kind_from_col(st, 2);
	m->author_id = store_col_i64(st, 3);
	m->author_name = store_col_str(st, 4);
	m->body = store_col_str(st, 5);
	m->staff_only = (int)store_col_i64(st, 6);
	m->created_at = store_col_i64(st, 7);
	m->mentions = store_col_str(st, 8);
	m->per_reader = (int)store_col_i64(st, 9);
	/* a system note is said in the reader's language (notes.c) */
	if (sqlite3_column_type(st, 10) != SQLITE_NULL) {
		char *kind = store_col_str(st, 10), *args = store_col_str(st, 11);
		char *said = store_note_render(kind, args);

		if (said != NULL) {
			free(m->body);
			m->body = said;
		}
		free(kind);
		free(args);
	}
}

static const char SQL_READER_CONTACT[] = "SELECT name, email FROM contacts WHERE id = ?1";

/* A contact reads contact-level shortcodes as their own name. */
static enum gw_result resolve_for_contact(struct store *s, struct store_thread_view *v,
					  int64_t contact_id, char **error_r)
{
	size_t i;

	for (i = 0; i < v->n_messages && !v->messages[i].per_reader; i++)
		;
	if (i == v->n_messages)
		return GW_OK;
	sqlite3_stmt *st = store_db_q(s, SQL_READER_CONTACT, "i", contact_id);
	int rc = st != NULL ? store_db_step(s, st) : s->last_rc;
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_db_fail(s, error_r, "contact %lld", (long long)contact_id);
	char *name = rc == SQLITE_ROW ? store_col_str(st, 0) : xstrdup("");
	char *email = rc == SQLITE_ROW ? store_col_str(st, 1) : xstrdup("");
	if (st != NULL)
		sqlite3_reset(st);
	for (; i < v->n_messages; i++) {
		struct store_message *m = &v->messages[i];
		if (!m->per_reader)
			continue;
		char *body = store_shortcodes_for_contact(m->body, name, email, 1);
		free(m->body);
		m->body = body;
	}
	free(name);
	free(email);
	return GW_OK;
}

enum gw_result store_message_get(struct store *s, int64_t id, struct store_message *m,
				 char **error_r)
{
	memset(m, 0, sizeof(*m));
	sqlite3_stmt *st = store_db_q(s, SQL_MESSAGE_GET, "i", id);
	int rc = st != NULL ? store_db_step(s, st) : s->last_rc;
	if (rc == SQLITE_DONE)
		return store_fail(error_r, GW_NOTFOUND, "message %lld: no such message", (long long)id);
	if (rc != SQLITE_ROW)
		return store_db_fail(s, error_r, "message %lld", (long long)id);
	message_from_row(st, m);
	sqlite3_reset(st);
	return GW_OK;
}

enum gw_result store_tasks_load(struct store *s, int64_t thread_id, struct store_task **tasks_r,
				size_t *n_r, char **error_r)
{
	struct store_task *tasks = NULL;
	size_t n = 0, cap = 0;
	sqlite3_stmt *st = store_db_q(s, SQL_TASKS, "i", thread_id);
	int rc = st != NULL ? SQLITE_ROW : s->last_rc;
	while (st != NULL && (rc = store_db_step(s, st)) == SQLITE_ROW) {
		struct store_task *t = store_vec_push(&tasks, &n, &cap, sizeof(*tasks));
		t->id = store_col_i64(st, 0);
		t->thread_id = store_col_i64(st, 1);
		t->text = store_col_str(st, 2);
		t->position = (int)store_col_i64(st, 3);
		t->done_at = store_col_i64(st, 4);
		t->done_by_kind = store_kind_from_col(st, 5);
		t->done_by_id = store_col_i64(st, 6);
	}
	if (st != NULL)
		sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		for (size_t i = 0; i < n; i++)
			store_task_clear(&tasks[i]);
		free(tasks);
		return store_db_fail(s, error_r, "thread %lld: tasks", (long long)thread_id);
	}
	*tasks_r = tasks;
	*n_r = n;
	return GW_OK;
}

static enum gw_result view_fill(struct store *s, struct store_thread_view *v,
				int64_t thread_id, enum store_kind kind, int64_t reader_id,
				int sees_private, char **error_r)
{
	enum gw_result r = store_thread_get(s, thread_id, kind, reader_id, &v->thread, error_r);
	if (r != GW_OK)
		return r;
	size_t cap = 0;
	sqlite3_stmt *st = store_db_q(s, SQL_MESSAGES, "id", thread_id, sees_private);
	int rc = st != NULL ? SQLITE_ROW : s->last_rc;
	while (st != NULL && (rc = store_db_step(s, st)) == SQLITE_ROW)
		message_from_row(st, store_vec_push(&v->messages, &v->n_messages, &cap,
						    sizeof(*v->messages)));
	if (st != NULL)
		sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return store_db_fail(s, error_r, "thread %lld: messages", (long long)thread_id);
	if ((r = store_tasks_load(s, thread_id, &v->tasks, &v->n_tasks, error_r)) != GW_OK)
		return r;
	cap = 0;
	st = store_db_q(s, SQL_ATTACHMENTS, "id", thread_id, sees_private);
	rc = st != NULL ? SQLITE_ROW : s->last_rc;
	while (st != NULL && (rc = store_db_step(s, st)) == SQLITE_ROW)
		store_attachment_from_row(st, store_vec_push(&v->attachments, &v->n_attachments, &cap,
							     sizeof(*v->attachments)));
	if (st != NULL)
		sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return store_db_fail(s, error_r, "thread %lld: attachments", (long long)thread_id);
	/* External references are for staff: a contact's view has none. */
	if (kind != STORE_CONTACT &&
	    (r = store_thread_refs_load(s, thread_id, &v->refs, &v->n_refs, error_r)) != GW_OK)
		return r;
	if (kind == STORE_CONTACT && (r = resolve_for_contact(s, v, reader_id, error_r)) != GW_OK)
		return r;
	if (kind == STORE_STAFF || kind == STORE_CONTACT) {
		rc = store_db_int(s, SQL_READER_MARK, &v->reader_last_read, "isi", thread_id,
				  store_kind_name(kind), reader_id);
		if (rc != SQLITE_ROW && rc != SQLITE_DONE)
			return store_db_fail(s, error_r, "thread %lld: read mark", (long long)thread_id);
	}
	return GW_OK;
}

enum gw_result store_thread_show(struct store *s, int64_t thread_id, enum store_kind kind,
				 int64_t reader_id, int include_staff_only,
				 struct store_thread_view *v, char **error_r)
{
	memset(v, 0, sizeof(*v));
	int sees_private = kind != STORE_CONTACT && include_staff_only;
	enum gw_result r = store_tx_begin(s, 0, error_r);
	if (r != GW_OK)
		return r;
	r = view_fill(s, v, thread_id, kind, reader_id, sees_private, error_r);
	r = store_tx_end(s, r, error_r);
	if (r != GW_OK)
		store_thread_view_clear(v);
	return r;
}
