/*
 * lmtp.h - the LMTP listener (RFC 2033) for Postfix's lmtp: transport:
 * every message to the reply domain goes through decide_message(), the
 * code path gatewayd-pipe uses, and is acknowledged only once decided
 * and committed.
 *
 * Protocol: LHLO (PIPELINING, 8BITMIME, ENHANCEDSTATUSCODES, SIZE), MAIL
 * FROM (SIZE=, BODY=), RCPT TO (checked as policy_check_recipient():
 * 550 5.1.1 for a forged address and for any address outside the reply
 * domain), DATA (dot-unstuffed, ended only by CRLF.CRLF: a "." after a
 * bare LF is data; over the size limit 552 5.3.4) with one reply per
 * accepted recipient in RCPT order,
 * RSET, NOOP, QUIT.  Out of sequence 503, unknown 500, bad arguments 501;
 * after max_errors of those the client gets 421 and is disconnected.  An
 * idle client gets 421 after idle_timeout.
 *
 * Threads: sessions live on the caller's event loop; decide_message()
 * runs as one job per message on the store pool's writer lane (the one
 * lane of every in-process writer, store/pool.h), and its results come
 * back to the loop through a done queue.  A decision that returned
 * GW_TEMPFAIL is answered 451 4.3.0 with its reason (one line, cut
 * short) and Postfix retries; the redelivery check of decide_message()
 * makes the retry safe.
 */
#ifndef GW_LMTP_H
#define GW_LMTP_H

#include <stdint.h>

#include "gw.h"
#include "inbound.h"

struct event_base;
struct link_keys;
struct cfg_store;
struct store_pool;
struct lmtp;

/* Everything is borrowed and must outlive the listener. */
struct lmtp_settings {
	const char *listen;               /* [lmtp] listen: "HOST:PORT" or "unix:/path" */
	int systemd_fd;                   /* passed socket instead; 0 = none */
	const struct link_keys *keys;
	const char *reply_domain;         /* [mail] reply_domain */
	const char *from_address;         /* [mail] from (never answered); may be NULL */
	const struct cfg_store *store;    /* for the pool opened when pool is NULL */
	/* Shared store work; its connections' mail domain must be
	   reply_domain.  NULL: lmtp_open opens a pool of its own. */
	struct store_pool *pool;
	struct inbound_limits limits;     /* inbound_limits_init() + [inbound];
					     max_size is the SIZE limit */
	int64_t max_explanations_per_day; /* [mail] */
	int idle_timeout;                 /* seconds; 0 = 300 */
	int max_recipients;               /* per message; 0 = 100 */
	int max_errors;                   /* 500/501/503 before 421; 0 = 5 */
	/* Called on the loop thread after a message queued an explanation
	   (wake the relay).  May be NULL. */
	void (*outbox_queued)(void *ctx);
	/* Called on the loop thread once per recipient decided, with the
	   decide_outcome_line() or the error of a GW_TEMPFAIL.  May be NULL. */
	void (*delivered)(void *ctx, enum gw_result result, const char *line);
	void *ctx;
};

/* Listen and serve on BASE (opening a pool when none is given).  0, or -1
   with *error_r (malloc'd). */
int lmtp_open(struct event_base *base, const struct lmtp_settings *set, struct lmtp **lmtp_r,
	      char **error_r);
/*
 * Stop listening, take back the messages still queued in the pool (they
 * never run), wait for one being decided (it commits or not); none of
 * their clients is answered and Postfix retries.  Drop the sessions.
 * Accepts NULL and clears the caller's pointer.  Call on the loop thread.
 */
void lmtp_close(struct lmtp **lmtpp);
/*
 * New keys (SIGHUP, rotation), from the loop thread: RCPT checks use them
 * at once, decisions from the next message submitted on.  The old keys must stay
 * valid until the message being decided is answered.
 */
void lmtp_set_keys(struct lmtp *lmtp, const struct link_keys *keys);
/* The TCP port bound (port 0 picks one); 0 for a UNIX socket. */
int lmtp_bound_port(const struct lmtp *lmtp);

#endif
