/*
 * store_hold.c - the write lock held by another connection (store_hold.h).
 */
#include "store_hold.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

long long store_hold_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void store_hold_take(struct store_hold *h)
{
	assert_int_equal(sqlite3_open(h->path, &h->db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(h->db, "BEGIN IMMEDIATE; UPDATE firm SET name = name;",
				      NULL, NULL, NULL), SQLITE_OK);
}

void store_hold_release(struct store_hold *h)
{
	atomic_store(&h->released_ms, store_hold_ms());
	sqlite3_exec(h->db, "COMMIT", NULL, NULL, NULL);
	sqlite3_close(h->db);
	h->db = NULL;
}

void *store_hold_thread(void *arg)
{
	struct store_hold *h = arg;

	usleep((useconds_t)h->hold_ms * 1000);
	store_hold_release(h);
	return NULL;
}
