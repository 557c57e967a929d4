/*
 * bench_reminders.c - drives the reminder scheduler of the store for
 * bench/reminders/run.sh, through the public store API only.
 *
 *   bench_reminders init DB
 *       Create DB with the real schema (store_open); the caller seeds it
 *       with SQL afterwards.
 *   bench_reminders idle DB NOW PASSES
 *       PASSES scheduler passes at NOW when nothing is due, after a few
 *       warm-up passes.  A pass is what `gatewayctl tick` and the daemon's
 *       scheduler thread do: store_reminders_run() (its write transaction
 *       finds no due thread) and store_reminders_next_due() (the time to
 *       sleep until).  Prints "pass_us P run_us R next_us X": mean
 *       microseconds per pass and per call.  Fails when a pass enqueued
 *       anything or the next due time is not after NOW (an empty schedule
 *       is fine).
 *   bench_reminders due DB NOW EXPECT
 *       One store_reminders_run() at NOW; fails unless it enqueued EXPECT
 *       reminder rows.  Prints "run_ms M enqueued N" (the call alone; the
 *       benchmark times the whole process, as it does the sqlite3 shell).
 *
 * The store runs as the daemon runs it: WAL, synchronous=FULL.
 * Exit 0, or 1 with a message on stderr.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <time.h>

#include "store.h"

#define WARMUP_PASSES 20

static double now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static void check(enum gw_result r, const char *what, char *error)
{
	if (r == GW_OK)
		return;
	fprintf(stderr, "bench_reminders: %s: %s\n", what,
		error != NULL ? error : gw_result_name(r));
	free(error);
	exit(1);
}

static int64_t arg_int(const char *s, const char *what)
{
	char *end;
	long long v = strtoll(s, &end, 10);
	if (*s == '\0' || *end != '\0' || v < 0) {
		fprintf(stderr, "bench_reminders: %s \"%s\": not a number\n", what, s);
		exit(1);
	}
	return v;
}

static struct store *open_db(const char *path)
{
	struct cfg_store cs = { 0 };
	struct store *s = NULL;
	char *error = NULL;
	cs.path = (char *)path;
	cs.synchronous_full = 1;
	cs.busy_timeout_ms = 5000;
	if (store_open(&cs, &s, &error) < 0) {
		fprintf(stderr, "bench_reminders: %s\n", error != NULL ? error : path);
		exit(1);
	}
	store_set_mail_domain(s, "reply.example");
	return s;
}

/* One scheduler pass at now; adds the time of each call to *run and *next. */
static void idle_pass(struct store *s, int64_t now, double *run, double *next)
{
	char *error = NULL;
	int n = -1;
	int64_t due = 0;
	double t0 = now_us();
	check(store_reminders_run(s, now, &n, &error), "reminders run", error);
	double t1 = now_us();
	enum gw_result r = store_reminders_next_due(s, &due, &error);
	double t2 = now_us();
	if (r == GW_NOTFOUND) { /* nothing scheduled at all */
		free(error);
		due = INT64_MAX;
	} else {
		check(r, "next due", error);
	}
	if (n != 0 || due <= now) {
		fprintf(stderr, "bench_reminders: idle pass at %lld: %d enqueued, next due %lld\n",
			(long long)now, n, (long long)due);
		exit(1);
	}
	*run += t1 - t0;
	*next += t2 - t1;
}

static int cmd_idle(const char *path, int64_t now, int64_t passes)
{
	if (passes < 1) {
		fprintf(stderr, "bench_reminders: PASSES must be at least 1\n");
		return 1;
	}
	struct store *s = open_db(path);
	double run = 0, next = 0;
	for (int i = 0; i < WARMUP_PASSES; i++)
		idle_pass(s, now, &run, &next);
	run = next = 0;
	for (int64_t i = 0; i < passes; i++)
		idle_pass(s, now, &run, &next);
	store_close(&s);
	printf("pass_us %.2f run_us %.2f next_us %.2f\n", (run + next) / (double)passes,
	       run / (double)passes, next / (double)passes);
	return 0;
}

static int cmd_due(const char *path, int64_t now, int64_t expect)
{
	struct store *s = open_db(path);
	char *error = NULL;
	int n = 0;
	double t0 = now_us();
	check(store_reminders_run(s, now, &n, &error), "reminders run", error);
	double t1 = now_us();
	store_close(&s);
	if (n != expect) {
		fprintf(stderr, "bench_reminders: %d reminders enqueued, expected %lld\n", n,
			(long long)expect);
		return 1;
	}
	printf("run_ms %.1f enqueued %d\n", (t1 - t0) / 1e3, n);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "init") == 0) {
		struct store *s = open_db(argv[2]);
		store_close(&s);
		return 0;
	}
	if (argc == 5 && strcmp(argv[1], "idle") == 0)
		return cmd_idle(argv[2], arg_int(argv[3], "NOW"), arg_int(argv[4], "PASSES"));
	if (argc == 5 && strcmp(argv[1], "due") == 0)
		return cmd_due(argv[2], arg_int(argv[3], "NOW"), arg_int(argv[4], "EXPECT"));
	fprintf(stderr, "usage: bench_reminders init DB | idle DB NOW PASSES |"
			" due DB NOW EXPECT\n");
	return 64;
}
