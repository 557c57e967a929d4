/*
 * decide.c - from a classified inbound message to the rows it leaves in
 * the store: the entry points, the redelivery check, which thread a token
 * names, and the answer to a person (an explanation email with its
 * staff-only note).  Bounces are decide_bounce.c.  See decide.h for the
 * rules.
 *
 * Every path ends in exactly one inbound-log row (dc_record()), written last
 * so that a failure before it leaves nothing that would make the MTA's
 * retry look like a redelivery.  The one exception is the explanation,
 * whose log row is written in the same transaction as the outbox row and
 * the note: either the answer is queued and the message is known, or
 * neither.
 */
#include "decide_private.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "clock.h"
#include "links.h"
#include "store.h"

/* ---- recording ------------------------------------------------------- */

void dc_set_reason(struct decide_outcome *out, struct buf *b)
{
	free(out->reason);
	out->reason = buf_detach(b);
}

enum gw_result dc_tempfail(char **error_r, char *why)
{
	if (error_r != NULL)
		*error_r = why;
	else
		free(why);
	return GW_TEMPFAIL;
}

enum gw_result dc_tempfail_in(char **error_r, const char *what, char *err)
{
	char *why = xasprintf("%s: %s", what, err != NULL ? err : "failed");

	free(err);
	return dc_tempfail(error_r, why);
}

void dc_inbound_in(const struct decide_outcome *out, const char *verdict,
		   struct store_inbound_in *in)
{
	memset(in, 0, sizeof(*in));
	in->sender = out->sender;
	in->recipient = out->recipient;
	in->message_id = out->message_id;
	in->size = (int64_t)out->size;
	in->verdict = verdict;
	in->thread_id = out->thread_id;
	in->reason = out->reason;
}

/* Write the log row described by out.  GW_OK or GW_TEMPFAIL. */
enum gw_result dc_record(const struct decide_settings *set, struct decide_outcome *out,
			 const char *verdict, char **error_r)
{
	struct store_inbound_in in;
	char *err = NULL;
	enum gw_result r;

	out->verdict = verdict;
	dc_one_line(out->reason);
	dc_inbound_in(out, verdict, &in);
	r = store_inbound_log(set->store, &in, &out->inbound_id, &err);
	if (r != GW_OK)
		return dc_tempfail(error_r, err != NULL ? err : xstrdup("inbound log: failed"));
	return GW_OK;
}

/* ---- which thread and person a token names ---------------------------- */

struct token_hit {
	int found;
	enum inbound_token_source source;
	int64_t thread_id;
	enum link_principal kind;   /* 0 = nobody in particular */
	int64_t principal_id;
	int may_link;               /* not revoked: a fresh link may be given */
	const char *how;            /* for the reason */
	int forged;                 /* candidates with a bad MAC or encoding */
	int64_t outbox_id;          /* found through this outbox row */
};

/* Verify an address candidate carrying reply+TOKEN; 1 if it is ours. */
static int reply_address(const struct decide_settings *set, const char *addr, int64_t now,
			 struct token_hit *hit)
{
	char tok[LINK_ADDR_TOKEN_MAX + 1];
	struct link_claims c;
	enum link_verdict v;
	uint32_t gen;

	if (link_address_token(addr, set->reply_domain, tok) != LINK_REPLY)
		return 0;
	memset(&c, 0, sizeof(c));
	v = link_addr_verify(set->keys, tok, LINK_REPLY, now, store_link_generation,
			     set->store, &c);
	switch (v) {
	case LINK_OK:
		hit->may_link = 1;
		hit->how = "reply token";
		break;
	case LINK_EXPIRED:
		/* link_verify stops at the expiry: check the revocation here */
		hit->may_link = store_link_generation(set->store, c.kind, c.principal_id,
						      &gen) == 0 && gen == c.generation;
		hit->how = hit->may_link ? "expired reply token" : "expired, revoked reply token";
		break;
	case LINK_REVOKED:
		hit->may_link = 0;
		hit->how = "revoked reply token";
		break;
	default:
		hit->forged++;
		return 0;
	}
	if (c.thread_id <= 0)
		return 0;
	hit->thread_id = c.thread_id;
	hit->kind = c.kind;
	hit->principal_id = c.principal_id;
	return 1;
}

/* A References/In-Reply-To id that is one of our outbox Message-IDs. */
static enum gw_result outbox_id(const struct decide_settings *set, const char *id,
				struct token_hit *hit, int *ours_r, char **error_r)
{
	struct store_outbox row;
	char *err = NULL;
	enum gw_result r;

	*ours_r = 0;
	memset(&row, 0, sizeof(row));
	r = store_outbox_find_mail_id(set->store, id, &row, &err);
	if (r == GW_NOTFOUND || r == GW_INVALID) {
		free(err);
		return GW_OK;
	}
	if (r != GW_OK)
		return dc_tempfail_in(error_r, "outbox lookup", err);
	if (row.thread_id > 0) {
		*ours_r = 1;
		hit->thread_id = row.thread_id;
		hit->outbox_id = row.id;
		if (row.recipient_kind == STORE_CONTACT || row.recipient_kind == STORE_STAFF) {
			hit->kind = (enum link_principal)row.recipient_kind;
			hit->principal_id = row.recipient_id;
		}
		hit->may_link = 1;
		hit->how = "our message-id";
	}
	store_outbox_clear(&row);
	return GW_OK;
}

/* The first candidate that is ours, in the order inbound_parse() gives. */
static enum gw_result find_token(const struct decide_settings *set,
				 const struct inbound_result *r, int64_t now,
				 struct token_hit *hit, char **error_r)
{
	memset(hit, 0, sizeof(*hit));
	for (size_t i = 0; i < r->n_tokens; i++) {
		const struct inbound_token *t = &r->tokens[i];
		int ours = 0;

		switch (t->source) {
		case INBOUND_TOKEN_RECIPIENT:
		case INBOUND_TOKEN_DELIVERED_TO:
		case INBOUND_TOKEN_X_ORIGINAL_TO:
			ours = reply_address(set, t->value, now, hit);
			break;
		case INBOUND_TOKEN_REFERENCES:
		case INBOUND_TOKEN_IN_REPLY_TO:
			if (outbox_id(set, t->value, hit, &ours, error_r) != GW_OK)
				return GW_TEMPFAIL;
			break;
		}
		if (ours) {
			hit->found = 1;
			hit->source = t->source;
			return GW_OK;
		}
	}
	return GW_OK;
}

/* ---- human ------------------------------------------------------------ */

/* Who replied, for the staff note: the principal's name or the sender. */
static enum gw_result principal_name(const struct decide_settings *set,
				     const struct token_hit *hit, char **name_r,
				     char **email_r, char **error_r)
{
	char *err = NULL;
	enum gw_result r = GW_NOTFOUND;

	*name_r = NULL;
	*email_r = NULL;
	if (hit->kind == LINK_CONTACT) {
		struct store_contact ct;

		memset(&ct, 0, sizeof(ct));
		r = store_contact_get(set->store, hit->principal_id, &ct, &err);
		if (r == GW_OK) {
			*name_r = ct.name;
			*email_r = ct.email;
			ct.name = ct.email = NULL;
			store_contact_clear(&ct);
		}
	} else if (hit->kind == LINK_STAFF) {
		struct store_staff st;

		memset(&st, 0, sizeof(st));
		r = store_staff_get(set->store, hit->principal_id, &st, &err);
		if (r == GW_OK) {
			*name_r = st.name;
			*email_r = st.email;
			st.name = st.email = NULL;
			store_staff_clear(&st);
		}
	}
	if (r == GW_OK || r == GW_NOTFOUND || r == GW_INVALID) {
		free(err);
		return GW_OK;
	}
	return dc_tempfail_in(error_r, "principal lookup", err);
}

/* The staff note's kind "email_reply" and its arguments: the sender, the
 * addressee's name, whether they are the same person, when (store/notes.c
 * says it in each reader's language). */
static char *note_args(const char *sender, const char *name, int is_principal, int64_t now)
{
	return xasprintf("%s" STORE_NOTE_SEP "%s" STORE_NOTE_SEP "%d" STORE_NOTE_SEP "%lld", sender,
			 name != NULL ? name : "", is_principal, (long long)now);
}

/* Why the store refused to queue an answer, for the log (malloc'd). */
static char *refusal_text(const struct decide_settings *set, enum store_explain_refusal why,
			  int64_t thread_id)
{
	switch (why) {
	case STORE_EXPLAIN_TOLD:
		return xasprintf("this sender was told about thread %lld in the last 24 h",
				 (long long)thread_id);
	case STORE_EXPLAIN_CAPPED:
		return xasprintf("this sender reached the cap of %lld explanations a day",
				 (long long)set->max_explanations_per_day);
	case STORE_EXPLAIN_THREAD_CAPPED:
		return xasprintf("thread %lld reached the cap of %d explanations a day to"
				 " addresses the token was not sent to", (long long)thread_id,
				 DECIDE_MAX_STRANGERS_PER_THREAD);
	case STORE_EXPLAIN_SEEN:
	case STORE_EXPLAIN_QUEUED:
		break;
	}
	return xstrdup("refused");
}

static enum gw_result redelivery(const struct decide_settings *set,
				 struct decide_outcome *out, int *dup_r, char **error_r);

/*
 * Why a reply must not be answered because it comes from us (static
 * text), or NULL.  ADDR is the envelope sender or the From address.  Our
 * own [mail] from address and its domain count as well as the reply
 * domain: an answer there comes back to the gateway (an alias, a shared
 * mailbox, a forward), and two answers make a loop.
 */
static const char *own_address(const struct decide_settings *set, const char *addr)
{
	const char *at;

	if (addr == NULL || addr[0] == '\0')
		return NULL;
	if (dc_in_reply_domain(addr, set->reply_domain))
		return "in our reply domain";
	if (set->from_address == NULL || set->from_address[0] == '\0')
		return NULL;
	if (dc_addr_equal(addr, set->from_address))
		return "our own [mail] from address";
	at = strrchr(set->from_address, '@');
	if (at != NULL && at[1] != '\0' && dc_in_reply_domain(addr, at + 1))
		return "at the domain of our [mail] from address";
	return NULL;
}

static enum gw_result handle_human(const struct decide_settings *set,
				   const struct inbound_result *r, int64_t now,
				   struct decide_outcome *out, char **error_r)
{
	struct token_hit hit;
	struct buf reason = BUF_INIT;
	char *why = NULL, *name = NULL, *email = NULL, *who = NULL, *note = NULL;
	const char *own;
	char *err = NULL, *base = NULL;
	int is_principal;
	enum gw_result res;

	res = find_token(set, r, now, &hit, error_r);
	if (res != GW_OK)
		return res;
	if (!hit.found) {
		buf_puts(&reason, "no valid token");
		if (hit.forged > 0)
			buf_printf(&reason, " (%d forged or damaged)", hit.forged);
		dc_set_reason(out, &reason);
		return dc_record(set, out, DECIDE_DROPPED, error_r);
	}
	out->thread_id = hit.thread_id;
	buf_printf(&reason, "%s in %s", hit.how, inbound_token_source_name(hit.source));

	/* Never answer what cannot take an answer, or would come back to us. */
	if (out->sender[0] == '\0') {
		buf_puts(&reason, "; null sender, not answered");
		dc_set_reason(out, &reason);
		return dc_record(set, out, DECIDE_DROPPED, error_r);
	}
	if ((own = own_address(set, out->sender)) != NULL) {
		buf_printf(&reason, "; sender %s, not answered", own);
		dc_set_reason(out, &reason);
		return dc_record(set, out, DECIDE_DROPPED, error_r);
	}
	if ((own = own_address(set, r->from)) != NULL) {
		char *from = dc_clean_line(r->from, DECIDE_ADDR_MAX);

		buf_printf(&reason, "; From %s %s, not answered", from, own);
		free(from);
		dc_set_reason(out, &reason);
		return dc_record(set, out, DECIDE_DROPPED, error_r);
	}

	if (set->max_explanations_per_day <= 0) {
		buf_puts(&reason, "; explanations are off ([mail] max_explanations_per_day = 0)");
		dc_set_reason(out, &reason);
		res = dc_record(set, out, DECIDE_SUPPRESSED, error_r);
		goto done;
	}

	res = principal_name(set, &hit, &name, &email, error_r);
	if (res != GW_OK)
		goto done;
	is_principal = email != NULL && dc_addr_equal(out->sender, email);
	if (is_principal && name != NULL && *name != '\0')
		who = xstrdup(name);
	else if (name != NULL && *name != '\0')
		who = xasprintf("%s (not %s's address)", out->sender, name);
	else
		who = xstrdup(out->sender);
	note = note_args(out->sender, name, is_principal, now);

	{
		struct store_explanation ex;
		struct store_inbound_in in;
		struct store_explain_result done_r;

		base = xstrdup(buf_cstr(&reason));
		if (is_principal && hit.kind == LINK_CONTACT && hit.may_link)
			buf_puts(&reason, "; fresh link");
		else if (!is_principal)
			buf_puts(&reason, "; sender is not the token's addressee, no link");
		else
			buf_puts(&reason, "; no link");
		dc_set_reason(out, &reason);
		dc_one_line(out->reason);

		memset(&ex, 0, sizeof(ex));
		ex.sender = out->sender;
		ex.thread_id = hit.thread_id;
		ex.contact_id = is_principal && hit.kind == LINK_CONTACT && hit.may_link
					? hit.principal_id
					: 0;
		ex.in_reply_to = r->message_id;
		ex.quoted_text = r->quote;
		ex.note_kind = "email_reply";
		ex.note_args = note;
		ex.since = now - CLOCK_DAY;
		ex.max_per_sender = set->max_explanations_per_day;
		if (!is_principal)
			ex.max_per_thread_address = DECIDE_MAX_STRANGERS_PER_THREAD;

		dc_inbound_in(out, DECIDE_EXPLAINED, &in);

		res = store_explanation_queue(set->store, &in, &ex, &done_r, &err);
		if (res == GW_OK && done_r.refused == STORE_EXPLAIN_QUEUED) {
			out->outbox_id = done_r.outbox_id;
			out->verdict = DECIDE_EXPLAINED;
			goto done;
		}
		if (res == GW_OK && done_r.refused == STORE_EXPLAIN_SEEN) {
			/* Another delivery of this message got there first. */
			int dup;

			res = redelivery(set, out, &dup, error_r);
			if (res == GW_OK)
				res = dc_record(set, out, DECIDE_DUPLICATE, error_r);
			goto done;
		}
		if (res == GW_OK) {
			why = refusal_text(set, done_r.refused, hit.thread_id);
			buf_printf(&reason, "%s; %s", base, why);
			dc_buf_cut_utf8(&reason, 1000);
			dc_set_reason(out, &reason);
			res = dc_record(set, out, DECIDE_SUPPRESSED, error_r);
			goto done;
		}
		if (res == GW_TEMPFAIL) {
			res = dc_tempfail_in(error_r, "explanation", err);
			err = NULL;
			goto done;
		}
		/* The thread is gone, or the store will not take this sender:
		   no answer, but the message is still accounted for. */
		out->outbox_id = 0;
		buf_puts(&reason, out->reason);
		buf_printf(&reason, "; not explained: %s", err != NULL ? err : "refused");
		dc_buf_cut_utf8(&reason, 1000);
		dc_set_reason(out, &reason);
		res = dc_record(set, out, DECIDE_DROPPED, error_r);
	}

done:
	free(err);
	free(base);
	free(why);
	free(name);
	free(email);
	free(who);
	free(note);
	buf_release(&reason);
	return res;
}

/* ---- the entry points ------------------------------------------------- */

static enum gw_result redelivery(const struct decide_settings *set,
				 struct decide_outcome *out, int *dup_r, char **error_r)
{
	struct store_inbound prev;
	char *err = NULL;
	enum gw_result r;

	*dup_r = 0;
	if (out->message_id == NULL || *out->message_id == '\0')
		return GW_OK;
	memset(&prev, 0, sizeof(prev));
	r = store_inbound_find(set->store, out->message_id, out->recipient, &prev, &err);
	if (r == GW_NOTFOUND) {
		free(err);
		return GW_OK;
	}
	if (r != GW_OK)
		return dc_tempfail(error_r, err != NULL ? err : xstrdup("inbound log: failed"));
	*dup_r = 1;
	out->thread_id = prev.thread_id;
	free(out->reason);
	/* Name the first delivery, not the previous redelivery. */
	if (prev.verdict != NULL && strcmp(prev.verdict, DECIDE_DUPLICATE) == 0 &&
	    prev.reason != NULL && strncmp(prev.reason, "redelivery of ", 14) == 0)
		out->reason = xstrdup(prev.reason);
	else
		out->reason = xasprintf("redelivery of inbound %lld (%s)", (long long)prev.id,
					prev.verdict != NULL ? prev.verdict : "?");
	store_inbound_clear(&prev);
	return GW_OK;
}

enum gw_result decide_parsed(const struct decide_settings *set, const char *sender,
			     const char *recipient, const struct inbound_result *r,
			     struct decide_outcome *out, char **error_r)
{
	int64_t now = clock_now();
	struct token_hit hit;
	int dup;
	enum gw_result res;

	memset(out, 0, sizeof(*out));
	out->class = r->verdict;
	out->verdict = DECIDE_DROPPED;
	out->sender = dc_clean_sender(sender);
	out->recipient = dc_clean_line(recipient, DECIDE_ADDR_MAX);
	out->message_id = r->message_id != NULL ? dc_clean_line(r->message_id, 998) : NULL;
	out->size = r->size;

	/*
	 * A redelivery is logged and not acted on.  Deliveries of one message
	 * racing each other can both pass this check; for a person's reply,
	 * the only kind that is answered, store_explanation_queue() checks
	 * again inside the transaction that writes the answer.
	 */
	res = redelivery(set, out, &dup, error_r);
	if (res != GW_OK)
		return res;
	if (dup)
		return dc_record(set, out, DECIDE_DUPLICATE, error_r);

	switch (r->verdict) {
	case INBOUND_LOOP:
		out->reason = xstrdup(r->reason);
		return dc_record(set, out, DECIDE_LOOP, error_r);
	case INBOUND_OVER_LIMIT:
		out->reason = xasprintf("%s (%zu bytes)", r->reason, r->size);
		return dc_record(set, out, DECIDE_OVER_LIMIT, error_r);
	case INBOUND_MALFORMED:
		out->reason = xstrdup(r->reason);
		return dc_record(set, out, DECIDE_MALFORMED, error_r);
	case INBOUND_BOUNCE:
		return dc_handle_bounce(set, r, now, out, error_r);
	case INBOUND_AUTOMATIC:
		/* The thread, for the log only: nothing else is done with it. */
		res = find_token(set, r, now, &hit, error_r);
		if (res != GW_OK)
			return res;
		out->thread_id = hit.found ? hit.thread_id : 0;
		out->reason = xstrdup(r->reason);
		if (!hit.found && r->out_of_office &&
		    dc_bounce_address_names(set, out->recipient, now, &hit.thread_id, &hit.kind,
					    &hit.principal_id)) {
			hit.found = 1;
			out->thread_id = hit.thread_id;
		}
		if (hit.found && r->out_of_office)
			return dc_handle_away(set, r, hit.kind, hit.principal_id, now, out, error_r);
		return dc_record(set, out, DECIDE_AUTOMATIC, error_r);
	case INBOUND_HUMAN:
		return handle_human(set, r, now, out, error_r);
	}
	out->reason = xasprintf("unknown classification %d", (int)r->verdict);
	return dc_record(set, out, DECIDE_DROPPED, error_r);
}

enum gw_result decide_message(const struct decide_settings *set, const char *sender,
			      const char *recipient, const char *data, size_t len,
			      size_t total_len, struct decide_outcome *out,
			      char **error_r)
{
	struct inbound_envelope env;
	struct inbound_result *r = NULL;
	char *err = NULL;
	enum gw_result res;

	memset(&env, 0, sizeof(env));
	env.sender = sender;
	env.recipient = recipient;
	env.reply_domain = set->reply_domain;
	env.total_len = total_len;
	if (inbound_parse(data, len, &env, &set->limits, &r, &err) != 0) {
		memset(out, 0, sizeof(*out));
		return dc_tempfail_in(error_r, "parse", err);
	}
	res = decide_parsed(set, sender, recipient, r, out, error_r);
	inbound_result_free(&r);
	return res;
}

void decide_outcome_clear(struct decide_outcome *out)
{
	if (out == NULL)
		return;
	free(out->reason);
	free(out->message_id);
	free(out->sender);
	free(out->recipient);
	out->reason = out->message_id = out->sender = out->recipient = NULL;
}

char *decide_outcome_line(const struct decide_outcome *out)
{
	struct buf b = BUF_INIT;

	buf_printf(&b, "%s from %s to %s: %s, %s",
		   out->message_id != NULL ? out->message_id : "(no message-id)",
		   out->sender != NULL && out->sender[0] != '\0' ? out->sender : "<>",
		   out->recipient != NULL ? out->recipient : "?",
		   out->class != 0 ? inbound_verdict_name(out->class) : "unparsed",
		   out->verdict != NULL ? out->verdict : "?");
	if (out->thread_id > 0)
		buf_printf(&b, " (thread %lld)", (long long)out->thread_id);
	if (out->outbox_id > 0)
		buf_printf(&b, " outbox %lld", (long long)out->outbox_id);
	if (out->reason != NULL && out->reason[0] != '\0')
		buf_printf(&b, ": %s", out->reason);
	return buf_detach(&b);
}
