/*
 * test_sleeper.c - sleeper: a timed wait ends on time, a wake ends it at
 * once (also one that came before the wait), a stop ends every wait.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>
#include <cmocka.h>

#include "gw.h"
#include "sleeper.h"

/* Long enough that a wait ended by it would fail every bound below. */
#define LONG_MS 20000

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct waiter {
	struct sleeper *s;
	uint64_t seq;
	int64_t took_ms;
	pthread_t thread;
};

static void *wait_long(void *arg)
{
	struct waiter *w = arg;
	int64_t t0 = now_ms();

	sleeper_wait(w->s, w->seq, LONG_MS);
	w->took_ms = now_ms() - t0;
	return NULL;
}

static void test_sleeper_wait_times_out(void **state)
{
	struct sleeper s;
	int64_t t0, took;

	(void)state;
	sleeper_init(&s);
	t0 = now_ms();
	sleeper_wait(&s, sleeper_seq(&s), 150);
	took = now_ms() - t0;
	if (took < 140 || took > 5000)
		fail_msg("a 150 ms wait took %lld ms", (long long)took);
	sleeper_release(&s);
}

static void test_sleeper_wake_before_wait_is_not_lost(void **state)
{
	struct sleeper s;
	uint64_t seq;
	int64_t t0, took;

	(void)state;
	sleeper_init(&s);
	seq = sleeper_seq(&s);
	sleeper_wake(&s);
	t0 = now_ms();
	sleeper_wait(&s, seq, LONG_MS);
	took = now_ms() - t0;
	if (took > 5000)
		fail_msg("a wake before the wait was lost: it took %lld ms", (long long)took);
	sleeper_release(&s);
}

static void test_sleeper_wake_ends_a_wait(void **state)
{
	struct sleeper s;
	struct waiter w = { &s, 0, -1, 0 };
	struct timespec pause = { 0, 100 * 1000000 };

	(void)state;
	sleeper_init(&s);
	w.seq = sleeper_seq(&s);
	assert_int_equal(pthread_create(&w.thread, NULL, wait_long, &w), 0);
	nanosleep(&pause, NULL);
	sleeper_wake(&s);
	pthread_join(w.thread, NULL);
	if (w.took_ms > 5000)
		fail_msg("the woken thread slept %lld ms", (long long)w.took_ms);
	assert_false(sleeper_stopping(&s));
	sleeper_release(&s);
}

static void test_sleeper_stop_ends_every_wait(void **state)
{
	struct sleeper s;
	struct waiter w[3];
	int64_t t0, took;

	(void)state;
	sleeper_init(&s);
	for (size_t i = 0; i < GW_ARRAY_SIZE(w); i++) {
		w[i] = (struct waiter){ &s, sleeper_seq(&s), -1, 0 };
		assert_int_equal(pthread_create(&w[i].thread, NULL, wait_long, &w[i]), 0);
	}
	sleeper_stop(&s);
	for (size_t i = 0; i < GW_ARRAY_SIZE(w); i++) {
		pthread_join(w[i].thread, NULL);
		if (w[i].took_ms > 5000)
			fail_msg("thread %zu slept %lld ms after the stop", i,
				 (long long)w[i].took_ms);
	}
	assert_true(sleeper_stopping(&s));
	/* Stopped for good: a later wait does not sleep at all. */
	t0 = now_ms();
	sleeper_wait(&s, sleeper_seq(&s), LONG_MS);
	took = now_ms() - t0;
	if (took > 5000)
		fail_msg("a wait after the stop took %lld ms", (long long)took);
	sleeper_release(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sleeper_wait_times_out),
		cmocka_unit_test(test_sleeper_wake_before_wait_is_not_lost),
		cmocka_unit_test(test_sleeper_wake_ends_a_wait),
		cmocka_unit_test(test_sleeper_stop_ends_every_wait),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
