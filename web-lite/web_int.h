/*
 * web_int.h - what the files of web-lite/ share: the web view's state, the
 * per-request context, replies, forms, sessions and the page pieces.
 *
 * Exactly one reply per request: every handler ends in one web_send*()
 * call on every path.  web_send*() marks the request as answered; the
 * dispatcher answers 500 for a handler that forgot and logs a second reply
 * instead of sending it.
 *
 * Threads: handlers run on a worker of the store pool (web.c says how a
 * request travels) with r->store, the worker's connection.  They never
 * touch evhttp's output: web_send*() and web_add_header() record the reply
 * in r->reply, which the loop sends.  What workers share in struct web
 * (the caches, the fresh-link counters) is guarded by web->cache_mu;
 * everything else in it is set at open and read-only after (keys: an
 * atomic pointer).  A struct web_loop belongs to its loop's thread.
 */
#ifndef GW_WEB_INT_H
#define GW_WEB_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <event2/http.h>

#include "buf.h"
#include "i18n.h"
#include "pool.h"
#include "search.h"
#include "store.h"
#include "web.h"
#include "zip.h"
#include "upload.h"

struct event;
struct web_sse;
struct web_zip;
struct bufferevent;
struct evbuffer_cb_entry;
struct accept_pause;

/* Rendered CommonMark per message id: messages never change once posted. */
#define WEB_MD_SLOTS 4096
struct web_md_slot {
	int64_t id;
	char *html;
	size_t len;
};

/*
 * Rendered thread pages per (thread, reader).  A page is reused while the
 * store pool's change generation (store_pool_generation(), read before the
 * thread was) is unchanged: then nothing it shows can have changed.  The
 * CSRF token is not in the cached bytes but a marker (WEB_CSRF_MARK) that
 * is replaced on every send.
 */
#define WEB_PAGE_SLOTS 128
#define WEB_CSRF_MARK "\x01" "csrf" "\x01"
/* A rendered page, shared by the cache and the replies that send it
 * (by reference, without a copy): freed when the last one lets go. */
struct web_page {
	atomic_int refs;
	size_t len;
	size_t *marks;             /* offsets of the WEB_CSRF_MARKs in html */
	size_t n_marks;
	char html[];
};
struct web_page_slot {
	int64_t thread_id;
	enum store_kind kind;
	int64_t reader_id;
	/* the language and zone it was written in: a reader who changed
	 * theirs, or another reader's view, never gets this page */
	char lang[I18N_LANG_MAX];
	char zone[I18N_ZONE_MAX];
	uint64_t generation;
	struct web_page *page;     /* NULL: empty */
};

/*
 * The records behind sessions, per (kind, id) and with the session row
 * last checked, while the store pool's change generation is unchanged: a
 * session check costs no query then (a row deleted, a last-seen time
 * written, is a change).
 */
#define WEB_SESS_SLOTS 256
struct web_sess_slot {
	enum store_kind kind;
	int64_t id;
	uint64_t generation;
	int64_t link_generation;   /* the person's current one */
	char *name;
	int64_t account_id;        /* contacts */
	enum store_role role;      /* staff */
	int64_t last_login;        /* contacts */
	int64_t session_id;        /* the session row checked with it */
	int64_t last_seen, expires;
	char lang[I18N_LANG_MAX];  /* "" = the firm's */
	char zone[I18N_ZONE_MAX];  /* "" = the firm's */
};

/* "Email me a fresh link": at most WEB_FRESH_MAX an hour per contact and
 * WEB_FRESH_ADDR_MAX an hour per client address. */
#define WEB_FRESH_MAX 3
#define WEB_FRESH_ADDR_MAX 10
#define WEB_FRESH_WINDOW 3600
struct web_fresh_rate {
	char key[64];              /* "c:ID" or "a:ADDRESS" */
	int64_t at[WEB_FRESH_ADDR_MAX];
};

#define WEB_CSP "default-src 'self'; script-src 'self'; style-src 'self'; " \
		"img-src 'self'; object-src 'none'; base-uri 'none'; " \
		"form-action 'self'; frame-ancestors 'none'"
/* A request without a signed-in person's upload brings at most this. */
#define WEB_ANON_BODY (64 * 1024)
/* Bodies up to max_body get our own 413; evhttp cuts off beyond this. */
#define WEB_BODY_SLACK (64 * 1024)

/*
 * A connection as guard.c sees it (on its loop's thread only): from the
 * start of a request until dispatch() has it, it runs against a deadline.
 */
enum web_conn_phase {
	CONN_HEAD,                 /* header block not complete: header_timeout */
	CONN_BODY,                 /* body coming in: request_timeout */
	CONN_OURS,                 /* in the pool or being answered: no deadline */
	CONN_IDLE,                 /* answered, the next request not begun */
};
#define WEB_CONN_BUCKETS 1024
struct web_conn {
	struct web_loop *loop;
	struct evhttp_connection *evcon;
	struct bufferevent *bev;   /* one reference is the guard's */
	struct event *readopt_ev;  /* the next request on a kept-alive connection */
	struct evbuffer_cb_entry *out_cb;
	enum web_conn_phase phase;
	int64_t started_ms;        /* monotonic: this request's start */
	int64_t reserved;          /* body bytes taken from the budget */
	int counted;               /* in web->peers */
	/* A large upload streamed to a file before evhttp sees its request
	 * (guard.c): the header block held back (NULL when not streaming),
	 * the file, the bytes still to come; ready once the body is in and
	 * until dispatch() takes the file. */
	char *stream_head;
	size_t stream_head_len;
	int stream_fd;             /* -1: none */
	int stream_over;           /* over max_post: read and dropped */
	/* A multipart body read as it arrives (upload.h): files straight
	 * into unnamed files of the content store, no body file. */
	struct upload_parser *stream_parser;
	struct upload_form *stream_form;
	int64_t stream_len, stream_left;
	int stream_ready;
	int replying;              /* a reply of ours is being written, until the
				      request completes: no status line to look at */
	int injecting;
	char addr[48];
	struct web_conn *prev, *next;  /* loop->conns (next: loop->adopting) */
	struct web_conn *hnext;        /* loop->conn_hash */
};
struct web_peer {
	char addr[48];
	int n;
};

struct web_req;
struct web;

/*
 * One event loop of the web view: its own evhttp on the shared listening
 * socket, the requests it has in the pool, its event streams.  Loop 0
 * runs on the caller's event base; the others each on a thread of their
 * own.  Everything here is used by that loop's thread only.
 */
struct web_loop {
	struct web *web;
	struct event_base *base;
	struct evhttp *http;
	struct evhttp_bound_socket *bound;
	struct store_done_queue *doneq;
	struct event *done_ev;
	struct event *tick;        /* once a second: event streams */
	struct event *stop_ev;     /* threads: stop_fd became readable */
	int stop_fd;               /* eventfd, -1 for loop 0 */
	pthread_t thread;
	int started;
	struct web_req *inflight;  /* requests in the pool */
	struct web_sse *sse;       /* open event streams, newest first */
	struct web_zip *zips;      /* zips being streamed (zipstream.c) */
	int64_t sse_serial;        /* the newest stream's number */
	struct store_job *sse_job; /* the streams' look in the pool */
	unsigned tick_count;
	uint64_t writes;           /* writer-lane requests answered (the HTTP fuzzer's check) */
	/* guard.c */
	struct web_conn **conn_hash;
	struct web_conn *conns;
	size_t n_conns;
	struct web_conn *adopting; /* accepted, evhttp not done setting up */
	struct event *adopt_ev;
	struct accept_pause *pause;
	time_t cap_logged, cut_logged;
};

#define WEB_LOOPS_MAX 16

struct web {
	struct store_pool *pool;
	struct store_pool *own_pool; /* when the settings brought none */
	struct web_loop *loops;
	size_t n_loops;
	/* Read by every loop's dispatch; replaced on SIGHUP (web_set_keys). */
	const struct link_keys *_Atomic keys;
	char *base_url;            /* without a trailing "/" */
	char *attachments_dir;     /* [store] attachments_dir */
	int secure;                /* base_url is https: Secure cookies */
	int64_t max_body;          /* [web] max_post */
	int64_t max_upload;        /* [web] max_upload, at most max_body */
	int64_t session_ttl;
	int64_t view_ttl;
	char *firm_fallback;
	pthread_mutex_t cache_mu;  /* md, pages, sessions, firm_name, fresh */
	int cache_mu_ready;
	char *firm_name;           /* cached, see web_firm_name() */
	int64_t firm_read_ms;
	/* Called on the loop that answered; the daemon's is thread-safe. */
	void (*outbox_queued)(void *ctx);
	void *ctx;
	char *unix_path;           /* unlinked at close */
	int port;
	struct web_md_slot md[WEB_MD_SLOTS];
	struct web_page_slot pages[WEB_PAGE_SLOTS];
	struct web_sess_slot sessions[WEB_SESS_SLOTS];
	struct web_fresh_rate *fresh;
	size_t n_fresh;
	/* session rows whose last_seen_at was handed to the writer lane, and
	 * when (so that a burst of requests hands over one write) */
	struct { int64_t id, at; } touched[WEB_SESS_SLOTS];
	char asset_version[17];    /* cache-busting query of /static URLs */
	/* guard.c: shared by the loops */
	int64_t header_timeout_ms, request_timeout_ms;
	int64_t max_per_client, body_budget;
	char **proxies;            /* [web] proxies: not capped per address */
	size_t n_proxies;
	pthread_mutex_t guard_mu;  /* peers */
	int guard_mu_ready;
	struct web_peer *peers;
	size_t n_peers;
	_Atomic int64_t body_inflight;
	/* what the guard refused (tests, bench) */
	_Atomic uint64_t refused_cap, refused_budget, cut_slow, evhttp_errors;
	/* bodies over 64 KB refused before they were read (no session, no
	 * CSRF token ahead of the body, not an upload route) */
	_Atomic uint64_t refused_large;
	/* bodies streamed to a file instead of memory, and their bytes */
	_Atomic uint64_t streamed_bodies, streamed_bytes;
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
	int64_t session_id;        /* its row in the store (sessions) */
	int64_t last_seen;         /* the row's last_seen_at */
	char lang[I18N_LANG_MAX];  /* what they read in: "" = the firm's */
	char zone[I18N_ZONE_MAX];
};

/* One field of a POSTed form; value is NUL-terminated (len excludes it). */
struct web_field {
	char *name;
	char *value;
	size_t len;
	char *filename;            /* multipart file parts only */
	char *content_type;        /* multipart parts only, may be NULL */
	int borrowed;              /* value points into the request's mapped
				    * body (a file part of a streamed upload):
				    * not NUL-terminated, not freed */
};
struct web_form {
	struct web_field *fields;
	size_t count;
};
/* A bulk new chat ticks one field per account: room for a firm's thousands. */
#define WEB_FORM_MAX_FIELDS 4096

/* What an event stream compares (sse.c): the thread's counters, then a
 * staff reader's inbox (unread count, newest item). */
#define WEB_SSE_THREAD_SIG 8
#define WEB_SSE_SIG (WEB_SSE_THREAD_SIG + 2)

/* A reply as a handler leaves it, for the loop to send. */
struct web_reply {
	int code;
	int cached;                /* immutable static file */
	char *content_type;
	struct {
		const char *name;  /* a literal */
		char *value;
	} headers[8];
	size_t n_headers;
	struct evbuffer *body;     /* NULL: none */
	int fd;                    /* web_send_file(): -1 none */
	int64_t fd_size;
	int sse;                   /* start an event stream (sse.c): 1 thread, 2 inbox */
	struct web_zip_reply *zip; /* stream a zip of these files (zipstream.c) */
	char *csp;                 /* NULL: WEB_CSP; a page with video players:
				      WEB_CSP with their frame-src (video.c) */
	int64_t sse_sig[WEB_SSE_SIG];
};

/* The files of a thread's zip, listed on the worker for the loop. */
struct zip_entry;
struct web_zip_reply {
	struct zip_entry *entries;
	size_t count;
	int64_t thread_id;
};

struct web_route;

struct web_req {
	struct store_job job;      /* first: the request is the pool's job */
	struct web *web;
	struct web_loop *loop;     /* the loop it came in on */
	struct evhttp_request *req;
	struct store *store;       /* the worker's, while the job runs */
	const struct link_keys *keys;
	enum evhttp_cmd_type method;
	char *path;                /* decoded path, never NULL */
	const struct evhttp_uri *uri;
	const struct web_route *route; /* NULL: no route for this method */
	int allowed;               /* methods the path takes (405) */
	int64_t id;                /* the route's "#" segment */
	const char *seg;           /* the route's "*" segment, inside path */
	int bad_request;
	struct web_session sess;
	struct web_form form;
	int form_read, form_status;
	/* A body streamed to a file by the guard (-1: the body, if any, is in
	 * evhttp's input buffer); read by web_form_read() on the worker,
	 * unmapped and closed when the request is freed. */
	int body_fd;
	int64_t body_len;
	void *body_map;
	/* A multipart body's files, in the content store once read whole
	 * (upload.h), and its verdict; closed when the request is freed. */
	struct upload_form upload;
	int upload_streamed;       /* read by the guard as it came in */
	/* The guard read a signed-in post over max_post without keeping it:
	 * the answer is the page that explains the limit. */
	int body_too_large;
	char peer[48];             /* client address */
	int replied;
	int wake;                  /* the relay should look at the outbox */
	/* The audit entry of a staff member's request (audit.c): the route's
	 * action unless a handler names another, and what it touched. */
	const char *audit_action;
	char audit_target[48];
	int64_t audit_thread;
	/* flash.c: the confirmation a redirect carries (a code of its
	 * table, NULL: none), and whether this page showed one already */
	const char *flash;
	int flash_taken;
	/* A refused form that the thread page draws deep inside (a contact's
	 * address or removal, the reminder settings): what was typed and the
	 * error, for the renderer to show in place (page_contacts.c,
	 * page_thread.c).  form NULL: none. */
	struct {
		const char *form;  /* "contact-email", "contact-remove", "reminders" */
		int64_t id;        /* the contact */
		const char *value; /* typed: the address; the reminder days */
		const char *value2; /* the reminder count */
		int on;            /* the reminders switch */
		const char *error;
	} refused;
	struct web_reply reply;
	struct web_req *prev, *next; /* loop->inflight */
};

/* ---- web.c: replies ---------------------------------------------------- */

/* Security headers and Cache-Control: no-store unless cached is set (on the
 * loop, when a reply is sent). */
void web_headers(struct evhttp_request *req, int cached);
/* One more header for the reply (value copied; name must be a literal). */
void web_add_header(struct web_req *r, const char *name, const char *value);
void web_send(struct web_req *r, int code, const char *content_type,
	      const void *body, size_t len);
/* An HTML page: layout around main (a fragment), then web_send_html(). */
void web_send_page(struct web_req *r, int code, const char *title,
		   const struct buf *main);
/* A whole page whose WEB_CSRF_MARKs become this session's CSRF token. */
void web_send_html(struct web_req *r, int code, const char *html, size_t len);
/* Claim the reply and return the body to fill (NULL: already replied). */
struct evbuffer *web_send_body(struct web_req *r, int code, const char *content_type);
/* The offsets of the WEB_CSRF_MARKs in html: their number, the offsets
 * malloc'd into *marks_r (NULL when none). */
size_t web_find_marks(const char *html, size_t len, size_t **marks_r);
/* A short page for an error status; text may be NULL (a default one). */
void web_send_error(struct web_req *r, int code, const char *text);
void web_send_redirect(struct web_req *r, const char *location);
/* 200 with the file's bytes (fd is taken over and closed); extra headers
 * may be added with web_add_header() before the call. */
void web_send_file(struct web_req *r, const char *content_type, int fd, int64_t size);
/* 405 with Allow. */
void web_send_method(struct web_req *r, const char *allow);
/* Map a store failure: TEMPFAIL 503, NOTFOUND 404, else 400 with text. */
void web_send_store_error(struct web_req *r, enum gw_result res, const char *error);
/* On the loop: hand the recorded reply to evhttp. */
void web_reply_send(struct web_req *r);
/* Free what a reply holds (its body, file, headers). */
void web_reply_clear(struct web_reply *rp);
/* Undo what the request changed so far (its transaction is rolled back;
 * later reads see the database as it was).  For error pages. */
void web_request_rollback(struct web_req *r);
/* The relay should look at the outbox once the reply is out. */
void web_outbox_queued(struct web_req *r);

/* ---- audit.c ------------------------------------------------------------ */

/* What the handler touched, for the audit entry ("message 12"). */
void web_audit_target(struct web_req *r, const char *kind, int64_t id);
/*
 * After a staff member's handler answered with a success: a write
 * request appends its entry in the request's transaction (0, or -1 when
 * it could not: the request must then fail); a read request hands it to
 * the store pool's writer lane (store_pool_audit_defer()).
 */
int web_audit_record(struct web_req *r, const char *route_action, int write);
/* GET /audit: the audit log, owners only, a page at a time. */
void web_handle_audit(struct web_req *r);
/* The account's legal hold in a thread's staff box (with the button for
 * owners and admins, returning to thread_id); POST /accounts/ID/hold. */
void web_render_account_hold(struct web_req *r, struct buf *o, int64_t account_id,
			     int64_t thread_id);
void web_handle_hold(struct web_req *r);

/* ---- guard.c ------------------------------------------------------------ */

/* The client's address: the peer's, or when the peer is one of [web]
 * proxies, the last address of its X-Forwarded-For (out: 48 bytes). */
void web_client_address(const struct web_req *r, char out[48]);
/* [web] proxies into web->proxies (NULL: none), and freed again. */
void web_proxies_parse(struct web *web, const char *list);
void web_proxies_free(struct web *web);
/* With the loop's evhttp made: connections go through the guard. */
int web_guard_open(struct web_loop *lp);
/* Once the loop accepts: the EMFILE pause. */
void web_guard_listening(struct web_loop *lp);
/* Before evhttp_free(), and after it. */
void web_guard_close(struct web_loop *lp);
void web_guard_free(struct web_loop *lp);
/* Once a second: cut connections past their deadline. */
void web_guard_sweep(struct web_loop *lp);
/* dispatch() took req: no deadline until it is answered. */
void web_guard_dispatched(struct web_loop *lp, struct evhttp_request *req);
/* Just before our evhttp_send_reply*(): the reply has its headers. */
void web_guard_replying(struct web_loop *lp, struct evhttp_request *req);
struct web_conn *web_conn_find(struct web_loop *lp, struct evhttp_connection *evcon);
/* 1 when a POST comes from another site: Sec-Fetch-Site: cross-site, or
 * (unless Sec-Fetch-Site says same-origin) an Origin that is neither
 * base_url nor this Host (NULLs: header absent). */
int web_cross_site(const char *origin, const char *fetch_site, const char *host,
		   const char *base_url);
/* dispatch(): the file holding req's streamed body, taken over by the
 * caller: 0, or -1 when the body was not streamed. */
int web_guard_take_body(struct web_loop *lp, struct evhttp_request *req, int *fd_r,
			int64_t *len_r, int *too_large_r, struct upload_form **form_r);
/* web.c: 1 when path is a route that takes uploads (up to max_body). */
int web_route_upload(const char *path);
/* session.c: our cookie's value in a Cookie header: 0, or -1 if absent. */
int web_cookie_value(const char *header, char out[LINK_TOKEN_MAX]);

/* ---- form.c ------------------------------------------------------------ */

/* 413 for a post over [web] max_post: a page that says the limits and
 * leads back to the thread (or the home page) it came from. */
void web_send_too_large(struct web_req *r);

/*
 * Parse the request body (urlencoded or multipart/form-data) into r->form,
 * once (on the loop, before the job; a streamed body on the worker, from
 * its file mapped: file parts then point into the mapping).  Later calls
 * return the same verdict.
 * Returns 0, or an HTTP status to answer with (400, 413, 415).
 */
int web_form_read(struct web_req *r);
/* The limits of one post's files ([web] max_upload, max_post). */
void web_upload_limits(const struct web *web, struct upload_limits *limits);
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
/* What was typed in f, as it can be shown again in its field: valid
 * UTF-8 without control characters ("" for none or invalid UTF-8). */
char *web_form_typed(const struct web_field *f);
/* Strictly a positive decimal id; 0 if missing or malformed. */
int64_t web_parse_id(const char *s);
/* Text from a form for the store: CRLF -> LF, trailing blanks trimmed;
 * NULL when it is not valid UTF-8 or holds NUL/control characters other
 * than tab and newline. malloc'd. */
char *web_clean_text(const char *s, size_t len);

/* ---- form.c: the files of a post ---------------------------------------- */

/*
 * The files of a post read with its body (r->upload) as they are stored:
 * zips unpacked, folder paths kept (store_post_files_unpack()).  0, or
 * the HTTP status of a refusal with *error_r a sentence for the person
 * (malloc'd), nothing kept.
 */
int web_post_files(struct web_req *r, struct store_post_files *pf, char **error_r);

/* ---- session.c --------------------------------------------------------- */

/* Read the cookie into r->sess (kind 0 when absent or no longer valid). */
void web_session_load(struct web_req *r);
void web_session_clear(struct web_session *s);
/* CSRF token of the current session into out ("" without a session). */
void web_csrf_token(struct web_req *r, char out[LINK_TOKEN_MAX]);
/* 1 when the POST carries this session's CSRF token in the form field (or
 * the X-CSRF-Token header), and a "csrf" in the query, if any, is right. */
int web_csrf_ok(struct web_req *r);
/* 1 when token is a valid CSRF token for the session with these claims
 * (no store: the guard calls it on the loop). */
int web_csrf_match(const struct link_keys *keys, const struct link_claims *session,
		   const char *token);
void web_handle_view_link(struct web_req *r, const char *token);
void web_handle_fresh(struct web_req *r);
void web_handle_unsubscribe(struct web_req *r, const char *token);
void web_handle_logout(struct web_req *r);
/*
 * Start a session of (kind, id) at generation for this browser: a row in
 * the store (with its User-Agent; the request must be a write), the
 * cookie naming it.  A session this browser had is ended.  0, or -1 with
 * the reply sent.
 */
int web_session_start(struct web_req *r, enum link_principal kind, int64_t id,
		      uint32_t generation);
/* Nobody is signed in but a link names the person: what this request
 * writes is in their language and zone. */
void web_reader_of(struct web_req *r, enum store_kind kind, int64_t id);
/* The name of (kind, id) as a page shows it, malloc'd ("" when gone). */
char *web_person_name(struct web_req *r, enum store_kind kind, int64_t id);
/* 1 when the POST came from another site (Origin / Sec-Fetch-Site). */
int web_post_cross_site(struct web_req *r);

/* ---- signin.c ------------------------------------------------------------ */

/* GET and POST /signin: the form, and the one answer to every address. */
void web_handle_signin(struct web_req *r);
/* GET /signin/sent: where a sign-in request is redirected, whatever
 * happened behind it (the same page for every address). */
void web_handle_signin_sent(struct web_req *r);
/* GET /s/TOKEN shows the button, POST uses the link up. */
void web_handle_signin_link(struct web_req *r, const char *token);
/* POST /signin/pick: an address of several people picks one. */
void web_handle_signin_pick(struct web_req *r);
/* GET /sessions: your sessions; POST /sessions/end (id, or all). */
void web_handle_sessions(struct web_req *r);
void web_handle_sessions_end(struct web_req *r);
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
char *web_firm_name(struct web_req *r);
/*
 * A translated sentence with HTML-escaped values: fmt is a msgid whose
 * only directives are %s (its own markup, <strong> for instance, is
 * kept); each value is escaped.
 */
void web_say(struct buf *out, const char *fmt, const char *value);
void web_say2(struct buf *out, const char *fmt, const char *v1, const char *v2);
/* "12.3 KB" */
void web_render_size(struct buf *out, int64_t size);
/* The file picker of a form that posts files (several, by choosing or
 * dropping them), with the limits the page checks before sending; id
 * names its input. */
void web_render_attach(struct web_req *r, struct buf *o, const char *id);
void web_md_cache_clear(struct web *web);
void web_session_cache_clear(struct web *web);
/* Send the cached page of a thread for a reader with web_send_html(): 1,
 * or 0 when it is stale or absent (nothing sent). */
int web_page_cache_send(struct web_req *r, int64_t thread_id, uint64_t generation);
void web_page_cache_put(struct web *web, int64_t thread_id, enum store_kind kind,
			int64_t reader_id, uint64_t generation, const struct buf *page);
void web_page_cache_clear(struct web *web);

/* ---- pages ------------------------------------------------------------- */

/* page_search.c: the staff's search and filtered list of the home page,
 * GET /accounts and the new-chat form's account picker. */
struct web_staff_list {
	void *query;                     /* the parsed query string */
	struct store_search_list hits;
	size_t shown;                    /* rows of hits on this page */
	int more;                        /* a next page */
	struct store_account_list accounts; /* for the client filter */
	int code;                        /* 200, or 400 with error */
	char *error;                     /* a refused filter, said for people */
};
/* Read the query string and search.  -1: a reply was sent (404 for an
 * account not seen, as for one that does not exist); 0: render. */
int web_staff_list_load(struct web_req *r, struct web_staff_list *l);
void web_staff_list_clear(struct web_staff_list *l);
/* The tabs, the accounts link (closing the heading's div), the search
 * and filter form, and the error if any. */
void web_staff_list_head(struct web_req *r, struct buf *o, const struct web_staff_list *l);
void web_staff_list_render(struct buf *o, const struct web_staff_list *l);
/* Every account as a checkbox, pf's ticked, the "pick" filter's
 * non-matching ones hidden; "pick_all" ticks all shown. */
void web_render_account_picker(struct web_req *r, struct buf *o,
			       const struct store_account_list *accounts,
			       const struct web_form *pf);
void web_handle_accounts(struct web_req *r);
void web_handle_new_pick(struct web_req *r);

void web_handle_home(struct web_req *r);

/* ---- page_templates.c --------------------------------------------------- */

/* The shortcodes a field may hold, as a list under it (buttons that insert
 * them at the cursor of the field with id target, with JavaScript);
 * contact_ok: the contact shortcodes too (a message, not a subject). */
void web_render_shortcode_help(struct buf *o, const char *target, int contact_ok);
/* The template select of the new-chat form and its "Use template" button. */
void web_render_template_picker(struct buf *o, const struct store_template_list *list,
				const char *selected);
/* The new-chat form as sent, filled from its chosen template (see
 * page_templates.c); free out->fields, clear t. */
int web_template_fill(struct web_req *r, const struct web_form *form,
		      struct store_template *t, struct web_form *out);
void web_handle_templates(struct web_req *r);
void web_handle_template_save(struct web_req *r);
void web_handle_template_delete(struct web_req *r);
void web_handle_new_chat(struct web_req *r);
/* The thread page with an optional error and reply draft (after a failed
 * POST, so that nothing typed is lost). */
void web_send_thread(struct web_req *r, int64_t thread_id, int code,
		     const char *error, const char *draft);
/* The same after a refused reply: the text, whether it was an internal
 * note, and (owner, admin) the offer to assign the mentioned colleagues
 * who cannot see the account and post. */
struct web_reply_draft {
	const char *text;
	int internal;
	int offer_assign;
};
void web_send_thread_reply(struct web_req *r, int64_t thread_id, int code,
			   const char *error, const struct web_reply_draft *draft);
/* mentions.c: a message's HTML with its mentions (names, one a line)
 * marked for staff and as plain names for clients; the reply form's list
 * of colleagues to suggest (staff only). */
void web_render_mentions(const char *html, size_t len, const char *names, int staff,
			 struct buf *out);
void web_render_mention_list(struct web_req *r, struct buf *o, int64_t account_id);
/* A refused "add link": what was typed, which field was wrong ("label",
 * "url" or NULL) and the error, shown beside the form (refs.c). */
struct web_ref_form {
	const char *label;
	const char *url;
	const char *field;
	const char *error;
};
void web_send_thread_form(struct web_req *r, int64_t thread_id, int code,
			  const struct web_ref_form *form);
/* refs.c: the thread's links under its title and in the staff box (staff
 * only: nothing for anyone else), and POST /t/ID/link, /t/ID/unlink. */
void web_render_refs_head(struct web_req *r, struct buf *o,
			  const struct store_thread_view *v);
void web_render_refs_box(struct web_req *r, struct buf *o, const struct store_thread_view *v,
			 const struct web_ref_form *form);
void web_thread_link(struct web_req *r, int64_t thread_id);
/* A refused change of the checklist: the task (0: the add form), what
 * was typed (NULL: the task's own text) and the error (taskedit.c). */
struct web_task_form {
	int64_t task_id;
	const char *text;
	const char *error;
};
void web_send_thread_taskform(struct web_req *r, int64_t thread_id, int code,
			      const struct web_task_form *form);
/* taskedit.c: the staff box's "Tasks" (staff only) and POST
 * /t/ID/task/add|edit|remove|move (op "add", "edit", "remove", "move"). */
void web_render_task_editor(struct web_req *r, struct buf *o, const struct store_thread_view *v,
			    const struct web_task_form *form);
void web_thread_task_edit(struct web_req *r, int64_t thread_id, const char *op);
/*
 * flash.c: the one-time confirmation after an action.  web_flash() names
 * it (a code of flash.c's table; unknown codes are ignored) before
 * web_send_redirect(), which sets its cookie (web_flash_set_cookie()).
 * The next page shows it at the top of <main> in a role="status" box and
 * clears the cookie (web_render_flash(), called by the layout);
 * web_flash_pending() says a page must not come from the cache.
 */
void web_flash(struct web_req *r, const char *code);
void web_flash_set_cookie(struct web_req *r);
int web_flash_pending(struct web_req *r);
void web_render_flash(struct web_req *r, struct buf *out);
/* The sentence of a code (translated), NULL for an unknown one. */
const char *web_flash_text(const char *code);
void web_thread_unlink(struct web_req *r, int64_t thread_id);
void web_handle_thread(struct web_req *r, int64_t thread_id, const char *action);
void web_handle_attachment(struct web_req *r, int64_t attachment_id);
/* page_bounces.c: the contacts of an account for the thread page's staff
 * box (a bouncing one with "since ... because ..." and a clear button that
 * returns to thread_id, an away one with "away until DAY"), the home notice
 * of owners and admins listing the contacts that bounce, and POST
 * /c/ID/clear-bounce (staff only).  web_render_reminder_hold(): when every
 * contact the next reminder would reach is away, the staff box says that
 * it waits and until when (the store holds it at due time). */
void web_render_reminder_hold(struct web_req *r, struct buf *o, int64_t account_id,
			      int64_t next_due);
/* "bouncing since DATE because REASON" and the clear button returning to
 * back_thread (0 = home); "away until DAY" while away_resume_at is ahead. */
void web_render_bouncing(struct web_req *r, struct buf *o, int64_t contact_id,
			 int64_t bounced_at, const char *reason, int64_t back_thread);
void web_render_away(struct buf *o, const char *away_until, int64_t away_resume_at);
void web_render_bouncing_notice(struct web_req *r, struct buf *o);
void web_handle_clear_bounce(struct web_req *r);
/* page_contacts.c: under a contact in the staff box, the forms to change
 * the address and to remove the contact (returning to back_thread), or
 * "removed DATE" for a removed one; POST /c/ID/email and /c/ID/remove
 * (staff who see the account only). */
void web_render_contact_forms(struct web_req *r, struct buf *o,
			      const struct store_contact *k, int64_t back_thread);
void web_handle_contact_email(struct web_req *r);
void web_handle_contact_remove(struct web_req *r);
void web_handle_contact_notify(struct web_req *r);
/* page_people.c: the warning above the reply form when no contact will be
 * emailed (nothing when one will), and the people list of the staff box
 * with the notification switches and the follow button. */
void web_render_nobody_warning(struct buf *o, const struct store_recipients *rc);
void web_render_people(struct web_req *r, struct buf *o, int64_t thread_id,
		       const struct store_recipients *rc);
/* page_home.c: POST /me/emails, a contact turns their own emails on. */
void web_handle_my_emails(struct web_req *r);
/* page_language.c: GET and POST /me/language, the signed-in person's
 * language and time zone. */
void web_handle_language(struct web_req *r);

/* ---- sse.c --------------------------------------------------------------- */

/* On the worker: check access and take the first look (reply.sse). */
void web_sse_start(struct web_req *r, int64_t thread_id);
/* page_inbox.c: the header link with the unread count (staff only), the
 * inbox page, opening an item, marking all read. */
void web_render_inbox_link(struct web_req *r, struct buf *o);
void web_handle_inbox(struct web_req *r);
void web_handle_inbox_open(struct web_req *r);
void web_handle_inbox_read(struct web_req *r);
/* page_staff.c: the staff list for owners and admins, the view-all right. */
void web_handle_staff(struct web_req *r);
void web_handle_staff_view_all(struct web_req *r);
/* page_thread.c: GET /t/ID/as-client?contact=ID, read only. */
void web_handle_view_as_client(struct web_req *r, int64_t thread_id);
/* GET /inbox/events: a staff member's live unread count (reply.sse 2). */
void web_sse_start_inbox(struct web_req *r);
/* On the loop: start the stream of a request whose job set reply.sse. */
void web_sse_begin(struct web_req *r);
/* On the loop, once a second: a look at every stream, in the pool. */
void web_sse_tick(struct web_loop *lp);
/* On the loop: that look is back (job is lp->sse_job). */
void web_sse_looked(struct web_loop *lp, struct store_job *job);
/* At close: take the look back (or wait for it). */
void web_sse_cancel(struct web_loop *lp);
void web_sse_close_all(struct web_loop *lp);
/* 1 when req is an open event stream (it is then ended and forgotten). */
int web_sse_forget(struct web_loop *lp, struct evhttp_request *req);

/* ---- page_documents.c, zipstream.c -------------------------------------- */

/* GET /t/ID/documents, /accounts/ID/documents (staff), /documents (clients). */
void web_handle_documents_thread(struct web_req *r);
void web_handle_documents_account(struct web_req *r);
void web_handle_documents_mine(struct web_req *r);
/* The files of one post, those of a folder together under its name; link
 * renders one file. */
void web_render_file_group(struct buf *o, const struct store_attachment *const *files,
			   size_t n, void (*link)(struct buf *, const struct store_attachment *));
/* GET /t/ID/documents.zip: on the worker, the list (reply.zip). */
void web_handle_documents_zip(struct web_req *r);
/* On the loop: start streaming the zip of a reply that has one. */
void web_zip_begin(struct web_req *r);
void web_zip_reply_free(struct web_zip_reply *z);
/* Once a second: end the streams whose client left. */
void web_zip_tick(struct web_loop *lp);
/* 1 when req is a zip being streamed (it is then ended). */
int web_zip_forget(struct web_loop *lp, struct evhttp_request *req);
void web_zip_close_all(struct web_loop *lp);
/* Zips being written now, in the process (tests). */
int web_zip_streams(void);
/* actions.c: Content-Disposition: attachment with the name (RFC 6266). */
char *web_disposition(const char *name);

/* ---- video.c ------------------------------------------------------------ */

/* After a message: a hidden click-to-load player for each address of a
 * video of YouTube, Vimeo, Loom or Google Drive in its text (at most 4). */
void web_render_videos(const char *text, struct buf *out);
/* The hosts of the players in a page, as a bit mask (0: none). */
unsigned web_video_hosts(const char *html, size_t len);
/* WEB_CSP with frame-src for exactly those hosts, malloc'd. */
char *web_video_csp(unsigned mask);
/* "youtube vimeo": the page's data-frames for the script, malloc'd. */
char *web_video_keys(unsigned mask);

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
