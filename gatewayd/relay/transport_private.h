/*
 * transport_private.h - what transport.c and its backends share.
 *
 * Each backend (transport_smtp.c, transport_sendmail.c, transport_maildir.c)
 * allocates a struct that starts with struct transport and fills in its ops.
 * transport.c parses the spec, checks the envelope addresses, keeps SIGPIPE
 * away from the calling thread and guarantees that *reply_r is set; the
 * backends' send functions may rely on all of that.
 */
#ifndef GW_TRANSPORT_PRIVATE_H
#define GW_TRANSPORT_PRIVATE_H

#include "buf.h"
#include "transport.h"

struct transport_ops {
	const char *kind;
	/* reply_r is never NULL here; the backend always sets it. */
	enum gw_result (*send)(struct transport *t, const char *envelope_from,
			       const char *rcpt, const char *data, size_t len,
			       char **reply_r);
	void (*close)(struct transport *t);
};

struct transport {
	const struct transport_ops *ops;
};

/* TARGET is the spec without its "smtp://", "sendmail:" or "maildir:". */
struct transport *transport_smtp_open(const char *target,
				      const struct transport_settings *set,
				      char **error_r);
struct transport *transport_sendmail_open(const char *target,
					  const struct transport_settings *set,
					  char **error_r);
struct transport *transport_maildir_open(const char *target,
					 const struct transport_settings *set,
					 char **error_r);

/* Append DATA to OUT with every CRLF turned into LF (local delivery form). */
void transport_append_lf(struct buf *out, const char *data, size_t len);

/*
 * Append TEXT (LEN bytes) to OUT as one printable line: controls and
 * non-ASCII bytes become spaces, runs of spaces are kept, at most MAX bytes
 * are copied.  For server replies and program output in log lines.
 */
void transport_append_printable(struct buf *out, const char *text, size_t len, size_t max);

#endif
