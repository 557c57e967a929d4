/*
 * relay_int.h - what relay.c and relay_threads.c share: the delivery of
 * one claimed row.  Not for other modules.
 */
#ifndef GW_RELAY_INT_H
#define GW_RELAY_INT_H

#include <pthread.h>

#include "buf.h"
#include "relay.h"

/*
 * Compose, send and mark one claimed ROW at NOW, log one line, count it in
 * *report.  SCRATCH is a buffer the caller keeps between calls (reset
 * here).  WRITE_LOCK, when not NULL, is held around each database write.
 * Returns the outcome, or 0 when the row was left to its lease
 * (too little of it left to send safely).
 */
int relay_deliver(const struct relay_settings *rs, struct store *store,
		  struct transport *transport, const struct store_outbox *row,
		  int64_t now, struct buf *scratch, pthread_mutex_t *write_lock,
		  struct relay_report *report);

/* A pseudo-random number for jitter; per thread, not for secrets. */
uint32_t relay_random(void);

#endif
