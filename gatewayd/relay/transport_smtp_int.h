/*
 * transport_smtp_int.h - what the two halves of the SMTP transport share:
 * transport_smtp.c (replies, one message, open and close) and
 * transport_smtp_session.c (connecting: TCP, greeting, EHLO, STARTTLS,
 * AUTH).  Not for other modules.
 */
#ifndef GW_TRANSPORT_SMTP_INT_H
#define GW_TRANSPORT_SMTP_INT_H

#include <stdint.h>

#include <libetpan/libetpan.h>

#include "transport_private.h"

struct smtp_transport {
	struct transport base;
	char *host;        /* to connect to: name or address, no brackets */
	char *label;       /* "host:port" for messages */
	char port[8];
	char *helo;
	unsigned int timeout;
	enum transport_tls tls;
	char *user, *password;
	int allow_plaintext;

	mailsmtp *session; /* NULL = not connected */
	int tls_active;
	int dirty;         /* the last transaction did not end with a 250 to its
			      DATA: RSET before the next MAIL FROM */
};

/* "HOST said: 450 4.3.0 text (in reply to STAGE)", malloc'd. */
char *smtp_said(struct smtp_transport *t, const char *stage);

/* Close without QUIT: the connection is unusable or the server hung up. */
void smtp_drop(struct smtp_transport *t);

/*
 * Nothing was read: "timeout after STAGE ..." or "lost connection ... after
 * STAGE", malloc'd.  STARTED is the monotonic time the step began.
 */
char *smtp_lost(struct smtp_transport *t, const char *stage, int64_t started);

/*
 * Classify the outcome of one step: r is libetpan's return value, the
 * reply code read is in session->response_code, EXPECT the class of a good
 * reply (2 or 3), PERM whether a 5xx fails the message for good.  On
 * anything but GW_OK *reply_r is set, and the connection is dropped when it
 * is no longer usable.
 */
enum gw_result smtp_outcome(struct smtp_transport *t, int r, int expect, int perm,
			    const char *stage, int64_t started, char **reply_r);

/*
 * Read one (possibly multi-line) reply into response/response_code, as
 * libetpan would.  Returns the code, 0 when nothing could be read.
 */
int smtp_read_reply(mailsmtp *s);

/* Open the session (t->session), or leave it NULL and return why not. */
enum gw_result smtp_connect(struct smtp_transport *t, char **reply_r);

#endif
