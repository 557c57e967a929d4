/*
 * store.h - the chat's data and rules: SQLite schema, migrations and every
 * change a user can make, each as one transaction.
 *
 * One struct store is one SQLite connection.  It is not thread-safe: every
 * thread and every process opens its own (store_open) and closes it
 * (store_close).  Connections to the same file may run concurrently; writes
 * serialise on SQLite's write lock (BEGIN IMMEDIATE, waiting up to
 * busy_timeout_ms, polling every few milliseconds).
 *
 * Transactional outbox.  Every operation that should make someone receive
 * an email writes the outbox rows in the SAME transaction as the change
 * itself, together with the thread's reminder state.  Either all of it is
 * committed or none of it: on any error nothing is half-written.
 *
 * Results.  Operations return enum gw_result:
 *   GW_OK        done (committed)
 *   GW_TEMPFAIL  database busy/locked, disk full, I/O error, out of memory:
 *                nothing was written, retrying later may succeed
 *   GW_PERMFAIL  the change breaks a rule or a constraint (duplicate name,
 *                not allowed by the firm's settings, ...)
 *   GW_NOTFOUND  an id (or name) that does not exist, or a thread the
 *                acting person may not see
 *   GW_INVALID   a bad argument (empty text, out-of-range number, ...)
 * Anything but GW_OK sets *error_r (when error_r is non-NULL) to a malloc'd
 * lowercase message naming what was wrong, e.g.
 *   "thread 12: archived, reopen it first"
 * The caller frees it.  The store never logs.
 *
 * Strings.  Every string passed in is copied; the caller keeps ownership.
 * Every string inside a returned record is owned by that record and freed
 * by the record's _clear function (single records) or the list's _free
 * function (lists); _clear/_free accept zeroed records and may be called
 * twice.  Text is UTF-8.  Times are Unix seconds (UTC); 0 means "never" /
 * "none".  Ids are positive; 0 means "none".
 *
 * "Now".  Operations read the time from clock_now() (common/clock.h), except
 * the scheduler and relay calls that take an explicit `now`.
 *
 * Who gets notified (outbox rows):
 *   - contacts: only contacts of the thread's account with notify on AND
 *     email status ok.  A contact with notify off or whose address is
 *     bouncing gets NO rows at all (not even resend/reminder).  Fresh-link
 *     and explanation emails are answers to something the person did and
 *     are not filtered by notify (they are filtered by the caller's rate
 *     limits instead).
 *   - staff ("client events": reply, client-created chat, task done,
 *     upload): staff with notify on who are assigned to the account, plus
 *     the thread's followers (whoever posted or was mentioned in it, or
 *     followed it by hand, and did not unfollow), each once; when nobody
 *     is assigned to the account, the owners and admins instead of the
 *     assigned staff.  The person who caused the event is never notified
 *     of it.  store_thread_recipients() lists the same people.
 *   - staff mentioned with @Name: a staff_mention row (notify on only);
 *     a mentioned staff member who would also get a client-event email for
 *     the same message gets only the mention.
 *
 * Reminders (DESIGN.md "What the chat does"), the rules exactly:
 *   - per thread, off unless enabled; days between reminders and count per
 *     staff message default to store_set_reminder_defaults() (3 and 1 if
 *     never set; the daemon passes [reminders] from the config).
 *   - a reminder always concerns the thread's last staff message.  Posting
 *     a staff message (re)starts the cycle: anchor = now (the moment its
 *     notifications were queued), sent = 0, next_due = anchor + days.
 *   - reminder N (1-based) is enqueued at next_due; the following one is
 *     due `days` after the moment the previous one was enqueued, until
 *     `count` reminders went out.
 *   - the cycle stops (next_due = 0) when: a contact posted after that staff
 *     message; or all client tasks of the thread are done (vacuously true
 *     for a thread without tasks) AND at least one contact of the account
 *     has read every message visible to clients; or the thread is archived;
 *     or reminders are turned off; or the count is reached.
 *   - turning reminders on or changing days/count writes a system note
 *     for staff (how many, how often, what stops them: the words of
 *     common/reminder_words.h) and restarts the cycle for the current last
 *     staff message from now.  Saving the same settings changes nothing.
 *   - reopening an archived thread turns reminders on (even when they were
 *     off, with the thread's last days and count) and re-arms the cycle as
 *     if the last staff message were new: anchor = now, sent = 0 (the stop
 *     rules still apply: a thread the client already answered stays quiet).
 *   - resend queues one extra email per contact now and does not touch the
 *     reminder schedule.
 *   - store_reminders_run() re-checks every stop rule at due time and
 *     enqueues each reminder exactly once: the outbox dedup key
 *     "reminder:THREAD:MESSAGE:N" is UNIQUE and inserted with OR IGNORE
 *     semantics, so two schedulers racing on two connections cannot double
 *     a reminder.
 *
 * Client to-do order: threads ordered by last_notified_at, newest first; it
 * is set when a staff message, a reminder or a resend is queued for the
 * thread.
 */
#ifndef GW_STORE_H
#define GW_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "gw.h"
#include "links.h"
#include "mail_kind.h"

struct store;

/* ------------------------------------------------------------------------
 * Kinds and names
 */

/* Who someone is.  CONTACT and STAFF have the values of enum link_principal. */
enum store_kind {
	STORE_CONTACT = 1,
	STORE_STAFF = 2,
	STORE_SYSTEM = 3,  /* author of system notes */
	STORE_ADDRESS = 4, /* outbox recipient known only by address */
};

enum store_role {
	STORE_ROLE_OWNER = 1,  /* sees every account */
	STORE_ROLE_ADMIN = 2,  /* sees every account */
	STORE_ROLE_MEMBER = 3, /* sees the accounts assigned to them, or every
				  account with the view_all right */
};

/* The kind of an outbox row is an enum mail_kind (mail_kind.h). */

enum store_out_status {
	STORE_OUT_QUEUED = 1,
	STORE_OUT_SENDING = 2,
	STORE_OUT_SENT = 3,
	STORE_OUT_FAILED = 4,
};

enum store_email_status {
	STORE_EMAIL_OK = 1,
	STORE_EMAIL_BOUNCING = 2,
};

/* Lowercase names as stored in the database and shown by gatewayctl:
 * "contact", "staff", "system", "address"; "owner", "admin", "member";
 * "new_message", "reminder", ..., "explanation"; "queued", "sending",
 * "sent", "failed"; "ok", "bouncing".  Unknown values give "unknown".
 * The _parse functions return 0, or -1 for an unknown name. */
const char *store_kind_name(enum store_kind k);
int store_kind_parse(const char *s, enum store_kind *k_r);
const char *store_role_name(enum store_role r);
int store_role_parse(const char *s, enum store_role *r_r);
const char *store_out_status_name(enum store_out_status s);
int store_out_status_parse(const char *s, enum store_out_status *s_r);
const char *store_email_status_name(enum store_email_status s);

/* ------------------------------------------------------------------------
 * Connection
 */

/* Schema version this program writes (PRAGMA user_version). */
#define STORE_SCHEMA_VERSION 20

/*
 * Open (creating if needed) the database at settings->path, set WAL mode,
 * synchronous FULL or NORMAL, busy_timeout, foreign keys, and migrate the
 * schema forward to STORE_SCHEMA_VERSION (from an empty file too).  A
 * database of a newer schema than this program knows is refused.
 * settings->attachments_dir is remembered as the default directory of
 * store_attachment_add().  Returns 0, or -1 with *error_r set.
 */
int store_open(const struct cfg_store *settings, struct store **store_r,
	       char **error_r);
/* Finalize statements and close; accepts NULL and *storep == NULL. */
void store_close(struct store **storep);

/*
 * Domain of the Message-IDs generated at enqueue ("gw.RANDOM@domain"),
 * normally [mail] reply_domain.  Default "gatewayd.invalid".  Copied.
 */
void store_set_mail_domain(struct store *store, const char *domain);
/* Defaults for threads that turn reminders on without numbers (3, 1). */
void store_set_reminder_defaults(struct store *store, int days, int count);
/* Whether a new chat shows its messages in emails unless told
 * ([mail] show_content, from the settings store_open() was given). */
int store_show_content_default(const struct store *store);

/*
 * Readers who had a thread open with a live stream when it changed: what
 * they saw is not emailed to them (store/batch.c).  One transaction for
 * all; now is when the change was pushed to them.
 */
struct store_seen {
	int64_t thread_id;
	enum store_kind kind;
	int64_t reader_id;
};
enum gw_result store_batch_seen_live(struct store *store, const struct store_seen *seen,
				     size_t n, int64_t now, char **error_r);

/* Current PRAGMA user_version of the open database. */
int store_schema_version(struct store *store);

/*
 * Once per process, before any connection: turn off SQLite's memory
 * statistics, which take one process-wide mutex per allocation that
 * threads with connections of their own would contend for.
 */
void store_process_init(void);

/* ------------------------------------------------------------------------
 * The database as a file (gatewayctl backup and doctor): these open their
 * own connections, read-only on the database, and never migrate it.
 */

/* Why store_backup() failed; the caller maps it to an exit code. */
enum store_backup_error {
	STORE_BACKUP_OK = 0,
	STORE_BACKUP_TEMPFAIL,   /* busy, disk full, I/O error: retry later */
	STORE_BACKUP_CANTCREAT,  /* the copy cannot be written */
	STORE_BACKUP_DATAERR,    /* the database cannot be copied */
	STORE_BACKUP_DAMAGED,    /* the copy fails its integrity check */
};

/*
 * Copy the database at db_path into dst_path (an existing, empty file) as
 * one snapshot, waiting up to busy_ms for a database held exclusively
 * (SQLite's own busy timeout is busy_ms, or 5000 when busy_ms <= 0).  The copy is one self-contained file (not in WAL mode) that
 * passed its integrity check; *schema_version_r is its user_version.
 * On failure *error_r is set (malloc'd) and dst_path is left for the
 * caller to remove.
 */
enum store_backup_error store_backup(const char *db_path, const char *dst_path,
				     int64_t busy_ms, int *schema_version_r,
				     char **error_r);

/*
 * The files of the database - the database, its -wal and -shm files and
 * backups - are created with STORE_FILE_MODE (0600), or 0640 and the
 * group when settings->group is set, whatever the umask: they hold every
 * chat and address.  store_open() creates a missing database so, and gives
 * its -wal and -shm files (which SQLite creates with the database's mode)
 * the mode and group when this process owns them; a database that exists
 * keeps its mode (gatewayctl doctor reports one that is looser).
 */
#define STORE_FILE_MODE 0600
#define STORE_FILE_MODE_GROUP 0640
unsigned store_file_mode(const struct cfg_store *settings);
/* Give the open file FD (named PATH in errors) that mode and group.
 * Returns 0, or -1 with *error_r. */
int store_file_protect(int fd, const char *path, const struct cfg_store *settings,
		       char **error_r);

/* What store_inspect() found in a database file. */
struct store_file_health {
	int64_t schema_version;  /* PRAGMA user_version */
	int64_t tables;          /* 0: an empty file */
	char *damage;            /* NULL when the integrity check says ok; else
				  * its first findings (malloc'd) */
};

/*
 * Read the schema version, count the tables and (when there are any) run
 * the integrity check on the database at path, read-only.  Returns 0, or
 * -1 with *error_r set when the file cannot be read as a database.  Free
 * h->damage with store_file_health_clear().
 */
int store_inspect(const char *path, struct store_file_health *h, char **error_r);
void store_file_health_clear(struct store_file_health *h);

/*
 * A request's transaction (the web view's and the API's jobs): until
 * store_request_end(), every operation runs inside it, its own transaction
 * becoming a savepoint, so that what one request does (access check,
 * message, files, idempotency record) is committed together or not at
 * all, and what it reads is one snapshot.  write: BEGIN IMMEDIATE, which
 * waits for the write lock like any write; else a read transaction, in
 * which an operation that writes fails with GW_PERMFAIL.
 * store_request_end() commits (commit = 1) or rolls back; a failed commit
 * is reported like any write's (GW_TEMPFAIL when busy or the disk is full).
 */
enum gw_result store_request_begin(struct store *store, int write, char **error_r);
enum gw_result store_request_end(struct store *store, int commit, char **error_r);
/* 1 between store_request_begin() and store_request_end(), else 0. */
int store_request_active(const struct store *store);

/*
 * PRAGMA data_version of this connection: it changes whenever ANOTHER
 * connection (thread or process) has committed to the database since, and
 * not for this connection's own commits.  For caches of rendered data
 * (the web view).  Returns 0, or -1 on a database error.
 */
int store_data_version(struct store *store, int64_t *version_r);

/*
 * Diagnostics: EXPLAIN QUERY PLAN of a hot query, one plan line per
 * "\n"-terminated line, malloc'd into *plan_r.  which is one of
 * "outbox_due", "outbox_next_due", "reminders_due", "reminders_next_due",
 * "explanations_recent", "inbox_unread", "inbox_list".
 */
enum gw_result store_query_plan(struct store *store, const char *which,
				char **plan_r, char **error_r);

/* ------------------------------------------------------------------------
 * Firm settings (one row)
 */

struct store_firm {
	char *name;                /* "" until set */
	int allow_client_chats;    /* contacts may create chats (default 0) */
	char *notify_display_name; /* NULL = use the configured from_name */
};
enum gw_result store_firm_get(struct store *store, struct store_firm *firm_r,
			      char **error_r);
/* What store_firm_set() writes: struct store_firm as the caller gives it
 * (nothing is owned; the store copies). */
struct store_firm_in {
	const char *name;
	int allow_client_chats;
	const char *notify_display_name;
};
/* The settings of firm f, pointing into f. */
struct store_firm_in store_firm_in_of(const struct store_firm *f);
/* Replaces all three fields (name must not be empty). */
enum gw_result store_firm_set(struct store *store, const struct store_firm_in *firm,
			      char **error_r);
void store_firm_clear(struct store_firm *firm);

/* ------------------------------------------------------------------------
 * Staff
 */

struct store_staff {
	int64_t id;
	char *name;
	char *email;
	enum store_role role;
	int notify;            /* emails on/off */
	uint32_t generation;   /* bumped to revoke links */
	int64_t created_at;
	int view_all;          /* a member who sees every account (not admin) */
	char *language;        /* "fr"; NULL = the firm's ([firm] language) */
	char *timezone;        /* "Europe/Paris"; NULL = the firm's */
};
struct store_staff_list {
	struct store_staff *items;
	size_t count;
};

/* Email is unique among staff (case-insensitive). */
enum gw_result store_staff_add(struct store *store, const char *name,
			       const char *email, enum store_role role,
			       int64_t *id_r, char **error_r);
enum gw_result store_staff_get(struct store *store, int64_t id,
			       struct store_staff *staff_r, char **error_r);
enum gw_result store_staff_find_email(struct store *store, const char *email,
				      struct store_staff *staff_r, char **error_r);
enum gw_result store_staff_list(struct store *store, struct store_staff_list *list_r,
				char **error_r);
enum gw_result store_staff_set_role(struct store *store, int64_t id,
				    enum store_role role, char **error_r);
enum gw_result store_staff_set_notify(struct store *store, int64_t id, int on,
				      char **error_r);
/* The "view all accounts" right: a staff member with it sees every
 * account (threads, contacts, search) as owners and admins do, without
 * their other powers.  Owners and admins see everything anyway. */
enum gw_result store_staff_set_view_all(struct store *store, int64_t id, int on,
					char **error_r);
/*
 * The language and time zone someone reads in (store_contact_set_locale
 * likewise): NULL or "" leaves one as it is, "-" gives it back to the
 * firm's.  GW_INVALID names a language this build has no catalog for, or
 * a zone that is none.
 */
enum gw_result store_staff_set_locale(struct store *store, int64_t id, const char *lang,
				      const char *zone, char **error_r);
enum gw_result store_contact_set_locale(struct store *store, int64_t id, const char *lang,
					const char *zone, char **error_r);
/* Revokes every link of this staff member; new generation in *gen_r (may be NULL). */
enum gw_result store_staff_bump_generation(struct store *store, int64_t id,
					   uint32_t *gen_r, char **error_r);
/* Assign (on=1) or unassign (on=0) a staff member to an account; idempotent. */
enum gw_result store_staff_assign(struct store *store, int64_t staff_id,
				  int64_t account_id, int on, char **error_r);
/* Staff assigned to an account (not owners/admins unless assigned). */
enum gw_result store_staff_assigned(struct store *store, int64_t account_id,
				    struct store_staff_list *list_r, char **error_r);
void store_staff_clear(struct store_staff *staff);
void store_staff_list_free(struct store_staff_list *list);

/* ------------------------------------------------------------------------
 * Client accounts
 */

struct store_account {
	int64_t id;
	char *name;        /* unique */
	int64_t created_at;
};
struct store_account_list {
	struct store_account *items;
	size_t count;
};
enum gw_result store_account_add(struct store *store, const char *name,
				 int64_t *id_r, char **error_r);
enum gw_result store_account_get(struct store *store, int64_t id,
				 struct store_account *account_r, char **error_r);
enum gw_result store_account_find_name(struct store *store, const char *name,
				       struct store_account *account_r,
				       char **error_r);
/* All accounts (staff_id 0), or those visible to staff_id, by name. */
enum gw_result store_account_list(struct store *store, int64_t staff_id,
				  struct store_account_list *list_r, char **error_r);
void store_account_clear(struct store_account *account);
void store_account_list_free(struct store_account_list *list);

/* ------------------------------------------------------------------------
 * Contacts
 */

struct store_contact {
	int64_t id;
	int64_t account_id;
	char *name;
	char *first_name;      /* first word of name ("" if name is empty) */
	char *email;
	int notify;            /* emails on/off (one-click unsubscribe turns it off) */
	int may_create_chats;  /* default 1; the firm setting must allow it too */
	enum store_email_status email_status;
	char *bounce_reason;   /* NULL unless a bounce was recorded */
	int64_t bounced_at;    /* 0 = never */
	uint32_t generation;   /* bumped to revoke links */
	int64_t last_login_at; /* 0 = never logged in */
	int64_t created_at;
	int64_t removed_at;    /* 0 = a contact; else removed then */
	/* Their last automatic reply gave a return date: the last day away
	   ("YYYY-MM-DD", NULL = none) and when their reminders may go again
	   (0 = none).  Away while away_resume_at > now. */
	char *away_until;
	int64_t away_resume_at;
	int unsubscribed;          /* notify off by their unsubscribe link */
	int64_t notify_changed_at; /* the switch last moved (0 = never) */
	char *language;            /* "fr"; NULL = the firm's ([firm] language) */
	char *timezone;            /* "Europe/Paris"; NULL = the firm's */
};
struct store_contact_list {
	struct store_contact *items;
	size_t count;
};

/* Email is unique within an account (case-insensitive); a person may be a
 * contact of several accounts. */
enum gw_result store_contact_add(struct store *store, int64_t account_id,
				 const char *name, const char *email,
				 int64_t *id_r, char **error_r);
enum gw_result store_contact_get(struct store *store, int64_t id,
				 struct store_contact *contact_r, char **error_r);
/* Contacts of one account by id; account_id 0 = every contact. */
enum gw_result store_contact_list(struct store *store, int64_t account_id,
				  struct store_contact_list *list_r, char **error_r);
/* Every contact with this address (case-insensitive), in any account. */
enum gw_result store_contact_find_email(struct store *store, const char *email,
					struct store_contact_list *list_r,
					char **error_r);
enum gw_result store_contact_set_notify(struct store *store, int64_t id, int on,
					char **error_r);
/* Who moved a contact's email switch: staff (or the firm's CLI and API),
 * the contact on their home page, or their one-click unsubscribe link. */
enum store_notify_by {
	STORE_NOTIFY_BY_STAFF,
	STORE_NOTIFY_BY_CONTACT,
	STORE_NOTIFY_BY_UNSUBSCRIBE,
};
/*
 * Turn a contact's emails on or off and remember who turned them off
 * (store_contact.unsubscribed).  A removed contact cannot be turned on
 * (GW_PERMFAIL); an unknown one is GW_NOTFOUND.  *changed_r (may be
 * NULL): 1 when something changed.  store_contact_set_notify() is this
 * with STORE_NOTIFY_BY_STAFF.
 */
enum gw_result store_contact_set_notify_by(struct store *store, int64_t id, int on,
					   enum store_notify_by by, int *changed_r,
					   char **error_r);
enum gw_result store_contact_set_may_create(struct store *store, int64_t id,
					    int on, char **error_r);
/*
 * Record a permanent bounce (bounces.c): the contact becomes bouncing
 * (bounced_at = now, reason copied, cut at 1000 bytes) and gets no more
 * emails until the mark is cleared.  In the same transaction every owner
 * and admin with notify on gets a staff_contacts_bouncing email, at most
 * one a day each: the dedup key "contacts_bouncing:STAFF:DAY" (DAY = the
 * UTC day number) is UNIQUE and inserted with OR IGNORE.  A contact
 * already bouncing keeps its first date and reason; nothing is written.
 * Only proof decides who is marked: see mta-hooks/decide.h.
 */
enum gw_result store_contact_mark_bouncing(struct store *store, int64_t id,
					   const char *reason, char **error_r);
/*
 * Staff clear the mark: email status ok, reason and date removed.  A
 * contact not bouncing is left as it is (GW_OK).  staff_id 0 = the firm
 * (CLI, API); otherwise that staff member must see the contact's account,
 * or it is GW_NOTFOUND as for an unknown contact, and be an owner or an
 * admin (GW_PERMFAIL: a member sees the mark and cannot clear it).
 */
enum gw_result store_contact_clear_bounce(struct store *store, int64_t id,
					  int64_t staff_id, char **error_r);
/* Contacts currently bouncing and not removed, newest mark first;
 * staff_id 0 = all, else those in the accounts that staff member sees. */
enum gw_result store_contacts_bouncing(struct store *store, int64_t staff_id,
				       struct store_contact_list *list_r, char **error_r);
enum gw_result store_contact_set_email_ok(struct store *store, int64_t id,
					  char **error_r);
/* Change the address; also clears a bouncing status.  A new address
 * (not merely another case) bumps the generation in the same statement:
 * links and sessions sent to the old address stop working.  A removed
 * contact's address cannot change (GW_PERMFAIL). */
enum gw_result store_contact_set_email(struct store *store, int64_t id,
				       const char *email, char **error_r);
/*
 * Remove a contact, in one transaction: removed_at = now, notify off, the
 * generation bumped (their links and web sessions die), and their outbox
 * rows still queued are cancelled (status failed, "contact removed").
 * Their messages stay in the threads (history).  A removed contact is no
 * longer notified, and store_outbox_add() queues nothing more to them.
 * Listings keep them with removed_at set.  *cancelled_r (may be NULL):
 * the rows cancelled.  Removing twice: GW_OK, nothing more done.
 */
enum gw_result store_contact_remove(struct store *store, int64_t id, int *cancelled_r,
				    char **error_r);
enum gw_result store_contact_bump_generation(struct store *store, int64_t id,
					     uint32_t *gen_r, char **error_r);
/* last_login_at = now (a link was exchanged for a session). */
enum gw_result store_contact_touch_login(struct store *store, int64_t id,
					 char **error_r);
void store_contact_clear(struct store_contact *contact);
void store_contact_list_free(struct store_contact_list *list);

/*
 * Current generation of a contact or staff member, for link_verify():
 * pass store_link_generation as the link_generation_fn and the struct
 * store as its ctx.  Returns 0, or -1 if the principal does not exist, is
 * a removed contact, or on a database error: the link is then refused,
 * never let through.
 */
int store_link_generation(void *store, enum link_principal kind, int64_t id,
			  uint32_t *generation_r);

/* ------------------------------------------------------------------------
 * Templates (applied when a chat is created)
 */

struct store_template {
	int64_t id;
	char *name;     /* unique */
	char *subject;
	char *body;     /* CommonMark, may hold shortcodes */
	char *tasks;    /* the client's tasks, one a line ("" = none) */
};
struct store_template_list {
	struct store_template *items;
	size_t count;
};
/* Create or replace the template called name (its tasks kept). */
enum gw_result store_template_set(struct store *store, const char *name,
				  const char *subject, const char *body,
				  char **error_r);
/* The same with tasks, one a line (NULL keeps them).  Every field is
 * checked as a new chat's: an unknown shortcode is GW_INVALID. */
enum gw_result store_template_save(struct store *store, const char *name,
				   const char *subject, const char *body,
				   const char *tasks, char **error_r);
/* Change template id (its name too); a name another template has is
 * GW_PERMFAIL. */
enum gw_result store_template_update(struct store *store, int64_t id, const char *name,
				     const char *subject, const char *body,
				     const char *tasks, char **error_r);
enum gw_result store_template_get_id(struct store *store, int64_t id,
				     struct store_template *template_r, char **error_r);
enum gw_result store_template_get(struct store *store, const char *name,
				  struct store_template *template_r, char **error_r);
enum gw_result store_template_delete(struct store *store, const char *name,
				     char **error_r);
enum gw_result store_template_list(struct store *store,
				   struct store_template_list *list_r, char **error_r);
void store_template_clear(struct store_template *template);
void store_template_list_free(struct store_template_list *list);

/*
 * Shortcodes (store/shortcodes.c).  Account level, replaced when a chat is
 * created, per account:
 *   [ACCOUNT_NAME]        the account's name
 *   [FIRM_NAME]           the firm's name
 *   [CURRENT_DATE]        clock_now() as "25 November 2026" (UTC)
 * Contact level, kept in the stored message (per_reader) and resolved for
 * each reader: a contact reads their own value, staff the placeholder:
 *   [CONTACT_FIRST_NAME]  the first word of the contact's name ("there"
 *                         when the name is empty)
 *   [CONTACT_NAME]        the contact's name (the address when empty)
 *   [CONTACT_EMAIL]       the contact's address
 * A shortcode is "[" capitals, digits and "_" "]" holding an underscore;
 * anything else in brackets ("[URGENT]") is text.
 */
struct store_shortcode {
	const char *code;    /* "[CONTACT_FIRST_NAME]" */
	const char *label;   /* N_(): "Contact's first name" */
	const char *help;    /* N_(): what it becomes */
	int per_contact;     /* resolved per reader */
};
extern const struct store_shortcode store_shortcodes[];
extern const size_t store_n_shortcodes;
/* The code of len bytes at code, NULL if unknown. */
const struct store_shortcode *store_shortcode_find(const char *code, size_t len);
/* Length of a shortcode-looking token at p ("[X_Y]"), 0 if none. */
size_t store_shortcode_token(const char *p);
/*
 * GW_INVALID, naming field and the code, when text holds a shortcode that
 * does not exist, or a contact-level one where !allow_contact (subjects and
 * tasks are shared by everyone in the thread).
 */
enum gw_result store_shortcodes_check(const char *field, const char *text,
				      int allow_contact, char **error_r);
/* 1 when text holds a contact-level shortcode. */
int store_shortcodes_per_reader(const char *text);
/* Account-level codes replaced for one account; the rest kept.  Malloc'd
 * in *text_r. */
enum gw_result store_expand_shortcodes(struct store *store, int64_t account_id,
				       const char *text, char **text_r,
				       char **error_r);
/*
 * A subject from a message: its first line with text, CommonMark marks
 * and contact-level shortcodes taken out, at most SUBJECT_FROM_MAX
 * characters (cut at a character boundary, with "..." when cut).  "" when
 * there is no text.  Malloc'd.
 */
#define SUBJECT_FROM_MAX 80
char *store_text_subject_from(const char *body);
/* Contact-level codes replaced by one contact's values (malloc'd); with
 * markdown, the values are escaped as CommonMark text. */
char *store_shortcodes_for_contact(const char *text, const char *name,
				   const char *email, int markdown);

/* ------------------------------------------------------------------------
 * Threads, messages, tasks
 */

struct store_reminders {
	int enabled;
	int days;            /* between reminders */
	int count;           /* reminders per staff message */
	int64_t message_id;  /* the staff message they concern; 0 = none yet */
	int64_t anchor_at;   /* start of the current cycle */
	int sent;            /* reminders enqueued in this cycle */
	int64_t next_due;    /* 0 = stopped / nothing due */
	int remaining;       /* reminders still to go out (0 when stopped) */
};

struct store_thread {
	int64_t id;
	int64_t account_id;
	char *account_name;
	char *subject;
	enum store_kind created_by_kind; /* STORE_STAFF or STORE_CONTACT */
	int64_t created_by_id;
	int64_t created_at;
	int64_t last_message_at;
	int64_t last_notified_at;  /* client to-do order */
	int archived;
	int64_t archived_at;
	int show_content;          /* notification emails carry the message text */
	char *mail_root_id;        /* per-thread root Message-ID (no brackets) */
	struct store_reminders reminders;
	int64_t message_count;     /* messages visible to the reader */
	int64_t unread_count;      /* for the reader of the query; 0 without one */
	int tasks_total;
	int tasks_done;
	/* while reminders are due: the messages the client has not read, as
	 * the stop rule counts them (past the furthest read mark of any of the
	 * account's contacts); 0 otherwise */
	int64_t client_unread;
	int64_t tasks_rev;         /* moves with every edit of the checklist */
};
struct store_thread_list {
	struct store_thread *items;
	size_t count;
};

struct store_message {
	int64_t id;
	int64_t thread_id;
	enum store_kind author_kind;
	int64_t author_id;         /* 0 for STORE_SYSTEM */
	char *author_name;         /* "" for STORE_SYSTEM */
	char *body;                /* CommonMark */
	int staff_only;            /* private note: never shown to contacts */
	int per_reader;            /* body holds contact-level shortcodes: a
				    * contact's view has them resolved, staff
				    * read the placeholders */
	int64_t created_at;
	char *mentions;            /* names of the staff it mentions, one a line */
};

struct store_task {
	int64_t id;
	int64_t thread_id;
	char *text;
	int position;              /* 1-based order in the checklist */
	int64_t done_at;           /* 0 = open */
	enum store_kind done_by_kind; /* 0 when open */
	int64_t done_by_id;
};

struct store_attachment {
	int64_t id;
	int64_t thread_id;
	int64_t message_id;        /* 0 = not tied to a message */
	enum store_kind uploader_kind;
	int64_t uploader_id;
	char *file_name;
	char *content_type;
	int64_t size;
	char sha256[65];           /* lowercase hex */
	int64_t created_at;
	char *folder;              /* "" or "a/b": the folder it came in */
	char *zip_note;            /* a zip kept as it is: why ("encrypted",
				      "damaged", "empty"), else NULL */
};

/*
 * An external reference of a thread: a label and an http(s) URL into the
 * firm's own systems ("Tax return 2026 - job 4711",
 * https://pm.firm.example/jobs/4711).  Staff only: never shown to contacts.
 */
struct store_thread_ref {
	int64_t id;
	int64_t thread_id;
	char *label;               /* plain text, escape when rendering */
	char *url;                 /* http:// or https:// */
	int64_t created_at;
};
struct store_thread_ref_new {
	const char *label;
	const char *url;
};

/* One thread with everything the web view and `gatewayctl show` render. */
struct store_thread_view {
	struct store_thread thread;
	struct store_message *messages;  /* oldest first */
	size_t n_messages;
	struct store_task *tasks;        /* by position */
	size_t n_tasks;
	struct store_attachment *attachments; /* oldest first */
	size_t n_attachments;
	int64_t reader_last_read;        /* reader's read mark (message id), 0 */
	struct store_thread_ref *refs;   /* oldest first; none for a contact */
	size_t n_refs;
};

/* New chat: one account, or bulk (one thread per account, same text). */
#define STORE_SHOW_CONTENT_DEFAULT (-1)
struct store_chat_new {
	const int64_t *account_ids;
	size_t n_accounts;            /* >= 1 */
	int64_t staff_id;             /* author of the first message */
	const char *template_name;    /* NULL = none */
	const char *subject;          /* NULL = the template's (required then) */
	const char *body;             /* NULL = the template's (required then) */
	const char *const *tasks;     /* client checklist, may be NULL */
	size_t n_tasks;
	int show_content;             /* 1 on, 0 off, STORE_SHOW_CONTENT_DEFAULT
				       * the firm's ([mail] show_content) */
	int reminders;                /* 1 = on */
	int reminder_days;            /* 0 = store default */
	int reminder_count;           /* 0 = store default */
	const struct store_thread_ref_new *refs; /* external references, may be NULL */
	size_t n_refs;
	/* Files of the first message: only for a chat to one account (a bulk
	 * chat with files is GW_INVALID); the body may then be empty. */
	const struct store_upload *files;
	size_t n_files;
};

/*
 * Create the chat(s) in ONE transaction: per account a thread, the first
 * (staff) message with shortcodes expanded in subject and body, tasks,
 * reminder settings and cycle, a system note when reminders are on,
 * new_message rows to the account's notifiable contacts and staff_mention
 * rows.  thread_ids_r (may be NULL) receives n_accounts ids in order.
 * A member may only create chats in accounts assigned to them
 * (GW_NOTFOUND otherwise).  The same account twice is GW_INVALID.
 */
enum gw_result store_chat_create(struct store *store, const struct store_chat_new *chat,
				 int64_t *thread_ids_r, char **error_r);

/*
 * A contact creates a chat in their own account: allowed only when the firm
 * allows client chats and the contact may create them (GW_PERMFAIL
 * otherwise).  Writes the thread, the first message and
 * staff_client_created rows.  Reminders start off.
 */
enum gw_result store_chat_create_by_contact(struct store *store, int64_t contact_id,
					    const char *subject, const char *body,
					    int64_t *thread_id_r, int64_t *message_id_r,
					    char **error_r);
/* The same with files on the first message (the body may then be empty). */
enum gw_result store_chat_create_by_contact_files(struct store *store, int64_t contact_id,
						  const char *subject, const char *body,
						  const struct store_upload *files, size_t n_files,
						  int64_t *thread_id_r, int64_t *message_id_r,
						  char **error_r);

/*
 * Post a message as a staff member or a contact of the thread's account.
 * - @Name: staff whose full name follows "@" (case-insensitive, longest
 *   match, then a unique first name) get a mention row and, unless they
 *   are the author, a staff_mention email.
 * - staff author: new_message rows to notifiable contacts, the reminder
 *   cycle restarts on this message, last_notified_at = now.
 * - staff author: follows the thread from now on (store_thread_follow).
 * - contact author: staff_client_replied rows to the staff assigned to the
 *   account (owners and admins when nobody is) and the followers, once
 *   each; reminders stop.
 * The author's read mark moves to the new message.  Archived threads refuse
 * posts (GW_INVALID); empty bodies are GW_INVALID.
 */
enum gw_result store_message_post(struct store *store, int64_t thread_id,
				  enum store_kind author_kind, int64_t author_id,
				  const char *body, int64_t *message_id_r,
				  char **error_r);

/*
 * A post with its options; store_message_post() is the plain case.
 * - internal: a note only staff see (staff_only).  Refused for contacts
 *   (GW_INVALID, after the access check's GW_NOTFOUND).  Contacts get no
 *   email, no unread count and no view of it; the thread's place in the
 *   client's list and the reminder cycle stay as they were; mentioned
 *   colleagues are emailed as for any message.
 * - A staff author's @word that names no colleague, or names one who
 *   cannot see the thread's account, refuses the post (GW_INVALID, the
 *   error names them, nothing is written); *unseen_r (may be NULL) counts
 *   the colleagues who cannot see it.  assign_mentioned: an owner or
 *   admin assigns them to the account in the same transaction instead.
 *   "\@word" is plain text.  A contact's mention of a colleague who cannot
 *   see the account is plain text.
 */
struct store_post {
	int64_t thread_id;
	enum store_kind author_kind;
	int64_t author_id;
	const char *body;          /* may be empty when files are given */
	int internal;
	int assign_mentioned;
	const struct store_upload *files; /* attached to the message, in its transaction */
	size_t n_files;
};
enum gw_result store_message_send(struct store *store, const struct store_post *post,
				  int64_t *message_id_r, int *unseen_r, char **error_r);

/*
 * A system note (author STORE_SYSTEM).  staff_only notes are hidden from
 * contacts and from "all messages read".  No emails.
 */
enum gw_result store_note_add(struct store *store, int64_t thread_id,
			      const char *body, int staff_only,
			      int64_t *message_id_r, char **error_r);

/*
 * Read mark: reader has read up to message up_to (0 = the latest message
 * visible to them).  Marks never move backwards.  A contact's mark may stop
 * reminders (see the rules above).
 */
enum gw_result store_read_mark(struct store *store, int64_t thread_id,
			       enum store_kind reader_kind, int64_t reader_id,
			       int64_t up_to, char **error_r);

/* Append a task to the checklist (staff). */
enum gw_result store_task_add(struct store *store, int64_t thread_id,
			      const char *text, int64_t *task_id_r, char **error_r);
/*
 * Staff change the checklist of an existing thread.  staff_id 0 is the
 * firm itself (gatewayctl, the API without an actor); otherwise the staff
 * member must see the account.  thread_id 0 (edit, remove, move) means
 * the task's own thread; a task of another thread than the one named is
 * GW_NOTFOUND "thread T: no task K", as is one that does not exist or
 * that the staff member may not see.  Archived threads refuse changes
 * (GW_INVALID), as do an empty text (or only blanks), a text with a line
 * break or longer than 1000 bytes ("task: ..."), a position outside
 * 1..number of tasks ("position N: ...") and a 101st task.
 * Each change writes a staff-only system note naming who made it, a
 * task.changed webhook event (added, edited, removed, moved), moves
 * threads.tasks_rev and looks at the reminders' stop rules again (removing
 * the last open task may end the cycle).  Positions stay 1..n.  Editing to
 * the same text or moving to the same place changes nothing (*changed_r,
 * may be NULL, says whether anything changed).  A removed task is gone;
 * its text stays in the note (and a staff_task_done email still queued for
 * it goes out without the text).
 */
#define STORE_TASKS_MAX 100
enum gw_result store_task_create(struct store *store, int64_t thread_id, int64_t staff_id,
				 const char *text, int64_t *task_id_r, char **error_r);
enum gw_result store_task_edit(struct store *store, int64_t thread_id, int64_t task_id,
			       int64_t staff_id, const char *text, int *changed_r,
			       char **error_r);
enum gw_result store_task_remove(struct store *store, int64_t thread_id, int64_t task_id,
				 int64_t staff_id, char **error_r);
enum gw_result store_task_move(struct store *store, int64_t thread_id, int64_t task_id,
			       int64_t staff_id, int position, int *changed_r, char **error_r);
/*
 * Tick (done=1) or untick (done=0) a task.  A contact ticking writes
 * staff_task_done rows and may stop reminders; unticking or a staff tick
 * sends nothing.  Ticking a done task again is a no-op (GW_OK).
 */
enum gw_result store_task_set_done(struct store *store, int64_t task_id,
				   enum store_kind by_kind, int64_t by_id,
				   int done, char **error_r);

/* Archive: reminders stop.  Reopen: turned on and re-armed as if the last
 * staff message were new.  Both idempotent.  staff_id 0 = the firm (CLI); otherwise the
 * staff member must see the account. */
enum gw_result store_thread_archive(struct store *store, int64_t thread_id,
				    int64_t staff_id, char **error_r);
enum gw_result store_thread_reopen(struct store *store, int64_t thread_id,
				   int64_t staff_id, char **error_r);
enum gw_result store_thread_set_show_content(struct store *store, int64_t thread_id,
					     int on, char **error_r);
/*
 * Turn reminders on/off or change them (days 1..GW_REMINDER_DAYS_MAX,
 * count 1..GW_REMINDER_COUNT_MAX; 0 = the store default).  A change writes
 * the staff note and restarts the cycle from now; the same settings again
 * change nothing (see the rules above).
 */
enum gw_result store_thread_set_reminders(struct store *store, int64_t thread_id,
					  int64_t staff_id, int enabled, int days,
					  int count, char **error_r);
/*
 * Resend now: one `resend` row per notifiable contact, last_notified_at =
 * now; the reminder schedule is untouched.  *n_queued_r (may be NULL) gets
 * the number of rows (0 if nobody can be notified: still GW_OK).
 */
enum gw_result store_thread_resend(struct store *store, int64_t thread_id,
				   int64_t staff_id, int *n_queued_r, char **error_r);

/*
 * Follow (on=1) or unfollow (on=0) a thread: a follower is told of the
 * client's replies (staff_client_replied) like the staff assigned to the
 * account.  Whoever posts in a thread or is mentioned in it follows it.
 * The staff member must exist and see the thread (GW_NOTFOUND, the same
 * answer for both so that ids tell nothing); staff_id 0 is GW_INVALID.
 * Following twice is GW_OK; *changed_r (may be NULL) says whether the
 * row changed.
 */
enum gw_result store_thread_follow(struct store *store, int64_t thread_id,
				   int64_t staff_id, int on, int *changed_r,
				   char **error_r);

/*
 * Who will be emailed about a thread, and why not.  A contact of the
 * thread's account is reached (STORE_REACH_EMAILED) unless removed,
 * bouncing, unsubscribed or with notifications off, checked in that
 * order: the first that holds is the reason given.  A contact who is
 * away is still emailed (only reminders wait): see away_until.  Staff
 * are "reached" when their notify is on.
 */
enum store_reach {
	STORE_REACH_EMAILED,
	STORE_REACH_NOTIFY_OFF,
	STORE_REACH_UNSUBSCRIBED,
	STORE_REACH_BOUNCING,
	STORE_REACH_REMOVED,
};
struct store_thread_person {
	enum store_kind kind;
	int64_t id;
	char *name;
	char *email;
	enum store_reach reach;
	/* contacts */
	char *bounce_reason;       /* NULL unless bouncing */
	int64_t bounced_at;
	int64_t removed_at;
	int64_t notify_changed_at; /* when the switch last moved, 0 = never */
	char *away_until;          /* "YYYY-MM-DD" or NULL */
	int64_t away_resume_at;
	/* staff: why they are told (any may hold) */
	int assigned;              /* assigned to the thread's account */
	int standing_in;           /* owner or admin: nobody is assigned */
	int following;
};
struct store_recipients {
	struct store_thread_person *contacts; /* every contact of the account, by id */
	size_t n_contacts;
	struct store_thread_person *staff;    /* staff told of a client's reply, by id */
	size_t n_staff;
	size_t contacts_emailed;
	/* NULL when a contact will be emailed; else the sentence staff read,
	   "Nobody will be emailed: Anna unsubscribed, Ben has notifications
	   off" (store_nobody_emailed). */
	char *nobody_emailed;
};
enum gw_result store_thread_recipients(struct store *store, int64_t thread_id,
				       struct store_recipients *recipients_r,
				       char **error_r);
void store_recipients_clear(struct store_recipients *recipients);
enum store_reach store_contact_reach(const struct store_contact *contact);
/* "emailed", "notifications_off", "unsubscribed", "bouncing", "removed". */
const char *store_reach_name(enum store_reach reach);
/*
 * The sentence for these contacts when none of them is emailed (malloc'd),
 * NULL when one is.  Every contact is named with their reason, in the
 * order given: "NAME unsubscribed", "NAME has notifications off", "NAME's
 * address bounces", "NAME was removed"; no contact at all reads "Nobody
 * will be emailed: the account has no contacts".
 */
char *store_nobody_emailed(const struct store_contact *contacts, size_t n);

/*
 * May this person see this thread?  Contacts: threads of their account;
 * owners/admins: all; members: assigned accounts.  GW_OK or GW_NOTFOUND.
 */
enum gw_result store_thread_access(struct store *store, int64_t thread_id,
				   enum store_kind kind, int64_t id, char **error_r);

/* ------------------------------------------------------------------------
 * External references (struct store_thread_ref): staff only
 */

#define STORE_REF_LABEL_MAX 200   /* bytes */
#define STORE_REF_URL_MAX 2048    /* bytes */
#define STORE_REF_MAX 50          /* per thread */

/*
 * Check a label and URL without touching the database: the label is
 * single-line text (1..STORE_REF_LABEL_MAX bytes, no control characters),
 * the URL http:// or https:// with a host, no blanks or control
 * characters, at most STORE_REF_URL_MAX bytes.  GW_INVALID with an error
 * that starts with the field ("url: must start with http:// or https://");
 * *field_r names it ("label" or "url"), NULL on GW_OK.
 */
enum gw_result store_thread_ref_check(const char *label, const char *url,
				      const char **field_r, char **error_r);
/*
 * Add a reference (archived threads too).  staff_id 0 = the firm (CLI,
 * API); otherwise the staff member must see the account (GW_NOTFOUND).
 * The same URL twice on one thread is GW_PERMFAIL ("url: ..."); more than
 * STORE_REF_MAX is GW_INVALID ("refs: ...").
 */
enum gw_result store_thread_ref_add(struct store *store, int64_t thread_id,
				    int64_t staff_id, const char *label, const char *url,
				    int64_t *ref_id_r, char **error_r);
/* Remove reference ref_id of the thread: GW_NOTFOUND if it is not there. */
enum gw_result store_thread_ref_remove(struct store *store, int64_t thread_id,
				       int64_t ref_id, int64_t staff_id, char **error_r);
/* A thread's references, oldest first, for staff readers; *refs_r is
 * freed with store_thread_refs_free(). */
enum gw_result store_thread_refs(struct store *store, int64_t thread_id,
				 struct store_thread_ref **refs_r, size_t *n_r,
				 char **error_r);
void store_thread_refs_free(struct store_thread_ref *refs, size_t n);

/* ------------------------------------------------------------------------
 * Attachments
 *
 * Content lives in files named by its SHA-256: DIR/ab/abcdef...(64 hex).
 * A file is written to a temp name, fsync'd, renamed, and the directory
 * fsync'd, BEFORE the row that points to it commits; identical content is
 * stored once.  The store deletes a file only when erasing a person's data
 * (store_person_erase_files), and never one that a row points to.
 */

/* Write bytes under dir (created if missing); sha256_hex_r gets the name. */
enum gw_result store_attachment_put(struct store *store, const char *dir,
				    const void *bytes, size_t len,
				    char sha256_hex_r[65], char **error_r);
/* Path of the content file; malloc'd.  Does not check that it exists. */
char *store_attachment_path(const char *dir, const char *sha256_hex);

/*
 * Writing a content file as its bytes arrive (an upload streamed from a
 * request): open an unnamed file in dir, write (hashed on the way),
 * finish (fsync, link in as DIR/ab/HEX, directory fsync'd; identical
 * content already there is kept and the copy dropped), close.  A writer
 * closed before it finished leaves nothing behind.  The functions return
 * 0, or -1 with *error_r set (malloc'd; errno-based text naming the path).
 */
struct store_blob;
int store_blob_open(const char *dir, struct store_blob **blob_r, char **error_r);
int store_blob_write(struct store_blob *blob, const void *bytes, size_t len,
		     char **error_r);
int store_blob_finish(struct store_blob *blob, char **error_r);
int64_t store_blob_size(const struct store_blob *blob);
/* The content's name once finished, else NULL. */
const char *store_blob_hex(const struct store_blob *blob);
/* The open file (for store_upload.fd); the blob still owns it. */
int store_blob_fd(const struct store_blob *blob);
/* Accepts NULL; clears *blobp. */
void store_blob_close(struct store_blob **blobp);
/*
 * Under the write lock, just before a row that names hex commits: the
 * content file is there (touched), or is stored again from fd, which
 * holds the same bytes (-1: none, and a missing file is an error).
 */
int store_blob_ensure(const char *dir, const char *hex, int fd, char **error_r);

/*
 * The content store as a whole (blob_scan.c).  store_blob_check() reads
 * the database at db_path read-only (beside a running daemon) and counts
 * content files named by rows but absent (missing), present but named by
 * no row (unreferenced: an upload about to commit, or left over), and
 * other files (strays, e.g. temp files).  store_blob_gc() removes each
 * unreferenced content file untouched for grace seconds (< 0:
 * STORE_BLOB_GRACE), deciding each under the write lock, and temp files
 * as old.  store_blob_referenced(): every hash the rows name, sorted.
 */
struct store_blob_report {
	int64_t referenced, files, missing, unreferenced, unreferenced_bytes, strays;
	char *missing_example;     /* a hash, or NULL */
	char *stray_example;       /* a path, or NULL */
};
int store_blob_check(const char *db_path, const char *dir, struct store_blob_report *report,
		     char **error_r);
void store_blob_report_clear(struct store_blob_report *report);
struct store_blob_gc {
	int64_t removed, removed_bytes, kept, young, temp_removed;
};
enum gw_result store_blob_gc(struct store *store, const char *dir, int64_t now,
			     int64_t grace, struct store_blob_gc *result, char **error_r);
int store_blob_referenced(const char *db_path, char ***hexes_r, size_t *n_r,
			  char **error_r);

/*
 * One file of a post, its content already in the content store (a
 * finished store_blob, or store_attachment_put()).  Several go with one
 * message: the files belong to it, and the message's own email lists
 * them.  Names are checked by store_upload_name_check().
 */
struct store_upload {
	const char *file_name;     /* a plain name: no path, no controls */
	const char *content_type;  /* NULL = application/octet-stream */
	int64_t size;
	char sha256[65];
	int fd;                    /* the content, open; -1 = none (see store_blob_ensure) */
	const char *rel_path;      /* the folder it came in: NULL or "" = none, else
				      "a/b" (zip_folder_valid()): from a folder
				      upload or a zip unpacked */
	const char *zip_note;      /* a zip kept whole: why ("encrypted", ...), or NULL */
};
/* How many files one post may carry, and the longest file name (bytes). */
#define STORE_POST_MAX_FILES 20
/* The rows of one post once its zips are unpacked: the front ends count
 * the files uploaded against STORE_POST_MAX_FILES, and each zip unpacks
 * to at most ZIP_MAX_ENTRIES (common/zip.h) files. */
#define STORE_POST_MAX_ROWS (STORE_POST_MAX_FILES * 1000)
#define STORE_FILE_NAME_MAX 255
/* GW_INVALID naming what is wrong with a file name ("file name ...:"). */
enum gw_result store_upload_name_check(const char *name, char **error_r);
/*
 * Inside the caller's write transaction: one attachment row per file for
 * message_id (0 = none) of thread_id, a file_uploaded webhook event each,
 * and their content files made sure of (store_blob_ensure).  No email:
 * the message they belong to tells whom it tells.  ids_r (may be NULL)
 * gets n ids.
 */
enum gw_result store_message_files_add(struct store *store, int64_t thread_id,
				       int64_t message_id, enum store_kind uploader_kind,
				       int64_t uploader_id,
				       const struct store_upload *files, size_t n,
				       int64_t now, int64_t *ids_r, char **error_r);

/*
 * The files of a post as they are stored (unpack.c), for every way in
 * (web view, API, gatewayctl --attach): each zip among in[] (by name or
 * first bytes) is unpacked into its files with their folders (rel_path;
 * under the zip's own rel_path if it had one), or kept whole with
 * zip_note, and files that are not zips pass as they are.  The unpacked
 * bytes count toward max_post (bytes, <= 0: none) together with the other
 * files, and each zip unpacks to at most ZIP_MAX_RATIO times its size.
 * A refused zip refuses the post: GW_INVALID with a sentence for the
 * person who sent it (translated), nothing left in *out.  GW_TEMPFAIL
 * for the disk.  in[] must stay open until *out is cleared.
 */
struct store_post_files {
	struct store_upload *files;   /* for store_post / store_chat_new */
	size_t n;
	struct store_blob **blobs;    /* the unpacked files' content */
	size_t n_blobs;
	char **strings;               /* their names and folders */
	size_t n_strings;
};
enum gw_result store_post_files_unpack(const char *dir, const struct store_upload *in,
				       size_t n_in, int64_t max_post,
				       struct store_post_files *out, char **error_r);
void store_post_files_clear(struct store_post_files *pf);

struct store_attachment_new {
	int64_t thread_id;
	int64_t message_id;       /* 0 = none; must belong to the thread */
	enum store_kind uploader_kind; /* STORE_STAFF or STORE_CONTACT */
	int64_t uploader_id;
	const char *file_name;    /* stored as given; sanitise when serving */
	const char *content_type; /* NULL = application/octet-stream */
	const void *bytes;
	size_t len;
	const char *dir;          /* NULL = the store's attachments_dir */
	const char *folder;       /* NULL or "" = none; else "a/b" (zip_folder_valid()) */
	const char *zip_note;     /* NULL, or why a zip was kept as it is */
};
/*
 * Put the content, then in one transaction insert the row and, for a
 * contact upload, staff_upload rows.
 */
enum gw_result store_attachment_add(struct store *store,
				    const struct store_attachment_new *att,
				    int64_t *attachment_id_r, char **error_r);
enum gw_result store_attachment_get(struct store *store, int64_t id,
				    struct store_attachment *att_r, char **error_r);
/*
 * The attachment as a reader may fetch it: the reader must see its thread
 * (store_thread_access()), and a contact never gets a file attached to a
 * staff-only note (GW_NOTFOUND, as for an unknown id).
 */
enum gw_result store_attachment_for_reader(struct store *store, int64_t id,
					   enum store_kind kind, int64_t reader_id,
					   struct store_attachment *att_r, char **error_r);
void store_attachment_clear(struct store_attachment *att);

/*
 * Documents: every file of a thread, or of every thread of an account,
 * as a reader may see them (a contact never sees a file attached to an
 * internal note), with who sent it and the thread's subject, ordered by
 * thread, folder and name.  For a staff reader of an account, the account
 * must be one they see; kind 0 is the firm itself (every file).
 * GW_NOTFOUND when the reader may not see it.
 */
struct store_document {
	struct store_attachment att;
	char *uploader_name;       /* "" when the person is gone */
	char *thread_subject;
};
struct store_documents {
	struct store_document *docs;
	size_t count;
	int64_t total_size;
};
enum gw_result store_documents_thread(struct store *store, int64_t thread_id,
				      enum store_kind kind, int64_t reader_id,
				      struct store_documents *docs_r, char **error_r);
enum gw_result store_documents_account(struct store *store, int64_t account_id,
				       enum store_kind kind, int64_t reader_id,
				       struct store_documents *docs_r, char **error_r);
void store_documents_clear(struct store_documents *docs);

/* ------------------------------------------------------------------------
 * Listing and reading (CLI and web view)
 */

enum store_archived_filter {
	STORE_ARCHIVED_NO = 0,   /* open threads only (default) */
	STORE_ARCHIVED_ONLY = 1,
	STORE_ARCHIVED_ANY = 2,
};
enum store_thread_order {
	STORE_ORDER_ACTIVITY = 0, /* last message, newest first (default) */
	STORE_ORDER_TODO = 1,     /* client to-do: last_notified_at, newest first */
	STORE_ORDER_ID = 2,       /* oldest thread first */
};
struct store_thread_filter {
	int64_t account_id;        /* 0 = any */
	int64_t staff_id;          /* non-0: only accounts this staff member sees */
	int64_t contact_id;        /* non-0: that contact's account */
	enum store_kind reader_kind; /* 0 = no unread counts */
	int64_t reader_id;
	enum store_archived_filter archived;
	enum store_thread_order order;
	const char *ref_url;       /* non-NULL: threads with a reference to exactly this URL */
	int limit;                 /* 0 = all */
	int offset;
};
enum gw_result store_thread_list(struct store *store,
				 const struct store_thread_filter *filter,
				 struct store_thread_list *list_r, char **error_r);
/* One thread; unread/message counts for the reader (kind 0 = none). */
enum gw_result store_thread_get(struct store *store, int64_t thread_id,
				enum store_kind reader_kind, int64_t reader_id,
				struct store_thread *thread_r, char **error_r);
/*
 * The whole thread in one read transaction.  Contacts never see staff_only
 * notes nor external references; for staff readers (and reader_kind 0)
 * include_staff_only decides on notes, and references are always there.
 */
enum gw_result store_thread_show(struct store *store, int64_t thread_id,
				 enum store_kind reader_kind, int64_t reader_id,
				 int include_staff_only,
				 struct store_thread_view *view_r, char **error_r);
enum gw_result store_message_get(struct store *store, int64_t message_id,
				 struct store_message *message_r, char **error_r);
void store_thread_clear(struct store_thread *thread);
void store_thread_list_free(struct store_thread_list *list);
void store_thread_view_clear(struct store_thread_view *view);
void store_message_clear(struct store_message *message);
void store_task_clear(struct store_task *task);

/* ------------------------------------------------------------------------
 * Reminder scheduler
 */

/*
 * Enqueue every reminder due at or before now, re-checking the stop rules,
 * and advance each thread's state, in transactions of bounded size.
 * *n_enqueued_r (may be NULL) gets the number of reminder rows inserted by
 * THIS call (a racing scheduler's rows are not counted).
 */
enum gw_result store_reminders_run(struct store *store, int64_t now,
				   int *n_enqueued_r, char **error_r);
/* Earliest next_due of any thread; GW_NOTFOUND when nothing is scheduled. */
enum gw_result store_reminders_next_due(struct store *store, int64_t *due_r,
					char **error_r);

/* ------------------------------------------------------------------------
 * Outbox (relay API)
 */

struct store_outbox {
	int64_t id;
	enum mail_kind kind;
	enum store_kind recipient_kind;  /* CONTACT, STAFF or ADDRESS */
	int64_t recipient_id;            /* 0 for ADDRESS */
	char *recipient_address;         /* copied at enqueue */
	int64_t thread_id;               /* 0 = none */
	int64_t message_id;              /* chat message, 0 = none */
	char *extra;                     /* NULL or small text, see kinds */
	enum store_out_status status;
	int attempts;                    /* claims so far */
	int64_t next_attempt_at;
	int64_t lease_until;             /* while sending */
	char *last_error;                /* NULL = none */
	int64_t created_at;
	int64_t sent_at;                 /* 0 = not sent */
	char *mail_id;                   /* RFC 5322 Message-ID, no brackets, fixed at enqueue */
	char *dedup_key;                 /* NULL or unique, e.g. "reminder:12:340:1" */
};
struct store_outbox_list {
	struct store_outbox *items;
	size_t count;
};
struct store_outbox_counts {
	int64_t queued;
	int64_t sending;
	int64_t sent;
	int64_t failed;
};

/*
 * Claim up to max rows that are due: queued with next_attempt_at <= now,
 * or sending with lease_until < now (a worker crashed: the row goes out
 * again with the SAME mail_id).  Claimed rows become sending with
 * lease_until = now + lease_seconds and attempts + 1.  Rows whose lease ran
 * out come first, then queued rows by next_attempt_at.  An empty list is
 * GW_OK.
 */
enum gw_result store_outbox_claim(struct store *store, int64_t now,
				  int64_t lease_seconds, int max,
				  struct store_outbox_list *list_r, char **error_r);
/* sending -> sent (sent_at = now).  Already sent: GW_OK. */
enum gw_result store_outbox_sent(struct store *store, int64_t id, int64_t now,
				 char **error_r);
/* sending -> queued with next_attempt_at and last_error (copied). */
enum gw_result store_outbox_defer(struct store *store, int64_t id,
				  int64_t next_attempt_at, const char *last_error,
				  char **error_r);
/* sending (or queued) -> failed with last_error. */
enum gw_result store_outbox_fail(struct store *store, int64_t id,
				 const char *last_error, char **error_r);
/* sending -> queued, attempts - 1, due now (shutdown before sending). */
enum gw_result store_outbox_release(struct store *store, int64_t id,
				    char **error_r);
/* Earliest time a row becomes claimable (queued next_attempt_at or
 * sending lease_until); GW_NOTFOUND when there is none. */
enum gw_result store_outbox_next_due(struct store *store, int64_t *due_r,
				     char **error_r);
enum gw_result store_outbox_counts(struct store *store,
				   struct store_outbox_counts *counts_r, char **error_r);
enum gw_result store_outbox_get(struct store *store, int64_t id,
				struct store_outbox *row_r, char **error_r);
/* Newest first; status 0 = any; limit 0 = all. */
enum gw_result store_outbox_list(struct store *store, enum store_out_status status,
				 int64_t thread_id, int limit,
				 struct store_outbox_list *list_r, char **error_r);
/*
 * The row sent with this Message-ID (no angle brackets), e.g. one named in
 * the References of a reply; GW_NOTFOUND if none.  The ids carry 128
 * random bits, so a match proves the sender saw that email.
 */
enum gw_result store_outbox_find_mail_id(struct store *store, const char *mail_id,
					 struct store_outbox *row_r, char **error_r);
void store_outbox_clear(struct store_outbox *row);
void store_outbox_list_free(struct store_outbox_list *list);

/*
 * Everything compose needs for one outbox row, read in one transaction.
 * Fields that do not apply to the row's kind are 0 / NULL.
 */
/*
 * One thing an email tells of (a batch lists several): its kind, who did
 * it, and what compose shows of it.
 */
struct store_compose_item {
	enum mail_kind kind;
	int64_t message_id;
	char *extra;
	int undone;                     /* staff_task_done: the task was unticked */
	int64_t created_at;
	char *actor_name;               /* NULL = not known */
	char *body;                     /* message text as the recipient may read it */
	char *text;                     /* task text, file name */
	char *files;                    /* a message's file names, one a line; NULL = none */
};
void store_compose_items_free(struct store_compose_item *items, size_t n);

struct store_compose {
	struct store_outbox row;
	/* what the email tells of, oldest first: one for an email of one
	 * event; none for kinds that are never batched */
	struct store_compose_item *items;
	size_t n_items;
	char *firm_name;
	char *notify_display_name;      /* NULL = configured from_name */
	int64_t thread_id;
	char *thread_subject;
	char *mail_root_id;             /* thread's root Message-ID, no brackets */
	int show_content;
	int archived;
	int64_t account_id;
	char *account_name;
	/* recipient: for links, signing and the greeting */
	enum store_kind recipient_kind;
	int64_t recipient_id;
	char *recipient_name;           /* NULL for STORE_ADDRESS */
	char *recipient_address;        /* as copied at enqueue */
	uint32_t recipient_generation;
	/* what the recipient reads in; NULL = the firm's (strangers too) */
	char *recipient_language;
	char *recipient_timezone;
	/* the message the email is about (new_message, reminder, resend,
	 * client replied/created, mention; for reminder/resend the reminder's
	 * or the last staff message) */
	int64_t message_id;
	enum store_kind author_kind;
	int64_t author_id;
	char *author_name;
	char *body;
	char *message_files;            /* its files' names, one a line; NULL = none */
	int64_t message_created_at;
	struct store_task *tasks;       /* the thread's checklist, by position */
	size_t n_tasks;
	int reminder_number;            /* reminder: 1-based */
	int reminders_remaining;        /* reminder: how many more may follow */
	int64_t client_unread;          /* reminder: messages the client has not
					 * read, as the stop rule counts them */
	char *task_text;                /* staff_task_done */
	char *attachment_name;          /* staff_upload */
	int64_t n_files;                /* files of the message */
	char *file_names;               /* their names, one a line, oldest first */
	char *in_reply_to;              /* explanation: their Message-ID */
	char *quoted_text;              /* explanation: start of their text */
	char *webhook;                  /* staff_webhook_disabled: "NAME (URL): ERROR" */
	/* signin_link: the signin_links row the link names, its salt and
	 * expiry */
	int64_t signin_id;
	uint32_t signin_salt;
	int64_t signin_expires;
};
enum gw_result store_compose_get(struct store *store, int64_t outbox_id,
				 struct store_compose *compose_r, char **error_r);
void store_compose_clear(struct store_compose *compose);

/*
 * Queue a fresh-link email to a contact (an expired link was used);
 * thread_id 0 = the contact's home.  Not filtered by notify.
 */
enum gw_result store_fresh_link_queue(struct store *store, int64_t contact_id,
				      int64_t thread_id, int64_t *outbox_id_r,
				      char **error_r);

/* ------------------------------------------------------------------------
 * Inbound log (gatewayd-pipe, LMTP)
 */

struct store_inbound {
	int64_t id;
	int64_t received_at;
	char *sender;           /* envelope sender, "" for <> */
	char *recipient;
	char *message_id;       /* their Message-ID, NULL if none */
	int64_t size;
	char *verdict;          /* e.g. "loop", "bounce", "auto", "explained", "dropped" */
	int64_t thread_id;      /* 0 = not known */
	char *reason;           /* free text, NULL */
};
/* What store_inbound_log() writes: struct store_inbound as the caller
 * gives it (nothing is owned; the store copies). */
struct store_inbound_in {
	int64_t received_at;    /* 0 = now */
	const char *sender;     /* envelope sender, "" for <> */
	const char *recipient;
	const char *message_id; /* their Message-ID, NULL if none */
	int64_t size;
	const char *verdict;    /* e.g. "loop", "bounce", "auto", "explained", "dropped" */
	int64_t thread_id;      /* 0 = not known */
	const char *reason;     /* free text, NULL */
};
/*
 * A person's automatic reply (out of office) to a thread's email, in one
 * transaction: the inbound log row (in, verdict "automatic"; "; staff
 * note" or "; noted already today" is added to its reason), the contact's
 * away state, and a staff-only system note in the thread.
 *
 *   - contact_id names the contact whose mailbox answered (0: a sender
 *     who is no contact of the thread's account).  With away_until set,
 *     that contact's away_until and away_resume_at are replaced: the
 *     newest reply tells.
 *   - The note is written at most once per thread, contact and day (DAY,
 *     "YYYY-MM-DD"), and a note without a date (away_until NULL) at most
 *     once per thread and day whoever sent it.  The state is updated
 *     either way: nothing the reply said is lost.
 * *note_id_r: the note written, 0 when the day already had one.
 */
/* Between the arguments of a note kind (note_args): "who\x1fwhen". */
#define STORE_NOTE_SEP "\x1f"

struct store_auto_reply {
	int64_t thread_id;
	int64_t contact_id;
	const char *away_until;  /* "YYYY-MM-DD" or NULL */
	int64_t resume_at;       /* with away_until: reminders wait until then */
	const char *note;        /* the note's text */
	/* Said again in each reader's language when set (store/notes.c):
	 * the note's kind and arguments; note is then ignored. */
	const char *note_kind;
	const char *note_args;
	const char *day;         /* today, "YYYY-MM-DD" */
};
enum gw_result store_auto_reply_record(struct store *store, const struct store_inbound_in *in,
				       const struct store_auto_reply *a, int64_t *inbound_id_r,
				       int64_t *note_id_r, char **error_r);

/* Insert; *id_r may be NULL. */
enum gw_result store_inbound_log(struct store *store, const struct store_inbound_in *in,
				 int64_t *id_r, char **error_r);
struct store_inbound_list {
	struct store_inbound *items;
	size_t count;
};
/* Newest first; limit 0 = all (gatewayctl inbound list). */
enum gw_result store_inbound_list(struct store *store, int limit,
				  struct store_inbound_list *list_r, char **error_r);
void store_inbound_list_free(struct store_inbound_list *list);
/* Latest row with this Message-ID and recipient; GW_NOTFOUND if none. */
enum gw_result store_inbound_find(struct store *store, const char *message_id,
				  const char *recipient, struct store_inbound *in_r,
				  char **error_r);
void store_inbound_clear(struct store_inbound *in);

/*
 * Where the IMAP reader stands in one mailbox (KEY names server, user and
 * mailbox): the UIDVALIDITY seen and the highest UID decided under it.
 * get: GW_NOTFOUND when the mailbox was never read (both set to 0).
 * set: one write transaction of its own.
 */
enum gw_result store_imap_state_get(struct store *store, const char *key,
				    uint32_t *uidvalidity_r, uint32_t *last_uid_r,
				    char **error_r);
enum gw_result store_imap_state_set(struct store *store, const char *key,
				    uint32_t uidvalidity, uint32_t last_uid, char **error_r);

struct store_explanation {
	const char *sender;       /* envelope sender: the email goes there */
	int64_t thread_id;        /* the token's thread */
	int64_t contact_id;       /* the token's contact when the sender is that
				   * contact (gets a fresh link), else 0 */
	const char *in_reply_to;  /* their Message-ID (no brackets), may be NULL */
	const char *quoted_text;  /* start of their text, truncated to 2000 bytes */
	const char *note;         /* staff-only note text; NULL = a default one */
	const char *note_kind;    /* or a kind and its arguments (store/notes.c) */
	const char *note_args;
	/* Rate limits, counted over explanation rows created at or after
	 * `since` (0 = no limits): at most one to this sender about this
	 * thread, at most max_per_sender (> 0) to this sender at all, and
	 * at most max_per_thread_address (> 0) about this thread to plain
	 * addresses (rows without a contact: people the token was not for). */
	int64_t since;
	int64_t max_per_sender;
	int64_t max_per_thread_address;
};

/* Why store_explanation_queue() queued nothing although it succeeded. */
enum store_explain_refusal {
	STORE_EXPLAIN_QUEUED = 0, /* not refused */
	STORE_EXPLAIN_SEEN,       /* in's Message-ID to in's recipient is logged */
	STORE_EXPLAIN_TOLD,       /* the sender was told about this thread */
	STORE_EXPLAIN_CAPPED,     /* the sender reached max_per_sender */
	STORE_EXPLAIN_THREAD_CAPPED, /* the thread reached max_per_thread_address */
};
struct store_explain_result {
	enum store_explain_refusal refused;
	int64_t outbox_id;        /* QUEUED: the explanation row */
	int64_t seen_id;          /* SEEN: the inbound log row seen before */
};
/*
 * In ONE write transaction: first the checks, then - unless one of them
 * refuses - the inbound log row (when in is non-NULL), the explanation
 * outbox row (recipient = sender, kind contact when contact_id is set,
 * else address) and a staff-only note in the thread.
 *
 * The checks: a redelivery (in->message_id already logged for
 * in->recipient), then the rate limits of ex.  Because they run inside
 * the transaction that writes the answer, deliveries racing each other
 * (pipe processes, LMTP threads) answer a message or a sender at most
 * once.  A refusal writes nothing and returns GW_OK with res_r->refused
 * set; the caller logs the message as it sees fit.  res_r may be NULL.
 */
enum gw_result store_explanation_queue(struct store *store,
				       const struct store_inbound_in *in,
				       const struct store_explanation *ex,
				       struct store_explain_result *res_r,
				       char **error_r);

/* ------------------------------------------------------------------------
 * A person's data: export and erase (privacy.c)
 */

/*
 * Everything the store holds about one person, as they see it:
 *   - contact: every thread of their account without the staff-only
 *     notes and the files attached to them; emails to them (rows to the
 *     contact, and rows to their address such as explanations);
 *   - staff: the threads they created, wrote in, uploaded to or were
 *     mentioned in, with the staff-only notes; emails to them;
 *   - both: the inbound log rows whose sender or reason names their address.
 * GW_NOTFOUND for an unknown id.
 */
struct store_person {
	enum store_kind kind;              /* STORE_CONTACT or STORE_STAFF */
	struct store_contact contact;      /* kind CONTACT */
	struct store_staff staff;          /* kind STAFF */
	char *account_name;                /* kind CONTACT: their account's */
	int64_t *thread_ids;               /* their threads, by id */
	size_t n_threads;
	struct store_outbox_list outbox;   /* oldest first */
	struct store_inbound_list inbound; /* oldest first */
};
/*
 * The threads themselves are read one at a time (store_person_thread()),
 * so that a person with years of history is never all in memory: call
 * both inside one read transaction (store_request_begin()) for one
 * snapshot.
 */
enum gw_result store_person_get(struct store *store, enum store_kind kind, int64_t id,
				struct store_person *person_r, char **error_r);
/* Thread p->thread_ids[i] as the person sees it; clear view_r with
 * store_thread_view_clear(). */
enum gw_result store_person_thread(struct store *store, const struct store_person *person,
				   size_t i, struct store_thread_view *view_r,
				   char **error_r);
void store_person_clear(struct store_person *person);

/*
 * GW_OK when the account's data may be erased; GW_PERMFAIL with the
 * reason while the account is under a legal hold (store_account_held(),
 * store/retention.h).  store_person_erase() asks here and nowhere else.
 */
enum gw_result store_account_hold_check(struct store *store, int64_t account_id,
					char **error_r);

/* What an erasure changed: counts only, never the data. */
struct store_erasure {
	int64_t id;              /* its row in the erasures table */
	int64_t contact_id;
	int64_t account_id;
	int64_t messages;        /* their messages, now "message removed" */
	int64_t subjects;        /* subjects of threads they created */
	int64_t notes;           /* system notes quoting them */
	int64_t files;           /* attachment rows of theirs deleted */
	int64_t outbox;          /* emails to them anonymised */
	int64_t inbound;         /* inbound log rows anonymised */
	int64_t idempotency;     /* kept API responses naming them, deleted */
	int64_t webhook_events;  /* webhook events about them, deleted */
	char (*blobs)[65];       /* content files their rows pointed to */
	size_t n_blobs;
	/* store_person_erase_files() */
	int64_t blobs_removed;   /* no other row pointed to them */
	int64_t blobs_kept;      /* another thread's file has the same content */
	int vacuumed;
	int wal_truncated;       /* 0: a reader held the WAL; emptied later */
};

/*
 * Erase a contact's personal data in ONE write transaction (with SQLite's
 * secure_delete on, so that freed cells are zeroed):
 *   - name "Erased contact", address erased-ID@erased.invalid, bounce
 *     reason and last login gone, notify off, removed, generation bumped
 *     (every link and web session of theirs dies);
 *   - their messages become "message removed", subjects of threads they
 *     created "subject removed", system notes quoting their address
 *     "message removed";
 *   - their attachment rows are deleted (queued staff_upload emails about
 *     them cancelled);
 *   - outbox rows to them get the erased address and no extra text
 *     (queued ones are cancelled); inbound log rows from or about them
 *     lose sender, Message-ID and reason; kept API responses that name
 *     them are deleted; webhook events about them (their message, chat,
 *     file, email reply or bounce), waiting or delivered, are deleted;
 *   - a row in the erasures table holds the counts.
 * Other people's messages stay as written.  Refused (GW_PERMFAIL) while
 * store_account_hold_check() refuses; GW_NOTFOUND for an unknown contact.
 * Erasing again is GW_OK and changes nothing more.  e->blobs lists the
 * content files to pass to store_person_erase_files() AFTER the commit
 * (inside a request transaction: after store_request_end()).
 * Free with store_erasure_clear().
 */
enum gw_result store_person_erase(struct store *store, int64_t contact_id,
				  struct store_erasure *e, char **error_r);
/*
 * After the erasure committed: remove each content file of e->blobs that
 * no row points to any more (each under the write lock; dir NULL = the
 * store's attachments_dir), VACUUM the database and checkpoint the WAL
 * with TRUNCATE.  Must not run inside a transaction.  A failure here
 * leaves unreferenced files or free pages, never a row without its file;
 * running it again finishes the job.
 */
enum gw_result store_person_erase_files(struct store *store, const char *dir,
					struct store_erasure *e, char **error_r);
void store_erasure_clear(struct store_erasure *e);

/* The store's attachments directory ([store] attachments_dir), or NULL. */
const char *store_attachments_dir(const struct store *store);

/* ------------------------------------------------------------------------
 * API keys (admin API)
 */

struct store_apikey {
	int64_t id;
	char *name;
	char *key_sha256;   /* lowercase hex of SHA-256(key); the key itself is never stored */
	int64_t created_at;
	int64_t revoked_at; /* 0 = valid */
};
struct store_apikey_list {
	struct store_apikey *items;
	size_t count;
};
enum gw_result store_apikey_add(struct store *store, const char *name,
				const char *key_sha256_hex, int64_t *id_r,
				char **error_r);
/* A key that is not revoked, by hash; GW_NOTFOUND otherwise. */
enum gw_result store_apikey_find(struct store *store, const char *key_sha256_hex,
				 struct store_apikey *key_r, char **error_r);
enum gw_result store_apikey_revoke(struct store *store, int64_t id, char **error_r);
enum gw_result store_apikey_list(struct store *store, struct store_apikey_list *list_r,
				 char **error_r);
void store_apikey_clear(struct store_apikey *key);
void store_apikey_list_free(struct store_apikey_list *list);

/* ------------------------------------------------------------------------
 * Idempotency keys (admin API)
 *
 * The response of a request made with an Idempotency-Key header, kept per
 * API key so that a retry gets the same answer instead of a second change.
 * Records older than the caller's window count as absent and are deleted
 * by the next store_idempotency_put().
 */

#define STORE_IDEMPOTENCY_KEY_MAX 255

struct store_idempotency {
	int64_t api_key_id;
	char *key;                 /* 1..STORE_IDEMPOTENCY_KEY_MAX bytes */
	char request_sha256[65];   /* lowercase hex: what the request was */
	int status;                /* HTTP status of the stored response */
	char *body;                /* response body, "" for none */
	int64_t created_at;
};

/* What store_idempotency_put() stores: the caller's strings, copied. */
struct store_idempotency_in {
	int64_t api_key_id;
	const char *key;           /* 1..STORE_IDEMPOTENCY_KEY_MAX bytes */
	char request_sha256[65];   /* lowercase hex: what the request was */
	int status;                /* HTTP status of the response */
	const char *body;          /* response body, NULL or "" for none */
};

/*
 * The record of (api_key_id, key) created at or after `since`;
 * GW_NOTFOUND when there is none.
 */
enum gw_result store_idempotency_get(struct store *store, int64_t api_key_id,
				     const char *key, int64_t since,
				     struct store_idempotency *rec_r, char **error_r);
/*
 * In one transaction: delete every record created before `expire_before`,
 * then insert rec (created_at = now).  A live
 * record with the same api_key_id and key is GW_PERMFAIL; an empty or too
 * long key, a bad hash or a status outside 100..599 is GW_INVALID.
 */
enum gw_result store_idempotency_put(struct store *store,
				     const struct store_idempotency_in *rec,
				     int64_t expire_before, char **error_r);
void store_idempotency_clear(struct store_idempotency *rec);

#endif
