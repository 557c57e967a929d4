/*
 * test_store_pool.c - the store pool (store/pool.h) on a real SQLite file:
 * every job runs once and comes back, the writer lane runs one job at a
 * time in order, reads go on while another connection holds the write lock
 * (the writes wait and then succeed), cancel takes back only what has not
 * started, close finishes the jobs in flight, and the change generation
 * follows commits of this pool and of other connections.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <pthread.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include <sqlite3.h>

#include "pool.h"
#include "store_hold.h"
#include "test_store_util.h"

struct tjob {
	struct store_job job;      /* first */
	int index;
	atomic_int ran;
	atomic_int done;
	enum gw_result res;
	int64_t id;
	int64_t started_ms, ended_ms;
	/* shared */
	atomic_int *running;       /* writers running at once */
	atomic_int *max_running;
	atomic_int *order;         /* next index expected (writer lane) */
	int out_of_order;
	unsigned sleep_us;
};

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static struct store_pool *pool_open(struct fx *f, int readers)
{
	struct store_pool_settings set = { 0 };
	struct store_pool *pool = NULL;
	char *error = NULL;

	set.store = &f->cfg;
	set.readers = readers;
	if (store_pool_open(&set, &pool, &error) < 0)
		fail_msg("store_pool_open: %s", error);
	return pool;
}

static void job_done(struct store_job *job)
{
	struct tjob *t = (struct tjob *)job;

	atomic_fetch_add(&t->done, 1);
}

/* A write: a new account (a real transaction on the lane's connection). */
static void run_write(struct store *store, struct store_job *job)
{
	struct tjob *t = (struct tjob *)job;
	char name[64], *error = NULL;
	int n;

	t->started_ms = now_ms();
	if (t->running != NULL) {
		n = atomic_fetch_add(t->running, 1) + 1;
		if (n > atomic_load(t->max_running))
			atomic_store(t->max_running, n);
		if (atomic_fetch_add(t->order, 1) != t->index)
			t->out_of_order = 1;
	}
	if (t->sleep_us > 0)
		usleep(t->sleep_us);
	snprintf(name, sizeof(name), "Pool account %d", t->index);
	t->res = store_account_add(store, name, &t->id, &error);
	free(error);
	if (t->running != NULL)
		atomic_fetch_sub(t->running, 1);
	atomic_fetch_add(&t->ran, 1);
	t->ended_ms = now_ms();
}

static void run_read(struct store *store, struct store_job *job)
{
	struct tjob *t = (struct tjob *)job;
	struct store_firm firm = { 0 };
	char *error = NULL;

	t->started_ms = now_ms();
	if (t->sleep_us > 0)
		usleep(t->sleep_us);
	t->res = store_firm_get(store, &firm, &error);
	store_firm_clear(&firm);
	free(error);
	atomic_fetch_add(&t->ran, 1);
	t->ended_ms = now_ms();
}

static void wait_done(struct tjob *jobs, size_t n, int timeout_ms)
{
	int64_t end = now_ms() + timeout_ms;

	for (size_t i = 0; i < n; i++)
		while (atomic_load(&jobs[i].done) == 0) {
			if (now_ms() > end)
				fail_msg("job %zu did not come back within %d ms", i, timeout_ms);
			usleep(1000);
		}
}

static void test_store_pool_every_job_runs_once_and_comes_back(void **state)
{
	struct fx *f = *state;
	struct store_pool *pool = pool_open(f, 3);
	struct tjob jobs[60];

	memset(jobs, 0, sizeof(jobs));
	for (size_t i = 0; i < GW_ARRAY_SIZE(jobs); i++) {
		jobs[i].index = (int)i;
		jobs[i].job.run = i % 3 == 0 ? run_write : run_read;
		jobs[i].job.done = job_done;
		store_pool_submit(pool, i % 3 == 0 ? STORE_LANE_WRITE : STORE_LANE_READ,
				  &jobs[i].job);
	}
	wait_done(jobs, GW_ARRAY_SIZE(jobs), 10000);
	for (size_t i = 0; i < GW_ARRAY_SIZE(jobs); i++) {
		if (atomic_load(&jobs[i].ran) != 1 || atomic_load(&jobs[i].done) != 1)
			fail_msg("job %zu: ran %d, done %d", i, atomic_load(&jobs[i].ran),
				 atomic_load(&jobs[i].done));
		if (jobs[i].res != GW_OK)
			fail_msg("job %zu: %s", i, gw_result_name(jobs[i].res));
	}
	assert_int_equal(fx_int(f, "SELECT count(*) FROM accounts WHERE name LIKE 'Pool %%'"), 20);
	assert_int_equal(store_pool_pending(pool, STORE_LANE_READ), 0);
	assert_int_equal(store_pool_pending(pool, STORE_LANE_WRITE), 0);
	store_pool_close(&pool);
	assert_null(pool);
	store_pool_close(&pool);  /* NULL is fine */
}

static void test_store_pool_writer_lane_is_one_at_a_time_in_order(void **state)
{
	struct fx *f = *state;
	struct store_pool *pool = pool_open(f, 2);
	struct tjob jobs[30];
	atomic_int running = 0, max_running = 0, order = 0;

	memset(jobs, 0, sizeof(jobs));
	for (size_t i = 0; i < GW_ARRAY_SIZE(jobs); i++) {
		jobs[i].index = (int)i;
		jobs[i].job.run = run_write;
		jobs[i].job.done = job_done;
		jobs[i].running = &running;
		jobs[i].max_running = &max_running;
		jobs[i].order = &order;
		jobs[i].sleep_us = 500;
		store_pool_submit(pool, STORE_LANE_WRITE, &jobs[i].job);
	}
	wait_done(jobs, GW_ARRAY_SIZE(jobs), 10000);
	assert_int_equal(atomic_load(&max_running), 1);
	for (size_t i = 0; i < GW_ARRAY_SIZE(jobs); i++) {
		if (jobs[i].out_of_order)
			fail_msg("write %zu ran out of submission order", i);
		if (jobs[i].res != GW_OK)
			fail_msg("write %zu: %s", i, gw_result_name(jobs[i].res));
	}
	store_pool_close(&pool);
}

static void test_store_pool_reads_go_on_while_the_write_lock_is_held(void **state)
{
	struct fx *f = *state;
	struct store_pool *pool = pool_open(f, 2);
	struct store_hold h = { .path = f->db, .hold_ms = 1500 };
	struct tjob writes[3], reads[40];
	pthread_t th;
	int64_t t0;

	memset(writes, 0, sizeof(writes));
	memset(reads, 0, sizeof(reads));
	store_hold_take(&h);
	assert_int_equal(pthread_create(&th, NULL, store_hold_thread, &h), 0);
	t0 = now_ms();
	for (size_t i = 0; i < GW_ARRAY_SIZE(writes); i++) {
		writes[i].index = (int)i;
		writes[i].job.run = run_write;
		writes[i].job.done = job_done;
		store_pool_submit(pool, STORE_LANE_WRITE, &writes[i].job);
	}
	for (size_t i = 0; i < GW_ARRAY_SIZE(reads); i++) {
		reads[i].job.run = run_read;
		reads[i].job.done = job_done;
		store_pool_submit(pool, STORE_LANE_READ, &reads[i].job);
	}
	/* Every read comes back while the lock is still held. */
	wait_done(reads, GW_ARRAY_SIZE(reads), 1000);
	assert_int_equal(atomic_load(&writes[0].done), 0);
	for (size_t i = 0; i < GW_ARRAY_SIZE(reads); i++)
		if (reads[i].res != GW_OK || reads[i].ended_ms - t0 >= h.hold_ms)
			fail_msg("read %zu: %s after %lld ms (lock held %d ms)", i,
				 gw_result_name(reads[i].res),
				 (long long)(reads[i].ended_ms - t0), h.hold_ms);
	/* The writes wait for the lock and then all succeed. */
	wait_done(writes, GW_ARRAY_SIZE(writes), 10000);
	pthread_join(th, NULL);
	for (size_t i = 0; i < GW_ARRAY_SIZE(writes); i++) {
		if (writes[i].res != GW_OK)
			fail_msg("write %zu: %s", i, gw_result_name(writes[i].res));
		if (writes[i].ended_ms < atomic_load(&h.released_ms))
			fail_msg("write %zu ended before the lock was released", i);
	}
	store_pool_close(&pool);
}

static void test_store_pool_cancel_takes_back_only_unstarted_jobs(void **state)
{
	struct fx *f = *state;
	struct store_pool *pool = pool_open(f, 1);
	struct tjob first, second;

	memset(&first, 0, sizeof(first));
	memset(&second, 0, sizeof(second));
	first.job.run = run_write;
	first.job.done = job_done;
	first.sleep_us = 200 * 1000;
	second.job.run = run_write;
	second.job.done = job_done;
	second.index = 1;
	store_pool_submit(pool, STORE_LANE_WRITE, &first.job);
	store_pool_submit(pool, STORE_LANE_WRITE, &second.job);
	while (first.started_ms == 0)
		usleep(1000);
	/* The second is still queued behind the first: it never runs. */
	assert_int_equal(store_pool_cancel(pool, &second.job), 1);
	/* The first is running: cancel waits until its done has returned. */
	assert_int_equal(store_pool_cancel(pool, &first.job), 0);
	assert_int_equal(atomic_load(&first.done), 1);
	assert_int_equal(first.res, GW_OK);
	store_pool_close(&pool);
	assert_int_equal(atomic_load(&second.ran), 0);
	assert_int_equal(atomic_load(&second.done), 0);
	assert_int_equal(fx_int(f, "SELECT count(*) FROM accounts WHERE name LIKE 'Pool %%'"), 1);
}

static void test_store_pool_close_finishes_jobs_in_flight(void **state)
{
	struct fx *f = *state;
	struct store_pool *pool = pool_open(f, 2);
	struct tjob jobs[40];

	memset(jobs, 0, sizeof(jobs));
	for (size_t i = 0; i < GW_ARRAY_SIZE(jobs); i++) {
		jobs[i].index = (int)i;
		jobs[i].job.run = i % 2 ? run_write : run_read;
		jobs[i].job.done = job_done;
		jobs[i].sleep_us = 2000;
		store_pool_submit(pool, i % 2 ? STORE_LANE_WRITE : STORE_LANE_READ, &jobs[i].job);
	}
	store_pool_close(&pool);
	for (size_t i = 0; i < GW_ARRAY_SIZE(jobs); i++)
		if (atomic_load(&jobs[i].ran) != 1 || atomic_load(&jobs[i].done) != 1)
			fail_msg("job %zu: ran %d, done %d after close", i,
				 atomic_load(&jobs[i].ran), atomic_load(&jobs[i].done));
	assert_int_equal(fx_int(f, "SELECT count(*) FROM accounts WHERE name LIKE 'Pool %%'"), 20);
}

struct sync_arg {
	int64_t id;
	enum gw_result res;
};

static void sync_write(struct store *store, void *arg)
{
	struct sync_arg *a = arg;
	char *error = NULL;

	a->res = store_account_add(store, "Pool sync", &a->id, &error);
	free(error);
}

static void test_store_pool_run_waits_for_its_job(void **state)
{
	struct fx *f = *state;
	struct store_pool *pool = pool_open(f, 1);
	struct sync_arg a = { 0 };

	store_pool_run(pool, STORE_LANE_WRITE, sync_write, &a);
	assert_int_equal(a.res, GW_OK);
	assert_true(a.id > 0);
	assert_int_equal(fx_int(f, "SELECT count(*) FROM accounts WHERE id = %lld",
				(long long)a.id), 1);
	store_pool_close(&pool);
}

static void test_store_pool_generation_follows_commits(void **state)
{
	struct fx *f = *state;
	struct store_pool *pool = pool_open(f, 1);
	struct tjob r1, w, r2;
	uint64_t g0, g1, g2, g3;

	memset(&r1, 0, sizeof(r1));
	memset(&w, 0, sizeof(w));
	memset(&r2, 0, sizeof(r2));
	r1.job.run = run_read;
	r1.job.done = job_done;
	store_pool_submit(pool, STORE_LANE_READ, &r1.job);
	wait_done(&r1, 1, 5000);
	g0 = store_pool_generation(pool);

	/* Nothing committed: a read leaves it. */
	r1.done = 0;
	store_pool_submit(pool, STORE_LANE_READ, &r1.job);
	wait_done(&r1, 1, 5000);
	assert_int_equal(store_pool_generation(pool), g0);

	/* A write of the pool moves it. */
	w.job.run = run_write;
	w.job.done = job_done;
	store_pool_submit(pool, STORE_LANE_WRITE, &w.job);
	wait_done(&w, 1, 5000);
	g1 = store_pool_generation(pool);
	assert_true(g1 > g0);

	/* A commit of another connection is seen by the next read. */
	r2.job.run = run_read;
	r2.job.done = job_done;
	store_pool_submit(pool, STORE_LANE_READ, &r2.job);
	wait_done(&r2, 1, 5000);
	g2 = store_pool_generation(pool);
	fx_exec(f, "UPDATE firm SET name = 'Elsewhere'");
	r2.done = 0;
	store_pool_submit(pool, STORE_LANE_READ, &r2.job);
	wait_done(&r2, 1, 5000);
	g3 = store_pool_generation(pool);
	assert_true(g3 > g2);
	store_pool_close(&pool);
}

static void test_store_pool_done_queue_hands_back_every_job(void **state)
{
	struct fx *f = *state;
	struct store_pool *pool = pool_open(f, 2);
	struct store_done_queue *q = NULL;
	struct tjob jobs[50];
	char *error = NULL;
	size_t got = 0;
	int wakeups = 0;

	if (store_done_queue_open(&q, &error) < 0)
		fail_msg("store_done_queue_open: %s", error);
	memset(jobs, 0, sizeof(jobs));
	for (size_t i = 0; i < GW_ARRAY_SIZE(jobs); i++) {
		jobs[i].index = (int)i;
		jobs[i].job.run = i % 5 == 0 ? run_write : run_read;
		jobs[i].job.done = job_done;
		jobs[i].job.reply_to = q;
		store_pool_submit(pool, i % 5 == 0 ? STORE_LANE_WRITE : STORE_LANE_READ,
				  &jobs[i].job);
	}
	while (got < GW_ARRAY_SIZE(jobs)) {
		struct pollfd pfd = { .fd = store_done_queue_fd(q), .events = POLLIN };
		struct store_job *j;

		if (poll(&pfd, 1, 5000) != 1)
			fail_msg("the queue's descriptor did not wake after %zu jobs", got);
		wakeups++;
		for (j = store_done_queue_take(q); j != NULL; j = j->next) {
			struct tjob *t = (struct tjob *)j;

			/* done ran first, on the worker */
			assert_int_equal(atomic_load(&t->done), 1);
			got++;
		}
	}
	assert_int_equal(got, GW_ARRAY_SIZE(jobs));
	/* Empty now: the descriptor is not readable. */
	{
		struct pollfd pfd = { .fd = store_done_queue_fd(q), .events = POLLIN };

		assert_int_equal(poll(&pfd, 1, 0), 0);
		assert_null(store_done_queue_take(q));
	}
	print_message("50 jobs in %d wakeups\n", wakeups);
	store_pool_close(&pool);
	store_done_queue_close(&q);
	assert_null(q);
}

static void test_store_pool_refuses_too_many_readers(void **state)
{
	struct fx *f = *state;
	struct store_pool_settings set = { 0 };
	struct store_pool *pool = NULL;
	char *error = NULL;

	set.store = &f->cfg;
	set.readers = STORE_POOL_READERS_MAX + 1;
	assert_int_equal(store_pool_open(&set, &pool, &error), -1);
	assert_null(pool);
	assert_non_null(strstr(error, "readers"));
	free(error);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_store_pool_every_job_runs_once_and_comes_back,
						fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_store_pool_writer_lane_is_one_at_a_time_in_order,
						fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_store_pool_reads_go_on_while_the_write_lock_is_held,
						fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_store_pool_cancel_takes_back_only_unstarted_jobs,
						fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_store_pool_close_finishes_jobs_in_flight,
						fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_store_pool_run_waits_for_its_job,
						fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_store_pool_generation_follows_commits,
						fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_store_pool_done_queue_hands_back_every_job,
						fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_store_pool_refuses_too_many_readers,
						fx_setup, fx_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
