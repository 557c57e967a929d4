/*
 * relay_int.h - what relay.c and relay_threads.c share: the delivery of
 * one claimed row.  Not for other modules.
 */
#ifndef GW_RELAY_INT_H
#define GW_RELAY_INT_H

#include "buf.h"
#include "relay.h"

struct store_pool;

/*
 * Run fn(store, arg): on POOL's writer lane when POOL is not NULL, so that
 * the relay's writes queue with every other writer of the process instead
 * of competing for SQLite's lock; directly otherwise (gatewayctl tick, the
 * only writer of its process).  fn gets STORE, the relay thread's own
 * connection, not the lane's: the workers' commits keep
 * synchronous=NORMAL (relay.h, "Durability") and the scheduler's the
 * [store] setting.  The relay thread waits meanwhile, so its connection
 * is used by one thread at a time.
 */
void relay_write(struct store_pool *pool, struct store *store,
		 void (*fn)(struct store *store, void *arg), void *arg);

/*
 * Acknowledged deliveries whose rows are not marked sent yet.
 *
 * Marking a row sent is a write transaction, and one per mail cost more
 * than all the rest of the database work for it; so a delivery the server
 * acknowledged (250 to the end of DATA) is queued here and
 * relay_marks_flush() marks the whole list in one transaction.  The
 * caller flushes when the list is full (RELAY_MARKS_MAX), when its oldest
 * entry is RELAY_MARKS_DELAY_MS old, and at the end of every claimed
 * batch: before it claims again, sleeps, or stops.
 *
 * The window.  A mail in this list was accepted by the server while its
 * row is still "sending" under the lease of its claim.  If the process
 * dies before the flush, the row is claimed again once the lease has run
 * out and the mail goes out a second time with the SAME Message-ID: a
 * duplicate that receivers can drop, never a loss -- the same as a crash
 * between the 250 and an immediate mark, for at most RELAY_MARKS_MAX mails
 * per worker acknowledged within about RELAY_MARKS_DELAY_MS (or one send)
 * before the crash.  The rows of a list come from one claim and share its
 * lease, and a send only starts with a safe margin of that lease left
 * (see "Leases" in relay.h), so a flush right after it is still within
 * the lease: no other worker can have claimed them meanwhile.
 */
#define RELAY_MARKS_MAX RELAY_BATCH_MAX
#define RELAY_MARKS_DELAY_MS 1000

struct relay_mark {
	struct store_outbox_ack ack;
	char *rcpt;  /* for the log line */
	char *reply; /* the server's acknowledgement */
};

struct relay_marks {
	struct relay_mark items[RELAY_MARKS_MAX];
	size_t count;
	int64_t oldest_ms; /* clock_monotonic_ms() of items[0] */
};

#define RELAY_MARKS_INIT { .count = 0 }

/* Should the list be flushed now (full, or its oldest entry old enough)? */
int relay_marks_due(const struct relay_marks *marks, int64_t now_ms);

/*
 * Mark every listed row sent in one transaction (through relay_write()
 * with POOL), log one line per row, empty the list.  A row the
 * database would not mark stays "sending" and goes out again with the
 * same Message-ID after its lease; that is logged as an error.
 */
void relay_marks_flush(struct relay_marks *marks, struct store *store,
		       struct store_pool *pool);

/*
 * Compose, send and record one claimed ROW at NOW, count it in *report.
 * A row sent is queued in MARKS (flushed first when full) and logged when
 * MARKS is flushed; any other outcome is recorded and logged at once.
 * SCRATCH is a buffer the caller keeps between calls (reset here).
 * Each database write goes through relay_write() with POOL.  Returns
 * the outcome, or 0 when the row was left to its lease (too little of it
 * left to send safely).
 */
int relay_deliver(const struct relay_settings *rs, struct store *store,
		  struct transport *transport, const struct store_outbox *row,
		  int64_t now, struct buf *scratch, struct store_pool *pool,
		  struct relay_marks *marks, struct relay_report *report);

/* A pseudo-random number for jitter; per thread, not for secrets. */
uint32_t relay_random(void);

#endif
