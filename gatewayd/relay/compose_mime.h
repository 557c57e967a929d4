/*
 * compose_mime.h - the wire form of an email, for compose.c: header fields
 * (RFC 5322) folded at 78 characters, with RFC 2047 encoded words where
 * the text is not plain ASCII; quoted-printable bodies (RFC 2045).
 *
 * Written by hand rather than through gmime's object model: a notification
 * has a fixed shape (a dozen headers, two text parts), and building,
 * serialising and freeing a GMimeMessage cost more than everything else
 * the relay does for a mail.  The tests parse every message back with
 * gmime's parser, as a receiving client would.
 *
 * Input contract: what reaches these functions is already checked or
 * cleaned by compose.c: text is valid UTF-8 without control characters
 * and without "=?" sequences, at most COMPOSE_LINE_MAX bytes; addresses and
 * message ids are printable ASCII without spaces or angle brackets.  Output
 * is 7-bit with CRLF line ends.  Nothing here allocates beyond the buffer.
 */
#ifndef GW_COMPOSE_MIME_H
#define GW_COMPOSE_MIME_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* Fold header lines before they pass this many characters (RFC 5322 2.1.1). */
#define COMPOSE_MIME_LINE 78

/* One header field being written; fields live on the caller's stack. */
struct compose_mime_header {
	struct buf *out;
	size_t col;   /* characters on the current line */
	size_t start; /* col just after "Name:" */
};

/* Append "NAME:" to OUT and start counting. */
void compose_mime_header_begin(struct compose_mime_header *h, struct buf *out,
			       const char *name);

/*
 * Append one structured token (an <id>, a word) after a space; the line is
 * folded before it when it would not fit.  A token is never split.
 */
void compose_mime_header_word(struct compose_mime_header *h, const char *word);

/* Append "<TEXT>" (a message id, an address) the same way, as one token. */
void compose_mime_header_angle(struct compose_mime_header *h, const char *text);

/*
 * Append unstructured TEXT (a subject): as it is, folded at its spaces,
 * when it is printable ASCII with no word too long for a line; otherwise
 * as a run of UTF-8 "Q" encoded words, each within the line, cut only
 * between characters.  Every space of TEXT survives the round trip.
 */
void compose_mime_header_text(struct compose_mime_header *h, const char *text);

/*
 * Append a mailbox: ADDR alone when NAME is NULL or "", else NAME <ADDR>
 * with NAME as atoms, a quoted string, or encoded words (whatever keeps it
 * one display name, byte for byte, for the receiver).
 */
void compose_mime_header_mailbox(struct compose_mime_header *h, const char *name,
				 const char *addr);

/* End the field with CRLF. */
void compose_mime_header_end(struct compose_mime_header *h);

/* "Tue, 25 Nov 2025 09:30:00 +0000" (RFC 5322 date-time, UTC). */
void compose_mime_date(int64_t t, char out[40]);

/*
 * Append TEXT (LEN bytes; lines end in LF or CRLF) quoted-printable
 * encoded with CRLF line ends: lines of at most 76 characters, "=" and
 * bytes outside printable ASCII as =XX, a space or tab before a line end
 * encoded.  A final line end in TEXT gives a final CRLF.
 */
void compose_mime_qp(struct buf *out, const char *text, size_t len);

#endif
