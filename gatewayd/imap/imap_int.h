/*
 * imap_int.h - what the files of the IMAP reader share: one session with
 * the server (imap_session.c) and the TLS layer under it (imap_tls.c).
 * Every call blocks, bounded by the session's timeout; none logs: errors
 * come back as one line of text and a kind the reader acts on.
 */
#ifndef GW_IMAP_INT_H
#define GW_IMAP_INT_H

#include <stddef.h>
#include <stdint.h>

#include <libetpan/libetpan.h>

/* What went wrong, for the reader's choice between retrying, waiting and
 * moving a message aside. */
enum imap_err {
	IMAP_OK = 0,
	IMAP_E_CONNECT,   /* no TCP connection */
	IMAP_E_TLS,       /* STARTTLS missing or refused, handshake failed */
	IMAP_E_CERT,      /* the server's certificate is not trusted */
	IMAP_E_LOGIN,     /* the server refused the user or the password */
	IMAP_E_MAILBOX,   /* the mailbox to read cannot be selected */
	IMAP_E_LOST,      /* the connection broke or timed out */
	IMAP_E_NO,        /* the server said NO or BAD to one command */
};

struct imap_session_settings {
	const char *host;
	int port;
	int implicit_tls;        /* imaps:// */
	int starttls;            /* imap://: STARTTLS required (else plain) */
	const char *ca_file;     /* NULL = the system's trusted CAs */
	const char *user;
	const char *password;
	unsigned timeout;        /* seconds, each command */
	int stop_fd;             /* readable: give up connecting; -1 = none */
	/* Told the session's socket once connected, and -1 before it is
	 * closed, so that another thread may shutdown(2) it.  May be NULL. */
	void (*socket_cb)(void *ctx, int fd);
	void *ctx;
};

struct imap_session {
	mailimap *imap;
	char *label;             /* "host:port", for messages */
	void (*socket_cb)(void *ctx, int fd);
	void *ctx;
	int has_idle, has_move, has_uidplus;
};

/* Connect, TLS, log in, read capabilities.  0, or -1 with *kind_r and a
 * one-line *error_r (malloc'd). */
int imap_session_open(const struct imap_session_settings *set, struct imap_session **s_r,
		      enum imap_err *kind_r, char **error_r);
/* LOGOUT (best effort) and free.  Accepts NULL; clears the pointer. */
void imap_session_close(struct imap_session **sp);

/* SELECT; its UIDVALIDITY. */
int imap_session_select(struct imap_session *s, const char *mailbox, uint32_t *uidvalidity_r,
			enum imap_err *kind_r, char **error_r);
/* UID SEARCH ALL, ascending; *uids_r malloc'd (NULL when none). */
int imap_session_uids(struct imap_session *s, uint32_t **uids_r, size_t *n_r,
		      enum imap_err *kind_r, char **error_r);
/* RFC822.SIZE of UID; *gone_r = 1 when the message is no longer there. */
int imap_session_size(struct imap_session *s, uint32_t uid, uint32_t *size_r, int *gone_r,
		      enum imap_err *kind_r, char **error_r);
/* BODY.PEEK[] (or [HEADER] when header_only), at most max bytes of it;
 * *data_r malloc'd and NUL-terminated. */
int imap_session_fetch(struct imap_session *s, uint32_t uid, int header_only, size_t max,
		       char **data_r, size_t *len_r, enum imap_err *kind_r, char **error_r);
/* MOVE, or COPY + \Deleted + (UID) EXPUNGE; the target is created when
 * missing. */
int imap_session_move(struct imap_session *s, uint32_t uid, const char *mailbox,
		      enum imap_err *kind_r, char **error_r);
/* \Deleted + (UID) EXPUNGE. */
int imap_session_delete(struct imap_session *s, uint32_t uid, enum imap_err *kind_r,
			char **error_r);

enum imap_wait { IMAP_WAIT_ACTIVITY, IMAP_WAIT_TIMEOUT, IMAP_WAIT_STOP, IMAP_WAIT_ERROR };
/* IDLE (or, without it, NOOP after sleeping) until the server says
 * something, seconds pass, or stop_fd becomes readable. */
enum imap_wait imap_session_wait(struct imap_session *s, int stop_fd, int seconds,
				 enum imap_err *kind_r, char **error_r);

/* Sleep ms, or less when stop_fd becomes readable (IMAP_WAIT_STOP). */
enum imap_wait imap_sleep(int stop_fd, int64_t ms);

/* ---- imap_tls.c ---- */

/*
 * TLS with OpenSSL on the connected socket FD, as a libetpan stream layer
 * (Debian's libetpan is built on GnuTLS and checks no certificate): the
 * chain is verified against ca_file or the system's CAs and the name
 * against host.  NULL with *kind_r (IMAP_E_CERT or IMAP_E_TLS) and
 * *error_r on failure; FD is not closed then.
 */
mailstream_low *imap_tls_open(int fd, const char *host, const char *ca_file,
			      unsigned timeout, enum imap_err *kind_r, char **error_r);

#endif
