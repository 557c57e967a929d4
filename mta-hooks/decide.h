/*
 * decide.h - what happens to one inbound message once it is classified:
 * which contact a bounce is about, whether a human reply is answered, and
 * the rows that leave in the store.  One code path for every front end:
 * gatewayd-pipe (Postfix pipe(8)) today, an LMTP listener later.  Nothing
 * here reads stdin, exits or logs; the caller does, from the outcome.
 *
 * The decision, by classification (inbound.h):
 *   any        the same Message-ID to the same recipient is already in the
 *              inbound log: a redelivery (Postfix retrying after a crash
 *              or a lost acknowledgement).  Logged "duplicate"; nothing
 *              else is done, so an answer goes out at most once.
 *   loop, over-limit, malformed
 *              logged under that name, dropped.
 *   bounce     logged "bounce" with the DSN status.  A contact is marked
 *              only on proof that the report answers our mail to that
 *              contact at that address: the null envelope sender, a
 *              bounce+TOKEN recipient with our MAC issued for a contact
 *              (an expired token still counts), and the failed address
 *              (Final-Recipient, Original-Recipient, or the one the text
 *              names) equal to that contact's address - or, when the report
 *              names no address, its returned Message-ID being our email to
 *              that contact at that address.  On a permanent failure (5.x.x,
 *              Action: failed) that one contact is marked bouncing with
 *              "STATUS DIAGNOSTIC" as the reason (store.h tells the owners
 *              and admins).  Anything short of proof - a reply+ address,
 *              postmaster@, abuse@ or any other address, a real sender, a
 *              forged token, another address - marks nobody: the reason
 *              ends "marks nobody: WHY".  Never answered.
 *   automatic  logged "automatic" with the classifier's reason, dropped;
 *              it never counts as a client reply.  A person's
 *              out-of-office reply (inbound_result.out_of_office) that
 *              names a thread is still never answered, but in ONE
 *              transaction with its log row (decide_away.c,
 *              store_auto_reply_record()): a staff-only note, at most one
 *              per contact, thread and day; and, when away_parse() finds a
 *              return date and the reply comes from the address of the
 *              contact the token names, that contact's away_until and the
 *              time their reminders resume (the next business day after).
 *              Bad dates are named in the reason and ignored.
 *   human      the first token candidate that is ours decides the thread:
 *              reply+TOKEN in the recipient, the References/In-Reply-To ids
 *              (our outbox Message-IDs), Delivered-To, X-Original-To.  An
 *              expired reply token still names its thread.  None: logged
 *              "dropped", reason "no valid token".  A sender (envelope
 *              or From) that is ours - null, in the reply domain, the
 *              [mail] from address or at its domain - is logged "dropped"
 *              and never answered: the answer would come back to us.
 *              Otherwise the rate
 *              limits (one explanation per sender and thread per 24 h,
 *              max_explanations_per_day per sender, and
 *              DECIDE_MAX_STRANGERS_PER_THREAD per thread and 24 h to
 *              senders the token was not sent to): over any, logged
 *              "explained-suppressed".  The limits and the redelivery
 *              check are made again inside ONE transaction that writes the
 *              log row "explained", the explanation outbox row to the
 *              envelope sender and the staff-only note.  The explanation
 *              carries a fresh link only when the envelope sender is the
 *              address of the contact the token was issued to and the
 *              token is not revoked.  The reply is not posted; reminders
 *              are not touched.
 *
 * Verdicts written to the inbound log (struct store_inbound.verdict):
 *   "loop" "over-limit" "malformed" "bounce" "automatic" "dropped"
 *   "explained" "explained-suppressed" "duplicate"
 *
 * Threads: a decide call uses the caller's struct store, which is not
 * thread-safe; give each thread its own settings with its own store.
 */
#ifndef GW_DECIDE_H
#define GW_DECIDE_H

#include <stddef.h>
#include <stdint.h>

#include "gw.h"
#include "inbound.h"

struct store;
struct link_keys;

#define DECIDE_LOOP "loop"
#define DECIDE_OVER_LIMIT "over-limit"
#define DECIDE_MALFORMED "malformed"
#define DECIDE_BOUNCE "bounce"
#define DECIDE_AUTOMATIC "automatic"
#define DECIDE_DROPPED "dropped"
#define DECIDE_EXPLAINED "explained"
#define DECIDE_SUPPRESSED "explained-suppressed"
#define DECIDE_DUPLICATE "duplicate"

/*
 * Explanations a day about one thread to senders who are not the person
 * the token was sent to.  Without it, whoever holds one genuine reply
 * address could have the firm's domain answer any number of forged
 * senders, each once a day (the other limits are per sender).
 */
#define DECIDE_MAX_STRANGERS_PER_THREAD 3

/* Everything is borrowed and must outlive the calls that use it. */
struct decide_settings {
	struct store *store;        /* open; its mail domain set to reply_domain */
	const struct link_keys *keys;
	const char *reply_domain;   /* [mail] reply_domain */
	/* [mail] from: a reply whose envelope sender or From is this address
	   or at its domain is never answered; NULL = no such check */
	const char *from_address;
	/* [mail] max_explanations_per_day: explanations to one sender over
	   all threads in 24 h; 0 turns explanations off */
	int64_t max_explanations_per_day;
	struct inbound_limits limits; /* inbound_limits_init() + [inbound] */
};

struct decide_outcome {
	enum inbound_verdict class;  /* what the classifier said */
	const char *verdict;         /* the inbound log verdict (static) */
	char *reason;                /* the log row's reason, one line, malloc'd */
	char *message_id;            /* theirs, no brackets; NULL if none */
	char *sender;                /* envelope sender as logged ("" = <>) */
	char *recipient;             /* envelope recipient as logged */
	size_t size;                 /* bytes of the whole message */
	int64_t thread_id;           /* 0 = not known */
	int64_t inbound_id;          /* the log row written */
	int64_t outbox_id;           /* the explanation queued, 0 = none */
	int contacts_bouncing;       /* contacts marked bouncing by this call */
};

/*
 * Parse DATA (LEN bytes stored of a message of TOTAL_LEN bytes; 0 = LEN:
 * see inbound_read_fd()) with set->limits, decide, and record.  SENDER is
 * the envelope sender ("" or "<>" for the null sender), RECIPIENT the one
 * envelope recipient.  Strings from the envelope are stored as valid
 * one-line UTF-8 (control bytes and bad sequences become '?').
 *
 * Returns GW_OK when the message was handled - answered, dropped on
 * purpose or recognised as a redelivery - and *out describes it; the MTA
 * may forget the message.  Returns GW_TEMPFAIL with *error_r (malloc'd,
 * one line) when nothing may be assumed done: the database was busy past
 * its timeout, full, read-only or failing, or the store refused a row; the
 * MTA must retry later, and the redelivery check makes the retry safe.
 * *out is filled as far as known either way; clear it with
 * decide_outcome_clear().
 */
enum gw_result decide_message(const struct decide_settings *set, const char *sender,
			      const char *recipient, const char *data, size_t len,
			      size_t total_len, struct decide_outcome *out,
			      char **error_r);

/*
 * The same for a message parsed already (R from inbound_parse() with the
 * same SENDER and RECIPIENT in its envelope).
 */
enum gw_result decide_parsed(const struct decide_settings *set, const char *sender,
			     const char *recipient, const struct inbound_result *r,
			     struct decide_outcome *out, char **error_r);

/* Free the strings; accepts a zeroed or already cleared outcome. */
void decide_outcome_clear(struct decide_outcome *out);

/*
 * One log line for the outcome, without the program name:
 *   "<id> from <sender> to <rcpt>: human, explained (thread 12): REASON"
 * malloc'd.
 */
char *decide_outcome_line(const struct decide_outcome *out);

#endif
