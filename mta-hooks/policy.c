/*
 * policy.c - the Postfix policy delegation server (policy.h): one
 * bufferevent per Postfix connection, requests read as attribute lines,
 * answered from the reply token's MAC alone.
 */
#include "policy.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "buf.h"
#include "clock.h"
#include "links.h"
#include "accept_pause.h"
#include "listen.h"

/* Postfix attribute lines are short; a longer line is not Postfix. */
#define POLICY_LINE_MAX 4096
#define POLICY_REQUEST_MAX (64 * 1024)
#define POLICY_IDLE_DEFAULT 600
/* How much of a recipient goes into the reject text. */
#define POLICY_RCPT_SHOW 200

struct policy_conn {
	struct policy *policy;
	struct bufferevent *bev;
	struct policy_conn *prev, *next;
	size_t request_bytes;
	char *state;      /* protocol_state of the request being read */
	char *recipient;  /* recipient of the request being read */
};

struct policy {
	struct event_base *base;
	struct evconnlistener *listener;
	struct accept_pause *pause; /* EMFILE backoff */
	const struct link_keys *keys;
	char *reply_domain;
	char *unix_path;
	int port;
	int idle_timeout;
	struct policy_conn *conns;
	uint64_t requests, rejected;
};

enum policy_rcpt policy_check_recipient(const struct link_keys *keys, const char *reply_domain,
					const char *recipient, int64_t now)
{
	char token[LINK_ADDR_TOKEN_MAX + 1];
	struct link_claims claims;
	const char *a = recipient, *at, *end;
	size_t dlen, alen;
	int purpose;

	if (recipient == NULL || reply_domain == NULL || reply_domain[0] == '\0')
		return POLICY_RCPT_OTHER;
	alen = strlen(a);
	if (alen >= 2 && a[0] == '<' && a[alen - 1] == '>') {
		a++;
		alen -= 2;
	}
	end = a + alen;
	at = memrchr(a, '@', alen);
	if (at == NULL)
		return POLICY_RCPT_FOREIGN;
	dlen = (size_t)(end - at - 1);
	if (dlen > 0 && at[dlen] == '.')
		dlen--;   /* a fully qualified "domain." */
	if (dlen != strlen(reply_domain) || strncasecmp(at + 1, reply_domain, dlen) != 0)
		return POLICY_RCPT_FOREIGN;
	/* RFC 5321 4.5.1 and RFC 2142: these must reach a person. */
	if (((size_t)(at - a) == 10 && strncasecmp(a, "postmaster", 10) == 0) ||
	    ((size_t)(at - a) == 5 && strncasecmp(a, "abuse", 5) == 0))
		return POLICY_RCPT_OTHER;

	purpose = link_address_token(recipient, NULL, token);
	if (purpose != LINK_REPLY && purpose != LINK_BOUNCE)
		return POLICY_RCPT_UNKNOWN;
	switch (link_addr_verify(keys, token, (enum link_purpose)purpose, now, NULL, NULL,
				 &claims)) {
	case LINK_OK:
	case LINK_REVOKED: /* not checked without a generation callback */
		return POLICY_RCPT_VALID;
	case LINK_EXPIRED:
		return POLICY_RCPT_EXPIRED;
	default:
		return POLICY_RCPT_UNKNOWN;
	}
}

static void conn_free(struct policy_conn *c)
{
	struct policy *p = c->policy;

	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		p->conns = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	bufferevent_free(c->bev);
	free(c->state);
	free(c->recipient);
	free(c);
}

/* The recipient as it may appear in a reply: printable ASCII, cut short. */
static void put_shown(struct buf *b, const char *s)
{
	size_t n = 0;

	if (*s == '<')
		s++;
	for (; *s != '\0' && *s != '>' && n < POLICY_RCPT_SHOW; s++, n++)
		buf_putc(b, (*s > 0x20 && *s < 0x7f) ? *s : '?');
}

static void answer(struct policy_conn *c)
{
	struct policy *p = c->policy;
	struct buf b = BUF_INIT;
	enum policy_rcpt r = POLICY_RCPT_OTHER;

	if (c->state != NULL && strcasecmp(c->state, "RCPT") == 0 && c->recipient != NULL)
		r = policy_check_recipient(p->keys, p->reply_domain, c->recipient, clock_now());
	p->requests++;
	if (r == POLICY_RCPT_UNKNOWN) {
		p->rejected++;
		buf_puts(&b, "action=REJECT 5.1.1 <");
		put_shown(&b, c->recipient);
		buf_puts(&b, ">: unknown reply address\n\n");
	} else {
		buf_puts(&b, "action=DUNNO\n\n");
	}
	bufferevent_write(c->bev, b.data, b.len);
	buf_release(&b);
	free(c->state);
	free(c->recipient);
	c->state = c->recipient = NULL;
	c->request_bytes = 0;
}

static void on_read(struct bufferevent *bev, void *ctx)
{
	struct policy_conn *c = ctx;
	struct evbuffer *in = bufferevent_get_input(bev);
	char *line;
	size_t n;

	while ((line = evbuffer_readln(in, &n, EVBUFFER_EOL_CRLF)) != NULL) {
		char *eq;

		c->request_bytes += n + 1;
		if (n == 0) {
			free(line);
			answer(c);
			continue;
		}
		if (n > POLICY_LINE_MAX || c->request_bytes > POLICY_REQUEST_MAX ||
		    (eq = strchr(line, '=')) == NULL) {
			/* Not Postfix speaking: there is nobody to explain it to. */
			free(line);
			conn_free(c);
			return;
		}
		*eq = '\0';
		if (strcmp(line, "protocol_state") == 0) {
			free(c->state);
			c->state = xstrdup(eq + 1);
		} else if (strcmp(line, "recipient") == 0) {
			free(c->recipient);
			c->recipient = xstrdup(eq + 1);
		}
		free(line);
	}
	if (evbuffer_get_length(in) > POLICY_LINE_MAX)
		conn_free(c);
}

static void on_event(struct bufferevent *bev, short what, void *ctx)
{
	(void)bev;
	(void)what;
	/* EOF, error or idle timeout: Postfix opens a new connection. */
	conn_free(ctx);
}

static void on_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
		      int salen, void *ctx)
{
	struct policy *p = ctx;
	struct policy_conn *c;
	struct timeval tv = { p->idle_timeout, 0 };

	(void)l;
	(void)sa;
	(void)salen;
	c = xcalloc(1, sizeof(*c));
	c->policy = p;
	c->bev = bufferevent_socket_new(p->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (c->bev == NULL) {
		close(fd);
		free(c);
		return;
	}
	c->next = p->conns;
	if (p->conns != NULL)
		p->conns->prev = c;
	p->conns = c;
	bufferevent_setcb(c->bev, on_read, NULL, on_event, c);
	bufferevent_set_timeouts(c->bev, &tv, &tv);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
}

int policy_open(struct event_base *base, const struct policy_settings *set,
		struct policy **policy_r, char **error_r)
{
	struct policy *p;
	struct listen_socket ls;
	char *lerr = NULL;
	int fd;

	*policy_r = NULL;
	if (set->keys == NULL || set->reply_domain == NULL) {
		*error_r = xstrdup("policy: keys and reply domain are required");
		return -1;
	}
	p = xcalloc(1, sizeof(*p));
	p->base = base;
	p->keys = set->keys;
	p->reply_domain = xstrdup(set->reply_domain);
	p->idle_timeout = set->idle_timeout > 0 ? set->idle_timeout : POLICY_IDLE_DEFAULT;
	if (listen_take(set->systemd_fd, set->listen, &ls, &lerr) < 0) {
		*error_r = xasprintf("policy: %s", lerr);
		free(lerr);
		goto fail;
	}
	fd = ls.fd;
	p->port = ls.port;
	p->unix_path = ls.unix_path; /* unlinked at close */
	p->listener = evconnlistener_new(base, on_accept, p, LEV_OPT_CLOSE_ON_FREE, -1, fd);
	if (p->listener == NULL) {
		*error_r = xasprintf("policy: socket %d: cannot accept", fd);
		close(fd);
		goto fail;
	}
	p->pause = accept_pause_watch(p->listener, "policy");
	*policy_r = p;
	return 0;
fail:
	policy_close(&p);
	return -1;
}

void policy_close(struct policy **policyp)
{
	struct policy *p = policyp != NULL ? *policyp : NULL;

	if (p == NULL)
		return;
	*policyp = NULL;
	accept_pause_free(&p->pause);
	if (p->listener != NULL)
		evconnlistener_free(p->listener);
	while (p->conns != NULL)
		conn_free(p->conns);
	if (p->unix_path != NULL)
		(void)unlink(p->unix_path);
	free(p->unix_path);
	free(p->reply_domain);
	free(p);
}

int policy_bound_port(const struct policy *policy)
{
	return policy != NULL ? policy->port : 0;
}

void policy_stats(const struct policy *policy, uint64_t *requests_r, uint64_t *rejected_r)
{
	*requests_r = policy != NULL ? policy->requests : 0;
	*rejected_r = policy != NULL ? policy->rejected : 0;
}

void policy_set_keys(struct policy *policy, const struct link_keys *keys)
{
	if (policy != NULL && keys != NULL)
		policy->keys = keys;
}
