/*
 * page_inbox.c - a staff member's inbox: the header link with its unread
 * count on every staff page, GET /inbox (newest first, "unread only"),
 * POST /inbox/ID/open (marks the item read and goes to its place in the
 * thread) and POST /inbox/read (mark all read).
 *
 * Opening is a POST, not a link: a GET never changes state.  Each item
 * is a small form whose button reads as a link.  The header count is kept
 * live by static/app.js over GET /inbox/events (sse.c); its sentence goes
 * to a polite live region, so a screen reader hears it without the focus
 * moving.  A contact, or a visitor, finds nothing here (404).
 */
#include "web_int.h"

#include <stdlib.h>
#include <string.h>

#include <event2/http.h>

#include "i18n.h"
#include "inbox.h"

void web_render_inbox_link(struct web_req *r, struct buf *o)
{
	int64_t unread = 0;

	if (r->sess.kind != STORE_STAFF || r->store == NULL ||
	    store_inbox_unread(r->store, r->sess.id, &unread, NULL, NULL) != GW_OK)
		unread = 0;
	if (r->sess.kind != STORE_STAFF)
		return;
	buf_printf(o, "<a class=\"inboxlink\" href=\"/inbox\" data-events=\"/inbox/events\">%s"
		      " <span class=\"badge%s\" id=\"inboxcount\">%lld</span>"
		      "<span class=\"sr\"> ", _("Inbox"), unread > 0 ? "" : " zero",
		   (long long)unread);
	buf_printf(o, ngettext("%lld unread item", "%lld unread items", (unsigned long)unread),
		   (long long)unread);
	buf_puts(o, "</span></a><span class=\"sr\" id=\"inboxlive\" role=\"status\" "
		    "aria-live=\"polite\"></span>");
}

/* What happened, in one sentence naming who did it (escaped). */
static void render_what(struct buf *o, const struct store_inbox_item *it)
{
	struct buf name = BUF_INIT;
	const char *n;

	buf_html_escape(&name, it->actor_name[0] != '\0' ? it->actor_name : _("Someone"));
	n = name.data != NULL ? name.data : "";
	switch (it->kind) {
	case STORE_INBOX_REPLY:
		buf_printf(o, _("%s replied"), n);
		break;
	case STORE_INBOX_CHAT:
		buf_printf(o, _("%s started a chat"), n);
		break;
	case STORE_INBOX_TASK:
		if (strcmp(it->detail, "undone") == 0)
			buf_printf(o, _("%s marked a task as not done"), n);
		else
			buf_printf(o, _("%s completed a task"), n);
		break;
	case STORE_INBOX_UPLOAD:
		buf_printf(o, _("%s uploaded a file"), n);
		break;
	case STORE_INBOX_MENTION:
		buf_printf(o, _("%s mentioned you"), n);
		break;
	case STORE_INBOX_EMAIL_REPLY:
		buf_printf(o, _("%s tried to answer by email; they were sent an explanation"), n);
		break;
	case STORE_INBOX_BOUNCING:
		buf_printf(o, _("Email to %s bounces"), n);
		break;
	default:
		buf_puts(o, n);
		break;
	}
	buf_release(&name);
}

static void render_item(struct web_req *r, struct buf *o, const struct store_inbox_item *it)
{
	int unread = it->read_at == 0;

	buf_printf(o, "<li class=\"item%s\"><form method=\"post\" action=\"/inbox/%lld/open\">",
		   unread ? " unread" : "", (long long)it->id);
	web_render_csrf(r, o);
	buf_puts(o, "<button type=\"submit\" class=\"itemlink\"><span class=\"what\">");
	if (unread)
		buf_printf(o, "<span class=\"dot\" aria-hidden=\"true\"></span>"
			      "<span class=\"sr\">%s </span>", _("Unread:"));
	render_what(o, it);
	buf_puts(o, "</span><span class=\"where\">");
	if (it->subject[0] != '\0')
		buf_html_escape(o, it->subject);
	if (it->subject[0] != '\0' && it->account_name[0] != '\0')
		buf_puts(o, " \xc2\xb7 ");
	buf_html_escape(o, it->account_name);
	buf_puts(o, "</span>");
	web_render_time(o, it->created_at);
	buf_puts(o, "</button></form></li>");
}

static int unread_only(struct web_req *r)
{
	const char *q = r->uri != NULL ? evhttp_uri_get_query(r->uri) : NULL;
	struct web_form qf = { NULL, 0 };
	const char *v;
	int only = 0;

	if (q != NULL && web_form_parse_urlencoded(q, strlen(q), &qf) == 0 &&
	    (v = web_form_get(&qf, "show")) != NULL)
		only = strcmp(v, "unread") == 0;
	web_form_clear(&qf);
	return only;
}

void web_handle_inbox(struct web_req *r)
{
	struct store_inbox_list list = { 0 };
	struct buf main = BUF_INIT;
	char *err = NULL;
	int only;
	enum gw_result res;

	if (r->sess.kind != STORE_STAFF) {
		web_send_error(r, 404, NULL);
		return;
	}
	only = unread_only(r);
	res = store_inbox_list(r->store, r->sess.id, only, STORE_INBOX_LIMIT_DEFAULT, 0, &list,
			       &err);
	if (res != GW_OK) {
		web_send_store_error(r, res, err);
		free(err);
		return;
	}
	buf_printf(&main, "<section class=\"card inbox\"><div class=\"inboxhead\"><h1>%s</h1>",
		   _("Inbox"));
	if (list.unread > 0) {
		buf_puts(&main, "<form method=\"post\" action=\"/inbox/read\">");
		web_render_csrf(r, &main);
		buf_printf(&main, "<button type=\"submit\">%s</button></form>",
			   _("Mark all as read"));
	}
	buf_printf(&main, "</div><nav class=\"tabs\" aria-label=\"%s\">"
			  "<a href=\"/inbox\"%s>%s</a><a href=\"/inbox?show=unread\"%s>%s</a></nav>",
		   _("Inbox filter"), only ? "" : " aria-current=\"page\"", _("All"),
		   only ? " aria-current=\"page\"" : "", _("Unread"));
	if (list.count == 0) {
		buf_printf(&main, "<p class=\"empty\">%s</p>",
			   only ? _("Nothing unread.") : _("Nothing here yet. Replies, new chats, "
							  "tasks, files and mentions that concern "
							  "you will appear here."));
	} else {
		buf_puts(&main, "<ul class=\"inboxlist\">");
		for (size_t i = 0; i < list.count; i++)
			render_item(r, &main, &list.items[i]);
		buf_puts(&main, "</ul>");
	}
	buf_puts(&main, "</section>");
	web_send_page(r, 200, _("Inbox"), &main);
	buf_release(&main);
	store_inbox_list_free(&list);
}

void web_handle_inbox_open(struct web_req *r)
{
	struct store_inbox_item it;
	char *err = NULL, *path;
	enum gw_result res;

	if (r->sess.kind != STORE_STAFF) {
		web_send_error(r, 404, NULL);
		return;
	}
	res = store_inbox_open(r->store, r->sess.id, r->id, &it, &err);
	if (res != GW_OK) {
		web_send_store_error(r, res, err);
		free(err);
		return;
	}
	path = store_inbox_item_path(&it);
	web_send_redirect(r, path);
	free(path);
	store_inbox_item_clear(&it);
}

void web_handle_inbox_read(struct web_req *r)
{
	char *err = NULL;
	enum gw_result res;

	if (r->sess.kind != STORE_STAFF) {
		web_send_error(r, 404, NULL);
		return;
	}
	res = store_inbox_mark_read(r->store, r->sess.id, NULL, 0, NULL, &err);
	if (res != GW_OK) {
		web_send_store_error(r, res, err);
		free(err);
		return;
	}
	web_flash(r, "inbox-read");
	web_send_redirect(r, "/inbox");
}
