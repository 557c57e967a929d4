/*
 * pool.h - store work off the event loop: a pool of threads, each with its
 * own store connection, that runs jobs and hands them back.
 *
 * Why: a SQLite call blocks (an fsync with synchronous=FULL, up to
 * busy_timeout while another process holds the write lock).  The daemon's
 * event loop also answers LMTP, the policy service, event streams and the
 * watchdog, so it must never make one.  A caller on the loop parses a
 * request, submits one job, and replies when the job comes back.
 *
 * Lanes:
 *   STORE_LANE_READ   `readers` threads, each with its own connection.
 *                     In WAL mode a reader never waits for a writer, so a
 *                     page keeps answering while the write lock is held.
 *                     Jobs here must not write.
 *   STORE_LANE_WRITE  one thread and one connection for every in-process
 *                     writer, in submission order: writers of this process
 *                     never compete for SQLite's lock among themselves (its
 *                     busy handler sleeps for milliseconds), and a write
 *                     that waits for another process's lock holds up only
 *                     the writes queued behind it, never a read.
 *
 * A job is embedded in the caller's own request record (no allocation):
 * fill in run and done, submit, and do not touch the job until done has
 * been called.  run(store, job) runs on a worker with that worker's
 * connection; done(job) is called on the same worker right after, and is
 * where the caller hands the result back to its own thread (event_active()
 * for a libevent loop: the pool itself knows nothing of libevent).  The
 * caller may free the job from done on, but not inside done when another
 * thread is about to look at it: hand it over, then free it there.
 *
 * Every submitted job runs exactly once, shutdown included:
 * store_pool_close() lets the workers finish every queued job before it
 * joins them.  store_pool_cancel() takes back a job that has not started.
 *
 * Change generation: store_pool_generation() increases whenever the pool
 * may have seen the database change: after every write-lane job, and when
 * a read-lane worker finds (PRAGMA data_version, checked before each job)
 * that another connection or process has committed.  A cache of rendered
 * data keyed by the generation read inside a job is never stale.
 */
#ifndef GW_STORE_POOL_H
#define GW_STORE_POOL_H

#include <stdint.h>

#include "config.h"

struct store;
struct store_pool;

enum store_lane {
	STORE_LANE_READ = 0,
	STORE_LANE_WRITE = 1,
};

struct store_job;
typedef void store_job_fn(struct store *store, struct store_job *job);
typedef void store_job_done_fn(struct store_job *job);

struct store_done_queue;

struct store_job {
	store_job_fn *run;          /* required */
	store_job_done_fn *done;    /* may be NULL */
	/* When set, the finished job (after done) is put on this queue for
	 * the thread that watches it: see store_done_queue below. */
	struct store_done_queue *reply_to;
	/* the pool's */
	struct store_job *next;
	int state;
};

struct store_pool_settings {
	const struct cfg_store *store;
	int readers;                /* reader threads; 0 = 2 */
	const char *mail_domain;    /* store_set_mail_domain(); NULL = default */
	int reminder_days;          /* store_set_reminder_defaults(); 0 = 3 */
	int reminder_count;         /* 0 = 1 */
};

#define STORE_POOL_READERS_MAX 32

/*
 * Open one connection per reader and one for the writer lane (the first
 * one migrates the schema), and start the threads.  Returns 0, or -1 with
 * *error_r set and nothing left running.
 */
int store_pool_open(const struct store_pool_settings *settings,
		    struct store_pool **pool_r, char **error_r);
/* Finish every queued job, stop and join the threads, close the
 * connections.  Accepts NULL; clears *poolp.  Not from a worker. */
void store_pool_close(struct store_pool **poolp);

/* Queue job on lane.  Never blocks for the database.  From any thread. */
void store_pool_submit(struct store_pool *pool, enum store_lane lane,
		       struct store_job *job);
/*
 * Take back a submitted job: 1 when it had not started (it will never
 * run; done is not called); 0 when it has run or is running, after
 * waiting for its done to return.  Not from a worker.
 */
int store_pool_cancel(struct store_pool *pool, struct store_job *job);
/*
 * Run fn(store, arg) on lane and wait for it: for threads that may block
 * (the relay's workers), so that their writes share the writer lane.
 * Not from a worker of this pool.
 */
void store_pool_run(struct store_pool *pool, enum store_lane lane,
		    void (*fn)(struct store *store, void *arg), void *arg);

/*
 * A done queue hands finished jobs back to one thread that waits on a
 * descriptor (an event loop: watch store_done_queue_fd() for reading, then
 * take the jobs).  Pushing is cheap and wakes the descriptor only when the
 * queue was empty, so a busy loop takes many jobs per wakeup.
 */
int store_done_queue_open(struct store_done_queue **queue_r, char **error_r);
/* Accepts NULL; clears *queuep.  Jobs still on it are dropped (not freed). */
void store_done_queue_close(struct store_done_queue **queuep);
int store_done_queue_fd(const struct store_done_queue *queue);
/* From any thread; the job is the taker's from now on. */
void store_done_queue_push(struct store_done_queue *queue, struct store_job *job);
/* Every job pushed so far, oldest first, linked through job->next (NULL
 * when none); clears the descriptor's readiness. */
struct store_job *store_done_queue_take(struct store_done_queue *queue);

/*
 * Audit entries of read jobs (store/audit.h).  A read job may not write,
 * so a job that answers a staff member's view hands its audit entry here
 * (copied; from any thread, never blocks for the database).  The writer
 * lane's thread appends what was handed over in one transaction once the
 * oldest entry is STORE_POOL_AUDIT_DELAY_MS old (or STORE_POOL_AUDIT_BATCH
 * are waiting), between jobs, and at store_pool_close(): a crash of the
 * process loses at most the last second's views.  An append that fails
 * (database busy) is retried a second later; beyond
 * STORE_POOL_AUDIT_MAX waiting entries new ones are counted as dropped.
 */
#define STORE_POOL_AUDIT_DELAY_MS 1000
#define STORE_POOL_AUDIT_BATCH 256
#define STORE_POOL_AUDIT_MAX 65536
struct store_audit_in;
void store_pool_audit_defer(struct store_pool *pool, const struct store_audit_in *in);
/* Append every waiting entry now and wait for it (tests).  Not from a worker. */
void store_pool_audit_flush(struct store_pool *pool);
/* Entries dropped because too many were waiting. */
uint64_t store_pool_audit_dropped(struct store_pool *pool);

/* See "Change generation" above.  From any thread. */
uint64_t store_pool_generation(struct store_pool *pool);
/* Jobs queued or running on lane (for status lines and tests). */
unsigned store_pool_pending(struct store_pool *pool, enum store_lane lane);

#endif
