/*
 * signin.c - signing in without a link in hand, and "Your sessions".
 *
 *   GET  /signin        a form asking for an email address.
 *   POST /signin        one answer for every address ("if this address
 *                       belongs to someone ..."): known, unknown, over a
 *                       limit or posted from another site.  The store does
 *                       the same work for a known and an unknown address
 *                       (store/signin.h); the email goes through the
 *                       outbox.  Only an address that is not one (no "@",
 *                       no domain) gets the form back with a message.
 *   GET  /s/TOKEN       the sign-in link of that email: a "Sign in as ..."
 *                       button.  It changes nothing, so a mail scanner
 *                       that opens links does not use it up.
 *   POST /s/TOKEN       uses the link up (once) and starts the session; an
 *                       address of several people picks one first:
 *   POST /signin/pick   with a LINK_PICK token for the used link.
 *   GET  /sessions      the signed-in person's sessions (device, last seen);
 *   POST /sessions/end  ends one (id) or all of them (id=all).
 * A browser signed in as someone else is asked before it switches: the
 * sign-in page says who it is signed in as and offers to stay.
 */
#include "web_int.h"

#include <stdlib.h>
#include <string.h>

#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "audit.h"
#include "clock.h"
#include "log.h"
#include "signin.h"

/* ---- the form and its one answer --------------------------------------------- */

/* A plain check of form, not of existence: one "@", something before it,
 * a domain with a dot after it, no spaces or control characters. */
static int email_looks_valid(const char *s)
{
	const char *at = s != NULL ? strchr(s, '@') : NULL;
	size_t n = s != NULL ? strlen(s) : 0;

	if (at == NULL || at == s || n > 254 || strchr(at + 1, '@') != NULL)
		return 0;
	if (strchr(at + 1, '.') == NULL || at[1] == '.' || s[n - 1] == '.')
		return 0;
	for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++)
		if (*p <= ' ' || *p == 0x7f || *p == '<' || *p == '>' || *p == '"' || *p == ',')
			return 0;
	return 1;
}

static void send_form(struct web_req *r, int code, const char *value, const char *error)
{
	struct buf main = BUF_INIT;
	char *firm = web_firm_name(r);

	buf_printf(&main, "<section class=\"card signin\"><h1>%s</h1><p class=\"muted\">",
		   _("Sign in"));
	web_say(&main, _("Enter your email address and we will email you a link that signs "
			 "you in to your chats with %s. No password needed."), firm);
	buf_puts(&main, "</p>");
	if (error != NULL) {
		buf_puts(&main, "<p class=\"error\" id=\"emailerror\" role=\"alert\">");
		buf_html_escape(&main, error);
		buf_puts(&main, "</p>");
	}
	buf_printf(&main, "<form method=\"post\" action=\"/signin\"><label>%s", _("Email address"));
	buf_puts(&main, "<input type=\"email\" name=\"email\" autocomplete=\"email\" "
			"inputmode=\"email\" autocapitalize=\"off\" spellcheck=\"false\" "
			"required autofocus");
	if (error != NULL)
		buf_puts(&main, " aria-invalid=\"true\" aria-describedby=\"emailerror\"");
	if (value != NULL) {
		buf_puts(&main, " value=\"");
		buf_html_escape(&main, value);
		buf_puts(&main, "\"");
	}
	buf_printf(&main, "></label><button class=\"primary wide\" type=\"submit\">"
			"%s</button></form>"
			"<p class=\"hint\">%s</p></section>", _("Email me a sign-in link"),
		   _("Have an email from us with a \xe2\x80\x9cView chat\xe2\x80\x9d "
		     "link? Opening it signs you in too."));
	web_send_page(r, code, _("Sign in"), &main);
	buf_release(&main);
	free(firm);
}

/* The one answer: the same bytes whatever happened behind it. */
static void send_sent(struct web_req *r)
{
	struct buf main = BUF_INIT;
	char *firm = web_firm_name(r);

	buf_printf(&main, "<section class=\"card notice\"><h1>%s</h1><p>", _("Check your email"));
	web_say(&main, _("If this address belongs to someone at %s or one of its clients, a "
			 "sign-in link is on its way. It works once, within 30 minutes."), firm);
	buf_printf(&main, "</p><p class=\"hint\">%s</p>"
			"</section>", _("Nothing after a few minutes? "
			"Look in your spam folder, or <a href=\"/signin\">try again</a>."));
	web_send_page(r, 200, _("Check your email"), &main);
	buf_release(&main);
	free(firm);
}

void web_handle_signin(struct web_req *r)
{
	enum store_signin_outcome outcome;
	const char *email;
	char client[48];
	char *clean = NULL, *err = NULL;
	enum gw_result res;

	if (r->method != EVHTTP_REQ_POST) {
		send_form(r, 200, NULL, NULL);
		return;
	}
	/* A form posted from another site is a stranger making us mail
	 * someone: it does nothing, and is told nothing either. */
	if (web_post_cross_site(r)) {
		log_info("web: sign-in from %s refused: posted from another site", r->peer);
		web_send_redirect(r, "/signin/sent");
		return;
	}
	email = r->form_status == 0 ? web_form_get(&r->form, "email") : NULL;
	if (email != NULL)
		clean = web_clean_text(email, strlen(email));
	if (clean != NULL) {
		/* Blanks around a pasted address are no part of it. */
		size_t n = strlen(clean), skip = strspn(clean, " \t");

		while (n > skip && (clean[n - 1] == ' ' || clean[n - 1] == '\t'))
			clean[--n] = '\0';
		memmove(clean, clean + skip, n - skip + 1);
	}
	if (clean == NULL || *clean == '\0') {
		send_form(r, 400, clean, "email: please enter your email address.");
		free(clean);
		return;
	}
	if (!email_looks_valid(clean)) {
		send_form(r, 400, clean, "email: this is not an email address. It looks like "
					 "name@example.com.");
		free(clean);
		return;
	}
	web_client_address(r, client);
	res = store_signin_request(r->store, clean, client, clock_now(), &outcome, &err);
	free(clean);
	if (res != GW_OK) {
		web_send_store_error(r, res, err);
		free(err);
		return;
	}
	log_info("web: sign-in asked from %s: %s", client,
		 outcome == STORE_SIGNIN_QUEUED ? "link queued" :
		 outcome == STORE_SIGNIN_NOBODY ? "nobody has the address" : "over the limit");
	web_outbox_queued(r);
	/* post, redirect, get: a reload shows the page, it does not ask again */
	web_send_redirect(r, "/signin/sent");
}

/* GET /signin/sent: the one answer to every sign-in request. */
void web_handle_signin_sent(struct web_req *r)
{
	send_sent(r);
}

/* ---- the link ------------------------------------------------------------------- */

static void send_link_page(struct web_req *r, int code, const char *title, const char *text)
{
	struct buf main = BUF_INIT;

	buf_puts(&main, "<section class=\"card notice\"><h1>");
	buf_html_escape(&main, title);
	buf_puts(&main, "</h1><p>");
	buf_html_escape(&main, text);
	buf_printf(&main, "</p><p><a class=\"button primary\" href=\"/signin\">"
			"%s</a></p></section>", _("Email me a new link"));
	web_send_page(r, code, title, &main);
	buf_release(&main);
}

/* Forged, unknown, not for anyone any more, posted from elsewhere: one
 * page, nothing to learn from it. */
static void send_invalid(struct web_req *r)
{
	send_link_page(r, 403, _("This sign-in link does not work"),
		       _("Please check that you opened the whole link from the email, or ask "
			 "for a new one."));
}

static void send_verdict(struct web_req *r, enum store_signin_verdict v)
{
	if (v == STORE_SIGNIN_EXPIRED)
		send_link_page(r, 410, _("This sign-in link has expired"),
			       _("For your security, sign-in links work for 30 minutes."));
	else if (v == STORE_SIGNIN_USED)
		send_link_page(r, 410, _("This sign-in link was used already"),
			       _("Each sign-in link works once. If you did not use it yourself, "
				 "ask for a new one and sign out everywhere from \xe2\x80\x9cYour "
				 "sessions\xe2\x80\x9d."));
	else
		send_invalid(r);
}

/* Who (kind, id) is, for a button: "Anna Baker" and "Client Ltd" or
 * "Staff". */
static void person_label(struct buf *o, const struct store_identity *id, const char *firm)
{
	buf_puts(o, "<strong>");
	buf_html_escape(o, id->name);
	buf_puts(o, "</strong><span>");
	if (id->kind == STORE_STAFF) {
		web_say(o, _("Staff at %s"), firm);
	} else {
		buf_html_escape(o, id->account_name != NULL ? id->account_name : "");
	}
	buf_puts(o, "</span>");
}

/* 0, or -1 when the entry cannot be written: then no sign-in either. */
static int audit_signin(struct web_req *r, int64_t staff_id)
{
	struct store_audit_in in;
	char *name = web_person_name(r, STORE_STAFF, staff_id), *err = NULL;

	memset(&in, 0, sizeof(in));
	in.actor = STORE_AUDIT_STAFF;
	in.actor_id = staff_id;
	in.actor_name = *name != '\0' ? name : "staff";
	in.action = "signin";
	in.target = "sign-in link";
	in.client = r->peer[0] != '\0' ? r->peer : NULL;
	if (store_audit_append(r->store, &in, NULL, &err) != GW_OK) {
		log_warn("web: staff %lld: cannot write the sign-in audit entry: %s",
			 (long long)staff_id, err != NULL ? err : "");
		free(err);
		free(name);
		return -1;
	}
	free(name);
	return 0;
}

/* Start the session of id; staff sign-ins are audited.  Sends the reply. */
static void signin_as(struct web_req *r, enum store_kind kind, int64_t id)
{
	enum link_principal lk = kind == STORE_CONTACT ? LINK_CONTACT : LINK_STAFF;
	uint32_t gen;

	if (store_link_generation(r->store, lk, id, &gen) < 0) {
		send_invalid(r);
		return;
	}
	/* no sign-in without its audit entry: an error answer rolls both back */
	if (kind == STORE_STAFF && audit_signin(r, id) < 0) {
		web_send_error(r, 503, NULL);
		return;
	}
	if (web_session_start(r, lk, id, gen) < 0)
		return;
	log_info("web: %s %lld signed in by email link", store_kind_name(kind), (long long)id);
	web_send_redirect(r, "/");
}

static void send_pick(struct web_req *r, const struct link_claims *c,
		      const struct store_identity_list *ids)
{
	struct buf main = BUF_INIT;
	struct link_claims pc = *c;
	char token[LINK_TOKEN_MAX];
	char *firm = web_firm_name(r);

	pc.purpose = LINK_PICK;
	pc.expires = clock_now() + STORE_SIGNIN_PICK_TTL;
	if (link_sign(r->keys, &pc, token) < 0) {
		free(firm);
		web_send_error(r, 500, NULL);
		return;
	}
	buf_printf(&main, "<section class=\"card signin\"><h1>%s</h1><p class=\"muted\">"
			"%s</p><ul class=\"choices\">", _("Continue as"),
		   _("Your email address belongs to more than one person here. Who are you "
		     "signing in as?"));
	for (size_t i = 0; i < ids->count; i++) {
		buf_puts(&main, "<li><form method=\"post\" action=\"/signin/pick\">"
				"<input type=\"hidden\" name=\"token\" value=\"");
		buf_puts(&main, token);
		buf_printf(&main, "\"><input type=\"hidden\" name=\"as\" value=\"%c:%lld\">"
				  "<button class=\"choice\" type=\"submit\">",
			   ids->items[i].kind == STORE_STAFF ? 's' : 'c',
			   (long long)ids->items[i].id);
		person_label(&main, &ids->items[i], firm);
		buf_puts(&main, "</button></form></li>");
	}
	buf_printf(&main, "</ul><p class=\"hint\">%s</p></section>",
		   _("You can switch later by signing out and asking for a new link."));
	web_send_page(r, 200, _("Continue as"), &main);
	buf_release(&main);
	free(firm);
}

static void send_button(struct web_req *r, const char *token,
			const struct store_identity_list *ids)
{
	struct buf main = BUF_INIT;
	char *firm = web_firm_name(r);

	if (ids->count == 1 && r->sess.kind == ids->items[0].kind &&
	    r->sess.id == ids->items[0].id) {
		/* Nothing to do, and the link stays unused. */
		buf_printf(&main, "<section class=\"card notice\"><h1>%s</h1><p>",
			   _("You are signed in"));
		web_say(&main, _("This device is signed in as <strong>%s</strong> already."),
			r->sess.name);
		buf_printf(&main, "</p><p><a class=\"button primary\" href=\"/\">"
				"%s</a></p></section>", _("Go to your chats"));
		web_send_page(r, 200, _("Signed in"), &main);
		buf_release(&main);
		free(firm);
		return;
	}
	buf_puts(&main, "<section class=\"card notice\"><h1>");
	web_say(&main, _("Sign in to %s"), firm);
	buf_puts(&main, "</h1>");
	if (r->sess.kind != 0) {
		buf_puts(&main, "<p>");
		web_say(&main, _("This device is signed in as <strong>%s</strong>. Signing in "
				 "below ends that."), r->sess.name);
		buf_puts(&main, "</p>");
	}
	buf_puts(&main, "<form method=\"post\" action=\"/s/");
	buf_puts(&main, token);
	buf_puts(&main, "\"><button class=\"primary wide\" type=\"submit\">");
	if (ids->count == 1)
		web_say(&main, _("Sign in as %s"), ids->items[0].name);
	else
		buf_html_escape(&main, _("Sign in"));
	buf_puts(&main, "</button></form>");
	if (ids->count > 1)
		buf_printf(&main, "<p class=\"hint\">%s</p>",
			   _("Your address belongs to more than one person here: you choose "
			     "who next."));
	if (r->sess.kind != 0) {
		buf_puts(&main, "<p><a href=\"/\">");
		web_say(&main, _("Stay signed in as %s"), r->sess.name);
		buf_puts(&main, "</a></p>");
	} else {
		buf_printf(&main, "<p class=\"hint\">%s</p>",
			   _("The link works once. Press the button to use it."));
	}
	buf_puts(&main, "</section>");
	web_send_page(r, 200, _("Sign in"), &main);
	buf_release(&main);
	free(firm);
}

void web_handle_signin_link(struct web_req *r, const char *token)
{
	struct store_identity_list ids = { 0 };
	enum store_signin_verdict v;
	struct link_claims c;
	enum link_verdict lv;
	int post = r->method == EVHTTP_REQ_POST;
	char *err = NULL;
	enum gw_result res;

	lv = link_verify(r->keys, token, LINK_SIGNIN, clock_now(), NULL, NULL, &c);
	if (lv == LINK_EXPIRED) {
		send_verdict(r, STORE_SIGNIN_EXPIRED);
		return;
	}
	if (lv != LINK_OK || (post && web_post_cross_site(r))) {
		log_info("web: sign-in link refused: %s",
			 lv != LINK_OK ? link_verdict_name(lv) : "posted from another site");
		send_invalid(r);
		return;
	}
	/* The GET only looks: a mail scanner opening the link uses nothing. */
	res = store_signin_check(r->store, c.principal_id, c.generation, clock_now(), post, &v,
				 &ids, &err);
	if (res != GW_OK) {
		web_send_store_error(r, res, err);
		free(err);
		return;
	}
	if (v != STORE_SIGNIN_OK || ids.count == 0) {
		send_verdict(r, v);
	} else if (!post) {
		send_button(r, token, &ids);
	} else if (ids.count == 1) {
		signin_as(r, ids.items[0].kind, ids.items[0].id);
	} else {
		send_pick(r, &c, &ids);
	}
	store_identity_list_free(&ids);
}

void web_handle_signin_pick(struct web_req *r)
{
	const char *token = web_form_get(&r->form, "token");
	const char *as = web_form_get(&r->form, "as");
	enum store_signin_verdict v;
	struct link_claims c;
	enum store_kind kind;
	int64_t id;
	char *err = NULL;
	enum gw_result res;

	if (r->form_status != 0 || web_post_cross_site(r) || token == NULL || as == NULL ||
	    link_verify(r->keys, token, LINK_PICK, clock_now(), NULL, NULL, &c) != LINK_OK ||
	    (as[0] != 's' && as[0] != 'c') || as[1] != ':' || (id = web_parse_id(as + 2)) == 0) {
		send_invalid(r);
		return;
	}
	kind = as[0] == 's' ? STORE_STAFF : STORE_CONTACT;
	res = store_signin_pick(r->store, c.principal_id, c.generation, clock_now(), kind, id, &v,
				&err);
	if (res != GW_OK) {
		web_send_store_error(r, res, err);
		free(err);
		return;
	}
	if (v != STORE_SIGNIN_OK) {
		send_verdict(r, v);
		return;
	}
	signin_as(r, kind, id);
}

/* ---- your sessions ---------------------------------------------------------------- */

struct ua_rule {
	const char *needle;
	const char *name;
};

/* First match wins: Edge and Opera say "Chrome" too, Chrome says "Safari". */
static const struct ua_rule browsers[] = {
	{ "Edg/", "Edge" }, { "OPR/", "Opera" }, { "Firefox/", "Firefox" },
	{ "SamsungBrowser/", "Samsung Internet" }, { "Chrome/", "Chrome" },
	{ "Chromium/", "Chromium" }, { "Safari/", "Safari" },
};
static const struct ua_rule systems[] = {
	{ "iPhone", "iPhone" }, { "iPad", "iPad" }, { "Android", "Android" },
	{ "Windows", "Windows" }, { "CrOS", "ChromeOS" }, { "Mac OS X", "Mac" },
	{ "Macintosh", "Mac" }, { "Linux", "Linux" },
};

static const char *ua_find(const char *ua, const struct ua_rule *rules, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strstr(ua, rules[i].needle) != NULL)
			return rules[i].name;
	return NULL;
}

/* "Chrome on Android", from a User-Agent header. */
static void device_name(struct buf *o, const char *ua)
{
	const char *b = ua != NULL ? ua_find(ua, browsers, GW_ARRAY_SIZE(browsers)) : NULL;
	const char *s = ua != NULL ? ua_find(ua, systems, GW_ARRAY_SIZE(systems)) : NULL;

	if (b != NULL && s != NULL)
		buf_printf(o, "%s on %s", b, s);
	else if (b != NULL || s != NULL)
		buf_puts(o, b != NULL ? b : s);
	else
		buf_html_escape(o, _("Unknown device"));
}

void web_handle_sessions(struct web_req *r)
{
	struct store_session_list list;
	struct buf main = BUF_INIT;
	char *err = NULL;
	enum gw_result res;

	if (r->sess.kind == 0) {
		web_send_redirect(r, "/signin");
		return;
	}
	res = store_session_list(r->store, r->sess.kind, r->sess.id, clock_now(), &list, &err);
	if (res != GW_OK) {
		web_send_store_error(r, res, err);
		free(err);
		return;
	}
	buf_printf(&main, "<div class=\"homehead\"><h1>%s</h1></div>"
			"<p class=\"muted\">%s</p><ul class=\"sessions\">", _("Your sessions"),
		   _("The devices where you are signed in. Sign out of "
		     "one you no longer use or do not recognise."));
	for (size_t i = 0; i < list.count; i++) {
		const struct store_session *x = &list.items[i];
		int here = x->id == r->sess.session_id;

		buf_puts(&main, "<li class=\"card session\"><div class=\"what\"><strong>");
		device_name(&main, x->user_agent);
		buf_puts(&main, "</strong>");
		if (here)
			buf_printf(&main, " <span class=\"tag here\">%s</span>", _("This device"));
		{
			char seen[96], since[96];

			i18n_format_date(x->last_seen_at, I18N_DATETIME | I18N_ZONE_IF_OTHER, seen,
					 sizeof(seen));
			i18n_format_date(x->created_at, I18N_DATE, since, sizeof(since));
			buf_puts(&main, "<span class=\"line2\">");
			web_say2(&main, _("Last seen %s \xc2\xb7 signed in %s"), seen, since);
		}
		buf_puts(&main, "</span></div><form method=\"post\" action=\"/sessions/end\">");
		web_render_csrf(r, &main);
		buf_printf(&main, "<input type=\"hidden\" name=\"id\" value=\"%lld\">"
				  "<button type=\"submit\">%s</button></form></li>",
			   (long long)x->id, _("Sign out"));
	}
	buf_puts(&main, "</ul><form method=\"post\" action=\"/sessions/end\">");
	web_render_csrf(r, &main);
	buf_printf(&main, "<input type=\"hidden\" name=\"id\" value=\"all\">"
			"<button class=\"danger wide\" type=\"submit\">%s"
			"</button></form><p class=\"hint\">%s</p>", _("Sign out everywhere"),
		   _("Signing out everywhere includes this "
		     "device. Links in your emails keep working."));
	store_session_list_free(&list);
	web_send_page(r, 200, _("Your sessions"), &main);
	buf_release(&main);
}

void web_handle_sessions_end(struct web_req *r)
{
	const char *which = web_form_get(&r->form, "id");
	int all = which != NULL && strcmp(which, "all") == 0;
	int64_t id = all || which == NULL ? 0 : web_parse_id(which), n = 0;
	char *err = NULL;
	enum gw_result res;

	if (!all && id == 0) {
		web_send_error(r, 400, _("id: not a session (a number, or \"all\")."));
		return;
	}
	res = store_session_end(r->store, r->sess.kind, r->sess.id, id, &n, &err);
	if (res != GW_OK) {
		web_send_store_error(r, res, err);
		free(err);
		return;
	}
	log_info("web: %s %lld ended %lld session%s", store_kind_name(r->sess.kind),
		 (long long)r->sess.id, (long long)n, n == 1 ? "" : "s");
	if (all || id == r->sess.session_id) {
		web_add_header(r, "Set-Cookie", r->web->secure ?
			       "gw_session=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax; Secure" :
			       "gw_session=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax");
		web_send_redirect(r, "/signin");
		return;
	}
	web_flash(r, "sessions-ended");
	web_send_redirect(r, "/sessions");
}
