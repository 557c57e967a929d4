/*
 * decide_bounce.c - a delivery report: which contacts it is about, from
 * proof that the bounced mail was ours, and marking them bouncing on a
 * permanent failure.  Never answered.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decide_private.h"
#include "links.h"
#include "store.h"

/* Reason given to store_contact_mark_bouncing(), bytes. */
#define DECIDE_BOUNCE_REASON_MAX 300
/* Contacts marked bouncing by one report, at most. */
#define DECIDE_MAX_CONTACTS 16

struct bounce_who {
	int64_t ids[DECIDE_MAX_CONTACTS];
	size_t n;
	const char *how;
};

static void who_add(struct bounce_who *w, int64_t id)
{
	for (size_t i = 0; i < w->n; i++)
		if (w->ids[i] == id)
			return;
	if (w->n < DECIDE_MAX_CONTACTS)
		w->ids[w->n++] = id;
}

/*
 * Which contacts the report is about, from proof that the bounced mail was
 * ours.  A genuine token in the recipient (any purpose) sets *genuine_r.
 */
static enum gw_result bounce_find(const struct decide_settings *set,
				  const struct inbound_result *r, const char *recipient,
				  int64_t now, struct bounce_who *w, int64_t *thread_r,
				  char **error_r)
{
	char tok[LINK_ADDR_TOKEN_MAX + 1];
	struct link_claims c;
	int purpose, genuine = 0;
	char *err = NULL;
	enum gw_result res;

	memset(w, 0, sizeof(*w));
	purpose = link_address_token(recipient, set->reply_domain, tok);
	if (purpose == LINK_BOUNCE || purpose == LINK_REPLY) {
		enum link_verdict v;

		memset(&c, 0, sizeof(c));
		/* No generation check: the MAC proves the address was ours. */
		v = link_addr_verify(set->keys, tok, (enum link_purpose)purpose, now, NULL,
				     NULL, &c);
		if (v == LINK_OK || v == LINK_EXPIRED) {
			genuine = 1;
			if (c.thread_id > 0)
				*thread_r = c.thread_id;
			if (purpose == LINK_BOUNCE && c.kind == LINK_CONTACT) {
				who_add(w, c.principal_id);
				w->how = "bounce token";
				return GW_OK;
			}
		}
	}

	if (r->bounce.original_message_id != NULL) {
		struct store_outbox row;

		memset(&row, 0, sizeof(row));
		res = store_outbox_find_mail_id(set->store, r->bounce.original_message_id, &row,
						&err);
		if (res == GW_OK) {
			if (row.thread_id > 0 && *thread_r == 0)
				*thread_r = row.thread_id;
			if (row.recipient_kind == STORE_CONTACT) {
				who_add(w, row.recipient_id);
				w->how = "returned message-id";
			}
			store_outbox_clear(&row);
			if (w->n > 0)
				return GW_OK;
		} else if (res == GW_NOTFOUND || res == GW_INVALID) {
			free(err);
			err = NULL;
		} else {
			return dc_tempfail_in(error_r, "outbox lookup", err);
		}
	}

	if (genuine && r->bounce.final_recipient != NULL) {
		struct store_contact_list list;

		memset(&list, 0, sizeof(list));
		res = store_contact_find_email(set->store, r->bounce.final_recipient, &list, &err);
		if (res == GW_OK) {
			for (size_t i = 0; i < list.count; i++)
				who_add(w, list.items[i].id);
			if (w->n > 0)
				w->how = "final-recipient";
			store_contact_list_free(&list);
		} else if (res == GW_NOTFOUND || res == GW_INVALID) {
			free(err);
		} else {
			return dc_tempfail_in(error_r, "contact lookup", err);
		}
	}
	return GW_OK;
}

enum gw_result dc_handle_bounce(const struct decide_settings *set,
				const struct inbound_result *r, int64_t now,
				struct decide_outcome *out, char **error_r)
{
	const struct inbound_bounce *b = &r->bounce;
	struct bounce_who w;
	struct buf reason = BUF_INIT, why = BUF_INIT;
	enum gw_result res;
	char *err = NULL;

	res = bounce_find(set, r, out->recipient, now, &w, &out->thread_id, error_r);
	if (res != GW_OK)
		return res;

	buf_puts(&reason, r->reason);
	if (b->status[0] != '\0')
		buf_printf(&reason, "; %s", b->status);
	if (b->action != NULL)
		buf_printf(&reason, " %s", b->action);
	if (b->final_recipient != NULL)
		buf_printf(&reason, "; final-recipient %s", b->final_recipient);

	buf_printf(&why, "%s", b->status[0] != '\0' ? b->status : "failed");
	if (b->diagnostic != NULL)
		buf_printf(&why, " %s", b->diagnostic);
	dc_buf_cut_utf8(&why, DECIDE_BOUNCE_REASON_MAX);

	for (size_t i = 0; i < w.n && b->permanent; i++) {
		struct store_contact ct;

		memset(&ct, 0, sizeof(ct));
		res = store_contact_get(set->store, w.ids[i], &ct, &err);
		if (res == GW_NOTFOUND) {
			free(err);
			err = NULL;
			continue;
		}
		if (res != GW_OK)
			goto fail;
		if (ct.email_status == STORE_EMAIL_OK) {
			res = store_contact_mark_bouncing(set->store, ct.id, buf_cstr(&why), &err);
			if (res != GW_OK) {
				store_contact_clear(&ct);
				goto fail;
			}
			out->contacts_bouncing++;
			buf_printf(&reason, "; contact %lld marked bouncing (%s)",
				   (long long)ct.id, w.how);
		} else {
			buf_printf(&reason, "; contact %lld already bouncing", (long long)ct.id);
		}
		store_contact_clear(&ct);
	}
	if (w.n == 0)
		buf_puts(&reason, "; not attributed to a contact");
	else if (!b->permanent)
		buf_printf(&reason, "; temporary, contact %lld not marked", (long long)w.ids[0]);
	buf_release(&why);
	dc_set_reason(out, &reason);
	return dc_record(set, out, DECIDE_BOUNCE, error_r);

fail:
	buf_release(&why);
	buf_release(&reason);
	return dc_tempfail_in(error_r, "bounce", err);
}

