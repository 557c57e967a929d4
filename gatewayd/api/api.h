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
 * The API opens its own store connection and uses it only on the loop
 * thread; each request is one or a few store operations, run to completion
 * before the next request.
 */
#ifndef GW_API_H
#define GW_API_H

#include <stdint.h>

#include "config.h"
#include "links.h"

struct event_base;
struct api;

/* Default request body limit (bytes). */
#define API_MAX_BODY_DEFAULT (1024 * 1024)

struct api_settings {
	const char *listen;                  /* "HOST:PORT" or "unix:/path" */
	int systemd_fd;                      /* passed socket instead; 0 = none */
	const struct cfg_store *store;       /* the API opens its own connection */
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
 * Open the store, bind the listener (a stale UNIX socket at the path is
 * removed first; nothing else is) and register the handlers on base.
 * Everything in settings is borrowed and must outlive the API.  Returns
 * 0, or -1 with *error_r set (malloc'd) and nothing left open.
 */
int api_open(struct event_base *base, const struct api_settings *settings,
	     struct api **api_r, char **error_r);
/* Close the listener, open connections and the store; remove the UNIX
 * socket.  Accepts NULL; clears *apip.  Not from inside an API callback. */
void api_close(struct api **apip);

/* TCP port actually bound ("127.0.0.1:0" in tests); 0 for a UNIX socket. */
int api_bound_port(const struct api *api);

/* Sign View-chat links with KEYS from now on (SIGHUP); from the loop
 * thread.  Borrowed like settings->keys: the caller keeps the old set too
 * until api_close().  NULL is ignored. */
void api_set_keys(struct api *api, const struct link_keys *keys);

#endif
