/*
 * api.h - the JSON API for integrators: a firm's portal drives gatewayd
 * over HTTP with bearer API keys, on its own listener ([api] listen,
 * "HOST:PORT" or "unix:/path"), served by libevent's evhttp on the
 * daemon's event loop.  docs/api.md documents every endpoint.
 *
 * Everything is under /api/v1/ and speaks JSON (jansson): accounts,
 * contacts, staff, templates, the firm, threads (create one or bulk, list
 * with unread counts, show with messages, tasks and attachments), messages,
 * tasks, read marks, archive/reopen/resend, reminders, View-chat links,
 * and the outbox and inbound logs (read-only).
 *
 * Requests:
 *   - "Authorization: Bearer KEY"; the key's SHA-256 must be a key of the
 *     store that is not revoked (gatewayctl apikey add/revoke), else 401.
 *   - bodies of POST, PUT and PATCH are JSON objects with Content-Type
 *     application/json (415 otherwise), at most max_body bytes (413);
 *     unknown fields are refused (400) rather than ignored.
 *   - "Idempotency-Key: K" on a POST: the first 2xx response is kept for
 *     24 hours per API key; the same key with the same method, path and
 *     body gets that response again (with "Idempotent-Replayed: true"),
 *     with anything else 422.
 * Errors are {"error": {"code": "...", "message": "...", "field": "..."}}
 * with the stable codes listed in docs/api.md.
 *
 * Threads: the loop parses a request (route, query, headers, body) and
 * runs everything that touches the store -- the key check, the
 * Idempotency-Key lookup, the handler and keeping its response -- as one
 * job in the store pool: the read lane for GET and HEAD (and requests
 * already refused while parsing), the writer lane otherwise.  The reply is
 * sent on the loop when the job comes back, so the loop never waits for
 * SQLite, and a GET answers while another process holds the write lock.
 */
#ifndef GW_API_H
#define GW_API_H

#include <stdint.h>

#include "config.h"
#include "links.h"

struct event_base;
struct store_pool;
struct api;

/* Default request body limit (bytes). */
#define API_MAX_BODY_DEFAULT (1024 * 1024)

struct api_settings {
	const char *listen;                  /* "HOST:PORT" or "unix:/path" */
	int systemd_fd;                      /* passed socket instead; 0 = none */
	const struct cfg_store *store;       /* for the pool opened when pool is NULL */
	/* Shared store work (borrowed; must outlive the API).  NULL: the API
	 * opens its own pool with store, mail_domain and reminders. */
	struct store_pool *pool;
	const struct cfg_web *web;           /* base_url of View-chat links */
	const struct cfg_links *links;       /* view_ttl of View-chat links */
	const struct cfg_reminders *reminders; /* store_set_reminder_defaults(); may be NULL */
	const char *mail_domain;             /* store_set_mail_domain(); NULL = default */
	const struct link_keys *keys;        /* signs View-chat links */
	int64_t max_body;                    /* 0 = API_MAX_BODY_DEFAULT */
	/* Called on the loop thread after a request that may have queued mail
	 * or changed a reminder schedule, so that the relay looks now; may be
	 * NULL. */
	void (*outbox_queued)(void *ctx);
	void *ctx;
};

/*
 * Open the pool when none is given, bind the listener (a stale UNIX socket
 * at the path is removed first; nothing else is) and register the handlers
 * on base.
 * Everything in settings is borrowed and must outlive the API.  Returns
 * 0, or -1 with *error_r set (malloc'd) and nothing left open.
 */
int api_open(struct event_base *base, const struct api_settings *settings,
	     struct api **api_r, char **error_r);
/* Take back the jobs of requests in flight (a job already running is
 * waited for and its reply sent; one not started is answered 503), close
 * the listener, open connections and the pool if it is the API's own;
 * remove the UNIX socket.  Accepts NULL; clears *apip.  On the loop
 * thread, not from inside an API callback. */
void api_close(struct api **apip);

/* TCP port actually bound ("127.0.0.1:0" in tests); 0 for a UNIX socket. */
int api_bound_port(const struct api *api);

/* Sign View-chat links with KEYS from now on (SIGHUP); from the loop
 * thread.  Borrowed like settings->keys: the caller keeps the old set too
 * until api_close().  NULL is ignored. */
void api_set_keys(struct api *api, const struct link_keys *keys);

#endif
