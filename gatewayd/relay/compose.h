/*
 * compose.h - notification, reminder and explanation emails.
 *
 * The caller (the relay) fills a struct compose_mail from an outbox row and
 * gets back the complete RFC 5322 message: CRLF line ends, 7-bit clean
 * (quoted-printable bodies, encoded words in headers), ready for SMTP DATA
 * (the transport does the dot-stuffing) or for a Maildir.  Nothing here
 * touches the store, the network or the clock: the same record always gives
 * the same bytes.
 *
 * Headers written, in this order (DESIGN.md "Mail conventions"):
 *   Date            date, RFC 5322, UTC
 *   From            from_name <from_address>
 *   To              to_name <to_address>
 *   Reply-To        reply_to, when given
 *   Subject         see "Subjects" below
 *   Message-ID      <message_id>
 *   In-Reply-To     <thread_root_id>; explanations: <their_message_id>
 *   References      <thread_root_id>; explanations: root (if any) + theirs
 *   Auto-Submitted  auto-generated; explanations: auto-replied
 *   X-Auto-Response-Suppress: All
 *   X-Gatewayd-Loop: reply_domain          (GW_LOOP_HEADER)
 *   List-Unsubscribe: <unsubscribe_url>     when given, not on explanations
 *   List-Unsubscribe-Post: List-Unsubscribe=One-Click   (with the above)
 *   MIME-Version, multipart/alternative: text/plain and text/html, UTF-8,
 *   quoted-printable.  Names and subjects that are not plain ASCII go out as
 *   RFC 2047 encoded words; header lines are folded at 78 characters.
 *
 * Subjects.  Mail clients thread on the subject as much as on References,
 * so a thread keeps one subject for each audience:
 *   - contacts (new message, reminder, resend): the thread subject, exactly;
 *   - staff (all staff_* kinds): "[ACCOUNT] SUBJECT", the same for every
 *     staff event of the thread; what happened is the first sentence of
 *     the body (and so in the preview line of most clients);
 *   - fresh link: "New link: SUBJECT";
 *   - explanation: "Not delivered: SUBJECT".
 *
 * Hostile input.  Every caller-provided string ends at its first NUL, so a
 * NUL never reaches the wire.  Before anything becomes a header, invalid
 * UTF-8 is replaced by U+FFFD and every control character (C0, DEL, C1,
 * U+2028, U+2029; CR and LF included) by a space: no header can be
 * injected from a subject or a name.  A literal "=?" in a subject or name
 * becomes "= ?": a receiver would decode such a word as an encoded word
 * (which can carry any byte).  Addresses, message ids and URLs are not
 * repaired but refused (compose_render returns -1): they come from our own
 * code, and a bad one is a bug or corrupt data, not something to deliver.
 * In bodies, line ends become CRLF and other controls (TAB excepted)
 * become spaces; in the HTML part every caller-provided string is escaped.
 * The header text of a subject or name is cut to COMPOSE_LINE_MAX bytes.
 *
 * Thread safety: compose_render keeps no state; it may run in several
 * threads at once.  It sets the calling thread's reader (i18n.h) to the
 * recipient while it writes, and puts the caller's back.
 */
#ifndef GW_COMPOSE_H
#define GW_COMPOSE_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "mail_kind.h"

struct compose_task {
	const char *text;
	int done;
};

/*
 * One thing that happened, when an email tells of several (a batch: see
 * store/batch.c).  Strings as in struct compose_mail.
 */
struct compose_item {
	enum mail_kind kind;        /* new_message, staff_client_replied, ... */
	int undone;                 /* staff_task_done: the task was unticked */
	int64_t message_id;         /* the message an upload belongs to, 0 = none */
	const char *actor;          /* who did it */
	const char *body;           /* a message: CommonMark, shown when show_content */
	const char *text;           /* the task's text, the file's name */
	const char *files;          /* a message's file names, one a line */
};

/*
 * A plain record; compose_render() only reads it.  Strings are UTF-8 and
 * owned by the caller.  NULL and "" mean "not given" for optional fields.
 */
struct compose_mail {
	enum mail_kind kind;

	/* Sender and recipient. */
	const char *firm_name;       /* required: named in text and footer */
	const char *from_address;    /* required: the firm's notification address */
	const char *from_name;       /* display name; default firm_name */
	const char *to_address;      /* required */
	const char *to_name;         /* optional */
	const char *reply_to;        /* reply+TOKEN@reply_domain; optional */
	const char *reply_domain;    /* required: value of GW_LOOP_HEADER */
	/* What the recipient reads in: a language of the catalogs ("fr") and
	 * a time zone; NULL for the firm's (i18n_defaults()).  Mail headers
	 * (Date included) stay RFC 5322 whatever they are. */
	const char *lang;
	const char *zone;

	/* Identity and threading; ids without angle brackets. */
	const char *message_id;      /* required, fixed at enqueue */
	const char *thread_root_id;  /* optional, e.g. thread.ID.RANDOM@domain */
	int64_t date;                /* Unix seconds, written as UTC */

	/* What the mail is about. */
	const char *subject;         /* the thread subject; default "(no subject)" */
	const char *account_name;    /* the client account */
	const char *author_name;     /* who wrote / acted; optional */
	const char *body;            /* CommonMark source; shown when show_content:
				      * rendered (raw HTML off) in the HTML part,
				      * as plain text in the text part */
	const char *files;           /* the message's file names, one a line */
	int show_content;

	/* Links (already signed); http: or https: only. */
	const char *view_url;        /* required except for explanations */
	int64_t view_expires;        /* Unix seconds; 0 = do not mention */
	const char *unsubscribe_url; /* contacts' notifications; optional */

	/* Context of particular kinds. */
	int reminder_number;         /* reminder: this is reminder N ... */
	int reminder_count;          /* ... of M (0 = unknown) */
	int64_t reminder_unread;     /* reminder: messages the client has not read */
	int64_t message_date;        /* when the message it is about was written; 0 = unknown */
	const struct compose_task *tasks; /* shown when task_count > 0 */
	size_t task_count;
	const char *file_name;       /* staff_upload */
	const char *task_text;       /* staff_task_done */
	int undone;                  /* staff_task_done: unticked, not ticked */
	/* Several things at once (item_count > 1): the email lists them all
	 * instead of telling of one. */
	const struct compose_item *items;
	size_t item_count;
	/* Files of the message: their count, and their names one a line
	 * (listed only when show_content; otherwise only counted). */
	int64_t n_files;
	const char *file_names;
	const char *their_message_id;/* explanation: In-Reply-To */
	const char *their_text;      /* explanation: what they wrote, quoted */
	const char *webhook;         /* staff_webhook_disabled: the endpoint */
};

/*
 * Append the complete message for MAIL to OUT (which may already hold
 * data).  Returns 0, or -1 with *error_r set (malloc'd) when a required
 * field is missing or an address, id or URL is malformed; OUT is then left
 * as it was.
 */
int compose_render(const struct compose_mail *mail, struct buf *out, char **error_r);

/*
 * Neutralise TEXT for use in a header or a one-line field: invalid UTF-8
 * becomes U+FFFD, control characters become spaces, surrounding space is
 * trimmed, and the result is cut (on a character boundary) to at most
 * COMPOSE_LINE_MAX bytes.  Returns a malloc'd string; NULL gives "".
 * Exposed for the tests and for callers that log such fields.
 */
#define COMPOSE_LINE_MAX 998
char *compose_clean_line(const char *text);

#endif
