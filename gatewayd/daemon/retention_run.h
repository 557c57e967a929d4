/*
 * retention_run.h - the daemon's retention: a timer on the event loop
 * that, every [retention] interval, starts a run; the run itself is jobs
 * on the store pool's writer lane, one small step each (store/retention.h).
 *
 * A step's job resubmits itself from the worker while the store reports
 * more to do, so other writes (replies, marks, LMTP) queue between steps
 * and the loop never waits for SQLite; when a run is over the job comes
 * back to the loop through a done queue, which logs the totals.
 */
#ifndef GW_RETENTION_RUN_H
#define GW_RETENTION_RUN_H

#include "config.h"

struct event_base;
struct store_pool;
struct retention_run;

/* Nothing to do (NULL in *rr_r, 0) when every period is off. */
int retention_run_open(struct event_base *base, struct store_pool *pool,
		       const struct gw_config *cfg, struct retention_run **rr_r,
		       char **error_r);
/* Stop starting steps and take back the one queued (or wait for the one
 * running).  Before the pool closes. */
void retention_run_stop(struct retention_run *rr);
/* After the pool closed.  Accepts NULL; clears *rrp. */
void retention_run_free(struct retention_run **rrp);

#endif
