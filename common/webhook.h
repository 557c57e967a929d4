/*
 * webhook.h - what config, store, API and delivery share about webhooks: the kinds of event gatewayd posts to webhook endpoints,
 * as one table.
 *
 * A kind is a row: its name (the "type" of the JSON body, the names in
 * [webhooks] NAME.events and in the API) and a bit.  An endpoint's
 * subscription is a mask of bits; the store keeps the mask, so a row's bit
 * never changes once released (a new kind takes the next free bit).
 */
#ifndef GW_WEBHOOK_H
#define GW_WEBHOOK_H

enum webhook_event {
	WEBHOOK_MESSAGE_POSTED = 1 << 0,   /* a client or staff member posted */
	WEBHOOK_CHAT_CREATED = 1 << 1,     /* a new chat (staff or client) */
	WEBHOOK_TASK_CHANGED = 1 << 2,     /* a task added, edited, moved, removed, ticked or unticked */
	WEBHOOK_FILE_UPLOADED = 1 << 3,    /* an attachment added */
	WEBHOOK_EMAIL_REPLY = 1 << 4,      /* a client answered a notification by email */
	WEBHOOK_CONTACT_BOUNCING = 1 << 5, /* a contact's address was marked bouncing */
	WEBHOOK_REMINDER_SENT = 1 << 6,    /* a reminder was queued to the contacts */
};

#define WEBHOOK_EVENTS_ALL 0x7fu

/* "message.posted" for WEBHOOK_MESSAGE_POSTED; NULL for no single kind. */
const char *webhook_event_name(unsigned event);

/*
 * Parse a list of names separated by commas and/or blanks ("*" or "all"
 * for every kind) into a mask.  Returns 0, or -1 with *bad_r set to a
 * malloc'd copy of the first name that is no kind (or "" for an empty
 * list).
 */
int webhook_events_parse(const char *list, unsigned *mask_r, char **bad_r);

/* The names of mask as "a,b,c" (malloc'd; "" for 0). */
char *webhook_events_format(unsigned mask);

/* Every name, comma-separated, for error messages ("message.posted, ..."). */
const char *webhook_events_known(void);

/*
 * Endpoint URLs: http:// or https://, a host, no blanks or control
 * characters, at most WEBHOOK_URL_MAX bytes.  Returns 0, or -1 with
 * *why_r set (malloc'd, quoting the value).
 */
#define WEBHOOK_URL_MAX 2000
int webhook_url_check(const char *url, char **why_r);

/* Endpoint names: 1-64 of a-z, 0-9, '_' and '-'. */
int webhook_name_check(const char *name, char **why_r);

/*
 * The secret of an endpoint: the first line of PATH, which must be a
 * regular file that neither group nor others may read or write (like the
 * key file), holding at least WEBHOOK_SECRET_MIN bytes.  On success
 * *secret_r is malloc'd (NUL-terminated) and the caller wipes and frees
 * it.  Returns 0, or -1 with *why_r set ("PATH: ...").
 */
#define WEBHOOK_SECRET_MIN 16
int webhook_secret_read(const char *path, char **secret_r, char **why_r);

#endif
