/*
 * test_store_util.h - fixture shared by the store's test programs: a fresh
 * SQLite file in a mkdtemp directory, a small firm (owner, admin, member,
 * two accounts with contacts), the clock pinned, and raw-SQL helpers that
 * look at the database through a separate connection, the way another
 * process would.
 */
#ifndef TEST_STORE_UTIL_H
#define TEST_STORE_UTIL_H

#include <stdint.h>

#include "store.h"

/* 2026-11-25T09:00:00Z */
#define T0 ((int64_t)1795597200)
#define DAY ((int64_t)86400)

struct fx {
	char dir[256];
	char db[300];
	char att[300];
	struct cfg_store cfg;
	struct store *s;
	int64_t owner, admin, member, member2;
	int64_t acc1, acc2, acc3;  /* acc3 has no contacts */
	int64_t c1, c2;            /* acc1: c1 notify on, c2 notify on */
	int64_t c3;                /* acc2 */
};

/* cmocka setup/teardown: *state becomes a struct fx. */
int fx_setup(void **state);
int fx_teardown(void **state);

/* Open a second connection to the same file (caller closes). */
struct store *fx_open(struct fx *f, int64_t busy_ms);

/* SELECT returning one integer, through a raw connection; fails the test
 * on error.  printf-style so that tests can build conditions. */
int64_t fx_int(struct fx *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Same, returning a malloc'd text ("" for NULL). */
char *fx_text(struct fx *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Run a statement through a raw connection; fails the test on error. */
void fx_exec(struct fx *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Rows in the outbox matching a WHERE condition. */
#define OUTBOX(f, ...) fx_int((f), "SELECT count(*) FROM outbox WHERE " __VA_ARGS__)

/* Staff creates a chat in one account; returns the thread id. */
int64_t fx_chat(struct fx *f, int64_t account, const char *subject, const char *body,
		int reminders, int days, int count);

/* Fail with the result name and error text unless r == want. */
#define CHECK_R(r, want, err)                                                         \
	do {                                                                          \
		enum gw_result r_ = (r);                                              \
		if (r_ != (want))                                                     \
			fail_msg("%s:%d: got %s (%s), want %s", __FILE__, __LINE__,  \
				 gw_result_name(r_), (err) != NULL ? (err) : "",      \
				 gw_result_name(want));                               \
		free(err);                                                            \
		(err) = NULL;                                                         \
	} while (0)
#define CHECK_OK(r, err) CHECK_R(r, GW_OK, err)

#endif
