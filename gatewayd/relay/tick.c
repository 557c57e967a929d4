/*
 * tick.c - one pass of gatewayd's scheduled work (see tick.h): due
 * reminders, then due outbox delivery.
 */
#include "tick.h"

#include "relay.h"

#include <string.h>

int tick_hours_load(const struct gw_config *cfg, struct gw_hours **hours_r, char **error_r)
{
	struct hours_settings set = {
		.hours = cfg->reminders.hours, .days = cfg->reminders.days,
		.timezone = cfg->reminders.timezone, .holidays = cfg->reminders.holidays,
	};

	return hours_load(&set, hours_r, error_r);
}

int tick_run(const struct gw_config *cfg, struct store *store, int64_t now,
	     struct tick_report *r, char **error_r)
{
	struct gw_hours *hours = NULL;
	enum gw_result res;
	int64_t open;
	int n = 0;

	memset(r, 0, sizeof(*r));
	r->now = now;

	if (tick_hours_load(cfg, &hours, error_r) < 0)
		return (int)GW_INVALID;
	open = hours_next_open(hours, now);
	hours_free(&hours);
	/* 1. Reminders: the store re-checks every stop rule at due time and
	 * enqueues each reminder exactly once (dedup key); outside business
	 * hours they wait. */
	if (open > now) {
		r->reminders_held = open;
	} else {
		res = store_reminders_run(store, now, &n, error_r);
		if (res != GW_OK)
			return (int)res;
		r->reminders_queued = n;
	}

	/* 2. Delivery: every row due now, the reminders just queued too. */
	struct relay_report rr;

	memset(&rr, 0, sizeof(rr));
	res = relay_deliver_due(cfg, store, now, &rr, error_r);
	r->sent = rr.sent;
	r->deferred = rr.deferred;
	r->failed = rr.failed;
	return (int)res;
}
