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
 * Compose, send and record one claimed ROW at NOW, count it in *report,
 * log one line.  The outcome is committed before this returns, a row
 * sent included: its mark is a commit of its own right after the
 * server's 250 (see "Durability" in relay.h), so a worker holds at most
 * one acknowledged but unmarked mail at any time.  SCRATCH is a buffer
 * the caller keeps between calls (reset here).  Each database write goes
 * through relay_write() with POOL.  Returns the outcome, or 0 when the
 * row was left to its lease (too little of it left to send safely).
 */
int relay_deliver(const struct relay_settings *rs, struct store *store,
		  struct transport *transport, const struct store_outbox *row,
		  int64_t now, struct buf *scratch, struct store_pool *pool,
		  struct relay_report *report);

/* A pseudo-random number for jitter; per thread, not for secrets. */
uint32_t relay_random(void);

#endif
