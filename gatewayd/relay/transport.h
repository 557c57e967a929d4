/*
 * transport.h - hand one composed message to the firm's mail system.
 *
 * A transport is opened from the [mail] transport spec:
 *   smtp://HOST[:PORT]   SMTP through libetpan (PORT defaults to 25; HOST may
 *                        be a name, an IPv4 address or [IPv6])
 *   sendmail:/PATH       run PATH -i -f SENDER -- RCPT (Postfix's sendmail)
 *   maildir:/PATH        deliver into a Maildir as a local delivery agent would
 *
 * One transport per worker thread: a struct transport is not shared and
 * not locked.  Every call blocks (for at most the configured timeout per
 * protocol step), so never call it on the event loop thread.
 *
 * SMTP keeps its connection between sends: the first send connects (EHLO,
 * STARTTLS, AUTH as configured), later sends reuse it, with an RSET first
 * only after a transaction that did not end with a 250 (or when the
 * server sent something unasked); when the server has closed the
 * connection (idle timeout, 421) the next send reconnects transparently.
 * MAIL, RCPT and DATA are pipelined when the server offers PIPELINING
 * (RFC 2920).  Nothing is sent at transport_open().
 *
 * Results of transport_send():
 *   GW_OK        the receiving system took responsibility (2xx, exit 0,
 *                file renamed into new/)
 *   GW_TEMPFAIL  try again later: 4xx, lost connection, timeout, TLS or
 *                AUTH setup failure, sendmail exit 75 or an unknown code or
 *                a signal, disk full.  A lost acknowledgement after the
 *                final "." is a TEMPFAIL too: the message may have arrived,
 *                and the fixed Message-ID lets receivers drop the duplicate.
 *   GW_PERMFAIL  this message will never go through this way: 5xx to MAIL,
 *                RCPT or DATA, sendmail exit 64/65/67/68, an envelope address
 *                that is malformed (control characters, spaces, angle
 *                brackets, more than 256 characters).
 *
 * TLS: STARTTLS encrypts but does not verify the server's certificate (as
 * Postfix's "may" and "encrypt" levels): it protects the password and the
 * mail from eavesdroppers on the way to the firm's own MTA.  Bytes the
 * server sends behind its STARTTLS reply are refused, never read as if they
 * had come through TLS.
 *
 * Signals: libetpan writes to sockets with write(2) and the sendmail
 * transport writes into a pipe, so a peer that went away raises SIGPIPE.
 * transport_send() and transport_close() block SIGPIPE in the calling
 * thread while they run and discard the one they caused (the write fails
 * with EPIPE and the send is a TEMPFAIL); a daemon should still ignore
 * SIGPIPE (signal(SIGPIPE, SIG_IGN)) as belt and braces.  The sendmail
 * child gets the default SIGPIPE action and an empty signal mask.  The
 * program must not set SIGCHLD to SIG_IGN (the child could not be reaped).
 */
#ifndef GW_TRANSPORT_H
#define GW_TRANSPORT_H

#include <stddef.h>

#include "gw.h"

enum transport_tls {
	TRANSPORT_TLS_NO = 0,  /* never STARTTLS */
	TRANSPORT_TLS_TRY,     /* STARTTLS when offered; plain text otherwise or
				  when the handshake fails */
	TRANSPORT_TLS_REQUIRE, /* TEMPFAIL when not offered or when it fails */
};

/*
 * Construction settings; copied by transport_open(), so the caller's
 * strings need not outlive the call.  A NULL settings pointer or a zeroed
 * struct gives the defaults.
 */
struct transport_settings {
	const char *helo_name;     /* EHLO name; NULL = gethostname() */
	unsigned int timeout;      /* seconds per protocol step / per sendmail
				      run; 0 = TRANSPORT_DEFAULT_TIMEOUT */
	enum transport_tls starttls;
	const char *auth_user;     /* SMTP AUTH (PLAIN, else LOGIN); NULL = none */
	const char *auth_password;
	/*
	 * AUTH sends the password in clear text unless the session is under
	 * TLS; that is refused (TEMPFAIL) unless the server is on a loopback
	 * address or this is set.
	 */
	int auth_allow_plaintext;
};

#define TRANSPORT_DEFAULT_TIMEOUT 300

/* "no" | "try" | "require" -> enum; -1 for anything else. */
int transport_tls_parse(const char *s, enum transport_tls *tls_r);

struct transport;

/*
 * Check SPEC and prepare a transport.  smtp: nothing is sent yet, so a
 * server that is down is a TEMPFAIL of the first send, not an error here.
 * sendmail: PATH must be an executable file.  maildir: creates PATH (its
 * parent must exist) and tmp/, new/ and cur/ when missing (mode 0700).
 * Returns 0, or -1 with *error_r set (malloc'd) for a malformed spec or an
 * unusable path.
 */
int transport_open(const char *spec, const struct transport_settings *settings,
		   struct transport **transport_r, char **error_r);

/*
 * Deliver DATA (LEN bytes, a complete message with CRLF or LF line ends,
 * not dot-stuffed) from ENVELOPE_FROM ("" for the null sender <>) to RCPT.
 * When reply_r is not NULL it is always set to a malloc'd one-line text for
 * the log and the outbox's last_error: the server's reply with where it
 * came from ("127.0.0.1:25 said: 250 2.0.0 Ok: queued as 4Xy (in reply to
 * end of DATA)"), the sendmail program's exit and output, or what failed.
 */
enum gw_result transport_send(struct transport *t, const char *envelope_from,
			      const char *rcpt, const char *data, size_t len,
			      char **reply_r);

/* Say goodbye (SMTP QUIT), free everything, set *tp to NULL; NULL is fine. */
void transport_close(struct transport **tp);

/* "smtp", "sendmail" or "maildir", for log lines. */
const char *transport_kind(const struct transport *t);

#endif
