/*
 * web_fixture.h - the web view on 127.0.0.1 port 0 over a seeded temp
 * database, and a small HTTP/1.1 client that drives it from the same
 * thread (it runs the event loop while it waits), so that the pinned clock
 * and the store need no locking.
 *
 * Seed (every test gets a fresh one):
 *   firm "Firm <b>&amp;</b> Co" (client chats allowed)
 *   staff: owner (sees all), member (assigned to account A), other
 *          (assigned to nothing), named with markup to test escaping
 *   account A (markup in its name) with contacts anna (notify on) and
 *   ann2; account B with contact bob
 *   thread ta in A (staff message with markup, two tasks, a staff-only
 *   note), thread tb in B.
 */
#ifndef WEB_FIXTURE_H
#define WEB_FIXTURE_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "links.h"
#include "store.h"
#include "web.h"

struct event_base;

/* The pinned "now" of every test: 2026-11-25 09:30 UTC. */
#define WFX_T0 1795599000
#define T0_PLUS(s) ((int64_t)WFX_T0 + (s))

struct wfx {
	char dir[64];
	char *db_path;
	char *att_dir;
	struct cfg_web web_cfg;
	struct cfg_store store_cfg;
	struct cfg_links links_cfg;
	struct link_keys *keys;
	struct event_base *base;
	struct web *web;
	struct store *s;         /* the test's own connection */
	int port;
	int queued_calls;        /* outbox_queued callbacks */
	int64_t now;
	/* seed */
	int64_t owner, member, other;
	int64_t acc_a, acc_b;
	int64_t anna, ann2, bob;
	int64_t ta, tb;
	int64_t ta_msg, ta_note;
	int64_t task1, task2;
};

struct wresp {
	int status;
	char *head;              /* status line and headers */
	char *body;
	size_t body_len;
};

/* cmocka setup/teardown: state is a struct wfx. */
int wfx_setup(void **state);
int wfx_teardown(void **state);
/* (Re)start the web view with the current f->web_cfg. */
void wfx_restart(struct wfx *f);

/* Signed link token for purpose, thread, principal, expiry. */
void wfx_token(struct wfx *f, enum link_purpose purpose, int64_t thread_id,
	       enum link_principal kind, int64_t id, int64_t expires,
	       char out[LINK_TOKEN_MAX]);

/*
 * One request: method, path, extra header lines ("Name: v\r\n"..., may be
 * NULL), body (may be NULL).  Returns 0, -1 on a broken exchange.
 */
int wfx_http(struct wfx *f, const char *method, const char *path, const char *headers,
	     const void *body, size_t body_len, struct wresp *r);
void wresp_clear(struct wresp *r);
/* First value of a header (case-insensitive name), malloc'd; NULL if none. */
char *wresp_header(const struct wresp *r, const char *name);

/* Exchange a View link for a session: the cookie header line
 * "Cookie: gw_session=...\r\n" (malloc'd). */
char *wfx_login(struct wfx *f, enum link_principal kind, int64_t id);
/* The csrf value found in a page (malloc'd), NULL if none. */
char *wfx_csrf_from(const struct wresp *r);
/* GET path with the cookie and return the csrf of the page. */
char *wfx_csrf(struct wfx *f, const char *cookie, const char *path);
/* POST an urlencoded body with the cookie. */
int wfx_post(struct wfx *f, const char *cookie, const char *path, const char *form,
	     struct wresp *r);
/* POST form to path with the csrf of csrf_page, as the page's form would;
 * the status, and a 303's Location checked when want_location is given;
 * *body_r (may be NULL) the answer's body, malloc'd. */
int wfx_post_csrf(struct wfx *f, const char *cookie, const char *csrf_page, const char *path,
		  const char *form, const char *want_location, char **body_r);

/* Count outbox rows of kind (0 = any) for thread (0 = any). */
int wfx_outbox_count(struct wfx *f, enum mail_kind kind, int64_t thread_id);
/* Run the loop for a little while (lets timers fire). */
void wfx_pump(struct wfx *f, int ms);

/* Open a raw connection and send a request; the caller reads. */
int wfx_connect_send(struct wfx *f, const char *request);
/* Read from fd until needle appears or deadline_ms passes; 1 if found. */
int wfx_read_until(struct wfx *f, int fd, const char *needle, int deadline_ms,
		   char **got_r);

#define WFX_CHECK(expr, err)                                                  \
	do {                                                                  \
		enum gw_result res_ = (expr);                                 \
		if (res_ != GW_OK)                                            \
			fail_msg("%s: %s", #expr, (err) ? (err) : "?");        \
	} while (0)

#endif
