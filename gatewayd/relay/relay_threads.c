/*
 * relay_threads.c - the daemon's delivery threads: [mail] concurrency
 * workers that claim and deliver outbox rows, and one scheduler that runs
 * the reminder timer and counts the queue.
 *
 * Every thread has its own store connection (and each worker its own
 * transport); they share only struct relay: a sleeper (sleeper.h) to sleep
 * on, and counters.  The event loop thread calls relay_wake() and
 * relay_stats() and never waits for I/O.
 *
 * Writes to the database from these threads (claim, sent, deferred,
 * failed, release, reminder runs) go through the store pool's writer lane
 * (relay_write), the one lane of every in-process writer: the API, the
 * web view and LMTP.  SQLite's own busy handler makes a writer that finds
 * the lock taken sleep for 1, 2, 5, 10... ms; the lane hands the turn over
 * in microseconds instead.  Other processes (gatewayctl, gatewayd-pipe)
 * still meet SQLite's busy_timeout as usual.
 */
#include "relay_int.h"

#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "log.h"
#include "pool.h"
#include "sleeper.h"
#include "tick.h"

struct relay_worker {
	struct relay *relay;
	int index;
	int started;
	pthread_t thread;
	struct store *store;
	struct transport *transport;
};

struct relay {
	const struct gw_config *cfg;
	struct relay_settings rs;  /* rs.keys unused: see keys */
	/* Link keys, read per row; relay_set_keys() swaps them (caller owns). */
	_Atomic(const struct link_keys *) keys;

	struct sleeper sleep;

	struct store_pool *pool;   /* its writer lane orders our writes */
	int own_pool;              /* opened by relay_open: closed by relay_close */
	/* The workers' writes: pool's lane with one connection of their own
	 * (relay_int.h, struct relay_writer). */
	struct relay_writer writer;

	struct relay_worker *workers;
	size_t n_workers;

	pthread_t sched_thread;
	int sched_started;
	struct store *sched_store;
	struct gw_hours *hours;    /* business hours of reminders; NULL = always */

	_Atomic int64_t queued, sending, failed;
	_Atomic int64_t sent_total, deferred_total, failed_total, reminders_total;
	_Atomic uint64_t activity; /* bumped by every delivery, for the counts */
};

static int64_t realtime_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * How long to sleep: the poll interval, or less when DUE (Unix seconds,
 * 0 = nothing known) comes first.  A due time that has come but could not
 * be claimed yet (a lease expires strictly after lease_until) is retried
 * at the next whole second.
 */
static int64_t sleep_ms(const struct relay *r, int64_t due)
{
	int64_t wait = r->cfg->mail.poll_interval_ms;
	int64_t now_ms = realtime_ms(), target, d;

	if (due <= 0)
		return wait;
	target = due * 1000;
	if (target <= now_ms)
		target = (now_ms / 1000 + 1) * 1000;
	d = target - now_ms;
	if (d < 1)
		d = 1;
	return d < wait ? d : wait;
}

void relay_wake(struct relay *r)
{
	if (r == NULL)
		return;
	sleeper_wake(&r->sleep);
}

void relay_set_keys(struct relay *r, const struct link_keys *keys)
{
	if (r == NULL || keys == NULL)
		return;
	atomic_store(&r->keys, keys);
}

void relay_stats(struct relay *r, struct relay_stats *s)
{
	memset(s, 0, sizeof(*s));
	if (r == NULL)
		return;
	s->queued = atomic_load(&r->queued);
	s->sending = atomic_load(&r->sending);
	s->failed = atomic_load(&r->failed);
	s->sent_total = atomic_load(&r->sent_total);
	s->deferred_total = atomic_load(&r->deferred_total);
	s->failed_total = atomic_load(&r->failed_total);
	s->reminders_total = atomic_load(&r->reminders_total);
}

/* ---- workers -------------------------------------------------------------- */

struct release_write {
	int64_t id;
	enum gw_result result;
	char *error;
};

static void write_release(struct store *store, void *arg)
{
	struct release_write *w = arg;

	w->result = store_outbox_release(store, w->id, &w->error);
}

/* Give claimed rows from..count back: due now, the attempt not counted. */
static void release_rows(struct relay_worker *w, const struct store_outbox_list *list,
			 size_t from, const char *why)
{
	struct relay *r = w->relay;

	for (size_t i = from; i < list->count; i++) {
		const struct store_outbox *row = &list->items[i];
		struct release_write rw = { row->id, GW_OK, NULL };
		char *error;
		enum gw_result res;

		relay_write(r->writer.pool, r->writer.store, write_release, &rw);
		res = rw.result;
		error = rw.error;
		if (res == GW_OK)
			log_info("relay: outbox %" PRId64 " to %s: released (%s)", row->id,
				  row->recipient_address, why);
		else
			log_error("relay: outbox %" PRId64 " to %s: cannot release (%s), it goes "
				  "out after its lease: %s", row->id, row->recipient_address, why,
				  error != NULL ? error : gw_result_name(res));
		free(error);
	}
}

static void count_report(struct relay *r, const struct relay_report *rep)
{
	atomic_fetch_add(&r->sent_total, rep->sent);
	atomic_fetch_add(&r->deferred_total, rep->deferred);
	atomic_fetch_add(&r->failed_total, rep->failed);
	atomic_fetch_add(&r->activity, 1);
}

/*
 * Deliver a claimed batch one row at a time; give the rest back at
 * shutdown or when the batch has taken a quarter of the lease.  Claims
 * are batched, marks are not: each row sent is marked in its own commit
 * before the next one goes out (relay.h, "Durability").
 */
static void deliver_batch(struct relay_worker *w, const struct store_outbox_list *list,
			  struct buf *scratch, int *batch)
{
	struct relay *r = w->relay;
	int64_t start_ms = clock_monotonic_ms();
	int64_t budget_ms = r->cfg->mail.lease * 1000 / 4;
	struct relay_report rep;

	/* A full batch means more is waiting: take more next time. */
	if (list->count == (size_t)*batch)
		*batch = *batch * 2 <= RELAY_BATCH_MAX ? *batch * 2 : RELAY_BATCH_MAX;
	else
		*batch = RELAY_BATCH;
	memset(&rep, 0, sizeof(rep));
	for (size_t i = 0; i < list->count; i++) {
		if (sleeper_stopping(&r->sleep)) {
			release_rows(w, list, i, "shutdown");
			break;
		}
		if (clock_monotonic_ms() - start_ms > budget_ms) {
			release_rows(w, list, i, "slow batch");
			*batch = RELAY_BATCH;
			break;
		}
		struct relay_settings rs = r->rs;

		rs.keys = atomic_load(&r->keys);
		relay_deliver(&rs, w->store, w->transport, &list->items[i], clock_now(),
			      scratch, &r->writer, &rep);
	}
	count_report(r, &rep);
}

struct claim_write {
	int64_t now, lease;
	int batch;
	struct store_outbox_list *list;
	enum gw_result result;
	char *error;
};

static void write_claim(struct store *store, void *arg)
{
	struct claim_write *c = arg;

	c->result = store_outbox_claim(store, c->now, c->lease, c->batch, c->list, &c->error);
}

/* Claim up to batch rows; on an error say so once per run of errors. */
static enum gw_result worker_claim(struct relay_worker *w, int batch,
				   struct store_outbox_list *list, int *failing)
{
	struct relay *r = w->relay;
	struct claim_write cw = { clock_now(), r->cfg->mail.lease, batch, list, GW_OK, NULL };
	char *error;
	enum gw_result res;

	relay_write(r->writer.pool, r->writer.store, write_claim, &cw);
	res = cw.result;
	error = cw.error;
	if (res != GW_OK && !*failing)
		log_warn("relay: worker %d: cannot claim outbox rows: %s", w->index,
			 error != NULL ? error : gw_result_name(res));
	if (res == GW_OK && *failing)
		log_info("relay: worker %d: claiming outbox rows again", w->index);
	*failing = res != GW_OK;
	free(error);
	return res;
}

/* When the next row becomes due (0 = none known). */
static int64_t worker_next_due(struct relay_worker *w)
{
	int64_t due = 0;
	char *error = NULL;
	enum gw_result res = store_outbox_next_due(w->store, &due, &error);

	if (res != GW_OK && res != GW_NOTFOUND)
		log_debug("relay: worker %d: next due time: %s", w->index,
			  error != NULL ? error : gw_result_name(res));
	free(error);
	return res == GW_OK ? due : 0;
}

static void *worker_main(void *arg)
{
	struct relay_worker *w = arg;
	struct relay *r = w->relay;
	struct buf scratch = BUF_INIT;
	int failing = 0, batch = RELAY_BATCH;

	while (!sleeper_stopping(&r->sleep)) {
		struct store_outbox_list list = { NULL, 0 };
		uint64_t seq = sleeper_seq(&r->sleep);

		if (worker_claim(w, batch, &list, &failing) != GW_OK) {
			sleeper_wait(&r->sleep, seq, r->cfg->mail.poll_interval_ms);
		} else if (list.count > 0) {
			deliver_batch(w, &list, &scratch, &batch);
		} else {
			/* Sleep until then, the poll interval, or relay_wake(). */
			sleeper_wait(&r->sleep, seq, sleep_ms(r, worker_next_due(w)));
		}
		store_outbox_list_free(&list);
	}
	buf_release(&scratch);
	return NULL;
}

/* ---- scheduler ------------------------------------------------------------ */

#define RELAY_COUNT_INTERVAL_MS 2000

static void sched_count(struct relay *r, int64_t *last_ms, uint64_t *last_activity)
{
	struct store_outbox_counts counts;
	uint64_t activity = atomic_load(&r->activity);
	int64_t now_ms = clock_monotonic_ms();
	char *error = NULL;

	if (*last_ms != 0 && (activity == *last_activity ||
			      now_ms - *last_ms < RELAY_COUNT_INTERVAL_MS))
		return;
	if (store_outbox_counts(r->sched_store, &counts, &error) == GW_OK) {
		atomic_store(&r->queued, counts.queued);
		atomic_store(&r->sending, counts.sending);
		atomic_store(&r->failed, counts.failed);
	}
	free(error);
	*last_ms = now_ms;
	*last_activity = activity;
}

struct reminders_write {
	int64_t now;
	int n;
	enum gw_result result;
	char *error;
};

static void write_reminders(struct store *store, void *arg)
{
	struct reminders_write *w = arg;

	w->result = store_reminders_run(store, w->now, &w->n, &w->error);
}

/* Due reminders into the outbox; returns the next due time (0 = none). */
static int64_t sched_reminders(struct relay *r, int *failing)
{
	int64_t due = 0, now = clock_now();
	char *error = NULL;
	enum gw_result res;
	int n = 0;

	res = store_reminders_next_due(r->sched_store, &due, &error);
	/* outside business hours what is due waits for the next open moment */
	if (res == GW_OK && due <= now && hours_next_open(r->hours, now) > now)
		return hours_next_open(r->hours, now);
	if (res == GW_OK && due <= now) {
		free(error);
		error = NULL;
		struct reminders_write rw = { now, 0, GW_OK, NULL };

		relay_write(r->pool, r->sched_store, write_reminders, &rw);
		res = rw.result;
		n = rw.n;
		error = rw.error;
		if (res == GW_OK) {
			if (n > 0) {
				log_info("reminders: %d reminder email%s queued", n,
					 n == 1 ? "" : "s");
				atomic_fetch_add(&r->reminders_total, n);
				atomic_fetch_add(&r->activity, 1);
				relay_wake(r);
			}
			res = store_reminders_next_due(r->sched_store, &due, &error);
		}
	}
	if (res == GW_NOTFOUND) {
		res = GW_OK;
		due = 0;
	}
	if (res != GW_OK) {
		if (!*failing)
			log_warn("reminders: %s", error != NULL ? error : gw_result_name(res));
		*failing = 1;
		due = 0;
	} else {
		if (*failing)
			log_info("reminders: running again");
		*failing = 0;
	}
	free(error);
	return due;
}

static void *sched_main(void *arg)
{
	struct relay *r = arg;
	int64_t last_count_ms = 0;
	uint64_t last_activity = 0;
	int failing = 0;

	while (!sleeper_stopping(&r->sleep)) {
		uint64_t seq = sleeper_seq(&r->sleep);
		int64_t due = sched_reminders(r, &failing);

		sched_count(r, &last_count_ms, &last_activity);
		sleeper_wait(&r->sleep, seq, sleep_ms(r, due));
	}
	return NULL;
}

/* ---- open and close ------------------------------------------------------- */

static void relay_free(struct relay *r)
{
	for (size_t i = 0; i < r->n_workers; i++) {
		transport_close(&r->workers[i].transport);
		store_close(&r->workers[i].store);
	}
	free(r->workers);
	store_close(&r->writer.store);
	store_close(&r->sched_store);
	hours_free(&r->hours);
	if (r->own_pool)
		store_pool_close(&r->pool);
	sleeper_release(&r->sleep);
	free(r);
}

static void relay_join(struct relay *r)
{
	sleeper_stop(&r->sleep);
	for (size_t i = 0; i < r->n_workers; i++) {
		if (r->workers[i].started)
			pthread_join(r->workers[i].thread, NULL);
		r->workers[i].started = 0;
	}
	if (r->sched_started)
		pthread_join(r->sched_thread, NULL);
	r->sched_started = 0;
}

static int open_connections(struct relay *r, char **error_r)
{
	const struct gw_config *cfg = r->cfg;
	struct cfg_store worker_store = cfg->store;
	char *error = NULL;

	/* See "Durability" in relay.h. */
	worker_store.synchronous_full = 0;
	if (store_open(&worker_store, &r->writer.store, &error) < 0) {
		*error_r = xasprintf("relay: workers' writes: %s", error);
		free(error);
		return -1;
	}
	r->writer.pool = r->pool;
	for (size_t i = 0; i < r->n_workers; i++) {
		struct relay_worker *w = &r->workers[i];

		w->relay = r;
		w->index = (int)i;
		if (store_open(&worker_store, &w->store, &error) < 0) {
			*error_r = xasprintf("relay: worker %zu: %s", i, error);
			free(error);
			return -1;
		}
		if (relay_transport_open(&cfg->mail, &w->transport, &error) < 0) {
			*error_r = xasprintf("relay: [mail] transport: %s", error);
			free(error);
			return -1;
		}
	}
	if (store_open(&cfg->store, &r->sched_store, &error) < 0) {
		*error_r = xasprintf("relay: scheduler: %s", error);
		free(error);
		return -1;
	}
	if (tick_hours_load(cfg, &r->hours, &error) < 0) {
		*error_r = xasprintf("relay: %s", error);
		free(error);
		return -1;
	}
	store_set_mail_domain(r->sched_store, cfg->mail.reply_domain);
	store_set_reminder_defaults(r->sched_store, (int)cfg->reminders.default_days,
				    (int)cfg->reminders.default_count);
	return 0;
}

static int start_threads(struct relay *r, char **error_r)
{
	sigset_t all, old;
	int err = 0;

	/* Signals belong to the event loop thread. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	for (size_t i = 0; i < r->n_workers && err == 0; i++) {
		err = pthread_create(&r->workers[i].thread, NULL, worker_main, &r->workers[i]);
		r->workers[i].started = err == 0;
	}
	if (err == 0) {
		err = pthread_create(&r->sched_thread, NULL, sched_main, r);
		r->sched_started = err == 0;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err != 0) {
		*error_r = xasprintf("relay: cannot start a thread: %s", strerror(err));
		return -1;
	}
	return 0;
}

/* The relay's own pool, when relay_open was given none: only its writer
 * lane is used. */
static int open_pool(struct relay *r, char **error_r)
{
	struct store_pool_settings ps = { 0 };
	char *error = NULL;

	ps.store = &r->cfg->store;
	ps.readers = 1;
	ps.mail_domain = r->cfg->mail.reply_domain;
	ps.reminder_days = (int)r->cfg->reminders.default_days;
	ps.reminder_count = (int)r->cfg->reminders.default_count;
	if (store_pool_open(&ps, &r->pool, &error) < 0) {
		*error_r = xasprintf("relay: %s", error);
		free(error);
		return -1;
	}
	r->own_pool = 1;
	return 0;
}

int relay_open(const struct gw_config *cfg, const struct link_keys *keys,
	       struct store_pool *pool, struct relay **relay_r, char **error_r)
{
	struct relay *r = xcalloc(1, sizeof(*r));

	*relay_r = NULL;
	r->cfg = cfg;
	relay_settings_init(&r->rs, cfg, keys);
	atomic_init(&r->keys, keys);
	sleeper_init(&r->sleep);
	r->pool = pool;
	r->n_workers = cfg->mail.concurrency > 0 ? (size_t)cfg->mail.concurrency : 1;
	r->workers = xcalloc(r->n_workers, sizeof(*r->workers));

	if ((pool == NULL && open_pool(r, error_r) < 0) || open_connections(r, error_r) < 0 ||
	    start_threads(r, error_r) < 0) {
		relay_join(r);
		relay_free(r);
		return -1;
	}
	*relay_r = r;
	return 0;
}

void relay_close(struct relay **relayp)
{
	struct relay *r = relayp != NULL ? *relayp : NULL;

	if (r == NULL)
		return;
	*relayp = NULL;
	relay_join(r);
	relay_free(r);
}
