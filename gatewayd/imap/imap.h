/*
 * imap.h - the IMAP reader: for a firm that cannot give its mail server a
 * transport to gatewayd, the daemon reads a mailbox instead ([imap],
 * docs/imap.md).
 *
 * One thread of its own (never the event loop) holds one IMAP session
 * (libetpan, imap_session.c): it logs in, selects [imap] mailbox, decides
 * every message there through decide_message() - the code path of
 * gatewayd-pipe and the LMTP listener - and then moves it to the done
 * mailbox (or deletes it), or, when it is over a limit or not a message,
 * to the rejected one.  It then waits with IDLE where the server offers
 * it and polls otherwise, and reconnects with backoff and jitter after
 * any failure, each logged in one line (connect, TLS, certificate, login,
 * mailbox).
 *
 * Exactly once across restarts: the store keeps, per server, user and
 * mailbox, the UIDVALIDITY and the last UID decided (store_imap_state_*).
 * Messages are decided in UID order; a message still in the mailbox at or
 * below the last UID was decided before the move or delete was lost and is
 * only moved, never decided again.  A new UIDVALIDITY starts over at 0:
 * what is decided again is then kept from being answered twice by the
 * inbound log's redelivery check (Message-ID and recipient).  A temporary
 * failure of the store (GW_TEMPFAIL) leaves the message in place and ends
 * the pass; the next pass, after a backoff, starts with it.
 *
 * The envelope is gone in a mailbox: sender and recipient are read from
 * the header (inbound_headers.h).
 *
 * Store work runs on the pool's writer lane (store_pool_run), taking turns
 * with every other writer of the process.
 */
#ifndef GW_IMAP_H
#define GW_IMAP_H

#include <stdint.h>

#include "inbound.h"

struct cfg_imap;
struct link_keys;
struct store_pool;
struct imap;

/* Everything is borrowed and must outlive the reader. */
struct imap_settings {
	const struct cfg_imap *cfg;   /* [imap]; url must be set */
	const struct link_keys *keys;
	const char *reply_domain;     /* [mail] reply_domain */
	const char *from_address;     /* [mail] from; may be NULL */
	struct store_pool *pool;      /* its connections' mail domain is reply_domain */
	struct inbound_limits limits; /* inbound_limits_init() + [inbound] */
	int64_t max_explanations_per_day;
	/* Called from the reader's thread after a message queued an
	   explanation (wake the relay: relay_wake() is thread-safe). */
	void (*outbox_queued)(void *ctx);
	void *ctx;
};

/* Read the password file and start the thread.  0, or -1 with *error_r
 * (malloc'd) and nothing started. */
int imap_open(const struct imap_settings *set, struct imap **imap_r, char **error_r);
/* Stop the thread (a command in flight is cut short; a message being
 * decided commits or not) and free.  Accepts NULL; clears the pointer. */
void imap_close(struct imap **imapp);
/* New keys (SIGHUP): decisions from the next message on use them. */
void imap_set_keys(struct imap *imap, const struct link_keys *keys);

#endif
