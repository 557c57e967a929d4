/*
 * web.h - the View-chat web view: HTTP pages and actions for clients and
 * staff, served by libevent's evhttp on the daemon's event loop.
 *
 * Server-rendered HTML that works with JavaScript off; a small script
 * (/static/app.js) only adds live updates (server-sent events), the read
 * beacon and the "unsent reply" warning.  The loops never call the store:
 * each request is one job in the store pool (web.c says how it travels),
 * in one transaction that commits when the answer is a success.
 *
 * Routes (every response carries Content-Security-Policy, nosniff,
 * Referrer-Policy: no-referrer and X-Frame-Options: DENY):
 *   GET  /v/TOKEN          View-chat link (LINK_VIEW): sets the session
 *                          cookie, 303 to /t/ID (or /), token not kept.
 *                          Expired -> page with an "email me a fresh link"
 *                          button; forged/revoked/malformed -> plain 403.
 *                          Signed in as someone else: a "Switch to NAME?"
 *                          page whose button POSTs to /v/TOKEN.
 *   POST /fresh            token=LINK_FRESH token from that page: queues a
 *                          fresh_link email (contacts; at most 3 an hour).
 *   GET  /signin           form asking for an email address; POST /signin
 *                          answers one page for every address and queues a
 *                          signin_link email when someone has it (signin.c).
 *   GET  /s/TOKEN          sign-in link (LINK_SIGNIN): a "Sign in as NAME"
 *                          button, changes nothing; POST uses it up (once)
 *                          and starts the session, or shows the choice of
 *                          person: POST /signin/pick (LINK_PICK token).
 *   GET  /sessions         the person's sessions; POST /sessions/end (id or
 *                          "all", CSRF) ends them.
 *   GET  /                 home: the client's threads in to-do order, or
 *                          the staff member's threads (?show=archived).
 *   POST /new              new chat (client: own account, when allowed;
 *                          staff: one or several accounts, template).
 *   GET  /t/ID             thread page.
 *   GET  /t/ID/events      server-sent events: "change" when it changes.
 *   POST /t/ID/reply       message and/or file (urlencoded or multipart).
 *   POST /t/ID/read        read mark (up_to = message id).
 *   POST /t/ID/task        tick / untick (task, done).
 *   POST /t/ID/archive | /t/ID/reopen | /t/ID/resend | /t/ID/reminders
 *                          staff only.
 *   GET  /a/ID             attachment download (Content-Disposition:
 *                          attachment, sanitised name + filename*=UTF-8'').
 *   GET  /u/TOKEN          unsubscribe confirmation page (changes nothing).
 *   POST /u/TOKEN          RFC 8058 one-click unsubscribe (LINK_UNSUBSCRIBE
 *                          token only: no session, no CSRF).
 *   POST /logout           end the session (its row) and forget the cookie.
 *   GET  /static/app.css, /static/app.js   embedded, cached for a year.
 * Mail links are base_url + "/v/" + token, base_url + "/u/" + token
 * (web_view_url(), web_unsubscribe_url()) and base_url + "/s/" + token.
 *
 * Sessions are rows (store/signin.h): the cookie "gw_session" is a link
 * token of purpose LINK_SESSION carrying {kind, principal id, generation,
 * expiry = now + [web] session_ttl, and in its thread field the row's
 * id}; deleting the row (sign out, sign out everywhere, retention) ends
 * the session, and bumping a contact's or staff member's generation ends
 * every session of theirs too.  HttpOnly, SameSite=Lax,
 * Path=/, Secure when base_url is https.  The CSRF token of a session is
 * a LINK_CSRF token with the same claims; every POST but /u/TOKEN, /fresh,
 * /v/TOKEN, /signin, /s/TOKEN and /signin/pick (those check Origin and
 * Sec-Fetch-Site instead) must carry it as the form field "csrf" (or the X-CSRF-Token
 * header), checked with link_verify and a comparison of the claims; a
 * copy in the query ("?csrf=", for the guard) must match as well.
 *
 * A GET never changes chat state: read marks, replies and task ticks are
 * POSTs.  A contact's last login is recorded by their POSTs (normally the
 * read beacon, which the page sends only once it is visible; at most one
 * write per five minutes), never by opening a link.
 *
 * Speed: message bodies are rendered by cmark (raw HTML off) once per
 * message id and kept; a whole thread page, and the record behind a
 * session, are kept per reader and reused while the store pool's change
 * generation is unchanged (so they are never stale); the session's CSRF
 * token is spliced in at send time, the page's bytes go by reference.
 * [web] threads event loops accept on the one socket.
 *
 * Bad input: unknown path 404, wrong method (any method) 405 with Allow,
 * body over [web] max_body 413, bad CSRF 403, a thread or attachment of
 * another account 404.  Before a body is read (guard.c): 64 KB unless a
 * signed-in person posts to /new or /t/ID/reply from our own site with
 * the session's CSRF token ahead of the body (the forms' action carries
 * "?csrf=TOKEN"; or X-CSRF-Token); such a large body is streamed to an
 * unnamed file and parsed from it on the worker.  A budget for all
 * bodies in flight, header and request deadlines and a cap per client
 * address; evhttp's own 400/413 pages get the security headers too.
 */
#ifndef GW_WEB_H
#define GW_WEB_H

#include <stdint.h>

#include "config.h"
#include "links.h"

struct event_base;
struct web;

struct web_settings {
	const struct cfg_web *web;      /* listen, base_url, max_body, session_ttl, threads */
	const struct cfg_store *store;  /* the web view opens its own connection */
	struct store_pool *pool;        /* shared store work; NULL: the web view opens its own */
	const struct cfg_links *links;  /* view_ttl (fresh-link pages) */
	const struct link_keys *keys;   /* borrowed: must outlive the web view */
	const char *mail_domain;        /* store_set_mail_domain(); NULL = default */
	int reminder_days;              /* store_set_reminder_defaults(); 0 = 3 */
	int reminder_count;             /* 0 = 1 */
	const char *firm_fallback_name; /* page titles before the firm is named */
	/* Called (on the loop that answered, so from any of the web view's
	 * threads) after a request queued outbox rows, so that the relay can
	 * send them now; may be NULL. */
	void (*outbox_queued)(void *ctx);
	void *ctx;
	/* A listening socket passed by systemd, used instead of binding
	 * web->listen and owned by the web view from then on; 0 or -1: none
	 * (see listen_take()). */
	int systemd_fd;
};

/*
 * Open the store, bind the listener and register the handlers on base.
 * Strings in settings are borrowed and must outlive the web view.
 * Returns 0, or -1 with *error_r set (nothing is left open).
 */
int web_open(struct event_base *base, const struct web_settings *settings,
	     struct web **web_r, char **error_r);
/* Close every connection (ending open event streams), the listener and the
 * store.  Accepts NULL; clears *webp.  Not from inside a web callback. */
void web_close(struct web **webp);

/* TCP port actually bound (for "127.0.0.1:0" in tests); 0 for unix sockets. */
int web_bound_port(const struct web *web);

/* Check and sign links with KEYS from now on (SIGHUP); from the thread
 * that opened the web view.  Borrowed like settings->keys: the caller keeps the old set too
 * until web_close().  NULL is ignored. */
void web_set_keys(struct web *web, const struct link_keys *keys);

/* Absolute URLs for mail: base_url + "/v/" + token, base_url + "/u/" +
 * token (a trailing "/" of base_url is not doubled).  malloc'd. */
char *web_view_url(const char *base_url, const char *token);
char *web_unsubscribe_url(const char *base_url, const char *token);

#endif
