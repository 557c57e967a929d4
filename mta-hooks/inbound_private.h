/*
 * inbound_private.h - what the files of the inbound parser share: the
 * pre-parse scan, the parse context, and the helpers for headers, text and
 * classification.  Not installed, not for callers outside mta-hooks/.
 */
#ifndef GW_INBOUND_PRIVATE_H
#define GW_INBOUND_PRIVATE_H

#include <gmime/gmime.h>

#include "buf.h"
#include "inbound.h"

/* How much decoded body text the heuristics and the quote look at. */
#define INB_BODY_MAX (64 * 1024)
/* Single-line fields are cut at these sizes (bytes). */
#define INB_LINE_MAX 512
#define INB_VALUE_MAX 40

/* --- inbound_scan.c: before gmime --- */

struct inb_scan {
	size_t header_bytes;    /* top-level header block, blank line excluded */
	int depth;              /* deepest entity seen */
	int parts;              /* entities seen, the message included */
	size_t fields;          /* header fields of every header block */
	enum inbound_limit hit; /* first limit exceeded, or NONE */
	int top_unsafe;         /* the top-level header block itself broke a
				   limit: gmime must not parse even that */
};

/*
 * Scan DATA line by line, following Content-Type and boundaries the way
 * gmime does, and stop as soon as a limit is exceeded.  Memory is bounded
 * by max_mime_depth; time is linear in len.
 */
void inb_scan(const char *data, size_t len, const struct inbound_limits *lim,
	      struct inb_scan *s);

/* --- inbound.c: the parse context --- */

struct inb_tree {
	GMimeObject *top;              /* the message's own MIME part */
	char *report_type;             /* of a top-level multipart/report, lowercase */
	GMimeObject *delivery_status;  /* message/(global-)delivery-status */
	GMimeObject *disposition;      /* message/disposition-notification */
	GMimeObject *feedback;         /* message/feedback-report */
	GMimeObject *returned_headers; /* text/rfc822-headers */
	GMimeMessage *returned;        /* first attached message/rfc822 */
	GMimeObject *text_plain;       /* first inline text/plain outside attachments */
	GMimeObject *text_html;        /* first inline text/html outside attachments */
	GMimeObject *calendar;         /* first text/calendar outside attached messages */
	int depth;
	int parts;
};

struct inb_ctx {
	const struct inbound_envelope *env;
	const struct inbound_limits *lim;
	struct inbound_result *r;
	GMimeParserOptions *opts;
	GMimeMessage *msg;
	struct inb_tree t;
	char *body;       /* first text part as UTF-8, at most INB_BODY_MAX */
	int body_is_html; /* body came from text/html */
	int body_done;
	char *body_lower; /* ASCII-lowercased copy of body for phrase search */
};

/* The decoded body text (cached); "" when there is none. */
const char *inb_body(struct inb_ctx *c);
const char *inb_body_lower(struct inb_ctx *c);

/* --- inbound_classify.c --- */

/* Decide loop / bounce / automatic / human; fills r->verdict, r->reason. */
void inb_classify(struct inb_ctx *c);

/* Subject and start of the body of an automatic reply (r->auto_text). */
char *inb_auto_text(struct inb_ctx *c);

/* Collect token candidates from the envelope and the top-level header. */
void inb_tokens(struct inb_ctx *c);

/* --- inbound_subject.c --- */

/*
 * The subject prefixes (also for the tests): each row is a lowercase, NFKC
 * prefix and whether it says "out of office" (1) or "generated" (0).
 */
struct inb_subject_prefix {
	const char *prefix;
	int out_of_office;
};
extern const struct inb_subject_prefix inb_subject_prefixes[];
extern const size_t inb_n_subject_prefixes;

/* The row of the table SUBJECT starts with (a whole word), or NULL. */
const struct inb_subject_prefix *inb_subject_prefix(const char *subject);


/* --- inbound_dsn.c --- */

/* Fill r->bounce from the delivery-status part or the plain text. */
void inb_dsn(struct inb_ctx *c);

/* The subject is that of a non-delivery report ("Undelivered Mail..."). */
int inb_ndr_subject(struct inb_ctx *c);
/* The body reads like one (phrases, a 5.x.x status code). */
int inb_ndr_body(struct inb_ctx *c);
/* Either, or an X-Failed-Recipients header. */
int inb_ndr_evidence(struct inb_ctx *c);

/*
 * Find an enhanced status code class 4 or 5 ("5.1.1") in TEXT; copies it
 * to out (16 bytes) and returns its position, or NULL.
 */
const char *inb_find_status(const char *text, char out[16]);

/* --- inbound_text.c --- */

/* Decoded content of a leaf part as UTF-8, at most max bytes; never NULL. */
char *inb_part_text(GMimeObject *part, size_t max);
/* Decoded bytes of a leaf part (transfer encoding undone), at most max. */
char *inb_part_bytes(GMimeObject *part, size_t max);
/* A rough plain text of an HTML document; quoted blocks are left out. */
char *inb_html_to_text(const char *html);
/* What they wrote: history and signature trimmed, at most max bytes. */
char *inb_quote(const char *text, size_t max);
/*
 * S as one line of valid UTF-8: controls become spaces, runs of spaces
 * shrink to one, trimmed, cut at a character boundary within max bytes.
 * NULL for NULL.
 */
char *inb_clean_line(const char *s, size_t max);
/* Append S to B as valid UTF-8 (bad bytes become U+FFFD). */
void inb_append_utf8(struct buf *b, const char *s, size_t len);

/* --- helpers on headers (inbound_classify.c) --- */

/* Next header NAME at or after *pos in the list; NULL at the end. */
const char *inb_header_next(GMimeObject *o, const char *name, int *pos);
/* First header NAME of O, decoded; NULL if absent. */
const char *inb_header(GMimeObject *o, const char *name);
/* Local part of an address (before the last '@'), lowercased; malloc'd. */
char *inb_local_part(const char *addr);
/* Domain of an address (after the last '@'), or NULL. */
const char *inb_domain(const char *addr);
/* Strip surrounding spaces and angle brackets; malloc'd. */
char *inb_bare_address(const char *s);

/* Case-insensitive ASCII search. */
const char *inb_strcasestr(const char *hay, const char *needle);

#endif
