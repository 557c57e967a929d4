/*
 * page_audit.c - the audit log in the web view: recording what a staff
 * member saw or changed (store/audit.h), the owners' page that reads the
 * log back (GET /audit, newest first, a page at a time), and the legal
 * hold of an account (shown in a thread's staff box; owners and admins
 * set and lift it with POST /accounts/ID/hold).
 *
 * A view is a GET answered by a read job, which may not write: its entry
 * goes to the store pool (store_pool_audit_defer()), whose writer lane
 * appends it within a second.  A change appends its entry in the
 * request's own transaction: both are committed, or neither.
 * Entries name what was touched by kind and id, never its text.
 */
#include "web_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "audit.h"
#include "clock.h"
#include "log.h"
#include "retention.h"

#define AUDIT_PAGE 50

void web_audit_target(struct web_req *r, const char *kind, int64_t id)
{
	snprintf(r->audit_target, sizeof(r->audit_target), "%s %lld", kind, (long long)id);
}

/* What a route touched when its handler did not say: from the path. */
static void default_target(struct web_req *r)
{
	static const struct { const char *prefix, *kind; } kinds[] = {
		{ "/a/", "attachment" }, { "/c/", "contact" }, { "/accounts/", "account" },
	};

	if (r->audit_target[0] != '\0' || r->id == 0)
		return;
	for (size_t i = 0; i < GW_ARRAY_SIZE(kinds); i++)
		if (strncmp(r->path, kinds[i].prefix, strlen(kinds[i].prefix)) == 0)
			web_audit_target(r, kinds[i].kind, r->id);
}

int web_audit_record(struct web_req *r, const char *route_action, int write)
{
	struct store_audit_in in;
	char *err = NULL;

	memset(&in, 0, sizeof(in));
	default_target(r);
	in.actor = STORE_AUDIT_STAFF;
	in.actor_id = r->sess.id;
	in.actor_name = r->sess.name != NULL && r->sess.name[0] != '\0' ? r->sess.name : "staff";
	in.action = r->audit_action != NULL ? r->audit_action : route_action;
	in.thread_id = r->audit_thread;
	if (in.thread_id == 0 && strncmp(r->path, "/t/", 3) == 0)
		in.thread_id = r->id;
	if (strncmp(r->path, "/accounts/", 10) == 0)
		in.account_id = r->id;
	in.target = r->audit_target[0] != '\0' ? r->audit_target : NULL;
	in.client = r->peer[0] != '\0' ? r->peer : NULL;
	if (!write) {
		in.at = clock_now();   /* when it was seen, not when appended */
		store_pool_audit_defer(r->web->pool, &in);
		return 0;
	}
	if (store_audit_append(r->store, &in, NULL, &err) != GW_OK) {
		log_warn("web: %s: staff %lld: cannot write the audit entry: %s", r->path,
			 (long long)r->sess.id, err != NULL ? err : "");
		free(err);
		return -1;
	}
	return 0;
}

/* ---- the legal hold ---------------------------------------------------- */

static int may_hold(const struct web_req *r)
{
	return r->sess.kind == STORE_STAFF &&
	       (r->sess.role == STORE_ROLE_OWNER || r->sess.role == STORE_ROLE_ADMIN);
}

void web_render_account_hold(struct web_req *r, struct buf *o, int64_t account_id,
			     int64_t thread_id)
{
	int held = 0;
	int64_t since = 0;

	if (store_account_held(r->store, account_id, &held, &since, NULL) != GW_OK)
		return;
	buf_printf(o, "<div class=\"hold\"><h3>%s</h3><p>", _("Legal hold"));
	if (held) {
		char day[96];

		i18n_format_date(since, I18N_DATE, day, sizeof(day));
		buf_printf(o, "<span class=\"tag held\">%s</span> ", _("On hold"));
		web_say(o, _("since %s: nothing of this account is deleted by retention."), day);
	} else {
		buf_html_escape(o, _("Off: retention deletes what is older than the firm keeps."));
	}
	buf_puts(o, "</p>");
	if (may_hold(r)) {
		buf_printf(o, "<form method=\"post\" action=\"/accounts/%lld/hold\">",
			   (long long)account_id);
		web_render_csrf(r, o);
		buf_printf(o, "<input type=\"hidden\" name=\"on\" value=\"%d\">"
			      "<input type=\"hidden\" name=\"thread\" value=\"%lld\">"
			      "<button type=\"submit\">%s</button></form>",
			   held ? 0 : 1, (long long)thread_id,
			   held ? _("Lift the legal hold") : _("Put on legal hold"));
	}
	buf_puts(o, "</div>");
}

void web_handle_hold(struct web_req *r)
{
	const char *on = web_form_get(&r->form, "on");
	int64_t thread_id = web_parse_id(web_form_get(&r->form, "thread"));
	char *err = NULL, location[64];
	enum gw_result res;

	if (!may_hold(r)) {
		web_send_error(r, 403, _("Only owners and admins can set a legal hold."));
		return;
	}
	if (on == NULL || (strcmp(on, "0") != 0 && strcmp(on, "1") != 0)) {
		web_send_error(r, 400, _("on: 1 to set the hold, 0 to lift it"));
		return;
	}
	res = store_account_set_hold(r->store, r->id, on[0] == '1', &err);
	if (res != GW_OK) {
		web_send_store_error(r, res, err);
		free(err);
		return;
	}
	snprintf(r->audit_target, sizeof(r->audit_target), "account %lld hold %s",
		 (long long)r->id, on[0] == '1' ? "on" : "off");
	log_info("web: account %lld: staff %lld: legal hold %s", (long long)r->id,
		 (long long)r->sess.id, on[0] == '1' ? "on" : "off");
	if (thread_id > 0 &&
	    store_thread_access(r->store, thread_id, STORE_STAFF, r->sess.id, NULL) == GW_OK)
		snprintf(location, sizeof(location), "/t/%lld", (long long)thread_id);
	else
		snprintf(location, sizeof(location), "/");
	web_flash(r, "hold");
	web_send_redirect(r, location);
}

/* ---- GET /audit ------------------------------------------------------------ */

static void render_entry(struct buf *o, const struct store_audit *a)
{
	/* the data-labels head each cell when the table folds into cards */
	buf_printf(o, "<tr><td data-label=\"%s\">", _("When"));
	web_render_time(o, a->at);
	buf_printf(o, "</td><td data-label=\"%s\">", _("Who"));
	buf_html_escape(o, a->actor_name);
	buf_printf(o, " <span class=\"tag\">%s</span></td><td data-label=\"%s\">",
		   store_audit_actor_name(a->actor), _("Action"));
	buf_html_escape(o, a->action);
	buf_printf(o, "</td><td data-label=\"%s\">", _("What"));
	if (a->thread_id != 0) {
		buf_printf(o, "<a href=\"/t/%lld\">", (long long)a->thread_id);
		buf_printf(o, _("thread %lld"), (long long)a->thread_id);
		buf_puts(o, "</a> ");
	}
	if (a->target != NULL)
		buf_html_escape(o, a->target);
	if (a->account_id != 0) {
		buf_printf(o, " <a class=\"acct\" href=\"/audit?account=%lld\">",
			   (long long)a->account_id);
		buf_printf(o, _("account %lld"), (long long)a->account_id);
		buf_puts(o, "</a>");
	}
	buf_printf(o, "</td><td data-label=\"%s\">", _("From"));
	if (a->client != NULL)
		buf_html_escape(o, a->client);
	if (a->api_key != NULL) {
		buf_putc(o, ' ');
		/* TRANSLATORS: before the name of the API key that did it */
		buf_puts(o, _("key"));
		buf_putc(o, ' ');
		buf_html_escape(o, a->api_key);
	}
	buf_puts(o, "</td></tr>");
}

void web_handle_audit(struct web_req *r)
{
	struct evkeyvalq q;
	const char *query = r->uri != NULL ? evhttp_uri_get_query(r->uri) : NULL;
	struct store_audit_filter f = { 0 };
	struct store_audit_list list = { 0 };
	struct buf main = BUF_INIT;
	const char *account, *before, *since;
	int bad_account, bad_since, code = 200;
	char *err = NULL;
	enum gw_result res;

	TAILQ_INIT(&q);
	if (r->sess.kind != STORE_STAFF || r->sess.role != STORE_ROLE_OWNER) {
		web_send_error(r, 404, NULL);
		goto out;
	}
	if (query != NULL && evhttp_parse_query_str(query, &q) < 0) {
		web_send_error(r, 400, NULL);
		goto out;
	}
	/* the filter form sends its empty fields too: empty is absent */
	account = evhttp_find_header(&q, "account");
	before = evhttp_find_header(&q, "before");
	since = evhttp_find_header(&q, "since");
	if (account != NULL && account[0] == '\0')
		account = NULL;
	if (before != NULL && before[0] == '\0')
		before = NULL;
	if (since != NULL && since[0] == '\0')
		since = NULL;
	f.account_id = account != NULL ? web_parse_id(account) : 0;
	f.before_id = before != NULL ? web_parse_id(before) : 0;
	f.limit = AUDIT_PAGE;
	bad_account = account != NULL && f.account_id == 0;
	bad_since = since != NULL && clock_parse(since, &f.since) < 0;
	if (bad_account || bad_since || (before != NULL && f.before_id == 0)) {
		/* the form again, as typed, with the error beside it */
		code = 400;
	} else {
		res = store_audit_list(r->store, &f, &list, &err);
		if (res != GW_OK) {
			web_send_store_error(r, res, err);
			goto out;
		}
	}
	buf_printf(&main, "<section class=\"card audit\"><h1>%s</h1>", _("Audit log"));
	if (code == 400)
		buf_printf(&main, "<p class=\"error\" role=\"alert\" id=\"auditerror\">%s</p>",
			   _("account and before are ids; since is a date such as 2026-11-25"));
	buf_printf(&main, "<form class=\"auditfilter\" method=\"get\" action=\"/audit\">"
			"<label>%s <input type=\"number\" name=\"account\" min=\"1\"", _("Account"));
	if (bad_account)
		buf_puts(&main, " aria-invalid=\"true\" aria-describedby=\"auditerror\" autofocus");
	if (account != NULL) {
		buf_puts(&main, " value=\"");
		buf_html_escape_n(&main, account, strnlen(account, 20));
		buf_puts(&main, "\"");
	}
	buf_printf(&main, "></label><label>%s <input type=\"date\" name=\"since\"", _("Since"));
	if (bad_since)
		buf_puts(&main, " aria-invalid=\"true\" aria-describedby=\"auditerror\" autofocus");
	if (since != NULL && since[0] != '@' && (bad_since || f.since != 0)) {
		buf_puts(&main, " value=\"");
		buf_html_escape_n(&main, since, strnlen(since, bad_since ? 40 : 10));
		buf_puts(&main, "\"");
	}
	buf_printf(&main, "></label><button type=\"submit\">%s</button></form>", _("Show"));
	if (code != 200) {
		/* no list for a filter that could not be read */
	} else if (list.count == 0) {
		buf_printf(&main, "<p class=\"hint\">%s</p>", _("No entries."));
	} else {
		buf_printf(&main, "<div class=\"tablewrap\"><table class=\"auditlog\"><thead><tr>"
				"<th>%s</th><th>%s</th><th>%s</th><th>%s</th>"
				"<th>%s</th></tr></thead><tbody>", _("When"), _("Who"),
			   _("Action"), _("What"), _("From"));
		for (size_t i = 0; i < list.count; i++)
			render_entry(&main, &list.items[i]);
		buf_puts(&main, "</tbody></table></div>");
	}
	if (list.more) {
		buf_printf(&main, "<p class=\"pager\"><a rel=\"next\" href=\"/audit?before=%lld",
			   (long long)list.items[list.count - 1].id);
		if (f.account_id != 0)
			buf_printf(&main, "&amp;account=%lld", (long long)f.account_id);
		if (f.since != 0)
			buf_printf(&main, "&amp;since=@%lld", (long long)f.since);
		buf_printf(&main, "\">%s</a></p>", _("Older entries"));
	}
	buf_puts(&main, "</section>");
	web_send_page(r, code, _("Audit log"), &main);
out:
	evhttp_clear_headers(&q);
	free(err);
	store_audit_list_free(&list);
	buf_release(&main);
}
