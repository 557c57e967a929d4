/*
 * guard.c - what the web view does before evhttp reads a request: the
 * EMFILE pause, a cap on connections per client address, deadlines for
 * the header block and the whole request, the body limit of each request
 * and a budget of body bytes in flight, and the security headers on the
 * error pages evhttp writes by itself (400, 413, 501).
 *
 * libevent 2.1 has no hook between "connection accepted" and "headers
 * parsed", so the guard sits on the connection's bufferevent, which the
 * web view makes itself (evhttp_set_bevcb):
 *   - once evhttp has set the connection up (adopt_cb, right after the
 *     accept), the bufferevent's callback argument is the evhttp
 *     connection: the guard takes note of it (closecb), counts its
 *     address, and puts its own read callback in front of evhttp's;
 *   - that read callback holds the bytes back until the whole header block
 *     is in (or the header limit is passed), decides the body limit from
 *     the request line and the session cookie (link_verify on the loop,
 *     no store), takes the body's bytes from the budget, and only then
 *     lets evhttp parse;
 *   - once a second (the loop's tick) connections past their deadline
 *     are closed; a request handed to dispatch() is the pool's and is
 *     never cut.
 * A body over the limit is refused by evhttp's own 413 before it is
 * read; the output callback gives that page the security headers.
 * Everything here runs on the loop's thread; the per-address counts and
 * the budget are shared by the loops (guard_mu, an atomic).
 */
#include "web_int.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>

#include "accept_pause.h"
#include "clock.h"
#include "log.h"

#define HEAD_MAX (32 * 1024)
#define CONN_BUCKET(evcon) (((uintptr_t)(evcon) >> 4) % WEB_CONN_BUCKETS)

static const char sec_headers[] =
	"Content-Security-Policy: " WEB_CSP "\r\n"
	"X-Content-Type-Options: nosniff\r\n"
	"Referrer-Policy: no-referrer\r\n"
	"X-Frame-Options: DENY\r\n"
	"Cache-Control: no-store\r\n";

/* evhttp's own callbacks, the same for every connection. */
static bufferevent_data_cb ev_read, ev_write;
static bufferevent_event_cb ev_event;
static pthread_mutex_t cb_mu = PTHREAD_MUTEX_INITIALIZER;

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- per-address counts ------------------------------------------------- */

static int peer_add(struct web *web, const char *addr)
{
	int n = 0;

	pthread_mutex_lock(&web->guard_mu);
	for (size_t i = 0; i < web->n_peers; i++) {
		if (strcmp(web->peers[i].addr, addr) == 0) {
			n = ++web->peers[i].n;
			break;
		}
	}
	if (n == 0) {
		web->peers = xrealloc(web->peers, (web->n_peers + 1) * sizeof(*web->peers));
		snprintf(web->peers[web->n_peers].addr, sizeof(web->peers[0].addr), "%s", addr);
		n = web->peers[web->n_peers++].n = 1;
	}
	pthread_mutex_unlock(&web->guard_mu);
	return n;
}

static void peer_del(struct web *web, const char *addr)
{
	pthread_mutex_lock(&web->guard_mu);
	for (size_t i = 0; i < web->n_peers; i++) {
		if (strcmp(web->peers[i].addr, addr) == 0) {
			if (--web->peers[i].n == 0)
				web->peers[i] = web->peers[--web->n_peers];
			break;
		}
	}
	pthread_mutex_unlock(&web->guard_mu);
}

/* ---- the budget ------------------------------------------------------------- */

static int budget_take(struct web_conn *c, int64_t bytes)
{
	struct web *web = c->loop->web;
	int64_t was = atomic_fetch_add(&web->body_inflight, bytes);

	if (was + bytes > web->body_budget) {
		atomic_fetch_sub(&web->body_inflight, bytes);
		return -1;
	}
	c->reserved += bytes;
	return 0;
}

static void budget_give(struct web_conn *c)
{
	if (c->reserved > 0)
		atomic_fetch_sub(&c->loop->web->body_inflight, c->reserved);
	c->reserved = 0;
}

/* ---- connections -------------------------------------------------------------- */

struct web_conn *web_conn_find(struct web_loop *lp, struct evhttp_connection *evcon)
{
	if (evcon == NULL || lp->conn_hash == NULL)
		return NULL;
	for (struct web_conn *c = lp->conn_hash[CONN_BUCKET(evcon)]; c != NULL; c = c->hnext)
		if (c->evcon == evcon)
			return c;
	return NULL;
}

static void conn_free(struct web_conn *c)
{
	struct web_loop *lp = c->loop;
	struct web_conn **pp = &lp->conn_hash[CONN_BUCKET(c->evcon)];

	while (*pp != NULL && *pp != c)
		pp = &(*pp)->hnext;
	if (*pp == c)
		*pp = c->hnext;
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		lp->conns = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	budget_give(c);
	if (c->counted)
		peer_del(lp->web, c->addr);
	if (c->out_cb != NULL)
		evbuffer_remove_cb_entry(bufferevent_get_output(c->bev), c->out_cb);
	if (c->readopt_ev != NULL)
		event_free(c->readopt_ev);
	lp->n_conns--;
	bufferevent_decref(c->bev);
	free(c);
}

static void conn_closed(struct evhttp_connection *evcon, void *arg)
{
	GW_UNUSED(evcon);
	conn_free(arg);
}

static void g_read(struct bufferevent *bev, void *arg);
static void g_write(struct bufferevent *bev, void *arg)
{
	ev_write(bev, ((struct web_conn *)arg)->evcon);
}
static void g_event(struct bufferevent *bev, short what, void *arg)
{
	ev_event(bev, what, ((struct web_conn *)arg)->evcon);
}

/* A new request on c: its header phase starts now, with the small limit. */
static void conn_request_start(struct web_conn *c)
{
	bufferevent_data_cb rcb;

	bufferevent_getcb(c->bev, &rcb, NULL, NULL, NULL);
	budget_give(c);
	c->phase = CONN_HEAD;
	c->started_ms = now_ms();
	evhttp_connection_set_max_body_size(c->evcon, WEB_ANON_BODY);
	if (rcb == ev_read)
		bufferevent_setcb(c->bev, g_read, g_write, g_event, c);
}

static void readopt_cb(evutil_socket_t fd, short what, void *arg)
{
	GW_UNUSED(fd);
	GW_UNUSED(what);
	conn_request_start(arg);
}

/* The reply to c's request is out; evhttp starts reading the next one
 * after this returns, so the guard steps in again just after. */
static void request_done(struct evhttp_request *req, void *arg)
{
	struct web_conn *c = arg;

	GW_UNUSED(req);
	budget_give(c);
	c->phase = CONN_IDLE;
	event_active(c->readopt_ev, EV_TIMEOUT, 0);
}

/* Status lines evhttp writes itself get the security headers. */
static void out_cb(struct evbuffer *buf, const struct evbuffer_cb_info *info, void *arg)
{
	struct web_conn *c = arg;
	struct evbuffer_ptr at;
	char head[13];
	size_t len = evbuffer_get_length(buf);
	int code;

	if (c->injecting || info->n_added < sizeof(head) || info->n_added > len)
		return;
	if (evbuffer_ptr_set(buf, &at, len - info->n_added, EVBUFFER_PTR_SET) < 0 ||
	    evbuffer_copyout_from(buf, &at, head, sizeof(head)) != (ev_ssize_t)sizeof(head) ||
	    memcmp(head, "HTTP/1.", 7) != 0 || head[8] != ' ')
		return;
	code = atoi(head + 9);
	if (code < 200)
		return;
	if (!c->replying) {
		c->injecting = 1;
		evbuffer_add(buf, sec_headers, sizeof(sec_headers) - 1);
		c->injecting = 0;
		c->loop->web->evhttp_errors++;
	}
	c->replying = 0;
}

static void adopt_one(struct web_loop *lp, struct web_conn *c)
{
	struct web *web = lp->web;
	bufferevent_data_cb rcb, wcb;
	bufferevent_event_cb ecb;
	void *arg;
	char *host = NULL;
	ev_uint16_t port = 0;

	bufferevent_getcb(c->bev, &rcb, &wcb, &ecb, &arg);
	if (rcb == NULL || arg == NULL) {
		/* evhttp gave up on it already. */
		bufferevent_decref(c->bev);
		free(c);
		return;
	}
	pthread_mutex_lock(&cb_mu);
	ev_read = rcb;
	ev_write = wcb;
	ev_event = ecb;
	pthread_mutex_unlock(&cb_mu);
	c->evcon = arg;
	c->hnext = lp->conn_hash[CONN_BUCKET(c->evcon)];
	lp->conn_hash[CONN_BUCKET(c->evcon)] = c;
	c->next = lp->conns;
	if (c->next != NULL)
		c->next->prev = c;
	lp->conns = c;
	lp->n_conns++;
	c->readopt_ev = event_new(lp->base, -1, 0, readopt_cb, c);
	c->out_cb = evbuffer_add_cb(bufferevent_get_output(c->bev), out_cb, c);
	evhttp_connection_set_closecb(c->evcon, conn_closed, c);
	evhttp_connection_get_peer(c->evcon, &host, &port);
	snprintf(c->addr, sizeof(c->addr), "%s", host != NULL ? host : "?");
	c->counted = 1;
	if (peer_add(web, c->addr) > web->max_per_client) {
		atomic_fetch_add(&web->refused_cap, 1);
		if (time(NULL) - lp->cap_logged >= 10) {
			log_warn("web: %s: more than %lld connections, closing new ones",
				 c->addr, (long long)web->max_per_client);
			lp->cap_logged = time(NULL);
		}
		evhttp_connection_free(c->evcon);   /* conn_closed frees c */
		return;
	}
	conn_request_start(c);
}

static void adopt_cb(evutil_socket_t fd, short what, void *arg)
{
	struct web_loop *lp = arg;

	GW_UNUSED(fd);
	GW_UNUSED(what);
	while (lp->adopting != NULL) {
		struct web_conn *c = lp->adopting;

		lp->adopting = c->next;
		c->next = NULL;
		adopt_one(lp, c);
	}
}

/* evhttp_set_bevcb: the bufferevent of a new connection, which the guard
 * keeps a reference to (so that it can tell when evhttp is done with it). */
static struct bufferevent *make_bev(struct event_base *base, void *arg)
{
	struct web_loop *lp = arg;
	struct bufferevent *bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
	struct web_conn *c;

	if (bev == NULL)
		return NULL;
	bufferevent_incref(bev);
	c = xcalloc(1, sizeof(*c));
	c->loop = lp;
	c->bev = bev;
	c->next = lp->adopting;
	lp->adopting = c;
	event_active(lp->adopt_ev, EV_TIMEOUT, 0);
	return bev;
}

/* ---- the header block ------------------------------------------------------ */

/* The value of header name in block (not NUL-terminated), or NULL. */
static const char *head_get(const char *block, size_t len, const char *name, size_t *vlen)
{
	size_t nlen = strlen(name);
	const char *p = block, *end = block + len;

	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		size_t l = eol != NULL ? (size_t)(eol - p) : (size_t)(end - p);

		if (l > nlen && p[nlen] == ':' && strncasecmp(p, name, nlen) == 0) {
			const char *v = p + nlen + 1;

			while (v < p + l && (*v == ' ' || *v == '\t'))
				v++;
			*vlen = (size_t)(p + l - v);
			while (*vlen > 0 && (v[*vlen - 1] == '\r' || v[*vlen - 1] == ' '))
				(*vlen)--;
			return v;
		}
		p += l + 1;
	}
	return NULL;
}

static char *head_dup(const char *block, size_t len, const char *name)
{
	size_t vlen;
	const char *v = head_get(block, len, name, &vlen);

	return v != NULL ? xstrndup(v, vlen) : NULL;
}

int web_cross_site(const char *origin, const char *fetch_site, const char *host,
		   const char *base_url)
{
	if (fetch_site != NULL && strcasecmp(fetch_site, "cross-site") == 0)
		return 1;
	if (origin == NULL)
		return 0;
	if (base_url != NULL && *base_url != '\0' && strcasecmp(origin, base_url) == 0)
		return 0;
	if (host != NULL) {
		const char *o = strstr(origin, "://");

		if (o != NULL && strcasecmp(o + 3, host) == 0)
			return 0;
	}
	return 1;   /* another site, or "null" */
}

/* The body this request may bring: max_body for a signed-in person's
 * upload from our own pages, WEB_ANON_BODY for everything else. */
static int64_t body_limit(struct web_loop *lp, const char *block, size_t len)
{
	struct web *web = lp->web;
	const char *sp = memchr(block, ' ', len), *pend;
	char path[64], *cookie, *origin, *site, *host;
	char token[LINK_TOKEN_MAX];
	struct link_claims claims;
	int64_t limit = WEB_ANON_BODY;

	if (sp == NULL || (size_t)(sp - block) != 4 || memcmp(block, "POST", 4) != 0)
		return limit;
	pend = sp + 1;
	while (pend < block + len && *pend != ' ' && *pend != '?' && *pend != '\r' &&
	       *pend != '\n')
		pend++;
	if ((size_t)(pend - sp - 1) >= sizeof(path))
		return limit;
	memcpy(path, sp + 1, (size_t)(pend - sp - 1));
	path[pend - sp - 1] = '\0';
	if (!web_route_upload(path))
		return limit;
	cookie = head_dup(block, len, "Cookie");
	origin = head_dup(block, len, "Origin");
	site = head_dup(block, len, "Sec-Fetch-Site");
	host = head_dup(block, len, "Host");
	if (cookie != NULL && web_cookie_value(cookie, token) == 0 &&
	    link_verify(atomic_load(&web->keys), token, LINK_SESSION, clock_now(), NULL, NULL,
			&claims) == LINK_OK &&
	    !web_cross_site(origin, site, host, web->base_url))
		limit = web->max_body + WEB_BODY_SLACK;
	free(cookie);
	free(origin);
	free(site);
	free(host);
	return limit;
}

/* Ahead of evhttp's read callback while the header block comes in. */
static void g_read(struct bufferevent *bev, void *arg)
{
	struct web_conn *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	struct evbuffer_ptr crlf, lf;
	size_t len = evbuffer_get_length(in), head = 0;

	if (c->phase == CONN_HEAD) {
		crlf = evbuffer_search(in, "\r\n\r\n", 4, NULL);
		lf = evbuffer_search(in, "\n\n", 2, NULL);
		if (crlf.pos >= 0)
			head = (size_t)crlf.pos + 4;
		if (lf.pos >= 0 && (head == 0 || (size_t)lf.pos + 2 < head))
			head = (size_t)lf.pos + 2;
		if (head == 0 && len <= HEAD_MAX)
			return;   /* wait for the rest: the deadline runs */
		if (head > 0 && head <= HEAD_MAX) {
			const char *block = (const char *)evbuffer_pullup(in, (ev_ssize_t)head);
			int64_t limit = body_limit(c->loop, block, head), want = limit;
			size_t vlen;
			const char *cl = head_get(block, head, "Content-Length", &vlen);

			if (cl != NULL && vlen > 0 && vlen < 20) {
				char num[20];

				memcpy(num, cl, vlen);
				num[vlen] = '\0';
				want = strtoll(num, NULL, 10);
				if (want < 0 || want > limit)
					want = limit;  /* evhttp answers 413 */
			}
			if (want > 0 && budget_take(c, want) < 0) {
				atomic_fetch_add(&c->loop->web->refused_budget, 1);
				limit = 0;   /* evhttp answers 413 without reading */
			}
			evhttp_connection_set_max_body_size(c->evcon, limit);
		}
		c->phase = CONN_BODY;
	}
	ev_read(bev, c->evcon);    /* may free the connection, and c */
}

/* On the loop: the request is the web view's from now on. */
void web_guard_dispatched(struct web_loop *lp, struct evhttp_request *req)
{
	struct web_conn *c = web_conn_find(lp, evhttp_request_get_connection(req));

	if (c == NULL)
		return;
	c->phase = CONN_OURS;
	evhttp_request_set_on_complete_cb(req, request_done, c);
}

/* On the loop, just before evhttp_send_reply*(): a reply of ours, which
 * has its headers already. */
void web_guard_replying(struct web_loop *lp, struct evhttp_request *req)
{
	struct web_conn *c = web_conn_find(lp, evhttp_request_get_connection(req));

	if (c != NULL)
		c->replying = 1;
}

/* Once a second: close the connections past their deadline. */
void web_guard_sweep(struct web_loop *lp)
{
	struct web *web = lp->web;
	int64_t now = now_ms(), cut = 0;
	struct web_conn *c, *next;

	for (c = lp->conns; c != NULL; c = next) {
		int64_t limit;

		next = c->next;
		if (c->phase == CONN_HEAD || c->phase == CONN_IDLE)
			limit = web->header_timeout_ms;
		else if (c->phase == CONN_BODY)
			limit = web->request_timeout_ms;
		else
			continue;
		if (now - c->started_ms < limit)
			continue;
		cut++;
		evhttp_connection_free(c->evcon);   /* conn_closed frees c */
	}
	if (cut > 0) {
		atomic_fetch_add(&web->cut_slow, (uint64_t)cut);
		if (time(NULL) - lp->cut_logged >= 10) {
			log_info("web: closed %lld connections past their header or request "
				 "deadline", (long long)cut);
			lp->cut_logged = time(NULL);
		}
	}
}

int web_guard_open(struct web_loop *lp)
{
	lp->conn_hash = xcalloc(WEB_CONN_BUCKETS, sizeof(*lp->conn_hash));
	lp->adopt_ev = event_new(lp->base, -1, 0, adopt_cb, lp);
	if (lp->adopt_ev == NULL)
		return -1;
	evhttp_set_bevcb(lp->http, make_bev, lp);
	return 0;
}

void web_guard_listening(struct web_loop *lp)
{
	lp->pause = accept_pause_watch(evhttp_bound_socket_get_listener(lp->bound), "web");
}

/* Before evhttp_free(): the connections go with it (conn_closed). */
void web_guard_close(struct web_loop *lp)
{
	accept_pause_free(&lp->pause);
	while (lp->adopting != NULL) {
		struct web_conn *c = lp->adopting;

		lp->adopting = c->next;
		bufferevent_decref(c->bev);
		free(c);
	}
	if (lp->adopt_ev != NULL)
		event_free(lp->adopt_ev);
	lp->adopt_ev = NULL;
}

void web_guard_free(struct web_loop *lp)
{
	free(lp->conn_hash);
	lp->conn_hash = NULL;
}
