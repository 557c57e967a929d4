/*
 * store_int.h - what the store's source files share and nobody else sees:
 * the connection struct, the statement cache, transactions, error mapping,
 * text checks and the internal steps the public operations are built from.
 *
 * Conventions inside the store:
 *   - every SQL statement is a `static const char NAME[]` next to the code
 *     that runs it; db_stmt() prepares it once per connection (the cache is
 *     keyed by the string's address) and hands it back reset and unbound;
 *   - public operations open the transaction (store_tx_begin), call internal
 *     steps that never open one, and end with store_tx_end(), which commits on
 *     GW_OK and rolls back on anything else;
 *   - internal steps return enum gw_result and set *error_r themselves.
 */
#ifndef GW_STORE_INT_H
#define GW_STORE_INT_H

#include <sqlite3.h>
#include <stdarg.h>

#include "buf.h"
#include "clock.h"
#include "inbox.h"
#include "store.h"

struct stmt_slot {
	const char *sql;       /* key: address of a static string */
	sqlite3_stmt *stmt;
};

struct store {
	sqlite3 *db;
	char *path;
	char *attachments_dir;
	char *mail_domain;
	int rem_days;
	int rem_count;
	int64_t batch_window;    /* [mail] batch_window, seconds; 0 = off */
	int show_content;        /* [mail] show_content: new chats' default */
	int in_tx;
	int request_tx;          /* 0, or a request's transaction (store_request_begin):
				    1 read, 2 write; operations use savepoints in it */
	struct stmt_slot *slots; /* open addressing, power-of-two size */
	size_t n_slots;
	size_t n_used;
	int64_t busy_timeout_ms;
	int64_t busy_since;      /* monotonic ms when the current wait began */
	unsigned busy_seed;      /* jitter of the busy handler's polls */
	int privacy_functions;   /* privacy.c's SQL functions are registered */
	int last_rc;             /* extended code of the last failed step */
	char last_msg[256];      /* its sqlite3_errmsg() */
};

/* ---- sql.c: statements, binding, stepping, errors, transactions ---- */

/*
 * Bind formats for store_db_q()/store_db_exec()/store_db_int():
 *   'i' int64_t          'I' int64_t, 0 binds NULL
 *   'd' int              's' const char *, NULL binds NULL
 *   'n' NULL (no argument)
 * Parameters are bound in order to ?1, ?2, ...
 */
/* The cached statement for sql, bound; NULL on error (s->last_* set). */
sqlite3_stmt *store_db_q(struct store *s, const char *sql, const char *fmt, ...);
/* Step; SQLITE_ROW, SQLITE_DONE, or an error code (recorded in s->last_*,
 * and the statement is reset). */
int store_db_step(struct store *s, sqlite3_stmt *st);
/* Run to completion; SQLITE_OK or an error code. */
int store_db_exec(struct store *s, const char *sql, const char *fmt, ...);
/* One integer from the first row: SQLITE_ROW (found), SQLITE_DONE (no row)
 * or an error code. */
int store_db_int(struct store *s, const char *sql, int64_t *v_r, const char *fmt, ...);
/* Record a failure that did not come from a step (prepare, bind). */
void store_db_record(struct store *s, int rc);
/* Rows changed by the last statement. */
int64_t store_db_changes(struct store *s);
int64_t store_db_last_id(struct store *s);

/* Map an SQLite result code to a gw_result. */
enum gw_result store_db_result(int rc);

/*
 * Set *error_r to "what: <sqlite message>" (what formatted) and return the
 * gw_result of s->last_rc.
 */
enum gw_result store_db_fail(struct store *s, char **error_r, const char *fmt, ...)
	GW_PRINTF(3, 4);
/* Set *error_r (when error_r is non-NULL) and return r. */
enum gw_result store_fail(char **error_r, enum gw_result r, const char *fmt, ...)
	GW_PRINTF(3, 4);

/* BEGIN IMMEDIATE (write=1) or BEGIN (read). */
enum gw_result store_tx_begin(struct store *s, int write, char **error_r);
/* Commit when r == GW_OK, else roll back; returns the final result. */
enum gw_result store_tx_end(struct store *s, enum gw_result r, char **error_r);

/* Column helpers: malloc'd copies; store_col_str gives "" for NULL. */
char *store_col_str(sqlite3_stmt *st, int i);
char *store_col_str_null(sqlite3_stmt *st, int i);
int64_t store_col_i64(sqlite3_stmt *st, int i);

/* Grow *items (of elem bytes each) so that one more fits; returns the
 * zeroed new element and increments *count. */
void *store_vec_push(void *items_p, size_t *count, size_t *cap, size_t elem);

void store_stmt_cache_free(struct store *s);

/* ---- text.c: checks and shortcodes ---- */

/* GW_INVALID unless s is non-empty UTF-8 of at most max bytes, without
 * control characters (line breaks allowed when multiline). */
enum gw_result store_text_check(const char *what, const char *s, size_t max,
				int multiline, char **error_r);
enum gw_result store_text_check_email(const char *what, const char *s, char **error_r);
/* "Jane" from "Jane Smith" (malloc'd; "" for ""). */
char *store_text_first_word(const char *name);
/* body with the "@" of each mention of names (one a line) dropped: what a
 * client reads (malloc'd). */
char *store_text_unmention(const char *body, const char *names);
/* Lowercase ASCII copy (malloc'd). */
char *store_text_lower(const char *s);
/* The non-empty lines of text, trimmed, as a malloc'd array of malloc'd
 * strings (*n_r of them; NULL when none). */
char **store_text_lines(const char *text, size_t *n_r);
/* 16 random bytes as 32 hex digits, NUL-terminated; 0 / -1. */
int store_text_random_hex(char out[33]);

#define TEXT_MAX_NAME 200
#define TEXT_MAX_SUBJECT 300
#define TEXT_MAX_BODY 100000
#define TEXT_MAX_TASK 1000
#define TEXT_MAX_EMAIL 254

/* ---- records.c: kind names as SQL text ---- */

/* Parse a column holding a kind name; 0 if unknown. */
enum store_kind store_kind_from_col(sqlite3_stmt *st, int i);

/* Every column of struct store_attachment, in the order
 * store_attachment_from_row() reads them. */
#define ATTACHMENT_COLS                                                         \
	"id, thread_id, coalesce(message_id, 0), uploader_kind, uploader_id, file_name," \
	" content_type, size, sha256, created_at, folder, zip_note"

/* ---- inbox.c: items written in the event's transaction ---- */

struct inbox_event {
	enum store_inbox_kind kind;
	int64_t thread_id;         /* 0: none (a bouncing address) */
	int64_t account_id;        /* the thread's account */
	int64_t message_id;        /* 0: none */
	int64_t contact_id;        /* 0: none */
	enum store_kind actor_kind; /* who did it (never told of it); 0: nobody */
	int64_t actor_id;
	int64_t object_id;         /* task or attachment id; 0: none */
	const char *detail;        /* "done", "undone"; NULL */
	int64_t now;
};
/* One item for staff_id (not when staff_id is the actor). */
enum gw_result store_inbox_add(struct store *s, const struct inbox_event *e, int64_t staff_id,
			       char **error_r);
/* One item for each staff member told of client events in the thread
 * (STORE_SQL_STAFF_TOLD, whatever their emails), except the actor and
 * the ids in skip (told otherwise, e.g. by a mention). */
enum gw_result store_inbox_add_told(struct store *s, const struct inbox_event *e,
				    const int64_t *skip, size_t n_skip, char **error_r);
/* The listing and the unread count (every staff page), for query plans. */
extern const char store_sql_inbox_list[];
extern const char store_sql_inbox_unread[];
/* One item for each owner and admin (a bouncing address). */
enum gw_result store_inbox_add_admins(struct store *s, const struct inbox_event *e,
				      char **error_r);

/* ---- people.c ---- */

/*
 * The one visibility rule, as SQL: staff member S sees every account when
 * they are an owner or admin or hold the "view all accounts" right
 * (staff.view_all), else the accounts assigned to them.  S and A are SQL
 * expressions (a parameter such as "?2", a column such as "t.account_id").
 * Every query that lists or checks what a staff member may see (threads,
 * accounts, contacts, search) uses these, and store_staff_sees_account()
 * below runs the same fragment.
 */
#define STORE_SQL_STAFF_SEES_ALL(S)                                               \
	"EXISTS (SELECT 1 FROM staff vis WHERE vis.id = " S                       \
	" AND (vis.role IN ('owner', 'admin') OR vis.view_all = 1))"
#define STORE_SQL_STAFF_SEES(S, A)                                                \
	"(" STORE_SQL_STAFF_SEES_ALL(S) " OR " A                                  \
	" IN (SELECT sa.account_id FROM staff_accounts sa WHERE sa.staff_id = " S "))"

/*
 * Staff member S is told of a client's event in thread T of account A:
 * assigned to the account (or, when nobody is, an owner or admin), or a
 * follower of the thread.  notify.c adds "notify = 1" for the emails;
 * inbox.c writes an inbox item to each of them whatever their emails.
 */
#define STORE_SQL_STAFF_TOLD(S, T, A)                                             \
	"(" S " IN (SELECT staff_id FROM staff_accounts WHERE account_id = " A ")"  \
	" OR (" S " IN (SELECT id FROM staff WHERE role IN ('owner', 'admin'))"     \
	"     AND NOT EXISTS (SELECT 1 FROM staff_accounts WHERE account_id = " A "))" \
	" OR " S " IN (SELECT staff_id FROM thread_followers WHERE thread_id = " T "))"

/* GW_OK when staff_id sees account_id (STORE_SQL_STAFF_SEES);
 * GW_NOTFOUND if not or if staff_id does not exist. */
enum gw_result store_staff_sees_account(struct store *s, int64_t staff_id,
					int64_t account_id, char **error_r);
enum gw_result store_firm_name_get(struct store *s, char **name_r, char **error_r);
/* Every column of struct store_contact, in the order contact_from_row
 * (people.c) reads them. */
#define CONTACT_COLS                                                           \
	"id, account_id, name, email, notify, may_create_chats, email_status," \
	" bounce_reason, bounced_at, generation, last_login_at, created_at, removed_at," \
	" away_until, coalesce(away_resume_at, 0), notify_off_by," \
	" coalesce(notify_changed_at, 0), language, timezone"

/* The contacts that st (a bound query of every contact column, in the
 * order people.c selects them) gives, into *list. */
enum gw_result store_contact_list_query(struct store *s, sqlite3_stmt *st,
					struct store_contact_list *list, char **error_r);

/* ---- chat.c ---- */

struct thread_core {
	int64_t id;
	int64_t account_id;
	int archived;
	int rem_enabled;
	int rem_days;
	int rem_count;
	int64_t rem_message_id;
	int rem_sent;
	int64_t rem_next_due;
};
enum gw_result store_thread_core_get(struct store *s, int64_t thread_id,
				     struct thread_core *t_r, char **error_r);
/* Insert a message row; the thread's last_message_at follows. */
enum gw_result store_message_insert(struct store *s, int64_t thread_id,
				    enum store_kind kind, int64_t author_id,
				    const char *body, int staff_only, int64_t now,
				    int64_t *id_r, char **error_r);
/* Text of the reminder system note (malloc'd). */
char *store_reminder_note_text(int enabled, int days, int count, int has_tasks);
/* Its arguments as a "reminders" note kind (notes.c). */
char *store_reminder_note_args(int enabled, int days, int count, int has_tasks);

/* tasks.c: the task note (change 0 added, 1 edited, 2 removed, 3 moved;
 * who "" for the firm's tools; extra the old text or the new place). */
char *store_task_note_text(int change, const char *who, const char *text, const char *extra);

/* ---- notes.c: system notes as a kind and arguments (see there) ---- */
/* The note in the current reader's language; NULL for an unknown kind. */
char *store_note_render(const char *kind, const char *args);
char *store_note_english(const char *kind, const char *args);
/* A system note: the English text as body, the kind and arguments beside. */
enum gw_result store_note_insert(struct store *s, int64_t thread_id, int staff_only,
				 int64_t now, const char *kind, const char *args,
				 int64_t *id_r, char **error_r);
/* inbound.c: "The client tried to answer by email ..." with their text quoted. */
char *store_email_reply_note_text(const char *sender, const char *quoted);

/* ---- notify.c: who gets which outbox rows ---- */

struct outbox_new {
	enum mail_kind kind;
	enum store_kind rkind;
	int64_t rid;
	const char *address;
	int64_t thread_id;
	int64_t message_id;
	const char *extra;
	const char *dedup_key;  /* NULL = none */
	int64_t now;
	int64_t due;            /* first attempt; 0 (or before now) = now */
	/* batched kinds (MAIL_BATCH): who did it, and a task unticked */
	enum store_kind actor_kind;
	int64_t actor_id;
	int undone;
};
/*
 * Insert one outbox row with a fresh Message-ID.  When dedup_key is set
 * and already present, nothing is inserted and *inserted_r is 0 (only
 * when ignore_dup; otherwise it is a constraint failure).
 */
enum gw_result store_outbox_add(struct store *s, const struct outbox_new *o,
				int ignore_dup, int64_t *id_r, int *inserted_r,
				char **error_r);
/* The row itself, as store_outbox_add() without batching. */
enum gw_result store_outbox_row_add(struct store *s, const struct outbox_new *o,
				    int ignore_dup, int64_t *id_r, int *inserted_r,
				    char **error_r);

/* ---- batch.c: notifications batched per recipient and thread ---- */

/* Is o a batched kind to a person about a thread? */
int store_batch_applies(const struct outbox_new *o);
/* Add o to the open batch of its recipient and thread, or open one (an
 * outbox row due when the window closes); *inserted_r 0 = a duplicate. */
enum gw_result store_batch_add(struct store *s, const struct outbox_new *o, int ignore_dup,
			       int64_t *id_r, int *inserted_r, char **error_r);
/* The reader read the thread up to message up_to (0 = all) at now:
 * cancel what their queued batches hold of it, in the caller's
 * transaction.  *cancelled_r (may be NULL): outbox rows cancelled. */
enum gw_result store_batch_seen(struct store *s, int64_t thread_id, enum store_kind kind,
				int64_t reader_id, int64_t up_to, int64_t now, int *cancelled_r,
				char **error_r);
/* The items of an outbox row, oldest first (none for an unbatched row). */
enum gw_result store_batch_items(struct store *s, int64_t outbox_id,
				 struct store_compose_item **items_r, size_t *n_r,
				 char **error_r);

/* new_message / resend / reminder rows to the notifiable contacts of the
 * thread's account.  key_fmt NULL = no dedup key; else "%s:%lld" gets the
 * contact id appended ("reminder:T:M:N:contact:ID"). */
enum gw_result store_notify_contacts(struct store *s, int64_t thread_id, int64_t account_id,
				     enum mail_kind kind, int64_t message_id,
				     const char *extra, const char *key_prefix,
				     int ignore_dup, int64_t now, int *n_r, char **error_r);
/* Client-event rows to staff (see store.h); skip_staff: ids not to notify. */
enum gw_result store_notify_staff(struct store *s, int64_t thread_id, int64_t account_id,
				  enum mail_kind kind, int64_t message_id,
				  const char *extra, const char *key_prefix,
				  const int64_t *skip, size_t n_skip, int64_t now,
				  char **error_r);
/* The same for an event described by ev (kind, thread, message, extra,
 * actor, undone, now; recipient and dedup key are filled in). */
enum gw_result store_notify_staff_event(struct store *s, const struct outbox_new *ev,
					int64_t account_id, const char *key_prefix,
					const int64_t *skip, size_t n_skip, char **error_r);
/* A message's @mentions, as store_notify_mentions() reads them. */
struct store_mention_in {
	int64_t thread_id;
	int64_t account_id;
	int64_t message_id;
	enum store_kind author_kind;
	int64_t author_id;
	const char *body;
	int assign;        /* staff owner/admin: assign who cannot see the account */
	int64_t now;
};
/*
 * Find @mentions in body, write mention rows and staff_mention rows (not to
 * the author).  *ids_r gets the mentioned staff ids (malloc'd).  A staff
 * author's "@word" that names nobody, or names a colleague who cannot see
 * the account (unless assign, by an owner or admin), is GW_INVALID and
 * *unseen_r (may be NULL) counts the latter.  A contact's mention of such a
 * colleague is plain text.
 */
enum gw_result store_notify_mentions(struct store *s, const struct store_mention_in *m,
				     int64_t **ids_r, size_t *n_r, int *unseen_r,
				     char **error_r);
/* Generate "gw.HEX@domain" (malloc'd); NULL if no randomness. */
char *store_mail_id_new(struct store *s, const char *tag);

/* ---- inbound.c ---- */

/* staff_id follows thread_id from now on (no check: the caller posted or
 * was mentioned there); staff_id 0 does nothing.  *added_r may be NULL. */
enum gw_result store_follow_add(struct store *s, int64_t thread_id, int64_t staff_id,
				int64_t now, int *added_r, char **error_r);
/* The contact wrote in person (a chat message, an email reply): clear the
 * away state their automatic reply set, inside the caller's transaction. */
enum gw_result store_contact_back(struct store *s, int64_t contact_id, char **error_r);

/* ---- search.c ---- */

/* store_search_purge() inside the caller's write transaction. */
enum gw_result store_search_purge_step(struct store *s, int *purged_r, char **error_r);

/* ---- reminders.c ---- */

/* Restart the cycle on message_id (anchor = now) if the thread has
 * reminders on and is open; otherwise leave it stopped. */
enum gw_result store_reminders_restart(struct store *s, int64_t thread_id,
				       int64_t message_id, int64_t now, char **error_r);
/* Re-evaluate the stop rules now and clear next_due if one applies. */
enum gw_result store_reminders_check_stop(struct store *s, int64_t thread_id,
					  char **error_r);
enum gw_result store_reminders_stop(struct store *s, int64_t thread_id, char **error_r);
/* Last staff message of the thread (0 = none). */
enum gw_result store_last_staff_message(struct store *s, int64_t thread_id,
					int64_t *id_r, char **error_r);

/* ---- outbox.c, inbound.c: one row as their listings select it ---- */

#define STORE_OUTBOX_COLS                                                       \
	"id, kind, recipient_kind, coalesce(recipient_id, 0), recipient_address," \
	" coalesce(thread_id, 0), coalesce(message_id, 0), extra, status, attempts,"  \
	" next_attempt_at, coalesce(lease_until, 0), last_error, created_at,"       \
	" coalesce(sent_at, 0), mail_id, dedup_key"
void store_outbox_from_row(sqlite3_stmt *st, struct store_outbox *o);
#define STORE_INBOUND_COLS                                                    \
	"id, received_at, sender, recipient, message_id, size, verdict,"       \
	" coalesce(thread_id, 0), reason"
void store_inbound_from_row(sqlite3_stmt *st, struct store_inbound *in);

/* ---- refs.c ---- */

/* Insert a checked reference inside the caller's transaction. */
enum gw_result store_thread_ref_insert(struct store *s, int64_t thread_id, const char *label,
				       const char *url, int64_t now, int64_t *id_r,
				       char **error_r);
enum gw_result store_thread_refs_load(struct store *s, int64_t thread_id,
				      struct store_thread_ref **refs_r, size_t *n_r,
				      char **error_r);

/* ---- webhook_events.c ---- */

/* One event (webhook.h, enum webhook_event) of the change being written. */
struct webhook_event_new {
	unsigned type;          /* one enum webhook_event bit */
	int64_t thread_id;      /* the order key; 0 = no thread */
	int64_t object_id;      /* message, thread, task, attachment or contact */
	const char *text1;      /* task: "added" | "done" | "undone"; email: sender */
	const char *text2;      /* task: actor kind; email: their Message-ID */
	int64_t number;         /* task: actor id; email: contact id; reminder: N */
	int64_t now;
};
/*
 * Write the event row and a delivery to every endpoint (not removed) that
 * wants its kind, in the caller's transaction; nothing when none does.
 */
enum gw_result store_webhook_event(struct store *s, const struct webhook_event_new *ev,
				   char **error_r);

/* ---- schema.c ---- */

enum gw_result store_schema_migrate(struct store *s, char **error_r);

/* ---- views.c ---- */

void store_attachment_from_row(sqlite3_stmt *st, struct store_attachment *a);
enum gw_result store_tasks_load(struct store *s, int64_t thread_id,
				struct store_task **tasks_r, size_t *n_r, char **error_r);

/* The hot queries, for store_query_plan(); defined beside their code. */
extern const char store_sql_outbox_due_queued[];
extern const char store_sql_outbox_due_leased[];
extern const char store_sql_outbox_next_queued[];
extern const char store_sql_outbox_next_leased[];
extern const char store_sql_reminders_due[];
extern const char store_sql_reminders_next[];
extern const char store_sql_explanations_count[];

#endif
