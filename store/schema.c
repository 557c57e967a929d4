/*
 * schema.c - the database schema as a list of forward migrations.
 *
 * PRAGMA user_version holds the number of migrations applied.  Migration N
 * (1-based) takes a database at version N-1 to N; a new file starts at 0.
 * Migrations run in one write transaction that re-reads user_version after
 * taking the lock, so two processes opening a fresh file at once migrate it
 * once.  Never edit a released migration: append a new one.
 *
 * Conventions: times are INTEGER Unix seconds, NULL = none; kinds are
 * lowercase TEXT checked by CHECK constraints (readable with sqlite3(1));
 * the hot queries have indexes that make them searches:
 *   outbox_due           rows by status, then next_attempt_at
 *   outbox_lease         rows by status, then lease_until
 *   threads_reminder_due threads with a reminder scheduled (partial)
 * The outbox indexes lead with status rather than being partial so that
 * the planner never prefers another status index and a sort.
 */
#include <stdio.h>
#include <stdlib.h>

#include "store_int.h"

static const char MIGRATION_1[] =
	"CREATE TABLE firm ("
	" id INTEGER PRIMARY KEY CHECK (id = 1),"
	" name TEXT NOT NULL DEFAULT '',"
	" allow_client_chats INTEGER NOT NULL DEFAULT 0,"
	" notify_display_name TEXT);"
	"INSERT INTO firm (id) VALUES (1);"

	"CREATE TABLE staff ("
	" id INTEGER PRIMARY KEY,"
	" name TEXT NOT NULL CHECK (name <> ''),"
	" email TEXT NOT NULL COLLATE NOCASE UNIQUE,"
	" role TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'member')),"
	" notify INTEGER NOT NULL DEFAULT 1,"
	" generation INTEGER NOT NULL DEFAULT 1,"
	" created_at INTEGER NOT NULL);"

	"CREATE TABLE accounts ("
	" id INTEGER PRIMARY KEY,"
	" name TEXT NOT NULL COLLATE NOCASE UNIQUE CHECK (name <> ''),"
	" created_at INTEGER NOT NULL);"

	"CREATE TABLE staff_accounts ("
	" staff_id INTEGER NOT NULL REFERENCES staff (id) ON DELETE CASCADE,"
	" account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,"
	" PRIMARY KEY (staff_id, account_id)) WITHOUT ROWID;"
	"CREATE INDEX staff_accounts_account ON staff_accounts (account_id, staff_id);"

	"CREATE TABLE contacts ("
	" id INTEGER PRIMARY KEY,"
	" account_id INTEGER NOT NULL REFERENCES accounts (id),"
	" name TEXT NOT NULL,"
	" email TEXT NOT NULL COLLATE NOCASE,"
	" notify INTEGER NOT NULL DEFAULT 1,"
	" may_create_chats INTEGER NOT NULL DEFAULT 1,"
	" email_status TEXT NOT NULL DEFAULT 'ok' CHECK (email_status IN ('ok', 'bouncing')),"
	" bounce_reason TEXT,"
	" bounced_at INTEGER,"
	" generation INTEGER NOT NULL DEFAULT 1,"
	" last_login_at INTEGER,"
	" created_at INTEGER NOT NULL,"
	" UNIQUE (account_id, email));"
	"CREATE INDEX contacts_email ON contacts (email);"

	"CREATE TABLE templates ("
	" id INTEGER PRIMARY KEY,"
	" name TEXT NOT NULL UNIQUE CHECK (name <> ''),"
	" subject TEXT NOT NULL,"
	" body TEXT NOT NULL,"
	" updated_at INTEGER NOT NULL);"

	"CREATE TABLE threads ("
	" id INTEGER PRIMARY KEY,"
	" account_id INTEGER NOT NULL REFERENCES accounts (id),"
	" subject TEXT NOT NULL,"
	" created_by_kind TEXT NOT NULL CHECK (created_by_kind IN ('staff', 'contact')),"
	" created_by_id INTEGER NOT NULL,"
	" created_at INTEGER NOT NULL,"
	" last_message_at INTEGER NOT NULL,"
	" last_notified_at INTEGER NOT NULL DEFAULT 0,"
	" archived_at INTEGER,"
	" show_content INTEGER NOT NULL DEFAULT 0,"
	" mail_root_id TEXT NOT NULL UNIQUE,"
	" rem_enabled INTEGER NOT NULL DEFAULT 0,"
	" rem_days INTEGER NOT NULL DEFAULT 3"
	" CHECK (rem_days BETWEEN 1 AND " GW_STR(GW_REMINDER_DAYS_MAX) "),"
	" rem_count INTEGER NOT NULL DEFAULT 1"
	" CHECK (rem_count BETWEEN 1 AND " GW_STR(GW_REMINDER_COUNT_MAX) "),"
	" rem_message_id INTEGER,"
	" rem_anchor_at INTEGER,"
	" rem_sent INTEGER NOT NULL DEFAULT 0,"
	" rem_next_due INTEGER);"
	"CREATE INDEX threads_account ON threads (account_id, last_message_at);"
	"CREATE INDEX threads_reminder_due ON threads (rem_next_due)"
	" WHERE rem_next_due IS NOT NULL;"

	"CREATE TABLE messages ("
	" id INTEGER PRIMARY KEY,"
	" thread_id INTEGER NOT NULL REFERENCES threads (id),"
	" author_kind TEXT NOT NULL CHECK (author_kind IN ('staff', 'contact', 'system')),"
	" author_id INTEGER,"
	" body TEXT NOT NULL,"
	" staff_only INTEGER NOT NULL DEFAULT 0,"
	" created_at INTEGER NOT NULL);"
	"CREATE INDEX messages_thread ON messages (thread_id, author_kind, id);"
	"CREATE INDEX messages_thread_id ON messages (thread_id, id);"

	"CREATE TABLE mentions ("
	" message_id INTEGER NOT NULL REFERENCES messages (id),"
	" staff_id INTEGER NOT NULL REFERENCES staff (id),"
	" PRIMARY KEY (message_id, staff_id)) WITHOUT ROWID;"
	"CREATE INDEX mentions_staff ON mentions (staff_id);"

	"CREATE TABLE read_marks ("
	" thread_id INTEGER NOT NULL REFERENCES threads (id),"
	" reader_kind TEXT NOT NULL CHECK (reader_kind IN ('staff', 'contact')),"
	" reader_id INTEGER NOT NULL,"
	" last_read_message_id INTEGER NOT NULL,"
	" read_at INTEGER NOT NULL,"
	" PRIMARY KEY (thread_id, reader_kind, reader_id)) WITHOUT ROWID;"

	"CREATE TABLE tasks ("
	" id INTEGER PRIMARY KEY,"
	" thread_id INTEGER NOT NULL REFERENCES threads (id),"
	" text TEXT NOT NULL,"
	" position INTEGER NOT NULL,"
	" done_at INTEGER,"
	" done_by_kind TEXT CHECK (done_by_kind IN ('staff', 'contact')),"
	" done_by_id INTEGER,"
	" created_at INTEGER NOT NULL);"
	"CREATE INDEX tasks_thread ON tasks (thread_id, position);"

	"CREATE TABLE attachments ("
	" id INTEGER PRIMARY KEY,"
	" thread_id INTEGER NOT NULL REFERENCES threads (id),"
	" message_id INTEGER REFERENCES messages (id),"
	" uploader_kind TEXT NOT NULL CHECK (uploader_kind IN ('staff', 'contact')),"
	" uploader_id INTEGER NOT NULL,"
	" file_name TEXT NOT NULL,"
	" content_type TEXT NOT NULL,"
	" size INTEGER NOT NULL,"
	" sha256 TEXT NOT NULL CHECK (length(sha256) = 64),"
	" created_at INTEGER NOT NULL);"
	"CREATE INDEX attachments_thread ON attachments (thread_id, id);"

	"CREATE TABLE outbox ("
	" id INTEGER PRIMARY KEY,"
	" kind TEXT NOT NULL CHECK (kind IN ('new_message', 'reminder', 'resend',"
	"  'staff_client_replied', 'staff_client_created', 'staff_task_done',"
	"  'staff_upload', 'staff_mention', 'fresh_link', 'explanation')),"
	" recipient_kind TEXT NOT NULL CHECK (recipient_kind IN ('contact', 'staff', 'address')),"
	" recipient_id INTEGER,"
	" recipient_address TEXT NOT NULL,"
	" thread_id INTEGER REFERENCES threads (id),"
	" message_id INTEGER REFERENCES messages (id),"
	" extra TEXT,"
	" status TEXT NOT NULL DEFAULT 'queued'"
	"  CHECK (status IN ('queued', 'sending', 'sent', 'failed')),"
	" attempts INTEGER NOT NULL DEFAULT 0,"
	" next_attempt_at INTEGER NOT NULL,"
	" lease_until INTEGER,"
	" last_error TEXT,"
	" created_at INTEGER NOT NULL,"
	" sent_at INTEGER,"
	" mail_id TEXT NOT NULL UNIQUE,"
	" dedup_key TEXT UNIQUE);"
	"CREATE INDEX outbox_due ON outbox (status, next_attempt_at);"
	"CREATE INDEX outbox_lease ON outbox (status, lease_until);"
	"CREATE INDEX outbox_thread ON outbox (thread_id, id);"
	"CREATE INDEX outbox_explanations ON outbox (recipient_address, created_at)"
	" WHERE kind = 'explanation';"

	"CREATE TABLE inbound_log ("
	" id INTEGER PRIMARY KEY,"
	" received_at INTEGER NOT NULL,"
	" sender TEXT NOT NULL,"
	" recipient TEXT NOT NULL,"
	" message_id TEXT,"
	" size INTEGER NOT NULL,"
	" verdict TEXT NOT NULL,"
	" thread_id INTEGER,"
	" reason TEXT);"
	"CREATE INDEX inbound_message ON inbound_log (message_id, recipient);"
	"CREATE INDEX inbound_received ON inbound_log (received_at);"

	"CREATE TABLE api_keys ("
	" id INTEGER PRIMARY KEY,"
	" name TEXT NOT NULL UNIQUE,"
	" key_sha256 TEXT NOT NULL UNIQUE CHECK (length(key_sha256) = 64),"
	" created_at INTEGER NOT NULL,"
	" revoked_at INTEGER);";

/*
 * 2: responses of the JSON API remembered under the client's
 * Idempotency-Key, per API key, so that a retried POST is answered with
 * the first response instead of being applied twice (store_idempotency_*).
 */
static const char MIGRATION_2[] =
	"CREATE TABLE idempotency_keys ("
	" id INTEGER PRIMARY KEY,"
	" api_key_id INTEGER NOT NULL REFERENCES api_keys (id),"
	" key TEXT NOT NULL CHECK (key <> ''),"
	" request_sha256 TEXT NOT NULL CHECK (length(request_sha256) = 64),"
	" status INTEGER NOT NULL CHECK (status BETWEEN 100 AND 599),"
	" body TEXT NOT NULL,"
	" created_at INTEGER NOT NULL,"
	" UNIQUE (api_key_id, key));"
	"CREATE INDEX idempotency_created ON idempotency_keys (created_at);";

/*
 * 3: a kind of email of its own, staff_contacts_bouncing (owners and admins
 * told that contacts were marked bouncing).  SQLite cannot change a CHECK
 * constraint, so the outbox is copied into a table with the new list;
 * nothing references the outbox, so the copy keeps every row and id.
 */
static const char MIGRATION_3[] =
	"CREATE TABLE outbox_v3 ("
	" id INTEGER PRIMARY KEY,"
	" kind TEXT NOT NULL CHECK (kind IN ('new_message', 'reminder', 'resend',"
	"  'staff_client_replied', 'staff_client_created', 'staff_task_done',"
	"  'staff_upload', 'staff_mention', 'fresh_link', 'explanation',"
	"  'staff_contacts_bouncing')),"
	" recipient_kind TEXT NOT NULL CHECK (recipient_kind IN ('contact', 'staff', 'address')),"
	" recipient_id INTEGER,"
	" recipient_address TEXT NOT NULL,"
	" thread_id INTEGER REFERENCES threads (id),"
	" message_id INTEGER REFERENCES messages (id),"
	" extra TEXT,"
	" status TEXT NOT NULL DEFAULT 'queued'"
	"  CHECK (status IN ('queued', 'sending', 'sent', 'failed')),"
	" attempts INTEGER NOT NULL DEFAULT 0,"
	" next_attempt_at INTEGER NOT NULL,"
	" lease_until INTEGER,"
	" last_error TEXT,"
	" created_at INTEGER NOT NULL,"
	" sent_at INTEGER,"
	" mail_id TEXT NOT NULL UNIQUE,"
	" dedup_key TEXT UNIQUE);"
	"INSERT INTO outbox_v3 SELECT * FROM outbox;"
	"DROP TABLE outbox;"
	"ALTER TABLE outbox_v3 RENAME TO outbox;"
	"CREATE INDEX outbox_due ON outbox (status, next_attempt_at);"
	"CREATE INDEX outbox_lease ON outbox (status, lease_until);"
	"CREATE INDEX outbox_thread ON outbox (thread_id, id);"
	"CREATE INDEX outbox_explanations ON outbox (recipient_address, created_at)"
	" WHERE kind = 'explanation';";

/*
 * 4: a contact can be removed (store_contact_remove): the row stays so
 * that their messages keep their author; removed_at marks it.
 */
static const char MIGRATION_4[] =
	"ALTER TABLE contacts ADD COLUMN removed_at INTEGER;";

/*
 * 5: retention, legal hold and the audit log (store/retention.h,
 * store/audit.h).
 *   - accounts.legal_hold_at: set while the account is on legal hold;
 *     retention deletes nothing of a held account.
 *   - indexes that let retention find what is old without a scan.
 *   - blob_trash: attachment contents whose rows retention deleted; the
 *     files are removed after that commit, once nothing refers to them.
 *   - audit_log: who did or saw what, append-only: triggers refuse every
 *     UPDATE and DELETE, whatever connection or program tries.
 */
static const char MIGRATION_5[] =
	"ALTER TABLE accounts ADD COLUMN legal_hold_at INTEGER;"
	"CREATE INDEX threads_archived ON threads (archived_at)"
	" WHERE archived_at IS NOT NULL;"
	"CREATE INDEX attachments_created ON attachments (created_at);"
	"CREATE INDEX outbox_created ON outbox (created_at);"
	"CREATE TABLE blob_trash ("
	" sha256 TEXT PRIMARY KEY CHECK (length(sha256) = 64),"
	" since INTEGER NOT NULL) WITHOUT ROWID;"
	"CREATE TABLE audit_log ("
	" id INTEGER PRIMARY KEY,"
	" at INTEGER NOT NULL,"
	" actor_kind TEXT NOT NULL CHECK (actor_kind IN ('staff', 'api', 'cli', 'system')),"
	" actor_id INTEGER,"
	" actor_name TEXT NOT NULL,"
	" action TEXT NOT NULL CHECK (action <> ''),"
	" account_id INTEGER,"
	" thread_id INTEGER,"
	" target TEXT,"
	" client TEXT,"
	" api_key TEXT);"
	"CREATE INDEX audit_at ON audit_log (at, id);"
	"CREATE INDEX audit_account ON audit_log (account_id, at, id);"
	"CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log"
	" BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;"
	"CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log"
	" BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;";

/*
 * 6: a record of each erasure of a person's data (store_person_erase):
 * whose and how much was changed, never what.
 */
static const char MIGRATION_6[] =
	"CREATE TABLE erasures ("
	" id INTEGER PRIMARY KEY,"
	" person_kind TEXT NOT NULL CHECK (person_kind IN ('contact', 'staff')),"
	" person_id INTEGER NOT NULL,"
	" account_id INTEGER,"
	" erased_at INTEGER NOT NULL,"
	" messages INTEGER NOT NULL,"
	" subjects INTEGER NOT NULL,"
	" notes INTEGER NOT NULL,"
	" files INTEGER NOT NULL,"
	" outbox INTEGER NOT NULL,"
	" inbound INTEGER NOT NULL,"
	" idempotency INTEGER NOT NULL);";

/*
 * 7: external references of a thread (store_thread_ref_*): a label and an
 * http(s) URL into the firm's own systems, staff only.  thread_refs_url
 * makes the API's ?ref_url= filter a search.
 */
static const char MIGRATION_7[] =
	"CREATE TABLE thread_refs ("
	" id INTEGER PRIMARY KEY,"
	" thread_id INTEGER NOT NULL REFERENCES threads (id),"
	" label TEXT NOT NULL CHECK (label <> ''),"
	" url TEXT NOT NULL CHECK (url <> ''),"
	" created_at INTEGER NOT NULL,"
	" UNIQUE (thread_id, url));"
	"CREATE INDEX thread_refs_url ON thread_refs (url, thread_id);";

/*
 * 8: signed webhooks.  Endpoints (from [webhooks] or made through the
 * API), events written in the same transaction as the change they report
 * (the body is fixed then, so every retry posts the same bytes), and one
 * delivery row per event and endpoint.  Deliveries are ordered per
 * endpoint and thread by (endpoint_id, thread_key, id); thread_key is 0
 * for events of no thread.  Thread ids carry no foreign key: a removed
 * thread does not hold up its events.  The outbox gains the kind
 * staff_webhook_disabled (owners told that an endpoint was disabled), by a
 * copy as in migration 3 (with every index of the outbox, migration 5's
 * outbox_created too).
 */
static const char MIGRATION_8[] =
	"CREATE TABLE webhook_endpoints ("
	" id INTEGER PRIMARY KEY,"
	" name TEXT NOT NULL UNIQUE CHECK (name <> ''),"
	" url TEXT NOT NULL,"
	" secret_file TEXT NOT NULL,"
	" events INTEGER NOT NULL CHECK (events > 0),"
	" source TEXT NOT NULL CHECK (source IN ('config', 'api')),"
	" enabled INTEGER NOT NULL DEFAULT 1,"
	" failing_since INTEGER,"
	" disabled_at INTEGER,"
	" disabled_reason TEXT,"
	" removed_at INTEGER,"
	" created_at INTEGER NOT NULL);"

	"CREATE TABLE webhook_events ("
	" id INTEGER PRIMARY KEY,"
	" event_id TEXT NOT NULL UNIQUE,"
	" type TEXT NOT NULL,"
	" thread_id INTEGER,"
	" body TEXT NOT NULL,"
	" created_at INTEGER NOT NULL);"

	"CREATE TABLE webhook_deliveries ("
	" id INTEGER PRIMARY KEY,"
	" event_id INTEGER NOT NULL REFERENCES webhook_events (id),"
	" endpoint_id INTEGER NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,"
	" thread_key INTEGER NOT NULL,"
	" status TEXT NOT NULL DEFAULT 'queued'"
	"  CHECK (status IN ('queued', 'sending', 'delivered')),"
	" attempts INTEGER NOT NULL DEFAULT 0,"
	" next_attempt_at INTEGER NOT NULL,"
	" lease_until INTEGER,"
	" last_error TEXT,"
	" created_at INTEGER NOT NULL,"
	" delivered_at INTEGER);"
	"CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at);"
	"CREATE INDEX webhook_deliveries_order ON webhook_deliveries"
	" (endpoint_id, thread_key, status, id);"
	"CREATE INDEX webhook_deliveries_event ON webhook_deliveries (event_id);"

	"CREATE TABLE outbox_v8 ("
	" id INTEGER PRIMARY KEY,"
	" kind TEXT NOT NULL CHECK (kind IN ('new_message', 'reminder', 'resend',"
	"  'staff_client_replied', 'staff_client_created', 'staff_task_done',"
	"  'staff_upload', 'staff_mention', 'fresh_link', 'explanation',"
	"  'staff_contacts_bouncing', 'staff_webhook_disabled')),"
	" recipient_kind TEXT NOT NULL CHECK (recipient_kind IN ('contact', 'staff', 'address')),"
	" recipient_id INTEGER,"
	" recipient_address TEXT NOT NULL,"
	" thread_id INTEGER REFERENCES threads (id),"
	" message_id INTEGER REFERENCES messages (id),"
	" extra TEXT,"
	" status TEXT NOT NULL DEFAULT 'queued'"
	"  CHECK (status IN ('queued', 'sending', 'sent', 'failed')),"
	" attempts INTEGER NOT NULL DEFAULT 0,"
	" next_attempt_at INTEGER NOT NULL,"
	" lease_until INTEGER,"
	" last_error TEXT,"
	" created_at INTEGER NOT NULL,"
	" sent_at INTEGER,"
	" mail_id TEXT NOT NULL UNIQUE,"
	" dedup_key TEXT UNIQUE);"
	"INSERT INTO outbox_v8 SELECT * FROM outbox;"
	"DROP TABLE outbox;"
	"ALTER TABLE outbox_v8 RENAME TO outbox;"
	"CREATE INDEX outbox_due ON outbox (status, next_attempt_at);"
	"CREATE INDEX outbox_lease ON outbox (status, lease_until);"
	"CREATE INDEX outbox_thread ON outbox (thread_id, id);"
	"CREATE INDEX outbox_explanations ON outbox (recipient_address, created_at)"
	" WHERE kind = 'explanation';"
	"CREATE INDEX outbox_created ON outbox (created_at);";

/*
 * 9: a contact's out-of-office reply.  away_until is the last day away
 * their automatic reply gave ("YYYY-MM-DD"), away_resume_at the time
 * their reminders wait for (the next business day after it).
 * auto_reply_notes holds one row per thread, contact (0 = a sender who is
 * no contact) and day with a staff note about an automatic reply: never
 * more than one such note a day.
 */
static const char MIGRATION_9[] =
	"ALTER TABLE contacts ADD COLUMN away_until TEXT;"
	"ALTER TABLE contacts ADD COLUMN away_resume_at INTEGER;"
	"CREATE TABLE auto_reply_notes ("
	" thread_id INTEGER NOT NULL REFERENCES threads (id),"
	" contact_id INTEGER NOT NULL,"
	" day TEXT NOT NULL CHECK (length(day) = 10),"
	" dated INTEGER NOT NULL,"
	" message_id INTEGER REFERENCES messages (id),"
	" PRIMARY KEY (thread_id, contact_id, day)) WITHOUT ROWID;";

/*
 * 10: where gatewayd's IMAP reader stands in each mailbox it reads
 * (store_imap_state_get/set): the server's UIDVALIDITY and the highest
 * UID decided, so that a restart neither skips nor re-decides a message.
 * The key names server, user and mailbox ("imaps://host:993 user INBOX").
 */
static const char MIGRATION_10[] =
	"CREATE TABLE imap_state ("
	" mailbox TEXT PRIMARY KEY,"
	" uidvalidity INTEGER NOT NULL,"
	" last_uid INTEGER NOT NULL,"
	" updated_at INTEGER NOT NULL);";

/*
 * 11: who will be emailed.  thread_followers: staff told of a client's
 * replies in a thread besides those assigned to its account (whoever
 * posts or is mentioned in a thread follows it; staff who already did
 * are made followers here).  contacts.notify_off_by says who turned a
 * contact's emails off ('unsubscribe': their one-click link; 'staff';
 * 'contact': on their home page), notify_changed_at when.
 */
static const char MIGRATION_11[] =
	"CREATE TABLE thread_followers ("
	" thread_id INTEGER NOT NULL REFERENCES threads (id),"
	" staff_id INTEGER NOT NULL REFERENCES staff (id),"
	" since INTEGER NOT NULL,"
	" PRIMARY KEY (thread_id, staff_id)) WITHOUT ROWID;"
	"CREATE INDEX thread_followers_staff ON thread_followers (staff_id, thread_id);"
	"INSERT OR IGNORE INTO thread_followers (thread_id, staff_id, since)"
	" SELECT thread_id, author_id, min(created_at) FROM messages"
	" WHERE author_kind = 'staff' AND author_id IN (SELECT id FROM staff)"
	" GROUP BY thread_id, author_id;"
	"INSERT OR IGNORE INTO thread_followers (thread_id, staff_id, since)"
	" SELECT g.thread_id, m.staff_id, min(g.created_at) FROM mentions m"
	" JOIN messages g ON g.id = m.message_id GROUP BY g.thread_id, m.staff_id;"
	"ALTER TABLE contacts ADD COLUMN notify_off_by TEXT"
	" CHECK (notify_off_by IN ('unsubscribe', 'staff', 'contact'));"
	"ALTER TABLE contacts ADD COLUMN notify_changed_at INTEGER;";

/*
 * 12: sign-in by email and sessions as rows.
 * signin_links holds one row per "email me a sign-in link": the address
 * asked for, a random salt that the link's signed token must name, its
 * expiry, and when it was used (single use) and the identity chosen
 * after it (picked_at: an address of several people).  signin_rate holds
 * one row per request per key ("a:ADDRESS", "i:CLIENT ADDRESS") for the
 * last hour, so that the limits hold across threads and restarts.
 * sessions holds one row per signed-in browser: the cookie names its id;
 * a row deleted is a session ended.  The outbox is copied as in
 * migration 8 to add the kind signin_link.
 */
static const char MIGRATION_12[] =
	"CREATE TABLE signin_links ("
	" id INTEGER PRIMARY KEY,"
	" email TEXT NOT NULL COLLATE NOCASE,"
	" salt INTEGER NOT NULL,"
	" identities INTEGER NOT NULL,"
	" created_at INTEGER NOT NULL,"
	" expires_at INTEGER NOT NULL,"
	" used_at INTEGER,"
	" picked_at INTEGER);"
	"CREATE INDEX signin_links_created ON signin_links (created_at);"

	"CREATE TABLE signin_rate ("
	" key TEXT NOT NULL,"
	" at INTEGER NOT NULL);"
	"CREATE INDEX signin_rate_key ON signin_rate (key, at);"
	"CREATE INDEX signin_rate_at ON signin_rate (at);"

	"CREATE TABLE sessions ("
	" id INTEGER PRIMARY KEY,"
	" principal_kind TEXT NOT NULL CHECK (principal_kind IN ('staff', 'contact')),"
	" principal_id INTEGER NOT NULL,"
	" user_agent TEXT NOT NULL DEFAULT '',"
	" created_at INTEGER NOT NULL,"
	" last_seen_at INTEGER NOT NULL,"
	" expires_at INTEGER NOT NULL);"
	"CREATE INDEX sessions_principal ON sessions (principal_kind, principal_id);"
	"CREATE INDEX sessions_created ON sessions (created_at);"

	"CREATE TABLE outbox_v12 ("
	" id INTEGER PRIMARY KEY,"
	" kind TEXT NOT NULL CHECK (kind IN ('new_message', 'reminder', 'resend',"
	"  'staff_client_replied', 'staff_client_created', 'staff_task_done',"
	"  'staff_upload', 'staff_mention', 'fresh_link', 'explanation',"
	"  'staff_contacts_bouncing', 'staff_webhook_disabled', 'signin_link')),"
	" recipient_kind TEXT NOT NULL CHECK (recipient_kind IN ('contact', 'staff', 'address')),"
	" recipient_id INTEGER,"
	" recipient_address TEXT NOT NULL,"
	" thread_id INTEGER REFERENCES threads (id),"
	" message_id INTEGER REFERENCES messages (id),"
	" extra TEXT,"
	" status TEXT NOT NULL DEFAULT 'queued'"
	"  CHECK (status IN ('queued', 'sending', 'sent', 'failed')),"
	" attempts INTEGER NOT NULL DEFAULT 0,"
	" next_attempt_at INTEGER NOT NULL,"
	" lease_until INTEGER,"
	" last_error TEXT,"
	" created_at INTEGER NOT NULL,"
	" sent_at INTEGER,"
	" mail_id TEXT NOT NULL UNIQUE,"
	" dedup_key TEXT UNIQUE);"
	"INSERT INTO outbox_v12 SELECT * FROM outbox;"
	"DROP TABLE outbox;"
	"ALTER TABLE outbox_v12 RENAME TO outbox;"
	"CREATE INDEX outbox_due ON outbox (status, next_attempt_at);"
	"CREATE INDEX outbox_lease ON outbox (status, lease_until);"
	"CREATE INDEX outbox_thread ON outbox (thread_id, id);"
	"CREATE INDEX outbox_explanations ON outbox (recipient_address, created_at)"
	" WHERE kind = 'explanation';"
	"CREATE INDEX outbox_created ON outbox (created_at);";

/*
 * Migration 13: documents.  attachments.folder is the folder path a file
 * came with (from a zip that was unpacked or a folder that was uploaded:
 * "" for none, else "a/b", validated like a path in a zip), and
 * attachments.zip_note why a zip was kept as it is instead of unpacked
 * ("encrypted", "damaged", "empty"; NULL for none).  The index lists a
 * thread's documents by folder.
 */
static const char MIGRATION_13[] =
	"ALTER TABLE attachments ADD COLUMN folder TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE attachments ADD COLUMN zip_note TEXT"
	" CHECK (zip_note IN ('encrypted', 'damaged', 'empty'));"
	"CREATE INDEX attachments_folder ON attachments (thread_id, folder, file_name);";

/*
 * Migration 14: staff search.  Four FTS5 indexes over the text staff look for:
 * message bodies, thread subjects, account names and contact names.
 * Each is external-content (the text stays in its own table, the index
 * holds only terms) and kept in step by triggers, so every path that
 * writes, rewrites (person erase) or deletes (retention) those rows
 * updates the index in the same transaction; store/search.c merges the
 * index after an erase or a retention run so that no old term stays in
 * its pages.  search_purge holds one row while deleted terms may still
 * sit in the index.  threads_activity serves the staff's lists, newest
 * first.  A later migration that rebuilds one of the four tables must
 * create its triggers again.
 */
#define SEARCH_FTS(name, col, table)                                              \
	"CREATE VIRTUAL TABLE " name " USING fts5 (" col ", content='" table "',"   \
	" content_rowid='id', tokenize='unicode61 remove_diacritics 2',"            \
	" prefix='2 3');"                                                           \
	"CREATE TRIGGER " name "_ai AFTER INSERT ON " table " BEGIN"                \
	" INSERT INTO " name " (rowid, " col ") VALUES (new.id, new." col ");"      \
	" END;"                                                                     \
	"CREATE TRIGGER " name "_ad AFTER DELETE ON " table " BEGIN"                \
	" INSERT INTO " name " (" name ", rowid, " col ")"                          \
	"  VALUES ('delete', old.id, old." col ");"                                 \
	" INSERT OR IGNORE INTO search_purge (id) VALUES (1);"                      \
	" END;"                                                                     \
	"CREATE TRIGGER " name "_au AFTER UPDATE OF " col " ON " table             \
	" WHEN old." col " IS NOT new." col " BEGIN"                                \
	" INSERT INTO " name " (" name ", rowid, " col ")"                          \
	"  VALUES ('delete', old.id, old." col ");"                                 \
	" INSERT INTO " name " (rowid, " col ") VALUES (new.id, new." col ");"      \
	" INSERT OR IGNORE INTO search_purge (id) VALUES (1);"                      \
	" END;"                                                                     \
	"INSERT INTO " name " (" name ") VALUES ('rebuild');"

static const char MIGRATION_14[] =
	"CREATE TABLE search_purge (id INTEGER PRIMARY KEY CHECK (id = 1));"
	SEARCH_FTS("messages_fts", "body", "messages")
	SEARCH_FTS("threads_fts", "subject", "threads")
	SEARCH_FTS("accounts_fts", "name", "accounts")
	SEARCH_FTS("contacts_fts", "name", "contacts")
	"CREATE INDEX threads_activity ON threads (last_message_at, id);";

/*
 * Migration 15: the staff inbox and the "view all accounts" right.
 * staff.view_all lets a member see every account, as owners and admins
 * do, without their other powers (store_int.h, STORE_SQL_STAFF_SEES).
 * inbox_items holds one row per event and staff member concerned, written
 * in the event's transaction whether or not an email goes out: kind says
 * what happened, account (the thread's or the contact's: accounts never
 * change, and the count on every staff page is then read from the index
 * alone), thread/message/contact where (a bouncing address has no thread), object_id the task or attachment, detail a short word ("done",
 * "undone"), read_at when it was opened or marked read.  Retention and
 * person erase delete the rows with what they point at.
 */
static const char MIGRATION_15[] =
	"ALTER TABLE staff ADD COLUMN view_all INTEGER NOT NULL DEFAULT 0;"
	"CREATE TABLE inbox_items ("
	" id INTEGER PRIMARY KEY,"
	" staff_id INTEGER NOT NULL REFERENCES staff (id) ON DELETE CASCADE,"
	" kind TEXT NOT NULL CHECK (kind IN ('reply', 'chat', 'task', 'upload', 'mention',"
	"  'email_reply', 'bouncing')),"
	" account_id INTEGER REFERENCES accounts (id),"
	" thread_id INTEGER REFERENCES threads (id),"
	" message_id INTEGER REFERENCES messages (id),"
	" contact_id INTEGER REFERENCES contacts (id),"
	" actor_kind TEXT CHECK (actor_kind IN ('contact', 'staff', 'system')),"
	" actor_id INTEGER,"
	" object_id INTEGER,"
	" detail TEXT,"
	" created_at INTEGER NOT NULL,"
	" read_at INTEGER);"
	"CREATE INDEX inbox_items_staff ON inbox_items (staff_id, id);"
	/* read_at too, although always NULL here: SQLite 3.40 reads the row
	   for a column of the WHERE unless the index holds it */
	"CREATE INDEX inbox_items_unread ON inbox_items (staff_id, account_id, read_at)"
	" WHERE read_at IS NULL;"
	"CREATE INDEX inbox_items_thread ON inbox_items (thread_id);"
	"CREATE INDEX inbox_items_message ON inbox_items (message_id);"
	"CREATE INDEX inbox_items_contact ON inbox_items (contact_id);";

/*
 * Migration 16: shortcodes per reader and tasks in templates.  A message
 * whose text holds contact-level shortcodes ([CONTACT_FIRST_NAME], ...)
 * keeps them and is marked per_reader: each contact reads their own name,
 * staff read the placeholder.  A template may carry the client's tasks,
 * one a line.
 */
static const char MIGRATION_16[] =
	"ALTER TABLE messages ADD COLUMN per_reader INTEGER NOT NULL DEFAULT 0"
	" CHECK (per_reader IN (0, 1));"
	"ALTER TABLE templates ADD COLUMN tasks TEXT NOT NULL DEFAULT '';";

/*
 * Migration 17: threads.tasks_rev counts the changes of a thread's
 * checklist (a task added, edited, moved or removed), so that an open page
 * learns of an edit that leaves the number of tasks as it was.
 */
static const char MIGRATION_17[] =
	"ALTER TABLE threads ADD COLUMN tasks_rev INTEGER NOT NULL DEFAULT 0;";

/*
 * Migration 18: notifications batched per recipient and thread.  A batch is an outbox
 * row whose first attempt waits until the window closes (outbox_batches:
 * which recipient and thread, and when the window closes); what happened
 * in the window is its items (outbox_items), which a read mark or a live
 * view cancels before the row is claimed.  No column refers to the
 * outbox with REFERENCES: migrations copy the outbox table, and a foreign
 * key would make dropping the old copy delete these rows.
 */
static const char MIGRATION_18[] =
	"CREATE TABLE outbox_batches ("
	" outbox_id INTEGER PRIMARY KEY,"
	" thread_id INTEGER NOT NULL REFERENCES threads (id),"
	" recipient_kind TEXT NOT NULL CHECK (recipient_kind IN ('contact', 'staff')),"
	" recipient_id INTEGER NOT NULL,"
	" closes_at INTEGER NOT NULL);"
	"CREATE INDEX outbox_batches_open ON outbox_batches"
	" (thread_id, recipient_kind, recipient_id, closes_at);"
	"CREATE TABLE outbox_items ("
	" id INTEGER PRIMARY KEY,"
	" outbox_id INTEGER NOT NULL,"
	" kind TEXT NOT NULL,"
	" message_id INTEGER,"
	" extra TEXT,"
	" undone INTEGER NOT NULL DEFAULT 0,"
	" actor_kind TEXT CHECK (actor_kind IN ('staff', 'contact')),"
	" actor_id INTEGER,"
	" created_at INTEGER NOT NULL,"
	" dedup_key TEXT UNIQUE);"
	"CREATE INDEX outbox_items_outbox ON outbox_items (outbox_id, id);";

/*
 * Migration 19: each reader's language and time zone.  NULL is the
 * firm's ([firm] language and timezone).  A system note keeps its English
 * text in body and, for the notes written from now on, its kind and
 * arguments, so that it is said again in each reader's language
 * (store/notes.c); older notes keep showing their text.
 */
static const char MIGRATION_19[] =
	"ALTER TABLE contacts ADD COLUMN language TEXT;"
	"ALTER TABLE contacts ADD COLUMN timezone TEXT;"
	"ALTER TABLE staff ADD COLUMN language TEXT;"
	"ALTER TABLE staff ADD COLUMN timezone TEXT;"
	"ALTER TABLE messages ADD COLUMN note_kind TEXT;"
	"ALTER TABLE messages ADD COLUMN note_args TEXT;";

/*
 * Migration 20: content files are looked up by their hash (is a file still
 * referenced? gatewayctl doctor and gc, retention, erasure) without a scan
 * of every attachment row.
 */
static const char MIGRATION_20[] =
	"CREATE INDEX attachments_sha256 ON attachments (sha256);";

static const char *const migrations[] = {
	MIGRATION_1,
	MIGRATION_2,
	MIGRATION_3,
	MIGRATION_4,
	MIGRATION_5,
	MIGRATION_6,
	MIGRATION_7,
	MIGRATION_8,
	MIGRATION_9,
	MIGRATION_10,
	MIGRATION_11,
	MIGRATION_12,
	MIGRATION_13,
	MIGRATION_14,
	MIGRATION_15,
	MIGRATION_16,
	MIGRATION_17,
	MIGRATION_18,
	MIGRATION_19,
	MIGRATION_20,
};

_Static_assert(GW_ARRAY_SIZE(migrations) == STORE_SCHEMA_VERSION,
	       "STORE_SCHEMA_VERSION must equal the number of migrations");

static const char SQL_USER_VERSION[] = "PRAGMA user_version";

static enum gw_result read_version(struct store *s, int64_t *v_r, char **error_r)
{
	int rc = store_db_int(s, SQL_USER_VERSION, v_r, "");
	if (rc != SQLITE_ROW)
		return store_db_fail(s, error_r, "%s: read schema version", s->path);
	return GW_OK;
}

enum gw_result store_schema_migrate(struct store *s, char **error_r)
{
	int64_t v;
	enum gw_result r = read_version(s, &v, error_r);
	if (r != GW_OK)
		return r;
	if (v == STORE_SCHEMA_VERSION)
		return GW_OK;
	if (v > STORE_SCHEMA_VERSION || v < 0)
		return store_fail(error_r, GW_PERMFAIL,
				  "%s: schema version %lld is newer than this program's (%d)",
				  s->path, (long long)v, STORE_SCHEMA_VERSION);

	r = store_tx_begin(s, 1, error_r);
	if (r != GW_OK)
		return r;
	r = read_version(s, &v, error_r);
	for (; r == GW_OK && v < STORE_SCHEMA_VERSION; v++) {
		/* Migration scripts hold several statements: exec, not prepare. */
		char *msg = NULL;
		int rc = sqlite3_exec(s->db, migrations[v], NULL, NULL, &msg);
		if (rc != SQLITE_OK) {
			store_db_record(s, sqlite3_extended_errcode(s->db));
			r = store_fail(error_r, store_db_result(rc), "%s: migration %lld: %s", s->path,
				       (long long)v + 1, msg != NULL ? msg : sqlite3_errstr(rc));
			sqlite3_free(msg);
			break;
		}
		/* PRAGMA takes no parameters; the version is our own integer. */
		char pragma[64];
		snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %lld", (long long)v + 1);
		rc = sqlite3_exec(s->db, pragma, NULL, NULL, NULL);
		if (rc != SQLITE_OK) {
			store_db_record(s, rc);
			r = store_db_fail(s, error_r, "%s: set schema version", s->path);
		}
	}
	return store_tx_end(s, r, error_r);
}
