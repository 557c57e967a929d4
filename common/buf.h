/*
 * buf.h - growable byte buffer, always NUL-terminated.
 *
 * struct buf is a plain record: data/len may be read directly.  A zeroed
 * struct buf (BUF_INIT) is an empty buffer.  Allocation failure aborts: the
 * daemon cannot do anything sensible without memory for a few kilobytes, and
 * gatewayd-pipe turns an abort into a retry by Postfix (see mta-hooks/).
 */
#ifndef GW_BUF_H
#define GW_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include "gw.h"

struct buf {
	char *data; /* NULL or NUL-terminated */
	size_t len;
	size_t cap;
};
#define BUF_INIT { NULL, 0, 0 }

void buf_append(struct buf *b, const void *p, size_t n);
void buf_puts(struct buf *b, const char *s);
void buf_putc(struct buf *b, char c);
void buf_printf(struct buf *b, const char *fmt, ...) GW_PRINTF(2, 3);
void buf_vprintf(struct buf *b, const char *fmt, va_list ap);
void buf_truncate(struct buf *b, size_t len);
/* Empty the buffer, keep its memory. */
void buf_reset(struct buf *b);
/* Give the caller the NUL-terminated data ("" if empty); b becomes empty. */
char *buf_detach(struct buf *b);
/* "" if empty, never NULL. */
const char *buf_cstr(const struct buf *b);
void buf_release(struct buf *b);

/* HTML text/attribute escaping: & < > " ' */
void buf_html_escape(struct buf *b, const char *s);
/* The same for the n bytes at s (no NUL among them). */
void buf_html_escape_n(struct buf *b, const char *s, size_t n);
/*
 * s escaped, with each span from a byte 0x01 to a byte 0x02 in <mark>
 * (the marks of search results, store/search.h): the only markup added;
 * a mark left open is closed, a stray one dropped.
 */
void buf_html_escape_marked(struct buf *b, const char *s);
/* s without those marks. */
void buf_unmarked(struct buf *b, const char *s);

/* Helpers that abort on allocation failure. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) GW_PRINTF(1, 2);

#endif
