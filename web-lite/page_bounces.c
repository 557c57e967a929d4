/*
 * page_bounces.c - contacts whose address bounces, as staff see them:
 * "bouncing since DATE because REASON" with a button to clear it (used by
 * the thread page's people list, page_people.c), "away until DAY" for one
 * whose out-of-office reply gave a date, the notice on the home page of
 * owners and admins listing every contact that bounces, and POST
 * /c/ID/clear-bounce.
 *
 * Everything is rendered here, escaped; the contact's reason is the
 * remote server's words and is never trusted.
 */
#include "web_int.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"

/* "bouncing since 25 Nov 2026 because 5.1.1 ..." and the clear button;
 * back_thread: where the button returns to (0 = home). */
void web_render_bouncing(struct web_req *r, struct buf *o, int64_t contact_id,
			 int64_t bounced_at, const char *reason, int64_t back_thread)
{
	char day[96];

	i18n_format_date(bounced_at, I18N_DATE, day, sizeof(day));
	buf_puts(o, "<span class=\"bouncing\">");
	web_say2(o, _("bouncing since %s because %s"), day,
		 reason != NULL && reason[0] != '\0' ? reason : _("no reason given"));
	buf_printf(o, "</span><form class=\"inline\" method=\"post\" "
		      "action=\"/c/%lld/clear-bounce\">", (long long)contact_id);
	web_render_csrf(r, o);
	if (back_thread > 0)
		buf_printf(o, "<input type=\"hidden\" name=\"thread\" value=\"%lld\">",
			   (long long)back_thread);
	buf_printf(o, "<button type=\"submit\">%s</button></form>", _("Clear: the address works again"));
}

/*
 * "away until 12 Dec 2026": the last day away their automatic reply gave,
 * shown while their reminders wait for their return.
 */
void web_render_away(struct buf *o, const char *away_until, int64_t away_resume_at)
{
	int64_t t = 0, now = clock_now();

	if (away_until == NULL || away_resume_at <= now || clock_parse(away_until, &t) != 0)
		return;
	{
		char day[96];

		/* the day their reply named: a calendar day, not a zone's */
		i18n_format_date(t + 43200, I18N_DATE | I18N_UTC, day, sizeof(day));
		buf_printf(o, "<span class=\"tag away\" title=\"%s\">",
			   _("from their automatic reply; reminders to them wait for their return"));
		buf_printf(o, _("away until %s"), day);
	}
	buf_puts(o, "</span> ");
}

static void render_contact_line(struct web_req *r, struct buf *o,
				const struct store_contact *k, int64_t back_thread)
{
	buf_puts(o, "<li><span class=\"cname\">");
	buf_html_escape(o, k->name);
	buf_puts(o, " &lt;");
	buf_html_escape(o, k->email);
	buf_puts(o, "&gt;</span> ");
	if (k->removed_at != 0)
		; /* said by the forms below: nothing to clear or to turn on */
	else if (k->email_status == STORE_EMAIL_BOUNCING)
		web_render_bouncing(r, o, k->id, k->bounced_at, k->bounce_reason, back_thread);
	else if (!k->notify)
		buf_printf(o, "<span class=\"tag\">%s</span>", _("emails off"));
	if (k->removed_at == 0)
		web_render_away(o, k->away_until, k->away_resume_at);
	if (back_thread > 0)
		web_render_contact_forms(r, o, k, back_thread);
}

void web_render_reminder_hold(struct web_req *r, struct buf *o, int64_t account_id,
			      int64_t next_due)
{
	struct store_contact_list list = { NULL, 0 };
	int64_t back = 0;
	size_t reached = 0, away = 0;

	if (store_contact_list(r->store, account_id, &list, NULL) != GW_OK)
		goto out;
	for (size_t i = 0; i < list.count; i++) {
		const struct store_contact *k = &list.items[i];

		if (k->removed_at != 0 || !k->notify || k->email_status != STORE_EMAIL_OK)
			continue;
		reached++;
		if (k->away_resume_at > next_due) {
			away++;
			if (back == 0 || k->away_resume_at < back)
				back = k->away_resume_at;
		}
	}
	if (reached > 0 && away == reached) {
		char day[96];

		i18n_format_date(back, I18N_DATE, day, sizeof(day));
		buf_puts(o, "; ");
		if (reached == 1)
			buf_printf(o, _("it waits while the contact is away, until %s"), day);
		else
			buf_printf(o, _("it waits while every contact is away, until %s"), day);
	}
out:
	store_contact_list_free(&list);
}

void web_render_bouncing_notice(struct web_req *r, struct buf *o)
{
	struct store_staff me;
	struct store_contact_list list = { NULL, 0 };

	memset(&me, 0, sizeof(me));
	if (r->sess.kind != STORE_STAFF ||
	    store_staff_get(r->store, r->sess.id, &me, NULL) != GW_OK ||
	    (me.role != STORE_ROLE_OWNER && me.role != STORE_ROLE_ADMIN) ||
	    store_contacts_bouncing(r->store, r->sess.id, &list, NULL) != GW_OK ||
	    list.count == 0)
		goto out;
	buf_puts(o, "<section class=\"card notice bounces\" id=\"bounces\" role=\"status\"><h2>");
	buf_printf(o, ngettext("%zu contact gets no email", "%zu contacts get no email",
			       list.count), list.count);
	buf_printf(o, "</h2><p>%s</p><ul class=\"contacts\">",
		   ngettext("Mail to this address bounced. Clear a contact once the address "
			    "works again, or change the address.",
			    "Mail to these addresses bounced. Clear a contact once the address "
			    "works again, or change the address.", list.count));
	for (size_t i = 0; i < list.count; i++) {
		struct store_account a;

		render_contact_line(r, o, &list.items[i], 0);
		memset(&a, 0, sizeof(a));
		if (store_account_get(r->store, list.items[i].account_id, &a, NULL) == GW_OK) {
			buf_puts(o, " <span class=\"org\">");
			buf_html_escape(o, a.name);
			buf_puts(o, "</span>");
		}
		store_account_clear(&a);
		buf_puts(o, "</li>");
	}
	buf_puts(o, "</ul></section>");
out:
	store_staff_clear(&me);
	store_contact_list_free(&list);
}

void web_handle_clear_bounce(struct web_req *r)
{
	int64_t thread_id = web_parse_id(web_form_get(&r->form, "thread"));
	char *err = NULL, location[64];
	enum gw_result res;

	if (r->sess.kind != STORE_STAFF) {
		web_send_error(r, 403, NULL);
		return;
	}
	res = store_contact_clear_bounce(r->store, r->id, r->sess.id, &err);
	if (res == GW_PERMFAIL) {
		web_send_error(r, 403, _("Only owners and admins clear a bouncing mark."));
		free(err);
		return;
	}
	if (res != GW_OK) {
		web_send_store_error(r, res, err);
		free(err);
		return;
	}
	/* Back where the button was: a thread this person sees, else home;
	 * the address is built from an id only. */
	if (thread_id > 0 &&
	    store_thread_access(r->store, thread_id, STORE_STAFF, r->sess.id, NULL) == GW_OK)
		snprintf(location, sizeof(location), "/t/%lld", (long long)thread_id);
	else
		snprintf(location, sizeof(location), "/");
	web_flash(r, "bounce-cleared");
	web_send_redirect(r, location);
}
