/*
 * compose_int.h - what compose.c (cleaning, checking, headers, the MIME
 * frame) and compose_text.c (the words of the two parts) share.  Not for
 * other modules.
 */
#ifndef GW_COMPOSE_INT_H
#define GW_COMPOSE_INT_H

#include "buf.h"
#include "compose.h"

/* NULL and "" both mean "not given". */
static inline int compose_empty(const char *s)
{
	return s == NULL || *s == '\0';
}

/* Every caller-provided text, cleaned once. */
struct compose_words {
	char *firm, *from_name, *to_name, *subject, *account, *author, *file;
	char *body, *their_text;
	char *webhook;
};

/*
 * Write the text/plain and the text/html body of mail M into PLAIN and
 * HTML side by side, every caller-provided string from W (cleaned) and
 * escaped in HTML.  Line ends are LF; the MIME writer makes them CRLF.
 */
void compose_text_render(const struct compose_mail *m, const struct compose_words *w,
			 struct buf *plain, struct buf *html);

#endif
