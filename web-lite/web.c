/*
 * web.c - the web view's life cycle (listener, store pool, loops, timers),
 * the route table, and the trip of every request through the store pool
 * and back (the replies themselves are reply.c's).
 *
 * A request's trip: dispatch() (on the loop) matches the route table and,
 * for a POST, reads the form (a large upload the guard streamed to a file
 * is read on the worker instead); static files are answered right there.
 * Everything else is one job in the store pool, on the read lane for GET
 * and HEAD and on the writer lane for POST: run_request() (on a worker,
 * with that worker's connection) loads the session, passes the route's
 * gate and runs the handler, whose web_send*() only records the reply in
 * r->reply.  The job comes back through the web view's done queue, and
 * finish() (on the loop) hands the reply to evhttp.  evhttp is touched on
 * the loop thread only; a worker reads the request's input headers and
 * URI, which nothing changes while the request is ours.
 */
#include "web_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/util.h>

#include "listen.h"
#include "log.h"


/* ---- routes --------------------------------------------------------------- */

/*
 * Who may pass before the handler runs:
 *   GATE_LOOP     answered on the loop without the store (static files)
 *   GATE_OPEN     no session: the link in the path carries its own proof
 *   GATE_SESSION  the session is loaded; the handler decides what a
 *                 visitor without one sees
 *   GATE_POST     a signed-in person's form: session, then the body, then
 *                 the CSRF token, in that order
 */
enum web_gate { GATE_LOOP, GATE_OPEN, GATE_SESSION, GATE_POST };

#define M_GET 1   /* and HEAD */
#define M_POST 2
/* A GET (and HEAD) that runs on the writer lane in a write transaction:
 * it changes no chat state but may start a session (a row). */
#define M_WGET 4

/*
 * A pattern's segments are literals, "#" (a positive decimal id: r->id)
 * or "*" (any non-empty segment: r->seg).
 */
struct web_route {
	const char *pattern;
	int method;
	enum web_gate gate;
	void (*handler)(struct web_req *r);
	const char *action;        /* thread actions: passed on */
	const char *audit;         /* a staff member's success is audited as
				      this action (store/audit.h); NULL: not */
};

static void serve_asset(struct web_req *r);

static void h_view(struct web_req *r) { web_handle_view_link(r, r->seg); }
static void h_signin_link(struct web_req *r) { web_handle_signin_link(r, r->seg); }
static void h_unsubscribe(struct web_req *r) { web_handle_unsubscribe(r, r->seg); }
static void h_fresh(struct web_req *r) { web_handle_fresh(r); }
static void h_home(struct web_req *r) { web_handle_home(r); }
static void h_new_chat(struct web_req *r) { web_handle_new_chat(r); }
static void h_logout(struct web_req *r) { web_handle_logout(r); }
static void h_events(struct web_req *r) { web_sse_start(r, r->id); }
static void h_attachment(struct web_req *r) { web_handle_attachment(r, r->id); }
static void h_view_as(struct web_req *r) { web_handle_view_as_client(r, r->id); }
static void h_thread(struct web_req *r)
{
	web_handle_thread(r, r->id, r->route->action);
}

static const struct web_route routes[] = {
	{ "/static/*", M_GET, GATE_LOOP, serve_asset, NULL, NULL },
	{ "/v/*", M_WGET | M_POST, GATE_SESSION, h_view, NULL, NULL },
	{ "/signin", M_GET | M_POST, GATE_OPEN, web_handle_signin, NULL, NULL },
	{ "/signin/sent", M_GET, GATE_OPEN, web_handle_signin_sent, NULL, NULL },
	{ "/signin/pick", M_POST, GATE_SESSION, web_handle_signin_pick, NULL, NULL },
	{ "/s/*", M_GET | M_POST, GATE_SESSION, h_signin_link, NULL, NULL },
	{ "/sessions", M_GET, GATE_SESSION, web_handle_sessions, NULL, NULL },
	{ "/sessions/end", M_POST, GATE_POST, web_handle_sessions_end, NULL, NULL },
	{ "/u/*", M_GET | M_POST, GATE_OPEN, h_unsubscribe, NULL, NULL },
	{ "/fresh", M_POST, GATE_OPEN, h_fresh, NULL, NULL },
	{ "/", M_GET, GATE_SESSION, h_home, NULL, NULL },
	{ "/new", M_POST, GATE_POST, h_new_chat, NULL, "post" },
	{ "/new/pick", M_POST, GATE_POST, web_handle_new_pick, NULL, NULL },
	{ "/accounts", M_GET, GATE_SESSION, web_handle_accounts, NULL, NULL },
	{ "/logout", M_POST, GATE_POST, h_logout, NULL, NULL },
	{ "/t/#", M_GET, GATE_SESSION, h_thread, NULL, "view" },
	{ "/t/#/events", M_GET, GATE_SESSION, h_events, NULL, NULL },
	{ "/t/#/reply", M_POST, GATE_POST, h_thread, "reply", "post" },
	{ "/t/#/read", M_POST, GATE_POST, h_thread, "read", NULL },
	{ "/t/#/task", M_POST, GATE_POST, h_thread, "task", "task" },
	{ "/t/#/archive", M_POST, GATE_POST, h_thread, "archive", "archive" },
	{ "/t/#/reopen", M_POST, GATE_POST, h_thread, "reopen", "reopen" },
	{ "/t/#/content", M_POST, GATE_POST, h_thread, "content", "content" },
	{ "/t/#/resend", M_POST, GATE_POST, h_thread, "resend", "resend" },
	{ "/t/#/reminders", M_POST, GATE_POST, h_thread, "reminders",
	  "reminders" },
	{ "/t/#/task/add", M_POST, GATE_POST, h_thread, "task-add", "task" },
	{ "/t/#/task/edit", M_POST, GATE_POST, h_thread, "task-edit", "task" },
	{ "/t/#/task/remove", M_POST, GATE_POST, h_thread, "task-remove", "task" },
	{ "/t/#/task/move", M_POST, GATE_POST, h_thread, "task-move", "task" },
	{ "/t/#/link", M_POST, GATE_POST, h_thread, "link", "link" },
	{ "/t/#/unlink", M_POST, GATE_POST, h_thread, "unlink", "link" },
	{ "/t/#/follow", M_POST, GATE_POST, h_thread, "follow", "follow" },
	{ "/t/#/unfollow", M_POST, GATE_POST, h_thread, "unfollow", "follow" },
	{ "/a/#", M_GET, GATE_SESSION, h_attachment, NULL, "view" },
	{ "/t/#/documents", M_GET, GATE_SESSION, web_handle_documents_thread, NULL, "view" },
	{ "/t/#/documents.zip", M_GET, GATE_SESSION, web_handle_documents_zip, NULL, "view" },
	{ "/accounts/#/documents", M_GET, GATE_SESSION, web_handle_documents_account, NULL,
	  "view" },
	{ "/documents", M_GET, GATE_SESSION, web_handle_documents_mine, NULL, NULL },
	{ "/c/#/clear-bounce", M_POST, GATE_POST, web_handle_clear_bounce, NULL,
	  "contact" },
	{ "/c/#/email", M_POST, GATE_POST, web_handle_contact_email, NULL, "contact" },
	{ "/c/#/notify", M_POST, GATE_POST, web_handle_contact_notify, NULL, "contact" },
	{ "/me/emails", M_POST, GATE_POST, web_handle_my_emails, NULL, NULL },
	{ "/me/language", M_GET, GATE_SESSION, web_handle_language, NULL, NULL },
	{ "/me/language", M_POST, GATE_POST, web_handle_language, NULL, "language" },
	{ "/audit", M_GET, GATE_SESSION, web_handle_audit, NULL, "audit" },
	{ "/templates", M_GET, GATE_SESSION, web_handle_templates, NULL, NULL },
	{ "/templates/new", M_POST, GATE_POST, web_handle_template_save, NULL, "template" },
	{ "/templates/#", M_POST, GATE_POST, web_handle_template_save, NULL, "template" },
	{ "/templates/#/delete", M_POST, GATE_POST, web_handle_template_delete, NULL,
	  "template" },
	{ "/accounts/#/hold", M_POST, GATE_POST, web_handle_hold, NULL, "hold" },
	{ "/c/#/remove", M_POST, GATE_POST, web_handle_contact_remove, NULL,
	  "contact" },
	{ "/inbox", M_GET, GATE_SESSION, web_handle_inbox, NULL, NULL },
	{ "/inbox/events", M_GET, GATE_SESSION, web_sse_start_inbox, NULL, NULL },
	{ "/inbox/read", M_POST, GATE_POST, web_handle_inbox_read, NULL, NULL },
	{ "/inbox/#/open", M_POST, GATE_POST, web_handle_inbox_open, NULL, NULL },
	{ "/t/#/as-client", M_GET, GATE_SESSION, h_view_as, NULL, "view_as" },
	{ "/staff", M_GET, GATE_SESSION, web_handle_staff, NULL, NULL },
	{ "/staff/#/view-all", M_POST, GATE_POST, web_handle_staff_view_all, NULL,
	  "account" },
};

/* The routes whose POST may bring a body up to max_body (files); all
 * others take WEB_ANON_BODY.  Checked before the body is read. */
/* /new/pick takes the new-chat form as /new does (files and all) to
 * show it again narrowed. */
static const char *const upload_routes[] = { "/new", "/new/pick", "/t/#/reply" };

static int route_match(const char *pattern, const char *path, int64_t *id,
		       const char **seg);

int web_route_upload(const char *path)
{
	for (size_t i = 0; i < GW_ARRAY_SIZE(upload_routes); i++) {
		int64_t id = 0;
		const char *seg = NULL;

		if (route_match(upload_routes[i], path, &id, &seg))
			return 1;
	}
	return 0;
}

/* Does path fit pattern?  Fills *id and *seg from "#" and "*". */
static int route_match(const char *pattern, const char *path, int64_t *id,
		       const char **seg)
{
	const char *p = pattern, *s = path;

	while (*p != '\0') {
		const char *pend = strchr(p, '/'), *send = strchr(s, '/');
		size_t plen = pend != NULL ? (size_t)(pend - p) : strlen(p);
		size_t slen = send != NULL ? (size_t)(send - s) : strlen(s);

		if (plen == 1 && *p == '#') {
			char idtext[24];

			if (slen == 0 || slen >= sizeof(idtext))
				return 0;
			memcpy(idtext, s, slen);
			idtext[slen] = '\0';
			if ((*id = web_parse_id(idtext)) == 0)
				return 0;
		} else if (plen == 1 && *p == '*') {
			if (slen == 0)
				return 0;
			*seg = s;
		} else if (plen != slen || memcmp(p, s, plen) != 0) {
			return 0;
		}
		p += plen;
		s += slen;
		if (*p != *s)      /* one has a "/" where the other ends */
			return 0;
		if (*p == '/') {
			p++;
			s++;
		}
	}
	return *s == '\0';
}

static int method_bit(enum evhttp_cmd_type m)
{
	switch (m) {
	case EVHTTP_REQ_GET:
	case EVHTTP_REQ_HEAD:
		return M_GET | M_WGET;
	case EVHTTP_REQ_POST:
		return M_POST;
	default:
		return 0;
	}
}

/* Find r's route: r->route, or NULL with r->allowed the methods the path
 * takes (0: no such path). */
static void route_find(struct web_req *r)
{
	int want = method_bit(r->method);

	r->route = NULL;
	r->allowed = 0;
	for (size_t i = 0; i < GW_ARRAY_SIZE(routes); i++) {
		int64_t id = 0;
		const char *seg = NULL;

		if (!route_match(routes[i].pattern, r->path, &id, &seg))
			continue;
		r->allowed |= routes[i].method;
		if ((routes[i].method & want) != 0 && r->route == NULL) {
			r->route = &routes[i];
			r->id = id;
			r->seg = seg;
		}
	}
}

/* On the loop; dispatch() checked that the asset exists. */
static void serve_asset(struct web_req *r)
{
	const struct web_asset *a = web_asset_find(r->path);
	struct evbuffer *out = evhttp_request_get_output_buffer(r->req);

	r->replied = 1;
	web_headers(r->req, 1);
	evhttp_add_header(evhttp_request_get_output_headers(r->req), "Content-Type",
			  a->content_type);
	evbuffer_add_reference(out, a->body, strlen(a->body), NULL, NULL);
	web_guard_replying(r->loop, r->req);
	evhttp_send_reply(r->req, 200, "OK", NULL);
}

static int post_gate(struct web_req *r)
{
	if (r->sess.kind == 0) {
		web_send_error(r, 403, NULL);
		return -1;
	}
	if (r->form_status == 413) {
		web_send_too_large(r);
		return -1;
	}
	if (r->form_status != 0) {
		web_send_error(r, r->form_status, NULL);
		return -1;
	}
	if (!web_csrf_ok(r)) {
		web_send_error(r, 403, _("The form has expired. Please reload the page "
				       "and try again."));
		return -1;
	}
	return 0;
}

static const char *allow_text(int allowed)
{
	if (allowed & M_WGET)
		allowed = (allowed & ~M_WGET) | M_GET;
	switch (allowed) {
	case M_GET: return "GET, HEAD";
	case M_POST: return "POST";
	default: return "GET, HEAD, POST";
	}
}

/* ---- the trip through the pool --------------------------------------------- */

/* A POST, or a GET of an M_WGET route: the writer lane, a write. */
static int route_writes(const struct web_req *r)
{
	if (r->route == NULL)
		return 0;
	if (r->method == EVHTTP_REQ_POST)
		return 1;
	return (r->route->method & M_WGET) != 0 && (r->route->method & M_GET) == 0;
}

/* A POST whose body is read on a worker: multipart (files) or streamed. */
static int body_has_files(const struct web_req *r)
{
	const char *ct = evhttp_find_header(evhttp_request_get_input_headers(r->req),
					    "Content-Type");

	return r->body_fd >= 0 || r->body_too_large || r->upload_streamed ||
	       (ct != NULL && strncasecmp(ct, "multipart/form-data", 19) == 0);
}

void web_request_rollback(struct web_req *r)
{
	if (r->store != NULL)
		(void)store_request_end(r->store, 0, NULL);
}

/*
 * The handler in one transaction: a POST's access check, message and
 * files are committed together, or not at all when it answers an error;
 * a page reads one snapshot.  A success that cannot be committed is
 * answered as the failure it is.
 */
static void run_handler(struct web_req *r)
{
	int write = route_writes(r);
	char *err = NULL;
	enum gw_result res;

	if ((res = store_request_begin(r->store, write, &err)) != GW_OK) {
		web_send_store_error(r, res, err);
		free(err);
		return;
	}
	r->route->handler(r);
	if (r->replied && r->reply.code < 400 && r->sess.kind == STORE_STAFF &&
	    r->route->audit != NULL && web_audit_record(r, r->route->audit, write) < 0) {
		/* no change without its audit entry */
		web_reply_clear(&r->reply);
		memset(&r->reply, 0, sizeof(r->reply));
		r->reply.fd = -1;
		r->replied = 0;
		r->wake = 0;
		(void)store_request_end(r->store, 0, NULL);
		web_send_error(r, 503, NULL);
		return;
	}
	res = store_request_end(r->store, r->replied && r->reply.code < 400, &err);
	if (res != GW_OK) {
		web_reply_clear(&r->reply);
		memset(&r->reply, 0, sizeof(r->reply));
		r->reply.fd = -1;
		r->replied = 0;
		r->wake = 0;
		web_send_store_error(r, res, err);
		free(err);
	}
}

/* On a worker: everything that needs the store. */
static void run_request(struct store *store, struct store_job *job)
{
	struct web_req *r = (struct web_req *)job;
	const struct web_route *rt = r->route;

	r->store = store;
	/* the firm's language until a session says whose request it is */
	i18n_reader_reset();
	if (r->bad_request) {
		web_send_error(r, 400, NULL);
	} else if (rt == NULL) {
		web_session_load(r);
		if (r->allowed != 0)
			web_send_method(r, allow_text(r->allowed));
		else
			web_send_error(r, 404, NULL);
	} else {
		if (rt->gate != GATE_OPEN)
			web_session_load(r);
		/* A body with files was read by run_upload, for someone signed in;
		 * for anyone else it stays unread and the gate answers.  (Should
		 * the session have begun in between, it is read here.) */
		if (rt->gate == GATE_POST && r->sess.kind != 0 && !r->form_read &&
		    body_has_files(r))
			r->form_status = web_form_read(r);
		if (rt->gate != GATE_POST || post_gate(r) == 0)
			run_handler(r);
	}
	if (!r->replied) {
		log_error("web: %s: handler sent no reply", r->path);
		web_send_error(r, 500, NULL);
	}
	r->store = NULL;
	i18n_reader_reset();
}

/*
 * On a reader before the writer lane: a body with files is read here, its
 * files hashed and written to the content store, so that the one writer
 * thread spends its time on rows, not on bytes.  Only for someone signed
 * in (the guard checked the token of a streamed body already).
 */
static void run_upload(struct store *store, struct store_job *job)
{
	struct web_req *r = (struct web_req *)job;

	r->store = store;
	web_session_load(r);
	if (r->sess.kind != 0)
		r->form_status = web_form_read(r);
	web_session_clear(&r->sess);
	r->store = NULL;
}

static void request_free(struct web_req *r)
{
	web_reply_clear(&r->reply);
	web_form_clear(&r->form);
	upload_form_clear(&r->upload);
	if (r->body_map != NULL)
		(void)munmap(r->body_map, (size_t)r->body_len);
	if (r->body_fd >= 0)
		close(r->body_fd);
	web_session_clear(&r->sess);
	free(r->path);
	free(r);
}

static void inflight_unlink(struct web_loop *lp, struct web_req *r)
{
	if (r->prev != NULL)
		r->prev->next = r->next;
	else
		lp->inflight = r->next;
	if (r->next != NULL)
		r->next->prev = r->prev;
	r->prev = r->next = NULL;
}

/* On the loop: the job is back. */
static void finish(struct web_loop *lp, struct web_req *r)
{
	struct web *web = lp->web;

	inflight_unlink(lp, r);
	if (r->reply.sse)
		web_sse_begin(r);
	else if (r->reply.zip != NULL)
		web_zip_begin(r);
	else
		web_reply_send(r);
	/* Answered on the writer lane: a POST, or a GET that signs in
	 * (/v/ makes a session row); the HTTP fuzzer counts these. */
	if (r->method == EVHTTP_REQ_POST || route_writes(r))
		lp->writes++;
	if (r->wake && web->outbox_queued != NULL)
		web->outbox_queued(web->ctx);
	request_free(r);
}

static void on_done(evutil_socket_t fd, short what, void *arg)
{
	struct web_loop *lp = arg;
	struct store_job *j, *next;

	GW_UNUSED(fd);
	GW_UNUSED(what);
	for (j = store_done_queue_take(lp->doneq); j != NULL; j = next) {
		next = j->next;
		if (j->run == run_request) {
			finish(lp, (struct web_req *)j);
		} else if (j->run == run_upload) {
			/* The files are in: now the rows, on the writer lane. */
			j->run = run_request;
			j->next = NULL;
			store_pool_submit(lp->web->pool, STORE_LANE_WRITE, j);
		} else {
			web_sse_looked(lp, j);
		}
	}
}

static void dispatch(struct evhttp_request *req, void *arg)
{
	struct web_loop *lp = arg;
	struct web *web = lp->web;
	struct web_req *r;
	const char *path;

	/* libevent 2.1 answers a request it gave up on by itself; should
	 * one still reach us without a URI, it ends an event stream here. */
	if (evhttp_request_get_uri(req) == NULL) {
		if (!web_sse_forget(lp, req) && !web_zip_forget(lp, req))
			evhttp_send_error(req, 400, NULL);
		return;
	}
	web_guard_dispatched(lp, req);
	r = xcalloc(1, sizeof(*r));
	r->web = web;
	r->loop = lp;
	r->req = req;
	r->keys = atomic_load(&web->keys);
	r->reply.fd = -1;
	r->body_fd = -1;
	{
		struct upload_form *uf = NULL;

		(void)web_guard_take_body(lp, req, &r->body_fd, &r->body_len, &r->body_too_large,
					  &uf);
		if (uf != NULL) {
			r->upload = *uf;   /* the guard read it: its files await commit */
			r->upload_streamed = 1;
			free(uf);
		}
	}
	r->method = evhttp_request_get_command(req);
	if (evhttp_request_get_connection(req) != NULL) {
		char *host = NULL;
		ev_uint16_t port = 0;

		evhttp_connection_get_peer(evhttp_request_get_connection(req), &host, &port);
		snprintf(r->peer, sizeof(r->peer), "%s", host != NULL ? host : "");
	}
	r->uri = evhttp_request_get_evhttp_uri(req);
	path = r->uri != NULL ? evhttp_uri_get_path(r->uri) : NULL;
	r->path = xstrdup(path != NULL && *path != '\0' ? path : "/");
	if (r->uri == NULL || path == NULL || path[0] != '/')
		r->bad_request = 1;
	else
		route_find(r);
	/* A missing file gets the 404 page, which names the firm: the pool's. */
	if (r->route != NULL && r->route->handler == serve_asset &&
	    web_asset_find(r->path) == NULL) {
		r->route = NULL;
		r->allowed = 0;
	}
	if (r->route != NULL && r->route->gate == GATE_LOOP) {
		r->route->handler(r);
		request_free(r);
		return;
	}
	/* The body is parsed here, on the loop; its verdict waits for the
	 * gate, which answers a visitor without a session first.  A body
	 * streamed to a file is parsed on the worker (run_request). */
	if (r->route != NULL && r->method == EVHTTP_REQ_POST && !body_has_files(r))
		r->form_status = web_form_read(r);
	r->job.run = run_request;
	if (r->route != NULL && r->route->gate == GATE_POST && r->method == EVHTTP_REQ_POST &&
	    body_has_files(r))
		r->job.run = run_upload;
	r->job.reply_to = lp->doneq;
	r->next = lp->inflight;
	if (r->next != NULL)
		r->next->prev = r;
	lp->inflight = r;
	store_pool_submit(web->pool, r->job.run == run_upload ? STORE_LANE_READ
			  : route_writes(r) ? STORE_LANE_WRITE : STORE_LANE_READ, &r->job);
}

/*
 * At close: take back every job in flight.  One that never ran is freed;
 * one that ran is on the done queue by the time store_pool_cancel()
 * returns, and is freed from there.  No reply is sent: the connections
 * are closing.  A request whose client left (detached from its
 * connection) is ours to free; the others go with their connections.
 */
static void loop_jobs_drop(struct web_loop *lp)
{
	struct store_pool *pool = lp->web->pool;
	struct store_job *done = NULL, *j, *next;

	if (pool == NULL)
		return;
	for (struct web_req *r = lp->inflight; r != NULL; r = r->next)
		(void)store_pool_cancel(pool, &r->job);
	web_sse_cancel(lp);
	if (lp->doneq != NULL)
		done = store_done_queue_take(lp->doneq);
	for (j = done; j != NULL; j = next) {
		next = j->next;
		if (j->run != run_request && j->run != run_upload)
			web_sse_looked(lp, j);
		/* requests: freed below, through the in-flight list */
	}
	while (lp->inflight != NULL) {
		struct web_req *r = lp->inflight;

		inflight_unlink(lp, r);
		if (evhttp_request_get_connection(r->req) == NULL)
			evhttp_request_free(r->req);
		request_free(r);
	}
}

/* ---- loops ------------------------------------------------------------------- */

static void tick_cb(evutil_socket_t fd, short what, void *arg)
{
	GW_UNUSED(fd);
	GW_UNUSED(what);
	web_guard_sweep(arg);
	web_sse_tick(arg);
	web_zip_tick(arg);
}

static void stop_cb(evutil_socket_t fd, short what, void *arg)
{
	struct web_loop *lp = arg;

	GW_UNUSED(fd);
	GW_UNUSED(what);
	event_base_loopbreak(lp->base);
}

static void *loop_main(void *arg)
{
	struct web_loop *lp = arg;

	event_base_loop(lp->base, EVLOOP_NO_EXIT_ON_EMPTY);
	return NULL;
}

/*
 * Set up loop lp on base, accepting on fd (taken over: closed at the end).
 * Returns 0, or -1 with *error_r set.
 */
static int loop_open(struct web *web, struct web_loop *lp, struct event_base *base, int fd,
		     char **error_r)
{
	struct timeval one = { 1, 0 };
	char *err = NULL;

	lp->web = web;
	lp->base = base;
	lp->stop_fd = -1;
	if (store_done_queue_open(&lp->doneq, &err) < 0) {
		*error_r = xasprintf("web: %s", err);
		free(err);
		close(fd);
		return -1;
	}
	lp->done_ev = event_new(base, store_done_queue_fd(lp->doneq), EV_READ | EV_PERSIST,
				on_done, lp);
	lp->http = evhttp_new(base);
	lp->tick = event_new(base, -1, EV_PERSIST, tick_cb, lp);
	if (lp->done_ev == NULL || event_add(lp->done_ev, NULL) < 0 || lp->http == NULL ||
	    lp->tick == NULL || event_add(lp->tick, &one) < 0) {
		*error_r = xstrdup("web: cannot set up an event loop");
		close(fd);
		return -1;
	}
	if (web_guard_open(lp) < 0) {
		*error_r = xstrdup("web: cannot set up an event loop");
		close(fd);
		return -1;
	}
	/* Every method reaches dispatch(): our 405 has the headers and Allow,
	 * evhttp's 501 for a method it was told to refuse has neither. */
	evhttp_set_allowed_methods(lp->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST |
				   EVHTTP_REQ_HEAD | EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE |
				   EVHTTP_REQ_OPTIONS | EVHTTP_REQ_PATCH |
				   EVHTTP_REQ_TRACE | EVHTTP_REQ_CONNECT);
	evhttp_set_max_body_size(lp->http, (ev_ssize_t)(web->max_body + WEB_BODY_SLACK));
	evhttp_set_max_headers_size(lp->http, 32 * 1024);
	evhttp_set_timeout(lp->http, 60);
	evhttp_set_default_content_type(lp->http, "text/html; charset=utf-8");
	evhttp_set_gencb(lp->http, dispatch, lp);
	lp->bound = evhttp_accept_socket_with_handle(lp->http, fd);
	if (lp->bound == NULL) {
		*error_r = xasprintf("web: socket %d: cannot accept", fd);
		close(fd);
		return -1;
	}
	web_guard_listening(lp);
	return 0;
}

/* A loop of its own thread: base, stop event, thread. */
static int loop_start(struct web *web, struct web_loop *lp, int fd, char **error_r)
{
	struct event_base *base = event_base_new();

	if (base == NULL) {
		*error_r = xstrdup("web: cannot create an event base");
		close(fd);
		return -1;
	}
	if (loop_open(web, lp, base, fd, error_r) < 0)
		return -1;
	lp->stop_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (lp->stop_fd < 0 ||
	    (lp->stop_ev = event_new(base, lp->stop_fd, EV_READ, stop_cb, lp)) == NULL ||
	    event_add(lp->stop_ev, NULL) < 0) {
		*error_r = xstrdup("web: cannot set up a loop's stop event");
		return -1;
	}
	if (pthread_create(&lp->thread, NULL, loop_main, lp) != 0) {
		*error_r = xstrdup("web: cannot start a loop thread");
		return -1;
	}
	lp->started = 1;
	return 0;
}

static void loop_stop(struct web_loop *lp)
{
	uint64_t one = 1;

	if (!lp->started)
		return;
	while (write(lp->stop_fd, &one, sizeof(one)) < 0 && errno == EINTR)
		;
	pthread_join(lp->thread, NULL);
	lp->started = 0;
}

/* After the loop's thread (if any) has stopped. */
static void loop_close(struct web_loop *lp, int own_base)
{
	if (lp->web == NULL)
		return;
	if (lp->tick != NULL)
		event_free(lp->tick);
	loop_jobs_drop(lp);
	web_sse_close_all(lp);
	web_zip_close_all(lp);
	web_guard_close(lp);
	if (lp->http != NULL)
		evhttp_free(lp->http);
	web_guard_free(lp);
	if (lp->done_ev != NULL)
		event_free(lp->done_ev);
	store_done_queue_close(&lp->doneq);
	if (lp->stop_ev != NULL)
		event_free(lp->stop_ev);
	if (lp->stop_fd >= 0)
		close(lp->stop_fd);
	if (own_base && lp->base != NULL)
		event_base_free(lp->base);
}

/* ---- listener ----------------------------------------------------------- */

static int web_listen(struct web *web, struct event_base *base, const struct web_settings *set,
		      char **error_r)
{
	struct listen_socket ls;
	char *error = NULL;

	memset(&ls, 0, sizeof(ls));
	if (set->systemd_fd <= STDERR_FILENO && set->web->listen == NULL) {
		*error_r = xstrdup("web: [web] listen is not set");
		return -1;
	}
	if (listen_take(set->systemd_fd, set->web->listen, &ls, &error) < 0) {
		*error_r = xasprintf("web: %s", error);
		free(error);
		return -1;
	}
	web->port = ls.port;
	web->unix_path = ls.unix_path; /* unlinked at close */
	/* Every loop accepts on the same socket, each through its own
	 * descriptor: the kernel gives a connection to one of them. */
	for (size_t i = 1; i < web->n_loops; i++) {
		int fd = fcntl(ls.fd, F_DUPFD_CLOEXEC, 3);

		if (fd < 0) {
			*error_r = xasprintf("web: dup: %s", strerror(errno));
			close(ls.fd);
			return -1;
		}
		if (loop_start(web, &web->loops[i], fd, error_r) < 0) {
			close(ls.fd);
			return -1;
		}
	}
	return loop_open(web, &web->loops[0], base, ls.fd, error_r);
}

/* ---- life cycle --------------------------------------------------------- */

int web_open(struct event_base *base, const struct web_settings *set,
	     struct web **web_r, char **error_r)
{
	struct web *web = xcalloc(1, sizeof(*web));
	const char *base_url = set->web->base_url != NULL ? set->web->base_url : "";
	char *err = NULL;
	size_t n;

	*web_r = NULL;
	atomic_init(&web->keys, set->keys);
	web->attachments_dir = xstrdup(set->store->attachments_dir != NULL ?
					       set->store->attachments_dir : "attachments");
	n = strlen(base_url);
	while (n > 0 && base_url[n - 1] == '/')
		n--;
	web->base_url = xstrndup(base_url, n);
	web->secure = strncmp(base_url, "https:", 6) == 0;
	web->max_body = set->web->max_body > 0 ? set->web->max_body : 50 * 1024 * 1024;
	web->max_upload = set->web->max_upload > 0 && set->web->max_upload < web->max_body
				  ? set->web->max_upload : web->max_body;
	web->session_ttl = set->web->session_ttl > 0 ? set->web->session_ttl : 30 * 86400;
	web->view_ttl = set->links != NULL && set->links->view_ttl > 0 ?
				set->links->view_ttl : 30 * 86400;
	web->firm_fallback = xstrdup(set->firm_fallback_name != NULL ?
					     set->firm_fallback_name : "Chat");
	web->outbox_queued = set->outbox_queued;
	web->ctx = set->ctx;
	web_assets_version(web->asset_version);
	web->n_loops = set->web->threads > 0 ? (size_t)set->web->threads : 1;
	if (web->n_loops > WEB_LOOPS_MAX)
		web->n_loops = WEB_LOOPS_MAX;
	web->loops = xcalloc(web->n_loops, sizeof(*web->loops));
	for (size_t i = 0; i < web->n_loops; i++)
		web->loops[i].stop_fd = -1;
	pthread_mutex_init(&web->cache_mu, NULL);
	web->cache_mu_ready = 1;
	pthread_mutex_init(&web->guard_mu, NULL);
	web->guard_mu_ready = 1;
	web->header_timeout_ms = (set->web->header_timeout > 0 ? set->web->header_timeout : 10) * 1000;
	web->request_timeout_ms =
		(set->web->request_timeout > 0 ? set->web->request_timeout : 120) * 1000;
	web->max_per_client = set->web->max_per_client > 0 ? set->web->max_per_client : 32;
	web_proxies_parse(web, set->web->proxies);
	web->body_budget = set->web->body_budget > 0 ? set->web->body_budget : 64 << 20;

	if (set->keys == NULL) {
		*error_r = xstrdup("web: no link keys");
		goto fail;
	}
	web->pool = set->pool;
	if (web->pool == NULL) {
		struct store_pool_settings ps;

		memset(&ps, 0, sizeof(ps));
		ps.store = set->store;
		ps.mail_domain = set->mail_domain;
		ps.reminder_days = set->reminder_days;
		ps.reminder_count = set->reminder_count;
		if (store_pool_open(&ps, &web->own_pool, &err) < 0) {
			*error_r = xasprintf("web: %s", err);
			free(err);
			goto fail;
		}
		web->pool = web->own_pool;
	}
	if (web_listen(web, base, set, error_r) < 0)
		goto fail;
	*web_r = web;
	return 0;
fail:
	web_close(&web);
	return -1;
}

void web_close(struct web **webp)
{
	struct web *web = webp != NULL ? *webp : NULL;

	if (web == NULL)
		return;
	*webp = NULL;
	for (size_t i = 1; i < web->n_loops; i++)
		loop_stop(&web->loops[i]);
	for (size_t i = 0; i < web->n_loops; i++)
		loop_close(&web->loops[i], i > 0);
	if (web->unix_path != NULL) {
		(void)unlink(web->unix_path);
		free(web->unix_path);
	}
	store_pool_close(&web->own_pool);
	web_md_cache_clear(web);
	web_page_cache_clear(web);
	web_session_cache_clear(web);
	if (web->cache_mu_ready)
		pthread_mutex_destroy(&web->cache_mu);
	if (web->guard_mu_ready)
		pthread_mutex_destroy(&web->guard_mu);
	free(web->peers);
	free(web->loops);
	web_proxies_free(web);
	free(web->fresh);
	free(web->base_url);
	free(web->attachments_dir);
	free(web->firm_fallback);
	free(web->firm_name);
	free(web);
}

int web_bound_port(const struct web *web)
{
	return web != NULL ? web->port : 0;
}

void web_set_keys(struct web *web, const struct link_keys *keys)
{
	if (web != NULL && keys != NULL)
		atomic_store(&web->keys, keys);
}

char *web_view_url(const char *base_url, const char *token)
{
	return link_url(base_url, "v", token);
}

char *web_unsubscribe_url(const char *base_url, const char *token)
{
	return link_url(base_url, "u", token);
}
