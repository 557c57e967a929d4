/*
 * store_webhooks.h - webhook endpoints, the events written for them and their
 * deliveries, in the store.
 *
 * Events.  A change that an endpoint may want (webhook.h, enum
 * webhook_event) writes one webhook_events row in its own transaction,
 * with the JSON body fixed then, and one delivery row per endpoint whose
 * events include it; with no such endpoint, nothing is written.  The body:
 *
 *   {"id":"evt_<32 hex>","type":"message.posted","created_at":UNIX,
 *    "data":{...}}
 *
 * Endpoints come from two places.  Those of [webhooks] are synced into
 * the store at start-up (store_webhook_sync: source "config"; one left out
 * of the file is marked removed and its deliveries wait, should it come
 * back); those made through the API are stored (source "api") and removed
 * by the API.  Names are unique across both.  Enabled state is the
 * store's: a restart does not re-enable an endpoint that was disabled.
 *
 * Deliveries.  A delivery is claimable when due, its endpoint enabled and
 * not removed, and no earlier delivery of the same endpoint and thread is
 * still queued or sending: one event per (endpoint, thread) is in flight,
 * and a later event waits for an earlier one that fails.  Events of no
 * thread (contact.bouncing) share the order key 0.  A delivery that fails
 * is queued again at the time the caller chose; its endpoint's
 * failing_since is set, and cleared by any success.  When a failure comes
 * disable_after or more after failing_since, the endpoint is disabled and
 * each owner (notify on) gets a staff_webhook_disabled email, in the same
 * transaction.  Deliveries are never dropped: a disabled endpoint's wait
 * until store_webhook_set_enabled(), which makes them due at once.
 */
#ifndef GW_STORE_WEBHOOKS_H
#define GW_STORE_WEBHOOKS_H

#include <stddef.h>
#include <stdint.h>

#include "gw.h"

struct store;

struct store_webhook {
	int64_t id;
	char *name;
	char *url;
	char *secret_file;
	unsigned events;        /* mask of enum webhook_event */
	int from_config;        /* source "config" */
	int enabled;
	int removed;            /* config endpoint left out of the file */
	int64_t failing_since;  /* 0 = last attempt succeeded (or none) */
	int64_t disabled_at;    /* 0 = enabled */
	char *disabled_reason;  /* NULL unless disabled by failures */
	int64_t created_at;
	int64_t queued;         /* deliveries waiting (queued or sending) */
	int64_t delivered;      /* deliveries done */
	char *last_error;       /* of the newest delivery that failed; NULL = none */
};
struct store_webhook_list {
	struct store_webhook *items;
	size_t count;
};

struct store_webhook_in {
	const char *name;
	const char *url;
	const char *secret_file;
	unsigned events;
};

/*
 * Make the config endpoints those of EPS: add the new, update url,
 * secret_file and events of the known (enabled state kept), mark those
 * left out removed (and those that came back not removed).  A name that
 * an API endpoint holds is GW_INVALID naming it.
 */
enum gw_result store_webhook_sync(struct store *store, const struct store_webhook_in *eps,
				  size_t n, char **error_r);
/* An API endpoint; the caller has checked url and secret_file.  A name in
 * use is GW_PERMFAIL. */
enum gw_result store_webhook_add(struct store *store, const struct store_webhook_in *ep,
				 int64_t *id_r, char **error_r);
/* Delete an API endpoint and its deliveries; a config endpoint is
 * GW_PERMFAIL (remove it from the file). */
enum gw_result store_webhook_remove(struct store *store, int64_t id, char **error_r);
/* Enable (failing_since cleared, waiting deliveries due now) or disable. */
enum gw_result store_webhook_set_enabled(struct store *store, int64_t id, int on,
					 char **error_r);
enum gw_result store_webhook_get(struct store *store, int64_t id,
				 struct store_webhook *ep_r, char **error_r);
/* By name, or by id when NAME is all digits. */
enum gw_result store_webhook_find(struct store *store, const char *name,
				  struct store_webhook *ep_r, char **error_r);
/* Every endpoint, removed ones included, by id. */
enum gw_result store_webhook_list(struct store *store, struct store_webhook_list *list_r,
				  char **error_r);
void store_webhook_clear(struct store_webhook *ep);
void store_webhook_list_free(struct store_webhook_list *list);

/* One claimed delivery, with what the POST needs. */
struct store_webhook_delivery {
	int64_t id;
	int64_t endpoint_id;
	char *endpoint_name;
	char *url;
	char *secret_file;
	char *event_id;      /* "evt_..." */
	char *type;          /* "message.posted" */
	char *body;          /* the JSON, fixed at the event */
	int64_t thread_key;
	int attempts;        /* claims so far, this one included */
	int64_t created_at;
};
struct store_webhook_delivery_list {
	struct store_webhook_delivery *items;
	size_t count;
};

/*
 * Claim up to MAX claimable deliveries (see above) due at NOW, queued or
 * sending with an expired lease, oldest first: they become sending with
 * lease_until = now + lease and attempts + 1.
 */
enum gw_result store_webhook_claim(struct store *store, int64_t now, int64_t lease, int max,
				   struct store_webhook_delivery_list *list_r,
				   char **error_r);
/* sending -> delivered; the endpoint's failing_since cleared. */
enum gw_result store_webhook_delivered(struct store *store, int64_t id, int64_t now,
				       char **error_r);
/*
 * sending -> queued at NEXT_ATTEMPT with WHY; the endpoint disabled (and
 * its owners told) when it has been failing for DISABLE_AFTER seconds:
 * *disabled_r is then 1.
 */
enum gw_result store_webhook_failed(struct store *store, int64_t id, int64_t now,
				    int64_t next_attempt, const char *why,
				    int64_t disable_after, int *disabled_r, char **error_r);
/* sending -> queued, attempts - 1, due now (shutdown before the POST). */
enum gw_result store_webhook_release(struct store *store, int64_t id, char **error_r);
/* Earliest time a delivery may become claimable; GW_NOTFOUND when none. */
enum gw_result store_webhook_next_due(struct store *store, int64_t *due_r, char **error_r);
void store_webhook_delivery_list_free(struct store_webhook_delivery_list *list);
/*
 * Forget deliveries done before BEFORE, and events older than BEFORE that
 * no delivery waits for any more; *n_r gets the events removed.  Events
 * still waiting (a disabled endpoint's) are kept, however old.
 */
enum gw_result store_webhook_prune(struct store *store, int64_t before, int64_t *n_r,
				   char **error_r);

#endif
