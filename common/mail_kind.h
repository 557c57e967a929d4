/*
 * mail_kind.h - the kinds of email gatewayd sends, as one table.
 *
 * A kind is one row: its name (the outbox.kind column, logs, JSON), what
 * it is for (flags), what the outbox row's `extra` holds, and its words
 * (subject prefix, first sentence, optional closing sentence).  The store
 * queues rows of a kind and loads what its `extra` names; compose writes
 * the email from the row.  Adding a kind is adding a row here (and the
 * code that queues it).
 *
 * The values are stored by name, never by number, so a row may go
 * anywhere in the enum; 0 is no kind.
 */
#ifndef GW_MAIL_KIND_H
#define GW_MAIL_KIND_H

enum mail_kind {
	MAIL_NEW_MESSAGE = 1,        /* to a contact: staff posted */
	MAIL_REMINDER,               /* to a contact: no answer yet */
	MAIL_RESEND,                 /* to a contact: staff pressed "resend" */
	MAIL_STAFF_CLIENT_REPLIED,   /* to staff: a contact posted */
	MAIL_STAFF_CLIENT_CREATED,   /* to staff: a contact started a chat */
	MAIL_STAFF_TASK_DONE,        /* to staff: a contact ticked a task */
	MAIL_STAFF_UPLOAD,           /* to staff: a contact uploaded a file */
	MAIL_STAFF_MENTION,          /* to staff: @Name in a message */
	MAIL_FRESH_LINK,             /* to a contact or staff: a new View link */
	MAIL_EXPLANATION,            /* to an email sender: replies by email are
				      * not delivered */
	MAIL_STAFF_CONTACTS_BOUNCING, /* to owners and admins: mail to contacts
				      * bounces (at most one a day each) */
	MAIL_STAFF_WEBHOOK_DISABLED, /* to owners: a webhook endpoint failed for
				      * [webhooks] disable_after and was disabled */
	MAIL_SIGNIN_LINK,            /* to an address: the one-time sign-in link
				      * someone asked for on the sign-in page */
};

/* What a kind is for. */
enum mail_kind_flags {
	/* To staff: the subject is "[ACCOUNT] SUBJECT" and tasks are listed
	 * as staff see them. */
	MAIL_TO_STAFF = 1 << 0,
	/* A contact's notify setting controls it: contacts get an
	 * unsubscribe link. */
	MAIL_NOTIFY = 1 << 1,
	/* An answer to whoever emailed us, who may be nobody we know: no reply
	 * or bounce address (envelope sender <>), In-Reply-To their message,
	 * and a body of its own: what they wrote, and where to answer. */
	MAIL_TO_SENDER = 1 << 2,
	/* A one-time sign-in link (/s/TOKEN) instead of a View link: no
	 * thread, no unsubscribe, no reply address. */
	MAIL_SIGNIN = 1 << 3,
	/* News of the thread: waits for [mail] batch_window with whatever
	 * else happens in the thread for the same recipient, and is
	 * cancelled by what they read or saw live meanwhile (store/batch.c).
	 * Reminders, resends, links and explanations are never batched. */
	MAIL_BATCH = 1 << 4,
};

/* What the outbox row's `extra` column holds for a kind. */
enum mail_extra {
	MAIL_EXTRA_NONE = 0,
	MAIL_EXTRA_REMINDER_NUMBER,  /* "2": the second reminder */
	MAIL_EXTRA_TASK_ID,          /* the task that was ticked */
	MAIL_EXTRA_ATTACHMENT_ID,    /* the file that was uploaded */
	MAIL_EXTRA_REPLY,            /* "MESSAGE-ID\nQUOTED TEXT" of their email */
	MAIL_EXTRA_WEBHOOK,          /* "NAME (URL): LAST ERROR" of an endpoint */
	MAIL_EXTRA_SIGNIN,           /* "ID:SALT:EXPIRES" of a signin_links row */
};

struct mail_kind_row {
	enum mail_kind kind;
	const char *name;            /* "new_message": the enum name in lowercase */
	unsigned flags;              /* enum mail_kind_flags */
	enum mail_extra extra;
	/* Put before the thread subject ("New link: "); "" for none. */
	const char *subject_prefix;
	/*
	 * The first sentence, what happened, and an optional last one (NULL
	 * for none), in compose's template language: %a author, %f firm,
	 * %s subject, %c account, %n file name, %t task text, %r reminder number,
	 * %w webhook endpoint.
	 */
	const char *intro;
	const char *outro;
};

/* The row of kind; NULL for a value that is no kind. */
const struct mail_kind_row *mail_kind_row(enum mail_kind kind);
/* Its name; "unknown" for a value that is no kind. */
const char *mail_kind_name(enum mail_kind kind);
/* Inverse of mail_kind_name(); -1 for a name that is no kind (or NULL). */
int mail_kind_parse(const char *name, enum mail_kind *kind_r);
/* 1 when kind has every flag of flags, else 0 (also for no kind). */
int mail_kind_is(enum mail_kind kind, unsigned flags);

#endif
