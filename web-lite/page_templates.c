/*
 * page_templates.c - chat templates in the web view, and the shortcode
 * helper of the forms that may hold shortcodes.
 *
 *   GET  /templates              owners and admins: every template, each
 *                                in a form to change it, and one to add
 *   POST /templates/new          add one
 *   POST /templates/#            change one (its name too)
 *   POST /templates/#/delete     delete one
 *
 * A refused form is shown again with what was typed and the reason.  The
 * new-chat form offers the templates: picking one fills subject, message
 * and tasks for editing (app.js), or without JavaScript the "Use template"
 * button shows the form again filled (web_template_fill()).
 */
#include "web_int.h"

#include <stdlib.h>
#include <string.h>

#include "i18n.h"
#include "log.h"

static int may_manage(const struct web_req *r)
{
	return r->sess.kind == STORE_STAFF &&
	       (r->sess.role == STORE_ROLE_OWNER || r->sess.role == STORE_ROLE_ADMIN);
}

/* ---- the shortcode helper ---- */

void web_render_shortcode_help(struct buf *o, const char *target, int contact_ok)
{
	buf_printf(o, "<details class=\"shortcodes\"><summary>%s</summary>"
		      "<p class=\"hint\">%s</p><ul>",
		   _("Add shortcode"),
		   contact_ok ? _("Shortcodes are filled in for each client when the chat is "
				  "created; contact shortcodes for each contact who reads it, so "
				  "everyone reads their own name.")
			      : _("Shortcodes are filled in for each client when the chat is "
				  "created. The subject is shared by all contacts of a client: "
				  "contact shortcodes go in the message."));
	for (size_t i = 0; i < store_n_shortcodes; i++) {
		const struct store_shortcode *sc = &store_shortcodes[i];

		if (sc->per_contact && !contact_ok)
			continue;
		buf_printf(o, "<li><code>%s</code> %s", sc->code, _(sc->help));
		/* app.js shows the button and inserts the code at the cursor */
		buf_printf(o, " <button type=\"button\" class=\"sc\" hidden data-code=\"%s\" "
			      "data-target=\"%s\" aria-label=\"", sc->code, target);
		buf_printf(o, _("Insert %s"), _(sc->label));
		buf_printf(o, "\">%s</button></li>", _("Insert"));
	}
	buf_puts(o, "</ul></details>");
}

/* ---- the template picker of the new-chat form ---- */

void web_render_template_picker(struct buf *o, const struct store_template_list *list,
				const char *selected)
{
	if (list->count == 0)
		return;
	buf_printf(o, "<div class=\"tplrow\"><label>%s<select name=\"template\" "
		      "id=\"template\"><option value=\"\">%s</option>",
		   _("Template"), _("None"));
	for (size_t i = 0; i < list->count; i++) {
		const struct store_template *t = &list->items[i];

		buf_puts(o, "<option value=\"");
		buf_html_escape(o, t->name);
		buf_puts(o, "\" data-subject=\"");
		buf_html_escape(o, t->subject);
		buf_puts(o, "\" data-body=\"");
		buf_html_escape(o, t->body);
		buf_puts(o, "\" data-tasks=\"");
		buf_html_escape(o, t->tasks != NULL ? t->tasks : "");
		buf_puts(o, selected != NULL && strcmp(selected, t->name) == 0 ? "\" selected>"
									     : "\">");
		buf_html_escape(o, t->name);
		buf_puts(o, "</option>");
	}
	buf_printf(o, "</select></label><button type=\"submit\" name=\"use_template\" "
		      "value=\"1\" class=\"usetpl\" formnovalidate>%s</button></div>"
		      "<p class=\"hint\">%s</p>",
		   _("Use template"),
		   _("A template fills subject, message and tasks; change them before you "
		     "create the chat."));
}

/*
 * "Use template" without JavaScript: the form as it was sent, with the
 * template's subject, message and tasks in place and no template chosen
 * (what the fields hold is what will be sent).  0, or -1 when the
 * template is gone.  The fields point into form and t: keep both.
 */
int web_template_fill(struct web_req *r, const struct web_form *form,
		      struct store_template *t, struct web_form *out)
{
	const char *name = web_form_get(form, "template");
	size_t n = 0;

	memset(out, 0, sizeof(*out));
	if (name == NULL || *name == '\0' || store_template_get(r->store, name, t, NULL) != GW_OK)
		return -1;
	out->fields = xcalloc(form->count + 3, sizeof(*out->fields));
	for (size_t i = 0; i < form->count; i++) {
		const char *fn = form->fields[i].name;

		if (strcmp(fn, "subject") == 0 || strcmp(fn, "body") == 0 ||
		    strcmp(fn, "tasks") == 0 || strcmp(fn, "template") == 0 ||
		    strcmp(fn, "use_template") == 0)
			continue;
		out->fields[n] = form->fields[i];
		out->fields[n++].borrowed = 1;
	}
	const char *names[] = { "subject", "body", "tasks" };
	char *values[] = { t->subject, t->body, t->tasks != NULL ? t->tasks : "" };
	for (size_t i = 0; i < 3; i++) {
		out->fields[n].name = (char *)names[i];
		out->fields[n].value = values[i];
		out->fields[n].len = strlen(values[i]);
		out->fields[n++].borrowed = 1;
	}
	out->count = n;
	return 0;
}

/* ---- GET /templates ---- */

static void prefill(struct buf *o, const struct web_form *pf, const char *name,
		    const char *fallback)
{
	const char *v = pf != NULL ? web_form_get(pf, name) : NULL;

	buf_html_escape(o, v != NULL ? v : fallback != NULL ? fallback : "");
}

/* One template's form; t NULL: a new one.  pf: what was sent, when it was
 * refused. */
static void template_form(struct web_req *r, struct buf *o, const struct store_template *t,
			  const struct web_form *pf)
{
	char id[32];

	snprintf(id, sizeof(id), "%lld", t != NULL ? (long long)t->id : 0LL);
	buf_printf(o, "<section class=\"card tpl\" id=\"tpl%s\"><h2>", id);
	if (t != NULL)
		buf_html_escape(o, t->name);
	else
		buf_puts(o, _("New template"));
	buf_puts(o, "</h2>");
	if (t != NULL)
		buf_printf(o, "<form method=\"post\" action=\"/templates/%s\">", id);
	else
		buf_puts(o, "<form method=\"post\" action=\"/templates/new\">");
	web_render_csrf(r, o);
	buf_printf(o, "<label>%s<input name=\"name\" required maxlength=\"200\" value=\"",
		   _("Name"));
	prefill(o, pf, "name", t != NULL ? t->name : NULL);
	buf_printf(o, "\"></label><label>%s<input name=\"subject\" id=\"subject%s\" required "
		      "maxlength=\"300\" value=\"", _("Subject"), id);
	prefill(o, pf, "subject", t != NULL ? t->subject : NULL);
	buf_puts(o, "\"></label>");
	char target[48];
	snprintf(target, sizeof(target), "subject%s", id);
	web_render_shortcode_help(o, target, 0);
	buf_printf(o, "<label>%s<textarea name=\"body\" id=\"body%s\" rows=\"6\" required>",
		   _("Message"), id);
	prefill(o, pf, "body", t != NULL ? t->body : NULL);
	buf_puts(o, "</textarea></label>");
	snprintf(target, sizeof(target), "body%s", id);
	web_render_shortcode_help(o, target, 1);
	buf_printf(o, "<label>%s<textarea name=\"tasks\" rows=\"3\">",
		   _("Tasks for the client, one per line"));
	prefill(o, pf, "tasks", t != NULL ? t->tasks : NULL);
	buf_printf(o, "</textarea></label><div class=\"actions\"><button class=\"primary\" "
		      "type=\"submit\">%s</button></div></form>",
		   t != NULL ? _("Save template") : _("Add template"));
	if (t != NULL) {
		buf_printf(o, "<form method=\"post\" action=\"/templates/%s/delete\" "
			      "class=\"tpldel\">", id);
		web_render_csrf(r, o);
		buf_printf(o, "<button type=\"submit\" class=\"danger\">%s</button></form>",
			   _("Delete template"));
	}
	buf_puts(o, "</section>");
}

/* The page; error and pf (the refused form of template failed_id, 0 = the
 * new one) after a refused change. */
static void send_templates(struct web_req *r, int code, const char *error,
			   const struct web_form *pf, int64_t failed_id)
{
	struct store_template_list list = { NULL, 0 };
	struct buf main = BUF_INIT;
	char *err = NULL;
	enum gw_result res = store_template_list(r->store, &list, &err);

	if (res != GW_OK) {
		web_send_store_error(r, res, err);
		free(err);
		return;
	}
	buf_printf(&main, "<div class=\"homehead\"><h1>%s</h1><a class=\"back\" href=\"/\">%s"
			  "</a></div>", _("Templates"), _("Back to the chats"));
	if (error != NULL) {
		buf_puts(&main, "<p class=\"error\" role=\"alert\">");
		buf_html_escape(&main, error);
		buf_puts(&main, "</p>");
	}
	buf_printf(&main, "<p class=\"hint\">%s</p>",
		   _("A template fills the subject, message and tasks of a new chat."));
	if (list.count == 0)
		buf_printf(&main, "<p class=\"empty card\">%s</p>", _("No templates yet."));
	for (size_t i = 0; i < list.count; i++)
		template_form(r, &main, &list.items[i],
			      failed_id == list.items[i].id ? pf : NULL);
	template_form(r, &main, NULL, failed_id == 0 ? pf : NULL);
	web_send_page(r, code, _("Templates"), &main);
	buf_release(&main);
	store_template_list_free(&list);
}

void web_handle_templates(struct web_req *r)
{
	if (!may_manage(r)) {
		web_send_error(r, r->sess.kind == STORE_STAFF ? 403 : 404,
			       r->sess.kind == STORE_STAFF ?
				       _("Only owners and admins manage templates.") : NULL);
		return;
	}
	send_templates(r, 200, NULL, NULL, -1);
}

/* ---- POST /templates/new, /templates/#, /templates/#/delete ---- */

static char *field(const struct web_form *form, const char *name, int *bad)
{
	const struct web_field *f = web_form_field(form, name);
	char *s;

	if (f == NULL)
		return xstrdup("");
	if ((s = web_clean_text(f->value, f->len)) == NULL) {
		*bad = 1;
		return xstrdup("");
	}
	return s;
}

void web_handle_template_save(struct web_req *r)
{
	int bad = 0;
	char *name, *subject, *body, *tasks, *err = NULL;
	enum gw_result res;

	if (!may_manage(r)) {
		web_send_error(r, 403, _("Only owners and admins manage templates."));
		return;
	}
	name = field(&r->form, "name", &bad);
	subject = field(&r->form, "subject", &bad);
	body = field(&r->form, "body", &bad);
	tasks = field(&r->form, "tasks", &bad);
	if (bad) {
		send_templates(r, 400, _("The text holds characters that cannot be saved."),
			       &r->form, r->id);
		goto out;
	}
	if (r->id != 0)
		res = store_template_update(r->store, r->id, name, subject, body, tasks, &err);
	else
		res = store_template_save(r->store, name, subject, body, tasks, &err);
	if (res == GW_TEMPFAIL || (res == GW_NOTFOUND && r->id != 0)) {
		web_send_store_error(r, res, err);
		goto out;
	}
	if (res != GW_OK) {
		send_templates(r, 400, err, &r->form, r->id);
		goto out;
	}
	if (r->id == 0) {
		struct store_template t;

		if (store_template_get(r->store, name, &t, NULL) == GW_OK)
			web_audit_target(r, "template", t.id);
		store_template_clear(&t);
	} else {
		web_audit_target(r, "template", r->id);
	}
	log_info("web: staff %lld saved template \"%s\"", (long long)r->sess.id, name);
	web_flash(r, "template-saved");
	web_send_redirect(r, "/templates");
out:
	free(name);
	free(subject);
	free(body);
	free(tasks);
	free(err);
}

void web_handle_template_delete(struct web_req *r)
{
	struct store_template t;
	char *err = NULL;
	enum gw_result res;

	if (!may_manage(r)) {
		web_send_error(r, 403, _("Only owners and admins manage templates."));
		return;
	}
	res = store_template_get_id(r->store, r->id, &t, &err);
	if (res == GW_OK)
		res = store_template_delete(r->store, t.name, &err);
	if (res != GW_OK) {
		web_send_store_error(r, res, err);
	} else {
		web_audit_target(r, "template", r->id);
		log_info("web: staff %lld deleted template %lld", (long long)r->sess.id,
			 (long long)r->id);
		web_flash(r, "template-deleted");
		web_send_redirect(r, "/templates");
	}
	store_template_clear(&t);
	free(err);
}
