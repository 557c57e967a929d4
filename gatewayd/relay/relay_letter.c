/*
 * relay_letter.c - from a store_compose record to a struct compose_mail:
 * the signed links and addresses that make each email personal.
 *
 * Every token names the thread, the recipient and the recipient's current
 * generation, so bumping the generation (gatewayctl, a lost phone) revokes
 * all of them at once.  Nothing here sends or stores anything.
 */
#include "relay.h"

#include "i18n.h"

#include <stdlib.h>
#include <string.h>

static int is_empty(const char *s)
{
	return s == NULL || *s == '\0';
}

static const char *or_null(const char *s)
{
	return is_empty(s) ? NULL : s;
}

void relay_settings_init(struct relay_settings *rs, const struct gw_config *cfg,
			 const struct link_keys *keys)
{
	memset(rs, 0, sizeof(*rs));
	rs->mail = &cfg->mail;
	rs->links = &cfg->links;
	rs->base_url = cfg->web.base_url;
	rs->keys = keys;
}

/* "https://x/" + "v" -> "https://x/v/TOKEN" */
static char *make_url(const struct relay_settings *rs, const char *what,
		      const struct link_claims *claims)
{
	char token[LINK_TOKEN_MAX];

	if (link_sign(rs->keys, claims, token) < 0)
		return NULL;
	return link_url(rs->base_url, what, token);
}

static int fill_error(struct relay_letter *l, char **error_r, char *msg)
{
	relay_letter_clear(l);
	*error_r = msg;
	return -1;
}

/*
 * A sign-in link: the token names the signin_links row and its salt (as
 * principal and generation: the web view checks them against the row,
 * which makes it single-use), its kind the first person of the address
 * (the greeting's).  No unsubscribe, no reply address: there is no chat
 * to answer in; bounces still come back to us.
 */
static int signin_fill(const struct relay_settings *rs, const struct store_compose *rec,
		       struct relay_letter *l, char **error_r)
{
	struct compose_mail *m = &l->mail;
	struct link_claims claims;

	memset(&claims, 0, sizeof(claims));
	claims.purpose = LINK_SIGNIN;
	claims.kind = rec->recipient_kind == STORE_CONTACT ? LINK_CONTACT : LINK_STAFF;
	claims.principal_id = rec->signin_id;
	claims.generation = rec->signin_salt;
	claims.expires = rec->signin_expires;
	l->view_url = make_url(rs, "s", &claims);
	if (l->view_url == NULL)
		return fill_error(l, error_r, xstrdup("cannot sign the sign-in link"));
	m->view_url = l->view_url;
	m->view_expires = claims.expires;
	m->subject = _("Your sign-in link");

	claims.purpose = LINK_BOUNCE;
	claims.principal_id = rec->recipient_id;
	claims.generation = rec->recipient_generation;
	claims.expires = rec->signin_expires + rs->links->reply_ttl;
	l->envelope_from = link_address(rs->keys, &claims, rs->mail->reply_domain);
	if (l->envelope_from == NULL)
		return fill_error(l, error_r, xstrdup("cannot sign the bounce address"));
	return 0;
}

static int letter_fill(const struct relay_settings *rs, const struct store_compose *rec,
		       int64_t now, struct relay_letter *l, char **error_r)
{
	const struct store_outbox *row = &rec->row;
	struct compose_mail *m = &l->mail;
	struct link_claims claims;
	int principal = rec->recipient_kind == STORE_CONTACT ||
			rec->recipient_kind == STORE_STAFF;
	int explanation = mail_kind_is(row->kind, MAIL_TO_SENDER);

	memset(l, 0, sizeof(*l));
	if (mail_kind_row(row->kind) == NULL)
		return fill_error(l, error_r, xasprintf("unknown outbox kind %d", (int)row->kind));
	if (!principal && !explanation)
		return fill_error(l, error_r,
				  xasprintf("%s email to %s recipient %s",
					    mail_kind_name(row->kind),
					    store_kind_name(rec->recipient_kind),
					    row->recipient_address != NULL ?
						    row->recipient_address : "(none)"));

	m->kind = row->kind;
	m->lang = rec->recipient_language;
	m->zone = rec->recipient_timezone;
	m->firm_name = or_null(rec->firm_name);
	if (m->firm_name == NULL)
		m->firm_name = or_null(rs->mail->from_name);
	if (m->firm_name == NULL)
		m->firm_name = rs->mail->from;
	m->from_address = rs->mail->from;
	m->from_name = or_null(rec->notify_display_name);
	if (m->from_name == NULL)
		m->from_name = or_null(rs->mail->from_name);
	m->to_address = or_null(rec->recipient_address);
	if (m->to_address == NULL)
		m->to_address = row->recipient_address;
	m->to_name = or_null(rec->recipient_name);
	m->reply_domain = rs->mail->reply_domain;
	m->message_id = row->mail_id;
	m->thread_root_id = or_null(rec->mail_root_id);
	m->date = now;
	m->subject = rec->thread_id != 0 ? rec->thread_subject : _("Your chats");
	m->account_name = rec->account_name;
	m->author_name = rec->author_name;
	m->body = rec->body;
	m->show_content = rec->show_content;
	m->reminder_number = rec->reminder_number;
	m->reminder_unread = rec->client_unread;
	m->message_date = rec->message_created_at;
	if (rec->reminder_number > 0)
		m->reminder_count = rec->reminder_number + rec->reminders_remaining;
	m->file_name = rec->attachment_name;
	m->task_text = rec->task_text;
	m->files = rec->message_files;
	if (rec->n_items == 1) {
		m->undone = rec->items[0].undone;
		m->files = rec->items[0].files;
	} else if (rec->n_items > 1) {
		l->items = xcalloc(rec->n_items, sizeof(*l->items));
		for (size_t i = 0; i < rec->n_items; i++) {
			const struct store_compose_item *it = &rec->items[i];

			l->items[i] = (struct compose_item){
				.kind = it->kind, .undone = it->undone,
				.message_id = it->message_id, .actor = it->actor_name,
				.body = it->body, .text = it->text, .files = it->files,
			};
		}
		m->items = l->items;
		m->item_count = rec->n_items;
	}
	m->n_files = rec->n_files;
	m->file_names = rec->file_names;
	m->their_message_id = or_null(rec->in_reply_to);
	m->their_text = rec->quoted_text;
	m->webhook = rec->webhook;

	if (rec->n_tasks > 0) {
		l->tasks = xcalloc(rec->n_tasks, sizeof(*l->tasks));
		for (size_t i = 0; i < rec->n_tasks; i++) {
			l->tasks[i].text = rec->tasks[i].text;
			l->tasks[i].done = rec->tasks[i].done_at != 0;
		}
		m->tasks = l->tasks;
		m->task_count = rec->n_tasks;
	}

	if (!principal) {
		/* An explanation to someone who is nobody's contact: no links. */
		l->envelope_from = xstrdup("");
		return 0;
	}

	if (mail_kind_is(row->kind, MAIL_SIGNIN))
		return signin_fill(rs, rec, l, error_r);

	memset(&claims, 0, sizeof(claims));
	claims.thread_id = rec->thread_id;
	claims.kind = rec->recipient_kind == STORE_CONTACT ? LINK_CONTACT : LINK_STAFF;
	claims.principal_id = rec->recipient_id;
	claims.generation = rec->recipient_generation;

	claims.purpose = LINK_VIEW;
	claims.expires = now + rs->links->view_ttl;
	l->view_url = make_url(rs, "v", &claims);
	if (l->view_url == NULL)
		return fill_error(l, error_r, xstrdup("cannot sign the view link"));
	m->view_url = l->view_url;
	m->view_expires = claims.expires;

	claims.expires = now + rs->links->reply_ttl;
	if (rec->recipient_kind == STORE_CONTACT && mail_kind_is(row->kind, MAIL_NOTIFY)) {
		claims.purpose = LINK_UNSUBSCRIBE;
		l->unsubscribe_url = make_url(rs, "u", &claims);
		if (l->unsubscribe_url == NULL)
			return fill_error(l, error_r,
					  xstrdup("cannot sign the unsubscribe link"));
		m->unsubscribe_url = l->unsubscribe_url;
	}

	if (explanation) {
		l->envelope_from = xstrdup("");
		return 0;
	}

	claims.purpose = LINK_REPLY;
	l->reply_to = link_address(rs->keys, &claims, rs->mail->reply_domain);
	if (l->reply_to == NULL)
		return fill_error(l, error_r, xstrdup("cannot sign the reply address"));
	m->reply_to = l->reply_to;

	claims.purpose = LINK_BOUNCE;
	l->envelope_from = link_address(rs->keys, &claims, rs->mail->reply_domain);
	if (l->envelope_from == NULL)
		return fill_error(l, error_r, xstrdup("cannot sign the bounce address"));
	return 0;
}

void relay_letter_clear(struct relay_letter *l)
{
	if (l == NULL)
		return;
	free(l->envelope_from);
	free(l->view_url);
	free(l->unsubscribe_url);
	free(l->reply_to);
	free(l->tasks);
	free(l->items);
	memset(l, 0, sizeof(*l));
}

/* The words chosen here (a subject) are the recipient's too: a stranger's
 * are the firm's (NULL language). */
int relay_letter_fill(const struct relay_settings *rs, const struct store_compose *rec,
		      int64_t now, struct relay_letter *l, char **error_r)
{
	struct i18n_saved reader;
	int rc;

	i18n_reader_save(&reader);
	i18n_reader_set(rec->recipient_language, rec->recipient_timezone);
	rc = letter_fill(rs, rec, now, l, error_r);
	i18n_reader_restore(&reader);
	return rc;
}
