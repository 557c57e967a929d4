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
	buf_puts(o, "<span class=\"bouncing\">bouncing since ");
	web_render_date(o, bounced_at);
	buf_puts(o, " because ");
	buf_html_escape(o, reason != NULL && reason[0] != '\0' ? reason : "no reason given");
	buf_printf(o, "</span><form class=\"inline\" method=\"post\" "
		      "action=\"/c/%lld/clear-bounce\">", (long long)contact_id);
	web_render_csrf(r, o);
	if (back_thread > 0)
		buf_printf(o, "<input type=\"hidden\" name=\"thread\" value=\"%lld\">",
			   (long long)back_thread);
	buf_puts(o, "<button type=\"submit\">Clear: the address works again</button></form>");
}

/*
 * "away until Thu 12 Dec": the last day away their automatic reply gave,
 * shown while their reminders wait for their return.
 */
void web_render_away(struct buf *o, const char *away_until, int64_t away_resume_at)
{
	static const char *const wd[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char *const mon[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
					   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	int64_t t = 0, now = clock_now();
	time_t tt;
	struct tm tm;

	if (away_until == NULL || away_resume_at <= now || clock_parse(away_until, &t) != 0)
		return;
	tt = (time_t)t;
	if (gmtime_r(&tt, &tm) == NULL)
		return;
	buf_printf(o, "<span class=\"tag away\" title=\"from their automatic reply; reminders "
		      "to them wait for their return\">away until %s %d %s", wd[tm.tm_wday],
		   tm.tm_mday, mon[tm.tm_mon]);
	{
		time_t tn = (time_t)now;
		struct tm today;

		if (gmtime_r(&tn, &today) != NULL && today.tm_year != tm.tm_year)
			buf_printf(o, " %d", tm.tm_year + 1900);
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
		buf_puts(o, "<span class=\"tag\">emails off</span>");
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
		buf_puts(o, "; it waits while ");
		buf_puts(o, reached == 1 ? "the contact is" : "every contact is");
		buf_puts(o, " away, until ");
		web_render_date(o, back);
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
	buf_printf(o, "<section class=\"card notice bounces\" id=\"bounces\" role=\"status\"><h2>%zu contact%s "
		      "get%s no email</h2><p>Mail to %s bounced. Clear a contact once the address "
		      "works again, or change the address.</p><ul class=\"contacts\">",
		   list.count, list.count == 1 ? "" : "s", list.count == 1 ? "s" : "",
		   list.count == 1 ? "this address" : "these addresses");
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
		web_send_error(r, 403, "Only owners and admins clear a bouncing mark.");
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
