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
 * only writer of its process).  fn gets STORE, a connection of the
 * relay's, not the lane's: the workers' commits keep synchronous=NORMAL
 * (relay.h, "Durability") and the scheduler's the [store] setting.  The
 * relay thread waits meanwhile, and the lane runs one job at a time, so
 * STORE is used by one thread at a time even when several relay threads
 * write through it.
 */
void relay_write(struct store_pool *pool, struct store *store,
		 void (*fn)(struct store *store, void *arg), void *arg);

/*
 * Where a worker's writes go: POOL's writer lane with STORE (relay_write).
 * The workers share one such connection for their writes (claims, marks,
 * deferrals, releases) and read on their own: a connection's page cache
 * is dropped whenever another connection has committed, and with a mark
 * per mail, marks on the workers' own connections had every write start
 * from a cold cache (a dozen page reads per mail).
 */
struct relay_writer {
	struct store_pool *pool;
	struct store *store;
};

/*
 * Compose, send and record one claimed ROW at NOW, count it in *report,
 * log one line.  The outcome is committed before this returns, a row
 * sent included: its mark is a commit of its own right after the
 * server's 250 (see "Durability" in relay.h), so a worker holds at most
 * one acknowledged but unmarked mail at any time.  SCRATCH is a buffer
 * the caller keeps between calls (reset here).  Reads use STORE; each
 * write goes through relay_write() with WRITER, or directly on STORE when
 * WRITER is NULL.  Returns the outcome, or 0 when the row was left to its
 * lease (too little of it left to send safely).
 */
int relay_deliver(const struct relay_settings *rs, struct store *store,
		  struct transport *transport, const struct store_outbox *row,
		  int64_t now, struct buf *scratch, const struct relay_writer *writer,
		  struct relay_report *report);

/* A pseudo-random number for jitter; per thread, not for secrets. */
uint32_t relay_random(void);

#endif
