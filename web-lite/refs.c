/*
 * refs.c - a thread's external references in the web view: the links
 * staff see under the thread's title, the "Links" part of the staff box
 * (each with a remove button, and a form to add one), and the two POSTs
 * behind them, /t/ID/link and /t/ID/unlink.
 *
 * Staff only.  A contact's thread view holds no references (the store
 * leaves them out), and these functions render nothing for a contact
 * either.  Labels are plain text, escaped; URLs are http(s) (the store
 * refuses anything else) and escaped into the href.
 *
 * A refused link shows the page again with the error beside the form and
 * the label and URL as they were typed; the form's action ends in #links
 * so that the browser comes back to it.
 */
#include "web_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "i18n.h"
#include "log.h"
#include "utf8.h"

static void render_anchor(struct buf *o, const struct store_thread_ref *f)
{
	buf_puts(o, "<a class=\"ref\" href=\"");
	buf_html_escape(o, f->url);
	buf_puts(o, "\" target=\"_blank\" rel=\"noopener noreferrer\">");
	buf_html_escape(o, f->label);
	buf_puts(o, "</a>");
}

void web_render_refs_head(struct web_req *r, struct buf *o,
			  const struct store_thread_view *v)
{
	if (r->sess.kind != STORE_STAFF || v->n_refs == 0)
		return;
	buf_printf(o, "<ul class=\"refs\" aria-label=\"%s\">", _("Links"));
	for (size_t i = 0; i < v->n_refs; i++) {
		buf_puts(o, "<li>");
		render_anchor(o, &v->refs[i]);
		buf_puts(o, "</li>");
	}
	buf_puts(o, "</ul>");
}

/* An input of the add form, with what was typed and its error. */
static void render_input(struct buf *o, const char *name, const char *type,
			 const char *label, int max, const char *value, int invalid,
			 const char *placeholder)
{
	buf_printf(o, "<label for=\"ref%s\">%s<input id=\"ref%s\" type=\"%s\" name=\"%s\" "
		      "maxlength=\"%d\" required", name, label, name, type, name, max);
	if (placeholder != NULL)
		buf_printf(o, " placeholder=\"%s\"", placeholder);
	if (invalid)
		buf_puts(o, " aria-invalid=\"true\" aria-describedby=\"referror\" autofocus");
	if (value != NULL) {
		buf_puts(o, " value=\"");
		buf_html_escape(o, value);
		buf_puts(o, "\"");
	}
	buf_puts(o, "></label>");
}

void web_render_refs_box(struct web_req *r, struct buf *o, const struct store_thread_view *v,
			 const struct web_ref_form *form)
{
	long long id = (long long)v->thread.id;

	if (r->sess.kind != STORE_STAFF)
		return;
	buf_printf(o, "<div class=\"refbox\" id=\"links\"><h3>%s</h3>", _("Links"));
	if (v->n_refs == 0)
		buf_printf(o, "<p class=\"hint\">%s</p>",
			   _("None yet. Link this chat to a job, a case or a "
			     "folder in the firm's own systems; clients do not see links."));
	else
		buf_puts(o, "<ul class=\"reflist\">");
	for (size_t i = 0; i < v->n_refs; i++) {
		const struct store_thread_ref *f = &v->refs[i];

		buf_puts(o, "<li>");
		render_anchor(o, f);
		buf_puts(o, "<span class=\"refurl\">");
		buf_html_escape(o, f->url);
		buf_printf(o, "</span><form class=\"inline\" method=\"post\" "
			      "action=\"/t/%lld/unlink#links\">", id);
		web_render_csrf(r, o);
		buf_printf(o, "<input type=\"hidden\" name=\"ref\" value=\"%lld\">"
			      "<button type=\"submit\" class=\"link\" aria-label=\"",
			   (long long)f->id);
		web_say(o, _("Remove link %s"), f->label);
		buf_printf(o, "\">%s</button></form></li>", _("Remove"));
	}
	if (v->n_refs > 0)
		buf_puts(o, "</ul>");
	if (form != NULL && form->error != NULL) {
		buf_puts(o, "<p class=\"error\" role=\"alert\" id=\"referror\">");
		buf_html_escape(o, form->error);
		buf_puts(o, "</p>");
	}
	buf_printf(o, "<form class=\"refadd\" method=\"post\" action=\"/t/%lld/link#links\">", id);
	web_render_csrf(r, o);
	render_input(o, "label", "text", _("Label"), STORE_REF_LABEL_MAX,
		     form != NULL ? form->label : NULL,
		     form != NULL && form->field != NULL && strcmp(form->field, "label") == 0,
		     _("Tax return 2026 \xe2\x80\x93 job 4711"));
	render_input(o, "url", "url", _("Address"), STORE_REF_URL_MAX,
		     form != NULL ? form->url : NULL,
		     form != NULL && form->field != NULL && strcmp(form->field, "url") == 0,
		     "https://");
	buf_printf(o, "<button type=\"submit\">%s</button></form></div>", _("Add link"));
}

/* The value for the store: blanks around it dropped, nothing else. */
static char *trimmed(const struct web_field *f)
{
	const char *s, *e;

	if (f == NULL || memchr(f->value, '\0', f->len) != NULL)
		return NULL;
	s = f->value;
	e = f->value + f->len;
	while (s < e && (*s == ' ' || *s == '\t'))
		s++;
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n'))
		e--;
	return xstrndup(s, (size_t)(e - s));
}

/* "url: must start ..." -> "Address: must start ..." for the person. */
static char *person_error(const char *field, const char *error)
{
	const char *rest = error;

	if (field != NULL && strncmp(error, field, strlen(field)) == 0 &&
	    error[strlen(field)] == ':')
		rest = error + strlen(field) + 1;
	while (*rest == ' ')
		rest++;
	if (field != NULL && strcmp(field, "url") == 0)
		return xasprintf(_("Address: %s"), rest);
	if (field != NULL && strcmp(field, "label") == 0)
		return xasprintf(_("Label: %s"), rest);
	return xstrdup(error);
}

void web_thread_link(struct web_req *r, int64_t thread_id)
{
	const struct web_field *lf = web_form_field(&r->form, "label");
	const struct web_field *uf = web_form_field(&r->form, "url");
	char *label = trimmed(lf), *url = trimmed(uf), *err = NULL;
	struct web_ref_form form = { 0 };
	const char *field = NULL;
	char location[64];
	enum gw_result res;
	int64_t ref_id = 0;

	if (r->sess.kind != STORE_STAFF) {
		web_send_error(r, 403, _("Only staff can do that."));
		goto out;
	}
	res = store_thread_ref_check(label != NULL ? label : "", url != NULL ? url : "", &field,
				     &err);
	if (res == GW_OK)
		res = store_thread_ref_add(r->store, thread_id, r->sess.id, label, url, &ref_id,
					   &err);
	if (res == GW_NOTFOUND || res == GW_TEMPFAIL) {
		web_send_store_error(r, res, err);
		goto out;
	}
	if (res != GW_OK) {
		if (field == NULL && err != NULL && strncmp(err, "url:", 4) == 0)
			field = "url";
		form.label = web_form_typed(lf);
		form.url = web_form_typed(uf);
		form.field = field;
		form.error = person_error(field, err);
		web_send_thread_form(r, thread_id, 400, &form);
		free((char *)form.label);
		free((char *)form.url);
		free((char *)form.error);
		goto out;
	}
	log_info("web: thread %lld: staff %lld: link %lld added", (long long)thread_id,
		 (long long)r->sess.id, (long long)ref_id);
	snprintf(location, sizeof(location), "/t/%lld#links", (long long)thread_id);
	web_flash(r, "link-added");
	web_send_redirect(r, location);
out:
	free(err);
	free(label);
	free(url);
}

void web_thread_unlink(struct web_req *r, int64_t thread_id)
{
	int64_t ref_id = web_parse_id(web_form_get(&r->form, "ref"));
	char location[64], *err = NULL;
	enum gw_result res;

	if (r->sess.kind != STORE_STAFF) {
		web_send_error(r, 403, _("Only staff can do that."));
		return;
	}
	if (ref_id == 0) {
		web_send_error(r, 400, _("Which link?"));
		return;
	}
	res = store_thread_ref_remove(r->store, thread_id, ref_id, r->sess.id, &err);
	if (res != GW_OK) {
		web_send_store_error(r, res, err);
		free(err);
		return;
	}
	log_info("web: thread %lld: staff %lld: link %lld removed", (long long)thread_id,
		 (long long)r->sess.id, (long long)ref_id);
	snprintf(location, sizeof(location), "/t/%lld#links", (long long)thread_id);
	web_flash(r, "link-removed");
	web_send_redirect(r, location);
}
