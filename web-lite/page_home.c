/*
 * page_home.c - "/": the client's chats in to-do order (the thread with
 * the newest notification or resend first) and the staff's chats of the
 * accounts they may see, with unread counts, the open/archived filter and
 * the "new chat" forms (staff may give a link for staff with it); POST /new
 * creates the chat(s).
 *
 * A refused new chat shows the home page again with the error and the
 * form filled in as it was sent.
 */
#include "web_int.h"

#include <stdlib.h>
#include <string.h>

#include <event2/http.h>

#include "i18n.h"
#include "log.h"
#include "reminder_words.h"

/* ?show=archived */
static int want_archived(struct web_req *r)
{
	const char *q = r->uri != NULL ? evhttp_uri_get_query(r->uri) : NULL;
	struct web_form qf = { NULL, 0 };
	const char *show;
	int archived = 0;

	if (q != NULL && web_form_parse_urlencoded(q, strlen(q), &qf) == 0 &&
	    (show = web_form_get(&qf, "show")) != NULL)
		archived = strcmp(show, "archived") == 0;
	web_form_clear(&qf);
	return archived;
}

static void prefill(struct buf *o, const struct web_form *form, const char *name)
{
	const char *v = form != NULL ? web_form_get(form, name) : NULL;

	if (v != NULL)
		buf_html_escape(o, v);
}

static void render_tabs(struct buf *o, int archived)
{
	buf_printf(o, "<nav class=\"tabs\"><a href=\"/\"%s>%s</a>"
		      "<a href=\"/?show=archived\"%s>%s</a></nav>",
		   archived ? "" : " aria-current=\"page\"", pgettext("chats", "Open"),
		   archived ? " aria-current=\"page\"" : "", pgettext("chats", "Archived"));
}

/* The bell of a row: what stops the reminders and what is left, as its
 * tooltip and for screen readers. */
static void render_list_bell(struct buf *o, const struct store_thread *t, int staff)
{
	char *left = reminder_words_left(t->tasks_total - t->tasks_done, t->client_unread);
	const char *rule = reminder_words_rule(staff ? REMINDER_TO_STAFF : REMINDER_TO_CLIENT,
					       t->tasks_total > 0);

	buf_puts(o, "<span class=\"bellmark\" title=\"");
	buf_html_escape(o, rule);
	if (left != NULL) {
		buf_putc(o, ' ');
		buf_html_escape(o, left);
	}
	buf_puts(o, "\">");
	web_render_bell(o);
	buf_puts(o, "<span class=\"sr\">");
	buf_html_escape(o, _("Reminders are on."));
	buf_putc(o, ' ');
	buf_html_escape(o, rule);
	if (left != NULL) {
		buf_putc(o, ' ');
		buf_html_escape(o, left);
	}
	buf_puts(o, "</span></span>");
	free(left);
}

static void render_list(struct buf *o, const struct store_thread_list *list, int staff)
{
	if (list->count == 0) {
		buf_printf(o, "<p class=\"empty card\">%s</p>", _("No chats here."));
		return;
	}
	buf_puts(o, "<ul class=\"threads\">");
	for (size_t i = 0; i < list->count; i++) {
		const struct store_thread *t = &list->items[i];
		const struct store_reminders *rem = &t->reminders;

		buf_printf(o, "<li><a class=\"tcard%s\" href=\"/t/%lld\"><span class=\"line1\">"
			      "<span class=\"subject\">",
			   t->unread_count > 0 ? " unread" : "", (long long)t->id);
		buf_html_escape(o, t->subject);
		buf_puts(o, "</span>");
		if (rem->enabled && rem->remaining > 0 && rem->next_due > 0 && !t->archived)
			render_list_bell(o, t, staff);
		if (t->unread_count > 0)
			buf_printf(o, "<span class=\"badge\" title=\"%s\">%lld</span>",
				   _("unread messages"), (long long)t->unread_count);
		buf_puts(o, "</span><span class=\"line2\">");
		if (staff) {
			buf_html_escape(o, t->account_name);
			buf_puts(o, " \xc2\xb7 ");
		}
		if (t->tasks_total > 0) {
			buf_printf(o, ngettext("%d/%d task", "%d/%d tasks", t->tasks_total),
				   t->tasks_done, t->tasks_total);
			buf_puts(o, " \xc2\xb7 ");
		}
		web_render_time(o, t->last_message_at != 0 ? t->last_message_at : t->created_at);
		buf_puts(o, "</span></a></li>");
	}
	buf_puts(o, "</ul>");
}

static void render_error(struct buf *o, const char *error)
{
	if (error == NULL)
		return;
	buf_puts(o, "<p class=\"error\" role=\"alert\">");
	buf_html_escape(o, error);
	buf_puts(o, "</p>");
}

static void client_new_form(struct web_req *r, struct buf *o, const struct web_form *pf)
{
	buf_printf(o, "<details class=\"card newchat\"%s><summary>%s</summary>"
		      "<form method=\"post\" action=\"/new?csrf=" WEB_CSRF_MARK "\" "
		      "enctype=\"multipart/form-data\" class=\"uploadform\">",
		   pf != NULL ? " open" : "", _("Start a new chat"));
	web_render_csrf(r, o);
	buf_printf(o, "<label>%s<input name=\"subject\" required maxlength=\"200\" value=\"", _("Subject"));
	prefill(o, pf, "subject");
	buf_printf(o, "\"></label><label>%s<textarea name=\"body\" rows=\"4\">", _("Message"));
	prefill(o, pf, "body");
	buf_puts(o, "</textarea></label>");
	web_render_attach(r, o, "newfiles");
	buf_printf(o, "<button class=\"primary\" type=\"submit\">%s</button></form></details>",
		   _("Start chat"));
}

static void staff_new_form(struct web_req *r, struct buf *o, const struct web_form *pf)
{
	struct store_account_list accounts = { NULL, 0 };
	struct store_template_list templates = { NULL, 0 };

	if (store_account_list(r->store, r->sess.id, &accounts, NULL) != GW_OK ||
	    accounts.count == 0)
		goto out;
	(void)store_template_list(r->store, &templates, NULL);
	buf_printf(o, "<details class=\"card newchat\" id=\"newchat\"%s><summary>%s</summary>"
		      "<form method=\"post\" action=\"/new?csrf=" WEB_CSRF_MARK "\" "
		      "enctype=\"multipart/form-data\" class=\"uploadform\">",
		   pf != NULL ? " open" : "", _("New chat"));
	web_render_csrf(r, o);
	web_render_account_picker(r, o, &accounts, pf);
	web_render_template_picker(o, &templates, pf != NULL ? web_form_get(pf, "template") : NULL);
	buf_printf(o, "<label>%s <span class=\"muted\">%s</span><input name=\"subject\" "
		      "id=\"subject\" maxlength=\"200\" value=\"", _("Subject"),
		   _("(optional: without one, the first line of the message)"));
	prefill(o, pf, "subject");
	buf_puts(o, "\"></label>");
	web_render_shortcode_help(o, "subject", 0);
	buf_printf(o, "<label>%s<textarea name=\"body\" id=\"body\" rows=\"5\">", _("Message"));
	prefill(o, pf, "body");
	buf_puts(o, "</textarea></label>");
	/* Documents go with a chat to one client; a bulk chat has none (app.js
	 * turns the picker off while several clients are ticked). */
	web_render_attach(r, o, "newfiles");
	buf_puts(o, "<p class=\"hint bulknote\" id=\"bulknote\">");
	buf_html_escape(o, _("Files go only with a chat to one client. A chat to several "
			     "clients is sent without files: add documents to each chat "
			     "afterwards."));
	buf_puts(o, "</p>");
	web_render_shortcode_help(o, "body", 1);
	buf_printf(o, "<label>%s<textarea name=\"tasks\" id=\"tasks\" rows=\"3\">",
		   _("Tasks for the client, one per line"));
	prefill(o, pf, "tasks");
	/* An external reference for staff (refs.c), e.g. the job in the
	 * firm's own system; clients never see it. */
	buf_printf(o, "</textarea></label><fieldset><legend>%s</legend>"
		    "<div class=\"refpair\"><label>%s<input name=\"ref_label\" maxlength=\""
		    GW_STR(STORE_REF_LABEL_MAX) "\" value=\"", _("Link for staff (optional)"),
		   _("Label"));
	prefill(o, pf, "ref_label");
	buf_printf(o, "\"></label><label>%s<input type=\"url\" name=\"ref_url\" maxlength=\""
		    GW_STR(STORE_REF_URL_MAX) "\" placeholder=\"https://\" value=\"", _("Address"));
	prefill(o, pf, "ref_url");
	buf_printf(o, "\"></label></div><p class=\"hint\">%s</p></fieldset>",
		   _("A job or case in the firm's own systems. Clients do not see it."));
	{
		const char *sc = pf != NULL ? web_form_get(pf, "show_content") : NULL;
		int firm_shows = store_show_content_default(r->store);

		buf_printf(o, "<label>%s<select name=\"show_content\">"
			      "<option value=\"\">%s</option>"
			      "<option value=\"1\"%s>%s</option>"
			      "<option value=\"0\"%s>%s</option></select></label>",
			   _("Emails about the chat"),
			   firm_shows ? _("The firm's default: show the messages")
				      : _("The firm's default: only say something happened"),
			   sc != NULL && strcmp(sc, "1") == 0 ? " selected" : "",
			   _("Show the messages and list their files"),
			   sc != NULL && strcmp(sc, "0") == 0 ? " selected" : "",
			   _("Only say something happened"));
	}
	buf_printf(o, "<div class=\"remrow\"><label class=\"check\">"
		      "<input type=\"checkbox\" name=\"reminders\" value=\"1\"%s> %s"
		      "</label><label>%s <input type=\"number\" name=\"days\" min=\"1\" "
		      "max=\"" GW_STR(GW_REMINDER_DAYS_MAX) "\" value=\"3\"> %s</label><label>"
		      "<input type=\"number\" name=\"count\" min=\"1\" max=\""
		      GW_STR(GW_REMINDER_COUNT_MAX) "\" value=\"1\"> %s</label></div>"
		      "<button class=\"primary\" type=\"submit\">%s</button></form>"
		      "</details>",
		   pf != NULL && web_form_get(pf, "reminders") != NULL ? " checked" : "",
		   _("Remind the client"), pgettext("reminders every", "every"),
		   pgettext("reminders every", "days"), pgettext("reminders", "times"),
		   _("Create chat"));
out:
	store_account_list_free(&accounts);
	store_template_list_free(&templates);
}

static int client_may_create(struct web_req *r)
{
	struct store_firm firm;
	struct store_contact c;
	int ok = 0;

	memset(&firm, 0, sizeof(firm));
	memset(&c, 0, sizeof(c));
	if (store_firm_get(r->store, &firm, NULL) == GW_OK && firm.allow_client_chats &&
	    store_contact_get(r->store, r->sess.id, &c, NULL) == GW_OK)
		ok = c.may_create_chats;
	store_firm_clear(&firm);
	store_contact_clear(&c);
	return ok;
}

/* A client whose emails are off (their unsubscribe link, or staff) may
 * turn them on again here. */
static void render_my_emails(struct web_req *r, struct buf *o)
{
	struct store_contact c;

	memset(&c, 0, sizeof(c));
	if (store_contact_get(r->store, r->sess.id, &c, NULL) != GW_OK || c.notify ||
	    c.removed_at != 0)
		goto out;
	buf_puts(o, "<section class=\"card notice emails-off\" id=\"emails\"><h2>");
	buf_puts(o, c.unsubscribed ? _("You unsubscribed from our emails")
				   : _("Emails about your chats are off"));
	buf_printf(o, "</h2><p>%s</p>"
		    "<form method=\"post\" action=\"/me/emails\">",
		   _("We do not email you when there is news in your chats."));
	web_render_csrf(r, o);
	buf_printf(o, "<input type=\"hidden\" name=\"on\" value=\"1\">"
		    "<button class=\"primary\" type=\"submit\">%s</button></form>"
		    "</section>", _("Turn emails on"));
out:
	store_contact_clear(&c);
}

static void send_home(struct web_req *r, int code, const char *error,
		      const struct web_form *pf)
{
	struct store_thread_filter f;
	struct store_thread_list list = { NULL, 0 };
	struct web_staff_list sl;
	struct buf main = BUF_INIT;
	enum gw_result res;
	char *err = NULL;
	int archived = want_archived(r);
	int staff = r->sess.kind == STORE_STAFF;

	if (r->sess.kind == 0) {
		buf_printf(&main, "<section class=\"card notice\"><h1>%s</h1><p>%s"
				"</p><p><a class=\"button primary\" href=\"/signin\">"
				"%s</a></p></section>", _("Welcome"),
			   _("To see your chats, open the \xe2\x80\x9cView chat\xe2\x80\x9d link in "
			     "the most recent email we sent you, or sign in with your email "
			     "address."), _("Sign in"));
		web_send_page(r, 200, _("Welcome"), &main);
		buf_release(&main);
		return;
	}
	if (staff) {
		/* Staff: the search and filters of page_search.c. */
		if (web_staff_list_load(r, &sl) < 0)
			return;
		if (code == 200)
			code = sl.code;
	} else {
		memset(&f, 0, sizeof(f));
		f.contact_id = r->sess.id;
		f.reader_kind = r->sess.kind;
		f.reader_id = r->sess.id;
		f.archived = archived ? STORE_ARCHIVED_ONLY : STORE_ARCHIVED_NO;
		f.order = STORE_ORDER_TODO;
		f.limit = 500;
		res = store_thread_list(r->store, &f, &list, &err);
		if (res != GW_OK) {
			web_send_store_error(r, res, err);
			free(err);
			return;
		}
	}
	buf_printf(&main, "<div class=\"homehead\"><h1>%s</h1>",
		   staff ? _("Client chats") : _("Your chats"));
	if (staff && (r->sess.role == STORE_ROLE_OWNER || r->sess.role == STORE_ROLE_ADMIN))
		buf_printf(&main, "<a class=\"stafflink\" href=\"/staff\">%s</a>", _("Staff"));
	if (staff && r->sess.role == STORE_ROLE_OWNER)
		buf_printf(&main, "<a class=\"auditlink\" href=\"/audit\">%s</a>", _("Audit log"));
	if (staff && (r->sess.role == STORE_ROLE_OWNER || r->sess.role == STORE_ROLE_ADMIN))
		buf_printf(&main, "<a class=\"auditlink\" href=\"/templates\">%s</a>",
			   _("Templates"));
	if (staff) {
		web_staff_list_head(r, &main, &sl);
	} else {
		buf_puts(&main, "<a class=\"auditlink\" href=\"/documents\">");
		buf_html_escape(&main, _("Your documents"));
		buf_puts(&main, "</a>");
		render_tabs(&main, archived);
		buf_puts(&main, "</div>");
	}
	render_error(&main, error);
	if (staff)
		web_render_bouncing_notice(r, &main);
	else
		render_my_emails(r, &main);
	if (staff)
		staff_new_form(r, &main, pf);
	else if (client_may_create(r))
		client_new_form(r, &main, pf);
	if (staff)
		web_staff_list_render(&main, &sl);
	else
		render_list(&main, &list, staff);
	web_send_page(r, code, staff ? _("Client chats") : _("Your chats"), &main);
	buf_release(&main);
	store_thread_list_free(&list);
	if (staff)
		web_staff_list_clear(&sl);
}

void web_handle_home(struct web_req *r)
{
	send_home(r, 200, NULL, NULL);
}

/* ---- POST /new ------------------------------------------------------------ */

static char *clean_field(const struct web_form *form, const char *name, int *bad)
{
	const struct web_field *f = web_form_field(form, name);
	char *s;

	if (f == NULL)
		return NULL;
	if ((s = web_clean_text(f->value, f->len)) == NULL) {
		*bad = 1;
		return NULL;
	}
	if (*s == '\0') {
		free(s);
		return NULL;
	}
	return s;
}

/* The files of a new chat could not be taken: the form again, with the
 * text typed and what was wrong (1), or 0 when all is well. */
static int upload_refused(struct web_req *r)
{
	struct upload_limits lim;
	char *msg;

	if (r->upload.error == UPLOAD_OK)
		return 0;
	web_upload_limits(r->web, &lim);
	msg = upload_error_text(&r->upload, &lim);
	send_home(r, r->upload.error == UPLOAD_STORAGE ? 503
		  : r->upload.error == UPLOAD_FILE_TOO_LARGE ||
		  r->upload.error == UPLOAD_POST_TOO_LARGE ? 413 : 400, msg, &r->form);
	free(msg);
	return 1;
}

static void new_by_contact(struct web_req *r)
{
	int bad = 0;
	char *subject = clean_field(&r->form, "subject", &bad);
	char *body = clean_field(&r->form, "body", &bad);
	char *err = NULL, location[48];
	int64_t thread_id = 0;
	enum gw_result res;
	struct store_post_files pf = { 0 };
	int code;

	if (upload_refused(r))
		goto out;
	if (bad || subject == NULL || (body == NULL && r->upload.n_files == 0)) {
		send_home(r, 400, bad ? _("The text holds characters that cannot be sent.") :
					_("A new chat needs a subject and a message."), &r->form);
		goto out;
	}
	code = web_post_files(r, &pf, &err);
	if (code != 0) {
		send_home(r, code, err, &r->form);
		goto out;
	}
	res = store_chat_create_by_contact_files(r->store, r->sess.id, subject,
						 body != NULL ? body : "", pf.files, pf.n,
						 &thread_id, NULL, &err);
	if (res == GW_TEMPFAIL) {
		web_send_store_error(r, res, err);
		goto out;
	}
	if (res != GW_OK) {
		send_home(r, res == GW_PERMFAIL ? 403 : 400, err, &r->form);
		goto out;
	}
	web_session_touch(r);
	web_outbox_queued(r);
	snprintf(location, sizeof(location), "/t/%lld", (long long)thread_id);
	web_flash(r, "chat");
	web_send_redirect(r, location);
out:
	store_post_files_clear(&pf);
	free(subject);
	free(body);
	free(err);
}

/* "Use template" without JavaScript: the form again, filled. */
static void use_template(struct web_req *r)
{
	struct store_template t = { 0 };
	struct web_form filled;

	if (web_template_fill(r, &r->form, &t, &filled) < 0) {
		send_home(r, 400, _("Choose a template first."), &r->form);
		return;
	}
	send_home(r, 200, NULL, &filled);
	free(filled.fields);
	store_template_clear(&t);
}

static void new_by_staff(struct web_req *r)
{
	if (web_form_get(&r->form, "use_template") != NULL) {
		use_template(r);
		return;
	}

	const struct web_form *form = &r->form;
	struct store_chat_new chat;
	int64_t *accounts = xcalloc(form->count + 1, sizeof(*accounts));
	int64_t *ids = NULL;
	char **tasks = NULL, *tasks_text, *err = NULL;
	const char *tmpl = web_form_get(form, "template");
	int bad = 0;
	char *subject = clean_field(form, "subject", &bad);
	char *body = clean_field(form, "body", &bad);
	size_t n = 0, n_tasks = 0;
	enum gw_result res;
	const char *days = web_form_get(form, "days"), *count = web_form_get(form, "count");
	char *ref_label = clean_field(form, "ref_label", &bad);
	char *ref_url = clean_field(form, "ref_url", &bad);
	struct store_thread_ref_new ref = { ref_label, ref_url };
	struct store_post_files pf = { 0 };
	int code;
	int64_t rdays, rcount;

	memset(&chat, 0, sizeof(chat));
	chat.show_content = STORE_SHOW_CONTENT_DEFAULT;
	for (size_t i = 0; i < form->count; i++)
		if (strcmp(form->fields[i].name, "account") == 0 &&
		    (accounts[n] = web_parse_id(form->fields[i].value)) > 0)
			n++;
	tasks_text = clean_field(form, "tasks", &bad);
	for (char *line = tasks_text, *next; line != NULL && *line != '\0'; line = next) {
		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		while (*line == ' ' || *line == '\t' || *line == '-' || *line == '*')
			line++;
		if (*line == '\0')
			continue;
		tasks = xrealloc(tasks, (n_tasks + 1) * sizeof(*tasks));
		tasks[n_tasks++] = line;
	}
	if (upload_refused(r))
		goto out;
	if (bad || n == 0) {
		send_home(r, 400, bad ? _("The text holds characters that cannot be sent.") :
					_("Choose at least one client."), form);
		goto out;
	}
	if (n > 1 && r->upload.n_files > 0) {
		send_home(r, 400, _("Files go only with a chat to one client: this chat to "
				    "several clients was not sent. Send it without files, then "
				    "add documents to each chat."), form);
		goto out;
	}
	code = web_post_files(r, &pf, &err);
	if (code != 0) {
		send_home(r, code, err, form);
		goto out;
	}
	chat.files = pf.files;
	chat.n_files = pf.n;
	if (body == NULL && chat.n_files > 0 && chat.template_name == NULL)
		body = xstrdup("");
	chat.account_ids = accounts;
	chat.n_accounts = n;
	chat.staff_id = r->sess.id;
	/* A template fills what the form leaves empty; once it filled the
	 * message (app.js, "Use template"), what the fields hold is sent. */
	chat.template_name = tmpl != NULL && *tmpl != '\0' && body == NULL ? tmpl : NULL;
	chat.subject = subject;
	chat.body = body;
	chat.tasks = (const char *const *)tasks;
	chat.n_tasks = n_tasks;
	chat.reminders = web_form_get(form, "reminders") != NULL;
	{
		const char *sc = web_form_get(form, "show_content");

		if (sc != NULL && strcmp(sc, "1") == 0)
			chat.show_content = 1;
		else if (sc != NULL && strcmp(sc, "0") == 0)
			chat.show_content = 0;
	}
	/* Empty: the defaults.  Anything else must be in range, checked
	   before it is narrowed to an int. */
	rdays = days != NULL && *days != '\0' ? web_parse_id(days) : 0;
	rcount = count != NULL && *count != '\0' ? web_parse_id(count) : 0;
	if ((days != NULL && *days != '\0' && (rdays < 1 || rdays > GW_REMINDER_DAYS_MAX)) ||
	    (count != NULL && *count != '\0' &&
	     (rcount < 1 || rcount > GW_REMINDER_COUNT_MAX))) {
		char *msg = xasprintf(_("Reminders: days must be 1 to %d and the count 1 to %d."),
				      GW_REMINDER_DAYS_MAX, GW_REMINDER_COUNT_MAX);

		send_home(r, 400, msg, form);
		free(msg);
		goto out;
	}
	chat.reminder_days = (int)rdays;
	chat.reminder_count = (int)rcount;
	if (ref_label != NULL || ref_url != NULL) {
		const char *field;

		if (store_thread_ref_check(ref_label != NULL ? ref_label : "",
					   ref_url != NULL ? ref_url : "", &field, &err) != GW_OK) {
			/* "url: must start ..." -> "Link address: must start ..." */
			const char *why = strchr(err, ':') != NULL ? strchr(err, ':') + 1 : err;
			char *msg = strcmp(field, "url") == 0 ? xasprintf(_("Link address:%s"), why)
							       : xasprintf(_("Link label:%s"), why);

			send_home(r, 400, msg, form);
			free(msg);
			goto out;
		}
		chat.refs = &ref;
		chat.n_refs = 1;
	}
	ids = xcalloc(n, sizeof(*ids));
	res = store_chat_create(r->store, &chat, ids, &err);
	if (res == GW_TEMPFAIL) {
		web_send_store_error(r, res, err);
		goto out;
	}
	if (res != GW_OK) {
		send_home(r, 400, err, form);
		goto out;
	}
	log_info("web: staff %lld created %zu chat(s)", (long long)r->sess.id, n);
	web_outbox_queued(r);
	if (n == 1) {
		char location[48];

		snprintf(location, sizeof(location), "/t/%lld", (long long)ids[0]);
		web_flash(r, "chat");
		web_send_redirect(r, location);
	} else {
		web_flash(r, "chats");
		web_send_redirect(r, "/");
	}
out:
	store_post_files_clear(&pf);
	free(accounts);
	free(ids);
	free(tasks);
	free(tasks_text);
	free(subject);
	free(body);
	free(ref_label);
	free(ref_url);
	free(err);
}

void web_handle_new_chat(struct web_req *r)
{
	if (r->sess.kind == STORE_STAFF)
		new_by_staff(r);
	else
		new_by_contact(r);
}

/* POST /new/pick: the picker's filter step without JavaScript; the
 * new-chat form again, narrowed, with everything typed.  No chat. */
void web_handle_new_pick(struct web_req *r)
{
	if (r->sess.kind != STORE_STAFF) {
		web_send_error(r, 404, NULL);
		return;
	}
	send_home(r, 200, NULL, &r->form);
}

/* ---- POST /me/emails ------------------------------------------------------ */

void web_handle_my_emails(struct web_req *r)
{
	const char *on = web_form_get(&r->form, "on");
	char *err = NULL;
	enum gw_result res;

	if (r->sess.kind != STORE_CONTACT) {
		web_send_error(r, 403, _("Only a client turns their own emails on or off."));
		return;
	}
	if (on == NULL || (strcmp(on, "0") != 0 && strcmp(on, "1") != 0)) {
		send_home(r, 400, _("Nothing was changed: \"on\" must be 1 or 0."), NULL);
		return;
	}
	res = store_contact_set_notify_by(r->store, r->sess.id, on[0] == '1',
					  STORE_NOTIFY_BY_CONTACT, NULL, &err);
	if (res != GW_OK) {
		web_send_store_error(r, res, err);
		free(err);
		return;
	}
	log_info("web: contact %lld turned emails %s", (long long)r->sess.id,
		 on[0] == '1' ? "on" : "off");
	web_flash(r, "my-emails");
	web_send_redirect(r, "/");
}
