/*
 * decide_private.h - what the files of the decision share (decide.c, the
 * entry points and the human path; decide_bounce.c; decide_text.c).  Not
 * for callers outside mta-hooks/decide*.c.
 */
#ifndef GW_DECIDE_PRIVATE_H
#define GW_DECIDE_PRIVATE_H

#include <stdint.h>

#include "buf.h"
#include "decide.h"
#include "links.h"

struct store_inbound_in;

/* Envelope strings are cut to this many bytes before they are stored. */
#define DECIDE_ADDR_MAX 320

/* ---- decide_text.c ---- */

/*
 * S as one line of valid UTF-8 of at most max bytes: control bytes and
 * invalid sequences become '?'.  malloc'd; "" for NULL.
 */
char *dc_clean_line(const char *s, size_t max);
/* The envelope sender as stored: "" for the null sender in any spelling. */
char *dc_clean_sender(const char *s);
/* Cut the valid UTF-8 in b to at most max bytes at a character boundary. */
void dc_buf_cut_utf8(struct buf *b, size_t max);
/* Same address, ignoring case; never true for an empty one. */
int dc_addr_equal(const char *a, const char *b);
/* Is the address in DOMAIN (the part after the last '@')? */
int dc_in_reply_domain(const char *addr, const char *domain);
/* Control bytes to spaces, trailing spaces removed, in place; NULL ok. */
void dc_one_line(char *s);

/* ---- decide.c ---- */

/* out->reason = the contents of b (b becomes empty). */
void dc_set_reason(struct decide_outcome *out, struct buf *b);
/* *error_r = why (or free it); returns GW_TEMPFAIL. */
enum gw_result dc_tempfail(char **error_r, char *why);
/* Same with "WHAT: ERR" (ERR is freed; NULL reads "failed"). */
enum gw_result dc_tempfail_in(char **error_r, const char *what, char *err);
/* The inbound log row of out with verdict (pointers into out). */
void dc_inbound_in(const struct decide_outcome *out, const char *verdict,
		   struct store_inbound_in *in);
/* Write the inbound-log row described by out with VERDICT: GW_OK or
   GW_TEMPFAIL. */
enum gw_result dc_record(const struct decide_settings *set, struct decide_outcome *out,
			 const char *verdict, char **error_r);

/* ---- decide_bounce.c ---- */

/* A delivery report: attribute, mark bouncing when permanent, record. */
enum gw_result dc_handle_bounce(const struct decide_settings *set,
				const struct inbound_result *r, int64_t now,
				struct decide_outcome *out, char **error_r);

/* ---- decide_away.c ---- */

/*
 * RCPT is a genuine bounce+TOKEN address (expired ones too, revoked ones
 * not): the thread and person it was made for.  Auto-responders that
 * follow RFC 3834 answer the envelope sender, which is that address.
 */
int dc_bounce_address_names(const struct decide_settings *set, const char *rcpt, int64_t now,
			    int64_t *thread_r, enum link_principal *kind_r, int64_t *principal_r);

/*
 * A person's automatic reply naming a thread (out->thread_id set; KIND
 * and PRINCIPAL_ID: whom the token was for): the staff note, the contact's
 * away state, the log row.
 */
enum gw_result dc_handle_away(const struct decide_settings *set, const struct inbound_result *r,
			      enum link_principal kind, int64_t principal_id, int64_t now,
			      struct decide_outcome *out, char **error_r);

#endif
