/*
 * test_store_concurrency.c - several processes on one database file, the
 * way gatewayd, gatewayd-pipe and gatewayctl share it: concurrent writers
 * all succeed within the busy timeout, and racing reminder schedulers
 * enqueue each reminder exactly once.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "clock.h"
#include "test_store_util.h"

#define N_POSTS 200

/* Fork a child that waits for the start signal on gate, runs fn, writes
 * its int result to out and exits 0 (1 on failure). */
static pid_t spawn(struct fx *f, const int gate[2], const int out[2],
		   int (*fn)(struct fx *, int, int *), int arg)
{
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid != 0)
		return pid;
	close(gate[1]);
	close(out[0]);
	char c;
	(void)!read(gate[0], &c, 1); /* EOF once the parent closes its end: go */
	int result = 0;
	int rc = fn(f, arg, &result);
	(void)!write(out[1], &result, sizeof(result));
	_exit(rc == 0 ? 0 : 1);
}

/* Start both children at once, collect their results, check exit codes. */
static void race(struct fx *f, int (*fn)(struct fx *, int, int *), int results[2])
{
	int gate[2], out[2];
	assert_int_equal(pipe(gate), 0);
	assert_int_equal(pipe(out), 0);
	pid_t pids[2];
	for (int i = 0; i < 2; i++)
		pids[i] = spawn(f, gate, out, fn, i);
	close(gate[0]);
	close(gate[1]);
	close(out[1]);
	for (int i = 0; i < 2; i++) {
		int status = 0;
		assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			fail_msg("child %d failed (status %d)", i, status);
	}
	for (int i = 0; i < 2; i++)
		assert_int_equal(read(out[0], &results[i], sizeof(int)), (ssize_t)sizeof(int));
	close(out[0]);
}

static int64_t g_thread;
static int64_t g_max_wait;

/* Child: 200 posts, staff in one child and a contact in the other. */
static int poster(struct fx *f, int which, int *result)
{
	/* The configured default: a loaded CI machine with fsync on every
	 * commit can keep the lock longer than half a second. */
	struct store *s = fx_open(f, 5000);
	char *err = NULL;
	int ok = 0;
	for (int i = 0; i < N_POSTS; i++) {
		char body[64];
		snprintf(body, sizeof(body), "message %d from %d", i, which);
		int64_t t0 = clock_monotonic_ms();
		enum gw_result r = which == 0
			? store_message_post(s, g_thread, STORE_STAFF, f->owner, body, NULL, &err)
			: store_message_post(s, g_thread, STORE_CONTACT, f->c1, body, NULL, &err);
		int64_t dt = clock_monotonic_ms() - t0;
		if (dt > g_max_wait)
			g_max_wait = dt;
		if (r != GW_OK) {
			fprintf(stderr, "child %d post %d: %s: %s\n", which, i, gw_result_name(r),
				err);
			free(err);
			err = NULL;
			continue;
		}
		ok++;
		/* Think time, as between two requests: a writer that never pauses
		 * would starve any other writer under any lock without fairness. */
		struct timespec ts = { 0, 1000000 };
		nanosleep(&ts, NULL);
	}
	store_close(&s);
	if (getenv("GW_TEST_VERBOSE") != NULL)
		fprintf(stderr, "child %d: slowest post %lld ms\n", which, (long long)g_max_wait);
	*result = ok;
	return ok == N_POSTS ? 0 : -1;
}

static void test_store_two_processes_write_concurrently(void **state)
{
	struct fx *f = *state;
	g_thread = fx_chat(f, f->acc1, "Busy thread", "start", 1, 1, 1);
	int64_t before = fx_int(f, "SELECT count(*) FROM messages");
	int results[2];

	race(f, poster, results);
	assert_int_equal(results[0], N_POSTS);
	assert_int_equal(results[1], N_POSTS);
	assert_int_equal(fx_int(f, "SELECT count(*) FROM messages"), before + 2 * N_POSTS);
	/* Every message brought its notifications, none lost or doubled. */
	assert_int_equal(OUTBOX(f, "kind = 'new_message'"), 2 + 2 * N_POSTS);
	/* the member assigned, once a reply; the owner follows the chat they
	 * started and posted in, so each reply told them too */
	assert_int_equal(OUTBOX(f, "kind = 'staff_client_replied' AND recipient_id = %lld",
				(long long)f->member), N_POSTS);
	assert_int_equal(OUTBOX(f, "kind = 'staff_client_replied'"), 2 * N_POSTS);
	char *check = fx_text(f, "PRAGMA integrity_check");
	assert_string_equal(check, "ok");
	free(check);
}

/* Child: run the scheduler several times at the same instant. */
static int scheduler(struct fx *f, int which, int *result)
{
	struct store *s = fx_open(f, 5000);
	char *err = NULL;
	int total = 0;
	for (int i = 0; i < 5; i++) {
		int n = 0;
		if (store_reminders_run(s, T0 + DAY, &n, &err) != GW_OK) {
			fprintf(stderr, "scheduler %d: %s\n", which, err);
			free(err);
			store_close(&s);
			return -1;
		}
		total += n;
	}
	store_close(&s);
	*result = total;
	return 0;
}

static void test_store_racing_schedulers_enqueue_once(void **state)
{
	struct fx *f = *state;
	enum { N_THREADS = 120 };
	for (int i = 0; i < N_THREADS; i++)
		fx_chat(f, f->acc1, "Racing", "hello", 1, 1, 1); /* c1 and c2 each */
	int results[2];

	race(f, scheduler, results);
	assert_int_equal(results[0] + results[1], 2 * N_THREADS);
	assert_int_equal(OUTBOX(f, "kind = 'reminder'"), 2 * N_THREADS);
	assert_int_equal(fx_int(f, "SELECT count(DISTINCT dedup_key) FROM outbox"
				" WHERE kind = 'reminder'"), 2 * N_THREADS);
	assert_int_equal(fx_int(f, "SELECT count(*) FROM threads WHERE rem_sent = 1"
				" AND rem_next_due IS NULL"), N_THREADS);
}

/* Child: open (and so create and migrate) a database nobody created yet. */
static int opener(struct fx *f, int which, int *result)
{
	char path[400];
	snprintf(path, sizeof(path), "%s/fresh.db", f->dir);
	struct cfg_store cfg = { .path = path, .busy_timeout_ms = 5000, .synchronous_full = 1 };
	struct store *s = NULL;
	char *err = NULL;
	if (store_open(&cfg, &s, &err) != 0) {
		fprintf(stderr, "opener %d: %s\n", which, err);
		free(err);
		return -1;
	}
	*result = store_schema_version(s);
	store_close(&s);
	return 0;
}

static void test_store_two_processes_create_one_database(void **state)
{
	struct fx *f = *state;
	int results[2];
	race(f, opener, results);
	assert_int_equal(results[0], STORE_SCHEMA_VERSION);
	assert_int_equal(results[1], STORE_SCHEMA_VERSION);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, fx_setup, fx_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_store_two_processes_write_concurrently),
		T(test_store_racing_schedulers_enqueue_once),
		T(test_store_two_processes_create_one_database),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
