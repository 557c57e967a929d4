/*
 * reply.c - replies: what a handler records on a worker (web_send*(),
 * web_add_header()) and what the loop then hands to evhttp, with the
 * security headers on every response.
 */
#include "web_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "i18n.h"
#include "log.h"

/* ---- replies: recorded on the worker, sent on the loop -------------------- */

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

static void headers_csp(struct evhttp_request *req, int cached, const char *csp)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);

	evhttp_add_header(h, "Content-Security-Policy", csp != NULL ? csp : WEB_CSP);
	evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
	evhttp_add_header(h, "Referrer-Policy", "no-referrer");
	evhttp_add_header(h, "X-Frame-Options", "DENY");
	evhttp_add_header(h, "Cache-Control",
			  cached ? "public, max-age=31536000, immutable" : "no-store");
}

void web_headers(struct evhttp_request *req, int cached)
{
	headers_csp(req, cached, NULL);
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

void web_add_header(struct web_req *r, const char *name, const char *value)
{
	struct web_reply *rp = &r->reply;

	if (r->replied)
		return;
	if (rp->n_headers == GW_ARRAY_SIZE(rp->headers)) {
		log_error("web: %s: too many headers, %s dropped", r->path, name);
		return;
	}
	rp->headers[rp->n_headers].name = name;
	rp->headers[rp->n_headers].value = xstrdup(value);
	rp->n_headers++;
}

static struct evbuffer *reply_body(struct web_req *r)
{
	if (r->reply.body == NULL)
		r->reply.body = evbuffer_new();
	if (r->reply.body == NULL) {
		/* As xmalloc() does: there is no answering without memory. */
		log_error("web: out of memory");
		abort();
	}
	return r->reply.body;
}

static void record(struct web_req *r, int code, const char *content_type)
{
	r->reply.code = code;
	free(r->reply.content_type);
	r->reply.content_type = content_type != NULL ? xstrdup(content_type) : NULL;
}

void web_send(struct web_req *r, int code, const char *content_type,
	      const void *body, size_t len)
{
	if (claim_reply(r) < 0)
		return;
	record(r, code, content_type);
	if (len > 0)
		evbuffer_add(reply_body(r), body, len);
}

/* Append html to out with every mark at the given offsets replaced by token. */
static void splice_marks(struct evbuffer *out, const char *html, size_t len,
			 const size_t *marks, size_t n_marks, const char *token)
{
	const size_t mlen = sizeof(WEB_CSRF_MARK) - 1, tlen = strlen(token);
	size_t at = 0;

	for (size_t i = 0; i < n_marks; i++) {
		evbuffer_add(out, html + at, marks[i] - at);
		evbuffer_add(out, token, tlen);
		at = marks[i] + mlen;
	}
	evbuffer_add(out, html + at, len - at);
}

struct evbuffer *web_send_body(struct web_req *r, int code, const char *content_type)
{
	if (claim_reply(r) < 0)
		return NULL;
	record(r, code, content_type);
	return reply_body(r);
}

size_t web_find_marks(const char *html, size_t len, size_t **marks_r)
{
	static const char mark[] = WEB_CSRF_MARK;
	const size_t mlen = sizeof(mark) - 1;
	const char *p = html, *end = html + len, *m;
	size_t n = 0, cap = 0;

	*marks_r = NULL;
	while ((m = memmem(p, (size_t)(end - p), mark, mlen)) != NULL) {
		if (n == cap) {
			cap = cap ? cap * 2 : 8;
			*marks_r = xrealloc(*marks_r, cap * sizeof(**marks_r));
		}
		(*marks_r)[n++] = (size_t)(m - html);
		p = m + mlen;
	}
	return n;
}

void web_send_html(struct web_req *r, int code, const char *html, size_t len)
{
	size_t *marks, n = web_find_marks(html, len, &marks);
	char token[LINK_TOKEN_MAX];
	struct evbuffer *out;

	unsigned frames = web_video_hosts(html, len);

	web_csrf_token(r, token);
	if ((out = web_send_body(r, code, "text/html; charset=utf-8")) != NULL) {
		splice_marks(out, html, len, marks, n, token);
		/* Frames only where a player is, and only from its hosts. */
		if (frames != 0)
			r->reply.csp = web_video_csp(frames);
	}
	free(marks);
}

void web_send_page(struct web_req *r, int code, const char *title,
		   const struct buf *main)
{
	struct buf page = BUF_INIT;

	web_render_layout(r, &page, title, main);
	web_send_html(r, code, page.data, page.len);
	buf_release(&page);
}

/* The heading of an error page: the status's name, in the reader's words
 * (the status line itself stays HTTP's). */
static const char *page_reason(int code)
{
	switch (code) {
	case 400: return _("Bad Request");
	case 403: return _("Forbidden");
	case 404: return _("Not Found");
	case 405: return _("Method Not Allowed");
	case 409: return _("Conflict");
	case 410: return _("Gone");
	case 413: return _("Payload Too Large");
	case 415: return _("Unsupported Media Type");
	case 429: return _("Too Many Requests");
	case 503: return _("Service Unavailable");
	default: return code < 400 ? _("OK") : _("Error");
	}
}

static const char *default_text(int code)
{
	switch (code) {
	case 400: return _("The request could not be understood.");
	case 403: return _("This link or page is not valid. Please open the link "
			   "in your most recent email.");
	case 404: return _("There is nothing here.");
	case 405: return _("That does not work here.");
	case 410: return _("This link has expired.");
	case 413: return _("That is too large to upload.");
	case 415: return _("That kind of request is not accepted here.");
	case 429: return _("Too many requests; please try again later.");
	case 503: return _("The service is busy; please try again in a moment.");
	default: return _("Something went wrong.");
	}
}

void web_send_error(struct web_req *r, int code, const char *text)
{
	struct buf main = BUF_INIT;

	buf_printf(&main, "<section class=\"card notice\"><h1>%s</h1><p>",
		   page_reason(code));
	buf_html_escape(&main, text != NULL ? text : default_text(code));
	buf_printf(&main, "</p><p><a class=\"button\" href=\"/\">%s</a></p></section>", _("Home"));
	web_send_page(r, code, page_reason(code), &main);
	buf_release(&main);
}

void web_send_too_large(struct web_req *r)
{
	struct buf main = BUF_INIT;
	char *post = upload_size_text(r->web->max_body);
	char *file = upload_size_text(r->web->max_upload);
	char back[48], *text;
	int thread = r->id > 0 && strncmp(r->path, "/t/", 3) == 0;

	if (thread)
		snprintf(back, sizeof(back), "/t/%lld#reply", (long long)r->id);
	else
		snprintf(back, sizeof(back), "/");
	buf_printf(&main, "<section class=\"card notice\"><h1>");
	buf_html_escape(&main, _("The files are too large"));
	buf_puts(&main, "</h1><p>");
	text = xasprintf(_("Nothing was sent: a message with its files may hold at most %s, "
			   "and one file at most %s."), post, file);
	buf_html_escape(&main, text);
	free(text);
	buf_puts(&main, "</p><p>");
	buf_html_escape(&main, _("Go back, choose smaller files or send them in several "
				 "messages, and try again. Your text was not kept: copy it "
				 "before you leave the page next time."));
	buf_printf(&main, "</p><p><a class=\"button\" href=\"%s\">", back);
	buf_html_escape(&main, thread ? _("Back to the chat") : _("Back to your chats"));
	buf_puts(&main, "</a></p></section>");
	web_send_page(r, 413, _("The files are too large"), &main);
	buf_release(&main);
	free(post);
	free(file);
}

void web_send_redirect(struct web_req *r, const char *location)
{
	web_add_header(r, "Location", location);
	web_flash_set_cookie(r);
	if (claim_reply(r) < 0)
		return;
	record(r, 303, NULL);
}

void web_send_file(struct web_req *r, const char *content_type, int fd, int64_t size)
{
	if (claim_reply(r) < 0) {
		close(fd);
		return;
	}
	record(r, 200, content_type);
	r->reply.fd = fd;
	r->reply.fd_size = size;
}

void web_send_method(struct web_req *r, const char *allow)
{
	web_add_header(r, "Allow", allow);
	web_send_error(r, 405, NULL);
}

void web_send_store_error(struct web_req *r, enum gw_result res, const char *error)
{
	switch (res) {
	case GW_TEMPFAIL:
		web_add_header(r, "Retry-After", "5");
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

void web_outbox_queued(struct web_req *r)
{
	r->wake = 1;
}

/* On the loop: hand the recorded reply to evhttp. */
void web_reply_send(struct web_req *r)
{
	struct web_reply *rp = &r->reply;
	struct evkeyvalq *h = evhttp_request_get_output_headers(r->req);
	struct evbuffer *out = evhttp_request_get_output_buffer(r->req);

	/* A handler's own headers first: an attachment's sandboxing CSP is
	 * the first one a client reads. */
	for (size_t i = 0; i < rp->n_headers; i++)
		evhttp_add_header(h, rp->headers[i].name, rp->headers[i].value);
	headers_csp(r->req, rp->cached, rp->csp);
	if (rp->content_type != NULL)
		evhttp_add_header(h, "Content-Type", rp->content_type);
	if (rp->fd >= 0) {
		/* evbuffer_add_file owns fd from here on, on failure too. */
		if (rp->fd_size > 0 && evbuffer_add_file(out, rp->fd, 0, rp->fd_size) < 0)
			log_error("web: %s: cannot send the file", r->path);
		else if (rp->fd_size == 0)
			close(rp->fd);
		rp->fd = -1;
	} else if (rp->body != NULL) {
		evbuffer_add_buffer(out, rp->body);
	}
	web_guard_replying(r->loop, r->req);
	evhttp_send_reply(r->req, rp->code, reason(rp->code), NULL);
}

void web_reply_clear(struct web_reply *rp)
{
	for (size_t i = 0; i < rp->n_headers; i++)
		free(rp->headers[i].value);
	rp->n_headers = 0;
	free(rp->content_type);
	rp->content_type = NULL;
	if (rp->body != NULL)
		evbuffer_free(rp->body);
	rp->body = NULL;
	if (rp->fd >= 0)
		close(rp->fd);
	rp->fd = -1;
	web_zip_reply_free(rp->zip);
	rp->zip = NULL;
	free(rp->csp);
	rp->csp = NULL;
}
