/*
 * store_hold.h - another connection (as another process would) takes the
 * SQLite write lock of a test's database and holds it until released, or
 * for hold_ms on a thread of its own: what the store pool, the web view
 * and the API must ride out without their readers waiting.
 */
#ifndef STORE_HOLD_H
#define STORE_HOLD_H

#include <stdatomic.h>

#include <sqlite3.h>

struct store_hold {
	const char *path;          /* the database file */
	int hold_ms;               /* store_hold_thread(): how long */
	sqlite3 *db;
	atomic_llong released_ms;  /* store_hold_ms() at the release; 0 before */
};

/* Monotonic milliseconds. */
long long store_hold_ms(void);
/* BEGIN IMMEDIATE and a write on h->path; fails the test when refused. */
void store_hold_take(struct store_hold *h);
/* COMMIT and close: the lock is free. */
void store_hold_release(struct store_hold *h);
/* pthread start routine: wait h->hold_ms, then store_hold_release(). */
void *store_hold_thread(void *h);

#endif
