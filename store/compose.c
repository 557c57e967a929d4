/*
 * compose.c - everything the mail composer needs for one outbox row, read
 * in one transaction so that the email shows one consistent state, and the
 * fresh-link email that a contact asks for from an expired page.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

static const char SQL_COMPOSE_THREAD[] =
	"SELECT t.subject, t.mail_root_id, t.show_content, t.archived_at IS NOT NULL,"
	" t.account_id, a.name, t.rem_count, t.rem_enabled"
	" FROM threads t JOIN accounts a ON a.id = t.account_id WHERE t.id = ?1";
static const char SQL_COMPOSE_CONTACT[] =
	"SELECT name, generation, language, timezone FROM contacts WHERE id = ?1";
static const char SQL_COMPOSE_STAFF[] =
	"SELECT name, generation, language, timezone FROM staff WHERE id = ?1";
static const char SQL_COMPOSE_MESSAGE[] =
	"SELECT m.author_kind, coalesce(m.author_id, 0),"
	" CASE m.author_kind WHEN 'staff' THEN (SELECT name FROM staff WHERE id = m.author_id)"
	"  WHEN 'contact' THEN (SELECT name FROM contacts WHERE id = m.author_id) ELSE '' END,"
	" m.body, m.created_at, m.staff_only,"
	" (SELECT group_concat(s.name, char(10)) FROM mentions x JOIN staff s ON s.id = x.staff_id"
	"  WHERE x.message_id = m.id), m.per_reader,"
	" (SELECT count(*) FROM attachments a WHERE a.message_id = m.id),"
	" (SELECT group_concat(name, char(10)) FROM (SELECT CASE folder WHEN '' THEN file_name"
	"  ELSE folder || '/' || file_name END AS name FROM attachments"
	"  WHERE message_id = m.id ORDER BY id))"
	" FROM messages m WHERE m.id = ?1";
/* The text or file name, and who ticked or uploaded it. */
static const char SQL_COMPOSE_TASK[] =
	"SELECT text, CASE done_by_kind"
	"  WHEN 'staff' THEN (SELECT name FROM staff WHERE id = done_by_id)"
	"  WHEN 'contact' THEN (SELECT name FROM contacts WHERE id = done_by_id) END"
	" FROM tasks WHERE id = ?1";
/* What the stop rule still waits for: messages past the furthest read mark
 * of any of the account's contacts (reminders.c counts the same way). */
static const char SQL_COMPOSE_CLIENT_UNREAD[] =
	"SELECT count(*) FROM messages m WHERE m.thread_id = ?1 AND m.staff_only = 0"
	" AND m.id > coalesce((SELECT max(r.last_read_message_id) FROM read_marks r"
	"   WHERE r.thread_id = ?1 AND r.reader_kind = 'contact'), 0)";
static const char SQL_COMPOSE_ATTACHMENT[] =
	"SELECT file_name, CASE uploader_kind"
	"  WHEN 'staff' THEN (SELECT name FROM staff WHERE id = uploader_id)"
	"  WHEN 'contact' THEN (SELECT name FROM contacts WHERE id = uploader_id) END"
	" FROM attachments WHERE id = ?1";

static enum gw_result compose_thread(struct store *s, struct store_compose *c,
				     int64_t thread_id, int *rem_count_r, char **error_r)
{
	sqlite3_stmt *st = store_db_q(s, SQL_COMPOSE_THREAD, "i", thread_id);
	int rc = st != NULL ? store_db_step(s, st) : s->last_rc;
	if (rc == SQLITE_DONE)
		return store_fail(error_r, GW_NOTFOUND, "thread %lld: no such thread",
				  (long long)thread_id);
	if (rc != SQLITE_ROW)
		return store_db_fail(s, error_r, "thread %lld", (long long)thread_id);
	c->thread_id = thread_id;
	c->thread_subject = store_col_str(st, 0);
	c->mail_root_id = store_col_str(st, 1);
	c->show_content = (int)store_col_i64(st, 2);
	c->archived = (int)store_col_i64(st, 3);
	c->account_id = store_col_i64(st, 4);
	c->account_name = store_col_str(st, 5);
	*rem_count_r = (int)store_col_i64(st, 6);
	sqlite3_reset(st);
	return store_tasks_load(s, thread_id, &c->tasks, &c->n_tasks, error_r);
}

static enum gw_result compose_recipient(struct store *s, struct store_compose *c,
					char **error_r)
{
	const char *sql = c->recipient_kind == STORE_CONTACT ? SQL_COMPOSE_CONTACT
			  : c->recipient_kind == STORE_STAFF ? SQL_COMPOSE_STAFF : NULL;
	if (sql == NULL)
		return GW_OK;
	sqlite3_stmt *st = store_db_q(s, sql, "i", c->recipient_id);
	int rc = st != NULL ? store_db_step(s, st) : s->last_rc;
	if (rc == SQLITE_DONE)
		return store_fail(error_r, GW_NOTFOUND, "%s %lld: no such id",
				  store_kind_name(c->recipient_kind), (long long)c->recipient_id);
	if (rc != SQLITE_ROW)
		return store_db_fail(s, error_r, "recipient");
	c->recipient_name = store_col_str(st, 0);
	c->recipient_generation = (uint32_t)store_col_i64(st, 1);
	c->recipient_language = store_col_str_null(st, 2);
	c->recipient_timezone = store_col_str_null(st, 3);
	sqlite3_reset(st);
	return GW_OK;
}

static enum gw_result compose_message(struct store *s, struct store_compose *c, int64_t id,
				      char **error_r)
{
	sqlite3_stmt *st = store_db_q(s, SQL_COMPOSE_MESSAGE, "i", id);
	int rc = st != NULL ? store_db_step(s, st) : s->last_rc;
	if (rc == SQLITE_DONE)
		return store_fail(error_r, GW_NOTFOUND, "message %lld: no such message", (long long)id);
	if (rc != SQLITE_ROW)
		return store_db_fail(s, error_r, "message %lld", (long long)id);
	c->message_id = id;
	c->author_kind = store_kind_from_col(st, 0);
	c->author_id = store_col_i64(st, 1);
	c->author_name = store_col_str(st, 2);
	c->body = store_col_str(st, 3);
	c->message_created_at = store_col_i64(st, 4);
	int staff_only = (int)store_col_i64(st, 5);
	char *mentions = store_col_str(st, 6);
	int per_reader = (int)store_col_i64(st, 7);
	c->n_files = store_col_i64(st, 8);
	c->file_names = store_col_str(st, 9);
	/* the same names for a batched email's list (NULL: no files) */
	c->message_files = c->n_files > 0 ? xstrdup(c->file_names) : NULL;
	sqlite3_reset(st);
	/* Each contact reads their own name where the text has a
	 * contact-level shortcode. */
	if (per_reader && c->recipient_kind == STORE_CONTACT) {
		char *mine = store_shortcodes_for_contact(c->body, c->recipient_name,
							  c->recipient_address, 0);
		free(c->body);
		c->body = mine;
	}
	/* Whatever row points at it, a note only staff see never reaches
	 * anyone else; and a client reads a mention as the plain name, as
	 * in the web view. */
	if (c->recipient_kind != STORE_STAFF && staff_only) {
		free(c->body);
		c->body = xstrdup("");
		free(c->message_files);
		c->message_files = NULL;
		free(c->file_names);
		c->file_names = xstrdup("");
		c->n_files = 0;
	} else if (c->recipient_kind != STORE_STAFF && mentions[0] != '\0') {
		char *plain = store_text_unmention(c->body, mentions);
		free(c->body);
		c->body = plain;
	}
	free(mentions);
	return GW_OK;
}

/* ---- the items of a batch ---- */

static const char SQL_ITEM_MESSAGE[] =
	"SELECT m.body, m.staff_only,"
	" CASE m.author_kind WHEN 'staff' THEN (SELECT name FROM staff WHERE id = m.author_id)"
	"  WHEN 'contact' THEN (SELECT name FROM contacts WHERE id = m.author_id) ELSE NULL END,"
	" (SELECT group_concat(s.name, char(10)) FROM mentions x JOIN staff s ON s.id = x.staff_id"
	"  WHERE x.message_id = m.id),"
	" (SELECT group_concat(file_name, char(10)) FROM"
	"  (SELECT file_name FROM attachments WHERE message_id = m.id ORDER BY id))"
	" FROM messages m WHERE m.id = ?1";

/* A message as the recipient may read it (see compose_message). */
static enum gw_result item_message(struct store *s, const struct store_compose *c,
				   struct store_compose_item *it, char **error_r)
{
	sqlite3_stmt *st = store_db_q(s, SQL_ITEM_MESSAGE, "i", it->message_id);
	int rc = st != NULL ? store_db_step(s, st) : s->last_rc;

	if (rc == SQLITE_DONE)
		return GW_OK;
	if (rc != SQLITE_ROW)
		return store_db_fail(s, error_r, "message %lld", (long long)it->message_id);
	char *body = store_col_str(st, 0);
	int staff_only = (int)store_col_i64(st, 1);
	char *mentions = store_col_str(st, 3);

	if (it->actor_name == NULL)
		it->actor_name = store_col_str_null(st, 2);
	it->files = store_col_str_null(st, 4);
	sqlite3_reset(st);
	if (c->recipient_kind != STORE_STAFF && staff_only) {
		free(body);
		body = xstrdup("");
		free(it->files);
		it->files = NULL;
	} else if (c->recipient_kind != STORE_STAFF && mentions[0] != '\0') {
		char *plain = store_text_unmention(body, mentions);

		free(body);
		body = plain;
	}
	free(mentions);
	it->body = body;
	return GW_OK;
}

static enum gw_result text_by_id(struct store *s, struct store_compose *c, const char *sql,
				 const char *extra, char **text_r, char **error_r);

static enum gw_result compose_items(struct store *s, struct store_compose *c, char **error_r)
{
	enum gw_result r = store_batch_items(s, c->row.id, &c->items, &c->n_items, error_r);

	for (size_t i = 0; r == GW_OK && i < c->n_items; i++) {
		struct store_compose_item *it = &c->items[i];
		const struct mail_kind_row *k = mail_kind_row(it->kind);

		if (k != NULL && k->extra == MAIL_EXTRA_TASK_ID)
			r = text_by_id(s, NULL, SQL_COMPOSE_TASK, it->extra, &it->text, error_r);
		else if (k != NULL && k->extra == MAIL_EXTRA_ATTACHMENT_ID)
			r = text_by_id(s, NULL, SQL_COMPOSE_ATTACHMENT, it->extra, &it->text,
				       error_r);
		else if (it->message_id != 0)
			r = item_message(s, c, it, error_r);
	}
	/* Who ticked a task or uploaded a file: the row names no message. */
	if (r == GW_OK && c->n_items > 0 && c->author_name == NULL &&
	    c->items[0].actor_name != NULL)
		c->author_name = xstrdup(c->items[0].actor_name);
	return r;
}

/* The text (a task's, a file's name) of the row the outbox extra names;
 * with c, also who did it when the email has no author yet. */
static enum gw_result text_by_id(struct store *s, struct store_compose *c, const char *sql,
				 const char *extra, char **text_r, char **error_r)
{
	int64_t id = extra != NULL ? strtoll(extra, NULL, 10) : 0;
	sqlite3_stmt *st = store_db_q(s, sql, "i", id);
	int rc = st != NULL ? store_db_step(s, st) : s->last_rc;
	if (rc == SQLITE_ROW) {
		*text_r = store_col_str(st, 0);
		/* The email names who did it: a row without a message has no
		 * author of its own. */
		if (c != NULL && (c->author_name == NULL || c->author_name[0] == '\0') &&
		    sqlite3_column_type(st, 1) == SQLITE_TEXT) {
			free(c->author_name);
			c->author_name = store_col_str(st, 1);
		}
		sqlite3_reset(st);
		return GW_OK;
	}
	if (rc == SQLITE_DONE)
		return GW_OK; /* the email can do without it */
	return store_db_fail(s, error_r, "compose");
}

static enum gw_result compose_fill(struct store *s, struct store_compose *c, char **error_r)
{
	const struct store_outbox *o = &c->row;
	struct store_firm firm;
	enum gw_result r = store_firm_get(s, &firm, error_r);
	if (r != GW_OK)
		return r;
	c->firm_name = firm.name;
	c->notify_display_name = firm.notify_display_name;
	c->recipient_kind = o->recipient_kind;
	c->recipient_id = o->recipient_id;
	c->recipient_address = xstrdup(o->recipient_address);
	int rem_count = 0;
	if (o->thread_id != 0)
		r = compose_thread(s, c, o->thread_id, &rem_count, error_r);
	if (r == GW_OK)
		r = compose_recipient(s, c, error_r);
	if (r == GW_OK && o->message_id != 0)
		r = compose_message(s, c, o->message_id, error_r);
	if (r != GW_OK)
		return r;
	/* What the row's extra names, loaded for the email (an unknown kind,
	 * which the relay refuses, names nothing). */
	const struct mail_kind_row *kind = mail_kind_row(o->kind);

	switch (kind != NULL ? kind->extra : MAIL_EXTRA_NONE) {
	case MAIL_EXTRA_REMINDER_NUMBER:
		c->reminder_number = o->extra != NULL ? atoi(o->extra) : 0;
		c->reminders_remaining = rem_count > c->reminder_number
						 ? rem_count - c->reminder_number : 0;
		if (store_db_int(s, SQL_COMPOSE_CLIENT_UNREAD, &c->client_unread, "i",
				 c->thread_id) != SQLITE_ROW)
			r = store_db_fail(s, error_r, "thread %lld: unread", (long long)c->thread_id);
		break;
	case MAIL_EXTRA_TASK_ID:
		r = text_by_id(s, c, SQL_COMPOSE_TASK, o->extra, &c->task_text, error_r);
		break;
	case MAIL_EXTRA_ATTACHMENT_ID:
		r = text_by_id(s, c, SQL_COMPOSE_ATTACHMENT, o->extra, &c->attachment_name, error_r);
		break;
	case MAIL_EXTRA_REPLY:
		if (o->extra != NULL) {
			const char *nl = strchr(o->extra, '\n');
			size_t n = nl != NULL ? (size_t)(nl - o->extra) : strlen(o->extra);
			c->in_reply_to = n > 0 ? xstrndup(o->extra, n) : NULL;
			c->quoted_text = xstrdup(nl != NULL ? nl + 1 : "");
		}
		break;
	case MAIL_EXTRA_WEBHOOK:
		c->webhook = xstrdup(o->extra != NULL ? o->extra : "");
		break;
	case MAIL_EXTRA_SIGNIN: {
		long long id = 0, expires = 0;
		unsigned long salt = 0;

		if (o->extra == NULL ||
		    sscanf(o->extra, "%lld:%lu:%lld", &id, &salt, &expires) != 3 || id <= 0)
			r = store_fail(error_r, GW_PERMFAIL, "outbox %lld: extra: not a sign-in link",
				       (long long)o->id);
		c->signin_id = id;
		c->signin_salt = (uint32_t)salt;
		c->signin_expires = expires;
		break;
	}
	case MAIL_EXTRA_NONE:
		break;
	}
	return r;
}

enum gw_result store_compose_get(struct store *s, int64_t outbox_id, struct store_compose *c,
				 char **error_r)
{
	memset(c, 0, sizeof(*c));
	enum gw_result r = store_tx_begin(s, 0, error_r);
	if (r != GW_OK)
		return r;
	r = store_outbox_get(s, outbox_id, &c->row, error_r);
	if (r == GW_OK)
		r = compose_fill(s, c, error_r);
	if (r == GW_OK && mail_kind_is(c->row.kind, MAIL_BATCH))
		r = compose_items(s, c, error_r);
	r = store_tx_end(s, r, error_r);
	if (r != GW_OK)
		store_compose_clear(c);
	return r;
}

enum gw_result store_fresh_link_queue(struct store *s, int64_t contact_id, int64_t thread_id,
				      int64_t *outbox_id_r, char **error_r)
{
	enum gw_result r = store_tx_begin(s, 1, error_r);
	if (r != GW_OK)
		return r;
	struct store_contact c = { 0 };
	struct thread_core t;
	r = store_contact_get(s, contact_id, &c, error_r);
	if (r == GW_OK && thread_id != 0) {
		r = store_thread_core_get(s, thread_id, &t, error_r);
		if (r == GW_OK && t.account_id != c.account_id)
			r = store_fail(error_r, GW_NOTFOUND, "thread %lld: not visible to contact %lld",
				       (long long)thread_id, (long long)contact_id);
	}
	if (r == GW_OK) {
		struct outbox_new o = {
			.kind = MAIL_FRESH_LINK, .rkind = STORE_CONTACT, .rid = contact_id,
			.address = c.email, .thread_id = thread_id, .now = clock_now(),
		};
		r = store_outbox_add(s, &o, 0, outbox_id_r, NULL, error_r);
	}
	store_contact_clear(&c);
	return store_tx_end(s, r, error_r);
}
