/*
 * transport_smtp.c - SMTP client transport on libetpan, one reused connection.
 *
 * This file sends messages on a session that transport_smtp_session.c
 * opened (TCP, greeting, EHLO, STARTTLS, AUTH), and decides what the
 * server's replies mean.  libetpan does RSET and QUIT, and MAIL, RCPT and
 * DATA for a server without PIPELINING; by hand on libetpan's stream, as
 * its API cannot do them, or not cheaply:
 *   - MAIL, RCPT and DATA in one write when the server offers PIPELINING
 *     (libetpan notices the extension but cannot pipeline): one round trip
 *     instead of three;
 *   - the message itself with its dot-stuffing (send_body), in runs
 *     rather than libetpan's byte at a time.
 *
 * libetpan reports most failures as an error code that hides the server's
 * reply; the reply code it read is in session->response_code and the text
 * in session->response, which is what we classify: 2xx/3xx as expected,
 * 4xx -> TEMPFAIL, 5xx -> PERMFAIL (only for MAIL, RCPT and DATA; a session
 * that cannot be set up is a TEMPFAIL whatever the code), code 0 (nothing
 * read: closed, reset, timed out) -> TEMPFAIL and the connection is dropped.
 */
#include "transport_smtp_int.h"

#include "clock.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- replies ---------------------------------------------------------- */

/* "HOST said: 450 4.3.0 text (in reply to STAGE)". */
char *smtp_said(struct smtp_transport *t, const char *stage)
{
	struct buf b = BUF_INIT;
	const char *text = t->session->response != NULL ? t->session->response : "";
	size_t len = strlen(text);

	while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == ' '))
		len--;
	buf_printf(&b, "%s said: %d ", t->label, t->session->response_code);
	transport_append_printable(&b, text, len, 400);
	buf_printf(&b, " (in reply to %s)", stage);
	return buf_detach(&b);
}

/* Close without QUIT: the connection is unusable or the server hung up. */
void smtp_drop(struct smtp_transport *t)
{
	if (t->session == NULL)
		return;
	if (t->session->stream != NULL) {
		mailstream_close(t->session->stream);
		t->session->stream = NULL;
	}
	mailsmtp_free(t->session);
	t->session = NULL;
	t->tls_active = 0;
	t->dirty = 0;
}

/*
 * Nothing was read: the peer closed, reset or stayed silent.  STARTED is
 * the monotonic time the step began, to tell a timeout from a hang-up.
 */
char *smtp_lost(struct smtp_transport *t, const char *stage, int64_t started)
{
	int64_t elapsed = clock_monotonic_ms() - started;

	if (elapsed + 50 >= (int64_t)t->timeout * 1000)
		return xasprintf("timeout after %s with %s (%us)", stage, t->label, t->timeout);
	return xasprintf("lost connection with %s after %s", t->label, stage);
}

/*
 * Classify the outcome of one libetpan step.  r is its return value; the
 * reply code it read, if any, is in response_code.  EXPECT is the class of
 * a good reply (2 or 3).  PERM: may a 5xx fail the message for good?
 * On anything but GW_OK *reply_r is set, and the connection is dropped
 * when it is no longer usable.
 */
enum gw_result smtp_outcome(struct smtp_transport *t, int r, int expect, int perm,
			    const char *stage, int64_t started, char **reply_r)
{
	int code = t->session->response_code;

	if (r == MAILSMTP_ERROR_STREAM || code == 0) {
		*reply_r = smtp_lost(t, stage, started);
		smtp_drop(t);
		return GW_TEMPFAIL;
	}
	if (code / 100 == expect)
		return GW_OK;
	*reply_r = smtp_said(t, stage);
	if (code == 421 || code / 100 < 4) {
		/* 421: the server is closing; anything odd: start afresh */
		smtp_drop(t);
		return GW_TEMPFAIL;
	}
	return code / 100 == 5 && perm ? GW_PERMFAIL : GW_TEMPFAIL;
}

/* ---- one message ------------------------------------------------------ */

/*
 * Has the server said nothing since its last reply?  No bytes buffered by
 * libetpan and none waiting on the socket.  A server that closed an idle
 * connection (a 421, or just the end of the stream) fails this.
 */
static int server_quiet(struct smtp_transport *t)
{
	mailstream *stream = t->session->stream;
	struct pollfd pfd = { -1, POLLIN, 0 };

	if (stream == NULL || stream->read_buffer_len != 0)
		return 0;
	pfd.fd = mailstream_low_get_fd(mailstream_get_low(stream));
	return pfd.fd >= 0 && poll(&pfd, 1, 0) == 0;
}

/*
 * The message after DATA's 354, and the final dot: bare LF goes out as
 * CRLF and a line's leading "." is doubled (RFC 5321 4.5.2).  Runs
 * between those places are written whole -- libetpan's own
 * mailsmtp_data_message() looks at every byte on its own, which cost more
 * than composing the message.  Returns 0, or -1 when the stream failed.
 */
static int send_body(mailstream *stream, const char *data, size_t len)
{
	const char *p = data, *end = data + len, *run = data;

	while (p < end) {
		const char *nl;

		if (*p == '.') {
			/* at the start of a line: the run up to it, then one more dot */
			if (mailstream_write(stream, run, (size_t)(p - run)) < 0 ||
			    mailstream_write(stream, ".", 1) < 0)
				return -1;
			run = p;
		}
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			break;
		if (nl == data || nl[-1] != '\r') {
			if (mailstream_write(stream, run, (size_t)(nl - run)) < 0 ||
			    mailstream_write(stream, "\r\n", 2) < 0)
				return -1;
			run = nl + 1;
		}
		p = nl + 1;
	}
	if (mailstream_write(stream, run, (size_t)(end - run)) < 0)
		return -1;
	if (len > 0 && end[-1] != '\n' && mailstream_write(stream, "\r\n", 2) < 0)
		return -1;
	if (mailstream_write(stream, ".\r\n", 3) < 0 || mailstream_flush(stream) < 0)
		return -1;
	return 0;
}

/*
 * The envelope one command at a time: MAIL FROM, RCPT TO, DATA, each
 * waiting for its reply.  *stale_r is set (and nothing else) when
 * MAY_BE_STALE and MAIL FROM got no answer or a 421.
 */
static enum gw_result envelope_lockstep(struct smtp_transport *t, const char *from,
					const char *rcpt, size_t len, int may_be_stale,
					int *stale_r, char **reply_r)
{
	enum gw_result res;
	int64_t started = clock_monotonic_ms();
	int r;

	t->session->response_code = 0;
	r = mailesmtp_mail_size(t->session, from, 0, NULL, len);
	if (may_be_stale && (r == MAILSMTP_ERROR_STREAM || t->session->response_code == 0 ||
			     t->session->response_code == 421)) {
		*stale_r = 1;
		return GW_TEMPFAIL;
	}
	if ((res = smtp_outcome(t, r, 2, 1, "MAIL FROM", started, reply_r)) != GW_OK)
		return res;

	t->session->response_code = 0;
	started = clock_monotonic_ms();
	r = mailesmtp_rcpt(t->session, rcpt, 0, NULL);
	if ((res = smtp_outcome(t, r, 2, 1, "RCPT TO", started, reply_r)) != GW_OK)
		return res;

	t->session->response_code = 0;
	started = clock_monotonic_ms();
	r = mailsmtp_data(t->session);
	return smtp_outcome(t, r, 3, 1, "DATA", started, reply_r);
}

/*
 * The envelope pipelined (RFC 2920), when the server offers PIPELINING:
 * MAIL FROM, RCPT TO and DATA in one write, then their three replies in
 * order.  The first failure is the answer; the replies after it are read
 * only to keep the connection in step, and should a server accept DATA
 * after refusing the envelope, an empty message ends it there.  *stale_r
 * as for envelope_lockstep().
 */
static enum gw_result envelope_pipelined(struct smtp_transport *t, const char *from,
					 const char *rcpt, size_t len, int may_be_stale,
					 int *stale_r, char **reply_r)
{
	static const char *const stages[] = { "MAIL FROM", "RCPT TO", "DATA" };
	mailsmtp *s = t->session;
	enum gw_result res = GW_OK;
	struct buf cmd = BUF_INIT;
	int64_t started = clock_monotonic_ms();
	int sent;

	buf_printf(&cmd, "MAIL FROM:<%s>", from);
	if (s->esmtp & MAILSMTP_ESMTP_SIZE)
		buf_printf(&cmd, " SIZE=%zu", len);
	buf_printf(&cmd, "\r\nRCPT TO:<%s>\r\nDATA\r\n", rcpt);
	sent = mailstream_write(s->stream, cmd.data, cmd.len) >= 0 &&
	       mailstream_flush(s->stream) >= 0;
	buf_release(&cmd);

	for (int i = 0; i < 3; i++) {
		int code = sent ? smtp_read_reply(s) : 0;

		if (i == 0 && may_be_stale && (code == 0 || code == 421)) {
			*stale_r = 1;
			return GW_TEMPFAIL;
		}
		if (res != GW_OK) {
			if (code == 0) {
				smtp_drop(t);
				return res;
			}
			if (i == 2 && code == 354 &&
			    (mailstream_write(s->stream, ".\r\n", 3) < 0 ||
			     mailstream_flush(s->stream) < 0 || smtp_read_reply(s) == 0))
				smtp_drop(t);
			continue;
		}
		res = smtp_outcome(t, code != 0 ? MAILSMTP_NO_ERROR : MAILSMTP_ERROR_STREAM,
				   i == 2 ? 3 : 2, 1, stages[i], started, reply_r);
		if (t->session == NULL)
			return res; /* dropped: nothing more to read */
	}
	return res;
}

/*
 * Open a transaction up to DATA's 354, on the open connection or a new one.
 *
 * A connection whose last transaction ended with a 250 to its DATA is
 * ready for the next MAIL FROM (RFC 5321 4.1.1.4): it gets no RSET, which
 * would cost a round trip per mail.  After anything else (a transaction
 * refused part way), or when the server has sent something unasked, RSET
 * comes first, and a connection that fails it is replaced.  The server
 * may still have dropped a quiet connection (an idle timeout racing with
 * us, a silent NAT): when a reused connection gets no answer or a 421 to
 * MAIL FROM, the transaction starts once more on a new connection --
 * nothing of this message has been accepted yet.
 */
static enum gw_result smtp_envelope(struct smtp_transport *t, const char *from,
				    const char *rcpt, size_t len, char **reply_r)
{
	enum gw_result res;

	for (int attempt = 0;; attempt++) {
		int reused, stale = 0;

		if (t->session != NULL && (t->dirty || !server_quiet(t))) {
			t->session->response_code = 0;
			if (mailsmtp_reset(t->session) != MAILSMTP_NO_ERROR ||
			    t->session->response_code != 250)
				smtp_drop(t);
		}
		reused = t->session != NULL;
		if (!reused && (res = smtp_connect(t, reply_r)) != GW_OK)
			return res;
		t->dirty = 1;
		if (t->session->esmtp & MAILSMTP_ESMTP_PIPELINING)
			res = envelope_pipelined(t, from, rcpt, len, reused && attempt == 0,
						 &stale, reply_r);
		else
			res = envelope_lockstep(t, from, rcpt, len, reused && attempt == 0,
						&stale, reply_r);
		if (!stale)
			return res;
		smtp_drop(t);
	}
}

static enum gw_result smtp_send(struct transport *base, const char *from, const char *rcpt,
				const char *data, size_t len, char **reply_r)
{
	struct smtp_transport *t = (struct smtp_transport *)base;
	enum gw_result res;
	int64_t started;
	int r, code;

	if ((res = smtp_envelope(t, from, rcpt, len, reply_r)) != GW_OK)
		return res;

	t->session->response_code = 0;
	started = clock_monotonic_ms();
	code = send_body(t->session->stream, data, len) < 0 ? 0 : smtp_read_reply(t->session);
	r = code != 0 ? MAILSMTP_NO_ERROR : MAILSMTP_ERROR_STREAM;
	res = smtp_outcome(t, r, 2, 1, "end of DATA", started, reply_r);
	if (res == GW_OK) {
		*reply_r = smtp_said(t, "end of DATA");
		t->dirty = 0;
	} else if (r == MAILSMTP_ERROR_STREAM || code == 0) {
		/* nothing read after the final dot: it may have been delivered */
		char *more = xasprintf("%s (the message may have been delivered)", *reply_r);

		free(*reply_r);
		*reply_r = more;
	}
	return res;
}

static void smtp_close(struct transport *base)
{
	struct smtp_transport *t = (struct smtp_transport *)base;

	if (t->session != NULL) {
		/* QUIT without waiting for the answer; libetpan closes the stream */
		mailsmtp_free(t->session);
	}
	free(t->host);
	free(t->label);
	free(t->helo);
	free(t->user);
	if (t->password != NULL) {
		explicit_bzero(t->password, strlen(t->password));
		free(t->password);
	}
	free(t);
}

static const struct transport_ops smtp_ops = { "smtp", smtp_send, smtp_close };

/* HOST, HOST:PORT, [V6] or [V6]:PORT; nothing after. */
static int parse_target(const char *target, char **host_r, unsigned long *port_r)
{
	const char *end, *colon;
	char *e;

	*port_r = 25;
	if (*target == '[') {
		end = strchr(target, ']');
		if (end == NULL || end == target + 1)
			return -1;
		*host_r = xstrndup(target + 1, (size_t)(end - target - 1));
		colon = end[1] == ':' ? end + 1 : NULL;
		if (colon == NULL && end[1] != '\0')
			goto bad;
	} else {
		colon = strchr(target, ':');
		end = colon != NULL ? colon : target + strlen(target);
		if (end == target)
			return -1;
		*host_r = xstrndup(target, (size_t)(end - target));
		if (strpbrk(*host_r, "/@?# ") != NULL)
			goto bad;
	}
	if (colon != NULL) {
		errno = 0;
		*port_r = strtoul(colon + 1, &e, 10);
		if (colon[1] < '0' || colon[1] > '9' || *e != '\0' || errno != 0 ||
		    *port_r == 0 || *port_r > 65535)
			goto bad;
	}
	return 0;
bad:
	free(*host_r);
	*host_r = NULL;
	return -1;
}

/* An EHLO argument must be one printable word. */
static int valid_helo(const char *s)
{
	const char *p;

	if (*s == '\0' || strlen(s) > 255)
		return 0;
	for (p = s; *p != '\0'; p++) {
		if (*p <= 0x20 || *p >= 0x7f)
			return 0;
	}
	return 1;
}

struct transport *transport_smtp_open(const char *target, const struct transport_settings *set,
				      char **error_r)
{
	struct smtp_transport *t;
	unsigned long port;
	char *host;
	char name[256];

	if (parse_target(target, &host, &port) < 0) {
		*error_r = xasprintf("transport: \"smtp://%s\" is not smtp://HOST[:PORT]", target);
		return NULL;
	}
	if (set->helo_name == NULL && gethostname(name, sizeof(name)) < 0)
		snprintf(name, sizeof(name), "localhost");
	name[sizeof(name) - 1] = '\0';
	if (!valid_helo(set->helo_name != NULL ? set->helo_name : name)) {
		*error_r = xasprintf("transport: invalid HELO name \"%.80s\"",
				     set->helo_name != NULL ? set->helo_name : name);
		free(host);
		return NULL;
	}
	if (set->auth_user != NULL && (set->auth_password == NULL || *set->auth_user == '\0')) {
		*error_r = xstrdup("transport: SMTP AUTH needs a user and a password");
		free(host);
		return NULL;
	}
	t = xcalloc(1, sizeof(*t));
	t->base.ops = &smtp_ops;
	t->host = host;
	snprintf(t->port, sizeof(t->port), "%lu", port);
	t->label = strchr(host, ':') != NULL ? xasprintf("[%s]:%lu", host, port)
					     : xasprintf("%s:%lu", host, port);
	t->helo = xstrdup(set->helo_name != NULL ? set->helo_name : name);
	t->timeout = set->timeout > 0 ? set->timeout : TRANSPORT_DEFAULT_TIMEOUT;
	t->tls = set->starttls;
	t->user = set->auth_user != NULL ? xstrdup(set->auth_user) : NULL;
	t->password = set->auth_user != NULL ? xstrdup(set->auth_password) : NULL;
	t->allow_plaintext = set->auth_allow_plaintext;
	return &t->base;
}
