/*
 * taskedit.c - staff change a thread's checklist in the web view: the
 * "Tasks" part of the staff box (each task's text in a field with Save,
 * Up, Down and Remove buttons, and a field to add one), and the POSTs
 * behind it, /t/ID/task/add, /task/edit, /task/remove and /task/move.
 *
 * Plain forms: everything works without script.  Each success answers
 * with a redirect to the thread at #taskedit and a confirmation (flash.c);
 * a refused change shows the page again with the error beside the field
 * it concerns, what was typed in it, and the focus there (the forms'
 * actions carry no anchor: a browser skips autofocus on a page opened at
 * one).  A task of another thread, or of
 * a thread the person may not see, is the same 404 as a page that is not
 * there.  The client's page learns of each change through its event
 * stream (the store moves threads.tasks_rev).
 */
#include "web_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "i18n.h"
#include "log.h"
#include "utf8.h"

#define TASK_MAXLEN 1000

static void render_error(struct buf *o, const struct web_task_form *form)
{
	buf_puts(o, "<p class=\"error\" role=\"alert\" id=\"taskerror\">");
	buf_html_escape(o, form->error);
	buf_puts(o, "</p>");
}

/* A task's text field: what was typed when it was refused. */
static void render_field(struct buf *o, const char *id, const char *label, int label_shown,
			 const char *value, int invalid)
{
	buf_printf(o, "<label for=\"%s\"%s>", id, label_shown ? "" : " class=\"sr\"");
	buf_html_escape(o, label);
	buf_printf(o, "</label><input type=\"text\" id=\"%s\" name=\"text\" maxlength=\"%d\" "
		      "required autocomplete=\"off\"", id, TASK_MAXLEN);
	if (invalid)
		buf_puts(o, " aria-invalid=\"true\" aria-describedby=\"taskerror\" autofocus");
	buf_puts(o, " value=\"");
	buf_html_escape(o, value != NULL ? value : "");
	buf_puts(o, "\">");
}

/* A one-button form: move (position) or remove (position 0); label is
 * the button's accessible name, taken over and freed. */
static void render_button(struct web_req *r, struct buf *o, long long thread,
			  const struct store_task *t, const char *op, int position,
			  const char *text, char *label)
{
	buf_printf(o, "<form class=\"inline\" method=\"post\" action=\"/t/%lld/task/%s\">",
		   thread, op);
	web_render_csrf(r, o);
	buf_printf(o, "<input type=\"hidden\" name=\"task\" value=\"%lld\">", (long long)t->id);
	if (position > 0)
		buf_printf(o, "<input type=\"hidden\" name=\"position\" value=\"%d\">", position);
	buf_printf(o, "<button type=\"submit\" class=\"small%s\" aria-label=\"",
		   strcmp(op, "remove") == 0 ? " danger" : "");
	buf_html_escape(o, label);
	buf_puts(o, "\">");
	buf_html_escape(o, text);
	buf_puts(o, "</button></form>");
	free(label);
}

void web_render_task_editor(struct web_req *r, struct buf *o, const struct store_thread_view *v,
			    const struct web_task_form *form)
{
	long long id = (long long)v->thread.id;
	int adding_refused = form != NULL && form->task_id == 0;

	if (r->sess.kind != STORE_STAFF)
		return;
	buf_printf(o, "<div class=\"taskedit\" id=\"taskedit\"><h3>%s</h3>", _("Tasks"));
	if (v->thread.archived) {
		/* a change sent from a page opened before the archiving */
		if (form != NULL)
			render_error(o, form);
		buf_printf(o, "<p class=\"hint\">%s</p></div>",
			   _("This chat is archived: reopen it to change its tasks."));
		return;
	}
	if (v->n_tasks == 0)
		buf_printf(o, "<p class=\"hint\">%s</p>",
			   _("No tasks yet. Tasks are the client's checklist in this chat; "
			     "they tick them off."));
	else
		buf_puts(o, "<ol class=\"tasklist\">");
	for (size_t i = 0; i < v->n_tasks; i++) {
		const struct store_task *t = &v->tasks[i];
		int refused = form != NULL && form->task_id == t->id;
		char fid[32], *label;

		snprintf(fid, sizeof(fid), "task-%lld", (long long)t->id);
		label = xasprintf(_("Task %zu"), i + 1);
		buf_puts(o, "<li>");
		if (refused)
			render_error(o, form);
		buf_printf(o, "<form class=\"taskrow\" method=\"post\" "
			      "action=\"/t/%lld/task/edit\">", id);
		web_render_csrf(r, o);
		buf_printf(o, "<input type=\"hidden\" name=\"task\" value=\"%lld\">",
			   (long long)t->id);
		render_field(o, fid, label, 0,
			     refused && form->text != NULL ? form->text : t->text, refused);
		buf_printf(o, "<button type=\"submit\" class=\"small\">%s</button></form>"
			      "<div class=\"taskbuttons\">", _("Save"));
		if (i > 0)
			render_button(r, o, id, t, "move", (int)i, _("Up"),
				      xasprintf(_("Move up: %s"), t->text));
		if (i + 1 < v->n_tasks)
			render_button(r, o, id, t, "move", (int)i + 2, _("Down"),
				      xasprintf(_("Move down: %s"), t->text));
		render_button(r, o, id, t, "remove", 0, _("Remove"),
			      xasprintf(_("Remove task: %s"), t->text));
		buf_puts(o, "</div></li>");
		free(label);
	}
	if (v->n_tasks > 0)
		buf_puts(o, "</ol>");
	if (adding_refused)
		render_error(o, form);
	buf_printf(o, "<form class=\"taskadd\" method=\"post\" action=\"/t/%lld/task/add\">",
		   id);
	web_render_csrf(r, o);
	render_field(o, "tasknew", _("New task"), 1, adding_refused ? form->text : NULL,
		     adding_refused);
	buf_printf(o, "<button type=\"submit\">%s</button></form>"
		      "<p class=\"hint\">%s</p></div>", _("Add task"),
		   _("The client sees each change at once; a note only staff see records "
		     "who made it."));
}

/* The text for the store: blanks around it dropped, nothing else. */
static char *trimmed(const struct web_field *f)
{
	const char *s, *e;

	if (f == NULL || memchr(f->value, '\0', f->len) != NULL)
		return NULL;
	s = f->value;
	e = f->value + f->len;
	while (s < e && (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n'))
		s++;
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n'))
		e--;
	return xstrndup(s, (size_t)(e - s));
}

/* The store's refusal in the words of the page. */
static const char *person_error(const char *error)
{
	if (error == NULL)
		return _("The task could not be saved.");
	if (strstr(error, ": empty") != NULL || strstr(error, ": missing") != NULL)
		return _("Write the task: it cannot be empty.");
	if (strstr(error, "longer than") != NULL)
		return _("The task is too long: at most 1000 characters.");
	if (strstr(error, "line break") != NULL || strstr(error, "control") != NULL ||
	    strstr(error, "UTF-8") != NULL)
		return _("The task must be one line of plain text.");
	if (strstr(error, "tasks already") != NULL)
		return _("A chat holds at most 100 tasks.");
	if (strncmp(error, "position", 8) == 0)
		return _("That place is not in the list.");
	if (strstr(error, "archived") != NULL)
		return _("This chat is archived: reopen it to change its tasks.");
	return _("The task could not be saved.");
}

static const char *flash_of(const char *op, int changed)
{
	if (!changed)
		return "task-unchanged";
	if (strcmp(op, "add") == 0)
		return "task-added";
	if (strcmp(op, "edit") == 0)
		return "task-edited";
	if (strcmp(op, "move") == 0)
		return "task-moved";
	return "task-removed";
}

void web_thread_task_edit(struct web_req *r, int64_t thread_id, const char *op)
{
	const struct web_field *tf = web_form_field(&r->form, "text");
	const char *ts = web_form_get(&r->form, "task");
	int64_t task_id = ts != NULL ? web_parse_id(ts) : 0;
	char *text = NULL, *err = NULL, location[64];
	int adding = strcmp(op, "add") == 0, changed = 1;
	enum gw_result res;

	if (r->sess.kind != STORE_STAFF) {
		web_send_error(r, 403, _("Only staff can do that."));
		return;
	}
	if (!adding && task_id == 0) {
		web_send_error(r, 400, _("Which task? The form named none."));
		return;
	}
	if (adding || strcmp(op, "edit") == 0) {
		text = trimmed(tf);
		if (adding)
			res = store_task_create(r->store, thread_id, r->sess.id,
						text != NULL ? text : "", &task_id, &err);
		else
			res = store_task_edit(r->store, thread_id, task_id, r->sess.id,
					      text != NULL ? text : "", &changed, &err);
	} else if (strcmp(op, "move") == 0) {
		const char *ps = web_form_get(&r->form, "position");
		int64_t pos = ps != NULL ? web_parse_id(ps) : 0;

		res = store_task_move(r->store, thread_id, task_id, r->sess.id,
				      pos > 0 && pos <= STORE_TASKS_MAX ? (int)pos : 0, &changed,
				      &err);
	} else {
		res = store_task_remove(r->store, thread_id, task_id, r->sess.id, &err);
	}
	if (res == GW_NOTFOUND || res == GW_TEMPFAIL) {
		web_send_store_error(r, res, err);
		goto out;
	}
	if (res != GW_OK) {
		struct web_task_form form = {
			.task_id = adding ? 0 : task_id,
			.error = person_error(err),
		};
		char *shown = web_form_typed(tf);

		form.text = tf != NULL ? shown : NULL;
		web_send_thread_taskform(r, thread_id, 400, &form);
		free(shown);
		goto out;
	}
	web_audit_target(r, "task", task_id);
	log_info("web: thread %lld: staff %lld: task %lld %s%s", (long long)thread_id,
		 (long long)r->sess.id, (long long)task_id, op, changed ? "" : " (unchanged)");
	web_flash(r, flash_of(op, changed));
	snprintf(location, sizeof(location), "/t/%lld#taskedit", (long long)thread_id);
	web_send_redirect(r, location);
out:
	free(text);
	free(err);
}
