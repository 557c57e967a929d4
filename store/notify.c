/*
 * notify.c - who gets an email when something happens, written as outbox
 * rows inside the caller's transaction.
 *
 * Every row gets its RFC 5322 Message-ID here, at enqueue, so that a row
 * sent twice (a crash between sending and marking it sent) carries the same
 * id and receivers can drop the duplicate.  Rows derived from an event
 * carry a dedup key naming the event and the recipient; the UNIQUE index on
 * it makes re-enqueueing the same event impossible.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "i18n.h"
#include "store_int.h"

char *store_mail_id_new(struct store *s, const char *tag)
{
	char hex[33];
	if (store_text_random_hex(hex) < 0)
		return NULL;
	return xasprintf("gw.%s%s@%s", tag, hex, s->mail_domain);
}

static const char SQL_OUTBOX_ADD[] =
	"INSERT INTO outbox (kind, recipient_kind, recipient_id, recipient_address,"
	" thread_id, message_id, extra, next_attempt_at, created_at, mail_id, dedup_key)"
	" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?11, ?8, ?9, ?10)";
static const char SQL_OUTBOX_ADD_IGNORE[] =
	"INSERT INTO outbox (kind, recipient_kind, recipient_id, recipient_address,"
	" thread_id, message_id, extra, next_attempt_at, created_at, mail_id, dedup_key)"
	" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?11, ?8, ?9, ?10)"
	" ON CONFLICT (dedup_key) DO NOTHING";

static const char SQL_CONTACT_REMOVED[] =
	"SELECT removed_at IS NOT NULL FROM contacts WHERE id = ?1";

enum gw_result store_outbox_add(struct store *s, const struct outbox_new *o, int ignore_dup,
				int64_t *id_r, int *inserted_r, char **error_r)
{
	int inserted = 0;
	int64_t id = 0;

	if (inserted_r != NULL)
		*inserted_r = 0;
	if (id_r != NULL)
		*id_r = 0;
	/* Every email to a contact is queued here: a removed contact gets
	   none, whichever path asked (fresh link, explanation, notification). */
	if (o->rkind == STORE_CONTACT && o->rid != 0) {
		int64_t removed = 0;
		int rc = store_db_int(s, SQL_CONTACT_REMOVED, &removed, "i", o->rid);

		if (rc != SQLITE_ROW && rc != SQLITE_DONE)
			return store_db_fail(s, error_r, "outbox: contact %lld", (long long)o->rid);
		if (rc == SQLITE_ROW && removed != 0)
			return GW_OK;
	}
	if (!store_batch_applies(o))
		return store_outbox_row_add(s, o, ignore_dup, id_r, inserted_r, error_r);
	enum gw_result r = store_batch_add(s, o, ignore_dup, &id, &inserted, error_r);

	if (r == GW_OK && inserted_r != NULL)
		*inserted_r = inserted;
	if (r == GW_OK && id_r != NULL)
		*id_r = id;
	return r;
}

enum gw_result store_outbox_row_add(struct store *s, const struct outbox_new *o, int ignore_dup,
				    int64_t *id_r, int *inserted_r, char **error_r)
{
	if (inserted_r != NULL)
		*inserted_r = 0;
	if (id_r != NULL)
		*id_r = 0;
	/* Every email to a contact is queued here: a removed contact gets
	   none, whichever path asked (fresh link, explanation, notification). */
	char *mid = store_mail_id_new(s, "");
	if (mid == NULL)
		return store_fail(error_r, GW_TEMPFAIL, "outbox: no random bytes for a Message-ID");
	int rc = store_db_exec(s, ignore_dup ? SQL_OUTBOX_ADD_IGNORE : SQL_OUTBOX_ADD, "ssIsIIsissi",
			       mail_kind_name(o->kind), store_kind_name(o->rkind), o->rid,
			       o->address, o->thread_id, o->message_id, o->extra, o->now, mid,
			       o->dedup_key, o->due > o->now ? o->due : o->now);
	free(mid);
	if (rc != SQLITE_OK)
		return store_db_fail(s, error_r, "outbox: queue %s to %s", mail_kind_name(o->kind),
				     o->address);
	int inserted = store_db_changes(s) > 0;
	if (inserted_r != NULL)
		*inserted_r = inserted;
	if (id_r != NULL)
		*id_r = inserted ? store_db_last_id(s) : 0;
	return GW_OK;
}

struct recipient {
	int64_t id;
	char *address;
};

static void recipients_free(struct recipient *r, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(r[i].address);
	free(r);
}

static enum gw_result recipients_load(struct store *s, sqlite3_stmt *st, struct recipient **r_r,
				      size_t *n_r, char **error_r)
{
	struct recipient *r = NULL;
	size_t n = 0, cap = 0;
	int rc = st != NULL ? SQLITE_ROW : s->last_rc;
	while (st != NULL && (rc = store_db_step(s, st)) == SQLITE_ROW) {
		struct recipient *e = store_vec_push(&r, &n, &cap, sizeof(*r));
		e->id = store_col_i64(st, 0);
		e->address = store_col_str(st, 1);
	}
	if (st != NULL)
		sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		recipients_free(r, n);
		return store_db_fail(s, error_r, "recipients");
	}
	*r_r = r;
	*n_r = n;
	return GW_OK;
}

static const char SQL_NOTIFIABLE_CONTACTS[] =
	"SELECT id, email FROM contacts"
	" WHERE account_id = ?1 AND notify = 1 AND email_status = 'ok' AND removed_at IS NULL"
	" ORDER BY id";

/*
 * A contact away (their automatic reply gave a date): when their reminder
 * may go (*due_r, 0 = now), and whether one already waits for them in
 * this thread (then this one is not queued: one reminder on their return).
 */
static const char SQL_CONTACT_AWAY[] =
	"SELECT coalesce(away_resume_at, 0) FROM contacts WHERE id = ?1";
static const char SQL_REMINDER_WAITING[] =
	"SELECT EXISTS (SELECT 1 FROM outbox WHERE thread_id = ?1 AND kind = 'reminder'"
	" AND recipient_kind = 'contact' AND recipient_id = ?2 AND status = 'queued'"
	" AND next_attempt_at > ?3)";

static enum gw_result reminder_due(struct store *s, int64_t thread_id, int64_t contact_id,
				   int64_t now, int64_t *due_r, int *waiting_r, char **error_r)
{
	int64_t resume = 0, waiting = 0;

	*due_r = 0;
	*waiting_r = 0;
	if (store_db_int(s, SQL_CONTACT_AWAY, &resume, "i", contact_id) != SQLITE_ROW)
		return store_db_fail(s, error_r, "contact %lld: away", (long long)contact_id);
	if (resume <= now)
		return GW_OK;
	if (store_db_int(s, SQL_REMINDER_WAITING, &waiting, "iii", thread_id, contact_id, now) !=
	    SQLITE_ROW)
		return store_db_fail(s, error_r, "contact %lld: waiting reminders",
				     (long long)contact_id);
	*due_r = resume;
	*waiting_r = waiting != 0;
	return GW_OK;
}

enum gw_result store_notify_contacts(struct store *s, int64_t thread_id, int64_t account_id,
				     enum mail_kind kind, int64_t message_id, const char *extra,
				     const char *key_prefix, int ignore_dup, int64_t now, int *n_r,
				     char **error_r)
{
	struct recipient *r;
	size_t n;
	int queued = 0;
	enum gw_result res = recipients_load(s, store_db_q(s, SQL_NOTIFIABLE_CONTACTS, "i", account_id),
					     &r, &n, error_r);
	if (res != GW_OK)
		return res;
	for (size_t i = 0; i < n && res == GW_OK; i++) {
		char *key = key_prefix != NULL
				    ? xasprintf("%s:contact:%lld", key_prefix, (long long)r[i].id)
				    : NULL;
		struct outbox_new o = {
			.kind = kind, .rkind = STORE_CONTACT, .rid = r[i].id,
			.address = r[i].address, .thread_id = thread_id,
			.message_id = message_id, .extra = extra, .dedup_key = key, .now = now,
		};
		int inserted = 0, waiting = 0;
		/* a reminder to a contact who is away waits for their return */
		if (kind == MAIL_REMINDER)
			res = reminder_due(s, thread_id, r[i].id, now, &o.due, &waiting, error_r);
		if (res == GW_OK && !waiting)
			res = store_outbox_add(s, &o, ignore_dup, NULL, &inserted, error_r);
		queued += inserted;
		free(key);
	}
	recipients_free(r, n);
	if (n_r != NULL)
		*n_r = queued;
	return res;
}

/*
 * Staff told of client events: assigned to the account (or, when nobody
 * is, the owners and admins), plus the thread's followers (whoever posted
 * or was mentioned there and did not unfollow), each once.  followers.c
 * lists the same people for the thread page (SQL_TOLD_STAFF).
 */
static const char SQL_EVENT_STAFF[] =
	"SELECT s.id, s.email FROM staff s WHERE s.notify = 1 AND "
	STORE_SQL_STAFF_TOLD("s.id", "?1", "?2")
	" ORDER BY s.id";

static int id_in(int64_t id, const int64_t *ids, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (ids[i] == id)
			return 1;
	return 0;
}

enum gw_result store_notify_staff(struct store *s, int64_t thread_id, int64_t account_id,
				  enum mail_kind kind, int64_t message_id, const char *extra,
				  const char *key_prefix, const int64_t *skip, size_t n_skip,
				  int64_t now, char **error_r)
{
	struct outbox_new ev = {
		.kind = kind, .thread_id = thread_id, .message_id = message_id, .extra = extra,
		.now = now,
	};
	return store_notify_staff_event(s, &ev, account_id, key_prefix, skip, n_skip, error_r);
}

enum gw_result store_notify_staff_event(struct store *s, const struct outbox_new *ev,
					int64_t account_id, const char *key_prefix,
					const int64_t *skip, size_t n_skip, char **error_r)
{
	int64_t thread_id = ev->thread_id;
	struct recipient *r;
	size_t n;
	enum gw_result res = recipients_load(s, store_db_q(s, SQL_EVENT_STAFF, "ii", thread_id,
							   account_id),
					     &r, &n, error_r);
	if (res != GW_OK)
		return res;
	for (size_t i = 0; i < n && res == GW_OK; i++) {
		if (id_in(r[i].id, skip, n_skip))
			continue;
		char *key = key_prefix != NULL
				    ? xasprintf("%s:staff:%lld", key_prefix, (long long)r[i].id)
				    : NULL;
		struct outbox_new o = *ev;

		o.rkind = STORE_STAFF;
		o.rid = r[i].id;
		o.address = r[i].address;
		o.dedup_key = key;
		res = store_outbox_add(s, &o, 0, NULL, NULL, error_r);
		free(key);
	}
	recipients_free(r, n);
	return res;
}

/* ---- @mentions ---- */

/* Every colleague, whether they see the account (?1) and may assign. */
static const char SQL_STAFF_NAMES[] =
	"SELECT id, name, email, notify, role IN ('owner', 'admin'),"
	" " STORE_SQL_STAFF_SEES("staff.id", "?1")
	" FROM staff ORDER BY id";
static const char SQL_MENTION_ADD[] =
	"INSERT OR IGNORE INTO mentions (message_id, staff_id) VALUES (?1, ?2)";
static const char SQL_MENTION_ASSIGN[] =
	"INSERT OR IGNORE INTO staff_accounts (staff_id, account_id) VALUES (?1, ?2)";
static const char SQL_MENTION_ACCOUNT[] = "SELECT name FROM accounts WHERE id = ?1";

struct staff_name {
	int64_t id;
	char *name;
	char *first;
	char *email;
	int notify;
	int sees_all;   /* owner or admin */
	int sees;       /* sees the thread's account */
};

static int word_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-' || c >= 0x80;
}

static int name_start(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80;
}

/* Length of name matched case-insensitively at p and ending at a word
 * boundary; 0 if it does not match. */
static size_t match_at(const char *p, const char *name)
{
	size_t n = strlen(name);
	if (n == 0 || strncasecmp(p, name, n) != 0)
		return 0;
	if (word_char((unsigned char)p[n]))
		return 0;
	return n;
}

/* Which staff member does the text after '@' name?  -1 if nobody. */
static ssize_t mention_at(const char *p, const struct staff_name *st, size_t n)
{
	ssize_t best = -1;
	size_t best_len = 0;
	for (size_t i = 0; i < n; i++) {
		size_t l = match_at(p, st[i].name);
		if (l > best_len) {
			best = (ssize_t)i;
			best_len = l;
		}
	}
	if (best >= 0)
		return best;
	/* A first name alone counts only when one staff member has it. */
	ssize_t only = -1;
	for (size_t i = 0; i < n; i++) {
		if (match_at(p, st[i].first) == 0)
			continue;
		if (only >= 0)
			return -1;
		only = (ssize_t)i;
	}
	return only;
}

static int mention_start(const char *body, const char *p)
{
	/* "a@b.example" is an address, "\@name" CommonMark's escaped "@". */
	if (*p != '@')
		return 0;
	return p == body || (!word_char((unsigned char)p[-1]) && p[-1] != '\\');
}

static void staff_names_free(struct staff_name *st, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(st[i].name);
		free(st[i].first);
		free(st[i].email);
	}
	free(st);
}

static enum gw_result staff_names_load(struct store *s, int64_t account_id,
				       struct staff_name **st_r, size_t *n_r, char **error_r)
{
	struct staff_name *st = NULL;
	size_t n = 0, cap = 0;
	sqlite3_stmt *q = store_db_q(s, SQL_STAFF_NAMES, "i", account_id);
	int rc = q != NULL ? SQLITE_ROW : s->last_rc;
	while (q != NULL && (rc = store_db_step(s, q)) == SQLITE_ROW) {
		struct staff_name *e = store_vec_push(&st, &n, &cap, sizeof(*st));
		e->id = store_col_i64(q, 0);
		e->name = store_col_str(q, 1);
		e->first = store_text_first_word(e->name);
		e->email = store_col_str(q, 2);
		e->notify = (int)store_col_i64(q, 3);
		e->sees_all = (int)store_col_i64(q, 4);
		e->sees = (int)store_col_i64(q, 5);
	}
	if (q != NULL)
		sqlite3_reset(q);
	*st_r = st;
	*n_r = n;
	return rc == SQLITE_DONE ? GW_OK : store_db_fail(s, error_r, "mentions");
}

static const struct staff_name *staff_by_id(const struct staff_name *st, size_t n, int64_t id)
{
	for (size_t i = 0; i < n; i++)
		if (st[i].id == id)
			return &st[i];
	return NULL;
}

/* The refusal of colleagues who cannot see the account, naming them. */
static enum gw_result refuse_unseen(struct store *s, const struct store_mention_in *m,
				    const struct staff_name *st, size_t n, const int64_t *ids,
				    size_t n_ids, char **error_r)
{
	struct buf who = BUF_INIT;
	size_t k = 0;
	for (size_t i = 0; i < n_ids; i++) {
		const struct staff_name *e = staff_by_id(st, n, ids[i]);
		if (e == NULL || e->sees)
			continue;
		if (k++ > 0)
			buf_puts(&who, ", ");
		buf_puts(&who, e->name);
	}
	char *account = NULL;
	sqlite3_stmt *q = store_db_q(s, SQL_MENTION_ACCOUNT, "i", m->account_id);
	if (q != NULL && store_db_step(s, q) == SQLITE_ROW)
		account = store_col_str(q, 0);
	if (q != NULL)
		sqlite3_reset(q);
	const struct staff_name *author = m->author_kind == STORE_STAFF
						  ? staff_by_id(st, n, m->author_id) : NULL;
	/* Said to the author in their language (the web view's reader; the
	 * API and gatewayctl read English). */
	enum gw_result r = author != NULL && author->sees_all ?
		store_fail(error_r, GW_INVALID,
			   _("%s cannot see the account %s, so nothing was posted: remove the "
			     "mention, or assign them to the account and post"),
			   who.data != NULL ? who.data : "", account != NULL ? account : "") :
		store_fail(error_r, GW_INVALID,
			   _("%s cannot see the account %s, so nothing was posted: remove the "
			     "mention, or ask an owner or admin to assign them to the account"),
			   who.data != NULL ? who.data : "", account != NULL ? account : "");
	free(account);
	buf_release(&who);
	return r;
}

/* "@word" that names nobody: refused, quoting what was typed. */
static enum gw_result refuse_unknown(const char *p, char **error_r)
{
	size_t len = 0;
	while (word_char((unsigned char)p[len]) && len < 40)
		len++;
	return store_fail(error_r, GW_INVALID,
			  _("@%.*s: no colleague has that name, so nothing was posted: check the "
			    "name, or write \\@%.*s to keep it as plain text"),
			  (int)len, p, (int)len, p);
}

/* Write the mention of e: the row, the assignment asked for, the email. */
static enum gw_result mention_write(struct store *s, const struct store_mention_in *m,
				    const struct staff_name *e, char **error_r)
{
	if (!e->sees &&
	    store_db_exec(s, SQL_MENTION_ASSIGN, "ii", e->id, m->account_id) != SQLITE_OK)
		return store_db_fail(s, error_r, "assign staff %lld", (long long)e->id);
	if (store_db_exec(s, SQL_MENTION_ADD, "ii", m->message_id, e->id) != SQLITE_OK)
		return store_db_fail(s, error_r, "mention of staff %lld", (long long)e->id);
	/* brought into the thread: told of what the client says next */
	enum gw_result fr = store_follow_add(s, m->thread_id, e->id, m->now, NULL, error_r);
	if (fr != GW_OK)
		return fr;
	/* in the inbox whatever their emails (never their own mention) */
	struct inbox_event ev = {
		.kind = STORE_INBOX_MENTION, .thread_id = m->thread_id,
		.account_id = m->account_id, .message_id = m->message_id,
		.contact_id = m->author_kind == STORE_CONTACT ? m->author_id : 0,
		.actor_kind = m->author_kind, .actor_id = m->author_id, .now = m->now,
	};
	if ((fr = store_inbox_add(s, &ev, e->id, error_r)) != GW_OK)
		return fr;
	if (!e->notify || (m->author_kind == STORE_STAFF && m->author_id == e->id))
		return GW_OK;
	char *key = xasprintf("staff_mention:%lld:staff:%lld", (long long)m->message_id,
			      (long long)e->id);
	struct outbox_new o = {
		.kind = MAIL_STAFF_MENTION, .rkind = STORE_STAFF, .rid = e->id,
		.address = e->email, .thread_id = m->thread_id,
		.message_id = m->message_id, .dedup_key = key, .now = m->now,
	};
	enum gw_result r = store_outbox_add(s, &o, 0, NULL, NULL, error_r);
	free(key);
	return r;
}

enum gw_result store_notify_mentions(struct store *s, const struct store_mention_in *m,
				     int64_t **ids_r, size_t *n_r, int *unseen_r,
				     char **error_r)
{
	*ids_r = NULL;
	*n_r = 0;
	if (unseen_r != NULL)
		*unseen_r = 0;
	if (strchr(m->body, '@') == NULL)
		return GW_OK;

	struct staff_name *st;
	size_t n;
	enum gw_result res = staff_names_load(s, m->account_id, &st, &n, error_r);
	const struct staff_name *author = m->author_kind == STORE_STAFF
						  ? staff_by_id(st, n, m->author_id) : NULL;
	int64_t *ids = NULL;
	size_t n_ids = 0, cap_ids = 0;
	int unseen = 0;
	const char *unknown = NULL;
	int in_code = 0;
	for (const char *p = m->body; res == GW_OK && *p != '\0'; p++) {
		/* `@decorator` in code is code: a run of backticks opens or
		 * closes a code span or block. */
		if (*p == '`') {
			while (p[1] == '`')
				p++;
			in_code = !in_code;
			continue;
		}
		if (in_code || !mention_start(m->body, p))
			continue;
		ssize_t i = mention_at(p + 1, st, n);
		if (i < 0) {
			/* A colleague's name mistyped ("@2pm" is no name);
			 * contacts' @words are text. */
			if (author != NULL && unknown == NULL && name_start((unsigned char)p[1]))
				unknown = p + 1;
			continue;
		}
		if (id_in(st[i].id, ids, n_ids))
			continue;
		/* A contact cannot bring in a colleague who does not see the
		 * account: plain text, and no email with a link that fails. */
		if (!st[i].sees && author == NULL)
			continue;
		if (!st[i].sees && !(m->assign && author->sees_all))
			unseen++;
		*(int64_t *)store_vec_push(&ids, &n_ids, &cap_ids, sizeof(*ids)) = st[i].id;
	}
	if (res == GW_OK && unknown != NULL)
		res = refuse_unknown(unknown, error_r);
	if (res == GW_OK && unseen > 0) {
		res = refuse_unseen(s, m, st, n, ids, n_ids, error_r);
		if (unseen_r != NULL)
			*unseen_r = unseen;
	}
	for (size_t k = 0; res == GW_OK && k < n_ids; k++)
		res = mention_write(s, m, staff_by_id(st, n, ids[k]), error_r);
	staff_names_free(st, n);
	if (res != GW_OK) {
		free(ids);
		return res;
	}
	*ids_r = ids;
	*n_r = n_ids;
	return GW_OK;
}
