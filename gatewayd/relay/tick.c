/*
 * tick.c - one pass of gatewayd's scheduled work (see tick.h): due
 * reminders, then due outbox delivery.
 */
#include "tick.h"

#include "relay.h"

#include <string.h>

int tick_run(const struct gw_config *cfg, struct store *store, int64_t now,
	     struct tick_report *r, char **error_r)
{
	enum gw_result res;
	int n = 0;

	memset(r, 0, sizeof(*r));
	r->now = now;

	/* 1. Reminders: the store re-checks every stop rule at due time and
	 * enqueues each reminder exactly once (dedup key). */
	res = store_reminders_run(store, now, &n, error_r);
	if (res != GW_OK)
		return (int)res;
	r->reminders_queued = n;

	/* 2. Delivery: every row due now, the reminders just queued too. */
	struct relay_report rr;

	memset(&rr, 0, sizeof(rr));
	res = relay_deliver_due(cfg, store, now, &rr, error_r);
	r->sent = rr.sent;
	r->deferred = rr.deferred;
	r->failed = rr.failed;
	return (int)res;
}
