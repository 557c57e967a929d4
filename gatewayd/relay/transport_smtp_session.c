/*
 * transport_smtp_session.c - opening an SMTP session for transport_smtp.c:
 * the TCP connect under our timeout, the greeting, EHLO/HELO with our own
 * name, STARTTLS (refusing bytes injected behind its reply) and AUTH.
 * Done by hand on libetpan's stream where its API cannot: libetpan's EHLO
 * always sends gethostname(), and mailsmtp_socket_connect() reads the
 * greeting under the process-wide default timeout.
 */
#include "transport_smtp_int.h"

#include "clock.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

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
int smtp_read_reply(mailsmtp *s)
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
			code = smtp_read_reply(s);
		free(cmd);
		if (code == 0) {
			*reply_r = smtp_lost(t, ehlo ? "EHLO" : "HELO", started);
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
	*reply_r = smtp_said(t, ehlo > 0 ? "EHLO" : "HELO");
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
		*reply_r = smtp_said(t, "AUTH");
	else if (r == MAILSMTP_ERROR_STREAM)
		*reply_r = smtp_lost(t, "AUTH", started);
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
		*reply_r = s->response_code != 0 ? smtp_said(t, "STARTTLS")
						 : smtp_lost(t, "STARTTLS", started);
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
enum gw_result smtp_connect(struct smtp_transport *t, char **reply_r)
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
			*reply_r = t->session->response_code != 0 ? smtp_said(t, "the greeting")
								  : smtp_lost(t, "connect", started);
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
