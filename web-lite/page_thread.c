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
 *
 * View as client (GET /t/ID/as-client?contact=ID): staff read the page a
 * contact of the account would get - their messages, tasks, unread marks
 * and reminder banner, no internal notes or links - under a banner that
 * says so, with no form and no button that acts, no live stream and no
 * read beacon.  It is a read job: no session, read mark or "view" of the
 * contact can come of it; the staff member's own view_as is audited.
 */
#include "web_int.h"

#include "i18n.h"

#include <stdlib.h>
#include <string.h>

#include <event2/http.h>

#include "i18n.h"
#include "log.h"
#include "reminder_words.h"

struct page {
	struct web_req *r;
	enum store_kind kind;              /* whose page this is: the reader's */
	int64_t reader_id;
	const char *as_client;             /* staff viewing as this contact, or NULL */
	struct store_thread_view *view;
	struct buf *out;
	char *firm;
	const struct web_ref_form *refform; /* a refused "add link", or NULL */
	const struct web_task_form *taskform; /* a refused task change, or NULL */
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
		return _("Someone");
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
	return author_kind == pg->kind;
}

static void render_file_link(struct buf *o, const struct store_attachment *a)
{
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

/* A message's files (message_id), or the n loose ones at loose, grouped
 * by the folders they came in. */
static void render_files(struct page *pg, int64_t message_id, const struct store_attachment *loose,
			 size_t n)
{
	const struct store_thread_view *v = pg->view;
	const struct store_attachment **list;
	size_t k = 0;

	if (loose == NULL) {
		for (size_t i = 0; i < v->n_attachments; i++)
			n += v->attachments[i].message_id == message_id;
		if (n == 0)
			return;
	}
	list = xcalloc(n, sizeof(*list));
	if (loose != NULL) {
		for (k = 0; k < n; k++)
			list[k] = &loose[k];
	} else {
		for (size_t i = 0; i < v->n_attachments; i++)
			if (v->attachments[i].message_id == message_id)
				list[k++] = &v->attachments[i];
	}
	web_render_file_group(pg->out, list, k, render_file_link);
	free(list);
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

/*
 * Staff read a contact shortcode as a marked placeholder: a chip saying
 * what each contact reads there ("Contact's first name").  The codes are
 * plain text in cmark's HTML (no link definition names them).
 */
static void chip_shortcodes(struct buf *html)
{
	struct buf out = BUF_INIT;
	const char *p = html->data != NULL ? html->data : "";

	while (*p != '\0') {
		const char *open = strchr(p, '[');
		if (open == NULL) {
			buf_puts(&out, p);
			break;
		}
		buf_append(&out, p, (size_t)(open - p));
		size_t n = store_shortcode_token(open);
		const struct store_shortcode *sc = n > 0 ? store_shortcode_find(open, n) : NULL;
		if (sc == NULL || !sc->per_contact) {
			buf_putc(&out, '[');
			p = open + 1;
			continue;
		}
		buf_printf(&out, "<span class=\"chip\" title=\"%s\">", sc->code);
		buf_html_escape(&out, _(sc->label));
		buf_puts(&out, "</span>");
		p = open + n;
	}
	buf_release(html);
	*html = out;
}

/* The message's CommonMark as HTML, its mentions shown to this reader. */
static void render_body(struct page *pg, const struct store_message *m)
{
	struct buf html = BUF_INIT;

	/* Text with contact shortcodes differs per reader: never from the
	 * cache, which is per message. */
	web_render_markdown(pg->r->web, m->per_reader ? 0 : m->id, m->body, &html);
	if (m->per_reader && pg->kind == STORE_STAFF)
		chip_shortcodes(&html);
	web_render_mentions(html.data != NULL ? html.data : "", html.len, m->mentions,
			    pg->kind == STORE_STAFF, pg->out);
	web_render_videos(m->body, pg->out);
	buf_release(&html);
}

static void render_message(struct page *pg, const struct store_message *m, int unread)
{
	struct buf *o = pg->out;

	if (m->author_kind == STORE_SYSTEM) {
		buf_printf(o, "<div class=\"note%s\" id=\"m%lld\"><div class=\"body\">",
			   m->staff_only ? " private" : "", (long long)m->id);
		/* not kept by id: a note is said in each reader's language */
		web_render_markdown(pg->r->web, 0, m->body, o);
		buf_puts(o, "</div><div class=\"notemeta\">");
		if (m->staff_only)
			buf_printf(o, "<span class=\"tag\">%s</span>", _("Only staff see this"));
		web_render_time(o, m->created_at);
		buf_puts(o, "</div></div>");
		return;
	}
	buf_printf(o, "<div class=\"msg %s%s%s\" id=\"m%lld\"><div class=\"bubble\">",
		   is_mine(pg, m->author_kind) ? "mine" : "theirs", unread ? " unread" : "",
		   m->staff_only ? " internal" : "", (long long)m->id);
	render_author(pg, m->author_kind, m->author_name, m->created_at);
	if (m->staff_only)
		buf_printf(o, "<p class=\"internaltag\"><span class=\"tag\">%s</span> "
			    "%s</p>", _("Internal note"), _("only staff see this"));
	buf_puts(o, "<div class=\"body\">");
	render_body(pg, m);
	buf_puts(o, "</div>");
	render_files(pg, m->id, NULL, 0);
	buf_puts(o, "</div></div>");
}

/* Files sent on their own in one post: one bubble. */
static void render_loose_files(struct page *pg, const struct store_attachment *a, size_t n)
{
	struct buf *o = pg->out;

	buf_printf(o, "<div class=\"msg %s\" id=\"f%lld\"><div class=\"bubble\">",
		   is_mine(pg, a->uploader_kind) ? "mine" : "theirs", (long long)a->id);
	render_author(pg, a->uploader_kind, person_name(pg, a->uploader_kind, a->uploader_id),
		      a->created_at);
	render_files(pg, 0, a, n);
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

		/* Files on their own, in time order between the messages;
		 * those of one post (one person, one moment) together. */
		while (a < v->n_attachments) {
			const struct store_attachment *at = &v->attachments[a];
			size_t n = 1;

			if (m != NULL && at->created_at > m->created_at)
				break;
			if (attached_to_shown(v, at->message_id)) {
				a++;
				continue;
			}
			while (a + n < v->n_attachments &&
			       !attached_to_shown(v, at[n].message_id) &&
			       at[n].uploader_kind == at->uploader_kind &&
			       at[n].uploader_id == at->uploader_id &&
			       at[n].created_at == at->created_at &&
			       at[n].message_id == at->message_id)
				n++;
			render_loose_files(pg, at, n);
			a += n;
		}
		if (m == NULL)
			break;
		unread = m->id > v->reader_last_read && !is_mine(pg, m->author_kind) &&
			 m->author_kind != STORE_SYSTEM;
		if (!unread)
			seen_read = 1;
		if (unread && !divider && seen_read) {
			buf_printf(pg->out, "<div class=\"divider\"><span>%s</span></div>",
				   pgettext("unread messages", "New"));
			divider = 1;
		}
		render_message(pg, m, unread);
	}
	if (v->n_messages == 0 && v->n_attachments == 0)
		buf_printf(pg->out, "<p class=\"empty\">%s</p>", _("No messages yet."));
	buf_puts(pg->out, "</section>");
}

/* A task as its contact sees it, with nothing to press. */
static void render_task_shown(struct page *pg, const struct store_task *t)
{
	struct buf *o = pg->out;
	int is_done = t->done_at != 0;

	buf_printf(o, "<li><span class=\"tick shown%s\"><span class=\"box\" "
		      "aria-hidden=\"true\"></span><span class=\"sr\">%s </span>"
		      "<span class=\"ttext\">", is_done ? " done" : "",
		   is_done ? _("Done:") : _("Not done:"));
	buf_html_escape(o, t->text);
	buf_puts(o, "</span>");
	if (is_done) {
		buf_puts(o, "<span class=\"when\">done ");
		web_render_date(o, t->done_at);
		buf_puts(o, "</span>");
	}
	buf_puts(o, "</span></li>");
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
	buf_printf(o, "<div class=\"taskhead\"><h2>%s</h2><span class=\"progress\">",
		   pg->kind == STORE_CONTACT ? _("Your tasks") : _("Client tasks"));
	buf_printf(o, ngettext("%zu of %zu done", "%zu of %zu done", v->n_tasks), done,
		   v->n_tasks);
	buf_printf(o, "</span></div><progress max=\"%zu\" value=\"%zu\">"
		      "</progress><ul>",
		   v->n_tasks, done);
	for (size_t i = 0; i < v->n_tasks; i++) {
		const struct store_task *t = &v->tasks[i];
		int is_done = t->done_at != 0;

		if (pg->as_client != NULL) {
			render_task_shown(pg, t);
			continue;
		}

		buf_printf(o, "<li><form method=\"post\" action=\"/t/%lld/task\">",
			   (long long)v->thread.id);
		web_render_csrf(pg->r, o);
		buf_printf(o, "<input type=\"hidden\" name=\"task\" value=\"%lld\">"
			      "<input type=\"hidden\" name=\"done\" value=\"%d\">"
			      "<button type=\"submit\" class=\"tick%s\" aria-pressed=\"%s\" "
			      "data-task=\"%lld\" "
			      "title=\"%s\"><span class=\"box\" aria-hidden=\"true\"></span>"
			      "<span class=\"ttext\">",
			   (long long)t->id, !is_done, is_done ? " done" : "",
			   is_done ? "true" : "false", (long long)t->id,
			   is_done ? _("Mark as not done") : _("Mark as done"));
		buf_html_escape(o, t->text);
		buf_puts(o, "</span>");
		if (is_done) {
			char day[96];

			i18n_format_date(t->done_at, I18N_DATE, day, sizeof(day));
			buf_puts(o, "<span class=\"when\">");
			buf_printf(o, _("done %s"), day);
			buf_puts(o, "</span>");
		}
		buf_puts(o, "</button></form></li>");
	}
	buf_puts(o, "</ul></section>");
}

/*
 * The reminder banner: the schedule, what stops the reminders (the rule of
 * store/reminders.c in words) and what is left before they stop.
 */
static void render_bell(struct page *pg)
{
	const struct store_thread_view *v = pg->view;
	const struct store_reminders *rem = &v->thread.reminders;
	struct buf *o = pg->out;

	buf_puts(o, "<div id=\"bell\">");
	if (rem->enabled && rem->remaining > 0 && rem->next_due > 0 && !v->thread.archived) {
		int64_t open = (int64_t)v->n_tasks;
		char *left;

		for (size_t i = 0; i < v->n_tasks; i++)
			open -= v->tasks[i].done_at != 0;
		left = reminder_words_left(open, v->thread.client_unread);
		buf_puts(o, "<p class=\"reminder\">");
		web_render_bell(o);
		buf_puts(o, "<span>");
		web_render_schedule(o, rem);
		buf_puts(o, ". ");
		buf_html_escape(o, reminder_words_rule(pg->kind == STORE_CONTACT
							       ? REMINDER_TO_CLIENT : REMINDER_TO_STAFF,
						       v->n_tasks > 0));
		if (left != NULL) {
			buf_puts(o, " <strong class=\"left\">");
			buf_html_escape(o, left);
			buf_puts(o, "</strong>");
		}
		buf_puts(o, "</span></p>");
		free(left);
	}
	buf_puts(o, "</div>");
}

/* Staff: the internal-note switch and the colleagues to suggest. */
static void render_reply_staff(struct page *pg, const struct web_reply_draft *d)
{
	struct buf *o = pg->out;

	buf_printf(o, "<label class=\"check internal\"><input type=\"checkbox\" "
		      "name=\"internal\" value=\"1\"%s> %s "
		      "<span class=\"muted\">%s</span></label>",
		   d != NULL && d->internal ? " checked" : "", _("Internal note"),
		   _("(only staff see it; the client is not emailed)"));
	web_render_mention_list(pg->r, o, pg->view->thread.account_id);
}

static void render_reply(struct page *pg, const struct web_reply_draft *d)
{
	const struct store_thread *t = &pg->view->thread;
	struct buf *o = pg->out;
	int staff = pg->kind == STORE_STAFF;

	buf_puts(o, "<section class=\"card reply\" id=\"reply\">");
	if (!t->archived)
		web_render_nobody_warning(o, pg->people);
	if (t->archived) {
		buf_printf(o, "<p class=\"muted\">%s</p></section>",
			   _("This chat is archived; it cannot get new messages."));
		return;
	}
	/* The token also rides in the action's query: the guard checks it
	 * before it lets a large body in (the form field comes after the
	 * file).  Pages go out with Referrer-Policy: no-referrer. */
	buf_printf(o, "<form id=\"replyform\" method=\"post\" action=\"/t/%lld/reply?csrf="
		      WEB_CSRF_MARK "\" enctype=\"multipart/form-data\">", (long long)t->id);
	web_render_csrf(pg->r, o);
	buf_printf(o, "<label class=\"sr\" for=\"body\">%s</label>"
		      "<textarea id=\"body\" name=\"body\" rows=\"4\"%s "
		      "placeholder=\"%s\">", _("Your reply"),
		   staff ? " data-mentions=\"mentionlist\" aria-describedby=\"mentionhint\"" : "",
		   _("Write a reply\xe2\x80\xa6"));
	if (d != NULL && d->text != NULL)
		buf_html_escape(o, d->text);
	buf_puts(o, "</textarea>");
	if (staff)
		render_reply_staff(pg, d);
	buf_puts(o, "<div class=\"row\">");
	web_render_attach(pg->r, o, "files");
	buf_printf(o, "<button class=\"primary\" type=\"submit\">%s</button></div>", _("Send"));
	/* After Send, so that a form submitted without a button does not
	 * assign anyone. */
	if (staff && d != NULL && d->offer_assign)
		buf_printf(o, "<button class=\"assign\" type=\"submit\" name=\"assign_mentioned\" "
			    "value=\"1\">%s</button>", _("Assign to this account and post"));
	buf_puts(o, "<p class=\"hint\" id=\"mentionhint\">");
	buf_html_escape(o, _("A zip file is unpacked into its files and folders."));
	buf_putc(o, ' ');
	buf_html_escape(o, _("Use **bold**, *italic* and - lists."));
	if (staff) {
		buf_putc(o, ' ');
		buf_html_escape(o, _("Type @ and a colleague\xe2\x80\x99s name to email them."));
	}
	buf_puts(o, "</p></form></section>");
}

static void render_as_client_picker(struct page *pg);
/* Whether the thread's emails carry the messages: one button that says
 * what it will do, the state in words beside it. */
static void render_content_switch(struct page *pg)
{
	const struct store_thread *t = &pg->view->thread;
	struct buf *o = pg->out;

	buf_printf(o, "<form id=\"content\" class=\"content\" method=\"post\" "
		      "action=\"/t/%lld/content\">", (long long)t->id);
	web_render_csrf(pg->r, o);
	buf_printf(o, "<input type=\"hidden\" name=\"show\" value=\"%d\"><p class=\"hint\">%s</p>"
		      "<button type=\"submit\">%s</button></form>",
		   !t->show_content,
		   t->show_content ? _("Emails about this chat show the messages and list their files.")
				   : _("Emails about this chat only say that something happened; "
				       "the messages stay in the chat."),
		   t->show_content ? _("Stop showing messages in emails")
				   : _("Show messages in emails"));
}

/* A typed number as it can go back into its field: digits and a sign. */
static void typed_number(struct buf *o, const char *typed, int stored)
{
	if (typed == NULL) {
		buf_printf(o, "%d", stored);
		return;
	}
	for (const char *p = typed; *p != '\0' && p - typed < 12; p++)
		if ((*p >= '0' && *p <= '9') || *p == '-')
			buf_putc(o, *p);
}

/* The reminder settings; a refused save comes back as typed, with the
 * error beside the form and the wrong number marked. */
static void render_reminders_form(struct page *pg, const struct store_reminders *rem,
				  long long id)
{
	const struct web_req *r = pg->r;
	struct buf *o = pg->out;
	int refused = r->refused.form != NULL && strcmp(r->refused.form, "reminders") == 0;
	const char *bad = " aria-invalid=\"true\" aria-describedby=\"remerr\" autofocus";

	if (refused) {
		buf_puts(o, "<p class=\"error\" role=\"alert\" id=\"remerr\">");
		buf_html_escape(o, r->refused.error);
		buf_puts(o, "</p>");
	}
	buf_printf(o, "<form class=\"reminders\" method=\"post\" action=\"/t/%lld/reminders\">",
		   id);
	web_render_csrf(pg->r, o);
	buf_printf(o, "<label class=\"check\"><input type=\"checkbox\" name=\"enabled\" "
		      "value=\"1\"%s> %s</label>"
		      "<label>%s <input type=\"number\" name=\"days\" min=\"1\" "
		      "max=\"" GW_STR(GW_REMINDER_DAYS_MAX) "\"%s value=\"",
		   (refused ? r->refused.on : rem->enabled) ? " checked" : "",
		   _("Remind the client"),
		   /* TRANSLATORS: "every [3] days" around a number field */
		   pgettext("reminders every", "every"),
		   refused && r->refused.id == 1 ? bad : "");
	typed_number(o, refused ? r->refused.value : NULL, rem->days > 0 ? rem->days : 3);
	buf_printf(o, "\"> %s</label>"
		      "<label><input type=\"number\" name=\"count\" min=\"1\" "
		      "max=\"" GW_STR(GW_REMINDER_COUNT_MAX) "\"%s value=\"",
		   pgettext("reminders every", "days"), refused && r->refused.id == 2 ? bad : "");
	typed_number(o, refused ? r->refused.value2 : NULL, rem->count > 0 ? rem->count : 1);
	buf_printf(o, "\"> %s</label>"
		    "<button type=\"submit\">%s</button></form><p class=\"hint\">",
		   _("per message"), _("Save"));
}

static void render_staff_box(struct page *pg)
{
	const struct store_thread *t = &pg->view->thread;
	const struct store_reminders *rem = &t->reminders;
	struct buf *o = pg->out;
	long long id = (long long)t->id;

	buf_printf(o, "<section class=\"card staffbox\"><h2>%s</h2>"
		    "<div class=\"actions\">", _("Thread settings"));
	if (!t->archived) {
		buf_printf(o, "<form method=\"post\" action=\"/t/%lld/resend\">", id);
		web_render_csrf(pg->r, o);
		buf_printf(o, "<button type=\"submit\">%s</button></form>", _("Resend notification"));
	}
	buf_printf(o, "<form method=\"post\" action=\"/t/%lld/%s\">", id,
		   t->archived ? "reopen" : "archive");
	web_render_csrf(pg->r, o);
	buf_printf(o, "<button type=\"submit\">%s</button></form></div>",
		   t->archived ? _("Reopen") : _("Archive"));
	render_reminders_form(pg, rem, id);
	web_render_schedule(o, rem);
	if (rem->enabled && rem->remaining > 0 && rem->next_due > 0)
		web_render_reminder_hold(pg->r, o, t->account_id, rem->next_due);
	buf_puts(o, ".</p>");
	web_render_task_editor(pg->r, o, pg->view, pg->taskform);
	render_content_switch(pg);
	web_render_refs_box(pg->r, o, pg->view, pg->refform);
	web_render_account_hold(pg->r, o, t->account_id, t->id);
	if (pg->people != NULL)
		web_render_people(pg->r, o, t->id, pg->people);
	render_as_client_picker(pg);
	buf_puts(o, "</section>");
}

/* The banner above a page viewed as a client, and the way back. */
static void render_as_client_banner(struct page *pg)
{
	struct buf *o = pg->out;
	struct buf name = BUF_INIT;

	buf_html_escape(&name, pg->as_client);
	buf_puts(o, "<p class=\"asclient\" role=\"note\"><strong>");
	buf_printf(o, _("You are viewing this chat as %s sees it."),
		   name.data != NULL ? name.data : "");
	buf_printf(o, "</strong> %s <a href=\"/t/%lld\">%s</a></p>",
		   _("Nothing here can be changed, and nothing you do here is seen as theirs."),
		   (long long)pg->view->thread.id, _("Back to the staff view"));
	buf_release(&name);
}

/* Staff box: pick a contact of the account to see the chat as they do. */
static void render_as_client_picker(struct page *pg)
{
	const struct store_recipients *rc = pg->people;
	struct buf *o = pg->out;
	size_t n = 0;

	for (size_t i = 0; rc != NULL && i < rc->n_contacts; i++)
		n += rc->contacts[i].removed_at == 0;
	if (n == 0)
		return;
	buf_printf(o, "<form class=\"asclientpick\" method=\"get\" action=\"/t/%lld/as-client\">"
		      "<label for=\"ascontact\">%s</label><select id=\"ascontact\" "
		      "name=\"contact\">", (long long)pg->view->thread.id,
		   _("View this chat as"));
	for (size_t i = 0; i < rc->n_contacts; i++) {
		if (rc->contacts[i].removed_at != 0)
			continue;
		buf_printf(o, "<option value=\"%lld\">", (long long)rc->contacts[i].id);
		buf_html_escape(o, rc->contacts[i].name);
		buf_puts(o, "</option>");
	}
	buf_printf(o, "</select><button type=\"submit\">%s</button></form>",
		   _("View as client"));
}

static void render_page(struct page *pg, const char *error, const struct web_reply_draft *draft)
{
	const struct store_thread_view *v = pg->view;
	const struct store_thread *t = &v->thread;
	struct buf *o = pg->out;

	if (pg->as_client != NULL) {
		render_as_client_banner(pg);
		/* no id="thread": the script opens no stream and sends no read mark */
		buf_printf(o, "<article class=\"asclientview\" id=\"asclientview\">"
			      "<header class=\"thead\"><h1>");
	} else {
		buf_printf(o, "<article id=\"thread\" data-events=\"/t/%lld/events\">"
			      "<header class=\"thead\"><a class=\"back\" href=\"/\">"
			      "\xe2\x86\x90 %s</a><h1>", (long long)t->id, _("All chats"));
	}
	buf_html_escape(o, t->subject);
	buf_puts(o, "</h1><p class=\"meta\">");
	buf_html_escape(o, t->account_name);
	{
		char day[96];

		i18n_format_date(t->created_at, I18N_DATE, day, sizeof(day));
		buf_puts(o, " \xc2\xb7 ");
		buf_printf(o, _("started %s"), day);
	}
	if (t->archived)
		buf_printf(o, " \xc2\xb7 <span class=\"tag\">%s</span>", _("Archived"));
	buf_printf(o, " \xc2\xb7 <a class=\"doclink\" href=\"/t/%lld/documents\">", (long long)t->id);
	{
		char *text = xasprintf(ngettext("Documents (%zu)", "Documents (%zu)",
						v->n_attachments), v->n_attachments);

		buf_html_escape(o, text);
		free(text);
	}
	buf_puts(o, "</a>");
	if (pg->kind == STORE_STAFF) {
		buf_printf(o, " \xc2\xb7 <a class=\"doclink\" href=\"/accounts/%lld/documents\">",
			   (long long)t->account_id);
		buf_html_escape(o, _("All documents of this account"));
		buf_puts(o, "</a>");
	}
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
	if (pg->as_client != NULL) {
		buf_puts(o, "</article>");
		return;
	}
	/* What the script says when the page changes under the reader. */
	buf_puts(o, "<div id=\"live\" class=\"sr\" aria-live=\"polite\" data-tasks=\"");
	buf_html_escape(o, _("The tasks of this chat changed."));
	buf_puts(o, "\" data-messages=\"");
	buf_html_escape(o, _("New messages in this chat."));
	buf_puts(o, "\" data-changed=\"");
	buf_html_escape(o, _("This chat was updated."));
	buf_puts(o, "\"></div>");
	if (t->unread_count > 0 && v->n_messages > 0) {
		buf_printf(o, "<form id=\"markread\" class=\"markread\" method=\"post\" "
			      "action=\"/t/%lld/read\">", (long long)t->id);
		web_render_csrf(pg->r, o);
		buf_printf(o, "<input type=\"hidden\" name=\"up_to\" value=\"%lld\">"
			      "<button type=\"submit\">%s</button></form>",
			   (long long)v->messages[v->n_messages - 1].id, _("Mark as read"));
	}
	render_reply(pg, draft);
	if (pg->kind == STORE_STAFF)
		render_staff_box(pg);
	buf_puts(o, "</article>");
}

static void send_thread(struct web_req *r, int64_t thread_id, int code, const char *error,
			const struct web_reply_draft *draft, const struct web_ref_form *refform,
			const struct web_task_form *taskform);

void web_send_thread(struct web_req *r, int64_t thread_id, int code,
		     const char *error, const char *draft)
{
	struct web_reply_draft d = { .text = draft };

	send_thread(r, thread_id, code, error, draft != NULL ? &d : NULL, NULL, NULL);
}

void web_send_thread_reply(struct web_req *r, int64_t thread_id, int code,
			   const char *error, const struct web_reply_draft *draft)
{
	send_thread(r, thread_id, code, error, draft, NULL, NULL);
}

void web_send_thread_form(struct web_req *r, int64_t thread_id, int code,
			  const struct web_ref_form *form)
{
	send_thread(r, thread_id, code, NULL, NULL, form, NULL);
}

void web_send_thread_taskform(struct web_req *r, int64_t thread_id, int code,
			      const struct web_task_form *form)
{
	send_thread(r, thread_id, code, NULL, NULL, NULL, form);
}

static void send_thread(struct web_req *r, int64_t thread_id, int code, const char *error,
			const struct web_reply_draft *draft, const struct web_ref_form *refform,
			const struct web_task_form *taskform)
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
		web_send_error(r, 403, _("Please open the link in your most recent email "
					 "to see this chat."));
		return;
	}
	/* An error page shows the thread as it is, without what this
	 * request did: that is rolled back. */
	if (code >= 400)
		web_request_rollback(r);
	/* The generation is read before the thread, so that a commit racing
	 * with the rendering makes the cached copy stale, never wrong. */
	generation = store_pool_generation(web->pool);
	cacheable = code == 200 && error == NULL && draft == NULL && refform == NULL &&
		    taskform == NULL && !web_flash_pending(r);
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
	pg.kind = r->sess.kind;
	pg.reader_id = r->sess.id;
	pg.people = r->sess.kind == STORE_STAFF ? &people : NULL;
	pg.view = &view;
	pg.out = &main;
	pg.firm = web_firm_name(r);
	pg.refform = refform;
	pg.taskform = taskform;
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

/* ?contact=ID, or 0. */
static int64_t query_contact(struct web_req *r)
{
	const char *q = r->uri != NULL ? evhttp_uri_get_query(r->uri) : NULL;
	struct web_form qf = { NULL, 0 };
	const char *v;
	int64_t id = 0;

	if (q != NULL && web_form_parse_urlencoded(q, strlen(q), &qf) == 0 &&
	    (v = web_form_get(&qf, "contact")) != NULL)
		id = web_parse_id(v);
	web_form_clear(&qf);
	return id;
}

void web_handle_view_as_client(struct web_req *r, int64_t thread_id)
{
	struct store_thread_view view;
	struct store_contact c;
	struct buf main = BUF_INIT, page = BUF_INIT;
	struct page pg;
	char *err = NULL;
	int64_t contact_id = query_contact(r);
	enum gw_result res;

	memset(&view, 0, sizeof(view));
	memset(&c, 0, sizeof(c));
	memset(&pg, 0, sizeof(pg));
	if (r->sess.kind != STORE_STAFF) {
		web_send_error(r, 404, NULL);
		return;
	}
	/* The staff member must see the thread, and the contact must be one
	 * of its account's: otherwise the same 404 as for nothing at all. */
	res = store_thread_access(r->store, thread_id, STORE_STAFF, r->sess.id, &err);
	if (res == GW_OK && contact_id == 0)
		res = GW_NOTFOUND;
	if (res == GW_OK)
		res = store_contact_get(r->store, contact_id, &c, &err);
	if (res == GW_OK && c.removed_at != 0)
		res = GW_NOTFOUND;
	if (res == GW_OK)
		res = store_thread_access(r->store, thread_id, STORE_CONTACT, contact_id, &err);
	if (res == GW_OK)
		res = store_thread_show(r->store, thread_id, STORE_CONTACT, contact_id, 0, &view,
					&err);
	if (res != GW_OK) {
		web_send_store_error(r, res == GW_NOTFOUND || res == GW_PERMFAIL ? GW_NOTFOUND
										 : res, err);
		goto out;
	}
	web_audit_target(r, "contact", contact_id);
	pg.r = r;
	pg.kind = STORE_CONTACT;
	pg.reader_id = contact_id;
	pg.as_client = c.name;
	pg.view = &view;
	pg.out = &main;
	pg.firm = web_firm_name(r);
	render_page(&pg, NULL, NULL);
	web_render_layout(r, &page, view.thread.subject, &main);
	web_send_html(r, 200, page.data, page.len);
	free(pg.firm);
	for (size_t i = 0; i < pg.n_names; i++)
		free(pg.names[i].name);
out:
	free(err);
	buf_release(&main);
	buf_release(&page);
	store_thread_view_clear(&view);
	store_contact_clear(&c);
}
