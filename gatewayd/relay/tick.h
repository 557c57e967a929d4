/*
 * tick.h - one pass of gatewayd's scheduled work at a given time.
 *
 * `gatewayctl tick [--now T]` calls it once; the daemon's timer may call
 * it too.  A pass is a sequence of steps, each its own store operation(s):
 *
 *   1. reminders: enqueue every reminder due at or before now
 *      (store_reminders_run re-checks the stop rules), unless now is
 *      outside business hours: then they wait for the next open moment;
 *   2. delivery: hand the outbox rows due at now to the relay, once
 *      (relay_deliver_due: the same claim/compose/send/mark code as the
 *      daemon's workers, with the key file and transport opened for the
 *      pass).  The caller must ignore SIGPIPE.
 *
 * A later step does not run when an earlier one fails; what earlier steps
 * did stays done (each step is complete in itself), so running the pass
 * again is always safe.
 */
#ifndef GW_TICK_H
#define GW_TICK_H

#include <stdint.h>

#include "config.h"
#include "hours.h"
#include "store.h"

/* What one pass did; zeroed by tick_run. */
struct tick_report {
	int64_t now;            /* the time the pass ran at */
	int reminders_queued;   /* reminder outbox rows inserted by this pass */
	int64_t reminders_held; /* outside business hours: when they may go (0 = not held) */
	int sent;               /* outbox rows delivered */
	int deferred;           /* temporary failures, retried later */
	int failed;             /* permanent failures (or past max_lifetime) */
};

/*
 * Business hours of [reminders] (hours, days, timezone, holidays): *hours_r
 * is NULL when they are off.  Returns 0, or -1 with *error_r naming the key
 * or the holiday file's line.
 */
int tick_hours_load(const struct gw_config *cfg, struct gw_hours **hours_r, char **error_r);

/*
 * Run one pass at `now` (Unix seconds) on an open store.  cfg is the
 * whole configuration (steps take their own sections).  Returns GW_OK (0),
 * or the enum gw_result of the failed step with *error_r set (malloc'd;
 * GW_TEMPFAIL for a busy database: retry later).
 */
int tick_run(const struct gw_config *cfg, struct store *store, int64_t now,
	     struct tick_report *r, char **error_r);

#endif
