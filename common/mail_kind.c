/*
 * mail_kind.c - the table of mail kinds (see mail_kind.h).
 */
#include "mail_kind.h"

#include <stddef.h>
#include <string.h>

#include "gw.h"
#include "i18n.h"

/* The sentences are msgids of the catalogs, in compose's template
 * language rather than printf's (hence no-c-format): translated where
 * they are written (compose_text.c). */
static const struct mail_kind_row rows[] = {
	{ MAIL_NEW_MESSAGE, "new_message", MAIL_NOTIFY | MAIL_BATCH, MAIL_EXTRA_NONE, "",
	  /* xgettext:no-c-format */
	  N_("%a at %f wrote you a new message in %s."), NULL },
	/* the closing words of a reminder (the stop rule and what is left)
	   are written by compose from reminder_words.h */
	{ MAIL_REMINDER, "reminder", MAIL_NOTIFY, MAIL_EXTRA_REMINDER_NUMBER, N_("Reminder: "),
	  /* xgettext:no-c-format */
	  N_("This is reminder %r about the message %a at %f sent you on %D in %s. "
	     "It is still waiting for your answer."),
	  NULL },
	{ MAIL_RESEND, "resend", MAIL_NOTIFY, MAIL_EXTRA_NONE, "",
	  /* xgettext:no-c-format */
	  N_("%a at %f would like you to look at %s again."), NULL },
	{ MAIL_STAFF_CLIENT_REPLIED, "staff_client_replied", MAIL_TO_STAFF | MAIL_BATCH,
	  MAIL_EXTRA_NONE, "",
	  /* xgettext:no-c-format */
	  N_("%a (%c) replied in %s."), NULL },
	{ MAIL_STAFF_CLIENT_CREATED, "staff_client_created", MAIL_TO_STAFF | MAIL_BATCH,
	  MAIL_EXTRA_NONE, "",
	  /* xgettext:no-c-format */
	  N_("%a (%c) started a new chat: %s."), NULL },
	{ MAIL_STAFF_TASK_DONE, "staff_task_done", MAIL_TO_STAFF | MAIL_BATCH, MAIL_EXTRA_TASK_ID, "",
	  /* xgettext:no-c-format */
	  N_("%a (%c) ticked off the task %t in %s."), NULL },
	{ MAIL_STAFF_UPLOAD, "staff_upload", MAIL_TO_STAFF | MAIL_BATCH, MAIL_EXTRA_ATTACHMENT_ID, "",
	  /* xgettext:no-c-format */
	  N_("%a (%c) uploaded %n in %s."), NULL },
	{ MAIL_STAFF_MENTION, "staff_mention", MAIL_TO_STAFF | MAIL_BATCH, MAIL_EXTRA_NONE, "",
	  /* xgettext:no-c-format */
	  N_("%a mentioned you in %s (%c)."), NULL },
	{ MAIL_FRESH_LINK, "fresh_link", 0, MAIL_EXTRA_NONE, N_("New link: "),
	  /* xgettext:no-c-format */
	  N_("Here is your new link to the chat %s with %f."), NULL },
	{ MAIL_EXPLANATION, "explanation", MAIL_TO_SENDER, MAIL_EXTRA_REPLY, N_("Not delivered: "),
	  /* xgettext:no-c-format */
	  N_("You answered a notification from %f by email. Your email was not "
	     "delivered to %f and was not posted in the chat %s."), NULL },
	{ MAIL_STAFF_CONTACTS_BOUNCING, "staff_contacts_bouncing", MAIL_TO_STAFF, MAIL_EXTRA_NONE,
	  N_("Contacts bouncing: "),
	  /* xgettext:no-c-format */
	  N_("Email from %f to some client contacts bounced, so they get no more "
	     "notifications. %s, the staff home page, lists them with the reason: clear a "
	     "contact there once the address works again."), NULL },
	{ MAIL_STAFF_WEBHOOK_DISABLED, "staff_webhook_disabled", MAIL_TO_STAFF, MAIL_EXTRA_WEBHOOK,
	  N_("Webhook disabled: "),
	  /* xgettext:no-c-format */
	  N_("%f stopped posting events to the webhook endpoint %w, which has failed for too "
	     "long. No event is lost: they wait, in order, until the endpoint is enabled again "
	     "(gatewayctl webhook enable, or the JSON API). %s and their emails are not "
	     "affected."), NULL },
	{ MAIL_SIGNIN_LINK, "signin_link", MAIL_SIGNIN, MAIL_EXTRA_SIGNIN, "",
	  /* xgettext:no-c-format */
	  N_("Someone, hopefully you, asked to sign in to the chats of %f with this "
	     "email address. Press the button to sign in."),
	  N_("If you did not ask for this, you can ignore this email: nobody can sign "
	     "in without the link.") },
};

const struct mail_kind_row *mail_kind_row(enum mail_kind kind)
{
	for (size_t i = 0; i < GW_ARRAY_SIZE(rows); i++)
		if (rows[i].kind == kind)
			return &rows[i];
	return NULL;
}

const char *mail_kind_name(enum mail_kind kind)
{
	const struct mail_kind_row *row = mail_kind_row(kind);

	return row != NULL ? row->name : "unknown";
}

int mail_kind_parse(const char *name, enum mail_kind *kind_r)
{
	if (name == NULL)
		return -1;
	for (size_t i = 0; i < GW_ARRAY_SIZE(rows); i++) {
		if (strcmp(rows[i].name, name) == 0) {
			*kind_r = rows[i].kind;
			return 0;
		}
	}
	return -1;
}

int mail_kind_is(enum mail_kind kind, unsigned flags)
{
	const struct mail_kind_row *row = mail_kind_row(kind);

	return row != NULL && (row->flags & flags) == flags;
}
