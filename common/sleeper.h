/*
 * sleeper.h - what a set of worker threads sleeps on between rounds: a
 * mutex, a condition variable on CLOCK_MONOTONIC, a wake sequence number
 * and a stop flag.  The relay's and the webhooks' threads use it.
 *
 * A thread reads sleeper_seq() before it looks for work and passes that
 * number to sleeper_wait(): a sleeper_wake() that came in between (work
 * queued while it was looking) is not lost, the wait returns at once.
 * sleeper_stop() ends every wait for good.
 *
 * The fields are sleeper.c's; a struct sleeper is embedded by value,
 * set up with sleeper_init() and torn down with sleeper_release() once no
 * thread uses it.
 */
#ifndef GW_SLEEPER_H
#define GW_SLEEPER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

struct sleeper {
	pthread_mutex_t mu;  /* guards seq and the sleeping */
	pthread_cond_t cond; /* CLOCK_MONOTONIC */
	uint64_t seq;
	atomic_int stopping;
};

void sleeper_init(struct sleeper *s);
void sleeper_release(struct sleeper *s);

/* The wake sequence number now, for sleeper_wait(). */
uint64_t sleeper_seq(struct sleeper *s);

/* Sleep up to MS, or until sleeper_wake() moved the number past SEQ, or
   sleeper_stop(). */
void sleeper_wait(struct sleeper *s, uint64_t seq, int64_t ms);

/* Wake every thread in sleeper_wait() (and the next one to wait). */
void sleeper_wake(struct sleeper *s);

/* Wake every thread, and make sleeper_stopping() true from now on. */
void sleeper_stop(struct sleeper *s);

static inline int sleeper_stopping(struct sleeper *s)
{
	return atomic_load(&s->stopping);
}

#endif
