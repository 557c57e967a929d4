/*
 * transport.c - pick the backend for a transport spec and guard every send.
 *
 * The backends live in transport_smtp.c, transport_sendmail.c and
 * transport_maildir.c behind struct transport_ops.  What they have in
 * common is done here once: envelope addresses are checked before any of
 * them sees one (an address is pasted into an SMTP command line, an argv
 * and a header), SIGPIPE is kept from the calling thread, and the caller
 * always gets a reply text.
 */
#include "transport_private.h"

#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int transport_tls_parse(const char *s, enum transport_tls *tls_r)
{
	if (s == NULL)
		return -1;
	if (strcmp(s, "no") == 0)
		*tls_r = TRANSPORT_TLS_NO;
	else if (strcmp(s, "try") == 0)
		*tls_r = TRANSPORT_TLS_TRY;
	else if (strcmp(s, "require") == 0)
		*tls_r = TRANSPORT_TLS_REQUIRE;
	else
		return -1;
	return 0;
}

int transport_open(const char *spec, const struct transport_settings *settings,
		   struct transport **transport_r, char **error_r)
{
	static const struct transport_settings defaults;
	const struct transport_settings *set = settings != NULL ? settings : &defaults;
	struct transport *t;

	*transport_r = NULL;
	if (spec == NULL || *spec == '\0') {
		*error_r = xstrdup("transport: no transport given");
		return -1;
	}
	if (strncmp(spec, "smtp://", 7) == 0)
		t = transport_smtp_open(spec + 7, set, error_r);
	else if (strncmp(spec, "sendmail:", 9) == 0)
		t = transport_sendmail_open(spec + 9, set, error_r);
	else if (strncmp(spec, "maildir:", 8) == 0)
		t = transport_maildir_open(spec + 8, set, error_r);
	else {
		*error_r = xasprintf("transport: \"%s\" is not smtp://HOST:PORT, "
				     "sendmail:/PATH or maildir:/PATH", spec);
		return -1;
	}
	if (t == NULL)
		return -1;
	*transport_r = t;
	return 0;
}

/*
 * An envelope address as we send it: printable ASCII without spaces or
 * angle brackets, with an '@' that is neither first nor last, at most 256
 * characters (RFC 5321 path limit).  "" only where the null sender is meant.
 */
static int valid_envelope(const char *s, int allow_empty)
{
	const char *at, *p;

	if (s == NULL)
		return 0;
	if (*s == '\0')
		return allow_empty;
	if (strlen(s) > 256)
		return 0;
	for (p = s; *p != '\0'; p++) {
		if (*p <= 0x20 || *p >= 0x7f || *p == '<' || *p == '>')
			return 0;
	}
	at = strrchr(s, '@');
	return at != NULL && at != s && at[1] != '\0';
}

/*
 * libetpan writes to sockets with write(2), and the sendmail backend writes
 * into a pipe: a peer that went away raises SIGPIPE, whose default action
 * ends the process.  Block it in this thread for the duration of a send and
 * swallow the one we caused, so that the library is safe even in a program
 * that forgot to ignore SIGPIPE.
 */
struct sigpipe_guard {
	sigset_t old_mask;
	int was_pending;
};

static void sigpipe_block(struct sigpipe_guard *g)
{
	sigset_t pipe_set, pending;

	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_set, &g->old_mask);
	sigemptyset(&pending);
	sigpending(&pending);
	g->was_pending = sigismember(&pending, SIGPIPE) == 1;
}

static void sigpipe_restore(struct sigpipe_guard *g)
{
	sigset_t pipe_set, pending;

	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	sigemptyset(&pending);
	if (!g->was_pending && sigpending(&pending) == 0 &&
	    sigismember(&pending, SIGPIPE) == 1) {
		static const struct timespec zero = { 0, 0 };

		sigtimedwait(&pipe_set, NULL, &zero);
	}
	pthread_sigmask(SIG_SETMASK, &g->old_mask, NULL);
}

enum gw_result transport_send(struct transport *t, const char *envelope_from,
			      const char *rcpt, const char *data, size_t len,
			      char **reply_r)
{
	struct sigpipe_guard guard;
	char *reply = NULL;
	enum gw_result res;

	if (!valid_envelope(envelope_from, 1)) {
		reply = xasprintf("invalid envelope sender \"%.100s\"",
				  envelope_from != NULL ? envelope_from : "(null)");
		res = GW_PERMFAIL;
	} else if (!valid_envelope(rcpt, 0)) {
		reply = xasprintf("invalid recipient \"%.100s\"", rcpt != NULL ? rcpt : "(null)");
		res = GW_PERMFAIL;
	} else if (data == NULL && len > 0) {
		reply = xstrdup("no message data");
		res = GW_PERMFAIL;
	} else {
		sigpipe_block(&guard);
		res = t->ops->send(t, envelope_from, rcpt, data != NULL ? data : "", len, &reply);
		sigpipe_restore(&guard);
		if (reply == NULL)
			reply = xstrdup(gw_result_name(res));
	}
	if (reply_r != NULL)
		*reply_r = reply;
	else
		free(reply);
	return res;
}

void transport_close(struct transport **tp)
{
	struct transport *t = *tp;
	struct sigpipe_guard guard;

	if (t == NULL)
		return;
	*tp = NULL;
	sigpipe_block(&guard);
	t->ops->close(t);
	sigpipe_restore(&guard);
}

const char *transport_kind(const struct transport *t)
{
	return t->ops->kind;
}

void transport_append_lf(struct buf *out, const char *data, size_t len)
{
	const char *p = data, *end = data + len;

	while (p < end) {
		const char *cr = memchr(p, '\r', (size_t)(end - p));

		if (cr == NULL) {
			buf_append(out, p, (size_t)(end - p));
			break;
		}
		buf_append(out, p, (size_t)(cr - p));
		if (cr + 1 < end && cr[1] == '\n') {
			/* the LF follows on the next round */
		} else {
			buf_putc(out, '\r');
		}
		p = cr + 1;
	}
}

void transport_append_printable(struct buf *out, const char *text, size_t len, size_t max)
{
	size_t i;

	for (i = 0; i < len && i < max; i++) {
		unsigned char c = (unsigned char)text[i];

		buf_putc(out, c >= 0x20 && c < 0x7f ? (char)c : (c >= 0x80 ? '?' : ' '));
	}
	if (len > max)
		buf_puts(out, "...");
}
