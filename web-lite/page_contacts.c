/*
 * page_contacts.c - staff change a contact's address, turn their
 * notifications on or off, or remove the contact, from the people list
 * in the thread page's staff box: POST /c/ID/email, /c/ID/notify and
 * /c/ID/remove.
 *
 * Who may: staff who see the contact's account (owners and admins, or a
 * member assigned to it).  A client is refused (403); staff of other
 * accounts get the answer of an unknown contact (404), so that ids do not
 * tell who exists.  Both POSTs are CSRF-checked by the route's gate.
 *
 * Removing has a confirmation that needs no JavaScript: the "yes, remove"
 * box must be ticked in the same form, or nothing happens (400).  The
 * store does the rest (store_contact_remove: history kept, links dead,
 * queued mail cancelled, no more email).
 */
#include "web_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "i18n.h"
#include "utf8.h"

/* The refused form of this contact, when the request has one (form
 * "contact-email" or "contact-remove"). */
static int refused_here(const struct web_req *r, const struct store_contact *k,
			const char *form)
{
	return r->refused.form != NULL && r->refused.id == k->id &&
	       strcmp(r->refused.form, form) == 0;
}

static void refused_error(struct buf *o, const struct web_req *r, long long id)
{
	buf_printf(o, "<p class=\"error\" role=\"alert\" id=\"ceerr%lld\">", id);
	buf_html_escape(o, r->refused.error);
	buf_puts(o, "</p>");
}

void web_render_contact_forms(struct web_req *r, struct buf *o,
			      const struct store_contact *k, int64_t back_thread)
{
	int bad_email = refused_here(r, k, "contact-email");
	int bad_remove = refused_here(r, k, "contact-remove");

	if (k->removed_at != 0) {
		char day[96];

		i18n_format_date(k->removed_at, I18N_DATE, day, sizeof(day));
		buf_puts(o, "<span class=\"tag removed\">");
		buf_printf(o, _("removed %s"), day);
		buf_puts(o, "</span>");
		return;
	}
	/* <details> keeps the box short on a phone and opens without script. */
	/* a refused change opens the box, with the error beside its form */
	buf_printf(o, "<details class=\"contact-edit\"%s><summary>%s</summary>",
		   bad_email || bad_remove ? " open" : "", _("Change address or remove"));
	if (bad_email)
		refused_error(o, r, (long long)k->id);
	buf_printf(o, "<form class=\"contact-email\" method=\"post\" action=\"/c/%lld/email\">",
		   (long long)k->id);
	web_render_csrf(r, o);
	buf_printf(o, "<input type=\"hidden\" name=\"thread\" value=\"%lld\">",
		   (long long)back_thread);
	buf_printf(o, "<label for=\"ce%lld\">%s</label>"
		      "<input id=\"ce%lld\" type=\"email\" name=\"email\" required "
		      "autocomplete=\"off\"",
		   (long long)k->id, _("New address"), (long long)k->id);
	if (bad_email)
		buf_printf(o, " aria-invalid=\"true\" aria-describedby=\"ceerr%lld\" autofocus",
			   (long long)k->id);
	buf_puts(o, " value=\"");
	buf_html_escape(o, bad_email && r->refused.value != NULL ? r->refused.value : k->email);
	buf_printf(o, "\"><button type=\"submit\">%s</button>"
		    "<p class=\"hint\">%s</p></form>", _("Change address"),
		   _("Links sent to the old address stop working."));
	if (bad_remove)
		refused_error(o, r, (long long)k->id);
	buf_printf(o, "<form class=\"contact-remove\" method=\"post\" action=\"/c/%lld/remove\">",
		   (long long)k->id);
	web_render_csrf(r, o);
	buf_printf(o, "<input type=\"hidden\" name=\"thread\" value=\"%lld\">",
		   (long long)back_thread);
	buf_printf(o, "<label class=\"check\"><input type=\"checkbox\" name=\"confirm\" "
		      "value=\"yes\" required%s> ",
		   bad_remove ? " aria-invalid=\"true\" autofocus" : "");
	web_say(o, _("yes, remove %s"), k->name);
	buf_printf(o, "</label><button type=\"submit\" class=\"danger\">%s</button>"
		    "<p class=\"hint\">%s</p></form></details>", _("Remove"),
		   _("Their messages stay; they get no more email and their "
		     "links stop working."));
}

/*
 * The contact of r->id, when the staff member of the session sees its
 * account: GW_OK with *k filled; GW_NOTFOUND for an unknown contact and
 * for one of an account they do not see; another result on a database
 * error.
 */
static enum gw_result staff_contact(struct web_req *r, struct store_contact *k, char **err)
{
	struct store_account_list mine = { NULL, 0 };
	enum gw_result res = store_contact_get(r->store, r->id, k, err);
	int sees = 0;

	if (res != GW_OK)
		return res;
	/* Owners and admins get every account, members those assigned. */
	res = store_account_list(r->store, r->sess.id, &mine, err);
	for (size_t i = 0; res == GW_OK && i < mine.count; i++)
		sees |= mine.items[i].id == k->account_id;
	store_account_list_free(&mine);
	if (res == GW_OK && !sees)
		res = GW_NOTFOUND;
	if (res != GW_OK)
		store_contact_clear(k);
	return res;
}

/* After a change: back to the thread the form was on when this person
 * sees it, else home.  The address is built from an id only. */
static void back(struct web_req *r)
{
	int64_t thread_id = web_parse_id(web_form_get(&r->form, "thread"));
	char location[64];

	if (thread_id > 0 &&
	    store_thread_access(r->store, thread_id, STORE_STAFF, r->sess.id, NULL) == GW_OK)
		snprintf(location, sizeof(location), "/t/%lld", (long long)thread_id);
	else
		snprintf(location, sizeof(location), "/");
	web_send_redirect(r, location);
}

/*
 * A refused form: the thread page it was on again, with the error and
 * what was typed in place; without a thread this person sees (the home
 * page's list of bouncing contacts), the error page.
 */
static void refuse(struct web_req *r, const char *form, const char *error)
{
	int64_t thread_id = web_parse_id(web_form_get(&r->form, "thread"));
	char *typed;

	if (thread_id <= 0 ||
	    store_thread_access(r->store, thread_id, STORE_STAFF, r->sess.id, NULL) != GW_OK) {
		web_send_error(r, 400, error);
		return;
	}
	typed = web_form_typed(web_form_field(&r->form, "email"));
	r->refused.form = form;
	r->refused.id = r->id;
	r->refused.value = typed;
	r->refused.error = error;
	web_send_thread(r, thread_id, 400, NULL, NULL);
	memset(&r->refused, 0, sizeof(r->refused));
	free(typed);
}

/* A store refusal of an address in the page's words. */
static const char *email_error(const char *err)
{
	if (err != NULL && strstr(err, "removed") != NULL)
		return _("This contact was removed: the address cannot change.");
	if (err != NULL && (strstr(err, "exists") != NULL || strstr(err, "already") != NULL ||
			    strstr(err, "UNIQUE") != NULL))
		return _("Another contact of this account has that address.");
	return _("That is not an email address we can write to: check it and try again.");
}

/* The answer of a change: its store error, or back where the form was. */
static void done(struct web_req *r, enum gw_result res, char *err, const char *flash)
{
	if (res != GW_OK) {
		web_send_store_error(r, res, err);
	} else {
		web_flash(r, flash);
		back(r);
	}
	free(err);
}

/* Shared start of both POSTs: staff only, and only their accounts. */
static int start(struct web_req *r, struct store_contact *k)
{
	char *err = NULL;
	enum gw_result res;

	memset(k, 0, sizeof(*k));
	if (r->sess.kind != STORE_STAFF) {
		web_send_error(r, 403, NULL);
		return -1;
	}
	res = staff_contact(r, k, &err);
	if (res != GW_OK) {
		web_send_store_error(r, res, err);
		free(err);
		return -1;
	}
	return 0;
}

void web_handle_contact_email(struct web_req *r)
{
	const char *email = web_form_get(&r->form, "email");
	struct store_contact k;
	char *err = NULL;
	enum gw_result res;

	if (start(r, &k) < 0)
		return;
	if (k.removed_at != 0) {
		store_contact_clear(&k);
		web_send_error(r, 400, _("This contact was removed: the address cannot change."));
		return;
	}
	store_contact_clear(&k);
	res = store_contact_set_email(r->store, r->id, email != NULL ? email : "", &err);
	if (res == GW_INVALID || res == GW_PERMFAIL) {
		refuse(r, "contact-email", email_error(err));
		free(err);
		return;
	}
	done(r, res, err, "contact-email");
}

void web_handle_contact_remove(struct web_req *r)
{
	const char *confirm = web_form_get(&r->form, "confirm");
	struct store_contact k;
	char *err = NULL;
	enum gw_result res;

	if (start(r, &k) < 0)
		return;
	store_contact_clear(&k);
	if (confirm == NULL || strcmp(confirm, "yes") != 0) {
		refuse(r, "contact-remove",
		       _("Nothing was removed: tick \"yes, remove\" to confirm."));
		return;
	}
	res = store_contact_remove(r->store, r->id, NULL, &err);
	done(r, res, err, "contact-removed");
}

/* POST /c/ID/notify, on=1 or on=0: staff turn a contact's emails on or off. */
void web_handle_contact_notify(struct web_req *r)
{
	const char *on = web_form_get(&r->form, "on");
	struct store_contact k;
	char *err = NULL;
	enum gw_result res;

	if (start(r, &k) < 0)
		return;
	store_contact_clear(&k);
	if (on == NULL || (strcmp(on, "0") != 0 && strcmp(on, "1") != 0)) {
		web_send_error(r, 400, _("Nothing was changed: \"on\" must be 1 or 0."));
		return;
	}
	res = store_contact_set_notify_by(r->store, r->id, on[0] == '1', STORE_NOTIFY_BY_STAFF,
					  NULL, &err);
	if (res == GW_OK)
		snprintf(r->audit_target, sizeof(r->audit_target), "contact %lld notifications %s",
			 (long long)r->id, on[0] == '1' ? "on" : "off");
	done(r, res, err, "contact-notify");
}
