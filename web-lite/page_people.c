/*
 * page_people.c - who gets this, as staff see it on the thread page: the
 * warning above the reply form when no contact will be emailed, and the
 * people list in the staff box: each contact of the account with their
 * email state (emails on, notifications off, unsubscribed, bouncing since
 * when and why, removed; away until a day) and the switch to turn their
 * notifications on or off, then the staff told of the client's replies
 * (assigned, standing in, following) and the follow button.
 *
 * The words of the warning are the store's (store_nobody_emailed): the
 * JSON API and gatewayctl say the same sentence.  Everything a person
 * typed (names, addresses, a remote server's bounce reason) is escaped.
 */
#include "web_int.h"

#include <stdlib.h>
#include <string.h>

void web_render_nobody_warning(struct buf *o, const struct store_recipients *rc)
{
	if (rc == NULL || rc->nobody_emailed == NULL)
		return;
	buf_puts(o, "<p class=\"warning nobody\" id=\"nobody\" role=\"status\">");
	buf_html_escape(o, rc->nobody_emailed);
	buf_puts(o, ".</p>");
}

/* "Turn notifications off/on" for a contact who is not removed. */
static void render_switch(struct web_req *r, struct buf *o, const struct store_thread_person *p,
			  int64_t thread_id)
{
	int on = p->reach == STORE_REACH_NOTIFY_OFF || p->reach == STORE_REACH_UNSUBSCRIBED;

	buf_printf(o, "<form class=\"inline notify\" method=\"post\" action=\"/c/%lld/notify\">",
		   (long long)p->id);
	web_render_csrf(r, o);
	buf_printf(o, "<input type=\"hidden\" name=\"thread\" value=\"%lld\">"
		      "<input type=\"hidden\" name=\"on\" value=\"%d\">"
		      "<button type=\"submit\">%s</button></form>",
		   (long long)thread_id, on, on ? _("Turn notifications on") : _("Turn notifications off"));
}

static void render_state(struct web_req *r, struct buf *o, const struct store_thread_person *p,
			 int64_t thread_id, int may_clear)
{
	switch (p->reach) {
	case STORE_REACH_EMAILED:
		buf_printf(o, "<span class=\"tag ok\">%s</span> ", _("emailed"));
		break;
	case STORE_REACH_NOTIFY_OFF:
	case STORE_REACH_UNSUBSCRIBED:
		buf_puts(o, "<span class=\"tag off\">");
		buf_puts(o, p->reach == STORE_REACH_UNSUBSCRIBED
				    ? _("unsubscribed")
				    : _("notifications off"));
		if (p->notify_changed_at > 0) {
			char day[96];

			i18n_format_date(p->notify_changed_at, I18N_DATE, day, sizeof(day));
			buf_putc(o, ' ');
			buf_printf(o, _("since %s"), day);
		}
		buf_puts(o, "</span> ");
		break;
	case STORE_REACH_BOUNCING:
		if (may_clear) {
			web_render_bouncing(r, o, p->id, p->bounced_at, p->bounce_reason, thread_id);
		} else {
			char day[96];

			i18n_format_date(p->bounced_at, I18N_DATE, day, sizeof(day));
			buf_puts(o, "<span class=\"bouncing\">");
			web_say2(o, _("bouncing since %s because %s"), day,
				 p->bounce_reason != NULL && p->bounce_reason[0] != '\0'
					 ? p->bounce_reason : _("no reason given"));
			buf_puts(o, "</span> ");
		}
		break;
	case STORE_REACH_REMOVED:
		break; /* the contact forms say "removed DATE" */
	}
}

static void render_contact(struct web_req *r, struct buf *o, const struct store_thread_person *p,
			   int64_t thread_id, int may_clear)
{
	struct store_contact k;

	buf_printf(o, "<li class=\"person reach-%s\"><span class=\"cname\">",
		   store_reach_name(p->reach));
	buf_html_escape(o, p->name);
	buf_puts(o, " <span class=\"addr\">&lt;");
	buf_html_escape(o, p->email);
	buf_puts(o, "&gt;</span></span> ");
	render_state(r, o, p, thread_id, may_clear);
	if (p->reach != STORE_REACH_REMOVED) {
		web_render_away(o, p->away_until, p->away_resume_at);
		if (p->reach != STORE_REACH_BOUNCING)
			render_switch(r, o, p, thread_id);
	}
	/* the forms of page_contacts.c read these fields only */
	memset(&k, 0, sizeof(k));
	k.id = p->id;
	k.name = p->name;
	k.email = p->email;
	k.removed_at = p->removed_at;
	web_render_contact_forms(r, o, &k, thread_id);
	buf_puts(o, "</li>");
}

static void render_staff(struct buf *o, const struct store_thread_person *p, int64_t me)
{
	const char *sep = "";

	buf_puts(o, "<li class=\"person\"><span class=\"cname\">");
	buf_html_escape(o, p->name);
	if (p->id == me)
		buf_printf(o, " %s", _("(you)"));
	buf_puts(o, "</span> <span class=\"why\">");
	if (p->assigned) {
		buf_puts(o, _("assigned"));
		sep = ", ";
	}
	if (p->standing_in) {
		buf_printf(o, "%s%s", sep, _("nobody is assigned"));
		sep = ", ";
	}
	if (p->following)
		buf_printf(o, "%s%s", sep, _("following"));
	buf_puts(o, "</span>");
	if (p->reach == STORE_REACH_NOTIFY_OFF)
		buf_printf(o, " <span class=\"tag off\">%s</span>", _("emails off"));
	buf_puts(o, "</li>");
}

void web_render_people(struct web_req *r, struct buf *o, int64_t thread_id,
		       const struct store_recipients *rc)
{
	int may_clear = r->sess.role == STORE_ROLE_OWNER || r->sess.role == STORE_ROLE_ADMIN;
	int following = 0;

	buf_printf(o, "<div class=\"people\" id=\"people\"><h3>%s</h3>", _("Who gets this"));
	if (rc->n_contacts == 0)
		buf_printf(o, "<p class=\"hint\">%s</p>", _("This account has no contacts."));
	else
		buf_printf(o, "<ul class=\"contacts\" aria-label=\"%s\">", _("Contacts"));
	for (size_t i = 0; i < rc->n_contacts; i++)
		render_contact(r, o, &rc->contacts[i], thread_id, may_clear);
	if (rc->n_contacts > 0)
		buf_puts(o, "</ul>");
	buf_printf(o, "<h3>%s</h3>", _("Staff told when the client replies"));
	if (rc->n_staff == 0)
		buf_printf(o, "<p class=\"hint\">%s</p>", _("Nobody."));
	else
		buf_printf(o, "<ul class=\"staff\" aria-label=\"%s\">", _("Staff"));
	for (size_t i = 0; i < rc->n_staff; i++) {
		render_staff(o, &rc->staff[i], r->sess.id);
		if (rc->staff[i].id == r->sess.id && rc->staff[i].following)
			following = 1;
	}
	if (rc->n_staff > 0)
		buf_puts(o, "</ul>");
	buf_printf(o, "<form class=\"follow\" method=\"post\" action=\"/t/%lld/%s\">",
		   (long long)thread_id, following ? "unfollow" : "follow");
	web_render_csrf(r, o);
	buf_printf(o, "<button type=\"submit\">%s</button><p class=\"hint\">%s</p></form></div>",
		   following ? _("Unfollow") : _("Follow"),
		   following ? _("You are told when the client replies here.")
			     : _("Follow to be told when the client replies here."));
}
