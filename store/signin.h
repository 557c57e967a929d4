/*
 * signin.h - sign-in by email without a link in hand, and web sessions as
 * rows.
 *
 * Sign-in links.  Someone types an address on the sign-in page:
 * store_signin_request() does the same work whoever the address belongs
 * to (the limits, the look-up of the people with that address, a
 * signin_links row with a random salt, an outbox row of kind
 * signin_link), so that neither the answer nor its timing tells a
 * stranger whether the address is known.  For an address of nobody the
 * outbox row is written already failed ("no one signs in with this
 * address"): nothing is sent, and the postmaster can see what was asked.
 * The email's link is a signed token naming the row's id, salt and expiry
 * (the relay signs it from the row's extra); store_signin_check() finds
 * the row and, when asked to, uses it up: a link works once, for
 * STORE_SIGNIN_TTL seconds.  An address of several people (a staff member
 * who is also a contact, a contact of several accounts) picks one after
 * the link was used, within STORE_SIGNIN_PICK_TTL: store_signin_pick().
 *
 * Limits: at most STORE_SIGNIN_PER_ADDRESS requests per address and
 * STORE_SIGNIN_PER_CLIENT per client IP address in STORE_SIGNIN_WINDOW
 * seconds, counted in the store (signin_rate), so that they hold across
 * the daemon's threads and processes.
 *
 * Sessions.  A row per signed-in browser: the cookie names its id (in a
 * signed token), a row deleted is a session ended.  last_seen_at is
 * written at most once a minute, by a job of the writer lane (web-lite),
 * never by the page's own read transaction.  Retention's `sessions`
 * period deletes the rows of sessions started longer ago (no session
 * lives longer: [web] session_ttl is capped by it); it also deletes
 * sign-in links a day old and request counts past their window, whatever
 * the periods (store/retention.h).
 */
#ifndef GW_STORE_SIGNIN_H
#define GW_STORE_SIGNIN_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

#define STORE_SIGNIN_TTL 1800
#define STORE_SIGNIN_PICK_TTL 600
#define STORE_SIGNIN_WINDOW 3600
#define STORE_SIGNIN_PER_ADDRESS 5
#define STORE_SIGNIN_PER_CLIENT 20
#define STORE_SESSION_AGENT_MAX 200

/* A person an address signs in as. */
struct store_identity {
	enum store_kind kind;      /* STORE_STAFF or STORE_CONTACT */
	int64_t id;
	char *name;
	char *account_name;        /* contacts: their account; staff: NULL */
};
struct store_identity_list {
	struct store_identity *items;
	size_t count;
};
void store_identity_list_free(struct store_identity_list *list);

enum store_signin_outcome {
	STORE_SIGNIN_QUEUED = 1,   /* an email is on its way */
	STORE_SIGNIN_NOBODY,       /* nobody has the address: a failed row */
	STORE_SIGNIN_LIMITED,      /* over a limit: nothing written */
};

/*
 * The sign-in page's request for email (already checked for form by the
 * caller) from client (an IP address).  Writes as said above, in one
 * transaction; *outcome_r says which it was (for the log, never for the
 * page).  GW_INVALID for an empty email or client.
 */
enum gw_result store_signin_request(struct store *store, const char *email,
				    const char *client, int64_t now,
				    enum store_signin_outcome *outcome_r, char **error_r);

enum store_signin_verdict {
	STORE_SIGNIN_OK = 0,
	STORE_SIGNIN_UNKNOWN,      /* no such row, or the salt is wrong */
	STORE_SIGNIN_EXPIRED,
	STORE_SIGNIN_USED,         /* used already (or, for a pick: picked) */
};

/*
 * Look at sign-in link (id, salt) at now: *verdict_r, and when OK the
 * people its address signs in as today (may be none: removed since).
 * consume: use the link up (used_at = now; with one person, that person
 * is picked too).  A write when consume is set.
 */
enum gw_result store_signin_check(struct store *store, int64_t id, uint32_t salt,
				  int64_t now, int consume,
				  enum store_signin_verdict *verdict_r,
				  struct store_identity_list *ids_r, char **error_r);

/*
 * After a used link of an address of several people: pick (kind,
 * person) once, within STORE_SIGNIN_PICK_TTL of its use.  UNKNOWN as well
 * for a person the address does not belong to, USED when picked already,
 * EXPIRED past the time.
 */
enum gw_result store_signin_pick(struct store *store, int64_t id, uint32_t salt,
				 int64_t now, enum store_kind kind, int64_t person,
				 enum store_signin_verdict *verdict_r, char **error_r);

struct store_session {
	int64_t id;
	enum store_kind kind;
	int64_t person;
	char *user_agent;          /* "" when none was sent */
	int64_t created_at;
	int64_t last_seen_at;
	int64_t expires_at;
};
struct store_session_list {
	struct store_session *items;
	size_t count;
};
void store_session_clear(struct store_session *session);
void store_session_list_free(struct store_session_list *list);

/* A new session of (kind, person); user_agent cut to
 * STORE_SESSION_AGENT_MAX bytes (NULL: ""). */
enum gw_result store_session_create(struct store *store, enum store_kind kind,
				    int64_t person, const char *user_agent, int64_t now,
				    int64_t expires_at, int64_t *id_r, char **error_r);
/* GW_NOTFOUND when there is no such row. */
enum gw_result store_session_get(struct store *store, int64_t id,
				 struct store_session *session_r, char **error_r);
enum gw_result store_session_touch(struct store *store, int64_t id, int64_t now,
				   char **error_r);
/* The person's sessions not past their expiry, the most recently seen
 * first. */
enum gw_result store_session_list(struct store *store, enum store_kind kind,
				  int64_t person, int64_t now,
				  struct store_session_list *list_r, char **error_r);
/* End session id of the person, or all of them (id 0); *n_r (may be NULL)
 * how many ended. */
enum gw_result store_session_end(struct store *store, enum store_kind kind,
				 int64_t person, int64_t id, int64_t *n_r, char **error_r);

#endif
