/*
 * decide_away.c - a person's automatic reply (out of office) to one of our
 * emails: never answered, but staff see a note in the thread, and when it
 * gives a return date the contact is "away until" that day and their
 * reminders wait for the next business day after it.  See decide.h.
 *
 * Whose reply it is: the token (reply address or our Message-ID) names
 * the contact we wrote to; the reply counts as theirs only when its
 * envelope sender or From is that contact's address.  Anyone else's
 * automatic reply (an assistant's, a forward's) gets a note naming the
 * sender and changes no one's state.
 */
#include "decide_private.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "away.h"
#include "clock.h"
#include "links.h"
#include "store.h"

/* The contact the reply is from, or 0; *name_r their name (malloc'd). */
static enum gw_result reply_contact(const struct decide_settings *set,
				    const struct inbound_result *r, const char *sender,
				    enum link_principal kind, int64_t principal_id,
				    int64_t *contact_r, char **name_r, char **error_r)
{
	struct store_contact ct;
	char *err = NULL;
	enum gw_result res;

	*contact_r = 0;
	*name_r = NULL;
	if (kind != LINK_CONTACT || principal_id <= 0)
		return GW_OK;
	memset(&ct, 0, sizeof(ct));
	res = store_contact_get(set->store, principal_id, &ct, &err);
	if (res == GW_NOTFOUND || res == GW_INVALID) {
		free(err);
		return GW_OK;
	}
	if (res != GW_OK)
		return dc_tempfail_in(error_r, "contact lookup", err);
	if (ct.removed_at == 0 &&
	    (dc_addr_equal(sender, ct.email) || dc_addr_equal(r->from, ct.email))) {
		*contact_r = ct.id;
		*name_r = ct.name;
		ct.name = NULL;
	}
	store_contact_clear(&ct);
	return GW_OK;
}

int dc_bounce_address_names(const struct decide_settings *set, const char *rcpt, int64_t now,
			    int64_t *thread_r, enum link_principal *kind_r, int64_t *principal_r)
{
	char tok[LINK_ADDR_TOKEN_MAX + 1];
	struct link_claims c;
	enum link_verdict v;

	if (rcpt == NULL || link_address_token(rcpt, set->reply_domain, tok) != LINK_BOUNCE)
		return 0;
	memset(&c, 0, sizeof(c));
	v = link_addr_verify(set->keys, tok, LINK_BOUNCE, now, store_link_generation, set->store,
			     &c);
	if ((v != LINK_OK && v != LINK_EXPIRED) || c.thread_id <= 0)
		return 0;
	*thread_r = c.thread_id;
	*kind_r = c.kind;
	*principal_r = c.principal_id;
	return 1;
}

enum gw_result dc_handle_away(const struct decide_settings *set, const struct inbound_result *r,
			      enum link_principal kind, int64_t principal_id, int64_t now,
			      struct decide_outcome *out, char **error_r)
{
	struct store_auto_reply a;
	struct store_inbound_in in;
	struct buf note = BUF_INIT, reason = BUF_INIT;
	char found[128], day[AWAY_DAY_MAX], today[AWAY_DAY_MAX], until[AWAY_DAY_MAX];
	char *name = NULL, *who = NULL, *err = NULL;
	int64_t contact = 0, last = 0, note_id = 0;
	enum away_result ar;
	enum gw_result res;

	res = reply_contact(set, r, out->sender, kind, principal_id, &contact, &name, error_r);
	if (res != GW_OK)
		return res;
	if (contact > 0 && name != NULL && name[0] != '\0')
		who = xstrdup(name);
	else
		who = dc_clean_line(r->from != NULL ? r->from : out->sender, DECIDE_ADDR_MAX);
	if (who[0] == '\0') {
		free(who);
		who = xstrdup("");  /* the note says "someone" in the reader's language */
	}

	ar = away_parse(r->auto_text, now, &last, found, sizeof(found));
	memset(&a, 0, sizeof(a));
	a.thread_id = out->thread_id;
	a.contact_id = contact;
	a.day = away_format_iso(now / CLOCK_DAY, today);
	buf_puts(&reason, out->reason);
	buf_puts(&reason, "; out of office");
	switch (ar) {
	case AWAY_DATE:
	case AWAY_CAPPED:
		/* "away": who, the last day, what it said when capped, the cap
		   (store/notes.c says it in each reader's language) */
		buf_printf(&note, "%s" STORE_NOTE_SEP "%s" STORE_NOTE_SEP "%s" STORE_NOTE_SEP "%d",
			   who, away_format_iso(last, day), ar == AWAY_CAPPED ? found : "",
			   AWAY_MAX_DAYS);
		a.note_kind = "away";
		buf_printf(&reason, ", away until %s", away_format_iso(last, until));
		if (ar == AWAY_CAPPED)
			buf_printf(&reason, " (\"%s\" capped at %d days)", found, AWAY_MAX_DAYS);
		if (contact > 0) {
			a.away_until = until;
			a.resume_at = away_next_business_day(last) * CLOCK_DAY;
			buf_printf(&reason, ", contact %lld reminded again from %s", (long long)contact,
				   away_format_iso(a.resume_at / CLOCK_DAY, day));
		} else {
			buf_puts(&reason, ", sender is not the contact written to: no state changed");
		}
		break;
	case AWAY_PAST:
	case AWAY_IMPOSSIBLE:
	case AWAY_NONE:
		/* a bad date is logged once, here, and the note has none */
		if (ar == AWAY_NONE)
			buf_puts(&reason, ", no return date");
		else
			buf_printf(&reason, ", return date \"%s\" ignored: %s", found,
				   ar == AWAY_PAST ? "in the past" : "no such day");
		buf_puts(&note, who);
		a.note_kind = "auto_reply";
		break;
	}
	a.note_args = buf_cstr(&note);
	dc_set_reason(out, &reason);
	dc_one_line(out->reason);

	dc_inbound_in(out, DECIDE_AUTOMATIC, &in);
	in.received_at = now;
	res = store_auto_reply_record(set->store, &in, &a, &out->inbound_id, &note_id, &err);
	if (res == GW_OK) {
		char *logged = xasprintf("%s; %s", out->reason,
					 note_id != 0 ? "staff note" : "noted already today");

		out->verdict = DECIDE_AUTOMATIC;
		free(out->reason);
		out->reason = logged;
	} else if (res == GW_TEMPFAIL) {
		res = dc_tempfail_in(error_r, "automatic reply", err);
		err = NULL;
	} else {
		/* the thread is gone: the message is still accounted for */
		buf_puts(&reason, out->reason);
		buf_printf(&reason, "; not noted: %s", err != NULL ? err : "refused");
		dc_buf_cut_utf8(&reason, 1000);
		dc_set_reason(out, &reason);
		res = dc_record(set, out, DECIDE_AUTOMATIC, error_r);
	}
	free(err);
	free(name);
	free(who);
	buf_release(&note);
	buf_release(&reason);
	return res;
}
