/*
 * page_search.c - what staff use to find things: the search and filter
 * form of the home page with its list of chats (each row the last
 * message or the words that matched), the accounts page (GET /accounts)
 * and the account picker of the new-chat form.
 *
 * Everything works without JavaScript: the home page's form is a GET
 * that the server answers with the list; the picker's filter and "select
 * all shown" are buttons that post the new-chat form to /new/pick, which
 * shows it again, narrowed, with everything typed kept (app.js does the
 * same in the page when it can).  Words that matched come from the store
 * between STORE_MARK_ON and STORE_MARK_OFF; everything is escaped first
 * and only those marks become <mark>.
 */
#include "web_int.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/http.h>

#include "i18n.h"
#include "search.h"

#define LIST_PAGE 100

/* ---- the query string ---- */

struct staff_query {
	struct web_form qf;        /* the parsed query string */
	const char *q;
	int64_t account;
	int mine, following, unread, reminders;
	enum store_archived_filter show;
	int show_given;            /* ?show= was in the address */
	int page;                  /* 0-based */
};

static int flag(const struct web_form *qf, const char *name)
{
	const char *v = web_form_get(qf, name);

	return v != NULL && *v != '\0' && strcmp(v, "0") != 0;
}

/* 0, or -1 when a value is not one the form offers (field in *bad_r). */
static int query_parse(struct web_req *r, struct staff_query *sq, const char **bad_r)
{
	const char *qs = r->uri != NULL ? evhttp_uri_get_query(r->uri) : NULL;
	const char *v;

	memset(sq, 0, sizeof(*sq));
	if (qs != NULL && web_form_parse_urlencoded(qs, strlen(qs), &sq->qf) < 0) {
		*bad_r = "q";
		return -1;
	}
	sq->q = web_form_get(&sq->qf, "q");
	if (sq->q != NULL && strspn(sq->q, " \t\r\n") == strlen(sq->q))
		sq->q = NULL;
	if ((v = web_form_get(&sq->qf, "account")) != NULL && *v != '\0' &&
	    (sq->account = web_parse_id(v)) == 0) {
		*bad_r = "account";
		return -1;
	}
	sq->mine = flag(&sq->qf, "mine");
	sq->following = flag(&sq->qf, "following");
	sq->unread = flag(&sq->qf, "unread");
	sq->reminders = flag(&sq->qf, "reminders");
	/* A search looks in archived chats too unless told otherwise. */
	sq->show = sq->q != NULL ? STORE_ARCHIVED_ANY : STORE_ARCHIVED_NO;
	if ((v = web_form_get(&sq->qf, "show")) != NULL && *v != '\0') {
		sq->show_given = 1;
		if (strcmp(v, "open") == 0)
			sq->show = STORE_ARCHIVED_NO;
		else if (strcmp(v, "archived") == 0)
			sq->show = STORE_ARCHIVED_ONLY;
		else if (strcmp(v, "all") == 0)
			sq->show = STORE_ARCHIVED_ANY;
		else {
			*bad_r = "show";
			return -1;
		}
	}
	if ((v = web_form_get(&sq->qf, "page")) != NULL && *v != '\0') {
		int64_t p = web_parse_id(v);

		if (p < 1 || p > 10000) {
			*bad_r = "page";
			return -1;
		}
		sq->page = (int)p - 1;
	}
	return 0;
}

/* The page's own query string with show and page replaced (escaped for
 * an attribute). */
static void query_link(struct buf *o, const struct staff_query *sq, const char *show, int page)
{
	struct buf u = BUF_INIT;
	char *enc;

	buf_puts(&u, "/?");
	if (sq->q != NULL) {
		enc = evhttp_encode_uri(sq->q);
		buf_printf(&u, "q=%s&", enc != NULL ? enc : "");
		free(enc);
	}
	if (sq->account != 0)
		buf_printf(&u, "account=%lld&", (long long)sq->account);
	if (sq->mine)
		buf_puts(&u, "mine=1&");
	if (sq->following)
		buf_puts(&u, "following=1&");
	if (sq->unread)
		buf_puts(&u, "unread=1&");
	if (sq->reminders)
		buf_puts(&u, "reminders=1&");
	buf_printf(&u, "show=%s", show);
	if (page > 0)
		buf_printf(&u, "&page=%d", page + 1);
	buf_html_escape(o, buf_cstr(&u));
	buf_release(&u);
}

/* ---- loading ---- */

int web_staff_list_load(struct web_req *r, struct web_staff_list *l)
{
	struct store_search_filter f;
	struct staff_query *sq = xcalloc(1, sizeof(*sq));
	const char *bad = NULL;
	char *err = NULL;
	enum gw_result res;

	memset(l, 0, sizeof(*l));
	l->query = sq;
	l->code = 200;
	if (query_parse(r, sq, &bad) < 0) {
		l->code = 400;
		l->error = xasprintf(_("Nothing was searched: the value of \"%s\" is not one "
				       "the form offers."), bad);
		return 0;
	}
	memset(&f, 0, sizeof(f));
	f.staff_id = r->sess.id;
	f.query = sq->q;
	f.account_id = sq->account;
	f.assigned = sq->mine;
	f.following = sq->following;
	f.unread = sq->unread;
	f.reminders = sq->reminders;
	f.archived = sq->show;
	f.limit = LIST_PAGE + 1;  /* one more tells whether there is a next page */
	f.offset = sq->page * LIST_PAGE;
	res = store_search(r->store, &f, &l->hits, &err);
	if (res == GW_NOTFOUND) {
		/* An account this person does not see is one that does not exist. */
		free(err);
		web_send_error(r, 404, NULL);
		web_staff_list_clear(l);
		return -1;
	}
	if (res == GW_INVALID) {
		l->code = 400;
		l->error = xasprintf(_("Nothing was searched: %s."), err);
		free(err);
		return 0;
	}
	if (res != GW_OK) {
		web_send_store_error(r, res, err);
		free(err);
		web_staff_list_clear(l);
		return -1;
	}
	l->more = l->hits.count > LIST_PAGE;
	l->shown = l->more ? LIST_PAGE : l->hits.count;
	(void)store_account_list(r->store, r->sess.id, &l->accounts, NULL);
	return 0;
}

void web_staff_list_clear(struct web_staff_list *l)
{
	struct staff_query *sq = l->query;

	store_search_list_free(&l->hits);
	store_account_list_free(&l->accounts);
	if (sq != NULL)
		web_form_clear(&sq->qf);
	free(sq);
	free(l->error);
	memset(l, 0, sizeof(*l));
}

/* ---- rendering ---- */

static void check(struct buf *o, const char *name, int on, const char *label)
{
	buf_printf(o, "<label class=\"check\"><input type=\"checkbox\" name=\"%s\" value=\"1\"%s> ",
		   name, on ? " checked" : "");
	buf_html_escape(o, label);
	buf_puts(o, "</label>");
}

static void render_tab(struct buf *o, const struct staff_query *sq, const char *show,
		       enum store_archived_filter which, const char *label)
{
	buf_puts(o, "<a href=\"");
	query_link(o, sq, show, 0);
	buf_printf(o, "\"%s>", sq->show == which ? " aria-current=\"page\"" : "");
	buf_html_escape(o, label);
	buf_puts(o, "</a>");
}

void web_staff_list_head(struct web_req *r, struct buf *o, const struct web_staff_list *l)
{
	const struct staff_query *sq = l->query;
	const char *show = sq->show == STORE_ARCHIVED_ONLY ? "archived"
			   : sq->show == STORE_ARCHIVED_ANY ? "all" : "open";

	(void)r;
	buf_puts(o, "<nav class=\"tabs\" aria-label=\"");
	buf_html_escape(o, _("Which chats"));
	buf_puts(o, "\">");
	render_tab(o, sq, "open", STORE_ARCHIVED_NO, pgettext("chats", "Open"));
	render_tab(o, sq, "archived", STORE_ARCHIVED_ONLY, _("Archived"));
	render_tab(o, sq, "all", STORE_ARCHIVED_ANY, _("All"));
	buf_puts(o, "</nav><a class=\"auditlink\" href=\"/accounts\">");
	buf_html_escape(o, _("Clients"));
	buf_puts(o, "</a></div>");
	/* The search: a GET form, so that a result is a link. */
	buf_puts(o, "<form class=\"card finder\" method=\"get\" action=\"/\" role=\"search\">"
		    "<div class=\"findrow\"><label class=\"sr\" for=\"q\">");
	buf_html_escape(o, _("Search chats"));
	buf_puts(o, "</label><input type=\"search\" id=\"q\" name=\"q\" maxlength=\""
		    GW_STR(STORE_SEARCH_QUERY_MAX) "\" placeholder=\"");
	buf_html_escape(o, _("Search subjects, messages, clients and contacts"));
	buf_puts(o, "\" value=\"");
	if (sq->q != NULL)
		buf_html_escape(o, sq->q);
	buf_puts(o, "\"><button class=\"primary\" type=\"submit\">");
	buf_html_escape(o, _("Search"));
	buf_puts(o, "</button></div><div class=\"filters\"><label class=\"acct\">");
	buf_html_escape(o, _("Client"));
	buf_puts(o, "<select name=\"account\"><option value=\"\">");
	buf_html_escape(o, _("All clients"));
	buf_puts(o, "</option>");
	for (size_t i = 0; i < l->accounts.count; i++) {
		const struct store_account *a = &l->accounts.items[i];

		buf_printf(o, "<option value=\"%lld\"%s>", (long long)a->id,
			   a->id == sq->account ? " selected" : "");
		buf_html_escape(o, a->name);
		buf_puts(o, "</option>");
	}
	buf_puts(o, "</select></label>");
	check(o, "mine", sq->mine, _("Assigned to me"));
	check(o, "following", sq->following, _("Following"));
	check(o, "unread", sq->unread, _("Unread"));
	check(o, "reminders", sq->reminders, _("Reminders on"));
	/* A tab chosen stays chosen; otherwise a search looks everywhere. */
	if (sq->show_given)
		buf_printf(o, "<input type=\"hidden\" name=\"show\" value=\"%s\">", show);
	if (sq->q != NULL || sq->account != 0 || sq->mine || sq->following || sq->unread ||
	    sq->reminders) {
		buf_puts(o, "<a class=\"clear\" href=\"/\">");
		buf_html_escape(o, _("Clear"));
		buf_puts(o, "</a>");
	}
	buf_puts(o, "</div></form>");
	if (l->error != NULL) {
		buf_puts(o, "<p class=\"error\" role=\"alert\">");
		buf_html_escape(o, l->error);
		buf_puts(o, "</p>");
	}
}

static void render_row(struct buf *o, const struct store_search_hit *h)
{
	const struct store_thread *t = &h->thread;
	const struct store_reminders *rem = &t->reminders;
	char *title;

	buf_printf(o, "<li><a class=\"tcard%s\" href=\"/t/%lld\"><span class=\"line1\">"
		      "<span class=\"subject\">",
		   t->unread_count > 0 ? " unread" : "", (long long)t->id);
	if (h->subject_marked != NULL)
		buf_html_escape_marked(o, h->subject_marked);
	else
		buf_html_escape(o, t->subject);
	buf_puts(o, "</span>");
	if (rem->enabled && rem->remaining > 0 && rem->next_due > 0 && !t->archived)
		web_render_bell(o);
	if (t->unread_count > 0) {
		title = xasprintf(ngettext("%lld unread message", "%lld unread messages",
					   (unsigned long)t->unread_count),
				  (long long)t->unread_count);
		buf_puts(o, "<span class=\"badge\" title=\"");
		buf_html_escape(o, title);
		buf_printf(o, "\"><span aria-hidden=\"true\">%lld</span><span class=\"sr\">",
			   (long long)t->unread_count);
		buf_html_escape(o, title);
		buf_puts(o, "</span></span>");
		free(title);
	}
	buf_puts(o, "</span><span class=\"line2\">");
	buf_html_escape(o, t->account_name);
	buf_puts(o, " \xc2\xb7 ");
	if (t->archived) {
		buf_html_escape(o, _("Archived"));
		buf_puts(o, " \xc2\xb7 ");
	}
	web_render_time(o, h->last_at != 0 ? h->last_at : t->created_at);
	buf_puts(o, "</span>");
	if (h->snippet != NULL) {
		buf_puts(o, "<span class=\"line3 snippet\">");
		if (h->snippet_staff_only) {
			buf_puts(o, "<span class=\"tag private\">");
			buf_html_escape(o, _("Internal note"));
			buf_puts(o, "</span> ");
		}
		buf_html_escape_marked(o, h->snippet);
		buf_puts(o, "</span>");
	} else if (h->last_line != NULL && h->last_line[0] != '\0') {
		buf_puts(o, "<span class=\"line3\">");
		if (h->last_staff_only) {
			buf_puts(o, "<span class=\"tag private\">");
			buf_html_escape(o, _("Internal note"));
			buf_puts(o, "</span> ");
		}
		if (h->last_author != NULL && h->last_author[0] != '\0') {
			buf_puts(o, "<span class=\"author\">");
			buf_html_escape(o, h->last_author);
			buf_puts(o, ":</span> ");
		}
		buf_html_escape(o, h->last_line);
		buf_puts(o, "</span>");
	}
	buf_puts(o, "</a></li>");
}

void web_staff_list_render(struct buf *o, const struct web_staff_list *l)
{
	const struct staff_query *sq = l->query;
	const char *show = sq->show == STORE_ARCHIVED_ONLY ? "archived"
			   : sq->show == STORE_ARCHIVED_ANY ? "all" : "open";

	if (sq->q != NULL && l->error == NULL) {
		char *said = xasprintf(ngettext("%zu chat found", "%zu chats found",
						(unsigned long)l->shown),
				       l->shown);

		buf_puts(o, "<p class=\"found\" role=\"status\">");
		buf_html_escape(o, l->more ? _("More than 100 chats found; the newest first.")
					   : said);
		buf_puts(o, "</p>");
		free(said);
	}
	if (l->shown == 0) {
		buf_puts(o, "<p class=\"empty card\">");
		buf_html_escape(o, sq->q != NULL ? _("No chat matches.") : _("No chats here."));
		buf_puts(o, "</p>");
		return;
	}
	buf_puts(o, "<ul class=\"threads\">");
	for (size_t i = 0; i < l->shown; i++)
		render_row(o, &l->hits.items[i]);
	buf_puts(o, "</ul>");
	if (sq->page > 0 || l->more) {
		buf_puts(o, "<nav class=\"pager\">");
		if (sq->page > 0) {
			buf_puts(o, "<a href=\"");
			query_link(o, sq, show, sq->page - 1);
			buf_puts(o, "\">");
			buf_html_escape(o, _("Newer"));
			buf_puts(o, "</a>");
		}
		if (l->more) {
			buf_puts(o, "<a href=\"");
			query_link(o, sq, show, sq->page + 1);
			buf_puts(o, "\">");
			buf_html_escape(o, _("Older"));
			buf_puts(o, "</a>");
		}
		buf_puts(o, "</nav>");
	}
}

/* ---- the account picker of the new-chat form ---- */

/* Does name hold filter, ignoring ASCII case?  An empty filter: yes. */
static int name_matches(const char *name, const char *filter)
{
	size_t n = filter != NULL ? strlen(filter) : 0;

	if (n == 0)
		return 1;
	for (const char *p = name; *p != '\0'; p++)
		if (strncasecmp(p, filter, n) == 0)
			return 1;
	return 0;
}

static int picked(const struct web_form *pf, int64_t id)
{
	for (size_t k = 0; pf != NULL && k < pf->count; k++)
		if (strcmp(pf->fields[k].name, "account") == 0 &&
		    web_parse_id(pf->fields[k].value) == id)
			return 1;
	return 0;
}

void web_render_account_picker(struct web_req *r, struct buf *o,
			       const struct store_account_list *accounts,
			       const struct web_form *pf)
{
	const char *filter = pf != NULL ? web_form_get(pf, "pick") : NULL;
	int all = pf != NULL && web_form_get(pf, "pick_all") != NULL;
	size_t shown = 0, chosen = 0;
	struct buf list = BUF_INIT;
	char *said;

	(void)r;
	if (filter != NULL && strspn(filter, " ") == strlen(filter))
		filter = NULL;
	for (size_t i = 0; i < accounts->count; i++) {
		const struct store_account *a = &accounts->items[i];
		int match = name_matches(a->name, filter);
		int on = picked(pf, a->id) || (all && match);

		shown += match;
		chosen += on;
		/* Every account is in the form; those the filter leaves out
		 * are hidden and still sent when ticked. */
		buf_printf(&list, "<label class=\"check\"%s><input type=\"checkbox\" "
				  "name=\"account\" value=\"%lld\"%s> ",
			   match ? "" : " hidden", (long long)a->id, on ? " checked" : "");
		buf_html_escape(&list, a->name);
		buf_puts(&list, "</label>");
	}
	buf_puts(o, "<fieldset class=\"picker\" id=\"picker\" data-picker><legend>");
	buf_html_escape(o, _("To one or several clients"));
	buf_puts(o, "</legend>");
	if (accounts->count > 1) {
		buf_puts(o, "<div class=\"pickbar\"><label for=\"pick\">");
		buf_html_escape(o, _("Filter clients"));
		buf_puts(o, "</label><div class=\"findrow\"><input type=\"search\" id=\"pick\" "
			    "name=\"pick\" autocomplete=\"off\" value=\"");
		if (filter != NULL)
			buf_html_escape(o, filter);
		/* formaction: the new-chat form comes back narrowed, with
		 * what was typed; no chat is created. */
		buf_puts(o, "\"><button type=\"submit\" name=\"pick_go\" value=\"1\" "
			    "formnovalidate formaction=\"/new/pick?csrf=" WEB_CSRF_MARK "#picker\">");
		buf_html_escape(o, _("Filter"));
		buf_puts(o, "</button></div><button type=\"submit\" name=\"pick_all\" value=\"1\" "
			    "class=\"pickall\" formnovalidate formaction=\"/new/pick?csrf="
			    WEB_CSRF_MARK "#picker\">");
		buf_html_escape(o, _("Select all shown"));
		buf_puts(o, "</button></div>");
	}
	said = xasprintf(_("%1$zu of %2$zu clients shown, %3$zu selected."), shown,
			 accounts->count, chosen);
	/* The same words for app.js, which counts as one types. */
	buf_puts(o, "<p class=\"hint pickcount\" role=\"status\" aria-live=\"polite\" "
		    "data-words=\"");
	buf_html_escape(o, _("%1$zu of %2$zu clients shown, %3$zu selected."));
	buf_puts(o, "\">");
	buf_html_escape(o, said);
	buf_puts(o, "</p><div class=\"accounts\">");
	buf_append(o, list.data, list.len);
	buf_puts(o, "</div></fieldset>");
	free(said);
	buf_release(&list);
}

/* ---- GET /accounts ---- */

void web_handle_accounts(struct web_req *r)
{
	struct store_account_summary_list l = { NULL, 0 };
	struct web_form qf = { NULL, 0 };
	const char *qs = r->uri != NULL ? evhttp_uri_get_query(r->uri) : NULL;
	const char *filter = NULL;
	struct buf main = BUF_INIT;
	char *err = NULL;
	size_t shown = 0;
	enum gw_result res;

	if (r->sess.kind != STORE_STAFF) {
		web_send_error(r, 404, NULL);
		return;
	}
	if (qs != NULL && web_form_parse_urlencoded(qs, strlen(qs), &qf) == 0)
		filter = web_form_get(&qf, "q");
	res = store_account_summaries(r->store, r->sess.id, &l, &err);
	if (res != GW_OK) {
		web_send_store_error(r, res, err);
		free(err);
		web_form_clear(&qf);
		return;
	}
	buf_puts(&main, "<div class=\"homehead\"><h1>");
	buf_html_escape(&main, _("Clients"));
	buf_puts(&main, "</h1><a class=\"auditlink\" href=\"/\">");
	buf_html_escape(&main, _("Chats"));
	buf_puts(&main, "</a></div><form class=\"card finder\" method=\"get\" "
			"action=\"/accounts\" role=\"search\"><div class=\"findrow\">"
			"<label class=\"sr\" for=\"aq\">");
	buf_html_escape(&main, _("Filter clients"));
	buf_puts(&main, "</label><input type=\"search\" id=\"aq\" name=\"q\" "
			"data-filter=\"accountlist\" placeholder=\"");
	buf_html_escape(&main, _("Filter clients by name"));
	buf_puts(&main, "\" value=\"");
	if (filter != NULL)
		buf_html_escape(&main, filter);
	buf_puts(&main, "\"><button type=\"submit\">");
	buf_html_escape(&main, _("Filter"));
	buf_puts(&main, "</button></div></form><ul class=\"threads\" id=\"accountlist\">");
	for (size_t i = 0; i < l.count; i++) {
		const struct store_account_summary *a = &l.items[i];
		char *open = xasprintf(ngettext("%lld open chat", "%lld open chats",
						(unsigned long)a->open_threads),
				       (long long)a->open_threads);
		char *unread = xasprintf(ngettext("%lld unread", "%lld unread",
						  (unsigned long)a->unread),
					 (long long)a->unread);
		char *contacts = xasprintf(ngettext("%lld contact", "%lld contacts",
						    (unsigned long)a->contacts),
					   (long long)a->contacts);
		int match = name_matches(a->name, filter);

		shown += match;
		buf_printf(&main, "<li%s><a class=\"tcard%s\" href=\"/?account=%lld\">"
				  "<span class=\"line1\"><span class=\"subject\">",
			   match ? "" : " hidden", a->unread > 0 ? " unread" : "", (long long)a->id);
		buf_html_escape(&main, a->name);
		buf_puts(&main, "</span>");
		if (a->unread > 0)
			buf_printf(&main, "<span class=\"badge\" aria-hidden=\"true\">%lld</span>",
				   (long long)a->unread);
		buf_puts(&main, "</span><span class=\"line2\">");
		buf_html_escape(&main, open);
		buf_puts(&main, " \xc2\xb7 ");
		buf_html_escape(&main, unread);
		buf_puts(&main, " \xc2\xb7 ");
		buf_html_escape(&main, contacts);
		if (a->assigned) {
			buf_puts(&main, " \xc2\xb7 ");
			buf_html_escape(&main, _("assigned to you"));
		}
		if (a->last_message_at != 0) {
			buf_puts(&main, " \xc2\xb7 ");
			web_render_time(&main, a->last_message_at);
		}
		buf_puts(&main, "</span></a>");
		buf_printf(&main, "<a class=\"acctdocs\" href=\"/accounts/%lld/documents\">",
			   (long long)a->id);
		buf_html_escape(&main, _("Documents"));
		buf_puts(&main, "<span class=\"sr\"> ");
		buf_html_escape(&main, a->name);
		buf_puts(&main, "</span></a></li>");
		free(open);
		free(unread);
		free(contacts);
	}
	buf_puts(&main, "</ul>");
	if (shown == 0) {
		buf_puts(&main, "<p class=\"empty card\">");
		buf_html_escape(&main, l.count == 0 ? _("No clients yet.")
						    : _("No client has that name."));
		buf_puts(&main, "</p>");
	}
	web_send_page(r, 200, _("Clients"), &main);
	buf_release(&main);
	web_form_clear(&qf);
	store_account_summary_list_free(&l);
}
