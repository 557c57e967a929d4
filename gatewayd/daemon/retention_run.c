/*
 * retention_run.c - the daemon's retention timer and its jobs
 * (retention_run.h).
 */
#include "retention_run.h"

#include <inttypes.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "buf.h"
#include "clock.h"
#include "log.h"
#include "pool.h"
#include "retention.h"

struct retention_run {
	struct store_job job;            /* first: the job is the record */
	struct event_base *base;
	struct store_pool *pool;
	struct store_done_queue *doneq;
	struct event *timer, *done_ev;
	struct store_retention periods;
	int batch;
	char *files_dir;
	int running;                     /* the loop's: a run is under way */
	atomic_int stopping;
	/* the worker's while the run goes on; the loop's once it is back */
	struct store_retention_result total;
	int64_t started_ms;
	int steps;
	char *error;
};

/* On the writer: one step; whether another follows decides reply_to. */
static void step_run(struct store *store, struct store_job *job)
{
	struct retention_run *rr = (struct retention_run *)job;
	char *error = NULL;
	enum gw_result r;

	r = store_retention_step(store, &rr->periods, clock_now(), rr->batch, rr->files_dir,
				 &rr->total, &error);
	rr->steps++;
	if (r != GW_OK) {
		free(rr->error);
		rr->error = error != NULL ? error : xstrdup(gw_result_name(r));
		rr->total.more = 0;
	}
	/* The worker reads reply_to after this returns: the last step goes
	 * back to the loop, the others are resubmitted by step_done(). */
	if (rr->total.more && !atomic_load(&rr->stopping))
		job->reply_to = NULL;
	else
		job->reply_to = rr->doneq;
}

static void step_done(struct store_job *job)
{
	struct retention_run *rr = (struct retention_run *)job;

	if (job->reply_to == NULL)
		store_pool_submit(rr->pool, STORE_LANE_WRITE, job);
}

static void run_start(struct retention_run *rr)
{
	if (rr->running || atomic_load(&rr->stopping))
		return;
	rr->running = 1;
	memset(&rr->total, 0, sizeof(rr->total));
	rr->steps = 0;
	rr->started_ms = clock_monotonic_ms();
	memset(&rr->job, 0, sizeof(rr->job));
	rr->job.run = step_run;
	rr->job.done = step_done;
	store_pool_submit(rr->pool, STORE_LANE_WRITE, &rr->job);
}

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	run_start(arg);
}

/* On the loop: a run is over. */
static void on_done(evutil_socket_t fd, short what, void *arg)
{
	struct retention_run *rr = arg;
	const struct store_retention_result *t = &rr->total;

	(void)fd;
	(void)what;
	if (store_done_queue_take(rr->doneq) == NULL)
		return;
	rr->running = 0;
	if (rr->error != NULL) {
		log_warn("retention: stopped after %d steps: %s", rr->steps, rr->error);
		free(rr->error);
		rr->error = NULL;
	}
	if (t->threads + t->attachments + t->outbox + t->inbound + t->files > 0)
		log_info("retention: deleted %" PRId64 " threads, %" PRId64 " attachments, %"
			 PRId64 " outbox rows, %" PRId64 " inbound log rows, %" PRId64
			 " files in %d steps, %" PRId64 " ms",
			 t->threads, t->attachments, t->outbox, t->inbound, t->files, rr->steps,
			 clock_monotonic_ms() - rr->started_ms);
}

int retention_run_open(struct event_base *base, struct store_pool *pool,
		       const struct gw_config *cfg, struct retention_run **rr_r,
		       char **error_r)
{
	const struct cfg_retention *c = &cfg->retention;
	struct retention_run *rr;
	struct timeval tv = { (time_t)c->interval, 0 };

	*rr_r = NULL;
	if (c->archived_threads == 0 && c->attachments == 0 && c->outbox == 0 &&
	    c->inbound_log == 0 && c->sessions == 0)
		return 0;
	rr = xcalloc(1, sizeof(*rr));
	rr->base = base;
	rr->pool = pool;
	rr->periods.archived_threads = c->archived_threads;
	rr->periods.attachments = c->attachments;
	rr->periods.outbox = c->outbox;
	rr->periods.inbound_log = c->inbound_log;
	rr->periods.sessions = c->sessions;
	rr->batch = (int)c->batch;
	rr->files_dir = xstrdup(cfg->store.attachments_dir);
	atomic_init(&rr->stopping, 0);
	if (store_done_queue_open(&rr->doneq, error_r) < 0)
		goto fail;
	rr->timer = event_new(base, -1, EV_PERSIST, on_timer, rr);
	rr->done_ev = event_new(base, store_done_queue_fd(rr->doneq), EV_READ | EV_PERSIST,
				on_done, rr);
	if (rr->timer == NULL || rr->done_ev == NULL || event_add(rr->timer, &tv) < 0 ||
	    event_add(rr->done_ev, NULL) < 0) {
		*error_r = xstrdup("retention: cannot add its events");
		goto fail;
	}
	/* The first run right away, the next ones every interval. */
	event_active(rr->timer, EV_TIMEOUT, 0);
	*rr_r = rr;
	return 0;
fail:
	retention_run_free(&rr);
	return -1;
}

void retention_run_stop(struct retention_run *rr)
{
	if (rr == NULL)
		return;
	atomic_store(&rr->stopping, 1);
	if (rr->timer != NULL)
		event_del(rr->timer);
	if (rr->running)
		(void)store_pool_cancel(rr->pool, &rr->job);
}

void retention_run_free(struct retention_run **rrp)
{
	struct retention_run *rr = rrp != NULL ? *rrp : NULL;

	if (rr == NULL)
		return;
	*rrp = NULL;
	if (rr->timer != NULL)
		event_free(rr->timer);
	if (rr->done_ev != NULL)
		event_free(rr->done_ev);
	store_done_queue_close(&rr->doneq);
	free(rr->files_dir);
	free(rr->error);
	free(rr);
}
