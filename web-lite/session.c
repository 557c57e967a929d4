/*
 * session.c - who is asking: the View-chat link exchange, the stateless
 * session cookie, CSRF tokens, "email me a fresh link" for expired links,
 * one-click unsubscribe and logout.
 *
 * Session cookie: a LINK_SESSION token {kind, principal, generation,
 * expiry, and in the thread field the id of the session's row}.  It is
 * verified on every request, generation included, so a
 * store_*_bump_generation() ends every session at once; the row must
 * still be there (signing out, "sign out everywhere" and retention delete
 * rows).  A cookie of the stateless kind of older versions (no row id)
 * is no session: its holder opens a link or signs in again.  The CSRF
 * token is a LINK_CSRF token with the same claims: unforgeable without
 * the key, and useless with another session.
 *
 * A row's last_seen_at is written at most once a minute, by a job handed
 * to the store pool's writer lane: a page view stays a read.
 */
#include "web_int.h"

#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "clock.h"
#include "log.h"
#include "signin.h"

#define COOKIE "gw_session"
/* The "fresh link" button of an expired page works for this long. */
#define FRESH_TOKEN_TTL 3600
/* A contact's last login is written at most this often. */
#define LOGIN_TOUCH_EVERY 300
/* A session's last seen time is written at most this often. */
#define SEEN_TOUCH_EVERY 60

void web_session_clear(struct web_session *s)
{
	free(s->name);
	memset(s, 0, sizeof(*s));
}

/* ---- last seen, on the writer lane ---------------------------------------- */

struct seen_job {
	struct store_job job;      /* first: the pool hands this back */
	int64_t id, now;
};

static void seen_run(struct store *store, struct store_job *job)
{
	struct seen_job *j = (struct seen_job *)job;
	char *err = NULL;

	if (store_session_touch(store, j->id, j->now, &err) != GW_OK)
		log_warn("web: session %lld: last seen not recorded: %s", (long long)j->id,
			 err != NULL ? err : "");
	free(err);
}

static void seen_done(struct store_job *job)
{
	free(job);
}

/* Hand "session id seen now" to the writer lane, once a minute at most
 * per session however many requests come in together. */
static void seen_defer(struct web *web, int64_t id, int64_t now)
{
	size_t slot = (size_t)((uint64_t)id * 0x9e3779b97f4a7c15ULL >> 32) % WEB_SESS_SLOTS;
	struct seen_job *j;
	int due;

	pthread_mutex_lock(&web->cache_mu);
	due = web->touched[slot].id != id || web->touched[slot].at <= now - SEEN_TOUCH_EVERY;
	if (due) {
		web->touched[slot].id = id;
		web->touched[slot].at = now;
	}
	pthread_mutex_unlock(&web->cache_mu);
	if (!due)
		return;
	j = xcalloc(1, sizeof(*j));
	j->job.run = seen_run;
	j->job.done = seen_done;
	j->id = id;
	j->now = now;
	store_pool_submit(web->pool, STORE_LANE_WRITE, &j->job);
}

/* The value of our cookie in a Cookie header, copied to out. */
int web_cookie_value(const char *header, char out[LINK_TOKEN_MAX])
{
	const char *p = header;
	size_t n = strlen(COOKIE);

	while (p != NULL && *p != '\0') {
		while (*p == ' ' || *p == ';')
			p++;
		if (strncmp(p, COOKIE, n) == 0 && p[n] == '=') {
			const char *v = p + n + 1;
			size_t len = strcspn(v, "; ");

			if (len == 0 || len >= LINK_TOKEN_MAX)
				return -1;
			memcpy(out, v, len);
			out[len] = '\0';
			return 0;
		}
		p = strchr(p, ';');
	}
	return -1;
}

/* Under web->cache_mu. */
static struct web_sess_slot *sess_slot(struct web *web, enum store_kind kind, int64_t id)
{
	uint64_t h = ((uint64_t)id << 1 | (kind == STORE_STAFF)) * 0x9e3779b97f4a7c15ULL;

	return &web->sessions[(h >> 32) % WEB_SESS_SLOTS];
}

/* The person behind a session from the cache: 1, or 0 when not cached
 * under this generation. */
static int sess_cached(struct web *web, struct web_sess_slot *out, enum store_kind kind,
		       int64_t id, int64_t session_id, uint64_t generation)
{
	const struct web_sess_slot *e;
	int hit;

	pthread_mutex_lock(&web->cache_mu);
	e = sess_slot(web, kind, id);
	hit = e->name != NULL && e->kind == kind && e->id == id &&
	      e->session_id == session_id && e->generation == generation;
	if (hit) {
		*out = *e;
		out->name = xstrdup(e->name);
	}
	pthread_mutex_unlock(&web->cache_mu);
	return hit;
}

static void sess_cache_put(struct web *web, const struct web_sess_slot *in)
{
	struct web_sess_slot *e;
	char *name = xstrdup(in->name);

	pthread_mutex_lock(&web->cache_mu);
	e = sess_slot(web, in->kind, in->id);
	free(e->name);
	*e = *in;
	e->name = name;
	pthread_mutex_unlock(&web->cache_mu);
}

/* The person's record as of now: 0, or -1 when they are gone. */
static int sess_read(struct web_req *r, enum store_kind kind, int64_t id,
		     struct web_sess_slot *out)
{
	memset(out, 0, sizeof(*out));
	out->kind = kind;
	out->id = id;
	if (kind == STORE_CONTACT) {
		struct store_contact ct;

		if (store_contact_get(r->store, id, &ct, NULL) != GW_OK)
			return -1;
		out->link_generation = ct.generation;
		out->name = xstrdup(ct.name);
		out->account_id = ct.account_id;
		out->last_login = ct.last_login_at;
		snprintf(out->lang, sizeof(out->lang), "%s", ct.language != NULL ? ct.language : "");
		snprintf(out->zone, sizeof(out->zone), "%s", ct.timezone != NULL ? ct.timezone : "");
		store_contact_clear(&ct);
	} else {
		struct store_staff st;

		if (store_staff_get(r->store, id, &st, NULL) != GW_OK)
			return -1;
		out->link_generation = st.generation;
		out->name = xstrdup(st.name);
		out->role = st.role;
		snprintf(out->lang, sizeof(out->lang), "%s", st.language != NULL ? st.language : "");
		snprintf(out->zone, sizeof(out->zone), "%s", st.timezone != NULL ? st.timezone : "");
		store_staff_clear(&st);
	}
	return 0;
}

void web_session_load(struct web_req *r)
{
	struct web_session *s = &r->sess;
	const char *header = evhttp_find_header(evhttp_request_get_input_headers(r->req),
						"Cookie");
	char token[LINK_TOKEN_MAX];
	struct link_claims c;
	struct web_sess_slot who;
	struct store_session row;
	enum store_kind kind;
	uint64_t generation;

	memset(s, 0, sizeof(*s));
	if (header == NULL || web_cookie_value(header, token) < 0)
		return;
	/* The generation is compared below, against the record that is read
	 * anyway: one query less on every request. */
	if (link_verify(r->keys, token, LINK_SESSION, clock_now(), NULL, NULL, &c) !=
	    LINK_OK)
		return;
	kind = c.kind == LINK_CONTACT ? STORE_CONTACT : STORE_STAFF;
	if (c.thread_id <= 0)
		return;   /* a stateless cookie of before: no row names it */
	/* Read before the records, so that a change racing with the read
	 * leaves the cached copy stale, never wrong. */
	generation = store_pool_generation(r->web->pool);
	if (!sess_cached(r->web, &who, kind, c.principal_id, c.thread_id, generation)) {
		if (store_session_get(r->store, c.thread_id, &row, NULL) != GW_OK)
			return;
		if (row.kind != kind || row.person != c.principal_id ||
		    sess_read(r, kind, c.principal_id, &who) < 0) {
			store_session_clear(&row);
			return;
		}
		who.session_id = row.id;
		who.last_seen = row.last_seen_at;
		who.expires = row.expires_at;
		store_session_clear(&row);
		who.generation = generation;
		sess_cache_put(r->web, &who);
	}
	if (who.link_generation != c.generation || who.expires <= clock_now()) {
		free(who.name);
		return;
	}
	if (who.last_seen <= clock_now() - SEEN_TOUCH_EVERY)
		seen_defer(r->web, who.session_id, clock_now());
	s->session_id = who.session_id;
	s->last_seen = who.last_seen;
	s->kind = kind;
	s->name = who.name;
	s->account_id = who.account_id;
	s->role = who.role;
	s->last_login = who.last_login;
	s->id = c.principal_id;
	s->claims = c;
	memcpy(s->lang, who.lang, sizeof(s->lang));
	memcpy(s->zone, who.zone, sizeof(s->zone));
	/* everything this request writes is in their language and zone */
	i18n_reader_set(s->lang, s->zone);
}

void web_session_touch(struct web_req *r)
{
	if (r->sess.kind != STORE_CONTACT ||
	    r->sess.last_login > clock_now() - LOGIN_TOUCH_EVERY)
		return;
	/* A failure only delays the record to the next POST. */
	if (store_contact_touch_login(r->store, r->sess.id, NULL) == GW_OK)
		r->sess.last_login = clock_now();
}

static void csrf_claims(const struct web_session *s, struct link_claims *c)
{
	*c = s->claims;
	c->purpose = LINK_CSRF;   /* thread_id: the session's row, as in the cookie */
}

void web_csrf_token(struct web_req *r, char out[LINK_TOKEN_MAX])
{
	struct link_claims c;

	out[0] = '\0';
	if (r->sess.kind == 0)
		return;
	csrf_claims(&r->sess, &c);
	(void)link_sign(r->keys, &c, out);
}

int web_csrf_match(const struct link_keys *keys, const struct link_claims *session,
		   const char *token)
{
	struct link_claims got;

	if (token == NULL || *token == '\0')
		return 0;
	/* The MAC is compared in constant time inside link_verify(). */
	if (link_verify(keys, token, LINK_CSRF, clock_now(), NULL, NULL, &got) != LINK_OK)
		return 0;
	return got.kind == session->kind && got.principal_id == session->principal_id &&
	       got.generation == session->generation && got.expires == session->expires &&
	       got.thread_id == session->thread_id;
}

/*
 * The token must come in the form field (or the X-CSRF-Token header of a
 * script's post), as it always had to; a copy in the action's query
 * ("?csrf=", which the guard reads to let a large body in) must be the
 * same session's too.  The query alone is not enough: URLs end up in
 * logs and histories, so a token seen there must not open a POST.
 */
int web_csrf_ok(struct web_req *r)
{
	const char *tok = web_form_get(&r->form, "csrf");
	const char *query = r->uri != NULL ? evhttp_uri_get_query(r->uri) : NULL;
	struct evkeyvalq q;
	int ok;

	if (tok == NULL)
		tok = evhttp_find_header(evhttp_request_get_input_headers(r->req),
					 "X-CSRF-Token");
	if (r->sess.kind == 0 || tok == NULL)
		return 0;
	ok = web_csrf_match(r->keys, &r->sess.claims, tok);
	TAILQ_INIT(&q);
	if (ok && query != NULL && evhttp_parse_query_str(query, &q) == 0 &&
	    evhttp_find_header(&q, "csrf") != NULL)
		ok = web_csrf_match(r->keys, &r->sess.claims, evhttp_find_header(&q, "csrf"));
	evhttp_clear_headers(&q);
	return ok;
}

static void set_cookie(struct web_req *r, const char *value, int64_t max_age)
{
	char *c = xasprintf(COOKIE "=%s; Path=/; Max-Age=%lld; HttpOnly; SameSite=Lax%s",
			    value, (long long)max_age, r->web->secure ? "; Secure" : "");

	web_add_header(r, "Set-Cookie", c);
	free(c);
}

/* ---- GET /v/TOKEN ------------------------------------------------------- */

static void send_refused(struct web_req *r, enum link_verdict v)
{
	/* One page for every kind of refusal: nothing to learn from it. */
	log_info("web: link refused: %s", link_verdict_name(v));
	web_send_error(r, 403, NULL);
}

static void send_expired(struct web_req *r, const struct link_claims *claims)
{
	struct buf main = BUF_INIT;
	struct link_claims fc = *claims;
	char token[LINK_TOKEN_MAX];

	web_reader_of(r, claims->kind == LINK_CONTACT ? STORE_CONTACT : STORE_STAFF,
		      claims->principal_id);
	buf_printf(&main, "<section class=\"card notice\"><h1>%s</h1>", _("This link has expired"));
	fc.purpose = LINK_FRESH;
	fc.expires = clock_now() + FRESH_TOKEN_TTL;
	if (claims->kind == LINK_CONTACT && link_sign(r->keys, &fc, token) == 0) {
		buf_printf(&main, "<p>%s</p>"
				"<form method=\"post\" action=\"/fresh\">"
				"<input type=\"hidden\" name=\"token\" value=\"",
			   _("For your security, links in our emails work for a "
			     "limited time. We can email you a new one to the address "
			     "we have on file."));
		buf_puts(&main, token);
		buf_printf(&main, "\"><button class=\"primary\" type=\"submit\">"
				"%s</button></form>", _("Email me a new link"));
	} else {
		buf_printf(&main, "<p>%s</p>", _("Please open the link in a more recent email, or ask "
						  "an administrator for a new one."));
	}
	buf_printf(&main, "<p><a href=\"/signin\">%s</a></p>", _("Sign in with your email address"));
	buf_puts(&main, "</section>");
	web_send_page(r, 410, _("Link expired"), &main);
	buf_release(&main);
}

int web_post_cross_site(struct web_req *r)
{
	const struct evkeyvalq *in = evhttp_request_get_input_headers(r->req);

	return web_cross_site(evhttp_find_header(in, "Origin"),
			      evhttp_find_header(in, "Sec-Fetch-Site"),
			      evhttp_find_header(in, "Host"), r->web->base_url);
}

char *web_person_name(struct web_req *r, enum store_kind kind, int64_t id)
{
	char *name = NULL;

	if (kind == STORE_CONTACT) {
		struct store_contact ct;

		if (store_contact_get(r->store, id, &ct, NULL) == GW_OK) {
			name = xstrdup(ct.name);
			store_contact_clear(&ct);
		}
	} else if (kind == STORE_STAFF) {
		struct store_staff st;

		if (store_staff_get(r->store, id, &st, NULL) == GW_OK) {
			name = xstrdup(st.name);
			store_staff_clear(&st);
		}
	}
	return name != NULL ? name : xstrdup("");
}

int web_session_start(struct web_req *r, enum link_principal kind, int64_t id,
		      uint32_t generation)
{
	struct web *web = r->web;
	const char *ua = evhttp_find_header(evhttp_request_get_input_headers(r->req),
					    "User-Agent");
	enum store_kind sk = kind == LINK_CONTACT ? STORE_CONTACT : STORE_STAFF;
	struct link_claims sc;
	char cookie[LINK_TOKEN_MAX];
	int64_t now = clock_now(), row = 0;
	char *err = NULL;
	enum gw_result res;

	/* One browser, one session: the one it had ends here. */
	if (r->sess.kind != 0 && r->sess.session_id > 0)
		(void)store_session_end(r->store, r->sess.kind, r->sess.id, r->sess.session_id,
					NULL, NULL);
	res = store_session_create(r->store, sk, id, ua, now, now + web->session_ttl, &row, &err);
	if (res != GW_OK) {
		web_send_store_error(r, res, err);
		free(err);
		return -1;
	}
	memset(&sc, 0, sizeof(sc));
	sc.purpose = LINK_SESSION;
	sc.kind = kind;
	sc.principal_id = id;
	sc.generation = generation;
	sc.thread_id = row;
	sc.expires = now + web->session_ttl;
	if (link_sign(r->keys, &sc, cookie) < 0) {
		web_send_error(r, 500, NULL);
		return -1;
	}
	set_cookie(r, cookie, web->session_ttl);
	return 0;
}

/* Signed in as someone else than the link is for: ask, never switch. */
static void send_switch(struct web_req *r, const char *action, const char *token,
			enum store_kind kind, int64_t id)
{
	struct buf main = BUF_INIT;
	char *them = web_person_name(r, kind, id);

	buf_puts(&main, "<section class=\"card notice\"><h1>");
	web_say(&main, _("Switch to %s?"), them);
	buf_puts(&main, "</h1><p>");
	web_say2(&main, _("You are signed in as <strong>%s</strong> on this device. This link "
			  "is for <strong>%s</strong>."), r->sess.name, them);
	buf_puts(&main, "</p><form class=\"stack\" method=\"post\" action=\"/");
	buf_puts(&main, action);
	buf_puts(&main, "/");
	buf_puts(&main, token);
	buf_puts(&main, "\"><button class=\"primary\" type=\"submit\">");
	web_say(&main, _("Continue as %s"), them);
	buf_puts(&main, "</button></form><p><a href=\"/\">");
	web_say(&main, _("Stay signed in as %s"), r->sess.name);
	buf_puts(&main, "</a></p></section>");
	web_send_page(r, 200, _("Switch person?"), &main);
	buf_release(&main);
	free(them);
}

/*
 * GET /v/TOKEN exchanges the link for a session and redirects; when this
 * browser is signed in as someone else, it asks first and the POST from
 * that page switches.  Signed in as the same person: no new session.
 */
void web_handle_view_link(struct web_req *r, const char *token)
{
	struct link_claims c;
	enum link_verdict v;
	char location[48];
	uint32_t gen;
	enum store_kind kind;
	int64_t now = clock_now();

	v = link_verify(r->keys, token, LINK_VIEW, now, store_link_generation,
			r->store, &c);
	if (v == LINK_EXPIRED) {
		/* Expiry is checked before the generation: a revoked link
		 * stays refused even when it is also old. */
		if (store_link_generation(r->store, c.kind, c.principal_id, &gen) == 0 &&
		    gen == c.generation)
			send_expired(r, &c);
		else
			send_refused(r, LINK_REVOKED);
		return;
	}
	if (v != LINK_OK) {
		send_refused(r, v);
		return;
	}
	if (c.thread_id > 0)
		snprintf(location, sizeof(location), "/t/%lld", (long long)c.thread_id);
	else
		strcpy(location, "/");
	kind = c.kind == LINK_CONTACT ? STORE_CONTACT : STORE_STAFF;
	if (r->sess.kind == kind && r->sess.id == c.principal_id) {
		web_send_redirect(r, location);
		return;
	}
	if (r->method == EVHTTP_REQ_POST && web_post_cross_site(r)) {
		send_refused(r, LINK_FORGED);
		return;
	}
	if (r->sess.kind != 0 && r->method != EVHTTP_REQ_POST) {
		send_switch(r, "v", token, kind, c.principal_id);
		return;
	}
	if (web_session_start(r, c.kind, c.principal_id, c.generation) < 0)
		return;
	web_send_redirect(r, location);
}

/* ---- POST /fresh ---------------------------------------------------------- */

/* 1 if key ("c:ID" per contact, "a:ADDR" per client address) may have
 * another fresh link now, at most max an hour (and count it).
 * Under web->cache_mu. */
static int fresh_allowed_locked(struct web *web, const char *key, int max, int64_t now)
{
	struct web_fresh_rate *e = NULL;

	/* Forget entries whose every request is older than the window. */
	for (size_t i = 0; i < web->n_fresh;) {
		struct web_fresh_rate *x = &web->fresh[i];
		int live = 0;

		for (int k = 0; k < WEB_FRESH_ADDR_MAX; k++)
			live |= x->at[k] > now - WEB_FRESH_WINDOW;
		if (!live) {
			web->fresh[i] = web->fresh[--web->n_fresh];
			continue;
		}
		if (strcmp(x->key, key) == 0)
			e = x;
		i++;
	}
	if (e == NULL) {
		web->fresh = xrealloc(web->fresh, (web->n_fresh + 1) * sizeof(*web->fresh));
		e = &web->fresh[web->n_fresh++];
		memset(e, 0, sizeof(*e));
		snprintf(e->key, sizeof(e->key), "%s", key);
	}
	for (int k = 0; k < max && k < WEB_FRESH_ADDR_MAX; k++) {
		if (e->at[k] <= now - WEB_FRESH_WINDOW) {
			e->at[k] = now;
			return 1;
		}
	}
	return 0;
}

static int fresh_allowed(struct web *web, const char *key, int max, int64_t now)
{
	int ok;

	pthread_mutex_lock(&web->cache_mu);
	ok = fresh_allowed_locked(web, key, max, now);
	pthread_mutex_unlock(&web->cache_mu);
	return ok;
}

void web_handle_fresh(struct web_req *r)
{
	struct web *web = r->web;
	const struct evkeyvalq *in = evhttp_request_get_input_headers(r->req);
	struct link_claims c;
	const char *token;
	struct buf main = BUF_INIT;
	char *err = NULL;
	enum gw_result res;
	int code;

	char key[64];

	/* The button is on our own page: a post from another site is a
	 * stranger making us mail someone. */
	if (web_cross_site(evhttp_find_header(in, "Origin"),
			   evhttp_find_header(in, "Sec-Fetch-Site"),
			   evhttp_find_header(in, "Host"), web->base_url)) {
		web_send_error(r, 403, NULL);
		return;
	}
	snprintf(key, sizeof(key), "a:%s", r->peer);
	if (!fresh_allowed(web, key, WEB_FRESH_ADDR_MAX, clock_now())) {
		web_send_error(r, 429, NULL);
		return;
	}
	if ((code = web_form_read(r)) != 0) {
		web_send_error(r, code, NULL);
		return;
	}
	token = web_form_get(&r->form, "token");
	if (token == NULL ||
	    link_verify(r->keys, token, LINK_FRESH, clock_now(), store_link_generation,
			r->store, &c) != LINK_OK ||
	    c.kind != LINK_CONTACT) {
		web_send_error(r, 403, _("This page has expired. Please open the link in "
					 "your email again."));
		return;
	}
	web_reader_of(r, STORE_CONTACT, c.principal_id);
	snprintf(key, sizeof(key), "c:%lld", (long long)c.principal_id);
	if (!fresh_allowed(web, key, WEB_FRESH_MAX, clock_now())) {
		web_send_error(r, 429, _("We have already sent you new links in the last "
					 "hour. Please check your inbox (and spam folder)."));
		return;
	}
	res = store_fresh_link_queue(r->store, c.principal_id, c.thread_id, NULL, &err);
	if (res != GW_OK) {
		web_send_store_error(r, res, err);
		free(err);
		return;
	}
	log_info("web: fresh link queued for contact %lld", (long long)c.principal_id);
	web_outbox_queued(r);
	buf_printf(&main, "<section class=\"card notice\"><h1>%s</h1>"
			"<p>%s</p></section>", _("Check your inbox"),
		   _("We are emailing a new link to the address we have on file. "
		     "It should arrive in a minute or two."));
	web_send_page(r, 200, _("New link sent"), &main);
	buf_release(&main);
}

/* ---- /u/TOKEN ------------------------------------------------------------- */

void web_handle_unsubscribe(struct web_req *r, const char *token)
{
	struct link_claims c;
	struct buf main = BUF_INIT;
	enum link_verdict v;
	enum gw_result res;
	char *err = NULL;

	v = link_verify(r->keys, token, LINK_UNSUBSCRIBE, clock_now(),
			store_link_generation, r->store, &c);
	if (v == LINK_EXPIRED) {
		web_send_error(r, 410, _("This unsubscribe link has expired. Please use "
					 "the one in a more recent email."));
		return;
	}
	if (v != LINK_OK) {
		send_refused(r, v);
		return;
	}
	web_reader_of(r, c.kind == LINK_CONTACT ? STORE_CONTACT : STORE_STAFF, c.principal_id);
	if (r->method != EVHTTP_REQ_POST) {
		/* Mail scanners follow links: the GET only asks. */
		buf_printf(&main, "<section class=\"card notice\"><h1>%s</h1>"
				"<p>%s</p><form method=\"post\" action=\"/u/", _("Stop emails?"),
			   _("You will no longer be emailed when there is news in "
			     "your chats. You can still open them from an older email "
			     "while its link is valid."));
		buf_puts(&main, token);
		buf_printf(&main, "\"><button class=\"primary\" type=\"submit\">"
				"%s</button></form></section>", _("Unsubscribe"));
		web_send_page(r, 200, _("Unsubscribe"), &main);
		buf_release(&main);
		return;
	}
	if (c.kind == LINK_CONTACT)
		res = store_contact_set_notify_by(r->store, c.principal_id, 0,
						  STORE_NOTIFY_BY_UNSUBSCRIBE, NULL, &err);
	else
		res = store_staff_set_notify(r->store, c.principal_id, 0, &err);
	if (res != GW_OK) {
		web_send_store_error(r, res, err);
		free(err);
		return;
	}
	log_info("web: %s %lld unsubscribed", c.kind == LINK_CONTACT ? "contact" : "staff",
		 (long long)c.principal_id);
	buf_printf(&main, "<section class=\"card notice\"><h1>%s</h1>"
			"<p>%s</p>", _("You are unsubscribed"),
		   _("We will not email you about new messages any more."));
	/* a client signs in with the link; a staff member's way back is staff's */
	if (c.kind == LINK_CONTACT)
		buf_printf(&main, "<p>%s</p>", _("Changed your mind? Your chats page has a button to "
						  "turn emails on again."));
	buf_puts(&main, "</section>");
	web_send_page(r, 200, _("Unsubscribed"), &main);
	buf_release(&main);
}

/* ---- POST /logout ----------------------------------------------------------- */

void web_handle_logout(struct web_req *r)
{
	if (r->sess.session_id > 0)
		(void)store_session_end(r->store, r->sess.kind, r->sess.id, r->sess.session_id,
					NULL, NULL);
	set_cookie(r, "", 0);
	web_session_clear(&r->sess);
	web_flash(r, "signed-out");
	web_send_redirect(r, "/");
}

void web_reader_of(struct web_req *r, enum store_kind kind, int64_t id)
{
	struct web_sess_slot who;

	if (r->sess.kind != 0 || sess_read(r, kind, id, &who) < 0)
		return;
	i18n_reader_set(who.lang, who.zone);
	free(who.name);
}
