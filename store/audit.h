/*
 * audit.h - the audit log: who among the firm's staff (or its API keys, or
 * gatewayctl) saw or changed what, when, and from where.
 *
 * Append-only.  The table has triggers that refuse every UPDATE and
 * DELETE, so no code path (nor sqlite3(1) without dropping them first)
 * can rewrite history; nothing here updates or deletes, and retention
 * leaves the audit log alone.
 *
 * What a row never holds: message bodies, file contents, note texts,
 * tokens, keys or passwords.  `target` names WHAT was touched by kind and
 * id ("message 12", "task 3", "attachment 7", "key 2"); `client` is the
 * client's address (or "local" for gatewayctl); `api_key` is the NAME of
 * the API key, never the key.  store_audit_append() refuses a target or
 * client that is not one short line.
 *
 * Writes and views.  An action that writes (post, archive, ...) appends
 * its row with store_audit_append() inside the same transaction as the
 * change (a request's transaction in the web view and the API), so the
 * row exists exactly when the change does.  A view is answered by a read
 * job, which may not write: it hands its row to the store pool instead
 * (store_pool_audit_defer(), pool.h), whose writer lane appends what was
 * handed over at most a second later in one transaction.
 */
#ifndef GW_STORE_AUDIT_H
#define GW_STORE_AUDIT_H

#include <stddef.h>
#include <stdint.h>

#include "gw.h"

struct store;

enum store_audit_actor {
	STORE_AUDIT_STAFF = 1,   /* a staff member in the web view (actor_id) */
	STORE_AUDIT_API = 2,     /* an API key (actor_id = the key's id) */
	STORE_AUDIT_CLI = 3,     /* gatewayctl (actor_name = the Unix user) */
	STORE_AUDIT_SYSTEM = 4,  /* the daemon itself */
};

/*
 * Actions, as stored ("view", "post", ...).  The list is a table in
 * audit.c; store_audit_action_known() says whether a name is in it.
 *   view           a thread page, attachment or thread record was read
 *   post           a message to the client (or a new chat)
 *   note           an internal note (staff only)
 *   archive, reopen, resend
 *   reminders      reminder settings changed
 *   task           a task added, edited, moved, removed, ticked or unticked
 *   contact        a contact changed (address, removal, bounce mark)
 *   account        an account or staff record changed (API, gatewayctl)
 *   hold           legal hold set or lifted
 *   export, erase  a person's data exported or erased
 *   key_rotation   signing keys rotated or a key retired
 *   api_key        an API key created or revoked, or a request made with one
 *   audit          the audit log itself was read
 *   view_as        a thread was shown to staff as one of its contacts sees
 *                  it (target "contact ID"); nothing is recorded as theirs
 */
int store_audit_action_known(const char *action);
const char *store_audit_actor_name(enum store_audit_actor a);

/* One entry as the caller gives it (strings copied). */
struct store_audit_in {
	int64_t at;                     /* 0 = clock_now() */
	enum store_audit_actor actor;
	int64_t actor_id;               /* staff id, API key id; 0 = none */
	const char *actor_name;         /* staff name, key name, Unix user */
	const char *action;             /* a known action (above) */
	int64_t account_id;             /* 0: the thread's account, if any */
	int64_t thread_id;              /* 0 = none */
	const char *target;             /* "message 12", NULL = none */
	const char *client;             /* client address, "local", NULL */
	const char *api_key;            /* API key name, NULL */
};

/*
 * Append one entry (a savepoint inside a request's transaction, else its
 * own transaction).  GW_INVALID for an unknown action, a missing actor
 * name, or a target/client/name with control characters or over 200
 * bytes; *id_r may be NULL.  An entry's account is the thread's account
 * when account_id is 0.
 */
enum gw_result store_audit_append(struct store *store, const struct store_audit_in *in,
				  int64_t *id_r, char **error_r);
/* Several entries in one transaction (the pool's deferred views). */
enum gw_result store_audit_append_many(struct store *store,
				       const struct store_audit_in *in, size_t n,
				       char **error_r);

struct store_audit {
	int64_t id;
	int64_t at;
	enum store_audit_actor actor;
	int64_t actor_id;
	char *actor_name;
	char *action;
	int64_t account_id;
	int64_t thread_id;
	char *target;                   /* NULL = none */
	char *client;                   /* NULL = none */
	char *api_key;                  /* NULL = none */
};
struct store_audit_list {
	struct store_audit *items;
	size_t count;
	int more;                       /* entries older than the last remain */
};
struct store_audit_filter {
	int64_t account_id;             /* 0 = any */
	int64_t since;                  /* at >= since; 0 = any */
	int64_t before_id;              /* id < before_id (the next page); 0 = newest */
	int limit;                      /* 1..1000; 0 = 100 */
};
/* Newest first. */
enum gw_result store_audit_list(struct store *store, const struct store_audit_filter *f,
				struct store_audit_list *list_r, char **error_r);
void store_audit_list_free(struct store_audit_list *list);

/* A copy of in whose strings are malloc'd (for queues); free with
 * store_audit_in_free(). */
void store_audit_in_copy(struct store_audit_in *dst, const struct store_audit_in *src);
void store_audit_in_free(struct store_audit_in *in);

#endif
