/*
 * web_int.h - what the files of web-lite/ share: the web view's state, the
 * per-request context, replies, forms, sessions and the page pieces.
 *
 * Exactly one reply per request: every handler ends in one web_send*()
 * call on every path.  web_send*() marks the request as answered; the
 * dispatcher answers 500 for a handler that forgot and logs a second reply
 * instead of sending it.
 */
#ifndef GW_WEB_INT_H
#define GW_WEB_INT_H

#include <stddef.h>
#include <stdint.h>

#include <event2/http.h>

#include "buf.h"
#include "store.h"
#include "web.h"

struct event;
struct web_sse;

/* Rendered CommonMark per message id: messages never change once posted. */
#define WEB_MD_SLOTS 4096
struct web_md_slot {
	int64_t id;
	char *html;
	size_t len;
};

/*
 * Rendered thread pages per (thread, reader).  A page is reused while no
 * other connection has committed (store_data_version) and this web view
 * has handled no POST since it was rendered: then nothing it shows can
 * have changed.  The CSRF token is not in the cached bytes but a marker
 * (WEB_CSRF_MARK) that is replaced on every send.
 */
#define WEB_PAGE_SLOTS 128
#define WEB_CSRF_MARK "\x01" "csrf" "\x01"
struct web_page_slot {
	int64_t thread_id;
	enum store_kind kind;
	int64_t reader_id;
	int64_t data_version;
	uint64_t writes;
	char *html;
	size_t len;
};

/* "Email me a fresh link": at most WEB_FRESH_MAX an hour per contact. */
#define WEB_FRESH_MAX 3
#define WEB_FRESH_WINDOW 3600
struct web_fresh_rate {
	int64_t contact_id;
	int64_t at[WEB_FRESH_MAX];
};

struct web {
	struct event_base *base;
	struct evhttp *http;
	struct evhttp_bound_socket *bound;
	struct store *store;
	const struct link_keys *keys;
	char *base_url;            /* without a trailing "/" */
	char *attachments_dir;     /* [store] attachments_dir */
	int secure;                /* base_url is https: Secure cookies */
	int64_t max_body;
	int64_t session_ttl;
	int64_t view_ttl;
	char *firm_fallback;
	char *firm_name;           /* cached, see web_firm_name() */
	int64_t firm_read_ms;
	void (*outbox_queued)(void *ctx);
	void *ctx;
	char *unix_path;           /* unlinked at close */
	int port;
	struct event *tick;        /* once a second: event streams */
	struct web_sse *sse;       /* open event streams */
	unsigned tick_count;
	struct web_md_slot md[WEB_MD_SLOTS];
	struct web_page_slot pages[WEB_PAGE_SLOTS];
	uint64_t writes;           /* POSTs handled: they may have changed data */
	struct web_fresh_rate *fresh;
	size_t n_fresh;
	char asset_version[17];    /* cache-busting query of /static URLs */
};

/* The signed-in person, from the session cookie. */
struct web_session {
	enum store_kind kind;      /* 0 = nobody */
	int64_t id;
	struct link_claims claims;
	char *name;
	int64_t account_id;        /* contacts */
	enum store_role role;      /* staff */
	int64_t last_login;        /* contacts */
};

/* One field of a POSTed form; value is NUL-terminated (len excludes it). */
struct web_field {
	char *name;
	char *value;
	size_t len;
	char *filename;            /* multipart file parts only */
	char *content_type;        /* multipart parts only, may be NULL */
};
struct web_form {
	struct web_field *fields;
	size_t count;
};
#define WEB_FORM_MAX_FIELDS 256

struct web_req {
	struct web *web;
	struct evhttp_request *req;
	enum evhttp_cmd_type method;
	char *path;                /* decoded path, never NULL */
	const struct evhttp_uri *uri;
	struct web_session sess;
	struct web_form form;
	int replied;
};

/* ---- web.c: replies ---------------------------------------------------- */

/* Security headers and Cache-Control: no-store unless cached is set. */
void web_headers(struct evhttp_request *req, int cached);
void web_send(struct web_req *r, int code, const char *content_type,
	      const void *body, size_t len);
/* An HTML page: layout around main (a fragment), then web_send_html(). */
void web_send_page(struct web_req *r, int code, const char *title,
		   const struct buf *main);
/* A whole page whose WEB_CSRF_MARKs become this session's CSRF token. */
void web_send_html(struct web_req *r, int code, const char *html, size_t len);
/* A short page for an error status; text may be NULL (a default one). */
void web_send_error(struct web_req *r, int code, const char *text);
void web_send_redirect(struct web_req *r, const char *location);
/* 200 with the file's bytes (fd is taken over and closed); extra headers
 * may be added to the request's output headers before the call. */
void web_send_file(struct web_req *r, const char *content_type, int fd, int64_t size);
/* 405 with Allow. */
void web_send_method(struct web_req *r, const char *allow);
/* Map a store failure: TEMPFAIL 503, NOTFOUND 404, else 400 with text. */
void web_send_store_error(struct web_req *r, enum gw_result res, const char *error);
/* The relay should look at the outbox now. */
void web_outbox_queued(struct web *web);

/* ---- form.c ------------------------------------------------------------ */

/*
 * Parse the request body (urlencoded or multipart/form-data) into r->form.
 * Returns 0, or an HTTP status to answer with (400, 413, 415).
 */
int web_form_read(struct web_req *r);
/* Parse "a=1&b=2" (also query strings); -1 on bad encoding. */
int web_form_parse_urlencoded(const char *s, size_t len, struct web_form *form);
/* Parse a multipart/form-data body; -1 when it is not well-formed. */
int web_form_parse_multipart(const char *content_type, const char *body,
			     size_t len, struct web_form *form);
void web_form_clear(struct web_form *form);
/* First field called name (NULL if none). */
const struct web_field *web_form_field(const struct web_form *form, const char *name);
/* Its value, or NULL. */
const char *web_form_get(const struct web_form *form, const char *name);
/* Strictly a positive decimal id; 0 if missing or malformed. */
int64_t web_parse_id(const char *s);
/* Text from a form for the store: CRLF -> LF, trailing blanks trimmed;
 * NULL when it is not valid UTF-8 or holds NUL/control characters other
 * than tab and newline. malloc'd. */
char *web_clean_text(const char *s, size_t len);

/* ---- session.c --------------------------------------------------------- */

/* Read the cookie into r->sess (kind 0 when absent or no longer valid). */
void web_session_load(struct web_req *r);
void web_session_clear(struct web_session *s);
/* CSRF token of the current session into out ("" without a session). */
void web_csrf_token(struct web_req *r, char out[LINK_TOKEN_MAX]);
/* 1 when the POST carries this session's CSRF token. */
int web_csrf_ok(struct web_req *r);
void web_handle_view_link(struct web_req *r, const char *token);
void web_handle_fresh(struct web_req *r);
void web_handle_unsubscribe(struct web_req *r, const char *token);
void web_handle_logout(struct web_req *r);
/* For the no-JS forms and the read beacon: first POST records the login. */
void web_session_touch(struct web_req *r);

/* ---- render.c ---------------------------------------------------------- */

/* <!doctype html> ... around main. */
void web_render_layout(struct web_req *r, struct buf *out, const char *title,
		       const struct buf *main);
/* Rendered CommonMark of a message (cached by id). */
void web_render_markdown(struct web *web, int64_t id, const char *text,
			 struct buf *out);
/* <time datetime="ISO">25 Nov 2026, 09:30 UTC</time> */
void web_render_time(struct buf *out, int64_t t);
/* "25 Nov 2026" */
void web_render_date(struct buf *out, int64_t t);
/* A hidden csrf input (the value is WEB_CSRF_MARK until sent). */
void web_render_csrf(struct web_req *r, struct buf *out);
/* Inline SVG bell. */
void web_render_bell(struct buf *out);
/* "2 reminders left, every 3 days, next on 28 Nov 2026" (escaped HTML). */
void web_render_schedule(struct buf *out, const struct store_reminders *rem);
/* Firm name (or the fallback), malloc'd. */
char *web_firm_name(struct web *web);
/* "12.3 KB" */
void web_render_size(struct buf *out, int64_t size);
void web_md_cache_clear(struct web *web);
/* The cached page of a thread for a reader, or NULL when stale or absent. */
const struct web_page_slot *web_page_cache_get(struct web *web, int64_t thread_id,
					       enum store_kind kind, int64_t reader_id,
					       int64_t data_version);
void web_page_cache_put(struct web *web, int64_t thread_id, enum store_kind kind,
			int64_t reader_id, int64_t data_version, const struct buf *page);
void web_page_cache_clear(struct web *web);

/* ---- pages ------------------------------------------------------------- */

void web_handle_home(struct web_req *r);
void web_handle_new_chat(struct web_req *r);
/* The thread page with an optional error and reply draft (after a failed
 * POST, so that nothing typed is lost). */
void web_send_thread(struct web_req *r, int64_t thread_id, int code,
		     const char *error, const char *draft);
void web_handle_thread(struct web_req *r, int64_t thread_id, const char *action);
void web_handle_attachment(struct web_req *r, int64_t attachment_id);

/* ---- sse.c --------------------------------------------------------------- */

void web_sse_start(struct web_req *r, int64_t thread_id);
void web_sse_tick(struct web *web);
void web_sse_close_all(struct web *web);
/* 1 when req is an open event stream (it is then ended and forgotten). */
int web_sse_forget(struct web *web, struct evhttp_request *req);

/* ---- assets.c ---------------------------------------------------------- */

struct web_asset {
	const char *path;
	const char *content_type;
	const char *body;
};
const struct web_asset *web_asset_find(const char *path);
/* Short hash over every asset, for cache-busting URLs. */
void web_assets_version(char out[17]);

#endif
