/*
 * mta_listen_util.h - what test_policy and test_lmtp share: an event loop
 * on its own thread for the server under test, and a blocking client
 * socket on 127.0.0.1 to talk to it.
 */
#ifndef GW_MTA_LISTEN_UTIL_H
#define GW_MTA_LISTEN_UTIL_H

#include <pthread.h>
#include <stddef.h>

struct event_base;

struct ml_loop {
	struct event_base *base;
	pthread_t thread;
	int running;
};

/* A base (with libevent's pthread locking); run it with ml_loop_start()
   once the server is open on it. */
void ml_loop_init(struct ml_loop *l);
void ml_loop_start(struct ml_loop *l);
/* Stop and join the loop thread; the base stays for closing the server. */
void ml_loop_stop(struct ml_loop *l);
void ml_loop_free(struct ml_loop *l);

/* A connected client (fails the test otherwise); reads give up after 20s. */
int ml_connect(int port);
void ml_send(int fd, const char *text);
/* One line, CRLF or LF removed; NULL at EOF.  malloc'd. */
char *ml_line(int fd);
/* One (possibly multi-line) SMTP reply, lines joined by '\n'; NULL at EOF. */
char *ml_reply(int fd);
/* 1 when the peer closed the connection (reads EOF). */
int ml_eof(int fd);

/* TEXT with LF line ends as DATA: CRLF, leading dots doubled, "." line. */
char *ml_data(const char *text);

#endif
