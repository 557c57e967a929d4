/*
 * inbound.c - the inbound log (every message the MTA hands us leaves a row
 * with its verdict) and the explanation email to someone who replied to a
 * notification instead of using the chat.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "i18n.h"
#include "store_int.h"
#include "webhook.h"

#define QUOTE_MAX 2000

static const char SQL_INBOUND_ADD[] =
	"INSERT INTO inbound_log (received_at, sender, recipient, message_id, size, verdict,"
	" thread_id, reason) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
static const char SQL_INBOUND_FIND[] =
	"SELECT id, received_at, sender, recipient, message_id, size, verdict,"
	" coalesce(thread_id, 0), reason FROM inbound_log"
	" WHERE message_id = ?1 AND recipient = ?2 ORDER BY id DESC LIMIT 1";
static const char SQL_INBOUND_SEEN[] =
	"SELECT id FROM inbound_log WHERE message_id = ?1 AND recipient = ?2"
	" ORDER BY id LIMIT 1";
static const char SQL_EXPLANATIONS_THREAD[] =
	"SELECT count(*) FROM outbox WHERE thread_id = ?1 AND kind = 'explanation'"
	" AND recipient_kind = 'address' AND created_at >= ?2";
const char store_sql_explanations_count[] =
	"SELECT count(*), coalesce(sum(thread_id = ?3), 0) FROM outbox"
	" WHERE kind = 'explanation' AND recipient_address = ?1 AND created_at >= ?2";

/* Copy at most max bytes of s without splitting a UTF-8 sequence. */
static char *utf8_prefix(const char *s, size_t max)
{
	size_t n = strlen(s);
	if (n <= max)
		return xstrdup(s);
	n = max;
	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	return xstrndup(s, n);
}

/* Header-ish fields must not carry line breaks into the log. */
static char *one_line(const char *s, size_t max)
{
	char *r = utf8_prefix(s != NULL ? s : "", max);
	for (char *p = r; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	return r;
}

static enum gw_result inbound_insert(struct store *s, const struct store_inbound_in *in,
				     int64_t *id_r, char **error_r)
{
	if (in->verdict == NULL || in->verdict[0] == '\0')
		return store_fail(error_r, GW_INVALID, "inbound log: no verdict");
	char *sender = one_line(in->sender, 1000);
	char *rcpt = one_line(in->recipient, 1000);
	char *mid = in->message_id != NULL ? one_line(in->message_id, 1000) : NULL;
	char *verdict = one_line(in->verdict, 100);
	char *reason = in->reason != NULL ? utf8_prefix(in->reason, 4000) : NULL;
	int rc = store_db_exec(s, SQL_INBOUND_ADD, "isssisIs",
			       in->received_at != 0 ? in->received_at : clock_now(), sender, rcpt, mid,
			       in->size, verdict, in->thread_id, reason);
	free(sender);
	free(rcpt);
	free(mid);
	free(verdict);
	free(reason);
	if (rc != SQLITE_OK)
		return store_db_fail(s, error_r, "inbound log");
	if (id_r != NULL)
		*id_r = store_db_last_id(s);
	return GW_OK;
}

enum gw_result store_inbound_log(struct store *s, const struct store_inbound_in *in,
				 int64_t *id_r, char **error_r)
{
	return inbound_insert(s, in, id_r, error_r);
}

void store_inbound_from_row(sqlite3_stmt *st, struct store_inbound *in)
{
	in->id = store_col_i64(st, 0);
	in->received_at = store_col_i64(st, 1);
	in->sender = store_col_str(st, 2);
	in->recipient = store_col_str(st, 3);
	in->message_id = store_col_str_null(st, 4);
	in->size = store_col_i64(st, 5);
	in->verdict = store_col_str(st, 6);
	in->thread_id = store_col_i64(st, 7);
	in->reason = store_col_str_null(st, 8);
}

enum gw_result store_inbound_find(struct store *s, const char *message_id,
				  const char *recipient, struct store_inbound *in,
				  char **error_r)
{
	memset(in, 0, sizeof(*in));
	if (message_id == NULL || recipient == NULL)
		return store_fail(error_r, GW_NOTFOUND, "inbound log: no Message-ID");
	sqlite3_stmt *st = store_db_q(s, SQL_INBOUND_FIND, "ss", message_id, recipient);
	int rc = st != NULL ? store_db_step(s, st) : s->last_rc;
	if (rc == SQLITE_DONE)
		return store_fail(error_r, GW_NOTFOUND, "inbound log: %s to %s not seen", message_id,
				  recipient);
	if (rc != SQLITE_ROW)
		return store_db_fail(s, error_r, "inbound log");
	store_inbound_from_row(st, in);
	sqlite3_reset(st);
	return GW_OK;
}

/* The checks of store_explanation_queue(), inside its transaction. */
static enum gw_result explain_refused(struct store *s, const struct store_inbound_in *in,
				      const struct store_explanation *ex, const char *addr,
				      struct store_explain_result *res, char **error_r)
{
	sqlite3_stmt *st;
	int rc;

	if (in != NULL && in->message_id != NULL && in->message_id[0] != '\0') {
		st = store_db_q(s, SQL_INBOUND_SEEN, "ss", in->message_id,
				in->recipient != NULL ? in->recipient : "");
		rc = st != NULL ? store_db_step(s, st) : s->last_rc;
		if (rc == SQLITE_ROW) {
			res->refused = STORE_EXPLAIN_SEEN;
			res->seen_id = store_col_i64(st, 0);
		}
		if (st != NULL)
			sqlite3_reset(st);
		if (rc != SQLITE_ROW && rc != SQLITE_DONE)
			return store_db_fail(s, error_r, "inbound log");
		if (res->refused != STORE_EXPLAIN_QUEUED)
			return GW_OK;
	}
	if (ex->since <= 0)
		return GW_OK;
	st = store_db_q(s, store_sql_explanations_count, "sii", addr, ex->since, ex->thread_id);
	rc = st != NULL ? store_db_step(s, st) : s->last_rc;
	if (rc != SQLITE_ROW)
		return store_db_fail(s, error_r, "explanations to %s", addr);
	if (store_col_i64(st, 1) > 0)
		res->refused = STORE_EXPLAIN_TOLD;
	else if (ex->max_per_sender > 0 && store_col_i64(st, 0) >= ex->max_per_sender)
		res->refused = STORE_EXPLAIN_CAPPED;
	sqlite3_reset(st);
	if (res->refused != STORE_EXPLAIN_QUEUED || ex->max_per_thread_address <= 0)
		return GW_OK;
	st = store_db_q(s, SQL_EXPLANATIONS_THREAD, "ii", ex->thread_id, ex->since);
	rc = st != NULL ? store_db_step(s, st) : s->last_rc;
	if (rc != SQLITE_ROW)
		return store_db_fail(s, error_r, "explanations about thread %lld",
				     (long long)ex->thread_id);
	if (store_col_i64(st, 0) >= ex->max_per_thread_address)
		res->refused = STORE_EXPLAIN_THREAD_CAPPED;
	sqlite3_reset(st);
	return GW_OK;
}

char *store_email_reply_note_text(const char *sender, const char *quoted)
{
	struct buf b = BUF_INIT;
	buf_printf(&b, _("The client tried to answer by email (from %s). The email was not "
			 "posted; they were sent an explanation with a link to this chat."),
		   sender);
	if (quoted != NULL && quoted[0] != '\0') {
		buf_puts(&b, "\n\n");
		/* Quote every line so their text stays a quotation in CommonMark. */
		buf_puts(&b, "> ");
		for (const char *p = quoted; *p != '\0'; p++) {
			if (*p == '\r')
				continue;
			buf_putc(&b, *p);
			if (*p == '\n' && p[1] != '\0')
				buf_puts(&b, "> ");
		}
	}
	return buf_detach(&b);
}

enum gw_result store_explanation_queue(struct store *s, const struct store_inbound_in *in,
				       const struct store_explanation *ex,
				       struct store_explain_result *res_r, char **error_r)
{
	struct store_explain_result res = { .refused = STORE_EXPLAIN_QUEUED };
	enum gw_result r = store_text_check_email("explanation recipient", ex->sender, error_r);

	if (res_r != NULL)
		*res_r = res;
	if (r != GW_OK)
		return r;
	if ((r = store_tx_begin(s, 1, error_r)) != GW_OK)
		return r;
	int64_t now = clock_now();
	char *addr = store_text_lower(ex->sender);
	char *quoted = utf8_prefix(ex->quoted_text != NULL ? ex->quoted_text : "", QUOTE_MAX);
	char *irt = ex->in_reply_to != NULL ? one_line(ex->in_reply_to, 998) : xstrdup("");
	char *extra = xasprintf("%s\n%s", irt, quoted);
	char *note = NULL;
	struct thread_core t = { 0 };

	if (ex->thread_id != 0)
		r = store_thread_core_get(s, ex->thread_id, &t, error_r);
	if (r == GW_OK && ex->contact_id != 0) {
		struct store_contact c;
		r = store_contact_get(s, ex->contact_id, &c, error_r);
		store_contact_clear(&c);
	}
	if (r == GW_OK)
		r = explain_refused(s, in, ex, addr, &res, error_r);
	if (r != GW_OK || res.refused != STORE_EXPLAIN_QUEUED)
		goto out;
	if (in != NULL)
		r = inbound_insert(s, in, NULL, error_r);
	if (r == GW_OK) {
		struct outbox_new o = {
			.kind = MAIL_EXPLANATION,
			.rkind = ex->contact_id != 0 ? STORE_CONTACT : STORE_ADDRESS,
			.rid = ex->contact_id, .address = addr, .thread_id = ex->thread_id,
			.extra = extra, .now = now,
		};
		r = store_outbox_add(s, &o, 0, &res.outbox_id, NULL, error_r);
	}
	/* the contact wrote in person: whatever their auto-reply said, they are back */
	if (r == GW_OK && ex->contact_id != 0)
		r = store_contact_back(s, ex->contact_id, error_r);
	if (r == GW_OK && ex->thread_id != 0) {
		int64_t msg;
		if (ex->note_kind != NULL) {
			r = store_note_insert(s, ex->thread_id, 1, now, ex->note_kind,
					      ex->note_args != NULL ? ex->note_args : "", &msg, error_r);
		} else if (ex->note != NULL) {
			note = xstrdup(ex->note);
			r = store_message_insert(s, ex->thread_id, STORE_SYSTEM, 0, note, 1, now, &msg,
						 error_r);
		} else {
			note = xasprintf("%s" STORE_NOTE_SEP "%s", addr, quoted);
			r = store_note_insert(s, ex->thread_id, 1, now, "email_reply_default", note,
					      &msg, error_r);
		}
		if (r == GW_OK) {
			struct inbox_event ev = {
				.kind = STORE_INBOX_EMAIL_REPLY, .thread_id = ex->thread_id,
				.account_id = t.account_id, .message_id = msg,
				.contact_id = ex->contact_id,
				.actor_kind = ex->contact_id != 0 ? STORE_CONTACT : 0,
				.actor_id = ex->contact_id, .now = now,
			};
			r = store_inbox_add_told(s, &ev, NULL, 0, error_r);
		}
	}
	if (r == GW_OK && ex->thread_id != 0) {
		struct webhook_event_new ev = {
			.type = WEBHOOK_EMAIL_REPLY, .thread_id = ex->thread_id,
			.object_id = ex->thread_id, .text1 = addr, .text2 = irt,
			.number = ex->contact_id, .now = now,
		};
		r = store_webhook_event(s, &ev, error_r);
	}
out:
	free(addr);
	free(quoted);
	free(irt);
	free(extra);
	free(note);
	r = store_tx_end(s, r, error_r);
	if (r == GW_OK && res_r != NULL)
		*res_r = res;
	return r;
}

static const char SQL_INBOUND_LIST[] =
	"SELECT id, received_at, sender, recipient, message_id, size, verdict,"
	" coalesce(thread_id, 0), reason FROM inbound_log ORDER BY id DESC LIMIT ?1";

enum gw_result store_inbound_list(struct store *s, int limit,
				  struct store_inbound_list *list_r, char **error_r)
{
	size_t cap = 0;
	int rc;

	memset(list_r, 0, sizeof(*list_r));
	sqlite3_stmt *st = store_db_q(s, SQL_INBOUND_LIST, "i", limit > 0 ? (int64_t)limit : -1);
	if (st == NULL)
		return store_db_fail(s, error_r, "inbound log");
	while ((rc = store_db_step(s, st)) == SQLITE_ROW) {
		struct store_inbound *in = store_vec_push(&list_r->items, &list_r->count, &cap,
							  sizeof(*in));
		store_inbound_from_row(st, in);
	}
	if (rc != SQLITE_DONE) {
		store_inbound_list_free(list_r);
		return store_db_fail(s, error_r, "inbound log");
	}
	sqlite3_reset(st);
	return GW_OK;
}

void store_inbound_list_free(struct store_inbound_list *list)
{
	if (list == NULL)
		return;
	for (size_t i = 0; i < list->count; i++)
		store_inbound_clear(&list->items[i]);
	free(list->items);
	memset(list, 0, sizeof(*list));
}

/* ---- automatic replies: the contact's away state and one note a day ---- */

static const char SQL_AWAY_SET[] =
	"UPDATE contacts SET away_until = ?2, away_resume_at = ?3"
	" WHERE id = ?1 AND removed_at IS NULL";
static const char SQL_AWAY_CLEAR[] =
	"UPDATE contacts SET away_until = NULL, away_resume_at = NULL"
	" WHERE id = ?1 AND away_until IS NOT NULL";

enum gw_result store_contact_back(struct store *s, int64_t contact_id, char **error_r)
{
	if (store_db_exec(s, SQL_AWAY_CLEAR, "i", contact_id) != SQLITE_OK)
		return store_db_fail(s, error_r, "contact %lld: back", (long long)contact_id);
	return GW_OK;
}

static const char SQL_AUTO_NOTED_UNDATED[] =
	"SELECT EXISTS (SELECT 1 FROM auto_reply_notes WHERE thread_id = ?1 AND day = ?2"
	" AND dated = 0)";
static const char SQL_AUTO_NOTE_CLAIM[] =
	"INSERT INTO auto_reply_notes (thread_id, contact_id, day, dated) VALUES (?1, ?2, ?3, ?4)"
	" ON CONFLICT DO NOTHING";
static const char SQL_AUTO_NOTE_SET[] =
	"UPDATE auto_reply_notes SET message_id = ?4 WHERE thread_id = ?1 AND contact_id = ?2"
	" AND day = ?3";

/* Write the note unless the day has one: *note_id_r, 0 when it had. */
static enum gw_result auto_note(struct store *s, const struct store_auto_reply *a, int64_t now,
				int64_t *note_id_r, char **error_r)
{
	int dated = a->away_until != NULL;
	int64_t seen = 0;

	*note_id_r = 0;
	if (!dated) {
		if (store_db_int(s, SQL_AUTO_NOTED_UNDATED, &seen, "is", a->thread_id, a->day) !=
		    SQLITE_ROW)
			return store_db_fail(s, error_r, "thread %lld: automatic reply notes",
					     (long long)a->thread_id);
		if (seen)
			return GW_OK;
	}
	if (store_db_exec(s, SQL_AUTO_NOTE_CLAIM, "iisd", a->thread_id, a->contact_id, a->day,
			  dated) != SQLITE_OK)
		return store_db_fail(s, error_r, "thread %lld: automatic reply notes",
				     (long long)a->thread_id);
	if (store_db_changes(s) == 0)
		return GW_OK;
	enum gw_result r = a->note_kind != NULL ?
		store_note_insert(s, a->thread_id, 1, now, a->note_kind,
				  a->note_args != NULL ? a->note_args : "", note_id_r, error_r) :
		store_message_insert(s, a->thread_id, STORE_SYSTEM, 0, a->note, 1, now,
				     note_id_r, error_r);
	if (r == GW_OK && store_db_exec(s, SQL_AUTO_NOTE_SET, "iisi", a->thread_id, a->contact_id,
					a->day, *note_id_r) != SQLITE_OK)
		r = store_db_fail(s, error_r, "thread %lld: automatic reply notes",
				  (long long)a->thread_id);
	return r;
}

enum gw_result store_auto_reply_record(struct store *s, const struct store_inbound_in *in,
				       const struct store_auto_reply *a, int64_t *inbound_id_r,
				       int64_t *note_id_r, char **error_r)
{
	int64_t now = in->received_at != 0 ? in->received_at : clock_now(), note = 0;
	struct thread_core t;
	enum gw_result r;

	if (a->thread_id <= 0 || a->day == NULL || strlen(a->day) != 10 ||
	    (a->note == NULL && a->note_kind == NULL))
		return store_fail(error_r, GW_INVALID, "automatic reply: thread, day and note are required");
	if (a->note_kind == NULL &&
	    (r = store_text_check("note", a->note, TEXT_MAX_BODY, 1, error_r)) != GW_OK)
		return r;
	if ((r = store_tx_begin(s, 1, error_r)) != GW_OK)
		return r;
	r = store_thread_core_get(s, a->thread_id, &t, error_r);
	if (r == GW_OK && a->contact_id > 0 && a->away_until != NULL &&
	    store_db_exec(s, SQL_AWAY_SET, "isi", a->contact_id, a->away_until, a->resume_at) !=
		    SQLITE_OK)
		r = store_db_fail(s, error_r, "contact %lld: away", (long long)a->contact_id);
	if (r == GW_OK)
		r = auto_note(s, a, now, &note, error_r);
	if (r == GW_OK) {
		struct store_inbound_in row = *in;
		char *reason = xasprintf("%s; %s", in->reason != NULL ? in->reason : "automatic",
					 note != 0 ? "staff note" : "noted already today");

		row.reason = reason;
		row.thread_id = a->thread_id;
		r = inbound_insert(s, &row, inbound_id_r, error_r);
		free(reason);
	}
	r = store_tx_end(s, r, error_r);
	if (note_id_r != NULL)
		*note_id_r = r == GW_OK ? note : 0;
	return r;
}
