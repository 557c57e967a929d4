/*
 * webhook_threads.c - the daemon's webhook delivery threads (see
 * webhook_delivery.h): claim, post, mark, sleep.
 *
 * The threads share struct webhook_delivery: a sleeper (sleeper.h) to
 * sleep on, and one store connection of their own.  Every store call runs
 * on the store pool's writer lane (store_pool_run), in turn with every
 * other writer of the process, on that connection: it runs with
 * synchronous=NORMAL, as the relay's workers' do, because its commits only
 * move rows that exist (claims and marks), and a mark lost to a power cut
 * means an event posted again with its id, which delivery at least once
 * allows.  A commit with an fsync per mark had held delivery to about 150
 * events a second.  The POST itself runs on the thread, with no lock and
 * no store call pending.
 */
#include "webhook_delivery.h"

#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "clock.h"
#include "log.h"
#include "pool.h"
#include "sleeper.h"
#include "store.h"
#include "store_webhooks.h"

/* Deliveries claimed at a time by one thread. */
#define WEBHOOK_BATCH 4
/* Delivered events are forgotten after this (receivers dedupe by id
 * within it), looked at hourly by the first thread. */
#define WEBHOOK_KEEP (7 * CLOCK_DAY)
#define WEBHOOK_PRUNE_EVERY 3600

struct webhook_worker {
	struct webhook_delivery *wd;
	struct webhook_client *client;
	int index;
	int64_t pruned_at;
	pthread_t thread;
	int started;
};

struct webhook_delivery {
	const struct gw_config *cfg;
	struct store_pool *pool;
	struct store *store;     /* used on the pool's writer lane only */
	struct sleeper sleep;
	struct webhook_worker *workers;
	size_t n_workers;
};

/* ---- store calls on the writer lane ---- */

struct call {
	struct webhook_delivery *wd;
	int64_t id, now, next, due;
	const char *why;
	int disabled;
	struct store_webhook_delivery_list list;
	enum gw_result r;
	char *error;
};

static void do_claim(struct store *store, void *arg)
{
	struct call *c = arg;
	int64_t lease = 2 * c->wd->cfg->webhooks.timeout + 5;

	c->r = store_webhook_claim(store, c->now, lease, WEBHOOK_BATCH, &c->list, &c->error);
}

static void do_delivered(struct store *store, void *arg)
{
	struct call *c = arg;

	c->r = store_webhook_delivered(store, c->id, c->now, &c->error);
}

static void do_failed(struct store *store, void *arg)
{
	struct call *c = arg;

	c->r = store_webhook_failed(store, c->id, c->now, c->next, c->why,
				    c->wd->cfg->webhooks.disable_after, &c->disabled, &c->error);
}

static void do_release(struct store *store, void *arg)
{
	struct call *c = arg;

	c->r = store_webhook_release(store, c->id, &c->error);
}

static void do_prune(struct store *store, void *arg)
{
	struct call *c = arg;

	c->r = store_webhook_prune(store, c->now - WEBHOOK_KEEP, &c->due, &c->error);
}

static void do_next_due(struct store *store, void *arg)
{
	struct call *c = arg;

	c->r = store_webhook_next_due(store, &c->due, &c->error);
}

struct on_lane {
	void (*fn)(struct store *, void *);
	struct call *c;
};

/* On the lane's thread: our connection, not the lane's. */
static void on_lane(struct store *lane_store, void *arg)
{
	struct on_lane *l = arg;

	(void)lane_store;
	l->fn(l->c->wd->store, l->c);
}

static void run(struct webhook_delivery *wd, void (*fn)(struct store *, void *), struct call *c)
{
	struct on_lane l = { fn, c };

	c->wd = wd;
	c->error = NULL;
	store_pool_run(wd->pool, STORE_LANE_WRITE, on_lane, &l);
}

/* ---- waking ---- */

void webhook_delivery_wake(struct webhook_delivery *wd)
{
	if (wd == NULL)
		return;
	sleeper_wake(&wd->sleep);
}

/* ---- one delivery ---- */

static void mark(struct webhook_delivery *wd, const struct store_webhook_delivery *d,
		 enum gw_result r, const struct webhook_answer *a, int64_t now)
{
	struct call c = { .id = d->id, .now = now };

	if (r == GW_OK) {
		run(wd, do_delivered, &c);
		if (c.r == GW_OK)
			log_info("webhook: %s %s (%s) to %s: delivered (%ld)", d->endpoint_name,
				 d->event_id, d->type, d->url, a->status);
	} else {
		int64_t delay = webhook_backoff(&wd->cfg->webhooks, d->attempts);

		c.next = now + delay;
		c.why = a->error;
		run(wd, do_failed, &c);
		if (c.r == GW_OK)
			log_warn("webhook: %s %s (%s) to %s: %s, retry in %llds", d->endpoint_name,
				 d->event_id, d->type, d->url, a->error, (long long)delay);
		if (c.r == GW_OK && c.disabled)
			log_error("webhook: %s: disabled after failing for %llds; events wait"
				  " until it is enabled again (gatewayctl webhook enable %s)",
				  d->endpoint_name, (long long)wd->cfg->webhooks.disable_after,
				  d->endpoint_name);
	}
	if (c.r != GW_OK)
		log_error("webhook: %s %s: cannot record the outcome: %s (posted again after"
			  " its lease)", d->endpoint_name, d->event_id, c.error);
	free(c.error);
}

/*
 * POST a claimed batch in turn.  The lease is twice the timeout plus 5 s;
 * once the batch has taken more than one timeout, what is left of it is
 * given back rather than posted with too little lease left (another
 * thread could claim it meanwhile and post it twice).
 */
static void deliver_batch(struct webhook_worker *w, struct store_webhook_delivery_list *l,
			  int64_t claimed_at)
{
	struct webhook_delivery *wd = w->wd;

	for (size_t i = 0; i < l->count; i++) {
		const struct store_webhook_delivery *d = &l->items[i];
		struct webhook_answer a;
		enum gw_result r;

		if (sleeper_stopping(&wd->sleep) ||
		    clock_now() - claimed_at > wd->cfg->webhooks.timeout) {
			struct call c = { .id = d->id };

			run(wd, do_release, &c);
			free(c.error);
			continue;
		}
		r = webhook_post(w->client, d, clock_now(), wd->cfg->webhooks.timeout, &a);
		mark(wd, d, r, &a, clock_now());
		webhook_answer_clear(&a);
	}
}

static int64_t sleep_ms(const struct webhook_delivery *wd, int64_t due)
{
	int64_t wait = wd->cfg->webhooks.poll_interval_ms;
	int64_t d;

	if (due <= 0)
		return wait;
	d = (due - clock_now()) * 1000;
	if (d < 100)
		d = 100;
	return d < wait ? d : wait;
}

static void *worker_main(void *arg)
{
	struct webhook_worker *w = arg;
	struct webhook_delivery *wd = w->wd;

	while (!sleeper_stopping(&wd->sleep)) {
		uint64_t seq = sleeper_seq(&wd->sleep);
		struct call c = { .now = clock_now() };

		if (w->index == 0 && c.now - w->pruned_at >= WEBHOOK_PRUNE_EVERY) {
			struct call p = { .now = c.now };

			run(wd, do_prune, &p);
			if (p.r != GW_OK)
				log_warn("webhook: forgetting old events: %s", p.error);
			else if (p.due > 0)
				log_info("webhook: forgot %lld delivered events older than %d days",
					 (long long)p.due, (int)(WEBHOOK_KEEP / CLOCK_DAY));
			free(p.error);
			w->pruned_at = c.now;
		}

		run(wd, do_claim, &c);
		if (c.r != GW_OK) {
			log_error("webhook: claim: %s", c.error);
			free(c.error);
			sleeper_wait(&wd->sleep, seq, wd->cfg->webhooks.poll_interval_ms);
			continue;
		}
		size_t n = c.list.count;
		deliver_batch(w, &c.list, c.now);
		store_webhook_delivery_list_free(&c.list);
		if (n > 0)
			continue;
		struct call nd = { 0 };
		run(wd, do_next_due, &nd);
		free(nd.error);
		sleeper_wait(&wd->sleep, seq, sleep_ms(wd, nd.r == GW_OK ? nd.due : 0));
	}
	return NULL;
}

/* ---- open and close ---- */

int webhook_sync_config(struct store *store, const struct cfg_webhooks *cfg, char **error_r)
{
	struct store_webhook_in *eps = xcalloc(cfg->n_endpoints + 1, sizeof(*eps));
	enum gw_result r;

	for (size_t i = 0; i < cfg->n_endpoints; i++) {
		eps[i].name = cfg->endpoints[i].name;
		eps[i].url = cfg->endpoints[i].url;
		eps[i].secret_file = cfg->endpoints[i].secret_file;
		eps[i].events = cfg->endpoints[i].events;
	}
	r = store_webhook_sync(store, eps, cfg->n_endpoints, error_r);
	free(eps);
	return r == GW_OK ? 0 : -1;
}

struct sync_call {
	const struct cfg_webhooks *cfg;
	int rc;
	char *error;
};

static void do_sync(struct store *store, void *arg)
{
	struct sync_call *s = arg;

	s->rc = webhook_sync_config(store, s->cfg, &s->error);
}

static void wd_join(struct webhook_delivery *wd)
{
	sleeper_stop(&wd->sleep);
	for (size_t i = 0; i < wd->n_workers; i++) {
		if (wd->workers[i].started)
			pthread_join(wd->workers[i].thread, NULL);
		wd->workers[i].started = 0;
	}
}

static void wd_free(struct webhook_delivery *wd)
{
	for (size_t i = 0; i < wd->n_workers; i++)
		webhook_client_free(&wd->workers[i].client);
	store_close(&wd->store);
	sleeper_release(&wd->sleep);
	free(wd->workers);
	free(wd);
}

static int open_resources(struct webhook_delivery *wd, char **error_r)
{
	struct cfg_store settings = wd->cfg->store;
	char *error = NULL;

	settings.synchronous_full = 0; /* see the top of this file */
	if (store_open(&settings, &wd->store, &error) < 0) {
		*error_r = xasprintf("webhooks: %s", error);
		free(error);
		return -1;
	}
	/* The staff_webhook_disabled emails get Message-IDs of this domain. */
	store_set_mail_domain(wd->store, wd->cfg->mail.reply_domain);
	for (size_t i = 0; i < wd->n_workers; i++) {
		wd->workers[i].client = webhook_client_new();
		if (wd->workers[i].client == NULL) {
			*error_r = xstrdup("webhooks: libcurl: cannot make a handle");
			return -1;
		}
	}
	return 0;
}

int webhook_delivery_open(const struct gw_config *cfg, struct store_pool *pool,
			  struct webhook_delivery **wd_r, char **error_r)
{
	struct webhook_delivery *wd;
	struct sync_call s = { .cfg = &cfg->webhooks };
	sigset_t all, old;
	int err = 0;

	*wd_r = NULL;
	if (webhook_post_init(error_r) < 0)
		return -1;
	store_pool_run(pool, STORE_LANE_WRITE, do_sync, &s);
	if (s.rc < 0) {
		*error_r = s.error;
		return -1;
	}
	wd = xcalloc(1, sizeof(*wd));
	wd->cfg = cfg;
	wd->pool = pool;
	sleeper_init(&wd->sleep);
	wd->n_workers = (size_t)cfg->webhooks.concurrency;
	wd->workers = xcalloc(wd->n_workers, sizeof(*wd->workers));
	if (open_resources(wd, error_r) < 0) {
		wd_free(wd);
		return -1;
	}
	/* Signals belong to the event loop thread. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	for (size_t i = 0; i < wd->n_workers && err == 0; i++) {
		wd->workers[i].wd = wd;
		wd->workers[i].index = (int)i;
		err = pthread_create(&wd->workers[i].thread, NULL, worker_main, &wd->workers[i]);
		wd->workers[i].started = err == 0;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err != 0) {
		*error_r = xasprintf("webhooks: cannot start a thread: %s", strerror(err));
		wd_join(wd);
		wd_free(wd);
		return -1;
	}
	*wd_r = wd;
	return 0;
}

void webhook_delivery_close(struct webhook_delivery **wdp)
{
	struct webhook_delivery *wd = wdp != NULL ? *wdp : NULL;

	if (wd == NULL)
		return;
	*wdp = NULL;
	wd_join(wd);
	wd_free(wd);
}
