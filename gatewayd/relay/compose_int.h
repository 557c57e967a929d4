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
	char *firm, *from_name, *to_name, *subject, *account, *author, *file, *task;
	char *body, *their_text, *files;
	char *webhook;
};

/*
 * Write the text/plain and the text/html body of mail M into PLAIN and
 * HTML side by side, every caller-provided string from W (cleaned) and
 * escaped in HTML.  Line ends are LF; the MIME writer makes them CRLF.
 */
/* A cleaned line or multi-line text, as compose.c cleans the fields
 * (malloc'd; NULL gives ""). */
char *compose_clean_text(const char *text);

/* CommonMark as HTML (cmark, raw HTML off) and as readable plain text. */
void compose_md_html(struct buf *html, const char *md);
void compose_md_plain(struct buf *plain, const char *md);

void compose_text_render(const struct compose_mail *m, const struct compose_words *w,
			 struct buf *plain, struct buf *html);

#endif
