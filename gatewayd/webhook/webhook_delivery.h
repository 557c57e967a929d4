/*
 * webhook_delivery.h - posting webhook events to their endpoints: the
 * signature, one POST (libcurl), and the daemon's delivery threads.
 *
 * One delivery:
 *   claim   store_webhook_claim(): due deliveries become "sending" under a
 *           lease, at most one per endpoint and thread (order)
 *   secret  the first line of the endpoint's secret_file, read again for
 *           every POST (a rotated secret is used at once; a file that went
 *           missing or readable by others fails the attempt, naming it)
 *   post    POST URL with the event's JSON body and the headers
 *             Content-Type: application/json
 *             Gatewayd-Event: TYPE
 *             Gatewayd-Event-Id: evt_...   (the same on every retry)
 *             Gatewayd-Timestamp: T        (Unix seconds of this attempt)
 *             Gatewayd-Signature: t=T,v1=HEX
 *           HEX = lowercase HMAC-SHA256(secret, "T.BODY").  Redirects are
 *           not followed (a 3xx is a failure naming its Location); the
 *           whole request is bounded by [webhooks] timeout.
 *   mark    2xx -> delivered; anything else -> queued again after
 *           retry_min doubled per attempt, at most retry_max; an endpoint
 *           failing for disable_after is disabled (store_webhooks.h).
 * and one log line per attempt:
 *   webhook: crm evt_... (message.posted) to https://...: delivered (204)
 *   webhook: crm evt_... (message.posted) to https://...: 500, retry in 20s
 *
 * Threads.  [webhooks] concurrency threads, each with its own store
 * connection for reads and its own curl handle; their writes (claim and
 * marks) take turns on the store pool's writer lane.  They never touch the
 * event loop; the loop only calls webhook_delivery_wake().  A kill -9
 * leaves each thread at most one delivery "sending": it is posted again,
 * with the same event id, once its lease (twice the timeout, plus 5 s)
 * runs out.  So delivery is at least once; receivers drop duplicates by
 * Gatewayd-Event-Id.
 */
#ifndef GW_WEBHOOK_DELIVERY_H
#define GW_WEBHOOK_DELIVERY_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "gw.h"

struct store;
struct store_pool;
struct store_webhook_delivery;

/* "t=T,v1=HEX" over "T.BODY" (malloc'd). */
char *webhook_signature(const char *secret, int64_t t, const char *body, size_t body_len);

/* What became of one POST. */
struct webhook_answer {
	long status;        /* HTTP status; 0 when none came */
	char *error;        /* malloc'd: why it failed; NULL when delivered */
};

/*
 * A client: one libcurl handle, whose connections to endpoints are kept
 * open from one POST to the next.  One per thread.  webhook_post_init()
 * once per process before any client is made.
 */
struct webhook_client;
int webhook_post_init(char **error_r);
struct webhook_client *webhook_client_new(void);
void webhook_client_free(struct webhook_client **clientp);

/*
 * POST one claimed delivery (secret read here) at time NOW, waiting at most
 * TIMEOUT seconds.  Returns GW_OK for a 2xx answer, GW_TEMPFAIL otherwise,
 * with answer->error saying why.  Call webhook_answer_clear() after.
 */
enum gw_result webhook_post(struct webhook_client *client,
			    const struct store_webhook_delivery *d, int64_t now,
			    int64_t timeout, struct webhook_answer *answer);
void webhook_answer_clear(struct webhook_answer *answer);

/* Seconds to wait after ATTEMPTS failed attempts (>= 1). */
int64_t webhook_backoff(const struct cfg_webhooks *cfg, int attempts);

struct webhook_delivery;

/*
 * Sync [webhooks] endpoints into the store (store_webhook_sync) and start
 * the threads.  Returns 0, or -1 with *error_r set and nothing running.
 */
int webhook_delivery_open(const struct gw_config *cfg, struct store_pool *pool,
			  struct webhook_delivery **wd_r, char **error_r);
/* Look for due deliveries now (after a write of this process). */
void webhook_delivery_wake(struct webhook_delivery *wd);
/* Stop: the POSTs in flight finish (bounded by the timeout), deliveries
 * claimed but not started are released.  Accepts NULL; clears *wdp. */
void webhook_delivery_close(struct webhook_delivery **wdp);

/* Sync the config's endpoints into STORE (also gatewayctl init). */
int webhook_sync_config(struct store *store, const struct cfg_webhooks *cfg, char **error_r);

#endif
