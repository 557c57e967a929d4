/*
 * chat.c - creating chats and posting into them: the staff's new chat (one
 * account or bulk, templates, shortcodes, tasks, reminder settings), the
 * client's new chat, messages with @mentions, system notes and read marks.
 *
 * Each public function here is one write transaction that also writes the
 * outbox rows and the reminder state the change implies (notify.c,
 * reminders.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "i18n.h"
#include "store_int.h"
#include "webhook.h"

static const char SQL_THREAD_CORE[] =
	"SELECT id, account_id, archived_at IS NOT NULL, rem_enabled, rem_days, rem_count,"
	" coalesce(rem_message_id, 0), rem_sent, coalesce(rem_next_due, 0)"
	" FROM threads WHERE id = ?1";

enum gw_result store_thread_core_get(struct store *s, int64_t thread_id, struct thread_core *t,
				     char **error_r)
{
	memset(t, 0, sizeof(*t));
	sqlite3_stmt *st = store_db_q(s, SQL_THREAD_CORE, "i", thread_id);
	int rc = st != NULL ? store_db_step(s, st) : s->last_rc;
	if (rc == SQLITE_DONE)
		return store_fail(error_r, GW_NOTFOUND, "thread %lld: no such thread",
				  (long long)thread_id);
	if (rc != SQLITE_ROW)
		return store_db_fail(s, error_r, "thread %lld", (long long)thread_id);
	t->id = store_col_i64(st, 0);
	t->account_id = store_col_i64(st, 1);
	t->archived = (int)store_col_i64(st, 2);
	t->rem_enabled = (int)store_col_i64(st, 3);
	t->rem_days = (int)store_col_i64(st, 4);
	t->rem_count = (int)store_col_i64(st, 5);
	t->rem_message_id = store_col_i64(st, 6);
	t->rem_sent = (int)store_col_i64(st, 7);
	t->rem_next_due = store_col_i64(st, 8);
	sqlite3_reset(st);
	return GW_OK;
}

static const char SQL_CONTACT_ACCOUNT[] = "SELECT account_id FROM contacts WHERE id = ?1";

/* May kind/id act on (or see) a thread of account_id?  GW_NOTFOUND if not. */
static enum gw_result actor_check(struct store *s, int64_t thread_id, int64_t account_id,
				  enum store_kind kind, int64_t id, char **error_r)
{
	if (kind == STORE_STAFF)
		return store_staff_sees_account(s, id, account_id, error_r) == GW_OK
			       ? GW_OK
			       : store_fail(error_r, GW_NOTFOUND,
					    "thread %lld: not visible to staff %lld",
					    (long long)thread_id, (long long)id);
	if (kind != STORE_CONTACT)
		return store_fail(error_r, GW_INVALID, "thread %lld: %s cannot act here",
				  (long long)thread_id, store_kind_name(kind));
	int64_t acc;
	int rc = store_db_int(s, SQL_CONTACT_ACCOUNT, &acc, "i", id);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_db_fail(s, error_r, "contact %lld", (long long)id);
	if (rc == SQLITE_DONE || acc != account_id)
		return store_fail(error_r, GW_NOTFOUND, "thread %lld: not visible to contact %lld",
				  (long long)thread_id, (long long)id);
	return GW_OK;
}

enum gw_result store_thread_access(struct store *s, int64_t thread_id, enum store_kind kind,
				   int64_t id, char **error_r)
{
	struct thread_core t;
	enum gw_result r = store_thread_core_get(s, thread_id, &t, error_r);
	if (r != GW_OK)
		return r;
	return actor_check(s, thread_id, t.account_id, kind, id, error_r);
}

static const char SQL_MESSAGE_ADD[] =
	"INSERT INTO messages (thread_id, author_kind, author_id, body, staff_only, created_at)"
	" VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
static const char SQL_THREAD_TOUCH[] =
	"UPDATE threads SET last_message_at = ?2 WHERE id = ?1";

enum gw_result store_message_insert(struct store *s, int64_t thread_id, enum store_kind kind,
				    int64_t author_id, const char *body, int staff_only, int64_t now,
				    int64_t *id_r, char **error_r)
{
	if (store_db_exec(s, SQL_MESSAGE_ADD, "isIsdi", thread_id, store_kind_name(kind), author_id,
			  body, staff_only ? 1 : 0, now) != SQLITE_OK)
		return store_db_fail(s, error_r, "thread %lld: add message", (long long)thread_id);
	*id_r = store_db_last_id(s);
	/* A private note is no news for the client's list. */
	if (!staff_only && store_db_exec(s, SQL_THREAD_TOUCH, "ii", thread_id, now) != SQLITE_OK)
		return store_db_fail(s, error_r, "thread %lld", (long long)thread_id);
	return GW_OK;
}

static const char SQL_READ_MARK[] =
	"INSERT INTO read_marks (thread_id, reader_kind, reader_id, last_read_message_id, read_at)"
	" VALUES (?1, ?2, ?3, ?4, ?5)"
	" ON CONFLICT (thread_id, reader_kind, reader_id) DO UPDATE SET"
	" last_read_message_id = max(last_read_message_id, excluded.last_read_message_id),"
	" read_at = excluded.read_at";

/* A staff member who read up to a message has seen what their inbox
 * said of it and before: those items are read too. */
static const char SQL_INBOX_READ_UP_TO[] =
	"UPDATE inbox_items SET read_at = ?4 WHERE staff_id = ?2 AND thread_id = ?1"
	" AND read_at IS NULL AND message_id IS NOT NULL AND message_id <= ?3";

static enum gw_result read_mark_set(struct store *s, int64_t thread_id, enum store_kind kind,
			     int64_t id, int64_t up_to, int64_t now, char **error_r)
{
	if (store_db_exec(s, SQL_READ_MARK, "isiii", thread_id, store_kind_name(kind), id, up_to, now) !=
	    SQLITE_OK)
		return store_db_fail(s, error_r, "thread %lld: read mark", (long long)thread_id);
	if (kind == STORE_STAFF &&
	    store_db_exec(s, SQL_INBOX_READ_UP_TO, "iiii", thread_id, id, up_to, now) != SQLITE_OK)
		return store_db_fail(s, error_r, "thread %lld: inbox", (long long)thread_id);
	/* what they read is not emailed to them */
	return store_batch_seen(s, thread_id, kind, id, up_to, now, NULL, error_r);
}

static const char SQL_LAST_NOTIFIED[] =
	"UPDATE threads SET last_notified_at = ?2 WHERE id = ?1";

static enum gw_result touch_notified(struct store *s, int64_t thread_id, int64_t now,
				     char **error_r)
{
	if (store_db_exec(s, SQL_LAST_NOTIFIED, "ii", thread_id, now) != SQLITE_OK)
		return store_db_fail(s, error_r, "thread %lld", (long long)thread_id);
	return GW_OK;
}

/*
 * What a staff message implies, once it is inserted: mentions, emails to
 * the contacts, the client's to-do order and a new reminder cycle.  An
 * internal note implies only its mentions: the client hears nothing of it.
 */
static enum gw_result after_staff_message(struct store *s, const struct thread_core *t,
					  const struct store_post *p, int64_t msg,
					  int64_t now, int *unseen_r, char **error_r)
{
	struct store_mention_in mi = {
		.thread_id = t->id, .account_id = t->account_id, .message_id = msg,
		.author_kind = STORE_STAFF, .author_id = p->author_id, .body = p->body,
		.assign = p->assign_mentioned, .now = now,
	};
	int64_t *mentioned;
	size_t n_mentioned;
	enum gw_result r = store_notify_mentions(s, &mi, &mentioned, &n_mentioned, unseen_r,
						 error_r);
	free(mentioned);
	char key[64];
	snprintf(key, sizeof(key), "new_message:%lld", (long long)msg);
	/* whoever answers, or writes a note, is told when the client replies */
	if (r == GW_OK)
		r = store_follow_add(s, t->id, p->author_id, now, NULL, error_r);
	if (r == GW_OK && !p->internal)
		r = store_notify_contacts(s, t->id, t->account_id, MAIL_NEW_MESSAGE, msg, NULL,
					  key, 0, now, NULL, error_r);
	if (r == GW_OK && !p->internal)
		r = touch_notified(s, t->id, now, error_r);
	if (r == GW_OK && !p->internal)
		r = store_reminders_restart(s, t->id, msg, now, error_r);
	if (r == GW_OK)
		r = read_mark_set(s, t->id, STORE_STAFF, p->author_id, msg, now, error_r);
	return r;
}

/* What a contact's message implies: mentions, staff emails, reminders stop. */
static enum gw_result after_contact_message(struct store *s, int64_t thread_id,
					    int64_t account_id, int64_t contact_id,
					    enum mail_kind kind, int64_t msg,
					    const char *body, int64_t now, char **error_r)
{
	struct store_mention_in mi = {
		.thread_id = thread_id, .account_id = account_id, .message_id = msg,
		.author_kind = STORE_CONTACT, .author_id = contact_id, .body = body, .now = now,
	};
	int64_t *mentioned;
	size_t n_mentioned;
	enum gw_result r = store_notify_mentions(s, &mi, &mentioned, &n_mentioned, NULL,
						 error_r);
	char key[64];
	snprintf(key, sizeof(key), "%s:%lld", mail_kind_name(kind), (long long)msg);
	if (r == GW_OK)
		r = store_notify_staff(s, thread_id, account_id, kind, msg, NULL, key, mentioned,
				       n_mentioned, now, error_r);
	if (r == GW_OK) {
		/* the mentioned have their mention in the inbox instead */
		struct inbox_event ev = {
			.kind = kind == MAIL_STAFF_CLIENT_CREATED ? STORE_INBOX_CHAT
								  : STORE_INBOX_REPLY,
			.thread_id = thread_id, .account_id = account_id, .message_id = msg,
			.contact_id = contact_id, .actor_kind = STORE_CONTACT,
			.actor_id = contact_id, .now = now,
		};
		r = store_inbox_add_told(s, &ev, mentioned, n_mentioned, error_r);
	}
	free(mentioned);
	if (r == GW_OK)
		r = store_reminders_stop(s, thread_id, error_r);
	if (r == GW_OK)
		r = store_contact_back(s, contact_id, error_r);
	if (r == GW_OK)
		r = read_mark_set(s, thread_id, STORE_CONTACT, contact_id, msg, now, error_r);
	return r;
}

/* A webhook event about THREAD_ID with nothing but its object's id. */
static enum gw_result webhook_thread_event(struct store *s, unsigned type, int64_t thread_id,
					   int64_t object_id, int64_t now, char **error_r)
{
	struct webhook_event_new ev = {
		.type = type, .thread_id = thread_id, .object_id = object_id, .now = now,
	};
	return store_webhook_event(s, &ev, error_r);
}

/* ---- new chat (staff) ---- */

static const char SQL_THREAD_ADD[] =
	"INSERT INTO threads (account_id, subject, created_by_kind, created_by_id, created_at,"
	" last_message_at, show_content, mail_root_id, rem_enabled, rem_days, rem_count)"
	" VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?6, ?7, ?8, ?9, ?10)";
static const char SQL_TASK_ADD[] =
	"INSERT INTO tasks (thread_id, text, position, created_at) VALUES (?1, ?2,"
	" (SELECT coalesce(max(position), 0) + 1 FROM tasks WHERE thread_id = ?1), ?3)";

/*
 * The text of a post: required, unless files go with it (a post of only
 * files is a message with an empty text).
 */
static enum gw_result body_check(const char *what, const char **body, size_t n_files,
				 char **error_r)
{
	if (n_files > 0) {
		const char *b = *body != NULL ? *body : "";

		if (b[strspn(b, " \t\r\n")] == '\0') {
			*body = "";
			return GW_OK;
		}
	}
	return store_text_check(what, *body, TEXT_MAX_BODY, 1, error_r);
}

struct chat_text {
	const char *subject;  /* NULL: the first line of the text */
	const char *body;
	const char *const *tasks;
	size_t n_tasks;
	int days;
	int count;
};

static const char SQL_PER_READER[] = "UPDATE messages SET per_reader = 1 WHERE id = ?1";

static enum gw_result thread_insert(struct store *s, int64_t account_id, const char *subject,
				    enum store_kind by_kind, int64_t by_id, int show_content,
				    int rem_enabled, int days, int count, int64_t now,
				    int64_t *id_r, char **error_r)
{
	char *root = store_mail_id_new(s, "t.");
	if (root == NULL)
		return store_fail(error_r, GW_TEMPFAIL, "thread: no random bytes for a Message-ID");
	int rc = store_db_exec(s, SQL_THREAD_ADD, "issiidsddd", account_id, subject,
			       store_kind_name(by_kind), by_id, now, show_content ? 1 : 0, root,
			       rem_enabled ? 1 : 0, days, count);
	free(root);
	if (rc != SQLITE_OK)
		return store_db_fail(s, error_r, "account %lld: add thread", (long long)account_id);
	*id_r = store_db_last_id(s);
	return GW_OK;
}

static enum gw_result chat_create_one(struct store *s, const struct store_chat_new *c,
				      const struct chat_text *txt, int64_t account_id,
				      int64_t now, int64_t *thread_id_r, char **error_r)
{
	enum gw_result r = store_staff_sees_account(s, c->staff_id, account_id, error_r);
	if (r != GW_OK)
		return r;
	char *subject = NULL, *body = NULL;
	r = store_expand_shortcodes(s, account_id, txt->body, &body, error_r);
	/* No subject: the first line of this account's text. */
	if (r == GW_OK && txt->subject == NULL)
		subject = store_text_subject_from(body);
	else if (r == GW_OK)
		r = store_expand_shortcodes(s, account_id, txt->subject, &subject, error_r);
	if (r == GW_OK)
		r = store_text_check("subject", subject, TEXT_MAX_SUBJECT, 0, error_r);
	const char *checked = body;
	if (r == GW_OK)
		r = body_check("body", &checked, c->n_files, error_r);

	int64_t thread_id = 0, msg = 0;
	if (r == GW_OK)
		r = thread_insert(s, account_id, subject, STORE_STAFF, c->staff_id,
				  c->show_content < 0 ? s->show_content : c->show_content,
				  c->reminders, txt->days, txt->count, now,
				  &thread_id, error_r);
	if (r == GW_OK)
		r = store_message_insert(s, thread_id, STORE_STAFF, c->staff_id, checked, 0, now,
					 &msg, error_r);
	if (r == GW_OK && store_shortcodes_per_reader(checked) &&
	    store_db_exec(s, SQL_PER_READER, "i", msg) != SQLITE_OK)
		r = store_db_fail(s, error_r, "message %lld", (long long)msg);
	if (r == GW_OK && c->n_files > 0)
		r = store_message_files_add(s, thread_id, msg, STORE_STAFF, c->staff_id, c->files,
					    c->n_files, now, NULL, error_r);
	for (size_t i = 0; r == GW_OK && i < txt->n_tasks; i++)
		if (store_db_exec(s, SQL_TASK_ADD, "isi", thread_id, txt->tasks[i], now) != SQLITE_OK)
			r = store_db_fail(s, error_r, "thread %lld: add task", (long long)thread_id);
	for (size_t i = 0; r == GW_OK && i < c->n_refs; i++)
		r = store_thread_ref_insert(s, thread_id, c->refs[i].label, c->refs[i].url, now,
					    NULL, error_r);
	int64_t note_id = 0;
	if (r == GW_OK && c->reminders) {
		char *note = store_reminder_note_args(1, txt->days, txt->count, txt->n_tasks > 0);
		r = store_note_insert(s, thread_id, 1, now, "reminders", note, &note_id, error_r);
		free(note);
	}
	if (r == GW_OK) {
		struct thread_core t = { .id = thread_id, .account_id = account_id };
		struct store_post p = {
			.thread_id = thread_id, .author_kind = STORE_STAFF,
			.author_id = c->staff_id, .body = body,
		};
		r = after_staff_message(s, &t, &p, msg, now, NULL, error_r);
	}
	/* The author has seen the note that announces the reminders too. */
	if (r == GW_OK && note_id != 0)
		r = read_mark_set(s, thread_id, STORE_STAFF, c->staff_id, note_id, now, error_r);
	if (r == GW_OK)
		r = webhook_thread_event(s, WEBHOOK_CHAT_CREATED, thread_id, thread_id, now, error_r);
	free(subject);
	free(body);
	*thread_id_r = thread_id;
	return r;
}

static enum gw_result chat_check(struct store *s, const struct store_chat_new *c,
				 struct chat_text *txt, char **error_r)
{
	if (c->n_accounts == 0 || c->account_ids == NULL)
		return store_fail(error_r, GW_INVALID, "new chat: no account given");
	if (c->n_accounts > 100000)
		return store_fail(error_r, GW_INVALID, "new chat: too many accounts (%zu)",
				  c->n_accounts);
	for (size_t i = 0; i < c->n_accounts; i++)
		for (size_t j = 0; j < i; j++)
			if (c->account_ids[i] == c->account_ids[j])
				return store_fail(error_r, GW_INVALID,
						  "new chat: account %lld given twice",
						  (long long)c->account_ids[i]);
	if (c->n_files > 0 && c->n_accounts > 1)
		return store_fail(error_r, GW_INVALID,
				  "files: a new chat to several accounts carries no files; "
				  "add documents to each chat afterwards");
	if (c->n_tasks > 100)
		return store_fail(error_r, GW_INVALID, "new chat: more than 100 tasks");
	for (size_t i = 0; i < c->n_tasks; i++) {
		char what[32];
		snprintf(what, sizeof(what), "task %zu", i + 1);
		enum gw_result r = store_text_check(what, c->tasks != NULL ? c->tasks[i] : NULL,
						    TEXT_MAX_TASK, 0, error_r);
		if (r != GW_OK)
			return r;
	}
	if (c->n_refs > STORE_REF_MAX)
		return store_fail(error_r, GW_INVALID, "refs: more than %d links", STORE_REF_MAX);
	for (size_t i = 0; i < c->n_refs; i++) {
		const char *field;
		enum gw_result r = store_thread_ref_check(c->refs[i].label, c->refs[i].url, &field,
							  error_r);
		if (r != GW_OK)
			return r;
	}
	txt->days = c->reminder_days != 0 ? c->reminder_days : s->rem_days;
	txt->count = c->reminder_count != 0 ? c->reminder_count : s->rem_count;
	if (txt->days < 1 || txt->days > GW_REMINDER_DAYS_MAX)
		return store_fail(error_r, GW_INVALID, "reminder days %d: not within 1..%d",
				  txt->days, GW_REMINDER_DAYS_MAX);
	if (txt->count < 1 || txt->count > GW_REMINDER_COUNT_MAX)
		return store_fail(error_r, GW_INVALID, "reminder count %d: not within 1..%d",
				  txt->count, GW_REMINDER_COUNT_MAX);
	return GW_OK;
}

enum gw_result store_chat_create(struct store *s, const struct store_chat_new *c,
				 int64_t *thread_ids_r, char **error_r)
{
	struct chat_text txt = { c->subject != NULL && c->subject[0] != '\0' ? c->subject : NULL,
				 c->body, c->tasks, c->n_tasks, 0, 0 };
	char **tpl_tasks = NULL;
	size_t n_tpl_tasks = 0;
	enum gw_result r = chat_check(s, c, &txt, error_r);
	if (r != GW_OK)
		return r;
	if ((r = store_tx_begin(s, 1, error_r)) != GW_OK)
		return r;
	struct store_template t = { 0 };
	if (c->template_name != NULL) {
		r = store_template_get(s, c->template_name, &t, error_r);
		if (txt.subject == NULL)
			txt.subject = t.subject;
		if (txt.body == NULL)
			txt.body = t.body;
		/* The template's tasks, unless the chat brings its own. */
		if (r == GW_OK && txt.n_tasks == 0 && t.tasks != NULL && t.tasks[0] != '\0') {
			tpl_tasks = store_text_lines(t.tasks, &n_tpl_tasks);
			txt.tasks = (const char *const *)tpl_tasks;
			txt.n_tasks = n_tpl_tasks;
		}
	}
	if (r == GW_OK && txt.subject != NULL && txt.subject[0] == '\0')
		txt.subject = NULL; /* a template without one */
	if (r == GW_OK && txt.body == NULL)
		r = store_fail(error_r, GW_INVALID, "new chat: no text and no template");
	if (r == GW_OK)
		r = store_shortcodes_check("subject", txt.subject, 0, error_r);
	if (r == GW_OK)
		r = store_shortcodes_check("body", txt.body, 1, error_r);
	int64_t now = clock_now();
	for (size_t i = 0; r == GW_OK && i < c->n_accounts; i++) {
		int64_t id;
		r = chat_create_one(s, c, &txt, c->account_ids[i], now, &id, error_r);
		if (r == GW_OK && thread_ids_r != NULL)
			thread_ids_r[i] = id;
	}
	store_template_clear(&t);
	for (size_t i = 0; i < n_tpl_tasks; i++)
		free(tpl_tasks[i]);
	free(tpl_tasks);
	return store_tx_end(s, r, error_r);
}

/* ---- new chat (client) ---- */

enum gw_result store_chat_create_by_contact(struct store *s, int64_t contact_id,
					    const char *subject, const char *body,
					    int64_t *thread_id_r, int64_t *message_id_r,
					    char **error_r)
{
	return store_chat_create_by_contact_files(s, contact_id, subject, body, NULL, 0,
						  thread_id_r, message_id_r, error_r);
}

enum gw_result store_chat_create_by_contact_files(struct store *s, int64_t contact_id,
						  const char *subject, const char *body,
						  const struct store_upload *files, size_t n_files,
						  int64_t *thread_id_r, int64_t *message_id_r,
						  char **error_r)
{
	enum gw_result r = store_text_check("subject", subject, TEXT_MAX_SUBJECT, 0, error_r);
	if (r == GW_OK)
		r = body_check("body", &body, n_files, error_r);
	if (r != GW_OK)
		return r;
	if ((r = store_tx_begin(s, 1, error_r)) != GW_OK)
		return r;
	struct store_firm firm = { 0 };
	struct store_contact c = { 0 };
	r = store_firm_get(s, &firm, error_r);
	if (r == GW_OK)
		r = store_contact_get(s, contact_id, &c, error_r);
	if (r == GW_OK && !firm.allow_client_chats)
		r = store_fail(error_r, GW_PERMFAIL,
			       _("new chat: the firm does not allow client chats"));
	if (r == GW_OK && !c.may_create_chats)
		r = store_fail(error_r, GW_PERMFAIL, _("new chat: contact %lld may not create chats"),
			       (long long)contact_id);
	int64_t now = clock_now(), thread_id = 0, msg = 0;
	if (r == GW_OK)
		r = thread_insert(s, c.account_id, subject, STORE_CONTACT, contact_id,
				  s->show_content, 0,
				  s->rem_days, s->rem_count, now, &thread_id, error_r);
	if (r == GW_OK)
		r = store_message_insert(s, thread_id, STORE_CONTACT, contact_id, body, 0, now, &msg,
					 error_r);
	if (r == GW_OK && n_files > 0)
		r = store_message_files_add(s, thread_id, msg, STORE_CONTACT, contact_id, files,
					    n_files, now, NULL, error_r);
	if (r == GW_OK)
		r = after_contact_message(s, thread_id, c.account_id, contact_id,
					  MAIL_STAFF_CLIENT_CREATED, msg, body, now, error_r);
	if (r == GW_OK)
		r = webhook_thread_event(s, WEBHOOK_CHAT_CREATED, thread_id, thread_id, now, error_r);
	r = store_tx_end(s, r, error_r);
	if (r == GW_OK) {
		if (thread_id_r != NULL)
			*thread_id_r = thread_id;
		if (message_id_r != NULL)
			*message_id_r = msg;
	}
	store_firm_clear(&firm);
	store_contact_clear(&c);
	return r;
}

/* ---- posting ---- */


enum gw_result store_message_send(struct store *s, const struct store_post *p,
				  int64_t *message_id_r, int *unseen_r, char **error_r)
{
	if (unseen_r != NULL)
		*unseen_r = 0;
	struct store_post post = *p;
	enum gw_result r = body_check(p->internal ? "note" : "message", &post.body, p->n_files,
				      error_r);
	if (r != GW_OK)
		return r;
	p = &post;
	if (p->author_kind != STORE_STAFF && p->author_kind != STORE_CONTACT)
		return store_fail(error_r, GW_INVALID, "thread %lld: a %s cannot post",
				  (long long)p->thread_id, store_kind_name(p->author_kind));
	if ((r = store_tx_begin(s, 1, error_r)) != GW_OK)
		return r;
	struct thread_core t;
	int64_t now = clock_now(), msg = 0;
	r = store_thread_core_get(s, p->thread_id, &t, error_r);
	if (r == GW_OK)
		r = actor_check(s, p->thread_id, t.account_id, p->author_kind, p->author_id,
				error_r);
	/* After the access check: who may not see the thread learns no more. */
	if (r == GW_OK && p->internal && p->author_kind != STORE_STAFF)
		r = store_fail(error_r, GW_INVALID,
			       "internal: only staff write internal notes; a contact's "
			       "message is seen by the firm and the account");
	if (r == GW_OK && t.archived)
		r = store_fail(error_r, GW_INVALID, _("thread %lld: archived, reopen it first"),
			       (long long)p->thread_id);
	if (r == GW_OK)
		r = store_message_insert(s, p->thread_id, p->author_kind, p->author_id, p->body,
					 p->internal, now, &msg, error_r);
	if (r == GW_OK && p->n_files > 0)
		r = store_message_files_add(s, p->thread_id, msg, p->author_kind, p->author_id,
					    p->files, p->n_files, now, NULL, error_r);
	if (r == GW_OK && p->author_kind == STORE_STAFF)
		r = after_staff_message(s, &t, p, msg, now, unseen_r, error_r);
	else if (r == GW_OK)
		r = after_contact_message(s, p->thread_id, t.account_id, p->author_id,
					  MAIL_STAFF_CLIENT_REPLIED, msg, p->body, now, error_r);
	if (r == GW_OK)
		r = webhook_thread_event(s, WEBHOOK_MESSAGE_POSTED, p->thread_id, msg, now,
					 error_r);
	r = store_tx_end(s, r, error_r);
	if (r == GW_OK && message_id_r != NULL)
		*message_id_r = msg;
	return r;
}

enum gw_result store_message_post(struct store *s, int64_t thread_id, enum store_kind kind,
				  int64_t author_id, const char *body, int64_t *message_id_r,
				  char **error_r)
{
	struct store_post p = {
		.thread_id = thread_id, .author_kind = kind, .author_id = author_id, .body = body,
	};
	return store_message_send(s, &p, message_id_r, NULL, error_r);
}

enum gw_result store_note_add(struct store *s, int64_t thread_id, const char *body,
			      int staff_only, int64_t *message_id_r, char **error_r)
{
	enum gw_result r = store_text_check("note", body, TEXT_MAX_BODY, 1, error_r);
	if (r != GW_OK)
		return r;
	if ((r = store_tx_begin(s, 1, error_r)) != GW_OK)
		return r;
	struct thread_core t;
	int64_t msg = 0;
	r = store_thread_core_get(s, thread_id, &t, error_r);
	if (r == GW_OK)
		r = store_message_insert(s, thread_id, STORE_SYSTEM, 0, body, staff_only, clock_now(),
					 &msg, error_r);
	r = store_tx_end(s, r, error_r);
	if (r == GW_OK && message_id_r != NULL)
		*message_id_r = msg;
	return r;
}

/* ---- read marks ---- */

static const char SQL_LAST_VISIBLE[] =
	"SELECT coalesce(max(id), 0) FROM messages WHERE thread_id = ?1"
	" AND (staff_only = 0 OR ?2)";
static const char SQL_MESSAGE_THREAD[] = "SELECT thread_id FROM messages WHERE id = ?1";

enum gw_result store_read_mark(struct store *s, int64_t thread_id, enum store_kind kind,
			       int64_t reader_id, int64_t up_to, char **error_r)
{
	enum gw_result r = store_tx_begin(s, 1, error_r);
	if (r != GW_OK)
		return r;
	struct thread_core t;
	r = store_thread_core_get(s, thread_id, &t, error_r);
	if (r == GW_OK)
		r = actor_check(s, thread_id, t.account_id, kind, reader_id, error_r);
	int64_t v = 0;
	if (r == GW_OK && up_to == 0) {
		if (store_db_int(s, SQL_LAST_VISIBLE, &v, "id", thread_id, kind == STORE_STAFF) !=
		    SQLITE_ROW)
			r = store_db_fail(s, error_r, "thread %lld", (long long)thread_id);
		up_to = v;
	} else if (r == GW_OK) {
		int rc = store_db_int(s, SQL_MESSAGE_THREAD, &v, "i", up_to);
		if (rc != SQLITE_ROW && rc != SQLITE_DONE)
			r = store_db_fail(s, error_r, "message %lld", (long long)up_to);
		else if (rc == SQLITE_DONE || v != thread_id)
			r = store_fail(error_r, GW_NOTFOUND, "thread %lld: no message %lld",
				       (long long)thread_id, (long long)up_to);
	}
	if (r == GW_OK && up_to > 0)
		r = read_mark_set(s, thread_id, kind, reader_id, up_to, clock_now(), error_r);
	/* also after the cycle: a reminder may wait for an away contact */
	if (r == GW_OK && kind == STORE_CONTACT && t.rem_message_id != 0)
		r = store_reminders_check_stop(s, thread_id, error_r);
	return store_tx_end(s, r, error_r);
}
