/*
 * decide_bounce.c - a delivery report: whether it proves that mail to one
 * of our contacts failed, and marking that contact bouncing on a permanent
 * failure.  Never answered.
 *
 * Anyone can send a report, so a contact is marked only on proof that
 * this report answers mail we sent to that contact at that address:
 *   - it came from the null sender (a report of a mail server, RFC 3461);
 *   - it was sent to a bounce+TOKEN address with our MAC, issued for a
 *     contact (the VERP envelope sender of our mail to that contact);
 *   - the failed address (Final-Recipient, else Original-Recipient, else
 *     what the report's text names) equals that contact's address, or,
 *     when the report names none, the returned Message-ID is one of our
 *     emails to that contact at that same address.
 * Only that one contact may be marked.  A report to a reply+ address, to
 * postmaster@, abuse@ or any other address of the reply domain, or from a
 * real sender, marks nobody: its Final-Recipient and returned Message-ID
 * are the sender's word, and every reader of a notification knows its
 * Message-ID.  Such a report is logged with the reason and dropped.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decide_private.h"
#include "links.h"
#include "store.h"

/* Reason given to store_contact_mark_bouncing(), bytes. */
#define DECIDE_BOUNCE_REASON_MAX 300

/* What the report proves. */
struct bounce_proof {
	int64_t contact_id;   /* the one contact it is about; 0 = nobody */
	const char *how;      /* how that was proved, for the log */
	char *nobody;         /* why nobody may be marked (malloc'd), or NULL */
};

/* The thread the report's returned Message-ID names, for the log only. */
static enum gw_result returned_row(const struct decide_settings *set,
				   const struct inbound_result *r, struct store_outbox *row,
				   int *found_r, char **error_r)
{
	char *err = NULL;
	enum gw_result res;

	*found_r = 0;
	memset(row, 0, sizeof(*row));
	if (r->bounce.original_message_id == NULL)
		return GW_OK;
	res = store_outbox_find_mail_id(set->store, r->bounce.original_message_id, row, &err);
	if (res == GW_OK) {
		*found_r = 1;
		return GW_OK;
	}
	if (res == GW_NOTFOUND || res == GW_INVALID) {
		free(err);
		return GW_OK;
	}
	return dc_tempfail_in(error_r, "outbox lookup", err);
}

/* The local part of an address of the reply domain, for the log. */
static char *local_part(const char *addr)
{
	const char *at = strrchr(addr, '@');

	return xstrndup(addr, at != NULL ? (size_t)(at - addr) : strlen(addr));
}

/* Who the report is about, if it proves anything; see the top of the file. */
static enum gw_result bounce_prove(const struct decide_settings *set,
				   const struct inbound_result *r, struct decide_outcome *out,
				   int64_t now, struct bounce_proof *p, char **error_r)
{
	char tok[LINK_ADDR_TOKEN_MAX + 1];
	const char *rcpt = out->recipient, *failed = r->bounce.final_recipient;
	struct link_claims c;
	struct store_outbox row;
	struct store_contact ct;
	enum link_verdict v = LINK_MALFORMED;
	char *err = NULL;
	int purpose, found = 0;
	enum gw_result res;

	memset(p, 0, sizeof(*p));
	memset(&c, 0, sizeof(c));
	purpose = link_address_token(rcpt, set->reply_domain, tok);
	if (purpose == LINK_BOUNCE || purpose == LINK_REPLY)
		/* No generation check: the MAC proves the address was ours. */
		v = link_addr_verify(set->keys, tok, (enum link_purpose)purpose, now, NULL, NULL,
				     &c);
	if ((v == LINK_OK || v == LINK_EXPIRED) && c.thread_id > 0)
		out->thread_id = c.thread_id;

	res = returned_row(set, r, &row, &found, error_r);
	if (res != GW_OK)
		return res;
	if (found && out->thread_id == 0 && row.thread_id > 0)
		out->thread_id = row.thread_id;

	if (purpose == LINK_REPLY) {
		p->nobody = xstrdup("sent to a reply address, not a bounce address");
	} else if (purpose != LINK_BOUNCE) {
		if (dc_in_reply_domain(rcpt, set->reply_domain)) {
			char *lp = local_part(rcpt);

			p->nobody = xasprintf("sent to %s@ of the reply domain, not a bounce address",
					      lp);
			free(lp);
		} else {
			p->nobody = xstrdup("not sent to a bounce address");
		}
	} else if (v != LINK_OK && v != LINK_EXPIRED) {
		p->nobody = xasprintf("forged or damaged bounce address (%s)", link_verdict_name(v));
	} else if (c.kind != LINK_CONTACT) {
		p->nobody = xstrdup("the bounce address is not a contact's");
	} else if (out->sender[0] != '\0') {
		p->nobody = xstrdup("envelope sender not null: a mail server reports from <>");
	}
	if (p->nobody != NULL)
		goto done;

	memset(&ct, 0, sizeof(ct));
	res = store_contact_get(set->store, c.principal_id, &ct, &err);
	if (res == GW_NOTFOUND || res == GW_INVALID) {
		free(err);
		p->nobody = xasprintf("contact %lld of the bounce address is gone",
				      (long long)c.principal_id);
		goto done;
	}
	if (res != GW_OK) {
		store_outbox_clear(&row);
		return dc_tempfail_in(error_r, "contact lookup", err);
	}
	if (failed != NULL) {
		if (dc_addr_equal(failed, ct.email)) {
			p->contact_id = ct.id;
			p->how = "bounce address and failed address";
		} else {
			p->nobody = xasprintf("failed address %s is not the address of contact %lld, "
					      "whose bounce address this is", failed, (long long)ct.id);
		}
	} else if (found && row.recipient_kind == STORE_CONTACT && row.recipient_id == ct.id &&
		   dc_addr_equal(row.recipient_address, ct.email)) {
		p->contact_id = ct.id;
		p->how = "bounce address and returned message-id";
	} else {
		p->nobody = xasprintf("names no failed address, and no email to contact %lld at "
				      "its address came back", (long long)ct.id);
	}
	store_contact_clear(&ct);
done:
	store_outbox_clear(&row);
	return GW_OK;
}

enum gw_result dc_handle_bounce(const struct decide_settings *set,
				const struct inbound_result *r, int64_t now,
				struct decide_outcome *out, char **error_r)
{
	const struct inbound_bounce *b = &r->bounce;
	struct bounce_proof p;
	struct buf reason = BUF_INIT, why = BUF_INIT;
	struct store_contact ct;
	enum gw_result res;
	char *err = NULL;

	res = bounce_prove(set, r, out, now, &p, error_r);
	if (res != GW_OK)
		return res;

	buf_puts(&reason, r->reason);
	if (b->status[0] != '\0')
		buf_printf(&reason, "; %s", b->status);
	if (b->action != NULL)
		buf_printf(&reason, " %s", b->action);
	if (b->final_recipient != NULL)
		buf_printf(&reason, "; final-recipient %s", b->final_recipient);

	if (p.contact_id == 0) {
		buf_printf(&reason, "; marks nobody: %s", p.nobody != NULL ? p.nobody : "no proof");
		free(p.nobody);
		dc_buf_cut_utf8(&reason, 1000);
		dc_set_reason(out, &reason);
		return dc_record(set, out, DECIDE_BOUNCE, error_r);
	}
	if (!b->permanent) {
		buf_printf(&reason, "; temporary, contact %lld not marked", (long long)p.contact_id);
		dc_set_reason(out, &reason);
		return dc_record(set, out, DECIDE_BOUNCE, error_r);
	}

	buf_printf(&why, "%s", b->status[0] != '\0' ? b->status : "failed");
	if (b->diagnostic != NULL)
		buf_printf(&why, " %s", b->diagnostic);
	dc_buf_cut_utf8(&why, DECIDE_BOUNCE_REASON_MAX);

	memset(&ct, 0, sizeof(ct));
	res = store_contact_get(set->store, p.contact_id, &ct, &err);
	if (res == GW_OK && ct.email_status == STORE_EMAIL_OK) {
		res = store_contact_mark_bouncing(set->store, ct.id, buf_cstr(&why), &err);
		if (res == GW_OK) {
			out->contacts_bouncing++;
			buf_printf(&reason, "; contact %lld marked bouncing (%s)", (long long)ct.id,
				   p.how);
		}
	} else if (res == GW_OK) {
		buf_printf(&reason, "; contact %lld already bouncing", (long long)ct.id);
	}
	store_contact_clear(&ct);
	buf_release(&why);
	if (res != GW_OK) {
		buf_release(&reason);
		return dc_tempfail_in(error_r, "bounce", err);
	}
	dc_buf_cut_utf8(&reason, 1000);
	dc_set_reason(out, &reason);
	return dc_record(set, out, DECIDE_BOUNCE, error_r);
}
