/*
 * page_thread.c - the thread page: subject, reminder bell and schedule,
 * the client's tasks, the timeline of messages, notes and files, the
 * read-mark form, the reply form and, for staff, the warning above it when
 * no contact will be emailed, the links to the firm's systems (refs.c),
 * the thread's settings and who gets this (page_people.c).
 *
 * Layout ids the script relies on (static/app.js): #thread (data-events),
 * #bell, #tasks, #timeline, #markread, #replyform.  The script swaps
 * #bell, #tasks and #timeline for fresh copies when the thread changes,
 * leaving the reply being typed alone.
 */
#include "web_int.h"

#include <stdlib.h>
#include <string.h>

#include "log.h"

struct page {
	struct web_req *r;
	struct store_thread_view *view;
	struct buf *out;
	char *firm;
	const struct web_ref_form *refform; /* a refused "add link", or NULL */
	struct store_recipients *people;    /* staff only: who gets this, or NULL */
	/* Names of uploaders who did not write a message. */
	struct {
		enum store_kind kind;
		int64_t id;
		char *name;
	} names[16];
	size_t n_names;
};

static const char *person_name(struct page *pg, enum store_kind kind, int64_t id)
{
	const struct store_thread_view *v = pg->view;
	char *name = NULL;

	for (size_t i = 0; i < v->n_messages; i++)
		if (v->messages[i].author_kind == kind && v->messages[i].author_id == id)
			return v->messages[i].author_name;
	for (size_t i = 0; i < pg->n_names; i++)
		if (pg->names[i].kind == kind && pg->names[i].id == id)
			return pg->names[i].name;
	if (kind == STORE_CONTACT) {
		struct store_contact c;

		if (store_contact_get(pg->r->store, id, &c, NULL) == GW_OK) {
			name = xstrdup(c.name);
			store_contact_clear(&c);
		}
	} else if (kind == STORE_STAFF) {
		struct store_staff s;

		if (store_staff_get(pg->r->store, id, &s, NULL) == GW_OK) {
			name = xstrdup(s.name);
			store_staff_clear(&s);
		}
	}
	if (name == NULL)
		return "Someone";
	if (pg->n_names == GW_ARRAY_SIZE(pg->names)) {
		free(pg->names[0].name);
		memmove(&pg->names[0], &pg->names[1], sizeof(pg->names[0]) * (pg->n_names - 1));
		pg->n_names--;
	}
	pg->names[pg->n_names].kind = kind;
	pg->names[pg->n_names].id = id;
	pg->names[pg->n_names].name = name;
	return pg->names[pg->n_names++].name;
}

static int is_mine(const struct page *pg, enum store_kind author_kind)
{
	return author_kind == pg->r->sess.kind;
}

static void render_file_link(struct page *pg, const struct store_attachment *a)
{
	struct buf *o = pg->out;

	buf_printf(o, "<a class=\"file\" href=\"/a/%lld\" download>"
		      "<svg viewBox=\"0 0 24 24\" width=\"18\" height=\"18\" aria-hidden=\"true\">"
		      "<path d=\"M16.5 6v11.5a4 4 0 0 1-8 0V5a2.5 2.5 0 0 1 5 0v10.5a1 1 0 0 "
		      "1-2 0V6H10v9.5a2.5 2.5 0 0 0 5 0V5a4 4 0 0 0-8 0v12.5a5.5 5.5 0 0 0 11 "
		      "0V6z\"/></svg><span class=\"fname\">", (long long)a->id);
	buf_html_escape(o, a->file_name);
	buf_puts(o, "</span><span class=\"fsize\">");
	web_render_size(o, a->size);
	buf_puts(o, "</span></a>");
}

static void render_author(struct page *pg, enum store_kind kind, const char *name,
			  int64_t at)
{
	struct buf *o = pg->out;

	buf_puts(o, "<div class=\"head\"><span class=\"author\">");
	buf_html_escape(o, name);
	buf_puts(o, "</span><span class=\"org\">");
	buf_html_escape(o, kind == STORE_STAFF ? pg->firm : pg->view->thread.account_name);
	buf_puts(o, "</span>");
	web_render_time(o, at);
	buf_puts(o, "</div>");
}

/* The message's CommonMark as HTML, its mentions shown to this reader. */
static void render_body(struct page *pg, const struct store_message *m)
{
	struct buf html = BUF_INIT;

	web_render_markdown(pg->r->web, m->id, m->body, &html);
	web_render_mentions(html.data != NULL ? html.data : "", html.len, m->mentions,
			    pg->r->sess.kind == STORE_STAFF, pg->out);
	buf_release(&html);
}

static void render_message(struct page *pg, const struct store_message *m, int unread)
{
	const struct store_thread_view *v = pg->view;
	struct buf *o = pg->out;

	if (m->author_kind == STORE_SYSTEM) {
		buf_printf(o, "<div class=\"note%s\" id=\"m%lld\"><div class=\"body\">",
			   m->staff_only ? " private" : "", (long long)m->id);
		web_render_markdown(pg->r->web, m->id, m->body, o);
		buf_puts(o, "</div><div class=\"notemeta\">");
		if (m->staff_only)
			buf_puts(o, "<span class=\"tag\">Only staff see this</span>");
		web_render_time(o, m->created_at);
		buf_puts(o, "</div></div>");
		return;
	}
	buf_printf(o, "<div class=\"msg %s%s%s\" id=\"m%lld\"><div class=\"bubble\">",
		   is_mine(pg, m->author_kind) ? "mine" : "theirs", unread ? " unread" : "",
		   m->staff_only ? " internal" : "", (long long)m->id);
	render_author(pg, m->author_kind, m->author_name, m->created_at);
	if (m->staff_only)
		buf_puts(o, "<p class=\"internaltag\"><span class=\"tag\">Internal note</span> "
			    "only staff see this</p>");
	buf_puts(o, "<div class=\"body\">");
	render_body(pg, m);
	buf_puts(o, "</div>");
	for (size_t i = 0; i < v->n_attachments; i++)
		if (v->attachments[i].message_id == m->id)
			render_file_link(pg, &v->attachments[i]);
	buf_puts(o, "</div></div>");
}

static void render_loose_file(struct page *pg, const struct store_attachment *a)
{
	struct buf *o = pg->out;

	buf_printf(o, "<div class=\"msg %s\" id=\"f%lld\"><div class=\"bubble\">",
		   is_mine(pg, a->uploader_kind) ? "mine" : "theirs", (long long)a->id);
	render_author(pg, a->uploader_kind, person_name(pg, a->uploader_kind, a->uploader_id),
		      a->created_at);
	render_file_link(pg, a);
	buf_puts(o, "</div></div>");
}

/* Does this attachment hang under a message shown on the page? */
static int attached_to_shown(const struct store_thread_view *v, int64_t message_id)
{
	for (size_t i = 0; message_id > 0 && i < v->n_messages; i++)
		if (v->messages[i].id == message_id)
			return 1;
	return 0;
}

static void render_timeline(struct page *pg)
{
	const struct store_thread_view *v = pg->view;
	size_t a = 0;
	int divider = 0, seen_read = 0;

	buf_puts(pg->out, "<section id=\"timeline\" class=\"timeline\" aria-live=\"polite\">");
	for (size_t i = 0; i <= v->n_messages; i++) {
		const struct store_message *m = i < v->n_messages ? &v->messages[i] : NULL;
		int unread;

		/* Files on their own, in time order between the messages. */
		for (; a < v->n_attachments; a++) {
			const struct store_attachment *at = &v->attachments[a];

			if (m != NULL && at->created_at > m->created_at)
				break;
			if (!attached_to_shown(v, at->message_id))
				render_loose_file(pg, at);
		}
		if (m == NULL)
			break;
		unread = m->id > v->reader_last_read && !is_mine(pg, m->author_kind) &&
			 m->author_kind != STORE_SYSTEM;
		if (!unread)
			seen_read = 1;
		if (unread && !divider && seen_read) {
			buf_puts(pg->out, "<div class=\"divider\"><span>New</span></div>");
			divider = 1;
		}
		render_message(pg, m, unread);
	}
	if (v->n_messages == 0 && v->n_attachments == 0)
		buf_puts(pg->out, "<p class=\"empty\">No messages yet.</p>");
	buf_puts(pg->out, "</section>");
}

static void render_tasks(struct page *pg)
{
	const struct store_thread_view *v = pg->view;
	struct buf *o = pg->out;
	size_t done = 0;

	buf_puts(o, "<section id=\"tasks\" class=\"card tasks\">");
	if (v->n_tasks == 0) {
		buf_puts(o, "</section>");
		return;
	}
	for (size_t i = 0; i < v->n_tasks; i++)
		done += v->tasks[i].done_at != 0;
	buf_printf(o, "<div class=\"taskhead\"><h2>%s</h2><span class=\"progress\">"
		      "%zu of %zu done</span></div><progress max=\"%zu\" value=\"%zu\">"
		      "</progress><ul>",
		   pg->r->sess.kind == STORE_CONTACT ? "Your tasks" : "Client tasks", done,
		   v->n_tasks, v->n_tasks, done);
	for (size_t i = 0; i < v->n_tasks; i++) {
		const struct store_task *t = &v->tasks[i];
		int is_done = t->done_at != 0;

		buf_printf(o, "<li><form method=\"post\" action=\"/t/%lld/task\">",
			   (long long)v->thread.id);
		web_render_csrf(pg->r, o);
		buf_printf(o, "<input type=\"hidden\" name=\"task\" value=\"%lld\">"
			      "<input type=\"hidden\" name=\"done\" value=\"%d\">"
			      "<button type=\"submit\" class=\"tick%s\" aria-pressed=\"%s\" "
			      "title=\"%s\"><span class=\"box\" aria-hidden=\"true\"></span>"
			      "<span class=\"ttext\">",
			   (long long)t->id, !is_done, is_done ? " done" : "",
			   is_done ? "true" : "false",
			   is_done ? "Mark as not done" : "Mark as done");
		buf_html_escape(o, t->text);
		buf_puts(o, "</span>");
		if (is_done) {
			buf_puts(o, "<span class=\"when\">done ");
			web_render_date(o, t->done_at);
			buf_puts(o, "</span>");
		}
		buf_puts(o, "</button></form></li>");
	}
	buf_puts(o, "</ul></section>");
}

static void render_bell(struct page *pg)
{
	const struct store_reminders *rem = &pg->view->thread.reminders;
	struct buf *o = pg->out;

	buf_puts(o, "<div id=\"bell\">");
	if (rem->enabled && rem->remaining > 0 && rem->next_due > 0 &&
	    !pg->view->thread.archived) {
		buf_puts(o, "<p class=\"reminder\">");
		web_render_bell(o);
		buf_puts(o, "<span>");
		web_render_schedule(o, rem);
		buf_puts(o, pg->r->sess.kind == STORE_CONTACT ?
				    ". Answering or finishing your tasks stops them." : ".");
		buf_puts(o, "</span></p>");
	}
	buf_puts(o, "</div>");
}

/* Staff: the internal-note switch and the colleagues to suggest. */
static void render_reply_staff(struct page *pg, const struct web_reply_draft *d)
{
	struct buf *o = pg->out;

	buf_printf(o, "<label class=\"check internal\"><input type=\"checkbox\" "
		      "name=\"internal\" value=\"1\"%s> Internal note "
		      "<span class=\"muted\">(only staff see it; the client is not "
		      "emailed)</span></label>",
		   d != NULL && d->internal ? " checked" : "");
	web_render_mention_list(pg->r, o, pg->view->thread.account_id);
}

static void render_reply(struct page *pg, const struct web_reply_draft *d)
{
	const struct store_thread *t = &pg->view->thread;
	struct buf *o = pg->out;
	int staff = pg->r->sess.kind == STORE_STAFF;

	buf_puts(o, "<section class=\"card reply\" id=\"reply\">");
	if (!t->archived)
		web_render_nobody_warning(o, pg->people);
	if (t->archived) {
		buf_puts(o, "<p class=\"muted\">This chat is archived; it cannot get new "
			    "messages.</p></section>");
		return;
	}
	/* The token also rides in the action's query: the guard checks it
	 * before it lets a large body in (the form field comes after the
	 * file).  Pages go out with Referrer-Policy: no-referrer. */
	buf_printf(o, "<form id=\"replyform\" method=\"post\" action=\"/t/%lld/reply?csrf="
		      WEB_CSRF_MARK "\" enctype=\"multipart/form-data\">", (long long)t->id);
	web_render_csrf(pg->r, o);
	buf_printf(o, "<label class=\"sr\" for=\"body\">Your reply</label>"
		      "<textarea id=\"body\" name=\"body\" rows=\"4\"%s "
		      "placeholder=\"Write a reply\xe2\x80\xa6\">",
		   staff ? " data-mentions=\"mentionlist\" aria-describedby=\"mentionhint\"" : "");
	if (d != NULL && d->text != NULL)
		buf_html_escape(o, d->text);
	buf_puts(o, "</textarea>");
	if (staff)
		render_reply_staff(pg, d);
	buf_puts(o, "<div class=\"row\">");
	web_render_attach(pg->r, o, "files");
	buf_puts(o, "<button class=\"primary\" type=\"submit\">Send</button></div>");
	/* After Send, so that a form submitted without a button does not
	 * assign anyone. */
	if (staff && d != NULL && d->offer_assign)
		buf_puts(o, "<button class=\"assign\" type=\"submit\" name=\"assign_mentioned\" "
			    "value=\"1\">Assign to this account and post</button>");
	buf_puts(o, "<p class=\"hint\" id=\"mentionhint\">Use **bold**, *italic* and - lists.");
	if (staff)
		buf_puts(o, " Type @ and a colleague\xe2\x80\x99s name to email them.");
	buf_puts(o, "</p></form></section>");
}

static void render_staff_box(struct page *pg)
{
	const struct store_thread *t = &pg->view->thread;
	const struct store_reminders *rem = &t->reminders;
	struct buf *o = pg->out;
	long long id = (long long)t->id;

	buf_puts(o, "<section class=\"card staffbox\"><h2>Thread settings</h2>"
		    "<div class=\"actions\">");
	if (!t->archived) {
		buf_printf(o, "<form method=\"post\" action=\"/t/%lld/resend\">", id);
		web_render_csrf(pg->r, o);
		buf_puts(o, "<button type=\"submit\">Resend notification</button></form>");
	}
	buf_printf(o, "<form method=\"post\" action=\"/t/%lld/%s\">", id,
		   t->archived ? "reopen" : "archive");
	web_render_csrf(pg->r, o);
	buf_printf(o, "<button type=\"submit\">%s</button></form></div>",
		   t->archived ? "Reopen" : "Archive");
	buf_printf(o, "<form class=\"reminders\" method=\"post\" action=\"/t/%lld/reminders\">",
		   id);
	web_render_csrf(pg->r, o);
	buf_printf(o, "<label class=\"check\"><input type=\"checkbox\" name=\"enabled\" "
		      "value=\"1\"%s> Remind the client</label>"
		      "<label>every <input type=\"number\" name=\"days\" min=\"1\" "
		      "max=\"" GW_STR(GW_REMINDER_DAYS_MAX) "\" "
		      "value=\"%d\"> days</label>"
		      "<label><input type=\"number\" name=\"count\" min=\"1\" "
		      "max=\"" GW_STR(GW_REMINDER_COUNT_MAX) "\" "
		      "value=\"%d\"> per message</label>"
		      "<button type=\"submit\">Save</button></form><p class=\"hint\">",
		   rem->enabled ? " checked" : "", rem->days > 0 ? rem->days : 3,
		   rem->count > 0 ? rem->count : 1);
	web_render_schedule(o, rem);
	if (rem->enabled && rem->remaining > 0 && rem->next_due > 0)
		web_render_reminder_hold(pg->r, o, t->account_id, rem->next_due);
	buf_puts(o, ".</p>");
	web_render_refs_box(pg->r, o, pg->view, pg->refform);
	web_render_account_hold(pg->r, o, t->account_id, t->id);
	if (pg->people != NULL)
		web_render_people(pg->r, o, t->id, pg->people);
	buf_puts(o, "</section>");
}

static void render_page(struct page *pg, const char *error, const struct web_reply_draft *draft)
{
	const struct store_thread_view *v = pg->view;
	const struct store_thread *t = &v->thread;
	struct buf *o = pg->out;

	buf_printf(o, "<article id=\"thread\" data-events=\"/t/%lld/events\">"
		      "<header class=\"thead\"><a class=\"back\" href=\"/\">\xe2\x86\x90 All chats</a>"
		      "<h1>", (long long)t->id);
	buf_html_escape(o, t->subject);
	buf_puts(o, "</h1><p class=\"meta\">");
	buf_html_escape(o, t->account_name);
	buf_puts(o, " \xc2\xb7 started ");
	web_render_date(o, t->created_at);
	if (t->archived)
		buf_puts(o, " \xc2\xb7 <span class=\"tag\">Archived</span>");
	buf_puts(o, "</p>");
	web_render_refs_head(pg->r, o, v);
	render_bell(pg);
	buf_puts(o, "</header>");
	if (error != NULL) {
		buf_puts(o, "<p class=\"error\" role=\"alert\">");
		buf_html_escape(o, error);
		buf_puts(o, "</p>");
	}
	render_tasks(pg);
	render_timeline(pg);
	if (t->unread_count > 0 && v->n_messages > 0) {
		buf_printf(o, "<form id=\"markread\" class=\"markread\" method=\"post\" "
			      "action=\"/t/%lld/read\">", (long long)t->id);
		web_render_csrf(pg->r, o);
		buf_printf(o, "<input type=\"hidden\" name=\"up_to\" value=\"%lld\">"
			      "<button type=\"submit\">Mark as read</button></form>",
			   (long long)v->messages[v->n_messages - 1].id);
	}
	render_reply(pg, draft);
	if (pg->r->sess.kind == STORE_STAFF)
		render_staff_box(pg);
	buf_puts(o, "</article>");
}

static void send_thread(struct web_req *r, int64_t thread_id, int code, const char *error,
			const struct web_reply_draft *draft, const struct web_ref_form *refform);

void web_send_thread(struct web_req *r, int64_t thread_id, int code,
		     const char *error, const char *draft)
{
	struct web_reply_draft d = { .text = draft };

	send_thread(r, thread_id, code, error, draft != NULL ? &d : NULL, NULL);
}

void web_send_thread_reply(struct web_req *r, int64_t thread_id, int code,
			   const char *error, const struct web_reply_draft *draft)
{
	send_thread(r, thread_id, code, error, draft, NULL);
}

void web_send_thread_form(struct web_req *r, int64_t thread_id, int code,
			  const struct web_ref_form *form)
{
	send_thread(r, thread_id, code, NULL, NULL, form);
}

static void send_thread(struct web_req *r, int64_t thread_id, int code, const char *error,
			const struct web_reply_draft *draft, const struct web_ref_form *refform)
{
	struct web *web = r->web;
	struct store_thread_view view;
	struct store_recipients people;
	struct buf main = BUF_INIT, page = BUF_INIT;
	struct page pg;
	enum gw_result res;
	char *err = NULL;
	uint64_t generation;
	int cacheable;

	memset(&view, 0, sizeof(view));
	memset(&people, 0, sizeof(people));
	if (r->sess.kind == 0) {
		web_send_error(r, 403, "Please open the link in your most recent email "
				       "to see this chat.");
		return;
	}
	/* An error page shows the thread as it is, without what this
	 * request did: that is rolled back. */
	if (code >= 400)
		web_request_rollback(r);
	/* The generation is read before the thread, so that a commit racing
	 * with the rendering makes the cached copy stale, never wrong. */
	generation = store_pool_generation(web->pool);
	cacheable = code == 200 && error == NULL && draft == NULL && refform == NULL;
	if (cacheable && web_page_cache_send(r, thread_id, generation))
		return;
	res = store_thread_access(r->store, thread_id, r->sess.kind, r->sess.id, &err);
	if (res == GW_OK)
		res = store_thread_show(r->store, thread_id, r->sess.kind, r->sess.id,
					r->sess.kind == STORE_STAFF, &view, &err);
	if (res != GW_OK) {
		web_send_store_error(r, res, err);
		goto out;
	}
	if (r->sess.kind == STORE_STAFF) {
		res = store_thread_recipients(r->store, thread_id, &people, &err);
		if (res != GW_OK) {
			web_send_store_error(r, res, err);
			goto out;
		}
	}
	memset(&pg, 0, sizeof(pg));
	pg.r = r;
	pg.people = r->sess.kind == STORE_STAFF ? &people : NULL;
	pg.view = &view;
	pg.out = &main;
	pg.firm = web_firm_name(r);
	pg.refform = refform;
	render_page(&pg, error, draft);
	web_render_layout(r, &page, view.thread.subject, &main);
	if (cacheable)
		web_page_cache_put(web, thread_id, r->sess.kind, r->sess.id, generation, &page);
	web_send_html(r, code, page.data, page.len);
	free(pg.firm);
	for (size_t i = 0; i < pg.n_names; i++)
		free(pg.names[i].name);
out:
	free(err);
	buf_release(&main);
	buf_release(&page);
	store_thread_view_clear(&view);
	store_recipients_clear(&people);
}
