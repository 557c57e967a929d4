/*
 * inbound_headers.h - the envelope of a message that arrived without one.
 *
 * A message read from a mailbox (IMAP) has lost its SMTP envelope: the
 * delivering server left only traces of it in the header.  This finds
 * them, so that such a message is decided exactly like one that Postfix
 * handed over with its envelope:
 *
 *   recipient  the first address in the reply domain among, in order,
 *              Delivered-To (topmost first), X-Original-To, To, Cc;
 *              failing that the first Delivered-To or X-Original-To
 *              address (so the inbound log says where it went); "" when
 *              there is none.
 *   sender     the topmost Return-Path ("" for Return-Path: <>, the null
 *              sender of bounces and auto-replies); without one, the
 *              address of From; "" when there is neither.
 *
 * Only the top-level header block is read (up to the first blank line,
 * at most max_header bytes), line by line and without gmime: addresses
 * are picked out lexically, so a hostile To of nested groups costs
 * nothing.  Returned strings are malloc'd, one line, lowercase-insensitive
 * as written.
 */
#ifndef GW_INBOUND_HEADERS_H
#define GW_INBOUND_HEADERS_H

#include <stddef.h>

void inbound_headers_envelope(const char *data, size_t len, size_t max_header,
			      const char *reply_domain, char **sender_r,
			      char **recipient_r);

#endif
