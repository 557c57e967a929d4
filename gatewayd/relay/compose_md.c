/*
 * compose_md.c - a message's CommonMark for the two parts of an email:
 * HTML rendered by cmark with raw HTML off (cmark's safe default: raw
 * HTML becomes a comment, javascript: links are emptied), and plain text
 * a person reads as it is: emphasis marks gone, links followed by their
 * address, list items with a dash or their number, quotes with "> ", code
 * indented.  cmark has no plain-text renderer, so the second walks the
 * tree cmark parsed.
 */
#include "compose_int.h"

#include <cmark.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * An image in an email would be fetched from wherever its author pointed
 * (a tracker, a page too wide for a phone): it becomes a link to the
 * image, its text the image's description.
 */
static void images_to_links(cmark_node *doc)
{
	cmark_iter *it = cmark_iter_new(doc);
	cmark_node **images = NULL;
	size_t n = 0, cap = 0;
	cmark_event_type ev;

	while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
		cmark_node *node = cmark_iter_get_node(it);

		if (ev != CMARK_EVENT_ENTER || cmark_node_get_type(node) != CMARK_NODE_IMAGE)
			continue;
		if (n == cap) {
			cap = cap != 0 ? cap * 2 : 8;
			images = xrealloc(images, cap * sizeof(*images));
		}
		images[n++] = node;
	}
	cmark_iter_free(it);
	for (size_t i = 0; i < n; i++) {
		cmark_node *link = cmark_node_new(CMARK_NODE_LINK);
		cmark_node *c;

		cmark_node_set_url(link, cmark_node_get_url(images[i]));
		cmark_node_set_title(link, cmark_node_get_title(images[i]));
		while ((c = cmark_node_first_child(images[i])) != NULL)
			cmark_node_append_child(link, c);
		cmark_node_replace(images[i], link);
		cmark_node_free(images[i]);
	}
	free(images);
}

void compose_md_html(struct buf *html, const char *md)
{
	cmark_node *doc = cmark_parse_document(md, strlen(md), CMARK_OPT_DEFAULT);
	char *out;

	if (doc == NULL)
		return;
	images_to_links(doc);
	/* CMARK_OPT_DEFAULT is cmark's safe mode: never CMARK_OPT_UNSAFE */
	out = cmark_render_html(doc, CMARK_OPT_DEFAULT);
	cmark_node_free(doc);
	if (out == NULL)
		return;
	buf_puts(html, out);
	free(out);
}

static void plain_block(cmark_node *node, struct buf *out, int tight);

/* Inline content of node, as text. */
static void plain_inlines(cmark_node *node, struct buf *out)
{
	for (cmark_node *c = cmark_node_first_child(node); c != NULL; c = cmark_node_next(c)) {
		const char *lit;

		switch (cmark_node_get_type(c)) {
		case CMARK_NODE_TEXT:
		case CMARK_NODE_CODE:
		case CMARK_NODE_HTML_INLINE:
		case CMARK_NODE_CUSTOM_INLINE:
			lit = cmark_node_get_literal(c);
			buf_puts(out, lit != NULL ? lit : "");
			break;
		case CMARK_NODE_SOFTBREAK:
		case CMARK_NODE_LINEBREAK:
			buf_putc(out, '\n');
			break;
		case CMARK_NODE_LINK:
		case CMARK_NODE_IMAGE: {
			const char *url = cmark_node_get_url(c);
			size_t start = out->len;

			plain_inlines(c, out);
			/* "<https://x>" reads its address once */
			if (url != NULL && *url != '\0' &&
			    (out->len - start != strlen(url) ||
			     memcmp(out->data + start, url, out->len - start) != 0)) {
				buf_puts(out, " (");
				buf_puts(out, url);
				buf_putc(out, ')');
			}
			break;
		}
		default:
			plain_inlines(c, out);
			break;
		}
	}
}

/* Append text with prefix before its first line and indent before the others. */
static void prefixed(struct buf *out, const char *text, size_t len, const char *first,
		     const char *rest)
{
	const char *p = text, *end = text + len;
	int line = 0;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl != NULL ? (size_t)(nl - p) : (size_t)(end - p);

		if (n > 0 || line == 0)
			buf_puts(out, line == 0 ? first : rest);
		buf_append(out, p, n);
		buf_putc(out, '\n');
		p += n + 1;
		line++;
	}
}

static void trim_newlines(struct buf *b)
{
	size_t n = b->len;

	while (n > 0 && b->data[n - 1] == '\n')
		n--;
	buf_truncate(b, n);
}

static void plain_children(cmark_node *node, struct buf *out, int tight)
{
	for (cmark_node *c = cmark_node_first_child(node); c != NULL; c = cmark_node_next(c))
		plain_block(c, out, tight);
}

/* One block, ending with a blank line (one line break inside a tight list). */
static void plain_block(cmark_node *node, struct buf *out, int tight)
{
	struct buf inner = BUF_INIT;
	const char *lit;

	switch (cmark_node_get_type(node)) {
	case CMARK_NODE_PARAGRAPH:
	case CMARK_NODE_HEADING:
		plain_inlines(node, out);
		buf_puts(out, tight ? "\n" : "\n\n");
		break;
	case CMARK_NODE_CODE_BLOCK:
	case CMARK_NODE_HTML_BLOCK:
	case CMARK_NODE_CUSTOM_BLOCK:
		lit = cmark_node_get_literal(node);
		if (lit != NULL)
			prefixed(out, lit, strlen(lit), "    ", "    ");
		buf_putc(out, '\n');
		break;
	case CMARK_NODE_THEMATIC_BREAK:
		buf_puts(out, "----------\n\n");
		break;
	case CMARK_NODE_BLOCK_QUOTE:
		plain_children(node, &inner, 0);
		trim_newlines(&inner);
		prefixed(out, inner.data != NULL ? inner.data : "", inner.len, "> ", "> ");
		buf_putc(out, '\n');
		break;
	case CMARK_NODE_LIST: {
		int ordered = cmark_node_get_list_type(node) == CMARK_ORDERED_LIST;
		int n = cmark_node_get_list_start(node);
		int tight_list = cmark_node_get_list_tight(node);

		for (cmark_node *it = cmark_node_first_child(node); it != NULL;
		     it = cmark_node_next(it), n++) {
			char mark[24];

			buf_truncate(&inner, 0);
			plain_children(it, &inner, tight_list);
			trim_newlines(&inner);
			if (ordered)
				snprintf(mark, sizeof(mark), "%d. ", n);
			else
				snprintf(mark, sizeof(mark), "- ");
			prefixed(out, inner.data != NULL ? inner.data : "", inner.len, mark,
				 ordered ? "   " : "  ");
			if (!tight_list)
				buf_putc(out, '\n');
		}
		if (tight_list)
			buf_putc(out, '\n');
		break;
	}
	default:
		plain_children(node, out, tight);
		break;
	}
	buf_release(&inner);
}

void compose_md_plain(struct buf *plain, const char *md)
{
	cmark_node *doc = cmark_parse_document(md, strlen(md), CMARK_OPT_DEFAULT);
	struct buf out = BUF_INIT;

	if (doc == NULL) {
		buf_puts(plain, md);
		return;
	}
	plain_children(doc, &out, 0);
	cmark_node_free(doc);
	trim_newlines(&out);
	if (out.data != NULL)
		buf_append(plain, out.data, out.len);
	buf_putc(plain, '\n');
	buf_release(&out);
}
