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

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

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

static int is_proxy(const struct web *web, const char *addr)
{
	for (size_t i = 0; i < web->n_proxies; i++)
		if (strcmp(web->proxies[i], addr) == 0)
			return 1;
	return 0;
}

void web_client_address(const struct web_req *r, char out[48])
{
	const char *xff, *last;
	size_t n;

	snprintf(out, 48, "%s", r->peer[0] != '\0' ? r->peer : "unknown");
	if (!is_proxy(r->web, r->peer))
		return;
	xff = evhttp_find_header(evhttp_request_get_input_headers(r->req), "X-Forwarded-For");
	if (xff == NULL)
		return;
	/* The proxy appends the address it saw: only the last entry is its word,
	 * the ones before are whatever the client sent. */
	last = strrchr(xff, ',');
	last = last != NULL ? last + 1 : xff;
	last += strspn(last, " \t");
	n = strspn(last, "0123456789abcdefABCDEF.:");
	if (n == 0 || n >= 48 || (last[n] != '\0' && last[n] != ' ' && last[n] != '\t'))
		return;
	memcpy(out, last, n);
	out[n] = '\0';
}

void web_proxies_parse(struct web *web, const char *list)
{
	const char *p = list != NULL ? list : "";

	while (*p != '\0') {
		size_t n;

		p += strspn(p, " ,\t");
		n = strcspn(p, " ,\t");
		if (n == 0)
			break;
		web->proxies = xrealloc(web->proxies, (web->n_proxies + 1) * sizeof(*web->proxies));
		web->proxies[web->n_proxies++] = xstrndup(p, n);
		p += n;
	}
}

void web_proxies_free(struct web *web)
{
	for (size_t i = 0; i < web->n_proxies; i++)
		free(web->proxies[i]);
	free(web->proxies);
	web->proxies = NULL;
	web->n_proxies = 0;
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

/* ---- streamed bodies ------------------------------------------------------------ */

static const char *head_get(const char *block, size_t len, const char *name, size_t *vlen);

/* Forget c's streamed body, if dispatch() did not take it. */
static void stream_reset(struct web_conn *c)
{
	free(c->stream_head);
	c->stream_head = NULL;
	c->stream_head_len = 0;
	if (c->stream_fd >= 0)
		close(c->stream_fd);
	c->stream_fd = -1;
	upload_parser_free(&c->stream_parser);
	if (c->stream_form != NULL) {
		upload_form_clear(c->stream_form);
		free(c->stream_form);
		c->stream_form = NULL;
	}
	c->stream_len = c->stream_left = 0;
	c->stream_ready = c->stream_over = 0;
}

/* An unnamed file for a body, on the attachments' file system (where the
 * store copies the upload to), mode 0600: -1 when none can be made. */
static int body_file(struct web *web)
{
	char *path;
	int fd;

	(void)mkdir(web->attachments_dir, 0750);
	fd = open(web->attachments_dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd >= 0 || (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL))
		return fd;
	path = xasprintf("%s/.upload-XXXXXX", web->attachments_dir);
	fd = mkostemp(path, O_CLOEXEC);
	if (fd >= 0)
		(void)unlink(path);
	free(path);
	return fd;
}

/* The header block evhttp gets once the body is in: the same, but with
 * "Content-Length: 0" and no Expect (the guard has answered it). */
static char *head_rewrite(const char *block, size_t len, size_t *len_r)
{
	struct buf b = BUF_INIT;
	const char *p = block, *end = block + len;
	int first = 1;

	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		size_t l = eol != NULL ? (size_t)(eol - p) + 1 : (size_t)(end - p);

		if (!first && (l <= 2 && (l == 1 || p[0] == '\r')))
			buf_puts(&b, "Content-Length: 0\r\n");   /* before the blank line */
		else if (!first && (strncasecmp(p, "Content-Length:", 15) == 0 ||
				    strncasecmp(p, "Expect:", 7) == 0)) {
			p += l;
			continue;
		}
		buf_append(&b, p, l);
		first = 0;
		p += l;
	}
	*len_r = b.len;
	return buf_detach(&b);
}

/* Start streaming the body of the request whose header block (head
 * bytes, at the front of in) was just read: 0, or -1 (no file: evhttp
 * reads it into memory, within the budget, as before). */
static int stream_start(struct web_conn *c, struct evbuffer *in, const char *block,
			size_t head, int64_t len, int discard)
{
	struct web_loop *lp = c->loop;
	size_t vlen;
	const char *expect = head_get(block, head, "Expect", &vlen);
	const char *ct = head_get(block, head, "Content-Type", &vlen);
	int multipart = !discard && ct != NULL && vlen >= 19 &&
			strncasecmp(ct, "multipart/form-data", 19) == 0;
	int fd = discard || multipart ? -1 : body_file(lp->web);

	if (multipart) {
		/* Parsed as it comes: its files go straight into the content
		 * store's unnamed files, and no copy of the body is kept. */
		struct upload_limits lim;
		char *type = xstrndup(ct, vlen);

		web_upload_limits(lp->web, &lim);
		c->stream_form = xcalloc(1, sizeof(*c->stream_form));
		c->stream_parser = upload_parser_new(&lim, type, c->stream_form);
		free(type);
	} else if (fd < 0 && !discard) {
		if (time(NULL) - lp->cut_logged >= 10) {
			log_error("web: %s: cannot make a file for an upload: %s",
				  lp->web->attachments_dir, strerror(errno));
			lp->cut_logged = time(NULL);
		}
		return -1;
	}
	/* Large reads for a large body: fewer wakeups and, for the file,
	 * fewer and larger writes (libevent reads 16 KB at a time else). */
	(void)bufferevent_set_max_single_read(c->bev, 256 * 1024);
	c->stream_head = head_rewrite(block, head, &c->stream_head_len);
	c->stream_fd = fd;
	c->stream_over = discard;
	c->stream_len = c->stream_left = len;
	if (expect != NULL && vlen == 12 && strncasecmp(expect, "100-continue", 12) == 0)
		(void)bufferevent_write(c->bev, "HTTP/1.1 100 Continue\r\n\r\n", 25);
	(void)evbuffer_drain(in, head);
	return 0;
}

/* Move what has come of the body into its file: 1 when all of it is in
 * (evhttp then gets the header block), 0 for more, -1 on a write error. */
static int stream_more(struct web_conn *c, struct evbuffer *in)
{
	struct web *web = c->loop->web;

	while (c->stream_left > 0 && evbuffer_get_length(in) > 0) {
		size_t n = evbuffer_get_length(in);
		int w;

		if ((int64_t)n > c->stream_left)
			n = (size_t)c->stream_left;
		if (c->stream_over) {
			/* Over the limit: read to answer with a page, not kept. */
			(void)evbuffer_drain(in, n);
			c->stream_left -= (int64_t)n;
			continue;
		}
		if (c->stream_parser != NULL) {
			struct evbuffer_iovec v[16];
			int k = evbuffer_peek(in, (ev_ssize_t)n, NULL, v, 16);
			size_t fed = 0;

			for (int i = 0; i < k && i < 16 && fed < n; i++) {
				size_t m = v[i].iov_len < n - fed ? v[i].iov_len : n - fed;

				upload_parser_feed(c->stream_parser, v[i].iov_base, m);
				fed += m;
			}
			(void)evbuffer_drain(in, fed);
			c->stream_left -= (int64_t)fed;
			continue;
		}
		w = evbuffer_write_atmost(in, c->stream_fd, (ev_ssize_t)n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			if (time(NULL) - c->loop->cut_logged >= 10) {
				log_error("web: %s: cannot write an upload: %s",
					  web->attachments_dir, strerror(errno));
				c->loop->cut_logged = time(NULL);
			}
			return -1;
		}
		c->stream_left -= w;
	}
	if (c->stream_left > 0)
		return 0;
	upload_parser_end(&c->stream_parser);
	(void)evbuffer_prepend(in, c->stream_head, c->stream_head_len);
	free(c->stream_head);
	c->stream_head = NULL;
	c->stream_ready = 1;
	atomic_fetch_add(&web->streamed_bodies, 1);
	atomic_fetch_add(&web->streamed_bytes, (uint64_t)c->stream_len);
	return 1;
}

int web_guard_take_body(struct web_loop *lp, struct evhttp_request *req, int *fd_r,
			int64_t *len_r, int *too_large_r, struct upload_form **form_r)
{
	struct web_conn *c = web_conn_find(lp, evhttp_request_get_connection(req));

	if (c != NULL && c->stream_ready && c->stream_form != NULL) {
		*form_r = c->stream_form;
		*len_r = c->stream_len;
		c->stream_form = NULL;
		c->stream_ready = 0;
		return 0;
	}
	if (c != NULL && c->stream_ready && c->stream_over) {
		*too_large_r = 1;
		c->stream_ready = c->stream_over = 0;
		return -1;
	}
	if (c == NULL || !c->stream_ready || c->stream_fd < 0)
		return -1;
	*fd_r = c->stream_fd;
	*len_r = c->stream_len;
	c->stream_fd = -1;
	c->stream_ready = 0;
	return 0;
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
	stream_reset(c);
	if (c->counted)
		peer_del(lp->web, c->addr);
	if (c->out_cb != NULL)
		evbuffer_remove_cb_entry(bufferevent_get_output(c->bev), c->out_cb);
	if (c->readopt_ev != NULL)
		event_free(c->readopt_ev);
	lp->n_conns--;
	bufferevent_decref(c->bev);
	free(c);
	/* Its descriptor is free once the last reference goes, which is
	 * now or when evhttp returns: the next accept finds out. */
	accept_pause_kick(lp->pause);
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
	stream_reset(c);
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
	c->replying = 0;   /* the reply is out: what follows may be evhttp's */
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

	/* Our own replies have their headers: skip their every write. */
	if (c->injecting || c->replying || info->n_added < sizeof(head) ||
	    info->n_added > len)
		return;
	if (evbuffer_ptr_set(buf, &at, len - info->n_added, EVBUFFER_PTR_SET) < 0 ||
	    evbuffer_copyout_from(buf, &at, head, sizeof(head)) != (ev_ssize_t)sizeof(head) ||
	    memcmp(head, "HTTP/1.", 7) != 0 || head[8] != ' ')
		return;
	code = atoi(head + 9);
	if (code < 200)
		return;
	c->injecting = 1;
	evbuffer_add(buf, sec_headers, sizeof(sec_headers) - 1);
	c->injecting = 0;
	c->loop->web->evhttp_errors++;
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
	/* A reverse proxy's connections carry every visitor's requests. */
	c->counted = !is_proxy(web, c->addr);
	if (c->counted && peer_add(web, c->addr) > web->max_per_client) {
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
	c->stream_fd = -1;
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
	/* The browser's own word wins: our pages go out with Referrer-Policy:
	 * no-referrer, under which Chromium sends "Origin: null" with a form
	 * posted from our own page. */
	if (fetch_site != NULL && strcasecmp(fetch_site, "same-origin") == 0)
		return 0;
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

/* How often the header name occurs in block. */
static int head_count(const char *block, size_t len, const char *name)
{
	size_t nlen = strlen(name);
	const char *p = block, *end = block + len;
	int n = 0;

	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		size_t l = eol != NULL ? (size_t)(eol - p) : (size_t)(end - p);

		n += l > nlen && p[nlen] == ':' && strncasecmp(p, name, nlen) == 0;
		p += l + 1;
	}
	return n;
}

/* The CSRF token a request names before its body: the "csrf" parameter
 * of the request target's query, else the X-CSRF-Token header; into out
 * ("" when none, or when it is not a plain token). */
static void head_csrf(const char *query, size_t qlen, const char *block, size_t len,
		      char out[LINK_TOKEN_MAX])
{
	const char *p = query, *end = query != NULL ? query + qlen : NULL, *v = NULL;
	size_t vlen = 0;

	out[0] = '\0';
	while (query != NULL && p < end) {
		const char *amp = memchr(p, '&', (size_t)(end - p));
		size_t l = amp != NULL ? (size_t)(amp - p) : (size_t)(end - p);

		if (l > 5 && memcmp(p, "csrf=", 5) == 0) {
			v = p + 5;
			vlen = l - 5;
			break;
		}
		p += l + 1;
	}
	if (v == NULL)
		v = head_get(block, len, "X-CSRF-Token", &vlen);
	if (v == NULL || vlen == 0 || vlen >= LINK_TOKEN_MAX)
		return;
	for (size_t i = 0; i < vlen; i++)
		if (!((v[i] >= 'a' && v[i] <= 'z') || (v[i] >= 'A' && v[i] <= 'Z') ||
		      (v[i] >= '0' && v[i] <= '9') || v[i] == '-' || v[i] == '_' ||
		      v[i] == '.' || v[i] == '='))
			return;
	memcpy(out, v, vlen);
	out[vlen] = '\0';
}

/* The body this request may bring: max_body for a signed-in person's
 * upload from our own pages that names the session's CSRF token before
 * the body (*stream_r set: it goes to a file), WEB_ANON_BODY for
 * everything else. */
static int64_t body_limit(struct web_loop *lp, const char *block, size_t len, int *stream_r)
{
	struct web *web = lp->web;
	const char *sp = memchr(block, ' ', len), *pend, *qend;
	char path[64], *cookie, *origin, *site, *host;
	char token[LINK_TOKEN_MAX], csrf[LINK_TOKEN_MAX];
	const struct link_keys *keys = atomic_load(&web->keys);
	struct link_claims claims;
	int64_t limit = WEB_ANON_BODY;

	*stream_r = 0;
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
	qend = pend;
	while (*pend == '?' && qend < block + len && *qend != ' ' && *qend != '\r' &&
	       *qend != '\n')
		qend++;
	head_csrf(*pend == '?' ? pend + 1 : NULL, *pend == '?' ? (size_t)(qend - pend - 1) : 0,
		  block, len, csrf);
	cookie = head_dup(block, len, "Cookie");
	origin = head_dup(block, len, "Origin");
	site = head_dup(block, len, "Sec-Fetch-Site");
	host = head_dup(block, len, "Host");
	if (cookie != NULL && web_cookie_value(cookie, token) == 0 &&
	    link_verify(keys, token, LINK_SESSION, clock_now(), NULL, NULL, &claims) == LINK_OK &&
	    !web_cross_site(origin, site, host, web->base_url) &&
	    web_csrf_match(keys, &claims, csrf)) {
		limit = web->max_body + WEB_BODY_SLACK;
		*stream_r = 1;
	}
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
			int stream;
			int64_t limit = body_limit(c->loop, block, head, &stream), want = limit;
			int64_t clen = -1;
			int over;
			size_t vlen;
			const char *cl = head_get(block, head, "Content-Length", &vlen);
			char num[20];

			if (cl != NULL && vlen > 0 && vlen < sizeof(num)) {
				memcpy(num, cl, vlen);
				num[vlen] = '\0';
				if (strspn(num, "0123456789") != vlen)
					num[0] = '\0';   /* evhttp refuses it */
				clen = strtoll(num, NULL, 10);
			}
			/* A large body must be plainly delimited (it goes to a
			 * file, by its length): a chunked one stays small. */
			if (stream && (clen < 0 || head_count(block, head, "Content-Length") != 1 ||
				       head_count(block, head, "Transfer-Encoding") != 0)) {
				stream = 0;
				limit = want = WEB_ANON_BODY;
			}
			if (clen >= 0)
				want = clen <= limit ? clen : limit;   /* over: evhttp answers 413 */
			if (clen > limit && clen > WEB_ANON_BODY)
				atomic_fetch_add(&c->loop->web->refused_large, 1);
			/* A signed-in post a little over the limit is read and
			 * dropped, so that the answer is a page that explains
			 * the limit, not a connection cut mid-upload; a larger
			 * one is refused unread. */
			over = stream && clen > limit && clen <= 4 * limit;
			if (want > 0 && budget_take(c, want) < 0) {
				atomic_fetch_add(&c->loop->web->refused_budget, 1);
				limit = 0;   /* evhttp answers 413 without reading */
				stream = over = 0;
			}
			/* A large body goes to a file before evhttp sees the
			 * request; without a file, it is refused unread. */
			if (stream && clen > WEB_ANON_BODY && (clen <= limit || over) &&
			    stream_start(c, in, block, head, clen, over) < 0)
				limit = 0;
			evhttp_connection_set_max_body_size(c->evcon, limit);
		}
		c->phase = CONN_BODY;
	}
	if (c->stream_head != NULL) {
		int done = stream_more(c, in);

		if (done < 0) {
			evhttp_connection_free(c->evcon);   /* conn_closed frees c */
			return;
		}
		if (done == 0)
			return;
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
	/* evhttp_free() calls the close callback only of connections it
	 * counts as connected; the others' records (and the reference to
	 * their bufferevents) go here. */
	while (lp->conns != NULL)
		conn_free(lp->conns);
	free(lp->conn_hash);
	lp->conn_hash = NULL;
}
