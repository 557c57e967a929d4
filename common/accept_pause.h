/*
 * accept_pause.h - a listener that stops accepting for a moment when
 * accept() fails for want of descriptors or memory.
 *
 * A listening socket is level-triggered: with EMFILE/ENFILE the pending
 * connection stays queued, the socket stays readable, and a loop that
 * just logs and returns calls accept() again at once, millions of times
 * a second.  accept_pause_watch() installs an error callback on the
 * listener that disables it for ACCEPT_PAUSE_MS and logs at most one line
 * per ACCEPT_PAUSE_LOG_EVERY seconds (with how often it happened).  The
 * queued connections wait in the kernel's backlog meanwhile.
 *
 * Lives in its own library (gw_evlisten) so that gw_common and
 * gatewayd-pipe stay free of libevent.  All calls for one listener come
 * from the thread of its event base.
 */
#ifndef GW_ACCEPT_PAUSE_H
#define GW_ACCEPT_PAUSE_H

#define ACCEPT_PAUSE_MS 250
#define ACCEPT_PAUSE_LOG_EVERY 10

struct evconnlistener;
struct accept_pause;

/* Watch lev (borrowed: free the pause before the listener).  name starts
 * the log lines ("web", "api", "lmtp").  Returns NULL only when no timer
 * can be made (then accept errors are logged by libevent as before). */
struct accept_pause *accept_pause_watch(struct evconnlistener *lev, const char *name);
/* Accepts NULL; clears *app. */
void accept_pause_free(struct accept_pause **app);
/* How many times accept() failed and paused the listener (tests). */
unsigned long accept_pause_count(const struct accept_pause *ap);
/* A descriptor came free (a connection closed): accept again now rather
 * than at the end of the pause.  From the listener's thread; NULL is
 * ignored. */
void accept_pause_kick(struct accept_pause *ap);

#endif
