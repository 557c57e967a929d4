/*
 * accept_pause.c - back off from accept() on EMFILE/ENFILE (accept_pause.h).
 *
 * libevent hands the error callback the listener's own user data (evhttp's
 * or the LMTP server's), not ours, so the pauses are found by listener in
 * a small table.  There are only a few listeners (the web loops, the API,
 * LMTP, policy), all made at start-up.
 */
#include "accept_pause.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>
#include <event2/listener.h>
#include <event2/util.h>

#include "buf.h"
#include "gw.h"
#include "log.h"

#define PAUSE_TABLE 64

struct accept_pause {
	struct evconnlistener *lev;
	struct event *resume;
	char *name;
	unsigned long count;       /* pauses since the start */
	unsigned long unlogged;    /* pauses since the last log line */
	int paused;
	time_t logged_at;
};

static pthread_mutex_t table_mu = PTHREAD_MUTEX_INITIALIZER;
static struct accept_pause *table[PAUSE_TABLE];

static struct accept_pause *find(struct evconnlistener *lev)
{
	struct accept_pause *ap = NULL;

	pthread_mutex_lock(&table_mu);
	for (size_t i = 0; i < PAUSE_TABLE && ap == NULL; i++)
		if (table[i] != NULL && table[i]->lev == lev)
			ap = table[i];
	pthread_mutex_unlock(&table_mu);
	return ap;
}

static void resume_cb(evutil_socket_t fd, short what, void *arg)
{
	struct accept_pause *ap = arg;

	GW_UNUSED(fd);
	GW_UNUSED(what);
	ap->paused = 0;
	(void)evconnlistener_enable(ap->lev);
}

void accept_pause_kick(struct accept_pause *ap)
{
	if (ap == NULL || !ap->paused)
		return;
	(void)event_del(ap->resume);
	resume_cb(-1, 0, ap);
}

static void error_cb(struct evconnlistener *lev, void *user)
{
	int err = EVUTIL_SOCKET_ERROR();
	struct accept_pause *ap = find(lev);
	struct timeval pause = { 0, ACCEPT_PAUSE_MS * 1000 };
	time_t now = time(NULL);

	GW_UNUSED(user);
	if (ap == NULL)
		return;
	/* Whatever the error, waiting a moment is better than spinning:
	 * EMFILE, ENFILE, ENOBUFS and ENOMEM all clear only with time. */
	(void)evconnlistener_disable(lev);
	(void)event_add(ap->resume, &pause);
	ap->paused = 1;
	ap->count++;
	ap->unlogged++;
	if (now - ap->logged_at >= ACCEPT_PAUSE_LOG_EVERY) {
		log_warn("%s: accept: %s; pausing %d ms (%lu times since the last report)",
			 ap->name, strerror(err), ACCEPT_PAUSE_MS, ap->unlogged);
		ap->logged_at = now;
		ap->unlogged = 0;
	}
}

struct accept_pause *accept_pause_watch(struct evconnlistener *lev, const char *name)
{
	struct accept_pause *ap;
	int placed = 0;

	if (lev == NULL)
		return NULL;
	ap = xcalloc(1, sizeof(*ap));
	ap->lev = lev;
	ap->name = xstrdup(name);
	ap->resume = evtimer_new(evconnlistener_get_base(lev), resume_cb, ap);
	if (ap->resume == NULL) {
		free(ap->name);
		free(ap);
		return NULL;
	}
	pthread_mutex_lock(&table_mu);
	for (size_t i = 0; i < PAUSE_TABLE && !placed; i++) {
		if (table[i] == NULL) {
			table[i] = ap;
			placed = 1;
		}
	}
	pthread_mutex_unlock(&table_mu);
	if (!placed) {
		event_free(ap->resume);
		free(ap->name);
		free(ap);
		return NULL;
	}
	evconnlistener_set_error_cb(lev, error_cb);
	return ap;
}

void accept_pause_free(struct accept_pause **app)
{
	struct accept_pause *ap = app != NULL ? *app : NULL;

	if (ap == NULL)
		return;
	*app = NULL;
	pthread_mutex_lock(&table_mu);
	for (size_t i = 0; i < PAUSE_TABLE; i++)
		if (table[i] == ap)
			table[i] = NULL;
	pthread_mutex_unlock(&table_mu);
	evconnlistener_set_error_cb(ap->lev, NULL);
	event_free(ap->resume);
	free(ap->name);
	free(ap);
}

unsigned long accept_pause_count(const struct accept_pause *ap)
{
	return ap != NULL ? ap->count : 0;
}
