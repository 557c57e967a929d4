/*
 * web.c - the web view's life cycle (store, listener, timers), the router
 * that maps a request to its handler, and the reply functions that put the
 * security headers on every response.
 */
#include "web_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/util.h>

#include "listen.h"
#include "log.h"

#define CSP "default-src 'self'; script-src 'self'; style-src 'self'; " \
	    "img-src 'self'; object-src 'none'; base-uri 'none'; " \
	    "form-action 'self'; frame-ancestors 'none'"

/* Bodies up to max_body get our own 413; evhttp cuts off beyond this. */
#define WEB_BODY_SLACK (64 * 1024)

/* ---- replies ------------------------------------------------------------ */

static const char *reason(int code)
{
	switch (code) {
	case 200: return "OK";
	case 204: return "No Content";
	case 303: return "See Other";
	case 400: return "Bad Request";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 410: return "Gone";
	case 413: return "Payload Too Large";
	case 415: return "Unsupported Media Type";
	case 429: return "Too Many Requests";
	case 503: return "Service Unavailable";
	default: return code < 400 ? "OK" : "Error";
	}
}

void web_headers(struct evhttp_request *req, int cached)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);

	evhttp_add_header(h, "Content-Security-Policy", CSP);
	evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
	evhttp_add_header(h, "Referrer-Policy", "no-referrer");
	evhttp_add_header(h, "X-Frame-Options", "DENY");
	evhttp_add_header(h, "Cache-Control",
			  cached ? "public, max-age=31536000, immutable" : "no-store");
}

static int claim_reply(struct web_req *r)
{
	if (r->replied) {
		log_error("web: %s: second reply suppressed", r->path);
		return -1;
	}
	r->replied = 1;
	return 0;
}

void web_send(struct web_req *r, int code, const char *content_type,
	      const void *body, size_t len)
{
	struct evkeyvalq *h;

	if (claim_reply(r) < 0)
		return;
	h = evhttp_request_get_output_headers(r->req);
	web_headers(r->req, 0);
	if (content_type != NULL)
		evhttp_add_header(h, "Content-Type", content_type);
	if (len > 0)
		evbuffer_add(evhttp_request_get_output_buffer(r->req), body, len);
	evhttp_send_reply(r->req, code, reason(code), NULL);
}

void web_send_html(struct web_req *r, int code, const char *html, size_t len)
{
	static const char mark[] = WEB_CSRF_MARK;
	const size_t mlen = sizeof(mark) - 1;
	struct evbuffer *out;
	char token[LINK_TOKEN_MAX];
	const char *p = html, *end = html + len, *m;
	size_t tlen;

	if (claim_reply(r) < 0)
		return;
	web_csrf_token(r, token);
	tlen = strlen(token);
	web_headers(r->req, 0);
	evhttp_add_header(evhttp_request_get_output_headers(r->req), "Content-Type",
			  "text/html; charset=utf-8");
	out = evhttp_request_get_output_buffer(r->req);
	while ((m = memmem(p, (size_t)(end - p), mark, mlen)) != NULL) {
		evbuffer_add(out, p, (size_t)(m - p));
		evbuffer_add(out, token, tlen);
		p = m + mlen;
	}
	evbuffer_add(out, p, (size_t)(end - p));
	evhttp_send_reply(r->req, code, reason(code), NULL);
}

void web_send_page(struct web_req *r, int code, const char *title,
		   const struct buf *main)
{
	struct buf page = BUF_INIT;

	web_render_layout(r, &page, title, main);
	web_send_html(r, code, page.data, page.len);
	buf_release(&page);
}

static const char *default_text(int code)
{
	switch (code) {
	case 400: return "The request could not be understood.";
	case 403: return "This link or page is not valid. Please open the link "
			 "in your most recent email.";
	case 404: return "There is nothing here.";
	case 405: return "That does not work here.";
	case 410: return "This link has expired.";
	case 413: return "That is too large to upload.";
	case 415: return "That kind of request is not accepted here.";
	case 429: return "Too many requests; please try again later.";
	case 503: return "The service is busy; please try again in a moment.";
	default: return "Something went wrong.";
	}
}

void web_send_error(struct web_req *r, int code, const char *text)
{
	struct buf main = BUF_INIT;

	buf_printf(&main, "<section class=\"card notice\"><h1>%s</h1><p>",
		   reason(code));
	buf_html_escape(&main, text != NULL ? text : default_text(code));
	buf_puts(&main, "</p><p><a class=\"button\" href=\"/\">Home</a></p></section>");
	web_send_page(r, code, reason(code), &main);
	buf_release(&main);
}

void web_send_redirect(struct web_req *r, const char *location)
{
	if (claim_reply(r) < 0)
		return;
	web_headers(r->req, 0);
	evhttp_add_header(evhttp_request_get_output_headers(r->req), "Location", location);
	evhttp_send_reply(r->req, 303, reason(303), NULL);
}

void web_send_file(struct web_req *r, const char *content_type, int fd, int64_t size)
{
	if (claim_reply(r) < 0) {
		close(fd);
		return;
	}
	web_headers(r->req, 0);
	evhttp_add_header(evhttp_request_get_output_headers(r->req), "Content-Type",
			  content_type);
	/* evbuffer_add_file owns fd from here on, on failure too. */
	if (size > 0 &&
	    evbuffer_add_file(evhttp_request_get_output_buffer(r->req), fd, 0, size) < 0)
		log_error("web: %s: cannot send the file", r->path);
	else if (size == 0)
		close(fd);
	evhttp_send_reply(r->req, 200, "OK", NULL);
}

void web_send_method(struct web_req *r, const char *allow)
{
	if (!r->replied)
		evhttp_add_header(evhttp_request_get_output_headers(r->req), "Allow", allow);
	web_send_error(r, 405, NULL);
}

void web_send_store_error(struct web_req *r, enum gw_result res, const char *error)
{
	switch (res) {
	case GW_TEMPFAIL:
		if (!r->replied)
			evhttp_add_header(evhttp_request_get_output_headers(r->req),
					  "Retry-After", "5");
		log_warn("web: %s: %s", r->path, error != NULL ? error : "temporary failure");
		web_send_error(r, 503, NULL);
		break;
	case GW_NOTFOUND:
		web_send_error(r, 404, NULL);
		break;
	default:
		web_send_error(r, 400, error);
		break;
	}
}

void web_outbox_queued(struct web *web)
{
	if (web->outbox_queued != NULL)
		web->outbox_queued(web->ctx);
}

/* ---- routing ------------------------------------------------------------ */

static int is_get(const struct web_req *r)
{
	return r->method == EVHTTP_REQ_GET || r->method == EVHTTP_REQ_HEAD;
}

/* The next path segment after prefix: "abc" of "/v/abc"; NULL if it holds
 * a "/" or is empty. */
static const char *segment(const char *path, const char *prefix)
{
	size_t n = strlen(prefix);
	const char *s;

	if (strncmp(path, prefix, n) != 0)
		return NULL;
	s = path + n;
	if (*s == '\0' || strchr(s, '/') != NULL)
		return NULL;
	return s;
}

static void serve_asset(struct web_req *r, const char *path)
{
	const struct web_asset *a = web_asset_find(path);

	if (a == NULL) {
		web_send_error(r, 404, NULL);
		return;
	}
	if (!is_get(r)) {
		web_send_method(r, "GET, HEAD");
		return;
	}
	if (claim_reply(r) < 0)
		return;
	web_headers(r->req, 1);
	evhttp_add_header(evhttp_request_get_output_headers(r->req), "Content-Type",
			  a->content_type);
	evbuffer_add_reference(evhttp_request_get_output_buffer(r->req), a->body,
			       strlen(a->body), NULL, NULL);
	evhttp_send_reply(r->req, 200, "OK", NULL);
}

/* POSTs of a signed-in person: session, body, CSRF, in that order. */
static int post_gate(struct web_req *r)
{
	int code;

	if (r->sess.kind == 0) {
		web_send_error(r, 403, NULL);
		return -1;
	}
	if ((code = web_form_read(r)) != 0) {
		web_send_error(r, code, NULL);
		return -1;
	}
	if (!web_csrf_ok(r)) {
		web_send_error(r, 403, "The form has expired. Please reload the page "
				       "and try again.");
		return -1;
	}
	return 0;
}

static const char *const thread_actions[] = {
	"reply", "read", "task", "archive", "reopen", "resend", "reminders",
};

static void route_thread(struct web_req *r, const char *rest)
{
	char idtext[24];
	const char *slash = strchr(rest, '/');
	size_t n = slash != NULL ? (size_t)(slash - rest) : strlen(rest);
	const char *action = slash != NULL ? slash + 1 : "";
	int64_t id;

	if (n == 0 || n >= sizeof(idtext)) {
		web_send_error(r, 404, NULL);
		return;
	}
	memcpy(idtext, rest, n);
	idtext[n] = '\0';
	if ((id = web_parse_id(idtext)) == 0) {
		web_send_error(r, 404, NULL);
		return;
	}
	if (*action == '\0' || strcmp(action, "events") == 0) {
		if (!is_get(r)) {
			web_send_method(r, "GET, HEAD");
			return;
		}
		if (*action == '\0')
			web_handle_thread(r, id, NULL);
		else
			web_sse_start(r, id);
		return;
	}
	for (size_t i = 0; i < GW_ARRAY_SIZE(thread_actions); i++) {
		if (strcmp(action, thread_actions[i]) != 0)
			continue;
		if (r->method != EVHTTP_REQ_POST) {
			web_send_method(r, "POST");
			return;
		}
		if (post_gate(r) == 0)
			web_handle_thread(r, id, action);
		return;
	}
	web_send_error(r, 404, NULL);
}

static void route(struct web_req *r)
{
	const char *p = r->path;
	const char *seg;

	if (strncmp(p, "/static/", 8) == 0) {
		serve_asset(r, p);
		return;
	}
	if ((seg = segment(p, "/v/")) != NULL) {
		if (!is_get(r))
			web_send_method(r, "GET, HEAD");
		else
			web_handle_view_link(r, seg);
		return;
	}
	if ((seg = segment(p, "/u/")) != NULL) {
		if (!is_get(r) && r->method != EVHTTP_REQ_POST)
			web_send_method(r, "GET, HEAD, POST");
		else
			web_handle_unsubscribe(r, seg);
		return;
	}
	if (strcmp(p, "/fresh") == 0) {
		if (r->method != EVHTTP_REQ_POST)
			web_send_method(r, "POST");
		else
			web_handle_fresh(r);
		return;
	}

	web_session_load(r);
	if (strcmp(p, "/") == 0) {
		if (!is_get(r))
			web_send_method(r, "GET, HEAD");
		else
			web_handle_home(r);
	} else if (strcmp(p, "/new") == 0 || strcmp(p, "/logout") == 0) {
		if (r->method != EVHTTP_REQ_POST)
			web_send_method(r, "POST");
		else if (post_gate(r) == 0) {
			if (p[1] == 'n')
				web_handle_new_chat(r);
			else
				web_handle_logout(r);
		}
	} else if (strncmp(p, "/t/", 3) == 0) {
		route_thread(r, p + 3);
	} else if ((seg = segment(p, "/a/")) != NULL) {
		if (!is_get(r))
			web_send_method(r, "GET, HEAD");
		else
			web_handle_attachment(r, web_parse_id(seg));
	} else {
		web_send_error(r, 404, NULL);
	}
}

static void dispatch(struct evhttp_request *req, void *arg)
{
	struct web *web = arg;
	struct web_req r;
	const char *path;

	/* evhttp calls back again, without a URI, for a request it gave up
	 * on (a broken connection); an event stream is then ended here. */
	if (evhttp_request_get_uri(req) == NULL) {
		if (!web_sse_forget(web, req))
			evhttp_send_error(req, 400, NULL);
		return;
	}
	memset(&r, 0, sizeof(r));
	r.web = web;
	r.req = req;
	r.method = evhttp_request_get_command(req);
	r.uri = evhttp_request_get_evhttp_uri(req);
	path = r.uri != NULL ? evhttp_uri_get_path(r.uri) : NULL;
	r.path = xstrdup(path != NULL && *path != '\0' ? path : "/");
	if (r.uri == NULL || path == NULL || path[0] != '/')
		web_send_error(&r, 400, NULL);
	else
		route(&r);
	if (!r.replied) {
		log_error("web: %s: handler sent no reply", r.path);
		web_send_error(&r, 500, NULL);
	}
	/* A POST may have changed what any cached page shows. */
	if (r.method == EVHTTP_REQ_POST)
		web->writes++;
	web_form_clear(&r.form);
	web_session_clear(&r.sess);
	free(r.path);
}

/* ---- listener ----------------------------------------------------------- */

static int web_listen(struct web *web, const struct web_settings *set, char **error_r)
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
	web->bound = evhttp_accept_socket_with_handle(web->http, ls.fd);
	if (web->bound == NULL) {
		*error_r = xasprintf("web: socket %d: cannot accept", ls.fd);
		listen_release(&ls, set->systemd_fd <= STDERR_FILENO);
		return -1;
	}
	web->port = ls.port;
	web->unix_path = ls.unix_path; /* unlinked at close */
	return 0;
}

/* ---- life cycle --------------------------------------------------------- */

static void tick_cb(evutil_socket_t fd, short what, void *arg)
{
	web_sse_tick(arg);
}

int web_open(struct event_base *base, const struct web_settings *set,
	     struct web **web_r, char **error_r)
{
	struct web *web = xcalloc(1, sizeof(*web));
	struct timeval one = { 1, 0 };
	const char *base_url = set->web->base_url != NULL ? set->web->base_url : "";
	char *err = NULL;
	size_t n;

	*web_r = NULL;
	web->base = base;
	web->keys = set->keys;
	web->attachments_dir = xstrdup(set->store->attachments_dir != NULL ?
					       set->store->attachments_dir : "attachments");
	n = strlen(base_url);
	while (n > 0 && base_url[n - 1] == '/')
		n--;
	web->base_url = xstrndup(base_url, n);
	web->secure = strncmp(base_url, "https:", 6) == 0;
	web->max_body = set->web->max_body > 0 ? set->web->max_body : 10 * 1024 * 1024;
	web->session_ttl = set->web->session_ttl > 0 ? set->web->session_ttl : 30 * 86400;
	web->view_ttl = set->links != NULL && set->links->view_ttl > 0 ?
				set->links->view_ttl : 30 * 86400;
	web->firm_fallback = xstrdup(set->firm_fallback_name != NULL ?
					     set->firm_fallback_name : "Chat");
	web->outbox_queued = set->outbox_queued;
	web->ctx = set->ctx;
	web_assets_version(web->asset_version);

	if (set->keys == NULL) {
		*error_r = xstrdup("web: no link keys");
		goto fail;
	}
	if (store_open(set->store, &web->store, &err) < 0) {
		*error_r = xasprintf("web: %s", err);
		free(err);
		goto fail;
	}
	if (set->mail_domain != NULL)
		store_set_mail_domain(web->store, set->mail_domain);
	store_set_reminder_defaults(web->store,
				    set->reminder_days > 0 ? set->reminder_days : 3,
				    set->reminder_count > 0 ? set->reminder_count : 1);

	web->http = evhttp_new(base);
	if (web->http == NULL) {
		*error_r = xstrdup("web: cannot create the HTTP server");
		goto fail;
	}
	evhttp_set_allowed_methods(web->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST |
				   EVHTTP_REQ_HEAD | EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE |
				   EVHTTP_REQ_OPTIONS | EVHTTP_REQ_PATCH);
	evhttp_set_max_body_size(web->http, (ev_ssize_t)(web->max_body + WEB_BODY_SLACK));
	evhttp_set_max_headers_size(web->http, 32 * 1024);
	evhttp_set_timeout(web->http, 60);
	evhttp_set_default_content_type(web->http, "text/html; charset=utf-8");
	evhttp_set_gencb(web->http, dispatch, web);
	if (web_listen(web, set, error_r) < 0)
		goto fail;

	web->tick = event_new(base, -1, EV_PERSIST, tick_cb, web);
	if (web->tick == NULL || event_add(web->tick, &one) < 0) {
		*error_r = xstrdup("web: cannot start the timer");
		goto fail;
	}
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
	if (web->tick != NULL)
		event_free(web->tick);
	web_sse_close_all(web);
	if (web->http != NULL)
		evhttp_free(web->http);
	if (web->unix_path != NULL) {
		(void)unlink(web->unix_path);
		free(web->unix_path);
	}
	store_close(&web->store);
	web_md_cache_clear(web);
	web_page_cache_clear(web);
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
		web->keys = keys;
}

char *web_view_url(const char *base_url, const char *token)
{
	return link_url(base_url, "v", token);
}

char *web_unsubscribe_url(const char *base_url, const char *token)
{
	return link_url(base_url, "u", token);
}
