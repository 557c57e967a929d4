/*
 * relay.h - turn outbox rows into delivered email, and run the reminder
 * timer, for gatewayd (threads) and `gatewayctl tick` (once, synchronously).
 *
 * One delivery, the same code in both modes:
 *   claim  store_outbox_claim(): due rows become "sending" under a lease
 *   fill   store_compose_get() + relay_letter_fill(): signed View and
 *          unsubscribe links, per-recipient Reply-To and VERP sender
 *   render compose_render()
 *   send   transport_send()
 *   mark   GW_OK -> sent, in a commit of its own before the next send
 *          (see "Durability"); GW_PERMFAIL ->
 *          failed at once; GW_TEMPFAIL -> deferred with backoff
 *          (relay_decide), or failed once the row is older than [mail]
 *          max_lifetime.  A row that cannot be composed (thread gone, bad
 *          address) fails with the reason.
 * and one log line per delivery:
 *   relay: outbox 1842 to a@b.example: sent (127.0.0.1:25 said: 250 2.0.0 Ok ...)
 *   relay: outbox 1842 to a@b.example: 127.0.0.1:25 said: 421 ..., retry in 60s
 *   relay: outbox 1842 to a@b.example: failed: 127.0.0.1:25 said: 550 ...
 *
 * Threads (relay_open).  [mail] concurrency worker threads, each with its
 * own store connection for reading and its own transport (an SMTP
 * connection reused from one mail to the next), plus one scheduler thread
 * with its own connection.  The workers write through one more connection
 * they share (relay_int.h, struct relay_writer); all the relay's writes
 * take turns on the store pool's writer lane with every other writer of
 * the process (relay_open).  None of them
 * touches the event loop: the loop only calls
 * relay_wake() and relay_stats(), which take a mutex for a few
 * instructions and never wait for I/O.
 *   - A worker claims a few due rows, delivers them one by one, and claims
 *     again; when nothing is due it sleeps on a condition variable until
 *     the next due time (store_outbox_next_due), the poll interval ([mail]
 *     poll_interval_ms: rows queued by gatewayctl or gatewayd-pipe), or
 *     relay_wake().
 *   - The scheduler runs store_reminders_run() when the earliest due time
 *     from store_reminders_next_due() has come, re-reads that time after
 *     every poll and wake (a web post may have created a schedule), wakes
 *     the workers when it queued reminders, and keeps the queue counts
 *     that relay_stats() reports.
 *
 * Durability.  Workers open their connections with synchronous=NORMAL
 * whatever [store] synchronous says: their commits (claim, sent, deferred,
 * failed) only move rows that already exist, and losing the last of them
 * to a power cut means those mails go out again with the SAME Message-ID
 * after the lease, which the design accepts (a crash re-sends at most,
 * never loses).  What creates mail (the scheduler, the web view, the CLI)
 * keeps [store] synchronous.
 *
 * A row is marked sent right after the server's 250 to its DATA, in a
 * commit of its own, before the worker sends anything else.  With
 * synchronous=NORMAL that commit waits for no disk: it is in the WAL (the
 * kernel's page cache) when it returns, so it survives the process dying;
 * only a power cut can lose it.  So a kill -9 leaves each worker at most
 * one mail that the server may have accepted while its row is still
 * "sending": the one in flight, whose 250 had not come back yet or whose
 * mark had not committed yet.  It goes out again after its lease with the same Message-ID; no
 * mail is ever lost.  (Marks used to be batched, up to 32 a commit, which
 * re-sent about ten mails per kill.)
 *
 * Leases.  A worker gives the rest of its batch back (store_outbox_release)
 * once the batch has taken a quarter of [mail] lease, so that behind a
 * slow server rows do not wait that other workers could send.  And a claimed row is never sent
 * when less than min(half the lease, six SMTP timeouts) of its lease is
 * left: it is left alone and goes out after the lease expires, rather than
 * twice.
 *
 * Shutdown (relay_close).  Workers stop claiming, finish the send in
 * flight (bounded by [mail] timeout per SMTP step), give rows claimed but
 * not started back with store_outbox_release(), and close.  No row is left
 * "sending" (unless the database refused the release: then the lease).
 */
#ifndef GW_RELAY_H
#define GW_RELAY_H

#include <stdint.h>

#include "compose.h"
#include "config.h"
#include "gw.h"
#include "links.h"
#include "store.h"
#include "transport.h"

/*
 * Rows claimed at a time: RELAY_BATCH by relay_run_once and by a worker
 * whose last claim found fewer than it asked for; a worker whose claim
 * came back full doubles its next one, up to RELAY_BATCH_MAX (a deep
 * queue then costs fewer claim transactions).
 */
#define RELAY_BATCH 4
#define RELAY_BATCH_MAX 32

/* ------------------------------------------------------------------------
 * Retry arithmetic (pure: no clock, no store)
 */

/*
 * Delay before the next attempt after ATTEMPTS failed ones (attempts >= 1;
 * less counts as 1): retry_min doubled attempts-1 times, at most
 * retry_max, plus a jitter of JITTER modulo (delay / 10 + 1) seconds so
 * that rows deferred together do not come back together.
 */
int64_t relay_backoff(const struct cfg_mail *mail, int attempts, uint32_t jitter);

enum relay_outcome {
	RELAY_SENT = 1,
	RELAY_DEFERRED,
	RELAY_FAILED,
};

/* "sent", "deferred", "failed". */
const char *relay_outcome_name(enum relay_outcome outcome);

/*
 * What to do with a row after a send returned RESULT (GW_OK, GW_TEMPFAIL,
 * anything else is a permanent failure).  A temporary failure of a row
 * created at CREATED_AT fails for good when now - created_at >=
 * max_lifetime; otherwise *next_attempt_r gets now + relay_backoff(),
 * but never later than created_at + max_lifetime, so that the last try
 * happens at the end of the lifetime.  *next_attempt_r is 0 unless
 * RELAY_DEFERRED.
 */
enum relay_outcome relay_decide(const struct cfg_mail *mail, enum gw_result result,
				int attempts, int64_t created_at, int64_t now,
				uint32_t jitter, int64_t *next_attempt_r);

/* ------------------------------------------------------------------------
 * One email from one compose record
 */

/* What relay_letter_fill() needs; pointers are borrowed. */
struct relay_settings {
	const struct cfg_mail *mail;   /* from, from_name, reply_domain, retries */
	const struct cfg_links *links; /* view_ttl, reply_ttl */
	const char *base_url;          /* [web] base_url; a trailing '/' is ignored */
	const struct link_keys *keys;  /* signing key */
};

/* Fill from a whole config ([mail], [links], [web] base_url). */
void relay_settings_init(struct relay_settings *rs, const struct gw_config *cfg,
			 const struct link_keys *keys);

/*
 * The compose record of one row turned into a struct compose_mail, plus
 * the strings that were made for it.  mail's strings point into the
 * struct store_compose it was filled from (which must outlive it) and into
 * the owned fields below.
 */
struct relay_letter {
	struct compose_mail mail;
	char *envelope_from;    /* bounce+TOKEN@reply_domain; "" for explanations */
	char *view_url;         /* base_url/v/TOKEN, NULL for an address-only recipient */
	char *unsubscribe_url;  /* base_url/u/TOKEN, contacts' notifications only */
	char *reply_to;         /* reply+TOKEN@reply_domain, NULL for explanations */
	struct compose_task *tasks;
	struct compose_item *items;   /* a batch: what it lists */
};

/*
 * Links made here (purpose, thread, recipient kind and id, the recipient's
 * current generation):
 *   View         LINK_VIEW, expires now + [links] view_ttl; every kind
 *                except an explanation to an address that is no contact
 *   Unsubscribe  LINK_UNSUBSCRIBE, expires now + reply_ttl; contacts'
 *                new_message, reminder and resend (what notify controls)
 *   Reply-To     LINK_REPLY address, expires now + reply_ttl; every kind
 *                except explanations
 *   VERP sender  LINK_BOUNCE address, expires now + reply_ttl; every kind
 *                except explanations, which go out from <>
 * Returns 0, or -1 with *error_r set (unknown kind, recipient that links
 * cannot name, signing failure).  On -1 the letter needs no clearing.
 */
int relay_letter_fill(const struct relay_settings *rs, const struct store_compose *rec,
		      int64_t now, struct relay_letter *letter_r, char **error_r);
void relay_letter_clear(struct relay_letter *letter);

/* ------------------------------------------------------------------------
 * Once, synchronously (gatewayctl tick)
 */

struct relay_report {
	int claimed;
	int sent;
	int deferred;
	int failed;
	int skipped;   /* claimed but left to the lease (see "Leases") */
};

/*
 * Open the [mail] transport with its settings (helo_name, timeout,
 * starttls, auth_user and the first line of auth_password_file).
 */
int relay_transport_open(const struct cfg_mail *mail, struct transport **transport_r,
			 char **error_r);

/*
 * Deliver every row due at NOW through TRANSPORT, claiming RELAY_BATCH at
 * a time until none is left, logging one line per delivery.  Rows
 * deferred here are due later than NOW and are not tried twice.  Adds to
 * *report_r (zero it first).  Returns GW_OK, or the store's error when a
 * claim failed (deliveries already made are in the report).
 */
enum gw_result relay_run_once(const struct gw_config *cfg, const struct link_keys *keys,
			      struct store *store, struct transport *transport,
			      int64_t now, struct relay_report *report_r, char **error_r);

/*
 * relay_run_once() with the key file ([links] key_file) and the transport
 * ([mail]) opened for the call and closed after it: the one call of
 * `gatewayctl tick`.  A key file or transport that cannot be opened is
 * GW_TEMPFAIL with *error_r set, and nothing is claimed.
 */
enum gw_result relay_deliver_due(const struct gw_config *cfg, struct store *store,
				 int64_t now, struct relay_report *report_r,
				 char **error_r);

/* ------------------------------------------------------------------------
 * The daemon's threads
 */

struct relay;
struct store_pool;

/*
 * Open the connections and transports of every thread (so that errors are
 * reported here, before anything runs), then start [mail] concurrency
 * workers and the scheduler.  Signals are blocked in those threads.  cfg
 * and keys must outlive the relay.  Every database write of these threads
 * runs on POOL's writer lane (borrowed; must outlive the relay), the lane
 * the process's other writers share; NULL opens a pool of the relay's own.
 */
int relay_open(const struct gw_config *cfg, const struct link_keys *keys,
	       struct store_pool *pool, struct relay **relay_r, char **error_r);

/*
 * Something was queued or a reminder schedule may have changed: wake the
 * workers and the scheduler now.  Thread-safe, never blocks on I/O.
 */
void relay_wake(struct relay *relay);

/*
 * Sign the links of rows delivered from now on with KEYS (SIGHUP).  A
 * worker picks the pointer up per row, so the previous set may still be in
 * use: the caller keeps every set it ever passed until relay_close().
 */
void relay_set_keys(struct relay *relay, const struct link_keys *keys);

struct relay_stats {
	int64_t queued;        /* outbox rows, as last counted by the scheduler */
	int64_t sending;
	int64_t failed;
	int64_t sent_total;    /* deliveries by this process since relay_open */
	int64_t deferred_total;
	int64_t failed_total;
	int64_t reminders_total; /* reminder rows queued by this process */
};
/* Thread-safe, never blocks on I/O. */
void relay_stats(struct relay *relay, struct relay_stats *stats_r);

/*
 * Stop: no more claims; the send in flight finishes, rows claimed but not
 * started are released; threads joined, connections closed.  Accepts NULL.
 */
void relay_close(struct relay **relayp);

#endif
