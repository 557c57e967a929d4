/*
 * inbox.h - the staff inbox: what concerns one staff member, one item per
 * event (a client replied or started a chat, a task changed, a file came,
 * someone mentioned them, a client answered an email, an address
 * bounces), each with its read state and the place in the thread.
 *
 * Who gets an item is who is told of the event (store.h, "Who gets
 * notified"): the staff assigned to the account (owners and admins when
 * nobody is), the thread's followers, the colleague mentioned; owners and
 * admins for a bouncing address.  Items are written in the event's own
 * transaction, whether or not an email goes out (a staff member with
 * emails off still gets them), and never to whoever caused the event.
 *
 * A listing shows only items of threads and contacts the staff member
 * still sees (STORE_SQL_STAFF_SEES): being unassigned hides them.
 * Retention and person erase delete items with their threads and people.
 */
#ifndef GW_STORE_INBOX_H
#define GW_STORE_INBOX_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

enum store_inbox_kind {
	STORE_INBOX_REPLY = 1,       /* a contact posted in a thread */
	STORE_INBOX_CHAT = 2,        /* a contact started a chat */
	STORE_INBOX_TASK = 3,        /* a contact ticked or unticked a task */
	STORE_INBOX_UPLOAD = 4,      /* a contact uploaded a file */
	STORE_INBOX_MENTION = 5,     /* @Name in a message or internal note */
	STORE_INBOX_EMAIL_REPLY = 6, /* a contact answered an email (explained) */
	STORE_INBOX_BOUNCING = 7,    /* mail to a contact's address bounces */
};
const char *store_inbox_kind_name(enum store_inbox_kind k);
int store_inbox_kind_parse(const char *s, enum store_inbox_kind *k_r);

struct store_inbox_item {
	int64_t id;
	enum store_inbox_kind kind;
	int64_t thread_id;         /* 0: none (bouncing) */
	char *subject;             /* the thread's, "" when none */
	int64_t account_id;
	char *account_name;
	int64_t message_id;        /* 0: none */
	int64_t contact_id;        /* 0: none */
	enum store_kind actor_kind; /* 0: nobody (the system) */
	int64_t actor_id;
	char *actor_name;          /* "" when nobody */
	int64_t object_id;         /* task or attachment id, 0 */
	char *detail;              /* "done"/"undone" for tasks, "" */
	int64_t created_at;
	int64_t read_at;           /* 0: unread */
};
struct store_inbox_list {
	struct store_inbox_item *items;
	size_t count;
	int64_t unread;            /* unread items in all (not only listed) */
};

#define STORE_INBOX_LIMIT_DEFAULT 50
#define STORE_INBOX_LIMIT_MAX 500

/*
 * Staff member staff_id's items, newest first: only unread ones when
 * unread_only, at most limit (0 = default, over the maximum is
 * GW_INVALID), with id < before (0 = from the newest).
 */
enum gw_result store_inbox_list(struct store *store, int64_t staff_id, int unread_only,
				int limit, int64_t before, struct store_inbox_list *list_r,
				char **error_r);
/* Unread items and the newest item's id (the live count's signature). */
enum gw_result store_inbox_unread(struct store *store, int64_t staff_id, int64_t *unread_r,
				  int64_t *last_id_r, char **error_r);
/*
 * Open item_id of staff_id: mark it read and return it (for its link).
 * GW_NOTFOUND when it is not theirs, does not exist, or concerns a thread
 * they no longer see: the same answer for all three.
 */
enum gw_result store_inbox_open(struct store *store, int64_t staff_id, int64_t item_id,
				struct store_inbox_item *item_r, char **error_r);
/*
 * Mark read: the n ids given (ids of others or unknown are GW_NOTFOUND
 * naming the first, and nothing is marked), or all of staff_id's items
 * when ids is NULL.  *marked_r (may be NULL): items that were unread.
 */
enum gw_result store_inbox_mark_read(struct store *store, int64_t staff_id,
				     const int64_t *ids, size_t n, int64_t *marked_r,
				     char **error_r);
/* Where the item leads in the web view: "/t/12#m34", "/#bounces"
 * (malloc'd). */
char *store_inbox_item_path(const struct store_inbox_item *item);
void store_inbox_item_clear(struct store_inbox_item *item);
void store_inbox_list_free(struct store_inbox_list *list);

#endif
