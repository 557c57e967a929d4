/*
 * privacy.c - a person's data on request: everything the store holds
 * about one contact or staff member, as they see it (export), and the
 * erasure of a contact's personal data.
 *
 * Erase runs in one write transaction with PRAGMA secure_delete on, so
 * that the cells it rewrites or frees are zeroed, not left in the pages.
 * The content files of the attachments it deleted are removed only after
 * the commit (store_person_erase_files), each while holding the write lock
 * and only when no row points to it any more; store_attachment_add()
 * checks inside its own transaction that its file is there.  A crash
 * between the commit and the removal leaves unreferenced files, never a
 * row pointing at nothing.  Then VACUUM rebuilds the database (no page
 * keeps what earlier changes left in its free space) and a TRUNCATE
 * checkpoint empties the WAL file.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "retention.h"
#include "store_int.h"

#define ERASED_NAME "Erased contact"
#define ERASED_MESSAGE "message removed"
#define ERASED_SUBJECT "subject removed"
#define ERASED_REASON "erased"

/* ---- export: reading ---- */

/* Threads a staff member took part in: created, wrote, uploaded to or was
 * mentioned in. */
static const char SQL_STAFF_THREADS[] =
	"SELECT id FROM threads WHERE (created_by_kind = 'staff' AND created_by_id = ?1)"
	" OR id IN (SELECT thread_id FROM messages WHERE author_kind = 'staff'"
	"  AND author_id = ?1)"
	" OR id IN (SELECT thread_id FROM attachments WHERE uploader_kind = 'staff'"
	"  AND uploader_id = ?1)"
	" OR id IN (SELECT m.thread_id FROM mentions x JOIN messages m ON m.id = x.message_id"
	"  WHERE x.staff_id = ?1)"
	" ORDER BY id";
static const char SQL_CONTACT_THREADS[] =
	"SELECT id FROM threads WHERE account_id = ?1 ORDER BY id";
/* Emails to the person: rows addressed to them, and (contacts) rows to
 * their address, such as explanations. */
static const char SQL_PERSON_OUTBOX[] =
	"SELECT " STORE_OUTBOX_COLS " FROM outbox"
	" WHERE (recipient_kind = ?1 AND recipient_id = ?2)"
	" OR (?1 = 'contact' AND recipient_kind = 'address' AND recipient_address = ?3"
	"  COLLATE NOCASE)"
	" ORDER BY id";
/* Received emails from them, or whose recorded reason names their address. */
static const char SQL_PERSON_INBOUND[] =
	"SELECT " STORE_INBOUND_COLS " FROM inbound_log"
	" WHERE gw_names_address(sender, ?1) OR gw_names_address(reason, ?1)"
	" ORDER BY id";
static const char SQL_ACCOUNT_NAME[] = "SELECT name FROM accounts WHERE id = ?1";

/* ---- naming an address ---- */

static int addr_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_' || c == '+' || c == '%' || c >= 0x80;
}

/*
 * Does text name addr (any case) as a whole address: not as the end of
 * "joanna@..." when addr is "anna@...", nor the start of a longer domain?
 * A full stop may follow it (end of a sentence), not a further label.
 */
static int names_address(const char *text, const char *addr)
{
	size_t n = strlen(addr);

	if (text == NULL || n == 0)
		return 0;
	for (const char *p = text; (p = strcasestr(p, addr)) != NULL; p++) {
		const unsigned char *after = (const unsigned char *)p + n;
		int starts = p == text || (!addr_char((unsigned char)p[-1]) && p[-1] != '.');
		int ends = !addr_char(*after) && !(*after == '.' && addr_char(after[1]));

		if (starts && ends)
			return 1;
	}
	return 0;
}

static void sql_names_address(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	GW_UNUSED(argc);
	sqlite3_result_int(ctx, names_address((const char *)sqlite3_value_text(argv[0]),
					      (const char *)sqlite3_value_text(argv[1])));
}

/* gw_names_address(TEXT, ADDRESS) for the statements below. */
static enum gw_result register_functions(struct store *s, char **error_r)
{
	if (s->privacy_functions)
		return GW_OK;
	int rc = sqlite3_create_function(s->db, "gw_names_address", 2,
					 SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL,
					 sql_names_address, NULL, NULL);

	if (rc != SQLITE_OK) {
		store_db_record(s, rc);
		return store_db_fail(s, error_r, "register gw_names_address");
	}
	s->privacy_functions = 1;
	return GW_OK;
}

static enum gw_result ids_query(struct store *s, const char *sql, int64_t key,
				int64_t **ids_r, size_t *n_r, char **error_r)
{
	size_t cap = 0;
	sqlite3_stmt *st = store_db_q(s, sql, "i", key);
	int rc = st != NULL ? SQLITE_ROW : s->last_rc;

	*ids_r = NULL;
	*n_r = 0;
	while (st != NULL && (rc = store_db_step(s, st)) == SQLITE_ROW)
		*(int64_t *)store_vec_push(ids_r, n_r, &cap, sizeof(int64_t)) =
			store_col_i64(st, 0);
	if (st != NULL)
		sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		free(*ids_r);
		*ids_r = NULL;
		*n_r = 0;
		return store_db_fail(s, error_r, "threads of a person");
	}
	return GW_OK;
}

static enum gw_result person_threads(struct store *s, struct store_person *p, char **error_r)
{
	if (p->kind == STORE_CONTACT)
		return ids_query(s, SQL_CONTACT_THREADS, p->contact.account_id, &p->thread_ids,
				 &p->n_threads, error_r);
	return ids_query(s, SQL_STAFF_THREADS, p->staff.id, &p->thread_ids, &p->n_threads,
			 error_r);
}

enum gw_result store_person_thread(struct store *s, const struct store_person *p, size_t i,
				   struct store_thread_view *v, char **error_r)
{
	int64_t who = p->kind == STORE_CONTACT ? p->contact.id : p->staff.id;

	memset(v, 0, sizeof(*v));
	if (i >= p->n_threads)
		return store_fail(error_r, GW_INVALID, "person: no thread %zu", i);
	/* Staff see the staff-only notes of their threads; contacts never. */
	return store_thread_show(s, p->thread_ids[i], p->kind, who, p->kind == STORE_STAFF, v,
				 error_r);
}

static enum gw_result person_mail(struct store *s, struct store_person *p, char **error_r)
{
	const char *kind = store_kind_name(p->kind);
	int64_t id = p->kind == STORE_CONTACT ? p->contact.id : p->staff.id;
	const char *email = p->kind == STORE_CONTACT ? p->contact.email : p->staff.email;
	size_t cap = 0;
	sqlite3_stmt *st = store_db_q(s, SQL_PERSON_OUTBOX, "sis", kind, id, email);
	int rc = st != NULL ? SQLITE_ROW : s->last_rc;

	while (st != NULL && (rc = store_db_step(s, st)) == SQLITE_ROW)
		store_outbox_from_row(st, store_vec_push(&p->outbox.items, &p->outbox.count, &cap,
							 sizeof(*p->outbox.items)));
	if (st != NULL)
		sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return store_db_fail(s, error_r, "%s %lld: outbox", kind, (long long)id);
	cap = 0;
	st = store_db_q(s, SQL_PERSON_INBOUND, "s", email);
	rc = st != NULL ? SQLITE_ROW : s->last_rc;
	while (st != NULL && (rc = store_db_step(s, st)) == SQLITE_ROW)
		store_inbound_from_row(st, store_vec_push(&p->inbound.items, &p->inbound.count,
							  &cap, sizeof(*p->inbound.items)));
	if (st != NULL)
		sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return store_db_fail(s, error_r, "%s %lld: inbound log", kind, (long long)id);
	return GW_OK;
}

enum gw_result store_person_get(struct store *s, enum store_kind kind, int64_t id,
				struct store_person *p, char **error_r)
{
	enum gw_result r;

	memset(p, 0, sizeof(*p));
	p->kind = kind;
	if (kind != STORE_CONTACT && kind != STORE_STAFF)
		return store_fail(error_r, GW_INVALID, "person: a %s has no personal data",
				  store_kind_name(kind));
	if ((r = register_functions(s, error_r)) != GW_OK)
		return r;
	/* One snapshot for all of it: the reads below are operations of
	 * their own, so they run inside a request's read transaction (the
	 * caller's when it has one, which then covers the threads too). */
	int own = !s->request_tx;
	if (own && (r = store_request_begin(s, 0, error_r)) != GW_OK)
		return r;
	if (kind == STORE_CONTACT)
		r = store_contact_get(s, id, &p->contact, error_r);
	else
		r = store_staff_get(s, id, &p->staff, error_r);
	if (r == GW_OK && kind == STORE_CONTACT) {
		sqlite3_stmt *st = store_db_q(s, SQL_ACCOUNT_NAME, "i", p->contact.account_id);
		int rc = st != NULL ? store_db_step(s, st) : s->last_rc;

		if (rc == SQLITE_ROW)
			p->account_name = store_col_str(st, 0);
		else
			r = store_db_fail(s, error_r, "contact %lld: account", (long long)id);
		if (st != NULL)
			sqlite3_reset(st);
	}
	if (r == GW_OK)
		r = person_threads(s, p, error_r);
	if (r == GW_OK)
		r = person_mail(s, p, error_r);
	if (own)
		(void)store_request_end(s, 0, NULL);
	if (r != GW_OK)
		store_person_clear(p);
	return r;
}

void store_person_clear(struct store_person *p)
{
	if (p == NULL)
		return;
	store_contact_clear(&p->contact);
	store_staff_clear(&p->staff);
	free(p->account_name);
	free(p->thread_ids);
	store_outbox_list_free(&p->outbox);
	store_inbound_list_free(&p->inbound);
	memset(p, 0, sizeof(*p));
}

/* ---- erase ---- */

/*
 * The one place erase asks whether the account's data must be kept.
 * Accounts carry no hold yet, so none is held.
 */
enum gw_result store_account_hold_check(struct store *s, int64_t account_id, char **error_r)
{
	int held = 0;
	int64_t since = 0;
	enum gw_result r = store_account_held(s, account_id, &held, &since, error_r);
	char day[32] = "";
	struct tm tm;
	time_t t = (time_t)since;

	if (r != GW_OK || !held)
		return r;
	if (gmtime_r(&t, &tm) != NULL)
		strftime(day, sizeof(day), "%Y-%m-%d", &tm);
	return store_fail(error_r, GW_PERMFAIL,
			  "account %lld is under a legal hold (since %s): its data cannot be "
			  "erased until the hold is lifted (gatewayctl account hold %lld off)",
			  (long long)account_id, day, (long long)account_id);
}

static const char SQL_ERASE_MESSAGES[] =
	"UPDATE messages SET body = '" ERASED_MESSAGE "'"
	" WHERE author_kind = 'contact' AND author_id = ?1 AND body <> '" ERASED_MESSAGE "'";
static const char SQL_ERASE_SUBJECTS[] =
	"UPDATE threads SET subject = '" ERASED_SUBJECT "'"
	" WHERE created_by_kind = 'contact' AND created_by_id = ?1"
	" AND subject <> '" ERASED_SUBJECT "'";
/* System notes in their account's threads that name their address quote
 * what they wrote (an email reply turned away): their text too. */
static const char SQL_ERASE_NOTES[] =
	"UPDATE messages SET body = '" ERASED_MESSAGE "', note_kind = NULL, note_args = NULL"
	" WHERE author_kind = 'system'"
	" AND thread_id IN (SELECT id FROM threads WHERE account_id = ?1)"
	" AND gw_names_address(body, ?2)";
static const char SQL_ERASE_BLOBS[] =
	"SELECT DISTINCT sha256 FROM attachments"
	" WHERE uploader_kind = 'contact' AND uploader_id = ?1 ORDER BY sha256";
static const char SQL_ERASE_TRASH[] =
	"INSERT OR IGNORE INTO blob_trash (sha256, since)"
	" SELECT DISTINCT sha256, ?2 FROM attachments"
	" WHERE uploader_kind = 'contact' AND uploader_id = ?1";
/* Webhook events about them (store/webhooks.c): a body fixed when the
 * change was written holds their words, subject, file name or address.
 * Waiting or delivered, they go with their deliveries: an erased
 * person's data is not sent on afterwards. */
#define HOOK_EVENT_ABOUT                                                          \
	"(json_extract(body, '$.data.author.kind') = 'contact'"                       \
	" AND json_extract(body, '$.data.author.id') = ?1)"                           \
	" OR (json_extract(body, '$.data.created_by.kind') = 'contact'"               \
	" AND json_extract(body, '$.data.created_by.id') = ?1)"                       \
	" OR (json_extract(body, '$.data.uploader.kind') = 'contact'"                 \
	" AND json_extract(body, '$.data.uploader.id') = ?1)"                         \
	" OR json_extract(body, '$.data.contact_id') = ?1"                            \
	" OR lower(json_extract(body, '$.data.from')) = lower(?2)"                    \
	" OR lower(json_extract(body, '$.data.email')) = lower(?2)"
static const char SQL_ERASE_HOOK_DELIVERIES[] =
	"DELETE FROM webhook_deliveries WHERE event_id IN"
	" (SELECT id FROM webhook_events WHERE " HOOK_EVENT_ABOUT ")";
static const char SQL_ERASE_HOOK_EVENTS[] =
	"DELETE FROM webhook_events WHERE " HOOK_EVENT_ABOUT;
/* Staff notes about their automatic replies name them ("Anna Baker is
 * away until ..."). */
static const char SQL_ERASE_AWAY_NOTES[] =
	"UPDATE messages SET body = '" ERASED_MESSAGE "', note_kind = NULL, note_args = NULL"
	" WHERE id IN (SELECT message_id FROM auto_reply_notes WHERE contact_id = ?1)"
	" AND body <> '" ERASED_MESSAGE "'";
/* A staff_upload email still queued would name a file that is gone. */
static const char SQL_ERASE_UPLOAD_MAIL[] =
	"UPDATE outbox SET status = 'failed', last_error = 'attachment erased',"
	" lease_until = NULL WHERE kind = 'staff_upload' AND status = 'queued'"
	" AND extra IN (SELECT CAST(id AS TEXT) FROM attachments"
	"  WHERE uploader_kind = 'contact' AND uploader_id = ?1)";
static const char SQL_ERASE_FILES[] =
	"DELETE FROM attachments WHERE uploader_kind = 'contact' AND uploader_id = ?1";
/* Emails to them: the address goes, the text they quoted too; one still
 * queued is cancelled (it could no longer be delivered). */
static const char SQL_ERASE_OUTBOX[] =
	"UPDATE outbox SET recipient_address = ?3, extra = NULL, lease_until = NULL,"
	" last_error = CASE status WHEN 'queued' THEN 'contact erased' ELSE NULL END,"
	" status = CASE status WHEN 'queued' THEN 'failed' ELSE status END"
	" WHERE (recipient_kind = 'contact' AND recipient_id = ?1)"
	" OR (recipient_kind = 'address' AND recipient_address = ?2 COLLATE NOCASE)";
static const char SQL_ERASE_INBOUND[] =
	"UPDATE inbound_log SET sender = '', message_id = NULL, reason = '" ERASED_REASON "'"
	" WHERE gw_names_address(sender, ?1) OR gw_names_address(reason, ?1)";
/* Responses of the JSON API kept for retries may hold the record. */
static const char SQL_ERASE_IDEMPOTENCY[] =
	"DELETE FROM idempotency_keys WHERE instr(lower(body), lower(?1)) > 0"
	" OR instr(body, ?2) > 0";
/* Their sessions (with the device they used) and the sign-in links and
 * request counts that name their address. */
static const char SQL_ERASE_SESSIONS[] =
	"DELETE FROM sessions WHERE principal_kind = 'contact' AND principal_id = ?1";
static const char SQL_ERASE_SIGNIN[] =
	"DELETE FROM signin_links WHERE email = ?1";
static const char SQL_ERASE_SIGNIN_RATE[] =
	"DELETE FROM signin_rate WHERE key = 'a:' || lower(?1)";
/* Inbox items about them (their reply, upload, bounce) point at them. */
static const char SQL_ERASE_INBOX[] =
	"DELETE FROM inbox_items WHERE contact_id = ?1"
	" OR (actor_kind = 'contact' AND actor_id = ?1)";
static const char SQL_ERASE_CONTACT[] =
	"UPDATE contacts SET name = '" ERASED_NAME "', email = ?2, notify = 0,"
	" email_status = 'ok', bounce_reason = NULL, bounced_at = NULL,"
	" last_login_at = NULL, away_until = NULL, away_resume_at = NULL,"
	" notify_off_by = NULL, notify_changed_at = NULL, language = NULL, timezone = NULL,"
	" generation = generation + 1, removed_at = coalesce(removed_at, ?3) WHERE id = ?1";
static const char SQL_ERASURE_ADD[] =
	"INSERT INTO erasures (person_kind, person_id, account_id, erased_at, messages,"
	" subjects, notes, files, outbox, inbound, idempotency)"
	" VALUES ('contact', ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)";

/* Run one erasing statement; *n_r (may be NULL) gets the rows it changed. */
static enum gw_result erase_step(struct store *s, const char *sql, int64_t id,
				 const char *a, const char *b, int64_t *n_r, char **error_r)
{
	int rc = a == NULL ? store_db_exec(s, sql, "i", id)
		 : b == NULL ? store_db_exec(s, sql, "is", id, a)
			     : store_db_exec(s, sql, "iss", id, a, b);

	if (rc != SQLITE_OK)
		return store_db_fail(s, error_r, "contact %lld: erase", (long long)id);
	if (n_r != NULL)
		*n_r = store_db_changes(s);
	return GW_OK;
}

static enum gw_result erase_blobs_list(struct store *s, int64_t id, struct store_erasure *e,
				       char **error_r)
{
	size_t cap = 0;
	sqlite3_stmt *st = store_db_q(s, SQL_ERASE_BLOBS, "i", id);
	int rc = st != NULL ? SQLITE_ROW : s->last_rc;

	while (st != NULL && (rc = store_db_step(s, st)) == SQLITE_ROW) {
		char (*h)[65] = store_vec_push(&e->blobs, &e->n_blobs, &cap, sizeof(*e->blobs));
		const unsigned char *t = sqlite3_column_text(st, 0);

		snprintf(*h, sizeof(*h), "%s", t != NULL ? (const char *)t : "");
	}
	if (st != NULL)
		sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return store_db_fail(s, error_r, "contact %lld: files", (long long)id);
	return GW_OK;
}

/* Everything but the contact row and the record, in dependency order. */
static enum gw_result erase_rows(struct store *s, const struct store_contact *c,
				 const char *erased_addr, struct store_erasure *e, char **error_r)
{
	int64_t id = c->id;
	enum gw_result r = erase_step(s, SQL_ERASE_MESSAGES, id, NULL, NULL, &e->messages,
				      error_r);

	if (r == GW_OK)
		r = erase_step(s, SQL_ERASE_SUBJECTS, id, NULL, NULL, &e->subjects, error_r);
	if (r == GW_OK)
		r = erase_step(s, SQL_ERASE_NOTES, c->account_id, c->email, NULL, &e->notes,
			       error_r);
	if (r == GW_OK) {
		int64_t away = 0;

		r = erase_step(s, SQL_ERASE_AWAY_NOTES, id, NULL, NULL, &away, error_r);
		e->notes += away;
	}
	if (r == GW_OK)
		r = erase_blobs_list(s, id, e, error_r);
	/* Each content file waits in blob_trash, committed with the rows: a
	 * crash before store_person_erase_files() leaves it for retention's
	 * next run (store/retention.h) instead of on disk for good. */
	if (r == GW_OK && store_db_exec(s, SQL_ERASE_TRASH, "ii", id, clock_now()) != SQLITE_OK)
		r = store_db_fail(s, error_r, "contact %lld: files", (long long)id);
	if (r == GW_OK)
		r = erase_step(s, SQL_ERASE_HOOK_DELIVERIES, id, c->email, NULL, NULL, error_r);
	if (r == GW_OK)
		r = erase_step(s, SQL_ERASE_HOOK_EVENTS, id, c->email, NULL, &e->webhook_events,
			       error_r);
	if (r == GW_OK)
		r = erase_step(s, SQL_ERASE_UPLOAD_MAIL, id, NULL, NULL, NULL, error_r);
	if (r == GW_OK)
		r = erase_step(s, SQL_ERASE_FILES, id, NULL, NULL, &e->files, error_r);
	if (r == GW_OK)
		r = erase_step(s, SQL_ERASE_OUTBOX, id, c->email, erased_addr, &e->outbox,
			       error_r);
	if (r == GW_OK && store_db_exec(s, SQL_ERASE_INBOUND, "s", c->email) != SQLITE_OK)
		r = store_db_fail(s, error_r, "contact %lld: erase inbound log", (long long)id);
	else if (r == GW_OK)
		e->inbound = store_db_changes(s);
	if (r == GW_OK &&
	    store_db_exec(s, SQL_ERASE_IDEMPOTENCY, "ss", c->email, c->name) != SQLITE_OK)
		r = store_db_fail(s, error_r, "contact %lld: erase kept responses", (long long)id);
	else if (r == GW_OK)
		e->idempotency = store_db_changes(s);
	if (r == GW_OK)
		r = erase_step(s, SQL_ERASE_INBOX, id, NULL, NULL, NULL, error_r);
	if (r == GW_OK && (store_db_exec(s, SQL_ERASE_SESSIONS, "i", id) != SQLITE_OK ||
			   store_db_exec(s, SQL_ERASE_SIGNIN, "s", c->email) != SQLITE_OK ||
			   store_db_exec(s, SQL_ERASE_SIGNIN_RATE, "s", c->email) != SQLITE_OK))
		r = store_db_fail(s, error_r, "contact %lld: erase sessions and sign-in links",
				  (long long)id);
	return r;
}

static enum gw_result erase_contact(struct store *s, int64_t id, struct store_erasure *e,
				    char **error_r)
{
	struct store_contact c;
	int64_t now = clock_now();
	char *erased_addr = xasprintf("erased-%lld@erased.invalid", (long long)id);
	enum gw_result r = store_contact_get(s, id, &c, error_r);

	if (r == GW_OK)
		r = store_account_hold_check(s, c.account_id, error_r);
	if (r == GW_OK) {
		e->contact_id = id;
		e->account_id = c.account_id;
		r = erase_rows(s, &c, erased_addr, e, error_r);
	}
	if (r == GW_OK &&
	    store_db_exec(s, SQL_ERASE_CONTACT, "isi", id, erased_addr, now) != SQLITE_OK)
		r = store_db_fail(s, error_r, "contact %lld: erase", (long long)id);
	if (r == GW_OK &&
	    store_db_exec(s, SQL_ERASURE_ADD, "iiiiiiiiii", id, c.account_id, now, e->messages,
			  e->subjects, e->notes, e->files, e->outbox, e->inbound,
			  e->idempotency) != SQLITE_OK)
		r = store_db_fail(s, error_r, "contact %lld: record the erasure", (long long)id);
	if (r == GW_OK)
		e->id = store_db_last_id(s);
	store_contact_clear(&c);
	free(erased_addr);
	return r;
}

static void secure_delete(struct store *s, int on)
{
	/* A pragma of our own text; it cannot fail on an open connection. */
	(void)sqlite3_exec(s->db, on ? "PRAGMA secure_delete = ON" : "PRAGMA secure_delete = OFF",
			   NULL, NULL, NULL);
}

enum gw_result store_person_erase(struct store *s, int64_t contact_id,
				  struct store_erasure *e, char **error_r)
{
	enum gw_result r;

	memset(e, 0, sizeof(*e));
	if ((r = register_functions(s, error_r)) != GW_OK)
		return r;
	/* Cells are zeroed as they are freed, in the page cache: the pragma
	 * must be on while the statements run (not at the commit, which in
	 * a request's transaction comes later). */
	secure_delete(s, 1);
	r = store_tx_begin(s, 1, error_r);
	if (r == GW_OK) {
		r = erase_contact(s, contact_id, e, error_r);
		/* The search indexes drop the erased words in the same
		 * transaction, their freed cells zeroed like the rows'. */
		if (r == GW_OK)
			r = store_search_purge_step(s, NULL, error_r);
		r = store_tx_end(s, r, error_r);
	}
	secure_delete(s, 0);
	if (r != GW_OK)
		store_erasure_clear(e);
	return r;
}

static const char SQL_BLOB_USED[] = "SELECT 1 FROM attachments WHERE sha256 = ?1 LIMIT 1";
static const char SQL_TRASH_DONE[] = "DELETE FROM blob_trash WHERE sha256 = ?1";

/* Remove one content file unless a row points to it, under the write lock. */
static enum gw_result remove_blob(struct store *s, const char *dir, const char *hex,
				  int *removed_r, char **error_r)
{
	int64_t one;
	enum gw_result r = store_tx_begin(s, 1, error_r);
	char *path = store_attachment_path(dir, hex);

	*removed_r = 0;
	if (r == GW_OK) {
		int rc = store_db_int(s, SQL_BLOB_USED, &one, "s", hex);

		if (rc == SQLITE_DONE) {
			if (unlink(path) == 0 || errno == ENOENT)
				*removed_r = 1;
			else
				r = store_fail(error_r, GW_TEMPFAIL, "attachment %s: remove: %s",
					       path, strerror(errno));
		} else if (rc != SQLITE_ROW) {
			r = store_db_fail(s, error_r, "attachment %s", hex);
		}
	}
	/* Removed, or kept for the row that still uses it (whose own
	 * deletion will put it back): either way out of the trash. */
	if (r == GW_OK && store_db_exec(s, SQL_TRASH_DONE, "s", hex) != SQLITE_OK)
		r = store_db_fail(s, error_r, "attachment %s", hex);
	free(path);
	return store_tx_end(s, r, error_r);
}

enum gw_result store_person_erase_files(struct store *s, const char *dir,
					struct store_erasure *e, char **error_r)
{
	enum gw_result r = GW_OK;
	int rc;

	if (dir == NULL)
		dir = s->attachments_dir;
	for (size_t i = 0; r == GW_OK && dir != NULL && i < e->n_blobs; i++) {
		int removed = 0;

		r = remove_blob(s, dir, e->blobs[i], &removed, error_r);
		if (removed)
			e->blobs_removed++;
		else if (r == GW_OK)
			e->blobs_kept++;
	}
	if (r != GW_OK)
		return r;
	/* VACUUM rewrites every page: nothing that earlier changes left in
	 * the free space of a page survives it. */
	rc = sqlite3_exec(s->db, "VACUUM", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		store_db_record(s, sqlite3_extended_errcode(s->db));
		return store_db_fail(s, error_r, "%s: vacuum after the erasure", s->path);
	}
	e->vacuumed = 1;
	int64_t busy = 0;
	sqlite3_stmt *st = NULL;

	rc = sqlite3_prepare_v2(s->db, "PRAGMA wal_checkpoint(TRUNCATE)", -1, &st, NULL);
	if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		busy = sqlite3_column_int64(st, 0);
		rc = SQLITE_OK;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_OK) {
		store_db_record(s, rc);
		return store_db_fail(s, error_r, "%s: checkpoint after the erasure", s->path);
	}
	/* Busy: a reader still uses the WAL; its next checkpoint empties it. */
	e->wal_truncated = busy == 0;
	return GW_OK;
}

void store_erasure_clear(struct store_erasure *e)
{
	if (e == NULL)
		return;
	free(e->blobs);
	e->blobs = NULL;
	e->n_blobs = 0;
}

const char *store_attachments_dir(const struct store *s)
{
	return s->attachments_dir;
}
