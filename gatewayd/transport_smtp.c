/*
 * transport_smtp.c - SMTP client transport on libetpan, one reused connection.
 *
 * libetpan does the protocol steps (MAIL, RCPT, DATA with dot-stuffing,
 * STARTTLS, SASL AUTH, RSET, QUIT); this file decides what its outcomes
 * mean.  Two things are done by hand on libetpan's stream, because its API
 * has no way to do them:
 *   - EHLO/HELO with a name of our choosing (libetpan always sends
 *     gethostname() or the local IP address);
 *   - the TCP connect, so that the greeting is read under our timeout too
 *     (mailsmtp_socket_connect reads it under the process-wide default).
 *
 * libetpan reports most failures as an error code that hides the server's
 * reply; the reply code it read is in session->response_code and the text
 * in session->response, which is what we classify: 2xx/3xx as expected,
 * 4xx -> TEMPFAIL, 5xx -> PERMFAIL (only for MAIL, RCPT and DATA; a session
 * that cannot be set up is a TEMPFAIL whatever the code), code 0 (nothing
 * read: closed, reset, timed out) -> TEMPFAIL and the connection is dropped.
 */
#include "transport_private.h"

#include "clock.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <libetpan/libetpan.h>

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
	int used;          /* a transaction ran on this connection: RSET first */
};

/* ---- replies ---------------------------------------------------------- */

/* "HOST said: 450 4.3.0 text (in reply to STAGE)". */
static char *said(struct smtp_transport *t, const char *stage)
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
static void smtp_drop(struct smtp_transport *t)
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
	t->used = 0;
}

/*
 * Nothing was read: the peer closed, reset or stayed silent.  STARTED is
 * the monotonic time the step began, to tell a timeout from a hang-up.
 */
static char *lost(struct smtp_transport *t, const char *stage, int64_t started)
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
static enum gw_result outcome(struct smtp_transport *t, int r, int expect, int perm,
			      const char *stage, int64_t started, char **reply_r)
{
	int code = t->session->response_code;

	if (r == MAILSMTP_ERROR_STREAM || code == 0) {
		*reply_r = lost(t, stage, started);
		smtp_drop(t);
		return GW_TEMPFAIL;
	}
	if (code / 100 == expect)
		return GW_OK;
	*reply_r = said(t, stage);
	if (code == 421 || code / 100 < 4) {
		/* 421: the server is closing; anything odd: start afresh */
		smtp_drop(t);
		return GW_TEMPFAIL;
	}
	return code / 100 == 5 && perm ? GW_PERMFAIL : GW_TEMPFAIL;
}

/* ---- connection set-up ------------------------------------------------ */

static int wait_connected(int fd, unsigned int timeout)
{
	struct pollfd pfd = { fd, POLLOUT, 0 };
	int64_t deadline = clock_monotonic_ms() + (int64_t)timeout * 1000;
	int err = 0;
	socklen_t len = sizeof(err);

	for (;;) {
		int64_t left = deadline - clock_monotonic_ms();
		int n;

		if (left <= 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		n = poll(&pfd, 1, (int)(left > 60000 ? 60000 : left));
		if (n > 0)
			break;
		if (n < 0 && errno != EINTR)
			return -1;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		return -1;
	if (err != 0) {
		errno = err;
		return -1;
	}
	return 0;
}

/* A blocking socket connected to host:port within the timeout, or -1. */
static int tcp_connect(struct smtp_transport *t, char **reply_r)
{
	struct addrinfo hints, *res, *ai;
	struct timeval tv = { (time_t)t->timeout, 0 };
	int fd = -1, err, saved = ECONNREFUSED, one = 1;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	err = getaddrinfo(t->host, t->port, &hints, &res);
	if (err != 0) {
		*reply_r = xasprintf("connect to %s: %s", t->label, gai_strerror(err));
		return -1;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
			    ai->ai_protocol);
		if (fd < 0) {
			saved = errno;
			continue;
		}
		if ((connect(fd, ai->ai_addr, ai->ai_addrlen) == 0 || errno == EINPROGRESS) &&
		    wait_connected(fd, t->timeout) == 0)
			break;
		saved = errno;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0) {
		*reply_r = xasprintf("connect to %s: %s", t->label, strerror(saved));
		return -1;
	}
	/*
	 * Back to blocking: libetpan waits with select() under its own timeout
	 * before each read and write; the socket timeouts are a second fence
	 * for a write that the peer stops draining half way.
	 */
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	/*
	 * libetpan flushes each command, and the message in buffer-sized
	 * pieces ending with a short one: with Nagle's algorithm that short
	 * write waits for the peer's delayed ACK, about 40 ms per message.
	 */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	return fd;
}

/*
 * Read one (possibly multi-line) reply the way libetpan does, so that
 * response/response_code look the same to the code after us.
 * Returns the code, 0 when nothing could be read.
 */
static int read_reply(mailsmtp *s)
{
	int code = 0, more;

	mmap_string_assign(s->response_buffer, "");
	do {
		char *line = mailstream_read_line_remove_eol(s->stream, s->line_buffer);
		char *rest;

		if (line == NULL) {
			code = 0;
			break;
		}
		code = (int)strtol(line, &rest, 10);
		more = *rest == '-';
		mmap_string_append(s->response_buffer,
				   *rest == '-' || *rest == ' ' ? rest + 1 : rest);
		mmap_string_append_c(s->response_buffer, '\n');
	} while (more);
	s->response = s->response_buffer->str;
	s->response_code = code;
	return code;
}

/* Extensions we care about from an EHLO reply (one keyword per line). */
static void parse_ehlo(mailsmtp *s)
{
	const char *line = s->response;

	s->esmtp = MAILSMTP_ESMTP;
	s->auth = MAILSMTP_AUTH_CHECKED;
	while (line != NULL && *line != '\0') {
		size_t n = strcspn(line, " \n");

		if (n == 8 && strncasecmp(line, "STARTTLS", 8) == 0)
			s->esmtp |= MAILSMTP_ESMTP_STARTTLS;
		else if (n == 4 && strncasecmp(line, "SIZE", 4) == 0)
			s->esmtp |= MAILSMTP_ESMTP_SIZE;
		else if (n == 8 && strncasecmp(line, "8BITMIME", 8) == 0)
			s->esmtp |= MAILSMTP_ESMTP_8BITMIME;
		else if (n == 10 && strncasecmp(line, "PIPELINING", 10) == 0)
			s->esmtp |= MAILSMTP_ESMTP_PIPELINING;
		else if ((n == 4 && strncasecmp(line, "AUTH", 4) == 0) ||
			 strncasecmp(line, "AUTH=", 5) == 0) {
			size_t len = strcspn(line, "\n");
			char *mechs = xstrndup(len > 5 ? line + 5 : "", len > 5 ? len - 5 : 0);
			char *save = NULL, *m;

			for (m = strtok_r(mechs, " ", &save); m != NULL;
			     m = strtok_r(NULL, " ", &save)) {
				if (strcasecmp(m, "PLAIN") == 0)
					s->auth |= MAILSMTP_AUTH_PLAIN;
				else if (strcasecmp(m, "LOGIN") == 0)
					s->auth |= MAILSMTP_AUTH_LOGIN;
			}
			free(mechs);
		}
		/* DSN is left out on purpose: no RET=/NOTIFY= parameters. */
		line = strchr(line, '\n');
		if (line != NULL)
			line++;
	}
}

/* EHLO with our name, HELO when the server does not know EHLO. */
static enum gw_result hello(struct smtp_transport *t, char **reply_r)
{
	mailsmtp *s = t->session;
	int ehlo;

	for (ehlo = 1; ehlo >= 0; ehlo--) {
		char *cmd = xasprintf("%s %s\r\n", ehlo ? "EHLO" : "HELO", t->helo);
		int64_t started = clock_monotonic_ms();
		int code = 0;

		if (mailstream_write(s->stream, cmd, strlen(cmd)) >= 0 &&
		    mailstream_flush(s->stream) >= 0)
			code = read_reply(s);
		free(cmd);
		if (code == 0) {
			*reply_r = lost(t, ehlo ? "EHLO" : "HELO", started);
			return GW_TEMPFAIL;
		}
		if (code == 250) {
			if (ehlo)
				parse_ehlo(s);
			else
				s->esmtp = 0;
			return GW_OK;
		}
		if (code / 100 != 5 || !ehlo)
			break;
	}
	*reply_r = said(t, ehlo > 0 ? "EHLO" : "HELO");
	return GW_TEMPFAIL;
}

static int peer_is_loopback(mailsmtp *s)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int fd = mailstream_low_get_fd(mailstream_get_low(s->stream));

	if (fd < 0 || getpeername(fd, (struct sockaddr *)&ss, &len) < 0)
		return 0;
	if (ss.ss_family == AF_INET)
		return (ntohl(((struct sockaddr_in *)&ss)->sin_addr.s_addr) >> 24) == 127;
	if (ss.ss_family == AF_INET6) {
		const struct in6_addr *a = &((struct sockaddr_in6 *)&ss)->sin6_addr;

		return IN6_IS_ADDR_LOOPBACK(a) ||
		       (IN6_IS_ADDR_V4MAPPED(a) && a->s6_addr[12] == 127);
	}
	return 0;
}

static enum gw_result authenticate(struct smtp_transport *t, char **reply_r)
{
	mailsmtp *s = t->session;
	const char *mech;
	int64_t started = clock_monotonic_ms();
	int r;

	if (s->auth & MAILSMTP_AUTH_PLAIN)
		mech = "PLAIN";
	else if (s->auth & MAILSMTP_AUTH_LOGIN)
		mech = "LOGIN";
	else {
		*reply_r = xasprintf("%s offers no AUTH PLAIN or LOGIN, but a user is configured",
				     t->label);
		return GW_TEMPFAIL;
	}
	if (!t->tls_active && !t->allow_plaintext && !peer_is_loopback(s)) {
		*reply_r = xasprintf("refusing to send the password to %s in clear text "
				     "(use STARTTLS)", t->label);
		return GW_TEMPFAIL;
	}
	s->response_code = 0;
	r = mailesmtp_auth_sasl(s, mech, t->host, NULL, NULL, t->user, t->user,
				t->password, NULL);
	if (r == MAILSMTP_NO_ERROR && s->response_code / 100 == 2)
		return GW_OK;
	if (s->response_code != 0)
		*reply_r = said(t, "AUTH");
	else if (r == MAILSMTP_ERROR_STREAM)
		*reply_r = lost(t, "AUTH", started);
	else /* the SASL library gave up before anything was sent */
		*reply_r = xasprintf("AUTH %s with %s failed: %s", mech, t->label,
				     mailsmtp_strerror(r));
	return GW_TEMPFAIL;
}

/* STARTTLS when offered (or fail if required), and the EHLO after it. */
static enum gw_result start_tls(struct smtp_transport *t, char **reply_r)
{
	mailsmtp *s = t->session;
	int64_t started = clock_monotonic_ms();
	mailstream_low *low, *tls;
	int r, fd;

	if (!(s->esmtp & MAILSMTP_ESMTP_STARTTLS)) {
		if (t->tls == TRANSPORT_TLS_REQUIRE) {
			*reply_r = xasprintf("STARTTLS is required but %s does not offer it",
					     t->label);
			return GW_TEMPFAIL;
		}
		return GW_OK;
	}
	s->response_code = 0;
	r = mailesmtp_starttls(s);
	/*
	 * Anything the server sent after its 220 arrived before the handshake:
	 * a man in the middle could have put it there (CVE-2020-15953).  Never
	 * read it as if it had come through TLS.  (Debian's libetpan refuses
	 * such a 220 itself; the check here holds for any build.)
	 */
	if (s->response_code == 220 &&
	    (r != MAILSMTP_NO_ERROR || s->stream->read_buffer_len != 0)) {
		*reply_r = xasprintf("%s sent more after its STARTTLS reply; "
				     "not starting TLS on that connection", t->label);
		return GW_TEMPFAIL;
	}
	if (r != MAILSMTP_NO_ERROR) {
		*reply_r = s->response_code != 0 ? said(t, "STARTTLS")
						 : lost(t, "STARTTLS", started);
		return GW_TEMPFAIL;
	}
	low = mailstream_get_low(s->stream);
	fd = mailstream_low_get_fd(low);
	tls = fd >= 0 ? mailstream_low_tls_open_timeout(fd, t->timeout) : NULL;
	if (tls == NULL) {
		*reply_r = xasprintf("TLS handshake with %s failed", t->label);
		return GW_TEMPFAIL;
	}
	/* the plain-text layer goes; the socket stays with the TLS layer */
	mailstream_low_free(low);
	mailstream_set_low(s->stream, tls);
	t->tls_active = 1;
	return hello(t, reply_r);
}

/* Open the session, or leave t->session NULL and return why not. */
static enum gw_result smtp_connect(struct smtp_transport *t, char **reply_r)
{
	int plain_retry;

	for (plain_retry = 0; plain_retry < 2; plain_retry++) {
		int64_t started = clock_monotonic_ms();
		mailstream *stream;
		enum gw_result res;
		int fd = tcp_connect(t, reply_r), r;

		if (fd < 0)
			return GW_TEMPFAIL;
		stream = mailstream_socket_open_timeout(fd, t->timeout);
		t->session = mailsmtp_new(0, NULL);
		if (stream == NULL || t->session == NULL) {
			if (stream != NULL)
				mailstream_close(stream);
			else
				close(fd);
			if (t->session != NULL)
				mailsmtp_free(t->session);
			t->session = NULL;
			*reply_r = xasprintf("connect to %s: out of memory", t->label);
			return GW_TEMPFAIL;
		}
		mailsmtp_set_timeout(t->session, t->timeout);
		r = mailsmtp_connect(t->session, stream);
		if (r != MAILSMTP_NO_ERROR) {
			/* libetpan has closed the stream already */
			*reply_r = t->session->response_code != 0 ? said(t, "the greeting")
								  : lost(t, "connect", started);
			mailsmtp_free(t->session);
			t->session = NULL;
			return GW_TEMPFAIL;
		}
		res = hello(t, reply_r);
		if (res == GW_OK && t->tls != TRANSPORT_TLS_NO && plain_retry == 0) {
			res = start_tls(t, reply_r);
			if (res != GW_OK && t->tls == TRANSPORT_TLS_TRY && !t->tls_active) {
				/* opportunistic: try once more without STARTTLS */
				smtp_drop(t);
				free(*reply_r);
				*reply_r = NULL;
				continue;
			}
		}
		if (res == GW_OK && t->user != NULL)
			res = authenticate(t, reply_r);
		if (res != GW_OK)
			smtp_drop(t);
		return res;
	}
	return GW_TEMPFAIL; /* not reached */
}

/* ---- one message ------------------------------------------------------ */

static enum gw_result smtp_send(struct transport *base, const char *from, const char *rcpt,
				const char *data, size_t len, char **reply_r)
{
	struct smtp_transport *t = (struct smtp_transport *)base;
	enum gw_result res;
	int64_t started;
	int r, code;

	/* A reused connection first gets RSET; if the server has gone, reconnect. */
	if (t->session != NULL && t->used) {
		t->session->response_code = 0;
		r = mailsmtp_reset(t->session);
		if (r != MAILSMTP_NO_ERROR || t->session->response_code != 250)
			smtp_drop(t);
	}
	if (t->session == NULL && (res = smtp_connect(t, reply_r)) != GW_OK)
		return res;
	t->used = 1;

	t->session->response_code = 0;
	started = clock_monotonic_ms();
	r = mailesmtp_mail_size(t->session, from, 0, NULL, len);
	if ((res = outcome(t, r, 2, 1, "MAIL FROM", started, reply_r)) != GW_OK)
		return res;

	t->session->response_code = 0;
	started = clock_monotonic_ms();
	r = mailesmtp_rcpt(t->session, rcpt, 0, NULL);
	if ((res = outcome(t, r, 2, 1, "RCPT TO", started, reply_r)) != GW_OK)
		return res;

	t->session->response_code = 0;
	started = clock_monotonic_ms();
	r = mailsmtp_data(t->session);
	if ((res = outcome(t, r, 3, 1, "DATA", started, reply_r)) != GW_OK)
		return res;

	/* libetpan ends the data with CRLF "." CRLF itself. */
	if (len >= 2 && data[len - 2] == '\r' && data[len - 1] == '\n')
		len -= 2;
	else if (len >= 1 && data[len - 1] == '\n')
		len -= 1;
	t->session->response_code = 0;
	started = clock_monotonic_ms();
	r = mailsmtp_data_message(t->session, data, len);
	code = t->session->response_code;
	res = outcome(t, r, 2, 1, "end of DATA", started, reply_r);
	if (res == GW_OK)
		*reply_r = said(t, "end of DATA");
	else if (r == MAILSMTP_ERROR_STREAM || code == 0) {
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
