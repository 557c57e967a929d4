/*
 * page_staff.c - the firm's staff as owners and admins manage them in the
 * web view: who they are, their role, and for members the "view all
 * accounts" right (they see every account, as owners and admins do,
 * without becoming one), switched on and off with POST /staff/ID/view-all
 * (on=1 or on=0), audited as "account".
 *
 * Members find nothing here (404): the list is the firm's business.
 */
#include "web_int.h"

#include <stdlib.h>
#include <string.h>

#include "i18n.h"
#include "log.h"

static int manages_staff(const struct web_req *r)
{
	return r->sess.kind == STORE_STAFF &&
	       (r->sess.role == STORE_ROLE_OWNER || r->sess.role == STORE_ROLE_ADMIN);
}

static void render_row(struct web_req *r, struct buf *o, const struct store_staff *s)
{
	buf_puts(o, "<li class=\"staffrow\"><div class=\"who\"><span class=\"name\">");
	buf_html_escape(o, s->name);
	buf_puts(o, "</span> <span class=\"muted\">");
	buf_html_escape(o, s->email);
	buf_printf(o, "</span></div><div class=\"rights\"><span class=\"tag\">%s</span> ",
		   s->role == STORE_ROLE_OWNER ? _("Owner")
		   : s->role == STORE_ROLE_ADMIN ? _("Admin") : _("Member"));
	if (s->role != STORE_ROLE_MEMBER) {
		buf_printf(o, "<span class=\"muted\">%s</span></div></li>",
			   _("Sees every account."));
		return;
	}
	buf_printf(o, "<span class=\"muted\" id=\"va%lld\">%s</span>", (long long)s->id,
		   s->view_all ? _("Sees every account (view all accounts).")
			       : _("Sees the accounts assigned to them."));
	buf_printf(o, "<form class=\"inline\" method=\"post\" action=\"/staff/%lld/view-all\">",
		   (long long)s->id);
	web_render_csrf(r, o);
	buf_printf(o, "<input type=\"hidden\" name=\"on\" value=\"%d\">"
		      "<button type=\"submit\" aria-describedby=\"va%lld\">%s</button></form>"
		      "</div></li>", !s->view_all, (long long)s->id,
		   s->view_all ? _("Remove view all accounts") : _("Allow view all accounts"));
}

static void send_staff(struct web_req *r, int code, const char *notice, const char *error)
{
	struct store_staff_list list = { 0 };
	struct buf main = BUF_INIT;
	char *err = NULL;
	enum gw_result res = store_staff_list(r->store, &list, &err);

	if (res != GW_OK) {
		web_send_store_error(r, res, err);
		free(err);
		return;
	}
	buf_printf(&main, "<section class=\"card staff\"><h1>%s</h1><p class=\"hint\">%s</p>",
		   _("Staff"),
		   _("Members see the accounts assigned to them. A member allowed to view all "
		     "accounts sees every account, as owners and admins do, without their "
		     "other rights."));
	if (notice != NULL) {
		buf_puts(&main, "<p class=\"ok\" role=\"status\">");
		buf_html_escape(&main, notice);
		buf_puts(&main, "</p>");
	}
	if (error != NULL) {
		buf_puts(&main, "<p class=\"error\" role=\"alert\">");
		buf_html_escape(&main, error);
		buf_puts(&main, "</p>");
	}
	buf_puts(&main, "<ul class=\"stafflist\">");
	for (size_t i = 0; i < list.count; i++)
		render_row(r, &main, &list.items[i]);
	buf_puts(&main, "</ul></section>");
	web_send_page(r, code, _("Staff"), &main);
	buf_release(&main);
	store_staff_list_free(&list);
}

void web_handle_staff(struct web_req *r)
{
	if (!manages_staff(r)) {
		web_send_error(r, 404, NULL);
		return;
	}
	send_staff(r, 200, NULL, NULL);
}

void web_handle_staff_view_all(struct web_req *r)
{
	const char *on = web_form_get(&r->form, "on");
	struct store_staff s;
	char *err = NULL, *msg;
	enum gw_result res;

	memset(&s, 0, sizeof(s));
	if (!manages_staff(r)) {
		web_send_error(r, 404, NULL);
		return;
	}
	if (on == NULL || (strcmp(on, "1") != 0 && strcmp(on, "0") != 0)) {
		web_request_rollback(r);
		send_staff(r, 400, NULL, _("on: must be 1 (allow) or 0 (remove)."));
		return;
	}
	res = store_staff_get(r->store, r->id, &s, &err);
	if (res == GW_OK)
		res = store_staff_set_view_all(r->store, r->id, on[0] == '1', &err);
	if (res != GW_OK) {
		web_send_store_error(r, res, err);
		free(err);
		store_staff_clear(&s);
		return;
	}
	web_audit_target(r, "staff", r->id);
	log_info("web: staff %lld: view all accounts %s by staff %lld", (long long)r->id,
		 on[0] == '1' ? "on" : "off", (long long)r->sess.id);
	msg = xasprintf(on[0] == '1' ? _("%s may now view all accounts.")
				     : _("%s now sees only the accounts assigned to them."),
			s.name);
	send_staff(r, 200, msg, NULL);
	free(msg);
	store_staff_clear(&s);
}
