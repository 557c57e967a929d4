/*
 * pool.c - the store pool (pool.h): one queue per lane under one mutex,
 * worker threads that each own a connection, and a condition variable that
 * store_pool_cancel() waits on (store_pool_run() waits on a semaphore).
 */
#include "pool.h"

#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "buf.h"
#include "clock.h"
#include "gw.h"
#include "store.h"

enum job_state {
	JOB_IDLE = 0,  /* never submitted */
	JOB_QUEUED,
	JOB_TAKEN,     /* a worker has it (running, or finished) */
};

struct lane {
	struct store_job *head, *tail;
	pthread_cond_t work;        /* a job was queued, or stop */
	unsigned pending;           /* queued + running */
};

struct worker {
	struct store_pool *pool;
	enum store_lane lane;
	struct store *store;
	struct store_job *current;  /* until its done has returned; never
				       dereferenced after run */
	pthread_t thread;
	int started;
	int64_t data_version;
};

struct store_pool {
	pthread_mutex_t mu;
	pthread_cond_t finished;    /* some job finished */
	struct lane lanes[2];
	int stop;
	atomic_uint_fast64_t generation;
	struct worker *workers;     /* readers first, then the writer */
	size_t n_workers;
	/* deferred audit entries (store_pool_audit_defer), under mu */
	struct store_audit_in *audit;
	size_t n_audit, cap_audit;
	int64_t audit_first_ms;     /* monotonic: when the oldest came */
	uint64_t audit_dropped;
};

static struct store_job *lane_pop(struct lane *l)
{
	struct store_job *j = l->head;

	if (j != NULL) {
		l->head = j->next;
		if (l->head == NULL)
			l->tail = NULL;
		j->next = NULL;
	}
	return j;
}

/* A reader notes commits of other connections before it reads. */
static void note_changes(struct worker *w)
{
	int64_t v;

	if (store_data_version(w->store, &v) < 0 || v != w->data_version) {
		w->data_version = v;
		atomic_fetch_add(&w->pool->generation, 1);
	}
}

/* Under mu: are the deferred audit entries due for the writer? */
static int audit_due(const struct store_pool *p)
{
	return p->n_audit > 0 &&
	       (p->stop || p->n_audit >= STORE_POOL_AUDIT_BATCH ||
		clock_monotonic_ms() >= p->audit_first_ms + STORE_POOL_AUDIT_DELAY_MS);
}

/* Under mu (dropped while appending): the writer appends what waits.  On
 * failure the entries go back in front, to be tried a second later. */
static void audit_append(struct worker *w)
{
	struct store_pool *p = w->pool;
	struct store_audit_in *batch = p->audit;
	size_t n = p->n_audit;
	char *error = NULL;

	p->audit = NULL;
	p->n_audit = p->cap_audit = 0;
	pthread_mutex_unlock(&p->mu);
	enum gw_result r = store_audit_append_many(w->store, batch, n, &error);
	free(error);
	pthread_mutex_lock(&p->mu);
	if (r != GW_OK && !p->stop) {
		/* the newer ones after the batch */
		size_t total = n + p->n_audit;

		batch = xrealloc(batch, total * sizeof(*batch));
		if (p->n_audit > 0)
			memcpy(batch + n, p->audit, p->n_audit * sizeof(*batch));
		free(p->audit);
		p->audit = batch;
		p->n_audit = p->cap_audit = total;
		p->audit_first_ms = clock_monotonic_ms();
		return;
	}
	for (size_t i = 0; i < n; i++)
		store_audit_in_free(&batch[i]);
	free(batch);
	if (p->n_audit > 0)
		p->audit_first_ms = clock_monotonic_ms();
}

/* Under mu: the writer's wait, which wakes for the audit entries' time. */
static void writer_wait(struct store_pool *p, struct lane *l)
{
	struct timespec ts;
	int64_t due;

	if (p->n_audit == 0) {
		pthread_cond_wait(&l->work, &p->mu);
		return;
	}
	due = p->audit_first_ms + STORE_POOL_AUDIT_DELAY_MS;
	ts.tv_sec = (time_t)(due / 1000);
	ts.tv_nsec = (long)(due % 1000) * 1000000L;
	(void)pthread_cond_timedwait(&l->work, &p->mu, &ts);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct store_pool *p = w->pool;
	struct lane *l = &p->lanes[w->lane];
	int writer = w->lane == STORE_LANE_WRITE;

	pthread_mutex_lock(&p->mu);
	for (;;) {
		struct store_job *j;

		while (l->head == NULL && !p->stop && !(writer && audit_due(p))) {
			if (writer)
				writer_wait(p, l);
			else
				pthread_cond_wait(&l->work, &p->mu);
		}
		if (writer && audit_due(p)) {
			audit_append(w);
			continue;
		}
		if ((j = lane_pop(l)) == NULL)
			break;  /* stopping, and nothing is left to do */
		j->state = JOB_TAKEN;
		w->current = j;
		pthread_mutex_unlock(&p->mu);

		if (w->lane == STORE_LANE_READ)
			note_changes(w);
		j->run(w->store, j);
		if (w->lane == STORE_LANE_WRITE)
			atomic_fetch_add(&p->generation, 1);
		/* done or the queue may hand the job to a thread that frees
		 * it: nothing here touches it afterwards. */
		if (j->reply_to != NULL) {
			struct store_done_queue *q = j->reply_to;

			if (j->done != NULL)
				j->done(j);
			store_done_queue_push(q, j);
		} else if (j->done != NULL) {
			j->done(j);
		}

		pthread_mutex_lock(&p->mu);
		w->current = NULL;
		l->pending--;
		pthread_cond_broadcast(&p->finished);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

static void stop_workers(struct store_pool *p)
{
	pthread_mutex_lock(&p->mu);
	p->stop = 1;
	pthread_cond_broadcast(&p->lanes[0].work);
	pthread_cond_broadcast(&p->lanes[1].work);
	pthread_mutex_unlock(&p->mu);
	for (size_t i = 0; i < p->n_workers; i++)
		if (p->workers[i].started)
			pthread_join(p->workers[i].thread, NULL);
}

int store_pool_open(const struct store_pool_settings *set, struct store_pool **pool_r,
		    char **error_r)
{
	struct store_pool *p;
	int readers = set->readers > 0 ? set->readers : 2;

	*pool_r = NULL;
	if (readers > STORE_POOL_READERS_MAX) {
		*error_r = xasprintf("store pool: %d readers, at most %d", readers,
				     STORE_POOL_READERS_MAX);
		return -1;
	}
	p = xcalloc(1, sizeof(*p));
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->finished, NULL);
	pthread_cond_init(&p->lanes[0].work, NULL);
	{
		/* the writer's timed wait runs on clock_monotonic_ms()'s clock */
		pthread_condattr_t ca;

		pthread_condattr_init(&ca);
		pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
		pthread_cond_init(&p->lanes[1].work, &ca);
		pthread_condattr_destroy(&ca);
	}
	atomic_init(&p->generation, 1);
	p->n_workers = (size_t)readers + 1;
	p->workers = xcalloc(p->n_workers, sizeof(*p->workers));

	/* The writer's connection first: it creates and migrates the file. */
	for (size_t k = 0; k < p->n_workers; k++) {
		size_t i = (k + p->n_workers - 1) % p->n_workers;
		struct worker *w = &p->workers[i];

		w->pool = p;
		w->lane = i == p->n_workers - 1 ? STORE_LANE_WRITE : STORE_LANE_READ;
		if (store_open(set->store, &w->store, error_r) < 0)
			goto fail;
		if (set->mail_domain != NULL)
			store_set_mail_domain(w->store, set->mail_domain);
		store_set_reminder_defaults(w->store,
					    set->reminder_days > 0 ? set->reminder_days : 3,
					    set->reminder_count > 0 ? set->reminder_count : 1);
		if (store_data_version(w->store, &w->data_version) < 0)
			w->data_version = -1;
	}
	for (size_t i = 0; i < p->n_workers; i++) {
		struct worker *w = &p->workers[i];

		if (pthread_create(&w->thread, NULL, worker_main, w) != 0) {
			*error_r = xstrdup("store pool: cannot start a thread");
			goto fail;
		}
		w->started = 1;
	}
	*pool_r = p;
	return 0;
fail:
	store_pool_close(&p);
	return -1;
}

void store_pool_close(struct store_pool **poolp)
{
	struct store_pool *p = poolp != NULL ? *poolp : NULL;

	if (p == NULL)
		return;
	*poolp = NULL;
	stop_workers(p);
	for (size_t i = 0; i < p->n_workers; i++)
		store_close(&p->workers[i].store);
	free(p->workers);
	/* left only when the writer never started */
	for (size_t i = 0; i < p->n_audit; i++)
		store_audit_in_free(&p->audit[i]);
	free(p->audit);
	pthread_cond_destroy(&p->lanes[0].work);
	pthread_cond_destroy(&p->lanes[1].work);
	pthread_cond_destroy(&p->finished);
	pthread_mutex_destroy(&p->mu);
	free(p);
}

void store_pool_submit(struct store_pool *p, enum store_lane lane, struct store_job *j)
{
	struct lane *l = &p->lanes[lane == STORE_LANE_WRITE];

	j->next = NULL;
	pthread_mutex_lock(&p->mu);
	j->state = JOB_QUEUED;
	if (l->tail != NULL)
		l->tail->next = j;
	else
		l->head = j;
	l->tail = j;
	l->pending++;
	pthread_cond_signal(&l->work);
	pthread_mutex_unlock(&p->mu);
}

/* Under the mutex: is a worker still on j (before its done returned)? */
static int job_busy(const struct store_pool *p, const struct store_job *j)
{
	for (size_t i = 0; i < p->n_workers; i++)
		if (p->workers[i].current == j)
			return 1;
	return 0;
}

int store_pool_cancel(struct store_pool *p, struct store_job *j)
{
	int removed = 0;

	pthread_mutex_lock(&p->mu);
	if (j->state == JOB_QUEUED) {
		for (int i = 0; i < 2 && !removed; i++) {
			struct lane *l = &p->lanes[i];
			struct store_job **pp, *prev = NULL;

			for (pp = &l->head; *pp != NULL; prev = *pp, pp = &(*pp)->next) {
				if (*pp != j)
					continue;
				*pp = j->next;
				if (l->tail == j)
					l->tail = prev;
				j->next = NULL;
				j->state = JOB_IDLE;
				l->pending--;
				removed = 1;
				break;
			}
		}
	}
	while (!removed && job_busy(p, j))
		pthread_cond_wait(&p->finished, &p->mu);
	pthread_mutex_unlock(&p->mu);
	return removed;
}

/*
 * store_pool_run(): a job on the caller's stack and a semaphore of its
 * own to wait on.  Not the pool's "finished" condition: every job's end
 * broadcasts that, and the relay's workers, each waiting for its own
 * write, woke one another for every job (a mark per mail made that tens
 * of futex calls per mail).  done posts the semaphore; the worker does
 * not touch the job after done returns, and glibc's sem_post is safe
 * when the waiter returns and the semaphore goes out of scope at once.
 */
struct sync_job {
	struct store_job job;       /* first: the job is the record */
	void (*fn)(struct store *store, void *arg);
	void *arg;
	sem_t done;
};

static void sync_run(struct store *store, struct store_job *job)
{
	struct sync_job *s = (struct sync_job *)job;

	s->fn(store, s->arg);
}

static void sync_done(struct store_job *job)
{
	struct sync_job *s = (struct sync_job *)job;

	sem_post(&s->done);
}

void store_pool_run(struct store_pool *p, enum store_lane lane,
		    void (*fn)(struct store *store, void *arg), void *arg)
{
	struct sync_job s;

	memset(&s, 0, sizeof(s));
	s.job.run = sync_run;
	s.job.done = sync_done;
	s.fn = fn;
	s.arg = arg;
	sem_init(&s.done, 0, 0);
	store_pool_submit(p, lane, &s.job);
	while (sem_wait(&s.done) < 0 && errno == EINTR)
		;
	sem_destroy(&s.done);
}

void store_pool_audit_defer(struct store_pool *p, const struct store_audit_in *in)
{
	pthread_mutex_lock(&p->mu);
	if (p->n_audit >= STORE_POOL_AUDIT_MAX) {
		p->audit_dropped++;
		pthread_mutex_unlock(&p->mu);
		return;
	}
	if (p->n_audit == p->cap_audit) {
		p->cap_audit = p->cap_audit > 0 ? p->cap_audit * 2 : 16;
		p->audit = xrealloc(p->audit, p->cap_audit * sizeof(*p->audit));
	}
	store_audit_in_copy(&p->audit[p->n_audit], in);
	if (p->n_audit++ == 0) {
		p->audit_first_ms = clock_monotonic_ms();
		/* the writer may be in an untimed wait */
		pthread_cond_signal(&p->lanes[STORE_LANE_WRITE].work);
	} else if (p->n_audit == STORE_POOL_AUDIT_BATCH) {
		pthread_cond_signal(&p->lanes[STORE_LANE_WRITE].work);
	}
	pthread_mutex_unlock(&p->mu);
}

static void audit_flush_now(struct store *store, void *arg)
{
	struct store_pool *p = arg;

	GW_UNUSED(store);
	pthread_mutex_lock(&p->mu);
	if (p->n_audit > 0) {
		struct worker *w = &p->workers[p->n_workers - 1];

		audit_append(w);
	}
	pthread_mutex_unlock(&p->mu);
}

void store_pool_audit_flush(struct store_pool *p)
{
	store_pool_run(p, STORE_LANE_WRITE, audit_flush_now, p);
}

uint64_t store_pool_audit_dropped(struct store_pool *p)
{
	uint64_t n;

	pthread_mutex_lock(&p->mu);
	n = p->audit_dropped;
	pthread_mutex_unlock(&p->mu);
	return n;
}

uint64_t store_pool_generation(struct store_pool *p)
{
	return atomic_load(&p->generation);
}

unsigned store_pool_pending(struct store_pool *p, enum store_lane lane)
{
	unsigned n;

	pthread_mutex_lock(&p->mu);
	n = p->lanes[lane == STORE_LANE_WRITE].pending;
	pthread_mutex_unlock(&p->mu);
	return n;
}

/* ---- done queues ---- */

struct store_done_queue {
	pthread_mutex_t mu;
	struct store_job *head, *tail;
	int fd;                     /* eventfd: readable while head != NULL */
};

int store_done_queue_open(struct store_done_queue **queue_r, char **error_r)
{
	struct store_done_queue *q = xcalloc(1, sizeof(*q));

	q->fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (q->fd < 0) {
		*error_r = xasprintf("store pool: eventfd: %s", strerror(errno));
		free(q);
		*queue_r = NULL;
		return -1;
	}
	pthread_mutex_init(&q->mu, NULL);
	*queue_r = q;
	return 0;
}

void store_done_queue_close(struct store_done_queue **queuep)
{
	struct store_done_queue *q = queuep != NULL ? *queuep : NULL;

	if (q == NULL)
		return;
	*queuep = NULL;
	close(q->fd);
	pthread_mutex_destroy(&q->mu);
	free(q);
}

int store_done_queue_fd(const struct store_done_queue *q)
{
	return q->fd;
}

void store_done_queue_push(struct store_done_queue *q, struct store_job *j)
{
	uint64_t one = 1;
	int wake;

	j->next = NULL;
	pthread_mutex_lock(&q->mu);
	wake = q->head == NULL;
	if (q->tail != NULL)
		q->tail->next = j;
	else
		q->head = j;
	q->tail = j;
	/* Written under the mutex, so that take() cannot drain the counter
	 * between our append and this write and leave it readable for an
	 * empty queue (harmless, but a wasted wakeup). */
	if (wake)
		while (write(q->fd, &one, sizeof(one)) < 0 && errno == EINTR)
			;
	pthread_mutex_unlock(&q->mu);
}

struct store_job *store_done_queue_take(struct store_done_queue *q)
{
	struct store_job *list;
	uint64_t n;

	pthread_mutex_lock(&q->mu);
	list = q->head;
	q->head = q->tail = NULL;
	while (read(q->fd, &n, sizeof(n)) < 0 && errno == EINTR)
		;
	pthread_mutex_unlock(&q->mu);
	return list;
}
