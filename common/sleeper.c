/*
 * sleeper.c - a wake-up point for worker threads (see sleeper.h).
 */
#include "sleeper.h"

#include <errno.h>
#include <time.h>

void sleeper_init(struct sleeper *s)
{
	pthread_condattr_t ca;

	pthread_mutex_init(&s->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&s->cond, &ca);
	pthread_condattr_destroy(&ca);
	s->seq = 0;
	atomic_init(&s->stopping, 0);
}

void sleeper_release(struct sleeper *s)
{
	pthread_cond_destroy(&s->cond);
	pthread_mutex_destroy(&s->mu);
}

uint64_t sleeper_seq(struct sleeper *s)
{
	uint64_t seq;

	pthread_mutex_lock(&s->mu);
	seq = s->seq;
	pthread_mutex_unlock(&s->mu);
	return seq;
}

void sleeper_wait(struct sleeper *s, uint64_t seq, int64_t ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (ms % 1000) * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&s->mu);
	while (!atomic_load(&s->stopping) && s->seq == seq)
		if (pthread_cond_timedwait(&s->cond, &s->mu, &ts) == ETIMEDOUT)
			break;
	pthread_mutex_unlock(&s->mu);
}

void sleeper_wake(struct sleeper *s)
{
	pthread_mutex_lock(&s->mu);
	s->seq++;
	pthread_cond_broadcast(&s->cond);
	pthread_mutex_unlock(&s->mu);
}

void sleeper_stop(struct sleeper *s)
{
	pthread_mutex_lock(&s->mu);
	atomic_store(&s->stopping, 1);
	pthread_cond_broadcast(&s->cond);
	pthread_mutex_unlock(&s->mu);
}
